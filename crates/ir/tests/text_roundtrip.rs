//! Round trips through the IR's text form: a golden block that uses every
//! instruction and attribute, and random-ish valid blocks from the builder.

use std::sync::Arc;

use wemu_ir::text::{parse, print};
use wemu_ir::{
    BinaryOp, Block, Builder, Cond, ConvOp, Effect, Endian, FenceKind, Globals, HelperDecl, MemOp, MemSize, RmwOp,
    Temp, Type, UnaryOp, Value, verify,
};

use Type::{I32, I64};

fn helper(id: u32, name: &str, args: &[Type], ret: Option<Type>, effect: Effect) -> HelperDecl {
    HelperDecl { id, name: name.into(), args: args.to_vec(), ret, effect }
}

const fn c(v: u64) -> Value {
    Value::Const(v)
}

/// A memory access with every attribute spelled out.
const fn mem(size: MemSize, signed: bool, endian: Endian, align_log2: u8, mmu_idx: u8) -> MemOp {
    MemOp { size, signed, endian, align_log2, mmu_idx }
}

/// A valid block that uses every instruction kind and every op, condition,
/// size, byte order, fence form and helper shape.
fn everything() -> Block {
    let mut g = Globals::new();
    let x1 = Temp::Global(g.add("x1", I64, 8));
    let x2 = Temp::Global(g.add("x2", I64, 16));
    let w = Temp::Global(g.add("w", I32, 24));
    let pc = Temp::Global(g.add("pc", I64, 264));
    // Unused, so not printed; last, so the parsed block numbers the others alike.
    g.add("spare", I64, 32);
    let mut b = Builder::new(Arc::new(g));
    b.declare_helper(helper(7, "fadd_d", &[I64, I64, I64], Some(I64), Effect::MayFault));
    b.declare_helper(helper(1, "flag", &[I32], Some(I32), Effect::Pure));
    b.declare_helper(helper(2, "tick", &[], None, Effect::ReadsState));
    b.declare_helper(helper(3, "sync", &[I64, I32], None, Effect::WritesState));

    b.insn_start(0x8000_0000);
    let a64 = b.copy(I64, x1.into());
    let a32 = b.copy(I32, w.into());
    for (i, &op) in UnaryOp::ALL.iter().enumerate() {
        let i64_only = matches!(op, UnaryOp::Bswap64 | UnaryOp::Sext32 | UnaryOp::Zext32);
        if i64_only || i % 2 == 0 {
            b.unary(op, I64, a64.into())
        } else {
            b.unary(op, I32, a32.into())
        };
    }
    b.insn_start(0x8000_0004);
    let consts64 = [0, 1, u64::MAX, 4096, 4097, 4096u64.wrapping_neg(), 4097u64.wrapping_neg(), 0xffff_ffff];
    let consts32 = [0x8000_0000, 0xffff_f000, 0xffff_efff, 0x7fff_ffff, 0x1000];
    for (i, &op) in BinaryOp::ALL.iter().enumerate() {
        if i % 2 == 0 {
            b.binary(op, I64, a64.into(), c(consts64[i / 2 % consts64.len()]));
        } else {
            b.binary(op, I32, c(consts32[i / 2 % consts32.len()]), a32.into());
        }
    }
    let mut conv = [a64; 4];
    for (k, &op) in ConvOp::ALL.iter().enumerate() {
        let src = if op.types().0 == I32 { a32 } else { a64 };
        conv[k] = b.convert(op, src.into());
    }
    b.extract(I64, false, a64.into(), 3, 17);
    b.extract(I32, true, a32.into(), 0, 32);
    b.deposit(I64, a64.into(), conv[0].into(), 60, 4);
    b.deposit(I32, c(0xdead_beef), a32.into(), 8, 8);
    for (i, &cond) in Cond::ALL.iter().enumerate() {
        if i % 2 == 0 {
            b.setcond(I64, cond, a64.into(), x2.into())
        } else {
            b.setcond(I32, cond, a32.into(), c(7))
        };
    }
    b.movcond(I64, Cond::Ltu, a64.into(), c(100), x1.into(), c(u64::MAX));
    b.movcond(I32, Cond::Ge, a32.into(), c(0x8000_0000), c(1), a32.into());
    b.insn_start(0x8000_0008);
    for (k, &size) in MemSize::ALL.iter().enumerate() {
        let off = 512 + 8 * k as u32;
        b.load_state(I64, off, size, false);
        b.load_state(I64, off, size, true);
        b.store_state(I64, a64.into(), off, size);
    }
    b.load_state(I32, 560, MemSize::B4, false);
    b.store_state(I32, c(0xffff_ffff), 560, MemSize::B2);
    b.insn_start(0x8000_000c);
    let addr = b.add(I64, x1.into(), c(16));
    b.load(I64, addr.into(), mem(MemSize::B1, false, Endian::Little, 0, 0));
    b.load(I64, addr.into(), mem(MemSize::B2, true, Endian::Big, 1, 1));
    b.load(I64, addr.into(), mem(MemSize::B4, true, Endian::Little, 2, 2));
    b.load(I64, addr.into(), mem(MemSize::B8, false, Endian::Big, 3, 3));
    b.load(I32, c(0x1000), mem(MemSize::B4, false, Endian::Little, 6, 0));
    b.load(I32, c(0xffff_ffff_8000_0000), MemOp::le(MemSize::B2, true).aligned().with_mmu(255));
    b.store(I64, a64.into(), addr.into(), mem(MemSize::B8, false, Endian::Little, 0, 1));
    b.store(I32, c(u32::MAX as u64), addr.into(), mem(MemSize::B4, false, Endian::Big, 2, 0));
    b.store(I32, a32.into(), c(0x2000), mem(MemSize::B2, false, Endian::Little, 0, 0));
    b.store(I64, c(4096), x2.into(), mem(MemSize::B1, false, Endian::Little, 0, 0));
    b.insn_start(0x8000_0010);
    for (i, &op) in RmwOp::ALL.iter().enumerate() {
        if i % 2 == 0 {
            b.atomic_rmw(op, I64, addr.into(), a64.into(), MemOp::le(MemSize::B8, false).aligned());
        } else {
            b.atomic_rmw(op, I32, x2.into(), c(1), MemOp::le(MemSize::B4, true).aligned().with_mmu(1));
        }
    }
    b.atomic_cmpxchg(I64, addr.into(), a64.into(), c(0), MemOp::le(MemSize::B8, false).aligned());
    b.atomic_cmpxchg(I32, addr.into(), c(u32::MAX as u64), a32.into(), MemOp::le(MemSize::B1, false));
    for kind in [
        FenceKind::ALL,
        FenceKind::LD_LD,
        FenceKind::LD_ST.union(FenceKind::ST_ST),
        FenceKind::ST_LD,
        FenceKind::LD_LD.union(FenceKind::LD_ST).union(FenceKind::ST_LD),
        FenceKind::from_bits(0),
    ] {
        b.fence(kind);
    }
    b.insn_start(0x8000_0014);
    let r = b.call(7, vec![x1.into(), x2.into(), c(7)]).unwrap();
    b.call(1, vec![c(0xffff_ffff)]);
    b.call(2, vec![]);
    b.call(3, vec![r.into(), c(0x8000_0000)]);
    // A call whose result is dropped.
    b.push(wemu_ir::Inst::Call { helper: 7, dst: None, args: vec![c(u64::MAX), c(0), r.into()] });
    b.mov(I64, x1, r.into());
    b.mov(I32, w, c(0xffff_ffff));

    let (l0, l1, l2, l3) = (b.new_label(), b.new_label(), b.new_label(), b.new_label());
    b.brcond(I64, Cond::Ltu, r.into(), x2.into(), l0);
    b.goto_tb(0, 0x8000_0018);
    b.label(l0);
    b.brcond(I32, Cond::Eq, a32.into(), c(0), l1);
    b.br(l2);
    b.label(l1);
    b.mov(I64, pc, c(0x8000_1000));
    b.lookup_tb();
    b.label(l2);
    b.brcond(I64, Cond::Ne, x1.into(), c(u64::MAX), l3);
    b.exit_tb(3);
    b.label(l3);
    b.goto_tb(1, 0xffff_ffff_8000_0000);
    b.finish()
}

const EVERYTHING: &str = r"global x1: i64 @ 8
global x2: i64 @ 16
global w: i32 @ 24
global pc: i64 @ 264
local t0: i64
local t1: i32
local t2: i64
local t3: i32
local t4: i64
local t5: i32
local t6: i64
local t7: i32
local t8: i64
local t9: i64
local t10: i64
local t11: i32
local t12: i64
local t13: i32
local t14: i64
local t15: i64
local t16: i64
local t17: i32
local t18: i64
local t19: i32
local t20: i64
local t21: i32
local t22: i64
local t23: i32
local t24: i64
local t25: i32
local t26: i64
local t27: i32
local t28: i64
local t29: i32
local t30: i64
local t31: i32
local t32: i64
local t33: i32
local t34: i64
local t35: i32
local t36: i64
local t37: i64
local t38: i32
local t39: i32
local t40: i64
local t41: i32
local t42: i64
local t43: i32
local t44: i64
local t45: i32
local t46: i64
local t47: i32
local t48: i64
local t49: i32
local t50: i64
local t51: i32
local t52: i64
local t53: i32
local t54: i64
local t55: i32
local t56: i64
local t57: i64
local t58: i64
local t59: i64
local t60: i64
local t61: i64
local t62: i64
local t63: i64
local t64: i32
local t65: i64
local t66: i64
local t67: i64
local t68: i64
local t69: i64
local t70: i32
local t71: i32
local t72: i64
local t73: i32
local t74: i64
local t75: i32
local t76: i64
local t77: i32
local t78: i64
local t79: i32
local t80: i64
local t81: i64
local t82: i32
local t83: i64
local t84: i32
helper 7 fadd_d(i64, i64, i64) -> i64 may_fault
helper 1 flag(i32) -> i32 pure
helper 2 tick() reads_state
helper 3 sync(i64, i32) writes_state

    insn_start 0x80000000
    t0 = mov.i64 x1
    t1 = mov.i32 w
    t2 = neg.i64 t0
    t3 = not.i32 t1
    t4 = clz.i64 t0
    t5 = ctz.i32 t1
    t6 = popcnt.i64 t0
    t7 = bswap16.i32 t1
    t8 = bswap32.i64 t0
    t9 = bswap64.i64 t0
    t10 = sext8.i64 t0
    t11 = sext16.i32 t1
    t12 = sext32.i64 t0
    t13 = zext8.i32 t1
    t14 = zext16.i64 t0
    t15 = zext32.i64 t0
    insn_start 0x80000004
    t16 = add.i64 t0, 0
    t17 = sub.i32 0x80000000, t1
    t18 = and.i64 t0, 1
    t19 = or.i32 -4096, t1
    t20 = xor.i64 t0, -1
    t21 = andc.i32 0xffffefff, t1
    t22 = orc.i64 t0, 4096
    t23 = shl.i32 0x7fffffff, t1
    t24 = shr.i64 t0, 0x1001
    t25 = sar.i32 4096, t1
    t26 = rotl.i64 t0, -4096
    t27 = rotr.i32 0x80000000, t1
    t28 = mul.i64 t0, 0xffffffffffffefff
    t29 = mulhs.i32 -4096, t1
    t30 = mulhu.i64 t0, 0xffffffff
    t31 = mulhsu.i32 0xffffefff, t1
    t32 = divs.i64 t0, 0
    t33 = divu.i32 0x7fffffff, t1
    t34 = rems.i64 t0, 1
    t35 = remu.i32 4096, t1
    t36 = sext_i32_i64 t1
    t37 = zext_i32_i64 t1
    t38 = trunc_i64_i32 t0
    t39 = high_i64_i32 t0
    t40 = extract.i64 t0, 3, 17
    t41 = sextract.i32 t1, 0, 32
    t42 = deposit.i64 t0, t36, 60, 4
    t43 = deposit.i32 0xdeadbeef, t1, 8, 8
    t44 = setcond.i64 eq t0, x2
    t45 = setcond.i32 ne t1, 7
    t46 = setcond.i64 lt t0, x2
    t47 = setcond.i32 ge t1, 7
    t48 = setcond.i64 le t0, x2
    t49 = setcond.i32 gt t1, 7
    t50 = setcond.i64 ltu t0, x2
    t51 = setcond.i32 geu t1, 7
    t52 = setcond.i64 leu t0, x2
    t53 = setcond.i32 gtu t1, 7
    t54 = movcond.i64 ltu t0, 100, x1, -1
    t55 = movcond.i32 ge t1, 0x80000000, 1, t1
    insn_start 0x80000008
    t56 = ld_state.i64 u8 [512]
    t57 = ld_state.i64 s8 [512]
    st_state.i64 8 [512], t0
    t58 = ld_state.i64 u16 [520]
    t59 = ld_state.i64 s16 [520]
    st_state.i64 16 [520], t0
    t60 = ld_state.i64 u32 [528]
    t61 = ld_state.i64 s32 [528]
    st_state.i64 32 [528], t0
    t62 = ld_state.i64 u64 [536]
    t63 = ld_state.i64 s64 [536]
    st_state.i64 64 [536], t0
    t64 = ld_state.i32 u32 [560]
    st_state.i32 16 [560], -1
    insn_start 0x8000000c
    t65 = add.i64 x1, 16
    t66 = load.i64 u8.le@0 t65
    t67 = load.i64 s16.be.a2@1 t65
    t68 = load.i64 s32.le.a4@2 t65
    t69 = load.i64 u64.be.a8@3 t65
    t70 = load.i32 u32.le.a64@0 4096
    t71 = load.i32 s16.le.a2@255 0xffffffff80000000
    store.i64 u64.le@1 t65, t0
    store.i32 u32.be.a4@0 t65, -1
    store.i32 u16.le@0 0x2000, t1
    store.i64 u8.le@0 x2, 4096
    insn_start 0x80000010
    t72 = atomic_add.i64 u64.le.a8@0 t65, t0
    t73 = atomic_and.i32 s32.le.a4@1 x2, 1
    t74 = atomic_or.i64 u64.le.a8@0 t65, t0
    t75 = atomic_xor.i32 s32.le.a4@1 x2, 1
    t76 = atomic_swap.i64 u64.le.a8@0 t65, t0
    t77 = atomic_smin.i32 s32.le.a4@1 x2, 1
    t78 = atomic_smax.i64 u64.le.a8@0 t65, t0
    t79 = atomic_umin.i32 s32.le.a4@1 x2, 1
    t80 = atomic_umax.i64 u64.le.a8@0 t65, t0
    t81 = cmpxchg.i64 u64.le.a8@0 t65, t0, 0
    t82 = cmpxchg.i32 u8.le@0 t65, -1, t1
    fence all
    fence ldld
    fence ldst+stst
    fence stld
    fence ldld+ldst+stld
    fence none
    insn_start 0x80000014
    t83 = call fadd_d(x1, x2, 7)
    t84 = call flag(-1)
    call tick()
    call sync(t83, 0x80000000)
    call fadd_d(-1, 0, t83)
    x1 = mov.i64 t83
    w = mov.i32 -1
    brcond.i64 ltu t83, x2, L0
    goto_tb 0, 0x80000018
L0:
    brcond.i32 eq t1, 0, L1
    br L2
L1:
    pc = mov.i64 0x80001000
    lookup_tb
L2:
    brcond.i64 ne x1, -1, L3
    exit_tb 3
L3:
    goto_tb 1, 0xffffffff80000000
";

#[test]
fn golden_everything() {
    let block = everything();
    verify(&block).unwrap();
    let text = print(&block);
    assert_eq!(text, EVERYTHING);
    let parsed = parse(&text).unwrap();
    verify(&parsed).unwrap();
    assert_eq!(print(&parsed), text);
    assert_eq!(block.to_string(), text);
    // Equal up to the unused global, which is not declared in the text.
    assert_eq!(parsed.globals.len(), block.globals.len() - 1);
    for (id, d) in parsed.globals.iter() {
        assert_eq!(Some(d), block.globals.get(id));
    }
    assert_eq!(parsed.locals, block.locals);
    assert_eq!(parsed.helpers, block.helpers);
    assert_eq!(parsed.insts, block.insts);
    assert_eq!(parsed.num_labels, block.num_labels);
}

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// A constant of type `ty`, biased towards the edges of the decimal range.
    fn constant(&mut self, ty: Type) -> u64 {
        let v = match self.below(6) {
            0 => self.next(),
            1 => self.next() % 16,
            2 => 4096 + self.next() % 3 - 1,
            3 => (4096 + self.next() % 3 - 1).wrapping_neg(),
            4 => 1 << self.below(64),
            _ => (self.next() % 16).wrapping_neg(),
        };
        ty.canon(v)
    }
}

/// A random valid block: straight-line code with forward branches, every
/// global used, every label placed.
fn random_block(rng: &mut Rng) -> Block {
    let mut g = Globals::new();
    let globals = [
        (Temp::Global(g.add("a0", I64, 0)), I64),
        (Temp::Global(g.add("a1", I64, 8)), I64),
        (Temp::Global(g.add("v0", I32, 16)), I32),
        (Temp::Global(g.add("_v1", I32, 20)), I32),
    ];
    let mut b = Builder::new(Arc::new(g));
    b.declare_helper(helper(4, "h_mix", &[I64, I32], Some(I64), Effect::Pure));
    b.declare_helper(helper(9, "h_io", &[I32], None, Effect::MayFault));
    // Usable temps per type; locals defined after a pending branch are
    // dropped when its label is placed.
    let mut avail: Vec<(Temp, Type)> = globals.to_vec();
    let mut pending = Vec::new();
    for &(t, ty) in &globals {
        b.mov(ty, t, c(rng.constant(ty)));
    }
    let n = 5 + rng.below(40);
    for step in 0..n {
        let ty = rng.pick(&[I32, I64]);
        let val = |rng: &mut Rng, ty: Type| -> Value {
            let temps: Vec<Temp> = avail.iter().filter(|a| a.1 == ty).map(|a| a.0).collect();
            if rng.below(3) == 0 || temps.is_empty() { c(rng.constant(ty)) } else { rng.pick(&temps).into() }
        };
        let new = match rng.below(16) {
            0 => Some(b.unary(
                rng.pick(&[UnaryOp::Neg, UnaryOp::Clz, UnaryOp::Sext8, UnaryOp::Bswap16]),
                ty,
                val(rng, ty),
            )),
            1..=3 => {
                let (x, y) = (val(rng, ty), val(rng, ty));
                Some(b.binary(rng.pick(BinaryOp::ALL), ty, x, y))
            }
            4 => {
                let op = rng.pick(ConvOp::ALL);
                let src = val(rng, op.types().0);
                Some(b.convert(op, src))
            }
            5 => {
                let (x, y) = (val(rng, ty), val(rng, ty));
                Some(b.setcond(ty, rng.pick(Cond::ALL), x, y))
            }
            6 => {
                let (x, y, t, f) = (val(rng, ty), val(rng, ty), val(rng, ty), val(rng, ty));
                Some(b.movcond(ty, rng.pick(Cond::ALL), x, y, t, f))
            }
            7 => {
                let pos = rng.below(ty.bits() as usize) as u8;
                let len = 1 + rng.below(ty.bits() as usize - pos as usize) as u8;
                let src = val(rng, ty);
                Some(if rng.below(2) == 0 {
                    b.extract(ty, rng.below(2) == 0, src, pos, len)
                } else {
                    let field = val(rng, ty);
                    b.deposit(ty, src, field, pos, len)
                })
            }
            8 => {
                let size = if ty == I32 { rng.pick(&MemSize::ALL[..3]) } else { rng.pick(MemSize::ALL) };
                let m = MemOp {
                    size,
                    signed: rng.below(2) == 0,
                    endian: rng.pick(&[Endian::Little, Endian::Big]),
                    align_log2: rng.below(4) as u8,
                    mmu_idx: rng.below(4) as u8,
                };
                let addr = val(rng, I64);
                if rng.below(2) == 0 {
                    Some(b.load(ty, addr, m))
                } else {
                    let src = val(rng, ty);
                    b.store(ty, src, addr, m);
                    None
                }
            }
            9 => {
                let m = MemOp::le(if ty == I32 { MemSize::B4 } else { MemSize::B8 }, false).aligned();
                let (addr, src) = (val(rng, I64), val(rng, ty));
                Some(b.atomic_rmw(rng.pick(RmwOp::ALL), ty, addr, src, m))
            }
            10 => {
                let (x, y) = (val(rng, I64), val(rng, I32));
                b.call(4, vec![x, y])
            }
            11 => {
                let x = val(rng, I32);
                b.call(9, vec![x]);
                None
            }
            12 => {
                let (x, y) = (val(rng, ty), val(rng, ty));
                let l = b.new_label();
                b.brcond(ty, rng.pick(Cond::ALL), x, y, l);
                pending.push((l, avail.len()));
                None
            }
            13 if !pending.is_empty() => {
                let (l, keep) = pending.remove(rng.below(pending.len()));
                b.label(l);
                avail.truncate(keep.min(avail.len()));
                // Temps defined later are not available where other pending branches land either.
                for p in &mut pending {
                    p.1 = p.1.min(avail.len());
                }
                None
            }
            14 => {
                b.insn_start(0x1000 + 4 * step as u64);
                None
            }
            _ => {
                let (dst, dty) = rng.pick(&globals);
                let src = val(rng, dty);
                b.mov(dty, dst, src);
                None
            }
        };
        if let Some(t) = new {
            avail.push((t, b.block().temp_type(t).unwrap()));
        }
    }
    for (l, _) in pending {
        b.label(l);
    }
    match rng.below(3) {
        0 => b.goto_tb(rng.below(2) as u8, rng.next()),
        1 => b.lookup_tb(),
        _ => b.exit_tb(rng.next() as u32),
    }
    b.finish()
}

#[test]
fn random_builder_blocks_round_trip() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..500 {
        let block = random_block(&mut rng);
        verify(&block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        let text = print(&block);
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        // Every global is used and every label placed, so nothing is lost.
        assert_eq!(parsed, block, "\n{text}");
        assert_eq!(print(&parsed), text);
    }
}

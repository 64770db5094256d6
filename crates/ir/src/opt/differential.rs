//! Differential tests: random valid blocks run by a small reference
//! interpreter before and after each pass (and [`optimize`]); every
//! observable must match: the exit, the final CPU state and guest memory,
//! the guest memory accesses, fences, state-touching helper calls and
//! `insn_start` markers, in order.
//!
//! Two generators feed it: an in-house one with arbitrary control flow
//! (backward branches, `br`, branches on constants, jumps to jumps), and,
//! with feature `arbitrary`, the crate's own [`crate::arbitrary`] cases.

extern crate std;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use std::collections::HashMap;

use super::{Optimizer, PASSES, optimize};
use crate::runtime::{ExitKind, FaultCode, Helpers};
use crate::{
    BinaryOp, Block, Cond, ConvOp, Effect, Globals, HelperDecl, Inst, Label, MemOp, MemSize, Temp, Type, UnaryOp,
    Value, semantics, verify,
};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Insn(u64),
    Load(u64, MemOp),
    Store(u64, u64, MemOp),
    Atomic(u64, MemOp),
    Fence(u8),
    Call(u32, Vec<u64>),
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    exit: ExitKind,
    state: Vec<u8>,
    memory: Vec<u8>,
    events: Vec<Event>,
}

struct Machine<'a, H> {
    block: &'a Block,
    state: Vec<u8>,
    mem_base: u64,
    memory: Vec<u8>,
    locals: Vec<u64>,
    events: Vec<Event>,
    helpers: H,
}

impl<H: Helpers<()>> Machine<'_, H> {
    fn state_read(&self, offset: u32, bytes: u32) -> u64 {
        (0..bytes).fold(0, |v, i| v | u64::from(self.state[(offset + i) as usize]) << (8 * i))
    }

    fn state_write(&mut self, offset: u32, bytes: u32, v: u64) {
        for i in 0..bytes {
            self.state[(offset + i) as usize] = (v >> (8 * i)) as u8;
        }
    }

    fn get(&self, v: Value) -> u64 {
        match v {
            Value::Const(c) => c,
            Value::Temp(Temp::Local(l)) => self.locals[l.0 as usize],
            Value::Temp(t @ Temp::Global(_)) => {
                let d = self.block.global_decl(t).unwrap();
                self.state_read(d.offset, d.size())
            }
        }
    }

    fn set(&mut self, t: Temp, v: u64) {
        match t {
            Temp::Local(l) => self.locals[l.0 as usize] = v,
            Temp::Global(_) => {
                let d = self.block.global_decl(t).unwrap().clone();
                self.state_write(d.offset, d.size(), v);
            }
        }
    }

    /// Checks an access; returns the index into `memory`.
    fn access(&self, addr: u64, mem: MemOp, write: bool) -> Result<usize, ExitKind> {
        if addr & mem.align_mask() != 0 {
            return Err(ExitKind::Misaligned { addr, write });
        }
        let off = addr.wrapping_sub(self.mem_base);
        let len = self.memory.len() as u64;
        if off >= len || off + u64::from(mem.size.bytes()) > len {
            return Err(ExitKind::MemFault { addr, code: 1, write });
        }
        Ok(off as usize)
    }

    fn mem_read(&self, at: usize, mem: MemOp) -> u64 {
        (0..mem.size.bytes() as usize).fold(0, |v, i| v | u64::from(self.memory[at + i]) << (8 * i))
    }

    fn mem_write(&mut self, at: usize, mem: MemOp, raw: u64) {
        for i in 0..mem.size.bytes() as usize {
            self.memory[at + i] = (raw >> (8 * i)) as u8;
        }
    }

    /// Runs the block; `None` if it takes more than `fuel` instructions.
    fn run(&mut self, fuel: usize) -> Option<ExitKind> {
        let insts = &self.block.insts;
        let labels: HashMap<Label, usize> = insts
            .iter()
            .enumerate()
            .filter_map(|(i, inst)| match inst {
                Inst::Label(l) => Some((*l, i)),
                _ => None,
            })
            .collect();
        let mut pc = 0;
        for _ in 0..fuel {
            let inst = &insts[pc];
            pc += 1;
            let mut r = None;
            macro_rules! access {
                ($a:expr, $mem:expr, $write:expr) => {
                    match self.access($a, $mem, $write) {
                        Ok(at) => at,
                        Err(e) => return Some(e),
                    }
                };
            }
            match *inst {
                Inst::Mov { dst, src, .. } => r = Some((dst, self.get(src))),
                Inst::Unary { op, ty, dst, src } => r = Some((dst, semantics::unary(op, ty, self.get(src)))),
                Inst::Binary { op, ty, dst, a, b } => {
                    r = Some((dst, semantics::binary(op, ty, self.get(a), self.get(b))))
                }
                Inst::Convert { op, dst, src } => r = Some((dst, semantics::convert(op, self.get(src)))),
                Inst::Extract { ty, signed, dst, src, pos, len } => {
                    r = Some((dst, semantics::extract(ty, signed, self.get(src), pos.into(), len.into())))
                }
                Inst::Deposit { ty, dst, base, field, pos, len } => {
                    let v = semantics::deposit(ty, self.get(base), self.get(field), pos.into(), len.into());
                    r = Some((dst, v))
                }
                Inst::SetCond { ty, cond, dst, a, b } => {
                    r = Some((dst, u64::from(semantics::cond(cond, ty, self.get(a), self.get(b)))))
                }
                Inst::MovCond { ty, cond, dst, a, b, if_true, if_false } => {
                    let c = semantics::cond(cond, ty, self.get(a), self.get(b));
                    r = Some((dst, self.get(if c { if_true } else { if_false })))
                }
                Inst::LoadState { ty, dst, offset, size, signed } => {
                    let raw = self.state_read(offset, size.bytes());
                    let bits = size.bytes() * 8;
                    r = Some((dst, if signed { ty.canon(semantics::sext(raw, bits)) } else { raw }))
                }
                Inst::StoreState { src, offset, size, .. } => {
                    let v = self.get(src);
                    self.state_write(offset, size.bytes(), v)
                }
                Inst::Load { ty, dst, addr, mem } => {
                    let a = self.get(addr);
                    let at = access!(a, mem, false);
                    self.events.push(Event::Load(a, mem));
                    r = Some((dst, semantics::loaded_value(ty, mem, self.mem_read(at, mem))))
                }
                Inst::Store { src, addr, mem, .. } => {
                    let a = self.get(addr);
                    let at = access!(a, mem, true);
                    let raw = semantics::stored_raw(mem, self.get(src));
                    self.events.push(Event::Store(a, raw, mem));
                    self.mem_write(at, mem, raw)
                }
                Inst::AtomicRmw { op, ty, dst, addr, src, mem } => {
                    let a = self.get(addr);
                    let at = access!(a, mem, true);
                    self.events.push(Event::Atomic(a, mem));
                    let old = self.mem_read(at, mem);
                    let new = semantics::rmw(op, mem.size, old, self.get(src));
                    self.mem_write(at, mem, new);
                    r = Some((dst, semantics::loaded_value(ty, mem, old)))
                }
                Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem } => {
                    let a = self.get(addr);
                    let at = access!(a, mem, true);
                    self.events.push(Event::Atomic(a, mem));
                    let old = self.mem_read(at, mem);
                    if old == self.get(expected) & mem.size.mask() {
                        let n = self.get(new) & mem.size.mask();
                        self.mem_write(at, mem, n);
                    }
                    r = Some((dst, semantics::loaded_value(ty, mem, old)))
                }
                Inst::Fence { kind } => self.events.push(Event::Fence(kind.bits())),
                Inst::Call { helper, dst, ref args } => {
                    let args: Vec<u64> = args.iter().map(|&a| self.get(a)).collect();
                    let decl = self.block.helper(helper).unwrap();
                    if decl.effect != Effect::Pure {
                        self.events.push(Event::Call(helper, args.clone()));
                    }
                    match self.helpers.call(helper, &mut self.state, &args, &mut ()) {
                        Ok(v) => {
                            if let Some(d) = dst {
                                r = Some((d, self.block.temp_type(d).unwrap().canon(v)));
                            }
                        }
                        Err(code) => return Some(ExitKind::HelperFault { helper, code }),
                    }
                }
                Inst::InsnStart { pc } => self.events.push(Event::Insn(pc)),
                Inst::Label(_) => {}
                Inst::Br { target } => pc = labels[&target],
                Inst::BrCond { ty, cond, a, b, target } => {
                    if semantics::cond(cond, ty, self.get(a), self.get(b)) {
                        pc = labels[&target];
                    }
                }
                Inst::GotoTb { slot, pc } => return Some(ExitKind::GotoTb { slot, pc }),
                Inst::LookupTb => return Some(ExitKind::LookupTb),
                Inst::ExitTb { status } => return Some(ExitKind::Status(status)),
            }
            if let Some((d, v)) = r {
                self.set(d, v);
            }
        }
        None
    }
}

fn execute<H: Helpers<()>>(block: &Block, helpers: H, state: &[u8], mem_base: u64, memory: &[u8]) -> Option<Outcome> {
    let mut m = Machine {
        block,
        state: state.to_vec(),
        mem_base,
        memory: memory.to_vec(),
        // Locals start with garbage: a read before a write would show.
        locals: vec![0xdead_beef_dead_beef; block.locals.len()],
        events: Vec::new(),
        helpers,
    };
    let exit = m.run(20_000)?;
    Some(Outcome { exit, state: m.state, memory: m.memory, events: m.events })
}

/// Runs every pass alone and `optimize` on `block`: each result must
/// verify and behave like the original. Returns the instruction count
/// after `optimize`, or `None` if the original does not terminate.
fn check_case<H: Helpers<()> + Clone>(
    what: &str,
    block: &Block,
    helpers: H,
    state: &[u8],
    mem_base: u64,
    memory: &[u8],
) -> Option<usize> {
    same_flow(block);
    let want = execute(block, helpers.clone(), state, mem_base, memory)?;
    let mut variants: Vec<(&str, Block)> = Vec::new();
    for (name, pass) in PASSES {
        let mut b = block.clone();
        pass(&mut b);
        variants.push((name, b));
    }
    let mut opt = block.clone();
    optimize(&mut opt);
    let size = opt.insts.len();
    // An `Optimizer` that already worked on other blocks gives the same.
    let mut reused = Optimizer::new();
    for (_, b) in &variants {
        reused.optimize(&mut b.clone());
    }
    let mut again = block.clone();
    reused.optimize(&mut again);
    assert_eq!(again, opt, "{what}: a reused Optimizer differs from optimize\nbefore:\n{block}");
    variants.push(("optimize", opt));
    for (name, b) in &variants {
        let show = || alloc::format!("before:\n{block}\nafter {name}:\n{b}");
        if let Err(e) = verify(b) {
            panic!("{what}: {name} broke the block: {e}\n{}", show());
        }
        match execute(b, helpers.clone(), state, mem_base, memory) {
            Some(got) if got == want => {}
            got => panic!("{what}: {name} changed behaviour\n{}\nwant {want:?}\ngot {got:?}", show()),
        }
        if *name == "optimize" {
            let mut again = b.clone();
            optimize(&mut again);
            assert_eq!(again, *b, "{what}: optimize is not idempotent\n{}", show());
        }
    }
    Some(size)
}

/// The passes' reusable [`Flow`](super::flow::Flow) is the verifier's
/// [`Cfg`](crate::cfg::Cfg).
fn same_flow(block: &Block) {
    let cfg = crate::cfg::Cfg::new(&block.insts, block.num_labels);
    let mut flow = super::flow::Flow::default();
    // Built twice: a reused one forgets the previous block.
    flow.build(&block.insts[..block.insts.len() / 2], block.num_labels);
    flow.build(&block.insts, block.num_labels);
    assert_eq!(flow.ranges, cfg.ranges, "{block}");
    for b in 0..cfg.len() {
        assert_eq!(flow.succs(b), &cfg.succs[b][..], "{block}");
    }
    flow.compute_reachable();
    assert_eq!(flow.reach, cfg.reachable(), "{block}");
    flow.compute_order();
    let reach = cfg.reachable();
    assert_eq!(flow.order.len(), reach.iter().filter(|&&r| r).count(), "{block}");
    assert!(flow.order.iter().all(|&b| reach[b]) && flow.order.first().is_none_or(|&b| b == 0), "{block}");
}

/// xorshift64*.
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

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const MEM_BASE: u64 = 0x1000;
const MEM_SIZE: usize = 64;
const STATE_SIZE: usize = 128;

/// Helpers of the in-house generator: `mix` (pure), `rd` (reads state),
/// `wr` (writes its argument to global `g1` and to state offset 64),
/// `chk` (may fault: fails when `arg & 7 == 7`).
#[derive(Clone, Debug, Default)]
struct TestHelpers;

impl<M: ?Sized> Helpers<M> for TestHelpers {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], _mem: &mut M) -> Result<u64, FaultCode> {
        let a = args.first().copied().unwrap_or(0);
        let b = args.get(1).copied().unwrap_or(0);
        match id {
            0 => Ok((a ^ b.rotate_left(17)).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            1 => Ok(state.iter().take(48).fold(a, |h, &x| h.rotate_left(5) ^ u64::from(x))),
            2 => {
                state[8..16].copy_from_slice(&a.to_le_bytes());
                state[64..72].copy_from_slice(&a.to_le_bytes());
                Ok(0)
            }
            3 if a & 7 == 7 => Err(a as u32 & 0xff),
            3 => Ok(a ^ 0x55),
            _ => Err(0xdead),
        }
    }
}

fn test_globals() -> Arc<Globals> {
    let mut g = Globals::new();
    for (i, name) in ["g0", "g1", "g2", "g3"].iter().enumerate() {
        g.add(name, Type::I64, i as u32 * 8);
    }
    g.add("w0", Type::I32, 32);
    g.add("w1", Type::I32, 36);
    Arc::new(g)
}

fn helper_decl(id: u32, name: &str, args: &[Type], ret: Option<Type>, effect: Effect) -> HelperDecl {
    HelperDecl { id, name: String::from(name), args: args.to_vec(), ret, effect }
}

/// A random block with arbitrary control flow. Every local is defined at
/// the start, so only the exit rules of the verifier can reject it.
fn random_block(rng: &mut Rng) -> Block {
    let mut b = Block::new(test_globals());
    b.declare_helper(helper_decl(0, "mix", &[Type::I64, Type::I64], Some(Type::I64), Effect::Pure));
    b.declare_helper(helper_decl(1, "rd", &[Type::I64], Some(Type::I64), Effect::ReadsState));
    b.declare_helper(helper_decl(2, "wr", &[Type::I64], None, Effect::WritesState));
    b.declare_helper(helper_decl(3, "chk", &[Type::I64], Some(Type::I64), Effect::MayFault));
    let g = |i: u32| Temp::Global(crate::GlobalId(i));
    let temps64: Vec<Temp> = (0..4).map(|_| b.new_local(Type::I64)).chain((0..4).map(g)).collect();
    let temps32: Vec<Temp> = (0..3).map(|_| b.new_local(Type::I32)).chain([g(4), g(5)]).collect();
    let temps = |ty: Type| if ty == Type::I64 { &temps64 } else { &temps32 };
    let consts = [0u64, 1, 2, 3, 7, 8, 63, 64, 0x80, 0xffff_ffff, u64::MAX];
    let mut pc = 0x1000u64;
    let mut insts = Vec::new();
    let konst = |rng: &mut Rng, ty: Type| ty.canon(if rng.chance(3, 4) { rng.pick(&consts) } else { rng.next() });
    for &t in temps64.iter().chain(&temps32).filter(|t| matches!(t, Temp::Local(_))) {
        let ty = b.temp_type(t).unwrap();
        let src = if rng.chance(1, 2) {
            Value::Const(konst(rng, ty))
        } else {
            Value::Temp(temps(ty)[temps(ty).len() - 2 + rng.below(2)])
        };
        insts.push(Inst::Mov { ty, dst: t, src });
    }
    let num_labels = rng.below(6) as u32;
    b.num_labels = num_labels;
    let len = 4 + rng.below(40);
    let val = |rng: &mut Rng, ty: Type| {
        if rng.chance(1, 3) { Value::Const(konst(rng, ty)) } else { Value::Temp(rng.pick(temps(ty))) }
    };
    let dst = |rng: &mut Rng, ty: Type| {
        let ts = temps(ty);
        // Mostly locals, sometimes a global.
        if rng.chance(3, 4) { ts[rng.below(ts.len() - 2)] } else { ts[ts.len() - 2 + rng.below(2)] }
    };
    let label = |rng: &mut Rng| Label(rng.below(num_labels.max(1) as usize) as u32);
    let addr = |rng: &mut Rng| {
        if rng.chance(7, 8) { Value::Const(MEM_BASE + 8 * rng.below(MEM_SIZE / 8) as u64) } else { val(rng, Type::I64) }
    };
    for _ in 0..len {
        let ty = if rng.chance(1, 3) { Type::I32 } else { Type::I64 };
        let inst = match rng.below(20) {
            0..=1 => Inst::Mov { ty, dst: dst(rng, ty), src: val(rng, ty) },
            2..=5 => {
                let op = rng.pick(BinaryOp::ALL);
                let a = val(rng, ty);
                // Often the same operand twice, to meet x - x and friends.
                let bv = if rng.chance(1, 5) { a } else { val(rng, ty) };
                Inst::Binary { op, ty, dst: dst(rng, ty), a, b: bv }
            }
            6 => {
                let ops = [UnaryOp::Neg, UnaryOp::Not, UnaryOp::Clz, UnaryOp::Popcnt, UnaryOp::Sext8, UnaryOp::Zext16];
                Inst::Unary { op: rng.pick(&ops), ty, dst: dst(rng, ty), src: val(rng, ty) }
            }
            7 => {
                let op = rng.pick(ConvOp::ALL);
                let (from, to) = op.types();
                Inst::Convert { op, dst: dst(rng, to), src: val(rng, from) }
            }
            8 => {
                let cond = rng.pick(Cond::ALL);
                let a = val(rng, ty);
                let bv = if rng.chance(1, 5) { a } else { val(rng, ty) };
                if rng.chance(1, 2) {
                    Inst::SetCond { ty, cond, dst: dst(rng, ty), a, b: bv }
                } else {
                    let (t, f) = (val(rng, ty), val(rng, ty));
                    Inst::MovCond { ty, cond, dst: dst(rng, ty), a, b: bv, if_true: t, if_false: f }
                }
            }
            9..=10 if num_labels > 0 => {
                let cond = rng.pick(Cond::ALL);
                let a = val(rng, ty);
                let bv = if rng.chance(1, 5) { a } else { val(rng, ty) };
                Inst::BrCond { ty, cond, a, b: bv, target: label(rng) }
            }
            11 if num_labels > 0 => Inst::Br { target: label(rng) },
            12 => match rng.below(3) {
                0 => Inst::GotoTb { slot: rng.below(2) as u8, pc },
                1 => Inst::LookupTb,
                _ => Inst::ExitTb { status: rng.below(3) as u32 },
            },
            13 => {
                let mem = MemOp { align_log2: rng.below(2) as u8 * 2, ..MemOp::le(MemSize::B4, rng.chance(1, 2)) };
                if rng.chance(1, 2) {
                    Inst::Load { ty, dst: dst(rng, ty), addr: addr(rng), mem }
                } else {
                    Inst::Store { ty, src: val(rng, ty), addr: addr(rng), mem }
                }
            }
            14 => {
                let mem = MemOp::le(MemSize::B8, false);
                let ty = Type::I64;
                Inst::AtomicRmw {
                    op: crate::RmwOp::Add,
                    ty,
                    dst: dst(rng, ty),
                    addr: addr(rng),
                    src: val(rng, ty),
                    mem,
                }
            }
            15 => {
                let id = rng.below(4) as u32;
                let args =
                    if id == 0 { vec![val(rng, Type::I64), val(rng, Type::I64)] } else { vec![val(rng, Type::I64)] };
                let d = if id == 2 || rng.chance(1, 4) { None } else { Some(dst(rng, Type::I64)) };
                Inst::Call { helper: id, dst: d, args }
            }
            16 => {
                let offset = 64 + 8 * rng.below(8) as u32;
                if rng.chance(1, 2) {
                    Inst::LoadState {
                        ty: Type::I64,
                        dst: dst(rng, Type::I64),
                        offset,
                        size: MemSize::B8,
                        signed: false,
                    }
                } else {
                    Inst::StoreState { ty: Type::I64, src: val(rng, Type::I64), offset, size: MemSize::B8 }
                }
            }
            17 => Inst::Fence { kind: crate::FenceKind::ALL },
            _ => {
                pc += 4;
                Inst::InsnStart { pc }
            }
        };
        insts.push(inst);
    }
    insts.push(Inst::GotoTb { slot: 0, pc: pc + 4 });
    // Place every label once, anywhere after the local definitions.
    let first = insts.len() - len - 1;
    for l in 0..num_labels {
        let at = first + rng.below(insts.len() - first);
        insts.insert(at, Inst::Label(Label(l)));
    }
    b.insts = insts;
    b
}

#[test]
fn random_control_flow() {
    let (mut valid, mut ran, mut before, mut after) = (0, 0, 0, 0);
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for case in 0..6_000 {
        let block = random_block(&mut rng);
        if verify(&block).is_err() {
            continue;
        }
        valid += 1;
        let state: Vec<u8> = (0..STATE_SIZE).map(|_| rng.next() as u8).collect();
        let memory: Vec<u8> = (0..MEM_SIZE).map(|_| rng.next() as u8).collect();
        let what = alloc::format!("case {case}");
        if let Some(n) = check_case(&what, &block, TestHelpers, &state, MEM_BASE, &memory) {
            ran += 1;
            before += block.insts.len();
            after += n;
        }
    }
    std::eprintln!("random_control_flow: {valid} valid, {ran} terminating; {before} -> {after} instructions");
    assert!(valid > 3_000 && ran > 2_500, "{valid} valid, {ran} terminating");
    assert!(after < before);
}

#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_cases() {
    use crate::arbitrary::{FuzzHelpers, MEM_BASE, gen_case};
    use arbitrary::Unstructured;

    let (mut before, mut after) = (0, 0);
    for seed in 0..3000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let data: Vec<u8> = (0..64 + (seed as usize * 37) % 4096).map(|_| (rng.next() >> 56) as u8).collect();
        let case = gen_case(&mut Unstructured::new(&data)).unwrap();
        let what = alloc::format!("seed {seed}");
        let n = check_case(&what, &case.block, FuzzHelpers::default(), &case.state, MEM_BASE, &case.memory)
            .expect("generated blocks terminate");
        before += case.block.insts.len();
        after += n;
    }
    std::eprintln!("arbitrary_cases: {before} -> {after} instructions");
    assert!(after < before);
}

//! RV64I: integer computation, loads and stores, `fence` (Unprivileged
//! spec chapters 2 and 5).

use wemu_ir::{BinaryOp, Cond, ConvOp, FenceKind, MemSize, Type, UnaryOp, Value};

use super::{Ctx, Flow};
use crate::insn::Insn;
use crate::operands::{Fence, FenceSet, IType, RType, SType, ShiftImm, XReg};

const fn imm64(imm: i32) -> Value {
    Value::Const(imm as i64 as u64)
}

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use BinaryOp::*;
    use Insn as I;
    match *insn {
        I::Lui(o) => ctx.set_x(o.rd, imm64(o.imm)),
        I::Auipc(o) => ctx.set_x(o.rd, Value::Const(ctx.pc.wrapping_add(o.imm as i64 as u64))),
        I::Addi(o) => op_imm(ctx, Add, o),
        I::Xori(o) => op_imm(ctx, Xor, o),
        I::Ori(o) => op_imm(ctx, Or, o),
        I::Andi(o) => op_imm(ctx, And, o),
        I::Slti(o) => setcond_imm(ctx, Cond::Lt, o),
        I::Sltiu(o) => setcond_imm(ctx, Cond::Ltu, o),
        I::Slli(o) => shift_imm(ctx, Shl, o),
        I::Srli(o) => shift_imm(ctx, Shr, o),
        I::Srai(o) => shift_imm(ctx, Sar, o),
        I::Add(o) => op(ctx, Add, o),
        I::Sub(o) => op(ctx, Sub, o),
        I::Sll(o) => op(ctx, Shl, o),
        I::Srl(o) => op(ctx, Shr, o),
        I::Sra(o) => op(ctx, Sar, o),
        I::Xor(o) => op(ctx, Xor, o),
        I::Or(o) => op(ctx, Or, o),
        I::And(o) => op(ctx, And, o),
        I::Slt(o) => setcond(ctx, Cond::Lt, o),
        I::Sltu(o) => setcond(ctx, Cond::Ltu, o),
        // ---- RV64I word operations (§5.2): 32-bit results sign-extended ----
        I::Addiw(o) => {
            if o.rd.num() != 0 {
                let a = ctx.x(o.rs1);
                let t = ctx.b.add(Type::I64, a, imm64(o.imm));
                let r = ctx.b.sext32(Type::I64, t.into());
                ctx.set_x(o.rd, r.into());
            }
        }
        I::Addw(o) => op_w64(ctx, Add, o),
        I::Subw(o) => op_w64(ctx, Sub, o),
        I::Sllw(o) => op_w32(ctx, Shl, o),
        I::Srlw(o) => op_w32(ctx, Shr, o),
        I::Sraw(o) => op_w32(ctx, Sar, o),
        I::Slliw(o) => shift_imm_w(ctx, Shl, o),
        I::Srliw(o) => shift_imm_w(ctx, Shr, o),
        I::Sraiw(o) => shift_imm_w(ctx, Sar, o),
        // ---- loads and stores (§2.6) ----
        I::Lb(o) => load(ctx, o, MemSize::B1, true),
        I::Lh(o) => load(ctx, o, MemSize::B2, true),
        I::Lw(o) => load(ctx, o, MemSize::B4, true),
        I::Ld(o) => load(ctx, o, MemSize::B8, false),
        I::Lbu(o) => load(ctx, o, MemSize::B1, false),
        I::Lhu(o) => load(ctx, o, MemSize::B2, false),
        I::Lwu(o) => load(ctx, o, MemSize::B4, false),
        I::Sb(o) => store(ctx, o, MemSize::B1),
        I::Sh(o) => store(ctx, o, MemSize::B2),
        I::Sw(o) => store(ctx, o, MemSize::B4),
        I::Sd(o) => store(ctx, o, MemSize::B8),
        I::Fence(f) => fence(ctx, f),
        // Zihintpause: a hint that may do nothing.
        I::Pause => {}
        _ => return None,
    }
    Some(Flow::Next)
}

/// `rd = a op b` into `rd`, skipped entirely when `rd` is `x0` (nothing
/// here has side effects).
pub(super) fn binary_to(ctx: &mut Ctx<'_>, rd: XReg, op: BinaryOp, a: Value, b: Value) {
    if rd.num() != 0 {
        let t = ctx.b.binary(op, Type::I64, a, b);
        ctx.set_x(rd, t.into());
    }
}

fn op_imm(ctx: &mut Ctx<'_>, op: BinaryOp, o: IType) {
    // `addi rd, x0, imm` (`li`) and `addi rd, rs, 0` (`mv`) need no
    // arithmetic.
    match (op, o.rs1.num(), o.imm) {
        (BinaryOp::Add | BinaryOp::Or | BinaryOp::Xor, 0, _) => ctx.set_x(o.rd, imm64(o.imm)),
        (BinaryOp::Add | BinaryOp::Or | BinaryOp::Xor, _, 0) => {
            let v = ctx.x(o.rs1);
            ctx.set_x(o.rd, v)
        }
        _ => {
            let a = ctx.x(o.rs1);
            binary_to(ctx, o.rd, op, a, imm64(o.imm))
        }
    }
}

fn op(ctx: &mut Ctx<'_>, op: BinaryOp, o: RType) {
    let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
    binary_to(ctx, o.rd, op, a, b)
}

fn shift_imm(ctx: &mut Ctx<'_>, op: BinaryOp, o: ShiftImm) {
    let a = ctx.x(o.rs1);
    binary_to(ctx, o.rd, op, a, Value::Const(u64::from(o.shamt)))
}

fn setcond(ctx: &mut Ctx<'_>, cond: Cond, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let t = ctx.b.setcond(Type::I64, cond, a, b);
        ctx.set_x(o.rd, t.into());
    }
}

fn setcond_imm(ctx: &mut Ctx<'_>, cond: Cond, o: IType) {
    if o.rd.num() != 0 {
        let a = ctx.x(o.rs1);
        let t = ctx.b.setcond(Type::I64, cond, a, imm64(o.imm));
        ctx.set_x(o.rd, t.into());
    }
}

/// A word operation computed in 64 bits whose low half is right
/// (`addw`, `subw`, `mulw`), then sign-extended.
pub(super) fn op_w64(ctx: &mut Ctx<'_>, op: BinaryOp, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let t = ctx.b.binary(op, Type::I64, a, b);
        let r = ctx.b.sext32(Type::I64, t.into());
        ctx.set_x(o.rd, r.into());
    }
}

/// A word operation computed in `i32` (shifts take their count modulo 32,
/// divisions see 32-bit operands), then sign-extended.
pub(super) fn op_w32(ctx: &mut Ctx<'_>, op: BinaryOp, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let a = ctx.b.convert(ConvOp::TruncI64, a);
        let b = ctx.b.convert(ConvOp::TruncI64, b);
        let t = ctx.b.binary(op, Type::I32, a.into(), b.into());
        let r = ctx.b.convert(ConvOp::SextI32, t.into());
        ctx.set_x(o.rd, r.into());
    }
}

fn shift_imm_w(ctx: &mut Ctx<'_>, op: BinaryOp, o: ShiftImm) {
    if o.rd.num() == 0 {
        return;
    }
    let a = ctx.x(o.rs1);
    // The operand as the 32-bit shift sees it: its low word, extended so
    // that the bits shifted in from above are right.
    let src = match op {
        BinaryOp::Shr => ctx.b.unary(UnaryOp::Zext32, Type::I64, a).into(),
        BinaryOp::Sar => ctx.b.unary(UnaryOp::Sext32, Type::I64, a).into(),
        _ => a,
    };
    let t = ctx.b.binary(op, Type::I64, src, Value::Const(u64::from(o.shamt)));
    let r = ctx.b.sext32(Type::I64, t.into());
    ctx.set_x(o.rd, r.into());
}

fn load(ctx: &mut Ctx<'_>, o: IType, size: MemSize, signed: bool) {
    let addr = ctx.addr(o.rs1, o.imm);
    let mem = ctx.mem(size, signed);
    // The load happens even into x0: it may fault or touch a device.
    let t = ctx.b.load(Type::I64, addr, mem);
    ctx.set_x(o.rd, t.into());
}

fn store(ctx: &mut Ctx<'_>, o: SType, size: MemSize) {
    let addr = ctx.addr(o.rs1, o.imm);
    let mem = ctx.mem(size, false);
    let v = ctx.x(o.rs2);
    ctx.b.store(Type::I64, v, addr, mem);
}

/// `fence`: the IR barrier ordering the accesses the predecessor and
/// successor sets name (§2.7). Device input and output order like memory
/// reads and writes (all of guest memory is one coherent space here).
fn fence(ctx: &mut Ctx<'_>, f: Fence) {
    let kind = if f.is_tso() {
        FenceKind::LD_LD.union(FenceKind::LD_ST).union(FenceKind::ST_ST)
    } else {
        let reads = |s: FenceSet| s.0 & (FenceSet::R | FenceSet::I) != 0;
        let writes = |s: FenceSet| s.0 & (FenceSet::W | FenceSet::O) != 0;
        let mut k = FenceKind::from_bits(0);
        for (p, s, bit) in [
            (reads(f.pred), reads(f.succ), FenceKind::LD_LD),
            (reads(f.pred), writes(f.succ), FenceKind::LD_ST),
            (writes(f.pred), reads(f.succ), FenceKind::ST_LD),
            (writes(f.pred), writes(f.succ), FenceKind::ST_ST),
        ] {
            if p && s {
                k = k.union(bit);
            }
        }
        k
    };
    if kind.bits() != 0 {
        ctx.b.fence(kind);
    }
}

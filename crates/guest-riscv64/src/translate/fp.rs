//! The F and D extensions (Unprivileged spec chapters 11 and 12).
//!
//! Arithmetic, conversions, comparisons and classification call helpers
//! ([`crate::helpers`]), which compute with the soft-float module, accrue
//! `fflags` and resolve the dynamic rounding mode. Moves, sign injection and
//! loads/stores are inline. Every instruction here is illegal while
//! `mstatus.FS` is Off; those that write an FP register mark FS dirty.
//!
//! Singles live NaN-boxed in the 64-bit registers (§12.2): writes set the
//! upper 32 bits to ones, and an operand that is not a valid NaN-box reads
//! as the canonical NaN (the helpers unbox; sign injection does it
//! inline).

use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::{Cond, MemSize, Type, UnaryOp, Value};

use super::{Ctx, Flow};
use crate::helpers::HelperId;
use crate::insn::Insn;
use crate::operands::{FRType, FReg, RoundingMode};

/// The upper half of a NaN-boxed single.
pub const BOX: u64 = 0xffff_ffff_0000_0000;
/// The canonical single NaN, boxed.
pub const CANONICAL_NAN_S_BOXED: u64 = BOX | 0x7fc0_0000;

/// Where a helper's result goes.
#[derive(Clone, Copy)]
enum Dst {
    F(FReg),
    X(crate::operands::XReg),
}

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use HelperId as H;
    use Insn as I;
    // Operands of a helper call: registers, then the rounding mode.
    let (h, dst, srcs, rm): (H, Dst, Vec<FReg>, Option<RoundingMode>) = match *insn {
        I::Flw(_) | I::Fld(_) | I::Fsw(_) | I::Fsd(_) => return Some(load_store(ctx, insn)),
        I::FsgnjS(o) | I::FsgnjnS(o) | I::FsgnjxS(o) | I::FsgnjD(o) | I::FsgnjnD(o) | I::FsgnjxD(o) => {
            return Some(sign_inject(ctx, insn, o));
        }
        I::FmvXW(o) | I::FmvXD(o) => {
            if !ctx.fp_enabled() {
                return Some(ctx.illegal());
            }
            let v = ctx.f(o.rs1);
            // fmv.x.w moves the low 32 bits, sign-extended, whatever the
            // boxing (§11.7).
            let v = if matches!(insn, I::FmvXW(_)) { ctx.b.unary(UnaryOp::Sext32, Type::I64, v).into() } else { v };
            ctx.set_x(o.rd, v);
            return Some(Flow::Next);
        }
        I::FmvWX(o) | I::FmvDX(o) => {
            if !ctx.fp_enabled() {
                return Some(ctx.illegal());
            }
            let v = ctx.x(o.rs1);
            let v = if matches!(insn, I::FmvWX(_)) { ctx.b.or(Type::I64, v, Value::Const(BOX)).into() } else { v };
            ctx.set_f(o.rd, v);
            return Some(Flow::Next);
        }
        I::FaddS(o) => (H::FaddS, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FsubS(o) => (H::FsubS, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FmulS(o) => (H::FmulS, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FdivS(o) => (H::FdivS, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FaddD(o) => (H::FaddD, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FsubD(o) => (H::FsubD, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FmulD(o) => (H::FmulD, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FdivD(o) => (H::FdivD, Dst::F(o.rd), vec![o.rs1, o.rs2], Some(o.rm)),
        I::FsqrtS(o) => (H::FsqrtS, Dst::F(o.rd), vec![o.rs1], Some(o.rm)),
        I::FsqrtD(o) => (H::FsqrtD, Dst::F(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtSD(o) => (H::FcvtSD, Dst::F(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtDS(o) => (H::FcvtDS, Dst::F(o.rd), vec![o.rs1], Some(o.rm)),
        I::FmaddS(o) => (H::FmaddS, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FmsubS(o) => (H::FmsubS, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FnmsubS(o) => (H::FnmsubS, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FnmaddS(o) => (H::FnmaddS, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FmaddD(o) => (H::FmaddD, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FmsubD(o) => (H::FmsubD, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FnmsubD(o) => (H::FnmsubD, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FnmaddD(o) => (H::FnmaddD, Dst::F(o.rd), vec![o.rs1, o.rs2, o.rs3], Some(o.rm)),
        I::FminS(o) => (H::FminS, Dst::F(o.rd), vec![o.rs1, o.rs2], None),
        I::FmaxS(o) => (H::FmaxS, Dst::F(o.rd), vec![o.rs1, o.rs2], None),
        I::FminD(o) => (H::FminD, Dst::F(o.rd), vec![o.rs1, o.rs2], None),
        I::FmaxD(o) => (H::FmaxD, Dst::F(o.rd), vec![o.rs1, o.rs2], None),
        I::FeqS(o) => (H::FeqS, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FltS(o) => (H::FltS, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FleS(o) => (H::FleS, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FeqD(o) => (H::FeqD, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FltD(o) => (H::FltD, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FleD(o) => (H::FleD, Dst::X(o.rd), vec![o.rs1, o.rs2], None),
        I::FclassS(o) => (H::FclassS, Dst::X(o.rd), vec![o.rs1], None),
        I::FclassD(o) => (H::FclassD, Dst::X(o.rd), vec![o.rs1], None),
        I::FcvtWS(o) => (H::FcvtWS, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtWuS(o) => (H::FcvtWuS, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtLS(o) => (H::FcvtLS, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtLuS(o) => (H::FcvtLuS, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtWD(o) => (H::FcvtWD, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtWuD(o) => (H::FcvtWuD, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtLD(o) => (H::FcvtLD, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtLuD(o) => (H::FcvtLuD, Dst::X(o.rd), vec![o.rs1], Some(o.rm)),
        I::FcvtSW(o)
        | I::FcvtSWu(o)
        | I::FcvtSL(o)
        | I::FcvtSLu(o)
        | I::FcvtDW(o)
        | I::FcvtDWu(o)
        | I::FcvtDL(o)
        | I::FcvtDLu(o) => {
            let h = match insn {
                I::FcvtSW(_) => H::FcvtSW,
                I::FcvtSWu(_) => H::FcvtSWu,
                I::FcvtSL(_) => H::FcvtSL,
                I::FcvtSLu(_) => H::FcvtSLu,
                I::FcvtDW(_) => H::FcvtDW,
                I::FcvtDWu(_) => H::FcvtDWu,
                I::FcvtDL(_) => H::FcvtDL,
                _ => H::FcvtDLu,
            };
            if !ctx.fp_enabled() || o.rm.is_reserved() {
                return Some(ctx.illegal());
            }
            let src = ctx.x(o.rs1);
            let r = ctx.call_value(h, vec![src, rm_arg(o.rm)]);
            ctx.set_f(o.rd, r);
            return Some(Flow::Next);
        }
        _ => return None,
    };
    // Reserved static rounding modes are illegal (§11.2); dynamic ones are
    // checked against frm by the helper.
    if !ctx.fp_enabled() || rm.is_some_and(RoundingMode::is_reserved) {
        return Some(ctx.illegal());
    }
    let mut args: Vec<Value> = srcs.iter().map(|&r| ctx.f(r)).collect();
    if let Some(rm) = rm {
        args.push(rm_arg(rm));
    }
    let r = ctx.call_value(h, args);
    match dst {
        Dst::F(rd) => ctx.set_f(rd, r),
        Dst::X(rd) => ctx.set_x(rd, r),
    }
    Some(Flow::Next)
}

/// The `rm` helper argument: 0..=4 static, 7 dynamic.
fn rm_arg(rm: RoundingMode) -> Value {
    Value::Const(u64::from(rm.bits()))
}

fn load_store(ctx: &mut Ctx<'_>, insn: &Insn) -> Flow {
    if !ctx.fp_enabled() {
        return ctx.illegal();
    }
    match *insn {
        Insn::Flw(o) | Insn::Fld(o) => {
            let single = matches!(insn, Insn::Flw(_));
            let addr = ctx.addr(o.rs1, o.imm);
            let mem = ctx.mem(if single { MemSize::B4 } else { MemSize::B8 }, false);
            let v = ctx.b.load(Type::I64, addr, mem);
            let v = if single { ctx.b.or(Type::I64, v.into(), Value::Const(BOX)) } else { v };
            ctx.set_f(o.rd, v.into());
        }
        Insn::Fsw(o) | Insn::Fsd(o) => {
            let single = matches!(insn, Insn::Fsw(_));
            let addr = ctx.addr(o.rs1, o.imm);
            let mem = ctx.mem(if single { MemSize::B4 } else { MemSize::B8 }, false);
            let v = ctx.f(o.rs2);
            ctx.b.store(Type::I64, v, addr, mem);
        }
        _ => {}
    }
    Flow::Next
}

/// The value of single operand `r`: the register if it holds a valid
/// NaN-box, otherwise the (boxed) canonical NaN.
fn unbox_s(ctx: &mut Ctx<'_>, r: FReg) -> Value {
    let v = ctx.f(r);
    let hi = ctx.b.shr(Type::I64, v, Value::Const(32));
    ctx.b
        .movcond(Type::I64, Cond::Eq, hi.into(), Value::Const(0xffff_ffff), v, Value::Const(CANONICAL_NAN_S_BOXED))
        .into()
}

/// `fsgnj`, `fsgnjn`, `fsgnjx` (§11.6): `rs1` with its sign bit replaced by
/// `rs2`'s, its complement, or the XOR of both. Never raises flags.
fn sign_inject(ctx: &mut Ctx<'_>, insn: &Insn, o: FRType) -> Flow {
    use Insn as I;
    if !ctx.fp_enabled() {
        return ctx.illegal();
    }
    let single = matches!(insn, I::FsgnjS(_) | I::FsgnjnS(_) | I::FsgnjxS(_));
    let sign_pos: u8 = if single { 31 } else { 63 };
    let (a, b) = if single { (unbox_s(ctx, o.rs1), unbox_s(ctx, o.rs2)) } else { (ctx.f(o.rs1), ctx.f(o.rs2)) };
    // `fsgnj rd, rs, rs` is `fmv`: the operand itself.
    if o.rs1 == o.rs2 && matches!(insn, I::FsgnjS(_) | I::FsgnjD(_)) {
        ctx.set_f(o.rd, a);
        return Flow::Next;
    }
    let sign = match insn {
        I::FsgnjS(_) | I::FsgnjD(_) => b,
        I::FsgnjnS(_) | I::FsgnjnD(_) => ctx.b.not(Type::I64, b).into(),
        _ => ctx.b.xor(Type::I64, a, b).into(),
    };
    let sign = ctx.b.shr(Type::I64, sign, Value::Const(u64::from(sign_pos)));
    let r = ctx.b.deposit(Type::I64, a, sign.into(), sign_pos, 1);
    ctx.set_f(o.rd, r.into());
    Flow::Next
}

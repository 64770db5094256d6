//! Bit manipulation: Zba, Zbb, Zbc and Zbs (Unprivileged spec chapter 28,
//! "B" extension). Everything is inline IR except the carry-less
//! multiplications, which call pure helpers.

use alloc::vec;

use wemu_ir::BinaryOp::*;
use wemu_ir::{BinaryOp, Cond, ConvOp, Type, UnaryOp, Value};

use super::integer::binary_to;
use super::{Ctx, Flow};
use crate::helpers::HelperId;
use crate::insn::Insn;
use crate::operands::{RType, ShiftImm, Unary, XReg};

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use Insn as I;
    match *insn {
        // ---- Zba ----
        I::AddUw(o) => shadd(ctx, o, 0, true),
        I::Sh1add(o) => shadd(ctx, o, 1, false),
        I::Sh2add(o) => shadd(ctx, o, 2, false),
        I::Sh3add(o) => shadd(ctx, o, 3, false),
        I::Sh1addUw(o) => shadd(ctx, o, 1, true),
        I::Sh2addUw(o) => shadd(ctx, o, 2, true),
        I::Sh3addUw(o) => shadd(ctx, o, 3, true),
        I::SlliUw(o) => {
            if o.rd.num() != 0 {
                let a = ctx.x(o.rs1);
                let z = ctx.b.zext32(Type::I64, a);
                binary_to(ctx, o.rd, Shl, z.into(), Value::Const(u64::from(o.shamt)));
            }
        }
        // ---- Zbb ----
        I::Andn(o) => rtype(ctx, Andc, o),
        I::Orn(o) => rtype(ctx, Orc, o),
        I::Xnor(o) => {
            if o.rd.num() != 0 {
                let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
                let t = ctx.b.xor(Type::I64, a, b);
                let r = ctx.b.not(Type::I64, t.into());
                ctx.set_x(o.rd, r.into());
            }
        }
        I::Clz(o) => unary(ctx, UnaryOp::Clz, o),
        I::Ctz(o) => unary(ctx, UnaryOp::Ctz, o),
        I::Cpop(o) => unary(ctx, UnaryOp::Popcnt, o),
        I::Clzw(o) => unary_w(ctx, UnaryOp::Clz, o),
        I::Ctzw(o) => unary_w(ctx, UnaryOp::Ctz, o),
        I::Cpopw(o) => unary_w(ctx, UnaryOp::Popcnt, o),
        I::Max(o) => minmax(ctx, Cond::Gt, o),
        I::Maxu(o) => minmax(ctx, Cond::Gtu, o),
        I::Min(o) => minmax(ctx, Cond::Lt, o),
        I::Minu(o) => minmax(ctx, Cond::Ltu, o),
        I::SextB(o) => unary(ctx, UnaryOp::Sext8, o),
        I::SextH(o) => unary(ctx, UnaryOp::Sext16, o),
        I::ZextH(o) => unary(ctx, UnaryOp::Zext16, o),
        I::Rev8(o) => unary(ctx, UnaryOp::Bswap64, o),
        I::Rol(o) => rtype(ctx, Rotl, o),
        I::Ror(o) => rtype(ctx, Rotr, o),
        I::Rori(o) => {
            let a = ctx.x(o.rs1);
            binary_to(ctx, o.rd, Rotr, a, Value::Const(u64::from(o.shamt)));
        }
        I::Rolw(o) => rotate_w(ctx, Rotl, o.rd, o.rs1, None, Some(o.rs2)),
        I::Rorw(o) => rotate_w(ctx, Rotr, o.rd, o.rs1, None, Some(o.rs2)),
        I::Roriw(o) => rotate_w(ctx, Rotr, o.rd, o.rs1, Some(o.shamt), None),
        I::OrcB(o) => orc_b(ctx, o),
        // ---- Zbc ----
        I::Clmul(o) => clmul(ctx, HelperId::Clmul, o),
        I::Clmulh(o) => clmul(ctx, HelperId::Clmulh, o),
        I::Clmulr(o) => clmul(ctx, HelperId::Clmulr, o),
        // ---- Zbs: the bit index is taken modulo 64, as IR shifts do ----
        I::Bclr(o) => single_bit(ctx, Andc, o),
        I::Bset(o) => single_bit(ctx, Or, o),
        I::Binv(o) => single_bit(ctx, Xor, o),
        I::Bext(o) => {
            if o.rd.num() != 0 {
                let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
                let t = ctx.b.shr(Type::I64, a, b);
                binary_to(ctx, o.rd, And, t.into(), Value::Const(1));
            }
        }
        I::Bclri(o) => single_bit_imm(ctx, Andc, o),
        I::Bseti(o) => single_bit_imm(ctx, Or, o),
        I::Binvi(o) => single_bit_imm(ctx, Xor, o),
        I::Bexti(o) => {
            if o.rd.num() != 0 {
                let a = ctx.x(o.rs1);
                let t = ctx.b.extract(Type::I64, false, a, o.shamt & 63, 1);
                ctx.set_x(o.rd, t.into());
            }
        }
        _ => return None,
    }
    Some(Flow::Next)
}

fn rtype(ctx: &mut Ctx<'_>, op: BinaryOp, o: RType) {
    let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
    binary_to(ctx, o.rd, op, a, b)
}

fn unary(ctx: &mut Ctx<'_>, op: UnaryOp, o: Unary) {
    if o.rd.num() != 0 {
        let a = ctx.x(o.rs1);
        let t = ctx.b.unary(op, Type::I64, a);
        ctx.set_x(o.rd, t.into());
    }
}

/// `clzw`, `ctzw`, `cpopw`: on the low word; the count is zero-extended.
fn unary_w(ctx: &mut Ctx<'_>, op: UnaryOp, o: Unary) {
    if o.rd.num() != 0 {
        let a = ctx.x(o.rs1);
        let w = ctx.b.convert(ConvOp::TruncI64, a);
        let t = ctx.b.unary(op, Type::I32, w.into());
        let r = ctx.b.convert(ConvOp::ZextI32, t.into());
        ctx.set_x(o.rd, r.into());
    }
}

/// `add.uw` (shift 0) and `shNadd[.uw]`: `rd = (rs1' << n) + rs2`, with
/// `rs1'` the zero-extended low word for the `.uw` forms.
fn shadd(ctx: &mut Ctx<'_>, o: RType, n: u8, uw: bool) {
    if o.rd.num() == 0 {
        return;
    }
    let mut a = ctx.x(o.rs1);
    if uw {
        a = ctx.b.zext32(Type::I64, a).into();
    }
    if n != 0 {
        a = ctx.b.shl(Type::I64, a, Value::Const(u64::from(n))).into();
    }
    let b = ctx.x(o.rs2);
    binary_to(ctx, o.rd, Add, a, b)
}

/// `max`/`min` and their unsigned forms: `rd = (rs1 cond rs2) ? rs1 : rs2`.
fn minmax(ctx: &mut Ctx<'_>, cond: Cond, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let t = ctx.b.movcond(Type::I64, cond, a, b, a, b);
        ctx.set_x(o.rd, t.into());
    }
}

/// `rolw`, `rorw`, `roriw`: a 32-bit rotate, sign-extended.
fn rotate_w(ctx: &mut Ctx<'_>, op: BinaryOp, rd: XReg, rs1: XReg, shamt: Option<u8>, rs2: Option<XReg>) {
    if rd.num() == 0 {
        return;
    }
    let a = ctx.x(rs1);
    let a = ctx.b.convert(ConvOp::TruncI64, a);
    let count = match (shamt, rs2) {
        (Some(s), _) => Value::Const(u64::from(s & 31)),
        (None, Some(r)) => {
            let b = ctx.x(r);
            ctx.b.convert(ConvOp::TruncI64, b).into()
        }
        (None, None) => Value::Const(0),
    };
    let t = ctx.b.binary(op, Type::I32, a.into(), count);
    let r = ctx.b.convert(ConvOp::SextI32, t.into());
    ctx.set_x(rd, r.into());
}

/// `orc.b`: every non-zero byte becomes `0xff`. Adding `0x7f` to the low 7
/// bits of each byte carries into bit 7 exactly when they are non-zero (no
/// carry crosses bytes); OR-ing the byte's own bit 7 in gives "byte
/// non-zero" in bit 7, which the multiplication spreads over the byte.
fn orc_b(ctx: &mut Ctx<'_>, o: Unary) {
    if o.rd.num() == 0 {
        return;
    }
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = ctx.x(o.rs1);
    let t = ctx.b.and(Type::I64, x, Value::Const(LOW7));
    let t = ctx.b.add(Type::I64, t.into(), Value::Const(LOW7));
    let t = ctx.b.or(Type::I64, t.into(), x);
    let t = ctx.b.and(Type::I64, t.into(), Value::Const(!LOW7));
    let t = ctx.b.shr(Type::I64, t.into(), Value::Const(7));
    binary_to(ctx, o.rd, Mul, t.into(), Value::Const(0xff))
}

fn clmul(ctx: &mut Ctx<'_>, h: HelperId, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let r = ctx.call_value(h, vec![a, b]);
        ctx.set_x(o.rd, r);
    }
}

/// `bclr`/`bset`/`binv`: `rd = rs1 op (1 << (rs2 mod 64))`.
fn single_bit(ctx: &mut Ctx<'_>, op: BinaryOp, o: RType) {
    if o.rd.num() != 0 {
        let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
        let bit = ctx.b.shl(Type::I64, Value::Const(1), b);
        binary_to(ctx, o.rd, op, a, bit.into())
    }
}

fn single_bit_imm(ctx: &mut Ctx<'_>, op: BinaryOp, o: ShiftImm) {
    let a = ctx.x(o.rs1);
    binary_to(ctx, o.rd, op, a, Value::Const(1 << (o.shamt & 63)))
}

/// The carry-less products (Zbc): `clmul` is the low half of the 128-bit
/// product, `clmulh` the high half, `clmulr` bits 126:63.
pub fn clmul_wide(a: u64, b: u64) -> u128 {
    let mut r = 0u128;
    for i in 0..64 {
        if (b >> i) & 1 != 0 {
            r ^= u128::from(a) << i;
        }
    }
    r
}

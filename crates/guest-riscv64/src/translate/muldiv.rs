//! The M extension (Unprivileged spec chapter 7). The IR's multiply-high
//! and division operations define division by zero and overflow exactly as
//! RISC-V does (quotient all ones, remainder the dividend; `MIN / -1 =
//! MIN`, remainder 0), so each instruction is one IR operation.

use wemu_ir::BinaryOp::*;

use super::integer::{binary_to, op_w32, op_w64};
use super::{Ctx, Flow};
use crate::insn::Insn;

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use Insn as I;
    let (op, o) = match *insn {
        I::Mul(o) => (Mul, o),
        I::Mulh(o) => (Mulhs, o),
        I::Mulhsu(o) => (Mulhsu, o),
        I::Mulhu(o) => (Mulhu, o),
        I::Div(o) => (Divs, o),
        I::Divu(o) => (Divu, o),
        I::Rem(o) => (Rems, o),
        I::Remu(o) => (Remu, o),
        // The low word of the 64-bit product is the 32-bit product.
        I::Mulw(o) => {
            op_w64(ctx, Mul, o);
            return Some(Flow::Next);
        }
        // 32-bit divisions: operands are the low words, the result is
        // sign-extended (also for the unsigned ones, §7.2).
        I::Divw(o) | I::Divuw(o) | I::Remw(o) | I::Remuw(o) => {
            let op = match insn {
                I::Divw(_) => Divs,
                I::Divuw(_) => Divu,
                I::Remw(_) => Rems,
                _ => Remu,
            };
            op_w32(ctx, op, o);
            return Some(Flow::Next);
        }
        _ => return None,
    };
    let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
    binary_to(ctx, o.rd, op, a, b);
    Some(Flow::Next)
}

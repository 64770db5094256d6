//! Control transfer: `jal`, `jalr` and the conditional branches
//! (Unprivileged spec §2.5).
//!
//! Static targets leave through `goto_tb` (slot 0 for the fall-through or
//! the jump target, slot 1 for a taken branch), so the executor can chain
//! blocks; `jalr` stores `pc` and leaves through `lookup_tb`.
//!
//! `misa.C` is fixed at 1 ([`crate::csr::MISA`]), so every target is
//! 2-byte aligned by construction (offsets are even, `jalr` clears bit 0)
//! and instruction-address-misaligned exceptions cannot occur.

use wemu_ir::{BinaryOp, Cond, Type, Value};

use super::{Ctx, Flow};
use crate::insn::Insn;
use crate::operands::BType;

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use Insn as I;
    Some(match *insn {
        I::Jal(o) => {
            let target = ctx.pc.wrapping_add(o.imm as i64 as u64);
            ctx.set_x(o.rd, Value::Const(ctx.next_pc));
            ctx.b.goto_tb(0, target);
            Flow::End
        }
        I::Jalr(o) => {
            // The target is computed before rd is written: rd may be rs1.
            let t = ctx.addr(o.rs1, o.imm);
            let target = ctx.b.binary(BinaryOp::And, Type::I64, t, Value::Const(!1));
            ctx.set_x(o.rd, Value::Const(ctx.next_pc));
            ctx.jump_indirect(target.into())
        }
        I::Beq(o) => branch(ctx, Cond::Eq, o),
        I::Bne(o) => branch(ctx, Cond::Ne, o),
        I::Blt(o) => branch(ctx, Cond::Lt, o),
        I::Bge(o) => branch(ctx, Cond::Ge, o),
        I::Bltu(o) => branch(ctx, Cond::Ltu, o),
        I::Bgeu(o) => branch(ctx, Cond::Geu, o),
        _ => return None,
    })
}

fn branch(ctx: &mut Ctx<'_>, cond: Cond, o: BType) -> Flow {
    let target = ctx.pc.wrapping_add(o.imm as i64 as u64);
    let (a, b) = (ctx.x(o.rs1), ctx.x(o.rs2));
    let taken = ctx.b.new_label();
    ctx.b.brcond(Type::I64, cond, a, b, taken);
    ctx.b.goto_tb(0, ctx.next_pc);
    ctx.b.label(taken);
    ctx.b.goto_tb(1, target);
    Flow::End
}

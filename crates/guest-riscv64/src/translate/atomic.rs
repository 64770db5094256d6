//! The A extension (Unprivileged spec chapter 8), mapped to the IR's
//! atomic operations so that guest atomics stay atomic across vCPUs.
//!
//! * AMOs are one `atomic_OP` each, naturally aligned (a misaligned address
//!   raises store/AMO-address-misaligned through the executor's
//!   `Misaligned { write: true }` exit). The `.w` forms access 32 bits and
//!   sign-extend the old value, and `min`/`max` compare at the access size,
//!   exactly as the IR defines them.
//! * `lr` is an aligned load that records the address and the value loaded
//!   in the state block ([`state::LR_ADDR`], [`state::LR_VALUE`]).
//! * `sc` succeeds when its address is the reserved one and a
//!   compare-and-exchange of the loaded value against the new one does.
//!   This accepts an intervening store of the same value (ABA), which the
//!   spec's LR/SC forward-progress rules permit an implementation to
//!   ignore; it never lets an SC succeed over a different value. Every `sc`
//!   that completes clears the reservation (§8.2), as does any trap.
//!
//! The IR's atomics are sequentially consistent, so the `aq`/`rl` bits need
//! no extra fences.

use wemu_ir::{Cond, MemOp, MemSize, RmwOp, Type, Value};

use super::{Ctx, Flow};
use crate::insn::Insn;
use crate::operands::{Amo, Lr};
use crate::state;

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use Insn as I;
    use MemSize::{B4 as W, B8 as D};
    use RmwOp::*;
    match *insn {
        I::LrW(o) => lr(ctx, o, W),
        I::LrD(o) => lr(ctx, o, D),
        I::ScW(o) => sc(ctx, o, W),
        I::ScD(o) => sc(ctx, o, D),
        I::AmoswapW(o) => amo(ctx, o, Swap, W),
        I::AmoaddW(o) => amo(ctx, o, Add, W),
        I::AmoxorW(o) => amo(ctx, o, Xor, W),
        I::AmoandW(o) => amo(ctx, o, And, W),
        I::AmoorW(o) => amo(ctx, o, Or, W),
        I::AmominW(o) => amo(ctx, o, Smin, W),
        I::AmomaxW(o) => amo(ctx, o, Smax, W),
        I::AmominuW(o) => amo(ctx, o, Umin, W),
        I::AmomaxuW(o) => amo(ctx, o, Umax, W),
        I::AmoswapD(o) => amo(ctx, o, Swap, D),
        I::AmoaddD(o) => amo(ctx, o, Add, D),
        I::AmoxorD(o) => amo(ctx, o, Xor, D),
        I::AmoandD(o) => amo(ctx, o, And, D),
        I::AmoorD(o) => amo(ctx, o, Or, D),
        I::AmominD(o) => amo(ctx, o, Smin, D),
        I::AmomaxD(o) => amo(ctx, o, Smax, D),
        I::AmominuD(o) => amo(ctx, o, Umin, D),
        I::AmomaxuD(o) => amo(ctx, o, Umax, D),
        _ => return None,
    }
    Some(Flow::Next)
}

/// A naturally aligned access of `size`; `.w` values are sign-extended.
fn atomic_mem(ctx: &Ctx<'_>, size: MemSize) -> MemOp {
    MemOp::le(size, size == MemSize::B4).aligned().with_mmu(ctx.flags.data_mmu())
}

fn amo(ctx: &mut Ctx<'_>, o: Amo, op: RmwOp, size: MemSize) {
    let addr = ctx.x(o.rs1);
    let src = ctx.x(o.rs2);
    let mem = atomic_mem(ctx, size);
    let old = ctx.b.atomic_rmw(op, Type::I64, addr, src, mem);
    ctx.set_x(o.rd, old.into());
}

fn lr(ctx: &mut Ctx<'_>, o: Lr, size: MemSize) {
    let addr = ctx.x(o.rs1);
    let mem = atomic_mem(ctx, size);
    let v = ctx.b.load(Type::I64, addr, mem);
    ctx.b.store_state(Type::I64, addr, state::LR_ADDR.0, MemSize::B8);
    ctx.b.store_state(Type::I64, v.into(), state::LR_VALUE.0, MemSize::B8);
    ctx.set_x(o.rd, v.into());
}

fn sc(ctx: &mut Ctx<'_>, o: Amo, size: MemSize) {
    let addr = ctx.x(o.rs1);
    let src = ctx.x(o.rs2);
    let mem = atomic_mem(ctx, size);
    let reserved = ctx.b.load_state(Type::I64, state::LR_ADDR.0, MemSize::B8, false);
    let fail = ctx.b.new_label();
    let done = ctx.b.new_label();
    // rd is 0 on success and 1 on failure; a local carries it to the one
    // write after both paths. The write and the end of the reservation
    // follow the cmpxchg, which can fault: a faulting sc (or one the loop
    // re-executes after it hit translated code) changes nothing.
    let result = ctx.b.local(Type::I64);
    ctx.b.brcond(Type::I64, Cond::Ne, addr, reserved.into(), fail);
    let expected = ctx.b.load_state(Type::I64, state::LR_VALUE.0, MemSize::B8, false);
    let old = ctx.b.atomic_cmpxchg(Type::I64, addr, expected.into(), src, mem);
    let r = ctx.b.setcond(Type::I64, Cond::Ne, old.into(), expected.into());
    ctx.b.mov(Type::I64, result, r.into());
    ctx.b.br(done);
    ctx.b.label(fail);
    ctx.b.mov(Type::I64, result, Value::Const(1));
    ctx.b.label(done);
    ctx.b.store_state(Type::I64, Value::Const(state::NO_RESERVATION), state::LR_ADDR.0, MemSize::B8);
    ctx.set_x(o.rd, result.into());
}

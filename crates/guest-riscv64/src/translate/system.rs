//! System instructions: Zicsr, `ecall`/`ebreak`, the privileged
//! instructions (`mret`, `sret`, `wfi`, `sfence.vma`), Zifencei and the
//! cache-block operations of Zicbom/Zicboz.
//!
//! CSR accesses call helpers ([`crate::csr`] does the work). The checks
//! that depend only on the CSR number and the privilege are made here, so a
//! statically illegal access costs no call; the helper repeats them and
//! adds the ones that depend on other CSRs. Writes that can change
//! translation flags, address translation or interrupts end the block
//! ([`crate::csr::write_ends_block`]).

use alloc::vec;

use wemu_ir::{Cond, MemSize, Type, Value};

use super::{Ctx, EXIT_WFI, Flow, FsState};
use crate::csr::{self, num};
use crate::helpers::HelperId;
use crate::insn::Insn;
use crate::operands::{Cbo, XReg};
use crate::state::{self, Priv};
use crate::trap::cause;

/// `ctl` bits of the CSR helpers.
pub const CSR_READ: u32 = 1;
pub const CSR_WRITE: u32 = 2;
pub const CSR_INDEX_SHIFT: u32 = 8;

/// `ctl` bits of `sfence_vma`.
pub const SFENCE_ADDR: u32 = 1;
pub const SFENCE_ASID: u32 = 2;

/// Size of a cache block for Zicbom/Zicboz (advertised in the device tree
/// as `riscv,cbom-block-size`/`riscv,cboz-block-size`).
pub const CACHE_BLOCK: u64 = 64;

#[derive(Clone, Copy)]
enum CsrOp {
    Rw,
    Rs,
    Rc,
}

pub(super) fn translate(ctx: &mut Ctx<'_>, insn: &Insn) -> Option<Flow> {
    use Insn as I;
    Some(match *insn {
        I::Csrrw(o) | I::Csrrs(o) | I::Csrrc(o) => {
            let op = match insn {
                I::Csrrw(_) => CsrOp::Rw,
                I::Csrrs(_) => CsrOp::Rs,
                _ => CsrOp::Rc,
            };
            // csrrs/csrrc with rs1 = x0 do not write (§9.1).
            let write = matches!(op, CsrOp::Rw) || o.rs1.num() != 0;
            let src = ctx.x(o.rs1);
            csr_access(ctx, op, o.csr, o.rd, src, write)
        }
        I::Csrrwi(o) => csr_access(ctx, CsrOp::Rw, o.csr, o.rd, Value::Const(u64::from(o.uimm)), true),
        I::Csrrsi(o) => csr_access(ctx, CsrOp::Rs, o.csr, o.rd, Value::Const(u64::from(o.uimm)), o.uimm != 0),
        I::Csrrci(o) => csr_access(ctx, CsrOp::Rc, o.csr, o.rd, Value::Const(u64::from(o.uimm)), o.uimm != 0),
        I::Ecall => {
            let c = match ctx.flags.priv_mode() {
                Priv::User => cause::USER_ECALL,
                Priv::Supervisor => cause::SUPERVISOR_ECALL,
                Priv::Machine => cause::MACHINE_ECALL,
            };
            ctx.raise(c, Value::Const(0))
        }
        // xtval = the address of the breakpoint (§3.1.16).
        I::Ebreak => ctx.raise(cause::BREAKPOINT, Value::Const(ctx.pc)),
        I::Mret => xret(ctx, HelperId::Mret, Priv::Machine),
        I::Sret => xret(ctx, HelperId::Sret, Priv::Supervisor),
        I::Wfi => wfi(ctx),
        I::SfenceVma(o) => {
            // Illegal in U-mode, and in S-mode under mstatus.TVM (§3.1.6.5).
            match ctx.flags.priv_mode() {
                Priv::User => return Some(ctx.illegal()),
                Priv::Supervisor => ctx.illegal_if_mstatus(csr::MSTATUS_TVM),
                Priv::Machine => {}
            }
            let mut ctl = 0;
            if o.rs1.num() != 0 {
                ctl |= SFENCE_ADDR;
            }
            if o.rs2.num() != 0 {
                ctl |= SFENCE_ASID;
            }
            let (va, asid) = (ctx.x(o.rs1), ctx.x(o.rs2));
            ctx.call(HelperId::SfenceVma, vec![va, asid, Value::Const(u64::from(ctl))]);
            ctx.end_state_changed(Value::Const(ctx.next_pc))
        }
        // Stores to translated code are caught by the softmmu's write
        // watch, so all fence.i has to do is make the following
        // instructions be fetched again: end the block.
        I::FenceI => ctx.jump_indirect(Value::Const(ctx.next_pc)),
        I::CboZero(o) => cbo(ctx, o, true, csr::ENVCFG_CBZE),
        I::CboClean(o) | I::CboFlush(o) => cbo(ctx, o, false, csr::ENVCFG_CBCFE),
        I::CboInval(o) => cbo(ctx, o, false, csr::ENVCFG_CBIE),
        _ => return None,
    })
}

fn csr_access(ctx: &mut Ctx<'_>, op: CsrOp, csr_no: u16, rd: XReg, src: Value, write: bool) -> Flow {
    // csrrw with rd = x0 does not read (no read side effects, §9.1);
    // csrrs/csrrc always read.
    let read = !matches!(op, CsrOp::Rw) || rd.num() != 0;
    if csr::static_check(csr_no, ctx.flags.priv_mode(), write).is_err()
        || (matches!(csr_no, num::FFLAGS | num::FRM | num::FCSR) && ctx.flags.fs() == FsState::Off)
    {
        return ctx.illegal();
    }
    let helper = match op {
        CsrOp::Rw => HelperId::Csrrw,
        CsrOp::Rs => HelperId::Csrrs,
        CsrOp::Rc => HelperId::Csrrc,
    };
    let mut ctl = ctx.idx << CSR_INDEX_SHIFT;
    if read {
        ctl |= CSR_READ;
    }
    if write {
        ctl |= CSR_WRITE;
    }
    let old = ctx.call_value(helper, vec![Value::Const(u64::from(csr_no)), src, Value::Const(u64::from(ctl))]);
    ctx.set_x(rd, old);
    if write && csr::write_ends_block(csr_no) {
        return ctx.end_state_changed(Value::Const(ctx.next_pc));
    }
    Flow::Next
}

/// `mret`/`sret`: the helper checks privilege, updates `mstatus` and the
/// privilege and returns the new `pc`; the block ends so that the loop
/// re-derives the flags and delivers any interrupt the return enabled.
fn xret(ctx: &mut Ctx<'_>, h: HelperId, min: Priv) -> Flow {
    if ctx.flags.priv_mode() < min {
        return ctx.illegal();
    }
    let pc = ctx.call_value(h, vec![]);
    ctx.end_state_changed(pc)
}

/// `wfi` (§3.3.3, §3.1.6.5): illegal in U-mode and, under `mstatus.TW`, in
/// S-mode (we never complete within a bounded time, so the exception is
/// immediate). Otherwise the loop waits for an interrupt.
fn wfi(ctx: &mut Ctx<'_>) -> Flow {
    match ctx.flags.priv_mode() {
        Priv::User => return ctx.illegal(),
        Priv::Supervisor => ctx.illegal_if_mstatus(csr::MSTATUS_TW),
        Priv::Machine => {}
    }
    ctx.exit_with_pc(Value::Const(ctx.next_pc), EXIT_WFI)
}

/// The cache-block operations (Zicbom/Zicboz). Below M-mode each needs its
/// enable in `menvcfg` and, in U-mode, `senvcfg` (for `cbo.inval`: CBIE not
/// `00`); otherwise it is illegal. There are no caches to manage:
///
/// * `cbo.clean`/`cbo.flush`/`cbo.inval` only check that a load or store
///   could access the aligned block (CMO spec §2.5.2), in a helper, which
///   raises a store page or access fault with `xtval` = the block's
///   address, as QEMU does;
/// * `cbo.zero` zeroes the aligned 64-byte block as eight stores, so it
///   faults like a store (`xtval` = the block's address, as QEMU; the
///   block never crosses a page, so only the first store can take a page
///   fault, but a PMP boundary inside the block faults the store that
///   reaches it, after the bytes below it are zeroed: the spec lets the
///   bytes be written "in any order and with any granularity").
fn cbo(ctx: &mut Ctx<'_>, o: Cbo, zero: bool, enable: u64) -> Flow {
    let p = ctx.flags.priv_mode();
    if p != Priv::Machine {
        let mut fields = vec![state::MENVCFG];
        if p == Priv::User {
            fields.push(state::SENVCFG);
        }
        for f in fields {
            let v = ctx.b.load_state(Type::I64, f.0, MemSize::B8, false);
            let t = ctx.b.and(Type::I64, v.into(), Value::Const(enable));
            ctx.illegal_if(Cond::Eq, t.into(), Value::Const(0));
        }
    }
    if !zero {
        let a = ctx.x(o.rs1);
        let base = ctx.b.and(Type::I64, a, Value::Const(!(CACHE_BLOCK - 1)));
        let idx = Value::Const(u64::from(ctx.flags.data_mmu()));
        ctx.call(HelperId::CboAccess, vec![base.into(), idx]);
    } else {
        let a = ctx.x(o.rs1);
        let base = ctx.b.and(Type::I64, a, Value::Const(!(CACHE_BLOCK - 1)));
        let mem = ctx.mem(MemSize::B8, false);
        for off in (0..CACHE_BLOCK).step_by(8) {
            let addr = if off == 0 { base.into() } else { ctx.b.add(Type::I64, base.into(), Value::Const(off)).into() };
            ctx.b.store(Type::I64, Value::Const(0), addr, mem);
        }
    }
    Flow::Next
}

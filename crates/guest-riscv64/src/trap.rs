//! Traps: exception and interrupt entry with delegation, interrupt
//! selection by priority, and the trap-return instructions `mret`/`sret`
//! (Privileged spec §3.1.6.1, §3.1.7–§3.1.9, §3.3.2, §4.1.1).

use crate::csr::{self, Illegal};
use crate::state::{self, NO_RESERVATION, Priv, State};

/// Exception codes (`xcause` with the interrupt bit clear, §3.1.15).
pub mod cause {
    pub const MISALIGNED_FETCH: u64 = 0;
    pub const FETCH_ACCESS: u64 = 1;
    pub const ILLEGAL_INSTRUCTION: u64 = 2;
    pub const BREAKPOINT: u64 = 3;
    pub const MISALIGNED_LOAD: u64 = 4;
    pub const LOAD_ACCESS: u64 = 5;
    pub const MISALIGNED_STORE: u64 = 6;
    pub const STORE_ACCESS: u64 = 7;
    pub const USER_ECALL: u64 = 8;
    pub const SUPERVISOR_ECALL: u64 = 9;
    pub const MACHINE_ECALL: u64 = 11;
    pub const FETCH_PAGE_FAULT: u64 = 12;
    pub const LOAD_PAGE_FAULT: u64 = 13;
    pub const STORE_PAGE_FAULT: u64 = 15;
}

/// The interrupt bit of `xcause`.
pub const INTERRUPT: u64 = 1 << 63;

/// Interrupts in decreasing priority (§3.1.9): MEI, MSI, MTI, SEI, SSI,
/// STI.
pub const PRIORITY: [u32; 6] = [csr::IRQ_MEI, csr::IRQ_MSI, csr::IRQ_MTI, csr::IRQ_SEI, csr::IRQ_SSI, csr::IRQ_STI];

/// Takes a trap with `xcause = cause` (the interrupt bit set for
/// interrupts) and `xtval = tval` for the instruction at `epc`: chooses M
/// or S by delegation, saves the interrupted context and jumps to the trap
/// vector. Returns the privilege the trap is taken to.
pub fn enter(st: &mut State<'_>, cause: u64, tval: u64, epc: u64) -> Priv {
    let from = st.priv_mode();
    let interrupt = cause & INTERRUPT != 0;
    let code = cause & !INTERRUPT;
    let deleg = st.get(if interrupt { state::MIDELEG } else { state::MEDELEG });
    // Traps never go to a less privileged mode: from M they stay in M
    // whatever the delegation (§3.1.8).
    let to_s = from != Priv::Machine && code < 64 && (deleg >> code) & 1 != 0;
    let mstatus = st.get(state::MSTATUS);
    let (tvec, target) = if to_s {
        st.set(state::SEPC, epc);
        st.set(state::SCAUSE, cause);
        st.set(state::STVAL, tval);
        let mut m = mstatus & !(csr::MSTATUS_SPIE | csr::MSTATUS_SIE | csr::MSTATUS_SPP);
        if mstatus & csr::MSTATUS_SIE != 0 {
            m |= csr::MSTATUS_SPIE;
        }
        if from == Priv::Supervisor {
            m |= csr::MSTATUS_SPP;
        }
        st.set(state::MSTATUS, m);
        (st.get(state::STVEC), Priv::Supervisor)
    } else {
        st.set(state::MEPC, epc);
        st.set(state::MCAUSE, cause);
        st.set(state::MTVAL, tval);
        let mut m = mstatus & !(csr::MSTATUS_MPIE | csr::MSTATUS_MIE | csr::MSTATUS_MPP);
        if mstatus & csr::MSTATUS_MIE != 0 {
            m |= csr::MSTATUS_MPIE;
        }
        m |= from.bits() << csr::MSTATUS_MPP_SHIFT;
        st.set(state::MSTATUS, m);
        (st.get(state::MTVEC), Priv::Machine)
    };
    st.set_priv(target);
    // Vectored mode: interrupts jump to BASE + 4 × cause (§3.1.7).
    let base = tvec & !3;
    let pc = if tvec & 3 == 1 && interrupt { base.wrapping_add(4 * code) } else { base };
    st.set_pc(pc);
    // A trap breaks any LR/SC sequence.
    st.set(state::LR_ADDR, NO_RESERVATION);
    target
}

/// `mret`: returns to the mode in `MPP` at `mepc` (§3.3.2). Illegal below
/// M-mode.
pub fn mret(st: &mut State<'_>) -> Result<u64, Illegal> {
    if st.priv_mode() != Priv::Machine {
        return Err(Illegal);
    }
    let m = st.get(state::MSTATUS);
    let to = Priv::from_bits(m >> csr::MSTATUS_MPP_SHIFT);
    let mut n = m & !(csr::MSTATUS_MIE | csr::MSTATUS_MPP);
    if m & csr::MSTATUS_MPIE != 0 {
        n |= csr::MSTATUS_MIE;
    }
    // MPIE = 1, MPP = U (the least-privileged mode); leaving M clears MPRV.
    n |= csr::MSTATUS_MPIE;
    if to != Priv::Machine {
        n &= !csr::MSTATUS_MPRV;
    }
    st.set(state::MSTATUS, n);
    st.set_priv(to);
    let pc = st.get(state::MEPC);
    st.set_pc(pc);
    Ok(pc)
}

/// `sret`: returns to the mode in `SPP` at `sepc`. Illegal in U-mode, and
/// in S-mode when `mstatus.TSR` is set (§3.1.6.5).
pub fn sret(st: &mut State<'_>) -> Result<u64, Illegal> {
    let p = st.priv_mode();
    let m = st.get(state::MSTATUS);
    if p == Priv::User || (p == Priv::Supervisor && m & csr::MSTATUS_TSR != 0) {
        return Err(Illegal);
    }
    let to = if m & csr::MSTATUS_SPP != 0 { Priv::Supervisor } else { Priv::User };
    let mut n = m & !(csr::MSTATUS_SIE | csr::MSTATUS_SPP | csr::MSTATUS_MPRV);
    if m & csr::MSTATUS_SPIE != 0 {
        n |= csr::MSTATUS_SIE;
    }
    n |= csr::MSTATUS_SPIE;
    st.set(state::MSTATUS, n);
    st.set_priv(to);
    let pc = st.get(state::SEPC);
    st.set_pc(pc);
    Ok(pc)
}

/// The interrupt the hart takes now, if any (§3.1.9): pending and enabled
/// in `mip`/`mie`, and globally enabled for the mode it traps to. M-level
/// (not delegated) interrupts come before S-level ones, then the fixed
/// priority order. `time` is `mtime` now (for Sstc).
pub fn pending_interrupt(st: &State<'_>, time: u64) -> Option<u32> {
    let pending = csr::mip(st, time) & st.get(state::MIE);
    if pending == 0 {
        return None;
    }
    let p = st.priv_mode();
    let m = st.get(state::MSTATUS);
    let deleg = st.get(state::MIDELEG);
    let m_enabled = p != Priv::Machine || m & csr::MSTATUS_MIE != 0;
    let s_enabled = p == Priv::User || (p == Priv::Supervisor && m & csr::MSTATUS_SIE != 0);
    let m_pending = if m_enabled { pending & !deleg } else { 0 };
    let s_pending = if s_enabled { pending & deleg } else { 0 };
    for set in [m_pending, s_pending] {
        if let Some(&irq) = PRIORITY.iter().find(|&&irq| set & (1 << irq) != 0) {
            return Some(irq);
        }
    }
    None
}

/// Takes the pending interrupt, if any, at the current `pc`; returns it.
pub fn take_interrupt(st: &mut State<'_>, time: u64) -> Option<u32> {
    let irq = pending_interrupt(st, time)?;
    let pc = st.pc();
    enter(st, INTERRUPT | u64::from(irq), 0, pc);
    Some(irq)
}

/// Whether `wfi` should stop waiting: some interrupt is pending and
/// enabled in `mie`, whatever the global enables (§3.3.3). `lines` are the
/// machine's interrupt lines now.
pub fn wfi_wakes(st: &State<'_>, lines: u64, time: u64) -> bool {
    csr::mip_with_lines(st, lines, time) & st.get(state::MIE) != 0
}

#[cfg(test)]
mod tests;

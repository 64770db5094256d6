use alloc::vec::Vec;

use super::*;
use crate::csr::*;
use crate::state::reset_state;

fn hart(p: Priv) -> Vec<u8> {
    let mut b = reset_state(0x8000_0000, 0);
    let mut st = State::new(&mut b);
    st.set_priv(p);
    st.set(state::MTVEC, 0x8000_1000);
    st.set(state::STVEC, 0x8000_2000);
    b
}

#[test]
fn exception_to_m_saves_context() {
    let mut b = hart(Priv::User);
    let mut st = State::new(&mut b);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_MIE);
    st.set(state::LR_ADDR, 0x1000);
    assert_eq!(enter(&mut st, cause::LOAD_PAGE_FAULT, 0xdead, 0x1234), Priv::Machine);
    assert_eq!((st.pc(), st.priv_mode()), (0x8000_1000, Priv::Machine));
    assert_eq!((st.get(state::MEPC), st.get(state::MCAUSE), st.get(state::MTVAL)), (0x1234, 13, 0xdead));
    let m = st.get(state::MSTATUS);
    assert_eq!(m & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP), MSTATUS_MPIE);
    assert_eq!(st.get(state::LR_ADDR), state::NO_RESERVATION);
}

#[test]
fn delegated_exception_to_s() {
    let mut b = hart(Priv::Supervisor);
    let mut st = State::new(&mut b);
    st.set(state::MEDELEG, 1 << cause::ILLEGAL_INSTRUCTION);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_SIE);
    assert_eq!(enter(&mut st, cause::ILLEGAL_INSTRUCTION, 0x73, 0x40), Priv::Supervisor);
    assert_eq!(
        (st.pc(), st.get(state::SEPC), st.get(state::SCAUSE), st.get(state::STVAL)),
        (0x8000_2000, 0x40, 2, 0x73)
    );
    let m = st.get(state::MSTATUS);
    assert_eq!(m & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE | MSTATUS_SPP);
    // From M, delegation does not apply.
    let mut b = hart(Priv::Machine);
    let mut st = State::new(&mut b);
    st.set(state::MEDELEG, 1 << cause::ILLEGAL_INSTRUCTION);
    assert_eq!(enter(&mut st, cause::ILLEGAL_INSTRUCTION, 0, 0), Priv::Machine);
    assert_eq!(st.get(state::MSTATUS) & MSTATUS_MPP, MSTATUS_MPP);
}

#[test]
fn vectored_mode_only_for_interrupts() {
    let mut b = hart(Priv::User);
    let mut st = State::new(&mut b);
    st.set(state::MTVEC, 0x8000_1001);
    enter(&mut st, INTERRUPT | u64::from(IRQ_MTI), 0, 0);
    assert_eq!(st.pc(), 0x8000_1000 + 4 * 7);
    assert_eq!(st.get(state::MCAUSE), INTERRUPT | 7);
    st.set_priv(Priv::User);
    enter(&mut st, cause::USER_ECALL, 0, 0);
    assert_eq!(st.pc(), 0x8000_1000);
}

#[test]
fn interrupt_enables_and_priority() {
    let mut b = hart(Priv::Machine);
    let mut st = State::new(&mut b);
    st.set(state::MIE, ALL_INTERRUPTS);
    st.set(state::IRQ_LINES, MIP_MTIP | MIP_SEIP);
    st.set(state::MIP, MIP_SSIP);
    // In M with MIE = 0 nothing is taken.
    assert_eq!(pending_interrupt(&st, 0), None);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_MIE);
    // MTI before SEI before SSI.
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_MTI));
    st.set(state::IRQ_LINES, MIP_SEIP | MIP_MSIP | MIP_MEIP);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_MEI));
    st.set(state::IRQ_LINES, MIP_SEIP | MIP_MSIP);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_MSI));
    st.set(state::IRQ_LINES, 0);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_SSI));
    // Delegated S-level interrupts are never taken in M-mode.
    st.set(state::MIDELEG, S_INTERRUPTS);
    assert_eq!(pending_interrupt(&st, 0), None);
    // ... are taken in U-mode whatever SIE, in S-mode only with SIE.
    st.set_priv(Priv::User);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_SSI));
    st.set_priv(Priv::Supervisor);
    assert_eq!(pending_interrupt(&st, 0), None);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_SIE);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_SSI));
    // M-level interrupts preempt S-mode whatever MIE.
    st.set(state::MSTATUS, st.get(state::MSTATUS) & !MSTATUS_MIE);
    st.set(state::IRQ_LINES, MIP_MTIP);
    assert_eq!(pending_interrupt(&st, 0), Some(IRQ_MTI));
    // Masked in mie: not pending.
    st.set(state::MIE, 0);
    assert_eq!(pending_interrupt(&st, 0), None);
}

#[test]
fn take_interrupt_to_s_at_pc() {
    let mut b = hart(Priv::User);
    let mut st = State::new(&mut b);
    st.set(state::MIDELEG, S_INTERRUPTS);
    st.set(state::MIE, MIP_STIP);
    st.set(state::MENVCFG, MENVCFG_STCE);
    st.set(state::STIMECMP, 500);
    assert_eq!(take_interrupt(&mut st, 499), None);
    assert_eq!(take_interrupt(&mut st, 500), Some(IRQ_STI));
    assert_eq!(
        (st.priv_mode(), st.get(state::SEPC), st.get(state::SCAUSE)),
        (Priv::Supervisor, 0x8000_0000, INTERRUPT | 5)
    );
}

#[test]
fn wfi_wakes_whatever_the_global_enables() {
    let mut b = hart(Priv::Machine);
    let mut st = State::new(&mut b);
    st.set(state::MIE, MIP_MTIP);
    assert!(!wfi_wakes(&st, MIP_MSIP, 0));
    assert!(wfi_wakes(&st, MIP_MTIP, 0));
}

#[test]
fn xret() {
    let mut b = hart(Priv::Machine);
    let mut st = State::new(&mut b);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_MPIE | MSTATUS_MPRV | MSTATUS_MPP);
    st.set(state::MEPC, 0x100);
    // mret to M keeps MPRV.
    assert_eq!(mret(&mut st), Ok(0x100));
    let m = st.get(state::MSTATUS);
    assert_eq!(
        m & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPRV | MSTATUS_MPP),
        MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPRV
    );
    // mret to U clears it.
    st.set(state::MSTATUS, m & !MSTATUS_MPIE);
    assert_eq!(mret(&mut st), Ok(0x100));
    assert_eq!(st.priv_mode(), Priv::User);
    assert_eq!(st.get(state::MSTATUS) & (MSTATUS_MIE | MSTATUS_MPRV), 0);
    assert_eq!(mret(&mut st), Err(Illegal));
    assert_eq!(sret(&mut st), Err(Illegal));
    // sret from S to S with SPIE.
    st.set_priv(Priv::Supervisor);
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_SPP | MSTATUS_SPIE);
    st.set(state::SEPC, 0x200);
    assert_eq!(sret(&mut st), Ok(0x200));
    let m = st.get(state::MSTATUS);
    assert_eq!(st.priv_mode(), Priv::Supervisor);
    assert_eq!(m & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SIE | MSTATUS_SPIE);
}

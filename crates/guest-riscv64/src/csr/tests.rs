use alloc::vec::Vec;

use super::*;
use crate::state::reset_state;

const C: Counters = Counters { time: 100, icount: 1000 };

fn hart(p: Priv) -> Vec<u8> {
    let mut b = reset_state(0x8000_0000, 3);
    State::new(&mut b).set_priv(p);
    b
}

fn rd(b: &mut [u8], csr: u16) -> Result<u64, Illegal> {
    read(&State::new(b), csr, &C)
}

fn wr(b: &mut [u8], csr: u16, v: u64) -> Result<WriteEffects, Illegal> {
    write(&mut State::new(b), csr, v, &C)
}

#[test]
fn mstatus_warl_and_sstatus_view() {
    let mut b = hart(Priv::Machine);
    // Read-only fields keep their value: UXL/SXL = 2, XS = 0, SD computed.
    wr(&mut b, num::MSTATUS, u64::MAX).unwrap();
    let m = rd(&mut b, num::MSTATUS).unwrap();
    assert_eq!(m & (MSTATUS_UXL | MSTATUS_SXL), MSTATUS_XL64);
    assert_eq!(m & MSTATUS_XS, 0);
    assert_eq!(m & MSTATUS_FS, MSTATUS_FS_DIRTY);
    assert_ne!(m & MSTATUS_SD, 0);
    assert_eq!(m & MSTATUS_MPP, MSTATUS_MPP);
    // MPP = 2 is reserved: the old value stays.
    wr(&mut b, num::MSTATUS, 2 << MSTATUS_MPP_SHIFT).unwrap();
    assert_eq!(rd(&mut b, num::MSTATUS).unwrap() & MSTATUS_MPP, MSTATUS_MPP);
    wr(&mut b, num::MSTATUS, 1 << MSTATUS_MPP_SHIFT).unwrap();
    let m = rd(&mut b, num::MSTATUS).unwrap();
    assert_eq!(m & MSTATUS_MPP, 1 << MSTATUS_MPP_SHIFT);
    assert_eq!(m & MSTATUS_SD, 0, "FS is now off");
    // sstatus shows and writes only its fields.
    wr(&mut b, num::SSTATUS, u64::MAX).unwrap();
    let s = rd(&mut b, num::SSTATUS).unwrap();
    assert_eq!(s & !SSTATUS_MASK, 0);
    let m = rd(&mut b, num::MSTATUS).unwrap();
    assert_eq!(m & (MSTATUS_MIE | MSTATUS_MPRV | MSTATUS_TVM), 0);
    assert_ne!(m & (MSTATUS_SIE | MSTATUS_SUM | MSTATUS_MXR), 0);
}

#[test]
fn mxr_change_affects_the_mmu() {
    let mut b = hart(Priv::Machine);
    assert!(wr(&mut b, num::MSTATUS, MSTATUS_MXR).unwrap().mmu);
    assert!(!wr(&mut b, num::MSTATUS, MSTATUS_MXR | MSTATUS_SIE).unwrap().mmu);
}

#[test]
fn delegation_masks_and_s_views() {
    let mut b = hart(Priv::Machine);
    wr(&mut b, num::MEDELEG, u64::MAX).unwrap();
    let m = rd(&mut b, num::MEDELEG).unwrap();
    assert_eq!(m & (1 << 11), 0, "ecall from M cannot be delegated");
    assert_ne!(m & (1 << 8 | 1 << 12 | 1 << 15), 0);
    wr(&mut b, num::MIDELEG, u64::MAX).unwrap();
    assert_eq!(rd(&mut b, num::MIDELEG).unwrap(), S_INTERRUPTS);
    wr(&mut b, num::MIDELEG, MIP_STIP).unwrap();
    wr(&mut b, num::MIE, u64::MAX).unwrap();
    assert_eq!(rd(&mut b, num::MIE).unwrap(), ALL_INTERRUPTS);
    // sie shows and writes only the delegated bits.
    assert_eq!(rd(&mut b, num::SIE).unwrap(), MIP_STIP);
    wr(&mut b, num::SIE, 0).unwrap();
    assert_eq!(rd(&mut b, num::MIE).unwrap(), ALL_INTERRUPTS & !MIP_STIP);
    // sip: SSIP writable only when delegated.
    wr(&mut b, num::SIP, MIP_SSIP).unwrap();
    assert_eq!(rd(&mut b, num::MIP).unwrap() & MIP_SSIP, 0);
    wr(&mut b, num::MIDELEG, S_INTERRUPTS).unwrap();
    wr(&mut b, num::SIP, MIP_SSIP).unwrap();
    assert_eq!(rd(&mut b, num::SIP).unwrap(), MIP_SSIP);
}

#[test]
fn mip_lines_and_sstc() {
    let mut b = hart(Priv::Machine);
    // M-level bits are lines: software cannot write them.
    wr(&mut b, num::MIP, u64::MAX).unwrap();
    assert_eq!(rd(&mut b, num::MIP).unwrap(), MIP_SSIP | MIP_STIP | MIP_SEIP);
    wr(&mut b, num::MIP, 0).unwrap();
    State::new(&mut b).set(state::IRQ_LINES, MIP_MTIP | MIP_SEIP);
    assert_eq!(rd(&mut b, num::MIP).unwrap(), MIP_MTIP | MIP_SEIP);
    // Under Sstc, STIP is time >= stimecmp and read-only.
    wr(&mut b, num::MENVCFG, MENVCFG_STCE).unwrap();
    wr(&mut b, num::STIMECMP, 101).unwrap();
    wr(&mut b, num::MIP, MIP_STIP).unwrap();
    assert_eq!(rd(&mut b, num::MIP).unwrap() & MIP_STIP, 0);
    wr(&mut b, num::STIMECMP, 100).unwrap();
    assert_eq!(rd(&mut b, num::MIP).unwrap() & MIP_STIP, MIP_STIP);
}

#[test]
fn trap_vector_epc_and_satp_warl() {
    let mut b = hart(Priv::Machine);
    wr(&mut b, num::MTVEC, 0x8000_0003).unwrap();
    assert_eq!(rd(&mut b, num::MTVEC).unwrap(), 0x8000_0001);
    wr(&mut b, num::SEPC, 0x8000_0003).unwrap();
    assert_eq!(rd(&mut b, num::SEPC).unwrap(), 0x8000_0002);
    // Sv39 is taken, an unsupported mode leaves satp unchanged.
    let sv39 = SATP_MODE_SV39 << SATP_MODE_SHIFT | 0x1234 << 44 | 0x8_0000;
    assert!(wr(&mut b, num::SATP, sv39).unwrap().mmu);
    assert!(!wr(&mut b, num::SATP, 5 << SATP_MODE_SHIFT).unwrap().mmu);
    assert_eq!(rd(&mut b, num::SATP).unwrap(), sv39);
    // misa is fixed.
    wr(&mut b, num::MISA, 0).unwrap();
    assert_eq!(rd(&mut b, num::MISA).unwrap(), MISA);
    assert_eq!(rd(&mut b, num::MHARTID).unwrap(), 3);
}

#[test]
fn access_rules() {
    // Nonexistent CSRs, and ones of a higher privilege.
    for csr in [0x7a0, 0x321, 0x3a1, 0x200, 0x5a8] {
        assert_eq!(static_check(csr, Priv::Machine, false), Err(Illegal), "{csr:#x}");
    }
    assert_eq!(static_check(num::MSTATUS, Priv::Supervisor, false), Err(Illegal));
    assert_eq!(static_check(num::SSTATUS, Priv::User, false), Err(Illegal));
    assert_eq!(static_check(num::CYCLE, Priv::User, false), Ok(()));
    // Read-only CSRs (bits 11:10 = 11).
    assert_eq!(static_check(num::MHARTID, Priv::Machine, true), Err(Illegal));
    assert_eq!(static_check(num::CYCLE, Priv::Machine, true), Err(Illegal));
    // PMP entries past 16 exist, read-only zero.
    let mut b = hart(Priv::Machine);
    wr(&mut b, num::PMPADDR0 + 20, 123).unwrap();
    assert_eq!(rd(&mut b, num::PMPADDR0 + 20).unwrap(), 0);
    assert_eq!(rd(&mut b, 0x3a4).unwrap(), 0);
}

#[test]
fn counters_enables_and_inhibit() {
    let mut b = hart(Priv::Supervisor);
    assert_eq!(rd(&mut b, num::CYCLE), Err(Illegal));
    State::new(&mut b).set(state::MCOUNTEREN, COUNTEREN_CY | COUNTEREN_TM);
    assert_eq!(rd(&mut b, num::CYCLE), Ok(1000));
    assert_eq!(rd(&mut b, num::TIME), Ok(100));
    assert_eq!(rd(&mut b, num::INSTRET), Err(Illegal));
    State::new(&mut b).set_priv(Priv::User);
    assert_eq!(rd(&mut b, num::TIME), Err(Illegal));
    State::new(&mut b).set(state::SCOUNTEREN, COUNTEREN_TM);
    assert_eq!(rd(&mut b, num::TIME), Ok(100));
    // hpmcounters read as zero when enabled.
    State::new(&mut b).set(state::MCOUNTEREN, u64::MAX);
    State::new(&mut b).set(state::SCOUNTEREN, u64::MAX);
    assert_eq!(rd(&mut b, num::HPMCOUNTER3 + 2), Ok(0));
    // M-mode: write minstret, the next instruction reads it; inhibit
    // freezes it, un-inhibiting counts on.
    let mut b = hart(Priv::Machine);
    wr(&mut b, num::MINSTRET, 50).unwrap();
    let st = State::new(&mut b);
    assert_eq!(read(&st, num::MINSTRET, &Counters { time: 0, icount: 1001 }), Ok(50));
    let mut st = State::new(&mut b);
    write(&mut st, num::MCOUNTINHIBIT, COUNTEREN_IR, &Counters { time: 0, icount: 1010 }).unwrap();
    assert_eq!(read(&st, num::MINSTRET, &Counters { time: 0, icount: 5000 }), Ok(59));
    assert_eq!(read(&st, num::MCYCLE, &Counters { time: 0, icount: 5000 }), Ok(5000));
    write(&mut st, num::MCOUNTINHIBIT, 0, &Counters { time: 0, icount: 5000 }).unwrap();
    assert_eq!(read(&st, num::MINSTRET, &Counters { time: 0, icount: 5001 }), Ok(59));
    assert_eq!(read(&st, num::MINSTRET, &Counters { time: 0, icount: 5011 }), Ok(69));
}

#[test]
fn unretire_takes_an_instruction_back_from_minstret_only() {
    let mut b = hart(Priv::Machine);
    let c = Counters { time: 0, icount: 2000 };
    let mut st = State::new(&mut b);
    write(&mut st, num::MINSTRET, 10, &Counters { time: 0, icount: 1999 }).unwrap();
    unretire(&mut st);
    assert_eq!(read(&st, num::MINSTRET, &c), Ok(9));
    assert_eq!(read(&st, num::MCYCLE, &c), Ok(2000));
    // Inhibited: minstret is frozen, whatever the loop counts.
    write(&mut st, num::MCOUNTINHIBIT, COUNTEREN_IR, &c).unwrap();
    let frozen = read(&st, num::MINSTRET, &c);
    unretire(&mut st);
    assert_eq!(read(&st, num::MINSTRET, &Counters { time: 0, icount: 3000 }), frozen);
}

#[test]
fn stimecmp_needs_stce_and_tm_in_s_mode() {
    let mut b = hart(Priv::Supervisor);
    assert_eq!(rd(&mut b, num::STIMECMP), Err(Illegal));
    State::new(&mut b).set(state::MENVCFG, MENVCFG_STCE);
    assert_eq!(rd(&mut b, num::STIMECMP), Err(Illegal));
    State::new(&mut b).set(state::MCOUNTEREN, COUNTEREN_TM);
    assert_eq!(rd(&mut b, num::STIMECMP), Ok(0));
    assert_eq!(rd(&mut hart(Priv::Machine), num::STIMECMP), Ok(0));
}

#[test]
fn fp_csrs() {
    let mut b = hart(Priv::Machine);
    assert_eq!(rd(&mut b, num::FCSR), Err(Illegal), "FS is off");
    State::new(&mut b).set(state::MSTATUS, MSTATUS_RESET | 1 << MSTATUS_FS_SHIFT);
    wr(&mut b, num::FCSR, 0xfff).unwrap();
    assert_eq!((rd(&mut b, num::FRM), rd(&mut b, num::FFLAGS)), (Ok(7), Ok(0x1f)));
    assert_eq!(rd(&mut b, num::FCSR), Ok(0xff));
    wr(&mut b, num::FRM, 2).unwrap();
    assert_eq!(rd(&mut b, num::FCSR), Ok(0x5f));
    assert_eq!(rd(&mut b, num::MSTATUS).unwrap() & MSTATUS_FS, MSTATUS_FS_DIRTY);
}

#[test]
fn envcfg_and_pmp_locks() {
    let mut b = hart(Priv::Machine);
    wr(&mut b, num::MENVCFG, u64::MAX).unwrap();
    let v = rd(&mut b, num::MENVCFG).unwrap();
    assert_eq!(v, ENVCFG_FIOM | ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE | MENVCFG_STCE);
    wr(&mut b, num::SENVCFG, 2 << 4).unwrap();
    assert_eq!(rd(&mut b, num::SENVCFG).unwrap(), 0, "CBIE = 10 is reserved");
    // A locked entry ignores writes to its address and configuration.
    wr(&mut b, num::PMPADDR0, 0x1000).unwrap();
    wr(&mut b, num::PMPCFG0, 0x9f).unwrap();
    wr(&mut b, num::PMPADDR0, 0x2000).unwrap();
    wr(&mut b, num::PMPCFG0, 0).unwrap();
    assert_eq!(rd(&mut b, num::PMPADDR0), Ok(0x1000));
    assert_eq!(rd(&mut b, num::PMPCFG0), Ok(0x9f));
}

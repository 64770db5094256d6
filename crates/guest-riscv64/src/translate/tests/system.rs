//! Zicsr, traps from instructions, xRET, WFI, SFENCE.VMA, FENCE.I and the
//! cache-block operations.

use super::asm::*;
use super::*;
use crate::csr::num;
use crate::translate::{EXIT_EXCEPTION, EXIT_STATE_CHANGED, EXIT_WFI};
use wemu_ir::runtime::ExitKind;

#[test]
fn csr_read_write_set_clear() {
    let mut h = Hart::new();
    h.set_x(A0, 0xf0);
    h.run_code(&[
        csrrw(A1, num::MSCRATCH, A0),
        csrrsi(A2, num::MSCRATCH, 0x3),
        csrrc(A3, num::MSCRATCH, A0),
        csrrs(A4, num::MSCRATCH, ZERO),
        csrrs(T0, num::MHARTID, ZERO),
    ]);
    assert_eq!((h.x(A1), h.x(A2), h.x(A3), h.x(A4), h.x(T0)), (0, 0xf0, 0xf3, 3, 0));
}

#[test]
fn counters_count_instructions_in_the_block() {
    let mut h = Hart::new();
    // Fixed counters: time 1000, 500 instructions before the block.
    h.run_code(&[
        csrrs(A0, num::INSTRET, ZERO),
        addi(A1, A1, 1),
        csrrs(A1, num::CYCLE, ZERO),
        csrrs(A2, num::TIME, ZERO),
    ]);
    assert_eq!((h.x(A0), h.x(A1), h.x(A2)), (500, 502, 1000));
    // Writing minstret: the next instruction reads the value written.
    let mut h = Hart::new();
    h.set_x(A0, 10);
    h.run_code(&[csrrw(ZERO, num::MINSTRET, A0)]);
    h.helpers.fixed.icount += 1;
    h.run_code(&[csrrs(A1, num::MINSTRET, ZERO)]);
    assert_eq!(h.x(A1), 10);
}

#[test]
fn csr_writes_end_the_block() {
    let mut h = Hart::with_code(&[csrrw(ZERO, num::MSTATUS, A0), addi(A1, A1, 1)]);
    h.set_x(A0, h.get(state::MSTATUS));
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::Status(EXIT_STATE_CHANGED));
    assert_eq!((exit.insns, h.pc()), (1, BASE + 4));
    // Plain storage does not: the block goes on up to the (illegal) zeros
    // after the code.
    let h = Hart::with_code(&[csrrw(ZERO, num::MSCRATCH, A0), addi(A1, A1, 1)]);
    assert_eq!(h.translate(64).unwrap().insns, 3);
}

#[test]
fn csr_privilege_and_read_only_checks() {
    // An M-mode CSR from S-mode: illegal, rd untouched.
    let mut h = Hart::with_code(&[csrrs(A0, num::MSTATUS, ZERO)]);
    h.set_priv(Priv::Supervisor);
    h.set_x(A0, 5);
    assert_eq!(h.step().kind, ExitKind::Status(EXIT_EXCEPTION));
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    assert_eq!(h.x(A0), 5);
    // Writing a read-only CSR, even with rs1 = x0 for csrrw.
    let mut h = Hart::with_code(&[csrrw(ZERO, num::MHARTID, ZERO)]);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    // ... but csrrs with rs1 = x0 only reads.
    let mut h = Hart::with_code(&[csrrs(A0, num::MHARTID, ZERO)]);
    h.step_n(1);
    assert_eq!(h.trap, None);
    // A counter from U-mode needs mcounteren and scounteren (checked at run
    // time, in the helper).
    let mut h = Hart::with_code(&[csrrs(A0, num::TIME, ZERO)]);
    h.set_priv(Priv::User);
    h.set(state::MCOUNTEREN, 2);
    h.step_n(1);
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    let mut h = Hart::with_code(&[csrrs(A0, num::TIME, ZERO)]);
    h.set_priv(Priv::User);
    h.set(state::MCOUNTEREN, 2);
    h.set(state::SCOUNTEREN, 2);
    h.step_n(1);
    assert_eq!((h.trap, h.x(A0)), (None, 1000));
}

#[test]
fn satp_write_notifies_the_mmu() {
    let mut h = Hart::new();
    h.set_x(A0, 8 << 60 | 0x8_0000);
    h.run_code(&[csrrw(ZERO, num::SATP, A0)]);
    assert_eq!(h.mem.mmu_changes, 1);
    // TVM makes it illegal in S-mode.
    let mut h = Hart::with_code(&[csrrw(ZERO, num::SATP, A0)]);
    h.set(state::MSTATUS, h.get(state::MSTATUS) | csr::MSTATUS_TVM);
    h.set_priv(Priv::Supervisor);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    assert_eq!(h.mem.mmu_changes, 0);
}

#[test]
fn ecall_cause_depends_on_privilege() {
    for (p, c) in [(Priv::User, 8), (Priv::Supervisor, 9), (Priv::Machine, 11)] {
        let mut h = Hart::with_code(&[addi(A0, A0, 1), ecall()]);
        h.set_priv(p);
        h.step();
        assert_eq!(h.trap, Some((c, 0, BASE + 4)), "{p:?}");
        assert_eq!(h.x(A0), 1);
        assert_eq!(h.st().priv_mode(), Priv::Machine);
    }
    let mut h = Hart::with_code(&[ebreak()]);
    h.step();
    assert_eq!(h.trap, Some((cause::BREAKPOINT, BASE, BASE)));
}

#[test]
fn delegated_ecall_goes_to_s_mode_and_sret_returns() {
    let mut h = Hart::with_code(&[ecall()]);
    h.set(state::MEDELEG, 1 << cause::USER_ECALL);
    h.set(state::STVEC, DATA);
    h.set_priv(Priv::User);
    h.step();
    assert_eq!(h.st().priv_mode(), Priv::Supervisor);
    assert_eq!((h.pc(), h.get(state::SEPC), h.get(state::SCAUSE)), (DATA, BASE, 8));
    // sret back to U at sepc + 4.
    h.set(state::SEPC, BASE + 4);
    h.load(DATA, &[sret()]);
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::Status(EXIT_STATE_CHANGED));
    assert_eq!((h.pc(), h.st().priv_mode()), (BASE + 4, Priv::User));
}

#[test]
fn mret_to_s_mode() {
    let mut h = Hart::with_code(&[mret()]);
    let m = h.get(state::MSTATUS) | 1 << csr::MSTATUS_MPP_SHIFT | csr::MSTATUS_MPIE | csr::MSTATUS_MPRV;
    h.set(state::MSTATUS, m);
    h.set(state::MEPC, DATA);
    h.step();
    let m = h.get(state::MSTATUS);
    assert_eq!((h.pc(), h.st().priv_mode()), (DATA, Priv::Supervisor));
    assert_eq!(m & (csr::MSTATUS_MIE | csr::MSTATUS_MPRV | csr::MSTATUS_MPP), csr::MSTATUS_MIE);
    // mret in S-mode is illegal (translation-time check).
    let mut h = Hart::with_code(&[mret()]);
    h.set_priv(Priv::Supervisor);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    // sret in S-mode under TSR is illegal (run-time check).
    let mut h = Hart::with_code(&[sret()]);
    h.set_priv(Priv::Supervisor);
    h.set(state::MSTATUS, h.get(state::MSTATUS) | csr::MSTATUS_TSR);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
}

#[test]
fn wfi_exits_and_traps_under_tw() {
    let mut h = Hart::with_code(&[wfi()]);
    assert_eq!(h.step().kind, ExitKind::Status(EXIT_WFI));
    assert_eq!(h.pc(), BASE + 4);
    let mut h = Hart::with_code(&[wfi()]);
    h.set_priv(Priv::Supervisor);
    h.set(state::MSTATUS, h.get(state::MSTATUS) | csr::MSTATUS_TW);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    let mut h = Hart::with_code(&[wfi()]);
    h.set_priv(Priv::User);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
}

#[test]
fn sfence_vma_flushes_and_ends_the_block() {
    let mut h = Hart::with_code(&[sfence_vma(A0, ZERO), sfence_vma(ZERO, A1)]);
    h.set_x(A0, 0x1234_5000);
    h.set_x(A1, 3);
    h.set_priv(Priv::Supervisor);
    assert_eq!(h.step().kind, ExitKind::Status(EXIT_STATE_CHANGED));
    h.step();
    assert_eq!(h.mem.sfences, [(Some(0x1234_5000), None), (None, Some(3))]);
    let mut h = Hart::with_code(&[sfence_vma(ZERO, ZERO)]);
    h.set_priv(Priv::User);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
}

#[test]
fn fence_i_ends_the_block() {
    let mut h = Hart::with_code(&[fence_rw_rw(), fence_i(), addi(A0, A0, 1)]);
    let exit = h.step();
    assert_eq!((exit.kind, exit.insns, h.pc()), (ExitKind::LookupTb, 2, BASE + 8));
}

#[test]
fn cbo_zero_needs_its_enable_below_m() {
    let mut h = Hart::new();
    for i in 0..10 {
        h.write_mem(DATA + 8 * i, MemSize::B8, u64::MAX);
    }
    h.set_x(A0, DATA + 13);
    h.run_code(&[cbo_zero(A0)]);
    for i in 0..8 {
        assert_eq!(h.read_mem(DATA + 8 * i, MemSize::B8), 0);
    }
    assert_eq!(h.read_mem(DATA + 64, MemSize::B8), u64::MAX);
    let mut h = Hart::with_code(&[cbo_zero(A0)]);
    h.set_priv(Priv::Supervisor);
    h.set_x(A0, DATA);
    h.step();
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    let mut h = Hart::with_code(&[cbo_zero(A0)]);
    h.set_priv(Priv::Supervisor);
    h.set(state::MENVCFG, csr::ENVCFG_CBZE);
    h.set_x(A0, DATA);
    h.step_n(1);
    assert_eq!(h.trap, None);
}

/// `cbo.flush` asks the MMU whether the aligned block may be accessed
/// (here: whether it is in the test's flat memory); a refusal is the
/// store fault the MMU names, with the block's address in `xtval`.
#[test]
fn cbo_management_checks_the_block_through_the_mmu() {
    let mut h = Hart::with_code(&[cbo_flush(A0), addi(A1, A1, 1)]);
    h.set_x(A0, DATA + 13);
    h.step_n(2);
    assert_eq!((h.trap, h.x(A1)), (None, 1));
    let outside = BASE.wrapping_sub(0x40) + 5;
    let mut h = Hart::with_code(&[cbo_flush(A0), addi(A1, A1, 1)]);
    h.set_x(A0, outside);
    h.step();
    assert_eq!(h.trap, Some((cause::STORE_ACCESS, outside & !63, BASE)));
    assert_eq!(h.x(A1), 0);
}

#[test]
fn translation_flags_follow_mprv_sum_and_fs() {
    use crate::translate::{FsState, TbFlags, mmu_idx};
    let mut h = Hart::new();
    let f = |h: &Hart| TbFlags::from_state(&State::view(&h.state));
    assert_eq!((f(&h).priv_mode(), f(&h).data_mmu(), f(&h).fs()), (Priv::Machine, mmu_idx::MACHINE, FsState::Clean));
    // MPRV: loads and stores translate as MPP, fetch stays M.
    let m = h.get(state::MSTATUS) | csr::MSTATUS_MPRV | 1 << csr::MSTATUS_MPP_SHIFT;
    h.set(state::MSTATUS, m);
    assert_eq!((f(&h).data_mmu(), f(&h).fetch_mmu()), (mmu_idx::SUPERVISOR, mmu_idx::MACHINE));
    h.set(state::MSTATUS, m | csr::MSTATUS_SUM);
    assert_eq!(f(&h).data_mmu(), mmu_idx::SUPERVISOR_SUM);
    h.set(state::MSTATUS, m & !csr::MSTATUS_MPP);
    assert_eq!(f(&h).data_mmu(), mmu_idx::USER);
    // MPRV means nothing below M; SUM means nothing in U.
    h.set_priv(Priv::User);
    h.set(state::MSTATUS, m | csr::MSTATUS_SUM | csr::MSTATUS_FS_DIRTY);
    assert_eq!((f(&h).data_mmu(), f(&h).fetch_mmu(), f(&h).fs()), (mmu_idx::USER, mmu_idx::USER, FsState::Dirty));
}

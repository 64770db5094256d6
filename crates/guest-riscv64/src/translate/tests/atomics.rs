//! The A extension.

use super::asm::*;
use super::*;
use wemu_ir::runtime::ExitKind;

#[test]
fn amos_return_the_old_value_sign_extended() {
    let mut h = Hart::new();
    h.write_mem(DATA, MemSize::B8, 0x1_8000_0000);
    h.set_x(A0, DATA);
    h.set_x(A1, 5);
    h.run_code(&[amoadd_w(A2, A1, A0), amomaxu_w(A3, A1, A0), amomin_w(A4, A1, A0)]);
    assert_eq!(h.x(A2), 0xffff_ffff_8000_0000);
    assert_eq!(h.x(A3), 0xffff_ffff_8000_0005);
    // Signed minimum at 32 bits: 0x80000005 is negative.
    assert_eq!(h.x(A4), 0xffff_ffff_8000_0005);
    assert_eq!(h.read_mem(DATA, MemSize::B8), 0x1_8000_0005);
    h.set_x(A1, u64::MAX);
    h.run_code(&[amoswap_d(A2, A1, A0), amomaxu_d(A3, ZERO, A0)]);
    assert_eq!(h.x(A2), 0x1_8000_0005);
    assert_eq!(h.x(A3), u64::MAX);
    assert_eq!(h.read_mem(DATA, MemSize::B8), u64::MAX);
}

#[test]
fn misaligned_amo_raises_store_misaligned() {
    let mut h = Hart::with_code(&[amoadd_w(A2, A1, A0)]);
    h.set_x(A0, DATA + 2);
    h.set_x(A2, 9);
    let exit = h.step();
    assert!(matches!(exit.kind, ExitKind::Misaligned { write: true, .. }));
    assert_eq!(h.trap, Some((cause::MISALIGNED_STORE, DATA + 2, BASE)));
    assert_eq!(h.x(A2), 9);
}

#[test]
fn lr_sc_pairs() {
    let mut h = Hart::new();
    h.write_mem(DATA, MemSize::B4, 0x8000_0001);
    h.set_x(A0, DATA);
    h.set_x(A1, 42);
    h.run_code(&[lr_w(A2, A0), sc_w(A3, A1, A0), sc_w(A4, A1, A0)]);
    assert_eq!(h.x(A2), 0xffff_ffff_8000_0001);
    assert_eq!(h.x(A3), 0, "first sc succeeds");
    assert_eq!(h.x(A4), 1, "the reservation is gone");
    assert_eq!(h.read_mem(DATA, MemSize::B4), 42);
}

#[test]
fn sc_fails_when_memory_changed() {
    let mut h = Hart::new();
    h.set_x(A0, DATA);
    h.set_x(A1, 7);
    h.run_code(&[lr_d(A2, A0), sd(A1, A0, 0), sc_d(A3, A1, A0)]);
    assert_eq!(h.x(A3), 1);
    // A different address fails too, and a trap clears the reservation.
    let mut h = Hart::new();
    h.set_x(A0, DATA);
    h.set_x(A1, DATA + 8);
    h.run_code(&[lr_d(A2, A0), sc_d(A3, A2, A1)]);
    assert_eq!(h.x(A3), 1);
    assert_eq!(h.read_mem(DATA + 8, MemSize::B8), 0);
    let mut h = Hart::new();
    h.set_x(A0, DATA);
    h.run_code(&[lr_d(A2, A0)]);
    trap::enter(&mut h.st(), cause::BREAKPOINT, 0, BASE);
    h.run_code(&[sc_d(A3, A2, A0)]);
    assert_eq!(h.x(A3), 1);
}

#[test]
fn faulting_sc_leaves_rd() {
    let mut h = Hart::new();
    h.set(state::LR_ADDR, UNMAPPED);
    h.set_x(A0, UNMAPPED);
    h.set_x(A3, 77);
    h.load(BASE, &[sc_d(A3, A1, A0)]);
    let exit = h.step();
    assert!(matches!(exit.kind, ExitKind::MemFault { write: true, .. }));
    assert_eq!(h.x(A3), 77);
    assert_eq!(h.trap.map(|t| t.0), Some(cause::STORE_ACCESS));
    // The trap ended the reservation, not the faulting sc itself.
    assert_eq!(h.get(state::LR_ADDR), state::NO_RESERVATION);
}

#[test]
fn faulting_sc_keeps_the_reservation_until_the_trap() {
    let mut h = Hart::with_code(&[sc_d(A3, A1, A0)]);
    h.set(state::LR_ADDR, UNMAPPED);
    h.set_x(A0, UNMAPPED);
    let t = h.translate(1).unwrap();
    let tb = wemu_tci::TciBlock::compile(&t.block).unwrap();
    let exit = Interp::new().run(&tb, &mut h.state, &mut h.mem, &mut h.helpers);
    assert!(matches!(exit.kind, ExitKind::MemFault { .. }));
    assert_eq!(h.get(state::LR_ADDR), UNMAPPED);
}

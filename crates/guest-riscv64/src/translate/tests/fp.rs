//! F and D: NaN-boxing, rounding modes, fflags and FS.

use super::asm::*;
use super::*;
use crate::translate::EXIT_EXCEPTION;
use wemu_ir::runtime::ExitKind;

const ONE_D: u64 = 0x3ff0_0000_0000_0000;
const TWO_D: u64 = 0x4000_0000_0000_0000;
const THREE_D: u64 = 0x4008_0000_0000_0000;
const ONE_S: u64 = 0xffff_ffff_3f80_0000;

fn fs(h: &Hart) -> u64 {
    (h.get(state::MSTATUS) & csr::MSTATUS_FS) >> csr::MSTATUS_FS_SHIFT
}

#[test]
fn double_arithmetic_and_dirty_state() {
    let mut h = Hart::new();
    h.set_f(1, ONE_D);
    h.set_f(2, TWO_D);
    assert_eq!(fs(&h), 1);
    h.run_code(&[fadd_d(3, 1, 2, 7), fmadd_d(4, 1, 2, 3, 0), flt_d(A0, 1, 2), fclass_d(A1, 3)]);
    assert_eq!(h.f(3), THREE_D);
    assert_eq!(h.f(4), 0x4014_0000_0000_0000);
    assert_eq!((h.x(A0), h.x(A1)), (1, 1 << 6));
    assert_eq!(fs(&h), 3);
    assert_ne!(h.get(state::MSTATUS) & csr::MSTATUS_SD, 0);
    assert_eq!(h.get(state::FFLAGS), 0);
}

#[test]
fn flags_accrue_and_dynamic_rounding() {
    let mut h = Hart::new();
    h.set_f(1, ONE_D);
    h.set_f(2, THREE_D);
    h.set_f(5, 0);
    h.run_code(&[fdiv_d(3, 1, 2, 7), fdiv_d(4, 1, 5, 0)]);
    // 1/3 is inexact, 1/0 divides by zero.
    assert_eq!(h.get(state::FFLAGS), 0x01 | 0x08);
    assert_eq!(h.f(4), 0x7ff0_0000_0000_0000);
    let rne = h.f(3);
    // frm = RUP rounds 1/3 up.
    h.set(state::FRM, 3);
    h.run_code(&[fdiv_d(3, 1, 2, 7)]);
    assert_eq!(h.f(3), rne + 1);
}

#[test]
fn reserved_rounding_modes_are_illegal() {
    // Static rm = 5: illegal at translation.
    let mut h = Hart::with_code(&[fadd_d(3, 1, 2, 5)]);
    h.set_f(3, 9);
    assert_eq!(h.step().kind, ExitKind::Status(EXIT_EXCEPTION));
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    // Dynamic with frm = 6: illegal at run time, f3 untouched.
    let mut h = Hart::with_code(&[fadd_d(3, 1, 2, 7)]);
    h.set(state::FRM, 6);
    h.set_f(3, 9);
    assert!(matches!(h.step().kind, ExitKind::HelperFault { .. }));
    assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION));
    assert_eq!(h.f(3), 9);
}

#[test]
fn fs_off_makes_fp_illegal() {
    for insn in [fadd_d(3, 1, 2, 0), fld(1, A0, 0), fmv_d_x(1, A0), csrrs(A1, crate::csr::num::FCSR, ZERO)] {
        let mut h = Hart::with_code(&[insn]);
        h.set(state::MSTATUS, h.get(state::MSTATUS) & !csr::MSTATUS_FS);
        h.set_x(A0, DATA);
        h.step();
        assert_eq!(h.trap.map(|t| t.0), Some(cause::ILLEGAL_INSTRUCTION), "{insn:#x}");
    }
}

#[test]
fn singles_are_nan_boxed() {
    let mut h = Hart::new();
    h.write_mem(DATA, MemSize::B4, 0x3f80_0000);
    h.set_x(A0, DATA);
    h.set_x(A1, 0x4000_0000);
    h.set_f(5, 0x3f80_0000); // not boxed: reads as the canonical NaN
    h.run_code(&[
        flw(1, A0, 0),
        fmv_w_x(2, A1),
        fadd_s(3, 1, 2, 0),
        fsgnj_s(4, 5, 1),
        fsgnjx_s(6, 1, 1),
        fmv_x_w(A2, 5),
        feq_s(A3, 5, 5),
        fsw(3, A0, 4),
    ]);
    assert_eq!(h.f(1), ONE_S);
    assert_eq!(h.f(2), 0xffff_ffff_4000_0000);
    assert_eq!(h.f(3), 0xffff_ffff_4040_0000);
    assert_eq!(h.f(4), 0xffff_ffff_7fc0_0000);
    assert_eq!(h.f(6), ONE_S);
    // fmv.x.w moves the raw low bits, sign-extended.
    assert_eq!(h.x(A2), 0x3f80_0000);
    // feq on a quiet NaN: false, no flag.
    assert_eq!(h.x(A3), 0);
    assert_eq!(h.get(state::FFLAGS), 0);
    assert_eq!(h.read_mem(DATA + 4, MemSize::B4), 0x4040_0000);
}

#[test]
fn sign_injection_of_doubles() {
    let mut h = Hart::new();
    h.set_f(1, ONE_D);
    h.run_code(&[fsgnjn_d(2, 1, 1), fmin_d(3, 1, 2)]);
    assert_eq!(h.f(2), ONE_D | 1 << 63);
    assert_eq!(h.f(3), ONE_D | 1 << 63);
}

#[test]
fn conversions() {
    let mut h = Hart::new();
    h.set_f(1, 0x4004_0000_0000_0000); // 2.5
    h.set_f(2, ONE_S | 0x8000_0000); // -1.0f
    h.set_x(A0, (-3i64) as u64);
    h.run_code(&[
        fcvt_w_d(A1, 1, 0),
        fcvt_w_d(A2, 1, 3),
        fcvt_wu_s(A3, 2, 1),
        fcvt_d_l(3, A0, 0),
        fcvt_s_d(4, 1, 0),
        fcvt_d_s(5, 4, 0),
    ]);
    assert_eq!((h.x(A1), h.x(A2)), (2, 3));
    // Negative to unsigned saturates at 0 with NV.
    assert_eq!(h.x(A3), 0);
    assert_eq!(h.f(3), 0xc008_0000_0000_0000);
    assert_eq!(h.f(4), 0xffff_ffff_4020_0000);
    assert_eq!(h.f(5), 0x4004_0000_0000_0000);
    assert_ne!(h.get(state::FFLAGS) & 0x10, 0);
}

//! Hand-written corner cases of `fpu`, each from the RISC-V Unprivileged spec
//! (chapters "F" and "D") or IEEE 754-2008, plus a cross-check of the
//! round-to-nearest-even results against the host's FPU.
//!
//! The exhaustive comparison with Berkeley SoftFloat is tests/fpu_softfloat.rs.

use wemu_guest_riscv64::RoundingMode;
use wemu_guest_riscv64::fpu::{self, Flags, Rm, d, s};

const MODES: [Rm; 5] = [Rm::Rne, Rm::Rtz, Rm::Rdn, Rm::Rup, Rm::Rmm];

const NONE: Flags = Flags::NONE;
const NV: Flags = Flags::NV;
const DZ: Flags = Flags::DZ;
const NX: Flags = Flags::NX;
const UF_NX: Flags = Flags::UF.union(Flags::NX);
const OF_NX: Flags = Flags::OF.union(Flags::NX);

fn f(x: f32) -> u32 {
    x.to_bits()
}
fn g(x: f64) -> u64 {
    x.to_bits()
}

// Interesting encodings.
const S_QNAN_PAYLOAD: u32 = 0x7fc0_1234;
const S_SNAN: u32 = 0x7f80_0001;
const S_NEG_SNAN: u32 = 0xff80_0042;
const S_INF: u32 = 0x7f80_0000;
const S_NEG_INF: u32 = 0xff80_0000;
const S_MAX: u32 = 0x7f7f_ffff;
const S_MIN_NORMAL: u32 = 0x0080_0000;
const S_MAX_SUBNORMAL: u32 = 0x007f_ffff;
const S_MIN_SUBNORMAL: u32 = 0x0000_0001;
const S_NEG_ZERO: u32 = 0x8000_0000;
const D_QNAN_PAYLOAD: u64 = 0xfff8_0000_dead_beef;
const D_SNAN: u64 = 0x7ff0_0000_0000_0001;
const D_INF: u64 = 0x7ff0_0000_0000_0000;
const D_NEG_INF: u64 = 0xfff0_0000_0000_0000;
const D_MAX: u64 = 0x7fef_ffff_ffff_ffff;
const D_MIN_NORMAL: u64 = 0x0010_0000_0000_0000;
const D_MAX_SUBNORMAL: u64 = 0x000f_ffff_ffff_ffff;
const D_NEG_ZERO: u64 = 0x8000_0000_0000_0000;

#[test]
fn flags_and_rounding_modes() {
    assert_eq!(NV.bits() | DZ.bits() | Flags::OF.bits() | Flags::UF.bits() | NX.bits(), 0x1f);
    assert_eq!(format!("{:?}", NV | NX), "Flags(NV|NX)");
    assert_eq!(format!("{NONE:?}"), "Flags()");
    assert!((NV | DZ).contains(DZ) && !NV.contains(DZ));
    assert_eq!(Flags::from_bits(0xff), NV | DZ | Flags::OF | Flags::UF | NX);

    for (bits, rm) in MODES.iter().enumerate() {
        assert_eq!(Rm::from_bits(bits as u8), Some(*rm));
        assert_eq!(rm.bits(), bits as u8);
    }
    for bits in 5..=255 {
        assert_eq!(Rm::from_bits(bits), None);
    }
    // dyn takes frm, which may itself be invalid; static 5 and 6 are illegal.
    assert_eq!(Rm::resolve(RoundingMode::Dyn, 3), Some(Rm::Rup));
    assert_eq!(Rm::resolve(RoundingMode::Dyn, 5), None);
    assert_eq!(Rm::resolve(RoundingMode::Dyn, 7), None);
    assert_eq!(Rm::resolve(RoundingMode::Rtz, 7), Some(Rm::Rtz));
    assert_eq!(Rm::resolve(RoundingMode::Reserved5, 0), None);
    assert_eq!(Rm::resolve(RoundingMode::Reserved6, 0), None);
}

#[test]
fn nan_boxing_and_moves() {
    assert_eq!(fpu::nan_box(f(1.0)), 0xffff_ffff_3f80_0000);
    assert_eq!(fpu::unbox_s(0xffff_ffff_3f80_0000), f(1.0));
    // Improperly boxed: any upper bit clear.
    assert_eq!(fpu::unbox_s(0x0000_0000_3f80_0000), s::CANONICAL_NAN);
    assert_eq!(fpu::unbox_s(0xffff_fffe_3f80_0000), s::CANONICAL_NAN);
    assert_eq!(fpu::unbox_s(g(1.0)), s::CANONICAL_NAN);
    // A boxed signaling NaN stays what it is.
    assert_eq!(fpu::unbox_s(fpu::nan_box(S_SNAN)), S_SNAN);
    // fmv.x.w sign-extends the low word without unboxing; fmv.w.x boxes.
    assert_eq!(fpu::fmv_x_w(0x1234_5678_8000_0001), 0xffff_ffff_8000_0001);
    assert_eq!(fpu::fmv_x_w(0xffff_ffff_7fc0_0000), 0x7fc0_0000);
    assert_eq!(fpu::fmv_w_x(0xdead_beef_3f80_0000), 0xffff_ffff_3f80_0000);
}

#[test]
fn nan_results_are_canonical() {
    assert_eq!(s::CANONICAL_NAN, 0x7fc0_0000);
    assert_eq!(d::CANONICAL_NAN, 0x7ff8_0000_0000_0000);
    for rm in MODES {
        // A quiet NaN operand propagates as the canonical NaN, quietly.
        assert_eq!(s::add(S_QNAN_PAYLOAD, f(1.0), rm), (s::CANONICAL_NAN, NONE));
        assert_eq!(s::mul(f(2.0), 0xffc0_0001, rm), (s::CANONICAL_NAN, NONE));
        assert_eq!(d::div(D_QNAN_PAYLOAD, g(3.0), rm), (d::CANONICAL_NAN, NONE));
        assert_eq!(d::madd(g(1.0), g(2.0), D_QNAN_PAYLOAD, rm), (d::CANONICAL_NAN, NONE));
        // A signaling one raises NV.
        assert_eq!(s::sub(f(1.0), S_SNAN, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(s::sqrt(S_NEG_SNAN, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::add(D_SNAN, D_QNAN_PAYLOAD, rm), (d::CANONICAL_NAN, NV));
        assert_eq!(d::nmsub(g(1.0), g(1.0), D_SNAN, rm), (d::CANONICAL_NAN, NV));
        // Conversions between the formats canonicalize too.
        assert_eq!(d::to_s(D_QNAN_PAYLOAD, rm), (s::CANONICAL_NAN, NONE));
        assert_eq!(d::to_s(D_SNAN, rm), (s::CANONICAL_NAN, NV));
    }
    assert_eq!(s::to_d(S_QNAN_PAYLOAD), (d::CANONICAL_NAN, NONE));
    assert_eq!(s::to_d(S_SNAN), (d::CANONICAL_NAN, NV));
}

#[test]
fn invalid_operations() {
    for rm in MODES {
        // 0 * inf, inf - inf, 0 / 0, inf / inf.
        assert_eq!(s::mul(0, S_INF, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::mul(D_NEG_INF, D_NEG_ZERO, rm), (d::CANONICAL_NAN, NV));
        assert_eq!(s::add(S_INF, S_NEG_INF, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::sub(D_INF, D_INF, rm), (d::CANONICAL_NAN, NV));
        assert_eq!(s::div(0, S_NEG_ZERO, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::div(D_INF, D_NEG_INF, rm), (d::CANONICAL_NAN, NV));
        // Fused: inf * 0 is invalid even with a quiet NaN addend (spec §"Single-
        // Precision Floating-Point Computational Instructions"); inf * x - inf too.
        assert_eq!(s::madd(S_INF, 0, S_QNAN_PAYLOAD, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::nmadd(0, D_NEG_INF, D_QNAN_PAYLOAD, rm), (d::CANONICAL_NAN, NV));
        assert_eq!(s::madd(S_INF, f(1.0), S_NEG_INF, rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::msub(D_INF, g(1.0), D_INF, rm), (d::CANONICAL_NAN, NV));
        // ...but inf * x + inf of the same sign is inf.
        assert_eq!(s::nmadd(S_INF, f(2.0), S_INF, rm), (S_NEG_INF, NONE));
        // Square root of a negative number, -inf included; sqrt(-0) is -0.
        assert_eq!(s::sqrt(f(-1.0), rm), (s::CANONICAL_NAN, NV));
        assert_eq!(d::sqrt(g(-1e-300), rm), (d::CANONICAL_NAN, NV));
        assert_eq!(d::sqrt(D_NEG_INF, rm), (d::CANONICAL_NAN, NV));
        assert_eq!(s::sqrt(S_NEG_ZERO, rm), (S_NEG_ZERO, NONE));
        assert_eq!(d::sqrt(D_INF, rm), (D_INF, NONE));
    }
}

#[test]
fn division_by_zero() {
    for rm in MODES {
        assert_eq!(s::div(f(1.0), 0, rm), (S_INF, DZ));
        assert_eq!(s::div(f(-1.0), 0, rm), (S_NEG_INF, DZ));
        assert_eq!(d::div(g(1e-300), D_NEG_ZERO, rm), (D_NEG_INF, DZ));
        // inf / 0 is an exact infinity, not a division by zero.
        assert_eq!(d::div(D_INF, 0, rm), (D_INF, NONE));
        assert_eq!(s::div(f(1.0), S_INF, rm), (0, NONE));
    }
}

#[test]
fn exact_zero_signs() {
    // x + (-x) is +0, except -0 when rounding down (IEEE 754 §6.3).
    for rm in MODES {
        let zero = if rm == Rm::Rdn { S_NEG_ZERO } else { 0 };
        assert_eq!(s::add(f(1.5), f(-1.5), rm), (zero, NONE));
        assert_eq!(s::add(0, S_NEG_ZERO, rm), (zero, NONE));
        assert_eq!(s::madd(f(1.0), f(1.0), f(-1.0), rm), (zero, NONE));
        assert_eq!(s::madd(0, f(1.0), S_NEG_ZERO, rm), (zero, NONE));
        let dzero = if rm == Rm::Rdn { D_NEG_ZERO } else { 0 };
        assert_eq!(d::sub(g(2.0), g(2.0), rm), (dzero, NONE));
        assert_eq!(d::msub(g(3.0), g(2.0), g(6.0), rm), (dzero, NONE));
        // Same-signed zeros keep their sign.
        assert_eq!(s::add(S_NEG_ZERO, S_NEG_ZERO, rm), (S_NEG_ZERO, NONE));
        assert_eq!(d::sub(D_NEG_ZERO, 0, rm), (D_NEG_ZERO, NONE));
        assert_eq!(d::nmadd(0, g(1.0), 0, rm), (D_NEG_ZERO, NONE));
        // x + 0 is x exactly, even where x is a subnormal.
        assert_eq!(s::add(S_MIN_SUBNORMAL, S_NEG_ZERO, rm), (S_MIN_SUBNORMAL, NONE));
        // Integer zero converts to +0.
        assert_eq!(s::from_w(0, rm), (0, NONE));
        assert_eq!(d::from_l(0, rm), (0, NONE));
    }
}

#[test]
fn halfway_cases_in_every_mode() {
    // 1 + 2^-24 lies halfway between 1 and 1 + ulp (even below); 1 + ulp +
    // 2^-24 halfway between 1 + ulp and 1 + 2ulp (even above).
    let one = f(1.0);
    let half_ulp = f(2f32.powi(-24));
    let cases = [
        (Rm::Rne, one, one + 2),
        (Rm::Rtz, one, one + 1),
        (Rm::Rdn, one, one + 1),
        (Rm::Rup, one + 1, one + 2),
        (Rm::Rmm, one + 1, one + 2),
    ];
    for (rm, even_below, even_above) in cases {
        assert_eq!(s::add(one, half_ulp, rm), (even_below, NX), "{rm:?}");
        assert_eq!(s::add(one + 1, half_ulp, rm), (even_above, NX), "{rm:?}");
    }
    // The negative side mirrors it, with RDN and RUP swapped.
    let neg = |x: u32| x | 0x8000_0000;
    for (rm, away) in [(Rm::Rne, false), (Rm::Rtz, false), (Rm::Rdn, true), (Rm::Rup, false), (Rm::Rmm, true)] {
        let expected = if away { neg(one + 1) } else { neg(one) };
        assert_eq!(s::sub(neg(one), half_ulp, rm), (expected, NX), "{rm:?}");
    }
    // binary64: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
    for (rm, expected) in [(Rm::Rne, 0), (Rm::Rtz, 0), (Rm::Rdn, 0), (Rm::Rup, 1), (Rm::Rmm, 1)] {
        assert_eq!(d::from_l((1 << 53) + 1, rm), (g(2f64.powi(53)) + expected, NX), "{rm:?}");
    }
    // Float to integer: 2.5 and -2.5, and 3.5 for ties-to-even going up.
    let cases =
        [(Rm::Rne, 2, -2, 4), (Rm::Rtz, 2, -2, 3), (Rm::Rdn, 2, -3, 3), (Rm::Rup, 3, -2, 4), (Rm::Rmm, 3, -3, 4)];
    for (rm, pos, neg, three_half) in cases {
        assert_eq!(s::to_w(f(2.5), rm), (pos, NX), "{rm:?}");
        assert_eq!(d::to_l(g(-2.5), rm), (neg, NX), "{rm:?}");
        assert_eq!(d::to_wu(g(3.5), rm), (three_half, NX), "{rm:?}");
    }
}

#[test]
fn overflow_depends_on_the_mode() {
    // Positive overflow: to +inf when rounding to nearest or up, else to the
    // largest finite number. Negative: mirrored.
    let cases = [
        (Rm::Rne, true, true),
        (Rm::Rtz, false, false),
        (Rm::Rdn, false, true),
        (Rm::Rup, true, false),
        (Rm::Rmm, true, true),
    ];
    for (rm, pos_inf, neg_inf) in cases {
        let sp = if pos_inf { S_INF } else { S_MAX };
        let sn = if neg_inf { S_NEG_INF } else { S_MAX | 0x8000_0000 };
        assert_eq!(s::mul(S_MAX, f(2.0), rm), (sp, OF_NX), "{rm:?}");
        assert_eq!(s::add(S_MAX | 0x8000_0000, S_MAX | 0x8000_0000, rm), (sn, OF_NX), "{rm:?}");
        let dp = if pos_inf { D_INF } else { D_MAX };
        assert_eq!(d::div(D_MAX, g(0.5), rm), (dp, OF_NX), "{rm:?}");
        // binary64 to binary32.
        assert_eq!(d::to_s(g(1e300), rm), (sp, OF_NX), "{rm:?}");
    }
    // Rounding up to exactly 2^128 overflows; the largest finite number plus
    // a little that rounds back down does not.
    assert_eq!(s::add(S_MAX, f(2f32.powi(103)), Rm::Rne), (S_INF, OF_NX));
    assert_eq!(s::add(S_MAX, f(2f32.powi(102)), Rm::Rne), (S_MAX, NX));
    assert_eq!(s::add(S_MAX, f(2f32.powi(102)), Rm::Rup), (S_INF, OF_NX));
}

#[test]
fn subnormals_and_underflow() {
    // Exact subnormal results raise nothing, however tiny.
    assert_eq!(s::add(S_MIN_SUBNORMAL, S_MIN_SUBNORMAL, Rm::Rne), (2, NONE));
    assert_eq!(s::mul(S_MIN_NORMAL, f(0.5), Rm::Rne), (0x0040_0000, NONE));
    assert_eq!(d::sub(D_MIN_NORMAL, D_MAX_SUBNORMAL, Rm::Rne), (1, NONE));
    // Half the smallest subnormal: a tie between 0 and it.
    let cases = [(Rm::Rne, 0), (Rm::Rtz, 0), (Rm::Rdn, 0), (Rm::Rup, 1), (Rm::Rmm, 1)];
    for (rm, expected) in cases {
        assert_eq!(s::mul(S_MIN_SUBNORMAL, f(0.5), rm), (expected, UF_NX), "{rm:?}");
    }
    // Subnormal operands are exact inputs: binary32 subnormals widen to
    // normal binary64 numbers, and their square roots are normal.
    assert_eq!(s::to_d(S_MIN_SUBNORMAL), (g(2f64.powi(-149)), NONE));
    assert_eq!(s::sqrt(0x0000_0002, Rm::Rne), (f(2f32.powi(-74)), NONE));
    assert_eq!(d::mul(D_MAX_SUBNORMAL, g(2.0), Rm::Rne), (0x001f_ffff_ffff_fffe, NONE));
}

#[test]
fn underflow_tininess_is_detected_after_rounding() {
    // (1 + 2^-23) * (2^-126 - 2^-149) = 2^-126 * (1 - 2^-46): rounding it to
    // 24 bits with an unbounded exponent gives 2^-126 when rounding to
    // nearest or up, so the result is not tiny and UF stays clear, although
    // the value before rounding is below the normal range. Rounding down or
    // towards zero leaves it tiny: the largest subnormal, with UF.
    let cases = [
        (Rm::Rne, S_MIN_NORMAL, NX),
        (Rm::Rmm, S_MIN_NORMAL, NX),
        (Rm::Rup, S_MIN_NORMAL, NX),
        (Rm::Rtz, S_MAX_SUBNORMAL, UF_NX),
        (Rm::Rdn, S_MAX_SUBNORMAL, UF_NX),
    ];
    for (rm, value, flags) in cases {
        assert_eq!(s::mul(0x3f80_0001, S_MAX_SUBNORMAL, rm), (value, flags), "{rm:?}");
    }
    // The same in binary64, and for fcvt.s.d of 2^-126 * (1 - 2^-26).
    for (rm, value, flags) in [(Rm::Rne, D_MIN_NORMAL, NX), (Rm::Rtz, D_MAX_SUBNORMAL, UF_NX)] {
        assert_eq!(d::mul(0x3ff0_0000_0000_0001, D_MAX_SUBNORMAL, rm), (value, flags), "{rm:?}");
    }
    let just_below = g(2f64.powi(-126) * (1.0 - 2f64.powi(-26)));
    assert_eq!(d::to_s(just_below, Rm::Rne), (S_MIN_NORMAL, NX));
    assert_eq!(d::to_s(just_below, Rm::Rtz), (S_MAX_SUBNORMAL, UF_NX));
    // 2^-126 - 2^-150 is representable with an unbounded exponent, so it is
    // tiny even though it rounds (a tie, to even) up to 2^-126: UF is set.
    assert_eq!(s::mul(0x3f7f_ffff, S_MIN_NORMAL, Rm::Rne), (S_MIN_NORMAL, UF_NX));
    assert_eq!(d::mul(0x3fef_ffff_ffff_ffff, D_MIN_NORMAL, Rm::Rne), (D_MIN_NORMAL, UF_NX));
}

#[test]
fn fused_multiply_add_rounds_once() {
    // (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 exactly; rounding the product first
    // (a tie, to even) would lose the 2^-24.
    let a = 0x3f80_0800;
    let exact = f(2f32.powi(-11) + 2f32.powi(-24));
    assert_eq!(s::mul(a, a, Rm::Rne), (f(1.0 + 2f32.powi(-11)), NX));
    assert_eq!(s::madd(a, a, f(-1.0), Rm::Rne), (exact, NONE));
    assert_eq!(s::msub(a, a, f(1.0), Rm::Rne), (exact, NONE));
    assert_eq!(s::nmsub(a, a, f(1.0), Rm::Rne), (exact | 0x8000_0000, NONE));
    assert_eq!(s::nmadd(a, a, f(-1.0), Rm::Rne), (exact | 0x8000_0000, NONE));
    // A tiny addend decides a tie: (1 + 2^-23) * 1.5 = 1.5 + 2^-23 + 2^-24
    // lies halfway between 0x3fc0_0001 and 0x3fc0_0002.
    let (x, y, tiny) = (0x3f80_0001, f(1.5), f(2f32.powi(-60)));
    assert_eq!(s::mul(x, y, Rm::Rne), (0x3fc0_0002, NX));
    assert_eq!(s::madd(x, y, tiny, Rm::Rne), (0x3fc0_0002, NX));
    assert_eq!(s::madd(x, y, tiny | 0x8000_0000, Rm::Rne), (0x3fc0_0001, NX));
    assert_eq!(s::msub(x, y, tiny, Rm::Rne), (0x3fc0_0001, NX));
}

#[test]
fn min_max() {
    for (a, b) in [(0, S_NEG_ZERO), (S_NEG_ZERO, 0)] {
        assert_eq!(s::min(a, b), (S_NEG_ZERO, NONE));
        assert_eq!(s::max(a, b), (0, NONE));
    }
    for (a, b) in [(0, D_NEG_ZERO), (D_NEG_ZERO, 0)] {
        assert_eq!(d::min(a, b), (D_NEG_ZERO, NONE));
        assert_eq!(d::max(a, b), (0, NONE));
    }
    assert_eq!(s::min(f(-1.0), f(2.0)), (f(-1.0), NONE));
    assert_eq!(s::max(S_NEG_INF, f(-3.0)), (f(-3.0), NONE));
    // One quiet NaN: the number wins, quietly. A signaling NaN still wins
    // nothing, but raises NV.
    assert_eq!(s::min(S_QNAN_PAYLOAD, f(1.0)), (f(1.0), NONE));
    assert_eq!(s::max(f(1.0), S_QNAN_PAYLOAD), (f(1.0), NONE));
    assert_eq!(s::min(S_SNAN, f(1.0)), (f(1.0), NV));
    assert_eq!(d::max(g(-7.0), D_SNAN), (g(-7.0), NV));
    // Two NaNs: the canonical NaN.
    assert_eq!(s::min(S_QNAN_PAYLOAD, S_QNAN_PAYLOAD), (s::CANONICAL_NAN, NONE));
    assert_eq!(d::max(D_SNAN, D_QNAN_PAYLOAD), (d::CANONICAL_NAN, NV));
}

#[test]
fn comparisons() {
    // feq is quiet: NV only for signaling NaNs.
    assert_eq!(s::eq(S_QNAN_PAYLOAD, f(1.0)), (false, NONE));
    assert_eq!(s::eq(S_SNAN, f(1.0)), (false, NV));
    assert_eq!(d::eq(D_QNAN_PAYLOAD, D_QNAN_PAYLOAD), (false, NONE));
    assert_eq!(s::eq(0, S_NEG_ZERO), (true, NONE));
    // flt and fle signal on every NaN.
    assert_eq!(s::lt(S_QNAN_PAYLOAD, f(1.0)), (false, NV));
    assert_eq!(d::le(g(1.0), D_QNAN_PAYLOAD), (false, NV));
    assert_eq!(d::lt(D_SNAN, g(1.0)), (false, NV));
    // -0 == +0.
    assert_eq!(s::lt(S_NEG_ZERO, 0), (false, NONE));
    assert_eq!(s::le(0, S_NEG_ZERO), (true, NONE));
    assert_eq!(d::lt(D_NEG_INF, g(-1e308)), (true, NONE));
    assert_eq!(d::le(g(-2.0), g(-3.0)), (false, NONE));
    assert_eq!(s::lt(S_MAX_SUBNORMAL, S_MIN_NORMAL), (true, NONE));
}

#[test]
fn classes() {
    let cases = [
        (S_NEG_INF, 0),
        (f(-1.0), 1),
        (0x8000_0001, 2),
        (S_NEG_ZERO, 3),
        (0, 4),
        (S_MAX_SUBNORMAL, 5),
        (S_MIN_NORMAL, 6),
        (S_INF, 7),
        (S_SNAN, 8),
        (S_NEG_SNAN, 8),
        (S_QNAN_PAYLOAD, 9),
        (s::CANONICAL_NAN, 9),
    ];
    for (x, bit) in cases {
        assert_eq!(s::class(x), 1 << bit, "{x:#x}");
    }
    let cases = [
        (D_NEG_INF, 0),
        (g(-1e300), 1),
        (D_MAX_SUBNORMAL | D_NEG_ZERO, 2),
        (D_NEG_ZERO, 3),
        (0, 4),
        (1, 5),
        (D_MAX, 6),
        (D_INF, 7),
        (D_SNAN, 8),
        (D_QNAN_PAYLOAD, 9),
    ];
    for (x, bit) in cases {
        assert_eq!(d::class(x), 1 << bit, "{x:#x}");
    }
}

#[test]
fn sign_injection() {
    // fneg and fabs are fsgnjn and fsgnjx with equal operands; NaN payloads
    // pass through untouched (sign injection is not arithmetic).
    assert_eq!(s::sgnjn(f(1.5), f(1.5)), f(-1.5));
    assert_eq!(s::sgnjx(f(-1.5), f(-1.5)), f(1.5));
    assert_eq!(s::sgnj(S_SNAN, f(-1.0)), S_SNAN | 0x8000_0000);
    assert_eq!(d::sgnj(g(2.0), D_NEG_ZERO), g(-2.0));
    assert_eq!(d::sgnjn(D_QNAN_PAYLOAD, D_QNAN_PAYLOAD), D_QNAN_PAYLOAD & !D_NEG_ZERO);
    assert_eq!(d::sgnjx(g(-2.0), g(3.0)), g(-2.0));
}

#[test]
fn float_to_integer_saturates() {
    // Spec table "Domains of float-to-integer conversions and behavior for
    // invalid inputs": NaN and too-large positive values give the largest
    // integer, too-large negative values the smallest, with NV and no NX.
    for rm in MODES {
        assert_eq!(s::to_w(s::CANONICAL_NAN, rm), (i32::MAX, NV));
        assert_eq!(s::to_w(S_NEG_SNAN, rm), (i32::MAX, NV));
        assert_eq!(s::to_w(S_INF, rm), (i32::MAX, NV));
        assert_eq!(s::to_w(S_NEG_INF, rm), (i32::MIN, NV));
        assert_eq!(s::to_w(f(3e9), rm), (i32::MAX, NV));
        assert_eq!(s::to_w(f(-3e9), rm), (i32::MIN, NV));
        assert_eq!(s::to_w(f(-2147483648.0), rm), (i32::MIN, NONE));
        assert_eq!(s::to_w(f(2147483648.0), rm), (i32::MAX, NV));
        assert_eq!(s::to_wu(S_QNAN_PAYLOAD, rm), (u32::MAX, NV));
        assert_eq!(s::to_wu(S_NEG_INF, rm), (0, NV));
        assert_eq!(s::to_wu(f(-1.0), rm), (0, NV));
        assert_eq!(s::to_wu(f(4294967040.0), rm), (4294967040, NONE));
        assert_eq!(d::to_wu(g(4294967296.0), rm), (u32::MAX, NV));
        assert_eq!(d::to_l(d::CANONICAL_NAN, rm), (i64::MAX, NV));
        assert_eq!(d::to_l(D_NEG_INF, rm), (i64::MIN, NV));
        assert_eq!(d::to_l(g(-9223372036854775808.0), rm), (i64::MIN, NONE));
        assert_eq!(d::to_l(g(9223372036854775808.0), rm), (i64::MAX, NV));
        assert_eq!(d::to_lu(g(18446744073709551616.0), rm), (u64::MAX, NV));
        assert_eq!(d::to_lu(g(-1.0), rm), (0, NV));
        assert_eq!(s::to_lu(f(1.8446743e19), rm), (18446742974197923840, NONE));
        assert_eq!(s::to_l(S_MIN_SUBNORMAL | 0x8000_0000, Rm::Rne), (0, NX));
        assert_eq!(d::to_w(D_NEG_ZERO, rm), (0, NONE));
    }
    // The range check applies to the rounded value.
    assert_eq!(d::to_w(g(2147483647.5), Rm::Rne), (i32::MAX, NV));
    assert_eq!(d::to_w(g(2147483647.5), Rm::Rtz), (i32::MAX, NX));
    assert_eq!(d::to_w(g(-2147483648.5), Rm::Rtz), (i32::MIN, NX));
    assert_eq!(d::to_w(g(-2147483648.5), Rm::Rdn), (i32::MIN, NV));
    // A negative value that rounds to 0 is a valid unsigned conversion.
    assert_eq!(s::to_wu(f(-0.5), Rm::Rtz), (0, NX));
    assert_eq!(s::to_wu(f(-0.5), Rm::Rne), (0, NX));
    assert_eq!(s::to_wu(f(-0.5), Rm::Rdn), (0, NV));
    assert_eq!(d::to_lu(g(-0.75), Rm::Rup), (0, NX));
    assert_eq!(d::to_lu(g(-0.75), Rm::Rmm), (0, NV));
}

#[test]
fn integer_to_float() {
    assert_eq!(s::from_w(-1, Rm::Rne), (f(-1.0), NONE));
    assert_eq!(s::from_w(i32::MIN, Rm::Rne), (f(-2147483648.0), NONE));
    assert_eq!(d::from_w(i32::MIN, Rm::Rne), (g(-2147483648.0), NONE));
    assert_eq!(d::from_wu(u32::MAX, Rm::Rtz), (g(4294967295.0), NONE));
    assert_eq!(d::from_l(i64::MIN, Rm::Rne), (g(-9223372036854775808.0), NONE));
    // 2^64 - 1 rounds up to 2^64 or down to the float below.
    assert_eq!(s::from_lu(u64::MAX, Rm::Rne), (f(18446744073709551616.0), NX));
    assert_eq!(s::from_lu(u64::MAX, Rm::Rtz), (0x5f7f_ffff, NX));
    assert_eq!(d::from_lu(u64::MAX, Rm::Rdn), (0x43ef_ffff_ffff_ffff, NX));
    assert_eq!(s::from_wu(16_777_217, Rm::Rne), (f(16_777_216.0), NX));
    assert_eq!(s::from_wu(16_777_217, Rm::Rup), (f(16_777_218.0), NX));
    assert_eq!(s::from_l(-16_777_217, Rm::Rdn), (f(-16_777_218.0), NX));
}

/// The host FPU (Rust's `f32`/`f64`, IEEE 754 with round-to-nearest-even;
/// `mul_add` is fused) agrees with our RNE results. Flags are not visible
/// there, and host NaNs keep payloads, so NaN results only have to be NaN on
/// both sides (ours canonical).
#[test]
fn host_fpu_agrees_in_rne() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Mostly values of moderate size, with some of any encoding.
    let float64 = |next: &mut dyn FnMut() -> u64| {
        let x = next();
        if x & 3 == 0 { x } else { (x & 0x800f_ffff_ffff_ffff) | ((x >> 52) % 120 + 960) << 52 }
    };
    let check_s = |name: &str, ours: (u32, Flags), host: f32| {
        if host.is_nan() {
            assert_eq!(ours.0, s::CANONICAL_NAN, "{name}");
        } else {
            assert_eq!(ours.0, host.to_bits(), "{name}: ours {:#x}, host {host:e}", ours.0);
        }
    };
    for _ in 0..20_000 {
        let (a, b, c) = (float64(&mut next), float64(&mut next), float64(&mut next));
        let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
        let check_d = |name: &str, ours: (u64, Flags), host: f64| {
            if host.is_nan() {
                assert_eq!(ours.0, d::CANONICAL_NAN, "{name}");
            } else {
                assert_eq!(ours.0, host.to_bits(), "{name} {a:#x} {b:#x} {c:#x}");
            }
        };
        check_d("fadd.d", d::add(a, b, Rm::Rne), x + y);
        check_d("fsub.d", d::sub(a, b, Rm::Rne), x - y);
        check_d("fmul.d", d::mul(a, b, Rm::Rne), x * y);
        check_d("fdiv.d", d::div(a, b, Rm::Rne), x / y);
        check_d("fsqrt.d", d::sqrt(a, Rm::Rne), x.sqrt());
        check_d("fmadd.d", d::madd(a, b, c, Rm::Rne), x.mul_add(y, z));
        check_d("fcvt.d.l", d::from_l(a as i64, Rm::Rne), a as i64 as f64);
        let (a, b, c) = (a as u32, b as u32, c as u32);
        let (x, y, z) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
        check_s("fadd.s", s::add(a, b, Rm::Rne), x + y);
        check_s("fmul.s", s::mul(a, b, Rm::Rne), x * y);
        check_s("fdiv.s", s::div(a, b, Rm::Rne), x / y);
        check_s("fsqrt.s", s::sqrt(a, Rm::Rne), x.sqrt());
        check_s("fmadd.s", s::madd(a, b, c, Rm::Rne), x.mul_add(y, z));
        check_s("fcvt.s.d", d::to_s(f64::to_bits(x as f64 * 1.5), Rm::Rne), (x as f64 * 1.5) as f32);
    }
}

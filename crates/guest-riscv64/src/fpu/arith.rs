//! Add, multiply, divide, square root and fused multiply-add, each correctly
//! rounded once (IEEE 754 §5.4.1), with RISC-V's NaN rule: any NaN result is
//! the canonical NaN, and NV is raised for signaling NaN operands and for the
//! invalid operations of §7.2.
//!
//! Finite operands are exact integers here: significands are widened into a
//! `u128` with many guard bits, combined exactly or with a sticky bit, and
//! handed to [`norm_round_pack`].

use super::format::{Format, Kind, sign_bit, unpack};
use super::round::{norm_round_pack, shift_right_jam};
use super::{Flags, Rm};

/// The canonical NaN, with NV if `invalid`.
const fn nan<F: Format>(invalid: bool) -> (u64, Flags) {
    (F::CANONICAL_NAN, Flags::when(invalid, Flags::NV))
}

/// Infinity of sign `sign`.
const fn inf<F: Format>(sign: bool) -> (u64, Flags) {
    (sign_bit::<F>(sign) | F::INF, Flags::NONE)
}

/// Zero of sign `sign`.
const fn zero<F: Format>(sign: bool) -> (u64, Flags) {
    (sign_bit::<F>(sign), Flags::NONE)
}

/// The sign of an exact zero sum `x + y` of operands with signs `sx`, `sy`
/// (IEEE 754 §6.3): the common sign, or +0 except -0 when rounding down.
const fn zero_sum_sign(sx: bool, sy: bool, rm: Rm) -> bool {
    if sx == sy { sx } else { matches!(rm, Rm::Rdn) }
}

/// `a + b`, or `a - b` when `negate_b`.
pub(crate) fn add<F: Format>(a: u64, b: u64, negate_b: bool, rm: Rm) -> (u64, Flags) {
    let (sa, ka) = unpack::<F>(a);
    let (sb, kb) = unpack::<F>(b);
    let sb = sb ^ negate_b;
    match (ka, kb) {
        (Kind::Nan { .. }, _) | (_, Kind::Nan { .. }) => nan::<F>(ka.is_snan() || kb.is_snan()),
        (Kind::Inf, Kind::Inf) if sa != sb => nan::<F>(true),
        (Kind::Inf, _) => inf::<F>(sa),
        (_, Kind::Inf) => inf::<F>(sb),
        (Kind::Zero, Kind::Zero) => zero::<F>(zero_sum_sign(sa, sb, rm)),
        (Kind::Zero, _) => ((b & !F::SIGN) | sign_bit::<F>(sb), Flags::NONE),
        (_, Kind::Zero) => (a, Flags::NONE),
        (Kind::Finite { exp: ea, sig: ma }, Kind::Finite { exp: eb, sig: mb }) => {
            // Bit 125 leaves room for the carry of a sum.
            add_aligned::<F>((sa, ea, (ma as u128) << 62), (sb, eb, (mb as u128) << 62), rm)
        }
    }
}

/// Adds two nonzero terms `(sign, exp, sig)`, each worth
/// `(-1)^sign * sig * 2^(exp - 125)` with bit 125 of `sig` set and at least
/// 19 zero bits at the bottom, and rounds the sum once.
fn add_aligned<F: Format>(x: (bool, i32, u128), y: (bool, i32, u128), rm: Rm) -> (u64, Flags) {
    // Order by magnitude, so only the smaller term is shifted.
    let (big, small) = if (x.1, x.2) >= (y.1, y.2) { (x, y) } else { (y, x) };
    let (sign, exp, big_sig) = big;
    // The exponent gap can exceed u32 range only in theory; saturate.
    let gap = u32::try_from(exp - small.1).unwrap_or(u32::MAX);
    // A shift of more than one loses bits only far below the round bit, and
    // then the sum cancels at most one leading bit, so the sticky bit is
    // enough for correct rounding. Shifts of 0 or 1 are exact.
    let small_sig = shift_right_jam(small.2, gap);
    let sum = if sign == small.0 { big_sig + small_sig } else { big_sig - small_sig };
    if sum == 0 {
        // Exact cancellation (only possible with gap 0).
        return zero::<F>(zero_sum_sign(sign, small.0, rm));
    }
    norm_round_pack::<F>(sign, exp + 2, sum, rm)
}

/// `a * b`.
pub(crate) fn mul<F: Format>(a: u64, b: u64, rm: Rm) -> (u64, Flags) {
    let (sa, ka) = unpack::<F>(a);
    let (sb, kb) = unpack::<F>(b);
    let sign = sa ^ sb;
    match (ka, kb) {
        (Kind::Nan { .. }, _) | (_, Kind::Nan { .. }) => nan::<F>(ka.is_snan() || kb.is_snan()),
        (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => nan::<F>(true),
        (Kind::Inf, _) | (_, Kind::Inf) => inf::<F>(sign),
        (Kind::Zero, _) | (_, Kind::Zero) => zero::<F>(sign),
        (Kind::Finite { exp: ea, sig: ma }, Kind::Finite { exp: eb, sig: mb }) => {
            // (ma / 2^63) * (mb / 2^63) = product / 2^126: exact.
            norm_round_pack::<F>(sign, ea + eb + 1, ma as u128 * mb as u128, rm)
        }
    }
}

/// `a / b`.
pub(crate) fn div<F: Format>(a: u64, b: u64, rm: Rm) -> (u64, Flags) {
    let (sa, ka) = unpack::<F>(a);
    let (sb, kb) = unpack::<F>(b);
    let sign = sa ^ sb;
    match (ka, kb) {
        (Kind::Nan { .. }, _) | (_, Kind::Nan { .. }) => nan::<F>(ka.is_snan() || kb.is_snan()),
        (Kind::Inf, Kind::Inf) | (Kind::Zero, Kind::Zero) => nan::<F>(true),
        (Kind::Inf, _) | (_, Kind::Zero) => {
            // finite / 0 is the division-by-zero exception; inf / x is exact.
            (sign_bit::<F>(sign) | F::INF, Flags::when(ka != Kind::Inf, Flags::DZ))
        }
        (Kind::Zero, _) | (_, Kind::Inf) => zero::<F>(sign),
        (Kind::Finite { exp: ea, sig: ma }, Kind::Finite { exp: eb, sig: mb }) => {
            // ma * 2^64 / mb has 64 or 65 bits; the remainder becomes the
            // sticky bit. mb has bit 63 set, so the divisions cannot fail.
            let n = (ma as u128) << 64;
            let d = mb as u128;
            let q = n.checked_div(d).unwrap_or(0);
            let inexact = n.checked_rem(d).unwrap_or(0) != 0;
            // value = q / 2^64 * 2^(ea - eb) = q * 2^((ea - eb + 63) - 127)
            norm_round_pack::<F>(sign, ea - eb + 63, q | inexact as u128, rm)
        }
    }
}

/// `sqrt(a)`.
pub(crate) fn sqrt<F: Format>(a: u64, rm: Rm) -> (u64, Flags) {
    let (sign, kind) = unpack::<F>(a);
    match kind {
        Kind::Nan { signaling } => nan::<F>(signaling),
        // sqrt(-0) = -0.
        Kind::Zero => (a, Flags::NONE),
        _ if sign => nan::<F>(true),
        Kind::Inf => (a, Flags::NONE),
        Kind::Finite { exp, sig } => {
            // value = sig * 2^(exp - 63). Scale sig by 2^63 or 2^64 so the
            // remaining power of two is even; its integer square root then
            // has 64 bits (at least PREC + 2) and the remainder is sticky.
            let scale = if exp & 1 == 0 { 63 } else { 64 };
            let n = (sig as u128) << scale;
            let root = n.isqrt();
            let inexact = root * root != n;
            // sqrt(value) = root * 2^half_exp = (root << 64) * 2^((half_exp + 63) - 127)
            let half_exp = (exp - 63 - scale).div_euclid(2);
            norm_round_pack::<F>(false, half_exp + 63, root << 64 | inexact as u128, rm)
        }
    }
}

/// `(a * b) + c` rounded once, with the product and/or the addend negated:
/// `fmadd` (false, false), `fmsub` (false, true), `fnmsub` (true, false),
/// `fnmadd` (true, true).
pub(crate) fn mul_add<F: Format>(a: u64, b: u64, c: u64, negate_product: bool, negate_c: bool, rm: Rm) -> (u64, Flags) {
    let (sa, ka) = unpack::<F>(a);
    let (sb, kb) = unpack::<F>(b);
    let (sc, kc) = unpack::<F>(c);
    let sp = sa ^ sb ^ negate_product;
    let sc = sc ^ negate_c;
    let inf_times_zero = matches!((ka, kb), (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf));
    if ka.is_nan() || kb.is_nan() || kc.is_nan() {
        // RISC-V: ∞ × 0 raises NV even when the addend is a quiet NaN.
        return nan::<F>(ka.is_snan() || kb.is_snan() || kc.is_snan() || inf_times_zero);
    }
    if inf_times_zero {
        return nan::<F>(true);
    }
    match (ka, kb, kc) {
        (Kind::Inf, _, _) | (_, Kind::Inf, _) => {
            if kc == Kind::Inf && sc != sp {
                nan::<F>(true)
            } else {
                inf::<F>(sp)
            }
        }
        (_, _, Kind::Inf) => inf::<F>(sc),
        (Kind::Zero, _, Kind::Zero) | (_, Kind::Zero, Kind::Zero) => zero::<F>(zero_sum_sign(sp, sc, rm)),
        (Kind::Zero, _, _) | (_, Kind::Zero, _) => ((c & !F::SIGN) | sign_bit::<F>(sc), Flags::NONE),
        (Kind::Finite { exp: ea, sig: ma }, Kind::Finite { exp: eb, sig: mb }, kc) => {
            // The exact product, bit 126 or 127 set, with at least 22 zero
            // bits at the bottom (two significands of at most 53 bits).
            let product = ma as u128 * mb as u128;
            let exp_p = ea + eb + 1; // scale of bit 127
            let Kind::Finite { exp: ec, sig: mc } = kc else {
                // c is zero: the sum is the product, rounded once.
                return norm_round_pack::<F>(sp, exp_p, product, rm);
            };
            // Bring the product's leading bit to 125, exactly.
            let (p, exp_p) = if product >> 127 != 0 { (product >> 2, exp_p) } else { (product >> 1, exp_p - 1) };
            add_aligned::<F>((sp, exp_p, p), (sc, ec, (mc as u128) << 62), rm)
        }
        // Every kind of a and b was handled above; keep the match total.
        _ => nan::<F>(true),
    }
}

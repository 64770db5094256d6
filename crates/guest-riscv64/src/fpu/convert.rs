//! Conversions between the two formats and between a format and the 32- and
//! 64-bit integers (`fcvt.*`).
//!
//! Float-to-integer follows the spec's table "Domains of float-to-integer
//! conversions and behavior for invalid inputs": the value is rounded in the
//! requested mode first; if the rounded value does not fit, the result
//! saturates (NaN counts as +∞) and only NV is raised. An in-range inexact
//! result raises NX. A negative value that rounds to 0 converts to unsigned 0
//! with NX, not NV.

use super::format::{Format, Kind, sign_bit, unpack};
use super::round::{norm_round_pack, round_shift};
use super::{Flags, Rm};

/// Converts `a` of format `From` to format `To` (`fcvt.s.d`, `fcvt.d.s`).
pub(crate) fn float_to_float<From: Format, To: Format>(a: u64, rm: Rm) -> (u64, Flags) {
    let (sign, kind) = unpack::<From>(a);
    match kind {
        Kind::Nan { signaling } => (To::CANONICAL_NAN, Flags::when(signaling, Flags::NV)),
        Kind::Inf => (sign_bit::<To>(sign) | To::INF, Flags::NONE),
        Kind::Zero => (sign_bit::<To>(sign), Flags::NONE),
        // value = sig / 2^63 * 2^exp = (sig << 64) * 2^(exp - 127)
        Kind::Finite { exp, sig } => norm_round_pack::<To>(sign, exp, (sig as u128) << 64, rm),
    }
}

/// Converts the integer `(-1)^negative * magnitude` to format `F`
/// (`fcvt.s.w` and friends). Zero converts to +0.
pub(crate) fn int_to_float<F: Format>(negative: bool, magnitude: u64, rm: Rm) -> (u64, Flags) {
    if magnitude == 0 {
        return (0, Flags::NONE);
    }
    // magnitude = (magnitude << 64) * 2^(63 - 127)
    norm_round_pack::<F>(negative, 63, (magnitude as u128) << 64, rm)
}

/// An integer destination: its width and signedness.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IntFormat {
    pub(crate) bits: u32,
    pub(crate) signed: bool,
}

impl IntFormat {
    pub(crate) const W: IntFormat = IntFormat { bits: 32, signed: true };
    pub(crate) const WU: IntFormat = IntFormat { bits: 32, signed: false };
    pub(crate) const L: IntFormat = IntFormat { bits: 64, signed: true };
    pub(crate) const LU: IntFormat = IntFormat { bits: 64, signed: false };

    /// The largest value, as two's complement bits in a `u64`.
    const fn max(self) -> u64 {
        let all = u64::MAX >> (64 - self.bits);
        if self.signed { all >> 1 } else { all }
    }

    /// The smallest value, as two's complement bits in a `u64`
    /// (sign-extended to 64 bits).
    const fn min(self) -> u64 {
        if self.signed { (i64::MIN >> (64 - self.bits)) as u64 } else { 0 }
    }
}

/// Converts `a` of format `F` to the integer format `to`, rounding in `rm`.
/// Returns the result as two's complement bits sign-extended to 64 bits
/// (the caller truncates for 32-bit destinations).
pub(crate) fn float_to_int<F: Format>(a: u64, to: IntFormat, rm: Rm) -> (u64, Flags) {
    let (sign, kind) = unpack::<F>(a);
    let invalid_positive = (to.max(), Flags::NV);
    let invalid_negative = (to.min(), Flags::NV);
    let (exp, sig) = match kind {
        Kind::Nan { .. } => return invalid_positive,
        Kind::Inf => return if sign { invalid_negative } else { invalid_positive },
        Kind::Zero => return (0, Flags::NONE),
        Kind::Finite { exp, sig } => (exp, sig),
    };
    if exp >= 64 {
        // |a| >= 2^64 does not fit any destination.
        return if sign { invalid_negative } else { invalid_positive };
    }
    // |a| = (sig << 64) / 2^(127 - exp); exp <= 63 so the shift is >= 64
    // and the rounded magnitude is at most 2^64.
    let shift = u32::try_from(127 - exp).unwrap_or(u32::MAX);
    let (magnitude, inexact) = round_shift((sig as u128) << 64, shift, rm, sign);
    let nx = Flags::when(inexact, Flags::NX);
    if sign {
        // The most negative value's magnitude: 2^(bits-1) signed, 0 unsigned.
        let limit = if to.signed { 1u128 << (to.bits - 1) } else { 0 };
        if magnitude > limit {
            return invalid_negative;
        }
        ((magnitude as u64).wrapping_neg(), nx)
    } else {
        if magnitude > to.max() as u128 {
            return invalid_positive;
        }
        (magnitude as u64, nx)
    }
}

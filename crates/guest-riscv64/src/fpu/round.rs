//! Rounding and packing: the single place where an exact (or sticky-jammed)
//! intermediate result becomes a value of the destination format, with the
//! overflow, underflow and inexact flags that IEEE 754 §7 and RISC-V define.

use super::format::{Format, sign_bit};
use super::{Flags, Rm};
use core::cmp::Ordering;

/// `v >> d`, with every bit shifted out ORed into bit 0 ("jamming"), so the
/// result still tells whether the value was exact.
pub(crate) const fn shift_right_jam(v: u128, d: u32) -> u128 {
    if d == 0 {
        v
    } else if d < 128 {
        (v >> d) | ((v << (128 - d)) != 0) as u128
    } else {
        (v != 0) as u128
    }
}

/// Rounds `sig / 2^shift` to an integer in mode `rm` for a value of sign
/// `sign`. Returns the rounded magnitude and whether it is inexact.
pub(crate) fn round_shift(sig: u128, shift: u32, rm: Rm, sign: bool) -> (u128, bool) {
    // The quotient, and the remainder compared with half a unit.
    let (q, rem_vs_half, inexact) = if shift == 0 {
        return (sig, false);
    } else if shift < 128 {
        let rem = sig & ((1 << shift) - 1);
        (sig >> shift, rem.cmp(&(1 << (shift - 1))), rem != 0)
    } else if shift == 128 {
        (0, sig.cmp(&(1 << 127)), sig != 0)
    } else {
        (0, Ordering::Less, sig != 0)
    };
    let up = match rm {
        Rm::Rne => rem_vs_half == Ordering::Greater || (rem_vs_half == Ordering::Equal && q & 1 == 1),
        Rm::Rmm => rem_vs_half != Ordering::Less,
        Rm::Rtz => false,
        Rm::Rdn => inexact && sign,
        Rm::Rup => inexact && !sign,
    };
    // q < 2^127 because shift >= 1: no overflow.
    (q + up as u128, inexact)
}

/// Rounds the nonzero value `(-1)^sign * sig * 2^(exp - 127)` to format `F`
/// in mode `rm` and packs it.
///
/// `sig` may carry a sticky bit: nonzero bits below the value's last
/// represented position jammed into bit 0 (or, after the normalizing shift
/// here, a few bits above it). Every caller keeps at least 60 bits below the
/// most significant one, far more than `F`'s precision plus two, so the
/// sticky bit always lies below the round bit.
pub(crate) fn norm_round_pack<F: Format>(sign: bool, exp: i32, sig: u128, rm: Rm) -> (u64, Flags) {
    if sig == 0 {
        // Callers pass nonzero values; keep the function total anyway.
        return (sign_bit::<F>(sign), Flags::NONE);
    }
    let lz = sig.leading_zeros();
    round_pack::<F>(sign, exp - lz as i32, sig << lz, rm)
}

/// Rounds `(-1)^sign * sig / 2^127 * 2^exp`, bit 127 of `sig` set, to format
/// `F` in mode `rm` and packs it (IEEE 754 §4.3, §7.4-7.6).
fn round_pack<F: Format>(sign: bool, exp: i32, sig: u128, rm: Rm) -> (u64, Flags) {
    let sign_bits = sign_bit::<F>(sign);
    let normal_shift = 128 - F::PREC;
    if exp >= F::EMIN {
        let (mut q, inexact) = round_shift(sig, normal_shift, rm, sign);
        let mut exp = exp;
        if q == 1 << F::PREC {
            // Rounding carried into the next binade.
            q >>= 1;
            exp += 1;
        }
        if exp > F::EMAX {
            let to_inf = match rm {
                Rm::Rne | Rm::Rmm => true,
                Rm::Rtz => false,
                Rm::Rdn => sign,
                Rm::Rup => !sign,
            };
            let magnitude = if to_inf { F::INF } else { F::MAX_FINITE };
            return (sign_bits | magnitude, Flags::OF | Flags::NX);
        }
        let bits = sign_bits | ((exp + F::BIAS) as u64) << F::FRAC_BITS | (q as u64 & F::FRAC_MASK);
        (bits, Flags::when(inexact, Flags::NX))
    } else {
        // Below the normal range. RISC-V detects tininess after rounding: the
        // value is tiny unless rounding it to F's precision with an unbounded
        // exponent range gives at least 2^EMIN.
        let carries = exp == F::EMIN - 1 && round_shift(sig, normal_shift, rm, sign).0 == 1 << F::PREC;
        // Round on the subnormal grid. The shift is capped: past 128 only a
        // sticky bit is left either way.
        let extra = (F::EMIN - exp).min(200) as u32;
        let (q, inexact) = round_shift(sig, normal_shift + extra, rm, sign);
        // q <= 2^(PREC-1); q == 2^(PREC-1) is the smallest normal number, which
        // this packing encodes with biased exponent 1 as it should.
        let flags = Flags::when(inexact, Flags::NX) | Flags::when(inexact && !carries, Flags::UF);
        (sign_bits | q as u64, flags)
    }
}

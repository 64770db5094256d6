//! Operations that never round: comparisons (`feq`, `flt`, `fle`), `fmin`
//! and `fmax`, sign injection (`fsgnj*`) and `fclass`.

use super::Flags;
use super::format::{Format, Kind, unpack};

/// An integer that orders the non-NaN values of format `F` as numbers do,
/// with -0 and +0 equal.
fn order_key<F: Format>(bits: u64) -> i64 {
    let magnitude = (bits & !F::SIGN) as i64;
    if bits & F::SIGN != 0 { -magnitude } else { magnitude }
}

/// The kinds of `a` and `b`: whether either is a NaN, and whether either
/// is a signaling NaN.
fn nan_kinds<F: Format>(a: u64, b: u64) -> (bool, bool) {
    let (_, ka) = unpack::<F>(a);
    let (_, kb) = unpack::<F>(b);
    (ka.is_nan() || kb.is_nan(), ka.is_snan() || kb.is_snan())
}

/// `feq`: a quiet comparison; NV only for a signaling NaN operand.
pub(crate) fn eq<F: Format>(a: u64, b: u64) -> (bool, Flags) {
    let (any_nan, any_snan) = nan_kinds::<F>(a, b);
    if any_nan {
        return (false, Flags::when(any_snan, Flags::NV));
    }
    (order_key::<F>(a) == order_key::<F>(b), Flags::NONE)
}

/// `flt`: a signaling comparison; NV for any NaN operand.
pub(crate) fn lt<F: Format>(a: u64, b: u64) -> (bool, Flags) {
    let (any_nan, _) = nan_kinds::<F>(a, b);
    if any_nan {
        return (false, Flags::NV);
    }
    (order_key::<F>(a) < order_key::<F>(b), Flags::NONE)
}

/// `fle`: a signaling comparison; NV for any NaN operand.
pub(crate) fn le<F: Format>(a: u64, b: u64) -> (bool, Flags) {
    let (any_nan, _) = nan_kinds::<F>(a, b);
    if any_nan {
        return (false, Flags::NV);
    }
    (order_key::<F>(a) <= order_key::<F>(b), Flags::NONE)
}

/// `fmin` (`max == false`) and `fmax`: IEEE 754-2019 minimumNumber and
/// maximumNumber. One NaN operand is ignored, two give the canonical NaN,
/// -0 is less than +0, and a signaling NaN raises NV in every case.
pub(crate) fn min_max<F: Format>(a: u64, b: u64, max: bool) -> (u64, Flags) {
    let (_, ka) = unpack::<F>(a);
    let (_, kb) = unpack::<F>(b);
    let flags = Flags::when(ka.is_snan() || kb.is_snan(), Flags::NV);
    let result = match (ka.is_nan(), kb.is_nan()) {
        (true, true) => F::CANONICAL_NAN,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            let (ka, kb) = (order_key::<F>(a), order_key::<F>(b));
            if ka == kb {
                // Equal values have equal bits, except -0 and +0: the
                // minimum takes the sign bit from either, the maximum from
                // both.
                if max { a & b } else { a | b }
            } else if (ka < kb) != max {
                a
            } else {
                b
            }
        }
    };
    (result, flags)
}

/// `fsgnj` (`Sgnj::Copy`), `fsgnjn` (`Negate`) and `fsgnjx` (`Xor`): the
/// magnitude of `a` with a sign taken from `b`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sgnj {
    Copy,
    Negate,
    Xor,
}

pub(crate) fn sgnj<F: Format>(a: u64, b: u64, op: Sgnj) -> u64 {
    let sign = match op {
        Sgnj::Copy => b & F::SIGN,
        Sgnj::Negate => !b & F::SIGN,
        Sgnj::Xor => (a ^ b) & F::SIGN,
    };
    (a & !F::SIGN) | sign
}

/// `fclass`: a one-hot mask (Unprivileged spec, table "Format of result of
/// FCLASS instruction").
pub(crate) fn class<F: Format>(a: u64) -> u64 {
    let (sign, kind) = unpack::<F>(a);
    let subnormal = a & F::EXP_MASK == 0;
    let bit = match (kind, sign) {
        (Kind::Inf, true) => 0,
        (Kind::Finite { .. }, true) if !subnormal => 1,
        (Kind::Finite { .. }, true) => 2,
        (Kind::Zero, true) => 3,
        (Kind::Zero, false) => 4,
        (Kind::Finite { .. }, false) if subnormal => 5,
        (Kind::Finite { .. }, false) => 6,
        (Kind::Inf, false) => 7,
        (Kind::Nan { signaling: true }, _) => 8,
        (Kind::Nan { signaling: false }, _) => 9,
    };
    1 << bit
}

//! The two binary interchange formats and the unpacked view of a value that
//! the operations work on.
//!
//! Values of both formats travel as `u64` bit patterns inside this module
//! (binary32 in the low 32 bits), so every algorithm is written once.

/// A binary interchange format: its field widths and special encodings.
pub(crate) trait Format {
    /// Width of the biased exponent field.
    const EXP_BITS: u32;
    /// Width of the trailing significand field (without the hidden bit).
    const FRAC_BITS: u32;

    /// Precision in bits, the hidden bit included.
    const PREC: u32 = Self::FRAC_BITS + 1;
    const BIAS: i32 = (1 << (Self::EXP_BITS - 1)) - 1;
    /// Exponent of the smallest normal number.
    const EMIN: i32 = 1 - Self::BIAS;
    /// Exponent of the largest finite number.
    const EMAX: i32 = Self::BIAS;
    const SIGN: u64 = 1 << (Self::EXP_BITS + Self::FRAC_BITS);
    const EXP_MASK: u64 = ((1 << Self::EXP_BITS) - 1) << Self::FRAC_BITS;
    const FRAC_MASK: u64 = (1 << Self::FRAC_BITS) - 1;
    /// The quiet bit: the most significant bit of the trailing significand.
    const QUIET: u64 = 1 << (Self::FRAC_BITS - 1);
    /// Positive infinity.
    const INF: u64 = Self::EXP_MASK;
    /// The largest finite number.
    const MAX_FINITE: u64 = Self::EXP_MASK - 1;
    /// The canonical NaN RISC-V returns from every operation that produces
    /// a NaN: positive, quiet, zero payload.
    const CANONICAL_NAN: u64 = Self::EXP_MASK | Self::QUIET;
}

/// binary32, the S extension's format.
#[derive(Debug)]
pub(crate) enum Single {}

/// binary64, the D extension's format.
#[derive(Debug)]
pub(crate) enum Double {}

impl Format for Single {
    const EXP_BITS: u32 = 8;
    const FRAC_BITS: u32 = 23;
}

impl Format for Double {
    const EXP_BITS: u32 = 11;
    const FRAC_BITS: u32 = 52;
}

/// What a bit pattern encodes, apart from its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Zero,
    /// A nonzero finite number (normal or subnormal), normalized: its value
    /// is `sig / 2^63 * 2^exp`, with bit 63 of `sig` set.
    Finite {
        exp: i32,
        sig: u64,
    },
    Inf,
    Nan {
        signaling: bool,
    },
}

impl Kind {
    pub(crate) const fn is_nan(self) -> bool {
        matches!(self, Kind::Nan { .. })
    }

    pub(crate) const fn is_snan(self) -> bool {
        matches!(self, Kind::Nan { signaling: true })
    }
}

/// Splits `bits` of format `F` into its sign and [`Kind`].
pub(crate) fn unpack<F: Format>(bits: u64) -> (bool, Kind) {
    let sign = bits & F::SIGN != 0;
    let biased = ((bits & F::EXP_MASK) >> F::FRAC_BITS) as i32;
    let frac = bits & F::FRAC_MASK;
    let kind = if biased == (1 << F::EXP_BITS) - 1 {
        if frac == 0 { Kind::Inf } else { Kind::Nan { signaling: frac & F::QUIET == 0 } }
    } else if biased == 0 {
        if frac == 0 {
            Kind::Zero
        } else {
            // Subnormal: frac * 2^(EMIN - FRAC_BITS).
            let lz = frac.leading_zeros();
            Kind::Finite { exp: F::EMIN - F::FRAC_BITS as i32 + 63 - lz as i32, sig: frac << lz }
        }
    } else {
        let sig = (frac | (1 << F::FRAC_BITS)) << (63 - F::FRAC_BITS);
        Kind::Finite { exp: biased - F::BIAS, sig }
    };
    (sign, kind)
}

/// The sign bit of format `F`, set if `sign`.
pub(crate) const fn sign_bit<F: Format>(sign: bool) -> u64 {
    if sign { F::SIGN } else { 0 }
}

//! The F and D extensions' arithmetic, bit-exact: IEEE 754-2008 binary32 and
//! binary64 with the choices RISC-V makes where IEEE leaves them open
//! (Unprivileged spec, chapters "F" and "D").
//!
//! Every operation is a pure function of its operands and a rounding mode,
//! returning the result and the exception [`Flags`] it raises; the caller ORs
//! those into `fflags`. There is no global or thread-local state, so the
//! functions serve the interpreter's helpers and any host alike. No input can
//! make them panic. tests/fpu_softfloat.rs checks every operation, in every
//! rounding mode, bit for bit and flag for flag against Berkeley SoftFloat 3
//! with its RISC-V specialization (the model Spike uses).
//!
//! ```
//! use wemu_guest_riscv64::fpu::{self, Flags, Rm};
//!
//! // 1.0f32 + 2^-24 is a halfway case: RNE rounds to even (1.0), RUP up.
//! let (sum, flags) = fpu::s::add(0x3f80_0000, 0x3380_0000, Rm::Rne);
//! assert_eq!((sum, flags), (0x3f80_0000, Flags::NX));
//! assert_eq!(fpu::s::add(0x3f80_0000, 0x3380_0000, Rm::Rup).0, 0x3f80_0001);
//!
//! // 0 * inf is invalid and gives the canonical NaN.
//! assert_eq!(fpu::d::mul(0, 0x7ff0_0000_0000_0000, Rm::Rne), (fpu::d::CANONICAL_NAN, Flags::NV));
//!
//! // Single-precision values live NaN-boxed in the 64-bit f registers.
//! assert_eq!(fpu::unbox_s(fpu::nan_box(0x3f80_0000)), 0x3f80_0000);
//! assert_eq!(fpu::unbox_s(0x3f80_0000), fpu::s::CANONICAL_NAN);
//! ```
//!
//! # Layout
//!
//! [`s`] and [`d`] hold the operations on single (`u32` bits) and double
//! (`u64` bits) values, named after the instructions: `s::add` is `fadd.s`,
//! `d::to_l` is `fcvt.l.d`, `s::from_wu` is `fcvt.s.wu`, `s::to_d` is
//! `fcvt.d.s`. The generic code behind them lives in `arith` (add, mul, div,
//! sqrt, fused multiply-add), `convert`, `compare` (comparisons, min/max,
//! sign injection, class) and `round` (the one place results are rounded and
//! packed).
//!
//! # What the caller does
//!
//! - Resolve `rm`: a static mode via [`Rm::from_bits`], `dyn` (7) through the
//!   `frm` CSR ([`Rm::resolve`] does both); `None` means the instruction is
//!   illegal.
//! - Unbox single-precision operands with [`unbox_s`] and box results with
//!   [`nan_box`] (spec §"NaN Boxing of Narrower Values"). Every S operation
//!   except `fmv.x.w` and `fsw` sees an improperly boxed operand as the
//!   canonical NaN.
//! - Sign-extend 32-bit integer results into `rd` on RV64: the `.w` and
//!   `.wu` conversions (the unsigned one too: "For XLEN > 32, FCVT.W[U].S
//!   sign-extends the 32-bit result to the destination register width") and
//!   `fmv.x.w`. Comparisons give 0 or 1, `fclass` its mask.
//! - Validate `rm` for the conversions that cannot round (`fcvt.d.s`,
//!   `fcvt.d.w[u]`) as for any other: a reserved mode is illegal there too.
//!
//! # Semantics in brief
//!
//! - NaN results are always the canonical NaN ([`s::CANONICAL_NAN`],
//!   [`d::CANONICAL_NAN`]); a signaling NaN operand raises NV.
//! - Underflow is raised when the result is tiny *after* rounding (as if the
//!   exponent range were unbounded) and inexact, as RISC-V requires.
//! - `fmin`/`fmax` are IEEE 754-2019 `minimumNumber`/`maximumNumber`: a
//!   single NaN operand is ignored, two give the canonical NaN, -0 < +0, and
//!   a signaling NaN raises NV even when the result is a number.
//! - `feq` is quiet (NV only for signaling NaNs), `flt`/`fle` signal (NV for
//!   any NaN).
//! - Float-to-integer conversions saturate (NaN and +inf to the largest
//!   value, -inf to the smallest) and raise NV without NX when the rounded
//!   value does not fit; see the spec's table "Domains of float-to-integer
//!   conversions".

#[macro_use]
mod ops;

mod arith;
mod compare;
mod convert;
pub mod d;
mod format;
mod round;
pub mod s;

use crate::operands::RoundingMode;
use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// Accrued exception flags, in the bit layout of the `fflags` CSR.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(u8);

impl Flags {
    /// No exception.
    pub const NONE: Flags = Flags(0);
    /// Invalid operation.
    pub const NV: Flags = Flags(0x10);
    /// Divide by zero.
    pub const DZ: Flags = Flags(0x08);
    /// Overflow.
    pub const OF: Flags = Flags(0x04);
    /// Underflow.
    pub const UF: Flags = Flags(0x02);
    /// Inexact.
    pub const NX: Flags = Flags(0x01);

    /// The flags from the low five bits of `bits` (the rest is ignored).
    pub const fn from_bits(bits: u8) -> Flags {
        Flags(bits & 0x1f)
    }

    /// The `fflags` value.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the flags of `other` added.
    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// `flag` if `cond` holds, otherwise no flag.
    pub(crate) const fn when(cond: bool, flag: Flags) -> Flags {
        if cond { flag } else { Flags::NONE }
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        self.union(rhs)
    }
}

impl BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        *self = self.union(rhs);
    }
}

impl fmt::Debug for Flags {
    /// Lists the set flags by their spec names, e.g. `Flags(NV|NX)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Flags(")?;
        let mut first = true;
        for (flag, name) in
            [(Flags::NV, "NV"), (Flags::DZ, "DZ"), (Flags::OF, "OF"), (Flags::UF, "UF"), (Flags::NX, "NX")]
        {
            if self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        f.write_str(")")
    }
}

/// A rounding mode that an operation can use: the `rm`/`frm` encodings 0..=4
/// (Unprivileged spec, table "Rounding mode encoding").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rm {
    /// 0: round to nearest, ties to even.
    Rne,
    /// 1: round towards zero.
    Rtz,
    /// 2: round down (towards −∞).
    Rdn,
    /// 3: round up (towards +∞).
    Rup,
    /// 4: round to nearest, ties to max magnitude.
    Rmm,
}

impl Rm {
    /// The mode encoded by `bits`, or `None` for 5 and 6 (reserved) and 7
    /// (`dyn`, which the caller resolves through `frm`) and anything larger.
    pub const fn from_bits(bits: u8) -> Option<Rm> {
        match bits {
            0 => Some(Rm::Rne),
            1 => Some(Rm::Rtz),
            2 => Some(Rm::Rdn),
            3 => Some(Rm::Rup),
            4 => Some(Rm::Rmm),
            _ => None,
        }
    }

    /// The mode an instruction with the `rm` field `rm` uses when the `frm`
    /// CSR holds `frm`, or `None` when executing it raises
    /// illegal-instruction (a reserved static mode, or `dyn` with `frm` 5..7).
    pub const fn resolve(rm: RoundingMode, frm: u8) -> Option<Rm> {
        match rm {
            RoundingMode::Dyn => Rm::from_bits(frm),
            _ => Rm::from_bits(rm.bits()),
        }
    }

    /// The 3-bit encoding.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// Boxes a single-precision value into a 64-bit f register: the upper 32
/// bits all ones (spec §"NaN Boxing of Narrower Values").
pub const fn nan_box(value: u32) -> u64 {
    0xffff_ffff_0000_0000 | value as u64
}

/// The single-precision value an f register holds, as S operations see it:
/// its low 32 bits if it is properly NaN-boxed, otherwise the canonical NaN.
pub const fn unbox_s(reg: u64) -> u32 {
    if reg >> 32 == 0xffff_ffff { reg as u32 } else { s::CANONICAL_NAN }
}

/// `fmv.x.w`: the low 32 bits of an f register, sign-extended, for `rd`
/// (no unboxing: the bits move unchanged).
pub const fn fmv_x_w(reg: u64) -> u64 {
    reg as u32 as i32 as i64 as u64
}

/// `fmv.w.x`: the low 32 bits of an integer register, NaN-boxed.
pub const fn fmv_w_x(x: u64) -> u64 {
    nan_box(x as u32)
}

//! The public per-format operations, written once for both formats: `s` and
//! `d` each expand [`format_ops!`] with their bit type and format.

/// Defines the operations common to S and D for the format `$format` whose
/// values are `$bits`. Each is a thin typed wrapper around the generic code.
macro_rules! format_ops {
    ($format:ty, $bits:ty, $name:literal) => {
        use super::arith;
        use super::compare::{self, Sgnj};
        use super::convert::{self, IntFormat};
        use super::format::Format as _;
        use super::{Flags, Rm};

        #[doc = concat!("The canonical NaN of ", $name, ".")]
        pub const CANONICAL_NAN: $bits = <$format>::CANONICAL_NAN as $bits;

        /// Narrows a result of the generic code, which never sets bits
        /// outside the format.
        const fn narrow((value, flags): (u64, Flags)) -> ($bits, Flags) {
            (value as $bits, flags)
        }

        /// `fadd`: `a + b`.
        pub fn add(a: $bits, b: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::add::<$format>(a.into(), b.into(), false, rm))
        }

        /// `fsub`: `a - b`.
        pub fn sub(a: $bits, b: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::add::<$format>(a.into(), b.into(), true, rm))
        }

        /// `fmul`: `a * b`.
        pub fn mul(a: $bits, b: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::mul::<$format>(a.into(), b.into(), rm))
        }

        /// `fdiv`: `a / b`.
        pub fn div(a: $bits, b: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::div::<$format>(a.into(), b.into(), rm))
        }

        /// `fsqrt`: the square root of `a`.
        pub fn sqrt(a: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::sqrt::<$format>(a.into(), rm))
        }

        /// `fmadd`: `a * b + c`, rounded once.
        pub fn madd(a: $bits, b: $bits, c: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::mul_add::<$format>(a.into(), b.into(), c.into(), false, false, rm))
        }

        /// `fmsub`: `a * b - c`, rounded once.
        pub fn msub(a: $bits, b: $bits, c: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::mul_add::<$format>(a.into(), b.into(), c.into(), false, true, rm))
        }

        /// `fnmsub`: `-(a * b) + c`, rounded once.
        pub fn nmsub(a: $bits, b: $bits, c: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::mul_add::<$format>(a.into(), b.into(), c.into(), true, false, rm))
        }

        /// `fnmadd`: `-(a * b) - c`, rounded once.
        pub fn nmadd(a: $bits, b: $bits, c: $bits, rm: Rm) -> ($bits, Flags) {
            narrow(arith::mul_add::<$format>(a.into(), b.into(), c.into(), true, true, rm))
        }

        /// `fmin`: the lesser operand (minimumNumber; see the module docs).
        pub fn min(a: $bits, b: $bits) -> ($bits, Flags) {
            narrow(compare::min_max::<$format>(a.into(), b.into(), false))
        }

        /// `fmax`: the greater operand (maximumNumber; see the module docs).
        pub fn max(a: $bits, b: $bits) -> ($bits, Flags) {
            narrow(compare::min_max::<$format>(a.into(), b.into(), true))
        }

        /// `feq`: `a == b`, quiet.
        pub fn eq(a: $bits, b: $bits) -> (bool, Flags) {
            compare::eq::<$format>(a.into(), b.into())
        }

        /// `flt`: `a < b`, signaling.
        pub fn lt(a: $bits, b: $bits) -> (bool, Flags) {
            compare::lt::<$format>(a.into(), b.into())
        }

        /// `fle`: `a <= b`, signaling.
        pub fn le(a: $bits, b: $bits) -> (bool, Flags) {
            compare::le::<$format>(a.into(), b.into())
        }

        /// `fclass`: the one-hot class mask for `rd` (never raises a flag).
        pub fn class(a: $bits) -> u64 {
            compare::class::<$format>(a.into())
        }

        /// `fsgnj`: `a` with the sign of `b` (never raises a flag).
        pub fn sgnj(a: $bits, b: $bits) -> $bits {
            compare::sgnj::<$format>(a.into(), b.into(), Sgnj::Copy) as $bits
        }

        /// `fsgnjn`: `a` with the opposite of the sign of `b`.
        pub fn sgnjn(a: $bits, b: $bits) -> $bits {
            compare::sgnj::<$format>(a.into(), b.into(), Sgnj::Negate) as $bits
        }

        /// `fsgnjx`: `a` with its sign XORed with the sign of `b`.
        pub fn sgnjx(a: $bits, b: $bits) -> $bits {
            compare::sgnj::<$format>(a.into(), b.into(), Sgnj::Xor) as $bits
        }

        /// `fcvt.w`: to a signed 32-bit integer. `rd` gets it sign-extended.
        pub fn to_w(a: $bits, rm: Rm) -> (i32, Flags) {
            let (v, flags) = convert::float_to_int::<$format>(a.into(), IntFormat::W, rm);
            (v as i32, flags)
        }

        /// `fcvt.wu`: to an unsigned 32-bit integer. On RV64 `rd` gets it
        /// sign-extended from bit 31 all the same.
        pub fn to_wu(a: $bits, rm: Rm) -> (u32, Flags) {
            let (v, flags) = convert::float_to_int::<$format>(a.into(), IntFormat::WU, rm);
            (v as u32, flags)
        }

        /// `fcvt.l`: to a signed 64-bit integer.
        pub fn to_l(a: $bits, rm: Rm) -> (i64, Flags) {
            let (v, flags) = convert::float_to_int::<$format>(a.into(), IntFormat::L, rm);
            (v as i64, flags)
        }

        /// `fcvt.lu`: to an unsigned 64-bit integer.
        pub fn to_lu(a: $bits, rm: Rm) -> (u64, Flags) {
            convert::float_to_int::<$format>(a.into(), IntFormat::LU, rm)
        }

        /// `fcvt.*.w`: from a signed 32-bit integer.
        pub fn from_w(x: i32, rm: Rm) -> ($bits, Flags) {
            narrow(convert::int_to_float::<$format>(x < 0, x.unsigned_abs().into(), rm))
        }

        /// `fcvt.*.wu`: from an unsigned 32-bit integer.
        pub fn from_wu(x: u32, rm: Rm) -> ($bits, Flags) {
            narrow(convert::int_to_float::<$format>(false, x.into(), rm))
        }

        /// `fcvt.*.l`: from a signed 64-bit integer.
        pub fn from_l(x: i64, rm: Rm) -> ($bits, Flags) {
            narrow(convert::int_to_float::<$format>(x < 0, x.unsigned_abs(), rm))
        }

        /// `fcvt.*.lu`: from an unsigned 64-bit integer.
        pub fn from_lu(x: u64, rm: Rm) -> ($bits, Flags) {
            narrow(convert::int_to_float::<$format>(false, x, rm))
        }
    };
}

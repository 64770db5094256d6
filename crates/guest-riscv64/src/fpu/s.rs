//! Single-precision (binary32) operations: the F extension. Values are the
//! `u32` bit patterns, already unboxed with [`unbox_s`](super::unbox_s);
//! results go back into f registers through [`nan_box`](super::nan_box).

format_ops!(super::format::Single, u32, "binary32");

/// `fcvt.d.s`: widens to double precision. Always exact; a signaling NaN
/// raises NV and every NaN becomes the canonical NaN.
pub fn to_d(a: u32) -> (u64, Flags) {
    use super::format::{Double, Single};
    // The rounding mode is irrelevant: every binary32 value is a binary64 value.
    convert::float_to_float::<Single, Double>(a.into(), Rm::Rne)
}

//! Double-precision (binary64) operations: the D extension. Values are the
//! `u64` bit patterns of the f registers.

format_ops!(super::format::Double, u64, "binary64");

/// `fcvt.s.d`: narrows to single precision, rounding in `rm`. The result is
/// a `u32` to be NaN-boxed.
pub fn to_s(a: u64, rm: Rm) -> (u32, Flags) {
    use super::format::{Double, Single};
    let (value, flags) = convert::float_to_float::<Double, Single>(a, rm);
    (value as u32, flags)
}

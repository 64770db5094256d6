//! Value types of the IR.

use core::fmt;

/// The type of an IR value. The IR is typed like QEMU's TCG: every temp and
/// every operation is either 32 or 64 bits wide.
///
/// An `I32` value is always held zero-extended in 64 bits by the executors
/// (its upper half is zero); operations on `I32` see only the low 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    I32,
    I64,
}

impl Type {
    /// Width in bits.
    pub const fn bits(self) -> u32 {
        match self {
            Type::I32 => 32,
            Type::I64 => 64,
        }
    }

    /// Mask of the bits that are significant for this type.
    pub const fn mask(self) -> u64 {
        match self {
            Type::I32 => 0xffff_ffff,
            Type::I64 => u64::MAX,
        }
    }

    /// Canonical representation of `v` as a value of this type (upper bits
    /// cleared for `I32`).
    pub const fn canon(self, v: u64) -> u64 {
        v & self.mask()
    }

    /// The text name (`i32`, `i64`).
    pub const fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
        }
    }

    /// Parses a text name.
    pub fn from_name(s: &str) -> Option<Type> {
        match s {
            "i32" => Some(Type::I32),
            "i64" => Some(Type::I64),
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! Operation kinds and their operands' attributes: the vocabulary that
//! [`Inst`](crate::Inst) is built from. Every kind has one text name, used by
//! the printer and the parser.

use core::fmt;

/// Declares a fieldless enum with a text name per variant.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $var,)* }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var,)*];

            /// The text name.
            pub const fn name(self) -> &'static str {
                match self { $($name::$var => $text,)* }
            }

            /// Parses a text name.
            pub fn from_name(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$var),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// One-operand operations; operand and result have the op's type.
    UnaryOp {
        /// Two's complement negation.
        Neg = "neg",
        /// Bitwise complement.
        Not = "not",
        /// Count leading zeros; the width for a zero input.
        Clz = "clz",
        /// Count trailing zeros; the width for a zero input.
        Ctz = "ctz",
        /// Population count.
        Popcnt = "popcnt",
        /// Swap the bytes of the low 16 bits; the upper bits become zero.
        Bswap16 = "bswap16",
        /// Swap the bytes of the low 32 bits; on i64 the upper bits become zero.
        Bswap32 = "bswap32",
        /// Swap all 8 bytes (i64 only).
        Bswap64 = "bswap64",
        /// Sign-extend from bit 7.
        Sext8 = "sext8",
        /// Sign-extend from bit 15.
        Sext16 = "sext16",
        /// Sign-extend from bit 31 (i64 only).
        Sext32 = "sext32",
        /// Zero-extend from bit 7.
        Zext8 = "zext8",
        /// Zero-extend from bit 15.
        Zext16 = "zext16",
        /// Zero-extend from bit 31 (i64 only).
        Zext32 = "zext32",
    }
}

named_enum! {
    /// Two-operand operations; operands and result have the op's type.
    ///
    /// Shift and rotate counts are taken modulo the width (as in Wasm and
    /// RISC-V). Division by zero and signed overflow are defined (as in
    /// RISC-V, so frontends can map other guests' rules with a check):
    /// `x / 0 = all ones`, `x % 0 = x`, `MIN / -1 = MIN`, `MIN % -1 = 0`.
    BinaryOp {
        Add = "add",
        Sub = "sub",
        And = "and",
        Or = "or",
        Xor = "xor",
        /// `a & !b`
        Andc = "andc",
        /// `a | !b`
        Orc = "orc",
        Shl = "shl",
        /// Logical shift right.
        Shr = "shr",
        /// Arithmetic shift right.
        Sar = "sar",
        Rotl = "rotl",
        Rotr = "rotr",
        /// Low half of the product.
        Mul = "mul",
        /// High half of the signed x signed product.
        Mulhs = "mulhs",
        /// High half of the unsigned x unsigned product.
        Mulhu = "mulhu",
        /// High half of the signed (a) x unsigned (b) product.
        Mulhsu = "mulhsu",
        Divs = "divs",
        Divu = "divu",
        Rems = "rems",
        Remu = "remu",
    }
}

impl BinaryOp {
    /// Whether `a op b == b op a`.
    pub const fn is_commutative(self) -> bool {
        matches!(
            self,
            BinaryOp::Add
                | BinaryOp::And
                | BinaryOp::Or
                | BinaryOp::Xor
                | BinaryOp::Mul
                | BinaryOp::Mulhs
                | BinaryOp::Mulhu
        )
    }
}

named_enum! {
    /// Conversions between the two types.
    ConvOp {
        /// i32 -> i64, sign-extending.
        SextI32 = "sext_i32_i64",
        /// i32 -> i64, zero-extending.
        ZextI32 = "zext_i32_i64",
        /// i64 -> i32, the low half.
        TruncI64 = "trunc_i64_i32",
        /// i64 -> i32, the high half.
        HighI64 = "high_i64_i32",
    }
}

impl ConvOp {
    /// Source and destination types.
    pub const fn types(self) -> (crate::Type, crate::Type) {
        use crate::Type::*;
        match self {
            ConvOp::SextI32 | ConvOp::ZextI32 => (I32, I64),
            ConvOp::TruncI64 | ConvOp::HighI64 => (I64, I32),
        }
    }
}

named_enum! {
    /// The ten comparison conditions.
    Cond {
        Eq = "eq",
        Ne = "ne",
        /// Signed less than.
        Lt = "lt",
        Ge = "ge",
        Le = "le",
        Gt = "gt",
        /// Unsigned less than.
        Ltu = "ltu",
        Geu = "geu",
        Leu = "leu",
        Gtu = "gtu",
    }
}

impl Cond {
    /// The condition that holds exactly when `self` does not.
    pub const fn invert(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::Lt => Cond::Ge,
            Cond::Ge => Cond::Lt,
            Cond::Le => Cond::Gt,
            Cond::Gt => Cond::Le,
            Cond::Ltu => Cond::Geu,
            Cond::Geu => Cond::Ltu,
            Cond::Leu => Cond::Gtu,
            Cond::Gtu => Cond::Leu,
        }
    }

    /// The condition with its operands swapped: `a c b == b c.swap() a`.
    pub const fn swap(self) -> Cond {
        match self {
            Cond::Eq => Cond::Eq,
            Cond::Ne => Cond::Ne,
            Cond::Lt => Cond::Gt,
            Cond::Ge => Cond::Le,
            Cond::Le => Cond::Ge,
            Cond::Gt => Cond::Lt,
            Cond::Ltu => Cond::Gtu,
            Cond::Geu => Cond::Leu,
            Cond::Leu => Cond::Geu,
            Cond::Gtu => Cond::Ltu,
        }
    }
}

named_enum! {
    /// Access size of a memory or state operation.
    MemSize {
        B1 = "8",
        B2 = "16",
        B4 = "32",
        B8 = "64",
    }
}

impl MemSize {
    /// Size in bytes.
    pub const fn bytes(self) -> u32 {
        1 << self.log2()
    }

    /// log2 of the size in bytes.
    pub const fn log2(self) -> u32 {
        match self {
            MemSize::B1 => 0,
            MemSize::B2 => 1,
            MemSize::B4 => 2,
            MemSize::B8 => 3,
        }
    }

    /// Mask of the value bits an access of this size carries.
    pub const fn mask(self) -> u64 {
        match self {
            MemSize::B8 => u64::MAX,
            s => (1u64 << (8 * s.bytes())) - 1,
        }
    }
}

named_enum! {
    /// Byte order of a guest memory access.
    Endian {
        Little = "le",
        Big = "be",
    }
}

/// Attributes of a guest memory access.
///
/// Loaded values are extended to the op's type as `signed` says; stores take
/// the low `size` bytes. `align_log2` is the alignment the access requires:
/// 0 means none, `size.log2()` means natural alignment; an access whose
/// address is not a multiple of `1 << align_log2` leaves the block with a
/// misalignment fault before touching memory. `mmu_idx` selects the
/// translation regime (privilege level) in the softmmu.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemOp {
    pub size: MemSize,
    pub signed: bool,
    pub endian: Endian,
    pub align_log2: u8,
    pub mmu_idx: u8,
}

impl MemOp {
    /// A little-endian access with no alignment requirement in MMU index 0.
    pub const fn le(size: MemSize, signed: bool) -> MemOp {
        MemOp { size, signed, endian: Endian::Little, align_log2: 0, mmu_idx: 0 }
    }

    /// The same access, requiring natural alignment.
    pub const fn aligned(self) -> MemOp {
        MemOp { align_log2: self.size.log2() as u8, ..self }
    }

    /// The same access in another MMU index.
    pub const fn with_mmu(self, mmu_idx: u8) -> MemOp {
        MemOp { mmu_idx, ..self }
    }

    /// The alignment mask the address must clear.
    pub const fn align_mask(self) -> u64 {
        match 1u64.checked_shl(self.align_log2 as u32) {
            Some(a) => a - 1,
            None => u64::MAX,
        }
    }
}

named_enum! {
    /// Read-modify-write operations of atomic guest memory ops. The old
    /// memory value is returned; `min`/`max` compare as the op's type.
    RmwOp {
        Add = "add",
        And = "and",
        Or = "or",
        Xor = "xor",
        Swap = "swap",
        Smin = "smin",
        Smax = "smax",
        Umin = "umin",
        Umax = "umax",
    }
}

/// Which earlier accesses a memory barrier orders before which later ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FenceKind(u8);

impl FenceKind {
    /// Loads before loads.
    pub const LD_LD: FenceKind = FenceKind(1);
    /// Loads before stores.
    pub const LD_ST: FenceKind = FenceKind(2);
    /// Stores before loads.
    pub const ST_LD: FenceKind = FenceKind(4);
    /// Stores before stores.
    pub const ST_ST: FenceKind = FenceKind(8);
    /// A full barrier.
    pub const ALL: FenceKind = FenceKind(15);

    const NAMES: [&'static str; 4] = ["ldld", "ldst", "stld", "stst"];

    /// A barrier from raw bits (only the low four are kept).
    pub const fn from_bits(bits: u8) -> FenceKind {
        FenceKind(bits & 15)
    }

    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn union(self, other: FenceKind) -> FenceKind {
        FenceKind(self.0 | other.0)
    }

    pub const fn contains(self, other: FenceKind) -> bool {
        self.0 & other.0 == other.0
    }

    /// Parses the text form: `all`, or orderings joined by `+`
    /// (`ldld+stst`).
    pub fn from_name(s: &str) -> Option<FenceKind> {
        if s == "all" {
            return Some(FenceKind::ALL);
        }
        let mut bits = 0;
        for part in s.split('+') {
            let i = FenceKind::NAMES.iter().position(|n| *n == part)?;
            bits |= 1 << i;
        }
        Some(FenceKind(bits))
    }
}

impl fmt::Display for FenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == FenceKind::ALL {
            return f.write_str("all");
        }
        let mut first = true;
        for (i, n) in FenceKind::NAMES.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(n)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

named_enum! {
    /// What a helper may do besides computing its result. Each class
    /// includes the ones before it: executors write cached globals back
    /// before calling a helper that reads state, reload them after one that
    /// writes state, and check the status of one that may fault.
    Effect {
        /// A function of its arguments only.
        Pure = "pure",
        /// May read the CPU-state block.
        ReadsState = "reads_state",
        /// May read and write the CPU-state block.
        WritesState = "writes_state",
        /// May also fail, ending the block with a fault status.
        MayFault = "may_fault",
    }
}

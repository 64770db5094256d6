//! Operand types: registers, rounding modes, fence sets and one struct per
//! operand shape (the spec's instruction formats, refined where two
//! instructions of one format take different operand kinds).
//!
//! Every value here is already decoded: immediates are sign-extended and
//! scaled the way the instruction uses them, so a translator never looks at
//! encoding bits again.

/// An integer register `x0`..`x31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct XReg(u8);

/// A floating-point register `f0`..`f31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FReg(u8);

macro_rules! register_impl {
    ($ty:ident) => {
        impl $ty {
            /// The register numbered `n`, if `n < 32`.
            pub const fn new(n: u8) -> Option<Self> {
                if n < 32 { Some(Self(n)) } else { None }
            }

            /// The register named by a 5-bit encoding field (higher bits ignored).
            pub(crate) const fn from_field(bits: u32) -> Self {
                Self((bits & 0x1f) as u8)
            }

            /// The register named by a 3-bit compressed field (`x8`..`x15` / `f8`..`f15`).
            pub(crate) const fn from_compressed_field(bits: u32) -> Self {
                Self(8 + (bits & 0x7) as u8)
            }

            /// The register number, 0..=31.
            pub const fn num(self) -> u8 {
                self.0
            }

            /// The register number as an index, 0..=31.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
register_impl!(XReg);
register_impl!(FReg);

impl XReg {
    /// `x0`, hard-wired to zero.
    pub const ZERO: XReg = XReg(0);
    /// `x1`, the return address.
    pub const RA: XReg = XReg(1);
    /// `x2`, the stack pointer.
    pub const SP: XReg = XReg(2);
}

/// The `rm` field of a floating-point instruction (Unprivileged spec §11.2,
/// table "Rounding mode encoding").
///
/// Values 5 and 6 are reserved. The decoder keeps them rather than turning the
/// instruction into [`Insn::Illegal`](crate::Insn::Illegal): executing an
/// instruction with a reserved static `rm` raises illegal-instruction, and the
/// translator must already make the same check at run time for [`Dyn`]
/// (`frm` may hold 5..7), so both cases live in one place. A `match` on this
/// enum makes forgetting them a compile error.
///
/// [`Dyn`]: RoundingMode::Dyn
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundingMode {
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
    /// 5: reserved; illegal-instruction when executed.
    Reserved5,
    /// 6: reserved; illegal-instruction when executed.
    Reserved6,
    /// 7: dynamic, use `frm`.
    Dyn,
}

impl RoundingMode {
    /// The mode encoded by a 3-bit `rm` field (higher bits ignored).
    pub const fn from_field(bits: u32) -> Self {
        match bits & 7 {
            0 => Self::Rne,
            1 => Self::Rtz,
            2 => Self::Rdn,
            3 => Self::Rup,
            4 => Self::Rmm,
            5 => Self::Reserved5,
            6 => Self::Reserved6,
            _ => Self::Dyn,
        }
    }

    /// The 3-bit field value.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// Whether this is one of the reserved encodings 5 and 6.
    pub const fn is_reserved(self) -> bool {
        matches!(self, Self::Reserved5 | Self::Reserved6)
    }
}

/// `rd, rs1, rs2` on integer registers (R-type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RType {
    pub rd: XReg,
    pub rs1: XReg,
    pub rs2: XReg,
}

/// `rd, rs1, imm` (I-type): OP-IMM arithmetic, loads (`imm` is the offset)
/// and `jalr`. `imm` is the sign-extended 12-bit immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IType {
    pub rd: XReg,
    pub rs1: XReg,
    pub imm: i32,
}

/// `rd, rs1, shamt`: shifts and bit operations by an immediate bit index.
/// `shamt` is 0..=63 (0..=31 for the `*w` forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShiftImm {
    pub rd: XReg,
    pub rs1: XReg,
    pub shamt: u8,
}

/// `rd, rs1`: one-source integer operations (Zbb `clz`, `sext.b`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unary {
    pub rd: XReg,
    pub rs1: XReg,
}

/// `rs2, imm(rs1)` (S-type): stores. `imm` is the sign-extended offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SType {
    pub rs1: XReg,
    pub rs2: XReg,
    pub imm: i32,
}

/// `rs1, rs2, imm` (B-type): conditional branches. `imm` is the signed byte
/// offset from the branch's own address (even, ±4 KiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BType {
    pub rs1: XReg,
    pub rs2: XReg,
    pub imm: i32,
}

/// `rd, imm` (U-type): `lui`, `auipc`. `imm` is the value the instruction
/// adds, i.e. the 20-bit field shifted left by 12 and sign-extended from bit
/// 31 (so `lui a0, 0xfffff` has `imm == -4096`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UType {
    pub rd: XReg,
    pub imm: i32,
}

/// `rd, imm` (J-type): `jal`. `imm` is the signed byte offset from the
/// jump's own address (even, ±1 MiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JType {
    pub rd: XReg,
    pub imm: i32,
}

/// `rd, csr, rs1`: `csrrw`, `csrrs`, `csrrc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CsrReg {
    pub rd: XReg,
    pub rs1: XReg,
    /// The 12-bit CSR number.
    pub csr: u16,
}

/// `rd, csr, uimm`: `csrrwi`, `csrrsi`, `csrrci`. `uimm` is the
/// zero-extended 5-bit immediate (0..=31) from the `rs1` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CsrImm {
    pub rd: XReg,
    pub uimm: u8,
    /// The 12-bit CSR number.
    pub csr: u16,
}

/// `rd, (rs1)` with ordering bits: `lr.w`, `lr.d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lr {
    pub rd: XReg,
    pub rs1: XReg,
    /// Acquire semantics.
    pub aq: bool,
    /// Release semantics.
    pub rl: bool,
}

/// `rd, rs2, (rs1)` with ordering bits: `sc.*` and the AMOs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Amo {
    pub rd: XReg,
    pub rs1: XReg,
    pub rs2: XReg,
    /// Acquire semantics.
    pub aq: bool,
    /// Release semantics.
    pub rl: bool,
}

/// A FENCE's predecessor or successor set: bit 3 = I (device input),
/// bit 2 = O (device output), bit 1 = R (memory reads), bit 0 = W (memory
/// writes), as encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FenceSet(pub u8);

impl FenceSet {
    pub const I: u8 = 0b1000;
    pub const O: u8 = 0b0100;
    pub const R: u8 = 0b0010;
    pub const W: u8 = 0b0001;
}

/// The operands of `fence` (Unprivileged spec §2.7).
///
/// The `rd` and `rs1` fields are not kept: the spec reserves them and
/// requires base implementations to ignore them. Likewise every `fm` value
/// other than 0000 (normal) and 1000 with `pred = succ = RW` (`fence.tso`)
/// is reserved and must behave as a normal fence; `fm` is kept so a
/// translator can implement `fence.tso` more cheaply if it wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The 4-bit fence mode.
    pub fm: u8,
    pub pred: FenceSet,
    pub succ: FenceSet,
}

impl Fence {
    /// Whether this is `fence.tso` (fm = 1000, pred = succ = RW).
    pub const fn is_tso(self) -> bool {
        self.fm == 0b1000 && self.pred.0 == FenceSet::R | FenceSet::W && self.succ.0 == FenceSet::R | FenceSet::W
    }
}

/// `(rs1)`: the cache-block operations of Zicbom/Zicboz.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cbo {
    pub rs1: XReg,
}

/// `rs1, rs2`: `sfence.vma` (virtual address, ASID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SfenceVma {
    pub rs1: XReg,
    pub rs2: XReg,
}

/// `rd, imm(rs1)`: `flw`, `fld`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FLoad {
    pub rd: FReg,
    pub rs1: XReg,
    pub imm: i32,
}

/// `rs2, imm(rs1)`: `fsw`, `fsd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FStore {
    pub rs1: XReg,
    pub rs2: FReg,
    pub imm: i32,
}

/// `rd, rs1, rs2` on FP registers without rounding: `fsgnj*`, `fmin`, `fmax`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FRType {
    pub rd: FReg,
    pub rs1: FReg,
    pub rs2: FReg,
}

/// `rd, rs1, rs2, rm`: `fadd`, `fsub`, `fmul`, `fdiv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FRTypeRm {
    pub rd: FReg,
    pub rs1: FReg,
    pub rs2: FReg,
    pub rm: RoundingMode,
}

/// `rd, rs1, rs2, rs3, rm` (R4-type): the fused multiply-adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FR4Type {
    pub rd: FReg,
    pub rs1: FReg,
    pub rs2: FReg,
    pub rs3: FReg,
    pub rm: RoundingMode,
}

/// `rd, rs1, rm` on FP registers: `fsqrt`, `fcvt.s.d`, `fcvt.d.s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FUnaryRm {
    pub rd: FReg,
    pub rs1: FReg,
    pub rm: RoundingMode,
}

/// `rd, rs1` from an FP to an integer register: `fmv.x.*`, `fclass.*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FToX {
    pub rd: XReg,
    pub rs1: FReg,
}

/// `rd, rs1, rm` from an FP to an integer register: `fcvt.{w,wu,l,lu}.*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FToXRm {
    pub rd: XReg,
    pub rs1: FReg,
    pub rm: RoundingMode,
}

/// `rd, rs1` from an integer to an FP register: `fmv.*.x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct XToF {
    pub rd: FReg,
    pub rs1: XReg,
}

/// `rd, rs1, rm` from an integer to an FP register: `fcvt.*.{w,wu,l,lu}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct XToFRm {
    pub rd: FReg,
    pub rs1: XReg,
    pub rm: RoundingMode,
}

/// `rd, rs1, rs2`: FP comparisons writing an integer register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FCmp {
    pub rd: XReg,
    pub rs1: FReg,
    pub rs2: FReg,
}

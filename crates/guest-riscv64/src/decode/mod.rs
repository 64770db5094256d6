//! The decoder: instruction bits in, [`Insn`] out.
//!
//! [`decode`] dispatches on the major opcode (Unprivileged spec §34, "RV32/64G
//! Instruction Set Listings", table "RISC-V base opcode map") to one module
//! per instruction class; [`decode_compressed`] handles the 16-bit RVC
//! encodings (chapter 16). Every function here is total: any input produces
//! an `Insn` (possibly [`Insn::Illegal`]) without panicking, overflowing or
//! indexing.

mod atomic;
mod base;
mod bitmanip;
mod compressed;
mod fp;
mod m;
mod misc_mem;
mod system;

use crate::insn::Insn;
use crate::operands::{FReg, RoundingMode, XReg};

pub use compressed::decode_compressed;

/// The length in bytes of the instruction whose first (lowest-addressed)
/// 16-bit parcel is `first_halfword`: 2 for compressed encodings (low bits
/// not `11`), otherwise 4.
///
/// Encodings longer than 32 bits (low five bits `11111`) are not supported by
/// any extension this crate implements; they report 4 and [`decode`] turns
/// them into [`Insn::Illegal`], so a fetch never reads past what it needs to
/// raise the exception.
pub const fn insn_length(first_halfword: u16) -> usize {
    if first_halfword & 0b11 == 0b11 { 4 } else { 2 }
}

/// Decodes a 32-bit instruction. Bits whose low two bits are not `11` are a
/// compressed encoding, not a 32-bit one, and decode to [`Insn::Illegal`]
/// (use [`decode_compressed`] for those).
pub fn decode(bits: u32) -> Insn {
    if bits & 0b11 != 0b11 {
        return Insn::Illegal(bits);
    }
    match field(bits, 6, 2) {
        0b00_000 => base::load(bits),
        0b00_001 => fp::load(bits),
        0b00_011 => misc_mem::decode(bits),
        0b00_100 => base::op_imm(bits),
        0b00_101 => base::auipc(bits),
        0b00_110 => base::op_imm_32(bits),
        0b01_000 => base::store(bits),
        0b01_001 => fp::store(bits),
        0b01_011 => atomic::decode(bits),
        0b01_100 => base::op(bits),
        0b01_101 => base::lui(bits),
        0b01_110 => base::op_32(bits),
        0b10_000..=0b10_011 => fp::fused(bits),
        0b10_100 => fp::op_fp(bits),
        0b11_000 => base::branch(bits),
        0b11_001 => base::jalr(bits),
        0b11_011 => base::jal(bits),
        0b11_100 => system::decode(bits),
        // custom-0..3, reserved opcodes, OP-V, OP-IMM... and the prefixes of
        // longer-than-32-bit encodings (bits 4..2 = 111).
        _ => Insn::Illegal(bits),
    }
}

// ---- field extraction shared by the class modules ----

/// Bits `hi..=lo` of `bits`, right-aligned. Requires `hi >= lo` and `hi < 32`
/// (all callers pass constants).
const fn field(bits: u32, hi: u32, lo: u32) -> u32 {
    (bits >> lo) & (u32::MAX >> (31 - (hi - lo)))
}

/// Bit `n` of `bits`.
const fn bit(bits: u32, n: u32) -> u32 {
    (bits >> n) & 1
}

/// Sign-extends the low `width` bits of `value` (1 <= `width` <= 32).
const fn sext(value: u32, width: u32) -> i32 {
    let shift = 32 - width;
    ((value << shift) as i32) >> shift
}

const fn funct3(bits: u32) -> u32 {
    field(bits, 14, 12)
}

const fn funct7(bits: u32) -> u32 {
    field(bits, 31, 25)
}

const fn rd(bits: u32) -> XReg {
    XReg::from_field(bits >> 7)
}

const fn rs1(bits: u32) -> XReg {
    XReg::from_field(bits >> 15)
}

const fn rs2(bits: u32) -> XReg {
    XReg::from_field(bits >> 20)
}

const fn frd(bits: u32) -> FReg {
    FReg::from_field(bits >> 7)
}

const fn frs1(bits: u32) -> FReg {
    FReg::from_field(bits >> 15)
}

const fn frs2(bits: u32) -> FReg {
    FReg::from_field(bits >> 20)
}

const fn frs3(bits: u32) -> FReg {
    FReg::from_field(bits >> 27)
}

const fn rm(bits: u32) -> RoundingMode {
    RoundingMode::from_field(funct3(bits))
}

/// The I-type immediate, `inst[31:20]` sign-extended.
const fn imm_i(bits: u32) -> i32 {
    (bits as i32) >> 20
}

/// The S-type immediate, `inst[31:25] ++ inst[11:7]` sign-extended.
const fn imm_s(bits: u32) -> i32 {
    sext((field(bits, 31, 25) << 5) | field(bits, 11, 7), 12)
}

/// The B-type immediate: a signed, even byte offset of 13 bits.
const fn imm_b(bits: u32) -> i32 {
    sext((bit(bits, 31) << 12) | (bit(bits, 7) << 11) | (field(bits, 30, 25) << 5) | (field(bits, 11, 8) << 1), 13)
}

/// The U-type immediate: `inst[31:12] << 12`.
const fn imm_u(bits: u32) -> i32 {
    (bits & 0xffff_f000) as i32
}

/// The J-type immediate: a signed, even byte offset of 21 bits.
const fn imm_j(bits: u32) -> i32 {
    sext((bit(bits, 31) << 20) | (field(bits, 19, 12) << 12) | (bit(bits, 20) << 11) | (field(bits, 30, 21) << 1), 21)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_immediates() {
        assert_eq!(field(0xffff_ffff, 31, 0), 0xffff_ffff);
        assert_eq!(field(0x8000_0000, 31, 31), 1);
        assert_eq!(sext(0x800, 12), -2048);
        assert_eq!(sext(0x7ff, 12), 2047);
        assert_eq!(sext(0xffff_ffff, 32), -1);
        // beq a0, a1, -4: feb50ee3
        assert_eq!(imm_b(0xfeb5_0ee3), -4);
        // jal ra, -8: ff9ff0ef
        assert_eq!(imm_j(0xff9f_f0ef), -8);
        // sd s0, -16(sp): fe813823
        assert_eq!(imm_s(0xfe81_3823), -16);
    }

    #[test]
    fn lengths() {
        assert_eq!(insn_length(0x0001), 2);
        assert_eq!(insn_length(0x0013), 4);
        assert_eq!(insn_length(0x001f), 4);
        assert_eq!(insn_length(0xffff), 4);
    }
}

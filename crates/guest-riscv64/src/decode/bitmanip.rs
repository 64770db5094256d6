//! Zba, Zbb, Zbc and Zbs (the ratified bit-manipulation extensions, version
//! 1.0.0), RV64 encodings. They live in the OP, OP-32, OP-IMM and OP-IMM-32
//! opcodes under funct7/funct6/funct12 values the base ISA leaves free; the
//! base decoder hands over whatever it does not recognise.

use super::base::{r_type, shift32, shift64};
use super::{field, funct3, funct7, rd, rs1};
use crate::insn::Insn;
use crate::operands::Unary;

/// OP, funct7 not base or M.
pub(super) fn op(bits: u32) -> Insn {
    let ops = r_type(bits);
    match (funct7(bits), funct3(bits)) {
        (0b0010000, 0b010) => Insn::Sh1add(ops),
        (0b0010000, 0b100) => Insn::Sh2add(ops),
        (0b0010000, 0b110) => Insn::Sh3add(ops),
        (0b0100000, 0b111) => Insn::Andn(ops),
        (0b0100000, 0b110) => Insn::Orn(ops),
        (0b0100000, 0b100) => Insn::Xnor(ops),
        (0b0000101, 0b001) => Insn::Clmul(ops),
        (0b0000101, 0b010) => Insn::Clmulr(ops),
        (0b0000101, 0b011) => Insn::Clmulh(ops),
        (0b0000101, 0b100) => Insn::Min(ops),
        (0b0000101, 0b101) => Insn::Minu(ops),
        (0b0000101, 0b110) => Insn::Max(ops),
        (0b0000101, 0b111) => Insn::Maxu(ops),
        (0b0110000, 0b001) => Insn::Rol(ops),
        (0b0110000, 0b101) => Insn::Ror(ops),
        (0b0100100, 0b001) => Insn::Bclr(ops),
        (0b0100100, 0b101) => Insn::Bext(ops),
        (0b0110100, 0b001) => Insn::Binv(ops),
        (0b0010100, 0b001) => Insn::Bset(ops),
        _ => Insn::Illegal(bits),
    }
}

/// OP-32, funct7 not base or M.
pub(super) fn op_32(bits: u32) -> Insn {
    let ops = r_type(bits);
    match (funct7(bits), funct3(bits)) {
        (0b0000100, 0b000) => Insn::AddUw(ops),
        (0b0010000, 0b010) => Insn::Sh1addUw(ops),
        (0b0010000, 0b100) => Insn::Sh2addUw(ops),
        (0b0010000, 0b110) => Insn::Sh3addUw(ops),
        // zext.h is the RV64 encoding of `packw rd, rs1, x0` (Zbkb): rs2 must be 0.
        (0b0000100, 0b100) if field(bits, 24, 20) == 0 => Insn::ZextH(unary(bits)),
        (0b0110000, 0b001) => Insn::Rolw(ops),
        (0b0110000, 0b101) => Insn::Rorw(ops),
        _ => Insn::Illegal(bits),
    }
}

/// OP-IMM, funct3 001 or 101, `imm[11:6]` not a base shift.
pub(super) fn op_imm(bits: u32) -> Insn {
    let funct6 = field(bits, 31, 26);
    let funct12 = field(bits, 31, 20);
    match funct3(bits) {
        0b001 => match (funct12, funct6) {
            (0x600, _) => Insn::Clz(unary(bits)),
            (0x601, _) => Insn::Ctz(unary(bits)),
            (0x602, _) => Insn::Cpop(unary(bits)),
            (0x604, _) => Insn::SextB(unary(bits)),
            (0x605, _) => Insn::SextH(unary(bits)),
            (_, 0b010010) => Insn::Bclri(shift64(bits)),
            (_, 0b011010) => Insn::Binvi(shift64(bits)),
            (_, 0b001010) => Insn::Bseti(shift64(bits)),
            _ => Insn::Illegal(bits),
        },
        0b101 => match (funct12, funct6) {
            (0x287, _) => Insn::OrcB(unary(bits)),
            (0x6b8, _) => Insn::Rev8(unary(bits)),
            (_, 0b011000) => Insn::Rori(shift64(bits)),
            (_, 0b010010) => Insn::Bexti(shift64(bits)),
            _ => Insn::Illegal(bits),
        },
        _ => Insn::Illegal(bits),
    }
}

/// OP-IMM-32, funct3 001 or 101, not a base shift.
pub(super) fn op_imm_32(bits: u32) -> Insn {
    match (funct3(bits), field(bits, 31, 20), field(bits, 31, 26), funct7(bits)) {
        (0b001, 0x600, _, _) => Insn::Clzw(unary(bits)),
        (0b001, 0x601, _, _) => Insn::Ctzw(unary(bits)),
        (0b001, 0x602, _, _) => Insn::Cpopw(unary(bits)),
        (0b001, _, 0b000010, _) => Insn::SlliUw(shift64(bits)),
        (0b101, _, _, 0b0110000) => Insn::Roriw(shift32(bits)),
        _ => Insn::Illegal(bits),
    }
}

const fn unary(bits: u32) -> Unary {
    Unary { rd: rd(bits), rs1: rs1(bits) }
}

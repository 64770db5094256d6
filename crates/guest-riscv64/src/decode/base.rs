//! RV64I: the base integer instructions (Unprivileged spec chapters 2 and 5).
//!
//! The OP, OP-32, OP-IMM and OP-IMM-32 opcodes are shared with M and the
//! bit-manipulation extensions; encodings the base ISA does not define are
//! handed to [`super::m`] or [`super::bitmanip`].

use super::{bitmanip, field, funct3, funct7, imm_b, imm_i, imm_j, imm_s, imm_u, m, rd, rs1, rs2};
use crate::insn::Insn;
use crate::operands::{BType, IType, JType, RType, SType, ShiftImm, UType};

pub(super) fn lui(bits: u32) -> Insn {
    Insn::Lui(UType { rd: rd(bits), imm: imm_u(bits) })
}

pub(super) fn auipc(bits: u32) -> Insn {
    Insn::Auipc(UType { rd: rd(bits), imm: imm_u(bits) })
}

pub(super) fn jal(bits: u32) -> Insn {
    Insn::Jal(JType { rd: rd(bits), imm: imm_j(bits) })
}

pub(super) fn jalr(bits: u32) -> Insn {
    if funct3(bits) != 0 {
        return Insn::Illegal(bits);
    }
    Insn::Jalr(i_type(bits))
}

pub(super) fn branch(bits: u32) -> Insn {
    let ops = BType { rs1: rs1(bits), rs2: rs2(bits), imm: imm_b(bits) };
    match funct3(bits) {
        0b000 => Insn::Beq(ops),
        0b001 => Insn::Bne(ops),
        0b100 => Insn::Blt(ops),
        0b101 => Insn::Bge(ops),
        0b110 => Insn::Bltu(ops),
        0b111 => Insn::Bgeu(ops),
        _ => Insn::Illegal(bits),
    }
}

pub(super) fn load(bits: u32) -> Insn {
    let ops = i_type(bits);
    match funct3(bits) {
        0b000 => Insn::Lb(ops),
        0b001 => Insn::Lh(ops),
        0b010 => Insn::Lw(ops),
        0b011 => Insn::Ld(ops),
        0b100 => Insn::Lbu(ops),
        0b101 => Insn::Lhu(ops),
        0b110 => Insn::Lwu(ops),
        _ => Insn::Illegal(bits),
    }
}

pub(super) fn store(bits: u32) -> Insn {
    let ops = SType { rs1: rs1(bits), rs2: rs2(bits), imm: imm_s(bits) };
    match funct3(bits) {
        0b000 => Insn::Sb(ops),
        0b001 => Insn::Sh(ops),
        0b010 => Insn::Sw(ops),
        0b011 => Insn::Sd(ops),
        _ => Insn::Illegal(bits),
    }
}

/// OP-IMM. On RV64 the shift amount is six bits and `imm[11:6]` selects the
/// shift (§5.2.1); other `imm[11:6]` values belong to Zbb/Zbs.
pub(super) fn op_imm(bits: u32) -> Insn {
    let ops = i_type(bits);
    match funct3(bits) {
        0b000 => Insn::Addi(ops),
        0b010 => Insn::Slti(ops),
        0b011 => Insn::Sltiu(ops),
        0b100 => Insn::Xori(ops),
        0b110 => Insn::Ori(ops),
        0b111 => Insn::Andi(ops),
        0b001 if field(bits, 31, 26) == 0b000000 => Insn::Slli(shift64(bits)),
        0b101 if field(bits, 31, 26) == 0b000000 => Insn::Srli(shift64(bits)),
        0b101 if field(bits, 31, 26) == 0b010000 => Insn::Srai(shift64(bits)),
        _ => bitmanip::op_imm(bits),
    }
}

/// OP-IMM-32. The `*w` shifts take a five-bit amount; `imm[5]` set is
/// reserved (§5.2.1).
pub(super) fn op_imm_32(bits: u32) -> Insn {
    match (funct3(bits), funct7(bits)) {
        (0b000, _) => Insn::Addiw(i_type(bits)),
        (0b001, 0b0000000) => Insn::Slliw(shift32(bits)),
        (0b101, 0b0000000) => Insn::Srliw(shift32(bits)),
        (0b101, 0b0100000) => Insn::Sraiw(shift32(bits)),
        _ => bitmanip::op_imm_32(bits),
    }
}

pub(super) fn op(bits: u32) -> Insn {
    let ops = r_type(bits);
    match (funct7(bits), funct3(bits)) {
        (0b0000000, 0b000) => Insn::Add(ops),
        (0b0100000, 0b000) => Insn::Sub(ops),
        (0b0000000, 0b001) => Insn::Sll(ops),
        (0b0000000, 0b010) => Insn::Slt(ops),
        (0b0000000, 0b011) => Insn::Sltu(ops),
        (0b0000000, 0b100) => Insn::Xor(ops),
        (0b0000000, 0b101) => Insn::Srl(ops),
        (0b0100000, 0b101) => Insn::Sra(ops),
        (0b0000000, 0b110) => Insn::Or(ops),
        (0b0000000, 0b111) => Insn::And(ops),
        (0b0000001, _) => m::op(bits),
        _ => bitmanip::op(bits),
    }
}

pub(super) fn op_32(bits: u32) -> Insn {
    let ops = r_type(bits);
    match (funct7(bits), funct3(bits)) {
        (0b0000000, 0b000) => Insn::Addw(ops),
        (0b0100000, 0b000) => Insn::Subw(ops),
        (0b0000000, 0b001) => Insn::Sllw(ops),
        (0b0000000, 0b101) => Insn::Srlw(ops),
        (0b0100000, 0b101) => Insn::Sraw(ops),
        (0b0000001, _) => m::op_32(bits),
        _ => bitmanip::op_32(bits),
    }
}

pub(super) const fn i_type(bits: u32) -> IType {
    IType { rd: rd(bits), rs1: rs1(bits), imm: imm_i(bits) }
}

pub(super) const fn r_type(bits: u32) -> RType {
    RType { rd: rd(bits), rs1: rs1(bits), rs2: rs2(bits) }
}

/// Operands of a shift by a six-bit amount (`inst[25:20]`).
pub(super) const fn shift64(bits: u32) -> ShiftImm {
    ShiftImm { rd: rd(bits), rs1: rs1(bits), shamt: field(bits, 25, 20) as u8 }
}

/// Operands of a shift by a five-bit amount (`inst[24:20]`).
pub(super) const fn shift32(bits: u32) -> ShiftImm {
    ShiftImm { rd: rd(bits), rs1: rs1(bits), shamt: field(bits, 24, 20) as u8 }
}

//! M: integer multiplication and division (Unprivileged spec chapter 7),
//! funct7 = 0000001 in the OP and OP-32 opcodes.

use super::base::r_type;
use super::funct3;
use crate::insn::Insn;

/// OP with funct7 = 0000001.
pub(super) fn op(bits: u32) -> Insn {
    let ops = r_type(bits);
    match funct3(bits) {
        0b000 => Insn::Mul(ops),
        0b001 => Insn::Mulh(ops),
        0b010 => Insn::Mulhsu(ops),
        0b011 => Insn::Mulhu(ops),
        0b100 => Insn::Div(ops),
        0b101 => Insn::Divu(ops),
        0b110 => Insn::Rem(ops),
        _ => Insn::Remu(ops),
    }
}

/// OP-32 with funct7 = 0000001. There are no 32-bit forms of the high-half
/// multiplies.
pub(super) fn op_32(bits: u32) -> Insn {
    let ops = r_type(bits);
    match funct3(bits) {
        0b000 => Insn::Mulw(ops),
        0b100 => Insn::Divw(ops),
        0b101 => Insn::Divuw(ops),
        0b110 => Insn::Remw(ops),
        0b111 => Insn::Remuw(ops),
        _ => Insn::Illegal(bits),
    }
}

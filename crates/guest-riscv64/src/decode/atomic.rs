//! A: load-reserved/store-conditional and the AMOs (Unprivileged spec
//! chapter 8), opcode AMO with funct3 = 010 (word) or 011 (doubleword).

use super::{bit, field, funct3, rd, rs1, rs2};
use crate::insn::Insn;
use crate::operands::{Amo, Lr};

pub(super) fn decode(bits: u32) -> Insn {
    let aq = bit(bits, 26) == 1;
    let rl = bit(bits, 25) == 1;
    let funct5 = field(bits, 31, 27);
    let double = match funct3(bits) {
        0b010 => false,
        0b011 => true,
        _ => return Insn::Illegal(bits),
    };
    if funct5 == 0b00010 {
        // LR has no rs2; a non-zero field is reserved.
        if field(bits, 24, 20) != 0 {
            return Insn::Illegal(bits);
        }
        let ops = Lr { rd: rd(bits), rs1: rs1(bits), aq, rl };
        return if double { Insn::LrD(ops) } else { Insn::LrW(ops) };
    }
    let ops = Amo { rd: rd(bits), rs1: rs1(bits), rs2: rs2(bits), aq, rl };
    match (funct5, double) {
        (0b00011, false) => Insn::ScW(ops),
        (0b00001, false) => Insn::AmoswapW(ops),
        (0b00000, false) => Insn::AmoaddW(ops),
        (0b00100, false) => Insn::AmoxorW(ops),
        (0b01100, false) => Insn::AmoandW(ops),
        (0b01000, false) => Insn::AmoorW(ops),
        (0b10000, false) => Insn::AmominW(ops),
        (0b10100, false) => Insn::AmomaxW(ops),
        (0b11000, false) => Insn::AmominuW(ops),
        (0b11100, false) => Insn::AmomaxuW(ops),
        (0b00011, true) => Insn::ScD(ops),
        (0b00001, true) => Insn::AmoswapD(ops),
        (0b00000, true) => Insn::AmoaddD(ops),
        (0b00100, true) => Insn::AmoxorD(ops),
        (0b01100, true) => Insn::AmoandD(ops),
        (0b01000, true) => Insn::AmoorD(ops),
        (0b10000, true) => Insn::AmominD(ops),
        (0b10100, true) => Insn::AmomaxD(ops),
        (0b11000, true) => Insn::AmominuD(ops),
        (0b11100, true) => Insn::AmomaxuD(ops),
        _ => Insn::Illegal(bits),
    }
}

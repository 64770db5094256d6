//! RVC, the compressed instructions (Unprivileged spec chapter 16), as RV64C
//! defines them: each decodes to the 32-bit instruction it expands to.
//!
//! Reserved encodings decode to [`Insn::Illegal`]: the all-zero parcel,
//! `c.addi4spn` with a zero immediate, `c.addiw` with `rd = x0`, `c.lui` and
//! `c.addi16sp` with a zero immediate, `c.lwsp`/`c.ldsp` with `rd = x0`,
//! `c.jr` with `rs1 = x0`, and the opcode slots RV64C leaves unused (those
//! Zcb and others later fill). HINT encodings (`c.nop` with an immediate,
//! `c.addi` with a zero immediate, `c.li`/`c.lui`/`c.mv`/`c.add`/`c.slli`
//! with `rd = x0`, and the shifts by zero, which RV64C defines as HINTs
//! rather than shifts by 64) are legal and decode to their expansions.

use super::{bit, field, sext};
use crate::insn::Insn;
use crate::operands::{BType, FLoad, FReg, FStore, IType, JType, RType, SType, ShiftImm, UType, XReg};

/// Decodes a 16-bit compressed instruction. Parcels whose low two bits are
/// `11` are the start of a 32-bit instruction, not a compressed one, and
/// decode to [`Insn::Illegal`].
pub fn decode_compressed(bits: u16) -> Insn {
    let b = u32::from(bits);
    match (field(b, 1, 0), field(b, 15, 13)) {
        (0b00, funct3) => quadrant0(b, funct3),
        (0b01, funct3) => quadrant1(b, funct3),
        (0b10, funct3) => quadrant2(b, funct3),
        _ => Insn::Illegal(b),
    }
}

fn quadrant0(b: u32, funct3: u32) -> Insn {
    let rd_p = XReg::from_compressed_field(b >> 2);
    let frd_p = FReg::from_compressed_field(b >> 2);
    let rs1_p = XReg::from_compressed_field(b >> 7);
    match funct3 {
        0b000 => {
            // c.addi4spn: nzuimm[5:4|9:6|2|3] in inst[12:5].
            let imm = (field(b, 12, 11) << 4) | (field(b, 10, 7) << 6) | (bit(b, 6) << 2) | (bit(b, 5) << 3);
            if imm == 0 {
                // Includes the all-zero parcel, defined to be illegal.
                return Insn::Illegal(b);
            }
            Insn::Addi(IType { rd: rd_p, rs1: XReg::SP, imm: imm as i32 })
        }
        0b001 => Insn::Fld(FLoad { rd: frd_p, rs1: rs1_p, imm: uimm_d(b) }),
        0b010 => Insn::Lw(IType { rd: rd_p, rs1: rs1_p, imm: uimm_w(b) }),
        0b011 => Insn::Ld(IType { rd: rd_p, rs1: rs1_p, imm: uimm_d(b) }),
        0b101 => Insn::Fsd(FStore { rs1: rs1_p, rs2: frd_p, imm: uimm_d(b) }),
        0b110 => Insn::Sw(SType { rs1: rs1_p, rs2: rd_p, imm: uimm_w(b) }),
        0b111 => Insn::Sd(SType { rs1: rs1_p, rs2: rd_p, imm: uimm_d(b) }),
        // 100 is reserved in RV64C.
        _ => Insn::Illegal(b),
    }
}

fn quadrant1(b: u32, funct3: u32) -> Insn {
    let rd = XReg::from_field(b >> 7);
    let imm6 = sext((bit(b, 12) << 5) | field(b, 6, 2), 6);
    match funct3 {
        // c.addi (c.nop when rd = x0; HINTs when exactly one of rd, imm is 0).
        0b000 => Insn::Addi(IType { rd, rs1: rd, imm: imm6 }),
        0b001 if rd.num() == 0 => Insn::Illegal(b),
        0b001 => Insn::Addiw(IType { rd, rs1: rd, imm: imm6 }),
        0b010 => Insn::Addi(IType { rd, rs1: XReg::ZERO, imm: imm6 }),
        0b011 if rd == XReg::SP => {
            // c.addi16sp: nzimm[9|4|6|8:7|5] in inst[12|6|5|4:3|2].
            let imm = sext(
                (bit(b, 12) << 9) | (bit(b, 6) << 4) | (bit(b, 5) << 6) | (field(b, 4, 3) << 7) | (bit(b, 2) << 5),
                10,
            );
            if imm == 0 {
                return Insn::Illegal(b);
            }
            Insn::Addi(IType { rd: XReg::SP, rs1: XReg::SP, imm })
        }
        0b011 => {
            // c.lui: nzimm[17|16:12] in inst[12|6:2].
            let imm = sext((bit(b, 12) << 17) | (field(b, 6, 2) << 12), 18);
            if imm == 0 {
                return Insn::Illegal(b);
            }
            Insn::Lui(UType { rd, imm })
        }
        0b100 => misc_alu(b),
        0b101 => {
            // c.j: offset[11|4|9:8|10|6|7|3:1|5] in inst[12:2].
            let imm = sext(
                (bit(b, 12) << 11)
                    | (bit(b, 11) << 4)
                    | (field(b, 10, 9) << 8)
                    | (bit(b, 8) << 10)
                    | (bit(b, 7) << 6)
                    | (bit(b, 6) << 7)
                    | (field(b, 5, 3) << 1)
                    | (bit(b, 2) << 5),
                12,
            );
            Insn::Jal(JType { rd: XReg::ZERO, imm })
        }
        _ => {
            // c.beqz / c.bnez: offset[8|4:3] in inst[12:10], offset[7:6|2:1|5] in inst[6:2].
            let imm = sext(
                (bit(b, 12) << 8)
                    | (field(b, 11, 10) << 3)
                    | (field(b, 6, 5) << 6)
                    | (field(b, 4, 3) << 1)
                    | (bit(b, 2) << 5),
                9,
            );
            let ops = BType { rs1: XReg::from_compressed_field(b >> 7), rs2: XReg::ZERO, imm };
            if funct3 == 0b110 { Insn::Beq(ops) } else { Insn::Bne(ops) }
        }
    }
}

/// Quadrant 1, funct3 = 100: shifts, `c.andi` and the register-register ALU
/// operations on `x8`..`x15`.
fn misc_alu(b: u32) -> Insn {
    let rd = XReg::from_compressed_field(b >> 7);
    let rs2 = XReg::from_compressed_field(b >> 2);
    let shamt = ((bit(b, 12) << 5) | field(b, 6, 2)) as u8;
    let rr = RType { rd, rs1: rd, rs2 };
    match (field(b, 11, 10), bit(b, 12), field(b, 6, 5)) {
        (0b00, _, _) => Insn::Srli(ShiftImm { rd, rs1: rd, shamt }),
        (0b01, _, _) => Insn::Srai(ShiftImm { rd, rs1: rd, shamt }),
        (0b10, _, _) => Insn::Andi(IType { rd, rs1: rd, imm: sext((bit(b, 12) << 5) | field(b, 6, 2), 6) }),
        (_, 0, 0b00) => Insn::Sub(rr),
        (_, 0, 0b01) => Insn::Xor(rr),
        (_, 0, 0b10) => Insn::Or(rr),
        (_, 0, _) => Insn::And(rr),
        (_, _, 0b00) => Insn::Subw(rr),
        (_, _, 0b01) => Insn::Addw(rr),
        // 10 and 11 with inst[12] set are reserved in RV64C.
        _ => Insn::Illegal(b),
    }
}

fn quadrant2(b: u32, funct3: u32) -> Insn {
    let rd = XReg::from_field(b >> 7);
    let rs2 = XReg::from_field(b >> 2);
    match funct3 {
        0b000 => Insn::Slli(ShiftImm { rd, rs1: rd, shamt: ((bit(b, 12) << 5) | field(b, 6, 2)) as u8 }),
        0b001 => Insn::Fld(FLoad { rd: FReg::from_field(b >> 7), rs1: XReg::SP, imm: uimm_ldsp(b) }),
        0b010 if rd.num() == 0 => Insn::Illegal(b),
        0b010 => {
            // c.lwsp: uimm[5|4:2|7:6] in inst[12|6:4|3:2].
            let imm = (bit(b, 12) << 5) | (field(b, 6, 4) << 2) | (field(b, 3, 2) << 6);
            Insn::Lw(IType { rd, rs1: XReg::SP, imm: imm as i32 })
        }
        0b011 if rd.num() == 0 => Insn::Illegal(b),
        0b011 => Insn::Ld(IType { rd, rs1: XReg::SP, imm: uimm_ldsp(b) }),
        0b100 => match (bit(b, 12), rd.num(), rs2.num()) {
            (0, 0, 0) => Insn::Illegal(b),
            (0, _, 0) => Insn::Jalr(IType { rd: XReg::ZERO, rs1: rd, imm: 0 }),
            (0, _, _) => Insn::Add(RType { rd, rs1: XReg::ZERO, rs2 }),
            (_, 0, 0) => Insn::Ebreak,
            (_, _, 0) => Insn::Jalr(IType { rd: XReg::RA, rs1: rd, imm: 0 }),
            _ => Insn::Add(RType { rd, rs1: rd, rs2 }),
        },
        0b101 => Insn::Fsd(FStore { rs1: XReg::SP, rs2: FReg::from_field(b >> 2), imm: uimm_sdsp(b) }),
        0b110 => {
            // c.swsp: uimm[5:2|7:6] in inst[12:9|8:7].
            let imm = (field(b, 12, 9) << 2) | (field(b, 8, 7) << 6);
            Insn::Sw(SType { rs1: XReg::SP, rs2, imm: imm as i32 })
        }
        _ => Insn::Sd(SType { rs1: XReg::SP, rs2, imm: uimm_sdsp(b) }),
    }
}

/// Word load/store offset: uimm[5:3] in inst[12:10], uimm[2|6] in inst[6:5].
const fn uimm_w(b: u32) -> i32 {
    ((field(b, 12, 10) << 3) | (bit(b, 6) << 2) | (bit(b, 5) << 6)) as i32
}

/// Doubleword load/store offset: uimm[5:3] in inst[12:10], uimm[7:6] in inst[6:5].
const fn uimm_d(b: u32) -> i32 {
    ((field(b, 12, 10) << 3) | (field(b, 6, 5) << 6)) as i32
}

/// `c.ldsp`/`c.fldsp` offset: uimm[5|4:3|8:6] in inst[12|6:5|4:2].
const fn uimm_ldsp(b: u32) -> i32 {
    ((bit(b, 12) << 5) | (field(b, 6, 5) << 3) | (field(b, 4, 2) << 6)) as i32
}

/// `c.sdsp`/`c.fsdsp` offset: uimm[5:3|8:6] in inst[12:10|9:7].
const fn uimm_sdsp(b: u32) -> i32 {
    ((field(b, 12, 10) << 3) | (field(b, 9, 7) << 6)) as i32
}

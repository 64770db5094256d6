//! F and D: single- and double-precision floating point (Unprivileged spec
//! chapters 11 and 12), opcodes LOAD-FP, STORE-FP, MADD/MSUB/NMSUB/NMADD and
//! OP-FP.
//!
//! The `fmt` field (`inst[26:25]`) selects the precision: 00 = S, 01 = D.
//! H (Zfh) and Q are not supported and decode to [`Insn::Illegal`], as do the
//! loads and stores of other widths (Zfh, V) that share these opcodes.
//!
//! Reserved rounding modes (5, 6) are kept in the decoded instruction; see
//! [`RoundingMode`](crate::RoundingMode).

use super::{field, frd, frs1, frs2, frs3, funct3, imm_i, imm_s, rd, rm, rs1};
use crate::insn::Insn;
use crate::operands::{FCmp, FLoad, FR4Type, FRType, FRTypeRm, FStore, FToX, FToXRm, FUnaryRm, XToF, XToFRm};

/// The `fmt` field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    S,
    D,
}

const fn fmt(bits: u32) -> Option<Fmt> {
    match field(bits, 26, 25) {
        0b00 => Some(Fmt::S),
        0b01 => Some(Fmt::D),
        _ => None,
    }
}

pub(super) fn load(bits: u32) -> Insn {
    let ops = FLoad { rd: frd(bits), rs1: rs1(bits), imm: imm_i(bits) };
    match funct3(bits) {
        0b010 => Insn::Flw(ops),
        0b011 => Insn::Fld(ops),
        _ => Insn::Illegal(bits),
    }
}

pub(super) fn store(bits: u32) -> Insn {
    let ops = FStore { rs1: rs1(bits), rs2: frs2(bits), imm: imm_s(bits) };
    match funct3(bits) {
        0b010 => Insn::Fsw(ops),
        0b011 => Insn::Fsd(ops),
        _ => Insn::Illegal(bits),
    }
}

/// MADD, MSUB, NMSUB, NMADD (R4-type).
pub(super) fn fused(bits: u32) -> Insn {
    let ops = FR4Type { rd: frd(bits), rs1: frs1(bits), rs2: frs2(bits), rs3: frs3(bits), rm: rm(bits) };
    let Some(fmt) = fmt(bits) else { return Insn::Illegal(bits) };
    match (field(bits, 3, 2), fmt) {
        (0b00, Fmt::S) => Insn::FmaddS(ops),
        (0b01, Fmt::S) => Insn::FmsubS(ops),
        (0b10, Fmt::S) => Insn::FnmsubS(ops),
        (0b11, Fmt::S) => Insn::FnmaddS(ops),
        (0b00, Fmt::D) => Insn::FmaddD(ops),
        (0b01, Fmt::D) => Insn::FmsubD(ops),
        (0b10, Fmt::D) => Insn::FnmsubD(ops),
        _ => Insn::FnmaddD(ops),
    }
}

/// OP-FP: `funct5 = inst[31:27]` selects the operation; `rs2` is an
/// operation selector for the unary ones and must otherwise be zero.
pub(super) fn op_fp(bits: u32) -> Insn {
    let Some(fmt) = fmt(bits) else { return Insn::Illegal(bits) };
    let s = fmt == Fmt::S;
    let funct3 = funct3(bits);
    let rs2_field = field(bits, 24, 20);
    let rrm = FRTypeRm { rd: frd(bits), rs1: frs1(bits), rs2: frs2(bits), rm: rm(bits) };
    let rr = FRType { rd: frd(bits), rs1: frs1(bits), rs2: frs2(bits) };
    let unary_rm = FUnaryRm { rd: frd(bits), rs1: frs1(bits), rm: rm(bits) };
    let to_x = FToX { rd: rd(bits), rs1: frs1(bits) };
    let to_x_rm = FToXRm { rd: rd(bits), rs1: frs1(bits), rm: rm(bits) };
    let from_x = XToF { rd: frd(bits), rs1: rs1(bits) };
    let from_x_rm = XToFRm { rd: frd(bits), rs1: rs1(bits), rm: rm(bits) };
    let cmp = FCmp { rd: rd(bits), rs1: frs1(bits), rs2: frs2(bits) };
    match field(bits, 31, 27) {
        0b00000 => pick(s, Insn::FaddS(rrm), Insn::FaddD(rrm)),
        0b00001 => pick(s, Insn::FsubS(rrm), Insn::FsubD(rrm)),
        0b00010 => pick(s, Insn::FmulS(rrm), Insn::FmulD(rrm)),
        0b00011 => pick(s, Insn::FdivS(rrm), Insn::FdivD(rrm)),
        0b01011 if rs2_field == 0 => pick(s, Insn::FsqrtS(unary_rm), Insn::FsqrtD(unary_rm)),
        0b00100 => match funct3 {
            0b000 => pick(s, Insn::FsgnjS(rr), Insn::FsgnjD(rr)),
            0b001 => pick(s, Insn::FsgnjnS(rr), Insn::FsgnjnD(rr)),
            0b010 => pick(s, Insn::FsgnjxS(rr), Insn::FsgnjxD(rr)),
            _ => Insn::Illegal(bits),
        },
        0b00101 => match funct3 {
            0b000 => pick(s, Insn::FminS(rr), Insn::FminD(rr)),
            0b001 => pick(s, Insn::FmaxS(rr), Insn::FmaxD(rr)),
            _ => Insn::Illegal(bits),
        },
        // fcvt between precisions: fmt is the destination, rs2 the source.
        0b01000 => match (fmt, rs2_field) {
            (Fmt::S, 0b00001) => Insn::FcvtSD(unary_rm),
            (Fmt::D, 0b00000) => Insn::FcvtDS(unary_rm),
            _ => Insn::Illegal(bits),
        },
        0b10100 => match funct3 {
            0b010 => pick(s, Insn::FeqS(cmp), Insn::FeqD(cmp)),
            0b001 => pick(s, Insn::FltS(cmp), Insn::FltD(cmp)),
            0b000 => pick(s, Insn::FleS(cmp), Insn::FleD(cmp)),
            _ => Insn::Illegal(bits),
        },
        0b11000 => match rs2_field {
            0b00000 => pick(s, Insn::FcvtWS(to_x_rm), Insn::FcvtWD(to_x_rm)),
            0b00001 => pick(s, Insn::FcvtWuS(to_x_rm), Insn::FcvtWuD(to_x_rm)),
            0b00010 => pick(s, Insn::FcvtLS(to_x_rm), Insn::FcvtLD(to_x_rm)),
            0b00011 => pick(s, Insn::FcvtLuS(to_x_rm), Insn::FcvtLuD(to_x_rm)),
            _ => Insn::Illegal(bits),
        },
        0b11010 => match rs2_field {
            0b00000 => pick(s, Insn::FcvtSW(from_x_rm), Insn::FcvtDW(from_x_rm)),
            0b00001 => pick(s, Insn::FcvtSWu(from_x_rm), Insn::FcvtDWu(from_x_rm)),
            0b00010 => pick(s, Insn::FcvtSL(from_x_rm), Insn::FcvtDL(from_x_rm)),
            0b00011 => pick(s, Insn::FcvtSLu(from_x_rm), Insn::FcvtDLu(from_x_rm)),
            _ => Insn::Illegal(bits),
        },
        0b11100 if rs2_field == 0 => match funct3 {
            0b000 => pick(s, Insn::FmvXW(to_x), Insn::FmvXD(to_x)),
            0b001 => pick(s, Insn::FclassS(to_x), Insn::FclassD(to_x)),
            _ => Insn::Illegal(bits),
        },
        0b11110 if rs2_field == 0 && funct3 == 0 => pick(s, Insn::FmvWX(from_x), Insn::FmvDX(from_x)),
        _ => Insn::Illegal(bits),
    }
}

/// The single- or double-precision variant.
fn pick(single: bool, s: Insn, d: Insn) -> Insn {
    if single { s } else { d }
}

//! The SYSTEM opcode: Zicsr (Unprivileged spec chapter 9) and the
//! privileged instructions `ecall`, `ebreak`, `sret`, `mret`, `wfi` and
//! `sfence.vma` (Privileged spec §3.3, §4.2.1).
//!
//! The hypervisor (H), debug-mode (`dret`) and Svinval instructions are not
//! supported and decode to [`Insn::Illegal`].

use super::{field, funct3, funct7, rd, rs1, rs2};
use crate::insn::Insn;
use crate::operands::{CsrImm, CsrReg, SfenceVma};

pub(super) fn decode(bits: u32) -> Insn {
    let csr = field(bits, 31, 20) as u16;
    let reg = CsrReg { rd: rd(bits), rs1: rs1(bits), csr };
    let imm = CsrImm { rd: rd(bits), uimm: field(bits, 19, 15) as u8, csr };
    match funct3(bits) {
        0b000 => privileged(bits),
        0b001 => Insn::Csrrw(reg),
        0b010 => Insn::Csrrs(reg),
        0b011 => Insn::Csrrc(reg),
        0b101 => Insn::Csrrwi(imm),
        0b110 => Insn::Csrrsi(imm),
        0b111 => Insn::Csrrci(imm),
        // 100 holds the hypervisor load/store instructions.
        _ => Insn::Illegal(bits),
    }
}

/// funct3 = 000: fully fixed encodings, except `sfence.vma`'s two registers.
fn privileged(bits: u32) -> Insn {
    match bits {
        0x0000_0073 => Insn::Ecall,
        0x0010_0073 => Insn::Ebreak,
        0x1020_0073 => Insn::Sret,
        0x3020_0073 => Insn::Mret,
        0x1050_0073 => Insn::Wfi,
        _ if funct7(bits) == 0b0001001 && rd(bits).num() == 0 => {
            Insn::SfenceVma(SfenceVma { rs1: rs1(bits), rs2: rs2(bits) })
        }
        _ => Insn::Illegal(bits),
    }
}

//! The MISC-MEM opcode: `fence`, `fence.tso` and the `pause` hint
//! (Unprivileged spec §2.7, Zihintpause), `fence.i` (Zifencei) and the
//! cache-block operations `cbo.*` (Zicbom, Zicboz).

use super::{field, funct3, rd, rs1};
use crate::insn::Insn;
use crate::operands::{Cbo, Fence, FenceSet};

/// `fence w, 0` with `fm`, `rs1` and `rd` zero.
const PAUSE: u32 = 0x0100_000f;

pub(super) fn decode(bits: u32) -> Insn {
    match funct3(bits) {
        0b000 if bits == PAUSE => Insn::Pause,
        // rd, rs1 and the reserved fm values are ignored (§2.7: "base
        // implementations shall treat all such reserved configurations as
        // normal fences"); fences with an empty pred or succ are HINTs.
        0b000 => Insn::Fence(Fence {
            fm: field(bits, 31, 28) as u8,
            pred: FenceSet(field(bits, 27, 24) as u8),
            succ: FenceSet(field(bits, 23, 20) as u8),
        }),
        // Zifencei: "the unused fields in the FENCE.I instruction, imm[11:0],
        // rs1, and rd, are reserved for finer-grain fences ... base
        // implementations shall ignore these fields".
        0b001 => Insn::FenceI,
        // Zicbom/Zicboz: cbo.* have rd = 0 and funct12 selecting the operation.
        0b010 if rd(bits).num() == 0 => {
            let ops = Cbo { rs1: rs1(bits) };
            match field(bits, 31, 20) {
                0b000 => Insn::CboInval(ops),
                0b001 => Insn::CboClean(ops),
                0b010 => Insn::CboFlush(ops),
                0b100 => Insn::CboZero(ops),
                _ => Insn::Illegal(bits),
            }
        }
        _ => Insn::Illegal(bits),
    }
}

//! The decoder and disassembler are total: every 16-bit parcel and (a large
//! sample of) every 32-bit word decode and print without panicking (tests
//! run with overflow checks). Valid instructions also round-trip through the
//! `testing` encoder, which shows that
//!
//! - a compressed instruction decodes to exactly what its 32-bit expansion
//!   decodes to, and
//! - the 32-bit decoder accepts no encoding with a don't-care bit, except the
//!   fields the spec tells implementations to ignore (`fence`, `fence.i`).

use wemu_guest_riscv64::testing::encode;
use wemu_guest_riscv64::{Insn, decode, decode_compressed, insn_length};

/// Decodes `bits` as a 32-bit instruction and checks everything we can.
fn check32(bits: u32) {
    let insn = decode(bits);
    let text = insn.to_string();
    assert!(!text.is_empty(), "{bits:#010x}: empty disassembly");
    if bits & 3 != 3 {
        assert_eq!(insn, Insn::Illegal(bits), "{bits:#010x}: compressed encoding accepted by decode");
        return;
    }
    let encoded = encode(&insn);
    assert_eq!(decode(encoded), insn, "{bits:#010x} ({text}) re-encodes to {encoded:#010x}, which decodes differently");
    if !matches!(insn, Insn::Fence(_) | Insn::FenceI) {
        assert_eq!(encoded, bits, "{bits:#010x} ({text}): decoded ignoring bits; canonical form is {encoded:#010x}");
    }
}

#[test]
fn every_compressed_parcel() {
    let mut valid = 0;
    for half in 0..=u16::MAX {
        let insn = decode_compressed(half);
        let text = insn.to_string();
        assert!(!text.is_empty(), "{half:#06x}: empty disassembly");
        if insn_length(half) == 4 {
            assert_eq!(insn, Insn::Illegal(u32::from(half)), "{half:#06x}: 32-bit prefix decoded as compressed");
            continue;
        }
        if let Insn::Illegal(bits) = insn {
            assert_eq!(bits, u32::from(half));
            continue;
        }
        valid += 1;
        // The expansion is a valid 32-bit instruction that decodes to the same Insn.
        let expanded = encode(&insn);
        assert_eq!(expanded & 3, 3, "{half:#06x} ({text}) expands to a non-32-bit encoding");
        assert_eq!(decode(expanded), insn, "{half:#06x} ({text}): its 32-bit expansion {expanded:#010x} differs");
    }
    // 3 quadrants of 2^14 parcels, less the reserved and illegal ones.
    assert!(valid > 45_000, "only {valid} valid compressed encodings");
}

/// Every opcode and funct3 against every value of `inst[31:20]` (funct7 and
/// rs2, or the 12-bit immediate/CSR field), with varying rd and rs1.
#[test]
fn structured_32bit_sweep() {
    let mut rng = SplitMix64(1);
    for opcode in (0u32..128).filter(|o| o & 3 == 3) {
        for funct3 in 0..8u32 {
            for high in 0..4096u32 {
                let regs = rng.next() as u32 & 0x000f_8f80; // rs1 (19:15) and rd (11:7)
                check32(opcode | (funct3 << 12) | (high << 20) | regs);
            }
        }
    }
}

#[test]
fn random_32bit_words() {
    let mut rng = SplitMix64(0x5eed);
    for _ in 0..2_000_000 {
        let r = rng.next();
        check32(r as u32);
        // Half the samples forced to a 32-bit encoding.
        check32((r >> 32) as u32 | 3);
    }
}

#[test]
fn edge_words() {
    for bits in [0, 1, 2, 3, 0x7f, 0xffff, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0xffff_ff7f, 0x0000_0073] {
        check32(bits);
    }
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

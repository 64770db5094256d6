//! The reset ROM at [`ROM_BASE`](crate::memmap::ROM_BASE): what QEMU's
//! `virt` board puts there, so OpenSBI's `fw_dynamic` (and a kernel started
//! without firmware) find the same registers as on QEMU.
//!
//! ```text
//! 0x1000  auipc t0, 0             t0 = 0x1000
//! 0x1004  addi  a2, t0, 40        a2 = &fw_dynamic_info (0x1028)
//! 0x1008  csrr  a0, mhartid       a0 = hart id
//! 0x100c  ld    a1, 32(t0)        a1 = the device tree's address
//! 0x1010  ld    t0, 24(t0)        t0 = the start address
//! 0x1014  jr    t0                jump there, still in M-mode
//! 0x1018  .dword start            firmware (or kernel, without firmware)
//! 0x1020  .dword fdt
//! 0x1028  struct fw_dynamic_info  6 dwords, see below
//! ```
//!
//! `struct fw_dynamic_info` is OpenSBI's (`include/sbi/fw_dynamic.h`):
//! magic `0x4942534f` ("OSBI"), version 2, `next_addr` (where OpenSBI
//! enters the next stage), `next_mode` (1: S-mode), `options` (0) and
//! `boot_hart` (the hart that boots; QEMU passes 0).

use alloc::vec::Vec;

/// The reset vector, as instruction words (RV64I/Zicsr encodings, see the
/// module docs; the unit tests disassemble them).
pub const RESET_VECTOR: [u32; 6] = [
    0x0000_0297, // auipc t0, 0
    0x0282_8613, // addi a2, t0, 40
    0xf140_2573, // csrr a0, mhartid
    0x0202_b583, // ld a1, 32(t0)
    0x0182_b283, // ld t0, 24(t0)
    0x0002_8067, // jr t0 (jalr zero, 0(t0))
];

/// Offset of the start address in the ROM.
pub const START_OFFSET: usize = 0x18;
/// Offset of the device tree's address.
pub const FDT_OFFSET: usize = 0x20;
/// Offset of `struct fw_dynamic_info`.
pub const FW_DYNAMIC_INFO_OFFSET: usize = 0x28;

/// `fw_dynamic_info.magic`.
pub const FW_DYNAMIC_INFO_MAGIC: u64 = 0x4942_534f;
/// `fw_dynamic_info.version` (version 2 has `boot_hart`).
pub const FW_DYNAMIC_INFO_VERSION: u64 = 2;
/// `fw_dynamic_info.next_mode` for S-mode.
pub const NEXT_MODE_S: u64 = 1;

/// The ROM's first bytes: the reset vector jumping to `start` with the
/// device tree at `fdt`, and an `fw_dynamic_info` sending OpenSBI on to
/// `next_addr` in S-mode.
pub fn image(start: u64, fdt: u64, next_addr: u64, boot_hart: u64) -> Vec<u8> {
    let mut rom = Vec::with_capacity(FW_DYNAMIC_INFO_OFFSET + 48);
    for w in RESET_VECTOR {
        rom.extend_from_slice(&w.to_le_bytes());
    }
    let info = [FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, next_addr, NEXT_MODE_S, 0, boot_hart];
    for d in [start, fdt].iter().chain(&info) {
        rom.extend_from_slice(&d.to_le_bytes());
    }
    rom
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn the_reset_vector_disassembles_as_documented() {
        let text: Vec<_> = RESET_VECTOR.iter().map(|&w| wemu_guest_riscv64::decode(w).to_string()).collect();
        assert_eq!(
            text,
            [
                "auipc t0, 0x0",
                "addi a2, t0, 40",
                "csrrs a0, mhartid, zero",
                "ld a1, 32(t0)",
                "ld t0, 24(t0)",
                "jalr zero, 0(t0)"
            ]
        );
    }

    #[test]
    fn the_layout_matches_the_loads() {
        let rom = image(0x8000_0000, 0x9fe0_0000, 0x8020_0000, 0);
        let d = |o: usize| u64::from_le_bytes(rom[o..o + 8].try_into().unwrap());
        assert_eq!(RESET_VECTOR.len() * 4, START_OFFSET);
        assert_eq!((d(START_OFFSET), d(FDT_OFFSET)), (0x8000_0000, 0x9fe0_0000));
        let info: Vec<u64> = (0..6).map(|i| d(FW_DYNAMIC_INFO_OFFSET + 8 * i)).collect();
        assert_eq!(info, [0x4942_534f, 2, 0x8020_0000, 1, 0, 0]);
    }
}

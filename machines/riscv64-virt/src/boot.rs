//! Where the boot images go, as QEMU's `virt` board places them
//! (`hw/riscv/boot.c`), so a run here and one on QEMU see the same
//! addresses:
//!
//! * **firmware** (OpenSBI `fw_dynamic.bin`, a raw binary) at the start
//!   of RAM, `0x8000_0000`;
//! * **kernel** (a raw RISC-V `Image`) at the firmware's end rounded up
//!   to 2 MiB — `0x8020_0000` for OpenSBI — where `fw_dynamic_info`
//!   sends the firmware on in S-mode. Without firmware (`--bios none`)
//!   the kernel goes to the start of RAM and the reset vector jumps to it
//!   in M-mode, as on QEMU: that suits bare-metal programs and M-mode
//!   kernels, not a stock S-mode Linux, which needs an SBI;
//! * **initrd** at the kernel's start plus half of RAM, at most 128 MiB
//!   (`0x8820_0000` with OpenSBI and 256 MiB of RAM or more);
//! * **device tree** at the top of RAM (of the first 3 GiB), aligned down
//!   to 2 MiB (`0x9fe0_0000` with 512 MiB).

use crate::memmap::RAM_BASE;

const MIB: u64 = 1 << 20;
/// Kernel and device-tree alignment.
const ALIGN: u64 = 2 * MIB;

/// The header of a RISC-V Linux `Image` (Linux's
/// `Documentation/arch/riscv/boot-image-header.rst`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    /// Offset from a 2 MiB-aligned RAM base the kernel wants (informative;
    /// QEMU and this board load at the aligned address).
    pub text_offset: u64,
    /// Bytes the kernel occupies once running (including its BSS).
    pub image_size: u64,
}

impl ImageHeader {
    /// The header of `image`, if it has the `RISCV` / `RSC\x05` magic.
    pub fn parse(image: &[u8]) -> Option<ImageHeader> {
        let d = |o: usize| image.get(o..o + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
        let magic = image.get(48..56)? == b"RISCV\0\0\0";
        let magic2 = image.get(56..60)? == b"RSC\x05";
        (magic || magic2).then_some(ImageHeader { text_offset: d(8)?, image_size: d(16)? })
    }
}

/// Where each image goes, and where the hart starts after the ROM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Where the reset vector jumps (the firmware, or the kernel without
    /// one).
    pub start: u64,
    /// Where the firmware goes on (`fw_dynamic_info.next_addr`): the
    /// kernel's address.
    pub kernel: u64,
    /// The initrd's start and end (exclusive).
    pub initrd: Option<(u64, u64)>,
    /// The device tree's address.
    pub fdt: u64,
}

/// Rounds `v` up to a multiple of `align` (a power of two).
fn align_up(v: u64, align: u64) -> u64 {
    v.div_ceil(align) * align
}

/// Where the kernel goes after firmware of `firmware_len` bytes (or none).
pub fn kernel_addr(firmware_len: Option<u64>) -> u64 {
    match firmware_len {
        Some(len) => align_up(RAM_BASE + len, ALIGN),
        None => RAM_BASE,
    }
}

/// Where an initrd goes for a kernel at `kernel` in `ram_size` bytes of
/// RAM.
pub fn initrd_addr(kernel: u64, ram_size: u64) -> u64 {
    kernel + (ram_size / 2).min(128 * MIB)
}

/// Where a device tree of `fdt_len` bytes goes in `ram_size` bytes of RAM.
pub fn fdt_addr(ram_size: u64, fdt_len: u64) -> u64 {
    let top = (RAM_BASE + ram_size).min(RAM_BASE.max(3 << 30));
    top.saturating_sub(fdt_len) & !(ALIGN - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_qemus() {
        let kernel = kernel_addr(Some(277_864));
        assert_eq!(kernel, 0x8020_0000);
        assert_eq!(kernel_addr(None), 0x8000_0000);
        assert_eq!(initrd_addr(kernel, 512 * MIB), 0x8820_0000);
        assert_eq!(initrd_addr(kernel, 128 * MIB), 0x8420_0000);
        assert_eq!(fdt_addr(512 * MIB, 0x2000), 0x9fe0_0000);
        assert_eq!(fdt_addr(256 * MIB, 0x2000), 0x8fe0_0000);
        // Above 3 GiB the tree stays below (in the 32-bit range).
        assert_eq!(fdt_addr(4096 * MIB, 0x2000), 0xbfe0_0000);
    }

    #[test]
    fn image_headers_are_recognised() {
        let mut img = [0u8; 64];
        img[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes());
        img[16..24].copy_from_slice(&0x234_0000u64.to_le_bytes());
        img[48..56].copy_from_slice(b"RISCV\0\0\0");
        img[56..60].copy_from_slice(b"RSC\x05");
        assert_eq!(ImageHeader::parse(&img), Some(ImageHeader { text_offset: 0x20_0000, image_size: 0x234_0000 }));
        assert_eq!(ImageHeader::parse(&[0u8; 64]), None);
        assert_eq!(ImageHeader::parse(&[0u8; 10]), None);
    }
}

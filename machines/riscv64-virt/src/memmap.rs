//! Where things are on the board: QEMU's riscv64 `virt` memory map
//! (`hw/riscv/virt.c`), so firmware and kernels built for it boot
//! unchanged, and the PLIC sources the devices are wired to.

/// The reset ROM (QEMU's "mrom"): the reset vector and the
/// `fw_dynamic_info` OpenSBI reads. Harts start here.
pub const ROM_BASE: u64 = 0x1000;
/// Its size.
pub const ROM_SIZE: u64 = 0xf000;
/// The SiFive test finisher (power off, reboot).
pub const TEST_BASE: u64 = wemu_dev_sifive_test::VIRT_BASE;
pub const TEST_SIZE: u64 = wemu_dev_sifive_test::WINDOW_SIZE;
/// The Goldfish RTC.
pub const RTC_BASE: u64 = wemu_dev_goldfish_rtc::VIRT_BASE;
pub const RTC_SIZE: u64 = wemu_dev_goldfish_rtc::WINDOW_SIZE;
/// The CLINT-compatible ACLINT (MSWI + MTIMER).
pub const CLINT_BASE: u64 = wemu_dev_aclint::VIRT_BASE;
pub const CLINT_SIZE: u64 = wemu_dev_aclint::WINDOW_SIZE;
/// The PLIC.
pub const PLIC_BASE: u64 = wemu_dev_plic::VIRT_BASE;
pub const PLIC_SIZE: u64 = wemu_dev_plic::VIRT_SIZE;
/// The NS16550A UART (the window QEMU's device tree gives it; the
/// registers are its first 8 bytes).
pub const UART_BASE: u64 = 0x1000_0000;
pub const UART_SIZE: u64 = 0x100;
/// The first virtio-mmio slot; slot `i` is at `VIRTIO_BASE + i *
/// VIRTIO_STRIDE` on PLIC source `VIRTIO_IRQ + i`.
pub const VIRTIO_BASE: u64 = 0x1000_1000;
pub const VIRTIO_STRIDE: u64 = 0x1000;
pub const VIRTIO_SLOTS: usize = 8;
/// RAM.
pub const RAM_BASE: u64 = 0x8000_0000;

/// PLIC source of the UART.
pub const UART_IRQ: u32 = 10;
/// PLIC source of the RTC.
pub const RTC_IRQ: u32 = wemu_dev_goldfish_rtc::VIRT_IRQ;
/// PLIC source of virtio-mmio slot 0.
pub const VIRTIO_IRQ: u32 = 1;

/// The `mtime` frequency (`timebase-frequency`).
pub const TIMEBASE_HZ: u64 = wemu_dev_aclint::TIMEBASE_HZ;
/// The UART's input clock as QEMU's device tree states it (Linux's 8250
/// driver wants one; the model ignores divisors).
pub const UART_CLOCK_HZ: u32 = 3_686_400;

/// The base of virtio-mmio slot `slot`.
pub const fn virtio_base(slot: usize) -> u64 {
    VIRTIO_BASE + slot as u64 * VIRTIO_STRIDE
}

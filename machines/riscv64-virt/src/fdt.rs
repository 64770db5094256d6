//! The device tree the board hands to firmware and kernel: generated at
//! boot from what the board has, in the shape of QEMU's `virt` tree
//! (node names, compatibles, interrupt wiring), so OpenSBI's generic
//! platform and Linux find their drivers.
//!
//! Only what exists is described: one node per device, the CPU's ISA as
//! the frontend implements it ([`wemu_guest_riscv64::isa`]), and a
//! virtio-mmio node for each slot that holds a transport.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};

use vm_fdt::{FdtWriter, FdtWriterResult};
use wemu_guest_riscv64::isa;

use crate::memmap::*;

/// What the tree describes besides the fixed devices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdtParams {
    /// Bytes of RAM at [`RAM_BASE`].
    pub ram_size: u64,
    /// The harts (hart ids `0..harts`).
    pub harts: u32,
    /// `/chosen/bootargs` (the kernel command line).
    pub bootargs: String,
    /// `/chosen/linux,initrd-start` and `-end`.
    pub initrd: Option<(u64, u64)>,
    /// The virtio-mmio slots that hold a transport.
    pub virtio_slots: Vec<usize>,
    /// `/chosen/rng-seed`: entropy for the kernel's random pool (none if
    /// empty).
    pub rng_seed: Vec<u8>,
}

// Phandles.
const PLIC_PHANDLE: u32 = 1;
const TEST_PHANDLE: u32 = 2;
/// The interrupt controller of hart `h` is `CPU_INTC_PHANDLE + 2h`, the
/// hart itself `CPU_INTC_PHANDLE + 2h + 1`.
const CPU_INTC_PHANDLE: u32 = 16;

/// `mip` bit numbers used in `interrupts-extended` (Privileged spec §3.1.9).
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

fn cpu_intc(hart: u32) -> u32 {
    CPU_INTC_PHANDLE + 2 * hart
}

fn cpu_phandle(hart: u32) -> u32 {
    CPU_INTC_PHANDLE + 2 * hart + 1
}

/// A `reg` of one region with 2 address and 2 size cells.
fn reg(base: u64, size: u64) -> [u64; 2] {
    [base, size]
}

/// The flattened device tree (DTB) for `p`.
pub fn build(p: &FdtParams) -> FdtWriterResult<Vec<u8>> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "riscv-virtio")?;
    fdt.property_string("model", "riscv-virtio,wemu")?;

    // /chosen
    let chosen = fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", &p.bootargs)?;
    fdt.property_string("stdout-path", &format!("/soc/serial@{UART_BASE:x}"))?;
    if let Some((start, end)) = p.initrd {
        fdt.property_u64("linux,initrd-start", start)?;
        fdt.property_u64("linux,initrd-end", end)?;
    }
    if !p.rng_seed.is_empty() {
        fdt.property("rng-seed", &p.rng_seed)?;
    }
    fdt.end_node(chosen)?;

    // /memory
    let memory = fdt.begin_node(&format!("memory@{RAM_BASE:x}"))?;
    fdt.property_string("device_type", "memory")?;
    fdt.property_array_u64("reg", &reg(RAM_BASE, p.ram_size))?;
    fdt.end_node(memory)?;

    // /cpus
    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("timebase-frequency", TIMEBASE_HZ as u32)?;
    for h in 0..p.harts {
        let cpu = fdt.begin_node(&format!("cpu@{h}"))?;
        fdt.property_phandle(cpu_phandle(h))?;
        fdt.property_string("device_type", "cpu")?;
        fdt.property_u32("reg", h)?;
        fdt.property_string("status", "okay")?;
        fdt.property_string("compatible", "riscv")?;
        fdt.property_string("riscv,isa", isa::ISA_STRING)?;
        fdt.property_string("riscv,isa-base", isa::ISA_BASE)?;
        fdt.property_string_list("riscv,isa-extensions", isa::ISA_EXTENSIONS.iter().map(|e| e.to_string()).collect())?;
        fdt.property_string("mmu-type", isa::MMU_TYPE)?;
        fdt.property_u32("riscv,cbom-block-size", isa::CBO_BLOCK_SIZE)?;
        fdt.property_u32("riscv,cboz-block-size", isa::CBO_BLOCK_SIZE)?;
        let intc = fdt.begin_node("interrupt-controller")?;
        fdt.property_u32("#interrupt-cells", 1)?;
        fdt.property_null("interrupt-controller")?;
        fdt.property_string("compatible", "riscv,cpu-intc")?;
        fdt.property_phandle(cpu_intc(h))?;
        fdt.end_node(intc)?;
        fdt.end_node(cpu)?;
    }
    let map = fdt.begin_node("cpu-map")?;
    let cluster = fdt.begin_node("cluster0")?;
    for h in 0..p.harts {
        let core = fdt.begin_node(&format!("core{h}"))?;
        fdt.property_u32("cpu", cpu_phandle(h))?;
        fdt.end_node(core)?;
    }
    fdt.end_node(cluster)?;
    fdt.end_node(map)?;
    fdt.end_node(cpus)?;

    // The finisher's poweroff and reboot (syscon drivers of OpenSBI and
    // Linux), as on QEMU: at the root.
    for (name, compatible, value) in [("poweroff", "syscon-poweroff", 0x5555), ("reboot", "syscon-reboot", 0x7777)] {
        let n = fdt.begin_node(name)?;
        fdt.property_u32("value", value)?;
        fdt.property_u32("offset", 0)?;
        fdt.property_u32("regmap", TEST_PHANDLE)?;
        fdt.property_string("compatible", compatible)?;
        fdt.end_node(n)?;
    }

    // /soc
    let soc = fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_null("ranges")?;

    let rtc = fdt.begin_node(&format!("rtc@{RTC_BASE:x}"))?;
    fdt.property_u32("interrupts", RTC_IRQ)?;
    fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
    fdt.property_array_u64("reg", &reg(RTC_BASE, RTC_SIZE))?;
    fdt.property_string("compatible", "google,goldfish-rtc")?;
    fdt.end_node(rtc)?;

    let uart = fdt.begin_node(&format!("serial@{UART_BASE:x}"))?;
    fdt.property_u32("interrupts", UART_IRQ)?;
    fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
    fdt.property_u32("clock-frequency", UART_CLOCK_HZ)?;
    fdt.property_array_u64("reg", &reg(UART_BASE, UART_SIZE))?;
    fdt.property_string("compatible", "ns16550a")?;
    fdt.end_node(uart)?;

    let test = fdt.begin_node(&format!("test@{TEST_BASE:x}"))?;
    fdt.property_phandle(TEST_PHANDLE)?;
    fdt.property_array_u64("reg", &reg(TEST_BASE, TEST_SIZE))?;
    fdt.property_string_list("compatible", vec!["sifive,test1".into(), "sifive,test0".into(), "syscon".into()])?;
    fdt.end_node(test)?;

    for &slot in &p.virtio_slots {
        let base = virtio_base(slot);
        let n = fdt.begin_node(&format!("virtio_mmio@{base:x}"))?;
        fdt.property_u32("interrupts", VIRTIO_IRQ + slot as u32)?;
        fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
        fdt.property_array_u64("reg", &reg(base, VIRTIO_STRIDE))?;
        fdt.property_string("compatible", "virtio,mmio")?;
        fdt.end_node(n)?;
    }

    // Contexts 2h and 2h + 1 are hart h's M- and S-mode external
    // interrupts.
    let plic = fdt.begin_node(&format!("plic@{PLIC_BASE:x}"))?;
    fdt.property_phandle(PLIC_PHANDLE)?;
    fdt.property_u32("riscv,ndev", wemu_dev_plic::VIRT_SOURCES - 1)?;
    fdt.property_array_u64("reg", &reg(PLIC_BASE, PLIC_SIZE))?;
    let ext: Vec<u32> = (0..p.harts).flat_map(|h| [cpu_intc(h), IRQ_M_EXT, cpu_intc(h), IRQ_S_EXT]).collect();
    fdt.property_array_u32("interrupts-extended", &ext)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_string_list("compatible", vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()])?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.end_node(plic)?;

    let clint = fdt.begin_node(&format!("clint@{CLINT_BASE:x}"))?;
    let ext: Vec<u32> = (0..p.harts).flat_map(|h| [cpu_intc(h), IRQ_M_SOFT, cpu_intc(h), IRQ_M_TIMER]).collect();
    fdt.property_array_u32("interrupts-extended", &ext)?;
    fdt.property_array_u64("reg", &reg(CLINT_BASE, CLINT_SIZE))?;
    fdt.property_string_list("compatible", vec!["sifive,clint0".into(), "riscv,clint0".into()])?;
    fdt.end_node(clint)?;

    fdt.end_node(soc)?;
    fdt.end_node(root)?;
    fdt.finish()
}

//! QEMU's riscv64 `virt` board, so stock firmware and kernels boot
//! unchanged: Debian's OpenSBI (`fw_dynamic`) and Linux `Image`.
//!
//! What is on it ([`memmap`] has the addresses):
//!
//! * one RV64GC hart ([`wemu_guest_riscv64`]) starting in M-mode at the
//!   reset ROM ([`rom`]), which passes the hart id, the device tree and
//!   OpenSBI's `fw_dynamic_info` on to the firmware (or, with no firmware,
//!   to the kernel);
//! * RAM at `0x8000_0000`, sized by [`VirtConfig::ram_size`];
//! * the CLINT-compatible ACLINT (`mtime`, `mtimecmp`, `msip`), the PLIC,
//!   an NS16550A UART on PLIC source 10, a Goldfish RTC on source 11, and
//!   the SiFive test finisher (power off, reboot);
//! * virtio-mmio slots ([`virtio`]) holding the block devices, entropy
//!   sources and consoles the host asks for;
//! * a device tree generated at boot ([`fdt`]) describing exactly these,
//!   with the ISA the frontend implements.
//!
//! Images are placed as QEMU places them ([`boot`]): firmware at
//! `0x8000_0000`, kernel at `0x8020_0000`, initrd at `0x8820_0000`, device
//! tree at the top of RAM.
//!
//! Interrupts: the UART and RTC drive PLIC sources; the PLIC drives each
//! hart's MEIP and SEIP, the ACLINT its MSIP and MTIP; Sstc's `stimecmp` is
//! the hart's own (the frontend computes STIP from it). Time comes from the
//! [`Clock`] the host gives: real time, or deterministic (instruction
//! count driven, QEMU's `-icount`), where a waiting hart skips ahead to its
//! next timer and the same inputs give the same run.
//!
//! A host drives the board with [`Virt::run`] in slices, feeds console
//! input with [`Virt::push_input`], and acts on [`VirtExit`]: sleep while
//! the hart waits, stop at power-off. Console output goes to the
//! [`CharBackend`] given to [`Virt::new`].
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod board;
pub mod boot;
pub mod fdt;
pub mod memmap;
pub mod rom;
pub mod virtio;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use spin::Mutex;
use wemu_dev_aclint::Aclint;
use wemu_dev_common::{CharBackend, FixedWallClock, IrqLevels};
use wemu_dev_goldfish_rtc::GoldfishRtc;
use wemu_dev_plic::Plic;
use wemu_dev_sifive_test::{FinisherAction, SifiveTest};
use wemu_dev_uart16550::Uart16550;
use wemu_exec::{Clock, ExecError, JitSetup, RunExit, TbCache, TbCacheConfig, TimerQueue, Vcpu, VcpuStats};
use wemu_guest_riscv64::state::State;
use wemu_guest_riscv64::{Riscv64Cpu, Timebase};
use wemu_softmmu::{AddressSpace, Arena, ArenaError, MapError};

use board::{ACLINT_LINES, Board, DevClock, HartLines, LINES_PER_HART, PLIC_LINES, PlicSource, Shared, TimerDevice};
pub use boot::{ImageHeader, Layout};
use memmap::*;
pub use virtio::VirtioDev;
use virtio::{Kick, Slot};

/// Arena bytes besides RAM and ROM: CPU state, TLB.
const ARENA_OVERHEAD: u64 = 2 << 20;
/// Largest RAM (the device tree's addresses and the arena's 32-bit
/// offsets allow a little under 4 GiB; keep to a round figure).
pub const MAX_RAM: u64 = 2 << 30;

/// The board's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtConfig {
    /// Bytes of RAM at `0x8000_0000`: whole MiB, 16 MiB to [`MAX_RAM`].
    pub ram_size: u64,
    /// The kernel command line (`/chosen/bootargs`).
    pub bootargs: String,
    /// The RTC's time at power-on, ns since the Unix epoch.
    pub unix_time_ns: u64,
    /// `/chosen/rng-seed` (empty: none).
    pub rng_seed: Vec<u8>,
}

impl Default for VirtConfig {
    fn default() -> VirtConfig {
        VirtConfig { ram_size: 512 << 20, bootargs: String::new(), unix_time_ns: 0, rng_seed: Vec::new() }
    }
}

/// What to boot. Each image is copied into the board's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Images<'a> {
    /// The firmware (`fw_dynamic.bin`), a raw binary; `None` is
    /// `--bios none`: the kernel is entered directly, in M-mode.
    pub firmware: Option<&'a [u8]>,
    /// The kernel: a raw binary (a RISC-V Linux `Image`, or a bare-metal
    /// program).
    pub kernel: Option<&'a [u8]>,
    /// An initramfs (needs a kernel).
    pub initrd: Option<&'a [u8]>,
}

/// Why a board could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VirtError {
    /// The RAM size is not whole MiB or out of range.
    BadRamSize(u64),
    /// An image does not fit where it goes.
    DoesNotFit { what: &'static str, addr: u64, size: u64 },
    /// Two images overlap.
    Overlap { first: &'static str, second: &'static str },
    /// An image in a format the board does not load.
    Format { what: &'static str, why: &'static str },
    /// An initrd without a kernel.
    InitrdWithoutKernel,
    /// More virtio devices than slots.
    TooManyVirtioDevices(usize),
    /// The host has no memory for the board.
    Arena(ArenaError),
    /// Building the address space failed (a bug).
    Map(MapError),
    /// Building the device tree failed.
    Fdt(String),
}

impl fmt::Display for VirtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VirtError::BadRamSize(s) => write!(f, "RAM size {s:#x}: expected whole MiB, 16 MiB to 2 GiB"),
            VirtError::DoesNotFit { what, addr, size } => {
                write!(f, "the {what} ({size} bytes at {addr:#x}) does not fit in RAM")
            }
            VirtError::Overlap { first, second } => write!(f, "the {first} and the {second} overlap in RAM"),
            VirtError::Format { what, why } => write!(f, "the {what}: {why}"),
            VirtError::InitrdWithoutKernel => f.write_str("an initrd needs a kernel"),
            VirtError::TooManyVirtioDevices(n) => write!(f, "{n} virtio devices: the board has {VIRTIO_SLOTS} slots"),
            VirtError::Arena(e) => e.fmt(f),
            VirtError::Map(e) => write!(f, "cannot build the memory map: {e}"),
            VirtError::Fdt(e) => write!(f, "cannot build the device tree: {e}"),
        }
    }
}

/// How a [`Virt::run`] call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VirtExit {
    /// The slice is over (or the host asked); call again.
    Running,
    /// The hart waits for an interrupt. In real time, sleep at most
    /// `wait_ns` (`None`: until input arrives), waking early for input;
    /// then call again. (In deterministic time the board skips waits with
    /// a timer itself, so `wait_ns` is `None` there: only input can wake
    /// it.)
    Halted { wait_ns: Option<u64> },
    /// The guest powered off through the finisher: `code` 0 for a normal
    /// power-off (SBI shutdown), the failure code otherwise.
    PowerOff { code: u16 },
    /// The guest asked for a reset; the host builds the board anew.
    Reset,
    /// The loop failed (a frontend bug).
    Error(ExecError),
}

type PlicDev = Plic<HartLines>;
type AclintDev = Aclint<DevClock, HartLines>;
type UartDev = Uart16550<Box<dyn CharBackend + Send>, PlicSource<PlicDev>>;
type RtcDev = GoldfishRtc<DevClock, PlicSource<PlicDev>>;
type FinisherDev = SifiveTest<Box<dyn FnMut(FinisherAction) + Send>>;

impl TimerDevice for AclintDev {
    fn update(&mut self) {
        Aclint::update(self)
    }
}

impl TimerDevice for RtcDev {
    fn update(&mut self) {
        GoldfishRtc::update(self)
    }
}

/// The board. See the crate docs.
pub struct Virt {
    space: AddressSpace,
    cache: TbCache,
    timers: TimerQueue,
    vcpu: Vcpu<Riscv64Cpu>,
    board: Board,
    uart: Shared<UartDev>,
    finisher: Shared<FinisherDev>,
    /// The occupied virtio slots, and their queue-work lines (bit `slot`).
    virtio: Vec<(usize, Shared<dyn Slot>)>,
    kicks: IrqLevels,
    input: VecDeque<u8>,
    layout: Layout,
    fdt: Vec<u8>,
}

impl fmt::Debug for Virt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Virt")
            .field("space", &self.space)
            .field("vcpu", &self.vcpu)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

/// Checks that `[addr, addr + len)` lies in RAM.
fn check_fits(what: &'static str, addr: u64, len: u64, ram_size: u64) -> Result<(), VirtError> {
    let end = addr.checked_add(len);
    if addr < RAM_BASE || end.is_none_or(|e| e > RAM_BASE + ram_size) {
        return Err(VirtError::DoesNotFit { what, addr, size: len });
    }
    Ok(())
}

fn overlaps(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl Virt {
    /// A board booting `images`, its serial console on `console`, with
    /// `virtio` in the virtio-mmio slots from slot 0 on, its time from
    /// `clock` (`Clock::real_time` for interactive use,
    /// `Clock::deterministic` for reproducible runs).
    pub fn new(
        config: &VirtConfig,
        images: Images<'_>,
        console: Box<dyn CharBackend + Send>,
        virtio: Vec<VirtioDev>,
        clock: Clock,
    ) -> Result<Virt, VirtError> {
        Virt::with_jit(config, images, console, virtio, clock, None)
    }

    /// Bytes of arena a board with `config` needs (a JIT engine's memory
    /// must have at least this many).
    pub fn arena_len(config: &VirtConfig) -> u64 {
        config.ram_size + ROM_SIZE + ARENA_OVERHEAD
    }

    /// [`Virt::new`], with hot code compiled by `jit` (whose arena the
    /// board is built in), or interpreted only (`None`).
    pub fn with_jit(
        config: &VirtConfig,
        images: Images<'_>,
        console: Box<dyn CharBackend + Send>,
        virtio: Vec<VirtioDev>,
        clock: Clock,
        jit: Option<JitSetup>,
    ) -> Result<Virt, VirtError> {
        if virtio.len() > VIRTIO_SLOTS {
            return Err(VirtError::TooManyVirtioDevices(virtio.len()));
        }
        let ram_size = config.ram_size;
        if !ram_size.is_multiple_of(1 << 20) || !(16 << 20..=MAX_RAM).contains(&ram_size) {
            return Err(VirtError::BadRamSize(ram_size));
        }
        if images.initrd.is_some() && images.kernel.is_none() {
            return Err(VirtError::InitrdWithoutKernel);
        }
        for (what, img) in [("firmware", images.firmware), ("kernel", images.kernel)] {
            if img.is_some_and(|i| i.starts_with(b"\x7fELF")) {
                return Err(VirtError::Format { what, why: "ELF files are not loaded yet; give a raw binary" });
            }
        }

        // Where everything goes.
        let firmware_len = images.firmware.map(|f| f.len() as u64);
        let kernel = boot::kernel_addr(firmware_len);
        let start = if images.firmware.is_some() { RAM_BASE } else { kernel };
        // The kernel's footprint once running, if its header says.
        let kernel_len = images.kernel.map(|k| {
            let file = k.len() as u64;
            ImageHeader::parse(k).map_or(file, |h| h.image_size.max(file))
        });
        let initrd = images.initrd.map(|i| {
            let a = boot::initrd_addr(kernel, ram_size);
            (a, a + i.len() as u64)
        });
        let params = fdt::FdtParams {
            ram_size,
            harts: 1,
            bootargs: config.bootargs.clone(),
            initrd,
            virtio_slots: (0..virtio.len()).collect(),
            rng_seed: config.rng_seed.clone(),
        };
        let dtb = fdt::build(&params).map_err(|e| VirtError::Fdt(e.to_string()))?;
        let fdt_at = boot::fdt_addr(ram_size, dtb.len() as u64);
        let layout = Layout { start, kernel, initrd, fdt: fdt_at };

        let mut placed: Vec<(&'static str, (u64, u64))> = Vec::new();
        if let Some(len) = firmware_len {
            placed.push(("firmware", (RAM_BASE, RAM_BASE + len)));
        }
        if let Some(len) = kernel_len {
            placed.push(("kernel", (kernel, kernel + len)));
        }
        if let Some(r) = initrd {
            placed.push(("initrd", r));
        }
        placed.push(("device tree", (fdt_at, fdt_at + dtb.len() as u64)));
        for (i, &(what, (a, e))) in placed.iter().enumerate() {
            check_fits(what, a, e - a, ram_size)?;
            if let Some(&(first, _)) = placed[..i].iter().find(|(_, r)| overlaps(*r, (a, e))) {
                return Err(VirtError::Overlap { first, second: what });
            }
        }

        // Memory, the hart.
        let need = Virt::arena_len(config);
        let (arena, jit) = match jit {
            Some(JitSetup { arena, jit, hot_threshold }) => {
                if arena.len() < need {
                    let available = arena.len();
                    return Err(VirtError::Arena(ArenaError::Full { requested: need, available }));
                }
                (arena, Some((jit, hot_threshold)))
            }
            None => (Arena::new(need).map_err(VirtError::Arena)?, None),
        };
        let mut space = AddressSpace::new(arena);
        let mut timers = TimerQueue::new(clock.clone());
        let timebase = Timebase { clock: clock.clone(), hz: TIMEBASE_HZ, stimecmp_timer: Some(timers.new_timer()) };
        let (cpu, mmu, helpers) = Riscv64Cpu::parts(Some(timebase));
        let vcpu = Vcpu::new(0, cpu, mmu, helpers, &mut space).map_err(VirtError::Arena)?;

        // Devices.
        let lines = IrqLevels::new(LINES_PER_HART);
        let plic = Shared::new(Plic::virt(1, HartLines { levels: lines.clone(), offset: PLIC_LINES }));
        let aclint_clock = DevClock { clock: clock.clone(), timer: timers.new_timer() };
        let aclint_timer = aclint_clock.timer.id();
        let aclint =
            Shared::new(Aclint::new(1, aclint_clock, HartLines { levels: lines.clone(), offset: ACLINT_LINES }));
        let uart = Shared::new(Uart16550::new(console, PlicSource { plic: plic.clone(), source: UART_IRQ }));
        let rtc_clock = DevClock { clock: clock.clone(), timer: timers.new_timer() };
        let rtc_timer = rtc_clock.timer.id();
        let rtc = Shared::new(GoldfishRtc::new(
            &FixedWallClock(config.unix_time_ns),
            rtc_clock,
            PlicSource { plic: plic.clone(), source: RTC_IRQ },
        ));
        let exit = vcpu.exit_request();
        let notify: Box<dyn FnMut(FinisherAction) + Send> = Box::new(move |_| exit.request());
        let finisher = Shared::new(SifiveTest::with_notify(notify));

        let rom = {
            let mut r = rom::image(start, fdt_at, kernel, 0);
            r.resize(ROM_SIZE as usize, 0);
            r
        };
        space.add_rom(ROM_BASE, &rom).map_err(VirtError::Map)?;
        space.add_mmio(TEST_BASE, TEST_SIZE, Box::new(finisher.clone())).map_err(VirtError::Map)?;
        space.add_mmio(RTC_BASE, RTC_SIZE, Box::new(rtc.clone())).map_err(VirtError::Map)?;
        space.add_mmio(CLINT_BASE, CLINT_SIZE, Box::new(aclint.clone())).map_err(VirtError::Map)?;
        space.add_mmio(PLIC_BASE, PLIC_SIZE, Box::new(plic.clone())).map_err(VirtError::Map)?;
        space.add_mmio(UART_BASE, UART_SIZE, Box::new(uart.clone())).map_err(VirtError::Map)?;
        let kicks = IrqLevels::new(VIRTIO_SLOTS as u32);
        let mut slots = Vec::new();
        for (slot, dev) in virtio.into_iter().enumerate() {
            let irq = PlicSource { plic: plic.clone(), source: VIRTIO_IRQ + slot as u32 };
            let kick = Kick { levels: kicks.clone(), slot: slot as u32, exit: vcpu.exit_request() };
            let transport = Shared(virtio::transport(dev, irq, kick));
            space.add_mmio(virtio_base(slot), VIRTIO_STRIDE, Box::new(transport.clone())).map_err(VirtError::Map)?;
            slots.push((slot, transport));
        }
        space.add_ram(RAM_BASE, ram_size).map_err(VirtError::Map)?;

        // The images.
        let load = |space: &mut AddressSpace, what: &'static str, addr: u64, data: &[u8]| {
            space.dma_write(addr, data).map_err(|_| VirtError::DoesNotFit { what, addr, size: data.len() as u64 })
        };
        if let Some(f) = images.firmware {
            load(&mut space, "firmware", RAM_BASE, f)?;
        }
        if let Some(k) = images.kernel {
            load(&mut space, "kernel", kernel, k)?;
        }
        if let (Some(i), Some((a, _))) = (images.initrd, initrd) {
            load(&mut space, "initrd", a, i)?;
        }
        load(&mut space, "device tree", fdt_at, &dtb)?;

        let aclint_dev: Arc<Mutex<dyn TimerDevice>> = aclint.0;
        let rtc_dev: Arc<Mutex<dyn TimerDevice>> = rtc.0;
        let board = Board { lines, timers: vec![(aclint_timer, aclint_dev), (rtc_timer, rtc_dev)] };
        let cache = match jit {
            Some((jit, hot_threshold)) => {
                let mut c = TbCache::new(TbCacheConfig { hot_threshold, ..TbCacheConfig::default() });
                c.set_jit(Some(jit));
                c
            }
            None => TbCache::new(TbCacheConfig::default()),
        };
        let mut virt = Virt {
            space,
            cache,
            timers,
            vcpu,
            board,
            uart,
            finisher,
            virtio: slots,
            kicks,
            input: VecDeque::new(),
            layout,
            fdt: dtb,
        };
        virt.reset_hart();
        Ok(virt)
    }

    /// Puts the hart at the reset vector, in M-mode.
    fn reset_hart(&mut self) {
        if let Some(bytes) = self.vcpu.state_mut(&self.space) {
            wemu_guest_riscv64::state::reset(&mut State::new(bytes), ROM_BASE, 0);
        }
        let snapshot = self.vcpu.state(&self.space).map(<[u8]>::to_vec).unwrap_or_default();
        self.vcpu.walker_mut().sync(&State::view(&snapshot));
    }

    /// Where the images went.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The device tree blob handed to the guest.
    pub fn fdt(&self) -> &[u8] {
        &self.fdt
    }

    /// The virtual clock.
    pub fn clock(&self) -> &Clock {
        self.timers.clock()
    }

    /// The hart's counters.
    pub fn stats(&self) -> &VcpuStats {
        self.vcpu.stats()
    }

    /// The translation cache's counters.
    /// The JIT tier's counters, if the board has one.
    pub fn jit_stats(&self) -> Option<wemu_exec::JitStats> {
        self.cache.jit().map(|j| j.stats())
    }

    pub fn cache_stats(&self) -> wemu_exec::CacheStats {
        self.cache.stats()
    }

    /// The hart's state block (registers, CSRs).
    pub fn state(&self) -> State<'_> {
        State::view(self.vcpu.state(&self.space).unwrap_or(&[]))
    }

    /// The guest-physical address space (for DMA-style inspection).
    pub fn space_mut(&mut self) -> &mut AddressSpace {
        &mut self.space
    }

    /// The vCPU.
    pub fn vcpu_mut(&mut self) -> &mut Vcpu<Riscv64Cpu> {
        &mut self.vcpu
    }

    /// A handle that makes a running [`Virt::run`] return soon (from
    /// another thread).
    pub fn exit_request(&self) -> wemu_exec::ExitRequest {
        self.vcpu.exit_request()
    }

    /// Queues console input; it reaches the UART as its FIFO has room.
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.input.extend(bytes);
        self.feed_input();
    }

    /// Input queued and not yet taken by the UART.
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }

    /// Runs the console backend's closure (to read what a test backend
    /// collected, say).
    pub fn with_console<R>(&mut self, f: impl FnOnce(&mut (dyn CharBackend + Send)) -> R) -> R {
        f(&mut **self.uart.lock().backend_mut())
    }

    fn feed_input(&mut self) {
        if self.input.is_empty() {
            return;
        }
        let mut uart = self.uart.lock();
        while let Some(&b) = self.input.front() {
            if !uart.receive(b) {
                break;
            }
            self.input.pop_front();
        }
    }

    /// Runs the virtio queues that were notified (and the consoles', if
    /// `consoles`).
    fn process_virtio(&mut self, consoles: bool) {
        let kicked = self.kicks.word(0);
        if kicked == 0 && !consoles {
            return;
        }
        for (slot, transport) in &self.virtio {
            let mut t = transport.lock();
            if kicked & (1 << slot) != 0 || (consoles && t.is_console()) {
                t.process(&mut self.space);
            }
        }
    }

    /// Runs about `budget` guest instructions, or until the hart waits,
    /// the guest powers off, or the host's exit request.
    pub fn run(&mut self, budget: u64) -> VirtExit {
        self.feed_input();
        self.process_virtio(true);
        let end = self.vcpu.stats().insns.saturating_add(budget);
        loop {
            let left = end.saturating_sub(self.vcpu.stats().insns).max(1);
            let exit = self.vcpu.run(&mut self.space, &mut self.cache, &mut self.timers, &mut self.board, left);
            if let Some(action) = self.finisher.lock().take_action() {
                return match action {
                    FinisherAction::Pass => VirtExit::PowerOff { code: 0 },
                    FinisherAction::Fail(code) => VirtExit::PowerOff { code: code.max(1) },
                    FinisherAction::Reset => VirtExit::Reset,
                };
            }
            // Virtio notifications end the loop's run early; serve them
            // and go on with the slice.
            let kicked = self.kicks.word(0) != 0;
            self.process_virtio(false);
            return match exit {
                RunExit::ExitRequested if kicked && self.vcpu.stats().insns < end => continue,
                RunExit::BudgetSpent | RunExit::ExitRequested => VirtExit::Running,
                RunExit::Halted { deadline } => {
                    // Processing may have raised the interrupt it waits for.
                    if kicked {
                        continue;
                    }
                    let clock = self.timers.clock();
                    match deadline {
                        Some(d) if clock.is_deterministic() => {
                            clock.warp_to(d);
                            VirtExit::Running
                        }
                        Some(d) => VirtExit::Halted { wait_ns: Some(d.saturating_sub(clock.now())) },
                        None => VirtExit::Halted { wait_ns: None },
                    }
                }
                RunExit::Stopped(code) => VirtExit::PowerOff { code: code as u16 },
                RunExit::Error(e) => VirtExit::Error(e),
            };
        }
    }
}

#[cfg(test)]
mod tests;

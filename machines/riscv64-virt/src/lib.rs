//! QEMU's riscv64 `virt` board, so stock firmware and kernels boot
//! unchanged: Debian's OpenSBI (`fw_dynamic`) and Linux `Image`.
//!
//! What is on it ([`memmap`] has the addresses):
//!
//! * 1 to [`MAX_HARTS`] RV64GC harts ([`wemu_guest_riscv64`];
//!   [`Virt::with_harts`], QEMU's `-smp`), all starting in M-mode at the
//!   reset ROM ([`rom`]), which passes the hart id, the device tree and
//!   OpenSBI's `fw_dynamic_info` on to the firmware (or, with no firmware,
//!   to the kernel). As on QEMU, every hart runs the firmware: OpenSBI
//!   boots on hart 0 (`fw_dynamic_info.boot_hart`) and parks the others
//!   in WFI until the kernel starts them through SBI HSM (an IPI through
//!   the ACLINT's `msip`);
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
//! The harts take turns on the host thread that calls [`Virt::run`]: a
//! fixed round-robin of [`QUANTUM`] instructions each (less when a hart
//! waits in WFI, which passes its turn on), which is independent of how
//! the host slices its calls, so a deterministic run with several harts
//! is reproducible too.
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
use wemu_exec::{
    Clock, ExecError, ExitRequest, JitSetup, RunExit, TbCache, TbCacheConfig, TimerQueue, Vcpu, VcpuStats,
};
use wemu_guest_riscv64::state::State;
use wemu_guest_riscv64::{Riscv64Cpu, Timebase};
use wemu_softmmu::{AddressSpace, ArenaError, MapError};

use board::{ACLINT_LINES, Board, DevClock, HartLines, LINES_PER_HART, PLIC_LINES, PlicSource, Shared, TimerDevice};
pub use boot::{ImageHeader, Layout};
use memmap::*;
pub use virtio::VirtioDev;
use virtio::{Kick, Slot};

/// Arena bytes besides RAM and ROM: CPU state, TLB, JIT context of up to
/// [`MAX_HARTS`] harts (about 150 KiB each).
const ARENA_OVERHEAD: u64 = 4 << 20;
/// Most harts (`-smp`).
pub const MAX_HARTS: u32 = 8;
/// Instructions a hart runs before the next one takes its turn (about
/// 0.1 ms in the interpreter: short enough for a hart spinning on a lock
/// another holds to waste little, long enough to cost nothing to switch).
pub const QUANTUM: u64 = 1 << 13;

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
    /// A hart count out of range.
    BadHarts(u32),
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
            VirtError::BadHarts(n) => write!(f, "{n} harts: expected 1 to {MAX_HARTS}"),
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
    /// Every hart waits for an interrupt. In real time, sleep at most
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
    vcpus: Vec<Vcpu<Riscv64Cpu>>,
    /// The round-robin: the hart whose turn it is, and what is left of
    /// its quantum.
    turn: usize,
    quantum_left: u64,
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
            .field("vcpus", &self.vcpus)
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
        Virt::with_harts(config, 1, images, console, virtio, clock, jit)
    }

    /// [`Virt::with_jit`] with `harts` harts (1 to [`MAX_HARTS`]).
    pub fn with_harts(
        config: &VirtConfig,
        harts: u32,
        images: Images<'_>,
        console: Box<dyn CharBackend + Send>,
        virtio: Vec<VirtioDev>,
        clock: Clock,
        jit: Option<JitSetup>,
    ) -> Result<Virt, VirtError> {
        if virtio.len() > VIRTIO_SLOTS {
            return Err(VirtError::TooManyVirtioDevices(virtio.len()));
        }
        if !(1..=MAX_HARTS).contains(&harts) {
            return Err(VirtError::BadHarts(harts));
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
            harts,
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
        let (arena, jit) = JitSetup::arena_and_tier(jit, Virt::arena_len(config)).map_err(VirtError::Arena)?;
        let mut space = AddressSpace::new(arena);
        let mut timers = TimerQueue::new(clock.clone());
        let mut vcpus = Vec::new();
        for h in 0..harts {
            let timebase = Timebase { clock: clock.clone(), hz: TIMEBASE_HZ, stimecmp_timer: Some(timers.new_timer()) };
            let (cpu, mmu, helpers) = Riscv64Cpu::parts(Some(timebase));
            vcpus.push(Vcpu::new(h, cpu, mmu, helpers, &mut space).map_err(VirtError::Arena)?);
        }
        // Whatever must end the running hart's turn at once (power-off, a
        // virtio notification) asks every hart: the others return at the
        // start of their next turn, having run nothing.
        let exits: Vec<ExitRequest> = vcpus.iter().map(Vcpu::exit_request).collect();

        // Devices.
        let lines = IrqLevels::new(LINES_PER_HART * harts);
        let plic = Shared::new(Plic::virt(harts, HartLines { levels: lines.clone(), offset: PLIC_LINES }));
        let aclint_clock = DevClock { clock: clock.clone(), timer: timers.new_timer() };
        let aclint_timer = aclint_clock.timer.id();
        let aclint =
            Shared::new(Aclint::new(harts, aclint_clock, HartLines { levels: lines.clone(), offset: ACLINT_LINES }));
        let uart = Shared::new(Uart16550::new(console, PlicSource { plic: plic.clone(), source: UART_IRQ }));
        let rtc_clock = DevClock { clock: clock.clone(), timer: timers.new_timer() };
        let rtc_timer = rtc_clock.timer.id();
        let rtc = Shared::new(GoldfishRtc::new(
            &FixedWallClock(config.unix_time_ns),
            rtc_clock,
            PlicSource { plic: plic.clone(), source: RTC_IRQ },
        ));
        let exit = exits.clone();
        let notify: Box<dyn FnMut(FinisherAction) + Send> =
            Box::new(move |_| exit.iter().for_each(ExitRequest::request));
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
            let kick = Kick { levels: kicks.clone(), slot: slot as u32, exit: exits.clone() };
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
            vcpus,
            turn: 0,
            quantum_left: QUANTUM,
            board,
            uart,
            finisher,
            virtio: slots,
            kicks,
            input: VecDeque::new(),
            layout,
            fdt: dtb,
        };
        for h in 0..virt.vcpus.len() {
            virt.reset_hart(h);
        }
        Ok(virt)
    }

    /// Puts hart `h` at the reset vector, in M-mode.
    fn reset_hart(&mut self, h: usize) {
        let vcpu = &mut self.vcpus[h];
        if let Some(bytes) = vcpu.state_mut(&self.space) {
            wemu_guest_riscv64::state::reset(&mut State::new(bytes), ROM_BASE, h as u64);
        }
        let snapshot = vcpu.state(&self.space).map(<[u8]>::to_vec).unwrap_or_default();
        vcpu.walker_mut().sync(&State::view(&snapshot));
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

    /// The harts' counters, summed.
    pub fn stats(&self) -> VcpuStats {
        let mut sum = VcpuStats::default();
        for v in &self.vcpus {
            let s = v.stats();
            sum.insns += s.insns;
            sum.blocks += s.blocks;
            sum.chained += s.chained;
            sum.jump_cache_hits += s.jump_cache_hits;
            sum.cache_hits += s.cache_hits;
            sum.translations += s.translations;
            sum.code_write_steps += s.code_write_steps;
            sum.interrupts += s.interrupts;
            sum.events += s.events;
            sum.jit_runs += s.jit_runs;
            sum.jit_insns += s.jit_insns;
        }
        sum
    }

    /// The number of harts.
    pub fn harts(&self) -> usize {
        self.vcpus.len()
    }

    /// Hart `h`'s counters.
    pub fn hart_stats(&self, h: usize) -> Option<&VcpuStats> {
        self.vcpus.get(h).map(Vcpu::stats)
    }

    /// The translation cache's counters.
    /// The JIT tier's counters, if the board has one.
    pub fn jit_stats(&self) -> Option<wemu_exec::JitStats> {
        self.cache.jit().map(|j| j.stats())
    }

    pub fn cache_stats(&self) -> wemu_exec::CacheStats {
        self.cache.stats()
    }

    /// Hart 0's state block (registers, CSRs).
    pub fn state(&self) -> State<'_> {
        self.hart_state(0)
    }

    /// Hart `h`'s state block (empty if there is no such hart).
    pub fn hart_state(&self, h: usize) -> State<'_> {
        State::view(self.vcpus.get(h).and_then(|v| v.state(&self.space)).unwrap_or(&[]))
    }

    /// The guest-physical address space (for DMA-style inspection).
    pub fn space_mut(&mut self) -> &mut AddressSpace {
        &mut self.space
    }

    /// Hart 0's vCPU.
    pub fn vcpu_mut(&mut self) -> &mut Vcpu<Riscv64Cpu> {
        &mut self.vcpus[0]
    }

    /// The vCPUs, hart 0 first.
    pub fn vcpus_mut(&mut self) -> &mut [Vcpu<Riscv64Cpu>] {
        &mut self.vcpus
    }

    /// A handle that makes a running [`Virt::run`] return soon (from
    /// another thread): hart 0's, so with several harts the call returns
    /// at hart 0's next turn at the latest.
    pub fn exit_request(&self) -> wemu_exec::ExitRequest {
        self.vcpus[0].exit_request()
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

    /// Runs about `budget` guest instructions, or until every hart waits,
    /// the guest powers off, or the host's exit request.
    ///
    /// The harts take turns of [`QUANTUM`] instructions in hart order; a
    /// turn cut by the end of `budget` goes on in the next call, so the
    /// order in which guest instructions run does not depend on the
    /// budgets the host chooses.
    pub fn run(&mut self, budget: u64) -> VirtExit {
        self.feed_input();
        self.process_virtio(true);
        let mut left = budget.max(1);
        // Harts found waiting in a row (all of them: the board waits), and
        // the earliest deadline they reported.
        let mut waiting = 0;
        let mut deadline: Option<u64> = None;
        loop {
            let h = self.turn;
            let before = self.vcpus[h].stats().insns;
            let slice = self.quantum_left.min(left).max(1);
            let exit = self.vcpus[h].run(&mut self.space, &mut self.cache, &mut self.timers, &mut self.board, slice);
            let ran = self.vcpus[h].stats().insns - before;
            left = left.saturating_sub(ran);
            self.quantum_left = self.quantum_left.saturating_sub(ran);
            if let Some(action) = self.finisher.lock().take_action() {
                return match action {
                    FinisherAction::Pass => VirtExit::PowerOff { code: 0 },
                    FinisherAction::Fail(code) => VirtExit::PowerOff { code: code.max(1) },
                    FinisherAction::Reset => VirtExit::Reset,
                };
            }
            // Virtio notifications end the loop's run early; serve them
            // and go on with the turn.
            let kicked = self.kicks.word(0) != 0;
            self.process_virtio(false);
            match exit {
                RunExit::BudgetSpent | RunExit::ExitRequested => {
                    if ran > 0 {
                        waiting = 0;
                        deadline = None;
                    }
                    if self.quantum_left == 0 {
                        self.next_turn();
                    }
                    if exit == RunExit::ExitRequested && !kicked {
                        return VirtExit::Running;
                    }
                }
                RunExit::Halted { deadline: d } => {
                    self.next_turn();
                    if ran > 0 || kicked {
                        // Processing may have raised the interrupt it
                        // waits for; and a hart that ran may have woken
                        // another.
                        waiting = 0;
                        deadline = None;
                    }
                    waiting += 1;
                    deadline = match (deadline, d) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if waiting >= self.vcpus.len() {
                        waiting = 0;
                        let clock = self.timers.clock();
                        match deadline.take() {
                            Some(d) if clock.is_deterministic() => clock.warp_to(d),
                            Some(d) => return VirtExit::Halted { wait_ns: Some(d.saturating_sub(clock.now())) },
                            None => return VirtExit::Halted { wait_ns: None },
                        }
                        if left == 0 {
                            return VirtExit::Running;
                        }
                        continue;
                    }
                }
                RunExit::Stopped(code) => return VirtExit::PowerOff { code: code as u16 },
                RunExit::Error(e) => return VirtExit::Error(e),
            }
            if left == 0 {
                return VirtExit::Running;
            }
        }
    }

    /// Passes the turn to the next hart.
    fn next_turn(&mut self) {
        self.turn = (self.turn + 1) % self.vcpus.len();
        self.quantum_left = QUANTUM;
    }
}

#[cfg(test)]
mod tests;

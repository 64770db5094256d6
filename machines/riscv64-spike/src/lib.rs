//! A Spike-like riscv64 board for bare-metal tests.
//!
//! What riscv-tests, riscv-arch-test and the project's own ISA tests
//! (`tests/riscv64/isa/`) expect of Spike, and QEMU's `-M spike` provides:
//!
//! * RAM at `0x8000_0000` ([`SpikeConfig::ram_size`]);
//! * a statically linked ELF64 image loaded into it ([`elf`]) and started
//!   at its entry point in M-mode with `a0` = hart id 0 and `a1` = 0 (what
//!   `--bios none` means: no firmware runs first);
//! * HTIF through the image's `tohost`/`fromhost` symbols ([`htif`]): the
//!   test ends by writing `(code << 1) | 1` to `tohost`, and prints through
//!   device 1 (console);
//! * a CLINT at `0x0200_0000` ([`clint`]) for `mtime`/`mtimecmp` and
//!   `msip`; Sstc's `stimecmp` is the hart's own.
//!
//! Time is deterministic: `2^`[`SpikeConfig::ns_per_insn_shift`] ns per
//! instruction, `mtime` at [`SpikeConfig::timebase_hz`], and a hart that
//! waits (WFI) skips ahead to its next timer. The same image gives the same
//! run, instruction for instruction.
//!
//! [`Spike::run`] runs until the test ends, with an instruction limit, so a
//! test that hangs fails with [`RunError::Timeout`] instead of hanging.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod clint;
pub mod elf;
pub mod htif;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use wemu_exec::{Clock, ExecError, JitSetup, Machine, RunExit, TbCache, TbCacheConfig, TimerId, TimerQueue, Vcpu};
use wemu_guest_riscv64::state::{self, State};
use wemu_guest_riscv64::{Mmu, Riscv64Cpu, Riscv64Helpers, Timebase};
use wemu_softmmu::{AddressSpace, ArenaError, MapError, PAGE_MASK, PAGE_SIZE};

pub use clint::Clint;
pub use elf::{ElfError, ElfImage};
pub use htif::{BufferConsole, Console, Htif, NullConsole};
pub use wemu_trace::{Categories, TextTracer, Tracer};

/// Where RAM starts.
pub const RAM_BASE: u64 = 0x8000_0000;
/// Where the CLINT is.
pub const CLINT_BASE: u64 = 0x0200_0000;

/// Instructions per [`Vcpu::run`] call: how often the board looks at the
/// HTIF (for a `tohost` the guest stored without its last byte) and the
/// instruction limit.
const SLICE: u64 = 1 << 16;

/// Arena bytes besides RAM: the CPU-state block and the TLB.
const ARENA_OVERHEAD: u64 = 1 << 20;

/// The board's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpikeConfig {
    /// Bytes of RAM at [`RAM_BASE`]: whole pages, at most 2 GiB.
    pub ram_size: u64,
    /// `mtime`'s frequency (Spike's and QEMU's: 10 MHz).
    pub timebase_hz: u64,
    /// log2 of the nanoseconds one instruction takes in virtual time.
    pub ns_per_insn_shift: u8,
}

impl Default for SpikeConfig {
    fn default() -> SpikeConfig {
        SpikeConfig { ram_size: 128 << 20, timebase_hz: 10_000_000, ns_per_insn_shift: 0 }
    }
}

/// Why a board could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpikeError {
    /// The image is not a loadable RISC-V executable.
    Elf(ElfError),
    /// `tohost` is not 8-byte aligned.
    UnalignedTohost(u64),
    /// The RAM size is zero, not whole pages, or too large.
    BadRamSize(u64),
    /// The host has no memory for the board.
    Arena(ArenaError),
    /// The image's HTIF symbols collide with the board's devices.
    Map(MapError),
}

impl fmt::Display for SpikeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpikeError::Elf(e) => e.fmt(f),
            SpikeError::UnalignedTohost(a) => write!(f, "the tohost symbol at {a:#x} is not 8-byte aligned"),
            SpikeError::BadRamSize(s) => write!(f, "RAM size {s:#x}: expected whole 4 KiB pages, up to 2 GiB"),
            SpikeError::Arena(e) => e.fmt(f),
            SpikeError::Map(e) => write!(f, "cannot map the HTIF: {e}"),
        }
    }
}

/// How a run ended well: the guest ended the test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    /// The test's exit code (0: pass; riscv-tests: the failing test's
    /// number).
    pub code: u64,
    /// Instructions retired in this run.
    pub insns: u64,
}

/// Why a run did not end with the guest's exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The instruction limit was reached; the PC then.
    Timeout { insns: u64, pc: u64 },
    /// The hart waits for an interrupt with no timer armed and nothing
    /// else that could wake it.
    WaitsForever { pc: u64 },
    /// The vCPU loop failed (a frontend bug).
    Exec(ExecError),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Timeout { insns, pc } => write!(f, "timeout after {insns} instructions (pc {pc:#x})"),
            RunError::WaitsForever { pc } => {
                write!(f, "the hart waits for an interrupt that nothing can raise (wfi at pc {pc:#x})")
            }
            RunError::Exec(e) => write!(f, "emulation failed: {e}"),
        }
    }
}

/// The board around the hart, as the vCPU loop sees it.
#[derive(Debug)]
struct Board {
    clint: Clint,
}

impl Machine for Board {
    fn irq_lines(&self, _vcpu: u32) -> u64 {
        self.clint.lines()
    }

    fn timer_expired(&mut self, _space: &mut AddressSpace, _timer: TimerId, _now: u64) {
        // Both timers (`mtimecmp`, `stimecmp`) only wake the hart: the
        // lines are computed from the time when read.
    }
}

/// HTIF system call numbers (riscv-pk's, Linux's generic ones).
const SYS_WRITE: u64 = 64;
const SYS_EXIT: u64 = 93;
/// Most bytes one proxied `write` prints.
const MAX_WRITE: u64 = 1 << 20;

/// The board. See the crate docs.
pub struct Spike {
    space: AddressSpace,
    cache: TbCache,
    timers: TimerQueue,
    vcpu: Vcpu<Riscv64Cpu>,
    board: Board,
    htif: Option<Htif>,
    entry: u64,
}

impl fmt::Debug for Spike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spike")
            .field("space", &self.space)
            .field("vcpu", &self.vcpu)
            .field("htif", &self.htif)
            .field("entry", &self.entry)
            .finish_non_exhaustive()
    }
}

impl Spike {
    /// A board running the ELF executable `image`, printing HTIF console
    /// output to `console`, tracing (`-d in_asm,int,...`) to `tracer`.
    pub fn new(
        config: SpikeConfig,
        image: &[u8],
        console: Box<dyn Console>,
        tracer: Option<Box<dyn Tracer + Send>>,
    ) -> Result<Spike, SpikeError> {
        Spike::with_jit(config, image, console, tracer, None)
    }

    /// Bytes of arena a board with `config` needs (a JIT engine's memory
    /// must have at least this many).
    pub fn arena_len(config: &SpikeConfig) -> u64 {
        config.ram_size + ARENA_OVERHEAD
    }

    /// [`Spike::new`], with hot code compiled by `jit` (whose arena the
    /// board is built in), or interpreted only (`None`).
    pub fn with_jit(
        config: SpikeConfig,
        image: &[u8],
        console: Box<dyn Console>,
        tracer: Option<Box<dyn Tracer + Send>>,
        jit: Option<JitSetup>,
    ) -> Result<Spike, SpikeError> {
        let elf = ElfImage::parse(image).map_err(SpikeError::Elf)?;
        let ram_size = config.ram_size;
        if ram_size == 0 || !ram_size.is_multiple_of(PAGE_SIZE) || ram_size > 1 << 31 {
            return Err(SpikeError::BadRamSize(ram_size));
        }
        if let Some(t) = elf.tohost
            && !t.is_multiple_of(8)
        {
            return Err(SpikeError::UnalignedTohost(t));
        }
        let ram_end = RAM_BASE + ram_size;
        let (arena, jit) = JitSetup::arena_and_tier(jit, Spike::arena_len(&config)).map_err(SpikeError::Arena)?;
        let mut space = AddressSpace::new(arena);

        // The clock, the timers, the hart.
        let mut timers = TimerQueue::new(Clock::deterministic(config.ns_per_insn_shift));
        let timebase = Timebase {
            clock: timers.clock().clone(),
            hz: config.timebase_hz,
            stimecmp_timer: Some(timers.new_timer()),
        };
        let clint = Clint::new(timebase.clone(), timers.new_timer());
        let cpu = Riscv64Cpu::new(Some(timebase.clone()));
        let mut vcpu =
            Vcpu::new(0, cpu, Mmu::new(), Riscv64Helpers::new(timebase), &mut space).map_err(SpikeError::Arena)?;
        vcpu.set_tracer(tracer);

        // RAM, with holes for the HTIF's pages, which are MMIO windows.
        let htif = elf.tohost.map(|t| Htif::new(t, elf.fromhost, console, vcpu.exit_request()));
        let holes: Vec<u64> = htif.as_ref().map_or_else(Vec::new, Htif::pages);
        let mut base = RAM_BASE;
        let mut in_ram: Vec<u64> = holes.iter().copied().filter(|&p| (RAM_BASE..ram_end).contains(&p)).collect();
        in_ram.sort_unstable();
        for &hole in in_ram.iter().chain(core::iter::once(&ram_end)) {
            if hole > base {
                space.add_ram(base, hole - base).map_err(SpikeError::Map)?;
            }
            base = hole + PAGE_SIZE;
        }
        if let Some(h) = &htif {
            for p in h.pages() {
                space.add_mmio(p, PAGE_SIZE, Box::new(h.window(p))).map_err(SpikeError::Map)?;
            }
        }
        space.add_mmio(CLINT_BASE, clint::CLINT_SIZE, Box::new(clint.window())).map_err(SpikeError::Map)?;

        // The image.
        for seg in &elf.segments {
            let outside = || SpikeError::Elf(ElfError::OutsideMemory { paddr: seg.paddr, size: seg.mem_size });
            if seg.mem_size == 0 {
                continue;
            }
            if seg.paddr < RAM_BASE || seg.paddr.checked_add(seg.mem_size).is_none_or(|end| end > ram_end) {
                return Err(outside());
            }
            // Page by page: the HTIF's pages are not RAM.
            let mut a = seg.paddr;
            let mut data = seg.data;
            while !data.is_empty() {
                let n = (PAGE_SIZE - (a & !PAGE_MASK)).min(data.len() as u64) as usize;
                let (chunk, rest) = data.split_at(n);
                let loaded = match &htif {
                    Some(h) if h.covers(a) => h.load(a, chunk),
                    _ => space.dma_write(a, chunk).is_ok(),
                };
                if !loaded {
                    return Err(outside());
                }
                a += n as u64;
                data = rest;
            }
        }

        let mut cache =
            TbCache::new(TbCacheConfig { hot_threshold: jit.as_ref().map_or(0, |j| j.1), ..TbCacheConfig::default() });
        cache.set_jit(jit.map(|j| j.0));
        let mut spike = Spike { space, cache, timers, vcpu, board: Board { clint }, htif, entry: elf.entry };
        spike.reset();
        Ok(spike)
    }

    /// Puts the hart at the image's entry: M-mode, `a0` = 0 (the hart id),
    /// `a1` = 0 (no device tree).
    pub fn reset(&mut self) {
        let entry = self.entry;
        if let Some(bytes) = self.vcpu.state_mut(&self.space) {
            let mut st = State::new(bytes);
            state::reset(&mut st, entry, 0);
            st.set_x(10, 0);
            st.set_x(11, 0);
        }
    }

    /// The image's entry point.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// Whether the image has a `tohost` symbol (without one it cannot end
    /// the test, and runs into the instruction limit).
    pub fn has_htif(&self) -> bool {
        self.htif.is_some()
    }

    /// HTIF commands the board did not know and ignored.
    pub fn ignored_htif_commands(&self) -> u64 {
        self.htif.as_ref().map_or(0, Htif::ignored_commands)
    }

    /// The hart's state block (registers, CSRs; see
    /// [`wemu_guest_riscv64::state`]).
    pub fn state(&self) -> State<'_> {
        State::view(self.vcpu.state(&self.space).unwrap_or(&[]))
    }

    /// The guest-physical address space.
    pub fn space_mut(&mut self) -> &mut AddressSpace {
        &mut self.space
    }

    /// The vCPU (statistics, the hart).
    pub fn vcpu(&self) -> &Vcpu<Riscv64Cpu> {
        &self.vcpu
    }

    /// The JIT tier's counters, if the board has one.
    pub fn jit_stats(&self) -> Option<wemu_exec::JitStats> {
        self.cache.jit().map(|j| j.stats())
    }

    fn pc(&self) -> u64 {
        self.vcpu.state(&self.space).map_or(0, |s| State::view(s).pc())
    }

    /// Runs until the guest ends the test through HTIF, or at most
    /// `max_insns` instructions. Exceptions count as instructions for the
    /// limit, so a hart caught in a trap loop that retires nothing (a bad
    /// `mtvec`) times out too.
    pub fn run(&mut self, max_insns: u64) -> Result<Exit, RunError> {
        let steps = |v: &Vcpu<Riscv64Cpu>| v.stats().insns + v.stats().events;
        let (start, start_steps) = (self.vcpu.stats().insns, steps(&self.vcpu));
        loop {
            let insns = self.vcpu.stats().insns - start;
            let done = steps(&self.vcpu) - start_steps;
            if let Some(code) = self.poll_htif() {
                return Ok(Exit { code, insns });
            }
            if done >= max_insns {
                return Err(RunError::Timeout { insns, pc: self.pc() });
            }
            let budget = (max_insns - done).min(SLICE);
            match self.vcpu.run(&mut self.space, &mut self.cache, &mut self.timers, &mut self.board, budget) {
                RunExit::BudgetSpent | RunExit::ExitRequested => {}
                RunExit::Halted { deadline: Some(d) } => self.timers.clock().warp_to(d),
                RunExit::Halted { deadline: None } => {
                    if let Some(code) = self.poll_htif() {
                        return Ok(Exit { code, insns: self.vcpu.stats().insns - start });
                    }
                    return Err(RunError::WaitsForever { pc: self.pc() });
                }
                RunExit::Stopped(code) => {
                    return Ok(Exit { code: u64::from(code), insns: self.vcpu.stats().insns - start });
                }
                RunExit::Error(e) => return Err(RunError::Exec(e)),
            }
        }
    }

    /// Takes what the guest left in `tohost`, finishes proxied system
    /// calls, and returns the exit code once the test has ended.
    fn poll_htif(&mut self) -> Option<u64> {
        let htif = self.htif.as_ref()?;
        htif.poll();
        if let Some(htif::Pending::Syscall(addr)) = htif.take_pending() {
            let htif = htif.clone();
            self.syscall(&htif, addr);
        }
        self.htif.as_ref()?.exit_code()
    }

    /// A proxied system call (riscv-tests' benchmarks): eight words at
    /// `magic`, the call number and its arguments; the result goes back to
    /// the first word, and `fromhost` becomes 1.
    fn syscall(&mut self, htif: &Htif, magic: u64) {
        let mut words = [0u8; 64];
        let result = match self.space.dma_read(magic, &mut words) {
            Err(_) => None,
            Ok(()) => {
                let w = |i: usize| u64::from_le_bytes(words[8 * i..8 * i + 8].try_into().unwrap_or_default());
                match w(0) {
                    SYS_WRITE if w(1) == 1 || w(1) == 2 => {
                        let len = w(3).min(MAX_WRITE);
                        let mut buf = alloc::vec![0u8; len as usize];
                        match self.space.dma_read(w(2), &mut buf) {
                            Ok(()) => {
                                htif.print(&buf);
                                Some(len)
                            }
                            Err(_) => Some(-14i64 as u64), // EFAULT
                        }
                    }
                    SYS_EXIT => {
                        htif.set_exit(w(1));
                        Some(0)
                    }
                    _ => Some(-38i64 as u64), // ENOSYS
                }
            }
        };
        if let Some(r) = result {
            let _ = self.space.dma_write(magic, &r.to_le_bytes());
        }
        htif.complete(1);
    }
}

//! The riscv64 hart in the real vCPU loop (`wemu-exec`) over the real
//! softmmu: page walks through the TLB, A/D updates in guest memory, traps
//! and delegation, WFI and the Sstc timer. The programs are assembled from
//! `programs/*.S` (`programs/regen.sh`).

use wemu_exec::{Clock, Machine, RunExit, TbCache, TbCacheConfig, TimerId, TimerQueue, Vcpu};
use wemu_guest_riscv64::helpers::Timebase;
use wemu_guest_riscv64::mmu::{PTE_A, PTE_D, PTE_G, PTE_R, PTE_V, PTE_W, PTE_X};
use wemu_guest_riscv64::state::State;
use wemu_guest_riscv64::trap::{INTERRUPT, cause};
use wemu_guest_riscv64::{Mmu, Priv, Riscv64Cpu};
use wemu_ir::MemSize;
use wemu_softmmu::{AddressSpace, Arena};

const RAM: u64 = 0x8000_0000;
const RAM_SIZE: u64 = 4 << 20;
/// Timebase: 1 GHz, so one tick per nanosecond (and per instruction with
/// the deterministic clock below).
const HZ: u64 = 1_000_000_000;

#[derive(Default)]
struct Board {
    lines: u64,
    fired: Vec<TimerId>,
}

impl Machine for Board {
    fn irq_lines(&self, _vcpu: u32) -> u64 {
        self.lines
    }

    fn timer_expired(&mut self, _space: &mut AddressSpace, timer: TimerId, _now: u64) {
        self.fired.push(timer);
    }
}

struct Sys {
    space: AddressSpace,
    cache: TbCache,
    timers: TimerQueue,
    board: Board,
    vcpu: Vcpu<Riscv64Cpu>,
}

impl Sys {
    fn new(program: &[u8]) -> Sys {
        Sys::with_clock(program, Clock::deterministic(0))
    }

    fn with_clock(program: &[u8], clock: Clock) -> Sys {
        let mut space = AddressSpace::new(Arena::new(16 << 20).unwrap());
        space.add_ram(RAM, RAM_SIZE).unwrap();
        space.dma_write(RAM, program).unwrap();
        let mut timers = TimerQueue::new(clock);
        let timebase = Timebase { clock: timers.clock().clone(), hz: HZ, stimecmp_timer: Some(timers.new_timer()) };
        let (cpu, walker, helpers) = Riscv64Cpu::parts(Some(timebase));
        let mut vcpu = Vcpu::new(0, cpu, walker, helpers, &mut space).unwrap();
        let mut walker = Mmu::new();
        Riscv64Cpu::reset(vcpu.state_mut(&space).unwrap(), &mut walker, RAM, 0);
        *vcpu.walker_mut() = walker;
        Sys { space, cache: TbCache::new(TbCacheConfig::default()), timers, board: Board::default(), vcpu }
    }

    fn run(&mut self, budget: u64) -> RunExit {
        self.vcpu.run(&mut self.space, &mut self.cache, &mut self.timers, &mut self.board, budget)
    }

    fn with_state<T>(&mut self, f: impl FnOnce(&mut State<'_>) -> T) -> T {
        f(&mut State::new(self.vcpu.state_mut(&self.space).unwrap()))
    }

    fn x(&mut self, n: u8) -> u64 {
        self.with_state(|st| st.x(n))
    }

    fn read(&mut self, paddr: u64) -> u64 {
        self.space.read(paddr, MemSize::B8).unwrap()
    }

    fn write(&mut self, paddr: u64, v: u64) {
        self.space.write(paddr, MemSize::B8, v).unwrap()
    }
}

// Register numbers.
const S0: u8 = 8;
const S1: u8 = 9;
const S2: u8 = 18;
const S3: u8 = 19;
const S4: u8 = 20;
const S5: u8 = 21;
const S6: u8 = 22;
const S7: u8 = 23;
const S8: u8 = 24;
const S9: u8 = 25;
const S10: u8 = 26;

fn pte(paddr: u64, flags: u64) -> u64 {
    (paddr >> 12) << 10 | flags | PTE_V
}

#[test]
fn paging_traps_and_delegation() {
    let mut sys = Sys::new(include_bytes!("programs/paging.bin"));
    // Sv39 tables: a gigapage identity-mapping RAM (the code), and one
    // 4 KiB page at VA 0x4000_0000 with A and D clear.
    let (root, l1, l0, page) = (RAM + 0x10_0000, RAM + 0x10_1000, RAM + 0x10_2000, RAM + 0x20_0000);
    sys.write(root + 2 * 8, pte(RAM, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G));
    sys.write(root + 8, pte(l1, 0));
    sys.write(l1, pte(l0, 0));
    sys.write(l0, pte(page, PTE_R | PTE_W));
    sys.with_state(|st| st.set_x(10, root));

    assert_eq!(sys.run(10_000), RunExit::Halted { deadline: None });
    // The store went through the walker, which set A and D in memory.
    assert_eq!(sys.read(page + 8), 0x1122_3344_5566_7788);
    assert_eq!(sys.x(S2), 0x1122_3344_5566_7788);
    assert_eq!(sys.read(l0) & (PTE_A | PTE_D), PTE_A | PTE_D);
    // The load page fault went to S-mode (delegated) with stval.
    assert_eq!((sys.x(S7), sys.x(S8)), (cause::LOAD_PAGE_FAULT, 0x5000_0000));
    assert_eq!(sys.x(S4), 0, "the faulting load wrote nothing");
    assert_eq!(sys.x(S9), 1, "execution resumed after it");
    // The S-mode ecall went to M-mode, at the ecall itself, from MPP = S.
    assert_eq!((sys.x(S5), sys.x(S6)), (cause::SUPERVISOR_ECALL, 0x8000_00ac));
    assert_eq!((sys.x(S10) >> 11) & 3, 1);
    assert_eq!(sys.with_state(|st| st.priv_mode()), Priv::Machine);
}

#[test]
fn sstc_timer_wakes_wfi() {
    let mut sys = Sys::new(include_bytes!("programs/sstc.bin"));
    // The hart waits in wfi until stimecmp, which the loop reports as the
    // deadline.
    let RunExit::Halted { deadline: Some(deadline) } = sys.run(10_000) else { panic!("not waiting for the timer") };
    let armed_at = sys.x(S0);
    assert_eq!(deadline, armed_at + 1000);
    assert_eq!(sys.x(S1), 0);
    // Nothing happens until the time comes.
    assert_eq!(sys.run(10_000), RunExit::Halted { deadline: Some(deadline) });
    sys.timers.clock().warp_to(deadline);
    assert_eq!(sys.run(10_000), RunExit::Halted { deadline: None });
    assert_eq!(sys.x(S2), INTERRUPT | 5);
    assert!(sys.x(S3) >= deadline);
    assert_eq!(sys.x(S5), cause::SUPERVISOR_ECALL);
    // The interrupt was taken right after the wfi, which retired.
    assert_eq!(sys.x(S1), 0);
}

/// A host clock that advances 1 ns at every read, and counts the reads.
struct CountingClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl wemu_exec::HostClock for CountingClock {
    fn now_ns(&self) -> u64 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

#[test]
fn sstc_interrupts_running_code_without_reading_the_clock_at_every_block() {
    use std::sync::atomic::Ordering::Relaxed;
    // Real time: STIP follows the stimecmp timer, which the loop polls
    // every few thousand instructions, instead of `time` read from the host
    // at every block boundary (a host clock read per block cost a fifth of
    // the run time of a Linux boot).
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let clock = Clock::real_time(Box::new(CountingClock(reads.clone())));
    let mut sys = Sys::with_clock(include_bytes!("programs/sstc_busy.bin"), clock);
    for _ in 0..10 {
        assert_eq!(sys.run(100_000), RunExit::BudgetSpent);
    }
    // The spin loop ran through many block boundaries, with few clock
    // reads (so little time passed: no interrupt yet).
    let boundaries = sys.vcpu.stats().blocks;
    let n = reads.load(Relaxed);
    assert!(boundaries > 100_000, "{boundaries} blocks");
    assert!(n < boundaries / 100, "{n} clock reads for {boundaries} blocks");
    assert_eq!(sys.x(S2), 0);
    // Time passes stimecmp: the interrupt comes within a timer poll.
    reads.fetch_add(1_000_000, Relaxed);
    let exit = sys.run(20_000);
    assert!(matches!(exit, RunExit::BudgetSpent | RunExit::Halted { deadline: None }), "{exit:?}");
    assert_eq!(sys.x(S2), INTERRUPT | 5);
    assert_eq!(sys.x(S5), cause::SUPERVISOR_ECALL);
    assert!(sys.x(S3) >= sys.x(S0) + 100_000);
}

//! The wemu vCPU loop: where guest code is found, translated, cached,
//! chained and run, and where exceptions, interrupts, waiting and virtual
//! time are handled.
//!
//! * A guest frontend implements [`Guest`]: the CPU-state layout, the key
//!   of the next block, translation to IR (reading code through a
//!   [`CodeReader`]), its page walker and helper table, and the
//!   architectural side of exits and interrupts.
//! * A [`Vcpu`] owns one CPU: its state block in the arena, its TLB, its
//!   jump cache and interpreter scratch. [`Vcpu::run`] executes blocks
//!   until something needs the host ([`RunExit`]).
//! * The [`TbCache`] holds the translated blocks of a machine, keyed by
//!   physical address, with direct chaining, a size cap with eviction by
//!   use, self-modifying-code invalidation, and hot-block reports to a
//!   [`HotBlockSink`] (the JIT tier).
//! * The [`Clock`] and [`TimerQueue`] are virtual time: real time, or
//!   deterministic time driven by the instruction count.
//! * The [`Machine`] is the board around the vCPUs: interrupt lines and
//!   timer expiry.
//!
//! # The contract with hosts
//!
//! The loop never waits and never sleeps. A host calls [`Vcpu::run`] with
//! an instruction budget and acts on the exit:
//!
//! * [`RunExit::BudgetSpent`]: do host work (poll input, flush output),
//!   call again;
//! * [`RunExit::ExitRequested`]: someone used the vCPU's
//!   [`ExitRequest`]; do what was asked, call again;
//! * [`RunExit::Halted`]: the guest waits for an interrupt. In real time,
//!   sleep until the deadline (`deadline - clock.now()` ns) or until woken
//!   by input; in deterministic mode, once every vCPU waits, call
//!   [`Clock::warp_to`] with the earliest deadline (no deadline and no
//!   input: the guest waits forever). Then call again;
//! * [`RunExit::Stopped`]: the guest powered off or asked for a reset;
//! * [`RunExit::Error`]: a frontend bug or a host misuse.
//!
//! Several vCPUs share one address space, cache, timer queue and machine;
//! a single-threaded host runs them in turn with small budgets (which in
//! deterministic mode makes the whole machine reproducible).
//!
//! # Tracing
//!
//! A [`Vcpu`] may carry a [`wemu_trace::Tracer`]
//! ([`Vcpu::set_tracer`]); the loop traces the categories it enables, as
//! QEMU's `-d` does: the guest disassembly of each block translated
//! (`in_asm`, through [`Guest::disassemble`]), its IR before and after the
//! optimizer (`op`, `op_opt`), each block run (`exec`), interrupts taken
//! and events handed to the guest (`int`), and, forwarded from the address
//! space's log, MMIO accesses (`mmio`) and TLB fills (`tlb`). A category
//! that is off costs one test of a mask where its events would be made.
//!
//! # Testing
//!
//! The `testing` feature adds the `testing` module: a toy guest, its
//! assembler and a one-vCPU machine, which the crate's tests and
//! benchmarks use.
//!
//! # Self-modifying code
//!
//! The physical pages of every cached block are write-watched in the
//! address space, and every vCPU's TLB sends stores to them to the slow
//! path. A store there is refused with
//! [`CODE_WRITE_FAULT`](wemu_softmmu::CODE_WRITE_FAULT) (the page is
//! unwatched and queued); the loop invalidates the page's blocks and runs
//! the storing instruction alone, from an uncached translation, so the
//! store happens and whatever follows is translated from the new bytes.
//! Writes by DMA or other vCPUs are queued likewise and invalidated at the
//! next block boundary.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

mod clock;
mod code_reader;
mod guest;
mod hash;
mod hot;
mod jit;
mod jump_cache;
mod links;
mod machine;
mod run;
mod tb_cache;
mod timers;
#[allow(unsafe_code)] // the state block's arena slice (see `Vcpu::state_ptr`)
mod vcpu;

pub use clock::{Clock, ClockMode, HostClock};
pub use code_reader::{CodeReader, PAGE_LIMIT_FAULT};
pub use guest::{Action, BlockKey, CpuContext, Event, FetchFault, Guest};
pub use hot::{HotBlock, HotBlockSink, NoHotBlocks};
pub use jit::{Jit, JitConfig, JitSetup, JitStats};
pub use jump_cache::JUMP_CACHE_ENTRIES;
pub use machine::{ExitRequest, Machine};
pub use run::RunExit;
pub use tb_cache::{BlockInfo, CacheStats, TbCache, TbCacheConfig, TbId, TbKey};
pub use timers::{Timer, TimerId, TimerQueue};
pub use vcpu::{ExecError, Vcpu, VcpuStats};

/// The JIT's code generator and engine interface, re-exported for hosts.
pub use wemu_wasm_jit;

#[cfg(feature = "testing")]
pub mod testing;

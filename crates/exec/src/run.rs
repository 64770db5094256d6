//! The vCPU loop: [`Vcpu::run`].
//!
//! Between two blocks — the only places where the guest state is at an
//! instruction boundary and no generated code runs — the loop, in order:
//!
//! 1. invalidates the blocks of code pages written since the last block
//!    (by DMA, another vCPU or a device), and flushes from its TLB the pages
//!    newly watched by any vCPU;
//! 2. returns if an [`ExitRequest`](crate::ExitRequest) is pending;
//! 3. fires expired timers (every boundary in deterministic mode, every few
//!    thousand instructions in real time);
//! 4. returns if the instruction budget is spent;
//! 5. lets the guest take a pending interrupt;
//! 6. finds the next block: through the previous block's chain link, the
//!    jump cache, the cache's map, or by translating it;
//! 7. runs it in the interpreter and turns its exit into the next step.
//!
//! Tracing (see [`Vcpu::set_tracer`]) happens at those same points: the
//! translation (`in_asm`, `op`, `op_opt`), the block about to run
//! (`exec`), the interrupt taken and the event handed to the guest
//! (`int`); the address space's `mmio` and `tlb` records are forwarded
//! before each of those and at each block boundary, so they appear in
//! order with the rest.
//!
//! Faults are precise: the interpreter writes the globals back at every
//! exit, the frontend defers writing globals past its last faulting access,
//! and the loop sets the PC to the faulting instruction's and counts the
//! instructions before it as retired (`insns - 1`; `insns` otherwise).

use alloc::string::String;
use core::fmt::Write as _;

use wemu_ir::MemSize;
use wemu_ir::runtime::{Exit, ExitKind};
use wemu_ir::runtime::{FaultCode, GuestMemory, Helpers};
use wemu_ir::{Block, Inst};
use wemu_softmmu::{AddressSpace, CODE_WRITE_FAULT, CpuMemory, MemTrace, PAGE_MASK, PageWalker, Tlb};
use wemu_tci::{Interp, TciBlock};
use wemu_trace::{Categories, TraceEvent, Tracer};
use wemu_wasm_jit::engine::JitHost;

use crate::jump_cache::JumpCache;
use crate::tb_cache::WatchedSince;
use crate::vcpu::{ExecError, VcpuStats};
use crate::{
    Action, BlockKey, CodeReader, CpuContext, Event, ExitRequest, FetchFault, Guest, Machine, TbCache, TbId, TbKey,
    TimerQueue, Vcpu,
};

/// Why [`Vcpu::run`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunExit {
    /// The instruction budget is spent (the last block may overshoot it by
    /// up to one block).
    BudgetSpent,
    /// An [`ExitRequest`](crate::ExitRequest) was pending.
    ExitRequested,
    /// The vCPU waits for an interrupt (WFI). Nothing will happen until an
    /// interrupt line rises or the virtual time reaches `deadline`, the
    /// earliest armed timer (`None`: no timer is armed). The host sleeps
    /// until then or until it is woken (real time), or, once every vCPU
    /// waits, moves the clock to the deadline with
    /// [`Clock::warp_to`](crate::Clock::warp_to) (deterministic); then it
    /// calls `run` again, which fires the timer and resumes the guest if
    /// that raised an interrupt.
    Halted { deadline: Option<u64> },
    /// The guest stopped the machine with this code ([`Action::Stop`]).
    Stopped(u32),
    /// The loop cannot go on (see [`ExecError`]).
    Error(ExecError),
}

/// Instructions between two reads of the host clock, in real time (tens of
/// microseconds in the interpreter).
const REAL_TIME_POLL_INSNS: u64 = 1 << 13;

/// Instructions between two polls of the JIT engine for finished modules
/// (asking at every block costs more than installing a module a few
/// thousand instructions late).
const JIT_POLL_INSNS: u64 = 1 << 12;

/// One-instruction steps tried for a store to watched code before giving
/// up (each one unwatches at least the page it hit).
const CODE_WRITE_ATTEMPTS: u32 = 4;

/// Where the next block comes from.
#[derive(Clone, Copy, Debug)]
enum Next {
    /// Look the state's block key up.
    Lookup,
    /// The previous block left through `goto_tb slot` to `pc`.
    Chain { from: TbId, slot: u8, pc: u64 },
}

/// What to do after a block or an event.
#[derive(Debug)]
enum Flow {
    Next(Next),
    Exit(RunExit),
    /// A store hit watched code; the state is at the store, whose PC this
    /// is.
    CodeWrite {
        pc: u64,
    },
}

/// The next block to run, or why there is none.
#[derive(Debug)]
enum Found {
    /// A cached block, and whether it was reached through a chain link.
    Cached(TbId, bool),
    /// Code outside RAM and ROM, run once.
    Uncached(alloc::boxed::Box<TciBlock>, u64),
    Fault(FetchFault, u64),
    Error(ExecError),
}

/// The categories the address space logs for the vCPU loop.
const MEM_TRACE: Categories = Categories::MMIO.union(Categories::TLB);

/// Why a block was not translated.
#[derive(Debug)]
enum Untranslated {
    Fault(FetchFault),
    Error(ExecError),
}

/// A translated block not yet cached.
struct Translated {
    code: TciBlock,
    insns: u32,
    pages: [(u64, u64); 2],
    npages: usize,
    cacheable: bool,
}

impl<G: Guest> Vcpu<G> {
    /// Runs the vCPU until an exit (see [`RunExit`]), executing at most
    /// about `budget` guest instructions (each event handed to the guest,
    /// an exception say, counts as one).
    ///
    /// `space` must be the address space the vCPU was created in, `cache`
    /// is shared by the machine's vCPUs, `timers` holds the machine's
    /// devices' timers (and its clock), `machine` supplies interrupt lines
    /// and hears of expired timers.
    #[allow(unsafe_code)] // the state block's slice, as in `Vcpu::state_mut`
    pub fn run<M: Machine>(
        &mut self,
        space: &mut AddressSpace,
        cache: &mut TbCache,
        timers: &mut TimerQueue,
        machine: &mut M,
        budget: u64,
    ) -> RunExit {
        let state = match self.state_ptr(space) {
            Ok(p) => p,
            Err(e) => return RunExit::Error(e),
        };
        // SAFETY: `state` points at this vCPU's own state block in the
        // arena of `space`, borrowed for this whole call, so it stays
        // allocated; `self` is borrowed mutably, so no other slice of the
        // block exists (see `Vcpu::state_mut`); the slice does not outlive
        // the call. The arena bytes are not otherwise referenced from Rust:
        // devices and DMA reach only guest-physical regions, and the page
        // walker does not read the state block through the arena.
        let state = unsafe { &mut *state };
        let deadline = timers.next_deadline();
        let state_offset = self.state_offset();
        let tracer = self.tracer.as_deref_mut();
        let trace = tracer.as_ref().map_or(Categories::NONE, |t| t.enabled());
        let space_trace = space.trace();
        if trace.intersects(MEM_TRACE) {
            space.set_trace(trace);
        }
        let mut r = Runner {
            vcpu: self.index,
            state_offset,
            jit_ctx: self.jit_ctx,
            retired_offset: self.guest.retired_offset(),
            links: &mut self.links,
            guest: &mut self.guest,
            walker: &mut self.walker,
            helpers: &mut self.helpers,
            tlb: &mut self.tlb,
            interp: &mut self.interp,
            optimizer: &mut self.optimizer,
            jump_cache: &mut self.jump_cache,
            halted: &mut self.halted,
            exit_request: &self.exit_request,
            watch_seen: &mut self.watch_seen,
            stats: &mut self.stats,
            state,
            space,
            cache,
            timers,
            machine,
            executed: 0,
            budget,
            deadline,
            next_poll: 0,
            next_jit_poll: 0,
            trace,
            tracer,
        };
        r.sync_retired();
        let exit = r.run(budget);
        if trace.intersects(MEM_TRACE) {
            r.drain_mem_trace();
            r.space.set_trace(space_trace);
        }
        exit
    }
}

/// Everything one `run` call borrows.
struct Runner<'a, G: Guest, M: Machine> {
    vcpu: u32,
    /// Arena offsets of the state block and the JIT context block.
    state_offset: u32,
    jit_ctx: u32,
    /// [`Guest::retired_offset`].
    retired_offset: Option<u32>,
    links: &'a mut crate::links::Links,
    guest: &'a mut G,
    walker: &'a mut G::Walker,
    helpers: &'a mut G::Helpers,
    tlb: &'a mut Tlb,
    interp: &'a mut Interp,
    optimizer: &'a mut wemu_ir::opt::Optimizer,
    jump_cache: &'a mut JumpCache,
    halted: &'a mut bool,
    exit_request: &'a ExitRequest,
    watch_seen: &'a mut u64,
    stats: &'a mut VcpuStats,
    state: &'a mut [u8],
    space: &'a mut AddressSpace,
    cache: &'a mut TbCache,
    timers: &'a mut TimerQueue,
    machine: &'a mut M,
    /// Instructions retired in this call.
    executed: u64,
    /// The budget of this call.
    budget: u64,
    /// The earliest armed timer, as last read.
    deadline: Option<u64>,
    /// Real time: `executed` at which to read the host clock next.
    next_poll: u64,
    /// `executed` at which to ask the JIT engine for finished modules next.
    next_jit_poll: u64,
    /// The categories traced in this call (none without a tracer).
    trace: Categories,
    tracer: Option<&'a mut (dyn Tracer + Send + 'static)>,
}

/// The vCPU's memory, borrowing only the fields it needs (so the guest,
/// the cache and the state stay available).
macro_rules! mem {
    ($r:expr) => {
        CpuMemory { space: &mut *$r.space, tlb: &mut *$r.tlb, walker: &mut *$r.walker }
    };
}

/// The guest callbacks' view of the vCPU.
macro_rules! ctx {
    ($r:expr) => {
        CpuContext { vcpu: $r.vcpu, state: &mut *$r.state, mem: mem!($r), helpers: &mut *$r.helpers }
    };
}

/// Stores `count` as the u64 at `off` of the state (nothing if out of it).
fn write_retired(state: &mut [u8], off: u32, count: u64) {
    if let Some(b) = state.get_mut(off as usize..).and_then(<[u8]>::first_chunk_mut::<8>) {
        *b = count.to_le_bytes();
    }
}

/// Whether the second and later (virtual, physical) pages of a block still
/// map the same way (the first one the caller has checked).
fn later_pages_map<W: PageWalker + ?Sized>(mem: &mut CpuMemory<'_, W>, pages: &[(u64, u64)], mmu_idx: u8) -> bool {
    pages.iter().skip(1).all(|&(v, p)| mem.translate_fetch(v, mmu_idx).is_ok_and(|pa| pa & PAGE_MASK == p))
}

impl<G: Guest, M: Machine> Runner<'_, G, M> {
    fn run(&mut self, budget: u64) -> RunExit {
        self.sync_tlb();
        if *self.halted {
            self.poll_timers(true);
            if !self.wakes() {
                return RunExit::Halted { deadline: self.deadline };
            }
            *self.halted = false;
        }
        let mut next = Next::Lookup;
        loop {
            if self.executed >= self.next_jit_poll && self.cache.jit_pending() {
                self.next_jit_poll = self.executed + JIT_POLL_INSNS;
                self.cache.jit_poll();
            }
            if self.space.has_code_writes() {
                self.invalidate_written_code();
            }
            self.sync_tlb();
            if self.trace.intersects(MEM_TRACE) {
                self.drain_mem_trace();
            }
            if self.exit_request.take() {
                return RunExit::ExitRequested;
            }
            self.poll_timers(false);
            if self.executed >= budget {
                return RunExit::BudgetSpent;
            }
            let lines = self.machine.irq_lines(self.vcpu);
            let int_pc = if self.trace.contains(Categories::INT) { self.guest.block_key(self.state).pc } else { 0 };
            if self.guest.take_interrupt(&mut ctx!(self), lines, &mut *self.machine) {
                self.stats.interrupts += 1;
                next = Next::Lookup;
                if self.trace.contains(Categories::INT) {
                    let next_pc = self.guest.block_key(self.state).pc;
                    self.emit(&TraceEvent::Interrupt { vcpu: self.vcpu, pc: int_pc, lines, next_pc });
                }
            }
            let flow = match self.find_block(next) {
                Found::Cached(id, chained) => self.run_cached(id, chained),
                Found::Uncached(code, pc) => {
                    if self.trace.contains(Categories::EXEC) {
                        self.emit(&TraceEvent::Exec { vcpu: self.vcpu, pc, tb: None, chained: false });
                    }
                    let exit = self.interp.run(&code, self.state, &mut mem!(self), self.helpers);
                    self.after_block(exit, None, pc)
                }
                Found::Fault(fault, pc) => self.event(Event::FetchFault(fault), pc),
                Found::Error(e) => return RunExit::Error(e),
            };
            next = match flow {
                Flow::Next(n) => n,
                Flow::Exit(e) => return e,
                Flow::CodeWrite { pc } => match self.code_write(pc) {
                    Ok(n) => n,
                    Err(e) => return e,
                },
            };
        }
    }

    /// Runs cached block `id` (reached through a chain link if `chained`).
    fn run_cached(&mut self, id: TbId, chained: bool) -> Flow {
        let Some(hot) = self.cache.enter(id) else { return Flow::Next(Next::Lookup) };
        if hot {
            self.report_hot(id);
            // An engine that compiles at once has the region ready: run the
            // block there already.
            if self.cache.jit_pending() {
                self.cache.jit_poll();
            }
        }
        if self.trace.contains(Categories::EXEC)
            && let Some(e) = self.cache.get(id)
        {
            let pc = e.key.pc;
            self.emit(&TraceEvent::Exec { vcpu: self.vcpu, pc, tb: Some(id.index()), chained });
        }
        let Some(e) = self.cache.get(id) else { return Flow::Next(Next::Lookup) };
        if let Some((region, member)) = e.jit {
            return self.run_region(region, member);
        }
        let pc = e.key.pc;
        let exit = self.interp.run(&e.code, self.state, &mut mem!(self), self.helpers);
        self.after_block(exit, Some(id), pc)
    }

    /// Runs compiled region `region` from its member `member` (see the
    /// `jit` module): fills the context block, runs the module, accounts
    /// the members it completed and turns the exit of the last one into
    /// the next step, as for a block.
    fn run_region(&mut self, region: u32, member: u32) -> Flow {
        use wemu_wasm_jit::abi::{
            CTX_EXIT_REQUEST, CTX_LIMIT, CTX_LINK_GEN, CTX_LINKS, CTX_REGION, CTX_RETIRED, CTX_STATE, CTX_TLB,
            RunOutcome, link_key, read_outcome,
        };
        let Some((module, entry_id)) = self.cache.jit_mut().and_then(|j| j.enter(region, member)) else {
            return Flow::Next(Next::Lookup);
        };
        let arena = self.space.arena();
        if let Some(jit) = self.cache.jit().filter(|j| j.links()) {
            // Links made before a region went or a translation changed
            // must not run; then this block's own (its key was just
            // checked, or it was chained to as the loop does).
            self.links.sync(arena, jit.removals(), self.tlb);
            if let Some(e) = self.cache.get(entry_id) {
                let key = link_key(e.key.flags, e.key.mmu_idx);
                self.links.fill(arena, e.key.pc, key, module, member, region);
            }
        }
        let wasm_base = arena.wasm_base();
        let ctx = u64::from(self.jit_ctx);
        let limit = self.region_limit();
        let w32 = |off: u32, v: u32| arena.write(ctx + u64::from(off), MemSize::B4, u64::from(v));
        let w64 = |off: u32, v: u64| arena.write(ctx + u64::from(off), MemSize::B8, v);
        let _ = w32(CTX_STATE, wasm_base.wrapping_add(self.state_offset));
        let _ = w32(CTX_TLB, wasm_base.wrapping_add(self.tlb.arena_offset()));
        let _ = w64(CTX_LIMIT, limit);
        let _ = w64(CTX_RETIRED, 0);
        let _ = w32(CTX_EXIT_REQUEST, 0);
        let _ = w32(CTX_LINKS, wasm_base.wrapping_add(self.links.offset()));
        let _ = w32(CTX_REGION, region);
        let _ = w32(CTX_LINK_GEN, self.links.generation());
        let ctx_wasm = wasm_base.wrapping_add(self.jit_ctx);
        let mut host: RegionHost<'_, '_, G> = RegionHost {
            state: &mut *self.state,
            mem: mem!(self),
            helpers: &mut *self.helpers,
            timers: &*self.timers,
            ctx,
            wasm_base,
            synced: 0,
            retired: self.retired_offset.map(|off| (off, self.stats.insns)),
        };
        let Some(jit) = self.cache.jit_mut() else { return Flow::Next(Next::Lookup) };
        let result = jit.run(module, member, ctx_wasm, &mut host);
        let synced = host.synced;
        let arena = self.space.arena();
        let r32 = |off: u32| arena.read(ctx + u64::from(off), MemSize::B4).unwrap_or(0) as u32;
        let r64 = |off: u32| arena.read(ctx + u64::from(off), MemSize::B8).unwrap_or(0);
        let kind = match result {
            Ok(k) => k,
            Err(error) => {
                let pc = self.cache.get(entry_id).map_or(0, |e| e.key.pc);
                return Flow::Exit(RunExit::Error(ExecError::Jit { pc, error }));
            }
        };
        let RunOutcome { member: exit_member, exit, retired } = read_outcome(kind, r32, r64);
        // The region the exit happened in: links may have left this one.
        let entry_region = region;
        let region = r32(CTX_REGION);
        self.executed += retired;
        self.stats.insns += retired;
        self.timers.clock().retire(retired.saturating_sub(synced));
        self.sync_retired();
        // The member the exit belongs to: the region may have been dropped
        // by a helper's doing (never, today), so look it up again.
        let from = self.cache.jit_mut().and_then(|j| j.member(region, exit_member));
        let block_pc = from.and_then(|id| self.cache.get(id)).map_or(0, |e| e.key.pc);
        // Counted as `after_block` retires them.
        let last = if exit.kind.is_fault() { exit.insns.saturating_sub(1) } else { exit.insns };
        let in_region = retired + u64::from(last);
        self.stats.jit_runs += 1;
        self.stats.jit_insns += in_region;
        if let Some(j) = self.cache.jit_mut() {
            j.stats.insns += in_region;
            if region != entry_region {
                j.touch(region);
            }
        }
        self.after_block(exit, from, block_pc)
    }

    /// Instructions a region may retire before it must come back to the
    /// loop: the budget left, and the instructions until the next timer
    /// poll (real time) or deadline (deterministic). At least 1: a region
    /// always completes the member it starts with.
    fn region_limit(&self) -> u64 {
        let mut limit = self.budget.saturating_sub(self.executed);
        if let Some(deadline) = self.deadline {
            let clock = self.timers.clock();
            let until = match clock.insns_until(deadline) {
                Some(n) => n,
                None => self.next_poll.saturating_sub(self.executed),
            };
            limit = limit.min(until);
        }
        limit.max(1)
    }

    /// Accounts a block's instructions and turns its exit into the next
    /// step. `from` is the block if it is cached, `block_pc` its PC.
    fn after_block(&mut self, exit: Exit, from: Option<TbId>, block_pc: u64) -> Flow {
        let retired = if exit.kind.is_fault() { exit.insns.saturating_sub(1) } else { exit.insns };
        self.retire(u64::from(retired));
        self.stats.blocks += 1;
        // The instruction the exit belongs to.
        let pc = if exit.insns == 0 { block_pc } else { exit.insn_pc };
        if exit.kind.is_fault() {
            self.guest.set_pc(self.state, pc);
        }
        match exit.kind {
            ExitKind::GotoTb { slot, pc: next } => {
                self.guest.set_pc(self.state, next);
                Flow::Next(match from {
                    Some(from) => Next::Chain { from, slot, pc: next },
                    None => Next::Lookup,
                })
            }
            ExitKind::LookupTb => Flow::Next(Next::Lookup),
            ExitKind::Status(s) => self.event(Event::Status(s), pc),
            ExitKind::MemFault { code: CODE_WRITE_FAULT, write: true, .. }
            | ExitKind::HelperFault { code: CODE_WRITE_FAULT, .. } => Flow::CodeWrite { pc },
            ExitKind::MemFault { addr, code, write } => self.event(Event::MemFault { addr, code, write }, pc),
            ExitKind::Misaligned { addr, write } => self.event(Event::Misaligned { addr, write }, pc),
            ExitKind::HelperFault { helper, code } => self.event(Event::HelperFault { helper, code }, pc),
            ExitKind::BadBlock => Flow::Exit(RunExit::Error(ExecError::BadBlock { pc: block_pc })),
        }
    }

    /// Hands `event` to the guest and applies its answer.
    fn event(&mut self, event: Event, pc: u64) -> Flow {
        self.stats.events += 1;
        // Progress for the budget, though nothing retires: a guest caught
        // in a trap loop (a fetch fault at its own trap vector) must still
        // return to its host.
        self.executed += 1;
        let action = self.guest.handle_event(&mut ctx!(self), event, pc);
        if self.trace.contains(Categories::INT) {
            let next_pc = self.guest.block_key(self.state).pc;
            self.emit(&TraceEvent::Exception { vcpu: self.vcpu, pc, event: &event, action: &action, next_pc });
        }
        match action {
            Action::Continue => Flow::Next(Next::Lookup),
            Action::Halt => {
                // Timers that are already due may raise the interrupt the
                // guest waits for.
                self.poll_timers(true);
                if self.wakes() {
                    Flow::Next(Next::Lookup)
                } else {
                    *self.halted = true;
                    Flow::Exit(RunExit::Halted { deadline: self.deadline })
                }
            }
            Action::Stop(code) => Flow::Exit(RunExit::Stopped(code)),
        }
    }

    /// Whether an interrupt is pending that ends a wait.
    fn wakes(&mut self) -> bool {
        let lines = self.machine.irq_lines(self.vcpu);
        self.guest.interrupt_pending(self.state, lines)
    }

    fn retire(&mut self, insns: u64) {
        self.executed += insns;
        self.stats.insns += insns;
        self.timers.clock().retire(insns);
        self.sync_retired();
    }

    /// Writes the vCPU's retired count where the guest keeps it
    /// ([`Guest::retired_offset`]).
    fn sync_retired(&mut self) {
        if let Some(off) = self.retired_offset {
            write_retired(self.state, off, self.stats.insns);
        }
    }

    /// Finds (or translates) the block to run next.
    fn find_block(&mut self, next: Next) -> Found {
        if let Next::Chain { from, slot, pc } = next
            && let Some(to) = self.cache.chained(from, slot, pc)
        {
            self.stats.chained += 1;
            return Found::Cached(to, true);
        }
        let key = self.guest.block_key(self.state);
        let phys_pc = match mem!(self).translate_fetch(key.pc, key.mmu_idx) {
            Ok(p) => p,
            Err(code) => return Found::Fault(FetchFault { addr: key.pc, code }, key.pc),
        };
        let id = match self.lookup(key, phys_pc) {
            Some(id) => id,
            None => {
                let max = self.cache.config().max_block_insns;
                let t = match self.translate(key, phys_pc, max) {
                    Ok(t) => t,
                    Err(Untranslated::Fault(f)) => return Found::Fault(f, key.pc),
                    Err(Untranslated::Error(e)) => return Found::Error(e),
                };
                if !t.cacheable {
                    return Found::Uncached(alloc::boxed::Box::new(t.code), key.pc);
                }
                self.insert(key, phys_pc, t)
            }
        };
        if let Next::Chain { from, slot, .. } = next {
            self.cache.chain(from, slot, id);
        }
        Found::Cached(id, false)
    }

    /// The cached block for `key` at `phys_pc`: from the jump cache or the
    /// map, if its pages still map as when it was translated.
    fn lookup(&mut self, key: BlockKey, phys_pc: u64) -> Option<TbId> {
        if let Some(id) = self.jump_cache.get(&key)
            && let Some(e) = self.cache.get(id)
            && e.key.phys_pc == phys_pc
            && later_pages_map(&mut mem!(self), e.pages(), key.mmu_idx)
        {
            self.stats.jump_cache_hits += 1;
            return Some(id);
        }
        let tkey = TbKey { pc: key.pc, phys_pc, flags: key.flags, mmu_idx: key.mmu_idx };
        let id = self.cache.find(&tkey)?;
        let e = self.cache.get(id)?;
        if !later_pages_map(&mut mem!(self), e.pages(), key.mmu_idx) {
            return None;
        }
        self.stats.cache_hits += 1;
        self.jump_cache.set(key, id);
        Some(id)
    }

    /// Translates the block at `key` (first byte at `phys_pc`) into
    /// bytecode, without caching it: guest code to IR, verified (debug
    /// builds), optimized, lowered to bytecode.
    fn translate(&mut self, key: BlockKey, phys_pc: u64, max_insns: u32) -> Result<Translated, Untranslated> {
        let mut mem = mem!(self);
        let mut reader = CodeReader::new(&mut mem, key.pc, phys_pc, key.mmu_idx);
        let mut block = self.guest.translate(key, &mut reader, max_insns).map_err(Untranslated::Fault)?;
        let mut pages = [(0, 0); 2];
        let npages = reader.pages().len().min(2);
        pages[..npages].copy_from_slice(&reader.pages()[..npages]);
        let cacheable = reader.cacheable();
        self.stats.translations += 1;
        if self.trace.intersects(Categories::IN_ASM | Categories::OP) {
            self.trace_translation(key, phys_pc, &block);
        }
        #[cfg(debug_assertions)]
        if let Err(error) = wemu_ir::verify(&block) {
            return Err(Untranslated::Error(ExecError::Verify { pc: key.pc, error }));
        }
        self.optimizer.optimize(&mut block);
        if self.trace.contains(Categories::OP_OPT) {
            let ir = wemu_ir::text::print(&block);
            self.emit(&TraceEvent::OpOpt { vcpu: self.vcpu, pc: key.pc, ir: &ir });
        }
        let insns = u32::try_from(block.guest_insns()).unwrap_or(u32::MAX);
        if insns == 0 {
            return Err(Untranslated::Error(ExecError::EmptyBlock { pc: key.pc }));
        }
        let code =
            TciBlock::compile(&block).map_err(|error| Untranslated::Error(ExecError::Compile { pc: key.pc, error }))?;
        Ok(Translated { code, insns, pages, npages, cacheable })
    }

    /// Caches a translated block: watches its pages (stores to them must
    /// take the slow path, in every vCPU's TLB) and records it in the jump
    /// cache.
    fn insert(&mut self, key: BlockKey, phys_pc: u64, t: Translated) -> TbId {
        let tkey = TbKey { pc: key.pc, phys_pc, flags: key.flags, mmu_idx: key.mmu_idx };
        let pages = &t.pages[..t.npages];
        let id = self.cache.insert(tkey, t.code, t.insns, pages);
        for &(_, ppage) in pages {
            // A page already watched has no fast write entry in any TLB
            // (fills respect the watch); ROM and MMIO are never written
            // through one. Only a page that becomes watched needs flushing.
            if !self.space.is_code(ppage) {
                self.space.watch_code(ppage);
                if self.space.is_code(ppage) {
                    self.cache.log_watched(ppage);
                }
            }
        }
        self.sync_tlb();
        self.jump_cache.set(key, id);
        id
    }

    /// Translates block `id` again and reports it hot.
    fn report_hot(&mut self, id: TbId) {
        if self.cache.jit().is_some() {
            // A block already compiled into a region runs there from every
            // entry: another region headed by it would mostly duplicate.
            if self.cache.get(id).is_some_and(|e| e.jit.is_none()) {
                self.form_region(id);
            }
            return;
        }
        let Some(e) = self.cache.get(id) else { return };
        let (key, insns) = (e.key, e.insns);
        let mut mem = mem!(self);
        let mut reader = CodeReader::new(&mut mem, key.pc, key.phys_pc, key.mmu_idx);
        // The code is unchanged (its pages are watched and written pages
        // were invalidated before this block was entered), so this gives
        // the same block; if the mapping went away meanwhile, skip it.
        if let Ok(mut ir) = self.guest.translate(key.block_key(), &mut reader, insns) {
            // The IR the interpreter runs (the frontend's was verified when
            // the block was first translated).
            self.optimizer.optimize(&mut ir);
            self.cache.report_hot(id, &ir);
        }
    }

    /// Grows a region from hot block `head` (see the `jit` module), has it
    /// compiled and submits it to the engine.
    fn form_region(&mut self, head: TbId) {
        let Some(config) = self.cache.jit().map(|j| *j.config()) else { return };
        let mut ids = alloc::vec![head];
        let mut insns = self.cache.get(head).map_or(0, |e| e.insns);
        let mut i = 0;
        while i < ids.len() && ids.len() < config.max_region_blocks {
            let links = self.cache.info(ids[i]).map_or([None; 2], |b| b.links);
            for to in links.into_iter().flatten() {
                let Some(b) = self.cache.info(to) else { continue };
                if ids.len() < config.max_region_blocks
                    && !ids.contains(&to)
                    && b.exec_count >= config.min_member_execs
                    && insns + b.insns <= config.max_region_insns
                {
                    insns += b.insns;
                    ids.push(to);
                }
            }
            i += 1;
        }
        let mut members = alloc::vec::Vec::with_capacity(ids.len());
        let mut blocks = alloc::vec::Vec::with_capacity(ids.len());
        for id in ids {
            let Some(e) = self.cache.get(id) else { continue };
            let (key, n) = (e.key, e.insns);
            let mut mem = mem!(self);
            let mut reader = CodeReader::new(&mut mem, key.pc, key.phys_pc, key.mmu_idx);
            // The code is unchanged (see `report_hot`); a member whose
            // mapping went away is left out.
            match self.guest.translate(key.block_key(), &mut reader, n) {
                Ok(mut ir) => {
                    self.optimizer.optimize(&mut ir);
                    members.push(id);
                    blocks.push(ir);
                }
                Err(_) if id == head => return,
                Err(_) => {}
            }
        }
        let region: alloc::vec::Vec<wemu_wasm_jit::Member<'_>> = members
            .iter()
            .zip(&blocks)
            .map(|(&id, ir)| {
                let links = self.cache.info(id).map_or([None; 2], |b| b.links);
                let successors =
                    links.map(|l| l.and_then(|to| members.iter().position(|&m| m == to).map(|p| p as u32)));
                let key = self.cache.get(id).map_or(0, |e| wemu_wasm_jit::abi::link_key(e.key.flags, e.key.mmu_idx));
                wemu_wasm_jit::Member { ir, successors, key }
            })
            .collect();
        let Some(jit) = self.cache.jit_mut() else { return };
        let options =
            wemu_wasm_jit::Options { links: jit.links(), pc_offset: self.guest.pc_offset(), ..config.options };
        match wemu_wasm_jit::compile_region(&region, &options) {
            Ok(wasm) => jit.submit(members, wasm),
            Err(_) => jit.stats.declined += 1,
        }
    }

    /// A store at `pc` hit watched code and did not happen: invalidates the
    /// written pages' blocks, then runs that one instruction alone, from a
    /// fresh translation that is neither cached nor watched, so the store
    /// goes through and the next instruction is translated from the new
    /// bytes.
    fn code_write(&mut self, pc: u64) -> Result<Next, RunExit> {
        for _ in 0..CODE_WRITE_ATTEMPTS {
            self.stats.code_write_steps += 1;
            self.invalidate_written_code();
            match self.step_one() {
                Flow::Next(n) => return Ok(n),
                Flow::Exit(e) => return Err(e),
                // The store also reaches another watched page.
                Flow::CodeWrite { .. } => {}
            }
        }
        Err(RunExit::Error(ExecError::CodeWriteLoop { pc }))
    }

    /// Runs the instruction at the state's PC alone, uncached.
    fn step_one(&mut self) -> Flow {
        let key = self.guest.block_key(self.state);
        let phys_pc = match mem!(self).translate_fetch(key.pc, key.mmu_idx) {
            Ok(p) => p,
            Err(code) => return self.event(Event::FetchFault(FetchFault { addr: key.pc, code }), key.pc),
        };
        let t = match self.translate(key, phys_pc, 1) {
            Ok(t) => t,
            Err(Untranslated::Fault(f)) => return self.event(Event::FetchFault(f), key.pc),
            Err(Untranslated::Error(e)) => return Flow::Exit(RunExit::Error(e)),
        };
        if self.trace.contains(Categories::EXEC) {
            self.emit(&TraceEvent::Exec { vcpu: self.vcpu, pc: key.pc, tb: None, chained: false });
        }
        let exit = self.interp.run(&t.code, self.state, &mut mem!(self), self.helpers);
        self.after_block(exit, None, key.pc)
    }

    /// Removes the blocks of every code page written since the last call.
    fn invalidate_written_code(&mut self) {
        for page in self.space.take_code_writes() {
            self.cache.invalidate_page(page);
        }
    }

    /// Flushes from the TLB the pages watched since it last looked.
    fn sync_tlb(&mut self) {
        let end = self.cache.watch_end();
        if *self.watch_seen == end {
            return;
        }
        match self.cache.watched_since(*self.watch_seen) {
            WatchedSince::Pages(pages) => {
                for &p in pages {
                    self.tlb.flush_phys_page(self.space.arena(), p);
                }
            }
            WatchedSince::All => self.tlb.flush_all(self.space.arena()),
        }
        *self.watch_seen = end;
    }

    /// Fires the timers that are due. Reads the clock at every call in
    /// deterministic mode (it is a counter), and in real time only every
    /// [`REAL_TIME_POLL_INSNS`] or when `force`d.
    fn poll_timers(&mut self, force: bool) {
        if self.timers.take_changed() {
            self.deadline = self.timers.next_deadline();
        }
        let Some(deadline) = self.deadline else { return };
        let clock = self.timers.clock();
        if !clock.is_deterministic() {
            if !force && self.executed < self.next_poll {
                return;
            }
            self.next_poll = self.executed + REAL_TIME_POLL_INSNS;
        }
        let now = clock.now();
        if now < deadline {
            return;
        }
        let (machine, space) = (&mut *self.machine, &mut *self.space);
        self.timers.expire(now, |id| machine.timer_expired(space, id, now));
        self.timers.take_changed();
        self.deadline = self.timers.next_deadline();
    }

    /// Traces a block just translated: its guest code (`in_asm`) and IR
    /// (`op`).
    #[cold]
    #[inline(never)]
    fn trace_translation(&mut self, key: BlockKey, phys_pc: u64, block: &Block) {
        if self.trace.contains(Categories::IN_ASM) {
            let mut text = String::new();
            let mut mem = mem!(self);
            let mut code = CodeReader::new(&mut mem, key.pc, phys_pc, key.mmu_idx);
            let mut insns = 0u32;
            for inst in &block.insts {
                if let Inst::InsnStart { pc } = *inst {
                    // Writing to a `String` cannot fail.
                    let _ = write!(text, "{pc:#018x}:  ");
                    let _ = self.guest.disassemble(&mut code, pc, &mut text);
                    text.push('\n');
                    insns += 1;
                }
            }
            self.emit(&TraceEvent::InAsm { vcpu: self.vcpu, pc: key.pc, phys_pc, insns, text: &text });
        }
        if self.trace.contains(Categories::OP) {
            let ir = wemu_ir::text::print(block);
            self.emit(&TraceEvent::Op { vcpu: self.vcpu, pc: key.pc, ir: &ir });
        }
    }

    /// Hands `event` to the tracer, after the address space's records that
    /// came before it.
    #[cold]
    #[inline(never)]
    fn emit(&mut self, event: &TraceEvent<'_>) {
        if self.trace.intersects(MEM_TRACE) {
            self.drain_mem_trace();
        }
        if let Some(t) = self.tracer.as_deref_mut() {
            t.event(event);
        }
    }

    /// Forwards the address space's `mmio` and `tlb` records to the tracer.
    fn drain_mem_trace(&mut self) {
        let Some(t) = self.tracer.as_deref_mut() else { return };
        let vcpu = self.vcpu;
        for record in self.space.drain_trace() {
            t.event(&match record {
                MemTrace::Mmio(access) => TraceEvent::Mmio { vcpu, access },
                MemTrace::TlbFill(fill) => TraceEvent::TlbFill { vcpu, fill },
            });
        }
        let count = self.space.take_trace_lost();
        if count > 0 {
            t.event(&TraceEvent::Lost { vcpu, count });
        }
    }
}

/// What a region's imports reach (see the `jit` module): the vCPU's
/// memory and helpers, with the clock kept current and device accesses
/// ending the region at the next member boundary.
struct RegionHost<'a, 'm, G: Guest> {
    state: &'a mut [u8],
    mem: CpuMemory<'m, G::Walker>,
    helpers: &'a mut G::Helpers,
    timers: &'a TimerQueue,
    /// Arena offset of the context block.
    ctx: u64,
    wasm_base: u32,
    /// Instructions of completed members already retired on the clock.
    synced: u64,
    /// [`Guest::retired_offset`] and the vCPU's count at the run's start.
    retired: Option<(u32, u64)>,
}

impl<G: Guest> RegionHost<'_, '_, G> {
    /// Retires the members completed so far, so that whatever reads the
    /// clock now sees what it would between blocks in the interpreter.
    fn sync_clock(&mut self) {
        let retired = self.mem.space.arena().read(self.ctx + u64::from(wemu_wasm_jit::abi::CTX_RETIRED), MemSize::B8);
        let retired = retired.unwrap_or(self.synced);
        self.timers.clock().retire(retired.saturating_sub(self.synced));
        self.synced = self.synced.max(retired);
        if let Some((off, base)) = self.retired {
            write_retired(self.state, off, base + retired);
        }
    }

    /// Runs `f` against the vCPU; if it reached a device (whose interrupt
    /// lines may have changed), wrote code, armed a timer (a `stimecmp`
    /// write) or flushed the TLB, asks the region to leave at the next
    /// member boundary, where the loop would act on it.
    fn access<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.sync_clock();
        let before = (self.mem.space.mmio_accesses(), self.mem.tlb.flushes());
        let r = f(self);
        // A TLB flush also ends the region: links must not run before the
        // loop has emptied the link table.
        if (self.mem.space.mmio_accesses(), self.mem.tlb.flushes()) != before
            || self.mem.space.has_code_writes()
            || self.timers.changed()
        {
            let at = self.ctx + u64::from(wemu_wasm_jit::abi::CTX_EXIT_REQUEST);
            let _ = self.mem.space.arena().write(at, MemSize::B4, 1);
        }
        r
    }
}

impl<G: Guest> JitHost for RegionHost<'_, '_, G> {
    fn load(&mut self, addr: u64, mem: wemu_ir::MemOp) -> Result<u64, FaultCode> {
        self.access(|h| h.mem.load(addr, mem))
    }

    fn store(&mut self, addr: u64, raw: u64, mem: wemu_ir::MemOp) -> Result<(), FaultCode> {
        self.access(|h| h.mem.store(addr, raw, mem))
    }

    fn atomic_rmw(&mut self, addr: u64, op: wemu_ir::RmwOp, raw: u64, mem: wemu_ir::MemOp) -> Result<u64, FaultCode> {
        self.access(|h| h.mem.atomic_rmw(addr, op, raw, mem))
    }

    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: wemu_ir::MemOp) -> Result<u64, FaultCode> {
        self.access(|h| h.mem.atomic_cmpxchg(addr, expected, new, mem))
    }

    fn helper(&mut self, id: u32, args: &[u64]) -> Result<u64, FaultCode> {
        self.access(|h| h.helpers.call(id, h.state, args, &mut h.mem))
    }

    fn ctx_read(&self, addr: u32) -> u64 {
        let off = u64::from(addr.wrapping_sub(self.wasm_base));
        self.mem.space.arena().read(off, MemSize::B8).unwrap_or(0)
    }

    fn ctx_write_u32(&mut self, addr: u32, value: u32) {
        let off = u64::from(addr.wrapping_sub(self.wasm_base));
        let _ = self.mem.space.arena().write(off, MemSize::B4, u64::from(value));
    }
}

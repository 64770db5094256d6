//! A vCPU: its CPU-state block in the arena, its TLB, its jump cache, the
//! interpreter's scratch, and the guest's per-vCPU parts (the [`Guest`]
//! value, its page walker and helper table). The loop that runs it is in
//! `run.rs`.

use alloc::boxed::Box;
use core::fmt;

use wemu_ir::VerifyError;
use wemu_softmmu::{AddressSpace, ArenaError, Tlb};
use wemu_tci::{CompileError, Interp};
use wemu_trace::Tracer;

use crate::jump_cache::JumpCache;
use crate::{ExitRequest, Guest};

/// Why [`Vcpu::run`](crate::Vcpu::run) could not go on: a bug in a
/// frontend or misuse by the host, never something a guest can cause with
/// a well-behaved frontend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The address space is not the one the vCPU was created in.
    WrongAddressSpace,
    /// The frontend's block for `pc` does not verify (debug builds).
    Verify { pc: u64, error: VerifyError },
    /// The frontend's block for `pc` could not be lowered to bytecode.
    Compile { pc: u64, error: CompileError },
    /// The frontend translated no instruction at `pc`.
    EmptyBlock { pc: u64 },
    /// The block at `pc` could not run (it needs a larger state block than
    /// [`Guest::state_size`]).
    BadBlock { pc: u64 },
    /// A store at `pc` kept hitting watched code although the code was
    /// invalidated (the softmmu did not unwatch the page).
    CodeWriteLoop { pc: u64 },
    /// The JIT engine failed running the region of the block at `pc` (a
    /// code generator or engine bug).
    Jit { pc: u64, error: wemu_wasm_jit::engine::EngineError },
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::WrongAddressSpace => f.write_str("the vCPU runs in another address space than it was made in"),
            ExecError::Verify { pc, error } => write!(f, "block at {pc:#x} does not verify: {error}"),
            ExecError::Compile { pc, error } => write!(f, "block at {pc:#x} does not lower to bytecode: {error}"),
            ExecError::EmptyBlock { pc } => write!(f, "block at {pc:#x} has no instruction"),
            ExecError::BadBlock { pc } => write!(f, "block at {pc:#x} needs a larger CPU state"),
            ExecError::CodeWriteLoop { pc } => write!(f, "store at {pc:#x} keeps hitting watched code"),
            ExecError::Jit { pc, error } => write!(f, "region of block {pc:#x}: {error}"),
        }
    }
}

/// Counters of one vCPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VcpuStats {
    /// Guest instructions retired.
    pub insns: u64,
    /// Blocks executed (cached or not).
    pub blocks: u64,
    /// Successors reached through a chain link (no lookup at all).
    pub chained: u64,
    /// Blocks found in the jump cache.
    pub jump_cache_hits: u64,
    /// Blocks found in the translation cache's map.
    pub cache_hits: u64,
    /// Blocks translated (cached or not).
    pub translations: u64,
    /// One-instruction blocks run after a store to watched code.
    pub code_write_steps: u64,
    /// Interrupts taken.
    pub interrupts: u64,
    /// Events handed to the guest (exceptions, statuses, fetch faults).
    pub events: u64,
    /// Entries into JIT-compiled regions.
    pub jit_runs: u64,
    /// Guest instructions retired in JIT-compiled regions.
    pub jit_insns: u64,
}

/// One virtual CPU of guest `G`. See the crate docs for the loop.
pub struct Vcpu<G: Guest> {
    pub(crate) index: u32,
    pub(crate) guest: G,
    pub(crate) walker: G::Walker,
    pub(crate) helpers: G::Helpers,
    state_offset: u32,
    state_len: usize,
    /// Address of the arena the state lives in, to recognise its address
    /// space.
    arena_base: usize,
    pub(crate) tlb: Tlb,
    /// Arena offset of the JIT's context block ([`wemu_wasm_jit::abi`]).
    pub(crate) jit_ctx: u32,
    pub(crate) links: crate::links::Links,
    pub(crate) interp: Interp,
    /// The optimizer's scratch, reused for every block translated.
    pub(crate) optimizer: wemu_ir::opt::Optimizer,
    pub(crate) jump_cache: JumpCache,
    pub(crate) halted: bool,
    pub(crate) exit_request: ExitRequest,
    /// How far the TLB has caught up with the cache's watched pages.
    pub(crate) watch_seen: u64,
    pub(crate) stats: VcpuStats,
    pub(crate) tracer: Option<Box<dyn Tracer + Send>>,
}

impl<G: Guest> fmt::Debug for Vcpu<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vcpu")
            .field("index", &self.index)
            .field("state_offset", &self.state_offset)
            .field("state_len", &self.state_len)
            .field("halted", &self.halted)
            .field("stats", &self.stats)
            .field("tracing", &self.tracer.as_ref().map(|t| t.enabled()))
            .finish_non_exhaustive()
    }
}

impl<G: Guest> Vcpu<G> {
    /// A vCPU numbered `index`, with its state block (zeroed) and TLB
    /// allocated in `space`'s arena.
    pub fn new(
        index: u32,
        guest: G,
        walker: G::Walker,
        helpers: G::Helpers,
        space: &mut AddressSpace,
    ) -> Result<Vcpu<G>, ArenaError> {
        let state_len = guest.state_size().max(1);
        let state_offset = space.arena_mut().alloc(state_len as u64, 64)?;
        let tlb = Tlb::new(space.arena_mut(), guest.mmu_modes())?;
        let jit_ctx = space.arena_mut().alloc(u64::from(wemu_wasm_jit::abi::CTX_SIZE), 64)?;
        let links = crate::links::Links::new(space.arena_mut())?;
        Ok(Vcpu {
            index,
            guest,
            walker,
            helpers,
            state_offset,
            state_len,
            arena_base: space.arena().base_ptr() as usize,
            tlb,
            jit_ctx,
            links,
            interp: Interp::new(),
            optimizer: wemu_ir::opt::Optimizer::new(),
            jump_cache: JumpCache::new(),
            halted: false,
            exit_request: ExitRequest::new(),
            watch_seen: 0,
            stats: VcpuStats::default(),
            tracer: None,
        })
    }

    pub fn index(&self) -> u32 {
        self.index
    }

    pub fn guest(&self) -> &G {
        &self.guest
    }

    pub fn guest_mut(&mut self) -> &mut G {
        &mut self.guest
    }

    pub fn walker(&self) -> &G::Walker {
        &self.walker
    }

    pub fn walker_mut(&mut self) -> &mut G::Walker {
        &mut self.walker
    }

    pub fn helpers(&self) -> &G::Helpers {
        &self.helpers
    }

    pub fn helpers_mut(&mut self) -> &mut G::Helpers {
        &mut self.helpers
    }

    pub fn tlb(&self) -> &Tlb {
        &self.tlb
    }

    pub fn tlb_mut(&mut self) -> &mut Tlb {
        &mut self.tlb
    }

    /// Arena offset of the CPU-state block (what generated Wasm addresses).
    pub fn state_offset(&self) -> u32 {
        self.state_offset
    }

    /// The CPU-state block, for the host and the machine between runs
    /// (reset, loading registers, inspection). `None` if `space` is not the
    /// vCPU's address space.
    pub fn state<'a>(&'a self, space: &'a AddressSpace) -> Option<&'a [u8]> {
        let p = self.state_ptr(space).ok()?;
        // SAFETY: `state_ptr` points at this vCPU's own state block inside
        // `space`'s arena, which stays allocated while `space` is borrowed;
        // the only mutable slices of it are made from `&mut self` (here and
        // in `run`), which this shared borrow of `self` excludes.
        Some(unsafe { &*p })
    }

    /// The CPU-state block, mutably (see [`Vcpu::state`]).
    pub fn state_mut<'a>(&'a mut self, space: &'a AddressSpace) -> Option<&'a mut [u8]> {
        let p = self.state_ptr(space).ok()?;
        // SAFETY: as in `state`; the mutable borrow of `self` makes this the
        // only slice of the block.
        Some(unsafe { &mut *p })
    }

    /// The state block as a raw slice pointer, checking that `space` is the
    /// vCPU's address space.
    pub(crate) fn state_ptr(&self, space: &AddressSpace) -> Result<*mut [u8], ExecError> {
        let arena = space.arena();
        if arena.base_ptr() as usize != self.arena_base {
            return Err(ExecError::WrongAddressSpace);
        }
        // SAFETY: the range was allocated by `Vcpu::new` in this very arena
        // (same base address) for this vCPU alone, so nothing else uses it;
        // the slice is turned into a raw pointer at once, and callers make
        // references from it only under the same exclusivity.
        let s = unsafe { arena.slice_mut(u64::from(self.state_offset), self.state_len as u64) };
        s.map(|s| s as *mut [u8]).ok_or(ExecError::WrongAddressSpace)
    }

    /// A handle that makes [`Vcpu::run`](crate::Vcpu::run) return at the
    /// next block boundary (from another thread, a device, a signal).
    pub fn exit_request(&self) -> ExitRequest {
        self.exit_request.clone()
    }

    /// Whether the vCPU waits for an interrupt (after WFI).
    pub fn is_halted(&self) -> bool {
        self.halted
    }

    /// Makes the vCPU wait for an interrupt, or stop waiting (a machine
    /// starting secondary harts halted, say).
    pub fn set_halted(&mut self, halted: bool) {
        self.halted = halted;
    }

    pub fn stats(&self) -> &VcpuStats {
        &self.stats
    }

    /// Installs `tracer` (or none), returning the one installed before.
    ///
    /// [`Vcpu::run`](crate::Vcpu::run) reads its
    /// [`enabled`](Tracer::enabled) categories at every call and traces
    /// those: `in_asm`, `op`, `op_opt` at each translation, `exec` at each
    /// block, `int` at each interrupt taken and each event handed to the
    /// guest; for `mmio` and `tlb` it turns on the address space's log for
    /// the length of the call (see
    /// [`AddressSpace::set_trace`](wemu_softmmu::AddressSpace::set_trace))
    /// and forwards its records in order with its own events. Without a
    /// tracer, or with categories off, a trace point costs one test of a
    /// mask and nothing is formatted or allocated.
    pub fn set_tracer(&mut self, tracer: Option<Box<dyn Tracer + Send>>) -> Option<Box<dyn Tracer + Send>> {
        core::mem::replace(&mut self.tracer, tracer)
    }

    /// The installed tracer.
    pub fn tracer_mut(&mut self) -> Option<&mut (dyn Tracer + Send + 'static)> {
        self.tracer.as_deref_mut()
    }

    /// Forgets the jump cache (never needed for correctness).
    pub fn clear_jump_cache(&mut self) {
        self.jump_cache.clear();
    }
}

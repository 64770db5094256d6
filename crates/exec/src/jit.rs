//! The JIT tier (DESIGN.md decisions 3-5): hot blocks grow into regions,
//! regions are compiled to Wasm modules by [`wemu_wasm_jit`] and handed to
//! an [`Engine`]; blocks whose region is ready run there instead of in the
//! interpreter.
//!
//! * **Forming a region.** When a block reaches the cache's hot threshold,
//!   the loop collects it and the blocks its chain links reach (breadth
//!   first, each having run at least [`JitConfig::min_member_execs`]
//!   times), up to [`JitConfig::max_region_blocks`], translates them again
//!   and compiles them into one module. `goto_tb` exits between members
//!   stay inside the module.
//! * **Compiling off the critical path.** The module's bytes are submitted
//!   to the engine, which may compile them on another thread; the blocks
//!   keep running in the interpreter until [`Engine::poll`] returns the
//!   module. A region whose members left the cache meanwhile is dropped.
//! * **Links.** Where the engine supports them ([`Engine::links`]), a
//!   region leaving for a block outside it continues in that block's
//!   region without coming back to the loop, through the vCPU's link table
//!   (`links.rs`; `wemu_wasm_jit::abi`, "Links").
//! * **Live modules are capped** ([`JitConfig::max_live_modules`]): past
//!   the cap the region used least recently (entered by the loop, or left
//!   from back to it; one only passed through by links is not seen) is
//!   evicted, one at a time — never a full flush. Handles are reused by
//!   the engine.
//! * **Invalidation.** A member leaving the cache (its code was written,
//!   or it was evicted) drops its whole region: the module inlines that
//!   block and may branch to it.
//!
//! Running a region is equivalent to running its members one by one in
//! the interpreter: it leaves at every member boundary where the loop
//! would do something (the instruction budget or a timer deadline reached
//! — the context block's `limit` —, a device accessed, so interrupt lines
//! may have changed), and keeps the clock current for anything that reads
//! it (see `RegionHost` in `run.rs`). So deterministic runs give the same
//! guest behaviour with the JIT on or off.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use wemu_wasm_jit::Options;
use wemu_wasm_jit::engine::{Engine, EngineError, ModuleId, Ticket};

use crate::TbId;

/// How the JIT tier forms and keeps regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitConfig {
    /// Most blocks per region.
    pub max_region_blocks: usize,
    /// Most guest instructions per region (bounds the module's size).
    pub max_region_insns: u32,
    /// Executions a successor needs to join a region (the head needs the
    /// cache's hot threshold).
    pub min_member_execs: u32,
    /// Most modules alive at once (FACTS.md: keep well below the ~65,000
    /// mappings at which engines fail).
    pub max_live_modules: usize,
    /// How modules are generated for the engine.
    pub options: Options,
}

impl Default for JitConfig {
    fn default() -> JitConfig {
        JitConfig {
            max_region_blocks: 32,
            max_region_insns: 2048,
            min_member_execs: 8,
            max_live_modules: 8192,
            options: Options::default(),
        }
    }
}

/// Counters of the JIT tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Regions generated and submitted to the engine.
    pub submitted: u64,
    /// Regions the code generator declined (they stay interpreted).
    pub declined: u64,
    /// Modules the engine compiled and the tier installed.
    pub installed: u64,
    /// Modules the engine failed to compile.
    pub failed: u64,
    /// Compiled modules dropped because a member left the cache first.
    pub stale: u64,
    /// Regions evicted by the live-module cap.
    pub evicted: u64,
    /// Regions dropped because a member left the cache.
    pub invalidated: u64,
    /// Regions alive now.
    pub live: u64,
    /// Bytes of Wasm generated.
    pub wasm_bytes: u64,
    /// Region runs (entries into generated code).
    pub runs: u64,
    /// Guest instructions retired in generated code.
    pub insns: u64,
    /// Nanoseconds the engine spent compiling modules (on whatever
    /// thread; 0 if it does not say).
    pub compile_ns: u64,
}

/// What a machine needs to run with the JIT: the tier, the arena its
/// engine provides (the engine's Wasm memory, which the machine's guest RAM,
/// CPU state and TLBs must live in), and the hot threshold.
#[derive(Debug)]
pub struct JitSetup {
    pub jit: Jit,
    pub arena: wemu_softmmu::Arena,
    /// Executions after which a block is hot (1: compile everything at its
    /// first run, for tests).
    pub hot_threshold: u32,
}

impl JitSetup {
    /// What a machine needing `need` bytes of arena is built from: the
    /// setup's arena (if large enough) and its tier with the hot threshold,
    /// or, without a setup, an owned arena and no tier.
    pub fn arena_and_tier(
        setup: Option<JitSetup>,
        need: u64,
    ) -> Result<(wemu_softmmu::Arena, Option<(Jit, u32)>), wemu_softmmu::ArenaError> {
        match setup {
            Some(JitSetup { arena, jit, hot_threshold }) => {
                if arena.len() < need {
                    return Err(wemu_softmmu::ArenaError::Full { requested: need, available: arena.len() });
                }
                Ok((arena, Some((jit, hot_threshold))))
            }
            None => Ok((wemu_softmmu::Arena::new(need)?, None)),
        }
    }
}

/// A compiled region.
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) module: ModuleId,
    /// The members, in entry order.
    pub(crate) members: Vec<TbId>,
    /// `Jit::tick` when it last ran.
    last_used: u64,
}

/// The JIT tier of a [`TbCache`](crate::TbCache) (see
/// [`TbCache::set_jit`](crate::TbCache::set_jit)).
pub struct Jit {
    pub(crate) engine: Box<dyn Engine + Send>,
    pub(crate) config: JitConfig,
    regions: Vec<Option<Region>>,
    free: Vec<u32>,
    /// Submitted, not yet compiled: the ticket and the members.
    pending: Vec<(Ticket, Vec<TbId>)>,
    tick: u64,
    /// Regions removed so far (vCPUs empty their link tables when it
    /// changes).
    removals: u64,
    pub(crate) stats: JitStats,
}

impl fmt::Debug for Jit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jit").field("config", &self.config).field("stats", &self.stats).finish_non_exhaustive()
    }
}

impl Jit {
    /// A JIT tier compiling with `engine`.
    pub fn new(engine: Box<dyn Engine + Send>, config: JitConfig) -> Jit {
        let config = JitConfig {
            max_region_blocks: config.max_region_blocks.max(1),
            max_live_modules: config.max_live_modules.max(1),
            ..config
        };
        Jit {
            engine,
            config,
            regions: Vec::new(),
            free: Vec::new(),
            pending: Vec::new(),
            tick: 0,
            removals: 0,
            stats: JitStats::default(),
        }
    }

    pub fn config(&self) -> &JitConfig {
        &self.config
    }

    pub fn stats(&self) -> JitStats {
        JitStats { compile_ns: self.engine.compile_ns(), ..self.stats }
    }

    /// The engine (for its own figures).
    pub fn engine(&self) -> &(dyn Engine + Send) {
        &*self.engine
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub(crate) fn submit(&mut self, members: Vec<TbId>, wasm: Vec<u8>) {
        self.stats.submitted += 1;
        self.stats.wasm_bytes += wasm.len() as u64;
        let ticket = self.engine.submit(wasm);
        self.pending.push((ticket, members));
    }

    /// A finished compile request: its members and module, or `None` when
    /// nothing is ready. Failed requests are counted and skipped.
    pub(crate) fn next_ready(&mut self) -> Option<(Vec<TbId>, ModuleId)> {
        loop {
            let (ticket, result) = self.engine.poll()?;
            let Some(i) = self.pending.iter().position(|(t, _)| *t == ticket) else {
                // Not ours (cannot happen); free what it made.
                if let Ok(m) = result {
                    self.engine.release(m);
                }
                continue;
            };
            let (_, members) = self.pending.swap_remove(i);
            match result {
                Ok(module) => return Some((members, module)),
                Err(_) => self.stats.failed += 1,
            }
        }
    }

    /// Records a compiled region; returns its index. The caller has made
    /// room ([`Jit::lru_victim`]).
    pub(crate) fn install(&mut self, members: Vec<TbId>, module: ModuleId) -> u32 {
        self.stats.installed += 1;
        self.stats.live += 1;
        self.tick += 1;
        let region = Region { module, members, last_used: self.tick };
        match self.free.pop() {
            Some(i) => {
                self.regions[i as usize] = Some(region);
                i
            }
            None => {
                self.regions.push(Some(region));
                (self.regions.len() - 1) as u32
            }
        }
    }

    /// Whether another region would pass the cap.
    pub(crate) fn full(&self) -> bool {
        self.stats.live as usize >= self.config.max_live_modules
    }

    /// The region run least recently.
    pub(crate) fn lru_victim(&self) -> Option<u32> {
        self.regions
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (r.last_used, i as u32)))
            .min()
            .map(|(_, i)| i)
    }

    /// Removes region `index`, releasing its module; returns its members.
    pub(crate) fn remove(&mut self, index: u32) -> Option<Vec<TbId>> {
        let r = self.regions.get_mut(index as usize)?.take()?;
        self.removals += 1;
        self.engine.release(r.module);
        self.free.push(index);
        self.stats.live -= 1;
        Some(r.members)
    }

    /// Regions removed so far.
    pub(crate) fn removals(&self) -> u64 {
        self.removals
    }

    /// Whether regions are compiled with links (the host asked for them
    /// and the engine runs them).
    pub(crate) fn links(&self) -> bool {
        self.config.options.links && self.engine.links()
    }

    /// Region `index`'s module and member `member`, marking it used.
    pub(crate) fn enter(&mut self, index: u32, member: u32) -> Option<(ModuleId, TbId)> {
        self.tick += 1;
        let r = self.regions.get_mut(index as usize)?.as_mut()?;
        r.last_used = self.tick;
        Some((r.module, *r.members.get(member as usize)?))
    }

    /// Marks region `index` used (a run left generated code in it: links
    /// may have entered it without the loop).
    pub(crate) fn touch(&mut self, index: u32) {
        self.tick += 1;
        if let Some(Some(r)) = self.regions.get_mut(index as usize) {
            r.last_used = self.tick;
        }
    }

    /// Member `member` of region `index`.
    pub(crate) fn member(&self, index: u32, member: u32) -> Option<TbId> {
        self.regions.get(index as usize)?.as_ref()?.members.get(member as usize).copied()
    }

    /// Runs `module` (see [`Engine::run`]).
    pub(crate) fn run(
        &mut self,
        module: ModuleId,
        entry: u32,
        ctx: u32,
        host: &mut dyn wemu_wasm_jit::engine::JitHost,
    ) -> Result<u32, EngineError> {
        self.stats.runs += 1;
        self.engine.run(module, entry, ctx, host)
    }
}

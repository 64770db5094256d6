//! The native engine of the wemu Wasm JIT: generated modules are compiled
//! by wasmtime (Cranelift) and run against the arena, which is a wasmtime
//! shared memory (DESIGN.md decision 8: natively the arena *is* the Wasm
//! memory, so the same modules run natively and in the browser).
//!
//! * [`arena`] makes the memory and the [`Arena`] over it; the machine is
//!   built on that arena.
//! * [`WasmtimeEngine`] implements [`Engine`]: compile requests go to a
//!   background thread (or are compiled at once, [`Compile::Inline`]),
//!   modules are instantiated in the engine's store as they arrive, with
//!   their imports forwarded to the [`JitHost`] of the current run, and
//!   their `run` put in the store's regions table at their [`ModuleId`]
//!   (so modules link to each other with tail calls, see
//!   [`abi`](wemu_wasm_jit::abi)).
//!
//! A wasmtime store never frees an instance before the store itself, so
//! the engine counts the instances of released modules and, past
//! [`DEAD_INSTANCE_LIMIT`], starts a new store (the memory is shared, so
//! it survives) with a new table and instantiates the live modules again.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::thread;

use wasmtime::{
    Caller, Config, Linker, MemoryType, Module, OptLevel, Ref, RefType, SharedMemory, Store, Table, TableType,
    TypedFunc,
};
use wemu_softmmu::Arena;
use wemu_wasm_jit::abi;
use wemu_wasm_jit::engine::{Engine, EngineError, JitHost, ModuleId, Ticket, imports};

/// Released modules' instances a store may hold before it is replaced.
pub const DEAD_INSTANCE_LIMIT: usize = 4096;

/// Wasm page size.
const PAGE: u64 = 1 << 16;

/// Where compilation happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compile {
    /// In [`Engine::submit`] itself: the module is ready at the next poll
    /// (tests, deterministic runs that want the JIT from the first hot
    /// block).
    Inline,
    /// On a background thread, while the vCPU goes on interpreting.
    Background,
}

/// The arena over `engine`'s memory (all of it), for a machine to be
/// built in. The arena keeps the memory alive.
pub fn arena(engine: &WasmtimeEngine) -> Arena {
    let len = (engine.memory.data_size() as u64).min(Arena::MAX_LEN);
    let memory = engine.memory.clone();
    let base = memory.data().as_ptr() as *mut u8;
    // SAFETY: `base` is the start of the shared memory's `len` bytes,
    // valid for reads and writes for as long as any clone
    // of `memory` lives; the arena owns such a clone (`with_owner`), so the
    // memory outlives it. A fresh memory is zeroed. Rust never makes
    // references into it: wasmtime accesses it through raw pointers from
    // generated code, the arena through raw reads and writes.
    let arena = unsafe { Arena::from_raw_zeroed(base, len, 0) };
    arena.with_owner(Box::new(memory))
}

/// The store's data: the host of the run in progress.
struct HostData {
    /// The [`JitHost`] of the current [`Engine::run`] call, its lifetime
    /// erased; `None` outside a run.
    host: Option<*mut (dyn JitHost + 'static)>,
}

// SAFETY: the pointer is set only for the duration of `run`, on the thread
// that calls it, and dereferenced only by imports called from that run.
unsafe impl Send for HostData {}

impl HostData {
    /// The current run's host (always there: imports run only inside a
    /// run).
    fn host(&mut self) -> Option<&mut dyn JitHost> {
        // SAFETY: `host` is set only inside `WasmtimeEngine::run`, from a
        // `&mut dyn JitHost` that outlives the call, and reset to `None`
        // before it returns; imports run only during that call, and no
        // other reference to that host is used while the module runs.
        self.host.map(|h| unsafe { &mut *h })
    }
}

/// A compiled module and its `run` in the current store.
struct Slot {
    module: Module,
    run: TypedFunc<(i32, i32), i32>,
}

/// Figures for the status line and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub compiled: u64,
    pub failed: u64,
    pub released: u64,
    pub live: u64,
    /// Nanoseconds spent compiling (on whichever thread).
    pub compile_ns: u64,
    pub stores: u64,
}

type Finished = (Ticket, Result<Module, String>, u64);

/// The wasmtime [`Engine`].
pub struct WasmtimeEngine {
    engine: wasmtime::Engine,
    memory: SharedMemory,
    store: Store<HostData>,
    /// The store's regions table ([`abi::REGIONS`]).
    table: Table,
    linker: Linker<HostData>,
    slots: Vec<Option<Slot>>,
    free: Vec<ModuleId>,
    /// Instances of released modules still in the store.
    dead_instances: usize,
    next_ticket: Ticket,
    mode: Compile,
    ready: VecDeque<(Ticket, Result<ModuleId, EngineError>)>,
    to_worker: Option<mpsc::Sender<(Ticket, Vec<u8>)>>,
    from_worker: Option<mpsc::Receiver<Finished>>,
    stats: EngineStats,
}

impl std::fmt::Debug for WasmtimeEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmtimeEngine").field("mode", &self.mode).field("stats", &self.stats).finish()
    }
}

fn compile(engine: &wasmtime::Engine, wasm: &[u8]) -> (Result<Module, String>, u64) {
    let t = std::time::Instant::now();
    let r = Module::new(engine, wasm).map_err(|e| format!("{e:#}"));
    (r, t.elapsed().as_nanos() as u64)
}

impl WasmtimeEngine {
    /// An engine whose memory (the arena, see [`arena`]) has `arena_len`
    /// bytes, rounded up to Wasm pages.
    pub fn new(arena_len: u64, mode: Compile) -> Result<WasmtimeEngine, String> {
        let mut config = Config::new();
        config.wasm_threads(true);
        config.shared_memory(true);
        config.cranelift_opt_level(OptLevel::Speed);
        config.wasm_tail_call(true);
        let engine = wasmtime::Engine::new(&config).map_err(|e| format!("wasmtime: {e:#}"))?;
        let pages = arena_len.div_ceil(PAGE).max(1);
        if pages > 1 << 16 {
            return Err(format!("an arena of {arena_len} bytes exceeds the 4 GiB a Wasm memory can address"));
        }
        let ty = MemoryType::shared(pages as u32, pages as u32);
        let memory = SharedMemory::new(&engine, ty).map_err(|e| format!("wasmtime memory: {e:#}"))?;
        let mut linker = linker(&engine, &memory)?;
        let (store, table) = new_store(&engine, &mut linker)?;
        let (to_worker, from_worker) = match mode {
            Compile::Inline => (None, None),
            Compile::Background => {
                let (tx, rx) = mpsc::channel::<(Ticket, Vec<u8>)>();
                let (done_tx, done_rx) = mpsc::channel::<Finished>();
                let e = engine.clone();
                thread::Builder::new()
                    .name("wemu-jit-compile".into())
                    .spawn(move || {
                        for (ticket, wasm) in rx {
                            let (r, ns) = compile(&e, &wasm);
                            if done_tx.send((ticket, r, ns)).is_err() {
                                break;
                            }
                        }
                    })
                    .map_err(|e| format!("cannot start the JIT compile thread: {e}"))?;
                (Some(tx), Some(done_rx))
            }
        };
        Ok(WasmtimeEngine {
            engine,
            memory,
            store,
            table,
            linker,
            slots: Vec::new(),
            free: Vec::new(),
            dead_instances: 0,
            next_ticket: 0,
            mode,
            ready: VecDeque::new(),
            to_worker,
            from_worker,
            stats: EngineStats { stores: 1, ..EngineStats::default() },
        })
    }

    /// The engine's figures.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Whether the memory is shared (always, natively).
    pub fn shared_memory(&self) -> bool {
        true
    }

    /// Instantiates `module` and puts its `run` in the table at its id.
    fn install(&mut self, module: Module) -> Result<ModuleId, EngineError> {
        let id = match self.free.last() {
            Some(&id) => id,
            None => self.slots.len() as ModuleId,
        };
        let run = self.instantiate(&module, id)?;
        match self.free.pop() {
            Some(id) => self.slots[id as usize] = Some(Slot { module, run }),
            None => self.slots.push(Some(Slot { module, run })),
        }
        self.stats.compiled += 1;
        self.stats.live += 1;
        Ok(id)
    }

    /// Instantiates `module` in the current store and makes table entry
    /// `id` its `run`.
    fn instantiate(&mut self, module: &Module, id: ModuleId) -> Result<TypedFunc<(i32, i32), i32>, EngineError> {
        let err = |what: &str, e: wasmtime::Error| EngineError::Compile(format!("{what}: {e:#}"));
        let instance = self.linker.instantiate(&mut self.store, module).map_err(|e| err("instantiation", e))?;
        let run = instance
            .get_typed_func::<(i32, i32), i32>(&mut self.store, abi::RUN)
            .map_err(|e| err(&format!("export `{}`", abi::RUN), e))?;
        let size = self.table.size(&self.store);
        if u64::from(id) >= size {
            let grow = u64::from(id) + 1 - size;
            self.table.grow(&mut self.store, grow, Ref::Func(None)).map_err(|e| err("regions table", e))?;
        }
        self.table
            .set(&mut self.store, u64::from(id), Ref::Func(Some(*run.func())))
            .map_err(|e| err("regions table", e))?;
        Ok(run)
    }

    fn finish(&mut self, ticket: Ticket, r: Result<Module, String>, ns: u64) {
        self.stats.compile_ns += ns;
        let r = r.map_err(EngineError::Compile).and_then(|m| self.install(m));
        if r.is_err() {
            self.stats.failed += 1;
        }
        self.ready.push_back((ticket, r));
    }

    /// Replaces the store once it holds too many dead instances.
    fn recycle_store(&mut self) {
        if self.dead_instances < DEAD_INSTANCE_LIMIT {
            return;
        }
        let (store, table) = match new_store(&self.engine, &mut self.linker) {
            Ok(st) => st,
            // Keep the old store: it only holds more dead instances.
            Err(_) => return,
        };
        self.store = store;
        self.table = table;
        self.dead_instances = 0;
        self.stats.stores += 1;
        for id in 0..self.slots.len() {
            let Some(module) = self.slots[id].as_ref().map(|s| s.module.clone()) else { continue };
            match self.instantiate(&module, id as ModuleId) {
                Ok(run) => {
                    if let Some(s) = self.slots[id].as_mut() {
                        s.run = run;
                    }
                }
                // Instantiated once already, so this cannot fail short of
                // the host running out of memory; the module then runs no
                // more (`run` reports it) and its table entry stays null.
                Err(_) => self.slots[id] = None,
            }
        }
    }
}

/// A store with an empty regions table, defined as the linker's
/// [`abi::REGIONS`].
fn new_store(engine: &wasmtime::Engine, linker: &mut Linker<HostData>) -> Result<(Store<HostData>, Table), String> {
    let mut store = Store::new(engine, HostData { host: None });
    let ty = TableType::new(RefType::FUNCREF, 0, None);
    let table = Table::new(&mut store, ty, Ref::Func(None)).map_err(|e| format!("wasmtime table: {e:#}"))?;
    linker.define(&store, abi::IMPORT_MODULE, abi::REGIONS, table).map_err(|e| format!("wasmtime linker: {e:#}"))?;
    Ok((store, table))
}

/// The imports every module gets: the memory and the five functions, each
/// forwarded to the run's host through [`imports`].
fn linker(engine: &wasmtime::Engine, memory: &SharedMemory) -> Result<Linker<HostData>, String> {
    let mut l = Linker::new(engine);
    // Each new store defines its own regions table.
    l.allow_shadowing(true);
    let m = abi::IMPORT_MODULE;
    let err = |e: wasmtime::Error| format!("wasmtime linker: {e:#}");
    l.define(&Store::new(engine, HostData { host: None }), m, abi::MEMORY, memory.clone()).map_err(err)?;
    l.func_wrap(m, abi::LOAD, |mut c: Caller<'_, HostData>, ctx: i32, addr: i64, memop: i32| -> i64 {
        c.data_mut().host().map_or(0, |h| imports::load(h, ctx as u32, addr as u64, memop as u32) as i64)
    })
    .map_err(err)?;
    l.func_wrap(m, abi::STORE, |mut c: Caller<'_, HostData>, ctx: i32, addr: i64, value: i64, memop: i32| {
        if let Some(h) = c.data_mut().host() {
            imports::store(h, ctx as u32, addr as u64, value as u64, memop as u32)
        }
    })
    .map_err(err)?;
    l.func_wrap(m, abi::RMW, |mut c: Caller<'_, HostData>, ctx: i32, addr: i64, value: i64, memop: i32| -> i64 {
        c.data_mut().host().map_or(0, |h| imports::rmw(h, ctx as u32, addr as u64, value as u64, memop as u32) as i64)
    })
    .map_err(err)?;
    l.func_wrap(
        m,
        abi::CMPXCHG,
        |mut c: Caller<'_, HostData>, ctx: i32, addr: i64, expected: i64, new: i64, memop: i32| -> i64 {
            c.data_mut().host().map_or(0, |h| {
                imports::cmpxchg(h, ctx as u32, addr as u64, expected as u64, new as u64, memop as u32) as i64
            })
        },
    )
    .map_err(err)?;
    l.func_wrap(m, abi::HELPER, |mut c: Caller<'_, HostData>, ctx: i32, id: i32, nargs: i32| -> i64 {
        c.data_mut().host().map_or(0, |h| imports::helper(h, ctx as u32, id as u32, nargs as u32) as i64)
    })
    .map_err(err)?;
    Ok(l)
}

impl Engine for WasmtimeEngine {
    fn submit(&mut self, wasm: Vec<u8>) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        if let Some(tx) = &self.to_worker {
            if tx.send((ticket, wasm)).is_ok() {
                return ticket;
            }
            self.ready.push_back((ticket, Err(EngineError::Compile("the compile thread is gone".into()))));
            return ticket;
        }
        let (r, ns) = compile(&self.engine, &wasm);
        self.finish(ticket, r, ns);
        ticket
    }

    fn poll(&mut self) -> Option<(Ticket, Result<ModuleId, EngineError>)> {
        let done: Vec<Finished> = self.from_worker.as_ref().map_or_else(Vec::new, |rx| rx.try_iter().collect());
        for (ticket, r, ns) in done {
            self.finish(ticket, r, ns);
        }
        self.ready.pop_front()
    }

    fn run(&mut self, module: ModuleId, entry: u32, ctx: u32, host: &mut dyn JitHost) -> Result<u32, EngineError> {
        let Some(Some(slot)) = self.slots.get(module as usize) else {
            return Err(EngineError::NoModule(module));
        };
        // Borrowed, not cloned: a clone of a `TypedFunc` registers its type
        // again (a few percent of a JIT run's time).
        let run = &slot.run;
        let erased: *mut (dyn JitHost + 'static) =
            // SAFETY: only the lifetime is erased; the pointer is reset
            // before `host`'s borrow ends (see `HostData`).
            unsafe { std::mem::transmute::<*mut (dyn JitHost + '_), *mut (dyn JitHost + 'static)>(host) };
        self.store.data_mut().host = Some(erased);
        let r = run.call(&mut self.store, (ctx as i32, entry as i32));
        self.store.data_mut().host = None;
        r.map(|k| k as u32).map_err(|e| EngineError::Trap(format!("{e:#}")))
    }

    fn compile_ns(&self) -> u64 {
        self.stats.compile_ns
    }

    fn links(&self) -> bool {
        true
    }

    fn release(&mut self, module: ModuleId) {
        if let Some(s) = self.slots.get_mut(module as usize)
            && s.take().is_some()
        {
            self.dead_instances += 1;
            let _ = self.table.set(&mut self.store, u64::from(module), Ref::Func(None));
            self.free.push(module);
            self.stats.released += 1;
            self.stats.live -= 1;
            self.recycle_store();
        }
    }
}

//! The browser's JIT engine: generated modules compiled by the browser's
//! own WebAssembly compiler (`WebAssembly.compile`, asynchronous, so the
//! interpreter keeps running meanwhile) and called through this module's
//! function table.
//!
//! * **The arena is our own linear memory** (DESIGN.md decision 8): the
//!   machine is built in an allocation inside it ([`arena`]), so a Wasm
//!   address is a pointer and `wasm_base` is the allocation's address.
//!   Generated modules import that same `WebAssembly.Memory`.
//! * **Imports** are this module's own exports ([`wemu_jit_load`] and
//!   friends, plain `extern "C"` functions of the ABI's exact signatures),
//!   handed to `WebAssembly.Instance` as they are: a generated module calls
//!   them Wasm to Wasm, without JavaScript in between. They forward to
//!   [`imports`] with the [`JitHost`] of the run in progress, which
//!   [`JsEngine::run`] keeps in [`CURRENT`] for the call's duration.
//! * **Entries**: `js/engine.js` puts each instance's `run` export into our
//!   function table (grown as needed, freed slots reused — the build links
//!   with `--growable-table`), and [`ModuleId`] is that table index: a run
//!   is one `call_indirect` from Rust.
//! * **Links**: modules import that same table as the ABI's regions table,
//!   so where the browser has Wasm tail calls one module continues in the
//!   next without coming back to Rust (see `wemu_wasm_jit::abi`).

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use wemu_softmmu::Arena;
use wemu_wasm_jit::engine::{Engine, EngineError, JitHost, ModuleId, Ticket, imports};

#[wasm_bindgen(module = "/js/engine.js")]
extern "C" {
    /// Hands the engine our exports (the import functions), memory and
    /// function table.
    fn jit_attach(exports: JsValue, memory: JsValue, table: JsValue);
    /// Starts compiling `wasm`; returns its ticket.
    fn jit_submit(wasm: Vec<u8>) -> f64;
    /// The ticket of a finished compile (-1: none), which
    /// [`jit_poll_slot`] and [`jit_poll_error`] then describe.
    fn jit_poll() -> f64;
    /// The table slot of the polled compile, or -1 if it failed.
    fn jit_poll_slot() -> i32;
    /// Why the polled compile failed.
    fn jit_poll_error() -> String;
    /// Frees a table slot.
    fn jit_release(slot: u32);
    /// The engine's figures: compiled, failed, released, live, ms
    /// compiling (wall, asynchronous), ms instantiating (on this thread).
    fn jit_stats() -> Vec<f64>;
    /// Compiles in flight.
    fn jit_pending() -> u32;
    fn jit_links() -> bool;
}

/// Compiles in flight (in every machine of this thread).
pub fn compiles_pending() -> u32 {
    jit_pending()
}

/// The engine's figures (see `jit_stats` in `js/engine.js`).
pub fn engine_stats() -> Vec<f64> {
    jit_stats()
}

type HostPtr = *mut (dyn JitHost + 'static);

thread_local! {
    /// The [`JitHost`] of the run in progress, its lifetime erased; `None`
    /// outside [`JsEngine::run`].
    static CURRENT: Cell<Option<HostPtr>> = const { Cell::new(None) };
}

/// Calls `f` with the current run's host (imports run only inside a run;
/// outside one they do nothing and return 0).
fn with_host<R: Default>(f: impl FnOnce(&mut dyn JitHost) -> R) -> R {
    match CURRENT.with(Cell::get) {
        // SAFETY: `CURRENT` is set only inside `JsEngine::run`, from a
        // `&mut dyn JitHost` that outlives the call, and reset before it
        // returns; imports run only during that call (generated code is
        // entered nowhere else), on this thread, and nothing else uses that
        // host while the module runs.
        Some(h) => f(unsafe { &mut *h }),
        None => R::default(),
    }
}

/// The `load` import ([`wemu_wasm_jit::abi::LOAD`]).
#[unsafe(no_mangle)]
pub extern "C" fn wemu_jit_load(ctx: u32, addr: u64, memop: u32) -> u64 {
    with_host(|h| imports::load(h, ctx, addr, memop))
}

/// The `store` import.
#[unsafe(no_mangle)]
pub extern "C" fn wemu_jit_store(ctx: u32, addr: u64, value: u64, memop: u32) {
    with_host(|h| imports::store(h, ctx, addr, value, memop))
}

/// The `rmw` import.
#[unsafe(no_mangle)]
pub extern "C" fn wemu_jit_rmw(ctx: u32, addr: u64, value: u64, memop_rmw: u32) -> u64 {
    with_host(|h| imports::rmw(h, ctx, addr, value, memop_rmw))
}

/// The `cmpxchg` import.
#[unsafe(no_mangle)]
pub extern "C" fn wemu_jit_cmpxchg(ctx: u32, addr: u64, expected: u64, new: u64, memop: u32) -> u64 {
    with_host(|h| imports::cmpxchg(h, ctx, addr, expected, new, memop))
}

/// The `helper` import.
#[unsafe(no_mangle)]
pub extern "C" fn wemu_jit_helper(ctx: u32, id: u32, nargs: u32) -> u64 {
    with_host(|h| imports::helper(h, ctx, id, nargs))
}

/// An arena allocation inside our linear memory; frees it when dropped
/// (the arena's owner).
struct ArenaMemory {
    ptr: *mut u8,
    layout: std::alloc::Layout,
}

// SAFETY: the browser build is single-threaded; the pointer is only freed
// in `drop`, once, by whoever owns this value.
unsafe impl Send for ArenaMemory {}
// SAFETY: as for `Send`: the value is never used, only dropped.
unsafe impl Sync for ArenaMemory {}

impl Drop for ArenaMemory {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc_zeroed(layout)` in `arena` and is
        // freed only here; the arena owning this value is being dropped,
        // so nothing uses the memory any more.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) }
    }
}

/// An arena of `len` bytes inside our linear memory, offset 0 at Wasm
/// address `wasm_base` = its pointer.
pub fn arena(len: u64) -> Result<Arena, String> {
    let size = usize::try_from(len).ok().filter(|&s| s > 0 && s < u32::MAX as usize);
    let size = size.ok_or_else(|| format!("an arena of {len} bytes does not fit a 32-bit Wasm memory"))?;
    let layout = std::alloc::Layout::from_size_align(size, 8).map_err(|e| format!("{e}"))?;
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(format!("the browser refused {} MiB of memory for the guest (try a smaller RAM size)", len >> 20));
    }
    // SAFETY: `ptr..ptr+len` is a fresh zeroed allocation owned by the
    // `ArenaMemory` the arena keeps (so it outlives the arena); Rust makes
    // no references into it (generated code and the arena use raw
    // accesses). On wasm32 a pointer is the Wasm address.
    let arena = unsafe { Arena::from_raw_zeroed(ptr, len, ptr as u32) };
    Ok(arena.with_owner(Box::new(ArenaMemory { ptr, layout })))
}

/// The browser [`Engine`].
#[derive(Debug)]
pub struct JsEngine {
    /// Which table slots hold our modules (indexed by slot; released when
    /// the engine goes).
    live: Vec<bool>,
    /// Whether the browser has Wasm tail calls (modules then link).
    links: bool,
}

impl JsEngine {
    pub fn new() -> JsEngine {
        jit_attach(wasm_bindgen::exports(), wasm_bindgen::memory(), wasm_bindgen::function_table());
        JsEngine { live: Vec::new(), links: jit_links() }
    }
}

impl Default for JsEngine {
    fn default() -> JsEngine {
        JsEngine::new()
    }
}

impl Drop for JsEngine {
    fn drop(&mut self) {
        for (slot, _) in self.live.iter().enumerate().filter(|(_, live)| **live) {
            jit_release(slot as u32);
        }
    }
}

impl Engine for JsEngine {
    fn submit(&mut self, wasm: Vec<u8>) -> Ticket {
        jit_submit(wasm) as Ticket
    }

    fn poll(&mut self) -> Option<(Ticket, Result<ModuleId, EngineError>)> {
        let ticket = jit_poll();
        if ticket < 0.0 {
            return None;
        }
        let slot = jit_poll_slot();
        let r = match u32::try_from(slot) {
            Ok(s) if s > 0 => {
                let i = s as usize;
                if self.live.len() <= i {
                    self.live.resize(i + 1, false);
                }
                self.live[i] = true;
                Ok(s)
            }
            _ => Err(EngineError::Compile(jit_poll_error())),
        };
        Some((ticket as Ticket, r))
    }

    fn run(&mut self, module: ModuleId, entry: u32, ctx: u32, host: &mut dyn JitHost) -> Result<u32, EngineError> {
        if module == 0 || !self.live.get(module as usize).copied().unwrap_or(false) {
            return Err(EngineError::NoModule(module));
        }
        // SAFETY: on wasm32 a function pointer is an index into the
        // function table; `module` is a slot `js/engine.js` filled with a
        // generated module's `run` export, of type (i32, i32) -> i32, which
        // is this function type (`call_indirect` checks it and traps on a
        // mismatch). The slot stays filled until `release`.
        let run = unsafe { core::mem::transmute::<usize, extern "C" fn(u32, u32) -> u32>(module as usize) };
        // SAFETY: only the lifetime is erased; `CURRENT` is reset before
        // `host`'s borrow ends (see `with_host`).
        let erased = unsafe { core::mem::transmute::<*mut (dyn JitHost + '_), HostPtr>(host) };
        let previous = CURRENT.with(|c| c.replace(Some(erased)));
        let kind = run(ctx, entry);
        CURRENT.with(|c| c.set(previous));
        Ok(kind)
    }

    /// Modules import our function table as the regions table, and a
    /// module's id is its index there.
    fn links(&self) -> bool {
        self.links
    }

    fn release(&mut self, module: ModuleId) {
        if let Some(live) = self.live.get_mut(module as usize)
            && *live
        {
            *live = false;
            jit_release(module);
        }
    }
}

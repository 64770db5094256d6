//! Engines: what compiles generated modules and runs them, and what their
//! imports reach.
//!
//! An [`Engine`] is host-specific (wasmtime natively, `WebAssembly.Module`
//! in the browser); a [`JitHost`] is the vCPU loop's side of a run (guest
//! memory slow paths and helpers). The functions of [`imports`] turn the
//! raw import calls of [`abi`](crate::abi) into [`JitHost`] calls, so an
//! engine only forwards its imports to them.

use alloc::vec::Vec;
use core::fmt;

use wemu_ir::runtime::FaultCode;
use wemu_ir::{MemOp, RmwOp};

/// A compiled module's handle, chosen by the engine: the index of its
/// `run` in the [`abi::REGIONS`](crate::abi::REGIONS) table when the engine
/// supports links ([`Engine::links`]).
pub type ModuleId = u32;

/// A compile request's number, returned by [`Engine::submit`].
pub type Ticket = u64;

/// Why an engine failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The module did not compile or instantiate (a code generator bug or an
    /// engine limit).
    Compile(alloc::string::String),
    /// Running the module trapped (a code generator bug: generated code
    /// never traps on any guest behaviour).
    Trap(alloc::string::String),
    /// No such module (released or never compiled).
    NoModule(ModuleId),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Compile(e) => write!(f, "module compilation failed: {e}"),
            EngineError::Trap(e) => write!(f, "generated code trapped: {e}"),
            EngineError::NoModule(id) => write!(f, "no module {id}"),
        }
    }
}

/// Compiles and runs generated modules.
///
/// Compilation is a request: [`Engine::submit`] hands the bytes over and
/// [`Engine::poll`] later returns the module, so an engine may compile on
/// another thread (or asynchronously in a browser) while the interpreter
/// keeps running. An engine that compiles synchronously has the result
/// ready at the next `poll`.
pub trait Engine {
    /// Starts compiling `wasm` (a module of [`abi`](crate::abi)'s shape).
    fn submit(&mut self, wasm: Vec<u8>) -> Ticket;

    /// A finished request, if any: its ticket and module (or error).
    fn poll(&mut self) -> Option<(Ticket, Result<ModuleId, EngineError>)>;

    /// Runs module `module` from region member `entry` with the context
    /// block at Wasm address `ctx`; returns the exit kind.
    fn run(&mut self, module: ModuleId, entry: u32, ctx: u32, host: &mut dyn JitHost) -> Result<u32, EngineError>;

    /// Frees `module` (its handle may be reused).
    fn release(&mut self, module: ModuleId);

    /// Nanoseconds spent compiling so far, on whatever thread (0 if the
    /// engine does not measure it).
    fn compile_ns(&self) -> u64 {
        0
    }

    /// Whether modules generated with links ([`crate::Options::links`])
    /// run here: the engine gives them the [`abi::REGIONS`](crate::abi::REGIONS)
    /// table, holding each live module's `run` at its [`ModuleId`] from its
    /// [`Engine::poll`] until its [`Engine::release`], and supports Wasm
    /// tail calls.
    fn links(&self) -> bool {
        false
    }
}

/// The vCPU loop's side of a run: what the imports of a generated module
/// do. Memory methods behave as [`wemu_ir::runtime::GuestMemory`]'s.
pub trait JitHost {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode>;
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode>;
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode>;
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode>;
    /// Calls helper `id` ([`wemu_ir::runtime::Helpers::call`]); the
    /// generated code has stored back the globals the helper may read.
    fn helper(&mut self, id: u32, args: &[u64]) -> Result<u64, FaultCode>;
    /// Reads the u64 at Wasm address `addr` of the arena (the context
    /// block).
    fn ctx_read(&self, addr: u32) -> u64;
    /// Writes the u32 at Wasm address `addr` of the arena (the context
    /// block).
    fn ctx_write_u32(&mut self, addr: u32, value: u32);
}

/// The imports of [`abi`](crate::abi), for engines to forward to.
pub mod imports {
    use super::JitHost;
    use crate::abi::*;
    use wemu_ir::runtime::FaultCode;

    fn status<T: Default>(host: &mut dyn JitHost, ctx: u32, r: Result<T, FaultCode>) -> T {
        match r {
            Ok(v) => {
                host.ctx_write_u32(ctx.wrapping_add(CTX_FAULT), 0);
                v
            }
            Err(code) => {
                host.ctx_write_u32(ctx.wrapping_add(CTX_FAULT), 1);
                host.ctx_write_u32(ctx.wrapping_add(CTX_FAULT_CODE), code);
                T::default()
            }
        }
    }

    pub fn load(host: &mut dyn JitHost, ctx: u32, addr: u64, memop: u32) -> u64 {
        let r = host.load(addr, decode_memop(memop));
        status(host, ctx, r)
    }

    pub fn store(host: &mut dyn JitHost, ctx: u32, addr: u64, value: u64, memop: u32) {
        let r = host.store(addr, value, decode_memop(memop));
        status(host, ctx, r)
    }

    pub fn rmw(host: &mut dyn JitHost, ctx: u32, addr: u64, value: u64, memop_rmw: u32) -> u64 {
        // An undefined operation index is a code generator bug; report it as
        // a fault rather than trusting it.
        let r = match decode_memop_rmw(memop_rmw) {
            Some((mem, op)) => host.atomic_rmw(addr, op, value, mem),
            None => Err(u32::MAX - 1),
        };
        status(host, ctx, r)
    }

    pub fn cmpxchg(host: &mut dyn JitHost, ctx: u32, addr: u64, expected: u64, new: u64, memop: u32) -> u64 {
        let r = host.atomic_cmpxchg(addr, expected, new, decode_memop(memop));
        status(host, ctx, r)
    }

    pub fn helper(host: &mut dyn JitHost, ctx: u32, id: u32, nargs: u32) -> u64 {
        let n = (nargs as usize).min(MAX_HELPER_ARGS);
        let mut args = [0u64; MAX_HELPER_ARGS];
        for (i, a) in args.iter_mut().enumerate().take(n) {
            *a = host.ctx_read(ctx.wrapping_add(CTX_ARGS + 8 * i as u32));
        }
        let r = host.helper(id, &args[..n]);
        status(host, ctx, r)
    }
}

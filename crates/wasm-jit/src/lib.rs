//! The wemu Wasm JIT (the hot tier): regions of hot IR blocks compiled to
//! WebAssembly modules that import the arena as their memory.
//!
//! * [`abi`]: the fixed contract between a module and its host: imports,
//!   the exported entry, the per-vCPU context block.
//! * [`compile_region`]: IR blocks in, module bytes out.
//! * [`engine`]: the [`Engine`](engine::Engine) trait hosts implement
//!   (wasmtime natively, `WebAssembly` in the browser) and the import glue.
#![no_std]

extern crate alloc;

pub mod abi;
mod codegen;
pub mod engine;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use wemu_ir::Block;

/// One block of a region.
#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    /// The block's IR, verified and optimized (as the interpreter runs it).
    pub ir: &'a Block,
    /// For each `goto_tb` slot, the member it leads to, if that block is in
    /// the region (its PC is the slot's target PC).
    pub successors: [Option<u32>; 2],
    /// The block's [`abi::link_key`]: links leaving this member match it.
    pub key: u64,
}

/// How modules are generated for a host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The arena memory is shared (threads): import it as shared, and make
    /// atomic IR ops Wasm atomics.
    pub shared_memory: bool,
    /// Where arena offset 0 is in the Wasm memory (`Arena::wasm_base`).
    pub wasm_base: u32,
    /// Generate links (see [`abi`]): the engine provides the
    /// [`abi::REGIONS`] table and Wasm tail calls.
    pub links: bool,
    /// Offset of the guest PC (a u64) in the CPU state, which `lookup_tb`
    /// continues at; `lookup_tb` links only with it.
    pub pc_offset: Option<u32>,
}

/// Why a region was not compiled (it then stays in the interpreter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JitError {
    /// Something the code generator does not handle.
    Unsupported(String),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Unsupported(what) => write!(f, "not compiled: {what}"),
        }
    }
}

/// Compiles a region to a module of [`abi`]'s shape; `members[i]` is entry
/// `i` of its `run` export (an entry out of range exits at once with
/// `EXIT_LOOKUP_TB` in member 0, the state untouched).
///
/// Declines ([`JitError::Unsupported`]): an empty region; a member that
/// does not verify, has other globals than member 0 or names a successor
/// that is not a member; an MMU index of 16 or more (the ABI's memop has
/// four bits for it); a helper with more than
/// [`abi::MAX_HELPER_ARGS`] arguments; overlapping globals in a region of
/// several members (the interpreter reloads them at every block); regions
/// beyond engine limits (50000 locals, 7 MB of code).
pub fn compile_region(members: &[Member<'_>], options: &Options) -> Result<Vec<u8>, JitError> {
    codegen::compile(members, options)
}

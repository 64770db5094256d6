//! The wemu intermediate representation.
//!
//! Guest frontends translate guest machine code into this IR; the
//! interpreter (`wemu-tci`) runs it and the JIT (`wemu-wasm-jit`) compiles it
//! to WebAssembly. It is a small typed IR in the spirit of QEMU's TCG:
//!
//! * values are `i32` or `i64` ([`Type`]);
//! * variables are [`Temp`]s: *globals* bound to byte offsets of the
//!   CPU-state block (guest registers), and block *locals*; operands may
//!   also be constants ([`Value`]);
//! * a [`Block`] is a flat list of [`Inst`]s with labels and branches,
//!   left only through `goto_tb` (static successor), `lookup_tb` (indirect
//!   jump) or `exit_tb` (status for the vCPU loop);
//! * the meaning of every operation is written down once, in [`semantics`].
//!
//! [`Builder`] makes blocks, [`verify`] checks them, [`text`] prints and
//! parses them, and [`opt`] optimizes them.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(feature = "arbitrary")]
pub mod arbitrary;

mod block;
mod builder;
mod cfg;
mod inst;
mod op;
pub mod opt;
pub mod runtime;
pub mod semantics;
mod temp;
pub mod text;
mod types;
mod verify;

pub use block::{Block, HelperDecl};
pub use builder::Builder;
pub use inst::Inst;
pub use op::{BinaryOp, Cond, ConvOp, Effect, Endian, FenceKind, MemOp, MemSize, RmwOp, UnaryOp};
pub use temp::{GlobalDecl, GlobalId, Globals, Label, LocalId, Temp, Value};
pub use types::Type;
pub use verify::{VerifyError, verify};

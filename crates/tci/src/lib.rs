//! The wemu IR interpreter: the cold tier of the emulator, and the only one
//! on hosts without a Wasm engine.
//!
//! A [`Block`](wemu_ir::Block) is lowered once by [`TciBlock::compile`] to
//! compact bytecode: every temp and constant gets a slot in a `u64` register
//! file (the frame), every operation is specialized by kind and type into its
//! own opcode, the commonest pairs of a frontend's IR are fused into one op,
//! labels become code indices, constants are preloaded from a template and
//! guest-instruction counts are worked out statically where they can be. [`Interp::run`] then executes it with a tight `match` loop that
//! does no type dispatch, hashing or allocation, bit-exact with
//! [`wemu_ir::semantics`].
//!
//! ```
//! use std::sync::Arc;
//! use wemu_ir::{Builder, Globals, Type, Value, runtime::ExitKind};
//! use wemu_tci::{FlatMemory, Interp, NoHelpers, TciBlock};
//!
//! let mut globals = Globals::new();
//! let x1 = globals.add("x1", Type::I64, 0);
//! let mut b = Builder::new(Arc::new(globals));
//! let x1 = b.global(x1);
//! b.insn_start(0x8000_0000);
//! let t = b.add(Type::I64, x1.into(), Value::Const(16));
//! b.mov(Type::I64, x1, t.into());
//! b.goto_tb(0, 0x8000_0004);
//! let tb = TciBlock::compile(&b.finish()).unwrap();
//!
//! let mut state = 26u64.to_le_bytes();
//! let exit = Interp::new().run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
//! assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x8000_0004 });
//! assert_eq!((exit.insn_pc, exit.insns), (0x8000_0000, 1));
//! assert_eq!(u64::from_le_bytes(state), 42);
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod bytecode;
mod compile;
mod interp;
mod memory;

pub use bytecode::TciBlock;
pub use compile::CompileError;
pub use interp::Interp;
pub use memory::{FlatMemory, NoHelpers};

#[cfg(feature = "testing")]
pub mod testing;

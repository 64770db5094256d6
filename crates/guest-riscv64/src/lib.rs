//! The riscv64 guest frontend: an RV64GC hart with M, S and U modes.
//!
//! Supported: RV64IMAFDC with Zicsr and Zifencei, Zba/Zbb/Zbc/Zbs,
//! Zicbom/Zicboz, Zihintpause, Zicntr/Zihpm (the hpm counters read zero),
//! Sstc, and the privileged instructions `ecall`, `ebreak`, `mret`, `sret`,
//! `wfi` and `sfence.vma`; Sv39, Sv48 and Sv57; 16 PMP entries.
//!
//! The pipeline, one module each:
//!
//! * [`decode`] and [`disasm`]: bits to [`Insn`] and back to text;
//! * [`state`]: the CPU-state block (IR globals for the registers, fields
//!   for the CSRs);
//! * [`translate`]: instructions to IR blocks, with precise exceptions;
//! * [`helpers`]: what generated code calls (CSRs, xRET, FP via [`fpu`]);
//! * [`csr`], [`trap`]: CSR semantics, trap entry, interrupts;
//! * [`mmu`], [`pmp`]: the page walker the softmmu calls on TLB misses;
//! * [`Riscv64Cpu`]: all of it as the vCPU loop's `wemu_exec::Guest`;
//! * [`isa`]: what to advertise in the device tree.
//!
//! ```
//! use wemu_guest_riscv64::{decode, decode_compressed, insn_length, Insn};
//!
//! let insn = decode(0xff05_0513); // addi a0, a0, -16
//! assert!(matches!(insn, Insn::Addi(ops) if ops.imm == -16));
//! assert_eq!(insn.to_string(), "addi a0, a0, -16");
//!
//! // c.addi a0, 1 expands to the same instruction as its 32-bit form.
//! assert_eq!(insn_length(0x0505), 2);
//! assert_eq!(decode_compressed(0x0505), decode(0x0015_0513));
//! ```
//!
//! The decoder is a pure function that never panics: every `u32` and `u16`
//! decodes to an [`Insn`], with encodings that are invalid or reserved in the
//! specs above becoming [`Insn::Illegal`]. Two kinds of "reserved" are kept
//! rather than rejected, because the spec says what they do: static rounding
//! modes 5 and 6 stay in the [`RoundingMode`] (executing them raises
//! illegal-instruction, a check the translator makes anyway for `dyn`), and
//! the reserved fields of `fence` and `fence.i`, which implementations must
//! ignore.
//!
//! The disassembler ([`disasm`]) is `Display` for `Insn`, in objdump's syntax
//! with ABI register names; branch targets are relative offsets.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod cpu;
pub mod csr;
mod decode;
pub mod disasm;
pub mod fpu;
pub mod helpers;
mod insn;
pub mod isa;
pub mod mmu;
pub mod operands;
pub mod pmp;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
pub mod translate;
pub mod trap;

pub use cpu::{Outcome, Riscv64Cpu, classify};
pub use decode::{decode, decode_compressed, insn_length};
pub use helpers::{HartMemory, HelperId, Riscv64Helpers, Timebase};
pub use insn::Insn;
pub use mmu::Mmu;
pub use operands::{FReg, RoundingMode, XReg};
pub use state::{Priv, Regs, State};
pub use translate::{TbFlags, Translated, translate_block};

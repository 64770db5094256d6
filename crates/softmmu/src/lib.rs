//! The wemu softmmu: where guest memory lives and how guest addresses reach
//! it.
//!
//! * [`Arena`]: one host memory region holding everything generated code
//!   touches — CPU-state blocks, TLBs, guest RAM and ROM — addressed by
//!   32-bit offsets (DESIGN.md decision 8). On wasm32 it is the linear memory
//!   itself (offset = pointer); natively it is one host mapping that an
//!   embedded Wasm engine imports as its memory, so the same emitted modules
//!   run on both hosts.
//! * [`AddressSpace`]: the guest-physical map — RAM and ROM regions backed
//!   by arena bytes, MMIO regions dispatching to [`MmioDevice`]s,
//!   unassigned addresses answering a bus error; DMA goes through the same
//!   map. It also tracks which RAM pages hold translated code, so writes to
//!   them (by a CPU or by DMA) can invalidate that code first.
//! * [`Tlb`]: a per-vCPU software TLB with several MMU indexes, entries with
//!   separate read, write and execute tags, filled on a miss by the guest's
//!   [`PageWalker`]. A hit is one compare and one add; the layout is fixed
//!   and documented in [`tlb`] so the interpreter and emitted Wasm inline it.
//! * [`CpuMemory`]: a vCPU's view of memory (its TLB + the address space +
//!   its page walker), implementing [`wemu_ir::runtime::GuestMemory`] for
//!   the executors.
#![no_std]

extern crate alloc;

pub mod address_space;
pub mod arena;
pub mod cpu_memory;
pub mod mmio;
pub mod tlb;

pub use address_space::{AddressSpace, MapError, Resolved};
pub use arena::{Arena, ArenaError};
pub use cpu_memory::{Access, CpuMemory, PageWalker, Translation, CODE_WRITE_FAULT};
pub use mmio::{BusError, MmioDevice};
pub use tlb::Tlb;

/// log2 of the page size the softmmu works in (4 KiB, every guest's
/// smallest page; larger guest pages fill several entries).
pub const PAGE_BITS: u32 = 12;
/// The page size.
pub const PAGE_SIZE: u64 = 1 << PAGE_BITS;
/// Mask selecting the page of an address.
pub const PAGE_MASK: u64 = !(PAGE_SIZE - 1);

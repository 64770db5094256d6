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
//! * Tracing (`wemu-trace` categories `mmio` and `tlb`): with
//!   [`AddressSpace::set_trace`], MMIO accesses and TLB fills are recorded
//!   as [`MemTrace`]s in a bounded log for the vCPU loop (or any user) to
//!   drain; off, a trace point is one test of a mask on a slow path.
//!
//! ```
//! use wemu_ir::runtime::{FaultCode, GuestMemory};
//! use wemu_ir::{MemOp, MemSize};
//! use wemu_softmmu::*;
//!
//! /// Virtual = physical (an MMU that is off).
//! struct Bare;
//! impl PageWalker for Bare {
//!     fn translate(&mut self, _: &mut AddressSpace, vaddr: u64, _len: u64, _: Access, _: u8) -> Result<Translation, FaultCode> {
//!         let paddr_page = vaddr & PAGE_MASK;
//!         Ok(Translation { paddr_page, read: true, write: true, execute: true, asid: 0, global: false })
//!     }
//!     fn access_fault(&mut self, _: u64, _: Access) -> FaultCode {
//!         5
//!     }
//! }
//!
//! let mut space = AddressSpace::new(Arena::new(16 << 20).unwrap());
//! space.add_ram(0x8000_0000, 1 << 20).unwrap();
//! let mut tlb = Tlb::new(space.arena_mut(), 1).unwrap();
//! let mut walker = Bare;
//! let mut mem = CpuMemory::new(&mut space, &mut tlb, &mut walker);
//! let op = MemOp::le(MemSize::B4, false);
//! mem.store(0x8000_0010, 0xcafe_f00d, op).unwrap(); // a miss: walks, fills
//! assert_eq!(mem.load(0x8000_0010, op), Ok(0xcafe_f00d)); // a hit
//! assert_eq!(mem.load(0x1000, op), Err(5)); // nothing there
//! ```
#![no_std]

extern crate alloc;

pub mod address_space;
pub mod arena;
pub mod cpu_memory;
pub mod mmio;
pub mod tlb;

pub use address_space::{AddressSpace, MapError, MemTrace, MmioId, Resolved, TRACE_LOG_CAP};
pub use arena::{Arena, ArenaError};
pub use cpu_memory::{Access, CODE_WRITE_FAULT, CpuMemory, PageWalker, Translation};
pub use mmio::{BusError, MmioDevice};
pub use tlb::Tlb;

/// log2 of the page size the softmmu works in (4 KiB, every guest's
/// smallest page; larger guest pages fill several entries).
pub const PAGE_BITS: u32 = 12;
/// The page size.
pub const PAGE_SIZE: u64 = 1 << PAGE_BITS;
/// Mask selecting the page of an address.
pub const PAGE_MASK: u64 = !(PAGE_SIZE - 1);

//! The per-vCPU software TLB.
//!
//! # Layout (fixed: the interpreter and emitted Wasm inline the fast path)
//!
//! A TLB occupies `modes * ENTRIES * ENTRY_SIZE` bytes of the arena at
//! [`Tlb::arena_offset`] (32-byte aligned). Entry `i` of MMU index `m` is at
//! `arena_offset + (m * ENTRIES + i) * ENTRY_SIZE`:
//!
//! | offset | field | meaning |
//! |---|---|---|
//! | +0 | `addr_read: u64` | tag for loads |
//! | +8 | `addr_write: u64` | tag for stores and atomics |
//! | +16 | `addr_code: u64` | tag for instruction fetch |
//! | +24 | `addend: u64` | arena offset of the page minus its virtual address |
//!
//! all little-endian. A tag is the virtual page address (`vaddr &
//! PAGE_MASK`) when that access may take the fast path, or has some of its
//! low 12 bits set ([`TLB_SLOW`], or all ones when invalid) when it must not
//! (MMIO, ROM writes, watched code pages, no permission, not filled).
//!
//! **Fast path** for an access of `size` bytes at `vaddr` in MMU index `m`:
//! ```text
//! i     = (vaddr >> PAGE_BITS) & (ENTRIES - 1)
//! e     = arena_offset + (m * ENTRIES + i) * ENTRY_SIZE
//! hit   = load_u64(e + tag_offset) == ((vaddr + size - 1) & PAGE_MASK)
//! where = vaddr + load_u64(e + 24)          // arena offset of the data
//! ```
//! Comparing against the page of the *last* byte makes accesses that cross
//! a page miss (the entry indexed by `vaddr` never holds the next page), so
//! the slow path handles them. Everything else (a miss, a flagged tag) goes
//! to the slow path in [`CpuMemory`](crate::CpuMemory).

use alloc::vec::Vec;

use crate::{AddressSpace, Arena, ArenaError, Translation, cpu_memory::Access};

/// Entries per MMU index (a power of two).
pub const ENTRIES: usize = 256;
/// Bytes per entry.
pub const ENTRY_SIZE: usize = 32;
/// Offsets of the fields in an entry.
pub const ADDR_READ: usize = 0;
pub const ADDR_WRITE: usize = 8;
pub const ADDR_CODE: usize = 16;
pub const ADDEND: usize = 24;
/// A tag bit forcing the slow path for a mapped page.
pub const TLB_SLOW: u64 = 1 << 0;
/// The tag of an empty entry.
pub const TLB_INVALID: u64 = u64::MAX;

/// A software TLB: the entries live in the arena (see the module docs); the
/// physical page, ASID and global bit of each entry live beside it, for
/// flushes and the slow path.
#[derive(Debug)]
pub struct Tlb {
    // Implementation-defined: arena offset, number of MMU indexes, and
    // per-entry metadata (physical page, asid, global).
    _meta: Vec<u64>,
}

impl Tlb {
    /// A TLB with `modes` MMU indexes (1..=16), allocated in `arena`, all
    /// entries invalid.
    pub fn new(arena: &mut Arena, modes: u8) -> Result<Tlb, ArenaError> {
        todo!("{arena:?} {modes}")
    }

    /// Where the entries start in the arena.
    pub fn arena_offset(&self) -> u32 {
        todo!()
    }

    /// Number of MMU indexes.
    pub fn modes(&self) -> u8 {
        todo!()
    }

    /// The fast path: the arena offset of `vaddr` if an access of `size`
    /// bytes of kind `access` in `mmu_idx` hits.
    #[inline]
    pub fn lookup(&self, arena: &Arena, vaddr: u64, size: u32, access: Access, mmu_idx: u8) -> Option<u64> {
        todo!("{arena:?} {vaddr} {size} {access:?} {mmu_idx}")
    }

    /// Fills the entry for the page of `vaddr` in `mmu_idx` from a walk's
    /// result, deciding per access kind whether the fast path is allowed
    /// (RAM with permission, not a watched code page for writes, not ROM for
    /// writes, never MMIO).
    pub fn fill(&mut self, space: &AddressSpace, vaddr: u64, mmu_idx: u8, tr: &Translation) {
        todo!("{vaddr} {mmu_idx} {tr:?} {space:?}")
    }

    /// The physical page the entry for `vaddr` in `mmu_idx` maps, if valid.
    pub fn paddr_of(&self, vaddr: u64, mmu_idx: u8) -> Option<u64> {
        todo!("{vaddr} {mmu_idx}")
    }

    /// Invalidates everything.
    pub fn flush_all(&mut self, arena: &Arena) {
        todo!("{arena:?}")
    }

    /// Invalidates the page of `vaddr` in the MMU indexes of `mmu_mask`
    /// (bit m = index m).
    pub fn flush_page(&mut self, arena: &Arena, vaddr: u64, mmu_mask: u32) {
        todo!("{arena:?} {vaddr} {mmu_mask}")
    }

    /// Invalidates every entry of the MMU indexes of `mmu_mask`.
    pub fn flush_mmu(&mut self, arena: &Arena, mmu_mask: u32) {
        todo!("{arena:?} {mmu_mask}")
    }

    /// Invalidates the non-global entries filled under `asid`.
    pub fn flush_asid(&mut self, arena: &Arena, asid: u16) {
        todo!("{arena:?} {asid}")
    }

    /// Invalidates every entry that maps the physical page of `paddr` (when
    /// that page starts to hold code, so stores to it go slow).
    pub fn flush_phys_page(&mut self, arena: &Arena, paddr: u64) {
        todo!("{arena:?} {paddr}")
    }
}

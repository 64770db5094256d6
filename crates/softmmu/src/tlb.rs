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

use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::MemSize;

use crate::{
    AddressSpace, Arena, ArenaError, PAGE_BITS, PAGE_MASK, PAGE_SIZE, Resolved, Translation, cpu_memory::Access,
};

/// Entries per MMU index (a power of two). 1024 covers 4 MiB per mode: at
/// 256, a guest walking a 4 MiB working set (the bench workload's memory
/// kernel) spent a third of its time refilling the TLB.
pub const ENTRIES: usize = 1024;
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
/// The most MMU indexes a TLB can have.
pub const MAX_MODES: u8 = 16;

/// The offset of the tag for `access` in an entry.
pub const fn tag_offset(access: Access) -> usize {
    match access {
        Access::Read => ADDR_READ,
        Access::Write => ADDR_WRITE,
        Access::Execute => ADDR_CODE,
    }
}

/// What the TLB knows of an entry beside its arena part: the translation
/// it was filled from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Meta {
    valid: bool,
    vpage: u64,
    paddr_page: u64,
    read: bool,
    write: bool,
    execute: bool,
    asid: u16,
    global: bool,
}

impl Meta {
    fn allows(&self, access: Access) -> bool {
        match access {
            Access::Read => self.read,
            Access::Write => self.write,
            Access::Execute => self.execute,
        }
    }

    fn translation(&self) -> Translation {
        Translation {
            paddr_page: self.paddr_page,
            read: self.read,
            write: self.write,
            execute: self.execute,
            asid: self.asid,
            global: self.global,
        }
    }
}

/// A software TLB: the entries live in the arena (see the module docs); the
/// physical page, ASID and global bit of each entry live beside it, for
/// flushes and the slow path.
///
/// Every method is total: an MMU index outside the TLB's modes hits
/// nothing, fills nothing and flushes nothing.
#[derive(Debug)]
pub struct Tlb {
    offset: u32,
    modes: u8,
    /// Indexed like the arena entries: `m * ENTRIES + i`.
    meta: Vec<Meta>,
    /// Guest-requested flushes so far (see [`Tlb::flushes`]).
    flushes: u64,
}

impl Tlb {
    /// A TLB with `modes` MMU indexes (1..=16; other values are clamped
    /// into that range), allocated in `arena`, all entries invalid.
    pub fn new(arena: &mut Arena, modes: u8) -> Result<Tlb, ArenaError> {
        let modes = modes.clamp(1, MAX_MODES);
        let bytes = (usize::from(modes) * ENTRIES * ENTRY_SIZE) as u64;
        let offset = arena.alloc(bytes, ENTRY_SIZE as u64)?;
        let tlb = Tlb { offset, modes, meta: vec![Meta::default(); usize::from(modes) * ENTRIES], flushes: 0 };
        tlb.flush_all_tags(arena);
        Ok(tlb)
    }

    /// Where the entries start in the arena.
    pub fn arena_offset(&self) -> u32 {
        self.offset
    }

    /// Number of MMU indexes.
    pub fn modes(&self) -> u8 {
        self.modes
    }

    /// Size of the TLB in the arena, in bytes.
    pub fn arena_len(&self) -> u64 {
        (usize::from(self.modes) * ENTRIES * ENTRY_SIZE) as u64
    }

    /// The index of the entry for `vaddr` in `mmu_idx` (into `meta`, and
    /// times `ENTRY_SIZE` into the arena part), if `mmu_idx` exists.
    #[inline(always)]
    fn slot(&self, vaddr: u64, mmu_idx: u8) -> Option<usize> {
        if mmu_idx >= self.modes {
            return None;
        }
        let i = ((vaddr >> PAGE_BITS) as usize) & (ENTRIES - 1);
        Some(usize::from(mmu_idx) * ENTRIES + i)
    }

    /// The arena offset of entry `slot`.
    #[inline(always)]
    fn entry_offset(&self, slot: usize) -> u64 {
        u64::from(self.offset) + (slot * ENTRY_SIZE) as u64
    }

    /// The fast path: the arena offset of `vaddr` if an access of `size`
    /// bytes of kind `access` in `mmu_idx` hits.
    #[inline]
    pub fn lookup(&self, arena: &Arena, vaddr: u64, size: u32, access: Access, mmu_idx: u8) -> Option<u64> {
        let slot = self.slot(vaddr, mmu_idx)?;
        let e = self.entry_offset(slot);
        let tag = arena.read(e + tag_offset(access) as u64, MemSize::B8)?;
        let last = vaddr.wrapping_add(u64::from(size.max(1)) - 1);
        if tag != last & PAGE_MASK {
            return None;
        }
        Some(vaddr.wrapping_add(arena.read(e + ADDEND as u64, MemSize::B8)?))
    }

    /// The physical page of `vaddr` if its entry in `mmu_idx` is valid and
    /// allows `access` (fast or not): what the slow path uses before
    /// walking.
    pub fn probe(&self, vaddr: u64, access: Access, mmu_idx: u8) -> Option<u64> {
        let m = self.meta.get(self.slot(vaddr, mmu_idx)?)?;
        (m.valid && m.vpage == vaddr & PAGE_MASK && m.allows(access)).then_some(m.paddr_page)
    }

    /// Fills the entry for the page of `vaddr` in `mmu_idx` from a walk's
    /// result, deciding per access kind whether the fast path is allowed
    /// (RAM with permission, not a watched code page for writes, not ROM for
    /// writes, never MMIO).
    pub fn fill(&mut self, space: &AddressSpace, vaddr: u64, mmu_idx: u8, tr: &Translation) {
        let Some(slot) = self.slot(vaddr, mmu_idx) else { return };
        let vpage = vaddr & PAGE_MASK;
        let paddr_page = tr.paddr_page & PAGE_MASK;
        // RAM and ROM regions are whole pages, so one resolve covers the
        // page.
        let (memory, writable, addend) = match space.resolve(paddr_page) {
            Resolved::Memory { arena_offset, writable, remaining } if remaining >= PAGE_SIZE => {
                (true, writable && !space.is_code(paddr_page), arena_offset.wrapping_sub(vpage))
            }
            _ => (false, false, 0),
        };
        let tag = |allowed: bool, fast: bool| match (allowed, fast) {
            (true, true) => vpage,
            (true, false) => vpage | TLB_SLOW,
            (false, _) => TLB_INVALID,
        };
        let arena = space.arena();
        let e = self.entry_offset(slot);
        // In range: the TLB's entries are an arena allocation.
        let _ = arena.write(e + ADDR_READ as u64, MemSize::B8, tag(tr.read, memory));
        let _ = arena.write(e + ADDR_WRITE as u64, MemSize::B8, tag(tr.write, memory && writable));
        let _ = arena.write(e + ADDR_CODE as u64, MemSize::B8, tag(tr.execute, memory));
        let _ = arena.write(e + ADDEND as u64, MemSize::B8, addend);
        if let Some(m) = self.meta.get_mut(slot) {
            *m = Meta {
                valid: true,
                vpage,
                paddr_page,
                read: tr.read,
                write: tr.write,
                execute: tr.execute,
                asid: tr.asid,
                global: tr.global,
            };
        }
    }

    /// Fills the entry for `vaddr` in `mmu_idx` again from the translation
    /// it holds, if it is valid for that page: after the physical page
    /// changed kind (a watched code page no longer watched), so its tags
    /// allow the fast path again where they can.
    pub fn refresh(&mut self, space: &AddressSpace, vaddr: u64, mmu_idx: u8) {
        let Some(slot) = self.slot(vaddr, mmu_idx) else { return };
        let Some(m) = self.meta.get(slot).copied() else { return };
        if m.valid && m.vpage == vaddr & PAGE_MASK {
            self.fill(space, vaddr, mmu_idx, &m.translation());
        }
    }

    /// The physical page the entry for `vaddr` in `mmu_idx` maps, if valid.
    pub fn paddr_of(&self, vaddr: u64, mmu_idx: u8) -> Option<u64> {
        let m = self.meta.get(self.slot(vaddr, mmu_idx)?)?;
        (m.valid && m.vpage == vaddr & PAGE_MASK).then_some(m.paddr_page)
    }

    /// Sets every arena tag (and addend) to all ones.
    fn flush_all_tags(&self, arena: &Arena) {
        // In range: the TLB's entries are an arena allocation.
        let _ = arena.fill(u64::from(self.offset), self.arena_len(), 0xff);
    }

    /// Invalidates entry `slot`.
    fn invalidate(&mut self, arena: &Arena, slot: usize) {
        let e = self.entry_offset(slot);
        // In range: the TLB's entries are an arena allocation.
        let _ = arena.fill(e, ENTRY_SIZE as u64, 0xff);
        if let Some(m) = self.meta.get_mut(slot) {
            m.valid = false;
        }
    }

    /// Invalidates every valid entry for which `pred` holds.
    fn invalidate_where(&mut self, arena: &Arena, pred: impl Fn(usize, &Meta) -> bool) {
        for slot in 0..self.meta.len() {
            if self.meta[slot].valid && pred(slot, &self.meta[slot]) {
                self.invalidate(arena, slot);
            }
        }
    }

    /// How many times a translation may have changed: counts
    /// [`Tlb::flush_all`], [`Tlb::flush_page`], [`Tlb::flush_mmu`] and
    /// [`Tlb::flush_asid`] (not [`Tlb::flush_phys_page`], which only makes
    /// stores go slow). Whatever caches translations beside the TLB (the
    /// JIT's links) drops them when this changes.
    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    /// Invalidates everything.
    pub fn flush_all(&mut self, arena: &Arena) {
        self.flushes += 1;
        self.flush_all_tags(arena);
        self.meta.fill(Meta::default());
    }

    /// Invalidates the page of `vaddr` in the MMU indexes of `mmu_mask`
    /// (bit m = index m).
    ///
    /// Only the 4 KiB entry of `vaddr` is flushed: a guest that maps larger
    /// pages (filling several entries from one PTE) must flush each 4 KiB
    /// page of them, or use [`Tlb::flush_mmu`].
    pub fn flush_page(&mut self, arena: &Arena, vaddr: u64, mmu_mask: u32) {
        self.flushes += 1;
        let vpage = vaddr & PAGE_MASK;
        for m in 0..self.modes {
            if mmu_mask & (1 << m) == 0 {
                continue;
            }
            if let Some(slot) = self.slot(vaddr, m)
                && self.meta.get(slot).is_some_and(|e| e.valid && e.vpage == vpage)
            {
                self.invalidate(arena, slot);
            }
        }
    }

    /// Invalidates every entry of the MMU indexes of `mmu_mask`.
    pub fn flush_mmu(&mut self, arena: &Arena, mmu_mask: u32) {
        self.flushes += 1;
        self.invalidate_where(arena, |slot, _| mmu_mask & (1 << (slot / ENTRIES)) != 0);
    }

    /// Invalidates the non-global entries filled under `asid`.
    pub fn flush_asid(&mut self, arena: &Arena, asid: u16) {
        self.flushes += 1;
        self.invalidate_where(arena, |_, m| !m.global && m.asid == asid);
    }

    /// Invalidates every entry that maps the physical page of `paddr` (when
    /// that page starts to hold code, so stores to it go slow).
    pub fn flush_phys_page(&mut self, arena: &Arena, paddr: u64) {
        let page = paddr & PAGE_MASK;
        self.invalidate_where(arena, |_, m| m.paddr_page == page);
    }
}

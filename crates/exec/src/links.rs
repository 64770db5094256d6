//! The vCPU's link table (`wemu_wasm_jit::abi`, "Links"): which compiled
//! region member runs the block at a PC, so generated code can go from one
//! region to the next without returning to the loop.
//!
//! The loop fills an entry whenever it enters a region for a block (that
//! block's key was just checked against the page tables) and invalidates
//! every entry at once (by moving to a new generation) before generated
//! code runs again after anything that may make an entry wrong:
//!
//! * a region was removed (its module may be released and its table slot
//!   reused): [`Jit::removals`](crate::Jit) changed;
//! * the guest flushed its TLB (a translation may have changed, so the
//!   same PC may now be other code): [`Tlb::flushes`] changed.

use wemu_ir::MemSize;
use wemu_softmmu::{Arena, ArenaError, Tlb};
use wemu_wasm_jit::abi::{
    LINK_EMPTY, LINK_ENTRIES, LINK_ENTRY_SIZE, LINK_KEY, LINK_TABLE_SIZE, link_entry, link_index,
};

/// A link table in the arena and what it was last emptied for.
#[derive(Debug)]
pub(crate) struct Links {
    /// Arena offset of the table.
    offset: u32,
    /// Region removals and TLB flushes the table has seen.
    removals: u64,
    flushes: u64,
    /// The generation valid entries carry.
    generation: u32,
}

impl Links {
    /// An empty table allocated in `arena`.
    pub(crate) fn new(arena: &mut Arena) -> Result<Links, ArenaError> {
        let offset = arena.alloc(u64::from(LINK_TABLE_SIZE), 64)?;
        let links = Links { offset, removals: 0, flushes: 0, generation: 1 };
        links.clear(arena);
        Ok(links)
    }

    /// Arena offset of the table.
    pub(crate) fn offset(&self) -> u32 {
        self.offset
    }

    /// The generation of the valid entries.
    pub(crate) fn generation(&self) -> u32 {
        self.generation
    }

    /// Empties the table if a region was removed or the TLB flushed since
    /// it last looked (`removals`: the JIT tier's count).
    pub(crate) fn sync(&mut self, arena: &Arena, removals: u64, tlb: &Tlb) {
        if self.removals != removals || self.flushes != tlb.flushes() {
            self.removals = removals;
            self.flushes = tlb.flushes();
            self.generation = self.generation.wrapping_add(1);
            if self.generation == 0 {
                // Entries of the old generation 1 would come back to life.
                self.clear(arena);
                self.generation = 1;
            }
        }
    }

    /// Makes every entry free (no key matches `LINK_EMPTY`).
    fn clear(&self, arena: &Arena) {
        for i in 0..LINK_ENTRIES {
            let e = u64::from(self.offset + i * LINK_ENTRY_SIZE);
            let _ = arena.write(e + u64::from(LINK_KEY), MemSize::B8, LINK_EMPTY);
        }
    }

    /// Makes the entry of `pc` lead to member `member` of region `region`,
    /// whose module is at `func` in the engine's table; `key` is the
    /// block's `link_key`.
    pub(crate) fn fill(&mut self, arena: &Arena, pc: u64, key: u64, func: u32, member: u32, region: u32) {
        let at = u64::from(self.offset + link_index(pc) * LINK_ENTRY_SIZE);
        let _ = arena.write_bytes(at, &link_entry(pc, key, func, member, region, self.generation));
    }
}

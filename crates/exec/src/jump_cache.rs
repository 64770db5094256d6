//! The per-vCPU jump cache: the last block found for a virtual PC, in a
//! direct-mapped array, so most indirect jumps and returns skip the
//! translation cache's hash map.
//!
//! Entries are hints: the loop checks that the block is still cached
//! (its [`TbId`] generation) and that the PC still translates to the
//! block's physical address before using one, so nothing ever has to find
//! and clear them — invalidation, eviction and TLB flushes all leave them
//! to fail that check.

use alloc::boxed::Box;
use alloc::vec;

use crate::{BlockKey, TbId};

/// Entries per vCPU (a power of two).
pub const JUMP_CACHE_ENTRIES: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    key: BlockKey,
    id: TbId,
}

/// See the module docs.
#[derive(Clone, Debug)]
pub(crate) struct JumpCache {
    entries: Box<[Option<Entry>]>,
}

impl Default for JumpCache {
    fn default() -> JumpCache {
        JumpCache::new()
    }
}

#[inline]
fn index(pc: u64) -> usize {
    // Fibonacci hashing: the top bits of the product depend on every bit of
    // the PC, whatever its alignment.
    (pc.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - JUMP_CACHE_ENTRIES.trailing_zeros())) as usize
}

impl JumpCache {
    pub(crate) fn new() -> JumpCache {
        JumpCache { entries: vec![None; JUMP_CACHE_ENTRIES].into_boxed_slice() }
    }

    /// The block last recorded for `key`.
    #[inline]
    pub(crate) fn get(&self, key: &BlockKey) -> Option<TbId> {
        match self.entries.get(index(key.pc)) {
            Some(Some(e)) if e.key == *key => Some(e.id),
            _ => None,
        }
    }

    /// Records `id` as the block for `key`.
    #[inline]
    pub(crate) fn set(&mut self, key: BlockKey, id: TbId) {
        if let Some(e) = self.entries.get_mut(index(key.pc)) {
            *e = Some(Entry { key, id });
        }
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.entries.fill(None);
    }
}

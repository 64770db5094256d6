//! The translation cache: translated blocks (as interpreter bytecode) by
//! physical address, with the links between them, the index from physical
//! pages to the blocks built from them, a size cap with eviction by use,
//! and execution counters for tiering.
//!
//! * **Keys.** A block is found by [`TbKey`]: the physical address of its
//!   first byte (so every virtual alias of the code shares it, and a write
//!   to the physical page finds it), and also the virtual PC (generated
//!   code embeds PCs: branch targets, return addresses, `insn_start`), the
//!   translation flags and the fetch MMU index.
//! * **Ids.** A [`TbId`] is a slot and a generation; a slot's generation
//!   changes whenever its block leaves the cache, so a stale id — in a
//!   chain link, a jump cache, a JIT's tables — is detected by one compare.
//!   That is how links into a removed block are unchained: they stop
//!   validating, with no back-pointers to keep.
//! * **Cap and eviction.** At most `max_blocks` blocks and `max_code_ops`
//!   bytecode ops. Inserting past the cap evicts blocks one at a time,
//!   chosen by the clock (second-chance) algorithm over a use bit that
//!   every execution sets — the cache is never flushed wholesale when full.
//! * **Watched pages.** The pages of every block are write-watched in the
//!   address space by the loop; the cache logs them so that every vCPU
//!   sharing it flushes those pages from its TLB (stores to them must take
//!   the slow path).

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use wemu_ir::Block;
use wemu_softmmu::PAGE_MASK;
use wemu_tci::TciBlock;

use crate::hash::IntMap;
use crate::jit::Jit;
use crate::{BlockKey, HotBlock, HotBlockSink, NoHotBlocks};

/// The name of a cached block: valid until the block leaves the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TbId {
    index: u32,
    generation: u32,
}

impl TbId {
    /// The block's slot (reused after the block leaves the cache).
    pub fn index(self) -> u32 {
        self.index
    }
}

/// The full key of a cached block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TbKey {
    /// Virtual PC of the first instruction.
    pub pc: u64,
    /// Physical address of the first instruction.
    pub phys_pc: u64,
    pub flags: u32,
    pub mmu_idx: u8,
}

impl TbKey {
    /// The part of the key the guest computes from its state.
    pub fn block_key(&self) -> BlockKey {
        BlockKey { pc: self.pc, flags: self.flags, mmu_idx: self.mmu_idx }
    }
}

/// Sizes and thresholds of a [`TbCache`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TbCacheConfig {
    /// Most blocks cached at once (at least 1).
    pub max_blocks: usize,
    /// Most bytecode ops cached at once (a block larger than this alone is
    /// still cached, alone).
    pub max_code_ops: usize,
    /// Most guest instructions per block.
    pub max_block_insns: u32,
    /// Executions after which a block is reported hot; 0: never.
    pub hot_threshold: u32,
    /// Whether `goto_tb` exits are chained directly to their successor.
    /// Off, every block is found through the jump cache or the map (for
    /// measuring what chaining saves, or for debugging).
    pub chaining: bool,
}

impl Default for TbCacheConfig {
    fn default() -> TbCacheConfig {
        TbCacheConfig {
            max_blocks: 1 << 16,
            max_code_ops: 1 << 22,
            max_block_insns: 512,
            hot_threshold: 2000,
            chaining: true,
        }
    }
}

/// Counters of a [`TbCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Blocks inserted.
    pub inserted: u64,
    /// Blocks evicted to make room.
    pub evicted: u64,
    /// Blocks removed because their code was written.
    pub invalidated: u64,
    /// Blocks reported hot.
    pub hot: u64,
}

/// What the cache knows of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    pub key: TbKey,
    /// Guest instructions.
    pub insns: u32,
    pub exec_count: u32,
    /// Bytecode ops.
    pub code_ops: usize,
    /// The blocks its `goto_tb` slots are chained to.
    pub links: [Option<TbId>; 2],
    /// The physical pages its code covers.
    pub phys_pages: [Option<u64>; 2],
}

/// A cached block.
#[derive(Debug)]
pub(crate) struct TbEntry {
    pub(crate) key: TbKey,
    pub(crate) code: TciBlock,
    pub(crate) insns: u32,
    /// (virtual, physical) pages the code covers; the first is the PC's.
    pages: [(u64, u64); 2],
    npages: u8,
    links: [Option<TbId>; 2],
    exec_count: u32,
    used: bool,
    /// The compiled region (index) and member this block runs as, if any.
    pub(crate) jit: Option<(u32, u32)>,
}

impl TbEntry {
    pub(crate) fn pages(&self) -> &[(u64, u64)] {
        &self.pages[..usize::from(self.npages)]
    }
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    entry: Option<TbEntry>,
}

/// How many watched pages the log remembers; a vCPU further behind
/// flushes its whole TLB.
const WATCH_LOG_LEN: usize = 256;

/// The pages watched so far, numbered; each vCPU remembers how far it has
/// flushed its TLB.
#[derive(Debug, Default)]
struct WatchLog {
    pages: VecDeque<u64>,
    /// Number of the entry at `pages[0]`.
    first: u64,
}

/// What a vCPU must flush from its TLB to catch up with the watch log.
#[derive(Debug)]
pub(crate) enum WatchedSince<'a> {
    Pages(alloc::collections::vec_deque::Iter<'a, u64>),
    /// Too far behind: everything.
    All,
}

/// The translation cache of one machine (see the module docs). Shared by
/// its vCPUs (each borrows it for [`Vcpu::run`](crate::Vcpu::run)).
pub struct TbCache {
    config: TbCacheConfig,
    slots: Vec<Slot>,
    free: Vec<u32>,
    map: IntMap<TbKey, u32>,
    page_index: IntMap<u64, Vec<u32>>,
    live: usize,
    code_ops: usize,
    /// The clock hand of eviction.
    hand: usize,
    watch: WatchLog,
    sink: Box<dyn HotBlockSink + Send>,
    /// The JIT tier, if any.
    jit: Option<Jit>,
    stats: CacheStats,
}

impl fmt::Debug for TbCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TbCache")
            .field("config", &self.config)
            .field("blocks", &self.live)
            .field("code_ops", &self.code_ops)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl TbCache {
    /// An empty cache with no hot-block sink.
    pub fn new(config: TbCacheConfig) -> TbCache {
        TbCache::with_sink(config, Box::new(NoHotBlocks))
    }

    /// An empty cache reporting hot and removed blocks to `sink`.
    pub fn with_sink(config: TbCacheConfig, sink: Box<dyn HotBlockSink + Send>) -> TbCache {
        let config = TbCacheConfig {
            max_blocks: config.max_blocks.max(1),
            max_block_insns: config.max_block_insns.max(1),
            ..config
        };
        TbCache {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            map: IntMap::default(),
            page_index: IntMap::default(),
            live: 0,
            code_ops: 0,
            hand: 0,
            watch: WatchLog::default(),
            sink,
            jit: None,
            stats: CacheStats::default(),
        }
    }

    pub fn config(&self) -> &TbCacheConfig {
        &self.config
    }

    /// Blocks cached.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytecode ops cached.
    pub fn code_ops(&self) -> usize {
        self.code_ops
    }

    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The hot-block sink.
    pub fn sink_mut(&mut self) -> &mut (dyn HotBlockSink + Send) {
        &mut *self.sink
    }

    /// Whether `id` is still cached.
    pub fn contains(&self, id: TbId) -> bool {
        self.get(id).is_some()
    }

    /// The cached block with `key`.
    pub fn find(&self, key: &TbKey) -> Option<TbId> {
        let &index = self.map.get(key)?;
        let slot = self.slots.get(index as usize)?;
        slot.entry.as_ref().map(|_| TbId { index, generation: slot.generation })
    }

    /// What the cache knows of `id`.
    pub fn info(&self, id: TbId) -> Option<BlockInfo> {
        let e = self.get(id)?;
        let mut phys_pages = [None; 2];
        for (p, &(_, pp)) in phys_pages.iter_mut().zip(e.pages()) {
            *p = Some(pp);
        }
        Some(BlockInfo {
            key: e.key,
            insns: e.insns,
            exec_count: e.exec_count,
            code_ops: e.code.code_len(),
            links: [0, 1].map(|s| self.valid_link(e, s)),
            phys_pages,
        })
    }

    /// The ids of every cached block, in slot order.
    pub fn ids(&self) -> impl Iterator<Item = TbId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.entry.as_ref().map(|_| TbId { index: i as u32, generation: s.generation }))
    }

    /// Removes every block built from the physical page of `paddr`;
    /// returns how many there were.
    pub fn invalidate_page(&mut self, paddr: u64) -> usize {
        let Some(indexes) = self.page_index.remove(&(paddr & PAGE_MASK)) else { return 0 };
        let mut n = 0;
        for index in indexes {
            if self.remove(index) {
                n += 1;
            }
        }
        self.stats.invalidated += n as u64;
        n
    }

    /// Removes every block (for a machine reset; the cap never needs it).
    pub fn flush(&mut self) {
        for index in 0..self.slots.len() {
            self.remove(index as u32);
        }
    }

    pub(crate) fn get(&self, id: TbId) -> Option<&TbEntry> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation == id.generation { slot.entry.as_ref() } else { None }
    }

    fn get_mut(&mut self, id: TbId) -> Option<&mut TbEntry> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation == id.generation { slot.entry.as_mut() } else { None }
    }

    /// Marks `id` executed once more: returns whether it just became hot.
    #[inline]
    pub(crate) fn enter(&mut self, id: TbId) -> Option<bool> {
        let threshold = self.config.hot_threshold;
        let e = self.get_mut(id)?;
        e.used = true;
        e.exec_count = e.exec_count.saturating_add(1);
        let hot = threshold != 0 && e.exec_count == threshold;
        Some(hot)
    }

    /// Reports `id`, whose IR is `ir`, to the sink as hot.
    pub(crate) fn report_hot(&mut self, id: TbId, ir: &Block) {
        let Some(e) = self.get(id) else { return };
        let block = HotBlock {
            id,
            key: e.key,
            ir,
            exec_count: e.exec_count,
            successors: [0, 1].map(|s| self.valid_link(e, s)),
        };
        self.sink.hot_block(&block);
        self.stats.hot += 1;
    }

    fn valid_link(&self, e: &TbEntry, slot: usize) -> Option<TbId> {
        e.links.get(slot).copied().flatten().filter(|&to| self.contains(to))
    }

    /// The block `from`'s `goto_tb` slot is chained to, if it is still
    /// cached and starts at `pc`.
    #[inline]
    pub(crate) fn chained(&self, from: TbId, slot: u8, pc: u64) -> Option<TbId> {
        let to = self.get(from)?.links.get(usize::from(slot)).copied().flatten()?;
        match self.get(to) {
            Some(e) if e.key.pc == pc => Some(to),
            _ => None,
        }
    }

    /// Chains `from`'s `goto_tb` slot to `to`, if chaining is on and that
    /// is always right: same flags and fetch MMU index, and `to`'s code only
    /// on pages of `from` (whose virtual-to-physical mapping was checked
    /// when `from` was entered, and which a block does not change without
    /// leaving through `lookup_tb` or `exit_tb`).
    pub(crate) fn chain(&mut self, from: TbId, slot: u8, to: TbId) {
        if !self.config.chaining {
            return;
        }
        let (Some(f), Some(t)) = (self.get(from), self.get(to)) else { return };
        let same_mode = f.key.flags == t.key.flags && f.key.mmu_idx == t.key.mmu_idx;
        if !same_mode || !t.pages().iter().all(|p| f.pages().contains(p)) {
            return;
        }
        if let Some(l) = self.get_mut(from).and_then(|f| f.links.get_mut(usize::from(slot))) {
            *l = Some(to);
        }
    }

    /// Caches a block, evicting others if the cap requires it. A block
    /// already cached with the same key is replaced.
    pub(crate) fn insert(&mut self, key: TbKey, code: TciBlock, insns: u32, pages: &[(u64, u64)]) -> TbId {
        if let Some(&old) = self.map.get(&key) {
            self.remove(old);
        }
        let ops = code.code_len();
        while self.live > 0
            && (self.live >= self.config.max_blocks || self.code_ops.saturating_add(ops) > self.config.max_code_ops)
        {
            if !self.evict_one() {
                break;
            }
        }
        let mut entry_pages = [(0, 0); 2];
        let mut npages = 0u8;
        for (slot, &p) in entry_pages.iter_mut().zip(pages) {
            *slot = p;
            npages += 1;
        }
        let entry = TbEntry {
            key,
            code,
            insns,
            pages: entry_pages,
            npages,
            links: [None; 2],
            exec_count: 0,
            used: false,
            jit: None,
        };
        let free = self.free.pop().and_then(|i| self.slots.get_mut(i as usize).map(|s| (i, s)));
        let id = match free {
            Some((index, slot)) => {
                slot.entry = Some(entry);
                TbId { index, generation: slot.generation }
            }
            None => {
                self.slots.push(Slot { generation: 0, entry: Some(entry) });
                TbId { index: (self.slots.len() - 1) as u32, generation: 0 }
            }
        };
        let index = id.index;
        self.map.insert(key, index);
        for &(_, ppage) in &entry_pages[..usize::from(npages)] {
            self.page_index.entry(ppage).or_default().push(index);
        }
        self.live += 1;
        self.code_ops += ops;
        self.stats.inserted += 1;
        id
    }

    /// Evicts one block by the clock algorithm: the hand skips (and clears)
    /// blocks used since it last passed. Returns whether one was evicted.
    fn evict_one(&mut self) -> bool {
        let n = self.slots.len();
        // Two turns: the first may only clear use bits.
        for _ in 0..2 * n + 1 {
            let i = self.hand % n.max(1);
            self.hand = (i + 1) % n.max(1);
            match self.slots.get_mut(i).and_then(|s| s.entry.as_mut()) {
                Some(e) if e.used => e.used = false,
                Some(_) => {
                    self.remove(i as u32);
                    self.stats.evicted += 1;
                    return true;
                }
                None => {}
            }
        }
        false
    }

    /// Removes the block in slot `index`: its key, its pages, its id.
    fn remove(&mut self, index: u32) -> bool {
        let Some(slot) = self.slots.get_mut(index as usize) else { return false };
        let Some(e) = slot.entry.take() else { return false };
        let id = TbId { index, generation: slot.generation };
        slot.generation = slot.generation.wrapping_add(1);
        if self.map.get(&e.key) == Some(&index) {
            self.map.remove(&e.key);
        }
        for &(_, ppage) in e.pages() {
            if let Some(v) = self.page_index.get_mut(&ppage) {
                v.retain(|&i| i != index);
                if v.is_empty() {
                    self.page_index.remove(&ppage);
                }
            }
        }
        self.live -= 1;
        self.code_ops -= e.code.code_len();
        self.free.push(index);
        self.sink.block_removed(id);
        if let Some((region, _)) = e.jit {
            self.drop_region(region);
            if let Some(j) = self.jit.as_mut() {
                j.stats.invalidated += 1;
            }
        }
        true
    }

    /// Installs the JIT tier (or removes it, dropping every region).
    pub fn set_jit(&mut self, jit: Option<Jit>) {
        for slot in &mut self.slots {
            if let Some(e) = slot.entry.as_mut() {
                e.jit = None;
            }
        }
        self.jit = jit;
    }

    /// The JIT tier.
    pub fn jit(&self) -> Option<&Jit> {
        self.jit.as_ref()
    }

    pub(crate) fn jit_mut(&mut self) -> Option<&mut Jit> {
        self.jit.as_mut()
    }

    /// Whether compile requests are outstanding.
    #[inline]
    pub(crate) fn jit_pending(&self) -> bool {
        self.jit.as_ref().is_some_and(Jit::has_pending)
    }

    /// Installs the regions the engine has finished: each member then runs
    /// in the module. A region one of whose members left the cache
    /// meanwhile is dropped; past the live-module cap, the region run least
    /// recently is evicted first.
    pub(crate) fn jit_poll(&mut self) {
        loop {
            let Some(jit) = self.jit.as_mut() else { return };
            let Some((members, module)) = jit.next_ready() else { return };
            if !members.iter().all(|&m| self.get(m).is_some()) {
                if let Some(jit) = self.jit.as_mut() {
                    jit.engine.release(module);
                    jit.stats.stale += 1;
                }
                continue;
            }
            while let Some(victim) = self.jit.as_ref().filter(|j| j.full()).and_then(Jit::lru_victim) {
                self.drop_region(victim);
                if let Some(j) = self.jit.as_mut() {
                    j.stats.evicted += 1;
                }
            }
            let Some(jit) = self.jit.as_mut() else { return };
            let region = jit.install(members.clone(), module);
            for (i, &m) in members.iter().enumerate() {
                if let Some(e) = self.get_mut(m) {
                    e.jit = Some((region, i as u32));
                }
            }
        }
    }

    /// Removes region `region`: its members run in the interpreter again
    /// (unless they belong to a newer region).
    fn drop_region(&mut self, region: u32) {
        let Some(members) = self.jit.as_mut().and_then(|j| j.remove(region)) else { return };
        for (i, &m) in members.iter().enumerate() {
            if let Some(e) = self.get_mut(m)
                && e.jit == Some((region, i as u32))
            {
                e.jit = None;
            }
        }
    }

    /// Logs that physical page `ppage` is now watched.
    pub(crate) fn log_watched(&mut self, ppage: u64) {
        if self.watch.pages.len() == WATCH_LOG_LEN {
            self.watch.pages.pop_front();
            self.watch.first += 1;
        }
        self.watch.pages.push_back(ppage);
    }

    /// The number the next logged page will get.
    #[inline]
    pub(crate) fn watch_end(&self) -> u64 {
        self.watch.first + self.watch.pages.len() as u64
    }

    /// The pages logged from number `seen` on.
    pub(crate) fn watched_since(&self, seen: u64) -> WatchedSince<'_> {
        match seen.checked_sub(self.watch.first) {
            Some(skip) => {
                let mut it = self.watch.pages.iter();
                for _ in 0..skip {
                    it.next();
                }
                WatchedSince::Pages(it)
            }
            None => WatchedSince::All,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::sync::Arc;
    use alloc::vec;

    use wemu_ir::{Builder, Globals};

    use super::*;

    fn code(insns: u64) -> TciBlock {
        let mut b = Builder::new(Arc::new(Globals::new()));
        for i in 0..insns {
            b.insn_start(i * 4);
        }
        b.goto_tb(0, 0);
        TciBlock::compile(&b.finish()).unwrap()
    }

    fn key(pc: u64) -> TbKey {
        TbKey { pc, phys_pc: pc, flags: 0, mmu_idx: 0 }
    }

    fn page(pc: u64) -> [(u64, u64); 1] {
        [(pc & PAGE_MASK, pc & PAGE_MASK)]
    }

    fn cache(max_blocks: usize) -> TbCache {
        TbCache::new(TbCacheConfig { max_blocks, ..TbCacheConfig::default() })
    }

    #[test]
    fn eviction_spares_used_blocks() {
        let mut c = cache(4);
        let ids: Vec<TbId> = (0..4).map(|i| c.insert(key(i * 16), code(1), 1, &page(i * 16))).collect();
        // Use 0 and 2: the hand passes them over and evicts 1, then 3.
        c.enter(ids[0]);
        c.enter(ids[2]);
        let e = c.insert(key(0x100), code(1), 1, &page(0x100));
        assert_eq!(c.len(), 4);
        assert!(c.contains(ids[0]) && !c.contains(ids[1]) && c.contains(ids[2]) && c.contains(ids[3]));
        c.insert(key(0x200), code(1), 1, &page(0x200));
        assert!(c.contains(ids[0]) && c.contains(ids[2]) && !c.contains(ids[3]) && c.contains(e));
        assert_eq!(c.stats().evicted, 2);
        assert!(c.find(&key(16)).is_none());
        assert_eq!(c.find(&key(0)), Some(ids[0]));
    }

    #[test]
    fn code_cap_counts_ops() {
        let one = code(1).code_len();
        let mut c = TbCache::new(TbCacheConfig { max_code_ops: 3 * one, ..TbCacheConfig::default() });
        for i in 0..10 {
            c.insert(key(i * 16), code(1), 1, &page(i * 16));
        }
        assert_eq!((c.len(), c.code_ops()), (3, 3 * one));
    }

    #[test]
    fn invalidating_a_page_unchains_and_frees() {
        let mut c = cache(16);
        let a = c.insert(key(0x1000), code(2), 2, &page(0x1000));
        let b = c.insert(key(0x1010), code(1), 1, &page(0x1010));
        let other = c.insert(key(0x2000), code(1), 1, &page(0x2000));
        let cross = c.insert(key(0x2ff8), code(1), 1, &[(0x2000, 0x2000), (0x3000, 0x3000)]);
        c.chain(a, 0, b);
        assert_eq!(c.chained(a, 0, 0x1010), Some(b));
        assert_eq!(c.chained(a, 0, 0x1014), None);
        // A link to code on a page `a` does not cover is refused.
        c.chain(a, 1, other);
        assert_eq!(c.info(a).unwrap().links, [Some(b), None]);

        assert_eq!(c.invalidate_page(0x1abc), 2);
        assert!(!c.contains(a) && !c.contains(b) && c.contains(other));
        assert_eq!(c.chained(a, 0, 0x1010), None);
        // The second page of a cross-page block finds it too.
        assert_eq!(c.invalidate_page(0x3000), 1);
        assert!(!c.contains(cross) && c.contains(other));
        // Slots are reused under a new generation: old ids stay dead.
        let n = c.insert(key(0x1000), code(1), 1, &page(0x1000));
        assert!(n.index() == a.index() || n.index() == b.index() || n.index() == cross.index());
        assert!(!c.contains(a) && !c.contains(b) && c.contains(n));
        assert_eq!(c.stats().invalidated, 3);
    }

    #[test]
    fn hot_threshold_is_crossed_once() {
        let mut c = TbCache::new(TbCacheConfig { hot_threshold: 3, ..TbCacheConfig::default() });
        let a = c.insert(key(0), code(1), 1, &page(0));
        let hot: Vec<bool> = (0..6).map(|_| c.enter(a).unwrap()).collect();
        assert_eq!(hot, vec![false, false, true, false, false, false]);
    }

    #[test]
    fn watch_log_tells_how_far_behind() {
        let mut c = cache(4);
        c.log_watched(0x1000);
        c.log_watched(0x2000);
        let WatchedSince::Pages(p) = c.watched_since(1) else { panic!() };
        assert_eq!(p.copied().collect::<Vec<_>>(), [0x2000]);
        for i in 0..WATCH_LOG_LEN as u64 {
            c.log_watched(i << 12);
        }
        assert!(matches!(c.watched_since(1), WatchedSince::All));
        assert_eq!(c.watch_end(), WATCH_LOG_LEN as u64 + 2);
    }
}

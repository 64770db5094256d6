//! Hot blocks: where tiering starts (DESIGN.md decision 3). Every cached
//! block counts its executions; when a count reaches the cache's
//! [`hot_threshold`](crate::TbCacheConfig::hot_threshold), the loop
//! translates the block again and hands its IR to a [`HotBlockSink`] — the
//! Wasm JIT, which compiles regions of hot blocks.

use wemu_ir::Block;

use crate::{TbId, TbKey};

/// A block that just became hot.
#[derive(Clone, Copy, Debug)]
pub struct HotBlock<'a> {
    pub id: TbId,
    pub key: TbKey,
    /// The block's IR, translated again for the occasion (the cache keeps
    /// only bytecode) and optimized, as the interpreter runs it.
    pub ir: &'a Block,
    /// Executions so far.
    pub exec_count: u32,
    /// The blocks its `goto_tb` slots are chained to, if any yet: the
    /// region a JIT may grow from here.
    pub successors: [Option<TbId>; 2],
}

/// Receives hot blocks, and hears of blocks leaving the cache (so code
/// compiled from them can be dropped).
pub trait HotBlockSink {
    /// Called once per block, when its execution count reaches the
    /// threshold.
    fn hot_block(&mut self, block: &HotBlock<'_>);

    /// `id` left the cache: invalidated (its code was written) or evicted.
    fn block_removed(&mut self, id: TbId) {
        let _ = id;
    }
}

/// A sink that ignores everything: the interpreter is the only tier.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHotBlocks;

impl HotBlockSink for NoHotBlocks {
    fn hot_block(&mut self, _block: &HotBlock<'_>) {}
}

//! [`CodeReader`]: how a frontend reads the code of the block it
//! translates, and how the loop learns which pages that code came from.

use wemu_ir::MemSize;
use wemu_ir::runtime::FaultCode;
use wemu_softmmu::{CpuMemory, PAGE_MASK, PageWalker, Resolved};

use crate::FetchFault;

/// The fault code [`CodeReader::fetch`] returns for a fetch that would make
/// the block cover a third page. A frontend treats it like any fault after
/// the first instruction: it ends the block before the instruction.
pub const PAGE_LIMIT_FAULT: FaultCode = u32::MAX - 1;

/// Instruction fetch for one translation, in the block's fetch MMU index.
///
/// Records the (virtual, physical) pages the code covers — at most two —
/// so the block can be indexed by physical page for self-modifying code,
/// and notes code that is not in RAM or ROM (MMIO), which is run once and
/// never cached.
#[derive(Debug)]
pub struct CodeReader<'r, 'm, W: ?Sized> {
    mem: &'r mut CpuMemory<'m, W>,
    mmu_idx: u8,
    pages: [(u64, u64); 2],
    npages: usize,
    cacheable: bool,
}

impl<'r, 'm, W: PageWalker + ?Sized> CodeReader<'r, 'm, W> {
    /// A reader for the block at `pc`, whose first byte is at physical
    /// address `phys_pc` (already translated by the caller).
    pub(crate) fn new(mem: &'r mut CpuMemory<'m, W>, pc: u64, phys_pc: u64, mmu_idx: u8) -> Self {
        let mut r = CodeReader { mem, mmu_idx, pages: [(0, 0); 2], npages: 0, cacheable: true };
        r.record(pc & PAGE_MASK, phys_pc & PAGE_MASK);
        r
    }

    /// The MMU index instruction fetch uses.
    pub fn mmu_idx(&self) -> u8 {
        self.mmu_idx
    }

    /// Reads `size` bytes of code at `vaddr` as a little-endian number
    /// (1, 2 or 4 bytes). An access that crosses into a page the block does
    /// not cover yet translates that page first, so the fault address is
    /// the first byte that cannot be fetched.
    pub fn fetch(&mut self, vaddr: u64, size: MemSize) -> Result<u64, FetchFault> {
        let last = vaddr.wrapping_add(u64::from(size.bytes()) - 1);
        self.cover(vaddr)?;
        if (last ^ vaddr) & PAGE_MASK != 0 {
            self.cover(last & PAGE_MASK)?;
        }
        self.mem.fetch(vaddr, size, self.mmu_idx).map_err(|code| FetchFault { addr: vaddr, code })
    }

    /// A byte of code.
    pub fn fetch_u8(&mut self, vaddr: u64) -> Result<u8, FetchFault> {
        self.fetch(vaddr, MemSize::B1).map(|v| v as u8)
    }

    /// A little-endian halfword of code.
    pub fn fetch_u16(&mut self, vaddr: u64) -> Result<u16, FetchFault> {
        self.fetch(vaddr, MemSize::B2).map(|v| v as u16)
    }

    /// A little-endian word of code.
    pub fn fetch_u32(&mut self, vaddr: u64) -> Result<u32, FetchFault> {
        self.fetch(vaddr, MemSize::B4).map(|v| v as u32)
    }

    /// The (virtual, physical) pages read so far.
    pub fn pages(&self) -> &[(u64, u64)] {
        &self.pages[..self.npages]
    }

    /// Whether all the code read is in RAM or ROM (so the block can be
    /// cached and its pages watched).
    pub(crate) fn cacheable(&self) -> bool {
        self.cacheable
    }

    /// Makes sure the page of `vaddr` is one of the block's pages.
    fn cover(&mut self, vaddr: u64) -> Result<(), FetchFault> {
        let vpage = vaddr & PAGE_MASK;
        if self.pages().iter().any(|&(v, _)| v == vpage) {
            return Ok(());
        }
        if self.npages == self.pages.len() {
            return Err(FetchFault { addr: vaddr, code: PAGE_LIMIT_FAULT });
        }
        let paddr = self.mem.translate_fetch(vaddr, self.mmu_idx).map_err(|code| FetchFault { addr: vaddr, code })?;
        self.record(vpage, paddr & PAGE_MASK);
        Ok(())
    }

    fn record(&mut self, vpage: u64, ppage: u64) {
        if !matches!(self.mem.space.resolve(ppage), Resolved::Memory { .. }) {
            self.cacheable = false;
        }
        if let Some(p) = self.pages.get_mut(self.npages) {
            *p = (vpage, ppage);
            self.npages += 1;
        }
    }
}

//! The guest-physical address space.

use alloc::boxed::Box;
use alloc::vec::Vec;

use wemu_ir::MemSize;

use crate::{Arena, ArenaError, BusError, MmioDevice};

/// Why a region could not be mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// It overlaps an existing region.
    Overlap { base: u64, size: u64 },
    /// Zero size, not page-aligned, or wrapping past the end of the space.
    BadRange { base: u64, size: u64 },
    /// The arena has no room for the region's backing memory.
    Arena(ArenaError),
}

/// Handle of an MMIO region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MmioId(pub u32);

/// What a physical address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// RAM or ROM: the arena offset of the byte, whether writes are allowed
    /// (ROM: no), and how many bytes of the region follow (from this one).
    Memory { arena_offset: u64, writable: bool, remaining: u64 },
    /// An MMIO region and the offset inside it.
    Mmio { id: MmioId, offset: u64 },
    /// Nothing is mapped here.
    Unassigned,
}

/// The guest-physical map: RAM, ROM and MMIO regions (see the crate
/// docs). Owns the [`Arena`] the regions live in.
///
/// Code tracking: [`AddressSpace::watch_code`] marks a RAM page as holding
/// translated code. A write to a watched page through
/// [`AddressSpace::write`], [`AddressSpace::dma_write`] or a CPU's slow path
/// clears the mark and queues the page, which the vCPU loop takes with
/// [`AddressSpace::take_code_writes`] to invalidate the code built from it.
/// TLB write entries of watched pages always take the slow path.
pub struct AddressSpace {
    // Implementation-defined: the arena; regions sorted by base (binary
    // search, or a page table for speed); a bitmap of watched RAM pages;
    // the queue of written code pages.
    _private: (),
    _marker: core::marker::PhantomData<(Box<dyn MmioDevice>, Vec<u8>)>,
}

impl core::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AddressSpace").finish_non_exhaustive()
    }
}

impl AddressSpace {
    /// An empty address space over `arena`.
    pub fn new(arena: Arena) -> AddressSpace {
        todo!("{arena:?}")
    }

    pub fn arena(&self) -> &Arena {
        todo!()
    }

    pub fn arena_mut(&mut self) -> &mut Arena {
        todo!()
    }

    /// Maps `size` bytes of zeroed RAM at `base` (page-aligned), backed by a
    /// new arena allocation; returns its arena offset.
    pub fn add_ram(&mut self, base: u64, size: u64) -> Result<u32, MapError> {
        todo!("{base} {size}")
    }

    /// Maps read-only memory holding `data` (padded with zeros to whole
    /// pages) at `base`; guest writes to it are bus errors, DMA writes too.
    pub fn add_rom(&mut self, base: u64, data: &[u8]) -> Result<u32, MapError> {
        todo!("{base} {}", data.len())
    }

    /// Maps an MMIO device over `base..base+size`.
    pub fn add_mmio(&mut self, base: u64, size: u64, device: Box<dyn MmioDevice + Send>) -> Result<MmioId, MapError> {
        let _ = device;
        todo!("{base} {size}")
    }

    /// The device of an MMIO region.
    pub fn mmio_mut(&mut self, id: MmioId) -> Option<&mut (dyn MmioDevice + Send)> {
        todo!("{id:?}")
    }

    /// What `paddr` is.
    pub fn resolve(&self, paddr: u64) -> Resolved {
        todo!("{paddr}")
    }

    /// A CPU-side or device read of `size` bytes (little-endian raw value).
    /// Accesses straddling two regions are split byte-wise; any byte that is
    /// unassigned gives a bus error.
    pub fn read(&mut self, paddr: u64, size: MemSize) -> Result<u64, BusError> {
        todo!("{paddr} {size:?}")
    }

    /// A write of the low `size` bytes of `value`. Writes to watched code
    /// pages queue them (see the type docs); writes to ROM are bus errors.
    pub fn write(&mut self, paddr: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        todo!("{paddr} {size:?} {value}")
    }

    /// DMA read into `buf` (RAM/ROM only; MMIO and unassigned bytes give a
    /// bus error, and `buf` is then unspecified).
    pub fn dma_read(&mut self, paddr: u64, buf: &mut [u8]) -> Result<(), BusError> {
        todo!("{paddr} {}", buf.len())
    }

    /// DMA write from `buf` (RAM only), queuing watched code pages. Nothing
    /// is written unless the whole range is writable RAM.
    pub fn dma_write(&mut self, paddr: u64, buf: &[u8]) -> Result<(), BusError> {
        todo!("{paddr} {}", buf.len())
    }

    /// Marks the RAM page holding `paddr` as holding translated code.
    pub fn watch_code(&mut self, paddr: u64) {
        todo!("{paddr}")
    }

    /// Whether the page holding `paddr` is watched.
    pub fn is_code(&self, paddr: u64) -> bool {
        todo!("{paddr}")
    }

    /// Takes the (page-aligned) physical pages of watched code written since
    /// the last call; their watch is already cleared.
    pub fn take_code_writes(&mut self) -> Vec<u64> {
        todo!()
    }

    /// Whether any watched code page has been written and not yet taken
    /// (cheap: the vCPU loop checks it between blocks).
    pub fn has_code_writes(&self) -> bool {
        todo!()
    }
}

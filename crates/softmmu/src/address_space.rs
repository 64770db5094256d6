//! The guest-physical address space.
//!
//! Regions are kept sorted by base address and found by binary search, with
//! the last region found remembered (guests hit the same RAM region over
//! and over). RAM and ROM regions are whole pages, so a page never mixes
//! memory with anything else and a TLB entry can map it with one addend;
//! MMIO regions may have any size (device windows are often smaller than a
//! page), and their pages always take the TLB's slow path.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use wemu_ir::MemSize;
use wemu_trace::{Categories, MmioAccess, TlbFill};

use crate::{Arena, ArenaError, BusError, MmioDevice, PAGE_BITS, PAGE_MASK, PAGE_SIZE};

/// A record of the address space's trace log (see
/// [`AddressSpace::set_trace`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemTrace {
    /// An MMIO access (category `mmio`).
    Mmio(MmioAccess),
    /// A TLB fill by a [`CpuMemory`](crate::CpuMemory)'s page walker
    /// (category `tlb`).
    TlbFill(TlbFill),
}

/// Records the trace log holds; more are counted as lost until the log is
/// taken.
pub const TRACE_LOG_CAP: usize = 4096;

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

impl core::fmt::Display for MapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MapError::Overlap { base, size } => {
                write!(f, "region {base:#x}+{size:#x} overlaps an existing region")
            }
            MapError::BadRange { base, size } => write!(f, "bad region range {base:#x}+{size:#x}"),
            MapError::Arena(e) => write!(f, "no arena memory for the region: {e}"),
        }
    }
}

/// Handle of an MMIO region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MmioId(pub u32);

impl MmioId {
    /// The index of the region's device (ids are given out 0, 1, 2, ...).
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

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

/// What a region is.
#[derive(Debug)]
enum Kind {
    /// RAM at an arena offset, with one bit per page: does it hold
    /// translated code?
    Ram {
        offset: u64,
        code: Vec<u64>,
    },
    Rom {
        offset: u64,
    },
    Mmio {
        id: MmioId,
    },
}

/// One region: `base..=last` (inclusive, so a region may end at the top of
/// the space without overflow).
#[derive(Debug)]
struct Region {
    base: u64,
    last: u64,
    kind: Kind,
}

impl Region {
    fn contains(&self, paddr: u64) -> bool {
        self.base <= paddr && paddr <= self.last
    }
}

/// Where a run of bytes goes (see [`AddressSpace::chunk`]).
#[derive(Clone, Copy, Debug)]
enum Target {
    /// RAM region `region`, at arena offset `offset`.
    Ram {
        region: usize,
        offset: u64,
    },
    Rom {
        offset: u64,
    },
    Mmio {
        id: MmioId,
        offset: u64,
    },
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
///
/// No address panics or overflows: an access that would wrap past the top
/// of the space is a bus error.
pub struct AddressSpace {
    arena: Arena,
    /// Sorted by base, not overlapping.
    regions: Vec<Region>,
    /// Indexed by [`MmioId`].
    devices: Vec<Box<dyn MmioDevice + Send>>,
    /// Index of the region found last (a hint; checked before use).
    last_hit: AtomicUsize,
    /// Pages of watched code written since the last `take_code_writes`.
    code_writes: Vec<u64>,
    /// The categories logged (only `mmio` and `tlb` mean anything here).
    trace: Categories,
    trace_log: Vec<MemTrace>,
    trace_lost: u64,
    /// Device accesses so far (see [`AddressSpace::mmio_accesses`]).
    mmio_accesses: u64,
}

impl core::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut l = f.debug_list();
        for r in &self.regions {
            let kind = match r.kind {
                Kind::Ram { .. } => "ram",
                Kind::Rom { .. } => "rom",
                Kind::Mmio { .. } => "mmio",
            };
            l.entry(&format_args!("{kind} {:#x}..={:#x}", r.base, r.last));
        }
        l.finish()
    }
}

/// The byte range `paddr..paddr+len` as an inclusive last address, if it
/// is not empty and does not wrap.
fn last_of(paddr: u64, len: u64) -> Option<u64> {
    paddr.checked_add(len.checked_sub(1)?)
}

/// The `MemSize` of a power-of-two byte count up to 8.
fn size_of_len(len: u64) -> Option<MemSize> {
    match len {
        1 => Some(MemSize::B1),
        2 => Some(MemSize::B2),
        4 => Some(MemSize::B4),
        8 => Some(MemSize::B8),
        _ => None,
    }
}

impl AddressSpace {
    /// An empty address space over `arena`.
    pub fn new(arena: Arena) -> AddressSpace {
        AddressSpace {
            arena,
            regions: Vec::new(),
            devices: Vec::new(),
            last_hit: AtomicUsize::new(0),
            code_writes: Vec::new(),
            trace: Categories::NONE,
            trace_log: Vec::new(),
            trace_lost: 0,
            mmio_accesses: 0,
        }
    }

    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn arena_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }

    /// Checks that `base..base+size` can be mapped; returns the last byte
    /// and the insertion index.
    fn check_range(&self, base: u64, size: u64, page_granular: bool) -> Result<(u64, usize), MapError> {
        let bad = MapError::BadRange { base, size };
        let last = last_of(base, size).ok_or(bad)?;
        if page_granular && (!base.is_multiple_of(PAGE_SIZE) || !size.is_multiple_of(PAGE_SIZE)) {
            return Err(bad);
        }
        let at = self.regions.partition_point(|r| r.base < base);
        let before = at.checked_sub(1).and_then(|i| self.regions.get(i));
        let after = self.regions.get(at);
        if before.is_some_and(|r| r.last >= base) || after.is_some_and(|r| r.base <= last) {
            return Err(MapError::Overlap { base, size });
        }
        Ok((last, at))
    }

    fn insert(&mut self, at: usize, region: Region) {
        self.regions.insert(at, region);
    }

    /// Maps `size` bytes of zeroed RAM at `base` (page-aligned, a whole
    /// number of pages), backed by a new arena allocation; returns its
    /// arena offset.
    pub fn add_ram(&mut self, base: u64, size: u64) -> Result<u32, MapError> {
        let (last, at) = self.check_range(base, size, true)?;
        let offset = self.arena.alloc(size, PAGE_SIZE).map_err(MapError::Arena)?;
        let pages = size >> PAGE_BITS;
        let words = usize::try_from(pages.div_ceil(64)).map_err(|_| MapError::BadRange { base, size })?;
        let kind = Kind::Ram { offset: u64::from(offset), code: vec![0; words] };
        self.insert(at, Region { base, last, kind });
        Ok(offset)
    }

    /// Maps read-only memory holding `data` (padded with zeros to whole
    /// pages) at `base` (page-aligned); guest writes to it are bus errors,
    /// DMA writes too.
    pub fn add_rom(&mut self, base: u64, data: &[u8]) -> Result<u32, MapError> {
        let len = data.len() as u64;
        let size = len.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE);
        let (last, at) = self.check_range(base, size, true)?;
        let offset = self.arena.alloc(size, PAGE_SIZE).map_err(MapError::Arena)?;
        // In range: the allocation has `size >= len` bytes.
        self.arena.write_bytes(u64::from(offset), data).ok_or(MapError::Arena(ArenaError::OutOfHostMemory))?;
        self.insert(at, Region { base, last, kind: Kind::Rom { offset: u64::from(offset) } });
        Ok(offset)
    }

    /// Maps an MMIO device over `base..base+size` (any alignment and size
    /// but zero; see the module docs).
    pub fn add_mmio(&mut self, base: u64, size: u64, device: Box<dyn MmioDevice + Send>) -> Result<MmioId, MapError> {
        let (last, at) = self.check_range(base, size, false)?;
        let id = MmioId(u32::try_from(self.devices.len()).map_err(|_| MapError::BadRange { base, size })?);
        self.devices.push(device);
        self.insert(at, Region { base, last, kind: Kind::Mmio { id } });
        Ok(id)
    }

    /// The device of an MMIO region.
    pub fn mmio_mut(&mut self, id: MmioId) -> Option<&mut (dyn MmioDevice + Send)> {
        match self.devices.get_mut(id.index()) {
            Some(d) => Some(&mut **d),
            None => None,
        }
    }

    /// The index of the region holding `paddr`.
    #[inline]
    fn find(&self, paddr: u64) -> Option<usize> {
        let hint = self.last_hit.load(Ordering::Relaxed);
        if self.regions.get(hint).is_some_and(|r| r.contains(paddr)) {
            return Some(hint);
        }
        let i = self.regions.partition_point(|r| r.base <= paddr).checked_sub(1)?;
        if self.regions.get(i)?.contains(paddr) {
            self.last_hit.store(i, Ordering::Relaxed);
            Some(i)
        } else {
            None
        }
    }

    /// Where `paddr` goes and how many bytes from it (at least 1, at most
    /// `max`, which must be at least 1) go to the same region.
    fn chunk(&self, paddr: u64, max: u64) -> (Target, u64) {
        let Some(i) = self.find(paddr) else {
            // Up to the next region (or `max`).
            let next = self.regions.partition_point(|r| r.base <= paddr);
            let len = self.regions.get(next).map_or(max, |r| (r.base - paddr).min(max));
            return (Target::Unassigned, len.max(1));
        };
        let r = &self.regions[i];
        let off = paddr - r.base;
        let len = (r.last - paddr).min(max.saturating_sub(1)) + 1;
        let t = match r.kind {
            Kind::Ram { offset, .. } => Target::Ram { region: i, offset: offset + off },
            Kind::Rom { offset } => Target::Rom { offset: offset + off },
            Kind::Mmio { id } => Target::Mmio { id, offset: off },
        };
        (t, len)
    }

    /// What `paddr` is.
    pub fn resolve(&self, paddr: u64) -> Resolved {
        let Some(i) = self.find(paddr) else { return Resolved::Unassigned };
        let r = &self.regions[i];
        let off = paddr - r.base;
        // `remaining` cannot overflow: RAM/ROM regions are smaller than the
        // arena.
        let remaining = || r.last - paddr + 1;
        match r.kind {
            Kind::Ram { offset, .. } => {
                Resolved::Memory { arena_offset: offset + off, writable: true, remaining: remaining() }
            }
            Kind::Rom { offset } => {
                Resolved::Memory { arena_offset: offset + off, writable: false, remaining: remaining() }
            }
            Kind::Mmio { id } => Resolved::Mmio { id, offset: off },
        }
    }

    /// Checks that every byte of `paddr..paddr+len` is assigned (and, for
    /// `write`, writable: RAM or MMIO). Returns whether any byte is on a
    /// watched code page.
    pub(crate) fn probe(&self, paddr: u64, len: u64, write: bool) -> Result<bool, BusError> {
        let last = last_of(paddr, len).ok_or(BusError)?;
        let mut code = false;
        let mut a = paddr;
        loop {
            let (t, n) = self.chunk(a, last - a + 1);
            match t {
                Target::Ram { region, .. } => code |= self.range_has_code(region, a, n),
                Target::Rom { .. } if !write => {}
                Target::Mmio { .. } => {}
                Target::Rom { .. } | Target::Unassigned => return Err(BusError),
            }
            if last - a < n {
                return Ok(code);
            }
            a += n;
        }
    }

    /// A CPU-side or device read of `size` bytes (little-endian raw value).
    /// Accesses straddling two regions are split byte-wise; any byte that is
    /// unassigned gives a bus error (before any device is read).
    pub fn read(&mut self, paddr: u64, size: MemSize) -> Result<u64, BusError> {
        let n = u64::from(size.bytes());
        match self.chunk(paddr, n) {
            (Target::Ram { offset, .. } | Target::Rom { offset }, len) if len == n => {
                self.arena.read(offset, size).ok_or(BusError)
            }
            (Target::Mmio { id, offset }, len) if len == n => {
                self.mmio_accesses += 1;
                let r = self.devices.get_mut(id.index()).ok_or(BusError)?.read(offset, size);
                if self.trace.intersects(Categories::MMIO) {
                    self.log_mmio(paddr, size, false, *r.as_ref().unwrap_or(&0), id, offset, r.is_err());
                }
                r
            }
            (Target::Unassigned, _) => Err(BusError),
            _ => {
                self.probe(paddr, n, false)?;
                let mut v = 0;
                for i in 0..n {
                    // No wrap: `probe` checked `paddr + n - 1`.
                    v |= self.read(paddr + i, MemSize::B1)? << (8 * i);
                }
                Ok(v)
            }
        }
    }

    /// A write of the low `size` bytes of `value`. Writes to watched code
    /// pages queue them (see the type docs); writes to ROM are bus errors.
    /// A straddling write is checked whole before any byte is written.
    pub fn write(&mut self, paddr: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        let n = u64::from(size.bytes());
        match self.chunk(paddr, n) {
            (Target::Ram { region, offset }, len) if len == n => {
                self.arena.write(offset, size, value).ok_or(BusError)?;
                self.note_code_write(region, paddr, n);
                Ok(())
            }
            (Target::Mmio { id, offset }, len) if len == n => {
                self.mmio_accesses += 1;
                let r = self.devices.get_mut(id.index()).ok_or(BusError)?.write(offset, size, value);
                if self.trace.intersects(Categories::MMIO) {
                    self.log_mmio(paddr, size, true, value & size.mask(), id, offset, r.is_err());
                }
                r
            }
            (Target::Unassigned | Target::Rom { .. }, _) => Err(BusError),
            _ => {
                self.probe(paddr, n, true)?;
                for i in 0..n {
                    self.write(paddr + i, MemSize::B1, value >> (8 * i))?;
                }
                Ok(())
            }
        }
    }

    /// Writes `len` bytes (1..=8) of `value` at `paddr` (for CPU accesses
    /// that were split at a page boundary): one access if `len` is a size,
    /// else byte-wise.
    pub(crate) fn write_len(&mut self, paddr: u64, len: u64, value: u64) -> Result<(), BusError> {
        if let Some(size) = size_of_len(len) {
            return self.write(paddr, size, value);
        }
        for i in 0..len.min(8) {
            self.write(paddr.checked_add(i).ok_or(BusError)?, MemSize::B1, value >> (8 * i))?;
        }
        Ok(())
    }

    /// Reads `len` bytes (1..=8) at `paddr`, like [`AddressSpace::write_len`].
    pub(crate) fn read_len(&mut self, paddr: u64, len: u64) -> Result<u64, BusError> {
        if let Some(size) = size_of_len(len) {
            return self.read(paddr, size);
        }
        let mut v = 0;
        for i in 0..len.min(8) {
            v |= self.read(paddr.checked_add(i).ok_or(BusError)?, MemSize::B1)? << (8 * i);
        }
        Ok(v)
    }

    /// DMA read into `buf` (RAM/ROM only; MMIO and unassigned bytes give a
    /// bus error, and `buf` is then unspecified).
    pub fn dma_read(&mut self, paddr: u64, buf: &mut [u8]) -> Result<(), BusError> {
        let Some(last) = last_of(paddr, buf.len() as u64) else {
            return if buf.is_empty() { Ok(()) } else { Err(BusError) };
        };
        let mut a = paddr;
        let mut pos = 0usize;
        loop {
            let (t, n) = self.chunk(a, last - a + 1);
            let (Target::Ram { offset, .. } | Target::Rom { offset }) = t else { return Err(BusError) };
            // `n <= last - a + 1`, so the chunk is inside `buf`.
            let dst = buf.get_mut(pos..pos + n as usize).ok_or(BusError)?;
            self.arena.read_bytes(offset, dst).ok_or(BusError)?;
            if last - a < n {
                return Ok(());
            }
            a += n;
            pos += n as usize;
        }
    }

    /// DMA write from `buf` (RAM only), queuing watched code pages. Nothing
    /// is written unless the whole range is writable RAM.
    pub fn dma_write(&mut self, paddr: u64, buf: &[u8]) -> Result<(), BusError> {
        let Some(last) = last_of(paddr, buf.len() as u64) else {
            return if buf.is_empty() { Ok(()) } else { Err(BusError) };
        };
        // Check the whole range first.
        let mut a = paddr;
        loop {
            let (t, n) = self.chunk(a, last - a + 1);
            if !matches!(t, Target::Ram { .. }) {
                return Err(BusError);
            }
            if last - a < n {
                break;
            }
            a += n;
        }
        let mut a = paddr;
        let mut pos = 0usize;
        loop {
            let (t, n) = self.chunk(a, last - a + 1);
            let Target::Ram { region, offset } = t else { return Err(BusError) };
            let src = buf.get(pos..pos + n as usize).ok_or(BusError)?;
            self.arena.write_bytes(offset, src).ok_or(BusError)?;
            self.note_code_write(region, a, n);
            if last - a < n {
                return Ok(());
            }
            a += n;
            pos += n as usize;
        }
    }

    /// The bit of the page holding `paddr` in RAM region `region`: (word
    /// index, mask).
    fn code_bit(&self, region: usize, paddr: u64) -> Option<(usize, u64)> {
        let r = self.regions.get(region)?;
        let page = (paddr.checked_sub(r.base)?) >> PAGE_BITS;
        Some(((page / 64) as usize, 1 << (page % 64)))
    }

    /// Whether any page of `paddr..paddr+len` (inside RAM region `region`)
    /// is watched.
    fn range_has_code(&self, region: usize, paddr: u64, len: u64) -> bool {
        let Some(Region { kind: Kind::Ram { code, .. }, .. }) = self.regions.get(region) else { return false };
        let Some(last) = last_of(paddr, len) else { return false };
        let mut page = paddr & PAGE_MASK;
        loop {
            if let Some((w, m)) = self.code_bit(region, page)
                && code.get(w).is_some_and(|word| word & m != 0)
            {
                return true;
            }
            match page.checked_add(PAGE_SIZE) {
                Some(p) if p <= last => page = p,
                _ => return false,
            }
        }
    }

    /// Unwatches and queues every watched page of `paddr..paddr+len`
    /// (inside RAM region `region`).
    fn note_code_write(&mut self, region: usize, paddr: u64, len: u64) {
        let Some(last) = last_of(paddr, len) else { return };
        let mut page = paddr & PAGE_MASK;
        loop {
            let bit = self.code_bit(region, page);
            if let (Some((w, m)), Some(Region { kind: Kind::Ram { code, .. }, .. })) =
                (bit, self.regions.get_mut(region))
                && let Some(word) = code.get_mut(w)
                && *word & m != 0
            {
                *word &= !m;
                self.code_writes.push(page);
            }
            match page.checked_add(PAGE_SIZE) {
                Some(p) if p <= last => page = p,
                _ => return,
            }
        }
    }

    /// Unwatches and queues the watched pages a CPU write of
    /// `paddr..paddr+len` would touch (the CPU then does not write; see
    /// [`crate::CODE_WRITE_FAULT`]).
    pub(crate) fn note_cpu_code_write(&mut self, paddr: u64, len: u64) {
        let Some(last) = last_of(paddr, len) else { return };
        let mut a = paddr;
        loop {
            let (t, n) = self.chunk(a, last - a + 1);
            if let Target::Ram { region, .. } = t {
                self.note_code_write(region, a, n);
            }
            if last - a < n {
                return;
            }
            a += n;
        }
    }

    /// Marks the RAM page holding `paddr` as holding translated code
    /// (nothing for other addresses: only RAM can be written). TLB entries
    /// filled before keep their fast write tags: flush them in every vCPU's
    /// TLB with [`Tlb::flush_phys_page`](crate::Tlb::flush_phys_page).
    pub fn watch_code(&mut self, paddr: u64) {
        let Some(i) = self.find(paddr) else { return };
        let bit = self.code_bit(i, paddr);
        if let (Some((w, m)), Some(Region { kind: Kind::Ram { code, .. }, .. })) = (bit, self.regions.get_mut(i))
            && let Some(word) = code.get_mut(w)
        {
            *word |= m;
        }
    }

    /// Whether the page holding `paddr` is watched.
    pub fn is_code(&self, paddr: u64) -> bool {
        match self.find(paddr) {
            Some(i) => self.range_has_code(i, paddr, 1),
            None => false,
        }
    }

    /// Takes the (page-aligned) physical pages of watched code written since
    /// the last call; their watch is already cleared.
    pub fn take_code_writes(&mut self) -> Vec<u64> {
        core::mem::take(&mut self.code_writes)
    }

    /// How many device (MMIO) reads and writes went through this address
    /// space: code that runs several blocks without returning to the vCPU
    /// loop (the JIT's regions) compares it around an access to learn that
    /// a device may have changed its interrupt lines.
    pub fn mmio_accesses(&self) -> u64 {
        self.mmio_accesses
    }

    /// Whether any watched code page has been written and not yet taken
    /// (cheap: the vCPU loop checks it between blocks).
    pub fn has_code_writes(&self) -> bool {
        !self.code_writes.is_empty()
    }

    /// Logs the trace records of `categories` from now on: of the
    /// categories only `mmio` (accesses through the map that reach a device,
    /// by CPUs and devices alike; DMA reaches only memory) and `tlb` (fills
    /// by a [`CpuMemory`](crate::CpuMemory)'s page walker) are recorded
    /// here. Records wait in a log, at most [`TRACE_LOG_CAP`] of them (more
    /// are counted as lost), until [`AddressSpace::drain_trace`] takes them.
    /// With both categories off nothing is recorded, and a trace point
    /// costs one test of the mask. `wemu-exec` sets this from the running
    /// vCPU's tracer for the length of each run and forwards the records.
    pub fn set_trace(&mut self, categories: Categories) {
        self.trace = categories & (Categories::MMIO | Categories::TLB);
    }

    /// The categories logged.
    pub fn trace(&self) -> Categories {
        self.trace
    }

    /// Whether any category of `categories` is logged.
    #[inline(always)]
    pub fn traces(&self, categories: Categories) -> bool {
        self.trace.intersects(categories)
    }

    /// Takes the trace records logged, oldest first.
    pub fn drain_trace(&mut self) -> alloc::vec::Drain<'_, MemTrace> {
        self.trace_log.drain(..)
    }

    /// Takes the number of records lost since the last call (the log was
    /// full).
    pub fn take_trace_lost(&mut self) -> u64 {
        core::mem::take(&mut self.trace_lost)
    }

    /// Logs `record` (if there is room).
    pub(crate) fn log_trace(&mut self, record: MemTrace) {
        if self.trace_log.len() < TRACE_LOG_CAP {
            self.trace_log.push(record);
        } else {
            self.trace_lost += 1;
        }
    }

    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn log_mmio(&mut self, paddr: u64, size: MemSize, write: bool, value: u64, id: MmioId, offset: u64, err: bool) {
        self.log_trace(MemTrace::Mmio(MmioAccess {
            paddr,
            size: size.bytes() as u8,
            write,
            value,
            device: id.0,
            offset,
            bus_error: err,
        }));
    }
}

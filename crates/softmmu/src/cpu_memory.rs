//! A vCPU's view of memory: its TLB, the address space, and the guest's
//! page walker, as the executors' [`GuestMemory`].

use wemu_ir::runtime::{FaultCode, GuestMemory};
use wemu_ir::{FenceKind, MemOp, MemSize, RmwOp, semantics};

use wemu_trace::{AccessKind, Categories, TlbFill};

use crate::{AddressSpace, MemTrace, PAGE_MASK, PAGE_SIZE, Resolved, Tlb};

/// The kind of an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// A page walk's result: the physical page and what the MMU index may do
/// with it. The walker has already checked the access that triggered the
/// walk; `read`/`write`/`execute` say which *other* accesses may reuse the
/// entry without walking again (e.g. `write: false` while a PTE's dirty bit
/// is clear, so the first store walks and sets it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Physical address of the 4 KiB page (page-aligned).
    pub paddr_page: u64,
    pub read: bool,
    pub write: bool,
    pub execute: bool,
    /// Address-space identifier the mapping belongs to (0 if none).
    pub asid: u16,
    /// Whether the mapping is global (survives ASID flushes).
    pub global: bool,
}

/// The guest's address translation, called on TLB misses.
///
/// The walker must not read the CPU-state block through the arena while a
/// block runs (the executor has it borrowed): it keeps the controls it
/// needs (privilege, `satp`, `SUM`/`MXR`, ...) itself, updated by the
/// guest's helpers, which receive the [`CpuMemory`].
///
/// **Protection finer than a page** (RISC-V PMP, whose regions can be 4
/// bytes): the walker checks the access it is called for with its length,
/// but the permissions of the [`Translation`] it returns are reused by
/// *every* later access to the page, of any size and offset, without
/// calling it again — through the fast path and [`Tlb::probe`]. So a
/// walker may only grant there what holds for every byte of the page; for
/// a page that a protection boundary splits it grants nothing, and every
/// access to that page walks with its own length.
pub trait PageWalker {
    /// Translates `vaddr` for an access of `len` bytes (`1..`, all in the
    /// page of `vaddr`: [`CpuMemory`] splits accesses that cross a page)
    /// of kind `access` in `mmu_idx`, reading and updating page tables
    /// through `space`. `Err` is the guest's fault code (page fault, or an
    /// access fault for protection such as PMP).
    fn translate(
        &mut self,
        space: &mut AddressSpace,
        vaddr: u64,
        len: u64,
        access: Access,
        mmu_idx: u8,
    ) -> Result<Translation, FaultCode>;

    /// The guest's access-fault code for a bus error at `vaddr`.
    fn access_fault(&mut self, vaddr: u64, access: Access) -> FaultCode;
}

/// Returned by a store or atomic that would write a page holding translated
/// code. Memory is unchanged; the vCPU loop invalidates the code of that
/// page and re-executes the instruction (see `wemu-exec`).
pub const CODE_WRITE_FAULT: FaultCode = u32::MAX;

/// Logs a TLB fill (category `tlb`).
#[cold]
#[inline(never)]
fn trace_fill(space: &mut AddressSpace, vaddr: u64, access: Access, mmu_idx: u8, tr: &Translation) {
    space.log_trace(MemTrace::TlbFill(TlbFill {
        vaddr,
        paddr: (tr.paddr_page & PAGE_MASK) | (vaddr & !PAGE_MASK),
        mmu_idx,
        access: access.into(),
        read: tr.read,
        write: tr.write,
        execute: tr.execute,
    }));
}

impl From<Access> for AccessKind {
    fn from(a: Access) -> AccessKind {
        match a {
            Access::Read => AccessKind::Read,
            Access::Write => AccessKind::Write,
            Access::Execute => AccessKind::Execute,
        }
    }
}

/// A vCPU's memory: TLB fast path, walker on a miss, address space behind.
///
/// The slow path, for an access the TLB does not let through:
///
/// 1. Each page the access touches is translated, all of them before any
///    byte is read or written: from the TLB entry if it is valid and allows
///    the access (a flagged tag: MMIO, watched code, ROM), otherwise by the
///    walker, given the bytes of the access in that page, whose result
///    fills the entry. A walker error is returned as is (the guest's page
///    or protection fault). An access that crosses a page is checked as
///    two accesses, one per page, as the RISC-V spec allows for misaligned
///    accesses (their parts map to unrelated physical pages anyway).
/// 2. The physical bytes are checked: an unassigned byte, or a write to
///    ROM, is the walker's [`PageWalker::access_fault`]. A store or atomic
///    that would write a watched code page unwatches and queues the page
///    (see [`AddressSpace`]) and returns [`CODE_WRITE_FAULT`] without
///    writing anything.
/// 3. The access is done: RAM and ROM in the arena, MMIO by the device (a
///    device's bus error is an access fault). An access that crosses a
///    page is done in two parts, one per page, little-endian (low bytes
///    from the lower address). If a device refuses the second part of a
///    crossing store, the first part is already written: only MMIO can do
///    that, and devices answer bus errors for whole registers.
///
/// Atomics translate as writes. On RAM they are host atomics
/// ([`Arena::cmpxchg`](crate::Arena::cmpxchg), in a loop for
/// read-modify-writes). On MMIO, and for an atomic that crosses a page
/// (which guests fault or make rare), they are a read, the modification
/// and a write: atomic against this vCPU, not against other vCPUs or DMA.
#[derive(Debug)]
pub struct CpuMemory<'a, W: ?Sized> {
    pub space: &'a mut AddressSpace,
    pub tlb: &'a mut Tlb,
    pub walker: &'a mut W,
}

/// The part of a CPU access inside one page.
#[derive(Clone, Copy, Debug)]
struct Span {
    vaddr: u64,
    paddr: u64,
    /// 1..=8 bytes.
    len: u64,
}

/// A CPU access: one span, or two when it crosses a page.
#[derive(Clone, Copy, Debug)]
struct Spans {
    first: Span,
    second: Option<Span>,
}

impl Spans {
    fn iter(&self) -> impl Iterator<Item = Span> {
        core::iter::once(self.first).chain(self.second)
    }
}

/// What an atomic does: given the old value, the value to write (`None`:
/// write nothing, as a failing compare-and-exchange).
type Modify<'f> = &'f dyn Fn(u64) -> Option<u64>;

impl<'a, W: PageWalker + ?Sized> CpuMemory<'a, W> {
    /// A vCPU's memory from its parts.
    pub fn new(space: &'a mut AddressSpace, tlb: &'a mut Tlb, walker: &'a mut W) -> CpuMemory<'a, W> {
        CpuMemory { space, tlb, walker }
    }
}

impl<W: PageWalker + ?Sized> CpuMemory<'_, W> {
    /// Reads `size` bytes (1, 2 or 4) of instruction memory at `vaddr` in
    /// `mmu_idx` (execute permission).
    pub fn fetch(&mut self, vaddr: u64, size: MemSize, mmu_idx: u8) -> Result<u64, FaultCode> {
        if let Some(off) = self.tlb.lookup(self.space.arena(), vaddr, size.bytes(), Access::Execute, mmu_idx)
            && let Some(v) = self.space.arena().read(off, size)
        {
            return Ok(v);
        }
        self.read_slow(vaddr, size, Access::Execute, mmu_idx)
    }

    /// The physical address instruction fetch at `vaddr` reaches (checked
    /// for the byte at `vaddr`: the fetch itself checks its whole length).
    pub fn translate_fetch(&mut self, vaddr: u64, mmu_idx: u8) -> Result<u64, FaultCode> {
        self.translate(vaddr, 1, Access::Execute, mmu_idx)
    }

    /// The physical address of `vaddr` for an access of `len` bytes (in
    /// one page): from the TLB entry if it allows the access (its
    /// permissions hold for the whole page, see [`PageWalker`]), else
    /// walked (and filled).
    fn translate(&mut self, vaddr: u64, len: u64, access: Access, mmu_idx: u8) -> Result<u64, FaultCode> {
        let offset = vaddr & !PAGE_MASK;
        if let Some(page) = self.tlb.probe(vaddr, access, mmu_idx) {
            return Ok(page | offset);
        }
        let tr = self.walker.translate(self.space, vaddr, len, access, mmu_idx)?;
        self.tlb.fill(self.space, vaddr, mmu_idx, &tr);
        if self.space.traces(Categories::TLB) {
            trace_fill(self.space, vaddr, access, mmu_idx, &tr);
        }
        Ok((tr.paddr_page & PAGE_MASK) | offset)
    }

    /// Translates every page of an access of `len` bytes at `vaddr` (step
    /// 1 of the slow path).
    fn spans(&mut self, vaddr: u64, len: u64, access: Access, mmu_idx: u8) -> Result<Spans, FaultCode> {
        let in_page = PAGE_SIZE - (vaddr & !PAGE_MASK);
        let first_len = len.min(in_page);
        let first = Span { vaddr, paddr: self.translate(vaddr, first_len, access, mmu_idx)?, len: first_len };
        if first_len == len {
            return Ok(Spans { first, second: None });
        }
        // The virtual address space wraps, like the guests' registers.
        let v2 = vaddr.wrapping_add(first_len);
        let second_len = len - first_len;
        let second = Span { vaddr: v2, paddr: self.translate(v2, second_len, access, mmu_idx)?, len: second_len };
        Ok(Spans { first, second: Some(second) })
    }

    /// Reads the bytes of `spans` (step 2 and 3 for reads).
    fn read_spans(&mut self, spans: Spans, access: Access) -> Result<u64, FaultCode> {
        let Spans { first, second } = spans;
        if let Some(second) = second {
            // Check both parts before reading either (device reads can have
            // side effects).
            for s in [first, second] {
                if self.space.probe(s.paddr, s.len, false).is_err() {
                    return Err(self.walker.access_fault(s.vaddr, access));
                }
            }
        }
        let lo = match self.space.read_len(first.paddr, first.len) {
            Ok(v) => v,
            Err(_) => return Err(self.walker.access_fault(first.vaddr, access)),
        };
        let Some(second) = second else { return Ok(lo) };
        match self.space.read_len(second.paddr, second.len) {
            // `first.len < 8` when there is a second part.
            Ok(hi) => Ok(lo | hi << (8 * first.len)),
            Err(_) => Err(self.walker.access_fault(second.vaddr, access)),
        }
    }

    /// Step 2 for writes: every byte writable, no watched code.
    fn check_write(&mut self, spans: Spans) -> Result<(), FaultCode> {
        let mut code = false;
        for s in spans.iter() {
            match self.space.probe(s.paddr, s.len, true) {
                Ok(c) => code |= c,
                Err(_) => return Err(self.walker.access_fault(s.vaddr, Access::Write)),
            }
        }
        if code {
            for s in spans.iter() {
                self.space.note_cpu_code_write(s.paddr, s.len);
            }
            return Err(CODE_WRITE_FAULT);
        }
        Ok(())
    }

    /// Step 3 for writes (after `check_write`).
    fn write_spans(&mut self, spans: Spans, raw: u64, mmu_idx: u8) -> Result<(), FaultCode> {
        let Spans { first, second } = spans;
        if self.space.write_len(first.paddr, first.len, raw).is_err() {
            return Err(self.walker.access_fault(first.vaddr, Access::Write));
        }
        if let Some(second) = second
            && self.space.write_len(second.paddr, second.len, raw >> (8 * first.len)).is_err()
        {
            return Err(self.walker.access_fault(second.vaddr, Access::Write));
        }
        self.refresh(spans, mmu_idx);
        Ok(())
    }

    /// After a slow write that reached RAM: lets later writes to the page
    /// take the fast path again if they can (the page was watched code
    /// when its entry was filled and no longer is).
    fn refresh(&mut self, spans: Spans, mmu_idx: u8) {
        for s in spans.iter() {
            if matches!(self.space.resolve(s.paddr), Resolved::Memory { writable: true, .. }) {
                self.tlb.refresh(self.space, s.vaddr, mmu_idx);
            }
        }
    }

    #[inline(never)]
    fn read_slow(&mut self, vaddr: u64, size: MemSize, access: Access, mmu_idx: u8) -> Result<u64, FaultCode> {
        let spans = self.spans(vaddr, u64::from(size.bytes()), access, mmu_idx)?;
        self.read_spans(spans, access)
    }

    #[inline(never)]
    fn store_slow(&mut self, vaddr: u64, raw: u64, size: MemSize, mmu_idx: u8) -> Result<(), FaultCode> {
        let spans = self.spans(vaddr, u64::from(size.bytes()), Access::Write, mmu_idx)?;
        self.check_write(spans)?;
        self.write_spans(spans, raw, mmu_idx)
    }

    /// A read-modify-write loop on RAM at arena offset `offset` with the
    /// host's compare-and-exchange; `None` if the offset is bad.
    fn arena_atomic(&self, offset: u64, size: MemSize, modify: Modify<'_>) -> Option<u64> {
        let arena = self.space.arena();
        let mut old = arena.read(offset, size)?;
        loop {
            let Some(new) = modify(old) else { return Some(old) };
            let seen = arena.cmpxchg(offset, size, old, new)?;
            if seen == old {
                return Some(old);
            }
            old = seen;
        }
    }

    #[inline(never)]
    fn atomic_slow(&mut self, vaddr: u64, size: MemSize, mmu_idx: u8, modify: Modify<'_>) -> Result<u64, FaultCode> {
        let n = u64::from(size.bytes());
        let spans = self.spans(vaddr, n, Access::Write, mmu_idx)?;
        self.check_write(spans)?;
        if spans.second.is_none()
            && let Resolved::Memory { arena_offset, writable: true, remaining } = self.space.resolve(spans.first.paddr)
            && remaining >= n
        {
            let Some(old) = self.arena_atomic(arena_offset, size, modify) else {
                return Err(self.walker.access_fault(vaddr, Access::Write));
            };
            self.refresh(spans, mmu_idx);
            return Ok(old);
        }
        // MMIO, or crossing a page: read, modify, write (see the type docs).
        let old = self.read_spans(spans, Access::Write)?;
        if let Some(new) = modify(old) {
            self.write_spans(spans, new, mmu_idx)?;
        }
        Ok(old)
    }
}

impl<W: PageWalker + ?Sized> GuestMemory for CpuMemory<'_, W> {
    #[inline]
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        if let Some(off) = self.tlb.lookup(self.space.arena(), addr, mem.size.bytes(), Access::Read, mem.mmu_idx)
            && let Some(v) = self.space.arena().read(off, mem.size)
        {
            return Ok(v);
        }
        self.read_slow(addr, mem.size, Access::Read, mem.mmu_idx)
    }

    #[inline]
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        if let Some(off) = self.tlb.lookup(self.space.arena(), addr, mem.size.bytes(), Access::Write, mem.mmu_idx)
            && self.space.arena().write(off, mem.size, raw).is_some()
        {
            return Ok(());
        }
        self.store_slow(addr, raw, mem.size, mem.mmu_idx)
    }

    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        let size = mem.size;
        let modify = move |old| Some(semantics::rmw(op, size, old, raw));
        if let Some(off) = self.tlb.lookup(self.space.arena(), addr, size.bytes(), Access::Write, mem.mmu_idx)
            && let Some(old) = self.arena_atomic(off, size, &modify)
        {
            return Ok(old);
        }
        self.atomic_slow(addr, size, mem.mmu_idx, &modify)
    }

    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        let size = mem.size;
        let (expected, new) = (expected & size.mask(), new & size.mask());
        if let Some(off) = self.tlb.lookup(self.space.arena(), addr, size.bytes(), Access::Write, mem.mmu_idx)
            && let Some(old) = self.space.arena().cmpxchg(off, size, expected, new)
        {
            return Ok(old);
        }
        self.atomic_slow(addr, size, mem.mmu_idx, &move |old| (old == expected).then_some(new))
    }

    fn fence(&mut self, _kind: FenceKind) {
        // Arena atomics are sequentially consistent; plain accesses are
        // ordered by the host fence.
        #[cfg(target_has_atomic = "8")]
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    }
}

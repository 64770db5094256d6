//! A vCPU's view of memory: its TLB, the address space, and the guest's
//! page walker, as the executors' [`GuestMemory`].

use wemu_ir::runtime::{FaultCode, GuestMemory};
use wemu_ir::{FenceKind, MemOp, RmwOp};

use crate::{AddressSpace, Tlb};

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
pub trait PageWalker {
    /// Translates `vaddr` for `access` in `mmu_idx`, reading and updating
    /// page tables through `space`. `Err` is the guest's page-fault code.
    fn translate(
        &mut self,
        space: &mut AddressSpace,
        vaddr: u64,
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

/// A vCPU's memory: TLB fast path, walker on a miss, address space behind.
#[derive(Debug)]
pub struct CpuMemory<'a, W: ?Sized> {
    pub space: &'a mut AddressSpace,
    pub tlb: &'a mut Tlb,
    pub walker: &'a mut W,
}

impl<W: PageWalker + ?Sized> CpuMemory<'_, W> {
    /// Reads `size` bytes (1, 2 or 4) of instruction memory at `vaddr` in
    /// `mmu_idx` (execute permission).
    pub fn fetch(&mut self, vaddr: u64, size: wemu_ir::MemSize, mmu_idx: u8) -> Result<u64, FaultCode> {
        todo!("{vaddr} {size:?} {mmu_idx}")
    }

    /// The physical address instruction fetch at `vaddr` reaches.
    pub fn translate_fetch(&mut self, vaddr: u64, mmu_idx: u8) -> Result<u64, FaultCode> {
        todo!("{vaddr} {mmu_idx}")
    }
}

impl<W: PageWalker + ?Sized> GuestMemory for CpuMemory<'_, W> {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        todo!("{addr} {mem:?}")
    }

    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        todo!("{addr} {raw} {mem:?}")
    }

    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        todo!("{addr} {op:?} {raw} {mem:?}")
    }

    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        todo!("{addr} {expected} {new} {mem:?}")
    }

    fn fence(&mut self, _kind: FenceKind) {}
}

//! Test fixtures: a recording MMIO device and three page walkers
//! (identity, identity with a guarded byte range, and a toy one-level page
//! table in guest RAM).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use wemu_ir::MemSize;
use wemu_ir::runtime::FaultCode;
use wemu_softmmu::{Access, AddressSpace, Arena, BusError, MmioDevice, PAGE_MASK, PageWalker, Translation};

/// A device access, as the device saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Read { offset: u64, size: MemSize },
    Write { offset: u64, size: MemSize, value: u64 },
}

/// A device with `len` bytes of little-endian registers that behave like
/// memory, logging every access; offsets at or past `fail_from` answer a
/// bus error (and are not logged).
#[derive(Debug)]
pub struct Recorder {
    pub log: Arc<Mutex<Vec<Event>>>,
    pub regs: Arc<Mutex<Vec<u8>>>,
    pub fail_from: u64,
}

/// The log and registers of a [`Recorder`], kept by the test.
#[derive(Clone, Debug)]
pub struct Probe {
    pub log: Arc<Mutex<Vec<Event>>>,
    pub regs: Arc<Mutex<Vec<u8>>>,
}

impl Probe {
    pub fn events(&self) -> Vec<Event> {
        self.log.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.log.lock().unwrap().clear();
    }

    pub fn reg(&self, offset: usize, n: usize) -> u64 {
        let r = self.regs.lock().unwrap();
        r[offset..offset + n].iter().rev().fold(0, |a, &b| a << 8 | u64::from(b))
    }
}

impl Recorder {
    pub fn new(len: usize, fail_from: u64) -> (Box<Recorder>, Probe) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let regs = Arc::new(Mutex::new(vec![0u8; len]));
        let probe = Probe { log: log.clone(), regs: regs.clone() };
        (Box::new(Recorder { log, regs, fail_from }), probe)
    }

    fn range(&self, offset: u64, size: MemSize) -> Result<core::ops::Range<usize>, BusError> {
        let end = offset.checked_add(u64::from(size.bytes())).ok_or(BusError)?;
        if end > self.fail_from {
            return Err(BusError);
        }
        let regs = self.regs.lock().unwrap().len() as u64;
        if end > regs {
            return Err(BusError);
        }
        Ok(offset as usize..end as usize)
    }
}

impl MmioDevice for Recorder {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        let r = self.range(offset, size)?;
        self.log.lock().unwrap().push(Event::Read { offset, size });
        let regs = self.regs.lock().unwrap();
        Ok(regs[r].iter().rev().fold(0, |a, &b| a << 8 | u64::from(b)))
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        let r = self.range(offset, size)?;
        self.log.lock().unwrap().push(Event::Write { offset, size, value: value & size.mask() });
        let mut regs = self.regs.lock().unwrap();
        for (i, b) in regs[r].iter_mut().enumerate() {
            *b = (value >> (8 * i)) as u8;
        }
        Ok(())
    }
}

/// The access-fault code the test walkers give for an access kind.
pub fn access_fault_code(access: Access) -> FaultCode {
    match access {
        Access::Execute => 1,
        Access::Read => 5,
        Access::Write => 7,
    }
}

/// The page-fault code the toy walker gives for an access kind.
pub fn page_fault_code(access: Access) -> FaultCode {
    match access {
        Access::Execute => 12,
        Access::Read => 13,
        Access::Write => 15,
    }
}

/// Virtual = physical, everything allowed.
#[derive(Debug, Default)]
pub struct Identity {
    pub walks: Vec<(u64, Access, u8)>,
    pub access_faults: Vec<(u64, Access)>,
}

impl PageWalker for Identity {
    fn translate(
        &mut self,
        _space: &mut AddressSpace,
        vaddr: u64,
        _len: u64,
        access: Access,
        mmu_idx: u8,
    ) -> Result<Translation, FaultCode> {
        self.walks.push((vaddr, access, mmu_idx));
        Ok(Translation {
            paddr_page: vaddr & PAGE_MASK,
            read: true,
            write: true,
            execute: true,
            asid: 0,
            global: false,
        })
    }

    fn access_fault(&mut self, vaddr: u64, access: Access) -> FaultCode {
        self.access_faults.push((vaddr, access));
        access_fault_code(access)
    }
}

/// Virtual = physical with a protected byte range, like a RISC-V PMP
/// region: an access that touches `[lo, hi)` faults unless it lies wholly
/// inside (then it is allowed: the region only makes accesses that
/// straddle its edge fail). Pages the edges split are granted nothing, so
/// every access to them walks (the [`PageWalker`] rule).
#[derive(Debug, Default)]
pub struct Guarded {
    pub lo: u64,
    pub hi: u64,
    /// Every walk: address, length, kind.
    pub walks: Vec<(u64, u64, Access)>,
}

impl Guarded {
    fn straddles(&self, addr: u64, len: u64) -> bool {
        let end = addr + len;
        let touches = addr < self.hi && end > self.lo;
        touches && !(addr >= self.lo && end <= self.hi)
    }
}

impl PageWalker for Guarded {
    fn translate(
        &mut self,
        _space: &mut AddressSpace,
        vaddr: u64,
        len: u64,
        access: Access,
        _mmu_idx: u8,
    ) -> Result<Translation, FaultCode> {
        self.walks.push((vaddr, len, access));
        if self.straddles(vaddr, len) {
            return Err(access_fault_code(access));
        }
        let page = vaddr & PAGE_MASK;
        let uniform = !self.straddles(page, 1 << 12);
        Ok(Translation { paddr_page: page, read: uniform, write: uniform, execute: uniform, asid: 0, global: false })
    }

    fn access_fault(&mut self, _vaddr: u64, access: Access) -> FaultCode {
        access_fault_code(access)
    }
}

/// PTE bits of the toy page table.
pub const V: u64 = 1;
pub const R: u64 = 2;
pub const W: u64 = 4;
pub const X: u64 = 8;
pub const G: u64 = 16;

/// A toy one-level page table: 512 eight-byte PTEs at physical `root`,
/// PTE `vaddr >> 12` maps the page of `vaddr` (bits 12.. the physical page,
/// the low bits [`V`], [`R`], [`W`], [`X`], [`G`]). Addresses past the
/// table page-fault. Entries are tagged with `asid`.
#[derive(Debug)]
pub struct PageTable {
    pub root: u64,
    pub asid: u16,
    pub walks: u32,
}

impl PageTable {
    pub fn new(root: u64) -> PageTable {
        PageTable { root, asid: 0, walks: 0 }
    }

    /// Writes the PTE mapping virtual page `vaddr` to `paddr` with `flags`.
    pub fn map(&self, space: &mut AddressSpace, vaddr: u64, paddr: u64, flags: u64) {
        let vpn = vaddr >> 12;
        assert!(vpn < 512);
        space.write(self.root + vpn * 8, MemSize::B8, (paddr & PAGE_MASK) | flags).unwrap();
    }
}

impl PageWalker for PageTable {
    fn translate(
        &mut self,
        space: &mut AddressSpace,
        vaddr: u64,
        _len: u64,
        access: Access,
        _mmu_idx: u8,
    ) -> Result<Translation, FaultCode> {
        self.walks += 1;
        let vpn = vaddr >> 12;
        if vpn >= 512 {
            return Err(page_fault_code(access));
        }
        let pte = space.read(self.root + vpn * 8, MemSize::B8).map_err(|_| access_fault_code(access))?;
        let allowed = match access {
            Access::Read => pte & R != 0,
            Access::Write => pte & W != 0,
            Access::Execute => pte & X != 0,
        };
        if pte & V == 0 || !allowed {
            return Err(page_fault_code(access));
        }
        Ok(Translation {
            paddr_page: pte & PAGE_MASK,
            read: pte & R != 0,
            write: pte & W != 0,
            execute: pte & X != 0,
            asid: self.asid,
            global: pte & G != 0,
        })
    }

    fn access_fault(&mut self, _vaddr: u64, access: Access) -> FaultCode {
        access_fault_code(access)
    }
}

/// An address space over a fresh 64 MiB arena.
pub fn space() -> AddressSpace {
    AddressSpace::new(Arena::new(64 << 20).unwrap())
}

//! Address translation: the Sv39, Sv48 and Sv57 page-table walks
//! (Privileged spec §4.3–§4.6) and PMP ([`crate::pmp`]), as the softmmu's
//! [`PageWalker`].
//!
//! The walker keeps its own copy of the controls it needs (`satp`,
//! `mstatus.MXR` and the decoded PMP entries), because the state block is
//! borrowed by the executor while a block runs; [`Mmu::sync`] takes them
//! over from the state whenever a CSR write changes them
//! ([`crate::helpers::HartMemory::mmu_changed`]). The privilege and
//! `mstatus.SUM` come with each access, in its MMU index
//! ([`crate::translate::mmu_idx`]).
//!
//! Faults are the RISC-V exception causes: page faults 12/13/15 for fetch,
//! load and store/AMO, access faults 1/5/7 (PMP, or page tables outside
//! memory). A/D bits are set with a compare-and-exchange on the PTE (the
//! walk restarts if the PTE changed meanwhile), so concurrent walkers on
//! several vCPUs agree (§4.3.2 step 7).

use wemu_ir::MemSize;
use wemu_ir::runtime::FaultCode;
use wemu_softmmu::{Access, AddressSpace, PageWalker, Resolved, Translation};

use crate::csr;
use crate::pmp::{Perms, Pmp};
use crate::state::{self, Priv, State};
use crate::translate::mmu_idx;
use crate::trap::cause;

/// The base page size.
pub const PAGE_SIZE: u64 = 4096;

/// Physical addresses are 56 bits (§4.4.1).
pub const PA_BITS: u32 = 56;

// PTE bits (§4.3.1, §4.4.1).
pub const PTE_V: u64 = 1 << 0;
pub const PTE_R: u64 = 1 << 1;
pub const PTE_W: u64 = 1 << 2;
pub const PTE_X: u64 = 1 << 3;
pub const PTE_U: u64 = 1 << 4;
pub const PTE_G: u64 = 1 << 5;
pub const PTE_A: u64 = 1 << 6;
pub const PTE_D: u64 = 1 << 7;
const PTE_PPN_SHIFT: u32 = 10;
const PTE_PPN_MASK: u64 = (1 << 44) - 1;
/// Bits 63:54: N (Svnapot), PBMT (Svpbmt) and reserved bits, none of which
/// is implemented, so a leaf or pointer with any of them set faults.
const PTE_HIGH: u64 = 0x3ff << 54;

/// How many times a walk restarts after losing an A/D-update race before
/// giving up with a page fault (another hart rewriting the PTE this often
/// is a guest bug; the retry makes it visible rather than hanging).
const AD_RETRIES: u32 = 64;

/// Page-table memory as the walker sees it: 8-byte PTE reads and
/// compare-and-exchanges at physical addresses (`None`: nothing there).
pub trait PtMemory {
    fn read_pte(&mut self, paddr: u64) -> Option<u64>;
    fn cmpxchg_pte(&mut self, paddr: u64, expected: u64, new: u64) -> Option<u64>;
}

impl PtMemory for AddressSpace {
    fn read_pte(&mut self, paddr: u64) -> Option<u64> {
        self.read(paddr, MemSize::B8).ok()
    }

    fn cmpxchg_pte(&mut self, paddr: u64, expected: u64, new: u64) -> Option<u64> {
        match self.resolve(paddr) {
            Resolved::Memory { arena_offset, writable: true, remaining } if remaining >= 8 => {
                self.arena().cmpxchg(arena_offset, MemSize::B8, expected, new)
            }
            _ => None,
        }
    }
}

/// The riscv64 MMU of one hart: the page walker and PMP checker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mmu {
    satp: u64,
    mxr: bool,
    pmp: Pmp,
    /// The virtual address of the last fault reported, for `xtval` when an
    /// access crossing a page faults on its second part.
    fault_vaddr: Option<u64>,
    /// The virtual range spanned by the superpages translated since the
    /// last full flush: the TLB holds them as 4 KiB entries, so an
    /// `sfence.vma` of an address inside one must flush them all.
    superpages: Option<(u64, u64)>,
}

/// The cause of a page fault for `access`.
pub const fn page_fault(access: Access) -> u64 {
    match access {
        Access::Read => cause::LOAD_PAGE_FAULT,
        Access::Write => cause::STORE_PAGE_FAULT,
        Access::Execute => cause::FETCH_PAGE_FAULT,
    }
}

/// The cause of an access fault for `access`.
pub const fn access_fault(access: Access) -> u64 {
    match access {
        Access::Read => cause::LOAD_ACCESS,
        Access::Write => cause::STORE_ACCESS,
        Access::Execute => cause::FETCH_ACCESS,
    }
}

/// The privilege of the accesses of MMU index `idx`.
fn priv_of(idx: u8) -> Priv {
    match idx {
        mmu_idx::MACHINE => Priv::Machine,
        mmu_idx::USER => Priv::User,
        _ => Priv::Supervisor,
    }
}

fn allows(p: Perms, access: Access) -> bool {
    match access {
        Access::Read => p.read,
        Access::Write => p.write,
        Access::Execute => p.execute,
    }
}

fn and(a: Perms, b: Perms) -> Perms {
    Perms { read: a.read && b.read, write: a.write && b.write, execute: a.execute && b.execute }
}

impl Mmu {
    /// An MMU in reset state: bare translation, no PMP entries.
    pub fn new() -> Mmu {
        Mmu::default()
    }

    /// Takes over `satp`, `mstatus.MXR` and PMP from the state block.
    pub fn sync(&mut self, st: &State<'_>) {
        self.satp = st.get(state::SATP);
        self.mxr = st.get(state::MSTATUS) & csr::MSTATUS_MXR != 0;
        self.pmp = Pmp::from_state(st);
    }

    /// Whether an `sfence.vma` of `vaddr` must flush every translation
    /// (it may be part of a superpage the TLB holds as many entries).
    pub fn sfence_needs_full_flush(&self, vaddr: u64) -> bool {
        self.superpages.is_some_and(|(lo, hi)| vaddr >= lo && vaddr <= hi)
    }

    /// Notes that every translation was flushed.
    pub fn flushed_all(&mut self) {
        self.superpages = None;
    }

    /// The virtual address of the last fault this walker reported.
    pub fn fault_vaddr(&self) -> Option<u64> {
        self.fault_vaddr
    }

    fn fail(&mut self, vaddr: u64, cause: u64) -> FaultCode {
        self.fault_vaddr = Some(vaddr);
        cause as FaultCode
    }

    /// Translates `vaddr` for an access of `len` bytes (within its page)
    /// of kind `access` in `mmu_idx`, reading and updating page tables
    /// through `mem`. PMP checks all `len` bytes (§3.7.1: the
    /// lowest-numbered entry that matches any byte must match all of them).
    pub fn translate_in(
        &mut self,
        mem: &mut impl PtMemory,
        vaddr: u64,
        len: u64,
        access: Access,
        idx: u8,
    ) -> Result<Translation, FaultCode> {
        let p = priv_of(idx);
        let mode = self.satp >> csr::SATP_MODE_SHIFT;
        let levels = match mode {
            csr::SATP_MODE_SV39 => 3,
            csr::SATP_MODE_SV48 => 4,
            csr::SATP_MODE_SV57 => 5,
            _ => 0,
        };
        if p == Priv::Machine || levels == 0 {
            return self.physical(vaddr, len, access, p);
        }
        for _ in 0..AD_RETRIES {
            match self.walk(mem, vaddr, len, access, idx, levels) {
                Walk::Done(t) => return t,
                Walk::Retry => {}
            }
        }
        Err(self.fail(vaddr, page_fault(access)))
    }

    /// No translation (M-mode, or `satp.MODE = Bare`): PMP only.
    fn physical(&mut self, vaddr: u64, len: u64, access: Access, p: Priv) -> Result<Translation, FaultCode> {
        let page = vaddr & !(PAGE_SIZE - 1);
        if vaddr >> PA_BITS != 0 || !allows(self.pmp.check(vaddr, len, p), access) {
            return Err(self.fail(vaddr, access_fault(access)));
        }
        // The TLB reuses these for any access to the page: only what PMP
        // grants to every byte of it; nothing if an entry boundary splits
        // the page, so each access there is checked here with its length.
        let reuse = self.pmp.page_perms(page, p).unwrap_or(Perms::NONE);
        Ok(Translation {
            paddr_page: page,
            read: reuse.read,
            write: reuse.write,
            execute: reuse.execute,
            asid: 0,
            global: true,
        })
    }

    fn walk(&mut self, mem: &mut impl PtMemory, vaddr: u64, len: u64, access: Access, idx: u8, levels: u32) -> Walk {
        let (p, sum) = (priv_of(idx), idx == mmu_idx::SUPERVISOR_SUM);
        let va_bits = 12 + 9 * levels;
        // The address must be the sign extension of its low va_bits bits
        // (§4.3.2 "instruction page-fault ... if bits 63–39 ... not all
        // equal to bit 38").
        if ((vaddr as i64) << (64 - va_bits) >> (64 - va_bits)) as u64 != vaddr {
            return Walk::Done(Err(self.fail(vaddr, page_fault(access))));
        }
        let asid = ((self.satp >> 44) & 0xffff) as u16;
        let mut table = (self.satp & PTE_PPN_MASK) << 12;
        let mut level = levels - 1;
        let mut global = false;
        let (pte_addr, pte) = loop {
            let vpn = (vaddr >> (12 + 9 * level)) & 0x1ff;
            let pte_addr = table + vpn * 8;
            // Implicit page-table accesses are S-mode reads for PMP (§3.7.1).
            if !self.pmp.check(pte_addr, 8, Priv::Supervisor).read {
                return Walk::Done(Err(self.fail(vaddr, access_fault(access))));
            }
            let Some(pte) = mem.read_pte(pte_addr) else {
                return Walk::Done(Err(self.fail(vaddr, access_fault(access))));
            };
            if pte & PTE_V == 0 || pte & (PTE_R | PTE_W) == PTE_W || pte & PTE_HIGH != 0 {
                return Walk::Done(Err(self.fail(vaddr, page_fault(access))));
            }
            global |= pte & PTE_G != 0;
            if pte & (PTE_R | PTE_X) != 0 {
                break (pte_addr, pte);
            }
            if level == 0 {
                return Walk::Done(Err(self.fail(vaddr, page_fault(access))));
            }
            level -= 1;
            table = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12;
        };
        // A leaf: permissions (§4.3.2 step 5, §4.3.1 "U" and MXR/SUM).
        let user_page = pte & PTE_U != 0;
        let data_ok = match p {
            Priv::User => user_page,
            _ => !user_page || sum,
        };
        let exec_ok = match p {
            Priv::User => user_page,
            // S-mode never executes U pages, whatever SUM says.
            _ => !user_page,
        };
        let readable = pte & PTE_R != 0 || (self.mxr && pte & PTE_X != 0);
        let perms = Perms {
            read: data_ok && readable,
            write: data_ok && pte & PTE_W != 0,
            execute: exec_ok && pte & PTE_X != 0,
        };
        if !allows(perms, access) {
            return Walk::Done(Err(self.fail(vaddr, page_fault(access))));
        }
        // A superpage's PPN must be aligned to its size (step 6).
        let ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        let low_mask = (1u64 << (9 * level)) - 1;
        if ppn & low_mask != 0 {
            return Walk::Done(Err(self.fail(vaddr, page_fault(access))));
        }
        // A and D (step 7): set in hardware, atomically with the checks.
        let mut pte = pte;
        let want = PTE_A | if access == Access::Write { PTE_D } else { 0 };
        if pte & want != want {
            if !self.pmp.check(pte_addr, 8, Priv::Supervisor).write {
                return Walk::Done(Err(self.fail(vaddr, access_fault(access))));
            }
            let new = pte | want;
            match mem.cmpxchg_pte(pte_addr, pte, new) {
                Some(old) if old == pte => pte = new,
                Some(_) => return Walk::Retry,
                None => return Walk::Done(Err(self.fail(vaddr, access_fault(access)))),
            }
        }
        // The physical page: the PPN with the superpage's low VPN bits.
        let vpn_low = (vaddr >> 12) & low_mask;
        if level > 0 {
            let size = PAGE_SIZE << (9 * level);
            let (lo, hi) = (vaddr & !(size - 1), (vaddr & !(size - 1)) | (size - 1));
            self.superpages = Some(match self.superpages {
                Some((l, h)) => (l.min(lo), h.max(hi)),
                None => (lo, hi),
            });
        }
        let paddr = ((ppn | vpn_low) << 12) | (vaddr & (PAGE_SIZE - 1));
        let page = paddr & !(PAGE_SIZE - 1);
        if !allows(self.pmp.check(paddr, len, p), access) {
            return Walk::Done(Err(self.fail(vaddr, access_fault(access))));
        }
        // What later accesses may reuse: writes only once D is set, so the
        // first store walks and sets it; and only what PMP grants to every
        // byte of the page (see `physical`).
        let mut reuse = perms;
        reuse.write &= pte & PTE_D != 0;
        let reuse = and(reuse, self.pmp.page_perms(page, p).unwrap_or(Perms::NONE));
        Walk::Done(Ok(Translation {
            paddr_page: page,
            read: reuse.read,
            write: reuse.write,
            execute: reuse.execute,
            asid,
            global,
        }))
    }
}

enum Walk {
    Done(Result<Translation, FaultCode>),
    /// An A/D update lost a race: walk again.
    Retry,
}

impl PageWalker for Mmu {
    fn translate(
        &mut self,
        space: &mut AddressSpace,
        vaddr: u64,
        len: u64,
        access: Access,
        mmu_idx: u8,
    ) -> Result<Translation, FaultCode> {
        self.translate_in(space, vaddr, len, access, mmu_idx)
    }

    fn access_fault(&mut self, vaddr: u64, access: Access) -> FaultCode {
        self.fail(vaddr, access_fault(access))
    }
}

#[cfg(test)]
mod tests;

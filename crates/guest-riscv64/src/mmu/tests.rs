//! Page walks over page tables built in a small physical memory.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::pmp::{A_NA4, A_NAPOT, ADDR_MASK, CFG_A_SHIFT, CFG_R, CFG_W, CFG_X};
use crate::state::reset_state;

/// Physical memory at [`RAM`].
struct Ram {
    bytes: Vec<u8>,
    /// Changes the PTE at this address once, just before the next
    /// compare-and-exchange (another hart racing the A/D update).
    race: Option<(u64, u64)>,
    cmpxchgs: u32,
}

const RAM: u64 = 0x8000_0000;

impl Ram {
    fn new() -> Ram {
        Ram { bytes: vec![0; 0x10_0000], race: None, cmpxchgs: 0 }
    }

    fn off(&self, paddr: u64) -> Option<usize> {
        let o = usize::try_from(paddr.checked_sub(RAM)?).ok()?;
        (o + 8 <= self.bytes.len()).then_some(o)
    }

    fn set(&mut self, paddr: u64, v: u64) {
        let o = self.off(paddr).unwrap();
        self.bytes[o..o + 8].copy_from_slice(&v.to_le_bytes());
    }

    fn get(&self, paddr: u64) -> u64 {
        let o = self.off(paddr).unwrap();
        u64::from_le_bytes(self.bytes[o..o + 8].try_into().unwrap())
    }
}

impl PtMemory for Ram {
    fn read_pte(&mut self, paddr: u64) -> Option<u64> {
        self.off(paddr).map(|_| self.get(paddr))
    }

    fn cmpxchg_pte(&mut self, paddr: u64, expected: u64, new: u64) -> Option<u64> {
        self.off(paddr)?;
        self.cmpxchgs += 1;
        if let Some((a, v)) = self.race.take() {
            self.set(a, v);
        }
        let old = self.get(paddr);
        if old == expected {
            self.set(paddr, new);
        }
        Some(old)
    }
}

/// Root page table, and where further tables go.
const ROOT: u64 = RAM + 0x1000;

fn pte(paddr: u64, flags: u64) -> u64 {
    (paddr >> 12) << 10 | flags | PTE_V
}

/// Maps `vaddr` to `paddr` with a leaf at `level` (0 = 4 KiB) in a
/// `levels`-level table rooted at [`ROOT`], creating tables at
/// `RAM + 0x2000 + 0x1000 * k`.
fn map(ram: &mut Ram, levels: u32, vaddr: u64, paddr: u64, level: u32, flags: u64) {
    let mut table = ROOT;
    let mut next = RAM + 0x2000;
    for l in (0..levels).rev() {
        let idx = (vaddr >> (12 + 9 * l)) & 0x1ff;
        let at = table + idx * 8;
        if l == level {
            ram.set(at, pte(paddr, flags));
            return;
        }
        let e = ram.get(at);
        table = if e & PTE_V != 0 {
            ((e >> 10) & PTE_PPN_MASK) << 12
        } else {
            while (next..next + 0x1000).step_by(8).any(|a| ram.get(a) != 0) {
                next += 0x1000;
            }
            ram.set(at, pte(next, 0));
            next += 0x1000;
            next - 0x1000
        };
    }
}

/// An MMU in `mode` with a catch-all PMP entry (as firmware sets up).
fn mmu(mode: u64, mxr: bool) -> Mmu {
    let mut b = reset_state(0, 0);
    let mut st = State::new(&mut b);
    st.set(state::SATP, mode << 60 | 0xabc << 44 | (ROOT >> 12));
    if mxr {
        st.set(state::MSTATUS, csr::MSTATUS_MXR);
    }
    st.set_at(state::PMPCFG, 0, u64::from(CFG_R | CFG_W | CFG_X | A_NAPOT << CFG_A_SHIFT));
    st.set_at(state::PMPADDR, 0, ADDR_MASK);
    let mut m = Mmu::new();
    m.sync(&st);
    m
}

const RWX: u64 = PTE_R | PTE_W | PTE_X;
const S: u8 = mmu_idx::SUPERVISOR;
const U: u8 = mmu_idx::USER;
const SUM: u8 = mmu_idx::SUPERVISOR_SUM;

fn fault(access: Access) -> Result<Translation, FaultCode> {
    Err(page_fault(access) as FaultCode)
}

#[test]
fn sv39_4k_page_sets_accessed_and_dirty() {
    let mut ram = Ram::new();
    let va = 0x0000_0020_1234_5678;
    map(&mut ram, 3, va, RAM + 0x5_0000, 0, RWX);
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    let t = m.translate_in(&mut ram, va, 1, Access::Read, S).unwrap();
    assert_eq!(t.paddr_page, RAM + 0x5_0000);
    assert_eq!(t.asid, 0xabc);
    assert!(t.read && t.execute && !t.write, "not dirty yet: stores walk again");
    let leaf_addr = {
        let mut a = 0;
        for addr in (RAM..RAM + 0x10_0000).step_by(8) {
            if ram.get(addr) >> 10 == (RAM + 0x5_0000) >> 12 {
                a = addr;
            }
        }
        a
    };
    assert_eq!(ram.get(leaf_addr) & (PTE_A | PTE_D), PTE_A);
    let t = m.translate_in(&mut ram, va, 1, Access::Write, S).unwrap();
    assert!(t.write);
    assert_eq!(ram.get(leaf_addr) & (PTE_A | PTE_D), PTE_A | PTE_D);
}

#[test]
fn superpages_and_misaligned_superpages() {
    let mut ram = Ram::new();
    // A 2 MiB page and a 1 GiB page.
    map(&mut ram, 3, 0x4020_0000, 0x1_0020_0000, 1, RWX | PTE_A | PTE_D);
    map(&mut ram, 3, 0x8000_0000, 0x4000_0000, 2, RWX | PTE_A | PTE_D);
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    let t = m.translate_in(&mut ram, 0x4031_2345, 1, Access::Read, S).unwrap();
    assert_eq!(t.paddr_page, 0x1_0031_2000);
    assert!(m.sfence_needs_full_flush(0x4020_0000));
    assert!(!m.sfence_needs_full_flush(0x4040_0000));
    let t = m.translate_in(&mut ram, 0xbfff_f000, 1, Access::Write, S).unwrap();
    assert_eq!(t.paddr_page, 0x7fff_f000);
    // A 2 MiB leaf whose PPN is not 2 MiB aligned faults.
    map(&mut ram, 3, 0x4060_0000, 0x1_0000_1000, 1, RWX | PTE_A | PTE_D);
    assert_eq!(m.translate_in(&mut ram, 0x4060_0000, 1, Access::Read, S), fault(Access::Read));
    assert_eq!(m.fault_vaddr(), Some(0x4060_0000));
}

#[test]
fn user_pages_sum_and_mxr() {
    let mut ram = Ram::new();
    map(&mut ram, 3, 0x1000, RAM + 0x6_0000, 0, RWX | PTE_U | PTE_A | PTE_D);
    map(&mut ram, 3, 0x2000, RAM + 0x7_0000, 0, PTE_X | PTE_A);
    map(&mut ram, 3, 0x3000, RAM + 0x8_0000, 0, PTE_R | PTE_A);
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    // U page: U-mode yes; S-mode only with SUM, and never to execute.
    assert!(m.translate_in(&mut ram, 0x1000, 1, Access::Execute, U).is_ok());
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Read, S), fault(Access::Read));
    let t = m.translate_in(&mut ram, 0x1000, 1, Access::Read, SUM).unwrap();
    assert!(t.read && t.write && !t.execute);
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Execute, S), fault(Access::Execute));
    // S page from U-mode: fault.
    assert_eq!(m.translate_in(&mut ram, 0x3000, 1, Access::Read, U), fault(Access::Read));
    // Execute-only page: readable only with MXR.
    assert_eq!(m.translate_in(&mut ram, 0x2000, 1, Access::Read, S), fault(Access::Read));
    let mut m = mmu(csr::SATP_MODE_SV39, true);
    assert!(m.translate_in(&mut ram, 0x2000, 1, Access::Read, S).is_ok());
    // Read-only page: no stores.
    assert_eq!(m.translate_in(&mut ram, 0x3000, 1, Access::Write, S), fault(Access::Write));
}

#[test]
fn invalid_entries_and_addresses() {
    let mut ram = Ram::new();
    map(&mut ram, 3, 0x1000, RAM, 0, PTE_W);
    map(&mut ram, 3, 0x2000, RAM, 0, PTE_R | 1 << 62);
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    // Unmapped, W without R, reserved high bits.
    assert_eq!(m.translate_in(&mut ram, 0x5000, 1, Access::Read, S), fault(Access::Read));
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Write, S), fault(Access::Write));
    assert_eq!(m.translate_in(&mut ram, 0x2000, 1, Access::Execute, S), fault(Access::Execute));
    // Not sign-extended from bit 38.
    assert_eq!(m.translate_in(&mut ram, 1 << 39, 1, Access::Read, S), fault(Access::Read));
    // A pointer at level 0 faults.
    map(&mut ram, 3, 0x7000, RAM + 0x9000, 0, 0);
    assert_eq!(m.translate_in(&mut ram, 0x7000, 1, Access::Read, S), fault(Access::Read));
}

#[test]
fn sv48_and_sv57() {
    for (mode, levels, va) in
        [(csr::SATP_MODE_SV48, 4, 0x0000_7fff_1234_5000u64), (csr::SATP_MODE_SV57, 5, 0x00ff_7fff_1234_5000)]
    {
        let mut ram = Ram::new();
        map(&mut ram, levels, va, RAM + 0x5_0000, 0, RWX | PTE_A);
        let mut m = mmu(mode, false);
        let t = m.translate_in(&mut ram, va, 1, Access::Read, S).unwrap();
        assert_eq!(t.paddr_page, RAM + 0x5_0000, "mode {mode}");
        // Not a sign extension of the top VA bit.
        assert_eq!(m.translate_in(&mut ram, va | 1 << 62, 1, Access::Read, S), fault(Access::Read));
    }
}

#[test]
fn ad_update_race_restarts_the_walk() {
    let mut ram = Ram::new();
    map(&mut ram, 3, 0x1000, RAM + 0x5_0000, 0, RWX);
    // Find the leaf and make "another hart" set A first.
    let leaf = (RAM..RAM + 0x10_0000).step_by(8).find(|&a| ram.get(a) == pte(RAM + 0x5_0000, RWX)).unwrap();
    ram.race = Some((leaf, pte(RAM + 0x5_0000, RWX | PTE_A)));
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    let t = m.translate_in(&mut ram, 0x1000, 1, Access::Write, S).unwrap();
    assert!(t.write);
    assert_eq!(ram.cmpxchgs, 2);
    assert_eq!(ram.get(leaf), pte(RAM + 0x5_0000, RWX | PTE_A | PTE_D));
}

#[test]
fn machine_mode_and_bare_use_pmp_only() {
    let mut ram = Ram::new();
    let mut m = mmu(csr::SATP_MODE_SV39, false);
    let t = m.translate_in(&mut ram, 0x1234_5678, 1, Access::Execute, mmu_idx::MACHINE).unwrap();
    assert_eq!(t.paddr_page, 0x1234_5000);
    assert!(t.read && t.write && t.execute && t.global);
    // No PMP entry: S/U accesses fail with access faults, even bare.
    let mut m = Mmu::new();
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Read, S), Err(cause::LOAD_ACCESS as FaultCode));
    assert!(m.translate_in(&mut ram, 0x1000, 1, Access::Read, mmu_idx::MACHINE).is_ok());
    // Beyond 56 physical address bits.
    assert_eq!(
        m.translate_in(&mut ram, 1 << 56, 1, Access::Write, mmu_idx::MACHINE),
        Err(cause::STORE_ACCESS as FaultCode)
    );
}

#[test]
fn pmp_protects_page_tables_and_pages() {
    let mut ram = Ram::new();
    map(&mut ram, 3, 0x1000, RAM + 0x5_0000, 0, RWX | PTE_A | PTE_D);
    let mut b = reset_state(0, 0);
    let mut st = State::new(&mut b);
    st.set(state::SATP, csr::SATP_MODE_SV39 << 60 | (ROOT >> 12));
    // Entry 0: the data page read-only (NAPOT 4 KiB); entry 1: everything.
    let napot = |base: u64, size: u64| (base >> 2) | ((size >> 3) - 1);
    st.set_at(state::PMPADDR, 0, napot(RAM + 0x5_0000, 0x1000));
    st.set_at(state::PMPADDR, 1, ADDR_MASK);
    let cfg0 = u64::from(CFG_R | A_NAPOT << CFG_A_SHIFT);
    let cfg1 = u64::from(CFG_R | CFG_W | CFG_X | A_NAPOT << CFG_A_SHIFT);
    st.set_at(state::PMPCFG, 0, cfg0 | cfg1 << 8);
    let mut m = Mmu::new();
    m.sync(&st);
    let t = m.translate_in(&mut ram, 0x1000, 1, Access::Read, S).unwrap();
    assert!(t.read && !t.write && !t.execute);
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Write, S), Err(cause::STORE_ACCESS as FaultCode));
    // Page tables behind a no-access entry: the walk faults with an access
    // fault of the original access type.
    st.set_at(state::PMPADDR, 0, napot(RAM, 0x10_0000));
    st.set_at(state::PMPCFG, 0, u64::from(A_NAPOT << CFG_A_SHIFT) | cfg1 << 8);
    m.sync(&st);
    assert_eq!(m.translate_in(&mut ram, 0x1000, 1, Access::Execute, S), Err(cause::FETCH_ACCESS as FaultCode));
}

/// An access only partly inside the lowest-numbered PMP entry it touches
/// fails whatever that entry allows, in M-mode too (§3.7.1); a page an
/// entry boundary splits is reused for nothing, so each access walks.
#[test]
fn pmp_checks_every_byte_of_the_access() {
    let mut ram = Ram::new();
    map(&mut ram, 3, 0x1000, RAM + 0x5_0000, 0, RWX | PTE_A | PTE_D);
    let mut b = reset_state(0, 0);
    let mut st = State::new(&mut b);
    st.set(state::SATP, csr::SATP_MODE_SV39 << 60 | (ROOT >> 12));
    // Entry 0: the word at RAM + 0x5_0010, read-only (NA4); entry 1: all.
    st.set_at(state::PMPADDR, 0, (RAM + 0x5_0010) >> 2);
    st.set_at(state::PMPADDR, 1, ADDR_MASK);
    let cfg0 = u64::from(CFG_R | A_NA4 << CFG_A_SHIFT);
    let cfg1 = u64::from(CFG_R | CFG_W | CFG_X | A_NAPOT << CFG_A_SHIFT);
    st.set_at(state::PMPCFG, 0, cfg0 | cfg1 << 8);
    let mut m = Mmu::new();
    m.sync(&st);
    let load_access = Err(cause::LOAD_ACCESS as FaultCode);
    for (idx, va) in [(S, 0x1010), (mmu_idx::MACHINE, RAM + 0x5_0010)] {
        // The word itself, and the bytes beside it.
        let t = m.translate_in(&mut ram, va, 4, Access::Read, idx).unwrap();
        assert!(!t.read && !t.write && !t.execute, "the split page is reused for nothing");
        assert!(m.translate_in(&mut ram, va - 8, 8, Access::Read, idx).is_ok());
        assert!(m.translate_in(&mut ram, va + 4, 8, Access::Write, idx).is_ok());
        // Straddling the word's start or end.
        assert_eq!(m.translate_in(&mut ram, va, 8, Access::Read, idx), load_access);
        assert_eq!(m.translate_in(&mut ram, va - 4, 8, Access::Read, idx), load_access);
        assert_eq!(m.translate_in(&mut ram, va - 1, 2, Access::Read, idx), load_access);
        assert_eq!(m.fault_vaddr(), Some(va - 1));
    }
    // Only S-mode is bound by the read-only entry.
    assert_eq!(m.translate_in(&mut ram, 0x1010, 4, Access::Write, S), Err(cause::STORE_ACCESS as FaultCode));
    assert!(m.translate_in(&mut ram, RAM + 0x5_0010, 4, Access::Write, mmu_idx::MACHINE).is_ok());
}

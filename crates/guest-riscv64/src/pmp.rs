//! Physical memory protection (Privileged spec §3.7): 16 entries, with
//! TOR, NA4 and NAPOT matching, the lock bit and the M-mode rules, at a
//! granularity of 4 bytes (G = 0).
//!
//! The registers live in the state block (`pmpcfg0`, `pmpcfg2`,
//! `pmpaddr0..15`); [`Pmp`] is the decoded form the MMU checks accesses
//! against, rebuilt whenever one of them is written.

use crate::state::{self, PMP_ENTRIES, Priv, State};

/// `pmpaddr` holds bits 55:2 of an address (§3.7.1).
pub const ADDR_MASK: u64 = (1 << 54) - 1;

pub const CFG_R: u8 = 1 << 0;
pub const CFG_W: u8 = 1 << 1;
pub const CFG_X: u8 = 1 << 2;
pub const CFG_A_SHIFT: u32 = 3;
pub const CFG_L: u8 = 1 << 7;
pub const A_OFF: u8 = 0;
pub const A_TOR: u8 = 1;
pub const A_NA4: u8 = 2;
pub const A_NAPOT: u8 = 3;

/// The configuration byte of entry `i`.
pub fn cfg_of(st: &State<'_>, i: usize) -> u8 {
    (st.get_at(state::PMPCFG, i / 8) >> (8 * (i % 8))) as u8
}

/// The new value of a `pmpcfg` register when `v` is written over `old`:
/// locked entries keep their byte, the reserved bits 6:5 read as zero and
/// the reserved combination R = 0, W = 1 becomes R = W = 0 (WARL).
pub fn write_cfg(old: u64, v: u64) -> u64 {
    let mut out = 0u64;
    for k in 0..8 {
        let o = (old >> (8 * k)) as u8;
        let mut n = (v >> (8 * k)) as u8;
        if o & CFG_L != 0 {
            n = o;
        } else {
            n &= 0x9f;
            if n & (CFG_R | CFG_W) == CFG_W {
                n &= !CFG_W;
            }
        }
        out |= u64::from(n) << (8 * k);
    }
    out
}

/// Whether `pmpaddr[i]` may be written: not if entry `i` is locked, nor if
/// entry `i + 1` is a locked TOR entry using it as its bottom (§3.7.1.3).
pub fn addr_writable(st: &State<'_>, i: usize) -> bool {
    if cfg_of(st, i) & CFG_L != 0 {
        return false;
    }
    if i + 1 < PMP_ENTRIES {
        let next = cfg_of(st, i + 1);
        if next & CFG_L != 0 && (next >> CFG_A_SHIFT) & 3 == A_TOR {
            return false;
        }
    }
    true
}

/// One decoded entry: the byte range `[lo, hi)` it matches (empty when
/// off) and its configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    lo: u64,
    hi: u64,
    cfg: u8,
}

/// Permissions for an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Perms {
    pub const ALL: Perms = Perms { read: true, write: true, execute: true };
    pub const NONE: Perms = Perms { read: false, write: false, execute: false };

    fn of_cfg(cfg: u8) -> Perms {
        Perms { read: cfg & CFG_R != 0, write: cfg & CFG_W != 0, execute: cfg & CFG_X != 0 }
    }
}

/// The decoded PMP entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pmp {
    entries: [Entry; PMP_ENTRIES],
}

/// Where a byte range lies relative to an entry.
enum Overlap {
    Outside,
    Inside,
    Partial,
}

impl Entry {
    fn overlap(&self, lo: u64, hi: u64) -> Overlap {
        if self.lo >= self.hi || hi <= self.lo || lo >= self.hi {
            Overlap::Outside
        } else if lo >= self.lo && hi <= self.hi {
            Overlap::Inside
        } else {
            Overlap::Partial
        }
    }
}

impl Pmp {
    /// Decodes the PMP registers of `st`.
    pub fn from_state(st: &State<'_>) -> Pmp {
        let mut pmp = Pmp::default();
        let mut prev_addr = 0u64;
        for i in 0..PMP_ENTRIES {
            let cfg = cfg_of(st, i);
            let addr = st.get_at(state::PMPADDR, i) & ADDR_MASK;
            let (lo, hi) = match (cfg >> CFG_A_SHIFT) & 3 {
                A_TOR => (prev_addr << 2, addr << 2),
                A_NA4 => (addr << 2, (addr << 2) + 4),
                A_NAPOT => {
                    // Trailing ones t: a region of 2^(t + 3) bytes.
                    let t = (!addr).trailing_zeros();
                    if t >= 54 {
                        (0, 1 << 56)
                    } else {
                        let size = 1u64 << (t + 3);
                        let base = (addr << 2) & !(size - 1) & ((1 << 56) - 1);
                        (base, base + size)
                    }
                }
                _ => (0, 0),
            };
            pmp.entries[i] = Entry { lo, hi, cfg };
            prev_addr = addr;
        }
        pmp
    }

    /// The permissions for accesses by privilege `p` to the bytes
    /// `[addr, addr + len)`, decided by the lowest-numbered entry that
    /// matches any of them (§3.7.1): none if that entry does not match all
    /// of them. `None` means the range straddles an entry boundary.
    fn range_perms(&self, addr: u64, len: u64, p: Priv) -> Option<Perms> {
        let hi = addr.saturating_add(len);
        for e in &self.entries {
            match e.overlap(addr, hi) {
                Overlap::Outside => continue,
                Overlap::Partial => return None,
                Overlap::Inside => {
                    // M-mode is only bound by locked entries.
                    return Some(if p == Priv::Machine && e.cfg & CFG_L == 0 {
                        Perms::ALL
                    } else {
                        Perms::of_cfg(e.cfg)
                    });
                }
            }
        }
        // No match: M-mode succeeds, S and U fail since entries exist.
        Some(if p == Priv::Machine { Perms::ALL } else { Perms::NONE })
    }

    /// The permissions for an access of `len` bytes at physical `addr` by
    /// privilege `p` (an access straddling an entry boundary fails).
    pub fn check(&self, addr: u64, len: u64, p: Priv) -> Perms {
        self.range_perms(addr, len, p).unwrap_or(Perms::NONE)
    }

    /// The permissions that hold for every byte of the 4 KiB page at
    /// `page`, if they are the same for all of them (so a TLB entry may
    /// cache them); `None` if entries split the page.
    pub fn page_perms(&self, page: u64, p: Priv) -> Option<Perms> {
        self.range_perms(page, crate::mmu::PAGE_SIZE, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn st_with(entries: &[(u8, u64)]) -> alloc::vec::Vec<u8> {
        let mut bytes = vec![0u8; state::SIZE as usize];
        let mut st = State::new(&mut bytes);
        for (i, &(cfg, addr)) in entries.iter().enumerate() {
            let reg = i / 8;
            let v = st.get_at(state::PMPCFG, reg) | u64::from(cfg) << (8 * (i % 8));
            st.set_at(state::PMPCFG, reg, v);
            st.set_at(state::PMPADDR, i, addr);
        }
        bytes
    }

    fn pmp(entries: &[(u8, u64)]) -> Pmp {
        let mut b = st_with(entries);
        Pmp::from_state(&State::new(&mut b))
    }

    const RWX: u8 = CFG_R | CFG_W | CFG_X;

    #[test]
    fn no_entries_m_allows_s_denies() {
        let p = pmp(&[]);
        assert_eq!(p.check(0x8000_0000, 8, Priv::Machine), Perms::ALL);
        assert_eq!(p.check(0x8000_0000, 8, Priv::Supervisor), Perms::NONE);
    }

    #[test]
    fn napot_all_memory() {
        // OpenSBI's and riscv-tests' catch-all: pmpaddr = all ones, NAPOT.
        let p = pmp(&[(RWX | A_NAPOT << 3, ADDR_MASK)]);
        assert_eq!(p.check(0xffff_ffff_fff0, 8, Priv::User), Perms::ALL);
        assert_eq!(p.page_perms(0x8000_0000, Priv::Supervisor), Some(Perms::ALL));
    }

    #[test]
    fn tor_and_priority() {
        // Entry 0: [0x8000_0000, 0x8002_0000) no permissions (TOR over
        // pmpaddr of entry -1 = 0 would start at 0, so use entries 0+1).
        let p = pmp(&[(A_OFF << 3, 0x8000_0000 >> 2), (A_TOR << 3, 0x8002_0000 >> 2), (RWX | A_NAPOT << 3, ADDR_MASK)]);
        assert_eq!(p.check(0x8001_0000, 4, Priv::Supervisor), Perms::NONE);
        assert_eq!(p.check(0x8002_0000, 4, Priv::Supervisor), Perms::ALL);
        assert_eq!(p.check(0x7fff_fff0, 4, Priv::Supervisor), Perms::ALL);
        // M-mode ignores unlocked entries.
        assert_eq!(p.check(0x8001_0000, 4, Priv::Machine), Perms::ALL);
        // An access straddling the boundary fails.
        assert_eq!(p.check(0x8001_fffc, 8, Priv::Supervisor), Perms::NONE);
        assert_eq!(p.page_perms(0x8001_f000, Priv::Supervisor), Some(Perms::NONE));
    }

    #[test]
    fn na4_splits_page() {
        let p = pmp(&[(CFG_R | A_NA4 << 3, 0x8000_0010 >> 2), (RWX | A_NAPOT << 3, ADDR_MASK)]);
        assert_eq!(p.check(0x8000_0010, 4, Priv::User), Perms { read: true, write: false, execute: false });
        assert_eq!(p.check(0x8000_0014, 4, Priv::User), Perms::ALL);
        assert_eq!(p.page_perms(0x8000_0000, Priv::User), None);
    }

    #[test]
    fn locked_entry_binds_m_mode() {
        let p = pmp(&[(CFG_L | CFG_R | A_NAPOT << 3, (0x8000_0000 >> 2) | 0x3ff)]);
        // 2^(10+3) = 8 KiB at 0x8000_0000.
        assert_eq!(p.check(0x8000_1ff8, 8, Priv::Machine), Perms { read: true, write: false, execute: false });
        assert_eq!(p.check(0x8000_2000, 8, Priv::Machine), Perms::ALL);
    }

    #[test]
    fn cfg_warl_and_locks() {
        // W without R is cleared; reserved bits 6:5 too.
        assert_eq!(write_cfg(0, 0x62), 0);
        // Locked bytes keep their value.
        let old = u64::from(CFG_L | CFG_R);
        assert_eq!(write_cfg(old, 0x0707), 0x0700 | old);
        let mut b = st_with(&[(0, 0), (CFG_L | A_TOR << 3, 0x100)]);
        let st = State::new(&mut b);
        assert!(!addr_writable(&st, 0));
        assert!(!addr_writable(&st, 1));
        assert!(addr_writable(&st, 2));
    }
}

//! The TLB: its arena layout read back by hand, the fast-path formula, the
//! tags `fill` gives per access kind and region, and every flush.

mod common;

use common::*;
use wemu_ir::MemSize;
use wemu_softmmu::tlb::{ADDEND, ADDR_CODE, ADDR_READ, ADDR_WRITE, ENTRIES, ENTRY_SIZE, TLB_INVALID, TLB_SLOW};
use wemu_softmmu::{Access, AddressSpace, PAGE_MASK, Tlb, Translation};

const RAM: u64 = 0x8000_0000;
const ROM: u64 = 0x1000;
const MMIO: u64 = 0x1000_0000;

/// An entry read straight from the arena at the documented offsets.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    read: u64,
    write: u64,
    code: u64,
    addend: u64,
}

fn entry(s: &AddressSpace, tlb: &Tlb, vaddr: u64, m: u8) -> Entry {
    let i = ((vaddr >> 12) as usize) & (ENTRIES - 1);
    let e = u64::from(tlb.arena_offset()) + ((usize::from(m) * ENTRIES + i) * ENTRY_SIZE) as u64;
    let f = |o: usize| {
        let mut b = [0u8; 8];
        s.arena().read_bytes(e + o as u64, &mut b).unwrap();
        u64::from_le_bytes(b)
    };
    Entry { read: f(ADDR_READ), write: f(ADDR_WRITE), code: f(ADDR_CODE), addend: f(ADDEND) }
}

/// The documented fast path, computed by hand from the arena bytes.
fn fast_path(s: &AddressSpace, tlb: &Tlb, vaddr: u64, size: u64, access: Access, m: u8) -> Option<u64> {
    let e = entry(s, tlb, vaddr, m);
    let tag = match access {
        Access::Read => e.read,
        Access::Write => e.write,
        Access::Execute => e.code,
    };
    (tag == vaddr.wrapping_add(size - 1) & PAGE_MASK).then(|| vaddr.wrapping_add(e.addend))
}

fn rwx(paddr_page: u64) -> Translation {
    Translation { paddr_page, read: true, write: true, execute: true, asid: 0, global: false }
}

/// RAM at `RAM` (16 pages), ROM at `ROM`, MMIO at `MMIO`, and a 4-mode TLB.
fn setup() -> (AddressSpace, Tlb, u64) {
    let mut s = space();
    let ram = u64::from(s.add_ram(RAM, 0x10000).unwrap());
    s.add_rom(ROM, &[0x5a; 0x1000]).unwrap();
    let (dev, _) = Recorder::new(16, 16);
    s.add_mmio(MMIO, 0x1000, dev).unwrap();
    let tlb = Tlb::new(s.arena_mut(), 4).unwrap();
    (s, tlb, ram)
}

fn invalid() -> Entry {
    Entry { read: TLB_INVALID, write: TLB_INVALID, code: TLB_INVALID, addend: u64::MAX }
}

#[test]
fn layout_of_a_new_tlb() {
    let (s, tlb, _) = setup();
    assert_eq!(tlb.modes(), 4);
    assert_eq!(tlb.arena_offset() % 32, 0);
    assert_eq!(tlb.arena_len(), (4 * ENTRIES * ENTRY_SIZE) as u64);
    for m in 0..4 {
        for i in 0..ENTRIES as u64 {
            assert_eq!(entry(&s, &tlb, i << 12, m), invalid());
        }
    }
    // Mode counts are clamped.
    let mut s = space();
    assert_eq!(Tlb::new(s.arena_mut(), 0).unwrap().modes(), 1);
    assert_eq!(Tlb::new(s.arena_mut(), 200).unwrap().modes(), 16);
}

#[test]
fn ram_fill_gives_the_documented_fast_path() {
    let (mut s, mut tlb, ram) = setup();
    let vaddr = 0x4000_3123;
    let vpage = vaddr & PAGE_MASK;
    tlb.fill(&s, vaddr, 2, &rwx(RAM + 0x5000));
    let e = entry(&s, &tlb, vaddr, 2);
    assert_eq!(e, Entry { read: vpage, write: vpage, code: vpage, addend: (ram + 0x5000).wrapping_sub(vpage) });
    // Other modes are untouched.
    assert_eq!(entry(&s, &tlb, vaddr, 1), invalid());
    // The formula and `lookup` agree, and reach the right guest byte.
    s.write(RAM + 0x5123, MemSize::B8, 0x1122_3344_5566_7788).unwrap();
    for access in [Access::Read, Access::Write, Access::Execute] {
        for size in [1, 2, 4, 8] {
            let hand = fast_path(&s, &tlb, vaddr, size, access, 2);
            assert_eq!(hand, Some(ram + 0x5123));
            assert_eq!(tlb.lookup(s.arena(), vaddr, size as u32, access, 2), hand);
        }
    }
    assert_eq!(s.arena().read(ram + 0x5123, MemSize::B8), Some(0x1122_3344_5566_7788));
    // The last bytes of the page hit; a crossing access misses.
    assert_eq!(tlb.lookup(s.arena(), vpage + 0xff8, 8, Access::Read, 2), Some(ram + 0x5ff8));
    assert_eq!(tlb.lookup(s.arena(), vpage + 0xff9, 8, Access::Read, 2), None);
    assert_eq!(fast_path(&s, &tlb, vpage + 0xff9, 8, Access::Read, 2), None);
    // Other pages with the same index, other modes, missing modes: miss.
    assert_eq!(tlb.lookup(s.arena(), vaddr + (ENTRIES as u64) * 0x1000, 1, Access::Read, 2), None);
    assert_eq!(tlb.lookup(s.arena(), vaddr, 1, Access::Read, 0), None);
    assert_eq!(tlb.lookup(s.arena(), vaddr, 1, Access::Read, 4), None);
    assert_eq!(tlb.lookup(s.arena(), vaddr, 1, Access::Read, 255), None);
    assert_eq!(tlb.paddr_of(vaddr, 2), Some(RAM + 0x5000));
    assert_eq!(tlb.paddr_of(vaddr, 1), None);
    assert_eq!(tlb.probe(vaddr, Access::Write, 2), Some(RAM + 0x5000));
}

#[test]
fn fill_per_kind_of_page() {
    let (mut s, mut tlb, ram) = setup();
    let v = 0x7000;
    let slow = v | TLB_SLOW;
    // ROM: reads and fetches fast, writes slow.
    tlb.fill(&s, v, 0, &rwx(ROM));
    let e = entry(&s, &tlb, v, 0);
    assert_eq!((e.read, e.write, e.code), (v, slow, v));
    // MMIO and unassigned: everything slow.
    for p in [MMIO, 0x2000_0000] {
        tlb.fill(&s, v, 0, &rwx(p));
        let e = entry(&s, &tlb, v, 0);
        assert_eq!((e.read, e.write, e.code), (slow, slow, slow));
        assert_eq!(tlb.lookup(s.arena(), v, 1, Access::Read, 0), None);
        // Still known to the slow path.
        assert_eq!(tlb.probe(v, Access::Read, 0), Some(p));
    }
    // A watched code page: writes slow.
    s.watch_code(RAM + 0x2000);
    tlb.fill(&s, v, 0, &rwx(RAM + 0x2000));
    let e = entry(&s, &tlb, v, 0);
    assert_eq!((e.read, e.write, e.code), (v, slow, v));
    assert_eq!(e.addend, (ram + 0x2000).wrapping_sub(v));
    // No permission: invalid for that kind, and not even the slow path
    // may use it.
    for (r, w, x) in [(true, false, false), (false, true, false), (false, false, true), (false, false, false)] {
        let tr = Translation { read: r, write: w, execute: x, ..rwx(RAM) };
        tlb.fill(&s, v, 0, &tr);
        let e = entry(&s, &tlb, v, 0);
        let tag = |ok| if ok { v } else { TLB_INVALID };
        assert_eq!((e.read, e.write, e.code), (tag(r), tag(w), tag(x)));
        assert_eq!(tlb.probe(v, Access::Read, 0).is_some(), r);
        assert_eq!(tlb.probe(v, Access::Write, 0).is_some(), w);
        assert_eq!(tlb.probe(v, Access::Execute, 0).is_some(), x);
        assert_eq!(tlb.paddr_of(v, 0), Some(RAM));
    }
    // The physical page's offset bits are ignored.
    tlb.fill(&s, v + 0x10, 0, &rwx(RAM + 0x3abc));
    assert_eq!(tlb.lookup(s.arena(), v + 8, 4, Access::Read, 0), Some(ram + 0x3008));
    // Refresh: after the watch is gone, writes become fast again.
    tlb.fill(&s, v, 0, &rwx(RAM + 0x2000));
    s.write(RAM + 0x2000, MemSize::B1, 0).unwrap();
    assert!(!s.is_code(RAM + 0x2000));
    assert_eq!(entry(&s, &tlb, v, 0).write, slow);
    tlb.refresh(&s, v, 0);
    assert_eq!(entry(&s, &tlb, v, 0).write, v);
    // Filling a missing mode does nothing.
    tlb.fill(&s, v, 9, &rwx(RAM));
    assert_eq!(tlb.paddr_of(v, 9), None);
}

#[test]
fn addresses_at_the_top_never_panic() {
    let (s, mut tlb, ram) = setup();
    let top = PAGE_MASK;
    tlb.fill(&s, top, 1, &rwx(RAM));
    assert_eq!(tlb.lookup(s.arena(), u64::MAX - 7, 8, Access::Read, 1), Some(ram + 0xff8));
    // Wrapping past the top: the last byte is on page 0, which this entry
    // never holds.
    assert_eq!(tlb.lookup(s.arena(), u64::MAX - 6, 8, Access::Read, 1), None);
    assert_eq!(tlb.lookup(s.arena(), u64::MAX, 8, Access::Write, 1), None);
    assert_eq!(tlb.lookup(s.arena(), u64::MAX, 0, Access::Write, 1), Some(ram + 0xfff));
}

/// Fills `vaddr` in `m` (identity into RAM page `page`), with an asid and
/// global bit.
fn fill(s: &AddressSpace, tlb: &mut Tlb, vaddr: u64, m: u8, page: u64, asid: u16, global: bool) {
    tlb.fill(s, vaddr, m, &Translation { asid, global, ..rwx(RAM + page * 0x1000) });
}

fn valid(s: &AddressSpace, tlb: &Tlb, vaddr: u64, m: u8) -> bool {
    let ok = tlb.paddr_of(vaddr, m).is_some();
    // The arena half agrees with the metadata half.
    assert_eq!(ok, entry(s, tlb, vaddr, m) != invalid());
    ok
}

#[test]
fn flushes() {
    let (s, mut tlb, _) = setup();
    let a = s.arena();
    let pages = [0x1000u64, 0x2000, 0x3000];
    let refill = |tlb: &mut Tlb| {
        tlb.flush_all(a);
        for m in 0..4 {
            for (i, &p) in pages.iter().enumerate() {
                fill(&s, tlb, p, m, i as u64, 1 + (i as u16 % 2), i == 2);
            }
        }
    };

    refill(&mut tlb);
    tlb.flush_all(a);
    for m in 0..4 {
        for p in pages {
            assert!(!valid(&s, &tlb, p, m));
        }
    }

    // One page, in the modes of a mask.
    refill(&mut tlb);
    tlb.flush_page(a, 0x2abc, 0b0101);
    for m in 0..4 {
        assert!(valid(&s, &tlb, 0x1000, m));
        assert_eq!(valid(&s, &tlb, 0x2000, m), m == 1 || m == 3);
        assert!(valid(&s, &tlb, 0x3000, m));
    }
    // A page sharing the index but not mapped leaves the entry alone.
    tlb.flush_page(a, 0x1000 + (ENTRIES as u64) * 0x1000, 0xffff_ffff);
    assert!(valid(&s, &tlb, 0x1000, 0));

    // Whole modes.
    refill(&mut tlb);
    tlb.flush_mmu(a, 0b1010);
    for m in 0..4 {
        for p in pages {
            assert_eq!(valid(&s, &tlb, p, m), m == 0 || m == 2);
        }
    }
    tlb.flush_mmu(a, 0xffff_0000);
    assert!(valid(&s, &tlb, 0x1000, 0));

    // An ASID: pages 0x1000 (asid 1) and 0x3000 (asid 1, global) and 0x2000
    // (asid 2).
    refill(&mut tlb);
    tlb.flush_asid(a, 1);
    for m in 0..4 {
        assert!(!valid(&s, &tlb, 0x1000, m));
        assert!(valid(&s, &tlb, 0x2000, m));
        assert!(valid(&s, &tlb, 0x3000, m));
    }

    // A physical page, in whatever virtual pages map it.
    refill(&mut tlb);
    fill(&s, &mut tlb, 0x9000, 0, 1, 5, true);
    tlb.flush_phys_page(a, RAM + 0x1fff);
    for m in 0..4 {
        assert!(valid(&s, &tlb, 0x1000, m));
        assert!(!valid(&s, &tlb, 0x2000, m));
        assert!(valid(&s, &tlb, 0x3000, m));
    }
    assert!(!valid(&s, &tlb, 0x9000, 0));
}

//! A vCPU's memory: the fast and slow paths, with an identity walker and a
//! toy page table; faults (page, access, code write) and precise stores;
//! MMIO and ROM; page-crossing accesses; atomics.

mod common;

use common::*;
use wemu_ir::runtime::GuestMemory;
use wemu_ir::{MemOp, MemSize, RmwOp, semantics};
use wemu_softmmu::tlb::{ADDR_WRITE, ENTRIES, ENTRY_SIZE};
use wemu_softmmu::{Access, AddressSpace, CODE_WRITE_FAULT, CpuMemory, Tlb};

const RAM: u64 = 0x8000_0000;
const ROM: u64 = 0x1000;
const MMIO: u64 = 0x1000_0000;
/// The toy page table's root (in RAM).
const ROOT: u64 = RAM + 0xf000;

fn op(size: MemSize) -> MemOp {
    MemOp::le(size, false)
}

struct Machine {
    space: AddressSpace,
    tlb: Tlb,
    probe: Probe,
    ram: u64,
}

/// RAM at `RAM` (64 KiB), ROM at `ROM`, a recorder at `MMIO` (0x100 bytes,
/// failing from 0x80) and a 2-mode TLB.
fn machine() -> Machine {
    let mut space = space();
    let ram = u64::from(space.add_ram(RAM, 0x10000).unwrap());
    space.add_rom(ROM, &[0xa5; 0x1000]).unwrap();
    let (dev, probe) = Recorder::new(0x100, 0x80);
    space.add_mmio(MMIO, 0x100, dev).unwrap();
    let tlb = Tlb::new(space.arena_mut(), 2).unwrap();
    Machine { space, tlb, probe, ram }
}

impl Machine {
    fn mem<'a, W: wemu_softmmu::PageWalker>(&'a mut self, w: &'a mut W) -> CpuMemory<'a, W> {
        CpuMemory::new(&mut self.space, &mut self.tlb, w)
    }

    /// The write tag of the entry for `vaddr` in mode `m`, from the arena.
    fn write_tag(&self, vaddr: u64, m: u8) -> u64 {
        let i = ((vaddr >> 12) as usize) & (ENTRIES - 1);
        let e = u64::from(self.tlb.arena_offset()) + ((usize::from(m) * ENTRIES + i) * ENTRY_SIZE + ADDR_WRITE) as u64;
        self.space.arena().read(e, MemSize::B8).unwrap()
    }
}

#[test]
fn ram_through_the_identity_walker() {
    let mut m = machine();
    let mut w = Identity::default();
    let mut mem = m.mem(&mut w);
    for &size in MemSize::ALL {
        let a = RAM + 0x100 + u64::from(size.bytes()) * 16;
        mem.store(a, 0x8877_6655_4433_2211, op(size)).unwrap();
        assert_eq!(mem.load(a, op(size)), Ok(0x8877_6655_4433_2211 & size.mask()));
    }
    // One walk for the page (it allows every access), then the fast path.
    assert_eq!(w.walks, vec![(RAM + 0x110, Access::Write, 0)]);
    let mut mem = m.mem(&mut w);
    for i in 0..100 {
        mem.store(RAM + 8 * i, i, op(MemSize::B8)).unwrap();
        assert_eq!(mem.load(RAM + 8 * i, op(MemSize::B8)), Ok(i));
    }
    assert_eq!(mem.fetch(RAM + 8, MemSize::B4, 0), Ok(1));
    assert_eq!(mem.translate_fetch(RAM + 0x123, 0), Ok(RAM + 0x123));
    assert_eq!(w.walks.len(), 1);
    // Another MMU index walks again; one outside the TLB walks every time.
    let mut mem = m.mem(&mut w);
    mem.load(RAM, op(MemSize::B8).with_mmu(1)).unwrap();
    mem.load(RAM, op(MemSize::B8).with_mmu(7)).unwrap();
    mem.load(RAM, op(MemSize::B8).with_mmu(7)).unwrap();
    assert_eq!(w.walks.len(), 4);
    assert_eq!(m.space.read(RAM + 8 * 99, MemSize::B8), Ok(99));
    assert_eq!(m.space.arena().read(m.ram + 8 * 99, MemSize::B8), Some(99));
}

#[test]
fn unassigned_rom_and_bad_addresses_fault() {
    let mut m = machine();
    let mut w = Identity::default();
    let mut mem = m.mem(&mut w);
    assert_eq!(mem.load(0x5000, op(MemSize::B4)), Err(access_fault_code(Access::Read)));
    assert_eq!(mem.store(0x5000, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert_eq!(mem.fetch(0x5000, MemSize::B2, 0), Err(access_fault_code(Access::Execute)));
    assert_eq!(mem.atomic_rmw(0x5000, RmwOp::Add, 1, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    // ROM: readable and executable, not writable.
    assert_eq!(mem.load(ROM + 4, op(MemSize::B4)), Ok(0xa5a5_a5a5));
    assert_eq!(mem.fetch(ROM + 4, MemSize::B2, 0), Ok(0xa5a5));
    assert_eq!(mem.store(ROM + 4, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert_eq!(mem.atomic_cmpxchg(ROM + 4, 0xa5a5_a5a5, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert_eq!(mem.load(ROM + 4, op(MemSize::B4)), Ok(0xa5a5_a5a5));
    // Everywhere near the top of the space.
    for a in [u64::MAX, u64::MAX - 3, u64::MAX - 4095] {
        for &size in MemSize::ALL {
            assert!(mem.load(a, op(size)).is_err());
            assert!(mem.store(a, 0, op(size)).is_err());
            assert!(mem.atomic_rmw(a, RmwOp::Swap, 0, op(size)).is_err());
        }
    }
    assert!(w.access_faults.contains(&(0x5000, Access::Read)));
}

#[test]
fn page_crossing_accesses() {
    let mut m = machine();
    let mut w = Identity::default();
    let mut mem = m.mem(&mut w);
    for &size in MemSize::ALL {
        for a in (RAM + 0x1ff9)..(RAM + 0x2001) {
            mem.store(a, 0x0807_0605_0403_0201, op(size)).unwrap();
            assert_eq!(mem.load(a, op(size)), Ok(0x0807_0605_0403_0201 & size.mask()), "{a:#x} {size:?}");
            assert_eq!(mem.fetch(a, size, 0), Ok(0x0807_0605_0403_0201 & size.mask()));
        }
    }
    let mut mem = m.mem(&mut w);
    mem.store(RAM + 0x1ffe, 0x0403_0201, op(MemSize::B4)).unwrap();
    assert_eq!(m.space.read(RAM + 0x1ffe, MemSize::B4), Ok(0x0403_0201));
    assert_eq!(m.space.read(RAM + 0x2000, MemSize::B2), Ok(0x0403));
    // Crossing out of RAM: the store writes nothing.
    let mut mem = m.mem(&mut w);
    mem.store(RAM + 0xfff8, u64::MAX, op(MemSize::B8)).unwrap();
    assert_eq!(mem.store(RAM + 0xfffc, 0, op(MemSize::B8)), Err(access_fault_code(Access::Write)));
    assert_eq!(mem.load(RAM + 0xfffc, op(MemSize::B8)), Err(access_fault_code(Access::Read)));
    assert_eq!(mem.load(RAM + 0xfff8, op(MemSize::B8)), Ok(u64::MAX));
    // The fault names the page that failed.
    assert_eq!(w.access_faults.last(), Some(&(RAM + 0x10000, Access::Read)));
}

/// The walker gets the length of each access (of each part, for one that
/// crosses a page), and an access that the walker would refuse never takes
/// the fast path, however often its page was walked before.
#[test]
fn walker_sees_access_lengths_and_sub_page_protection() {
    let mut m = machine();
    // Guarded bytes [RAM + 0x1010, RAM + 0x1014): page 1 is split.
    let mut w = Guarded { lo: RAM + 0x1010, hi: RAM + 0x1014, walks: vec![] };
    let mut mem = m.mem(&mut w);
    for _ in 0..3 {
        // Inside the guarded word, and beside it: allowed.
        assert_eq!(mem.load(RAM + 0x1010, op(MemSize::B4)), Ok(0));
        assert_eq!(mem.load(RAM + 0x1008, op(MemSize::B8)), Ok(0));
        mem.store(RAM + 0x1014, 7, op(MemSize::B4)).unwrap();
        // Straddling either edge: refused, every time.
        assert_eq!(mem.load(RAM + 0x1010, op(MemSize::B8)), Err(access_fault_code(Access::Read)));
        assert_eq!(mem.load(RAM + 0x100c, op(MemSize::B8)), Err(access_fault_code(Access::Read)));
        assert_eq!(mem.store(RAM + 0x1012, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
        assert_eq!(mem.fetch(RAM + 0x100e, MemSize::B4, 0), Err(access_fault_code(Access::Execute)));
    }
    // Every access to the split page walked, with its own length.
    let expected = [
        (RAM + 0x1010, 4, Access::Read),
        (RAM + 0x1008, 8, Access::Read),
        (RAM + 0x1014, 4, Access::Write),
        (RAM + 0x1010, 8, Access::Read),
        (RAM + 0x100c, 8, Access::Read),
        (RAM + 0x1012, 4, Access::Write),
        (RAM + 0x100e, 4, Access::Execute),
    ];
    assert_eq!(w.walks, [expected, expected, expected].concat());
    assert_eq!(m.space.read(RAM + 0x1010, MemSize::B8), Ok(7 << 32));
    // A page the guard does not split is walked once, then fast; an access
    // crossing into it walks each part with that part's length.
    w.walks.clear();
    let mut mem = m.mem(&mut w);
    for _ in 0..3 {
        assert_eq!(mem.load(RAM + 0x2ffe, op(MemSize::B8)), Ok(0));
        assert_eq!(mem.load(RAM + 0x3000, op(MemSize::B8)), Ok(0));
    }
    assert_eq!(w.walks, [(RAM + 0x2ffe, 2, Access::Read), (RAM + 0x3000, 6, Access::Read)]);
    // Crossing into the split page from below: the part in it is checked
    // on its own (the guard is not touched by it).
    w.walks.clear();
    let mut mem = m.mem(&mut w);
    assert_eq!(mem.load(RAM + 0xffc, op(MemSize::B8)), Ok(0));
    assert_eq!(w.walks, [(RAM + 0xffc, 4, Access::Read), (RAM + 0x1000, 4, Access::Read)]);
}

/// RAM pages mapped by the toy page table: virtual 0x1000-0x4000 to RAM
/// pages 1-4 (0x4000 read-only), 0x8000 to the MMIO page, 0x9000 to ROM,
/// 0xa000 executable only; nothing else.
fn paged() -> (Machine, PageTable) {
    let mut m = machine();
    let pt = PageTable::new(ROOT);
    pt.map(&mut m.space, 0x1000, RAM + 0x1000, V | R | W | X);
    pt.map(&mut m.space, 0x2000, RAM + 0x2000, V | R | W);
    pt.map(&mut m.space, 0x3000, RAM + 0x3000, V | R | W);
    pt.map(&mut m.space, 0x4000, RAM + 0x4000, V | R);
    pt.map(&mut m.space, 0x8000, MMIO, V | R | W);
    pt.map(&mut m.space, 0x9000, ROM, V | R | W | X);
    pt.map(&mut m.space, 0xa000, RAM + 0x5000, V | X);
    (m, pt)
}

#[test]
fn page_faults_come_from_the_walker() {
    let (mut m, mut pt) = paged();
    let mut mem = m.mem(&mut pt);
    mem.store(0x2010, 0x1234, op(MemSize::B8)).unwrap();
    assert_eq!(mem.load(0x2010, op(MemSize::B8)), Ok(0x1234));
    assert_eq!(m.space.read(RAM + 0x2010, MemSize::B8), Ok(0x1234));
    let mut mem = m.mem(&mut pt);
    // Not mapped, past the table, not permitted.
    assert_eq!(mem.load(0x5000, op(MemSize::B8)), Err(13));
    assert_eq!(mem.load(0x1234_5678, op(MemSize::B1)), Err(13));
    assert_eq!(mem.store(0x7000, 0, op(MemSize::B1)), Err(15));
    assert_eq!(mem.store(0x4000, 1, op(MemSize::B1)), Err(15));
    assert_eq!(mem.atomic_rmw(0x4000, RmwOp::Add, 1, op(MemSize::B4)), Err(15));
    assert_eq!(mem.fetch(0x2000, MemSize::B4, 0), Err(12));
    assert_eq!(mem.load(0xa000, op(MemSize::B4)), Err(13));
    assert_eq!(mem.fetch(0xa000, MemSize::B4, 0), Ok(0));
    assert_eq!(mem.translate_fetch(0xa010, 0), Ok(RAM + 0x5010));
    assert_eq!(mem.translate_fetch(0x2000, 0), Err(12));
    assert_eq!(m.space.read(RAM + 0x4000, MemSize::B1), Ok(0));
    // A read of a read-only page after the faulting write is fine.
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.load(0x4000, op(MemSize::B1)), Ok(0));
    // The page table maps a physical hole: an access fault.
    pt.map(&mut m.space, 0x6000, 0x4000_0000, V | R | W);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.load(0x6000, op(MemSize::B4)), Err(access_fault_code(Access::Read)));
}

#[test]
fn faulting_page_crossing_stores_change_nothing() {
    let (mut m, mut pt) = paged();
    let mut mem = m.mem(&mut pt);
    mem.store(0x3ff8, 0x1111_1111_1111_1111, op(MemSize::B8)).unwrap();
    // Second page read-only, unmapped, or MMIO-free ROM: no byte written.
    assert_eq!(mem.store(0x3ffc, u64::MAX, op(MemSize::B8)), Err(15));
    assert_eq!(mem.load(0x3ff8, op(MemSize::B8)), Ok(0x1111_1111_1111_1111));
    assert_eq!(mem.load(0x3ffc, op(MemSize::B8)), Ok(0x1111_1111));
    assert_eq!(mem.store(0x4ffe, u64::MAX, op(MemSize::B4)), Err(15));
    // First page faults: the second is not even translated.
    let walks = pt.walks;
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.store(0x0ffe, u64::MAX, op(MemSize::B4)), Err(15));
    assert_eq!(pt.walks, walks + 1);
    // Crossing into ROM (mapped writable, physically not): access fault.
    pt.map(&mut m.space, 0x8000, RAM + 0x8000, V | R | W);
    let mut mem = m.mem(&mut pt);
    mem.store(0x8ffc, 0x2222_2222, op(MemSize::B4)).unwrap();
    assert_eq!(mem.store(0x8ffe, u64::MAX, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert_eq!(mem.load(0x8ffc, op(MemSize::B4)), Ok(0x2222_2222));
    // And the atomic versions.
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.atomic_rmw(0x3ffc, RmwOp::Swap, u64::MAX, op(MemSize::B8)), Err(15));
    assert_eq!(mem.load(0x3ff8, op(MemSize::B8)), Ok(0x1111_1111_1111_1111));
    // Crossing between two good pages works, in mode 1 too.
    assert_eq!(mem.store(0x2ffe, 0x4433_2211, op(MemSize::B4).with_mmu(1)), Ok(()));
    assert_eq!(mem.load(0x2ffe, op(MemSize::B4)), Ok(0x4433_2211));
    assert_eq!(m.space.read(RAM + 0x3000, MemSize::B2), Ok(0x4433));
}

#[test]
fn mmio_through_the_slow_path() {
    let (mut m, mut pt) = paged();
    let mut mem = m.mem(&mut pt);
    mem.store(0x8010, 0xdead_beef, op(MemSize::B4)).unwrap();
    assert_eq!(mem.load(0x8010, op(MemSize::B2)), Ok(0xbeef));
    assert_eq!(mem.load(0x8012, op(MemSize::B2)), Ok(0xdead));
    // The device refuses offsets from 0x80; nothing is mapped past 0x100.
    assert_eq!(mem.load(0x8080, op(MemSize::B4)), Err(access_fault_code(Access::Read)));
    assert_eq!(mem.store(0x8200, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    // Straddling the device's end into nothing: the device sees nothing.
    m.probe.clear();
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.load(0x80fe, op(MemSize::B4)), Err(access_fault_code(Access::Read)));
    assert_eq!(mem.store(0x80fe, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert_eq!(m.probe.events(), vec![]);
    // Every access reaches the device (the TLB never caches MMIO).
    let mut mem = m.mem(&mut pt);
    for i in 0..3 {
        mem.store(0x8000, i, op(MemSize::B1)).unwrap();
    }
    assert_eq!(m.probe.events().len(), 3);
    assert_eq!(m.probe.events()[2], Event::Write { offset: 0, size: MemSize::B1, value: 2 });
    // Atomics on MMIO: read, modify, write through the device.
    m.probe.clear();
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.atomic_rmw(0x8010, RmwOp::Add, 1, op(MemSize::B4)), Ok(0xdead_beef));
    assert_eq!(mem.atomic_cmpxchg(0x8010, 0, 5, op(MemSize::B4)), Ok(0xdead_bef0));
    assert_eq!(mem.atomic_cmpxchg(0x8010, 0xdead_bef0, 5, op(MemSize::B4)), Ok(0xdead_bef0));
    assert_eq!(m.probe.reg(0x10, 4), 5);
    assert_eq!(
        m.probe.events(),
        vec![
            Event::Read { offset: 0x10, size: MemSize::B4 },
            Event::Write { offset: 0x10, size: MemSize::B4, value: 0xdead_bef0 },
            Event::Read { offset: 0x10, size: MemSize::B4 },
            Event::Read { offset: 0x10, size: MemSize::B4 },
            Event::Write { offset: 0x10, size: MemSize::B4, value: 5 },
        ]
    );
}

#[test]
fn stores_to_watched_code_fault_without_writing() {
    let (mut m, mut pt) = paged();
    let mut mem = m.mem(&mut pt);
    mem.store(0x1100, 0x1111, op(MemSize::B8)).unwrap();
    assert_eq!(m.write_tag(0x1000, 0), 0x1000);
    // The page starts to hold code: the vCPU loop watches it and flushes
    // the TLB entries that map it.
    m.space.watch_code(RAM + 0x1000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x1000);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.load(0x1100, op(MemSize::B8)), Ok(0x1111));
    assert_eq!(mem.fetch(0x1100, MemSize::B2, 0), Ok(0x1111));
    assert_eq!(mem.store(0x1100, 0x2222, op(MemSize::B8)), Err(CODE_WRITE_FAULT));
    assert_eq!(mem.load(0x1100, op(MemSize::B8)), Ok(0x1111));
    // The page is queued and no longer watched.
    assert!(m.space.has_code_writes());
    assert!(!m.space.is_code(RAM + 0x1000));
    assert_eq!(m.space.take_code_writes(), vec![RAM + 0x1000]);
    assert_eq!(m.write_tag(0x1000, 0), 0x1000 | wemu_softmmu::tlb::TLB_SLOW);
    // Re-executed, the store goes through, and the page is fast again.
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.store(0x1100, 0x2222, op(MemSize::B8)), Ok(()));
    assert_eq!(mem.load(0x1100, op(MemSize::B8)), Ok(0x2222));
    assert_eq!(m.write_tag(0x1000, 0), 0x1000);
    assert!(!m.space.has_code_writes());

    // Atomics and crossing stores too; a crossing store writes neither page.
    m.space.watch_code(RAM + 0x2000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x2000);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.atomic_rmw(0x2000, RmwOp::Add, 1, op(MemSize::B4)), Err(CODE_WRITE_FAULT));
    assert_eq!(mem.atomic_rmw(0x2000, RmwOp::Add, 1, op(MemSize::B4)), Ok(0));
    assert_eq!(m.space.take_code_writes(), vec![RAM + 0x2000]);
    m.space.watch_code(RAM + 0x2000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x2000);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.atomic_cmpxchg(0x2000, 7, 8, op(MemSize::B4)), Err(CODE_WRITE_FAULT));
    assert_eq!(m.space.take_code_writes(), vec![RAM + 0x2000]);
    m.space.watch_code(RAM + 0x3000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x3000);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.store(0x2ffc, u64::MAX, op(MemSize::B8)), Err(CODE_WRITE_FAULT));
    assert_eq!(mem.load(0x2ffc, op(MemSize::B8)), Ok(0));
    assert_eq!(m.space.take_code_writes(), vec![RAM + 0x3000]);
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.store(0x2ffc, u64::MAX, op(MemSize::B8)), Ok(()));
    assert_eq!(mem.load(0x2ffc, op(MemSize::B8)), Ok(u64::MAX));
    // An access fault wins over a code write, and keeps the watch.
    m.space.watch_code(RAM + 0x1000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x1000);
    pt.map(&mut m.space, 0x2000, ROM, V | R | W);
    m.tlb.flush_all(m.space.arena());
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.store(0x1ffe, 0, op(MemSize::B4)), Err(access_fault_code(Access::Write)));
    assert!(m.space.is_code(RAM + 0x1000) && !m.space.has_code_writes());
}

/// Values at each size that exercise signed and unsigned order.
fn interesting(size: MemSize) -> Vec<u64> {
    let m = size.mask();
    let sign = 1u64 << (size.bytes() * 8 - 1);
    vec![0, 1, 2, m, m - 1, sign, sign - 1, sign + 1, 0x5a5a_5a5a_5a5a_5a5a & m]
}

#[test]
fn atomics_follow_the_semantics() {
    let (mut m, mut pt) = paged();
    let mut mem = m.mem(&mut pt);
    for &size in MemSize::ALL {
        let o = op(size).aligned();
        for &rmw in RmwOp::ALL {
            for old in interesting(size) {
                for val in interesting(size) {
                    // Aligned (host atomics) and crossing a page (read,
                    // modify, write).
                    for a in [0x1040, 0x2000 - u64::from(size.bytes()) / 2] {
                        mem.store(a, old, op(size)).unwrap();
                        assert_eq!(mem.atomic_rmw(a, rmw, val, o), Ok(old), "{rmw:?} {size:?}");
                        assert_eq!(mem.load(a, op(size)), Ok(semantics::rmw(rmw, size, old, val)));
                    }
                }
            }
        }
        for a in [0x1040, 0x2000 - u64::from(size.bytes()) / 2] {
            mem.store(a, 3, op(size)).unwrap();
            assert_eq!(mem.atomic_cmpxchg(a, 4, 9, o), Ok(3));
            assert_eq!(mem.load(a, op(size)), Ok(3));
            assert_eq!(mem.atomic_cmpxchg(a, 3, u64::MAX, o), Ok(3));
            assert_eq!(mem.load(a, op(size)), Ok(size.mask()));
            // `expected` compares at the access size.
            assert_eq!(mem.atomic_cmpxchg(a, u64::MAX, 1, o), Ok(size.mask()));
            assert_eq!(mem.load(a, op(size)), Ok(1));
        }
    }
    // Atomics walk as writes: a read-only page faults.
    let mut mem = m.mem(&mut pt);
    assert_eq!(mem.atomic_cmpxchg(0x4000, 0, 1, op(MemSize::B8)), Err(15));
}

#[test]
fn atomics_on_ram_are_atomic_across_threads() {
    // Two vCPUs, each with its own TLB and walker, sharing guest RAM through
    // one arena (the address space is per vCPU here; they map the same
    // arena memory through `from_raw`).
    let mut backing = vec![0u8; 1 << 20];
    let base = backing.as_mut_ptr();
    let len = backing.len() as u64;
    const ITERS: u64 = 10_000;
    std::thread::scope(|s| {
        for i in 0..2u64 {
            // Send the pointer as an integer.
            let base = base as usize;
            s.spawn(move || {
                // SAFETY: `backing` outlives the scope; both arenas only do
                // raw-pointer accesses.
                let arena = unsafe { wemu_softmmu::Arena::from_raw_zeroed(base as *mut u8, len, 0) };
                let mut space = AddressSpace::new(arena);
                space.add_ram(RAM, 0x10000).unwrap();
                // Each vCPU's TLB in its own part of the shared memory.
                space.arena_mut().alloc(0x10000 * (i + 1), 1).unwrap();
                let mut tlb = Tlb::new(space.arena_mut(), 1).unwrap();
                let mut w = Identity::default();
                let mut mem = CpuMemory::new(&mut space, &mut tlb, &mut w);
                for _ in 0..ITERS {
                    mem.atomic_rmw(RAM + 8, RmwOp::Add, 1, op(MemSize::B8).aligned()).unwrap();
                }
            });
        }
    });
    assert_eq!(u64::from_le_bytes(backing[8..16].try_into().unwrap()), 2 * ITERS);
}

#[test]
fn tracing_logs_mmio_accesses_and_tlb_fills_only_when_on() {
    use wemu_softmmu::{MemTrace, TRACE_LOG_CAP};
    use wemu_trace::{AccessKind, Categories, MmioAccess, TlbFill};

    fn exercise(m: &mut Machine) {
        let mut w = Identity::default();
        let mut mem = m.mem(&mut w);
        mem.store(MMIO + 4, 0x1234, op(MemSize::B2)).unwrap();
        assert_eq!(mem.load(MMIO + 4, op(MemSize::B2)), Ok(0x1234));
        assert!(mem.load(MMIO + 0x80, op(MemSize::B4)).is_err());
        mem.store(RAM + 8, 1, op(MemSize::B8)).unwrap();
        mem.load(RAM + 16, op(MemSize::B8)).unwrap();
    }

    // Off: nothing is logged.
    let mut m = machine();
    exercise(&mut m);
    assert_eq!(m.space.drain_trace().count(), 0);

    // Only `tlb` (other categories are ignored).
    let mut m = machine();
    m.space.set_trace(Categories::TLB | Categories::EXEC);
    assert_eq!(m.space.trace(), Categories::TLB);
    exercise(&mut m);
    let log: Vec<MemTrace> = m.space.drain_trace().collect();
    let fill = |vaddr, access| {
        MemTrace::TlbFill(TlbFill { vaddr, paddr: vaddr, mmu_idx: 0, access, read: true, write: true, execute: true })
    };
    assert_eq!(log, [fill(MMIO + 4, AccessKind::Write), fill(RAM + 8, AccessKind::Write)]);

    // Both: MMIO accesses in order, bus errors included, between the fills.
    let mut m = machine();
    m.space.set_trace(Categories::ALL);
    exercise(&mut m);
    let log: Vec<MemTrace> = m.space.drain_trace().collect();
    let mmio = |offset, size, write, value, bus_error| {
        MemTrace::Mmio(MmioAccess { paddr: MMIO + offset, size, write, value, device: 0, offset, bus_error })
    };
    assert_eq!(
        log,
        [
            fill(MMIO + 4, AccessKind::Write),
            mmio(4, 2, true, 0x1234, false),
            mmio(4, 2, false, 0x1234, false),
            mmio(0x80, 4, false, 0, true),
            fill(RAM + 8, AccessKind::Write),
        ]
    );
    // A device's own access through the map is traced too.
    m.space.write(MMIO, MemSize::B1, 0x1ff).unwrap();
    assert_eq!(m.space.drain_trace().collect::<Vec<_>>(), [mmio(0, 1, true, 0xff, false)]);

    // The log is bounded; what does not fit is counted.
    for _ in 0..TRACE_LOG_CAP + 10 {
        m.space.read(MMIO, MemSize::B1).unwrap();
    }
    assert_eq!(m.space.drain_trace().count(), TRACE_LOG_CAP);
    assert_eq!(m.space.take_trace_lost(), 10);
    assert_eq!(m.space.take_trace_lost(), 0);
}

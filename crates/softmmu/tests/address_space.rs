//! The physical address space: mapping rules, resolution, RAM/ROM/MMIO
//! accesses (also straddling regions), bus errors, DMA, and code watching.

mod common;

use common::*;
use wemu_ir::MemSize;
use wemu_softmmu::{AddressSpace, Arena, ArenaError, BusError, MapError, MmioId, PAGE_SIZE, Resolved};

const RAM: u64 = 0x8000_0000;

#[test]
fn mapping_rules() {
    let mut s = space();
    let off = s.add_ram(RAM, 0x10000).unwrap();
    assert_eq!(u64::from(off) % PAGE_SIZE, 0);
    // Overlaps, from every side.
    for (base, size) in [(RAM, 0x1000), (RAM - 0x1000, 0x2000), (RAM + 0xf000, 0x2000), (RAM - 0x1000, 0x20000)] {
        assert_eq!(s.add_ram(base, size), Err(MapError::Overlap { base, size }));
    }
    let (dev, _) = Recorder::new(16, 16);
    assert_eq!(s.add_mmio(RAM + 0x10, 4, dev), Err(MapError::Overlap { base: RAM + 0x10, size: 4 }));
    // Bad ranges.
    for (base, size) in [(0x1000, 0), (0x1001, 0x1000), (0x1000, 0x1001), (!0xfff, 0x2000)] {
        assert_eq!(s.add_ram(base, size), Err(MapError::BadRange { base, size }));
    }
    assert_eq!(s.add_rom(0x1000, &[]), Err(MapError::BadRange { base: 0x1000, size: 0 }));
    assert_eq!(s.add_rom(0x1001, &[1]), Err(MapError::BadRange { base: 0x1001, size: 0x1000 }));
    let (dev, _) = Recorder::new(16, 16);
    assert_eq!(s.add_mmio(u64::MAX, 2, dev), Err(MapError::BadRange { base: u64::MAX, size: 2 }));
    // MMIO may be small and unaligned, and end at the top of the space.
    let (dev, _) = Recorder::new(16, 16);
    assert_eq!(s.add_mmio(0x1003, 5, dev), Ok(MmioId(0)));
    let (dev, _) = Recorder::new(16, 16);
    assert_eq!(s.add_mmio(u64::MAX - 15, 16, dev), Ok(MmioId(1)));
    // Adjacent regions are fine.
    assert!(s.add_ram(RAM + 0x10000, 0x1000).is_ok());
    assert!(s.add_ram(RAM - 0x1000, 0x1000).is_ok());
    // The arena runs out.
    let before = s.arena().allocated();
    assert!(matches!(s.add_ram(0x1_0000_0000, 1 << 30), Err(MapError::Arena(ArenaError::Full { .. }))));
    assert_eq!(s.arena().allocated(), before);
    assert!(format!("{s:?}").contains("ram 0x80000000..=0x8000ffff"));
}

#[test]
fn resolve_every_kind() {
    let mut s = space();
    let ram = u64::from(s.add_ram(RAM, 0x2000).unwrap());
    let rom = u64::from(s.add_rom(0x1000, &[1, 2, 3]).unwrap());
    let (dev, _) = Recorder::new(16, 16);
    let id = s.add_mmio(0x1000_0000, 0x100, dev).unwrap();
    assert_eq!(s.resolve(RAM), Resolved::Memory { arena_offset: ram, writable: true, remaining: 0x2000 });
    assert_eq!(s.resolve(RAM + 0x1fff), Resolved::Memory { arena_offset: ram + 0x1fff, writable: true, remaining: 1 });
    assert_eq!(s.resolve(0x1001), Resolved::Memory { arena_offset: rom + 1, writable: false, remaining: 0xfff });
    assert_eq!(s.resolve(0x1000_00ff), Resolved::Mmio { id, offset: 0xff });
    for a in [0, 0xfff, 0x2000, RAM - 1, RAM + 0x2000, 0x1000_0100, u64::MAX] {
        assert_eq!(s.resolve(a), Resolved::Unassigned, "{a:#x}");
    }
    assert!(s.mmio_mut(id).is_some());
    assert!(s.mmio_mut(MmioId(7)).is_none());
}

#[test]
fn ram_and_rom_accesses() {
    let mut s = space();
    s.add_ram(RAM, 0x2000).unwrap();
    s.add_rom(0x1000, &[0x11, 0x22, 0x33]).unwrap();
    for &size in MemSize::ALL {
        s.write(RAM + 0xffd, size, 0x8877_6655_4433_2211).unwrap();
        assert_eq!(s.read(RAM + 0xffd, size), Ok(0x8877_6655_4433_2211 & size.mask()));
    }
    assert_eq!(s.read(0x1000, MemSize::B4), Ok(0x33_2211));
    // Padding of the ROM page is zero.
    assert_eq!(s.read(0x1ff8, MemSize::B8), Ok(0));
    assert_eq!(s.write(0x1000, MemSize::B1, 0), Err(BusError));
    assert_eq!(s.read(0x1000, MemSize::B1), Ok(0x11));
    // Unassigned.
    assert_eq!(s.read(0x3000, MemSize::B4), Err(BusError));
    assert_eq!(s.write(0x3000, MemSize::B4, 0), Err(BusError));
    // The end of RAM straddling into nothing.
    assert_eq!(s.read(RAM + 0x1ffe, MemSize::B4), Err(BusError));
    assert_eq!(s.write(RAM + 0x1ffe, MemSize::B4, u64::MAX), Err(BusError));
    assert_eq!(s.read(RAM + 0x1ffe, MemSize::B2), Ok(0));
    // ROM straddling into nothing.
    assert_eq!(s.read(0x1ffe, MemSize::B4), Err(BusError));
}

#[test]
fn the_top_of_the_space_never_panics() {
    let mut s = space();
    let (dev, probe) = Recorder::new(16, 16);
    s.add_mmio(u64::MAX - 15, 16, dev).unwrap();
    for &size in MemSize::ALL {
        let n = u64::from(size.bytes());
        for a in [u64::MAX, u64::MAX - 1, u64::MAX - 6] {
            let fits = a.checked_add(n - 1).is_some();
            assert_eq!(s.read(a, size).is_ok(), fits, "{a:#x} {size:?}");
            assert_eq!(s.write(a, size, 0x0102_0304_0506_0708).is_ok(), fits);
        }
        assert_eq!(s.resolve(u64::MAX), Resolved::Mmio { id: MmioId(0), offset: 15 });
    }
    assert_eq!(probe.reg(14, 2), 0x0708);
    let mut buf = [0u8; 4];
    assert_eq!(s.dma_read(u64::MAX - 1, &mut buf), Err(BusError));
    assert_eq!(s.dma_write(u64::MAX - 1, &buf), Err(BusError));
    assert_eq!(s.dma_read(u64::MAX, &mut []), Ok(()));
    s.watch_code(u64::MAX);
    assert!(!s.is_code(u64::MAX));
}

#[test]
fn mmio_dispatch_and_bus_errors() {
    let mut s = space();
    let (dev, probe) = Recorder::new(0x100, 0x80);
    let id = s.add_mmio(0x1000_0000, 0x100, dev).unwrap();
    s.write(0x1000_0010, MemSize::B4, 0xdead_beef).unwrap();
    assert_eq!(s.read(0x1000_0012, MemSize::B2), Ok(0xdead));
    assert_eq!(
        probe.events(),
        vec![
            Event::Write { offset: 0x10, size: MemSize::B4, value: 0xdead_beef },
            Event::Read { offset: 0x12, size: MemSize::B2 },
        ]
    );
    // The device refuses.
    assert_eq!(s.read(0x1000_0080, MemSize::B1), Err(BusError));
    assert_eq!(s.write(0x1000_00fc, MemSize::B4, 0), Err(BusError));
    // Straddling the end of the region into nothing: refused before the
    // device sees anything.
    probe.clear();
    assert_eq!(s.read(0x1000_00fe, MemSize::B4), Err(BusError));
    assert_eq!(s.write(0x1000_00fe, MemSize::B4, 0), Err(BusError));
    assert_eq!(probe.events(), vec![]);
    // Direct access to the device.
    assert_eq!(s.mmio_mut(id).unwrap().read(0x10, MemSize::B1), Ok(0xef));
}

#[test]
fn accesses_straddling_regions_are_split_bytewise() {
    let mut s = space();
    s.add_ram(RAM, 0x1000).unwrap();
    let (dev, probe) = Recorder::new(0x10, 0x10);
    s.add_mmio(RAM + 0x1000, 0x10, dev).unwrap();
    s.add_ram(RAM + 0x2000, 0x1000).unwrap();
    s.add_rom(RAM + 0x3000, &[0xaa; 16]).unwrap();

    // RAM | MMIO.
    s.write(RAM + 0xffe, MemSize::B4, 0x4433_2211).unwrap();
    assert_eq!(s.read(RAM + 0xffe, MemSize::B2), Ok(0x2211));
    assert_eq!(probe.reg(0, 2), 0x4433);
    assert_eq!(
        probe.events(),
        vec![
            Event::Write { offset: 0, size: MemSize::B1, value: 0x33 },
            Event::Write { offset: 1, size: MemSize::B1, value: 0x44 },
        ]
    );
    assert_eq!(s.read(RAM + 0xffe, MemSize::B4), Ok(0x4433_2211));

    // RAM | RAM in two regions, adjacent in the guest but not in the arena.
    s.add_ram(RAM + 0x4000, 0x1000).unwrap();
    s.add_ram(RAM + 0x5000, 0x1000).unwrap();
    s.write(RAM + 0x4ffc, MemSize::B8, 0x0102_0304_0506_0708).unwrap();
    assert_eq!(s.read(RAM + 0x4ffc, MemSize::B8), Ok(0x0102_0304_0506_0708));
    assert_eq!(s.read(RAM + 0x5000, MemSize::B4), Ok(0x0102_0304));

    // RAM | ROM: the write is refused whole.
    s.write(RAM + 0x2ffc, MemSize::B4, 0x5555_5555).unwrap();
    assert_eq!(s.write(RAM + 0x2ffe, MemSize::B4, 0), Err(BusError));
    assert_eq!(s.read(RAM + 0x2ffc, MemSize::B4), Ok(0x5555_5555));
    assert_eq!(s.read(RAM + 0x2ffe, MemSize::B4), Ok(0xaaaa_5555));
}

#[test]
fn dma() {
    let mut s = space();
    s.add_ram(RAM, 0x1000).unwrap();
    s.add_ram(RAM + 0x1000, 0x1000).unwrap();
    s.add_rom(RAM + 0x2000, &[7; 0x1000]).unwrap();
    let (dev, probe) = Recorder::new(0x10, 0x10);
    s.add_mmio(RAM + 0x3000, 0x10, dev).unwrap();

    let data: Vec<u8> = (0..0x1c00u32).map(|i| i as u8).collect();
    s.dma_write(RAM + 0x400, &data).unwrap();
    let mut back = vec![0u8; 0x1c00];
    s.dma_read(RAM + 0x400, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(s.read(RAM + 0x1000, MemSize::B1), Ok(data[0xc00] as u64));
    // Reads may cover ROM.
    let mut b = [0u8; 8];
    s.dma_read(RAM + 0x1ffc, &mut b).unwrap();
    assert_eq!(b, [data[0x1bfc], data[0x1bfd], data[0x1bfe], data[0x1bff], 7, 7, 7, 7]);
    // Writes may not: nothing is written.
    assert_eq!(s.dma_write(RAM + 0x1ffc, &[0; 8]), Err(BusError));
    assert_eq!(
        s.read(RAM + 0x1ffc, MemSize::B4),
        Ok(u64::from_le_bytes([data[0x1bfc], data[0x1bfd], data[0x1bfe], data[0x1bff], 0, 0, 0, 0]))
    );
    // MMIO and unassigned: bus errors, the device sees nothing.
    assert_eq!(s.dma_read(RAM + 0x3000, &mut b), Err(BusError));
    assert_eq!(s.dma_write(RAM + 0x3000, &b), Err(BusError));
    assert_eq!(s.dma_read(RAM + 0x2ffc, &mut b), Err(BusError));
    assert_eq!(s.dma_read(0, &mut b), Err(BusError));
    assert_eq!(s.dma_write(RAM - 4, &b), Err(BusError));
    assert_eq!(s.read(RAM, MemSize::B4), Ok(0));
    assert_eq!(probe.events(), vec![]);
    // Empty transfers always succeed.
    assert_eq!(s.dma_write(0, &[]), Ok(()));
}

#[test]
fn code_watch_queues_written_pages_once() {
    let mut s = space();
    s.add_ram(RAM, 0x10000).unwrap();
    s.add_rom(0x1000, &[0; 16]).unwrap();
    assert!(!s.has_code_writes());
    s.watch_code(RAM + 0x1234);
    s.watch_code(RAM + 0x3000);
    s.watch_code(RAM + 0xffff);
    // Not RAM: nothing to watch.
    s.watch_code(0x1000);
    s.watch_code(0x5000);
    assert!(s.is_code(RAM + 0x1000) && s.is_code(RAM + 0x1fff) && s.is_code(RAM + 0xf000));
    assert!(!s.is_code(RAM) && !s.is_code(RAM + 0x2000) && !s.is_code(0x1000) && !s.is_code(0x5000));

    // Reads and writes elsewhere queue nothing.
    s.read(RAM + 0x1000, MemSize::B8).unwrap();
    s.write(RAM + 0x2ff8, MemSize::B8, 1).unwrap();
    assert!(!s.has_code_writes());
    // A write queues the page and clears the watch; a second write does not
    // queue it again.
    s.write(RAM + 0x1008, MemSize::B4, 1).unwrap();
    assert!(s.has_code_writes());
    assert!(!s.is_code(RAM + 0x1000));
    s.write(RAM + 0x1010, MemSize::B4, 1).unwrap();
    assert_eq!(s.take_code_writes(), vec![RAM + 0x1000]);
    assert!(!s.has_code_writes());
    assert_eq!(s.take_code_writes(), Vec::<u64>::new());
    // A write straddling into a watched page.
    s.write(RAM + 0x2ffe, MemSize::B4, 1).unwrap();
    assert_eq!(s.take_code_writes(), vec![RAM + 0x3000]);
    // DMA over several pages, one watched.
    s.watch_code(RAM + 0x5000);
    s.dma_write(RAM + 0x4800, &[1; 0x2000]).unwrap();
    assert_eq!(s.take_code_writes(), vec![RAM + 0x5000]);
    // Re-watching works; the last page of the region too.
    s.watch_code(RAM + 0x1000);
    s.dma_write(RAM + 0xfff0, &[0; 16]).unwrap();
    s.write(RAM + 0x1000, MemSize::B1, 0).unwrap();
    assert_eq!(s.take_code_writes(), vec![RAM + 0xf000, RAM + 0x1000]);
    // A refused DMA write queues nothing.
    s.watch_code(RAM + 0xf000);
    assert_eq!(s.dma_write(RAM + 0xfff0, &[0; 32]), Err(BusError));
    assert!(!s.has_code_writes() && s.is_code(RAM + 0xf000));
}

#[test]
fn a_small_arena_limits_ram() {
    let mut s = AddressSpace::new(Arena::new(0x3000).unwrap());
    assert!(s.add_ram(0, 0x2000).is_ok());
    assert!(matches!(s.add_rom(0x2000, &[0; 0x1001]), Err(MapError::Arena(_))));
    assert!(s.add_rom(0x2000, &[0; 0x1000]).is_ok());
}

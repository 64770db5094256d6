//! The arena: creation limits, bump allocation and alignment, bounds of
//! every access, atomics (also across threads), foreign memory, and a lazily
//! mapped 3 GiB arena.

use wemu_ir::MemSize;
use wemu_softmmu::{Arena, ArenaError};

#[test]
fn creation_limits() {
    let a = Arena::new(0).unwrap();
    assert_eq!((a.len(), a.allocated(), a.wasm_base()), (0, 0, 0));
    assert!(a.is_empty());
    assert_eq!(a.read(0, MemSize::B1), None);
    assert!(matches!(Arena::new(Arena::MAX_LEN + 1), Err(ArenaError::Full { .. })));
    assert!(!Arena::new(4096).unwrap().base_ptr().is_null());
}

#[test]
fn bump_allocation_aligns_and_zeroes() {
    let mut a = Arena::new(1 << 16).unwrap();
    assert_eq!(a.alloc(3, 1), Ok(0));
    assert_eq!(a.alloc(8, 8), Ok(8));
    assert_eq!(a.alloc(1, 4096), Ok(4096));
    assert_eq!(a.alloc(0, 32), Ok(4128));
    // Not a power of two: rounded up (6 -> 8).
    assert_eq!(a.alloc(1, 6), Ok(4128));
    assert_eq!(a.alloc(1, 0), Ok(4129));
    assert_eq!(a.allocated(), 4130);
    let mut buf = [0xffu8; 4130];
    a.read_bytes(0, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0));
    // Host alignment up to 8 follows offset alignment.
    assert_eq!(a.base_ptr() as usize % 8, 0);

    let rest = a.len() - a.allocated();
    assert_eq!(a.alloc(rest + 1, 1), Err(ArenaError::Full { requested: rest + 1, available: rest }));
    assert!(a.alloc(u64::MAX, 1).is_err());
    assert!(a.alloc(1, u64::MAX).is_err());
    assert!(a.alloc(1, 1 << 63).is_err());
    assert_eq!(a.alloc(rest, 1), Ok(4130));
    assert!(a.alloc(1, 1).is_err());
    assert_eq!(a.alloc(0, 1), Ok(1 << 16));
}

#[test]
fn accesses_are_bounds_checked_against_the_allocated_part() {
    let mut a = Arena::new(4096).unwrap();
    a.alloc(64, 8).unwrap();
    for &size in MemSize::ALL {
        let n = u64::from(size.bytes());
        assert_eq!(a.write(64 - n, size, u64::MAX), Some(()));
        assert_eq!(a.read(64 - n, size), Some(size.mask()));
        assert_eq!(a.read(65 - n, size), None);
        assert_eq!(a.write(65 - n, size, 0), None);
        assert_eq!(a.cmpxchg(65 - n, size, 0, 0), None);
        for off in [u64::MAX, u64::MAX - n + 1, 1 << 32, 4096] {
            assert_eq!(a.read(off, size), None);
            assert_eq!(a.write(off, size, 1), None);
            assert_eq!(a.cmpxchg(off, size, 0, 1), None);
        }
    }
    // A failed write writes nothing.
    a.write_bytes(56, &[0; 8]).unwrap();
    assert_eq!(a.write(60, MemSize::B8, u64::MAX), None);
    assert_eq!(a.read(56, MemSize::B8), Some(0));
    assert_eq!(a.write_bytes(60, &[1; 5]), None);
    assert_eq!(a.read(56, MemSize::B8), Some(0));
    let mut buf = [0u8; 5];
    assert_eq!(a.read_bytes(60, &mut buf), None);
    assert_eq!(a.read_bytes(u64::MAX, &mut buf), None);
    assert_eq!(a.read_bytes(64, &mut []), Some(()));
    assert_eq!(a.fill(0, 65, 1), None);
    assert_eq!(a.fill(0, 64, 0xab), Some(()));
    assert_eq!(a.read(0, MemSize::B2), Some(0xabab));
    // SAFETY: nothing else uses the arena.
    unsafe {
        assert!(a.slice_mut(60, 5).is_none());
        assert!(a.slice_mut(u64::MAX, 2).is_none());
        let s = a.slice_mut(8, 4).unwrap();
        s.copy_from_slice(&[1, 2, 3, 4]);
    }
    assert_eq!(a.read(8, MemSize::B4), Some(0x0403_0201));
}

#[test]
fn values_are_little_endian_at_any_alignment() {
    let mut a = Arena::new(4096).unwrap();
    a.alloc(64, 1).unwrap();
    for off in 0..16 {
        a.write(off, MemSize::B8, 0x1122_3344_5566_7788).unwrap();
        let mut b = [0u8; 8];
        a.read_bytes(off, &mut b).unwrap();
        assert_eq!(b, [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
        assert_eq!(a.read(off, MemSize::B2), Some(0x7788));
        assert_eq!(a.read(off + 1, MemSize::B4), Some(0x4455_6677));
        a.write(off + 2, MemSize::B2, 0xaabb_ccdd).unwrap();
        assert_eq!(a.read(off, MemSize::B8), Some(0x1122_3344_ccdd_7788));
    }
}

#[test]
fn cmpxchg_aligned_and_unaligned() {
    let mut a = Arena::new(4096).unwrap();
    a.alloc(64, 8).unwrap();
    for &size in MemSize::ALL {
        for off in [0u64, 8, 1, 3, 13] {
            a.fill(0, 64, 0).unwrap();
            a.write(off, size, 5).unwrap();
            // Failing compare: old value, no write.
            assert_eq!(a.cmpxchg(off, size, 4, 9), Some(5));
            assert_eq!(a.read(off, size), Some(5));
            // Success; `new` is taken at the access size.
            assert_eq!(a.cmpxchg(off, size, 5, u64::MAX), Some(5));
            assert_eq!(a.read(off, size), Some(size.mask()));
            // Only the access's bytes change.
            let n = u64::from(size.bytes());
            assert_eq!(a.read(off + n, MemSize::B1), Some(0));
            // `expected` too.
            assert_eq!(a.cmpxchg(off, size, u64::MAX, 7), Some(size.mask()));
            assert_eq!(a.read(off, size), Some(7));
        }
    }
}

#[test]
fn cmpxchg_is_atomic_across_threads() {
    let mut a = Arena::new(4096).unwrap();
    let off = u64::from(a.alloc(16, 8).unwrap());
    const THREADS: u64 = 4;
    const ITERS: u64 = 20_000;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ITERS {
                    for size in [MemSize::B4, MemSize::B8] {
                        let o = if size == MemSize::B4 { off } else { off + 8 };
                        let mut old = a.read(o, size).unwrap();
                        loop {
                            let seen = a.cmpxchg(o, size, old, old + 1).unwrap();
                            if seen == old {
                                break;
                            }
                            old = seen;
                        }
                    }
                }
            });
        }
    });
    assert_eq!(a.read(off, MemSize::B4), Some(THREADS * ITERS));
    assert_eq!(a.read(off + 8, MemSize::B8), Some(THREADS * ITERS));
}

#[test]
fn from_raw_zeroes_allocations_unless_told_the_memory_is_zero() {
    let mut mem = vec![0xeeu8; 8192];
    // SAFETY: `mem` outlives the arena and is not used while it lives.
    let mut a = unsafe { Arena::from_raw(mem.as_mut_ptr(), mem.len() as u64, 0x10_0000) };
    assert_eq!((a.len(), a.wasm_base(), a.base_ptr()), (8192, 0x10_0000, mem.as_mut_ptr()));
    let off = u64::from(a.alloc(100, 4).unwrap());
    assert_eq!(a.read(off + 96, MemSize::B4), Some(0));
    a.write(off, MemSize::B4, 0x1234_5678).unwrap();
    drop(a);
    assert_eq!(&mem[..5], &[0x78, 0x56, 0x34, 0x12, 0]);
    assert_eq!(mem[100], 0xee);

    let mut zeroed = vec![0u8; 8192];
    // SAFETY: as above, and the memory is zero.
    let mut a = unsafe { Arena::from_raw_zeroed(zeroed.as_mut_ptr(), 8192, 0) };
    let off = u64::from(a.alloc(8192, 1).unwrap());
    assert_eq!(a.read(off + 8184, MemSize::B8), Some(0));
    drop(a);

    // Null: an empty arena.
    // SAFETY: a null base is turned into an empty arena.
    let a = unsafe { Arena::from_raw(std::ptr::null_mut(), 4096, 0) };
    assert!(a.is_empty());
}

/// The resident set size of this process, in bytes (Linux).
#[cfg(target_os = "linux")]
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[test]
fn a_3_gib_arena_costs_only_what_is_touched() {
    const GIB: u64 = 1 << 30;
    #[cfg(target_os = "linux")]
    let before = rss();
    let mut a = Arena::new(3 * GIB + (16 << 20)).unwrap();
    let ram = u64::from(a.alloc(3 * GIB, 4096).unwrap());
    let state = u64::from(a.alloc(4096, 64).unwrap());
    assert_eq!(state, ram + 3 * GIB);
    let end = ram + 3 * GIB - 8;
    assert_eq!(a.read(end, MemSize::B8), Some(0));
    a.write(end, MemSize::B8, 0xdead_beef_cafe_f00d).unwrap();
    a.write(ram, MemSize::B8, 1).unwrap();
    a.write(ram + 2 * GIB, MemSize::B4, 2).unwrap();
    assert_eq!(a.read(end, MemSize::B8), Some(0xdead_beef_cafe_f00d));
    assert_eq!(a.read(ram + 2 * GIB, MemSize::B4), Some(2));
    assert_eq!(a.read(ram + GIB, MemSize::B8), Some(0));
    #[cfg(target_os = "linux")]
    {
        // Other tests run concurrently; a few hundred MiB of slack still
        // proves 3 GiB were not touched.
        let grown = rss().saturating_sub(before);
        assert!(grown < 512 << 20, "a 3 GiB arena grew the RSS by {grown} bytes");
    }
}

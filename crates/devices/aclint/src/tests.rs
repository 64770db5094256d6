use alloc::vec::Vec;

use wemu_dev_common::{IrqLevels, ManualClock, MemSize, MmioDevice, NoIrq};

use super::*;
use wemu_dev_common::XorShift;

type TestAclint = Aclint<ManualClock, IrqLevels>;

fn aclint(harts: u32) -> (TestAclint, ManualClock, IrqLevels) {
    let clock = ManualClock::new();
    let lines = IrqLevels::new(2 * harts);
    (Aclint::new(harts, clock.clone(), lines.clone()), clock, lines)
}

fn mtimecmp(hart: u64) -> u64 {
    MTIMECMP_BASE + 8 * hart
}

/// A machine's timer loop: when the requested deadline has come, call
/// `update` (as `Machine::timer_expired` would).
fn run_timers(a: &mut TestAclint, clock: &ManualClock) {
    if clock.expired() {
        a.update();
    }
}

/// OpenSBI's ACLINT drivers: mtimecmp cleared to all ones at warm init,
/// IPIs through msip.
#[test]
fn opensbi_init_and_ipis() {
    let (mut a, _clock, lines) = aclint(2);
    for h in 0..2 {
        a.write(mtimecmp(h), MemSize::B8, u64::MAX).unwrap();
        a.write(MSIP_BASE + 4 * h, MemSize::B4, 0).unwrap();
    }
    assert_eq!(lines.word(0), 0);
    // Hart 0 sends an IPI to hart 1.
    a.write(MSIP_BASE + 4, MemSize::B4, 1).unwrap();
    assert!(lines.level(msip_line(1)));
    assert!(!lines.level(msip_line(0)));
    assert_eq!(a.read(MSIP_BASE + 4, MemSize::B4), Ok(1));
    // Hart 1 clears it; only bit 0 is writable.
    a.write(MSIP_BASE + 4, MemSize::B4, 0xffff_fffe).unwrap();
    assert!(!lines.level(msip_line(1)));
    assert_eq!(a.read(MSIP_BASE + 4, MemSize::B4), Ok(0));
    a.write(MSIP_BASE, MemSize::B4, 0xffff_ffff).unwrap();
    assert_eq!(a.read(MSIP_BASE, MemSize::B4), Ok(1));
}

/// `sbi_set_timer`: mtimecmp = mtime + delta; MTIP rises at the deadline
/// and falls when the next deadline is written.
#[test]
fn mtimecmp_arming_and_mtip() {
    let (mut a, clock, lines) = aclint(2);
    assert_eq!(clock.deadline(), None);
    clock.set_now(5_000_000); // 5 ms
    assert_eq!(a.read(MTIME, MemSize::B8), Ok(50_000));
    let now = a.read(MTIME, MemSize::B8).unwrap();
    a.write(mtimecmp(1), MemSize::B8, now + 10_000).unwrap(); // 1 ms later
    assert_eq!(clock.deadline(), Some(6_000_000));
    assert_eq!(a.next_deadline_ns(), Some(6_000_000));

    clock.advance(999_999);
    run_timers(&mut a, &clock);
    assert!(!lines.level(mtip_line(1)));
    clock.advance(1);
    run_timers(&mut a, &clock);
    assert!(lines.level(mtip_line(1)));
    assert!(!lines.level(mtip_line(0)));
    assert_eq!(clock.deadline(), None, "nothing left to wait for");

    // The handler programs the next event; MTIP falls at once.
    a.write(mtimecmp(1), MemSize::B8, 70_000).unwrap();
    assert!(!lines.level(mtip_line(1)));
    assert_eq!(clock.deadline(), Some(7_000_000));
    // Hart 0 arms an earlier one: the device asks for the earlier callback.
    a.write(mtimecmp(0), MemSize::B8, 65_000).unwrap();
    assert_eq!(clock.deadline(), Some(6_500_000));
    clock.set_now(7_500_000);
    run_timers(&mut a, &clock);
    assert_eq!(lines.word(0), 0b1010, "both MTIPs");

    // A deadline in the past raises MTIP at once; all ones disarms.
    a.write(mtimecmp(0), MemSize::B8, u64::MAX).unwrap();
    assert!(!lines.level(mtip_line(0)));
    a.write(mtimecmp(0), MemSize::B8, 0).unwrap();
    assert!(lines.level(mtip_line(0)));
    a.write(mtimecmp(0), MemSize::B8, u64::MAX).unwrap();
    a.write(mtimecmp(1), MemSize::B8, u64::MAX).unwrap();
    assert_eq!(lines.word(0), 0);
    assert_eq!(clock.deadline(), None);
    assert_eq!(a.next_deadline_ns(), None);
}

/// RV32 software writes 64-bit registers in halves (the privileged spec's
/// sequence for mtimecmp: high to all ones, low, then high).
#[test]
fn halves_of_64_bit_registers() {
    let (mut a, clock, lines) = aclint(1);
    clock.set_now(100 * 0x1_2345_6789);
    assert_eq!(a.read(MTIME, MemSize::B4), Ok(0x2345_6789));
    assert_eq!(a.read(MTIME + 4, MemSize::B4), Ok(0x1));
    a.write(mtimecmp(0) + 4, MemSize::B4, 0xffff_ffff).unwrap();
    a.write(mtimecmp(0), MemSize::B4, 0x0000_0010).unwrap();
    assert!(!lines.level(1));
    a.write(mtimecmp(0) + 4, MemSize::B4, 0x2).unwrap();
    assert_eq!(a.read(mtimecmp(0), MemSize::B8), Ok(0x2_0000_0010));
    assert_eq!(a.read(mtimecmp(0) + 4, MemSize::B4), Ok(0x2));
    assert!(!lines.level(1));
    // Software moves mtime: past the compare value.
    a.write(MTIME + 4, MemSize::B4, 0x3).unwrap();
    assert_eq!(a.read(MTIME, MemSize::B8), Ok(0x3_2345_6789));
    assert!(lines.level(1));
    a.write(MTIME, MemSize::B8, 0).unwrap();
    assert!(!lines.level(1));
    clock.advance(1_000);
    assert_eq!(a.mtime(), 10, "mtime counts on from the written value");
}

#[test]
fn bus_errors_and_empty_registers() {
    let (mut a, _clock, _lines) = aclint(2);
    assert_eq!(a.read(MSIP_BASE, MemSize::B8), Err(BusError));
    assert_eq!(a.read(MSIP_BASE + 2, MemSize::B4), Err(BusError));
    assert_eq!(a.write(MSIP_BASE, MemSize::B1, 1), Err(BusError));
    assert_eq!(a.read(MTIME, MemSize::B2), Err(BusError));
    assert_eq!(a.read(mtimecmp(0) + 4, MemSize::B8), Err(BusError));
    assert_eq!(a.write(MTIME + 1, MemSize::B4, 0), Err(BusError));
    // Harts 2.. do not exist.
    assert_eq!(a.write(MSIP_BASE + 8, MemSize::B4, 1), Ok(()));
    assert_eq!(a.read(MSIP_BASE + 8, MemSize::B4), Ok(0));
    assert_eq!(a.write(mtimecmp(2), MemSize::B8, 5), Ok(()));
    assert_eq!(a.read(mtimecmp(2), MemSize::B8), Ok(0));
    assert_eq!(a.read(0xc000, MemSize::B1), Ok(0));
    assert_eq!(a.read(u64::MAX, MemSize::B8), Ok(0));
    assert_eq!(a.write(u64::MAX, MemSize::B8, 1), Ok(()));
}

fn script(a: &mut TestAclint, clock: &ManualClock, lines: &IrqLevels) -> Vec<u64> {
    let mut seen = Vec::new();
    for step in 0..6u64 {
        clock.advance(700);
        run_timers(a, clock);
        seen.push(a.read(MTIME, MemSize::B8).unwrap());
        seen.push(lines.word(0));
        seen.push(clock.deadline().unwrap_or(0));
        if step == 2 {
            a.write(mtimecmp(0), MemSize::B8, u64::MAX).unwrap();
            a.write(MSIP_BASE, MemSize::B4, 0).unwrap();
        }
    }
    seen
}

#[test]
fn save_restore_behaves_identically() {
    let (mut a, clock_a, lines_a) = aclint(2);
    clock_a.set_now(1_000_000);
    a.write(MTIME, MemSize::B8, 5).unwrap();
    a.write(mtimecmp(0), MemSize::B8, 20).unwrap();
    a.write(mtimecmp(1), MemSize::B8, 3).unwrap();
    a.write(MSIP_BASE, MemSize::B4, 1).unwrap();

    let state = a.state();
    // A new machine whose clock reads something else: mtime carries on.
    let clock_b = ManualClock::new();
    clock_b.set_now(42_000_000);
    let lines_b = IrqLevels::new(4);
    let mut b = Aclint::from_state(&state, clock_b.clone(), lines_b.clone());
    assert_eq!(b.state(), state);
    assert_eq!(lines_b.word(0), lines_a.word(0), "restoring drives the lines");
    assert_eq!(b.next_deadline_ns().map(|d| d - 42_000_000), a.next_deadline_ns().map(|d| d - 1_000_000));
    let shift = |v: Vec<u64>, by: u64| -> Vec<u64> {
        v.chunks(3).flat_map(|c| [c[0], c[1], c[2].saturating_sub(by)]).collect()
    };
    assert_eq!(
        shift(script(&mut a, &clock_a, &lines_a), 1_000_000),
        shift(script(&mut b, &clock_b, &lines_b), 42_000_000)
    );
    assert_eq!(a.state(), b.state());
}

#[test]
fn random_accesses_never_panic() {
    let mut rng = XorShift(0xac11);
    let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
    for round in 0..20 {
        let (mut a, clock, lines) = aclint(1 + round % 5);
        for _ in 0..3000 {
            let r = rng.next();
            let offset = match r & 3 {
                0 => rng.next(),
                1 => (r >> 8) % 0x40,
                2 => MTIMECMP_BASE + (r >> 8) % 0x40,
                _ => (r >> 8) % WINDOW_SIZE,
            };
            let size = sizes[(r >> 4 & 3) as usize];
            // Values near the interesting edges as well as anything.
            let value = match r >> 6 & 3 {
                0 => u64::MAX - (r >> 40),
                1 => a.mtime().wrapping_add(r >> 50),
                _ => rng.next(),
            };
            if r >> 2 & 1 == 0 {
                let _ = a.read(offset, size);
            } else {
                let _ = a.write(offset, size, value);
            }
            if r >> 3 & 1 == 0 {
                clock.advance(r >> 52);
            }
            if r >> 9 & 7 == 0 {
                clock.set_now(rng.next());
            }
            run_timers(&mut a, &clock);
            for h in 0..a.num_harts() {
                assert_eq!(a.mtip(h), lines.level(mtip_line(h)));
                assert_eq!(a.msip(h), lines.level(msip_line(h)));
            }
        }
        let state = AclintState {
            num_harts: rng.next() as u32,
            msip: (0..rng.next() % 9).map(|i| i % 2 == 0).collect(),
            mtimecmp: (0..rng.next() % 9).map(|_| rng.next()).collect(),
            mtime: rng.next(),
        };
        let clock = ManualClock::new();
        clock.set_now(rng.next());
        let mut a = Aclint::from_state(&state, clock, NoIrq);
        assert!(a.num_harts() <= MAX_HARTS);
        a.update();
        let _ = a.next_deadline_ns();
    }
}

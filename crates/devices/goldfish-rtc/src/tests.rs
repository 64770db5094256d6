extern crate alloc;

use alloc::vec::Vec;

use wemu_dev_common::{FixedWallClock, IrqLevels, ManualClock, MemSize, MmioDevice, NoIrq, SinkLine};

use super::*;
use wemu_dev_common::XorShift;

type TestRtc = GoldfishRtc<ManualClock, SinkLine<IrqLevels>>;

const BOOT: u64 = 1_700_000_000_123_456_789;

fn rtc() -> (TestRtc, ManualClock, IrqLevels) {
    let clock = ManualClock::new();
    let irq = IrqLevels::new(1);
    (GoldfishRtc::new(&FixedWallClock(BOOT), clock.clone(), irq.line(0)), clock, irq)
}

fn rd(r: &mut TestRtc, offset: u64) -> u64 {
    r.read(offset, MemSize::B4).unwrap()
}

fn wr(r: &mut TestRtc, offset: u64, v: u64) {
    r.write(offset, MemSize::B4, v).unwrap()
}

/// `goldfish_rtc_read_time`: low then high.
fn read_time(r: &mut TestRtc) -> u64 {
    let low = rd(r, TIME_LOW);
    let high = rd(r, TIME_HIGH);
    high << 32 | low
}

/// `goldfish_rtc_set_alarm` with the alarm enabled.
fn set_alarm(r: &mut TestRtc, at: u64) {
    wr(r, ALARM_HIGH, at >> 32);
    wr(r, ALARM_LOW, at & 0xffff_ffff);
    wr(r, IRQ_ENABLED, 1);
}

fn run_timers(r: &mut TestRtc, clock: &ManualClock) {
    if clock.expired() {
        r.update();
    }
}

#[test]
fn linux_reads_and_sets_the_time() {
    let (mut r, clock, _irq) = rtc();
    assert_eq!(read_time(&mut r), BOOT);
    clock.advance(1_500_000_000);
    assert_eq!(read_time(&mut r), BOOT + 1_500_000_000);
    // The high half is latched by the low read: a carry in between does
    // not tear the value.
    let (mut r, clock, _irq) = rtc();
    clock.set_now(0xffff_ffff - (BOOT & 0xffff_ffff));
    let low = rd(&mut r, TIME_LOW);
    clock.advance(10);
    assert_eq!(rd(&mut r, TIME_HIGH) << 32 | low, (BOOT | 0xffff_ffff));

    // `goldfish_rtc_set_time`: high, then low.
    let new = 1_000_000_000_000_000_000u64;
    wr(&mut r, TIME_HIGH, new >> 32);
    wr(&mut r, TIME_LOW, new & 0xffff_ffff);
    assert_eq!(read_time(&mut r), new);
    clock.advance(7);
    assert_eq!(r.time_ns(), new + 7);
}

#[test]
fn alarm_interrupt_flow() {
    let (mut r, clock, irq) = rtc();
    set_alarm(&mut r, BOOT + 5_000);
    assert_eq!(rd(&mut r, ALARM_STATUS), 1);
    assert_eq!(rd(&mut r, ALARM_HIGH) << 32 | rd(&mut r, ALARM_LOW), BOOT + 5_000);
    assert_eq!(clock.deadline(), Some(5_000));
    clock.advance(4_999);
    run_timers(&mut r, &clock);
    assert!(!irq.level(0));
    clock.advance(1);
    run_timers(&mut r, &clock);
    assert!(irq.level(0));
    assert_eq!(rd(&mut r, ALARM_STATUS), 0, "a fired alarm is disarmed");
    assert_eq!(clock.deadline(), None);
    // The handler acknowledges.
    wr(&mut r, CLEAR_INTERRUPT, 1);
    assert!(!irq.level(0));

    // An alarm in the past fires at once.
    set_alarm(&mut r, BOOT);
    run_timers(&mut r, &clock);
    assert!(irq.level(0));
    wr(&mut r, CLEAR_INTERRUPT, 1);

    // Interrupts disabled: pending, but the line stays low until enabled.
    wr(&mut r, IRQ_ENABLED, 0);
    wr(&mut r, ALARM_HIGH, 0);
    wr(&mut r, ALARM_LOW, 0);
    run_timers(&mut r, &clock);
    assert!(!irq.level(0));
    wr(&mut r, IRQ_ENABLED, 1);
    assert!(irq.level(0));
    assert_eq!(rd(&mut r, IRQ_ENABLED), 1);
    wr(&mut r, CLEAR_INTERRUPT, 1);

    // `goldfish_rtc_alarm_irq_enable(0)` plus clearing the alarm.
    set_alarm(&mut r, BOOT + 1_000_000);
    wr(&mut r, CLEAR_ALARM, 1);
    assert_eq!(rd(&mut r, ALARM_STATUS), 0);
    assert_eq!(clock.deadline(), None);
    clock.advance(10_000_000);
    r.update(); // a spurious callback
    assert!(!irq.level(0));
}

#[test]
fn setting_the_time_moves_the_alarm() {
    let (mut r, clock, irq) = rtc();
    set_alarm(&mut r, BOOT + 1_000);
    assert_eq!(clock.deadline(), Some(1_000));
    // Move the clock back by 10 µs: the alarm is 11 µs away.
    let t = read_time(&mut r) - 10_000;
    wr(&mut r, TIME_HIGH, t >> 32);
    wr(&mut r, TIME_LOW, t & 0xffff_ffff);
    assert_eq!(clock.deadline(), Some(11_000));
    // And forward past it: due now.
    wr(&mut r, TIME_HIGH, (BOOT + 50_000) >> 32);
    wr(&mut r, TIME_LOW, (BOOT + 50_000) & 0xffff_ffff);
    run_timers(&mut r, &clock);
    assert!(irq.level(0));
}

#[test]
fn bus_errors_and_unknown_registers() {
    let (mut r, _clock, _irq) = rtc();
    assert_eq!(r.read(TIME_LOW, MemSize::B8), Err(BusError));
    assert_eq!(r.read(TIME_LOW + 1, MemSize::B4), Err(BusError));
    assert_eq!(r.write(ALARM_LOW, MemSize::B2, 0), Err(BusError));
    assert_eq!(r.read(0x20, MemSize::B4), Ok(0));
    assert_eq!(r.write(0x20, MemSize::B4, 1), Ok(()));
    assert_eq!(r.read(CLEAR_INTERRUPT, MemSize::B4), Ok(0));
    assert_eq!(r.read(u64::MAX - 3, MemSize::B4), Ok(0));
}

fn script(r: &mut TestRtc, clock: &ManualClock, irq: &IrqLevels) -> Vec<u64> {
    let mut seen = Vec::new();
    for step in 0..8u64 {
        clock.advance(400);
        run_timers(r, clock);
        seen.push(u64::from(irq.level(0)));
        seen.push(read_time(r));
        seen.push(rd(r, ALARM_STATUS));
        if step == 3 {
            wr(r, CLEAR_INTERRUPT, 1);
            set_alarm(r, BOOT + 4_000);
        }
    }
    seen
}

#[test]
fn save_restore_behaves_identically() {
    let (mut a, clock_a, irq_a) = rtc();
    clock_a.set_now(100);
    set_alarm(&mut a, BOOT + 1_000);
    let _ = rd(&mut a, TIME_LOW);
    let state = a.state();

    // Another machine, another virtual time: the RTC counts on.
    let clock_b = ManualClock::new();
    clock_b.set_now(100);
    let irq_b = IrqLevels::new(1);
    let mut b = GoldfishRtc::from_state(&state, clock_b.clone(), irq_b.line(0));
    assert_eq!(b.state(), state);
    assert_eq!(clock_b.deadline(), clock_a.deadline());
    assert_eq!(script(&mut a, &clock_a, &irq_a), script(&mut b, &clock_b, &irq_b));
    assert_eq!(a.state(), b.state());
}

#[test]
fn random_accesses_never_panic() {
    let mut rng = XorShift(0x901d);
    let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
    for _ in 0..20 {
        let clock = ManualClock::new();
        clock.set_now(rng.next());
        let irq = IrqLevels::new(1);
        let mut r = GoldfishRtc::new(&FixedWallClock(rng.next()), clock.clone(), irq.line(0));
        for _ in 0..3000 {
            let x = rng.next();
            let offset = if x & 1 == 0 { (x >> 8) % 0x40 } else { rng.next() };
            let size = if x >> 1 & 1 == 0 { MemSize::B4 } else { sizes[(x >> 2 & 3) as usize] };
            let value =
                if x >> 5 & 1 == 0 { rng.next() } else { r.time_ns().wrapping_add(x >> 50) >> (32 * (x >> 6 & 1)) };
            if x >> 4 & 1 == 0 {
                let _ = r.read(offset, size);
            } else {
                let _ = r.write(offset, size, value);
            }
            clock.advance(x >> 54);
            run_timers(&mut r, &clock);
            assert_eq!(r.irq_level(), irq.level(0));
        }
        let v = rng.next();
        let state = GoldfishRtcState {
            time_ns: rng.next(),
            alarm_ns: rng.next(),
            alarm_armed: v & 1 != 0,
            irq_pending: v & 2 != 0,
            irq_enabled: v & 4 != 0,
            time_high_latch: v as u32,
        };
        let mut r = GoldfishRtc::from_state(&state, ManualClock::new(), NoIrq);
        r.update();
        let _ = r.next_deadline_ns();
    }
}

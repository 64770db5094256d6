use alloc::vec::Vec;

use wemu_dev_common::{IrqLevels, MemSize, MmioDevice};

use super::*;
use wemu_dev_common::XorShift;

type TestPlic = Plic<IrqLevels>;

/// Two harts: contexts 0 (hart 0 M), 1 (hart 0 S), 2 (hart 1 M), 3 (hart 1 S).
fn plic() -> (TestPlic, IrqLevels) {
    let lines = IrqLevels::new(4);
    (Plic::virt(2, lines.clone()), lines)
}

fn rd(p: &mut TestPlic, offset: u64) -> u32 {
    p.read(offset, MemSize::B4).unwrap() as u32
}

fn wr(p: &mut TestPlic, offset: u64, v: u32) {
    p.write(offset, MemSize::B4, u64::from(v)).unwrap()
}

fn enable_word(ctx: u32, word: u32) -> u64 {
    ENABLE_BASE + ENABLE_STRIDE * u64::from(ctx) + 4 * u64::from(word)
}

fn threshold(ctx: u32) -> u64 {
    CONTEXT_BASE + CONTEXT_STRIDE * u64::from(ctx) + CONTEXT_THRESHOLD
}

fn claim(ctx: u32) -> u64 {
    CONTEXT_BASE + CONTEXT_STRIDE * u64::from(ctx) + CONTEXT_CLAIM
}

/// Linux's irq-sifive-plic: per context threshold 0 and everything
/// disabled; unmasking a source sets its priority to 1 and its enable bit.
fn linux_enable(p: &mut TestPlic, ctx: u32, source: u32) {
    wr(p, PRIORITY_BASE + 4 * u64::from(source), 1);
    let w = enable_word(ctx, source / 32);
    let old = rd(p, w);
    wr(p, w, old | 1 << (source % 32));
}

#[test]
fn linux_init_claim_complete() {
    let (mut p, lines) = plic();
    for ctx in 0..4 {
        wr(&mut p, threshold(ctx), 0);
        for w in 0..3 {
            wr(&mut p, enable_word(ctx, w), 0);
        }
    }
    // The S-mode context of hart 0 takes the UART (10) and a virtio disk (1).
    linux_enable(&mut p, 1, 10);
    linux_enable(&mut p, 1, 1);
    assert_eq!(rd(&mut p, enable_word(1, 0)), 1 << 10 | 1 << 1);

    p.set_source(10, true);
    assert_eq!(rd(&mut p, PENDING_BASE), 1 << 10);
    assert_eq!(lines.word(0), 0b0010, "only hart 0's SEIP");
    p.set_source(1, true);
    // The handler's loop: claim until 0. Equal priorities: lowest ID first.
    assert_eq!(rd(&mut p, claim(1)), 1);
    assert_eq!(rd(&mut p, claim(1)), 10);
    assert_eq!(rd(&mut p, claim(1)), 0);
    assert_eq!(lines.word(0), 0, "everything claimed");
    assert_eq!(rd(&mut p, PENDING_BASE), 0);

    // The devices are serviced and drop their lines; completion.
    p.set_source(10, false);
    wr(&mut p, claim(1), 10);
    assert!(!p.is_pending(10));
    // The disk is still asserting when the handler completes: new request.
    wr(&mut p, claim(1), 1);
    assert!(p.is_pending(1));
    assert_eq!(lines.word(0), 0b0010);
    p.set_source(1, false);
    assert_eq!(rd(&mut p, claim(1)), 1);
    wr(&mut p, claim(1), 1);
    assert_eq!(lines.word(0), 0);
}

#[test]
fn priorities_and_thresholds() {
    let (mut p, lines) = plic();
    for (n, prio) in [(3, 2), (5, 5), (7, 5), (40, 7)] {
        wr(&mut p, PRIORITY_BASE + 4 * n, prio);
    }
    wr(&mut p, enable_word(0, 0), 1 << 3 | 1 << 5 | 1 << 7);
    wr(&mut p, enable_word(0, 1), 1 << 8);
    for n in [3, 5, 7, 40] {
        p.set_source(n, true);
    }
    wr(&mut p, threshold(0), 6);
    assert!(lines.level(0), "40 (priority 7) is above 6");
    assert_eq!(rd(&mut p, claim(0)), 40);
    assert!(!lines.level(0), "the others are masked by the threshold");
    assert_eq!(rd(&mut p, claim(0)), 0, "claims honour the threshold");
    wr(&mut p, threshold(0), 2);
    assert!(lines.level(0));
    assert_eq!(rd(&mut p, claim(0)), 5);
    assert_eq!(rd(&mut p, claim(0)), 7);
    assert_eq!(rd(&mut p, claim(0)), 0, "3 has priority 2, not above 2");
    wr(&mut p, threshold(0), 0);
    assert_eq!(rd(&mut p, claim(0)), 3);

    // Priority 0 never interrupts.
    for n in [3, 5, 7, 40] {
        p.set_source(n, false);
        wr(&mut p, claim(0), n);
    }
    wr(&mut p, PRIORITY_BASE + 4 * 9, 0);
    wr(&mut p, enable_word(0, 0), 1 << 9);
    p.set_source(9, true);
    assert!(p.is_pending(9));
    assert!(!lines.level(0));
    assert_eq!(rd(&mut p, claim(0)), 0);
    // Raising its priority delivers it.
    wr(&mut p, PRIORITY_BASE + 4 * 9, 3);
    assert!(lines.level(0));
    // WARL: three priority bits.
    wr(&mut p, PRIORITY_BASE + 4 * 9, 0xffff_fff9);
    assert_eq!(rd(&mut p, PRIORITY_BASE + 4 * 9), 1);
    wr(&mut p, threshold(3), 0x1234);
    assert_eq!(rd(&mut p, threshold(3)), 4);
}

#[test]
fn contexts_and_gateway_rules() {
    let (mut p, lines) = plic();
    wr(&mut p, PRIORITY_BASE + 4 * 11, 1);
    // Enabled in hart 1's M context and hart 0's S context.
    wr(&mut p, enable_word(2, 0), 1 << 11);
    wr(&mut p, enable_word(1, 0), 1 << 11);
    p.set_source(11, true);
    assert_eq!(lines.word(0), 0b0110);
    // A pulse shorter than the claim: the request stays pending (spec §2).
    p.set_source(11, false);
    assert_eq!(lines.word(0), 0b0110);
    // One context wins the claim; the other sees nothing left.
    assert_eq!(rd(&mut p, claim(2)), 11);
    assert_eq!(lines.word(0), 0);
    assert_eq!(rd(&mut p, claim(1)), 0);
    // While claimed, the gateway forwards nothing.
    p.set_source(11, true);
    assert!(!p.is_pending(11));
    // A completion from a context where 11 is disabled is ignored.
    wr(&mut p, claim(0), 11);
    assert!(!p.is_pending(11));
    // Linux's eoi for a masked source: enable, complete, disable.
    wr(&mut p, enable_word(2, 0), 0);
    wr(&mut p, claim(2), 11);
    assert!(!p.is_pending(11), "disabled: completion ignored");
    wr(&mut p, enable_word(2, 0), 1 << 11);
    wr(&mut p, claim(2), 11);
    assert!(p.is_pending(11), "level still high: a new request");
    assert_eq!(lines.word(0), 0b0110);
}

#[test]
fn reserved_and_nonexistent_registers() {
    let (mut p, _lines) = plic();
    // Source 0 has no priority, no pending bit and no enable bit.
    wr(&mut p, PRIORITY_BASE, 7);
    assert_eq!(rd(&mut p, PRIORITY_BASE), 0);
    wr(&mut p, enable_word(0, 0), u32::MAX);
    assert_eq!(rd(&mut p, enable_word(0, 0)), !1);
    // Sources 96.. do not exist.
    wr(&mut p, enable_word(0, 2), u32::MAX);
    assert_eq!(rd(&mut p, enable_word(0, 2)), u32::MAX);
    wr(&mut p, enable_word(0, 3), u32::MAX);
    assert_eq!(rd(&mut p, enable_word(0, 3)), 0);
    wr(&mut p, PRIORITY_BASE + 4 * 96, 3);
    assert_eq!(rd(&mut p, PRIORITY_BASE + 4 * 96), 0);
    p.set_source(96, true);
    p.set_source(0, true);
    p.set_source(u32::MAX, true);
    assert_eq!(rd(&mut p, PENDING_BASE), 0);
    assert_eq!(rd(&mut p, PENDING_BASE + 12), 0);
    // Pending bits are read-only.
    wr(&mut p, PENDING_BASE, u32::MAX);
    assert_eq!(rd(&mut p, PENDING_BASE), 0);
    // Context 4 does not exist (two harts).
    wr(&mut p, threshold(4), 3);
    assert_eq!(rd(&mut p, threshold(4)), 0);
    assert_eq!(rd(&mut p, claim(4)), 0);
    wr(&mut p, enable_word(4, 0), u32::MAX);
    assert_eq!(rd(&mut p, enable_word(4, 0)), 0);
    // Only aligned 32-bit accesses.
    assert_eq!(p.read(PRIORITY_BASE + 4, MemSize::B8), Err(BusError));
    assert_eq!(p.read(PRIORITY_BASE + 2, MemSize::B4), Err(BusError));
    assert_eq!(p.write(claim(0), MemSize::B1, 1), Err(BusError));
    assert_eq!(p.read(VIRT_SIZE + 0x100, MemSize::B4), Ok(0));
    assert_eq!(p.read(u64::MAX - 3, MemSize::B4), Ok(0));
}

fn script(p: &mut TestPlic, lines: &IrqLevels) -> Vec<u64> {
    let mut seen = Vec::new();
    for (off, v) in [(threshold(1), 0), (enable_word(1, 0), 1 << 4 | 1 << 6), (PRIORITY_BASE + 16, 2)] {
        wr(p, off, v);
        seen.push(lines.word(0));
    }
    p.set_source(4, true);
    p.set_source(6, true);
    seen.push(lines.word(0));
    for off in [claim(0), claim(1), claim(1), claim(1), PENDING_BASE, claim(2)] {
        seen.push(u64::from(rd(p, off)));
        seen.push(lines.word(0));
    }
    wr(p, claim(1), 4);
    wr(p, claim(1), 6);
    seen.push(u64::from(rd(p, PENDING_BASE)));
    seen.push(lines.word(0));
    seen
}

#[test]
fn save_restore_behaves_identically() {
    let (mut a, lines_a) = plic();
    wr(&mut a, PRIORITY_BASE + 4 * 6, 3);
    wr(&mut a, enable_word(0, 0), 1 << 6 | 1 << 5);
    wr(&mut a, PRIORITY_BASE + 4 * 5, 1);
    a.set_source(5, true);
    a.set_source(6, true);
    assert_eq!(rd(&mut a, claim(0)), 6);
    assert!(lines_a.level(0), "5 is still pending");

    let state = a.state();
    let lines_b = IrqLevels::new(4);
    let mut b = Plic::from_state(&state, lines_b.clone());
    assert_eq!(lines_b.word(0), lines_a.word(0), "restoring drives the lines");
    assert_eq!(b.state(), state);
    assert_eq!(script(&mut a, &lines_a), script(&mut b, &lines_b));
    assert_eq!(a.state(), b.state());
}

#[test]
fn random_accesses_never_panic() {
    let mut rng = XorShift(0x91ac);
    let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
    for round in 0..20 {
        let lines = IrqLevels::new(8);
        let mut p = Plic::virt(4, lines.clone());
        for _ in 0..5000 {
            let r = rng.next();
            // Mostly offsets that name registers, sometimes anything.
            let offset = match r & 3 {
                0 => rng.next(),
                1 => (r >> 8) % 0x3000,
                2 => CONTEXT_BASE + (r >> 8) % 0x5000,
                _ => (r >> 8) % VIRT_SIZE,
            };
            let offset = if r >> 5 & 7 == 0 { offset } else { offset & !3 };
            let size = if r >> 8 & 3 == 0 { sizes[(r >> 10 & 3) as usize] } else { MemSize::B4 };
            if r >> 2 & 1 == 0 {
                let _ = p.read(offset, size);
            } else {
                let _ = p.write(offset, size, rng.next());
            }
            if r >> 3 & 3 == 0 {
                p.set_source((r >> 12) as u32 % 100, r >> 20 & 1 != 0);
            }
            for ctx in 0..8 {
                assert_eq!(p.output(ctx), lines.level(ctx));
            }
        }
        // Random, inconsistent state from an untrusted snapshot.
        let words = |rng: &mut XorShift, n: u64| (0..rng.next() % n).map(|_| rng.next() as u32).collect::<Vec<_>>();
        let state = PlicState {
            num_sources: if round % 2 == 0 { rng.next() as u32 } else { rng.next() as u32 % 64 },
            num_contexts: rng.next() as u32 % 20,
            priority: words(&mut rng, 200),
            level: words(&mut rng, 10),
            pending: words(&mut rng, 10),
            claimed: words(&mut rng, 10),
            enable: words(&mut rng, 100),
            threshold: words(&mut rng, 30),
        };
        let mut p = Plic::from_state(&state, wemu_dev_common::NoIrq);
        for ctx in 0..p.num_contexts() {
            let c = p.claim(ctx);
            p.complete(ctx, c);
        }
        let _ = p.read(PENDING_BASE, MemSize::B4);
    }
}

//! Split-ring features: indirect tables, event-index suppression, limits.

use super::*;

#[test]
fn indirect_descriptors() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    r.fill(BUF, b"indirect!");
    let table = BUF + 0x1000;
    let head = q0.add_indirect(&mut r.ram, table, &[(BUF, 4, false), (BUF + 4, 5, false), (BUF + 0x100, 9, true)]);
    q0.notify(&mut r.dev);
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((u32::from(head.unwrap()), 9)));
    assert_eq!(r.bytes(BUF + 0x100, 9), b"indirect!");

    // Direct descriptors followed by an indirect one (§2.7.5.3.2: the
    // device must handle it); its WRITE flag is ignored.
    let t2 = BUF + 0x2000;
    let tail = [(BUF + 4, 5, false), (BUF + 0x200, 9, true)];
    for (i, &(addr, len, w)) in tail.iter().enumerate() {
        let flags = if w { VIRTQ_DESC_F_WRITE } else { 0 } | if i == 0 { VIRTQ_DESC_F_NEXT } else { 0 };
        r.ram.write(t2 + 16 * i as u64, &Descriptor { addr, len, flags, next: 1 }.to_bytes()).unwrap();
    }
    q0.write_desc(&mut r.ram, 10, &Descriptor { addr: BUF, len: 4, flags: VIRTQ_DESC_F_NEXT, next: 11 }).unwrap();
    let ind = Descriptor { addr: t2, len: 32, flags: VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, next: 0 };
    q0.write_desc(&mut r.ram, 11, &ind).unwrap();
    q0.publish(&mut r.ram, 10).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((10, 9)));
    assert_eq!(r.bytes(BUF + 0x200, 9), b"indirect!");
    assert!(!r.needs_reset());

    // An indirect table longer than the queue is fine (up to the chain
    // limit).
    let bufs: Vec<driver::Buf> = (0..40).map(|i| (BUF + i, 1, false)).chain([(BUF + 0x300, 64, true)]).collect();
    q0.add_indirect(&mut r.ram, BUF + 0x3000, &bufs).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram).map(|u| u.1), Some(40));
}

#[test]
fn indirect_without_the_feature_needs_reset() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(0);
    q0.add_indirect(&mut r.ram, BUF, &[(BUF + 0x100, 4, true)]).unwrap();
    q0.notify(&mut r.dev);
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert!(r.needs_reset());
    assert_eq!(r.dev.error(), Some("indirect descriptor without VIRTIO_F_INDIRECT_DESC"));
}

#[test]
fn used_event_suppresses_interrupts() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    let one = |q: &mut DriverQueue, r: &mut Rig| {
        q.add(&mut r.ram, &[(BUF, 1, false), (BUF + 0x100, 1, true)]).unwrap();
        r.dev.process(&mut r.ram)
    };
    // The first used buffer always interrupts.
    assert_eq!(one(&mut q0, &mut r), 1);
    assert_eq!(driver::ack_interrupt(&mut r.dev), INT_USED_BUFFER);
    // used_event = 3: interrupt when idx passes 3, i.e. becomes 4.
    q0.set_used_event(&mut r.ram, 3).unwrap();
    for expect in [false, false, true, false] {
        assert_eq!(one(&mut q0, &mut r), 1);
        assert_eq!(r.irq(), expect, "used idx {}", q0.used_idx(&mut r.ram));
        driver::ack_interrupt(&mut r.dev);
    }
    // A batch that jumps over used_event interrupts once.
    q0.set_used_event(&mut r.ram, 6).unwrap();
    for _ in 0..3 {
        q0.add(&mut r.ram, &[(BUF, 1, false), (BUF + 0x100, 1, true)]).unwrap();
    }
    assert_eq!(r.dev.process(&mut r.ram), 3);
    assert!(r.irq());
    // The device published avail_event = the next chain it will take.
    assert_eq!(q0.avail_event(&mut r.ram), 8);
    // The flag is ignored with EVENT_IDX.
    driver::ack_interrupt(&mut r.dev);
    q0.set_avail_flags(&mut r.ram, VIRTQ_AVAIL_F_NO_INTERRUPT).unwrap();
    q0.set_used_event(&mut r.ram, 8).unwrap();
    assert_eq!(one(&mut q0, &mut r), 1);
    assert!(r.irq());
}

#[test]
fn no_interrupt_flag_without_event_idx() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(0);
    q0.set_avail_flags(&mut r.ram, VIRTQ_AVAIL_F_NO_INTERRUPT).unwrap();
    q0.add(&mut r.ram, &[(BUF, 1, false), (BUF + 0x100, 1, true)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert!(!r.irq());
    q0.set_avail_flags(&mut r.ram, 0).unwrap();
    q0.add(&mut r.ram, &[(BUF, 1, false), (BUF + 0x100, 1, true)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert!(r.irq());
    assert_eq!(q0.avail_event(&mut r.ram), 0, "avail_event is not written without EVENT_IDX");
}

#[test]
fn a_queue_takes_at_most_its_size_per_call() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(0);
    // A full ring: all 16 are taken in one call, and the transport cannot
    // tell whether more follow, so it asks to be called again.
    for _ in 0..16 {
        q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    }
    assert_eq!(r.dev.process(&mut r.ram), 16);
    assert!(r.kick(), "may have more: processing is asked for again");
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert!(!r.kick());
}

#[test]
fn zero_length_descriptors_are_harmless() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    r.fill(BUF, b"xy");
    q0.add(&mut r.ram, &[(BUF, 0, false), (0, 0, false), (BUF, 2, false), (u64::MAX, 0, true), (BUF + 0x100, 2, true)])
        .unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((0, 2)));
    assert_eq!(r.bytes(BUF + 0x100, 2), b"xy");
    // A chain with nothing in it at all.
    q0.add(&mut r.ram, &[(BUF, 0, true)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((5, 0)));
    assert!(!r.needs_reset());
}

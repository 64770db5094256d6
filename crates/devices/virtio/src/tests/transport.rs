//! Registers, negotiation, notify/process, interrupts, reset, state.

use super::*;

#[test]
fn probe_registers_like_linux() {
    let mut r = Rig::new();
    let d = &mut r.dev;
    assert_eq!(read32(d, MAGIC), 0x7472_6976);
    assert_eq!(read32(d, VERSION_REG), 2);
    assert_eq!(read32(d, DEVICE_ID), 0x42);
    assert_eq!(read32(d, VENDOR_ID_REG), VENDOR_ID);
    write32(d, DEVICE_FEATURES_SEL, 0);
    assert_eq!(read32(d, DEVICE_FEATURES), (1 << 3) | (1 << 28) | (1 << 29));
    write32(d, DEVICE_FEATURES_SEL, 1);
    assert_eq!(read32(d, DEVICE_FEATURES), 1, "VERSION_1 only: bit 40 is not the device type's");
    write32(d, DEVICE_FEATURES_SEL, 2);
    assert_eq!(read32(d, DEVICE_FEATURES), 0);
    write32(d, QUEUE_SEL, 0);
    assert_eq!((read32(d, QUEUE_NUM_MAX), read32(d, QUEUE_READY)), (16, 0));
    write32(d, QUEUE_SEL, 1);
    assert_eq!(read32(d, QUEUE_NUM_MAX), 8);
    write32(d, QUEUE_SEL, 2);
    assert_eq!(read32(d, QUEUE_NUM_MAX), 0, "no such queue");
    write32(d, QUEUE_READY, 1); // ignored
    assert_eq!(read32(d, QUEUE_READY), 0);
    for reg in [SHM_LEN_LOW, SHM_LEN_HIGH, SHM_BASE_LOW, SHM_BASE_HIGH] {
        assert_eq!(read32(d, reg), u32::MAX, "no shared memory regions");
    }
    assert_eq!(read32(d, QUEUE_RESET), 0);
    assert_eq!(read32(d, CONFIG_GENERATION), 0);
    assert_eq!((read32(d, STATUS), read32(d, INTERRUPT_STATUS)), (0, 0));
    // Configuration space at 0x100, any width, zeros past its end.
    assert_eq!(driver::config_read(d, 0, MemSize::B1), 1);
    assert_eq!(driver::config_read(d, 2, MemSize::B2), 0x0403);
    assert_eq!(driver::config_read(d, 4, MemSize::B4), 0x0807_0605);
    assert_eq!(driver::config_read(d, 0, MemSize::B8), 0x0807_0605_0403_0201);
    assert_eq!(d.read(CONFIG + 6, MemSize::B8), Ok(0x0807));
    assert_eq!(d.read(WINDOW_SIZE - 1, MemSize::B1), Ok(0));
    d.write(CONFIG + 3, MemSize::B4, 0xaabb_ccdd).unwrap();
    assert_eq!(driver::config_read(d, 4, MemSize::B1), 0xcc, "byte 4 is writable");
    assert_eq!(driver::config_read(d, 3, MemSize::B1), 4, "byte 3 is not");
    // Narrow or misaligned register accesses read 0 and change nothing.
    assert_eq!(d.read(MAGIC, MemSize::B1), Ok(0));
    assert_eq!(d.read(MAGIC + 2, MemSize::B4), Ok(0));
    d.write(STATUS, MemSize::B1, 1).unwrap();
    d.write(STATUS + 1, MemSize::B4, 1).unwrap();
    assert_eq!(read32(d, STATUS), 0);
    // A 64-bit access acts as two 32-bit ones.
    assert_eq!(d.read(MAGIC, MemSize::B8), Ok(0x0000_0002_7472_6976));
}

#[test]
fn feature_negotiation() {
    let mut r = Rig::new();
    let d = &mut r.dev;
    // Without VERSION_1 FEATURES_OK does not stick (no legacy interface).
    write32(d, STATUS, 3);
    write32(d, DRIVER_FEATURES_SEL, 0);
    write32(d, DRIVER_FEATURES, 1 << 3);
    write32(d, STATUS, 3 | 8);
    assert_eq!(read32(d, STATUS), 3);
    assert_eq!(d.features(), 0);
    // A feature that was not offered is refused too.
    write32(d, DRIVER_FEATURES_SEL, 1);
    write32(d, DRIVER_FEATURES, 1 | 2);
    write32(d, STATUS, 3 | 8);
    assert_eq!(read32(d, STATUS), 3);
    write32(d, DRIVER_FEATURES, 1);
    write32(d, STATUS, 3 | 8);
    assert_eq!(read32(d, STATUS), 3 | 8);
    assert_eq!(d.features(), feature::VIRTIO_F_VERSION_1 | 1 << 3);
    // Fixed once accepted.
    write32(d, DRIVER_FEATURES_SEL, 0);
    write32(d, DRIVER_FEATURES, 0);
    assert_eq!(d.features(), feature::VIRTIO_F_VERSION_1 | 1 << 3);
    // The driver cannot set DEVICE_NEEDS_RESET.
    write32(d, STATUS, 3 | 8 | 64);
    assert_eq!(read32(d, STATUS), 3 | 8);
    write32(d, STATUS, 3 | 8 | 4);
    assert_eq!(d.device().activated, Some(feature::VIRTIO_F_VERSION_1 | 1 << 3));
    // Reset clears everything.
    write32(d, STATUS, 0);
    assert_eq!((read32(d, STATUS), d.features(), d.device().resets, d.device().activated), (0, 0, 1, None));

    let mut r = Rig::new();
    assert_eq!(driver::init(&mut r.dev, ALL | 1 << 3 | 1 << 5), Ok(ALL | 1 << 3 | feature::VIRTIO_F_VERSION_1));
}

#[test]
fn requests_used_ring_and_interrupts() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(0);
    assert!(!r.kick() && !r.irq());
    r.fill(BUF, b"hello, virtio");
    let head =
        q0.add(&mut r.ram, &[(BUF, 5, false), (BUF + 5, 8, false), (BUF + 0x100, 4, true), (BUF + 0x200, 20, true)]);
    assert_eq!(head, Ok(0));
    // Nothing happens until the machine processes.
    q0.notify(&mut r.dev);
    assert_eq!(r.dev.pending_notify(), 1);
    assert!(r.kick() && !r.irq());
    assert_eq!(q0.used_idx(&mut r.ram), 0);
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert!(!r.kick() && r.irq());
    assert_eq!(q0.pop_used(&mut r.ram), Some((0, 13)));
    assert_eq!(r.bytes(BUF + 0x100, 4), b"hell");
    assert_eq!(&r.bytes(BUF + 0x200, 9), b"o, virtio");
    assert_eq!(driver::ack_interrupt(&mut r.dev), INT_USED_BUFFER);
    assert!(!r.irq());

    // Several chains, one notification, one interrupt.
    for i in 0..3u64 {
        q0.add(&mut r.ram, &[(BUF, 1 + i as u32, false), (BUF + 0x300 + 0x10 * i, 16, true)]).unwrap();
    }
    q0.notify(&mut r.dev);
    assert_eq!(r.dev.process(&mut r.ram), 3);
    assert_eq!(q0.pop_used(&mut r.ram), Some((4, 1)));
    assert_eq!(q0.pop_used(&mut r.ram), Some((6, 2)));
    assert_eq!(q0.pop_used(&mut r.ram), Some((8, 3)));
    assert_eq!(q0.pop_used(&mut r.ram), None);
    assert_eq!(driver::ack_interrupt(&mut r.dev), INT_USED_BUFFER);

    // A notification of a queue that does not exist is ignored.
    write32(&mut r.dev, QUEUE_NOTIFY, 7);
    write32(&mut r.dev, QUEUE_NOTIFY, u32::MAX);
    assert!(!r.kick());
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert!(!r.irq());
}

#[test]
fn notifications_before_driver_ok_wait_for_it() {
    let mut r = Rig::new();
    driver::init(&mut r.dev, 0).unwrap();
    let mut q0 = DriverQueue::setup(&mut r.dev, &mut r.ram, 0, 16, QUEUE0).unwrap();
    q0.add(&mut r.ram, &[(BUF, 4, false), (BUF + 0x100, 4, true)]).unwrap();
    q0.notify(&mut r.dev);
    assert!(!r.kick(), "not live yet");
    assert_eq!(r.dev.process(&mut r.ram), 0, "no buffers are used before DRIVER_OK");
    driver::driver_ok(&mut r.dev);
    assert!(r.kick());
    assert_eq!(r.dev.process(&mut r.ram), 1);
}

#[test]
fn receive_queue_keeps_buffers_until_there_is_input() {
    let mut r = Rig::new();
    let (_, mut q1) = r.up(0);
    q1.add(&mut r.ram, &[(BUF, 8, true)]).unwrap();
    q1.add(&mut r.ram, &[(BUF + 8, 8, true)]).unwrap();
    q1.notify(&mut r.dev);
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert!(!r.kick() && !r.irq());
    r.dev.device_mut().input.extend_from_slice(b"0123456789");
    assert_eq!(r.dev.process(&mut r.ram), 2);
    assert_eq!(q1.pop_used(&mut r.ram), Some((0, 8)));
    assert_eq!(q1.pop_used(&mut r.ram), Some((1, 2)));
    assert_eq!(r.bytes(BUF, 10), b"0123456789");
    assert!(r.irq());
}

#[test]
fn reset_clears_queues_and_interrupts() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    q0.notify(&mut r.dev);
    r.dev.process(&mut r.ram);
    assert!(r.irq());
    write32(&mut r.dev, STATUS, 0);
    assert!(!r.irq() && !r.kick());
    write32(&mut r.dev, QUEUE_SEL, 0);
    assert_eq!(read32(&mut r.dev, QUEUE_READY), 0);
    assert_eq!(r.dev.queue(0).map(|q| (q.next_avail(), q.next_used())), Some((0, 0)));
    // And it comes back.
    let (mut q0, _) = r.up(ALL);
    q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
}

#[test]
fn config_change_notification() {
    let mut r = Rig::new();
    r.dev.config_changed();
    assert!(!r.irq(), "not before DRIVER_OK");
    assert_eq!(read32(&mut r.dev, CONFIG_GENERATION), 1);
    r.up(0);
    r.dev.config_changed();
    assert!(r.irq());
    assert_eq!(read32(&mut r.dev, CONFIG_GENERATION), 2);
    assert_eq!(driver::ack_interrupt(&mut r.dev), INT_CONFIG_CHANGE);
    assert!(!r.irq());
}

#[test]
fn bad_queue_layouts() {
    // Rings outside RAM.
    let mut r = Rig::new();
    driver::init(&mut r.dev, 0).unwrap();
    write32(&mut r.dev, QUEUE_SEL, 0);
    write32(&mut r.dev, QUEUE_NUM, 16);
    write32(&mut r.dev, QUEUE_DRIVER_LOW, 0x1000);
    write32(&mut r.dev, QUEUE_READY, 1);
    driver::driver_ok(&mut r.dev);
    write32(&mut r.dev, QUEUE_NOTIFY, 0);
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert_eq!(r.dev.error(), Some("virtqueue ring is not in guest RAM"));

    // A size that is not a power of two: QueueReady does not stick.
    let mut r = Rig::new();
    driver::init(&mut r.dev, 0).unwrap();
    write32(&mut r.dev, QUEUE_SEL, 0);
    write32(&mut r.dev, QUEUE_NUM, 12);
    write32(&mut r.dev, QUEUE_READY, 1);
    assert_eq!(read32(&mut r.dev, QUEUE_READY), 0);
    assert!(r.needs_reset());
    assert_eq!(r.dev.error(), Some("queue size is not a power of two up to QueueNumMax"));

    // Queue registers are frozen while the queue is ready.
    let mut r = Rig::new();
    let (mut q0, _) = r.up(0);
    write32(&mut r.dev, QUEUE_SEL, 0);
    write32(&mut r.dev, QUEUE_DESC_LOW, 0x10);
    write32(&mut r.dev, QUEUE_NUM, 2);
    q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 1);
    // QueueReady 0 stops the queue; its buffers stay.
    write32(&mut r.dev, QUEUE_READY, 0);
    q0.add(&mut r.ram, &[(BUF, 1, false)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 0);
    write32(&mut r.dev, QUEUE_READY, 1);
    assert_eq!(r.dev.process(&mut r.ram), 1);
}

#[test]
fn save_and_restore_mid_operation() {
    let mut r = Rig::new();
    let (mut q0, _) = r.up(ALL);
    r.fill(BUF, b"abcdef");
    q0.add(&mut r.ram, &[(BUF, 3, false), (BUF + 0x100, 3, true)]).unwrap();
    q0.notify(&mut r.dev);
    r.dev.process(&mut r.ram);
    // Not yet acknowledged, and another request notified but not processed.
    q0.add(&mut r.ram, &[(BUF + 3, 3, false), (BUF + 0x200, 3, true)]).unwrap();
    q0.notify(&mut r.dev);
    q0.set_used_event(&mut r.ram, 1).unwrap();
    let state = r.dev.state();
    assert_eq!(state.pending_notify, 1);
    assert_eq!(state.queues[0].next_avail, 1);
    assert_eq!(state.queues[0].signalled_used, Some(1));

    let lines = IrqLevels::new(2);
    let echo = Echo { config: [9; 8], ..Echo::default() };
    let mut dev: Dev = MmioTransport::from_state(&state, echo, lines.line(0), lines.line(1));
    assert!(lines.level(0) && lines.level(1), "restored levels are driven");
    assert_eq!(dev.state(), state);
    assert_eq!(read32(&mut dev, STATUS), 15);
    assert_eq!(dev.features(), ALL | feature::VIRTIO_F_VERSION_1);
    assert_eq!(dev.process(&mut r.ram), 1);
    assert_eq!(q0.pop_used(&mut r.ram), Some((0, 3)));
    assert_eq!(q0.pop_used(&mut r.ram), Some((2, 3)));
    assert_eq!(r.bytes(BUF + 0x200, 3), b"def");

    // Nonsense state is trimmed, not trusted.
    let mut bad = state.clone();
    bad.status = 0xff;
    bad.interrupt_status = u32::MAX;
    bad.pending_notify = u64::MAX;
    bad.queues[0].size = 3;
    bad.queues.truncate(1);
    let dev: Dev = MmioTransport::from_state(&bad, Echo::default(), lines.line(0), lines.line(1));
    let s = dev.state();
    assert_eq!((s.interrupt_status, s.pending_notify, s.queues.len()), (3, 3, 2));
    assert!(!s.queues[0].ready);
    assert!(!dev.needs_process(), "FAILED and NEEDS_RESET: not live");
}

#[test]
fn through_the_address_space() {
    use std::sync::{Arc, Mutex};
    use wemu_dev_common::BusError;
    use wemu_softmmu::{AddressSpace, Arena};

    // The wiring a machine uses: the transport behind a lock, a
    // forwarder in the address space, the queue-work line read after the
    // guest's store.
    struct Forward(Arc<Mutex<Dev>>);
    impl MmioDevice for Forward {
        fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
            self.0.lock().unwrap().read(offset, size)
        }
        fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
            self.0.lock().unwrap().write(offset, size, value)
        }
    }

    let mut space = AddressSpace::new(Arena::new(4 << 20).unwrap());
    space.add_ram(RAM, RAM_SIZE as u64).unwrap();
    let lines = IrqLevels::new(2);
    let dev = Arc::new(Mutex::new(MmioTransport::new(Echo::default(), lines.line(0), lines.line(1))));
    let mmio = 0x1000_1000;
    space.add_mmio(mmio, WINDOW_SIZE, alloc::boxed::Box::new(Forward(dev.clone()))).unwrap();

    // The driver, with the address space as both register bus and RAM.
    struct Bus<'a>(&'a mut AddressSpace, u64);
    impl MmioDevice for Bus<'_> {
        fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
            self.0.read(self.1 + offset, size)
        }
        fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
            self.0.write(self.1 + offset, size, value)
        }
    }
    driver::init(&mut Bus(&mut space, mmio), 0).unwrap();
    // Two views of one space: set the queue up through registers, then
    // write its rings by DMA.
    let mut q0 = DriverQueue::layout(0, 16, QUEUE0);
    {
        let mut bus = Bus(&mut space, mmio);
        write32(&mut bus, QUEUE_SEL, 0);
        write32(&mut bus, QUEUE_NUM, 16);
        for (low, addr) in [(QUEUE_DESC_LOW, q0.desc), (QUEUE_DRIVER_LOW, q0.avail), (QUEUE_DEVICE_LOW, q0.used)] {
            write32(&mut bus, low, addr as u32);
        }
        write32(&mut bus, QUEUE_READY, 1);
        driver::driver_ok(&mut bus);
    }
    space.dma_write(BUF, b"via dma").unwrap();
    q0.add(&mut space, &[(BUF, 7, false), (BUF + 0x100, 7, true)]).unwrap();
    // The guest's store to QueueNotify only records the notification.
    space.write(mmio + QUEUE_NOTIFY, MemSize::B4, 0).unwrap();
    assert!(lines.level(1));
    assert_eq!(q0.used_idx(&mut space), 0);
    // The machine, after the block: process with the address space.
    assert_eq!(dev.lock().unwrap().process(&mut space), 1);
    assert!(!lines.level(1) && lines.level(0));
    assert_eq!(q0.pop_used(&mut space), Some((0, 7)));
    let mut out = [0u8; 7];
    space.dma_read(BUF + 0x100, &mut out).unwrap();
    assert_eq!(&out, b"via dma");
}

//! The entropy device driven the way Linux's virtio-rng driver drives it:
//! one device-writable buffer at a time.

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{IrqLevels, MemSize, SinkLine};
use wemu_dev_virtio::driver::{self, DriverQueue};
use wemu_dev_virtio::mmio::{DEVICE_FEATURES, DEVICE_FEATURES_SEL, DEVICE_ID};
use wemu_dev_virtio::{GuestRam, MmioTransport, VecRam, feature};

use super::*;

const RAM: u64 = 0x8000_0000;
const BUF: u64 = RAM + 0x1_0000;

type Dev = MmioTransport<VirtioRng<Xoshiro256StarStar>, SinkLine<IrqLevels>, SinkLine<IrqLevels>>;

fn up(seed: u64) -> (Dev, VecRam, DriverQueue, IrqLevels) {
    let lines = IrqLevels::new(2);
    let mut dev = MmioTransport::new(VirtioRng::new(Xoshiro256StarStar::new(seed)), lines.line(0), lines.line(1));
    let mut ram = VecRam::new(RAM, 0x20_0000);
    driver::init(&mut dev, feature::VIRTIO_F_EVENT_IDX | feature::VIRTIO_F_INDIRECT_DESC).unwrap();
    let q = DriverQueue::setup(&mut dev, &mut ram, 0, 64, RAM).unwrap();
    driver::driver_ok(&mut dev);
    (dev, ram, q, lines)
}

fn bytes(ram: &mut VecRam, gpa: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    ram.read(gpa, &mut v).unwrap();
    v
}

fn stream(seed: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    Xoshiro256StarStar::new(seed).fill(&mut v);
    v
}

#[test]
fn probe() {
    let (mut dev, ..) = up(1);
    assert_eq!(driver::read32(&mut dev, DEVICE_ID), 4);
    driver::write32(&mut dev, DEVICE_FEATURES_SEL, 0);
    assert_eq!(driver::read32(&mut dev, DEVICE_FEATURES), (1 << 28) | (1 << 29), "only the ring features");
    assert_eq!(driver::config_read(&mut dev, 0, MemSize::B4), 0);
}

#[test]
fn fills_buffers_from_the_source() {
    let (mut dev, mut ram, mut q, lines) = up(5);
    q.add(&mut ram, &[(BUF, 64, true)]).unwrap();
    q.notify(&mut dev);
    assert_eq!(dev.process(&mut ram), 1);
    assert!(lines.level(0));
    assert_eq!(q.pop_used(&mut ram), Some((0, 64)));
    // Across segments and chains: the generator's stream, in order (the
    // device fills 256 bytes at a time, so 64 + 300 + 100 bytes show up
    // as the stream's chunks).
    q.add(&mut ram, &[(BUF + 0x1000, 300, true), (BUF + 0x2000, 100, true)]).unwrap();
    q.add_indirect(&mut ram, BUF + 0x3000, &[(BUF + 0x4000, 7, true)]).unwrap();
    assert_eq!(dev.process(&mut ram), 2);
    assert_eq!(q.pop_used(&mut ram), Some((1, 400)));
    assert_eq!(q.pop_used(&mut ram), Some((3, 7)));
    let mut expect = Xoshiro256StarStar::new(5);
    let mut chunk = |n: usize| {
        let mut v = vec![0; n];
        expect.fill(&mut v);
        v
    };
    assert_eq!(bytes(&mut ram, BUF, 64), chunk(64));
    let mut got = bytes(&mut ram, BUF + 0x1000, 300);
    got.extend(bytes(&mut ram, BUF + 0x2000, 100));
    let mut want = chunk(256);
    want.extend(chunk(144));
    assert_eq!(got, want);
    assert_eq!(bytes(&mut ram, BUF + 0x4000, 7), chunk(7));
}

#[test]
fn requests_are_capped_and_bad_buffers_end_them() {
    let (mut dev, mut ram, mut q, _) = up(9);
    // 1 MiB asked for, 64 KiB given.
    q.add(&mut ram, &[(BUF, 1 << 20, true)]).unwrap();
    // A readable buffer only: nothing to fill.
    q.add(&mut ram, &[(BUF, 16, false)]).unwrap();
    // A buffer that runs out of RAM after 0x100 bytes.
    let end = RAM + 0x20_0000;
    q.add(&mut ram, &[(end - 0x100, 0x1000, true)]).unwrap();
    q.add(&mut ram, &[(0x10, 16, true), (BUF, 16, true)]).unwrap();
    assert_eq!(dev.process(&mut ram), 4);
    assert_eq!(q.pop_used(&mut ram), Some((0, 64 << 10)));
    assert_eq!(q.pop_used(&mut ram), Some((1, 0)));
    assert_eq!(q.pop_used(&mut ram), Some((2, 0x100)));
    assert_eq!(q.pop_used(&mut ram), Some((3, 0)));
    assert_eq!(dev.error(), None);
}

#[test]
fn deterministic_across_save_and_restore() {
    // One run straight through ...
    let (mut dev, mut ram, mut q, _) = up(77);
    for i in 0..4 {
        q.add(&mut ram, &[(BUF + 0x100 * i, 48, true)]).unwrap();
        dev.process(&mut ram);
    }
    let straight = bytes(&mut ram, BUF, 0x400);
    assert_eq!(&straight[..48], &stream(77, 48)[..]);

    // ... and one saved after two requests, with a third notified.
    let (mut dev, mut ram, mut q, _) = up(77);
    for i in 0..2 {
        q.add(&mut ram, &[(BUF + 0x100 * i, 48, true)]).unwrap();
        dev.process(&mut ram);
    }
    q.add(&mut ram, &[(BUF + 0x200, 48, true)]).unwrap();
    q.notify(&mut dev);
    let (transport, device, source) = (dev.state(), dev.device().state(), dev.device().source().state());
    drop(dev);
    let lines = IrqLevels::new(2);
    let rng = VirtioRng::from_state(&device, Xoshiro256StarStar::from_state(source));
    let mut dev: Dev = MmioTransport::from_state(&transport, rng, lines.line(0), lines.line(1));
    assert!(lines.level(1));
    assert_eq!(dev.process(&mut ram), 1);
    q.add(&mut ram, &[(BUF + 0x300, 48, true)]).unwrap();
    assert_eq!(dev.process(&mut ram), 1);
    assert_eq!(bytes(&mut ram, BUF, 0x400), straight);
    assert_eq!(Xoshiro256StarStar::from_state([0; 4]), Xoshiro256StarStar::new(0));
}

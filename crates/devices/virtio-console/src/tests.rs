//! The console driven the way Linux's virtio_console (hvc0) drives it:
//! receive buffers posted up front, one transmit chain per write.

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{BufferBackend, IrqLevels, MemSize, MmioDevice, SinkLine};
use wemu_dev_virtio::driver::{self, DriverQueue};
use wemu_dev_virtio::mmio::{CONFIG, DEVICE_FEATURES, DEVICE_FEATURES_SEL, DEVICE_ID};
use wemu_dev_virtio::{GuestRam, MmioTransport, VecRam, feature};

use super::*;

const RAM: u64 = 0x8000_0000;
const RX: u64 = RAM + 0x1_0000;
const TX: u64 = RAM + 0x2_0000;

type Dev = MmioTransport<VirtioConsole<BufferBackend>, SinkLine<IrqLevels>, SinkLine<IrqLevels>>;

struct Rig {
    dev: Dev,
    ram: VecRam,
    rx: DriverQueue,
    tx: DriverQueue,
    lines: IrqLevels,
}

fn new_dev(lines: &IrqLevels) -> Dev {
    MmioTransport::new(VirtioConsole::new(BufferBackend::new()), lines.line(0), lines.line(1))
}

impl Rig {
    fn up(mut dev: Dev, lines: IrqLevels) -> Rig {
        let mut ram = VecRam::new(RAM, 0x4_0000);
        let ring = feature::VIRTIO_F_EVENT_IDX | feature::VIRTIO_F_INDIRECT_DESC;
        driver::init(&mut dev, VIRTIO_CONSOLE_F_EMERG_WRITE | ring).unwrap();
        let rx = DriverQueue::setup(&mut dev, &mut ram, RECEIVEQ, 16, RAM).unwrap();
        let tx = DriverQueue::setup(&mut dev, &mut ram, TRANSMITQ, 16, RAM + 0x1000).unwrap();
        driver::driver_ok(&mut dev);
        Rig { dev, ram, rx, tx, lines }
    }

    fn new() -> Rig {
        let lines = IrqLevels::new(2);
        Rig::up(new_dev(&lines), lines)
    }

    fn input(&mut self, bytes: &[u8]) {
        self.dev.device_mut().backend_mut().push_input(bytes);
    }

    fn output(&mut self) -> Vec<u8> {
        self.dev.device_mut().backend_mut().take_output()
    }

    fn bytes(&mut self, gpa: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.ram.read(gpa, &mut v).unwrap();
        v
    }

    fn post_rx(&mut self, n: u64, len: u32) {
        for i in 0..n {
            self.rx.add(&mut self.ram, &[(RX + 0x100 * i, len, true)]).unwrap();
        }
        self.rx.notify(&mut self.dev);
    }
}

#[test]
fn probe_and_emergency_write() {
    let lines = IrqLevels::new(2);
    let mut dev = new_dev(&lines);
    assert_eq!(driver::read32(&mut dev, DEVICE_ID), 3);
    driver::write32(&mut dev, DEVICE_FEATURES_SEL, 0);
    assert_eq!(driver::read32(&mut dev, DEVICE_FEATURES), (1 << 2) | (1 << 28) | (1 << 29));
    // emerg_wr works before any initialisation.
    dev.write(CONFIG + CONFIG_EMERG_WR, MemSize::B4, u64::from(b'!') | 0xffff_ff00).unwrap();
    dev.write(CONFIG + CONFIG_EMERG_WR, MemSize::B1, u64::from(b'?')).unwrap();
    dev.write(CONFIG + 4, MemSize::B8, u64::from(b'x') << 32).unwrap(); // covers offset 8
    dev.write(CONFIG + CONFIG_EMERG_WR + 1, MemSize::B1, u64::from(b'n')).unwrap(); // does not
    dev.write(CONFIG, MemSize::B4, u64::from(b'n')).unwrap();
    assert_eq!(dev.device().backend().output(), b"!?x");
    for off in [CONFIG_COLS, CONFIG_ROWS, CONFIG_MAX_NR_PORTS, CONFIG_EMERG_WR] {
        assert_eq!(driver::config_read(&mut dev, off, MemSize::B2), 0);
    }
    let mut r = Rig::up(dev, lines);
    assert_eq!(r.dev.features() & VIRTIO_CONSOLE_F_EMERG_WRITE, VIRTIO_CONSOLE_F_EMERG_WRITE);
    assert_eq!(r.output(), b"!?x");
}

#[test]
fn transmit() {
    let mut r = Rig::new();
    r.ram.write(TX, b"Linux version 6.x\n").unwrap();
    r.tx.add(&mut r.ram, &[(TX, 6, false), (TX + 6, 12, false)]).unwrap();
    r.tx.add_indirect(&mut r.ram, TX + 0x1000, &[(TX, 5, false), (TX + 0x100, 0, false)]).unwrap();
    r.tx.notify(&mut r.dev);
    assert_eq!(r.dev.process(&mut r.ram), 2);
    assert_eq!(r.output(), b"Linux version 6.x\nLinux");
    assert_eq!(r.tx.pop_used(&mut r.ram), Some((0, 0)));
    assert_eq!(r.tx.pop_used(&mut r.ram), Some((2, 0)));
    assert!(r.lines.level(0));
    // Long output crosses the 256-byte chunks; a bad buffer ends a chain
    // after what came before it.
    let long: Vec<u8> = (0..1000).map(|i| b'a' + (i % 26) as u8).collect();
    r.ram.write(TX, &long).unwrap();
    r.tx.add(&mut r.ram, &[(TX, 1000, false)]).unwrap();
    r.tx.add(&mut r.ram, &[(TX, 3, false), (0x10, 5, false), (TX, 3, false)]).unwrap();
    assert_eq!(r.dev.process(&mut r.ram), 2);
    let mut want = long.clone();
    want.extend_from_slice(b"abc");
    assert_eq!(r.output(), want);
    assert_eq!(r.dev.error(), None);
}

#[test]
fn input_waits_for_the_driver_and_for_buffers() {
    let lines = IrqLevels::new(2);
    let mut dev = new_dev(&lines);
    dev.device_mut().backend_mut().push_input(b"early");
    let mut r = Rig::up(dev, lines);
    assert_eq!(r.dev.device().backend().pending_input(), 5, "untouched before DRIVER_OK");
    // Live, but no receive buffers yet: the bytes are queued in the device.
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert_eq!(r.dev.device().pending_input(), 5);
    r.input(b" bird");
    // Buffers of 4 bytes: the input is spread over them.
    r.post_rx(2, 4);
    assert_eq!(r.dev.process(&mut r.ram), 2);
    assert_eq!(r.rx.pop_used(&mut r.ram), Some((0, 4)));
    assert_eq!(r.rx.pop_used(&mut r.ram), Some((1, 4)));
    assert_eq!(r.bytes(RX, 4), b"earl");
    assert_eq!(r.bytes(RX + 0x100, 4), b"y bi");
    assert_eq!(r.dev.device().pending_input(), 2);
    r.post_rx(1, 64);
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(r.rx.pop_used(&mut r.ram), Some((2, 2)));
    assert_eq!(r.bytes(RX, 2), b"rd");
    // A posted buffer with nothing to put in it stays available.
    r.post_rx(1, 64);
    assert_eq!(r.dev.process(&mut r.ram), 0);
    r.input(b"\n");
    assert_eq!(r.dev.process(&mut r.ram), 1);
    assert_eq!(r.rx.pop_used(&mut r.ram), Some((3, 1)));
}

#[test]
fn input_is_bounded_and_never_lost() {
    let mut r = Rig::new();
    let big: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    r.input(&big);
    assert_eq!(r.dev.process(&mut r.ram), 0);
    assert_eq!(r.dev.device().pending_input(), INPUT_LIMIT);
    assert_eq!(r.dev.device().backend().pending_input(), 10_000 - INPUT_LIMIT);
    let mut got = Vec::new();
    while got.len() < big.len() {
        r.post_rx(16, 0x100);
        r.dev.process(&mut r.ram);
        while let Some((id, len)) = r.rx.pop_used(&mut r.ram) {
            got.extend(r.bytes(RX + 0x100 * (u64::from(id) % 16), len as usize));
        }
    }
    assert_eq!(got, big);
    // A receive buffer outside RAM delivers nothing and loses nothing.
    let mut r = Rig::new();
    r.input(b"kept");
    r.rx.add(&mut r.ram, &[(0x10, 16, true)]).unwrap();
    r.dev.process(&mut r.ram);
    assert_eq!(r.rx.pop_used(&mut r.ram).map(|u| u.1), Some(0));
    assert_eq!(r.dev.device().pending_input(), 4);
    assert_eq!(r.dev.error(), None);
}

#[test]
fn save_and_restore_with_pending_input() {
    let mut r = Rig::new();
    r.input(b"pending");
    r.dev.process(&mut r.ram);
    r.ram.write(TX, b"out").unwrap();
    r.tx.add(&mut r.ram, &[(TX, 3, false)]).unwrap();
    r.tx.notify(&mut r.dev);
    let (transport, device) = (r.dev.state(), r.dev.device().state());
    assert_eq!(device.pending_input, b"pending");

    let lines = IrqLevels::new(2);
    let console = VirtioConsole::from_state(&device, BufferBackend::new());
    let mut dev: Dev = MmioTransport::from_state(&transport, console, lines.line(0), lines.line(1));
    assert!(lines.level(1));
    r.post_rx(1, 64);
    assert_eq!(dev.process(&mut r.ram), 2);
    assert_eq!(dev.device().backend().output(), b"out");
    assert_eq!(r.bytes(RX, 7), b"pending");
    // Oversized state is trimmed.
    let big = VirtioConsoleState { pending_input: vec![1; INPUT_LIMIT + 10] };
    assert_eq!(VirtioConsole::from_state(&big, BufferBackend::new()).pending_input(), INPUT_LIMIT);
}

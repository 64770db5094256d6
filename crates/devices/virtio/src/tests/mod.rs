//! The transport and split rings driven the way Linux drives them, and
//! the way a hostile guest might. This module holds the test device and
//! rig; the tests are in `transport`, `rings` and `hostile`.

extern crate std;

mod hostile;
mod rings;
mod transport;

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{IrqLevels, MemSize, MmioDevice, SinkLine};

use crate::driver::{self, DriverQueue, read32, write32};
use crate::mmio::*;
use crate::*;

const RAM: u64 = 0x8000_0000;
const RAM_SIZE: usize = 0x4_0000;
const QUEUE0: u64 = RAM;
const QUEUE1: u64 = RAM + 0x8000;
const BUF: u64 = RAM + 0x1_0000;

/// A device with two queues: 0 copies what it reads into what it may
/// write ("echo"), 1 receives queued input when there is some. Its
/// configuration is 8 bytes, byte 4 writable.
#[derive(Debug, Default)]
struct Echo {
    config: [u8; 8],
    input: Vec<u8>,
    activated: Option<u64>,
    resets: usize,
    /// `process_queue` fails on a chain with this many readable bytes.
    fail_on: Option<u64>,
}

impl VirtioDevice for Echo {
    fn device_id(&self) -> u32 {
        0x42
    }
    fn device_features(&self) -> u64 {
        1 << 3 | 1 << 40 // bit 40 is not the device's to offer: dropped
    }
    fn num_queues(&self) -> u16 {
        2
    }
    fn queue_max_size(&self, queue: u16) -> u16 {
        if queue == 0 { 16 } else { 8 }
    }
    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config, offset, data)
    }
    fn write_config(&mut self, offset: u64, data: &[u8]) {
        if offset <= 4 && offset as usize + data.len() > 4 {
            self.config[4] = data[4 - offset as usize];
        }
    }
    fn activate(&mut self, features: u64) {
        self.activated = Some(features);
    }
    fn reset(&mut self) {
        self.activated = None;
        self.resets += 1;
    }
    fn wants_buffers(&mut self, queue: u16) -> bool {
        queue == 0 || !self.input.is_empty()
    }
    fn process_queue(
        &mut self,
        queue: u16,
        chain: &DescriptorChain,
        mem: &mut dyn GuestRam,
    ) -> Result<u32, DeviceError> {
        if self.fail_on == Some(chain.readable_len()) {
            return Err(DeviceError("echo: told to fail"));
        }
        let mut w = chain.writer();
        if queue == 1 {
            let n = w.write(mem, &self.input).unwrap_or(0);
            self.input.drain(..n);
            return Ok(n as u32);
        }
        let mut r = chain.reader();
        let mut buf = [0u8; 64];
        loop {
            let n = r.read(mem, &mut buf).map_err(|_| DeviceError("echo: bad buffer"))?;
            if n == 0 || w.write(mem, &buf[..n]).map_err(|_| DeviceError("echo: bad buffer"))? < n {
                break;
            }
        }
        Ok(w.written() as u32)
    }
}

type Dev = MmioTransport<Echo, SinkLine<IrqLevels>, SinkLine<IrqLevels>>;

struct Rig {
    dev: Dev,
    ram: VecRam,
    /// Line 0: the interrupt; line 1: queue work.
    lines: IrqLevels,
}

impl Rig {
    fn new() -> Rig {
        let lines = IrqLevels::new(2);
        let dev = MmioTransport::new(
            Echo { config: [1, 2, 3, 4, 5, 6, 7, 8], ..Echo::default() },
            lines.line(0),
            lines.line(1),
        );
        Rig { dev, ram: VecRam::new(RAM, RAM_SIZE), lines }
    }

    fn irq(&self) -> bool {
        self.lines.level(0)
    }

    fn kick(&self) -> bool {
        self.lines.level(1)
    }

    /// Probe, negotiate `wanted`, set up both queues, DRIVER_OK.
    fn up(&mut self, wanted: u64) -> (DriverQueue, DriverQueue) {
        driver::init(&mut self.dev, wanted).unwrap();
        let q0 = DriverQueue::setup(&mut self.dev, &mut self.ram, 0, 16, QUEUE0).unwrap();
        let q1 = DriverQueue::setup(&mut self.dev, &mut self.ram, 1, 8, QUEUE1).unwrap();
        driver::driver_ok(&mut self.dev);
        (q0, q1)
    }

    fn fill(&mut self, gpa: u64, bytes: &[u8]) {
        self.ram.write(gpa, bytes).unwrap();
    }

    fn bytes(&mut self, gpa: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.ram.read(gpa, &mut v).unwrap();
        v
    }

    fn needs_reset(&mut self) -> bool {
        read32(&mut self.dev, STATUS) as u8 & status::DEVICE_NEEDS_RESET != 0
    }
}

const ALL: u64 = feature::VIRTIO_F_INDIRECT_DESC | feature::VIRTIO_F_EVENT_IDX;

//! The virtio console device (VIRTIO 1.2 §5.3) with a single port: no
//! `VIRTIO_CONSOLE_F_MULTIPORT`, so two queues — `receiveq` (0, host to
//! guest) and `transmitq` (1, guest to host) — wired to a
//! [`CharBackend`]. Linux drives it as `hvc0`.
//!
//! * Output: every chain on `transmitq` is written to the backend, read
//!   from guest memory 256 bytes at a time.
//! * Input: when the transport runs the queues, the device pulls bytes
//!   from the backend into a queue of at most [`INPUT_LIMIT`] bytes (the
//!   rest wait in the backend) and copies them into the buffers the driver
//!   has posted on `receiveq`. Until the driver posts some, the bytes stay
//!   queued; until the driver is up, they stay in the backend. The machine
//!   calls `MmioTransport::process` when the host has input, as it polls a
//!   UART.
//! * `VIRTIO_CONSOLE_F_EMERG_WRITE` is offered: a write to `emerg_wr`
//!   (configuration offset 8) sends its low byte at once, before or
//!   without any queue (§5.3.6.2).
//!
//! ```
//! use wemu_dev_virtio::common::{BufferBackend, IrqLevels};
//! use wemu_dev_virtio::driver::{self, DriverQueue};
//! use wemu_dev_virtio::{GuestRam, MmioTransport, VecRam};
//! use wemu_dev_virtio_console::VirtioConsole;
//!
//! let lines = IrqLevels::new(2);
//! let mut dev = MmioTransport::new(VirtioConsole::new(BufferBackend::new()), lines.line(0), lines.line(1));
//! let mut ram = VecRam::new(0x8000_0000, 0x10000);
//! driver::init(&mut dev, 0).unwrap();
//! let mut rx = DriverQueue::setup(&mut dev, &mut ram, 0, 8, 0x8000_0000).unwrap();
//! let mut tx = DriverQueue::setup(&mut dev, &mut ram, 1, 8, 0x8000_1000).unwrap();
//! driver::driver_ok(&mut dev);
//!
//! ram.write(0x8000_4000, b"hello").unwrap();
//! tx.add(&mut ram, &[(0x8000_4000, 5, false)]).unwrap();
//! tx.notify(&mut dev);
//! dev.process(&mut ram);
//! assert_eq!(dev.device().backend().output(), b"hello");
//!
//! dev.device_mut().backend_mut().push_input(b"ls\n");
//! rx.add(&mut ram, &[(0x8000_5000, 64, true)]).unwrap();
//! dev.process(&mut ram);
//! assert_eq!(rx.pop_used(&mut ram), Some((0, 3)));
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use wemu_dev_common::CharBackend;
use wemu_dev_virtio::{DescriptorChain, DeviceError, GuestRam, VirtioDevice, device_id, read_config_bytes};

#[cfg(test)]
mod tests;

/// `receiveq` of port 0.
pub const RECEIVEQ: u16 = 0;
/// `transmitq` of port 0.
pub const TRANSMITQ: u16 = 1;
/// Entries in each queue (`QueueNumMax`).
pub const QUEUE_SIZE: u16 = 128;
/// Most input bytes the device holds for the guest; more wait in the
/// backend.
pub const INPUT_LIMIT: usize = 4096;

// Feature bits (§5.3.3).
pub const VIRTIO_CONSOLE_F_SIZE: u64 = 1 << 0;
pub const VIRTIO_CONSOLE_F_MULTIPORT: u64 = 1 << 1;
pub const VIRTIO_CONSOLE_F_EMERG_WRITE: u64 = 1 << 2;

// Configuration space (§5.3.4, struct virtio_console_config).
pub const CONFIG_COLS: u64 = 0;
pub const CONFIG_ROWS: u64 = 2;
pub const CONFIG_MAX_NR_PORTS: u64 = 4;
pub const CONFIG_EMERG_WR: u64 = 8;
pub const CONFIG_SIZE: usize = 12;

/// The device's state as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VirtioConsoleState {
    /// Input taken from the backend and not yet given to the guest,
    /// oldest first (at most [`INPUT_LIMIT`] bytes).
    pub pending_input: Vec<u8>,
}

/// A single-port virtio console over a [`CharBackend`]. Put it in a
/// [`wemu_dev_virtio::MmioTransport`].
#[derive(Debug)]
pub struct VirtioConsole<B> {
    backend: B,
    input: VecDeque<u8>,
}

impl<B: CharBackend> VirtioConsole<B> {
    pub fn new(backend: B) -> Self {
        Self::from_state(&VirtioConsoleState::default(), backend)
    }

    /// A console in `state` (input past [`INPUT_LIMIT`] is dropped).
    pub fn from_state(state: &VirtioConsoleState, backend: B) -> Self {
        VirtioConsole { backend, input: state.pending_input.iter().copied().take(INPUT_LIMIT).collect() }
    }

    /// The state, as plain data.
    pub fn state(&self) -> VirtioConsoleState {
        VirtioConsoleState { pending_input: self.input.iter().copied().collect() }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Input bytes waiting for receive buffers.
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }

    /// Moves input from the backend into the device's queue while there
    /// is room; returns how many bytes moved.
    pub fn poll_input(&mut self) -> usize {
        let mut moved = 0;
        while self.input.len() < INPUT_LIMIT {
            let Some(b) = self.backend.read() else { break };
            self.input.push_back(b);
            moved += 1;
        }
        moved
    }

    /// `receiveq`: as much pending input as the chain's writable buffers
    /// hold.
    fn receive(&mut self, chain: &DescriptorChain, mem: &mut dyn GuestRam) -> u32 {
        let mut w = chain.writer();
        let (front, back) = self.input.as_slices();
        if w.write(mem, front).is_ok_and(|n| n == front.len()) {
            let _ = w.write(mem, back);
        }
        // On a bus error the bytes before the bad buffer were delivered.
        let n = w.written() as usize;
        self.input.drain(..n.min(self.input.len()));
        n as u32
    }

    /// `transmitq`: the chain's readable bytes to the backend.
    fn transmit(&mut self, chain: &DescriptorChain, mem: &mut dyn GuestRam) {
        let mut r = chain.reader();
        let mut buf = [0u8; 256];
        loop {
            let before = r.consumed();
            let result = r.read(mem, &mut buf);
            // On a bus error, the bytes before the bad buffer still go out.
            let n = (r.consumed() - before) as usize;
            if n != 0 {
                self.backend.write(buf.get(..n).unwrap_or_default());
            }
            if !matches!(result, Ok(k) if k != 0) {
                break;
            }
        }
    }
}

impl<B: CharBackend> VirtioDevice for VirtioConsole<B> {
    fn device_id(&self) -> u32 {
        device_id::CONSOLE
    }

    fn device_features(&self) -> u64 {
        VIRTIO_CONSOLE_F_EMERG_WRITE
    }

    fn num_queues(&self) -> u16 {
        2
    }

    fn queue_max_size(&self, _: u16) -> u16 {
        QUEUE_SIZE
    }

    /// `cols`, `rows` and `max_nr_ports` read 0 (their features are not
    /// offered); `emerg_wr` is write-only and reads 0.
    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&[0; CONFIG_SIZE], offset, data)
    }

    fn write_config(&mut self, offset: u64, data: &[u8]) {
        // The byte of emerg_wr's low byte, if this write covers it.
        let Some(at) = CONFIG_EMERG_WR.checked_sub(offset) else { return };
        if let Some(&byte) = usize::try_from(at).ok().and_then(|i| data.get(i)) {
            self.backend.write(&[byte]);
        }
    }

    fn reset(&mut self) {
        // Pending input is the host's (typed, not yet delivered): kept.
    }

    fn wants_buffers(&mut self, queue: u16) -> bool {
        match queue {
            RECEIVEQ => {
                self.poll_input();
                !self.input.is_empty()
            }
            _ => true,
        }
    }

    fn process_queue(
        &mut self,
        queue: u16,
        chain: &DescriptorChain,
        mem: &mut dyn GuestRam,
    ) -> Result<u32, DeviceError> {
        match queue {
            RECEIVEQ => Ok(self.receive(chain, mem)),
            _ => {
                self.transmit(chain, mem);
                Ok(0)
            }
        }
    }
}

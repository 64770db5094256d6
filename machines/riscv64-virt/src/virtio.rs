//! The virtio-mmio slots: up to [`VIRTIO_SLOTS`] transports at
//! `0x1000_1000 + 0x1000 × slot` on PLIC source `1 + slot`, each holding
//! a block device, an entropy source or a console.
//!
//! A guest's `QueueNotify` only records the notification (see
//! `wemu_dev_virtio`: the address space is busy during the access): the
//! transport's queue-work line is a [`Kick`], which sets the slot's bit and
//! asks the vCPU loop to return, and the board then runs
//! [`Slot::process`] with the address space as guest memory. Consoles are
//! also processed whenever the host has input.

use alloc::boxed::Box;
use alloc::sync::Arc;

use spin::Mutex;

use wemu_dev_common::{CharBackend, IrqLevels, IrqLine, IrqSink};
use wemu_dev_virtio::{GuestRam, MmioTransport, VirtioDevice};
use wemu_dev_virtio_blk::{BlockBackend, VirtioBlk};
use wemu_dev_virtio_console::VirtioConsole;
use wemu_dev_virtio_rng::{EntropySource, VirtioRng};
use wemu_exec::ExitRequest;

pub use crate::memmap::VIRTIO_SLOTS;

/// A device for a virtio-mmio slot.
pub enum VirtioDev {
    /// virtio-blk over a raw image, with its serial (`VIRTIO_BLK_T_GET_ID`).
    Blk { backend: Box<dyn BlockBackend + Send>, serial: alloc::vec::Vec<u8> },
    /// virtio-rng.
    Rng(Box<dyn EntropySource + Send>),
    /// virtio-console (Linux's `hvc0`).
    Console(Box<dyn CharBackend + Send>),
}

impl core::fmt::Debug for VirtioDev {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            VirtioDev::Blk { .. } => "VirtioDev::Blk",
            VirtioDev::Rng(_) => "VirtioDev::Rng",
            VirtioDev::Console(_) => "VirtioDev::Console",
        })
    }
}

/// The queue-work line of slot `slot`: its bit in `levels`, and a request
/// that the vCPU loop return when it rises.
#[derive(Debug)]
pub struct Kick {
    pub levels: IrqLevels,
    pub slot: u32,
    /// Every hart's exit request (whichever runs returns).
    pub exit: alloc::vec::Vec<ExitRequest>,
}

impl IrqLine for Kick {
    fn set(&mut self, level: bool) {
        self.levels.set_irq(self.slot, level);
        if level {
            self.exit.iter().for_each(ExitRequest::request);
        }
    }
}

/// A transport in a slot, whatever its device.
pub trait Slot: wemu_dev_common::MmioDevice + Send {
    /// Runs the queues with `mem` as guest memory.
    fn process(&mut self, mem: &mut dyn GuestRam) -> usize;
    /// Whether it is a console (processed when the host has input).
    fn is_console(&self) -> bool;
}

impl<D, I> Slot for MmioTransport<D, I, Kick>
where
    D: VirtioDevice + Send + 'static,
    I: IrqLine + Send,
{
    fn process(&mut self, mem: &mut dyn GuestRam) -> usize {
        MmioTransport::process(self, mem)
    }

    fn is_console(&self) -> bool {
        self.device().device_id() == wemu_dev_virtio::device_id::CONSOLE
    }
}

/// The transport for `dev`, interrupting on `irq`, kicking through `kick`.
pub fn transport<I: IrqLine + Send + 'static>(dev: VirtioDev, irq: I, kick: Kick) -> Arc<Mutex<dyn Slot>> {
    match dev {
        VirtioDev::Blk { backend, serial } => {
            Arc::new(Mutex::new(MmioTransport::new(VirtioBlk::new(backend).with_serial(&serial), irq, kick)))
        }
        VirtioDev::Rng(source) => Arc::new(Mutex::new(MmioTransport::new(VirtioRng::new(source), irq, kick))),
        VirtioDev::Console(backend) => Arc::new(Mutex::new(MmioTransport::new(VirtioConsole::new(backend), irq, kick))),
    }
}

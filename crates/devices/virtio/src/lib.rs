//! Virtio for wemu device models: the MMIO transport, version 2 (VIRTIO 1.2
//! §4.2), and split virtqueues (§2.7) with indirect descriptors
//! (§2.7.5.3) and event-index notification suppression (§2.7.7, §2.7.10).
//! Device types — block, entropy, console — live in their own crates and
//! implement [`VirtioDevice`].
//!
//! * [`MmioTransport`]: the register window a machine maps (usually
//!   [`WINDOW_SIZE`] bytes in a 0x1000 slot), feature negotiation
//!   (VIRTIO_F_VERSION_1 required, INDIRECT_DESC and EVENT_IDX offered),
//!   device status with reset and `DEVICE_NEEDS_RESET`, the interrupt
//!   status, configuration space at 0x100 with `ConfigGeneration`; the
//!   register offsets are in [`mmio`].
//! * [`SplitQueue`]: one virtqueue, device side; it validates every chain
//!   it reads ([`DescriptorChain`]) and returns used buffers.
//! * [`GuestRam`]: DMA by guest-physical address, implemented for
//!   [`wemu_softmmu::AddressSpace`] and for [`VecRam`] (tests).
//! * [`driver`]: a small virtio driver over [`VecRam`] that sets devices
//!   up the way Linux's `virtio_mmio` and `virtio_ring` do, for tests.
//!
//! # Notify, then process
//!
//! A device is reached from the guest through
//! [`MmioDevice::write`](wemu_dev_common::MmioDevice::write), which the
//! address space calls *from inside* `AddressSpace::write` — the address
//! space is borrowed, so the device cannot DMA there. So a write to
//! `QueueNotify` only records the notification: the queue's bit in
//! [`MmioTransport::pending_notify`] is set and the transport's
//! *queue-work line* (its `K: IrqLine`) goes high. The machine watches that
//! line (an [`IrqLevels`](wemu_dev_common::IrqLevels) bit read at block
//! boundaries is enough; it must not lock the device, which is mid-access)
//! and later, with the address space free, calls
//! [`MmioTransport::process`] with it:
//!
//! ```text
//! vCPU: store to QueueNotify ─► AddressSpace::write ─► forwarder ─► transport.write
//!                                                   pending |= 1 << q; kick line high
//! machine, after the block:  kicks.word(0) != 0 ─► virtio[i].lock().process(&mut space)
//!                                                   pop chains, device.process_queue,
//!                                                   push used, raise IRQ, kick line low
//! ```
//!
//! The transport therefore lives behind a lock the machine shares, with a
//! two-line `MmioDevice` forwarder in the address space, as the
//! `wemu-dev-common` wiring model describes. DMA through `AddressSpace`
//! reaches RAM and ROM only, so `process` never re-enters a device.
//! Devices with input from the host (a console) are processed whenever
//! the host has input, too: `process` looks at every ready queue.
//!
//! # Robustness
//!
//! Nothing a guest writes or puts in memory makes the host panic or hang
//! (DESIGN.md decision 12). Register accesses of any offset, size and
//! value are answered. A malformed chain (a loop, an index out of range,
//! nested indirect tables, a bad indirect table length, more than
//! [`MAX_CHAIN_DESCRIPTORS`] descriptors or 2^32 bytes, a readable buffer
//! after a writable one) or a ring outside RAM sets `DEVICE_NEEDS_RESET`
//! with a configuration change interrupt (§2.1.2), records why
//! ([`MmioTransport::error`]) and stops all queue processing until the
//! driver resets the device. Work per `process` call is bounded by the
//! queue sizes and the chain limits.
//!
//! # State
//!
//! [`MmioTransport::state`] / [`MmioTransport::from_state`] save and
//! restore the transport (status, features, queue addresses and ring
//! positions, interrupt status) as a [`MmioTransportState`]; the device
//! type saves its own.
//!
//! ```
//! use wemu_dev_common::{IrqLevels, MemSize, MmioDevice};
//! use wemu_dev_virtio::driver::{self, DriverQueue};
//! use wemu_dev_virtio::*;
//!
//! /// A device that reports how many bytes it was given.
//! struct Counter;
//! impl VirtioDevice for Counter {
//!     fn device_id(&self) -> u32 { 0x1234 }
//!     fn device_features(&self) -> u64 { 0 }
//!     fn num_queues(&self) -> u16 { 1 }
//!     fn queue_max_size(&self, _: u16) -> u16 { 16 }
//!     fn read_config(&self, offset: u64, data: &mut [u8]) { read_config_bytes(&[], offset, data) }
//!     fn reset(&mut self) {}
//!     fn process_queue(&mut self, _: u16, chain: &DescriptorChain, mem: &mut dyn GuestRam)
//!         -> Result<u32, DeviceError> {
//!         let n = chain.readable_len() as u32;
//!         chain.writer().write(mem, &n.to_le_bytes()).map_err(|_| DeviceError("bad buffer"))?;
//!         Ok(4)
//!     }
//! }
//!
//! let lines = IrqLevels::new(2); // 0: interrupt, 1: queue work
//! let mut dev = MmioTransport::new(Counter, lines.line(0), lines.line(1));
//! let mut ram = VecRam::new(0x8000_0000, 0x10000);
//! driver::init(&mut dev, 0).unwrap();
//! let mut q = DriverQueue::setup(&mut dev, &mut ram, 0, 16, 0x8000_0000).unwrap();
//! driver::driver_ok(&mut dev);
//!
//! q.add(&mut ram, &[(0x8000_4000, 100, false), (0x8000_5000, 4, true)]).unwrap();
//! q.notify(&mut dev);
//! assert!(lines.level(1)); // the machine sees queue work ...
//! assert_eq!(dev.process(&mut ram), 1); // ... and runs it with guest memory
//! assert!(!lines.level(1) && lines.level(0));
//! assert_eq!(q.pop_used(&mut ram), Some((0, 4)));
//! assert_eq!(ram.read_u32(0x8000_5000), Ok(100));
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod chain;
mod desc;
mod device;
pub mod driver;
pub mod mmio;
mod queue;
mod ram;

pub use chain::{
    ChainError, ChainIoError, DescriptorChain, MAX_CHAIN_BYTES, MAX_CHAIN_DESCRIPTORS, Reader, Segment, Writer,
};
pub use desc::{DESC_SIZE, DescView, Descriptor, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE};
pub use device::{DeviceError, VirtioDevice, device_id, feature, read_config_bytes, status};
pub use mmio::{MmioTransport, MmioTransportState, TRANSPORT_FEATURES, WINDOW_SIZE};
pub use queue::{
    MAX_QUEUE_SIZE, QueueError, QueueState, SplitQueue, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_F_NO_NOTIFY,
    vring_need_event,
};
pub use ram::{GuestRam, VecRam};
/// The host-facing traits and types this crate's API uses.
pub use wemu_dev_common as common;

#[cfg(test)]
mod tests;

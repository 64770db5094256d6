//! The virtio block device (VIRTIO 1.2 §5.2) over a raw image.
//!
//! One request queue of [`QUEUE_SIZE`] entries. Requests: `VIRTIO_BLK_T_IN`
//! (read), `_OUT` (write), `_FLUSH`, `_GET_ID` (the serial, 20 bytes,
//! NUL-padded), `_DISCARD` and `_WRITE_ZEROES`. Features offered:
//! `VIRTIO_BLK_F_SEG_MAX`, `_BLK_SIZE`, `_FLUSH`, and either `_RO` (for a
//! read-only image) or `_DISCARD` and `_WRITE_ZEROES`. Configuration space
//! holds the capacity in 512-byte sectors and the limits those features
//! announce (§5.2.4).
//!
//! The bytes live in a [`BlockBackend`] the host supplies (a file on the
//! native host; [`VecBackend`] for tests). Every request is checked before
//! it reaches the backend: sector ranges must lie inside the image and be
//! whole sectors, discard and write-zeroes segments must be well-formed;
//! anything else completes with `VIRTIO_BLK_S_IOERR` or `_UNSUPP` as §5.2.6
//! says. A request without a complete header or without a status byte
//! cannot be answered at all: the device asks for a reset
//! (`DEVICE_NEEDS_RESET`, see `wemu-dev-virtio`). Data moves through a
//! 64 KiB bounce buffer, so no request allocates in proportion to what the
//! guest asks for.
//!
//! ```
//! use wemu_dev_virtio::common::IrqLevels;
//! use wemu_dev_virtio::driver::{self, DriverQueue};
//! use wemu_dev_virtio::{GuestRam, MmioTransport, VecRam};
//! use wemu_dev_virtio_blk::*;
//!
//! let disk = VecBackend::new(vec![0xab; 4096]);
//! let lines = IrqLevels::new(2);
//! let mut dev = MmioTransport::new(VirtioBlk::new(disk), lines.line(0), lines.line(1));
//! let mut ram = VecRam::new(0x8000_0000, 0x10000);
//! driver::init(&mut dev, VIRTIO_BLK_F_FLUSH).unwrap();
//! let mut q = DriverQueue::setup(&mut dev, &mut ram, 0, 16, 0x8000_0000).unwrap();
//! driver::driver_ok(&mut dev);
//!
//! // Read sector 2: header, 512 bytes of data, status.
//! let (hdr, data, status) = (0x8000_1000, 0x8000_2000, 0x8000_3000);
//! ram.write(hdr, &RequestHeader { request_type: VIRTIO_BLK_T_IN, sector: 2 }.to_bytes()).unwrap();
//! q.add(&mut ram, &[(hdr, 16, false), (data, 512, true), (status, 1, true)]).unwrap();
//! q.notify(&mut dev);
//! dev.process(&mut ram);
//! assert_eq!(q.pop_used(&mut ram), Some((0, 513)));
//! assert_eq!(ram.read_u32(data), Ok(0xabab_abab));
//! let mut s = [0xff];
//! ram.read(status, &mut s).unwrap();
//! assert_eq!(s[0], VIRTIO_BLK_S_OK);
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod backend;
mod request;

use alloc::vec::Vec;

use wemu_dev_virtio::{DescriptorChain, DeviceError, GuestRam, VirtioDevice, device_id, read_config_bytes};

pub use backend::{BlockBackend, BlockError, VecBackend};
pub use request::{DiscardSegment, RequestHeader};

#[cfg(test)]
mod tests;

/// Entries in the request queue (`QueueNumMax`).
pub const QUEUE_SIZE: u16 = 256;
/// Bytes per sector: the unit of `capacity` and of request sectors,
/// whatever the block size (§5.2.5).
pub const SECTOR_SIZE: u64 = 512;
/// `seg_max`: data segments per request, leaving room for the header and
/// the status in a queue-sized chain.
pub const SEG_MAX: u32 = QUEUE_SIZE as u32 - 2;
/// `max_discard_sectors` and `max_write_zeroes_sectors`: 2 GiB per segment.
pub const MAX_DISCARD_SECTORS: u32 = 1 << 22;
/// `max_discard_seg` and `max_write_zeroes_seg`.
pub const MAX_DISCARD_SEG: u32 = 16;
/// Length of the device ID string (`VIRTIO_BLK_T_GET_ID`).
pub const ID_BYTES: usize = 20;

// Feature bits (§5.2.3).
pub const VIRTIO_BLK_F_SIZE_MAX: u64 = 1 << 1;
pub const VIRTIO_BLK_F_SEG_MAX: u64 = 1 << 2;
pub const VIRTIO_BLK_F_GEOMETRY: u64 = 1 << 4;
pub const VIRTIO_BLK_F_RO: u64 = 1 << 5;
pub const VIRTIO_BLK_F_BLK_SIZE: u64 = 1 << 6;
pub const VIRTIO_BLK_F_FLUSH: u64 = 1 << 9;
pub const VIRTIO_BLK_F_TOPOLOGY: u64 = 1 << 10;
pub const VIRTIO_BLK_F_CONFIG_WCE: u64 = 1 << 11;
pub const VIRTIO_BLK_F_MQ: u64 = 1 << 12;
pub const VIRTIO_BLK_F_DISCARD: u64 = 1 << 13;
pub const VIRTIO_BLK_F_WRITE_ZEROES: u64 = 1 << 14;

// Request types (§5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
pub const VIRTIO_BLK_T_OUT: u32 = 1;
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;
pub const VIRTIO_BLK_T_GET_LIFETIME: u32 = 10;
pub const VIRTIO_BLK_T_DISCARD: u32 = 11;
pub const VIRTIO_BLK_T_WRITE_ZEROES: u32 = 13;
pub const VIRTIO_BLK_T_SECURE_ERASE: u32 = 14;

// Status values (§5.2.6).
pub const VIRTIO_BLK_S_OK: u8 = 0;
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

/// `flags.unmap` of a discard / write-zeroes segment.
pub const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP: u32 = 1;

// Configuration space offsets (§5.2.4, struct virtio_blk_config).
pub const CONFIG_CAPACITY: usize = 0;
pub const CONFIG_SEG_MAX: usize = 12;
pub const CONFIG_BLK_SIZE: usize = 20;
pub const CONFIG_MAX_DISCARD_SECTORS: usize = 36;
pub const CONFIG_MAX_DISCARD_SEG: usize = 40;
pub const CONFIG_DISCARD_SECTOR_ALIGNMENT: usize = 44;
pub const CONFIG_MAX_WRITE_ZEROES_SECTORS: usize = 48;
pub const CONFIG_MAX_WRITE_ZEROES_SEG: usize = 52;
pub const CONFIG_WRITE_ZEROES_MAY_UNMAP: usize = 56;
/// Bytes of configuration space modelled (up to `unused1`); the rest
/// reads as 0.
pub const CONFIG_SIZE: usize = 60;

/// The device's state as plain data. The image is the backend's, not
/// state; the serial and block size are configuration, given again when
/// restoring.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VirtioBlkState {
    /// Features negotiated at DRIVER_OK (0 before).
    pub features: u64,
}

/// A virtio block device over `B`. Put it in a
/// [`wemu_dev_virtio::MmioTransport`].
#[derive(Debug)]
pub struct VirtioBlk<B> {
    backend: B,
    serial: [u8; ID_BYTES],
    blk_size: u32,
    features: u64,
    /// Data moves through here; allocated on first use.
    bounce: Vec<u8>,
}

impl<B: BlockBackend> VirtioBlk<B> {
    /// A device over `backend` with an empty serial and 512-byte blocks.
    pub fn new(backend: B) -> Self {
        Self::from_state(&VirtioBlkState::default(), backend)
    }

    /// A device in `state` over `backend`.
    pub fn from_state(state: &VirtioBlkState, backend: B) -> Self {
        VirtioBlk { backend, serial: [0; ID_BYTES], blk_size: 512, features: state.features, bounce: Vec::new() }
    }

    /// The state, as plain data.
    pub fn state(&self) -> VirtioBlkState {
        VirtioBlkState { features: self.features }
    }

    /// Sets the device ID string `VIRTIO_BLK_T_GET_ID` returns (Linux's
    /// `/sys/block/vda/serial`): the first 20 bytes, NUL-padded.
    pub fn with_serial(mut self, serial: &[u8]) -> Self {
        self.serial = [0; ID_BYTES];
        for (d, s) in self.serial.iter_mut().zip(serial) {
            *d = *s;
        }
        self
    }

    /// Sets the block size the device advertises (`blk_size`): a power of
    /// two from 512 to 64 KiB; other values are ignored. Requests still
    /// count in 512-byte sectors.
    pub fn with_block_size(mut self, blk_size: u32) -> Self {
        if blk_size.is_power_of_two() && (512..=65536).contains(&blk_size) {
            self.blk_size = blk_size;
        }
        self
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.backend.len() / SECTOR_SIZE
    }

    fn read_only(&self) -> bool {
        self.backend.read_only()
    }

    fn config(&self) -> [u8; CONFIG_SIZE] {
        let mut c = [0u8; CONFIG_SIZE];
        let mut put = |at: usize, bytes: &[u8]| {
            if let Some(dst) = c.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
        };
        put(CONFIG_CAPACITY, &self.capacity().to_le_bytes());
        put(CONFIG_SEG_MAX, &SEG_MAX.to_le_bytes());
        put(CONFIG_BLK_SIZE, &self.blk_size.to_le_bytes());
        if !self.read_only() {
            let alignment = self.blk_size / SECTOR_SIZE as u32;
            put(CONFIG_MAX_DISCARD_SECTORS, &MAX_DISCARD_SECTORS.to_le_bytes());
            put(CONFIG_MAX_DISCARD_SEG, &MAX_DISCARD_SEG.to_le_bytes());
            put(CONFIG_DISCARD_SECTOR_ALIGNMENT, &alignment.to_le_bytes());
            put(CONFIG_MAX_WRITE_ZEROES_SECTORS, &MAX_DISCARD_SECTORS.to_le_bytes());
            put(CONFIG_MAX_WRITE_ZEROES_SEG, &MAX_DISCARD_SEG.to_le_bytes());
            // write_zeroes_may_unmap stays 0: the backend may or may not.
        }
        c
    }
}

impl<B: BlockBackend> VirtioDevice for VirtioBlk<B> {
    fn device_id(&self) -> u32 {
        device_id::BLOCK
    }

    fn device_features(&self) -> u64 {
        let common = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH;
        if self.read_only() {
            common | VIRTIO_BLK_F_RO
        } else {
            common | VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES
        }
    }

    fn num_queues(&self) -> u16 {
        1
    }

    fn queue_max_size(&self, _: u16) -> u16 {
        QUEUE_SIZE
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config(), offset, data)
    }

    fn activate(&mut self, features: u64) {
        self.features = features;
    }

    fn reset(&mut self) {
        self.features = 0;
    }

    fn process_queue(&mut self, _: u16, chain: &DescriptorChain, mem: &mut dyn GuestRam) -> Result<u32, DeviceError> {
        self.handle(chain, mem)
    }
}

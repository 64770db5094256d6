//! Guest memory as a virtio device sees it: DMA by guest-physical address.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use wemu_dev_common::BusError;
use wemu_softmmu::AddressSpace;

/// Guest-physical memory a device reaches by DMA: the rings and the
/// buffers the driver hands over.
///
/// Implemented for [`AddressSpace`] (its `dma_read` / `dma_write`: RAM and
/// ROM only, so a device can never reach MMIO — and so never re-enters a
/// device, its own included) and for [`VecRam`], a plain buffer for tests.
///
/// An access either succeeds whole or fails with [`BusError`]; a failed
/// `write` may have written part of `buf` (a device treats the
/// destination as garbage then).
pub trait GuestRam {
    /// Reads `buf.len()` bytes at `gpa`.
    fn read(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), BusError>;

    /// Writes `buf` at `gpa`.
    fn write(&mut self, gpa: u64, buf: &[u8]) -> Result<(), BusError>;

    /// Reads a little-endian `u16` (virtio 1.x structures are little-endian,
    /// VIRTIO 1.2 §1.4).
    fn read_u16(&mut self, gpa: u64) -> Result<u16, BusError> {
        let mut b = [0; 2];
        self.read(gpa, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    /// Reads a little-endian `u32`.
    fn read_u32(&mut self, gpa: u64) -> Result<u32, BusError> {
        let mut b = [0; 4];
        self.read(gpa, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads a little-endian `u64`.
    fn read_u64(&mut self, gpa: u64) -> Result<u64, BusError> {
        let mut b = [0; 8];
        self.read(gpa, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a little-endian `u16`.
    fn write_u16(&mut self, gpa: u64, value: u16) -> Result<(), BusError> {
        self.write(gpa, &value.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    fn write_u32(&mut self, gpa: u64, value: u32) -> Result<(), BusError> {
        self.write(gpa, &value.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    fn write_u64(&mut self, gpa: u64, value: u64) -> Result<(), BusError> {
        self.write(gpa, &value.to_le_bytes())
    }
}

impl<T: GuestRam + ?Sized> GuestRam for &mut T {
    fn read(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), BusError> {
        (**self).read(gpa, buf)
    }
    fn write(&mut self, gpa: u64, buf: &[u8]) -> Result<(), BusError> {
        (**self).write(gpa, buf)
    }
}

impl GuestRam for AddressSpace {
    fn read(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), BusError> {
        self.dma_read(gpa, buf)
    }
    fn write(&mut self, gpa: u64, buf: &[u8]) -> Result<(), BusError> {
        self.dma_write(gpa, buf)
    }
}

/// Guest RAM in a `Vec`: `size` bytes at guest-physical `base`, zeroed.
/// Anything outside is a bus error. For tests and examples.
///
/// ```
/// use wemu_dev_virtio::{GuestRam, VecRam};
///
/// let mut ram = VecRam::new(0x8000_0000, 0x1000);
/// ram.write_u32(0x8000_0ffc, 0xdead_beef).unwrap();
/// assert_eq!(ram.read_u32(0x8000_0ffc), Ok(0xdead_beef));
/// assert!(ram.read_u32(0x8000_0ffe).is_err()); // runs past the end
/// assert!(ram.read_u16(0x7fff_fffe).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecRam {
    base: u64,
    bytes: Vec<u8>,
}

impl VecRam {
    /// `size` zeroed bytes at `base`.
    pub fn new(base: u64, size: usize) -> VecRam {
        VecRam { base, bytes: vec![0; size] }
    }

    /// The guest-physical address of the first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The size in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// All the bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// All the bytes, to change.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// The index range of `len` bytes at `gpa`, if all inside.
    fn range(&self, gpa: u64, len: usize) -> Option<Range<usize>> {
        let start = usize::try_from(gpa.checked_sub(self.base)?).ok()?;
        let end = start.checked_add(len)?;
        (end <= self.bytes.len()).then_some(start..end)
    }
}

impl GuestRam for VecRam {
    fn read(&mut self, gpa: u64, buf: &mut [u8]) -> Result<(), BusError> {
        let r = self.range(gpa, buf.len()).ok_or(BusError)?;
        buf.copy_from_slice(self.bytes.get(r).ok_or(BusError)?);
        Ok(())
    }

    fn write(&mut self, gpa: u64, buf: &[u8]) -> Result<(), BusError> {
        let r = self.range(gpa, buf.len()).ok_or(BusError)?;
        self.bytes.get_mut(r).ok_or(BusError)?.copy_from_slice(buf);
        Ok(())
    }
}

//! Where the disk's bytes live: a raw image behind [`BlockBackend`].

use alloc::vec;
use alloc::vec::Vec;

/// A backend operation failed (the guest sees `VIRTIO_BLK_S_IOERR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockError;

/// A raw disk image, byte-addressed. The native host implements it on a
/// file, the web host on an in-memory or OPFS image; [`VecBackend`] is a
/// `Vec` for tests.
///
/// The device checks every range against [`BlockBackend::len`] before
/// calling, so implementations see only ranges inside the image.
pub trait BlockBackend {
    /// Size of the image in bytes. The guest sees whole 512-byte sectors;
    /// a partial last sector is not reachable.
    fn len(&self) -> u64;

    /// Whether the image is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether writes are refused (the device then offers
    /// `VIRTIO_BLK_F_RO`).
    fn read_only(&self) -> bool {
        false
    }

    /// Fills `buf` from byte `offset`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BlockError>;

    /// Writes `buf` at byte `offset`.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), BlockError>;

    /// Makes completed writes durable.
    fn flush(&mut self) -> Result<(), BlockError>;

    /// The guest no longer needs `len` bytes at `offset`; their contents
    /// become unspecified. Advisory: the default does nothing.
    fn discard(&mut self, offset: u64, len: u64) -> Result<(), BlockError> {
        let _ = (offset, len);
        Ok(())
    }

    /// Makes `len` bytes at `offset` read as zeroes. The default writes
    /// zeroes in 64 KiB pieces; a file backend may punch a hole instead.
    fn write_zeroes(&mut self, offset: u64, len: u64) -> Result<(), BlockError> {
        let zeroes = vec![0u8; len.min(64 << 10) as usize];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(zeroes.len() as u64);
            self.write_at(offset + done, zeroes.get(..n as usize).ok_or(BlockError)?)?;
            done += n;
        }
        Ok(())
    }
}

impl<B: BlockBackend + ?Sized> BlockBackend for alloc::boxed::Box<B> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_only(&self) -> bool {
        (**self).read_only()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        (**self).read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), BlockError> {
        (**self).write_at(offset, buf)
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        (**self).flush()
    }
    fn discard(&mut self, offset: u64, len: u64) -> Result<(), BlockError> {
        (**self).discard(offset, len)
    }
    fn write_zeroes(&mut self, offset: u64, len: u64) -> Result<(), BlockError> {
        (**self).write_zeroes(offset, len)
    }
}

/// A disk image in memory. Discard zeroes the range (so tests can see
/// it), flushes are counted.
///
/// ```
/// use wemu_dev_virtio_blk::{BlockBackend, VecBackend};
///
/// let mut disk = VecBackend::new(vec![0; 1024]);
/// disk.write_at(510, b"hi").unwrap();
/// let mut buf = [0; 2];
/// disk.read_at(510, &mut buf).unwrap();
/// assert_eq!(&buf, b"hi");
/// assert!(disk.read_at(1023, &mut buf).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VecBackend {
    data: Vec<u8>,
    read_only: bool,
    flushes: usize,
}

impl VecBackend {
    /// A writable image holding `data`.
    pub fn new(data: Vec<u8>) -> VecBackend {
        VecBackend { data, read_only: false, flushes: 0 }
    }

    /// A read-only image holding `data`.
    pub fn new_read_only(data: Vec<u8>) -> VecBackend {
        VecBackend { data, read_only: true, flushes: 0 }
    }

    /// The image.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The image, to change.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// How many flushes the device asked for.
    pub fn flushes(&self) -> usize {
        self.flushes
    }

    fn range(&self, offset: u64, len: usize) -> Result<core::ops::Range<usize>, BlockError> {
        let start = usize::try_from(offset).map_err(|_| BlockError)?;
        let end = start.checked_add(len).ok_or(BlockError)?;
        if end > self.data.len() {
            return Err(BlockError);
        }
        Ok(start..end)
    }
}

impl BlockBackend for VecBackend {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(self.data.get(r).ok_or(BlockError)?);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), BlockError> {
        if self.read_only {
            return Err(BlockError);
        }
        let r = self.range(offset, buf.len())?;
        self.data.get_mut(r).ok_or(BlockError)?.copy_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.flushes += 1;
        Ok(())
    }

    fn discard(&mut self, offset: u64, len: u64) -> Result<(), BlockError> {
        self.write_zeroes(offset, len)
    }
}

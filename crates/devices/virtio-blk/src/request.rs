//! One block request (§5.2.6): its header, its data and its status byte.
//!
//! ```text
//! struct virtio_blk_req {
//!     le32 type; le32 reserved; le64 sector;   // device-readable
//!     u8 data[];                                // readable (OUT, DISCARD, ...)
//!                                               // or writable (IN, GET_ID)
//!     u8 status;                                // device-writable, last byte
//! };
//! ```

use alloc::vec::Vec;

use wemu_dev_virtio::{DescriptorChain, DeviceError, GuestRam, Reader, Writer};

use crate::*;

/// Size of the request header.
pub const HEADER_BYTES: usize = 16;
/// Size of one discard / write-zeroes segment.
pub const SEGMENT_BYTES: usize = 16;
/// Data moves through a bounce buffer of this size.
const BOUNCE_BYTES: usize = 64 << 10;

/// The header of a request.
///
/// ```
/// use wemu_dev_virtio_blk::{RequestHeader, VIRTIO_BLK_T_OUT};
///
/// let h = RequestHeader { request_type: VIRTIO_BLK_T_OUT, sector: 7 };
/// assert_eq!(RequestHeader::from_bytes(&h.to_bytes()), h);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequestHeader {
    /// `type`: a `VIRTIO_BLK_T_*` value.
    pub request_type: u32,
    /// `sector`: where reads and writes start, in 512-byte sectors.
    pub sector: u64,
}

impl RequestHeader {
    pub fn from_bytes(b: &[u8; HEADER_BYTES]) -> RequestHeader {
        let [t0, t1, t2, t3, _, _, _, _, s @ ..] = *b;
        RequestHeader { request_type: u32::from_le_bytes([t0, t1, t2, t3]), sector: u64::from_le_bytes(s) }
    }

    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let mut b = [0; HEADER_BYTES];
        b[..4].copy_from_slice(&self.request_type.to_le_bytes());
        b[8..].copy_from_slice(&self.sector.to_le_bytes());
        b
    }
}

/// One range of a discard or write-zeroes request
/// (`struct virtio_blk_discard_write_zeroes`).
///
/// ```
/// use wemu_dev_virtio_blk::DiscardSegment;
///
/// let s = DiscardSegment { sector: 8, num_sectors: 16, flags: 1 };
/// assert_eq!(DiscardSegment::from_bytes(&s.to_bytes()), s);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DiscardSegment {
    pub sector: u64,
    pub num_sectors: u32,
    /// Bit 0: `unmap`; the rest reserved.
    pub flags: u32,
}

impl DiscardSegment {
    pub fn from_bytes(b: &[u8; SEGMENT_BYTES]) -> DiscardSegment {
        let [s0, s1, s2, s3, s4, s5, s6, s7, n0, n1, n2, n3, f0, f1, f2, f3] = *b;
        DiscardSegment {
            sector: u64::from_le_bytes([s0, s1, s2, s3, s4, s5, s6, s7]),
            num_sectors: u32::from_le_bytes([n0, n1, n2, n3]),
            flags: u32::from_le_bytes([f0, f1, f2, f3]),
        }
    }

    pub fn to_bytes(&self) -> [u8; SEGMENT_BYTES] {
        let mut b = [0; SEGMENT_BYTES];
        b[..8].copy_from_slice(&self.sector.to_le_bytes());
        b[8..12].copy_from_slice(&self.num_sectors.to_le_bytes());
        b[12..].copy_from_slice(&self.flags.to_le_bytes());
        b
    }
}

impl<B: BlockBackend> VirtioBlk<B> {
    /// Handles one request chain; returns the used length (data written +
    /// the status byte).
    pub(crate) fn handle(&mut self, chain: &DescriptorChain, mem: &mut dyn GuestRam) -> Result<u32, DeviceError> {
        let mut reader = chain.reader();
        let mut raw = [0; HEADER_BYTES];
        reader
            .read_exact(mem, &mut raw)
            .map_err(|_| DeviceError("virtio-blk: request without a readable 16-byte header"))?;
        let header = RequestHeader::from_bytes(&raw);
        let mut data = chain.writer();
        let Some(data_len) = data.remaining().checked_sub(1) else {
            return Err(DeviceError("virtio-blk: request without a status byte"));
        };
        let mut status_byte = data.split_off(data_len);
        let status = match header.request_type {
            VIRTIO_BLK_T_IN => self.read(header.sector, &mut data, mem),
            VIRTIO_BLK_T_OUT => self.write(header.sector, &mut reader, mem),
            VIRTIO_BLK_T_FLUSH => status_of(self.backend.flush()),
            VIRTIO_BLK_T_GET_ID => match data.write(mem, &self.serial) {
                Ok(_) => VIRTIO_BLK_S_OK,
                Err(_) => VIRTIO_BLK_S_IOERR,
            },
            VIRTIO_BLK_T_DISCARD => self.discard_or_zero(false, &mut reader, mem),
            VIRTIO_BLK_T_WRITE_ZEROES => self.discard_or_zero(true, &mut reader, mem),
            _ => VIRTIO_BLK_S_UNSUPP,
        };
        status_byte
            .write_all(mem, &[status])
            .map_err(|_| DeviceError("virtio-blk: status byte is not in guest RAM"))?;
        Ok(u32::try_from(data.written() + 1).unwrap_or(u32::MAX))
    }

    /// The byte offset of `bytes` at `sector` if that range is inside the
    /// image and a whole number of sectors.
    fn byte_range(&self, sector: u64, bytes: u64) -> Option<u64> {
        if !bytes.is_multiple_of(SECTOR_SIZE) {
            return None;
        }
        let offset = sector.checked_mul(SECTOR_SIZE)?;
        let end = offset.checked_add(bytes)?;
        (end <= self.capacity() * SECTOR_SIZE).then_some(offset)
    }

    /// The bounce buffer, taken out of `self` while a request uses it
    /// (put it back after).
    fn take_bounce(&mut self) -> Vec<u8> {
        let mut bounce = core::mem::take(&mut self.bounce);
        bounce.resize(BOUNCE_BYTES, 0);
        bounce
    }

    /// `VIRTIO_BLK_T_IN`: the image into the guest's writable data.
    fn read(&mut self, sector: u64, data: &mut Writer<'_>, mem: &mut dyn GuestRam) -> u8 {
        let total = data.remaining();
        let Some(offset) = self.byte_range(sector, total) else { return VIRTIO_BLK_S_IOERR };
        let mut bounce = self.take_bounce();
        let mut status = VIRTIO_BLK_S_OK;
        let mut done = 0;
        while done < total {
            let n = (total - done).min(BOUNCE_BYTES as u64) as usize;
            let Some(buf) = bounce.get_mut(..n) else { break };
            if self.backend.read_at(offset + done, buf).is_err() || data.write(mem, buf).is_err() {
                status = VIRTIO_BLK_S_IOERR;
                break;
            }
            done += n as u64;
        }
        self.bounce = bounce;
        status
    }

    /// `VIRTIO_BLK_T_OUT`: the guest's readable data into the image.
    fn write(&mut self, sector: u64, data: &mut Reader<'_>, mem: &mut dyn GuestRam) -> u8 {
        // §5.2.6.2: with VIRTIO_BLK_F_RO offered, fail and write nothing.
        if self.read_only() {
            return VIRTIO_BLK_S_IOERR;
        }
        let total = data.remaining();
        let Some(offset) = self.byte_range(sector, total) else { return VIRTIO_BLK_S_IOERR };
        let mut bounce = self.take_bounce();
        let mut status = VIRTIO_BLK_S_OK;
        let mut done = 0;
        while done < total {
            let n = (total - done).min(BOUNCE_BYTES as u64) as usize;
            let Some(buf) = bounce.get_mut(..n) else { break };
            if data.read(mem, buf).is_err() || self.backend.write_at(offset + done, buf).is_err() {
                status = VIRTIO_BLK_S_IOERR;
                break;
            }
            done += n as u64;
        }
        self.bounce = bounce;
        status
    }

    /// `VIRTIO_BLK_T_DISCARD` / `_WRITE_ZEROES` (§5.2.6.2): all segments
    /// are checked before any is carried out.
    fn discard_or_zero(&mut self, zero: bool, data: &mut Reader<'_>, mem: &mut dyn GuestRam) -> u8 {
        let feature = if zero { VIRTIO_BLK_F_WRITE_ZEROES } else { VIRTIO_BLK_F_DISCARD };
        if self.features & feature == 0 {
            return VIRTIO_BLK_S_UNSUPP;
        }
        if self.read_only() {
            return VIRTIO_BLK_S_IOERR;
        }
        let bytes = data.remaining();
        if bytes == 0 || !bytes.is_multiple_of(SEGMENT_BYTES as u64) {
            return VIRTIO_BLK_S_IOERR;
        }
        if bytes / SEGMENT_BYTES as u64 > u64::from(MAX_DISCARD_SEG) {
            return VIRTIO_BLK_S_UNSUPP;
        }
        let mut ranges = Vec::new();
        let mut raw = [0; SEGMENT_BYTES];
        while data.remaining() != 0 {
            if data.read_exact(mem, &mut raw).is_err() {
                return VIRTIO_BLK_S_IOERR;
            }
            let seg = DiscardSegment::from_bytes(&raw);
            // Unknown flags, and unmap on a discard, are unsupported.
            let allowed = if zero { VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP } else { 0 };
            if seg.flags & !allowed != 0 {
                return VIRTIO_BLK_S_UNSUPP;
            }
            let len = u64::from(seg.num_sectors) * SECTOR_SIZE;
            if seg.num_sectors > MAX_DISCARD_SECTORS {
                return VIRTIO_BLK_S_IOERR;
            }
            let Some(offset) = self.byte_range(seg.sector, len) else { return VIRTIO_BLK_S_IOERR };
            ranges.push((offset, len));
        }
        for (offset, len) in ranges {
            let r = if zero { self.backend.write_zeroes(offset, len) } else { self.backend.discard(offset, len) };
            if r.is_err() {
                return VIRTIO_BLK_S_IOERR;
            }
        }
        VIRTIO_BLK_S_OK
    }
}

fn status_of(r: Result<(), BlockError>) -> u8 {
    match r {
        Ok(()) => VIRTIO_BLK_S_OK,
        Err(BlockError) => VIRTIO_BLK_S_IOERR,
    }
}

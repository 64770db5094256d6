//! A descriptor chain as a device handles it: the guest buffers of one
//! request, device-readable ones first, then device-writable ones
//! (VIRTIO 1.2 §2.7.4, "Message Framing"), with cursors that copy bytes
//! across buffer boundaries.

use alloc::vec::Vec;

use wemu_dev_common::BusError;

use crate::desc::Descriptor;
use crate::ram::GuestRam;

/// Most descriptors one chain may have, direct and indirect together
/// (QEMU's `VIRTQUEUE_MAX_SIZE`). Queues are at most this large too, so a
/// direct chain that could be longer must loop.
pub const MAX_CHAIN_DESCRIPTORS: usize = 1024;

/// Most bytes one chain may describe: a driver "MUST NOT add a descriptor
/// chain longer than 2^32 bytes in total" (§2.7.13.1).
pub const MAX_CHAIN_BYTES: u64 = 1 << 32;

/// One guest buffer of a chain (never empty: zero-length descriptors are
/// dropped when the chain is built).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    /// Guest-physical address; `addr + len` does not wrap.
    pub addr: u64,
    pub len: u32,
    /// Device-writable (`VIRTQ_DESC_F_WRITE`).
    pub writable: bool,
}

/// Why a chain was refused. A malformed chain is a driver bug the device
/// cannot recover from: the transport sets `DEVICE_NEEDS_RESET` (§2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainError(pub &'static str);

/// The buffers of one available descriptor chain, as validated by
/// [`crate::SplitQueue::pop`]: at most [`MAX_CHAIN_DESCRIPTORS`]
/// descriptors and [`MAX_CHAIN_BYTES`] bytes, no buffer wrapping around
/// the address space, no readable buffer after a writable one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DescriptorChain {
    head: u16,
    segments: Vec<Segment>,
    /// How many of `segments` are device-readable (they come first).
    readable: usize,
    readable_len: u64,
    writable_len: u64,
    /// Descriptors seen, zero-length ones included.
    descriptors: usize,
    /// A device-writable descriptor has been seen.
    seen_writable: bool,
}

impl DescriptorChain {
    /// An empty chain with head 0.
    pub fn new() -> DescriptorChain {
        DescriptorChain::default()
    }

    /// Empties the chain (keeping its allocation) for a new head.
    pub fn clear(&mut self, head: u16) {
        self.head = head;
        self.segments.clear();
        self.readable = 0;
        self.readable_len = 0;
        self.writable_len = 0;
        self.descriptors = 0;
        self.seen_writable = false;
    }

    /// Appends a buffer descriptor (not an indirect one), enforcing the
    /// chain rules.
    pub fn push(&mut self, d: &Descriptor) -> Result<(), ChainError> {
        self.descriptors += 1;
        if self.descriptors > MAX_CHAIN_DESCRIPTORS {
            return Err(ChainError("descriptor chain too long"));
        }
        let len = u64::from(d.len);
        if d.addr.checked_add(len).is_none() {
            return Err(ChainError("buffer wraps around the address space"));
        }
        if self.readable_len + self.writable_len + len > MAX_CHAIN_BYTES {
            return Err(ChainError("descriptor chain longer than 2^32 bytes"));
        }
        let writable = d.is_write();
        if writable {
            self.seen_writable = true;
            self.writable_len += len;
        } else {
            // §2.7.4.2: writable descriptor elements come after readable ones.
            if self.seen_writable {
                return Err(ChainError("device-readable descriptor after a device-writable one"));
            }
            self.readable_len += len;
        }
        if d.len != 0 {
            self.segments.push(Segment { addr: d.addr, len: d.len, writable });
            if !writable {
                self.readable += 1;
            }
        }
        Ok(())
    }

    /// The index of the chain's first descriptor, which the used ring
    /// reports back (§2.7.8).
    pub fn head(&self) -> u16 {
        self.head
    }

    /// All buffers, readable ones first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Descriptors in the chain, zero-length ones included, the indirect
    /// one excluded.
    pub fn descriptors(&self) -> usize {
        self.descriptors
    }

    /// Total bytes the device may read.
    pub fn readable_len(&self) -> u64 {
        self.readable_len
    }

    /// Total bytes the device may write.
    pub fn writable_len(&self) -> u64 {
        self.writable_len
    }

    /// A cursor over the device-readable bytes.
    pub fn reader(&self) -> Reader<'_> {
        Reader { cur: Cursor::new(self.segments.get(..self.readable).unwrap_or(&[])) }
    }

    /// A cursor over the device-writable bytes.
    pub fn writer(&self) -> Writer<'_> {
        Writer { cur: Cursor::new(self.segments.get(self.readable..).unwrap_or(&[])) }
    }
}

/// A position in a run of segments, with a limit.
#[derive(Clone, Debug)]
struct Cursor<'a> {
    segs: &'a [Segment],
    index: usize,
    /// Offset into `segs[index]`.
    offset: u64,
    /// Bytes left before the limit.
    remaining: u64,
    /// Bytes passed so far.
    done: u64,
}

impl<'a> Cursor<'a> {
    fn new(segs: &'a [Segment]) -> Cursor<'a> {
        let remaining = segs.iter().map(|s| u64::from(s.len)).sum();
        Cursor { segs, index: 0, offset: 0, remaining, done: 0 }
    }

    /// The next contiguous guest range: (address, length ≤ `max`).
    fn peek(&self, max: u64) -> Option<(u64, u64)> {
        if self.remaining == 0 || max == 0 {
            return None;
        }
        let seg = self.segs.get(self.index)?;
        let n = (u64::from(seg.len) - self.offset).min(max).min(self.remaining);
        // `addr + len` does not wrap (checked in `DescriptorChain::push`).
        Some((seg.addr + self.offset, n))
    }

    /// Moves past `n` bytes of the current segment (`n` from `peek`).
    fn advance(&mut self, n: u64) {
        self.offset += n;
        self.remaining -= n;
        self.done += n;
        if self.segs.get(self.index).is_some_and(|s| self.offset >= u64::from(s.len)) {
            self.index += 1;
            self.offset = 0;
        }
    }

    /// Moves past up to `n` bytes; returns how many.
    fn skip(&mut self, n: u64) -> u64 {
        let mut left = n;
        while let Some((_, k)) = self.peek(left) {
            self.advance(k);
            left -= k;
        }
        n - left
    }
}

/// Why a `read_exact` / `write_all` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainIoError {
    /// The chain has fewer bytes left than asked for; nothing was moved.
    Short,
    /// A buffer is not guest RAM.
    Bus,
}

impl From<BusError> for ChainIoError {
    fn from(_: BusError) -> ChainIoError {
        ChainIoError::Bus
    }
}

/// Reads the device-readable part of a chain, front to back.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    cur: Cursor<'a>,
}

impl Reader<'_> {
    /// Bytes left to read.
    pub fn remaining(&self) -> u64 {
        self.cur.remaining
    }

    /// Bytes read (or skipped) so far.
    pub fn consumed(&self) -> u64 {
        self.cur.done
    }

    /// Reads up to `buf.len()` bytes; returns how many (fewer only at the
    /// end of the chain). On a bus error the bytes before the failing
    /// buffer piece count as read ([`Reader::consumed`]).
    pub fn read<M: GuestRam + ?Sized>(&mut self, mem: &mut M, buf: &mut [u8]) -> Result<usize, BusError> {
        let mut done = 0usize;
        while let Some((gpa, n)) = self.cur.peek((buf.len() - done) as u64) {
            let dst = buf.get_mut(done..done + n as usize).ok_or(BusError)?;
            mem.read(gpa, dst)?;
            self.cur.advance(n);
            done += n as usize;
        }
        Ok(done)
    }

    /// Reads exactly `buf.len()` bytes.
    pub fn read_exact<M: GuestRam + ?Sized>(&mut self, mem: &mut M, buf: &mut [u8]) -> Result<(), ChainIoError> {
        if self.remaining() < buf.len() as u64 {
            return Err(ChainIoError::Short);
        }
        self.read(mem, buf)?;
        Ok(())
    }

    /// Skips up to `n` bytes; returns how many.
    pub fn skip(&mut self, n: u64) -> u64 {
        self.cur.skip(n)
    }
}

/// Writes the device-writable part of a chain, front to back.
#[derive(Clone, Debug)]
pub struct Writer<'a> {
    cur: Cursor<'a>,
}

impl<'a> Writer<'a> {
    /// Bytes left to write.
    pub fn remaining(&self) -> u64 {
        self.cur.remaining
    }

    /// Bytes written (or skipped) so far.
    pub fn written(&self) -> u64 {
        self.cur.done
    }

    /// Writes up to `buf.len()` bytes; returns how many (fewer only at the
    /// end of the chain). On a bus error the bytes before the failing
    /// buffer piece count as written ([`Writer::written`]).
    pub fn write<M: GuestRam + ?Sized>(&mut self, mem: &mut M, buf: &[u8]) -> Result<usize, BusError> {
        let mut done = 0usize;
        while let Some((gpa, n)) = self.cur.peek((buf.len() - done) as u64) {
            let src = buf.get(done..done + n as usize).ok_or(BusError)?;
            mem.write(gpa, src)?;
            self.cur.advance(n);
            done += n as usize;
        }
        Ok(done)
    }

    /// Writes all of `buf`.
    pub fn write_all<M: GuestRam + ?Sized>(&mut self, mem: &mut M, buf: &[u8]) -> Result<(), ChainIoError> {
        if self.remaining() < buf.len() as u64 {
            return Err(ChainIoError::Short);
        }
        self.write(mem, buf)?;
        Ok(())
    }

    /// Skips up to `n` bytes; returns how many.
    pub fn skip(&mut self, n: u64) -> u64 {
        self.cur.skip(n)
    }

    /// Splits the writer `at` bytes from here: `self` keeps the first
    /// `at` bytes, the returned writer covers the rest. Virtio-blk puts its
    /// data in front of a one-byte status this way.
    pub fn split_off(&mut self, at: u64) -> Writer<'a> {
        let mut tail = self.cur.clone();
        let skipped = tail.skip(at);
        tail.done = 0;
        self.cur.remaining = skipped;
        Writer { cur: tail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::VIRTQ_DESC_F_WRITE;
    use crate::ram::VecRam;

    fn d(addr: u64, len: u32, write: bool) -> Descriptor {
        Descriptor { addr, len, flags: if write { VIRTQ_DESC_F_WRITE } else { 0 }, next: 0 }
    }

    #[test]
    fn cursors_cross_segment_boundaries() {
        let mut mem = VecRam::new(0x1000, 0x100);
        for (i, b) in mem.bytes_mut().iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut c = DescriptorChain::new();
        c.clear(5);
        c.push(&d(0x1000, 3, false)).unwrap();
        c.push(&d(0x2000, 0, false)).unwrap(); // zero-length: dropped
        c.push(&d(0x1010, 4, false)).unwrap();
        c.push(&d(0x1040, 2, true)).unwrap();
        c.push(&d(0x1080, 5, true)).unwrap();
        assert_eq!((c.head(), c.descriptors(), c.segments().len()), (5, 5, 4));
        assert_eq!((c.readable_len(), c.writable_len()), (7, 7));

        let mut r = c.reader();
        let mut buf = [0u8; 5];
        assert_eq!(r.read(&mut mem, &mut buf), Ok(5));
        assert_eq!(buf, [0, 1, 2, 0x10, 0x11]);
        assert_eq!(r.read_exact(&mut mem, &mut buf), Err(ChainIoError::Short));
        assert_eq!(r.read(&mut mem, &mut buf), Ok(2));
        assert_eq!((r.remaining(), r.consumed()), (0, 7));

        let mut w = c.writer();
        let mut status = w.split_off(6);
        assert_eq!((w.remaining(), status.remaining()), (6, 1));
        status.write_all(&mut mem, &[0xee]).unwrap();
        assert_eq!(w.write(&mut mem, &[0xaa; 10]), Ok(6));
        assert_eq!(&mem.bytes()[0x40..0x42], &[0xaa, 0xaa]);
        assert_eq!(&mem.bytes()[0x80..0x85], &[0xaa, 0xaa, 0xaa, 0xaa, 0xee]);
    }

    #[test]
    fn bus_errors_stop_at_the_failing_piece() {
        let mut mem = VecRam::new(0x1000, 0x10);
        let mut c = DescriptorChain::new();
        c.push(&d(0x1008, 8, true)).unwrap();
        c.push(&d(0x9000, 8, true)).unwrap();
        let mut w = c.writer();
        assert_eq!(w.write(&mut mem, &[1; 16]), Err(BusError));
        assert_eq!(w.written(), 8);
        assert_eq!(w.write_all(&mut mem, &[1; 9]), Err(ChainIoError::Short));
    }

    #[test]
    fn chain_rules() {
        let mut c = DescriptorChain::new();
        c.push(&d(0x1000, 1, true)).unwrap();
        assert!(c.push(&d(0x1000, 1, false)).is_err(), "readable after writable");
        c.clear(0);
        assert!(c.push(&d(u64::MAX, 2, false)).is_err(), "wraps");
        c.clear(0);
        c.push(&d(0, u32::MAX, false)).unwrap();
        c.push(&d(0, 1, false)).unwrap();
        assert!(c.push(&d(0, 1, false)).is_err(), "more than 2^32 bytes");
        c.clear(0);
        for _ in 0..MAX_CHAIN_DESCRIPTORS {
            c.push(&d(0, 0, false)).unwrap();
        }
        assert!(c.push(&d(0, 0, false)).is_err(), "too many descriptors");
    }
}

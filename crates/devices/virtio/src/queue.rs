//! The device side of a split virtqueue (VIRTIO 1.2 §2.7).
//!
//! Three areas in guest memory, written by the driver through the
//! transport's queue registers:
//!
//! ```text
//! Descriptor Area  struct virtq_desc desc[size];                 16-byte aligned
//! Driver Area      le16 flags; le16 idx; le16 ring[size];        2-byte aligned
//!                  le16 used_event;       (with VIRTIO_F_EVENT_IDX)
//! Device Area      le16 flags; le16 idx;                          4-byte aligned
//!                  struct { le32 id; le32 len; } ring[size];
//!                  le16 avail_event;      (with VIRTIO_F_EVENT_IDX)
//! ```
//!
//! Everything read from guest memory is checked before use (DESIGN.md
//! decision 12): a ring index that jumps by more than the queue size, a
//! head or `next` outside its table, a loop, nested indirect tables, an
//! indirect table whose length is not a whole number of descriptors, a
//! chain longer than [`MAX_CHAIN_DESCRIPTORS`] or 2^32 bytes, an area that
//! is not RAM: each is a [`QueueError`], on which the transport sets
//! `DEVICE_NEEDS_RESET` and stops touching the queues. Walking a chain
//! reads at most [`MAX_CHAIN_DESCRIPTORS`] + queue-size descriptors, so no
//! guest input makes it slow.

use wemu_dev_common::BusError;

use crate::chain::{ChainError, DescriptorChain, MAX_CHAIN_DESCRIPTORS};
use crate::desc::{DESC_SIZE, Descriptor};
use crate::ram::GuestRam;

/// The largest queue the transport offers (`QueueNumMax` is clamped to
/// it): a direct chain then cannot exceed [`MAX_CHAIN_DESCRIPTORS`]
/// without a loop.
pub const MAX_QUEUE_SIZE: u16 = MAX_CHAIN_DESCRIPTORS as u16;

/// Driver Area flag: please do not interrupt (§2.7.7, without EVENT_IDX).
pub const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Device Area flag: please do not notify (§2.7.10, without EVENT_IDX).
pub const VIRTQ_USED_F_NO_NOTIFY: u16 = 1;

/// Why a queue cannot go on. The string says what the driver did wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueError(pub &'static str);

impl From<ChainError> for QueueError {
    fn from(e: ChainError) -> QueueError {
        QueueError(e.0)
    }
}

fn ring(r: Result<(), BusError>) -> Result<(), QueueError> {
    r.map_err(|_| QueueError("virtqueue ring is not in guest RAM"))
}

/// A queue's state as plain data (VIRTIO 1.2 §4.2.2 queue registers plus
/// the device's ring positions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueueState {
    /// `QueueNum`: entries in each ring.
    pub size: u16,
    /// `QueueReady`.
    pub ready: bool,
    /// `QueueDesc`: guest-physical address of the Descriptor Area.
    pub desc_table: u64,
    /// `QueueDriver`: the Driver Area (available ring).
    pub avail_ring: u64,
    /// `QueueDevice`: the Device Area (used ring).
    pub used_ring: u64,
    /// The next available-ring index the device will take.
    pub next_avail: u16,
    /// The next used-ring index the device will fill (the `idx` it last
    /// published).
    pub next_used: u16,
    /// The used index at the last interrupt decision with
    /// VIRTIO_F_EVENT_IDX (`None`: none yet, so the next one interrupts).
    pub signalled_used: Option<u16>,
}

/// One split virtqueue, device side.
///
/// The driver configures it through the transport's registers; the device
/// takes chains with [`SplitQueue::pop`], returns them with
/// [`SplitQueue::push_used`] and asks [`SplitQueue::needs_interrupt`]
/// whether the driver wants to hear about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitQueue {
    max_size: u16,
    s: QueueState,
}

impl SplitQueue {
    /// A queue in its reset state, offering at most `max_size` entries
    /// (clamped to 1..=[`MAX_QUEUE_SIZE`]).
    pub fn new(max_size: u16) -> SplitQueue {
        let max_size = max_size.clamp(1, MAX_QUEUE_SIZE);
        SplitQueue { max_size, s: QueueState { size: max_size, ..QueueState::default() } }
    }

    /// A queue in `state`, which may come from anywhere: a ready queue
    /// whose layout is invalid comes back not ready.
    pub fn from_state(max_size: u16, state: &QueueState) -> SplitQueue {
        let mut q = SplitQueue::new(max_size);
        q.s = state.clone();
        if q.s.ready && q.layout_error().is_some() {
            q.s.ready = false;
        }
        q
    }

    /// The state, as plain data.
    pub fn state(&self) -> QueueState {
        self.s.clone()
    }

    /// Back to the reset state (§2.4: device reset; §4.2.2: QueueReady 0).
    pub fn reset(&mut self) {
        *self = SplitQueue::new(self.max_size);
    }

    /// `QueueNumMax`.
    pub fn max_size(&self) -> u16 {
        self.max_size
    }

    /// `QueueNum`.
    pub fn size(&self) -> u16 {
        self.s.size
    }

    /// `QueueReady`.
    pub fn ready(&self) -> bool {
        self.s.ready
    }

    pub fn next_avail(&self) -> u16 {
        self.s.next_avail
    }

    pub fn next_used(&self) -> u16 {
        self.s.next_used
    }

    /// Sets `QueueNum` (values past 16 bits are invalid and kept as 0).
    /// Ignored while the queue is ready (§4.2.2.2: the driver must not).
    pub fn set_size(&mut self, size: u32) {
        if !self.s.ready {
            self.s.size = u16::try_from(size).unwrap_or(0);
        }
    }

    /// Sets the low (`high == false`) or high half of one area address:
    /// 0 Descriptor, 1 Driver, 2 Device. Ignored while ready.
    pub fn set_area_half(&mut self, area: usize, high: bool, value: u32) {
        if self.s.ready {
            return;
        }
        let field = match area {
            0 => &mut self.s.desc_table,
            1 => &mut self.s.avail_ring,
            2 => &mut self.s.used_ring,
            _ => return,
        };
        *field = if high {
            (*field & 0xffff_ffff) | (u64::from(value) << 32)
        } else {
            (*field & !0xffff_ffff) | u64::from(value)
        };
    }

    /// The three area addresses: Descriptor, Driver, Device.
    pub fn areas(&self) -> (u64, u64, u64) {
        (self.s.desc_table, self.s.avail_ring, self.s.used_ring)
    }

    /// Why the configured layout cannot be used, if it cannot: the size
    /// is not a power of two in 1..=`QueueNumMax` (§2.7: split queue sizes
    /// are powers of two), an area is misaligned (§2.7, table "Virtqueue
    /// Part Alignment") or wraps around the address space.
    pub fn layout_error(&self) -> Option<&'static str> {
        let size = u64::from(self.s.size);
        if size == 0 || !size.is_power_of_two() || self.s.size > self.max_size {
            return Some("queue size is not a power of two up to QueueNumMax");
        }
        if !self.s.desc_table.is_multiple_of(16)
            || !self.s.avail_ring.is_multiple_of(2)
            || !self.s.used_ring.is_multiple_of(4)
        {
            return Some("virtqueue area misaligned");
        }
        let fits = |base: u64, len: u64| base.checked_add(len).is_some();
        if !fits(self.s.desc_table, 16 * size)
            || !fits(self.s.avail_ring, 6 + 2 * size)
            || !fits(self.s.used_ring, 6 + 8 * size)
        {
            return Some("virtqueue area wraps around the address space");
        }
        None
    }

    /// Sets `QueueReady`. Making the queue ready checks its layout first;
    /// an invalid layout leaves it not ready and is returned as an error.
    pub fn set_ready(&mut self, ready: bool) -> Result<(), QueueError> {
        if ready
            && !self.s.ready
            && let Some(e) = self.layout_error()
        {
            return Err(QueueError(e));
        }
        self.s.ready = ready;
        Ok(())
    }

    fn mask(&self) -> u16 {
        self.s.size.wrapping_sub(1)
    }

    /// The driver's `idx`: how many chains it has made available, ever
    /// (mod 2^16).
    pub fn avail_idx(&self, mem: &mut dyn GuestRam) -> Result<u16, QueueError> {
        let mut b = [0; 2];
        ring(mem.read(self.s.avail_ring.wrapping_add(2), &mut b))?;
        Ok(u16::from_le_bytes(b))
    }

    /// Whether the driver has made chains available that the device has
    /// not taken yet.
    pub fn has_available(&self, mem: &mut dyn GuestRam) -> Result<bool, QueueError> {
        let pending = self.avail_idx(mem)?.wrapping_sub(self.s.next_avail);
        if pending > self.s.size {
            return Err(QueueError("available index moved by more than the queue size"));
        }
        Ok(pending != 0)
    }

    /// Takes the next available chain into `chain`; `Ok(false)` when there
    /// is none. `indirect` says whether VIRTIO_F_INDIRECT_DESC was
    /// negotiated. The queue must be ready.
    pub fn pop(
        &mut self,
        mem: &mut dyn GuestRam,
        indirect: bool,
        chain: &mut DescriptorChain,
    ) -> Result<bool, QueueError> {
        if !self.has_available(mem)? {
            return Ok(false);
        }
        let slot = u64::from(self.s.next_avail & self.mask());
        let mut b = [0; 2];
        ring(mem.read(self.s.avail_ring.wrapping_add(4 + 2 * slot), &mut b))?;
        let head = u16::from_le_bytes(b);
        self.read_chain(mem, head, indirect, chain)?;
        self.s.next_avail = self.s.next_avail.wrapping_add(1);
        Ok(true)
    }

    /// Walks the chain at `head` (§2.7.5, §2.7.5.3).
    fn read_chain(
        &self,
        mem: &mut dyn GuestRam,
        head: u16,
        indirect_ok: bool,
        chain: &mut DescriptorChain,
    ) -> Result<(), QueueError> {
        chain.clear(head);
        let mut table = self.s.desc_table;
        let mut table_len = u32::from(self.s.size);
        let mut in_indirect = false;
        let mut index = head;
        // Entries of the current table visited: a chain that visits more
        // entries than its table has must visit one twice.
        let mut visited = 0u32;
        loop {
            if u32::from(index) >= table_len {
                return Err(QueueError("descriptor index out of range"));
            }
            visited += 1;
            if visited > table_len {
                return Err(QueueError("descriptor chain loops"));
            }
            // The table's extent was checked not to wrap; wrapping_add keeps
            // a queue used before `set_ready` from panicking all the same.
            let mut raw = [0; DESC_SIZE];
            mem.read(table.wrapping_add(DESC_SIZE as u64 * u64::from(index)), &mut raw)
                .map_err(|_| QueueError("descriptor table is not in guest RAM"))?;
            let d = Descriptor::from_bytes(&raw);
            if d.is_indirect() {
                // §2.7.5.3.1: only with the feature, one table per
                // descriptor, never with NEXT; the table holds whole
                // descriptors.
                if !indirect_ok {
                    return Err(QueueError("indirect descriptor without VIRTIO_F_INDIRECT_DESC"));
                }
                if in_indirect {
                    return Err(QueueError("indirect descriptor inside an indirect table"));
                }
                if d.has_next() {
                    return Err(QueueError("indirect descriptor with VIRTQ_DESC_F_NEXT"));
                }
                if d.len == 0 || !(d.len as usize).is_multiple_of(DESC_SIZE) {
                    return Err(QueueError("indirect table length is not a multiple of 16"));
                }
                let entries = d.len / DESC_SIZE as u32;
                if entries as usize > MAX_CHAIN_DESCRIPTORS {
                    return Err(QueueError("indirect table too long"));
                }
                if d.addr.checked_add(u64::from(d.len)).is_none() {
                    return Err(QueueError("indirect table wraps around the address space"));
                }
                table = d.addr;
                table_len = entries;
                in_indirect = true;
                index = 0;
                visited = 0;
                continue;
            }
            chain.push(&d)?;
            if !d.has_next() {
                return Ok(());
            }
            index = d.next;
        }
    }

    /// Returns chain `head` to the driver with `len` bytes written
    /// (§2.7.8), publishing the new used `idx`.
    pub fn push_used(&mut self, mem: &mut dyn GuestRam, head: u16, len: u32) -> Result<(), QueueError> {
        let slot = u64::from(self.s.next_used & self.mask());
        let mut elem = [0; 8];
        elem[..4].copy_from_slice(&u32::from(head).to_le_bytes());
        elem[4..].copy_from_slice(&len.to_le_bytes());
        ring(mem.write(self.s.used_ring.wrapping_add(4 + 8 * slot), &elem))?;
        self.s.next_used = self.s.next_used.wrapping_add(1);
        ring(mem.write(self.s.used_ring.wrapping_add(2), &self.s.next_used.to_le_bytes()))
    }

    /// Whether the driver wants a used buffer notification now, after the
    /// device has used buffers (§2.7.7): with VIRTIO_F_EVENT_IDX, when the
    /// used index has passed the driver's `used_event` since the last
    /// decision; without it, unless the driver set
    /// `VIRTQ_AVAIL_F_NO_INTERRUPT`.
    pub fn needs_interrupt(&mut self, mem: &mut dyn GuestRam, event_idx: bool) -> Result<bool, QueueError> {
        if !event_idx {
            let mut b = [0; 2];
            ring(mem.read(self.s.avail_ring, &mut b))?;
            return Ok(u16::from_le_bytes(b) & VIRTQ_AVAIL_F_NO_INTERRUPT == 0);
        }
        let new = self.s.next_used;
        let Some(old) = self.s.signalled_used.replace(new) else {
            return Ok(true);
        };
        let mut b = [0; 2];
        ring(mem.read(self.s.avail_ring.wrapping_add(4 + 2 * u64::from(self.s.size)), &mut b))?;
        let used_event = u16::from_le_bytes(b);
        Ok(vring_need_event(used_event, new, old))
    }

    /// Publishes `avail_event` (§2.7.10, with VIRTIO_F_EVENT_IDX): the
    /// driver notifies once it makes available the chain at index
    /// `next_avail`, i.e. the first one the device has not seen.
    pub fn publish_avail_event(&mut self, mem: &mut dyn GuestRam) -> Result<(), QueueError> {
        let at = self.s.used_ring.wrapping_add(4 + 8 * u64::from(self.s.size));
        ring(mem.write(at, &self.s.next_avail.to_le_bytes()))
    }
}

/// Whether moving an index from `old` to `new` passes `event` (§2.7.7.2:
/// "the device MUST ... send a notification if `idx` moved past
/// `used_event`"; the same comparison the driver makes for
/// `avail_event`).
pub fn vring_need_event(event: u16, new: u16, old: u16) -> bool {
    new.wrapping_sub(event).wrapping_sub(1) < new.wrapping_sub(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_event_wraps() {
        assert!(vring_need_event(0, 1, 0));
        assert!(!vring_need_event(1, 1, 0));
        assert!(vring_need_event(5, 8, 3));
        assert!(!vring_need_event(9, 8, 3));
        assert!(vring_need_event(0xffff, 2, 0xfffe));
        assert!(!vring_need_event(3, 2, 0xfffe));
    }

    #[test]
    fn layout_checks() {
        let mut q = SplitQueue::new(256);
        assert_eq!(q.size(), 256);
        q.set_size(100);
        assert!(q.set_ready(true).is_err());
        q.set_size(512);
        assert!(q.set_ready(true).is_err());
        q.set_size(0x1_0000);
        assert_eq!(q.size(), 0);
        q.set_size(64);
        q.set_area_half(0, false, 8);
        assert!(q.set_ready(true).is_err(), "misaligned descriptor table");
        q.set_area_half(0, false, 0xffff_ff00);
        q.set_area_half(0, true, 0xffff_ffff);
        assert!(q.set_ready(true).is_err(), "wraps");
        q.set_area_half(0, true, 0);
        q.set_ready(true).unwrap();
        assert_eq!(q.areas(), (0xffff_ff00, 0, 0));
        q.set_size(128);
        assert_eq!(q.size(), 64, "QueueNum is ignored while ready");
        assert_eq!(SplitQueue::new(0).max_size(), 1);
        assert_eq!(SplitQueue::new(u16::MAX).max_size(), MAX_QUEUE_SIZE);
    }
}

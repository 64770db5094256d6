//! A small virtio driver, for tests and examples: it probes and
//! negotiates the way Linux's `virtio_mmio` (`vm_probe`,
//! `virtio_dev_probe`, `vm_setup_vq`) does and fills split rings the way
//! `virtio_ring` does, over any [`MmioDevice`] and [`GuestRam`].
//!
//! It trusts nothing less than a real driver would, and checks little:
//! it is a tool to put a device through its paces, including with rings
//! and descriptors no correct driver writes ([`DriverQueue::write_desc`],
//! [`DriverQueue::publish`]).

use wemu_dev_common::{BusError, MemSize, MmioDevice};

use crate::desc::{DESC_SIZE, Descriptor, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE};
use crate::device::{feature, status};
use crate::mmio::*;
use crate::ram::GuestRam;

/// A 32-bit register read.
pub fn read32<T: MmioDevice + ?Sized>(dev: &mut T, offset: u64) -> u32 {
    dev.read(offset, MemSize::B4).unwrap_or(u64::MAX) as u32
}

/// A 32-bit register write.
pub fn write32<T: MmioDevice + ?Sized>(dev: &mut T, offset: u64, value: u32) {
    let _ = dev.write(offset, MemSize::B4, u64::from(value));
}

/// Reads `size` bytes of configuration space at `offset`, as Linux's
/// `vm_get` does (8-byte fields as two 32-bit reads).
pub fn config_read<T: MmioDevice + ?Sized>(dev: &mut T, offset: u64, size: MemSize) -> u64 {
    let at = CONFIG + offset;
    match size {
        MemSize::B8 => u64::from(read32(dev, at)) | (u64::from(read32(dev, at + 4)) << 32),
        s => dev.read(at, s).unwrap_or(0),
    }
}

/// Probes the device and negotiates features: magic and version, a
/// non-zero device ID, reset, ACKNOWLEDGE, DRIVER, the features offered
/// intersected with `wanted | VIRTIO_F_VERSION_1`, FEATURES_OK read back.
/// Returns the negotiated features.
pub fn init<T: MmioDevice + ?Sized>(dev: &mut T, wanted: u64) -> Result<u64, &'static str> {
    if read32(dev, MAGIC) != MAGIC_VALUE {
        return Err("bad magic");
    }
    if read32(dev, VERSION_REG) != VERSION {
        return Err("not a version 2 device");
    }
    if read32(dev, DEVICE_ID) == 0 {
        return Err("no device");
    }
    write32(dev, STATUS, 0);
    write32(dev, STATUS, u32::from(status::ACKNOWLEDGE));
    write32(dev, STATUS, u32::from(status::ACKNOWLEDGE | status::DRIVER));
    write32(dev, DEVICE_FEATURES_SEL, 1);
    let mut offered = u64::from(read32(dev, DEVICE_FEATURES)) << 32;
    write32(dev, DEVICE_FEATURES_SEL, 0);
    offered |= u64::from(read32(dev, DEVICE_FEATURES));
    let features = offered & (wanted | feature::VIRTIO_F_VERSION_1);
    write32(dev, DRIVER_FEATURES_SEL, 1);
    write32(dev, DRIVER_FEATURES, (features >> 32) as u32);
    write32(dev, DRIVER_FEATURES_SEL, 0);
    write32(dev, DRIVER_FEATURES, features as u32);
    let s = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
    write32(dev, STATUS, u32::from(s));
    if read32(dev, STATUS) as u8 & status::FEATURES_OK == 0 {
        return Err("device refused the features");
    }
    Ok(features)
}

/// Sets DRIVER_OK: the device is live.
pub fn driver_ok<T: MmioDevice + ?Sized>(dev: &mut T) {
    let s = read32(dev, STATUS) | u32::from(status::DRIVER_OK);
    write32(dev, STATUS, s);
}

/// What Linux's `vm_interrupt` does first: reads `InterruptStatus` and
/// acknowledges it. Returns the status.
pub fn ack_interrupt<T: MmioDevice + ?Sized>(dev: &mut T) -> u32 {
    let s = read32(dev, INTERRUPT_STATUS);
    write32(dev, INTERRUPT_ACK, s);
    s
}

/// A buffer for [`DriverQueue::add`]: (guest address, length,
/// device-writable).
pub type Buf = (u64, u32, bool);

/// The driver side of one split virtqueue laid out contiguously at `base`:
/// descriptor table, available ring (with `used_event`), then the used
/// ring (with `avail_event`) at the next 4-byte boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverQueue {
    pub index: u16,
    pub size: u16,
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
    /// Next descriptor slot to hand out (slots are reused round-robin).
    next_free: u16,
    /// The available `idx` the driver publishes.
    avail_idx: u16,
    /// The used index the driver has consumed up to.
    last_used: u16,
}

impl DriverQueue {
    /// The layout of queue `index` with `size` entries at `base`, without
    /// touching device or memory.
    pub fn layout(index: u16, size: u16, base: u64) -> DriverQueue {
        let n = u64::from(size);
        let desc = base;
        let avail = desc + 16 * n;
        let used = (avail + 6 + 2 * n + 3) & !3;
        DriverQueue { index, size, desc, avail, used, next_free: 0, avail_idx: 0, last_used: 0 }
    }

    /// Bytes the rings of a `size`-entry queue take from `base`.
    pub fn footprint(size: u16) -> u64 {
        let q = DriverQueue::layout(0, size, 0);
        q.used + 6 + 8 * u64::from(size)
    }

    /// Sets up queue `index` as `vm_setup_vq` does: select it, check it is
    /// not in use and large enough, zero the rings, write size and
    /// addresses, set QueueReady.
    pub fn setup<T: MmioDevice + ?Sized, M: GuestRam + ?Sized>(
        dev: &mut T,
        mem: &mut M,
        index: u16,
        size: u16,
        base: u64,
    ) -> Result<DriverQueue, &'static str> {
        write32(dev, QUEUE_SEL, u32::from(index));
        if read32(dev, QUEUE_READY) != 0 {
            return Err("queue already in use");
        }
        let max = read32(dev, QUEUE_NUM_MAX);
        if max == 0 || u32::from(size) > max {
            return Err("queue not available at this size");
        }
        let q = DriverQueue::layout(index, size, base);
        for a in (q.desc..q.used + 6 + 8 * u64::from(size)).step_by(2) {
            mem.write_u16(a, 0).map_err(|_| "rings are not in RAM")?;
        }
        write32(dev, QUEUE_NUM, u32::from(size));
        for (low, addr) in [(QUEUE_DESC_LOW, q.desc), (QUEUE_DRIVER_LOW, q.avail), (QUEUE_DEVICE_LOW, q.used)] {
            write32(dev, low, addr as u32);
            write32(dev, low + 4, (addr >> 32) as u32);
        }
        write32(dev, QUEUE_READY, 1);
        Ok(q)
    }

    /// Writes descriptor `i` of the table, whatever it holds.
    pub fn write_desc<M: GuestRam + ?Sized>(&self, mem: &mut M, i: u16, d: &Descriptor) -> Result<(), BusError> {
        mem.write(self.desc + DESC_SIZE as u64 * u64::from(i), &d.to_bytes())
    }

    /// Makes chain `head` available: writes it to the ring and publishes
    /// the new `idx`.
    pub fn publish<M: GuestRam + ?Sized>(&mut self, mem: &mut M, head: u16) -> Result<(), BusError> {
        let slot = u64::from(self.avail_idx % self.size.max(1));
        mem.write_u16(self.avail + 4 + 2 * slot, head)?;
        self.avail_idx = self.avail_idx.wrapping_add(1);
        mem.write_u16(self.avail + 2, self.avail_idx)
    }

    /// Writes the available ring's `idx` directly.
    pub fn set_avail_idx<M: GuestRam + ?Sized>(&mut self, mem: &mut M, idx: u16) -> Result<(), BusError> {
        self.avail_idx = idx;
        mem.write_u16(self.avail + 2, idx)
    }

    fn alloc(&mut self) -> u16 {
        let i = self.next_free;
        self.next_free = (self.next_free + 1) % self.size.max(1);
        i
    }

    fn link<M: GuestRam + ?Sized>(mem: &mut M, table: u64, slots: &[u16], bufs: &[Buf]) -> Result<(), BusError> {
        for (k, (&slot, &(addr, len, writable))) in slots.iter().zip(bufs).enumerate() {
            let mut flags = if writable { VIRTQ_DESC_F_WRITE } else { 0 };
            let next = slots.get(k + 1).copied().unwrap_or(0);
            if k + 1 < slots.len() {
                flags |= VIRTQ_DESC_F_NEXT;
            }
            let d = Descriptor { addr, len, flags, next };
            mem.write(table + DESC_SIZE as u64 * u64::from(slot), &d.to_bytes())?;
        }
        Ok(())
    }

    /// Adds a chain of direct descriptors and makes it available; returns
    /// its head. (Does not notify.)
    pub fn add<M: GuestRam + ?Sized>(&mut self, mem: &mut M, bufs: &[Buf]) -> Result<u16, BusError> {
        let slots: alloc::vec::Vec<u16> = bufs.iter().map(|_| self.alloc()).collect();
        let head = slots.first().copied().unwrap_or(0);
        Self::link(mem, self.desc, &slots, bufs)?;
        self.publish(mem, head)?;
        Ok(head)
    }

    /// Adds a chain as one indirect descriptor whose table is written at
    /// `table`; returns its head.
    pub fn add_indirect<M: GuestRam + ?Sized>(
        &mut self,
        mem: &mut M,
        table: u64,
        bufs: &[Buf],
    ) -> Result<u16, BusError> {
        let slots: alloc::vec::Vec<u16> = (0..bufs.len() as u16).collect();
        Self::link(mem, table, &slots, bufs)?;
        let head = self.alloc();
        let len = (DESC_SIZE * bufs.len()) as u32;
        self.write_desc(mem, head, &Descriptor { addr: table, len, flags: VIRTQ_DESC_F_INDIRECT, next: 0 })?;
        self.publish(mem, head)?;
        Ok(head)
    }

    /// Notifies the device of new buffers (`QueueNotify`).
    pub fn notify<T: MmioDevice + ?Sized>(&self, dev: &mut T) {
        write32(dev, QUEUE_NOTIFY, u32::from(self.index));
    }

    /// The device's used `idx`.
    pub fn used_idx<M: GuestRam + ?Sized>(&self, mem: &mut M) -> u16 {
        mem.read_u16(self.used + 2).unwrap_or(0)
    }

    /// Takes the next used element: (chain head, length written). Like
    /// Linux's `virtqueue_get_buf` with callbacks enabled, it then sets
    /// `used_event` to the new position, asking (with
    /// VIRTIO_F_EVENT_IDX) for an interrupt at the next used buffer.
    pub fn pop_used<M: GuestRam + ?Sized>(&mut self, mem: &mut M) -> Option<(u32, u32)> {
        if self.used_idx(mem) == self.last_used {
            return None;
        }
        let at = self.used + 4 + 8 * u64::from(self.last_used % self.size.max(1));
        let id = mem.read_u32(at).ok()?;
        let len = mem.read_u32(at + 4).ok()?;
        self.last_used = self.last_used.wrapping_add(1);
        let _ = self.set_used_event(mem, self.last_used);
        Some((id, len))
    }

    /// Sets the available ring's flags (`VIRTQ_AVAIL_F_NO_INTERRUPT`).
    pub fn set_avail_flags<M: GuestRam + ?Sized>(&self, mem: &mut M, flags: u16) -> Result<(), BusError> {
        mem.write_u16(self.avail, flags)
    }

    /// Sets `used_event` (with VIRTIO_F_EVENT_IDX).
    pub fn set_used_event<M: GuestRam + ?Sized>(&self, mem: &mut M, idx: u16) -> Result<(), BusError> {
        mem.write_u16(self.avail + 4 + 2 * u64::from(self.size), idx)
    }

    /// Reads the device's `avail_event` (with VIRTIO_F_EVENT_IDX).
    pub fn avail_event<M: GuestRam + ?Sized>(&self, mem: &mut M) -> u16 {
        mem.read_u16(self.used + 4 + 8 * u64::from(self.size)).unwrap_or(0)
    }
}

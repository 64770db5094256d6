//! The virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2).

use alloc::vec::Vec;

use wemu_dev_common::{BusError, IrqLine, MemSize, MmioDevice};

use crate::chain::DescriptorChain;
use crate::device::{VirtioDevice, feature, status};
use crate::queue::{QueueError, QueueState, SplitQueue};
use crate::ram::GuestRam;

/// `MagicValue`: "virt" in little-endian.
pub const MAGIC_VALUE: u32 = 0x7472_6976;
/// `Version`: 2, the non-legacy interface.
pub const VERSION: u32 = 2;
/// `VendorID`: "wemu" in little-endian (any value is fine for Linux).
pub const VENDOR_ID: u32 = u32::from_le_bytes(*b"wemu");
/// Size of the register window: control registers and configuration
/// space. A machine may map a larger slot (QEMU's boards give each
/// transport 0x1000 bytes); offsets past the configuration read 0.
pub const WINDOW_SIZE: u64 = 0x200;
/// Most queues a device may have (one bit each in the notify mask).
pub const MAX_QUEUES: u16 = 64;

// Register offsets (§4.2.2, table "MMIO Device Register Layout").
pub const MAGIC: u64 = 0x000;
pub const VERSION_REG: u64 = 0x004;
pub const DEVICE_ID: u64 = 0x008;
pub const VENDOR_ID_REG: u64 = 0x00c;
pub const DEVICE_FEATURES: u64 = 0x010;
pub const DEVICE_FEATURES_SEL: u64 = 0x014;
pub const DRIVER_FEATURES: u64 = 0x020;
pub const DRIVER_FEATURES_SEL: u64 = 0x024;
pub const QUEUE_SEL: u64 = 0x030;
pub const QUEUE_NUM_MAX: u64 = 0x034;
pub const QUEUE_NUM: u64 = 0x038;
pub const QUEUE_READY: u64 = 0x044;
pub const QUEUE_NOTIFY: u64 = 0x050;
pub const INTERRUPT_STATUS: u64 = 0x060;
pub const INTERRUPT_ACK: u64 = 0x064;
pub const STATUS: u64 = 0x070;
pub const QUEUE_DESC_LOW: u64 = 0x080;
pub const QUEUE_DESC_HIGH: u64 = 0x084;
pub const QUEUE_DRIVER_LOW: u64 = 0x090;
pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
pub const SHM_SEL: u64 = 0x0ac;
pub const SHM_LEN_LOW: u64 = 0x0b0;
pub const SHM_LEN_HIGH: u64 = 0x0b4;
pub const SHM_BASE_LOW: u64 = 0x0b8;
pub const SHM_BASE_HIGH: u64 = 0x0bc;
pub const QUEUE_RESET: u64 = 0x0c0;
pub const CONFIG_GENERATION: u64 = 0x0fc;
/// Device-specific configuration space starts here.
pub const CONFIG: u64 = 0x100;

/// `InterruptStatus` bit: a queue has used buffers.
pub const INT_USED_BUFFER: u32 = 1;
/// `InterruptStatus` bit: the configuration changed (or the device needs
/// a reset).
pub const INT_CONFIG_CHANGE: u32 = 2;

/// The features the transport and its split rings offer on top of the
/// device type's.
pub const TRANSPORT_FEATURES: u64 =
    feature::VIRTIO_F_VERSION_1 | feature::VIRTIO_F_INDIRECT_DESC | feature::VIRTIO_F_EVENT_IDX;

const STATUS_BITS: u8 = status::ACKNOWLEDGE
    | status::DRIVER
    | status::DRIVER_OK
    | status::FEATURES_OK
    | status::DEVICE_NEEDS_RESET
    | status::FAILED;

/// The transport's state as plain data; the device type keeps its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MmioTransportState {
    /// Device status (§2.1), `DEVICE_NEEDS_RESET` included.
    pub status: u8,
    pub device_features_sel: u32,
    pub driver_features_sel: u32,
    /// Features the driver wrote; once FEATURES_OK is set, the negotiated
    /// ones.
    pub driver_features: u64,
    pub queue_sel: u32,
    pub shm_sel: u32,
    pub queues: Vec<QueueState>,
    pub interrupt_status: u32,
    pub config_generation: u32,
    /// Queues notified and not yet processed, one bit each.
    pub pending_notify: u64,
}

/// A virtio device behind the MMIO transport, version 2.
///
/// `D` is the device type, `I` its interrupt output (level-high while
/// `InterruptStatus` is not zero), `K` its *queue-work line*: high while
/// the driver has notified a queue that [`MmioTransport::process`] has not
/// yet run (see the crate docs for why the transport cannot run it
/// itself).
///
/// Guest accesses never panic and never fail: the control registers take
/// 32-bit aligned accesses (64-bit aligned ones act as two, low first;
/// anything else reads 0 and is ignored), configuration space any size.
#[derive(Debug)]
pub struct MmioTransport<D, I, K> {
    device: D,
    irq: I,
    kick: K,
    irq_level: bool,
    kick_level: bool,
    status: u8,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    shm_sel: u32,
    queues: Vec<SplitQueue>,
    interrupt_status: u32,
    config_generation: u32,
    pending_notify: u64,
    /// Why the device set DEVICE_NEEDS_RESET, for the host's log.
    error: Option<&'static str>,
    /// Scratch space for the chain being handled.
    chain: DescriptorChain,
}

impl<D: VirtioDevice, I: IrqLine, K: IrqLine> MmioTransport<D, I, K> {
    /// A transport in its reset state around `device`.
    pub fn new(device: D, irq: I, kick: K) -> Self {
        Self::from_state(&MmioTransportState::default(), device, irq, kick)
    }

    /// A transport in `state` around `device` (restored separately, from
    /// its own state). The state may come from anywhere: unknown status
    /// bits and notifications of queues that do not exist are dropped,
    /// missing queues are reset, ready queues with an invalid layout come
    /// back not ready. Drives both output lines to the restored levels.
    pub fn from_state(state: &MmioTransportState, device: D, irq: I, kick: K) -> Self {
        let n = device.num_queues().min(MAX_QUEUES);
        let queues = (0..n)
            .map(|q| {
                let max = device.queue_max_size(q);
                state
                    .queues
                    .get(usize::from(q))
                    .map_or_else(|| SplitQueue::new(max), |s| SplitQueue::from_state(max, s))
            })
            .collect();
        let queue_mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        let mut t = MmioTransport {
            device,
            irq,
            kick,
            irq_level: false,
            kick_level: false,
            status: state.status & STATUS_BITS,
            device_features_sel: state.device_features_sel,
            driver_features_sel: state.driver_features_sel,
            driver_features: state.driver_features,
            queue_sel: state.queue_sel,
            shm_sel: state.shm_sel,
            queues,
            interrupt_status: state.interrupt_status & (INT_USED_BUFFER | INT_CONFIG_CHANGE),
            config_generation: state.config_generation,
            pending_notify: state.pending_notify & queue_mask,
            error: None,
            chain: DescriptorChain::new(),
        };
        t.irq_level = t.interrupt_status != 0;
        let level = t.irq_level;
        t.irq.set(level);
        t.kick_level = t.kick_wanted();
        let level = t.kick_level;
        t.kick.set(level);
        t
    }

    /// The state, as plain data.
    pub fn state(&self) -> MmioTransportState {
        MmioTransportState {
            status: self.status,
            device_features_sel: self.device_features_sel,
            driver_features_sel: self.driver_features_sel,
            driver_features: self.driver_features,
            queue_sel: self.queue_sel,
            shm_sel: self.shm_sel,
            queues: self.queues.iter().map(SplitQueue::state).collect(),
            interrupt_status: self.interrupt_status,
            config_generation: self.config_generation,
            pending_notify: self.pending_notify,
        }
    }

    pub fn device(&self) -> &D {
        &self.device
    }

    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// Queue `index`, if the device has it.
    pub fn queue(&self, index: u16) -> Option<&SplitQueue> {
        self.queues.get(usize::from(index))
    }

    /// The features offered: the device type's and the transport's.
    pub fn offered_features(&self) -> u64 {
        (self.device.device_features() & feature::DEVICE_TYPE_MASK) | TRANSPORT_FEATURES
    }

    /// The negotiated features (0 until the driver sets FEATURES_OK).
    pub fn features(&self) -> u64 {
        if self.status & status::FEATURES_OK != 0 { self.driver_features } else { 0 }
    }

    /// The device status register.
    pub fn status(&self) -> u8 {
        self.status
    }

    /// The level of the interrupt output.
    pub fn irq_level(&self) -> bool {
        self.irq_level
    }

    /// Queues notified and not yet processed, one bit each.
    pub fn pending_notify(&self) -> u64 {
        self.pending_notify
    }

    /// Whether [`MmioTransport::process`] has notified work to do: the
    /// level of the queue-work line.
    pub fn needs_process(&self) -> bool {
        self.kick_level
    }

    /// Why the device set DEVICE_NEEDS_RESET (`None` when it has not, or
    /// when it was restored that way).
    pub fn error(&self) -> Option<&'static str> {
        self.error
    }

    /// The host changed the device's configuration (a resized disk):
    /// bumps `ConfigGeneration` and sends a configuration change
    /// notification once the driver is up (§2.5, §4.2.3.4).
    pub fn config_changed(&mut self) {
        self.config_generation = self.config_generation.wrapping_add(1);
        if self.status & status::DRIVER_OK != 0 {
            self.raise(INT_CONFIG_CHANGE);
        }
    }

    /// Whether the device may touch its queues: the driver finished
    /// initialisation (§3.1.1: no buffers are used before DRIVER_OK) and
    /// nothing has failed.
    fn live(&self) -> bool {
        let need = status::FEATURES_OK | status::DRIVER_OK;
        self.status & need == need && self.status & (status::DEVICE_NEEDS_RESET | status::FAILED) == 0
    }

    fn kick_wanted(&self) -> bool {
        self.live() && self.pending_notify != 0
    }

    fn update_kick(&mut self) {
        let level = self.kick_wanted();
        if level != self.kick_level {
            self.kick_level = level;
            self.kick.set(level);
        }
    }

    fn update_irq(&mut self) {
        let level = self.interrupt_status != 0;
        if level != self.irq_level {
            self.irq_level = level;
            self.irq.set(level);
        }
    }

    fn raise(&mut self, bits: u32) {
        self.interrupt_status |= bits;
        self.update_irq();
    }

    /// The device cannot go on (§2.1.2): sets DEVICE_NEEDS_RESET and, if
    /// the driver is up, sends a configuration change notification. The
    /// queues are left alone until the driver resets the device.
    fn fail(&mut self, why: &'static str) {
        if self.error.is_none() {
            self.error = Some(why);
        }
        self.status |= status::DEVICE_NEEDS_RESET;
        if self.status & status::DRIVER_OK != 0 {
            self.raise(INT_CONFIG_CHANGE);
        }
        self.pending_notify = 0;
        self.update_kick();
    }

    /// Device reset (§2.4), by a write of 0 to `Status`.
    fn reset(&mut self) {
        self.device.reset();
        for q in &mut self.queues {
            q.reset();
        }
        self.status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.shm_sel = 0;
        self.interrupt_status = 0;
        self.pending_notify = 0;
        self.error = None;
        self.update_irq();
        self.update_kick();
    }

    /// A driver write to `Status` (§2.1, §3.1.1, §4.2.3.1).
    fn write_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        let old = self.status;
        // DEVICE_NEEDS_RESET belongs to the device.
        let mut new = (value as u8 & STATUS_BITS & !status::DEVICE_NEEDS_RESET) | (old & status::DEVICE_NEEDS_RESET);
        if new & status::FEATURES_OK != 0 && old & status::FEATURES_OK == 0 && !self.features_acceptable() {
            // §2.2.2 / §3.1.1 step 6: the driver reads FEATURES_OK back
            // and finds it clear.
            new &= !status::FEATURES_OK;
        }
        self.status = new;
        if new & status::DRIVER_OK != 0 && old & status::DRIVER_OK == 0 && new & status::FEATURES_OK != 0 {
            let features = self.driver_features;
            self.device.activate(features);
        }
        self.update_kick();
    }

    /// Whether the driver's features can be accepted: a subset of those
    /// offered, with VIRTIO_F_VERSION_1 (there is no legacy interface
    /// here, §6.1).
    fn features_acceptable(&self) -> bool {
        self.driver_features & !self.offered_features() == 0 && self.driver_features & feature::VIRTIO_F_VERSION_1 != 0
    }

    fn selected_queue(&mut self) -> Option<&mut SplitQueue> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    fn read_reg(&self, offset: u64) -> u32 {
        let queue = self.queues.get(self.queue_sel as usize);
        match offset {
            MAGIC => MAGIC_VALUE,
            VERSION_REG => VERSION,
            DEVICE_ID => self.device.device_id(),
            VENDOR_ID_REG => VENDOR_ID,
            DEVICE_FEATURES => match self.device_features_sel {
                0 => self.offered_features() as u32,
                1 => (self.offered_features() >> 32) as u32,
                _ => 0,
            },
            QUEUE_NUM_MAX => queue.map_or(0, |q| u32::from(q.max_size())),
            QUEUE_READY => queue.map_or(0, |q| u32::from(q.ready())),
            INTERRUPT_STATUS => self.interrupt_status,
            STATUS => u32::from(self.status),
            // No shared memory regions: length and base read as -1
            // (§4.2.2, SHMLen / SHMBase of a non-existent region).
            SHM_LEN_LOW | SHM_LEN_HIGH | SHM_BASE_LOW | SHM_BASE_HIGH => u32::MAX,
            CONFIG_GENERATION => self.config_generation,
            // QueueReset (VIRTIO_F_RING_RESET is not offered) and the
            // write-only registers.
            _ => 0,
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32) {
        let configurable = self.status & status::FEATURES_OK == 0;
        match offset {
            DEVICE_FEATURES_SEL => self.device_features_sel = value,
            DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            // Features are fixed once FEATURES_OK is set (§3.1.1).
            DRIVER_FEATURES if configurable => match self.driver_features_sel {
                0 => self.driver_features = (self.driver_features & !0xffff_ffff) | u64::from(value),
                1 => self.driver_features = (self.driver_features & 0xffff_ffff) | (u64::from(value) << 32),
                _ => {}
            },
            QUEUE_SEL => self.queue_sel = value,
            QUEUE_NUM => {
                if let Some(q) = self.selected_queue() {
                    q.set_size(value);
                }
            }
            QUEUE_READY => {
                let result = self.selected_queue().map(|q| q.set_ready(value != 0));
                if let Some(Err(QueueError(why))) = result {
                    self.fail(why);
                }
            }
            QUEUE_DESC_LOW | QUEUE_DESC_HIGH | QUEUE_DRIVER_LOW | QUEUE_DRIVER_HIGH | QUEUE_DEVICE_LOW
            | QUEUE_DEVICE_HIGH => {
                let area = ((offset - QUEUE_DESC_LOW) / 0x10) as usize;
                let high = offset & 4 != 0;
                if let Some(q) = self.selected_queue() {
                    q.set_area_half(area, high, value);
                }
            }
            QUEUE_NOTIFY => {
                // Without VIRTIO_F_NOTIFICATION_DATA the value is the queue
                // index (§4.2.2). Only recorded: see `process`.
                if let Some(bit) = 1u64.checked_shl(value).filter(|_| value < u32::from(self.num_queues())) {
                    self.pending_notify |= bit;
                    self.update_kick();
                }
            }
            INTERRUPT_ACK => {
                self.interrupt_status &= !value;
                self.update_irq();
            }
            STATUS => self.write_status(value),
            SHM_SEL => self.shm_sel = value,
            _ => {}
        }
    }

    fn num_queues(&self) -> u16 {
        self.queues.len() as u16
    }

    /// Runs the queues: takes the chains the driver made available, hands
    /// them to the device, returns them in the used rings and raises the
    /// interrupt where the driver asked for one. Returns how many chains
    /// were used.
    ///
    /// The machine calls this with guest memory while no MMIO access to
    /// this device is in progress: when the queue-work line rises, and
    /// whenever a device may have new input (a console's host side). Every
    /// ready queue is looked at, notified or not (a device may use buffers
    /// whenever they are available, §2.7.13). Each queue takes at most
    /// `QueueNum` chains per call; if it may have more, its notification
    /// stays pending so the line stays high. Does nothing before DRIVER_OK
    /// or after DEVICE_NEEDS_RESET.
    pub fn process(&mut self, mem: &mut dyn GuestRam) -> usize {
        if !self.live() {
            return 0;
        }
        self.pending_notify = 0;
        let features = self.driver_features;
        let mut used = 0;
        let mut interrupt = false;
        for index in 0..self.num_queues() {
            let mut r = RunResult::default();
            let result = self.run_queue(index, features, mem, &mut r);
            used += r.used;
            interrupt |= r.interrupt;
            if r.more {
                self.pending_notify |= 1 << index;
            }
            if let Err(why) = result {
                self.fail(why);
                break;
            }
        }
        if interrupt {
            self.raise(INT_USED_BUFFER);
        }
        self.update_kick();
        used
    }

    /// Runs one queue, counting in `r` what it did (also when it stops
    /// on an error: the chains used before it stay used).
    fn run_queue(
        &mut self,
        index: u16,
        features: u64,
        mem: &mut dyn GuestRam,
        r: &mut RunResult,
    ) -> Result<(), &'static str> {
        let event_idx = features & feature::VIRTIO_F_EVENT_IDX != 0;
        let MmioTransport { device, queues, chain, .. } = self;
        let Some(q) = queues.get_mut(usize::from(index)) else { return Ok(()) };
        if !q.ready() {
            return Ok(());
        }
        let result = drain(device, index, q, chain, mem, features, r);
        if r.used != 0 {
            r.interrupt = q.needs_interrupt(mem, event_idx).map_err(|e| e.0)?;
        }
        result
    }
}

/// Hands the chains available on `q` to `device` while it wants them, at
/// most `QueueNum` of them.
fn drain<D: VirtioDevice>(
    device: &mut D,
    index: u16,
    q: &mut SplitQueue,
    chain: &mut DescriptorChain,
    mem: &mut dyn GuestRam,
    features: u64,
    r: &mut RunResult,
) -> Result<(), &'static str> {
    let indirect = features & feature::VIRTIO_F_INDIRECT_DESC != 0;
    let event_idx = features & feature::VIRTIO_F_EVENT_IDX != 0;
    loop {
        if r.used >= usize::from(q.size()) {
            r.more = true;
            return Ok(());
        }
        if !device.wants_buffers(index) {
            return Ok(());
        }
        if !q.pop(mem, indirect, chain).map_err(|e| e.0)? {
            if event_idx {
                // Ask for a notification for the next chain, then look
                // again: the driver may have added one meanwhile (§2.7.10).
                q.publish_avail_event(mem).map_err(|e| e.0)?;
                if q.has_available(mem).map_err(|e| e.0)? {
                    continue;
                }
            }
            return Ok(());
        }
        let len = device.process_queue(index, chain, mem).map_err(|e| e.0)?;
        let len = len.min(u32::try_from(chain.writable_len()).unwrap_or(u32::MAX));
        q.push_used(mem, chain.head(), len).map_err(|e| e.0)?;
        r.used += 1;
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct RunResult {
    used: usize,
    interrupt: bool,
    more: bool,
}

impl<D: VirtioDevice, I: IrqLine, K: IrqLine> MmioDevice for MmioTransport<D, I, K> {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        if offset >= CONFIG {
            let mut buf = [0u8; 8];
            let n = size.bytes() as usize;
            self.device.read_config(offset - CONFIG, &mut buf[..n]);
            return Ok(u64::from_le_bytes(buf));
        }
        Ok(match size {
            MemSize::B4 if offset.is_multiple_of(4) => u64::from(self.read_reg(offset)),
            MemSize::B8 if offset.is_multiple_of(8) => {
                u64::from(self.read_reg(offset)) | (u64::from(self.read_reg(offset + 4)) << 32)
            }
            _ => 0,
        })
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        if offset >= CONFIG {
            let n = size.bytes() as usize;
            let bytes = value.to_le_bytes();
            self.device.write_config(offset - CONFIG, &bytes[..n]);
            return Ok(());
        }
        match size {
            MemSize::B4 if offset.is_multiple_of(4) => self.write_reg(offset, value as u32),
            MemSize::B8 if offset.is_multiple_of(8) => {
                self.write_reg(offset, value as u32);
                self.write_reg(offset + 4, (value >> 32) as u32);
            }
            _ => {}
        }
        Ok(())
    }
}

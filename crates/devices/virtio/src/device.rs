//! What a virtio device type (block, entropy, console, ...) implements,
//! and the numbers the specification gives it.

use crate::chain::DescriptorChain;
use crate::ram::GuestRam;

/// Device IDs (VIRTIO 1.2 §5, table "Device Types").
pub mod device_id {
    pub const NET: u32 = 1;
    pub const BLOCK: u32 = 2;
    pub const CONSOLE: u32 = 3;
    pub const ENTROPY: u32 = 4;
}

/// Device status bits (§2.1).
pub mod status {
    pub const ACKNOWLEDGE: u8 = 1;
    pub const DRIVER: u8 = 2;
    pub const DRIVER_OK: u8 = 4;
    pub const FEATURES_OK: u8 = 8;
    pub const DEVICE_NEEDS_RESET: u8 = 64;
    pub const FAILED: u8 = 128;
}

/// Feature bits of the transport and the rings (§6, "Reserved Feature
/// Bits"); bits 0..=23 belong to the device type.
pub mod feature {
    /// The driver may use indirect descriptor tables (§2.7.5.3; Linux's
    /// `VIRTIO_RING_F_INDIRECT_DESC`).
    pub const VIRTIO_F_INDIRECT_DESC: u64 = 1 << 28;
    /// `used_event` / `avail_event` notification suppression (§2.7.7,
    /// §2.7.10; Linux's `VIRTIO_RING_F_EVENT_IDX`).
    pub const VIRTIO_F_EVENT_IDX: u64 = 1 << 29;
    /// Compliance with this specification rather than the legacy one.
    pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;
    pub const VIRTIO_F_ACCESS_PLATFORM: u64 = 1 << 33;
    pub const VIRTIO_F_RING_PACKED: u64 = 1 << 34;
    pub const VIRTIO_F_IN_ORDER: u64 = 1 << 35;
    pub const VIRTIO_F_ORDER_PLATFORM: u64 = 1 << 36;
    pub const VIRTIO_F_SR_IOV: u64 = 1 << 37;
    pub const VIRTIO_F_NOTIFICATION_DATA: u64 = 1 << 38;
    pub const VIRTIO_F_NOTIF_CONFIG_DATA: u64 = 1 << 39;
    pub const VIRTIO_F_RING_RESET: u64 = 1 << 40;
    /// The bits a device type may define.
    pub const DEVICE_TYPE_MASK: u64 = (1 << 24) - 1;
}

/// A request the device cannot handle without the driver's help: the
/// transport sets `DEVICE_NEEDS_RESET` (§2.1.2) and stops processing
/// until the driver resets the device. The string says why, for the host's
/// log ([`crate::MmioTransport::error`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceError(pub &'static str);

/// A virtio device type, as the transport drives it. The transport owns
/// the registers, the feature negotiation and the queues; the device sees
/// configuration-space accesses and, one at a time, the chains the driver
/// makes available.
///
/// Queue processing happens only in [`crate::MmioTransport::process`],
/// which the machine calls with guest memory at hand — never inside an
/// MMIO access (see the crate docs).
pub trait VirtioDevice {
    /// The device type (§5), e.g. [`device_id::BLOCK`].
    fn device_id(&self) -> u32;

    /// The device-type feature bits offered (bits 0..=23; the transport
    /// adds its own — VERSION_1, INDIRECT_DESC, EVENT_IDX — and ignores
    /// others here).
    fn device_features(&self) -> u64;

    /// Number of virtqueues (at most 64).
    fn num_queues(&self) -> u16;

    /// `QueueNumMax` of `queue` (the transport clamps it to
    /// [`crate::MAX_QUEUE_SIZE`]).
    fn queue_max_size(&self, queue: u16) -> u16;

    /// Reads device configuration space at `offset` into `data`. Bytes
    /// outside the configuration read as 0 ([`read_config_bytes`]).
    fn read_config(&self, offset: u64, data: &mut [u8]);

    /// Writes device configuration space; read-only fields ignore it.
    fn write_config(&mut self, offset: u64, data: &[u8]) {
        let _ = (offset, data);
    }

    /// The driver set DRIVER_OK with these negotiated `features`
    /// (§3.1.1 step 8); the device is live from here.
    fn activate(&mut self, features: u64) {
        let _ = features;
    }

    /// Device reset (§2.4): back to the state after construction, keeping
    /// the host side (backend, entropy source).
    fn reset(&mut self);

    /// Whether the device can handle a chain of `queue` now. A receive
    /// queue with nothing to receive says no, so its buffers stay
    /// available until there is.
    fn wants_buffers(&mut self, queue: u16) -> bool {
        let _ = queue;
        true
    }

    /// Handles one chain of `queue` and returns how many bytes it wrote
    /// into the chain's device-writable buffers (the used length, §2.7.8;
    /// the transport clamps it to the writable length).
    fn process_queue(
        &mut self,
        queue: u16,
        chain: &DescriptorChain,
        mem: &mut dyn GuestRam,
    ) -> Result<u32, DeviceError>;
}

/// Copies `config[offset..]` into `data`; bytes outside `config` read as
/// 0. A helper for [`VirtioDevice::read_config`].
///
/// ```
/// let mut out = [0xff; 4];
/// wemu_dev_virtio::read_config_bytes(&[1, 2, 3], 1, &mut out);
/// assert_eq!(out, [2, 3, 0, 0]);
/// wemu_dev_virtio::read_config_bytes(&[1, 2, 3], u64::MAX, &mut out);
/// assert_eq!(out, [0; 4]);
/// ```
pub fn read_config_bytes(config: &[u8], offset: u64, data: &mut [u8]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b = usize::try_from(offset)
            .ok()
            .and_then(|o| o.checked_add(i))
            .and_then(|at| config.get(at))
            .copied()
            .unwrap_or(0);
    }
}

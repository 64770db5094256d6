//! The virtio entropy device (VIRTIO 1.2 §5.4): one request queue, no
//! features, no configuration. Every chain the driver makes available has
//! its device-writable buffers filled with bytes from an
//! [`EntropySource`] the host supplies — the operating system's generator
//! natively, `crypto.getRandomValues` in the browser, and
//! [`Xoshiro256StarStar`] (seeded) in deterministic mode and tests.
//!
//! A request is filled up to [`MAX_BYTES_PER_REQUEST`] (§5.4.6.2 lets the
//! device use less than the whole buffer), so a guest asking for 4 GiB
//! costs the host 64 KiB of generation. A buffer outside guest RAM ends
//! the request at the bytes written so far.
//!
//! ```
//! use wemu_dev_virtio::common::IrqLevels;
//! use wemu_dev_virtio::driver::{self, DriverQueue};
//! use wemu_dev_virtio::{MmioTransport, VecRam};
//! use wemu_dev_virtio_rng::{VirtioRng, Xoshiro256StarStar};
//!
//! let lines = IrqLevels::new(2);
//! let rng = VirtioRng::new(Xoshiro256StarStar::new(42));
//! let mut dev = MmioTransport::new(rng, lines.line(0), lines.line(1));
//! let mut ram = VecRam::new(0x8000_0000, 0x10000);
//! driver::init(&mut dev, 0).unwrap();
//! let mut q = DriverQueue::setup(&mut dev, &mut ram, 0, 8, 0x8000_0000).unwrap();
//! driver::driver_ok(&mut dev);
//! q.add(&mut ram, &[(0x8000_1000, 32, true)]).unwrap();
//! q.notify(&mut dev);
//! dev.process(&mut ram);
//! assert_eq!(q.pop_used(&mut ram), Some((0, 32)));
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use wemu_dev_virtio::{DescriptorChain, DeviceError, GuestRam, VirtioDevice, device_id};

#[cfg(test)]
mod tests;

/// Entries in the request queue (`QueueNumMax`).
pub const QUEUE_SIZE: u16 = 64;
/// Most bytes one request gets.
pub const MAX_BYTES_PER_REQUEST: u64 = 64 << 10;

/// Where random bytes come from. Never blocks.
pub trait EntropySource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<E: EntropySource + ?Sized> EntropySource for alloc::boxed::Box<E> {
    fn fill(&mut self, buf: &mut [u8]) {
        (**self).fill(buf)
    }
}

/// xoshiro256** (Blackman and Vigna): a small, fast, deterministic
/// generator for deterministic mode and tests. Not cryptographic. Its
/// state is plain data ([`Xoshiro256StarStar::state`]) so a snapshot can
/// carry it.
///
/// ```
/// use wemu_dev_virtio_rng::{EntropySource, Xoshiro256StarStar};
///
/// let (mut a, mut b) = (Xoshiro256StarStar::new(7), Xoshiro256StarStar::new(7));
/// let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
/// a.fill(&mut x);
/// b.fill(&mut y);
/// assert_eq!(x, y);
/// assert_ne!(x, [0; 13]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Xoshiro256StarStar {
    s: [u64; 4],
}

impl Xoshiro256StarStar {
    /// A generator seeded from `seed` through SplitMix64 (as the authors
    /// recommend; never the all-zero state).
    pub fn new(seed: u64) -> Xoshiro256StarStar {
        let mut x = seed;
        let mut split_mix = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro256StarStar { s: [split_mix(), split_mix(), split_mix(), split_mix()] }
    }

    /// A generator in `state` (the all-zero state, which would only ever
    /// produce zeroes, is replaced by the seed-0 state).
    pub fn from_state(state: [u64; 4]) -> Xoshiro256StarStar {
        if state == [0; 4] { Xoshiro256StarStar::new(0) } else { Xoshiro256StarStar { s: state } }
    }

    /// The state, as plain data.
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

impl EntropySource for Xoshiro256StarStar {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// The device's state as plain data: it has none beyond the transport's
/// (the entropy source is the host's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VirtioRngState {}

/// A virtio entropy device. Put it in a [`wemu_dev_virtio::MmioTransport`].
#[derive(Debug)]
pub struct VirtioRng<E> {
    source: E,
}

impl<E: EntropySource> VirtioRng<E> {
    pub fn new(source: E) -> Self {
        VirtioRng { source }
    }

    pub fn from_state(_: &VirtioRngState, source: E) -> Self {
        VirtioRng { source }
    }

    pub fn state(&self) -> VirtioRngState {
        VirtioRngState {}
    }

    pub fn source(&self) -> &E {
        &self.source
    }

    pub fn source_mut(&mut self) -> &mut E {
        &mut self.source
    }
}

impl<E: EntropySource> VirtioDevice for VirtioRng<E> {
    fn device_id(&self) -> u32 {
        device_id::ENTROPY
    }

    fn device_features(&self) -> u64 {
        0
    }

    fn num_queues(&self) -> u16 {
        1
    }

    fn queue_max_size(&self, _: u16) -> u16 {
        QUEUE_SIZE
    }

    fn read_config(&self, _: u64, data: &mut [u8]) {
        data.fill(0);
    }

    fn reset(&mut self) {}

    /// §5.4.6.2: random bytes into the device-writable buffers (a chain
    /// with none gets nothing: the driver "MUST NOT place driver-readable
    /// buffers into the queue", §5.4.6.1).
    fn process_queue(&mut self, _: u16, chain: &DescriptorChain, mem: &mut dyn GuestRam) -> Result<u32, DeviceError> {
        let mut w = chain.writer();
        let total = w.remaining().min(MAX_BYTES_PER_REQUEST);
        let mut buf = [0u8; 256];
        while w.written() < total {
            let n = (total - w.written()).min(buf.len() as u64) as usize;
            let chunk = buf.get_mut(..n).unwrap_or_default();
            self.source.fill(chunk);
            if w.write(mem, chunk).is_err() {
                break;
            }
        }
        Ok(w.written() as u32)
    }
}

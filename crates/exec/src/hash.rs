//! The hasher of the translation cache's maps.
//!
//! Keys are a few integers (PCs, physical pages, flags), so a multiply-rotate
//! hash with a final mix is enough and much cheaper than SipHash. The mix
//! matters: physical pages are multiples of 4096, and hashbrown takes the
//! bucket from the low bits of the hash. It is also deterministic (no random
//! seed), which keeps deterministic mode reproducible even if a map's
//! iteration order ever leaks into behaviour.

use core::hash::{BuildHasher, Hasher};

/// Builds [`IntHasher`]s.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IntHash;

impl BuildHasher for IntHash {
    type Hasher = IntHasher;

    #[inline]
    fn build_hasher(&self) -> IntHasher {
        IntHasher(0)
    }
}

/// A hasher for small integer keys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IntHasher(u64);

const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl IntHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(K);
    }
}

impl Hasher for IntHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The finalizer of MurmurHash3 (fmix64): every input bit reaches the
        // low bits.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.add(u64::from(x))
    }

    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.add(u64::from(x))
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.add(x)
    }

    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.add(x as u64)
    }
}

/// A hashbrown map with [`IntHash`].
pub(crate) type IntMap<K, V> = hashbrown::HashMap<K, V, IntHash>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_spread_over_low_bits() {
        let mut low = [false; 64];
        for page in 0..64u64 {
            let mut h = IntHash.build_hasher();
            h.write_u64(0x8000_0000 + (page << 12));
            low[(h.finish() & 63) as usize] = true;
        }
        // A hash that kept the page's zero low bits would hit one bucket.
        assert!(low.iter().filter(|&&b| b).count() > 32);
    }
}

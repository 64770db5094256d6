//! A tiny deterministic PRNG for the device crates' register-hammer tests
//! (seeded, reproducible, no dependencies).

/// Marsaglia's xorshift64. The seed must not be 0 (0 stays 0).
#[derive(Clone, Debug)]
pub struct XorShift(pub u64);

impl XorShift {
    /// The next pseudo-random value.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

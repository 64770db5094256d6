//! The arena: one contiguous host memory region for everything generated
//! code touches, addressed by 32-bit offsets.
//!
//! All access goes through `&self` methods on raw memory, because the arena
//! is shared memory in the hardware sense: several vCPUs (threads, later)
//! and devices (DMA) access guest RAM concurrently, and emitted Wasm reads
//! and writes it behind Rust's back. The only way to get a Rust slice is
//! the `unsafe` [`Arena::slice_mut`], whose caller promises exclusive use
//! of that range (a vCPU's own state block).
//!
//! `wasm_base` is where offset 0 of the arena sits in the Wasm memory that
//! generated code uses: natively the arena *is* that memory (0); on wasm32
//! it is the arena's address in the emulator's own linear memory.

use wemu_ir::MemSize;

/// Why an arena could not be made or could not satisfy an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArenaError {
    /// The host could not provide the memory.
    OutOfHostMemory,
    /// The arena is full (or the request exceeds the 4 GiB offset space).
    Full { requested: u64, available: u64 },
}

impl core::fmt::Display for ArenaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ArenaError::OutOfHostMemory => write!(f, "the host could not provide the arena's memory"),
            ArenaError::Full { requested, available } => {
                write!(f, "arena full: {requested} bytes requested, {available} available")
            }
        }
    }
}

/// The arena. See the module docs.
#[derive(Debug)]
pub struct Arena {
    // Implementation-defined: base pointer, length, bump pointer,
    // wasm_base, and whether it owns (and must free) its memory.
}

impl Arena {
    /// The largest arena: offsets are 32-bit.
    pub const MAX_LEN: u64 = 1 << 32;

    /// A zeroed arena of `len` bytes owned by this value (allocated with
    /// `alloc_zeroed`, which the host maps lazily, so a 3 GiB guest costs
    /// only what it touches). `wasm_base` is 0.
    pub fn new(len: u64) -> Result<Arena, ArenaError> {
        todo!("{len}")
    }

    /// An arena over memory someone else owns (a wasmtime memory, the
    /// wasm32 linear memory).
    ///
    /// # Safety
    /// `base..base+len` must be valid for reads and writes, zeroed or
    /// otherwise initialized, and outlive the arena; nothing else may
    /// create Rust references into it while the arena is alive.
    pub unsafe fn from_raw(base: *mut u8, len: u64, wasm_base: u32) -> Arena {
        todo!("{base:?} {len} {wasm_base}")
    }

    /// Allocates `size` bytes aligned to `align` (a power of two, at least
    /// 1), zeroed; returns the offset.
    pub fn alloc(&mut self, size: u64, align: u64) -> Result<u32, ArenaError> {
        todo!("{size} {align}")
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        todo!()
    }

    /// Where offset 0 is in the Wasm memory generated code sees.
    pub fn wasm_base(&self) -> u32 {
        todo!()
    }

    /// The host pointer of offset 0 (for an embedded Wasm engine).
    pub fn base_ptr(&self) -> *mut u8 {
        todo!()
    }

    /// Reads a little-endian number of `size` bytes at `offset` (any
    /// alignment); `None` if the range is outside the arena.
    pub fn read(&self, offset: u64, size: MemSize) -> Option<u64> {
        todo!("{offset} {size:?}")
    }

    /// Writes the low `size` bytes of `value` little-endian at `offset`;
    /// `None` (and no write) if the range is outside the arena.
    pub fn write(&self, offset: u64, size: MemSize, value: u64) -> Option<()> {
        todo!("{offset} {size:?} {value}")
    }

    /// Copies arena bytes out; `None` if out of range.
    pub fn read_bytes(&self, offset: u64, buf: &mut [u8]) -> Option<()> {
        todo!("{offset} {}", buf.len())
    }

    /// Copies bytes in; `None` (and no write) if out of range.
    pub fn write_bytes(&self, offset: u64, buf: &[u8]) -> Option<()> {
        todo!("{offset} {}", buf.len())
    }

    /// Atomic compare-and-exchange of `size` bytes at `offset` (the host's
    /// atomics where the offset is aligned; guests' atomics map here).
    /// Returns the old value, `None` if out of range.
    pub fn cmpxchg(&self, offset: u64, size: MemSize, expected: u64, new: u64) -> Option<u64> {
        todo!("{offset} {size:?} {expected} {new}")
    }

    /// A mutable slice of the arena.
    ///
    /// # Safety
    /// The caller must be the only user of `offset..offset+len` for the
    /// slice's lifetime: no other slice, no other thread, no generated code
    /// touches it meanwhile. `None` if the range is outside the arena.
    pub unsafe fn slice_mut(&self, offset: u64, len: u64) -> Option<&mut [u8]> {
        todo!("{offset} {len}")
    }
}

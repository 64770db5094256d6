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
//! Only the *allocated* part of the arena (`0..`[`Arena::allocated`], what
//! [`Arena::alloc`] has handed out) is accessible through these methods;
//! offsets beyond it are out of range. So the bytes a new allocation gets
//! have never been written, and an owned arena (or one made with
//! [`Arena::from_raw_zeroed`]) hands out zeroed memory without touching it:
//! a 3 GiB guest costs only the pages it uses.
//!
//! `wasm_base` is where offset 0 of the arena sits in the Wasm memory that
//! generated code uses: natively the arena *is* that memory (0); on wasm32
//! it is the arena's address in the emulator's own linear memory.

use alloc::boxed::Box;
use core::alloc::Layout;
use core::any::Any;
use core::ptr::{self, NonNull};

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

/// Alignment of an owned arena's host memory. Small on purpose: the system
/// allocators serve `alloc_zeroed` with at most their minimum alignment
/// from `calloc` (fresh, lazily zeroed pages), but larger alignments with
/// `malloc` + an explicit memset that would touch every page. 8 is enough
/// for every access size, so arena offsets aligned to their access size are
/// host-aligned too (what the host atomics need).
const HOST_ALIGN: usize = 8;

/// The arena. See the module docs.
#[derive(Debug)]
pub struct Arena {
    /// Host address of offset 0.
    base: NonNull<u8>,
    /// Length in bytes (at most [`Arena::MAX_LEN`], and fits `isize`).
    len: u64,
    /// The bump pointer: offsets below it are allocated (and accessible).
    next: u64,
    wasm_base: u32,
    /// The layout to free with, if this value owns its memory.
    owned: Option<Layout>,
    /// Whether the bytes at `next..len` are known to be zero (owned arenas,
    /// [`Arena::from_raw_zeroed`]); otherwise `alloc` zeroes them.
    fresh_is_zero: bool,
    /// What keeps a `from_raw` arena's memory alive (a wasmtime memory),
    /// dropped with the arena ([`Arena::with_owner`]).
    owner: Option<Box<dyn Any + Send + Sync>>,
}

// SAFETY: the arena is a raw pointer to memory it owns (or that the creator
// of a `from_raw` arena promised outlives it and is not otherwise referenced
// by Rust). Every access goes through raw-pointer reads and writes of
// bounds-checked ranges, never through Rust references (except
// `slice_mut`, whose caller promises exclusivity), so moving the arena to
// another thread or using it from several threads breaks no Rust aliasing
// rule. Concurrent plain accesses to the same guest bytes are the guest's
// own races, exactly as on hardware (and as with the memory an embedded Wasm
// engine shares between threads); guest atomics use host atomics
// (`cmpxchg`).
unsafe impl Send for Arena {}
// SAFETY: see `Send` above: shared use is raw-pointer access only.
unsafe impl Sync for Arena {}

/// Implements the `cmpxchg` of one size with the host's atomic of that size
/// when the host address is aligned (and the host has that atomic); plain
/// read/compare/write otherwise.
macro_rules! cmpxchg_sized {
    ($p:ident, $expected:ident, $new:ident, $int:ty, $atomic:ident, $width:literal) => {{
        let expected = $expected as $int;
        let new = $new as $int;
        #[cfg(target_has_atomic = $width)]
        if ($p as usize) % core::mem::align_of::<core::sync::atomic::$atomic>() == 0 {
            // SAFETY: `$p` is in bounds for the size (checked by the caller),
            // aligned for the atomic (just checked), and all other accesses
            // to arena memory are raw-pointer accesses, so no Rust reference
            // to these bytes exists while the atomic exists.
            let a = unsafe { core::sync::atomic::$atomic::from_ptr($p.cast::<$int>()) };
            // Memory holds little-endian bytes; the atomic works on the
            // host's native order (`to_le`/`from_le` are no-ops on
            // little-endian hosts).
            let old = match a.compare_exchange(
                expected.to_le(),
                new.to_le(),
                core::sync::atomic::Ordering::SeqCst,
                core::sync::atomic::Ordering::SeqCst,
            ) {
                Ok(v) | Err(v) => v,
            };
            return Some(u64::from(<$int>::from_le(old)));
        }
        // SAFETY: `$p` is in bounds for the size (checked by the caller);
        // unaligned reads are allowed by `read_unaligned`.
        let old = <$int>::from_le(unsafe { ptr::read_unaligned($p.cast::<$int>()) });
        if old == expected {
            // SAFETY: as for the read.
            unsafe { ptr::write_unaligned($p.cast::<$int>(), new.to_le()) };
        }
        Some(u64::from(old))
    }};
}

impl Arena {
    /// The largest arena: offsets are 32-bit.
    pub const MAX_LEN: u64 = 1 << 32;

    /// A zeroed arena of `len` bytes owned by this value (allocated with
    /// `alloc_zeroed`, which the host maps lazily, so a 3 GiB guest costs
    /// only what it touches). `wasm_base` is 0.
    pub fn new(len: u64) -> Result<Arena, ArenaError> {
        if len > Arena::MAX_LEN {
            return Err(ArenaError::Full { requested: len, available: Arena::MAX_LEN });
        }
        if len == 0 {
            return Ok(Arena {
                base: NonNull::dangling(),
                len: 0,
                next: 0,
                wasm_base: 0,
                owned: None,
                fresh_is_zero: true,
                owner: None,
            });
        }
        let size = usize::try_from(len).map_err(|_| ArenaError::OutOfHostMemory)?;
        let layout = Layout::from_size_align(size, HOST_ALIGN).map_err(|_| ArenaError::OutOfHostMemory)?;
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { alloc::alloc::alloc_zeroed(layout) };
        let base = NonNull::new(p).ok_or(ArenaError::OutOfHostMemory)?;
        Ok(Arena { base, len, next: 0, wasm_base: 0, owned: Some(layout), fresh_is_zero: true, owner: None })
    }

    /// An arena over memory someone else owns (a wasmtime memory, the
    /// wasm32 linear memory). Allocations zero their bytes explicitly; see
    /// [`Arena::from_raw_zeroed`] for memory known to be zero. `len` is
    /// clamped to [`Arena::MAX_LEN`].
    ///
    /// # Safety
    /// `base..base+len` must be valid for reads and writes, zeroed or
    /// otherwise initialized, and outlive the arena; nothing else may
    /// create Rust references into it while the arena is alive.
    pub unsafe fn from_raw(base: *mut u8, len: u64, wasm_base: u32) -> Arena {
        let len = len.min(Arena::MAX_LEN).min(isize::MAX as u64);
        let (base, len) = match NonNull::new(base) {
            Some(b) => (b, len),
            None => (NonNull::dangling(), 0),
        };
        Arena { base, len, next: 0, wasm_base, owned: None, fresh_is_zero: false, owner: None }
    }

    /// Like [`Arena::from_raw`] for memory that is all zeros (a fresh Wasm
    /// memory): allocations do not write their bytes, so untouched guest
    /// RAM stays untouched host memory.
    ///
    /// # Safety
    /// As for [`Arena::from_raw`], and every byte of `base..base+len` must
    /// be zero.
    pub unsafe fn from_raw_zeroed(base: *mut u8, len: u64, wasm_base: u32) -> Arena {
        // SAFETY: the caller upholds `from_raw`'s contract.
        let mut a = unsafe { Arena::from_raw(base, len, wasm_base) };
        a.fresh_is_zero = true;
        a
    }

    /// Makes the arena own `owner`, the value that keeps its memory alive
    /// (a wasmtime memory for a [`Arena::from_raw`] arena): it is dropped
    /// with the arena, not before.
    pub fn with_owner(mut self, owner: Box<dyn Any + Send + Sync>) -> Arena {
        self.owner = Some(owner);
        self
    }

    /// Allocates `size` bytes aligned to `align` (a power of two, at least
    /// 1; other values are rounded up to one), zeroed; returns the offset.
    /// The alignment is of the offset; the host address has it too up to 8
    /// bytes for an owned arena (for a `from_raw` one: as far as its base
    /// is aligned).
    pub fn alloc(&mut self, size: u64, align: u64) -> Result<u32, ArenaError> {
        let available = self.len - self.next;
        let full = ArenaError::Full { requested: size, available };
        let align = align.max(1).checked_next_power_of_two().ok_or(full)?;
        let start = self.next.checked_add(align - 1).ok_or(full)? & !(align - 1);
        let end = start.checked_add(size).ok_or(full)?;
        if end > self.len {
            return Err(full);
        }
        let offset = u32::try_from(start).map_err(|_| full)?;
        self.next = end;
        if !self.fresh_is_zero {
            // In range: `end <= len` and `start..end` is now allocated.
            self.fill(start, size, 0).ok_or(full)?;
        }
        Ok(offset)
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the arena has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many bytes have been allocated: offsets below this are
    /// accessible.
    pub fn allocated(&self) -> u64 {
        self.next
    }

    /// Where offset 0 is in the Wasm memory generated code sees.
    pub fn wasm_base(&self) -> u32 {
        self.wasm_base
    }

    /// The host pointer of offset 0 (for an embedded Wasm engine).
    pub fn base_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// The host pointer of `offset..offset+n` if that range is allocated.
    #[inline(always)]
    fn ptr(&self, offset: u64, n: u64) -> Option<*mut u8> {
        match offset.checked_add(n) {
            // SAFETY: `offset + n <= next <= len`, and `base..base+len` is
            // one allocation (or valid memory by `from_raw`'s contract)
            // whose size fits `isize`, so the offset stays inside it.
            Some(end) if end <= self.next => Some(unsafe { self.base.as_ptr().add(offset as usize) }),
            _ => None,
        }
    }

    /// Reads a little-endian number of `size` bytes at `offset` (any
    /// alignment); `None` if the range is outside the allocated arena.
    #[inline]
    pub fn read(&self, offset: u64, size: MemSize) -> Option<u64> {
        let p = self.ptr(offset, u64::from(size.bytes()))?;
        // SAFETY: `p..p+size` is inside the arena (`ptr` checked it);
        // `read_unaligned` allows any alignment.
        let v = unsafe {
            match size {
                MemSize::B1 => u64::from(p.read()),
                MemSize::B2 => u64::from(u16::from_le_bytes(ptr::read_unaligned(p.cast::<[u8; 2]>()))),
                MemSize::B4 => u64::from(u32::from_le_bytes(ptr::read_unaligned(p.cast::<[u8; 4]>()))),
                MemSize::B8 => u64::from_le_bytes(ptr::read_unaligned(p.cast::<[u8; 8]>())),
            }
        };
        Some(v)
    }

    /// Writes the low `size` bytes of `value` little-endian at `offset`;
    /// `None` (and no write) if the range is outside the allocated arena.
    #[inline]
    pub fn write(&self, offset: u64, size: MemSize, value: u64) -> Option<()> {
        let p = self.ptr(offset, u64::from(size.bytes()))?;
        // SAFETY: `p..p+size` is inside the arena (`ptr` checked it);
        // `write_unaligned` allows any alignment.
        unsafe {
            match size {
                MemSize::B1 => p.write(value as u8),
                MemSize::B2 => ptr::write_unaligned(p.cast::<[u8; 2]>(), (value as u16).to_le_bytes()),
                MemSize::B4 => ptr::write_unaligned(p.cast::<[u8; 4]>(), (value as u32).to_le_bytes()),
                MemSize::B8 => ptr::write_unaligned(p.cast::<[u8; 8]>(), value.to_le_bytes()),
            }
        }
        Some(())
    }

    /// Copies arena bytes out; `None` if out of range.
    pub fn read_bytes(&self, offset: u64, buf: &mut [u8]) -> Option<()> {
        let p = self.ptr(offset, buf.len() as u64)?;
        // SAFETY: the source range is inside the arena (`ptr` checked it)
        // and cannot overlap `buf`, a Rust slice (no Rust reference into
        // the arena exists outside `slice_mut`, whose user must not pass
        // it here).
        unsafe { ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), buf.len()) };
        Some(())
    }

    /// Copies bytes in; `None` (and no write) if out of range.
    pub fn write_bytes(&self, offset: u64, buf: &[u8]) -> Option<()> {
        let p = self.ptr(offset, buf.len() as u64)?;
        // SAFETY: as in `read_bytes`, with the roles swapped.
        unsafe { ptr::copy_nonoverlapping(buf.as_ptr(), p, buf.len()) };
        Some(())
    }

    /// Sets `len` bytes at `offset` to `byte`; `None` (and no write) if out
    /// of range.
    pub fn fill(&self, offset: u64, len: u64, byte: u8) -> Option<()> {
        let p = self.ptr(offset, len)?;
        // SAFETY: `p..p+len` is inside the arena (`ptr` checked it), so
        // `len` also fits `usize`.
        unsafe { ptr::write_bytes(p, byte, len as usize) };
        Some(())
    }

    /// Atomic compare-and-exchange of `size` bytes at `offset` (the host's
    /// atomics where the offset is aligned; guests' atomics map here).
    /// Returns the old value, `None` if out of range. `expected` and `new`
    /// are taken at the access size.
    ///
    /// Where the host address is not aligned to the size (or the host has
    /// no atomic of that size) this is a plain read, compare and write:
    /// atomic against this thread and the guest code it runs, but not
    /// against other threads. Guests require aligned atomics (or, like x86
    /// split locks, make them rare and slow), so this only affects guests
    /// racing themselves.
    pub fn cmpxchg(&self, offset: u64, size: MemSize, expected: u64, new: u64) -> Option<u64> {
        let p = self.ptr(offset, u64::from(size.bytes()))?;
        match size {
            MemSize::B1 => cmpxchg_sized!(p, expected, new, u8, AtomicU8, "8"),
            MemSize::B2 => cmpxchg_sized!(p, expected, new, u16, AtomicU16, "16"),
            MemSize::B4 => cmpxchg_sized!(p, expected, new, u32, AtomicU32, "32"),
            MemSize::B8 => cmpxchg_sized!(p, expected, new, u64, AtomicU64, "64"),
        }
    }

    /// A mutable slice of the arena.
    ///
    /// # Safety
    /// The caller must be the only user of `offset..offset+len` for the
    /// slice's lifetime: no other slice, no other thread, no generated code
    /// touches it meanwhile. `None` if the range is outside the allocated
    /// arena.
    // The arena is shared memory reached through raw pointers; the caller
    // promises the exclusivity a `&mut` needs.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice_mut(&self, offset: u64, len: u64) -> Option<&mut [u8]> {
        let p = self.ptr(offset, len)?;
        // SAFETY: the range is inside the arena (`ptr` checked it, so `len`
        // fits `usize`) and initialized; the caller promises exclusive use
        // for the slice's lifetime, which `&self` bounds by the arena's.
        Some(unsafe { core::slice::from_raw_parts_mut(p, len as usize) })
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        if let Some(layout) = self.owned {
            // SAFETY: `base` was returned by `alloc_zeroed` with `layout`
            // (see `new`) and is freed only here, once.
            unsafe { alloc::alloc::dealloc(self.base.as_ptr(), layout) };
        }
    }
}

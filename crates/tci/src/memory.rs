//! Simple implementations of the runtime interface for tests, tools and
//! benchmarks, until the softmmu exists: [`FlatMemory`] (one flat,
//! little-endian RAM region) and [`NoHelpers`] (an empty helper table).
//! Also the little-endian byte access the interpreter uses on the CPU state.

use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::runtime::{FaultCode, GuestMemory, Helpers};
use wemu_ir::{MemOp, MemSize, RmwOp, semantics};

/// Reads a little-endian number of `size` bytes at `off`; 0 if out of range.
#[inline(always)]
pub(crate) fn read_le(bytes: &[u8], off: usize, size: MemSize) -> u64 {
    let Some(s) = bytes.get(off..) else { return 0 };
    match size {
        MemSize::B1 => s.first().map_or(0, |&b| u64::from(b)),
        MemSize::B2 => s.first_chunk::<2>().map_or(0, |b| u64::from(u16::from_le_bytes(*b))),
        MemSize::B4 => s.first_chunk::<4>().map_or(0, |b| u64::from(u32::from_le_bytes(*b))),
        MemSize::B8 => s.first_chunk::<8>().map_or(0, |b| u64::from_le_bytes(*b)),
    }
}

/// Writes the low `size` bytes of `v` little-endian at `off`; nothing if out
/// of range.
#[inline(always)]
pub(crate) fn write_le(bytes: &mut [u8], off: usize, size: MemSize, v: u64) {
    let Some(s) = bytes.get_mut(off..) else { return };
    match size {
        MemSize::B1 => {
            if let Some(b) = s.first_mut() {
                *b = v as u8;
            }
        }
        MemSize::B2 => {
            if let Some(b) = s.first_chunk_mut::<2>() {
                *b = (v as u16).to_le_bytes();
            }
        }
        MemSize::B4 => {
            if let Some(b) = s.first_chunk_mut::<4>() {
                *b = (v as u32).to_le_bytes();
            }
        }
        MemSize::B8 => {
            if let Some(b) = s.first_chunk_mut::<8>() {
                *b = v.to_le_bytes();
            }
        }
    }
}

/// Guest memory that is one flat little-endian region of `bytes.len()`
/// bytes at guest address `base`. Every access that is not entirely inside
/// the region fails with [`FlatMemory::OUT_OF_RANGE`]; no address panics or
/// overflows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatMemory {
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl FlatMemory {
    /// The fault code of an access outside the region.
    pub const OUT_OF_RANGE: FaultCode = 1;

    /// `size` zeroed bytes at `base`.
    pub fn new(base: u64, size: usize) -> FlatMemory {
        FlatMemory { base, bytes: vec![0; size] }
    }

    /// The offset into `bytes` of an access of `size` at `addr`, if it is
    /// entirely inside the region.
    #[inline(always)]
    fn offset(&self, addr: u64, size: MemSize) -> Result<usize, FaultCode> {
        let off = addr.checked_sub(self.base).ok_or(Self::OUT_OF_RANGE)?;
        let off = usize::try_from(off).map_err(|_| Self::OUT_OF_RANGE)?;
        match off.checked_add(size.bytes() as usize) {
            Some(end) if end <= self.bytes.len() => Ok(off),
            _ => Err(Self::OUT_OF_RANGE),
        }
    }

    /// Reads `size` bytes at `addr` as a little-endian number.
    pub fn read(&self, addr: u64, size: MemSize) -> Result<u64, FaultCode> {
        let off = self.offset(addr, size)?;
        Ok(read_le(&self.bytes, off, size))
    }

    /// Writes the low `size` bytes of `v` at `addr`, little-endian.
    pub fn write(&mut self, addr: u64, size: MemSize, v: u64) -> Result<(), FaultCode> {
        let off = self.offset(addr, size)?;
        write_le(&mut self.bytes, off, size, v);
        Ok(())
    }
}

impl GuestMemory for FlatMemory {
    #[inline(always)]
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.read(addr, mem.size)
    }

    #[inline(always)]
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        self.write(addr, mem.size, raw)
    }

    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        let off = self.offset(addr, mem.size)?;
        let old = read_le(&self.bytes, off, mem.size);
        write_le(&mut self.bytes, off, mem.size, semantics::rmw(op, mem.size, old, raw));
        Ok(old)
    }

    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        let off = self.offset(addr, mem.size)?;
        let old = read_le(&self.bytes, off, mem.size);
        if old == expected & mem.size.mask() {
            write_le(&mut self.bytes, off, mem.size, new);
        }
        Ok(old)
    }
}

/// A helper table with no helpers: every call fails with
/// [`NoHelpers::FAULT`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoHelpers;

impl NoHelpers {
    /// The fault code of every call.
    pub const FAULT: FaultCode = 0;
}

impl<M: ?Sized> Helpers<M> for NoHelpers {
    fn call(&mut self, _id: u32, _state: &mut [u8], _args: &[u64], _mem: &mut M) -> Result<u64, FaultCode> {
        Err(Self::FAULT)
    }
}

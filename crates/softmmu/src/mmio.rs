//! Memory-mapped I/O: the interface devices implement.

use wemu_ir::MemSize;

/// A bus error: the access reached no device, or the device refused it.
/// The guest frontend turns it into its access fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusError;

/// A device register window. `offset` is relative to the region's base.
/// Implementations must not panic for any offset, size or value: a guest
/// can produce all of them.
pub trait MmioDevice {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError>;
    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError>;
}

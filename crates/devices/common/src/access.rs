//! Accesses narrower than a register: a 32-bit access to half of a 64-bit
//! `mtimecmp`, a byte of a 32-bit word.

use wemu_ir::MemSize;

/// The bytes an access of `size` at byte `offset` inside a register sees
/// of the register's `value`. Bytes past the register's end read 0 (so a
/// caller need not check that `offset + size` fits; `offset >= 8` gives 0).
///
/// ```
/// use wemu_dev_common::{MemSize, read_part};
/// assert_eq!(read_part(0x1122_3344_5566_7788, 4, MemSize::B4), 0x1122_3344);
/// assert_eq!(read_part(0x1122_3344_5566_7788, 1, MemSize::B1), 0x77);
/// assert_eq!(read_part(0x1122_3344_5566_7788, 6, MemSize::B4), 0x1122);
/// ```
pub fn read_part(value: u64, offset: u64, size: MemSize) -> u64 {
    let shift = offset.saturating_mul(8);
    if shift >= 64 {
        return 0;
    }
    (value >> shift) & size.mask()
}

/// `old` with the bytes an access of `size` at byte `offset` covers
/// replaced by the low bytes of `value`; bytes past a 64-bit register's end
/// are dropped.
///
/// ```
/// use wemu_dev_common::{MemSize, write_part};
/// assert_eq!(write_part(0x1111_2222_3333_4444, 4, MemSize::B4, 0xdead_beef), 0xdead_beef_3333_4444);
/// assert_eq!(write_part(0, 0, MemSize::B2, 0xffff_1234), 0x1234);
/// ```
pub fn write_part(old: u64, offset: u64, size: MemSize, value: u64) -> u64 {
    let shift = offset.saturating_mul(8);
    if shift >= 64 {
        return old;
    }
    let mask = size.mask() << shift;
    (old & !mask) | ((value << shift) & mask)
}

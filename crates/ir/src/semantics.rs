//! The meaning of every value-computing operation, as plain functions.
//!
//! This module *is* the IR's definition: the optimizer folds constants with
//! it, the interpreter executes with it, and the JIT's tests compare against
//! it. Every function takes and returns canonical values (an `I32` value has
//! its upper 32 bits clear) and never panics.

use crate::{BinaryOp, Cond, ConvOp, MemOp, MemSize, RmwOp, Type, UnaryOp};

/// Sign-extends the low `bits` bits of `v` to 64 bits (`1 <= bits <= 64`).
#[inline(always)]
pub const fn sext(v: u64, bits: u32) -> u64 {
    let sh = 64 - bits;
    (((v << sh) as i64) >> sh) as u64
}

/// `v` of type `ty`, as a signed 64-bit number.
#[inline(always)]
pub const fn signed(ty: Type, v: u64) -> i64 {
    match ty {
        Type::I32 => v as u32 as i32 as i64,
        Type::I64 => v as i64,
    }
}

/// Evaluates a unary op.
#[inline(always)]
pub const fn unary(op: UnaryOp, ty: Type, x: u64) -> u64 {
    let r = match (op, ty) {
        (UnaryOp::Neg, _) => x.wrapping_neg(),
        (UnaryOp::Not, _) => !x,
        (UnaryOp::Clz, Type::I32) => (x as u32).leading_zeros() as u64,
        (UnaryOp::Clz, Type::I64) => x.leading_zeros() as u64,
        (UnaryOp::Ctz, Type::I32) => (x as u32).trailing_zeros() as u64,
        (UnaryOp::Ctz, Type::I64) => x.trailing_zeros() as u64,
        (UnaryOp::Popcnt, _) => (x & ty.mask()).count_ones() as u64,
        (UnaryOp::Bswap16, _) => (x as u16).swap_bytes() as u64,
        (UnaryOp::Bswap32, _) => (x as u32).swap_bytes() as u64,
        (UnaryOp::Bswap64, _) => x.swap_bytes(),
        (UnaryOp::Sext8, _) => sext(x, 8),
        (UnaryOp::Sext16, _) => sext(x, 16),
        (UnaryOp::Sext32, _) => sext(x, 32),
        (UnaryOp::Zext8, _) => x as u8 as u64,
        (UnaryOp::Zext16, _) => x as u16 as u64,
        (UnaryOp::Zext32, _) => x as u32 as u64,
    };
    ty.canon(r)
}

/// Evaluates a binary op (see [`BinaryOp`] for the defined corner cases).
#[inline(always)]
pub const fn binary(op: BinaryOp, ty: Type, a: u64, b: u64) -> u64 {
    match ty {
        Type::I32 => binary32(op, a as u32, b as u32) as u64,
        Type::I64 => binary64(op, a, b),
    }
}

macro_rules! binary_impl {
    ($name:ident, $u:ty, $i:ty, $wide_u:ty, $wide_i:ty) => {
        #[inline(always)]
        const fn $name(op: BinaryOp, a: $u, b: $u) -> $u {
            const BITS: u32 = <$u>::BITS;
            match op {
                BinaryOp::Add => a.wrapping_add(b),
                BinaryOp::Sub => a.wrapping_sub(b),
                BinaryOp::And => a & b,
                BinaryOp::Or => a | b,
                BinaryOp::Xor => a ^ b,
                BinaryOp::Andc => a & !b,
                BinaryOp::Orc => a | !b,
                BinaryOp::Shl => a << (b % BITS as $u),
                BinaryOp::Shr => a >> (b % BITS as $u),
                BinaryOp::Sar => ((a as $i) >> (b % BITS as $u)) as $u,
                BinaryOp::Rotl => a.rotate_left((b % BITS as $u) as u32),
                BinaryOp::Rotr => a.rotate_right((b % BITS as $u) as u32),
                BinaryOp::Mul => a.wrapping_mul(b),
                BinaryOp::Mulhs => (((a as $i as $wide_i) * (b as $i as $wide_i)) >> BITS) as $u,
                BinaryOp::Mulhu => (((a as $wide_u) * (b as $wide_u)) >> BITS) as $u,
                BinaryOp::Mulhsu => ((a as $i as $wide_i).wrapping_mul(b as $wide_i) >> BITS) as $u,
                BinaryOp::Divs => {
                    if b == 0 {
                        <$u>::MAX
                    } else {
                        (a as $i).wrapping_div(b as $i) as $u
                    }
                }
                BinaryOp::Divu => {
                    if b == 0 {
                        <$u>::MAX
                    } else {
                        a / b
                    }
                }
                BinaryOp::Rems => {
                    if b == 0 {
                        a
                    } else {
                        (a as $i).wrapping_rem(b as $i) as $u
                    }
                }
                BinaryOp::Remu => {
                    if b == 0 {
                        a
                    } else {
                        a % b
                    }
                }
            }
        }
    };
}

binary_impl!(binary32, u32, i32, u64, i64);
binary_impl!(binary64, u64, i64, u128, i128);

/// Evaluates a conversion.
#[inline(always)]
pub const fn convert(op: ConvOp, x: u64) -> u64 {
    match op {
        ConvOp::SextI32 => x as u32 as i32 as i64 as u64,
        ConvOp::ZextI32 => x as u32 as u64,
        ConvOp::TruncI64 => x as u32 as u64,
        ConvOp::HighI64 => x >> 32,
    }
}

/// Mask of the low `len` bits (`len <= 64`).
#[inline(always)]
pub const fn low_mask(len: u32) -> u64 {
    if len >= 64 { u64::MAX } else { (1u64 << len) - 1 }
}

/// Bit-field extract. Out-of-range fields (which the verifier rejects) are
/// clamped rather than panicking.
#[inline(always)]
pub const fn extract(ty: Type, signed: bool, x: u64, pos: u32, len: u32) -> u64 {
    let pos = if pos > 63 { 63 } else { pos };
    let len = if len == 0 { 1 } else { len };
    let field = (x >> pos) & low_mask(len);
    if signed { ty.canon(sext(field, if len > 64 { 64 } else { len })) } else { ty.canon(field) }
}

/// Bit-field deposit.
#[inline(always)]
pub const fn deposit(ty: Type, base: u64, field: u64, pos: u32, len: u32) -> u64 {
    let pos = if pos > 63 { 63 } else { pos };
    let m = low_mask(len) << pos;
    ty.canon((base & !m) | ((field << pos) & m))
}

/// Evaluates a comparison.
#[inline(always)]
pub const fn cond(c: Cond, ty: Type, a: u64, b: u64) -> bool {
    let (ua, ub) = (a & ty.mask(), b & ty.mask());
    let (sa, sb) = (signed(ty, a), signed(ty, b));
    match c {
        Cond::Eq => ua == ub,
        Cond::Ne => ua != ub,
        Cond::Lt => sa < sb,
        Cond::Ge => sa >= sb,
        Cond::Le => sa <= sb,
        Cond::Gt => sa > sb,
        Cond::Ltu => ua < ub,
        Cond::Geu => ua >= ub,
        Cond::Leu => ua <= ub,
        Cond::Gtu => ua > ub,
    }
}

/// The value a load of `mem` gives for the `raw` bytes read from memory
/// (read as a little-endian number of `mem.size` bytes): byte-swapped for a
/// big-endian access, then extended to `ty`.
#[inline(always)]
pub const fn loaded_value(ty: Type, mem: MemOp, raw: u64) -> u64 {
    let bits = mem.size.bytes() * 8;
    let mut v = raw & mem.size.mask();
    if matches!(mem.endian, crate::Endian::Big) {
        v = v.swap_bytes() >> (64 - bits);
    }
    if mem.signed { ty.canon(sext(v, bits)) } else { ty.canon(v) }
}

/// The raw little-endian number a store of `mem` writes for `value`.
#[inline(always)]
pub const fn stored_raw(mem: MemOp, value: u64) -> u64 {
    let bits = mem.size.bytes() * 8;
    let v = value & mem.size.mask();
    match mem.endian {
        crate::Endian::Little => v,
        crate::Endian::Big => v.swap_bytes() >> (64 - bits),
    }
}

/// The new memory value of an atomic read-modify-write at access size
/// `size`, given the old memory value and the operand (both as raw
/// zero-extended numbers of that size). Signed min/max compare at the
/// access size.
#[inline(always)]
pub const fn rmw(op: RmwOp, size: MemSize, old: u64, val: u64) -> u64 {
    let bits = size.bytes() * 8;
    let (o, v) = (old & size.mask(), val & size.mask());
    let (so, sv) = (sext(o, bits) as i64, sext(v, bits) as i64);
    let r = match op {
        RmwOp::Add => o.wrapping_add(v),
        RmwOp::And => o & v,
        RmwOp::Or => o | v,
        RmwOp::Xor => o ^ v,
        RmwOp::Swap => v,
        RmwOp::Smin => {
            if so <= sv {
                o
            } else {
                v
            }
        }
        RmwOp::Smax => {
            if so >= sv {
                o
            } else {
                v
            }
        }
        RmwOp::Umin => {
            if o <= v {
                o
            } else {
                v
            }
        }
        RmwOp::Umax => {
            if o >= v {
                o
            } else {
                v
            }
        }
    };
    r & size.mask()
}

#[cfg(test)]
mod tests {
    use super::*;
    use BinaryOp::*;
    use Type::*;

    #[test]
    fn shifts_mask_the_count() {
        assert_eq!(binary(Shl, I64, 1, 64), 1);
        assert_eq!(binary(Shl, I64, 1, 63), 1 << 63);
        assert_eq!(binary(Shl, I64, 1, 65), 2);
        assert_eq!(binary(Shl, I32, 1, 32), 1);
        assert_eq!(binary(Shl, I32, 1, 31), 0x8000_0000);
        assert_eq!(binary(Shr, I32, 0x8000_0000, 33), 0x4000_0000);
        assert_eq!(binary(Sar, I32, 0x8000_0000, 31), 0xffff_ffff);
        assert_eq!(binary(Sar, I64, 1 << 63, 127), u64::MAX);
        assert_eq!(binary(Rotl, I32, 0x8000_0001, 1), 3);
        assert_eq!(binary(Rotr, I64, 1, 64), 1);
        assert_eq!(binary(Rotr, I64, 1, 1), 1 << 63);
    }

    #[test]
    fn division_corner_cases() {
        assert_eq!(binary(Divu, I64, 7, 0), u64::MAX);
        assert_eq!(binary(Divs, I64, 7, 0), u64::MAX);
        assert_eq!(binary(Remu, I64, 7, 0), 7);
        assert_eq!(binary(Rems, I64, 7, 0), 7);
        assert_eq!(binary(Divs, I64, i64::MIN as u64, u64::MAX), i64::MIN as u64);
        assert_eq!(binary(Rems, I64, i64::MIN as u64, u64::MAX), 0);
        assert_eq!(binary(Divs, I32, 0x8000_0000, 0xffff_ffff), 0x8000_0000);
        assert_eq!(binary(Rems, I32, 0x8000_0000, 0xffff_ffff), 0);
        assert_eq!(binary(Divu, I32, 5, 0), 0xffff_ffff);
        assert_eq!(binary(Divs, I64, (-7i64) as u64, 2), (-3i64) as u64);
        assert_eq!(binary(Rems, I64, (-7i64) as u64, 2), (-1i64) as u64);
    }

    #[test]
    fn multiply_high() {
        assert_eq!(binary(Mulhu, I64, u64::MAX, u64::MAX), u64::MAX - 1);
        assert_eq!(binary(Mulhs, I64, u64::MAX, u64::MAX), 0);
        assert_eq!(binary(Mulhsu, I64, u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(binary(Mulhsu, I64, 2, u64::MAX), 1);
        assert_eq!(binary(Mulhs, I64, i64::MIN as u64, i64::MIN as u64), 1 << 62);
        assert_eq!(binary(Mulhu, I32, 0xffff_ffff, 0xffff_ffff), 0xffff_fffe);
        assert_eq!(binary(Mulhs, I32, 0xffff_ffff, 2), 0xffff_ffff);
        assert_eq!(binary(Mulhsu, I32, 0xffff_ffff, 0xffff_ffff), 0xffff_ffff);
    }

    #[test]
    fn unary_edges() {
        assert_eq!(unary(UnaryOp::Clz, I64, 0), 64);
        assert_eq!(unary(UnaryOp::Clz, I32, 0), 32);
        assert_eq!(unary(UnaryOp::Ctz, I32, 0), 32);
        assert_eq!(unary(UnaryOp::Ctz, I64, 1 << 63), 63);
        assert_eq!(unary(UnaryOp::Neg, I32, 1), 0xffff_ffff);
        assert_eq!(unary(UnaryOp::Not, I32, 0), 0xffff_ffff);
        assert_eq!(unary(UnaryOp::Sext8, I64, 0x80), 0xffff_ffff_ffff_ff80);
        assert_eq!(unary(UnaryOp::Sext8, I32, 0x7f), 0x7f);
        assert_eq!(unary(UnaryOp::Sext16, I32, 0x8000), 0xffff_8000);
        assert_eq!(unary(UnaryOp::Sext32, I64, 0x8000_0000), 0xffff_ffff_8000_0000);
        assert_eq!(unary(UnaryOp::Zext32, I64, u64::MAX), 0xffff_ffff);
        assert_eq!(unary(UnaryOp::Bswap16, I64, 0x1122_3344_5566_7788), 0x8877);
        assert_eq!(unary(UnaryOp::Bswap32, I32, 0x1122_3344), 0x4433_2211);
        assert_eq!(unary(UnaryOp::Bswap64, I64, 0x1122_3344_5566_7788), 0x8877_6655_4433_2211);
        assert_eq!(unary(UnaryOp::Popcnt, I64, u64::MAX), 64);
    }

    #[test]
    fn conditions() {
        let m1 = u64::MAX;
        assert!(cond(Cond::Lt, I64, m1, 0));
        assert!(!cond(Cond::Ltu, I64, m1, 0));
        assert!(cond(Cond::Lt, I32, 0xffff_ffff, 0));
        assert!(cond(Cond::Gtu, I32, 0xffff_ffff, 0));
        assert!(cond(Cond::Le, I64, 5, 5) && cond(Cond::Ge, I64, 5, 5) && !cond(Cond::Gt, I64, 5, 5));
        assert!(cond(Cond::Leu, I64, 5, 5) && cond(Cond::Geu, I64, 5, 5) && !cond(Cond::Ltu, I64, 5, 5));
        for &c in Cond::ALL {
            for (a, b) in [(0u64, 1u64), (1, 0), (m1, 1), (1, m1), (7, 7)] {
                assert_eq!(cond(c, I64, a, b), !cond(c.invert(), I64, a, b));
                assert_eq!(cond(c, I64, a, b), cond(c.swap(), I64, b, a));
            }
        }
    }

    #[test]
    fn bitfields_and_memory_values() {
        assert_eq!(extract(I64, false, 0xabcd, 4, 8), 0xbc);
        assert_eq!(extract(I64, true, 0xf0, 4, 4), u64::MAX);
        assert_eq!(extract(I32, true, 0x8000_0000, 31, 1), 0xffff_ffff);
        assert_eq!(deposit(I64, 0xffff, 0, 4, 8), 0xf00f);
        assert_eq!(deposit(I64, 0, u64::MAX, 0, 64), u64::MAX);
        assert_eq!(deposit(I32, 0, u64::MAX, 16, 16), 0xffff_0000);
        let be16 = MemOp { endian: crate::Endian::Big, ..MemOp::le(MemSize::B2, true) };
        assert_eq!(loaded_value(I64, be16, 0x0080), 0xffff_ffff_ffff_8000);
        assert_eq!(stored_raw(be16, 0x1234), 0x3412);
        assert_eq!(loaded_value(I32, MemOp::le(MemSize::B1, true), 0x80), 0xffff_ff80);
        assert_eq!(rmw(RmwOp::Smin, MemSize::B4, 0x8000_0000, 1), 0x8000_0000);
        assert_eq!(rmw(RmwOp::Umin, MemSize::B4, 0x8000_0000, 1), 1);
        assert_eq!(rmw(RmwOp::Add, MemSize::B1, 0xff, 1), 0);
    }
}

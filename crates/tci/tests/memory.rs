//! Guest memory: loads and stores of every size, signedness and byte
//! order, alignment and range faults with precise state, atomics, fences,
//! and `FlatMemory` itself.

mod common;

use common::*;
use wemu_ir::runtime::{ExitKind, FaultCode, GuestMemory};
use wemu_ir::{Endian, FenceKind, MemOp, MemSize, RmwOp, Type, Value, semantics};
use wemu_tci::{FlatMemory, Interp, NoHelpers};

const BASE: u64 = 0x8000_0000;
const PATTERN: [u8; 16] =
    [0x81, 0x02, 0x83, 0x74, 0x85, 0x06, 0xf7, 0x08, 0x19, 0xaa, 0x7b, 0xcc, 0xfd, 0x0e, 0x9f, 0x10];

fn mem() -> FlatMemory {
    let mut m = FlatMemory::new(BASE, 64);
    m.bytes[..16].copy_from_slice(&PATTERN);
    m
}

fn memops(ty: Type) -> Vec<MemOp> {
    let mut v = Vec::new();
    for &size in MemSize::ALL {
        if size.bytes() * 8 > ty.bits() {
            continue;
        }
        for signed in [false, true] {
            for endian in [Endian::Little, Endian::Big] {
                v.push(MemOp { size, signed, endian, align_log2: 0, mmu_idx: 0 });
            }
        }
    }
    v
}

/// The little-endian number of `n` bytes at `b`.
fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |acc, &x| acc << 8 | u64::from(x))
}

#[test]
fn loads_of_every_kind() {
    for ty in [Type::I32, Type::I64] {
        for m in memops(ty) {
            for off in 0..8u64 {
                let (mut b, g) = builder();
                let r = g.abr(ty).2;
                let t = b.load(ty, g.a.into(), m);
                b.mov(ty, r, t.into());
                b.goto_tb(0, 0);
                let mut state = vec![0u8; STATE_SIZE];
                set(&mut state, g.a, BASE + off);
                let exit = run_with(&b.finish(), &mut state, &mut mem(), &mut NoHelpers);
                assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0 });
                let n = m.size.bytes() as usize;
                let bytes = &PATTERN[off as usize..off as usize + n];
                // Independently of `semantics`: the bytes in the access's
                // order, then extended.
                let raw = if m.endian == Endian::Big {
                    bytes.iter().fold(0, |acc, &x| acc << 8 | u64::from(x))
                } else {
                    le(bytes)
                };
                let bits = 8 * n as u32;
                let ext = if m.signed { ((raw << (64 - bits)) as i64 >> (64 - bits)) as u64 } else { raw };
                let want = ty.canon(ext);
                assert_eq!(get(&state, r), want, "{ty} {m:?} at +{off}");
                assert_eq!(want, semantics::loaded_value(ty, m, le(bytes)));
            }
        }
    }
}

#[test]
fn loads_with_constant_addresses() {
    let (mut b, g) = builder();
    let t = b.load(Type::I64, Value::Const(BASE + 1), MemOp::le(MemSize::B2, true));
    b.mov(Type::I64, g.r, t.into());
    b.goto_tb(0, 0);
    let mut state = vec![0u8; STATE_SIZE];
    run_with(&b.finish(), &mut state, &mut mem(), &mut NoHelpers);
    assert_eq!(get(&state, g.r), 0xffff_ffff_ffff_8302);
}

#[test]
fn stores_of_every_kind() {
    let value = 0x8899_aabb_ccdd_eeffu64;
    for ty in [Type::I32, Type::I64] {
        for m in memops(ty).into_iter().filter(|m| !m.signed) {
            for off in [0u64, 3, 8] {
                let (mut b, g) = builder();
                let src = g.abr(ty).0;
                b.store(ty, src.into(), g.b.into(), m);
                b.goto_tb(0, 0);
                let mut state = vec![0u8; STATE_SIZE];
                set(&mut state, src, value);
                set(&mut state, g.b, BASE + off);
                let mut memory = mem();
                run_with(&b.finish(), &mut state, &mut memory, &mut NoHelpers);
                let n = m.size.bytes() as usize;
                let mut want = mem().bytes;
                let v = ty.canon(value).to_le_bytes();
                for i in 0..n {
                    let from = if m.endian == Endian::Big { n - 1 - i } else { i };
                    want[off as usize + i] = v[from];
                }
                assert_eq!(memory.bytes, want, "{ty} {m:?} at +{off}");
                assert_eq!(le(&want[off as usize..][..n]), semantics::stored_raw(m, value));
            }
        }
    }
}

/// Misaligned accesses leave with `Misaligned` before touching memory; the
/// state holds the globals written before the access, not those after.
#[test]
fn misaligned_accesses_fault_precisely() {
    for store in [false, true] {
        for &size in MemSize::ALL {
            for align_log2 in 0..=4u8 {
                for off in 0..16u64 {
                    let m = MemOp { align_log2, ..MemOp::le(size, false) };
                    let (mut b, g) = builder();
                    b.insn_start(0x10);
                    b.mov(Type::I64, g.r, Value::Const(1));
                    b.insn_start(0x14);
                    b.mov(Type::I64, g.s, Value::Const(2));
                    if store {
                        b.store(Type::I64, Value::Const(u64::MAX), g.a.into(), m);
                    } else {
                        let t = b.load(Type::I64, g.a.into(), m);
                        b.mov(Type::I64, g.b, t.into());
                    }
                    b.mov(Type::I64, g.r, Value::Const(3));
                    b.insn_start(0x18);
                    b.goto_tb(0, 0x1c);
                    let mut state = vec![0u8; STATE_SIZE];
                    set(&mut state, g.a, BASE + off);
                    let mut memory = mem();
                    let exit = run_with(&b.finish(), &mut state, &mut memory, &mut NoHelpers);
                    let misaligned = off % (1 << align_log2) != 0;
                    if misaligned {
                        assert_eq!(exit.kind, ExitKind::Misaligned { addr: BASE + off, write: store });
                        assert!(exit.kind.is_fault());
                        assert_eq!((exit.insn_pc, exit.insns), (0x14, 2));
                        assert_eq!((get(&state, g.r), get(&state, g.s), get(&state, g.b)), (1, 2, 0));
                        assert_eq!(memory, mem(), "memory untouched");
                    } else {
                        assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x1c });
                        assert_eq!((exit.insn_pc, exit.insns), (0x18, 3));
                        assert_eq!(get(&state, g.r), 3);
                    }
                }
            }
        }
    }
}

#[test]
fn out_of_range_accesses_fault_precisely() {
    let addrs = [0, BASE - 1, BASE + 61, BASE + 63, BASE + 64, u64::MAX, u64::MAX - 3, 1 << 63];
    for store in [false, true] {
        for &size in MemSize::ALL {
            for &addr in &addrs {
                let inside = addr >= BASE && addr - BASE + u64::from(size.bytes()) <= 64;
                let (mut b, g) = builder();
                b.insn_start(0x10);
                b.mov(Type::I64, g.r, Value::Const(7));
                b.insn_start(0x14);
                let m = MemOp::le(size, true);
                if store {
                    b.store(Type::I64, g.b.into(), g.a.into(), m);
                } else {
                    let t = b.load(Type::I64, g.a.into(), m);
                    b.mov(Type::I64, g.b, t.into());
                }
                b.mov(Type::I64, g.s, Value::Const(8));
                b.exit_tb(5);
                let mut state = vec![0u8; STATE_SIZE];
                set(&mut state, g.a, addr);
                set(&mut state, g.b, 0x1234);
                let mut memory = mem();
                let exit = run_with(&b.finish(), &mut state, &mut memory, &mut NoHelpers);
                assert_eq!((exit.insn_pc, exit.insns), (0x14, 2));
                if inside {
                    assert_eq!(exit.kind, ExitKind::Status(5));
                    assert_eq!(get(&state, g.s), 8);
                } else {
                    let want = ExitKind::MemFault { addr, code: FlatMemory::OUT_OF_RANGE, write: store };
                    assert_eq!(exit.kind, want, "{size:?} at {addr:#x}");
                    assert_eq!((get(&state, g.r), get(&state, g.b), get(&state, g.s)), (7, 0x1234, 0));
                    assert_eq!(memory, mem());
                }
            }
        }
    }
}

#[test]
fn atomics_every_rmw_op() {
    let olds = [0u64, 1, 0x7f, 0x80, 0xff, 0x8000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1 << 63, u64::MAX];
    let vals = [0u64, 1, 0x80, 0xffff, 0x8000_0000, u64::MAX, 0x7fff_ffff_ffff_ffff];
    let mut interp = Interp::new();
    for &op in RmwOp::ALL {
        for ty in [Type::I32, Type::I64] {
            for &size in MemSize::ALL.iter().filter(|s| s.bytes() * 8 <= ty.bits()) {
                for signed in [false, true] {
                    let m = MemOp { signed, ..MemOp::le(size, signed).aligned() };
                    let (mut b, g) = builder();
                    let (_, src, r) = g.abr(ty);
                    let t = b.atomic_rmw(op, ty, g.a.into(), src.into(), m);
                    b.mov(ty, r, t.into());
                    b.goto_tb(0, 0);
                    let tb = compile(&b.finish());
                    for &old in &olds {
                        for &val in &vals {
                            let mut memory = FlatMemory::new(BASE, 16);
                            memory.write(BASE + 8, MemSize::B8, old).unwrap();
                            let mut state = vec![0u8; STATE_SIZE];
                            set(&mut state, g.a, BASE + 8);
                            set(&mut state, src, ty.canon(val));
                            let exit = interp.run(&tb, &mut state, &mut memory, &mut NoHelpers);
                            assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0 });
                            let old_raw = old & size.mask();
                            let new = semantics::rmw(op, size, old_raw, ty.canon(val));
                            let keep = old & !size.mask();
                            let what = format!("{op} {ty} {size:?} signed={signed} {old:#x} {val:#x}");
                            assert_eq!(memory.read(BASE + 8, MemSize::B8).unwrap(), keep | new, "{what}");
                            assert_eq!(get(&state, r), semantics::loaded_value(ty, m, old_raw), "{what}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn cmpxchg_success_and_failure() {
    for ty in [Type::I32, Type::I64] {
        for &size in MemSize::ALL.iter().filter(|s| s.bytes() * 8 <= ty.bits()) {
            for (stored, expected, swaps) in [(0x80u64, 0x80u64, true), (0x80, 0x81, false), (u64::MAX, u64::MAX, true)]
            {
                let m = MemOp::le(size, true).aligned();
                let (mut b, g) = builder();
                let (exp, _, r) = g.abr(ty);
                let t = b.atomic_cmpxchg(
                    ty,
                    Value::Const(BASE),
                    exp.into(),
                    Value::Const(ty.canon(0x5a5a_5a5a_5a5a_5a5a)),
                    m,
                );
                b.mov(ty, r, t.into());
                b.goto_tb(0, 0);
                let mut memory = FlatMemory::new(BASE, 8);
                memory.write(BASE, size, stored).unwrap();
                let before = memory.clone();
                let mut state = vec![0u8; STATE_SIZE];
                set(&mut state, exp, ty.canon(semantics::loaded_value(ty, m, expected & size.mask())));
                run_with(&b.finish(), &mut state, &mut memory, &mut NoHelpers);
                let what = format!("{ty} {size:?} {stored:#x} {expected:#x}");
                assert_eq!(get(&state, r), semantics::loaded_value(ty, m, stored & size.mask()), "{what}");
                if swaps {
                    assert_eq!(memory.read(BASE, size).unwrap(), 0x5a5a_5a5a_5a5a_5a5a & size.mask(), "{what}");
                    assert_eq!(memory.bytes[size.bytes() as usize..], before.bytes[size.bytes() as usize..]);
                } else {
                    assert_eq!(memory, before, "{what}");
                }
            }
        }
    }
}

#[test]
fn atomic_faults() {
    for cmpxchg in [false, true] {
        for (addr, want) in [
            (BASE + 2, ExitKind::Misaligned { addr: BASE + 2, write: true }),
            (BASE + 16, ExitKind::MemFault { addr: BASE + 16, code: FlatMemory::OUT_OF_RANGE, write: true }),
        ] {
            let m = MemOp::le(MemSize::B4, false).aligned();
            let (mut b, g) = builder();
            b.insn_start(4);
            b.mov(Type::I64, g.r, Value::Const(1));
            let t = if cmpxchg {
                b.atomic_cmpxchg(Type::I64, g.a.into(), Value::Const(0), Value::Const(1), m)
            } else {
                b.atomic_rmw(RmwOp::Add, Type::I64, g.a.into(), Value::Const(1), m)
            };
            b.mov(Type::I64, g.s, t.into());
            b.goto_tb(0, 0);
            let mut state = vec![0u8; STATE_SIZE];
            set(&mut state, g.a, addr);
            set(&mut state, g.s, 99);
            let mut memory = FlatMemory::new(BASE, 16);
            let exit = run_with(&b.finish(), &mut state, &mut memory, &mut NoHelpers);
            assert_eq!(exit.kind, want);
            assert_eq!((exit.insn_pc, exit.insns), (4, 1));
            assert_eq!((get(&state, g.r), get(&state, g.s)), (1, 99));
            assert_eq!(memory, FlatMemory::new(BASE, 16));
        }
    }
}

/// A memory that records fences, around a flat one.
struct Fences(FlatMemory, Vec<FenceKind>);

impl GuestMemory for Fences {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.load(addr, mem)
    }
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        self.0.store(addr, raw, mem)
    }
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.atomic_rmw(addr, op, raw, mem)
    }
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.atomic_cmpxchg(addr, expected, new, mem)
    }
    fn fence(&mut self, kind: FenceKind) {
        self.1.push(kind)
    }
}

#[test]
fn fences_reach_memory() {
    let (mut b, _) = builder();
    b.fence(FenceKind::ALL);
    b.fence(FenceKind::ST_LD);
    b.fence(FenceKind::LD_LD.union(FenceKind::ST_ST));
    b.exit_tb(0);
    let mut m = Fences(FlatMemory::new(0, 0), Vec::new());
    let mut state = vec![0u8; STATE_SIZE];
    run_with(&b.finish(), &mut state, &mut m, &mut NoHelpers);
    assert_eq!(m.1, [FenceKind::ALL, FenceKind::ST_LD, FenceKind::from_bits(9)]);
}

#[test]
fn flat_memory_edges() {
    let mut m = FlatMemory::new(u64::MAX - 7, 8);
    assert_eq!(m.read(u64::MAX - 7, MemSize::B8), Ok(0));
    assert_eq!(m.write(u64::MAX, MemSize::B1, 0xab), Ok(()));
    assert_eq!(m.read(u64::MAX, MemSize::B2), Err(FlatMemory::OUT_OF_RANGE));
    assert_eq!(m.read(u64::MAX - 1, MemSize::B2), Ok(0xab00));
    assert_eq!(m.read(0, MemSize::B1), Err(FlatMemory::OUT_OF_RANGE));
    let mo = MemOp::le(MemSize::B8, false);
    assert_eq!(m.load(u64::MAX, mo), Err(1));
    assert_eq!(m.store(u64::MAX - 8, 0, mo), Err(1));
    assert_eq!(m.atomic_rmw(u64::MAX - 7, RmwOp::Add, 1, mo), Ok(0xab00_0000_0000_0000));
    assert_eq!(m.atomic_cmpxchg(u64::MAX - 7, 0, 5, mo), Ok(0xab00_0000_0000_0001));
    assert_eq!(m.read(u64::MAX - 7, MemSize::B8), Ok(0xab00_0000_0000_0001));
    let mut empty = FlatMemory::new(0, 0);
    assert_eq!(empty.load(0, MemOp::le(MemSize::B1, false)), Err(1));
    let m4 = MemOp::le(MemSize::B4, false);
    let mut m = FlatMemory::new(0x100, 8);
    m.write(0x100, MemSize::B8, 0x1111_2222_ffff_fffe).unwrap();
    assert_eq!(m.atomic_cmpxchg(0x100, 0xffff_ffff_ffff_fffe, 7, m4), Ok(0xffff_fffe));
    assert_eq!(m.read(0x100, MemSize::B8), Ok(0x1111_2222_0000_0007));
}

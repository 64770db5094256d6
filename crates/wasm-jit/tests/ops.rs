//! Every value-computing IR op on edge values, with operands as temps and
//! as constants: the JIT's results are the interpreter's, bit for bit
//! (division by zero and overflow, shift counts past the width, clz/ctz
//! of zero, bit fields at both ends...).

mod common;

use std::sync::Arc;

use common::{Rig, Start, single};
use wemu_ir::{BinaryOp, Block, Builder, Cond, ConvOp, Globals, Inst, MemSize, Temp, Type, UnaryOp, Value};

const EDGES: [u64; 16] = [
    0,
    1,
    2,
    7,
    31,
    32,
    63,
    64,
    0x80,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// The state: the edge values at 0.. (8 bytes each), results after them.
const RESULTS: u32 = 8 * EDGES.len() as u32;

fn start() -> Start {
    let mut state = Vec::new();
    for e in EDGES {
        state.extend_from_slice(&e.to_le_bytes());
    }
    Start::new(state, vec![])
}

/// A block computing `f` on every pair of edge values (as loaded temps,
/// and with each operand a constant in turn), storing each result.
fn pairs_block(ty: Type, mut f: impl FnMut(&mut Builder, Temp, Value, Value)) -> Block {
    let mut b = Builder::new(Arc::new(Globals::new()));
    b.insn_start(0x1000);
    let mut out = RESULTS;
    let size = if ty == Type::I32 { MemSize::B4 } else { MemSize::B8 };
    for (i, &x) in EDGES.iter().enumerate() {
        for (j, &y) in EDGES.iter().enumerate() {
            let a = b.local(ty);
            let c = b.local(ty);
            b.push(Inst::LoadState { ty, dst: a, offset: 8 * i as u32, size, signed: false });
            b.push(Inst::LoadState { ty, dst: c, offset: 8 * j as u32, size, signed: false });
            let cases = [
                (Value::Temp(a), Value::Temp(c)),
                (Value::Const(ty.canon(x)), Value::Temp(c)),
                (Value::Temp(a), Value::Const(ty.canon(y))),
            ];
            for (va, vb) in cases {
                let d = b.local(ty);
                f(&mut b, d, va, vb);
                b.store_state(ty, d.into(), out, size);
                out += size.bytes();
            }
        }
    }
    b.exit_tb(0);
    let block = b.finish();
    wemu_ir::verify(&block).unwrap();
    block
}

fn check(rig: &mut Rig, block: &Block, what: &str) {
    if let Err(e) = rig.check(&single(block), &start()) {
        panic!("{what}: {}", e.lines().take(20).collect::<Vec<_>>().join("\n"));
    }
}

#[test]
fn binary_ops() {
    let mut rig = Rig::new();
    for &op in BinaryOp::ALL {
        for ty in [Type::I32, Type::I64] {
            let block = pairs_block(ty, |b, d, x, y| b.push(Inst::Binary { op, ty, dst: d, a: x, b: y }));
            check(&mut rig, &block, &format!("{op}.{ty}"));
        }
    }
}

#[test]
fn conditions() {
    let mut rig = Rig::new();
    for &cond in Cond::ALL {
        for ty in [Type::I32, Type::I64] {
            let block = pairs_block(ty, |b, d, x, y| b.push(Inst::SetCond { ty, cond, dst: d, a: x, b: y }));
            check(&mut rig, &block, &format!("setcond {cond}.{ty}"));
            let block = pairs_block(ty, |b, d, x, y| {
                b.push(Inst::MovCond { ty, cond, dst: d, a: x, b: y, if_true: y, if_false: x })
            });
            check(&mut rig, &block, &format!("movcond {cond}.{ty}"));
            // brcond: d = 1 if taken, else 2.
            let block = pairs_block(ty, |b, d, x, y| {
                let taken = b.new_label();
                let join = b.new_label();
                b.mov(ty, d, Value::Const(1));
                b.brcond(ty, cond, x, y, taken);
                b.mov(ty, d, Value::Const(2));
                b.br(join);
                b.label(taken);
                b.mov(ty, d, Value::Const(3));
                b.label(join);
            });
            check(&mut rig, &block, &format!("brcond {cond}.{ty}"));
        }
    }
}

#[test]
fn unary_ops_and_conversions() {
    let mut rig = Rig::new();
    for &op in UnaryOp::ALL {
        for ty in [Type::I32, Type::I64] {
            if ty == Type::I32 && matches!(op, UnaryOp::Bswap64 | UnaryOp::Sext32 | UnaryOp::Zext32) {
                continue;
            }
            let block = pairs_block(ty, |b, d, x, _| b.push(Inst::Unary { op, ty, dst: d, src: x }));
            check(&mut rig, &block, &format!("{op}.{ty}"));
        }
    }
    for &op in ConvOp::ALL {
        let (from, to) = op.types();
        let block = pairs_block(from, |b, d, x, _| {
            let r = b.local(to);
            b.push(Inst::Convert { op, dst: r, src: x });
            // Back to `from` for the store.
            let back = match (from, to) {
                (Type::I32, Type::I64) => ConvOp::TruncI64,
                _ => ConvOp::ZextI32,
            };
            if from == Type::I64 {
                b.push(Inst::Convert { op: back, dst: d, src: r.into() });
            } else {
                // Keep both halves: d = trunc(r) ^ high(r).
                let lo = b.local(Type::I32);
                let hi = b.local(Type::I32);
                b.push(Inst::Convert { op: ConvOp::TruncI64, dst: lo, src: r.into() });
                b.push(Inst::Convert { op: ConvOp::HighI64, dst: hi, src: r.into() });
                b.push(Inst::Binary { op: BinaryOp::Xor, ty: Type::I32, dst: d, a: lo.into(), b: hi.into() });
            }
        });
        check(&mut rig, &block, &format!("{op}"));
    }
}

#[test]
fn bit_fields() {
    let mut rig = Rig::new();
    for ty in [Type::I32, Type::I64] {
        let w = ty.bits() as u8;
        let fields: Vec<(u8, u8)> = (0..w)
            .flat_map(|pos| [1, 2, 7, 8, 16, 31, 32, 63, 64].into_iter().map(move |len| (pos, len)))
            .filter(|&(pos, len)| u32::from(pos) + u32::from(len) <= u32::from(w))
            .collect();
        for chunk in fields.chunks(16) {
            let mut k = 0;
            let block = pairs_block(ty, |b, d, x, y| {
                let (pos, len) = chunk[k % chunk.len()];
                k += 1;
                match k % 3 {
                    0 => b.push(Inst::Extract { ty, signed: false, dst: d, src: x, pos, len }),
                    1 => b.push(Inst::Extract { ty, signed: true, dst: d, src: x, pos, len }),
                    _ => b.push(Inst::Deposit { ty, dst: d, base: x, field: y, pos, len }),
                }
            });
            check(&mut rig, &block, &format!("bit fields {ty} {chunk:?}"));
        }
    }
}

#[test]
fn state_accesses_of_every_size() {
    let mut rig = Rig::new();
    for ty in [Type::I32, Type::I64] {
        for &size in MemSize::ALL {
            if size.bytes() * 8 > ty.bits() {
                continue;
            }
            for signed in [false, true] {
                let block = pairs_block(ty, |b, d, x, _| {
                    // Write x at a scratch slot, read it back.
                    b.store_state(ty, x, 16000, size);
                    b.push(Inst::LoadState { ty, dst: d, offset: 16000, size, signed });
                });
                check(&mut rig, &block, &format!("state {ty} {size} signed {signed}"));
            }
        }
    }
}

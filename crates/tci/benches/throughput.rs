//! Interpreter throughput on three fixed IR workloads, in executed IR
//! instructions per second (labels and `insn_start` markers not counted).
//!
//! `cargo bench -p wemu-tci --bench throughput` for the figures,
//! `... -- --quick` for a fast smoke run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use wemu_ir::runtime::ExitKind;
use wemu_ir::{BinaryOp, Block, Builder, Cond, Globals, MemOp, MemSize, Temp, Type, Value, verify};
use wemu_tci::{FlatMemory, Interp, NoHelpers, TciBlock};

const I64: Type = Type::I64;

fn globals(n: u32) -> (Arc<Globals>, Vec<Temp>) {
    let mut g = Globals::new();
    let ids: Vec<_> = (0..n).map(|i| g.add(&format!("x{i}"), I64, i * 8)).collect();
    (Arc::new(g), ids.into_iter().map(Temp::Global).collect())
}

/// A workload: a block, what one run executes, and a fresh memory.
struct Workload {
    name: &'static str,
    block: Block,
    /// IR instructions one run executes.
    ops_per_run: u64,
    mem: FlatMemory,
    state_size: usize,
}

/// (1) Straight-line 64-bit arithmetic: a long block of add/xor/shl/sub/
/// and/or/shr/rotl over globals and locals, results written to globals.
fn straight_line() -> Workload {
    let (g, x) = globals(8);
    let mut b = Builder::new(g);
    b.insn_start(0x1000);
    let ops = [
        BinaryOp::Add,
        BinaryOp::Xor,
        BinaryOp::Shl,
        BinaryOp::Sub,
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Shr,
        BinaryOp::Rotl,
    ];
    let mut vals: Vec<Value> = x.iter().map(|&t| t.into()).collect();
    let mut count = 0u64;
    for i in 0..1024usize {
        let op = ops[i % ops.len()];
        let a = vals[vals.len() - 1];
        let bv = match op {
            BinaryOp::Shl | BinaryOp::Shr | BinaryOp::Rotl => Value::Const((i as u64 * 7) % 64),
            _ if i % 5 == 0 => Value::Const(0x9e37_79b9 ^ i as u64),
            _ => vals[(i * 7 + 3) % vals.len()],
        };
        let t = b.binary(op, I64, a, bv);
        vals.push(t.into());
        count += 1;
        if i % 128 == 127 {
            let g = x[(i / 128) % x.len()];
            b.mov(I64, g, t.into());
            count += 1;
        }
    }
    b.goto_tb(0, 0x2000);
    count += 1;
    Workload {
        name: "straight-line-alu",
        block: b.finish(),
        ops_per_run: count,
        mem: FlatMemory::new(0, 0),
        state_size: 64,
    }
}

/// (2) A counter loop with a conditional inside and a `brcond` back edge.
fn loop_with_branches() -> Workload {
    const N: u64 = 1000;
    let (g, x) = globals(2);
    let mut b = Builder::new(g);
    b.insn_start(0x1000);
    let i = b.copy(I64, Value::Const(0));
    let acc = b.copy(I64, x[0].into());
    let (head, even, join) = (b.new_label(), b.new_label(), b.new_label());
    b.label(head);
    b.push(wemu_ir::Inst::Binary { op: BinaryOp::Add, ty: I64, dst: i, a: i.into(), b: Value::Const(1) });
    let odd = b.and(I64, i.into(), Value::Const(1));
    b.brcond(I64, Cond::Eq, odd.into(), Value::Const(0), even);
    b.push(wemu_ir::Inst::Binary { op: BinaryOp::Xor, ty: I64, dst: acc, a: acc.into(), b: i.into() });
    b.br(join);
    b.label(even);
    b.push(wemu_ir::Inst::Binary { op: BinaryOp::Add, ty: I64, dst: acc, a: acc.into(), b: x[1].into() });
    b.label(join);
    b.brcond(I64, Cond::Ltu, i.into(), Value::Const(N), head);
    b.mov(I64, x[0], acc.into());
    b.goto_tb(0, 0x2000);
    // Odd iterations: add, and, brcond, xor, br, brcond; even ones: add,
    // and, brcond, add, brcond; plus two copies before and mov, goto_tb after.
    let ops = 2 + (N / 2) * 6 + (N / 2) * 5 + 2;
    Workload {
        name: "loop-with-branches",
        block: b.finish(),
        ops_per_run: ops,
        mem: FlatMemory::new(0, 0),
        state_size: 16,
    }
}

/// (3) Loads and stores against `FlatMemory`: a loop over an 8 KiB array
/// that loads, updates and stores each element and reloads part of it.
fn memory() -> Workload {
    const BASE: u64 = 0x1_0000;
    const LEN: u64 = 8192;
    let (g, x) = globals(1);
    let mut b = Builder::new(g);
    b.insn_start(0x1000);
    let p = b.copy(I64, Value::Const(BASE));
    let acc = b.copy(I64, x[0].into());
    let head = b.new_label();
    b.label(head);
    let m64 = MemOp::le(MemSize::B8, false).aligned();
    let v = b.load(I64, p.into(), m64);
    let s = b.add(I64, acc.into(), v.into());
    b.store(I64, s.into(), p.into(), m64);
    let w = b.load(I64, p.into(), MemOp::le(MemSize::B4, true));
    b.push(wemu_ir::Inst::Binary { op: BinaryOp::Xor, ty: I64, dst: acc, a: s.into(), b: w.into() });
    b.push(wemu_ir::Inst::Binary { op: BinaryOp::Add, ty: I64, dst: p, a: p.into(), b: Value::Const(8) });
    b.brcond(I64, Cond::Ltu, p.into(), Value::Const(BASE + LEN), head);
    b.mov(I64, x[0], acc.into());
    b.goto_tb(0, 0x2000);
    let ops = 2 + (LEN / 8) * 7 + 2;
    Workload {
        name: "memory",
        block: b.finish(),
        ops_per_run: ops,
        mem: FlatMemory::new(BASE, LEN as usize),
        state_size: 8,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (target_ops, samples) = if quick { (2_000_000u64, 3) } else { (100_000_000u64, 9) };
    for mut w in [straight_line(), loop_with_branches(), memory()] {
        verify(&w.block).expect("benchmark block verifies");
        let tb = TciBlock::compile(&w.block).expect("benchmark block compiles");
        let mut interp = Interp::new();
        let mut state = vec![0u8; w.state_size];
        for (i, b) in state.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let runs = (target_ops / w.ops_per_run).max(1);
        // Warm up (and check the block does what it should).
        let exit = interp.run(&tb, &mut state, &mut w.mem, &mut NoHelpers);
        assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x2000 }, "{}", w.name);
        let mut rates = Vec::new();
        for _ in 0..samples {
            let start = Instant::now();
            for _ in 0..runs {
                black_box(interp.run(black_box(&tb), &mut state, &mut w.mem, &mut NoHelpers));
            }
            let secs = start.elapsed().as_secs_f64();
            rates.push((runs * w.ops_per_run) as f64 / secs / 1e6);
        }
        rates.sort_by(f64::total_cmp);
        println!("tci {}: {:.1} M IR ops/s (median of {samples})", w.name, rates[samples / 2]);
    }
}

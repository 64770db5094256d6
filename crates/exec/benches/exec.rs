//! The vCPU loop's costs, one figure per line:
//!
//! * **TLB-hit loads and stores in the interpreter**: an IR block that
//!   loads (or stores) every word of a 16 KiB array, 8 accesses per loop
//!   iteration, run by the interpreter through a `CpuMemory` whose TLB is
//!   warm (every access hits) and through a `FlatMemory` (a bounds check
//!   and a slice access: the floor). Reported per access, the loop's own
//!   ops included (an `add` for the address, and for loads an `xor`; the
//!   loop control is a quarter op per access), so the difference between
//!   the two lines is what the TLB lookup costs.
//! * **Block dispatch**: a ring of 64 tiny toy-guest blocks (`addi; jmp`)
//!   run by `Vcpu::run`, with the `goto_tb` exits chained and with
//!   chaining off (each block then found through the jump cache).
//!
//! `cargo bench -p wemu-exec --bench exec` for the figures, `... -- --quick`
//! for a fast smoke run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use wemu_exec::testing::{Asm, CODE, Toy, ToyWalker};
use wemu_exec::{Clock, RunExit, TbCacheConfig};
use wemu_ir::runtime::{ExitKind, GuestMemory};
use wemu_ir::{BinaryOp, Block, Builder, Cond, Globals, Inst, MemOp, MemSize, Temp, Type, Value, verify};
use wemu_softmmu::{AddressSpace, Arena, CpuMemory, Tlb};
use wemu_tci::{FlatMemory, Interp, NoHelpers, TciBlock};

const I64: Type = Type::I64;
/// The array the memory blocks walk (4 pages: 4 TLB entries).
const BASE: u64 = 0x8000_0000;
const LEN: u64 = 16 << 10;
/// Accesses per loop iteration.
const UNROLL: u64 = 8;

/// Loads (`store == false`) or stores every 8-byte word of the array.
fn memory_block(store: bool) -> Block {
    let mut g = Globals::new();
    let x0 = Temp::Global(g.add("x0", I64, 0));
    let mut b = Builder::new(Arc::new(g));
    b.insn_start(0x1000);
    let p = b.copy(I64, Value::Const(BASE));
    let acc = b.copy(I64, x0.into());
    let head = b.new_label();
    b.label(head);
    let m64 = MemOp::le(MemSize::B8, false).aligned();
    for k in 0..UNROLL {
        let a = b.add(I64, p.into(), Value::Const(8 * k));
        if store {
            b.store(I64, acc.into(), a.into(), m64);
        } else {
            let v = b.load(I64, a.into(), m64);
            b.push(Inst::Binary { op: BinaryOp::Xor, ty: I64, dst: acc, a: acc.into(), b: v.into() });
        }
    }
    b.push(Inst::Binary { op: BinaryOp::Add, ty: I64, dst: p, a: p.into(), b: Value::Const(8 * UNROLL) });
    b.brcond(I64, Cond::Ltu, p.into(), Value::Const(BASE + LEN), head);
    b.mov(I64, x0, acc.into());
    b.goto_tb(0, 0x2000);
    b.finish()
}

/// Median of `samples` runs of `f`, which returns (units done, seconds).
fn median(samples: usize, mut f: impl FnMut() -> (u64, f64)) -> f64 {
    let mut rates: Vec<f64> = (0..samples)
        .map(|_| {
            let (n, secs) = f();
            n as f64 / secs
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[samples / 2]
}

/// Runs `tb` `runs` times against `mem`; returns the accesses made.
fn run_block<M: GuestMemory>(tb: &TciBlock, runs: u64, mem: &mut M) -> (u64, f64) {
    let mut interp = Interp::new();
    let mut state = [0u8; 8];
    let exit = interp.run(tb, &mut state, mem, &mut NoHelpers);
    assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x2000 });
    let start = Instant::now();
    for _ in 0..runs {
        black_box(interp.run(black_box(tb), &mut state, mem, &mut NoHelpers));
    }
    (runs * LEN / 8, start.elapsed().as_secs_f64())
}

fn tlb_hit(quick: bool, samples: usize) {
    let accesses = if quick { 1_000_000 } else { 200_000_000 };
    let runs = accesses / (LEN / 8);
    for (what, store) in [("load", false), ("store", true)] {
        let block = memory_block(store);
        verify(&block).expect("benchmark block verifies");
        let tb = TciBlock::compile(&block).expect("benchmark block compiles");

        let mut space = AddressSpace::new(Arena::new(1 << 20).expect("arena"));
        space.add_ram(BASE, LEN).expect("RAM");
        let mut tlb = Tlb::new(space.arena_mut(), 1).expect("TLB");
        let mut walker = ToyWalker::default();
        let softmmu = median(samples, || run_block(&tb, runs, &mut CpuMemory::new(&mut space, &mut tlb, &mut walker)));
        // One walk per page, in the warm-up run of the first sample.
        assert_eq!(walker.walks, LEN / 4096, "the TLB stays warm");

        let mut flat = FlatMemory::new(BASE, LEN as usize);
        let flat = median(samples, || run_block(&tb, runs, &mut flat));
        for (mem, rate) in [("softmmu", softmmu), ("flat", flat)] {
            println!(
                "exec tlb-hit {what} {mem}: {:.2} ns/access, {:.1} M accesses/s (median of {samples})",
                1e9 / rate,
                rate / 1e6
            );
        }
    }
}

/// Blocks in the dispatch ring.
const RING: usize = 64;

fn dispatch(quick: bool, samples: usize) {
    // Each block is two instructions.
    let insns = if quick { 400_000 } else { 40_000_000 };
    let labels: Vec<&'static str> = (0..RING).map(|i| &*format!("b{i}").leak()).collect();
    let mut a = Asm::new(CODE);
    for i in 0..RING {
        a.label(labels[i]).addi(1, 1).jmp(labels[(i + 1) % RING]);
    }
    let program = a.finish();
    for (what, chaining) in [("chained", true), ("unchained", false)] {
        let config = TbCacheConfig { chaining, ..TbCacheConfig::default() };
        let mut t = Toy::with(config, Clock::deterministic(0), &program);
        // Translate the ring (and chain it).
        assert_eq!(t.run(4 * RING as u64), RunExit::BudgetSpent);
        let rate = median(samples, || {
            let before = t.vcpu.stats().blocks;
            let start = Instant::now();
            assert_eq!(t.run(insns), RunExit::BudgetSpent);
            (t.vcpu.stats().blocks - before, start.elapsed().as_secs_f64())
        });
        let s = t.vcpu.stats();
        assert_eq!(s.translations, RING as u64);
        assert_eq!(s.chained > s.blocks / 2, chaining, "{s:?}");
        println!("exec block-dispatch {what}: {:.1} M blocks/s (median of {samples})", rate / 1e6);
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 3 } else { 9 };
    tlb_hit(quick, samples);
    dispatch(quick, samples);
}

//! The lowering's fused ops (an address `x + c` folded into the load or
//! store that uses it, a result written straight to the global the next
//! `mov` copies it to) and its static guest-instruction counts behave
//! exactly like the IR they replace: checked against the reference
//! evaluator, faults and exits included.

use std::sync::Arc;

use wemu_ir::arbitrary::{Case, HELPER_WRITE, MEM_BASE, STATE_SIZE};
use wemu_ir::{Block, Builder, Cond, Effect, Globals, HelperDecl, MemOp, MemSize, Temp, Type, Value, verify};
use wemu_tci::TciBlock;
use wemu_tci::testing::{run_reference, run_tci};

const I64: Type = Type::I64;
const I32: Type = Type::I32;

fn globals() -> (Arc<Globals>, Vec<Temp>) {
    let mut g = Globals::new();
    let ids: Vec<_> = (0..8).map(|i| g.add(&format!("g{i}"), I64, i * 8)).collect();
    (Arc::new(g), ids.into_iter().map(Temp::Global).collect())
}

/// How a block reads again a loaded value it moved to global `g1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reuse {
    /// It does not.
    No,
    /// Later, while `g1` still holds it (the value lives in `g1`).
    Later,
    /// After `g1` is written again (it needs its own slot).
    AfterWrite,
    /// After a helper that writes `g1`'s state bytes (likewise).
    AfterHelper,
}

/// A riscv64-like block: loads and stores at `base + off`, results moved
/// to globals, a conditional exit; `reuse` says whether and how a loaded
/// value is read again.
fn riscv_like(off: u64, aligned: bool, reuse: Reuse) -> Block {
    let (g, x) = globals();
    let mut b = Builder::new(g);
    b.declare_helper(HelperDecl {
        id: HELPER_WRITE,
        name: "write".into(),
        args: vec![I64],
        ret: Some(I64),
        effect: Effect::WritesState,
    });
    let m64 = if aligned { MemOp::le(MemSize::B8, false).aligned() } else { MemOp::le(MemSize::B8, false) };
    let exit = b.new_label();
    b.insn_start(0x100);
    let a = b.add(I64, x[0].into(), Value::Const(off));
    let v = b.load(I64, a.into(), m64);
    b.mov(I64, x[1], v.into());
    b.insn_start(0x104);
    let a = b.add(I64, x[0].into(), Value::Const(off.wrapping_add(8)));
    b.store(I64, x[2].into(), a.into(), MemOp::le(MemSize::B4, false));
    b.insn_start(0x108);
    let t = b.add(I64, x[2].into(), Value::Const(1));
    b.mov(I64, x[2], t.into());
    let w = b.load(I32, x[0].into(), MemOp::le(MemSize::B4, true));
    let w64 = b.convert(wemu_ir::ConvOp::SextI32, w.into());
    b.mov(I64, x[3], w64.into());
    match reuse {
        Reuse::No | Reuse::Later => {}
        Reuse::AfterWrite => b.mov(I64, x[1], Value::Const(77)),
        Reuse::AfterHelper => {
            b.call(HELPER_WRITE, vec![Value::Const(99)]);
        }
    }
    if reuse != Reuse::No {
        let r = b.add(I64, v.into(), Value::Const(3));
        b.mov(I64, x[5], r.into());
    }
    b.brcond(I64, Cond::Eq, x[3].into(), Value::Const(0), exit);
    b.insn_start(0x10c);
    let a = b.add(I64, x[0].into(), Value::Const(4));
    let v = b.load(I64, a.into(), MemOp::le(MemSize::B8, false));
    b.mov(I64, x[4], v.into());
    b.goto_tb(0, 0x110);
    b.label(exit);
    b.exit_tb(1);
    let block = b.finish();
    verify(&block).unwrap();
    block
}

fn case(block: Block, base: u64, fill: u8) -> Case {
    let mut state = vec![0u8; STATE_SIZE];
    state[..8].copy_from_slice(&base.to_le_bytes());
    state[16..24].copy_from_slice(&0x1122_3344_5566_7788u64.to_le_bytes());
    let memory = (0..256u32).map(|i| (i as u8).wrapping_mul(fill)).collect();
    Case { block, state, memory }
}

#[test]
fn fused_ops_match_the_reference() {
    let offsets = [0u64, 8, 5, 100, (-8i64) as u64, (-32768i64) as u64, 32767, 40000, (-40000i64) as u64];
    let bases =
        [MEM_BASE, MEM_BASE + 16, MEM_BASE + 3, MEM_BASE + 32, MEM_BASE + 250, 0, u64::MAX - 3, MEM_BASE + 40016];
    let mut runs = 0;
    for &off in &offsets {
        for aligned in [false, true] {
            for reuse in [Reuse::No, Reuse::Later, Reuse::AfterWrite, Reuse::AfterHelper] {
                let block = riscv_like(off, aligned, reuse);
                let tb = TciBlock::compile(&block).unwrap();
                // Insn_starts, labels, the address adds and the movs need no
                // op: 9 ops and the final trap, 1 more for the add of a reused
                // value, 2 more where the value cannot live in `g1` (its
                // mov, and the write or call).
                let fits = |c: u64| i16::try_from(c as i64).is_ok();
                if fits(off) && fits(off.wrapping_add(8)) {
                    let want = match reuse {
                        Reuse::No => 10,
                        Reuse::Later => 11,
                        Reuse::AfterWrite | Reuse::AfterHelper => 13,
                    };
                    assert_eq!(tb.code_len(), want, "{block}");
                }
                for &base in &bases {
                    for fill in [0u8, 7] {
                        let c = case(block.clone(), base, fill);
                        let want = run_reference(&block, &c).unwrap();
                        let got = run_tci(&block, &c).unwrap();
                        assert_eq!(got, want, "off {off:#x} aligned {aligned} reuse {reuse:?} base {base:#x}\n{block}");
                        runs += 1;
                    }
                }
            }
        }
    }
    assert_eq!(runs, offsets.len() * 2 * 4 * bases.len() * 2);
}

/// Paths that reach a fault with different instruction counts: the count
/// is kept at run time.
#[test]
fn joins_that_disagree_count_at_run_time() {
    let (g, x) = globals();
    let mut b = Builder::new(g);
    let join = b.new_label();
    b.insn_start(0x200);
    b.brcond(I64, Cond::Eq, x[1].into(), Value::Const(0), join);
    b.insn_start(0x204);
    let t = b.add(I64, x[1].into(), Value::Const(1));
    b.mov(I64, x[1], t.into());
    b.label(join);
    let a = b.add(I64, x[0].into(), Value::Const(8));
    let v = b.load(I64, a.into(), MemOp::le(MemSize::B8, false));
    b.mov(I64, x[2], v.into());
    b.goto_tb(0, 0x208);
    let block = b.finish();
    verify(&block).unwrap();
    for x1 in [0u64, 5] {
        for base in [MEM_BASE, 0] {
            let mut c = case(block.clone(), base, 3);
            c.state[8..16].copy_from_slice(&x1.to_le_bytes());
            let want = run_reference(&block, &c).unwrap();
            assert_eq!(run_tci(&block, &c).unwrap(), want, "x1 {x1} base {base:#x}");
        }
    }
}

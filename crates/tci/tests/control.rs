//! Control flow, exits, the CPU-state interface (globals, state ops, the
//! state-size check) and helper calls of every effect class.

mod common;

use common::*;
use wemu_ir::runtime::{ExitKind, FaultCode};
use wemu_ir::{Cond, Effect, HelperDecl, Inst, MemSize, Type, Value};
use wemu_tci::{FlatMemory, Interp, NoHelpers};

const I64: Type = Type::I64;
const I32: Type = Type::I32;

#[test]
fn exits_and_insn_counts() {
    type Emit = fn(&mut wemu_ir::Builder);
    let cases: [(Emit, ExitKind); 5] = [
        (|b| b.goto_tb(0, 0x1234), ExitKind::GotoTb { slot: 0, pc: 0x1234 }),
        (|b| b.goto_tb(1, u64::MAX), ExitKind::GotoTb { slot: 1, pc: u64::MAX }),
        (|b| b.lookup_tb(), ExitKind::LookupTb),
        (|b| b.exit_tb(0), ExitKind::Status(0)),
        (|b| b.exit_tb(u32::MAX), ExitKind::Status(u32::MAX)),
    ];
    for (exit_with, want) in cases {
        for n in 0..4u64 {
            let (mut b, g) = builder();
            for i in 0..n {
                b.insn_start(0x8000_0000 + 4 * i);
                b.mov(I64, g.r, Value::Const(i));
            }
            exit_with(&mut b);
            let mut state = vec![0u8; STATE_SIZE];
            let exit = run(&b.finish(), &mut state);
            assert_eq!(exit.kind, want);
            assert!(!exit.kind.is_fault());
            assert_eq!(exit.insns, n as u32);
            assert_eq!(exit.insn_pc, if n == 0 { 0 } else { 0x8000_0000 + 4 * (n - 1) });
        }
    }
}

#[test]
fn branches_and_loops() {
    // sum = 0; i = a; do { if (i & 1) sum += i; else sum ^= i; i -= 1 } while (i != 0)
    let (mut b, g) = builder();
    b.insn_start(0x40);
    let sum = b.copy(I64, Value::Const(0));
    let i = b.copy(I64, g.a.into());
    let (head, even, join) = (b.new_label(), b.new_label(), b.new_label());
    b.label(head);
    b.insn_start(0x44);
    let bit = b.and(I64, i.into(), Value::Const(1));
    b.brcond(I64, Cond::Eq, bit.into(), Value::Const(0), even);
    b.push(Inst::Binary { op: wemu_ir::BinaryOp::Add, ty: I64, dst: sum, a: sum.into(), b: i.into() });
    b.br(join);
    b.label(even);
    b.push(Inst::Binary { op: wemu_ir::BinaryOp::Xor, ty: I64, dst: sum, a: sum.into(), b: i.into() });
    b.label(join);
    b.push(Inst::Binary { op: wemu_ir::BinaryOp::Sub, ty: I64, dst: i, a: i.into(), b: Value::Const(1) });
    b.brcond(I64, Cond::Ne, i.into(), Value::Const(0), head);
    b.mov(I64, g.r, sum.into());
    b.goto_tb(0, 0x48);
    let tb = compile(&b.finish());
    let mut interp = Interp::new();
    for n in [1u64, 2, 3, 10, 1000] {
        let mut state = vec![0u8; STATE_SIZE];
        set(&mut state, g.a, n);
        let exit = interp.run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
        let want = (1..=n).rev().fold(0u64, |s, i| if i & 1 == 1 { s.wrapping_add(i) } else { s ^ i });
        assert_eq!(get(&state, g.r), want);
        assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x48 });
        assert_eq!((exit.insn_pc, exit.insns), (0x44, 1 + n as u32));
    }
}

#[test]
fn globals_written_in_a_loop_and_on_one_path_only() {
    // r is written only when a != 0; s counts down in place.
    let (mut b, g) = builder();
    let (skip, head) = (b.new_label(), b.new_label());
    b.brcond(I64, Cond::Eq, g.a.into(), Value::Const(0), skip);
    b.mov(I64, g.r, Value::Const(0x77));
    b.label(skip);
    b.label(head);
    b.push(Inst::Binary { op: wemu_ir::BinaryOp::Sub, ty: I64, dst: g.s, a: g.s.into(), b: Value::Const(1) });
    b.brcond(I64, Cond::Gtu, g.s.into(), Value::Const(5), head);
    b.exit_tb(1);
    let tb = compile(&b.finish());
    for a in [0, 1] {
        let mut state = vec![0x11u8; STATE_SIZE];
        set(&mut state, g.a, a);
        set(&mut state, g.s, 100);
        let before = state.clone();
        Interp::new().run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
        assert_eq!(get(&state, g.s), 5);
        assert_eq!(get(&state, g.r), if a == 0 { get(&before, g.r) } else { 0x77 });
        assert_eq!(state[24..40], before[24..40], "untouched globals keep their bytes");
    }
}

#[test]
fn too_small_state_is_a_bad_block() {
    let (mut b, g) = builder();
    b.insn_start(4);
    b.mov(I64, g.r, g.a.into());
    b.goto_tb(0, 0);
    let tb = compile(&b.finish());
    assert_eq!(tb.state_size(), 24);
    let mut mem = FlatMemory::new(0, 8);
    for len in [0, 8, 23] {
        let mut state = vec![0x33u8; len];
        let exit = Interp::new().run(&tb, &mut state, &mut mem, &mut NoHelpers);
        assert_eq!((exit.kind, exit.insn_pc, exit.insns), (ExitKind::BadBlock, 0, 0));
        assert!(state.iter().all(|&x| x == 0x33));
    }
    let mut state = vec![0x33u8; 24];
    assert_eq!(Interp::new().run(&tb, &mut state, &mut mem, &mut NoHelpers).kind, ExitKind::GotoTb { slot: 0, pc: 0 });

    // State ops count too.
    let (mut b, _) = builder();
    b.store_state(I32, Value::Const(1), 60, MemSize::B4);
    b.exit_tb(0);
    let tb = compile(&b.finish());
    assert_eq!(tb.state_size(), 64);
    let mut state = vec![0u8; 63];
    assert_eq!(Interp::new().run(&tb, &mut state, &mut mem, &mut NoHelpers).kind, ExitKind::BadBlock);
    assert!(state.iter().all(|&x| x == 0));
}

#[test]
fn unused_globals_need_no_state() {
    let (mut b, g) = builder();
    b.mov(I64, g.b, Value::Const(5));
    b.exit_tb(0);
    let tb = compile(&b.finish());
    assert_eq!(tb.state_size(), 16);
    let mut state = vec![0u8; 16];
    Interp::new().run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
    assert_eq!(u64::from_le_bytes(state[8..16].try_into().unwrap()), 5);
}

#[test]
fn state_loads_and_stores() {
    let mut interp = Interp::new();
    for ty in [I32, I64] {
        for &size in MemSize::ALL.iter().filter(|s| s.bytes() * 8 <= ty.bits()) {
            for signed in [false, true] {
                for value in [0x80u64, 0x7f, 0x8000, 0xffff_ffff, 0x8000_0000_0000_0000, 0x1234_5678_9abc_def0] {
                    let (mut b, g) = builder();
                    let r = g.abr(ty).2;
                    let t = b.load_state(ty, 48, size, signed);
                    b.mov(ty, r, t.into());
                    b.store_state(ty, t.into(), 56, size);
                    b.exit_tb(0);
                    let tb = compile(&b.finish());
                    let mut state = vec![0xeeu8; STATE_SIZE];
                    state[48..56].copy_from_slice(&value.to_le_bytes());
                    interp.run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
                    let n = size.bytes() as usize;
                    let raw = value & size.mask();
                    let bits = 8 * n as u32;
                    let want = ty.canon(if signed { ((raw << (64 - bits)) as i64 >> (64 - bits)) as u64 } else { raw });
                    assert_eq!(get(&state, r), want, "{ty} {size:?} {signed} {value:#x}");
                    assert_eq!(state[56..56 + n], value.to_le_bytes()[..n]);
                    assert!(state[56 + n..].iter().all(|&x| x == 0xee));
                }
            }
        }
    }
}

fn helper(id: u32, args: Vec<Type>, ret: Option<Type>, effect: Effect) -> HelperDecl {
    HelperDecl { id, name: format!("h{id}"), args, ret, effect }
}

/// Globals written before a helper that reads state are visible to it; a
/// pure helper gets its arguments and its result lands in its destination.
#[test]
fn helper_effects_and_state_sync() {
    for effect in [Effect::Pure, Effect::ReadsState, Effect::WritesState, Effect::MayFault] {
        let (mut b, g) = builder();
        b.declare_helper(helper(3, vec![I64, I32], Some(I64), effect));
        b.mov(I64, g.r, Value::Const(0xaaaa));
        let t = b.call(3, vec![g.a.into(), Value::Const(0xffff_ffff)]).unwrap();
        b.mov(I64, g.s, t.into());
        b.exit_tb(0);
        let mut state = vec![0u8; STATE_SIZE];
        set(&mut state, g.a, 0x1234);
        let mut rec = Recorder::returning(&[(3, Ok(0x5555))]);
        let exit = run_with(&b.finish(), &mut state, &mut FlatMemory::new(0, 0), &mut rec);
        assert_eq!(exit.kind, ExitKind::Status(0));
        assert_eq!(rec.calls.len(), 1);
        assert_eq!(rec.calls[0].args, [0x1234, 0xffff_ffff]);
        if effect >= Effect::ReadsState {
            assert_eq!(get(&rec.calls[0].state, g.r), 0xaaaa, "{effect}: state synced before the call");
        }
        assert_eq!((get(&state, g.r), get(&state, g.s)), (0xaaaa, 0x5555));
    }
}

/// After a helper that writes state, cached globals are reloaded: the block
/// sees what the helper wrote, even over its own earlier writes.
#[test]
fn state_writing_helpers_are_seen() {
    for effect in [Effect::WritesState, Effect::MayFault] {
        let (mut b, g) = builder();
        b.declare_helper(helper(1, vec![], None, effect));
        b.mov(I64, g.r, Value::Const(1));
        b.call(1, vec![]);
        let t = b.add(I64, g.r.into(), g.a.into());
        b.mov(I64, g.s, t.into());
        b.exit_tb(0);
        let mut state = vec![0u8; STATE_SIZE];
        set(&mut state, g.a, 10);
        let mut rec = Recorder::default().writing(1, 16, &100u64.to_le_bytes()).writing(1, 0, &20u64.to_le_bytes());
        run_with(&b.finish(), &mut state, &mut FlatMemory::new(0, 0), &mut rec);
        assert_eq!(get(&state, g.r), 100, "the helper's write of r survives");
        assert_eq!(get(&state, g.a), 20);
        assert_eq!(get(&state, g.s), 120, "the block read the helper's values");
    }
}

/// A helper that fails ends the block with `HelperFault`; the state has the
/// globals written before the call and whatever a state-writing helper did.
#[test]
fn failing_helpers() {
    for effect in [Effect::Pure, Effect::ReadsState, Effect::WritesState, Effect::MayFault] {
        let (mut b, g) = builder();
        b.declare_helper(helper(9, vec![I64], Some(I64), effect));
        b.insn_start(0x100);
        b.mov(I64, g.r, Value::Const(1));
        b.insn_start(0x104);
        let t = b.call(9, vec![Value::Const(2)]).unwrap();
        b.mov(I64, g.s, t.into());
        b.mov(I64, g.r, Value::Const(3));
        b.exit_tb(0);
        let mut state = vec![0u8; STATE_SIZE];
        let code: FaultCode = 0x42;
        let mut rec = Recorder::returning(&[(9, Err(code))]);
        if effect >= Effect::WritesState {
            rec = rec.writing(9, 0, &7u64.to_le_bytes()).writing(9, 16, &8u64.to_le_bytes());
        }
        let exit = run_with(&b.finish(), &mut state, &mut FlatMemory::new(0, 0), &mut rec);
        assert_eq!(exit.kind, ExitKind::HelperFault { helper: 9, code });
        assert!(exit.kind.is_fault());
        assert_eq!((exit.insn_pc, exit.insns), (0x104, 2));
        assert_eq!(get(&state, g.s), 0, "{effect}");
        if effect >= Effect::WritesState {
            assert_eq!(get(&state, g.a), 7, "the helper's state write survives its failure");
            assert_eq!(get(&state, g.r), 8, "even to a global the block wrote before");
        } else {
            assert_eq!(get(&state, g.r), 1, "{effect}");
        }
    }
    // No helpers at all.
    let (mut b, _) = builder();
    b.declare_helper(helper(0, vec![], None, Effect::MayFault));
    b.call(0, vec![]);
    b.exit_tb(0);
    let exit = run(&b.finish(), &mut [0u8; STATE_SIZE]);
    assert_eq!(exit.kind, ExitKind::HelperFault { helper: 0, code: NoHelpers::FAULT });
}

/// Helper results are canonical for their type; ignored results are fine;
/// a helper may write its result to a global.
#[test]
fn helper_results() {
    let (mut b, g) = builder();
    b.declare_helper(helper(1, vec![], Some(I32), Effect::Pure));
    b.declare_helper(helper(2, vec![I32, I64], None, Effect::Pure));
    b.declare_helper(helper(3, vec![], Some(I64), Effect::WritesState));
    let t = b.call(1, vec![]).unwrap();
    b.call(2, vec![t.into(), Value::Const(u64::MAX)]);
    b.push(Inst::Call { helper: 1, dst: None, args: vec![] });
    b.push(Inst::Call { helper: 3, dst: Some(g.r), args: vec![] });
    b.exit_tb(0);
    let mut rec = Recorder::returning(&[(1, Ok(0xdead_beef_8000_0001)), (3, Ok(0x99))]).writing(3, 16, &[1; 8]);
    let mut state = vec![0u8; STATE_SIZE];
    run_with(&b.finish(), &mut state, &mut FlatMemory::new(0, 0), &mut rec);
    assert_eq!(rec.calls.len(), 4);
    assert_eq!(rec.calls[1].args, [0x8000_0001, u64::MAX]);
    assert_eq!(get(&state, g.r), 0x99, "the result wins over the helper's own write to the global");
}

/// Running a block many times with one interpreter, interleaved with other
/// blocks, gives the same results: nothing leaks between runs.
#[test]
fn interp_is_reusable() {
    let mk = |k: u64| {
        let (mut b, g) = builder();
        let t = b.add(I64, g.a.into(), Value::Const(k));
        let u = b.mul(I64, t.into(), Value::Const(k + 1));
        b.mov(I64, g.r, u.into());
        b.goto_tb(0, k);
        compile(&b.finish())
    };
    let blocks: Vec<_> = (0..5).map(mk).collect();
    let mut interp = Interp::default();
    let (_, g) = globals();
    for round in 0..3u64 {
        for (k, tb) in blocks.iter().enumerate() {
            let k = k as u64;
            let mut state = vec![0u8; STATE_SIZE];
            set(&mut state, g.a, round);
            let exit = interp.run(tb, &mut state, &mut FlatMemory::new(0, 0), &mut NoHelpers);
            assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: k });
            assert_eq!(get(&state, g.r), (round + k) * (k + 1));
        }
    }
}

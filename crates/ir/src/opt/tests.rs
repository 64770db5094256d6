//! Unit tests of the passes, built with [`Builder`], plus exhaustive checks
//! of the folding rules against [`crate::semantics`] and (with feature
//! `arbitrary`) a differential test on random blocks with a reference
//! interpreter.

extern crate std;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::const_fold::{Fold, decide, fold_binary, fold_inst};
use super::*;
use crate::semantics;
use crate::{
    BinaryOp, Builder, Cond, ConvOp, Effect, Globals, HelperDecl, Inst, LocalId, MemOp, MemSize, Type, UnaryOp, Value,
    verify,
};

const C: fn(u64) -> Value = Value::Const;

fn globals() -> (Arc<Globals>, Temp, Temp) {
    let mut g = Globals::new();
    let x1 = g.add("x1", Type::I64, 8);
    let x2 = g.add("x2", Type::I64, 16);
    (Arc::new(g), Temp::Global(x1), Temp::Global(x2))
}

fn helper(id: u32, name: &str, effect: Effect) -> HelperDecl {
    HelperDecl { id, name: String::from(name), args: vec![Type::I64], ret: Some(Type::I64), effect }
}

fn check(block: &Block) {
    if let Err(e) = verify(block) {
        panic!("{e}\n{:#?}", block.insts);
    }
}

fn run(pass: fn(&mut Block) -> bool, block: &mut Block) -> bool {
    check(block);
    let changed = pass(block);
    check(block);
    // Passes are idempotent enough that a second run settles.
    changed
}

/// Interesting constants for type `ty`.
fn edges(ty: Type) -> Vec<u64> {
    let mut v = vec![0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 65, 0x80, 0xff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
    v.extend([0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, u64::MAX, u64::MAX - 1, 0x1234_5678_9abc_def0]);
    let mut v: Vec<u64> = v.into_iter().map(|c| ty.canon(c)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Deterministic pseudo-random values (xorshift64*), edges mixed in.
fn samples(ty: Type) -> Vec<u64> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut v = edges(ty);
    for _ in 0..200 {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.push(ty.canon(x.wrapping_mul(0x2545_f491_4f6c_dd1d)));
    }
    v
}

const T: Temp = Temp::Local(LocalId(0));

/// The value `f` says the result has, when the temp `T` holds `x`.
fn eval_fold(f: Fold, ty: Type, x: u64) -> Option<u64> {
    let val = |v: Value| match v {
        Value::Const(c) => c,
        Value::Temp(_) => x,
    };
    match f {
        Fold::None => None,
        Fold::Const(c) => Some(c),
        Fold::Copy(v) => Some(val(v)),
        Fold::Unary(op, v) => Some(semantics::unary(op, ty, val(v))),
    }
}

#[test]
fn binary_identities_agree_with_semantics() {
    let mut rules = 0;
    for ty in [Type::I32, Type::I64] {
        for &op in BinaryOp::ALL {
            let t = Value::Temp(T);
            for x in samples(ty) {
                let f = fold_binary(op, ty, t, t);
                if let Some(r) = eval_fold(f, ty, x) {
                    assert_eq!(r, semantics::binary(op, ty, x, x), "{op}.{ty} x, x with x = {x:#x}");
                    rules += 1;
                }
                for c in edges(ty) {
                    for (a, b, xa) in [(t, C(c), true), (C(c), t, false)] {
                        let f = fold_binary(op, ty, a, b);
                        let want = if xa { semantics::binary(op, ty, x, c) } else { semantics::binary(op, ty, c, x) };
                        if let Some(r) = eval_fold(f, ty, x) {
                            assert_eq!(r, want, "{op}.{ty} {a:?}, {b:?} with x = {x:#x}: {f:?}");
                            rules += 1;
                        }
                    }
                    let f = fold_binary(op, ty, C(c), C(x));
                    assert_eq!(f, Fold::Const(semantics::binary(op, ty, c, x)));
                }
            }
        }
    }
    assert!(rules > 10_000);
}

#[test]
fn decisions_agree_with_semantics() {
    for ty in [Type::I32, Type::I64] {
        for &c in Cond::ALL {
            let t = Value::Temp(T);
            for x in samples(ty) {
                if let Some(r) = decide(c, ty, t, t) {
                    assert_eq!(r, semantics::cond(c, ty, x, x));
                }
                for k in edges(ty) {
                    if let Some(r) = decide(c, ty, t, C(k)) {
                        assert_eq!(r, semantics::cond(c, ty, x, k), "{c} x, {k:#x}");
                    }
                    if let Some(r) = decide(c, ty, C(k), t) {
                        assert_eq!(r, semantics::cond(c, ty, k, x), "{c} {k:#x}, x");
                    }
                }
            }
            assert!(decide(c, ty, t, t).is_some());
        }
    }
}

#[test]
fn bitfield_identities_agree_with_semantics() {
    for ty in [Type::I32, Type::I64] {
        let bits = ty.bits() as u8;
        for pos in 0..bits {
            for len in 1..=bits - pos {
                for x in samples(ty).into_iter().take(40) {
                    for signed in [false, true] {
                        let e = Inst::Extract { ty, signed, dst: T, src: Value::Temp(T), pos, len };
                        if let Some(r) = eval_fold(fold_inst(&e, |v| v), ty, x) {
                            assert_eq!(r, semantics::extract(ty, signed, x, pos.into(), len.into()));
                        }
                    }
                    let d = Inst::Deposit {
                        ty,
                        dst: T,
                        base: C(ty.canon(0x5a5a_5a5a_5a5a_5a5a)),
                        field: T.into(),
                        pos,
                        len,
                    };
                    if let Some(r) = eval_fold(fold_inst(&d, |v| v), ty, x) {
                        assert_eq!(
                            r,
                            semantics::deposit(ty, 0x5a5a_5a5a_5a5a_5a5a & ty.mask(), x, pos.into(), len.into())
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn folds_a_chain_of_constants() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    b.insn_start(0x1000);
    let t0 = b.copy(Type::I64, C(5));
    let t1 = b.add(Type::I64, t0.into(), C(7));
    let t2 = b.shl(Type::I64, t1.into(), C(4));
    let t3 = b.convert(ConvOp::TruncI64, t2.into());
    let t4 = b.unary(UnaryOp::Bswap32, Type::I32, t3.into());
    let t5 = b.convert(ConvOp::ZextI32, t4.into());
    b.mov(Type::I64, x1, t5.into());
    b.goto_tb(0, 0x1004);
    let mut block = b.finish();
    assert!(run(const_fold, &mut block));
    assert_eq!(block.insts[7], Inst::Mov { ty: Type::I64, dst: x1, src: C(0xc000_0000) });
    optimize(&mut block);
    check(&block);
    assert_eq!(
        block.insts,
        vec![
            Inst::InsnStart { pc: 0x1000 },
            Inst::Mov { ty: Type::I64, dst: x1, src: C(0xc000_0000) },
            Inst::GotoTb { slot: 0, pc: 0x1004 },
        ]
    );
    assert!(block.locals.is_empty());
}

#[test]
fn no_propagation_across_a_back_edge() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    let i = b.copy(Type::I64, C(0));
    let head = b.new_label();
    b.label(head);
    // x1 = x1 + i: i is 0 only on the first iteration.
    let s = b.add(Type::I64, x1.into(), i.into());
    b.mov(Type::I64, x1, s.into());
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: i, a: i.into(), b: C(1) });
    b.brcond(Type::I64, Cond::Ltu, i.into(), C(4), head);
    b.lookup_tb();
    let mut block = b.finish();
    let before = block.clone();
    assert!(!run(const_fold, &mut block));
    assert_eq!(block, before);
    optimize(&mut block);
    check(&block);
    assert_eq!(block.insts.len(), before.insts.len());
}

#[test]
fn propagates_into_a_loop_what_the_loop_does_not_change() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    let k = b.copy(Type::I64, C(3));
    let head = b.new_label();
    b.label(head);
    let s = b.add(Type::I64, x1.into(), k.into());
    b.mov(Type::I64, x1, s.into());
    b.brcond(Type::I64, Cond::Ltu, x1.into(), C(100), head);
    b.lookup_tb();
    let mut block = b.finish();
    assert!(run(const_fold, &mut block));
    assert_eq!(block.insts[2], Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: s, a: x1.into(), b: C(3) });
}

#[test]
fn globals_are_forgotten_at_state_writing_calls() {
    let (g, x1, x2) = globals();
    let mut b = Builder::new(g);
    b.declare_helper(helper(1, "rd", Effect::ReadsState));
    b.declare_helper(helper(2, "wr", Effect::WritesState));
    b.mov(Type::I64, x1, C(10));
    let r = b.call(1, vec![C(0)]).unwrap();
    let a = b.add(Type::I64, x1.into(), C(1)); // 11: reads_state keeps x1
    b.mov(Type::I64, x2, a.into());
    let t = b.copy(Type::I64, x1.into());
    b.call(2, vec![r.into()]);
    let c = b.add(Type::I64, x1.into(), C(1)); // unknown now
    let d = b.add(Type::I64, t.into(), C(1)); // t still holds 10
    b.mov(Type::I64, x2, c.into());
    b.mov(Type::I64, x1, d.into());
    b.lookup_tb();
    let mut block = b.finish();
    run(const_fold, &mut block);
    assert_eq!(block.insts[2], Inst::Mov { ty: Type::I64, dst: a, src: C(11) });
    assert_eq!(block.insts[6], Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: c, a: x1.into(), b: C(1) });
    assert_eq!(block.insts[7], Inst::Mov { ty: Type::I64, dst: d, src: C(11) });

    // Copy propagation: t = x1 stops being a copy at the call.
    let mut b = Builder::new(block.globals.clone());
    b.declare_helper(helper(2, "wr", Effect::WritesState));
    let t = b.copy(Type::I64, x1.into());
    let u = b.add(Type::I64, t.into(), C(1));
    b.call(2, vec![u.into()]);
    let v = b.add(Type::I64, t.into(), C(2));
    b.mov(Type::I64, x2, v.into());
    b.lookup_tb();
    let mut block = b.finish();
    assert!(run(copy_prop, &mut block));
    assert_eq!(block.insts[1], Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: u, a: x1.into(), b: C(1) });
    assert_eq!(block.insts[3], Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: v, a: t.into(), b: C(2) });
}

#[test]
fn dce_keeps_side_effects_and_global_writes() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    b.declare_helper(helper(1, "pure", Effect::Pure));
    b.declare_helper(helper(2, "chk", Effect::MayFault));
    let a = b.load(Type::I64, x1.into(), MemOp::le(MemSize::B8, false)); // kept: may fault
    let p = b.call(1, vec![a.into()]).unwrap(); // deleted: pure, unused
    let q = b.call(2, vec![a.into()]).unwrap(); // kept, result dropped
    let _ = b.add(Type::I64, a.into(), C(1)); // deleted
    let st = b.load_state(Type::I64, 64, MemSize::B8, false); // deleted: unused state read
    b.mov(Type::I64, x1, C(0)); // kept: a global
    b.exit_tb(1);
    let mut block = b.finish();
    let _ = (p, q, st);
    assert!(run(dce, &mut block));
    assert_eq!(block.insts.len(), 4);
    assert!(matches!(block.insts[1], Inst::Call { helper: 2, dst: None, .. }));
    assert!(!run(dce, &mut block));
    assert!(compact_locals(&mut block));
    check(&block);
    assert_eq!(block.locals, vec![Type::I64]);
}

#[test]
fn dce_removes_dead_loop_carried_values() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    let n = b.copy(Type::I64, C(4));
    let acc = b.copy(Type::I64, C(0));
    let head = b.new_label();
    b.label(head);
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: acc, a: acc.into(), b: x1.into() });
    b.push(Inst::Binary { op: BinaryOp::Sub, ty: Type::I64, dst: n, a: n.into(), b: C(1) });
    b.brcond(Type::I64, Cond::Ne, n.into(), C(0), head);
    b.lookup_tb();
    let mut block = b.finish();
    assert!(run(dce, &mut block));
    assert_eq!(block.insts.len(), 5); // acc is gone, the counter stays
}

#[test]
fn constant_branches_are_decided_unless_that_traps_control() {
    let (g, x1, _) = globals();
    // brcond always taken.
    let mut b = Builder::new(g.clone());
    let l = b.new_label();
    b.brcond(Type::I64, Cond::Eq, x1.into(), x1.into(), l);
    b.mov(Type::I64, x1, C(1));
    b.exit_tb(0);
    b.label(l);
    b.lookup_tb();
    let mut block = b.finish();
    assert!(run(simplify_branches, &mut block));
    assert_eq!(block.insts, vec![Inst::LookupTb]);

    // A loop whose exit test is constant: folding it would leave a loop
    // the verifier rejects, so it stays.
    let mut b = Builder::new(g);
    let head = b.new_label();
    b.label(head);
    b.insn_start(0x1000);
    b.brcond(Type::I64, Cond::Ltu, C(1), C(2), head);
    b.exit_tb(0);
    let mut block = b.finish();
    let before = block.clone();
    assert!(!run(simplify_branches, &mut block));
    assert!(!run(const_fold, &mut block));
    optimize(&mut block);
    check(&block);
    assert_eq!(block, before);
}

#[test]
fn jumps_are_threaded_and_labels_dropped() {
    let (g, x1, _) = globals();
    let mut b = Builder::new(g);
    let (l0, l1, l2) = (b.new_label(), b.new_label(), b.new_label());
    b.brcond(Type::I64, Cond::Eq, x1.into(), C(0), l0);
    b.mov(Type::I64, x1, C(1));
    b.br(l1);
    b.label(l0);
    b.br(l2);
    b.label(l1);
    b.label(l2);
    b.lookup_tb();
    let mut block = b.finish();
    assert!(run(simplify_branches, &mut block));
    assert_eq!(
        block.insts,
        vec![
            Inst::BrCond { ty: Type::I64, cond: Cond::Eq, a: x1.into(), b: C(0), target: l2 },
            Inst::Mov { ty: Type::I64, dst: x1, src: C(1) },
            Inst::Label(l2),
            Inst::LookupTb,
        ]
    );
}

#[test]
fn run_pass_knows_every_name() {
    let (g, _, _) = globals();
    let mut b = Builder::new(g);
    b.lookup_tb();
    let mut block = b.finish();
    for (name, _) in PASSES {
        assert_eq!(run_pass(name, &mut block), Some(false));
    }
    assert_eq!(run_pass("optimize", &mut block), Some(false));
    assert_eq!(run_pass("nope", &mut block), None);
}

/// Passes must not panic on blocks the verifier rejects.
#[test]
fn malformed_blocks_do_not_panic() {
    let (g, x1, _) = globals();
    let bad = Temp::Local(LocalId(99));
    let insts = [
        Inst::Mov { ty: Type::I64, dst: bad, src: C(1) },
        Inst::Binary {
            op: BinaryOp::Add,
            ty: Type::I32,
            dst: x1,
            a: bad.into(),
            b: Temp::Global(crate::GlobalId(77)).into(),
        },
        Inst::Br { target: crate::Label(5) },
        Inst::Label(crate::Label(9)),
        Inst::Call { helper: 42, dst: Some(bad), args: vec![C(1)] },
        Inst::BrCond { ty: Type::I64, cond: Cond::Eq, a: C(1), b: C(1), target: crate::Label(9) },
        Inst::Label(crate::Label(9)),
    ];
    for n in 0..=insts.len() {
        let mut block = Block::new(g.clone());
        block.num_labels = 3;
        block.insts = insts[..n].to_vec();
        let mut copy = block.clone();
        optimize(&mut copy);
        for (_, pass) in PASSES {
            let mut copy = block.clone();
            pass(&mut copy);
        }
    }
}

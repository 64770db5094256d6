//! Guest memory, helpers and regions, written by hand: every access size,
//! sign and byte order through the TLB fast path and the import, page
//! crossings, read-only and unmapped pages, misalignment, atomics, helpers
//! of every effect class, regions with loops between members, limits and
//! exit requests, and what the generator refuses.

mod common;

use std::sync::Arc;

use common::*;
use wemu_ir::runtime::ExitKind;
use wemu_ir::{
    BinaryOp, Block, Builder, Cond, Effect, Endian, GlobalId, Globals, HelperDecl, Inst, MemOp, MemSize, RmwOp, Temp,
    Type, Value,
};
use wemu_wasm_jit::{JitError, Member, Options, compile_region};

fn globals() -> Arc<Globals> {
    let mut g = Globals::new();
    g.add("a", Type::I64, 0);
    g.add("b", Type::I64, 8);
    g.add("c", Type::I64, 16);
    g.add("w", Type::I32, 24);
    Arc::new(g)
}

fn g(i: u32) -> Temp {
    Temp::Global(GlobalId(i))
}

fn ram() -> Vec<u8> {
    (0..RAM_SIZE as usize).map(|i| (i as u8).wrapping_mul(37).wrapping_add(11)).collect()
}

fn state(a: u64, b: u64, c: u64) -> Vec<u8> {
    let mut s = Vec::new();
    for v in [a, b, c] {
        s.extend_from_slice(&v.to_le_bytes());
    }
    s.extend_from_slice(&0x5555_aaaau32.to_le_bytes());
    s
}

fn both_tlbs(rig: &mut Rig, members: &[Member<'_>], mut start: Start) -> Outcome {
    start.warm_tlb = false;
    let cold = rig.check(members, &start).unwrap_or_else(|e| panic!("cold TLB: {e}"));
    start.warm_tlb = true;
    let warm = rig.check(members, &start).unwrap_or_else(|e| panic!("warm TLB: {e}"));
    assert_eq!(cold, warm);
    warm
}

/// Loads and stores of every kind, at `addr` (global a).
#[test]
fn loads_and_stores_of_every_kind() {
    let mut rig = Rig::new();
    let addrs = [
        RAM_BASE + 0x10,
        RAM_BASE + 0x13, // unaligned
        RO_PAGE - 2,     // crosses into the read-only page
        RO_PAGE + 0x20,  // read-only
        RO_PAGE + 0xffe, // crosses into the hole
        HOLE_PAGE + 8,   // bus error
        0x10_0000,       // page fault
        u64::MAX - 2,    // wraps
    ];
    for &addr in &addrs {
        for ty in [Type::I32, Type::I64] {
            for &size in MemSize::ALL {
                if size.bytes() * 8 > ty.bits() {
                    continue;
                }
                for endian in [Endian::Little, Endian::Big] {
                    for signed in [false, true] {
                        for align in [0, size.log2() as u8] {
                            for mmu in [0, 2] {
                                let mem = MemOp { size, signed, endian, align_log2: align, mmu_idx: mmu };
                                let mut b = Builder::new(globals());
                                b.insn_start(0x100);
                                let v = b.load(ty, g(0).into(), mem);
                                b.insn_start(0x104);
                                let dst = if ty == Type::I32 { g(3) } else { g(1) };
                                b.mov(ty, dst, v.into());
                                b.store(ty, Value::Const(ty.canon(0x1122_3344_5566_7788)), g(0).into(), mem);
                                // A store of the loaded value back, 16 bytes on.
                                let a2 = b.add(Type::I64, g(0).into(), Value::Const(16));
                                b.store(ty, v.into(), a2.into(), mem);
                                b.goto_tb(1, 0x200);
                                let block = b.finish();
                                wemu_ir::verify(&block).unwrap();
                                both_tlbs(&mut rig, &single(&block), Start::new(state(addr, 0, 0), ram()));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn faults_report_the_exact_exit() {
    let mut rig = Rig::new();
    let mut b = Builder::new(globals());
    b.insn_start(0x100);
    b.mov(Type::I64, g(1), Value::Const(7));
    b.insn_start(0x104);
    b.store(Type::I64, Value::Const(1), g(0).into(), MemOp::le(MemSize::B4, false).aligned());
    b.insn_start(0x108);
    b.mov(Type::I64, g(2), Value::Const(9));
    b.exit_tb(3);
    let block = b.finish();
    let cases = [
        (RAM_BASE + 2, ExitKind::Misaligned { addr: RAM_BASE + 2, write: true }),
        (RO_PAGE + 4, ExitKind::MemFault { addr: RO_PAGE + 4, code: PAGE_FAULT_W, write: true }),
        (HOLE_PAGE, ExitKind::MemFault { addr: HOLE_PAGE, code: ACCESS_FAULT_W, write: true }),
        (RAM_BASE + 4, ExitKind::Status(3)),
    ];
    for (addr, kind) in cases {
        let out = both_tlbs(&mut rig, &single(&block), Start::new(state(addr, 0, 0), ram()));
        assert_eq!(out.exit.kind, kind);
        let insns = if kind.is_fault() { 2 } else { 3 };
        assert_eq!(out.exit.insns, insns);
        assert_eq!(out.exit.insn_pc, 0x100 + 4 * (u64::from(insns) - 1));
        // Globals written before the fault are in the state.
        assert_eq!(out.state[8], 7);
        assert_eq!(out.state[16], if kind.is_fault() { 0 } else { 9 });
    }
}

#[test]
fn atomics_of_every_kind() {
    let mut rig = Rig::new();
    let addrs = [RAM_BASE + 0x40, RAM_BASE + 0x41, RAM_BASE + 0x46, RO_PAGE + 8, RO_PAGE - 4, HOLE_PAGE, 0x9000];
    for &addr in &addrs {
        for ty in [Type::I32, Type::I64] {
            for &size in MemSize::ALL {
                if size.bytes() * 8 > ty.bits() {
                    continue;
                }
                for signed in [false, true] {
                    for align in [0, size.log2() as u8] {
                        let mem = MemOp { size, signed, endian: Endian::Little, align_log2: align, mmu_idx: 1 };
                        let mut b = Builder::new(globals());
                        b.insn_start(0x100);
                        let mut out = Vec::new();
                        for &op in RmwOp::ALL {
                            let v =
                                b.atomic_rmw(op, ty, g(0).into(), Value::Const(ty.canon(0x8070_6050_4030_2010)), mem);
                            out.push(v);
                        }
                        // A cmpxchg that fails and one that succeeds.
                        let v = b.atomic_cmpxchg(ty, g(0).into(), Value::Const(0x1234), Value::Const(5), mem);
                        out.push(v);
                        let cur = b.load(ty, g(0).into(), MemOp { signed: false, align_log2: 0, ..mem });
                        let v =
                            b.atomic_cmpxchg(ty, g(0).into(), cur.into(), Value::Const(ty.canon(u64::MAX - 3)), mem);
                        out.push(v);
                        for (k, v) in out.iter().enumerate() {
                            b.store_state(
                                ty,
                                (*v).into(),
                                64 + 8 * k as u32,
                                if ty == Type::I32 { MemSize::B4 } else { MemSize::B8 },
                            );
                        }
                        b.exit_tb(0);
                        let block = b.finish();
                        wemu_ir::verify(&block).unwrap();
                        both_tlbs(&mut rig, &single(&block), Start::new(state(addr, 0, 0), ram()));
                    }
                }
            }
        }
    }
}

fn helpers(b: &mut Builder) {
    let d = |id, name: &str, args: Vec<Type>, ret, effect| HelperDecl { id, name: name.into(), args, ret, effect };
    b.declare_helper(d(0, "mix", vec![Type::I64, Type::I64], Some(Type::I64), Effect::Pure));
    b.declare_helper(d(1, "read", vec![Type::I64], Some(Type::I64), Effect::ReadsState));
    b.declare_helper(d(2, "write", vec![Type::I64], None, Effect::WritesState));
    b.declare_helper(d(9, "maybe", vec![Type::I64], Some(Type::I32), Effect::MayFault));
    b.declare_helper(d(8, "sum", vec![Type::I32; 8], Some(Type::I32), Effect::Pure));
}

#[test]
fn helpers_of_every_effect() {
    let mut rig = Rig::new();
    for arg in [0u64, 1] {
        let mut b = Builder::new(globals());
        helpers(&mut b);
        b.insn_start(0x100);
        // a is cached and written: `read` must see it, `write` replaces b.
        b.mov(Type::I64, g(0), Value::Const(0xabcdef));
        let r = b.call(1, vec![g(2).into()]).unwrap();
        b.mov(Type::I64, g(2), r.into());
        b.call(2, vec![Value::Const(0x77)]);
        // b (offset 8) was written by the helper: reloaded.
        let x = b.add(Type::I64, g(1).into(), Value::Const(1));
        b.mov(Type::I64, g(0), x.into());
        let m = b.call(0, vec![g(0).into(), Value::Const(3)]).unwrap();
        b.mov(Type::I64, g(1), m.into());
        let args: Vec<Value> = (0..8).map(|i| Value::Const(0xffff_fff0 + i)).collect();
        let s = b.call(8, args).unwrap();
        b.mov(Type::I32, g(3), s.into());
        b.insn_start(0x104);
        // Into a global, through a state-writing helper that may fault.
        b.push(Inst::Call { helper: 9, dst: Some(g(3)), args: vec![Value::Const(arg)] });
        b.mov(Type::I64, g(2), Value::Const(1));
        b.exit_tb(1);
        let block = b.finish();
        wemu_ir::verify(&block).unwrap();
        let out = both_tlbs(&mut rig, &single(&block), Start::new(state(1, 2, 3), ram()));
        if arg == 1 {
            assert_eq!(out.exit.kind, ExitKind::HelperFault { helper: 9, code: 0x99 });
            assert_eq!((out.exit.insns, out.exit.insn_pc), (2, 0x104));
        } else {
            assert_eq!(out.exit.kind, ExitKind::Status(1));
        }
    }
}

/// Adds 10 to b, sets a to 2, and goes back (goto_tb 1) until b >= 100.
fn adder() -> Block {
    let mut b = Builder::new(globals());
    b.insn_start(0x200);
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(1), a: g(1).into(), b: Value::Const(10) });
    b.mov(Type::I64, g(0), Value::Const(2));
    let done = b.new_label();
    b.brcond(Type::I64, Cond::Geu, g(1).into(), Value::Const(100), done);
    b.insn_start(0x204);
    b.goto_tb(1, 0x100);
    b.label(done);
    b.exit_tb(7);
    b.finish()
}

/// With a warm TLB, RAM accesses never call an import.
#[test]
fn warm_tlb_hits_inline() {
    let mut rig = Rig::new();
    for shared_atomics in [false, true] {
        let mut b = Builder::new(globals());
        b.insn_start(0x100);
        for &size in MemSize::ALL {
            for endian in [Endian::Little, Endian::Big] {
                let mem = MemOp { size, signed: true, endian, align_log2: 0, mmu_idx: 2 };
                let v = b.load(Type::I64, g(0).into(), mem);
                b.store(Type::I64, v.into(), g(0).into(), mem);
                if shared_atomics && endian == Endian::Little {
                    b.atomic_rmw(RmwOp::Add, Type::I64, g(0).into(), v.into(), mem);
                    b.atomic_cmpxchg(Type::I64, g(0).into(), v.into(), Value::Const(3), mem);
                }
            }
        }
        b.exit_tb(0);
        let block = b.finish();
        let mut start = Start::new(state(RAM_BASE + 0x80, 0, 0), ram());
        start.warm_tlb = true;
        rig.check(&single(&block), &start).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rig.slow_calls, 0);
        start.warm_tlb = false;
        rig.check(&single(&block), &start).unwrap_or_else(|e| panic!("{e}"));
        assert!(rig.slow_calls > 0);
    }
}

#[test]
fn regions_with_loops_limits_and_requests() {
    let mut rig = Rig::new();
    // Member 0's own loop never ends once b >= 100 (brcond to itself): keep
    // it simpler: a plain two-member cycle.
    let mut b = Builder::new(globals());
    b.insn_start(0x100);
    let head = b.new_label();
    let out = b.new_label();
    b.label(head);
    b.insn_start(0x104);
    b.brcond(Type::I64, Cond::Eq, g(0).into(), Value::Const(0), out);
    b.push(Inst::Binary { op: BinaryOp::Sub, ty: Type::I64, dst: g(0), a: g(0).into(), b: Value::Const(1) });
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(2), a: g(2).into(), b: Value::Const(3) });
    b.br(head);
    b.label(out);
    b.goto_tb(0, 0x200);
    let m0 = b.finish();
    let m1 = adder();
    wemu_ir::verify(&m0).unwrap();
    wemu_ir::verify(&m1).unwrap();
    for order in [false, true] {
        // Both layouts: member 1 after member 0 and before it.
        let (b0, b1) = if order { (&m1, &m0) } else { (&m0, &m1) };
        let (i0, i1) = if order { (1u32, 0u32) } else { (0, 1) };
        let mut members =
            [Member { ir: b0, successors: [None, None], key: 0 }, Member { ir: b1, successors: [None, None], key: 0 }];
        members[i0 as usize].successors = [Some(i1), None];
        members[i1 as usize].successors = [None, Some(i0)];
        for limit in [0, 1, 2, 3, 5, 8, 13, 1000] {
            for request in [false, true] {
                for entry in [0, 1, 2, 99] {
                    let mut start = Start::new(state(3, 0, 0), ram());
                    start.limit = limit;
                    start.exit_request = request;
                    start.entry = entry;
                    let out = rig.check(&members, &start).unwrap_or_else(|e| panic!("{e}"));
                    if entry < 2 && limit == 1000 && !request {
                        assert_eq!(out.exit.kind, ExitKind::Status(7));
                        assert_eq!(out.state[8], 100);
                    }
                }
            }
        }
    }
}

#[test]
fn refusals() {
    let mut b = Builder::new(globals());
    b.insn_start(0);
    let mem = MemOp::le(MemSize::B4, false).with_mmu(16);
    b.load(Type::I64, g(0).into(), mem);
    b.exit_tb(0);
    let block = b.finish();
    let opts = Options::default();
    assert!(matches!(compile_region(&single(&block), &opts), Err(JitError::Unsupported(_))));
    // Nine helper arguments.
    let mut b = Builder::new(globals());
    b.declare_helper(HelperDecl { id: 1, name: "h".into(), args: vec![Type::I64; 9], ret: None, effect: Effect::Pure });
    b.call(1, vec![Value::Const(0); 9]);
    b.exit_tb(0);
    let block = b.finish();
    assert!(matches!(compile_region(&single(&block), &opts), Err(JitError::Unsupported(_))));
    // No members; a successor that is not a member; unverified IR.
    assert!(compile_region(&[], &opts).is_err());
    let mut b = Builder::new(globals());
    b.goto_tb(0, 4);
    let block = b.finish();
    assert!(compile_region(&[Member { ir: &block, successors: [Some(1), None], key: 0 }], &opts).is_err());
    let mut bad = block.clone();
    bad.insts.clear();
    assert!(compile_region(&single(&bad), &opts).is_err());
    // Overlapping globals across members.
    let mut gl = Globals::new();
    gl.add("x", Type::I64, 0);
    gl.add("xl", Type::I32, 0);
    let gl = Arc::new(gl);
    let mut b = Builder::new(gl.clone());
    b.mov(Type::I64, g(0), Value::Const(1));
    b.mov(Type::I32, g(1), Value::Const(1));
    b.goto_tb(0, 0);
    let block = b.finish();
    assert!(compile_region(&single(&block), &opts).is_ok());
    let two = [
        Member { ir: &block, successors: [Some(1), None], key: 0 },
        Member { ir: &block, successors: [None, None], key: 0 },
    ];
    assert!(compile_region(&two, &opts).is_err());
}

/// Hundreds of basic blocks in each of several members (deep nesting, a
/// large dispatch table): valid, compiled, and right.
#[test]
fn large_regions() {
    let mut rig = Rig::new();
    let mut blocks = Vec::new();
    for m in 0..3u64 {
        let mut b = Builder::new(globals());
        b.insn_start(0x100 * m);
        let head = b.new_label();
        b.label(head);
        for i in 0..300u64 {
            let l = b.new_label();
            b.insn_start(0x100 * m + 4 * i);
            b.brcond(Type::I64, Cond::Eq, g(0).into(), Value::Const(i % 7), l);
            b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(1), a: g(1).into(), b: Value::Const(i) });
            b.label(l);
            b.push(Inst::Binary { op: BinaryOp::Xor, ty: Type::I64, dst: g(2), a: g(2).into(), b: g(1).into() });
        }
        // Loop back while c's low bits say so (a counted loop on a).
        b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(0), a: g(0).into(), b: Value::Const(1) });
        b.brcond(Type::I64, Cond::Ltu, g(0).into(), Value::Const(5 + 3 * m), head);
        b.goto_tb(0, 0x100 * (m + 1));
        let block = b.finish();
        wemu_ir::verify(&block).unwrap();
        blocks.push(block);
    }
    let members: Vec<Member<'_>> = blocks
        .iter()
        .enumerate()
        .map(|(i, ir)| Member { ir, successors: [Some(((i + 2) % 3) as u32), None], key: 0 })
        .collect();
    for limit in [2000, 100_000, 1] {
        let mut start = Start::new(state(0, 1, 2), ram());
        start.limit = limit;
        start.entry = 2;
        rig.check(&members, &start).unwrap_or_else(|e| panic!("{}", &e[..e.len().min(2000)]));
    }
}

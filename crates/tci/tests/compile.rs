//! Lowering: what it rejects, and that unverified blocks it accepts run
//! without panicking.

mod common;

use std::sync::Arc;

use common::*;
use wemu_ir::runtime::ExitKind;
use wemu_ir::{
    BinaryOp, Block, Effect, Endian, GlobalId, Globals, HelperDecl, Inst, Label, LocalId, MemOp, MemSize, RmwOp, Temp,
    Type, UnaryOp, Value, verify,
};
use wemu_tci::{CompileError, FlatMemory, Interp, NoHelpers, TciBlock};

const I64: Type = Type::I64;
const I32: Type = Type::I32;

fn block(insts: Vec<Inst>) -> Block {
    let (g, _) = globals();
    let mut b = Block::new(g);
    b.locals = vec![I64, I32];
    b.num_labels = 2;
    b.helpers.push(HelperDecl { id: 1, name: "h".into(), args: vec![I64], ret: None, effect: Effect::Pure });
    b.insts = insts;
    b
}

fn run_unverified(b: &Block, state_len: usize) -> ExitKind {
    let tb = TciBlock::compile(b).expect("compiles");
    let mut state = vec![0x5au8; state_len];
    Interp::new().run(&tb, &mut state, &mut FlatMemory::new(0, 64), &mut NoHelpers).kind
}

const L0: Temp = Temp::Local(LocalId(0));

#[test]
fn rejects_what_it_cannot_run() {
    let g99 = Temp::Global(GlobalId(99));
    let l9 = Temp::Local(LocalId(9));
    let exit = Inst::ExitTb { status: 0 };
    let cases: Vec<(Vec<Inst>, CompileError)> = vec![
        (
            vec![Inst::Mov { ty: I64, dst: g99, src: Value::Const(0) }, exit.clone()],
            CompileError::UndeclaredTemp { inst: 0 },
        ),
        (
            vec![exit.clone(), Inst::Mov { ty: I64, dst: L0, src: Value::Temp(l9) }],
            CompileError::UndeclaredTemp { inst: 1 },
        ),
        (
            vec![Inst::Call { helper: 2, dst: None, args: vec![] }],
            CompileError::UndeclaredHelper { inst: 0, helper: 2 },
        ),
        (vec![Inst::Call { helper: 1, dst: None, args: vec![] }], CompileError::CallMismatch { inst: 0 }),
        (
            vec![Inst::Call { helper: 1, dst: Some(L0), args: vec![Value::Const(0)] }],
            CompileError::CallMismatch { inst: 0 },
        ),
        (vec![Inst::Label(Label(0)), Inst::Label(Label(0))], CompileError::BadLabel { inst: 1 }),
        (vec![Inst::Label(Label(5))], CompileError::BadLabel { inst: 0 }),
        (vec![exit.clone(), Inst::Br { target: Label(1) }], CompileError::BadLabel { inst: 1 }),
        (vec![Inst::Br { target: Label(7) }], CompileError::BadLabel { inst: 0 }),
        (
            vec![Inst::AtomicRmw {
                op: RmwOp::Add,
                ty: I64,
                dst: L0,
                addr: Value::Const(0),
                src: Value::Const(1),
                mem: MemOp { endian: Endian::Big, ..MemOp::le(MemSize::B8, false) },
            }],
            CompileError::BadMemOp { inst: 0 },
        ),
    ];
    for (insts, want) in cases {
        let b = block(insts);
        assert_eq!(TciBlock::compile(&b), Err(want), "{:?}", b.insts);
        assert!(!want.to_string().is_empty());
    }
}

#[test]
fn huge_label_count() {
    let mut b = block(vec![Inst::Label(Label(u32::MAX - 1)), Inst::ExitTb { status: 2 }]);
    b.num_labels = u32::MAX;
    assert_eq!(run_unverified(&b, STATE_SIZE), ExitKind::Status(2));
}

#[test]
fn rejects_too_many_slots() {
    let (g, _) = globals();
    let mut b = Block::new(g);
    b.locals = vec![I64; 65536];
    assert!(TciBlock::compile(&b).is_ok(), "exactly a frame");
    b.locals.push(I64);
    b.insts = vec![Inst::ExitTb { status: 0 }];
    assert_eq!(TciBlock::compile(&b), Err(CompileError::TooLarge));
    // Locals and constants together.
    b.locals = vec![I64; 65530];
    for i in 0..10 {
        b.insts.insert(0, Inst::Mov { ty: I64, dst: L0, src: Value::Const(i) });
    }
    assert_eq!(TciBlock::compile(&b), Err(CompileError::TooLarge));
    b.locals.truncate(65000);
    assert!(TciBlock::compile(&b).is_ok());
}

#[test]
fn constants_are_shared() {
    let (mut b, g) = builder();
    for _ in 0..100 {
        let t = b.add(I64, g.a.into(), Value::Const(42));
        b.mov(I64, g.r, t.into());
    }
    b.exit_tb(0);
    let tb = TciBlock::compile(&b.finish()).unwrap();
    assert_eq!(tb.frame_slots(), 2 + 100 + 1);
    // Each add writes the global directly (its mov is fused into it).
    assert_eq!(tb.code_len(), 102);
}

/// Blocks that break verifier rules but can be given a meaning run to an
/// exit without panicking.
#[test]
fn unverified_blocks_run_safely() {
    let g = |i| Temp::Global(GlobalId(i));
    let cases: Vec<(Vec<Inst>, ExitKind)> = vec![
        // Empty, and falling off the end.
        (vec![], ExitKind::BadBlock),
        (vec![Inst::Mov { ty: I64, dst: g(2), src: Value::Const(1) }], ExitKind::BadBlock),
        // A branch to a label at the very end.
        (vec![Inst::Br { target: Label(0) }, Inst::Label(Label(0))], ExitKind::BadBlock),
        // Type confusion: i32 ops on i64 temps and vice versa, non-canonical constants.
        (
            vec![
                Inst::Binary { op: BinaryOp::Add, ty: I32, dst: g(2), a: Value::Temp(g(0)), b: Value::Const(u64::MAX) },
                Inst::Unary { op: UnaryOp::Bswap64, ty: I32, dst: g(5), src: Value::Temp(g(0)) },
                Inst::Binary { op: BinaryOp::Divs, ty: I64, dst: g(5), a: Value::Temp(g(3)), b: Value::Const(0) },
                Inst::ExitTb { status: 3 },
            ],
            ExitKind::Status(3),
        ),
        // Bit fields out of range.
        (
            vec![
                Inst::Extract { ty: I32, signed: true, dst: L0, src: Value::Const(u64::MAX), pos: 200, len: 0 },
                Inst::Extract { ty: I64, signed: false, dst: L0, src: Value::Const(u64::MAX), pos: 60, len: 255 },
                Inst::Deposit { ty: I64, dst: L0, base: Value::Temp(L0), field: Value::Const(1), pos: 255, len: 255 },
                Inst::Deposit { ty: I32, dst: L0, base: Value::Temp(L0), field: Value::Const(1), pos: 0, len: 0 },
                Inst::ExitTb { status: 1 },
            ],
            ExitKind::Status(1),
        ),
        // A local read before it is written; an access wider than its type;
        // a huge alignment; goto_tb slot 7.
        (
            vec![
                Inst::Load {
                    ty: I32,
                    dst: Temp::Local(LocalId(1)),
                    addr: Value::Temp(L0),
                    mem: MemOp { align_log2: 63, ..MemOp::le(MemSize::B8, true) },
                },
                Inst::GotoTb { slot: 7, pc: 1 },
            ],
            ExitKind::GotoTb { slot: 7, pc: 1 },
        ),
        // Alignment beyond the address width: only address 0 is aligned.
        (
            vec![
                Inst::Store {
                    ty: I64,
                    src: Value::Const(1),
                    addr: Value::Const(0),
                    mem: MemOp { align_log2: 64, ..MemOp::le(MemSize::B1, false) },
                },
                Inst::Store {
                    ty: I64,
                    src: Value::Const(1),
                    addr: Value::Const(1 << 63),
                    mem: MemOp { align_log2: 255, ..MemOp::le(MemSize::B1, false) },
                },
                Inst::ExitTb { status: 0 },
            ],
            ExitKind::Misaligned { addr: 1 << 63, write: true },
        ),
        // State ops overlapping globals, unaligned, too wide for their type.
        (
            vec![
                Inst::StoreState { ty: I32, src: Value::Const(u64::MAX), offset: 3, size: MemSize::B8 },
                Inst::LoadState { ty: I32, dst: g(0), offset: 1, size: MemSize::B8, signed: true },
                Inst::LookupTb,
            ],
            ExitKind::LookupTb,
        ),
        // A helper call to a helper that does not exist at run time.
        (
            vec![Inst::Call { helper: 1, dst: None, args: vec![Value::Const(1)] }, Inst::ExitTb { status: 0 }],
            ExitKind::HelperFault { helper: 1, code: NoHelpers::FAULT },
        ),
    ];
    for (insts, want) in cases {
        let b = block(insts);
        assert_eq!(run_unverified(&b, STATE_SIZE), want, "{:?}", b.insts);
    }
}

#[test]
fn huge_state_offsets() {
    let mut g = Globals::new();
    let far = g.add("far", I64, u32::MAX - 7);
    let mut b = Block::new(Arc::new(g));
    b.insts = vec![
        Inst::Mov { ty: I64, dst: Temp::Global(far), src: Value::Const(1) },
        Inst::StoreState { ty: I64, src: Value::Const(1), offset: u32::MAX, size: MemSize::B8 },
        Inst::ExitTb { status: 0 },
    ];
    let tb = TciBlock::compile(&b).unwrap();
    assert_eq!(tb.state_size() as u64, u64::from(u32::MAX) + 8);
    assert_eq!(run_unverified(&b, 64), ExitKind::BadBlock);
}

#[test]
fn verified_ir_with_many_labels() {
    // Every label placement position, including the first instruction.
    let (mut b, g) = builder();
    let labels: Vec<_> = (0..10).map(|_| b.new_label()).collect();
    b.br(labels[0]);
    for (i, &l) in labels.iter().enumerate() {
        b.label(l);
        b.push(Inst::Binary { op: BinaryOp::Add, ty: I64, dst: g.r, a: g.r.into(), b: Value::Const(1 << i) });
        if let Some(&next) = labels.get(i + 2) {
            b.br(next);
        }
    }
    b.exit_tb(0);
    let b = b.finish();
    verify(&b).unwrap();
    let mut state = vec![0u8; STATE_SIZE];
    run(&b, &mut state);
    // 0 -> 2 -> 4 -> 6 -> 8, falls into 9.
    assert_eq!(get(&state, globals().1.r), 1 | 4 | 16 | 64 | 256 | 512);
}

//! Every value-computing op, in both types, on a table of edge values,
//! compared with `wemu_ir::semantics`: operands from globals and from
//! constants, results into globals (checked in the state) and passed to a
//! helper (checked as raw 64-bit values: i32 results must be zero-extended).

mod common;

use common::*;
use wemu_ir::runtime::ExitKind;
use wemu_ir::{
    BinaryOp, Block, Builder, Cond, ConvOp, Effect, HelperDecl, Inst, Temp, Type, UnaryOp, Value, semantics, verify,
};
use wemu_tci::{FlatMemory, Interp, TciBlock};

const TYPES: [Type; 2] = [Type::I32, Type::I64];
const SINK: u32 = 7;

fn declare_sink(b: &mut Builder, ty: Type) {
    b.declare_helper(HelperDecl { id: SINK, name: "sink".into(), args: vec![ty], ret: None, effect: Effect::Pure });
}

/// Compiles a block that may break a verifier rule only by using an op the
/// verifier reserves for i64 (its semantics is still defined).
fn compile_any(block: &Block) -> TciBlock {
    TciBlock::compile(block).expect("block compiles")
}

/// Runs `tb` on a state with `a`/`b` (and `a32`/`b32`) set to `x`/`y`;
/// returns the result global of `ty` and the value passed to the sink.
fn eval(interp: &mut Interp, tb: &TciBlock, ty: Type, x: u64, y: u64) -> (u64, Option<u64>) {
    let (_, g) = globals();
    let (ga, gb, gr) = g.abr(ty);
    let mut state = vec![0xa5u8; STATE_SIZE];
    set(&mut state, ga, x);
    set(&mut state, gb, y);
    let mut rec = Recorder::default();
    let exit = interp.run(tb, &mut state, &mut FlatMemory::new(0, 0), &mut rec);
    assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: 0x100 });
    (get(&state, gr), rec.calls.first().map(|c| c.args[0]))
}

/// Builds `r = f(operands)` three ways and checks each against `expect` on
/// every pair of edge values: operands from globals (result through a local
/// and a helper), into the global directly, and with constant operands.
fn check(
    name: &str,
    ty: Type,
    arity: usize,
    build: impl Fn(&mut Builder, Temp, Value, Value),
    expect: impl Fn(u64, u64) -> u64,
) {
    let mut interp = Interp::new();
    let pairs: Vec<(u64, u64)> = EDGES
        .iter()
        .flat_map(|&x| EDGES.iter().map(move |&y| (ty.canon(x), ty.canon(y))))
        .filter(|&(_, y)| arity == 2 || y == 0)
        .collect();

    // Operands from globals; the result through a local into the global and
    // into the sink.
    let (mut b, g) = builder();
    declare_sink(&mut b, ty);
    let (ga, gb, gr) = g.abr(ty);
    b.insn_start(0x100);
    let t = b.local(ty);
    build(&mut b, t, ga.into(), gb.into());
    b.mov(ty, gr, t.into());
    b.call(SINK, vec![t.into()]);
    b.goto_tb(0, 0x100);
    let tb = compile_any(&b.finish());
    for &(x, y) in &pairs {
        let want = expect(x, y);
        let (got, sunk) = eval(&mut interp, &tb, ty, x, y);
        assert_eq!(got, want & ty.mask(), "{name} {ty} {x:#x}, {y:#x}: global");
        assert_eq!(sunk, Some(want), "{name} {ty} {x:#x}, {y:#x}: raw value (must be canonical)");
    }

    // Straight into the global.
    let (mut b, g) = builder();
    let (ga, gb, gr) = g.abr(ty);
    build(&mut b, gr, ga.into(), gb.into());
    b.goto_tb(0, 0x100);
    let tb = compile_any(&b.finish());
    for &(x, y) in &pairs {
        assert_eq!(eval(&mut interp, &tb, ty, x, y).0, expect(x, y) & ty.mask(), "{name} {ty} {x:#x}, {y:#x}: dst");
    }

    // Constant operands: each position a constant in turn, then all.
    for &x in EDGES.iter().map(|x| ty.canon(*x)).collect::<Vec<_>>().iter() {
        for mask in 1..(1u32 << arity) {
            let (mut b, g) = builder();
            declare_sink(&mut b, ty);
            let (ga, gb, _) = g.abr(ty);
            let va = if mask & 1 != 0 { Value::Const(x) } else { ga.into() };
            let vb = if mask & 2 != 0 { Value::Const(x) } else { gb.into() };
            let t = b.local(ty);
            build(&mut b, t, va, vb);
            b.call(SINK, vec![t.into()]);
            b.goto_tb(0, 0x100);
            let tb = compile_any(&b.finish());
            for &y in EDGES.iter().step_by(3) {
                let y = ty.canon(y);
                let (ea, eb) = (if mask & 1 != 0 { x } else { y }, if mask & 2 != 0 { x } else { y });
                let (gx, gy) = (if mask & 1 != 0 { 0x5555 } else { y }, if mask & 2 != 0 { 0x5555 } else { y });
                let eb = if arity == 2 { eb } else { 0 };
                let got = eval(&mut interp, &tb, ty, gx, gy).1;
                assert_eq!(got, Some(expect(ea, eb)), "{name} {ty} const mask {mask} {ea:#x}, {eb:#x}");
            }
        }
    }
}

#[test]
fn unary_ops_match_semantics() {
    for &op in UnaryOp::ALL {
        for ty in TYPES {
            let build =
                move |b: &mut Builder, d: Temp, a: Value, _: Value| b.push(Inst::Unary { op, ty, dst: d, src: a });
            check(op.name(), ty, 1, build, |x, _| semantics::unary(op, ty, x));
        }
    }
}

#[test]
fn binary_ops_match_semantics() {
    for &op in BinaryOp::ALL {
        for ty in TYPES {
            let build =
                move |b: &mut Builder, d: Temp, x: Value, y: Value| b.push(Inst::Binary { op, ty, dst: d, a: x, b: y });
            check(op.name(), ty, 2, build, |x, y| semantics::binary(op, ty, x, y));
        }
    }
}

#[test]
fn setcond_matches_semantics() {
    for &cond in Cond::ALL {
        for ty in TYPES {
            let build = move |b: &mut Builder, d: Temp, x: Value, y: Value| {
                b.push(Inst::SetCond { ty, cond, dst: d, a: x, b: y })
            };
            check(cond.name(), ty, 2, build, |x, y| u64::from(semantics::cond(cond, ty, x, y)));
        }
    }
}

#[test]
fn movcond_matches_semantics() {
    for &cond in Cond::ALL {
        for ty in TYPES {
            let (t, f) = (ty.canon(0x1111_2222_8765_4321), ty.canon(0xfeed_face_cafe_beef));
            let build = move |b: &mut Builder, d: Temp, x: Value, y: Value| {
                let (vt, vf) = (Value::Const(t), Value::Const(f));
                b.push(Inst::MovCond { ty, cond, dst: d, a: x, b: y, if_true: vt, if_false: vf })
            };
            check(cond.name(), ty, 2, build, |x, y| if semantics::cond(cond, ty, x, y) { t } else { f });
            // The selected values from temps (the operands themselves).
            let build = move |b: &mut Builder, d: Temp, x: Value, y: Value| {
                b.push(Inst::MovCond { ty, cond, dst: d, a: x, b: y, if_true: y, if_false: x })
            };
            check(cond.name(), ty, 2, build, |x, y| if semantics::cond(cond, ty, x, y) { y } else { x });
        }
    }
}

#[test]
fn brcond_matches_semantics() {
    let mut interp = Interp::new();
    for &cond in Cond::ALL {
        for ty in TYPES {
            for consts in 0..3 {
                let (mut b, g) = builder();
                let (ga, gb, _) = g.abr(ty);
                let taken = b.new_label();
                let (x0, y0) = (ty.canon(0x8000_0000_8000_0000), ty.canon(7));
                let va = if consts == 1 { Value::Const(x0) } else { ga.into() };
                let vb = if consts == 2 { Value::Const(y0) } else { gb.into() };
                b.brcond(ty, cond, va, vb, taken);
                b.goto_tb(0, 0x100);
                b.label(taken);
                b.goto_tb(1, 0x200);
                let tb = compile(&b.finish());
                for &x in EDGES {
                    for &y in EDGES {
                        let (x, y) = (ty.canon(x), ty.canon(y));
                        let mut state = vec![0u8; STATE_SIZE];
                        set(&mut state, ga, x);
                        set(&mut state, gb, y);
                        let exit = interp.run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut Recorder::default());
                        let (ex, ey) = (if consts == 1 { x0 } else { x }, if consts == 2 { y0 } else { y });
                        let want = if semantics::cond(cond, ty, ex, ey) {
                            ExitKind::GotoTb { slot: 1, pc: 0x200 }
                        } else {
                            ExitKind::GotoTb { slot: 0, pc: 0x100 }
                        };
                        assert_eq!(exit.kind, want, "brcond {cond} {ty} {ex:#x}, {ey:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn conversions_match_semantics() {
    let mut interp = Interp::new();
    for &op in ConvOp::ALL {
        let (from, to) = op.types();
        let (_, g) = globals();
        let src = g.abr(from).0;
        let dst = g.abr(to).2;
        for constant in [false, true] {
            for &x in EDGES {
                let x = from.canon(x);
                let (mut b, _) = builder();
                declare_sink(&mut b, to);
                let v = if constant { Value::Const(x) } else { src.into() };
                let t = b.convert(op, v);
                b.mov(to, dst, t.into());
                b.call(SINK, vec![t.into()]);
                b.goto_tb(0, 0x100);
                let tb = compile(&b.finish());
                let mut state = vec![0xffu8; STATE_SIZE];
                set(&mut state, src, x);
                let mut rec = Recorder::default();
                interp.run(&tb, &mut state, &mut FlatMemory::new(0, 0), &mut rec);
                let want = semantics::convert(op, x);
                assert_eq!(get(&state, dst), want, "{op} {x:#x}");
                assert_eq!(rec.calls[0].args[0], want, "{op} {x:#x} raw");
            }
        }
    }
    assert_eq!(semantics::convert(ConvOp::SextI32, 0x8000_0000), 0xffff_ffff_8000_0000);
    assert_eq!(semantics::convert(ConvOp::HighI64, 0x1234_5678_9abc_def0), 0x1234_5678);
}

#[test]
fn mov_copies_and_canonicalizes() {
    for ty in TYPES {
        let build = move |b: &mut Builder, d: Temp, x: Value, _: Value| b.mov(ty, d, x);
        check("mov", ty, 1, build, |x, _| x);
    }
}

#[test]
fn extract_every_field() {
    let mut interp = Interp::new();
    for ty in TYPES {
        let (_, g) = globals();
        let (ga, _, gr) = g.abr(ty);
        for pos in 0..ty.bits() as u8 {
            for len in 1..=(ty.bits() as u8 - pos) {
                for signed in [false, true] {
                    let (mut b, _) = builder();
                    declare_sink(&mut b, ty);
                    let t = b.extract(ty, signed, ga.into(), pos, len);
                    b.mov(ty, gr, t.into());
                    b.call(SINK, vec![t.into()]);
                    b.goto_tb(0, 0x100);
                    let tb = compile(&b.finish());
                    for &x in EDGES.iter().step_by(2) {
                        let x = ty.canon(x);
                        let want = semantics::extract(ty, signed, x, pos.into(), len.into());
                        let (got, sunk) = eval(&mut interp, &tb, ty, x, 0);
                        assert_eq!((got, sunk), (want & ty.mask(), Some(want)), "extract {ty} {signed} {pos}+{len}");
                    }
                }
            }
        }
    }
    assert_eq!(semantics::extract(Type::I64, true, 0x80, 4, 4), -8i64 as u64);
}

#[test]
fn deposit_every_field() {
    let mut interp = Interp::new();
    for ty in TYPES {
        let (_, g) = globals();
        let (ga, gb, gr) = g.abr(ty);
        for pos in 0..ty.bits() as u8 {
            for len in 1..=(ty.bits() as u8 - pos) {
                let (mut b, _) = builder();
                declare_sink(&mut b, ty);
                let t = b.deposit(ty, ga.into(), gb.into(), pos, len);
                b.mov(ty, gr, t.into());
                b.call(SINK, vec![t.into()]);
                b.goto_tb(0, 0x100);
                let tb = compile(&b.finish());
                for (&x, &y) in EDGES.iter().zip(EDGES.iter().rev()).step_by(3) {
                    let (x, y) = (ty.canon(x), ty.canon(y));
                    let want = semantics::deposit(ty, x, y, pos.into(), len.into());
                    let (got, sunk) = eval(&mut interp, &tb, ty, x, y);
                    assert_eq!((got, sunk), (want & ty.mask(), Some(want)), "deposit {ty} {pos}+{len}");
                }
            }
        }
    }
    // With a constant field.
    let (mut b, g) = builder();
    let t = b.deposit(Type::I64, g.a.into(), Value::Const(0xab), 8, 8);
    b.mov(Type::I64, g.r, t.into());
    b.goto_tb(0, 0x100);
    let mut state = vec![0u8; STATE_SIZE];
    set(&mut state, g.a, u64::MAX);
    run(&b.finish(), &mut state);
    assert_eq!(get(&state, g.r), 0xffff_ffff_ffff_abff);
}

/// Spot checks of the corner cases the brief names, independent of
/// `semantics` (which the tests above compare against).
#[test]
fn named_corner_cases() {
    let cases: &[(BinaryOp, Type, u64, u64, u64)] = &[
        (BinaryOp::Shl, Type::I64, 1, 64, 1),
        (BinaryOp::Shl, Type::I64, 1, 65, 2),
        (BinaryOp::Shl, Type::I32, 1, 32, 1),
        (BinaryOp::Shr, Type::I32, 0x8000_0000, 63, 1),
        (BinaryOp::Sar, Type::I32, 0x8000_0000, 31, 0xffff_ffff),
        (BinaryOp::Sar, Type::I64, 1 << 63, 64, 1 << 63),
        (BinaryOp::Rotl, Type::I32, 0x8000_0001, 33, 3),
        (BinaryOp::Add, Type::I64, i64::MAX as u64, 1, 1 << 63),
        (BinaryOp::Add, Type::I32, 0xffff_ffff, 1, 0),
        (BinaryOp::Mul, Type::I32, 0x1_0000, 0x1_0000, 0),
        (BinaryOp::Divu, Type::I64, 5, 0, u64::MAX),
        (BinaryOp::Divs, Type::I32, 5, 0, 0xffff_ffff),
        (BinaryOp::Remu, Type::I32, 5, 0, 5),
        (BinaryOp::Rems, Type::I64, 5, 0, 5),
        (BinaryOp::Divs, Type::I64, 1 << 63, u64::MAX, 1 << 63),
        (BinaryOp::Rems, Type::I64, 1 << 63, u64::MAX, 0),
        (BinaryOp::Divs, Type::I32, 0x8000_0000, 0xffff_ffff, 0x8000_0000),
        (BinaryOp::Rems, Type::I32, 0x8000_0000, 0xffff_ffff, 0),
        (BinaryOp::Mulhu, Type::I64, u64::MAX, u64::MAX, u64::MAX - 1),
        (BinaryOp::Mulhs, Type::I32, 0x8000_0000, 0x8000_0000, 0x4000_0000),
    ];
    for &(op, ty, x, y, want) in cases {
        let (mut b, g) = builder();
        let (ga, gb, gr) = g.abr(ty);
        b.push(Inst::Binary { op, ty, dst: gr, a: ga.into(), b: gb.into() });
        b.goto_tb(0, 0);
        let mut state = vec![0u8; STATE_SIZE];
        set(&mut state, ga, x);
        set(&mut state, gb, y);
        run(&b.finish(), &mut state);
        assert_eq!(get(&state, gr), want, "{op} {ty} {x:#x} {y:#x}");
    }
    let unary: &[(UnaryOp, Type, u64, u64)] = &[
        (UnaryOp::Clz, Type::I64, 0, 64),
        (UnaryOp::Clz, Type::I32, 0, 32),
        (UnaryOp::Ctz, Type::I64, 0, 64),
        (UnaryOp::Ctz, Type::I32, 0, 32),
        (UnaryOp::Clz, Type::I32, 1, 31),
        (UnaryOp::Sext8, Type::I32, 0x80, 0xffff_ff80),
        (UnaryOp::Sext16, Type::I64, 0x8000, 0xffff_ffff_ffff_8000),
        (UnaryOp::Sext32, Type::I64, 0x8000_0000, 0xffff_ffff_8000_0000),
        (UnaryOp::Zext8, Type::I64, u64::MAX, 0xff),
        (UnaryOp::Bswap16, Type::I32, 0x1234_5678, 0x7856),
        (UnaryOp::Bswap32, Type::I64, 0x1122_3344_5566_7788, 0x8877_6655),
        (UnaryOp::Bswap64, Type::I64, 0x1122_3344_5566_7788, 0x8877_6655_4433_2211),
        (UnaryOp::Neg, Type::I32, 0x8000_0000, 0x8000_0000),
        (UnaryOp::Not, Type::I32, 0, 0xffff_ffff),
        (UnaryOp::Popcnt, Type::I32, u64::from(u32::MAX), 32),
    ];
    for &(op, ty, x, want) in unary {
        let (mut b, g) = builder();
        let (ga, _, gr) = g.abr(ty);
        b.push(Inst::Unary { op, ty, dst: gr, src: ga.into() });
        b.goto_tb(0, 0);
        let mut state = vec![0u8; STATE_SIZE];
        set(&mut state, ga, x);
        run(&b.finish(), &mut state);
        assert_eq!(get(&state, gr), want, "{op} {ty} {x:#x}");
    }
}

/// i32 results never leak upper bits into i64 globals next to them, and an
/// i32 global write touches exactly its 4 bytes.
#[test]
fn i32_globals_write_four_bytes() {
    let (mut b, g) = builder();
    let t = b.sub(Type::I32, Value::Const(0), Value::Const(1));
    b.mov(Type::I32, g.r32, t.into());
    b.goto_tb(0, 0);
    let block = b.finish();
    verify(&block).unwrap();
    let mut state = vec![0x5au8; STATE_SIZE];
    run(&block, &mut state);
    assert_eq!(&state[32..36], &[0xff; 4]);
    assert!(state[..32].iter().chain(&state[36..]).all(|&x| x == 0x5a));
}

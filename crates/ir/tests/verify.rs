//! The verifier rejects each rule break with the right message and
//! instruction. Cases are IR text (the parser checks syntax only, so it can
//! write invalid blocks).

use wemu_ir::{text, verify};

/// (what, IR text, expected instruction index or None, message fragment)
const REJECTED: &[(&str, &str, Option<usize>, &str)] = &[
    ("empty block", "", Some(0), "falls off the end"),
    ("no exit", "global x: i64 @ 0\n\n    x = add.i64 x, 1\n", Some(0), "falls off the end"),
    (
        "use before def",
        "local t0: i64\nglobal x: i64 @ 0\n\n    x = mov.i64 t0\n    exit_tb 0\n",
        Some(0),
        "t0 may be used before",
    ),
    (
        "def on one path only",
        "global x: i64 @ 0\nlocal t0: i64\n\n    brcond.i64 eq x, 0, L0\n    t0 = mov.i64 1\nL0:\n    x = mov.i64 t0\n    exit_tb 0\n",
        Some(3),
        "t0 may be used before",
    ),
    (
        "type mismatch",
        "global x: i64 @ 0\nlocal t0: i32\n\n    t0 = add.i64 x, 1\n    exit_tb 0\n",
        Some(0),
        "produces i64",
    ),
    (
        "operand type",
        "global w: i32 @ 0\nglobal x: i64 @ 8\n\n    x = add.i64 x, w\n    exit_tb 0\n",
        Some(0),
        "the op reads i64",
    ),
    ("bswap64 on i32", "global w: i32 @ 0\n\n    w = bswap64.i32 w\n    exit_tb 0\n", Some(0), "needs i64"),
    (
        "field past width",
        "global w: i32 @ 0\n\n    w = extract.i32 w, 30, 4\n    exit_tb 0\n",
        Some(0),
        "does not fit i32",
    ),
    ("zero-length field", "global x: i64 @ 0\n\n    x = deposit.i64 x, x, 3, 0\n    exit_tb 0\n", Some(0), "bit field"),
    (
        "64-bit load into i32",
        "global w: i32 @ 0\nglobal a: i64 @ 8\n\n    w = load.i32 u64.le@0 a\n    exit_tb 0\n",
        Some(0),
        "does not fit i32",
    ),
    (
        "big-endian atomic",
        "global x: i64 @ 0\n\n    x = atomic_add.i64 u64.be@0 x, 1\n    exit_tb 0\n",
        Some(0),
        "little-endian",
    ),
    (
        "state overlaps a global",
        "global x: i64 @ 8\nlocal t0: i64\n\n    t0 = ld_state.i64 u32 [12]\n    x = mov.i64 t0\n    exit_tb 0\n",
        Some(0),
        "overlaps global x",
    ),
    (
        "misaligned state access",
        "global x: i64 @ 0\n\n    x = ld_state.i64 u32 [66]\n    exit_tb 0\n",
        Some(0),
        "not aligned",
    ),
    ("misaligned global", "global x: i64 @ 4\n\n    x = mov.i64 1\n    exit_tb 0\n", Some(0), "not aligned"),
    ("goto_tb slot 2", "\n    goto_tb 2, 0x1000\n", Some(0), "slot 2"),
    ("label placed twice", "\nL0:\nL0:\n    exit_tb 0\n", Some(1), "placed twice"),
    ("label never placed", "\n    br L0\n", Some(0), "never placed"),
    ("inescapable loop", "\n    insn_start 0x0\nL0:\n    br L0\n", Some(0), "no block exit is reachable"),
    (
        "helper argument count",
        "global x: i64 @ 0\nhelper 1 h(i64, i64) -> i64 pure\n\n    x = call h(x)\n    exit_tb 0\n",
        Some(0),
        "takes 2 arguments",
    ),
    (
        "helper result",
        "global x: i64 @ 0\nhelper 1 h(i64) pure\n\n    x = call h(x)\n    exit_tb 0\n",
        Some(0),
        "returns nothing",
    ),
];

#[test]
fn rejects_each_rule_break() {
    for &(what, src, inst, fragment) in REJECTED {
        let block = text::parse(src).unwrap_or_else(|e| panic!("{what}: {e}"));
        let err = verify(&block).expect_err(what);
        assert_eq!(err.inst, inst, "{what}: {err}");
        assert!(err.message.contains(fragment), "{what}: message `{}` lacks `{fragment}`", err.message);
    }
}

#[test]
fn rejects_names_the_text_form_cannot_carry() {
    use std::sync::Arc;
    use wemu_ir::{Builder, Globals, Type, Value};
    for bad in ["t7", "L3", "has space", "", "9lives"] {
        let mut g = Globals::new();
        let id = g.add(bad, Type::I64, 0);
        let mut b = Builder::new(Arc::new(g));
        let t = b.global(id);
        b.mov(Type::I64, t, Value::Const(1));
        b.exit_tb(0);
        let err = verify(&b.finish()).expect_err(bad);
        assert!(err.message.contains("not usable"), "{bad}: {err}");
    }
}

#[test]
fn rejects_non_canonical_constants() {
    use std::sync::Arc;
    use wemu_ir::{Builder, Globals, Type, Value};
    let mut g = Globals::new();
    let id = g.add("w", Type::I32, 0);
    let mut b = Builder::new(Arc::new(g));
    let w = b.global(id);
    let t = b.add(Type::I32, w.into(), Value::Const(1 << 32));
    b.mov(Type::I32, w, t.into());
    b.exit_tb(0);
    let err = verify(&b.finish()).unwrap_err();
    assert_eq!(err.inst, Some(0));
    assert!(err.message.contains("does not fit i32"), "{err}");
}

#[test]
fn accepts_loops_that_can_exit_and_defs_on_all_paths() {
    let src = "global x: i64 @ 0\nlocal t0: i64\n\n    brcond.i64 eq x, 0, L0\n    t0 = mov.i64 1\n    br L1\nL0:\n    t0 = mov.i64 2\nL1:\n    x = sub.i64 x, t0\n    brcond.i64 ne x, 0, L1\n    exit_tb 0\n";
    let block = text::parse(src).unwrap();
    verify(&block).unwrap();
}

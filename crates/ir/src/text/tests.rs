use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::{ParseError, parse, print};
use crate::{
    Block, Builder, Endian, FenceKind, GlobalId, Globals, Inst, Label, LocalId, MemOp, MemSize, Temp, Type, Value,
    verify,
};

/// The example of the module docs (keep in sync).
const DOC_EXAMPLE: &str = "\
global x1: i64 @ 8
global x2: i64 @ 16
global pc: i64 @ 264
local t0: i64
local t1: i32
local t2: i64
helper 7 fadd_d(i64, i64, i64) -> i64 may_fault

    insn_start 0x80000000
    t0 = add.i64 x1, 16
    t1 = trunc_i64_i32 t0
    t2 = load.i64 s32.le.a4@1 t0
    brcond.i64 ltu t2, x2, L0
    store.i64 u64.le@1 x1, t2
    goto_tb 0, 0x80000004
L0:
    t2 = call fadd_d(x1, x2, 7)
    x1 = mov.i64 t2
    pc = mov.i64 0x80000010
    lookup_tb
";

/// Parses, checks that printing gives the same text back, and verifies.
fn round_trip(text: &str) -> Block {
    let b = parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(print(&b), text);
    verify(&b).unwrap_or_else(|e| panic!("{e}"));
    b
}

#[test]
fn doc_example() {
    let b = round_trip(DOC_EXAMPLE);
    assert_eq!(b.globals.len(), 3);
    assert_eq!(b.globals.get(GlobalId(2)).map(|g| g.offset), Some(264));
    assert_eq!(b.locals, [Type::I64, Type::I32, Type::I64]);
    assert_eq!(b.num_labels, 1);
    assert_eq!(b.helper(7).map(|h| h.name.as_str()), Some("fadd_d"));
    assert_eq!(
        b.insts[3],
        Inst::Load {
            ty: Type::I64,
            dst: Temp::Local(LocalId(2)),
            addr: Value::Temp(Temp::Local(LocalId(0))),
            mem: MemOp { size: MemSize::B4, signed: true, endian: Endian::Little, align_log2: 2, mmu_idx: 1 },
        }
    );
    assert_eq!(
        b.insts[5],
        Inst::Store {
            ty: Type::I64,
            src: Value::Temp(Temp::Local(LocalId(2))),
            addr: Value::Temp(Temp::Global(GlobalId(0))),
            mem: MemOp { size: MemSize::B8, signed: false, endian: Endian::Little, align_log2: 0, mmu_idx: 1 },
        }
    );
}

#[test]
fn empty_and_declaration_only_blocks() {
    assert_eq!(print(&Block::new(Arc::new(Globals::new()))), "");
    let b = parse("").unwrap();
    assert!(b.insts.is_empty() && b.locals.is_empty() && b.globals.is_empty());
    assert_eq!(print(&b), "");
    let text = "local t0: i32\n";
    assert_eq!(print(&parse(text).unwrap()), text);
    let text = "    lookup_tb\n";
    round_trip(text);
}

/// The printed form of constant `c` as an operand of type `ty`.
fn const_text(ty: Type, c: u64) -> String {
    let mut g = Globals::new();
    let x = Temp::Global(g.add("x", ty, 0));
    let mut b = Builder::new(Arc::new(g));
    b.mov(ty, x, Value::Const(c));
    let text = print(&b.finish());
    let prefix = alloc::format!("global x: {ty} @ 0\n\n    x = mov.{ty} ");
    let rest = text.strip_prefix(&prefix).unwrap_or_else(|| panic!("{text}"));
    rest.strip_suffix('\n').unwrap().to_string()
}

#[test]
fn constant_printing() {
    use Type::{I32, I64};
    let cases: &[(Type, u64, &str)] = &[
        (I64, 0, "0"),
        (I64, 1, "1"),
        (I64, 4096, "4096"),
        (I64, 4097, "0x1001"),
        (I64, 4096u64.wrapping_neg(), "-4096"),
        (I64, 4097u64.wrapping_neg(), "0xffffffffffffefff"),
        (I64, u64::MAX, "-1"),
        (I64, 0xffff_ffff, "0xffffffff"),
        (I64, 0x8000_0000_0000_0000, "0x8000000000000000"),
        (I64, 0x7fff_ffff_ffff_ffff, "0x7fffffffffffffff"),
        (I32, 0, "0"),
        (I32, 4096, "4096"),
        (I32, 4097, "0x1001"),
        (I32, 0xffff_ffff, "-1"),
        (I32, 0xffff_f000, "-4096"),
        (I32, 0xffff_efff, "0xffffefff"),
        (I32, 0x8000_0000, "0x80000000"),
        (I32, 0x7fff_ffff, "0x7fffffff"),
        // Not canonical: the verifier rejects it, the printer shows it raw.
        (I32, 0x1_0000_0005, "0x100000005"),
    ];
    for &(ty, c, want) in cases {
        assert_eq!(const_text(ty, c), want, "{ty} {c:#x}");
    }
}

/// The constant the parser reads from `text` as an operand of type `ty`.
fn parse_const(ty: Type, text: &str) -> Result<u64, ParseError> {
    let b = parse(&alloc::format!("global x: {ty} @ 0\n    x = mov.{ty} {text}\n"))?;
    match b.insts[..] {
        [Inst::Mov { src: Value::Const(c), .. }] => Ok(c),
        _ => panic!("{:?}", b.insts),
    }
}

#[test]
fn constant_parsing() {
    use Type::{I32, I64};
    let ok: &[(Type, &str, u64)] = &[
        (I32, "-1", 0xffff_ffff),
        (I32, "0xffffffff", 0xffff_ffff),
        (I32, "4294967295", 0xffff_ffff),
        (I32, "-2147483648", 0x8000_0000),
        (I32, "-0", 0),
        (I32, "-0x10", 0xffff_fff0),
        (I32, "0xABCdef", 0xab_cdef),
        (I32, "007", 7),
        (I64, "-1", u64::MAX),
        (I64, "18446744073709551615", u64::MAX),
        (I64, "-9223372036854775808", 0x8000_0000_0000_0000),
        (I64, "0xffffffffffffffff", u64::MAX),
        (I64, "0x00000000000000000001", 1),
    ];
    for &(ty, text, want) in ok {
        assert_eq!(parse_const(ty, text), Ok(want), "{ty} {text}");
    }
    let bad: &[(Type, &str)] = &[
        (I32, "0x100000000"),
        (I32, "4294967296"),
        (I32, "-2147483649"),
        (I64, "0x10000000000000000"),
        (I64, "18446744073709551616"),
        (I64, "-9223372036854775809"),
        (I64, "99999999999999999999999999"),
        (I64, "0x"),
        (I64, "-"),
        (I64, "--1"),
        (I64, "1x"),
        (I64, "0b101"),
        (I64, "1.5"),
        (I64, "+1"),
        (I64, "-x"),
    ];
    for &(ty, text) in bad {
        let e = parse_const(ty, text).expect_err(text);
        assert_eq!(e.line, 2, "{e}");
    }
}

#[test]
fn typed_constants_in_calls_and_addresses() {
    let b = parse(
        "helper 1 h(i32, i64) -> i32 pure\nlocal t0: i32\n\n    t0 = call h(-1, -1)\n    \
         t0 = load.i32 u8.le@0 -1\n    store.i32 u8.le@0 -2, -2\n    lookup_tb\n",
    )
    .unwrap();
    let m = MemOp::le(MemSize::B1, false);
    let t0 = Temp::Local(LocalId(0));
    assert_eq!(
        b.insts[..3],
        [
            Inst::Call { helper: 1, dst: Some(t0), args: vec![Value::Const(0xffff_ffff), Value::Const(u64::MAX)] },
            Inst::Load { ty: Type::I32, dst: t0, addr: Value::Const(u64::MAX), mem: m },
            Inst::Store { ty: Type::I32, src: Value::Const(0xffff_fffe), addr: Value::Const(!1), mem: m },
        ]
    );
    verify(&b).unwrap();
    // A 33-bit value fits the i64 argument, not the i32 one.
    let e = parse("helper 1 h(i32, i64) pure\n    call h(0, 0x100000000)\n    call h(0x100000000, 0)\n").unwrap_err();
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn lenient_layout() {
    let text = "; a comment\r\n  global   x : i64@8 ; trailing\r\n\r\nlocal t0:i64\n\n\
                \tL0 :\nt0=add.i64 x,-1\n  store.i64 u8.be.a1 @ 3 t0 , 0x7\n br L0\n";
    let b = parse(text).unwrap();
    let want = "global x: i64 @ 8\nlocal t0: i64\n\nL0:\n    t0 = add.i64 x, -1\n    \
                store.i64 u8.be@3 t0, 7\n    br L0\n";
    assert_eq!(print(&b), want);
}

#[test]
fn labels_and_fences() {
    let b = parse("L5:\n    brcond.i32 eq 0, 0, L2\n    fence ldld+stst\n    fence none\n    br L5\n").unwrap();
    assert_eq!(b.num_labels, 6);
    assert_eq!(b.insts[0], Inst::Label(Label(5)));
    assert_eq!(b.insts[2], Inst::Fence { kind: FenceKind::LD_LD.union(FenceKind::ST_ST) });
    assert_eq!(b.insts[3], Inst::Fence { kind: FenceKind::from_bits(0) });
    let b = parse("    fence ldld+ldst+stld+stst\n    lookup_tb\n").unwrap();
    assert_eq!(print(&b), "    fence all\n    lookup_tb\n");
    let b = parse("L1048575:\n    br L1048575\n").unwrap();
    assert_eq!(b.num_labels, 1 << 20);
}

/// Parses `text`, which must fail on `line` with a message containing `msg`.
#[track_caller]
fn parse_err(text: &str, line: usize, msg: &str) {
    match parse(text) {
        Ok(b) => panic!("parsed: {b:?}"),
        Err(e) => {
            assert_eq!((e.line, e.message.contains(msg)), (line, true), "{e}");
            assert!(!e.to_string().contains('\n'));
            assert!(e.to_string().starts_with(&alloc::format!("line {line}: ")));
        }
    }
}

#[test]
fn parse_errors() {
    let decls = "global x: i64 @ 8\nlocal t0: i64\nhelper 2 h(i64) -> i64 pure\n\n";
    let body = |s: &str| alloc::format!("{decls}{s}");
    // Unknown operations and instructions.
    parse_err(&body("    t0 = frob.i64 x\n"), 5, "unknown instruction 'frob.i64'");
    parse_err(&body("    t0 = atomic_nand.i64 u64.le@0 x, 1\n"), 5, "unknown instruction");
    parse_err(&body("    hello world\n"), 5, "unknown instruction 'hello'");
    parse_err(&body("    t0 = x\n"), 5, "unknown instruction 'x'");
    parse_err(&body("    t0 =\n"), 5, "expected an instruction");
    // Undeclared names.
    parse_err(&body("    t1 = mov.i64 x\n"), 5, "undeclared local 't1'");
    parse_err(&body("    t0 = mov.i64 y\n"), 5, "undeclared temp 'y'");
    parse_err(&body("    y = mov.i64 t0\n"), 5, "undeclared temp 'y'");
    parse_err(&body("    t0 = mov.i64 t01\n"), 5, "bad local name 't01'");
    parse_err(&body("    t0 = call g(1)\n"), 5, "undeclared helper 'g'");
    // Types.
    parse_err("local t0: i16\n", 1, "unknown type 'i16'");
    parse_err(&body("    t0 = add.i16 t0, 1\n"), 5, "unknown type 'i16' in 'add.i16'");
    parse_err(&body("    t0 = add t0, 1\n"), 5, "needs a type suffix");
    parse_err(&body("    t0 = sext_i32_i64.i64 1\n"), 5, "takes no type suffix");
    parse_err(&body("    t0 = mov.i64.i64 1\n"), 5, "unknown type");
    // Locals out of order.
    parse_err("local t0: i64\nlocal t0: i32\n", 2, "expected t1");
    parse_err("local t1: i64\n", 1, "expected t0");
    parse_err("local x: i64\n", 1, "bad local name 'x'");
    // Constants and numbers that do not fit.
    parse_err(&body("    t0 = mov.i64 0x10000000000000000\n"), 5, "does not fit i64");
    parse_err("global w: i32 @ 0\n    w = mov.i32 0x100000000\n", 2, "does not fit i32");
    parse_err("global w: i32 @ 0\n    w = mov.i32 -2147483649\n", 2, "does not fit i32");
    parse_err(&body("    t0 = extract.i64 t0, 300, 1\n"), 5, "bit position 300 is too large");
    parse_err(&body("    goto_tb 256, 0\n"), 5, "too large");
    parse_err(&body("    exit_tb 4294967296\n"), 5, "too large");
    parse_err(&body("    exit_tb -1\n"), 5, "expected an exit status");
    parse_err(&body("    insn_start 0x1_0\n"), 5, "expected a guest PC");
    parse_err("global x: i64 @ 4294967296\n", 1, "too large");
    // Garbage.
    parse_err("!!!\n", 1, "unexpected character '!'");
    parse_err(&body("    t0 = mov.i64 1 ?\n"), 5, "unexpected character '?'");
    parse_err("\n\n   \u{e9}t\u{e9}\n", 3, "unexpected character");
    parse_err("    lookup_tb\n\0\n", 2, "unexpected character '\\0'");
    parse_err(&body("    lookup_tb 5\n"), 5, "unexpected '5' at the end of the line");
    parse_err(&body("    t0 = add.i64 t0 1\n"), 5, "expected ','");
    parse_err(&body("    t0 = add.i64 t0,\n"), 5, "found end of line");
    parse_err("= = =\n", 1, "expected a destination temp");
    parse_err(":\n", 1, "expected an instruction");
    // Destinations.
    parse_err(&body("    store.i64 u8.le@0 t0\n"), 5, "expected ','");
    parse_err(&body("    t0 = store.i64 u8.le@0 t0, 1\n"), 5, "produces no value");
    parse_err(&body("    load.i64 u8.le@0 t0\n"), 5, "needs a destination");
    parse_err(&body("    t0 = br L0\n"), 5, "produces no value");
    // Memory accesses.
    parse_err(&body("    t0 = load.i64 u33.le@0 t0\n"), 5, "bad memory access 'u33.le'");
    parse_err(&body("    t0 = load.i64 u32.xe@0 t0\n"), 5, "bad memory access");
    parse_err(&body("    t0 = load.i64 u32.le.a3@0 t0\n"), 5, "alignment 3 is not a power of two");
    parse_err(&body("    t0 = load.i64 u32.le.a0@0 t0\n"), 5, "not a power of two");
    parse_err(&body("    t0 = load.i64 u32.le.a4.be@0 t0\n"), 5, "bad memory access");
    parse_err(&body("    t0 = load.i64 u32.le t0\n"), 5, "expected '@'");
    parse_err(&body("    t0 = load.i64 u32.le@256 t0\n"), 5, "MMU index 256 is too large");
    parse_err(&body("    t0 = ld_state.i64 q8 [0]\n"), 5, "bad state access size 'q8'");
    parse_err(&body("    st_state.i64 12 [0], 1\n"), 5, "bad state access size '12'");
    parse_err(&body("    t0 = ld_state.i64 u8 0\n"), 5, "expected '['");
    // Labels, conditions, fences.
    parse_err(&body("    br L1048576\n"), 5, "bad label 'L1048576'");
    parse_err(&body("    br L99999999999\n"), 5, "bad label");
    parse_err(&body("L01:\n"), 5, "bad label 'L01'");
    parse_err(&body("    br x\n"), 5, "expected a label");
    parse_err(&body("    brcond.i64 lt_ t0, 0, L0\n"), 5, "unknown condition 'lt_'");
    parse_err(&body("    fence ldld+\n"), 5, "bad fence kind");
    parse_err(&body("    fence\n"), 5, "expected a fence kind");
    // Declarations.
    parse_err(&body("    lookup_tb\nlocal t1: i64\n"), 6, "declaration after the first instruction");
    parse_err("L0:\nglobal x: i64 @ 0\n", 2, "declaration after the first instruction");
    parse_err("global x: i64 @ 8\nglobal x: i32 @ 16\n", 2, "global 'x' declared twice");
    parse_err("global t1: i64 @ 8\n", 1, "bad global name 't1'");
    parse_err("global L0: i64 @ 8\n", 1, "bad global name 'L0'");
    parse_err("global 1x: i64 @ 8\n", 1, "bad global name '1x'");
    parse_err("global a.b: i64 @ 8\n", 1, "bad global name 'a.b'");
    parse_err("global x i64 @ 8\n", 1, "expected ':'");
    parse_err("helper 1 h() pure\nhelper 1 g() pure\n", 2, "helper id 1 declared twice");
    parse_err("helper 1 h() pure\nhelper 2 h() pure\n", 2, "helper 'h' declared twice");
    parse_err("helper 1 h(i64,) pure\n", 1, "expected a type");
    parse_err("helper 1 h(i64) -> pure\n", 1, "unknown type 'pure'");
    parse_err("helper 1 h(i64) impure\n", 1, "unknown effect 'impure'");
    parse_err("helper 1 h(i64)\n", 1, "expected an effect");
    parse_err("helper x h() pure\n", 1, "expected a helper id");
}

#[test]
fn declaration_keywords_as_global_names() {
    // `global` and friends are ordinary names where a temp is expected.
    let text = "global global: i64 @ 0\nglobal local: i64 @ 8\n\n    global = mov.i64 local\n    lookup_tb\n";
    round_trip(text);
}

#[test]
fn printing_unverified_blocks() {
    let mut g = Globals::new();
    g.add("x", Type::I64, 0);
    let mut b = Block::new(Arc::new(g));
    b.insts = vec![
        Inst::Mov { ty: Type::I64, dst: Temp::Local(LocalId(9)), src: Value::Temp(Temp::Global(GlobalId(5))) },
        Inst::Call { helper: 3, dst: None, args: vec![Value::Const(1)] },
        Inst::Load {
            ty: Type::I32,
            dst: Temp::Global(GlobalId(0)),
            addr: Value::Const(0),
            mem: MemOp { size: MemSize::B8, signed: true, endian: Endian::Big, align_log2: 200, mmu_idx: 9 },
        },
        Inst::Br { target: Label(7) },
    ];
    let want = "global x: i64 @ 0\n\n    ?t9 = mov.i64 ?g5\n    call ?h3(1)\n    \
                x = load.i32 s64.be.a2^200@9 0\n    br L7\n";
    assert_eq!(print(&b), want);
    assert_eq!(b.to_string(), want);
    assert!(parse(want).is_err());
}

/// A small deterministic PRNG (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Whatever parses must print, reparse to the same text and verify (or
/// not) without panicking.
fn check_no_panic(text: &str) {
    if let Ok(b) = parse(text) {
        let printed = print(&b);
        let again = parse(&printed).unwrap_or_else(|e| panic!("{e}\n--- from\n{text}\n--- printed\n{printed}"));
        assert_eq!(print(&again), printed);
        let _ = verify(&b);
    }
}

#[test]
fn mutations_never_panic() {
    let text = alloc::format!(
        "{DOC_EXAMPLE}helper 2 h2(i32) writes_state\n    t1 = ld_state.i32 s16 [512]\n    \
         st_state.i64 8 [520], -1\n    fence ldst+stld\n    t2 = extract.i64 t2, 3, 7\n"
    );
    let chars: Vec<char> = text.chars().collect();
    let replacements =
        [' ', '0', '9', 'x', '-', ',', ':', '=', '.', '@', '\n', 't', 'L', '(', '[', '+', ';', '>', '\u{e9}', '\0'];
    for i in 0..chars.len() {
        let mut m = chars.clone();
        m.remove(i);
        check_no_panic(&m.iter().collect::<String>());
        for &r in &replacements {
            let mut m = chars.clone();
            m[i] = r;
            check_no_panic(&m.iter().collect::<String>());
        }
        check_no_panic(&chars[..i].iter().collect::<String>());
    }
}

#[test]
fn token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "t0",
        "t1",
        "x",
        "=",
        "add.i64",
        "mov.i32",
        "load.i64",
        "store.i32",
        "u32.le",
        "s8.be.a2",
        "@",
        ",",
        "-1",
        "0x",
        "0xffffffff",
        "99999999999999999999",
        "-9223372036854775808",
        "L0",
        "L1",
        "L1048576",
        ":",
        "\n",
        "\n",
        "\n",
        " ",
        " ",
        "global",
        "local",
        "helper",
        "(",
        ")",
        "->",
        "[",
        "]",
        "i32",
        "i64",
        "pure",
        "call",
        "h",
        "fence",
        "all",
        "ldld+",
        ";",
        "\r\n",
        "\u{e9}",
        "br",
        "brcond.i64",
        "eq",
        "goto_tb",
        "lookup_tb",
        "exit_tb",
        "ld_state.i64",
        "st_state.i32",
        "u8",
        "8",
        "extract.i32",
        "cmpxchg.i64",
        "atomic_swap.i64",
        "insn_start",
    ];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let prelude = "global x: i64 @ 0\nlocal t0: i64\nlocal t1: i32\nhelper 1 h(i64) -> i32 pure\n";
    for _ in 0..3000 {
        let mut s = String::from(if rng.below(2) == 0 { prelude } else { "" });
        for _ in 0..rng.below(40) {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
            if rng.below(3) == 0 {
                s.push(' ');
            }
        }
        check_no_panic(&s);
    }
}

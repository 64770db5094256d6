//! Golden test: decode + disassemble every instruction of `data/all.S` and
//! compare with GNU objdump's disassembly of the same bytes, committed as
//! `data/all.golden` (regenerate with `data/regen.sh`; binutils is not needed
//! to run this test).
//!
//! objdump's text (`-M no-aliases`) is normalised before comparing:
//!
//! - whitespace: `addi\ta0,a1,-16` becomes `addi a0, a1, -16`;
//! - `# ...` comments and `<symbol+offset>` annotations are dropped;
//! - branch and jump targets, which objdump prints as absolute addresses,
//!   become signed decimal offsets from the instruction, as we print them;
//! - compressed mnemonics (`c.addi a0,1`) are rewritten to the 32-bit
//!   instruction the RVC chapter defines them as (`addi a0,a0,1`), since the
//!   decoder expands them. This table is written from the spec independently
//!   of the decoder, so it checks the expansion too.
//!
//! The few encodings where we deliberately differ from objdump are listed in
//! [`DEVIATIONS`], with the reason; the test checks both sides of each.

use wemu_guest_riscv64::testing::MNEMONICS;
use wemu_guest_riscv64::{Insn, decode, decode_compressed, insn_length};

const GOLDEN: &str = include_str!("data/all.golden");

/// `(bits, objdump 2.40's text after normalisation, ours, why)`.
const DEVIATIONS: &[(u32, &str, &str, &str)] = &[
    (
        0x6101,
        "addi sp, sp, 0",
        ".2byte 0x6101",
        "c.addi16sp with nzimm = 0 is reserved (RVC chapter); objdump decodes it",
    ),
    (0x7b20_0073, "dret", ".4byte 0x7b200073", "dret belongs to debug mode (Sdext), which we do not implement"),
    (0x0020_0073, "uret", ".4byte 0x200073", "uret belonged to the N extension, withdrawn from the spec"),
    (
        0x8ff0_000f,
        ".4byte 0x8ff0000f",
        "fence iorw, iorw",
        "fm values other than 0000 and TSO are reserved and must execute as a normal fence (§2.7)",
    ),
    (0x0105_000f, ".4byte 0x105000f", "fence w, unknown", "fence's rd and rs1 are reserved and ignored (§2.7)"),
    (0x0010_100f, ".4byte 0x10100f", "fence.i", "fence.i's imm, rs1 and rd are reserved and ignored (Zifencei)"),
    (
        0x4205_f553,
        ".4byte 0x4205f553",
        "fcvt.d.s fa0, fa1, dyn",
        "the exact conversions still encode rm; binutils 2.40 only disassembles rm = rne",
    ),
    (0xd205_f553, ".4byte 0xd205f553", "fcvt.d.w fa0, a1, dyn", "as above"),
    (0xd215_9553, ".4byte 0xd2159553", "fcvt.d.wu fa0, a1, rtz", "as above"),
];

struct Line<'a> {
    addr: u64,
    bits: u32,
    compressed: bool,
    text: &'a str,
}

fn parse(line: &str) -> Line<'_> {
    let mut parts = line.splitn(3, '\t');
    let (Some(addr), Some(bits), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("malformed golden line: {line:?}");
    };
    let addr = u64::from_str_radix(addr, 16).unwrap_or_else(|e| panic!("bad address in {line:?}: {e}"));
    let compressed = match bits.len() {
        4 => true,
        8 => false,
        _ => panic!("unexpected instruction width in {line:?}"),
    };
    let bits = u32::from_str_radix(bits, 16).unwrap_or_else(|e| panic!("bad bits in {line:?}: {e}"));
    Line { addr, bits, compressed, text }
}

/// objdump text in our syntax (see the module comment).
fn normalize(addr: u64, text: &str) -> String {
    let text = text.split(" #").next().unwrap_or(text);
    let text = text.split(" <").next().unwrap_or(text).trim();
    let (mnemonic, operands) = text.split_once('\t').unwrap_or((text, ""));
    let mut ops: Vec<String> =
        operands.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();

    // Absolute targets to relative offsets.
    if matches!(mnemonic, "beq" | "bne" | "blt" | "bge" | "bltu" | "bgeu" | "jal" | "c.j" | "c.beqz" | "c.bnez") {
        let target = ops.last_mut().expect("branch without target");
        let abs = u64::from_str_radix(target.trim_start_matches("0x"), 16).expect("branch target not hex");
        *target = (abs.wrapping_sub(addr) as i64).to_string();
    }

    let (mnemonic, ops) = expand_compressed(mnemonic, ops);
    if ops.is_empty() { mnemonic } else { format!("{mnemonic} {}", ops.join(", ")) }
}

/// Rewrites a compressed instruction to its 32-bit expansion (RVC chapter,
/// RV64C), in objdump's operand syntax.
fn expand_compressed(mnemonic: &str, ops: Vec<String>) -> (String, Vec<String>) {
    let o = |i: usize| ops.get(i).cloned().unwrap_or_else(|| panic!("{mnemonic}: missing operand {i}"));
    let s = |x: &str| x.to_string();
    let (m, new_ops): (&str, Vec<String>) = match mnemonic {
        "c.addi4spn" => ("addi", vec![o(0), o(1), o(2)]),
        "c.fld" | "c.lw" | "c.ld" | "c.fsd" | "c.sw" | "c.sd" => (&mnemonic[2..], ops.clone()),
        "c.fldsp" | "c.lwsp" | "c.ldsp" | "c.fsdsp" | "c.swsp" | "c.sdsp" => {
            (&mnemonic[2..mnemonic.len() - 2], ops.clone())
        }
        "c.nop" => ("addi", vec![s("zero"), s("zero"), s("0")]),
        "c.addi" | "c.addiw" | "c.andi" | "c.srli" | "c.srai" | "c.slli" => (&mnemonic[2..], vec![o(0), o(0), o(1)]),
        "c.slli64" | "c.srli64" | "c.srai64" => (&mnemonic[2..6], vec![o(0), o(0), s("0x0")]),
        "c.li" => ("addi", vec![o(0), s("zero"), o(1)]),
        "c.addi16sp" => ("addi", vec![o(0), o(0), o(1)]),
        "c.lui" => ("lui", vec![o(0), o(1)]),
        "c.sub" | "c.xor" | "c.or" | "c.and" | "c.subw" | "c.addw" | "c.add" => {
            (&mnemonic[2..], vec![o(0), o(0), o(1)])
        }
        "c.mv" => ("add", vec![o(0), s("zero"), o(1)]),
        "c.j" => ("jal", vec![s("zero"), o(0)]),
        "c.beqz" => ("beq", vec![o(0), s("zero"), o(1)]),
        "c.bnez" => ("bne", vec![o(0), s("zero"), o(1)]),
        "c.jr" => ("jalr", vec![s("zero"), format!("0({})", o(0))]),
        "c.jalr" => ("jalr", vec![s("ra"), format!("0({})", o(0))]),
        "c.ebreak" => ("ebreak", vec![]),
        m if m.starts_with("c.") && m != "c.unimp" => panic!("no expansion for {m}"),
        m => (m, ops.clone()),
    };
    (m.to_string(), new_ops)
}

fn decode_line(line: &Line<'_>) -> Insn {
    if line.compressed {
        let half = u16::try_from(line.bits).expect("16-bit parcel");
        assert_eq!(insn_length(half), 2, "{:#x}: a 16-bit parcel with 32-bit length", line.addr);
        decode_compressed(half)
    } else {
        assert_eq!(insn_length(line.bits as u16), 4, "{:#x}: a 32-bit instruction with 16-bit length", line.addr);
        decode(line.bits)
    }
}

#[test]
fn disassembly_matches_objdump() {
    let (count, seen_deviations) = compare(GOLDEN);
    assert!(count > 600, "golden file looks truncated ({count} lines)");
    for d in DEVIATIONS {
        assert!(seen_deviations.contains(&d.0), "deviation {:#x} is not in the golden file", d.0);
    }
}

/// The same comparison on a larger file made locally with regen.sh's
/// commands, e.g. from every 16-bit parcel: `WEMU_RISCV_GOLDEN=/tmp/big.golden
/// cargo test -p wemu-guest-riscv64 --test golden -- --ignored`.
#[test]
#[ignore = "needs a golden file named by WEMU_RISCV_GOLDEN"]
fn disassembly_matches_objdump_external() {
    let path = std::env::var("WEMU_RISCV_GOLDEN").expect("set WEMU_RISCV_GOLDEN to a golden file");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (count, _) = compare(&text);
    eprintln!("{count} instructions match");
}

/// Compares every line of a golden file; returns the number of lines and
/// the deviations met.
fn compare(golden: &str) -> (usize, Vec<u32>) {
    let mut failures = Vec::new();
    let mut seen_deviations = Vec::new();
    let mut count = 0;
    for raw in golden.lines().filter(|l| !l.trim().is_empty()) {
        let line = parse(raw);
        count += 1;
        let ours = decode_line(&line).to_string();
        let theirs = normalize(line.addr, line.text);
        if let Some(&(_, objdump, expected, _)) = DEVIATIONS.iter().find(|d| d.0 == line.bits) {
            seen_deviations.push(line.bits);
            assert_eq!(theirs, objdump, "{:#x}: objdump's text for a listed deviation changed", line.addr);
            if ours != expected {
                failures.push(format!(
                    "{:08x} {:08x}: ours {ours:?}, expected deviation {expected:?}",
                    line.addr, line.bits
                ));
            }
            continue;
        }
        if ours != theirs {
            failures.push(format!("{:08x} {:08x}: ours {ours:?}, objdump {theirs:?}", line.addr, line.bits));
        }
    }
    let shown: Vec<_> = failures.iter().take(200).cloned().collect();
    assert!(failures.is_empty(), "{} of {count} instructions differ:\n{}", failures.len(), shown.join("\n"));
    (count, seen_deviations)
}

/// Every `Insn` variant appears in the golden file, so the table really
/// covers the whole instruction set.
#[test]
fn golden_file_covers_every_instruction() {
    let seen: std::collections::BTreeSet<_> =
        GOLDEN.lines().filter(|l| !l.trim().is_empty()).map(|raw| decode_line(&parse(raw)).mnemonic()).collect();
    let missing: Vec<_> = MNEMONICS.iter().filter(|m| !seen.contains(*m)).collect();
    assert!(missing.is_empty(), "instructions missing from all.S: {missing:?}");
}

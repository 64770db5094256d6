//! Differential testing against QEMU (`qemu-system-riscv64 -M spike`):
//! random instruction sequences, generated from a seed, run on both
//! emulators; each ends by printing its registers and its scratch memory
//! through HTIF, and the two printouts must be identical.
//!
//! An integer sequence draws from RV64IM, Zba/Zbb/Zbc/Zbs, A (AMOs), loads
//! and stores of every width into a scratch buffer (some misaligned), `lui`/`auipc`, and
//! forward branches and jumps; the assembler compresses what it can (RVC).
//! An FP sequence mixes in F and D: arithmetic under every rounding mode,
//! fused multiply-add, min/max, sign injection, compares, classification,
//! conversions, moves, FP loads and stores, `frm`/`fflags` accesses; the
//! dump includes f0..f31 and fcsr (so the accrued flags are compared).
//! Registers start from seeded values, biased towards edge cases (0, ±1,
//! extremes, word boundaries; signed zeros, infinities, quiet and
//! signaling NaNs, subnormals, unboxed singles).
//!
//! Knobs (environment): `WEMU_DIFF_COUNT` sequences of each kind (default 20),
//! `WEMU_DIFF_LEN` instructions each (default 300), `WEMU_DIFF_SEED` the
//! first seed (default fixed; sequence i uses seed + i). A mismatch fails
//! with the seed, the differing lines and the sequence. Skipped with a
//! message when the cross tools or QEMU are missing.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The scratch buffer's size in bytes (loads and stores stay inside).
const SCRATCH: u64 = 256;
/// The register holding the scratch buffer's address (s11), never written.
const BASE: u32 = 27;

/// splitmix64: small, seedable, good enough for test generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A register value: often an edge case.
    fn value(&mut self) -> u64 {
        const EDGES: &[u64] = &[
            0,
            1,
            2,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) - 1,
            0x8000_0000,
            0x7fff_ffff,
            0xffff_ffff,
            0xffff_ffff_8000_0000,
            0x1_0000_0000,
            0xff,
            0x80,
            0xffff,
            0x8000,
        ];
        match self.below(4) {
            0 => *self.pick(EDGES),
            1 => self.below(64),
            _ => self.next(),
        }
    }

    /// A 12-bit signed immediate.
    fn imm12(&mut self) -> i64 {
        match self.below(3) {
            0 => *self.pick(&[0i64, 1, -1, 2047, -2048]),
            _ => self.below(4096) as i64 - 2048,
        }
    }
}

fn reg(n: u32) -> String {
    format!("x{n}")
}

/// A destination register: anything but the scratch base.
fn rd(r: &mut Rng) -> String {
    loop {
        let n = r.below(32) as u32;
        if n != BASE {
            return reg(n);
        }
    }
}

fn rs(r: &mut Rng) -> String {
    reg(r.below(32) as u32)
}

/// An offset into the scratch buffer for an access of `size` bytes:
/// usually aligned, 1 in 8 misaligned (both emulators perform misaligned
/// loads and stores to RAM).
fn offset(r: &mut Rng, size: u64) -> u64 {
    match r.below(8) {
        0 => r.below(SCRATCH - size + 1),
        _ => r.below(SCRATCH / size) * size,
    }
}

const R_OPS: &[&str] = &[
    "add",
    "sub",
    "sll",
    "srl",
    "sra",
    "slt",
    "sltu",
    "xor",
    "or",
    "and",
    "addw",
    "subw",
    "sllw",
    "srlw",
    "sraw",
    "mul",
    "mulh",
    "mulhsu",
    "mulhu",
    "div",
    "divu",
    "rem",
    "remu",
    "mulw",
    "divw",
    "divuw",
    "remw",
    "remuw",
    "add.uw",
    "sh1add",
    "sh2add",
    "sh3add",
    "sh1add.uw",
    "sh2add.uw",
    "sh3add.uw",
    "andn",
    "orn",
    "xnor",
    "max",
    "maxu",
    "min",
    "minu",
    "rol",
    "ror",
    "rolw",
    "rorw",
    "clmul",
    "clmulh",
    "clmulr",
    "bclr",
    "bext",
    "binv",
    "bset",
];
const I_OPS: &[&str] = &["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"];
const SHIFT64_OPS: &[&str] = &["slli", "srli", "srai", "slli.uw", "rori", "bclri", "bexti", "binvi", "bseti"];
const SHIFT32_OPS: &[&str] = &["slliw", "srliw", "sraiw", "roriw"];
/// Not `ctzw`: QEMU 7.2 (Debian bookworm's) counts the zeros of the whole
/// register when the low word is zero (`ctzw` of `0xbfef836c00000000` gives
/// 34, not 32). `tests/riscv64/isa/zbb.s` covers it.
const UNARY_OPS: &[&str] = &["clz", "clzw", "ctz", "cpop", "cpopw", "sext.b", "sext.h", "zext.h", "orc.b", "rev8"];
const LOADS: &[(&str, u64)] = &[("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)];
const STORES: &[(&str, u64)] = &[("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)];
const AMOS: &[&str] = &["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"];
const BRANCHES: &[&str] = &["beq", "bne", "blt", "bge", "bltu", "bgeu"];

const FP_ARITH: &[&str] = &["fadd", "fsub", "fmul", "fdiv"];
const FP_EXACT: &[&str] = &["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"];
const FP_FMA: &[&str] = &["fmadd", "fmsub", "fnmadd", "fnmsub"];
const FP_CMP: &[&str] = &["feq", "flt", "fle"];
const FP_INT: &[&str] = &["w", "wu", "l", "lu"];
/// Static rounding modes, and `dyn` (frm, which the prologue sets to a
/// valid mode and the sequence only changes to valid ones).
const RMS: &[&str] = &["rne", "rtz", "rdn", "rup", "rmm", "dyn"];

/// An FP register for format `fmt`: doubles live in f0..f15, singles in
/// f16..f31, so most operands are proper values rather than the canonical
/// NaN an unboxed single reads as; 1 in 16 picks are any register.
fn fr_of(r: &mut Rng, fmt: &str) -> String {
    let n = match (r.below(16), fmt) {
        (0, _) => r.below(32),
        (_, "d") => r.below(16),
        _ => 16 + r.below(16),
    };
    format!("f{n}")
}

/// One F/D instruction.
fn fp_insn(r: &mut Rng) -> String {
    let fmt = if r.below(2) == 0 { "s" } else { "d" };
    let rm = *r.pick(RMS);
    match r.below(15) {
        0..=2 => format!("{}.{fmt} {}, {}, {}, {rm}", r.pick(FP_ARITH), fr_of(r, fmt), fr_of(r, fmt), fr_of(r, fmt)),
        3 => format!("fsqrt.{fmt} {}, {}, {rm}", fr_of(r, fmt), fr_of(r, fmt)),
        4 => format!("{}.{fmt} {}, {}, {}", r.pick(FP_EXACT), fr_of(r, fmt), fr_of(r, fmt), fr_of(r, fmt)),
        5..=6 => format!(
            "{}.{fmt} {}, {}, {}, {}, {rm}",
            r.pick(FP_FMA),
            fr_of(r, fmt),
            fr_of(r, fmt),
            fr_of(r, fmt),
            fr_of(r, fmt)
        ),
        7 => format!("{}.{fmt} {}, {}, {}", r.pick(FP_CMP), rd(r), fr_of(r, fmt), fr_of(r, fmt)),
        8 => format!("fclass.{fmt} {}, {}", rd(r), fr_of(r, fmt)),
        9 => format!("fcvt.{}.{fmt} {}, {}, {rm}", r.pick(FP_INT), rd(r), fr_of(r, fmt)),
        10 => match *r.pick(FP_INT) {
            // Exact: no rounding mode.
            int @ ("w" | "wu") if fmt == "d" => format!("fcvt.d.{int} {}, {}", fr_of(r, fmt), rs(r)),
            int => format!("fcvt.{fmt}.{int} {}, {}, {rm}", fr_of(r, fmt), rs(r)),
        },
        11 => match r.below(3) {
            0 => format!("fcvt.s.d {}, {}, {rm}", fr_of(r, "s"), fr_of(r, "d")),
            1 => format!("fcvt.d.s {}, {}", fr_of(r, "d"), fr_of(r, "s")),
            _ => format!("csrrwi {}, frm, {}", rd(r), r.below(5)),
        },
        12 => match r.below(5) {
            0 => format!("fmv.x.w {}, {}", rd(r), fr_of(r, "s")),
            1 => format!("fmv.x.d {}, {}", rd(r), fr_of(r, "d")),
            2 => format!("fmv.w.x {}, {}", fr_of(r, "s"), rs(r)),
            3 => format!("fmv.d.x {}, {}", fr_of(r, "d"), rs(r)),
            _ => format!("csrrci {}, fflags, {}", rd(r), r.below(32)),
        },
        13 => {
            let (op, size, f) = *r.pick(&[("flw", 4u64, "s"), ("fsw", 4, "s"), ("fld", 8, "d"), ("fsd", 8, "d")]);
            let off = r.below(SCRATCH / size) * size;
            format!("{op} {}, {off}({})", fr_of(r, f), reg(BASE))
        }
        // A fresh value, against NaNs taking over.
        _ => {
            let (v, f) = fp_value(r);
            let t = rd(r);
            format!("li {t}, {v:#x}\n        fmv.d.x {}, {t}", fr_of(r, f))
        }
    }
}

/// An FP value and its format: a double or a NaN-boxed single, often
/// special (zeros, infinities, quiet and signaling NaNs, subnormals,
/// extremes, integer limits), sometimes random; 1 in 16 a single that is
/// not properly boxed.
fn fp_value(r: &mut Rng) -> (u64, &'static str) {
    const DOUBLES: &[u64] = &[
        0,
        1 << 63,
        0x3ff0_0000_0000_0000,
        0xbff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x7ff0_0000_0000_0001,
        0x0000_0000_0000_0001,
        0x000f_ffff_ffff_ffff,
        0x7fef_ffff_ffff_ffff,
        0x4330_0000_0000_0000,
        0x43e0_0000_0000_0000,
        0xc3e0_0000_0000_0000,
        0x41e0_0000_0000_0000,
        0x3fe0_0000_0000_0000,
        0x4008_0000_0000_0000,
        0x3fb9_9999_9999_999a,
    ];
    const SINGLES: &[u32] = &[
        0,
        0x8000_0000,
        0x3f80_0000,
        0xbf80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7f80_0001,
        0x0000_0001,
        0x007f_ffff,
        0x7f7f_ffff,
        0x4f00_0000,
        0xcf00_0000,
        0x5f00_0000,
        0x3f00_0000,
        0x4b00_0000,
        0x4040_0000,
        0x3dcc_cccd,
    ];
    // Random finite values: a random sign and mantissa, an exponent near 0.
    let double = |r: &mut Rng| (r.next() & 0x800f_ffff_ffff_ffff) | ((0x3f0 + r.below(32)) << 52);
    let single = |r: &mut Rng| (r.next() & 0x807f_ffff) | ((0x70 + r.below(32)) << 23);
    match r.below(16) {
        0..=3 => (*r.pick(DOUBLES), "d"),
        4..=7 => (double(r), "d"),
        8..=10 => (0xffff_ffff_0000_0000 | u64::from(*r.pick(SINGLES)), "s"),
        11..=14 => (0xffff_ffff_0000_0000 | single(r), "s"),
        _ => (r.next() & 0xffff_ffff, "s"),
    }
}

/// The body of sequence `seed`: `len` instructions, as assembly lines;
/// with `fp`, half of them F and D instructions.
fn sequence(seed: u64, len: usize, fp: bool) -> Vec<String> {
    let mut r = Rng(seed);
    let mut lines: Vec<Vec<String>> = (0..len).map(|_| Vec::new()).collect();
    // Labels land before instruction j (or at the end).
    let mut labels_at: Vec<Vec<String>> = (0..=len).map(|_| Vec::new()).collect();
    for (i, out) in lines.iter_mut().enumerate() {
        if fp && r.below(2) == 0 {
            out.push(fp_insn(&mut r));
            continue;
        }
        let insn = match r.below(20) {
            0..=6 => format!("{} {}, {}, {}", r.pick(R_OPS), rd(&mut r), rs(&mut r), rs(&mut r)),
            7..=8 => format!("{} {}, {}, {}", r.pick(I_OPS), rd(&mut r), rs(&mut r), r.imm12()),
            9 => format!("{} {}, {}, {}", r.pick(SHIFT64_OPS), rd(&mut r), rs(&mut r), r.below(64)),
            10 => format!("{} {}, {}, {}", r.pick(SHIFT32_OPS), rd(&mut r), rs(&mut r), r.below(32)),
            11 => format!("{} {}, {}", r.pick(UNARY_OPS), rd(&mut r), rs(&mut r)),
            12 => match r.below(2) {
                0 => format!("lui {}, {:#x}", rd(&mut r), r.below(1 << 20)),
                _ => format!("auipc {}, {:#x}", rd(&mut r), r.below(1 << 20)),
            },
            13..=14 => {
                let &(op, size) = r.pick(LOADS);
                format!("{op} {}, {}({})", rd(&mut r), offset(&mut r, size), reg(BASE))
            }
            15..=16 => {
                let &(op, size) = r.pick(STORES);
                format!("{op} {}, {}({})", rs(&mut r), offset(&mut r, size), reg(BASE))
            }
            17 => {
                // An AMO at an aligned address: x26 is set right before.
                let (suffix, size) = if r.below(2) == 0 { ("w", 4) } else { ("d", 8) };
                let off = r.below(SCRATCH / size) * size;
                let op = r.pick(AMOS);
                out.push(format!("addi x26, {}, {off}", reg(BASE)));
                format!("{op}.{suffix} {}, {}, (x26)", rd(&mut r), rs(&mut r))
            }
            _ => {
                // A forward branch or jump over 0..8 instructions.
                let target = (i + 1 + r.below(9) as usize).min(len);
                let label = format!(".Lt{i}");
                labels_at[target].push(format!("{label}:"));
                match r.below(5) {
                    0 => format!("jal {}, {label}", rd(&mut r)),
                    _ => format!("{} {}, {}, {label}", r.pick(BRANCHES), rs(&mut r), rs(&mut r)),
                }
            }
        };
        out.push(insn);
    }
    let mut body = Vec::new();
    for (i, insns) in lines.into_iter().enumerate() {
        body.append(&mut labels_at[i]);
        body.extend(insns);
    }
    body.append(&mut labels_at[len]);
    body
}

/// The whole program around a sequence: registers and scratch memory from
/// the seed, the sequence, then the dump.
fn program(seed: u64, body: &[String]) -> String {
    let mut r = Rng(seed ^ 0x5eed_5eed_5eed_5eed);
    let mut s = String::new();
    writeln!(s, "# differential test sequence, seed {seed:#x}").unwrap();
    s.push_str("        .include \"common.inc\"\n        .include \"dump.inc\"\ntest_main:\n");
    for n in 0..32 {
        // Doubles in f0..f15, singles in f16..f31 (see `fr_of`).
        let v = loop {
            let (v, f) = fp_value(&mut r);
            if (f == "d") == (n < 16) {
                break v;
            }
        };
        writeln!(s, "        li t0, {v:#x}\n        fmv.d.x f{n}, t0").unwrap();
    }
    writeln!(s, "        li t0, {}\n        csrw fcsr, t0", r.below(5) << 5).unwrap();
    for n in 1..32 {
        if n == BASE {
            writeln!(s, "        la x{BASE}, scratch").unwrap();
        } else {
            writeln!(s, "        li x{n}, {:#x}", r.value()).unwrap();
        }
    }
    s.push_str("# --- sequence\n");
    for l in body {
        if l.ends_with(':') {
            writeln!(s, "{l}").unwrap();
        } else {
            writeln!(s, "        {l}").unwrap();
        }
    }
    s.push_str("# --- dump\n        j dump_state\n");
    // The scratch buffer straddles a page boundary, so misaligned accesses
    // in its middle cross pages.
    writeln!(s, "        .data\n        .balign 4096\n        .space 4096 - {}\nscratch:", SCRATCH / 2).unwrap();
    for _ in 0..SCRATCH / 8 {
        writeln!(s, "        .dword {:#x}", r.value()).unwrap();
    }
    s
}

/// Runs QEMU on `elf`: its console output, or why it failed.
fn run_qemu(elf: &Path) -> Result<String, String> {
    let mut child = Command::new("qemu-system-riscv64")
        .args(["-M", "spike", "-bios", "none", "-nographic", "-monitor", "none", "-kernel"])
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-riscv64: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(30) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("QEMU did not finish in 30 s".into());
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("QEMU exited with {}: {stdout}{}", out.status, String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout)
}

fn qemu_available() -> bool {
    let ok = Command::new("qemu-system-riscv64").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: qemu-system-riscv64 not found: install Debian's qemu-system-misc (.ci/run does)");
    }
    ok
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v}: not a number"))
        }
        Err(_) => default,
    }
}

/// The lines of `a` and `b` that differ, side by side.
fn diff(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i).copied().unwrap_or("<none>"), lb.get(i).copied().unwrap_or("<none>"));
        if x != y {
            writeln!(out, "  wemu: {x}\n  qemu: {y}").unwrap();
        }
    }
    out
}

/// Runs `count` sequences from seed `first` on both emulators.
fn compare(what: &str, first: u64, count: u64, len: usize, fp: bool) {
    let Some(tools) = common::tools() else { return };
    if !qemu_available() {
        return;
    }
    let dir = common::out_dir("qemu-diff");
    for seed in first..first + count {
        let body = sequence(seed, len, fp);
        let src = dir.join(format!("{what}-{seed:x}.s"));
        std::fs::write(&src, program(seed, &body)).expect("write the sequence");
        let elf = common::build(&tools, &src, &dir).unwrap_or_else(|e| panic!("seed {seed:#x}: {e}"));
        let image = std::fs::read(&elf).expect("read the image");
        let (result, wemu) = common::run(&image, 1_000_000);
        let qemu = run_qemu(&elf).unwrap_or_else(|e| panic!("seed {seed:#x}: {e}"));
        let wemu_ok = matches!(result, Ok(exit) if exit.code == 0);
        if !wemu_ok || wemu != qemu {
            panic!(
                "{what} seed {seed:#x} (WEMU_DIFF_SEED={seed:#x} WEMU_DIFF_COUNT=1 reproduces it; source {}):\n\
                 wemu: {result:?}\n{}\nthe sequence:\n{}",
                src.display(),
                diff(&wemu, &qemu),
                body.join("\n")
            );
        }
    }
    eprintln!("{what}: {count} sequences of {len} instructions agree with QEMU (seeds {first:#x}..)");
}

#[test]
fn random_integer_sequences_match_qemu() {
    let count = env_u64("WEMU_DIFF_COUNT", 20);
    let len = env_u64("WEMU_DIFF_LEN", 300) as usize;
    compare("int", env_u64("WEMU_DIFF_SEED", 0x00c0_ffee), count, len, false);
}

#[test]
fn random_fp_sequences_match_qemu() {
    let count = env_u64("WEMU_DIFF_COUNT", 20);
    let len = env_u64("WEMU_DIFF_LEN", 300) as usize;
    compare("fp", env_u64("WEMU_DIFF_SEED", 0x0f10_a700), count, len, true);
}

#[test]
fn sequences_are_reproducible() {
    assert_eq!(sequence(7, 50, true), sequence(7, 50, true));
    assert_ne!(sequence(7, 50, true), sequence(8, 50, true));
    assert_ne!(sequence(7, 50, false), sequence(7, 50, true));
    assert_eq!(program(7, &sequence(7, 10, false)), program(7, &sequence(7, 10, false)));
}

//! Differential testing against QEMU (`qemu-system-riscv64 -M spike`):
//! random instruction sequences, generated from a seed, run on both
//! emulators; each ends by printing its registers and its scratch memory
//! through HTIF, and the two printouts must be identical.
//!
//! A sequence draws from RV64IM, Zba/Zbb/Zbc/Zbs, A (AMOs), loads and
//! stores of every width into a scratch buffer, `lui`/`auipc`, and forward
//! branches and jumps; the assembler compresses what it can (RVC). Registers
//! start from seeded values, biased towards edge cases (0, ±1, the extreme
//! values, word boundaries).
//!
//! Knobs (environment): `WEMU_DIFF_COUNT` sequences (default 20),
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

/// The body of sequence `seed`: `len` instructions, as assembly lines.
fn sequence(seed: u64, len: usize) -> Vec<String> {
    let mut r = Rng(seed);
    let mut lines: Vec<Vec<String>> = (0..len).map(|_| Vec::new()).collect();
    // Labels land before instruction j (or at the end).
    let mut labels_at: Vec<Vec<String>> = (0..=len).map(|_| Vec::new()).collect();
    for (i, out) in lines.iter_mut().enumerate() {
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
                let off = r.below(SCRATCH / size) * size;
                format!("{op} {}, {off}({})", rd(&mut r), reg(BASE))
            }
            15..=16 => {
                let &(op, size) = r.pick(STORES);
                let off = r.below(SCRATCH / size) * size;
                format!("{op} {}, {off}({})", rs(&mut r), reg(BASE))
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
    s.push_str("        .data\n        .align 3\nscratch:\n");
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

#[test]
fn random_sequences_match_qemu() {
    let Some(tools) = common::tools() else { return };
    if !qemu_available() {
        return;
    }
    let count = env_u64("WEMU_DIFF_COUNT", 20);
    let len = env_u64("WEMU_DIFF_LEN", 300) as usize;
    let first = env_u64("WEMU_DIFF_SEED", 0x00c0_ffee);
    let dir = common::out_dir("qemu-diff");
    let mut compared = 0;
    for seed in first..first + count {
        let body = sequence(seed, len);
        let src = dir.join(format!("seq-{seed:x}.s"));
        std::fs::write(&src, program(seed, &body)).expect("write the sequence");
        let elf = common::build(&tools, &src, &dir).unwrap_or_else(|e| panic!("seed {seed:#x}: {e}"));
        let image = std::fs::read(&elf).expect("read the image");
        let (result, wemu) = common::run(&image, 1_000_000);
        let qemu = run_qemu(&elf).unwrap_or_else(|e| panic!("seed {seed:#x}: {e}"));
        let wemu_ok = matches!(result, Ok(exit) if exit.code == 0);
        if !wemu_ok || wemu != qemu {
            panic!(
                "seed {seed:#x} (WEMU_DIFF_SEED={seed:#x} WEMU_DIFF_COUNT=1 reproduces it; source {}):\n\
                 wemu: {result:?}\n{}\nthe sequence:\n{}",
                src.display(),
                diff(&wemu, &qemu),
                body.join("\n")
            );
        }
        compared += 1;
    }
    eprintln!("{compared} sequences of {len} instructions agree with QEMU (seeds {first:#x}..)");
}

#[test]
fn sequences_are_reproducible() {
    assert_eq!(sequence(7, 50), sequence(7, 50));
    assert_ne!(sequence(7, 50), sequence(8, 50));
    assert_eq!(program(7, &sequence(7, 10)), program(7, &sequence(7, 10)));
}

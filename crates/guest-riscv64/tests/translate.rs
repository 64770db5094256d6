//! Golden tests of the translator, in the style of Cranelift's filetests:
//! guest bytes in, expected IR text out.
//!
//! Every `*.txt` file under `tests/translate/` holds cases separated by
//! lines consisting of `===`:
//!
//! ```text
//! ; free comment lines
//! test NAME
//! flags: priv=S fs=clean mmu=2     ; optional: the translation flags
//! asm: addi a0, a0, -16            ; the source, for people and ASSEMBLE=1
//! bytes: 13 05 05 ff               ; the code, at 0x80000000
//! ---
//! <the IR of the block, exactly as wemu_ir::text::print prints it>
//! ===
//! ```
//!
//! `flags:` defaults to `priv=M fs=dirty` with the MMU index of the
//! privilege (`mmu=` overrides it, for MPRV/SUM). The block is translated
//! from the bytes alone (fetching past them fails, which ends the block
//! before that instruction), must verify, and its printed IR must match.
//!
//! * `BLESS=1 cargo test -p wemu-guest-riscv64 --test translate` rewrites
//!   the expected IR from the translator (review the diff!).
//! * `ASSEMBLE=1` first rewrites every `bytes:` line by assembling the
//!   case's `asm:` lines with `riscv64-unknown-elf-as` (Debian's
//!   binutils-riscv64-unknown-elf; `.option norvc` is implied, a case may
//!   say `asm: .option rvc`). Running the tests needs neither.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use wemu_guest_riscv64::translate::{FsState, TbFlags, fetch_mmu_idx};
use wemu_guest_riscv64::{Priv, Regs, translate_block};

const BASE: u64 = 0x8000_0000;

struct Case {
    name: String,
    flags: TbFlags,
    asm: Vec<String>,
    bytes: Vec<u8>,
    /// Line index of the `bytes:` line.
    bytes_line: usize,
    expected: String,
    /// Lines `[start, end)` holding the expected IR.
    expected_lines: (usize, usize),
}

fn parse_flags(s: &str) -> Result<TbFlags, String> {
    let (mut p, mut fs, mut mmu) = (Priv::Machine, FsState::Dirty, None);
    for word in s.split_whitespace() {
        match word.split_once('=') {
            Some(("priv", v)) => {
                p = match v {
                    "M" => Priv::Machine,
                    "S" => Priv::Supervisor,
                    "U" => Priv::User,
                    _ => return Err(format!("bad privilege `{v}`")),
                }
            }
            Some(("fs", v)) => {
                fs = match v {
                    "off" => FsState::Off,
                    "clean" => FsState::Clean,
                    "dirty" => FsState::Dirty,
                    _ => return Err(format!("bad fs `{v}`")),
                }
            }
            Some(("mmu", v)) => mmu = Some(v.parse::<u8>().map_err(|e| format!("bad mmu `{v}`: {e}"))?),
            _ => return Err(format!("unknown flag `{word}`")),
        }
    }
    Ok(TbFlags::new(p, mmu.unwrap_or(fetch_mmu_idx(p)), fs))
}

fn strip_comment(line: &str) -> &str {
    line.split(';').next().unwrap_or("").trim()
}

fn parse_file(text: &str) -> Result<Vec<Case>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        while i < lines.len() && strip_comment(lines[i]).is_empty() {
            i += 1;
        }
        if i == lines.len() {
            break;
        }
        let Some(name) = strip_comment(lines[i]).strip_prefix("test ") else {
            return Err(format!("line {}: expected `test NAME`", i + 1));
        };
        let mut case = Case {
            name: name.trim().to_string(),
            flags: parse_flags("")?,
            asm: Vec::new(),
            bytes: Vec::new(),
            bytes_line: usize::MAX,
            expected: String::new(),
            expected_lines: (0, 0),
        };
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "---" {
            let l = lines[i].trim();
            if let Some(f) = l.strip_prefix("flags:") {
                case.flags = parse_flags(strip_comment(f)).map_err(|e| format!("line {}: {e}", i + 1))?;
            } else if let Some(a) = l.strip_prefix("asm:") {
                case.asm.push(a.trim().to_string());
            } else if let Some(b) = l.strip_prefix("bytes:") {
                case.bytes_line = i;
                for h in strip_comment(b).split_whitespace() {
                    case.bytes.push(u8::from_str_radix(h, 16).map_err(|e| format!("line {}: {e}", i + 1))?);
                }
            } else if !strip_comment(l).is_empty() {
                return Err(format!("line {}: unexpected `{l}`", i + 1));
            }
            i += 1;
        }
        if i == lines.len() {
            return Err(format!("case `{}` has no `---` line", case.name));
        }
        if case.bytes_line == usize::MAX {
            return Err(format!("case `{}` has no `bytes:` line", case.name));
        }
        i += 1;
        let start = i;
        while i < lines.len() && lines[i].trim_end() != "===" {
            i += 1;
        }
        case.expected = lines[start..i].join("\n");
        case.expected_lines = (start, i);
        i += 1;
        cases.push(case);
    }
    Ok(cases)
}

/// The IR text of a case's block.
fn translate(case: &Case) -> Result<String, String> {
    let regs = Regs::new();
    let bytes = &case.bytes;
    let mut fetch = |a: u64| {
        let off = a.checked_sub(BASE).ok_or(1u32)? as usize;
        match bytes.get(off..off + 2) {
            Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
            None => Err(1),
        }
    };
    let t = translate_block(&regs, &mut fetch, BASE, case.flags, 64)
        .map_err(|f| format!("fetch fault at {:#x}", f.vaddr))?;
    wemu_ir::verify(&t.block).map_err(|e| format!("does not verify: {e}\n{}", wemu_ir::text::print(&t.block)))?;
    Ok(wemu_ir::text::print(&t.block))
}

fn normalize(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    lines.drain(..first);
    lines
}

/// Assembles `asm` with binutils and returns the code bytes.
fn assemble(asm: &[String]) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!("wemu-translate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (src, obj, bin) = (dir.join("t.S"), dir.join("t.o"), dir.join("t.bin"));
    let mut text = String::from(".option norvc\n");
    for l in asm {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&src, text).map_err(|e| e.to_string())?;
    let march = "-march=rv64gc_zba_zbb_zbc_zbs_zicbom_zicboz_zihintpause";
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(())
    };
    run(Command::new("riscv64-unknown-elf-as").arg(march).arg("-o").arg(&obj).arg(&src))?;
    run(Command::new("riscv64-unknown-elf-objcopy").args(["-O", "binary", "-j", ".text"]).arg(&obj).arg(&bin))?;
    std::fs::read(&bin).map_err(|e| e.to_string())
}

fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/translate");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

#[test]
fn translate_filetests() {
    let bless = std::env::var_os("BLESS").is_some();
    let assemble_all = std::env::var_os("ASSEMBLE").is_some();
    let mut failures = String::new();
    let mut count = 0;
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut cases = match parse_file(&text) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(failures, "{name}: {e}");
                continue;
            }
        };
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut rewritten = false;
        // Rewrite from the end so earlier line numbers stay valid.
        for case in cases.iter_mut().rev() {
            count += 1;
            if assemble_all {
                match assemble(&case.asm) {
                    Ok(b) => {
                        case.bytes = b;
                        let hex: Vec<String> = case.bytes.iter().map(|b| format!("{b:02x}")).collect();
                        lines[case.bytes_line] = format!("bytes: {}", hex.join(" "));
                        rewritten = true;
                    }
                    Err(e) => {
                        let _ = writeln!(failures, "{name}: {}: {e}", case.name);
                        continue;
                    }
                }
            }
            let actual = match translate(case) {
                Ok(a) => a,
                Err(e) => {
                    let _ = writeln!(failures, "{name}: {}: {e}", case.name);
                    continue;
                }
            };
            if normalize(&actual) != normalize(&case.expected) {
                if bless {
                    let (s, e) = case.expected_lines;
                    lines.splice(s..e, actual.lines().map(String::from));
                    rewritten = true;
                } else {
                    let _ = writeln!(
                        failures,
                        "{name}: {}: IR differs\n--- expected\n{}\n--- actual\n{}",
                        case.name, case.expected, actual
                    );
                }
            }
        }
        if rewritten {
            let mut out = lines.join("\n");
            out.push('\n');
            std::fs::write(&path, out).unwrap();
        }
    }
    assert!(count > 0, "no cases found");
    assert!(failures.is_empty(), "{failures}");
}

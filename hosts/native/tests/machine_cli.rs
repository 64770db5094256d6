//! `wemu --machine ...`: bad input is a one-line error and exit code 2.

use std::process::Command;

fn wemu(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wemu")).args(args).output().expect("run wemu");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A RISC-V ELF64 executable whose only instruction is `j .` at
/// 0x8000_0000, without symbols (so without HTIF).
fn spin_elf() -> Vec<u8> {
    let mut f = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&243u16.to_le_bytes());
    f.extend_from_slice(&1u32.to_le_bytes());
    for v in [0x8000_0000u64, 64, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.extend_from_slice(&0u32.to_le_bytes());
    for h in [64u16, 56, 1, 64, 0, 0] {
        f.extend_from_slice(&h.to_le_bytes());
    }
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&5u32.to_le_bytes());
    for v in [120u64, 0x8000_0000, 0x8000_0000, 4, 4, 4] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.extend_from_slice(&0x0000_006fu32.to_le_bytes());
    f
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = std::env::temp_dir().join(format!("wemu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("text.elf");
    std::fs::write(&text, "not an image").unwrap();
    let text = text.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--machine", "riscv64-spike", "--kernel", "/nonexistent/t.elf"], "/nonexistent/t.elf: "),
        (&["--machine", "riscv64-spike", "--bios", "none", "--kernel", text], "not an ELF file"),
        (&["--machine", "nope", "--kernel", text], "unknown machine `nope`"),
        (&["--machine", "riscv64-spike", "--bios", "fw.bin", "--kernel", text], "--bios none"),
        (&["--machine", "riscv64-spike"], "--kernel FILE"),
        (&["--machine", "riscv64-spike", "--kernel", text, "-d", "nope"], "unknown trace category"),
        (&["--machine", "riscv64-spike", "--kernel", text, "--max-insns", "lots"], "--max-insns"),
    ];
    for (args, msg) in cases {
        let (code, err) = wemu(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("wemu: error: ") && err.contains(msg), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_image_without_tohost_runs_to_the_limit() {
    let dir = std::env::temp_dir().join(format!("wemu-cli-spin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let elf = dir.join("spin.elf");
    std::fs::write(&elf, spin_elf()).unwrap();
    let (code, err) = wemu(&["-M", "riscv64-spike", "--kernel", elf.to_str().unwrap(), "--max-insns", "10k"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has no tohost symbol"), "{err}");
    assert!(err.contains("timeout after 10000 instructions (pc 0x80000000)"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

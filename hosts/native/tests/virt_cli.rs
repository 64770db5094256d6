//! `wemu --machine riscv64-virt`: bare-metal programs (`--bios none`) run
//! to the finisher's status, and bad input is a one-line error with exit
//! code 2.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn wemu(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wemu")).args(args).stdin(Stdio::null()).output().expect("run wemu");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wemu-virt-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A raw program for `0x8000_0000` that prints "ok" on the UART and writes
/// `status` to the test finisher.
fn program(status: u32) -> Vec<u8> {
    let lui = |rd: u32, imm20: u32| (imm20 << 12) | (rd << 7) | 0x37;
    let addi = |rd: u32, rs1: u32, imm: u32| ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
    let sb = |rs1: u32, rs2: u32| (rs2 << 20) | (rs1 << 15) | 0x23;
    let sw = |rs1: u32, rs2: u32| (rs2 << 20) | (rs1 << 15) | (2 << 12) | 0x23;
    let (t0, t1, s0) = (5, 6, 8);
    // `lui` + `addi` of `status` (the low 12 bits sign-extend).
    let (hi, lo) = ((status.wrapping_add(0x800)) >> 12, status & 0xfff);
    let words = [
        lui(s0, 0x10000),
        addi(t0, 0, u32::from(b'o')),
        sb(s0, t0),
        addi(t0, 0, u32::from(b'k')),
        sb(s0, t0),
        lui(t0, 0x100),
        lui(t1, hi),
        addi(t1, t1, lo),
        sw(t0, t1),
        0x0000_006f, // j .
    ];
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A raw program for two harts: hart 1 spins; hart 0 runs a loop of about
/// 82,000 instructions, reads `minstret` and passes (status 0x5555) if it
/// counted fewer than 102,400, that is its own instructions and not also
/// the ones hart 1 spun meanwhile; otherwise it fails with code 3.
fn per_hart_instret_program() -> Vec<u8> {
    let lui = |rd: u32, imm20: u32| (imm20 << 12) | (rd << 7) | 0x37;
    let addi = |rd: u32, rs1: u32, imm: i32| (((imm as u32) & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
    let csrr = |rd: u32, csr: u32| (csr << 20) | (2 << 12) | (rd << 7) | 0x73;
    let branch = |funct3: u32, rs1: u32, rs2: u32, off: i32| {
        let o = off as u32;
        (((o >> 12) & 1) << 31)
            | (((o >> 5) & 0x3f) << 25)
            | (rs2 << 20)
            | (rs1 << 15)
            | (funct3 << 12)
            | (((o >> 1) & 0xf) << 8)
            | (((o >> 11) & 1) << 7)
            | 0x63
    };
    let (beq, bne) = (0, 1);
    let sltu = |rd: u32, rs1: u32, rs2: u32| (rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x33;
    let sw = |rs1: u32, rs2: u32| (rs2 << 20) | (rs1 << 15) | (2 << 12) | 0x23;
    let (t0, t1, t2, t3, t4, t5) = (5, 6, 7, 28, 29, 30);
    let words = [
        csrr(t0, 0xf14),        // 0: mhartid
        branch(bne, t0, 0, 64), // 4: hart 1 -> 68
        lui(t1, 10),            // 8: 40960 iterations
        addi(t1, t1, -1),       // 12
        branch(bne, t1, 0, -4), // 16
        csrr(t2, 0xb02),        // 20: minstret
        lui(t3, 25),            // 24: 102400
        sltu(t4, t2, t3),       // 28
        lui(t5, 0x33),          // 32: fail, code 3
        addi(t5, t5, 0x333),    // 36
        branch(beq, t4, 0, 12), // 40 -> 52
        lui(t5, 0x5),           // 44: pass
        addi(t5, t5, 0x555),    // 48
        lui(t0, 0x100),         // 52: the finisher
        sw(t0, t5),             // 56
        0x0000_006f,            // 60: j .
        0x0000_006f,            // 64
        0x0000_006f,            // 68: hart 1: j .
    ];
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// `minstret` counts the hart's own instructions, with several harts
/// sharing the machine's instruction clock, in both executors.
#[test]
fn minstret_is_per_hart() {
    let dir = temp_dir("instret");
    let prog = dir.join("instret.bin");
    std::fs::write(&prog, per_hart_instret_program()).unwrap();
    let prog = prog.to_str().unwrap();
    for accel in [&["--accel", "tci"][..], &["--accel", "jit", "--jit-threshold", "100"]] {
        for harts in ["1", "2"] {
            let mut args =
                vec!["--machine", "riscv64-virt", "-m", "64", "--bios", "none", "-smp", harts, "--kernel", prog];
            args.extend_from_slice(accel);
            let (code, _, err) = wemu(&args);
            assert_eq!(code, Some(0), "{accel:?} -smp {harts}: {err}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bare_metal_program_ends_with_the_finishers_status() {
    let dir = temp_dir("run");
    let pass = dir.join("pass.bin");
    let fail = dir.join("fail.bin");
    std::fs::write(&pass, program(0x5555)).unwrap();
    std::fs::write(&fail, program(0x0003_3333)).unwrap();
    let run = |p: &PathBuf| {
        wemu(&["--machine", "riscv64-virt", "-m", "64", "--bios", "none", "--kernel", p.to_str().unwrap()])
    };
    let (code, out, err) = run(&pass);
    assert_eq!((code, out.as_str()), (Some(0), "ok"), "{err}");
    let (code, out, err) = run(&fail);
    assert_eq!((code, out.as_str()), (Some(3), "ok"), "{err}");
    assert!(err.contains("failure code 3"), "{err}");
    // QEMU's spelling of the options works too.
    let (code, out, err) =
        wemu(&["-M", "riscv64-virt", "-smp", "1", "-bios", "none", "-kernel", pass.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (Some(0), "ok"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = temp_dir("errors");
    let prog = dir.join("p.bin");
    std::fs::write(&prog, program(0x5555)).unwrap();
    let elf = dir.join("p.elf");
    std::fs::write(&elf, b"\x7fELF\x02\x01\x01\0").unwrap();
    let (prog, elf) = (prog.to_str().unwrap(), elf.to_str().unwrap());
    let virt = ["--machine", "riscv64-virt", "--bios", "none"];
    let cases: &[(&[&str], &str)] = &[
        (&["--kernel", "/nonexistent/Image"], "/nonexistent/Image: "),
        (&["--kernel", prog, "--initrd", "/nonexistent/initrd"], "/nonexistent/initrd: "),
        (&["--kernel", elf], "ELF"),
        (&["--kernel", prog, "-m", "3"], "-m `3`"),
        (&["--kernel", prog, "--icount", "lots"], "--icount"),
        (&["--kernel", prog, "--drive", "file=/nonexistent/d.img"], "/nonexistent/d.img: "),
        (&["--kernel", prog, "--drive", &format!("file={prog},format=qcow2")], "format `qcow2`"),
        (&["--kernel", prog, "-d", "nope"], "-d `nope`"),
        (&["--kernel", prog, "--frobnicate"], "--frobnicate"),
        (&["--kernel", prog, "-smp", "9"], "-smp `9`"),
    ];
    for (args, msg) in cases {
        let all: Vec<&str> = virt.iter().chain(args.iter()).copied().collect();
        let (code, _, err) = wemu(&all);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("wemu: error: ") && err.contains(msg), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

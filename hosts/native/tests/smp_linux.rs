//! Multi-hart riscv64-virt (`-smp`): Debian's kernel boots with four
//! harts (OpenSBI starts the secondaries through SBI HSM), `nproc` says 4,
//! and a guest stress program (`tests/smp/smpstress.c`, built here with
//! Debian's `riscv64-linux-gnu-gcc -static` and appended to the cached
//! initramfs as a second cpio archive) has four threads pinned to four
//! harts hammer shared counters with `amoadd`, `lr`/`sc` loops and an
//! `amoswap` spinlock; every total must be exact. A second test boots
//! `-smp 2 --icount` twice and expects the same console bytes.
//!
//! Needs the images of `cargo xtask images` and an optimized build
//! (`cargo test --release -p wemu-native --test smp_linux`); without
//! either, or without the cross compiler for the stress part, it passes
//! with a loud message saying what it did not run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Guest, assert_same_console, can_boot, console_to_prompt, images_dir};

/// The most the boot may take to reach the prompt (several harts share
/// one host thread, on a loaded 2-core machine).
const BOOT_TIMEOUT: Duration = Duration::from_secs(900);
/// The most a command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
/// The stress program's threads and iterations per thread.
const STRESS_THREADS: u32 = 4;
const STRESS_ITERATIONS: u32 = 20_000;

/// A newc (`070701`) cpio archive of regular files `(name, mode, data)`,
/// with its trailer.
fn cpio(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, ino: u32, name: &str, mode: u32, data: &[u8]) {
        let fields = [ino, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let mut out = Vec::new();
    for (i, (name, mode, data)) in files.iter().enumerate() {
        entry(&mut out, i as u32 + 1, name, *mode, data);
    }
    entry(&mut out, 0, "TRAILER!!!", 0, &[]);
    out
}

/// Builds the stress program with Debian's cross gcc into `dir`; `None`
/// (with a message) without the compiler.
fn build_stress(dir: &Path) -> Option<Vec<u8>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/smp/smpstress.c");
    let out = dir.join("smpstress");
    let status = Command::new("riscv64-linux-gnu-gcc")
        .args(["-static", "-O2", "-pthread", "-Wall", "-o"])
        .arg(&out)
        .arg(&src)
        .status();
    match status {
        Ok(s) if s.success() => Some(std::fs::read(&out).expect("read smpstress")),
        Ok(s) => panic!("riscv64-linux-gnu-gcc failed on {} ({s})", src.display()),
        Err(e) => {
            eprintln!(
                "\n*** smp_linux: stress program SKIPPED: riscv64-linux-gnu-gcc ({e}); install Debian's \
                 gcc-riscv64-linux-gnu ***\n"
            );
            None
        }
    }
}

/// The cached initramfs with a second archive holding `/smpstress`
/// appended (the kernel unpacks both; the second starts 4-aligned).
fn stress_initrd(dir: &Path, stress: &[u8]) -> PathBuf {
    let mut initrd = std::fs::read(images_dir().join("initramfs.cpio.gz")).expect("read the initramfs");
    initrd.resize(initrd.len().next_multiple_of(4), 0);
    initrd.extend_from_slice(&cpio(&[("smpstress", 0o100755, stress)]));
    let path = dir.join("initramfs-smp.cpio");
    std::fs::write(&path, &initrd).expect("write the initramfs");
    path
}

fn smp_boot(accel: &str) {
    let dir = std::env::temp_dir().join(format!("wemu-smp-{accel}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stress = build_stress(&dir);
    let initrd = stress.as_deref().map(|s| stress_initrd(&dir, s));
    let mut args = vec!["--machine", "riscv64-virt", "-m", "256", "-smp", "4", "--stats", "--accel", accel];
    if let Some(i) = &initrd {
        args.extend(["--initrd", i.to_str().unwrap()]);
    }
    let mut guest = Guest::boot(&args);
    guest.wait_for("OpenSBI v", BOOT_TIMEOUT);
    guest.wait_for("Linux version", BOOT_TIMEOUT);
    guest.wait_for("smp: Brought up 1 node, 4 CPUs", BOOT_TIMEOUT);
    guest.wait_for("wemu: init started", BOOT_TIMEOUT);
    guest.wait_for("~ # ", BOOT_TIMEOUT);
    guest.type_line("nproc; grep -c ^processor /proc/cpuinfo");
    guest.wait_for("\n4\r\n4\r\n", COMMAND_TIMEOUT);
    guest.wait_for("~ # ", COMMAND_TIMEOUT);
    if stress.is_some() {
        guest.type_line(&format!("/smpstress {STRESS_THREADS} {STRESS_ITERATIONS}"));
        guest.wait_for_unless("smpstress: PASS", Some("smpstress: FAIL"), COMMAND_TIMEOUT);
        guest.wait_for("~ # ", COMMAND_TIMEOUT);
    }
    guest.type_line("poweroff");
    guest.wait_for("reboot: Power down", COMMAND_TIMEOUT);
    let status = guest.wait_exit(COMMAND_TIMEOUT);
    assert!(status.success(), "wemu exited with {status}; output:\n{}", guest.text());
    let text = guest.text();
    for line in text.lines().filter(|l| l.starts_with("smpstress: ")) {
        eprintln!("{line}");
    }
    eprintln!("smp_linux ({accel}): powered off after {:.1} s", guest.start.elapsed().as_secs_f64());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn debian_linux_boots_with_four_harts_and_atomics_are_exact() {
    if !can_boot() {
        return;
    }
    smp_boot("tci");
}

/// The same with hot code compiled to Wasm (one translation cache and
/// module set serves every hart).
#[test]
fn four_harts_with_the_jit() {
    if !can_boot() {
        return;
    }
    smp_boot("jit");
}

/// The console output of a deterministic two-hart boot up to the prompt.
fn deterministic_boot() -> Vec<u8> {
    let args = ["--machine", "riscv64-virt", "-m", "256", "-smp", "2", "--icount", "0", "--accel", "tci"];
    console_to_prompt(&args, BOOT_TIMEOUT, COMMAND_TIMEOUT)
}

/// With several harts, deterministic time (`--icount`) runs them in a
/// fixed round-robin, so two boots print the same bytes.
#[test]
fn deterministic_smp_boots_are_identical() {
    if !can_boot() {
        return;
    }
    let (a, b) = (deterministic_boot(), deterministic_boot());
    assert!(a.windows(18).any(|w| w == b"wemu: init started"));
    assert!(a.windows(27).any(|w| w == b"smp: Brought up 1 node, 2 C"), "two harts came up");
    assert_same_console(&a, &b, ("first", "second"));
}

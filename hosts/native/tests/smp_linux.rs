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

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most the boot may take to reach the prompt (several harts share
/// one host thread, on a loaded 2-core machine).
const BOOT_TIMEOUT: Duration = Duration::from_secs(900);
/// The most a command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
/// The stress program's threads and iterations per thread.
const STRESS_THREADS: u32 = 4;
const STRESS_ITERATIONS: u32 = 20_000;

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/wemu/target"),
    }
}

fn images_dir() -> PathBuf {
    target_dir().join("images/riscv64")
}

/// A running `wemu` whose console output collects in a buffer.
struct Guest {
    child: Child,
    stdin: ChildStdin,
    output: Arc<Mutex<Vec<u8>>>,
    seen: usize,
    start: Instant,
}

impl Guest {
    fn boot(args: &[&str]) -> Guest {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wemu"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start wemu");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let out = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                out.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Guest { child, stdin, output, seen: 0, start: Instant::now() }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until `needle` appears after what earlier waits consumed;
    /// consumes up to its end. Fails at once if `fail` appears first.
    fn wait_for_unless(&mut self, needle: &str, fail: Option<&str>, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let (found, failed) = {
                let out = self.output.lock().unwrap();
                let rest = &out[self.seen.min(out.len())..];
                let find = |n: &str| rest.windows(n.len()).position(|w| w == n.as_bytes());
                (find(needle).map(|i| self.seen + i + needle.len()), fail.and_then(find).is_some())
            };
            if failed {
                panic!("`{}` before `{needle}`; output:\n{}", fail.unwrap_or_default(), self.text());
            }
            if let Some(end) = found {
                self.seen = end;
                eprintln!("smp_linux: `{}` after {:.1} s", needle.escape_debug(), self.start.elapsed().as_secs_f64());
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("wemu exited ({status}) before `{needle}`; output:\n{}", self.text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("no `{needle}` within {timeout:?}; output:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&mut self, needle: &str, timeout: Duration) {
        self.wait_for_unless(needle, None, timeout)
    }

    fn type_line(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("wemu did not exit within {timeout:?}; output:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the test can run; says loudly why not.
fn can_boot() -> bool {
    if cfg!(debug_assertions) {
        eprintln!(
            "\n*** smp_linux: SKIPPED: a debug build is too slow to boot Linux; run \
             `cargo test --release -p wemu-native --test smp_linux` ***\n"
        );
        return false;
    }
    let dir = images_dir();
    if !["Image", "initramfs.cpio.gz", "fw_dynamic.bin"].iter().all(|f| dir.join(f).is_file()) {
        eprintln!("\n*** smp_linux: SKIPPED: no images in {}; run `cargo xtask images` ***\n", dir.display());
        return false;
    }
    true
}

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
    let mut guest =
        Guest::boot(&["--machine", "riscv64-virt", "-m", "256", "-smp", "2", "--icount", "0", "--accel", "tci"]);
    guest.wait_for("~ # ", BOOT_TIMEOUT);
    let out = guest.output.lock().unwrap()[..guest.seen].to_vec();
    guest.stdin.write_all(b"\x01x").unwrap();
    guest.stdin.flush().unwrap();
    let status = guest.wait_exit(COMMAND_TIMEOUT);
    assert!(status.success(), "wemu exited with {status}");
    out
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
    if a != b {
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let show = |v: &[u8]| String::from_utf8_lossy(&v[at.saturating_sub(200)..(at + 200).min(v.len())]).into_owned();
        panic!("the boots differ at byte {at}:\n--- first\n{}\n--- second\n{}", show(&a), show(&b));
    }
}

//! What the Linux boot tests share: where the images are, and a running
//! `wemu` whose console the test reads and types into.
#![allow(dead_code)] // each test uses its part

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/wemu/target"),
    }
}

pub fn images_dir() -> PathBuf {
    target_dir().join("images/riscv64")
}

/// The test binary's name (`boot_linux`, `smp_linux`), for messages.
pub fn test_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe.as_ref().and_then(|p| p.file_stem()).and_then(|s| s.to_str()).unwrap_or("test");
    stem.split('-').next().unwrap_or(stem).to_string()
}

/// A running `wemu` whose console output collects in a buffer.
pub struct Guest {
    pub child: Child,
    pub stdin: ChildStdin,
    pub output: Arc<Mutex<Vec<u8>>>,
    /// How much of the output earlier waits consumed.
    pub seen: usize,
    pub start: Instant,
}

impl Guest {
    pub fn boot(args: &[&str]) -> Guest {
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

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until `needle` appears after what earlier waits consumed;
    /// consumes up to its end. Fails at once if `fail` appears first.
    pub fn wait_for_unless(&mut self, needle: &str, fail: Option<&str>, timeout: Duration) {
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
                eprintln!(
                    "{}: `{}` after {:.1} s",
                    test_name(),
                    needle.escape_debug(),
                    self.start.elapsed().as_secs_f64()
                );
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

    pub fn wait_for(&mut self, needle: &str, timeout: Duration) {
        self.wait_for_unless(needle, None, timeout)
    }

    pub fn type_line(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
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
pub fn can_boot() -> bool {
    let name = test_name();
    if cfg!(debug_assertions) {
        eprintln!(
            "\n*** {name}: SKIPPED: a debug build is too slow to boot Linux; run \
             `cargo test --release -p wemu-native --test {name}` (cargo xtask test does) ***\n"
        );
        return false;
    }
    let dir = images_dir();
    if !["Image", "initramfs.cpio.gz", "fw_dynamic.bin"].iter().all(|f| dir.join(f).is_file()) {
        eprintln!("\n*** {name}: SKIPPED: no images in {}; run `cargo xtask images` ***\n", dir.display());
        return false;
    }
    true
}

/// Boots `wemu` with `args`, returns its console output up to the first
/// shell prompt, and quits it (Ctrl-A x), expecting a clean exit.
pub fn console_to_prompt(args: &[&str], boot_timeout: Duration, exit_timeout: Duration) -> Vec<u8> {
    let mut guest = Guest::boot(args);
    guest.wait_for("~ # ", boot_timeout);
    let out = guest.output.lock().unwrap()[..guest.seen].to_vec();
    guest.stdin.write_all(b"\x01x").unwrap();
    guest.stdin.flush().unwrap();
    let status = guest.wait_exit(exit_timeout);
    assert!(status.success(), "wemu exited with {status}");
    out
}

/// Fails showing where two consoles (named `names`) first differ.
pub fn assert_same_console(a: &[u8], b: &[u8], names: (&str, &str)) {
    if a != b {
        let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let show = |v: &[u8]| String::from_utf8_lossy(&v[at.saturating_sub(200)..(at + 200).min(v.len())]).into_owned();
        panic!("the boots differ at byte {at}:\n--- {}\n{}\n--- {}\n{}", names.0, show(a), names.1, show(b));
    }
}

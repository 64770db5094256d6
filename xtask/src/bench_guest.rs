//! A measured child process for `cargo xtask bench`: an emulator (wemu or
//! QEMU) with the guest's serial console on its standard output, or the
//! workload run natively.
//!
//! A reader thread collects the output and notes when each piece arrived,
//! so the time a line appeared is the time it was read, not the time a
//! poll noticed it. A sampler thread reads the child's peak resident set
//! (`VmHWM` in `/proc/<pid>/status`, which only grows) every few
//! milliseconds while the child lives: the last reading before it exits
//! is its peak to within the sampling period.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the peak resident set is sampled.
const RSS_PERIOD: Duration = Duration::from_millis(20);

/// Output with the arrival time of each piece.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    /// (end offset in `bytes`, when that piece was read).
    arrivals: Vec<(usize, Instant)>,
}

impl Output {
    /// When the byte at `offset` arrived.
    fn arrival_of(&self, offset: usize) -> Option<Instant> {
        let i = self.arrivals.partition_point(|&(end, _)| end <= offset);
        self.arrivals.get(i).map(|&(_, t)| t)
    }
}

/// A running child whose standard output and error are collected.
pub struct Measured {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Output>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    peak_rss_kib: Arc<AtomicU64>,
    /// How much of the output earlier waits consumed.
    seen: usize,
    pub start: Instant,
}

impl Measured {
    /// Starts `cmd` (its standard streams are taken over); `what` names it
    /// in errors.
    pub fn spawn(what: &str, cmd: &mut Command) -> Result<Measured, String> {
        let start = Instant::now();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{what}: cannot start: {e}"))?;
        let stdin = child.stdin.take();
        let mut out = child.stdout.take().expect("piped");
        let mut err = child.stderr.take().expect("piped");
        let stdout = Arc::new(Mutex::new(Output::default()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let o = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut buf) {
                let now = Instant::now();
                let mut o = o.lock().unwrap();
                o.bytes.extend_from_slice(&buf[..n]);
                let end = o.bytes.len();
                o.arrivals.push((end, now));
            }
        });
        let e = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                e.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let peak_rss_kib = Arc::new(AtomicU64::new(0));
        let peak = peak_rss_kib.clone();
        let status = format!("/proc/{}/status", child.id());
        std::thread::spawn(move || {
            // Ends when the process is gone (or a zombie, whose status has
            // no memory lines).
            while let Some(kib) = std::fs::read_to_string(&status).ok().as_deref().and_then(vm_hwm_kib) {
                peak.fetch_max(kib, Ordering::Relaxed);
                std::thread::sleep(RSS_PERIOD);
            }
        });
        Ok(Measured { what: what.into(), child, stdin, stdout, stderr, peak_rss_kib, seen: 0, start })
    }

    /// Everything the child wrote to its standard output so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap().bytes).into_owned()
    }

    /// Everything the child wrote to its standard error so far.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The peak resident set seen so far, in bytes (None before the first
    /// sample).
    pub fn peak_rss(&self) -> Option<u64> {
        Some(self.peak_rss_kib.load(Ordering::Relaxed)).filter(|&k| k > 0).map(|k| k * 1024)
    }

    /// The tail of the output, for error messages.
    fn tail(&self) -> String {
        let cut = |s: String| {
            let chars: Vec<char> = s.chars().filter(|&c| c != '\r').collect();
            chars[chars.len().saturating_sub(1500)..].iter().collect::<String>()
        };
        format!("--- output (tail):\n{}\n--- stderr (tail):\n{}", cut(self.text()), cut(self.stderr_text()))
    }

    /// Waits until `needle` appears after what earlier waits consumed;
    /// consumes up to its end and returns how long after the start it
    /// arrived.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> Result<Duration, String> {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let out = self.stdout.lock().unwrap();
                let rest = &out.bytes[self.seen.min(out.bytes.len())..];
                if let Some(i) = rest.windows(needle.len()).position(|w| w == needle.as_bytes()) {
                    let end = self.seen + i + needle.len();
                    let at = out.arrival_of(end - 1).unwrap_or_else(Instant::now);
                    self.seen = end;
                    return Ok(at.duration_since(self.start));
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader drain what is left before giving up.
                std::thread::sleep(Duration::from_millis(100));
                if self.text()[self.seen.min(self.text().len())..].contains(needle) {
                    continue;
                }
                return Err(format!(
                    "{} exited ({status}) before `{}`\n{}",
                    self.what,
                    needle.escape_debug(),
                    self.tail()
                ));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(format!(
                    "{}: no `{}` within {timeout:?}\n{}",
                    self.what,
                    needle.escape_debug(),
                    self.tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends bytes to the child's standard input.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or_else(|| format!("{}: standard input closed", self.what))?;
        stdin.write_all(bytes).and_then(|()| stdin.flush()).map_err(|e| format!("{}: cannot write: {e}", self.what))
    }

    /// Waits for the child to exit; kills it after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| format!("{}: wait: {e}", self.what))? {
                // Let the readers finish.
                std::thread::sleep(Duration::from_millis(50));
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(format!("{} did not exit within {timeout:?}\n{}", self.what, self.tail()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Like [`Self::wait_exit`], but a failure status is an error.
    pub fn wait_success(&mut self, timeout: Duration) -> Result<(), String> {
        let status = self.wait_exit(timeout)?;
        match status.success() {
            true => Ok(()),
            false => Err(format!("{} exited with {status}\n{}", self.what, self.tail())),
        }
    }

    /// Ends the child now.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Measured {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `VmHWM` (peak resident set, KiB) from a `/proc/<pid>/status` text.
pub fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_hwm() {
        let status = "Name:\twemu\nVmPeak:\t  999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t  100 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(12345));
        assert_eq!(vm_hwm_kib("Name:\tzombie\nState:\tZ (zombie)\n"), None);
    }

    #[test]
    fn finds_output_and_measures_a_child() {
        let mut m =
            Measured::spawn("sh", Command::new("sh").args(["-c", "echo one; sleep 0.2; echo two; cat"])).unwrap();
        let one = m.wait_for("one\n", Duration::from_secs(10)).unwrap();
        let two = m.wait_for("two\n", Duration::from_secs(10)).unwrap();
        assert!(two >= one + Duration::from_millis(150), "{one:?} {two:?}");
        m.send(b"three\n").unwrap();
        m.wait_for("three", Duration::from_secs(10)).unwrap();
        assert!(m.peak_rss().is_some_and(|b| b > 0));
        drop(m.stdin.take());
        m.wait_success(Duration::from_secs(10)).unwrap();
        let err = Measured::spawn("sh", Command::new("sh").args(["-c", "exit 3"]))
            .unwrap()
            .wait_for("x", Duration::from_secs(10));
        assert!(err.unwrap_err().contains("exited"));
    }
}

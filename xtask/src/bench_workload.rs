//! The guest workload of `cargo xtask bench` (`tests/bench/workload.c`):
//! built for riscv64 with Debian's cross gcc (`riscv64-linux-gnu-gcc
//! -static -O2`) into the bench initramfs, and for the host (`gcc -O2`) as
//! the physical-limit reference; and the report it prints.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, target_dir};

/// The cross compiler, from Debian's `gcc-riscv64-linux-gnu`.
pub const CROSS_GCC: &str = "riscv64-linux-gnu-gcc";
/// The host compiler.
pub const HOST_GCC: &str = "gcc";

/// What the bench builds and boots.
pub struct Built {
    /// The workload for the host.
    pub host: PathBuf,
    /// The stock images (`cargo xtask images`).
    pub firmware: PathBuf,
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
    /// The stock initramfs with the riscv64 workload and its `/init`.
    pub bench_initramfs: PathBuf,
}

/// Where the bench keeps what it builds and writes.
pub fn bench_dir() -> PathBuf {
    target_dir().join("bench")
}

fn source() -> PathBuf {
    root().join("tests/bench/workload.c")
}

fn compile(compiler: &str, extra: &[&str], out: &Path) -> Result<(), String> {
    let output = Command::new(compiler)
        .args(["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror"])
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(source())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound if compiler == CROSS_GCC => {
                format!("{CROSS_GCC} not found: apt-get install gcc-riscv64-linux-gnu")
            }
            _ => format!("{compiler}: cannot start: {e}"),
        })?;
    if !output.status.success() {
        return Err(format!(
            "{compiler} failed to build {}:\n{}",
            source().display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Builds the workload for the host and the guest, and the bench
/// initramfs from the cached stock one (which must exist: `cargo xtask
/// images`).
pub fn build() -> Result<Built, String> {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let images = target_dir().join("images/riscv64");
    let host = dir.join("wemu-bench.host");
    let guest = dir.join("wemu-bench.riscv64");
    compile(HOST_GCC, &[], &host)?;
    compile(CROSS_GCC, &["-static"], &guest)?;
    let initramfs = images.join("initramfs.cpio.gz");
    let stock =
        std::fs::read(&initramfs).map_err(|e| format!("{}: {e} (run `cargo xtask images`)", initramfs.display()))?;
    let workload = std::fs::read(&guest).map_err(|e| format!("{}: {e}", guest.display()))?;
    let bench_initramfs = dir.join("initramfs-bench.cpio.gz");
    let archive = crate::images::bench_initramfs(&stock, &workload)?;
    std::fs::write(&bench_initramfs, archive).map_err(|e| format!("{}: {e}", bench_initramfs.display()))?;
    Ok(Built {
        host,
        firmware: images.join("fw_dynamic.bin"),
        kernel: images.join("Image"),
        initramfs,
        bench_initramfs,
    })
}

/// What the workload printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub scale: u32,
    pub checksum: u64,
    /// By its own clock (CLOCK_MONOTONIC), the three kernels together.
    pub time_ns: u64,
    /// Retired instructions (`rdinstret`), when user mode could read them.
    pub instret: Option<u64>,
    /// Each kernel: name, checksum, time in ns.
    pub kernels: Vec<(String, u64, u64)>,
}

/// Parses the workload's `wemu-bench: ...` lines out of console output
/// (which may carry `\r` and anything else around them).
pub fn parse_report(text: &str) -> Result<Report, String> {
    let mut scale = None;
    let mut checksum = None;
    let mut time_ns = None;
    let mut instret = None;
    let mut kernels = Vec::new();
    let mut done = false;
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    for line in text.lines() {
        let Some(rest) = line.trim_end_matches('\r').split("wemu-bench: ").nth(1) else { continue };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            ["scale", n] => scale = n.parse().ok(),
            ["checksum", c] => checksum = hex(c),
            ["time_ns", n] => time_ns = n.parse().ok(),
            ["instret", n] => instret = n.parse().ok(),
            ["done"] => done = true,
            [name @ ("int" | "mem" | "branch"), c, ns, "ns", ..] => {
                if let (Some(c), Ok(ns)) = (hex(c), ns.parse()) {
                    kernels.push((name.to_string(), c, ns));
                }
            }
            _ => {}
        }
    }
    match (scale, checksum, time_ns, done) {
        (Some(scale), Some(checksum), Some(time_ns), true) => Ok(Report { scale, checksum, time_ns, instret, kernels }),
        _ => Err("the workload's report is incomplete (no `wemu-bench: done` after checksum and time)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_report_from_console_output() {
        let text = "[    1.0] Run /init\r\nwemu-bench: start\r\nwemu-bench: scale 2\r\n\
                    wemu-bench: int 0x00000000000000ff 1000 ns instret 77\r\n\
                    wemu-bench: mem 0x0000000000000001 2000 ns\r\nwemu-bench: branch 0x2 3000 ns\r\n\
                    wemu-bench: checksum 0x1f805fea60be4071\r\nwemu-bench: time_ns 6000\r\n\
                    wemu-bench: instret 12345\r\nwemu-bench: done\r\n[    9.0] reboot: Power down\r\n";
        let r = parse_report(text).unwrap();
        assert_eq!(r.scale, 2);
        assert_eq!(r.checksum, 0x1f80_5fea_60be_4071);
        assert_eq!(r.time_ns, 6000);
        assert_eq!(r.instret, Some(12345));
        assert_eq!(r.kernels, vec![("int".into(), 0xff, 1000), ("mem".into(), 1, 2000), ("branch".into(), 2, 3000)]);
        let unavailable = text.replace("instret 12345", "instret unavailable");
        assert_eq!(parse_report(&unavailable).unwrap().instret, None);
        assert!(parse_report(&text.replace("wemu-bench: done", "")).is_err());
    }

    /// The workload builds for the host and for riscv64 (when the cross
    /// compiler is installed), and the host build's checksum does not
    /// depend on anything but the scale.
    #[test]
    fn workload_builds_and_is_deterministic() {
        let dir = std::env::temp_dir().join(format!("wemu-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let host = dir.join("host");
        compile(HOST_GCC, &[], &host).unwrap();
        let run = || {
            let out = Command::new(&host).arg("1").output().unwrap();
            assert!(out.status.success());
            parse_report(&String::from_utf8_lossy(&out.stdout)).unwrap()
        };
        let (a, b) = (run(), run());
        assert_eq!(a.checksum, b.checksum);
        assert_eq!(a.scale, 1);
        assert_eq!(a.kernels.len(), 3);
        if Command::new(CROSS_GCC).arg("--version").output().is_ok() {
            compile(CROSS_GCC, &["-static"], &dir.join("riscv64")).unwrap();
            let elf = std::fs::read(dir.join("riscv64")).unwrap();
            assert_eq!(&elf[..4], b"\x7fELF");
            assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 0xf3, "EM_RISCV");
        } else {
            eprintln!("*** bench workload: riscv64 build SKIPPED: no {CROSS_GCC} ***");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

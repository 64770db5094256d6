//! `cargo xtask <job>`: the project's automation, in Rust so it runs
//! wherever cargo does. Every job sets itself up (rustup targets, cargo
//! tools) and builds into a target directory outside the clone
//! (`$CARGO_TARGET_DIR`, default `~/.cache/wemu/target`) so repeated clean
//! clones, as CI makes, rebuild little.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod bench;
mod bench_guest;
mod bench_workload;
mod fuzz;
mod images;
mod web;
mod web_server;

/// Component crates: `no_std`, built for a bare-metal target by `test`.
const COMPONENTS: &[&str] = &[
    "wemu-ir",
    "wemu-trace",
    "wemu-tci",
    "wemu-softmmu",
    "wemu-guest-riscv64",
    "wemu-exec",
    "wemu-wasm-jit",
    "wemu-dev-common",
    "wemu-dev-uart16550",
    "wemu-dev-plic",
    "wemu-dev-aclint",
    "wemu-dev-goldfish-rtc",
    "wemu-dev-sifive-test",
    "wemu-dev-virtio",
    "wemu-dev-virtio-blk",
    "wemu-dev-virtio-rng",
    "wemu-dev-virtio-console",
    "wemu-machine-riscv64-spike",
    "wemu-machine-riscv64-virt",
];
/// The packages tested in release only (they link wasmtime, or boot
/// Linux).
const RELEASE_TESTED: &[&str] = &["wemu-wasm-jit", "wemu-jit-wasmtime", "wemu-machine-riscv64-spike", "wemu-native"];
/// The benchmarks: name, package, bench target.
const BENCHES: &[(&str, &str, &str)] = &[("tci", "wemu-tci", "throughput"), ("exec", "wemu-exec", "exec")];
/// The bare-metal target that proves the components are `no_std`.
const BARE_METAL: &str = "riscv64gc-unknown-none-elf";

const USAGE: &str = "\
usage: cargo xtask <job> [options]

jobs:
  run [WEMU OPTS]      fetch the images (as `images`), then boot Debian's riscv64 kernel with
                       OpenSBI and the busybox initramfs on riscv64-virt, the terminal as its
                       console (Ctrl-A x quits); options go to `wemu --machine riscv64-virt`
  run-ir [FILE.ir [OPTS]]
                       run an IR program through the interpreter (default: the fib example);
                       options as for `wemu ir` (see `cargo run -p wemu-native -- help`)
  test [--fuzz-seconds N]
                       everything CI checks: rustfmt, clippy -D warnings, the no_std build,
                       the test suites, each fuzz target for N seconds (default 30; 0 skips)
  {bench}  fuzz TARGET [SECS]   run one cargo-fuzz target (default 60 s)
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("run-ir") => run_ir(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz::fuzz_cmd(&args[1..]),
        Some("images") => images::images_cmd(&args[1..]),
        Some("web-demo") => web::web_demo(&args[1..]),
        Some("test-web") => web::test_web(&args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{}{}{}", usage(), images::USAGE, web::USAGE);
            Ok(())
        }
        Some(other) => Err(format!("unknown job `{other}`; try `cargo xtask help`")),
        None => Err(format!("no job given\n{}{}", usage(), images::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    USAGE.replace("{bench}", bench::USAGE)
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// The shared target directory outside the clone.
pub fn target_dir() -> PathBuf {
    if let Some(d) = env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_else(env::temp_dir);
    home.join(".cache/wemu/target")
}

/// A `cargo` command run from the root with the shared target directory.
pub fn cargo(toolchain: Option<&str>) -> Command {
    let mut c = Command::new(env::var("CARGO").ok().filter(|_| toolchain.is_none()).unwrap_or_else(|| "cargo".into()));
    if let Some(t) = toolchain {
        c.arg(format!("+{t}"));
        // A toolchain override must not be shadowed by the outer cargo's choice.
        c.env_remove("RUSTUP_TOOLCHAIN");
    }
    c.current_dir(root()).env("CARGO_TARGET_DIR", target_dir());
    c
}

/// Runs a command, failing with its description if it fails.
pub fn run_cmd(what: &str, cmd: &mut Command) -> Result<(), String> {
    let start = Instant::now();
    eprintln!("==> {what}");
    let status = cmd.status().map_err(|e| format!("{what}: cannot start: {e}"))?;
    if !status.success() {
        return Err(format!("{what}: failed ({status})"));
    }
    eprintln!("    {what}: ok in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Whether a command runs successfully (quietly).
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
}

fn ensure_target(target: &str) -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == target))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    run_cmd(&format!("rustup target add {target}"), Command::new("rustup").args(["target", "add", target]))
}

fn ensure_component(component: &str) -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.starts_with(component)))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    run_cmd(&format!("rustup component add {component}"), Command::new("rustup").args(["component", "add", component]))
}

/// The main demo: Linux on riscv64-virt, on the terminal.
fn run(args: &[String]) -> Result<(), String> {
    images::images_cmd(&[])?;
    let mut c = cargo(None);
    c.args(["run", "--quiet", "--release", "-p", "wemu-native", "--", "--machine", "riscv64-virt"]).args(args);
    // The guest's exit status is wemu's; the console is the terminal.
    let status = c.status().map_err(|e| format!("wemu: cannot start: {e}"))?;
    match status.success() {
        true => Ok(()),
        false => Err(format!("wemu: {status}")),
    }
}

fn run_ir(args: &[String]) -> Result<(), String> {
    let mut c = cargo(None);
    c.args(["run", "--quiet", "--release", "-p", "wemu-native", "--", "ir"]);
    if args.is_empty() {
        // The example: fib(90) by a loop, with the IR that runs printed.
        c.arg(root().join("tests/ir/fib.ir")).args(["--set", "a0=90", "--print"]);
    } else {
        c.args(args);
    }
    run_cmd("wemu ir", &mut c)
}

fn test(args: &[String]) -> Result<(), String> {
    let mut fuzz_seconds = 30u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fuzz-seconds" => {
                let v = it.next().ok_or("--fuzz-seconds needs a number")?;
                fuzz_seconds = v.parse().map_err(|_| format!("--fuzz-seconds: `{v}` is not a number"))?;
            }
            other => return Err(format!("test: unknown option `{other}`")),
        }
    }
    let start = Instant::now();
    ensure_component("rustfmt")?;
    ensure_component("clippy")?;
    ensure_target(BARE_METAL)?;

    run_cmd("rustfmt", cargo(None).args(["fmt", "--all", "--check"]))?;
    run_cmd(
        "clippy",
        cargo(None).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            "wemu-ir/arbitrary",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let mut nostd = cargo(None);
    nostd.args(["build", "--target", BARE_METAL]);
    for c in COMPONENTS {
        nostd.args(["-p", c]);
    }
    run_cmd(&format!("no_std build of the components for {BARE_METAL}"), &mut nostd)?;
    // Everything that links wasmtime (the JIT's engine) is tested in release
    // only, so wasmtime is built once (in the profile the boot tests need).
    let mut debug_tests = cargo(None);
    debug_tests.args(["test", "--workspace", "--features", "wemu-ir/arbitrary"]);
    for p in RELEASE_TESTED {
        debug_tests.args(["--exclude", p]);
    }
    run_cmd("tests", &mut debug_tests)?;
    // Linux on riscv64-virt needs the images.
    images::images_cmd(&[])?;
    let mut release_tests = cargo(None);
    release_tests.args(["test", "--release"]);
    for p in RELEASE_TESTED {
        release_tests.args(["-p", p]);
    }
    run_cmd(
        "tests of the JIT (interpreter vs Wasm), the ISA tests under both, and the boot tests: \
         Debian Linux on riscv64-virt to a shell (interpreter, JIT, deterministic), a virtio disk",
        &mut release_tests,
    )?;
    // The browser host: node and headless Chromium boot the wasm build.
    web::test_web(&[])?;
    for &(name, package, target) in BENCHES {
        run_cmd(
            &format!("{name} benchmark smoke run"),
            cargo(None).args(["bench", "-p", package, "--bench", target, "--", "--quick"]),
        )?;
    }
    // The dashboard's workload once on wemu: its checksum must be the host build's.
    eprintln!("==> bench suite smoke run: the workload on wemu (TCI) against the host build");
    bench::smoke()?;
    if fuzz_seconds > 0 {
        fuzz::run_all(fuzz_seconds)?;
    }
    eprintln!("xtask test: all checks passed in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// `cargo xtask bench`: the suite (see `bench`), or the micro benchmarks
/// when one is named (`micro` names them all).
fn bench(args: &[String]) -> Result<(), String> {
    // Names are the words that are neither options nor their values.
    let mut names = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" | "--scale" | "--filter" | "--wemu" => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => names.push(a),
        }
    }
    let micro = |n: &str| n == "micro" || BENCHES.iter().any(|(b, ..)| *b == n);
    if names.is_empty() || names == ["suite"] {
        let rest: Vec<String> = args.iter().filter(|a| *a != "suite").cloned().collect();
        return bench::suite(&rest);
    }
    if let Some(n) = names.iter().find(|n| !micro(n)) {
        let known: Vec<&str> = BENCHES.iter().map(|(n, ..)| *n).collect();
        return Err(format!("unknown benchmark `{n}` (known: suite, micro, {})", known.join(", ")));
    }
    let quick = args.iter().any(|a| a == "--quick");
    let all = names.contains(&"micro");
    for &(name, package, target) in BENCHES.iter().filter(|(n, ..)| all || names.contains(n)) {
        let mut c = cargo(None);
        c.args(["bench", "-p", package, "--bench", target]);
        if quick {
            c.args(["--", "--quick"]);
        }
        run_cmd(&format!("{name} benchmark"), &mut c)?;
    }
    Ok(())
}

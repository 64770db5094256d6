//! Fuzzing jobs: cargo-fuzz (libFuzzer) targets under `fuzz/`, run with the
//! nightly toolchain. Each target's corpus lives in `fuzz/corpus/<target>`
//! and is replayed and extended by every run.

use std::process::Command;

use crate::{cargo, root, run_cmd, succeeds};

/// The targets, in the order `test` runs them.
/// Targets `cargo xtask test` leaves out: `jit_vs_tci` links wasmtime,
/// whose instrumented build takes about 20 minutes on 2 cores, to run about
/// ten cases a second; the JIT's own differential test runs thousands of
/// random regions in the test command instead.
const NOT_IN_TEST: &[&str] = &["jit_vs_tci"];

pub const TARGETS: &[&str] =
    &["ir_roundtrip", "ir_opt_equiv", "text_parse", "riscv64_decode", "riscv64_translate", "jit_vs_tci"];

/// Whether cargo-fuzz and a nightly toolchain are present.
fn available() -> bool {
    succeeds(Command::new("cargo").args(["+nightly", "--version"]).env_remove("RUSTUP_TOOLCHAIN"))
        && succeeds(Command::new("cargo").args(["+nightly", "fuzz", "--version"]).env_remove("RUSTUP_TOOLCHAIN"))
}

fn run_target(target: &str, seconds: u64) -> Result<(), String> {
    let corpus = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut c = cargo(Some("nightly"));
    // cargo-fuzz builds in fuzz/target unless told otherwise; keep it beside
    // the rest of the builds, apart from the stable ones (other flags).
    c.current_dir(root())
        .env_remove("CARGO_TARGET_DIR")
        .args(["fuzz", "run", "--release", "--debug-assertions", "--target-dir"])
        .arg(crate::target_dir().join("fuzz"))
        .arg(target)
        .arg(&corpus)
        .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=4096", "-print_final_stats=0"]);
    // libFuzzer is chatty (status lines, a recommended dictionary): keep its
    // output in a log and show the end of it only when the target fails.
    let log_path = crate::target_dir().join(format!("fuzz-{target}.log"));
    let log = std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log2 = log.try_clone().map_err(|e| format!("{}: {e}", log_path.display()))?;
    c.stdout(log).stderr(log2);
    let result = run_cmd(&format!("fuzz {target} for {seconds} s"), &mut c);
    if result.is_err() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        eprintln!("--- last lines of {} ---", log_path.display());
        for l in &lines[lines.len().saturating_sub(60)..] {
            eprintln!("{l}");
        }
    } else {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(done) = text.lines().rev().find(|l| l.starts_with("Done ")) {
            eprintln!("    {target}: {done}");
        }
    }
    result
}

/// Runs every target for `seconds`; skips (saying so) without cargo-fuzz.
pub fn run_all(seconds: u64) -> Result<(), String> {
    if !available() {
        eprintln!(
            "==> fuzz: skipped (needs `cargo install cargo-fuzz` and a nightly toolchain; .ci/run installs both)"
        );
        return Ok(());
    }
    for t in TARGETS {
        if NOT_IN_TEST.contains(t) {
            eprintln!("==> fuzz {t}: not run by the test command (run it with `cargo xtask fuzz {t} [seconds]`)");
            continue;
        }
        run_target(t, seconds)?;
    }
    Ok(())
}

/// `cargo xtask fuzz TARGET [SECS]`.
pub fn fuzz_cmd(args: &[String]) -> Result<(), String> {
    let target = args.first().ok_or_else(|| format!("fuzz: name a target ({})", TARGETS.join(", ")))?;
    if !TARGETS.contains(&target.as_str()) {
        return Err(format!("fuzz: unknown target `{target}` (known: {})", TARGETS.join(", ")));
    }
    let seconds = match args.get(1) {
        Some(s) => s.parse().map_err(|_| format!("fuzz: `{s}` is not a number of seconds"))?,
        None => 60,
    };
    if !available() {
        return Err("fuzz: needs cargo-fuzz and a nightly toolchain (`cargo install cargo-fuzz`)".into());
    }
    run_target(target, seconds)
}

//! Shared by the integration tests: finding Debian's
//! `binutils-riscv64-unknown-elf`, assembling and linking test programs,
//! running an image on the board.
#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};
use std::process::Command;

use wemu_exec::JitStats;
use wemu_machine_riscv64_spike::{BufferConsole, Exit, RunError, Spike, SpikeConfig};

/// The ISA the tests are assembled for.
pub const MARCH: &str = "rv64gc_zba_zbb_zbc_zbs";

/// The cross assembler and linker.
#[derive(Clone, Debug)]
pub struct Tools {
    pub as_: PathBuf,
    pub ld: PathBuf,
}

fn runs(p: &Path) -> bool {
    Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The tools, from `$RISCV_PREFIX` (e.g. `riscv64-linux-gnu-`) or
/// `riscv64-unknown-elf-`; `None` (with a message) if they are missing.
pub fn tools() -> Option<Tools> {
    let prefix = std::env::var("RISCV_PREFIX").unwrap_or_else(|_| "riscv64-unknown-elf-".into());
    let t = Tools { as_: format!("{prefix}as").into(), ld: format!("{prefix}ld").into() };
    if runs(&t.as_) && runs(&t.ld) {
        Some(t)
    } else {
        eprintln!(
            "SKIPPED: {}as / {}ld not found: install Debian's binutils-riscv64-unknown-elf (.ci/run does)",
            prefix, prefix
        );
        None
    }
}

/// The workspace's `tests/riscv64/isa` directory.
pub fn isa_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/riscv64/isa")
}

/// Where built images go.
pub fn out_dir(sub: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(sub);
    std::fs::create_dir_all(&d).expect("create the test output directory");
    d
}

fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Assembles `src` (with `tests/riscv64/isa` on the include path) and links
/// it with the tests' linker script into `out/NAME.elf`.
pub fn build(tools: &Tools, src: &Path, out: &Path) -> Result<PathBuf, String> {
    let stem = src.file_stem().and_then(|s| s.to_str()).ok_or("bad source name")?;
    let obj = out.join(format!("{stem}.o"));
    let elf = out.join(format!("{stem}.elf"));
    run_tool(
        Command::new(&tools.as_)
            .arg(format!("-march={MARCH}"))
            .arg("-mabi=lp64d")
            .arg("-I")
            .arg(isa_dir())
            .arg(src)
            .arg("-o")
            .arg(&obj),
    )?;
    run_tool(
        Command::new(&tools.ld)
            .arg("--no-warn-rwx-segments")
            .arg("-T")
            .arg(isa_dir().join("link.ld"))
            .arg(&obj)
            .arg("-o")
            .arg(&elf),
    )?;
    Ok(elf)
}

/// Runs `image` on a default board for at most `max_insns` instructions:
/// how it ended and what it printed.
/// Runs `image` with the JIT forced on: every block is compiled (into a
/// region with whatever it is chained to) the first time it runs, at once,
/// and runs in generated code from then on, with at most `max_modules`
/// modules alive (the rest evicted by use). Also returns the JIT's
/// counters.
pub fn run_jit(image: &[u8], max_insns: u64, max_modules: usize) -> (Result<Exit, RunError>, String, JitStats) {
    use wemu_exec::wemu_wasm_jit::Options;
    use wemu_exec::{Jit, JitConfig, JitSetup};
    use wemu_jit_wasmtime::{Compile, WasmtimeEngine};
    let console = BufferConsole::new();
    let config = SpikeConfig { ram_size: 16 << 20, ..SpikeConfig::default() };
    let engine = WasmtimeEngine::new(Spike::arena_len(&config), Compile::Inline).expect("the wasmtime engine");
    let arena = wemu_jit_wasmtime::arena(&engine);
    let options =
        Options { shared_memory: engine.shared_memory(), wasm_base: arena.wasm_base(), links: true, pc_offset: None };
    let jit_config = JitConfig { options, min_member_execs: 0, max_live_modules: max_modules, ..JitConfig::default() };
    let jit = Jit::new(Box::new(engine), jit_config);
    let setup = JitSetup { jit, arena, hot_threshold: 1 };
    let mut spike = Spike::with_jit(config, image, Box::new(console.clone()), None, Some(setup))
        .unwrap_or_else(|e| panic!("cannot build the board: {e}"));
    let r = spike.run(max_insns);
    let stats = spike.jit_stats().unwrap_or_default();
    (r, String::from_utf8_lossy(&console.take()).into_owned(), stats)
}

pub fn run(image: &[u8], max_insns: u64) -> (Result<Exit, RunError>, String) {
    let console = BufferConsole::new();
    let config = SpikeConfig { ram_size: 16 << 20, ..SpikeConfig::default() };
    let mut spike = Spike::new(config, image, Box::new(console.clone()), None)
        .unwrap_or_else(|e| panic!("cannot build the board: {e}"));
    let r = spike.run(max_insns);
    (r, String::from_utf8_lossy(&console.take()).into_owned())
}

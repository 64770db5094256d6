//! `--accel tci|jit` and `--jit-threshold N`: how guest code runs. `tci`
//! is the interpreter alone; `jit` (the default for riscv64-virt when built
//! with the `jit` feature, which is on by default) also compiles regions of
//! hot blocks to Wasm and runs them with wasmtime.

/// How guest code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    /// The interpreter alone.
    Tci,
    /// The interpreter, and the JIT for blocks run `threshold` times.
    Jit { threshold: u32 },
}

/// The hot threshold when none is given: high enough that code run only
/// during boot stays interpreted, low enough that loops compile within
/// milliseconds.
pub const DEFAULT_THRESHOLD: u32 = 10_000;

impl Accel {
    /// What a board runs with when `--accel` is not given: the JIT when
    /// this wemu has it.
    pub fn default_for_boards() -> Accel {
        if cfg!(feature = "jit") { Accel::Jit { threshold: DEFAULT_THRESHOLD } } else { Accel::Tci }
    }

    /// Parses `--accel`'s value.
    pub fn parse(v: &str) -> Result<Accel, String> {
        match v {
            "tci" => Ok(Accel::Tci),
            "jit" if cfg!(feature = "jit") => Ok(Accel::Jit { threshold: DEFAULT_THRESHOLD }),
            "jit" => Err("--accel jit: this wemu was built without the `jit` feature".into()),
            _ => Err(format!("--accel `{v}`: expected tci or jit")),
        }
    }

    /// Applies `--jit-threshold`'s value.
    pub fn with_threshold(self, v: &str) -> Result<Accel, String> {
        let n = v.parse::<u32>().ok().filter(|&n| n > 0);
        let threshold = n.ok_or_else(|| format!("--jit-threshold `{v}`: expected a positive count"))?;
        Ok(match self {
            Accel::Tci => Accel::Tci,
            Accel::Jit { .. } => Accel::Jit { threshold },
        })
    }
}

/// The JIT for a machine needing `arena_len` bytes of arena, or `None` for
/// the interpreter alone. `inline`: compile each region at once, before the
/// block that made it hot runs again (bare-metal tests, which should run
/// in the JIT from the first hot block); otherwise on a background thread.
#[cfg(feature = "jit")]
pub fn setup(accel: Accel, arena_len: u64, inline: bool) -> Result<Option<wemu_exec::JitSetup>, String> {
    use wemu_exec::wemu_wasm_jit::Options;
    use wemu_exec::{Jit, JitConfig, JitSetup};
    use wemu_jit_wasmtime::{Compile, WasmtimeEngine};
    let Accel::Jit { threshold } = accel else { return Ok(None) };
    let engine = WasmtimeEngine::new(arena_len, if inline { Compile::Inline } else { Compile::Background })?;
    let arena = wemu_jit_wasmtime::arena(&engine);
    let options =
        Options { shared_memory: engine.shared_memory(), wasm_base: arena.wasm_base(), links: true, pc_offset: None };
    let jit = Jit::new(Box::new(engine), JitConfig { options, ..JitConfig::default() });
    Ok(Some(JitSetup { jit, arena, hot_threshold: threshold }))
}

#[cfg(not(feature = "jit"))]
pub fn setup(accel: Accel, _arena_len: u64, _inline: bool) -> Result<Option<wemu_exec::JitSetup>, String> {
    match accel {
        Accel::Tci => Ok(None),
        Accel::Jit { .. } => Err("--accel jit: this wemu was built without the `jit` feature".into()),
    }
}

/// The JIT's figures for status lines, or an empty string.
pub fn describe(stats: Option<wemu_exec::JitStats>, insns: u64) -> String {
    let Some(j) = stats else { return String::new() };
    let share = if insns == 0 { 0.0 } else { 100.0 * j.insns as f64 / insns as f64 };
    let per_run = if j.runs == 0 { 0.0 } else { j.insns as f64 / j.runs as f64 };
    let mean_us = if j.installed == 0 { 0.0 } else { j.compile_ns as f64 / j.installed as f64 / 1e3 };
    format!(
        ", JIT: {} regions live ({} compiled, {} evicted, {} invalidated, {} declined), {share:.1}% of instructions \
         ({} runs, {per_run:.0} per run), compile {:.2} s ({mean_us:.0} us/module, {:.0} KiB Wasm)",
        j.live,
        j.installed,
        j.evicted,
        j.invalidated,
        j.declined,
        j.runs,
        j.compile_ns as f64 / 1e9,
        j.wasm_bytes as f64 / 1024.0
    )
}

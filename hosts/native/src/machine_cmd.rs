//! `wemu --machine NAME ...`: run a guest on a board.
//!
//! Today: `--machine riscv64-spike --bios none --kernel test.elf`, a
//! bare-metal test image run to its HTIF exit. The process exits with the
//! test's code (0: pass; clamped to 1..=255 otherwise); errors of wemu
//! itself are a one-line message and exit code 2.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use wemu_machine_riscv64_spike::{Categories, Console, Spike, SpikeConfig, TextTracer, Tracer};

use crate::accel::{self, Accel};

/// Instruction limit when none is given: some seconds in the interpreter.
const DEFAULT_MAX_INSNS: u64 = 2_000_000_000;

struct Options {
    machine: String,
    kernel: PathBuf,
    max_insns: u64,
    ram_mib: u64,
    trace: Categories,
    stats: bool,
    accel: Accel,
}

/// Parses a number with an optional `0x` prefix and `k`/`M`/`G` suffix
/// (powers of 1000 for counts).
fn parse_count(s: &str) -> Option<u64> {
    let (digits, mul) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1_000),
        b'M' => (&s[..s.len() - 1], 1_000_000),
        b'G' => (&s[..s.len() - 1], 1_000_000_000),
        _ => (s, 1),
    };
    let v = match digits.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok()?,
        None => digits.replace('_', "").parse().ok()?,
    };
    v.checked_mul(mul)
}

/// `-m`: MiB, or with a `M`/`G` suffix.
fn parse_ram(s: &str) -> Option<u64> {
    let (digits, mul) = match s.as_bytes().last()? {
        b'M' | b'm' => (&s[..s.len() - 1], 1),
        b'G' | b'g' => (&s[..s.len() - 1], 1024),
        _ => (s, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(mul).filter(|&m| (1..=2048).contains(&m))
}

fn parse_options(args: Vec<OsString>) -> Result<Options, String> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_args(args);
    let mut o = Options {
        machine: String::new(),
        kernel: PathBuf::new(),
        max_insns: DEFAULT_MAX_INSNS,
        ram_mib: 128,
        trace: Categories::NONE,
        stats: false,
        accel: Accel::Tci,
    };
    let mut threshold = None;
    let mut kernel = None;
    let mut bios = None;
    let value = |p: &mut lexopt::Parser| -> Result<String, String> {
        p.value().map_err(|e| e.to_string())?.into_string().map_err(|v| format!("`{}` is not UTF-8", v.display()))
    };
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Long("machine") | Short('M') => o.machine = value(&mut p)?,
            Long("bios") => bios = Some(value(&mut p)?),
            Long("kernel") => kernel = Some(PathBuf::from(p.value().map_err(|e| e.to_string())?)),
            Long("max-insns") => {
                let v = value(&mut p)?;
                o.max_insns = parse_count(&v)
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--max-insns `{v}`: expected a positive count (e.g. 1000000 or 5G)"))?;
            }
            Short('m') => {
                let v = value(&mut p)?;
                o.ram_mib = parse_ram(&v).ok_or_else(|| format!("-m `{v}`: expected MiB of RAM, 1 to 2048 (or 1G)"))?;
            }
            Short('d') => {
                let v = value(&mut p)?;
                o.trace |= Categories::parse(&v).map_err(|e| format!("-d `{v}`: {e}"))?;
            }
            Long("stats") => o.stats = true,
            Long("accel") => o.accel = Accel::parse(&value(&mut p)?)?,
            Long("jit-threshold") => threshold = Some(value(&mut p)?),
            other => return Err(other.unexpected().to_string()),
        }
    }
    match o.machine.as_str() {
        "riscv64-spike" => {}
        "" => return Err("name a machine with --machine (known: riscv64-spike, riscv64-virt)".into()),
        m => return Err(format!("unknown machine `{m}` (known: riscv64-spike, riscv64-virt)")),
    }
    match bios.as_deref() {
        None | Some("none") => {}
        Some(b) => return Err(format!("--bios `{b}`: riscv64-spike runs bare-metal images only (--bios none)")),
    }
    if let Some(t) = threshold {
        o.accel = o.accel.with_threshold(&t)?;
    }
    o.kernel = kernel.ok_or("name the image to run with --kernel FILE")?;
    Ok(o)
}

/// HTIF console output: standard output, flushed at each newline and at
/// exit.
struct Stdout(std::io::Stdout);

impl Console for Stdout {
    fn write(&mut self, bytes: &[u8]) {
        let _ = self.0.write_all(bytes);
    }
}

/// Trace lines: standard error.
struct Stderr;

impl std::fmt::Write for Stderr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        std::io::stderr().write_all(s.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

pub fn main(args: Vec<OsString>) -> Result<ExitCode, String> {
    if crate::virt_cmd::wants(&args) {
        return crate::virt_cmd::main(args);
    }
    let o = parse_options(args)?;
    let name = o.kernel.display().to_string();
    let image = std::fs::read(&o.kernel).map_err(|e| format!("{name}: {e}"))?;
    let config = SpikeConfig { ram_size: o.ram_mib << 20, ..SpikeConfig::default() };
    let trace: Option<Box<dyn Tracer + Send>> =
        if o.trace == Categories::NONE { None } else { Some(Box::new(TextTracer::new(Stderr, o.trace))) };
    let jit = accel::setup(o.accel, Spike::arena_len(&config), true)?;
    let console = Box::new(Stdout(std::io::stdout()));
    let mut spike = Spike::with_jit(config, &image, console, trace, jit).map_err(|e| format!("{name}: {e}"))?;
    if !spike.has_htif() {
        eprintln!("wemu: warning: {name} has no tohost symbol: it cannot end the test, which runs to the limit");
    }
    let start = Instant::now();
    let result = spike.run(o.max_insns);
    let _ = std::io::stdout().flush();
    let secs = start.elapsed().as_secs_f64();
    if spike.ignored_htif_commands() > 0 {
        eprintln!("wemu: warning: {} HTIF command(s) of unknown devices ignored", spike.ignored_htif_commands());
    }
    let exit = result.map_err(|e| format!("{name}: {e}"))?;
    if o.stats {
        let mips = exit.insns as f64 / secs.max(1e-9) / 1e6;
        let jit = accel::describe(spike.jit_stats(), exit.insns);
        eprintln!("wemu: {} instructions in {secs:.3} s ({mips:.1} MIPS){jit}", exit.insns);
    }
    Ok(match exit.code {
        0 => ExitCode::SUCCESS,
        c => {
            eprintln!("wemu: {name}: the test failed with code {c}");
            ExitCode::from(u8::try_from(c).unwrap_or(255))
        }
    })
}

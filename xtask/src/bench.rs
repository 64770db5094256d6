//! `cargo xtask bench`: the performance dashboard. One fixed suite on
//! riscv64-virt, each executor of wemu side by side with QEMU (TCG) and
//! the workload compiled for the host, printed as one table and written as
//! JSON under `<target dir>/bench/`.
//!
//! Rows are `executor/measurement` (`--filter` picks them by substring):
//!
//! * `*/boot`: Debian's kernel with the stock busybox initramfs (as
//!   `cargo xtask run` boots it) to the shell prompt: host wall time from
//!   starting the emulator to the prompt on its console, guest instructions
//!   to the prompt (wemu's `--stats`), peak host resident set.
//! * `*/workload`: the same kernel with the bench initramfs, whose `/init`
//!   runs `tests/bench/workload.c` (integer, memory and branch kernels
//!   ending in a checksum) and powers off: the workload's time by the
//!   guest's own clock, guest MIPS (its instruction count over that time;
//!   the count is the binary's, so all executors share the interpreter's,
//!   which wemu reads from its counter between the workload's first line
//!   (Ctrl-A c) and its exit (`--stats`); QEMU's TCG cannot count), peak
//!   host resident set. `native/workload` is the same source built with
//!   the host's `gcc -O2`: the physical limit.
//!
//! Each figure is the median of `--runs` runs (min and max beside it); a
//! spread above [`NOISY`] is flagged, since on a busy machine medians are
//! all one can trust. Ratios are ours ÷ QEMU and ours ÷ native for the same
//! figure (for times, 5.0x means five times slower). Every guest run's
//! checksum must equal the host build's: a mismatch fails the command, so
//! the suite doubles as a correctness check of the emulator.
//!
//! Executors: wemu's interpreter (TCI) now; wemu's native JIT when `wemu
//! --help` offers `--accel` (then TCI runs with `--accel tci` and JIT with
//! `--accel jit`); wemu in node and headless Chromium once `hosts/web`
//! exists. Unavailable ones are rows that say why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::bench_guest::Measured;
use crate::bench_workload::{self, Built, Report};
use crate::{cargo, root, run_cmd, target_dir};

/// Spread ((max - min) / median) above which a figure is flagged noisy.
const NOISY: f64 = 0.10;
/// Runs per figure, by default and with `--quick`.
const RUNS: usize = 3;
const QUICK_RUNS: usize = 1;
/// The fewest runs of the host build.
const NATIVE_RUNS: usize = 5;
/// The workload's scale, by default and with `--quick` (work grows
/// linearly; at 2 the host build takes about 0.04 s, QEMU about 0.9 s and
/// wemu's interpreter about 15 s on a 2-core machine).
const SCALE: u32 = 2;
const QUICK_SCALE: u32 = 1;
/// Guest RAM in MiB, for wemu and QEMU alike.
const RAM_MIB: &str = "256";
/// The kernel command line (as `cargo xtask run` boots).
const APPEND: &str = "console=ttyS0 earlycon=sbi";
/// busybox's prompt, as the boot test waits for it.
const PROMPT: &str = "~ # ";
const BOOT_TIMEOUT: Duration = Duration::from_secs(300);
const QEMU: &str = "qemu-system-riscv64";

pub const USAGE: &str = "\
bench [--quick] [--runs N] [--scale N] [--filter ROW[,ROW...]] [--wemu PATH]
                       the performance dashboard on riscv64-virt: boot to the shell prompt
                       (host wall time, guest instructions, peak RSS) and a CPU-bound guest
                       workload (tests/bench; its time, guest MIPS, peak RSS, checksum) for
                       each wemu executor, beside QEMU (TCG) and the workload built for the
                       host; median [min, max] of N runs (default 3 runs at scale 2; --quick:
                       1 run at scale 1);
                       rows are EXECUTOR/MEASUREMENT (tci/boot, qemu/workload, native/workload,
                       ...) and --filter keeps those containing one of the strings; --wemu
                       measures that binary instead of building the tree's (release).
                       Writes <target>/bench/suite-<time>.json and suite-latest.json
  bench tci|exec|micro [--quick]
                       micro benchmarks: tci (interpreter throughput), exec (TLB-hit memory
                       access, block dispatch); micro runs both
";

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub runs: usize,
    pub scale: u32,
    pub filters: Vec<String>,
    pub quick: bool,
    /// A wemu binary to measure instead of building the tree's.
    pub wemu: Option<PathBuf>,
    /// The name of the JSON files (`<name>-<time>.json`, `<name>-latest.json`).
    pub record: &'static str,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut o = Options {
            runs: if quick { QUICK_RUNS } else { RUNS },
            scale: if quick { QUICK_SCALE } else { SCALE },
            filters: Vec::new(),
            quick,
            wemu: None,
            record: "suite",
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().ok_or_else(|| format!("bench: {name} needs a value")).cloned();
            match a.as_str() {
                "--quick" => {}
                "--runs" => {
                    let v = value("--runs")?;
                    o.runs = v.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("bench: --runs: bad `{v}`"))?;
                }
                "--scale" => {
                    let v = value("--scale")?;
                    o.scale = v.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("bench: --scale: bad `{v}`"))?;
                }
                "--filter" => {
                    o.filters.extend(value("--filter")?.split(',').filter(|s| !s.is_empty()).map(str::to_lowercase))
                }
                "--wemu" => o.wemu = Some(PathBuf::from(value("--wemu")?)),
                other => return Err(format!("bench: unknown option `{other}`\n{USAGE}")),
            }
        }
        Ok(o)
    }

    fn selects(&self, row: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| row.contains(f.as_str()))
    }
}

/// Who runs the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exec {
    Tci,
    Jit,
    Node,
    Chromium,
    Qemu,
    Native,
}

impl Exec {
    const ALL: [Exec; 6] = [Exec::Tci, Exec::Jit, Exec::Node, Exec::Chromium, Exec::Qemu, Exec::Native];

    fn key(self) -> &'static str {
        match self {
            Exec::Tci => "tci",
            Exec::Jit => "jit",
            Exec::Node => "node",
            Exec::Chromium => "chromium",
            Exec::Qemu => "qemu",
            Exec::Native => "native",
        }
    }

    fn is_wemu(self) -> bool {
        matches!(self, Exec::Tci | Exec::Jit | Exec::Node | Exec::Chromium)
    }
}

/// The measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Boot,
    Workload,
}

impl Measure {
    fn key(self) -> &'static str {
        match self {
            Measure::Boot => "boot",
            Measure::Workload => "workload",
        }
    }
}

/// How a figure's numbers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Count,
    Mips,
    Bytes,
    /// A plain number (modules, milliseconds).
    Plain,
}

/// One figure of a row: its samples, one per run.
#[derive(Debug, Clone)]
struct Figure {
    key: &'static str,
    label: &'static str,
    unit: Unit,
    samples: Vec<f64>,
}

impl Figure {
    fn new(key: &'static str, label: &'static str, unit: Unit) -> Figure {
        Figure { key, label, unit, samples: Vec::new() }
    }

    fn median(&self) -> Option<f64> {
        median(&self.samples)
    }

    fn min(&self) -> Option<f64> {
        self.samples.iter().copied().reduce(f64::min)
    }

    fn max(&self) -> Option<f64> {
        self.samples.iter().copied().reduce(f64::max)
    }

    /// (max - min) / median, with two samples or more.
    fn spread(&self) -> Option<f64> {
        match (self.samples.len(), self.min(), self.max(), self.median()) {
            (2.., Some(lo), Some(hi), Some(m)) if m > 0.0 => Some((hi - lo) / m),
            _ => None,
        }
    }
}

/// The median (mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// What became of a row.
#[derive(Debug, Clone)]
enum Status {
    Measured,
    NotAvailable(String),
    Failed(String),
}

#[derive(Debug, Clone)]
struct Row {
    exec: Exec,
    measure: Measure,
    status: Status,
    figures: Vec<Figure>,
    /// Checksums that differed from the host build's.
    wrong_checksums: Vec<u64>,
    /// The workload's retired instructions, per run (wemu's rows).
    instret: Vec<u64>,
    /// Notes printed under the table.
    notes: Vec<String>,
}

impl Row {
    fn id(&self) -> String {
        format!("{}/{}", self.exec.key(), self.measure.key())
    }

    fn figure(&self, key: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.key == key)
    }

    fn figure_mut(&mut self, key: &str) -> &mut Figure {
        self.figures.iter_mut().find(|f| f.key == key).expect("figure declared for the row")
    }
}

/// Everything the run found out about the tools.
struct Env {
    wemu: PathBuf,
    /// `wemu --help` offers `--accel` (the native JIT exists).
    wemu_has_accel: bool,
    /// `qemu-system-riscv64 --version`'s first line, if it runs.
    qemu: Result<String, String>,
    built: Built,
    /// The browser host's site, served on loopback (for the node and
    /// Chromium rows), or why it is not available.
    web: Result<WebEnv, String>,
}

/// The browser host, built and served for the node and Chromium rows.
struct WebEnv {
    site: PathBuf,
    url: String,
}

/// Builds `hosts/web` (with the bench initramfs in its site) and serves it
/// on a loopback port for the rest of the process.
fn web_env() -> Result<WebEnv, String> {
    if !root().join("hosts/web").is_dir() {
        return Err("no browser host (hosts/web)".into());
    }
    crate::web::setup()?;
    let site = crate::web::default_site();
    crate::web::build_site(&site)?;
    let server = crate::web_server::Server::bind(&site, 0)?;
    let url = format!("http://127.0.0.1:{}/", server.port());
    std::thread::spawn(move || server.run_forever());
    Ok(WebEnv { site, url })
}

/// Runs a test script of `tests/web` with node; its standard output.
fn web_script(script: &str, args: &[&std::ffi::OsStr]) -> Result<String, String> {
    let out = Command::new("node")
        .arg(root().join("tests/web").join(script))
        .args(args)
        .env("WEMU_WEB_DIR", crate::web::web_dir())
        .output()
        .map_err(|e| format!("node {script}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("node {script} failed ({}): {}", out.status, err.lines().last().unwrap_or("")));
    }
    Ok(text)
}

/// The number just after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> Option<f64> {
    let at = text.find(prefix)? + prefix.len();
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A boot in the browser host: node runs the wasm build headless, Chromium
/// opens the page; wall time to the prompt and instructions.
fn web_boot(env: &Env, exec: Exec) -> Result<(f64, Option<f64>), String> {
    let web = env.web.as_ref().map_err(Clone::clone)?;
    let shot = target_dir().join("bench/chromium-boot.png");
    let out = match exec {
        Exec::Node => web_script("node_boot.mjs", &[web.site.as_os_str()])?,
        _ => web_script("chromium_boot.mjs", &[web.url.as_ref(), "jit".as_ref(), shot.as_os_str()])?,
    };
    let (wall_prefix, insns_prefix) = match exec {
        Exec::Node => ("shell after ", " s, "),
        _ => ("page load to shell prompt ", " s), "),
    };
    let wall = number_after(&out, wall_prefix).ok_or_else(|| format!("no boot time in: {out}"))?;
    let insns = out.find(insns_prefix).and_then(|i| number_after(&out[i..], insns_prefix)).map(|g| g * 1e9);
    Ok((wall, insns))
}

/// The workload in the browser host: node runs the wasm build, or the
/// page in Chromium boots the bench initramfs.
fn web_workload(env: &Env, exec: Exec, scale: u32) -> Result<(Report, Option<u64>), String> {
    let web = env.web.as_ref().map_err(Clone::clone)?;
    let scale = scale.to_string();
    let out = match exec {
        Exec::Node => web_script("node_bench.mjs", &[web.site.as_os_str(), scale.as_ref()])?,
        _ => web_script("chromium_bench.mjs", &[web.url.as_ref(), "jit".as_ref(), scale.as_ref()])?,
    };
    let report = bench_workload::parse_report(&out)?;
    let insns = number_after(&out, &format!("scale {scale}): ")).map(|m| (m * 1e6) as u64);
    Ok((report, insns))
}

fn exec_label(exec: Exec, env: &Env) -> String {
    match exec {
        Exec::Tci => "wemu TCI (native)".into(),
        Exec::Jit => "wemu JIT (native)".into(),
        Exec::Node => "wemu JIT (node)".into(),
        Exec::Chromium => "wemu JIT (Chromium)".into(),
        Exec::Qemu => match &env.qemu {
            Ok(v) => format!("QEMU {} TCG", v.split_whitespace().nth(3).unwrap_or("?")),
            Err(_) => "QEMU TCG".into(),
        },
        Exec::Native => "host, gcc -O2".into(),
    }
}

/// Why an executor cannot run here, if it cannot.
fn unavailable(exec: Exec, env: &Env) -> Option<String> {
    match exec {
        Exec::Tci | Exec::Native => None,
        Exec::Jit if env.wemu_has_accel => None,
        Exec::Jit => Some("this wemu has no --accel option (the native Wasm JIT is not in yet)".into()),
        Exec::Node | Exec::Chromium => env.web.as_ref().err().cloned(),
        Exec::Qemu => env.qemu.as_ref().err().cloned(),
    }
}

/// Whether a failed run is wemu refusing the accelerator (an executor not
/// supported on this board or build), rather than a run that went wrong.
fn rejects_accel(exec: Exec, error: &str) -> bool {
    exec == Exec::Jit && error.contains("exited") && error.contains("accel") && !error.contains("OpenSBI")
}

fn figures_for(exec: Exec, measure: Measure) -> Vec<Figure> {
    match measure {
        Measure::Boot => {
            let mut f = vec![Figure::new("wall_s", "boot to prompt, wall", Unit::Seconds)];
            if exec.is_wemu() {
                f.push(Figure::new("insns", "instructions to prompt", Unit::Count));
            }
            f.push(Figure::new("rss", "peak RSS at prompt", Unit::Bytes));
            f.extend(jit_figures(exec));
            f
        }
        Measure::Workload => {
            let mut f = vec![Figure::new("time_s", "workload time", Unit::Seconds)];
            if exec != Exec::Native {
                f.push(Figure::new("mips", "workload guest MIPS", Unit::Mips));
            }
            f.push(Figure::new("rss", "peak RSS", Unit::Bytes));
            f.extend(jit_figures(exec));
            f
        }
    }
}

/// The JIT's own figures (from its `--stats` line), for JIT rows: over the
/// whole run, boot included.
fn jit_figures(exec: Exec) -> Vec<Figure> {
    if exec != Exec::Jit {
        return Vec::new();
    }
    vec![
        Figure::new("jit_compiled", "JIT modules compiled", Unit::Plain),
        Figure::new("jit_evicted", "JIT modules evicted", Unit::Plain),
        Figure::new("jit_compile_s", "JIT compile time (all)", Unit::Seconds),
        Figure::new("jit_ms_per_module", "JIT compile ms/module", Unit::Plain),
    ]
}

/// The JIT's figures in wemu's `--stats` line: `JIT: L regions live (C
/// compiled, E evicted, ...), ... compile S s (U us/module, ...)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitFigures {
    pub compiled: f64,
    pub evicted: f64,
    pub compile_s: f64,
    pub ms_per_module: f64,
}

pub fn parse_jit_stats(stderr: &str) -> Option<JitFigures> {
    let line = stderr.lines().rev().find(|l| l.contains("instructions in ") && l.contains("JIT: "))?;
    // The number just before `word` in `text`.
    let before = |text: &str, word: &str| -> Option<f64> {
        let at = text.find(word)?;
        text[..at].trim_end().rsplit([' ', '(']).next()?.parse().ok()
    };
    let jit = &line[line.find("JIT: ")?..];
    let compile = &jit[jit.find(" compile ")? + " compile ".len()..];
    Some(JitFigures {
        compiled: before(jit, " compiled")?,
        evicted: before(jit, " evicted")?,
        compile_s: compile.split_whitespace().next()?.parse().ok()?,
        ms_per_module: before(compile, " us/module")? / 1e3,
    })
}

/// Appends a run's JIT figures to `row`.
fn push_jit(row: &mut Row, jit: Option<JitFigures>) {
    let Some(j) = jit else { return };
    for (key, v) in [
        ("jit_compiled", j.compiled),
        ("jit_evicted", j.evicted),
        ("jit_compile_s", j.compile_s),
        ("jit_ms_per_module", j.ms_per_module),
    ] {
        row.figure_mut(key).samples.push(v);
    }
}

/// `cargo xtask bench` (the suite).
pub fn suite(args: &[String]) -> Result<(), String> {
    let opts = Options::parse(args)?;
    let ids: Vec<String> = Exec::ALL
        .iter()
        .flat_map(|e| [Measure::Boot, Measure::Workload].map(|m| format!("{}/{}", e.key(), m.key())))
        .filter(|id| id != "native/boot")
        .collect();
    if !ids.iter().any(|id| opts.selects(id)) {
        return Err(format!("bench: --filter matches no row (rows: {})", ids.join(", ")));
    }
    run_suite(&opts)
}

/// The smoke run `cargo xtask test` makes: the workload once on wemu's
/// interpreter at scale 1, its checksum against the host build's (about
/// half a minute). Skipped, loudly, without the cross compiler.
pub fn smoke() -> Result<(), String> {
    if Command::new(bench_workload::CROSS_GCC).arg("--version").output().is_err() {
        eprintln!(
            "\n*** bench smoke SKIPPED: no {} (apt-get install gcc-riscv64-linux-gnu) ***\n",
            bench_workload::CROSS_GCC
        );
        return Ok(());
    }
    let opts = Options {
        runs: 1,
        scale: 1,
        filters: vec!["tci/workload".into(), "native/".into()],
        quick: true,
        wemu: None,
        record: "smoke",
    };
    run_suite(&opts)
}

fn run_suite(opts: &Options) -> Result<(), String> {
    crate::images::images_cmd(&[])?;
    let built_wemu = match &opts.wemu {
        Some(w) => w.clone(),
        None => {
            run_cmd("build wemu (release)", cargo(None).args(["build", "--quiet", "--release", "-p", "wemu-native"]))?;
            target_dir().join("release/wemu")
        }
    };
    // The target directory is shared: another build may replace
    // release/wemu while the suite runs. Measure a copy.
    let dir = bench_workload::bench_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let wemu = dir.join("wemu-under-test");
    std::fs::copy(&built_wemu, &wemu).map_err(|e| format!("{}: {e}", built_wemu.display()))?;
    let help = Command::new(&wemu).arg("--help").output().map_err(|e| format!("{}: {e}", wemu.display()))?;
    let wemu_has_accel = String::from_utf8_lossy(&help.stdout).contains("--accel");
    let qemu = match Command::new(QEMU).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string()),
        Ok(o) => Err(format!("{QEMU} --version failed ({})", o.status)),
        Err(_) => Err(format!("{QEMU} is not installed (apt-get install qemu-system-misc)")),
    };
    eprintln!("==> build the bench workload (host and riscv64) and the bench initramfs");
    let built = bench_workload::build()?;
    // The browser host, when a node or Chromium row is selected.
    let wants_web = [Exec::Node, Exec::Chromium]
        .iter()
        .any(|e| ["boot", "workload"].iter().any(|m| opts.selects(&format!("{}/{m}", e.key()))));
    let web = match wants_web {
        true => {
            eprintln!("==> build and serve the browser host (hosts/web)");
            web_env()
        }
        false => Err("not selected".into()),
    };
    let env = Env { wemu, wemu_has_accel, qemu, built, web };

    // The host build's checksum is the reference every guest run must match.
    let reference = run_native(&env, opts.scale)?.0;

    let load_before = loadavg();
    let mut rows = Vec::new();
    for exec in Exec::ALL {
        for measure in [Measure::Boot, Measure::Workload] {
            if exec == Exec::Native && measure == Measure::Boot {
                continue;
            }
            let mut row = Row {
                exec,
                measure,
                status: Status::Measured,
                figures: figures_for(exec, measure),
                wrong_checksums: Vec::new(),
                instret: Vec::new(),
                notes: Vec::new(),
            };
            if !opts.selects(&row.id()) {
                continue;
            }
            if let Some(why) = unavailable(exec, &env) {
                row.status = Status::NotAvailable(why);
                rows.push(row);
                continue;
            }
            // The host build takes milliseconds: more runs steady its median.
            let runs = if exec == Exec::Native { opts.runs.max(NATIVE_RUNS) } else { opts.runs };
            for i in 0..runs {
                eprintln!("==> bench {} run {}/{runs}", row.id(), i + 1);
                // One retry: a run killed from outside (a busy shared machine)
                // should not sink the row; the note keeps it visible.
                let result = measure_once(&env, opts, &mut row, reference.checksum).or_else(|e| {
                    eprintln!(
                        "    {}: run {} failed, retrying once: {}",
                        row.id(),
                        i + 1,
                        e.lines().next().unwrap_or("")
                    );
                    row.notes.push(format!("run {} was retried after: {}", i + 1, e.lines().next().unwrap_or("")));
                    measure_once(&env, opts, &mut row, reference.checksum)
                });
                if let Err(e) = result {
                    eprintln!("    {}: failed: {e}", row.id());
                    row.status = match rejects_accel(exec, &e) {
                        true => Status::NotAvailable(format!(
                            "wemu rejects --accel jit: {}",
                            e.lines().next().unwrap_or("")
                        )),
                        false => Status::Failed(e),
                    };
                    break;
                }
            }
            rows.push(row);
        }
    }
    let load_after = loadavg();
    fill_mips(&mut rows);

    let header = format!(
        "wemu bench, riscv64-virt: {} run{} per figure, workload scale {}, {} host CPUs, load {} before / {} after",
        opts.runs,
        if opts.runs == 1 { "" } else { "s" },
        opts.scale,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_before.as_deref().unwrap_or("?"),
        load_after.as_deref().unwrap_or("?"),
    );
    let table = render(&rows, &env, &header);
    println!("{table}");

    let json = to_json(&rows, &env, opts, &reference, &header);
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let text = serde_json::to_string_pretty(&json).expect("JSON values serialize");
    let path = dir.join(format!("{}-{stamp}.json", opts.record));
    write(&path, &text)?;
    write(&dir.join(format!("{}-latest.json", opts.record)), &text)?;
    println!("written: {}", path.display());

    let mut errors = Vec::new();
    for r in &rows {
        if let Status::Failed(e) = &r.status {
            errors.push(format!("{} failed: {}", r.id(), e.lines().next().unwrap_or("")));
        }
        if !r.wrong_checksums.is_empty() {
            errors.push(format!(
                "{}: WRONG checksum {} (the host build computes {:#018x})",
                r.id(),
                r.wrong_checksums.iter().map(|c| format!("{c:#018x}")).collect::<Vec<_>>().join(", "),
                reference.checksum
            ));
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(errors.join("\n")),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// One run of a row, its samples appended to the row's figures.
fn measure_once(env: &Env, opts: &Options, row: &mut Row, reference: u64) -> Result<(), String> {
    let push = |row: &mut Row, key: &str, v: Option<f64>| {
        if let Some(v) = v {
            row.figure_mut(key).samples.push(v);
        }
    };
    match (row.exec, row.measure) {
        (Exec::Native, _) => {
            let (report, rss) = run_native(env, opts.scale)?;
            push(row, "time_s", Some(report.time_ns as f64 * 1e-9));
            push(row, "rss", rss.map(|b| b as f64));
            check_checksum(row, &report, reference);
        }
        (Exec::Node | Exec::Chromium, Measure::Boot) => {
            let (wall, insns) = web_boot(env, row.exec)?;
            push(row, "wall_s", Some(wall));
            push(row, "insns", insns);
        }
        (Exec::Node | Exec::Chromium, Measure::Workload) => {
            let (report, counted) = web_workload(env, row.exec, opts.scale)?;
            push(row, "time_s", Some(report.time_ns as f64 * 1e-9));
            if let Some(n) = counted {
                row.instret.push(n);
            }
            check_checksum(row, &report, reference);
        }
        (exec, Measure::Boot) => {
            let (wall, insns, rss, jit) = boot_to_prompt(env, exec)?;
            push(row, "wall_s", Some(wall.as_secs_f64()));
            if exec.is_wemu() {
                push(row, "insns", insns.map(|n| n as f64));
            }
            push(row, "rss", rss.map(|b| b as f64));
            push_jit(row, jit);
        }
        (exec, Measure::Workload) => {
            let (report, counted, rss, jit) = workload(env, exec, opts.scale, false)?;
            push_jit(row, jit);
            let secs = report.time_ns as f64 * 1e-9;
            push(row, "time_s", Some(secs));
            // The guest's own count when it may read instret, else wemu's;
            // MIPS come from these counts once all rows ran (see fill_mips).
            // The interpreter's count comes from one deterministic run
            // (`--icount 0`, guest time 1 ns per instruction): in real time
            // a slow executor's guest also spends instructions on work that
            // grows with wall time (timer interrupts: about 840/s under the
            // interpreter), which made its count 40% larger.
            let count = match (exec, report.instret) {
                (_, Some(n)) => Some(n),
                (Exec::Tci, None) if row.instret.is_empty() => workload(env, exec, opts.scale, true)?.1,
                (Exec::Tci, None) => None,
                (_, None) => counted,
            };
            if let Some(n) = count {
                row.instret.push(n);
            }
            push(row, "rss", rss.map(|b| b as f64));
            check_checksum(row, &report, reference);
        }
    }
    Ok(())
}

fn check_checksum(row: &mut Row, report: &Report, reference: u64) {
    if report.checksum != reference {
        row.wrong_checksums.push(report.checksum);
    }
}

/// The emulator command for `exec` with `initrd` and `append`.
fn emulator(env: &Env, exec: Exec, initrd: &Path, append: &str) -> Command {
    let b = &env.built;
    match exec {
        Exec::Qemu => {
            let mut c = Command::new(QEMU);
            c.args(["-M", "virt", "-smp", "1", "-m", RAM_MIB, "-nographic", "-no-reboot", "-bios"])
                .arg(&b.firmware)
                .arg("-kernel")
                .arg(&b.kernel)
                .arg("-initrd")
                .arg(initrd)
                .args(["-append", append]);
            c
        }
        _ => {
            let mut c = Command::new(&env.wemu);
            c.args(["--machine", "riscv64-virt", "-m", RAM_MIB, "--stats", "--bios"])
                .arg(&b.firmware)
                .arg("--kernel")
                .arg(&b.kernel)
                .arg("--initrd")
                .arg(initrd)
                .args(["--append", append]);
            if env.wemu_has_accel {
                c.args(["--accel", if exec == Exec::Jit { "jit" } else { "tci" }]);
            }
            c
        }
    }
}

/// wemu's `--stats` line at exit: `wemu: N instructions in S s (M MIPS)`.
pub fn parse_stats_insns(stderr: &str) -> Option<u64> {
    stderr.lines().rev().find_map(|l| {
        let rest = l.trim().strip_prefix("wemu: ")?;
        let (n, tail) = rest.split_once(' ')?;
        tail.starts_with("instructions in ").then(|| n.parse().ok())?
    })
}

/// A boot's wall time to the prompt, instructions (wemu), peak RSS, JIT
/// figures.
type BootRun = (Duration, Option<u64>, Option<u64>, Option<JitFigures>);
/// A workload run's report, instructions (wemu), peak RSS, JIT figures.
type WorkloadRun = (Report, Option<u64>, Option<u64>, Option<JitFigures>);

/// Boots the stock initramfs to the prompt: wall time, instructions (wemu),
/// peak RSS, JIT figures.
fn boot_to_prompt(env: &Env, exec: Exec) -> Result<BootRun, String> {
    let mut cmd = emulator(env, exec, &env.built.initramfs, APPEND);
    let mut m = Measured::spawn(exec.key(), &mut cmd)?;
    let wall = m.wait_for(PROMPT, BOOT_TIMEOUT)?;
    let rss = m.peak_rss();
    if exec.is_wemu() {
        // Ctrl-A x: wemu quits and prints its --stats line. The hart idles
        // at the prompt, so the count is the boot's.
        m.send(b"\x01x")?;
        m.wait_success(Duration::from_secs(30))?;
        let insns = parse_stats_insns(&m.stderr_text());
        Ok((wall, insns, rss, parse_jit_stats(&m.stderr_text())))
    } else {
        m.kill();
        Ok((wall, None, rss, None))
    }
}

/// wemu's status line (Ctrl-A c): `wemu: N instructions, M MIPS, ...`.
pub fn parse_status_insns(text: &str) -> Option<u64> {
    let at = text.rfind("wemu: ")?;
    let (n, tail) = text[at + "wemu: ".len()..].split_once(' ')?;
    tail.starts_with("instructions, ").then(|| n.parse().ok())?
}

/// Boots the bench initramfs, which runs the workload and powers off: the
/// workload's report, the instructions wemu ran from its start to the
/// power-off (None for QEMU), and the peak RSS.
fn workload(env: &Env, exec: Exec, scale: u32, deterministic: bool) -> Result<WorkloadRun, String> {
    let append = format!("{APPEND} wemu_bench={scale}");
    let mut cmd = emulator(env, exec, &env.built.bench_initramfs, &append);
    if deterministic {
        cmd.args(["--icount", "0"]);
    }
    let mut m = Measured::spawn(exec.key(), &mut cmd)?;
    m.wait_for("wemu-bench: scale", BOOT_TIMEOUT)?;
    // wemu's instruction count as the kernels start (Ctrl-A c prints it,
    // a few milliseconds later), against its count at exit: the workload's
    // instructions, plus its report and the power-off (a few million),
    // whether or not the guest may read instret itself.
    let mut at_start = None;
    if exec.is_wemu() {
        m.send(b"\x01c")?;
        m.wait_for(" blocks translated", Duration::from_secs(60))?;
        at_start = parse_status_insns(&m.text());
    }
    // Generous: an interpreter may be a few hundred times slower than the host.
    let timeout = Duration::from_secs(120 + 60 * u64::from(scale));
    m.wait_for("wemu-bench: done", timeout)?;
    m.wait_success(Duration::from_secs(60))?;
    let report = bench_workload::parse_report(&m.text())?;
    let insns = match (at_start, parse_stats_insns(&m.stderr_text())) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    Ok((report, insns, m.peak_rss(), parse_jit_stats(&m.stderr_text())))
}

/// Runs the host build.
fn run_native(env: &Env, scale: u32) -> Result<(Report, Option<u64>), String> {
    let mut m = Measured::spawn("native workload", Command::new(&env.built.host).arg(scale.to_string()))?;
    m.wait_success(Duration::from_secs(600))?;
    let report = bench_workload::parse_report(&m.text())?;
    Ok((report, m.peak_rss()))
}

/// Guest MIPS of the workload rows: the workload's instruction count over
/// each run's time. The count is a property of the binary, so every
/// executor is divided by the same one: the interpreter's (TCI counts each
/// instruction it runs; QEMU's TCG cannot count without icount). Without a
/// TCI row a wemu row uses its own count. A wemu executor whose own count
/// differs from the interpreter's gets a note saying why it may.
fn fill_mips(rows: &mut [Row]) {
    let tci = rows
        .iter()
        .find(|r| r.exec == Exec::Tci && r.measure == Measure::Workload)
        .and_then(|r| median(&r.instret.iter().map(|&n| n as f64).collect::<Vec<_>>()));
    for r in rows.iter_mut().filter(|r| r.measure == Measure::Workload && r.exec != Exec::Native) {
        let own = median(&r.instret.iter().map(|&n| n as f64).collect::<Vec<_>>());
        let Some(insns) = tci.or(own.filter(|_| r.exec.is_wemu())) else {
            if matches!(r.status, Status::Measured) {
                r.notes.push("no instruction count (needs the tci/workload row): no MIPS".into());
            }
            continue;
        };
        let times = r.figure("time_s").map(|f| f.samples.clone()).unwrap_or_default();
        r.figure_mut("mips").samples = times.iter().map(|t| insns / t / 1e6).collect();
        match (r.exec, own) {
            (Exec::Tci, _) => r.notes.push(format!(
                "the workload ran {insns:.0} instructions (counted by wemu in a deterministic run, --icount 0)"
            )),
            // Both count the same when time is deterministic (the boot tests
            // check it); in real time the count starts when wemu serves the
            // status request sent on the workload's first line, so an
            // executor that runs much faster misses what it ran meanwhile.
            (_, Some(own)) if (own - insns).abs() > 0.02 * insns => r.notes.push(format!(
                "MIPS from TCI's count; this executor's own count, {own:.0} ({:+.0}%), starts when it served \
                 the status request sent at the workload's first line, so a fast executor misses what it ran \
                 meanwhile",
                (own / insns - 1.0) * 100.0
            )),
            (_, _) if tci.is_some() => r.notes.push("MIPS from TCI's instruction count".into()),
            _ => {}
        }
    }
}

/// The same figure of the reference row, for a ratio.
fn reference_figure<'a>(rows: &'a [Row], exec: Exec, measure: Measure, key: &str) -> Option<&'a Figure> {
    rows.iter().find(|r| r.exec == exec && r.measure == measure && matches!(r.status, Status::Measured))?.figure(key)
}

fn fmt_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds if v < 1.0 => format!("{v:.3} s"),
        Unit::Seconds => format!("{v:.2} s"),
        Unit::Count if v >= 1e9 => format!("{:.3} G", v / 1e9),
        Unit::Count => format!("{:.1} M", v / 1e6),
        Unit::Mips => format!("{v:.0}"),
        Unit::Bytes => format!("{:.0} MiB", v / (1024.0 * 1024.0)),
        Unit::Plain if v >= 100.0 => format!("{v:.0}"),
        Unit::Plain => format!("{v:.2}"),
    }
}

fn fmt_ratio(ours: Option<f64>, theirs: Option<f64>) -> String {
    match (ours, theirs) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".into(),
    }
}

/// The table.
fn render(rows: &[Row], env: &Env, header: &str) -> String {
    let mut out = format!("\n{header}\nmedian [min .. max] of the runs; ratios are this row ÷ QEMU and ÷ native\n\n");
    let line = |c: [&str; 8]| {
        format!(
            "{:<30} {:<24} {:>11} {:>11} {:>11} {:>7} {:>8} {:>8}\n",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        )
    };
    out += &line(["executor", "figure", "median", "min", "max", "spread", "÷QEMU", "÷native"]);
    out += &format!("{}\n", "-".repeat(30 + 24 + 11 * 3 + 7 + 8 * 2 + 7));
    let mut noisy_figures = Vec::new();
    let mut notes = Vec::new();
    for r in rows {
        let label = format!("{}, {}", exec_label(r.exec, env), r.measure.key());
        match &r.status {
            Status::NotAvailable(why) => {
                out += &format!("{label:<30} not available: {why}\n");
                continue;
            }
            Status::Failed(e) => {
                out += &format!("{label:<30} FAILED: {}\n", e.lines().next().unwrap_or(""));
                continue;
            }
            Status::Measured => {}
        }
        for (i, f) in r.figures.iter().enumerate() {
            let cell = |v: Option<f64>| v.map_or("-".into(), |v| fmt_value(f.unit, v));
            let spread = f.spread();
            let noisy = spread.is_some_and(|s| s > NOISY);
            if noisy && f.unit == Unit::Seconds {
                noisy_figures.push(format!("{} ({:.0}%)", r.id(), spread.unwrap_or(0.0) * 100.0));
            }
            let ratio = |exec: Exec| match r.exec == exec {
                true => "-".into(),
                false => fmt_ratio(f.median(), reference_figure(rows, exec, r.measure, f.key).and_then(Figure::median)),
            };
            // Native MIPS would count x86 instructions, and its resident
            // set is the program's alone: only times compare with it.
            let native = if f.key == "time_s" { ratio(Exec::Native) } else { "-".into() };
            let qemu = if r.exec != Exec::Native || f.key == "time_s" { ratio(Exec::Qemu) } else { "-".into() };
            out += &line([
                if i == 0 { &label } else { "" },
                f.label,
                &cell(f.median()),
                &cell(f.min()),
                &cell(f.max()),
                &spread.map_or("-".into(), |s| format!("{:.0}%{}", s * 100.0, if noisy { "!" } else { "" })),
                &qemu,
                &native,
            ]);
        }
        if !r.wrong_checksums.is_empty() {
            out += &format!("{:<30} WRONG CHECKSUM: the guest computed something else than the host\n", "");
        }
        for n in &r.notes {
            notes.push(format!("{}: {n}", r.id()));
        }
    }
    for n in notes {
        out += &format!("note: {n}\n");
    }
    if !noisy_figures.is_empty() {
        out += &format!(
            "warning: the machine was noisy: times spread more than {:.0}% across runs in {} (marked !); \
             trust the medians, or rerun on a quiet machine\n",
            NOISY * 100.0,
            noisy_figures.join(", ")
        );
    }
    out
}

fn git_describe() -> String {
    let rev = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(root())
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    format!("{rev}{}", if dirty { "-dirty" } else { "" })
}

fn to_json(rows: &[Row], env: &Env, opts: &Options, reference: &Report, header: &str) -> Value {
    let figure = |r: &Row, f: &Figure| {
        let ratio = |exec: Exec| {
            reference_figure(rows, exec, r.measure, f.key)
                .and_then(Figure::median)
                .zip(f.median())
                .filter(|&(b, _)| b > 0.0 && r.exec != exec)
                .map(|(b, a)| a / b)
        };
        json!({
            "key": f.key,
            "label": f.label,
            "unit": match f.unit { Unit::Seconds => "s", Unit::Count => "instructions", Unit::Mips => "MIPS", Unit::Bytes => "bytes", Unit::Plain => "number" },
            "samples": f.samples,
            "median": f.median(),
            "min": f.min(),
            "max": f.max(),
            "spread": f.spread(),
            "ratio_to_qemu": if r.exec != Exec::Native || f.key == "time_s" { ratio(Exec::Qemu) } else { None },
            "ratio_to_native": if f.key == "time_s" { ratio(Exec::Native) } else { None },
        })
    };
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (status, reason) = match &r.status {
                Status::Measured => ("measured", None),
                Status::NotAvailable(w) => ("not available", Some(w.clone())),
                Status::Failed(e) => ("failed", Some(e.clone())),
            };
            json!({
                "id": r.id(),
                "executor": exec_label(r.exec, env),
                "measurement": r.measure.key(),
                "status": status,
                "reason": reason,
                "figures": r.figures.iter().map(|f| figure(r, f)).collect::<Vec<_>>(),
                "wrong_checksums": r.wrong_checksums.iter().map(|c| format!("{c:#018x}")).collect::<Vec<_>>(),
                "instret": r.instret,
                "notes": r.notes,
            })
        })
        .collect();
    json!({
        "suite": "riscv64-virt",
        "summary": header,
        "time_unix": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "git": git_describe(),
        "options": { "runs": opts.runs, "scale": opts.scale, "quick": opts.quick, "filters": opts.filters },
        "host": {
            "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "loadavg": loadavg(),
        },
        "qemu": env.qemu.as_ref().ok(),
        "wemu": opts.wemu.as_ref().map_or("release build of the tree".into(), |w| w.display().to_string()),
        "wemu_has_accel": env.wemu_has_accel,
        "workload": {
            "source": "tests/bench/workload.c",
            "checksum": format!("{:#018x}", reference.checksum),
            "kernels": reference.kernels.iter().map(|(n, c, _)| json!({"name": n, "checksum": format!("{c:#018x}")})).collect::<Vec<_>>(),
        },
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        let o = Options::parse(&[]).unwrap();
        assert_eq!((o.runs, o.scale, o.quick), (RUNS, SCALE, false));
        assert!(o.selects("tci/boot"));
        let o = Options::parse(&args("--quick --filter qemu,NATIVE/ --runs 5")).unwrap();
        assert_eq!((o.runs, o.scale, o.quick), (5, QUICK_SCALE, true));
        assert!(o.selects("qemu/boot") && o.selects("native/workload") && !o.selects("tci/workload"));
        assert!(Options::parse(&args("--runs 0")).is_err());
        assert!(Options::parse(&args("--scale")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
    }

    #[test]
    fn reads_numbers_out_of_the_web_tests_lines() {
        let out = "chromium e2e (jit): page load to shell prompt 17.3 s (page's own clock 16.9 s), 2.10 G instructions";
        assert_eq!(number_after(out, "page load to shell prompt "), Some(17.3));
        assert_eq!(out.find(" s),").and_then(|i| number_after(&out[i..], " s), ")), Some(2.10));
        let node = "node e2e: shell after 24.1 s, 1.95 G instructions (80 MIPS)";
        assert_eq!(number_after(node, "shell after "), Some(24.1));
        assert_eq!(number_after(node, "x"), None);
    }

    #[test]
    fn parses_the_jit_stats_line() {
        let err = "wemu: 2322295698 instructions in 27.724 s (83.8 MIPS), JIT: 1003 regions live (1063 compiled, \
                   2 evicted, 60 invalidated, 0 declined), 90.3% of instructions (4253898 runs, 449 per run), compile 11.76 s \
                   (11067 us/module, \
                   2477 KiB Wasm)\n";
        let j = parse_jit_stats(err).unwrap();
        assert_eq!((j.compiled, j.evicted, j.compile_s), (1063.0, 2.0, 11.76));
        assert!((j.ms_per_module - 11.067).abs() < 1e-9);
        assert_eq!(parse_jit_stats("wemu: 5 instructions in 1.0 s (0.0 MIPS)\n"), None);
    }

    #[test]
    fn statistics() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let mut f = Figure::new("t", "t", Unit::Seconds);
        f.samples = vec![10.0, 12.0, 11.0];
        assert_eq!((f.min(), f.max(), f.median()), (Some(10.0), Some(12.0), Some(11.0)));
        assert!((f.spread().unwrap() - 2.0 / 11.0).abs() < 1e-12);
        f.samples.truncate(1);
        assert_eq!(f.spread(), None);
    }

    #[test]
    fn stats_line() {
        let err = "some noise\nwemu: 1234567 instructions in 20.500 s (60.2 MIPS)\n";
        assert_eq!(parse_stats_insns(err), Some(1_234_567));
        assert_eq!(parse_stats_insns("wemu: error: bad option"), None);
    }

    #[test]
    fn status_line() {
        let out = "wemu-bench: scale 1\r\n\r\nwemu: 987654 instructions, 80.1 MIPS, 1234 blocks translated, uptime 9.0 s, pc 0x1\r\n";
        assert_eq!(parse_status_insns(out), Some(987_654));
        assert_eq!(parse_status_insns("wemu-bench: scale 1\r\n"), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_value(Unit::Seconds, 0.1234), "0.123 s");
        assert_eq!(fmt_value(Unit::Plain, 817.0), "817");
        assert_eq!(fmt_value(Unit::Seconds, 20.456), "20.46 s");
        assert_eq!(fmt_value(Unit::Count, 1.5e9), "1.500 G");
        assert_eq!(fmt_value(Unit::Bytes, 300.0 * 1024.0 * 1024.0), "300 MiB");
        assert_eq!(fmt_ratio(Some(10.0), Some(4.0)), "2.50x");
        assert_eq!(fmt_ratio(Some(10.0), None), "-");
    }

    #[test]
    fn table_has_ratios_unavailable_rows_and_noise() {
        let p = PathBuf::from("/nonexistent");
        let env = Env {
            wemu: p.clone(),
            wemu_has_accel: false,
            qemu: Ok("QEMU emulator version 7.2.22 (Debian)".into()),
            built: Built {
                host: p.clone(),
                firmware: p.clone(),
                kernel: p.clone(),
                initramfs: p.clone(),
                bench_initramfs: p,
            },
            web: Err("not selected".into()),
        };
        let row = |exec, measure, times: &[f64], insns: &[u64]| {
            let mut r = Row {
                exec,
                measure,
                status: Status::Measured,
                figures: figures_for(exec, measure),
                wrong_checksums: Vec::new(),
                instret: insns.to_vec(),
                notes: Vec::new(),
            };
            r.figure_mut("time_s").samples = times.to_vec();
            r
        };
        let mut jit = row(Exec::Jit, Measure::Workload, &[], &[]);
        jit.status = Status::NotAvailable(unavailable(Exec::Jit, &env).unwrap());
        let mut rows = vec![
            row(Exec::Tci, Measure::Workload, &[10.0, 12.0, 11.0], &[1_000_000_000; 3]),
            jit,
            row(Exec::Qemu, Measure::Workload, &[1.0, 1.0, 1.0], &[]),
            row(Exec::Native, Measure::Workload, &[0.1, 0.1, 0.1], &[]),
        ];
        rows[0].wrong_checksums.push(1);
        fill_mips(&mut rows);
        assert_eq!(rows[2].figure("mips").unwrap().median(), Some(1000.0));
        let t = render(&rows, &env, "header");
        assert!(t.contains("wemu JIT (native), workload") && t.contains("not available: this wemu has no --accel"));
        // TCI: 11 s median, 11x QEMU, 110x native; 91 MIPS, 0.09x QEMU.
        let tci = t.lines().find(|l| l.starts_with("wemu TCI (native), workload")).unwrap();
        assert!(tci.contains("11.00 s") && tci.contains("11.00x") && tci.contains("110.00x"), "{tci}");
        assert!(t.contains("WRONG CHECKSUM"));
        assert!(t.contains("warning: the machine was noisy") && t.contains("tci/workload (18%)"), "{t}");
        let json = to_json(
            &rows,
            &env,
            &Options::parse(&[]).unwrap(),
            &Report { scale: 2, checksum: 7, time_ns: 1, instret: None, kernels: Vec::new() },
            "header",
        );
        assert_eq!(json["rows"][0]["figures"][0]["ratio_to_qemu"], 11.0);
        assert_eq!(json["rows"][1]["status"], "not available");
    }
}

//! `wemu --machine riscv64-virt ...`: QEMU's riscv64 `virt` board with
//! the terminal as its serial console.
//!
//! ```text
//! wemu --machine riscv64-virt [-m MiB] [--bios FILE|none] [--kernel Image]
//!      [--initrd FILE] [--append "console=ttyS0 ..."] [--drive file=IMG[,format=raw][,readonly=on]]
//!      [-smp N] [--virtio-rng] [--icount N] [--accel tci|jit] [--jit-threshold N]
//!      [-d in_asm,int,...] [--stats]
//! ```
//!
//! Each `--drive` is a virtio-blk disk (`/dev/vda`, `/dev/vdb`, ... in
//! order) over a raw image file, written in place; `--virtio-rng` adds a
//! virtio-rng device giving the guest entropy (the host's, or a fixed
//! sequence with `--icount`). With the cached images and virtio devices,
//! the kernel's virtio and ext4 modules (`modules.cpio.gz`) are appended
//! to the initramfs, whose `/init` loads those the devices need.
//!
//! Without `--kernel` it boots what `cargo xtask images` cached (OpenSBI,
//! Debian's kernel, the busybox initramfs). The console is the terminal,
//! in raw mode when standard input is one: keystrokes go to the guest,
//! `Ctrl-A x` quits, `Ctrl-A c` prints a status line, `Ctrl-A Ctrl-A`
//! sends a `Ctrl-A`. The process exits 0 when the guest powers off, with
//! the finisher's failure code when it reports one, and 2 with a one-line
//! message for bad options, unreadable files and emulation errors.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wemu_dev_common::CharBackend;
use wemu_dev_virtio_blk::{BlockBackend, BlockError};
use wemu_dev_virtio_rng::{EntropySource, Xoshiro256StarStar};
use wemu_exec::{Clock, HostClock};
use wemu_machine_riscv64_virt::{Images, Virt, VirtConfig, VirtExit, VirtioDev};
use wemu_trace::{Categories, TextTracer};

use crate::accel::{self, Accel};

/// Guest instructions per [`Virt::run`] call: how often input is polled
/// and output flushed (about a millisecond in the interpreter).
const SLICE: u64 = 1 << 17;
/// Longest sleep while the hart waits without a timer (input wakes it
/// earlier).
const MAX_WAIT: Duration = Duration::from_millis(100);
/// The command line for the cached images when none is given.
const DEFAULT_APPEND: &str = "console=ttyS0 earlycon=sbi";

/// The escape key (Ctrl-A) of the console, as QEMU's `-serial mon:stdio`.
const ESCAPE: u8 = 0x01;

struct Options {
    ram_mib: u64,
    bios: Option<PathBuf>,
    kernel: Option<PathBuf>,
    /// The initrd: one file, or the cached initramfs with the cached
    /// modules archive appended (the kernel unpacks both).
    initrd: Vec<PathBuf>,
    append: Option<String>,
    icount: Option<u8>,
    /// `-smp N`: harts.
    harts: u32,
    max_insns: Option<u64>,
    stats: bool,
    drives: Vec<Drive>,
    virtio_rng: bool,
    trace: Categories,
    accel: Accel,
}

/// A `--drive`.
#[derive(Clone, Debug)]
struct Drive {
    file: PathBuf,
    read_only: bool,
}

/// Parses `--drive file=PATH[,format=raw][,readonly=on|off][,if=virtio]`
/// (or a bare path).
fn parse_drive(v: &str) -> Result<Drive, String> {
    if !v.contains('=') {
        return Ok(Drive { file: PathBuf::from(v), read_only: false });
    }
    let mut file = None;
    let mut read_only = false;
    for item in v.split(',') {
        match item.split_once('=') {
            Some(("file", f)) if !f.is_empty() => file = Some(PathBuf::from(f)),
            Some(("format", "raw")) | Some(("if", "virtio")) => {}
            Some(("format", f)) => return Err(format!("--drive: format `{f}` is not supported (only raw)")),
            Some(("readonly", "on")) => read_only = true,
            Some(("readonly", "off")) => read_only = false,
            _ => return Err(format!("--drive: `{item}` not understood (file=PATH,format=raw,readonly=on)")),
        }
    }
    let file = file.ok_or("--drive: no file=PATH given")?;
    Ok(Drive { file, read_only })
}

/// A raw disk image file.
struct FileDisk {
    file: std::fs::File,
    len: u64,
    read_only: bool,
}

impl FileDisk {
    fn open(d: &Drive) -> Result<FileDisk, String> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(!d.read_only)
            .open(&d.file)
            .map_err(|e| format!("{}: {e}", d.file.display()))?;
        let len = file.metadata().map_err(|e| format!("{}: {e}", d.file.display()))?.len();
        Ok(FileDisk { file, len, read_only: d.read_only })
    }
}

impl BlockBackend for FileDisk {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset).map_err(|_| BlockError)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), BlockError> {
        std::os::unix::fs::FileExt::write_all_at(&self.file, buf, offset).map_err(|_| BlockError)
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        self.file.sync_data().map_err(|_| BlockError)
    }
}

/// The host's entropy.
struct HostEntropy(Option<std::fs::File>, Xoshiro256StarStar);

impl EntropySource for HostEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        if self.0.as_mut().is_none_or(|f| f.read_exact(buf).is_err()) {
            self.1.fill(buf);
        }
    }
}

/// The directory `cargo xtask images` writes the riscv64 images to.
fn images_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir).join(".cache/wemu/target")
        }
    };
    target.join("images/riscv64")
}

/// Whether `args` name the riscv64-virt machine.
pub fn wants(args: &[OsString]) -> bool {
    let mut it = args.iter().map(|a| a.to_str().unwrap_or(""));
    while let Some(a) = it.next() {
        match a {
            "--machine" | "-machine" | "-M" => return it.next() == Some("riscv64-virt"),
            _ if a == "--machine=riscv64-virt" || a == "-Mriscv64-virt" => return true,
            _ => {}
        }
    }
    false
}

/// QEMU's single-dash long options, taken as their `--` forms.
const QEMU_LONG: &[&str] = &["-smp", "-kernel", "-initrd", "-append", "-bios", "-drive", "-icount", "-machine"];

fn parse_options(args: Vec<OsString>) -> Result<Options, String> {
    use lexopt::prelude::*;
    let args = args.into_iter().map(|a| match a.to_str() {
        Some(s) if QEMU_LONG.contains(&s) => OsString::from(format!("-{s}")),
        _ => a,
    });
    let mut p = lexopt::Parser::from_args(args);
    let mut o = Options {
        ram_mib: 512,
        bios: None,
        kernel: None,
        initrd: Vec::new(),
        append: None,
        icount: None,
        harts: 1,
        max_insns: None,
        stats: false,
        drives: Vec::new(),
        virtio_rng: false,
        trace: Categories::NONE,
        accel: Accel::default_for_boards(),
    };
    let mut threshold = None;
    let value = |p: &mut lexopt::Parser| -> Result<String, String> {
        p.value().map_err(|e| e.to_string())?.into_string().map_err(|v| format!("`{}` is not UTF-8", v.display()))
    };
    let path = |p: &mut lexopt::Parser| -> Result<PathBuf, String> {
        Ok(PathBuf::from(p.value().map_err(|e| e.to_string())?))
    };
    let mut bios_none = false;
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Long("machine") | Short('M') => {
                value(&mut p)?;
            }
            Short('m') => {
                let v = value(&mut p)?;
                o.ram_mib =
                    parse_ram(&v).ok_or_else(|| format!("-m `{v}`: expected MiB of RAM, 16 to 2048 (or 1G)"))?;
            }
            Long("bios") => {
                let v = path(&mut p)?;
                if v.as_os_str() == "none" {
                    bios_none = true;
                } else {
                    o.bios = Some(v);
                }
            }
            Long("kernel") => o.kernel = Some(path(&mut p)?),
            Long("initrd") => o.initrd = vec![path(&mut p)?],
            Long("append") => o.append = Some(value(&mut p)?),
            Long("icount") => {
                let v = value(&mut p)?;
                let shift = v.parse::<u8>().ok().filter(|&s| s <= 10);
                o.icount =
                    Some(shift.ok_or_else(|| {
                        format!("--icount `{v}`: expected a shift, 0 to 10 (2^N ns per instruction)")
                    })?);
            }
            Long("max-insns") => {
                let v = value(&mut p)?;
                let n = v.replace('_', "").parse::<u64>().ok().filter(|&n| n > 0);
                o.max_insns = Some(n.ok_or_else(|| format!("--max-insns `{v}`: expected a positive count"))?);
            }
            Long("drive") => o.drives.push(parse_drive(&value(&mut p)?)?),
            Short('d') => {
                let v = value(&mut p)?;
                o.trace |= Categories::parse(&v).map_err(|e| format!("-d `{v}`: {e}"))?;
            }
            Long("stats") => o.stats = true,
            Long("accel") => o.accel = Accel::parse(&value(&mut p)?)?,
            Long("jit-threshold") => threshold = Some(value(&mut p)?),
            Long("virtio-rng") => o.virtio_rng = true,
            Long("smp") => {
                let v = value(&mut p)?;
                // QEMU's `-smp N` or `-smp cpus=N`.
                let n = v.strip_prefix("cpus=").unwrap_or(&v).parse::<u32>().ok();
                o.harts = n.filter(|n| (1..=wemu_machine_riscv64_virt::MAX_HARTS).contains(n)).ok_or_else(|| {
                    format!("-smp `{v}`: expected a hart count, 1 to {}", wemu_machine_riscv64_virt::MAX_HARTS)
                })?;
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    if let Some(t) = threshold {
        o.accel = o.accel.with_threshold(&t)?;
    }
    // Without a kernel, boot the cached images.
    if o.kernel.is_none() {
        let dir = images_dir();
        let need = |name: &str| -> Result<PathBuf, String> {
            let f = dir.join(name);
            match f.is_file() {
                true => Ok(f),
                false => {
                    Err(format!("no --kernel given and {} is missing: run `cargo xtask images` first", f.display()))
                }
            }
        };
        o.kernel = Some(need("Image")?);
        if o.initrd.is_empty() {
            o.initrd.push(need("initramfs.cpio.gz")?);
            // The kernel's virtio and ext4 modules, which /init loads,
            // when there are virtio devices (unpacking costs time).
            let modules = dir.join("modules.cpio.gz");
            if modules.is_file() && (o.virtio_rng || !o.drives.is_empty()) {
                o.initrd.push(modules);
            }
        }
        if o.bios.is_none() && !bios_none {
            o.bios = Some(need("fw_dynamic.bin")?);
        }
        if o.append.is_none() {
            o.append = Some(DEFAULT_APPEND.into());
        }
    } else if o.bios.is_none() && !bios_none {
        let fw = images_dir().join("fw_dynamic.bin");
        if !fw.is_file() {
            return Err(format!(
                "--bios: no firmware named and {} is missing (give --bios FILE or none)",
                fw.display()
            ));
        }
        o.bios = Some(fw);
    }
    Ok(o)
}

/// `-m`: MiB, or with a `M`/`G` suffix.
fn parse_ram(s: &str) -> Option<u64> {
    let (digits, mul) = match s.as_bytes().last()? {
        b'M' | b'm' => (&s[..s.len() - 1], 1),
        b'G' | b'g' => (&s[..s.len() - 1], 1024),
        _ => (s, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(mul).filter(|&m| (16..=2048).contains(&m))
}

fn read(path: &Option<PathBuf>) -> Result<Option<Vec<u8>>, String> {
    match path {
        None => Ok(None),
        Some(p) => std::fs::read(p).map(Some).map_err(|e| format!("{}: {e}", p.display())),
    }
}

/// The host's monotonic clock.
struct StdClock(Instant);

impl HostClock for StdClock {
    fn now_ns(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

/// The guest's serial output: standard output (flushed by the loop).
struct Stdout;

impl CharBackend for Stdout {
    fn write(&mut self, bytes: &[u8]) {
        let _ = std::io::stdout().write_all(bytes);
    }
}

/// Trace lines: standard error.
struct Stderr;

impl std::fmt::Write for Stderr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        std::io::stderr().write_all(s.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

/// What the terminal sends the loop.
enum Input {
    Bytes(Vec<u8>),
    Quit,
    Status,
}

/// Reads standard input on its own thread, interpreting the Ctrl-A
/// escapes.
fn spawn_input() -> Receiver<Input> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 256];
        let mut escaped = false;
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut bytes = Vec::with_capacity(n);
            for &b in &buf[..n] {
                if escaped {
                    escaped = false;
                    let msg = match b {
                        b'x' | b'X' => Some(Input::Quit),
                        b'c' | b'C' => Some(Input::Status),
                        ESCAPE => {
                            bytes.push(ESCAPE);
                            None
                        }
                        _ => None,
                    };
                    if let Some(m) = msg {
                        if !bytes.is_empty() && tx.send(Input::Bytes(std::mem::take(&mut bytes))).is_err() {
                            return;
                        }
                        if tx.send(m).is_err() {
                            return;
                        }
                    }
                } else if b == ESCAPE {
                    escaped = true;
                } else {
                    bytes.push(b);
                }
            }
            if !bytes.is_empty() && tx.send(Input::Bytes(bytes)).is_err() {
                return;
            }
        }
    });
    rx
}

/// The terminal in raw mode while this lives (when standard input is a
/// terminal).
struct RawMode(Option<libc::termios>);

impl RawMode {
    fn enter() -> RawMode {
        // SAFETY: isatty, tcgetattr and tcsetattr only read and write the
        // termios struct we pass, which lives on our stack.
        unsafe {
            if libc::isatty(0) != 1 {
                return RawMode(None);
            }
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return RawMode(None);
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            // Keep output post-processing off as well: the guest's tty
            // sends CR LF itself.
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return RawMode(None);
            }
            RawMode(Some(saved))
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restores the settings read in `enter`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

fn random_seed() -> Vec<u8> {
    let mut seed = vec![0u8; 32];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed)).is_err() {
        let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        seed[..16].copy_from_slice(&t.to_le_bytes());
    }
    seed
}

struct Booted {
    firmware: Option<Vec<u8>>,
    kernel: Option<Vec<u8>>,
    initrd: Option<Vec<u8>>,
}

fn build(o: &Options, b: &Booted) -> Result<Virt, String> {
    let deterministic = o.icount.is_some();
    let config = VirtConfig {
        ram_size: o.ram_mib << 20,
        bootargs: o.append.clone().unwrap_or_default(),
        // A deterministic run sees a fixed date and seed (2025-01-01).
        unix_time_ns: match deterministic {
            true => 1_735_689_600_000_000_000,
            false => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64),
        },
        rng_seed: match deterministic {
            true => (0..32).collect(),
            false => random_seed(),
        },
    };
    let images = Images { firmware: b.firmware.as_deref(), kernel: b.kernel.as_deref(), initrd: b.initrd.as_deref() };
    let clock = match o.icount {
        Some(shift) => Clock::deterministic(shift),
        None => Clock::real_time(Box::new(StdClock(Instant::now()))),
    };
    let mut virtio = Vec::new();
    for (i, d) in o.drives.iter().enumerate() {
        let serial = format!("wemu-vd{}", (b'a' + i as u8) as char).into_bytes();
        virtio.push(VirtioDev::Blk { backend: Box::new(FileDisk::open(d)?), serial });
    }
    if o.virtio_rng {
        let host = match deterministic {
            true => None,
            false => std::fs::File::open("/dev/urandom").ok(),
        };
        virtio.push(VirtioDev::Rng(Box::new(HostEntropy(host, Xoshiro256StarStar::new(0x5eed)))));
    }
    let jit = accel::setup(o.accel, Virt::arena_len(&config), false)?;
    let mut virt =
        Virt::with_harts(&config, o.harts, images, Box::new(Stdout), virtio, clock, jit).map_err(|e| e.to_string())?;
    if o.trace != Categories::NONE {
        virt.vcpu_mut().set_tracer(Some(Box::new(TextTracer::new(Stderr, o.trace))));
    }
    Ok(virt)
}

fn status_line(virt: &Virt, start: Instant) -> String {
    let s = virt.stats();
    let secs = start.elapsed().as_secs_f64();
    format!(
        "\r\nwemu: {} instructions, {:.1} MIPS, {} blocks translated{}, uptime {secs:.1} s, pc {:#x}\r\n",
        s.insns,
        s.insns as f64 / secs.max(1e-9) / 1e6,
        s.translations,
        accel::describe(virt.jit_stats(), s.insns),
        virt.state().pc()
    )
}

pub fn main(args: Vec<OsString>) -> Result<ExitCode, String> {
    let o = parse_options(args)?;
    let mut initrd: Option<Vec<u8>> = None;
    for f in &o.initrd {
        let data = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
        initrd.get_or_insert_with(Vec::new).extend_from_slice(&data);
    }
    let booted = Booted { firmware: read(&o.bios)?, kernel: read(&o.kernel)?, initrd };
    let mut virt = build(&o, &booted)?;
    let input = spawn_input();
    let raw = RawMode::enter();
    let start = Instant::now();
    let result = run(&o, &booted, &mut virt, &input, start);
    let _ = std::io::stdout().flush();
    drop(raw);
    if o.stats {
        let s = virt.stats();
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "wemu: {} instructions in {secs:.3} s ({:.1} MIPS){}",
            s.insns,
            s.insns as f64 / secs.max(1e-9) / 1e6,
            accel::describe(virt.jit_stats(), s.insns)
        );
    }
    result
}

fn run(
    o: &Options,
    booted: &Booted,
    virt: &mut Virt,
    input: &Receiver<Input>,
    start: Instant,
) -> Result<ExitCode, String> {
    let mut stdout = std::io::stdout();
    let mut input_open = true;
    loop {
        // Host input first.
        while input_open {
            match input.try_recv() {
                Ok(Input::Bytes(b)) => virt.push_input(&b),
                Ok(Input::Quit) => return Ok(ExitCode::SUCCESS),
                Ok(Input::Status) => {
                    let _ = stdout.write_all(status_line(virt, start).as_bytes());
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => input_open = false,
            }
        }
        if o.max_insns.is_some_and(|m| virt.stats().insns >= m) {
            return Err(format!(
                "stopped after {} instructions (--max-insns), pc {:#x}",
                virt.stats().insns,
                virt.state().pc()
            ));
        }
        let exit = virt.run(SLICE);
        let _ = stdout.flush();
        match exit {
            VirtExit::Running => {}
            VirtExit::Halted { wait_ns } => {
                let wait = wait_ns.map_or(MAX_WAIT, |ns| Duration::from_nanos(ns).min(MAX_WAIT));
                if !input_open {
                    std::thread::sleep(wait);
                    continue;
                }
                match input.recv_timeout(wait) {
                    Ok(Input::Bytes(b)) => virt.push_input(&b),
                    Ok(Input::Quit) => return Ok(ExitCode::SUCCESS),
                    Ok(Input::Status) => {
                        let _ = stdout.write_all(status_line(virt, start).as_bytes());
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => input_open = false,
                }
            }
            VirtExit::PowerOff { code: 0 } => return Ok(ExitCode::SUCCESS),
            VirtExit::PowerOff { code } => {
                eprintln!("wemu: the guest powered off with failure code {code}");
                return Ok(ExitCode::from(u8::try_from(code).unwrap_or(255).max(1)));
            }
            VirtExit::Reset => *virt = build(o, booted)?,
            VirtExit::Error(e) => return Err(format!("emulation failed: {e} (pc {:#x})", virt.state().pc())),
        }
    }
}

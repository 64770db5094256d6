//! `cargo xtask images [--arch A] [--offline] [--refresh]`: guest software
//! from Debian's archive, verified and cached.
//!
//! For each architecture (a table entry below), it resolves the packages in
//! the suite's `main` `Packages` index — the kernel by following its meta
//! packages' `Depends` to the package that holds the image, busybox-static,
//! firmware — downloads the `.deb`s, checks the SHA256 the index lists (the
//! index itself is checked against the suite's `InRelease` SHA256 list),
//! unpacks them and writes, under `<target dir>/images/<arch>/`:
//! the kernel (`Image`; `bzImage` for x86_64), `initramfs.cpio.gz` (busybox
//! and `/init`), firmware (`fw_dynamic.bin` for riscv64, `bios-256k.bin`
//! for x86_64) or device trees, for riscv64 `modules.cpio.gz` (the
//! kernel's virtio and ext4 modules, from the kernel's own build, to append
//! to the initramfs), and `manifest.json` (per output: package,
//! version, .deb URL and SHA256, the path inside the package, the output's
//! SHA256). Downloads are kept in `<target dir>/images/cache/`.
//!
//! Network policy:
//! - When the manifest matches this program's recipe and every output is
//!   present with the recorded SHA256 (re-hashed only if the file's size or
//!   mtime changed since it was checked), nothing is fetched: the run is a
//!   check. `--refresh` re-resolves against the archive's current index
//!   (sid moves) and rebuilds whatever changed.
//! - A missing or altered output is rebuilt from the package the manifest
//!   records, taken from the cache when it is there (no network).
//! - `--offline` never touches the network: it works from the manifest,
//!   the cached `.deb`s and the last index fetched; anything missing from
//!   the cache is an error that says so.
//! - Every network call has timeouts (connect 15 s, each read 30 s, a whole
//!   download 15 min). The index's OpenPGP signature is not checked: trust
//!   rests on HTTPS to the mirror and the hash chain InRelease -> Packages
//!   -> .deb, whose hashes the manifest records.
//!
//! `WEMU_DEBIAN_MIRROR` overrides the mirror (default deb.debian.org).

mod cpio;
mod deb;
mod fetch;
mod index;
mod initramfs;

use std::fs;
use std::io::Read;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use fetch::{Http, sha256_hex, verify};
use index::{PackageRef, PackagesIndex, Release};

const DEFAULT_MIRROR: &str = "https://deb.debian.org/debian";
/// The manifest's layout version.
const FORMAT: u32 = 1;

/// What one guest architecture needs, and where Debian keeps it.
#[derive(Debug)]
struct ArchSpec {
    /// The name `--arch` takes and the output directory's.
    name: &'static str,
    /// Debian's name for the architecture.
    debian_arch: &'static str,
    suite: &'static str,
    /// ELF `e_machine` of the guest's binaries (checks busybox).
    elf_machine: u16,
    artifacts: &'static [Artifact],
}

/// One output file and the package it comes from.
#[derive(Debug)]
struct Artifact {
    output: &'static str,
    /// The package named in the index.
    package: &'static str,
    /// If not empty: follow `package`'s `Depends` (within its source) and
    /// look in the packages whose names start with these prefixes, in this
    /// order (larger packages first within a prefix).
    follow: &'static [&'static str],
    /// Where the file is inside the package (`*` matches within a path
    /// component); the first package holding exactly one match wins.
    paths: &'static [&'static str],
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A kernel image: gunzipped if compressed, then `magic` checked at its offset.
    Kernel { magic: (usize, &'static [u8]) },
    /// A file copied as it is.
    File,
    /// The found file is busybox; the output is the initramfs built around it.
    Initramfs,
    /// Kernel modules: each of `paths` matches one module of the package;
    /// the output is a gzip'd newc cpio holding them uncompressed in
    /// `/lib/modules/`, to append to the initramfs (the kernel unpacks
    /// concatenated archives). Its `/init` loads the ones it knows.
    Modules,
}

/// Where Debian puts the kernel image, old layout and new.
const KERNEL_PATHS: &[&str] =
    &["usr/lib/modules/*/vmlinuz", "usr/lib/modules/*/vmlinux", "boot/vmlinuz-*", "boot/vmlinux-*"];
const BUSYBOX_PATHS: &[&str] = &["usr/bin/busybox", "bin/busybox"];
/// The modules riscv64-virt's devices need that Debian's riscv64 kernel
/// does not build in: the virtio-mmio transport, virtio-blk, virtio-rng,
/// and ext4 with its dependencies (for disk images), in load order.
const RISCV64_MODULES: &[&str] = &[
    "usr/lib/modules/*/kernel/drivers/virtio/virtio_mmio.ko*",
    "usr/lib/modules/*/kernel/drivers/block/virtio_blk.ko*",
    "usr/lib/modules/*/kernel/drivers/char/hw_random/virtio-rng.ko*",
    "usr/lib/modules/*/kernel/lib/crc/crc16.ko*",
    "usr/lib/modules/*/kernel/fs/mbcache.ko*",
    "usr/lib/modules/*/kernel/fs/jbd2/jbd2.ko*",
    "usr/lib/modules/*/kernel/fs/ext4/ext4.ko*",
];

/// The architectures: each is an entry here. riscv64 is the one the
/// machines boot so far; aarch64 (with the Raspberry Pi 3 A+ device tree)
/// and x86_64 (with SeaBIOS) come from bookworm, per FACTS.md.
const ARCHES: &[ArchSpec] = &[
    ArchSpec {
        name: "riscv64",
        debian_arch: "riscv64",
        // riscv64 is only in sid (trixie's riscv64 index is stale).
        suite: "sid",
        elf_machine: 0xf3,
        artifacts: &[
            Artifact {
                output: "Image",
                package: "linux-image-riscv64",
                follow: &["linux-binary-", "linux-image-"],
                paths: KERNEL_PATHS,
                // The RISC-V Image header's magic ("RSC\x05" at 0x38).
                kind: Kind::Kernel { magic: (0x38, b"RSC\x05") },
            },
            Artifact {
                output: "fw_dynamic.bin",
                package: "opensbi",
                follow: &[],
                paths: &["usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"],
                kind: Kind::File,
            },
            Artifact {
                output: "initramfs.cpio.gz",
                package: "busybox-static",
                follow: &[],
                paths: BUSYBOX_PATHS,
                kind: Kind::Initramfs,
            },
            Artifact {
                output: "modules.cpio.gz",
                package: "linux-image-riscv64",
                follow: &["linux-modules-"],
                paths: RISCV64_MODULES,
                kind: Kind::Modules,
            },
        ],
    },
    ArchSpec {
        name: "aarch64",
        debian_arch: "arm64",
        suite: "bookworm",
        elf_machine: 0xb7,
        artifacts: &[
            Artifact {
                output: "Image",
                package: "linux-image-arm64",
                follow: &["linux-image-"],
                paths: KERNEL_PATHS,
                // The arm64 Image header's magic ("ARM\x64" at 0x38).
                kind: Kind::Kernel { magic: (0x38, b"ARM\x64") },
            },
            Artifact {
                output: "bcm2837-rpi-3-a-plus.dtb",
                package: "linux-image-arm64",
                follow: &["linux-image-"],
                paths: &["usr/lib/linux-image-*/broadcom/bcm2837-rpi-3-a-plus.dtb"],
                kind: Kind::File,
            },
            Artifact {
                output: "initramfs.cpio.gz",
                package: "busybox-static",
                follow: &[],
                paths: BUSYBOX_PATHS,
                kind: Kind::Initramfs,
            },
        ],
    },
    ArchSpec {
        name: "x86_64",
        debian_arch: "amd64",
        suite: "bookworm",
        elf_machine: 0x3e,
        artifacts: &[
            Artifact {
                output: "bzImage",
                package: "linux-image-amd64",
                follow: &["linux-image-"],
                paths: KERNEL_PATHS,
                // The x86 boot protocol's "HdrS" at 0x202.
                kind: Kind::Kernel { magic: (0x202, b"HdrS") },
            },
            Artifact {
                output: "bios-256k.bin",
                package: "seabios",
                follow: &[],
                paths: &["usr/share/seabios/bios-256k.bin"],
                kind: Kind::File,
            },
            Artifact {
                output: "initramfs.cpio.gz",
                package: "busybox-static",
                follow: &[],
                paths: BUSYBOX_PATHS,
                kind: Kind::Initramfs,
            },
        ],
    },
];

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    arch: String,
    debian_arch: String,
    suite: String,
    mirror: String,
    /// The index the packages were last resolved from.
    index: Option<IndexRecord>,
    artifacts: Vec<ArtifactRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexRecord {
    release_url: String,
    release_sha256: String,
    release_date: Option<String>,
    packages_url: String,
    /// As the Release file lists it; the download was checked against it.
    packages_sha256: String,
    packages_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ArtifactRecord {
    output: String,
    size: u64,
    sha256: String,
    package: PackageRef,
    deb_url: String,
    path_in_package: String,
    /// The packages followed from the named one to the one used.
    resolved_via: Vec<String>,
    /// What was done to the file besides copying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// A digest of the rule that made the output (this program's table
    /// entry, the init scripts): a change rebuilds.
    recipe: String,
    /// The output's size and modification time when last verified: while
    /// they hold, a check skips re-hashing the file.
    #[serde(default)]
    stamp: String,
}

#[derive(Debug, Default)]
struct Options {
    arch: Option<String>,
    offline: bool,
    refresh: bool,
}

pub const USAGE: &str = concat!(
    "  images [--arch A] [--offline] [--refresh]\n",
    "                       guest kernel, initramfs and firmware from Debian's archive, verified, into\n",
    "                       <target>/images/<arch>/ with manifest.json (arches: riscv64 from sid,\n",
    "                       aarch64 and x86_64 from bookworm; default riscv64). A complete cache\n",
    "                       needs no network; --offline never uses it; --refresh re-resolves\n",
    "                       against the archive's current index\n",
);

pub fn images_cmd(args: &[String]) -> Result<(), String> {
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--arch" => opts.arch = Some(it.next().ok_or("--arch needs a name")?.clone()),
            "--offline" => opts.offline = true,
            "--refresh" => opts.refresh = true,
            other => return Err(format!("images: unknown option `{other}`")),
        }
    }
    if opts.offline && opts.refresh {
        return Err("images: --refresh needs the network; it cannot go with --offline".into());
    }
    let name = opts.arch.as_deref().unwrap_or("riscv64");
    let spec = ARCHES.iter().find(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = ARCHES.iter().map(|s| s.name).collect();
        format!("images: unknown arch `{name}` (known: {})", known.join(", "))
    })?;
    let start = Instant::now();
    let images = crate::target_dir().join("images");
    let out_dir = images.join(spec.name);
    let (manifest, built) = ensure(spec, &opts, &out_dir, &images.join("cache"))?;
    let what = if built == 0 { "up to date" } else { "built" };
    println!("{} images ({what}, {:.1} s) in {}:", spec.name, start.elapsed().as_secs_f64(), out_dir.display());
    for a in &manifest.artifacts {
        println!(
            "  {:<18} {:>10} bytes  {} {}  ({})",
            a.output, a.size, a.package.name, a.package.version, a.path_in_package
        );
    }
    Ok(())
}

/// The bench initramfs of `cargo xtask bench`: the stock initramfs
/// (`stock_gz`) with the static `workload` added and an `/init` that runs
/// it when the kernel command line has `wemu_bench=SCALE` (see
/// [`initramfs::BENCH_INIT`]).
pub fn bench_initramfs(stock_gz: &[u8], workload: &[u8]) -> Result<Vec<u8>, String> {
    initramfs::bench(stock_gz, workload)
}

/// Lazily opened network and index.
struct Ctx<'a> {
    spec: &'a ArchSpec,
    offline: bool,
    mirror: String,
    cache: &'a Path,
    http: Option<Http>,
    index: Option<(PackagesIndex, IndexRecord)>,
}

/// A package that may hold an artifact's file.
#[derive(Debug, Clone)]
struct Candidate {
    pkg: PackageRef,
    via: Vec<String>,
}

fn ensure(spec: &ArchSpec, opts: &Options, out_dir: &Path, cache: &Path) -> Result<(Manifest, usize), String> {
    let mirror = std::env::var("WEMU_DEBIAN_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| DEFAULT_MIRROR.into())
        .trim_end_matches('/')
        .to_string();
    let manifest_path = out_dir.join("manifest.json");
    let old = match fs::read(&manifest_path) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("images: ignoring unreadable {}: {e}", manifest_path.display());
                None
            }
        },
        Err(_) => None,
    };
    let old = old.filter(|m| {
        m.format == FORMAT && m.arch == spec.name && m.suite == spec.suite && m.debian_arch == spec.debian_arch
    });
    let mut ctx = Ctx { spec, offline: opts.offline, mirror, cache, http: None, index: None };
    let mut records = Vec::new();
    let mut built = 0;
    for art in spec.artifacts {
        let recipe = recipe(spec, art);
        let out_path = out_dir.join(art.output);
        let mut prev = old
            .as_ref()
            .and_then(|m| m.artifacts.iter().find(|a| a.output == art.output && a.recipe == recipe))
            .cloned();
        let intact = prev.as_mut().is_some_and(|p| output_matches(&out_path, p));
        let prev = prev.as_ref();
        if let Some(p) = prev
            && intact
            && !opts.refresh
        {
            records.push(p.clone());
            continue;
        }
        // Which package: the one recorded, unless asked to look again.
        let mut candidates = match prev {
            Some(p) if !opts.refresh => vec![Candidate { pkg: p.package.clone(), via: p.resolved_via.clone() }],
            _ => ctx.resolve(art)?,
        };
        // Modules must come from the same kernel build as the image.
        if matches!(art.kind, Kind::Modules)
            && let Some(kernel) =
                spec.artifacts.iter().zip(&records).find(|(a, _)| matches!(a.kind, Kind::Kernel { .. }))
        {
            let version = &kernel.1.package.version;
            candidates.retain(|c| &c.pkg.version == version);
            if candidates.is_empty() {
                return Err(format!(
                    "{}: no modules package of the kernel's version {version} in the index (run with --refresh)",
                    art.output
                ));
            }
        }
        if let Some(p) = prev
            && intact
            && candidates.iter().any(|c| c.pkg == p.package)
        {
            records.push(p.clone());
            continue;
        }
        records.push(ctx.build(art, &candidates, &out_path, recipe)?);
        built += 1;
    }
    let index = match ctx.index {
        Some((_, rec)) => Some(rec),
        None => old.and_then(|m| m.index),
    };
    let manifest = Manifest {
        format: FORMAT,
        arch: spec.name.into(),
        debian_arch: spec.debian_arch.into(),
        suite: spec.suite.into(),
        mirror: ctx.mirror,
        index,
        artifacts: records,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| format!("manifest: {e}"))? + "\n";
    if fs::read(&manifest_path).ok().as_deref() != Some(json.as_bytes()) {
        write_atomic(&manifest_path, json.as_bytes())?;
    }
    if opts.refresh {
        prune_debs(out_dir.parent().unwrap_or(out_dir), cache);
    }
    Ok((manifest, built))
}

/// Deletes cached `.deb`s that no architecture's manifest names any more
/// (after a refresh has moved on to newer packages).
fn prune_debs(images: &Path, cache: &Path) {
    let mut keep = std::collections::HashSet::new();
    for dir in fs::read_dir(images).into_iter().flatten().flatten() {
        let Ok(bytes) = fs::read(dir.path().join("manifest.json")) else { continue };
        let Ok(m) = serde_json::from_slice::<Manifest>(&bytes) else { return };
        keep.extend(m.artifacts.iter().filter_map(|a| a.package.filename.rsplit('/').next().map(str::to_string)));
    }
    for f in fs::read_dir(cache.join("debs")).into_iter().flatten().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        if name.ends_with(".deb") && !keep.contains(&name) && fs::remove_file(f.path()).is_ok() {
            eprintln!("images: removed {name} from the cache (no manifest uses it)");
        }
    }
}

/// A digest of everything besides the package that decides an output.
fn recipe(spec: &ArchSpec, art: &Artifact) -> String {
    let mut s = format!("{FORMAT} {} {} {} {art:?}", spec.suite, spec.debian_arch, spec.elf_machine);
    if matches!(art.kind, Kind::Initramfs) {
        s += &initramfs::recipe();
    }
    sha256_hex(s.as_bytes())[..16].to_string()
}

/// The file's size and modification time, or "" if it is missing.
fn stamp(path: &Path) -> String {
    let Ok(m) = fs::metadata(path) else { return String::new() };
    let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    format!("{}:{}", m.len(), mtime.as_nanos())
}

/// Whether the output file is the one the record describes: the same
/// stamp as when it was verified, else the same SHA256 (and then the
/// record takes the new stamp).
fn output_matches(path: &Path, rec: &mut ArtifactRecord) -> bool {
    let now = stamp(path);
    if now.is_empty() {
        return false;
    }
    if now == rec.stamp {
        return true;
    }
    let ok = fs::metadata(path).is_ok_and(|m| m.len() == rec.size)
        && fs::read(path).is_ok_and(|d| sha256_hex(&d) == rec.sha256);
    if ok {
        rec.stamp = now;
    }
    ok
}

/// Writes through a temporary file and a rename, so readers never see half a file.
fn write_atomic(path: &Path, data: &[u8]) -> Result<(), String> {
    let dir = path.parent().expect("output paths have a directory");
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", path.file_name().unwrap().to_string_lossy(), std::process::id()));
    fs::write(&tmp, data).map_err(|e| format!("{}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn human(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

impl Ctx<'_> {
    fn http(&mut self) -> &Http {
        self.http.get_or_insert_with(Http::new)
    }

    fn offline_err(&self, what: &str) -> String {
        format!("--offline: {what} is not in the cache; run `cargo xtask images` with the network once")
    }

    /// The suite's `Packages` index for the architecture, checked against
    /// the suite's Release file. Cached; fetched once per run at most.
    fn index(&mut self) -> Result<&PackagesIndex, String> {
        if self.index.is_none() {
            let loaded = self.load_index()?;
            self.index = Some(loaded);
        }
        Ok(&self.index.as_ref().unwrap().0)
    }

    fn load_index(&mut self) -> Result<(PackagesIndex, IndexRecord), String> {
        let (suite, arch) = (self.spec.suite, self.spec.debian_arch);
        let dists = self.cache.join("dists").join(suite);
        let release_cache = dists.join("InRelease");
        let mut release_url = format!("{}/dists/{suite}/InRelease", self.mirror);
        let release_bytes = if self.offline {
            let b = fs::read(&release_cache).map_err(|_| self.offline_err(&format!("the {suite} index")))?;
            eprintln!("images: using the cached {suite} index ({})", release_cache.display());
            b
        } else {
            eprintln!("images: fetching {release_url}");
            let b = match self.http().get(&release_url, 64 << 20)? {
                Some(b) => b,
                None => {
                    release_url = format!("{}/dists/{suite}/Release", self.mirror);
                    self.http().get(&release_url, 64 << 20)?.ok_or_else(|| format!("{release_url}: not found"))?
                }
            };
            write_atomic(&release_cache, &b)?;
            b
        };
        let release_text = String::from_utf8(release_bytes.clone()).map_err(|_| "Release: not UTF-8".to_string())?;
        let release = Release::parse(&release_text)?;
        let base = format!("main/binary-{arch}/Packages");
        let (file, entry) = [".xz", ".gz"]
            .iter()
            .find_map(|ext| release.sha256.get(&format!("{base}{ext}")).map(|e| (format!("{base}{ext}"), e.clone())))
            .ok_or_else(|| format!("the {suite} Release file lists no {base}.xz or .gz (is {arch} in {suite}?)"))?;
        let packages_url = format!("{}/dists/{suite}/{file}", self.mirror);
        let cached = dists.join(&file);
        let compressed = match fs::read(&cached) {
            Ok(b) if verify(&file, &b, Some(entry.size), &entry.sha256).is_ok() => b,
            _ if self.offline => return Err(self.offline_err(&format!("{suite}'s {file}"))),
            _ => {
                eprintln!("images: fetching {packages_url} ({})", human(entry.size));
                let b =
                    self.http().get(&packages_url, entry.size)?.ok_or_else(|| format!("{packages_url}: not found"))?;
                verify(&packages_url, &b, Some(entry.size), &entry.sha256)?;
                write_atomic(&cached, &b)?;
                b
            }
        };
        let mut text = String::new();
        let res = if file.ends_with(".xz") {
            liblzma::read::XzDecoder::new(&compressed[..]).read_to_string(&mut text)
        } else {
            flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut text)
        };
        res.map_err(|e| format!("{file}: cannot decompress: {e}"))?;
        let index = PackagesIndex::parse(text).map_err(|e| format!("{packages_url}: {e}"))?;
        eprintln!("images: {file}: {} packages", index.len());
        let record = IndexRecord {
            release_url,
            release_sha256: sha256_hex(&release_bytes),
            release_date: release.date,
            packages_url,
            packages_sha256: entry.sha256,
            packages_size: entry.size,
        };
        Ok((index, record))
    }

    /// The packages that may hold the artifact's file, best first.
    fn resolve(&mut self, art: &Artifact) -> Result<Vec<Candidate>, String> {
        let (suite, arch) = (self.spec.suite, self.spec.debian_arch);
        let idx = self.index()?;
        let root = idx
            .get(art.package)?
            .ok_or_else(|| format!("package `{}` is not in {suite}'s main index for {arch}", art.package))?;
        if art.follow.is_empty() {
            return Ok(vec![Candidate { pkg: root.pkg, via: vec![art.package.into()] }]);
        }
        let (reached, missing) = index::same_source_closure(idx, art.package)?;
        let rank = |name: &str| art.follow.iter().position(|p| name.starts_with(p));
        let mut c: Vec<_> = reached.into_iter().filter(|r| rank(&r.package.pkg.name).is_some()).collect();
        c.sort_by_key(|r| (rank(&r.package.pkg.name), std::cmp::Reverse(r.package.pkg.size)));
        if c.is_empty() {
            return Err(format!(
                "no package named {}* is reachable from {}; missing from the index: {}",
                art.follow.join("*/"),
                art.package,
                if missing.is_empty() { "nothing".into() } else { missing.join(", ") }
            ));
        }
        Ok(c.into_iter().map(|r| Candidate { pkg: r.package.pkg, via: r.via }).collect())
    }

    /// A package's `.deb`, from the cache or the mirror, verified.
    fn deb(&mut self, pkg: &PackageRef) -> Result<Vec<u8>, String> {
        let base = pkg.filename.rsplit('/').next().unwrap_or(&pkg.filename);
        let path = self.cache.join("debs").join(base);
        let mut damaged = false;
        if let Ok(b) = fs::read(&path) {
            match verify(&path.display().to_string(), &b, Some(pkg.size), &pkg.sha256) {
                Ok(()) => return Ok(b),
                Err(e) => {
                    eprintln!("images: discarding the cached copy: {e}");
                    damaged = true;
                }
            }
        }
        if self.offline {
            let what = format!("{} {} ({base})", pkg.name, pkg.version);
            return Err(if damaged {
                format!("--offline: the cached {what} is damaged; run `cargo xtask images` with the network once")
            } else {
                self.offline_err(&what)
            });
        }
        let url = format!("{}/{}", self.mirror, pkg.filename);
        eprintln!("images: fetching {url} ({})", human(pkg.size));
        let b = self
            .http()
            .get(&url, pkg.size)?
            .ok_or_else(|| format!("{url}: not found (the archive has moved on; run with --refresh)"))?;
        verify(&url, &b, Some(pkg.size), &pkg.sha256)?;
        write_atomic(&path, &b)?;
        Ok(b)
    }

    /// Makes one output from the first candidate package that holds its file.
    fn build(
        &mut self,
        art: &Artifact,
        candidates: &[Candidate],
        out_path: &Path,
        recipe: String,
    ) -> Result<ArtifactRecord, String> {
        let mut tried = Vec::new();
        for cand in candidates {
            let deb = self.deb(&cand.pkg)?;
            let found = deb::find_files(&deb, art.paths).map_err(|e| format!("{}: {e}", cand.pkg.filename))?;
            let Some(first) = found.first() else {
                tried.push(cand.pkg.name.clone());
                continue;
            };
            if matches!(art.kind, Kind::Modules) {
                let what = format!("{} from {} {}", art.output, cand.pkg.name, cand.pkg.version);
                let mut modules = Vec::new();
                for pat in art.paths {
                    let m: Vec<&deb::Found> = found.iter().filter(|f| deb::glob_match(pat, &f.path)).collect();
                    match m.as_slice() {
                        [one] => modules.push(*one),
                        [] => return Err(format!("{what}: no module matches {pat}")),
                        _ => return Err(format!("{what}: several modules match {pat}")),
                    }
                }
                let data = initramfs::modules(&modules).map_err(|e| format!("{what}: {e}"))?;
                write_atomic(out_path, &data)?;
                let names: Vec<&str> = modules.iter().map(|m| m.path.rsplit('/').next().unwrap_or(&m.path)).collect();
                return Ok(ArtifactRecord {
                    stamp: stamp(out_path),
                    output: art.output.into(),
                    size: data.len() as u64,
                    sha256: sha256_hex(&data),
                    package: cand.pkg.clone(),
                    deb_url: format!("{}/{}", self.mirror, cand.pkg.filename),
                    path_in_package: first.path.rsplit_once("/kernel/").map_or("", |(d, _)| d).to_string(),
                    resolved_via: cand.via.clone(),
                    note: Some(format!("uncompressed into /lib/modules/ of a gzip'd newc cpio: {}", names.join(", "))),
                    recipe,
                });
            }
            if found.iter().any(|f| f.data != first.data) {
                let paths: Vec<&str> = found.iter().map(|f| f.path.as_str()).collect();
                return Err(format!("{}: several different files match: {}", cand.pkg.name, paths.join(", ")));
            }
            let (data, note) = self.finish(art, &cand.pkg, &first.data)?;
            write_atomic(out_path, &data)?;
            return Ok(ArtifactRecord {
                stamp: stamp(out_path),
                output: art.output.into(),
                size: data.len() as u64,
                sha256: sha256_hex(&data),
                package: cand.pkg.clone(),
                deb_url: format!("{}/{}", self.mirror, cand.pkg.filename),
                path_in_package: first.path.clone(),
                resolved_via: cand.via.clone(),
                note,
                recipe,
            });
        }
        Err(format!("none of {} holds {}", tried.join(", "), art.paths.join(" or ")))
    }

    /// Turns the file found into the output.
    fn finish(&self, art: &Artifact, pkg: &PackageRef, data: &[u8]) -> Result<(Vec<u8>, Option<String>), String> {
        let what = format!("{} from {} {}", art.output, pkg.name, pkg.version);
        match art.kind {
            Kind::Kernel { magic: (off, magic) } => {
                let (image, note) = if data.starts_with(b"\x1f\x8b") {
                    let mut out = Vec::new();
                    flate2::read::GzDecoder::new(data)
                        .read_to_end(&mut out)
                        .map_err(|e| format!("{what}: cannot gunzip: {e}"))?;
                    (out, Some("gunzipped".to_string()))
                } else {
                    (data.to_vec(), None)
                };
                if image.get(off..off + magic.len()) != Some(magic) {
                    return Err(format!(
                        "{what}: not a kernel image for {} (no {magic:?} at {off:#x})",
                        self.spec.name
                    ));
                }
                Ok((image, note))
            }
            Kind::File => Ok((data.to_vec(), None)),
            Kind::Modules => Err(format!("{what}: modules are built in `build`")),
            Kind::Initramfs => {
                initramfs::check_static_elf(data, self.spec.elf_machine).map_err(|e| format!("{what}: {e}"))?;
                let gz = initramfs::build(data);
                initramfs::check(&gz).map_err(|e| format!("{what}: the initramfs built is wrong: {e}"))?;
                Ok((
                    gz,
                    Some(format!(
                        "busybox at /bin/busybox in a gzip'd newc cpio; /init prints `{}`",
                        initramfs::BANNER
                    )),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for spec in ARCHES {
            let mut outputs: Vec<&str> = spec.artifacts.iter().map(|a| a.output).collect();
            outputs.sort();
            outputs.dedup();
            assert_eq!(outputs.len(), spec.artifacts.len(), "{}: duplicate outputs", spec.name);
            assert!(spec.artifacts.iter().any(|a| matches!(a.kind, Kind::Kernel { .. })));
            assert!(spec.artifacts.iter().filter(|a| matches!(a.kind, Kind::Initramfs)).count() == 1);
            // Recipes differ per artifact.
            let mut r: Vec<String> = spec.artifacts.iter().map(|a| recipe(spec, a)).collect();
            r.dedup();
            assert_eq!(r.len(), spec.artifacts.len());
        }
    }

    #[test]
    fn options() {
        assert!(images_cmd(&["--bogus".into()]).unwrap_err().contains("unknown option"));
        assert!(images_cmd(&["--arch".into(), "vax".into()]).unwrap_err().contains("unknown arch `vax`"));
        assert!(images_cmd(&["--offline".into(), "--refresh".into()]).is_err());
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wemu-images-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn offline_without_cache_fails_clearly() {
        let d = scratch("offline");
        let opts = Options { offline: true, ..Options::default() };
        let e = ensure(&ARCHES[0], &opts, &d.join("out"), &d.join("cache")).unwrap_err();
        assert!(e.starts_with("--offline: the sid index is not in the cache"), "{e}");
        let _ = fs::remove_dir_all(&d);
    }

    /// A cache as a run with the network leaves it: Release, index and
    /// packages, made here with their real hashes. Returns (dir, cache,
    /// out, kernel image).
    fn fixture(name: &str) -> (PathBuf, PathBuf, PathBuf, Vec<u8>) {
        use deb::tests::{make_deb, make_tar};
        let d = scratch(name);
        let cache = d.join("cache");
        let out = d.join("out");
        let mut image = vec![0u8; 0x1000];
        image[0x38..0x3c].copy_from_slice(b"RSC\x05");
        let mut busybox = vec![0u8; 0x100];
        busybox[..6].copy_from_slice(b"\x7fELF\x02\x01");
        busybox[18] = 0xf3;
        let kernel_deb = make_deb(&make_tar(&[("./usr/lib/modules/7.2-riscv64/vmlinuz", &image)], &[]), "xz");
        let fw_deb =
            make_deb(&make_tar(&[("./usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin", b"FW")], &[]), "gz");
        let bb_deb = make_deb(&make_tar(&[("./usr/bin/busybox", &busybox)], &[]), "xz");
        // The modules, uncompressed (`.ko`): ELF headers are enough.
        let k = "./usr/lib/modules/7.2-riscv64/kernel/";
        let module_files: Vec<String> = [
            "drivers/virtio/virtio_mmio.ko",
            "drivers/block/virtio_blk.ko",
            "drivers/char/hw_random/virtio-rng.ko",
            "lib/crc/crc16.ko",
            "fs/mbcache.ko",
            "fs/jbd2/jbd2.ko",
            "fs/ext4/ext4.ko",
        ]
        .iter()
        .map(|m| format!("{k}{m}"))
        .collect();
        let modules: Vec<(&str, &[u8])> = module_files.iter().map(|f| (f.as_str(), &b"\x7fELF\x02\x01"[..])).collect();
        let modules_deb = make_deb(&make_tar(&modules, &[]), "xz");
        let mut packages = String::new();
        let mut stanza = |name: &str, deps: &str, file: &str, deb: &[u8]| {
            packages += &format!(
                "Package: {name}\nSource: {}\nVersion: 1.0-1\nDepends: {deps}\nFilename: pool/main/{file}\n\
                 Size: {}\nSHA256: {}\n\n",
                if name.starts_with("linux") { "linux" } else { name },
                deb.len(),
                sha256_hex(deb)
            );
            let p = cache.join("debs").join(file);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, deb).unwrap();
        };
        stanza("linux-image-riscv64", "linux-image-7.2-riscv64 (= 1.0-1)", "meta.deb", b"not a deb");
        stanza(
            "linux-image-7.2-riscv64",
            "initramfs-tools, linux-binary-7.2-riscv64, linux-modules-7.2-riscv64",
            "img.deb",
            b"not a deb",
        );
        stanza("linux-modules-7.2-riscv64", "", "mod.deb", &modules_deb);
        stanza("linux-binary-7.2-riscv64", "", "bin.deb", &kernel_deb);
        stanza("opensbi", "", "fw.deb", &fw_deb);
        stanza("busybox-static", "", "bb.deb", &bb_deb);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, packages.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let release = format!(
            "Codename: sid\nDate: today\nSHA256:\n {} {} main/binary-riscv64/Packages.gz\n",
            sha256_hex(&gz),
            gz.len()
        );
        let dists = cache.join("dists/sid");
        fs::create_dir_all(dists.join("main/binary-riscv64")).unwrap();
        fs::write(dists.join("InRelease"), release).unwrap();
        fs::write(dists.join("main/binary-riscv64/Packages.gz"), &gz).unwrap();
        (d, cache, out, image)
    }

    /// The whole offline path: the cache produces the outputs and a
    /// manifest; a second run only checks; a damaged output is rebuilt; a
    /// corrupted cached package is refused.
    #[test]
    fn builds_from_a_cache_offline() {
        let (d, cache, out, image) = fixture("cache");
        let dists = cache.join("dists/sid");
        let kernel_deb = fs::read(cache.join("debs/bin.deb")).unwrap();
        let gz = fs::read(dists.join("main/binary-riscv64/Packages.gz")).unwrap();
        let opts = Options { offline: true, ..Options::default() };
        let (m, built) = ensure(&ARCHES[0], &opts, &out, &cache).unwrap();
        assert_eq!(built, 4);
        assert_eq!(fs::read(out.join("Image")).unwrap(), image);
        assert_eq!(fs::read(out.join("fw_dynamic.bin")).unwrap(), b"FW");
        let k = &m.artifacts[0];
        assert_eq!(k.package.name, "linux-binary-7.2-riscv64");
        assert_eq!(k.path_in_package, "usr/lib/modules/7.2-riscv64/vmlinuz");
        assert_eq!(k.resolved_via, ["linux-image-riscv64", "linux-image-7.2-riscv64", "linux-binary-7.2-riscv64"]);
        assert_eq!(k.sha256, sha256_hex(&image));
        assert_eq!(k.package.sha256, sha256_hex(&kernel_deb));
        assert_eq!(m.index.as_ref().unwrap().packages_sha256, sha256_hex(&gz));
        let on_disk: Manifest = serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(on_disk.artifacts.len(), 4);
        // The modules, uncompressed in /lib/modules of their own archive.
        let mods = &m.artifacts[3];
        assert_eq!(mods.package.name, "linux-modules-7.2-riscv64");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&fs::read(out.join("modules.cpio.gz")).unwrap()[..]),
            &mut raw,
        )
        .unwrap();
        let names: Vec<String> = cpio::parse(&raw).unwrap().into_iter().map(|e| e.name).collect();
        assert!(names.iter().any(|n| n == "lib/modules/virtio_mmio.ko"), "{names:?}");
        assert!(names.iter().any(|n| n == "lib/modules/ext4.ko"), "{names:?}");

        // Complete: nothing to do, even with the index gone.
        fs::remove_dir_all(&dists).unwrap();
        let (_, built) = ensure(&ARCHES[0], &opts, &out, &cache).unwrap();
        assert_eq!(built, 0);
        // A damaged output is rebuilt from the recorded package.
        fs::write(out.join("fw_dynamic.bin"), b"XX").unwrap();
        let (_, built) = ensure(&ARCHES[0], &opts, &out, &cache).unwrap();
        assert_eq!(built, 1);
        assert_eq!(fs::read(out.join("fw_dynamic.bin")).unwrap(), b"FW");
        // A corrupted cached package is refused (and offline, not refetched).
        fs::remove_file(out.join("fw_dynamic.bin")).unwrap();
        fs::write(cache.join("debs/fw.deb"), b"corrupt").unwrap();
        let e = ensure(&ARCHES[0], &opts, &out, &cache).unwrap_err();
        assert!(e.starts_with("--offline: the cached opensbi 1.0-1 (fw.deb) is damaged"), "{e}");
        fs::remove_file(cache.join("debs/fw.deb")).unwrap();
        let e = ensure(&ARCHES[0], &opts, &out, &cache).unwrap_err();
        assert!(e.starts_with("--offline: opensbi 1.0-1 (fw.deb) is not in the cache"), "{e}");
        let _ = fs::remove_dir_all(&d);
    }

    /// Table entries that cannot be satisfied fail with one clear line.
    #[test]
    fn missing_package_and_malformed_deb() {
        static MISSING: ArchSpec = ArchSpec {
            name: "riscv64",
            debian_arch: "riscv64",
            suite: "sid",
            elf_machine: 0xf3,
            artifacts: &[Artifact {
                output: "x",
                package: "no-such-package",
                follow: &[],
                paths: &["x"],
                kind: Kind::File,
            }],
        };
        static MALFORMED: ArchSpec = ArchSpec {
            artifacts: &[Artifact {
                output: "x",
                package: "linux-image-7.2-riscv64",
                follow: &[],
                paths: &["x"],
                kind: Kind::File,
            }],
            ..MISSING
        };
        static NOT_THERE: ArchSpec = ArchSpec {
            artifacts: &[Artifact {
                output: "x",
                package: "opensbi",
                follow: &[],
                paths: &["usr/lib/no/such/file"],
                kind: Kind::File,
            }],
            ..MISSING
        };
        let (d, cache, out, _) = fixture("missing");
        let opts = Options { offline: true, ..Options::default() };
        let e = ensure(&MISSING, &opts, &out, &cache).unwrap_err();
        assert_eq!(e, "package `no-such-package` is not in sid's main index for riscv64");
        let e = ensure(&MALFORMED, &opts, &out, &cache).unwrap_err();
        assert_eq!(e, "pool/main/img.deb: not an ar archive (bad magic)");
        let e = ensure(&NOT_THERE, &opts, &out, &cache).unwrap_err();
        assert_eq!(e, "none of opensbi holds usr/lib/no/such/file");
        let _ = fs::remove_dir_all(&d);
    }
}

//! `cargo xtask web-demo` and `cargo xtask test-web`: the browser host.
//!
//! `web-demo` sets itself up (the wasm32 target, the wasm-bindgen CLI of
//! the crate's exact version in `<target>/tools`, `npm ci` for the page,
//! the guest images), builds `hosts/web` for wasm32, assembles the static
//! site (`www/`, the generated glue in `pkg/`, xterm.js vendored from
//! `node_modules`, the images) and serves it on 127.0.0.1 with the
//! cross-origin isolation headers ([`serve`], see [`web_server`]).
//!
//! `test-web` builds the same site and runs the end-to-end tests of
//! `tests/web/`: node boots the wasm build to a shell with the JIT on, then
//! headless Chromium (Playwright) boots the served page and types into the
//! terminal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::web_server;
use crate::{cargo, ensure_target, root, run_cmd, succeeds, target_dir};

/// The wasm-bindgen version: the crate's exact pin (hosts/web/Cargo.toml)
/// and the CLI's must be the same.
const WASM_BINDGEN: &str = "0.2.130";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where Debian installs Chromium (FACTS.md).
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// The images the page boots (from `cargo xtask images`).
const IMAGES: &[&str] = &["manifest.json", "Image", "fw_dynamic.bin", "initramfs.cpio.gz"];

pub const USAGE: &str = "  web-demo [--port N] [--out DIR]
                       riscv64 Linux in a browser tab: sets up (wasm32 target, wasm-bindgen-cli,
                       npm ci, images), builds hosts/web and serves it on http://127.0.0.1:8088
                       (--port) with COOP/COEP headers; --out DIR writes the static site there
                       instead of serving it
  test-web [--measure]
                       the browser end-to-end tests: node boots the wasm build to a shell (JIT on),
                       headless Chromium boots the served page and runs commands in the terminal;
                       --measure also times page load to prompt with the JIT on and off
";

pub(crate) fn web_dir() -> PathBuf {
    root().join("hosts/web")
}

fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

fn wasm_bindgen_bin() -> PathBuf {
    tools_dir().join("bin/wasm-bindgen")
}

/// The wasm32 target, the wasm-bindgen CLI, the page's npm packages, the
/// guest images.
pub(crate) fn setup() -> Result<(), String> {
    ensure_target(WASM_TARGET)?;
    let version = Command::new(wasm_bindgen_bin())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if version != format!("wasm-bindgen {WASM_BINDGEN}") {
        run_cmd(
            &format!("cargo install wasm-bindgen-cli {WASM_BINDGEN} (about 4 minutes, once)"),
            cargo(None)
                .args(["install", "wasm-bindgen-cli", "--locked", "--version", WASM_BINDGEN, "--root"])
                .arg(tools_dir()),
        )?;
    }
    if !succeeds(Command::new("npm").arg("--version")) {
        return Err("npm is missing: install Node.js 20 or newer (Debian: apt-get install nodejs npm)".into());
    }
    // `npm ci` when the lock file changed since the last install.
    let web = web_dir();
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (modified(&installed), modified(&web.join("package-lock.json"))) {
        (Some(i), Some(l)) => i < l,
        _ => true,
    };
    if stale {
        run_cmd(
            "npm ci (hosts/web)",
            Command::new("npm").args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]).current_dir(&web),
        )?;
    }
    crate::images::images_cmd(&[])
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Builds hosts/web and writes the static site to `site`.
pub(crate) fn build_site(site: &Path) -> Result<(), String> {
    let mut c = cargo(None);
    c.args(["build", "--release", "-p", "wemu-web", "--target", WASM_TARGET]);
    // The JIT installs generated modules in the function table, which
    // must be growable (FACTS.md). Kept here, not in .cargo/config.toml.
    c.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", "-C link-arg=--growable-table");
    run_cmd("build hosts/web for wasm32 (release)", &mut c)?;
    let wasm = target_dir().join(WASM_TARGET).join("release/wemu_web.wasm");
    let pkg = site.join("pkg");
    let _ = std::fs::remove_dir_all(&pkg);
    run_cmd(
        "wasm-bindgen",
        Command::new(wasm_bindgen_bin()).args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm),
    )?;
    let www = web_dir().join("www");
    for entry in std::fs::read_dir(&www).map_err(|e| format!("{}: {e}", www.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        copy(&entry.path(), &site.join(entry.file_name()))?;
    }
    // xterm.js from node_modules: no CDN.
    let modules = web_dir().join("node_modules/@xterm");
    let vendor = site.join("vendor/xterm");
    for (from, to) in [
        ("xterm/lib/xterm.mjs", "xterm.mjs"),
        ("xterm/css/xterm.css", "xterm.css"),
        ("addon-fit/lib/addon-fit.mjs", "addon-fit.mjs"),
    ] {
        copy(&modules.join(from), &vendor.join(to))?;
    }
    let images = target_dir().join("images/riscv64");
    for name in IMAGES {
        copy(&images.join(name), &site.join("images").join(name))?;
    }
    // The bench workload's initramfs, when `cargo xtask bench` built it
    // (`test-web --measure` runs it in Chromium).
    let bench = target_dir().join("bench/initramfs-bench.cpio.gz");
    if bench.is_file() {
        copy(&bench, &site.join("bench/initramfs-bench.cpio.gz"))?;
    }
    std::fs::write(site.join("HEADERS.txt"), HEADERS_NOTE).map_err(|e| e.to_string())?;
    Ok(())
}

/// What `--out` users must configure on their server.
const HEADERS_NOTE: &str = "\
Serve this directory over HTTP(S) with these headers on every response
(cross-origin isolation, which multi-threaded builds need; the single-threaded
build runs without them but says so):

    Cross-Origin-Opener-Policy: same-origin
    Cross-Origin-Embedder-Policy: require-corp

and `.wasm` as application/wasm, `.js`/`.mjs` as text/javascript. Opening
index.html from file:// does not work (module workers need HTTP).
";

/// Copies a file (unless the destination has the same size and is not
/// older), creating directories.
fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(from).map_err(|e| format!("{}: {e}", from.display()))?;
    if let Ok(dst) = std::fs::metadata(to)
        && dst.len() == meta.len()
        && dst.modified().ok() >= meta.modified().ok()
    {
        return Ok(());
    }
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(from, to).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))?;
    Ok(())
}

pub(crate) fn default_site() -> PathBuf {
    target_dir().join("web/site")
}

/// `cargo xtask web-demo [--port N] [--out DIR]`.
pub fn web_demo(args: &[String]) -> Result<(), String> {
    let mut port = 8088u16;
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a number")?;
                port = v.parse().map_err(|_| format!("--port: `{v}` is not a port number"))?;
            }
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a directory")?)),
            other => return Err(format!("web-demo: unknown option `{other}`")),
        }
    }
    setup()?;
    let site = out.clone().unwrap_or_else(default_site);
    build_site(&site)?;
    if out.is_some() {
        eprintln!("web-demo: the site is in {}; see HEADERS.txt there for the headers it needs", site.display());
        return Ok(());
    }
    let server = web_server::Server::bind(&site, port)?;
    println!("wemu web demo: open http://127.0.0.1:{}/ (Ctrl-C stops the server)", server.port());
    server.run_forever();
    Ok(())
}

/// `cargo xtask test-web [--measure]`: the browser end-to-end tests. The
/// lead's `cargo xtask test` can call this with no arguments.
pub fn test_web(args: &[String]) -> Result<(), String> {
    let measure = match args {
        [] => false,
        [m] if m == "--measure" => true,
        _ => return Err(format!("test-web: unknown options {args:?}")),
    };
    let start = Instant::now();
    setup()?;
    let site = default_site();
    build_site(&site)?;
    let tests = root().join("tests/web");
    run_cmd(
        "web e2e (node): the wasm build boots Linux to a shell with the JIT on",
        Command::new("node").arg(tests.join("node_boot.mjs")).arg(&site),
    )?;
    if !Path::new(CHROMIUM).exists() {
        return Err(format!("{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"));
    }
    let server = web_server::Server::bind(&site, 0)?;
    let url = format!("http://127.0.0.1:{}/", server.port());
    std::thread::spawn(move || server.run_forever());
    let shots = target_dir().join("web");
    let chromium = |accel: &str, harts: u32| {
        let mut c = Command::new("node");
        let shot =
            if harts > 1 { format!("screenshot-{accel}-smp{harts}.png") } else { format!("screenshot-{accel}.png") };
        c.arg(tests.join("chromium_boot.mjs"))
            .arg(&url)
            .arg(accel)
            .arg(shots.join(shot))
            .arg(harts.to_string())
            .env("WEMU_WEB_DIR", web_dir());
        c
    };
    run_cmd("web e2e (Chromium): the page boots Linux, the terminal runs commands (JIT)", &mut chromium("jit", 1))?;
    run_cmd("web e2e (Chromium): four harts (?smp=4), nproc prints 4 (JIT)", &mut chromium("jit", 4))?;
    if measure {
        run_cmd("web measure (Chromium): page load to prompt, interpreter only", &mut chromium("tci", 1))?;
        if site.join("bench/initramfs-bench.cpio.gz").is_file() {
            for accel in ["jit", "tci"] {
                run_cmd(
                    &format!("web measure (Chromium): the bench workload's guest MIPS ({accel})"),
                    Command::new("node").arg(tests.join("chromium_bench.mjs")).arg(&url).arg(accel).arg("2"),
                )?;
            }
        } else {
            eprintln!("test-web: no bench initramfs (run `cargo xtask bench` once): workload MIPS not measured");
        }
    }
    eprintln!("xtask test-web: passed in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

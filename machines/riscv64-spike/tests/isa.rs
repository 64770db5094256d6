//! The project's own ISA tests (`tests/riscv64/isa/*.s`): each is assembled
//! with Debian's `binutils-riscv64-unknown-elf`, linked at 0x8000_0000 and
//! run on the riscv64-spike board through the interpreter. Each test
//! checks itself and reports through HTIF: exit code 0 is a pass, n the
//! failing check (its printed line says more).
//!
//! A test whose source has `# console: TEXT` lines must also print exactly
//! those lines. Without the cross tools the tests are skipped with a
//! message.

mod common;

use std::path::Path;

/// Enough for every test; a test that hangs fails at this limit.
const MAX_INSNS: u64 = 20_000_000;

fn run_isa(name: &str) {
    let Some(tools) = common::tools() else { return };
    let src = common::isa_dir().join(format!("{name}.s"));
    let elf = common::build(&tools, &src, &common::out_dir("isa")).unwrap_or_else(|e| panic!("{e}"));
    let image = std::fs::read(&elf).expect("read the image");
    let (result, console) = common::run(&image, MAX_INSNS);
    check_isa(name, &src, result, &console);
}

/// The same test with the JIT forced on: it must pass, print the same, and
/// retire exactly as many instructions as in the interpreter (the board's
/// time follows the instruction count, so any difference in what ran
/// shows).
fn run_isa_jit(name: &str) {
    let Some(tools) = common::tools() else { return };
    let src = common::isa_dir().join(format!("{name}.s"));
    let elf = common::build(&tools, &src, &common::out_dir("isa-jit")).unwrap_or_else(|e| panic!("{e}"));
    let image = std::fs::read(&elf).expect("read the image");
    let (jit, jit_console, stats) = common::run_jit(&image, MAX_INSNS, 4096);
    check_isa(name, &src, jit.clone(), &jit_console);
    let (tci, tci_console) = common::run(&image, MAX_INSNS);
    assert_eq!(jit, tci, "{name}: the JIT and the interpreter disagree");
    assert_eq!(jit_console, tci_console, "{name}: console output under the JIT");
    assert!(stats.insns > 0, "{name}: nothing ran in generated code");
}

/// With room for only a few modules, regions are evicted one at a time as
/// new ones come (never all at once) and evicted code runs interpreted or
/// in a later region: the results stay the interpreter's.
#[test]
fn a_small_module_cap_evicts_and_changes_nothing() {
    let Some(tools) = common::tools() else { return };
    let src = common::isa_dir().join("rv64i.s");
    let elf = common::build(&tools, &src, &common::out_dir("isa-jit-cap")).unwrap_or_else(|e| panic!("{e}"));
    let image = std::fs::read(&elf).expect("read the image");
    let (jit, jit_console, stats) = common::run_jit(&image, MAX_INSNS, 4);
    let (tci, tci_console) = common::run(&image, MAX_INSNS);
    assert_eq!((jit, jit_console), (tci, tci_console));
    assert!(stats.evicted > 0 && stats.live <= 4, "{stats:?}");
    assert_eq!(stats.installed, stats.evicted + stats.invalidated + stats.live, "{stats:?}");
}

fn check_isa(
    name: &str,
    src: &Path,
    result: Result<wemu_machine_riscv64_spike::Exit, wemu_machine_riscv64_spike::RunError>,
    console: &str,
) {
    match result {
        Ok(exit) if exit.code == 0 => {}
        Ok(exit) => panic!("{name}: failed check {} ({} instructions)\n{console}", exit.code, exit.insns),
        Err(e) => panic!("{name}: {e}\n{console}"),
    }
    let source = std::fs::read_to_string(src).expect("read the source");
    let expected: String =
        source.lines().filter_map(|l| l.strip_prefix("# console: ")).map(|l| format!("{l}\n")).collect();
    assert_eq!(console, expected, "{name}: console output");
}

macro_rules! isa_tests {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                run_isa(stringify!($name));
            }
        )*
        /// Every test again, with the JIT forced on.
        mod jit {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    super::run_isa_jit(stringify!($name));
                }
            )*
        }
        /// Every test above, to check that no source is left out.
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

isa_tests!(
    smoke,
    rv64i,
    rv64m,
    rv64a,
    lrsc,
    rv64f,
    rv64d,
    rvc,
    zba,
    zbb,
    zbc,
    zbs,
    zicsr,
    zifencei,
    misaligned,
    traps,
    privilege,
    sv39,
    pmp,
    pmp_partial,
    illegal_tval,
    zicbo,
    interrupts,
    htif,
    zicntr_traps,
);

#[test]
fn every_source_is_listed() {
    let mut missing = Vec::new();
    for e in std::fs::read_dir(common::isa_dir()).expect("tests/riscv64/isa") {
        let p = e.expect("dir entry").path();
        if p.extension().is_some_and(|x| x == "s") {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            if !LISTED.contains(&stem.as_str()) {
                missing.push(stem);
            }
        }
    }
    assert!(missing.is_empty(), "add these to isa_tests! in {}: {missing:?}", Path::new(file!()).display());
}

/// Virtual time follows the instruction count: the same image runs the
/// same way twice (the interrupt test's timer interrupts land on the same
/// instructions, so the counts agree exactly).
#[test]
fn runs_are_deterministic() {
    let Some(tools) = common::tools() else { return };
    let src = common::isa_dir().join("interrupts.s");
    let elf = common::build(&tools, &src, &common::out_dir("isa-determinism")).unwrap_or_else(|e| panic!("{e}"));
    let image = std::fs::read(&elf).expect("read the image");
    let (a, _) = common::run(&image, MAX_INSNS);
    let (b, _) = common::run(&image, MAX_INSNS);
    let a = a.expect("first run");
    assert_eq!(a.code, 0);
    assert_eq!(Ok(a), b);
}

//! `wemu`: the native command-line host.
//!
//! * `wemu ir FILE.ir`: parse an IR program in the text form, verify it,
//!   optimize it, and run it in the interpreter against a CPU-state block
//!   and a flat guest memory, printing how it exited and the globals.
//! * `wemu --machine riscv64-spike --bios none --kernel test.elf`: run a
//!   bare-metal test image to its HTIF exit (see `machine_cmd`).
//! * `wemu --machine riscv64-virt [--kernel Image ...]`: QEMU's riscv64
//!   `virt` board with the terminal as its console (see `virt_cmd`).

use std::process::ExitCode;

mod accel;
mod ir_cmd;
mod machine_cmd;
mod virt_cmd;

const USAGE: &str = "\
usage: wemu --machine riscv64-spike [--bios none] --kernel FILE.elf [options]
       wemu --machine riscv64-virt [-m MiB] [--bios FILE|none] [--kernel Image] [--initrd FILE]
                                   [--append CMDLINE] [--drive file=IMG,format=raw] [--virtio-rng] [--icount N]
                                   [--accel tci|jit] [--jit-threshold N] [-d ITEMS] [--stats]
       wemu ir FILE.ir [options]

--machine runs a guest on a board; riscv64-spike runs a bare-metal RISC-V test
(tohost/fromhost HTIF) and exits with its code (0: pass). riscv64-virt is QEMU's
`virt` board with the terminal as its serial console (Ctrl-A x quits, Ctrl-A c
prints a status line); without --kernel it boots the images `cargo xtask images`
cached (OpenSBI, Debian's kernel, a busybox initramfs) and exits 0 on power-off.

options:
  --max-insns N      stop with an error after N instructions (default 2G; k/M/G suffixes)
  -m SIZE            RAM in MiB (default 128; or 1G)
  -d ITEMS           trace to stderr: in_asm, op, op_opt, exec, int, mmio, tlb (comma list)
  --stats            print the instruction count and speed at exit
  --accel tci|jit    run guest code in the interpreter alone, or also compile hot regions
                     to Wasm and run them with wasmtime (default: jit on riscv64-virt,
                     tci on riscv64-spike)
  --jit-threshold N  executions after which a block is hot (default 10000; 1 compiles
                     every block at its first run)

`wemu ir` runs an IR program (see the text format in the wemu-ir docs) in the
interpreter; options:
  --set NAME=VALUE   initial value of a global (decimal or 0x hex; repeatable)
  --no-opt           run the program as written, without the optimizer
  --print            print the IR that runs (after optimization)
  --mem-size BYTES   size of the flat guest memory at address 0 (default 65536)
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wemu: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args_os().skip(1);
    let cmd = args.next().ok_or_else(|| format!("no command given\n{USAGE}"))?;
    match cmd.to_str() {
        Some("ir") => ir_cmd::main(args.collect()),
        Some(a) if a.starts_with("--machine") || a == "-M" => {
            machine_cmd::main(std::iter::once(cmd).chain(args).collect())
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command `{}` (try `wemu help`)", cmd.to_string_lossy())),
    }
}

//! `wemu ir`: run an IR program in the interpreter.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use wemu_ir::runtime::ExitKind;
use wemu_ir::{Block, Inst, Type};
use wemu_tci::{FlatMemory, Interp, NoHelpers, TciBlock};

struct Options {
    file: PathBuf,
    sets: Vec<(String, u64)>,
    optimize: bool,
    print: bool,
    mem_size: usize,
}

fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => match s.strip_prefix('-') {
            Some(neg) => neg.parse::<u64>().ok().map(|v| v.wrapping_neg()),
            None => s.parse().ok(),
        },
    }
}

fn parse_options(args: Vec<OsString>) -> Result<Options, String> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_args(args);
    let mut file = None;
    let mut opts = Options { file: PathBuf::new(), sets: Vec::new(), optimize: true, print: false, mem_size: 65536 };
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Long("set") => {
                let v = p.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                let (name, value) = v.split_once('=').ok_or_else(|| format!("--set `{v}`: expected NAME=VALUE"))?;
                let value = parse_number(value).ok_or_else(|| format!("--set `{v}`: `{value}` is not a number"))?;
                opts.sets.push((name.to_string(), value));
            }
            Long("no-opt") => opts.optimize = false,
            Long("print") => opts.print = true,
            Long("mem-size") => {
                let v = p.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                opts.mem_size = parse_number(&v)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| n <= 1 << 30)
                    .ok_or_else(|| format!("--mem-size `{v}`: expected a number of bytes up to 1 GiB"))?;
            }
            Value(v) if file.is_none() => file = Some(PathBuf::from(v)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    opts.file = file.ok_or("wemu ir: name an IR file")?;
    Ok(opts)
}

/// Bytes of CPU state the block needs: every global and state access fits.
fn state_size(block: &Block) -> usize {
    let globals = block.globals.iter().map(|(_, g)| g.offset as usize + g.size() as usize);
    let state_ops = block.insts.iter().filter_map(|i| match *i {
        Inst::LoadState { offset, size, .. } | Inst::StoreState { offset, size, .. } => {
            Some(offset as usize + size.bytes() as usize)
        }
        _ => None,
    });
    globals.chain(state_ops).max().unwrap_or(0)
}

fn read_global(state: &[u8], offset: u32, ty: Type) -> u64 {
    let o = offset as usize;
    match ty {
        Type::I32 => state.get(o..o + 4).map_or(0, |b| u64::from(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))),
        Type::I64 => state.get(o..o + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))),
    }
}

pub fn main(args: Vec<OsString>) -> Result<ExitCode, String> {
    let opts = parse_options(args)?;
    let name = opts.file.display().to_string();
    let text = std::fs::read_to_string(&opts.file).map_err(|e| format!("{name}: {e}"))?;
    let mut block = wemu_ir::text::parse(&text).map_err(|e| format!("{name}: {e}"))?;
    wemu_ir::verify(&block).map_err(|e| format!("{name}: does not verify: {e}"))?;
    let before = block.insts.len();
    if opts.optimize {
        wemu_ir::opt::optimize(&mut block);
        wemu_ir::verify(&block).map_err(|e| format!("{name}: optimizer produced invalid IR: {e}"))?;
    }
    println!("{name}: {before} IR instructions, {} after optimization", block.insts.len());
    if opts.print {
        print!("{}", wemu_ir::text::print(&block));
    }

    let mut state = vec![0u8; state_size(&block)];
    for (gname, value) in &opts.sets {
        let id = block.globals.find(gname).ok_or_else(|| format!("--set: `{gname}` is not a global of {name}"))?;
        let decl = block.globals.get(id).ok_or("unreachable: global vanished")?;
        let bytes = value.to_le_bytes();
        let o = decl.offset as usize;
        state[o..o + decl.size() as usize].copy_from_slice(&bytes[..decl.size() as usize]);
    }
    let tb = TciBlock::compile(&block).map_err(|e| format!("{name}: interpreter cannot run it: {e}"))?;
    let mut mem = FlatMemory::new(0, opts.mem_size);
    let mut interp = Interp::new();
    let start = std::time::Instant::now();
    let exit = interp.run(&tb, &mut state, &mut mem, &mut NoHelpers);
    let elapsed = start.elapsed();

    println!(
        "exit: {:?} after {} guest instruction(s), last pc {:#x}, in {:.1} µs",
        exit.kind,
        exit.insns,
        exit.insn_pc,
        elapsed.as_secs_f64() * 1e6
    );
    for g in block.used_globals() {
        if let Some(d) = block.globals.get(g) {
            let v = read_global(&state, d.offset, d.ty);
            println!("{:>8} = {v:#018x} ({v})", d.name);
        }
    }
    Ok(if matches!(exit.kind, ExitKind::BadBlock) || exit.kind.is_fault() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

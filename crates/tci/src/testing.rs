//! Differential-testing support (feature `testing`): a deliberately naive
//! reference evaluator of IR (no lowering, no caching: globals are read and
//! written straight in the state), and checks that compare the interpreter
//! with it and with itself on optimized IR, over the random cases of
//! [`wemu_ir::arbitrary`]. Used by the crate's tests and the fuzz targets.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::arbitrary::{Case, FuzzHelpers, MEM_BASE};
use wemu_ir::runtime::{Exit, ExitKind, GuestMemory, Helpers};
use wemu_ir::{Block, Inst, Temp, Type, Value, semantics};

use crate::memory::{read_le, write_le};
use crate::{FlatMemory, Interp, TciBlock};

/// Everything observable about one execution of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit: Exit,
    pub state: Vec<u8>,
    pub memory: Vec<u8>,
    /// The effectful helper calls made, in order.
    pub calls: Vec<(u32, Vec<u64>)>,
}

/// Runs `block` on `case`'s state and memory with the interpreter.
pub fn run_tci(block: &Block, case: &Case) -> Result<Outcome, String> {
    let tb = TciBlock::compile(block).map_err(|e| format!("compile: {e}"))?;
    let mut state = case.state.clone();
    let mut mem = FlatMemory { base: MEM_BASE, bytes: case.memory.clone() };
    let mut helpers = FuzzHelpers::default();
    let exit = Interp::new().run(&tb, &mut state, &mut mem, &mut helpers);
    Ok(Outcome { exit, state, memory: mem.bytes, calls: helpers.log })
}

/// Steps the reference evaluator takes before giving up.
const FUEL: u64 = 10_000_000;

/// Runs `block` on `case`'s state and memory with the reference evaluator.
/// Fails on blocks it cannot run (undeclared temps or labels, a state too
/// small, endless loops).
pub fn run_reference(block: &Block, case: &Case) -> Result<Outcome, String> {
    let mut state = case.state.clone();
    let mut mem = FlatMemory { base: MEM_BASE, bytes: case.memory.clone() };
    let mut helpers = FuzzHelpers::default();
    let exit =
        Reference { block, state: &mut state, locals: vec![0; block.locals.len()] }.run(&mut mem, &mut helpers)?;
    Ok(Outcome { exit, state, memory: mem.bytes, calls: helpers.log })
}

struct Reference<'a> {
    block: &'a Block,
    state: &'a mut [u8],
    locals: Vec<u64>,
}

fn fits(state: &[u8], offset: u32, bytes: u32) -> Result<usize, String> {
    let o = offset as usize;
    if o + bytes as usize > state.len() {
        return Err(format!("state access at {offset} beyond the state"));
    }
    Ok(o)
}

impl Reference<'_> {
    fn get(&self, t: Temp) -> Result<u64, String> {
        match t {
            Temp::Global(_) => {
                let d = self.block.global_decl(t).ok_or("undeclared global")?;
                let o = fits(self.state, d.offset, d.size())?;
                Ok(read_le(self.state, o, if d.ty == Type::I32 { wemu_ir::MemSize::B4 } else { wemu_ir::MemSize::B8 }))
            }
            Temp::Local(l) => self.locals.get(l.0 as usize).copied().ok_or_else(|| String::from("undeclared local")),
        }
    }

    fn val(&self, v: Value) -> Result<u64, String> {
        match v {
            Value::Const(c) => Ok(c),
            Value::Temp(t) => self.get(t),
        }
    }

    fn set(&mut self, t: Temp, v: u64) -> Result<(), String> {
        match t {
            Temp::Global(_) => {
                let d = self.block.global_decl(t).ok_or("undeclared global")?;
                let o = fits(self.state, d.offset, d.size())?;
                let size = if d.ty == Type::I32 { wemu_ir::MemSize::B4 } else { wemu_ir::MemSize::B8 };
                write_le(self.state, o, size, v);
            }
            Temp::Local(l) => *self.locals.get_mut(l.0 as usize).ok_or("undeclared local")? = v,
        }
        Ok(())
    }

    fn run<M: GuestMemory, H: Helpers<M>>(&mut self, mem: &mut M, helpers: &mut H) -> Result<Exit, String> {
        let insts = &self.block.insts;
        let mut labels = vec![usize::MAX; self.block.num_labels as usize];
        for (i, inst) in insts.iter().enumerate() {
            if let Inst::Label(l) = inst {
                *labels.get_mut(l.0 as usize).ok_or("bad label")? = i;
            }
        }
        let (mut insn_pc, mut insns) = (0u64, 0u32);
        let mut pc = 0usize;
        let mut fuel = FUEL;
        let exit = |kind, insn_pc, insns| Ok(Exit { kind, insn_pc, insns });
        loop {
            fuel = fuel.checked_sub(1).ok_or("out of fuel")?;
            let inst = insts.get(pc).ok_or("fell off the end")?;
            pc += 1;
            match *inst {
                Inst::Mov { ty, dst, src } => self.set(dst, ty.canon(self.val(src)?))?,
                Inst::Unary { op, ty, dst, src } => self.set(dst, semantics::unary(op, ty, self.val(src)?))?,
                Inst::Binary { op, ty, dst, a, b } => {
                    self.set(dst, semantics::binary(op, ty, self.val(a)?, self.val(b)?))?
                }
                Inst::Convert { op, dst, src } => self.set(dst, semantics::convert(op, self.val(src)?))?,
                Inst::Extract { ty, signed, dst, src, pos, len } => {
                    self.set(dst, semantics::extract(ty, signed, self.val(src)?, pos.into(), len.into()))?
                }
                Inst::Deposit { ty, dst, base, field, pos, len } => {
                    let v = semantics::deposit(ty, self.val(base)?, self.val(field)?, pos.into(), len.into());
                    self.set(dst, v)?
                }
                Inst::SetCond { ty, cond, dst, a, b } => {
                    self.set(dst, u64::from(semantics::cond(cond, ty, self.val(a)?, self.val(b)?)))?
                }
                Inst::MovCond { ty, cond, dst, a, b, if_true, if_false } => {
                    let c = semantics::cond(cond, ty, self.val(a)?, self.val(b)?);
                    let v = if c { self.val(if_true)? } else { self.val(if_false)? };
                    self.set(dst, v)?
                }
                Inst::LoadState { ty, dst, offset, size, signed } => {
                    let o = fits(self.state, offset, size.bytes())?;
                    let raw = read_le(self.state, o, size);
                    self.set(dst, semantics::loaded_value(ty, wemu_ir::MemOp::le(size, signed), raw))?
                }
                Inst::StoreState { src, offset, size, .. } => {
                    let o = fits(self.state, offset, size.bytes())?;
                    let v = self.val(src)?;
                    write_le(self.state, o, size, v);
                }
                Inst::Load { ty, dst, addr, mem: m } => {
                    let a = self.val(addr)?;
                    if a & m.align_mask() != 0 {
                        return exit(ExitKind::Misaligned { addr: a, write: false }, insn_pc, insns);
                    }
                    match mem.load(a, m) {
                        Ok(raw) => self.set(dst, semantics::loaded_value(ty, m, raw))?,
                        Err(code) => return exit(ExitKind::MemFault { addr: a, code, write: false }, insn_pc, insns),
                    }
                }
                Inst::Store { src, addr, mem: m, .. } => {
                    let a = self.val(addr)?;
                    if a & m.align_mask() != 0 {
                        return exit(ExitKind::Misaligned { addr: a, write: true }, insn_pc, insns);
                    }
                    if let Err(code) = mem.store(a, semantics::stored_raw(m, self.val(src)?), m) {
                        return exit(ExitKind::MemFault { addr: a, code, write: true }, insn_pc, insns);
                    }
                }
                Inst::AtomicRmw { ty, dst, addr, mem: m, .. } | Inst::AtomicCmpXchg { ty, dst, addr, mem: m, .. } => {
                    let a = self.val(addr)?;
                    if a & m.align_mask() != 0 {
                        return exit(ExitKind::Misaligned { addr: a, write: true }, insn_pc, insns);
                    }
                    let old = match *inst {
                        Inst::AtomicRmw { op, src, .. } => {
                            mem.atomic_rmw(a, op, semantics::stored_raw(m, self.val(src)?), m)
                        }
                        Inst::AtomicCmpXchg { expected, new, .. } => {
                            let (e, n) = (self.val(expected)?, self.val(new)?);
                            mem.atomic_cmpxchg(a, semantics::stored_raw(m, e), semantics::stored_raw(m, n), m)
                        }
                        _ => unreachable!(),
                    };
                    match old {
                        Ok(old) => self.set(dst, semantics::loaded_value(ty, m, old))?,
                        Err(code) => return exit(ExitKind::MemFault { addr: a, code, write: true }, insn_pc, insns),
                    }
                }
                Inst::Fence { kind } => mem.fence(kind),
                Inst::Call { helper, dst, ref args } => {
                    let decl = self.block.helper(helper).ok_or("undeclared helper")?;
                    let ret = decl.ret;
                    let args: Vec<u64> = args.iter().map(|&v| self.val(v)).collect::<Result<_, _>>()?;
                    match helpers.call(helper, self.state, &args, mem) {
                        Ok(v) => {
                            if let (Some(d), Some(ty)) = (dst, ret) {
                                self.set(d, ty.canon(v))?;
                            }
                        }
                        Err(code) => return exit(ExitKind::HelperFault { helper, code }, insn_pc, insns),
                    }
                }
                Inst::InsnStart { pc: p } => {
                    insn_pc = p;
                    insns += 1;
                }
                Inst::Label(_) => {}
                Inst::Br { target } => pc = *labels.get(target.0 as usize).ok_or("bad label")?,
                Inst::BrCond { ty, cond, a, b, target } => {
                    if semantics::cond(cond, ty, self.val(a)?, self.val(b)?) {
                        pc = *labels.get(target.0 as usize).ok_or("bad label")?;
                    }
                }
                Inst::GotoTb { slot, pc: p } => return exit(ExitKind::GotoTb { slot, pc: p }, insn_pc, insns),
                Inst::LookupTb => return exit(ExitKind::LookupTb, insn_pc, insns),
                Inst::ExitTb { status } => return exit(ExitKind::Status(status), insn_pc, insns),
            }
        }
    }
}

fn compare(what: &str, a: &Outcome, b: &Outcome, block: &Block) -> Result<(), String> {
    if a == b {
        return Ok(());
    }
    let mut msg = format!("{what} differ:\n");
    if a.exit != b.exit {
        msg += &format!("  exit {:?}\n    vs {:?}\n", a.exit, b.exit);
    }
    for (i, (x, y)) in a.state.iter().zip(&b.state).enumerate() {
        if x != y {
            msg += &format!("  state[{i}] {x:#04x} vs {y:#04x}\n");
        }
    }
    for (i, (x, y)) in a.memory.iter().zip(&b.memory).enumerate() {
        if x != y {
            msg += &format!("  memory[{i}] {x:#04x} vs {y:#04x}\n");
        }
    }
    if a.calls != b.calls {
        msg += &format!("  calls {:?}\n     vs {:?}\n", a.calls, b.calls);
    }
    msg += &format!("block:\n{}", wemu_ir::text::print(block));
    Err(msg)
}

/// The interpreter and the reference evaluator agree on `case`.
pub fn check_reference(case: &Case) -> Result<(), String> {
    let reference = run_reference(&case.block, case)?;
    let tci = run_tci(&case.block, case)?;
    compare("reference and interpreter", &reference, &tci, &case.block)
}

/// `case` runs the same under the interpreter before and after the
/// optimizer, and the optimized block verifies.
pub fn check_opt_equiv(case: &Case) -> Result<(), String> {
    let mut opt = case.block.clone();
    wemu_ir::opt::optimize(&mut opt);
    wemu_ir::verify(&opt)
        .map_err(|e| format!("optimized block does not verify: {e}\n{}", wemu_ir::text::print(&opt)))?;
    let before = run_tci(&case.block, case)?;
    let after = run_tci(&opt, case)?;
    compare("before and after optimization", &before, &after, &opt)
}

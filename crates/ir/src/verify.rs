//! The verifier: checks that a block is well formed before anything runs it.
//!
//! Rules:
//! * every temp is declared, every operand has the type its op reads, every
//!   constant is canonical for that type (`I32` constants fit in 32 bits);
//! * op-specific limits: bit fields inside the width, access sizes no wider
//!   than the type, state accesses aligned and never overlapping a declared
//!   global, atomics little-endian, `goto_tb` slots 0 or 1, helper calls
//!   matching their declaration;
//! * every label is placed exactly once and every branch targets one;
//! * every local is defined on every path before it is used;
//! * control never falls off the end, and every reachable instruction can
//!   reach a block exit (no inescapable loops).

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::cfg::Cfg;
use crate::text::lex::{is_ident, is_reserved_name};
use crate::{Block, Inst, MemOp, MemSize, Temp, Type, UnaryOp, Value};

/// A verification failure, naming the instruction (by index) where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub inst: Option<usize>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inst {
            Some(i) => write!(f, "instruction {i}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// Verifies `block`; returns the first error found.
pub fn verify(block: &Block) -> Result<(), VerifyError> {
    check_names(block).map_err(|message| VerifyError { inst: None, message })?;
    check_labels(block)?;
    for (i, inst) in block.insts.iter().enumerate() {
        check_inst(block, inst).map_err(|message| VerifyError { inst: Some(i), message })?;
    }
    let cfg = Cfg::new(&block.insts, block.num_labels);
    check_exits(block, &cfg)?;
    check_defined(block, &cfg)
}

fn err<T>(msg: String) -> Result<T, String> {
    Err(msg)
}

/// The names the text form writes must read back as the same things: the
/// used globals' and the helpers' names are distinct identifiers, helper
/// ids distinct, and no global is named like a local or a label.
fn check_names(block: &Block) -> Result<(), String> {
    let used = block.used_globals();
    for (k, &g) in used.iter().enumerate() {
        let Some(decl) = block.globals.get(g) else { continue };
        if !is_ident(&decl.name) || is_reserved_name(&decl.name) {
            return err(format!("global name `{}` is not usable in the text form", decl.name));
        }
        if used[..k].iter().any(|&o| block.globals.get(o).is_some_and(|d| d.name == decl.name)) {
            return err(format!("two globals are named `{}`", decl.name));
        }
    }
    for (k, h) in block.helpers.iter().enumerate() {
        if !is_ident(&h.name) {
            return err(format!("helper name `{}` is not an identifier", h.name));
        }
        if block.helpers[..k].iter().any(|o| o.id == h.id || o.name == h.name) {
            return err(format!("helper {} `{}` is declared twice", h.id, h.name));
        }
    }
    Ok(())
}

/// Every label is placed exactly once and every branch targets a placed one.
fn check_labels(block: &Block) -> Result<(), VerifyError> {
    let n = block.num_labels as usize;
    let mut placed = vec![usize::MAX; n];
    for (i, inst) in block.insts.iter().enumerate() {
        let e = |message: String| VerifyError { inst: Some(i), message };
        if let Inst::Label(l) = inst {
            let slot = placed.get_mut(l.0 as usize).ok_or_else(|| e(format!("label {l} was never allocated")))?;
            if *slot != usize::MAX {
                return Err(e(format!("label {l} placed twice")));
            }
            *slot = i;
        }
        if let Some(t) = inst.branch_target()
            && t.0 as usize >= n
        {
            return Err(e(format!("branch to unallocated label {t}")));
        }
    }
    for (i, inst) in block.insts.iter().enumerate() {
        if let Some(t) = inst.branch_target()
            && placed[t.0 as usize] == usize::MAX
        {
            return Err(VerifyError { inst: Some(i), message: format!("branch to label {t}, which is never placed") });
        }
    }
    Ok(())
}

fn temp_type(block: &Block, t: Temp) -> Result<Type, String> {
    let ty = block.temp_type(t).ok_or_else(|| format!("undeclared temp {t:?}"))?;
    if let Some(g) = block.global_decl(t)
        && g.offset % g.size() != 0
    {
        return err(format!("global {} at offset {} is not aligned to its size", g.name, g.offset));
    }
    Ok(ty)
}

fn expect_dst(block: &Block, t: Temp, ty: Type) -> Result<(), String> {
    let got = temp_type(block, t)?;
    if got != ty {
        return err(format!("destination {t:?} is {got}, the op produces {ty}"));
    }
    Ok(())
}

fn expect_val(block: &Block, v: Value, ty: Type) -> Result<(), String> {
    match v {
        Value::Const(c) => {
            if c != ty.canon(c) {
                return err(format!("constant {c:#x} does not fit {ty}"));
            }
        }
        Value::Temp(t) => {
            let got = temp_type(block, t)?;
            if got != ty {
                return err(format!("operand {t:?} is {got}, the op reads {ty}"));
            }
        }
    }
    Ok(())
}

fn check_size(ty: Type, size: MemSize) -> Result<(), String> {
    if size.bytes() * 8 > ty.bits() {
        return err(format!("access of {} bits does not fit {ty}", size.bytes() * 8));
    }
    Ok(())
}

fn check_memop(ty: Type, mem: MemOp) -> Result<(), String> {
    check_size(ty, mem.size)?;
    if u32::from(mem.align_log2) > 6 {
        return err(format!("alignment 2^{} is too large", mem.align_log2));
    }
    Ok(())
}

fn check_field(ty: Type, pos: u8, len: u8) -> Result<(), String> {
    if len == 0 || u32::from(pos) + u32::from(len) > ty.bits() {
        return err(format!("bit field {pos}+{len} does not fit {ty}"));
    }
    Ok(())
}

fn check_inst(block: &Block, inst: &Inst) -> Result<(), String> {
    match *inst {
        Inst::Mov { ty, dst, src } => {
            expect_dst(block, dst, ty)?;
            expect_val(block, src, ty)
        }
        Inst::Unary { op, ty, dst, src } => {
            if ty == Type::I32 && matches!(op, UnaryOp::Bswap64 | UnaryOp::Sext32 | UnaryOp::Zext32) {
                return err(format!("{op} needs i64"));
            }
            expect_dst(block, dst, ty)?;
            expect_val(block, src, ty)
        }
        Inst::Binary { ty, dst, a, b, .. } => {
            expect_dst(block, dst, ty)?;
            expect_val(block, a, ty)?;
            expect_val(block, b, ty)
        }
        Inst::Convert { op, dst, src } => {
            let (from, to) = op.types();
            expect_dst(block, dst, to)?;
            expect_val(block, src, from)
        }
        Inst::Extract { ty, dst, src, pos, len, .. } => {
            check_field(ty, pos, len)?;
            expect_dst(block, dst, ty)?;
            expect_val(block, src, ty)
        }
        Inst::Deposit { ty, dst, base, field, pos, len } => {
            check_field(ty, pos, len)?;
            expect_dst(block, dst, ty)?;
            expect_val(block, base, ty)?;
            expect_val(block, field, ty)
        }
        Inst::SetCond { ty, dst, a, b, .. } => {
            expect_dst(block, dst, ty)?;
            expect_val(block, a, ty)?;
            expect_val(block, b, ty)
        }
        Inst::MovCond { ty, dst, a, b, if_true, if_false, .. } => {
            expect_dst(block, dst, ty)?;
            for v in [a, b, if_true, if_false] {
                expect_val(block, v, ty)?;
            }
            Ok(())
        }
        Inst::LoadState { ty, dst, offset, size, .. } => {
            check_state_access(block, ty, offset, size)?;
            expect_dst(block, dst, ty)
        }
        Inst::StoreState { ty, src, offset, size } => {
            check_state_access(block, ty, offset, size)?;
            expect_val(block, src, ty)
        }
        Inst::Load { ty, dst, addr, mem } => {
            check_memop(ty, mem)?;
            expect_dst(block, dst, ty)?;
            expect_val(block, addr, Type::I64)
        }
        Inst::Store { ty, src, addr, mem } => {
            check_memop(ty, mem)?;
            expect_val(block, src, ty)?;
            expect_val(block, addr, Type::I64)
        }
        Inst::AtomicRmw { ty, dst, addr, src, mem, .. } => {
            check_atomic(ty, mem)?;
            expect_dst(block, dst, ty)?;
            expect_val(block, addr, Type::I64)?;
            expect_val(block, src, ty)
        }
        Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem } => {
            check_atomic(ty, mem)?;
            expect_dst(block, dst, ty)?;
            expect_val(block, addr, Type::I64)?;
            expect_val(block, expected, ty)?;
            expect_val(block, new, ty)
        }
        Inst::Call { helper, dst, ref args } => {
            let decl = block.helper(helper).ok_or_else(|| format!("call to undeclared helper {helper}"))?;
            if args.len() != decl.args.len() {
                return err(format!("helper {} takes {} arguments, got {}", decl.name, decl.args.len(), args.len()));
            }
            for (&v, &ty) in args.iter().zip(&decl.args) {
                expect_val(block, v, ty)?;
            }
            match (dst, decl.ret) {
                (Some(d), Some(ty)) => expect_dst(block, d, ty),
                (None, None) => Ok(()),
                (Some(_), None) => err(format!("helper {} returns nothing", decl.name)),
                // Ignoring a result is fine.
                (None, Some(_)) => Ok(()),
            }
        }
        Inst::GotoTb { slot, .. } => {
            if slot > 1 {
                return err(format!("goto_tb slot {slot} (only 0 and 1 exist)"));
            }
            Ok(())
        }
        Inst::BrCond { ty, a, b, .. } => {
            expect_val(block, a, ty)?;
            expect_val(block, b, ty)
        }
        Inst::Fence { .. }
        | Inst::InsnStart { .. }
        | Inst::Label(_)
        | Inst::Br { .. }
        | Inst::LookupTb
        | Inst::ExitTb { .. } => Ok(()),
    }
}

fn check_atomic(ty: Type, mem: MemOp) -> Result<(), String> {
    check_memop(ty, mem)?;
    if mem.endian != crate::Endian::Little {
        return err(String::from("atomic accesses must be little-endian"));
    }
    Ok(())
}

fn check_state_access(block: &Block, ty: Type, offset: u32, size: MemSize) -> Result<(), String> {
    check_size(ty, size)?;
    if !offset.is_multiple_of(size.bytes()) {
        return err(format!("state access at {offset} is not aligned to its size"));
    }
    if let Some((_, g)) = block.globals.iter().find(|(_, g)| g.overlaps(offset, size.bytes())) {
        return err(format!("state access at {offset} overlaps global {}", g.name));
    }
    Ok(())
}

fn check_exits(block: &Block, cfg: &Cfg) -> Result<(), VerifyError> {
    match cfg.first_exit_violation(&block.insts) {
        None => Ok(()),
        Some((_, true)) => Err(VerifyError {
            inst: Some(block.insts.len().saturating_sub(1)),
            message: String::from("control falls off the end of the block"),
        }),
        Some((b, false)) => Err(VerifyError {
            inst: Some(cfg.ranges[b].0),
            message: String::from("no block exit is reachable from here (an inescapable loop)"),
        }),
    }
}

/// Must-be-defined analysis over locals.
fn check_defined(block: &Block, cfg: &Cfg) -> Result<(), VerifyError> {
    let nl = block.locals.len();
    let n = cfg.ranges.len();
    let words = nl.div_ceil(64).max(1);
    // in[b]: locals defined on every path into b. Start at "all" (top) except entry.
    let mut ins: Vec<Vec<u64>> = vec![vec![u64::MAX; words]; n];
    if n > 0 {
        ins[0] = vec![0; words];
    }
    let reach = cfg.reachable();
    let transfer = |b: usize, set: &mut Vec<u64>| {
        let (s, e) = cfg.ranges[b];
        for inst in &block.insts[s..e] {
            if let Some(Temp::Local(l)) = inst.def() {
                set[l.0 as usize / 64] |= 1 << (l.0 % 64);
            }
        }
    };
    loop {
        let mut changed = false;
        for b in 0..n {
            if !reach[b] {
                continue;
            }
            let mut out = ins[b].clone();
            transfer(b, &mut out);
            for &s in &cfg.succs[b] {
                for w in 0..words {
                    let v = ins[s][w] & out[w];
                    if v != ins[s][w] {
                        ins[s][w] = v;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for b in 0..n {
        if !reach[b] {
            continue;
        }
        let mut set = ins[b].clone();
        let (s, e) = cfg.ranges[b];
        for i in s..e {
            let inst = &block.insts[i];
            let mut bad = None;
            inst.for_each_use(|v| {
                if let Value::Temp(Temp::Local(l)) = v
                    && set[l.0 as usize / 64] & (1 << (l.0 % 64)) == 0
                    && bad.is_none()
                {
                    bad = Some(l);
                }
            });
            if let Some(l) = bad {
                return Err(VerifyError {
                    inst: Some(i),
                    message: format!("local t{} may be used before it is defined", l.0),
                });
            }
            if let Some(Temp::Local(l)) = inst.def() {
                set[l.0 as usize / 64] |= 1 << (l.0 % 64);
            }
        }
    }
    Ok(())
}

//! The printer.

use alloc::string::String;
use core::fmt::{self, Write};

use super::lex::write_const;
use crate::{Block, HelperDecl, Inst, MemOp, MemSize, Temp, Type, Value};

/// Prints `block` in the text form (see the [module docs](super)).
///
/// Never panics, even on a block that does not verify: undeclared temps
/// print as `?tN` / `?gN`, calls to undeclared helpers as `call ?hN(...)`.
/// Such text does not parse back.
#[must_use]
pub fn print(block: &Block) -> String {
    let mut s = String::new();
    // Writing to a `String` cannot fail.
    let _ = write_block(&mut s, block);
    s
}

impl fmt::Display for Block {
    /// The text form, as [`print`] returns it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_block(f, self)
    }
}

fn write_block(w: &mut impl Write, block: &Block) -> fmt::Result {
    let mut decls = false;
    for g in block.used_globals() {
        if let Some(d) = block.globals.get(g) {
            writeln!(w, "global {}: {} @ {}", d.name, d.ty, d.offset)?;
            decls = true;
        }
    }
    for (i, ty) in block.locals.iter().enumerate() {
        writeln!(w, "local t{i}: {ty}")?;
        decls = true;
    }
    for h in &block.helpers {
        write_helper(w, h)?;
        decls = true;
    }
    if decls && !block.insts.is_empty() {
        writeln!(w)?;
    }
    for inst in &block.insts {
        if !matches!(inst, Inst::Label(_)) {
            w.write_str("    ")?;
        }
        write_inst(w, block, inst)?;
        writeln!(w)?;
    }
    Ok(())
}

fn write_helper(w: &mut impl Write, h: &HelperDecl) -> fmt::Result {
    write!(w, "helper {} {}(", h.id, h.name)?;
    for (i, ty) in h.args.iter().enumerate() {
        if i > 0 {
            w.write_str(", ")?;
        }
        write!(w, "{ty}")?;
    }
    w.write_str(")")?;
    if let Some(ret) = h.ret {
        write!(w, " -> {ret}")?;
    }
    writeln!(w, " {}", h.effect)
}

/// A temp's name.
struct T<'a>(&'a Block, Temp);

impl fmt::Display for T<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Temp::Global(g) => match self.0.globals.get(g) {
                Some(d) => f.write_str(&d.name),
                None => write!(f, "?g{}", g.0),
            },
            Temp::Local(l) if (l.0 as usize) < self.0.locals.len() => write!(f, "t{}", l.0),
            Temp::Local(l) => write!(f, "?t{}", l.0),
        }
    }
}

/// An operand read as type `ty`.
struct V<'a>(&'a Block, Value, Type);

impl fmt::Display for V<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Value::Temp(t) => T(self.0, t).fmt(f),
            Value::Const(c) => write_const(f, self.2, c),
        }
    }
}

/// A memory access's attributes, `u32.le.a4@1`.
struct M(MemOp);

impl fmt::Display for M {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{}.{}", SignSize(m.signed, m.size), m.endian)?;
        match 1u64.checked_shl(u32::from(m.align_log2)) {
            Some(1) => {}
            Some(align) => write!(f, ".a{align}")?,
            // Not representable (and rejected by the verifier).
            None => write!(f, ".a2^{}", m.align_log2)?,
        }
        write!(f, "@{}", m.mmu_idx)
    }
}

/// `u8`..`u64`, `s8`..`s64`.
struct SignSize(bool, MemSize);

impl fmt::Display for SignSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.0 { 's' } else { 'u' }, self.1)
    }
}

/// Writes one instruction, without indentation or line end.
pub(super) fn write_inst(w: &mut impl Write, b: &Block, inst: &Inst) -> fmt::Result {
    use Type::I64;
    let t = |t: Temp| T(b, t);
    let v = |v: Value, ty: Type| V(b, v, ty);
    match *inst {
        Inst::Mov { ty, dst, src } => write!(w, "{} = mov.{ty} {}", t(dst), v(src, ty)),
        Inst::Unary { op, ty, dst, src } => write!(w, "{} = {op}.{ty} {}", t(dst), v(src, ty)),
        Inst::Binary { op, ty, dst, a, b } => write!(w, "{} = {op}.{ty} {}, {}", t(dst), v(a, ty), v(b, ty)),
        Inst::Convert { op, dst, src } => write!(w, "{} = {op} {}", t(dst), v(src, op.types().0)),
        Inst::Extract { ty, signed, dst, src, pos, len } => {
            let name = if signed { "sextract" } else { "extract" };
            write!(w, "{} = {name}.{ty} {}, {pos}, {len}", t(dst), v(src, ty))
        }
        Inst::Deposit { ty, dst, base, field, pos, len } => {
            write!(w, "{} = deposit.{ty} {}, {}, {pos}, {len}", t(dst), v(base, ty), v(field, ty))
        }
        Inst::SetCond { ty, cond, dst, a, b } => {
            write!(w, "{} = setcond.{ty} {cond} {}, {}", t(dst), v(a, ty), v(b, ty))
        }
        Inst::MovCond { ty, cond, dst, a, b, if_true, if_false } => write!(
            w,
            "{} = movcond.{ty} {cond} {}, {}, {}, {}",
            t(dst),
            v(a, ty),
            v(b, ty),
            v(if_true, ty),
            v(if_false, ty)
        ),
        Inst::LoadState { ty, dst, offset, size, signed } => {
            write!(w, "{} = ld_state.{ty} {} [{offset}]", t(dst), SignSize(signed, size))
        }
        Inst::StoreState { ty, src, offset, size } => write!(w, "st_state.{ty} {size} [{offset}], {}", v(src, ty)),
        Inst::Load { ty, dst, addr, mem } => write!(w, "{} = load.{ty} {} {}", t(dst), M(mem), v(addr, I64)),
        Inst::Store { ty, src, addr, mem } => write!(w, "store.{ty} {} {}, {}", M(mem), v(addr, I64), v(src, ty)),
        Inst::AtomicRmw { op, ty, dst, addr, src, mem } => {
            write!(w, "{} = atomic_{op}.{ty} {} {}, {}", t(dst), M(mem), v(addr, I64), v(src, ty))
        }
        Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem } => {
            write!(w, "{} = cmpxchg.{ty} {} {}, {}, {}", t(dst), M(mem), v(addr, I64), v(expected, ty), v(new, ty))
        }
        Inst::Fence { kind } => write!(w, "fence {kind}"),
        Inst::Call { helper, dst, ref args } => {
            if let Some(d) = dst {
                write!(w, "{} = ", t(d))?;
            }
            let decl = b.helper(helper);
            match decl {
                Some(h) => write!(w, "call {}(", h.name)?,
                None => write!(w, "call ?h{helper}(")?,
            }
            for (i, &a) in args.iter().enumerate() {
                if i > 0 {
                    w.write_str(", ")?;
                }
                let ty = decl.and_then(|h| h.args.get(i).copied()).unwrap_or(I64);
                write!(w, "{}", v(a, ty))?;
            }
            w.write_str(")")
        }
        Inst::InsnStart { pc } => write!(w, "insn_start {pc:#x}"),
        Inst::Label(l) => write!(w, "{l}:"),
        Inst::Br { target } => write!(w, "br {target}"),
        Inst::BrCond { ty, cond, a, b, target } => {
            write!(w, "brcond.{ty} {cond} {}, {}, {target}", v(a, ty), v(b, ty))
        }
        Inst::GotoTb { slot, pc } => write!(w, "goto_tb {slot}, {pc:#x}"),
        Inst::LookupTb => w.write_str("lookup_tb"),
        Inst::ExitTb { status } => write!(w, "exit_tb {status}"),
    }
}

//! The parser.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::lex::{
    NumError, Tok, is_ident, is_reserved_name, label_index, lex, local_index, parse_const, parse_sign_size, parse_u64,
};
use crate::{
    BinaryOp, Block, Cond, ConvOp, Effect, Endian, FenceKind, GlobalId, Globals, HelperDecl, Inst, Label, LocalId,
    MemOp, MemSize, RmwOp, Temp, Type, UnaryOp, Value,
};

/// Why a text did not parse: the (1-based) line and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl core::error::Error for ParseError {}

/// Parses the text form (see the [module docs](super)) into a block over a
/// fresh [`Globals`] holding the declared globals in declaration order.
///
/// The parser checks syntax and names, and that constants fit their
/// operands; everything else (operand types, labels, control flow) is left
/// to [`verify`](crate::verify). It never panics.
///
/// # Errors
///
/// The first error found, with its line number.
pub fn parse(text: &str) -> Result<Block, ParseError> {
    let mut p = Parser {
        globals: Globals::new(),
        locals: Vec::new(),
        helpers: Vec::new(),
        insts: Vec::new(),
        num_labels: 0,
        in_body: false,
    };
    for (i, line) in text.lines().enumerate() {
        let err = |message: String| ParseError { line: i + 1, message };
        let toks = lex(line).map_err(err)?;
        if toks.is_empty() {
            continue;
        }
        p.line(Cur { toks, pos: 0 }).map_err(err)?;
    }
    Ok(Block {
        globals: Arc::new(p.globals),
        locals: p.locals,
        helpers: p.helpers,
        insts: p.insts,
        num_labels: p.num_labels,
    })
}

type R<T> = Result<T, String>;

/// The tokens of a line and a position in them.
struct Cur<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.pos).copied()
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("{t}"),
            None => String::from("end of line"),
        }
    }

    /// The next token, which must be a word (`what` names it for errors).
    fn word(&mut self, what: &str) -> R<&'a str> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(format!("expected {what}, found {}", self.found())),
        }
    }

    fn eat(&mut self, t: Tok<'_>) -> bool {
        let hit = self.peek() == Some(t);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, t: Tok<'_>) -> R<()> {
        if self.eat(t) { Ok(()) } else { Err(format!("expected {t}, found {}", self.found())) }
    }

    fn comma(&mut self) -> R<()> {
        self.expect(Tok::Punct(','))
    }

    fn end(&self) -> R<()> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(format!("unexpected {t} at the end of the line")),
        }
    }

    /// An unsigned number that fits `T`.
    fn num<T: TryFrom<u64>>(&mut self, what: &str) -> R<T> {
        let w = self.word(what)?;
        let too_large = || format!("{what} {w} is too large");
        let n = parse_u64(w).map_err(|e| match e {
            NumError::Syntax => format!("expected {what}, found '{w}'"),
            NumError::Overflow => too_large(),
        })?;
        T::try_from(n).map_err(|_| too_large())
    }

    fn ty(&mut self) -> R<Type> {
        let w = self.word("a type")?;
        Type::from_name(w).ok_or_else(|| format!("unknown type '{w}' (expected i32 or i64)"))
    }

    fn cond(&mut self) -> R<Cond> {
        let w = self.word("a condition")?;
        Cond::from_name(w).ok_or_else(|| format!("unknown condition '{w}'"))
    }

    fn label(&mut self) -> R<Label> {
        label_index(self.word("a label")?).map(Label)
    }

    /// `u32.le.a4@1`
    fn memop(&mut self) -> R<MemOp> {
        let w = self.word("a memory access (like u32.le@0)")?;
        let bad = || format!("bad memory access '{w}' (expected like u32.le@0 or s16.be.a2@1)");
        let mut parts = w.split('.');
        let (signed, size) = parts.next().and_then(parse_sign_size).ok_or_else(bad)?;
        let endian = parts.next().and_then(Endian::from_name).ok_or_else(bad)?;
        let align_log2 = match parts.next() {
            None => 0,
            Some(a) => {
                let n = a.strip_prefix('a').and_then(|n| parse_u64(n).ok()).ok_or_else(bad)?;
                if !n.is_power_of_two() {
                    return Err(format!("alignment {n} is not a power of two"));
                }
                n.trailing_zeros() as u8
            }
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        self.expect(Tok::Punct('@'))?;
        let mmu_idx = self.num("an MMU index")?;
        Ok(MemOp { size, signed, endian, align_log2, mmu_idx })
    }

    /// `[OFFSET]`
    fn state_offset(&mut self) -> R<u32> {
        self.expect(Tok::Punct('['))?;
        let offset = self.num("a state offset")?;
        self.expect(Tok::Punct(']'))?;
        Ok(offset)
    }
}

struct Parser {
    globals: Globals,
    locals: Vec<Type>,
    helpers: Vec<HelperDecl>,
    insts: Vec<Inst>,
    num_labels: u32,
    /// Whether an instruction or label has been seen (declarations must
    /// come before).
    in_body: bool,
}

impl Parser {
    fn line(&mut self, mut c: Cur<'_>) -> R<()> {
        let Some(&first) = c.toks.first() else { return Ok(()) };
        let second = c.toks.get(1).copied();
        if second != Some(Tok::Punct('='))
            && let Tok::Word(kw @ ("global" | "local" | "helper")) = first
        {
            if self.in_body {
                return Err(format!("'{kw}' declaration after the first instruction"));
            }
            c.pos = 1;
            match kw {
                "global" => self.global(&mut c)?,
                "local" => self.local(&mut c)?,
                _ => self.helper(&mut c)?,
            }
            return c.end();
        }
        self.in_body = true;
        if let (Tok::Word(w), Some(Tok::Punct(':'))) = (first, second)
            && w.starts_with('L')
        {
            let l = label_index(w)?;
            c.pos = 2;
            c.end()?;
            self.use_label(Label(l));
            self.insts.push(Inst::Label(Label(l)));
            return Ok(());
        }
        let dst = if second == Some(Tok::Punct('=')) {
            let name = c.word("a destination temp")?;
            c.pos = 2;
            Some(self.temp(name)?)
        } else {
            None
        };
        let inst = self.inst(&mut c, dst)?;
        c.end()?;
        if let Some(l) = inst.branch_target() {
            self.use_label(l);
        }
        self.insts.push(inst);
        Ok(())
    }

    fn use_label(&mut self, l: Label) {
        // `label_index` keeps numbers below `MAX_LABELS`, so this cannot overflow.
        self.num_labels = self.num_labels.max(l.0 + 1);
    }

    /// `global NAME: TYPE @ OFFSET`
    fn global(&mut self, c: &mut Cur<'_>) -> R<()> {
        let name = c.word("a global name")?;
        if !is_ident(name) || is_reserved_name(name) {
            return Err(format!("bad global name '{name}' (an identifier other than tN and LN)"));
        }
        if self.globals.find(name).is_some() {
            return Err(format!("global '{name}' declared twice"));
        }
        c.expect(Tok::Punct(':'))?;
        let ty = c.ty()?;
        c.expect(Tok::Punct('@'))?;
        let offset = c.num("a state offset")?;
        self.globals.add(name, ty, offset);
        Ok(())
    }

    /// `local tN: TYPE`
    fn local(&mut self, c: &mut Cur<'_>) -> R<()> {
        let name = c.word("a local name")?;
        let expected = self.locals.len();
        match local_index(name)? {
            Some(n) if n as usize == expected => {}
            Some(_) => return Err(format!("local '{name}' out of order: expected t{expected}")),
            None => return Err(format!("bad local name '{name}' (expected t{expected})")),
        }
        c.expect(Tok::Punct(':'))?;
        let ty = c.ty()?;
        self.locals.push(ty);
        Ok(())
    }

    /// `helper ID NAME(TYPE, ...) [-> TYPE] EFFECT`
    fn helper(&mut self, c: &mut Cur<'_>) -> R<()> {
        let id = c.num("a helper id")?;
        let name = c.word("a helper name")?;
        if !is_ident(name) {
            return Err(format!("bad helper name '{name}'"));
        }
        if self.helpers.iter().any(|h| h.id == id) {
            return Err(format!("helper id {id} declared twice"));
        }
        if self.helpers.iter().any(|h| h.name == name) {
            return Err(format!("helper '{name}' declared twice"));
        }
        c.expect(Tok::Punct('('))?;
        let mut args = Vec::new();
        if !c.eat(Tok::Punct(')')) {
            loop {
                args.push(c.ty()?);
                if c.eat(Tok::Punct(')')) {
                    break;
                }
                c.comma()?;
            }
        }
        let ret = if c.eat(Tok::Arrow) { Some(c.ty()?) } else { None };
        let e = c.word("an effect (pure, reads_state, writes_state or may_fault)")?;
        let effect = Effect::from_name(e).ok_or_else(|| format!("unknown effect '{e}'"))?;
        self.helpers.push(HelperDecl { id, name: String::from(name), args, ret, effect });
        Ok(())
    }

    fn temp(&self, name: &str) -> R<Temp> {
        if let Some(n) = local_index(name)? {
            if n as usize >= self.locals.len() {
                return Err(format!("undeclared local '{name}'"));
            }
            return Ok(Temp::Local(LocalId(n)));
        }
        match self.globals.find(name) {
            Some(GlobalId(g)) => Ok(Temp::Global(GlobalId(g))),
            None => Err(format!("undeclared temp '{name}'")),
        }
    }

    /// An operand read as type `ty`.
    fn value(&self, c: &mut Cur<'_>, ty: Type) -> R<Value> {
        let w = c.word("an operand")?;
        if w.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-') {
            parse_const(w, ty).map(Value::Const)
        } else {
            self.temp(w).map(Value::Temp)
        }
    }

    /// `A, B`
    fn two(&self, c: &mut Cur<'_>, ty: Type) -> R<(Value, Value)> {
        let a = self.value(c, ty)?;
        c.comma()?;
        Ok((a, self.value(c, ty)?))
    }

    /// `, V` of type `ty`
    fn and_value(&self, c: &mut Cur<'_>, ty: Type) -> R<Value> {
        c.comma()?;
        self.value(c, ty)
    }

    /// `, POS, LEN`
    fn field(c: &mut Cur<'_>) -> R<(u8, u8)> {
        c.comma()?;
        let pos = c.num("a bit position")?;
        c.comma()?;
        Ok((pos, c.num("a bit length")?))
    }

    fn inst(&self, c: &mut Cur<'_>, dst: Option<Temp>) -> R<Inst> {
        use Type::I64;
        let mn = c.word("an instruction")?;
        let (base, suffix) = match mn.split_once('.') {
            Some((b, s)) => (b, Some(s)),
            None => (mn, None),
        };
        let typed = || match suffix {
            Some(s) => Type::from_name(s).ok_or_else(|| format!("unknown type '{s}' in '{mn}'")),
            None => Err(format!("'{base}' needs a type suffix (.i32 or .i64)")),
        };
        let untyped = || match suffix {
            Some(_) => Err(format!("'{base}' takes no type suffix")),
            None => Ok(()),
        };
        let def = || dst.ok_or_else(|| format!("'{base}' needs a destination ('D = {base} ...')"));
        let no_def = || match dst {
            Some(_) => Err(format!("'{base}' produces no value")),
            None => Ok(()),
        };
        if let Some(op) = UnaryOp::from_name(base) {
            let (ty, dst) = (typed()?, def()?);
            return Ok(Inst::Unary { op, ty, dst, src: self.value(c, ty)? });
        }
        if let Some(op) = BinaryOp::from_name(base) {
            let (ty, dst) = (typed()?, def()?);
            let (a, b) = self.two(c, ty)?;
            return Ok(Inst::Binary { op, ty, dst, a, b });
        }
        if let Some(op) = ConvOp::from_name(base) {
            untyped()?;
            let dst = def()?;
            return Ok(Inst::Convert { op, dst, src: self.value(c, op.types().0)? });
        }
        if let Some(op) = base.strip_prefix("atomic_").and_then(RmwOp::from_name) {
            let (ty, dst) = (typed()?, def()?);
            let mem = c.memop()?;
            let addr = self.value(c, I64)?;
            return Ok(Inst::AtomicRmw { op, ty, dst, addr, src: self.and_value(c, ty)?, mem });
        }
        Ok(match base {
            "mov" => {
                let (ty, dst) = (typed()?, def()?);
                Inst::Mov { ty, dst, src: self.value(c, ty)? }
            }
            "extract" | "sextract" => {
                let (ty, dst) = (typed()?, def()?);
                let src = self.value(c, ty)?;
                let (pos, len) = Self::field(c)?;
                Inst::Extract { ty, signed: base == "sextract", dst, src, pos, len }
            }
            "deposit" => {
                let (ty, dst) = (typed()?, def()?);
                let (base, field) = self.two(c, ty)?;
                let (pos, len) = Self::field(c)?;
                Inst::Deposit { ty, dst, base, field, pos, len }
            }
            "setcond" => {
                let (ty, dst) = (typed()?, def()?);
                let cond = c.cond()?;
                let (a, b) = self.two(c, ty)?;
                Inst::SetCond { ty, cond, dst, a, b }
            }
            "movcond" => {
                let (ty, dst) = (typed()?, def()?);
                let cond = c.cond()?;
                let (a, b) = self.two(c, ty)?;
                let if_true = self.and_value(c, ty)?;
                let if_false = self.and_value(c, ty)?;
                Inst::MovCond { ty, cond, dst, a, b, if_true, if_false }
            }
            "ld_state" => {
                let (ty, dst) = (typed()?, def()?);
                let w = c.word("a state access size (u8..u64, s8..s64)")?;
                let (signed, size) = parse_sign_size(w)
                    .ok_or_else(|| format!("bad state access size '{w}' (expected u8..u64 or s8..s64)"))?;
                Inst::LoadState { ty, dst, offset: c.state_offset()?, size, signed }
            }
            "st_state" => {
                let ty = typed()?;
                no_def()?;
                let w = c.word("a state access size (8, 16, 32 or 64)")?;
                let size = MemSize::from_name(w)
                    .ok_or_else(|| format!("bad state access size '{w}' (expected 8, 16, 32 or 64)"))?;
                let offset = c.state_offset()?;
                Inst::StoreState { ty, src: self.and_value(c, ty)?, offset, size }
            }
            "load" => {
                let (ty, dst) = (typed()?, def()?);
                let mem = c.memop()?;
                Inst::Load { ty, dst, addr: self.value(c, I64)?, mem }
            }
            "store" => {
                let ty = typed()?;
                no_def()?;
                let mem = c.memop()?;
                let addr = self.value(c, I64)?;
                Inst::Store { ty, src: self.and_value(c, ty)?, addr, mem }
            }
            "cmpxchg" => {
                let (ty, dst) = (typed()?, def()?);
                let mem = c.memop()?;
                let addr = self.value(c, I64)?;
                let expected = self.and_value(c, ty)?;
                Inst::AtomicCmpXchg { ty, dst, addr, expected, new: self.and_value(c, ty)?, mem }
            }
            "fence" => {
                untyped()?;
                no_def()?;
                let w = c.word("a fence kind")?;
                let kind = match w {
                    "none" => FenceKind::from_bits(0),
                    _ => FenceKind::from_name(w).ok_or_else(|| {
                        format!("bad fence kind '{w}' (expected all, or ldld, ldst, stld, stst joined by '+')")
                    })?,
                };
                Inst::Fence { kind }
            }
            "call" => {
                untyped()?;
                self.call(c, dst)?
            }
            "insn_start" => {
                untyped()?;
                no_def()?;
                Inst::InsnStart { pc: c.num("a guest PC")? }
            }
            "br" => {
                untyped()?;
                no_def()?;
                Inst::Br { target: c.label()? }
            }
            "brcond" => {
                let ty = typed()?;
                no_def()?;
                let cond = c.cond()?;
                let (a, b) = self.two(c, ty)?;
                c.comma()?;
                Inst::BrCond { ty, cond, a, b, target: c.label()? }
            }
            "goto_tb" => {
                untyped()?;
                no_def()?;
                let slot = c.num("a goto_tb slot")?;
                c.comma()?;
                Inst::GotoTb { slot, pc: c.num("a guest PC")? }
            }
            "lookup_tb" => {
                untyped()?;
                no_def()?;
                Inst::LookupTb
            }
            "exit_tb" => {
                untyped()?;
                no_def()?;
                Inst::ExitTb { status: c.num("an exit status")? }
            }
            _ => return Err(format!("unknown instruction '{mn}'")),
        })
    }

    /// `call NAME(ARGS...)`; argument constants take the declared types.
    fn call(&self, c: &mut Cur<'_>, dst: Option<Temp>) -> R<Inst> {
        let name = c.word("a helper name")?;
        let decl = self.helpers.iter().find(|h| h.name == name).ok_or_else(|| format!("undeclared helper '{name}'"))?;
        c.expect(Tok::Punct('('))?;
        let mut args = Vec::new();
        if !c.eat(Tok::Punct(')')) {
            loop {
                // Extra arguments (which the verifier rejects) are read as i64.
                let ty = decl.args.get(args.len()).copied().unwrap_or(Type::I64);
                args.push(self.value(c, ty)?);
                if c.eat(Tok::Punct(')')) {
                    break;
                }
                c.comma()?;
            }
        }
        Ok(Inst::Call { helper: decl.id, dst, args })
    }
}

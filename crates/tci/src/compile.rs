//! Lowering a [`Block`] to a [`TciBlock`], once: frame slots for temps and
//! constants, opcodes specialized by operation and type, labels resolved to
//! code indices, globals and the CPU-state size worked out for `run`.
//!
//! The lowering relies on nothing the verifier checks for memory safety:
//! anything it cannot give a meaning to (an undeclared temp or helper, a
//! label placed twice or never, more slots than a frame has) is an error,
//! and whatever else an unverified block does, running it stays in bounds.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use wemu_ir::{BinaryOp, Block, Cond, ConvOp, Effect, Endian, GlobalId, Inst, MemSize, Temp, Type, UnaryOp, Value};

use crate::bytecode::{AtomicInfo, CONST_HEAD, CallInfo, FRAME_SLOTS, GlobalSlot, Op, Slot, TciBlock, with_op_tables};

/// Why a block cannot be lowered. `inst` is the index of the offending
/// instruction. None of these happen for a block that verifies, except
/// [`CompileError::TooLarge`] for enormous blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// An operand or destination names a global or local that is not
    /// declared.
    UndeclaredTemp { inst: usize },
    /// A call names a helper the block does not declare.
    UndeclaredHelper { inst: usize, helper: u32 },
    /// A call's arguments or result do not match the helper's declaration.
    CallMismatch { inst: usize },
    /// A label is placed twice, or was never allocated, or a branch targets
    /// a label that is never placed.
    BadLabel { inst: usize },
    /// A memory access the interpreter cannot perform: a big-endian atomic
    /// (`GuestMemory` computes read-modify-writes on little-endian values).
    BadMemOp { inst: usize },
    /// The block needs more than 65536 frame slots, or more than 65536
    /// calls or atomics, or a state offset beyond the host's address space.
    TooLarge,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CompileError::UndeclaredTemp { inst } => write!(f, "instruction {inst}: undeclared temp"),
            CompileError::UndeclaredHelper { inst, helper } => {
                write!(f, "instruction {inst}: call to undeclared helper {helper}")
            }
            CompileError::CallMismatch { inst } => {
                write!(f, "instruction {inst}: call does not match the helper's declaration")
            }
            CompileError::BadLabel { inst } => write!(f, "instruction {inst}: label placed twice or never"),
            CompileError::BadMemOp { inst } => write!(f, "instruction {inst}: unsupported memory access"),
            CompileError::TooLarge => f.write_str("block too large for the interpreter"),
        }
    }
}

macro_rules! define_select {
    (
        unary { $($un:ident = $uop:ident $uty:ident,)* }
        binary { $($bn:ident = $bop:ident $bty:ident,)* }
        cond { $($cc:ident $cty:ident = $set:ident $mov:ident $br:ident,)* }
    ) => {
        fn unary_op(op: UnaryOp, ty: Type, d: Slot, s: Slot) -> Op {
            match (op, ty) {
                $((UnaryOp::$uop, Type::$uty) => Op::$un { d, s },)*
            }
        }

        fn binary_op(op: BinaryOp, ty: Type, d: Slot, a: Slot, b: Slot) -> Op {
            match (op, ty) {
                $((BinaryOp::$bop, Type::$bty) => Op::$bn { d, a, b },)*
            }
        }

        fn setcond_op(c: Cond, ty: Type, d: Slot, a: Slot, b: Slot) -> Op {
            match (c, ty) {
                $((Cond::$cc, Type::$cty) => Op::$set { d, a, b },)*
            }
        }

        fn movcond_op(c: Cond, ty: Type, d: Slot, a: Slot, b: Slot, t: Slot, f: Slot) -> Op {
            match (c, ty) {
                $((Cond::$cc, Type::$cty) => Op::$mov { d, a, b, t, f },)*
            }
        }

        fn brcond_op(c: Cond, ty: Type, a: Slot, b: Slot, target: u32) -> Op {
            match (c, ty) {
                $((Cond::$cc, Type::$cty) => Op::$br { a, b, target },)*
            }
        }
    };
}

with_op_tables!(define_select);

fn slot(n: usize) -> Result<Slot, CompileError> {
    Slot::try_from(n).map_err(|_| CompileError::TooLarge)
}

/// Lowering state.
struct Lower<'a> {
    block: &'a Block,
    /// Slot of each global, if the block uses it.
    global_slot: Vec<Option<Slot>>,
    /// Slot of local 0.
    local_base: usize,
    consts: Vec<u64>,
    const_slot: BTreeMap<u64, Slot>,
    /// Code index of each placed label.
    label_pos: BTreeMap<u32, u32>,
    /// Bytes of state needed so far.
    state_size: u64,
    /// Whether each global slot is written.
    written: Vec<bool>,
    atomics: Vec<AtomicInfo>,
    calls: Vec<CallInfo>,
    call_args: Vec<Slot>,
    /// Index of the instruction being lowered, for errors.
    inst: usize,
    /// The temp the instruction being lowered writes instead of its own
    /// destination (see [`Plan::dst_from_next`]).
    dst_override: Option<Temp>,
    /// For each local: the slot of the global it lives in from its
    /// definition on (see [`Plan::dst_from_next`]).
    local_in_global: Vec<Option<Slot>>,
}

impl Lower<'_> {
    fn temp(&self, t: Temp) -> Result<Slot, CompileError> {
        let e = CompileError::UndeclaredTemp { inst: self.inst };
        match t {
            Temp::Global(g) => self.global_slot.get(g.0 as usize).copied().flatten().ok_or(e),
            Temp::Local(l) => match self.local_in_global.get(l.0 as usize) {
                Some(&Some(s)) => Ok(s),
                Some(None) => slot(self.local_base + l.0 as usize),
                None => Err(e),
            },
        }
    }

    fn dst(&mut self, t: Temp) -> Result<Slot, CompileError> {
        let t = self.dst_override.take().unwrap_or(t);
        let s = self.temp(t)?;
        if let (Temp::Global(_), Some(w)) = (t, self.written.get_mut(usize::from(s))) {
            *w = true;
        }
        Ok(s)
    }

    /// A slot holding the constant `c`.
    fn konst(&mut self, c: u64) -> Result<Slot, CompileError> {
        if let Some(&s) = self.const_slot.get(&c) {
            return Ok(s);
        }
        let s = slot(self.local_base + self.block.locals.len() + self.consts.len())?;
        self.consts.push(c);
        self.const_slot.insert(c, s);
        Ok(s)
    }

    /// The slot of an operand read as `ty` (constants take that type).
    fn val(&mut self, v: Value, ty: Type) -> Result<Slot, CompileError> {
        match v {
            Value::Temp(t) => self.temp(t),
            Value::Const(c) => self.konst(ty.canon(c)),
        }
    }

    fn target(&self, l: wemu_ir::Label) -> Result<u32, CompileError> {
        self.label_pos.get(&l.0).copied().ok_or(CompileError::BadLabel { inst: self.inst })
    }

    fn state_access(&mut self, offset: u32, size: MemSize) {
        self.state_size = self.state_size.max(u64::from(offset) + u64::from(size.bytes()));
    }

    fn atomic(&mut self, info: AtomicInfo) -> Result<u16, CompileError> {
        if info.mem.endian != Endian::Little {
            return Err(CompileError::BadMemOp { inst: self.inst });
        }
        let idx = u16::try_from(self.atomics.len()).map_err(|_| CompileError::TooLarge)?;
        self.atomics.push(info);
        Ok(idx)
    }

    fn call(&mut self, helper: u32, dst: Option<Temp>, args: &[Value]) -> Result<Op, CompileError> {
        let inst = self.inst;
        let decl = self.block.helper(helper).ok_or(CompileError::UndeclaredHelper { inst, helper })?;
        if args.len() != decl.args.len() {
            return Err(CompileError::CallMismatch { inst });
        }
        let dst = match (dst, decl.ret) {
            (Some(d), Some(ty)) => Some((self.dst(d)?, ty)),
            (Some(_), None) => return Err(CompileError::CallMismatch { inst }),
            (None, _) => None,
        };
        let start = self.call_args.len();
        for (&v, &ty) in args.iter().zip(&decl.args) {
            let s = self.val(v, ty)?;
            self.call_args.push(s);
        }
        let idx = u16::try_from(self.calls.len()).map_err(|_| CompileError::TooLarge)?;
        self.calls.push(CallInfo { helper, effect: decl.effect, dst, args: start..self.call_args.len() });
        Ok(Op::Call { idx })
    }

    /// Lowers `inst`, writing `dst` instead of its destination if given,
    /// and (a load or store) addressing `base + off` if `addr` is given.
    fn lower(&mut self, inst: &Inst, dst: Option<Temp>, addr: Option<(Value, i16)>) -> Result<Op, CompileError> {
        self.dst_override = dst;
        let fused_addr = addr;
        let op = match *inst {
            Inst::Mov { ty, dst, src } => {
                let s = self.val(src, ty)?;
                let d = self.dst(dst)?;
                match ty {
                    Type::I32 => Op::MovI32 { d, s },
                    Type::I64 => Op::MovI64 { d, s },
                }
            }
            Inst::Unary { op, ty, dst, src } => {
                let s = self.val(src, ty)?;
                unary_op(op, ty, self.dst(dst)?, s)
            }
            Inst::Binary { op, ty, dst, a, b } => {
                let (a, b) = (self.val(a, ty)?, self.val(b, ty)?);
                binary_op(op, ty, self.dst(dst)?, a, b)
            }
            Inst::Convert { op, dst, src } => {
                let s = self.val(src, op.types().0)?;
                let d = self.dst(dst)?;
                match op {
                    ConvOp::SextI32 => Op::SextI32 { d, s },
                    ConvOp::ZextI32 => Op::ZextI32 { d, s },
                    ConvOp::TruncI64 => Op::TruncI64 { d, s },
                    ConvOp::HighI64 => Op::HighI64 { d, s },
                }
            }
            Inst::Extract { ty, signed, dst, src, pos, len } => {
                let s = self.val(src, ty)?;
                let d = self.dst(dst)?;
                match (ty, signed) {
                    (Type::I32, false) => Op::ExtractUI32 { d, s, pos, len },
                    (Type::I32, true) => Op::ExtractSI32 { d, s, pos, len },
                    (Type::I64, false) => Op::ExtractUI64 { d, s, pos, len },
                    (Type::I64, true) => Op::ExtractSI64 { d, s, pos, len },
                }
            }
            Inst::Deposit { ty, dst, base, field, pos, len } => {
                let (base, field) = (self.val(base, ty)?, self.val(field, ty)?);
                let d = self.dst(dst)?;
                match ty {
                    Type::I32 => Op::DepositI32 { d, base, field, pos, len },
                    Type::I64 => Op::DepositI64 { d, base, field, pos, len },
                }
            }
            Inst::SetCond { ty, cond, dst, a, b } => {
                let (a, b) = (self.val(a, ty)?, self.val(b, ty)?);
                setcond_op(cond, ty, self.dst(dst)?, a, b)
            }
            Inst::MovCond { ty, cond, dst, a, b, if_true, if_false } => {
                let (a, b) = (self.val(a, ty)?, self.val(b, ty)?);
                let (t, f) = (self.val(if_true, ty)?, self.val(if_false, ty)?);
                movcond_op(cond, ty, self.dst(dst)?, a, b, t, f)
            }
            Inst::LoadState { ty, dst, offset, size, signed } => {
                self.state_access(offset, size);
                Op::LoadState { d: self.dst(dst)?, ty, size, signed, offset }
            }
            Inst::StoreState { ty, src, offset, size } => {
                self.state_access(offset, size);
                Op::StoreState { s: self.val(src, ty)?, size, offset }
            }
            Inst::Load { ty, dst, addr, mem } => match fused_addr {
                Some((base, off)) => {
                    let base = self.val(base, Type::I64)?;
                    let d = self.dst(dst)?;
                    match ty {
                        Type::I32 => Op::LoadOffI32 { d, base, off, mem },
                        Type::I64 => Op::LoadOffI64 { d, base, off, mem },
                    }
                }
                None => {
                    let addr = self.val(addr, Type::I64)?;
                    Op::Load { d: self.dst(dst)?, addr, ty, mem }
                }
            },
            Inst::Store { ty, src, addr, mem } => {
                let s = self.val(src, ty)?;
                match fused_addr {
                    Some((base, off)) => Op::StoreOff { s, base: self.val(base, Type::I64)?, off, mem },
                    None => Op::Store { s, addr: self.val(addr, Type::I64)?, mem },
                }
            }
            Inst::AtomicRmw { op, ty, dst, addr, src, mem } => {
                let addr = self.val(addr, Type::I64)?;
                let a = self.val(src, ty)?;
                let d = self.dst(dst)?;
                let idx = self.atomic(AtomicInfo { d, addr, a, b: a, ty, op, mem })?;
                Op::AtomicRmw { idx }
            }
            Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem } => {
                let addr = self.val(addr, Type::I64)?;
                let a = self.val(expected, ty)?;
                let b = self.val(new, ty)?;
                let d = self.dst(dst)?;
                // The rmw op is unused by cmpxchg.
                let idx = self.atomic(AtomicInfo { d, addr, a, b, ty, op: wemu_ir::RmwOp::Swap, mem })?;
                Op::AtomicCmpXchg { idx }
            }
            Inst::Fence { kind } => Op::Fence { kind },
            Inst::Call { helper, dst, ref args } => self.call(helper, dst, args)?,
            Inst::InsnStart { pc } => Op::InsnStart { pc: self.konst(pc)? },
            // Labels emit no code; `compile` filters them out.
            Inst::Label(_) => Op::Trap,
            Inst::Br { target } => Op::Br { target: self.target(target)? },
            Inst::BrCond { ty, cond, a, b, target } => {
                let (a, b) = (self.val(a, ty)?, self.val(b, ty)?);
                brcond_op(cond, ty, a, b, self.target(target)?)
            }
            Inst::GotoTb { slot, pc } => Op::GotoTb { slot, pc: self.konst(pc)? },
            Inst::LookupTb => Op::LookupTb,
            Inst::ExitTb { status } => Op::ExitTb { status },
        };
        Ok(op)
    }
}

/// Marks every global `inst` refers to in `used` and counts the reads and
/// writes of each local in `uses` and `defs`; fails on an undeclared temp.
fn mark_temps(inst: &Inst, used: &mut [bool], uses: &mut [u32], defs: &mut [u32]) -> Result<(), ()> {
    let mut ok = true;
    let mut mark = |t: Temp, count: &mut [u32]| match t {
        Temp::Global(GlobalId(g)) => match used.get_mut(g as usize) {
            Some(u) => *u = true,
            None => ok = false,
        },
        Temp::Local(l) => match count.get_mut(l.0 as usize) {
            Some(n) => *n = n.saturating_add(1),
            None => ok = false,
        },
    };
    inst.for_each_use(|v| {
        if let Value::Temp(t) = v {
            mark(t, uses)
        }
    });
    if let Some(d) = inst.def() {
        mark(d, defs);
    }
    if ok { Ok(()) } else { Err(()) }
}

/// How one IR instruction is lowered, besides the plain one op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Plan {
    /// It emits no code: a label, an `insn_start` counted statically, or
    /// an instruction fused into its neighbour.
    skip: bool,
    /// A load or store whose address is `a + c` of the `add` just before
    /// it (which is skipped): `c` fits an `i16`.
    addr_from_prev: bool,
    /// Its destination is a local copied to a global by the `global = mov
    /// local` right after it (which is skipped): it writes the global
    /// instead, and later reads of the local read the global, which keeps
    /// the value until then (see [`lives_in_global`]).
    dst_from_next: bool,
}

/// Whether local `t`, written by instruction `i` and copied to global `g`
/// by instruction `i + 1`, can live in `g`: it is written only there, and
/// its other reads follow in straight-line code that neither writes `g`
/// nor calls a helper that may write the state (which reloads `g`). An
/// instruction reads its operands before it writes anything, so the last
/// read may be in an instruction that writes `g`.
fn lives_in_global(block: &Block, i: usize, t: Temp, g: Temp, uses: &[u32], defs: &[u32]) -> bool {
    let Temp::Local(l) = t else { return false };
    if defs.get(l.0 as usize) != Some(&1) {
        return false;
    }
    // The mov reads it once.
    let mut left = uses.get(l.0 as usize).copied().unwrap_or(0).saturating_sub(1);
    let mut j = i + 2;
    while left > 0 {
        let Some(inst) = block.insts.get(j) else { return false };
        let mut reads = 0;
        inst.for_each_use(|v| reads += u32::from(v == Value::Temp(t)));
        left = left.saturating_sub(reads);
        if left == 0 {
            break;
        }
        let writes_state = match inst {
            Inst::Call { helper, .. } => block.helper(*helper).is_none_or(|h| h.effect >= Effect::WritesState),
            _ => false,
        };
        if matches!(inst, Inst::Label(_) | Inst::BrCond { .. })
            || inst.is_terminator()
            || writes_state
            || inst.def() == Some(g)
        {
            return false;
        }
        j += 1;
    }
    true
}

/// Whether local `t` is written once and read once (by the instruction
/// the caller found reading it).
fn single_use(t: Temp, uses: &[u32], defs: &[u32]) -> bool {
    match t {
        Temp::Local(l) => uses.get(l.0 as usize) == Some(&1) && defs.get(l.0 as usize) == Some(&1),
        Temp::Global(_) => false,
    }
}

/// `c` as an address offset that fits an `i16`.
fn small_offset(c: u64) -> Option<i16> {
    i16::try_from(c as i64).ok()
}

/// Fuses the common pairs of a frontend's IR into one op each: an address
/// `t = add.i64 x, c` read only by the next load or store, and a result
/// `t = ...` read only by the next `g = mov t` into a global. Both keep
/// every observable effect where it was: the fused instructions are
/// adjacent, and a load that faults writes no destination either way.
fn plan(block: &Block, uses: &[u32], defs: &[u32], plans: &mut [Plan]) {
    let insts = &block.insts[..];
    for i in 0..insts.len() {
        let next = insts.get(i + 1);
        if let Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst, a: Value::Temp(_), b: Value::Const(c) } = insts[i]
            && small_offset(c).is_some()
            && single_use(dst, uses, defs)
            && let Some(Inst::Load { addr, .. } | Inst::Store { addr, .. }) = next
            && *addr == Value::Temp(dst)
            && !plans[i].skip
        {
            plans[i].skip = true;
            plans[i + 1].addr_from_prev = true;
            continue;
        }
        let fusable = matches!(
            insts[i],
            Inst::Mov { .. }
                | Inst::Unary { .. }
                | Inst::Binary { .. }
                | Inst::Convert { .. }
                | Inst::Extract { .. }
                | Inst::Deposit { .. }
                | Inst::SetCond { .. }
                | Inst::MovCond { .. }
                | Inst::LoadState { .. }
                | Inst::Load { .. }
        );
        if fusable
            && !plans[i].skip
            && let Some(dst) = insts[i].def()
            && let Some(&Inst::Mov { dst: g @ Temp::Global(_), src, .. }) = next
            && src == Value::Temp(dst)
            && lives_in_global(block, i, dst, g, uses, defs)
        {
            plans[i].dst_from_next = true;
            plans[i + 1].skip = true;
        }
    }
}

/// The guest-instruction state at each instruction, if it is static: for
/// every instruction, the index in `states` of the last `insn_start`
/// before it (0: none), the same on every path that reaches it. `None` if
/// the block has a backward branch or paths that disagree. `at` gets one
/// more entry, for the end of the block.
fn static_insns(insts: &[Inst], states: &mut Vec<(u64, u32)>, at: &mut Vec<u32>) -> Option<()> {
    states.clear();
    states.push((0, 0));
    at.clear();
    // The state where control falls through to the next instruction
    // (`None` after a terminator), and what branches bring to each label.
    let mut cur = Some(0u32);
    let mut pending: BTreeMap<u32, u32> = BTreeMap::new();
    let mut placed: BTreeMap<u32, ()> = BTreeMap::new();
    let merge = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (Some(x), Some(y)) if x != y => Err(()),
        (x, y) => Ok(x.or(y)),
    };
    for inst in insts {
        if let Inst::Label(l) = *inst {
            placed.insert(l.0, ());
            cur = merge(cur, pending.remove(&l.0)).ok()?;
        }
        at.push(cur.unwrap_or(0));
        match *inst {
            Inst::InsnStart { pc } => {
                if let Some(k) = cur {
                    let insns = states.get(k as usize)?.1.checked_add(1)?;
                    cur = Some(u32::try_from(states.len()).ok()?);
                    states.push((pc, insns));
                }
            }
            Inst::Br { target } | Inst::BrCond { target, .. } => {
                if placed.contains_key(&target.0) {
                    return None;
                }
                if let Some(k) = cur {
                    let p = pending.get(&target.0).copied();
                    pending.insert(target.0, merge(p, Some(k)).ok()?.unwrap_or(k));
                }
            }
            _ => {}
        }
        if inst.is_terminator() {
            cur = None;
        }
    }
    // Falling off the end.
    at.push(cur.unwrap_or(0));
    Some(())
}

impl TciBlock {
    /// Lowers `block` to bytecode. Blocks that verify always lower unless
    /// they are enormous; anything the interpreter cannot run is an error,
    /// never a panic.
    pub fn compile(block: &Block) -> Result<TciBlock, CompileError> {
        let insts = &block.insts;
        if insts.len() >= u32::MAX as usize {
            return Err(CompileError::TooLarge);
        }

        // Globals: the used ones get the first slots, in id order.
        let mut used = vec![false; block.globals.len()];
        let mut uses = vec![0u32; block.locals.len()];
        let mut defs = vec![0u32; block.locals.len()];
        for (i, inst) in insts.iter().enumerate() {
            mark_temps(inst, &mut used, &mut uses, &mut defs).map_err(|()| CompileError::UndeclaredTemp { inst: i })?;
        }
        let mut global_slot = vec![None; used.len()];
        let mut globals_in = Vec::new();
        let mut state_size = 0u64;
        for (id, decl) in block.globals.iter() {
            if !used[id.0 as usize] {
                continue;
            }
            let s = slot(globals_in.len())?;
            global_slot[id.0 as usize] = Some(s);
            let size = match decl.ty {
                Type::I32 => MemSize::B4,
                Type::I64 => MemSize::B8,
            };
            state_size = state_size.max(u64::from(decl.offset) + u64::from(size.bytes()));
            let offset = usize::try_from(decl.offset).map_err(|_| CompileError::TooLarge)?;
            globals_in.push(GlobalSlot { slot: s, offset, size });
        }
        let local_base = globals_in.len();
        if local_base + block.locals.len() > FRAME_SLOTS {
            return Err(CompileError::TooLarge);
        }

        // What each instruction becomes: fused pairs, and `insn_start`s
        // that need no code when the count is static.
        let mut plans = vec![Plan::default(); insts.len()];
        plan(block, &uses, &defs, &mut plans);
        let mut insn_states = Vec::new();
        let mut insn_at_inst = Vec::new();
        let static_count = static_insns(insts, &mut insn_states, &mut insn_at_inst).is_some();
        if !static_count {
            insn_states.clear();
            insn_at_inst.clear();
        }
        for (p, inst) in plans.iter_mut().zip(insts) {
            if matches!(inst, Inst::Label(_)) || (static_count && matches!(inst, Inst::InsnStart { .. })) {
                p.skip = true;
            }
        }

        // Labels: the code index of the next op.
        // (A map, not a table: `num_labels` of unverified IR may be huge.)
        let mut label_pos = BTreeMap::new();
        let mut n = 0u32;
        for (i, inst) in insts.iter().enumerate() {
            if let Inst::Label(l) = *inst
                && (l.0 >= block.num_labels || label_pos.insert(l.0, n).is_some())
            {
                return Err(CompileError::BadLabel { inst: i });
            }
            if !plans[i].skip {
                n += 1;
            }
        }

        let mut lw = Lower {
            block,
            global_slot,
            local_base,
            consts: Vec::new(),
            const_slot: BTreeMap::new(),
            label_pos,
            state_size,
            written: vec![false; local_base],
            atomics: Vec::new(),
            calls: Vec::new(),
            call_args: Vec::new(),
            inst: 0,
            dst_override: None,
            local_in_global: vec![None; block.locals.len()],
        };
        let mut code = Vec::with_capacity(n as usize + 1);
        let mut insn_at = Vec::with_capacity(if static_count { n as usize + 1 } else { 0 });
        for (i, inst) in insts.iter().enumerate() {
            let p = plans[i];
            if p.skip {
                continue;
            }
            lw.inst = i;
            let dst = match (p.dst_from_next, insts.get(i + 1)) {
                (true, Some(&Inst::Mov { dst, .. })) => Some(dst),
                _ => None,
            };
            let addr = match (p.addr_from_prev, i.checked_sub(1).and_then(|j| insts.get(j))) {
                (true, Some(&Inst::Binary { a, b: Value::Const(c), .. })) => small_offset(c).map(|off| (a, off)),
                _ => None,
            };
            code.push(lw.lower(inst, dst, addr)?);
            if let (Some(Temp::Local(l)), Some(g)) = (inst.def(), dst)
                && let Ok(s) = lw.temp(g)
                && let Some(a) = lw.local_in_global.get_mut(l.0 as usize)
            {
                *a = Some(s);
            }
            if static_count {
                insn_at.push(insn_at_inst.get(i).copied().unwrap_or(0));
            }
        }
        // Whatever the last instruction is, execution cannot run past the
        // end of the code: a block that falls off its end (unverified IR)
        // leaves with `BadBlock`, and a label at the very end targets this.
        code.push(Op::Trap);
        if static_count {
            insn_at.push(insn_at_inst.get(insts.len()).copied().unwrap_or(0));
        }

        let globals_out = globals_in.iter().filter(|g| lw.written[usize::from(g.slot)]).copied().collect();
        let state_size = usize::try_from(lw.state_size).map_err(|_| CompileError::TooLarge)?;
        let slots = lw.local_base + block.locals.len() + lw.consts.len();
        let mut consts_head = [0; CONST_HEAD];
        for (h, &c) in consts_head.iter_mut().zip(&lw.consts) {
            *h = c;
        }
        Ok(TciBlock {
            code,
            const_base: lw.local_base + block.locals.len(),
            consts: lw.consts,
            consts_head,
            globals_in,
            globals_out,
            atomics: lw.atomics,
            calls: lw.calls,
            call_args: lw.call_args,
            insn_at,
            insn_states,
            state_size,
            slots,
        })
    }
}

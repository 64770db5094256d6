//! The code generator: a region of IR blocks to one Wasm function `run`.
//!
//! # Layout
//!
//! Every basic block (the IR split at its labels) of every member gets an
//! index, in member order. The body of `run` is
//!
//! ```text
//! block $done
//!   block $exit
//!     block $handler_k ... block $handler_1      ;; the exits in use
//!       loop $dispatch
//!         block $bb_{n-1} ... block $bb_0
//!           br_table $next [...]                 ;; default: $lookup
//!         end  bb 0's code
//!         ...
//!       end  bb n-1's code
//!       end loop
//!     end  handler 1's code; br $exit
//!     ...
//!   end  store back the written globals
//! end  write the exit record; return the kind
//! ```
//!
//! so a branch to a later basic block is a `br` to the end of its `block`
//! and falling through is free; only backward branches (loops) and
//! backward member transitions set `$next` and go through `$dispatch`.
//! `$next` starts as the `entry` parameter: dispatch index `m < members`
//! is member `m`'s first basic block; the backward branch targets follow.
//! An `entry` out of range takes the `br_table` default: the run exits
//! with [`EXIT_LOOKUP_TB`] in member 0, with no instruction executed and
//! the state unchanged.
//!
//! # Values
//!
//! IR temps are Wasm locals of their type (an `i32` temp is an `i32`
//! local). Globals live in locals for the whole run: loaded at entry,
//! stored back at every exit (the ones the region writes, in id order, as
//! the interpreter does) and around helper calls as their effect class
//! demands. IR locals of different members share Wasm locals (a local
//! never lives across a member boundary).
//!
//! # Member transitions
//!
//! A `goto_tb` whose slot leads to a member chains as the ABI says. A
//! member with no `insn_start` never chains (its `goto_tb`s always exit):
//! a cycle of such members would never reach the limit.
//!
//! # Exits
//!
//! Only the exit record's fields that belong to the exit's kind are
//! written (the member, kind, `insns` and `insn_pc` always).
//!
//! `insns` and `insn_pc` of the exit record are locals brought up to date
//! lazily: only before something that can leave the run (a memory access,
//! a helper that may fault, an exit) and at basic-block boundaries.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection,
    InstructionSink, MemArg, MemArgTarget, MemoryType, Module, Ordering, RefType, TableType, TypeSection, ValType,
};
use wemu_ir::{
    BinaryOp, Block, Cond, ConvOp, Effect, Endian, GlobalId, Inst, MemOp, MemSize, RmwOp, Temp, Type, UnaryOp, Value,
    semantics,
};
use wemu_softmmu::tlb::{ADDEND, ADDR_READ, ADDR_WRITE, ENTRIES, ENTRY_SIZE, MAX_MODES};
use wemu_softmmu::{PAGE_BITS, PAGE_MASK};

use crate::abi::*;
use crate::{JitError, Member, Options};

fn unsupported<T>(what: alloc::string::String) -> Result<T, JitError> {
    Err(JitError::Unsupported(what))
}

/// The imported functions, in import order when all are used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Import {
    Load,
    Store,
    Rmw,
    Cmpxchg,
    Helper,
}

const IMPORTS: [Import; 5] = [Import::Load, Import::Store, Import::Rmw, Import::Cmpxchg, Import::Helper];

impl Import {
    fn name(self) -> &'static str {
        match self {
            Import::Load => LOAD,
            Import::Store => STORE,
            Import::Rmw => RMW,
            Import::Cmpxchg => CMPXCHG,
            Import::Helper => HELPER,
        }
    }

    fn sig(self) -> (&'static [ValType], &'static [ValType]) {
        use ValType::{I32, I64};
        match self {
            Import::Load => (&[I32, I64, I32], &[I64]),
            Import::Store => (&[I32, I64, I64, I32], &[]),
            Import::Rmw => (&[I32, I64, I64, I32], &[I64]),
            Import::Cmpxchg => (&[I32, I64, I64, I64, I32], &[I64]),
            Import::Helper => (&[I32, I32, I32], &[I64]),
        }
    }
}

/// The shared exit paths (blocks around the dispatch loop).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Handler {
    /// A link (see `abi`): PC in `$lk_pc`, the member's key in `$lk_key`,
    /// its instruction count in `$lk_n`; `$lk_goto` says which handler a
    /// miss falls back to (`goto_tb`'s operands are then in place too).
    Link,
    /// `lookup_tb` (and the `br_table` default).
    Lookup,
    /// `goto_tb`: slot in `$w`, pc in `$addr`.
    Goto,
    /// `exit_tb`: status in `$w`.
    Status,
    MisalignedR,
    MisalignedW,
    FaultR,
    FaultW,
    /// helper id in `$w`; skips the store-back (the state is the helper's).
    HelperFault,
}

const HANDLERS: [Handler; 9] = [
    Handler::Link,
    Handler::Lookup,
    Handler::Goto,
    Handler::Status,
    Handler::MisalignedR,
    Handler::MisalignedW,
    Handler::FaultR,
    Handler::FaultW,
    Handler::HelperFault,
];

/// An entry of the control stack, to compute branch depths.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ctl {
    Done,
    Exit,
    Handler(Handler),
    Dispatch,
    Bb(u32),
    Other,
    LinkMiss,
}

/// Where `insns` and `insn_pc` stand relative to their locals.
#[derive(Clone, Copy, Debug)]
struct Track {
    /// The count, if known at compile time.
    known: Option<u32>,
    /// `insn_start`s since the local was written, when `known` is `None`.
    delta: u32,
    insns_dirty: bool,
    /// The pc the local must get, if it is behind.
    pc: Option<u64>,
}

impl Track {
    const SYNCED: Track = Track { known: None, delta: 0, insns_dirty: false, pc: None };
    const MEMBER_START: Track = Track { known: Some(0), delta: 0, insns_dirty: true, pc: Some(0) };
}

/// Per-member facts.
struct MemberInfo {
    /// Global index of the member's first basic block.
    bb_base: u32,
    /// Wasm local of each IR local.
    locals: Vec<u32>,
    /// Basic block (global index) of each label.
    label_bb: Vec<u32>,
}

/// Wasm locals with fixed roles. Parameters: 0 = ctx, 1 = entry (which is
/// also `$next`).
const CTX: u32 = 0;
const NEXT: u32 = 1;

struct Locals {
    state: u32,
    tlb: u32,
    kind: u32,
    member: u32,
    insns: u32,
    w: u32,
    ptr: u32,
    s32: u32,
    limit: u32,
    retired: u32,
    insn_pc: u32,
    addr: u32,
    s64: [u32; 3],
    lk_n: u32,
    lk_goto: u32,
    lk_pc: u32,
    lk_key: u32,
}

struct Gen<'a> {
    members: &'a [Member<'a>],
    opt: Options,
    f: Function,
    stack: Vec<Ctl>,
    l: Locals,
    /// Wasm local of each global (indexed by id), if the region uses it.
    global_local: Vec<Option<u32>>,
    /// Globals the region uses / writes, in id order.
    used: Vec<GlobalId>,
    written: Vec<GlobalId>,
    info: Vec<MemberInfo>,
    /// Dispatch index of each basic block that is a backward target.
    dispatch_of: Vec<Option<u32>>,
    /// The basic block of each dispatch index.
    dispatch: Vec<u32>,
    handlers: Vec<Handler>,
    imports: Vec<Import>,
    track: Track,
    cur_bb: u32,
    cur_member: usize,
    /// The local caching the guest PC (`Options::pc_offset`), if any.
    pc_local: Option<u32>,
}

/// Whether boundaries leaving member `m` may link (see `abi`): a member
/// without instructions never does (as it never chains).
fn link_from(opt: &Options, m: &Member<'_>) -> bool {
    opt.links && m.ir.guest_insns() > 0
}

fn vt(ty: Type) -> ValType {
    match ty {
        Type::I32 => ValType::I32,
        Type::I64 => ValType::I64,
    }
}

fn memarg(offset: u64, align: u32) -> MemArg {
    MemArg { offset, align, target: MemArgTarget::Memory(0), ordering: None }
}

/// The checks that keep generation total: everything `verify` does not
/// rule out that the generator or the ABI cannot express.
fn check_member(i: usize, m: &Member<'_>, n: usize, first: &Block) -> Result<(), JitError> {
    let b = m.ir;
    if let Err(e) = wemu_ir::verify(b) {
        return unsupported(format!("member {i} does not verify: {e}"));
    }
    if !alloc::sync::Arc::ptr_eq(&b.globals, &first.globals) && b.globals != first.globals {
        return unsupported(format!("member {i} has other globals than member 0"));
    }
    for s in m.successors.iter().flatten() {
        if *s as usize >= n {
            return unsupported(format!("member {i}: successor {s} is not a member"));
        }
    }
    for inst in &b.insts {
        let mem = match *inst {
            Inst::Load { mem, .. }
            | Inst::Store { mem, .. }
            | Inst::AtomicRmw { mem, .. }
            | Inst::AtomicCmpXchg { mem, .. } => Some(mem),
            Inst::Call { helper, ref args, .. } => {
                if args.len() > MAX_HELPER_ARGS {
                    return unsupported(format!("helper {helper} with {} arguments", args.len()));
                }
                None
            }
            _ => None,
        };
        if let Some(mem) = mem {
            if mem.mmu_idx >= MAX_MODES {
                return unsupported(format!("MMU index {}", mem.mmu_idx));
            }
            if mem.align_log2 > 6 {
                return unsupported(format!("alignment 2^{}", mem.align_log2));
            }
        }
        if matches!(inst, Inst::AtomicRmw { mem, .. } | Inst::AtomicCmpXchg { mem, .. } if mem.endian == Endian::Big) {
            return unsupported(format!("member {i}: big-endian atomic"));
        }
    }
    Ok(())
}

pub(crate) fn compile(members: &[Member<'_>], opt: &Options) -> Result<Vec<u8>, JitError> {
    let Some(first) = members.first() else {
        return unsupported("an empty region".into());
    };
    if members.len() > (u32::MAX / 4) as usize {
        return unsupported(format!("{} members", members.len()));
    }
    for (i, m) in members.iter().enumerate() {
        check_member(i, m, members.len(), first.ir)?;
    }
    let globals = first.ir.globals.clone();

    // Globals the region uses and writes.
    let mut used_flags = vec![false; globals.len()];
    let mut written_flags = vec![false; globals.len()];
    for m in members {
        for g in m.ir.used_globals() {
            used_flags[g.0 as usize] = true;
        }
        for inst in &m.ir.insts {
            if let Some(Temp::Global(g)) = inst.def() {
                written_flags[g.0 as usize] = true;
            }
        }
    }
    let used: Vec<GlobalId> = (0..globals.len() as u32).filter(|&g| used_flags[g as usize]).map(GlobalId).collect();
    let written: Vec<GlobalId> =
        (0..globals.len() as u32).filter(|&g| written_flags[g as usize]).map(GlobalId).collect();
    if members.len() > 1 {
        // The interpreter reloads globals at every block; with overlapping
        // globals cached across members the values could differ.
        for (i, a) in used.iter().enumerate() {
            for b in &used[..i] {
                let (da, db) = (globals.get(*a), globals.get(*b));
                if let (Some(da), Some(db)) = (da, db)
                    && da.overlaps(db.offset, db.size())
                {
                    return unsupported(format!("overlapping globals {} and {}", da.name, db.name));
                }
            }
        }
    }

    // Locals: fixed ones, then globals, then the IR locals' pools.
    let mut n32 = 0u32;
    let mut n64 = 0u32;
    // Indices are assigned as (type, index within type) and fixed up below.
    let mut pending: Vec<(ValType, u32)> = Vec::new();
    let mut new_local = |ty: ValType, pending: &mut Vec<(ValType, u32)>| -> usize {
        let i = match ty {
            ValType::I32 => {
                n32 += 1;
                n32 - 1
            }
            _ => {
                n64 += 1;
                n64 - 1
            }
        };
        pending.push((ty, i));
        pending.len() - 1
    };
    let fixed32: Vec<usize> = (0..10).map(|_| new_local(ValType::I32, &mut pending)).collect();
    let fixed64: Vec<usize> = (0..9).map(|_| new_local(ValType::I64, &mut pending)).collect();
    let mut global_slot = vec![None; globals.len()];
    for g in &used {
        let ty = globals.get(*g).map_or(Type::I64, |d| d.ty);
        global_slot[g.0 as usize] = Some(new_local(vt(ty), &mut pending));
    }
    let mut pool32 = Vec::new();
    let mut pool64 = Vec::new();
    let mut member_local_slots = Vec::new();
    for m in members {
        let (mut k32, mut k64) = (0usize, 0usize);
        let mut slots = Vec::with_capacity(m.ir.locals.len());
        for ty in &m.ir.locals {
            let (pool, k) = match ty {
                Type::I32 => (&mut pool32, &mut k32),
                Type::I64 => (&mut pool64, &mut k64),
            };
            if *k == pool.len() {
                pool.push(new_local(vt(*ty), &mut pending));
            }
            slots.push(pool[*k]);
            *k += 1;
        }
        member_local_slots.push(slots);
    }
    // Final index: params (2), then all i32 locals, then all i64 locals.
    let index = |slot: usize| -> u32 {
        let (ty, i) = pending[slot];
        match ty {
            ValType::I32 => 2 + i,
            _ => 2 + n32 + i,
        }
    };
    let l = Locals {
        state: index(fixed32[0]),
        tlb: index(fixed32[1]),
        kind: index(fixed32[2]),
        member: index(fixed32[3]),
        insns: index(fixed32[4]),
        w: index(fixed32[5]),
        ptr: index(fixed32[6]),
        s32: index(fixed32[7]),
        limit: index(fixed64[0]),
        retired: index(fixed64[1]),
        insn_pc: index(fixed64[2]),
        addr: index(fixed64[3]),
        s64: [index(fixed64[4]), index(fixed64[5]), index(fixed64[6])],
        lk_n: index(fixed32[8]),
        lk_goto: index(fixed32[9]),
        lk_pc: index(fixed64[7]),
        lk_key: index(fixed64[8]),
    };
    let global_local: Vec<Option<u32>> = global_slot.iter().map(|s| s.map(index)).collect();
    // The guest PC, for `lookup_tb` links: its local if the region caches
    // it, else it is read from the state.
    let pc_local = opt.pc_offset.and_then(|off| {
        let g = (0..globals.len() as u32).map(GlobalId).find(|g| globals.get(*g).is_some_and(|d| d.offset == off))?;
        global_local.get(g.0 as usize).copied().flatten()
    });

    // Basic blocks, labels, backward targets, handlers and imports used.
    let mut info = Vec::with_capacity(members.len());
    let mut nbb = 0u32;
    for (i, m) in members.iter().enumerate() {
        let b = m.ir;
        let mut label_bb = vec![u32::MAX; b.num_labels as usize];
        let base = nbb;
        nbb += 1;
        for inst in &b.insts {
            if let Inst::Label(lb) = inst {
                if let Some(x) = label_bb.get_mut(lb.0 as usize) {
                    *x = nbb;
                }
                nbb += 1;
            }
        }
        if nbb > 1 << 20 {
            return unsupported(format!("region too large ({nbb} basic blocks)"));
        }
        let locals = member_local_slots[i].iter().map(|&s| index(s)).collect();
        info.push(MemberInfo { bb_base: base, locals, label_bb });
    }
    let mut dispatch: Vec<u32> = info.iter().map(|m| m.bb_base).collect();
    let mut dispatch_of = vec![None; nbb as usize];
    for (i, m) in info.iter().enumerate() {
        dispatch_of[m.bb_base as usize] = Some(i as u32);
    }
    let mut handler_used = [false; HANDLERS.len()];
    let mut import_used = [false; IMPORTS.len()];
    let hu = |h: Handler, u: &mut [bool; HANDLERS.len()]| u[h as usize] = true;
    hu(Handler::Lookup, &mut handler_used);
    for (i, m) in members.iter().enumerate() {
        let mut bb = info[i].bb_base;
        for inst in &m.ir.insts {
            match *inst {
                Inst::Label(_) => bb += 1,
                Inst::Br { target } | Inst::BrCond { target, .. } => {
                    let t = info[i].label_bb.get(target.0 as usize).copied().unwrap_or(u32::MAX);
                    if t == u32::MAX {
                        return unsupported(format!("member {i}: branch to an unplaced label"));
                    }
                    if t <= bb && dispatch_of[t as usize].is_none() {
                        dispatch_of[t as usize] = Some(dispatch.len() as u32);
                        dispatch.push(t);
                    }
                }
                Inst::Load { mem, .. } | Inst::Store { mem, .. } => {
                    let w = matches!(inst, Inst::Store { .. });
                    if mem.align_log2 > 0 {
                        hu(if w { Handler::MisalignedW } else { Handler::MisalignedR }, &mut handler_used);
                    }
                    hu(if w { Handler::FaultW } else { Handler::FaultR }, &mut handler_used);
                    import_used[if w { Import::Store } else { Import::Load } as usize] = true;
                }
                Inst::AtomicRmw { mem, .. } | Inst::AtomicCmpXchg { mem, .. } => {
                    if mem.align_log2 > 0 {
                        hu(Handler::MisalignedW, &mut handler_used);
                    }
                    hu(Handler::FaultW, &mut handler_used);
                    let imp = if matches!(inst, Inst::AtomicRmw { .. }) { Import::Rmw } else { Import::Cmpxchg };
                    import_used[imp as usize] = true;
                }
                Inst::Call { helper, .. } => {
                    import_used[Import::Helper as usize] = true;
                    if m.ir.helper(helper).is_some_and(|h| h.effect == Effect::MayFault) {
                        hu(Handler::HelperFault, &mut handler_used);
                    }
                }
                Inst::GotoTb { slot, .. } => {
                    hu(Handler::Goto, &mut handler_used);
                    let to_member = m.successors.get(usize::from(slot)).copied().flatten().is_some();
                    if link_from(opt, m) && !to_member {
                        hu(Handler::Link, &mut handler_used);
                    }
                }
                Inst::LookupTb if link_from(opt, m) && opt.pc_offset.is_some() => hu(Handler::Link, &mut handler_used),
                Inst::ExitTb { .. } => hu(Handler::Status, &mut handler_used),
                _ => {}
            }
        }
    }
    let handlers: Vec<Handler> = HANDLERS.iter().copied().filter(|h| handler_used[*h as usize]).collect();
    let imports: Vec<Import> = IMPORTS.iter().copied().filter(|i| import_used[*i as usize]).collect();

    // Engines' limits (V8's, which wasmparser shares): 50000 locals.
    if n32 + n64 + 2 > 50_000 {
        return unsupported(format!("{} Wasm locals", n32 + n64 + 2));
    }
    let mut locals = Vec::new();
    if n32 > 0 {
        locals.push((n32, ValType::I32));
    }
    if n64 > 0 {
        locals.push((n64, ValType::I64));
    }
    let mut g = Gen {
        members,
        opt: *opt,
        f: Function::new(locals),
        stack: Vec::new(),
        l,
        global_local,
        used,
        written,
        info,
        dispatch_of,
        dispatch,
        handlers,
        imports,
        track: Track::SYNCED,
        cur_bb: 0,
        cur_member: 0,
        pc_local,
    };
    g.body(nbb)?;
    // V8 compiles function bodies of at most 7654321 bytes.
    if g.f.byte_len() > 7_000_000 {
        return unsupported(format!("a function body of {} bytes", g.f.byte_len()));
    }
    Ok(g.module())
}

impl Gen<'_> {
    fn ins(&mut self) -> InstructionSink<'_> {
        self.f.instructions()
    }

    fn depth(&self, target: Ctl) -> u32 {
        match self.stack.iter().rposition(|c| *c == target) {
            Some(p) => (self.stack.len() - 1 - p) as u32,
            // Unreachable: every target is on the stack when branched to.
            None => 0,
        }
    }

    fn open(&mut self, c: Ctl, bt: BlockType) {
        match c {
            Ctl::Dispatch => self.ins().loop_(bt),
            _ => self.ins().block(bt),
        };
        self.stack.push(c);
    }

    fn open_if(&mut self, bt: BlockType) {
        self.ins().if_(bt);
        self.stack.push(Ctl::Other);
    }

    fn close(&mut self) {
        self.ins().end();
        self.stack.pop();
    }

    fn br(&mut self, c: Ctl) {
        let d = self.depth(c);
        self.ins().br(d);
    }

    fn br_if(&mut self, c: Ctl) {
        let d = self.depth(c);
        self.ins().br_if(d);
    }

    fn import_index(&self, i: Import) -> u32 {
        self.imports.iter().position(|x| *x == i).unwrap_or(0) as u32
    }

    fn call(&mut self, i: Import) {
        let idx = self.import_index(i);
        self.ins().call(idx);
    }

    fn global_decl(&self, g: GlobalId) -> (Type, u32) {
        self.members[0].ir.globals.get(g).map_or((Type::I64, 0), |d| (d.ty, d.offset))
    }

    /// The Wasm local of a temp of the current member.
    fn local_of(&self, t: Temp) -> u32 {
        match t {
            Temp::Global(g) => self.global_local.get(g.0 as usize).copied().flatten().unwrap_or(0),
            Temp::Local(l) => self.info[self.cur_member].locals.get(l.0 as usize).copied().unwrap_or(0),
        }
    }

    fn get(&mut self, v: Value, ty: Type) {
        match v {
            Value::Temp(t) => {
                let l = self.local_of(t);
                self.ins().local_get(l);
            }
            Value::Const(c) => self.konst(ty, c),
        }
    }

    fn konst(&mut self, ty: Type, c: u64) {
        match ty {
            Type::I32 => self.ins().i32_const(c as u32 as i32),
            Type::I64 => self.ins().i64_const(c as i64),
        };
    }

    fn set(&mut self, t: Temp) {
        let l = self.local_of(t);
        self.ins().local_set(l);
    }

    fn state_load(&mut self, ty: Type, size: MemSize, signed: bool, offset: u32) {
        let m = memarg(u64::from(offset), size.log2());
        let mut s = self.f.instructions();
        match (ty, size, signed) {
            (Type::I32, MemSize::B1, false) => s.i32_load8_u(m),
            (Type::I32, MemSize::B1, true) => s.i32_load8_s(m),
            (Type::I32, MemSize::B2, false) => s.i32_load16_u(m),
            (Type::I32, MemSize::B2, true) => s.i32_load16_s(m),
            (Type::I32, _, _) => s.i32_load(m),
            (Type::I64, MemSize::B1, false) => s.i64_load8_u(m),
            (Type::I64, MemSize::B1, true) => s.i64_load8_s(m),
            (Type::I64, MemSize::B2, false) => s.i64_load16_u(m),
            (Type::I64, MemSize::B2, true) => s.i64_load16_s(m),
            (Type::I64, MemSize::B4, false) => s.i64_load32_u(m),
            (Type::I64, MemSize::B4, true) => s.i64_load32_s(m),
            (Type::I64, MemSize::B8, _) => s.i64_load(m),
        };
    }

    fn store_op(&mut self, ty: Type, size: MemSize, m: MemArg) {
        let mut s = self.f.instructions();
        match (ty, size) {
            (Type::I32, MemSize::B1) => s.i32_store8(m),
            (Type::I32, MemSize::B2) => s.i32_store16(m),
            (Type::I32, _) => s.i32_store(m),
            (Type::I64, MemSize::B1) => s.i64_store8(m),
            (Type::I64, MemSize::B2) => s.i64_store16(m),
            (Type::I64, MemSize::B4) => s.i64_store32(m),
            (Type::I64, MemSize::B8) => s.i64_store(m),
        };
    }

    fn load_globals(&mut self) {
        for i in 0..self.used.len() {
            let g = self.used[i];
            let (ty, off) = self.global_decl(g);
            let loc = self.local_of(Temp::Global(g));
            let st = self.l.state;
            self.ins().local_get(st);
            self.state_load(ty, if ty == Type::I32 { MemSize::B4 } else { MemSize::B8 }, false, off);
            self.ins().local_set(loc);
        }
    }

    fn store_globals(&mut self) {
        for i in 0..self.written.len() {
            let g = self.written[i];
            let (ty, off) = self.global_decl(g);
            let loc = self.local_of(Temp::Global(g));
            let st = self.l.state;
            self.ins().local_get(st).local_get(loc);
            let size = if ty == Type::I32 { MemSize::B4 } else { MemSize::B8 };
            self.store_op(ty, size, memarg(u64::from(off), size.log2()));
        }
    }

    /// Brings the `insns` / `insn_pc` locals up to date.
    fn materialize(&mut self) {
        let t = self.track;
        if t.insns_dirty {
            let l = self.l.insns;
            match t.known {
                Some(n) => self.ins().i32_const(n as i32).local_set(l),
                None => self.ins().local_get(l).i32_const(t.delta as i32).i32_add().local_set(l),
            };
        }
        if let Some(pc) = t.pc {
            let l = self.l.insn_pc;
            self.ins().i64_const(pc as i64).local_set(l);
        }
        self.track = Track { known: t.known, ..Track::SYNCED };
    }

    fn body(&mut self, nbb: u32) -> Result<(), JitError> {
        let l = &self.l;
        let (state, tlb, limit) = (l.state, l.tlb, l.limit);
        let any_mem = self
            .handlers
            .iter()
            .any(|h| matches!(h, Handler::FaultR | Handler::FaultW | Handler::MisalignedR | Handler::MisalignedW));
        let chains =
            self.members.iter().enumerate().any(|(i, m)| self.chains(i, m)) || self.handlers.contains(&Handler::Link);
        self.ins().local_get(CTX).i32_load(memarg(u64::from(CTX_STATE), 2)).local_set(state);
        if any_mem {
            self.ins().local_get(CTX).i32_load(memarg(u64::from(CTX_TLB), 2)).local_set(tlb);
        }
        if chains {
            self.ins().local_get(CTX).i64_load(memarg(u64::from(CTX_LIMIT), 3)).local_set(limit);
        }
        if chains {
            let retired = self.l.retired;
            self.ins().local_get(CTX).i64_load(memarg(u64::from(CTX_RETIRED), 3)).local_set(retired);
        }
        self.load_globals();

        self.open(Ctl::Done, BlockType::Empty);
        self.open(Ctl::Exit, BlockType::Empty);
        for i in (0..self.handlers.len()).rev() {
            let h = self.handlers[i];
            self.open(Ctl::Handler(h), BlockType::Empty);
        }
        if self.dispatch.len() > self.members.len() {
            // Indices past the members are backward branch targets, not
            // entries: an entry out of range must not reach them.
            let n = self.members.len() as i32;
            self.ins().local_get(NEXT).i32_const(n).i32_ge_u();
            self.br_if(Ctl::Handler(Handler::Lookup));
        }
        self.open(Ctl::Dispatch, BlockType::Empty);
        for bb in (0..nbb).rev() {
            self.open(Ctl::Bb(bb), BlockType::Empty);
        }
        let table: Vec<u32> = self.dispatch.clone();
        let default = self.depth(Ctl::Handler(Handler::Lookup));
        self.ins().local_get(NEXT).br_table(table, default);

        for i in 0..self.members.len() {
            self.member(i)?;
        }
        // Falling off the last member (only unverified IR could): leave.
        self.br(Ctl::Handler(Handler::Lookup));
        self.close(); // dispatch

        let (ctx_w, kind) = (self.l.w, self.l.kind);
        let addr = self.l.addr;
        for i in 0..self.handlers.len() {
            let h = self.handlers[i];
            self.close();
            let a32 = |o: u32| memarg(u64::from(o), 2);
            let a64 = |o: u32| memarg(u64::from(o), 3);
            let (k, a_value): (u32, Option<u32>) = match h {
                Handler::Link => {
                    self.link_handler();
                    continue;
                }
                Handler::Lookup => (EXIT_LOOKUP_TB, None),
                Handler::Goto => {
                    self.ins().local_get(CTX).local_get(addr).i64_store(a64(CTX_EXIT_PC));
                    self.ins().local_get(CTX).local_get(ctx_w).i32_store(a32(CTX_EXIT_A));
                    // `$kind` is still 0 = EXIT_GOTO_TB: only handlers set it.
                    self.br(Ctl::Exit);
                    continue;
                }
                Handler::Status => {
                    self.ins().local_get(CTX).local_get(ctx_w).i32_store(a32(CTX_EXIT_A));
                    (EXIT_STATUS, None)
                }
                Handler::MisalignedR | Handler::MisalignedW => {
                    self.ins().local_get(CTX).local_get(addr).i64_store(a64(CTX_EXIT_ADDR));
                    (EXIT_MISALIGNED, Some(u32::from(h == Handler::MisalignedW)))
                }
                Handler::FaultR | Handler::FaultW => {
                    self.ins().local_get(CTX).local_get(addr).i64_store(a64(CTX_EXIT_ADDR));
                    self.ins()
                        .local_get(CTX)
                        .local_get(CTX)
                        .i32_load(a32(CTX_FAULT_CODE))
                        .i32_store(a32(CTX_EXIT_CODE));
                    (EXIT_MEM_FAULT, Some(u32::from(h == Handler::FaultW)))
                }
                Handler::HelperFault => {
                    self.ins().local_get(CTX).local_get(ctx_w).i32_store(a32(CTX_EXIT_A));
                    self.ins()
                        .local_get(CTX)
                        .local_get(CTX)
                        .i32_load(a32(CTX_FAULT_CODE))
                        .i32_store(a32(CTX_EXIT_CODE));
                    self.ins().i32_const(EXIT_HELPER_FAULT as i32).local_set(kind);
                    // The helper wrote the state: no store-back.
                    self.br(Ctl::Done);
                    continue;
                }
            };
            if let Some(a) = a_value {
                self.ins().local_get(CTX).i32_const(a as i32).i32_store(a32(CTX_EXIT_A));
            }
            self.ins().i32_const(k as i32).local_set(kind);
            self.br(Ctl::Exit);
        }
        self.close(); // exit
        self.store_globals();
        self.close(); // done
        let (member, insns, insn_pc) = (self.l.member, self.l.insns, self.l.insn_pc);
        self.ins().local_get(CTX).local_get(member).i32_store(memarg(u64::from(CTX_EXIT_MEMBER), 2));
        self.ins().local_get(CTX).local_get(kind).i32_store(memarg(u64::from(CTX_EXIT_KIND), 2));
        self.ins().local_get(CTX).local_get(insns).i32_store(memarg(u64::from(CTX_EXIT_INSNS), 2));
        self.ins().local_get(CTX).local_get(insn_pc).i64_store(memarg(u64::from(CTX_EXIT_INSN_PC), 3));
        self.ins().local_get(kind).end();
        Ok(())
    }

    /// Whether a `goto_tb` of member `i` may continue inside the module.
    fn chains(&self, _i: usize, m: &Member<'_>) -> bool {
        m.successors.iter().any(Option::is_some) && m.ir.guest_insns() > 0
    }

    fn start_bb(&mut self, bb: u32) {
        // The stack top is this basic block's `block`.
        self.close();
        self.cur_bb = bb;
    }

    fn member(&mut self, i: usize) -> Result<(), JitError> {
        self.cur_member = i;
        let base = self.info[i].bb_base;
        self.start_bb(base);
        if self.members.len() > 1 {
            let l = self.l.member;
            self.ins().i32_const(i as i32).local_set(l);
        }
        self.track = Track::MEMBER_START;
        let block = self.members[i].ir;
        for inst in &block.insts {
            self.inst(block, inst)?;
        }
        if !block.insts.last().is_some_and(Inst::is_terminator) {
            // Unverified IR only: do not fall into the next member.
            self.materialize();
            self.br(Ctl::Handler(Handler::Lookup));
        }
        Ok(())
    }

    /// Branches to basic block `t` (forward: `br`; backward: dispatch).
    fn jump(&mut self, t: u32, cond: bool) {
        if t > self.cur_bb {
            if cond { self.br_if(Ctl::Bb(t)) } else { self.br(Ctl::Bb(t)) }
        } else {
            let idx = self.dispatch_of.get(t as usize).copied().flatten().unwrap_or(0);
            let n = NEXT;
            if cond {
                // `$next` is only read by the dispatch, which this sets up
                // for: setting it when the branch is not taken is harmless.
                // The condition is on the stack: set `$next` under it.
                self.ins().i32_const(idx as i32).local_set(n);
                self.br_if(Ctl::Dispatch);
            } else {
                self.ins().i32_const(idx as i32).local_set(n);
                self.br(Ctl::Dispatch);
            }
        }
    }

    fn cond(&mut self, c: Cond, ty: Type, a: Value, b: Value) {
        if c == Cond::Eq && b == Value::Const(0) {
            self.get(a, ty);
            match ty {
                Type::I32 => self.ins().i32_eqz(),
                Type::I64 => self.ins().i64_eqz(),
            };
            return;
        }
        self.get(a, ty);
        self.get(b, ty);
        let mut s = self.f.instructions();
        match (ty, c) {
            (Type::I32, Cond::Eq) => s.i32_eq(),
            (Type::I32, Cond::Ne) => s.i32_ne(),
            (Type::I32, Cond::Lt) => s.i32_lt_s(),
            (Type::I32, Cond::Ge) => s.i32_ge_s(),
            (Type::I32, Cond::Le) => s.i32_le_s(),
            (Type::I32, Cond::Gt) => s.i32_gt_s(),
            (Type::I32, Cond::Ltu) => s.i32_lt_u(),
            (Type::I32, Cond::Geu) => s.i32_ge_u(),
            (Type::I32, Cond::Leu) => s.i32_le_u(),
            (Type::I32, Cond::Gtu) => s.i32_gt_u(),
            (Type::I64, Cond::Eq) => s.i64_eq(),
            (Type::I64, Cond::Ne) => s.i64_ne(),
            (Type::I64, Cond::Lt) => s.i64_lt_s(),
            (Type::I64, Cond::Ge) => s.i64_ge_s(),
            (Type::I64, Cond::Le) => s.i64_le_s(),
            (Type::I64, Cond::Gt) => s.i64_gt_s(),
            (Type::I64, Cond::Ltu) => s.i64_lt_u(),
            (Type::I64, Cond::Geu) => s.i64_ge_u(),
            (Type::I64, Cond::Leu) => s.i64_le_u(),
            (Type::I64, Cond::Gtu) => s.i64_gt_u(),
        };
    }

    fn inst(&mut self, block: &Block, inst: &Inst) -> Result<(), JitError> {
        match *inst {
            Inst::Mov { ty, dst, src } => {
                self.get(src, ty);
                self.set(dst);
            }
            Inst::Unary { op, ty, dst, src } => {
                self.unary(op, ty, src)?;
                self.set(dst);
            }
            Inst::Binary { op, ty, dst, a, b } => {
                self.binary(op, ty, a, b);
                self.set(dst);
            }
            Inst::Convert { op, dst, src } => {
                self.get(src, op.types().0);
                match op {
                    ConvOp::SextI32 => self.ins().i64_extend_i32_s(),
                    ConvOp::ZextI32 => self.ins().i64_extend_i32_u(),
                    ConvOp::TruncI64 => self.ins().i32_wrap_i64(),
                    ConvOp::HighI64 => self.ins().i64_const(32).i64_shr_u().i32_wrap_i64(),
                };
                self.set(dst);
            }
            Inst::Extract { ty, signed, dst, src, pos, len } => {
                self.extract(ty, signed, src, u32::from(pos), u32::from(len))?;
                self.set(dst);
            }
            Inst::Deposit { ty, dst, base, field, pos, len } => {
                self.deposit(ty, base, field, u32::from(pos), u32::from(len))?;
                self.set(dst);
            }
            Inst::SetCond { ty, cond, dst, a, b } => {
                self.cond(cond, ty, a, b);
                if ty == Type::I64 {
                    self.ins().i64_extend_i32_u();
                }
                self.set(dst);
            }
            Inst::MovCond { ty, cond, dst, a, b, if_true, if_false } => {
                self.get(if_true, ty);
                self.get(if_false, ty);
                self.cond(cond, ty, a, b);
                self.ins().select();
                self.set(dst);
            }
            Inst::LoadState { ty, dst, offset, size, signed } => {
                let st = self.l.state;
                self.ins().local_get(st);
                self.state_load(ty, size, signed, offset);
                self.set(dst);
            }
            Inst::StoreState { ty, src, offset, size } => {
                let st = self.l.state;
                self.ins().local_get(st);
                self.get(src, ty);
                self.store_op(ty, size, memarg(u64::from(offset), size.log2()));
            }
            Inst::Load { ty, dst, addr, mem } => {
                self.materialize();
                self.load(ty, addr, mem);
                self.set(dst);
            }
            Inst::Store { ty, src, addr, mem } => {
                self.materialize();
                self.store(ty, src, addr, mem);
            }
            Inst::AtomicRmw { op, ty, dst, addr, src, mem } => {
                self.materialize();
                self.atomic(ty, addr, mem, Some(op), src, Value::Const(0));
                self.set(dst);
            }
            Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem } => {
                self.materialize();
                self.atomic(ty, addr, mem, None, expected, new);
                self.set(dst);
            }
            Inst::Fence { .. } => {
                if self.opt.shared_memory {
                    self.ins().atomic_fence(Ordering::SeqCst);
                }
            }
            Inst::Call { helper, dst, ref args } => self.helper_call(block, helper, dst, args)?,
            Inst::InsnStart { pc } => {
                let t = &mut self.track;
                match t.known {
                    Some(n) => t.known = Some(n.wrapping_add(1)),
                    None => t.delta = t.delta.wrapping_add(1),
                }
                t.insns_dirty = true;
                t.pc = Some(pc);
            }
            Inst::Label(lb) => {
                self.materialize();
                let bb = self.info[self.cur_member].label_bb.get(lb.0 as usize).copied().unwrap_or(0);
                self.start_bb(bb);
                self.track = Track::SYNCED;
            }
            Inst::Br { target } => {
                self.materialize();
                let t = self.info[self.cur_member].label_bb.get(target.0 as usize).copied().unwrap_or(0);
                self.jump(t, false);
            }
            Inst::BrCond { ty, cond, a, b, target } => {
                self.materialize();
                let t = self.info[self.cur_member].label_bb.get(target.0 as usize).copied().unwrap_or(0);
                self.cond(cond, ty, a, b);
                self.jump(t, true);
            }
            Inst::GotoTb { slot, pc } => {
                self.materialize();
                self.goto_tb(slot, pc);
            }
            Inst::LookupTb => {
                self.materialize();
                if self.handlers.contains(&Handler::Link)
                    && link_from(&self.opt, &self.members[self.cur_member])
                    && let Some(off) = self.opt.pc_offset
                {
                    let lk_pc = self.l.lk_pc;
                    match self.pc_local {
                        Some(pl) => {
                            self.ins().local_get(pl).local_set(lk_pc);
                        }
                        None => {
                            let st = self.l.state;
                            self.ins().local_get(st).i64_load(memarg(u64::from(off), 3)).local_set(lk_pc);
                        }
                    }
                    self.link(false);
                    return Ok(());
                }
                self.br(Ctl::Handler(Handler::Lookup));
            }
            Inst::ExitTb { status } => {
                self.materialize();
                let w = self.l.w;
                self.ins().i32_const(status as i32).local_set(w);
                self.br(Ctl::Handler(Handler::Status));
            }
        }
        Ok(())
    }

    fn goto_tb(&mut self, slot: u8, pc: u64) {
        let (w, addr) = (self.l.w, self.l.addr);
        self.ins().i32_const(i32::from(slot)).local_set(w).i64_const(pc as i64).local_set(addr);
        let m = self.members[self.cur_member];
        let succ = m.successors.get(usize::from(slot)).copied().flatten();
        let n = m.ir.guest_insns() as u64;
        let Some(s) = succ.filter(|_| n > 0) else {
            if succ.is_none() && self.handlers.contains(&Handler::Link) && link_from(&self.opt, &m) {
                let lk_pc = self.l.lk_pc;
                self.ins().i64_const(pc as i64).local_set(lk_pc);
                self.link(true);
            } else {
                self.br(Ctl::Handler(Handler::Goto));
            }
            return;
        };
        // Leave (this member's instructions are then the exit's, not
        // `retired`'s) if completing it reaches the limit or an exit is
        // requested; else count it and go on.
        let (retired, limit) = (self.l.retired, self.l.limit);
        self.ins()
            .local_get(retired)
            .i64_const(n as i64)
            .i64_add()
            .local_get(limit)
            .i64_ge_u()
            .local_get(CTX)
            .i32_load(memarg(u64::from(CTX_EXIT_REQUEST), 2))
            .i32_or();
        self.br_if(Ctl::Handler(Handler::Goto));
        self.ins()
            .local_get(CTX)
            .local_get(retired)
            .i64_const(n as i64)
            .i64_add()
            .local_tee(retired)
            .i64_store(memarg(u64::from(CTX_RETIRED), 3));
        let t = self.info.get(s as usize).map_or(0, |x| x.bb_base);
        self.jump(t, false);
    }

    /// Leaves the current member through the link handler; `$lk_pc` is
    /// set, `goto` says whether a miss is a `goto_tb` exit (whose operands
    /// are in place) or a `lookup_tb` one.
    fn link(&mut self, goto: bool) {
        let m = self.members[self.cur_member];
        let (lk_n, lk_key, lk_goto) = (self.l.lk_n, self.l.lk_key, self.l.lk_goto);
        self.ins()
            .i32_const(m.ir.guest_insns() as i32)
            .local_set(lk_n)
            .i64_const(m.key as i64)
            .local_set(lk_key)
            .i32_const(i32::from(goto))
            .local_set(lk_goto);
        self.br(Ctl::Handler(Handler::Link));
    }

    /// The link handler (see `abi`): on a hit, counts the member, stores
    /// the globals back and tail-calls the target; on a miss, falls back to
    /// the `goto_tb` or `lookup_tb` exit.
    fn link_handler(&mut self) {
        let l = &self.l;
        let (retired, limit, ptr) = (l.retired, l.limit, l.ptr);
        let (lk_n, lk_goto, lk_pc, lk_key) = (l.lk_n, l.lk_goto, l.lk_pc, l.lk_key);
        let a32 = |o: u32| memarg(u64::from(o), 2);
        let a64 = |o: u32| memarg(u64::from(o), 3);
        self.open(Ctl::LinkMiss, BlockType::Empty);
        // The limit and the exit request, as for a member transition.
        self.ins()
            .local_get(retired)
            .local_get(lk_n)
            .i64_extend_i32_u()
            .i64_add()
            .local_get(limit)
            .i64_ge_u()
            .local_get(CTX)
            .i32_load(a32(CTX_EXIT_REQUEST))
            .i32_or();
        self.br_if(Ctl::LinkMiss);
        // The entry: `abi::link_index`.
        self.ins()
            .local_get(CTX)
            .i32_load(a32(CTX_LINKS))
            .local_get(lk_pc)
            .i64_const(1)
            .i64_shr_u()
            .local_get(lk_pc)
            .i64_const(12)
            .i64_shr_u()
            .i64_xor()
            .i32_wrap_i64()
            .i32_const((LINK_ENTRIES - 1) as i32)
            .i32_and()
            .i32_const(LINK_ENTRY_SIZE.trailing_zeros() as i32)
            .i32_shl()
            .i32_add()
            .local_tee(ptr)
            .i64_load(a64(LINK_PC))
            .local_get(lk_pc)
            .i64_ne()
            .local_get(ptr)
            .i64_load(a64(LINK_KEY))
            .local_get(lk_key)
            .i64_ne()
            .i32_or()
            .local_get(ptr)
            .i32_load(a32(LINK_GEN))
            .local_get(CTX)
            .i32_load(a32(CTX_LINK_GEN))
            .i32_ne()
            .i32_or();
        self.br_if(Ctl::LinkMiss);
        self.ins()
            .local_get(CTX)
            .local_get(retired)
            .local_get(lk_n)
            .i64_extend_i32_u()
            .i64_add()
            .i64_store(a64(CTX_RETIRED));
        self.store_globals();
        let run_type = self.imports.len() as u32;
        self.ins()
            .local_get(CTX)
            .local_get(ptr)
            .i32_load(a32(LINK_REGION))
            .i32_store(a32(CTX_REGION))
            .local_get(CTX)
            .local_get(ptr)
            .i32_load(a32(LINK_MEMBER))
            .local_get(ptr)
            .i32_load(a32(LINK_FUNC))
            .return_call_indirect(0, run_type);
        self.close(); // link miss
        if self.handlers.contains(&Handler::Goto) {
            self.ins().local_get(lk_goto);
            self.br_if(Ctl::Handler(Handler::Goto));
        }
        self.br(Ctl::Handler(Handler::Lookup));
    }

    // ---- arithmetic -------------------------------------------------------

    fn unary(&mut self, op: UnaryOp, ty: Type, src: Value) -> Result<(), JitError> {
        match (op, ty) {
            (UnaryOp::Neg, _) => {
                self.konst(ty, 0);
                self.get(src, ty);
                self.sub(ty);
            }
            (UnaryOp::Not, _) => {
                self.get(src, ty);
                self.konst(ty, u64::MAX);
                self.xor(ty);
            }
            (UnaryOp::Clz, Type::I32) => {
                self.get(src, ty);
                self.ins().i32_clz();
            }
            (UnaryOp::Clz, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_clz();
            }
            (UnaryOp::Ctz, Type::I32) => {
                self.get(src, ty);
                self.ins().i32_ctz();
            }
            (UnaryOp::Ctz, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_ctz();
            }
            (UnaryOp::Popcnt, Type::I32) => {
                self.get(src, ty);
                self.ins().i32_popcnt();
            }
            (UnaryOp::Popcnt, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_popcnt();
            }
            (UnaryOp::Bswap16, _) => self.bswap16(ty, src),
            (UnaryOp::Bswap32, Type::I32) => self.bswap32_i32(src),
            (UnaryOp::Bswap32, Type::I64) => {
                self.get(src, ty);
                let s = self.l.s32;
                self.ins().i32_wrap_i64().local_set(s);
                self.bswap32_i32(Value::Temp(Temp::Local(wemu_ir::LocalId(u32::MAX))));
                self.ins().i64_extend_i32_u();
            }
            (UnaryOp::Bswap64, Type::I64) => self.bswap64(src),
            (UnaryOp::Sext8, Type::I32) => {
                self.get(src, ty);
                self.ins().i32_extend8_s();
            }
            (UnaryOp::Sext8, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_extend8_s();
            }
            (UnaryOp::Sext16, Type::I32) => {
                self.get(src, ty);
                self.ins().i32_extend16_s();
            }
            (UnaryOp::Sext16, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_extend16_s();
            }
            (UnaryOp::Sext32, Type::I64) => {
                self.get(src, ty);
                self.ins().i64_extend32_s();
            }
            (UnaryOp::Zext8, _) => {
                self.get(src, ty);
                self.konst(ty, 0xff);
                self.and(ty);
            }
            (UnaryOp::Zext16, _) => {
                self.get(src, ty);
                self.konst(ty, 0xffff);
                self.and(ty);
            }
            (UnaryOp::Zext32, Type::I64) => {
                self.get(src, ty);
                self.ins().i32_wrap_i64().i64_extend_i32_u();
            }
            (UnaryOp::Bswap64 | UnaryOp::Sext32 | UnaryOp::Zext32, Type::I32) => {
                return unsupported(format!("{op} on i32"));
            }
        }
        Ok(())
    }

    /// Emits a value, where the pseudo-local `u32::MAX` means the `s32`
    /// scratch (used by the byte swaps of values computed on the stack).
    fn get_src(&mut self, v: Value, ty: Type) {
        if let Value::Temp(Temp::Local(wemu_ir::LocalId(u32::MAX))) = v {
            let s = if ty == Type::I32 { self.l.s32 } else { self.l.s64[0] };
            self.ins().local_get(s);
        } else {
            self.get(v, ty);
        }
    }

    fn bswap16(&mut self, ty: Type, src: Value) {
        self.get_src(src, ty);
        self.konst(ty, 0xff);
        self.and(ty);
        self.konst(ty, 8);
        self.shl(ty);
        self.get_src(src, ty);
        self.konst(ty, 8);
        self.shr_u(ty);
        self.konst(ty, 0xff);
        self.and(ty);
        self.or(ty);
    }

    fn bswap32_i32(&mut self, src: Value) {
        self.get_src(src, Type::I32);
        self.ins().i32_const(0x00ff_00ff).i32_and().i32_const(8).i32_rotr();
        self.get_src(src, Type::I32);
        self.ins().i32_const(8).i32_rotl().i32_const(0x00ff_00ff).i32_and().i32_or();
    }

    fn bswap64(&mut self, src: Value) {
        let s = self.l.s64[0];
        const M8: i64 = 0x00ff_00ff_00ff_00ff;
        const M16: i64 = 0x0000_ffff_0000_ffff;
        self.get_src(src, Type::I64);
        self.ins().i64_const(8).i64_shr_u().i64_const(M8).i64_and();
        self.get_src(src, Type::I64);
        self.ins().i64_const(M8).i64_and().i64_const(8).i64_shl().i64_or().local_tee(s);
        self.ins().i64_const(16).i64_shr_u().i64_const(M16).i64_and();
        self.ins().local_get(s).i64_const(M16).i64_and().i64_const(16).i64_shl().i64_or();
        self.ins().i64_const(32).i64_rotl();
    }

    fn sub(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_sub(),
            Type::I64 => self.ins().i64_sub(),
        };
    }

    fn and(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_and(),
            Type::I64 => self.ins().i64_and(),
        };
    }

    fn or(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_or(),
            Type::I64 => self.ins().i64_or(),
        };
    }

    fn xor(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_xor(),
            Type::I64 => self.ins().i64_xor(),
        };
    }

    fn shl(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_shl(),
            Type::I64 => self.ins().i64_shl(),
        };
    }

    fn shr_u(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_shr_u(),
            Type::I64 => self.ins().i64_shr_u(),
        };
    }

    fn shr_s(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_shr_s(),
            Type::I64 => self.ins().i64_shr_s(),
        };
    }

    fn eqz(&mut self, ty: Type) {
        match ty {
            Type::I32 => self.ins().i32_eqz(),
            Type::I64 => self.ins().i64_eqz(),
        };
    }

    fn binary(&mut self, op: BinaryOp, ty: Type, a: Value, b: Value) {
        use BinaryOp::*;
        if matches!(op, Add | Sub | And | Or | Xor | Shl | Shr | Sar | Rotl | Rotr | Mul) {
            self.get(a, ty);
            self.get(b, ty);
            let mut s = self.f.instructions();
            match (op, ty) {
                (Add, Type::I32) => s.i32_add(),
                (Sub, Type::I32) => s.i32_sub(),
                (And, Type::I32) => s.i32_and(),
                (Or, Type::I32) => s.i32_or(),
                (Xor, Type::I32) => s.i32_xor(),
                (Shl, Type::I32) => s.i32_shl(),
                (Shr, Type::I32) => s.i32_shr_u(),
                (Sar, Type::I32) => s.i32_shr_s(),
                (Rotl, Type::I32) => s.i32_rotl(),
                (Rotr, Type::I32) => s.i32_rotr(),
                (_, Type::I32) => s.i32_mul(),
                (Add, Type::I64) => s.i64_add(),
                (Sub, Type::I64) => s.i64_sub(),
                (And, Type::I64) => s.i64_and(),
                (Or, Type::I64) => s.i64_or(),
                (Xor, Type::I64) => s.i64_xor(),
                (Shl, Type::I64) => s.i64_shl(),
                (Shr, Type::I64) => s.i64_shr_u(),
                (Sar, Type::I64) => s.i64_shr_s(),
                (Rotl, Type::I64) => s.i64_rotl(),
                (Rotr, Type::I64) => s.i64_rotr(),
                (_, Type::I64) => s.i64_mul(),
            };
            return;
        }
        match op {
            Andc | Orc => {
                self.get(a, ty);
                self.get(b, ty);
                self.konst(ty, u64::MAX);
                self.xor(ty);
                if op == Andc { self.and(ty) } else { self.or(ty) }
            }
            Mulhs | Mulhu | Mulhsu if ty == Type::I32 => {
                let ext = |g: &mut Self, v: Value, signed: bool| {
                    g.get(v, Type::I32);
                    if signed {
                        g.ins().i64_extend_i32_s();
                    } else {
                        g.ins().i64_extend_i32_u();
                    }
                };
                ext(self, a, op != Mulhu);
                ext(self, b, op == Mulhs);
                self.ins().i64_mul().i64_const(32).i64_shr_u().i32_wrap_i64();
            }
            Mulhs | Mulhu | Mulhsu => {
                self.mulhu64(a, b);
                if op != Mulhu {
                    // - ((a >> 63) & b)
                    self.get(a, ty);
                    self.ins().i64_const(63).i64_shr_s();
                    self.get(b, ty);
                    self.ins().i64_and().i64_sub();
                }
                if op == Mulhs {
                    self.get(b, ty);
                    self.ins().i64_const(63).i64_shr_s();
                    self.get(a, ty);
                    self.ins().i64_and().i64_sub();
                }
            }
            Divs | Divu | Rems | Remu => self.div(op, ty, a, b),
            _ => {}
        }
    }

    /// The high 64 bits of the unsigned 128-bit product, from 32-bit limbs.
    fn mulhu64(&mut self, a: Value, b: Value) {
        let [s1, s2, s3] = self.l.s64;
        let ty = Type::I64;
        const M: i64 = 0xffff_ffff;
        // lo(x) / hi(x)
        let lo = |g: &mut Self, v: Value| {
            g.get(v, ty);
            g.ins().i64_const(M).i64_and();
        };
        let hi = |g: &mut Self, v: Value| {
            g.get(v, ty);
            g.ins().i64_const(32).i64_shr_u();
        };
        // s1 = (a0*b0 >> 32)
        lo(self, a);
        lo(self, b);
        self.ins().i64_mul().i64_const(32).i64_shr_u().local_set(s1);
        // s2 = a1*b0
        hi(self, a);
        lo(self, b);
        self.ins().i64_mul().local_set(s2);
        // s3 = a0*b1
        lo(self, a);
        hi(self, b);
        self.ins().i64_mul().local_set(s3);
        // s1 = s1 + lo(s2) + lo(s3)
        self.ins()
            .local_get(s1)
            .local_get(s2)
            .i64_const(M)
            .i64_and()
            .i64_add()
            .local_get(s3)
            .i64_const(M)
            .i64_and()
            .i64_add()
            .local_set(s1);
        // a1*b1 + hi(s2) + hi(s3) + hi(s1)
        hi(self, a);
        hi(self, b);
        self.ins()
            .i64_mul()
            .local_get(s2)
            .i64_const(32)
            .i64_shr_u()
            .i64_add()
            .local_get(s3)
            .i64_const(32)
            .i64_shr_u()
            .i64_add()
            .local_get(s1)
            .i64_const(32)
            .i64_shr_u()
            .i64_add();
    }

    fn div(&mut self, op: BinaryOp, ty: Type, a: Value, b: Value) {
        use BinaryOp::*;
        let minus1 = ty.mask();
        let raw = |g: &mut Self| {
            g.get(a, ty);
            g.get(b, ty);
            let mut s = g.f.instructions();
            match (op, ty) {
                (Divs, Type::I32) => s.i32_div_s(),
                (Divu, Type::I32) => s.i32_div_u(),
                (Rems, Type::I32) => s.i32_rem_s(),
                (Remu, Type::I32) => s.i32_rem_u(),
                (Divs, Type::I64) => s.i64_div_s(),
                (Divu, Type::I64) => s.i64_div_u(),
                (Rems, Type::I64) => s.i64_rem_s(),
                _ => s.i64_rem_u(),
            };
        };
        // The result for b == 0.
        let by_zero = |g: &mut Self| match op {
            Divs | Divu => g.konst(ty, minus1),
            _ => g.get(a, ty),
        };
        // Signed division by -1 (MIN / -1 traps in Wasm): the negation.
        let neg = |g: &mut Self| {
            g.konst(ty, 0);
            g.get(a, ty);
            g.sub(ty);
        };
        if let Value::Const(c) = b {
            let c = ty.canon(c);
            if c == 0 {
                by_zero(self);
            } else if op == Divs && c == minus1 {
                neg(self);
            } else {
                raw(self);
            }
            return;
        }
        let bt = BlockType::Result(vt(ty));
        self.get(b, ty);
        self.eqz(ty);
        self.open_if(bt);
        by_zero(self);
        self.ins().else_();
        if op == Divs {
            self.get(b, ty);
            self.konst(ty, minus1);
            match ty {
                Type::I32 => self.ins().i32_eq(),
                Type::I64 => self.ins().i64_eq(),
            };
            self.open_if(bt);
            neg(self);
            self.ins().else_();
            raw(self);
            self.close();
        } else {
            raw(self);
        }
        self.close();
    }

    fn extract(&mut self, ty: Type, signed: bool, src: Value, pos: u32, len: u32) -> Result<(), JitError> {
        let w = ty.bits();
        if len == 0 || pos + len > w {
            return unsupported(format!("bit field {pos}+{len}"));
        }
        self.get(src, ty);
        if signed {
            if w - pos - len > 0 {
                self.konst(ty, u64::from(w - pos - len));
                self.shl(ty);
            }
            if w - len > 0 {
                self.konst(ty, u64::from(w - len));
                self.shr_s(ty);
            }
        } else {
            if pos > 0 {
                self.konst(ty, u64::from(pos));
                self.shr_u(ty);
            }
            if pos + len < w {
                self.konst(ty, semantics::low_mask(len));
                self.and(ty);
            }
        }
        Ok(())
    }

    fn deposit(&mut self, ty: Type, base: Value, field: Value, pos: u32, len: u32) -> Result<(), JitError> {
        let w = ty.bits();
        if len == 0 || pos + len > w {
            return unsupported(format!("bit field {pos}+{len}"));
        }
        if len == w {
            self.get(field, ty);
            return Ok(());
        }
        let m = ty.canon(semantics::low_mask(len) << pos);
        self.get(base, ty);
        self.konst(ty, !m);
        self.and(ty);
        self.get(field, ty);
        if pos > 0 {
            self.konst(ty, u64::from(pos));
            self.shl(ty);
        }
        self.konst(ty, m);
        self.and(ty);
        self.or(ty);
        Ok(())
    }

    // ---- guest memory -----------------------------------------------------

    /// `$addr = addr`, then the alignment check (to `misaligned`).
    fn addr_and_align(&mut self, addr: Value, mem: MemOp, misaligned: Handler) {
        let a = self.l.addr;
        self.get(addr, Type::I64);
        self.ins().local_set(a);
        let mask = mem.align_mask();
        if mask != 0 {
            self.ins().local_get(a).i32_wrap_i64().i32_const(mask as i32).i32_and();
            self.br_if(Ctl::Handler(misaligned));
        }
    }

    fn tlb_base(mem: MemOp) -> u64 {
        u64::from(mem.mmu_idx) * (ENTRIES * ENTRY_SIZE) as u64
    }

    /// Pushes whether the TLB hits for `mem` at `$addr` (`$ptr` = entry).
    fn tlb_hit(&mut self, mem: MemOp, write: bool) {
        let (a, ptr, tlb) = (self.l.addr, self.l.ptr, self.l.tlb);
        let shift = PAGE_BITS - ENTRY_SIZE.trailing_zeros();
        let index_mask = ((ENTRIES - 1) * ENTRY_SIZE) as i32;
        let tag = if write { ADDR_WRITE } else { ADDR_READ } as u64;
        self.ins()
            .local_get(a)
            .i32_wrap_i64()
            .i32_const(shift as i32)
            .i32_shr_u()
            .i32_const(index_mask)
            .i32_and()
            .local_get(tlb)
            .i32_add()
            .local_tee(ptr)
            .i64_load(memarg(Self::tlb_base(mem) + tag, 3))
            .local_get(a);
        if mem.size.bytes() > 1 {
            self.ins().i64_const(i64::from(mem.size.bytes() - 1)).i64_add();
        }
        self.ins().i64_const(PAGE_MASK as i64).i64_and().i64_eq();
    }

    /// Pushes the Wasm address of the hit, less `wasm_base`.
    fn host_addr(&mut self, mem: MemOp) {
        let (a, ptr) = (self.l.addr, self.l.ptr);
        self.ins()
            .local_get(ptr)
            .i64_load(memarg(Self::tlb_base(mem) + ADDEND as u64, 3))
            .local_get(a)
            .i64_add()
            .i32_wrap_i64();
    }

    /// After an import call: leave through `fault` if it failed.
    fn fault_check(&mut self, fault: Handler) {
        self.ins().local_get(CTX).i32_load(memarg(u64::from(CTX_FAULT), 2));
        self.br_if(Ctl::Handler(fault));
    }

    /// Converts the raw value of an access on the stack (an `i64` if
    /// `raw64`, else an `i32`) to the loaded value of type `ty`.
    fn raw_to_value(&mut self, ty: Type, mem: MemOp, raw64: bool, clean: bool) {
        if mem.size == MemSize::B8 {
            if !raw64 {
                self.ins().i64_extend_i32_u();
            }
            if mem.endian == Endian::Big {
                let s = self.l.s64[0];
                self.ins().local_set(s);
                self.bswap64(Value::Temp(Temp::Local(wemu_ir::LocalId(u32::MAX))));
            }
            if ty == Type::I32 {
                self.ins().i32_wrap_i64();
            }
            return;
        }
        if raw64 {
            self.ins().i32_wrap_i64();
        }
        let mut clean = clean;
        if mem.endian == Endian::Big {
            let scratch = Value::Temp(Temp::Local(wemu_ir::LocalId(u32::MAX)));
            match mem.size {
                MemSize::B2 => {
                    let s = self.l.s32;
                    self.ins().local_set(s);
                    self.bswap16(Type::I32, scratch);
                    clean = true;
                }
                MemSize::B4 => {
                    let s = self.l.s32;
                    self.ins().local_set(s);
                    self.bswap32_i32(scratch);
                }
                _ => {}
            }
        }
        if mem.signed {
            match mem.size {
                MemSize::B1 => {
                    self.ins().i32_extend8_s();
                }
                MemSize::B2 => {
                    self.ins().i32_extend16_s();
                }
                _ => {}
            }
        } else if !clean && mem.size != MemSize::B4 {
            self.ins().i32_const(mem.size.mask() as i32).i32_and();
        }
        if ty == Type::I64 {
            if mem.signed {
                self.ins().i64_extend_i32_s();
            } else {
                self.ins().i64_extend_i32_u();
            }
        }
    }

    fn load(&mut self, ty: Type, addr: Value, mem: MemOp) {
        self.addr_and_align(addr, mem, Handler::MisalignedR);
        self.tlb_hit(mem, false);
        self.open_if(BlockType::Result(vt(ty)));
        self.host_addr(mem);
        let m = memarg(u64::from(self.opt.wasm_base), mem.size.log2());
        if mem.endian == Endian::Little {
            let mut s = self.f.instructions();
            match (ty, mem.size, mem.signed) {
                (Type::I32, MemSize::B1, false) => s.i32_load8_u(m),
                (Type::I32, MemSize::B1, true) => s.i32_load8_s(m),
                (Type::I32, MemSize::B2, false) => s.i32_load16_u(m),
                (Type::I32, MemSize::B2, true) => s.i32_load16_s(m),
                (Type::I32, _, _) => s.i32_load(m),
                (Type::I64, MemSize::B1, false) => s.i64_load8_u(m),
                (Type::I64, MemSize::B1, true) => s.i64_load8_s(m),
                (Type::I64, MemSize::B2, false) => s.i64_load16_u(m),
                (Type::I64, MemSize::B2, true) => s.i64_load16_s(m),
                (Type::I64, MemSize::B4, false) => s.i64_load32_u(m),
                (Type::I64, MemSize::B4, true) => s.i64_load32_s(m),
                (Type::I64, MemSize::B8, _) => s.i64_load(m),
            };
        } else {
            match mem.size {
                MemSize::B1 => {
                    self.ins().i32_load8_u(m);
                }
                MemSize::B2 => {
                    self.ins().i32_load16_u(m);
                }
                MemSize::B4 => {
                    self.ins().i32_load(m);
                }
                MemSize::B8 => {
                    self.ins().i64_load(m);
                }
            }
            self.raw_to_value(ty, mem, mem.size == MemSize::B8, true);
        }
        self.ins().else_();
        let a = self.l.addr;
        self.ins().local_get(CTX).local_get(a).i32_const(encode_memop(mem) as i32);
        self.call(Import::Load);
        self.fault_check(Handler::FaultR);
        self.raw_to_value(ty, mem, true, false);
        self.close();
    }

    /// Pushes `stored_raw(mem, v)` as an `i64`.
    fn stored_raw(&mut self, ty: Type, v: Value, mem: MemOp) {
        if mem.size == MemSize::B8 {
            if mem.endian == Endian::Big {
                self.bswap64(v);
            } else {
                self.get(v, ty);
            }
            return;
        }
        self.get(v, ty);
        if ty == Type::I64 {
            self.ins().i32_wrap_i64();
        }
        if mem.endian == Endian::Big {
            let s = self.l.s32;
            let scratch = Value::Temp(Temp::Local(wemu_ir::LocalId(u32::MAX)));
            match mem.size {
                MemSize::B2 => {
                    self.ins().local_set(s);
                    self.bswap16(Type::I32, scratch);
                }
                MemSize::B4 => {
                    self.ins().local_set(s);
                    self.bswap32_i32(scratch);
                }
                _ => {}
            }
        }
        self.ins().i64_extend_i32_u();
        if mem.size != MemSize::B4 {
            self.ins().i64_const(mem.size.mask() as i64).i64_and();
        }
    }

    /// The raw value of a store or atomic operand as a re-readable value:
    /// the operand itself when it already is, else the `i64` scratch `k`.
    fn raw_operand(&mut self, ty: Type, v: Value, mem: MemOp, k: usize) -> RawSrc {
        if mem.endian == Endian::Little && mem.size == MemSize::B8 {
            return RawSrc::Value(v);
        }
        if let (Value::Const(c), Endian::Little) = (v, mem.endian) {
            return RawSrc::Const(c & mem.size.mask());
        }
        self.stored_raw(ty, v, mem);
        let s = self.l.s64[k];
        self.ins().local_set(s);
        RawSrc::Local(s)
    }

    fn get_raw(&mut self, r: RawSrc) {
        match r {
            RawSrc::Value(v) => self.get(v, Type::I64),
            RawSrc::Const(c) => {
                self.ins().i64_const(c as i64);
            }
            RawSrc::Local(l) => {
                self.ins().local_get(l);
            }
        }
    }

    fn store(&mut self, ty: Type, src: Value, addr: Value, mem: MemOp) {
        let raw = self.raw_operand(ty, src, mem, 1);
        self.addr_and_align(addr, mem, Handler::MisalignedW);
        self.tlb_hit(mem, true);
        self.open_if(BlockType::Empty);
        self.host_addr(mem);
        self.get_raw(raw);
        let m = memarg(u64::from(self.opt.wasm_base), mem.size.log2());
        self.store_op(Type::I64, mem.size, m);
        self.ins().else_();
        let a = self.l.addr;
        self.ins().local_get(CTX).local_get(a);
        self.get_raw(raw);
        self.ins().i32_const(encode_memop(mem) as i32);
        self.call(Import::Store);
        self.fault_check(Handler::FaultW);
        self.close();
    }

    /// An atomic rmw (`op` given) or cmpxchg (`x` = expected, `y` = new).
    fn atomic(&mut self, ty: Type, addr: Value, mem: MemOp, op: Option<RmwOp>, x: Value, y: Value) {
        let rx = self.raw_operand(ty, x, mem, 1);
        let ry = if op.is_none() { Some(self.raw_operand(ty, y, mem, 2)) } else { None };
        self.addr_and_align(addr, mem, Handler::MisalignedW);
        let wasm_op = match op {
            None => true,
            Some(o) => matches!(o, RmwOp::Add | RmwOp::And | RmwOp::Or | RmwOp::Xor | RmwOp::Swap),
        };
        let fast = self.opt.shared_memory && wasm_op;
        if fast {
            self.open(Ctl::Other, BlockType::Result(ValType::I64));
            self.open(Ctl::Other, BlockType::Empty);
            let slow_depth = 0;
            self.tlb_hit(mem, true);
            self.ins().i32_eqz().br_if(slow_depth);
            self.host_addr(mem);
            let ptr = self.l.ptr;
            let base = self.opt.wasm_base as i32;
            self.ins().i32_const(base).i32_add().local_tee(ptr);
            if mem.size.bytes() > 1 {
                self.ins().i32_const(mem.size.bytes() as i32 - 1).i32_and().br_if(slow_depth).local_get(ptr);
            }
            self.get_raw(rx);
            if let Some(ry) = ry {
                self.get_raw(ry);
            }
            let m = memarg(0, mem.size.log2());
            let mut s = self.f.instructions();
            match (op, mem.size) {
                (None, MemSize::B1) => s.i64_atomic_rmw8_cmpxchg_u(m),
                (None, MemSize::B2) => s.i64_atomic_rmw16_cmpxchg_u(m),
                (None, MemSize::B4) => s.i64_atomic_rmw32_cmpxchg_u(m),
                (None, MemSize::B8) => s.i64_atomic_rmw_cmpxchg(m),
                (Some(RmwOp::Add), MemSize::B1) => s.i64_atomic_rmw8_add_u(m),
                (Some(RmwOp::Add), MemSize::B2) => s.i64_atomic_rmw16_add_u(m),
                (Some(RmwOp::Add), MemSize::B4) => s.i64_atomic_rmw32_add_u(m),
                (Some(RmwOp::Add), MemSize::B8) => s.i64_atomic_rmw_add(m),
                (Some(RmwOp::And), MemSize::B1) => s.i64_atomic_rmw8_and_u(m),
                (Some(RmwOp::And), MemSize::B2) => s.i64_atomic_rmw16_and_u(m),
                (Some(RmwOp::And), MemSize::B4) => s.i64_atomic_rmw32_and_u(m),
                (Some(RmwOp::And), MemSize::B8) => s.i64_atomic_rmw_and(m),
                (Some(RmwOp::Or), MemSize::B1) => s.i64_atomic_rmw8_or_u(m),
                (Some(RmwOp::Or), MemSize::B2) => s.i64_atomic_rmw16_or_u(m),
                (Some(RmwOp::Or), MemSize::B4) => s.i64_atomic_rmw32_or_u(m),
                (Some(RmwOp::Or), MemSize::B8) => s.i64_atomic_rmw_or(m),
                (Some(RmwOp::Xor), MemSize::B1) => s.i64_atomic_rmw8_xor_u(m),
                (Some(RmwOp::Xor), MemSize::B2) => s.i64_atomic_rmw16_xor_u(m),
                (Some(RmwOp::Xor), MemSize::B4) => s.i64_atomic_rmw32_xor_u(m),
                (Some(RmwOp::Xor), MemSize::B8) => s.i64_atomic_rmw_xor(m),
                (Some(_), MemSize::B1) => s.i64_atomic_rmw8_xchg_u(m),
                (Some(_), MemSize::B2) => s.i64_atomic_rmw16_xchg_u(m),
                (Some(_), MemSize::B4) => s.i64_atomic_rmw32_xchg_u(m),
                (Some(_), MemSize::B8) => s.i64_atomic_rmw_xchg(m),
            };
            self.ins().br(1);
            self.close();
        }
        let a = self.l.addr;
        self.ins().local_get(CTX).local_get(a);
        self.get_raw(rx);
        match (op, ry) {
            (Some(o), _) => {
                self.ins().i32_const(encode_memop_rmw(mem, o) as i32);
                self.call(Import::Rmw);
            }
            (None, ry) => {
                if let Some(ry) = ry {
                    self.get_raw(ry);
                }
                self.ins().i32_const(encode_memop(mem) as i32);
                self.call(Import::Cmpxchg);
            }
        }
        self.fault_check(Handler::FaultW);
        if fast {
            self.close();
        }
        self.raw_to_value(ty, mem, true, false);
    }

    // ---- helpers ------------------------------------------------------------

    fn helper_call(&mut self, block: &Block, id: u32, dst: Option<Temp>, args: &[Value]) -> Result<(), JitError> {
        let Some(decl) = block.helper(id) else {
            return unsupported(format!("call to undeclared helper {id}"));
        };
        if args.len() != decl.args.len() || args.len() > MAX_HELPER_ARGS {
            return unsupported(format!("call to helper {id} with {} arguments", args.len()));
        }
        let effect = decl.effect;
        if effect == Effect::MayFault {
            self.materialize();
        }
        if effect >= Effect::ReadsState {
            self.store_globals();
        }
        for (i, (&v, &ty)) in args.iter().zip(&decl.args).enumerate() {
            self.ins().local_get(CTX);
            self.get(v, ty);
            if ty == Type::I32 {
                self.ins().i64_extend_i32_u();
            }
            self.ins().i64_store(memarg(u64::from(CTX_ARGS) + 8 * i as u64, 3));
        }
        if effect == Effect::MayFault {
            let w = self.l.w;
            self.ins().i32_const(id as i32).local_set(w);
        }
        self.ins().local_get(CTX).i32_const(id as i32).i32_const(args.len() as i32);
        self.call(Import::Helper);
        if effect == Effect::MayFault {
            self.fault_check(Handler::HelperFault);
        }
        let reload = effect >= Effect::WritesState;
        let ret = decl.ret.unwrap_or(Type::I64);
        match dst {
            None => {
                self.ins().drop();
            }
            Some(t @ Temp::Local(_)) => {
                if ret == Type::I32 {
                    self.ins().i32_wrap_i64();
                }
                self.set(t);
            }
            Some(t @ Temp::Global(_)) if reload => {
                let s = self.l.s64[0];
                self.ins().local_set(s);
                self.load_globals();
                self.ins().local_get(s);
                if ret == Type::I32 {
                    self.ins().i32_wrap_i64();
                }
                self.set(t);
                return Ok(());
            }
            Some(t) => {
                if ret == Type::I32 {
                    self.ins().i32_wrap_i64();
                }
                self.set(t);
            }
        }
        if reload {
            self.load_globals();
        }
        Ok(())
    }

    // ---- the module -----------------------------------------------------------

    fn module(self) -> Vec<u8> {
        let mut types = TypeSection::new();
        for i in &self.imports {
            let (p, r) = i.sig();
            types.ty().function(p.iter().copied(), r.iter().copied());
        }
        types.ty().function([ValType::I32, ValType::I32], [ValType::I32]);
        let mut imports = ImportSection::new();
        let mem = MemoryType {
            minimum: 0,
            maximum: if self.opt.shared_memory { Some(1 << 16) } else { None },
            memory64: false,
            shared: self.opt.shared_memory,
            page_size_log2: None,
        };
        imports.import(IMPORT_MODULE, MEMORY, EntityType::Memory(mem));
        if self.handlers.contains(&Handler::Link) {
            let table =
                TableType { element_type: RefType::FUNCREF, table64: false, minimum: 0, maximum: None, shared: false };
            imports.import(IMPORT_MODULE, REGIONS, EntityType::Table(table));
        }
        for (k, i) in self.imports.iter().enumerate() {
            imports.import(IMPORT_MODULE, i.name(), EntityType::Function(k as u32));
        }
        let n = self.imports.len() as u32;
        let mut funcs = FunctionSection::new();
        funcs.function(n);
        let mut exports = ExportSection::new();
        exports.export(RUN, ExportKind::Func, n);
        let mut code = CodeSection::new();
        code.function(&self.f);
        let mut module = Module::new();
        module.section(&types).section(&imports).section(&funcs).section(&exports).section(&code);
        module.finish()
    }
}

/// A raw store or atomic operand that can be emitted more than once.
#[derive(Clone, Copy)]
enum RawSrc {
    Value(Value),
    Const(u64),
    Local(u32),
}

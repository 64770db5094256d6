//! Random *valid* IR from unstructured bytes, for fuzz targets and property
//! tests (feature `arbitrary`).
//!
//! [`gen_case`] turns bytes into a [`Case`]: a block over the fixed
//! [`fuzz_globals`] layout plus an initial CPU state and guest memory. Every
//! generated block verifies and terminates: branches only go forward except
//! for counted loops whose counter nothing else writes. Memory accesses
//! mostly hit [`MEM_BASE`]`..+MEM_SIZE`, sometimes not (faults are part of
//! what the differential tests compare). [`FuzzHelpers`] is the
//! deterministic helper table the declared helpers refer to.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use arbitrary::{Result, Unstructured};

use crate::runtime::{FaultCode, Helpers};
use crate::{
    BinaryOp, Block, Builder, Cond, ConvOp, Effect, Endian, FenceKind, Globals, HelperDecl, Label, MemOp, MemSize,
    RmwOp, Temp, Type, UnaryOp, Value,
};

/// Guest address of the generated cases' memory.
pub const MEM_BASE: u64 = 0x1000;
/// Size of the generated cases' memory.
pub const MEM_SIZE: usize = 0x400;
/// Size of the CPU-state block: globals in the first 64 bytes, a scratch
/// area for `ld_state`/`st_state` after them.
pub const STATE_SIZE: usize = 128;
/// Where the non-global state area starts.
const SCRATCH_STATE: u32 = 64;

/// Helper ids declared by generated blocks.
pub const HELPER_MIX: u32 = 0;
pub const HELPER_READ: u32 = 1;
pub const HELPER_WRITE: u32 = 2;
pub const HELPER_CHECK: u32 = 3;

/// The globals of generated blocks: `g0`..`g5` (i64) then `w0`, `w1` (i32).
pub fn fuzz_globals() -> Arc<Globals> {
    let mut g = Globals::new();
    for i in 0..6u32 {
        let name = ["g0", "g1", "g2", "g3", "g4", "g5"][i as usize];
        g.add(name, Type::I64, i * 8);
    }
    g.add("w0", Type::I32, 48);
    g.add("w1", Type::I32, 52);
    Arc::new(g)
}

/// A generated test case.
#[derive(Clone, Debug)]
pub struct Case {
    pub block: Block,
    pub state: Vec<u8>,
    pub memory: Vec<u8>,
}

/// The helpers generated blocks call, with fixed deterministic meanings:
/// `mix(a, b)` (pure) hashes its arguments; `read(a)` (reads state) hashes
/// `a` with the first 64 state bytes; `write(a)` (writes state) stores `a`
/// into the state at offset 8 (global `g1`) and 64; `check(a)` (may fault)
/// fails with code `a & 0xff` when `a & 7 == 7`, else returns `a ^ 0x55`.
#[derive(Clone, Debug, Default)]
pub struct FuzzHelpers {
    /// Every call made, as `(id, args)`, for comparing executions.
    pub log: Vec<(u32, Vec<u64>)>,
}

fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(17)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (a >> 29)
}

impl<M: ?Sized> Helpers<M> for FuzzHelpers {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], _mem: &mut M) -> core::result::Result<u64, FaultCode> {
        let arg = |i: usize| args.get(i).copied().unwrap_or(0);
        if id != HELPER_MIX {
            self.log.push((id, args.to_vec()));
        }
        match id {
            HELPER_MIX => Ok(mix(arg(0), arg(1))),
            HELPER_READ => Ok(state.iter().take(64).fold(arg(0), |h, &b| mix(h, u64::from(b)))),
            HELPER_WRITE => {
                let bytes = arg(0).to_le_bytes();
                if let Some(s) = state.get_mut(8..16) {
                    s.copy_from_slice(&bytes);
                }
                if let Some(s) = state.get_mut(64..72) {
                    s.copy_from_slice(&bytes);
                }
                Ok(0)
            }
            HELPER_CHECK => {
                if arg(0) & 7 == 7 {
                    Err((arg(0) & 0xff) as u32)
                } else {
                    Ok(arg(0) ^ 0x55)
                }
            }
            _ => Err(0xdead),
        }
    }
}

const EDGES: [u64; 16] = [
    0,
    1,
    2,
    7,
    31,
    32,
    63,
    64,
    0x80,
    0xff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    b: Builder,
    /// Temps of each type that are defined (globals always are).
    temps: [Vec<Temp>; 2],
    /// Temps that must not be written (loop counters, addresses in use).
    frozen: Vec<Temp>,
    /// Forward branch targets still to place, innermost last, each with the
    /// number of temps of each type that were defined at its branch: only
    /// those are defined on every path once the label is placed.
    pending: Vec<(Label, [usize; 2])>,
    /// A new local chosen as the destination of the instruction being
    /// generated: usable as an operand only after that instruction.
    fresh: Option<(Type, Temp)>,
    pc: u64,
}

fn ty_index(ty: Type) -> usize {
    match ty {
        Type::I32 => 0,
        Type::I64 => 1,
    }
}

impl Gen<'_, '_> {
    fn ty(&mut self) -> Result<Type> {
        Ok(if self.u.ratio(1, 3)? { Type::I32 } else { Type::I64 })
    }

    fn constant(&mut self, ty: Type) -> Result<u64> {
        let v = if self.u.ratio(2, 3)? { *self.u.choose(&EDGES)? } else { self.u.arbitrary::<u64>()? };
        Ok(ty.canon(v))
    }

    fn value(&mut self, ty: Type) -> Result<Value> {
        if self.u.ratio(1, 4)? {
            return Ok(Value::Const(self.constant(ty)?));
        }
        let t = *self.u.choose(&self.temps[ty_index(ty)])?;
        Ok(Value::Temp(t))
    }

    fn dst(&mut self, ty: Type) -> Result<Temp> {
        let candidates: Vec<Temp> =
            self.temps[ty_index(ty)].iter().copied().filter(|t| !self.frozen.contains(t)).collect();
        if candidates.is_empty() || self.u.ratio(1, 3)? {
            let t = self.b.local(ty);
            self.fresh = Some((ty, t));
            return Ok(t);
        }
        Ok(*self.u.choose(&candidates)?)
    }

    /// An address, usually inside the case's memory.
    fn addr(&mut self, size: MemSize) -> Result<Value> {
        if self.u.ratio(1, 16)? {
            return self.value(Type::I64);
        }
        let src = self.value(Type::I64)?;
        let mask = if self.u.ratio(3, 4)? { (MEM_SIZE as u64 - 8) & !u64::from(size.bytes() - 1) } else { 0x3ff };
        let off = self.b.and(Type::I64, src, Value::Const(mask));
        let a = self.b.add(Type::I64, off.into(), Value::Const(MEM_BASE));
        Ok(a.into())
    }

    fn memop(&mut self, ty: Type, atomic: bool) -> Result<MemOp> {
        let sizes: &[MemSize] = if ty == Type::I32 { &[MemSize::B1, MemSize::B2, MemSize::B4] } else { MemSize::ALL };
        let size = *self.u.choose(sizes)?;
        let endian = if !atomic && self.u.ratio(1, 4)? { Endian::Big } else { Endian::Little };
        let align_log2 = if self.u.ratio(1, 3)? { size.log2() as u8 } else { 0 };
        Ok(MemOp { size, signed: self.u.arbitrary()?, endian, align_log2, mmu_idx: self.u.int_in_range(0..=2)? })
    }

    fn cond(&mut self) -> Result<Cond> {
        Ok(*self.u.choose(Cond::ALL)?)
    }

    /// One non-control instruction.
    fn simple(&mut self) -> Result<()> {
        self.simple_inner()?;
        if let Some((ty, t)) = self.fresh.take() {
            self.temps[ty_index(ty)].push(t);
        }
        Ok(())
    }

    fn simple_inner(&mut self) -> Result<()> {
        let ty = self.ty()?;
        match self.u.int_in_range(0..=17u8)? {
            0 => {
                let src = self.value(ty)?;
                let d = self.dst(ty)?;
                self.b.mov(ty, d, src);
            }
            1 | 2 => {
                let ops: Vec<UnaryOp> = UnaryOp::ALL
                    .iter()
                    .copied()
                    .filter(|op| ty == Type::I64 || !matches!(op, UnaryOp::Bswap64 | UnaryOp::Sext32 | UnaryOp::Zext32))
                    .collect();
                let op = *self.u.choose(&ops)?;
                let src = self.value(ty)?;
                let d = self.dst(ty)?;
                self.b.push(crate::Inst::Unary { op, ty, dst: d, src });
            }
            3..=6 => {
                let op = *self.u.choose(BinaryOp::ALL)?;
                let (a, b) = (self.value(ty)?, self.value(ty)?);
                let d = self.dst(ty)?;
                self.b.push(crate::Inst::Binary { op, ty, dst: d, a, b });
            }
            7 => {
                let op = *self.u.choose(ConvOp::ALL)?;
                let (from, to) = op.types();
                let src = self.value(from)?;
                let d = self.dst(to)?;
                self.b.push(crate::Inst::Convert { op, dst: d, src });
            }
            8 => {
                let bits = ty.bits() as u8;
                let pos = self.u.int_in_range(0..=bits - 1)?;
                let len = self.u.int_in_range(1..=bits - pos)?;
                let src = self.value(ty)?;
                let d = self.dst(ty)?;
                if self.u.arbitrary()? {
                    let field = self.value(ty)?;
                    self.b.push(crate::Inst::Deposit { ty, dst: d, base: src, field, pos, len });
                } else {
                    let signed = self.u.arbitrary()?;
                    self.b.push(crate::Inst::Extract { ty, signed, dst: d, src, pos, len });
                }
            }
            9 => {
                let cond = self.cond()?;
                let (a, b) = (self.value(ty)?, self.value(ty)?);
                let d = self.dst(ty)?;
                if self.u.arbitrary()? {
                    self.b.push(crate::Inst::SetCond { ty, cond, dst: d, a, b });
                } else {
                    let (t, f) = (self.value(ty)?, self.value(ty)?);
                    self.b.push(crate::Inst::MovCond { ty, cond, dst: d, a, b, if_true: t, if_false: f });
                }
            }
            10 => {
                let size = *self.u.choose(if ty == Type::I32 { &MemSize::ALL[..3] } else { MemSize::ALL })?;
                let slots = (STATE_SIZE as u32 - SCRATCH_STATE) / size.bytes();
                let offset = SCRATCH_STATE + self.u.int_in_range(0..=slots - 1)? * size.bytes();
                if self.u.arbitrary()? {
                    let signed = self.u.arbitrary()?;
                    let d = self.dst(ty)?;
                    self.b.push(crate::Inst::LoadState { ty, dst: d, offset, size, signed });
                } else {
                    let src = self.value(ty)?;
                    self.b.store_state(ty, src, offset, size);
                }
            }
            11 | 12 => {
                let mem = self.memop(ty, false)?;
                let addr = self.addr(mem.size)?;
                if self.u.arbitrary()? {
                    let d = self.dst(ty)?;
                    self.b.push(crate::Inst::Load { ty, dst: d, addr, mem });
                } else {
                    let src = self.value(ty)?;
                    self.b.store(ty, src, addr, mem);
                }
            }
            13 => {
                let mem = self.memop(ty, true)?;
                let addr = self.addr(mem.size)?;
                if self.u.arbitrary()? {
                    let op = *self.u.choose(RmwOp::ALL)?;
                    let src = self.value(ty)?;
                    let d = self.dst(ty)?;
                    self.b.push(crate::Inst::AtomicRmw { op, ty, dst: d, addr, src, mem });
                } else {
                    let (expected, new) = (self.value(ty)?, self.value(ty)?);
                    let d = self.dst(ty)?;
                    self.b.push(crate::Inst::AtomicCmpXchg { ty, dst: d, addr, expected, new, mem });
                }
            }
            14 => {
                let kind = FenceKind::from_bits(self.u.int_in_range(1..=15)?);
                self.b.fence(kind);
            }
            15 | 16 => {
                let id = self.u.int_in_range(0..=3)?;
                let a = self.value(Type::I64)?;
                let args = if id == HELPER_MIX { vec![a, self.value(Type::I64)?] } else { vec![a] };
                let dst = if id == HELPER_WRITE { None } else { Some(self.dst(Type::I64)?) };
                self.b.push(crate::Inst::Call { helper: id, dst, args });
            }
            _ => {
                self.pc += 4;
                self.b.insn_start(self.pc);
            }
        }
        Ok(())
    }

    fn exit(&mut self) -> Result<()> {
        match self.u.int_in_range(0..=3u8)? {
            0 => self.b.goto_tb(self.u.int_in_range(0..=1)?, self.pc + 4),
            1 => self.b.lookup_tb(),
            _ => self.b.exit_tb(self.u.int_in_range(0..=3)?),
        }
        Ok(())
    }

    /// Places the innermost pending label.
    fn place_label(&mut self) {
        if let Some((label, defined)) = self.pending.pop() {
            self.b.label(label);
            self.temps[0].truncate(defined[0]);
            self.temps[1].truncate(defined[1]);
        }
    }

    /// A counted loop: `n` iterations of a straight-line body.
    fn counted_loop(&mut self) -> Result<()> {
        let n = self.u.int_in_range(1..=4u64)?;
        let counter = self.b.copy(Type::I64, Value::Const(n));
        self.temps[1].push(counter);
        self.frozen.push(counter);
        let head = self.b.new_label();
        self.b.label(head);
        for _ in 0..self.u.int_in_range(1..=6)? {
            self.simple()?;
        }
        self.b.push(crate::Inst::Binary {
            op: BinaryOp::Sub,
            ty: Type::I64,
            dst: counter,
            a: counter.into(),
            b: Value::Const(1),
        });
        self.b.brcond(Type::I64, Cond::Ne, counter.into(), Value::Const(0), head);
        Ok(())
    }
}

fn helper_decls() -> [HelperDecl; 4] {
    use alloc::string::String;
    let d =
        |id, name: &str, args: Vec<Type>, ret, effect| HelperDecl { id, name: String::from(name), args, ret, effect };
    [
        d(HELPER_MIX, "mix", vec![Type::I64, Type::I64], Some(Type::I64), Effect::Pure),
        d(HELPER_READ, "read", vec![Type::I64], Some(Type::I64), Effect::ReadsState),
        d(HELPER_WRITE, "write", vec![Type::I64], None, Effect::WritesState),
        d(HELPER_CHECK, "check", vec![Type::I64], Some(Type::I64), Effect::MayFault),
    ]
}

/// Generates a valid block with its initial state and memory.
pub fn gen_case(u: &mut Unstructured<'_>) -> Result<Case> {
    let globals = fuzz_globals();
    let mut b = Builder::new(globals.clone());
    for h in helper_decls() {
        b.declare_helper(h);
    }
    let mut temps: [Vec<Temp>; 2] = [Vec::new(), Vec::new()];
    for (id, decl) in globals.iter() {
        temps[ty_index(decl.ty)].push(Temp::Global(id));
    }
    let mut g = Gen { u, b, temps, frozen: Vec::new(), pending: Vec::new(), fresh: None, pc: 0x1000 };
    g.b.insn_start(g.pc);
    let len = g.u.int_in_range(1..=48u32)?;
    for _ in 0..len {
        match g.u.int_in_range(0..=15u8)? {
            0 => {
                // Forward conditional branch to a label placed later.
                let label = g.b.new_label();
                let ty = g.ty()?;
                let cond = g.cond()?;
                let (a, bv) = (g.value(ty)?, g.value(ty)?);
                g.b.brcond(ty, cond, a, bv, label);
                g.pending.push((label, [g.temps[0].len(), g.temps[1].len()]));
            }
            1 if !g.pending.is_empty() => g.place_label(),
            2 if !g.pending.is_empty() && g.u.ratio(1, 3)? => {
                // An early exit, then a pending label so the rest stays reachable.
                g.exit()?;
                g.place_label();
            }
            3 if g.frozen.len() < 2 && g.pending.is_empty() => g.counted_loop()?,
            _ => g.simple()?,
        }
    }
    while !g.pending.is_empty() {
        g.place_label();
    }
    g.exit()?;
    let block = g.b.finish();
    let mut state = vec![0u8; STATE_SIZE];
    let mut memory = vec![0u8; MEM_SIZE];
    g.u.fill_buffer(&mut state)?;
    g.u.fill_buffer(&mut memory)?;
    Ok(Case { block, state, memory })
}

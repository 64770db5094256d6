//! A builder API for frontends: allocate temps and labels and append
//! instructions without spelling out [`Inst`] literals.
//!
//! ```
//! use std::sync::Arc;
//! use wemu_ir::{Builder, Globals, Type, Cond, Value};
//!
//! let mut globals = Globals::new();
//! let x1 = globals.add("x1", Type::I64, 8);
//! let mut b = Builder::new(Arc::new(globals));
//! let x1 = b.global(x1);
//! b.insn_start(0x8000_0000);
//! let t = b.add(Type::I64, x1.into(), Value::Const(16));
//! b.mov(Type::I64, x1, t.into());
//! b.goto_tb(0, 0x8000_0004);
//! let block = b.finish();
//! wemu_ir::verify(&block).unwrap();
//! ```

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::{
    BinaryOp, Block, Cond, ConvOp, FenceKind, GlobalId, Globals, HelperDecl, Inst, Label, MemOp, MemSize, RmwOp, Temp,
    Type, UnaryOp, Value,
};

/// Builds one [`Block`].
#[derive(Debug)]
pub struct Builder {
    block: Block,
}

macro_rules! binary_ops {
    ($($name:ident => $op:ident,)*) => {$(
        #[doc = concat!("`dst = a ", stringify!($name), " b` into a new local.")]
        pub fn $name(&mut self, ty: Type, a: Value, b: Value) -> Temp {
            self.binary(BinaryOp::$op, ty, a, b)
        }
    )*};
}

macro_rules! unary_ops {
    ($($name:ident => $op:ident,)*) => {$(
        #[doc = concat!("`dst = ", stringify!($name), " src` into a new local.")]
        pub fn $name(&mut self, ty: Type, src: Value) -> Temp {
            self.unary(UnaryOp::$op, ty, src)
        }
    )*};
}

impl Builder {
    /// Starts a block over a frontend's globals.
    pub fn new(globals: Arc<Globals>) -> Builder {
        Builder { block: Block::new(globals) }
    }

    /// The block built so far.
    pub fn block(&self) -> &Block {
        &self.block
    }

    /// Finishes building.
    pub fn finish(self) -> Block {
        self.block
    }

    /// The temp naming global `g`.
    pub fn global(&self, g: GlobalId) -> Temp {
        Temp::Global(g)
    }

    /// A new local of type `ty`.
    pub fn local(&mut self, ty: Type) -> Temp {
        self.block.new_local(ty)
    }

    /// A new, unplaced label.
    pub fn new_label(&mut self) -> Label {
        self.block.new_label()
    }

    /// Declares a helper the block may call.
    pub fn declare_helper(&mut self, decl: HelperDecl) {
        self.block.declare_helper(decl)
    }

    /// Appends a raw instruction.
    pub fn push(&mut self, inst: Inst) {
        self.block.insts.push(inst)
    }

    fn fresh(&mut self, ty: Type, f: impl FnOnce(Temp) -> Inst) -> Temp {
        let dst = self.block.new_local(ty);
        self.push(f(dst));
        dst
    }

    /// `dst = src` (into an existing temp: this is how globals are written).
    pub fn mov(&mut self, ty: Type, dst: Temp, src: Value) {
        self.push(Inst::Mov { ty, dst, src })
    }

    /// A new local holding `src`.
    pub fn copy(&mut self, ty: Type, src: Value) -> Temp {
        self.fresh(ty, |dst| Inst::Mov { ty, dst, src })
    }

    /// `op src` into a new local.
    pub fn unary(&mut self, op: UnaryOp, ty: Type, src: Value) -> Temp {
        self.fresh(ty, |dst| Inst::Unary { op, ty, dst, src })
    }

    /// `a op b` into a new local.
    pub fn binary(&mut self, op: BinaryOp, ty: Type, a: Value, b: Value) -> Temp {
        self.fresh(ty, |dst| Inst::Binary { op, ty, dst, a, b })
    }

    binary_ops! {
        add => Add, sub => Sub, and => And, or => Or, xor => Xor, andc => Andc, orc => Orc,
        shl => Shl, shr => Shr, sar => Sar, rotl => Rotl, rotr => Rotr,
        mul => Mul, mulhs => Mulhs, mulhu => Mulhu, mulhsu => Mulhsu,
        divs => Divs, divu => Divu, rems => Rems, remu => Remu,
    }

    unary_ops! {
        neg => Neg, not => Not, clz => Clz, ctz => Ctz, popcnt => Popcnt,
        bswap16 => Bswap16, bswap32 => Bswap32, bswap64 => Bswap64,
        sext8 => Sext8, sext16 => Sext16, sext32 => Sext32,
        zext8 => Zext8, zext16 => Zext16, zext32 => Zext32,
    }

    /// A conversion between i32 and i64 into a new local.
    pub fn convert(&mut self, op: ConvOp, src: Value) -> Temp {
        let ty = op.types().1;
        self.fresh(ty, |dst| Inst::Convert { op, dst, src })
    }

    /// Bit-field extract into a new local.
    pub fn extract(&mut self, ty: Type, signed: bool, src: Value, pos: u8, len: u8) -> Temp {
        self.fresh(ty, |dst| Inst::Extract { ty, signed, dst, src, pos, len })
    }

    /// Bit-field deposit into a new local.
    pub fn deposit(&mut self, ty: Type, base: Value, field: Value, pos: u8, len: u8) -> Temp {
        self.fresh(ty, |dst| Inst::Deposit { ty, dst, base, field, pos, len })
    }

    /// `(a cond b) ? 1 : 0` into a new local.
    pub fn setcond(&mut self, ty: Type, cond: Cond, a: Value, b: Value) -> Temp {
        self.fresh(ty, |dst| Inst::SetCond { ty, cond, dst, a, b })
    }

    /// `(a cond b) ? if_true : if_false` into a new local.
    pub fn movcond(&mut self, ty: Type, cond: Cond, a: Value, b: Value, if_true: Value, if_false: Value) -> Temp {
        self.fresh(ty, |dst| Inst::MovCond { ty, cond, dst, a, b, if_true, if_false })
    }

    /// Loads a non-global CPU-state field into a new local.
    pub fn load_state(&mut self, ty: Type, offset: u32, size: MemSize, signed: bool) -> Temp {
        self.fresh(ty, |dst| Inst::LoadState { ty, dst, offset, size, signed })
    }

    /// Stores to a non-global CPU-state field.
    pub fn store_state(&mut self, ty: Type, src: Value, offset: u32, size: MemSize) {
        self.push(Inst::StoreState { ty, src, offset, size })
    }

    /// Guest memory load into a new local.
    pub fn load(&mut self, ty: Type, addr: Value, mem: MemOp) -> Temp {
        self.fresh(ty, |dst| Inst::Load { ty, dst, addr, mem })
    }

    /// Guest memory store.
    pub fn store(&mut self, ty: Type, src: Value, addr: Value, mem: MemOp) {
        self.push(Inst::Store { ty, src, addr, mem })
    }

    /// Atomic read-modify-write; returns the old value in a new local.
    pub fn atomic_rmw(&mut self, op: RmwOp, ty: Type, addr: Value, src: Value, mem: MemOp) -> Temp {
        self.fresh(ty, |dst| Inst::AtomicRmw { op, ty, dst, addr, src, mem })
    }

    /// Atomic compare-and-exchange; returns the old value in a new local.
    pub fn atomic_cmpxchg(&mut self, ty: Type, addr: Value, expected: Value, new: Value, mem: MemOp) -> Temp {
        self.fresh(ty, |dst| Inst::AtomicCmpXchg { ty, dst, addr, expected, new, mem })
    }

    /// Memory barrier.
    pub fn fence(&mut self, kind: FenceKind) {
        self.push(Inst::Fence { kind })
    }

    /// Calls a declared helper; the result, if the helper has one, goes to a
    /// new local.
    pub fn call(&mut self, helper: u32, args: Vec<Value>) -> Option<Temp> {
        let ret = self.block.helper(helper).and_then(|h| h.ret);
        let dst = ret.map(|ty| self.block.new_local(ty));
        self.push(Inst::Call { helper, dst, args });
        dst
    }

    /// Marks the start of the guest instruction at `pc`.
    pub fn insn_start(&mut self, pc: u64) {
        self.push(Inst::InsnStart { pc })
    }

    /// Places `label` here.
    pub fn label(&mut self, label: Label) {
        self.push(Inst::Label(label))
    }

    /// Unconditional branch.
    pub fn br(&mut self, target: Label) {
        self.push(Inst::Br { target })
    }

    /// Conditional branch.
    pub fn brcond(&mut self, ty: Type, cond: Cond, a: Value, b: Value, target: Label) {
        self.push(Inst::BrCond { ty, cond, a, b, target })
    }

    /// Leaves to static successor `slot` at guest `pc`.
    pub fn goto_tb(&mut self, slot: u8, pc: u64) {
        self.push(Inst::GotoTb { slot, pc })
    }

    /// Leaves through the PC held in the CPU state.
    pub fn lookup_tb(&mut self) {
        self.push(Inst::LookupTb)
    }

    /// Leaves with a status for the vCPU loop.
    pub fn exit_tb(&mut self, status: u32) {
        self.push(Inst::ExitTb { status })
    }
}

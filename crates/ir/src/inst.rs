//! Instructions of the IR.

use alloc::vec::Vec;

use crate::{BinaryOp, Cond, ConvOp, FenceKind, Label, MemOp, MemSize, RmwOp, Temp, Type, UnaryOp, Value};

/// One match for both the shared and the mutable operand visitor: match
/// ergonomics give `&Value` or `&mut Value` bindings from the same arms.
macro_rules! visit_uses {
    ($inst:expr, $f:expr) => {{
        let mut f = $f;
        match $inst {
            Inst::Mov { src, .. } | Inst::Unary { src, .. } | Inst::Convert { src, .. } => f(src),
            Inst::Extract { src, .. } | Inst::StoreState { src, .. } => f(src),
            Inst::Load { addr, .. } => f(addr),
            Inst::Binary { a, b, .. } | Inst::SetCond { a, b, .. } | Inst::BrCond { a, b, .. } => {
                f(a);
                f(b)
            }
            Inst::Deposit { base, field, .. } => {
                f(base);
                f(field)
            }
            Inst::MovCond { a, b, if_true, if_false, .. } => {
                f(a);
                f(b);
                f(if_true);
                f(if_false)
            }
            Inst::Store { src, addr, .. } => {
                f(addr);
                f(src)
            }
            Inst::AtomicRmw { addr, src, .. } => {
                f(addr);
                f(src)
            }
            Inst::AtomicCmpXchg { addr, expected, new, .. } => {
                f(addr);
                f(expected);
                f(new)
            }
            Inst::Call { args, .. } => {
                for a in args {
                    f(a)
                }
            }
            Inst::LoadState { .. }
            | Inst::Fence { .. }
            | Inst::InsnStart { .. }
            | Inst::Label(_)
            | Inst::Br { .. }
            | Inst::GotoTb { .. }
            | Inst::LookupTb
            | Inst::ExitTb { .. } => {}
        }
    }};
}

/// One match for `def` and `def_mut` (see `visit_uses`).
macro_rules! visit_def {
    ($inst:expr, $call_dst:expr) => {
        match $inst {
            Inst::Mov { dst, .. }
            | Inst::Unary { dst, .. }
            | Inst::Binary { dst, .. }
            | Inst::Convert { dst, .. }
            | Inst::Extract { dst, .. }
            | Inst::Deposit { dst, .. }
            | Inst::SetCond { dst, .. }
            | Inst::MovCond { dst, .. }
            | Inst::LoadState { dst, .. }
            | Inst::Load { dst, .. }
            | Inst::AtomicRmw { dst, .. }
            | Inst::AtomicCmpXchg { dst, .. } => Some(dst),
            Inst::Call { dst, .. } => $call_dst(dst),
            _ => None,
        }
    };
}

/// One IR instruction. Every instruction that produces a value writes it to
/// `dst`; operands are [`Value`]s (temps or constants).
///
/// Block structure: a block is a flat list of instructions; `Label`
/// instructions mark branch targets. `GotoTb`, `LookupTb` and `ExitTb`
/// leave the block; the verifier requires that control never falls off the
/// end.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Inst {
    /// `dst = src`
    Mov { ty: Type, dst: Temp, src: Value },
    /// `dst = op src`
    Unary { op: UnaryOp, ty: Type, dst: Temp, src: Value },
    /// `dst = a op b`
    Binary { op: BinaryOp, ty: Type, dst: Temp, a: Value, b: Value },
    /// `dst = conv src`, between i32 and i64.
    Convert { op: ConvOp, dst: Temp, src: Value },
    /// `dst = src[pos .. pos+len]`, zero- or sign-extended.
    /// `1 <= len` and `pos + len <= width`.
    Extract { ty: Type, signed: bool, dst: Temp, src: Value, pos: u8, len: u8 },
    /// `dst = base` with bits `pos .. pos+len` replaced by the low `len` bits
    /// of `field`. `1 <= len` and `pos + len <= width`.
    Deposit { ty: Type, dst: Temp, base: Value, field: Value, pos: u8, len: u8 },
    /// `dst = (a cond b) ? 1 : 0`
    SetCond { ty: Type, cond: Cond, dst: Temp, a: Value, b: Value },
    /// `dst = (a cond b) ? if_true : if_false`; compare and result share `ty`.
    MovCond { ty: Type, cond: Cond, dst: Temp, a: Value, b: Value, if_true: Value, if_false: Value },
    /// Loads a CPU-state field that is not a declared global (a CSR, say):
    /// `size` bytes at `offset`, extended to `ty` as `signed` says.
    LoadState { ty: Type, dst: Temp, offset: u32, size: MemSize, signed: bool },
    /// Stores the low `size` bytes of `src` to the state at `offset`.
    StoreState { ty: Type, src: Value, offset: u32, size: MemSize },
    /// Guest memory load from the i64 address `addr`.
    Load { ty: Type, dst: Temp, addr: Value, mem: MemOp },
    /// Guest memory store of the low bytes of `src` to the i64 address `addr`.
    Store { ty: Type, src: Value, addr: Value, mem: MemOp },
    /// Atomic read-modify-write; `dst` receives the old value.
    AtomicRmw { op: RmwOp, ty: Type, dst: Temp, addr: Value, src: Value, mem: MemOp },
    /// Atomic compare-and-exchange; `dst` receives the old value, and memory
    /// is written with `new` only if the old value equals `expected`
    /// (compared at the access size).
    AtomicCmpXchg { ty: Type, dst: Temp, addr: Value, expected: Value, new: Value, mem: MemOp },
    /// Memory barrier.
    Fence { kind: FenceKind },
    /// Call helper `helper` (declared in the block) with `args`.
    Call { helper: u32, dst: Option<Temp>, args: Vec<Value> },
    /// Start of the guest instruction at `pc`. Faults report the last one.
    InsnStart { pc: u64 },
    /// A branch target.
    Label(Label),
    /// Unconditional branch.
    Br { target: Label },
    /// Branch if `a cond b`.
    BrCond { ty: Type, cond: Cond, a: Value, b: Value, target: Label },
    /// Leave the block to its static successor number `slot` (0 or 1), the
    /// guest code at `pc`; the executor may chain to it directly.
    GotoTb { slot: u8, pc: u64 },
    /// Leave the block and continue at the PC held in the CPU state (an
    /// indirect jump): the executor looks the next block up.
    LookupTb,
    /// Leave the block with a status for the vCPU loop (exception, halt...).
    ExitTb { status: u32 },
}

impl Inst {
    /// The temp this instruction writes, if any.
    pub fn def(&self) -> Option<Temp> {
        visit_def!(self, Option::as_ref).copied()
    }

    /// The temp this instruction writes, for rewriting.
    pub fn def_mut(&mut self) -> Option<&mut Temp> {
        visit_def!(self, Option::as_mut)
    }

    /// The value operands, in text order.
    pub fn uses(&self) -> Vec<Value> {
        let mut v = Vec::new();
        self.for_each_use(|x| v.push(x));
        v
    }

    /// Calls `f` on each value operand, in text order.
    pub fn for_each_use(&self, mut f: impl FnMut(Value)) {
        visit_uses!(self, |x: &Value| f(*x));
    }

    /// Calls `f` on each value operand, in text order, allowing rewrites.
    pub fn for_each_use_mut(&mut self, mut f: impl FnMut(&mut Value)) {
        visit_uses!(self, |x: &mut Value| f(x));
    }

    /// Whether control never continues to the next instruction.
    pub const fn is_terminator(&self) -> bool {
        matches!(self, Inst::Br { .. } | Inst::GotoTb { .. } | Inst::LookupTb | Inst::ExitTb { .. })
    }

    /// Whether this leaves the block.
    pub const fn is_exit(&self) -> bool {
        matches!(self, Inst::GotoTb { .. } | Inst::LookupTb | Inst::ExitTb { .. })
    }

    /// The label this instruction may branch to.
    pub const fn branch_target(&self) -> Option<Label> {
        match *self {
            Inst::Br { target } | Inst::BrCond { target, .. } => Some(target),
            _ => None,
        }
    }

    /// Whether removing this instruction (when its result is unused) could
    /// change behaviour: memory and state accesses, calls that are not pure,
    /// control flow and markers. Loads count because they may fault.
    pub fn has_side_effects(&self, block: &crate::Block) -> bool {
        match self {
            Inst::Mov { .. }
            | Inst::Unary { .. }
            | Inst::Binary { .. }
            | Inst::Convert { .. }
            | Inst::Extract { .. }
            | Inst::Deposit { .. }
            | Inst::SetCond { .. }
            | Inst::MovCond { .. }
            | Inst::LoadState { .. } => false,
            Inst::Call { helper, .. } => block.helper(*helper).is_none_or(|h| h.effect != crate::Effect::Pure),
            _ => true,
        }
    }
}

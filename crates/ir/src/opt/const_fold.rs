//! Constant propagation and folding.
//!
//! A forward dataflow over the control-flow graph finds, at every
//! instruction, the temps that hold a known constant on every path that
//! reaches it (locals are not SSA and blocks may loop, so a value is only
//! known after a join if every predecessor agrees). What is known about a
//! global is forgotten at labels and at helper calls that may write the
//! state. Then every operand with a known value becomes a constant, and an
//! instruction whose result is fully determined (by [`crate::semantics`]
//! or by an exact identity such as `x + 0` or `x - x`) becomes a `mov` (or
//! `neg`/`not` for `0 - x`, `x ^ -1` and friends). A constant left operand
//! of a commutative op or a comparison moves to the right.

use alloc::vec::Vec;

use super::{Optimizer, Slots, writes_state};
use crate::semantics;
use crate::{BinaryOp, Block, Cond, HelperDecl, Inst, Temp, Type, UnaryOp, Value};

/// The dataflow buffers, kept by [`Optimizer`].
#[derive(Default)]
pub(super) struct Scratch {
    /// `ins[b * S .. (b + 1) * S]`: the state on entry to basic block `b`
    /// (`S` slots), valid where `reached[b]`.
    ins: Vec<Lat>,
    reached: Vec<bool>,
    dirty: Vec<bool>,
    /// The state while stepping through one basic block.
    vals: Vec<Lat>,
}

/// What is known about a temp at one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lat {
    /// Not assigned on any path seen so far (locals at the entry).
    Undef,
    Const(u64),
    /// Not a single known constant.
    Varying,
}

impl Lat {
    fn meet(self, other: Lat) -> Lat {
        match (self, other) {
            (Lat::Undef, x) | (x, Lat::Undef) => x,
            (Lat::Const(a), Lat::Const(b)) if a == b => Lat::Const(a),
            _ => Lat::Varying,
        }
    }
}

/// The simpler equivalent of an instruction's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fold {
    /// No simplification.
    None,
    /// The result is this constant (canonical for the result type).
    Const(u64),
    /// The result is this operand.
    Copy(Value),
    /// The result is a unary op of this operand.
    Unary(UnaryOp, Value),
}

/// Whether `a cond b` is known, given the operands (constants already
/// substituted). Exact for every input.
pub(super) fn decide(cond: Cond, ty: Type, a: Value, b: Value) -> Option<bool> {
    if let (Value::Const(x), Value::Const(y)) = (a, b) {
        return Some(semantics::cond(cond, ty, x, y));
    }
    if a == b {
        // Reflexive or irreflexive, whatever the value.
        return Some(semantics::cond(cond, ty, 0, 0));
    }
    match (cond, a, b) {
        // Nothing is unsigned-below zero, everything is at least zero.
        (Cond::Ltu, _, Value::Const(0)) | (Cond::Gtu, Value::Const(0), _) => Some(false),
        (Cond::Geu, _, Value::Const(0)) | (Cond::Leu, Value::Const(0), _) => Some(true),
        _ => None,
    }
}

/// Simplifies `a op b` of type `ty` (constants already substituted).
pub(super) fn fold_binary(op: BinaryOp, ty: Type, a: Value, b: Value) -> Fold {
    use BinaryOp::*;
    let (ka, kb) = (a.as_const(), b.as_const());
    if let (Some(x), Some(y)) = (ka, kb) {
        return Fold::Const(semantics::binary(op, ty, x, y));
    }
    let ones = ty.mask();
    let bits = u64::from(ty.bits());
    let same = a == b;
    let is = |k: Option<u64>, v: u64| k == Some(v);
    match op {
        Add if is(kb, 0) => Fold::Copy(a),
        Add if is(ka, 0) => Fold::Copy(b),
        Sub if is(kb, 0) => Fold::Copy(a),
        Sub if same => Fold::Const(0),
        Sub if is(ka, 0) => Fold::Unary(UnaryOp::Neg, b),
        And if is(ka, 0) || is(kb, 0) => Fold::Const(0),
        And if is(kb, ones) || same => Fold::Copy(a),
        And if is(ka, ones) => Fold::Copy(b),
        Or if is(ka, ones) || is(kb, ones) => Fold::Const(ones),
        Or if is(kb, 0) || same => Fold::Copy(a),
        Or if is(ka, 0) => Fold::Copy(b),
        Xor if same => Fold::Const(0),
        Xor if is(kb, 0) => Fold::Copy(a),
        Xor if is(ka, 0) => Fold::Copy(b),
        Xor if is(kb, ones) => Fold::Unary(UnaryOp::Not, a),
        Xor if is(ka, ones) => Fold::Unary(UnaryOp::Not, b),
        Andc if is(kb, 0) => Fold::Copy(a),
        Andc if is(ka, 0) || is(kb, ones) || same => Fold::Const(0),
        Andc if is(ka, ones) => Fold::Unary(UnaryOp::Not, b),
        Orc if is(kb, ones) => Fold::Copy(a),
        Orc if is(ka, ones) || is(kb, 0) || same => Fold::Const(ones),
        Orc if is(ka, 0) => Fold::Unary(UnaryOp::Not, b),
        Shl | Shr | Sar | Rotl | Rotr if kb.is_some_and(|k| k % bits == 0) => Fold::Copy(a),
        Shl | Shr | Sar | Rotl | Rotr if is(ka, 0) => Fold::Const(0),
        Sar | Rotl | Rotr if is(ka, ones) => Fold::Const(ones),
        Mul | Mulhs | Mulhu | Mulhsu if is(ka, 0) || is(kb, 0) => Fold::Const(0),
        Mul if is(kb, 1) => Fold::Copy(a),
        Mul if is(ka, 1) => Fold::Copy(b),
        Mul if is(kb, ones) => Fold::Unary(UnaryOp::Neg, a),
        Mul if is(ka, ones) => Fold::Unary(UnaryOp::Neg, b),
        // The high half of x * 1 (x unsigned) is zero.
        Mulhu if is(ka, 1) || is(kb, 1) => Fold::Const(0),
        Mulhsu if is(ka, 1) => Fold::Const(0),
        Divs | Divu if is(kb, 1) => Fold::Copy(a),
        Divs | Divu if is(kb, 0) => Fold::Const(ones),
        // MIN / -1 = MIN = -MIN.
        Divs if is(kb, ones) => Fold::Unary(UnaryOp::Neg, a),
        Rems | Remu if is(kb, 0) => Fold::Copy(a),
        Rems | Remu if is(kb, 1) || same => Fold::Const(0),
        Rems if is(kb, ones) => Fold::Const(0),
        Rems | Remu if is(ka, 0) => Fold::Const(0),
        _ => Fold::None,
    }
}

/// Simplifies a value-computing instruction whose operands went through
/// `sub` (which substitutes known constants). Instructions with side
/// effects, and those whose result no simplification determines, give
/// [`Fold::None`].
pub(super) fn fold_inst(inst: &Inst, sub: impl Fn(Value) -> Value) -> Fold {
    match *inst {
        Inst::Mov { src, .. } => Fold::Copy(sub(src)),
        Inst::Unary { op, ty, src, .. } => match sub(src) {
            Value::Const(c) => Fold::Const(semantics::unary(op, ty, c)),
            Value::Temp(_) => Fold::None,
        },
        Inst::Binary { op, ty, a, b, .. } => fold_binary(op, ty, sub(a), sub(b)),
        Inst::Convert { op, src, .. } => match sub(src) {
            Value::Const(c) => Fold::Const(semantics::convert(op, c)),
            Value::Temp(_) => Fold::None,
        },
        Inst::Extract { ty, signed, src, pos, len, .. } => match sub(src) {
            Value::Const(c) => Fold::Const(semantics::extract(ty, signed, c, pos.into(), len.into())),
            s if pos == 0 && u32::from(len) == ty.bits() => Fold::Copy(s),
            _ => Fold::None,
        },
        Inst::Deposit { ty, base, field, pos, len, .. } => match (sub(base), sub(field)) {
            (Value::Const(b), Value::Const(f)) => Fold::Const(semantics::deposit(ty, b, f, pos.into(), len.into())),
            (_, f) if pos == 0 && u32::from(len) == ty.bits() => Fold::Copy(f),
            _ => Fold::None,
        },
        Inst::SetCond { ty, cond, a, b, .. } => match decide(cond, ty, sub(a), sub(b)) {
            Some(r) => Fold::Const(u64::from(r)),
            None => Fold::None,
        },
        Inst::MovCond { ty, cond, a, b, if_true, if_false, .. } => {
            let (t, f) = (sub(if_true), sub(if_false));
            match decide(cond, ty, sub(a), sub(b)) {
                Some(true) => Fold::Copy(t),
                Some(false) => Fold::Copy(f),
                None if t == f => Fold::Copy(t),
                None => Fold::None,
            }
        }
        _ => Fold::None,
    }
}

/// The type of the value `inst` computes (for value-computing ops).
fn result_type(inst: &Inst) -> Option<Type> {
    match *inst {
        Inst::Mov { ty, .. }
        | Inst::Unary { ty, .. }
        | Inst::Binary { ty, .. }
        | Inst::Extract { ty, .. }
        | Inst::Deposit { ty, .. }
        | Inst::SetCond { ty, .. }
        | Inst::MovCond { ty, .. } => Some(ty),
        Inst::Convert { op, .. } => Some(op.types().1),
        _ => None,
    }
}

/// The dataflow state: a [`Lat`] per slot.
struct State<'a> {
    slots: &'a Slots,
    vals: &'a mut [Lat],
}

impl State<'_> {
    fn get(&self, t: Temp) -> Lat {
        self.slots.of(t).and_then(|s| self.vals.get(s).copied()).unwrap_or(Lat::Varying)
    }

    /// `v` with a known constant substituted for a temp.
    fn sub(&self, v: Value) -> Value {
        match v {
            Value::Temp(t) => match self.get(t) {
                Lat::Const(c) => Value::Const(c),
                _ => v,
            },
            c => c,
        }
    }

    fn set(&mut self, t: Temp, v: Lat) {
        if let Some(s) = self.slots.of(t) {
            for &a in self.slots.aliases_of(s) {
                self.vals[a] = Lat::Varying;
            }
            self.vals[s] = v;
        }
    }

    fn forget_globals(&mut self) {
        for s in self.slots.globals() {
            self.vals[s] = Lat::Varying;
        }
    }

    /// Applies the effect of `inst` (as it would be after folding).
    fn step(&mut self, helpers: &[HelperDecl], inst: &Inst) {
        match inst {
            Inst::Label(_) => self.forget_globals(),
            _ if writes_state(helpers, inst) => self.forget_globals(),
            _ => {}
        }
        let Some(dst) = inst.def() else { return };
        let v = match fold_inst(inst, |v| self.sub(v)) {
            Fold::Const(c) => Lat::Const(c),
            Fold::Copy(Value::Const(c)) => Lat::Const(c),
            Fold::Copy(Value::Temp(t)) => self.get(t),
            Fold::Unary(..) | Fold::None => Lat::Varying,
        };
        self.set(dst, v);
    }
}

/// Rewrites `inst` given the dataflow state before it; returns whether it
/// changed.
fn rewrite(state: &State<'_>, inst: &mut Inst) -> bool {
    let fold = fold_inst(inst, |v| state.sub(v));
    let new = match (fold, inst.def(), result_type(inst)) {
        (Fold::Const(c), Some(dst), Some(ty)) => Some(Inst::Mov { ty, dst, src: Value::Const(c) }),
        (Fold::Copy(src), Some(dst), Some(ty)) => Some(Inst::Mov { ty, dst, src }),
        (Fold::Unary(op, src), Some(dst), Some(ty)) => Some(Inst::Unary { op, ty, dst, src }),
        _ => None,
    };
    match new {
        Some(new) if new != *inst => {
            *inst = new;
            true
        }
        Some(_) => false,
        None => {
            let mut changed = false;
            inst.for_each_use_mut(|v| {
                let s = state.sub(*v);
                if s != *v {
                    *v = s;
                    changed = true;
                }
            });
            changed | canonicalize(inst)
        }
    }
}

/// Puts a constant operand of a commutative op or a comparison on the
/// right (`add 1, x` -> `add x, 1`, `lt 0, x` -> `gt x, 0`), the form
/// executors and later folds expect.
fn canonicalize(inst: &mut Inst) -> bool {
    match inst {
        Inst::Binary { op, a, b, .. } if op.is_commutative() && a.as_const().is_some() && b.as_temp().is_some() => {
            core::mem::swap(a, b);
            true
        }
        Inst::SetCond { cond, a, b, .. } | Inst::MovCond { cond, a, b, .. } | Inst::BrCond { cond, a, b, .. }
            if a.as_const().is_some() && b.as_temp().is_some() =>
        {
            core::mem::swap(a, b);
            *cond = cond.swap();
            true
        }
        _ => false,
    }
}

/// Constant propagation and folding; see the [`opt`](super) module docs. Also
/// decides `brcond`s whose outcome is known (see
/// [`super::simplify_branches`]).
pub fn const_fold(block: &mut Block) -> bool {
    run(&mut Optimizer::new(), block)
}

/// [`const_fold`] with the optimizer's buffers.
pub(super) fn run(opt: &mut Optimizer, block: &mut Block) -> bool {
    let Optimizer { slots, flow: cfg, const_fold: scratch, .. } = opt;
    slots.rebuild(block);
    let slots = &*slots;
    let Scratch { ins, reached, dirty, vals } = scratch;
    cfg.build(&block.insts, block.num_labels);
    cfg.compute_order();
    let cfg = &*cfg;
    let n = cfg.len();
    let w = slots.len();
    let mut changed = false;
    if n > 0 {
        ins.clear();
        ins.resize(n * w, Lat::Undef);
        for s in slots.globals() {
            ins[s] = Lat::Varying;
        }
        reached.clear();
        reached.resize(n, false);
        reached[0] = true;
        dirty.clear();
        dirty.resize(n, false);
        dirty[0] = true;
        // Each value only descends Undef -> Const -> Varying, so this ends.
        while dirty.contains(&true) {
            for &b in &cfg.order {
                if !core::mem::take(&mut dirty[b]) || !reached[b] {
                    continue;
                }
                vals.clear();
                vals.extend_from_slice(&ins[b * w..(b + 1) * w]);
                let mut st = State { slots, vals };
                let (s, e) = cfg.ranges[b];
                for inst in &block.insts[s..e] {
                    st.step(&block.helpers, inst);
                }
                for &succ in cfg.succs(b) {
                    let old = &mut ins[succ * w..(succ + 1) * w];
                    if !reached[succ] {
                        reached[succ] = true;
                        old.copy_from_slice(st.vals);
                        dirty[succ] = true;
                        continue;
                    }
                    for (o, &v) in old.iter_mut().zip(st.vals.iter()) {
                        let m = o.meet(v);
                        if m != *o {
                            *o = m;
                            dirty[succ] = true;
                        }
                    }
                }
            }
        }
        // Rewrite each reachable basic block from its entry state.
        for b in 0..n {
            if !reached[b] {
                continue;
            }
            let mut st = State { slots, vals: &mut ins[b * w..(b + 1) * w] };
            let (s, e) = cfg.ranges[b];
            for i in s..e {
                let inst = &mut block.insts[i];
                changed |= rewrite(&st, inst);
                st.step(&block.helpers, &block.insts[i]);
            }
        }
    }
    changed | super::simplify_branches::fold_branches(block)
}

//! Copy propagation.
//!
//! After `t = mov x`, a later read of `t` may read `x` instead as long as
//! neither has been written since. Copies are tracked through straight-line
//! code only: everything is forgotten at labels and after terminators.
//! Copies that involve a global are also forgotten at helper calls that may
//! write the state, and a write to a global forgets the globals sharing its
//! bytes. A `mov` that writes the value its destination is known to hold
//! already (`x = mov x`, or `t = mov x` again) is deleted.

use alloc::vec::Vec;

use super::{Optimizer, Slot, Slots, reset_keep, retain_insts, writes_state};
use crate::{Block, Inst, Temp, Value};

/// The buffers of [`Copies`], kept by [`Optimizer`].
#[derive(Default)]
pub(super) struct Scratch {
    of: Vec<Option<Value>>,
    active: Vec<Slot>,
}

/// The copies known at one point.
struct Copies<'a> {
    slots: &'a Slots,
    /// `of[s]`: the value slot `s` is known to hold.
    of: &'a mut Vec<Option<Value>>,
    /// Slots with an entry in `of` (may hold stale ones).
    active: &'a mut Vec<Slot>,
}

impl Copies<'_> {
    fn lookup(&self, t: Temp) -> Option<Value> {
        self.slots.of(t).and_then(|s| self.of[s])
    }

    fn clear(&mut self) {
        for s in self.active.drain(..) {
            self.of[s] = None;
        }
    }

    /// Forgets the copies that are invalid once `s` changes.
    fn kill(&mut self, s: Slot) {
        let slots = self.slots;
        let changed = |t: Temp| slots.of(t).is_some_and(|x| x == s || slots.aliases_of(s).contains(&x));
        let of = &mut *self.of;
        self.active.retain(|&a| {
            let dead =
                a == s || slots.aliases_of(s).contains(&a) || of[a].and_then(Value::as_temp).is_some_and(changed);
            if dead {
                of[a] = None;
            }
            !dead
        });
    }

    /// Forgets the copies that involve a global.
    fn kill_globals(&mut self) {
        let slots = self.slots;
        let global = |t: Temp| matches!(t, Temp::Global(_)) || slots.of(t).is_none_or(|s| slots.is_global(s));
        let of = &mut *self.of;
        self.active.retain(|&a| {
            let dead = slots.is_global(a) || of[a].and_then(Value::as_temp).is_some_and(global);
            if dead {
                of[a] = None;
            }
            !dead
        });
    }

    fn record(&mut self, s: Slot, v: Value) {
        self.of[s] = Some(v);
        self.active.push(s);
    }
}

/// Copy propagation; see the [`opt`](super) module docs.
pub fn copy_prop(block: &mut Block) -> bool {
    run(&mut Optimizer::new(), block)
}

/// [`copy_prop`] with the optimizer's buffers.
pub(super) fn run(opt: &mut Optimizer, block: &mut Block) -> bool {
    let Optimizer { slots, keep, copy_prop: scratch, .. } = opt;
    slots.rebuild(block);
    scratch.of.clear();
    scratch.of.resize(slots.len(), None);
    scratch.active.clear();
    let mut copies = Copies { slots, of: &mut scratch.of, active: &mut scratch.active };
    let keep = reset_keep(keep, block.insts.len());
    let mut changed = false;
    let helpers = &block.helpers;
    for (i, inst) in block.insts.iter_mut().enumerate() {
        if matches!(inst, Inst::Label(_)) {
            copies.clear();
            continue;
        }
        inst.for_each_use_mut(|v| {
            if let Value::Temp(t) = *v
                && let Some(x) = copies.lookup(t)
            {
                *v = x;
                changed = true;
            }
        });
        if let Inst::Mov { dst, src, .. } = *inst
            && (src == Value::Temp(dst) || copies.lookup(dst) == Some(src))
        {
            // Writes the value the temp already holds: nothing happens.
            keep[i] = false;
            continue;
        }
        if writes_state(helpers, inst) {
            copies.kill_globals();
        }
        if let Some(d) = inst.def() {
            match slots.of(d) {
                Some(s) => {
                    copies.kill(s);
                    if let Inst::Mov { src, .. } = *inst
                        && src.as_temp().is_none_or(|t| slots.of(t).is_some())
                    {
                        copies.record(s, src);
                    }
                }
                // An undeclared temp (unverified block): trust nothing.
                None => copies.clear(),
            }
        }
        if inst.is_terminator() {
            copies.clear();
        }
    }
    retain_insts(block, keep) | changed
}

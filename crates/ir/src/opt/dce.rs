//! Dead code elimination.
//!
//! A backward liveness analysis of the locals over the control-flow graph
//! (loops included) finds the values nothing reads. An instruction without
//! side effects ([`Inst::has_side_effects`]) that writes a dead local is
//! deleted, as is a call of a pure helper whose result is unused; a call
//! with effects keeps running but drops its unused result. Writes to
//! globals are never dead: globals are live at every exit, at every fault
//! and inside helpers. Instructions control cannot reach are deleted too.

use alloc::vec;
use alloc::vec::Vec;

use super::{remove_unreachable, retain_insts};
use crate::cfg::Cfg;
use crate::{Block, Inst, Temp, Value};

/// A set of locals.
#[derive(Clone, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn set(&mut self, i: usize, v: bool) {
        if let Some(w) = self.0.get_mut(i / 64) {
            if v {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// `self |= other`; returns whether anything was added.
    fn union(&mut self, other: &Bits) -> bool {
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let n = *a | b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }
}

fn local(t: Temp) -> Option<usize> {
    match t {
        Temp::Local(l) => Some(l.0 as usize),
        Temp::Global(_) => None,
    }
}

/// Liveness transfer of one instruction that stays: kills its destination,
/// then adds its operands.
fn step_back(inst: &Inst, live: &mut Bits) {
    if let Some(l) = inst.def().and_then(local) {
        live.set(l, false);
    }
    inst.for_each_use(|v| {
        if let Value::Temp(t) = v
            && let Some(l) = local(t)
        {
            live.set(l, true);
        }
    });
}

/// Whether `inst`, given the locals live after it, computes nothing used
/// and can go.
fn is_dead(block: &Block, inst: &Inst, live: &Bits) -> bool {
    if inst.has_side_effects(block) {
        return false;
    }
    match inst.def() {
        Some(Temp::Local(l)) => !live.get(l.0 as usize),
        Some(Temp::Global(_)) => false,
        // A pure call whose result is dropped.
        None => matches!(inst, Inst::Call { .. }),
    }
}

/// Dead code elimination; see the [`opt`](super) module docs.
pub fn dce(block: &mut Block) -> bool {
    let mut changed = remove_unreachable(block);
    let cfg = Cfg::new(&block.insts, block.num_labels);
    let n = cfg.len();
    let nl = block.locals.len();
    // live_in[b], iterated to a fixpoint, blocks visited last to first.
    let mut live_in: Vec<Bits> = vec![Bits::new(nl); n];
    loop {
        let mut any = false;
        for b in (0..n).rev() {
            let mut live = Bits::new(nl);
            for &s in &cfg.succs[b] {
                live.union(&live_in[s]);
            }
            let (s, e) = cfg.ranges[b];
            for inst in block.insts[s..e].iter().rev() {
                if !is_dead(block, inst, &live) {
                    step_back(inst, &mut live);
                }
            }
            any |= live_in[b].union(&live);
        }
        if !any {
            break;
        }
    }
    let mut keep = vec![true; block.insts.len()];
    for b in 0..n {
        let mut live = Bits::new(nl);
        for &s in &cfg.succs[b] {
            live.union(&live_in[s]);
        }
        let (s, e) = cfg.ranges[b];
        for i in (s..e).rev() {
            if is_dead(block, &block.insts[i], &live) {
                keep[i] = false;
                continue;
            }
            if let Inst::Call { dst, .. } = &mut block.insts[i]
                && let Some(Temp::Local(l)) = *dst
                && !live.get(l.0 as usize)
            {
                *dst = None;
                changed = true;
            }
            step_back(&block.insts[i], &mut live);
        }
    }
    changed |= retain_insts(block, &keep);
    changed
}

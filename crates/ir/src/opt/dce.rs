//! Dead code elimination.
//!
//! A backward liveness analysis of the locals over the control-flow graph
//! (loops included) finds the values nothing reads. An instruction without
//! side effects ([`Inst::has_side_effects`]) that writes a dead local is
//! deleted, as is a call of a pure helper whose result is unused; a call
//! with effects keeps running but drops its unused result. Writes to
//! globals are never dead: globals are live at every exit, at every fault
//! and inside helpers. Instructions control cannot reach are deleted too.

use alloc::vec::Vec;

use super::{Optimizer, remove_unreachable, reset_keep, retain_insts};
use crate::{Block, Inst, Temp, Value};

/// The liveness buffers, kept by [`Optimizer`].
#[derive(Default)]
pub(super) struct Scratch {
    /// `live_in[b * W .. (b + 1) * W]`: the locals live on entry to basic
    /// block `b`, as a bit set of `W` words.
    live_in: Vec<u64>,
    /// The locals live at the current point.
    live: Vec<u64>,
}

/// A set of locals: bit `i % 64` of word `i / 64`.
struct Bits<'a>(&'a mut [u64]);

impl Bits<'_> {
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
}

/// `a |= b`; returns whether anything was added.
fn union(a: &mut [u64], b: &[u64]) -> bool {
    let mut changed = false;
    for (a, b) in a.iter_mut().zip(b) {
        let n = *a | b;
        changed |= n != *a;
        *a = n;
    }
    changed
}

fn local(t: Temp) -> Option<usize> {
    match t {
        Temp::Local(l) => Some(l.0 as usize),
        Temp::Global(_) => None,
    }
}

/// Liveness transfer of one instruction that stays: kills its destination,
/// then adds its operands.
fn step_back(inst: &Inst, live: &mut Bits<'_>) {
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
fn is_dead(block: &Block, inst: &Inst, live: &Bits<'_>) -> bool {
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
    run(&mut Optimizer::new(), block)
}

/// [`dce`] with the optimizer's buffers.
pub(super) fn run(opt: &mut Optimizer, block: &mut Block) -> bool {
    let Optimizer { keep, flow: cfg, dce: Scratch { live_in, live }, .. } = opt;
    let mut changed = remove_unreachable(block, cfg, keep);
    cfg.build(&block.insts, block.num_labels);
    let cfg = &*cfg;
    let n = cfg.len();
    let w = block.locals.len().div_ceil(64);
    live_in.clear();
    live_in.resize(n * w, 0);
    live.clear();
    live.resize(w, 0);
    // The locals live at the end of basic block `b`.
    let live_out = |live: &mut [u64], live_in: &[u64], b: usize| {
        live.fill(0);
        for &s in cfg.succs(b) {
            union(live, &live_in[s * w..(s + 1) * w]);
        }
    };
    // live_in[b], iterated to a fixpoint, blocks visited last to first.
    loop {
        let mut any = false;
        for b in (0..n).rev() {
            live_out(live, live_in, b);
            let mut bits = Bits(live);
            let (s, e) = cfg.ranges[b];
            for inst in block.insts[s..e].iter().rev() {
                if !is_dead(block, inst, &bits) {
                    step_back(inst, &mut bits);
                }
            }
            any |= union(&mut live_in[b * w..(b + 1) * w], live);
        }
        if !any {
            break;
        }
    }
    let keep = reset_keep(keep, block.insts.len());
    for b in 0..n {
        live_out(live, live_in, b);
        let mut bits = Bits(live);
        let (s, e) = cfg.ranges[b];
        for i in (s..e).rev() {
            if is_dead(block, &block.insts[i], &bits) {
                keep[i] = false;
                continue;
            }
            if let Inst::Call { dst, .. } = &mut block.insts[i]
                && let Some(Temp::Local(l)) = *dst
                && !bits.get(l.0 as usize)
            {
                *dst = None;
                changed = true;
            }
            step_back(&block.insts[i], &mut bits);
        }
    }
    changed |= retain_insts(block, keep);
    changed
}

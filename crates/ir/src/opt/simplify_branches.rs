//! Branch simplification.
//!
//! * A `brcond` whose outcome is known (constant operands, the same temp on
//!   both sides, `x ltu 0`, ...) becomes a `br` or disappears, unless that
//!   would leave a loop with no way out: the verifier rejects those, so a
//!   loop whose only exit test is constant keeps its `brcond`.
//! * A branch to a label whose code is just `br L` goes to `L` directly.
//! * A branch to the very next instruction is deleted.
//! * Labels no branch refers to are deleted.
//! * Code control cannot reach is deleted.

use alloc::vec::Vec;

use super::const_fold::decide;
use super::{Optimizer, remove_unreachable, reset_keep, retain_insts};
use crate::cfg::{Cfg, label_positions};
use crate::{Block, Inst, Label};

/// The rounds of the internal loop; each round can only shrink the block.
const MAX_ROUNDS: usize = 8;

/// `insts` with the known branches decided: `taken[k]` for the `brcond`
/// at index `at[k]`.
fn apply_decisions(insts: &[Inst], decided: &[(usize, bool)]) -> Vec<Inst> {
    let mut out = Vec::with_capacity(insts.len());
    let mut d = decided.iter().peekable();
    for (i, inst) in insts.iter().enumerate() {
        match d.peek() {
            Some(&&(at, taken)) if at == i => {
                d.next();
                if let (true, Some(target)) = (taken, inst.branch_target()) {
                    out.push(Inst::Br { target });
                }
            }
            _ => out.push(inst.clone()),
        }
    }
    out
}

/// Turns every `brcond` with a known outcome into a `br` (always taken) or
/// deletes it (never taken), unless that would leave a loop with no exit.
pub(super) fn fold_branches(block: &mut Block) -> bool {
    let decided: Vec<(usize, bool)> = block
        .insts
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| match *inst {
            Inst::BrCond { ty, cond, a, b, .. } => decide(cond, ty, a, b).map(|t| (i, t)),
            _ => None,
        })
        .collect();
    if decided.is_empty() {
        return false;
    }
    let ok = |insts: &[Inst]| Cfg::new(insts, block.num_labels).exits_ok(insts);
    let all = apply_decisions(&block.insts, &decided);
    if ok(&all) {
        block.insts = all;
        return true;
    }
    // Some decision closes a loop: take them one at a time.
    let mut accepted: Vec<(usize, bool)> = Vec::new();
    for &d in &decided {
        accepted.push(d);
        if !ok(&apply_decisions(&block.insts, &accepted)) {
            accepted.pop();
        }
    }
    if accepted.is_empty() {
        return false;
    }
    block.insts = apply_decisions(&block.insts, &accepted);
    true
}

/// Where a branch to `l` ends up after following labels that hold only
/// `br`: the label itself if it is not such a trampoline.
fn thread(insts: &[Inst], pos: &[Option<usize>], l: Label) -> Label {
    let mut cur = l;
    // Verified blocks have no cycle of trampolines (it would be a loop
    // without exit); the bound protects the others.
    for _ in 0..pos.len() {
        let Some(mut i) = pos.get(cur.0 as usize).copied().flatten() else { break };
        while matches!(insts.get(i), Some(Inst::Label(_))) {
            i += 1;
        }
        match insts.get(i) {
            Some(&Inst::Br { target }) if target != cur => cur = target,
            _ => break,
        }
    }
    cur
}

/// Redirects branches to trampolines (labels followed by `br`).
fn thread_jumps(block: &mut Block) -> bool {
    let pos = label_positions(&block.insts, block.num_labels);
    let mut changed = false;
    for i in 0..block.insts.len() {
        let Some(t) = block.insts[i].branch_target() else { continue };
        let to = thread(&block.insts, &pos, t);
        if to != t
            && let Inst::Br { target } | Inst::BrCond { target, .. } = &mut block.insts[i]
        {
            *target = to;
            changed = true;
        }
    }
    changed
}

/// Deletes branches whose target is placed right after them (with only
/// labels in between).
fn remove_branches_to_next(block: &mut Block, keep: &mut Vec<bool>) -> bool {
    let insts = &block.insts;
    let keep = reset_keep(keep, insts.len());
    for (i, k) in keep.iter_mut().enumerate() {
        let Some(t) = insts[i].branch_target() else { continue };
        let mut j = i + 1;
        while let Some(Inst::Label(l)) = insts.get(j) {
            if *l == t {
                *k = false;
                break;
            }
            j += 1;
        }
    }
    retain_insts(block, keep)
}

/// Deletes labels no branch refers to.
fn remove_unused_labels(block: &mut Block, keep: &mut Vec<bool>) -> bool {
    // `keep[l]`: whether label `l` is referred to, then the same per
    // instruction.
    let used = reset_keep(keep, block.num_labels as usize);
    used.fill(false);
    for inst in &block.insts {
        if let Some(t) = inst.branch_target()
            && let Some(u) = used.get_mut(t.0 as usize)
        {
            *u = true;
        }
    }
    let mut unused = false;
    block.insts.retain(|inst| {
        let k = match inst {
            Inst::Label(l) => used.get(l.0 as usize).copied().unwrap_or(true),
            _ => true,
        };
        unused |= !k;
        k
    });
    unused
}

/// Branch simplification; see the [`opt`](super) module docs.
pub fn simplify_branches(block: &mut Block) -> bool {
    run(&mut Optimizer::new(), block)
}

/// [`simplify_branches`] with the optimizer's buffers.
pub(super) fn run(opt: &mut Optimizer, block: &mut Block) -> bool {
    let Optimizer { keep, flow, .. } = opt;
    let mut changed = false;
    for _ in 0..MAX_ROUNDS {
        let mut round = fold_branches(block);
        round |= thread_jumps(block);
        round |= remove_unreachable(block, flow, keep);
        round |= remove_branches_to_next(block, keep);
        round |= remove_unused_labels(block, keep);
        changed |= round;
        if !round {
            break;
        }
    }
    changed
}

//! The control-flow graph of a block's instruction list, shared by the
//! verifier and the optimizer passes. It never panics on malformed blocks:
//! branches to labels that are not placed simply have no edge.

use alloc::vec;
use alloc::vec::Vec;

use crate::Inst;

/// Basic blocks of an instruction list and their successors.
pub(crate) struct Cfg {
    /// `(start, end)` instruction ranges, end exclusive; never empty, in
    /// order, covering every instruction.
    pub ranges: Vec<(usize, usize)>,
    /// Successor basic blocks (a taken branch first, then the fallthrough).
    pub succs: Vec<Vec<usize>>,
    /// Whether control falls off the end of the list from here.
    pub falls_off: Vec<bool>,
}

/// Where each label is placed (the first placement, if placed twice).
pub(crate) fn label_positions(insts: &[Inst], num_labels: u32) -> Vec<Option<usize>> {
    let mut pos = vec![None; num_labels as usize];
    for (i, inst) in insts.iter().enumerate() {
        if let Inst::Label(l) = inst
            && let Some(p) = pos.get_mut(l.0 as usize)
            && p.is_none()
        {
            *p = Some(i);
        }
    }
    pos
}

impl Cfg {
    pub fn new(insts: &[Inst], num_labels: u32) -> Cfg {
        let labels = label_positions(insts, num_labels);
        let mut starts = vec![0usize];
        for (i, inst) in insts.iter().enumerate() {
            if matches!(inst, Inst::Label(_)) && i != 0 {
                starts.push(i);
            }
            if inst.is_terminator() || matches!(inst, Inst::BrCond { .. }) {
                starts.push(i + 1);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        starts.retain(|&s| s < insts.len());
        let ranges: Vec<(usize, usize)> =
            starts.iter().enumerate().map(|(k, &s)| (s, starts.get(k + 1).copied().unwrap_or(insts.len()))).collect();
        let block_of = |inst: usize| ranges.partition_point(|&(s, _)| s <= inst).checked_sub(1);
        let target = |l: crate::Label| labels.get(l.0 as usize).copied().flatten().and_then(block_of);
        let mut succs = Vec::with_capacity(ranges.len());
        let mut falls_off = Vec::with_capacity(ranges.len());
        for (k, &(_, e)) in ranges.iter().enumerate() {
            let mut out = Vec::new();
            let mut falls = false;
            match &insts[e - 1] {
                i if i.is_exit() => {}
                Inst::Br { target: l } => out.extend(target(*l)),
                last => {
                    if let Inst::BrCond { target: l, .. } = last {
                        out.extend(target(*l));
                    }
                    if k + 1 < ranges.len() {
                        out.push(k + 1);
                    } else {
                        falls = true;
                    }
                }
            }
            succs.push(out);
            falls_off.push(falls);
        }
        Cfg { ranges, succs, falls_off }
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Which basic blocks control can reach from the entry.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut stack = vec![0usize];
        while let Some(b) = stack.pop() {
            match seen.get_mut(b) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            stack.extend(self.succs[b].iter().copied());
        }
        seen
    }

    /// Whether the verifier's control-flow rules hold: control never falls
    /// off the end, and an exit is reachable from every reachable
    /// instruction.
    pub fn exits_ok(&self, insts: &[Inst]) -> bool {
        self.first_exit_violation(insts).is_none()
    }

    /// The first reachable basic block that breaks the control-flow rules,
    /// and whether it is by falling off the end (else: no exit reachable).
    /// An empty instruction list falls off at once: `Some((0, true))`.
    pub fn first_exit_violation(&self, insts: &[Inst]) -> Option<(usize, bool)> {
        let n = self.len();
        if n == 0 {
            return Some((0, true));
        }
        let reach = self.reachable();
        let escapes = self.can_exit(insts);
        (0..n).filter(|&b| reach[b]).find_map(|b| {
            if self.falls_off[b] {
                Some((b, true))
            } else if !escapes[b] {
                Some((b, false))
            } else {
                None
            }
        })
    }

    /// Which basic blocks can reach a block exit.
    fn can_exit(&self, insts: &[Inst]) -> Vec<bool> {
        let n = self.len();
        let mut escapes: Vec<bool> = self.ranges.iter().map(|&(_, e)| insts[e - 1].is_exit()).collect();
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (b, ss) in self.succs.iter().enumerate() {
            for &s in ss {
                preds[s].push(b);
            }
        }
        let mut stack: Vec<usize> = (0..n).filter(|&b| escapes[b]).collect();
        while let Some(b) = stack.pop() {
            for &p in &preds[b] {
                if !escapes[p] {
                    escapes[p] = true;
                    stack.push(p);
                }
            }
        }
        escapes
    }
}

//! The control-flow graph of a block, as the passes use it: the same graph
//! as [`crate::cfg::Cfg`] (the verifier's), built into buffers that an
//! [`Optimizer`](super::Optimizer) reuses from block to block, and with
//! successor lists in one flat table, so that building it allocates
//! nothing once warm. The passes build it several times a round.

use alloc::vec::Vec;

use crate::Inst;

/// Basic blocks of an instruction list, their successors and, on demand,
/// which are reachable and a reverse postorder.
#[derive(Default)]
pub(super) struct Flow {
    /// `(start, end)` instruction ranges, end exclusive; never empty, in
    /// order, covering every instruction.
    pub ranges: Vec<(usize, usize)>,
    /// Successors of basic block `b` (a taken branch first, then the
    /// fallthrough): `succ[succ_start[b]..succ_start[b + 1]]`.
    succ: Vec<usize>,
    succ_start: Vec<usize>,
    /// The basic block each label starts (first placement), or `NONE`.
    label_block: Vec<usize>,
    /// After [`Flow::compute_reachable`]: which blocks the entry reaches.
    pub reach: Vec<bool>,
    /// After [`Flow::compute_order`]: the reachable blocks in reverse
    /// postorder.
    pub order: Vec<usize>,
    stack: Vec<(usize, usize)>,
}

const NONE: usize = usize::MAX;

impl Flow {
    /// Builds the graph of `insts`; never panics, whatever they are.
    pub fn build(&mut self, insts: &[Inst], num_labels: u32) {
        self.ranges.clear();
        self.label_block.clear();
        self.label_block.resize(num_labels as usize, NONE);
        // A basic block starts at 0, at each label and after each
        // terminator or conditional branch.
        let mut start = 0;
        for (i, inst) in insts.iter().enumerate() {
            if i != start && matches!(inst, Inst::Label(_)) {
                self.ranges.push((start, i));
                start = i;
            }
            if let Inst::Label(l) = inst
                && let Some(b) = self.label_block.get_mut(l.0 as usize)
                && *b == NONE
            {
                *b = self.ranges.len();
            }
            if inst.is_terminator() || matches!(inst, Inst::BrCond { .. }) {
                self.ranges.push((start, i + 1));
                start = i + 1;
            }
        }
        if start < insts.len() {
            self.ranges.push((start, insts.len()));
        }
        self.succ.clear();
        self.succ_start.clear();
        let n = self.ranges.len();
        for (k, &(_, e)) in self.ranges.iter().enumerate() {
            self.succ_start.push(self.succ.len());
            let target = |l: crate::Label| self.label_block.get(l.0 as usize).copied().filter(|&b| b != NONE);
            match &insts[e - 1] {
                i if i.is_exit() => {}
                Inst::Br { target: l } => self.succ.extend(target(*l)),
                last => {
                    if let Inst::BrCond { target: l, .. } = last {
                        self.succ.extend(target(*l));
                    }
                    if k + 1 < n {
                        self.succ.push(k + 1);
                    }
                }
            }
        }
        self.succ_start.push(self.succ.len());
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The successors of basic block `b`.
    pub fn succs(&self, b: usize) -> &[usize] {
        match (self.succ_start.get(b), self.succ_start.get(b + 1)) {
            (Some(&s), Some(&e)) => &self.succ[s..e],
            _ => &[],
        }
    }

    /// Fills [`Flow::reach`]; returns whether every block is reachable.
    pub fn compute_reachable(&mut self) -> bool {
        let n = self.len();
        self.reach.clear();
        self.reach.resize(n, false);
        self.stack.clear();
        self.stack.push((0, 0));
        while let Some((b, _)) = self.stack.pop() {
            match self.reach.get_mut(b) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            let (s, e) = (self.succ_start[b], self.succ_start[b + 1]);
            self.stack.extend(self.succ[s..e].iter().map(|&x| (x, 0)));
        }
        !self.reach.contains(&false)
    }

    /// Fills [`Flow::order`]: the reachable blocks in reverse postorder
    /// from the entry (a good order for forward dataflow).
    pub fn compute_order(&mut self) {
        let n = self.len();
        self.order.clear();
        self.reach.clear();
        self.reach.resize(n, false);
        self.stack.clear();
        if n > 0 {
            self.reach[0] = true;
            self.stack.push((0, 0));
        }
        // Iterative DFS: (block, next successor index).
        while let Some(top) = self.stack.last_mut() {
            let (b, i) = *top;
            let (s, e) = (self.succ_start[b], self.succ_start[b + 1]);
            if let Some(&x) = self.succ[s..e].get(i) {
                top.1 += 1;
                if !self.reach[x] {
                    self.reach[x] = true;
                    self.stack.push((x, 0));
                }
            } else {
                self.order.push(b);
                self.stack.pop();
            }
        }
        self.order.reverse();
    }
}

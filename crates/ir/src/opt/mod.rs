//! Optimizer passes over a [`Block`].
//!
//! Every pass is a function `fn(&mut Block) -> bool` that returns whether it
//! changed the block, and [`optimize`] runs them all to a fixpoint
//! ([`Optimizer`] does the same with scratch buffers a translator keeps
//! from one block to the next, so that optimizing allocates next to
//! nothing). The passes only rewrite operands (and branch targets),
//! replace an instruction by a simpler one computing the same value, and
//! delete instructions; they never move anything. Guarantees, for any block that
//! [`verify`](crate::verify) accepts:
//!
//! * the result verifies too;
//! * it behaves exactly the same: the same exits, final CPU state, guest
//!   memory accesses (in the same order), helper calls, faults and
//!   `insn_start` markers. What gets deleted: instructions without side
//!   effects ([`Inst::has_side_effects`]) whose result is unused, `mov`s
//!   that write the value their destination already holds, branches whose
//!   outcome is known, and code that can never run;
//! * no pass panics (on unverified blocks either; they may then do
//!   nothing useful).
//!
//! The passes:
//!
//! * [`const_fold`]: constant propagation (a forward dataflow over the
//!   control-flow graph, so loops are handled) and folding with
//!   [`crate::semantics`], plus exact algebraic identities (`x + 0`,
//!   `x & -1`, `x - x`, shifts by a multiple of the width, ...);
//!   `setcond`/`movcond`/`brcond` with a known outcome are decided.
//! * [`copy_prop`]: after `t = mov x`, uses of `t` read `x` directly while
//!   both are unchanged (straight-line code; reset at labels).
//! * [`dce`]: deletes side-effect-free instructions whose destination local
//!   is dead (backward liveness over the control-flow graph), drops unused
//!   results of effectful helper calls, and deletes unreachable code.
//! * [`simplify_branches`]: decides branches on constants, threads jumps to
//!   jumps, deletes branches to the next instruction, unreferenced labels
//!   and unreachable code.
//! * [`compact_locals`]: renumbers the locals so that unused ones disappear.
//!
//! Globals are handled conservatively: a write to a global is never
//! deleted as dead (globals are live at every exit, at every fault and in
//! every helper; only a `mov` of the value the global is known to hold
//! already goes), and what is known about a global's value is forgotten at
//! every label and at every call of a helper whose effect is
//! [`Effect::WritesState`] or stronger, and for
//! the globals sharing state bytes with one that is written. Guest memory
//! is assumed not to alias the CPU-state block.

mod compact_locals;
mod const_fold;
mod copy_prop;
mod dce;
mod flow;
mod simplify_branches;

#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;

pub use compact_locals::compact_locals;
pub use const_fold::const_fold;
pub use copy_prop::copy_prop;
pub use dce::dce;
pub use simplify_branches::simplify_branches;

use alloc::vec::Vec;

use crate::{Block, Effect, HelperDecl, Inst, Temp, Value};

/// Upper bound on the rounds [`optimize`] runs; real blocks settle in two
/// or three.
const MAX_ROUNDS: usize = 16;

/// The optimizer with its scratch buffers: [`Optimizer::optimize`] does
/// what [`optimize`] does, but a caller that keeps one `Optimizer` (one per
/// translating thread) lets every block reuse the buffers of the previous
/// ones instead of allocating its own.
#[derive(Default)]
pub struct Optimizer {
    slots: Slots,
    flow: flow::Flow,
    /// Per instruction: whether it stays (for [`retain_insts`]).
    keep: Vec<bool>,
    const_fold: const_fold::Scratch,
    copy_prop: copy_prop::Scratch,
    dce: dce::Scratch,
}

impl core::fmt::Debug for Optimizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Optimizer").finish_non_exhaustive()
    }
}

impl Optimizer {
    pub fn new() -> Optimizer {
        Optimizer::default()
    }

    /// Runs every pass until none changes anything (or a bounded number
    /// of rounds), then [`compact_locals`]: the same as [`optimize`].
    pub fn optimize(&mut self, block: &mut Block) {
        for _ in 0..MAX_ROUNDS {
            let mut changed = const_fold::run(self, block);
            changed |= copy_prop::run(self, block);
            changed |= simplify_branches::run(self, block);
            changed |= dce::run(self, block);
            if !changed {
                break;
            }
        }
        compact_locals(block);
    }
}

/// Runs every pass until none changes anything (or a bounded number of
/// rounds), then [`compact_locals`]. Allocates its scratch buffers afresh;
/// [`Optimizer::optimize`] reuses them.
pub fn optimize(block: &mut Block) {
    Optimizer::new().optimize(block);
}

/// An optimizer pass: rewrites the block, returns whether anything changed.
pub type Pass = fn(&mut Block) -> bool;

/// The pass names the filetests and tools accept, with their functions.
pub const PASSES: &[(&str, Pass)] = &[
    ("const_fold", const_fold),
    ("copy_prop", copy_prop),
    ("dce", dce),
    ("simplify_branches", simplify_branches),
    ("compact_locals", compact_locals),
];

/// Runs the pass named `name` (one of [`PASSES`], or `optimize`); returns
/// `None` for an unknown name, otherwise whether the block changed
/// (`optimize` reports whether anything differs afterwards).
pub fn run_pass(name: &str, block: &mut Block) -> Option<bool> {
    if name == "optimize" {
        let before = block.clone();
        optimize(block);
        return Some(*block != before);
    }
    PASSES.iter().find(|(n, _)| *n == name).map(|(_, f)| f(block))
}

/// Dense numbering of the temps a block names: locals first, then the
/// globals the block mentions (a frontend declares every guest register,
/// a block touches a few). Also knows which of those globals share state
/// bytes (frontends should not declare overlapping globals, but the
/// optimizer does not rely on it). Its buffers are reused by
/// [`Slots::rebuild`].
#[derive(Default)]
struct Slots {
    num_locals: usize,
    /// `global_index[g]`: the index among the used globals of global `g`,
    /// or [`Slots::UNUSED`].
    global_index: Vec<u32>,
    /// The declaration index of each used global.
    used: Vec<u32>,
    /// For used global `i`, the slots of the other used globals
    /// overlapping it: `aliases[alias_start[i]..alias_start[i + 1]]`.
    alias_start: Vec<u32>,
    aliases: Vec<Slot>,
}

impl Slots {
    const UNUSED: u32 = u32::MAX;

    /// Numbers the temps of `block`. Globals that no instruction names
    /// get no slot; a pass that changes the block only ever drops names,
    /// so the numbering stays valid while it runs.
    fn rebuild(&mut self, block: &Block) {
        self.num_locals = block.locals.len();
        self.global_index.clear();
        self.global_index.resize(block.globals.len(), Self::UNUSED);
        self.used.clear();
        let (index, used) = (&mut self.global_index, &mut self.used);
        let mut mark = |t: Temp| {
            if let Temp::Global(g) = t
                && let Some(i) = index.get_mut(g.0 as usize)
                && *i == Self::UNUSED
            {
                *i = used.len() as u32;
                used.push(g.0);
            }
        };
        for inst in &block.insts {
            inst.for_each_use(|v| {
                if let Value::Temp(t) = v {
                    mark(t)
                }
            });
            if let Some(d) = inst.def() {
                mark(d);
            }
        }
        self.alias_start.clear();
        self.aliases.clear();
        let decl = |i: u32| block.globals.get(crate::GlobalId(i));
        for &g in &self.used {
            self.alias_start.push(self.aliases.len() as u32);
            let Some(d) = decl(g) else { continue };
            for (j, &h) in self.used.iter().enumerate() {
                if h != g && decl(h).is_some_and(|e| d.overlaps(e.offset, e.size())) {
                    self.aliases.push(self.num_locals + j);
                }
            }
        }
        self.alias_start.push(self.aliases.len() as u32);
    }

    fn num_globals(&self) -> usize {
        self.used.len()
    }

    fn len(&self) -> usize {
        self.num_locals + self.num_globals()
    }

    /// The slot of `t`, if it is declared (and, for a global, used).
    fn of(&self, t: Temp) -> Option<usize> {
        match t {
            Temp::Local(l) => Some(l.0 as usize).filter(|&i| i < self.num_locals),
            Temp::Global(g) => match self.global_index.get(g.0 as usize) {
                Some(&i) if i != Self::UNUSED => Some(self.num_locals + i as usize),
                _ => None,
            },
        }
    }

    fn is_global(&self, slot: usize) -> bool {
        slot >= self.num_locals
    }

    /// Globals whose value changes when slot `s` is written, besides `s`.
    fn aliases_of(&self, s: usize) -> &[Slot] {
        let Some(g) = s.checked_sub(self.num_locals) else { return &[] };
        match (self.alias_start.get(g), self.alias_start.get(g + 1)) {
            (Some(&a), Some(&b)) => self.aliases.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Slots of all (used) globals.
    fn globals(&self) -> core::ops::Range<usize> {
        self.num_locals..self.len()
    }
}

type Slot = usize;

/// Whether `inst` is a helper call that may change the CPU state (an
/// undeclared helper is assumed to do anything).
fn writes_state(helpers: &[HelperDecl], inst: &Inst) -> bool {
    match inst {
        Inst::Call { helper, .. } => {
            helpers.iter().find(|h| h.id == *helper).is_none_or(|h| h.effect >= Effect::WritesState)
        }
        _ => false,
    }
}

/// Deletes the instructions whose `keep` flag is false; returns whether any
/// was.
fn retain_insts(block: &mut Block, keep: &[bool]) -> bool {
    if !keep.contains(&false) {
        return false;
    }
    let before = block.insts.len();
    let mut i = 0;
    block.insts.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
    block.insts.len() != before
}

/// `keep` reset to `n` times `true`.
fn reset_keep(keep: &mut Vec<bool>, n: usize) -> &mut Vec<bool> {
    keep.clear();
    keep.resize(n, true);
    keep
}

/// Deletes every instruction control cannot reach; returns whether any was.
fn remove_unreachable(block: &mut crate::Block, flow: &mut flow::Flow, keep: &mut Vec<bool>) -> bool {
    flow.build(&block.insts, block.num_labels);
    if flow.compute_reachable() {
        return false;
    }
    let keep = reset_keep(keep, block.insts.len());
    for (b, &(s, e)) in flow.ranges.iter().enumerate() {
        if !flow.reach[b] {
            keep[s..e].fill(false);
        }
    }
    retain_insts(block, keep)
}

//! Optimizer passes over a [`Block`].
//!
//! Every pass is a function `fn(&mut Block) -> bool` that returns whether it
//! changed the block, and [`optimize`] runs them all to a fixpoint. The
//! passes only rewrite operands (and branch targets), replace an
//! instruction by a simpler one computing the same value, and delete
//! instructions; they never move anything. Guarantees, for any block that
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

use crate::{Block, Effect, Inst, Temp};

/// Upper bound on the rounds [`optimize`] runs; real blocks settle in two
/// or three.
const MAX_ROUNDS: usize = 16;

/// Runs every pass until none changes anything (or a bounded number of
/// rounds), then [`compact_locals`].
pub fn optimize(block: &mut Block) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = const_fold(block);
        changed |= copy_prop(block);
        changed |= simplify_branches(block);
        changed |= dce(block);
        if !changed {
            break;
        }
    }
    compact_locals(block);
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

/// Dense numbering of the temps a block can name: locals first, then
/// globals. Also knows which globals share state bytes (frontends should
/// not declare overlapping globals, but the optimizer does not rely on it).
struct Slots {
    num_locals: usize,
    num_globals: usize,
    /// For each global, the other globals overlapping it.
    aliases: Vec<Vec<usize>>,
}

impl Slots {
    fn new(block: &Block) -> Slots {
        let num_locals = block.locals.len();
        let num_globals = block.globals.len();
        let decls: Vec<_> = block.globals.iter().map(|(_, d)| d).collect();
        let aliases = decls
            .iter()
            .enumerate()
            .map(|(i, d)| {
                decls
                    .iter()
                    .enumerate()
                    .filter(|&(j, e)| j != i && d.overlaps(e.offset, e.size()))
                    .map(|(j, _)| num_locals + j)
                    .collect()
            })
            .collect();
        Slots { num_locals, num_globals, aliases }
    }

    fn len(&self) -> usize {
        self.num_locals + self.num_globals
    }

    /// The slot of `t`, if it is declared.
    fn of(&self, t: Temp) -> Option<usize> {
        match t {
            Temp::Local(l) => Some(l.0 as usize).filter(|&i| i < self.num_locals),
            Temp::Global(g) => Some(g.0 as usize).filter(|&i| i < self.num_globals).map(|i| i + self.num_locals),
        }
    }

    fn is_global(&self, slot: usize) -> bool {
        slot >= self.num_locals
    }

    /// Globals whose value changes when slot `s` is written, besides `s`.
    fn aliases_of(&self, s: usize) -> &[Slot] {
        s.checked_sub(self.num_locals).and_then(|g| self.aliases.get(g)).map_or(&[], |v| v.as_slice())
    }

    /// Slots of all globals.
    fn globals(&self) -> core::ops::Range<usize> {
        self.num_locals..self.len()
    }
}

type Slot = usize;

/// Whether `inst` is a helper call that may change the CPU state (an
/// undeclared helper is assumed to do anything).
fn writes_state(block: &Block, inst: &Inst) -> bool {
    match inst {
        Inst::Call { helper, .. } => block.helper(*helper).is_none_or(|h| h.effect >= Effect::WritesState),
        _ => false,
    }
}

/// Deletes the instructions whose `keep` flag is false; returns whether any
/// was.
fn retain_insts(block: &mut Block, keep: &[bool]) -> bool {
    let before = block.insts.len();
    let mut i = 0;
    block.insts.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
    block.insts.len() != before
}

/// Deletes every instruction control cannot reach; returns whether any was.
pub(super) fn remove_unreachable(block: &mut crate::Block) -> bool {
    let cfg = crate::cfg::Cfg::new(&block.insts, block.num_labels);
    let reach = cfg.reachable();
    if reach.iter().all(|&r| r) {
        return false;
    }
    let mut keep = alloc::vec![true; block.insts.len()];
    for (b, &(s, e)) in cfg.ranges.iter().enumerate() {
        if !reach[b] {
            keep[s..e].fill(false);
        }
    }
    retain_insts(block, &keep)
}

//! A block: the IR of one translation unit (a guest translation block).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::{Effect, GlobalDecl, Globals, Inst, Label, LocalId, Temp, Type};

/// Declaration of a helper function a block calls: its id in the
/// executor's helper table, a name for the text form, its signature and its
/// effect class.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HelperDecl {
    pub id: u32,
    pub name: String,
    pub args: Vec<Type>,
    pub ret: Option<Type>,
    pub effect: Effect,
}

/// The IR of one translation block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The globals this block may refer to (shared with every block of the
    /// same frontend).
    pub globals: Arc<Globals>,
    /// Types of the block's locals, indexed by [`LocalId`].
    pub locals: Vec<Type>,
    /// Helpers this block may call.
    pub helpers: Vec<HelperDecl>,
    /// The instructions.
    pub insts: Vec<Inst>,
    /// Number of labels allocated; labels are `L0 .. L{n-1}`.
    pub num_labels: u32,
}

impl Block {
    /// An empty block over `globals`.
    pub fn new(globals: Arc<Globals>) -> Block {
        Block { globals, locals: Vec::new(), helpers: Vec::new(), insts: Vec::new(), num_labels: 0 }
    }

    /// The type of `t`, or `None` if it is not declared.
    pub fn temp_type(&self, t: Temp) -> Option<Type> {
        match t {
            Temp::Global(g) => self.globals.get(g).map(|d| d.ty),
            Temp::Local(l) => self.locals.get(l.0 as usize).copied(),
        }
    }

    /// The declaration of global temp `t`.
    pub fn global_decl(&self, t: Temp) -> Option<&GlobalDecl> {
        match t {
            Temp::Global(g) => self.globals.get(g),
            Temp::Local(_) => None,
        }
    }

    /// Allocates a new local.
    pub fn new_local(&mut self, ty: Type) -> Temp {
        self.locals.push(ty);
        Temp::Local(LocalId(self.locals.len() as u32 - 1))
    }

    /// Allocates a new label (not yet placed).
    pub fn new_label(&mut self) -> Label {
        self.num_labels += 1;
        Label(self.num_labels - 1)
    }

    /// The declaration of helper `id`.
    pub fn helper(&self, id: u32) -> Option<&HelperDecl> {
        self.helpers.iter().find(|h| h.id == id)
    }

    /// Declares a helper (replacing any earlier declaration with its id).
    pub fn declare_helper(&mut self, decl: HelperDecl) {
        match self.helpers.iter_mut().find(|h| h.id == decl.id) {
            Some(h) => *h = decl,
            None => self.helpers.push(decl),
        }
    }

    /// Number of guest instructions (`insn_start` markers) in the block.
    pub fn guest_insns(&self) -> usize {
        self.insts.iter().filter(|i| matches!(i, Inst::InsnStart { .. })).count()
    }

    /// Globals that the block reads or writes, in id order.
    pub fn used_globals(&self) -> Vec<crate::GlobalId> {
        let mut used = alloc::vec![false; self.globals.len()];
        let mut mark = |t: Temp| {
            if let Temp::Global(g) = t
                && let Some(u) = used.get_mut(g.0 as usize)
            {
                *u = true;
            }
        };
        for inst in &self.insts {
            inst.for_each_use(|v| {
                if let crate::Value::Temp(t) = v {
                    mark(t)
                }
            });
            if let Some(d) = inst.def() {
                mark(d);
            }
        }
        used.iter().enumerate().filter(|(_, u)| **u).map(|(i, _)| crate::GlobalId(i as u32)).collect()
    }
}

//! Temps (the IR's variables), constants and labels.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::Type;

/// Index of a global in a [`Globals`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId(pub u32);

/// Index of a block-local temp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A variable of the IR.
///
/// * A **global** is bound to a fixed byte offset of the CPU-state block
///   (a guest register, say). Its value lives across blocks; executors may
///   cache it but must write it back at every block exit and before any
///   helper call that reads state.
/// * A **local** lives only inside one block and must be defined before it
///   is used on every path (the verifier checks this).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Temp {
    Global(GlobalId),
    Local(LocalId),
}

/// An operand: a temp or an immediate constant. A constant takes the type
/// of the operation that reads it and is stored canonically (an `I32`
/// constant has its upper 32 bits clear).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Temp(Temp),
    Const(u64),
}

impl Value {
    /// The constant, if this is one.
    pub const fn as_const(self) -> Option<u64> {
        match self {
            Value::Const(c) => Some(c),
            Value::Temp(_) => None,
        }
    }

    /// The temp, if this is one.
    pub const fn as_temp(self) -> Option<Temp> {
        match self {
            Value::Temp(t) => Some(t),
            Value::Const(_) => None,
        }
    }
}

impl From<Temp> for Value {
    fn from(t: Temp) -> Value {
        Value::Temp(t)
    }
}

/// A branch target inside a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub u32);

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.0)
    }
}

/// Declaration of a global: a named field of the CPU-state block.
///
/// Fields are little-endian in the state block (the arena is Wasm linear
/// memory, which is little-endian). An `I64` global occupies 8 bytes at
/// `offset`, an `I32` global 4 bytes; `offset` must be a multiple of the
/// size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalDecl {
    pub name: String,
    pub ty: Type,
    pub offset: u32,
}

impl GlobalDecl {
    /// Bytes of state this global occupies.
    pub const fn size(&self) -> u32 {
        self.ty.bits() / 8
    }

    /// Whether this global overlaps the state bytes `[offset, offset+size)`.
    pub fn overlaps(&self, offset: u32, size: u32) -> bool {
        let (a0, a1) = (u64::from(self.offset), u64::from(self.offset) + u64::from(self.size()));
        let (b0, b1) = (u64::from(offset), u64::from(offset) + u64::from(size));
        a0 < b1 && b0 < a1
    }
}

/// The globals of a CPU-state layout, declared once by a frontend and shared
/// by every block it translates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Globals {
    decls: Vec<GlobalDecl>,
}

impl Globals {
    pub const fn new() -> Globals {
        Globals { decls: Vec::new() }
    }

    /// Declares a global. Names must be unique and must not look like a
    /// local (`t<digits>`); the text parser relies on it.
    pub fn add(&mut self, name: &str, ty: Type, offset: u32) -> GlobalId {
        let id = GlobalId(self.decls.len() as u32);
        self.decls.push(GlobalDecl { name: String::from(name), ty, offset });
        id
    }

    pub fn get(&self, id: GlobalId) -> Option<&GlobalDecl> {
        self.decls.get(id.0 as usize)
    }

    pub fn find(&self, name: &str) -> Option<GlobalId> {
        self.decls.iter().position(|d| d.name == name).map(|i| GlobalId(i as u32))
    }

    pub fn len(&self) -> usize {
        self.decls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decls.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (GlobalId, &GlobalDecl)> {
        self.decls.iter().enumerate().map(|(i, d)| (GlobalId(i as u32), d))
    }
}

//! Shared test scaffolding: a fixed global layout, block runners and a
//! recording helper table.
#![allow(dead_code)]

use std::sync::Arc;

use wemu_ir::runtime::{Exit, FaultCode, GuestMemory, Helpers};
use wemu_ir::{Block, Builder, Globals, Temp, Type, verify};
use wemu_tci::{FlatMemory, Interp, NoHelpers, TciBlock};

/// Edge values for every operand table.
pub const EDGES: &[u64] = &[
    0,
    1,
    2,
    3,
    7,
    8,
    15,
    16,
    31,
    32,
    33,
    63,
    64,
    65,
    127,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff_fffe,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0x8000_0000_0000_0001,
    0xffff_ffff_7fff_ffff,
    0xffff_ffff_8000_0000,
    0x0123_4567_89ab_cdef,
    0xfedc_ba98_7654_3210,
    u64::MAX - 1,
    u64::MAX,
];

/// State layout of most tests:
/// `a` i64 @0, `b` i64 @8, `r` i64 @16, `a32` i32 @24, `b32` i32 @28,
/// `r32` i32 @32, `s` i64 @40; 48 bytes of globals, then scratch up to
/// `STATE_SIZE` for state ops.
pub const STATE_SIZE: usize = 64;

pub struct G {
    pub a: Temp,
    pub b: Temp,
    pub r: Temp,
    pub a32: Temp,
    pub b32: Temp,
    pub r32: Temp,
    pub s: Temp,
}

impl G {
    /// The two operand globals and the result global of type `ty`.
    pub fn abr(&self, ty: Type) -> (Temp, Temp, Temp) {
        match ty {
            Type::I32 => (self.a32, self.b32, self.r32),
            Type::I64 => (self.a, self.b, self.r),
        }
    }
}

pub fn globals() -> (Arc<Globals>, G) {
    let mut g = Globals::new();
    let a = g.add("a", Type::I64, 0);
    let b = g.add("b", Type::I64, 8);
    let r = g.add("r", Type::I64, 16);
    let a32 = g.add("a32", Type::I32, 24);
    let b32 = g.add("b32", Type::I32, 28);
    let r32 = g.add("r32", Type::I32, 32);
    let s = g.add("s", Type::I64, 40);
    let t = Temp::Global;
    (Arc::new(g), G { a: t(a), b: t(b), r: t(r), a32: t(a32), b32: t(b32), r32: t(r32), s: t(s) })
}

pub fn builder() -> (Builder, G) {
    let (g, t) = globals();
    (Builder::new(g), t)
}

/// Byte offset of a global of the standard layout.
pub fn offset(t: Temp) -> usize {
    match t {
        Temp::Global(g) => [0, 8, 16, 24, 28, 32, 40][g.0 as usize],
        Temp::Local(_) => panic!("not a global"),
    }
}

pub fn size_of(t: Temp) -> usize {
    match t {
        Temp::Global(g) if (3..6).contains(&g.0) => 4,
        _ => 8,
    }
}

pub fn get(state: &[u8], t: Temp) -> u64 {
    let (o, n) = (offset(t), size_of(t));
    let mut b = [0u8; 8];
    b[..n].copy_from_slice(&state[o..o + n]);
    u64::from_le_bytes(b)
}

pub fn set(state: &mut [u8], t: Temp, v: u64) {
    let (o, n) = (offset(t), size_of(t));
    state[o..o + n].copy_from_slice(&v.to_le_bytes()[..n]);
}

pub fn compile(block: &Block) -> TciBlock {
    if let Err(e) = verify(block) {
        panic!("test block does not verify: {e}\n{:#?}", block.insts);
    }
    TciBlock::compile(block).expect("verified block compiles")
}

/// Verifies, compiles and runs `block` once with no memory and no helpers.
pub fn run(block: &Block, state: &mut [u8]) -> Exit {
    let tb = compile(block);
    Interp::new().run(&tb, state, &mut FlatMemory::new(0, 0), &mut NoHelpers)
}

/// Verifies, compiles and runs `block` once.
pub fn run_with<M: GuestMemory, H: Helpers<M>>(block: &Block, state: &mut [u8], mem: &mut M, helpers: &mut H) -> Exit {
    let tb = compile(block);
    Interp::new().run(&tb, state, mem, helpers)
}

/// One recorded helper call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub id: u32,
    pub args: Vec<u64>,
    /// The state as the helper saw it.
    pub state: Vec<u8>,
}

/// Helpers that record every call and answer from a script: `results[id]`
/// is what helper `id` returns; `writes` are `(id, offset, bytes)` state
/// writes a helper performs before returning.
#[derive(Default)]
pub struct Recorder {
    pub calls: Vec<Call>,
    pub results: Vec<(u32, Result<u64, FaultCode>)>,
    pub writes: Vec<(u32, usize, Vec<u8>)>,
}

impl Recorder {
    pub fn returning(results: &[(u32, Result<u64, FaultCode>)]) -> Recorder {
        Recorder { results: results.to_vec(), ..Recorder::default() }
    }

    pub fn writing(mut self, id: u32, offset: usize, bytes: &[u8]) -> Recorder {
        self.writes.push((id, offset, bytes.to_vec()));
        self
    }
}

impl<M: ?Sized> Helpers<M> for Recorder {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], _mem: &mut M) -> Result<u64, FaultCode> {
        self.calls.push(Call { id, args: args.to_vec(), state: state.to_vec() });
        for (wid, off, bytes) in &self.writes {
            if *wid == id {
                state[*off..*off + bytes.len()].copy_from_slice(bytes);
            }
        }
        self.results.iter().find(|(rid, _)| *rid == id).map_or(Ok(0), |(_, r)| *r)
    }
}

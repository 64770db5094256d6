//! The interpreter loop: runs a [`TciBlock`] against a CPU state, guest
//! memory and a helper table.
//!
//! Globals live in frame slots while the block runs: loaded from the state at
//! entry, stored back at every exit (faults included) and around helper
//! calls as their effect class demands. Storing back every global the block
//! writes is right at any exit, because the ones not yet written still hold
//! their entry values.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::runtime::{Exit, ExitKind, GuestMemory, Helpers};
use wemu_ir::{BinaryOp, Cond, ConvOp, Effect, MemOp, MemSize, Type, UnaryOp, semantics};

use crate::bytecode::{CONST_HEAD, FRAME_SLOTS, GlobalSlot, Op, Slot, TciBlock, with_op_tables};
use crate::memory::{read_le, write_le};

/// The register file: every [`Slot`] indexes it, so slot accesses need no
/// bounds check.
type Frame = [u64; FRAME_SLOTS];

/// Runs blocks. Holds the scratch frame (512 KiB of mostly untouched,
/// lazily zeroed memory) and argument buffer, so that running allocates
/// nothing once warmed up. One per vCPU thread.
#[derive(Clone)]
pub struct Interp {
    frame: Box<Frame>,
    args: Vec<u64>,
}

impl core::fmt::Debug for Interp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interp").finish_non_exhaustive()
    }
}

impl Default for Interp {
    fn default() -> Interp {
        Interp::new()
    }
}

// Every block loads its globals and stores the written ones back, so these
// loops matter: the common 8-byte global takes a plain test, not the jump
// table a `match` on the size compiles to.

fn load_globals(f: &mut Frame, state: &[u8], globals: &[GlobalSlot]) {
    for g in globals {
        f[usize::from(g.slot)] = match g.size {
            MemSize::B8 => state.get(g.offset..).and_then(<[u8]>::first_chunk).map_or(0, |b| u64::from_le_bytes(*b)),
            size => read_le(state, g.offset, size),
        };
    }
}

fn store_globals(f: &Frame, state: &mut [u8], globals: &[GlobalSlot]) {
    for g in globals {
        let v = f[usize::from(g.slot)];
        match g.size {
            MemSize::B8 => {
                if let Some(b) = state.get_mut(g.offset..).and_then(<[u8]>::first_chunk_mut) {
                    *b = v.to_le_bytes();
                }
            }
            size => write_le(state, g.offset, size, v),
        }
    }
}

/// How a helper call ended the block: the exit, and whether the cached
/// globals are already in the state (and must not be stored again, so as to
/// keep what a state-writing helper did before it failed).
struct CallExit {
    kind: ExitKind,
    synced: bool,
}

/// Runs call `idx` of `tb`.
#[inline(never)]
fn call<M: GuestMemory + ?Sized, H: Helpers<M> + ?Sized>(
    tb: &TciBlock,
    idx: u16,
    f: &mut Frame,
    state: &mut [u8],
    mem: &mut M,
    helpers: &mut H,
    args: &mut Vec<u64>,
) -> Result<(), CallExit> {
    let Some(info) = tb.calls.get(usize::from(idx)) else {
        return Err(CallExit { kind: ExitKind::BadBlock, synced: false });
    };
    if info.effect >= Effect::ReadsState {
        store_globals(f, state, &tb.globals_out);
    }
    args.clear();
    let slots = tb.call_args.get(info.args.clone()).unwrap_or(&[]);
    args.extend(slots.iter().map(|&s| f[usize::from(s)]));
    let writes = info.effect >= Effect::WritesState;
    match helpers.call(info.helper, state, args, mem) {
        Ok(v) => {
            if writes {
                load_globals(f, state, &tb.globals_in);
            }
            if let Some((d, ty)) = info.dst {
                f[usize::from(d)] = ty.canon(v);
            }
            Ok(())
        }
        // Only `MayFault` helpers may fail; any other that does still just
        // ends the block with the fault.
        Err(code) => Err(CallExit { kind: ExitKind::HelperFault { helper: info.helper, code }, synced: writes }),
    }
}

/// Runs atomic `idx` of `tb` (an rmw if `cmpxchg` is false).
#[inline(never)]
fn atomic<M: GuestMemory + ?Sized>(
    tb: &TciBlock,
    idx: u16,
    cmpxchg: bool,
    f: &mut Frame,
    mem: &mut M,
) -> Result<(), ExitKind> {
    let Some(a) = tb.atomics.get(usize::from(idx)) else { return Err(ExitKind::BadBlock) };
    let addr = f[usize::from(a.addr)];
    if addr & a.mem.align_mask() != 0 {
        return Err(ExitKind::Misaligned { addr, write: true });
    }
    let x = semantics::stored_raw(a.mem, f[usize::from(a.a)]);
    let old = if cmpxchg {
        let new = semantics::stored_raw(a.mem, f[usize::from(a.b)]);
        mem.atomic_cmpxchg(addr, x, new, a.mem)
    } else {
        mem.atomic_rmw(addr, a.op, x, a.mem)
    };
    match old {
        Ok(old) => {
            f[usize::from(a.d)] = semantics::loaded_value(a.ty, a.mem, old);
            Ok(())
        }
        Err(code) => Err(ExitKind::MemFault { addr, code, write: true }),
    }
}

/// Generates `exec`, the dispatch loop, from the op tables: one match arm
/// per opcode, the type-specialized ones evaluating `semantics` with a
/// constant op and type (which inlines to the bare operation).
macro_rules! define_exec {
    (
        unary { $($un:ident = $uop:ident $uty:ident,)* }
        binary { $($bn:ident = $bop:ident $bty:ident,)* }
        cond { $($cc:ident $cty:ident = $set:ident $mov:ident $br:ident,)* }
    ) => {
        /// Runs `tb`'s code from the start until it leaves the block. The
        /// frame holds the block's constants and globals. Returns the exit
        /// and whether the globals still need storing back.
        #[inline(always)]
        fn exec<M: GuestMemory + ?Sized, H: Helpers<M> + ?Sized>(
            tb: &TciBlock,
            f: &mut Frame,
            state: &mut [u8],
            mem: &mut M,
            helpers: &mut H,
            args: &mut Vec<u64>,
        ) -> (Exit, bool) {
            let code = &tb.code[..];
            let mut insn_pc = 0u64;
            let mut insns = 0u32;
            let mut pc = 0usize;
            let mut synced = false;
            macro_rules! r {
                ($s:expr) => {
                    f[usize::from($s)]
                };
            }
            // A guest memory access at `$a` (an expression, evaluated once),
            // leaving the loop on a fault.
            macro_rules! load {
                ($d:expr, $a:expr, $ty:expr, $m:expr) => {{
                    let a: u64 = $a;
                    if a & $m.align_mask() != 0 {
                        break ExitKind::Misaligned { addr: a, write: false };
                    }
                    match mem.load(a, $m) {
                        Ok(raw) => r!($d) = semantics::loaded_value($ty, $m, raw),
                        Err(code) => break ExitKind::MemFault { addr: a, code, write: false },
                    }
                }};
            }
            macro_rules! store {
                ($s:expr, $a:expr, $m:expr) => {{
                    let a: u64 = $a;
                    if a & $m.align_mask() != 0 {
                        break ExitKind::Misaligned { addr: a, write: true };
                    }
                    if let Err(code) = mem.store(a, semantics::stored_raw($m, r!($s)), $m) {
                        break ExitKind::MemFault { addr: a, code, write: true };
                    }
                }};
            }
            let kind = loop {
                // In range: the code ends with a terminator and branch targets
                // are code indices (see `TciBlock::code`).
                let op = code[pc];
                pc += 1;
                match op {
                    Op::MovI32 { d, s } => r!(d) = Type::I32.canon(r!(s)),
                    Op::MovI64 { d, s } => r!(d) = r!(s),
                    $(Op::$un { d, s } => r!(d) = semantics::unary(UnaryOp::$uop, Type::$uty, r!(s)),)*
                    $(Op::$bn { d, a, b } => {
                        r!(d) = semantics::binary(BinaryOp::$bop, Type::$bty, r!(a), r!(b))
                    })*
                    $(
                        Op::$set { d, a, b } => {
                            r!(d) = u64::from(semantics::cond(Cond::$cc, Type::$cty, r!(a), r!(b)))
                        }
                        Op::$mov { d, a, b, t, f: e } => {
                            let c = semantics::cond(Cond::$cc, Type::$cty, r!(a), r!(b));
                            r!(d) = Type::$cty.canon(if c { r!(t) } else { r!(e) });
                        }
                        Op::$br { a, b, target } => {
                            if semantics::cond(Cond::$cc, Type::$cty, r!(a), r!(b)) {
                                pc = target as usize;
                            }
                        }
                    )*
                    Op::SextI32 { d, s } => r!(d) = semantics::convert(ConvOp::SextI32, r!(s)),
                    Op::ZextI32 { d, s } => r!(d) = semantics::convert(ConvOp::ZextI32, r!(s)),
                    Op::TruncI64 { d, s } => r!(d) = semantics::convert(ConvOp::TruncI64, r!(s)),
                    Op::HighI64 { d, s } => r!(d) = semantics::convert(ConvOp::HighI64, r!(s)),
                    Op::ExtractUI32 { d, s, pos, len } => {
                        r!(d) = semantics::extract(Type::I32, false, r!(s), u32::from(pos), u32::from(len))
                    }
                    Op::ExtractSI32 { d, s, pos, len } => {
                        r!(d) = semantics::extract(Type::I32, true, r!(s), u32::from(pos), u32::from(len))
                    }
                    Op::ExtractUI64 { d, s, pos, len } => {
                        r!(d) = semantics::extract(Type::I64, false, r!(s), u32::from(pos), u32::from(len))
                    }
                    Op::ExtractSI64 { d, s, pos, len } => {
                        r!(d) = semantics::extract(Type::I64, true, r!(s), u32::from(pos), u32::from(len))
                    }
                    Op::DepositI32 { d, base, field, pos, len } => {
                        r!(d) = semantics::deposit(Type::I32, r!(base), r!(field), u32::from(pos), u32::from(len))
                    }
                    Op::DepositI64 { d, base, field, pos, len } => {
                        r!(d) = semantics::deposit(Type::I64, r!(base), r!(field), u32::from(pos), u32::from(len))
                    }
                    Op::LoadState { d, ty, size, signed, offset } => {
                        let raw = read_le(state, offset as usize, size);
                        r!(d) = semantics::loaded_value(ty, MemOp::le(size, signed), raw);
                    }
                    Op::StoreState { s, size, offset } => write_le(state, offset as usize, size, r!(s)),
                    Op::Load { d, addr, ty, mem: m } => load!(d, r!(addr), ty, m),
                    Op::LoadOffI64 { d, base, off, mem: m } => {
                        load!(d, r!(base).wrapping_add(off as u64), Type::I64, m)
                    }
                    Op::LoadOffI32 { d, base, off, mem: m } => {
                        load!(d, r!(base).wrapping_add(off as u64), Type::I32, m)
                    }
                    Op::Store { s, addr, mem: m } => store!(s, r!(addr), m),
                    Op::StoreOff { s, base, off, mem: m } => store!(s, r!(base).wrapping_add(off as u64), m),
                    Op::AtomicRmw { idx } => {
                        if let Err(k) = atomic(tb, idx, false, f, mem) {
                            break k;
                        }
                    }
                    Op::AtomicCmpXchg { idx } => {
                        if let Err(k) = atomic(tb, idx, true, f, mem) {
                            break k;
                        }
                    }
                    Op::Fence { kind } => mem.fence(kind),
                    Op::Call { idx } => {
                        if let Err(e) = call(tb, idx, f, state, mem, helpers, args) {
                            synced = e.synced;
                            break e.kind;
                        }
                    }
                    Op::InsnStart { pc: p } => {
                        insn_pc = r!(p);
                        insns = insns.wrapping_add(1);
                    }
                    Op::Br { target } => pc = target as usize,
                    Op::GotoTb { slot, pc: p } => break ExitKind::GotoTb { slot, pc: r!(p) },
                    Op::LookupTb => break ExitKind::LookupTb,
                    Op::ExitTb { status } => break ExitKind::Status(status),
                    Op::Trap => break ExitKind::BadBlock,
                }
            };
            // The op that left is the one before `pc`.
            if let Some(&(at, n)) = tb.insn_at.get(pc.wrapping_sub(1)).and_then(|&k| tb.insn_states.get(k as usize)) {
                (insn_pc, insns) = (at, n);
            }
            (Exit { kind, insn_pc, insns }, synced)
        }
    };
}

with_op_tables!(define_exec);

impl Interp {
    pub fn new() -> Interp {
        let frame: Box<[u64]> = vec![0u64; FRAME_SLOTS].into_boxed_slice();
        let frame: Box<Frame> = match frame.try_into() {
            Ok(f) => f,
            Err(_) => unreachable!("the frame has FRAME_SLOTS slots"),
        };
        Interp { frame, args: Vec::new() }
    }

    /// Runs `tb` once, from its start to its exit, on the CPU `state`
    /// (little-endian, laid out as the block's globals say), guest `mem` and
    /// `helpers`. If `state` is smaller than [`TciBlock::state_size`] the
    /// block does not run and the exit is [`ExitKind::BadBlock`].
    pub fn run<M: GuestMemory + ?Sized, H: Helpers<M> + ?Sized>(
        &mut self,
        tb: &TciBlock,
        state: &mut [u8],
        mem: &mut M,
        helpers: &mut H,
    ) -> Exit {
        if state.len() < tb.state_size {
            return Exit { kind: ExitKind::BadBlock, insn_pc: 0, insns: 0 };
        }
        let f = &mut *self.frame;
        // Writing the whole head past the block's last constant is
        // harmless: those slots are not the block's.
        match f.get_mut(tb.const_base..).and_then(<[u64]>::first_chunk_mut::<CONST_HEAD>) {
            Some(head) if tb.consts.len() <= CONST_HEAD => *head = tb.consts_head,
            _ => {
                if let Some(consts) = f.get_mut(tb.const_base..tb.const_base + tb.consts.len()) {
                    consts.copy_from_slice(&tb.consts);
                }
            }
        }
        load_globals(f, state, &tb.globals_in);
        let (exit, synced) = exec(tb, f, state, mem, helpers, &mut self.args);
        if !synced {
            store_globals(f, state, &tb.globals_out);
        }
        exit
    }
}

// `Slot` is what indexes the frame without bounds checks.
const _: () = assert!(Slot::MAX as usize + 1 == FRAME_SLOTS);

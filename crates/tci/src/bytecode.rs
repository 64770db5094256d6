//! The bytecode a block is lowered to: one [`Op`] per executed IR
//! instruction (or per fused pair: an address `x + c` and the access using
//! it, a result and the `mov` to a global after it; `insn_start` usually
//! needs none), with operands resolved to frame slots and the operation and
//! its type folded into the opcode, plus the side tables of the few ops whose
//! operands do not fit in an `Op` and the data `run` needs at entry and exit.
//!
//! The frame is a register file of 2^16 `u64` slots, laid out per block as
//! `[used globals][locals][constants]`. A [`Slot`] is a `u16`, so every slot
//! index is in range of the frame by construction.

use alloc::vec::Vec;
use core::ops::Range;

use wemu_ir::{Effect, FenceKind, MemOp, MemSize, RmwOp, Type};

/// An index into the frame.
pub(crate) type Slot = u16;

/// Number of slots in a frame: every [`Slot`] value indexes it.
pub(crate) const FRAME_SLOTS: usize = 1 << 16;

/// Constants copied as a fixed-size array (see [`TciBlock::consts_head`]);
/// riscv64 blocks have four on average.
pub(crate) const CONST_HEAD: usize = 8;

/// Invokes `$m!` with the tables of the type-specialized ops: for every
/// unary and binary op and both types the variant name, and for every
/// condition and both types the names of its `setcond`, `movcond` and
/// `brcond` variants. The enum definition, the compiler's selection and the
/// interpreter's dispatch are all generated from these tables, so they cannot
/// disagree; the selection matches are exhaustive, so a table that misses a
/// combination does not compile.
macro_rules! with_op_tables {
    ($m:ident) => {
        $m! {
            unary {
                NegI32 = Neg I32, NegI64 = Neg I64,
                NotI32 = Not I32, NotI64 = Not I64,
                ClzI32 = Clz I32, ClzI64 = Clz I64,
                CtzI32 = Ctz I32, CtzI64 = Ctz I64,
                PopcntI32 = Popcnt I32, PopcntI64 = Popcnt I64,
                Bswap16I32 = Bswap16 I32, Bswap16I64 = Bswap16 I64,
                Bswap32I32 = Bswap32 I32, Bswap32I64 = Bswap32 I64,
                Bswap64I32 = Bswap64 I32, Bswap64I64 = Bswap64 I64,
                Sext8I32 = Sext8 I32, Sext8I64 = Sext8 I64,
                Sext16I32 = Sext16 I32, Sext16I64 = Sext16 I64,
                Sext32I32 = Sext32 I32, Sext32I64 = Sext32 I64,
                Zext8I32 = Zext8 I32, Zext8I64 = Zext8 I64,
                Zext16I32 = Zext16 I32, Zext16I64 = Zext16 I64,
                Zext32I32 = Zext32 I32, Zext32I64 = Zext32 I64,
            }
            binary {
                AddI32 = Add I32, AddI64 = Add I64,
                SubI32 = Sub I32, SubI64 = Sub I64,
                AndI32 = And I32, AndI64 = And I64,
                OrI32 = Or I32, OrI64 = Or I64,
                XorI32 = Xor I32, XorI64 = Xor I64,
                AndcI32 = Andc I32, AndcI64 = Andc I64,
                OrcI32 = Orc I32, OrcI64 = Orc I64,
                ShlI32 = Shl I32, ShlI64 = Shl I64,
                ShrI32 = Shr I32, ShrI64 = Shr I64,
                SarI32 = Sar I32, SarI64 = Sar I64,
                RotlI32 = Rotl I32, RotlI64 = Rotl I64,
                RotrI32 = Rotr I32, RotrI64 = Rotr I64,
                MulI32 = Mul I32, MulI64 = Mul I64,
                MulhsI32 = Mulhs I32, MulhsI64 = Mulhs I64,
                MulhuI32 = Mulhu I32, MulhuI64 = Mulhu I64,
                MulhsuI32 = Mulhsu I32, MulhsuI64 = Mulhsu I64,
                DivsI32 = Divs I32, DivsI64 = Divs I64,
                DivuI32 = Divu I32, DivuI64 = Divu I64,
                RemsI32 = Rems I32, RemsI64 = Rems I64,
                RemuI32 = Remu I32, RemuI64 = Remu I64,
            }
            cond {
                Eq I32 = SetEqI32 MovEqI32 BrEqI32, Eq I64 = SetEqI64 MovEqI64 BrEqI64,
                Ne I32 = SetNeI32 MovNeI32 BrNeI32, Ne I64 = SetNeI64 MovNeI64 BrNeI64,
                Lt I32 = SetLtI32 MovLtI32 BrLtI32, Lt I64 = SetLtI64 MovLtI64 BrLtI64,
                Ge I32 = SetGeI32 MovGeI32 BrGeI32, Ge I64 = SetGeI64 MovGeI64 BrGeI64,
                Le I32 = SetLeI32 MovLeI32 BrLeI32, Le I64 = SetLeI64 MovLeI64 BrLeI64,
                Gt I32 = SetGtI32 MovGtI32 BrGtI32, Gt I64 = SetGtI64 MovGtI64 BrGtI64,
                Ltu I32 = SetLtuI32 MovLtuI32 BrLtuI32, Ltu I64 = SetLtuI64 MovLtuI64 BrLtuI64,
                Geu I32 = SetGeuI32 MovGeuI32 BrGeuI32, Geu I64 = SetGeuI64 MovGeuI64 BrGeuI64,
                Leu I32 = SetLeuI32 MovLeuI32 BrLeuI32, Leu I64 = SetLeuI64 MovLeuI64 BrLeuI64,
                Gtu I32 = SetGtuI32 MovGtuI32 BrGtuI32, Gtu I64 = SetGtuI64 MovGtuI64 BrGtuI64,
            }
        }
    };
}
pub(crate) use with_op_tables;

macro_rules! define_op {
    (
        unary { $($un:ident = $uop:ident $uty:ident,)* }
        binary { $($bn:ident = $bop:ident $bty:ident,)* }
        cond { $($cc:ident $cty:ident = $set:ident $mov:ident $br:ident,)* }
    ) => {
        /// One bytecode instruction. `d` is the destination slot; other
        /// slots are operands. Branch targets are indices into the code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Op {
            /// `d = s` as i32 (canonicalized).
            MovI32 { d: Slot, s: Slot },
            /// `d = s`.
            MovI64 { d: Slot, s: Slot },
            $(
                #[doc = concat!("`d = ", stringify!($uop), " s` (", stringify!($uty), ").")]
                $un { d: Slot, s: Slot },
            )*
            $(
                #[doc = concat!("`d = a ", stringify!($bop), " b` (", stringify!($bty), ").")]
                $bn { d: Slot, a: Slot, b: Slot },
            )*
            $(
                #[doc = concat!("`d = a ", stringify!($cc), " b` (", stringify!($cty), ").")]
                $set { d: Slot, a: Slot, b: Slot },
                #[doc = concat!("`d = (a ", stringify!($cc), " b) ? t : f` (", stringify!($cty), ").")]
                $mov { d: Slot, a: Slot, b: Slot, t: Slot, f: Slot },
                #[doc = concat!("Branch to `target` if `a ", stringify!($cc), " b` (", stringify!($cty), ").")]
                $br { a: Slot, b: Slot, target: u32 },
            )*
            /// `d = sext_i32_i64 s`.
            SextI32 { d: Slot, s: Slot },
            /// `d = zext_i32_i64 s`.
            ZextI32 { d: Slot, s: Slot },
            /// `d = trunc_i64_i32 s`.
            TruncI64 { d: Slot, s: Slot },
            /// `d = high_i64_i32 s`.
            HighI64 { d: Slot, s: Slot },
            /// Unsigned bit-field extract (i32).
            ExtractUI32 { d: Slot, s: Slot, pos: u8, len: u8 },
            /// Signed bit-field extract (i32).
            ExtractSI32 { d: Slot, s: Slot, pos: u8, len: u8 },
            /// Unsigned bit-field extract (i64).
            ExtractUI64 { d: Slot, s: Slot, pos: u8, len: u8 },
            /// Signed bit-field extract (i64).
            ExtractSI64 { d: Slot, s: Slot, pos: u8, len: u8 },
            /// Bit-field deposit (i32).
            DepositI32 { d: Slot, base: Slot, field: Slot, pos: u8, len: u8 },
            /// Bit-field deposit (i64).
            DepositI64 { d: Slot, base: Slot, field: Slot, pos: u8, len: u8 },
            /// A non-global state load; `offset + size` is within the block's
            /// checked state size.
            LoadState { d: Slot, ty: Type, size: MemSize, signed: bool, offset: u32 },
            /// A non-global state store.
            StoreState { s: Slot, size: MemSize, offset: u32 },
            /// Guest memory load.
            Load { d: Slot, addr: Slot, ty: Type, mem: MemOp },
            /// Guest memory store.
            Store { s: Slot, addr: Slot, mem: MemOp },
            /// Guest memory load (i64 result) from `base + off`: an address
            /// computation fused into the access.
            LoadOffI64 { d: Slot, base: Slot, off: i16, mem: MemOp },
            /// Guest memory load (i32 result) from `base + off`.
            LoadOffI32 { d: Slot, base: Slot, off: i16, mem: MemOp },
            /// Guest memory store to `base + off`.
            StoreOff { s: Slot, base: Slot, off: i16, mem: MemOp },
            /// Atomic read-modify-write: [`TciBlock::atomics`]`[idx]`.
            AtomicRmw { idx: u16 },
            /// Atomic compare-and-exchange: [`TciBlock::atomics`]`[idx]`.
            AtomicCmpXchg { idx: u16 },
            /// Memory barrier.
            Fence { kind: FenceKind },
            /// Helper call: [`TciBlock::calls`]`[idx]`.
            Call { idx: u16 },
            /// Start of a guest instruction whose PC is in slot `pc`. Only
            /// in blocks whose instruction count is not known statically
            /// (see [`TciBlock::insn_at`]).
            InsnStart { pc: Slot },
            /// Unconditional branch.
            Br { target: u32 },
            /// `goto_tb slot, pc` with the PC in slot `pc`.
            GotoTb { slot: u8, pc: Slot },
            /// `lookup_tb`.
            LookupTb,
            /// `exit_tb status`.
            ExitTb { status: u32 },
            /// Control fell off the end of the block (never for verified IR):
            /// leave with `BadBlock`.
            Trap,
        }
    };
}

with_op_tables!(define_op);

// Keep instructions compact: the hot loop streams through them.
const _: () = assert!(core::mem::size_of::<Op>() <= 12);

/// Operands of an atomic op, kept out of line (atomics are rare).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AtomicInfo {
    pub d: Slot,
    pub addr: Slot,
    /// The rmw operand, or the expected value of a cmpxchg.
    pub a: Slot,
    /// The new value of a cmpxchg (unused for rmw).
    pub b: Slot,
    pub ty: Type,
    pub op: RmwOp,
    pub mem: MemOp,
}

/// A helper call, kept out of line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallInfo {
    pub helper: u32,
    pub effect: Effect,
    /// Destination slot and the type its value is canonicalized to.
    pub dst: Option<(Slot, Type)>,
    /// The argument slots: `TciBlock::call_args[args]`.
    pub args: Range<usize>,
}

/// A global cached in a frame slot, and where it lives in the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GlobalSlot {
    pub slot: Slot,
    /// Byte offset in the state; `offset + size` is within the block's
    /// checked state size.
    pub offset: usize,
    /// `B4` or `B8`.
    pub size: MemSize,
}

/// A block lowered to bytecode, ready to [`run`](crate::Interp::run) any
/// number of times. Made by [`TciBlock::compile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TciBlock {
    /// The instructions. The last one is always a terminator and every branch
    /// target is an index into `code`, so execution never runs past the end.
    pub(crate) code: Vec<Op>,
    /// Initial values of the constant slots `const_base ..`.
    pub(crate) consts: Vec<u64>,
    /// The first [`CONST_HEAD`] of `consts`, zero-padded: a block with no
    /// more constants than that copies them as one fixed-size array
    /// (inline moves, where a slice copy calls `memcpy`).
    pub(crate) consts_head: [u64; CONST_HEAD],
    pub(crate) const_base: usize,
    /// Every global the block uses: loaded at entry and after a helper that
    /// writes state.
    pub(crate) globals_in: Vec<GlobalSlot>,
    /// Every global the block writes: stored back at every exit and before a
    /// helper that reads state.
    pub(crate) globals_out: Vec<GlobalSlot>,
    pub(crate) atomics: Vec<AtomicInfo>,
    pub(crate) calls: Vec<CallInfo>,
    pub(crate) call_args: Vec<Slot>,
    /// Where a block's count of guest instructions is the same on every
    /// path to each op (no loops, and joins agree; so for every block a
    /// frontend makes), its `insn_start`s emit no code: `insn_at[i]` is
    /// the index in `insn_states` of what op `i` reports if it exits.
    /// Empty otherwise: `InsnStart` ops count at run time.
    pub(crate) insn_at: Vec<u32>,
    /// `(pc, insns)` of the last `insn_start` executed and the count so
    /// far; entry 0 is `(0, 0)`, before any.
    pub(crate) insn_states: Vec<(u64, u32)>,
    /// Bytes of CPU state the block touches; `run` refuses smaller states.
    pub(crate) state_size: usize,
    /// Number of frame slots in use.
    pub(crate) slots: usize,
}

impl TciBlock {
    /// Bytes of CPU state the block needs (every global it uses and every
    /// state access fits): `run` returns `BadBlock` for a smaller state.
    pub fn state_size(&self) -> usize {
        self.state_size
    }

    /// Number of bytecode instructions.
    pub fn code_len(&self) -> usize {
        self.code.len()
    }

    /// Number of frame slots the block uses (globals, locals, constants).
    pub fn frame_slots(&self) -> usize {
        self.slots
    }
}

//! The interface between executed IR and the machine around it: guest
//! memory, helpers and how a block ends. Both executors (the interpreter
//! and the Wasm JIT) use these same types, so a machine plugs into either.

use crate::{FenceKind, MemOp, RmwOp};

/// An implementation-defined fault code from guest memory (the softmmu
/// encodes the guest-visible cause in it) or from a helper.
pub type FaultCode = u32;

/// Guest memory as the IR sees it.
///
/// Values cross this interface as *raw* little-endian numbers of the access
/// size, zero-extended to 64 bits: the executor applies the access's byte
/// order and sign extension ([`crate::semantics::loaded_value`]) and checks
/// its alignment requirement before calling. Implementations must not panic
/// for any address; they return `Err` with a fault code instead.
pub trait GuestMemory {
    /// Reads `mem.size` bytes at `addr`.
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode>;
    /// Writes the low `mem.size` bytes of `raw` at `addr`.
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode>;
    /// Atomically replaces the value `old` at `addr` with
    /// `semantics::rmw(op, mem.size, old, raw)` and returns `old`.
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode>;
    /// Atomically writes `new` at `addr` if the value there equals
    /// `expected` (at the access size); returns the old value.
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode>;
    /// A memory barrier. Single-threaded memories need do nothing.
    fn fence(&mut self, _kind: FenceKind) {}
}

/// The helper table: calls by id. `state` is the CPU-state block; helpers
/// whose declared effect is `Pure` or `ReadsState` must not change it.
/// `mem` is the guest memory the block runs against (`M` is the executor's
/// memory type, so a guest's helpers can reach its softmmu: flush a TLB,
/// walk page tables, access memory). `Err(code)` is only allowed for
/// helpers declared `MayFault`; it ends the block with
/// [`ExitKind::HelperFault`].
pub trait Helpers<M: ?Sized> {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], mem: &mut M) -> Result<u64, FaultCode>;
}

/// Why a block's execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitKind {
    /// `goto_tb slot, pc`.
    GotoTb { slot: u8, pc: u64 },
    /// `lookup_tb`: continue at the PC in the CPU state.
    LookupTb,
    /// `exit_tb status`.
    Status(u32),
    /// A guest memory access failed in [`GuestMemory`].
    MemFault { addr: u64, code: FaultCode, write: bool },
    /// An access broke its alignment requirement; memory was not touched.
    Misaligned { addr: u64, write: bool },
    /// A helper declared `MayFault` returned an error.
    HelperFault { helper: u32, code: FaultCode },
    /// The block could not run at all: its state needs are larger than the
    /// state block given, or it was malformed (never for verified IR).
    BadBlock,
}

impl ExitKind {
    /// Whether the block stopped at a fault (the guest state is that of the
    /// start of the faulting guest instruction, as far as the frontend
    /// follows the rule of writing globals only after its last access).
    pub const fn is_fault(&self) -> bool {
        matches!(self, ExitKind::MemFault { .. } | ExitKind::Misaligned { .. } | ExitKind::HelperFault { .. })
    }
}

/// A block's exit and where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exit {
    pub kind: ExitKind,
    /// The guest PC of the last `insn_start` executed (0 if none).
    pub insn_pc: u64,
    /// How many `insn_start` markers were executed, including the one of a
    /// faulting instruction: the guest instructions retired are
    /// `insns - 1` after a fault and `insns` otherwise.
    pub insns: u32,
}

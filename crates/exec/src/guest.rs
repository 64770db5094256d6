//! The [`Guest`] trait: what a guest frontend (riscv64, aarch64, x86_64)
//! gives the vCPU loop.
//!
//! The loop knows nothing of any architecture. It asks the guest where the
//! next block starts ([`Guest::block_key`]), has it translate blocks
//! ([`Guest::translate`]), runs them, and hands back everything that is not
//! plain control flow — `exit_tb` statuses, memory faults, fetch faults,
//! pending interrupts — for the guest to turn into architectural behaviour
//! (trap entry, WFI, power-off) at an instruction boundary.
//!
//! # The frontend's side of the contract
//!
//! * **Translation is a pure function of the [`BlockKey`] and the code
//!   bytes.** Anything else the generated code depends on (privilege level,
//!   MMU index of data accesses, ISA modes such as Thumb or x86's code
//!   size) must be folded into [`BlockKey::flags`] or `mmu_idx`: a cached
//!   block is reused whenever the key and the code bytes match.
//! * **Precise state.** A block writes a global only after the last access
//!   of that guest instruction that may fault, so at a fault the state is
//!   that of the start of the faulting instruction; the loop then calls
//!   [`Guest::set_pc`] with the instruction's PC (from its `insn_start`).
//! * **The PC in the state** need not be kept current inside a block: the
//!   loop sets it after a `goto_tb` exit (to the successor's PC) and at a
//!   fault. Before `lookup_tb` the block must have written it; for
//!   `exit_tb` the guest's [`Guest::handle_event`] gets the PC of the
//!   instruction that exited.
//! * **Changing the translation regime ends the block** with `lookup_tb`
//!   or `exit_tb`, never `goto_tb`: an instruction that changes
//!   [`BlockKey::flags`], the fetch MMU index or the page tables in effect
//!   (satp writes, `sfence.vma`, mode switches) or that enables interrupts.
//!   The loop chains `goto_tb` exits directly to the successor without
//!   looking the key up again, and delivers interrupts only between blocks.
//! * **Helpers that change translations** (TLB flushes, walker controls) do
//!   so through the [`CpuMemory`] they receive.
//! * **Helpers that store to guest memory** return
//!   [`CODE_WRITE_FAULT`](wemu_softmmu::CODE_WRITE_FAULT) unchanged when a
//!   store hits watched code, before changing anything else: the loop then
//!   runs the instruction again, alone, and the helper with it.

use alloc::sync::Arc;
use core::fmt;

use wemu_ir::runtime::{FaultCode, Helpers};
use wemu_ir::{Block, Globals};
use wemu_softmmu::{CpuMemory, PageWalker};

use crate::{CodeReader, Machine};

/// Where a block starts and how it is to be translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockKey {
    /// The guest virtual PC of the first instruction.
    pub pc: u64,
    /// Guest-defined translation flags (everything besides the PC and the
    /// code bytes that the generated code depends on).
    pub flags: u32,
    /// The MMU index instruction fetch translates in.
    pub mmu_idx: u8,
}

/// Instruction fetch failed: the guest's fault code for `addr` (the first
/// byte that could not be fetched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FetchFault {
    pub addr: u64,
    pub code: FaultCode,
}

/// Something the guest turns into architectural behaviour. Memory and
/// helper faults come with the state at the start of the faulting
/// instruction (its PC already set), the others with the state as the
/// block left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A block ended with `exit_tb status` (the status is the frontend's
    /// own code: an ecall, a WFI, an illegal instruction...).
    Status(u32),
    /// A guest memory access failed with the walker's or the softmmu's
    /// fault code (never `CODE_WRITE_FAULT`: the loop handles that itself).
    MemFault { addr: u64, code: FaultCode, write: bool },
    /// An access broke its alignment requirement; memory is untouched.
    Misaligned { addr: u64, write: bool },
    /// A `MayFault` helper failed.
    HelperFault { helper: u32, code: FaultCode },
    /// The first instruction of the next block could not be fetched. The
    /// state's PC is the block's PC.
    FetchFault(FetchFault),
}

impl fmt::Display for Event {
    /// A short description for traces (`int`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rw = |write: bool| if write { "store" } else { "load" };
        match *self {
            Event::Status(s) => write!(f, "exit status {s:#x}"),
            Event::MemFault { addr, code, write } => write!(f, "{} fault {code:#x} at {addr:#x}", rw(write)),
            Event::Misaligned { addr, write } => write!(f, "misaligned {} at {addr:#x}", rw(write)),
            Event::HelperFault { helper, code } => write!(f, "helper {helper} fault {code:#x}"),
            Event::FetchFault(FetchFault { addr, code }) => write!(f, "fetch fault {code:#x} at {addr:#x}"),
        }
    }
}

/// What the guest made of an [`Event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Go on at the PC now in the state (after a trap entry, say).
    Continue,
    /// Wait for an interrupt (WFI, HLT): the PC in the state is where to
    /// resume. The loop returns [`RunExit::Halted`](crate::RunExit) to the
    /// host unless an interrupt is already pending.
    Halt,
    /// Stop the machine (power-off, reset request, a test's exit) with a
    /// guest-defined code; the loop returns
    /// [`RunExit::Stopped`](crate::RunExit).
    Stop(u32),
}

impl fmt::Display for Action {
    /// A short description for traces (`int`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Action::Continue => f.write_str("continue"),
            Action::Halt => f.write_str("halt"),
            Action::Stop(code) => write!(f, "stop {code:#x}"),
        }
    }
}

/// A vCPU as the guest's callbacks see it: its state block, its memory
/// (TLB, walker and address space) and its helper table.
#[derive(Debug)]
pub struct CpuContext<'a, G: Guest + ?Sized> {
    /// The vCPU's index in the machine.
    pub vcpu: u32,
    /// The CPU-state block, laid out as the guest's globals say.
    pub state: &'a mut [u8],
    /// The vCPU's memory: flush its TLB, reach the walker's controls, or
    /// access guest memory (x86 pushes exception frames).
    pub mem: CpuMemory<'a, G::Walker>,
    /// The helper table (and whatever per-vCPU state it keeps).
    pub helpers: &'a mut G::Helpers,
}

/// A guest architecture: state layout, translation, page walker, helpers,
/// and the architectural side of exits and interrupts. One value per vCPU
/// (it may keep per-vCPU data the loop does not need to see); the walker
/// and helper table are separate values owned by the same
/// [`Vcpu`](crate::Vcpu), so translation can fetch through the walker
/// while `self` is borrowed.
pub trait Guest {
    /// The guest's page walker (it keeps the translation controls it
    /// needs: privilege, `satp`, ...).
    type Walker: PageWalker;
    /// The helper table generated code calls.
    type Helpers: for<'m> Helpers<CpuMemory<'m, Self::Walker>>;

    /// The globals of the CPU-state block (every block uses these).
    fn globals(&self) -> &Arc<Globals>;

    /// Bytes of the CPU-state block: at least the end of every global and
    /// of every field the frontend reaches with `load_state`/`store_state`.
    fn state_size(&self) -> usize;

    /// Number of MMU indexes (TLB modes) the guest uses, 1..=16.
    fn mmu_modes(&self) -> u8;

    /// The key of the block to run next, read from the state.
    fn block_key(&self, state: &[u8]) -> BlockKey;

    /// Writes `pc` as the guest's PC into the state.
    fn set_pc(&self, state: &mut [u8], pc: u64);

    /// Where the guest PC is in the state (a little-endian u64), if it is
    /// stored there as one: the PC `lookup_tb` continues at. With it,
    /// generated code may follow `lookup_tb` into another compiled region
    /// without returning to the loop (see `wemu_wasm_jit::abi`, "Links").
    ///
    /// Links (like the loop's own `goto_tb` chaining) assume that a block
    /// ending in `goto_tb` or `lookup_tb` leaves [`Guest::block_key`]'s
    /// flags and MMU index as they were at its start, or changes them only
    /// in ways the next block's translation under the old flags still runs
    /// correctly with; a block that changes them otherwise ends with
    /// `exit_tb`.
    fn pc_offset(&self) -> Option<u32> {
        None
    }

    /// Where the loop keeps, in the state, this vCPU's retired
    /// instructions before the current block (a little-endian u64, exact
    /// whenever a helper runs), for per-vCPU instruction counters; `None`
    /// if the guest does not want it.
    fn retired_offset(&self) -> Option<u32> {
        None
    }

    /// Translates the block at `key`, at most `max_insns` guest instructions
    /// (at least one), reading code only through `code`.
    ///
    /// If the first instruction cannot be fetched, return the
    /// [`FetchFault`] (the loop raises it through
    /// [`Guest::handle_event`]); if a later one cannot, end the block
    /// before it (`goto_tb` to its PC), so that it faults when it is the
    /// first of a block. [`CodeReader::fetch`] also refuses a third page:
    /// a block covers at most two.
    fn translate(
        &mut self,
        key: BlockKey,
        code: &mut CodeReader<'_, '_, Self::Walker>,
        max_insns: u32,
    ) -> Result<Block, FetchFault>;

    /// Turns `event` into guest behaviour. `pc` is the PC of the guest
    /// instruction the event belongs to (the faulting or exiting one, or
    /// the block's PC for a fetch fault).
    fn handle_event(&mut self, cpu: &mut CpuContext<'_, Self>, event: Event, pc: u64) -> Action;

    /// Whether an interrupt is pending that ends a wait (WFI), given the
    /// machine's interrupt `lines` for this vCPU (even if interrupts are
    /// globally disabled, as RISC-V's WFI requires).
    fn interrupt_pending(&self, state: &[u8], lines: u64) -> bool;

    /// At an instruction boundary, takes an interrupt if one is pending and
    /// enabled: performs the trap entry and returns `true`. `lines` are the
    /// machine's interrupt lines for this vCPU; `machine` answers interrupt
    /// acknowledge cycles (x86's INTA).
    fn take_interrupt(&mut self, cpu: &mut CpuContext<'_, Self>, lines: u64, machine: &mut dyn Machine) -> bool;

    /// Writes the disassembly of the guest instruction at `pc` to `out`
    /// (one line's text, without the newline), reading the code only
    /// through `code`: for the `in_asm` trace, which calls it for every
    /// instruction of each block translated, right after translating it,
    /// and never when `in_asm` is off.
    ///
    /// The default writes nothing (the trace then shows only the PCs). A
    /// fetch that fails here may be reported in the text.
    fn disassemble(
        &self,
        code: &mut CodeReader<'_, '_, Self::Walker>,
        pc: u64,
        out: &mut dyn fmt::Write,
    ) -> fmt::Result {
        let _ = (code, pc, out);
        Ok(())
    }
}

//! [`Riscv64Cpu`]: the riscv64 hart as the vCPU loop's [`Guest`] — block
//! keys, translation, and the architectural side of exits (trap entry),
//! interrupts and WFI.

use alloc::sync::Arc;
use core::fmt;

use wemu_exec::{Action, BlockKey, CodeReader, CpuContext, Event, FetchFault, Guest, Machine};
use wemu_ir::runtime::FaultCode;
use wemu_ir::{Block, Globals, MemSize};
use wemu_softmmu::{Access, CpuMemory, Resolved};

use crate::helpers::{HartMemory, Riscv64Helpers, Timebase};
use crate::mmu::Mmu;
use crate::state::{self, Regs, State};
use crate::translate::{self, CACHE_BLOCK, EXIT_EXCEPTION, EXIT_STATE_CHANGED, EXIT_WFI, TbFlags, mmu_idx};
use crate::trap::{self, cause};

/// A riscv64 hart (RV64GC, M/S/U, Sv39/48/57, Sstc). One per vCPU, with an
/// [`Mmu`] as its walker and [`Riscv64Helpers`] as its helper table (built
/// with the same [`Timebase`]).
#[derive(Debug)]
pub struct Riscv64Cpu {
    regs: Regs,
    timebase: Option<Timebase>,
}

impl Riscv64Cpu {
    /// A hart reading `time` from `timebase` (`None`: time stands at 0).
    pub fn new(timebase: Option<Timebase>) -> Riscv64Cpu {
        Riscv64Cpu { regs: Regs::new(), timebase }
    }

    /// The three values `wemu_exec::Vcpu::new` takes for one hart: the
    /// guest, its walker and its helper table, reading time from
    /// `timebase`.
    pub fn parts(timebase: Option<Timebase>) -> (Riscv64Cpu, Mmu, Riscv64Helpers) {
        let helpers = match &timebase {
            Some(t) => Riscv64Helpers::new(t.clone()),
            None => Riscv64Helpers::default(),
        };
        (Riscv64Cpu::new(timebase), Mmu::new(), helpers)
    }

    /// Resets a hart (Privileged spec §3.4): its state block, and its
    /// walker's copy of the translation controls, to M-mode at `pc`.
    pub fn reset(state: &mut [u8], walker: &mut Mmu, pc: u64, hartid: u64) {
        let mut st = State::new(state);
        state::reset(&mut st, pc, hartid);
        walker.sync(&st);
    }

    /// The IR globals of the state block.
    pub fn regs(&self) -> &Regs {
        &self.regs
    }

    fn mtime(&self) -> u64 {
        self.timebase.as_ref().map_or(0, Timebase::mtime)
    }

    /// A `time` that gives Sstc's STIP as of the last timer poll, for the
    /// interrupt checks at block boundaries: the `stimecmp` timer is armed
    /// at the instant `time` reaches `stimecmp` (see
    /// [`Riscv64Helpers::update_stimecmp_timer`]) and the loop disarms it
    /// when it fires, so `u64::MAX` once it has fired, 0 before (or when
    /// `stimecmp` is beyond the clock's range, as -1 is: the timer was
    /// never armed). Reading the host clock at every block boundary
    /// instead cost a fifth of a Linux boot in real time; in deterministic
    /// time, where the loop polls timers at every boundary, the result is
    /// the same.
    fn boundary_time(&self, st: &State<'_>) -> u64 {
        match &self.timebase {
            Some(tb @ Timebase { stimecmp_timer: Some(t), .. }) => match t.deadline() {
                Some(_) => 0,
                None if tb.ns_at(st.get(state::STIMECMP)) == u64::MAX => 0,
                None => u64::MAX,
            },
            _ => self.mtime(),
        }
    }
}

impl HartMemory for CpuMemory<'_, Mmu> {
    fn mmu_changed(&mut self, st: &State<'_>) {
        self.walker.sync(st);
        self.tlb.flush_all(self.space.arena());
        self.walker.flushed_all();
    }

    fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u16>) {
        // M-mode accesses are never translated: only the other indexes.
        let mask = (1 << mmu_idx::USER) | (1 << mmu_idx::SUPERVISOR) | (1 << mmu_idx::SUPERVISOR_SUM);
        let arena = self.space.arena();
        match (vaddr, asid) {
            (Some(v), _) if !self.walker.sfence_needs_full_flush(v) => self.tlb.flush_page(arena, v, mask),
            (None, Some(a)) => self.tlb.flush_asid(arena, a),
            _ => {
                self.tlb.flush_mmu(arena, mask);
                self.walker.flushed_all();
            }
        }
    }

    fn cbo_access(&mut self, vaddr: u64, mmu_idx: u8) -> Result<(), u64> {
        // A walk of its own (these instructions are rare): the TLB keeps
        // nothing from it.
        match self.walker.translate_in(self.space, vaddr, CACHE_BLOCK, Access::Read, mmu_idx) {
            Ok(_) => Ok(()),
            Err(code) if u64::from(code) == cause::LOAD_PAGE_FAULT => Err(cause::STORE_PAGE_FAULT),
            Err(_) => Err(cause::STORE_ACCESS),
        }
    }
}

/// The exception cause a memory fault code stands for (the walker's codes
/// are causes; anything else is taken as an access fault).
fn mem_fault_cause(code: FaultCode, write: bool) -> u64 {
    let c = u64::from(code);
    match c {
        cause::LOAD_ACCESS | cause::STORE_ACCESS | cause::LOAD_PAGE_FAULT | cause::STORE_PAGE_FAULT => c,
        _ if write => cause::STORE_ACCESS,
        _ => cause::LOAD_ACCESS,
    }
}

/// The bits of the instruction at `pc`, for the `xtval` of an
/// illegal-instruction exception a helper raised (helpers do not see the
/// instruction). The translator gives the bits for the ones it raises, as
/// QEMU does for all of them, and OpenSBI's emulation of instructions
/// reads them from `mtval` when it is not 0 (§3.1.16 allows 0 or the
/// bits). The code was fetched from there to run the block, so the fetch
/// succeeds but for a concurrent remap; it reads RAM or ROM only (a device
/// read could have side effects): otherwise `None`, and `xtval` is 0.
fn insn_bits(mem: &mut CpuMemory<'_, Mmu>, pc: u64, mmu_idx: u8) -> Option<u32> {
    let mut half = |vaddr: u64| -> Option<u32> {
        let paddr = mem.translate_fetch(vaddr, mmu_idx).ok()?;
        match mem.space.resolve(paddr) {
            Resolved::Memory { remaining, .. } if remaining >= 2 => {
                mem.space.read(paddr, MemSize::B2).ok().map(|v| v as u32)
            }
            _ => None,
        }
    };
    let lo = half(pc)?;
    if crate::insn_length(lo as u16) == 2 {
        return Some(lo);
    }
    Some(lo | half(pc.wrapping_add(2))? << 16)
}

/// What an [`Event`] means for the hart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Take an exception with this cause and `xtval` (at the event's PC).
    Trap { cause: u64, tval: u64 },
    /// No trap: what the loop should do.
    Action(Action),
}

/// Interprets `event` with the state as the block left it. `fault_vaddr`
/// is the walker's last fault address ([`Mmu::fault_vaddr`]).
pub fn classify(st: &State<'_>, event: &Event, fault_vaddr: Option<u64>) -> Outcome {
    let (cause, tval) = match *event {
        Event::Status(EXIT_EXCEPTION) => (st.get(state::TRAP_CAUSE), st.get(state::TRAP_TVAL)),
        Event::Status(EXIT_WFI) => return Outcome::Action(Action::Halt),
        Event::Status(EXIT_STATE_CHANGED) => return Outcome::Action(Action::Continue),
        Event::Status(_) => return Outcome::Action(Action::Continue),
        Event::MemFault { addr, code, write } => {
            // A fault on the second page of a crossing access reports that
            // page's address (§3.1.16).
            let tval = match fault_vaddr {
                Some(v) if v.wrapping_sub(addr) < 8 => v,
                _ => addr,
            };
            (mem_fault_cause(code, write), tval)
        }
        Event::Misaligned { addr, write } => {
            (if write { cause::MISALIGNED_STORE } else { cause::MISALIGNED_LOAD }, addr)
        }
        Event::HelperFault { code, .. } => (u64::from(code), st.get(state::TRAP_TVAL)),
        Event::FetchFault(f) => {
            let c = u64::from(f.code);
            (if c == cause::FETCH_PAGE_FAULT { c } else { cause::FETCH_ACCESS }, f.addr)
        }
    };
    Outcome::Trap { cause, tval }
}

impl Guest for Riscv64Cpu {
    type Walker = Mmu;
    type Helpers = Riscv64Helpers;

    fn globals(&self) -> &Arc<Globals> {
        &self.regs.globals
    }

    fn state_size(&self) -> usize {
        state::SIZE as usize
    }

    fn mmu_modes(&self) -> u8 {
        mmu_idx::COUNT
    }

    fn block_key(&self, state: &[u8]) -> BlockKey {
        let st = State::view(state);
        let flags = TbFlags::from_state(&st);
        BlockKey { pc: st.pc(), flags: flags.0, mmu_idx: flags.fetch_mmu() }
    }

    fn set_pc(&self, state: &mut [u8], pc: u64) {
        State::new(state).set_pc(pc);
    }

    /// The only flag change a `goto_tb`/`lookup_tb` block makes is
    /// `mstatus.FS` to dirty, which a block translated for the clean state
    /// repeats harmlessly; everything else that feeds the flags (privilege,
    /// MPRV, SUM, FS off) ends the block with `exit_tb`.
    fn pc_offset(&self) -> Option<u32> {
        Some(state::PC)
    }

    fn retired_offset(&self) -> Option<u32> {
        Some(state::RETIRED.0)
    }

    fn translate(
        &mut self,
        key: BlockKey,
        code: &mut CodeReader<'_, '_, Mmu>,
        max_insns: u32,
    ) -> Result<Block, FetchFault> {
        let mut fetch = |a: u64| code.fetch_u16(a).map_err(|f| f.code);
        translate::translate_block(&self.regs, &mut fetch, key.pc, TbFlags(key.flags), max_insns)
            .map(|t| t.block)
            .map_err(|f| FetchFault { addr: f.vaddr, code: f.code })
    }

    /// One instruction in GNU syntax with its encoding, for `-d in_asm`
    /// (fetching the second halfword of a 32-bit instruction only if
    /// needed, as the translator does).
    fn disassemble(&self, code: &mut CodeReader<'_, '_, Mmu>, pc: u64, out: &mut dyn fmt::Write) -> fmt::Result {
        let Ok(lo) = code.fetch_u16(pc) else { return write!(out, "<fetch fault>") };
        if crate::insn_length(lo) == 2 {
            return write!(out, "{lo:04x}      {}", crate::decode_compressed(lo));
        }
        let Ok(hi) = code.fetch_u16(pc.wrapping_add(2)) else { return write!(out, "{lo:04x}???? <fetch fault>") };
        let bits = u32::from(lo) | u32::from(hi) << 16;
        write!(out, "{bits:08x}  {}", crate::decode(bits))
    }

    fn handle_event(&mut self, cpu: &mut CpuContext<'_, Self>, event: Event, pc: u64) -> Action {
        let mut st = State::new(cpu.state);
        if event == Event::Status(EXIT_EXCEPTION) {
            // The loop counted the instruction (a status exit is not a
            // fault exit), but it did not retire.
            crate::csr::unretire(&mut st);
        }
        match classify(&st, &event, cpu.mem.walker.fault_vaddr()) {
            Outcome::Trap { cause, mut tval } => {
                if matches!(event, Event::HelperFault { .. }) && cause == trap::cause::ILLEGAL_INSTRUCTION {
                    let fetch_idx = TbFlags::from_state(&st).fetch_mmu();
                    tval = insn_bits(&mut cpu.mem, pc, fetch_idx).map_or(0, u64::from);
                }
                trap::enter(&mut st, cause, tval, pc);
                Action::Continue
            }
            Outcome::Action(a) => a,
        }
    }

    fn interrupt_pending(&self, state: &[u8], lines: u64) -> bool {
        let st = State::view(state);
        trap::wfi_wakes(&st, lines, self.boundary_time(&st))
    }

    fn take_interrupt(&mut self, cpu: &mut CpuContext<'_, Self>, lines: u64, _machine: &mut dyn Machine) -> bool {
        let mut st = State::new(cpu.state);
        st.set(state::IRQ_LINES, lines & crate::csr::LINE_MASK);
        let time = match self.timebase {
            Some(_) => self.boundary_time(&st),
            None => cpu.helpers.mtime(),
        };
        trap::take_interrupt(&mut st, time).is_some()
    }
}

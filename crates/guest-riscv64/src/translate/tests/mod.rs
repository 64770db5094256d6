//! Execution tests of the translator: guest code is translated, verified,
//! compiled for the interpreter and run against a flat memory, with exits
//! turned into traps the way the vCPU loop does ([`crate::classify`]).

mod asm;
mod atomics;
mod fp;
mod integer;
mod system;

use alloc::vec::Vec;

use wemu_exec::{Event, FetchFault as ExecFetchFault};
use wemu_ir::runtime::{Exit, ExitKind, FaultCode, GuestMemory};
use wemu_ir::{FenceKind, MemOp, MemSize, RmwOp};
use wemu_tci::{FlatMemory, Interp, TciBlock};

use super::{TbFlags, Translated, translate_block};
use crate::cpu::{Outcome, classify};
use crate::csr::{self, Counters};
use crate::helpers::{HartMemory, Riscv64Helpers};
use crate::state::{self, Priv, Regs, State};
use crate::trap::{self, cause};

/// Where code is loaded.
pub const BASE: u64 = 0x8000_0000;
/// A data area inside the flat memory.
pub const DATA: u64 = 0x8000_8000;
/// An address outside it (every access faults).
pub const UNMAPPED: u64 = 0x1000;
const MEM_SIZE: usize = 0x1_0000;

/// The test memory: flat RAM, and a record of the MMU notifications.
pub struct TestMem {
    pub flat: FlatMemory,
    pub mmu_changes: u32,
    pub sfences: Vec<(Option<u64>, Option<u16>)>,
}

/// Flat-memory faults become access faults of the right kind.
fn fault(write: bool) -> FaultCode {
    (if write { cause::STORE_ACCESS } else { cause::LOAD_ACCESS }) as FaultCode
}

impl GuestMemory for TestMem {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.flat.load(addr, mem).map_err(|_| fault(false))
    }
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        self.flat.store(addr, raw, mem).map_err(|_| fault(true))
    }
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.flat.atomic_rmw(addr, op, raw, mem).map_err(|_| fault(true))
    }
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.flat.atomic_cmpxchg(addr, expected, new, mem).map_err(|_| fault(true))
    }
    fn fence(&mut self, _kind: FenceKind) {}
}

impl HartMemory for TestMem {
    fn mmu_changed(&mut self, _st: &State<'_>) {
        self.mmu_changes += 1;
    }
    fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u16>) {
        self.sfences.push((vaddr, asid));
    }
    /// Flat memory: any block that is all in it.
    fn cbo_access(&mut self, vaddr: u64, _mmu_idx: u8) -> Result<(), u64> {
        let mem = MemOp::le(MemSize::B1, false);
        let last = vaddr.wrapping_add(crate::translate::CACHE_BLOCK - 1);
        match (self.flat.load(vaddr, mem), self.flat.load(last, mem)) {
            (Ok(_), Ok(_)) => Ok(()),
            _ => Err(cause::STORE_ACCESS),
        }
    }
}

/// A hart running translated code in the interpreter.
pub struct Hart {
    pub state: Vec<u8>,
    pub mem: TestMem,
    pub helpers: Riscv64Helpers,
    pub regs: Regs,
    interp: Interp,
    /// The last trap taken (cause, tval, epc).
    pub trap: Option<(u64, u64, u64)>,
}

impl Hart {
    /// A hart in M-mode at [`BASE`] with FS = Initial.
    pub fn new() -> Hart {
        let mut state = state::reset_state(BASE, 0);
        let mut st = State::new(&mut state);
        st.set(state::MSTATUS, st.get(state::MSTATUS) | 1 << csr::MSTATUS_FS_SHIFT);
        Hart {
            state,
            mem: TestMem { flat: FlatMemory::new(BASE, MEM_SIZE), mmu_changes: 0, sfences: Vec::new() },
            helpers: Riscv64Helpers::with_counters(Counters { time: 1000, icount: 500 }),
            regs: Regs::new(),
            interp: Interp::new(),
            trap: None,
        }
    }

    /// A hart with `code` (32-bit words) at [`BASE`].
    pub fn with_code(code: &[u32]) -> Hart {
        let mut h = Hart::new();
        h.load(BASE, code);
        h
    }

    pub fn load(&mut self, addr: u64, code: &[u32]) {
        for (i, w) in code.iter().enumerate() {
            self.mem.flat.write(addr + 4 * i as u64, MemSize::B4, u64::from(*w)).unwrap();
        }
    }

    pub fn load16(&mut self, addr: u64, code: &[u16]) {
        for (i, w) in code.iter().enumerate() {
            self.mem.flat.write(addr + 2 * i as u64, MemSize::B2, u64::from(*w)).unwrap();
        }
    }

    pub fn st(&mut self) -> State<'_> {
        State::new(&mut self.state)
    }

    pub fn x(&self, n: u8) -> u64 {
        State::view(&self.state).x(n)
    }

    pub fn set_x(&mut self, n: u8, v: u64) {
        self.st().set_x(n, v)
    }

    pub fn f(&self, n: u8) -> u64 {
        State::view(&self.state).f(n)
    }

    pub fn set_f(&mut self, n: u8, v: u64) {
        self.st().set_f(n, v)
    }

    pub fn pc(&self) -> u64 {
        State::view(&self.state).pc()
    }

    pub fn get(&self, f: state::Field) -> u64 {
        State::view(&self.state).get(f)
    }

    pub fn set(&mut self, f: state::Field, v: u64) {
        self.st().set(f, v)
    }

    pub fn set_priv(&mut self, p: Priv) {
        self.st().set_priv(p)
    }

    pub fn read_mem(&self, addr: u64, size: MemSize) -> u64 {
        self.mem.flat.read(addr, size).unwrap()
    }

    pub fn write_mem(&mut self, addr: u64, size: MemSize, v: u64) {
        self.mem.flat.write(addr, size, v).unwrap()
    }

    /// Translates the block at the current PC (and checks it verifies).
    pub fn translate(&self, max_insns: u32) -> Result<Translated, super::FetchFault> {
        let flags = TbFlags::from_state(&State::view(&self.state));
        let flat = &self.mem.flat;
        let mut fetch = |a: u64| flat.read(a, MemSize::B2).map(|v| v as u16).map_err(|_| cause::FETCH_ACCESS as u32);
        let t = translate_block(&self.regs, &mut fetch, self.pc(), flags, max_insns)?;
        if let Err(e) = wemu_ir::verify(&t.block) {
            panic!("block at {:#x} does not verify: {e}\n{}", self.pc(), wemu_ir::text::print(&t.block));
        }
        Ok(t)
    }

    /// Runs one block of at most `max_insns` and applies its exit as the
    /// vCPU loop would (PC after `goto_tb` and faults, trap entry).
    pub fn step_n(&mut self, max_insns: u32) -> Exit {
        let t = match self.translate(max_insns) {
            Ok(t) => t,
            Err(f) => {
                let pc = self.pc();
                let ev = Event::FetchFault(ExecFetchFault { addr: f.vaddr, code: f.code });
                self.apply(&ev, pc);
                return Exit { kind: ExitKind::BadBlock, insn_pc: pc, insns: 0 };
            }
        };
        let tb = TciBlock::compile(&t.block).unwrap();
        let exit = self.interp.run(&tb, &mut self.state, &mut self.mem, &mut self.helpers);
        let event = match exit.kind {
            ExitKind::GotoTb { pc, .. } => {
                self.st().set_pc(pc);
                None
            }
            ExitKind::LookupTb => None,
            ExitKind::Status(s) => Some(Event::Status(s)),
            ExitKind::MemFault { addr, code, write } => Some(Event::MemFault { addr, code, write }),
            ExitKind::Misaligned { addr, write } => Some(Event::Misaligned { addr, write }),
            ExitKind::HelperFault { helper, code } => Some(Event::HelperFault { helper, code }),
            ExitKind::BadBlock => panic!("bad block"),
        };
        if exit.kind.is_fault() {
            self.st().set_pc(exit.insn_pc);
        }
        if let Some(ev) = event {
            self.apply(&ev, exit.insn_pc);
        }
        exit
    }

    fn apply(&mut self, ev: &Event, pc: u64) {
        if let Outcome::Trap { cause, tval } = classify(&State::view(&self.state), ev, None) {
            trap::enter(&mut self.st(), cause, tval, pc);
            self.trap = Some((cause, tval, pc));
        }
    }

    /// Runs one block.
    pub fn step(&mut self) -> Exit {
        self.step_n(64)
    }

    /// Runs `code` (32-bit instructions) from [`BASE`] until the PC is at
    /// its end, never translating past it.
    pub fn run_code(&mut self, code: &[u32]) {
        self.load(BASE, code);
        self.st().set_pc(BASE);
        let end = BASE + 4 * code.len() as u64;
        for _ in 0..100 {
            let pc = self.pc();
            if pc == end {
                return;
            }
            let left = if (BASE..end).contains(&pc) { ((end - pc) / 4) as u32 } else { 64 };
            self.step_n(left);
        }
        panic!("did not reach {end:#x}, at {:#x}", self.pc());
    }
}

//! The board's hart: the riscv64 frontend's [`Riscv64Cpu`] with the
//! board's tracing (`-d in_asm`, `-d int`) around it.
//!
//! Tracing is done here rather than in the frontend or the loop, from
//! what the [`Guest`] callbacks see: a block's code when it is translated,
//! and each trap and interrupt as it is taken.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::Write;

use wemu_exec::{Action, BlockKey, CodeReader, CpuContext, Event, FetchFault, Guest, Machine};
use wemu_guest_riscv64::state::{self, State};
use wemu_guest_riscv64::{Mmu, Outcome, Riscv64Cpu, Riscv64Helpers, classify, decode, decode_compressed, insn_length};
use wemu_ir::{Block, Globals};
use wemu_softmmu::CpuMemory;

/// Where trace lines go (natively: standard error).
pub trait TraceSink: Send {
    /// One or more complete lines, each ending in `\n`.
    fn write(&mut self, text: &str);
}

/// What to trace, as QEMU's `-d` items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceFlags {
    /// `in_asm`: the guest code of every block translated, disassembled.
    pub in_asm: bool,
    /// `int`: every exception and interrupt taken.
    pub int: bool,
}

impl TraceFlags {
    /// Parses a comma-separated `-d` list (`in_asm,int`).
    pub fn parse(list: &str) -> Result<TraceFlags, String> {
        let mut f = TraceFlags::default();
        for item in list.split(',').filter(|s| !s.is_empty()) {
            match item {
                "in_asm" => f.in_asm = true,
                "int" => f.int = true,
                other => return Err(format!("unknown -d item `{other}` (known: in_asm, int)")),
            }
        }
        Ok(f)
    }

    pub fn any(&self) -> bool {
        self.in_asm || self.int
    }
}

/// The hart: a [`Riscv64Cpu`] and its tracing.
pub struct Hart {
    cpu: Riscv64Cpu,
    flags: TraceFlags,
    sink: Option<Box<dyn TraceSink>>,
}

impl core::fmt::Debug for Hart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hart").field("cpu", &self.cpu).field("flags", &self.flags).finish_non_exhaustive()
    }
}

impl Hart {
    pub fn new(cpu: Riscv64Cpu, flags: TraceFlags, sink: Option<Box<dyn TraceSink>>) -> Hart {
        let flags = if sink.is_some() { flags } else { TraceFlags::default() };
        Hart { cpu, flags, sink }
    }

    pub fn cpu(&self) -> &Riscv64Cpu {
        &self.cpu
    }

    fn trace(&mut self, text: &str) {
        if let Some(s) = &mut self.sink {
            s.write(text);
        }
    }

    /// The disassembly of the `insns` instructions at `pc`, as `-d in_asm`
    /// prints it.
    fn disassemble(code: &mut CodeReader<'_, '_, Mmu>, pc: u64, insns: usize) -> String {
        let mut out = String::from("IN:\n");
        let mut a = pc;
        for _ in 0..insns {
            let Ok(lo) = code.fetch_u16(a) else { break };
            if insn_length(lo) == 2 {
                let _ = writeln!(out, "0x{a:016x}:  {lo:04x}          {}", decode_compressed(lo));
                a = a.wrapping_add(2);
            } else {
                let Ok(hi) = code.fetch_u16(a.wrapping_add(2)) else { break };
                let bits = u32::from(lo) | (u32::from(hi) << 16);
                let _ = writeln!(out, "0x{a:016x}:  {bits:08x}      {}", decode(bits));
                a = a.wrapping_add(4);
            }
        }
        out.push('\n');
        out
    }
}

/// `cpu` as the frontend's own context (the same parts: the hart's walker
/// and helpers are the frontend's).
fn inner<'b>(cpu: &'b mut CpuContext<'_, Hart>) -> CpuContext<'b, Riscv64Cpu> {
    CpuContext {
        vcpu: cpu.vcpu,
        state: &mut *cpu.state,
        mem: CpuMemory { space: &mut *cpu.mem.space, tlb: &mut *cpu.mem.tlb, walker: &mut *cpu.mem.walker },
        helpers: &mut *cpu.helpers,
    }
}

/// The name of exception or interrupt `cause` (Privileged spec §3.1.15).
fn cause_name(cause: u64) -> &'static str {
    use wemu_guest_riscv64::trap::{INTERRUPT, cause as c};
    if cause & INTERRUPT != 0 {
        return match cause & !INTERRUPT {
            1 => "supervisor software interrupt",
            3 => "machine software interrupt",
            5 => "supervisor timer interrupt",
            7 => "machine timer interrupt",
            9 => "supervisor external interrupt",
            11 => "machine external interrupt",
            _ => "interrupt",
        };
    }
    match cause {
        c::MISALIGNED_FETCH => "instruction address misaligned",
        c::FETCH_ACCESS => "instruction access fault",
        c::ILLEGAL_INSTRUCTION => "illegal instruction",
        c::BREAKPOINT => "breakpoint",
        c::MISALIGNED_LOAD => "load address misaligned",
        c::LOAD_ACCESS => "load access fault",
        c::MISALIGNED_STORE => "store/AMO address misaligned",
        c::STORE_ACCESS => "store/AMO access fault",
        c::USER_ECALL => "environment call from U-mode",
        c::SUPERVISOR_ECALL => "environment call from S-mode",
        c::MACHINE_ECALL => "environment call from M-mode",
        c::FETCH_PAGE_FAULT => "instruction page fault",
        c::LOAD_PAGE_FAULT => "load page fault",
        c::STORE_PAGE_FAULT => "store/AMO page fault",
        _ => "exception",
    }
}

/// Where a trap went: the privilege and `xcause` that trap entry wrote.
fn trap_target(st: &State<'_>) -> (char, u64) {
    match st.priv_mode() {
        wemu_guest_riscv64::Priv::Machine => ('M', st.get(state::MCAUSE)),
        _ => ('S', st.get(state::SCAUSE)),
    }
}

impl Guest for Hart {
    type Walker = Mmu;
    type Helpers = Riscv64Helpers;

    fn globals(&self) -> &Arc<Globals> {
        self.cpu.globals()
    }

    fn state_size(&self) -> usize {
        self.cpu.state_size()
    }

    fn mmu_modes(&self) -> u8 {
        self.cpu.mmu_modes()
    }

    fn block_key(&self, state: &[u8]) -> BlockKey {
        self.cpu.block_key(state)
    }

    fn set_pc(&self, state: &mut [u8], pc: u64) {
        self.cpu.set_pc(state, pc)
    }

    fn translate(
        &mut self,
        key: BlockKey,
        code: &mut CodeReader<'_, '_, Mmu>,
        max_insns: u32,
    ) -> Result<Block, FetchFault> {
        let block = self.cpu.translate(key, code, max_insns)?;
        if self.flags.in_asm {
            let text = Hart::disassemble(code, key.pc, block.guest_insns());
            self.trace(&text);
        }
        Ok(block)
    }

    fn handle_event(&mut self, cpu: &mut CpuContext<'_, Self>, event: Event, pc: u64) -> Action {
        let trap = match self.flags.int {
            true => match classify(&State::view(cpu.state), &event, cpu.mem.walker.fault_vaddr()) {
                Outcome::Trap { cause, tval } => Some((cause, tval)),
                Outcome::Action(_) => None,
            },
            false => None,
        };
        let action = self.cpu.handle_event(&mut inner(cpu), event, pc);
        if let Some((cause, tval)) = trap {
            let st = State::view(cpu.state);
            let (mode, _) = trap_target(&st);
            let line = format!(
                "exception {cause} ({}) at pc {pc:#x}, tval {tval:#x}: to {mode}-mode at {:#x}\n",
                cause_name(cause),
                st.pc()
            );
            self.trace(&line);
        }
        action
    }

    fn interrupt_pending(&self, state: &[u8], lines: u64) -> bool {
        self.cpu.interrupt_pending(state, lines)
    }

    fn take_interrupt(&mut self, cpu: &mut CpuContext<'_, Self>, lines: u64, machine: &mut dyn Machine) -> bool {
        let pc = State::view(cpu.state).pc();
        let taken = self.cpu.take_interrupt(&mut inner(cpu), lines, machine);
        if taken && self.flags.int {
            let st = State::view(cpu.state);
            let (mode, cause) = trap_target(&st);
            let line = format!(
                "interrupt {} ({}) at pc {pc:#x}: to {mode}-mode at {:#x}\n",
                cause & !(1 << 63),
                cause_name(cause),
                st.pc()
            );
            self.trace(&line);
        }
        taken
    }
}

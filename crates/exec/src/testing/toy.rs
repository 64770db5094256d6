//! A toy guest for testing the vCPU loop without a real frontend.
//!
//! 16 64-bit registers, fixed 32-bit little-endian instructions
//! `op | rd << 8 | rs << 12 | imm16 << 16` (imm sign-extended), a trap
//! vector `tvec`, `epc`, `cause`, `tval`, an interrupt enable `ie`.
//! Traps with `tvec == 0` stop the machine with `0xdead_0000 | cause`.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use wemu_ir::runtime::{FaultCode, Helpers};
use wemu_ir::{Block, Builder, Cond, Effect, GlobalId, Globals, HelperDecl, MemOp, MemSize, Temp, Type, Value};
use wemu_softmmu::{Access, AddressSpace, PAGE_MASK, PageWalker, Translation};

use crate::{Action, BlockKey, CodeReader, CpuContext, Event, FetchFault, Guest, Machine, Timer, TimerId};

pub mod op {
    pub const LI: u32 = 0x01;
    pub const ADD: u32 = 0x02;
    pub const ADDI: u32 = 0x03;
    pub const LD: u32 = 0x04;
    pub const ST: u32 = 0x05;
    pub const STW: u32 = 0x06;
    pub const BNEZ: u32 = 0x07;
    pub const JMP: u32 = 0x08;
    pub const JR: u32 = 0x09;
    pub const EXC: u32 = 0x0a;
    pub const WFI: u32 = 0x0b;
    pub const HALT: u32 = 0x0c;
    pub const ORI16: u32 = 0x0d;
    pub const ERET: u32 = 0x0e;
    pub const SETIE: u32 = 0x0f;
    pub const OUT: u32 = 0x10;
    pub const MTV: u32 = 0x11;
    pub const MFC: u32 = 0x12;
    pub const MFE: u32 = 0x13;
    pub const MTE: u32 = 0x14;
}

/// Trap causes.
pub mod cause {
    pub const ILLEGAL: u64 = 2;
    pub const MISALIGNED_LOAD: u64 = 4;
    pub const MISALIGNED_STORE: u64 = 6;
    pub const FETCH_PAGE: u64 = 12;
    pub const LOAD_PAGE: u64 = 13;
    pub const STORE_PAGE: u64 = 15;
    pub const ACCESS: u64 = 5;
    pub const HELPER: u64 = 20;
    pub const INTERRUPT: u64 = 1 << 31;
}

/// Walker fault codes.
pub const PAGE_FAULT: FaultCode = 0x10;
pub const ACCESS_FAULT: FaultCode = 0x20;

/// `exit_tb` statuses.
const STATUS_WFI: u32 = 1;
const STATUS_EXC: u32 = 0x1_0000;
const STATUS_HALT: u32 = 0x2_0000;

/// State offsets.
pub const PC: usize = 128;
pub const CAUSE: usize = 136;
pub const EPC: usize = 144;
pub const TVEC: usize = 152;
pub const IE: usize = 160;
pub const TVAL: usize = 168;
pub const STATE_SIZE: usize = 176;

pub fn get(state: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(state[off..off + 8].try_into().unwrap())
}

pub fn set(state: &mut [u8], off: usize, v: u64) {
    state[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// The toy frontend.
#[derive(Debug)]
pub struct ToyGuest {
    globals: Arc<Globals>,
    regs: [GlobalId; 16],
    pc: GlobalId,
    cause: GlobalId,
    epc: GlobalId,
    tvec: GlobalId,
    ie: GlobalId,
    /// The PC and instruction limit of every translation (including
    /// re-translations for hot reports).
    pub translated: Vec<(u64, u32)>,
}

impl Default for ToyGuest {
    fn default() -> ToyGuest {
        let mut g = Globals::new();
        let regs = core::array::from_fn(|i| g.add(&format!("r{i}"), Type::I64, 8 * i as u32));
        let pc = g.add("pc", Type::I64, PC as u32);
        let cause = g.add("cause", Type::I64, CAUSE as u32);
        let epc = g.add("epc", Type::I64, EPC as u32);
        let tvec = g.add("tvec", Type::I64, TVEC as u32);
        let ie = g.add("ie", Type::I64, IE as u32);
        ToyGuest { globals: Arc::new(g), regs, pc, cause, epc, tvec, ie, translated: Vec::new() }
    }
}

const PUTC: u32 = 0;

impl ToyGuest {
    /// Enters the trap vector (or stops the machine if there is none).
    fn trap(&self, state: &mut [u8], cause: u64, epc: u64, tval: u64) -> Action {
        let tvec = get(state, TVEC);
        if tvec == 0 {
            return Action::Stop(0xdead_0000 | cause as u32);
        }
        set(state, CAUSE, cause);
        set(state, EPC, epc);
        set(state, TVAL, tval);
        set(state, IE, 0);
        set(state, PC, tvec);
        Action::Continue
    }

    /// Emits one instruction; returns whether it ends the block.
    fn emit(&self, b: &mut Builder, pc: u64, w: u32) -> bool {
        let (opc, rd, rs) = (w & 0xff, (w >> 8 & 15) as usize, (w >> 12 & 15) as usize);
        let imm = (w >> 16) as u16 as i16 as i64 as u64;
        let (rd, rs) = (Temp::Global(self.regs[rd]), Temp::Global(self.regs[rs]));
        let g = Temp::Global;
        let i64 = Type::I64;
        let mem = |size| MemOp::le(size, false).aligned();
        match opc {
            op::LI => b.mov(i64, rd, Value::Const(imm)),
            op::ADD => {
                let t = b.add(i64, rd.into(), rs.into());
                b.mov(i64, rd, t.into());
            }
            op::ADDI => {
                let t = b.add(i64, rd.into(), Value::Const(imm));
                b.mov(i64, rd, t.into());
            }
            op::LD => {
                let a = b.add(i64, rs.into(), Value::Const(imm));
                let v = b.load(i64, a.into(), mem(MemSize::B8));
                b.mov(i64, rd, v.into());
            }
            op::ST | op::STW => {
                let a = b.add(i64, rs.into(), Value::Const(imm));
                b.store(i64, rd.into(), a.into(), mem(if opc == op::ST { MemSize::B8 } else { MemSize::B4 }));
            }
            op::BNEZ => {
                let not_taken = b.new_label();
                b.brcond(i64, Cond::Eq, rd.into(), Value::Const(0), not_taken);
                b.goto_tb(0, pc.wrapping_add(imm << 2));
                b.label(not_taken);
                b.goto_tb(1, pc + 4);
                return true;
            }
            op::JMP => {
                b.goto_tb(0, pc.wrapping_add(imm << 2));
                return true;
            }
            op::JR => {
                b.mov(i64, g(self.pc), rs.into());
                b.lookup_tb();
                return true;
            }
            op::EXC => {
                b.exit_tb(STATUS_EXC | (imm as u32 & 0xffff));
                return true;
            }
            op::WFI => {
                b.exit_tb(STATUS_WFI);
                return true;
            }
            op::HALT => {
                b.exit_tb(STATUS_HALT | (imm as u32 & 0xffff));
                return true;
            }
            op::ORI16 => {
                let t = b.shl(i64, rd.into(), Value::Const(16));
                let t = b.or(i64, t.into(), Value::Const(imm & 0xffff));
                b.mov(i64, rd, t.into());
            }
            op::ERET => {
                b.mov(i64, g(self.pc), g(self.epc).into());
                b.mov(i64, g(self.ie), Value::Const(1));
                b.lookup_tb();
                return true;
            }
            op::SETIE => {
                b.mov(i64, g(self.ie), Value::Const(imm & 1));
                // Interrupts are taken between blocks.
                b.goto_tb(0, pc + 4);
                return true;
            }
            op::OUT => {
                b.call(PUTC, vec![rd.into()]);
            }
            op::MTV => b.mov(i64, g(self.tvec), rs.into()),
            op::MFC => b.mov(i64, rd, g(self.cause).into()),
            op::MFE => b.mov(i64, rd, g(self.epc).into()),
            op::MTE => b.mov(i64, g(self.epc), rs.into()),
            _ => {
                b.exit_tb(STATUS_EXC | cause::ILLEGAL as u32);
                return true;
            }
        }
        false
    }
}

impl Guest for ToyGuest {
    type Walker = ToyWalker;
    type Helpers = ToyHelpers;

    fn globals(&self) -> &Arc<Globals> {
        &self.globals
    }

    fn state_size(&self) -> usize {
        STATE_SIZE
    }

    fn mmu_modes(&self) -> u8 {
        1
    }

    fn block_key(&self, state: &[u8]) -> BlockKey {
        BlockKey { pc: get(state, PC), flags: 0, mmu_idx: 0 }
    }

    fn set_pc(&self, state: &mut [u8], pc: u64) {
        set(state, PC, pc)
    }

    fn translate(
        &mut self,
        key: BlockKey,
        code: &mut CodeReader<'_, '_, ToyWalker>,
        max_insns: u32,
    ) -> Result<Block, FetchFault> {
        self.translated.push((key.pc, max_insns));
        let mut b = Builder::new(self.globals.clone());
        b.declare_helper(HelperDecl {
            id: PUTC,
            name: "putc".into(),
            args: vec![Type::I64],
            ret: None,
            effect: Effect::MayFault,
        });
        let mut pc = key.pc;
        for i in 0..max_insns {
            let w = match code.fetch_u32(pc) {
                Ok(w) => w,
                Err(f) if i == 0 => return Err(f),
                Err(_) => break,
            };
            b.insn_start(pc);
            if self.emit(&mut b, pc, w) {
                return Ok(b.finish());
            }
            pc = pc.wrapping_add(4);
        }
        b.goto_tb(0, pc);
        Ok(b.finish())
    }

    fn handle_event(&mut self, cpu: &mut CpuContext<'_, Self>, event: Event, pc: u64) -> Action {
        let state = &mut *cpu.state;
        match event {
            Event::Status(STATUS_WFI) => {
                set(state, PC, pc + 4);
                Action::Halt
            }
            Event::Status(s) if s & STATUS_HALT != 0 => Action::Stop(s & 0xffff),
            Event::Status(s) => self.trap(state, u64::from(s & 0xffff), pc, 0),
            Event::MemFault { addr, code, write } => {
                let c = match (code, write) {
                    (PAGE_FAULT, false) => cause::LOAD_PAGE,
                    (PAGE_FAULT, true) => cause::STORE_PAGE,
                    _ => cause::ACCESS,
                };
                self.trap(state, c, pc, addr)
            }
            Event::Misaligned { addr, write } => {
                let c = if write { cause::MISALIGNED_STORE } else { cause::MISALIGNED_LOAD };
                self.trap(state, c, pc, addr)
            }
            Event::HelperFault { code, .. } => self.trap(state, cause::HELPER, pc, code.into()),
            Event::FetchFault(f) => {
                let c = if f.code == PAGE_FAULT { cause::FETCH_PAGE } else { cause::ACCESS };
                self.trap(state, c, pc, f.addr)
            }
        }
    }

    fn disassemble(&self, code: &mut CodeReader<'_, '_, ToyWalker>, pc: u64, out: &mut dyn fmt::Write) -> fmt::Result {
        let w = match code.fetch_u32(pc) {
            Ok(w) => w,
            Err(f) => return write!(out, "<fetch fault {:#x}>", f.code),
        };
        let (opc, rd, rs, imm) = (w & 0xff, w >> 8 & 15, w >> 12 & 15, (w >> 16) as u16 as i16);
        let name = match opc {
            op::LI => "li",
            op::ADD => "add",
            op::ADDI => "addi",
            op::LD => "ld",
            op::ST => "st",
            op::STW => "stw",
            op::BNEZ => "bnez",
            op::JMP => "jmp",
            op::JR => "jr",
            op::EXC => "exc",
            op::WFI => "wfi",
            op::HALT => "halt",
            op::ORI16 => "ori16",
            op::ERET => "eret",
            op::SETIE => "setie",
            op::OUT => "out",
            op::MTV => "mtv",
            op::MFC => "mfc",
            op::MFE => "mfe",
            op::MTE => "mte",
            _ => return write!(out, ".word {w:#010x}"),
        };
        write!(out, "{name} r{rd}, r{rs}, {imm}")
    }

    fn interrupt_pending(&self, _state: &[u8], lines: u64) -> bool {
        lines != 0
    }

    fn take_interrupt(&mut self, cpu: &mut CpuContext<'_, Self>, lines: u64, machine: &mut dyn Machine) -> bool {
        if lines == 0 || get(cpu.state, IE) == 0 {
            return false;
        }
        let pc = get(cpu.state, PC);
        let line = lines.trailing_zeros();
        // The toy's interrupt controller clears the line on acknowledge.
        machine.irq_acknowledge(cpu.vcpu, line);
        matches!(self.trap(cpu.state, cause::INTERRUPT | u64::from(line), pc, 0), Action::Continue)
    }
}

/// Identity translation, except for `holes` (virtual pages that page-fault)
/// and `remap` (virtual page -> physical page).
#[derive(Debug, Default)]
pub struct ToyWalker {
    pub holes: Vec<u64>,
    pub remap: Vec<(u64, u64)>,
    pub walks: u64,
}

impl PageWalker for ToyWalker {
    fn translate(
        &mut self,
        _space: &mut AddressSpace,
        vaddr: u64,
        _len: u64,
        _access: Access,
        _mmu_idx: u8,
    ) -> Result<Translation, FaultCode> {
        self.walks += 1;
        let vpage = vaddr & PAGE_MASK;
        if self.holes.contains(&vpage) {
            return Err(PAGE_FAULT);
        }
        let paddr_page = self.remap.iter().find(|(v, _)| *v == vpage).map_or(vpage, |&(_, p)| p);
        Ok(Translation { paddr_page, read: true, write: true, execute: true, asid: 0, global: false })
    }

    fn access_fault(&mut self, _vaddr: u64, _access: Access) -> FaultCode {
        ACCESS_FAULT
    }
}

/// The helper table: `putc` appends to `out` (and fails above 255).
#[derive(Debug, Default)]
pub struct ToyHelpers {
    pub out: Vec<u8>,
}

impl<M: ?Sized> Helpers<M> for ToyHelpers {
    fn call(&mut self, id: u32, _state: &mut [u8], args: &[u64], _mem: &mut M) -> Result<u64, FaultCode> {
        match (id, args) {
            (PUTC, &[c]) if c <= 0xff => {
                self.out.push(c as u8);
                Ok(0)
            }
            _ => Err(0x99),
        }
    }
}

/// Interrupt lines set by hand or by timers: timer `i` raises line `i`;
/// acknowledging a line clears it. A periodic timer re-arms itself.
#[derive(Debug, Default)]
pub struct ToyMachine {
    pub lines: u64,
    /// (timer, virtual time) of every expiry.
    pub fired: Vec<(TimerId, u64)>,
    /// Lines acknowledged, in order.
    pub acked: Vec<u32>,
    /// A timer re-armed `period` ns after each expiry.
    pub periodic: Option<(Timer, u64)>,
}

impl Machine for ToyMachine {
    fn irq_lines(&self, _vcpu: u32) -> u64 {
        self.lines
    }

    fn irq_acknowledge(&mut self, _vcpu: u32, line: u32) -> u32 {
        self.lines &= !(1 << line);
        self.acked.push(line);
        line
    }

    fn timer_expired(&mut self, _space: &mut AddressSpace, timer: TimerId, now: u64) {
        self.fired.push((timer, now));
        self.lines |= 1 << timer.0;
        if let Some((t, period)) = &self.periodic
            && t.id() == timer
        {
            t.arm(now + period);
        }
    }
}

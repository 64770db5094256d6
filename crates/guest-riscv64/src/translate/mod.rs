//! The translator: guest instructions in, an IR [`Block`] out.
//!
//! [`translate_block`] decodes instructions from a start PC until one ends
//! the block (a branch, jump, trap or state-changing system instruction),
//! the next instruction would start on another page, or the instruction
//! limit is reached. Each instruction class has its own module; they share
//! the emission helpers of `Ctx`.
//!
//! Rules every instruction follows:
//!
//! * each starts with `insn_start PC`;
//! * `x0` reads as the constant 0 and writes to it are dropped;
//! * **precise exceptions**: guest registers (globals) are written only
//!   after the instruction's last access that can fault, so a fault leaves
//!   them as they were before it. `pc` is written only when the block
//!   leaves through `lookup_tb` or `exit_tb`; at a fault the vCPU loop
//!   takes the faulting instruction's PC from the exit's `insn_pc`;
//! * a synchronous exception the translator raises itself (illegal
//!   instruction, `ecall`, `ebreak`, a failed permission check) stores its
//!   cause and `xtval` to [`state::TRAP_CAUSE`]/[`state::TRAP_TVAL`] and
//!   leaves with `exit_tb` [`EXIT_EXCEPTION`];
//! * memory faults come back from the executors as exits
//!   (`MemFault`/`Misaligned`) and helper faults as `HelperFault`; the
//!   fault codes are the RISC-V exception causes ([`crate::trap`]).

mod atomic;
mod bitmanip;
mod branch;
mod fp;
mod integer;
mod muldiv;
mod system;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;

pub use bitmanip::clmul_wide;
pub use system::{CACHE_BLOCK, CSR_INDEX_SHIFT, CSR_READ, CSR_WRITE, SFENCE_ADDR, SFENCE_ASID};
use wemu_ir::runtime::FaultCode;
use wemu_ir::{Block, Builder, Cond, MemOp, MemSize, Temp, Type, Value};

use crate::csr;
use crate::helpers::HelperId;
use crate::insn::Insn;
use crate::operands::{FReg, XReg};
use crate::state::{self, Priv, Regs, State};
use crate::trap::cause;
use crate::{decode, decode_compressed, insn_length};

/// `exit_tb` status: the instruction at the exit's `insn_pc` raised the
/// exception whose cause and `xtval` are in [`state::TRAP_CAUSE`] and
/// [`state::TRAP_TVAL`]. Guest registers are as before that instruction.
pub const EXIT_EXCEPTION: u32 = 1;
/// `exit_tb` status: an instruction changed state that translation or
/// interrupt delivery depends on (privilege, `mstatus`, `satp`, interrupt
/// enables, ...). `pc` holds the next instruction's address; the vCPU loop
/// re-derives the translation flags and checks for interrupts.
pub const EXIT_STATE_CHANGED: u32 = 2;
/// `exit_tb` status: `wfi`. `pc` holds the next instruction's address; the
/// loop may wait until an interrupt is pending (Privileged spec §3.3.3).
pub const EXIT_WFI: u32 = 3;

/// MMU indexes (the softmmu's translation regimes).
pub mod mmu_idx {
    /// U-mode accesses.
    pub const USER: u8 = 0;
    /// S-mode accesses with `mstatus.SUM = 0`, and S-mode fetches.
    pub const SUPERVISOR: u8 = 1;
    /// S-mode loads and stores with `mstatus.SUM = 1` (may touch U pages).
    pub const SUPERVISOR_SUM: u8 = 2;
    /// M-mode: no translation, only PMP's locked entries.
    pub const MACHINE: u8 = 3;
    /// Number of MMU indexes.
    pub const COUNT: u8 = 4;
}

/// The state of `mstatus.FS` as far as translation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FsState {
    /// FP instructions are illegal.
    Off,
    /// Initial or clean: the first FP write must mark the state dirty.
    Clean,
    Dirty,
}

/// What translated code depends on besides the guest bytes: the block
/// cache must key blocks by these too.
///
/// Bits 1:0 = privilege, 3:2 = MMU index of loads and stores (after
/// `mstatus.MPRV`/`MPP` and `SUM`), 5:4 = FS (0 off, 1 clean, 3 dirty).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TbFlags(pub u32);

impl TbFlags {
    /// The flags for the hart's current state.
    pub fn from_state(st: &State<'_>) -> TbFlags {
        let p = st.priv_mode();
        let mstatus = st.get(state::MSTATUS);
        let data_priv = if p == Priv::Machine && mstatus & csr::MSTATUS_MPRV != 0 {
            Priv::from_bits(mstatus >> csr::MSTATUS_MPP_SHIFT)
        } else {
            p
        };
        let data_mmu = match data_priv {
            Priv::Machine => mmu_idx::MACHINE,
            Priv::Supervisor if mstatus & csr::MSTATUS_SUM != 0 => mmu_idx::SUPERVISOR_SUM,
            Priv::Supervisor => mmu_idx::SUPERVISOR,
            Priv::User => mmu_idx::USER,
        };
        let fs = match (mstatus & csr::MSTATUS_FS) >> csr::MSTATUS_FS_SHIFT {
            0 => FsState::Off,
            3 => FsState::Dirty,
            _ => FsState::Clean,
        };
        TbFlags::new(p, data_mmu, fs)
    }

    pub const fn new(p: Priv, data_mmu: u8, fs: FsState) -> TbFlags {
        let fs = match fs {
            FsState::Off => 0,
            FsState::Clean => 1,
            FsState::Dirty => 3,
        };
        TbFlags(p as u32 | (data_mmu as u32 & 3) << 2 | fs << 4)
    }

    pub const fn priv_mode(self) -> Priv {
        Priv::from_bits(self.0 as u64)
    }

    /// The MMU index of loads, stores and atomics.
    pub const fn data_mmu(self) -> u8 {
        ((self.0 >> 2) & 3) as u8
    }

    /// The MMU index of instruction fetch (no MPRV, no SUM).
    pub const fn fetch_mmu(self) -> u8 {
        fetch_mmu_idx(self.priv_mode())
    }

    pub const fn fs(self) -> FsState {
        match (self.0 >> 4) & 3 {
            0 => FsState::Off,
            3 => FsState::Dirty,
            _ => FsState::Clean,
        }
    }
}

/// The MMU index instruction fetch uses at privilege `p`.
pub const fn fetch_mmu_idx(p: Priv) -> u8 {
    match p {
        Priv::Machine => mmu_idx::MACHINE,
        Priv::Supervisor => mmu_idx::SUPERVISOR,
        Priv::User => mmu_idx::USER,
    }
}

/// Instruction fetch failed for the first instruction of a block: the
/// exception is raised with `epc = pc` and `xtval = vaddr` (the address of
/// the parcel that failed, which is `pc + 2` when the second half of an
/// instruction straddling a page boundary faults). `code` is the fault
/// code the fetch returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchFault {
    pub pc: u64,
    pub vaddr: u64,
    pub code: FaultCode,
}

/// A translated block.
#[derive(Clone, Debug)]
pub struct Translated {
    pub block: Block,
    /// The guest PC of the first instruction.
    pub pc: u64,
    /// One past the last instruction byte fetched: the block's code is
    /// `[pc, end)` (at most two pages, the second only for an instruction
    /// straddling the boundary).
    pub end: u64,
    /// Number of guest instructions.
    pub insns: u32,
}

/// What an instruction's translation left: whether the next instruction
/// may follow in the same block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Next,
    End,
}

/// A side exit raising an exception, emitted after the block's last
/// instruction.
struct Stub {
    label: wemu_ir::Label,
    cause: u64,
    tval: u64,
}

/// The translation context of one block.
pub(crate) struct Ctx<'r> {
    pub b: Builder,
    regs: &'r Regs,
    pub flags: TbFlags,
    /// This instruction's PC and the next one's.
    pub pc: u64,
    pub next_pc: u64,
    /// This instruction's bits (a compressed one zero-extended), for
    /// `xtval` on illegal instruction.
    pub bits: u32,
    /// This instruction's index in the block.
    pub idx: u32,
    /// Whether FS is known dirty (from the flags, or marked earlier in the
    /// block).
    fs_dirty: bool,
    declared: u128,
    stubs: Vec<Stub>,
}

impl<'r> Ctx<'r> {
    // ---- operands ----

    /// The value of `x[r]`.
    pub fn x(&self, r: XReg) -> Value {
        if r.num() == 0 { Value::Const(0) } else { Value::Temp(Temp::Global(self.regs.x(r.num()))) }
    }

    /// Writes `x[r]` (dropped for `x0`).
    pub fn set_x(&mut self, r: XReg, v: Value) {
        if r.num() != 0 {
            let g = self.b.global(self.regs.x(r.num()));
            self.b.mov(Type::I64, g, v);
        }
    }

    pub fn f(&self, r: FReg) -> Value {
        Value::Temp(Temp::Global(self.regs.f(r.num())))
    }

    /// Writes `f[r]` and marks the FP state dirty.
    pub fn set_f(&mut self, r: FReg, v: Value) {
        let g = self.b.global(self.regs.f(r.num()));
        self.b.mov(Type::I64, g, v);
        self.mark_fs_dirty();
    }

    /// `rs1 + imm`, folded when either is zero.
    pub fn addr(&mut self, rs1: XReg, imm: i32) -> Value {
        let imm = imm as i64 as u64;
        match (rs1.num(), imm) {
            (0, _) => Value::Const(imm),
            (_, 0) => self.x(rs1),
            _ => {
                let base = self.x(rs1);
                self.b.add(Type::I64, base, Value::Const(imm)).into()
            }
        }
    }

    /// A little-endian access of `size` in the data MMU index.
    pub fn mem(&self, size: MemSize, signed: bool) -> MemOp {
        MemOp::le(size, signed).with_mmu(self.flags.data_mmu())
    }

    /// Calls `h`, declaring it in the block on first use.
    pub fn call(&mut self, h: HelperId, args: Vec<Value>) -> Option<Temp> {
        let bit = 1u128 << (h as u32);
        if self.declared & bit == 0 {
            self.declared |= bit;
            self.b.declare_helper(h.decl());
        }
        self.b.call(h as u32, args)
    }

    /// Calls `h`, which returns a value.
    pub fn call_value(&mut self, h: HelperId, args: Vec<Value>) -> Value {
        match self.call(h, args) {
            Some(t) => t.into(),
            // Every helper this is used with returns a value.
            None => Value::Const(0),
        }
    }

    // ---- FP state (Privileged spec §3.1.6.6) ----

    /// Whether FP instructions may execute (`mstatus.FS != Off`).
    pub fn fp_enabled(&self) -> bool {
        self.flags.fs() != FsState::Off
    }

    /// Sets `mstatus.FS` (and `SD`) to dirty, once per block.
    pub fn mark_fs_dirty(&mut self) {
        if self.fs_dirty {
            return;
        }
        self.fs_dirty = true;
        let off = state::MSTATUS.0;
        let m = self.b.load_state(Type::I64, off, MemSize::B8, false);
        let m = self.b.or(Type::I64, m.into(), Value::Const(csr::MSTATUS_FS_DIRTY | csr::MSTATUS_SD));
        self.b.store_state(Type::I64, m.into(), off, MemSize::B8);
    }

    // ---- exceptions ----

    /// Raises exception `cause` with `xtval = tval`; ends the block.
    pub fn raise(&mut self, cause: u64, tval: Value) -> Flow {
        self.b.store_state(Type::I64, Value::Const(cause), state::TRAP_CAUSE.0, MemSize::B8);
        self.b.store_state(Type::I64, tval, state::TRAP_TVAL.0, MemSize::B8);
        self.b.exit_tb(EXIT_EXCEPTION);
        Flow::End
    }

    /// Raises illegal-instruction with the instruction bits as `xtval`.
    pub fn illegal(&mut self) -> Flow {
        self.raise(cause::ILLEGAL_INSTRUCTION, Value::Const(u64::from(self.bits)))
    }

    /// Raises illegal-instruction if `a cond b` (`i64` operands).
    pub fn illegal_if(&mut self, cond: Cond, a: Value, b: Value) {
        let label = self.b.new_label();
        self.b.brcond(Type::I64, cond, a, b, label);
        self.stubs.push(Stub { label, cause: cause::ILLEGAL_INSTRUCTION, tval: u64::from(self.bits) });
    }

    /// Raises illegal-instruction if `mstatus & bit != 0`.
    pub fn illegal_if_mstatus(&mut self, bit: u64) {
        let m = self.b.load_state(Type::I64, state::MSTATUS.0, MemSize::B8, false);
        let t = self.b.and(Type::I64, m.into(), Value::Const(bit));
        self.illegal_if(Cond::Ne, t.into(), Value::Const(0));
    }

    // ---- block exits ----

    /// Leaves through `lookup_tb` to the address in `target`.
    pub fn jump_indirect(&mut self, target: Value) -> Flow {
        let pc = self.b.global(self.regs.pc());
        self.b.mov(Type::I64, pc, target);
        self.b.lookup_tb();
        Flow::End
    }

    /// Ends the block after a state change: `pc = next`, `exit_tb
    /// EXIT_STATE_CHANGED`.
    pub fn end_state_changed(&mut self, next: Value) -> Flow {
        let pc = self.b.global(self.regs.pc());
        self.b.mov(Type::I64, pc, next);
        self.b.exit_tb(EXIT_STATE_CHANGED);
        Flow::End
    }

    /// Writes `pc` and leaves with `status`.
    pub fn exit_with_pc(&mut self, next: Value, status: u32) -> Flow {
        let pc = self.b.global(self.regs.pc());
        self.b.mov(Type::I64, pc, next);
        self.b.exit_tb(status);
        Flow::End
    }
}

/// Translates the block starting at `pc` under `flags`, of at most
/// `max_insns` instructions (at least one is always translated).
///
/// `fetch` reads the 16-bit instruction parcel at a virtual address (with
/// execute permission in the fetch MMU index) or returns the fault code.
/// A fault on the block's first instruction is returned as the error; a
/// fault on a later one ends the block before it, so that the fault is
/// raised precisely when the next block starts there.
pub fn translate_block(
    regs: &Regs,
    fetch: &mut dyn FnMut(u64) -> Result<u16, FaultCode>,
    pc: u64,
    flags: TbFlags,
    max_insns: u32,
) -> Result<Translated, FetchFault> {
    let mut ctx = Ctx {
        b: Builder::new(regs.globals.clone()),
        regs,
        flags,
        pc,
        next_pc: pc,
        bits: 0,
        idx: 0,
        fs_dirty: flags.fs() == FsState::Dirty,
        declared: 0,
        stubs: Vec::new(),
    };
    let page = pc & !(crate::mmu::PAGE_SIZE - 1);
    let mut cur = pc;
    loop {
        let insn = match fetch_insn(fetch, cur) {
            Ok(x) => x,
            Err(fault) if ctx.idx == 0 => return Err(fault),
            Err(_) => {
                // Leave before the instruction: its fault is raised when
                // the block that starts with it is translated.
                ctx.b.goto_tb(0, cur);
                break;
            }
        };
        let (bits, len, insn) = insn;
        ctx.pc = cur;
        ctx.next_pc = cur.wrapping_add(len);
        ctx.bits = bits;
        ctx.b.insn_start(cur);
        let flow = translate_insn(&mut ctx, &insn);
        ctx.idx += 1;
        cur = ctx.next_pc;
        if flow == Flow::End {
            break;
        }
        if ctx.idx >= max_insns.max(1) || cur & !(crate::mmu::PAGE_SIZE - 1) != page {
            ctx.b.goto_tb(0, cur);
            break;
        }
    }
    let end = cur.max(ctx.next_pc);
    for stub in core::mem::take(&mut ctx.stubs) {
        ctx.b.label(stub.label);
        ctx.raise(stub.cause, Value::Const(stub.tval));
    }
    Ok(Translated { block: ctx.b.finish(), pc, end, insns: ctx.idx })
}

/// Fetches and decodes the instruction at `pc`: its bits, length and
/// decoding.
fn fetch_insn(fetch: &mut dyn FnMut(u64) -> Result<u16, FaultCode>, pc: u64) -> Result<(u32, u64, Insn), FetchFault> {
    let lo = fetch(pc).map_err(|code| FetchFault { pc, vaddr: pc, code })?;
    if insn_length(lo) == 2 {
        return Ok((u32::from(lo), 2, decode_compressed(lo)));
    }
    let hi_addr = pc.wrapping_add(2);
    let hi = fetch(hi_addr).map_err(|code| FetchFault { pc, vaddr: hi_addr, code })?;
    let bits = u32::from(lo) | u32::from(hi) << 16;
    Ok((bits, 4, decode(bits)))
}

/// Translates one instruction.
fn translate_insn(ctx: &mut Ctx<'_>, insn: &Insn) -> Flow {
    if let Insn::Illegal(_) = insn {
        return ctx.illegal();
    }
    integer::translate(ctx, insn)
        .or_else(|| branch::translate(ctx, insn))
        .or_else(|| muldiv::translate(ctx, insn))
        .or_else(|| bitmanip::translate(ctx, insn))
        .or_else(|| atomic::translate(ctx, insn))
        .or_else(|| fp::translate(ctx, insn))
        .or_else(|| system::translate(ctx, insn))
        .unwrap_or_else(|| ctx.illegal())
}

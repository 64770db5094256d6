//! The riscv64 translator on any code, under any translation flags: it
//! never panics, what it emits verifies, and running it in the
//! interpreter (a few blocks, with traps taken as the vCPU loop takes them)
//! never panics either.
//!
//! Input: byte 0 picks the flags (privilege, FS, data MMU index), byte 1
//! the `frm` and whether the PMP/Sstc-related CSRs are set; the rest is the
//! code at 0x8000_0000.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wemu_exec::Event;
use wemu_guest_riscv64::helpers::HartMemory;
use wemu_guest_riscv64::state::{self, State};
use wemu_guest_riscv64::translate::TbFlags;
use wemu_guest_riscv64::{Outcome, Priv, Regs, Riscv64Helpers, classify, csr, translate_block, trap};
use wemu_ir::runtime::{ExitKind, FaultCode, GuestMemory};
use wemu_ir::{MemOp, MemSize, RmwOp};
use wemu_tci::{FlatMemory, Interp, TciBlock};

const BASE: u64 = 0x8000_0000;
const MEM: usize = 0x4000;

struct Mem(FlatMemory);

impl GuestMemory for Mem {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.load(addr, mem).map_err(|_| 5)
    }
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        self.0.store(addr, raw, mem).map_err(|_| 7)
    }
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.atomic_rmw(addr, op, raw, mem).map_err(|_| 7)
    }
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.0.atomic_cmpxchg(addr, expected, new, mem).map_err(|_| 7)
    }
}

impl HartMemory for Mem {
    fn mmu_changed(&mut self, _st: &State<'_>) {}
    fn sfence_vma(&mut self, _vaddr: Option<u64>, _asid: Option<u16>) {}
}

fuzz_target!(|data: &[u8]| {
    let (Some(&f), Some(&s)) = (data.first(), data.get(1)) else { return };
    let code = &data[2..];
    if code.len() < 2 || code.len() > MEM {
        return;
    }
    let mut mem = Mem(FlatMemory::new(BASE, MEM));
    mem.0.bytes[..code.len()].copy_from_slice(code);
    let mut bytes = state::reset_state(BASE, 0);
    {
        let mut st = State::new(&mut bytes);
        let p = match f % 3 {
            0 => Priv::User,
            1 => Priv::Supervisor,
            _ => Priv::Machine,
        };
        st.set_priv(p);
        let fs = u64::from((f >> 2) % 4);
        let mut m = st.get(state::MSTATUS) | fs << csr::MSTATUS_FS_SHIFT;
        if f & 0x10 != 0 {
            m |= csr::MSTATUS_MPRV | csr::MSTATUS_SUM | 1 << csr::MSTATUS_MPP_SHIFT;
        }
        if f & 0x20 != 0 {
            m |= csr::MSTATUS_TVM | csr::MSTATUS_TW | csr::MSTATUS_TSR;
        }
        st.set(state::MSTATUS, csr::with_sd(m));
        st.set(state::FRM, u64::from(s & 7));
        if s & 8 != 0 {
            st.set(state::MENVCFG, u64::MAX);
            st.set(state::MCOUNTEREN, u64::MAX);
            st.set(state::SCOUNTEREN, u64::MAX);
        }
        for r in 1..32u8 {
            st.set_x(r, BASE + 64 * u64::from(r));
        }
    }
    let regs = Regs::new();
    let mut helpers = Riscv64Helpers::default();
    let mut interp = Interp::new();
    for _ in 0..8 {
        let st = State::view(&bytes);
        let (pc, flags) = (st.pc(), TbFlags::from_state(&st));
        let flat = &mem.0;
        let mut fetch = |a: u64| flat.read(a, MemSize::B2).map(|v| v as u16).map_err(|_| 1u32);
        let t = match translate_block(&regs, &mut fetch, pc, flags, 32) {
            Ok(t) => t,
            Err(_) => return,
        };
        if let Err(e) = wemu_ir::verify(&t.block) {
            panic!("{e}\n{}", wemu_ir::text::print(&t.block));
        }
        let tb = TciBlock::compile(&t.block).expect("verified blocks compile");
        let exit = interp.run(&tb, &mut bytes, &mut mem, &mut helpers);
        let event = match exit.kind {
            ExitKind::GotoTb { pc, .. } => {
                State::new(&mut bytes).set_pc(pc);
                continue;
            }
            ExitKind::LookupTb => continue,
            ExitKind::Status(s) => Event::Status(s),
            ExitKind::MemFault { addr, code, write } => Event::MemFault { addr, code, write },
            ExitKind::Misaligned { addr, write } => Event::Misaligned { addr, write },
            ExitKind::HelperFault { helper, code } => Event::HelperFault { helper, code },
            ExitKind::BadBlock => panic!("bad block"),
        };
        if let Outcome::Trap { cause, tval } = classify(&State::view(&bytes), &event, None) {
            trap::enter(&mut State::new(&mut bytes), cause, tval, exit.insn_pc);
        }
    }
});

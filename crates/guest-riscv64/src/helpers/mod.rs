//! The helper table translated code calls ([`Riscv64Helpers`]), and the
//! helper ids blocks declare ([`HelperId`]).
//!
//! Helpers work on the state block through [`State`] and on the MMU
//! through [`HartMemory`], which the executors' memory implements (the
//! softmmu's `CpuMemory` over [`crate::mmu::Mmu`]). A helper that raises an
//! exception stores its cause and `xtval` in [`state::TRAP_CAUSE`] and
//! [`state::TRAP_TVAL`] and fails with the cause as its fault code.

mod fp;
mod ids;

use wemu_exec::{Clock, Timer};
use wemu_ir::runtime::{FaultCode, Helpers};

pub use ids::HelperId;

use crate::csr::{self, Counters, num};
use crate::state::{self, State};
use crate::translate::clmul_wide;
use crate::translate::{CSR_INDEX_SHIFT, CSR_READ, CSR_WRITE, SFENCE_ADDR, SFENCE_ASID};
use crate::trap::{self, cause};

/// What the helpers need from the vCPU's memory besides guest accesses.
pub trait HartMemory {
    /// Address translation controls in `st` changed (`satp`,
    /// `mstatus.MXR`, PMP): take them over and drop every cached
    /// translation.
    fn mmu_changed(&mut self, st: &State<'_>);
    /// `sfence.vma` (Privileged spec §4.2.1): drop the cached translations
    /// of `vaddr` (all if `None`) in address space `asid` (all if `None`).
    fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u16>);
    /// Whether a cache-block management instruction (`cbo.clean`,
    /// `cbo.flush`, `cbo.inval`) in MMU index `mmu_idx` may access the
    /// [`CACHE_BLOCK`](crate::translate::CACHE_BLOCK) bytes at `vaddr`
    /// (aligned): "whenever a load instruction or store instruction is
    /// permitted to access" them (CMO spec §2.5.2; PMP never grants a
    /// write without a read, so a read's check decides). `Err` is the
    /// exception cause: a store page fault if translation permits no
    /// access, a store access fault otherwise.
    ///
    /// The default allows every block: for memories without an MMU to
    /// ask (tools, fuzzing).
    fn cbo_access(&mut self, vaddr: u64, mmu_idx: u8) -> Result<(), u64> {
        let _ = (vaddr, mmu_idx);
        Ok(())
    }
}

/// Where `time` comes from: the machine's virtual clock, read at `hz`
/// ticks per second (the device tree's `timebase-frequency`). Also holds
/// the timer that wakes a waiting hart when Sstc's `stimecmp` is reached.
#[derive(Clone, Debug)]
pub struct Timebase {
    pub clock: Clock,
    pub hz: u64,
    /// Armed at `stimecmp` while `menvcfg.STCE` is set.
    pub stimecmp_timer: Option<Timer>,
}

impl Timebase {
    /// `mtime` now.
    pub fn mtime(&self) -> u64 {
        (u128::from(self.clock.now()) * u128::from(self.hz) / 1_000_000_000) as u64
    }

    /// The virtual time (ns) at which `mtime` reaches `ticks`.
    pub fn ns_at(&self, ticks: u64) -> u64 {
        let hz = u128::from(self.hz.max(1));
        u64::try_from((u128::from(ticks) * 1_000_000_000).div_ceil(hz)).unwrap_or(u64::MAX)
    }
}

/// The riscv64 helper table. Per vCPU; it holds the hart's view of time.
#[derive(Clone, Debug, Default)]
pub struct Riscv64Helpers {
    timebase: Option<Timebase>,
    /// The counters when there is no clock (tests and tools): `time` as
    /// is, `icount` plus the instruction's index in its block.
    pub fixed: Counters,
}

impl Riscv64Helpers {
    /// Helpers reading time from `timebase`.
    pub fn new(timebase: Timebase) -> Riscv64Helpers {
        Riscv64Helpers { timebase: Some(timebase), fixed: Counters::default() }
    }

    /// Helpers with fixed counters (no clock).
    pub fn with_counters(fixed: Counters) -> Riscv64Helpers {
        Riscv64Helpers { timebase: None, fixed }
    }

    pub fn timebase(&self) -> Option<&Timebase> {
        self.timebase.as_ref()
    }

    /// `mtime` now.
    pub fn mtime(&self) -> u64 {
        self.timebase.as_ref().map_or(self.fixed.time, Timebase::mtime)
    }

    /// The counters instruction `insn_index` of the running block sees
    /// (the clock's instruction count is that of the block's start).
    pub fn counters(&self, st: &State<'_>, insn_index: u64) -> Counters {
        match &self.timebase {
            Some(t) => Counters { time: t.mtime(), icount: st.get(state::RETIRED).wrapping_add(insn_index) },
            None => Counters { time: self.fixed.time, icount: self.fixed.icount.wrapping_add(insn_index) },
        }
    }

    /// Arms (or cancels) the Sstc timer for the current `stimecmp` and
    /// `menvcfg.STCE`.
    pub fn update_stimecmp_timer(&self, st: &State<'_>) {
        if let Some(t) = &self.timebase
            && let Some(timer) = &t.stimecmp_timer
        {
            if st.get(state::MENVCFG) & csr::MENVCFG_STCE != 0 {
                timer.arm(t.ns_at(st.get(state::STIMECMP)));
            } else {
                timer.cancel();
            }
        }
    }

    fn csr(
        &self,
        h: HelperId,
        st: &mut State<'_>,
        mem: &mut (impl HartMemory + ?Sized),
        args: &[u64],
    ) -> Result<u64, FaultCode> {
        let arg = |i: usize| args.get(i).copied().unwrap_or(0);
        let (csr_no, src, ctl) = ((arg(0) & 0xfff) as u16, arg(1), arg(2) as u32);
        let c = self.counters(st, u64::from(ctl >> CSR_INDEX_SHIFT));
        let old = if ctl & CSR_READ != 0 || h != HelperId::Csrrw {
            csr::read(st, csr_no, &c).map_err(|_| illegal(st))?
        } else {
            0
        };
        if ctl & CSR_WRITE != 0 {
            // Read-modify-writes of mip/sip use the software-writable SEIP
            // bit, not the value ORed with the interrupt line (§3.1.9).
            let base = match csr_no {
                num::MIP => st.get(state::MIP),
                num::SIP => st.get(state::MIP) & st.get(state::MIDELEG),
                _ => old,
            };
            let new = match h {
                HelperId::Csrrs => base | src,
                HelperId::Csrrc => base & !src,
                _ => src,
            };
            let fx = csr::write(st, csr_no, new, &c).map_err(|_| illegal(st))?;
            if fx.mmu {
                mem.mmu_changed(st);
            }
            if matches!(csr_no, num::STIMECMP | num::MENVCFG) {
                self.update_stimecmp_timer(st);
            }
        }
        Ok(old)
    }
}

/// Records an illegal-instruction exception and returns its fault code.
/// Helpers do not see the instruction bits: `xtval` is 0 here, and trap
/// entry replaces it with the bits fetched again at the PC
/// ([`crate::Riscv64Cpu`]'s event handling).
pub(crate) fn illegal(st: &mut State<'_>) -> FaultCode {
    st.set(state::TRAP_CAUSE, cause::ILLEGAL_INSTRUCTION);
    st.set(state::TRAP_TVAL, 0);
    cause::ILLEGAL_INSTRUCTION as FaultCode
}

impl<M: HartMemory + ?Sized> Helpers<M> for Riscv64Helpers {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], mem: &mut M) -> Result<u64, FaultCode> {
        let mut st = State::new(state);
        let arg = |i: usize| args.get(i).copied().unwrap_or(0);
        let Some(h) = HelperId::from_id(id) else { return Err(illegal(&mut st)) };
        match h {
            HelperId::Csrrw | HelperId::Csrrs | HelperId::Csrrc => self.csr(h, &mut st, mem, args),
            HelperId::Mret => trap::mret(&mut st).map_err(|_| illegal(&mut st)),
            HelperId::Sret => trap::sret(&mut st).map_err(|_| illegal(&mut st)),
            HelperId::SfenceVma => {
                let ctl = arg(2) as u32;
                let vaddr = (ctl & SFENCE_ADDR != 0).then(|| arg(0));
                let asid = (ctl & SFENCE_ASID != 0).then(|| arg(1) as u16);
                mem.sfence_vma(vaddr, asid);
                Ok(0)
            }
            HelperId::CboAccess => mem.cbo_access(arg(0), arg(1) as u8).map(|()| 0).map_err(|c| {
                st.set(state::TRAP_CAUSE, c);
                st.set(state::TRAP_TVAL, arg(0));
                c as FaultCode
            }),
            HelperId::Clmul => Ok(clmul_wide(arg(0), arg(1)) as u64),
            HelperId::Clmulh => Ok((clmul_wide(arg(0), arg(1)) >> 64) as u64),
            HelperId::Clmulr => Ok((clmul_wide(arg(0), arg(1)) >> 63) as u64),
            _ => fp::call(h, &mut st, args).unwrap_or_else(|| Err(illegal(&mut st))),
        }
    }
}

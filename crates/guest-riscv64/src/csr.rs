//! Control and status registers: which exist, who may access them, and
//! their WARL behaviour (Privileged spec chapters 2, 3 and 4; Unprivileged
//! spec chapters 8 "Zicntr"/"Zihpm" and 13 "fcsr"; Sstc).
//!
//! Every CSR value lives in the state block ([`crate::state`]); this module
//! turns CSR numbers into reads and writes of those fields. Views
//! (`sstatus`, `sie`, `sip`, `fflags`/`frm`/`fcsr`) are computed from the
//! fields they show, never stored twice.
//!
//! Access checks (§2.1): bits 9:8 of the number give the lowest privilege
//! that may access the CSR, bits 11:10 = `11` mark it read-only. On top of
//! that: the FP CSRs need `mstatus.FS != Off`, the counters need
//! `mcounteren`/`scounteren` (§3.1.11, §4.1.5), `satp` traps in S-mode
//! under `mstatus.TVM` (§3.1.6.5), `stimecmp` needs `menvcfg.STCE` and
//! `mcounteren.TM` in S-mode (Sstc). Anything else is an illegal
//! instruction.

use crate::state::{self, Priv, State};

/// CSR numbers (Privileged spec §2.2, "CSR listing").
pub mod num {
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const CYCLE: u16 = 0xc00;
    pub const TIME: u16 = 0xc01;
    pub const INSTRET: u16 = 0xc02;
    pub const HPMCOUNTER3: u16 = 0xc03;
    pub const HPMCOUNTER31: u16 = 0xc1f;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10a;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14d;
    pub const SATP: u16 = 0x180;
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MCONFIGPTR: u16 = 0xf15;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30a;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MHPMEVENT3: u16 = 0x323;
    pub const MHPMEVENT31: u16 = 0x33f;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3a0;
    pub const PMPCFG15: u16 = 0x3af;
    pub const PMPADDR0: u16 = 0x3b0;
    pub const PMPADDR63: u16 = 0x3ef;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
    pub const MHPMCOUNTER3: u16 = 0xb03;
    pub const MHPMCOUNTER31: u16 = 0xb1f;
}

// ---- mstatus (§3.1.6) ----
pub const MSTATUS_SIE: u64 = 1 << 1;
pub const MSTATUS_MIE: u64 = 1 << 3;
pub const MSTATUS_SPIE: u64 = 1 << 5;
pub const MSTATUS_MPIE: u64 = 1 << 7;
pub const MSTATUS_SPP: u64 = 1 << 8;
pub const MSTATUS_MPP_SHIFT: u32 = 11;
pub const MSTATUS_MPP: u64 = 3 << MSTATUS_MPP_SHIFT;
pub const MSTATUS_FS_SHIFT: u32 = 13;
pub const MSTATUS_FS: u64 = 3 << MSTATUS_FS_SHIFT;
/// `FS = Dirty`.
pub const MSTATUS_FS_DIRTY: u64 = 3 << MSTATUS_FS_SHIFT;
pub const MSTATUS_XS: u64 = 3 << 15;
pub const MSTATUS_MPRV: u64 = 1 << 17;
pub const MSTATUS_SUM: u64 = 1 << 18;
pub const MSTATUS_MXR: u64 = 1 << 19;
pub const MSTATUS_TVM: u64 = 1 << 20;
pub const MSTATUS_TW: u64 = 1 << 21;
pub const MSTATUS_TSR: u64 = 1 << 22;
/// `UXL` and `SXL`, both fixed at 2 (64-bit).
pub const MSTATUS_UXL: u64 = 3 << 32;
pub const MSTATUS_SXL: u64 = 3 << 34;
pub const MSTATUS_XL64: u64 = (2 << 32) | (2 << 34);
pub const MSTATUS_SD: u64 = 1 << 63;
/// `mstatus` out of reset: only the fixed XLEN fields set.
pub const MSTATUS_RESET: u64 = MSTATUS_XL64;

/// The `mstatus` bits software may write (the rest are read-only: XS, VS,
/// UBE/SBE/MBE are zero, UXL/SXL fixed, SD computed).
const MSTATUS_WMASK: u64 = MSTATUS_SIE
    | MSTATUS_MIE
    | MSTATUS_SPIE
    | MSTATUS_MPIE
    | MSTATUS_SPP
    | MSTATUS_MPP
    | MSTATUS_FS
    | MSTATUS_MPRV
    | MSTATUS_SUM
    | MSTATUS_MXR
    | MSTATUS_TVM
    | MSTATUS_TW
    | MSTATUS_TSR;

/// The bits `sstatus` shows (§4.1.1).
pub const SSTATUS_MASK: u64 = MSTATUS_SIE
    | MSTATUS_SPIE
    | MSTATUS_SPP
    | MSTATUS_FS
    | MSTATUS_XS
    | MSTATUS_SUM
    | MSTATUS_MXR
    | MSTATUS_UXL
    | MSTATUS_SD;
const SSTATUS_WMASK: u64 = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;

// ---- interrupts (§3.1.9) ----
pub const IRQ_SSI: u32 = 1;
pub const IRQ_MSI: u32 = 3;
pub const IRQ_STI: u32 = 5;
pub const IRQ_MTI: u32 = 7;
pub const IRQ_SEI: u32 = 9;
pub const IRQ_MEI: u32 = 11;
pub const MIP_SSIP: u64 = 1 << IRQ_SSI;
pub const MIP_MSIP: u64 = 1 << IRQ_MSI;
pub const MIP_STIP: u64 = 1 << IRQ_STI;
pub const MIP_MTIP: u64 = 1 << IRQ_MTI;
pub const MIP_SEIP: u64 = 1 << IRQ_SEI;
pub const MIP_MEIP: u64 = 1 << IRQ_MEI;
/// The supervisor-level interrupts, the only ones `mideleg` can delegate.
pub const S_INTERRUPTS: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
/// Every interrupt implemented.
pub const ALL_INTERRUPTS: u64 = S_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP;

/// Exceptions `medeleg` can delegate: all but environment call from M-mode
/// (11) and the reserved 10 and 14 (§3.1.8).
const MEDELEG_MASK: u64 = 0xb3ff;

// ---- menvcfg / senvcfg (§3.1.18, §4.1.10) ----
pub const ENVCFG_FIOM: u64 = 1 << 0;
pub const ENVCFG_CBIE: u64 = 3 << 4;
pub const ENVCFG_CBCFE: u64 = 1 << 6;
pub const ENVCFG_CBZE: u64 = 1 << 7;
pub const MENVCFG_STCE: u64 = 1 << 63;
const SENVCFG_WMASK: u64 = ENVCFG_FIOM | ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE;
const MENVCFG_WMASK: u64 = SENVCFG_WMASK | MENVCFG_STCE;

// ---- counters ----
pub const COUNTEREN_CY: u64 = 1 << 0;
pub const COUNTEREN_TM: u64 = 1 << 1;
pub const COUNTEREN_IR: u64 = 1 << 2;

/// `misa`: RV64 (MXL = 2) with A, C, D, F, I, M, S and U (§3.1.1). Read
/// only: C cannot be turned off, so instruction addresses only ever need
/// 2-byte alignment and instruction-address-misaligned exceptions cannot
/// happen.
pub const MISA: u64 =
    (2 << 62) | ext(b'A') | ext(b'C') | ext(b'D') | ext(b'F') | ext(b'I') | ext(b'M') | ext(b'S') | ext(b'U');

const fn ext(letter: u8) -> u64 {
    1 << (letter - b'A')
}

// ---- satp (§4.1.11) ----
pub const SATP_MODE_SHIFT: u32 = 60;
pub const SATP_MODE_BARE: u64 = 0;
pub const SATP_MODE_SV39: u64 = 8;
pub const SATP_MODE_SV48: u64 = 9;
pub const SATP_MODE_SV57: u64 = 10;

/// An access the CSR rules refuse: the instruction raises
/// illegal-instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Illegal;

/// What a CSR write changed beyond the register itself, for the caller to
/// act on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteEffects {
    /// Address translation changed (`satp`, `mstatus.MXR`, PMP): the MMU
    /// must resync and the TLB be flushed.
    pub mmu: bool,
}

/// Whether CSR `csr` exists on this hart.
pub fn exists(csr: u16) -> bool {
    use num::*;
    matches!(
        csr,
        FFLAGS
            | FRM
            | FCSR
            | CYCLE..=HPMCOUNTER31
            | SSTATUS
            | SIE
            | STVEC
            | SCOUNTEREN
            | SENVCFG
            | SSCRATCH..=SIP
            | STIMECMP
            | SATP
            | MVENDORID..=MCONFIGPTR
            | MSTATUS..=MCOUNTEREN
            | MENVCFG
            | MCOUNTINHIBIT
            | MHPMEVENT3..=MHPMEVENT31
            | MSCRATCH..=MIP
            | PMPADDR0..=PMPADDR63
            | MCYCLE
            | MINSTRET..=MHPMCOUNTER31
    ) || (PMPCFG0..=PMPCFG15).contains(&csr) && csr.is_multiple_of(2)
}

/// The checks that depend only on the CSR number, the privilege and
/// whether the instruction writes (existence, §2.1 privilege and read-only
/// bits); the translator applies them at translation time.
pub fn static_check(csr: u16, priv_mode: Priv, write: bool) -> Result<(), Illegal> {
    let min_priv = (csr >> 8) & 3;
    // Bits 9:8 = 2 are hypervisor CSRs, which do not exist here; `exists`
    // already rejects them, and comparing with M (3) would too.
    if !exists(csr) || u64::from(min_priv) > priv_mode.bits() || (write && csr >> 10 == 3) {
        return Err(Illegal);
    }
    Ok(())
}

/// The checks that depend on other CSRs' values.
fn dynamic_check(st: &State<'_>, csr: u16) -> Result<(), Illegal> {
    use num::*;
    let p = st.priv_mode();
    let ok = match csr {
        FFLAGS | FRM | FCSR => st.get(state::MSTATUS) & MSTATUS_FS != 0,
        CYCLE..=HPMCOUNTER31 => counter_enabled(st, p, 1 << (csr - CYCLE)),
        SATP => !(p == Priv::Supervisor && st.get(state::MSTATUS) & MSTATUS_TVM != 0),
        STIMECMP => {
            p == Priv::Machine
                || (st.get(state::MENVCFG) & MENVCFG_STCE != 0 && st.get(state::MCOUNTEREN) & COUNTEREN_TM != 0)
        }
        _ => true,
    };
    if ok { Ok(()) } else { Err(Illegal) }
}

/// Whether a counter (bit `bit` of the `xcounteren` registers) may be read
/// at privilege `p` (§3.1.11, §4.1.5).
fn counter_enabled(st: &State<'_>, p: Priv, bit: u64) -> bool {
    match p {
        Priv::Machine => true,
        Priv::Supervisor => st.get(state::MCOUNTEREN) & bit != 0,
        Priv::User => st.get(state::MCOUNTEREN) & st.get(state::SCOUNTEREN) & bit != 0,
    }
}

/// Whether a write to `csr` may change anything generated code depends on
/// (privilege-derived translation flags, address translation, pending or
/// enabled interrupts): the translator ends the block after such writes so
/// the vCPU loop re-evaluates them. The CSRs left out are plain storage.
pub fn write_ends_block(csr: u16) -> bool {
    use num::*;
    !matches!(
        csr,
        FFLAGS | FRM | FCSR | SSCRATCH | SEPC | SCAUSE | STVAL | STVEC | MSCRATCH | MEPC | MCAUSE | MTVAL | MTVEC
    )
}

/// `mstatus` with `SD` recomputed from FS (XS and VS are always 0).
pub fn with_sd(mstatus: u64) -> u64 {
    if mstatus & MSTATUS_FS == MSTATUS_FS_DIRTY { mstatus | MSTATUS_SD } else { mstatus & !MSTATUS_SD }
}

/// Marks the FP state dirty (§3.1.6.6), as any write to `f` registers or
/// `fcsr` does.
pub fn mark_fs_dirty(st: &mut State<'_>) {
    st.set(state::MSTATUS, st.get(state::MSTATUS) | MSTATUS_FS_DIRTY | MSTATUS_SD);
}

/// `mip` as software reads it at `time` (Privileged spec §3.1.9): the
/// software-writable bits, the machine's interrupt lines (the stored
/// [`state::IRQ_LINES`] as of the last block boundary) and, under Sstc
/// (`menvcfg.STCE`), `STIP` from `time >= stimecmp`.
pub fn mip(st: &State<'_>, time: u64) -> u64 {
    mip_with_lines(st, st.get(state::IRQ_LINES), time)
}

/// `mip` with the interrupt lines `lines` instead of the stored ones.
pub fn mip_with_lines(st: &State<'_>, lines: u64, time: u64) -> u64 {
    let mut mip = st.get(state::MIP) | (lines & LINE_MASK);
    if st.get(state::MENVCFG) & MENVCFG_STCE != 0 {
        mip &= !MIP_STIP;
        if time >= st.get(state::STIMECMP) {
            mip |= MIP_STIP;
        }
    }
    mip
}

/// The `mip` bits that machine interrupt lines drive: the M-level ones and
/// the external `SEIP` (ORed with the software-writable bit).
pub const LINE_MASK: u64 = MIP_MSIP | MIP_MTIP | MIP_MEIP | MIP_SEIP;

/// The counter values an accessing instruction sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// `mtime`, in timebase ticks.
    pub time: u64,
    /// Instructions retired before the accessing one (the base of `cycle`
    /// and `instret`).
    pub icount: u64,
}

/// A counter (`minstret` or `mcycle`, in field `f`) at instruction count
/// `icount`: the frozen value while `mcountinhibit` bit `inhibit` is set,
/// otherwise `icount` plus the stored offset.
fn counter(st: &State<'_>, f: state::Field, inhibit: u64, icount: u64) -> u64 {
    if st.get(state::MCOUNTINHIBIT) & inhibit != 0 { st.get(f) } else { icount.wrapping_add(st.get(f)) }
}

/// Writes counter `f` so that the instruction after the one at `icount`
/// reads `v` (a CSR write takes effect after the writing instruction
/// retires, Zicntr).
fn set_counter(st: &mut State<'_>, f: state::Field, inhibit: u64, icount: u64, v: u64) {
    let stored = if st.get(state::MCOUNTINHIBIT) & inhibit != 0 { v } else { v.wrapping_sub(icount.wrapping_add(1)) };
    st.set(f, stored);
}

/// Takes back from `minstret` one instruction the vCPU loop counted as
/// retired although it raised an exception: an instruction that leaves its
/// block with a status (`ecall`, `ebreak`, an illegal instruction the
/// translator detects) counts in the loop's instruction count, which drives
/// time, but does not retire (Privileged spec §3.1.11 and §3.3.1: `ecall`
/// and `ebreak` "are not considered to retire"). `mcycle` keeps it: the
/// instruction still took its cycle.
pub fn unretire(st: &mut State<'_>) {
    if st.get(state::MCOUNTINHIBIT) & COUNTEREN_IR == 0 {
        let v = st.get(state::MINSTRET).wrapping_sub(1);
        st.set(state::MINSTRET, v);
    }
}

/// Reads `csr` with every access check.
pub fn read(st: &State<'_>, csr: u16, c: &Counters) -> Result<u64, Illegal> {
    static_check(csr, st.priv_mode(), false)?;
    dynamic_check(st, csr)?;
    Ok(read_unchecked(st, csr, c))
}

fn read_unchecked(st: &State<'_>, csr: u16, c: &Counters) -> u64 {
    use num::*;
    use state as s;
    match csr {
        FFLAGS => st.get(s::FFLAGS) & 0x1f,
        FRM => st.get(s::FRM) & 7,
        FCSR => (st.get(s::FRM) & 7) << 5 | (st.get(s::FFLAGS) & 0x1f),
        CYCLE | MCYCLE => counter(st, s::MCYCLE, COUNTEREN_CY, c.icount),
        INSTRET | MINSTRET => counter(st, s::MINSTRET, COUNTEREN_IR, c.icount),
        TIME => c.time,
        SSTATUS => st.get(s::MSTATUS) & SSTATUS_MASK,
        SIE => st.get(s::MIE) & st.get(s::MIDELEG),
        SIP => mip(st, c.time) & st.get(s::MIDELEG),
        STVEC => st.get(s::STVEC),
        SCOUNTEREN => st.get(s::SCOUNTEREN),
        SENVCFG => st.get(s::SENVCFG),
        SSCRATCH => st.get(s::SSCRATCH),
        SEPC => st.get(s::SEPC),
        SCAUSE => st.get(s::SCAUSE),
        STVAL => st.get(s::STVAL),
        STIMECMP => st.get(s::STIMECMP),
        SATP => st.get(s::SATP),
        MHARTID => st.get(s::MHARTID),
        MSTATUS => st.get(s::MSTATUS),
        MISA => self::MISA,
        MEDELEG => st.get(s::MEDELEG),
        MIDELEG => st.get(s::MIDELEG),
        MIE => st.get(s::MIE),
        MIP => mip(st, c.time),
        MTVEC => st.get(s::MTVEC),
        MCOUNTEREN => st.get(s::MCOUNTEREN),
        MENVCFG => st.get(s::MENVCFG),
        MCOUNTINHIBIT => st.get(s::MCOUNTINHIBIT),
        MSCRATCH => st.get(s::MSCRATCH),
        MEPC => st.get(s::MEPC),
        MCAUSE => st.get(s::MCAUSE),
        MTVAL => st.get(s::MTVAL),
        PMPCFG0 => st.get_at(s::PMPCFG, 0),
        0x3a2 => st.get_at(s::PMPCFG, 1),
        PMPADDR0..=PMPADDR63 => {
            let i = usize::from(csr - PMPADDR0);
            if i < state::PMP_ENTRIES { st.get_at(s::PMPADDR, i) } else { 0 }
        }
        // mvendorid, marchid, mimpid, mconfigptr (0: not implemented),
        // hpmcounters and events (read-only zero), pmpcfg4..14.
        _ => 0,
    }
}

/// Writes `csr` with every access check; returns what else changed.
pub fn write(st: &mut State<'_>, csr: u16, value: u64, c: &Counters) -> Result<WriteEffects, Illegal> {
    static_check(csr, st.priv_mode(), true)?;
    dynamic_check(st, csr)?;
    Ok(write_unchecked(st, csr, value, c))
}

fn write_unchecked(st: &mut State<'_>, csr: u16, v: u64, c: &Counters) -> WriteEffects {
    use num::*;
    use state as s;
    let mut fx = WriteEffects::default();
    match csr {
        FFLAGS => {
            st.set(s::FFLAGS, v & 0x1f);
            mark_fs_dirty(st);
        }
        FRM => {
            st.set(s::FRM, v & 7);
            mark_fs_dirty(st);
        }
        FCSR => {
            st.set(s::FFLAGS, v & 0x1f);
            st.set(s::FRM, (v >> 5) & 7);
            mark_fs_dirty(st);
        }
        MSTATUS | SSTATUS => {
            let old = st.get(s::MSTATUS);
            let wmask = if csr == MSTATUS { MSTATUS_WMASK } else { SSTATUS_WMASK };
            let mut new = (old & !wmask) | (v & wmask);
            // MPP is WARL over the implemented modes: 2 (reserved) keeps
            // the old value.
            if (new & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT == 2 {
                new = (new & !MSTATUS_MPP) | (old & MSTATUS_MPP);
            }
            let new = with_sd(new);
            fx.mmu = (old ^ new) & MSTATUS_MXR != 0;
            st.set(s::MSTATUS, new);
        }
        MEDELEG => st.set(s::MEDELEG, v & MEDELEG_MASK),
        MIDELEG => st.set(s::MIDELEG, v & S_INTERRUPTS),
        MIE => st.set(s::MIE, v & ALL_INTERRUPTS),
        SIE => {
            let m = st.get(s::MIDELEG) & S_INTERRUPTS;
            st.set(s::MIE, (st.get(s::MIE) & !m) | (v & m));
        }
        MIP => {
            // SSIP, STIP (unless Sstc drives it) and the software-writable
            // SEIP bit; the M-level bits are lines from devices.
            let mut m = MIP_SSIP | MIP_SEIP | MIP_STIP;
            if st.get(s::MENVCFG) & MENVCFG_STCE != 0 {
                m &= !MIP_STIP;
            }
            st.set(s::MIP, (st.get(s::MIP) & !m) | (v & m));
        }
        SIP => {
            let m = MIP_SSIP & st.get(s::MIDELEG);
            st.set(s::MIP, (st.get(s::MIP) & !m) | (v & m));
        }
        // Modes 0 (direct) and 1 (vectored); reserved modes 2 and 3 become
        // 0 and 1 (WARL).
        MTVEC => st.set(s::MTVEC, v & !2),
        STVEC => st.set(s::STVEC, v & !2),
        // IALIGN = 16: bit 0 is always zero.
        MEPC => st.set(s::MEPC, v & !1),
        SEPC => st.set(s::SEPC, v & !1),
        MCAUSE => st.set(s::MCAUSE, v),
        SCAUSE => st.set(s::SCAUSE, v),
        MTVAL => st.set(s::MTVAL, v),
        STVAL => st.set(s::STVAL, v),
        MSCRATCH => st.set(s::MSCRATCH, v),
        SSCRATCH => st.set(s::SSCRATCH, v),
        MCOUNTEREN => st.set(s::MCOUNTEREN, v & 0xffff_ffff),
        SCOUNTEREN => st.set(s::SCOUNTEREN, v & 0xffff_ffff),
        MENVCFG => st.set(s::MENVCFG, legal_cbie(v & MENVCFG_WMASK)),
        SENVCFG => st.set(s::SENVCFG, legal_cbie(v & SENVCFG_WMASK)),
        // Only CY and IR can be inhibited: the hpm counters are zero. A
        // counter that stops keeps its current value; one that restarts
        // counts on from it.
        MCOUNTINHIBIT => {
            let new = v & (COUNTEREN_CY | COUNTEREN_IR);
            for (f, bit) in [(s::MCYCLE, COUNTEREN_CY), (s::MINSTRET, COUNTEREN_IR)] {
                let old = st.get(s::MCOUNTINHIBIT);
                if (old ^ new) & bit == 0 {
                    continue;
                }
                let value = counter(st, f, bit, c.icount);
                st.set(s::MCOUNTINHIBIT, (old & !bit) | (new & bit));
                set_counter(st, f, bit, c.icount, value);
            }
        }
        MCYCLE => set_counter(st, s::MCYCLE, COUNTEREN_CY, c.icount, v),
        MINSTRET => set_counter(st, s::MINSTRET, COUNTEREN_IR, c.icount, v),
        STIMECMP => st.set(s::STIMECMP, v),
        SATP => {
            // An unsupported MODE makes the whole write have no effect
            // (§4.1.11). ASIDLEN is 16, PPN 44 bits: every other value is
            // kept as written.
            let mode = v >> SATP_MODE_SHIFT;
            if matches!(mode, SATP_MODE_BARE | SATP_MODE_SV39 | SATP_MODE_SV48 | SATP_MODE_SV57) {
                st.set(s::SATP, v);
                fx.mmu = true;
            }
        }
        PMPCFG0 | 0x3a2 => {
            let reg = usize::from((csr - PMPCFG0) / 2);
            st.set_at(s::PMPCFG, reg, crate::pmp::write_cfg(st.get_at(s::PMPCFG, reg), v));
            fx.mmu = true;
        }
        PMPADDR0..=PMPADDR63 => {
            let i = usize::from(csr - PMPADDR0);
            if i < state::PMP_ENTRIES && crate::pmp::addr_writable(st, i) {
                st.set_at(s::PMPADDR, i, v & crate::pmp::ADDR_MASK);
                fx.mmu = true;
            }
        }
        // misa is fixed; the hpm counters and events, the other pmpcfgs
        // and pmpaddrs are read-only zero (WARL).
        _ => {}
    }
    fx
}

/// `xenvcfg.CBIE = 10` is reserved (WARL): it becomes `00`.
fn legal_cbie(v: u64) -> u64 {
    if v & ENVCFG_CBIE == 2 << 4 { v & !ENVCFG_CBIE } else { v }
}

#[cfg(test)]
mod tests;

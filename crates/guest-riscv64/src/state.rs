//! The riscv64 CPU-state block: where every piece of architectural (and a
//! little bookkeeping) state lives, as byte offsets.
//!
//! Generated code reaches the state block through IR globals (the integer
//! and FP registers and `pc`) and through `ld_state`/`st_state` at the
//! offsets below (CSRs the translator inlines: `fflags`, `frm`, `mstatus`,
//! `menvcfg`, the LR reservation, the pending exception). Helpers and the
//! vCPU loop see the same bytes as a `&mut [u8]` and use [`State`].
//!
//! # Layout
//!
//! Every field is a little-endian `u64` at an 8-byte-aligned offset:
//!
//! | offset | field |
//! |---|---|
//! | 0 | (`x0`, always zero, never written) |
//! | 8 × n | `x1`..`x31` (globals `x1`..`x31`) |
//! | 256 | `pc` (global `pc`) |
//! | 264 + 8 × n | `f0`..`f31` (globals `f0`..`f31`; singles NaN-boxed, Unprivileged spec §12.2) |
//! | 520.. | the non-global fields, in the order of [`FIELDS`] |
//!
//! Globals are named `x1`..`x31` rather than by ABI name because the IR text
//! reserves `t<digits>` for locals (`t0`..`t6` would collide).
//!
//! The state is plain data (DESIGN.md decision 11): a snapshot is these
//! bytes, plus the MMU's mirror of `satp`/`mstatus.MXR`/PMP, which
//! [`crate::mmu::Mmu::sync`] rebuilds from them.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use wemu_ir::{GlobalId, Globals, Type};

/// A non-global field of the state block: its byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field(pub u32);

/// Offset of `x1` is `X_BASE + 8`; `x0` has a slot that stays zero.
pub const X_BASE: u32 = 0;
/// Offset of the `pc` global.
pub const PC: u32 = 256;
/// Offset of `f0`.
pub const F_BASE: u32 = 264;
/// First non-global byte.
pub const FIELDS_BASE: u32 = F_BASE + 32 * 8;

/// Number of PMP entries implemented (Privileged spec §3.7.1 allows 0, 16
/// or 64; Linux and OpenSBI need at least the 16 the issue asks for).
pub const PMP_ENTRIES: usize = 16;

macro_rules! fields {
    ($( $(#[$m:meta])* $name:ident $(* $count:literal)?, )*) => {
        fields!(@emit 0u32; $( $(#[$m])* $name $(* $count)?, )*);

        /// Every non-global field, with its name and number of `u64` slots,
        /// in layout order (for dumps and tests).
        pub const FIELDS: &[(&str, Field, u32)] = &[$( (stringify!($name), $name, fields!(@count $($count)?)), )*];
    };
    (@count) => { 1u32 };
    (@count $c:literal) => { $c };
    (@emit $off:expr; ) => {
        /// Size of the whole state block in bytes.
        pub const SIZE: u32 = FIELDS_BASE + 8 * ($off);
    };
    (@emit $off:expr; $(#[$m:meta])* $name:ident $(* $count:literal)?, $($rest:tt)*) => {
        $(#[$m])*
        pub const $name: Field = Field(FIELDS_BASE + 8 * ($off));
        fields!(@emit $off + fields!(@count $($count)?); $($rest)*);
    };
}

fields! {
    /// Current privilege mode: 0 = U, 1 = S, 3 = M.
    PRIV,
    /// Accrued exception flags, the low 5 bits (`fcsr[4:0]`).
    FFLAGS,
    /// Dynamic rounding mode, the low 3 bits (`fcsr[7:5]`); may hold the
    /// reserved values 5..7, which make dynamic-rm instructions illegal.
    FRM,
    /// `mstatus`, with `SD` kept up to date (`sstatus` is a view of it).
    MSTATUS,
    MEDELEG,
    MIDELEG,
    MIE,
    /// `mip`'s software-writable bits (`SSIP`, `STIP` without Sstc, the
    /// software `SEIP`). Reads combine them with [`IRQ_LINES`] and Sstc's
    /// `STIP` ([`crate::csr::mip`]).
    MIP,
    /// The interrupt lines the machine drives, in `mip` bit positions
    /// (`MSIP`, `MTIP`, `MEIP`, the external `SEIP`), as of the last block
    /// boundary.
    IRQ_LINES,
    MTVEC,
    MEPC,
    MCAUSE,
    MTVAL,
    MSCRATCH,
    MCOUNTEREN,
    MCOUNTINHIBIT,
    MENVCFG,
    STVEC,
    SEPC,
    SCAUSE,
    STVAL,
    SSCRATCH,
    SCOUNTEREN,
    SENVCFG,
    SATP,
    /// Sstc's supervisor timer compare value.
    STIMECMP,
    MHARTID,
    /// `minstret` relative to the instruction count: `minstret = icount +
    /// MINSTRET`, or, while `mcountinhibit.IR` stops it, the frozen value
    /// itself ([`crate::csr`]).
    MINSTRET,
    /// `mcycle` likewise (one cycle per instruction), under `mcountinhibit.CY`.
    MCYCLE,
    /// LR reservation: the address of the last `lr`, or [`NO_RESERVATION`].
    LR_ADDR,
    /// The value the last `lr` loaded (sign-extended), which `sc` compares
    /// against with a compare-and-exchange.
    LR_VALUE,
    /// Cause of the exception a block left with (`exit_tb EXIT_EXCEPTION`)
    /// or a helper failed with.
    TRAP_CAUSE,
    /// Its `xtval` value.
    TRAP_TVAL,
    /// `pmpcfg0` and `pmpcfg2` (RV64 packs eight entries in each).
    PMPCFG * 2,
    /// `pmpaddr0`..`pmpaddr15`.
    PMPADDR * 16,
    /// The instructions this hart retired before the current block, kept
    /// by the vCPU loop ([`wemu_exec::Guest::retired_offset`]): what
    /// `minstret` and `mcycle` count (per hart, also with several harts
    /// sharing one clock).
    RETIRED,
}

/// The value of [`LR_ADDR`] when there is no reservation (never a valid,
/// aligned `lr` address).
pub const NO_RESERVATION: u64 = u64::MAX;

/// The offset of integer register `n` (1..=31).
pub const fn x_offset(n: u8) -> u32 {
    X_BASE + 8 * n as u32
}

/// The offset of FP register `n` (0..=31).
pub const fn f_offset(n: u8) -> u32 {
    F_BASE + 8 * n as u32
}

/// The privilege modes (Privileged spec §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priv {
    User = 0,
    Supervisor = 1,
    Machine = 3,
}

impl Priv {
    /// The mode encoded by `bits` (2 is reserved: read as U, which is what
    /// WARL fields holding it are never allowed to contain anyway).
    pub const fn from_bits(bits: u64) -> Priv {
        match bits & 3 {
            3 => Priv::Machine,
            1 => Priv::Supervisor,
            _ => Priv::User,
        }
    }

    pub const fn bits(self) -> u64 {
        self as u64
    }
}

/// The IR globals of the riscv64 state block, declared once and shared by
/// every translated block.
#[derive(Debug)]
pub struct Regs {
    /// The declarations.
    pub globals: Arc<Globals>,
    /// `x[n]` for n in 1..=31 (`x[0]` is unused and names `pc`, never read).
    x: [GlobalId; 32],
    f: [GlobalId; 32],
    pc: GlobalId,
}

impl Regs {
    /// Declares `x1`..`x31`, `pc`, `f0`..`f31`.
    pub fn new() -> Regs {
        let mut g = Globals::new();
        let mut x = [GlobalId(0); 32];
        for (n, slot) in x.iter_mut().enumerate().skip(1) {
            *slot = g.add(&format!("x{n}"), Type::I64, x_offset(n as u8));
        }
        let pc = g.add("pc", Type::I64, PC);
        x[0] = pc;
        let mut f = [GlobalId(0); 32];
        for (n, slot) in f.iter_mut().enumerate() {
            *slot = g.add(&format!("f{n}"), Type::I64, f_offset(n as u8));
        }
        Regs { globals: Arc::new(g), x, f, pc }
    }

    /// The global of integer register `n` (1..=31; `n = 0` has none and
    /// gives `pc`'s, which callers never ask for).
    pub fn x(&self, n: u8) -> GlobalId {
        self.x[usize::from(n & 31)]
    }

    pub fn f(&self, n: u8) -> GlobalId {
        self.f[usize::from(n & 31)]
    }

    pub fn pc(&self) -> GlobalId {
        self.pc
    }
}

impl Default for Regs {
    fn default() -> Regs {
        Regs::new()
    }
}

/// Typed access to a state block held as bytes. Reads outside the block
/// give 0 and writes outside it do nothing: nothing here panics, whatever
/// the slice's length (a block too short is a bug of the caller that the
/// executors already refuse to run).
///
/// [`State::view`] makes a read-only view of a shared slice, for code that
/// only reads (interrupt checks, block keys); writes through it are
/// dropped.
#[derive(Debug)]
pub struct State<'a> {
    bytes: Bytes<'a>,
}

#[derive(Debug)]
enum Bytes<'a> {
    Mut(&'a mut [u8]),
    Shared(&'a [u8]),
}

impl<'a> State<'a> {
    pub fn new(bytes: &'a mut [u8]) -> State<'a> {
        State { bytes: Bytes::Mut(bytes) }
    }

    /// A read-only view (writes are dropped).
    pub fn view(bytes: &'a [u8]) -> State<'a> {
        State { bytes: Bytes::Shared(bytes) }
    }

    fn slice(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mut(b) => b,
            Bytes::Shared(b) => b,
        }
    }

    fn read(&self, off: u32) -> u64 {
        let off = off as usize;
        self.slice().get(off..).and_then(|s| s.first_chunk::<8>()).map_or(0, |b| u64::from_le_bytes(*b))
    }

    fn write(&mut self, off: u32, v: u64) {
        let off = off as usize;
        if let Bytes::Mut(bytes) = &mut self.bytes
            && let Some(b) = bytes.get_mut(off..).and_then(|s| s.first_chunk_mut::<8>())
        {
            *b = v.to_le_bytes();
        }
    }

    pub fn get(&self, f: Field) -> u64 {
        self.read(f.0)
    }

    pub fn set(&mut self, f: Field, v: u64) {
        self.write(f.0, v)
    }

    /// Slot `i` of a multi-slot field ([`PMPCFG`], [`PMPADDR`]).
    pub fn get_at(&self, f: Field, i: usize) -> u64 {
        self.read(f.0.wrapping_add(8 * i as u32))
    }

    pub fn set_at(&mut self, f: Field, i: usize, v: u64) {
        self.write(f.0.wrapping_add(8 * i as u32), v)
    }

    /// Integer register `n`; `x0` reads as 0.
    pub fn x(&self, n: u8) -> u64 {
        if n == 0 { 0 } else { self.read(x_offset(n & 31)) }
    }

    /// Writes integer register `n`; writes to `x0` are dropped.
    pub fn set_x(&mut self, n: u8, v: u64) {
        if n != 0 {
            self.write(x_offset(n & 31), v)
        }
    }

    pub fn f(&self, n: u8) -> u64 {
        self.read(f_offset(n & 31))
    }

    pub fn set_f(&mut self, n: u8, v: u64) {
        self.write(f_offset(n & 31), v)
    }

    pub fn pc(&self) -> u64 {
        self.read(PC)
    }

    pub fn set_pc(&mut self, v: u64) {
        self.write(PC, v)
    }

    pub fn priv_mode(&self) -> Priv {
        Priv::from_bits(self.get(PRIV))
    }

    pub fn set_priv(&mut self, p: Priv) {
        self.set(PRIV, p.bits())
    }

    /// The bytes, if this is not a read-only view.
    pub fn bytes(&mut self) -> Option<&mut [u8]> {
        match &mut self.bytes {
            Bytes::Mut(b) => Some(b),
            Bytes::Shared(_) => None,
        }
    }
}

/// A zeroed state block of [`SIZE`] bytes, with the fields that are not
/// zero at reset set as the Privileged spec §3.4 requires: M-mode, no
/// reservation, `pc` at `reset_pc`, `mhartid`.
pub fn reset_state(reset_pc: u64, hartid: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; SIZE as usize];
    reset(&mut State::new(&mut bytes), reset_pc, hartid);
    bytes
}

/// Resets `st` (Privileged spec §3.4: privilege M, `mstatus.MIE` and
/// `MPRV` clear, `misa` at its maximal value (fixed here), `pc` at the reset
/// vector, `mcause` 0). Everything else also becomes 0, a legal value for
/// every field.
pub fn reset(st: &mut State<'_>, reset_pc: u64, hartid: u64) {
    if let Some(b) = st.bytes() {
        b.fill(0);
    }
    st.set_priv(Priv::Machine);
    st.set_pc(reset_pc);
    st.set(MHARTID, hartid);
    st.set(LR_ADDR, NO_RESERVATION);
    st.set(MSTATUS, crate::csr::MSTATUS_RESET);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_dense_and_aligned() {
        let mut end = FIELDS_BASE;
        for &(name, f, n) in FIELDS {
            assert_eq!(f.0, end, "{name}");
            assert_eq!(f.0 % 8, 0);
            end += 8 * n;
        }
        assert_eq!(end, SIZE);
    }

    #[test]
    fn globals_name_registers() {
        let r = Regs::new();
        let d = r.globals.get(r.x(5)).unwrap();
        assert_eq!((d.name.as_str(), d.offset), ("x5", 40));
        let d = r.globals.get(r.f(31)).unwrap();
        assert_eq!((d.name.as_str(), d.offset), ("f31", F_BASE + 248));
        assert_eq!(r.globals.get(r.pc()).unwrap().offset, PC);
        assert!(r.globals.iter().all(|(_, d)| d.offset + 8 <= FIELDS_BASE));
    }

    #[test]
    fn state_access_never_panics() {
        let mut short = [0u8; 20];
        let mut st = State::new(&mut short);
        st.set(MSTATUS, 5);
        assert_eq!(st.get(MSTATUS), 0);
        st.set_x(1, 7);
        assert_eq!(st.x(1), 7);
        st.set_x(2, 7);
        assert_eq!(st.x(2), 0);
        st.set_x(0, 7);
        assert_eq!(st.x(0), 0);
        let v = State::view(&short);
        assert_eq!(v.x(1), 7);
    }
}

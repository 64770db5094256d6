//! Tracing for the wemu components, selectable per category like QEMU's
//! `-d in_asm,op,op_opt,exec,int`, and free when off (DESIGN.md decision
//! 14).
//!
//! * [`Categories`]: a set of trace categories, parsed from a comma list
//!   (`"in_asm,op,exec"`; an unknown name is an error that lists the valid
//!   ones).
//! * [`TraceEvent`]: one traced thing, as plain data and borrowed text; its
//!   `Display` is a QEMU-like log line (or lines, for code and IR).
//! * [`Tracer`]: what receives events. A component asks
//!   [`Tracer::enabled`] once (per run call, or when the tracer is
//!   installed) and from then on tests that mask at each trace point: a
//!   category that is off costs one predictable branch where its events
//!   would be made, and nothing is formatted or allocated for it.
//! * [`NoTrace`] ignores everything; [`TextTracer`] writes every event as
//!   text to a [`fmt::Write`].
//!
//! Who traces what:
//!
//! | category | what | emitted by |
//! |---|---|---|
//! | `in_asm` | guest disassembly of each block translated | `wemu-exec` (the guest's disassembler) |
//! | `op` | IR of each block, as the frontend made it | `wemu-exec` |
//! | `op_opt` | IR of each block after the optimizer | `wemu-exec` |
//! | `exec` | each block run: PC, cache slot, chained or not | `wemu-exec` |
//! | `int` | interrupts taken, exceptions and other exits handed to the guest | `wemu-exec` |
//! | `mmio` | MMIO accesses (CPU and device) | `wemu-softmmu`'s address space, forwarded by `wemu-exec` |
//! | `tlb` | TLB fills by the guest's page walker | `wemu-softmmu`, forwarded by `wemu-exec` |
//!
//! ```
//! use wemu_trace::{Categories, TextTracer, TraceEvent, Tracer};
//!
//! let cats = Categories::parse("exec,int").unwrap();
//! assert!(cats.contains(Categories::EXEC) && !cats.intersects(Categories::TLB));
//! assert_eq!(
//!     Categories::parse("exec,bogus").unwrap_err().to_string(),
//!     "unknown trace category `bogus` (valid: in_asm, op, op_opt, exec, int, mmio, tlb, all, none)"
//! );
//!
//! let mut t = TextTracer::new(String::new(), cats);
//! t.event(&TraceEvent::Exec { vcpu: 0, pc: 0x8000_0000, tb: Some(3), chained: true });
//! assert_eq!(t.out, "exec: vcpu 0 pc 0x80000000 tb 3 chained\n");
//! ```
#![no_std]
#![forbid(unsafe_code)]

use core::fmt::{self, Write as _};
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};
use core::str::FromStr;

/// A set of trace categories.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Categories(u32);

impl Categories {
    /// Nothing traced.
    pub const NONE: Categories = Categories(0);
    /// Guest disassembly of every block translated (`in_asm`).
    pub const IN_ASM: Categories = Categories(1 << 0);
    /// The IR of every block translated, before optimization (`op`).
    pub const OP: Categories = Categories(1 << 1);
    /// The IR of every block translated, after optimization (`op_opt`).
    pub const OP_OPT: Categories = Categories(1 << 2);
    /// Every block run (`exec`).
    pub const EXEC: Categories = Categories(1 << 3);
    /// Interrupts and exceptions (`int`).
    pub const INT: Categories = Categories(1 << 4);
    /// MMIO accesses (`mmio`).
    pub const MMIO: Categories = Categories(1 << 5);
    /// TLB fills (`tlb`).
    pub const TLB: Categories = Categories(1 << 6);
    /// Everything.
    pub const ALL: Categories = Categories((1 << 7) - 1);

    /// Every category with its name, in the order lists print.
    pub const NAMES: [(&'static str, Categories); 7] = [
        ("in_asm", Categories::IN_ASM),
        ("op", Categories::OP),
        ("op_opt", Categories::OP_OPT),
        ("exec", Categories::EXEC),
        ("int", Categories::INT),
        ("mmio", Categories::MMIO),
        ("tlb", Categories::TLB),
    ];

    /// The categories as bits (bit order as in [`Categories::NAMES`]).
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The categories of `bits`; unknown bits are dropped.
    pub const fn from_bits_truncate(bits: u32) -> Categories {
        Categories(bits & Categories::ALL.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every category of `other` is in `self`.
    #[inline(always)]
    pub const fn contains(self, other: Categories) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any category of `other` is in `self`.
    #[inline(always)]
    pub const fn intersects(self, other: Categories) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn union(self, other: Categories) -> Categories {
        Categories(self.0 | other.0)
    }

    pub const fn intersection(self, other: Categories) -> Categories {
        Categories(self.0 & other.0)
    }

    /// The categories of `self` not in `other`.
    pub const fn difference(self, other: Categories) -> Categories {
        Categories(self.0 & !other.0)
    }

    /// The single categories of the set, with their names.
    pub fn iter(self) -> impl Iterator<Item = (&'static str, Categories)> {
        Categories::NAMES.into_iter().filter(move |&(_, c)| self.contains(c))
    }

    /// The category named `name` (`all` and `none` included).
    pub fn from_name(name: &str) -> Option<Categories> {
        match name {
            "all" => Some(Categories::ALL),
            "none" => Some(Categories::NONE),
            _ => Categories::NAMES.iter().find(|(n, _)| *n == name).map(|&(_, c)| c),
        }
    }

    /// Parses a comma-separated list of category names (`in_asm`, `op`,
    /// `op_opt`, `exec`, `int`, `mmio`, `tlb`, and `all` or `none`), as
    /// QEMU's `-d` takes them. Blanks around names and empty items are
    /// ignored, so `""` is no category.
    pub fn parse(list: &str) -> Result<Categories, ParseError> {
        let mut set = Categories::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            set |= Categories::from_name(name).ok_or_else(|| ParseError::new(name))?;
        }
        Ok(set)
    }
}

impl From<Categories> for u32 {
    fn from(c: Categories) -> u32 {
        c.0
    }
}

impl BitOr for Categories {
    type Output = Categories;
    fn bitor(self, rhs: Categories) -> Categories {
        self.union(rhs)
    }
}

impl BitOrAssign for Categories {
    fn bitor_assign(&mut self, rhs: Categories) {
        *self = self.union(rhs);
    }
}

impl BitAnd for Categories {
    type Output = Categories;
    fn bitand(self, rhs: Categories) -> Categories {
        self.intersection(rhs)
    }
}

impl BitAndAssign for Categories {
    fn bitand_assign(&mut self, rhs: Categories) {
        *self = self.intersection(rhs);
    }
}

impl Not for Categories {
    type Output = Categories;
    fn not(self) -> Categories {
        Categories::ALL.difference(self)
    }
}

impl fmt::Display for Categories {
    /// The comma list [`Categories::parse`] reads back (`none` if empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, (name, _)) in self.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Categories {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Categories({self})")
    }
}

impl FromStr for Categories {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Categories, ParseError> {
        Categories::parse(s)
    }
}

/// An unknown category name in a list. Keeps the name (its first
/// [`ParseError::MAX_NAME`] bytes) without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseError {
    name: [u8; ParseError::MAX_NAME],
    len: u8,
}

impl ParseError {
    /// The longest name kept, in bytes.
    pub const MAX_NAME: usize = 32;

    fn new(name: &str) -> ParseError {
        let mut len = name.len().min(ParseError::MAX_NAME);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        let mut buf = [0; ParseError::MAX_NAME];
        buf[..len].copy_from_slice(&name.as_bytes()[..len]);
        ParseError { name: buf, len: len as u8 }
    }

    /// The unknown name (cut to [`ParseError::MAX_NAME`] bytes).
    pub fn name(&self) -> &str {
        // Cut at a character boundary in `new`.
        core::str::from_utf8(&self.name[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown trace category `{}` (valid: ", self.name())?;
        for (name, _) in Categories::NAMES {
            write!(f, "{name}, ")?;
        }
        f.write_str("all, none)")
    }
}

impl fmt::Debug for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseError").field("name", &self.name()).finish()
    }
}

impl core::error::Error for ParseError {}

/// The kind of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    Read,
    Write,
    Execute,
}

impl fmt::Display for AccessKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessKind::Read => "read",
            AccessKind::Write => "write",
            AccessKind::Execute => "fetch",
        })
    }
}

/// An MMIO access (`mmio`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MmioAccess {
    /// Guest-physical address.
    pub paddr: u64,
    /// Bytes: 1, 2, 4 or 8.
    pub size: u8,
    pub write: bool,
    /// The value written, or the value read (0 if the read failed).
    pub value: u64,
    /// The index of the device's region (`wemu_softmmu::MmioId`) and the
    /// offset in it.
    pub device: u32,
    pub offset: u64,
    /// Whether the device answered a bus error.
    pub bus_error: bool,
}

impl fmt::Display for MmioAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (dir, arrow) = if self.write { ("write", "<-") } else { ("read", "->") };
        write!(f, "mmio {dir} {}B {:#x} (dev {} +{:#x}) ", self.size, self.paddr, self.device, self.offset)?;
        if self.bus_error {
            if self.write {
                write!(f, "<- {:#x} ", self.value)?;
            }
            f.write_str("bus error")
        } else {
            write!(f, "{arrow} {:#x}", self.value)
        }
    }
}

/// A TLB entry filled from a page walk (`tlb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TlbFill {
    /// The virtual address whose miss caused the walk.
    pub vaddr: u64,
    /// Its physical address.
    pub paddr: u64,
    pub mmu_idx: u8,
    /// The access that missed.
    pub access: AccessKind,
    /// What the entry allows.
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl fmt::Display for TlbFill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |b: bool, c: char| if b { c } else { '-' };
        write!(
            f,
            "tlb fill mmu {} {:#x} -> {:#x} on {} ({}{}{})",
            self.mmu_idx,
            self.vaddr,
            self.paddr,
            self.access,
            p(self.read, 'r'),
            p(self.write, 'w'),
            p(self.execute, 'x')
        )
    }
}

/// One traced thing. `vcpu` is the index of the vCPU it happened on (for
/// `mmio` and `tlb`: the vCPU whose run it happened in).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum TraceEvent<'a> {
    /// `in_asm`: a block was translated; `text` is its guest code, one line
    /// per instruction (`0x...:  disassembly\n`).
    InAsm { vcpu: u32, pc: u64, phys_pc: u64, insns: u32, text: &'a str },
    /// `op`: the IR of a block translated, as the frontend made it (text
    /// form).
    Op { vcpu: u32, pc: u64, ir: &'a str },
    /// `op_opt`: the IR of a block translated, after the optimizer.
    OpOpt { vcpu: u32, pc: u64, ir: &'a str },
    /// `exec`: a block is about to run. `tb` is its cache slot (`None`: a
    /// block run once, uncached); `chained`: reached through the previous
    /// block's chain link, without a lookup.
    Exec { vcpu: u32, pc: u64, tb: Option<u32>, chained: bool },
    /// `int`: an interrupt was taken at the instruction boundary before
    /// `pc`, with the vCPU's interrupt `lines`; the guest goes on at
    /// `next_pc`.
    Interrupt { vcpu: u32, pc: u64, lines: u64, next_pc: u64 },
    /// `int`: an exception or another exit handed to the guest (`event`,
    /// belonging to the instruction at `pc`), what the guest made of it
    /// (`action`) and the PC it goes on at.
    Exception { vcpu: u32, pc: u64, event: &'a dyn fmt::Display, action: &'a dyn fmt::Display, next_pc: u64 },
    /// `mmio`: an MMIO access.
    Mmio { vcpu: u32, access: MmioAccess },
    /// `tlb`: a TLB fill.
    TlbFill { vcpu: u32, fill: TlbFill },
    /// `mmio`/`tlb`: `count` records were dropped because the log they
    /// wait in was full.
    Lost { vcpu: u32, count: u64 },
}

impl TraceEvent<'_> {
    /// The category of the event (for [`TraceEvent::Lost`], `mmio` and
    /// `tlb`).
    pub fn category(&self) -> Categories {
        match self {
            TraceEvent::InAsm { .. } => Categories::IN_ASM,
            TraceEvent::Op { .. } => Categories::OP,
            TraceEvent::OpOpt { .. } => Categories::OP_OPT,
            TraceEvent::Exec { .. } => Categories::EXEC,
            TraceEvent::Interrupt { .. } | TraceEvent::Exception { .. } => Categories::INT,
            TraceEvent::Mmio { .. } => Categories::MMIO,
            TraceEvent::TlbFill { .. } => Categories::TLB,
            TraceEvent::Lost { .. } => Categories::MMIO.union(Categories::TLB),
        }
    }

    /// The vCPU the event happened on.
    pub fn vcpu(&self) -> u32 {
        match *self {
            TraceEvent::InAsm { vcpu, .. }
            | TraceEvent::Op { vcpu, .. }
            | TraceEvent::OpOpt { vcpu, .. }
            | TraceEvent::Exec { vcpu, .. }
            | TraceEvent::Interrupt { vcpu, .. }
            | TraceEvent::Exception { vcpu, .. }
            | TraceEvent::Mmio { vcpu, .. }
            | TraceEvent::TlbFill { vcpu, .. }
            | TraceEvent::Lost { vcpu, .. } => vcpu,
        }
    }
}

/// Writes `text` without its final newline.
fn body(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str(text.strip_suffix('\n').unwrap_or(text))
}

impl fmt::Display for TraceEvent<'_> {
    /// The event as log text: one line, or a header line and the code or IR
    /// for `in_asm`, `op` and `op_opt`; no final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TraceEvent::InAsm { vcpu, pc, phys_pc, insns, text } => {
                writeln!(f, "IN: vcpu {vcpu} pc {pc:#x} (phys {phys_pc:#x}), {insns} insns")?;
                body(f, text)
            }
            TraceEvent::Op { vcpu, pc, ir } => {
                writeln!(f, "OP: vcpu {vcpu} pc {pc:#x}")?;
                body(f, ir)
            }
            TraceEvent::OpOpt { vcpu, pc, ir } => {
                writeln!(f, "OP after optimization: vcpu {vcpu} pc {pc:#x}")?;
                body(f, ir)
            }
            TraceEvent::Exec { vcpu, pc, tb, chained } => {
                write!(f, "exec: vcpu {vcpu} pc {pc:#x}")?;
                match tb {
                    Some(tb) => write!(f, " tb {tb}")?,
                    None => f.write_str(" uncached")?,
                }
                if chained {
                    f.write_str(" chained")?;
                }
                Ok(())
            }
            TraceEvent::Interrupt { vcpu, pc, lines, next_pc } => {
                write!(f, "int: vcpu {vcpu} interrupt (lines {lines:#x}) at pc {pc:#x} -> pc {next_pc:#x}")
            }
            TraceEvent::Exception { vcpu, pc, event, action, next_pc } => {
                write!(f, "int: vcpu {vcpu} {event} at pc {pc:#x}: {action} -> pc {next_pc:#x}")
            }
            TraceEvent::Mmio { vcpu, access } => write!(f, "vcpu {vcpu} {access}"),
            TraceEvent::TlbFill { vcpu, fill } => write!(f, "vcpu {vcpu} {fill}"),
            TraceEvent::Lost { vcpu, count } => write!(f, "vcpu {vcpu}: {count} mmio/tlb trace records lost"),
        }
    }
}

impl fmt::Debug for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceEvent").field(&format_args!("{self}")).finish()
    }
}

/// Receives trace events.
///
/// Components read [`Tracer::enabled`] when a run starts (`wemu-exec`: at
/// every `Vcpu::run` call) and make only the events of those categories;
/// a change takes effect at the next run. [`Tracer::event`] is called only
/// for enabled categories.
pub trait Tracer {
    /// The categories to trace.
    fn enabled(&self) -> Categories;

    /// One event of an enabled category.
    fn event(&mut self, event: &TraceEvent<'_>);
}

impl<T: Tracer + ?Sized> Tracer for &mut T {
    fn enabled(&self) -> Categories {
        (**self).enabled()
    }

    fn event(&mut self, event: &TraceEvent<'_>) {
        (**self).event(event)
    }
}

/// Traces nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTrace;

impl Tracer for NoTrace {
    fn enabled(&self) -> Categories {
        Categories::NONE
    }

    fn event(&mut self, _event: &TraceEvent<'_>) {}
}

/// Writes the events of `categories` as text, each followed by a newline,
/// to `out` (a `String`, or a host's adapter to stderr or a file). Write
/// errors are ignored.
#[derive(Clone, Debug, Default)]
pub struct TextTracer<W> {
    pub out: W,
    pub categories: Categories,
}

impl<W: fmt::Write> TextTracer<W> {
    pub fn new(out: W, categories: Categories) -> TextTracer<W> {
        TextTracer { out, categories }
    }
}

impl<W: fmt::Write> Tracer for TextTracer<W> {
    fn enabled(&self) -> Categories {
        self.categories
    }

    fn event(&mut self, event: &TraceEvent<'_>) {
        let _ = writeln!(self.out, "{event}");
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::{String, ToString};

    use super::*;

    #[test]
    fn lists_parse_and_print() {
        assert_eq!(Categories::parse(""), Ok(Categories::NONE));
        assert_eq!(Categories::parse("in_asm,op,op_opt,exec,int"), Ok(!(Categories::MMIO | Categories::TLB)));
        assert_eq!(Categories::parse(" exec , tlb,"), Ok(Categories::EXEC | Categories::TLB));
        assert_eq!(Categories::parse("all"), Ok(Categories::ALL));
        assert_eq!(Categories::parse("none,mmio"), Ok(Categories::MMIO));
        assert_eq!("int,op".parse::<Categories>(), Ok(Categories::INT | Categories::OP));
        for set in [Categories::NONE, Categories::ALL, Categories::OP_OPT | Categories::IN_ASM] {
            assert_eq!(Categories::parse(&set.to_string()), Ok(set));
        }
        assert_eq!(Categories::ALL.to_string(), "in_asm,op,op_opt,exec,int,mmio,tlb");
        assert_eq!(Categories::from_bits_truncate(u32::MAX), Categories::ALL);
        assert!(Categories::ALL.contains(Categories::TLB | Categories::OP));
        assert!(!Categories::EXEC.intersects(Categories::INT));
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_list() {
        let e = Categories::parse("exec,in-asm").unwrap_err();
        assert_eq!(e.name(), "in-asm");
        let msg = e.to_string();
        for (name, _) in Categories::NAMES {
            assert!(msg.contains(name), "{msg}");
        }
        // Long names are cut at a character boundary.
        let long: String = core::iter::repeat_n('é', 40).collect();
        let e = Categories::parse(&long).unwrap_err();
        assert_eq!(e.name().chars().count(), ParseError::MAX_NAME / 2);
    }

    #[test]
    fn events_print_and_know_their_category() {
        let action = "continue";
        let event = "status 0x1";
        let evs = [
            (TraceEvent::InAsm { vcpu: 1, pc: 0x10, phys_pc: 0x20, insns: 1, text: "0x10:  nop\n" }, "in_asm"),
            (TraceEvent::Op { vcpu: 0, pc: 0x10, ir: "    lookup_tb\n" }, "op"),
            (TraceEvent::OpOpt { vcpu: 0, pc: 0x10, ir: "" }, "op_opt"),
            (TraceEvent::Exec { vcpu: 0, pc: 0x10, tb: None, chained: false }, "exec"),
            (TraceEvent::Interrupt { vcpu: 0, pc: 0x10, lines: 2, next_pc: 0x40 }, "int"),
            (TraceEvent::Exception { vcpu: 0, pc: 0x10, event: &event, action: &action, next_pc: 0x40 }, "int"),
            (
                TraceEvent::Mmio {
                    vcpu: 0,
                    access: MmioAccess {
                        paddr: 0x1000_0000,
                        size: 1,
                        write: true,
                        value: 0x41,
                        device: 2,
                        offset: 0,
                        bus_error: false,
                    },
                },
                "mmio",
            ),
            (
                TraceEvent::TlbFill {
                    vcpu: 0,
                    fill: TlbFill {
                        vaddr: 0x1234,
                        paddr: 0x8000_1234,
                        mmu_idx: 1,
                        access: AccessKind::Execute,
                        read: true,
                        write: false,
                        execute: true,
                    },
                },
                "tlb",
            ),
        ];
        let mut t = TextTracer::new(String::new(), Categories::ALL);
        for (ev, cat) in &evs {
            assert_eq!(ev.category(), Categories::from_name(cat).unwrap());
            t.event(ev);
        }
        assert_eq!(
            t.out,
            "IN: vcpu 1 pc 0x10 (phys 0x20), 1 insns\n0x10:  nop\n\
             OP: vcpu 0 pc 0x10\n    lookup_tb\n\
             OP after optimization: vcpu 0 pc 0x10\n\n\
             exec: vcpu 0 pc 0x10 uncached\n\
             int: vcpu 0 interrupt (lines 0x2) at pc 0x10 -> pc 0x40\n\
             int: vcpu 0 status 0x1 at pc 0x10: continue -> pc 0x40\n\
             vcpu 0 mmio write 1B 0x10000000 (dev 2 +0x0) <- 0x41\n\
             vcpu 0 tlb fill mmu 1 0x1234 -> 0x80001234 on fetch (r-x)\n"
        );
        assert_eq!(NoTrace.enabled(), Categories::NONE);
    }
}

//! The disassembler: `Display` for [`Insn`], in GNU assembler syntax with ABI
//! register names, matching `riscv64-unknown-elf-objdump -d -M no-aliases`
//! (binutils 2.40) operand for operand. Operands are separated by `", "`
//! (objdump uses a bare `,`), and the mnemonic from them by one space.
//!
//! Where the text cannot match objdump:
//!
//! - Branch and `jal` targets are printed as the signed decimal byte offset
//!   from the instruction (`beq a0, zero, -8`): an `Insn` does not know its
//!   address. objdump prints the absolute target.
//! - Compressed instructions print as the 32-bit instructions they expand to
//!   (`c.addi a0, 1` prints `addi a0, a0, 1`).
//! - Encodings objdump does not accept but the spec defines print in the
//!   form of the instruction they are: a `fence` whose reserved `fm`, `rd`
//!   or `rs1` fields are non-zero prints as a plain `fence pred, succ`, a
//!   `fence.i` with non-zero reserved fields as `fence.i`, and
//!   `fcvt.d.s`/`fcvt.d.w`/`fcvt.d.wu` with a rounding mode other than
//!   `rne` (which binutils 2.40 will not disassemble) with that mode.
//! - Conversely, what the decoder rejects prints as `.2byte`/`.4byte` even
//!   where objdump names it: `c.addi16sp sp, 0` (reserved by the spec), and
//!   instructions of extensions this crate does not implement (`dret`,
//!   `uret`, and the pre-1.10 `sfence.vm` and `hret`).
//! - CSRs outside the set [`CsrName`] knows (hypervisor, vector, `seed` and
//!   the RV32-only upper halves) print as hex numbers.
//!
//! `tests/golden.rs` checks all of this against objdump's output for
//! `tests/data/all.S`.
//!
//! Conventions shared with objdump: the rounding mode is printed only when it
//! differs from what the assembler encodes by default (`dyn`, or `rne` for the
//! exact conversions named above), reserved rounding modes and empty fence
//! sets print as `unknown`, `csrrw zero, cycle, zero` prints as `unimp`, the
//! all-zero parcel as `c.unimp` and other illegal encodings as
//! `.2byte 0x...`/`.4byte 0x...`.

mod csr;
mod names;

use core::fmt;

pub use csr::CsrName;

use crate::insn::Insn;
use crate::operands::*;
use names::{fname, xname};

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Insn::Illegal(0) => return f.write_str("c.unimp"),
            Insn::Illegal(bits) if bits & 0b11 != 0b11 && bits <= 0xffff => {
                return write!(f, ".2byte 0x{bits:x}");
            }
            Insn::Illegal(bits) => return write!(f, ".4byte 0x{bits:x}"),
            // The canonical illegal instruction: a write to the read-only `cycle`.
            Insn::Csrrw(CsrReg { rd: XReg::ZERO, rs1: XReg::ZERO, csr: 0xc00 }) => return f.write_str("unimp"),
            Insn::Fence(fence) if fence.is_tso() => return f.write_str("fence.tso"),
            // Loads and `jalr` share `IType` with the immediate arithmetic but
            // print their immediate as an offset.
            Insn::Lb(o)
            | Insn::Lh(o)
            | Insn::Lw(o)
            | Insn::Ld(o)
            | Insn::Lbu(o)
            | Insn::Lhu(o)
            | Insn::Lwu(o)
            | Insn::Jalr(o) => {
                return write!(f, "{} {}, {}({})", self.mnemonic(), xname(o.rd), o.imm, xname(o.rs1));
            }
            _ => {}
        }
        f.write_str(self.mnemonic())?;
        let Some(ops) = self.operands() else { return Ok(()) };
        ops.fmt_suffix(f)?;
        f.write_str(" ")?;
        // The exact widening conversions are assembled with `rne`, everything
        // else with `dyn`; the default is left implicit, as objdump does.
        let default_rm = match self {
            Insn::FcvtDS(_) | Insn::FcvtDW(_) | Insn::FcvtDWu(_) => RoundingMode::Rne,
            _ => RoundingMode::Dyn,
        };
        ops.fmt_operands(f, default_rm)
    }
}

/// How an operand shape prints. Implemented by every operand struct.
pub(crate) trait Operands {
    /// Text appended to the mnemonic (the atomics' `.aq`/`.rl`/`.aqrl`).
    fn fmt_suffix(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }

    /// The operand list. `default_rm` is the rounding mode left unprinted.
    fn fmt_operands(&self, f: &mut fmt::Formatter<'_>, default_rm: RoundingMode) -> fmt::Result;
}

/// `, rm` unless `rm` is the default.
fn fmt_rm(f: &mut fmt::Formatter<'_>, rm: RoundingMode, default_rm: RoundingMode) -> fmt::Result {
    if rm == default_rm {
        return Ok(());
    }
    f.write_str(", ")?;
    f.write_str(match rm {
        RoundingMode::Rne => "rne",
        RoundingMode::Rtz => "rtz",
        RoundingMode::Rdn => "rdn",
        RoundingMode::Rup => "rup",
        RoundingMode::Rmm => "rmm",
        RoundingMode::Dyn => "dyn",
        RoundingMode::Reserved5 | RoundingMode::Reserved6 => "unknown",
    })
}

fn fmt_ordering(f: &mut fmt::Formatter<'_>, aq: bool, rl: bool) -> fmt::Result {
    match (aq, rl) {
        (false, false) => Ok(()),
        (true, false) => f.write_str(".aq"),
        (false, true) => f.write_str(".rl"),
        (true, true) => f.write_str(".aqrl"),
    }
}

/// A fence set as its letters (`iorw`), or `unknown` when empty, as objdump
/// prints it (GNU as does not accept an empty set).
fn fmt_fence_set(f: &mut fmt::Formatter<'_>, set: FenceSet) -> fmt::Result {
    if set.0 & 0xf == 0 {
        return f.write_str("unknown");
    }
    for (mask, letter) in [(FenceSet::I, "i"), (FenceSet::O, "o"), (FenceSet::R, "r"), (FenceSet::W, "w")] {
        if set.0 & mask != 0 {
            f.write_str(letter)?;
        }
    }
    Ok(())
}

macro_rules! operands {
    ($ty:ty, |$s:ident, $f:ident, $rm:ident| $body:expr) => {
        impl Operands for $ty {
            fn fmt_operands(&self, $f: &mut fmt::Formatter<'_>, $rm: RoundingMode) -> fmt::Result {
                let $s = self;
                $body
            }
        }
    };
}

operands!(RType, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rd), xname(s.rs1), xname(s.rs2)));
operands!(IType, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rd), xname(s.rs1), s.imm));
operands!(ShiftImm, |s, f, _rm| write!(f, "{}, {}, 0x{:x}", xname(s.rd), xname(s.rs1), s.shamt));
operands!(Unary, |s, f, _rm| write!(f, "{}, {}", xname(s.rd), xname(s.rs1)));
operands!(SType, |s, f, _rm| write!(f, "{}, {}({})", xname(s.rs2), s.imm, xname(s.rs1)));
operands!(BType, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rs1), xname(s.rs2), s.imm));
// The 20-bit field, as written in assembly.
operands!(UType, |s, f, _rm| write!(f, "{}, 0x{:x}", xname(s.rd), (s.imm as u32) >> 12));
operands!(JType, |s, f, _rm| write!(f, "{}, {}", xname(s.rd), s.imm));
operands!(CsrReg, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rd), CsrName(s.csr), xname(s.rs1)));
operands!(CsrImm, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rd), CsrName(s.csr), s.uimm));
operands!(Cbo, |s, f, _rm| write!(f, "({})", xname(s.rs1)));
operands!(SfenceVma, |s, f, _rm| write!(f, "{}, {}", xname(s.rs1), xname(s.rs2)));
operands!(Fence, |s, f, _rm| {
    fmt_fence_set(f, s.pred)?;
    f.write_str(", ")?;
    fmt_fence_set(f, s.succ)
});
operands!(FLoad, |s, f, _rm| write!(f, "{}, {}({})", fname(s.rd), s.imm, xname(s.rs1)));
operands!(FStore, |s, f, _rm| write!(f, "{}, {}({})", fname(s.rs2), s.imm, xname(s.rs1)));
operands!(FRType, |s, f, _rm| write!(f, "{}, {}, {}", fname(s.rd), fname(s.rs1), fname(s.rs2)));
operands!(FRTypeRm, |s, f, default_rm| {
    write!(f, "{}, {}, {}", fname(s.rd), fname(s.rs1), fname(s.rs2))?;
    fmt_rm(f, s.rm, default_rm)
});
operands!(FR4Type, |s, f, default_rm| {
    write!(f, "{}, {}, {}, {}", fname(s.rd), fname(s.rs1), fname(s.rs2), fname(s.rs3))?;
    fmt_rm(f, s.rm, default_rm)
});
operands!(FUnaryRm, |s, f, default_rm| {
    write!(f, "{}, {}", fname(s.rd), fname(s.rs1))?;
    fmt_rm(f, s.rm, default_rm)
});
operands!(FToX, |s, f, _rm| write!(f, "{}, {}", xname(s.rd), fname(s.rs1)));
operands!(FToXRm, |s, f, default_rm| {
    write!(f, "{}, {}", xname(s.rd), fname(s.rs1))?;
    fmt_rm(f, s.rm, default_rm)
});
operands!(XToF, |s, f, _rm| write!(f, "{}, {}", fname(s.rd), xname(s.rs1)));
operands!(XToFRm, |s, f, default_rm| {
    write!(f, "{}, {}", fname(s.rd), xname(s.rs1))?;
    fmt_rm(f, s.rm, default_rm)
});
operands!(FCmp, |s, f, _rm| write!(f, "{}, {}, {}", xname(s.rd), fname(s.rs1), fname(s.rs2)));

impl Operands for Lr {
    fn fmt_suffix(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ordering(f, self.aq, self.rl)
    }

    fn fmt_operands(&self, f: &mut fmt::Formatter<'_>, _: RoundingMode) -> fmt::Result {
        write!(f, "{}, ({})", xname(self.rd), xname(self.rs1))
    }
}

impl Operands for Amo {
    fn fmt_suffix(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ordering(f, self.aq, self.rl)
    }

    fn fmt_operands(&self, f: &mut fmt::Formatter<'_>, _: RoundingMode) -> fmt::Result {
        write!(f, "{}, {}, ({})", xname(self.rd), xname(self.rs2), xname(self.rs1))
    }
}

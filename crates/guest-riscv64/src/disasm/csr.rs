//! CSR names for the disassembler (Privileged spec §2.2, "CSR Listing").
//!
//! Covers the unprivileged floating-point and counter CSRs, the supervisor
//! and machine CSRs (including Sstc, Smstateen, Sscofpmf and the AIA's
//! M/S-level registers) and the debug/trigger CSRs: what Linux and OpenSBI
//! touch on RV64. The hypervisor, vector and entropy-source CSRs and the
//! RV32-only upper halves (`cycleh`, `mstatush`, ...) are not named and
//! print as hex numbers, so on RV64 a name always denotes a CSR the
//! architecture can have.

use core::fmt;

/// Displays a CSR number as its name, or as `0x...` when it has none here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrName(pub u16);

impl fmt::Display for CsrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let csr = self.0;
        if let Some(name) = fixed_name(csr) {
            return f.write_str(name);
        }
        // Numbered families: (first CSR, first index, count, prefix).
        const FAMILIES: [(u16, u16, u16, &str); 5] = [
            (0xc03, 3, 29, "hpmcounter"),
            (0xb03, 3, 29, "mhpmcounter"),
            (0x323, 3, 29, "mhpmevent"),
            (0x3a0, 0, 16, "pmpcfg"),
            (0x3b0, 0, 64, "pmpaddr"),
        ];
        for (base, first, count, prefix) in FAMILIES {
            if let Some(offset) = csr.checked_sub(base).filter(|&o| o < count) {
                return write!(f, "{prefix}{}", first + offset);
            }
        }
        write!(f, "0x{csr:x}")
    }
}

fn fixed_name(csr: u16) -> Option<&'static str> {
    Some(match csr {
        // Unprivileged floating-point and counters.
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        // Supervisor.
        0x100 => "sstatus",
        0x104 => "sie",
        0x105 => "stvec",
        0x106 => "scounteren",
        0x10a => "senvcfg",
        0x10c => "sstateen0",
        0x10d => "sstateen1",
        0x10e => "sstateen2",
        0x10f => "sstateen3",
        0x140 => "sscratch",
        0x141 => "sepc",
        0x142 => "scause",
        0x143 => "stval",
        0x144 => "sip",
        0x14d => "stimecmp",
        0x150 => "siselect",
        0x151 => "sireg",
        0x15c => "stopei",
        0x180 => "satp",
        0x5a8 => "scontext",
        0xda0 => "scountovf",
        0xdb0 => "stopi",
        // Machine information.
        0xf11 => "mvendorid",
        0xf12 => "marchid",
        0xf13 => "mimpid",
        0xf14 => "mhartid",
        0xf15 => "mconfigptr",
        // Machine trap setup and handling.
        0x300 => "mstatus",
        0x301 => "misa",
        0x302 => "medeleg",
        0x303 => "mideleg",
        0x304 => "mie",
        0x305 => "mtvec",
        0x306 => "mcounteren",
        0x308 => "mvien",
        0x309 => "mvip",
        0x30a => "menvcfg",
        0x30c => "mstateen0",
        0x30d => "mstateen1",
        0x30e => "mstateen2",
        0x30f => "mstateen3",
        0x320 => "mcountinhibit",
        0x340 => "mscratch",
        0x341 => "mepc",
        0x342 => "mcause",
        0x343 => "mtval",
        0x344 => "mip",
        0x34a => "mtinst",
        0x34b => "mtval2",
        0x350 => "miselect",
        0x351 => "mireg",
        0x35c => "mtopei",
        0x747 => "mseccfg",
        0xb00 => "mcycle",
        0xb02 => "minstret",
        0xfb0 => "mtopi",
        // Debug and trigger (Sdext, Sdtrig).
        0x7a0 => "tselect",
        0x7a1 => "tdata1",
        0x7a2 => "tdata2",
        0x7a3 => "tdata3",
        0x7a4 => "tinfo",
        0x7a5 => "tcontrol",
        0x7a8 => "mcontext",
        0x7aa => "mscontext",
        0x7b0 => "dcsr",
        0x7b1 => "dpc",
        0x7b2 => "dscratch0",
        0x7b3 => "dscratch1",
        _ => return None,
    })
}

//! ABI register names (RISC-V ELF psABI, "Register Convention").

use crate::operands::{FReg, XReg};

const X_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

const F_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

impl XReg {
    /// The ABI name (`zero`, `ra`, `sp`, ..., `t6`).
    pub fn abi_name(self) -> &'static str {
        // The constructors keep the number below 32; the fallback is never taken.
        X_NAMES.get(self.index()).copied().unwrap_or("x?")
    }
}

impl FReg {
    /// The ABI name (`ft0`, ..., `fa0`, ..., `ft11`).
    pub fn abi_name(self) -> &'static str {
        F_NAMES.get(self.index()).copied().unwrap_or("f?")
    }
}

pub(super) fn xname(r: XReg) -> &'static str {
    r.abi_name()
}

pub(super) fn fname(r: FReg) -> &'static str {
    r.abi_name()
}

//! The helpers translated code calls: one id, text name, signature and
//! effect class per helper, shared by the translator (which declares them
//! in blocks) and the runtime table ([`super::Riscv64Helpers`]).

use alloc::string::String;
use alloc::vec::Vec;

use wemu_ir::{Effect, HelperDecl, Type};

macro_rules! helper_ids {
    ($( $(#[$m:meta])* $var:ident = $name:literal ($($arg:ident),*) $(-> $ret:ident)? $effect:ident, )*) => {
        /// A helper of the riscv64 frontend. The discriminant is the helper
        /// id in IR calls.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum HelperId {
            $( $(#[$m])* $var, )*
        }

        impl HelperId {
            /// Every helper, in id order.
            pub const ALL: &'static [HelperId] = &[$( HelperId::$var, )*];

            /// The IR text name.
            pub const fn name(self) -> &'static str {
                match self { $( HelperId::$var => $name, )* }
            }

            /// The declaration blocks carry.
            pub fn decl(self) -> HelperDecl {
                match self {
                    $( HelperId::$var => HelperDecl {
                        id: self as u32,
                        name: String::from($name),
                        args: Vec::from([$( Type::$arg ),*]),
                        ret: helper_ids!(@ret $($ret)?),
                        effect: Effect::$effect,
                    }, )*
                }
            }
        }
    };
    (@ret) => { None };
    (@ret $t:ident) => { Some(Type::$t) };
}

helper_ids! {
    /// `csrrw(csr, value, ctl) -> old`: `ctl` bit 0 = read, bit 1 = write,
    /// bits 8.. = the instruction's index in its block (for counters).
    Csrrw = "csrrw"(I32, I64, I32) -> I64 MayFault,
    /// `csrrs(csr, bits, ctl) -> old`, as `csrrw`.
    Csrrs = "csrrs"(I32, I64, I32) -> I64 MayFault,
    /// `csrrc(csr, bits, ctl) -> old`, as `csrrw`.
    Csrrc = "csrrc"(I32, I64, I32) -> I64 MayFault,
    /// `mret() -> new pc` (Privileged spec §3.3.2).
    Mret = "mret"() -> I64 MayFault,
    /// `sret() -> new pc`.
    Sret = "sret"() -> I64 MayFault,
    /// `sfence_vma(vaddr, asid, ctl)`: `ctl` bit 0 = `rs1` is not `x0`
    /// (flush one page), bit 1 = `rs2` is not `x0` (one ASID).
    SfenceVma = "sfence_vma"(I64, I64, I32) WritesState,
    /// Carry-less multiplications (Zbc).
    Clmul = "clmul"(I64, I64) -> I64 Pure,
    Clmulh = "clmulh"(I64, I64) -> I64 Pure,
    Clmulr = "clmulr"(I64, I64) -> I64 Pure,

    // ---- F and D. Arguments and results are raw register bits (singles
    // NaN-boxed); `rm` is the static rounding mode 0..=4 or 7 (dynamic,
    // from frm: the call fails with illegal-instruction when frm holds a
    // reserved value). Every call accrues fflags (hence writes_state). ----
    FaddS = "fadd_s"(I64, I64, I32) -> I64 MayFault,
    FsubS = "fsub_s"(I64, I64, I32) -> I64 MayFault,
    FmulS = "fmul_s"(I64, I64, I32) -> I64 MayFault,
    FdivS = "fdiv_s"(I64, I64, I32) -> I64 MayFault,
    FsqrtS = "fsqrt_s"(I64, I32) -> I64 MayFault,
    FmaddS = "fmadd_s"(I64, I64, I64, I32) -> I64 MayFault,
    FmsubS = "fmsub_s"(I64, I64, I64, I32) -> I64 MayFault,
    FnmsubS = "fnmsub_s"(I64, I64, I64, I32) -> I64 MayFault,
    FnmaddS = "fnmadd_s"(I64, I64, I64, I32) -> I64 MayFault,
    FminS = "fmin_s"(I64, I64) -> I64 WritesState,
    FmaxS = "fmax_s"(I64, I64) -> I64 WritesState,
    FeqS = "feq_s"(I64, I64) -> I64 WritesState,
    FltS = "flt_s"(I64, I64) -> I64 WritesState,
    FleS = "fle_s"(I64, I64) -> I64 WritesState,
    FclassS = "fclass_s"(I64) -> I64 Pure,
    FcvtWS = "fcvt_w_s"(I64, I32) -> I64 MayFault,
    FcvtWuS = "fcvt_wu_s"(I64, I32) -> I64 MayFault,
    FcvtLS = "fcvt_l_s"(I64, I32) -> I64 MayFault,
    FcvtLuS = "fcvt_lu_s"(I64, I32) -> I64 MayFault,
    FcvtSW = "fcvt_s_w"(I64, I32) -> I64 MayFault,
    FcvtSWu = "fcvt_s_wu"(I64, I32) -> I64 MayFault,
    FcvtSL = "fcvt_s_l"(I64, I32) -> I64 MayFault,
    FcvtSLu = "fcvt_s_lu"(I64, I32) -> I64 MayFault,
    FaddD = "fadd_d"(I64, I64, I32) -> I64 MayFault,
    FsubD = "fsub_d"(I64, I64, I32) -> I64 MayFault,
    FmulD = "fmul_d"(I64, I64, I32) -> I64 MayFault,
    FdivD = "fdiv_d"(I64, I64, I32) -> I64 MayFault,
    FsqrtD = "fsqrt_d"(I64, I32) -> I64 MayFault,
    FmaddD = "fmadd_d"(I64, I64, I64, I32) -> I64 MayFault,
    FmsubD = "fmsub_d"(I64, I64, I64, I32) -> I64 MayFault,
    FnmsubD = "fnmsub_d"(I64, I64, I64, I32) -> I64 MayFault,
    FnmaddD = "fnmadd_d"(I64, I64, I64, I32) -> I64 MayFault,
    FminD = "fmin_d"(I64, I64) -> I64 WritesState,
    FmaxD = "fmax_d"(I64, I64) -> I64 WritesState,
    FeqD = "feq_d"(I64, I64) -> I64 WritesState,
    FltD = "flt_d"(I64, I64) -> I64 WritesState,
    FleD = "fle_d"(I64, I64) -> I64 WritesState,
    FclassD = "fclass_d"(I64) -> I64 Pure,
    FcvtWD = "fcvt_w_d"(I64, I32) -> I64 MayFault,
    FcvtWuD = "fcvt_wu_d"(I64, I32) -> I64 MayFault,
    FcvtLD = "fcvt_l_d"(I64, I32) -> I64 MayFault,
    FcvtLuD = "fcvt_lu_d"(I64, I32) -> I64 MayFault,
    FcvtDW = "fcvt_d_w"(I64, I32) -> I64 MayFault,
    FcvtDWu = "fcvt_d_wu"(I64, I32) -> I64 MayFault,
    FcvtDL = "fcvt_d_l"(I64, I32) -> I64 MayFault,
    FcvtDLu = "fcvt_d_lu"(I64, I32) -> I64 MayFault,
    FcvtSD = "fcvt_s_d"(I64, I32) -> I64 MayFault,
    FcvtDS = "fcvt_d_s"(I64, I32) -> I64 MayFault,

    /// `cbo_access(vaddr, mmu_idx)`: whether `cbo.clean`/`cbo.flush`/
    /// `cbo.inval` may access the cache block at `vaddr` (aligned) in MMU
    /// index `mmu_idx` ([`super::HartMemory::cbo_access`]); fails with
    /// the store page or access fault, `xtval` = `vaddr`, if not.
    CboAccess = "cbo_access"(I64, I32) MayFault,
}

impl HelperId {
    /// The helper with id `id`.
    pub fn from_id(id: u32) -> Option<HelperId> {
        HelperId::ALL.get(id as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_names_unique() {
        for (i, h) in HelperId::ALL.iter().enumerate() {
            assert_eq!(*h as usize, i);
            assert_eq!(HelperId::from_id(i as u32), Some(*h));
            assert!(HelperId::ALL[..i].iter().all(|o| o.name() != h.name()));
        }
    }
}

//! The F/D helpers: unbox the operands, resolve the rounding mode, call the
//! soft-float operation ([`crate::fpu`]), accrue `fflags` and box the
//! result (Unprivileged spec chapters 11 and 12).

use wemu_ir::runtime::FaultCode;

use super::HelperId;
use crate::fpu::{self, Flags, Rm, d, s};
use crate::operands::RoundingMode;
use crate::state::{self, State};

/// Runs FP helper `h` on `args` (raw register bits and, last, the `rm`
/// field). `Err(())` when the rounding mode is illegal (a reserved static
/// mode, or `dyn` with `frm` holding 5..7); `None` for helpers that are not
/// FP ones.
pub(super) fn call(h: HelperId, st: &mut State<'_>, args: &[u64]) -> Option<Result<u64, FaultCode>> {
    use HelperId as H;
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    let (sa, sb, sc) = (fpu::unbox_s(a(0)), fpu::unbox_s(a(1)), fpu::unbox_s(a(2)));
    // The rounding mode, when the helper takes one (its last argument).
    let frm = (st.get(state::FRM) & 7) as u8;
    let rm = |i: usize| Rm::resolve(RoundingMode::from_field(a(i) as u32), frm);
    let boxed = |(v, f): (u32, Flags)| (fpu::nan_box(v), f);
    let bit = |(v, f): (bool, Flags)| (u64::from(v), f);
    let sext = |(v, f): (i32, Flags)| (v as i64 as u64, f);
    macro_rules! with_rm {
        ($i:expr, |$rm:ident| $e:expr) => {
            match rm($i) {
                Some($rm) => $e,
                None => return Some(Err(super::illegal(st))),
            }
        };
    }
    let (value, flags) = match h {
        H::FaddS => with_rm!(2, |r| boxed(s::add(sa, sb, r))),
        H::FsubS => with_rm!(2, |r| boxed(s::sub(sa, sb, r))),
        H::FmulS => with_rm!(2, |r| boxed(s::mul(sa, sb, r))),
        H::FdivS => with_rm!(2, |r| boxed(s::div(sa, sb, r))),
        H::FsqrtS => with_rm!(1, |r| boxed(s::sqrt(sa, r))),
        H::FmaddS => with_rm!(3, |r| boxed(s::madd(sa, sb, sc, r))),
        H::FmsubS => with_rm!(3, |r| boxed(s::msub(sa, sb, sc, r))),
        H::FnmsubS => with_rm!(3, |r| boxed(s::nmsub(sa, sb, sc, r))),
        H::FnmaddS => with_rm!(3, |r| boxed(s::nmadd(sa, sb, sc, r))),
        H::FminS => boxed(s::min(sa, sb)),
        H::FmaxS => boxed(s::max(sa, sb)),
        H::FeqS => bit(s::eq(sa, sb)),
        H::FltS => bit(s::lt(sa, sb)),
        H::FleS => bit(s::le(sa, sb)),
        H::FclassS => (s::class(sa), Flags::NONE),
        H::FcvtWS => with_rm!(1, |r| sext(s::to_w(sa, r))),
        H::FcvtWuS => with_rm!(1, |r| {
            let (v, f) = s::to_wu(sa, r);
            sext((v as i32, f))
        }),
        H::FcvtLS => with_rm!(1, |r| {
            let (v, f) = s::to_l(sa, r);
            (v as u64, f)
        }),
        H::FcvtLuS => with_rm!(1, |r| s::to_lu(sa, r)),
        H::FcvtSW => with_rm!(1, |r| boxed(s::from_w(a(0) as i32, r))),
        H::FcvtSWu => with_rm!(1, |r| boxed(s::from_wu(a(0) as u32, r))),
        H::FcvtSL => with_rm!(1, |r| boxed(s::from_l(a(0) as i64, r))),
        H::FcvtSLu => with_rm!(1, |r| boxed(s::from_lu(a(0), r))),
        H::FaddD => with_rm!(2, |r| d::add(a(0), a(1), r)),
        H::FsubD => with_rm!(2, |r| d::sub(a(0), a(1), r)),
        H::FmulD => with_rm!(2, |r| d::mul(a(0), a(1), r)),
        H::FdivD => with_rm!(2, |r| d::div(a(0), a(1), r)),
        H::FsqrtD => with_rm!(1, |r| d::sqrt(a(0), r)),
        H::FmaddD => with_rm!(3, |r| d::madd(a(0), a(1), a(2), r)),
        H::FmsubD => with_rm!(3, |r| d::msub(a(0), a(1), a(2), r)),
        H::FnmsubD => with_rm!(3, |r| d::nmsub(a(0), a(1), a(2), r)),
        H::FnmaddD => with_rm!(3, |r| d::nmadd(a(0), a(1), a(2), r)),
        H::FminD => d::min(a(0), a(1)),
        H::FmaxD => d::max(a(0), a(1)),
        H::FeqD => bit(d::eq(a(0), a(1))),
        H::FltD => bit(d::lt(a(0), a(1))),
        H::FleD => bit(d::le(a(0), a(1))),
        H::FclassD => (d::class(a(0)), Flags::NONE),
        H::FcvtWD => with_rm!(1, |r| sext(d::to_w(a(0), r))),
        H::FcvtWuD => with_rm!(1, |r| {
            let (v, f) = d::to_wu(a(0), r);
            sext((v as i32, f))
        }),
        H::FcvtLD => with_rm!(1, |r| {
            let (v, f) = d::to_l(a(0), r);
            (v as u64, f)
        }),
        H::FcvtLuD => with_rm!(1, |r| d::to_lu(a(0), r)),
        H::FcvtDW => with_rm!(1, |r| d::from_w(a(0) as i32, r)),
        H::FcvtDWu => with_rm!(1, |r| d::from_wu(a(0) as u32, r)),
        H::FcvtDL => with_rm!(1, |r| d::from_l(a(0) as i64, r)),
        H::FcvtDLu => with_rm!(1, |r| d::from_lu(a(0), r)),
        H::FcvtSD => with_rm!(1, |r| boxed(d::to_s(a(0), r))),
        // Exact, but the rm field is still checked.
        H::FcvtDS => with_rm!(1, |_r| s::to_d(sa)),
        _ => return None,
    };
    if !flags.is_empty() {
        st.set(state::FFLAGS, st.get(state::FFLAGS) | u64::from(flags.bits()));
        crate::csr::mark_fs_dirty(st);
    }
    Some(Ok(value))
}

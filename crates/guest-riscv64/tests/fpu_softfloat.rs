//! Differential test of `fpu` against Berkeley SoftFloat 3 built with its
//! RISC-V specialization (canonical NaNs, tininess after rounding, RISC-V's
//! saturating float-to-integer results), the reference Spike uses.
//!
//! Every operation, in every rounding mode, on random operands biased
//! towards the encodings where bugs live: zeros, subnormals and the
//! normal/subnormal boundary, infinities, quiet and signaling NaNs, the
//! largest finite values, values near 1 and near the integer limits, sparse
//! and dense significands (so products and sums land on halfway cases), and
//! operand pairs with related exponents (cancellation, halfway additions,
//! fused multiply-adds that cancel the product). Results and flags must
//! match bit for bit.
//!
//! SoftFloat has no `fmin`/`fmax`/`fclass`/`fsgnj`: those are checked
//! against references written here from the spec (min/max on SoftFloat's own
//! comparisons, the way Spike does it; class and sign injection on Rust's
//! `f32`/`f64`).
//!
//! Iterations per operation and rounding mode: `WEMU_FPU_ITERS`, default
//! 20,000 in debug builds and 1,000,000 in release (`cargo test --release`);
//! `WEMU_FPU_SEED` picks other operands.

use softfloat_sys::{self as sf, float32_t, float64_t};
use wemu_guest_riscv64::fpu::{self, Flags, Rm};

const MODES: [Rm; 5] = [Rm::Rne, Rm::Rtz, Rm::Rdn, Rm::Rup, Rm::Rmm];

/// Extra seed for the operand generator (`WEMU_FPU_SEED`, default 0), to
/// explore beyond the fixed cases; failures print their operands.
fn seed_salt() -> u64 {
    std::env::var("WEMU_FPU_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn iterations() -> u64 {
    let default = if cfg!(debug_assertions) { 20_000 } else { 1_000_000 };
    std::env::var("WEMU_FPU_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

// ---------------------------------------------------------------------------
// Operand generation

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// A format's field widths, for generating its encodings.
#[derive(Clone, Copy, Debug)]
struct Fmt {
    exp_bits: u32,
    frac_bits: u32,
}

const S: Fmt = Fmt { exp_bits: 8, frac_bits: 23 };
const D: Fmt = Fmt { exp_bits: 11, frac_bits: 52 };

impl Fmt {
    fn emax(self) -> u64 {
        (1 << self.exp_bits) - 1
    }
    fn bias(self) -> u64 {
        self.emax() / 2
    }
    fn frac_mask(self) -> u64 {
        (1 << self.frac_bits) - 1
    }
    fn sign(self) -> u64 {
        1 << (self.exp_bits + self.frac_bits)
    }
    fn exp_of(self, x: u64) -> u64 {
        (x >> self.frac_bits) & self.emax()
    }
    fn pack(self, sign: u64, exp: u64, frac: u64) -> u64 {
        (sign & 1) << (self.exp_bits + self.frac_bits)
            | (exp & self.emax()) << self.frac_bits
            | (frac & self.frac_mask())
    }

    /// A trailing significand: zero, all ones, one, the quiet bit, just
    /// below the quiet bit, sparse, dense, or random.
    fn frac(self, r: &mut Rng) -> u64 {
        let mask = self.frac_mask();
        let sparse = |r: &mut Rng| (0..1 + r.below(3)).fold(0, |acc, _| acc | 1 << r.below(self.frac_bits as u64));
        match r.below(9) {
            0 => 0,
            1 => mask,
            2 => 1,
            3 => 1 << (self.frac_bits - 1),
            4 => (1 << (self.frac_bits - 1)) - 1,
            5 => sparse(r),
            6 => mask ^ sparse(r),
            7 => r.next() & mask & !((1 << r.below(self.frac_bits as u64)) - 1),
            _ => r.next() & mask,
        }
    }

    /// A biased exponent, favouring the special and boundary ones.
    fn exp(self, r: &mut Rng) -> u64 {
        let (emax, bias, p) = (self.emax(), self.bias(), self.frac_bits as u64 + 1);
        match r.below(13) {
            0 => 0,
            1 => emax,
            2 => 1 + r.below(2),
            3 => emax - 1 - r.below(2),
            4 => bias - 2 + r.below(5),
            5 => r.below(p + 2),
            6 => emax - 1 - r.below(p + 2),
            // Half the exponent range: products and quotients near the ends.
            7 => bias / 2 + r.below(4),
            8 => bias + bias / 2 - r.below(4),
            // binary64 values at the ends of binary32's range (fcvt.s.d).
            9 if self.exp_bits == 11 => bias - 152 + r.below(30) + if r.chance(2) { 0 } else { 255 + 22 },
            _ => r.below(emax + 1),
        }
    }

    fn any(self, r: &mut Rng) -> u64 {
        self.pack(r.next(), self.exp(r), self.frac(r))
    }

    /// A second operand related to `a` half of the time: equal exponent,
    /// exponent apart by about the precision, the negation, or a neighbour.
    fn related(self, r: &mut Rng, a: u64) -> u64 {
        let p = self.frac_bits as u64 + 1;
        let ea = self.exp_of(a);
        match r.below(9) {
            0 => self.pack(r.next(), ea, self.frac(r)),
            1 => self.pack(r.next(), ea.saturating_sub(p - 1 + r.below(4)), self.frac(r)),
            2 => self.pack(r.next(), (ea + p - 1 + r.below(4)).min(self.emax()), self.frac(r)),
            // The product, or the quotient, near the smallest normal number:
            // (ea - bias) + (eb - bias) or (ea - bias) - (eb - bias) within
            // one of 1 - bias.
            3 => {
                let delta = r.below(3);
                let e =
                    if r.chance(2) { (self.bias() + delta).saturating_sub(ea) } else { ea + self.bias() + delta - 2 };
                self.pack(r.next(), e.clamp(1, self.emax() - 1), self.frac(r))
            }
            4 => a ^ self.sign(),
            5 => (a ^ self.sign()).wrapping_add(r.below(3)).wrapping_sub(1) & (self.sign() << 1).wrapping_sub(1),
            _ => self.any(r),
        }
    }

    /// A value near the integer limits, or with a fraction to round.
    fn near_integer(self, r: &mut Rng) -> u64 {
        if r.chance(3) {
            return self.any(r);
        }
        let exp = match r.below(4) {
            0 => self.bias() - 2 + r.below(4),
            1 => self.bias() + [30, 31, 32, 62, 63, 64][r.below(6) as usize],
            _ => self.bias() + r.below(66),
        };
        self.pack(r.next(), exp, self.frac(r))
    }
}

/// An integer operand: small, at the limits, a power of two and its
/// neighbours, one just past the precision of either format (halfway
/// patterns), or random of a random length.
fn integer(r: &mut Rng) -> u64 {
    match r.below(8) {
        0 => r.below(5).wrapping_sub(2),
        1 => [0, 1 << 31, (1 << 31) - 1, 1 << 32, u32::MAX as u64, 1 << 63, i64::MAX as u64, u64::MAX]
            [r.below(8) as usize],
        2 => (1u64 << r.below(64)).wrapping_add(r.below(3)).wrapping_sub(1),
        3 | 4 => {
            // A significand of 24 or 53 bits, shifted, with a halfway or
            // near-halfway tail.
            let p = if r.chance(2) { 24 } else { 53 };
            let tail = 1 + r.below(64 - p);
            let sig = (r.next() >> (64 - p)) | 1 << (p - 1);
            let half = 1u64 << (tail - 1);
            (sig << tail) | [half, half - 1, half + 1, 0][r.below(4) as usize]
        }
        _ => r.next() >> r.below(64),
    }
}

// ---------------------------------------------------------------------------
// SoftFloat access

/// Runs `f` with SoftFloat's (thread-local) rounding mode set to `rm` and
/// returns its result with the flags it raised.
fn with_softfloat<T>(rm: Rm, f: impl FnOnce() -> T) -> (T, Flags) {
    // SAFETY: the helpers read and write SoftFloat's `_Thread_local` state
    // of the calling thread; nothing else touches it concurrently.
    unsafe {
        sf::softfloat_roundingMode_write_helper(rm.bits());
        sf::softfloat_exceptionFlags_write_helper(0);
    }
    let value = f();
    // SAFETY: as above. SoftFloat's flag bits are fflags' bits.
    let flags = unsafe { sf::softfloat_exceptionFlags_read_helper() };
    (value, Flags::from_bits(flags))
}

const fn f32t(v: u64) -> float32_t {
    float32_t { v: v as u32 }
}
const fn f64t(v: u64) -> float64_t {
    float64_t { v }
}

// Safe calls of SoftFloat functions, by shape.

fn call1<A, R>(f: unsafe extern "C" fn(A) -> R, a: A) -> R {
    // SAFETY: SoftFloat's functions are plain C over values passed by copy;
    // their only side effect is on the calling thread's SoftFloat state.
    unsafe { f(a) }
}
fn call2<A, R>(f: unsafe extern "C" fn(A, A) -> R, a: A, b: A) -> R {
    // SAFETY: as in `call1`.
    unsafe { f(a, b) }
}
fn call3<A, R>(f: unsafe extern "C" fn(A, A, A) -> R, a: A, b: A, c: A) -> R {
    // SAFETY: as in `call1`.
    unsafe { f(a, b, c) }
}
/// A float-to-integer conversion, rounding in `rm` and raising inexact.
fn to_int<A, R>(f: unsafe extern "C" fn(A, u8, bool) -> R, a: A, rm: Rm) -> R {
    // SAFETY: as in `call1`.
    unsafe { f(a, rm.bits(), true) }
}

fn s2(f: unsafe extern "C" fn(float32_t, float32_t) -> float32_t, a: u64, b: u64) -> u64 {
    call2(f, f32t(a), f32t(b)).v.into()
}
fn s3(f: unsafe extern "C" fn(float32_t, float32_t, float32_t) -> float32_t, a: u64, b: u64, c: u64) -> u64 {
    call3(f, f32t(a), f32t(b), f32t(c)).v.into()
}
fn d2(f: unsafe extern "C" fn(float64_t, float64_t) -> float64_t, a: u64, b: u64) -> u64 {
    call2(f, f64t(a), f64t(b)).v
}
fn d3(f: unsafe extern "C" fn(float64_t, float64_t, float64_t) -> float64_t, a: u64, b: u64, c: u64) -> u64 {
    call3(f, f64t(a), f64t(b), f64t(c)).v
}

/// `fmin`/`fmax` as Spike builds them on SoftFloat's comparisons.
fn min_max_ref(fmt: Fmt, a: u64, b: u64, max: bool) -> u64 {
    type Compare = fn(u64, u64) -> bool;
    let (lt_quiet, eq): (Compare, Compare) = if fmt.frac_bits == 23 {
        (|a, b| call2(sf::f32_lt_quiet, f32t(a), f32t(b)), |a, b| call2(sf::f32_eq, f32t(a), f32t(b)))
    } else {
        (|a, b| call2(sf::f64_lt_quiet, f64t(a), f64t(b)), |a, b| call2(sf::f64_eq, f64t(a), f64t(b)))
    };
    let is_nan = |x: u64| fmt.exp_of(x) == fmt.emax() && x & fmt.frac_mask() != 0;
    // Spike: `a` is the result when it wins (fmin: a < b; fmax: b < a; with
    // equal values the negative zero decides) or when `b` is a NaN.
    let (x, y) = if max { (b, a) } else { (a, b) };
    let a_wins = lt_quiet(x, y) || (eq(x, y) && x & fmt.sign() != 0);
    if is_nan(a) && is_nan(b) {
        if fmt.frac_bits == 23 { fpu::s::CANONICAL_NAN.into() } else { fpu::d::CANONICAL_NAN }
    } else if a_wins || is_nan(b) {
        a
    } else {
        b
    }
}

/// `fclass` from Rust's classification.
fn class_ref_s(a: u64) -> u64 {
    let x = f32::from_bits(a as u32);
    class_bit(x.classify(), x.is_sign_negative(), a as u32 & 0x0040_0000 != 0)
}
fn class_ref_d(a: u64) -> u64 {
    let x = f64::from_bits(a);
    class_bit(x.classify(), x.is_sign_negative(), a & 0x0008_0000_0000_0000 != 0)
}
fn class_bit(class: std::num::FpCategory, negative: bool, quiet: bool) -> u64 {
    use std::num::FpCategory::*;
    let bit = match (class, negative) {
        (Infinite, true) => 0,
        (Normal, true) => 1,
        (Subnormal, true) => 2,
        (Zero, true) => 3,
        (Zero, false) => 4,
        (Subnormal, false) => 5,
        (Normal, false) => 6,
        (Infinite, false) => 7,
        (Nan, _) => 8 + quiet as u32,
    };
    1 << bit
}

// ---------------------------------------------------------------------------
// The harness

/// How an operation's operands are generated.
#[derive(Clone, Copy, Debug)]
enum Gen {
    /// One float.
    Unary,
    /// Two floats, the second often related to the first.
    Binary,
    /// Three floats; the addend often cancels the product.
    Fma,
    /// A float near the integer limits.
    ToInt,
    /// An integer.
    FromInt,
}

/// One operation: ours and the reference, both on `u64` operands holding
/// the instruction's operand bits.
struct Op {
    name: &'static str,
    fmt: Fmt,
    args: Gen,
    ours: fn([u64; 3], Rm) -> (u64, Flags),
    reference: fn([u64; 3], Rm) -> u64,
}

fn operands(op: &Op, r: &mut Rng) -> [u64; 3] {
    let fmt = op.fmt;
    match op.args {
        Gen::Unary if fmt.exp_bits == 11 && r.chance(8) => {
            // Just below binary32's smallest normal, where fcvt.s.d's
            // underflow flag depends on tininess after rounding.
            let below = r.next() >> (35 + r.below(29));
            [(r.next() & fmt.sign()) | (0x3810_0000_0000_0000 - below), 0, 0]
        }
        Gen::Unary => [fmt.any(r), 0, 0],
        Gen::Binary if r.chance(8) => {
            // Operands whose product (or quotient) is within a few units of
            // the smallest normal number.
            let target = (r.next() & fmt.sign()) | ((1 << fmt.frac_bits) + r.below(9)).wrapping_sub(4);
            let a = fmt.pack(r.next(), fmt.bias() - 1 + r.below(3), fmt.frac(r));
            let (quotient, product) = if fmt.exp_bits == 8 {
                let (t, a) = (target as u32, a as u32);
                (fpu::s::div(t, a, Rm::Rtz).0.into(), fpu::s::mul(t, a, Rm::Rtz).0.into())
            } else {
                (fpu::d::div(target, a, Rm::Rtz).0, fpu::d::mul(target, a, Rm::Rtz).0)
            };
            let nudge = |x: u64, r: &mut Rng| x.wrapping_add(r.below(5)).wrapping_sub(2);
            if r.chance(2) { [a, nudge(quotient, r), 0] } else { [nudge(product, r), a, 0] }
        }
        Gen::Binary => {
            let a = fmt.any(r);
            [a, fmt.related(r, a), 0]
        }
        Gen::Fma => {
            let (a, b) = (fmt.any(r), fmt.any(r));
            let c = if r.chance(3) {
                // Close to -(a * b): massive cancellation, with the product's
                // low bits deciding the result.
                let (p, _) = if fmt.frac_bits == 23 {
                    let (p, f) = fpu::s::mul(a as u32, b as u32, Rm::Rtz);
                    (u64::from(p), f)
                } else {
                    fpu::d::mul(a, b, Rm::Rtz)
                };
                (p ^ fmt.sign()).wrapping_add(r.below(5)).wrapping_sub(2) & (fmt.sign() << 1).wrapping_sub(1)
            } else {
                fmt.related(r, a)
            };
            [a, b, c]
        }
        Gen::ToInt => [fmt.near_integer(r), 0, 0],
        Gen::FromInt => [integer(r), 0, 0],
    }
}

/// How often the reference raised each flag, and hit the boundary where
/// tininess after rounding matters: a result of ±(smallest normal) that is
/// inexact, with UF (tiny before the carry into the normal range) and
/// without.
#[derive(Default)]
struct Coverage {
    flags: [u64; 5],
    min_normal_uf: u64,
    min_normal_no_uf: u64,
}

impl Coverage {
    fn record(&mut self, op: &Op, (value, flags): (u64, Flags)) {
        for (i, flag) in [Flags::NV, Flags::DZ, Flags::OF, Flags::UF, Flags::NX].into_iter().enumerate() {
            self.flags[i] += flags.contains(flag) as u64;
        }
        // The result's format: fcvt.X.Y produces X; everything else the
        // operands' format (comparisons and fclass never produce this value).
        let fmt = match op.name.strip_prefix("fcvt.").and_then(|rest| rest.split('.').next()) {
            Some("s") => Some(S),
            Some("d") => Some(D),
            Some(_) => None,
            None => Some(op.fmt),
        };
        let Some(fmt) = fmt else { return };
        if value & !fmt.sign() == 1 << fmt.frac_bits && flags.contains(Flags::NX) {
            if flags.contains(Flags::UF) {
                self.min_normal_uf += 1;
            } else {
                self.min_normal_no_uf += 1;
            }
        }
    }
}

/// Runs each of `ops` in every rounding mode and fails with the first
/// mismatches. With `--nocapture`, prints what the cases covered.
fn run(ops: &[Op], seed: u64) {
    let n = iterations();
    let mut failures = Vec::new();
    let mut count = 0u64;
    for (i, op) in ops.iter().enumerate() {
        let salt = seed_salt().wrapping_mul(0xd605_bbb5_8c8a_bbf7);
        let mut r = Rng(seed ^ salt ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut op_failures = 0;
        let mut coverage = Coverage::default();
        for rm in MODES {
            for _ in 0..n {
                let args = operands(op, &mut r);
                let ours = (op.ours)(args, rm);
                let theirs = with_softfloat(rm, || (op.reference)(args, rm));
                coverage.record(op, theirs);
                count += 1;
                if ours != theirs {
                    op_failures += 1;
                    if op_failures <= 5 {
                        failures.push(format!(
                            "{} {rm:?} {:#x?}: ours {:#x} {:?}, SoftFloat {:#x} {:?}",
                            op.name, args, ours.0, ours.1, theirs.0, theirs.1
                        ));
                    }
                }
            }
        }
        if op_failures > 5 {
            failures.push(format!("{}: {} mismatches in all", op.name, op_failures));
        }
        let [nv, dz, of, uf, nx] = coverage.flags;
        println!(
            "{:10} {:>9} cases: NV {nv} DZ {dz} OF {of} UF {uf} NX {nx}; inexact ±min normal: {} with UF, {} without",
            op.name,
            n * MODES.len() as u64,
            coverage.min_normal_uf,
            coverage.min_normal_no_uf,
        );
    }
    assert!(failures.is_empty(), "{} of {count} cases differ:\n{}", failures.len(), failures.join("\n"));
}

// Adapters between the `u64` operands of the harness and each operation's
// types. Integer results travel as their two's complement bits truncated to
// the destination width, the way SoftFloat returns them.

fn t(x: u64) -> u32 {
    x as u32
}
fn fs(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
fn fd(x: u64) -> f64 {
    f64::from_bits(x)
}
fn wide<T: Into<u64>>((v, f): (T, Flags)) -> (u64, Flags) {
    (v.into(), f)
}
fn w((v, f): (i32, Flags)) -> (u64, Flags) {
    (u64::from(v as u32), f)
}
fn l((v, f): (i64, Flags)) -> (u64, Flags) {
    (v as u64, f)
}
fn pure<T: Into<u64>>(v: T) -> (u64, Flags) {
    (v.into(), Flags::NONE)
}

/// The sign bits, to build fmsub and friends from SoftFloat's one mulAdd
/// as Spike does.
const SS: u64 = 0x8000_0000;
const DS: u64 = 0x8000_0000_0000_0000;

#[test]
fn s_arithmetic() {
    use fpu::s;
    run(
        &[
            Op {
                name: "fadd.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], rm| wide(s::add(t(a), t(b), rm)),
                reference: |[a, b, _], _| s2(sf::f32_add, a, b),
            },
            Op {
                name: "fsub.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], rm| wide(s::sub(t(a), t(b), rm)),
                reference: |[a, b, _], _| s2(sf::f32_sub, a, b),
            },
            Op {
                name: "fmul.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], rm| wide(s::mul(t(a), t(b), rm)),
                reference: |[a, b, _], _| s2(sf::f32_mul, a, b),
            },
            Op {
                name: "fdiv.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], rm| wide(s::div(t(a), t(b), rm)),
                reference: |[a, b, _], _| s2(sf::f32_div, a, b),
            },
            Op {
                name: "fsqrt.s",
                fmt: S,
                args: Gen::Unary,
                ours: |[a, _, _], rm| wide(s::sqrt(t(a), rm)),
                reference: |[a, _, _], _| call1(sf::f32_sqrt, f32t(a)).v.into(),
            },
        ],
        1,
    );
}

#[test]
fn d_arithmetic() {
    use fpu::d;
    run(
        &[
            Op {
                name: "fadd.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], rm| d::add(a, b, rm),
                reference: |[a, b, _], _| d2(sf::f64_add, a, b),
            },
            Op {
                name: "fsub.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], rm| d::sub(a, b, rm),
                reference: |[a, b, _], _| d2(sf::f64_sub, a, b),
            },
            Op {
                name: "fmul.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], rm| d::mul(a, b, rm),
                reference: |[a, b, _], _| d2(sf::f64_mul, a, b),
            },
            Op {
                name: "fdiv.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], rm| d::div(a, b, rm),
                reference: |[a, b, _], _| d2(sf::f64_div, a, b),
            },
            Op {
                name: "fsqrt.d",
                fmt: D,
                args: Gen::Unary,
                ours: |[a, _, _], rm| d::sqrt(a, rm),
                reference: |[a, _, _], _| call1(sf::f64_sqrt, f64t(a)).v,
            },
        ],
        2,
    );
}

#[test]
fn s_fused() {
    use fpu::s;
    run(
        &[
            Op {
                name: "fmadd.s",
                fmt: S,
                args: Gen::Fma,
                ours: |[a, b, c], rm| wide(s::madd(t(a), t(b), t(c), rm)),
                reference: |[a, b, c], _| s3(sf::f32_mulAdd, a, b, c),
            },
            Op {
                name: "fmsub.s",
                fmt: S,
                args: Gen::Fma,
                ours: |[a, b, c], rm| wide(s::msub(t(a), t(b), t(c), rm)),
                reference: |[a, b, c], _| s3(sf::f32_mulAdd, a, b, c ^ SS),
            },
            Op {
                name: "fnmsub.s",
                fmt: S,
                args: Gen::Fma,
                ours: |[a, b, c], rm| wide(s::nmsub(t(a), t(b), t(c), rm)),
                reference: |[a, b, c], _| s3(sf::f32_mulAdd, a ^ SS, b, c),
            },
            Op {
                name: "fnmadd.s",
                fmt: S,
                args: Gen::Fma,
                ours: |[a, b, c], rm| wide(s::nmadd(t(a), t(b), t(c), rm)),
                reference: |[a, b, c], _| s3(sf::f32_mulAdd, a ^ SS, b, c ^ SS),
            },
        ],
        3,
    );
}

#[test]
fn d_fused() {
    use fpu::d;
    run(
        &[
            Op {
                name: "fmadd.d",
                fmt: D,
                args: Gen::Fma,
                ours: |[a, b, c], rm| d::madd(a, b, c, rm),
                reference: |[a, b, c], _| d3(sf::f64_mulAdd, a, b, c),
            },
            Op {
                name: "fmsub.d",
                fmt: D,
                args: Gen::Fma,
                ours: |[a, b, c], rm| d::msub(a, b, c, rm),
                reference: |[a, b, c], _| d3(sf::f64_mulAdd, a, b, c ^ DS),
            },
            Op {
                name: "fnmsub.d",
                fmt: D,
                args: Gen::Fma,
                ours: |[a, b, c], rm| d::nmsub(a, b, c, rm),
                reference: |[a, b, c], _| d3(sf::f64_mulAdd, a ^ DS, b, c),
            },
            Op {
                name: "fnmadd.d",
                fmt: D,
                args: Gen::Fma,
                ours: |[a, b, c], rm| d::nmadd(a, b, c, rm),
                reference: |[a, b, c], _| d3(sf::f64_mulAdd, a ^ DS, b, c ^ DS),
            },
        ],
        4,
    );
}

#[test]
fn s_conversions() {
    use fpu::s;
    run(
        &[
            Op {
                name: "fcvt.w.s",
                fmt: S,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| w(s::to_w(t(a), rm)),
                reference: |[a, _, _], rm| to_int(sf::f32_to_i32, f32t(a), rm) as u32 as u64,
            },
            Op {
                name: "fcvt.wu.s",
                fmt: S,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| wide(s::to_wu(t(a), rm)),
                reference: |[a, _, _], rm| to_int(sf::f32_to_ui32, f32t(a), rm) as u32 as u64,
            },
            Op {
                name: "fcvt.l.s",
                fmt: S,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| l(s::to_l(t(a), rm)),
                reference: |[a, _, _], rm| to_int(sf::f32_to_i64, f32t(a), rm) as u64,
            },
            Op {
                name: "fcvt.lu.s",
                fmt: S,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| wide(s::to_lu(t(a), rm)),
                reference: |[a, _, _], rm| to_int(sf::f32_to_ui64, f32t(a), rm) as u64,
            },
            Op {
                name: "fcvt.s.w",
                fmt: S,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| wide(s::from_w(x as i32, rm)),
                reference: |[x, _, _], _| call1(sf::i32_to_f32, x as i32).v.into(),
            },
            Op {
                name: "fcvt.s.wu",
                fmt: S,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| wide(s::from_wu(x as u32, rm)),
                reference: |[x, _, _], _| call1(sf::ui32_to_f32, x as u32).v.into(),
            },
            Op {
                name: "fcvt.s.l",
                fmt: S,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| wide(s::from_l(x as i64, rm)),
                reference: |[x, _, _], _| call1(sf::i64_to_f32, x as i64).v.into(),
            },
            Op {
                name: "fcvt.s.lu",
                fmt: S,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| wide(s::from_lu(x, rm)),
                reference: |[x, _, _], _| call1(sf::ui64_to_f32, x).v.into(),
            },
            Op {
                name: "fcvt.d.s",
                fmt: S,
                args: Gen::Unary,
                ours: |[a, _, _], _| s::to_d(t(a)),
                reference: |[a, _, _], _| call1(sf::f32_to_f64, f32t(a)).v,
            },
        ],
        5,
    );
}

#[test]
fn d_conversions() {
    use fpu::d;
    run(
        &[
            Op {
                name: "fcvt.w.d",
                fmt: D,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| w(d::to_w(a, rm)),
                reference: |[a, _, _], rm| to_int(sf::f64_to_i32, f64t(a), rm) as u32 as u64,
            },
            Op {
                name: "fcvt.wu.d",
                fmt: D,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| wide(d::to_wu(a, rm)),
                reference: |[a, _, _], rm| to_int(sf::f64_to_ui32, f64t(a), rm) as u32 as u64,
            },
            Op {
                name: "fcvt.l.d",
                fmt: D,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| l(d::to_l(a, rm)),
                reference: |[a, _, _], rm| to_int(sf::f64_to_i64, f64t(a), rm) as u64,
            },
            Op {
                name: "fcvt.lu.d",
                fmt: D,
                args: Gen::ToInt,
                ours: |[a, _, _], rm| wide(d::to_lu(a, rm)),
                reference: |[a, _, _], rm| to_int(sf::f64_to_ui64, f64t(a), rm) as u64,
            },
            Op {
                name: "fcvt.d.w",
                fmt: D,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| d::from_w(x as i32, rm),
                reference: |[x, _, _], _| call1(sf::i32_to_f64, x as i32).v,
            },
            Op {
                name: "fcvt.d.wu",
                fmt: D,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| d::from_wu(x as u32, rm),
                reference: |[x, _, _], _| call1(sf::ui32_to_f64, x as u32).v,
            },
            Op {
                name: "fcvt.d.l",
                fmt: D,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| d::from_l(x as i64, rm),
                reference: |[x, _, _], _| call1(sf::i64_to_f64, x as i64).v,
            },
            Op {
                name: "fcvt.d.lu",
                fmt: D,
                args: Gen::FromInt,
                ours: |[x, _, _], rm| d::from_lu(x, rm),
                reference: |[x, _, _], _| call1(sf::ui64_to_f64, x).v,
            },
            Op {
                name: "fcvt.s.d",
                fmt: D,
                args: Gen::Unary,
                ours: |[a, _, _], rm| wide(d::to_s(a, rm)),
                reference: |[a, _, _], _| call1(sf::f64_to_f32, f64t(a)).v.into(),
            },
        ],
        6,
    );
}

#[test]
fn s_compare_and_sign() {
    use fpu::s;
    run(
        &[
            Op {
                name: "feq.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(s::eq(t(a), t(b))),
                reference: |[a, b, _], _| call2(sf::f32_eq, f32t(a), f32t(b)).into(),
            },
            Op {
                name: "flt.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(s::lt(t(a), t(b))),
                reference: |[a, b, _], _| call2(sf::f32_lt, f32t(a), f32t(b)).into(),
            },
            Op {
                name: "fle.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(s::le(t(a), t(b))),
                reference: |[a, b, _], _| call2(sf::f32_le, f32t(a), f32t(b)).into(),
            },
            Op {
                name: "fmin.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(s::min(t(a), t(b))),
                reference: |[a, b, _], _| min_max_ref(S, a, b, false),
            },
            Op {
                name: "fmax.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(s::max(t(a), t(b))),
                reference: |[a, b, _], _| min_max_ref(S, a, b, true),
            },
            Op {
                name: "fclass.s",
                fmt: S,
                args: Gen::Unary,
                ours: |[a, _, _], _| pure(s::class(t(a))),
                reference: |[a, _, _], _| class_ref_s(a),
            },
            Op {
                name: "fsgnj.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(s::sgnj(t(a), t(b))),
                reference: |[a, b, _], _| fs(a).copysign(fs(b)).to_bits().into(),
            },
            Op {
                name: "fsgnjn.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(s::sgnjn(t(a), t(b))),
                reference: |[a, b, _], _| fs(a).copysign(-fs(b)).to_bits().into(),
            },
            Op {
                name: "fsgnjx.s",
                fmt: S,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(s::sgnjx(t(a), t(b))),
                reference: |[a, b, _], _| if fs(b).is_sign_negative() { (-fs(a)).to_bits().into() } else { a },
            },
        ],
        7,
    );
}

#[test]
fn d_compare_and_sign() {
    use fpu::d;
    run(
        &[
            Op {
                name: "feq.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(d::eq(a, b)),
                reference: |[a, b, _], _| call2(sf::f64_eq, f64t(a), f64t(b)).into(),
            },
            Op {
                name: "flt.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(d::lt(a, b)),
                reference: |[a, b, _], _| call2(sf::f64_lt, f64t(a), f64t(b)).into(),
            },
            Op {
                name: "fle.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| wide(d::le(a, b)),
                reference: |[a, b, _], _| call2(sf::f64_le, f64t(a), f64t(b)).into(),
            },
            Op {
                name: "fmin.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| d::min(a, b),
                reference: |[a, b, _], _| min_max_ref(D, a, b, false),
            },
            Op {
                name: "fmax.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| d::max(a, b),
                reference: |[a, b, _], _| min_max_ref(D, a, b, true),
            },
            Op {
                name: "fclass.d",
                fmt: D,
                args: Gen::Unary,
                ours: |[a, _, _], _| pure(d::class(a)),
                reference: |[a, _, _], _| class_ref_d(a),
            },
            Op {
                name: "fsgnj.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(d::sgnj(a, b)),
                reference: |[a, b, _], _| fd(a).copysign(fd(b)).to_bits(),
            },
            Op {
                name: "fsgnjn.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(d::sgnjn(a, b)),
                reference: |[a, b, _], _| fd(a).copysign(-fd(b)).to_bits(),
            },
            Op {
                name: "fsgnjx.d",
                fmt: D,
                args: Gen::Binary,
                ours: |[a, b, _], _| pure(d::sgnjx(a, b)),
                reference: |[a, b, _], _| if fd(b).is_sign_negative() { (-fd(a)).to_bits() } else { a },
            },
        ],
        8,
    );
}

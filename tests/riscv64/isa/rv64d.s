# D: double-precision arithmetic, rounding modes, fflags, canonical NaNs,
# fmin/fmax, fused multiply-add, compares, fclass, conversions between
# formats and to/from integers with saturation, fld/fsd, moves.
        .include "common.inc"
        .equ ONE, 0x3ff0000000000000
        .equ TWO, 0x4000000000000000
        .equ THREE, 0x4008000000000000
        .equ HALF, 0x3fe0000000000000
        .equ M_ONE, 0xbff0000000000000
        .equ INF, 0x7ff0000000000000
        .equ M_INF, 0xfff0000000000000
        .equ QNAN, 0x7ff8000000000000
        .equ SNAN, 0x7ff0000000000001
        .equ MAX, 0x7fefffffffffffff
        .equ M_ZERO, 0x8000000000000000
        .equ EPS_HALF, 0x3ca0000000000000       # 2^-53
        .equ NV, 0x10
        .equ DZ, 0x08
        .equ OF, 0x04
        .equ UF, 0x02
        .equ NX, 0x01
test_main:
        FTEST_D 1, fadd.d, THREE, 0, ONE, TWO
        FTEST_D 2, fadd.d, ONE, NX, ONE, EPS_HALF, rm=rne
        FTEST_D 3, fadd.d, 0x3ff0000000000001, NX, ONE, EPS_HALF, rm=rup
        FTEST_D 4, fadd.d, ONE, NX, ONE, EPS_HALF, rm=rtz
        FTEST_D 5, fadd.d, ONE, NX, ONE, EPS_HALF, rm=rdn
        FTEST_D 6, fadd.d, 0x3ff0000000000001, NX, ONE, EPS_HALF, rm=rmm
        FTEST_D 7, fsub.d, QNAN, NV, INF, INF
        FTEST_D 8, fsub.d, M_ZERO, 0, ONE, ONE, rm=rdn
        FTEST_D 9, fmul.d, INF, OF|NX, MAX, TWO
        FTEST_D 10, fmul.d, MAX, OF|NX, MAX, TWO, rm=rtz
        FTEST_D 11, fmul.d, 0x0008000000000000, UF|NX, 0x0010000000000001, HALF
        FTEST_D 12, fdiv.d, INF, DZ, ONE, 0
        FTEST_D 13, fdiv.d, 0x3fd5555555555555, NX, ONE, THREE
        FTEST_D 14, fdiv.d, QNAN, NV, INF, M_INF
        FTEST_D 15, fsqrt.d, 0x3ff6a09e667f3bcd, NX, TWO
        FTEST_D 16, fsqrt.d, QNAN, NV, M_ONE
        FTEST_D 17, fadd.d, QNAN, NV, SNAN, ONE
        FTEST_D 18, fadd.d, QNAN, 0, 0x7ff8000000000123, ONE

        FTEST_D 20, fmin.d, M_ZERO, 0, 0, M_ZERO
        FTEST_D 21, fmax.d, 0, 0, M_ZERO, 0
        FTEST_D 22, fmin.d, ONE, NV, SNAN, ONE
        FTEST_D 23, fmax.d, QNAN, 0, QNAN, QNAN
        FTEST_D 24, fsgnjn.d, 0xbff8000000000000, 0, 0x3ff8000000000000, ONE
        FTEST_D 25, fsgnjx.d, 0x3ff8000000000000, 0, 0xbff8000000000000, M_ONE

        FTEST_D 30, fmadd.d, 0x4014000000000000, 0, ONE, TWO, THREE
        FTEST_D 31, fnmadd.d, 0xc014000000000000, 0, ONE, TWO, THREE
        FTEST_D 32, fmsub.d, M_ONE, 0, ONE, TWO, THREE
        FTEST_D 33, fnmsub.d, ONE, 0, ONE, TWO, THREE
        # (1 + 2^-24)^2 - (1 + 2^-23) = 2^-48 exactly, only when fused
        FTEST_D 34, fmadd.d, 0x3cf0000000000000, 0, 0x3ff0000010000000, 0x3ff0000010000000, 0xbff0000020000000
        FTEST_D 35, fmadd.d, QNAN, NV, 0, INF, QNAN

        FTEST_DX 40, feq.d, 0, 0, QNAN, QNAN
        FTEST_DX 41, feq.d, 0, NV, SNAN, QNAN
        FTEST_DX 42, flt.d, 0, NV, ONE, QNAN
        FTEST_DX 43, fle.d, 1, 0, M_INF, M_INF
        FTEST_DX 44, flt.d, 1, 0, M_INF, MAX
        FTEST_DX 45, fclass.d, 1 << 2, 0, 0x800fffffffffffff
        FTEST_DX 46, fclass.d, 1 << 8, 0, SNAN
        FTEST_DX 47, fclass.d, 1 << 9, 0, QNAN
        FTEST_DX 48, fclass.d, 1 << 4, 0, 0
        FTEST_DX 49, fclass.d, 1 << 0, 0, M_INF

        FTEST_DX 50, fcvt.w.d, 0x7fffffff, NV, 0x41e0000000000000, rm=rtz
        FTEST_DX 51, fcvt.w.d, 0x7fffffff, NX, 0x41dfffffffffffff, rm=rtz
        FTEST_DX 52, fcvt.w.d, 0xffffffff80000000, NX, 0xc1e0000000100000, rm=rtz
        FTEST_DX 53, fcvt.w.d, 0xffffffff80000000, NV, 0xc1e0000000200000, rm=rtz
        FTEST_DX 54, fcvt.wu.d, 0xffffffffffffffff, 0, 0x41efffffffe00000, rm=rtz
        FTEST_DX 55, fcvt.wu.d, 0xffffffffffffffff, NV, 0x41f0000000000000, rm=rtz
        FTEST_DX 56, fcvt.l.d, 0x7fffffffffffffff, NV, INF, rm=rtz
        FTEST_DX 57, fcvt.l.d, -3, NX, 0xc004000000000000, rm=rdn
        FTEST_DX 58, fcvt.lu.d, 0xfffffffffffff800, 0, 0x43efffffffffffff, rm=rtz
        FTEST_DX 59, fcvt.lu.d, 0, NV, M_ONE, rm=rtz
        FTEST_DX 60, fcvt.l.d, 0x7fffffffffffffff, NV, QNAN, rm=rtz
        FTEST_DX 61, fcvt.l.d, 2, NX, 0x4004000000000000, rm=rne
        FTEST_DX 62, fcvt.l.d, 3, NX, 0x4004000000000000, rm=rmm

        FTEST_XD 70, fcvt.d.w, 0xc1e0000000000000, 0, 0x80000000
        FTEST_XD 71, fcvt.d.wu, 0x41efffffffe00000, 0, 0xffffffff
        FTEST_XD 72, fcvt.d.l, 0x43e0000000000000, NX, 0x7fffffffffffffff
        FTEST_XD 73, fcvt.d.l, 0x43dfffffffffffff, NX, 0x7fffffffffffffff, rm=rtz
        FTEST_XD 74, fcvt.d.lu, 0x43f0000000000000, NX, 0xffffffffffffffff
        FTEST_XD 75, fcvt.d.l, 0xc3e0000000000000, 0, 0x8000000000000000

        # between formats: fcvt.d.s is exact but signals on sNaN; fcvt.s.d
        # rounds, overflows, and boxes its result
        TEST 80
        li t0, 0xffffffff7f800001   # a boxed single sNaN
        fmv.d.x fa1, t0
        csrw fflags, zero
        fcvt.d.s fa0, fa1
        fmv.x.d a0, fa0
        CHECK a0, QNAN
        csrr a0, fflags
        CHECK a0, NV
        TEST 81
        li t0, 0xffffffff3eaaaaab
        fmv.d.x fa1, t0
        fcvt.d.s fa0, fa1
        fmv.x.d a0, fa0
        CHECK a0, 0x3fd5555560000000
        FTEST_D 82, fcvt.s.d, 0xffffffff3eaaaaab, NX, 0x3fd5555555555555
        FTEST_D 83, fcvt.s.d, 0xffffffff3eaaaaaa, NX, 0x3fd5555555555555, rm=rtz
        FTEST_D 84, fcvt.s.d, 0xffffffff7f800000, OF|NX, 0x7e37e43c8800759c
        FTEST_D 85, fcvt.s.d, 0xffffffff7fc00000, 0, QNAN
        FTEST_D 86, fcvt.s.d, 0xffffffff00000000, UF|NX, 0x0000000000000001

        # fld/fsd and moves are bit-exact
        TEST 90
        la s0, dbuf
        li t0, SNAN
        sd t0, 0(s0)
        fld fa0, 0(s0)
        fsd fa0, 8(s0)
        ld a0, 8(s0)
        CHECK a0, SNAN
        fmv.x.d a0, fa0
        CHECK a0, SNAN
        # a signaling NaN through fsgnj stays signaling, no flag
        csrw fflags, zero
        fsgnj.d fa1, fa0, fa0
        fmv.x.d a0, fa1
        CHECK a0, SNAN
        csrr a0, fflags
        CHECK a0, 0
        PASS

        .data
        .align 3
dbuf:   .space 16

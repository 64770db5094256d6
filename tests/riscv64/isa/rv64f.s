# F: single-precision arithmetic under every rounding mode (static and
# dynamic), exact fflags, canonical NaNs, NaN-boxing, fmin/fmax with
# signed zeros and signaling NaNs, fused multiply-add, compares, fclass,
# conversions with saturation (Unprivileged spec chapter 11), fcsr, and
# mstatus.FS.
        .include "common.inc"
        .equ ONE, 0x3f800000
        .equ TWO, 0x40000000
        .equ THREE, 0x40400000
        .equ HALF, 0x3f000000
        .equ M_ONE, 0xbf800000
        .equ INF, 0x7f800000
        .equ M_INF, 0xff800000
        .equ QNAN, 0x7fc00000
        .equ SNAN, 0x7f800001
        .equ MAX, 0x7f7fffff
        .equ M_ZERO, 0x80000000
        .equ NV, 0x10
        .equ DZ, 0x08
        .equ OF, 0x04
        .equ UF, 0x02
        .equ NX, 0x01
test_main:
        FTEST_S 1, fadd.s, THREE, 0, ONE, TWO
        # 1 + 2^-24 is halfway between 1 and its successor
        FTEST_S 2, fadd.s, ONE, NX, ONE, 0x33800000, rm=rne
        FTEST_S 3, fadd.s, 0x3f800001, NX, ONE, 0x33800000, rm=rup
        FTEST_S 4, fadd.s, ONE, NX, ONE, 0x33800000, rm=rtz
        FTEST_S 5, fadd.s, ONE, NX, ONE, 0x33800000, rm=rdn
        FTEST_S 6, fadd.s, 0x3f800001, NX, ONE, 0x33800000, rm=rmm
        # the negative side: rdn rounds away from zero, rup towards
        FTEST_S 7, fsub.s, 0xbf800001, NX, M_ONE, 0x33800000, rm=rdn
        FTEST_S 8, fsub.s, M_ONE, NX, M_ONE, 0x33800000, rm=rup
        FTEST_S 9, fsub.s, QNAN, NV, INF, INF
        # x - x is +0, but -0 when rounding down
        FTEST_S 10, fsub.s, 0, 0, ONE, ONE
        FTEST_S 11, fsub.s, M_ZERO, 0, ONE, ONE, rm=rdn
        FTEST_S 12, fmul.s, INF, OF|NX, MAX, TWO
        FTEST_S 13, fmul.s, MAX, OF|NX, MAX, TWO, rm=rtz
        FTEST_S 14, fmul.s, QNAN, NV, INF, 0
        # an inexact subnormal result underflows (tininess after rounding)
        FTEST_S 15, fmul.s, 0x00400000, UF|NX, 0x00800001, HALF
        # an exact one does not
        FTEST_S 16, fmul.s, 0x00400000, 0, 0x00800000, HALF
        FTEST_S 17, fdiv.s, INF, DZ, ONE, 0
        FTEST_S 18, fdiv.s, QNAN, NV, 0, 0
        FTEST_S 19, fdiv.s, 0x3eaaaaab, NX, ONE, THREE
        FTEST_S 20, fdiv.s, 0x3eaaaaaa, NX, ONE, THREE, rm=rtz
        FTEST_S 21, fsqrt.s, TWO, 0, 0x40800000
        FTEST_S 22, fsqrt.s, 0x3fb504f3, NX, TWO
        FTEST_S 23, fsqrt.s, QNAN, NV, M_ONE
        FTEST_S 24, fsqrt.s, M_ZERO, 0, M_ZERO
        # a NaN operand gives the canonical NaN; only a signaling one is NV
        FTEST_S 25, fadd.s, QNAN, 0, 0x7fc12345, ONE
        FTEST_S 26, fadd.s, QNAN, NV, SNAN, ONE
        FTEST_S 27, fmul.s, QNAN, 0, 0xffc00000, ONE

        # dynamic rounding mode from frm
        TEST 30
        csrwi frm, 3            # rup
        FTEST_S 31, fadd.s, 0x3f800001, NX, ONE, 0x33800000
        csrwi frm, 1            # rtz
        FTEST_S 32, fdiv.s, 0x3eaaaaaa, NX, ONE, THREE
        csrwi frm, 0

        # fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber)
        FTEST_S 40, fmin.s, M_ZERO, 0, 0, M_ZERO
        FTEST_S 41, fmin.s, M_ZERO, 0, M_ZERO, 0
        FTEST_S 42, fmax.s, 0, 0, M_ZERO, 0
        FTEST_S 43, fmin.s, ONE, 0, QNAN, ONE
        FTEST_S 44, fmax.s, ONE, NV, SNAN, ONE
        FTEST_S 45, fmin.s, QNAN, 0, QNAN, 0x7fc00001
        FTEST_S 46, fmax.s, QNAN, NV, SNAN, SNAN
        FTEST_S 47, fmax.s, INF, 0, M_INF, INF

        # sign injection, on NaNs too (no canonicalization)
        FTEST_S 50, fsgnj.s, 0xbfc00000, 0, 0x3fc00000, M_ONE
        FTEST_S 51, fsgnjn.s, 0x3fc00000, 0, 0x3fc00000, M_ONE
        FTEST_S 52, fsgnjx.s, 0x3fc00000, 0, 0xbfc00000, M_ONE
        FTEST_S 53, fsgnjn.s, 0xff800001, 0, SNAN, SNAN
        FTEST_S 54, fsgnjx.s, 0x7fc12345, 0, 0xffc12345, M_ONE

        # fused multiply-add: one rounding
        FTEST_S 60, fmadd.s, 0x40a00000, 0, ONE, TWO, THREE
        FTEST_S 61, fmsub.s, M_ONE, 0, ONE, TWO, THREE
        FTEST_S 62, fnmsub.s, ONE, 0, ONE, TWO, THREE
        FTEST_S 63, fnmadd.s, 0xc0a00000, 0, ONE, TWO, THREE
        # (1 + 2^-12)^2 - 1 - 2^-11 = 2^-24, exact only when fused
        FTEST_S 64, fmadd.s, 0x33800000, 0, 0x3f800800, 0x3f800800, 0xbf801000
        # inf * 0 is invalid even with a quiet NaN addend
        FTEST_S 65, fmadd.s, QNAN, NV, INF, 0, QNAN
        FTEST_S 66, fmadd.s, QNAN, 0, ONE, ONE, QNAN
        FTEST_S 67, fmadd.s, INF, OF|NX, MAX, TWO, 0

        # compares: feq is quiet, flt/fle signal on any NaN
        FTEST_SX 70, feq.s, 1, 0, ONE, ONE
        FTEST_SX 71, feq.s, 1, 0, M_ZERO, 0
        FTEST_SX 72, feq.s, 0, 0, QNAN, QNAN
        FTEST_SX 73, feq.s, 0, NV, SNAN, ONE
        FTEST_SX 74, flt.s, 0, NV, QNAN, ONE
        FTEST_SX 75, flt.s, 1, 0, M_ONE, ONE
        FTEST_SX 76, flt.s, 0, 0, M_ZERO, 0
        FTEST_SX 77, fle.s, 1, 0, M_ZERO, 0
        FTEST_SX 78, fle.s, 0, NV, ONE, QNAN

        # fclass
        FTEST_SX 80, fclass.s, 1 << 0, 0, M_INF
        FTEST_SX 81, fclass.s, 1 << 1, 0, M_ONE
        FTEST_SX 82, fclass.s, 1 << 2, 0, 0x80000001
        FTEST_SX 83, fclass.s, 1 << 3, 0, M_ZERO
        FTEST_SX 84, fclass.s, 1 << 4, 0, 0
        FTEST_SX 85, fclass.s, 1 << 5, 0, 0x007fffff
        FTEST_SX 86, fclass.s, 1 << 6, 0, MAX
        FTEST_SX 87, fclass.s, 1 << 7, 0, INF
        FTEST_SX 88, fclass.s, 1 << 8, 0, SNAN
        FTEST_SX 89, fclass.s, 1 << 9, 0, QNAN

        # FP -> integer, rounding and saturating (Table 11.4)
        FTEST_SX 90, fcvt.w.s, 2, NX, 0x3fc00000, rm=rne
        FTEST_SX 91, fcvt.w.s, 2, NX, 0x40200000, rm=rne
        FTEST_SX 92, fcvt.w.s, 3, NX, 0x40200000, rm=rmm
        FTEST_SX 93, fcvt.w.s, -1, NX, 0xbfc00000, rm=rtz
        FTEST_SX 94, fcvt.w.s, -2, NX, 0xbfc00000, rm=rdn
        FTEST_SX 95, fcvt.w.s, 0x7fffffff, NV, QNAN, rm=rtz
        FTEST_SX 96, fcvt.w.s, 0x7fffffff, NV, INF, rm=rtz
        FTEST_SX 97, fcvt.w.s, 0xffffffff80000000, NV, M_INF, rm=rtz
        FTEST_SX 98, fcvt.w.s, 0x7fffffff, NV, 0x4f32d05e, rm=rtz
        FTEST_SX 99, fcvt.w.s, 0xffffffff80000000, 0, 0xcf000000, rm=rtz
        FTEST_SX 100, fcvt.wu.s, 0, NV, M_ONE, rm=rtz
        FTEST_SX 101, fcvt.wu.s, 0, NX, 0xbf000000, rm=rtz
        FTEST_SX 102, fcvt.wu.s, 0xffffffffb2d05e00, 0, 0x4f32d05e, rm=rtz
        FTEST_SX 103, fcvt.wu.s, 0xffffffffffffffff, NV, QNAN, rm=rtz
        FTEST_SX 104, fcvt.l.s, 0x7fffffffffffffff, NV, 0x5f000000, rm=rtz
        FTEST_SX 105, fcvt.l.s, 0x8000000000000000, 0, 0xdf000000, rm=rtz
        FTEST_SX 106, fcvt.l.s, 0x7fffffffffffffff, NV, SNAN, rm=rtz
        FTEST_SX 107, fcvt.lu.s, 0xffffffffffffffff, NV, QNAN, rm=rtz
        FTEST_SX 108, fcvt.lu.s, 0, NV, M_INF, rm=rtz
        FTEST_SX 109, fcvt.lu.s, 0x8000000000000000, 0, 0x5f000000, rm=rtz

        # integer -> FP
        FTEST_XS 110, fcvt.s.w, M_ONE, 0, -1
        FTEST_XS 111, fcvt.s.w, 0xcf000000, 0, 0xffffffff80000000
        FTEST_XS 112, fcvt.s.wu, 0x4f800000, NX, 0xffffffff
        FTEST_XS 113, fcvt.s.wu, 0x4f7fffff, NX, 0xffffffff, rm=rtz
        FTEST_XS 114, fcvt.s.l, 0x5f000000, NX, 0x7fffffffffffffff
        FTEST_XS 115, fcvt.s.lu, 0x5f800000, NX, 0xffffffffffffffff
        FTEST_XS 116, fcvt.s.l, 0, 0, 0
        # the w forms look at the low word only
        FTEST_XS 117, fcvt.s.w, ONE, 0, 0x1234567800000001

        # moves: fmv.x.w sign-extends, fmv.w.x NaN-boxes
        TEST 120
        li t0, 0x1234567880000000
        fmv.w.x fa0, t0
        fmv.x.w a0, fa0
        CHECK a0, 0xffffffff80000000
        fmv.x.d a0, fa0
        CHECK a0, 0xffffffff80000000

        # NaN-boxing (§12.2): an operand that is not a boxed single is the
        # canonical NaN; fmv.x.w and fsw move the low bits as they are
        TEST 121
        li t0, ONE
        fmv.d.x fa1, t0         # upper half zero: not boxed
        li t0, ONE
        fmv.w.x fa2, t0
        csrw fflags, zero
        fadd.s fa0, fa1, fa2
        fmv.x.w a0, fa0
        CHECK a0, QNAN
        csrr a0, fflags
        CHECK a0, 0
        fsgnj.s fa0, fa1, fa2
        fmv.x.d a0, fa0
        CHECK a0, 0xffffffff7fc00000
        fmv.x.w a0, fa1
        CHECK a0, ONE
        TEST 122
        la s0, fbuf
        fsw fa1, 0(s0)
        lwu a0, 0(s0)
        CHECK a0, ONE
        # flw boxes
        flw fa0, 0(s0)
        fmv.x.d a0, fa0
        CHECK a0, 0xffffffff3f800000
        # results are boxed
        fadd.s fa0, fa2, fa2
        fmv.x.d a0, fa0
        CHECK a0, 0xffffffff40000000

        # fcsr, frm, fflags are views of one register
        TEST 130
        li t0, 0xff
        csrw fcsr, t0
        csrr a0, frm
        CHECK a0, 7
        csrr a0, fflags
        CHECK a0, 0x1f
        csrwi fflags, 0
        csrr a0, fcsr
        CHECK a0, 0xe0
        csrwi frm, 2
        csrr a0, fcsr
        CHECK a0, 0x40
        csrw fcsr, zero

        # reserved rounding modes: illegal, dynamic (frm) or static
        TEST 131
        csrwi frm, 5
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        fadd.s fa0, fa1, fa2
        j fail
1:      csrwi frm, 7
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        fcvt.w.s a0, fa1
        j fail
1:      csrwi frm, 0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .word 0x00c5d553        # fadd.s fa0, fa1, fa2 with rm = 5
        j fail
1:      # rm = 5 where no rounding happens (fsgnj has none) is not an rm
        fsgnj.s fa0, fa1, fa1

        # mstatus.FS: Off makes F instructions and fcsr illegal; a write
        # makes the state Dirty (and SD set)
        TEST 140
        li t0, MSTATUS_FS
        csrc mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        fadd.s fa0, fa1, fa2
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        csrr a0, fcsr
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        flw fa0, 0(s0)
        j fail
1:      TEST 141
        li t0, 0x2000           # Initial
        csrs mstatus, t0
        fmv.w.x fa0, zero
        csrr a0, mstatus
        srli a1, a0, 13
        andi a1, a1, 3
        CHECK a1, 3
        srli a0, a0, 63
        CHECK a0, 1
        # the FP registers kept their values while Off
        fmv.x.w a0, fa2
        CHECK a0, ONE
        PASS

        .data
        .align 3
fbuf:   .space 16

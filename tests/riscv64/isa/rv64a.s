# RV64A: every AMO in word and doubleword form (old value in rd,
# sign-extended words), LR/SC success and failure (no reservation, another
# address, reservation used up), and misaligned LR/AMO traps.
        .include "common.inc"

# AMO n, op, initial, operand, old, new: `op` on memory holding `initial`
# with rs2 = operand returns `old` and leaves `new` (64-bit compare).
.macro AMO n, op, initial, operand, old, new, load=ld
        TEST \n
        la s0, amo_buf
        li t0, \initial
        sd t0, 0(s0)
        li a1, \operand
        \op a0, a1, (s0)
        CHECK a0, \old
        \load a0, 0(s0)
        CHECK a0, \new
.endm

test_main:
        AMO 1, amoswap.d, 0x1111, 0x2222, 0x1111, 0x2222
        AMO 2, amoadd.d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000
        AMO 3, amoxor.d, 0xff00, 0x0ff0, 0xff00, 0xf0f0
        AMO 4, amoand.d, 0xff00, 0x0ff0, 0xff00, 0x0f00
        AMO 5, amoor.d, 0xff00, 0x0ff0, 0xff00, 0xfff0
        AMO 6, amomin.d, -5, 3, -5, -5
        AMO 7, amomax.d, -5, 3, -5, 3
        AMO 8, amominu.d, -5, 3, -5, 3
        AMO 9, amomaxu.d, -5, 3, -5, -5
        # word forms act on the low word only; rd is sign-extended
        AMO 11, amoswap.w, 0xaaaaaaaa80000000, 0x12345678, 0xffffffff80000000, 0xaaaaaaaa12345678
        AMO 12, amoadd.w, 0x55555555ffffffff, 1, 0xffffffffffffffff, 0x5555555500000000
        AMO 13, amoxor.w, 0x00000000ffffffff, 0x0000ffff, 0xffffffffffffffff, 0x00000000ffff0000
        AMO 14, amoand.w, 0x1234567800ff00ff, 0xffff0000, 0x0000000000ff00ff, 0x1234567800ff0000
        AMO 15, amoor.w, 0x000000000000000f, 0x80000000, 0x000000000000000f, 0x000000008000000f
        AMO 16, amomin.w, 0x00000000ffffffff, 1, 0xffffffffffffffff, 0x00000000ffffffff
        AMO 17, amomax.w, 0x00000000ffffffff, 1, 0xffffffffffffffff, 0x0000000000000001
        AMO 18, amominu.w, 0x00000000ffffffff, 1, 0xffffffffffffffff, 0x0000000000000001
        AMO 19, amomaxu.w, 0x00000000ffffffff, 0x100000001, 0xffffffffffffffff, 0x00000000ffffffff
        # with acquire/release bits, and rd = x0
        AMO 20, amoadd.d.aqrl, 40, 2, 40, 42
        TEST 21
        la s0, amo_buf
        li a1, 7
        amoswap.d.aq x0, a1, (s0)
        ld a0, 0(s0)
        CHECK a0, 7
        CHECK x0, 0

        # LR/SC: success
        TEST 30
        la s0, amo_buf
        li t0, 100
        sd t0, 0(s0)
        lr.d a0, (s0)
        CHECK a0, 100
        addi a0, a0, 1
        sc.d a1, a0, (s0)
        CHECK a1, 0
        ld a0, 0(s0)
        CHECK a0, 101
        # the reservation is used up: a second SC fails and stores nothing
        TEST 31
        li a0, 555
        sc.d a1, a0, (s0)
        CHECK_NONZERO a1
        ld a0, 0(s0)
        CHECK a0, 101
        # SC without any LR fails
        TEST 32
        li a0, 666
        sc.w a1, a0, (s0)
        CHECK_NONZERO a1
        ld a0, 0(s0)
        CHECK a0, 101
        # SC to another address than the LR's fails
        TEST 33
        lr.d a0, (s0)
        li a0, 777
        addi s1, s0, 8
        sc.d a1, a0, (s1)
        CHECK_NONZERO a1
        ld a0, 8(s0)
        CHECK a0, 0
        # a failed SC also ends the reservation
        li a0, 778
        sc.d a1, a0, (s0)
        CHECK_NONZERO a1
        ld a0, 0(s0)
        CHECK a0, 101
        # LR.W sign-extends; SC.W stores a word
        TEST 34
        li t0, 0x1234567880000000
        sd t0, 16(s0)
        addi s1, s0, 16
        lr.w a0, (s1)
        CHECK a0, 0xffffffff80000000
        li a0, 0x7fffffff
        sc.w.rl a1, a0, (s1)
        CHECK a1, 0
        ld a0, 16(s0)
        CHECK a0, 0x123456787fffffff
        # a load-reserve and store-conditional loop (an atomic increment)
        TEST 35
        sd zero, 24(s0)
        addi s1, s0, 24
        li a2, 5
1:      lr.d.aq a0, (s1)
        addi a0, a0, 3
        sc.d.rl a1, a0, (s1)
        bnez a1, 1b
        addi a2, a2, -1
        bnez a2, 1b
        ld a0, 24(s0)
        CHECK a0, 15

        # misaligned: LR raises a load misaligned exception, AMOs a store/AMO
        # one (the spec also allows an access fault; this hart's choice). A
        # misaligned SC without its reservation may fail without accessing
        # memory (QEMU's choice), so it is not tested.
        TEST 40
        addi s1, s0, 4
        EXPECT_TRAP CAUSE_MISALIGNED_LOAD, 1f
        lr.d a0, (s1)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_MISALIGNED_LOAD, amo_buf + 4
        TEST 42
        li t0, 0x5555
        sd t0, 0(s0)
        addi s1, s0, 1
        EXPECT_TRAP CAUSE_MISALIGNED_STORE, 1f
        amoadd.d a0, a1, (s1)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_MISALIGNED_STORE, amo_buf + 1
        CHECK_MEM amo_buf, 0x5555
        TEST 43
        addi s1, s0, 6
        EXPECT_TRAP CAUSE_MISALIGNED_STORE, 1f
        amoswap.w a0, a1, (s1)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_MISALIGNED_STORE, amo_buf + 6
        PASS

        .data
        .align 4
amo_buf: .space 64

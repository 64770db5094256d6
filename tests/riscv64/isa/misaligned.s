# Misaligned loads and stores: the spec lets a hart either perform them
# or raise an address-misaligned (or access-fault) exception with the
# address in mtval. Either is accepted here, but whichever happens must be
# right: the value loaded or stored, or the trap's cause and mtval with
# memory untouched. Also a misaligned access that crosses a page.
        .include "common.inc"

# MISALIGNED_LOAD n, load, offset, value: `load` at buf + offset gives
# `value`, or traps.
.macro MISALIGNED_LOAD n, load, offset, value
        TEST \n
        la s0, buf
        EXPECT_TRAP CAUSE_MISALIGNED_LOAD, .Ltrap\@
        \load a0, \offset(s0)
        CLEAR_EXPECT
        CHECK a0, \value
        j .Ldone\@
.Ltrap\@:
        CHECK_TRAP_ADDR CAUSE_MISALIGNED_LOAD, buf + \offset
.Ldone\@:
.endm

# MISALIGNED_STORE n, store, offset, after: storing 0xa1a2a3a4a5a6a7a8
# with `store` at buf + offset leaves the doubleword at buf + 8 equal to
# `after`, or traps and leaves it untouched.
.macro MISALIGNED_STORE n, store, offset, after
        TEST \n
        la s0, buf
        li t0, 0x1716151413121110
        sd t0, 8(s0)
        li a1, 0xa1a2a3a4a5a6a7a8
        EXPECT_TRAP CAUSE_MISALIGNED_STORE, .Ltrap\@
        \store a1, \offset(s0)
        CLEAR_EXPECT
        CHECK_MEM buf + 8, \after
        j .Ldone\@
.Ltrap\@:
        CHECK_TRAP_ADDR CAUSE_MISALIGNED_STORE, buf + \offset
        CHECK_MEM buf + 8, 0x1716151413121110
.Ldone\@:
.endm

test_main:
        la s0, buf
        li t0, 0x0706050403020100
        sd t0, 0(s0)
        li t0, 0x0f0e0d0c0b0a0908
        sd t0, 8(s0)
        MISALIGNED_LOAD 1, lh, 1, 0x0201
        MISALIGNED_LOAD 2, lhu, 7, 0x0807
        MISALIGNED_LOAD 3, lw, 3, 0x06050403
        MISALIGNED_LOAD 4, lw, 6, 0x09080706
        MISALIGNED_LOAD 5, lwu, 5, 0x08070605
        MISALIGNED_LOAD 6, ld, 1, 0x0807060504030201
        MISALIGNED_LOAD 7, ld, 4, 0x0b0a090807060504
        TEST 8
        li t0, 0xffffffff80000000
        sd t0, 16(s0)
        MISALIGNED_LOAD 9, lw, 18, 0xffffffffffff8000
        MISALIGNED_STORE 10, sh, 9, 0x1716151413a7a810
        MISALIGNED_STORE 11, sw, 10, 0x1716a5a6a7a81110
        MISALIGNED_STORE 12, sd, 12, 0xa5a6a7a813121110
        MISALIGNED_STORE 13, sd, 7, 0x17a1a2a3a4a5a6a7
        # across a page boundary
        TEST 14
        la s0, page_end - 4
        li t0, 0x1122334455667788
        EXPECT_TRAP CAUSE_MISALIGNED_STORE, 1f
        sd t0, 0(s0)
        CLEAR_EXPECT
        ld a0, 0(s0)
        CHECK a0, 0x1122334455667788
        lw a0, 4(s0)
        CHECK a0, 0x11223344
        j 2f
1:      CHECK_TRAP_ADDR CAUSE_MISALIGNED_STORE, page_end - 4
2:      PASS

        .data
        .balign 64
buf:    .space 64
        .balign 4096
        .space 4096
page_end:
        .space 64

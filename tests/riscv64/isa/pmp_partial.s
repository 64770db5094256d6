# PMP: an access whose bytes are only partly inside the lowest-numbered
# matching entry fails, whatever that entry allows (Privileged spec
# §3.7.1.3): 8-byte loads over a 4-byte NA4 region, at either end of the
# access, with an allow-all entry below it.
        .include "common.inc"
        .equ PMP_R, 1
        .equ PMP_W, 2
        .equ PMP_X, 4
        .equ PMP_NA4, 0x10
        .equ PMP_NAPOT, 0x18
test_main:
        TEST 1
        la t0, buf
        srli t0, t0, 2
        csrw pmpaddr0, t0
        la t0, buf + 8          # an 8-byte NAPOT region at buf + 8
        srli t0, t0, 2
        csrw pmpaddr1, t0
        li t0, -1
        csrw pmpaddr2, t0
        li t0, (PMP_NA4 | PMP_R) | ((PMP_NAPOT | PMP_R) << 8) | ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 16)
        csrw pmpcfg0, t0
        sfence.vma
        # inside the NA4 word: fine
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, buf
        lw a0, 0(t0)
        ld a0, 8(t0)
        ecall
1:      TEST 2
        EXPECT_TRAP CAUSE_LOAD_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, buf
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_LOAD_ACCESS, buf
        # the NA4 word at the end of the access instead
        TEST 3
        la t0, buf + 4
        srli t0, t0, 2
        csrw pmpaddr0, t0
        sfence.vma
        EXPECT_TRAP CAUSE_LOAD_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, buf
        ld a0, 0(t0)
        j fail
1:      PASS

        .data
        .balign 64
buf:    .space 64

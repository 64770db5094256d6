# Zicntr: instructions that raise an exception do not retire (Privileged
# spec §3.3.1: ECALL and EBREAK "are not considered to retire, and should
# not increment the minstret CSR"; likewise a faulting load). minstret
# read before and after the trap differs by the one csrr that retired.
        .include "common.inc"
test_main:
        # with a handler of known length: mtvec -> `counted` directly
        TEST 1
        la t0, counted_ecall
        csrw mtvec, t0
        csrr s0, minstret
        ecall
        .align 2
counted_ecall:
        csrr s1, minstret
        sub s1, s1, s0
        CHECK s1, 1
        TEST 2
        la t0, counted_ebreak
        csrw mtvec, t0
        csrr s0, minstret
        .option push
        .option norvc
        ebreak
        .option pop
        .align 2
counted_ebreak:
        csrr s1, minstret
        sub s1, s1, s0
        CHECK s1, 1
        TEST 3
        la t0, counted_load
        csrw mtvec, t0
        li t1, 0x10000000
        csrr s0, minstret
        ld t1, 0(t1)
        .align 2
counted_load:
        csrr s1, minstret
        sub s1, s1, s0
        CHECK s1, 1
        TEST 4
        la t0, counted_illegal
        csrw mtvec, t0
        csrr s0, minstret
        .word 0
        .align 2
counted_illegal:
        csrr s1, minstret
        sub s1, s1, s0
        CHECK s1, 1
        la t0, trap_vector
        csrw mtvec, t0
        PASS

# Zifencei and self-modifying code: code written, run, rewritten and run
# again after fence.i; a store to the instruction right after it in the
# same block; code copied to another page and run.
        .include "common.inc"
        .option norvc
        .equ ADDI_A0_1, 0x00150513      # addi a0, a0, 1
        .equ ADDI_A0_2, 0x00250513      # addi a0, a0, 2
        .equ RET, 0x00008067            # ret
test_main:
        # a function in the data section: addi a0, a0, 1; ret
        TEST 1
        la s0, code_buf
        li t0, ADDI_A0_1
        sw t0, 0(s0)
        li t0, RET
        sw t0, 4(s0)
        fence.i
        li a0, 10
        jalr s0
        CHECK a0, 11
        # rewrite it, run it again
        TEST 2
        li t0, ADDI_A0_2
        sw t0, 0(s0)
        fence.i
        li a0, 10
        jalr s0
        CHECK a0, 12
        # and again, many times, in a loop (the old code is cached by now)
        TEST 3
        li s1, 20
        li a0, 0
1:      li t0, ADDI_A0_1
        andi t1, s1, 1
        beqz t1, 2f
        li t0, ADDI_A0_2
2:      sw t0, 0(s0)
        fence.i
        jalr s0
        addi s1, s1, -1
        bnez s1, 1b
        CHECK a0, 30

        # the store patches the very next instruction of this block
        TEST 4
        li a0, 0
        la t1, 3f
        li t0, ADDI_A0_2
        sw t0, 0(t1)
        fence.i
3:      addi a0, a0, 1
        CHECK a0, 2
        # and back (so the test also passes a second time)
        li t0, ADDI_A0_1
        sw t0, 0(t1)
        fence.i

        # a halfword store that turns one instruction into another
        TEST 5
        li a0, 0
        la t1, 4f
        li t0, 0x0035           # low half of addi a0, a0, 3 (0x00350513) is 0x0513
        sh t0, 2(t1)
        fence.i
4:      addi a0, a0, 1
        CHECK a0, 3
        li t0, 0x0015
        sh t0, 2(t1)
        fence.i

        # code copied to another page
        TEST 6
        la s0, code_buf + 4096
        la t1, 5f
        lw t0, 0(t1)
        sw t0, 0(s0)
        lw t0, 4(t1)
        sw t0, 4(s0)
        fence.i
        li a0, 5
        jalr s0
        CHECK a0, 25
        PASS

5:      mul a0, a0, a0
        ret

        .data
        .balign 4096
code_buf: .space 8192

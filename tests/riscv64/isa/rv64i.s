# RV64I: arithmetic, logic, shifts, compares, word ops, lui/auipc, loads
# and stores of every width and sign, branches, jal/jalr.
        .include "common.inc"
        .option norvc
test_main:
        # add/sub and their word forms
        TEST_RR 1, add, 0x0000000000000000, 0, 0
        TEST_RR 2, add, 0xffffffff80000000, 0xffffffff80000000, 0
        TEST_RR 3, add, 0x8000000000000000, 0x7fffffffffffffff, 1
        TEST_RR 4, sub, 0xffffffffffffffff, 0, 1
        TEST_RR 5, sub, 0x7fffffffffffffff, 0x8000000000000000, 1
        TEST_RR 6, addw, 0xffffffff80000000, 0x7fffffff, 1
        TEST_RR 7, addw, 0, 0xffffffff, 1
        TEST_RR 8, subw, 0x000000007fffffff, 0x80000000, 1
        TEST_RR 9, subw, 0xffffffffffffffff, 0x100000000, 1
        TEST_RI 10, addi, 0xfffffffffffff800, 0, -2048
        TEST_RI 11, addi, 0x00000000000007ff, 0, 2047
        TEST_RI 12, addiw, 0xffffffff80000000, 0x7fffffff, 1
        TEST_RI 13, addiw, 0x0000000000000001, 0x1ffffffff, 2

        # logic
        TEST_RR 20, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f
        TEST_RR 21, or,  0xff0fff0f, 0xff00ff00, 0x0f0f0f0f
        TEST_RR 22, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f
        TEST_RI 23, andi, 0x0000000000000700, 0xff00ff00, 0x70f
        TEST_RI 24, ori, 0xffffffffffffff0f, 0xff00ff00, -241
        TEST_RI 25, xori, 0xffffffff00ff00ff, 0xff00ff00, -1

        # shifts, 64-bit and word
        TEST_RR 30, sll, 0x8000000000000000, 1, 63
        TEST_RR 31, sll, 0x0000000000000002, 1, 65
        TEST_RR 32, srl, 0x0000000000000001, 0x8000000000000000, 63
        TEST_RR 33, sra, 0xffffffffffffffff, 0x8000000000000000, 63
        TEST_RR 34, sra, 0xc000000000000000, 0x8000000000000000, 0x41
        TEST_RI 35, slli, 0xffffffff80000000, 0xffffffffffffffff, 31
        TEST_RI 36, srli, 0x00000000ffffffff, 0xffffffffffffffff, 32
        TEST_RI 37, srai, 0xffffffffffffffff, 0x8000000000000000, 63
        TEST_RR 38, sllw, 0xffffffff80000000, 1, 31
        TEST_RR 39, sllw, 0x0000000000000002, 1, 33
        TEST_RR 40, srlw, 0x0000000000000001, 0xffffffff80000000, 31
        TEST_RR 41, sraw, 0xffffffffffffffff, 0x80000000, 31
        TEST_RR 42, srlw, 0x000000007fffffff, 0xfffffffffffffffe, 33
        TEST_RI 43, slliw, 0xffffffff80000000, 1, 31
        TEST_RI 44, srliw, 0x0000000000000001, 0x80000000, 31
        TEST_RI 45, sraiw, 0xfffffffffffffff0, 0x80000000, 27
        TEST_RI 46, sraiw, 0x0000000012345678, 0xabcdef0012345678, 0

        # compares
        TEST_RR 50, slt, 1, -1, 0
        TEST_RR 51, slt, 0, 0, -1
        TEST_RR 52, sltu, 0, -1, 0
        TEST_RR 53, sltu, 1, 0, -1
        TEST_RI 54, slti, 1, 0x8000000000000000, -2048
        TEST_RI 55, sltiu, 1, 5, -1
        TEST_RI 56, sltiu, 0, -1, -1

        # lui, auipc
        TEST 60
        lui a0, 0x80000
        CHECK a0, 0xffffffff80000000
        lui a0, 0x7ffff
        CHECK a0, 0x7ffff000
1:      auipc a0, 0
        la a1, 1b
        CHECK_REG a0, a1
1:      auipc a0, 0x1
        la a1, 1b + 0x1000
        CHECK_REG a0, a1

        # x0 stays zero
        TEST 61
        li t0, 5
        add x0, t0, t0
        addi x0, x0, 1
        CHECK x0, 0

        # loads and stores
        TEST 70
        la s0, buf
        li t0, 0x8877665544332211
        sd t0, 0(s0)
        ld a0, 0(s0)
        CHECK a0, 0x8877665544332211
        lb a0, 7(s0)
        CHECK a0, 0xffffffffffffff88
        lbu a0, 7(s0)
        CHECK a0, 0x88
        lh a0, 6(s0)
        CHECK a0, 0xffffffffffff8877
        lhu a0, 6(s0)
        CHECK a0, 0x8877
        lw a0, 4(s0)
        CHECK a0, 0xffffffff88776655
        lwu a0, 4(s0)
        CHECK a0, 0x88776655
        lw a0, 0(s0)
        CHECK a0, 0x44332211
        TEST 71
        li t0, -1
        sd t0, 8(s0)
        sb zero, 8(s0)
        sh zero, 10(s0)
        sw zero, 12(s0)
        ld a0, 8(s0)
        CHECK a0, 0x000000000000ff00
        # negative offsets
        addi s1, s0, 16
        ld a0, -16(s1)
        CHECK a0, 0x8877665544332211
        li t0, 0x1234
        sh t0, -2(s1)
        lhu a0, -2(s1)
        CHECK a0, 0x1234
        # load into x0 still happens (no trap) and x0 stays 0
        ld x0, 0(s0)
        CHECK x0, 0

        # branches, both ways
        TEST 80
        li a1, -1
        li a2, 1
        beq a1, a2, fail_branch
        bne a1, a1, fail_branch
        blt a2, a1, fail_branch
        bge a1, a2, fail_branch
        bltu a1, a2, fail_branch
        bgeu a2, a1, fail_branch
        li a0, 0
        beq a1, a1, 1f
        j fail_branch
1:      bne a1, a2, 1f
        j fail_branch
1:      blt a1, a2, 1f
        j fail_branch
1:      bge a2, a1, 1f
        j fail_branch
1:      bge a1, a1, 1f
        j fail_branch
1:      bltu a2, a1, 1f
        j fail_branch
1:      bgeu a1, a2, 1f
        j fail_branch
1:      bgeu a1, a1, 1f
        j fail_branch
1:
        # a backward-taken loop
        TEST 81
        li a0, 0
        li a1, 10
2:      addi a0, a0, 3
        addi a1, a1, -1
        bnez a1, 2b
        CHECK a0, 30

        # jal/jalr: link values, jalr clears bit 0, rd = rs1
        TEST 90
        jal ra, 1f
2:      j fail_branch
1:      la a1, 2b
        CHECK_REG ra, a1
        la t0, 3f + 1
        jalr t1, 0(t0)
4:      j fail_branch
3:      la a1, 4b
        CHECK_REG t1, a1
        la t0, 5f - 4
        jalr t0, 4(t0)
6:      j fail_branch
5:      la a1, 6b
        CHECK_REG t0, a1
        jal x0, 1f
        j fail_branch
1:
        PASS

fail_branch:
        j fail

        .data
        .align 3
buf:    .space 64

# C: every RV64C instruction, written with its c. mnemonic so it is
# really compressed, the reserved encodings that must be illegal, and
# 32-bit instructions at 2-byte alignment, one straddling a page boundary.
        .include "common.inc"
        .option rvc
test_main:
        TEST 1
        c.li a0, -32
        CHECK a0, -32
        c.li a0, 31
        c.addi a0, -1
        CHECK a0, 30
        c.lui a1, 0xfffe1        # sign-extended 20-bit immediate
        CHECK a1, 0xfffffffffffe1000
        c.lui a1, 1
        CHECK a1, 0x1000
        li a0, 0x7fffffff
        c.addiw a0, 1
        CHECK a0, 0xffffffff80000000
        li a0, 0x100000005
        c.addiw a0, 0           # sext.w
        CHECK a0, 5
        c.nop

        TEST 2
        li a0, 0xf0
        c.srli a0, 4
        CHECK a0, 0xf
        li a0, 0x8000000000000000
        c.srai a0, 63
        CHECK a0, -1
        li a0, 0xff
        c.andi a0, -16
        CHECK a0, 0xf0
        li a0, 1
        c.slli a0, 63
        CHECK a0, 0x8000000000000000

        TEST 3
        li a0, 10
        li a1, 3
        c.sub a0, a1
        CHECK a0, 7
        c.xor a0, a1
        CHECK a0, 4
        c.or a0, a1
        CHECK a0, 7
        c.and a0, a1
        CHECK a0, 3
        li a0, 0x7fffffff
        c.addw a0, a1
        CHECK a0, 0xffffffff80000002
        li a0, 0x80000000
        c.subw a0, a1
        CHECK a0, 0x7ffffffd
        c.mv a2, a0
        CHECK a2, 0x7ffffffd
        c.add a2, a1
        CHECK a2, 0x80000000

        # stack-pointer forms
        TEST 4
        mv s1, sp
        c.addi16sp sp, -64
        addi t0, s1, -64
        CHECK_REG sp, t0
        c.addi4spn a0, sp, 8
        addi t0, sp, 8
        CHECK_REG a0, t0
        li a1, 0x1122334455667788
        c.sdsp a1, 0(sp)
        c.ldsp a2, 0(sp)
        CHECK a2, 0x1122334455667788
        c.swsp a1, 8(sp)
        c.lwsp a2, 8(sp)
        CHECK a2, 0x55667788
        li t0, 0xbff0000000000000
        fmv.d.x fa0, t0
        c.fsdsp fa0, 16(sp)
        c.fldsp fa1, 16(sp)
        fmv.x.d a2, fa1
        CHECK a2, 0xbff0000000000000
        c.addi16sp sp, 64
        CHECK_REG sp, s1

        # register-based loads and stores (x8..x15)
        TEST 5
        la s0, cbuf
        li a1, 0x8877665544332211
        c.sd a1, 0(s0)
        c.ld a2, 0(s0)
        CHECK a2, 0x8877665544332211
        c.lw a2, 4(s0)
        CHECK a2, 0xffffffff88776655
        c.sw a1, 8(s0)
        c.lw a2, 8(s0)
        CHECK a2, 0x44332211
        c.fsd fa0, 16(s0)
        c.fld fa1, 16(s0)
        fmv.x.d a2, fa1
        CHECK a2, 0xbff0000000000000

        # jumps and branches
        TEST 6
        li a0, 0
        c.beqz a0, 1f
        j fail
1:      c.bnez a0, fail_c
        li a0, 5
        c.bnez a0, 1f
        j fail
1:      c.beqz a0, fail_c
        c.j 1f
        j fail
1:      la t0, 1f
        c.jr t0
        j fail
1:      la t0, 2f
        c.jalr t0
3:      j 4f
2:      la t1, 3b
        CHECK_REG ra, t1
        ret
4:
        # a 32-bit instruction at a 2-byte boundary
        TEST 7
        li a0, 1
        c.nop
        addi a0, a0, 0x123      # 32-bit: at an address that is 2 mod 4
        CHECK a0, 0x124

        # c.ebreak is a breakpoint exception at its own address
        TEST 8
        EXPECT_TRAP CAUSE_BREAKPOINT, 1f
2:      c.ebreak
        j fail
1:      CHECK_TRAP_EPC 2b

        # reserved encodings: the all-zero parcel, c.addi4spn with nzuimm 0,
        # c.lui/c.addi16sp with immediate 0, c.jr x0
        TEST 9
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .hword 0x0000
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .hword 0x0004           # c.addi4spn a1, sp, 0
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .hword 0x6581           # c.lui a1, 0
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .hword 0x6101           # c.addi16sp sp, 0
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .hword 0x8002           # c.jr x0
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x8002

        # a 32-bit instruction straddling two pages
        TEST 10
        li a0, 40
        call straddle
        CHECK a0, 42
        PASS

fail_c: j fail

        # `straddle` ends at a page boundary with a 32-bit addi whose halves
        # are on different pages.
        .section .text.straddle, "ax"
        .balign 4096
        .space 4096 - 8
straddle:
        c.nop
        c.nop
        c.nop
        .option norvc
        addi a0, a0, 2          # bytes 4094..4097 of the page
        .option rvc
        c.jr ra

        .data
        .align 3
cbuf:   .space 32

# Exceptions: access faults for fetches, loads and stores outside any
# memory (mtval = the address), illegal and reserved encodings (mtval =
# the instruction bits), a fetch fault in the second half of an
# instruction, mscratch round trips, and that a faulting instruction has
# no effect.
        .include "common.inc"
        .equ NOWHERE, 0x10000000        # nothing is mapped there
# ILLEGAL bits: the 32-bit word `bits` raises illegal instruction with
# mtval = bits.
.macro ILLEGAL bits
        EXPECT_TRAP CAUSE_ILLEGAL, .Lresume\@
        .word \bits
        j fail
.Lresume\@:
        CHECK_TRAP CAUSE_ILLEGAL, \bits
.endm

.macro ILLEGAL_16 bits
        EXPECT_TRAP CAUSE_ILLEGAL, .Lresume\@
        .hword \bits
        j fail
.Lresume\@:
        CHECK_TRAP CAUSE_ILLEGAL, \bits
.endm

test_main:
        # loads and stores outside memory: access faults
        TEST 1
        li s0, NOWHERE
        li a0, 0x55
        EXPECT_TRAP CAUSE_LOAD_ACCESS, 1f
        ld a0, 8(s0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_ACCESS, NOWHERE + 8
        CHECK a0, 0x55          # the destination is unchanged
        TEST 2
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        sw a0, 4(s0)
        j fail
1:      CHECK_TRAP CAUSE_STORE_ACCESS, NOWHERE + 4
        TEST 3
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        amoadd.w a0, a0, (s0)
        j fail
1:      CHECK_TRAP CAUSE_STORE_ACCESS, NOWHERE
        TEST 4
        EXPECT_TRAP CAUSE_LOAD_ACCESS, 1f
        lr.d a0, (s0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_ACCESS, NOWHERE
        # a fetch outside memory
        TEST 5
        EXPECT_TRAP CAUSE_FETCH_ACCESS, 1f
        li t0, NOWHERE + 0x100
        jalr ra, t0
        j fail
1:      CHECK_TRAP CAUSE_FETCH_ACCESS, NOWHERE + 0x100
        CHECK_MEM trap_record + 16, NOWHERE + 0x100
        # illegal and reserved encodings, with the bits in mtval
        TEST 6
        ILLEGAL 0xffffffff
        TEST 7
        ILLEGAL_16 0x0000
        TEST 8
        ILLEGAL 0x0000000b      # custom-0
        TEST 9
        ILLEGAL 0xfe000033      # OP with funct7 0x7f
        TEST 10
        ILLEGAL 0x0205151b      # slliw a0, a0, 32: shamt[5] set
        TEST 11
        ILLEGAL 0x00004007      # flq (no Q extension)
        TEST 12
        ILLEGAL 0x0000707f      # reserved major opcode 0x7f (>= 80-bit)
        TEST 13
        ILLEGAL 0x30300073      # a SYSTEM op between mret and wfi: none
        PASS


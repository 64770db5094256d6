# Illegal-instruction exceptions that only a run-time check finds (a
# counter disabled by mcounteren/scounteren, sret under mstatus.TSR, a
# CSR under mstatus.TVM, a reserved dynamic rounding mode in frm) write
# the instruction's bits to mtval/stval, as the ones decoding finds do
# (Privileged spec §3.1.16 allows 0 or the bits; one choice throughout,
# QEMU's).
        .include "common.inc"

# CHECK_TVAL label, record: the recorded xtval is the 32-bit instruction
# at `label` (a0, a1 used).
.macro CHECK_TVAL label, record=trap_record
        la a0, \label
        lwu a0, 0(a0)
        la a1, \record + 8
        ld a1, 0(a1)
        CHECK_REG a1, a0
.endm

test_main:
        csrw mcounteren, zero
        csrw scounteren, zero

        # rdtime from U with the counter disabled
        TEST 1
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      rdtime a0
        j fail
1:      CHECK_MEM trap_record, CAUSE_ILLEGAL
        CHECK_TVAL 2b

        # rdcycle from S, counter disabled in mcounteren
        TEST 2
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      rdcycle a0
        j fail
1:      CHECK_TVAL 2b

        # sret in S under mstatus.TSR
        TEST 3
        li t0, MSTATUS_TSR
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      sret
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x10200073
        li t0, MSTATUS_TSR
        csrc mstatus, t0

        # satp from S under mstatus.TVM
        TEST 4
        li t0, MSTATUS_TVM
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr a0, satp
        j fail
1:      CHECK_TVAL 2b
        li t0, MSTATUS_TVM
        csrc mstatus, t0

        # a dynamic rounding mode with a reserved frm (5), in M
        TEST 5
        li t0, 5
        csrw frm, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
2:      fadd.s fa0, fa1, fa2
        j fail
1:      CHECK_TVAL 2b
        TEST 6
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
2:      fcvt.w.d a0, fa1
        j fail
1:      CHECK_TVAL 2b
        csrw frm, zero

        # delegated to S: the bits go to stval
        TEST 7
        li t0, 1 << CAUSE_ILLEGAL
        csrw medeleg, t0
        S_EXPECT_TRAP CAUSE_ILLEGAL, 4f
        EXPECT_TRAP CAUSE_ECALL_S, 3f
        ENTER_MODE PRV_U, 2f
2:      rdtime a0
        j fail
4:      ecall                   # back in S: on to M
        j fail
3:      csrw medeleg, zero
        CHECK_MEM s_trap_record, CAUSE_ILLEGAL
        CHECK_TVAL 2b, s_trap_record
        PASS

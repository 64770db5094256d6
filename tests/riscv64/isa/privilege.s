# Privilege modes: ecall from M, S and U; entering S and U with mret;
# what mret/sret do to mstatus; delegation of exceptions to S (medeleg)
# and what stays in M; sret to U; illegal xRET and CSR accesses by mode;
# mstatus.TSR/TW; illegal instructions with their mtval.
        .include "common.inc"
test_main:
        # ecall from M: cause 11, mepc = the ecall
        TEST 1
        EXPECT_TRAP CAUSE_ECALL_M, 1f
2:      ecall
        j fail
1:      CHECK_TRAP CAUSE_ECALL_M, 0
        CHECK_TRAP_EPC 2b
        CHECK_MEM trap_record + 24, PRV_M

        # ebreak: a breakpoint exception
        TEST 2
        EXPECT_TRAP CAUSE_BREAKPOINT, 1f
        .option push
        .option norvc
        ebreak
        .option pop
        j fail
1:
        # mret to M leaves MPP = U (the least privileged mode) and MIE = MPIE
        TEST 3
        li t0, MSTATUS_MPIE | MSTATUS_MPRV
        csrs mstatus, t0
        ENTER_MODE PRV_M, 1f
1:      csrr a0, mstatus
        li t0, MSTATUS_MPP
        and a1, a0, t0
        CHECK a1, 0
        andi a1, a0, MSTATUS_MIE
        CHECK a1, MSTATUS_MIE
        andi a1, a0, MSTATUS_MPIE
        CHECK a1, MSTATUS_MPIE
        # MPRV stays set by an mret to M
        li t0, MSTATUS_MPRV
        and a1, a0, t0
        CHECK_REG a1, t0
        li t0, MSTATUS_MPRV | MSTATUS_MIE
        csrc mstatus, t0

        # ecall from S and U go to M, with MPP telling where they came from
        TEST 4
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      ecall
        j fail
1:      CHECK_TRAP_EPC 2b
        CHECK_MEM trap_record + 24, PRV_S
        TEST 5
        EXPECT_TRAP CAUSE_ECALL_U, 1f
        ENTER_MODE PRV_U, 2f
2:      ecall
        j fail
1:      CHECK_MEM trap_record + 24, PRV_U
        # an mret to S or U clears MPRV
        TEST 6
        li t0, MSTATUS_MPRV
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      ecall
1:      csrr a0, mstatus
        li t0, MSTATUS_MPRV
        and a0, a0, t0
        CHECK a0, 0

        # delegation: U's ecall to S (scause 8, SPP = U); S's to S (SPP = S)
        TEST 7
        li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ECALL_S) | (1 << CAUSE_ILLEGAL)
        csrw medeleg, t0
        S_EXPECT_TRAP CAUSE_ECALL_U, 1f
        ENTER_MODE PRV_U, 2f
2:      ecall
        j fail
1:      # now in S (the S handler resumes in S)
        S_CHECK_TRAP CAUSE_ECALL_U, 0
        CHECK_MEM s_trap_record + 24, 0
        S_CHECK_TRAP_EPC 2b
        TEST 8
        S_EXPECT_TRAP CAUSE_ECALL_S, 1f
2:      ecall
        j fail
1:      CHECK_MEM s_trap_record + 24, 1
        # an illegal instruction in S is delegated too, with its bits in stval
        TEST 9
        S_EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .word 0xffffffff
        j fail
1:      S_CHECK_TRAP CAUSE_ILLEGAL, 0xffffffff
        # sret to U: SPP becomes U, SIE = SPIE, SPIE = 1
        TEST 10
        li t0, MSTATUS_SPP
        csrc sstatus, t0
        li t0, MSTATUS_SPIE
        csrs sstatus, t0
        la t0, 2f
        csrw sepc, t0
        sret
2:      # in U: leave through an ecall, which goes to S
        S_EXPECT_TRAP CAUSE_ECALL_U, 1f
        ecall
        j fail
1:      # back in S: sstatus had SIE = 1 in U (from SPIE), SPP = U at the trap
        CHECK_MEM s_trap_record + 24, 0
        csrr a0, sstatus
        andi a0, a0, MSTATUS_SPIE
        CHECK a0, MSTATUS_SPIE
        # a breakpoint is not delegated: back to M
        TEST 11
        EXPECT_TRAP CAUSE_BREAKPOINT, 1f
        ebreak
        j fail
1:      CHECK_MEM trap_record + 24, PRV_S
        # in M, a delegated exception still traps to M
        TEST 12
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        .word 0
        j fail
1:      csrw medeleg, zero

        # what S and U may not do (each traps to M with the bits in mtval)
        TEST 13
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr a0, mstatus        # 0x30002573
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x30002573
        CHECK_MEM trap_record + 24, PRV_S
        TEST 14
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      csrr a0, sstatus
        j fail
1:      TEST 15
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      sret
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x10200073
        TEST 16
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      mret
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x30200073
        TEST 17
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      mret
        j fail
1:
        # mstatus.TSR: sret in S is illegal
        TEST 18
        li t0, MSTATUS_TSR
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      sret
        j fail
1:      li t0, MSTATUS_TSR
        csrc mstatus, t0
        # mstatus.TW: wfi in S is illegal
        TEST 19
        li t0, MSTATUS_TW
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      wfi
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0x10500073
        li t0, MSTATUS_TW
        csrc mstatus, t0
        # mstatus.TVM: satp and sfence.vma in S are illegal
        TEST 20
        li t0, MSTATUS_TVM
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr a0, satp
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      sfence.vma
        j fail
1:      li t0, MSTATUS_TVM
        csrc mstatus, t0
        # without TVM, S may use both
        TEST 21
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr a0, satp
        sfence.vma
        ecall
1:
        # counters: mcounteren gates S and U, scounteren gates U
        TEST 22
        csrw mcounteren, zero
        csrw scounteren, zero
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      rdcycle a0
        j fail
1:      li t0, 7
        csrw mcounteren, t0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      rdcycle a0
        rdtime a0
        rdinstret a0
        ecall
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      rdinstret a0
        j fail
1:      li t0, 5
        csrw scounteren, t0
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      rdcycle a0
        rdinstret a0
        rdtime a0               # scounteren.TM is clear
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0xc0102573
        # (the permission is checked at run time: mtval has the bits all
        # the same, see illegal_tval.s)

        # S-mode CSRs from S: fine
        TEST 23
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, 0x55
        csrw sscratch, t0
        csrr a0, sscratch
        csrr a1, sstatus
        ecall
1:      CHECK a0, 0x55
        PASS

# Zicsr: the six CSR instructions and their read/write rules (no write for
# csrrs/csrrc with x0 or a zero immediate, so read-only CSRs may be read
# that way), read-only and missing CSRs, WARL fields, the counters.
        .include "common.inc"
test_main:
        TEST 1
        li t0, 0x1234
        csrrw a0, mscratch, t0
        csrrw a0, mscratch, zero
        CHECK a0, 0x1234
        li t0, 0xf0
        csrw mscratch, t0
        li t0, 0x0f
        csrrs a0, mscratch, t0
        CHECK a0, 0xf0
        csrrc a0, mscratch, t0
        CHECK a0, 0xff
        csrr a0, mscratch
        CHECK a0, 0xf0
        csrrwi a0, mscratch, 31
        CHECK a0, 0xf0
        csrrsi a0, mscratch, 0x40 >> 2
        CHECK a0, 31
        csrrci a0, mscratch, 1
        CHECK a0, 31 | 0x10
        csrr a0, mscratch
        CHECK a0, 0x1e
        # rd = rs1: the old value is read before the write
        li a0, 7
        csrrw a0, mscratch, a0
        CHECK a0, 0x1e
        csrr a0, mscratch
        CHECK a0, 7

        # read-only CSRs: reading with csrrs/csrrc x0 or csrrsi/csrrci 0 is
        # fine, any write is illegal
        TEST 2
        csrr a0, mhartid
        CHECK a0, 0
        csrrsi a0, mhartid, 0
        csrrc a0, mhartid, zero
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        csrw mhartid, zero
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        li t0, 1
        csrrs a0, mvendorid, t0
        j fail
1:      EXPECT_TRAP CAUSE_ILLEGAL, 1f
        csrrci a0, cycle, 1
        j fail
1:      # the instruction bits are mtval for an illegal CSR access
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        csrrwi a0, instret, 0   # 0xc0205573
        j fail
1:      CHECK_TRAP CAUSE_ILLEGAL, 0xc0205573
        # a CSR that does not exist
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        csrr a0, 0x7ff
        j fail
1:
        # misa: RV64 with I, M, A, F, D, C, S, U
        TEST 3
        csrr a0, misa
        srli a1, a0, 62
        CHECK a1, 2
        li t0, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2) | (1 << 18) | (1 << 20)
        and a1, a0, t0
        CHECK_REG a1, t0

        # WARL fields
        TEST 4
        li t0, 0x80001235
        csrw mepc, t0
        csrr a0, mepc
        CHECK a0, 0x80001234    # mepc[0] is zero
        csrw sepc, t0
        csrr a0, sepc
        CHECK a0, 0x80001234
        # satp: an unsupported mode (Sv32's 1) leaves satp unchanged
        csrw satp, zero
        li t0, (1 << 60) | 0x1234
        csrw satp, t0
        csrr a0, satp
        CHECK a0, 0
        # medeleg: ecall from M cannot be delegated
        li t0, -1
        csrw medeleg, t0
        csrr a0, medeleg
        srli a0, a0, 11
        andi a0, a0, 1
        CHECK a0, 0
        csrw medeleg, zero
        # mideleg: only the S-level interrupts can be delegated
        li t0, -1
        csrw mideleg, t0
        csrr a0, mideleg
        li t0, 0xaaa
        and a0, a0, t0
        CHECK a0, 0x222
        csrw mideleg, zero
        # mstatus: UXL and SXL read 2 (64 bits)
        csrr a0, mstatus
        srli a0, a0, 32
        andi a0, a0, 0xf
        CHECK a0, 0xa
        # sstatus is a view of mstatus
        li t0, MSTATUS_SUM
        csrs sstatus, t0
        csrr a0, mstatus
        and a0, a0, t0
        CHECK_REG a0, t0
        csrc mstatus, t0
        csrr a0, sstatus
        and a0, a0, t0
        CHECK a0, 0
        # sie/sip are views of mie/mip through mideleg
        li t0, 0x222
        csrw mideleg, t0
        li t0, -1
        csrw mie, t0
        csrr a0, sie
        CHECK a0, 0x222
        csrw mie, zero
        csrw mideleg, zero

        # counters: cycle and instret advance; rdinstret counts exactly
        TEST 5
        csrr a0, instret
        nop
        nop
        csrr a1, instret
        sub a1, a1, a0
        CHECK a1, 3
        csrr a0, minstret
        csrr a1, instret
        sub a1, a1, a0
        CHECK a1, 1
        csrr a0, cycle
        csrr a1, mcycle
        bltu a1, a0, fail
        # writing minstret sets it
        li t0, 1000
        csrw minstret, t0
        csrr a0, minstret
        li t0, 1000
        sub a0, a0, t0
        sltiu a0, a0, 3
        CHECK a0, 1
        # time reads mtime
        li t0, CLINT_MTIME
        ld a0, 0(t0)
        csrr a1, time
        bltu a1, a0, fail
        PASS

# LR/SC reservation rules (Unprivileged spec 8.2, "Zalrsc"), beyond the
# basics in rv64a.s:
#
#   - a newer LR replaces the reservation: an SC to the older address fails,
#     one to the newer succeeds;
#   - a reservation is for the LR's address: an SC to another address in
#     the same doubleword, or with a narrower size at an offset, fails and
#     stores nothing;
#   - a trap between LR and SC ends the reservation (this hart's choice;
#     the Privileged spec lets xRET or a trap clear it, and trap handlers
#     must not rely on it surviving), so the SC after the handler returns
#     fails;
#   - a store to the reserved doubleword that changes it makes the SC fail
#     (how this hart sees any other hart's store there, which the spec
#     requires to make it fail); a plain load or a store elsewhere does not
#     disturb the reservation;
#   - an SC that fails stores nothing and writes 1 to rd; rd = x0 is fine;
#   - an LR at a misaligned address raises load address misaligned, so no
#     reservation is ever for a misaligned address;
#   - an LR/SC loop is undisturbed by stores to a neighbouring doubleword.
        .include "common.inc"

test_main:
        la s0, buf

        # A newer LR replaces the reservation.
        TEST 1
        li t0, 10
        sd t0, 0(s0)
        li t0, 20
        sd t0, 8(s0)
        addi s1, s0, 8
        lr.d a0, (s0)
        lr.d a1, (s1)
        li a2, 11
        sc.d a3, a2, (s0)
        CHECK_NONZERO a3
        CHECK_MEM buf, 10
        TEST 2
        lr.d a0, (s0)
        lr.d a1, (s1)
        li a2, 21
        sc.d a3, a2, (s1)
        CHECK a3, 0
        CHECK_MEM buf + 8, 21

        # The reservation is for the LR's address.
        TEST 3
        li t0, 0x1111111122222222
        sd t0, 16(s0)
        addi s1, s0, 16
        addi s2, s0, 20
        lr.w a0, (s1)
        li a2, 0x3333
        sc.w a3, a2, (s2)
        CHECK_NONZERO a3
        CHECK_MEM buf + 16, 0x1111111122222222
        # and the reservation is gone after that failed SC
        TEST 4
        sc.w a3, a2, (s1)
        CHECK_NONZERO a3
        CHECK_MEM buf + 16, 0x1111111122222222
        # a word LR/SC in the upper half succeeds on its own address
        TEST 5
        lr.w a0, (s2)
        CHECK a0, 0x11111111
        li a2, -1
        sc.w a3, a2, (s2)
        CHECK a3, 0
        CHECK_MEM buf + 16, 0xffffffff22222222

        # A trap between LR and SC ends the reservation.
        TEST 6
        li t0, 50
        sd t0, 24(s0)
        addi s1, s0, 24
        EXPECT_TRAP CAUSE_ECALL_M, 1f
        lr.d a0, (s1)
        ecall
        j fail
1:      li a2, 51
        sc.d a3, a2, (s1)
        CHECK_NONZERO a3
        CHECK_MEM buf + 24, 50

        # A store that changes the reserved doubleword makes the SC fail.
        TEST 7
        lr.d a0, (s1)
        li t0, 60
        sd t0, 24(s0)
        li a2, 61
        sc.d a3, a2, (s1)
        CHECK_NONZERO a3
        CHECK_MEM buf + 24, 60
        # an AMO that changes it too
        TEST 8
        lr.d a0, (s1)
        li t0, 1
        amoadd.d zero, t0, (s1)
        li a2, 71
        sc.d a3, a2, (s1)
        CHECK_NONZERO a3
        CHECK_MEM buf + 24, 61
        # loads and stores elsewhere leave it alone
        TEST 9
        lr.d a0, (s1)
        ld t0, 0(s0)
        li t0, 99
        sd t0, 32(s0)
        sw t0, 40(s0)
        addi a0, a0, 1
        sc.d a3, a0, (s1)
        CHECK a3, 0
        CHECK_MEM buf + 24, 62

        # A failed SC writes exactly 1; rd = x0 still stores on success.
        TEST 10
        li a2, 5
        sc.d a3, a2, (s1)
        CHECK a3, 1
        lr.d a0, (s1)
        li a2, 63
        sc.d zero, a2, (s1)
        CHECK_MEM buf + 24, 63

        # A misaligned LR raises load address misaligned.
        TEST 11
        addi s2, s0, 2
        EXPECT_TRAP CAUSE_MISALIGNED_LOAD, 1f
        lr.w a0, (s2)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_MISALIGNED_LOAD, buf + 2

        # An LR/SC increment loop with a store to the next doubleword
        # between each LR and SC.
        TEST 12
        sd zero, 48(s0)
        sd zero, 56(s0)
        addi s1, s0, 48
        addi s2, s0, 56
        li a4, 100
2:      lr.d a0, (s1)
        sd a4, 0(s2)
        addi a0, a0, 2
        sc.d a3, a0, (s1)
        bnez a3, 2b
        addi a4, a4, -1
        bnez a4, 2b
        CHECK_MEM buf + 48, 200
        CHECK_MEM buf + 56, 1
        PASS

        .data
        .align 4
buf:    .space 64

# RV64M: multiply (all halves and signs), divide and remainder including
# division by zero and signed overflow (Unprivileged spec §13.2), word forms.
        .include "common.inc"
test_main:
        TEST_RR 1, mul, 0x0000000000001200, 0x80, 0x24
        TEST_RR 2, mul, 0xfffffffffffffffe, 0xffffffffffffffff, 2
        TEST_RR 3, mul, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff
        TEST_RR 4, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
        TEST_RR 5, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 1
        TEST_RR 6, mulh, 0x0000000000000000, 0xffffffffffffffff, 0xffffffffffffffff
        TEST_RR 7, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff
        TEST_RR 8, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff
        TEST_RR 9, mulhu, 0x0000000000000000, 0xffffffffffffffff, 1
        TEST_RR 10, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
        TEST_RR 11, mulhsu, 0x0000000000000000, 1, 0xffffffffffffffff
        TEST_RR 12, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x8000000000000000
        TEST_RR 13, mulw, 0x0000000000000001, 0xffffffff, 0xffffffff
        TEST_RR 14, mulw, 0xffffffff80000000, 0x40000000, 2
        TEST_RR 15, mulw, 0x0000000000000000, 0x100000000, 0x100000000

        TEST_RR 20, div, 0xfffffffffffffffd, 20, -6
        TEST_RR 21, div, 0x0000000000000003, -20, -6
        TEST_RR 22, div, 0xffffffffffffffff, 1, 0
        TEST_RR 23, div, 0x8000000000000000, 0x8000000000000000, -1
        TEST_RR 24, divu, 0x0000000000000000, 20, -6
        TEST_RR 25, divu, 0xffffffffffffffff, 20, 0
        TEST_RR 26, divu, 0x2aaaaaaaaaaaaaa7, -20, 6
        TEST_RR 27, rem, 0x0000000000000002, 20, -6
        TEST_RR 28, rem, 0xfffffffffffffffe, -20, 6
        TEST_RR 29, rem, 0x0000000000000014, 20, 0
        TEST_RR 30, rem, 0x0000000000000000, 0x8000000000000000, -1
        TEST_RR 31, remu, 0x0000000000000014, 20, -6
        TEST_RR 32, remu, 0xffffffffffffffec, -20, 0
        TEST_RR 33, remu, 0x0000000000000002, -20, 6

        TEST_RR 40, divw, 0xfffffffffffffffd, 20, -6
        TEST_RR 41, divw, 0xffffffff80000000, 0x80000000, -1
        TEST_RR 42, divw, 0xffffffffffffffff, 5, 0x100000000
        TEST_RR 43, divuw, 0x000000007ffffffc, 0xfffffff8, 2
        TEST_RR 44, divuw, 0xffffffffffffffff, 5, 0
        TEST_RR 45, divuw, 0xffffffff80000000, 0x80000000, 1
        TEST_RR 46, remw, 0x0000000000000000, 0x80000000, -1
        TEST_RR 47, remw, 0xfffffffffffffffe, -20, 6
        TEST_RR 48, remw, 0xffffffff80000000, 0x80000000, 0
        TEST_RR 49, remuw, 0x0000000000000001, 0xffffffff, 2
        TEST_RR 50, remuw, 0xffffffffffffffff, 0xffffffff, 0
        TEST_RR 51, remuw, 0x0000000000000005, 0xabcdef0000000005, 0x100000000 + 7
        PASS

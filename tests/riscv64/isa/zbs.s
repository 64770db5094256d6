# Zbs: single-bit operations (the bit index is taken modulo 64).
        .include "common.inc"
test_main:
        TEST_RR 1, bclr, 0xfffffffffffffffe, -1, 0
        TEST_RR 2, bclr, 0x7fffffffffffffff, -1, 63
        TEST_RR 3, bclr, 0xfffffffffffffffd, -1, 65
        TEST_RI 4, bclri, 0xffffffff7fffffff, -1, 31
        TEST_RR 5, bext, 1, 0x8000000000000000, 63
        TEST_RR 6, bext, 0, 0x8000000000000000, 127 - 1
        TEST_RI 7, bexti, 1, 0x10, 4
        TEST_RR 8, binv, 0x8000000000000001, 1, 63
        TEST_RR 9, binv, 0, 1, 64
        TEST_RI 10, binvi, 0x0000000000000000, 0x100000000, 32
        TEST_RR 11, bset, 0x8000000000000000, 0, 63
        TEST_RR 12, bset, 0x0000000000000001, 1, 128
        TEST_RI 13, bseti, 0x0000000080000000, 0, 31
        PASS

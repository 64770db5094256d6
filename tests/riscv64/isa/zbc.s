# Zbc: carry-less multiplication (low, high and reversed halves).
        .include "common.inc"
test_main:
        TEST_RR 1, clmul, 0x5, 3, 3
        TEST_RR 2, clmul, 0x5555555555555555, -1, -1
        TEST_RR 3, clmulh, 0x5555555555555555, -1, -1
        TEST_RR 4, clmulr, 0xaaaaaaaaaaaaaaaa, -1, -1
        TEST_RR 5, clmul, 0, 0x8000000000000000, 2
        TEST_RR 6, clmulh, 1, 0x8000000000000000, 2
        TEST_RR 7, clmulr, 2, 0x8000000000000000, 2
        TEST_RR 8, clmul, 0x0000000000000000, 0, -1
        TEST_RR 9, clmul, 0x00000000000000ff ^ 0x1fe, 0xff, 3
        TEST_RR 10, clmulh, 0, 0x7fffffffffffffff, 1
        PASS

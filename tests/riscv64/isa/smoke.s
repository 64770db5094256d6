        .include "common.inc"
test_main:
        TEST_RR 1, add, 5, 2, 3
        TEST_RI 2, addi, -1, 0, -1
        TEST 3
        li a0, 7
        CHECK a0, 7
        PASS

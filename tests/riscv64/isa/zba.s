# Zba: address generation (shifted adds, unsigned-word forms).
        .include "common.inc"
test_main:
        TEST_RR 1, add.uw, 0x00000001ffffffff, 0xffffffffffffffff, 0x100000000
        TEST_RR 2, add.uw, 0x0000000080000005, 0x1234567880000000, 5
        TEST_RR 3, sh1add, 0x0000000000000007, 3, 1
        TEST_RR 4, sh2add, 0x000000000000000d, 3, 1
        TEST_RR 5, sh3add, 0x0000000000000019, 3, 1
        TEST_RR 6, sh1add, 0x0000000000000000, 0x8000000000000000, 0
        TEST_RR 7, sh1add.uw, 0x00000001fffffffe, 0xffffffffffffffff, 0
        TEST_RR 8, sh2add.uw, 0x00000003fffffffb, 0xffffffffffffffff, -1
        TEST_RR 9, sh3add.uw, 0x0000000400000008, 0x1234567880000001, 0
        TEST_RI 10, slli.uw, 0x0000000ffffffff0, 0xabcdef01ffffffff, 4
        TEST_RI 11, slli.uw, 0x8000000000000000, 0x0000000080000000, 32
        TEST_RI 12, slli.uw, 0x0000000080000000, 0xffffffff80000000, 0
        # zext.w is add.uw rd, rs, zero
        TEST_R 13, zext.w, 0x00000000fedcba98, 0x76543210fedcba98
        PASS

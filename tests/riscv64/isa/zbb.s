# Zbb: basic bit manipulation.
        .include "common.inc"
test_main:
        TEST_RR 1, andn, 0x00f000f0, 0x00ff00ff, 0x0f0f0f0f
        TEST_RR 2, orn, 0xfffffffffffffff0, 0, 0xf
        TEST_RR 3, xnor, 0xffffffffffffff0f, 0xf0, 0
        TEST_R 10, clz, 64, 0
        TEST_R 11, clz, 0, 0x8000000000000000
        TEST_R 12, clz, 63, 1
        TEST_R 13, clzw, 32, 0xffffffff00000000
        TEST_R 14, clzw, 0, 0x80000000
        TEST_R 15, clzw, 31, 1
        TEST_R 16, ctz, 64, 0
        TEST_R 17, ctz, 63, 0x8000000000000000
        TEST_R 18, ctzw, 32, 0xffffffff00000000
        TEST_R 19, ctzw, 31, 0x80000000
        TEST_R 20, cpop, 64, -1
        TEST_R 21, cpop, 8, 0x0101010101010101
        TEST_R 22, cpopw, 32, -1
        TEST_R 23, cpopw, 0, 0xffffffff00000000
        TEST_RR 30, max, 1, -1, 1
        TEST_RR 31, maxu, -1, -1, 1
        TEST_RR 32, min, -1, -1, 1
        TEST_RR 33, minu, 1, -1, 1
        TEST_RR 34, min, 0x8000000000000000, 0x8000000000000000, 0x7fffffffffffffff
        TEST_R 40, sext.b, 0xffffffffffffff80, 0x1280
        TEST_R 41, sext.b, 0x7f, 0xff7f
        TEST_R 42, sext.h, 0xffffffffffff8000, 0x18000
        TEST_R 43, zext.h, 0x8000, 0xffffffffffff8000
        TEST_RR 50, rol, 0x0000000000000003, 0x8000000000000001, 1
        TEST_RR 51, rol, 0x8000000000000001, 0x8000000000000001, 64
        TEST_RR 52, ror, 0xc000000000000000, 0x8000000000000001, 1
        TEST_RI 53, rori, 0x2345678123456781, 0x1234567812345678, 60
        TEST_RR 54, rolw, 0x0000000000000003, 0x80000001, 1
        TEST_RR 55, rolw, 0xffffffff80000001, 0xc0000000, 33
        TEST_RR 56, rorw, 0xffffffffc0000000, 0x80000001, 1
        TEST_RI 57, roriw, 0x0000000023456781, 0xff12345678, 28
        TEST_RI 58, roriw, 0xffffffff87654321, 0x87654321, 0
        TEST_R 60, orc.b, 0xff00ff0000ffffff, 0x1000800000017f01
        TEST_R 61, rev8, 0x0807060504030201, 0x0102030405060708
        PASS

# HTIF as riscv-tests, riscv-arch-test and bare-metal programs use it:
# putchar with one 64-bit store and with two 32-bit stores (low half
# first), a proxied write() system call through a magic memory block, and
# finally the exit through a single 32-bit store of the low half (what
# riscv-arch-test's Spike target does).
# console: hello
# console: world
# console: proxied
        .include "common.inc"
        .equ SYS_WRITE, 64
test_main:
        TEST 1
        la a0, hello
        call print_str
        # two 32-bit stores: the command is taken at the high half
        TEST 2
        la s0, world
        la s1, tohost
1:      lbu a0, 0(s0)
        beqz a0, 3f
        sw a0, 0(s1)
        li t0, 0x01010000
        sw t0, 4(s1)
2:      ld t0, 0(s1)
        bnez t0, 2b
        ld t0, 64(s1)           # fromhost: device, command, 0x100 | char
        li t1, 0x0101000000000100
        or t1, t1, a0
        CHECK_REG t0, t1
        sd zero, 64(s1)
        addi s0, s0, 1
        j 1b
3:
        # a proxied write(1, buf, len)
        TEST 3
        la s0, magic
        li t0, SYS_WRITE
        sd t0, 0(s0)
        li t0, 1
        sd t0, 8(s0)
        la t0, proxied
        sd t0, 16(s0)
        li t0, 8
        sd t0, 24(s0)
        fence
        la s1, tohost
        sd s0, 0(s1)
1:      ld t0, 64(s1)
        beqz t0, 1b
        sd zero, 64(s1)
        fence
        ld a0, 0(s0)
        CHECK a0, 8
        # the exit: one 32-bit store of (0 << 1) | 1
        TEST 4
        li t0, 1
        la s1, tohost
        sw t0, 0(s1)
1:      j 1b

        .data
hello:  .asciz "hello\n"
world:  .asciz "world\n"
proxied: .ascii "proxied\n"
        .align 6
magic:  .dword 0, 0, 0, 0, 0, 0, 0, 0

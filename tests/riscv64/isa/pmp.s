# PMP (Privileged spec §3.7): NAPOT, TOR and NA4 regions, the lowest
# matching entry wins, S/U accesses with no matching entry fail, M-mode is
# checked only against locked entries, and locked entries cannot be
# changed. Faults are access faults with the address in mtval. (An
# access only partly inside an entry: pmp_partial.s.)
        .include "common.inc"
        .equ PMP_R, 1
        .equ PMP_W, 2
        .equ PMP_X, 4
        .equ PMP_TOR, 0x08
        .equ PMP_NA4, 0x10
        .equ PMP_NAPOT, 0x18
        .equ PMP_L, 0x80

# NAPOT_ADDR reg, label, size: reg = pmpaddr of the NAPOT region of `size`
# bytes (a power of two >= 8) at `label` (aligned to it).
.macro NAPOT_ADDR reg, label, size
        la \reg, \label
        srli \reg, \reg, 2
        ori \reg, \reg, (\size / 8) - 1
.endm

test_main:
        # entry 0: page0 no access; entry 1: page1 read-only; entry 2: TOR
        # from page1's end to page2's end, read/write; entry 3: NA4 on the
        # first word of page3, read; entry 7: everything else
        TEST 1
        NAPOT_ADDR t0, page0, 4096
        csrw pmpaddr0, t0
        NAPOT_ADDR t0, page1, 4096
        csrw pmpaddr1, t0
        la t0, page2 + 4096
        srli t0, t0, 2
        csrw pmpaddr2, t0
        la t0, page3
        srli t0, t0, 2
        csrw pmpaddr3, t0
        li t0, -1
        csrw pmpaddr7, t0
        li t0, (PMP_NAPOT) | ((PMP_NAPOT | PMP_R) << 8) | ((PMP_TOR | PMP_R | PMP_W) << 16) | ((PMP_NA4 | PMP_R) << 24)
        li t1, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
        or t0, t0, t1
        csrw pmpcfg0, t0
        sfence.vma
        csrr a0, pmpcfg0
        CHECK_REG a0, t0

        # M-mode ignores unlocked entries
        TEST 2
        la t0, page0
        sd zero, 0(t0)
        ld a0, 0(t0)
        CHECK a0, 0

        # S: entry 0 denies everything
        TEST 3
        EXPECT_TRAP CAUSE_LOAD_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, page0 + 8
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_LOAD_ACCESS, page0 + 8
        TEST 4
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, page0 + 16
        sw zero, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_STORE_ACCESS, page0 + 16
        TEST 5
        EXPECT_TRAP CAUSE_FETCH_ACCESS, 1f
        ENTER_MODE PRV_S, page0
1:      CHECK_TRAP_ADDR CAUSE_FETCH_ACCESS, page0
        # U: entry 1 allows reads only
        TEST 6
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        ENTER_MODE PRV_U, 2f
2:      la t0, page1
        ld a0, 0(t0)
        sd a0, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_STORE_ACCESS, page1
        # TOR: the range between pmpaddr1 and pmpaddr2 (page2), read/write
        TEST 7
        EXPECT_TRAP CAUSE_ECALL_U, 1f
        ENTER_MODE PRV_U, 2f
2:      la t0, page2
        li a0, 0x42
        sd a0, 8(t0)
        ld a0, 8(t0)
        ecall
1:      CHECK a0, 0x42
        # ...but not for fetches (no X)
        TEST 8
        EXPECT_TRAP CAUSE_FETCH_ACCESS, 1f
        ENTER_MODE PRV_U, page2
1:      CHECK_TRAP_ADDR CAUSE_FETCH_ACCESS, page2
        # NA4: four bytes readable, the next four fall to entry 7
        TEST 9
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, page3
        lw a0, 0(t0)
        sw a0, 4(t0)
        ecall
1:      TEST 10
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, page3
        sw a0, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_STORE_ACCESS, page3
        # with entry 7 off, nothing matches other addresses: S and U fail
        TEST 12
        csrr t0, pmpcfg0
        li t1, 0xff << 56
        not t1, t1
        and t0, t0, t1
        csrw pmpcfg0, t0
        sfence.vma
        EXPECT_TRAP CAUSE_FETCH_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      j fail
1:      CHECK_TRAP_ADDR CAUSE_FETCH_ACCESS, 2b
        # ...while M still runs everywhere
        la t0, page3
        sd zero, 8(t0)

        # locked entries bind M too, and cannot be changed
        TEST 13
        li t0, (PMP_NAPOT | PMP_R | PMP_L) << 32
        NAPOT_ADDR t1, page4, 4096
        csrw pmpaddr4, t1
        csrs pmpcfg0, t0
        sfence.vma
        la t0, page4
        ld a0, 0(t0)
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        sd zero, 0(t0)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_STORE_ACCESS, page4
        TEST 14
        csrw pmpaddr4, zero
        csrr a0, pmpaddr4
        CHECK_REG a0, t1
        li t0, 0xff << 32
        csrc pmpcfg0, t0
        csrr a0, pmpcfg0
        srli a0, a0, 32
        andi a0, a0, 0xff
        CHECK a0, PMP_NAPOT | PMP_R | PMP_L
        # M-mode fetches from a locked region without X fail
        TEST 15
        EXPECT_TRAP CAUSE_FETCH_ACCESS, 1f
        la t0, page4
        jr t0
1:      CHECK_TRAP_ADDR CAUSE_FETCH_ACCESS, page4
        PASS

        .data
        .balign 4096
page0:  .space 4096
page1:  .space 4096
page2:  .space 4096
page3:  .space 4096
page4:  .space 4096

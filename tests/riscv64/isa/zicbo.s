# Zicbom/Zicboz: cbo.clean/flush/inval/zero enabled below M-mode by
# menvcfg (and senvcfg for U: CBCFE, CBIE, CBZE), illegal otherwise with
# the bits in mtval; cbo.zero zeroes the aligned 64-byte block; the
# management ones fault only when neither a load nor a store could reach
# the block (CMO spec §2.5.2): a store page fault when translation allows
# no access (unmapped, or execute-only without MXR), a store access fault
# when PMP refuses it; mtval is the block's (aligned) address.
        .include "common.inc"
        .option arch, +zicbom, +zicboz
        .equ CSR_SENVCFG, 0x10a
        .equ CBIE_FLUSH, 1 << 4
        .equ CBIE_INVAL, 3 << 4
        .equ CBCFE, 1 << 6
        .equ CBZE, 1 << 7
        .equ PTE_VRWXAD, 0xcf
        .equ PTE_VXA, 0x49
        .equ SATP_SV39, 8 << 60
        .equ PMP_NA4, 0x10
        .equ PMP_NAPOT, 0x18
        .equ PMP_RWX, 7

# CHECK_TVAL label: the recorded mtval is the 32-bit instruction at label.
.macro CHECK_TVAL label
        la a0, \label
        lwu a0, 0(a0)
        la a1, trap_record + 8
        ld a1, 0(a1)
        CHECK_REG a1, a0
.endm

test_main:
        # M-mode: always enabled; cbo.zero clears the block of rs1
        TEST 1
        la t0, block
        li t1, -1
        sd t1, 64(t0)
        addi t2, t0, 24         # inside the block
        cbo.zero (t2)
        cbo.clean (t2)
        cbo.flush (t2)
        cbo.inval (t2)
        ld a0, 0(t0)
        CHECK a0, 0
        ld a0, 56(t0)
        CHECK a0, 0
        ld a0, 64(t0)
        CHECK a0, -1

        # S-mode with menvcfg clear: each is illegal
        TEST 2
        csrw CSR_MENVCFG, zero
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.clean (t0)
        j fail
1:      CHECK_TVAL 2b
        TEST 3
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.inval (t0)
        j fail
1:      CHECK_TVAL 2b
        TEST 4
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.zero (t0)
        j fail
1:      CHECK_TVAL 2b
        # each enable lets its own instructions through, not the others
        TEST 5
        li t1, CBCFE
        csrw CSR_MENVCFG, t1
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.clean (t0)
        cbo.flush (t0)
3:      cbo.zero (t0)
        j fail
1:      CHECK_TVAL 3b
        TEST 6
        li t1, CBIE_FLUSH | CBZE
        csrw CSR_MENVCFG, t1
        sd t1, 0(t0)
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.inval (t0)
        cbo.zero (t0)
        ecall
1:      ld a0, 0(t0)
        CHECK a0, 0

        # U-mode needs senvcfg too
        TEST 7
        li t1, CBIE_INVAL | CBCFE | CBZE
        csrw CSR_MENVCFG, t1
        csrw CSR_SENVCFG, zero
        EXPECT_TRAP CAUSE_ILLEGAL, 1f
        ENTER_MODE PRV_U, 2f
2:      cbo.flush (t0)
        j fail
1:      CHECK_TVAL 2b
        TEST 8
        li t1, CBIE_INVAL | CBCFE | CBZE
        csrw CSR_SENVCFG, t1
        EXPECT_TRAP CAUSE_ECALL_U, 1f
        ENTER_MODE PRV_U, 2f
2:      cbo.flush (t0)
        cbo.inval (t0)
        cbo.zero (t0)
        ecall
1:

        # PMP: a no-access word inside the block (entry 0, before the
        # catch-all): no load or store may reach the whole block
        TEST 9
        la t1, block + 8
        srli t1, t1, 2
        csrw pmpaddr0, t1
        li t1, -1
        csrw pmpaddr1, t1
        li t1, PMP_NA4 | ((PMP_NAPOT | PMP_RWX) << 8)
        csrw pmpcfg0, t1
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      addi t2, t0, 40
        cbo.clean (t2)
        j fail
1:      CHECK_TRAP_ADDR CAUSE_STORE_ACCESS, block
        TEST 10
        EXPECT_TRAP CAUSE_STORE_ACCESS, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.zero (t0)
        j fail
        # the next block is fine
1:      EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      addi t2, t0, 64
        cbo.inval (t2)
        ecall
1:      li t1, PMP_NAPOT | PMP_RWX
        csrw pmpcfg0, t1
        li t1, -1
        csrw pmpaddr0, t1

        # Sv39: RAM identity-mapped (1 GiB, RWX), VA 0xc0000000 -> RAM
        # execute-only, nothing at 0x40000000
        TEST 11
        la a0, pt_root
        li a1, 0x80000000 >> 2
        ori a1, a1, PTE_VRWXAD
        sd a1, 16(a0)
        li a1, 0x80000000 >> 2
        ori a1, a1, PTE_VXA
        sd a1, 24(a0)
        srli a0, a0, 12
        li a1, SATP_SV39
        or a0, a0, a1
        csrw satp, a0
        sfence.vma
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t2, 0x40000010
        cbo.flush (t2)
        j fail
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, 0x40000000
        TEST 12
        li t2, 0xc0000000 + 0x1234
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.clean (t2)
        j fail
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, 0xc0001200
        # with MXR the execute-only page is readable: allowed
        TEST 13
        li t1, MSTATUS_MXR
        csrs mstatus, t1
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.clean (t2)
        ecall
1:      li t1, MSTATUS_MXR
        csrc mstatus, t1
        # cbo.zero there is a store: a store page fault
        TEST 14
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      cbo.zero (t2)
        j fail
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, 0xc0001200
        csrw satp, zero
        sfence.vma
        PASS

        .data
        .balign 4096
pt_root:
        .space 4096
        .balign 64
block:  .space 128

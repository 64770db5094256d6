# Sv39 (and one Sv48) paging with page tables built by the test: S and U
# accesses through 4 KiB pages and a 1 GiB identity superpage, hardware
# A/D updates, SUM, MXR, MPRV, page faults and their stval (invalid, W
# without R, U/S mismatches, missing permissions, a misaligned superpage,
# a non-canonical address, an instruction straddling into an unmapped
# page), a 2 MiB superpage, and sfence.vma picking up a changed PTE.
        .include "common.inc"
        .equ PTE_V, 1
        .equ PTE_R, 2
        .equ PTE_W, 4
        .equ PTE_X, 8
        .equ PTE_U, 16
        .equ PTE_G, 32
        .equ PTE_A, 64
        .equ PTE_D, 128
        .equ VA, 0x40000000
        .equ SATP_SV39, 8 << 60
        .equ SATP_SV48, 9 << 60

# SET_PTE table, index, target, flags: table[index] = PTE(target, flags).
.macro SET_PTE table, index, target, flags
        la a0, \table
        li a1, \index
        la a2, \target
        li a3, \flags
        call set_pte
.endm

# READ_PTE reg, table, index
.macro READ_PTE reg, table, index
        la \reg, \table
        ld \reg, 8 * \index(\reg)
.endm

        # U-mode code, mapped at VA + 0x6000
        .section .text.user, "ax"
        .balign 4096
user_code:
        li t0, VA
        ld a0, 0(t0)
        ecall
        .balign 64              # at user_code + 0x40
user_store_ro:
        li t0, VA + 0x8000
        sd zero, 0(t0)
        ecall
        .balign 64              # at user_code + 0x80
user_load_s:
        li t0, VA + 0x7000
        ld a0, 0(t0)
        ecall


        .text
test_main:
        # tables: root[1] -> l1, l1[0] -> l0; root[2]: RAM, identity, 1 GiB
        la a0, pt_root
        li a1, 2
        li a2, 0x80000000
        li a3, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G
        call set_pte
        SET_PTE pt_root, 1, pt_l1, PTE_V
        SET_PTE pt_l1, 0, pt_l0, PTE_V
        SET_PTE pt_l0, 0, page_data, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
        SET_PTE pt_l0, 1, page_a, PTE_V | PTE_R | PTE_W | PTE_U
        SET_PTE pt_l0, 2, page_d, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A
        # pt_l0[3] stays invalid
        SET_PTE pt_l0, 4, page_data, PTE_V | PTE_W | PTE_U | PTE_A | PTE_D
        SET_PTE pt_l0, 5, page_x, PTE_V | PTE_X | PTE_A
        SET_PTE pt_l0, 6, user_code, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A
        SET_PTE pt_l0, 7, page_data, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        SET_PTE pt_l0, 8, page_data, PTE_V | PTE_R | PTE_U | PTE_A
        SET_PTE pt_l0, 9, page_data, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        SET_PTE pt_l0, 10, straddle_page, PTE_V | PTE_R | PTE_X | PTE_A
        # pt_l0[11] stays invalid: the second half of the straddling insn
        # l1[2]: a 2 MiB superpage at VA + 4 MiB onto the start of RAM
        la a0, pt_l1
        li a1, 2
        li a2, 0x80000000
        li a3, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        call set_pte
        # l1[1]: a 2 MiB superpage whose PPN is not 2 MiB aligned
        SET_PTE pt_l1, 1, page_data, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        # the pages' contents
        la t0, page_data
        li t1, 0x1111
        sd t1, 0(t0)
        la t0, page_a
        li t1, 0xaaaa
        sd t1, 0(t0)
        la t0, page_x
        li t1, 0x7777
        sd t1, 0(t0)

        la t0, pt_root
        srli t0, t0, 12
        li t1, SATP_SV39
        or t0, t0, t1
        csrw satp, t0
        sfence.vma

        # M-mode is not translated
        TEST 1
        la t0, page_a
        ld a0, 0(t0)
        CHECK a0, 0xaaaa

        # S through an S page, and through the identity superpage (running)
        TEST 2
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x7000
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0x1111

        # S reading a U page: a fault with SUM = 0, fine with SUM = 1
        TEST 3
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA
        TEST 4
        li t0, MSTATUS_SUM
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA
        ld a0, 0(t0)
        li t1, 0x2222
        sd t1, 8(t0)
        ecall
1:      CHECK a0, 0x1111
        CHECK_MEM page_data + 8, 0x2222
        # ...but never executing one
        TEST 5
        EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x6000
        jr t0
1:      CHECK_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0x6000

        # hardware A/D updates: a load sets A, a store sets A and D
        TEST 6
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x1000
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0xaaaa
        READ_PTE a0, pt_l0, 1
        andi a0, a0, PTE_A | PTE_D
        CHECK a0, PTE_A
        TEST 7
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x2000
        li t1, 0xdddd
        sd t1, 0(t0)
        ld a0, 0(t0)
        li t0, VA + 0x1000
        sw t1, 8(t0)
        ecall
1:      CHECK a0, 0xdddd
        READ_PTE a0, pt_l0, 2
        andi a0, a0, PTE_A | PTE_D
        CHECK a0, PTE_A | PTE_D
        READ_PTE a0, pt_l0, 1
        andi a0, a0, PTE_A | PTE_D
        CHECK a0, PTE_A | PTE_D
        CHECK_MEM page_d, 0xdddd

        # faults: invalid PTE, W without R, a misaligned superpage, a
        # non-canonical address
        TEST 8
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x3008
        sd zero, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, VA + 0x3008
        TEST 9
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x4010
        lw a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA + 0x4010
        TEST 10
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x4010
        sw a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, VA + 0x4010
        TEST 11
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x200000 + 0x18
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA + 0x200018
        TEST 12
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, 0x0000008000000000
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, 0x0000008000000000

        # MXR: an execute-only page is readable with MXR only
        TEST 13
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x5000
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA + 0x5000
        TEST 14
        li t0, MSTATUS_MXR
        csrs mstatus, t0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x5000
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0x7777
        li t0, MSTATUS_MXR
        csrc mstatus, t0

        # U-mode code on a U page: its own pages work, S pages and missing
        # permissions fault
        TEST 15
        EXPECT_TRAP CAUSE_ECALL_U, 1f
        ENTER_MODE_AT PRV_U, VA + 0x6000
1:      CHECK a0, 0x1111
        TEST 16
        EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f
        ENTER_MODE_AT PRV_U, VA + 0x6040
1:      CHECK_TRAP CAUSE_STORE_PAGE_FAULT, VA + 0x8000
        CHECK_MEM trap_record + 24, PRV_U
        TEST 17
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE_AT PRV_U, VA + 0x6080
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA + 0x7000
        # U jumping to an S page: an instruction page fault
        TEST 18
        EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, 1f
        ENTER_MODE_AT PRV_U, VA + 0x7000
1:      CHECK_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0x7000

        # MPRV: M-mode loads and stores translated as MPP's
        TEST 19
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_S << 11)
        csrs mstatus, t0
        li t0, VA
        ld a0, 0(t0)
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CHECK a0, 0x1111
        # with MPP = U, an S page faults (and the fault is an M trap)
        TEST 20
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV
        csrs mstatus, t0
        li t0, VA + 0x7000
        ld a0, 0(t0)
        j fail
1:      li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, VA + 0x7000

        # sfence.vma: a PTE changed to another page is seen after it
        TEST 21
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x9000
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0x1111
        SET_PTE pt_l0, 9, page_a, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x9000
        sfence.vma t0, zero
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0xaaaa
        # and a PTE made invalid faults after sfence.vma (all)
        SET_PTE pt_l0, 9, page_a, 0
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      sfence.vma
        li t0, VA + 0x9000
        ld a0, 0(t0)
        j fail
1:
        # an instruction whose second half is on an unmapped page: an
        # instruction page fault at that page, mepc at the instruction
        TEST 22
        EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, 1f
        ENTER_MODE_AT PRV_S, VA + 0xaffe
1:      CHECK_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0xb000
        CHECK_MEM trap_record + 16, VA + 0xaffe
        # a 2 MiB superpage
        TEST 23
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      la t0, page_data
        li t1, 0x80000000 - (VA + 0x400000)
        sub t0, t0, t1
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0x1111

        # Sv48: one more level above the same tables
        TEST 24
        SET_PTE pt_root48, 0, pt_root, PTE_V
        la t0, pt_root48
        srli t0, t0, 12
        li t1, SATP_SV48
        or t0, t0, t1
        csrw satp, t0
        csrr a0, satp
        CHECK_REG a0, t0
        sfence.vma
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, VA + 0x7000
        ld a0, 0(t0)
        ecall
1:      CHECK a0, 0x1111
        # under Sv48, bit 39 is a valid address bit: 0x80_0000_0000 is
        # VPN[3] = 1, unmapped
        EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f
        ENTER_MODE PRV_S, 2f
2:      li t0, 0x0000008000000000
        ld a0, 0(t0)
        j fail
1:      CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, 0x0000008000000000
        csrw satp, zero
        sfence.vma
        PASS

# set_pte(a0 = table, a1 = index, a2 = physical address, a3 = flags)
set_pte:
        srli a2, a2, 12
        slli a2, a2, 10
        or a2, a2, a3
        slli a1, a1, 3
        add a0, a0, a1
        sd a2, 0(a0)
        ret

        # A page ending with the first half of a 32-bit instruction
        # (addi a0, a0, 1), mapped at VA + 0xa000 with nothing after it.
        .balign 4096
straddle_page:
        .space 4094
        .hword 0x0513

        .data
        .balign 4096
pt_root:   .space 4096
pt_l1:     .space 4096
pt_l0:     .space 4096
pt_root48: .space 4096
page_data: .space 4096
page_a:    .space 4096
page_d:    .space 4096
page_x:    .space 4096

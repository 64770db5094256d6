# M-mode sets up PMP, delegation and Sv39 (root table address in a0, built
# by the test), then runs S-mode code with paging on: a store that sets a
# PTE's dirty bit, a load page fault handled in S-mode, and an ecall that
# goes to M-mode, which records it and waits forever (wfi, no interrupt).
        .option norvc
        .globl _start
_start:
        li      t0, -1
        csrw    pmpaddr0, t0
        li      t0, 0x1f                # NAPOT, RWX: all of memory
        csrw    pmpcfg0, t0
        la      t0, mtrap
        csrw    mtvec, t0
        li      t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
        csrw    medeleg, t0             # U ecall and page faults to S
        la      t0, strap
        csrw    stvec, t0
        li      t0, 8 << 60             # Sv39
        srli    t1, a0, 12
        or      t0, t0, t1
        csrw    satp, t0
        sfence.vma
        li      t0, 3 << 11
        csrc    mstatus, t0
        li      t0, 1 << 11             # MPP = S
        csrs    mstatus, t0
        la      t0, smain
        csrw    mepc, t0
        mret

smain:
        li      s0, 0x40000000          # a 4 KiB page, A and D clear
        li      s1, 0x1122334455667788
        sd      s1, 8(s0)
        ld      s2, 8(s0)
        li      s3, 0x50000000          # not mapped
        ld      s4, 0(s3)               # load page fault, skipped by strap
        addi    s9, s9, 1
ecall_here:
        ecall                           # from S: not delegated
        j       .

strap:
        csrr    s7, scause
        csrr    s8, stval
        csrr    t0, sepc
        addi    t0, t0, 4
        csrw    sepc, t0
        sret

mtrap:
        csrr    s5, mcause
        csrr    s6, mepc
        csrr    s10, mstatus
1:      wfi
        j       1b

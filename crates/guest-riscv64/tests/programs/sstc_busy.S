# Like sstc.S, but S-mode spins instead of waiting in wfi, so the timer
# interrupt must be noticed at a block boundary of running code; the
# handler stops the timer and ecalls to M-mode, which waits forever.
        .option norvc
        .globl _start
_start:
        li      t0, -1
        csrw    pmpaddr0, t0
        li      t0, 0x1f
        csrw    pmpcfg0, t0
        la      t0, mtrap
        csrw    mtvec, t0
        li      t0, 1 << 5
        csrw    mideleg, t0             # STI to S
        li      t0, 1 << 63
        csrs    menvcfg, t0             # STCE
        li      t0, 2
        csrw    mcounteren, t0          # TM: S may read time
        la      t0, strap
        csrw    stvec, t0
        li      t0, 1 << 11
        csrs    mstatus, t0             # MPP = S
        la      t0, smain
        csrw    mepc, t0
        mret

smain:
        csrr    s0, time
        li      t0, 100000
        add     t0, s0, t0
        csrw    stimecmp, t0
        li      t0, 1 << 5
        csrs    sie, t0
        csrsi   sstatus, 2              # SIE
spin:
        addi    s1, s1, 1
        j       spin

strap:
        csrr    s2, scause
        csrr    s3, time
        li      t0, -1
        csrw    stimecmp, t0
        ecall

mtrap:
        csrr    s5, mcause
1:      wfi
        j       1b

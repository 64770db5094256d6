# Interrupts: the CLINT's machine timer (mtimecmp) and software interrupt
# (msip), Sstc's stimecmp, priority between pending interrupts, mie/MIE
# gating, delegation of the supervisor timer to S (mideleg), vectored
# mtvec, WFI both with interrupts enabled (taken after the wfi) and
# globally disabled (wakes and goes on), and the software-writable SSIP and
# SEIP bits.
        .include "common.inc"
        .equ MIP_MSIP, 1 << 3
        .equ MIP_MTIP, 1 << 7
        .equ MIP_STIP, 1 << 5
        .equ MENVCFG_STCE, 1 << 63

# ARM_MTIMER delta: mtimecmp = mtime + delta.
.macro ARM_MTIMER delta
        li t0, CLINT_MTIME
        ld t1, 0(t0)
        addi t1, t1, \delta
        li t0, CLINT_MTIMECMP
        sd t1, 0(t0)
.endm

.macro DISARM_MTIMER
        li t0, CLINT_MTIMECMP
        li t1, -1
        sd t1, 0(t0)
.endm

# SETTLE: a few loop iterations, for an interrupt line to follow a device
# register write (the spec does not make the write visible in mip at the
# very next instruction; wemu samples the lines between blocks).
.macro SETTLE
        li t0, 4
.Lsettle\@:
        addi t0, t0, -1
        bnez t0, .Lsettle\@
.endm

test_main:
        # mtime advances
        TEST 1
        li t0, CLINT_MTIME
        ld a0, 0(t0)
        li t1, 10000
1:      addi t1, t1, -1
        bnez t1, 1b
        ld a1, 0(t0)
        bgeu a0, a1, fail

        # the machine timer: pending in mip once mtime >= mtimecmp; taken
        # when mie.MTIE and mstatus.MIE allow
        TEST 2
        DISARM_MTIMER
        csrr a0, mip
        andi a0, a0, MIP_MTIP
        CHECK a0, 0
        li t0, MIP_MTIP
        csrs mie, t0
        EXPECT_TRAP IRQ | 7, 1f
        ARM_MTIMER 50
        csrsi mstatus, MSTATUS_MIE
2:      j 2b
1:      csrr a0, mip
        andi a0, a0, MIP_MTIP
        CHECK a0, MIP_MTIP
        # mtval is 0 for interrupts
        CHECK_MEM trap_record + 8, 0
        DISARM_MTIMER
        SETTLE
        csrr a0, mip
        andi a0, a0, MIP_MTIP
        CHECK a0, 0

        # with MIE clear, a pending enabled interrupt waits; WFI wakes up
        # anyway and execution goes on after it
        TEST 3
        ARM_MTIMER 200
        wfi
        csrr a0, mip
        andi a0, a0, MIP_MTIP
        CHECK a0, MIP_MTIP
        # ...and is taken as soon as MIE is set, at the csrs's successor
        EXPECT_TRAP IRQ | 7, 1f
        csrsi mstatus, MSTATUS_MIE
2:      j fail
1:      CHECK_TRAP_EPC 2b
        DISARM_MTIMER

        # WFI with the interrupt enabled: taken with mepc after the wfi
        TEST 4
        ARM_MTIMER 100
        EXPECT_TRAP IRQ | 7, 1f
        csrsi mstatus, MSTATUS_MIE
        wfi
2:      j fail
1:      CHECK_TRAP_EPC 2b
        DISARM_MTIMER
        li t0, MIP_MTIP
        csrc mie, t0

        # the software interrupt, through the CLINT's msip
        TEST 5
        li t0, MIP_MSIP
        csrs mie, t0
        EXPECT_TRAP IRQ | 3, 1f
        li t0, CLINT_MSIP
        li t1, 1
        sw t1, 0(t0)
        csrsi mstatus, MSTATUS_MIE
2:      j 2b
1:      li t0, CLINT_MSIP
        sw zero, 0(t0)
        SETTLE
        csrr a0, mip
        andi a0, a0, MIP_MSIP
        CHECK a0, 0

        # priority: MSI before MTI (§3.1.9: MEI, MSI, MTI, SEI, SSI, STI)
        TEST 6
        li t0, MIP_MSIP | MIP_MTIP
        csrs mie, t0
        ARM_MTIMER 0
        li t0, CLINT_MSIP
        li t1, 1
        sw t1, 0(t0)
        EXPECT_TRAP IRQ | 3, 1f
        csrsi mstatus, MSTATUS_MIE
        j fail
1:      li t0, CLINT_MSIP
        sw zero, 0(t0)
        EXPECT_TRAP IRQ | 7, 1f
        csrsi mstatus, MSTATUS_MIE
        j fail
1:      DISARM_MTIMER
        csrw mie, zero

        # a lower mode is interrupted whatever its own enable bits say
        TEST 7
        li t0, MIP_MTIP
        csrs mie, t0
        ARM_MTIMER 100
        EXPECT_TRAP IRQ | 7, 1f
        ENTER_MODE PRV_U, 2f
2:      j 2b
1:      CHECK_MEM trap_record + 24, PRV_U
        DISARM_MTIMER
        csrw mie, zero

        # vectored mtvec: interrupt n goes to base + 4 * n, exceptions to base
        TEST 8
        la t0, vectors
        ori t0, t0, 1
        csrw mtvec, t0
        li t0, MIP_MTIP
        csrs mie, t0
        ARM_MTIMER 20
        csrsi mstatus, MSTATUS_MIE
2:      j 2b
vectored_mti:
        csrw mie, zero
        DISARM_MTIMER
        csrr a0, mcause
        CHECK a0, IRQ | 7
        # an exception with a vectored mtvec goes to the base
        la t0, 1f
        la t1, vectored_resume
        sd t0, 0(t1)
        ecall
        j fail
1:      la t0, trap_vector
        csrw mtvec, t0
        csrr a0, mcause
        CHECK a0, CAUSE_ECALL_M

        # Sstc: stimecmp raises mip.STIP while time >= stimecmp
        TEST 9
        li t0, MENVCFG_STCE
        csrs CSR_MENVCFG, t0
        li t0, -1
        csrw CSR_STIMECMP, t0
        csrr a0, mip
        andi a0, a0, MIP_STIP
        CHECK a0, 0
        csrr t0, time
        addi t0, t0, 50
        csrw CSR_STIMECMP, t0
        li t0, MIP_STIP
        csrs mie, t0
        EXPECT_TRAP IRQ | 5, 1f
        csrsi mstatus, MSTATUS_MIE
2:      j 2b
1:      csrr a0, mip
        andi a0, a0, MIP_STIP
        CHECK a0, MIP_STIP
        # mip.STIP is not writable under Sstc
        li t0, MIP_STIP
        csrc mip, t0
        csrr a0, mip
        andi a0, a0, MIP_STIP
        CHECK a0, MIP_STIP
        li t0, -1
        csrw CSR_STIMECMP, t0
        csrr a0, mip
        andi a0, a0, MIP_STIP
        CHECK a0, 0

        # the supervisor timer delegated to S, taken in S with sstatus.SIE
        # (S reads time and writes stimecmp: mcounteren.TM allows both)
        TEST 10
        li t0, 2
        csrw mcounteren, t0
        li t0, MIP_STIP
        csrw mideleg, t0
        csrw mie, t0
        S_EXPECT_TRAP IRQ | 5, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr t0, time
        addi t0, t0, 50
        csrw CSR_STIMECMP, t0
        csrsi sstatus, MSTATUS_SIE
3:      j 3b
1:      # in S, with SIE cleared by the handler; back to M by an ecall
        li t0, -1
        csrw CSR_STIMECMP, t0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ecall
1:      CHECK_MEM s_trap_record + 24, 1
        # WFI in S with the delegated timer, SIE clear: wakes, goes on
        TEST 11
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ENTER_MODE PRV_S, 2f
2:      csrr t0, time
        addi t0, t0, 300
        csrw CSR_STIMECMP, t0
        wfi
        csrr a0, sip
        li t0, -1
        csrw CSR_STIMECMP, t0
        ecall
1:      andi a0, a0, MIP_STIP
        CHECK a0, MIP_STIP
        csrw mideleg, zero
        csrw mie, zero

        # software-set S interrupts: SSIP delegated to S (set through sip
        # by S itself), SEIP taken in M (not delegated)
        TEST 12
        li t0, 1 << 1
        csrw mideleg, t0
        csrw mie, t0
        S_EXPECT_TRAP IRQ | 1, 1f
        ENTER_MODE PRV_S, 2f
2:      csrsi sstatus, MSTATUS_SIE
        csrsi sip, 1 << 1
3:      j 3b
1:      csrci sip, 1 << 1
        csrr a0, sip
        andi a0, a0, 1 << 1
        CHECK a0, 0
        EXPECT_TRAP CAUSE_ECALL_S, 1f
        ecall
1:      TEST 13
        csrw mideleg, zero
        li t0, 1 << 9
        csrw mie, t0
        EXPECT_TRAP IRQ | 9, 1f
        csrs mip, t0
        csrsi mstatus, MSTATUS_MIE
        j fail
1:      li t0, 1 << 9
        csrc mip, t0
        csrw mie, zero
        PASS

        # the vector table: entry 7 (MTI) handled, the others fail; entry
        # 0 (exceptions) resumes at `vectored_resume`
        .balign 256
        .option push
        .option norvc           # 4 bytes per entry
vectors:
        j vectored_exception
        .rept 6
        j fail
        .endr
        j vectored_mti
        .rept 8
        j fail
        .endr
        .option pop
vectored_exception:
        la t0, vectored_resume
        ld t0, 0(t0)
        csrw mepc, t0
        mret

        .data
        .align 3
vectored_resume: .dword 0

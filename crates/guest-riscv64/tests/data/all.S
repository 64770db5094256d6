# Every instruction the decoder supports, for the golden disassembly test.
# Assembled by regen.sh with binutils; tests/golden.rs compares our
# disassembly of each instruction against objdump's (all.golden).
#
# Sections: RV64I, M, A, F, D, Zicsr and CSR names, privileged, fences,
# Zba/Zbb/Zbc/Zbs, Zicbom/Zicboz, RVC, then raw encodings (HINTs, extremes,
# reserved and illegal encodings) and last the encodings where we deliberately
# differ from objdump (see DEVIATIONS in tests/golden.rs).

    .option norelax
    .option norvc
    .text
    .globl _start
_start:

# ---- RV64I ----
    lui     a0, 0x12345
    lui     t6, 0xfffff
    lui     zero, 0
    auipc   ra, 0x80000
    auipc   s11, 0
    jal     ra, _start
    jal     zero, 1f
1:  jalr    ra, 0(a0)
    jalr    zero, -2048(t0)
    jalr    s1, 2047(t1)
    beq     a0, a1, _start
    bne     a2, a3, 2f
    blt     a4, a5, 2f
    bge     a6, a7, _start
    bltu    s2, s3, 2f
2:  bgeu    s4, s5, 2b
    lb      a0, 0(a1)
    lh      t0, -1(t1)
    lw      t2, 2047(s0)
    ld      s1, -2048(sp)
    lbu     gp, 16(tp)
    lhu     s6, 8(s7)
    lwu     s8, 4(s9)
    sb      s10, 0(s11)
    sh      t3, -2(t4)
    sw      t5, 100(t6)
    sd      ra, 8(sp)
    addi    a0, a1, -16
    addi    zero, zero, 0
    addi    sp, sp, 2047
    addi    gp, gp, -2048
    slti    a0, a1, -1
    sltiu   a2, a3, 1
    sltiu   a2, a3, -1
    xori    a4, a5, -1
    ori     a6, a7, 0x7ff
    andi    s2, s3, 255
    slli    a0, a1, 0
    slli    a0, a1, 63
    srli    a2, a3, 1
    srli    a2, a3, 32
    srai    a4, a5, 63
    add     a0, a1, a2
    sub     a3, a4, a5
    sll     a6, a7, s2
    slt     s3, s4, s5
    sltu    s6, s7, s8
    xor     s9, s10, s11
    srl     t3, t4, t5
    sra     t6, t0, t1
    or      t2, s0, s1
    and     gp, tp, ra
    addiw   a0, a1, -1
    addiw   a0, a0, 0
    slliw   a2, a3, 31
    srliw   a4, a5, 0
    sraiw   a6, a7, 17
    addw    a0, a1, a2
    subw    a3, a4, a5
    sllw    a6, a7, s2
    srlw    s3, s4, s5
    sraw    s6, s7, s8
    ecall
    ebreak

# ---- M ----
    mul     a0, a1, a2
    mulh    a3, a4, a5
    mulhsu  a6, a7, s2
    mulhu   s3, s4, s5
    div     s6, s7, s8
    divu    s9, s10, s11
    rem     t3, t4, t5
    remu    t6, t0, t1
    mulw    a0, a1, a2
    divw    a3, a4, a5
    divuw   a6, a7, s2
    remw    s3, s4, s5
    remuw   s6, s7, s8

# ---- A ----
    lr.w        a0, (a1)
    lr.w.aq     a0, (a1)
    lr.w.rl     a0, (a1)
    lr.w.aqrl   a0, (a1)
    sc.w        a0, a2, (a1)
    sc.w.aq     a0, a2, (a1)
    sc.w.rl     a0, a2, (a1)
    sc.w.aqrl   a0, a2, (a1)
    amoswap.w   a0, a1, (a2)
    amoadd.w    a3, a4, (a5)
    amoxor.w    a6, a7, (s2)
    amoand.w    s3, s4, (s5)
    amoor.w     s6, s7, (s8)
    amomin.w    s9, s10, (s11)
    amomax.w    t3, t4, (t5)
    amominu.w   t6, t0, (t1)
    amomaxu.w   t2, s0, (s1)
    amoadd.w.aq     a0, a1, (a2)
    amoadd.w.rl     a0, a1, (a2)
    amoadd.w.aqrl   a0, a1, (a2)
    lr.d        a0, (a1)
    lr.d.aqrl   t0, (sp)
    sc.d        a0, a2, (a1)
    sc.d.rl     a0, a2, (a1)
    amoswap.d   a0, a1, (a2)
    amoadd.d    a3, a4, (a5)
    amoxor.d    a6, a7, (s2)
    amoand.d    s3, s4, (s5)
    amoor.d     s6, s7, (s8)
    amomin.d    s9, s10, (s11)
    amomax.d    t3, t4, (t5)
    amominu.d   t6, t0, (t1)
    amomaxu.d   t2, s0, (s1)
    amoswap.d.aq    zero, a1, (a2)
    amomaxu.d.aqrl  a0, a1, (a2)

# ---- F ----
    flw         ft0, 0(a0)
    flw         fa0, -4(sp)
    fsw         ft1, 2047(a1)
    fsw         fs11, -2048(t6)
    fmadd.s     ft0, ft1, ft2, ft3
    fmadd.s     fa0, fa1, fa2, fa3, rne
    fmsub.s     fs0, fs1, fs2, fs3, rtz
    fnmsub.s    fs4, fs5, fs6, fs7, rdn
    fnmadd.s    fs8, fs9, fs10, fs11, rup
    fadd.s      ft4, ft5, ft6
    fadd.s      ft4, ft5, ft6, rne
    fadd.s      ft4, ft5, ft6, rtz
    fadd.s      ft4, ft5, ft6, rdn
    fadd.s      ft4, ft5, ft6, rup
    fadd.s      ft4, ft5, ft6, rmm
    fsub.s      ft7, ft8, ft9
    fmul.s      ft10, ft11, fa4, rmm
    fdiv.s      fa5, fa6, fa7
    fsqrt.s     fa0, fa1
    fsqrt.s     fa0, fa1, rtz
    fsgnj.s     fa0, fa1, fa2
    fsgnjn.s    fa0, fa1, fa2
    fsgnjx.s    fa0, fa1, fa2
    fmin.s      fa3, fa4, fa5
    fmax.s      fa3, fa4, fa5
    fcvt.w.s    a0, fa0
    fcvt.w.s    a0, fa0, rtz
    fcvt.wu.s   a1, fa1, rne
    fcvt.l.s    a2, fa2
    fcvt.lu.s   a3, fa3, rmm
    fmv.x.w     a4, fa4
    feq.s       a5, fa5, fa6
    flt.s       a6, fa6, fa7
    fle.s       a7, fa7, ft0
    fclass.s    t0, ft1
    fcvt.s.w    fa0, a0
    fcvt.s.wu   fa1, a1, rtz
    fcvt.s.l    fa2, a2
    fcvt.s.lu   fa3, a3, rdn
    fmv.w.x     fa4, a4

# ---- D ----
    fld         ft0, 0(a0)
    fld         fs0, 2040(sp)
    fsd         ft1, -8(a1)
    fsd         fs1, 16(sp)
    fmadd.d     ft0, ft1, ft2, ft3
    fmsub.d     fa0, fa1, fa2, fa3, rne
    fnmsub.d    fs0, fs1, fs2, fs3
    fnmadd.d    fs8, fs9, fs10, fs11, rmm
    fadd.d      fa0, fa1, fa2
    fadd.d      fa0, fa1, fa2, rne
    fsub.d      ft7, ft8, ft9, rup
    fmul.d      ft10, ft11, fa4
    fdiv.d      fa5, fa6, fa7, rdn
    fsqrt.d     fa0, fa1
    fsgnj.d     fa0, fa1, fa2
    fsgnjn.d    fa0, fa1, fa2
    fsgnjx.d    fa0, fa1, fa2
    fmin.d      fa3, fa4, fa5
    fmax.d      fa3, fa4, fa5
    fcvt.s.d    fa0, fa1
    fcvt.s.d    fa0, fa1, rtz
    fcvt.d.s    fa0, fa1
    feq.d       a5, fa5, fa6
    flt.d       a6, fa6, fa7
    fle.d       a7, fa7, ft0
    fclass.d    t0, ft1
    fcvt.w.d    a0, fa0
    fcvt.wu.d   a1, fa1, rtz
    fcvt.l.d    a2, fa2, rup
    fcvt.lu.d   a3, fa3
    fmv.x.d     a4, fa4
    fcvt.d.w    fa0, a0
    fcvt.d.wu   fa1, a1
    fcvt.d.l    fa2, a2
    fcvt.d.l    fa2, a2, rtz
    fcvt.d.lu   fa3, a3, rne
    fmv.d.x     fa4, a4

# ---- Zicsr ----
    csrrw   t0, mstatus, t1
    csrrs   a0, misa, zero
    csrrc   zero, mie, a1
    csrrwi  zero, sstatus, 5
    csrrsi  a2, sie, 31
    csrrci  a3, sip, 0
    csrrw   zero, 0x7c0, a0
    csrrs   a0, 0x800, zero
    csrrs   a0, 0xcc0, zero
    csrrs   a0, 0x5c0, zero
    csrrs   a0, 0xfff, zero
    csrrs   a0, 0x000, zero
    # Every CSR the disassembler names.
    .irp csr, fflags, frm, fcsr, cycle, time, instret, sstatus, sie, stvec, scounteren, senvcfg, sstateen0, sstateen1, sstateen2, sstateen3, sscratch, sepc, scause, stval, sip, stimecmp, siselect, sireg, stopei, satp, scontext, scountovf, stopi
    csrrs   a0, \csr, zero
    .endr
    .irp csr, mvendorid, marchid, mimpid, mhartid, mconfigptr, mstatus, misa, medeleg, mideleg, mie, mtvec, mcounteren, mvien, mvip, menvcfg, mstateen0, mstateen1, mstateen2, mstateen3, mcountinhibit, mscratch, mepc, mcause, mtval, mip, mtinst, mtval2, miselect, mireg, mtopei, mseccfg, mcycle, minstret, mtopi
    csrrs   a0, \csr, zero
    .endr
    .irp csr, tselect, tdata1, tdata2, tdata3, tinfo, tcontrol, mcontext, mscontext, dcsr, dpc, dscratch0, dscratch1
    csrrs   a0, \csr, zero
    .endr
    .irp n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    csrrs   a0, hpmcounter\n, zero
    csrrs   a0, mhpmcounter\n, zero
    csrrs   a0, mhpmevent\n, zero
    .endr
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    csrrs   a0, pmpcfg\n, zero
    .endr
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
    csrrs   a0, pmpaddr\n, zero
    .endr

# ---- Privileged ----
    mret
    sret
    wfi
    sfence.vma zero, zero
    sfence.vma a0, zero
    sfence.vma a0, a1
    unimp

# ---- Fences (base, Zifencei, Zihintpause) ----
    fence   iorw, iorw
    fence   rw, rw
    fence   r, w
    fence   i, o
    fence   ow, ir
    fence.tso
    fence.i
    pause

# ---- Zba ----
    add.uw      a0, a1, a2
    add.uw      a0, a1, zero
    sh1add      a0, a1, a2
    sh2add      a3, a4, a5
    sh3add      a6, a7, s2
    sh1add.uw   a0, a1, a2
    sh2add.uw   a3, a4, a5
    sh3add.uw   a6, a7, s2
    slli.uw     a0, a1, 0
    slli.uw     a0, a1, 63

# ---- Zbb ----
    andn    a0, a1, a2
    orn     a3, a4, a5
    xnor    a6, a7, s2
    clz     a0, a1
    clzw    a2, a3
    ctz     a4, a5
    ctzw    a6, a7
    cpop    s2, s3
    cpopw   s4, s5
    max     a0, a1, a2
    maxu    a3, a4, a5
    min     a6, a7, s2
    minu    s3, s4, s5
    sext.b  a0, a1
    sext.h  a2, a3
    zext.h  a4, a5
    rol     a0, a1, a2
    rolw    a3, a4, a5
    ror     a6, a7, s2
    rorw    s3, s4, s5
    rori    a0, a1, 0
    rori    a0, a1, 63
    roriw   a2, a3, 31
    orc.b   a4, a5
    rev8    a6, a7

# ---- Zbc ----
    clmul   a0, a1, a2
    clmulh  a3, a4, a5
    clmulr  a6, a7, s2

# ---- Zbs ----
    bclr    a0, a1, a2
    bclri   a0, a1, 63
    bext    a3, a4, a5
    bexti   a3, a4, 0
    binv    a6, a7, s2
    binvi   a6, a7, 32
    bset    s3, s4, s5
    bseti   s3, s4, 1

# ---- Zicbom / Zicboz ----
    cbo.clean   (a0)
    cbo.flush   (a1)
    cbo.inval   (sp)
    cbo.zero    (t6)

# ---- RVC ----
    .option rvc
3:  c.addi4spn  s0, sp, 4
    c.addi4spn  a5, sp, 1020
    c.fld       fs0, 0(s1)
    c.fld       fa5, 248(a5)
    c.lw        a0, 0(a1)
    c.lw        s1, 124(a4)
    c.lw        a2, 64(a3)
    c.ld        a0, 0(a1)
    c.ld        a3, 248(s0)
    c.fsd       fa0, 8(a1)
    c.sw        a0, 4(a1)
    c.sw        s0, 124(a5)
    c.sd        a0, 128(a1)
    c.nop
    c.addi      a0, 1
    c.addi      sp, -32
    c.addi      t6, 31
    c.addiw     a0, -1
    c.addiw     s1, 0
    c.li        a0, -32
    c.li        t0, 31
    c.addi16sp  sp, -512
    c.addi16sp  sp, 496
    c.addi16sp  sp, 16
    c.lui       a0, 1
    c.lui       t1, 0x1f
    c.lui       s2, 0xfffe0
    c.lui       ra, 0xfffff
    c.srli      a0, 1
    c.srli      s1, 63
    c.srai      a5, 32
    c.andi      a4, -1
    c.andi      s0, 31
    c.sub       a0, a1
    c.xor       s0, s1
    c.or        a2, a3
    c.and       a4, a5
    c.subw      a0, a1
    c.addw      s1, a5
    c.j         3b
    c.j         4f
    c.beqz      a0, 3b
    c.bnez      s1, 4f
    c.slli      a0, 1
    c.slli      t6, 63
4:  c.fldsp     fa0, 0(sp)
    c.fldsp     ft11, 504(sp)
    c.lwsp      a0, 252(sp)
    c.lwsp      ra, 0(sp)
    c.ldsp      s0, 504(sp)
    c.ldsp      t6, 8(sp)
    c.jr        ra
    c.jr        t6
    c.mv        a0, a1
    c.ebreak
    c.jalr      a0
    c.add       a0, a1
    c.add       sp, t6
    c.fsdsp     fs0, 504(sp)
    c.swsp      a0, 252(sp)
    c.sdsp      ra, 504(sp)
    c.sdsp      t6, 0(sp)

# ---- Raw encodings: HINTs (legal), extremes ----
    .option norvc
    .insn 0x80b50063    # beq a0, a1, -4096
    .insn 0x7eb50fe3    # beq a0, a1, +4094
    .insn 0x800000ef    # jal ra, -1 MiB
    .insn 0x7ffff0ef    # jal ra, +1 MiB - 2
    .insn 0x00500013    # addi zero, zero, 5 (HINT)
    .insn 0x00a00033    # add zero, zero, a0 (HINT)
    .insn 0x4000d013    # srai zero, ra, 0 (HINT)
    .insn 0x0015e013    # ori zero, a1, 1 (Zicbop prefetch.i slot: a HINT without Zicbop)
    .insn 0x0300000f    # fence rw, 0 (HINT)
    .insn 0x0030000f    # fence 0, rw (HINT)
    .insn 0x0000000f    # fence 0, 0 (HINT)
    .insn 0x0005200f    # cbo.inval (a0)
    .insn 0x02c5d553    # fadd.d with reserved rm 5
    .insn 0x02c5e553    # fadd.d with reserved rm 6
    .insn 0x42058553    # fcvt.d.s rne
    .option rvc
    .insn 0x0001        # c.nop
    .insn 0x0009        # c.nop 2 (HINT)
    .insn 0x0101        # c.addi sp, 0 (HINT)
    .insn 0x4005        # c.li zero, 1 (HINT)
    .insn 0x6005        # c.lui zero, 1 (HINT)
    .insn 0x8006        # c.mv zero, ra (HINT)
    .insn 0x9006        # c.add zero, ra (HINT)
    .insn 0x0002        # c.slli zero, 0 (HINT)
    .insn 0x0502        # c.slli a0, 0 (HINT)
    .insn 0x1502        # c.slli a0, 32
    .insn 0x8101        # c.srli a0, 0 (HINT)
    .insn 0x8501        # c.srai a0, 0 (HINT)
    .insn 0x9101        # c.srli a0, 32
    .insn 0x2505        # c.addiw a0, 1
    .insn 0x2002        # c.fldsp ft0, 0(sp)

# ---- Raw encodings: reserved and illegal ----
    .insn 0x0000        # all-zero parcel
    .insn 0x0004        # c.addi4spn with nzuimm 0
    .insn 0x8000        # quadrant 0, funct3 100
    .insn 0x2001        # c.addiw zero
    .insn 0x6501        # c.lui a0, 0
    .insn 0x8002        # c.jr zero
    .insn 0x4002        # c.lwsp zero
    .insn 0x6002        # c.ldsp zero
    .insn 0x9c41        # quadrant 1 funct6 100111, 10 (Zcb)
    .insn 0x9c61        # quadrant 1 funct6 100111, 11 (Zcb)
    .option norvc
    .insn 0x00000003 | (7 << 12)    # load funct3 111
    .insn 0x00000023 | (4 << 12)    # store funct3 100
    .insn 0x00002063                # branch funct3 010
    .insn 0x00001067                # jalr funct3 001
    .insn 0x0205959b                # slliw with shamt[5] set
    .insn 0x0205d59b                # srliw with shamt[5] set
    .insn 0x020595bb                # OP-32 funct7 1 funct3 1
    .insn 0x1015b52f                # lr.d with rs2 != 0
    .insn 0x0015c52f                # AMO funct3 100
    .insn 0xf8b5352f                # AMO funct5 11111
    .insn 0x0015208f                # cbo.clean with rd != 0
    .insn 0x0085200f                # cbo with funct12 8
    .insn 0x0000300f                # MISC-MEM funct3 011
    .insn 0x00100173                # ebreak with rd != 0
    .insn 0x12000173                # sfence.vma with rd != 0
    .insn 0x62000073                # hfence.gvma (H)
    .insn 0x0005c073                # SYSTEM funct3 100 (H loads)
    .insn 0x0805553b                # OP-32 funct7 0000100 funct3 101
    .insn 0x08b5453b                # zext.h slot with rs2 != 0
    .insn 0x6b955513                # rev8 slot with a wrong low bit
    .insn 0x69855513                # rev8.rv32 encoding (RV32 only)
    .insn 0x60651513                # OP-IMM funct3 001 funct12 0x606
    .insn 0x0a05551b                # OP-IMM-32 funct7 0000101 funct3 101
    .insn 0x4025f553                # fcvt.s.h (Zfh)
    .insn 0x04c5f553                # fadd.h (Zfh)
    .insn 0x06c5f553                # fadd.q (Q)
    .insn 0x22c5b553                # fsgnj.d funct3 011
    .insn 0x2ac5a553                # fmin.d funct3 010
    .insn 0xa2c5b553                # feq.d funct3 011
    .insn 0xe205a553                # fclass.d funct3 010
    .insn 0xe215a553                # fmv.x.d rs2 != 0
    .insn 0xf2059553                # fmv.d.x funct3 001
    .insn 0x5815f553                # fsqrt.s rs2 != 0
    .insn 0xc045f553                # fcvt.w.s rs2 4
    .insn 0xf0150553                # fli.s (Zfa)
    .insn 0x00051507                # LOAD-FP funct3 001 (flh)
    .insn 0x00a51027                # STORE-FP funct3 001 (fsh)
    .insn 0x0000000b                # custom-0
    .insn 0x00000057                # OP-V
    .insn 0x00000077                # OP-VE / reserved

# ---- Deliberate deviations from objdump (tests/golden.rs, DEVIATIONS) ----
    .option rvc
    .insn 0x6101        # c.addi16sp sp, 0: reserved by the spec; objdump accepts it
    .option norvc
    .insn 0x7b200073    # dret: Sdext debug mode, not supported
    .insn 0x00200073    # uret: the N extension, withdrawn and not supported
    .insn 0x8ff0000f    # fence with reserved fm=1000, pred=succ=iorw
    .insn 0x0105000f    # fence w, 0 with rs1 != 0 (reserved field, ignored)
    .insn 0x0010100f    # fence.i with imm != 0 (reserved field, ignored)
    .insn 0x4205f553    # fcvt.d.s fa0, fa1, dyn
    .insn 0xd205f553    # fcvt.d.w fa0, a1, dyn
    .insn 0xd2159553    # fcvt.d.wu fa0, a1, rtz

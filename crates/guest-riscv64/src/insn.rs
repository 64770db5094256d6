//! [`Insn`]: one variant per instruction of RV64IMAFDC, Zicsr, Zifencei,
//! Zba/Zbb/Zbc/Zbs, Zicbom/Zicboz, Zihintpause and the privileged
//! instructions the Privileged spec defines for M and S mode.
//!
//! Compressed instructions have no variants of their own: the decoder expands
//! each to the 32-bit instruction the RVC chapter defines it as (`c.addi` is
//! an [`Insn::Addi`], `c.jr` a [`Insn::Jalr`], `c.ebreak` an
//! [`Insn::Ebreak`]). HINT encodings, which are legal and execute as no-ops
//! apart from their defined effect (none, for the base ISA), decode to the
//! instruction they are encoded as (`addi x0, x0, 5` is an `Addi`).

use crate::operands::*;

/// Defines [`Insn`], [`Insn::mnemonic`] and [`Insn::operands`] from one list,
/// so a variant, its mnemonic and its operand shape cannot drift apart.
macro_rules! define_insns {
    (
        with_operands { $( $(#[$doc:meta])* $name:ident($ops:ident) = $mnem:literal, )* }
        without_operands { $( $(#[$pdoc:meta])* $pname:ident = $pmnem:literal, )* }
    ) => {
        /// A decoded instruction.
        ///
        /// Variants are named after the spec's mnemonics; the operands are
        /// already extracted and sign-extended (see [`crate::operands`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Insn {
            $( $(#[$doc])* $name($ops), )*
            $( $(#[$pdoc])* $pname, )*
            /// Not a valid encoding of any supported instruction (including
            /// reserved encodings). Holds the raw bits: a 16-bit parcel
            /// zero-extended for compressed encodings.
            Illegal(u32),
        }

        /// Every mnemonic [`Insn::mnemonic`] can return for a valid
        /// instruction, in declaration order.
        #[cfg(feature = "testing")]
        pub(crate) const MNEMONICS: &[&str] = &[$( $mnem, )* $( $pmnem, )*];

        impl Insn {
            /// The assembler mnemonic, without the `.aq`/`.rl` ordering
            /// suffixes of the atomics (`"amoadd.w"`); `"illegal"` for
            /// [`Insn::Illegal`].
            pub const fn mnemonic(&self) -> &'static str {
                match self {
                    $( Insn::$name(_) => $mnem, )*
                    $( Insn::$pname => $pmnem, )*
                    Insn::Illegal(_) => "illegal",
                }
            }

            /// The operands, for the disassembler; `None` for instructions
            /// without operands and for `Illegal`.
            pub(crate) fn operands(&self) -> Option<&dyn crate::disasm::Operands> {
                match self {
                    $( Insn::$name(ops) => Some(ops), )*
                    $( Insn::$pname => None, )*
                    Insn::Illegal(_) => None,
                }
            }
        }
    };
}

define_insns! {
    with_operands {
        // ---- RV64I (Unprivileged spec chapters 2 and 5) ----
        /// Load upper immediate.
        Lui(UType) = "lui",
        /// Add upper immediate to PC.
        Auipc(UType) = "auipc",
        /// Jump and link.
        Jal(JType) = "jal",
        /// Jump and link register.
        Jalr(IType) = "jalr",
        Beq(BType) = "beq",
        Bne(BType) = "bne",
        Blt(BType) = "blt",
        Bge(BType) = "bge",
        Bltu(BType) = "bltu",
        Bgeu(BType) = "bgeu",
        Lb(IType) = "lb",
        Lh(IType) = "lh",
        Lw(IType) = "lw",
        Ld(IType) = "ld",
        Lbu(IType) = "lbu",
        Lhu(IType) = "lhu",
        Lwu(IType) = "lwu",
        Sb(SType) = "sb",
        Sh(SType) = "sh",
        Sw(SType) = "sw",
        Sd(SType) = "sd",
        Addi(IType) = "addi",
        Slti(IType) = "slti",
        Sltiu(IType) = "sltiu",
        Xori(IType) = "xori",
        Ori(IType) = "ori",
        Andi(IType) = "andi",
        Slli(ShiftImm) = "slli",
        Srli(ShiftImm) = "srli",
        Srai(ShiftImm) = "srai",
        Add(RType) = "add",
        Sub(RType) = "sub",
        Sll(RType) = "sll",
        Slt(RType) = "slt",
        Sltu(RType) = "sltu",
        Xor(RType) = "xor",
        Srl(RType) = "srl",
        Sra(RType) = "sra",
        Or(RType) = "or",
        And(RType) = "and",
        Addiw(IType) = "addiw",
        Slliw(ShiftImm) = "slliw",
        Srliw(ShiftImm) = "srliw",
        Sraiw(ShiftImm) = "sraiw",
        Addw(RType) = "addw",
        Subw(RType) = "subw",
        Sllw(RType) = "sllw",
        Srlw(RType) = "srlw",
        Sraw(RType) = "sraw",
        /// Memory ordering fence; `fence.tso` is `Fence` with
        /// [`Fence::is_tso`]. `pause` has its own variant.
        Fence(Fence) = "fence",

        // ---- Zicsr (chapter 9) ----
        Csrrw(CsrReg) = "csrrw",
        Csrrs(CsrReg) = "csrrs",
        Csrrc(CsrReg) = "csrrc",
        Csrrwi(CsrImm) = "csrrwi",
        Csrrsi(CsrImm) = "csrrsi",
        Csrrci(CsrImm) = "csrrci",

        // ---- M (chapter 7) ----
        Mul(RType) = "mul",
        Mulh(RType) = "mulh",
        Mulhsu(RType) = "mulhsu",
        Mulhu(RType) = "mulhu",
        Div(RType) = "div",
        Divu(RType) = "divu",
        Rem(RType) = "rem",
        Remu(RType) = "remu",
        Mulw(RType) = "mulw",
        Divw(RType) = "divw",
        Divuw(RType) = "divuw",
        Remw(RType) = "remw",
        Remuw(RType) = "remuw",

        // ---- A (chapter 8) ----
        LrW(Lr) = "lr.w",
        ScW(Amo) = "sc.w",
        AmoswapW(Amo) = "amoswap.w",
        AmoaddW(Amo) = "amoadd.w",
        AmoxorW(Amo) = "amoxor.w",
        AmoandW(Amo) = "amoand.w",
        AmoorW(Amo) = "amoor.w",
        AmominW(Amo) = "amomin.w",
        AmomaxW(Amo) = "amomax.w",
        AmominuW(Amo) = "amominu.w",
        AmomaxuW(Amo) = "amomaxu.w",
        LrD(Lr) = "lr.d",
        ScD(Amo) = "sc.d",
        AmoswapD(Amo) = "amoswap.d",
        AmoaddD(Amo) = "amoadd.d",
        AmoxorD(Amo) = "amoxor.d",
        AmoandD(Amo) = "amoand.d",
        AmoorD(Amo) = "amoor.d",
        AmominD(Amo) = "amomin.d",
        AmomaxD(Amo) = "amomax.d",
        AmominuD(Amo) = "amominu.d",
        AmomaxuD(Amo) = "amomaxu.d",

        // ---- F (chapter 11) ----
        Flw(FLoad) = "flw",
        Fsw(FStore) = "fsw",
        FmaddS(FR4Type) = "fmadd.s",
        FmsubS(FR4Type) = "fmsub.s",
        FnmsubS(FR4Type) = "fnmsub.s",
        FnmaddS(FR4Type) = "fnmadd.s",
        FaddS(FRTypeRm) = "fadd.s",
        FsubS(FRTypeRm) = "fsub.s",
        FmulS(FRTypeRm) = "fmul.s",
        FdivS(FRTypeRm) = "fdiv.s",
        FsqrtS(FUnaryRm) = "fsqrt.s",
        FsgnjS(FRType) = "fsgnj.s",
        FsgnjnS(FRType) = "fsgnjn.s",
        FsgnjxS(FRType) = "fsgnjx.s",
        FminS(FRType) = "fmin.s",
        FmaxS(FRType) = "fmax.s",
        FcvtWS(FToXRm) = "fcvt.w.s",
        FcvtWuS(FToXRm) = "fcvt.wu.s",
        FcvtLS(FToXRm) = "fcvt.l.s",
        FcvtLuS(FToXRm) = "fcvt.lu.s",
        FmvXW(FToX) = "fmv.x.w",
        FeqS(FCmp) = "feq.s",
        FltS(FCmp) = "flt.s",
        FleS(FCmp) = "fle.s",
        FclassS(FToX) = "fclass.s",
        FcvtSW(XToFRm) = "fcvt.s.w",
        FcvtSWu(XToFRm) = "fcvt.s.wu",
        FcvtSL(XToFRm) = "fcvt.s.l",
        FcvtSLu(XToFRm) = "fcvt.s.lu",
        FmvWX(XToF) = "fmv.w.x",

        // ---- D (chapter 12) ----
        Fld(FLoad) = "fld",
        Fsd(FStore) = "fsd",
        FmaddD(FR4Type) = "fmadd.d",
        FmsubD(FR4Type) = "fmsub.d",
        FnmsubD(FR4Type) = "fnmsub.d",
        FnmaddD(FR4Type) = "fnmadd.d",
        FaddD(FRTypeRm) = "fadd.d",
        FsubD(FRTypeRm) = "fsub.d",
        FmulD(FRTypeRm) = "fmul.d",
        FdivD(FRTypeRm) = "fdiv.d",
        FsqrtD(FUnaryRm) = "fsqrt.d",
        FsgnjD(FRType) = "fsgnj.d",
        FsgnjnD(FRType) = "fsgnjn.d",
        FsgnjxD(FRType) = "fsgnjx.d",
        FminD(FRType) = "fmin.d",
        FmaxD(FRType) = "fmax.d",
        /// Narrowing conversion; rounds.
        FcvtSD(FUnaryRm) = "fcvt.s.d",
        /// Widening conversion; exact, but the `rm` field is still encoded.
        FcvtDS(FUnaryRm) = "fcvt.d.s",
        FeqD(FCmp) = "feq.d",
        FltD(FCmp) = "flt.d",
        FleD(FCmp) = "fle.d",
        FclassD(FToX) = "fclass.d",
        FcvtWD(FToXRm) = "fcvt.w.d",
        FcvtWuD(FToXRm) = "fcvt.wu.d",
        FcvtLD(FToXRm) = "fcvt.l.d",
        FcvtLuD(FToXRm) = "fcvt.lu.d",
        FmvXD(FToX) = "fmv.x.d",
        /// Exact conversion; the `rm` field is still encoded.
        FcvtDW(XToFRm) = "fcvt.d.w",
        /// Exact conversion; the `rm` field is still encoded.
        FcvtDWu(XToFRm) = "fcvt.d.wu",
        FcvtDL(XToFRm) = "fcvt.d.l",
        FcvtDLu(XToFRm) = "fcvt.d.lu",
        FmvDX(XToF) = "fmv.d.x",

        // ---- Zba ----
        AddUw(RType) = "add.uw",
        Sh1add(RType) = "sh1add",
        Sh2add(RType) = "sh2add",
        Sh3add(RType) = "sh3add",
        Sh1addUw(RType) = "sh1add.uw",
        Sh2addUw(RType) = "sh2add.uw",
        Sh3addUw(RType) = "sh3add.uw",
        SlliUw(ShiftImm) = "slli.uw",

        // ---- Zbb ----
        Andn(RType) = "andn",
        Orn(RType) = "orn",
        Xnor(RType) = "xnor",
        Clz(Unary) = "clz",
        Clzw(Unary) = "clzw",
        Ctz(Unary) = "ctz",
        Ctzw(Unary) = "ctzw",
        Cpop(Unary) = "cpop",
        Cpopw(Unary) = "cpopw",
        Max(RType) = "max",
        Maxu(RType) = "maxu",
        Min(RType) = "min",
        Minu(RType) = "minu",
        SextB(Unary) = "sext.b",
        SextH(Unary) = "sext.h",
        ZextH(Unary) = "zext.h",
        Rol(RType) = "rol",
        Rolw(RType) = "rolw",
        Ror(RType) = "ror",
        Rorw(RType) = "rorw",
        Rori(ShiftImm) = "rori",
        Roriw(ShiftImm) = "roriw",
        OrcB(Unary) = "orc.b",
        Rev8(Unary) = "rev8",

        // ---- Zbc ----
        Clmul(RType) = "clmul",
        Clmulh(RType) = "clmulh",
        Clmulr(RType) = "clmulr",

        // ---- Zbs ----
        Bclr(RType) = "bclr",
        Bclri(ShiftImm) = "bclri",
        Bext(RType) = "bext",
        Bexti(ShiftImm) = "bexti",
        Binv(RType) = "binv",
        Binvi(ShiftImm) = "binvi",
        Bset(RType) = "bset",
        Bseti(ShiftImm) = "bseti",

        // ---- Zicbom / Zicboz ----
        CboClean(Cbo) = "cbo.clean",
        CboFlush(Cbo) = "cbo.flush",
        CboInval(Cbo) = "cbo.inval",
        CboZero(Cbo) = "cbo.zero",

        // ---- Privileged (Privileged spec §3.3, §4.2) ----
        SfenceVma(SfenceVma) = "sfence.vma",
    }
    without_operands {
        /// Zihintpause: the FENCE hint `fence w, 0` with `fm`, `rd` and
        /// `rs1` zero.
        Pause = "pause",
        /// Zifencei. The `imm`, `rs1` and `rd` fields are reserved and
        /// ignored, as the spec requires of base implementations.
        FenceI = "fence.i",
        Ecall = "ecall",
        Ebreak = "ebreak",
        Mret = "mret",
        Sret = "sret",
        Wfi = "wfi",
    }
}

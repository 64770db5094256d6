//! A tiny assembler for the execution tests: one function per instruction,
//! built on the crate's encoder (`testing::encode`), whose round trip with
//! the decoder is checked against objdump by `tests/golden.rs`.

#![allow(dead_code)]

use crate::insn::Insn;
use crate::operands::*;
use crate::testing::encode;

pub const ZERO: u8 = 0;
pub const RA: u8 = 1;
pub const SP: u8 = 2;
pub const T0: u8 = 5;
pub const T1: u8 = 6;
pub const A0: u8 = 10;
pub const A1: u8 = 11;
pub const A2: u8 = 12;
pub const A3: u8 = 13;
pub const A4: u8 = 14;

pub fn x(n: u8) -> XReg {
    XReg::new(n).unwrap()
}

pub fn f(n: u8) -> FReg {
    FReg::new(n).unwrap()
}

macro_rules! rtype {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, rs1: u8, rs2: u8) -> u32 {
            encode(&Insn::$v(RType { rd: x(rd), rs1: x(rs1), rs2: x(rs2) }))
        }
    )*};
}

macro_rules! itype {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, rs1: u8, imm: i32) -> u32 {
            encode(&Insn::$v(IType { rd: x(rd), rs1: x(rs1), imm }))
        }
    )*};
}

macro_rules! shift {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, rs1: u8, shamt: u8) -> u32 {
            encode(&Insn::$v(ShiftImm { rd: x(rd), rs1: x(rs1), shamt }))
        }
    )*};
}

macro_rules! unary {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, rs1: u8) -> u32 {
            encode(&Insn::$v(Unary { rd: x(rd), rs1: x(rs1) }))
        }
    )*};
}

macro_rules! stype {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        /// `name rs2, imm(rs1)`.
        pub fn $name(rs2: u8, rs1: u8, imm: i32) -> u32 {
            encode(&Insn::$v(SType { rs1: x(rs1), rs2: x(rs2), imm }))
        }
    )*};
}

macro_rules! btype {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rs1: u8, rs2: u8, imm: i32) -> u32 {
            encode(&Insn::$v(BType { rs1: x(rs1), rs2: x(rs2), imm }))
        }
    )*};
}

macro_rules! amo {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        /// `name rd, rs2, (rs1)`.
        pub fn $name(rd: u8, rs2: u8, rs1: u8) -> u32 {
            encode(&Insn::$v(Amo { rd: x(rd), rs1: x(rs1), rs2: x(rs2), aq: false, rl: false }))
        }
    )*};
}

macro_rules! csr {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, csr: u16, rs1: u8) -> u32 {
            encode(&Insn::$v(CsrReg { rd: x(rd), rs1: x(rs1), csr }))
        }
    )*};
}

macro_rules! csri {
    ($($name:ident => $v:ident),* $(,)?) => {$(
        pub fn $name(rd: u8, csr: u16, uimm: u8) -> u32 {
            encode(&Insn::$v(CsrImm { rd: x(rd), uimm, csr }))
        }
    )*};
}

rtype! {
    add => Add, sub => Sub, sll => Sll, slt => Slt, sltu => Sltu, xor => Xor, srl => Srl, sra => Sra,
    or => Or, and => And, addw => Addw, subw => Subw, sllw => Sllw, srlw => Srlw, sraw => Sraw,
    mul => Mul, mulh => Mulh, mulhsu => Mulhsu, mulhu => Mulhu, div => Div, divu => Divu, rem => Rem,
    remu => Remu, mulw => Mulw, divw => Divw, divuw => Divuw, remw => Remw, remuw => Remuw,
    add_uw => AddUw, sh1add => Sh1add, sh2add => Sh2add, sh3add => Sh3add, sh1add_uw => Sh1addUw,
    sh2add_uw => Sh2addUw, sh3add_uw => Sh3addUw, andn => Andn, orn => Orn, xnor => Xnor, max => Max,
    maxu => Maxu, min => Min, minu => Minu, rol => Rol, rolw => Rolw, ror => Ror, rorw => Rorw,
    clmul => Clmul, clmulh => Clmulh, clmulr => Clmulr, bclr => Bclr, bext => Bext, binv => Binv,
    bset => Bset,
}

itype! {
    addi => Addi, slti => Slti, sltiu => Sltiu, xori => Xori, ori => Ori, andi => Andi, addiw => Addiw,
    lb => Lb, lh => Lh, lw => Lw, ld => Ld, lbu => Lbu, lhu => Lhu, lwu => Lwu, jalr => Jalr,
}

shift! {
    slli => Slli, srli => Srli, srai => Srai, slliw => Slliw, srliw => Srliw, sraiw => Sraiw,
    slli_uw => SlliUw, rori => Rori, roriw => Roriw, bclri => Bclri, bexti => Bexti, binvi => Binvi,
    bseti => Bseti,
}

unary! {
    clz => Clz, clzw => Clzw, ctz => Ctz, ctzw => Ctzw, cpop => Cpop, cpopw => Cpopw, sext_b => SextB,
    sext_h => SextH, zext_h => ZextH, orc_b => OrcB, rev8 => Rev8,
}

stype! { sb => Sb, sh => Sh, sw => Sw, sd => Sd }

btype! { beq => Beq, bne => Bne, blt => Blt, bge => Bge, bltu => Bltu, bgeu => Bgeu }

amo! {
    sc_w => ScW, sc_d => ScD, amoswap_w => AmoswapW, amoadd_w => AmoaddW, amoxor_w => AmoxorW,
    amoand_w => AmoandW, amoor_w => AmoorW, amomin_w => AmominW, amomax_w => AmomaxW,
    amominu_w => AmominuW, amomaxu_w => AmomaxuW, amoswap_d => AmoswapD, amoadd_d => AmoaddD,
    amomin_d => AmominD, amomaxu_d => AmomaxuD,
}

csr! { csrrw => Csrrw, csrrs => Csrrs, csrrc => Csrrc }
csri! { csrrwi => Csrrwi, csrrsi => Csrrsi, csrrci => Csrrci }

pub fn lui(rd: u8, imm: i32) -> u32 {
    encode(&Insn::Lui(UType { rd: x(rd), imm }))
}

pub fn auipc(rd: u8, imm: i32) -> u32 {
    encode(&Insn::Auipc(UType { rd: x(rd), imm }))
}

pub fn jal(rd: u8, imm: i32) -> u32 {
    encode(&Insn::Jal(JType { rd: x(rd), imm }))
}

pub fn lr_w(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::LrW(Lr { rd: x(rd), rs1: x(rs1), aq: false, rl: false }))
}

pub fn lr_d(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::LrD(Lr { rd: x(rd), rs1: x(rs1), aq: false, rl: false }))
}

pub fn ecall() -> u32 {
    encode(&Insn::Ecall)
}

pub fn ebreak() -> u32 {
    encode(&Insn::Ebreak)
}

pub fn mret() -> u32 {
    encode(&Insn::Mret)
}

pub fn sret() -> u32 {
    encode(&Insn::Sret)
}

pub fn wfi() -> u32 {
    encode(&Insn::Wfi)
}

pub fn fence_i() -> u32 {
    encode(&Insn::FenceI)
}

pub fn fence_rw_rw() -> u32 {
    encode(&Insn::Fence(Fence { fm: 0, pred: FenceSet(3), succ: FenceSet(3) }))
}

pub fn sfence_vma(rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::SfenceVma(SfenceVma { rs1: x(rs1), rs2: x(rs2) }))
}

pub fn cbo_zero(rs1: u8) -> u32 {
    encode(&Insn::CboZero(Cbo { rs1: x(rs1) }))
}

pub fn cbo_flush(rs1: u8) -> u32 {
    encode(&Insn::CboFlush(Cbo { rs1: x(rs1) }))
}

// ---- F and D ----

pub fn flw(rd: u8, rs1: u8, imm: i32) -> u32 {
    encode(&Insn::Flw(FLoad { rd: f(rd), rs1: x(rs1), imm }))
}

pub fn fld(rd: u8, rs1: u8, imm: i32) -> u32 {
    encode(&Insn::Fld(FLoad { rd: f(rd), rs1: x(rs1), imm }))
}

pub fn fsw(rs2: u8, rs1: u8, imm: i32) -> u32 {
    encode(&Insn::Fsw(FStore { rs1: x(rs1), rs2: f(rs2), imm }))
}

pub fn fsd(rs2: u8, rs1: u8, imm: i32) -> u32 {
    encode(&Insn::Fsd(FStore { rs1: x(rs1), rs2: f(rs2), imm }))
}

pub fn rm(bits: u32) -> RoundingMode {
    RoundingMode::from_field(bits)
}

pub fn fadd_s(rd: u8, rs1: u8, rs2: u8, r: u32) -> u32 {
    encode(&Insn::FaddS(FRTypeRm { rd: f(rd), rs1: f(rs1), rs2: f(rs2), rm: rm(r) }))
}

pub fn fadd_d(rd: u8, rs1: u8, rs2: u8, r: u32) -> u32 {
    encode(&Insn::FaddD(FRTypeRm { rd: f(rd), rs1: f(rs1), rs2: f(rs2), rm: rm(r) }))
}

pub fn fdiv_d(rd: u8, rs1: u8, rs2: u8, r: u32) -> u32 {
    encode(&Insn::FdivD(FRTypeRm { rd: f(rd), rs1: f(rs1), rs2: f(rs2), rm: rm(r) }))
}

pub fn fmadd_d(rd: u8, rs1: u8, rs2: u8, rs3: u8, r: u32) -> u32 {
    encode(&Insn::FmaddD(FR4Type { rd: f(rd), rs1: f(rs1), rs2: f(rs2), rs3: f(rs3), rm: rm(r) }))
}

pub fn fsgnj_s(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FsgnjS(FRType { rd: f(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn fsgnjn_d(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FsgnjnD(FRType { rd: f(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn fsgnjx_s(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FsgnjxS(FRType { rd: f(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn fmin_d(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FminD(FRType { rd: f(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn flt_d(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FltD(FCmp { rd: x(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn feq_s(rd: u8, rs1: u8, rs2: u8) -> u32 {
    encode(&Insn::FeqS(FCmp { rd: x(rd), rs1: f(rs1), rs2: f(rs2) }))
}

pub fn fclass_d(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::FclassD(FToX { rd: x(rd), rs1: f(rs1) }))
}

pub fn fmv_x_w(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::FmvXW(FToX { rd: x(rd), rs1: f(rs1) }))
}

pub fn fmv_w_x(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::FmvWX(XToF { rd: f(rd), rs1: x(rs1) }))
}

pub fn fmv_d_x(rd: u8, rs1: u8) -> u32 {
    encode(&Insn::FmvDX(XToF { rd: f(rd), rs1: x(rs1) }))
}

pub fn fcvt_w_d(rd: u8, rs1: u8, r: u32) -> u32 {
    encode(&Insn::FcvtWD(FToXRm { rd: x(rd), rs1: f(rs1), rm: rm(r) }))
}

pub fn fcvt_wu_s(rd: u8, rs1: u8, r: u32) -> u32 {
    encode(&Insn::FcvtWuS(FToXRm { rd: x(rd), rs1: f(rs1), rm: rm(r) }))
}

pub fn fcvt_d_l(rd: u8, rs1: u8, r: u32) -> u32 {
    encode(&Insn::FcvtDL(XToFRm { rd: f(rd), rs1: x(rs1), rm: rm(r) }))
}

pub fn fcvt_s_d(rd: u8, rs1: u8, r: u32) -> u32 {
    encode(&Insn::FcvtSD(FUnaryRm { rd: f(rd), rs1: f(rs1), rm: rm(r) }))
}

pub fn fcvt_d_s(rd: u8, rs1: u8, r: u32) -> u32 {
    encode(&Insn::FcvtDS(FUnaryRm { rd: f(rd), rs1: f(rs1), rm: rm(r) }))
}

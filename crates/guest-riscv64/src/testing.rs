//! Test support (feature `testing`): an encoder, the inverse of
//! [`decode`](crate::decode), for round-trip checks in tests and fuzz
//! targets.
//!
//! It checks the decoder against itself, not against the spec: the golden
//! test against objdump does that. What it catches is inconsistency, in
//! particular a compressed instruction whose expansion differs from the
//! 32-bit instruction it stands for: `decode(encode(decode_compressed(h)))`
//! must give back `decode_compressed(h)`.

use crate::insn::Insn;
use crate::operands::*;

/// Every mnemonic of a valid instruction (each `Insn` variant but `Illegal`).
pub const MNEMONICS: &[&str] = crate::insn::MNEMONICS;

/// The canonical 32-bit encoding of `insn`, such that
/// `decode(encode(&insn)) == insn` for every `insn` the decoders produce.
///
/// Fields the decoder ignores (`fence`'s `rd`/`rs1`, `fence.i`'s `imm`,
/// `rs1`, `rd`) are encoded as zero, except that a `Fence` with the fields
/// of `pause` gets `rd = x1` so that it stays a `Fence`. `Illegal(bits)` returns `bits`, which
/// `decode` maps back to the same `Illegal` (for a compressed parcel because
/// its low bits are not `11`).
pub fn encode(insn: &Insn) -> u32 {
    use Insn as I;
    match *insn {
        I::Illegal(bits) => bits,
        I::Lui(o) => u_type(0b0110111, o),
        I::Auipc(o) => u_type(0b0010111, o),
        I::Jal(o) => j_type(o),
        I::Jalr(o) => i_type(0b1100111, 0, o),
        I::Beq(o) => b_type(0b000, o),
        I::Bne(o) => b_type(0b001, o),
        I::Blt(o) => b_type(0b100, o),
        I::Bge(o) => b_type(0b101, o),
        I::Bltu(o) => b_type(0b110, o),
        I::Bgeu(o) => b_type(0b111, o),
        I::Lb(o) => i_type(0b0000011, 0b000, o),
        I::Lh(o) => i_type(0b0000011, 0b001, o),
        I::Lw(o) => i_type(0b0000011, 0b010, o),
        I::Ld(o) => i_type(0b0000011, 0b011, o),
        I::Lbu(o) => i_type(0b0000011, 0b100, o),
        I::Lhu(o) => i_type(0b0000011, 0b101, o),
        I::Lwu(o) => i_type(0b0000011, 0b110, o),
        I::Sb(o) => s_type(0b0100011, 0b000, o.rs1, o.rs2.num(), o.imm),
        I::Sh(o) => s_type(0b0100011, 0b001, o.rs1, o.rs2.num(), o.imm),
        I::Sw(o) => s_type(0b0100011, 0b010, o.rs1, o.rs2.num(), o.imm),
        I::Sd(o) => s_type(0b0100011, 0b011, o.rs1, o.rs2.num(), o.imm),
        I::Addi(o) => i_type(OP_IMM, 0b000, o),
        I::Slti(o) => i_type(OP_IMM, 0b010, o),
        I::Sltiu(o) => i_type(OP_IMM, 0b011, o),
        I::Xori(o) => i_type(OP_IMM, 0b100, o),
        I::Ori(o) => i_type(OP_IMM, 0b110, o),
        I::Andi(o) => i_type(OP_IMM, 0b111, o),
        I::Slli(o) => shift(OP_IMM, 0b001, 0b000000, o),
        I::Srli(o) => shift(OP_IMM, 0b101, 0b000000, o),
        I::Srai(o) => shift(OP_IMM, 0b101, 0b010000, o),
        I::Add(o) => r_type(OP, 0b000, 0b0000000, o),
        I::Sub(o) => r_type(OP, 0b000, 0b0100000, o),
        I::Sll(o) => r_type(OP, 0b001, 0b0000000, o),
        I::Slt(o) => r_type(OP, 0b010, 0b0000000, o),
        I::Sltu(o) => r_type(OP, 0b011, 0b0000000, o),
        I::Xor(o) => r_type(OP, 0b100, 0b0000000, o),
        I::Srl(o) => r_type(OP, 0b101, 0b0000000, o),
        I::Sra(o) => r_type(OP, 0b101, 0b0100000, o),
        I::Or(o) => r_type(OP, 0b110, 0b0000000, o),
        I::And(o) => r_type(OP, 0b111, 0b0000000, o),
        I::Addiw(o) => i_type(OP_IMM_32, 0b000, o),
        I::Slliw(o) => shift(OP_IMM_32, 0b001, 0b000000, o),
        I::Srliw(o) => shift(OP_IMM_32, 0b101, 0b000000, o),
        I::Sraiw(o) => shift(OP_IMM_32, 0b101, 0b010000, o),
        I::Addw(o) => r_type(OP_32, 0b000, 0b0000000, o),
        I::Subw(o) => r_type(OP_32, 0b000, 0b0100000, o),
        I::Sllw(o) => r_type(OP_32, 0b001, 0b0000000, o),
        I::Srlw(o) => r_type(OP_32, 0b101, 0b0000000, o),
        I::Sraw(o) => r_type(OP_32, 0b101, 0b0100000, o),
        I::Fence(o) => {
            let bits = MISC_MEM
                | (u32::from(o.succ.0 & 0xf) << 20)
                | (u32::from(o.pred.0 & 0xf) << 24)
                | (u32::from(o.fm & 0xf) << 28);
            // `fence w, 0` is `pause` only with rd = rs1 = x0; a `Fence` with
            // these fields came from a non-zero rd or rs1, so give it one.
            if bits == PAUSE { bits | reg(1, 7) } else { bits }
        }
        I::Pause => PAUSE,
        I::FenceI => 0x0000_100f,
        I::Csrrw(o) => csr_reg(0b001, o),
        I::Csrrs(o) => csr_reg(0b010, o),
        I::Csrrc(o) => csr_reg(0b011, o),
        I::Csrrwi(o) => csr_imm(0b101, o),
        I::Csrrsi(o) => csr_imm(0b110, o),
        I::Csrrci(o) => csr_imm(0b111, o),
        I::Ecall => 0x0000_0073,
        I::Ebreak => 0x0010_0073,
        I::Sret => 0x1020_0073,
        I::Mret => 0x3020_0073,
        I::Wfi => 0x1050_0073,
        I::SfenceVma(o) => 0x1200_0073 | reg(o.rs1.num(), 15) | reg(o.rs2.num(), 20),

        I::Mul(o) => r_type(OP, 0b000, 1, o),
        I::Mulh(o) => r_type(OP, 0b001, 1, o),
        I::Mulhsu(o) => r_type(OP, 0b010, 1, o),
        I::Mulhu(o) => r_type(OP, 0b011, 1, o),
        I::Div(o) => r_type(OP, 0b100, 1, o),
        I::Divu(o) => r_type(OP, 0b101, 1, o),
        I::Rem(o) => r_type(OP, 0b110, 1, o),
        I::Remu(o) => r_type(OP, 0b111, 1, o),
        I::Mulw(o) => r_type(OP_32, 0b000, 1, o),
        I::Divw(o) => r_type(OP_32, 0b100, 1, o),
        I::Divuw(o) => r_type(OP_32, 0b101, 1, o),
        I::Remw(o) => r_type(OP_32, 0b110, 1, o),
        I::Remuw(o) => r_type(OP_32, 0b111, 1, o),

        I::LrW(o) => lr(0b010, o),
        I::LrD(o) => lr(0b011, o),
        I::ScW(o) => amo(0b010, 0b00011, o),
        I::AmoswapW(o) => amo(0b010, 0b00001, o),
        I::AmoaddW(o) => amo(0b010, 0b00000, o),
        I::AmoxorW(o) => amo(0b010, 0b00100, o),
        I::AmoandW(o) => amo(0b010, 0b01100, o),
        I::AmoorW(o) => amo(0b010, 0b01000, o),
        I::AmominW(o) => amo(0b010, 0b10000, o),
        I::AmomaxW(o) => amo(0b010, 0b10100, o),
        I::AmominuW(o) => amo(0b010, 0b11000, o),
        I::AmomaxuW(o) => amo(0b010, 0b11100, o),
        I::ScD(o) => amo(0b011, 0b00011, o),
        I::AmoswapD(o) => amo(0b011, 0b00001, o),
        I::AmoaddD(o) => amo(0b011, 0b00000, o),
        I::AmoxorD(o) => amo(0b011, 0b00100, o),
        I::AmoandD(o) => amo(0b011, 0b01100, o),
        I::AmoorD(o) => amo(0b011, 0b01000, o),
        I::AmominD(o) => amo(0b011, 0b10000, o),
        I::AmomaxD(o) => amo(0b011, 0b10100, o),
        I::AmominuD(o) => amo(0b011, 0b11000, o),
        I::AmomaxuD(o) => amo(0b011, 0b11100, o),

        I::Flw(o) => fp_load(0b010, o),
        I::Fld(o) => fp_load(0b011, o),
        I::Fsw(o) => s_type(0b0100111, 0b010, o.rs1, o.rs2.num(), o.imm),
        I::Fsd(o) => s_type(0b0100111, 0b011, o.rs1, o.rs2.num(), o.imm),
        I::FmaddS(o) => fused(0b1000011, S, o),
        I::FmsubS(o) => fused(0b1000111, S, o),
        I::FnmsubS(o) => fused(0b1001011, S, o),
        I::FnmaddS(o) => fused(0b1001111, S, o),
        I::FmaddD(o) => fused(0b1000011, D, o),
        I::FmsubD(o) => fused(0b1000111, D, o),
        I::FnmsubD(o) => fused(0b1001011, D, o),
        I::FnmaddD(o) => fused(0b1001111, D, o),
        I::FaddS(o) => fp_rrm(0b00000, S, o),
        I::FsubS(o) => fp_rrm(0b00001, S, o),
        I::FmulS(o) => fp_rrm(0b00010, S, o),
        I::FdivS(o) => fp_rrm(0b00011, S, o),
        I::FaddD(o) => fp_rrm(0b00000, D, o),
        I::FsubD(o) => fp_rrm(0b00001, D, o),
        I::FmulD(o) => fp_rrm(0b00010, D, o),
        I::FdivD(o) => fp_rrm(0b00011, D, o),
        I::FsqrtS(o) => fp(0b01011, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FsqrtD(o) => fp(0b01011, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FsgnjS(o) => fp_rr(0b00100, S, 0b000, o),
        I::FsgnjnS(o) => fp_rr(0b00100, S, 0b001, o),
        I::FsgnjxS(o) => fp_rr(0b00100, S, 0b010, o),
        I::FminS(o) => fp_rr(0b00101, S, 0b000, o),
        I::FmaxS(o) => fp_rr(0b00101, S, 0b001, o),
        I::FsgnjD(o) => fp_rr(0b00100, D, 0b000, o),
        I::FsgnjnD(o) => fp_rr(0b00100, D, 0b001, o),
        I::FsgnjxD(o) => fp_rr(0b00100, D, 0b010, o),
        I::FminD(o) => fp_rr(0b00101, D, 0b000, o),
        I::FmaxD(o) => fp_rr(0b00101, D, 0b001, o),
        I::FcvtSD(o) => fp(0b01000, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 1),
        I::FcvtDS(o) => fp(0b01000, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FeqS(o) => fp(0b10100, S, o.rd.num(), 0b010, o.rs1.num(), o.rs2.num()),
        I::FltS(o) => fp(0b10100, S, o.rd.num(), 0b001, o.rs1.num(), o.rs2.num()),
        I::FleS(o) => fp(0b10100, S, o.rd.num(), 0b000, o.rs1.num(), o.rs2.num()),
        I::FeqD(o) => fp(0b10100, D, o.rd.num(), 0b010, o.rs1.num(), o.rs2.num()),
        I::FltD(o) => fp(0b10100, D, o.rd.num(), 0b001, o.rs1.num(), o.rs2.num()),
        I::FleD(o) => fp(0b10100, D, o.rd.num(), 0b000, o.rs1.num(), o.rs2.num()),
        I::FcvtWS(o) => fp(0b11000, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FcvtWuS(o) => fp(0b11000, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 1),
        I::FcvtLS(o) => fp(0b11000, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 2),
        I::FcvtLuS(o) => fp(0b11000, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 3),
        I::FcvtWD(o) => fp(0b11000, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FcvtWuD(o) => fp(0b11000, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 1),
        I::FcvtLD(o) => fp(0b11000, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 2),
        I::FcvtLuD(o) => fp(0b11000, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 3),
        I::FcvtSW(o) => fp(0b11010, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FcvtSWu(o) => fp(0b11010, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 1),
        I::FcvtSL(o) => fp(0b11010, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 2),
        I::FcvtSLu(o) => fp(0b11010, S, o.rd.num(), o.rm.bits(), o.rs1.num(), 3),
        I::FcvtDW(o) => fp(0b11010, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 0),
        I::FcvtDWu(o) => fp(0b11010, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 1),
        I::FcvtDL(o) => fp(0b11010, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 2),
        I::FcvtDLu(o) => fp(0b11010, D, o.rd.num(), o.rm.bits(), o.rs1.num(), 3),
        I::FmvXW(o) => fp(0b11100, S, o.rd.num(), 0b000, o.rs1.num(), 0),
        I::FclassS(o) => fp(0b11100, S, o.rd.num(), 0b001, o.rs1.num(), 0),
        I::FmvXD(o) => fp(0b11100, D, o.rd.num(), 0b000, o.rs1.num(), 0),
        I::FclassD(o) => fp(0b11100, D, o.rd.num(), 0b001, o.rs1.num(), 0),
        I::FmvWX(o) => fp(0b11110, S, o.rd.num(), 0b000, o.rs1.num(), 0),
        I::FmvDX(o) => fp(0b11110, D, o.rd.num(), 0b000, o.rs1.num(), 0),

        I::AddUw(o) => r_type(OP_32, 0b000, 0b0000100, o),
        I::Sh1add(o) => r_type(OP, 0b010, 0b0010000, o),
        I::Sh2add(o) => r_type(OP, 0b100, 0b0010000, o),
        I::Sh3add(o) => r_type(OP, 0b110, 0b0010000, o),
        I::Sh1addUw(o) => r_type(OP_32, 0b010, 0b0010000, o),
        I::Sh2addUw(o) => r_type(OP_32, 0b100, 0b0010000, o),
        I::Sh3addUw(o) => r_type(OP_32, 0b110, 0b0010000, o),
        I::SlliUw(o) => shift(OP_IMM_32, 0b001, 0b000010, o),
        I::Andn(o) => r_type(OP, 0b111, 0b0100000, o),
        I::Orn(o) => r_type(OP, 0b110, 0b0100000, o),
        I::Xnor(o) => r_type(OP, 0b100, 0b0100000, o),
        I::Clz(o) => unary(OP_IMM, 0b001, 0x600, o),
        I::Ctz(o) => unary(OP_IMM, 0b001, 0x601, o),
        I::Cpop(o) => unary(OP_IMM, 0b001, 0x602, o),
        I::SextB(o) => unary(OP_IMM, 0b001, 0x604, o),
        I::SextH(o) => unary(OP_IMM, 0b001, 0x605, o),
        I::Clzw(o) => unary(OP_IMM_32, 0b001, 0x600, o),
        I::Ctzw(o) => unary(OP_IMM_32, 0b001, 0x601, o),
        I::Cpopw(o) => unary(OP_IMM_32, 0b001, 0x602, o),
        I::OrcB(o) => unary(OP_IMM, 0b101, 0x287, o),
        I::Rev8(o) => unary(OP_IMM, 0b101, 0x6b8, o),
        I::ZextH(o) => unary(OP_32, 0b100, 0x080, o),
        I::Max(o) => r_type(OP, 0b110, 0b0000101, o),
        I::Maxu(o) => r_type(OP, 0b111, 0b0000101, o),
        I::Min(o) => r_type(OP, 0b100, 0b0000101, o),
        I::Minu(o) => r_type(OP, 0b101, 0b0000101, o),
        I::Rol(o) => r_type(OP, 0b001, 0b0110000, o),
        I::Ror(o) => r_type(OP, 0b101, 0b0110000, o),
        I::Rolw(o) => r_type(OP_32, 0b001, 0b0110000, o),
        I::Rorw(o) => r_type(OP_32, 0b101, 0b0110000, o),
        I::Rori(o) => shift(OP_IMM, 0b101, 0b011000, o),
        I::Roriw(o) => shift(OP_IMM_32, 0b101, 0b011000, o),
        I::Clmul(o) => r_type(OP, 0b001, 0b0000101, o),
        I::Clmulr(o) => r_type(OP, 0b010, 0b0000101, o),
        I::Clmulh(o) => r_type(OP, 0b011, 0b0000101, o),
        I::Bclr(o) => r_type(OP, 0b001, 0b0100100, o),
        I::Bext(o) => r_type(OP, 0b101, 0b0100100, o),
        I::Binv(o) => r_type(OP, 0b001, 0b0110100, o),
        I::Bset(o) => r_type(OP, 0b001, 0b0010100, o),
        I::Bclri(o) => shift(OP_IMM, 0b001, 0b010010, o),
        I::Bexti(o) => shift(OP_IMM, 0b101, 0b010010, o),
        I::Binvi(o) => shift(OP_IMM, 0b001, 0b011010, o),
        I::Bseti(o) => shift(OP_IMM, 0b001, 0b001010, o),

        I::CboInval(o) => cbo(0b000, o),
        I::CboClean(o) => cbo(0b001, o),
        I::CboFlush(o) => cbo(0b010, o),
        I::CboZero(o) => cbo(0b100, o),
    }
}

const OP_IMM: u32 = 0b0010011;
const OP_IMM_32: u32 = 0b0011011;
const OP: u32 = 0b0110011;
const OP_32: u32 = 0b0111011;
const MISC_MEM: u32 = 0b0001111;
const PAUSE: u32 = 0x0100_000f;
const S: u32 = 0b00;
const D: u32 = 0b01;

fn reg(num: u8, at: u32) -> u32 {
    u32::from(num & 0x1f) << at
}

fn r_type(opcode: u32, funct3: u32, funct7: u32, o: RType) -> u32 {
    opcode | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | reg(o.rs2.num(), 20) | (funct7 << 25)
}

fn i_type(opcode: u32, funct3: u32, o: IType) -> u32 {
    opcode | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | ((o.imm as u32 & 0xfff) << 20)
}

fn shift(opcode: u32, funct3: u32, funct6: u32, o: ShiftImm) -> u32 {
    opcode
        | reg(o.rd.num(), 7)
        | (funct3 << 12)
        | reg(o.rs1.num(), 15)
        | (u32::from(o.shamt & 0x3f) << 20)
        | (funct6 << 26)
}

fn unary(opcode: u32, funct3: u32, funct12: u32, o: Unary) -> u32 {
    opcode | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | (funct12 << 20)
}

fn s_type(opcode: u32, funct3: u32, rs1: XReg, rs2: u8, imm: i32) -> u32 {
    let imm = imm as u32;
    opcode | ((imm & 0x1f) << 7) | (funct3 << 12) | reg(rs1.num(), 15) | reg(rs2, 20) | (((imm >> 5) & 0x7f) << 25)
}

fn b_type(funct3: u32, o: BType) -> u32 {
    let imm = o.imm as u32;
    0b1100011
        | (((imm >> 11) & 1) << 7)
        | (((imm >> 1) & 0xf) << 8)
        | (funct3 << 12)
        | reg(o.rs1.num(), 15)
        | reg(o.rs2.num(), 20)
        | (((imm >> 5) & 0x3f) << 25)
        | (((imm >> 12) & 1) << 31)
}

fn u_type(opcode: u32, o: UType) -> u32 {
    opcode | reg(o.rd.num(), 7) | (o.imm as u32 & 0xffff_f000)
}

fn j_type(o: JType) -> u32 {
    let imm = o.imm as u32;
    0b1101111
        | reg(o.rd.num(), 7)
        | (((imm >> 12) & 0xff) << 12)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 20) & 1) << 31)
}

fn csr_reg(funct3: u32, o: CsrReg) -> u32 {
    0b1110011 | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | (u32::from(o.csr & 0xfff) << 20)
}

fn csr_imm(funct3: u32, o: CsrImm) -> u32 {
    0b1110011 | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.uimm, 15) | (u32::from(o.csr & 0xfff) << 20)
}

fn ordering(aq: bool, rl: bool) -> u32 {
    (u32::from(aq) << 26) | (u32::from(rl) << 25)
}

fn lr(funct3: u32, o: Lr) -> u32 {
    0b0101111 | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | ordering(o.aq, o.rl) | (0b00010 << 27)
}

fn amo(funct3: u32, funct5: u32, o: Amo) -> u32 {
    0b0101111
        | reg(o.rd.num(), 7)
        | (funct3 << 12)
        | reg(o.rs1.num(), 15)
        | reg(o.rs2.num(), 20)
        | ordering(o.aq, o.rl)
        | (funct5 << 27)
}

fn cbo(funct12: u32, o: Cbo) -> u32 {
    MISC_MEM | (0b010 << 12) | reg(o.rs1.num(), 15) | (funct12 << 20)
}

fn fp_load(funct3: u32, o: FLoad) -> u32 {
    0b0000111 | reg(o.rd.num(), 7) | (funct3 << 12) | reg(o.rs1.num(), 15) | ((o.imm as u32 & 0xfff) << 20)
}

fn fused(opcode: u32, fmt: u32, o: FR4Type) -> u32 {
    opcode
        | reg(o.rd.num(), 7)
        | (u32::from(o.rm.bits()) << 12)
        | reg(o.rs1.num(), 15)
        | reg(o.rs2.num(), 20)
        | (fmt << 25)
        | reg(o.rs3.num(), 27)
}

/// An OP-FP instruction from raw register numbers and the funct3/rm field.
fn fp(funct5: u32, fmt: u32, rd: u8, funct3: u8, rs1: u8, rs2: u8) -> u32 {
    0b1010011 | reg(rd, 7) | (u32::from(funct3 & 7) << 12) | reg(rs1, 15) | reg(rs2, 20) | (fmt << 25) | (funct5 << 27)
}

fn fp_rrm(funct5: u32, fmt: u32, o: FRTypeRm) -> u32 {
    fp(funct5, fmt, o.rd.num(), o.rm.bits(), o.rs1.num(), o.rs2.num())
}

fn fp_rr(funct5: u32, fmt: u32, funct3: u8, o: FRType) -> u32 {
    fp(funct5, fmt, o.rd.num(), funct3, o.rs1.num(), o.rs2.num())
}

//! RV64I, M, Zba/Zbb/Zbc/Zbs, branches and compressed code.

use super::asm::*;
use super::*;
use wemu_ir::runtime::ExitKind;

fn run(code: &[u32], init: &[(u8, u64)]) -> Hart {
    let mut h = Hart::new();
    for &(r, v) in init {
        h.set_x(r, v);
    }
    h.run_code(code);
    h
}

#[test]
fn arithmetic_and_x0() {
    let h = run(
        &[
            addi(A0, ZERO, -16),
            addi(ZERO, A0, 5), // x0 stays 0
            lui(A1, 0x12345 << 12),
            addi(A1, A1, 0x678),
            auipc(A2, 0x1000),
            slti(A3, A0, 0),
            sltiu(A4, A0, 0),
            sub(T0, ZERO, A0),
            sra(T1, A0, A3),
        ],
        &[],
    );
    assert_eq!(h.x(A0), -16i64 as u64);
    assert_eq!(h.x(ZERO), 0);
    assert_eq!(h.x(A1), 0x1234_5678);
    assert_eq!(h.x(A2), BASE + 16 + 0x1000);
    assert_eq!(h.x(A3), 1);
    assert_eq!(h.x(A4), 0);
    assert_eq!(h.x(T0), 16);
    assert_eq!(h.x(T1), -8i64 as u64);
}

#[test]
fn word_operations_sign_extend() {
    let big = 0x0000_0001_8000_0000u64;
    let h = run(
        &[
            addiw(A1, A0, 0),
            addw(A2, A0, A0),
            slliw(A3, A0, 1),
            srliw(A4, A0, 4),
            sraiw(T0, A0, 4),
            sllw(T1, A0, T1),
            lui(RA, -4096),
        ],
        &[(A0, big), (T1, 33)],
    );
    assert_eq!(h.x(A1), 0xffff_ffff_8000_0000);
    assert_eq!(h.x(A2), 0);
    assert_eq!(h.x(A3), 0);
    assert_eq!(h.x(A4), 0x0800_0000);
    assert_eq!(h.x(T0), 0xffff_ffff_f800_0000);
    // The shift count is taken modulo 32.
    assert_eq!(h.x(T1), 0);
    assert_eq!(h.x(RA), 0xffff_ffff_ffff_f000);
}

#[test]
fn loads_and_stores() {
    let h = run(
        &[
            sd(A1, A0, 0),
            lb(A2, A0, 7),
            lbu(A3, A0, 7),
            lh(A4, A0, 6),
            lwu(T0, A0, 4),
            lw(T1, A0, 4),
            sb(ZERO, A0, 8),
            sh(A1, A0, 9),
            ld(RA, A0, 8),
        ],
        &[(A0, DATA), (A1, 0x8899_aabb_ccdd_eeff)],
    );
    assert_eq!(h.x(A2), 0xffff_ffff_ffff_ff88);
    assert_eq!(h.x(A3), 0x88);
    assert_eq!(h.x(A4), 0xffff_ffff_ffff_8899);
    assert_eq!(h.x(T0), 0x8899_aabb);
    assert_eq!(h.x(T1), 0xffff_ffff_8899_aabb);
    assert_eq!(h.x(RA), 0x00ee_ff00);
}

#[test]
fn misaligned_loads_are_done_in_hardware() {
    let h = run(&[sw(A1, A0, 1), lw(A2, A0, 1)], &[(A0, DATA), (A1, 0x1234_5678)]);
    assert_eq!(h.x(A2), 0x1234_5678);
}

#[test]
fn faulting_load_is_precise() {
    let mut h = Hart::with_code(&[addi(A1, A1, 1), lw(A1, A0, 0), addi(A1, A1, 1)]);
    h.set_x(A0, UNMAPPED);
    h.set_x(A1, 10);
    h.set(state::MTVEC, 0x8000_4000);
    let exit = h.step();
    assert_eq!(exit.insn_pc, BASE + 4);
    assert!(matches!(exit.kind, ExitKind::MemFault { addr: UNMAPPED, write: false, .. }));
    // The first instruction retired, the load did not write rd.
    assert_eq!(h.x(A1), 11);
    assert_eq!(h.trap, Some((cause::LOAD_ACCESS, UNMAPPED, BASE + 4)));
    assert_eq!(h.get(state::MEPC), BASE + 4);
    assert_eq!(h.get(state::MCAUSE), cause::LOAD_ACCESS);
    assert_eq!(h.get(state::MTVAL), UNMAPPED);
    assert_eq!(h.pc(), 0x8000_4000);
}

#[test]
fn faulting_store_is_precise() {
    let mut h = Hart::with_code(&[addi(A1, ZERO, 7), sd(A1, A0, 0)]);
    h.set_x(A0, UNMAPPED);
    let exit = h.step();
    assert!(matches!(exit.kind, ExitKind::MemFault { write: true, .. }));
    assert_eq!(h.trap, Some((cause::STORE_ACCESS, UNMAPPED, BASE + 4)));
    assert_eq!(h.x(A1), 7);
}

#[test]
fn multiply_divide_corner_cases() {
    let min = i64::MIN as u64;
    let m1 = u64::MAX;
    let h = run(
        &[
            div(A2, A0, ZERO),
            rem(A3, A0, ZERO),
            div(A4, A0, A1),
            rem(T0, A0, A1),
            mulh(T1, A0, A0),
            divuw(RA, A1, ZERO),
            remw(SP, A0, A1),
        ],
        &[(A0, min), (A1, m1)],
    );
    assert_eq!(h.x(A2), m1);
    assert_eq!(h.x(A3), min);
    assert_eq!(h.x(A4), min);
    assert_eq!(h.x(T0), 0);
    assert_eq!(h.x(T1), 1 << 62);
    assert_eq!(h.x(RA), m1);
    assert_eq!(h.x(SP), 0);
    let h = run(
        &[mulw(A2, A0, A1), divw(A3, A0, A1), mulhsu(A4, A1, A1), remuw(T0, A0, A1)],
        &[(A0, 0x8000_0000), (A1, m1)],
    );
    assert_eq!(h.x(A2), 0xffff_ffff_8000_0000);
    // -2^31 / -1 overflows: the dividend.
    assert_eq!(h.x(A3), 0xffff_ffff_8000_0000);
    assert_eq!(h.x(A4), m1);
    assert_eq!(h.x(T0), 0xffff_ffff_8000_0000);
}

#[test]
fn bit_manipulation() {
    let a = 0x0000_1000_0f00_00f0u64;
    let b = 0xffff_0000_ffff_0001u64;
    let h = run(
        &[
            add_uw(A2, A1, A0),
            sh2add(A3, A0, A1),
            sh3add_uw(A4, A1, A0),
            andn(T0, A0, A1),
            xnor(T1, A0, A1),
            clz(RA, A0),
            ctzw(SP, A0),
            cpop(3, A1),
            max(4, A0, A1),
            minu(26, A0, A1),
            sext_b(27, A0),
            zext_h(28, A1),
            rolw(29, A1, A0),
            rori(30, A0, 4),
            orc_b(15, A0),
            rev8(16, A0),
            clmul(17, A0, A1),
            clmulh(18, A0, A1),
            clmulr(19, A0, A1),
            bset(20, A0, A1),
            bclri(21, A1, 63),
            bext(22, A1, A1),
            binvi(23, A0, 4),
            slli_uw(24, A1, 4),
            cpopw(25, A1),
        ],
        &[(A0, a), (A1, b)],
    );
    let cl = crate::translate::clmul_wide(a, b);
    let expect: &[(u8, u64)] = &[
        (A2, (b & 0xffff_ffff).wrapping_add(a)),
        (A3, (a << 2).wrapping_add(b)),
        (A4, ((b & 0xffff_ffff) << 3).wrapping_add(a)),
        (T0, a & !b),
        (T1, !(a ^ b)),
        (RA, u64::from(a.leading_zeros())),
        (SP, 4),
        (3, 33),
        (4, a),
        (26, a),
        (27, 0xffff_ffff_ffff_fff0),
        (28, 1),
        (29, ((b as u32).rotate_left(a as u32 & 31)) as i32 as i64 as u64),
        (30, a.rotate_right(4)),
        (15, 0x0000_ff00_ff00_00ff),
        (16, a.swap_bytes()),
        (17, cl as u64),
        (18, (cl >> 64) as u64),
        (19, (cl >> 63) as u64),
        (20, a | 2),
        (21, b & !(1 << 63)),
        (22, 0),
        (23, a ^ 16),
        (24, (b & 0xffff_ffff) << 4),
        (25, 17),
    ];
    for &(r, v) in expect {
        assert_eq!(h.x(r), v, "x{r}");
    }
}

#[test]
fn branches_end_blocks() {
    // beq taken: goto_tb slot 1 to the target; not taken: slot 0.
    let mut h = Hart::with_code(&[addi(A0, ZERO, 1), beq(A0, A0, 12)]);
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::GotoTb { slot: 1, pc: BASE + 16 });
    assert_eq!(h.pc(), BASE + 16);
    let mut h = Hart::with_code(&[bltu(A0, ZERO, -4)]);
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::GotoTb { slot: 0, pc: BASE + 4 });
    // blt is signed, bgeu unsigned.
    let mut h = Hart::with_code(&[blt(A0, ZERO, 8)]);
    h.set_x(A0, u64::MAX);
    assert_eq!(h.step().kind, ExitKind::GotoTb { slot: 1, pc: BASE + 8 });
    let mut h = Hart::with_code(&[bgeu(A0, ZERO, 8)]);
    h.set_x(A0, u64::MAX);
    assert_eq!(h.step().kind, ExitKind::GotoTb { slot: 1, pc: BASE + 8 });
}

#[test]
fn jumps_link_and_clear_bit0() {
    let mut h = Hart::with_code(&[jal(RA, 0x100)]);
    assert_eq!(h.step().kind, ExitKind::GotoTb { slot: 0, pc: BASE + 0x100 });
    assert_eq!(h.x(RA), BASE + 4);
    // jalr with rd = rs1: the target uses the old value; bit 0 cleared.
    let mut h = Hart::with_code(&[jalr(A0, A0, 3)]);
    h.set_x(A0, DATA);
    assert_eq!(h.step().kind, ExitKind::LookupTb);
    assert_eq!(h.pc(), DATA + 2);
    assert_eq!(h.x(A0), BASE + 4);
}

#[test]
fn blocks_stop_at_the_limit_and_page_end() {
    let h = Hart::with_code(&[addi(A0, A0, 1); 8]);
    let t = h.translate(3).unwrap();
    assert_eq!((t.insns, t.end), (3, BASE + 12));
    // A block starting near a page end stops at it.
    let mut h = Hart::new();
    h.load(BASE + 0xff8, &[addi(A0, A0, 1); 4]);
    h.st().set_pc(BASE + 0xff8);
    let t = h.translate(64).unwrap();
    assert_eq!((t.insns, t.end), (2, BASE + 0x1000));
}

#[test]
fn compressed_code() {
    // c.li a0, 5; c.addi a0, 1; c.mv a1, a0; c.slli a1, 2; c.jr ra
    let mut h = Hart::new();
    h.load16(BASE, &[0x4515, 0x0505, 0x85aa, 0x058a, 0x8082]);
    h.set_x(RA, DATA);
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::LookupTb);
    assert_eq!(exit.insns, 5);
    assert_eq!((h.x(A0), h.x(A1), h.pc()), (6, 24, DATA));
}

#[test]
fn fetch_faults() {
    // The first instruction cannot be fetched: a fetch access fault at pc.
    let mut h = Hart::new();
    h.st().set_pc(UNMAPPED);
    h.step();
    assert_eq!(h.trap, Some((cause::FETCH_ACCESS, UNMAPPED, UNMAPPED)));
    // A 4-byte instruction whose second half is unfetchable: xtval is the
    // address of that half, epc the instruction's.
    let end = BASE + MEM_SIZE as u64;
    let mut h = Hart::new();
    h.load16(end - 2, &[0x0513]);
    h.st().set_pc(end - 2);
    h.step();
    assert_eq!(h.trap, Some((cause::FETCH_ACCESS, end, end - 2)));
    // A later instruction that cannot be fetched ends the block before it.
    let mut h = Hart::new();
    h.load16(end - 4, &[0x0505, 0x0513]);
    h.st().set_pc(end - 4);
    assert_eq!(h.step().kind, ExitKind::GotoTb { slot: 0, pc: end - 2 });
    assert_eq!(h.x(A0), 1);
}

#[test]
fn illegal_instruction_traps_with_its_bits() {
    let mut h = Hart::with_code(&[addi(A0, A0, 1), 0xffff_ffff]);
    let exit = h.step();
    assert_eq!(exit.kind, ExitKind::Status(super::super::EXIT_EXCEPTION));
    assert_eq!(h.trap, Some((cause::ILLEGAL_INSTRUCTION, 0xffff_ffff, BASE + 4)));
    assert_eq!(h.x(A0), 1);
    // A compressed one: the 16 bits.
    let mut h = Hart::new();
    h.load16(BASE, &[0x0000]);
    h.step();
    assert_eq!(h.trap, Some((cause::ILLEGAL_INSTRUCTION, 0, BASE)));
}

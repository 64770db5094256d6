//! Module sizes for real riscv64 blocks (translated by the frontend and
//! optimized as the vCPU loop does): they must stay small, since browsers
//! pay per Wasm instruction. Prints the figures with `--nocapture`.

mod common;

use wemu_guest_riscv64::Regs;
use wemu_guest_riscv64::translate::{TbFlags, translate_block};
use wemu_wasm_jit::{Member, Options, compile_region};

const BASE: u64 = 0x8000_0000;

/// A function prologue, a load, an add, a store, a shift and a branch.
const CODE: [u32; 9] = [
    0xfe01_0113, // addi sp, sp, -32
    0x0011_3c23, // sd ra, 24(sp)
    0x0081_3823, // sd s0, 16(sp)
    0x0201_0413, // addi s0, sp, 32
    0x0005_3783, // ld a5, 0(a0)
    0x00b7_87b3, // add a5, a5, a1
    0x00f5_2423, // sw a5, 8(a0)
    0x0037_9713, // slli a4, a5, 3
    0x0007_8863, // beqz a5, +16
];

fn block(code: &[u32]) -> wemu_ir::Block {
    let regs = Regs::new();
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut fetch = |a: u64| {
        let off = a.checked_sub(BASE).ok_or(1u32)? as usize;
        match bytes.get(off..off + 2) {
            Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
            None => Err(1),
        }
    };
    // Supervisor mode, its MMU index, FP off.
    let flags = TbFlags(1 | 1 << 2);
    let mut t = translate_block(&regs, &mut fetch, BASE, flags, 64).unwrap();
    wemu_ir::opt::optimize(&mut t.block);
    wemu_ir::verify(&t.block).unwrap();
    t.block
}

#[test]
fn typical_blocks_compile_small() {
    let b = block(&CODE);
    let n = b.guest_insns();
    for shared in [false, true] {
        let opts = Options { shared_memory: shared, wasm_base: 0, ..Options::default() };
        let one = compile_region(&[Member { ir: &b, successors: [None, None], key: 0 }], &opts).unwrap();
        common::validate(&one, shared);
        // The block as a loop (both successors itself) and in a region of
        // three copies.
        let looped = compile_region(&[Member { ir: &b, successors: [Some(0), Some(0)], key: 0 }], &opts).unwrap();
        common::validate(&looped, shared);
        let three: Vec<Member<'_>> =
            (0..3).map(|i| Member { ir: &b, successors: [Some((i + 1) % 3), Some(i)], key: 0 }).collect();
        let region = compile_region(&three, &opts).unwrap();
        common::validate(&region, shared);
        eprintln!(
            "riscv64 block of {n} instructions ({} IR ops), shared {shared}: {} bytes alone, {} as a loop, {} for 3 members",
            b.insts.len(),
            one.len(),
            looped.len(),
            region.len()
        );
        assert!(one.len() < 200 * n, "{} bytes for {n} instructions", one.len());
    }
}

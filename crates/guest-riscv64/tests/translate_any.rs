//! Whatever the instruction bits and translation flags, translation never
//! panics and its IR verifies: every 16-bit parcel, and a deterministic
//! sample of 32-bit words (every major opcode and funct3, random other
//! bits), under each privilege, FS state and data MMU index.

use wemu_guest_riscv64::translate::{FsState, TbFlags, fetch_mmu_idx};
use wemu_guest_riscv64::{Priv, Regs, translate_block};

const BASE: u64 = 0x8000_0000;

fn all_flags() -> Vec<TbFlags> {
    let mut v = Vec::new();
    for p in [Priv::User, Priv::Supervisor, Priv::Machine] {
        for fs in [FsState::Off, FsState::Clean, FsState::Dirty] {
            v.push(TbFlags::new(p, fetch_mmu_idx(p), fs));
        }
    }
    // M-mode with MPRV to S with SUM.
    v.push(TbFlags::new(Priv::Machine, 2, FsState::Dirty));
    v
}

fn check(regs: &Regs, code: &[u8], flags: TbFlags) {
    let mut fetch = |a: u64| {
        let off = (a - BASE) as usize;
        code.get(off..off + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(1u32)
    };
    let t = translate_block(regs, &mut fetch, BASE, flags, 8).expect("the first parcel is there");
    if let Err(e) = wemu_ir::verify(&t.block) {
        panic!("{code:02x?} under {flags:?}: {e}\n{}", wemu_ir::text::print(&t.block));
    }
    assert!(t.insns >= 1 && t.end > BASE);
}

#[test]
fn every_compressed_parcel() {
    let regs = Regs::new();
    let flags = all_flags();
    for h in 0..=u16::MAX {
        if h & 3 == 3 {
            continue;
        }
        for &f in &flags {
            check(&regs, &h.to_le_bytes(), f);
        }
    }
}

#[test]
fn sampled_words() {
    let regs = Regs::new();
    let flags = all_flags();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed as u32
    };
    for opcode in (0..128u32).filter(|o| o & 3 == 3) {
        for funct3 in 0..8u32 {
            for _ in 0..24 {
                let w = (next() & !0x707f) | funct3 << 12 | opcode;
                // Two instructions: the block goes on after the first
                // unless it ends it.
                let mut code = w.to_le_bytes().to_vec();
                code.extend_from_slice(&(next() | 3).to_le_bytes());
                for &f in &flags {
                    check(&regs, &code, f);
                }
            }
        }
    }
}

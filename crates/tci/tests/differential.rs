//! Random valid IR from `wemu_ir::arbitrary` runs the same in the
//! interpreter and in the naive reference evaluator: same exit, CPU state,
//! guest memory and effectful helper calls.

use arbitrary::Unstructured;
use wemu_ir::arbitrary::gen_case;
use wemu_tci::testing::{check_opt_equiv, check_reference};

/// Deterministic pseudo-random bytes (xorshift64*).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn cases(n: u64) -> impl Iterator<Item = (u64, wemu_ir::arbitrary::Case)> {
    (0..n).filter_map(|seed| {
        let data = bytes(seed ^ 0x7c1, 64 + (seed as usize * 53) % 4096);
        gen_case(&mut Unstructured::new(&data)).ok().map(|c| (seed, c))
    })
}

#[test]
fn interpreter_matches_reference() {
    let mut exits = std::collections::BTreeMap::new();
    for (seed, case) in cases(4000) {
        if let Err(e) = check_reference(&case) {
            panic!("seed {seed}: {e}");
        }
        let kind = wemu_tci::testing::run_tci(&case.block, &case).unwrap().exit.kind;
        *exits.entry(format!("{kind:?}").split([' ', '(', '{']).next().unwrap().to_string()).or_insert(0) += 1;
    }
    // The sample must exercise faults as well as normal exits.
    for k in ["GotoTb", "LookupTb", "Status", "MemFault", "Misaligned", "HelperFault"] {
        assert!(exits.get(k).copied().unwrap_or(0) > 0, "no {k} exit in the sample: {exits:?}");
    }
}

#[test]
fn optimized_blocks_run_the_same() {
    for (seed, case) in cases(2000) {
        if let Err(e) = check_opt_equiv(&case) {
            panic!("seed {seed}: {e}");
        }
    }
}

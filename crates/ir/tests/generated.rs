//! Property test: every block the `arbitrary` generator makes verifies and
//! its text form round-trips. The fuzz target `ir_roundtrip` explores the
//! same property with coverage guidance; this test runs a fixed sample.

use arbitrary::Unstructured;
use wemu_ir::arbitrary::gen_case;

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

#[test]
fn generated_blocks_verify_and_round_trip() {
    let mut insts = 0;
    for seed in 0..3000u64 {
        let data = bytes(seed, 64 + (seed as usize * 37) % 4096);
        let case = gen_case(&mut Unstructured::new(&data)).expect("generator never fails on enough bytes");
        if let Err(e) = wemu_ir::verify(&case.block) {
            panic!("seed {seed}: {e}\n{:#?}", case.block.insts);
        }
        let text = wemu_ir::text::print(&case.block);
        let parsed = wemu_ir::text::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        assert_eq!(wemu_ir::text::print(&parsed), text, "seed {seed}: text form does not round-trip");
        insts += case.block.insts.len();
    }
    // The sample must actually exercise something.
    assert!(insts > 3000 * 10, "generator produced tiny blocks: {insts} instructions");
}

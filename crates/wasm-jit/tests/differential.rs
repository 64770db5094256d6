//! Random valid IR (`wemu_ir::arbitrary`), alone and linked into regions of
//! up to three members with loops between them (compiled as one module,
//! and as one module per member joined by links): the interpreter and the
//! JIT agree exactly on the exit, the member it happened in, the
//! instructions retired, the CPU state, guest memory and the helper calls,
//! faults included, with a cold and a warm TLB.

mod common;

use common::{Rig, check_bytes};

/// A deterministic byte source.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_regions_agree() {
    let mut rig = Rig::new();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let cases: usize = std::env::var("WEMU_JIT_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let mut ran = 0;
    for i in 0..cases {
        let len = 64 + (rng.next() % 4096) as usize;
        let data = rng.bytes(len);
        if std::env::var("WEMU_JIT_TRACE").is_ok() {
            eprintln!("case {i}");
        }
        match check_bytes(&mut rig, &data) {
            Ok(true) => ran += 1,
            Ok(false) => {}
            Err(e) => panic!("case {i}: {e}"),
        }
    }
    assert!(ran > cases / 2, "only {ran} of {cases} cases ran");
    eprintln!(
        "{ran} regions ({} also as linked modules, {} taking links), {} modules, {} bytes on average",
        rig.linked,
        rig.links_taken,
        rig.modules,
        rig.module_bytes / rig.modules.max(1)
    );
    // Few random blocks end in a `goto_tb` that chains; `links.rs` has
    // the focused cases.
    assert!(rig.links_taken > ran as u64 / 100, "only {} of {ran} cases took a link", rig.links_taken);
}

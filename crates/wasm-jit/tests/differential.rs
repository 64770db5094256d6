//! Random valid IR (`wemu_ir::arbitrary`), alone and linked into regions of
//! up to three members with loops between them: the interpreter and the
//! JIT agree exactly on the exit, the member it happened in, the
//! instructions retired, the CPU state, guest memory and the helper calls,
//! faults included, with a cold and a warm TLB.

mod common;

use arbitrary::Unstructured;
use common::{Rig, Start};
use wemu_ir::Block;
use wemu_ir::arbitrary::gen_case;
use wemu_wasm_jit::Member;

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

/// Builds a region from `data` and checks it; `Ok(false)` if the bytes ran
/// out before a case was made.
pub fn check_bytes(rig: &mut Rig, data: &[u8]) -> Result<bool, String> {
    let mut u = Unstructured::new(data);
    let Ok(n) = u.int_in_range(1..=3u32) else { return Ok(false) };
    let mut blocks: Vec<Block> = Vec::new();
    let mut start = None;
    for _ in 0..n {
        let Ok(case) = gen_case(&mut u) else { break };
        let mut b = case.block;
        if u.arbitrary::<bool>().unwrap_or(true) {
            wemu_ir::opt::optimize(&mut b);
        }
        wemu_ir::verify(&b).map_err(|e| format!("generated block does not verify: {e}"))?;
        blocks.push(b);
        start.get_or_insert((case.state, case.memory));
    }
    let Some((state, ram)) = start else { return Ok(false) };
    let n = blocks.len() as u32;
    let mut succ = Vec::new();
    for _ in 0..n {
        let mut s = [None, None];
        for x in &mut s {
            if u.ratio(2, 3).unwrap_or(false) {
                *x = Some(u.int_in_range(0..=n - 1).unwrap_or(0));
            }
        }
        succ.push(s);
    }
    let members: Vec<Member<'_>> = blocks.iter().zip(&succ).map(|(ir, s)| Member { ir, successors: *s }).collect();
    let mut start = Start::new(state, ram);
    start.warm_tlb = u.arbitrary().unwrap_or(false);
    // Regions may loop forever: the limit ends them.
    start.limit = u.int_in_range(0..=40).unwrap_or(7);
    start.exit_request = u.ratio(1, 10).unwrap_or(false);
    start.entry = if u.ratio(1, 20).unwrap_or(false) { n } else { u.int_in_range(0..=n - 1).unwrap_or(0) };
    if std::env::var("WEMU_JIT_TRACE").is_ok() {
        for (i, m) in members.iter().enumerate() {
            eprintln!("member {i} {:?}\n{}", m.successors, wemu_ir::text::print(m.ir));
        }
        eprintln!("limit {} request {} entry {} warm {}", start.limit, start.exit_request, start.entry, start.warm_tlb);
    }
    rig.check(&members, &start)?;
    Ok(true)
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
    eprintln!("{ran} regions, {} modules, {} bytes on average", rig.modules, rig.module_bytes / rig.modules.max(1));
}

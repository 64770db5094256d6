//! Random valid IR: the verifier accepts it and its text form round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wemu_ir::arbitrary::gen_case;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(case) = gen_case(&mut u) else { return };
    if let Err(e) = wemu_ir::verify(&case.block) {
        panic!("generated block does not verify: {e}\n{}", wemu_ir::text::print(&case.block));
    }
    let text = wemu_ir::text::print(&case.block);
    let parsed = wemu_ir::text::parse(&text).unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{text}"));
    wemu_ir::verify(&parsed).unwrap_or_else(|e| panic!("parsed block does not verify: {e}\n{text}"));
    assert_eq!(wemu_ir::text::print(&parsed), text, "print(parse(print(b))) != print(b)");
});

//! The text parser never panics on any input, and what it accepts and
//! verifies prints back to text that parses to the same print.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let Ok(block) = wemu_ir::text::parse(text) else { return };
    // Printing must not panic even for blocks that do not verify.
    let printed = wemu_ir::text::print(&block);
    if wemu_ir::verify(&block).is_ok() {
        let again = wemu_ir::text::parse(&printed).unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{printed}"));
        assert_eq!(wemu_ir::text::print(&again), printed);
    }
});

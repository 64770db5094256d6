//! Random valid IR runs the same under the interpreter before and after the
//! optimizer: same exit, CPU state, guest memory and effectful helper calls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wemu_ir::arbitrary::gen_case;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(case) = gen_case(&mut u) else { return };
    if let Err(e) = wemu_tci::testing::check_opt_equiv(&case) {
        panic!("{e}");
    }
});

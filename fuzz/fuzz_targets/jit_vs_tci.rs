//! Random valid IR linked into regions of up to three members runs the
//! same in the interpreter (member by member), as a module from the Wasm
//! JIT's code generator (in wasmtime) and, where the `goto_tb` PCs allow,
//! as one module per member joined by links (tail calls through the link
//! table), against one softmmu: same exit, member, instructions retired,
//! CPU state, guest memory and helper calls. Every module also validates,
//! shared and not.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;

// The rig of the crate's own differential test.
#[path = "../../crates/wasm-jit/tests/common/mod.rs"]
mod common;

thread_local! {
    static RIG: RefCell<common::Rig> = RefCell::new(common::Rig::new());
}

fuzz_target!(|data: &[u8]| {
    RIG.with(|rig| {
        if let Err(e) = common::check_bytes(&mut rig.borrow_mut(), data) {
            panic!("{e}");
        }
    });
});

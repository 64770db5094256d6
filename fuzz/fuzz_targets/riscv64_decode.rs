//! The riscv64 decoder never panics on any input, and what it decodes is
//! consistent: the bytes are fetched like guest code (a 16-bit parcel, then
//! a second one when `insn_length` says 4), every valid instruction prints
//! non-empty text starting with its mnemonic, and re-encoding it gives
//! bits that decode to the same instruction, which for a compressed one
//! means its 32-bit expansion decodes to exactly what it did.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wemu_guest_riscv64::testing::encode;
use wemu_guest_riscv64::{Insn, decode, decode_compressed, insn_length};

fn check(insn: Insn, what: &str) {
    let text = insn.to_string();
    assert!(!text.is_empty(), "{what}: empty disassembly");
    if matches!(insn, Insn::Illegal(_)) {
        return;
    }
    assert!(text.starts_with(insn.mnemonic()), "{what}: {text:?} does not start with {:?}", insn.mnemonic());
    let encoded = encode(&insn);
    assert_eq!(encoded & 3, 3, "{what} ({text}) encodes to a non-32-bit {encoded:#010x}");
    assert_eq!(decode(encoded), insn, "{what} ({text}) re-encodes to {encoded:#010x}, which decodes differently");
}

fuzz_target!(|data: &[u8]| {
    let mut pos = 0;
    while let Some(&[b0, b1]) = data.get(pos..pos + 2) {
        let half = u16::from_le_bytes([b0, b1]);
        let len = insn_length(half);
        if len == 2 {
            check(decode_compressed(half), &format!("{half:#06x}"));
        } else if let Some(&[b2, b3]) = data.get(pos + 2..pos + 4) {
            let word = u32::from_le_bytes([b0, b1, b2, b3]);
            check(decode(word), &format!("{word:#010x}"));
        }
        // Any word, at any halfword offset, whatever its low bits.
        if let Some(&[b2, b3]) = data.get(pos + 2..pos + 4) {
            let _ = decode(u32::from_le_bytes([b0, b1, b2, b3])).to_string();
        }
        pos += len;
    }
});

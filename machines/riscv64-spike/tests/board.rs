//! The board without the cross tools: images built here byte by byte, bad
//! images refused with the right error, runs that cannot end.

use wemu_machine_riscv64_spike::{ElfError, NullConsole, RunError, Spike, SpikeConfig, SpikeError};

const ENTRY: u64 = 0x8000_0000;

/// A minimal ELF64 executable: the header, one program header, then `code`
/// loaded at `paddr` (`mem_size` bytes in memory).
fn elf(code: &[u32], paddr: u64, mem_size: u64) -> Vec<u8> {
    let mut f = Vec::new();
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    // e_ident: magic, ELFCLASS64, little-endian, version 1.
    f.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&paddr.to_le_bytes()); // e_entry
    f.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for h in [64u16, 56, 1, 64, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        f.extend_from_slice(&h.to_le_bytes());
    }
    // The program header: PT_LOAD, RWX, at file offset 120.
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&7u32.to_le_bytes());
    for v in [120u64, paddr, paddr, bytes.len() as u64, mem_size, 4] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(f.len(), 120);
    f.extend_from_slice(&bytes);
    f
}

fn board(image: &[u8]) -> Result<Spike, SpikeError> {
    let config = SpikeConfig { ram_size: 1 << 20, ..SpikeConfig::default() };
    Spike::new(config, image, Box::new(NullConsole), None)
}

const J_SELF: u32 = 0x0000_006f; // j .
const WFI: u32 = 0x1050_0073;

#[test]
fn bad_images_are_refused() {
    let good = elf(&[J_SELF], ENTRY, 4);
    let err = |image: &[u8]| board(image).err();
    assert!(board(&good).is_ok());
    assert_eq!(err(b"#!/bin/sh\n"), Some(SpikeError::Elf(ElfError::NotElf)));
    assert_eq!(err(&good[..3]), Some(SpikeError::Elf(ElfError::NotElf)));
    let mut elf32 = good.clone();
    elf32[4] = 1;
    assert_eq!(err(&elf32), Some(SpikeError::Elf(ElfError::NotElf64)));
    let mut x86 = good.clone();
    x86[18] = 62;
    assert_eq!(err(&x86), Some(SpikeError::Elf(ElfError::WrongMachine(62))));
    let mut rel = good.clone();
    rel[16] = 1;
    assert_eq!(err(&rel), Some(SpikeError::Elf(ElfError::NotExecutable(1))));
    assert!(matches!(err(&good[..100]), Some(SpikeError::Elf(ElfError::Malformed(_)))), "truncated headers");
    assert!(matches!(err(&good[..122]), Some(SpikeError::Elf(ElfError::Malformed(_)))), "truncated segment");
    let low = elf(&[J_SELF], 0x1000, 4);
    assert_eq!(err(&low), Some(SpikeError::Elf(ElfError::OutsideMemory { paddr: 0x1000, size: 4 })));
    let big = elf(&[J_SELF], ENTRY, 2 << 20);
    assert_eq!(err(&big), Some(SpikeError::Elf(ElfError::OutsideMemory { paddr: ENTRY, size: 2 << 20 })));
    let wrap = elf(&[J_SELF], u64::MAX - 1, 4);
    assert!(matches!(err(&wrap), Some(SpikeError::Elf(ElfError::OutsideMemory { .. }))));
    let short = elf(&[J_SELF, J_SELF], ENTRY, 4);
    assert!(matches!(err(&short), Some(SpikeError::Elf(ElfError::Malformed(_)))), "file size > memory size");
    let config = SpikeConfig { ram_size: 12345, ..SpikeConfig::default() };
    assert!(matches!(Spike::new(config, &good, Box::new(NullConsole), None), Err(SpikeError::BadRamSize(12345))));
}

#[test]
fn every_prefix_of_an_image_is_handled() {
    let good = elf(&[J_SELF, WFI], ENTRY, 8);
    for n in 0..good.len() {
        assert!(board(&good[..n]).is_err(), "{n} bytes");
    }
}

#[test]
fn a_hung_test_times_out() {
    let mut spike = board(&elf(&[J_SELF], ENTRY, 4)).unwrap();
    assert!(!spike.has_htif());
    assert_eq!(spike.entry(), ENTRY);
    match spike.run(100_000) {
        Err(RunError::Timeout { insns, pc }) => {
            assert!((100_000..100_000 + 1024).contains(&insns), "{insns}");
            assert_eq!(pc, ENTRY);
        }
        other => panic!("{other:?}"),
    }
    let msg = spike.run(10).unwrap_err().to_string();
    assert!(msg.starts_with("timeout after "), "{msg}");
}

#[test]
fn waiting_with_nothing_armed_is_an_error() {
    let mut spike = board(&elf(&[WFI, J_SELF], ENTRY, 8)).unwrap();
    assert_eq!(spike.run(1000), Err(RunError::WaitsForever { pc: ENTRY + 4 }));
}

#[test]
fn the_hart_starts_at_the_entry_in_m_mode() {
    let spike = board(&elf(&[J_SELF], ENTRY, 4)).unwrap();
    let st = spike.state();
    assert_eq!(st.pc(), ENTRY);
    assert_eq!(st.priv_mode(), wemu_guest_riscv64::Priv::Machine);
    assert_eq!((st.x(10), st.x(11)), (0, 0));
}

#[test]
fn tracing_shows_translated_code_and_traps() {
    use std::sync::{Arc, Mutex};
    use wemu_machine_riscv64_spike::{Categories, TextTracer};

    #[derive(Clone, Default)]
    struct Text(Arc<Mutex<String>>);
    impl std::fmt::Write for Text {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
    }
    // ecall with mtvec = 0, whose fetch fails: a trap loop that retires
    // nothing (the run must still end), after a `li a0, 5`.
    let image = elf(&[0x0050_0513, 0x0000_0073, J_SELF], ENTRY, 12);
    let text = Text::default();
    let tracer = TextTracer::new(text.clone(), Categories::parse("in_asm,int").unwrap());
    let config = SpikeConfig { ram_size: 1 << 20, ..SpikeConfig::default() };
    let mut spike = Spike::new(config, &image, Box::new(NullConsole), Some(Box::new(tracer))).unwrap();
    match spike.run(100) {
        Err(RunError::Timeout { insns, pc: 0 }) => assert!(insns <= 2, "{insns}"),
        other => panic!("{other:?}"),
    }
    let log = text.0.lock().unwrap().clone();
    assert!(log.contains("ecall"), "{log}");
    assert!(log.contains("0x80000004"), "{log}");
}

//! An assembler for the toy ISA (see `toy.rs`), with labels.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::toy::op;

/// One instruction word: `op | rd << 8 | rs << 12 | imm16 << 16`.
pub fn enc(opcode: u32, rd: u32, rs: u32, imm: i32) -> u32 {
    opcode | (rd & 15) << 8 | (rs & 15) << 12 | ((imm as u32) & 0xffff) << 16
}

#[derive(Clone, Copy, Debug)]
enum Fixup {
    /// A pc-relative branch, in instructions.
    Rel,
    /// `li rd, hi; ori16 rd, lo`: the label's absolute address.
    Abs,
}

/// A program at `base`.
#[derive(Debug)]
pub struct Asm {
    pub base: u64,
    pub words: Vec<u32>,
    labels: BTreeMap<&'static str, u64>,
    fixups: Vec<(usize, &'static str, Fixup)>,
}

impl Asm {
    pub fn new(base: u64) -> Asm {
        Asm { base, words: Vec::new(), labels: BTreeMap::new(), fixups: Vec::new() }
    }

    /// The address of the next instruction.
    pub fn here(&self) -> u64 {
        self.base + 4 * self.words.len() as u64
    }

    pub fn label(&mut self, name: &'static str) -> &mut Self {
        let here = self.here();
        self.labels.insert(name, here);
        self
    }

    pub fn word(&mut self, w: u32) -> &mut Self {
        self.words.push(w);
        self
    }

    pub fn li(&mut self, rd: u32, imm: i16) -> &mut Self {
        self.word(enc(op::LI, rd, 0, imm.into()))
    }

    /// Loads a 32-bit constant (two instructions).
    pub fn li32(&mut self, rd: u32, v: u32) -> &mut Self {
        self.word(enc(op::LI, rd, 0, (v >> 16) as i32)).word(enc(op::ORI16, rd, 0, (v & 0xffff) as i32))
    }

    /// Loads the address of a label (two instructions).
    pub fn la(&mut self, rd: u32, label: &'static str) -> &mut Self {
        self.fixups.push((self.words.len(), label, Fixup::Abs));
        self.word(enc(op::LI, rd, 0, 0)).word(enc(op::ORI16, rd, 0, 0))
    }

    pub fn add(&mut self, rd: u32, rs: u32) -> &mut Self {
        self.word(enc(op::ADD, rd, rs, 0))
    }

    pub fn addi(&mut self, rd: u32, imm: i16) -> &mut Self {
        self.word(enc(op::ADDI, rd, 0, imm.into()))
    }

    pub fn ld(&mut self, rd: u32, rs: u32, imm: i16) -> &mut Self {
        self.word(enc(op::LD, rd, rs, imm.into()))
    }

    pub fn st(&mut self, rd: u32, rs: u32, imm: i16) -> &mut Self {
        self.word(enc(op::ST, rd, rs, imm.into()))
    }

    pub fn stw(&mut self, rd: u32, rs: u32, imm: i16) -> &mut Self {
        self.word(enc(op::STW, rd, rs, imm.into()))
    }

    pub fn bnez(&mut self, rd: u32, label: &'static str) -> &mut Self {
        self.fixups.push((self.words.len(), label, Fixup::Rel));
        self.word(enc(op::BNEZ, rd, 0, 0))
    }

    pub fn jmp(&mut self, label: &'static str) -> &mut Self {
        self.fixups.push((self.words.len(), label, Fixup::Rel));
        self.word(enc(op::JMP, 0, 0, 0))
    }

    pub fn jr(&mut self, rs: u32) -> &mut Self {
        self.word(enc(op::JR, 0, rs, 0))
    }

    pub fn exc(&mut self, cause: u16) -> &mut Self {
        self.word(enc(op::EXC, 0, 0, cause.into()))
    }

    pub fn wfi(&mut self) -> &mut Self {
        self.word(enc(op::WFI, 0, 0, 0))
    }

    pub fn halt(&mut self, code: u16) -> &mut Self {
        self.word(enc(op::HALT, 0, 0, code.into()))
    }

    pub fn eret(&mut self) -> &mut Self {
        self.word(enc(op::ERET, 0, 0, 0))
    }

    pub fn setie(&mut self, on: bool) -> &mut Self {
        self.word(enc(op::SETIE, 0, 0, on.into()))
    }

    pub fn out(&mut self, rd: u32) -> &mut Self {
        self.word(enc(op::OUT, rd, 0, 0))
    }

    pub fn mtv(&mut self, rs: u32) -> &mut Self {
        self.word(enc(op::MTV, 0, rs, 0))
    }

    pub fn mfc(&mut self, rd: u32) -> &mut Self {
        self.word(enc(op::MFC, rd, 0, 0))
    }

    pub fn mfe(&mut self, rd: u32) -> &mut Self {
        self.word(enc(op::MFE, rd, 0, 0))
    }

    pub fn mte(&mut self, rs: u32) -> &mut Self {
        self.word(enc(op::MTE, 0, rs, 0))
    }

    /// Pads with zero words (illegal instructions) up to `addr`.
    pub fn org(&mut self, addr: u64) -> &mut Self {
        assert!(addr >= self.here() && addr.is_multiple_of(4));
        while self.here() < addr {
            self.words.push(0);
        }
        self
    }

    /// The address of a label.
    pub fn addr(&self, label: &str) -> u64 {
        self.labels[label]
    }

    /// Resolves labels; returns the words.
    pub fn finish(&mut self) -> Vec<u32> {
        for &(i, label, kind) in &self.fixups {
            let target = *self.labels.get(label).unwrap_or_else(|| panic!("no label {label}"));
            match kind {
                Fixup::Rel => {
                    let pc = self.base + 4 * i as u64;
                    let delta = (target as i64 - pc as i64) / 4;
                    self.words[i] = (self.words[i] & 0xffff) | ((delta as u32) & 0xffff) << 16;
                }
                Fixup::Abs => {
                    self.words[i] = (self.words[i] & 0xffff) | ((target >> 16) as u32) << 16;
                    self.words[i + 1] = (self.words[i + 1] & 0xffff) | ((target & 0xffff) as u32) << 16;
                }
            }
        }
        self.words.clone()
    }
}

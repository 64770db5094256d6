//! The ELF64 loader: what a bare-metal test image asks of the board.
//!
//! A test is a statically linked RISC-V ELF64 executable. The loader
//! checks its header (64-bit, little-endian, `EM_RISCV`, an executable),
//! collects its `PT_LOAD` segments and finds the HTIF symbols `tohost` and
//! `fromhost` in its symbol table. It never panics: every offset and size
//! in the file is checked, and a bad file is an [`ElfError`].

use alloc::vec::Vec;
use core::fmt;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, Sym};
use object::{LittleEndian, elf::FileHeader64};

/// Why an image could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// Not an ELF file at all, or a header the parser rejects.
    NotElf,
    /// An ELF file, but not a 64-bit little-endian one.
    NotElf64,
    /// An ELF file for another architecture (`e_machine`).
    WrongMachine(u16),
    /// Not an executable (`e_type`: relocatable, shared, core...).
    NotExecutable(u16),
    /// The program or section headers, or a segment, lie outside the file
    /// or are inconsistent.
    Malformed(&'static str),
    /// A segment does not fit the board's memory.
    OutsideMemory { paddr: u64, size: u64 },
    /// The image has no `PT_LOAD` segment.
    NothingToLoad,
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => f.write_str("not an ELF file"),
            ElfError::NotElf64 => f.write_str("not a 64-bit little-endian ELF file"),
            ElfError::WrongMachine(m) => write!(f, "an ELF file for machine {m}, not RISC-V (243)"),
            ElfError::NotExecutable(t) => write!(f, "an ELF file of type {t}, not an executable (2)"),
            ElfError::Malformed(what) => write!(f, "malformed ELF file: {what}"),
            ElfError::OutsideMemory { paddr, size } => {
                write!(f, "segment at {paddr:#x} ({size:#x} bytes) is outside the board's RAM")
            }
            ElfError::NothingToLoad => f.write_str("the ELF file has no loadable segment"),
        }
    }
}

/// A `PT_LOAD` segment: `data` at `paddr`, followed by zeros up to
/// `mem_size` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    pub paddr: u64,
    pub data: &'a [u8],
    pub mem_size: u64,
}

/// A parsed executable: where it starts, what to load, and its HTIF
/// symbols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfImage<'a> {
    pub entry: u64,
    pub segments: Vec<Segment<'a>>,
    /// Address of the `tohost` symbol, if the image has one.
    pub tohost: Option<u64>,
    /// Address of the `fromhost` symbol, if the image has one.
    pub fromhost: Option<u64>,
}

type Header = FileHeader64<LittleEndian>;

impl<'a> ElfImage<'a> {
    /// Parses `data` as a RISC-V ELF64 executable.
    pub fn parse(data: &'a [u8]) -> Result<ElfImage<'a>, ElfError> {
        if data.len() < 4 || data[..4] != elf::ELFMAG {
            return Err(ElfError::NotElf);
        }
        let ident_ok = data.get(4) == Some(&elf::ELFCLASS64.0) && data.get(5) == Some(&elf::ELFDATA2LSB.0);
        if !ident_ok {
            return Err(ElfError::NotElf64);
        }
        let header = Header::parse(data).map_err(|_| ElfError::NotElf)?;
        let endian = LittleEndian;
        let machine = header.e_machine(endian);
        if machine != elf::EM_RISCV {
            return Err(ElfError::WrongMachine(machine.0));
        }
        let kind = header.e_type(endian);
        if kind != elf::ET_EXEC {
            return Err(ElfError::NotExecutable(kind.0));
        }
        let phdrs = header.program_headers(endian, data).map_err(|_| ElfError::Malformed("program headers"))?;
        let mut segments = Vec::new();
        for ph in phdrs {
            if ph.p_type(endian) != elf::PT_LOAD {
                continue;
            }
            let (paddr, mem_size) = (ph.p_paddr(endian), ph.p_memsz(endian));
            let seg = ph.data(endian, data).map_err(|_| ElfError::Malformed("a segment lies outside the file"))?;
            if seg.len() as u64 > mem_size {
                return Err(ElfError::Malformed("a segment's file size exceeds its memory size"));
            }
            if mem_size != 0 && paddr.checked_add(mem_size - 1).is_none() {
                return Err(ElfError::OutsideMemory { paddr, size: mem_size });
            }
            segments.push(Segment { paddr, data: seg, mem_size });
        }
        if segments.is_empty() {
            return Err(ElfError::NothingToLoad);
        }
        let (tohost, fromhost) = htif_symbols(header, data);
        Ok(ElfImage { entry: header.e_entry(endian), segments, tohost, fromhost })
    }
}

/// The addresses of `tohost` and `fromhost` in the symbol table. A missing
/// or unreadable symbol table gives `None`s: the image can still run.
fn htif_symbols(header: &Header, data: &[u8]) -> (Option<u64>, Option<u64>) {
    let endian = LittleEndian;
    let Ok(sections) = header.sections(endian, data) else { return (None, None) };
    let Ok(symbols) = sections.symbols(endian, data, elf::SHT_SYMTAB) else { return (None, None) };
    let (mut tohost, mut fromhost) = (None, None);
    for sym in symbols.iter() {
        if sym.is_undefined(endian) {
            continue;
        }
        match sym.name(endian, symbols.strings()) {
            Ok(b"tohost") => tohost = Some(sym.st_value(endian)),
            Ok(b"fromhost") => fromhost = Some(sym.st_value(endian)),
            _ => {}
        }
    }
    (tohost, fromhost)
}

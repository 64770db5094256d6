//! Lexing of one line of IR text, and the number and name rules shared by
//! the printer and the parser.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::semantics;
use crate::{MemSize, Type};

/// Label numbers must be below this (so that a parsed block never asks for
/// an absurd label table).
pub(super) const MAX_LABELS: u32 = 1 << 20;

/// A token of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok<'a> {
    /// A run of `[A-Za-z0-9_.+]`, or `-` followed by such a run: names,
    /// mnemonics (`add.i64`), numbers (`-1`, `0x10`), memops (`u32.le.a4`),
    /// fence kinds (`ldld+stst`).
    Word(&'a str),
    /// One of `= , ( ) [ ] : @`.
    Punct(char),
    /// `->`
    Arrow,
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "'{w}'"),
            Tok::Punct(c) => write!(f, "'{c}'"),
            Tok::Arrow => f.write_str("'->'"),
        }
    }
}

const fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+')
}

/// Splits a line into tokens; a `;` ends the line (comment).
pub(super) fn lex(line: &str) -> Result<Vec<Tok<'_>>, String> {
    let mut toks = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            ';' => break,
            c if c.is_whitespace() => {}
            '=' | ',' | '(' | ')' | '[' | ']' | ':' | '@' => toks.push(Tok::Punct(c)),
            '-' if chars.peek().is_some_and(|&(_, n)| n == '>') => {
                chars.next();
                toks.push(Tok::Arrow);
            }
            c if is_word_char(c) || (c == '-' && chars.peek().is_some_and(|&(_, n)| is_word_char(n))) => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    if !is_word_char(n) {
                        break;
                    }
                    end = i + n.len_utf8();
                    chars.next();
                }
                toks.push(Tok::Word(&line[start..end]));
            }
            c => return Err(format!("unexpected character {c:?}")),
        }
    }
    Ok(toks)
}

/// Why [`parse_u64`] rejected a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NumError {
    /// Not a number.
    Syntax,
    /// A number above `u64::MAX`.
    Overflow,
}

/// Parses an unsigned number: decimal digits, or `0x` and hex digits.
pub(super) fn parse_u64(s: &str) -> Result<u64, NumError> {
    let (digits, radix) = match s.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(NumError::Syntax);
    }
    u64::from_str_radix(digits, radix).map_err(|_| NumError::Overflow)
}

/// Parses a constant operand of type `ty` into its canonical value: an
/// unsigned number up to the type's maximum, or `-` and a number up to
/// `2^(bits-1)`, taken modulo `2^bits`.
pub(super) fn parse_const(s: &str, ty: Type) -> Result<u64, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let too_large = || format!("constant {s} does not fit {ty}");
    let m = parse_u64(digits).map_err(|e| match e {
        NumError::Syntax => format!("bad constant '{s}'"),
        NumError::Overflow => too_large(),
    })?;
    let limit = if neg { 1u64 << (ty.bits() - 1) } else { ty.mask() };
    if m > limit {
        return Err(too_large());
    }
    Ok(if neg { ty.canon(m.wrapping_neg()) } else { m })
}

/// Writes a constant operand of type `ty`: decimal if it lies in
/// `-4096..=4096` as a signed number, otherwise hex. A non-canonical
/// constant (which the verifier rejects) is written as raw hex.
pub(super) fn write_const(w: &mut impl fmt::Write, ty: Type, c: u64) -> fmt::Result {
    if c != ty.canon(c) {
        return write!(w, "{c:#x}");
    }
    let s = semantics::signed(ty, c);
    if (-4096..=4096).contains(&s) { write!(w, "{s}") } else { write!(w, "{c:#x}") }
}

/// Whether `s` is an identifier, `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The number of a `<prefix><digits>` name (`t3`, `L0`): `None` if `s`
/// has another shape, `Some(None)` if the number is malformed (leading
/// zeros, as in `t01`, or too large for a `u32`).
fn numbered(s: &str, prefix: char) -> Option<Option<u32>> {
    let digits = s.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Some(None);
    }
    Some(digits.parse().ok())
}

/// Whether `s` has the shape of a local (`t<digits>`) or a label
/// (`L<digits>`), which globals must not have.
pub(crate) fn is_reserved_name(s: &str) -> bool {
    numbered(s, 't').is_some() || numbered(s, 'L').is_some()
}

/// `Ok(Some(n))` for a local name `tN`, `Ok(None)` for a name that is no
/// local, `Err` for a malformed one (`t01`, `t99999999999`).
pub(super) fn local_index(s: &str) -> Result<Option<u32>, String> {
    match numbered(s, 't') {
        None => Ok(None),
        Some(Some(n)) => Ok(Some(n)),
        Some(None) => Err(format!("bad local name '{s}'")),
    }
}

/// The number of a label name `LN`.
pub(super) fn label_index(s: &str) -> Result<u32, String> {
    match numbered(s, 'L') {
        Some(Some(n)) if n < MAX_LABELS => Ok(n),
        Some(_) => Err(format!("bad label '{s}' (labels are L0 to L{}, without leading zeros)", MAX_LABELS - 1)),
        None => Err(format!("expected a label (LN), found '{s}'")),
    }
}

/// Parses a memory-access size with its sign, `u8`..`u64`, `s8`..`s64`.
pub(super) fn parse_sign_size(s: &str) -> Option<(bool, MemSize)> {
    let signed = match s.as_bytes().first()? {
        b'u' => false,
        b's' => true,
        _ => return None,
    };
    Some((signed, MemSize::from_name(&s[1..])?))
}

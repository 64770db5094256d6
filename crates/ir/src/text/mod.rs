//! The IR's text form: a printer and a parser that round-trip exactly
//! (`print(parse(text)) == text` for any printed text).
//!
//! # Format
//!
//! A block is written as declarations followed by instructions, one per
//! line. `;` starts a comment that runs to the end of the line.
//!
//! ```text
//! global x1: i64 @ 8
//! global x2: i64 @ 16
//! global pc: i64 @ 264
//! local t0: i64
//! local t1: i32
//! local t2: i64
//! helper 7 fadd_d(i64, i64, i64) -> i64 may_fault
//!
//!     insn_start 0x80000000
//!     t0 = add.i64 x1, 16
//!     t1 = trunc_i64_i32 t0
//!     t2 = load.i64 s32.le.a4@1 t0
//!     brcond.i64 ltu t2, x2, L0
//!     store.i64 u64.le@1 x1, t2
//!     goto_tb 0, 0x80000004
//! L0:
//!     t2 = call fadd_d(x1, x2, 7)
//!     x1 = mov.i64 t2
//!     pc = mov.i64 0x80000010
//!     lookup_tb
//! ```
//!
//! **Declarations** come first, each on its own line, in this order:
//! * `global NAME: TYPE @ OFFSET` — a global (CPU-state field at byte
//!   OFFSET). The printer declares only the globals the block uses, in
//!   [`GlobalId`](crate::GlobalId) order; names are identifiers
//!   (`[A-Za-z_][A-Za-z0-9_]*`) other than `t<digits>` and `L<digits>`,
//!   each declared once. The parser numbers the globals it reads from 0 in
//!   declaration order, in a fresh [`Globals`](crate::Globals).
//! * `local tN: TYPE` — every local of the block, in order, N counting
//!   from 0 (the parser requires N to be the local's index).
//! * `helper ID NAME(TYPE, ...) [-> TYPE] EFFECT` — every helper the block
//!   declares, in [`Block::helpers`](crate::Block::helpers) order; `-> TYPE`
//!   only if it returns a value, `EFFECT` one of `pure`, `reads_state`,
//!   `writes_state`, `may_fault`. Ids and names (identifiers) are unique;
//!   calls name the helper.
//!
//! **Instructions** are indented by four spaces; a label is placed by
//! `LN:` on a line of its own at column 0. When there are both
//! declarations and instructions, an empty line separates them. Every line
//! ends with a newline.
//!
//! **Operands** are temps (global names, `tN`) or constants. The printer
//! writes a constant in decimal when, read as a signed number of its
//! type, it lies in `-4096..=4096`, otherwise as `0x` hex (lowercase) of
//! its canonical (unsigned) value. The parser accepts both forms anywhere;
//! a negative number is taken in the operand's type (`-1` as an `i32`
//! operand is `0xffffffff`). A constant must fit its operand: an `i32`
//! operand accepts `-2147483648..=0xffffffff`. An operand's type is the
//! one its instruction reads: the `.TY` suffix, the source type of a
//! conversion, `i64` for addresses, the declared parameter type for call
//! arguments.
//!
//! | instruction | text |
//! |---|---|
//! | mov | `D = mov.TY S` |
//! | unary | `D = OP.TY S` (`neg not clz ctz popcnt bswap16 bswap32 bswap64 sext8 sext16 sext32 zext8 zext16 zext32`) |
//! | binary | `D = OP.TY A, B` (`add sub and or xor andc orc shl shr sar rotl rotr mul mulhs mulhu mulhsu divs divu rems remu`) |
//! | convert | `D = sext_i32_i64 S`, `zext_i32_i64`, `trunc_i64_i32`, `high_i64_i32` |
//! | extract | `D = extract.TY S, POS, LEN` (unsigned), `D = sextract.TY S, POS, LEN` |
//! | deposit | `D = deposit.TY BASE, FIELD, POS, LEN` |
//! | setcond | `D = setcond.TY COND A, B` |
//! | movcond | `D = movcond.TY COND A, B, IF_TRUE, IF_FALSE` |
//! | state load | `D = ld_state.TY s32 [OFFSET]` (`u8`..`u64`, `s8`..`s64`) |
//! | state store | `st_state.TY 32 [OFFSET], S` (`8 16 32 64`) |
//! | load | `D = load.TY MEMOP ADDR` |
//! | store | `store.TY MEMOP ADDR, S` |
//! | atomic rmw | `D = atomic_OP.TY MEMOP ADDR, S` (`add and or xor swap smin smax umin umax`) |
//! | cmpxchg | `D = cmpxchg.TY MEMOP ADDR, EXPECTED, NEW` |
//! | fence | `fence all`, `fence ldld+ldst+stld+stst` (any non-empty subset, in that order) |
//! | call | `D = call NAME(ARGS...)` or `call NAME(ARGS...)` |
//! | insn_start | `insn_start PC` (PC always in hex) |
//! | branches | `br LN`, `brcond.TY COND A, B, LN` |
//! | exits | `goto_tb SLOT, PC` (PC in hex), `lookup_tb`, `exit_tb STATUS` (decimal) |
//!
//! `COND` is one of `eq ne lt ge le gt ltu geu leu gtu`. In the state
//! accesses the brackets around `OFFSET` are literal (`[264]`). A fence
//! with no ordering bits, which does nothing, is written `fence none`; the
//! parser also accepts the orderings in any order. Locals and labels are
//! numbered without leading zeros (`t1`, not `t01`).
//!
//! `MEMOP` is `SIGN BITS . ENDIAN [.aALIGN] @ MMU` without spaces, e.g.
//! `u32.le@0` or `s16.be.a2@1`: sign `u`/`s`, size in bits, `le`/`be`,
//! an optional required alignment in bytes (a power of two; omitted when
//! it is 1, i.e. no requirement), and the MMU index. Guest PCs are printed
//! in hex (`0x...`); offsets, positions, lengths, slots, statuses, MMU
//! indices, alignments and helper ids in decimal. The parser accepts
//! either base for every number. Numbers other than constants are unsigned
//! and must fit their field: `u8` for positions, lengths, slots and MMU
//! indices, `u32` for offsets, statuses and helper ids, `u64` for PCs.
//!
//! # Parsing
//!
//! The parser is lenient about layout: indentation and spaces between
//! tokens are free (`u32.le @ 0` is fine), blank lines and comments are
//! skipped, and `\r\n` line ends are accepted. Declarations must still come
//! before the first instruction or label. [`parse`] checks syntax, names
//! (every temp and called helper declared) and that constants fit; it does
//! not check operand types, labels or control flow, which is the job of
//! [`verify`](crate::verify). The parsed block's `num_labels` is one more
//! than the largest label number used; label numbers must be below 2^20.
//! Errors carry the 1-based line number; the parser never panics.
//!
//! # Round trip
//!
//! For every block that verifies (and whose global and helper names follow
//! the rules above), `print(&parse(&print(&b))?) == print(&b)`, and for
//! any printed text `print(&parse(text)?) == text`. The parsed block equals
//! the original up to global numbering (only used globals are declared)
//! and `num_labels` (unused labels are not written). The printer never
//! panics; for a block that does not verify it writes undeclared temps as
//! `?tN`/`?gN` and calls of undeclared helpers as `call ?hN(...)`, which do
//! not parse.

pub(crate) mod lex;
mod parse;
mod print;
#[cfg(test)]
mod tests;

pub use parse::{ParseError, parse};
pub use print::print;

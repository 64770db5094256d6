//! The IR's text form: a printer and a parser that round-trip exactly.

//! Golden tests of the optimizer passes, in the style of Cranelift's
//! filetests.
//!
//! Every `*.ir` file under `tests/filetests/` holds cases separated by lines
//! consisting of `===`. A case is:
//!
//! ```text
//! ; free comment lines (and blank lines)
//! test const_fold            ; pass name(s), space-separated, or "optimize"
//! <input block in IR text>
//! ---
//! <expected output block in IR text, exactly as text::print prints it>
//! ===
//! test dce
//! ...
//! ```
//!
//! The pass names are those of `wemu_ir::opt::PASSES` (`const_fold`,
//! `copy_prop`, `dce`, `simplify_branches`, `compact_locals`) and
//! `optimize`; they run in the order given. For each case the runner parses
//! the input, checks that it verifies, runs the passes, checks that the
//! result verifies, prints it and compares the text with the expected
//! section (leading and trailing blank lines and trailing spaces ignored).
//! `optimize` cases also check that a second `optimize` changes nothing.
//! Mismatches are reported with a line diff (`-` expected, `+` actual), all
//! cases of all files at once.
//!
//! `BLESS=1 cargo test -p wemu-ir --test filetests` rewrites the expected
//! sections with the actual output (review the diff before committing!).
//! `FILETEST=substring` runs only the files whose name contains it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use wemu_ir::opt::{optimize, run_pass};
use wemu_ir::text::{parse, print};
use wemu_ir::verify;

/// One case of a file, with the 0-based line ranges it was read from.
struct Case {
    /// Line of the `test` directive.
    line: usize,
    passes: Vec<String>,
    input: String,
    /// First line of the input (for parse error positions).
    input_line: usize,
    expected: String,
    /// Lines `[start, end)` holding the expected output.
    expected_lines: (usize, usize),
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with(';')
}

/// Splits a file into cases.
fn parse_file(text: &str) -> Result<Vec<Case>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Header: comments, then `test ...`.
        while i < lines.len() && is_blank_or_comment(lines[i]) {
            i += 1;
        }
        if i == lines.len() {
            break;
        }
        let directive = lines[i].split(';').next().unwrap_or("").trim();
        let Some(rest) = directive.strip_prefix("test ") else {
            return Err(format!("line {}: expected `test PASS...`, found `{}`", i + 1, lines[i]));
        };
        let passes: Vec<String> = rest.split_whitespace().map(String::from).collect();
        if passes.is_empty() {
            return Err(format!("line {}: `test` names no pass", i + 1));
        }
        let line = i;
        i += 1;
        let input_start = i;
        while i < lines.len() && lines[i].trim_end() != "---" {
            if lines[i].trim_end() == "===" {
                return Err(format!("line {}: case has no `---` before `===`", i + 1));
            }
            i += 1;
        }
        if i == lines.len() {
            return Err(format!("line {}: case has no `---` line", line + 1));
        }
        let input = lines[input_start..i].join("\n");
        i += 1;
        let exp_start = i;
        while i < lines.len() && lines[i].trim_end() != "===" {
            i += 1;
        }
        let expected = lines[exp_start..i].join("\n");
        cases.push(Case { line, passes, input, input_line: input_start, expected, expected_lines: (exp_start, i) });
        // Skip the `===`.
        i += 1;
    }
    Ok(cases)
}

/// The text with trailing spaces and surrounding blank lines removed.
fn normalize(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    lines.drain(..first);
    lines
}

/// A line diff (longest common subsequence): `-` expected, `+` actual.
fn diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            let _ = writeln!(out, "   {}", expected[i]);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, " - {}", expected[i]);
            i += 1;
        } else {
            let _ = writeln!(out, " + {}", actual[j]);
            j += 1;
        }
    }
    out
}

/// Runs one case; returns the printed output, or an error that is not a
/// mere output mismatch.
fn run_case(case: &Case) -> Result<String, String> {
    let mut block = parse(&case.input)
        .map_err(|e| format!("input does not parse: {e} (input starts at line {})", case.input_line + 1))?;
    verify(&block).map_err(|e| format!("input does not verify: {e}"))?;
    for pass in &case.passes {
        if run_pass(pass, &mut block).is_none() {
            return Err(format!("unknown pass `{pass}`"));
        }
        verify(&block).map_err(|e| format!("output of `{pass}` does not verify: {e}\n{}", print(&block)))?;
    }
    if case.passes.iter().any(|p| p == "optimize") {
        let mut again = block.clone();
        optimize(&mut again);
        if again != block {
            return Err(format!("a second `optimize` still changes the block:\n{}", print(&again)));
        }
    }
    Ok(print(&block))
}

fn filetest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("filetests")
}

#[test]
fn filetests() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let filter = std::env::var("FILETEST").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(filetest_dir())
        .expect("tests/filetests exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ir"))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(&filter)))
        .collect();
    files.sort();
    assert!(!files.is_empty() || !filter.is_empty(), "no filetests found");
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).expect("readable file");
        let cases = match parse_file(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let mut blessed: Vec<(usize, usize, String)> = Vec::new();
        for case in &cases {
            total += 1;
            let at = format!("{name}:{} (test {})", case.line + 1, case.passes.join(" "));
            match run_case(case) {
                Err(e) => failures.push(format!("{at}: {e}")),
                Ok(actual) => {
                    let (want, got) = (normalize(&case.expected), normalize(&actual));
                    if want != got {
                        if bless {
                            blessed.push((case.expected_lines.0, case.expected_lines.1, actual));
                        } else {
                            failures
                                .push(format!("{at}: output differs (- expected, + actual):\n{}", diff(&want, &got)));
                        }
                    }
                }
            }
        }
        if !blessed.is_empty() {
            let lines: Vec<&str> = text.lines().collect();
            let mut out = String::new();
            let mut next = 0;
            for (start, end, actual) in &blessed {
                for l in &lines[next..*start] {
                    out.push_str(l);
                    out.push('\n');
                }
                out.push_str(&normalize(actual).join("\n"));
                out.push('\n');
                if *end < lines.len() {
                    // Keep the cases apart by a blank line before `===`.
                    out.push('\n');
                }
                next = *end;
            }
            for l in &lines[next..] {
                out.push_str(l);
                out.push('\n');
            }
            std::fs::write(path, out).expect("writable file");
            eprintln!("blessed {} case(s) in {name}", blessed.len());
        }
    }
    eprintln!("{total} filetest case(s) in {} file(s)", files.len());
    if !failures.is_empty() {
        panic!("{} of {total} filetest case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
    }
}

#[test]
fn case_splitting() {
    let text = "; c\ntest dce ; why\nA\n---\nB\n\n===\n\ntest const_fold copy_prop\nC\n---\nD\n";
    let cases = parse_file(text).unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].passes, ["dce"]);
    assert_eq!((cases[0].input.as_str(), cases[0].expected.as_str()), ("A", "B\n"));
    assert_eq!(cases[1].passes, ["const_fold", "copy_prop"]);
    assert_eq!(cases[1].expected_lines, (11, 12));
    assert!(parse_file("test dce\nA\n===\n").is_err());
    assert!(parse_file("nope\n").is_err());
    let d = diff(&["a".into(), "b".into()], &["a".into(), "c".into()]);
    assert_eq!(d, "   a\n - b\n + c\n");
}

//! `dync fmt`: idempotent, meaning-preserving and comment-preserving on every example, every
//! valid corpus case, the standard library and the docs' examples; layout snapshots of
//! `tests/fmt/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::FileId;
use dync_compiler::format::format;
use dync_compiler::syntax::parse;

/// The comment texts of a file, sorted (a multiset).
fn comment_texts(text: &str) -> Vec<String> {
    let parsed = parse(text, FileId(0));
    let mut texts: Vec<String> =
        parsed.tokens.iter().filter(|t| t.kind.is_trivia()).map(|t| text[t.range()].trim_end().to_string()).collect();
    texts.sort();
    texts
}

/// Formats `text` and checks the three properties; returns the formatted text.
pub fn check_properties(name: &str, text: &str) -> Option<String> {
    let formatted = format(text, FileId(0)).ok()?;
    let again = format(&formatted, FileId(0))
        .unwrap_or_else(|d| panic!("{name}: formatted output has errors: {d:?}\n{formatted}"));
    assert_eq!(again, formatted, "{name}: formatting is not idempotent");
    let before = parse(text, FileId(0));
    let after = parse(&formatted, FileId(0));
    assert_eq!(
        common::shape(&before.module),
        common::shape(&after.module),
        "{name}: formatting changed the tree\n{formatted}"
    );
    assert_eq!(comment_texts(text), comment_texts(&formatted), "{name}: formatting changed the comments\n{formatted}");
    Some(formatted)
}

fn all_files() -> Vec<std::path::PathBuf> {
    ["examples", "stdlib", "tests/parse", "tests/errors", "tests/fmt"]
        .iter()
        .flat_map(|d| common::dyn_files(d))
        .collect()
}

#[test]
fn every_file_formats_idempotently_keeping_tree_and_comments() {
    let mut formatted = 0;
    for path in all_files() {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if check_properties(&common::relative(&path), &text).is_some() {
            formatted += 1;
        }
    }
    assert!(formatted >= 15, "only {formatted} files formatted");
}

#[test]
fn examples_and_stdlib_are_formatted() {
    for path in common::dyn_files("examples").into_iter().chain(common::dyn_files("stdlib")) {
        let text = common::read(&path);
        let formatted = format(&text, FileId(0)).expect("examples parse");
        assert_eq!(formatted, text, "{} is not in the canonical layout: run `dync fmt`", path.display());
    }
}

#[test]
fn layout_snapshots() {
    insta::glob!("fmt/*.dyn", |path| {
        let text = common::read(path);
        let formatted = check_properties(&common::relative(path), &text).expect("fmt cases parse");
        insta::assert_snapshot!(formatted);
    });
}

#[test]
fn files_with_syntax_errors_are_not_formatted() {
    for path in common::dyn_files("tests/errors") {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        assert!(format(&text, FileId(0)).is_err(), "{} has errors but was formatted", path.display());
    }
}

#[test]
fn line_endings_and_bom_are_kept() {
    let text = "\u{FEFF}app a {   dync = \"0.1\" }\r\n\r\n\r\nflow f {\r\n  a ->   b // c\r\n}\r\n";
    let formatted = format(text, FileId(0)).unwrap();
    assert_eq!(formatted, "\u{FEFF}app a {\r\n    dync = \"0.1\"\r\n}\r\n\r\nflow f {\r\n    a -> b // c\r\n}\r\n");
    let lf = format("flow f { a -> b }", FileId(0)).unwrap();
    assert_eq!(lf, "flow f {\n    a -> b\n}\n");
    assert_eq!(format("", FileId(0)).unwrap(), "");
    assert_eq!(format("// only a comment", FileId(0)).unwrap(), "// only a comment\n");
}

/// A small deterministic generator (xorshift), so a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A random edit that usually keeps a program valid: renaming, new literals, whitespace and
/// line breaks, comments, duplicated or deleted lines.
fn mutate(text: &str, rng: &mut Rng) -> String {
    use dync_compiler::syntax::token::TokenKind;
    let parsed = parse(text, FileId(0));
    let tokens: Vec<_> = parsed.tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match rng.below(9) {
        0 | 1 => {
            // Replace a token by one of the same kind.
            let token = tokens[rng.below(tokens.len())];
            let replacement = match token.kind {
                TokenKind::Ident => {
                    ["x", "room", "a_rather_long_identifier_for_wrapping_tests_here", "Reading"][rng.below(4)]
                }
                TokenKind::Int => ["0", "42", "1_000_000"][rng.below(3)],
                TokenKind::Float => ["0.5", "12345678.125"][rng.below(2)],
                TokenKind::StrText => {
                    ["text", "a much longer piece of text that will push lines past the width limit"][rng.below(2)]
                }
                _ => return text.to_string(),
            };
            format!("{}{}{}", &text[..token.start as usize], replacement, &text[token.end as usize..])
        }
        2 => {
            // Extra whitespace or a line break between two tokens.
            let token = tokens[rng.below(tokens.len())];
            let gap = ["  ", "\n", "\n\n", "\n        "][rng.below(4)];
            format!("{}{}{}", &text[..token.end as usize], gap, &text[token.end as usize..])
        }
        3 => {
            // A comment on a line of its own.
            let at = rng.below(lines.len());
            let mut out: String = lines[..at].concat();
            out.push_str("    // an inserted comment\n");
            out.push_str(&lines[at..].concat());
            out
        }
        4 => {
            // A trailing comment at the end of a line.
            let at = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    if i == at && !line.contains("//") {
                        line.replacen('\n', " // trailing\n", 1)
                    } else {
                        line.to_string()
                    }
                })
                .collect()
        }
        5 => {
            // Duplicate a line.
            let at = rng.below(lines.len());
            let mut out: String = lines[..=at].concat();
            out.push_str(lines[at]);
            out.push_str(&lines[at + 1..].concat());
            out
        }
        6 => {
            // Delete a line.
            let at = rng.below(lines.len());
            lines.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, l)| *l).collect()
        }
        7 => {
            // Join a line with the next (whitespace is not significant).
            let at = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .map(
                    |(i, line)| {
                        if i == at && !line.contains("//") {
                            line.trim_end().to_string() + " "
                        } else {
                            line.to_string()
                        }
                    },
                )
                .collect()
        }
        _ => {
            // Re-indent everything a little (items keep column 0).
            text.lines().map(|l| if l.starts_with(' ') { format!("  {l}\n") } else { format!("{l}\n") }).collect()
        }
    }
}

#[test]
fn a_thousand_mutated_valid_programs() {
    let sources: Vec<String> = all_files()
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| format(t, FileId(0)).is_ok() && t.len() > 200)
        .collect();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut valid, mut tried) = (0, 0);
    while valid < 1000 {
        tried += 1;
        assert!(tried < 50_000, "only {valid} valid mutations in {tried} tries");
        let mut text = sources[rng.below(sources.len())].clone();
        for _ in 0..1 + rng.below(4) {
            text = mutate(&text, &mut rng);
        }
        if parse(&text, FileId(0)).has_errors() {
            continue;
        }
        let name = format!("mutation {tried}");
        let formatted = check_properties(&name, &text).expect("valid programs format");
        // `fmt --check` agrees with `fmt`: a formatted file needs no change.
        assert_eq!(format(&formatted, FileId(0)).ok().as_deref(), Some(formatted.as_str()), "{name}");
        valid += 1;
    }
    println!("fmt properties held for {valid} mutated valid programs ({tried} mutations tried)");
}

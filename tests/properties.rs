//! Property tests: the parser never panics, every diagnostic is well formed, and parsing is
//! deterministic — over random bytes, random text and random mutations of the examples.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::source::decode;
use dync_compiler::syntax::parse;
use dync_compiler::{Diagnostic, FileId};
use proptest::prelude::*;

/// Every diagnostic has a code and a primary label whose span lies inside the text, on char
/// boundaries.
fn assert_well_formed(text: &str, diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for diagnostic in diagnostics {
        prop_assert!(!diagnostic.labels.is_empty(), "{} has no label", diagnostic.code);
        prop_assert!(diagnostic.labels.iter().any(|l| l.primary), "{} has no primary label", diagnostic.code);
        prop_assert!(!diagnostic.message.is_empty());
        for label in &diagnostic.labels {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            prop_assert!(
                start <= end && end <= text.len(),
                "{} label {}..{} outside {} bytes",
                diagnostic.code,
                start,
                end,
                text.len()
            );
            prop_assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{} label not on char boundaries",
                diagnostic.code
            );
        }
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), TestCaseError> {
    let first = parse(text, FileId(0));
    assert_well_formed(text, &first.diagnostics)?;
    let second = parse(text, FileId(0));
    prop_assert_eq!(format!("{:?}", first.module), format!("{:?}", second.module));
    prop_assert_eq!(&first.diagnostics, &second.diagnostics);
    // The rendered form never fails either.
    let _ = common::render_diagnostics("input.dyn", text, &first.diagnostics);
    Ok(())
}

fn example_texts() -> Vec<String> {
    common::dyn_files("examples").iter().map(|p| common::read(p)).collect()
}

/// Fragments that exercise the lexer and the parser's recovery when spliced into a program.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "->",
    "=",
    ":",
    ",",
    ";",
    "\"",
    "${",
    "'",
    "//",
    "///",
    "\n",
    "\r\n",
    "fn",
    "flow",
    "place",
    "profile",
    "if",
    "else",
    "match",
    "=>",
    "none",
    "10s",
    "64Mi",
    "70%",
    "1..",
    "é",
    "\u{1F600}",
    "\u{FEFF}",
    "\\",
    "$",
    "@",
    "x",
    "99999999999999999999",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let decoded = decode(bytes, FileId(0));
        match decoded.invalid {
            None => check_text(&decoded.text)?,
            Some(diagnostic) => assert_well_formed(&decoded.text, &[diagnostic])?,
        }
    }

    #[test]
    fn random_text_never_panics(text in "[ -~\\n\\t\"{}()\\[\\]é😀]{0,300}") {
        check_text(&text)?;
    }

    #[test]
    fn mutated_examples_never_panic(
        example in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<prop::sample::Index>()), 1..6),
    ) {
        let texts = example_texts();
        let mut text = texts[example.index(texts.len())].clone();
        for (at, kind, fragment) in edits {
            let mut offset = at.index(text.len() + 1);
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            match kind {
                0 => {
                    let end = text[offset..].char_indices().nth(3).map_or(text.len(), |(i, _)| offset + i);
                    text.replace_range(offset..end, "");
                }
                1 => text.insert_str(offset, FRAGMENTS[fragment.index(FRAGMENTS.len())]),
                _ => {
                    let end = text[offset..].char_indices().nth(1).map_or(text.len(), |(i, _)| offset + i);
                    text.replace_range(offset..end, FRAGMENTS[fragment.index(FRAGMENTS.len())]);
                }
            }
        }
        check_text(&text)?;
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let text = format!("fn f() -> Int = {}1{}", open.repeat(100_000), close.repeat(100_000));
        let parsed = parse(&text, FileId(0));
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == dync_compiler::Code::E0005),
            "{open}: {:?}",
            parsed.diagnostics.first()
        );
    }
    // Unclosed, too.
    let text = format!("flow f {{ a -> b({} }}", "(".repeat(100_000));
    let parsed = parse(&text, FileId(0));
    assert!(!parsed.diagnostics.is_empty());
    // Long flat operator chains and else-if chains nest too.
    for text in [
        format!("fn f(x: Int) -> Int = x{}", " + x".repeat(100_000)),
        format!("fn f(x: Int) -> Int = {}0{}", "if true { 1 } else ".repeat(50_000), ""),
        format!("fn f(x: Int) -> Int = {}x", "-".repeat(100_000)),
        format!("fn f(x: String) -> String = \"{}\"", "${\"".repeat(50_000)),
    ] {
        let parsed = parse(&text, FileId(0));
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == dync_compiler::Code::E0005),
            "{:?}",
            parsed.diagnostics.first()
        );
    }
}

#[test]
fn wide_but_shallow_programs_are_fine() {
    // Many statements and many rules are not nesting.
    let chains: String = (0..5_000).map(|i| format!("    s{i} -> f{i}\n")).collect();
    let parsed = parse(&format!("flow wide {{\n{chains}}}\n"), FileId(0));
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics.first());
    let rules: String = (0..2_000).map(|i| format!("    on k{i} == \"v\"\n")).collect();
    let parsed = parse(&format!("place f {{\n{rules}}}\n"), FileId(0));
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics.first());
}

/// Random mutations of each example's app file, checked as whole apps (modules loaded from
/// the example's folder): no panic, and every diagnostic labelled inside the file it names.
#[test]
fn mutated_apps_check_without_panics() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let apps: Vec<std::path::PathBuf> =
        ["smart-building", "factory-maintenance"].iter().map(|a| common::root().join("examples").join(a)).collect();
    let mut checked = 0;
    for round in 0..600 {
        let dir = &apps[round % apps.len()];
        let original = common::read(&dir.join("app.dyn"));
        let parsed = parse(&original, FileId(0));
        let tokens: Vec<_> = parsed.tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
        let mut text = original.clone();
        for _ in 0..1 + next() % 3 {
            let token = tokens[(next() as usize) % tokens.len()];
            let other = tokens[(next() as usize) % tokens.len()];
            let (start, end) = (token.start as usize, token.end as usize);
            // Earlier edits shift offsets: skip a token that no longer sits on char boundaries.
            if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            let replacement = match next() % 3 {
                0 => String::new(),
                1 => original[other.range()].to_string(),
                _ => format!("{} {}", &original[token.range()], &original[other.range()]),
            };
            text.replace_range(start..end, &replacement);
        }
        let app = dync_compiler::app::load("app.dyn", &text, &mut common::FolderLoader(dir.clone()));
        let analysis = dync_compiler::sema::analyze(&app);
        for diagnostic in app.diagnostics.iter().chain(&analysis.diagnostics) {
            assert!(!diagnostic.labels.is_empty(), "round {round}: {} without a label", diagnostic.code);
            for label in &diagnostic.labels {
                let file = app.sources.get(label.span.file).expect("label in a known file");
                let (s, e) = (label.span.start as usize, label.span.end as usize);
                assert!(
                    s <= e && e <= file.text.len(),
                    "round {round}: {} label {s}..{e} outside {}",
                    diagnostic.code,
                    file.name
                );
                assert!(file.text.is_char_boundary(s) && file.text.is_char_boundary(e));
                assert!(
                    !file.name.starts_with("<std>"),
                    "round {round}: {} points into the standard library",
                    diagnostic.code
                );
            }
        }
        let all: Vec<_> = app.diagnostics.iter().chain(&analysis.diagnostics).cloned().collect();
        let _ = dync_compiler::render::render_plain(&app.sources, &all);
        checked += 1;
    }
    assert_eq!(checked, 600);
}

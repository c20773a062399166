//! Recovery quality, measured: every single-token deletion, duplication and replacement in the
//! examples is parsed, and a case counts as recovered when it gives at most 2 diagnostics and
//! every item the mutation did not touch parses to the same tree as before (modulo spans).
//! The figure is printed (run with `--nocapture` to see it) and must be at least 90%.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::FileId;
use dync_compiler::syntax::ast::Item;
use dync_compiler::syntax::parse;
use dync_compiler::syntax::token::Token;

#[derive(Default)]
struct Tally {
    cases: usize,
    recovered: usize,
    too_many_diagnostics: usize,
    other_items_changed: usize,
}

/// Items of the original file that do not overlap the mutated byte range.
fn untouched_items(items: &[Item], start: u32, end: u32) -> Vec<&Item> {
    items.iter().filter(|item| item.span.end < start || item.span.start > end).collect()
}

fn evaluate(original: &[Item], mutated_text: &str, start: u32, end: u32, tally: &mut Tally) {
    let parsed = parse(mutated_text, FileId(0));
    let mutated_shapes: Vec<String> = parsed.module.items.iter().map(common::shape).collect();
    let mut remaining = mutated_shapes.clone();
    let mut all_found = true;
    for item in untouched_items(original, start, end) {
        let shape = common::shape(item);
        match remaining.iter().position(|s| *s == shape) {
            Some(i) => {
                remaining.swap_remove(i);
            }
            None => all_found = false,
        }
    }
    tally.cases += 1;
    let few = parsed.diagnostics.len() <= 2;
    if !few {
        tally.too_many_diagnostics += 1;
        if std::env::var_os("DYNC_RECOVERY_VERBOSE").is_some() {
            let context =
                &mutated_text[(start as usize).saturating_sub(30)..(end as usize + 30).min(mutated_text.len())];
            eprintln!("--- at {start}: {context:?}");
            for d in &parsed.diagnostics {
                eprintln!("    {} {} @{:?}", d.code, d.message, d.primary_span());
            }
        }
    }
    if !all_found {
        tally.other_items_changed += 1;
        if std::env::var_os("DYNC_RECOVERY_VERBOSE").is_some() {
            let context =
                &mutated_text[(start as usize).saturating_sub(30)..(end as usize + 30).min(mutated_text.len())];
            eprintln!("=== other item changed at {start}: {context:?}");
        }
    }
    if few && all_found {
        tally.recovered += 1;
    }
}

fn significant(tokens: &[Token]) -> Vec<Token> {
    tokens.iter().copied().filter(|t| !t.kind.is_trivia()).collect()
}

#[test]
fn single_token_mutations_recover() {
    let mut tally = Tally::default();
    for path in common::dyn_files("examples") {
        let text = common::read(&path);
        let parsed = parse(&text, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{} must be clean", path.display());
        let tokens = significant(&parsed.tokens);
        let items = &parsed.module.items;
        for (i, token) in tokens.iter().enumerate() {
            let range = token.range();
            let (start, end) = (token.start, token.end);
            // Deletion.
            let deleted = format!("{}{}", &text[..range.start], &text[range.end..]);
            evaluate(items, &deleted, start, end, &mut tally);
            // Duplication.
            let duplicated = format!("{}{} {}", &text[..range.end], " ", &text[range.start..]);
            evaluate(items, &duplicated, start, end, &mut tally);
            // Replacement by another token of the same file, chosen deterministically.
            let other = tokens[(i * 7 + 3) % tokens.len()];
            if text[other.range()] != text[range.clone()] {
                let replaced = format!("{}{}{}", &text[..range.start], &text[other.range()], &text[range.end..]);
                evaluate(items, &replaced, start, end, &mut tally);
            }
        }
    }
    let percent = 100.0 * tally.recovered as f64 / tally.cases as f64;
    println!(
        "recovery: {} of {} single-token mutations recovered ({percent:.1}%); {} gave more than 2 diagnostics, {} changed another item",
        tally.recovered, tally.cases, tally.too_many_diagnostics, tally.other_items_changed
    );
    assert!(tally.cases > 1000, "too few mutation cases: {}", tally.cases);
    assert!(percent >= 90.0, "recovery figure {percent:.1}% is below 90%");
}

//! The editors' TextMate grammar (`grammar/dyn.tmLanguage.json`) knows every reserved word of the language.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dync_compiler::syntax::token::{KEYWORDS, TokenKind};
use serde_json::Value;

const GRAMMAR: &str = "grammar/dyn.tmLanguage.json";

fn grammar() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(GRAMMAR);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{GRAMMAR} is not valid JSON: {e}"))
}

/// Every `match` and `begin` regex in `value`, without following `include`s.
fn regexes<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("match" | "begin", Value::String(regex)) => out.push(regex),
                    _ => regexes(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| regexes(item, out)),
        _ => {}
    }
}

/// The plain words of each `\b(a|b|c)\b` or `\b(?:a|b|c)\b` alternation in a regex.
fn alternation_words(regex: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = regex;
    while let Some(at) = rest.find(r"\b(") {
        rest = &rest[at + 3..];
        let body = rest.strip_prefix("?:").unwrap_or(rest);
        // The group's end: the `)` at depth 0, skipping escaped characters.
        let (mut depth, mut escaped, mut end) = (0usize, false, None);
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' => depth += 1,
                ')' if depth == 0 => {
                    end = Some(i);
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        let Some(end) = end else { break };
        if body[end + 1..].starts_with(r"\b") {
            let plain = |w: &&str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            words.extend(body[..end].split('|').filter(plain).map(str::to_string));
        }
    }
    words
}

/// The names a grammar fragment includes (`"include": "#name"`), without following them.
fn includes(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("include", Value::String(name)) => {
                        out.insert(name.clone());
                    }
                    _ => includes(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| includes(item, out)),
        _ => {}
    }
}

fn repository(grammar: &Value) -> &serde_json::Map<String, Value> {
    grammar["repository"].as_object().expect("the grammar has a repository")
}

/// Every word of `KEYWORDS` appears in some `\b(...)\b` alternation of a `match` or `begin` regex.
#[test]
fn every_keyword_is_highlighted() {
    let grammar = grammar();
    let mut all = Vec::new();
    regexes(&grammar, &mut all);
    let words: BTreeSet<String> = all.iter().flat_map(|regex| alternation_words(regex)).collect();
    let missing: Vec<&str> = KEYWORDS.iter().copied().filter(|word| !words.contains(*word)).collect();
    assert!(
        missing.is_empty(),
        "{GRAMMAR} does not highlight these keywords of dync_compiler::syntax::token::KEYWORDS \
         (add them to a `\\b(...)\\b` alternation): {missing:?}"
    );
}

/// Placement words are keywords inside `place` and `profile` items only: the expression rules
/// (used everywhere else) never scope them, so `fn f(weight: Float)` stays a plain name.
#[test]
fn placement_words_are_not_keywords_in_expressions() {
    let grammar = grammar();
    let repository = repository(&grammar);
    let mut reached = BTreeSet::from(["expression".to_string()]);
    let mut queue = vec!["expression".to_string()];
    while let Some(name) = queue.pop() {
        let mut found = BTreeSet::new();
        includes(&repository[&name], &mut found);
        for include in found.iter().filter_map(|i| i.strip_prefix('#')) {
            if reached.insert(include.to_string()) {
                queue.push(include.to_string());
            }
        }
    }
    let mut leaks: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for name in &reached {
        let mut all = Vec::new();
        regexes(&repository[name], &mut all);
        let placement: Vec<String> = all
            .iter()
            .flat_map(|regex| alternation_words(regex))
            .filter(|word| TokenKind::placement_keyword(word).is_some())
            .collect();
        if !placement.is_empty() {
            leaks.insert(name, placement);
        }
    }
    assert!(leaks.is_empty(), "placement words scoped by rules the expressions include: {leaks:?}");
}

/// The grammar is `source.dyn`, every `#name` it includes exists, and every repository rule is used.
#[test]
fn includes_resolve() {
    let grammar = grammar();
    assert_eq!(grammar["scopeName"], "source.dyn");
    let repository = repository(&grammar);
    let mut used = BTreeSet::new();
    includes(&grammar, &mut used);
    let unknown: Vec<&String> =
        used.iter().filter(|i| i.as_str() != "$self" && !repository.contains_key(i.trim_start_matches('#'))).collect();
    assert!(unknown.is_empty(), "{GRAMMAR} includes rules its repository does not have: {unknown:?}");
    let unused: Vec<&String> = repository.keys().filter(|name| !used.contains(&format!("#{name}"))).collect();
    assert!(unused.is_empty(), "{GRAMMAR} has repository rules nothing includes: {unused:?}");
}

#[test]
fn alternation_words_reads_word_groups() {
    assert_eq!(alternation_words(r"\b(if|else)\b"), ["if", "else"]);
    assert_eq!(alternation_words(r"(?:\b(source)\s+)?\b(fn)\s+"), Vec::<String>::new());
    assert_eq!(alternation_words(r"x\b(?:a|b\d|c)\b|\b(d)\b"), ["a", "c", "d"]);
    assert_eq!(alternation_words(r"\b([a-z]+)\b"), Vec::<String>::new());
}

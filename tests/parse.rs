//! Parse corpus: each valid program in `tests/parse/` parses without diagnostics; its tree is
//! snapshotted (spans included, as byte ranges).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::FileId;
use dync_compiler::syntax::ast::{FlowStmtKind, ItemKind, StepKind};
use dync_compiler::syntax::parse;

#[test]
fn valid_programs() {
    insta::glob!("parse/*.dyn", |path| {
        let text = common::read(path);
        let (parsed, rendered) = common::parse_and_render(&common::relative(path), &text);
        assert!(parsed.diagnostics.is_empty(), "{} should parse clean:\n{rendered}", path.display());
        insta::assert_snapshot!(format!("{:#?}", parsed.module));
    });
}

/// The last step of the first chain of the first flow.
fn last_step(text: &str) -> StepKind {
    let parsed = parse(text, FileId(0));
    let flow = parsed.module.items.iter().find_map(|i| match &i.kind {
        ItemKind::Flow(flow) => Some(flow),
        _ => None,
    });
    let stmt = flow.and_then(|f| f.stmts.first()).map(|s| &s.kind);
    match stmt {
        Some(FlowStmtKind::Chain { steps, .. }) => steps.last().map(|s| s.kind.clone()).unwrap_or(StepKind::Missing),
        other => panic!("expected a chain in {text:?}, got {other:?}"),
    }
}

#[test]
fn trailing_arrow_gives_a_missing_step() {
    for text in [
        "flow f { a -> }",
        "flow f { a -> b -> }",
        "flow f {\n    a -> b ->\n}\n",
        "flow f { a -> ; b -> c }",
        "flow f { a -> b ->",
        "flow f {\n    a ->\n",
    ] {
        assert_eq!(last_step(text), StepKind::Missing, "in {text:?}");
        let parsed = parse(text, FileId(0));
        assert!(parsed.diagnostics.iter().any(|d| d.code == dync_compiler::Code::E0004), "{text:?} reports the gap");
    }
}

#[test]
fn comments_are_tokens_not_skipped() {
    let text = common::read(&common::root().join("tests/parse/comments.dyn"));
    let parsed = parse(&text, FileId(0));
    use dync_compiler::syntax::token::TokenKind;
    let count = |kind| parsed.tokens.iter().filter(|t| t.kind == kind).count();
    assert_eq!(count(TokenKind::ModuleDoc), 2);
    assert_eq!(count(TokenKind::DocComment), 4);
    assert_eq!(count(TokenKind::LineComment), 8);
    // Every comment's text is recoverable from its token.
    for token in parsed.tokens.iter().filter(|t| t.kind.is_trivia()) {
        assert!(text[token.range()].starts_with("//"));
    }
}

#[test]
fn a_missing_brace_costs_one_item() {
    let text = "flow a {\n    x -> y\n\nflow b {\n    p -> q\n}\n\nplace q { replicas 2 }\n";
    let parsed = parse(text, FileId(0));
    let kinds: Vec<_> = parsed.module.items.iter().map(|i| std::mem::discriminant(&i.kind)).collect();
    assert_eq!(parsed.module.items.len(), 3);
    assert!(kinds.iter().all(|k| *k != std::mem::discriminant(&ItemKind::Error)));
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    assert_eq!(parsed.diagnostics[0].code, dync_compiler::Code::E0003);
}

//! Generates large `.dyn` programs for benchmarks: the smart-building example replicated with
//! renamed identifiers until the file has the requested number of lines.

use dync_compiler::FileId;
use dync_compiler::syntax::ast::ItemKind;
use dync_compiler::syntax::parse;
use dync_compiler::syntax::token::TokenKind;

const APP: &str = include_str!("../../examples/smart-building/app.dyn");
const TYPES: &str = include_str!("../../examples/smart-building/shared/types.dyn");

/// A program of at least `lines` lines: one `app` item, the `use` items, then copies of every
/// other item with each declared name `x` renamed to `x_N` in copy N.
pub fn generate(lines: usize) -> String {
    let mut header = String::new();
    let mut body = String::new();
    let mut declared: std::collections::HashSet<dync_compiler::syntax::ast::SmolStr> = std::collections::HashSet::new();
    for source in [APP, TYPES] {
        let parsed = parse(source, FileId(0));
        for item in &parsed.module.items {
            let name = match &item.kind {
                ItemKind::App(_) | ItemKind::Use(_) => {
                    header.push_str(&source[item.span.range()]);
                    header.push('\n');
                    continue;
                }
                ItemKind::Type(t) => Some(&t.name),
                ItemKind::Enum(e) => Some(&e.name),
                ItemKind::Fn(f) => Some(&f.name),
                ItemKind::Flow(f) => Some(&f.name),
                ItemKind::Profile(p) => Some(&p.name),
                ItemKind::Place(_) | ItemKind::Error => None,
            };
            declared.extend(name.map(|n| n.text.clone()));
            let start = item.docs.as_ref().map_or(item.span.start, |d| d.span.start) as usize;
            body.push_str(&source[start..item.span.end as usize]);
            body.push_str("\n\n");
        }
    }
    // Names brought in by `use` are renamed too, so each copy stays self-contained.
    for name in ["Reading", "RoomAverage", "Alert", "Severity"] {
        declared.insert(name.into());
    }
    let tokens = parse(&body, FileId(0)).tokens;
    let mut out = header;
    let mut copy = 0;
    while out.lines().count() < lines {
        let mut last = 0;
        for token in tokens.iter().filter(|t| t.kind == TokenKind::Ident) {
            let text = &body[token.range()];
            if declared.contains(text) {
                out.push_str(&body[last..token.start as usize]);
                out.push_str(&format!("{text}_{copy}"));
                last = token.end as usize;
            }
        }
        out.push_str(&body[last..]);
        copy += 1;
    }
    out
}

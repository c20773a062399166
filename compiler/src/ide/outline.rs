//! The outline of one file: its symbols (items with their fields, variants, streams and
//! profile members) and its folding ranges (multi-line items and runs of comment lines).

use crate::span::Span;
use crate::syntax::ast::{FieldKind, FlowStmtKind, ItemKind, Module, ProfileMemberKind, TypeDef, VariantKind};
use crate::syntax::token::{Token, TokenKind};

/// What kind of thing a symbol is (the LSP adapter maps these onto its own kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    App,
    Import,
    Record,
    Alias,
    Enum,
    Variant,
    Field,
    Function,
    Flow,
    Stream,
    Place,
    Profile,
}

/// One entry of a file's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// A short description shown beside the name (`handler`, `source`, `3 rules`).
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole construct.
    pub span: Span,
    /// Its name.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

fn symbol(name: &str, kind: SymbolKind, span: Span, selection: Span) -> Symbol {
    Symbol { name: name.to_string(), detail: None, kind, span, selection, children: Vec::new() }
}

/// The symbols of one parsed file, in source order (broken items are left out).
pub fn document_symbols(module: &Module) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    for item in &module.items {
        let span = item.span;
        match &item.kind {
            ItemKind::App(a) => symbols.push(symbol(&a.name.text, SymbolKind::App, span, a.name.span)),
            ItemKind::Use(u) => {
                let path: Vec<&str> = u.path.iter().map(|n| n.text.as_str()).collect();
                if let (Some(first), Some(last)) = (u.path.first(), u.path.last()) {
                    let mut import = symbol(&path.join("::"), SymbolKind::Import, span, first.span.to(last.span));
                    import.detail = Some("use".into());
                    symbols.push(import);
                }
            }
            ItemKind::Type(t) => {
                let (kind, children) = match &t.def {
                    TypeDef::Record(fields) => (
                        SymbolKind::Record,
                        fields
                            .iter()
                            .filter_map(|f| match &f.kind {
                                FieldKind::Field { name, .. } => {
                                    Some(symbol(&name.text, SymbolKind::Field, f.span, name.span))
                                }
                                FieldKind::Error => None,
                            })
                            .collect(),
                    ),
                    TypeDef::Alias(_) => (SymbolKind::Alias, Vec::new()),
                };
                let mut s = symbol(&t.name.text, kind, span, t.name.span);
                s.children = children;
                symbols.push(s);
            }
            ItemKind::Enum(e) => {
                let mut s = symbol(&e.name.text, SymbolKind::Enum, span, e.name.span);
                s.children = e
                    .variants
                    .iter()
                    .filter_map(|v| match &v.kind {
                        VariantKind::Variant { name } => {
                            Some(symbol(&name.text, SymbolKind::Variant, v.span, name.span))
                        }
                        VariantKind::Error => None,
                    })
                    .collect();
                symbols.push(s);
            }
            ItemKind::Fn(f) => {
                let mut s = symbol(&f.name.text, SymbolKind::Function, span, f.name.span);
                s.detail = Some(
                    match (&f.body, f.source.is_some()) {
                        (_, true) => "source",
                        (crate::syntax::ast::FnBody::Expr(_), _) => "expression",
                        (crate::syntax::ast::FnBody::Handler { .. }, _) => "handler",
                        (crate::syntax::ast::FnBody::Intrinsic(_), _) => "intrinsic",
                        (crate::syntax::ast::FnBody::Missing(_), _) => "no body",
                    }
                    .into(),
                );
                symbols.push(s);
            }
            ItemKind::Flow(f) => {
                let mut s = symbol(&f.name.text, SymbolKind::Flow, span, f.name.span);
                s.children = f
                    .stmts
                    .iter()
                    .filter_map(|stmt| match &stmt.kind {
                        FlowStmtKind::Chain { binding: Some(name), .. } => {
                            Some(symbol(&name.text, SymbolKind::Stream, stmt.span, name.span))
                        }
                        _ => None,
                    })
                    .collect();
                symbols.push(s);
            }
            ItemKind::Place(p) => {
                let mut s = symbol(&format!("place {}", p.target.text), SymbolKind::Place, span, p.target.span);
                s.detail = Some(if p.rules.len() == 1 { "1 rule".into() } else { format!("{} rules", p.rules.len()) });
                symbols.push(s);
            }
            ItemKind::Profile(p) => {
                let mut s = symbol(&p.name.text, SymbolKind::Profile, span, p.name.span);
                s.detail = Some("profile".into());
                s.children = p
                    .members
                    .iter()
                    .filter_map(|m| match &m.kind {
                        ProfileMemberKind::Place(place) => Some(symbol(
                            &format!("place {}", place.target.text),
                            SymbolKind::Place,
                            m.span,
                            place.target.span,
                        )),
                        ProfileMemberKind::Fn { name, .. } => {
                            Some(symbol(&format!("fn {}", name.text), SymbolKind::Function, m.span, name.span))
                        }
                        _ => None,
                    })
                    .collect();
                symbols.push(s);
            }
            ItemKind::Error => {}
        }
    }
    symbols
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldKind {
    /// An item, or a block inside one.
    Region,
    /// Two or more consecutive comment lines.
    Comment,
}

/// A foldable range, in 0-based lines (the last line stays visible when folded by most editors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub start_line: usize,
    pub end_line: usize,
    pub kind: FoldKind,
}

/// The folding ranges of one file: every item and every `{ }`, `( )` or `[ ]` group that spans
/// several lines, and every run of two or more comment lines.
pub fn folding_ranges(text: &str, module: &Module, tokens: &[Token]) -> Vec<Fold> {
    let lines = crate::span::LineIndex::new(text);
    let line = |offset: u32| lines.line_of((offset as usize).min(text.len()));
    let mut folds = Vec::new();
    for item in &module.items {
        let (start, end) = (line(item.span.start), line(item.span.end.saturating_sub(1).max(item.span.start)));
        if end > start {
            folds.push(Fold { start_line: start, end_line: end, kind: FoldKind::Region });
        }
    }
    // Bracket groups: a stack of open brackets' lines. Unbalanced closers are skipped.
    let mut open: Vec<(TokenKind, usize)> = Vec::new();
    let mut comment_run: Option<(usize, usize)> = None;
    for token in tokens {
        let kind = token.kind;
        match kind {
            TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => open.push((kind, line(token.start))),
            TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                let opener = match kind {
                    TokenKind::RBrace => TokenKind::LBrace,
                    TokenKind::RParen => TokenKind::LParen,
                    _ => TokenKind::LBracket,
                };
                if let Some(position) = open.iter().rposition(|(k, _)| *k == opener) {
                    let (_, start) = open[position];
                    open.truncate(position);
                    let end = line(token.start);
                    if end > start {
                        folds.push(Fold { start_line: start, end_line: end, kind: FoldKind::Region });
                    }
                }
            }
            _ => {}
        }
        if kind.is_trivia() {
            let here = line(token.start);
            comment_run = match comment_run {
                Some((first, last)) if here == last + 1 => Some((first, here)),
                Some((first, last)) => {
                    if last > first {
                        folds.push(Fold { start_line: first, end_line: last, kind: FoldKind::Comment });
                    }
                    Some((here, here))
                }
                None => Some((here, here)),
            };
        } else if let Some((first, last)) = comment_run
            && line(token.start) > last
        {
            if last > first {
                folds.push(Fold { start_line: first, end_line: last, kind: FoldKind::Comment });
            }
            comment_run = None;
        }
    }
    if let Some((first, last)) = comment_run
        && last > first
    {
        folds.push(Fold { start_line: first, end_line: last, kind: FoldKind::Comment });
    }
    folds.sort_by_key(|f| (f.start_line, std::cmp::Reverse(f.end_line)));
    folds.dedup_by_key(|f| (f.start_line, f.end_line));
    folds
}

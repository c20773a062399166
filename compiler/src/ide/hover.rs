//! Hover: what the name or expression at an offset is, as Markdown (declaration, doc comment,
//! type, and for a function its placement).

use crate::app::App;
use crate::sema::ty::Ty;
use crate::sema::{Analysis, Def, DefKind};
use crate::span::{FileId, Span};
use crate::syntax::ast::{FnBody, Item, ItemKind};

/// The answer to a hover: the span it is about and Markdown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverInfo {
    pub span: Span,
    pub markdown: String,
}

/// What is at `offset` in `file`: a definition or a reference to one (its declaration, docs,
/// type, placement), or else the innermost expression's or stream's type.
pub fn hover(app: &App, analysis: &Analysis, file: FileId, offset: u32) -> Option<HoverInfo> {
    let node = analysis.index.node_at(file, offset)?;
    let markdown = match node.def.and_then(|id| analysis.index.def(id)) {
        Some(def) => describe_def(app, analysis, def, node.ty.as_ref()),
        None => code_block(&node.ty?.to_string()),
    };
    Some(HoverInfo { span: node.span, markdown })
}

fn code_block(text: &str) -> String {
    format!("```dyn\n{}\n```", text.trim_end())
}

/// The source text of a span, if its file is known.
fn text_of(app: &App, span: Span) -> Option<&str> {
    app.sources.get(span.file)?.text.get(span.range())
}

/// The item that declares `def` (by its name's span).
fn item_of<'a>(app: &'a App, def: &Def) -> Option<&'a Item> {
    let module = app.modules.get(def.module)?;
    module.ast.items.iter().find(|item| match &item.kind {
        ItemKind::Fn(f) => f.name.span == def.span,
        ItemKind::Type(t) => t.name.span == def.span,
        ItemKind::Enum(e) => e.name.span == def.span,
        ItemKind::Flow(f) => f.name.span == def.span,
        ItemKind::Profile(p) => p.name.span == def.span,
        ItemKind::App(a) => a.name.span == def.span,
        _ => false,
    })
}

/// An item's text without its doc comment, up to `end` (or its end).
fn item_text(app: &App, item: &Item, end: Option<u32>) -> Option<String> {
    // An item's span may begin with its doc comment.
    let start = match &item.docs {
        Some(docs) if docs.span.start >= item.span.start && docs.span.end <= item.span.end => docs.span.end,
        _ => item.span.start,
    };
    let end = end.unwrap_or(item.span.end).max(start);
    let text = text_of(app, Span { file: item.span.file, start, end })?;
    Some(text.trim().trim_end_matches('=').trim_end().to_string())
}

fn describe_def(app: &App, analysis: &Analysis, def: &Def, ty: Option<&Ty>) -> String {
    let mut parts: Vec<String> = Vec::new();
    // The type at the declaration, else the type where the name is used.
    let declared_type = || analysis.index.type_at(def.span.file, def.span.start).cloned().or_else(|| ty.cloned());
    match def.kind {
        DefKind::Fn => {
            let item = item_of(app, def);
            let signature = item.and_then(|item| match &item.kind {
                ItemKind::Fn(f) => {
                    let body_start = match &f.body {
                        FnBody::Expr(expr) => Some(expr.span.start),
                        FnBody::Handler { span, .. } => Some(span.start),
                        FnBody::Intrinsic(lit) => Some(lit.span.start),
                        FnBody::Missing(span) => Some(span.start),
                    };
                    let text = item_text(app, item, body_start)?;
                    Some(text.trim_end_matches("intrinsic").trim_end().to_string())
                }
                _ => None,
            });
            parts.push(code_block(&signature.unwrap_or_else(|| format!("fn {}", def.name))));
            let kind = item.and_then(|item| match &item.kind {
                ItemKind::Fn(f) => Some(match (&f.body, f.source.is_some()) {
                    (_, true) => "a source: it takes no message",
                    (FnBody::Expr(_), _) => "an expression function, run by the dync runtime",
                    (FnBody::Handler { .. }, _) => "a handler: your program, started by the runtime",
                    (FnBody::Intrinsic(_), _) => "built into the runtime",
                    (FnBody::Missing(_), _) => "no body yet",
                }),
                _ => None,
            });
            if let Some(kind) = kind {
                parts.push(format!("*{kind}*"));
            }
            push_docs(&mut parts, def);
            if !is_std(app, def) || placed(app, &def.name).is_some() {
                parts.push(placement(app, &def.name));
            }
        }
        DefKind::Record | DefKind::Alias | DefKind::Enum => {
            let text = item_of(app, def).and_then(|item| item_text(app, item, None));
            parts.push(code_block(&text.unwrap_or_else(|| format!("type {}", def.name))));
            push_docs(&mut parts, def);
        }
        DefKind::Variant => {
            let owner = def.parent.and_then(|p| analysis.index.def(p)).map(|p| p.name.to_string()).unwrap_or_default();
            parts.push(code_block(&format!("{owner}::{}", def.name)));
            parts.push(format!("*variant of enum `{owner}`*"));
            push_docs(&mut parts, def);
        }
        DefKind::Field => {
            let owner = def.parent.and_then(|p| analysis.index.def(p)).map(|p| p.name.to_string());
            let ty_text = declared_type().map(|t| format!(": {t}")).unwrap_or_default();
            parts.push(code_block(&format!("{}{ty_text}", def.name)));
            if let Some(owner) = owner {
                parts.push(format!("*field of `{owner}`*"));
            }
            push_docs(&mut parts, def);
        }
        DefKind::Flow => {
            parts.push(code_block(&format!("flow {}", def.name)));
            push_docs(&mut parts, def);
        }
        DefKind::Profile => {
            parts.push(code_block(&format!("profile {}", def.name)));
            parts.push("*a named variant: `dync check --profile` / `dync compile --profile`*".into());
            push_docs(&mut parts, def);
        }
        DefKind::App => {
            let text = item_of(app, def).and_then(|item| item_text(app, item, None));
            parts.push(code_block(&text.unwrap_or_else(|| format!("app {}", def.name))));
            push_docs(&mut parts, def);
        }
        kind => {
            let ty_text = declared_type().map(|t| format!(": {t}")).unwrap_or_default();
            let prefix = match kind {
                DefKind::Stream => "stream ",
                DefKind::Generic => "type parameter ",
                _ => "",
            };
            parts.push(code_block(&format!("{prefix}{}{ty_text}", def.name)));
            parts.push(format!("*{}*", kind.describe()));
            push_docs(&mut parts, def);
        }
    }
    parts.join("\n\n")
}

fn push_docs(parts: &mut Vec<String>, def: &Def) {
    if let Some(docs) = &def.docs
        && !docs.trim().is_empty()
    {
        parts.push(docs.trim().to_string());
    }
}

fn is_std(app: &App, def: &Def) -> bool {
    matches!(app.modules.get(def.module).map(|m| &m.origin), Some(crate::app::Origin::Std(_)))
}

/// The `place` item of the function called `name`, in any module of the app.
fn placed<'a>(app: &'a App, name: &str) -> Option<&'a Item> {
    app.modules
        .iter()
        .flat_map(|m| m.ast.items.iter())
        .find(|item| matches!(&item.kind, ItemKind::Place(p) if p.target.text == name))
}

/// The function's placement as written, or what holds without one.
fn placement(app: &App, name: &str) -> String {
    match placed(app, name).and_then(|item| item_text(app, item, None)) {
        Some(text) => format!("**placement**\n\n{}", code_block(&text)),
        None => "**placement**: none (any node, 1 replica)".to_string(),
    }
}

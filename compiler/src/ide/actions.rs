//! Code actions: fixes for diagnostics (the "did you mean" replacement, a missing `use`, removing
//! an unused import, type or function) and, on a placement rule, turning a preferred rule into
//! a required one and back.

use crate::Code;
use crate::app::{App, Origin};
use crate::diagnostic::Diagnostic;
use crate::sema::{Analysis, DefKind};
use crate::span::{FileId, Span};
use crate::syntax::ast::{ItemKind, PlaceItem, ProfileMemberKind, Rule, RuleKind, Strength, UseTail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Refactor,
}

/// One action: its title and the edits (all in the app's files).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeAction {
    pub title: String,
    pub kind: ActionKind,
    pub edits: Vec<(Span, String)>,
    /// The diagnostic it fixes.
    pub fixes: Option<Diagnostic>,
    pub preferred: bool,
}

fn text(app: &App, span: Span) -> &str {
    app.sources.get(span.file).and_then(|f| f.text.get(span.range())).unwrap_or("")
}

/// The actions for the range `start..end` of `file`.
pub fn code_actions(app: &App, analysis: &Analysis, file: FileId, start: u32, end: u32) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    let overlaps = |span: Span| span.file == file && span.start <= end && start <= span.end;
    for diagnostic in app.diagnostics.iter().chain(&analysis.diagnostics) {
        let Some(span) = diagnostic.primary_span() else { continue };
        if !overlaps(span) {
            continue;
        }
        actions.extend(fixes(app, analysis, diagnostic, span));
    }
    actions.extend(placement_toggles(app, file, start, end));
    actions
}

fn fixes(app: &App, analysis: &Analysis, diagnostic: &Diagnostic, span: Span) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    let quick_fix = |title: String, edits: Vec<(Span, String)>, preferred: bool| CodeAction {
        title,
        kind: ActionKind::QuickFix,
        edits,
        fixes: Some(diagnostic.clone()),
        preferred,
    };
    let help = diagnostic.help.as_deref().unwrap_or("");
    if let Some(suggestion) = help.strip_prefix("did you mean `").and_then(|rest| rest.strip_suffix("`?")) {
        // `Level::High` suggested for a span holding only the variant keeps its last part.
        let written = text(app, span);
        let replacement =
            if written.contains("::") { suggestion } else { suggestion.rsplit("::").next().unwrap_or(suggestion) };
        if !replacement.is_empty() && replacement != written {
            actions.push(quick_fix(
                format!("Replace `{written}` with `{replacement}`"),
                vec![(span, replacement.to_string())],
                true,
            ));
        }
    }
    if diagnostic.code == Code::E0111 {
        let name = text(app, span);
        let mut paths: Vec<String> = Vec::new();
        if let Some(path) = help.strip_prefix("import it: `use ").and_then(|rest| rest.strip_suffix('`')) {
            paths.push(path.to_string());
        }
        let module = app.modules.iter().position(|m| m.file == span.file);
        // A type or function of the same name in another module of the app.
        for def in &analysis.index.defs {
            let importable = matches!(def.kind, DefKind::Fn | DefKind::Record | DefKind::Alias | DefKind::Enum);
            if importable && def.name == name && Some(def.module) != module && def.parent.is_none() {
                let path = format!("{}::{}", app.modules[def.module].module_path(), def.name);
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        for path in paths {
            if let Some(edit) = insert_use(app, span.file, &path) {
                actions.push(quick_fix(format!("Add `use {path}`"), vec![edit], false));
            }
        }
    }
    if matches!(diagnostic.code, Code::W0101 | Code::W0102 | Code::W0103)
        && let Some(edit) = removal(app, diagnostic.code, span)
    {
        let what = match diagnostic.code {
            Code::W0101 => "import",
            Code::W0102 => "type",
            _ => "function",
        };
        actions.push(quick_fix(format!("Remove the unused {what} `{}`", text(app, span)), vec![edit], false));
    }
    actions
}

/// Where a new `use` line goes: after the file's last `use` item, else after its `app` item,
/// else at its top (after the module doc comment).
fn insert_use(app: &App, file: FileId, path: &str) -> Option<(Span, String)> {
    let module = app.modules.iter().find(|m| m.file == file)?;
    let source = &app.sources.get(file)?.text;
    let anchor = module
        .ast
        .items
        .iter()
        .rfind(|i| matches!(i.kind, ItemKind::Use(_)))
        .or_else(|| module.ast.items.iter().find(|i| matches!(i.kind, ItemKind::App(_))));
    match anchor {
        Some(item) => {
            let at = line_end(source, item.span.end as usize);
            let separator = if matches!(item.kind, ItemKind::App(_)) { "\n" } else { "" };
            Some((Span::new(file, at, at), format!("{separator}use {path}\n")))
        }
        None => {
            let at = module.ast.docs.as_ref().map_or(0, |d| line_end(source, d.span.end as usize));
            Some((Span::new(file, at, at), format!("use {path}\n\n")))
        }
    }
}

/// The offset just after the end of the line holding `offset`.
fn line_end(text: &str, offset: usize) -> usize {
    text[offset.min(text.len())..].find('\n').map_or(text.len(), |i| offset + i + 1)
}

/// The offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The edit that removes an unused import (one name of a group, or the whole `use`) or an
/// unused item (with its doc comment and the blank line after it).
fn removal(app: &App, code: Code, span: Span) -> Option<(Span, String)> {
    let module = app.modules.iter().find(|m| m.file == span.file)?;
    let source = &app.sources.get(span.file)?.text;
    let item = module.ast.items.iter().find(|i| i.span.start <= span.start && span.end <= i.span.end)?;
    let whole_lines = |from: usize, to: usize| {
        let start = line_start(source, from);
        let mut end = line_end(source, to);
        // One blank line after the item goes with it.
        if source[end..].starts_with('\n') {
            end += 1;
        } else if source[end..].starts_with("\r\n") {
            end += 2;
        }
        Span::new(span.file, start, end)
    };
    let docs_start = item.docs.as_ref().map_or(item.span.start, |d| d.span.start.min(item.span.start));
    match (&item.kind, code) {
        (ItemKind::Use(use_item), Code::W0101) => match &use_item.tail {
            UseTail::Group(names) if names.len() > 1 => {
                let position = names.iter().position(|n| n.span.start <= span.start && span.end <= n.span.end)?;
                // Remove the name with the comma after it, or before it for the last one.
                let removed = if position + 1 < names.len() {
                    Span::new(span.file, names[position].span.start as usize, names[position + 1].span.start as usize)
                } else {
                    Span::new(span.file, names[position - 1].span.end as usize, names[position].span.end as usize)
                };
                Some((removed, String::new()))
            }
            _ => Some((whole_lines(docs_start as usize, item.span.end as usize), String::new())),
        },
        (ItemKind::Type(_) | ItemKind::Enum(_), Code::W0102) | (ItemKind::Fn(_), Code::W0103) => {
            Some((whole_lines(docs_start as usize, item.span.end as usize), String::new()))
        }
        _ => None,
    }
}

/// On a placement rule: required ↔ preferred.
fn placement_toggles(app: &App, file: FileId, start: u32, end: u32) -> Vec<CodeAction> {
    let Some(module) = app.modules.iter().find(|m| m.file == file) else { return Vec::new() };
    if matches!(module.origin, Origin::Std(_)) {
        return Vec::new();
    }
    let mut places: Vec<&PlaceItem> = Vec::new();
    for item in &module.ast.items {
        match &item.kind {
            ItemKind::Place(place) => places.push(place),
            ItemKind::Profile(profile) => places.extend(profile.members.iter().filter_map(|m| match &m.kind {
                ProfileMemberKind::Place(place) => Some(place),
                _ => None,
            })),
            _ => {}
        }
    }
    let mut actions = Vec::new();
    for rule in places.iter().flat_map(|p| p.rules.iter()) {
        if rule.span.file != file || rule.span.start > end || start > rule.span.end {
            continue;
        }
        if let Some(action) = toggle(app, rule) {
            actions.push(action);
        }
    }
    actions
}

fn toggle(app: &App, rule: &Rule) -> Option<CodeAction> {
    let (strength, is_node) = match &rule.kind {
        RuleKind::Node { strength, .. } => (strength, true),
        RuleKind::Near { strength, .. } | RuleKind::Apart { strength, .. } | RuleKind::Spread { strength, .. } => {
            (strength, false)
        }
        _ => return None,
    };
    let file = rule.span.file;
    let written = text(app, rule.span);
    let (title, edits) = match strength {
        Strength::Required => {
            let edit = if is_node {
                // `on` → `prefer`.
                (Span::new(file, rule.span.start as usize, rule.span.start as usize + 2), "prefer".to_string())
            } else {
                (Span::new(file, rule.span.start as usize, rule.span.start as usize), "prefer ".to_string())
            };
            (format!("Make `{written}` a preference"), vec![edit])
        }
        Strength::Preferred { prefer, weight } => {
            let source = &app.sources.get(file)?.text;
            let mut edits = Vec::new();
            // `prefer` → `on` for a node rule; removed (with its space) for the others.
            if is_node {
                edits.push((*prefer, "on".to_string()));
            } else {
                let after = source[prefer.end as usize..].len() - source[prefer.end as usize..].trim_start().len();
                edits.push((Span::new(file, prefer.start as usize, prefer.end as usize + after), String::new()));
            }
            if let Some(weight) = weight {
                // ` weight N`: from the end of what precedes `weight` to the number's end.
                let before = source[..weight.span.start as usize].trim_end_matches(|c: char| c.is_ascii_digit());
                let keyword_start = before.trim_end().strip_suffix("weight").map(|s| s.trim_end().len())?;
                edits.push((Span::new(file, keyword_start, weight.span.end as usize), String::new()));
            }
            (format!("Require `{written}`"), edits)
        }
    };
    Some(CodeAction { title, kind: ActionKind::Refactor, edits, fixes: None, preferred: false })
}

//! Rename: every occurrence of a function, type, field, variant, stream, parameter, flow or
//! profile across the app's files, refused (with the reason) when the new name is not a name,
//! is reserved, collides with a name already in scope, or cannot become a Kubernetes name.

use crate::app::{App, Origin};
use crate::sema::{Analysis, DefId, DefKind};
use crate::span::{FileId, Span};
use crate::syntax::lexer::lex;
use crate::syntax::token::{KEYWORDS, TokenKind};

/// What a rename at an offset would rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameTarget {
    /// The name at the cursor.
    pub span: Span,
    pub name: String,
    pub def: DefId,
}

fn renamable(kind: DefKind) -> bool {
    matches!(
        kind,
        DefKind::Fn
            | DefKind::Record
            | DefKind::Alias
            | DefKind::Enum
            | DefKind::Variant
            | DefKind::Field
            | DefKind::Stream
            | DefKind::Param
            | DefKind::Flow
            | DefKind::Profile
            | DefKind::Binding
    )
}

/// The name at `offset`, if it can be renamed; else why not.
pub fn prepare_rename(app: &App, analysis: &Analysis, file: FileId, offset: u32) -> Result<RenameTarget, String> {
    let index = &analysis.index;
    let (span, def) = index
        .refs
        .iter()
        .filter(|(span, _)| span.file == file && span.start <= offset && offset <= span.end)
        .min_by_key(|(span, _)| span.len())
        .copied()
        .ok_or_else(|| "there is no name here to rename".to_string())?;
    let declared = index.def(def).ok_or_else(|| "there is no name here to rename".to_string())?;
    if app.modules.get(declared.module).is_some_and(|m| matches!(m.origin, Origin::Std(_))) {
        return Err(format!("`{}` is declared in the standard library and cannot be renamed", declared.name));
    }
    if !renamable(declared.kind) {
        return Err(format!("a {} cannot be renamed", declared.kind.describe()));
    }
    let name = app.sources.get(file).and_then(|f| f.text.get(span.range())).unwrap_or(&declared.name).to_string();
    // A `use ... as alias` names the alias, not the definition.
    if name != declared.name {
        return Err(format!("`{name}` is an alias of `{}` made by `use`: edit the `use` item", declared.name));
    }
    Ok(RenameTarget { span, name, def })
}

/// Whether `name` is a single identifier that is not a reserved word.
fn check_identifier(name: &str) -> Result<(), String> {
    if KEYWORDS.contains(&name) || name == "_" {
        return Err(format!("`{name}` is a reserved word of the language"));
    }
    let tokens = lex(name, FileId(0)).tokens;
    let is_one_ident = tokens.len() == 1 && tokens[0].kind == TokenKind::Ident && tokens[0].end as usize == name.len();
    if !is_one_ident {
        return Err(format!(
            "`{name}` is not a name: use letters, digits and `_`, starting with a letter (e.g. `too_hot`)"
        ));
    }
    Ok(())
}

/// The edits that rename the name at `offset` to `new_name` in every file of the app.
pub fn rename(
    app: &App,
    analysis: &Analysis,
    file: FileId,
    offset: u32,
    new_name: &str,
) -> Result<Vec<(Span, String)>, String> {
    let target = prepare_rename(app, analysis, file, offset)?;
    if new_name == target.name {
        return Ok(Vec::new());
    }
    check_identifier(new_name)?;
    let index = &analysis.index;
    let declared = index.def(target.def).ok_or_else(|| "there is no name here to rename".to_string())?;
    if declared.kind == DefKind::Fn {
        // Functions become Kubernetes objects: `_` → `-`, at most 63 characters.
        let service = new_name.replace('_', "-");
        if !crate::sema::flow::is_dns_1035_label(&service) {
            return Err(format!(
                "`{new_name}` cannot name a function: it becomes the Kubernetes name `{service}`, which must be at most 63 lowercase letters, digits and `-`, starting with a letter and not ending with `-`"
            ));
        }
    }
    // Siblings: fields of the same record, variants of the same enum.
    if matches!(declared.kind, DefKind::Field | DefKind::Variant)
        && let Some(other) =
            index.defs.iter().find(|d| d.parent == declared.parent && d.kind == declared.kind && d.name == new_name)
    {
        return Err(format!(
            "`{new_name}` already names a {} here (line {})",
            other.kind.describe(),
            line_of(app, other.span)
        ));
    }
    let spans = index.references(target.def);
    // Every place the name is used must not already see another `new_name`.
    for span in &spans {
        let clash =
            index.visible_names(span.file, span.start).into_iter().find(|(n, d)| n == new_name && *d != target.def);
        if let Some((_, other)) = clash
            && let Some(other) = index.def(other)
        {
            let file_name = app.sources.get(other.span.file).map_or("?", |f| f.name.as_str());
            return Err(format!(
                "`{new_name}` already names a {} visible there ({file_name}, line {})",
                other.kind.describe(),
                line_of(app, other.span)
            ));
        }
    }
    // Top-level names also must not collide with an item of the same module.
    if matches!(
        declared.kind,
        DefKind::Fn | DefKind::Record | DefKind::Alias | DefKind::Enum | DefKind::Flow | DefKind::Profile
    ) && let Some(other) = index.defs.iter().find(|d| {
        d.module == declared.module
            && d.name == new_name
            && matches!(
                d.kind,
                DefKind::Fn | DefKind::Record | DefKind::Alias | DefKind::Enum | DefKind::Flow | DefKind::Profile
            )
    }) {
        return Err(format!(
            "`{new_name}` already names a {} (line {})",
            other.kind.describe(),
            line_of(app, other.span)
        ));
    }
    Ok(spans.into_iter().map(|span| (span, new_name.to_string())).collect())
}

fn line_of(app: &App, span: Span) -> usize {
    app.sources.get(span.file).map_or(0, |f| f.line_col(span.start as usize).line)
}

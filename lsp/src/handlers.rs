//! The requests, answered from one snapshot (or, for symbols, folding and formatting, from the
//! document's current text): each converts positions, asks `dync_compiler::ide`, converts back.

use dync_compiler::ide::{self, FoldKind, Symbol, SymbolKind as Kind};
use dync_compiler::span::FileId;
use dync_compiler::syntax;
use tower_lsp_server::ls_types::*;

use crate::position::LineMap;
use crate::workspace::FileRef;
use crate::workspace::Snapshot;

/// Applies one change event to a document's text; ranges are clamped to the text.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = LineMap::new(text);
            let start = lines.offset(text, range.start);
            let end = lines.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

/// The app file of `uri` in the snapshot and the byte offset of `position` in it.
fn locate<'a>(
    snapshot: &'a Snapshot,
    uri: &Uri,
    position: Position,
) -> Option<(&'a crate::workspace::AppAnalysis, FileId, u32)> {
    let (app, file) = snapshot.app_file(uri)?;
    let lines = app.lines.get(file.0 as usize)?;
    let offset = lines.offset(app.text(file), position);
    Some((app, file, u32::try_from(offset).unwrap_or(u32::MAX)))
}

pub fn hover(snapshot: &Snapshot, uri: &Uri, position: Position) -> Option<Hover> {
    let (app, file, offset) = locate(snapshot, uri, position)?;
    let info = ide::hover(&app.app, &app.analysis, file, offset)?;
    let range = app.location(info.span).map(|l| l.range);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: info.markdown }),
        range,
    })
}

pub fn definition(snapshot: &Snapshot, uri: &Uri, position: Position) -> Option<Location> {
    let (app, file, offset) = locate(snapshot, uri, position)?;
    app.location(ide::definition(&app.analysis.index, file, offset)?)
}

pub fn references(
    snapshot: &Snapshot,
    uri: &Uri,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let (app, file, offset) = locate(snapshot, uri, position)?;
    let spans = ide::references(&app.analysis.index, file, offset, include_declaration);
    Some(spans.into_iter().filter_map(|span| app.location(span)).collect())
}

fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::App => SymbolKind::PACKAGE,
        Kind::Import => SymbolKind::MODULE,
        Kind::Record => SymbolKind::STRUCT,
        Kind::Alias => SymbolKind::TYPE_PARAMETER,
        Kind::Enum => SymbolKind::ENUM,
        Kind::Variant => SymbolKind::ENUM_MEMBER,
        Kind::Field => SymbolKind::FIELD,
        Kind::Function => SymbolKind::FUNCTION,
        Kind::Flow => SymbolKind::EVENT,
        Kind::Stream => SymbolKind::VARIABLE,
        Kind::Place => SymbolKind::OBJECT,
        Kind::Profile => SymbolKind::NAMESPACE,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written
fn document_symbol(symbol: Symbol, lines: &LineMap, text: &str) -> DocumentSymbol {
    let range = lines.range(text, symbol.span.start as usize, symbol.span.end as usize);
    let selection = lines.range(text, symbol.selection.start as usize, symbol.selection.end as usize);
    DocumentSymbol {
        name: if symbol.name.is_empty() { "_".into() } else { symbol.name },
        detail: symbol.detail,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range,
        // The selection must lie inside the range.
        selection_range: if selection.start >= range.start && selection.end <= range.end { selection } else { range },
        children: Some(symbol.children.into_iter().map(|c| document_symbol(c, lines, text)).collect()),
    }
}

pub fn document_symbols(text: &str) -> Vec<DocumentSymbol> {
    let parsed = syntax::parse(text, FileId(0));
    let lines = LineMap::new(text);
    ide::document_symbols(&parsed.module).into_iter().map(|s| document_symbol(s, &lines, text)).collect()
}

pub fn folding_ranges(text: &str) -> Vec<FoldingRange> {
    let parsed = syntax::parse(text, FileId(0));
    ide::folding_ranges(text, &parsed.module, &parsed.tokens)
        .into_iter()
        .map(|fold| FoldingRange {
            start_line: u32::try_from(fold.start_line).unwrap_or(u32::MAX),
            end_line: u32::try_from(fold.end_line).unwrap_or(u32::MAX),
            kind: Some(match fold.kind {
                FoldKind::Region => FoldingRangeKind::Region,
                FoldKind::Comment => FoldingRangeKind::Comment,
            }),
            ..FoldingRange::default()
        })
        .collect()
}

/// The whole document replaced by its canonical layout (`dync fmt`); nothing when it is
/// already formatted or has syntax errors (which the diagnostics show).
pub fn formatting(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = dync_compiler::format::format(text, FileId(0)).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let lines = LineMap::new(text);
    Some(vec![TextEdit { range: lines.range(text, 0, text.len()), new_text: formatted }])
}

fn completion_kind(kind: ide::CompletionKind) -> CompletionItemKind {
    match kind {
        ide::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        ide::CompletionKind::Snippet => CompletionItemKind::SNIPPET,
        ide::CompletionKind::Function => CompletionItemKind::FUNCTION,
        ide::CompletionKind::Stream => CompletionItemKind::VARIABLE,
        ide::CompletionKind::Type => CompletionItemKind::STRUCT,
        ide::CompletionKind::Field => CompletionItemKind::FIELD,
        ide::CompletionKind::Variant => CompletionItemKind::ENUM_MEMBER,
        ide::CompletionKind::Variable => CompletionItemKind::VARIABLE,
        ide::CompletionKind::Property => CompletionItemKind::PROPERTY,
        ide::CompletionKind::Value => CompletionItemKind::VALUE,
    }
}

pub fn completion(
    snapshot: &Snapshot,
    uri: &Uri,
    position: Position,
    cluster: Option<&ide::ClusterLabels>,
) -> Option<CompletionResponse> {
    let (app, file, offset) = locate(snapshot, uri, position)?;
    let items = ide::completions(&app.app, &app.analysis, file, offset, cluster);
    Some(CompletionResponse::Array(
        items
            .into_iter()
            .map(|c| CompletionItem {
                label: c.label,
                kind: Some(completion_kind(c.kind)),
                detail: c.detail,
                documentation: c
                    .documentation
                    .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
                sort_text: Some(c.sort),
                insert_text: c.insert,
                insert_text_format: Some(if c.snippet {
                    InsertTextFormat::SNIPPET
                } else {
                    InsertTextFormat::PLAIN_TEXT
                }),
                ..CompletionItem::default()
            })
            .collect(),
    ))
}

/// The label keys and values of a node inventory (`kubectl get nodes -o yaml` or the native
/// form), for completion in `place` blocks.
pub fn cluster_labels(path: &std::path::Path) -> Result<ide::ClusterLabels, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let inventory = dync_compiler::cluster::inventory_from_yaml(&text).map_err(|error| match error {
        dync_compiler::cluster::InventoryError::NotYaml(e) => format!("`{shown}` is not valid YAML: {e}"),
        dync_compiler::cluster::InventoryError::Unusable(problems) => {
            format!("`{shown}` is not a usable node inventory: {}", problems.join("; "))
        }
    })?;
    let mut labels = ide::ClusterLabels::new();
    for node in inventory.nodes {
        for (key, value) in node.labels {
            labels.entry(key).or_default().insert(value);
        }
    }
    Ok(labels)
}

/// The range and current text of the name to rename, or why it cannot be renamed.
pub fn prepare_rename(
    snapshot: &Snapshot,
    uri: &Uri,
    position: Position,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some((app, file, offset)) = locate(snapshot, uri, position) else { return Ok(None) };
    let target = ide::prepare_rename(&app.app, &app.analysis, file, offset)?;
    let Some(location) = app.location(target.span) else { return Ok(None) };
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder { range: location.range, placeholder: target.name }))
}

/// The edits of a rename in every file of the app, or why it is refused.
pub fn rename(
    snapshot: &Snapshot,
    uri: &Uri,
    position: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let Some((app, file, offset)) = locate(snapshot, uri, position) else { return Ok(None) };
    let edits = ide::rename(&app.app, &app.analysis, file, offset, new_name)?;
    let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = std::collections::HashMap::new();
    for (span, text) in edits {
        let Some(location) = app.location(span) else {
            return Err("a use of this name is in a file the editor cannot reach".into());
        };
        changes.entry(location.uri).or_default().push(TextEdit { range: location.range, new_text: text });
    }
    Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
}

/// The code actions for a range: fixes for its diagnostics and placement refactorings.
pub fn code_actions(
    snapshot: &Snapshot,
    uri: &Uri,
    range: Range,
    cache: Option<&crate::Cache>,
) -> Option<CodeActionResponse> {
    let (app, file, start) = locate(snapshot, uri, range.start)?;
    let lines = app.lines.get(file.0 as usize)?;
    let end = u32::try_from(lines.offset(app.text(file), range.end)).unwrap_or(u32::MAX);
    let mut response = Vec::new();
    for action in ide::code_actions(&app.app, &app.analysis, file, start, end.max(start)) {
        let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = std::collections::HashMap::new();
        for (span, new_text) in &action.edits {
            let Some(location) = app.location(*span) else { continue };
            changes
                .entry(location.uri)
                .or_default()
                .push(TextEdit { range: location.range, new_text: new_text.clone() });
        }
        let diagnostics = action.fixes.as_ref().map(|d| {
            let text = app.text(file);
            vec![crate::workspace::to_lsp(d, lines, text, |s| app.location(s), cache)]
        });
        response.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: action.title,
            kind: Some(match action.kind {
                ide::ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                ide::ActionKind::Refactor => CodeActionKind::REFACTOR_REWRITE,
            }),
            diagnostics,
            edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
            is_preferred: action.preferred.then_some(true),
            ..CodeAction::default()
        }));
    }
    Some(response)
}

/// The token types and modifiers, in the order `ide::TokenClass` and the modifier bits use.
pub fn semantic_tokens_legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::KEYWORD,
            SemanticTokenType::TYPE,
            SemanticTokenType::ENUM,
            SemanticTokenType::ENUM_MEMBER,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::PARAMETER,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::PROPERTY,
            SemanticTokenType::NAMESPACE,
            SemanticTokenType::STRING,
            SemanticTokenType::NUMBER,
            SemanticTokenType::COMMENT,
            SemanticTokenType::OPERATOR,
        ],
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::DOCUMENTATION,
            SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

fn class_index(class: ide::TokenClass) -> u32 {
    use ide::TokenClass as C;
    match class {
        C::Keyword => 0,
        C::Type => 1,
        C::Enum => 2,
        C::EnumMember => 3,
        C::Function => 4,
        C::Parameter => 5,
        C::Variable => 6,
        C::Property => 7,
        C::Namespace => 8,
        C::String => 9,
        C::Number => 10,
        C::Comment => 11,
        C::Operator => 12,
    }
}

/// Semantic tokens of a whole document, relative-encoded as the protocol wants.
pub fn semantic_tokens(snapshot: &Snapshot, uri: &Uri, current_text: Option<&str>) -> Option<SemanticTokens> {
    let (classified, text) = match snapshot.files.get(uri)? {
        FileRef::App { .. } => {
            let (app, file) = snapshot.app_file(uri)?;
            let text = app.text(file).to_string();
            let module = app.app.modules.iter().find(|m| m.file == file)?;
            let tokens = syntax::lexer::lex(&text, file).tokens;
            (ide::semantic_tokens(Some(&app.app), Some(&app.analysis), file, &text, &module.ast, &tokens), text)
        }
        FileRef::Standalone => {
            let text = current_text?.to_string();
            let parsed = syntax::parse(&text, FileId(0));
            (ide::semantic_tokens(None, None, FileId(0), &text, &parsed.module, &parsed.tokens), text)
        }
    };
    let lines = LineMap::new(&text);
    let mut data = Vec::with_capacity(classified.len());
    let (mut previous_line, mut previous_start) = (0u32, 0u32);
    for token in classified {
        let start = lines.position(&text, token.start as usize);
        let end = lines.position(&text, token.end as usize);
        if start.line != end.line {
            continue; // one line per token: the protocol's default
        }
        let length = end.character - start.character;
        if length == 0 {
            continue;
        }
        let delta_line = start.line - previous_line;
        let delta_start = if delta_line == 0 { start.character - previous_start } else { start.character };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: class_index(token.class),
            token_modifiers_bitset: token.modifiers,
        });
        previous_line = start.line;
        previous_start = start.character;
    }
    Some(SemanticTokens { result_id: None, data })
}

pub fn signature_help(snapshot: &Snapshot, uri: &Uri, position: Position) -> Option<SignatureHelp> {
    let (app, file, offset) = locate(snapshot, uri, position)?;
    let text = app.text(file);
    let tokens = syntax::lexer::lex(text, file).tokens;
    let info = ide::signature_help(&app.analysis, file, text, &tokens, offset)?;
    let active = u32::try_from(info.active).unwrap_or(0);
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: info.label,
            documentation: info
                .documentation
                .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
            parameters: Some(
                info.parameters
                    .into_iter()
                    .map(|p| ParameterInformation { label: ParameterLabel::Simple(p), documentation: None })
                    .collect(),
            ),
            active_parameter: Some(active),
        }],
        active_signature: Some(0),
        active_parameter: Some(active),
    })
}

pub fn inlay_hints(snapshot: &Snapshot, uri: &Uri, range: Range) -> Option<Vec<InlayHint>> {
    let (app, file, start) = locate(snapshot, uri, range.start)?;
    let lines = app.lines.get(file.0 as usize)?;
    let text = app.text(file);
    let end = u32::try_from(lines.offset(text, range.end)).unwrap_or(u32::MAX);
    Some(
        ide::inlay_hints(&app.analysis, file, text, start, end)
            .into_iter()
            .map(|hint| InlayHint {
                position: lines.position(text, hint.offset as usize),
                label: InlayHintLabel::String(hint.label),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: Some(false),
                padding_right: Some(true),
                data: None,
            })
            .collect(),
    )
}

/// Whether every character of `query` appears in `name` in order (case-insensitive).
fn fuzzy_match(name: &str, query: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query.chars().flat_map(char::to_lowercase).all(|q| chars.any(|c| c == q))
}

/// Every declaration of every analysed app whose name matches `query`.
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for app in &snapshot.apps {
        for module in &app.app.modules {
            if app.is_std(module.file) {
                continue;
            }
            let Some(Some(uri)) = app.uris.get(module.file.0 as usize) else { continue };
            let lines = &app.lines[module.file.0 as usize];
            let text = app.text(module.file);
            let mut stack: Vec<(ide::Symbol, Option<String>)> =
                ide::document_symbols(&module.ast).into_iter().map(|s| (s, None)).collect();
            while let Some((symbol, container)) = stack.pop() {
                for child in symbol.children.iter().cloned() {
                    stack.push((child, Some(symbol.name.clone())));
                }
                if symbol.kind == ide::SymbolKind::Import || !fuzzy_match(&symbol.name, query) {
                    continue;
                }
                let range = lines.range(text, symbol.selection.start as usize, symbol.selection.end as usize);
                if !seen.insert((uri.clone(), range.start, symbol.name.clone())) {
                    continue;
                }
                out.push(WorkspaceSymbol {
                    name: symbol.name,
                    kind: symbol_kind(symbol.kind),
                    tags: None,
                    container_name: container,
                    location: OneOf::Left(Location { uri: uri.clone(), range }),
                    data: None,
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

//! Completion that knows where it is: item keywords and snippets between items; after `->` in a
//! flow, the functions whose input accepts what flows there first; at a chain's start, streams
//! and sources; types after `:`; fields after `.`; variants after `Enum::`; placement words,
//! label keys (aliases, and those of a node inventory) and their values inside `place`.

use std::collections::{BTreeMap, BTreeSet};

use crate::app::{App, LoadedModule};
use crate::sema::ty::{Ty, compatible};
use crate::sema::{Analysis, DefId, DefKind, FnInfo};
use crate::span::{FileId, Span};
use crate::syntax::ast::{FnBody, ItemKind};
use crate::syntax::lexer::lex;
use crate::syntax::token::{Token, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Snippet,
    Function,
    Stream,
    Type,
    Field,
    Variant,
    Variable,
    Property,
    Value,
}

/// One proposal. `sort` orders them (the editor filters by what is typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// What to insert, when not the label; a snippet (`${1:name}`) when `snippet`.
    pub insert: Option<String>,
    pub snippet: bool,
    pub sort: String,
}

fn item(label: impl Into<String>, kind: CompletionKind, rank: u8) -> CompletionItem {
    let label = label.into();
    CompletionItem {
        sort: format!("{rank}{label}"),
        label,
        kind,
        detail: None,
        documentation: None,
        insert: None,
        snippet: false,
    }
}

/// Label keys and their values in a node inventory (`--cluster`), for `place` blocks.
pub type ClusterLabels = BTreeMap<String, BTreeSet<String>>;

const ITEM_SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "app",
        "app ${1:name} {\n    dync = \"0.1\"\n    namespace = \"${2:name}\"\n}",
        "the app: language version and namespace",
    ),
    ("use", "use std::io::{${1:mqtt_in}, ${2:log}}", "import names from a module"),
    ("type", "type ${1:Name} {\n    ${2:field}: ${3:String}\n}", "a record type"),
    ("enum", "enum ${1:Name} { ${2:A}, ${3:B} }", "an enum"),
    ("fn", "fn ${1:name}(${2:msg}: ${3:Type}) -> ${4:Type} = ${0:msg}", "a function written in the language"),
    (
        "fn handler",
        "fn ${1:name}(${2:raw}: ${3:Bytes}) -> ${4:Type} {\n    exec = \"${5:python3 handlers/${1:name}.py}\"\n    image = \"${6:registry.example.com/${1:name}:1.0}\"\n}",
        "a function run by your own program",
    ),
    ("flow", "flow ${1:name} {\n    ${2:source} -> ${0}\n}", "a dataflow"),
    ("place", "place ${1:function} {\n    on ${2:tier} == \"${3:edge}\"\n}", "where a function may run"),
    ("profile", "profile ${1:name} {\n    ${0}\n}", "a named variant: placement, endpoints, config"),
];

const PLACE_RULES: &[(&str, &str)] = &[
    ("on", "a required node label: `on tier == \"edge\"`"),
    ("prefer", "a preferred node label or rule: `prefer zone in [\"a\"] weight 50`"),
    ("near", "run on the same host (or `by zone`) as another function"),
    ("apart", "run on another host (or `by zone`) than another function"),
    ("spread", "spread replicas: `spread by zone skew 1`"),
    ("tolerate", "tolerate a taint: `tolerate dedicated == \"gpu\" effect \"NoSchedule\"`"),
    ("resources", "requests and limits: `resources cpu 100m..500m, memory 64Mi`"),
    ("replicas", "`replicas 2` or `replicas 1..4 when cpu > 70%`"),
    ("budget", "disruption budget: `budget min_available 1`"),
];

const LABEL_ALIASES: &[(&str, &str)] = &[
    ("zone", "topology.kubernetes.io/zone"),
    ("region", "topology.kubernetes.io/region"),
    ("host", "kubernetes.io/hostname"),
    ("arch", "kubernetes.io/arch"),
    ("os", "kubernetes.io/os"),
];

const BUILTIN_TYPES: &[&str] = &["Int", "Float", "Bool", "String", "Bytes", "Timestamp", "Duration", "List"];

/// What is around the cursor: the word being typed and the two significant tokens before it.
struct Context<'a> {
    text: &'a str,
    word_start: usize,
    tokens: Vec<Token>,
    /// Index in `tokens` of the first token at or after the word.
    at: usize,
}

impl Context<'_> {
    fn back(&self, n: usize) -> Option<&Token> {
        self.at.checked_sub(n + 1).and_then(|i| self.tokens.get(i))
    }

    fn kind_back(&self, n: usize) -> Option<TokenKind> {
        self.back(n).map(|t| t.kind)
    }

    fn text_back(&self, n: usize) -> &str {
        self.back(n).and_then(|t| self.text.get(t.start as usize..t.end as usize)).unwrap_or("")
    }

    /// Whether nothing but blanks stands between the start of the line and the word.
    fn at_line_start(&self) -> bool {
        let line_start = self.text[..self.word_start].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..self.word_start].trim().is_empty()
    }
}

/// The completions at `offset` in `file` of an analysed app. `cluster` adds the label keys and
/// values of a node inventory inside `place` blocks.
pub fn completions(
    app: &App,
    analysis: &Analysis,
    file: FileId,
    offset: u32,
    cluster: Option<&ClusterLabels>,
) -> Vec<CompletionItem> {
    let Some(module) = app.modules.iter().find(|m| m.file == file) else { return Vec::new() };
    let Some(source) = app.sources.get(file) else { return Vec::new() };
    let text = source.text.as_str();
    let offset = crate::span::floor_char_boundary(text, offset as usize);
    let word_start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(offset, |(i, _)| i);
    let tokens: Vec<Token> = lex(text, file).tokens.into_iter().filter(|t| !t.kind.is_trivia()).collect();
    let at = tokens.partition_point(|t| (t.end as usize) <= word_start && (t.start as usize) < word_start);
    let context = Context { text, word_start, tokens, at };
    let cursor = word_start as u32;

    // The item the cursor is in (its end included: `a -> ` at the end of a file).
    // An unclosed item (`flow f { a -> ` at the end of the file) reaches up to the cursor.
    let enclosing = module
        .ast
        .items
        .iter()
        .rev()
        .find(|item| item.span.start < cursor)
        .filter(|item| cursor <= item.span.end || brace_depth_in_item(&context, item.span.start) > 0);
    let mut items = match enclosing.map(|i| &i.kind) {
        None => item_keywords(),
        Some(_)
            if context.at_line_start()
                && context.kind_back(0) == Some(TokenKind::RBrace)
                && brace_depth(&context) == 0 =>
        {
            item_keywords()
        }
        Some(ItemKind::Flow(_)) => flow_completions(analysis, module, &context, cursor),
        Some(ItemKind::Fn(f)) => {
            let body_start = match &f.body {
                FnBody::Expr(e) => e.span.start,
                FnBody::Handler { span, .. } => span.start,
                FnBody::Intrinsic(lit) => lit.span.start,
                FnBody::Missing(span) => span.start,
            };
            if cursor < body_start || matches!(context.kind_back(0), Some(TokenKind::Colon)) {
                type_completions(analysis, file, cursor)
            } else if let FnBody::Handler { .. } = &f.body {
                handler_completions(&context)
            } else {
                expression_completions(analysis, file, cursor, &context)
            }
        }
        Some(ItemKind::Type(_)) => match context.kind_back(0) {
            Some(TokenKind::Colon | TokenKind::Lt | TokenKind::Comma) => type_completions(analysis, file, cursor),
            _ => Vec::new(),
        },
        Some(ItemKind::Place(_)) => place_completions(analysis, file, cursor, &context, cluster),
        Some(ItemKind::Profile(_)) => {
            if context.at_line_start() && brace_depth_in_item(&context, enclosing.map_or(0, |i| i.span.start)) == 1 {
                ["place", "fn", "replace", "namespace", "registry"]
                    .iter()
                    .map(|k| item(*k, CompletionKind::Keyword, 0))
                    .collect()
            } else {
                place_completions(analysis, file, cursor, &context, cluster)
            }
        }
        Some(ItemKind::App(_)) => {
            ["dync", "namespace", "registry", "runtime_image", "labels", "metrics_scraper", "ingress_from"]
                .iter()
                .map(|k| item(*k, CompletionKind::Property, 0))
                .collect()
        }
        Some(ItemKind::Use(_)) => use_completions(app, &context),
        Some(ItemKind::Enum(_)) => Vec::new(),
        Some(ItemKind::Error) => {
            if context.at_line_start() {
                item_keywords()
            } else {
                Vec::new()
            }
        }
    };
    items.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.label.cmp(&b.label)));
    items.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    items
}

/// How many `{` are open before the cursor, in the whole file.
fn brace_depth(context: &Context<'_>) -> i32 {
    brace_depth_in_item(context, 0)
}

fn brace_depth_in_item(context: &Context<'_>, from: u32) -> i32 {
    context.tokens[..context.at].iter().filter(|t| t.start >= from).fold(0, |depth, t| match t.kind {
        TokenKind::LBrace => depth + 1,
        TokenKind::RBrace => depth - 1,
        _ => depth,
    })
}

fn item_keywords() -> Vec<CompletionItem> {
    ITEM_SNIPPETS
        .iter()
        .map(|(label, body, doc)| CompletionItem {
            label: label.to_string(),
            kind: CompletionKind::Snippet,
            detail: Some(doc.to_string()),
            documentation: None,
            insert: Some(body.to_string()),
            snippet: true,
            sort: format!("0{label}"),
        })
        .collect()
}

/// A function's signature as users read it: `fn hot(r: Reading, limit: Float = …) -> Reading?`.
pub fn signature(analysis: &Analysis, info: &FnInfo) -> String {
    let name = analysis.index.def(info.def).map_or("?", |d| d.name.as_str());
    let generics = if info.generics.is_empty() {
        String::new()
    } else {
        format!("<{}>", info.generics.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "))
    };
    let params: Vec<String> = info
        .params
        .iter()
        .map(|p| format!("{}: {}{}", p.name, p.ty, if p.has_default { " = …" } else { "" }))
        .collect();
    let ret = info.ret.as_ref().map(|t| format!(" -> {t}")).unwrap_or_default();
    let source = if info.is_source { "source " } else { "" };
    format!("{source}fn {name}{generics}({}){ret}", params.join(", "))
}

/// A type with every generic parameter made a wildcard.
fn erase_params(ty: &Ty) -> Ty {
    match ty {
        Ty::Param { .. } | Ty::Var(_) => Ty::Error,
        Ty::Optional(inner) => Ty::optional(erase_params(inner)),
        Ty::List(inner) => Ty::List(Box::new(erase_params(inner))),
        Ty::Field(a, b) => Ty::Field(Box::new(erase_params(a)), Box::new(erase_params(b))),
        Ty::Record { def, name, args } => {
            Ty::Record { def: *def, name: name.clone(), args: args.iter().map(erase_params).collect() }
        }
        other => other.clone(),
    }
}

/// Whether a function's message parameter accepts `upstream` (an optional output delivers its
/// value: `none` is dropped on the way).
pub fn accepts(analysis: &Analysis, info: &FnInfo, upstream: &Ty) -> bool {
    let Some(input) = info.input() else { return false };
    let upstream = match upstream {
        Ty::Optional(inner) => inner.as_ref(),
        other => other,
    };
    compatible(&analysis.index.records, upstream, &erase_params(&input.ty))
}

/// Functions visible at the cursor, with their signatures.
fn visible_functions(analysis: &Analysis, file: FileId, cursor: u32) -> Vec<(String, &FnInfo)> {
    analysis
        .index
        .visible_names(file, cursor)
        .into_iter()
        .filter_map(|(name, def)| Some((name.to_string(), analysis.index.fns.get(&def)?)))
        .collect()
}

fn function_item(analysis: &Analysis, name: String, info: &FnInfo, rank: u8, detail_suffix: &str) -> CompletionItem {
    let mut proposal = item(name, CompletionKind::Function, rank);
    proposal.detail = Some(format!("{}{detail_suffix}", signature(analysis, info)));
    proposal.documentation = analysis.index.def(info.def).and_then(|d| d.docs.clone());
    proposal
}

fn flow_completions(
    analysis: &Analysis,
    module: &LoadedModule,
    context: &Context<'_>,
    cursor: u32,
) -> Vec<CompletionItem> {
    let file = module.file;
    let functions = visible_functions(analysis, file, cursor);
    match context.kind_back(0) {
        Some(TokenKind::Arrow) => {
            // What flows here: the output of the step just before the arrow.
            let upstream = context.back(1).and_then(|before| {
                analysis
                    .index
                    .steps
                    .iter()
                    .find(|s| s.span.file == file && s.span.end == before.end)
                    .and_then(|s| s.output.clone())
            });
            let mut items = Vec::new();
            for (name, info) in functions {
                if info.is_source {
                    continue;
                }
                match &upstream {
                    Some(upstream) if !accepts(analysis, info, upstream) => {
                        let wants = info.input().map(|p| p.ty.to_string()).unwrap_or_default();
                        items.push(function_item(
                            analysis,
                            name,
                            info,
                            1,
                            &format!("  (takes {wants}, not {upstream})"),
                        ));
                    }
                    _ => items.push(function_item(analysis, name, info, 0, "")),
                }
            }
            items
        }
        Some(TokenKind::LParen | TokenKind::Comma) => call_argument_completions(analysis, file, context),
        Some(TokenKind::Eq) => functions
            .into_iter()
            .map(|(name, info)| function_item(analysis, name, info, u8::from(!info.is_source), ""))
            .collect(),
        _ if context.at_line_start() || context.kind_back(0) == Some(TokenKind::LBrace) => {
            // A chain starts with a stream or a source (or a function fed by nothing yet).
            let mut items: Vec<CompletionItem> = analysis
                .index
                .visible_names(file, cursor)
                .into_iter()
                .filter(|(_, def)| analysis.index.def(*def).is_some_and(|d| d.kind == DefKind::Stream))
                .map(|(name, def)| {
                    let mut proposal = item(name.to_string(), CompletionKind::Stream, 0);
                    let span = def_span(analysis, def);
                    proposal.detail = analysis.index.type_at(span.file, span.start).map(|t| format!("stream: {t}"));
                    proposal
                })
                .collect();
            for (name, info) in functions {
                items.push(function_item(analysis, name, info, if info.is_source { 0 } else { 2 }, ""));
            }
            items
        }
        _ => Vec::new(),
    }
}

fn def_span(analysis: &Analysis, def: DefId) -> Span {
    analysis.index.def(def).map_or_else(Span::default, |d| d.span)
}

/// Inside `f(...)` in a flow: `f`'s settings by name.
fn call_argument_completions(analysis: &Analysis, file: FileId, context: &Context<'_>) -> Vec<CompletionItem> {
    // Walk back to the unmatched `(` and take the name before it.
    let mut depth = 0;
    let mut index = context.at;
    while index > 0 {
        index -= 1;
        match context.tokens[index].kind {
            TokenKind::RParen => depth += 1,
            TokenKind::LParen if depth == 0 => break,
            TokenKind::LParen => depth -= 1,
            _ => {}
        }
    }
    let Some(callee) = index.checked_sub(1).map(|i| context.tokens[i]) else { return Vec::new() };
    let Some(def) = analysis.index.definition_at(file, callee.start) else { return Vec::new() };
    let Some(info) = analysis.index.fns.get(&def) else { return Vec::new() };
    info.settings()
        .iter()
        .map(|p| {
            let mut proposal = item(format!("{}:", p.name), CompletionKind::Property, u8::from(p.has_default));
            proposal.detail = Some(format!("{}{}", p.ty, if p.has_default { " (has a default)" } else { "" }));
            proposal.insert = Some(format!("{}: ", p.name));
            proposal
        })
        .collect()
}

fn type_completions(analysis: &Analysis, file: FileId, cursor: u32) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = BUILTIN_TYPES.iter().map(|t| item(*t, CompletionKind::Type, 1)).collect();
    for (name, def) in analysis.index.visible_names(file, cursor) {
        if let Some(d) = analysis.index.def(def)
            && matches!(d.kind, DefKind::Record | DefKind::Alias | DefKind::Enum | DefKind::Generic)
        {
            let mut proposal = item(name.to_string(), CompletionKind::Type, 0);
            proposal.detail = Some(d.kind.describe().to_string());
            proposal.documentation = d.docs.clone();
            items.push(proposal);
        }
    }
    items
}

fn handler_completions(context: &Context<'_>) -> Vec<CompletionItem> {
    if !context.at_line_start() {
        return Vec::new();
    }
    [
        ("exec", "the command `dync run` starts"),
        ("image", "the image Kubernetes runs"),
        ("env", "environment: `env { KEY = \"value\" }`"),
    ]
    .iter()
    .map(|(k, d)| {
        let mut proposal = item(*k, CompletionKind::Property, 0);
        proposal.detail = Some(d.to_string());
        proposal
    })
    .collect()
}

/// The type of the expression ending just before `end` (a name, or a chain of fields).
fn receiver_type(analysis: &Analysis, file: FileId, end: u32, context: &Context<'_>) -> Option<Ty> {
    // The analysed expression itself, when the body was checked.
    if let Some((_, ty)) =
        analysis.index.types.iter().filter(|(s, _)| s.file == file && s.end == end).max_by_key(|(s, _)| s.len())
    {
        return Some(ty.clone());
    }
    // Else a name in scope (a parameter, a match binding), then `.field` steps.
    let mut index = context.at.checked_sub(2)?;
    let mut path = Vec::new();
    loop {
        let token = context.tokens.get(index)?;
        if token.kind != TokenKind::Ident {
            return None;
        }
        path.push(context.text.get(token.start as usize..token.end as usize)?.to_string());
        if index >= 2 && context.tokens[index - 1].kind == TokenKind::Dot {
            index -= 2;
        } else {
            break;
        }
    }
    path.reverse();
    let first = path.first()?;
    let start = context.tokens.get(index)?.start;
    let (_, def) = analysis.index.visible_names(file, start).into_iter().find(|(n, _)| n == first)?;
    let span = def_span(analysis, def);
    let mut ty = analysis.index.type_at(span.file, span.start)?.clone();
    for field in &path[1..] {
        let fields = crate::sema::ty::fields(&analysis.index.records, strip_optional(&ty))?;
        ty = fields.into_iter().find(|(n, _, _)| n == field)?.1;
    }
    Some(ty)
}

fn strip_optional(ty: &Ty) -> &Ty {
    match ty {
        Ty::Optional(inner) => inner,
        other => other,
    }
}

fn expression_completions(
    analysis: &Analysis,
    file: FileId,
    cursor: u32,
    context: &Context<'_>,
) -> Vec<CompletionItem> {
    match context.kind_back(0) {
        Some(TokenKind::Dot | TokenKind::QuestionDot) => {
            let Some(dot) = context.back(0) else { return Vec::new() };
            let Some(ty) = receiver_type(analysis, file, dot.start, context) else { return Vec::new() };
            let Some(fields) = crate::sema::ty::fields(&analysis.index.records, strip_optional(&ty)) else {
                return Vec::new();
            };
            fields
                .into_iter()
                .map(|(name, ty, _)| {
                    let mut proposal = item(name, CompletionKind::Field, 0);
                    proposal.detail = Some(ty.to_string());
                    proposal
                })
                .collect()
        }
        Some(TokenKind::ColonColon) => {
            let enum_name = context.text_back(1).to_string();
            let Some((_, def)) = analysis.index.visible_names(file, cursor).into_iter().find(|(n, _)| *n == enum_name)
            else {
                return Vec::new();
            };
            analysis
                .index
                .defs
                .iter()
                .filter(|d| d.kind == DefKind::Variant && d.parent == Some(def))
                .map(|d| {
                    let mut proposal = item(d.name.to_string(), CompletionKind::Variant, 0);
                    proposal.detail = Some(format!("{enum_name}::{}", d.name));
                    proposal.documentation = d.docs.clone();
                    proposal
                })
                .collect()
        }
        _ => {
            let mut items = Vec::new();
            for (name, def) in analysis.index.visible_names(file, cursor) {
                let Some(d) = analysis.index.def(def) else { continue };
                let (kind, rank) = match d.kind {
                    DefKind::Param | DefKind::Binding => (CompletionKind::Variable, 0),
                    DefKind::Record => (CompletionKind::Type, 2),
                    DefKind::Enum => (CompletionKind::Type, 2),
                    _ => continue,
                };
                let mut proposal = item(name.to_string(), kind, rank);
                proposal.detail = analysis.index.type_at(d.span.file, d.span.start).map(ToString::to_string);
                items.push(proposal);
            }
            for (name, signature) in crate::sema::expr::BUILTINS {
                let mut proposal = item(*name, CompletionKind::Function, 1);
                proposal.detail = Some(signature.to_string());
                items.push(proposal);
            }
            for keyword in ["if", "else", "match", "none", "true", "false"] {
                items.push(item(keyword, CompletionKind::Keyword, 3));
            }
            items
        }
    }
}

fn place_completions(
    analysis: &Analysis,
    file: FileId,
    cursor: u32,
    context: &Context<'_>,
    cluster: Option<&ClusterLabels>,
) -> Vec<CompletionItem> {
    let previous = context.text_back(0);
    let label_keys = || {
        let mut items: Vec<CompletionItem> = LABEL_ALIASES
            .iter()
            .map(|(alias, key)| {
                let mut proposal = item(*alias, CompletionKind::Property, 0);
                proposal.detail = Some(key.to_string());
                proposal
            })
            .collect();
        for (key, values) in cluster.into_iter().flatten() {
            let label = if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                key.clone()
            } else {
                format!("\"{key}\"")
            };
            let mut proposal = item(label, CompletionKind::Property, 1);
            proposal.detail =
                Some(format!("in the inventory: {}", values.iter().take(5).cloned().collect::<Vec<_>>().join(", ")));
            items.push(proposal);
        }
        items
    };
    match previous {
        "on" | "prefer" => {
            let mut items = label_keys();
            if previous == "prefer" {
                items.extend(["near", "apart", "spread"].iter().map(|k| item(*k, CompletionKind::Keyword, 2)));
            }
            items
        }
        "near" | "apart" => visible_functions(analysis, file, cursor)
            .into_iter()
            .map(|(name, info)| function_item(analysis, name, info, 0, ""))
            .collect(),
        "by" => ["host", "zone", "region"].iter().map(|k| item(*k, CompletionKind::Property, 0)).collect(),
        "spread" => vec![item("by", CompletionKind::Keyword, 0)],
        "resources" => ["cpu", "memory", "gpu"].iter().map(|k| item(*k, CompletionKind::Property, 0)).collect(),
        "," if line_has(context, "resources") => {
            ["cpu", "memory", "gpu"].iter().map(|k| item(*k, CompletionKind::Property, 0)).collect()
        }
        "budget" => {
            ["min_available", "max_unavailable"].iter().map(|k| item(*k, CompletionKind::Property, 0)).collect()
        }
        "==" | "!=" | "[" => {
            // Values of the label key before the operator, from the inventory.
            let key_index = if previous == "[" { 3 } else { 1 };
            let key = context.text_back(key_index).trim_matches('"').to_string();
            let key = LABEL_ALIASES.iter().find(|(a, _)| *a == key).map_or(key.clone(), |(_, k)| k.to_string());
            cluster
                .and_then(|c| c.get(&key))
                .into_iter()
                .flatten()
                .map(|value| {
                    let mut proposal = item(format!("\"{value}\""), CompletionKind::Value, 0);
                    proposal.detail = Some(format!("a value of `{key}` in the inventory"));
                    proposal
                })
                .collect()
        }
        _ if context.at_line_start() || matches!(context.kind_back(0), Some(TokenKind::LBrace | TokenKind::Semi)) => {
            PLACE_RULES
                .iter()
                .map(|(k, doc)| {
                    let mut proposal = item(*k, CompletionKind::Keyword, 0);
                    proposal.detail = Some(doc.to_string());
                    proposal
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Whether the cursor's line, before the cursor, holds the word `word`.
fn line_has(context: &Context<'_>, word: &str) -> bool {
    let line_start = context.text[..context.word_start].rfind('\n').map_or(0, |i| i + 1);
    context.text[line_start..context.word_start]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == word)
}

fn use_completions(app: &App, context: &Context<'_>) -> Vec<CompletionItem> {
    // `use std::io::` or `use std::io::{a, `: the module's names; `use std::`: its modules.
    let mut path = Vec::new();
    let mut index = context.at;
    while index > 0 {
        index -= 1;
        let token = context.tokens[index];
        match token.kind {
            TokenKind::Ident => path.push(context.text.get(token.start as usize..token.end as usize).unwrap_or("")),
            TokenKind::ColonColon | TokenKind::LBrace | TokenKind::Comma => {}
            TokenKind::Use => break,
            _ => return Vec::new(),
        }
    }
    path.reverse();
    let joined = path.join("::");
    if joined == "std" || joined.is_empty() {
        let mut items: Vec<CompletionItem> =
            crate::stdlib::MODULES.iter().map(|m| item(m.name, CompletionKind::Property, 0)).collect();
        if joined.is_empty() {
            items.push(item("std", CompletionKind::Property, 0));
        }
        return items;
    }
    let Some(loaded) = app.modules.iter().find(|m| joined.starts_with(&m.module_path()) && !m.module_path().is_empty())
    else {
        return Vec::new();
    };
    loaded
        .ast
        .items
        .iter()
        .filter_map(|item_| match &item_.kind {
            ItemKind::Fn(f) => Some((f.name.text.to_string(), CompletionKind::Function)),
            ItemKind::Type(t) => Some((t.name.text.to_string(), CompletionKind::Type)),
            ItemKind::Enum(e) => Some((e.name.text.to_string(), CompletionKind::Type)),
            _ => None,
        })
        .map(|(name, kind)| item(name, kind, 0))
        .collect()
}

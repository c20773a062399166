//! Semantic tokens, signature help and inlay hints: what each word of a file is (from the
//! index, so `decode` is a function and `Reading` a type), which parameter of a call the cursor
//! is in, and the type carried by each edge of a flow.

use std::collections::HashMap;

use crate::app::{App, Origin};
use crate::sema::expr::BUILTINS;
use crate::sema::{Analysis, DefKind};
use crate::span::{FileId, Span};
use crate::syntax::ast::{ItemKind, Module};
use crate::syntax::token::{Token, TokenKind};

/// What a token is, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    Type,
    Enum,
    EnumMember,
    Function,
    Parameter,
    Variable,
    Property,
    Namespace,
    String,
    Number,
    Comment,
    Operator,
}

/// Modifiers, as bits.
pub const MOD_DECLARATION: u32 = 1;
pub const MOD_DOCUMENTATION: u32 = 2;
pub const MOD_DEFAULT_LIBRARY: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemanticToken {
    pub start: u32,
    pub end: u32,
    pub class: TokenClass,
    pub modifiers: u32,
}

/// The classified tokens of `file` (in source order). `analysis` adds what names refer to;
/// without it (a file in no app) names stay unclassified.
pub fn semantic_tokens(
    app: Option<&App>,
    analysis: Option<&Analysis>,
    file: FileId,
    text: &str,
    module: &Module,
    tokens: &[Token],
) -> Vec<SemanticToken> {
    let mut refs: HashMap<(u32, u32), crate::sema::DefId> = HashMap::new();
    if let Some(analysis) = analysis {
        for (span, def) in &analysis.index.refs {
            if span.file == file {
                refs.insert((span.start, span.end), *def);
            }
        }
    }
    let placement_items: Vec<Span> = module
        .items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Place(_) | ItemKind::Profile(_)))
        .map(|i| i.span)
        .collect();
    let mut out = Vec::new();
    for token in tokens {
        use TokenKind as T;
        let (class, mut modifiers) = match token.kind {
            T::LineComment => (TokenClass::Comment, 0),
            T::DocComment | T::ModuleDoc => (TokenClass::Comment, MOD_DOCUMENTATION),
            T::Int | T::Float | T::Quantity => (TokenClass::Number, 0),
            T::StrStart | T::StrText | T::StrEnd | T::SingleQuoted => (TokenClass::String, 0),
            T::InterpStart | T::InterpEnd | T::Arrow | T::FatArrow | T::QuestionDot | T::QuestionQuestion => {
                (TokenClass::Operator, 0)
            }
            T::True | T::False | T::None => (TokenClass::Keyword, 0),
            kind if kind.is_keyword() => (TokenClass::Keyword, 0),
            T::Ident => {
                let word = text.get(token.start as usize..token.end as usize).unwrap_or("");
                match refs.get(&(token.start, token.end)).and_then(|d| analysis?.index.def(*d).map(|def| (*d, def))) {
                    Some((_, def)) => {
                        let class = match def.kind {
                            DefKind::Record | DefKind::Alias | DefKind::Generic => TokenClass::Type,
                            DefKind::Enum => TokenClass::Enum,
                            DefKind::Variant => TokenClass::EnumMember,
                            DefKind::Field => TokenClass::Property,
                            DefKind::Fn => TokenClass::Function,
                            DefKind::Param => TokenClass::Parameter,
                            DefKind::Stream | DefKind::Binding => TokenClass::Variable,
                            DefKind::Flow | DefKind::Profile | DefKind::App => TokenClass::Namespace,
                        };
                        let mut modifiers = 0;
                        if def.span.file == file && def.span.start == token.start {
                            modifiers |= MOD_DECLARATION;
                        }
                        if app
                            .and_then(|a| a.modules.get(def.module))
                            .is_some_and(|m| matches!(m.origin, Origin::Std(_)))
                        {
                            modifiers |= MOD_DEFAULT_LIBRARY;
                        }
                        (class, modifiers)
                    }
                    None if TokenKind::placement_keyword(word).is_some()
                        && placement_items.iter().any(|s| s.start <= token.start && token.end <= s.end) =>
                    {
                        (TokenClass::Keyword, 0)
                    }
                    None if matches!(
                        word,
                        "Int" | "Float" | "Bool" | "String" | "Bytes" | "Timestamp" | "Duration" | "List"
                    ) =>
                    {
                        (TokenClass::Type, MOD_DEFAULT_LIBRARY)
                    }
                    None if BUILTINS.iter().any(|(n, _)| *n == word)
                        && text[token.end as usize..].trim_start().starts_with('(') =>
                    {
                        (TokenClass::Function, MOD_DEFAULT_LIBRARY)
                    }
                    None => continue,
                }
            }
            _ => continue,
        };
        if token.end <= token.start {
            continue;
        }
        modifiers &= 0b111;
        out.push(SemanticToken { start: token.start, end: token.end, class, modifiers });
    }
    out
}

/// The signature of the call around the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo {
    pub label: String,
    /// Each parameter's text inside `label`.
    pub parameters: Vec<String>,
    pub active: usize,
    pub documentation: Option<String>,
}

/// Signature help at `offset`: inside `f(...)` of a flow step (its settings), a built-in
/// function, or a record construction `Reading(...)`.
pub fn signature_help(
    analysis: &Analysis,
    file: FileId,
    text: &str,
    tokens: &[Token],
    offset: u32,
) -> Option<SignatureInfo> {
    let significant: Vec<&Token> = tokens.iter().filter(|t| !t.kind.is_trivia() && t.end <= offset).collect();
    // The innermost unclosed `(` before the cursor, and the commas after it.
    let mut depth = 0i32;
    let mut commas = 0usize;
    let mut open = None;
    for (i, token) in significant.iter().enumerate().rev() {
        match token.kind {
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => depth += 1,
            TokenKind::LBracket | TokenKind::LBrace if depth > 0 => depth -= 1,
            TokenKind::LBrace => return None,
            TokenKind::LParen if depth == 0 => {
                open = Some(i);
                break;
            }
            TokenKind::LParen => depth -= 1,
            TokenKind::Comma if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let open = open?;
    let callee = significant.get(open.checked_sub(1)?)?;
    if callee.kind != TokenKind::Ident {
        return None;
    }
    let name = text.get(callee.start as usize..callee.end as usize)?;
    // A named argument being written (`key: ...`) picks its parameter by name.
    let named = significant[open + 1..]
        .iter()
        .rev()
        .take_while(|t| t.kind != TokenKind::Comma)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>();
    let named = match named.as_slice() {
        [n, colon, ..] if n.kind == TokenKind::Ident && colon.kind == TokenKind::Colon => {
            text.get(n.start as usize..n.end as usize)
        }
        _ => None,
    };
    let def = analysis.index.definition_at(file, callee.start).and_then(|d| Some((d, analysis.index.def(d)?)));
    let (label, parameters, names, documentation) = match def {
        Some((id, def)) if def.kind == DefKind::Fn => {
            let info = analysis.index.fns.get(&id)?;
            let params: Vec<String> = info
                .settings()
                .iter()
                .map(|p| format!("{}: {}{}", p.name, p.ty, if p.has_default { " = …" } else { "" }))
                .collect();
            let names = info.settings().iter().map(|p| p.name.to_string()).collect();
            (format!("{name}({})", params.join(", ")), params, names, def.docs.clone())
        }
        Some((id, def)) if def.kind == DefKind::Record => {
            let record = analysis.index.records.get(&id)?;
            let params: Vec<String> = record
                .fields
                .iter()
                .map(|f| format!("{}: {}{}", f.name, f.ty, if f.has_default { " = …" } else { "" }))
                .collect();
            let names = record.fields.iter().map(|f| f.name.to_string()).collect();
            (format!("{name}({})", params.join(", ")), params, names, def.docs.clone())
        }
        _ => {
            let (_, signature) = BUILTINS.iter().find(|(n, _)| *n == name)?;
            // `round(x) -> Float, or round(x, digits) -> Float`: the form with room for the
            // argument being written.
            let forms: Vec<&str> = signature.split(", or ").collect();
            let fits = |form: &&&str| {
                form.split_once('(')
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .is_some_and(|(inside, _)| inside.split(", ").count() > commas)
            };
            let signature = forms.iter().find(fits).or(forms.first())?;
            let inside = signature.split_once('(')?.1.split_once(')')?.0;
            let params: Vec<String> = inside.split(", ").filter(|p| !p.is_empty()).map(str::to_string).collect();
            let names = params.iter().map(|p| p.split(':').next().unwrap_or("").trim().to_string()).collect();
            (signature.to_string(), params, names, None)
        }
    };
    let names: Vec<String> = names;
    let active = named.and_then(|n| names.iter().position(|p| p == n)).unwrap_or(commas);
    Some(SignatureInfo { label, parameters, active, documentation })
}

/// A type shown after a step of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where it goes: the end of the step.
    pub offset: u32,
    pub label: String,
}

/// The type on each edge of the flows in `file` between `start` and `end`: after every step
/// followed by `->`, what it emits.
pub fn inlay_hints(analysis: &Analysis, file: FileId, text: &str, start: u32, end: u32) -> Vec<InlayHint> {
    let mut hints: Vec<InlayHint> = analysis
        .index
        .steps
        .iter()
        .filter(|s| s.span.file == file && s.span.end >= start && s.span.end <= end)
        .filter(|s| text.get(s.span.end as usize..).is_some_and(|rest| rest.trim_start().starts_with("->")))
        .filter_map(|s| Some(InlayHint { offset: s.span.end, label: format!(": {}", s.output.as_ref()?) }))
        .collect();
    hints.sort_by_key(|h| h.offset);
    hints.dedup();
    hints
}

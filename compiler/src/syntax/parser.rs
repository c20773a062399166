//! `parse()`: lex, split into items, balance delimiters, then run the lalrpop parser per item.
//!
//! Parsing never fails. A file is first split into items (an item starts at an item keyword at
//! bracket depth 0, or at one beginning a line in column 0, which resets the depth), so a
//! missing `}` or an item lalrpop gives up on costs that item only. Unclosed delimiters are
//! reported and closed with zero-width tokens, stray closers reported and dropped, and items
//! nested deeper than `MAX_NESTING` rejected before any tree is built, so no later recursive
//! pass can overflow the stack.

use lalrpop_util::{ErrorRecovery, ParseError, lalrpop_mod};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, sort_diagnostics};
use crate::span::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::lexer::{Lexed, lex, unescape};
use crate::syntax::token::{Token, TokenKind};

lalrpop_mod!(
    #[allow(clippy::all, clippy::unwrap_used, clippy::expect_used, unused_parens, dead_code)]
    grammar,
    "/dyn.rs"
);

/// The lexer error type the generated parser is declared with. Never produced: lexing errors
/// are `Error` tokens reported by the lexer and filtered out before the parser runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError;

/// How deep expressions and brackets may nest within one item (an upper bound on tree depth).
pub const MAX_NESTING: usize = 256;

/// The result of parsing one file: the tree, every token (comments included), diagnostics.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub module: Module,
    pub tokens: Vec<Token>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses one file. Always returns a tree; problems are in `diagnostics`.
pub fn parse(text: &str, file: FileId) -> Parsed {
    parse_lexed(text, file, lex(text, file))
}

/// Parses a file already lexed by `lexer::lex` (the benchmarks time the two stages apart).
pub fn parse_lexed(text: &str, file: FileId, lexed: Lexed) -> Parsed {
    let mut diagnostics = lexed.diagnostics;
    let tokens = lexed.tokens;
    let significant: Vec<Token> =
        tokens.iter().copied().filter(|t| !t.kind.is_trivia() && t.kind != TokenKind::Error).collect();

    let first_item_start = significant.first().map_or(text.len(), |t| t.start as usize);
    let module_docs = join_docs(
        text,
        file,
        tokens.iter().filter(|t| t.kind == TokenKind::ModuleDoc && (t.start as usize) < first_item_start),
    );

    let mut items = Vec::new();
    for chunk in split_items(text, &significant) {
        let (item, item_diagnostics) = parse_item(text, file, &tokens, chunk);
        items.push(item);
        diagnostics.extend(item_diagnostics);
    }
    let mut diagnostics = drop_cascades(text, diagnostics);
    sort_diagnostics(&mut diagnostics);
    Parsed { module: Module { docs: module_docs, items }, tokens, diagnostics }
}

/// Whether the file declares an `app` item (found by lexing and splitting, without parsing).
pub fn declares_app(text: &str) -> bool {
    let tokens: Vec<Token> =
        lex(text, FileId(0)).tokens.into_iter().filter(|t| !t.kind.is_trivia() && t.kind != TokenKind::Error).collect();
    split_items(text, &tokens).iter().any(|chunk| chunk.first().is_some_and(|t| t.kind == TokenKind::App))
}

/// Splits significant tokens into item chunks.
fn split_items<'t>(text: &str, tokens: &'t [Token]) -> Vec<&'t [Token]> {
    let mut chunks = Vec::new();
    let mut depth: usize = 0;
    let mut chunk_start = 0;
    for (i, token) in tokens.iter().enumerate() {
        let kind = token.kind;
        let follows_source = i > 0 && tokens[i - 1].kind == TokenKind::Source && kind == TokenKind::Fn;
        if kind.starts_item() && !follows_source {
            let at_column_zero = begins_line(text, token.start as usize);
            if depth == 0 || at_column_zero {
                if i > chunk_start {
                    chunks.push(&tokens[chunk_start..i]);
                }
                chunk_start = i;
                depth = 0;
            }
        }
        match kind {
            TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket | TokenKind::InterpStart => depth += 1,
            TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket | TokenKind::InterpEnd => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    if chunk_start < tokens.len() {
        chunks.push(&tokens[chunk_start..]);
    }
    chunks
}

fn begins_line(text: &str, offset: usize) -> bool {
    let before = &text[..offset];
    before.is_empty() || before.ends_with('\n') || before == "\u{FEFF}"
}

fn parse_item(text: &str, file: FileId, all_tokens: &[Token], chunk: &[Token]) -> (Item, Vec<Diagnostic>) {
    let (first, last) = match (chunk.first(), chunk.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => return (error_item(file, 0, 0, None), Vec::new()),
    };
    let item_span = Span::new(file, first.start as usize, last.end as usize);
    // The item's tokens with trivia, and the doc comments before it: all `docs_before` needs.
    let lo = all_tokens.partition_point(|t| t.start < first.start);
    let lo =
        lo - all_tokens[..lo].iter().rev().take_while(|t| t.kind.is_trivia() || t.kind == TokenKind::Error).count();
    let hi = all_tokens.partition_point(|t| t.start < last.end);
    let all_tokens = &all_tokens[lo..hi];
    let mut ctx = Ctx { src: text, file, all_tokens, recovered: Vec::new(), diagnostics: Vec::new() };
    let docs = ctx.docs_before(first.start as usize);

    if !first.kind.starts_item() {
        let found = ctx.describe_token(first);
        ctx.diagnostics.push(
            Diagnostic::new(Code::E0009, format!("expected an item, found {found}"), item_span, "not inside any item")
                .with_help("a file holds items: `app`, `use`, `type`, `enum`, `fn`, `flow`, `place` and `profile`"),
        );
        return (error_item(file, item_span.start, item_span.end, docs), ctx.diagnostics);
    }

    let contextual = matches!(first.kind, TokenKind::Place | TokenKind::Profile);
    let tokens = remap(text, chunk, contextual);
    let prepared = ctx.prepare(tokens, first.kind);

    if let Some(too_deep) = first_too_deep(&prepared) {
        ctx.diagnostics.push(
            Diagnostic::new(
                Code::E0005,
                format!("this item nests more than {MAX_NESTING} levels deep"),
                ctx.span(too_deep.start as usize, too_deep.end as usize),
                "nesting limit reached here",
            )
            .with_note(format!(
                "brackets count one level each, and so does every operator in a run of operators: a sum of {MAX_NESTING} terms nests as deep as {MAX_NESTING} brackets"
            ))
            .with_help("split the expression: move parts of it into functions of their own"),
        );
        return (error_item(file, item_span.start, item_span.end, docs), ctx.diagnostics);
    }

    let structural = std::mem::take(&mut ctx.diagnostics);
    let reported_unclosed = structural.iter().any(|d| d.code == Code::E0003);
    let attempt = ctx.run(&prepared, reported_unclosed);
    let attempt = if attempt.syntax.len() >= 2 || attempt.item.is_none() {
        ctx.retry_without_bad_lines(remap(text, chunk, contextual), first.kind, attempt)
    } else {
        attempt
    };
    let mut diagnostics = structural;
    // A missing body after a syntax error in the same item is the parser's guess, not news.
    let had_syntax_errors = !attempt.syntax.is_empty();
    diagnostics.extend(attempt.syntax);
    diagnostics.extend(attempt.actions.into_iter().filter(|d| !(had_syntax_errors && d.code == Code::E0011)));
    match attempt.item {
        Some(item) => (item, diagnostics),
        None => (error_item(file, item_span.start, item_span.end, docs), diagnostics),
    }
}

/// The item's tokens, with placement words turned into keywords inside `place` and `profile`.
///
/// A placement word stays a name where only a name can stand: after `place`, `fn`, `profile`,
/// `near`, `apart`, `replace`, `with`, `.` or `::`, and before `=`, `(` or `::` (a setting key,
/// a call, a path). So `place spread { ... }` and `profile p { replicas = 2 }` work.
fn remap(text: &str, chunk: &[Token], contextual: bool) -> Vec<Token> {
    use TokenKind as T;
    let mut tokens = Vec::with_capacity(chunk.len() + 8);
    for (i, t) in chunk.iter().enumerate() {
        let mut kind = t.kind;
        if contextual && kind == T::Ident {
            let previous = i.checked_sub(1).map(|p| chunk[p].kind);
            let next = chunk.get(i + 1).map(|n| n.kind);
            let name_only =
                matches!(previous, Some(T::Place | T::Fn | T::Profile | T::Replace | T::With | T::Dot | T::ColonColon))
                    || matches!(previous.map(|p| (p, &text[chunk[i - 1].range()])), Some((T::Ident, "near" | "apart")))
                    || matches!(next, Some(T::Eq | T::LParen | T::ColonColon));
            if !name_only {
                kind = T::placement_keyword(&text[t.range()]).unwrap_or(T::Ident);
            }
        }
        tokens.push(Token { kind, ..*t });
    }
    tokens
}

/// One run of the generated parser over an item's tokens.
struct Attempt {
    item: Option<Item>,
    /// Syntax errors, in source order.
    syntax: Vec<Diagnostic>,
    /// Diagnostics the grammar's actions reported (out-of-range numbers, missing bodies...).
    actions: Vec<Diagnostic>,
}

impl Attempt {
    fn total(&self) -> usize {
        self.syntax.len() + self.actions.len()
    }

    fn first_error_at(&self) -> Option<u32> {
        self.syntax.first().and_then(Diagnostic::primary_span).map(|s| s.start)
    }
}

/// Drops syntax errors on a line where another error was already reported: after the first
/// one, the parser's view of the line is a guess and further complaints are noise.
fn drop_cascades(text: &str, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    // Lexer errors first among equals: they are the cause when they share a position.
    let rank = |d: &Diagnostic| if matches!(d.code, Code::E0001 | Code::E0002 | Code::E0006) { 0 } else { 1 };
    diagnostics.sort_by_key(|d| (d.primary_span().map(|s| s.start), rank(d)));
    let line_of = |offset: usize| text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count();
    // A lone step (E0013) on a line with a syntax error is that error's echo, before or after it.
    let lines_with_errors: std::collections::BTreeSet<usize> = diagnostics
        .iter()
        .filter(|d| matches!(d.code, Code::E0001 | Code::E0002 | Code::E0004))
        .filter_map(|d| d.primary_span().map(|s| line_of(s.start as usize)))
        .collect();
    let mut last_error_at: Option<usize> = None;
    diagnostics.retain(|d| {
        let Some(start) = d.primary_span().map(|s| s.start as usize) else { return true };
        if d.code == Code::E0013 {
            return !lines_with_errors.contains(&line_of(start));
        }
        let same_line = last_error_at.is_some_and(|at| at <= start && !text[at..start].contains('\n'));
        if same_line && matches!(d.code, Code::E0001 | Code::E0004) {
            return false;
        }
        if matches!(d.code, Code::E0001 | Code::E0002 | Code::E0004 | Code::E0006) {
            last_error_at = Some(start);
        }
        true
    });
    diagnostics
}

fn at_inserted_token(error: &ParseError<usize, TokenKind, LexError>) -> bool {
    matches!(error, ParseError::UnrecognizedToken { token: (start, _, end), .. } if start == end)
}

fn error_item(file: FileId, start: u32, end: u32, docs: Option<Docs>) -> Item {
    Item { docs, kind: ItemKind::Error, span: Span { file, start, end } }
}

/// The first token at which the item's nesting bound exceeds `MAX_NESTING`.
///
/// The bound is brackets plus, per bracket level, the operators and `if`/`match`/`else` seen
/// since the last token that starts a new expression at that level (`,` `;` `=` `:` `->` `=>`
/// and placement words): an expression tree can be no deeper than that.
fn first_too_deep(tokens: &[Token]) -> Option<Token> {
    use TokenKind::*;
    let mut levels: Vec<usize> = vec![0];
    let mut total: usize = 0;
    for token in tokens {
        match token.kind {
            LBrace | LParen | LBracket | InterpStart => {
                levels.push(0);
                total += 1;
            }
            RBrace | RParen | RBracket | InterpEnd if levels.len() > 1 => {
                let level = levels.pop().unwrap_or(0);
                total -= level + 1;
            }
            Comma | Semi | Eq | Colon | Arrow | FatArrow | On | Prefer | Near | Apart | Spread | Tolerate
            | Resources | Replicas | Budget => {
                if let Some(level) = levels.last_mut() {
                    total -= *level;
                    *level = 0;
                }
            }
            OrOr | AndAnd | EqEq | NotEq | Lt | Le | Gt | Ge | QuestionQuestion | Plus | Minus | Star | Slash
            | Percent | Bang | Dot | QuestionDot | Question | ColonColon | If | Else | Match => {
                if let Some(level) = levels.last_mut() {
                    *level += 1;
                    total += 1;
                }
            }
            _ => {}
        }
        if total > MAX_NESTING {
            return Some(*token);
        }
    }
    Option::None
}

/// Joins consecutive doc-comment tokens into `Docs`.
fn join_docs<'a>(text: &str, file: FileId, tokens: impl Iterator<Item = &'a Token>) -> Option<Docs> {
    let mut lines = Vec::new();
    let mut span: Option<Span> = None;
    for token in tokens {
        let raw = &text[token.range()];
        let body = raw.get(3..).unwrap_or("");
        let body = body.strip_prefix(' ').unwrap_or(body).trim_end();
        lines.push(body);
        let token_span = Span::new(file, token.start as usize, token.end as usize);
        span = Some(span.map_or(token_span, |s| s.to(token_span)));
    }
    span.map(|span| Docs { text: lines.join("\n"), span })
}

/// State shared by the grammar's actions while one item is parsed.
pub struct Ctx<'src> {
    src: &'src str,
    file: FileId,
    all_tokens: &'src [Token],
    pub recovered: Vec<ErrorRecovery<usize, TokenKind, LexError>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'src> Ctx<'src> {
    /// The span `start..end`, shrunk to the code it covers: lalrpop places the end of a rule
    /// that finishes with an empty optional at the next token, past any comments between.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let bytes = self.src.as_bytes();
        if end > start && end <= bytes.len() && bytes[end - 1].is_ascii_whitespace() {
            let index = self.all_tokens.partition_point(|t| (t.end as usize) <= end);
            let last_code =
                self.all_tokens[..index].iter().rev().find(|t| !t.kind.is_trivia() && t.kind != TokenKind::Error);
            if let Some(token) = last_code.filter(|t| t.end as usize > start) {
                return Span::new(self.file, start, token.end as usize);
            }
        }
        Span::new(self.file, start, end)
    }

    pub fn name(&self, start: usize, end: usize) -> Name {
        Name { text: SmolStr::new(&self.src[start..end]), span: self.span(start, end) }
    }

    /// The `///` lines directly before the token starting at `offset`.
    pub fn docs_before(&self, offset: usize) -> Option<Docs> {
        let index = self.all_tokens.partition_point(|t| (t.start as usize) < offset);
        let mut first = index;
        while first > 0 && self.all_tokens[first - 1].kind == TokenKind::DocComment {
            first -= 1;
        }
        join_docs(self.src, self.file, self.all_tokens[first..index].iter())
    }

    pub fn int(&mut self, start: usize, end: usize) -> i64 {
        let digits: String = self.src[start..end].chars().filter(|c| *c != '_').collect();
        match digits.parse::<i64>() {
            Ok(value) => value,
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0010,
                        format!("integer `{}` does not fit in an Int", &self.src[start..end]),
                        self.span(start, end),
                        "larger than 9223372036854775807",
                    )
                    .with_note("Int is a signed 64-bit integer"),
                );
                0
            }
        }
    }

    pub fn float(&mut self, start: usize, end: usize) -> f64 {
        let digits: String = self.src[start..end].chars().filter(|c| *c != '_').collect();
        match digits.parse::<f64>() {
            Ok(value) if value.is_finite() => value,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::E0010,
                    format!("number `{}` does not fit in a Float", &self.src[start..end]),
                    self.span(start, end),
                    "too large for a 64-bit float",
                ));
                0.0
            }
        }
    }

    pub fn quantity(&self, start: usize, end: usize) -> Quantity {
        let text = &self.src[start..end];
        let split = text.find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.')).unwrap_or(text.len());
        Quantity {
            number: SmolStr::new(&text[..split]),
            unit: SmolStr::new(&text[split..]),
            span: self.span(start, end),
        }
    }

    pub fn string_text(&self, start: usize, end: usize) -> String {
        unescape(&self.src[start..end])
    }

    pub fn empty_interpolation(&mut self, start: usize, end: usize) -> StrPart {
        let span = self.span(start, end);
        self.diagnostics.push(
            Diagnostic::new(Code::E0012, "empty interpolation `${}`", span, "nothing to insert here")
                .with_help("put an expression inside (`${r.room}`) or write a literal `$` as `\\$`"),
        );
        StrPart::Interp(Expr { kind: ExprKind::Error, span })
    }

    pub fn binary(&self, op: BinaryOp, lhs: Expr, rhs: Expr, start: usize, end: usize) -> Expr {
        Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span: self.span(start, end) }
    }

    pub fn label_value(&self, start: usize, end: usize) -> LabelValue {
        LabelValue { text: SmolStr::new(&self.src[start..end]), quoted: false, span: self.span(start, end) }
    }

    /// A quoted label value; an interpolation is kept as written (labels are checked later).
    pub fn label_value_from_str(&self, s: StrLit) -> LabelValue {
        let text = match s.as_plain() {
            Some(text) => text,
            None => {
                let range = s.span.range();
                self.src[range.start + 1..range.end.saturating_sub(1).max(range.start + 1)].to_string()
            }
        };
        LabelValue { text: SmolStr::new(text), quoted: true, span: s.span }
    }

    pub fn fn_item(
        &mut self,
        source: Option<Span>,
        name: Name,
        generics: Vec<GenericParam>,
        params: Vec<Param>,
        ret: Option<TypeExpr>,
        body: FnBody,
    ) -> FnItem {
        if let FnBody::Missing(at) = body {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E0011,
                    format!("function `{}` has no body", name.text),
                    name.span,
                    "declared here without a body",
                )
                .with_secondary(at, "a body was expected here")
                .with_help("write `= expression`, a handler block `{ exec = \"...\", image = \"...\" }`, or `intrinsic \"id\"`"),
            );
        }
        FnItem { source, name, generics, params, ret, body }
    }

    /// A statement without `name =`; a lone step does nothing and is usually a missing `->`.
    pub fn unbound_chain(&mut self, steps: Vec<Step>, start: usize, end: usize) -> FlowStmt {
        if let [step] = steps.as_slice() {
            let name = match &step.kind {
                StepKind::Ref(name) | StepKind::Call { callee: name, .. } => name.text.as_str(),
                StepKind::Missing => "",
            };
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E0013,
                    format!("`{name}` alone is not a chain"),
                    step.span,
                    "a step with no `->` before or after it",
                )
                .with_help(format!("join it to the chain before it with `-> {name}`, or feed it: `{name} -> ...`")),
            );
        }
        FlowStmt { kind: FlowStmtKind::Chain { binding: None, steps }, span: self.span(start, end) }
    }

    /// Balances delimiters and marks missing flow steps (reporting both).
    fn prepare(&mut self, tokens: Vec<Token>, item_kind: TokenKind) -> Vec<Token> {
        let tokens = self.balance(tokens);
        if item_kind == TokenKind::Flow { self.mark_missing_steps(tokens) } else { tokens }
    }

    /// Runs the generated parser once; `!` recovery errors become diagnostics.
    fn run(&mut self, tokens: &[Token], reported_unclosed: bool) -> Attempt {
        let saved = std::mem::take(&mut self.diagnostics);
        let input = tokens.iter().map(|t| Ok::<_, LexError>((t.start as usize, t.kind, t.end as usize)));
        let result = grammar::ItemParser::new().parse(self, input);
        let actions = std::mem::replace(&mut self.diagnostics, saved);
        let mut errors: Vec<_> = std::mem::take(&mut self.recovered).into_iter().map(|r| r.error).collect();
        let item = match result {
            Ok(item) => Some(item),
            Err(error) => {
                errors.push(error);
                None
            }
        };
        // An error at a zero-width closer inserted for an unclosed delimiter is explained by E0003.
        let mut syntax: Vec<Diagnostic> = errors
            .into_iter()
            .filter(|error| !(reported_unclosed && at_inserted_token(error)))
            .map(|error| self.syntax_error(tokens, error))
            .collect();
        sort_diagnostics(&mut syntax);
        Attempt { item, syntax, actions }
    }

    /// The second strategy, for an item the `!` recovery left noisy: drop the line of the
    /// first syntax error (from the error on, if it is the item's first line) and parse again,
    /// up to three lines. Each dropped line keeps its first error. The attempt with fewer
    /// diagnostics wins; on a tie the first, which keeps more of the tree.
    fn retry_without_bad_lines(&mut self, mut tokens: Vec<Token>, item_kind: TokenKind, first: Attempt) -> Attempt {
        const MAX_DROPPED_LINES: usize = 3;
        let mut kept = Vec::new();
        let mut error_at = first.first_error_at();
        let mut reported = first.syntax.first().cloned();
        for _ in 0..MAX_DROPPED_LINES {
            let (Some(at), Some(diagnostic)) = (error_at, reported.take()) else { break };
            let at = at as usize;
            let line_start = self.src[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = self.src[at..].find('\n').map_or(self.src.len(), |i| at + i);
            let item_start = tokens.first().map_or(0, |t| t.start as usize);
            let from = if item_start >= line_start { at } else { line_start };
            let before = tokens.len();
            tokens.retain(|t| !((t.start as usize) >= from && (t.start as usize) < line_end));
            if tokens.len() == before || tokens.is_empty() {
                break;
            }
            kept.push(diagnostic);
            let saved = std::mem::take(&mut self.diagnostics);
            let prepared = self.prepare(tokens.clone(), item_kind);
            self.diagnostics = saved;
            let attempt = self.run(&prepared, true);
            if attempt.syntax.is_empty() && attempt.item.is_some() {
                if kept.len() + attempt.actions.len() < first.total() {
                    return Attempt { item: attempt.item, syntax: kept, actions: attempt.actions };
                }
                break;
            }
            error_at = attempt.first_error_at();
            reported = attempt.syntax.first().cloned();
        }
        first
    }

    /// Reports unclosed and stray delimiters; returns the tokens with every delimiter balanced.
    fn balance(&mut self, tokens: Vec<Token>) -> Vec<Token> {
        /// An open delimiter, and where a missing closer most likely belongs: before the first
        /// `->` or `;` (or placement word) met while it was innermost, none of which can stand
        /// inside parentheses or brackets.
        struct Open {
            token: Token,
            likely_close: Option<usize>,
        }
        let mut out: Vec<Token> = Vec::with_capacity(tokens.len() + 4);
        let mut insertions: Vec<(usize, Token)> = Vec::new();
        let mut open: Vec<Open> = Vec::new();
        let item_end = tokens.last().map_or(0, |t| t.end);
        let mut close_unclosed = |this: &mut Self, unclosed: Open, out: &[Token], at: u32| {
            let index = unclosed.likely_close.unwrap_or(out.len());
            let at = out.get(index).map_or(at, |t| t.start);
            this.report_unclosed(unclosed.token, at);
            insertions.push((index, Token { kind: closer_of(unclosed.token.kind), start: at, end: at }));
        };
        let mut previous_end: Option<u32> = None;
        for token in tokens {
            let kind = token.kind;
            // A line that starts no deeper than the line of an open `(` or `[` is past it.
            let starts_line =
                previous_end.is_some_and(|end| self.src[end as usize..token.start as usize].contains('\n'));
            previous_end = Some(token.end);
            if starts_line
                && let Some(top) = open.last_mut()
                && matches!(top.token.kind, TokenKind::LParen | TokenKind::LBracket)
                && top.likely_close.is_none()
                && indentation(self.src, token.start) <= indentation(self.src, top.token.start)
            {
                top.likely_close = Some(out.len());
            }
            if kind.closer().is_some() || kind == TokenKind::InterpStart {
                open.push(Open { token, likely_close: None });
                out.push(token);
            } else if kind.is_closer() || kind == TokenKind::InterpEnd {
                let matches = |o: &Open| closer_of(o.token.kind) == kind;
                if open.last().is_some_and(matches) {
                    open.pop();
                    out.push(token);
                } else if open.iter().any(matches) {
                    while let Some(unclosed) = open.pop() {
                        if matches(&unclosed) {
                            break;
                        }
                        close_unclosed(self, unclosed, &out, token.start);
                    }
                    out.push(token);
                } else {
                    let text = &self.src[token.range()];
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::E0008,
                            format!("unexpected closing `{text}`"),
                            self.span(token.start as usize, token.end as usize),
                            "nothing open to close here",
                        )
                        .with_help("remove it, or add the opening delimiter it belongs to"),
                    );
                }
            } else {
                if ends_parenthesised_text(kind)
                    && let Some(top) = open.last_mut()
                    && matches!(top.token.kind, TokenKind::LParen | TokenKind::LBracket)
                    && top.likely_close.is_none()
                {
                    top.likely_close = Some(out.len());
                }
                out.push(token);
            }
        }
        while let Some(unclosed) = open.pop() {
            close_unclosed(self, unclosed, &out, item_end);
        }
        if insertions.is_empty() {
            return out;
        }
        // Insert the closers; at one index, in the order they were found (innermost first).
        insertions.sort_by_key(|(index, _)| *index);
        let mut merged = Vec::with_capacity(out.len() + insertions.len());
        let mut pending = insertions.into_iter().peekable();
        for (index, token) in out.into_iter().enumerate() {
            while let Some((_, closer)) = pending.next_if(|(at, _)| *at == index) {
                merged.push(closer);
            }
            merged.push(token);
        }
        merged.extend(pending.map(|(_, closer)| closer));
        merged
    }

    /// Inserts a `MissingStep` token after each `->` that ends a statement (followed by `}`,
    /// `;` or the end of the item), and reports it.
    fn mark_missing_steps(&mut self, tokens: Vec<Token>) -> Vec<Token> {
        let mut out = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            out.push(*token);
            if token.kind != TokenKind::Arrow {
                continue;
            }
            let next = tokens.get(i + 1).map(|t| t.kind);
            if matches!(next, None | Some(TokenKind::RBrace) | Some(TokenKind::Semi)) {
                let at = token.end;
                out.push(Token { kind: TokenKind::MissingStep, start: at, end: at });
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0004,
                        "expected a function or stream after `->`",
                        self.span(token.start as usize, token.end as usize),
                        "this `->` leads nowhere",
                    )
                    .with_help("name the next step, e.g. `-> log`, or remove the `->`"),
                );
            }
        }
        out
    }

    fn report_unclosed(&mut self, opener: Token, at: u32) {
        let text = &self.src[opener.range()];
        let closer = closer_of(opener.kind).describe();
        self.diagnostics.push(
            Diagnostic::new(
                Code::E0003,
                format!("unclosed `{text}`"),
                self.span(opener.start as usize, opener.end as usize),
                "opened here and never closed",
            )
            .with_secondary(self.span(at as usize, at as usize), format!("expected {closer} before this point")),
        );
    }

    /// How a token is named in a message: its text when short, else its kind.
    fn describe_token(&self, token: Token) -> String {
        let text = &self.src[token.range()];
        match token.kind {
            TokenKind::StrStart | TokenKind::StrText | TokenKind::StrEnd | TokenKind::InterpEnd => {
                "a string".to_string()
            }
            _ if token.start == token.end => "the end of the item".to_string(),
            _ if text.chars().count() <= 24 && !text.contains('\n') => format!("`{text}`"),
            kind => kind.describe().to_string(),
        }
    }

    /// Turns a lalrpop error into a diagnostic in the user's words.
    fn syntax_error(&self, tokens: &[Token], error: ParseError<usize, TokenKind, LexError>) -> Diagnostic {
        let (at, found, expected) = match error {
            ParseError::UnrecognizedToken { token: (start, kind, end), expected } => {
                let token = Token { kind, start: start as u32, end: end as u32 };
                (token, Some(self.describe_token(token)), expected)
            }
            ParseError::UnrecognizedEof { location, expected } => {
                let token = Token { kind: TokenKind::Error, start: location as u32, end: location as u32 };
                (token, None, expected)
            }
            ParseError::ExtraToken { token: (start, kind, end) } => {
                let token = Token { kind, start: start as u32, end: end as u32 };
                (token, Some(self.describe_token(token)), Vec::new())
            }
            ParseError::InvalidToken { location } => {
                let token = Token { kind: TokenKind::Error, start: location as u32, end: location as u32 };
                (token, None, Vec::new())
            }
            ParseError::User { error: LexError } => {
                let end = tokens.last().map_or(0, |t| t.end);
                (Token { kind: TokenKind::Error, start: end, end }, None, Vec::new())
            }
        };
        let found = found.filter(|_| at.start != at.end);
        let previous = tokens.iter().take_while(|t| t.end <= at.start && t.start < at.start).last().copied();
        let after = previous
            .filter(|p| p.start != p.end)
            .map(|p| format!(" after {}", self.describe_token(p)))
            .unwrap_or_default();
        // After `:` where only a name can follow (a field's or a parameter's type; an argument
        // would allow any expression), the name is a type.
        let type_position = previous.is_some_and(|p| p.kind == TokenKind::Colon)
            && expected.iter().filter(|t| *t != "MissingStep").all(|t| t == "Ident")
            && expected.iter().any(|t| t == "Ident");
        let wanted = if type_position {
            Some("a type (`Int`, `String`, a record's name, ...)".to_string())
        } else {
            describe_expected(&expected)
        };
        let message = match (&wanted, &found) {
            (Some(wanted), _) => format!("expected {wanted}{after}"),
            (None, Some(found)) => format!("unexpected {}{after}", without_article(found)),
            (None, None) => format!("unexpected end of the item{after}"),
        };
        let span = self.span(at.start as usize, at.end as usize);
        let label = match &found {
            Some(found) => format!("unexpected {}", without_article(found)),
            None => match &wanted {
                Some(wanted) => format!("expected {wanted} here"),
                None => "the item ends here".to_string(),
            },
        };
        let mut diagnostic = Diagnostic::new(Code::E0004, message, span, label);
        let previous_text = previous.map_or("", |p| &self.src[p.range()]);
        let glued = previous.is_some_and(|p| p.end == at.start);
        if let Some(help) =
            hint(&self.src[at.range()], at.kind, previous.map(|p| p.kind), previous_text, glued, &expected)
        {
            diagnostic = diagnostic.with_help(help);
        }
        diagnostic
    }
}

/// The width of the leading whitespace of the line containing `offset`.
fn indentation(text: &str, offset: u32) -> usize {
    let offset = offset as usize;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

/// Tokens that never stand inside parentheses or brackets.
fn ends_parenthesised_text(kind: TokenKind) -> bool {
    use TokenKind as T;
    matches!(
        kind,
        T::Arrow
            | T::Semi
            | T::On
            | T::Prefer
            | T::Near
            | T::Apart
            | T::Spread
            | T::Tolerate
            | T::Resources
            | T::Replicas
            | T::Budget
    )
}

/// "a string" → "string", for "unexpected string".
fn without_article(phrase: &str) -> &str {
    ["a ", "an ", "the "].iter().find_map(|a| phrase.strip_prefix(a)).unwrap_or(phrase)
}

fn closer_of(opener: TokenKind) -> TokenKind {
    match opener {
        TokenKind::InterpStart => TokenKind::InterpEnd,
        other => other.closer().unwrap_or(TokenKind::RBrace),
    }
}

/// Terminal names as lalrpop reports them, grouped into the words users think in.
const EXPRESSION_START: &[&str] = &[
    "Int",
    "Float",
    "Quantity",
    "StrStart",
    "Ident",
    "\"true\"",
    "\"false\"",
    "\"none\"",
    "\"(\"",
    "\"[\"",
    "\"if\"",
    "\"match\"",
    "\"-\"",
    "\"!\"",
];
const OPERATORS: &[&str] = &[
    "\"+\"", "\"-\"", "\"*\"", "\"/\"", "\"%\"", "\"==\"", "\"!=\"", "\"<\"", "\"<=\"", "\">\"", "\">=\"", "\"&&\"",
    "\"||\"", "\"??\"", "\".\"", "\"?.\"",
];
const RULE_START: &[&str] = &[
    "\"on\"",
    "\"prefer\"",
    "\"near\"",
    "\"apart\"",
    "\"spread\"",
    "\"tolerate\"",
    "\"resources\"",
    "\"replicas\"",
    "\"budget\"",
];
const LABEL_OPS: &[&str] = &["\"==\"", "\"!=\"", "\"in\"", "\"not\"", "\"exists\""];

/// "`->`, `(` or `}`", or `None` when lalrpop expected nothing in particular.
fn describe_expected(expected: &[String]) -> Option<String> {
    let mut rest: Vec<&str> = expected.iter().map(String::as_str).filter(|t| *t != "MissingStep").collect();
    // In a block, `;`/`,` and the start of another member are always possible: name the closer.
    if rest.contains(&"\"}\"") && rest.contains(&"\";\"") {
        rest.retain(|t| !matches!(*t, "\",\"" | "\";\"" | "Ident" | "StrStart"));
    }
    let mut words: Vec<String> = Vec::new();
    let mut take_group = |rest: &mut Vec<&str>, group: &[&str], minimum: usize, word: &str| {
        let present = group.iter().filter(|g| rest.contains(g)).count();
        if present >= minimum {
            rest.retain(|t| !group.contains(t));
            words.push(word.to_string());
        }
    };
    take_group(&mut rest, RULE_START, RULE_START.len(), "a placement rule");
    take_group(&mut rest, EXPRESSION_START, EXPRESSION_START.len(), "an expression");
    take_group(&mut rest, OPERATORS, 8, "an operator");
    take_group(&mut rest, LABEL_OPS, LABEL_OPS.len(), "`==`, `!=`, `in`, `not in`, `exists` or `not exists`");
    let mut named: Vec<(usize, String)> = rest.iter().map(|t| (priority(t), terminal_words(t))).collect();
    named.sort_by_key(|(p, _)| *p);
    let mut all: Vec<String> = named.into_iter().map(|(_, w)| w).collect();
    all.dedup();
    all.extend(words);
    if all.is_empty() {
        return None;
    }
    const SHOWN: usize = 6;
    if all.len() > SHOWN {
        all.truncate(SHOWN);
        all.push("something else".to_string());
    }
    Some(match all.len() {
        1 => all.remove(0),
        n => format!("{} or {}", all[..n - 1].join(", "), all[n - 1]),
    })
}

fn priority(terminal: &str) -> usize {
    const FIRST: &[&str] =
        &["\"->\"", "\"}\"", "\")\"", "\"]\"", "\",\"", "\"=\"", "\":\"", "\"{\"", "\"(\"", "Ident", "StrEnd"];
    FIRST.iter().position(|t| *t == terminal).unwrap_or(FIRST.len())
}

fn terminal_words(terminal: &str) -> String {
    match terminal {
        "Ident" => "a name".to_string(),
        "Int" => "an integer".to_string(),
        "Float" => "a number".to_string(),
        "Quantity" => "a quantity like `100m`".to_string(),
        "StrStart" => "a string".to_string(),
        "StrText" => "string text".to_string(),
        "StrEnd" => "`\"`".to_string(),
        "InterpStart" => "`${`".to_string(),
        "InterpEnd" => "`}`".to_string(),
        quoted => format!("`{}`", quoted.trim_matches('"')),
    }
}

/// A help line for common slips.
fn hint(
    found: &str,
    found_kind: TokenKind,
    previous: Option<TokenKind>,
    previous_text: &str,
    glued: bool,
    expected: &[String],
) -> Option<String> {
    let expects = |t: &str| expected.iter().any(|e| e == t);
    if previous == Some(TokenKind::Quantity) && glued {
        if previous_text.ends_with('%') {
            return Some("`70%` is a percentage; for the remainder operator put spaces around it: `70 % 3`".into());
        }
        if previous_text.ends_with(['e', 'E']) {
            return Some(
                "a number glued to letters is a quantity like `10s`; write an exponent with a dot: `1.0e5`".into(),
            );
        }
    }
    if expects("Ident") && found_kind.is_keyword() {
        return Some(format!("`{found}` is a keyword and cannot be used as a name here"));
    }
    let comparison = matches!(found, "<" | "<=" | ">" | ">=" | "==" | "!=");
    if comparison && expects("\"&&\"") && !expects("\"<\"") {
        return Some("comparisons do not chain: write `a < x && x < b`".into());
    }
    if expects("\",\"")
        && expects("\"}\"")
        && !expects("\";\"")
        && !expects("\"=>\"")
        && found_kind != TokenKind::RBrace
    {
        return Some("separate the entries with `,`".into());
    }
    let simple: Option<&str> = match found {
        ":" if expects("\"=\"") => Some("settings are written `key = value`"),
        "=" if expects("\":\"") => Some("fields and named arguments are written `name: value`"),
        "=>" | ">" | "-" | "-->" if expects("\"->\"") => Some("steps of a flow are joined with `->`"),
        "else" => Some("`else` belongs to an `if`: `if cond { a } else { b }`"),
        _ if expects("\"else\"") => Some("an `if` always has an `else`: `if cond { a } else { none }`"),
        _ => None,
    };
    simple.map(str::to_string)
}

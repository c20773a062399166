//! The lexer: logos for code, a small scanner for strings with `${...}` interpolation.
//!
//! Lexing never fails: text it cannot read becomes an `Error` token plus one diagnostic, and an
//! unterminated string is closed with zero-width tokens so the token stream stays well formed.
//! Interpolations nest through an explicit stack, never through recursion.

use logos::Logos;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax::token::{Token, TokenKind};

#[derive(Debug, Clone, Default)]
pub struct Lexed {
    /// Every token, trivia (comments) included, in source order.
    pub tokens: Vec<Token>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One interpolation `${ ... }` the lexer is inside of.
struct Interpolation {
    /// Unclosed `{` inside the interpolation's code.
    brace_depth: u32,
    /// Where the enclosing string's opening quote is.
    string_start: usize,
}

struct Lexer<'t> {
    text: &'t str,
    file: FileId,
    out: Lexed,
    interpolations: Vec<Interpolation>,
}

pub fn lex(text: &str, file: FileId) -> Lexed {
    let mut lexer = Lexer { text, file, out: Lexed::default(), interpolations: Vec::new() };
    lexer.run();
    lexer.out
}

enum Next {
    /// Continue scanning a string at this offset.
    String {
        at: usize,
        string_start: usize,
    },
    /// Continue lexing code at this offset.
    Code(usize),
    Done,
}

impl<'t> Lexer<'t> {
    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.out.tokens.push(Token { kind, start: start as u32, end: end as u32 });
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn run(&mut self) {
        let mut next = Next::Code(0);
        loop {
            next = match next {
                Next::Code(at) => self.code(at),
                Next::String { at, string_start } => self.string(at, string_start),
                Next::Done => return,
            }
        }
    }

    /// Lexes code from `at` until a string starts, an interpolation ends, or the text ends.
    fn code(&mut self, at: usize) -> Next {
        let mut lexer = TokenKind::lexer(&self.text[at..]);
        let mut previous_end = at;
        let mut error_run: Option<(usize, usize)> = None;
        while let Some(result) = lexer.next() {
            let range = lexer.span();
            let (start, end) = (at + range.start, at + range.end);
            if !self.interpolations.is_empty()
                && let Some(newline) = self.text[previous_end..start].find('\n')
            {
                // Strings are single-line: a newline inside an interpolation ends them all.
                self.flush_errors(&mut error_run);
                self.close_strings_at(previous_end + newline);
                return Next::Code(previous_end + newline);
            }
            previous_end = end;
            let kind = match result {
                Ok(kind) => kind,
                Err(()) => {
                    match &mut error_run {
                        Some((_, run_end)) if *run_end == start => *run_end = end,
                        _ => {
                            self.flush_errors(&mut error_run);
                            error_run = Some((start, end));
                        }
                    }
                    continue;
                }
            };
            self.flush_errors(&mut error_run);
            match kind {
                TokenKind::SingleQuoted => {
                    self.push(TokenKind::StrStart, start, start + 1);
                    self.push_text(start + 1, end - 1);
                    self.push(TokenKind::StrEnd, end - 1, end);
                    self.out.diagnostics.push(
                        Diagnostic::new(
                            Code::E0001,
                            "strings are written in double quotes",
                            self.span(start, end),
                            "single quotes are not a string delimiter",
                        )
                        .with_help(format!("write \"{}\"", &self.text[start + 1..end - 1])),
                    );
                }
                TokenKind::StrStart => {
                    self.push(TokenKind::StrStart, start, end);
                    return Next::String { at: end, string_start: start };
                }
                TokenKind::LBrace if !self.interpolations.is_empty() => {
                    if let Some(top) = self.interpolations.last_mut() {
                        top.brace_depth += 1;
                    }
                    self.push(kind, start, end);
                }
                TokenKind::RBrace if !self.interpolations.is_empty() => {
                    let closes_interpolation = self.interpolations.last().is_some_and(|i| i.brace_depth == 0);
                    if closes_interpolation {
                        self.push(TokenKind::InterpEnd, start, end);
                        let string_start = self.interpolations.pop().map_or(start, |i| i.string_start);
                        return Next::String { at: end, string_start };
                    }
                    if let Some(top) = self.interpolations.last_mut() {
                        top.brace_depth -= 1;
                    }
                    self.push(kind, start, end);
                }
                _ => self.push(kind, start, end),
            }
        }
        self.flush_errors(&mut error_run);
        if !self.interpolations.is_empty() {
            self.close_strings_at(self.text.len());
        }
        Next::Done
    }

    /// Reports a run of unreadable characters as one `Error` token and one diagnostic.
    fn flush_errors(&mut self, run: &mut Option<(usize, usize)>) {
        let Some((start, end)) = run.take() else { return };
        self.push(TokenKind::Error, start, end);
        let shown = &self.text[start..end];
        let (message, label) = if shown.chars().count() == 1 {
            (format!("invalid character `{}`", shown.escape_debug()), "not part of the language")
        } else {
            (format!("invalid characters `{}`", shown.escape_debug()), "not part of the language")
        };
        let mut diagnostic = Diagnostic::new(Code::E0001, message, self.span(start, end), label);
        if shown.starts_with('\'') {
            diagnostic = diagnostic.with_help("strings are written in double quotes: \"text\"");
        } else if shown == "&" || shown == "|" {
            diagnostic = diagnostic.with_help("the boolean operators are `&&` and `||`");
        } else if shown.starts_with('#') {
            diagnostic = diagnostic.with_help("comments start with `//`");
        }
        self.out.diagnostics.push(diagnostic);
    }

    /// Ends every open interpolation and string at `at` (a newline or the end of the text),
    /// reporting the outermost string as unterminated.
    fn close_strings_at(&mut self, at: usize) {
        let mut outermost = at;
        while let Some(interpolation) = self.interpolations.pop() {
            self.push(TokenKind::InterpEnd, at, at);
            self.push(TokenKind::StrEnd, at, at);
            outermost = interpolation.string_start;
        }
        self.report_unterminated(outermost, at);
    }

    fn report_unterminated(&mut self, string_start: usize, at: usize) {
        let diagnostic = Diagnostic::new(
            Code::E0002,
            "unterminated string",
            self.span(string_start, at),
            "this string has no closing `\"`",
        )
        .with_help("strings end on the line they start on; add the closing `\"`");
        self.out.diagnostics.push(diagnostic);
    }

    /// Scans string content from `at` (just after `"` or an interpolation's `}`).
    fn string(&mut self, at: usize, string_start: usize) -> Next {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = at;
        let text_start = at;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    self.push_text(text_start, i);
                    self.push(TokenKind::StrEnd, i, i + 1);
                    return Next::Code(i + 1);
                }
                b'\n' => break,
                b'\\' => i = self.escape(i),
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    self.push_text(text_start, i);
                    self.push(TokenKind::InterpStart, i, i + 2);
                    self.interpolations.push(Interpolation { brace_depth: 0, string_start });
                    return Next::Code(i + 2);
                }
                _ => i += 1,
            }
        }
        // A newline or the end of the text before the closing quote.
        let end = if i > at && bytes.get(i - 1) == Some(&b'\r') && bytes.get(i) == Some(&b'\n') { i - 1 } else { i };
        // A lone `"` before the end of a line, or one glued to the end of a word (`info"`), is
        // most likely a duplicated or misplaced quote: reported, hidden from the parser, and
        // the rest of the line lexed as code, so the line still parses.
        let glued =
            text[..string_start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"');
        let stray_quote = self.interpolations.is_empty()
            && (text[at..end].trim().is_empty() || glued)
            && self.out.tokens.last().is_some_and(|t| t.kind == TokenKind::StrStart && t.end as usize == at);
        if stray_quote {
            if let Some(quote) = self.out.tokens.last_mut() {
                quote.kind = TokenKind::Error;
            }
            self.report_unterminated(string_start, end);
            return Next::Code(at);
        }
        self.push_text(text_start, end);
        self.push(TokenKind::StrEnd, end, end);
        let mut outermost = string_start;
        while let Some(interpolation) = self.interpolations.pop() {
            self.push(TokenKind::InterpEnd, end, end);
            self.push(TokenKind::StrEnd, end, end);
            outermost = interpolation.string_start;
        }
        self.report_unterminated(outermost, end);
        Next::Code(end)
    }

    fn push_text(&mut self, start: usize, end: usize) {
        if end > start {
            self.push(TokenKind::StrText, start, end);
        }
    }

    /// Checks the escape starting at the backslash at `at`; returns the offset after it.
    fn escape(&mut self, at: usize) -> usize {
        let rest = &self.text[at + 1..];
        let Some(c) = rest.chars().next() else {
            return at + 1;
        };
        match c {
            'n' | 't' | 'r' | '0' | '\\' | '"' | '$' => at + 2,
            'u' => {
                // \u{1F600}
                let digits_end = rest.find('}').filter(|_| rest[1..].starts_with('{'));
                if let Some(close) = digits_end {
                    let digits = &rest[2..close];
                    let valid = !digits.is_empty()
                        && digits.len() <= 6
                        && u32::from_str_radix(digits, 16).ok().and_then(char::from_u32).is_some();
                    if valid {
                        return at + 1 + close + 1;
                    }
                }
                let end = at + 2;
                let hex_digits = digits_end.is_some_and(|close| {
                    let digits = &rest[2..close];
                    !digits.is_empty() && digits.len() <= 6 && digits.chars().all(|c| c.is_ascii_hexdigit())
                });
                let label =
                    if hex_digits { "not a Unicode code point" } else { "expected `\\u{...}` with 1 to 6 hex digits" };
                self.out.diagnostics.push(
                    Diagnostic::new(Code::E0006, "invalid unicode escape", self.span(at, end), label)
                        .with_help("write a code point as `\\u{1F600}` (at most 10FFFF, and not D800 to DFFF)"),
                );
                end
            }
            '\n' | '\r' => at + 1,
            other => {
                let end = at + 1 + other.len_utf8();
                self.out.diagnostics.push(
                    Diagnostic::new(
                        Code::E0006,
                        format!("unknown escape `\\{}`", other.escape_debug()),
                        self.span(at, end),
                        "not a valid escape",
                    )
                    .with_help(
                        "the escapes are \\n \\t \\r \\0 \\\\ \\\" \\$ and \\u{...}; write a backslash as `\\\\`",
                    ),
                );
                end
            }
        }
    }
}

/// Decodes the escapes of string text (already validated by the lexer; invalid ones are kept).
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, '0')) => out.push('\0'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, '"')) => out.push('"'),
            Some((_, '$')) => out.push('$'),
            Some((_, 'u')) => {
                let rest = &raw[i + 2..];
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|r| r.find('}').map(|close| &r[..close]))
                    .and_then(|digits| u32::from_str_radix(digits, 16).ok().map(|v| (v, digits.len())))
                    .and_then(|(v, n)| char::from_u32(v).map(|c| (c, n)));
                match decoded {
                    Some((decoded, n)) => {
                        out.push(decoded);
                        for _ in 0..n + 2 {
                            chars.next();
                        }
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some((_, other)) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

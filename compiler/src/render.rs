//! Rendering diagnostics: codespan-reporting for people, JSON lines for tools.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, Config, WriteStyle};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use crate::span::FileId;

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let style = if label.primary { cs::LabelStyle::Primary } else { cs::LabelStyle::Secondary };
            cs::Label::new(style, label.span.file, label.span.range()).with_message(label.message.clone())
        })
        .collect();
    let mut notes: Vec<String> = diagnostic.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(diagnostic.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Writes one diagnostic to a (possibly coloured) writer supplied by the caller.
pub fn emit<W: WriteStyle + ?Sized>(
    writer: &mut W,
    sources: &SourceMap,
    diagnostic: &Diagnostic,
) -> std::io::Result<()> {
    term::emit_to_write_style(writer, &Config::default(), sources, &to_codespan(diagnostic))
        .map_err(std::io::Error::other)
}

/// Renders diagnostics as plain text (no colour), as the CLI prints them when piped.
pub fn render_plain(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        if let Err(error) = term::emit_to_string(&mut out, &Config::default(), sources, &to_codespan(diagnostic)) {
            out.push_str(&format!(
                "error[{}]: {} (could not show the source: {error})\n",
                diagnostic.code, diagnostic.message
            ));
        }
    }
    out
}

#[derive(Debug, Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    /// Byte range `[start, end)` in the file.
    start: u32,
    end: u32,
    /// 1-based; columns count Unicode scalar values.
    line_start: usize,
    column_start: usize,
    line_end: usize,
    column_end: usize,
    message: &'a str,
    primary: bool,
}

/// One diagnostic as one line of JSON (`--message-format json`).
pub fn to_json_line(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let file = sources.get(label.span.file);
            let name = file.map_or("<unknown>", |f| f.name.as_str());
            let (start, end) = match file {
                Some(f) => (f.line_col(label.span.start as usize), f.line_col(label.span.end as usize)),
                None => Default::default(),
            };
            JsonLabel {
                file: name,
                start: label.span.start,
                end: label.span.end,
                line_start: start.line,
                column_start: start.column,
                line_end: end.line,
                column_end: end.column,
                message: &label.message,
                primary: label.primary,
            }
        })
        .collect();
    let json = JsonDiagnostic {
        code: diagnostic.code.as_str(),
        severity: diagnostic.severity,
        message: &diagnostic.message,
        labels,
        notes: &diagnostic.notes,
        help: diagnostic.help.as_deref(),
    };
    serde_json::to_string(&json).unwrap_or_else(|e| format!("{{\"error\":\"could not serialise a diagnostic: {e}\"}}"))
}

//! Generated references stay current: `docs/cli.md` (from the clap definition) and
//! `docs/errors.md` (from the diagnostic registry). Regenerate with
//! `DYNC_UPDATE_DOCS=1 cargo test --test generated_docs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::{Code, Severity};

fn errors_markdown() -> String {
    let mut out = String::from("# Error index\n\n");
    out.push_str("<!-- Generated from compiler/src/codes.rs and compiler/src/codes/*.md by `DYNC_UPDATE_DOCS=1 cargo test --test generated_docs`; do not edit. -->\n\n");
    out.push_str(
        "Every diagnostic dync reports has a stable code. `dync explain CODE` prints the same text as\nthis page.\n\n",
    );
    out.push_str("| code | severity | title |\n|---|---|---|\n");
    for code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("| [{code}](#{}) | {severity} | {} |\n", anchor(*code), code.title()));
    }
    for code in Code::ALL {
        out.push('\n');
        let explanation = code.explanation();
        for line in explanation.lines() {
            // Headings move one level down under the page title.
            if line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The anchor GitHub gives the heading `## E0001: invalid character`.
fn anchor(code: Code) -> String {
    format!("{}-{}", code.as_str(), code.title())
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

fn check_generated(path: &str, generated: &str) {
    let full = common::root().join(path);
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    if committed == generated {
        return;
    }
    if std::env::var_os("DYNC_UPDATE_DOCS").is_some() {
        std::fs::write(&full, generated).expect("write generated docs");
        return;
    }
    panic!("{path} is stale: run `DYNC_UPDATE_DOCS=1 cargo test --test generated_docs` and commit the result");
}

#[test]
fn cli_reference_is_current() {
    check_generated("docs/cli.md", &dync::cli::markdown());
}

#[test]
fn error_index_is_current() {
    check_generated("docs/errors.md", &errors_markdown());
}

//! Error corpus: one or more `tests/errors/CODE-*.dyn` cases per diagnostic code, each with a
//! snapshot of the rendered diagnostics; and the registry test tying codes, explanations and
//! cases together.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::source::decode;
use dync_compiler::syntax::parse;
use dync_compiler::{Code, Diagnostic, FileId};

/// Diagnostics and rendered text of a case file (bytes, so invalid UTF-8 can be a case).
fn check_case(path: &std::path::Path) -> (Vec<Diagnostic>, String) {
    let bytes = std::fs::read(path).expect("read case");
    let name = common::relative(path);
    let decoded = decode(bytes, FileId(0));
    let diagnostics = match decoded.invalid {
        None => parse(&decoded.text, FileId(0)).diagnostics,
        Some(diagnostic) => vec![diagnostic],
    };
    let text = decoded.text;
    let rendered = common::render_diagnostics(&name, &text, &diagnostics);
    (diagnostics, rendered)
}

fn case_code(path: &std::path::Path) -> Option<Code> {
    let stem = path.file_stem()?.to_str()?;
    Code::parse(stem.split('-').next()?)
}

#[test]
fn error_cases() {
    insta::glob!("errors/*.dyn", |path| {
        let (diagnostics, rendered) = check_case(path);
        let code = case_code(path).unwrap_or_else(|| panic!("{} is not named CODE-description.dyn", path.display()));
        assert!(
            diagnostics.iter().any(|d| d.code == code),
            "{} should report {code}, got:\n{rendered}",
            path.display()
        );
        for diagnostic in &diagnostics {
            assert!(!diagnostic.labels.is_empty(), "{code} without a label in {}", path.display());
        }
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn every_code_has_an_explanation_and_a_case() {
    let cases: Vec<_> = common::dyn_files("tests/errors");
    for &code in Code::ALL {
        let explanation = code.explanation();
        let heading = format!("# {code}: {}", code.title());
        assert!(explanation.starts_with(&heading), "{code}: explanation must start with `{heading}`");
        assert!(explanation.contains("## Example"), "{code}: explanation has no `## Example`");
        assert!(explanation.contains("## How to fix"), "{code}: explanation has no `## How to fix`");
        // App cases (tests/apps/CODE-*) and compile cases (tests/emit/CODE-*, E05xx) are folders.
        let has_folder_case = |corpus: &str| {
            std::fs::read_dir(common::root().join(corpus))
                .map(|entries| {
                    entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with(&format!("{code}-")))
                })
                .unwrap_or(false)
        };
        let has_case = cases.iter().any(|case| case_code(case) == Some(code))
            || has_folder_case("tests/apps")
            || has_folder_case("tests/emit");
        assert!(
            has_case,
            "{code}: no case file tests/errors/{code}-*.dyn or folder tests/apps/{code}-* or tests/emit/{code}-*"
        );
    }
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for code in Code::ALL {
        let text = code.as_str();
        assert!(seen.insert(text), "duplicate code {text}");
        let (letter, digits) = text.split_at(1);
        assert!(matches!(letter, "E" | "W") && digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(
            letter == "E",
            code.severity() == dync_compiler::Severity::Error,
            "{text}: letter and severity disagree"
        );
        assert_eq!(Code::parse(&text.to_lowercase()), Some(*code));
    }
}

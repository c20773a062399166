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

#[test]
fn runtime_config_schema_is_current() {
    check_generated("docs/runtime-config.schema.json", &dync_runtime_config::json_schema());
}

/// Every property name and every constant (tag values such as `kind: expression`, enum
/// values such as `role: sink`) of the schema, with the definition it belongs to.
fn schema_names(value: &serde_json::Value, within: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                out.extend(properties.keys().map(|name| (within.to_string(), name.clone())));
            }
            if let Some(constant) = map.get("const").and_then(serde_json::Value::as_str) {
                out.push((within.to_string(), constant.to_string()));
            }
            for constant in map.get("enum").and_then(serde_json::Value::as_array).into_iter().flatten() {
                out.extend(constant.as_str().map(|c| (within.to_string(), c.to_string())));
            }
            for (key, child) in map {
                match child {
                    serde_json::Value::Object(defs) if key == "$defs" => {
                        for (name, def) in defs {
                            schema_names(def, name, out);
                        }
                    }
                    _ => schema_names(child, within, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| schema_names(item, within, out)),
        _ => {}
    }
}

#[test]
fn runtime_config_reference_documents_every_field() {
    let schema: serde_json::Value = serde_json::from_str(&dync_runtime_config::json_schema()).unwrap();
    let mut names = Vec::new();
    schema_names(&schema, "RuntimeConfig", &mut names);
    assert!(names.len() > 40, "only {} names in the schema", names.len());
    let reference = common::read(&common::root().join("docs/runtime-config.md"));
    let missing: Vec<String> = names
        .iter()
        .filter(|(_, name)| !reference.contains(&format!("`{name}`")))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|(within, name)| format!("{within}.{name}"))
        .collect();
    assert!(missing.is_empty(), "docs/runtime-config.md does not document: {}", missing.join(", "));
}

//! The examples: every file checks clean through the CLI, and together they use every kind of
//! syntax-tree node (except the error and missing kinds).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::collections::BTreeSet;

use dync_compiler::syntax::walk::{NodeKind, walk_module};

#[test]
fn every_example_parses_clean() {
    let files = common::dyn_files("examples");
    assert!(files.len() >= 4, "expected at least two examples of two files each, found {files:?}");
    for path in files {
        let text = common::read(&path);
        let (parsed, rendered) = common::parse_and_render(&common::relative(&path), &text);
        assert!(parsed.diagnostics.is_empty(), "{}:\n{rendered}", path.display());
    }
}

#[test]
fn dync_check_examples_exits_zero() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dync"))
        .args(["check", "examples"])
        .current_dir(common::root())
        .output()
        .expect("run dync");
    assert_eq!(output.status.code(), Some(0), "stderr:\n{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn examples_use_every_node_kind() {
    let mut seen = BTreeSet::new();
    for path in common::dyn_files("examples").into_iter().chain(common::dyn_files("stdlib")) {
        let text = common::read(&path);
        let (parsed, _) = common::parse_and_render("x.dyn", &text);
        walk_module(&parsed.module, &mut |kind| {
            seen.insert(kind);
        });
    }
    let missing: Vec<NodeKind> =
        NodeKind::ALL.iter().copied().filter(|k| !k.is_error_or_missing() && !seen.contains(k)).collect();
    assert!(missing.is_empty(), "node kinds no example uses: {missing:?}");
}

/// Every example app: its dataflow graph as the IR listing, and as DOT and Mermaid.
#[test]
fn example_ir_and_graphs() {
    for app in ["smart-building", "factory-maintenance"] {
        let root = common::root().join("examples").join(app).join("app.dyn");
        let (diagnostics, rendered) = common::app_diagnostics(&root);
        assert!(diagnostics.is_empty(), "{app} must check clean:\n{rendered}");
        let (_, analysis) = common::analyze_app(&root);
        let ir = analysis.ir.expect("a clean app has an IR");
        insta::assert_snapshot!(format!("{app}-ir"), ir.render());
        insta::assert_snapshot!(format!("{app}-dot"), dync_compiler::graph::dot(&ir));
        insta::assert_snapshot!(format!("{app}-mermaid"), dync_compiler::graph::mermaid(&ir));
    }
}

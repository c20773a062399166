//! Every ```dyn block in the docs, the README and the code explanations is checked: a plain
//! `dyn` block must parse without diagnostics; a `dyn error=CODE` block must report CODE.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::path::PathBuf;

use dync_compiler::Code;

struct Block {
    file: String,
    line: usize,
    info: String,
    text: String,
}

fn blocks_in(path: &std::path::Path) -> Vec<Block> {
    let text = common::read(path);
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(block) = current.as_mut() {
            if trimmed.starts_with("```") {
                blocks.extend(current.take());
            } else {
                block.text.push_str(line);
                block.text.push('\n');
            }
        } else if let Some(info) = trimmed.strip_prefix("```") {
            current = Some(Block {
                file: common::relative(path),
                line: index + 1,
                info: info.trim().to_string(),
                text: String::new(),
            });
        }
    }
    assert!(current.is_none(), "{}: unclosed code block", path.display());
    blocks
}

/// A loader for a block: the block is the whole app, so no module file exists.
struct NoFiles;

impl dync_compiler::app::Loader for NoFiles {
    fn load(&mut self, _: &str) -> Result<Vec<u8>, dync_compiler::app::LoadError> {
        Err(dync_compiler::app::LoadError::NotFound)
    }
}

/// Checks a block as `dync check` would: as an app when it has an `app` item, else syntax only.
/// Checks a block; with `compile`, a block that checks clean is also compiled (`dync compile`'s
/// own errors, E05xx, show only then).
fn check_block(name: &str, text: &str, compile: bool) -> (Vec<Code>, String) {
    let (parsed, rendered) = common::parse_and_render(name, text);
    let is_app = parsed.module.items.iter().any(|i| matches!(i.kind, dync_compiler::syntax::ast::ItemKind::App(_)));
    if !is_app {
        return (parsed.diagnostics.iter().map(|d| d.code).collect(), rendered);
    }
    let app = dync_compiler::app::load(name, text, &mut NoFiles);
    let analysis = dync_compiler::sema::analyze(&app);
    let mut diagnostics = app.diagnostics.clone();
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    if compile
        && !diagnostics.iter().any(dync_compiler::Diagnostic::is_error)
        && let Err(errors) = dync_compiler::emit::compile(&analysis, &dync_compiler::emit::Options::default())
    {
        diagnostics.extend(errors);
    }
    let rendered = dync_compiler::render::render_plain(&app.sources, &diagnostics);
    (diagnostics.iter().map(|d| d.code).collect(), rendered)
}

fn documents() -> Vec<PathBuf> {
    let root = common::root();
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for dir in ["docs", "compiler/src/codes"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map(|entries| {
                entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect()
            })
            .unwrap_or_default();
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn dyn_blocks_in_docs_check_as_declared() {
    let mut checked = 0;
    for path in documents() {
        for block in blocks_in(&path) {
            let mut words = block.info.split_whitespace();
            if words.next() != Some("dyn") {
                continue;
            }
            let compile = block.info.split_whitespace().any(|w| w == "compile");
            let expected: Option<Code> = words.find_map(|w| w.strip_prefix("error=")).map(|code| {
                Code::parse(code).unwrap_or_else(|| panic!("{}:{}: unknown code {code}", block.file, block.line))
            });
            let (codes, rendered) = check_block(&format!("{}:{}", block.file, block.line), &block.text, compile);
            match expected {
                None => {
                    assert!(codes.is_empty(), "{}:{}: block should check clean:\n{rendered}", block.file, block.line)
                }
                Some(code) => assert!(
                    codes.contains(&code),
                    "{}:{}: block should report {code}, got:\n{rendered}",
                    block.file,
                    block.line
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} dyn blocks found in the docs");
}

#[test]
fn every_explanation_example_triggers_its_code() {
    for &code in Code::ALL {
        let path = common::root().join(format!("compiler/src/codes/{code}.md"));
        let blocks = blocks_in(&path);
        let failing = blocks.iter().filter(|b| b.info.starts_with("dyn") && b.info.contains("error=")).count();
        // E0005 and E0007 cannot be shown as a short UTF-8 program, nor E0102 (a cycle) as one
        // file, nor E0409 and E0410 without a node inventory; their cases live in tests/errors
        // and tests/apps.
        if !matches!(code, Code::E0005 | Code::E0007 | Code::E0102 | Code::E0409 | Code::E0410) {
            assert!(failing >= 1, "{code}: the explanation has no `dyn error={code}` example");
        }
        let fixed = blocks.iter().filter(|b| b.info == "dyn" || b.info == "dyn compile").count();
        assert!(fixed >= 1, "{code}: the explanation has no clean `dyn` block showing the fix");
    }
}

#[test]
fn formatting_guide_examples_are_in_the_canonical_layout() {
    let path = common::root().join("docs/formatting.md");
    let mut checked = 0;
    for block in blocks_in(&path) {
        if block.info != "dyn" {
            continue;
        }
        // Blocks are indented inside list items: remove the common indentation.
        let indent = block
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let text: String = block.text.lines().map(|l| format!("{}\n", l.get(indent..).unwrap_or(""))).collect();
        let formatted = dync_compiler::format::format(&text, dync_compiler::FileId(0)).expect("guide examples parse");
        assert_eq!(formatted, text, "{}:{}: not in the canonical layout", block.file, block.line);
        checked += 1;
    }
    assert!(checked >= 4);
}

//! The semantic index as data: each `tests/ide/*.dyn` is an app with a cursor `$0` and a first
//! line `// query: definition | references | type | visible`; the answer is snapshotted, drawn
//! over the source.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use dync_compiler::Diagnostic;
use dync_compiler::app::{LoadError, Loader};
use dync_compiler::source::SourceMap;
use dync_compiler::span::Span;

struct NoFiles;

impl Loader for NoFiles {
    fn load(&mut self, _: &str) -> Result<Vec<u8>, LoadError> {
        Err(LoadError::NotFound)
    }
}

/// `span` drawn under its line: `12 | text` and a caret line.
fn draw(sources: &SourceMap, span: Span) -> String {
    let Some(file) = sources.get(span.file) else { return format!("{span:?} in an unknown file") };
    let start = file.line_col(span.start as usize);
    let line = file.text.lines().nth(start.line - 1).unwrap_or("");
    let width = file.text[span.range()].chars().count().max(1);
    format!(
        "{}:{}:{}\n{:>4} | {line}\n       {}{}",
        file.name,
        start.line,
        start.column,
        start.line,
        " ".repeat(start.column - 1),
        "^".repeat(width)
    )
}

#[test]
fn ide_queries() {
    insta::glob!("ide/*.dyn", |path| {
        let raw = common::read(path);
        let offset = raw.find("$0").expect("a `$0` cursor");
        let text = raw.replacen("$0", "", 1);
        let query = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// query: "))
            .expect("a `// query:` line")
            .trim()
            .to_string();
        let name = common::relative(path);
        let app = dync_compiler::app::load(&name, &text, &mut NoFiles);
        let analysis = dync_compiler::sema::analyze(&app);
        let errors: Vec<&Diagnostic> = app.diagnostics.iter().chain(&analysis.diagnostics).collect();
        assert!(errors.is_empty(), "{name} must check clean: {errors:?}");
        let file = app.modules[app.root].file;
        let index = &analysis.index;
        let offset = offset as u32;
        let answer = match query.as_str() {
            "definition" => {
                let def = index.definition_at(file, offset).expect("a name at the cursor");
                let def = index.def(def).unwrap();
                format!("{} `{}`\n{}", def.kind.describe(), def.name, draw(&app.sources, def.span))
            }
            "references" => {
                let def = index.definition_at(file, offset).expect("a name at the cursor");
                index.references(def).into_iter().map(|s| draw(&app.sources, s)).collect::<Vec<_>>().join("\n")
            }
            "type" => {
                let node = index.node_at(file, offset).expect("something at the cursor");
                let ty = index.type_at(file, offset).map(ToString::to_string).unwrap_or_else(|| "no type".into());
                format!("{ty}\n{}", draw(&app.sources, node.span))
            }
            "visible" => index
                .visible_names(file, offset)
                .into_iter()
                .map(|(n, d)| format!("{n}: {}", index.def(d).map_or("?", |d| d.kind.describe())))
                .collect::<Vec<_>>()
                .join("\n"),
            other => panic!("unknown query {other}"),
        };
        insta::assert_snapshot!(answer);
    });
}

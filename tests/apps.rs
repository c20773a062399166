//! App corpus: each folder of `tests/apps/` is an app (its `app.dyn` plus modules). Folders
//! named `CODE-description` must report CODE; folders named `ok-...` must check clean. The
//! rendered diagnostics are snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::path::PathBuf;

use dync_compiler::Code;

/// Loads and checks the app in `dir`; returns its diagnostics' codes and their rendering.
pub fn check_app(dir: &std::path::Path) -> (Vec<Code>, String) {
    let (diagnostics, rendered) = common::app_diagnostics(&dir.join("app.dyn"));
    (diagnostics.iter().map(|d| d.code).collect(), rendered)
}

pub fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::root().join("tests/apps"))
        .expect("tests/apps")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn app_cases() {
    for dir in case_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (codes, rendered) = check_app(&dir);
        if name.starts_with("ok-") {
            assert!(codes.is_empty(), "{name} should check clean:\n{rendered}");
            continue;
        }
        let code =
            Code::parse(name.split('-').next().unwrap()).unwrap_or_else(|| panic!("{name}: not CODE-description"));
        assert!(codes.contains(&code), "{name} should report {code}:\n{rendered}");
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn the_standard_library_checks_clean() {
    for module in dync_compiler::stdlib::MODULES {
        let parsed = dync_compiler::syntax::parse(module.source, dync_compiler::FileId(0));
        assert!(parsed.diagnostics.is_empty(), "std::{}: {:?}", module.name, parsed.diagnostics);
        let formatted = dync_compiler::format::format(module.source, dync_compiler::FileId(0)).expect("std parses");
        assert_eq!(formatted, module.source, "std::{} is not in the canonical layout", module.name);
    }
    // Loaded into an app that uses every function of it, the standard library is checked
    // like user code: it must report nothing.
    let app = "app every_std { dync = \"0.1\", namespace = \"std\" }\n\
        use std::io::{mqtt_in, http_in, jsonl_in, timer, log, jsonl_out, http_out, mqtt_out}\n\
        use std::window::{tumbling, sliding}\n\
        type Reading { room: String, celsius: Float }\n\
        fn decode(raw: Bytes) -> Reading { exec = \"python3 decode.py\" }\n\
        flow all {\n\
            mqtt_in(\"t\") -> decode -> tumbling(10s, key: room, value: celsius) -> log\n\
            http_in(\"/x\") -> decode -> sliding(10s, 5s, key: room, value: celsius) -> jsonl_out(\"out.jsonl\")\n\
            jsonl_in(\"in.jsonl\") -> decode -> http_out(\"https://example.com\")\n\
            timer(1s) -> mqtt_out(\"ticks\")\n\
        }\n";
    let app = dync_compiler::app::load(
        "every_std.dyn",
        app,
        &mut common::FolderLoader(std::path::PathBuf::from("/nonexistent")),
    );
    let analysis = dync_compiler::sema::analyze(&app);
    let all: Vec<_> = app.diagnostics.iter().chain(&analysis.diagnostics).collect();
    assert!(all.is_empty(), "{all:?}");
    assert!(analysis.ir.is_some());
}

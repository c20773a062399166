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
    }
}

//! Helpers shared by the integration tests: reading case files and rendering diagnostics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dync_compiler::source::SourceMap;
use dync_compiler::syntax::{Parsed, parse};
use dync_compiler::{Diagnostic, FileId, render};

/// The repository root (where Cargo.toml of the workspace is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.dyn` file below `dir` (relative to the root), sorted.
pub fn dyn_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "dyn") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A path relative to the root, with `/` separators (stable across machines).
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Parses `text` as file 0 and renders its diagnostics without colour.
pub fn parse_and_render(name: &str, text: &str) -> (Parsed, String) {
    let parsed = parse(text, FileId(0));
    let mut sources = SourceMap::new();
    sources.add(name, text);
    let rendered = render::render_plain(&sources, &parsed.diagnostics);
    (parsed, rendered)
}

pub fn render_diagnostics(name: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    render::render_plain(&sources, diagnostics)
}

/// The tree's debug form with every span removed: two trees print the same exactly when they
/// are equal modulo spans.
pub fn shape<T: std::fmt::Debug>(tree: &T) -> String {
    let text = format!("{tree:?}");
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Spans print as `12..34` (and names as `"x" @12..34`): drop them.
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if text[j..].starts_with("..") {
                let mut k = j + 2;
                while k < bytes.len() && bytes[k].is_ascii_digit() {
                    k += 1;
                }
                if k > j + 2 {
                    i = k;
                    continue;
                }
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out.replace(" @", "")
}

/// Reads an app's module files from a folder (the app file's directory).
pub struct FolderLoader(pub PathBuf);

impl dync_compiler::app::Loader for FolderLoader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, dync_compiler::app::LoadError> {
        std::fs::read(self.0.join(path)).map_err(|_| dync_compiler::app::LoadError::NotFound)
    }
}

/// Loads and analyses the app whose file is `root` (relative names in diagnostics).
pub fn analyze_app(root: &Path) -> (dync_compiler::app::App, dync_compiler::sema::Analysis) {
    let text = read(root);
    let dir = root.parent().map(Path::to_path_buf).unwrap_or_default();
    let app = dync_compiler::app::load(&relative(root), &text, &mut FolderLoader(dir));
    let analysis = dync_compiler::sema::analyze(&app);
    (app, analysis)
}

/// A node inventory file read as `dync check --cluster` reads it.
pub fn read_inventory(path: &Path) -> dync_compiler::cluster::Inventory {
    let value = dync_runtime_config::yaml::to_json(&read(path)).expect("valid YAML");
    dync_compiler::cluster::inventory(&value).expect("a usable inventory")
}

/// An app's diagnostics (loading, analysis, and feasibility against `nodes.yaml` next to the
/// app file when there is one), sorted, and their rendering.
pub fn app_diagnostics(root: &Path) -> (Vec<Diagnostic>, String) {
    let (app, analysis) = analyze_app(root);
    let mut diagnostics = app.diagnostics.clone();
    let nodes = root.with_file_name("nodes.yaml");
    if nodes.exists()
        && let Some(ir) = &analysis.ir
    {
        diagnostics.extend(dync_compiler::cluster::check(ir, &read_inventory(&nodes)));
    }
    diagnostics.extend(analysis.diagnostics);
    dync_compiler::diagnostic::sort_diagnostics(&mut diagnostics);
    let rendered = render::render_plain(&app.sources, &diagnostics);
    (diagnostics, rendered)
}

/// The Python of the test tools' venv (`bash .ci/setup` creates it), or `$DYNC_TEST_PYTHON`.
pub fn test_python() -> PathBuf {
    if let Some(python) = std::env::var_os("DYNC_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let python = root().join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash .ci/setup` once (it installs kubernetes-validate and PyYAML into a venv)",
        python.display()
    );
    python
}

/// A fresh, empty scratch directory for one test (removed first if a previous run left it).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

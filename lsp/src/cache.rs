//! Files the editor opens that are not the user's: the embedded standard library (for go to
//! definition) and one explanation page per diagnostic code (a diagnostic's
//! `codeDescription.href`), written read-only under `$XDG_CACHE_HOME/dync/<version>/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dync_compiler::Code;
use dync_compiler::stdlib;
use tower_lsp_server::ls_types::Uri;

/// The cache folder, once written.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
    std_files: HashMap<String, Uri>,
    explanations: HashMap<String, Uri>,
}

impl Cache {
    /// `$XDG_CACHE_HOME/dync/<version>` (or `$HOME/.cache/dync/<version>`), given the
    /// environment's values.
    pub fn default_dir(xdg_cache_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
        let base = match (xdg_cache_home.filter(|v| Path::new(v).is_absolute()), home.filter(|v| !v.is_empty())) {
            (Some(xdg), _) => PathBuf::from(xdg),
            (None, Some(home)) => Path::new(home).join(".cache"),
            (None, None) => return None,
        };
        Some(base.join("dync").join(env!("CARGO_PKG_VERSION")))
    }

    /// Writes the standard library and the explanations into `dir` (files already holding the
    /// same text are left alone) and makes them read-only.
    pub fn create(dir: &Path) -> Result<Cache, String> {
        let mut std_files = HashMap::new();
        let std_dir = dir.join("std");
        for module in stdlib::MODULES {
            let path = std_dir.join(format!("{}.dyn", module.name));
            write_read_only(&path, module.source)?;
            if let Some(uri) = Uri::from_file_path(&path) {
                std_files.insert(module.name.to_string(), uri);
            }
        }
        let mut explanations = HashMap::new();
        let explain_dir = dir.join("explain");
        for code in Code::ALL {
            let path = explain_dir.join(format!("{}.md", code.as_str()));
            let page = format!("# {}: {}\n\n{}\n", code.as_str(), code.title(), code.explanation().trim_end());
            write_read_only(&path, &page)?;
            if let Some(uri) = Uri::from_file_path(&path) {
                explanations.insert(code.as_str().to_string(), uri);
            }
        }
        Ok(Cache { dir: dir.to_path_buf(), std_files, explanations })
    }

    /// The URI of the standard-library module `name` (`io`).
    pub fn std_file(&self, name: &str) -> Option<Uri> {
        self.std_files.get(name).cloned()
    }

    /// The URI of the explanation of `code`.
    pub fn explanation(&self, code: &str) -> Option<Uri> {
        self.explanations.get(code).cloned()
    }
}

fn write_read_only(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == text) {
        return Ok(());
    }
    let describe = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(describe)?;
    }
    // A stale read-only file from an earlier run must become writable to be replaced.
    if let Ok(metadata) = std::fs::metadata(path) {
        let mut permissions = metadata.permissions();
        #[allow(clippy::permissions_set_readonly_false)] // only to replace our own file
        permissions.set_readonly(false);
        std::fs::set_permissions(path, permissions).map_err(describe)?;
    }
    std::fs::write(path, text).map_err(describe)?;
    let mut permissions = std::fs::metadata(path).map_err(describe)?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions).map_err(describe)
}

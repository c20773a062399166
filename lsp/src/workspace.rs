//! The open documents and one analysis of everything they belong to: each app reached from an
//! open document (its `app` file, or an app file in its folder or up to four folders above that
//! `use`s it) is loaded — open buffers before the disk — and checked; a document in no app is
//! checked for syntax alone, as `dync check` does. The result is an immutable snapshot.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use dync_compiler::app::{self, App, LoadError, Loader, Origin};
use dync_compiler::sema::{self, Analysis};
use dync_compiler::span::{FileId, Span};
use dync_compiler::syntax;
use dync_compiler::{Diagnostic, Severity};
use tower_lsp_server::ls_types::{self as ls, Uri};

use crate::cache::Cache;
use crate::position::LineMap;

/// How many folders above a module file are searched for the app that uses it.
const APP_SEARCH_DEPTH: usize = 4;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub version: i32,
}

/// An analysed app: the loaded files, the analysis, and every file's URI and line map.
pub struct AppAnalysis {
    pub app: App,
    pub analysis: Analysis,
    /// By `FileId`: the file's URI (`None` for a file without one, e.g. the standard library
    /// when there is no cache folder to write it to).
    pub uris: Vec<Option<Uri>>,
    pub lines: Vec<LineMap>,
}

impl AppAnalysis {
    pub fn text(&self, file: FileId) -> &str {
        self.app.sources.get(file).map_or("", |f| f.text.as_str())
    }

    pub fn location(&self, span: Span) -> Option<ls::Location> {
        let uri = self.uris.get(span.file.0 as usize)?.clone()?;
        let lines = self.lines.get(span.file.0 as usize)?;
        Some(ls::Location { uri, range: lines.range(self.text(span.file), span.start as usize, span.end as usize) })
    }

    pub fn is_std(&self, file: FileId) -> bool {
        self.app.modules.iter().any(|m| m.file == file && matches!(m.origin, Origin::Std(_)))
    }
}

/// Where a URI was analysed.
#[derive(Debug, Clone, Copy)]
pub enum FileRef {
    /// A file of app `app` (index into `Snapshot::apps`).
    App { app: usize, file: FileId },
    /// A document that is in no app: checked for syntax alone.
    Standalone,
}

/// One finished analysis of every open document.
#[derive(Default)]
pub struct Snapshot {
    /// The edit generation it reflects.
    pub generation: u64,
    pub apps: Vec<AppAnalysis>,
    pub files: HashMap<Uri, FileRef>,
    /// For every file of every analysed app and every open document, its diagnostics (empty
    /// lists included, so fixed problems are cleared).
    pub diagnostics: BTreeMap<Uri, Vec<ls::Diagnostic>>,
}

impl Snapshot {
    /// The app analysis and file a URI belongs to.
    pub fn app_file(&self, uri: &Uri) -> Option<(&AppAnalysis, FileId)> {
        match self.files.get(uri)? {
            FileRef::App { app, file } => Some((self.apps.get(*app)?, *file)),
            FileRef::Standalone => None,
        }
    }
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// Reads the files of one app: open documents first, then the disk.
struct DocumentLoader<'a> {
    dir: Option<PathBuf>,
    documents: &'a HashMap<Uri, Document>,
}

impl Loader for DocumentLoader<'_> {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, LoadError> {
        let Some(dir) = &self.dir else { return Err(LoadError::NotFound) };
        let full = dir.join(path);
        if let Some(uri) = Uri::from_file_path(&full)
            && let Some(document) = self.documents.get(&uri)
        {
            return Ok(document.text.clone().into_bytes());
        }
        std::fs::read(&full).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Other(error.to_string()),
        })
    }
}

/// The text of a file: the open document if there is one, else the disk.
fn read_text(path: &Path, documents: &HashMap<Uri, Document>) -> Option<String> {
    if let Some(uri) = Uri::from_file_path(path)
        && let Some(document) = documents.get(&uri)
    {
        return Some(document.text.clone());
    }
    std::fs::read_to_string(path).ok()
}

/// The app files in the folder of `module` and up to [`APP_SEARCH_DEPTH`] folders above it
/// that reach `module` through `use` items. Judged from the `use` lines alone, so a folder full
/// of unrelated apps costs a read of each file, never a parse or a check.
fn nearby_apps(module: &Path, documents: &HashMap<Uri, Document>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dir = module.parent();
    for _ in 0..=APP_SEARCH_DEPTH {
        let Some(current) = dir else { break };
        if let Ok(entries) = std::fs::read_dir(current) {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "dyn") && p.is_file() && p != module)
                .collect();
            paths.sort();
            for path in paths {
                if reaches(&path, module, documents)
                    && read_text(&path, documents).is_some_and(|text| syntax::declares_app(&text))
                {
                    found.push(path);
                }
            }
        }
        dir = current.parent();
    }
    found
}

/// The module paths a file's `use` items name (`use shared::types::Reading` and
/// `use shared::types::{A, B}` both name `shared::types`), from its lines.
fn used_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("use ")?.trim_start();
            match rest.split_once('{') {
                Some((head, _)) => Some(head.trim().trim_end_matches("::").to_string()),
                None => {
                    let path = rest.split(|c: char| c.is_whitespace() || c == '/').next()?;
                    path.rsplit_once("::").map(|(module, _)| module.to_string())
                }
            }
        })
        .filter(|module| !module.is_empty())
        .collect()
}

/// Whether the file `from` reaches the module file `module` through `use` items, directly or
/// through other modules of its folder (at most 256 files are followed).
fn reaches(from: &Path, module: &Path, documents: &HashMap<Uri, Document>) -> bool {
    let Some(dir) = from.parent() else { return false };
    let Ok(relative) = module.strip_prefix(dir) else { return false };
    let wanted: Vec<String> =
        relative.with_extension("").components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let wanted = wanted.join("::");
    let mut seen = std::collections::HashSet::new();
    let mut queue = vec![from.to_path_buf()];
    while let Some(file) = queue.pop() {
        if seen.len() >= 256 || !seen.insert(file.clone()) {
            continue;
        }
        let Some(text) = read_text(&file, documents) else { continue };
        for used in used_modules(&text) {
            if used == wanted {
                return true;
            }
            if used != "std" && !used.starts_with("std::") {
                queue.push(dir.join(format!("{}.dyn", used.replace("::", "/"))));
            }
        }
    }
    false
}

/// Analyses every open document (and the apps they belong to).
pub fn analyze(documents: &HashMap<Uri, Document>, generation: u64, cache: Option<&Cache>) -> Snapshot {
    let mut snapshot = Snapshot { generation, ..Snapshot::default() };
    let mut open: Vec<&Uri> = documents.keys().collect();
    open.sort();

    // Candidate app roots: open app files, and app files near open module files.
    let mut roots: BTreeSet<Uri> = BTreeSet::new();
    for uri in &open {
        if syntax::declares_app(&documents[*uri].text) {
            roots.insert((*uri).clone());
        } else if let Some(path) = file_path(uri) {
            roots.extend(nearby_apps(&path, documents).iter().filter_map(Uri::from_file_path));
        }
    }

    for root in roots {
        let root_open = documents.contains_key(&root);
        let root_path = file_path(&root);
        let text = match (documents.get(&root), &root_path) {
            (Some(document), _) => document.text.clone(),
            (None, Some(path)) => match read_text(path, documents) {
                Some(text) => text,
                None => continue,
            },
            (None, None) => continue,
        };
        let dir = root_path.as_deref().and_then(Path::parent).map(Path::to_path_buf);
        let name = root_path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(|| root.as_str().to_string(), |n| n.to_string_lossy().into_owned());
        let loaded = app::load(&name, &text, &mut DocumentLoader { dir: dir.clone(), documents });
        let uris: Vec<Option<Uri>> = (0..loaded.sources.len())
            .map(|i| {
                let module = loaded.modules.iter().find(|m| m.file.0 as usize == i)?;
                match &module.origin {
                    Origin::Root => Some(root.clone()),
                    Origin::Module(_) => Uri::from_file_path(dir.as_ref()?.join(&module.path)),
                    Origin::Std(name) => cache.and_then(|c| c.std_file(name)),
                }
            })
            .collect();
        // An app found near a module file counts only if it reaches an open document.
        if !root_open && !uris.iter().flatten().any(|u| documents.contains_key(u)) {
            continue;
        }
        let index = snapshot.apps.len();
        let mut claimed = false;
        for (i, uri) in uris.iter().enumerate() {
            let Some(uri) = uri else { continue };
            let is_std = loaded.modules.iter().any(|m| m.file.0 as usize == i && matches!(m.origin, Origin::Std(_)));
            if is_std {
                // Every app has the standard library; the first one answers for it.
                snapshot.files.entry(uri.clone()).or_insert(FileRef::App { app: index, file: FileId(i as u32) });
                continue;
            }
            if !snapshot.files.contains_key(uri) {
                snapshot.files.insert(uri.clone(), FileRef::App { app: index, file: FileId(i as u32) });
                claimed = true;
            }
        }
        if !claimed && !root_open {
            continue;
        }
        let analysis = sema::analyze(&loaded);
        let lines = (0..loaded.sources.len())
            .map(|i| LineMap::new(loaded.sources.get(FileId(i as u32)).map_or("", |f| f.text.as_str())))
            .collect();
        let analyzed = AppAnalysis { app: loaded, analysis, uris, lines };
        publishable_diagnostics(&analyzed, cache, &mut snapshot.diagnostics);
        snapshot.apps.push(analyzed);
    }

    for uri in open {
        if snapshot.files.contains_key(uri) {
            continue;
        }
        let text = &documents[uri].text;
        let parsed = syntax::parse(text, FileId(0));
        let lines = LineMap::new(text);
        let diagnostics =
            parsed.diagnostics.iter().map(|d| to_lsp(d, &lines, text, |_| None, cache)).collect::<Vec<_>>();
        snapshot.diagnostics.insert(uri.clone(), diagnostics);
        snapshot.files.insert(uri.clone(), FileRef::Standalone);
    }
    snapshot
}

/// Every diagnostic of an app, by the URI of its primary label's file; every file of the app
/// (but the standard library) gets an entry, empty when it is clean.
fn publishable_diagnostics(app: &AppAnalysis, cache: Option<&Cache>, out: &mut BTreeMap<Uri, Vec<ls::Diagnostic>>) {
    for (i, uri) in app.uris.iter().enumerate() {
        if let Some(uri) = uri
            && !app.is_std(FileId(i as u32))
        {
            out.entry(uri.clone()).or_default();
        }
    }
    let all = app.app.diagnostics.iter().chain(app.analysis.diagnostics.iter());
    for diagnostic in all {
        // A diagnostic without a label belongs to the app file.
        let file = diagnostic.primary_span().map_or(app.app.modules[app.app.root].file, |s| s.file);
        if app.is_std(file) {
            continue;
        }
        let Some(Some(uri)) = app.uris.get(file.0 as usize) else { continue };
        let Some(lines) = app.lines.get(file.0 as usize) else { continue };
        let converted = to_lsp(diagnostic, lines, app.text(file), |span| app.location(span), cache);
        out.entry(uri.clone()).or_default().push(converted);
    }
}

/// One diagnostic in LSP form: the primary label's range, the code with a link to its
/// explanation, secondary labels as related information, notes and help in the message.
pub fn to_lsp(
    diagnostic: &Diagnostic,
    lines: &LineMap,
    text: &str,
    locate: impl Fn(Span) -> Option<ls::Location>,
    cache: Option<&Cache>,
) -> ls::Diagnostic {
    let primary = diagnostic.labels.iter().find(|l| l.primary).or(diagnostic.labels.first());
    let range =
        primary.map_or_else(ls::Range::default, |l| lines.range(text, l.span.start as usize, l.span.end as usize));
    let mut message = diagnostic.message.clone();
    if let Some(label) = primary
        && !label.message.is_empty()
        && label.message != diagnostic.message
    {
        message.push_str(&format!("\n{}", label.message));
    }
    for note in &diagnostic.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<ls::DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            Some(ls::DiagnosticRelatedInformation { location: locate(l.span)?, message: l.message.clone() })
        })
        .collect();
    let code = diagnostic.code.as_str();
    ls::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => ls::DiagnosticSeverity::ERROR,
            Severity::Warning => ls::DiagnosticSeverity::WARNING,
        }),
        code: Some(ls::NumberOrString::String(code.to_string())),
        code_description: cache.and_then(|c| c.explanation(code)).map(|href| ls::CodeDescription { href }),
        source: Some("dync".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_modules_of_use_lines() {
        let text = "app a { dync = \"0.1\" }\nuse std::io::{mqtt_in, log}\nuse shared::types::Reading\n  use shared::alerts::{\n    Alert,\n}\nuse x::y::z as w\n// use not::this\nfn f(a: Int) -> Int = a\n";
        assert_eq!(used_modules(text), ["std::io", "shared::types", "shared::alerts", "x::y"]);
    }

    #[test]
    fn apps_near_a_module_are_those_that_reach_it() {
        #![allow(clippy::unwrap_used)]
        let root = std::env::temp_dir().join(format!("dync-lsp-nearby-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("shared")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
        // `app.dyn` reaches `shared/types.dyn` through `shared/alerts.dyn`; `other.dyn` does not.
        write("app.dyn", "app a { dync = \"0.1\" }\nuse shared::alerts::Alert\n");
        write("shared/alerts.dyn", "use shared::types::Reading\ntype Alert { r: Reading }\n");
        write("shared/types.dyn", "type Reading { celsius: Float }\n");
        write("other.dyn", "app b { dync = \"0.1\" }\nuse std::io::log\n");
        let documents = HashMap::new();
        let found = nearby_apps(&root.join("shared/types.dyn"), &documents);
        assert_eq!(found, [root.join("app.dyn")]);
        assert!(nearby_apps(&root.join("shared/unused.dyn"), &documents).is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }
}

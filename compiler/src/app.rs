//! Apps and modules: the `app` file plus every file it reaches through `use`, loaded through a
//! `Loader` the caller provides (the compiler itself does no IO).
//!
//! `use a::b::name` names the module `a::b`, the file `a/b.dyn` relative to the app's
//! directory, and the item `name` in it; `std::...` modules are the embedded standard library.
//! Import cycles, missing files and a missing or unknown language version are reported here.

use std::collections::HashMap;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceMap, decode};
use crate::span::{FileId, Span};
use crate::stdlib;
use crate::syntax::ast::{ExprKind, ItemKind, Module, SettingKey, SettingKind, UseItem, UseTail};
use crate::syntax::parse;

/// The language versions this compiler accepts in `app { dync = "..." }`.
pub const LANGUAGE_VERSIONS: &[&str] = &["0.1"];

/// Why a module file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    /// Any other reason, in the caller's words (permission denied, ...).
    Other(String),
}

/// Reads the files of an app. `path` is relative to the app's directory, `/`-separated
/// (`shared/types.dyn`).
pub trait Loader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, LoadError>;
}

/// Where a module comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The file with the `app` item.
    Root,
    /// A file of the app, reached through `use` (its module path, e.g. `shared::types`).
    Module(String),
    /// A standard-library module (`std::io`).
    Std(String),
}

/// One parsed file of an app.
#[derive(Debug, Clone)]
pub struct LoadedModule {
    pub file: FileId,
    pub origin: Origin,
    /// The path relative to the app's directory (`shared/types.dyn`), or `<std>/io.dyn`.
    pub path: String,
    pub ast: Module,
    /// Whether the file parsed without errors (semantic checks skip broken items only).
    pub parsed_clean: bool,
}

impl LoadedModule {
    /// The module path others `use` it by: `shared::types`, `std::io`, or the root's file stem.
    pub fn module_path(&self) -> String {
        match &self.origin {
            Origin::Root => self.path.trim_end_matches(".dyn").replace('/', "::"),
            Origin::Module(path) => path.clone(),
            Origin::Std(name) => format!("std::{name}"),
        }
    }
}

/// An app: its files (standard library first), what `use` resolved to, and diagnostics.
#[derive(Debug, Clone)]
pub struct App {
    pub sources: SourceMap,
    pub modules: Vec<LoadedModule>,
    /// For every module, the module each of its `use` items names (index into `modules`),
    /// `None` when that module could not be loaded.
    pub imports: Vec<Vec<Option<usize>>>,
    /// The index of the root module.
    pub root: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// The module path a `use` item names (all segments but the imported name), e.g. `shared::types`.
pub fn use_module_path(item: &UseItem) -> Vec<&str> {
    let segments: Vec<&str> = item.path.iter().map(|n| n.text.as_str()).collect();
    match item.tail {
        UseTail::Single { .. } => segments[..segments.len().saturating_sub(1)].to_vec(),
        UseTail::Group(_) => segments,
    }
}

/// Loads the app whose `app` file is `root_name` with text `root_text`.
pub fn load(root_name: &str, root_text: &str, loader: &mut dyn Loader) -> App {
    let mut sources = SourceMap::new();
    let mut modules: Vec<LoadedModule> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();

    for std_module in stdlib::MODULES {
        let path = stdlib::file_name(std_module.name);
        let file = sources.add(path.clone(), std_module.source);
        let parsed = parse(std_module.source, file);
        let parsed_clean = !parsed.has_errors();
        // The standard library is tested to parse clean; should it not, say so plainly.
        diagnostics.extend(parsed.diagnostics);
        by_path.insert(format!("std::{}", std_module.name), modules.len());
        modules.push(LoadedModule {
            file,
            origin: Origin::Std(std_module.name.to_string()),
            path,
            ast: parsed.module,
            parsed_clean,
        });
    }

    let root_file = sources.add(root_name, root_text);
    let parsed = parse(root_text, root_file);
    let root = modules.len();
    let root_path =
        std::path::Path::new(root_name).file_name().map_or("app.dyn".to_string(), |n| n.to_string_lossy().into_owned());
    by_path.insert(root_path.trim_end_matches(".dyn").to_string(), root);
    modules.push(LoadedModule {
        file: root_file,
        origin: Origin::Root,
        path: root_path,
        parsed_clean: !parsed.has_errors(),
        ast: parsed.module,
    });
    diagnostics.extend(parsed.diagnostics);

    // Breadth-first over `use` items; each module is loaded once.
    let mut imports: Vec<Vec<Option<usize>>> = vec![Vec::new(); modules.len()];
    let mut queue = vec![root];
    while let Some(index) = queue.pop() {
        let uses: Vec<(Vec<String>, Span)> = modules[index]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Use(u) => Some((use_module_path(u).iter().map(|s| s.to_string()).collect(), item.span)),
                _ => None,
            })
            .collect();
        let mut resolved = Vec::with_capacity(uses.len());
        for (segments, span) in uses {
            if segments.is_empty() {
                diagnostics.push(
                    Diagnostic::new(Code::E0101, "`use` needs a module and a name", span, "no module named here")
                        .with_help("write `use module::name`, e.g. `use std::io::log` or `use shared::types::Reading`"),
                );
                resolved.push(None);
                continue;
            }
            let module_path = segments.join("::");
            if let Some(&known) = by_path.get(&module_path) {
                resolved.push(Some(known));
                continue;
            }
            if segments[0] == "std" {
                let known: Vec<String> = stdlib::MODULES.iter().map(|m| format!("std::{}", m.name)).collect();
                let mut diagnostic = Diagnostic::new(
                    Code::E0101,
                    format!("the standard library has no module `{module_path}`"),
                    span,
                    "no such module",
                )
                .with_note(format!(
                    "its modules are {}",
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ));
                if let Some(suggestion) = crate::suggest::closest(&module_path, known.iter().map(String::as_str)) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                diagnostics.push(diagnostic);
                resolved.push(None);
                continue;
            }
            let relative = format!("{}.dyn", segments.join("/"));
            match loader.load(&relative) {
                Ok(bytes) => {
                    let file = FileId(u32::try_from(sources.len()).unwrap_or(u32::MAX));
                    let decoded = decode(bytes, file);
                    let file = sources.add(display_name(root_name, &relative), decoded.text.clone());
                    let (ast, clean) = match decoded.invalid {
                        Some(diagnostic) => {
                            diagnostics.push(diagnostic);
                            (Module { docs: None, items: Vec::new() }, false)
                        }
                        None => {
                            let parsed = parse(&decoded.text, file);
                            let clean = !parsed.has_errors();
                            diagnostics.extend(parsed.diagnostics);
                            (parsed.module, clean)
                        }
                    };
                    let new = modules.len();
                    by_path.insert(module_path.clone(), new);
                    modules.push(LoadedModule {
                        file,
                        origin: Origin::Module(module_path),
                        path: relative,
                        ast,
                        parsed_clean: clean,
                    });
                    imports.push(Vec::new());
                    queue.push(new);
                    resolved.push(Some(new));
                }
                Err(error) => {
                    let (message, label) = match error {
                        LoadError::NotFound => (
                            format!("cannot find module `{module_path}`"),
                            format!("there is no file `{relative}` next to the app"),
                        ),
                        LoadError::Other(reason) => {
                            (format!("cannot read module `{module_path}`"), format!("`{relative}`: {reason}"))
                        }
                    };
                    diagnostics.push(
                        Diagnostic::new(Code::E0101, message, span, label)
                            .with_note("`use a::b::name` reads the file `a/b.dyn` in the app's directory"),
                    );
                    // Remember the failure so the same path is reported once per `use`, not loaded again.
                    resolved.push(None);
                }
            }
        }
        imports[index] = resolved;
    }

    let mut app = App { sources, modules, imports, root, diagnostics };
    check_cycles(&mut app);
    check_app_items(&mut app);
    crate::diagnostic::sort_diagnostics(&mut app.diagnostics);
    app
}

/// How a module file is named in diagnostics: relative to where the app's file was named, so
/// `examples/a/app.dyn` makes `examples/a/shared/types.dyn`.
fn display_name(root_name: &str, relative: &str) -> String {
    match root_name.rfind(['/', '\\']) {
        Some(slash) => format!("{}/{relative}", &root_name[..slash]),
        None => relative.to_string(),
    }
}

/// Reports import cycles, each once, with the chain of `use` items that closes it.
fn check_cycles(app: &mut App) {
    let count = app.modules.len();
    let mut state = vec![0u8; count]; // 0 unvisited, 1 on the stack, 2 done
    let mut reported: std::collections::HashSet<Vec<usize>> = std::collections::HashSet::new();
    for start in 0..count {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first search: (module, next import to follow).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (module, ref mut next)) = stack.last_mut() {
            let edges = &app.imports[module];
            if *next >= edges.len() {
                state[module] = 2;
                stack.pop();
                continue;
            }
            let edge = *next;
            *next += 1;
            let Some(target) = edges[edge] else { continue };
            match state[target] {
                0 => {
                    state[target] = 1;
                    stack.push((target, 0));
                }
                1 => {
                    let from = stack.iter().position(|(m, _)| *m == target).unwrap_or(0);
                    let cycle: Vec<(usize, usize)> =
                        stack[from..].iter().map(|(m, n)| (*m, n.saturating_sub(1))).collect();
                    let mut key: Vec<usize> = cycle.iter().map(|(m, _)| *m).collect();
                    key.sort_unstable();
                    if reported.insert(key) {
                        let diagnostic = cycle_diagnostic(app, &cycle);
                        app.diagnostics.push(diagnostic);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The span of the `n`-th `use` item of a module.
fn use_span(app: &App, module: usize, n: usize) -> Option<Span> {
    app.modules[module].ast.items.iter().filter(|i| matches!(i.kind, ItemKind::Use(_))).nth(n).map(|i| i.span)
}

fn cycle_diagnostic(app: &App, cycle: &[(usize, usize)]) -> Diagnostic {
    let names: Vec<String> = cycle.iter().map(|(m, _)| format!("`{}`", app.modules[*m].module_path())).collect();
    let mut chain = names.join(" uses ");
    chain.push_str(&format!(" uses {}", names[0]));
    let (first, first_use) = cycle[0];
    let span = use_span(app, first, first_use).unwrap_or_default();
    let mut diagnostic =
        Diagnostic::new(Code::E0102, "modules import each other in a cycle", span, "this `use` starts the cycle")
            .with_note(format!("the cycle: {chain}"))
            .with_help("move what the modules share into a module of its own that both `use`");
    for &(module, n) in &cycle[1..] {
        if let Some(span) = use_span(app, module, n) {
            diagnostic = diagnostic.with_secondary(span, "and this `use` continues it");
        }
    }
    diagnostic
}

/// One `app` item, in the root file, with a known language version.
fn check_app_items(app: &mut App) {
    let mut diagnostics = Vec::new();
    for (index, module) in app.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ItemKind::App(_) = item.kind
                && index != app.root
            {
                diagnostics.push(
                    Diagnostic::new(
                        Code::E0103,
                        format!("module `{}` declares an `app`", module.module_path()),
                        item.span,
                        "only the app's own file may declare `app`",
                    )
                    .with_help(
                        "remove this `app` item, or check this file as an app of its own instead of `use`-ing it",
                    ),
                );
            }
        }
    }
    let root = &app.modules[app.root];
    let apps: Vec<_> = root
        .ast
        .items
        .iter()
        .filter_map(|i| if let ItemKind::App(a) = &i.kind { Some((a, i.span)) } else { None })
        .collect();
    if let Some(((first, first_span), rest)) = apps.split_first() {
        for (_, span) in rest {
            diagnostics.push(
                Diagnostic::new(Code::E0103, "a second `app` item", *span, "an app has one `app` item")
                    .with_secondary(first.name.span.to(*first_span), "the app is declared here")
                    .with_help("merge the settings into the first `app` item"),
            );
        }
        let version = first.settings.iter().find_map(|s| match &s.kind {
            SettingKind::Value { key: SettingKey::Name(key), value } if key.text == "dync" => Some((value, s.span)),
            _ => None,
        });
        match version {
            None => diagnostics.push(
                Diagnostic::new(
                    Code::E0104,
                    format!("app `{}` does not say which language version it is written in", first.name.text),
                    first.name.span,
                    "no `dync = \"...\"` setting",
                )
                .with_help(format!(
                    "add `dync = \"{}\"` to the `app` item",
                    LANGUAGE_VERSIONS[LANGUAGE_VERSIONS.len() - 1]
                )),
            ),
            Some((value, _)) => {
                let text = match &value.kind {
                    ExprKind::Str(s) => s.as_plain(),
                    _ => None,
                };
                let known = text.as_deref().is_some_and(|t| LANGUAGE_VERSIONS.contains(&t));
                if text.is_none() {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::E0104,
                            "the language version must be a plain string",
                            value.span,
                            "not a string",
                        )
                        .with_help(format!("write `dync = \"{}\"`", LANGUAGE_VERSIONS[LANGUAGE_VERSIONS.len() - 1])),
                    );
                } else if !known {
                    let shown = text.map_or_else(String::new, |t| format!("\"{t}\""));
                    diagnostics.push(
                        Diagnostic::new(
                            Code::E0104,
                            format!("unknown language version {shown}"),
                            value.span,
                            "not a version this dync knows",
                        )
                        .with_note(format!(
                            "this dync accepts {}",
                            LANGUAGE_VERSIONS.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
                        ))
                        .with_help("write the version as a string, e.g. `dync = \"0.1\"`"),
                    );
                }
            }
        }
    }
    app.diagnostics.extend(diagnostics);
}

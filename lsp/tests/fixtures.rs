//! LSP fixtures: each case under `tests/lsp/` is a `.dyn` file (or a folder holding an app and
//! its modules) whose first line names the request (`// request: hover`) and whose text marks
//! the cursor with `$0` (in the file the request is about). The case is copied to a scratch
//! folder without the marker, opened in an in-process server, and the response is drawn over
//! the source and snapshotted (`lsp/tests/snapshots/`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod harness;

use std::path::{Path, PathBuf};

use harness::{Client, position_params, root, uri_of};
use serde_json::{Value, json};

const CURSOR: &str = "$0";

/// One fixture: the files (relative path, text without the marker), the file with the cursor,
/// and the cursor's line and UTF-16 column.
struct Case {
    name: String,
    files: Vec<(String, String)>,
    target: String,
    cursor: Option<(u32, u32)>,
    request: String,
}

fn load_case(path: &Path) -> Case {
    let mut files = Vec::new();
    if path.is_dir() {
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "dyn" || e == "yaml") {
                    let relative = p.strip_prefix(path).unwrap().to_string_lossy().replace('\\', "/");
                    files.push((relative, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        files.sort();
    } else {
        files.push(("app.dyn".to_string(), std::fs::read_to_string(path).unwrap()));
    }
    let (mut target, mut cursor) = (None, None);
    for (name, text) in &mut files {
        if let Some(offset) = text.find(CURSOR) {
            let before = &text[..offset];
            let line = before.matches('\n').count() as u32;
            let column = before.rsplit('\n').next().unwrap().encode_utf16().count() as u32;
            cursor = Some((line, column));
            target = Some(name.clone());
            text.replace_range(offset..offset + CURSOR.len(), "");
        }
    }
    let target = target.unwrap_or_else(|| {
        if files.iter().any(|(n, _)| n == "app.dyn") { "app.dyn".into() } else { files[0].0.clone() }
    });
    let header = &files.iter().find(|(n, _)| *n == target).unwrap().1;
    let request = header
        .lines()
        .find_map(|l| l.strip_prefix("// request:"))
        .unwrap_or_else(|| panic!("{}: no `// request:` line", path.display()))
        .trim()
        .to_string();
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    Case { name, files, target, cursor, request }
}

fn cases() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("tests/lsp"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "dyn"))
        .collect();
    found.sort();
    found
}

/// Draws what a response points at: `file:line:col`, the line, and carets under the range.
struct Drawing<'a> {
    files: &'a [(String, String)],
    scratch: String,
    cache: String,
}

impl Drawing<'_> {
    fn file_name(&self, uri: &str) -> String {
        let path = uri.strip_prefix("file://").unwrap_or(uri);
        if let Some(rest) = path.strip_prefix(&self.cache) {
            return format!("<cache>{rest}");
        }
        path.strip_prefix(&self.scratch).map_or(path.to_string(), |p| p.trim_start_matches('/').to_string())
    }

    fn text_of(&self, name: &str) -> Option<String> {
        if let Some(rest) = name.strip_prefix("<cache>/std/") {
            let module = rest.trim_end_matches(".dyn");
            return dync_compiler::stdlib::module(module).map(|m| m.source.to_string());
        }
        self.files.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    }

    fn range(&self, uri: &str, range: &Value, label: &str) -> String {
        let name = self.file_name(uri);
        let (line, start) =
            (range["start"]["line"].as_u64().unwrap() as usize, range["start"]["character"].as_u64().unwrap() as usize);
        let (end_line, end) =
            (range["end"]["line"].as_u64().unwrap() as usize, range["end"]["character"].as_u64().unwrap() as usize);
        let mut out = format!("{name}:{}:{}", line + 1, start + 1);
        if !label.is_empty() {
            out.push_str(&format!(" {label}"));
        }
        out.push('\n');
        let Some(text) = self.text_of(&name) else { return out };
        let source_line = text.split('\n').nth(line).unwrap_or("").trim_end_matches('\r');
        // Columns are UTF-16 units; the fixtures draw carets per unit (ASCII in practice).
        let width = source_line.encode_utf16().count();
        let stop = if end_line == line { end.min(width) } else { width };
        out.push_str(&format!(
            "    {source_line}\n    {}{}{}\n",
            " ".repeat(start.min(width)),
            "^".repeat(stop.saturating_sub(start).max(1)),
            if end_line > line { format!(" (to {}:{})", end_line + 1, end + 1) } else { String::new() }
        ));
        out
    }
}

fn symbols(out: &mut String, symbols: &Value, depth: usize) {
    for symbol in symbols.as_array().unwrap() {
        let range = &symbol["range"];
        out.push_str(&format!(
            "{}{} {}{} [{}:{}..{}:{}]\n",
            "  ".repeat(depth),
            symbol_kind(symbol["kind"].as_u64().unwrap()),
            symbol["name"].as_str().unwrap(),
            symbol["detail"].as_str().map(|d| format!(" ({d})")).unwrap_or_default(),
            range["start"]["line"].as_u64().unwrap() + 1,
            range["start"]["character"].as_u64().unwrap() + 1,
            range["end"]["line"].as_u64().unwrap() + 1,
            range["end"]["character"].as_u64().unwrap() + 1,
        ));
        if let Some(children) = symbol.get("children") {
            symbols_children(out, children, depth + 1);
        }
    }
}

fn symbols_children(out: &mut String, children: &Value, depth: usize) {
    if children.as_array().is_some_and(|c| !c.is_empty()) {
        symbols(out, children, depth);
    }
}

fn symbol_kind(kind: u64) -> &'static str {
    match kind {
        2 => "module",
        3 => "namespace",
        4 => "package",
        8 => "field",
        10 => "enum",
        12 => "function",
        13 => "variable",
        19 => "object",
        22 => "enum-member",
        23 => "struct",
        24 => "event",
        26 => "type-parameter",
        _ => "other",
    }
}

fn completion_kind(kind: u64) -> &'static str {
    match kind {
        3 => "function",
        5 => "field",
        6 => "variable",
        10 => "property",
        12 => "value",
        14 => "keyword",
        15 => "snippet",
        20 => "variant",
        22 => "type",
        _ => "other",
    }
}

/// Draws the edits of a workspace edit, applies them to a copy of the case's files and checks
/// the app again: the result must have no errors.
fn render_edit(
    drawing: &Drawing<'_>,
    case_files: &[(String, String)],
    scratch: &Path,
    changes: &Value,
    what: &str,
) -> String {
    let mut out = String::new();
    let mut files = case_files.to_vec();
    let changes = changes.as_object().unwrap();
    let mut uris: Vec<&String> = changes.keys().collect();
    uris.sort();
    for uri in uris {
        let name = drawing.file_name(uri);
        let edits = changes[uri].as_array().unwrap();
        for e in edits {
            out.push_str(&drawing.range(uri, &e["range"], &format!("→ {:?}", e["newText"].as_str().unwrap())));
        }
        let file = files.iter_mut().find(|(n, _)| *n == name).unwrap();
        file.1 = apply_text_edits(&file.1, edits);
    }
    let check = scratch.join(".check");
    let _ = std::fs::remove_dir_all(&check);
    for (name, text) in &files {
        let path = check.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let root_text = files.iter().find(|(n, _)| n == "app.dyn").map(|(_, t)| t.clone()).unwrap();
    let app = dync_compiler::app::load("app.dyn", &root_text, &mut DirLoader(check.clone()));
    let analysis = dync_compiler::sema::analyze(&app);
    let errors: Vec<String> = app
        .diagnostics
        .iter()
        .chain(&analysis.diagnostics)
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    if errors.is_empty() {
        out.push_str(&format!("after {what}: the app checks without errors\n"));
    } else {
        out.push_str(&format!("after {what}: {}\n", errors.join("; ")));
    }
    out
}

struct DirLoader(PathBuf);

impl dync_compiler::app::Loader for DirLoader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, dync_compiler::app::LoadError> {
        std::fs::read(self.0.join(path)).map_err(|_| dync_compiler::app::LoadError::NotFound)
    }
}

/// Applies LSP edits (non-overlapping) to a text with ASCII-only lines before the edits' ends.
fn apply_text_edits(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split('\n').take(line).map(|l| l.len() + 1).sum();
        start + text[start..].chars().take(character).map(char::len_utf8).sum::<usize>()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

fn apply_edits(text: &str, edits: &Value) -> String {
    let edits = edits.as_array().unwrap();
    if edits.is_empty() {
        return "(no edits: already formatted)\n".to_string();
    }
    assert_eq!(edits.len(), 1, "formatting replaces the whole document");
    let range = &edits[0]["range"];
    assert_eq!((range["start"]["line"].as_u64(), range["start"]["character"].as_u64()), (Some(0), Some(0)));
    let lines = text.split('\n').count() as u64;
    assert_eq!(range["end"]["line"].as_u64(), Some(lines - 1), "the edit covers the document");
    edits[0]["newText"].as_str().unwrap().to_string()
}

async fn run_case(path: &Path) -> String {
    let case = load_case(path);
    let scratch = std::env::temp_dir().join(format!("dync-lsp-fixture-{}-{}", case.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for (name, text) in &case.files {
        let file = scratch.join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let cache = scratch.join(".cache");
    // `// cluster: nodes.yaml` configures a node inventory of the case.
    let header = &case.files.iter().find(|(n, _)| *n == case.target).unwrap().1;
    let options = match header.lines().find_map(|l| l.strip_prefix("// cluster:")) {
        Some(path) => json!({ "cluster": scratch.join(path.trim()).display().to_string() }),
        None => Value::Null,
    };
    let mut client = Client::start_with(&cache, options).await;
    let target_uri = uri_of(&scratch.join(&case.target));
    let target_text = case.files.iter().find(|(n, _)| *n == case.target).unwrap().1.clone();
    client.open(&target_uri, &target_text).await;
    let drawing =
        Drawing { files: &case.files, scratch: scratch.display().to_string(), cache: cache.display().to_string() };
    let (line, column) = case.cursor.unwrap_or((0, 0));
    let at = position_params(&target_uri, line, column);
    let doc = json!({ "textDocument": { "uri": target_uri } });
    let mut out = String::new();
    let (request, argument) = case.request.split_once(' ').unwrap_or((case.request.as_str(), ""));
    match request {
        "prepareRename" => match client.try_request("textDocument/prepareRename", at).await {
            Ok(answer) if answer.is_null() => out.push_str("(nothing to rename)\n"),
            Ok(answer) => {
                out.push_str(&drawing.range(
                    &target_uri,
                    &answer["range"],
                    &format!("rename `{}`", answer["placeholder"].as_str().unwrap()),
                ));
            }
            Err(message) => out.push_str(&format!("refused: {message}\n")),
        },
        "semanticTokens" => {
            let tokens = client.request("textDocument/semanticTokens/full", doc).await;
            let data: Vec<u64> = tokens["data"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
            let types = [
                "keyword",
                "type",
                "enum",
                "enumMember",
                "function",
                "parameter",
                "variable",
                "property",
                "namespace",
                "string",
                "number",
                "comment",
                "operator",
            ];
            let lines: Vec<&str> = target_text.split('\n').collect();
            let (mut line, mut column) = (0usize, 0usize);
            for chunk in data.chunks(5) {
                if chunk[0] > 0 {
                    line += chunk[0] as usize;
                    column = chunk[1] as usize;
                } else {
                    column += chunk[1] as usize;
                }
                let units: Vec<u16> = lines[line].encode_utf16().collect();
                let word = String::from_utf16_lossy(&units[column..column + chunk[2] as usize]);
                let modifiers: Vec<&str> = ["declaration", "documentation", "defaultLibrary"]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| chunk[4] & (1 << i) != 0)
                    .map(|(_, m)| *m)
                    .collect();
                out.push_str(&format!(
                    "{}:{} {word:?} {}{}\n",
                    line + 1,
                    column + 1,
                    types[chunk[3] as usize],
                    if modifiers.is_empty() { String::new() } else { format!(" [{}]", modifiers.join(", ")) }
                ));
            }
        }
        "signatureHelp" => {
            let help = client.request("textDocument/signatureHelp", at).await;
            if help.is_null() {
                out.push_str("(no signature)\n");
            } else {
                let signature = &help["signatures"][0];
                let active = help["activeParameter"].as_u64().unwrap() as usize;
                out.push_str(&format!("{}\n", signature["label"].as_str().unwrap()));
                for (i, p) in signature["parameters"].as_array().unwrap().iter().enumerate() {
                    out.push_str(&format!(
                        "  {} {}\n",
                        if i == active { "→" } else { " " },
                        p["label"].as_str().unwrap()
                    ));
                }
            }
        }
        "inlayHints" => {
            let lines = target_text.split('\n').count() as u32;
            let params = json!({ "textDocument": doc["textDocument"], "range": { "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } } });
            let hints = client.request("textDocument/inlayHint", params).await;
            // The document with every hint written in, as `⟨: Type⟩`.
            let mut inserts: Vec<(usize, usize, String)> = hints
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h["position"]["line"].as_u64().unwrap() as usize,
                        h["position"]["character"].as_u64().unwrap() as usize,
                        h["label"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            inserts.sort();
            let mut rendered: Vec<String> = target_text.split('\n').map(str::to_string).collect();
            for (line, column, label) in inserts.into_iter().rev() {
                rendered[line].insert_str(column, &format!("⟨{label}⟩"));
            }
            for line in rendered.iter().filter(|l| l.contains('⟨')) {
                out.push_str(&format!("{line}\n"));
            }
        }
        "workspaceSymbols" => {
            let symbols = client.request("workspace/symbol", json!({ "query": argument })).await;
            for symbol in symbols.as_array().unwrap() {
                let location = &symbol["location"];
                out.push_str(&format!(
                    "{} ({}) in {}\n",
                    symbol["name"].as_str().unwrap(),
                    symbol_kind(symbol["kind"].as_u64().unwrap()),
                    symbol["containerName"].as_str().unwrap_or("-")
                ));
                out.push_str(&drawing.range(location["uri"].as_str().unwrap(), &location["range"], ""));
            }
        }
        "codeAction" => {
            let params = json!({ "textDocument": at["textDocument"], "range": { "start": at["position"], "end": at["position"] }, "context": { "diagnostics": [] } });
            let actions = client.request("textDocument/codeAction", params).await;
            for action in actions.as_array().unwrap() {
                out.push_str(&format!(
                    "== {} ({}{})\n",
                    action["title"].as_str().unwrap(),
                    action["kind"].as_str().unwrap(),
                    if action["isPreferred"] == true { ", preferred" } else { "" }
                ));
                out.push_str(&render_edit(&drawing, &case.files, &scratch, &action["edit"]["changes"], "the action"));
            }
            if out.is_empty() {
                out.push_str("(no actions)\n");
            }
        }
        "rename" => {
            let params = json!({ "textDocument": at["textDocument"], "position": at["position"], "newName": argument });
            match client.try_request("textDocument/rename", params).await {
                Err(message) => out.push_str(&format!("refused: {message}\n")),
                Ok(edit) => out.push_str(&render_edit(&drawing, &case.files, &scratch, &edit["changes"], "the rename")),
            }
        }
        "hover" => {
            let hover = client.request("textDocument/hover", at).await;
            if hover.is_null() {
                out.push_str("(no hover)\n");
            } else {
                out.push_str(&drawing.range(&target_uri, &hover["range"], "hover"));
                out.push_str(&format!("\n{}\n", hover["contents"]["value"].as_str().unwrap()));
            }
        }
        "definition" => {
            let location = client.request("textDocument/definition", at).await;
            if location.is_null() {
                out.push_str("(no definition)\n");
            } else {
                out.push_str(&drawing.range(location["uri"].as_str().unwrap(), &location["range"], "definition"));
            }
        }
        "references" => {
            let params = json!({ "textDocument": at["textDocument"], "position": at["position"], "context": { "includeDeclaration": true } });
            let locations = client.request("textDocument/references", params).await;
            for location in locations.as_array().unwrap() {
                out.push_str(&drawing.range(location["uri"].as_str().unwrap(), &location["range"], ""));
            }
            if out.is_empty() {
                out.push_str("(no references)\n");
            }
        }
        "completion" => {
            let list = client.request("textDocument/completion", at).await;
            for c in list.as_array().unwrap() {
                out.push_str(&format!(
                    "{} ({}){}\n",
                    c["label"].as_str().unwrap(),
                    completion_kind(c["kind"].as_u64().unwrap_or(0)),
                    c["detail"].as_str().map(|d| format!(" — {d}")).unwrap_or_default()
                ));
            }
            if out.is_empty() {
                out.push_str("(no completions)\n");
            }
        }
        "symbols" => symbols(&mut out, &client.request("textDocument/documentSymbol", doc).await, 0),
        "folding" => {
            let folds = client.request("textDocument/foldingRange", doc).await;
            for fold in folds.as_array().unwrap() {
                let (start, end) =
                    (fold["startLine"].as_u64().unwrap() as usize, fold["endLine"].as_u64().unwrap() as usize);
                let first = target_text.split('\n').nth(start).unwrap_or("").trim_end();
                out.push_str(&format!("{}..{} {}: {first}\n", start + 1, end + 1, fold["kind"].as_str().unwrap_or("")));
            }
        }
        "formatting" => {
            let params =
                json!({ "textDocument": doc["textDocument"], "options": { "tabSize": 4, "insertSpaces": true } });
            let edits = client.request("textDocument/formatting", params).await;
            out.push_str(&if edits.is_null() {
                "(not formatted: syntax errors)\n".to_string()
            } else {
                apply_edits(&target_text, &edits)
            });
        }
        "diagnostics" => {
            client.settle().await;
            let mut uris: Vec<String> = case.files.iter().map(|(n, _)| uri_of(&scratch.join(n))).collect();
            uris.sort();
            for uri in uris {
                let version = if uri == target_uri { Some(1) } else { None };
                let diagnostics = client.diagnostics_at(&uri, version).await;
                out.push_str(&format!(
                    "== {}: {} diagnostics\n",
                    drawing.file_name(&uri),
                    diagnostics.as_array().unwrap().len()
                ));
                for d in diagnostics.as_array().unwrap() {
                    let severity = if d["severity"] == 1 { "error" } else { "warning" };
                    out.push_str(&drawing.range(
                        &uri,
                        &d["range"],
                        &format!("{severity}[{}]", d["code"].as_str().unwrap()),
                    ));
                    for line in d["message"].as_str().unwrap().lines() {
                        out.push_str(&format!("    | {line}\n"));
                    }
                    let href = d["codeDescription"]["href"].as_str().unwrap();
                    let explanation = href.strip_prefix("file://").unwrap();
                    assert!(Path::new(explanation).is_file(), "{href} is written");
                    out.push_str(&format!("    href: {}\n", drawing.file_name(href)));
                    for related in d["relatedInformation"].as_array().into_iter().flatten() {
                        out.push_str(&format!(
                            "    related: {}",
                            drawing.range(
                                related["location"]["uri"].as_str().unwrap(),
                                &related["location"]["range"],
                                related["message"].as_str().unwrap()
                            )
                        ));
                    }
                }
            }
        }
        other => panic!("{}: unknown request `{other}`", path.display()),
    }
    let _ = std::fs::remove_dir_all(&scratch);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lsp_fixtures() {
    let cases = cases();
    let mut seen = std::collections::BTreeSet::new();
    for path in &cases {
        let case = load_case(path);
        seen.insert(case.request.split(' ').next().unwrap().to_string());
        let out = run_case(path).await;
        let relative = path.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
        insta::with_settings!({ description => relative, omit_expression => true }, {
            insta::assert_snapshot!(case.name.clone(), out);
        });
    }
    for request in
        ["completion", "hover", "definition", "references", "symbols", "folding", "formatting", "diagnostics"]
    {
        assert!(seen.contains(request), "no fixture for `{request}`");
    }
}

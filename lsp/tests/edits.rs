//! Robustness: thousands of random edit sequences on the examples — incremental and full
//! changes, surrogate pairs, CRLF, out-of-range positions (clamped) — interleaved with every
//! request at random positions. No request may fail, and after each sequence the diagnostics
//! published for the last version must equal a fresh analysis of the final text (no stale
//! diagnostics).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod harness;

use std::path::{Path, PathBuf};

use dync_compiler::app::{LoadError, Loader};
use dync_compiler::span::FileId;
use dync_lsp::position::LineMap;
use harness::{Client, position_params, root, uri_of};
use serde_json::{Value, json};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// How many edit sequences run.
const SEQUENCES: usize = 2_000;

const NEW_NAMES: &[&str] = &["renamed", "x-y", "flow", "Reading", "😀"];
const QUERIES: &[&str] = &["", "de", "Read", "é"];

/// SplitMix64: a small deterministic generator, so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INSERTS: &[&str] = &[
    "",
    "",
    "->",
    " -> ",
    "}",
    "{",
    "(",
    ")",
    "😀",
    "\r\n",
    "\n",
    "é",
    "\"",
    "${",
    "fn x(",
    "/// doc\n",
    "place ",
    "flow f {",
    "type T { a: Int }\n",
    "let",
    "0",
    "10s",
    "64Mi",
    "::",
    ",",
    "?",
    "none",
    "if",
    "\u{10FFFF}",
    "\t",
    "//",
    " decode ",
    "readings ->",
];

/// A random change: a range (possibly past the end of its line or of the text) and new text.
fn random_change(rng: &mut Rng, text: &str) -> TextDocumentContentChangeEvent {
    let lines = text.split('\n').count() as u32;
    let position = |rng: &mut Rng| {
        let line = rng.below(lines as usize + 3) as u32;
        let character = if rng.below(4) == 0 { rng.below(300) as u32 } else { rng.below(40) as u32 };
        Position { line, character }
    };
    let mut replacement = INSERTS[rng.below(INSERTS.len())].to_string();
    if rng.below(6) == 0 && !text.is_empty() {
        // A piece of the text itself, as when a line is duplicated or moved.
        let start = dync_compiler::span::floor_char_boundary(text, rng.below(text.len()));
        let end = dync_compiler::span::floor_char_boundary(text, (start + rng.below(80)).min(text.len()));
        replacement = text[start..end].to_string();
    }
    if rng.below(40) == 0 {
        return TextDocumentContentChangeEvent { range: None, range_length: None, text: replacement };
    }
    let (a, b) = (position(rng), position(rng));
    let (start, end) = if (a.line, a.character) <= (b.line, b.character) { (a, b) } else { (b, a) };
    // Mostly short deletions, like typing.
    let end = if rng.below(3) == 0 {
        end
    } else {
        Position { line: start.line, character: start.character + rng.below(3) as u32 }
    };
    TextDocumentContentChangeEvent { range: Some(Range { start, end }), range_length: None, text: replacement }
}

/// The same change applied to a mirror of the document, with the same clamping.
fn apply(text: &mut String, change: &TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text.clone(),
        Some(range) => {
            let lines = LineMap::new(text);
            let start = lines.offset(text, range.start);
            let end = lines.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

struct DirLoader(PathBuf);

impl Loader for DirLoader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, LoadError> {
        std::fs::read(self.0.join(path)).map_err(|_| LoadError::NotFound)
    }
}

/// What a fresh analysis reports on the root file: (code, range) in LSP terms, sorted.
fn expected(dir: &Path, name: &str, text: &str) -> Vec<(String, Value)> {
    let lines = LineMap::new(text);
    let to_range =
        |start: u32, end: u32| serde_json::to_value(lines.range(text, start as usize, end as usize)).unwrap();
    let mut found: Vec<(String, Value)> = if dync_compiler::syntax::declares_app(text) {
        let app = dync_compiler::app::load(name, text, &mut DirLoader(dir.to_path_buf()));
        let analysis = dync_compiler::sema::analyze(&app);
        let root = app.modules[app.root].file;
        app.diagnostics
            .iter()
            .chain(analysis.diagnostics.iter())
            .filter(|d| d.primary_span().map_or(FileId(u32::MAX), |s| s.file) == root || d.labels.is_empty())
            .map(|d| {
                let span = d.primary_span();
                (d.code.as_str().to_string(), span.map_or(json!(Range::default()), |s| to_range(s.start, s.end)))
            })
            .collect()
    } else {
        let parsed = dync_compiler::syntax::parse(text, FileId(0));
        parsed
            .diagnostics
            .iter()
            .map(|d| {
                let s = d.primary_span().unwrap();
                (d.code.as_str().to_string(), to_range(s.start, s.end))
            })
            .collect()
    };
    found.sort_by_key(|(code, range)| (code.clone(), range.to_string()));
    found
}

fn published(diagnostics: &Value) -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["range"].clone()))
        .collect();
    found.sort_by_key(|(code, range)| (code.clone(), range.to_string()));
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_edit_sequences() {
    // The examples, copied so that edits never touch the repository and modules resolve.
    let scratch = std::env::temp_dir().join(format!("dync-lsp-edits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut bases: Vec<(PathBuf, String)> = Vec::new();
    for example in ["smart-building", "factory-maintenance"] {
        let from = root().join("examples").join(example);
        let to = scratch.join(example);
        copy_dir(&from, &to);
        bases.push((to.clone(), std::fs::read_to_string(to.join("app.dyn")).unwrap()));
    }
    let mut client = Client::start(&scratch.join(".cache")).await;
    let mut rng = Rng(0x00D1_C0DE);
    let mut requests = 0usize;
    for sequence in 0..SEQUENCES {
        let (dir, base) = &bases[rng.below(bases.len())];
        // A fresh file name per sequence, beside the example's modules.
        let name = format!("edit-{sequence}.dyn");
        let uri = uri_of(&dir.join(&name));
        let mut text = base.clone();
        client.open(&uri, &text).await;
        let edits = 1 + rng.below(8);
        let mut version = 1;
        for _ in 0..edits {
            let change = random_change(&mut rng, &text);
            apply(&mut text, &change);
            version += 1;
            client.change(&uri, version, json!([change])).await;
            if rng.below(3) == 0 {
                requests += 1;
                let lines = text.split('\n').count();
                let at = position_params(&uri, rng.below(lines + 2) as u32, rng.below(120) as u32);
                let methods = [
                    "textDocument/hover",
                    "textDocument/definition",
                    "textDocument/references",
                    "textDocument/documentSymbol",
                    "textDocument/foldingRange",
                    "textDocument/formatting",
                    "textDocument/completion",
                    "textDocument/prepareRename",
                    "textDocument/rename",
                    "textDocument/codeAction",
                    "textDocument/semanticTokens/full",
                    "textDocument/signatureHelp",
                    "textDocument/inlayHint",
                    "workspace/symbol",
                ];
                let method = methods[rng.below(methods.len())];
                let whole =
                    json!({ "start": { "line": 0, "character": 0 }, "end": { "line": lines + 2, "character": 0 } });
                let params = match method {
                    "textDocument/references" => {
                        json!({ "textDocument": at["textDocument"], "position": at["position"], "context": { "includeDeclaration": rng.below(2) == 0 } })
                    }
                    "textDocument/documentSymbol"
                    | "textDocument/foldingRange"
                    | "textDocument/semanticTokens/full" => json!({ "textDocument": at["textDocument"] }),
                    "textDocument/formatting" => {
                        json!({ "textDocument": at["textDocument"], "options": { "tabSize": 4, "insertSpaces": true } })
                    }
                    "textDocument/rename" => {
                        json!({ "textDocument": at["textDocument"], "position": at["position"], "newName": NEW_NAMES[rng.below(NEW_NAMES.len())] })
                    }
                    "textDocument/codeAction" => {
                        json!({ "textDocument": at["textDocument"], "range": { "start": at["position"], "end": at["position"] }, "context": { "diagnostics": [] } })
                    }
                    "textDocument/inlayHint" => json!({ "textDocument": at["textDocument"], "range": whole }),
                    "workspace/symbol" => json!({ "query": QUERIES[rng.below(QUERIES.len())] }),
                    _ => at,
                };
                // A refused rename is an answer (invalid params); an internal error is a bug.
                if let Err((code, error)) = client.request_with_code(method, params).await
                    && !(code == -32602 && method.contains("ename"))
                {
                    panic!("sequence {sequence}: {method} failed: {error}\n--- text ---\n{text}");
                }
            }
        }
        let got = published(&client.diagnostics_at(&uri, Some(version)).await);
        let want = expected(dir, &name, &text);
        assert_eq!(got, want, "sequence {sequence}: stale or wrong diagnostics\n--- text ---\n{text}");
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } })).await;
    }
    assert!(requests > SEQUENCES / 2, "requests were interleaved ({requests})");
    let _ = std::fs::remove_dir_all(&scratch);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

//! Language-server latency, in process and without debounce: a generated app of at least 5,000
//! lines is opened, then 1,000 edits (a digit of one body changed, as when typing) are each
//! followed by hover, definition and references at names of the edited flow. Reports p50/p99
//! of didChange → diagnostics and of each request (hover, definition, references, completion
//! after `->`, rename). `cargo bench -p dync-lsp --bench lsp`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on a broken setup

#[path = "../tests/harness/mod.rs"]
mod harness;

#[path = "../../compiler/benches/generated_app.rs"]
mod generated_app;

use std::time::{Duration, Instant};

use harness::{Client, position_params};
use serde_json::json;

const EDITS: usize = 1_000;
const MIN_LINES: usize = 5_000;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn report(name: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 0.50);
    let p99 = percentile(samples, 0.99);
    let max = percentile(samples, 1.0);
    println!(
        "{name:<28} n={:<5} p50 {:>8.2} ms   p99 {:>8.2} ms   max {:>8.2} ms",
        samples.len(),
        ms(p50),
        ms(p99),
        ms(max)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects nothing here.
    let mut functions = 500;
    let mut text = generated_app::generate_app(functions);
    while text.lines().count() < MIN_LINES {
        functions += 50;
        text = generated_app::generate_app(functions);
    }
    let lines: Vec<&str> = text.lines().collect();
    // The lines holding `limit: Float = 28.0` (one per flow): the edits change that digit.
    let edit_lines: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.starts_with("fn hot_")).map(|(i, _)| i).collect();
    let column_of = |line: usize, needle: &str| lines[line].find(needle).unwrap() as u32;
    println!("app: {} lines, {} functions, {} bytes", lines.len(), functions, text.len());

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let scratch = std::env::temp_dir().join(format!("dync-lsp-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        let uri = harness::uri_of(&scratch.join("app.dyn"));
        let mut client = Client::start(&scratch.join(".cache")).await;
        let opened = Instant::now();
        client.open(&uri, &text).await;
        let first = client.diagnostics_at(&uri, Some(1)).await;
        println!("open → diagnostics: {:.2} ms ({} diagnostics)", ms(opened.elapsed()), first.as_array().unwrap().len());

        let (mut diagnostics, mut hover, mut definition, mut references) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut completion, mut rename) = (Vec::new(), Vec::new());
        for edit in 0..EDITS {
            let line = edit_lines[edit % edit_lines.len()];
            let column = column_of(line, "28.0") + 1; // the `8`
            let digit = ["9", "8"][(edit / edit_lines.len()) % 2];
            let version = edit as i64 + 2;
            let change = json!([{ "range": { "start": { "line": line, "character": column }, "end": { "line": line, "character": column + 1 } }, "text": digit }]);
            let started = Instant::now();
            client.change(&uri, version, change).await;
            let published = client.diagnostics_at(&uri, Some(version)).await;
            diagnostics.push(started.elapsed());
            assert!(published.as_array().unwrap().is_empty(), "the edits keep the app clean: {published}");

            // `hot_i` in the flow below the function, `Reading` in its signature.
            let flow_line = (line..lines.len()).find(|l| lines[*l].contains(" -> hot_")).unwrap();
            let at_use = position_params(&uri, flow_line as u32, column_of(flow_line, "hot_") + 1);
            let at_type = position_params(&uri, line as u32, column_of(line, "Reading") + 2);

            let started = Instant::now();
            let answer = client.request("textDocument/hover", at_use.clone()).await;
            hover.push(started.elapsed());
            assert!(answer["contents"]["value"].as_str().unwrap().contains("fn hot_"));

            let started = Instant::now();
            let answer = client.request("textDocument/definition", at_use).await;
            definition.push(started.elapsed());
            assert_eq!(answer["range"]["start"]["line"], line);

            let started = Instant::now();
            let params = json!({ "textDocument": at_type["textDocument"], "position": at_type["position"], "context": { "includeDeclaration": true } });
            let answer = client.request("textDocument/references", params).await;
            references.push(started.elapsed());
            assert!(answer.as_array().unwrap().len() > functions / 5);

            // Completion right after the `->` before `hot_i`: every function, ranked by type.
            let arrow = lines[flow_line].find("-> hot_").unwrap() as u32 + 3;
            let started = Instant::now();
            let answer = client.request("textDocument/completion", position_params(&uri, flow_line as u32, arrow)).await;
            completion.push(started.elapsed());
            assert!(answer.as_array().unwrap().len() >= functions, "completion offers every function");

            // Rename `hot_i` (the edits are computed, not applied).
            let at_declaration = position_params(&uri, line as u32, column_of(line, "hot_") + 1);
            let params = json!({ "textDocument": at_declaration["textDocument"], "position": at_declaration["position"], "newName": "hotter" });
            let started = Instant::now();
            let answer = client.request("textDocument/rename", params).await;
            rename.push(started.elapsed());
            assert_eq!(answer["changes"][uri.as_str()].as_array().unwrap().len(), 2, "declaration and use");
        }
        report("didChange → diagnostics", &mut diagnostics);
        report("hover", &mut hover);
        report("definition", &mut definition);
        report("references (type, all uses)", &mut references);
        report("completion after ->", &mut completion);
        report("rename", &mut rename);
        let _ = std::fs::remove_dir_all(&scratch);
    });
}

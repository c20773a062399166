//! YAML Kubernetes reads as written: apps whose names, labels, env values and settings are
//! the strings YAML 1.1 reads as something else (`on`, `no`, `y`, `~`, `0777`, `1:20`,
//! `2024-01-01`, ...) or random text are compiled, and every emitted file — and the runtime
//! configuration inside each ConfigMap — is read back with PyYAML's `safe_load` (YAML 1.1, as
//! Kubernetes' go-yaml reads it). It must equal what dync meant: our own reading of the file
//! and, for every injected string, the string itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::cell::RefCell;
use std::io::Write;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// Strings a YAML 1.1 reader takes for booleans, null, numbers, dates, merge keys.
const TRICKY: &[&str] = &[
    "on",
    "off",
    "On",
    "OFF",
    "yes",
    "no",
    "Yes",
    "NO",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "0777",
    "0o17",
    "0x1F",
    "1:20",
    "12:30",
    "190:20:30",
    "1_000",
    "1e3",
    "+1",
    "-1.5",
    ".5",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    ".inf",
    "-.Inf",
    ".nan",
    "=",
    "",
    " ",
    " lead",
    "trail ",
    "a: b",
    "#x",
    "x #y",
    "- item",
    "[1]",
    "{a}",
    "*ref",
    "&anchor",
    "!tag",
    "%dir",
    "@at",
    "`tick",
    "|",
    ">",
    "'",
    "\"",
    "line\nbreak",
    "tab\there",
    "ünïcødé",
    "🌡 28°C",
];

/// The subset that is a valid Kubernetes label value (and DNS label, for names).
const TRICKY_LABELS: &[&str] =
    &["on", "off", "yes", "no", "y", "Y", "n", "N", "true", "False", "null", "0777", "1_000", "1e3", "2024-01-01"];
const TRICKY_DNS: &[&str] = &["on", "off", "yes", "no", "y", "n", "true", "null", "0777", "1e3", "2024-01-01"];
/// Identifiers that become Kubernetes names and labels (`_` becomes `-`).
const TRICKY_IDENTS: &[&str] = &["on", "off", "yes", "no", "y", "n", "null", "nan", "inf", "e3"];

#[derive(Debug, Clone)]
struct Case {
    app: String,
    namespace: String,
    function: String,
    flow: String,
    label: String,
    env: Vec<String>,
    topic: String,
}

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(pool).prop_map(str::to_string)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![pick(TRICKY), "[ -~]{0,12}", "[ -~äé°🌡\t\n]{0,8}"]
}

fn case() -> impl Strategy<Value = Case> {
    (
        pick(TRICKY_IDENTS),
        pick(TRICKY_DNS),
        pick(TRICKY_IDENTS),
        pick(TRICKY_IDENTS),
        prop_oneof![pick(TRICKY_LABELS), "[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?"],
        proptest::collection::vec(text(), 3),
        text(),
    )
        .prop_map(|(app, namespace, function, flow, label, env, topic)| Case {
            app,
            namespace,
            function,
            flow,
            label,
            env,
            topic: if topic.trim().is_empty() { "t".to_string() } else { topic },
        })
}

/// A `.dyn` string literal with the text's exact value.
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Case {
    fn source(&self) -> String {
        let env: Vec<String> = self.env.iter().enumerate().map(|(i, v)| format!("V{i} = {}", literal(v))).collect();
        format!(
            "app {app} {{ dync = \"0.1\", namespace = \"{ns}\", labels {{ \"example.com/tag\" = \"{label}\" }} }}\n\
             use std::io::{{mqtt_in, log}}\n\
             fn {function}(raw: Bytes) -> String {{\n\
             \x20   exec = \"python3 handler.py\"\n\
             \x20   image = \"registry.example.com/handler:1.0\"\n\
             \x20   env {{ {env} }}\n\
             }}\n\
             flow {flow} {{ mqtt_in({topic}) -> {function} -> log }}\n",
            app = self.app,
            ns = self.namespace,
            label = self.label,
            function = self.function,
            env = env.join(", "),
            flow = self.flow,
            topic = literal(&self.topic),
        )
    }
}

/// What one case compiled to: the texts to read back, with what each must read as.
struct Compiled {
    case: Case,
    source: String,
    /// (path, text, our reading).
    files: Vec<(String, String, Value)>,
}

fn compile(case: &Case) -> Result<Compiled, String> {
    let source = case.source();
    let app = dync_compiler::app::load("app.dyn", &source, &mut common::FolderLoader(std::env::temp_dir()));
    let analysis = dync_compiler::sema::analyze(&app);
    let mut diagnostics = app.diagnostics.clone();
    diagnostics.extend(analysis.diagnostics.iter().filter(|d| d.is_error()).cloned());
    let output = if diagnostics.is_empty() {
        dync_compiler::emit::compile(&analysis, &dync_compiler::emit::Options::default()).map_err(|errors| {
            diagnostics.extend(errors);
        })
    } else {
        Err(())
    };
    let output = output.map_err(|()| {
        format!("{source}\ndoes not compile:\n{}", dync_compiler::render::render_plain(&app.sources, &diagnostics))
    })?;
    let mut files = Vec::new();
    for file in &output.files {
        let ours = dync_runtime_config::yaml::to_json(&file.contents).map_err(|e| format!("{}: {e}", file.path))?;
        // The ConfigMap's runtime.yaml is a document of its own: read it back too.
        if let Some(inner) = ours["data"]["runtime.yaml"].as_str() {
            let inner_ours = dync_runtime_config::yaml::to_json(inner).map_err(|e| format!("{}: {e}", file.path))?;
            files.push((format!("{} (runtime.yaml)", file.path), inner.to_string(), inner_ours));
        }
        files.push((file.path.clone(), file.contents.clone(), ours));
    }
    Ok(Compiled { case: case.clone(), source, files })
}

/// Every string value somewhere in `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The injected strings must be there, as themselves, where dync put them.
fn check_injected(compiled: &Compiled, path: &str, yaml11: &Value) -> Result<(), String> {
    let case = &compiled.case;
    let service = case.function.replace('_', "-");
    if path == format!("functions/{service}/deployment.yaml") {
        let env = yaml11["spec"]["template"]["spec"]["containers"][0]["env"].as_array().cloned().unwrap_or_default();
        for (i, value) in case.env.iter().enumerate() {
            let found = env.iter().find(|e| e["name"] == format!("V{i}")).map(|e| &e["value"]);
            if found != Some(&Value::String(value.clone())) {
                return Err(format!("env V{i}: wrote {value:?}, YAML 1.1 reads {found:?}"));
            }
        }
        let labels = &yaml11["spec"]["template"]["metadata"]["labels"];
        if labels["example.com/tag"] != Value::String(case.label.clone()) {
            return Err(format!("label: wrote {:?}, YAML 1.1 reads {}", case.label, labels["example.com/tag"]));
        }
        if labels["app.kubernetes.io/name"] != Value::String(service.clone()) {
            return Err(format!("name label: wrote {service:?}, YAML 1.1 reads {}", labels["app.kubernetes.io/name"]));
        }
    }
    if path == "namespace.yaml" && yaml11["metadata"]["name"] != Value::String(case.namespace.clone()) {
        return Err(format!("namespace: wrote {:?}, YAML 1.1 reads {}", case.namespace, yaml11["metadata"]["name"]));
    }
    if path.ends_with("(runtime.yaml)") && path.contains("/mqtt-in/") {
        let mut found = Vec::new();
        strings(yaml11, &mut found);
        if !found.contains(&case.topic) {
            return Err(format!("topic {:?} not read back", case.topic));
        }
    }
    Ok(())
}

/// Go's YAML reader (Kubernetes) takes bare `y`, `Y`, `n`, `N` for booleans, which PyYAML
/// does not: they must be quoted. The lines of block scalars (`|`) are text, not scalars.
fn bare_yes_no(text: &str) -> Option<&str> {
    let mut block: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(header) = block {
            if line.trim().is_empty() || indent > header {
                continue;
            }
            block = None;
        }
        let item = line.trim_start().trim_start_matches("- ");
        let scalars = match item.split_once(": ") {
            Some((key, value)) => vec![key, value],
            None => vec![item.trim_end_matches(':')],
        };
        if scalars.iter().any(|s| matches!(s.trim(), "y" | "Y" | "n" | "N")) {
            return Some(line);
        }
        if scalars.last().is_some_and(|s| s.starts_with('|') || s.starts_with('>')) {
            block = Some(indent);
        }
    }
    None
}

#[test]
fn every_emitted_string_reads_back_unchanged_under_yaml_1_1() {
    // Every tricky string at least once, whatever the random cases draw.
    let fixed = Case {
        app: "y".into(),
        namespace: "no".into(),
        function: "on".into(),
        flow: "off".into(),
        label: "N".into(),
        env: TRICKY.iter().map(|s| s.to_string()).collect(),
        topic: "2024-01-01".into(),
    };
    let compiled = RefCell::new(vec![compile(&fixed).unwrap()]);
    let mut runner = TestRunner::new(Config { cases: 96, failure_persistence: None, ..Config::default() });
    runner
        .run(&case(), |case| {
            let result = compile(&case);
            prop_assert!(result.is_ok(), "{}", result.as_ref().err().cloned().unwrap_or_default());
            compiled.borrow_mut().push(result.unwrap());
            Ok(())
        })
        .unwrap();
    let compiled = compiled.into_inner();

    // One PyYAML process reads every text.
    let texts: Vec<&str> = compiled.iter().flat_map(|c| c.files.iter().map(|(_, text, _)| text.as_str())).collect();
    let mut child = std::process::Command::new(common::test_python())
        .arg(common::root().join("tests/python/yaml11_load.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(&texts).unwrap().as_bytes()).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "yaml11_load.py failed (run `bash .ci/setup`)");
    let read: Vec<Value> = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(read.len(), texts.len());

    let mut read = read.into_iter();
    let mut checked = 0;
    let mut handler_pods = 0;
    for case in &compiled {
        for (path, text, ours) in &case.files {
            let yaml11 = read.next().unwrap();
            let at = format!("{path} of\n{}", case.source);
            assert_eq!(&yaml11, ours, "YAML 1.1 reads {at}\ndifferently:\n{text}");
            if let Err(problem) = check_injected(case, path, &yaml11) {
                panic!("{problem} in {at}\n{text}");
            }
            if let Some(line) = bare_yes_no(text) {
                panic!("unquoted y/n (a boolean to Kubernetes) in {at}: {line:?}");
            }
            checked += 1;
            handler_pods += usize::from(*path == format!("functions/{}/deployment.yaml", case.case.function));
        }
    }
    assert!(checked > 1000, "only {checked} files read back");
    assert_eq!(handler_pods, compiled.len(), "every case's handler Deployment was checked");
}

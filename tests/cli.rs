//! The `dync` binary end to end: exit codes, output formats, stdin, encodings, `explain`,
//! `completions`, and that mutated programs never crash it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dync(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dync"))
        .args(args)
        .current_dir(common::root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run dync")
}

fn dync_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dync"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dync");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).expect("write stdin");
    }
    child.wait_with_output().expect("wait for dync")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_examples_is_clean() {
    let output = dync(&["check", "examples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("0 errors"));
}

#[test]
fn check_reports_errors_with_exit_1() {
    let output = dync(&["check", "tests/errors/E0004-fat-arrow.dyn"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn check_several_paths_reports_every_file() {
    let output = dync(&[
        "check",
        "tests/errors/E0013-missing-arrow.dyn",
        "examples",
        "tests/errors/E0010-integer-too-large.dyn",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("E0013") && err.contains("E0010"), "{err}");
    assert!(err.contains("checked 7 files") || err.contains("checked"), "{err}");
}

#[test]
fn json_lines_carry_positions() {
    let output = dync(&["check", "--message-format", "json", "tests/errors/E0004-fat-arrow.dyn"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let lines: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).expect("valid JSON line")).collect();
    assert_eq!(lines.len(), 1, "{out}");
    let first = &lines[0];
    assert_eq!(first["code"], "E0004");
    assert_eq!(first["severity"], "error");
    let label = &first["labels"][0];
    assert_eq!(label["file"], "tests/errors/E0004-fat-arrow.dyn");
    assert_eq!(label["line_start"], 3);
    assert_eq!(label["column_start"], 25);
    assert_eq!(label["start"], label["end"].as_u64().map(|e| e - 2).unwrap_or(0));
    assert!(first["help"].is_string());
    // Nothing human-readable on stderr in JSON mode.
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn missing_file_is_exit_2() {
    let output = dync(&["check", "no/such/file.dyn"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read `no/such/file.dyn`: no such file or directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_usage_is_exit_2() {
    assert_eq!(dync(&["check", "--message-format", "xml", "examples"]).status.code(), Some(2));
    assert_eq!(dync(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(dync(&[]).status.code(), Some(2));
}

#[test]
fn stdin_is_read_with_dash() {
    let output = dync_stdin(&["check", "-"], b"flow f { a -> b }\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = dync_stdin(&["check", "-"], b"flow f { a -> }\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("<stdin>:1:12"), "{}", stderr(&output));
}

#[test]
fn bom_and_crlf_are_accepted() {
    let output = dync_stdin(
        &["check", "-"],
        b"\xef\xbb\xbfapp a { dync = \"0.1\" }\r\nuse std::io::{mqtt_in, log}\r\nflow f {\r\n  mqtt_in(\"t\") -> log\r\n}\r\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let output = dync_stdin(&["check", "--message-format", "json", "-"], b"app a { namespace = \"caf\xe9\" }\n");
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("\"code\":\"E0007\"") && out.contains("byte offset 24"), "{out}");
}

#[test]
fn deep_nesting_does_not_crash() {
    let program = format!("fn f() -> Int = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let output = dync_stdin(&["check", "--message-format", "json", "-"], program.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("E0005"));
}

#[test]
fn colour_follows_the_terminal_and_no_color() {
    // Piped: no escape codes by default; `--color always` forces them; NO_COLOR wins over auto.
    let plain = dync(&["check", "tests/errors/E0004-fat-arrow.dyn"]);
    assert!(!stderr(&plain).contains('\u{1b}'));
    let coloured = dync(&["check", "--color", "always", "tests/errors/E0004-fat-arrow.dyn"]);
    assert!(stderr(&coloured).contains('\u{1b}'));
    let no_color = Command::new(env!("CARGO_BIN_EXE_dync"))
        .args(["check", "tests/errors/E0004-fat-arrow.dyn"])
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run dync");
    assert!(!stderr(&no_color).contains('\u{1b}'));
}

#[test]
fn deny_warnings_is_accepted() {
    let output = dync(&["check", "--deny-warnings", "examples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn explain_prints_the_explanation() {
    let output = dync(&["explain", "E0004"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("# E0004: unexpected token"));
    let lower = dync(&["explain", "e0013"]);
    assert_eq!(lower.status.code(), Some(0));
}

#[test]
fn explain_list_names_every_code() {
    let output = dync(&["explain", "--list"]);
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    for code in dync_compiler::Code::ALL {
        assert!(out.contains(code.as_str()), "{code} missing from --list");
    }
}

#[test]
fn explain_unknown_code_is_exit_2() {
    let output = dync(&["explain", "E9999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown diagnostic code `E9999`"));
}

#[test]
fn help_and_version() {
    let version = dync(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(stdout(&version).trim(), format!("dync {}", env!("CARGO_PKG_VERSION")));
    for args in [&["--help"][..], &["check", "--help"], &["explain", "--help"], &["completions", "--help"]] {
        let output = dync(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(stdout(&output).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = dync(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        assert!(stdout(&output).contains("explain"), "{shell}");
    }
    assert_eq!(dync(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Mutated examples through the real binary: only exit codes 0, 1 or 2, and every JSON
/// diagnostic with a code and a label.
#[test]
fn mutated_programs_never_crash_the_cli() {
    let texts: Vec<String> = common::dyn_files("examples").iter().map(|p| common::read(p)).collect();
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let text = &texts[round % texts.len()];
        let mut bytes = text.clone().into_bytes();
        for _ in 0..(1 + next() % 4) {
            let at = (next() as usize) % (bytes.len() + 1);
            match next() % 3 {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, b"{}()[]\"$->=:;,\n\xff"[(next() % 16) as usize]),
                _ if at < bytes.len() => bytes[at] = (next() % 256) as u8,
                _ => {}
            }
        }
        let output = dync_stdin(&["check", "--message-format", "json", "-"], &bytes);
        let code = output.status.code();
        assert!(matches!(code, Some(0..=2)), "exit {code:?} for round {round}: {}", stderr(&output));
        for line in stdout(&output).lines() {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            assert!(value["code"].as_str().is_some_and(|c| c.len() == 5), "{line}");
            assert!(value["labels"].as_array().is_some_and(|l| !l.is_empty()), "{line}");
        }
        if code == Some(0) {
            assert!(stdout(&output).is_empty());
        }
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dync-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

#[test]
fn fmt_check_passes_on_the_examples() {
    let output = dync(&["fmt", "--check", "examples", "stdlib"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}

#[test]
fn fmt_rewrites_in_place_and_check_agrees() {
    let dir = temp_dir("fmt");
    let messy = dir.join("messy.dyn");
    let clean = dir.join("clean.dyn");
    std::fs::write(&messy, "flow f{a->b}\n").unwrap();
    std::fs::write(&clean, "flow f {\n    a -> b\n}\n").unwrap();
    let dir_arg = dir.to_string_lossy().into_owned();

    let check = dync(&["fmt", "--check", &dir_arg]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(stdout(&check).trim(), messy.to_string_lossy(), "lists exactly the file that would change");
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), "flow f{a->b}\n", "--check writes nothing");

    let format = dync(&["fmt", &dir_arg]);
    assert_eq!(format.status.code(), Some(0), "{}", stderr(&format));
    assert!(stderr(&format).contains("formatted 1 file"));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), "flow f {\n    a -> b\n}\n");

    let again = dync(&["fmt", "--check", &dir_arg]);
    assert_eq!(again.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_leaves_files_with_syntax_errors_untouched() {
    let dir = temp_dir("fmt-errors");
    let broken = dir.join("broken.dyn");
    let text = "flow f {  a ->  }\n";
    std::fs::write(&broken, text).unwrap();
    let output = dync(&["fmt", &broken.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0004"), "{}", stderr(&output));
    assert!(stderr(&output).contains("1 file not formatted: syntax errors"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let output = dync_stdin(&["fmt", "-"], b"app a{dync=\"0.1\"}\r\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "app a {\r\n    dync = \"0.1\"\r\n}\r\n");
    let broken = dync_stdin(&["fmt", "-"], b"app a{dync=}\n");
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).is_empty());
}

#[test]
fn graph_draws_an_app_as_dot_or_mermaid() {
    let dot = dync(&["graph", "examples/smart-building/app.dyn"]);
    assert_eq!(dot.status.code(), Some(0), "{}", stderr(&dot));
    assert!(stdout(&dot).starts_with("digraph \"smart_building\" {"));
    assert!(stdout(&dot).contains("\"tumbling\" -> \"alert\" [label=\"Window<String, Float>\"];"));
    let mermaid = dync(&["graph", "--format", "mermaid", "examples/smart-building/app.dyn"]);
    assert_eq!(mermaid.status.code(), Some(0));
    assert!(stdout(&mermaid).starts_with("flowchart LR\n"));
}

#[test]
fn graph_refuses_apps_with_errors_and_files_without_an_app() {
    let broken = dync(&["graph", "tests/apps/E0104-unknown-version/app.dyn"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(stderr(&broken).contains("E0104"), "{}", stderr(&broken));
    assert!(stdout(&broken).is_empty());
    let module = dync(&["graph", "stdlib/io.dyn"]);
    assert_eq!(module.status.code(), Some(2));
    assert!(stderr(&module).contains("has no `app` item"), "{}", stderr(&module));
}

#[test]
fn check_emits_the_ir() {
    let output = dync(&["check", "--emit", "ir", "examples/smart-building"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.starts_with("app smart_building (namespace iot)"), "{out}");
    assert!(out.contains("node decode (decode) = app::decode  [transform]  Bytes -> Reading"), "{out}");
}

#[test]
fn examples_are_feasible_on_their_clusters_in_every_profile() {
    for example in ["smart-building", "factory-maintenance"] {
        let nodes = format!("examples/{example}/nodes.yaml");
        let dir = format!("examples/{example}");
        let output = dync(&["check", "--deny-warnings", "--cluster", &nodes, &dir]);
        assert_eq!(output.status.code(), Some(0), "{example}: {}", stderr(&output));
        for profile in dync_compiler_profiles(&dir) {
            let output = dync(&["check", "--deny-warnings", "--profile", &profile, "--cluster", &nodes, &dir]);
            assert_eq!(output.status.code(), Some(0), "{example} --profile {profile}: {}", stderr(&output));
        }
    }
}

fn dync_compiler_profiles(dir: &str) -> Vec<String> {
    let root = common::root().join(dir).join("app.dyn");
    let (app, _) = common::analyze_app(&root);
    dync_compiler::sema::profile_names(&app)
}

#[test]
fn an_inventory_without_labels_fails_with_a_located_error() {
    let original = common::read(&common::root().join("examples/smart-building/nodes.yaml"));
    let mut value = dync_runtime_config::yaml::to_json(&original).unwrap();
    for item in value["items"].as_array_mut().unwrap() {
        item["metadata"]["labels"] = serde_json::json!({});
    }
    let dir = temp_dir("no-labels");
    let path = dir.join("nodes.yaml");
    // JSON is YAML.
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let output =
        dync(&["check", "--message-format", "json", "--cluster", &path.to_string_lossy(), "examples/smart-building"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let e0409: Vec<&serde_json::Value> = lines.iter().filter(|d| d["code"] == "E0409").collect();
    assert!(!e0409.is_empty(), "{}", stdout(&output));
    let label = &e0409[0]["labels"][0];
    assert_eq!(label["file"], "examples/smart-building/app.dyn");
    assert!(label["line_start"].as_u64().unwrap() > 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_inventories_and_profiles_are_usage_errors() {
    let dir = temp_dir("bad-inventory");
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "nodes:\n  - name: [unclosed\n").unwrap();
    let output = dync(&["check", "--cluster", &broken.to_string_lossy(), "examples/smart-building"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not valid YAML: line"), "{}", stderr(&output));
    let wrong = dir.join("wrong.yaml");
    std::fs::write(&wrong, "nodes:\n  - name: a\n    allocatable: { cpu: lots }\n").unwrap();
    let output = dync(&["check", "--cluster", &wrong.to_string_lossy(), "examples/smart-building"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("node `a`: allocatable cpu `lots` is not a CPU quantity"), "{}", stderr(&output));
    let missing = dync(&["check", "--cluster", "no/such/nodes.yaml", "examples/smart-building"]);
    assert_eq!(missing.status.code(), Some(2));
    let profile = dync(&["check", "--profile", "lokal", "examples/smart-building"]);
    assert_eq!(profile.status.code(), Some(2));
    assert!(stderr(&profile).contains("no profile `lokal`; did you mean `local`?"), "{}", stderr(&profile));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_and_ir_follow_a_profile() {
    let graph = dync(&["graph", "--profile", "local", "examples/smart-building/app.dyn"]);
    assert_eq!(graph.status.code(), Some(0), "{}", stderr(&graph));
    assert!(stdout(&graph).contains("\"jsonl_in\" -> \"decode\""), "{}", stdout(&graph));
    assert!(!stdout(&graph).contains("mqtt_in"));
    let ir = dync(&["check", "--profile", "local", "--emit", "ir", "examples/smart-building"]);
    let out = stdout(&ir);
    assert!(out.starts_with("app smart_building (namespace iot-local)"), "{out}");
    assert!(out.contains("setting path: String = \"out/alerts.jsonl\""), "{out}");
}

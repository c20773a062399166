//! Changing a deployed app: each case of `tests/plan/` is the app after one kind of change to
//! `tests/plan/base.dyn` (or to `CASE.before.dyn`). Both are compiled; the case's header lines
//! say exactly which files change (`// changed:`, apart from `runtime.yaml`, which holds the
//! whole app), whose pod-template hash changes (`// hash:`), and which parts of a file are the
//! only ones to differ (`// only: FILE POINTER ...`). The plan is snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dync_compiler::emit::{self, Options};
use serde_json::Value;

/// Compiles the single-file app in `path` (no profile) as `app.dyn`: a module is named after
/// its file, and a deployed app keeps its file's name.
fn compile(path: &Path) -> BTreeMap<String, String> {
    let loader = &mut common::FolderLoader(path.parent().unwrap().to_path_buf());
    let app = dync_compiler::app::load("app.dyn", &common::read(path), loader);
    let analysis = dync_compiler::sema::analyze(&app);
    let mut diagnostics = app.diagnostics.clone();
    diagnostics.extend(analysis.diagnostics.iter().filter(|d| d.is_error()).cloned());
    assert!(diagnostics.is_empty(), "{}", dync_compiler::render::render_plain(&app.sources, &diagnostics));
    let output = emit::compile(&analysis, &Options::default())
        .unwrap_or_else(|e| panic!("{}", dync_compiler::render::render_plain(&app.sources, &e)));
    output.files.into_iter().map(|f| (f.path, f.contents)).collect()
}

fn cases() -> Vec<PathBuf> {
    common::dyn_files("tests/plan")
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name != "base.dyn" && !name.ends_with(".before.dyn")
        })
        .collect()
}

fn before_of(case: &Path) -> PathBuf {
    let own = case.with_extension("before.dyn");
    if own.exists() { own } else { case.with_file_name("base.dyn") }
}

/// The values of a `// key: a b c` header line, if the case has one.
fn header<'a>(text: &'a str, key: &str) -> Option<Vec<&'a str>> {
    text.lines()
        .take_while(|l| l.starts_with("//"))
        .find_map(|l| l.strip_prefix(&format!("// {key}:")))
        .map(|rest| rest.split_whitespace().collect())
}

fn json(text: &str) -> Value {
    dync_runtime_config::yaml::to_json(text).unwrap()
}

fn hash_of(files: &BTreeMap<String, String>, service: &str) -> Value {
    files
        .get(&format!("functions/{service}/deployment.yaml"))
        .map(|t| json(t)["spec"]["template"]["metadata"]["annotations"]["dync.dev/hash"].clone())
        .unwrap_or(Value::Null)
}

/// Removes the value at a JSON pointer (`/spec/template`), if present.
fn remove_pointer(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(&key.replace("~1", "/").replace("~0", "~"));
    }
}

#[test]
fn plan_cases() {
    let cases = cases();
    assert!(cases.len() >= 10, "only {} plan cases", cases.len());
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let text = common::read(&case);
        let before = compile(&before_of(&case));
        let after = compile(&case);

        let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let changed: BTreeSet<&str> = paths
            .into_iter()
            .filter(|p| *p != "runtime.yaml" && before.get(*p) != after.get(*p))
            .map(String::as_str)
            .collect();
        if let Some(expected) = header(&text, "changed") {
            assert_eq!(changed, expected.into_iter().collect(), "{name}: the files that change");
        }
        if let Some(expected) = header(&text, "hash") {
            let services: BTreeSet<String> = before
                .keys()
                .filter_map(|p| p.strip_prefix("functions/")?.strip_suffix("/deployment.yaml").map(str::to_string))
                .filter(|s| after.contains_key(&format!("functions/{s}/deployment.yaml")))
                .collect();
            let rehashed: BTreeSet<&str> =
                services.iter().filter(|s| hash_of(&before, s) != hash_of(&after, s)).map(String::as_str).collect();
            let expected: BTreeSet<&str> = expected.into_iter().filter(|s| *s != "none").collect();
            assert_eq!(rehashed, expected, "{name}: the functions whose pod-template hash changes");
        }
        if let Some(only) = header(&text, "only") {
            let (file, pointers) = only.split_first().unwrap();
            let mut sides = [json(&before[*file]), json(&after[*file])];
            for side in &mut sides {
                remove_pointer(side, "/spec/template/metadata/annotations/dync.dev~1hash");
                for pointer in pointers {
                    remove_pointer(side, &format!("/{}", pointer.replace('.', "/")));
                }
            }
            assert_eq!(sides[0], sides[1], "{name}: {file} differs outside {pointers:?} and the hash");
            assert_ne!(json(&before[*file]), json(&after[*file]), "{name}: {file} should change");
        }

        let new_files: Vec<emit::OutputFile> = after
            .iter()
            .map(|(path, contents)| emit::OutputFile {
                path: path.clone(),
                contents: contents.clone(),
                is_manifest: path != "runtime.yaml" && path != "kustomization.yaml",
            })
            .collect();
        let plan = dync_compiler::plan::plan("plant", None, &new_files, &before).unwrap();
        assert_eq!(plan.has_changes(), name != "unchanged", "{name}: has_changes");
        insta::assert_snapshot!(format!("plan-{name}"), plan.render(&common::relative(&case), "out"));
    }
}

/// Runs the `dync` binary in `dir`.
fn dync(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dync")).args(args).current_dir(dir).output().unwrap()
}

#[test]
fn dync_plan_exit_status_and_json() {
    let scratch = common::scratch_dir("plan-cli");
    std::fs::copy(common::root().join("tests/plan/base.dyn"), scratch.join("app.dyn")).unwrap();
    let compiled = dync(&scratch, &["compile", "app.dyn", "-o", "out"]);
    assert!(compiled.status.success(), "{}", String::from_utf8_lossy(&compiled.stderr));

    let same = dync(&scratch, &["plan", "app.dyn", "--against", "out"]);
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stdout).contains("no changes: 6 functions unchanged"));

    std::fs::copy(common::root().join("tests/plan/moved.dyn"), scratch.join("app.dyn")).unwrap();
    let moved = dync(&scratch, &["plan", "app.dyn", "--against", "out", "--message-format", "json"]);
    assert_eq!(moved.status.code(), Some(3), "{}", String::from_utf8_lossy(&moved.stderr));
    let plan: Value = serde_json::from_slice(&moved.stdout).unwrap();
    let decode = plan["functions"].as_array().unwrap().iter().find(|f| f["name"] == "decode").unwrap();
    assert_eq!(decode["status"], "changed");
    assert_eq!(decode["effect"], "reschedule");
    assert_eq!(
        decode["changes"],
        serde_json::json!([{"aspect": "placement", "text": "moves: tier=edge → tier=cloud", "effect": "reschedule"}])
    );
    // Nothing was written by the plan.
    let deployment = std::fs::read_to_string(scratch.join("out/functions/decode/deployment.yaml")).unwrap();
    assert!(deployment.contains("- edge"), "{deployment}");

    let missing = dync(&scratch, &["plan", "app.dyn", "--against", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("`nowhere` does not exist"));

    // An output directory whose ConfigMap is not dync's is reported, not guessed at.
    let config_map = scratch.join("out/functions/hot/configmap.yaml");
    let text = std::fs::read_to_string(&config_map).unwrap();
    std::fs::write(&config_map, text.replace("apiVersion: dync.dev/v1", "apiVersion: dync.dev/v0")).unwrap();
    let broken = dync(&scratch, &["plan", "app.dyn", "--against", "out"]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("functions/hot/configmap.yaml") && stderr.contains("dync.dev/v0"), "{stderr}");
    std::fs::remove_dir_all(&scratch).unwrap();
}

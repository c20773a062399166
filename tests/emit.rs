//! Emission: every example in every profile compiles, and every file it writes is
//! snapshotted; the focused cases of `tests/emit/` (one placement rule or pod shape each)
//! snapshot their `subject` function's files, or, named `CODE-...`, the error they report.
//! Structural properties are asserted on all of them: the restricted pod security profile,
//! NetworkPolicy peers equal to flow neighbours, secrets only as references.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dync_compiler::Code;
use dync_compiler::emit::{self, Options, Output};
use serde_json::Value;

/// `// compile-options: profile=local namespace=x image-registry=r runtime-image=i` on a
/// case's first line.
fn case_options(text: &str) -> (Option<String>, Options) {
    let mut profile = None;
    let mut options = Options::default();
    if let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("// compile-options:")) {
        for word in line.split_whitespace() {
            let (key, value) = word.split_once('=').expect("key=value");
            let value = Some(value.to_string());
            match key {
                "profile" => profile = value,
                "namespace" => options.namespace = value,
                "image-registry" => options.image_registry = value,
                "runtime-image" => options.runtime_image = value,
                other => panic!("unknown compile option {other}"),
            }
        }
    }
    (profile, options)
}

/// Compiles the app at `root` (with a profile): the output, or the rendered errors.
fn compile(root: &Path, profile: Option<&str>, options: &Options) -> Result<Output, (Vec<Code>, String)> {
    let (app, analysis) = common::analyze_app(root);
    let analysis = match profile {
        Some(name) => dync_compiler::sema::analyze_profile(&app, name).expect("the profile exists"),
        None => analysis,
    };
    let mut diagnostics = app.diagnostics.clone();
    diagnostics.extend(analysis.diagnostics.iter().filter(|d| d.is_error()).cloned());
    if diagnostics.is_empty() {
        match emit::compile(&analysis, options) {
            Ok(output) => return Ok(output),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let rendered = dync_compiler::render::render_plain(&app.sources, &diagnostics);
    Err((diagnostics.iter().map(|d| d.code).collect(), rendered))
}

fn render_files<'a>(files: impl Iterator<Item = &'a emit::OutputFile>) -> String {
    let mut out = String::new();
    for file in files {
        out.push_str(&format!("=== {}\n{}\n", file.path, file.contents));
    }
    out
}

fn documents(output: &Output) -> Vec<(String, Value)> {
    output
        .files
        .iter()
        .map(|f| (f.path.clone(), dync_runtime_config::yaml::to_json(&f.contents).expect("emitted YAML reads back")))
        .collect()
}

fn example_apps() -> Vec<PathBuf> {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("app.dyn"))
        .filter(|p| p.exists())
        .collect();
    apps.sort();
    apps
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::root().join("tests/emit"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every successful output of the examples (all profiles) and the cases, by name.
fn all_outputs() -> Vec<(String, Output)> {
    let mut outputs = Vec::new();
    for root in example_apps() {
        let name = root.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let (app, _) = common::analyze_app(&root);
        let mut profiles: Vec<Option<String>> = vec![None];
        profiles.extend(dync_compiler::sema::profile_names(&app).into_iter().map(Some));
        for profile in profiles {
            let output = compile(&root, profile.as_deref(), &Options::default())
                .unwrap_or_else(|(_, rendered)| panic!("{name} {profile:?} must compile:\n{rendered}"));
            outputs.push((format!("{name}-{}", profile.as_deref().unwrap_or("default")), output));
        }
    }
    for dir in case_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let root = dir.join("app.dyn");
        let (profile, options) = case_options(&common::read(&root));
        if let Ok(output) = compile(&root, profile.as_deref(), &options) {
            outputs.push((name, output));
        }
    }
    outputs
}

#[test]
fn every_example_compiles_in_every_profile() {
    let mut compiled = 0;
    for root in example_apps() {
        let name = root.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let (app, _) = common::analyze_app(&root);
        let mut profiles: Vec<Option<String>> = vec![None];
        profiles.extend(dync_compiler::sema::profile_names(&app).into_iter().map(Some));
        for profile in profiles {
            let output = compile(&root, profile.as_deref(), &Options::default())
                .unwrap_or_else(|(_, rendered)| panic!("{name} {profile:?} must compile:\n{rendered}"));
            let label = format!("{name}-{}", profile.as_deref().unwrap_or("default"));
            insta::assert_snapshot!(label, render_files(output.files.iter()));
            compiled += 1;
        }
    }
    assert!(compiled >= 4, "only {compiled} example compilations");
}

#[test]
fn emit_cases() {
    let mut cases = 0;
    for dir in case_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let root = dir.join("app.dyn");
        let (profile, options) = case_options(&common::read(&root));
        let result = compile(&root, profile.as_deref(), &options);
        match Code::parse(name.split('-').next().unwrap()) {
            Some(code) => {
                let (codes, rendered) = match result {
                    Ok(_) => panic!("{name} should fail with {code}"),
                    Err(failure) => failure,
                };
                assert!(codes.contains(&code), "{name} should report {code}:\n{rendered}");
                insta::assert_snapshot!(format!("emit-{name}"), rendered);
            }
            None => {
                let output = result.unwrap_or_else(|(_, rendered)| panic!("{name} must compile:\n{rendered}"));
                // `subject`'s files, and those of the functions a `// snapshot: a b` line names.
                let text = common::read(&root);
                let mut shown = vec!["subject".to_string()];
                for line in text.lines().filter_map(|l| l.strip_prefix("// snapshot:")) {
                    shown.extend(line.split_whitespace().map(str::to_string));
                }
                let subject: Vec<_> = output
                    .files
                    .iter()
                    .filter(|f| shown.iter().any(|s| f.path.starts_with(&format!("functions/{s}/"))))
                    .collect();
                assert!(!subject.is_empty(), "{name}: the case has no function `subject`");
                insta::assert_snapshot!(format!("emit-{name}"), render_files(subject.into_iter()));
            }
        }
        cases += 1;
    }
    assert!(cases >= 10, "only {cases} emit cases");
}

#[test]
fn pods_meet_the_restricted_profile() {
    let mut pods = 0;
    for (name, output) in all_outputs() {
        for (path, doc) in documents(&output) {
            if doc["kind"] != "Deployment" {
                continue;
            }
            let spec = &doc["spec"]["template"]["spec"];
            let at = format!("{name}: {path}");
            assert_eq!(spec["securityContext"]["runAsNonRoot"], true, "{at}");
            assert_eq!(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", "{at}");
            assert!(spec["securityContext"]["runAsUser"].as_i64().is_some_and(|u| u > 0), "{at}");
            assert_eq!(spec["automountServiceAccountToken"], false, "{at}");
            for forbidden in ["hostNetwork", "hostPID", "hostIPC"] {
                assert!(spec.get(forbidden).is_none_or(|v| v == false), "{at}: {forbidden}");
            }
            for volume in spec["volumes"].as_array().unwrap() {
                assert!(volume.get("hostPath").is_none(), "{at}: hostPath volume");
            }
            let containers = spec["containers"]
                .as_array()
                .unwrap()
                .iter()
                .chain(spec.get("initContainers").and_then(Value::as_array).into_iter().flatten());
            for container in containers {
                let security = &container["securityContext"];
                let at = format!("{at}: container {}", container["name"]);
                assert_eq!(security["allowPrivilegeEscalation"], false, "{at}");
                assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]), "{at}");
                assert!(security["capabilities"].get("add").is_none(), "{at}");
                assert_eq!(security["runAsNonRoot"], true, "{at}");
                assert_eq!(security["readOnlyRootFilesystem"], true, "{at}");
                assert!(security.get("privileged").is_none_or(|v| v == false), "{at}");
                for port in container["ports"].as_array().into_iter().flatten() {
                    assert!(port.get("hostPort").is_none(), "{at}: hostPort");
                }
            }
            // ConfigMaps are mounted as directories, never with subPath (updates would not arrive).
            for container in spec["containers"].as_array().unwrap() {
                for mount in container["volumeMounts"].as_array().unwrap() {
                    assert!(mount.get("subPath").is_none(), "{name}: {path}: subPath mount");
                }
            }
            pods += 1;
        }
    }
    assert!(pods >= 30, "only {pods} pod specs checked");
}

/// The `app.kubernetes.io/name` values a list of NetworkPolicy peers selects (pod selectors
/// without a namespace selector: pods of this app).
fn function_peers(peers: &Value) -> BTreeSet<String> {
    peers
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.get("namespaceSelector").is_none() && p.get("ipBlock").is_none())
        .map(|p| p["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn network_policies_follow_the_flow_graph() {
    let mut policies = 0;
    for (name, output) in all_outputs() {
        let docs = documents(&output);
        let runtime = docs.iter().find(|(p, _)| p == "runtime.yaml").map(|(_, d)| d.clone()).unwrap();
        let functions = runtime["functions"].as_array().unwrap();
        let service_of = |function: &str| {
            functions.iter().find(|f| f["name"] == function).unwrap()["service"].as_str().unwrap().to_string()
        };
        for function in functions {
            let service = function["service"].as_str().unwrap();
            let downstream: BTreeSet<String> =
                function["routes"].as_array().unwrap().iter().map(|r| service_of(r["to"].as_str().unwrap())).collect();
            let upstream: BTreeSet<String> = functions
                .iter()
                .filter(|f| f["routes"].as_array().unwrap().iter().any(|r| r["to"] == function["name"]))
                .map(|f| f["service"].as_str().unwrap().to_string())
                .collect();
            let path = format!("functions/{service}/networkpolicy.yaml");
            let policy = &docs.iter().find(|(p, _)| *p == path).unwrap_or_else(|| panic!("{name}: no {path}")).1;
            let at = format!("{name}: {path}");
            assert_eq!(policy["spec"]["policyTypes"], serde_json::json!(["Ingress", "Egress"]), "{at}");
            let ingress = policy["spec"]["ingress"].as_array().unwrap();
            let egress = policy["spec"]["egress"].as_array().unwrap();
            let from: BTreeSet<String> = ingress.iter().flat_map(|rule| function_peers(&rule["from"])).collect();
            let to: BTreeSet<String> = egress.iter().flat_map(|rule| function_peers(&rule["to"])).collect();
            assert_eq!(from, upstream, "{at}: ingress peers are the upstream functions");
            assert_eq!(to, downstream, "{at}: egress peers are the downstream functions");
            // The documented extras: metrics scraping in; DNS and the declared endpoints out.
            assert!(
                ingress
                    .iter()
                    .any(|r| r["ports"][0]["port"] == 9090 && r["from"][0].get("namespaceSelector").is_some()),
                "{at}: no metrics rule"
            );
            assert!(
                egress.iter().any(|r| r["ports"][0]["port"] == 53
                    && r["to"][0]["podSelector"]["matchLabels"]["k8s-app"] == "kube-dns"),
                "{at}: no DNS rule"
            );
            for rule in ingress {
                let peers = rule["from"].as_array();
                let is_function_rule = peers.is_some_and(|p| p.iter().all(|p| p.get("namespaceSelector").is_none()));
                if is_function_rule {
                    assert_eq!(rule["ports"], serde_json::json!([{"port": 8080, "protocol": "TCP"}]), "{at}");
                }
            }
            let external: Vec<&Value> = egress.iter().filter(|r| r["to"][0].get("ipBlock").is_some()).collect();
            let has_endpoint = matches!(
                function["body"]["intrinsic"].as_str(),
                Some("std.http.post" | "std.mqtt.subscribe" | "std.mqtt.publish")
            );
            assert_eq!(!external.is_empty(), has_endpoint, "{at}: ipBlock rules only for declared endpoints");
            policies += 1;
        }
    }
    assert!(policies >= 30, "only {policies} policies checked");
}

#[test]
fn secrets_are_only_references() {
    for (name, output) in all_outputs() {
        for (path, doc) in documents(&output) {
            let text = serde_json::to_string(&doc).unwrap();
            if doc["kind"] == "Deployment" {
                for container in doc["spec"]["template"]["spec"]["containers"].as_array().unwrap() {
                    for env in container["env"].as_array().into_iter().flatten() {
                        assert!(
                            env.get("value").is_some() != env.get("valueFrom").is_some(),
                            "{name}: {path}: env {env}"
                        );
                    }
                }
            }
            // A Secret object is never emitted, so no secret value can be.
            assert_ne!(doc["kind"], "Secret", "{name}: {path}");
            assert!(!text.contains("\"stringData\""), "{name}: {path}");
        }
    }
    // The example's secret reference becomes a secretKeyRef and, in the runtime config, a
    // reference without a value.
    let output = compile(&common::root().join("examples/smart-building/app.dyn"), None, &Options::default()).unwrap();
    let docs = documents(&output);
    let deployment = &docs.iter().find(|(p, _)| p == "functions/decode/deployment.yaml").unwrap().1;
    let env = &deployment["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(env.as_array().unwrap().iter().any(|e| e["name"] == "API_TOKEN"
        && e["valueFrom"]["secretKeyRef"]
            == serde_json::json!({"name": "decoder", "key": "token", "optional": false})));
    let config = &docs.iter().find(|(p, _)| p == "functions/decode/configmap.yaml").unwrap().1;
    let slice = dync_runtime_config::from_yaml(config["data"]["runtime.yaml"].as_str().unwrap()).unwrap();
    let dync_runtime_config::Body::Handler { env, .. } = &slice.functions[0].body else { panic!("a handler") };
    let token = env.iter().find(|e| e.name == "API_TOKEN").unwrap();
    assert!(token.value.is_none() && token.secret.is_some());
}

#[test]
fn config_maps_hold_their_function_slice_of_runtime_yaml() {
    for (name, output) in all_outputs() {
        let docs = documents(&output);
        let whole =
            dync_runtime_config::from_yaml(&output.files.iter().find(|f| f.path == "runtime.yaml").unwrap().contents)
                .unwrap_or_else(|e| panic!("{name}: runtime.yaml: {e}"));
        for function in &whole.functions {
            let path = format!("functions/{}/configmap.yaml", function.service);
            let config_map = &docs.iter().find(|(p, _)| *p == path).unwrap().1;
            let slice = dync_runtime_config::from_yaml(config_map["data"]["runtime.yaml"].as_str().unwrap()).unwrap();
            assert_eq!(slice, whole.slice(&function.name).unwrap(), "{name}: {path}");
        }
        // kustomization.yaml lists every manifest, and nothing else.
        let kustomization = &docs.iter().find(|(p, _)| p == "kustomization.yaml").unwrap().1;
        let listed: BTreeSet<&str> =
            kustomization["resources"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        let manifests: BTreeSet<&str> =
            output.files.iter().filter(|f| f.is_manifest).map(|f| f.path.as_str()).collect();
        assert_eq!(listed, manifests, "{name}");
    }
}

/// Runs `dync compile` with `args` from `dir`.
fn run_compile(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dync")).arg("compile").args(args).current_dir(dir).output().unwrap()
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((
                    path.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn compiles_are_byte_identical_from_anywhere() {
    let scratch = std::env::temp_dir().join(format!("dync-determinism-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let example = common::root().join("examples/smart-building");
    let first = scratch.join("first");
    let second = scratch.join("second");
    let a = run_compile(
        &common::root(),
        &["examples/smart-building/app.dyn", "-o", first.to_str().unwrap(), "--profile", "night"],
    );
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = run_compile(&example, &["--profile", "night", "-o", second.to_str().unwrap(), "./app.dyn"]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let absolute = example.join("app.dyn");
    let c = run_compile(&scratch, &["-o", "-", absolute.to_str().unwrap(), "--profile", "night"]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    assert_eq!(tree(&first), tree(&second));
    // The stream holds exactly the manifests of the directory, in kustomization order.
    let stream = String::from_utf8(c.stdout).unwrap();
    assert_eq!(stream.matches("\n---\n").count() + 1, tree(&first).len() - 2, "one document per manifest");
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn the_output_directory_keeps_foreign_files_and_drops_stale_ones() {
    let scratch = std::env::temp_dir().join(format!("dync-outdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("out")).unwrap();
    let out = scratch.join("out");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("extra.yaml"), "kind: Mine\n").unwrap();
    let app = common::root().join("examples/smart-building/app.dyn");
    let run = run_compile(&scratch, &[app.to_str().unwrap(), "-o", "out"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(out.join("functions/alert/pdb.yaml").exists());
    // The local profile scales decode to one replica (no HPA) and replaces mqtt_in and
    // http_out: their files and folders go, foreign files stay.
    let run = run_compile(&scratch, &[app.to_str().unwrap(), "-o", "out", "--profile", "local"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("removed functions/decode/hpa.yaml, functions/http-out/configmap.yaml"), "{stderr}");
    assert!(!out.join("functions/mqtt-in").exists());
    assert!(out.join("functions/jsonl-in/deployment.yaml").exists());
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    assert_eq!(std::fs::read_to_string(out.join("extra.yaml")).unwrap(), "kind: Mine\n");
    // Unchanged files are not rewritten.
    let again = run_compile(&scratch, &[app.to_str().unwrap(), "-o", "out", "--profile", "local"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("(39 unchanged)"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // A foreign file where dync would write is an error, and nothing is touched.
    std::fs::write(out.join("namespace.yaml"), "kind: Namespace # mine\n").unwrap();
    let refused = run_compile(&scratch, &[app.to_str().unwrap(), "-o", "out"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("files dync did not write"));
    assert!(out.join("functions/jsonl-in/deployment.yaml").exists());
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn nothing_is_written_when_the_app_has_errors() {
    let scratch = std::env::temp_dir().join(format!("dync-errors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let case = common::root().join("tests/emit/E0502-handler-without-image/app.dyn");
    let run = run_compile(&scratch, &[case.to_str().unwrap(), "-o", "out"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("E0502"));
    assert!(!scratch.join("out").exists());
    let bad_namespace = run_compile(&scratch, &[case.to_str().unwrap(), "-o", "out", "--namespace", "Bad_NS"]);
    assert_eq!(bad_namespace.status.code(), Some(2));
    std::fs::remove_dir_all(&scratch).unwrap();
}

/// Writes every output (examples in every profile, the emit cases) into a directory of its own.
fn write_all_outputs(scratch: &Path) -> Vec<(String, PathBuf, Output)> {
    all_outputs()
        .into_iter()
        .map(|(name, output)| {
            let dir = scratch.join(&name);
            for file in &output.files {
                let path = dir.join(&file.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &file.contents).unwrap();
            }
            (name, dir, output)
        })
        .collect()
}

#[test]
fn manifests_pass_strict_schema_validation_and_kustomize() {
    let scratch = common::scratch_dir("validate");
    let outputs = write_all_outputs(&scratch);
    let manifests: Vec<PathBuf> = outputs
        .iter()
        .flat_map(|(_, dir, output)| output.files.iter().filter(|f| f.is_manifest).map(|f| dir.join(&f.path)))
        .collect();
    assert!(manifests.len() >= 200, "only {} manifests", manifests.len());
    // kubernetes-validate==1.37.0 (the schemas of Kubernetes 1.25-1.37), strict: unknown
    // fields are errors. One process for every file.
    let validator = common::test_python().with_file_name("kubernetes-validate");
    let run = std::process::Command::new(&validator)
        .args(["--strict", "--quiet", "-k", "1.33.0"])
        .args(&manifests)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (run `bash .ci/setup`)", validator.display()));
    let report = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success() && !report.contains("ERROR"), "schema validation failed:\n{report}");

    for (name, dir, output) in &outputs {
        let run =
            std::process::Command::new("kubectl").args(["kustomize"]).arg(dir).output().unwrap_or_else(|e| {
                panic!("cannot run kubectl: {e}; install kubectl (`bash .ci/setup` checks for it)")
            });
        assert!(run.status.success(), "{name}: kubectl kustomize failed:\n{}", String::from_utf8_lossy(&run.stderr));
        // kustomize renders every object once.
        let rendered = String::from_utf8(run.stdout).unwrap();
        let objects = rendered.lines().filter(|l| l.starts_with("kind: ")).count();
        assert_eq!(objects, output.files.iter().filter(|f| f.is_manifest).count(), "{name}: kustomize output");
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn output_is_the_same_on_any_number_of_threads() {
    let root = common::root().join("examples/factory-maintenance/app.dyn");
    let one = compile(&root, None, &Options::default()).unwrap();
    for threads in [2, 3, 16] {
        let many = compile(&root, None, &Options { threads, ..Options::default() }).unwrap();
        assert_eq!(many.files, one.files, "{threads} threads");
    }
}

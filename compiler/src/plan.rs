//! `dync plan`: what compiling an app would change in a previous output directory — per
//! function created, removed, unchanged or changed, and what changed in the user's words,
//! with whether it restarts, reschedules or is reloaded in place. Pure: both sides are files
//! as data (the CLI reads the directory).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use dync_runtime_config::{self as rc, FunctionConfig, TypeDesc, Value, yaml};
use serde::Serialize;
use serde_json::Value as Json;

use crate::emit::OutputFile;
use crate::emit::k8s::{DECLARED_AS_ANNOTATION, FLOWS_ANNOTATION, FUNCTION_LABEL, HASH_ANNOTATION};

/// What a change does to the running function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Nothing restarts: the ConfigMap (reloaded in place by the runtime), the NetworkPolicy,
    /// the replica count or metadata change.
    NoRestart,
    /// The pods are replaced by a rolling update.
    Restart,
    /// The pods are replaced and scheduled anew, possibly on other nodes.
    Reschedule,
}

impl Effect {
    pub fn words(self) -> &'static str {
        match self {
            Effect::NoRestart => "no restart",
            Effect::Restart => "restart",
            Effect::Reschedule => "reschedule",
        }
    }
}

/// One thing that changes, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What it is about: `body`, `settings`, `command`, `image`, `env`, `routes`, `types`,
    /// `flows`, `delivery`, `placement`, `resources`, `scale`, `budget`, `network`, `pod`,
    /// `service`, `metadata`, `namespace`, `file`.
    pub aspect: &'static str,
    pub text: String,
    pub effect: Effect,
}

impl Change {
    fn new(aspect: &'static str, text: impl Into<String>, effect: Effect) -> Change {
        Change { aspect, text: text.into(), effect }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Removed,
    Changed,
    Unchanged,
}

/// One function instance of either side.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionPlan {
    /// The instance name (`too_hot`, `log_2`).
    pub name: String,
    /// Its Kubernetes name: the folder under `functions/`.
    pub service: String,
    pub status: Status,
    /// The strongest effect of its changes (absent unless changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    pub changes: Vec<Change>,
}

/// What a compile would do to the output directory.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub app: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// In service-name order.
    pub functions: Vec<FunctionPlan>,
    /// Objects of the whole app (the Namespace), and `kustomization.yaml`.
    pub app_wide: Vec<Change>,
}

impl Plan {
    /// Whether applying the compile would change anything.
    pub fn has_changes(&self) -> bool {
        !self.app_wide.is_empty() || self.functions.iter().any(|f| f.status != Status::Unchanged)
    }

    fn count(&self, status: Status) -> usize {
        self.functions.iter().filter(|f| f.status == status).count()
    }

    /// The plan as text: one line per function, one indented line per change, a summary.
    pub fn render(&self, app_path: &str, against: &str) -> String {
        let mut out = String::new();
        let profile = self.profile.as_ref().map(|p| format!(", profile `{p}`")).unwrap_or_default();
        let _ = writeln!(out, "plan for `{app_path}` (app `{}`{profile}) against `{against}`:\n", self.app);
        let width = self.functions.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for function in &self.functions {
            let (sign, status) = match function.status {
                Status::Created => ("+", "created".to_string()),
                Status::Removed => ("-", "removed".to_string()),
                Status::Unchanged => (" ", "unchanged".to_string()),
                Status::Changed => ("~", format!("changed ({})", function.effect.map_or("no restart", Effect::words))),
            };
            let _ = writeln!(out, "  {sign} {:width$}  {status}", function.name);
            for change in &function.changes {
                let _ = writeln!(out, "      {} ({})", change.text, change.effect.words());
            }
        }
        if !self.app_wide.is_empty() {
            out.push_str("\n  app-wide:\n");
            for change in &self.app_wide {
                let _ = writeln!(out, "      {} ({})", change.text, change.effect.words());
            }
        }
        let restarts = self
            .functions
            .iter()
            .filter(|f| f.status == Status::Changed && f.effect.is_some_and(|e| e >= Effect::Restart))
            .count();
        if self.has_changes() {
            let _ = writeln!(
                out,
                "\n{} created, {} removed, {} changed ({} restarting), {} unchanged",
                self.count(Status::Created),
                self.count(Status::Removed),
                self.count(Status::Changed),
                restarts,
                self.count(Status::Unchanged),
            );
        } else {
            let _ = writeln!(out, "\nno changes: {} functions unchanged", self.count(Status::Unchanged));
        }
        out
    }
}

/// The parsed files of one function instance on one side.
struct FunctionState {
    config: Option<FunctionConfig>,
    deployment: Option<Json>,
    autoscaler: Option<Json>,
    budget: Option<Json>,
    policy: Option<Json>,
    service: Option<Json>,
    /// File name (`deployment.yaml`) to text.
    files: BTreeMap<String, String>,
}

/// One side: its functions by service name, and the app-wide files.
struct Side {
    functions: BTreeMap<String, FunctionState>,
    app_files: BTreeMap<String, String>,
}

fn read_side<'a>(files: impl Iterator<Item = (&'a str, &'a str)>, which: &str) -> Result<Side, String> {
    let mut side = Side { functions: BTreeMap::new(), app_files: BTreeMap::new() };
    for (path, text) in files {
        let Some(rest) = path.strip_prefix("functions/") else {
            side.app_files.insert(path.to_string(), text.to_string());
            continue;
        };
        let Some((service, file)) = rest.split_once('/') else { continue };
        let state = side.functions.entry(service.to_string()).or_insert_with(|| FunctionState {
            config: None,
            deployment: None,
            autoscaler: None,
            budget: None,
            policy: None,
            service: None,
            files: BTreeMap::new(),
        });
        state.files.insert(file.to_string(), text.to_string());
        let json = || yaml::to_json(text).map_err(|e| format!("{which} `{path}` is not valid YAML: {e}"));
        match file {
            "configmap.yaml" => {
                let map = json()?;
                let Some(slice) = map["data"][rc::CONFIG_FILE].as_str() else {
                    return Err(format!("{which} `{path}` has no `data.{}`", rc::CONFIG_FILE));
                };
                let config =
                    rc::from_yaml(slice).map_err(|e| format!("{which} `{path}`: its {}: {e}", rc::CONFIG_FILE))?;
                state.config = config.functions.into_iter().next();
            }
            "deployment.yaml" => state.deployment = Some(json()?),
            "hpa.yaml" => state.autoscaler = Some(json()?),
            "pdb.yaml" => state.budget = Some(json()?),
            "networkpolicy.yaml" => state.policy = Some(json()?),
            "service.yaml" => state.service = Some(json()?),
            _ => {}
        }
    }
    Ok(side)
}

/// Compares the files a compile would write (`new`) with those of an earlier compile (`old`:
/// path relative to the output directory, text; only files dync wrote). An old file that is
/// not what dync writes is an error naming it.
pub fn plan(
    app: &str,
    profile: Option<&str>,
    new: &[OutputFile],
    old: &BTreeMap<String, String>,
) -> Result<Plan, String> {
    let kustomizations_follow =
        lists_its_manifests(
            new.iter().map(|f| f.path.as_str()),
            new.iter().find(|f| f.path == "kustomization.yaml").map(|f| f.contents.as_str()),
        ) && lists_its_manifests(old.keys().map(String::as_str), old.get("kustomization.yaml").map(String::as_str));
    let new = read_side(new.iter().map(|f| (f.path.as_str(), f.contents.as_str())), "the new")?;
    let old = read_side(old.iter().map(|(p, t)| (p.as_str(), t.as_str())), "the earlier")?;
    let services: BTreeSet<&String> = new.functions.keys().chain(old.functions.keys()).collect();
    let mut functions = Vec::new();
    for service in services {
        let name_of = |state: &FunctionState| state.config.as_ref().map_or_else(|| service.clone(), |c| c.name.clone());
        let plan = match (old.functions.get(service), new.functions.get(service)) {
            (None, Some(state)) => FunctionPlan {
                name: name_of(state),
                service: service.clone(),
                status: Status::Created,
                effect: None,
                changes: Vec::new(),
            },
            (Some(state), None) => FunctionPlan {
                name: name_of(state),
                service: service.clone(),
                status: Status::Removed,
                effect: None,
                changes: Vec::new(),
            },
            (Some(before), Some(after)) => {
                let changes = compare_function(before, after);
                let effect = changes.iter().map(|c| c.effect).max();
                FunctionPlan {
                    name: name_of(after),
                    service: service.clone(),
                    status: if changes.is_empty() { Status::Unchanged } else { Status::Changed },
                    effect,
                    changes,
                }
            }
            (None, None) => continue,
        };
        functions.push(plan);
    }
    let app_wide = compare_app_files(&old.app_files, &new.app_files, kustomizations_follow);
    Ok(Plan { app: app.to_string(), profile: profile.map(str::to_string), functions, app_wide })
}

fn compare_app_files(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    kustomizations_follow: bool,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let namespace_of =
        |text: &str| yaml::to_json(text).ok().and_then(|doc| doc["metadata"]["name"].as_str().map(str::to_string));
    match (old.get("namespace.yaml"), new.get("namespace.yaml")) {
        (None, Some(text)) => changes.push(Change::new(
            "namespace",
            format!("namespace `{}` created", namespace_of(text).unwrap_or_default()),
            Effect::NoRestart,
        )),
        (Some(before), Some(after)) if before != after => {
            let (from, to) = (namespace_of(before).unwrap_or_default(), namespace_of(after).unwrap_or_default());
            if from == to {
                changes.push(Change::new("namespace", format!("namespace `{to}`: labels changed"), Effect::NoRestart));
            } else {
                // Every object moves: apply creates the new ones, the old ones stay until deleted.
                changes.push(Change::new(
                    "namespace",
                    format!("namespace: {from} → {to} (the objects in `{from}` stay until you delete them)"),
                    Effect::Reschedule,
                ));
            }
        }
        (Some(_), None) => changes.push(Change::new("namespace", "namespace removed", Effect::NoRestart)),
        _ => {}
    }
    if old.get("kustomization.yaml") != new.get("kustomization.yaml") && !kustomizations_follow {
        changes.push(Change::new("file", "kustomization.yaml changed", Effect::NoRestart));
    }
    changes
}

/// Whether a side's `kustomization.yaml` lists exactly its manifests: then a change of it only
/// follows the files created and removed, which the functions' changes already say.
fn lists_its_manifests<'a>(paths: impl Iterator<Item = &'a str> + Clone, kustomization: Option<&str>) -> bool {
    let Some(listed) = kustomization.and_then(|text| yaml::to_json(text).ok()) else { return false };
    let listed: BTreeSet<&str> =
        listed["resources"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
    let manifests: BTreeSet<&str> = paths.filter(|p| *p != "kustomization.yaml" && *p != rc::CONFIG_FILE).collect();
    listed == manifests
}

/// The changes of one function that exists on both sides.
fn compare_function(before: &FunctionState, after: &FunctionState) -> Vec<Change> {
    if before.files == after.files {
        return Vec::new();
    }
    // In another namespace every object is new: the details would only repeat that.
    let namespace = |state: &FunctionState| {
        state.deployment.as_ref().and_then(|d| d["metadata"]["namespace"].as_str().map(str::to_string))
    };
    if let (Some(from), Some(to)) = (namespace(before), namespace(after))
        && from != to
    {
        return vec![Change::new("namespace", format!("namespace: {from} → {to} (created anew)"), Effect::Reschedule)];
    }
    let mut changes = Vec::new();
    if let (Some(old), Some(new)) = (&before.config, &after.config) {
        compare_config(old, new, &mut changes);
    }
    let explained_config = !changes.is_empty();
    if let (Some(old), Some(new)) = (&before.deployment, &after.deployment) {
        compare_deployment(old, new, before.config.as_ref(), after.config.as_ref(), &mut changes);
    }
    let scale = (replicas_text(before), replicas_text(after));
    if scale.0 != scale.1 {
        changes.push(Change::new("scale", format!("scale: {} → {}", scale.0, scale.1), Effect::NoRestart));
    }
    let budget = (budget_text(before.budget.as_ref()), budget_text(after.budget.as_ref()));
    if budget.0 != budget.1 {
        changes.push(Change::new(
            "budget",
            format!("disruption budget: {} → {}", budget.0, budget.1),
            Effect::NoRestart,
        ));
    }
    if let (Some(old), Some(new)) = (&before.policy, &after.policy) {
        compare_policy(old, new, &mut changes);
    }
    // Whatever the words above do not cover is still reported, by file.
    let has = |aspects: &[&str]| changes.iter().any(|c| aspects.contains(&c.aspect));
    let explained = |file: &str| match file {
        "configmap.yaml" => explained_config,
        // The hash covers body, settings, command, image and env; the annotation the flows.
        "deployment.yaml" => has(&[
            "body",
            "settings",
            "command",
            "image",
            "env",
            "flows",
            "placement",
            "resources",
            "pod",
            "metadata",
            "scale",
        ]),
        "hpa.yaml" => has(&["scale"]),
        "pdb.yaml" => has(&["budget", "scale"]),
        "networkpolicy.yaml" => has(&["network"]),
        _ => false,
    };
    let mut unexplained = Vec::new();
    for (file, text) in &after.files {
        match before.files.get(file) {
            Some(old) if old == text => {}
            Some(_) if !explained(file) => unexplained.push(format!("{file} changed")),
            None if !explained(file) => unexplained.push(format!("{file} created")),
            _ => {}
        }
    }
    for file in before.files.keys().filter(|f| !after.files.contains_key(*f)) {
        if !explained(file) {
            unexplained.push(format!("{file} removed"));
        }
    }
    changes.extend(unexplained.into_iter().map(|text| Change::new("file", text, Effect::NoRestart)));
    changes
}

fn compare_config(old: &FunctionConfig, new: &FunctionConfig, changes: &mut Vec<Change>) {
    compare_body(&old.body, &new.body, changes);
    let targets = |c: &FunctionConfig| c.routes.iter().map(|r| r.to.clone()).collect::<BTreeSet<_>>();
    let (from, to) = (targets(old), targets(new));
    if from != to {
        changes.push(Change::new("routes", format!("routes: {}", set_delta(&from, &to)), Effect::NoRestart));
    } else if old.routes != new.routes {
        changes.push(Change::new("routes", "routes changed", Effect::NoRestart));
    }
    for (what, before, after) in [("input", &old.input, &new.input), ("output", &old.output, &new.output)] {
        if before != after {
            let text = match (before, after) {
                (Some(b), Some(a)) if type_name(b) == type_name(a) => format!("{what} type {} changed", type_name(a)),
                _ => format!(
                    "{what} type: {} → {}",
                    before.as_ref().map_or("none".to_string(), type_name),
                    after.as_ref().map_or("none".to_string(), type_name)
                ),
            };
            changes.push(Change::new("types", text, Effect::NoRestart));
        }
    }
    if old.flows != new.flows {
        changes.push(Change::new(
            "flows",
            format!("flows: {} → {}", list_text(&old.flows), list_text(&new.flows)),
            Effect::NoRestart,
        ));
    }
    if old.delivery != new.delivery {
        changes.push(Change::new("delivery", "delivery settings changed", Effect::NoRestart));
    }
    if old.function != new.function || old.module != new.module {
        changes.push(Change::new(
            "body",
            format!("now runs {}::{} (was {}::{})", new.module, new.function, old.module, old.function),
            Effect::Restart,
        ));
    }
}

fn compare_body(old: &rc::Body, new: &rc::Body, changes: &mut Vec<Change>) {
    use rc::Body::{Expression, Handler, Intrinsic};
    match (old, new) {
        (Expression { message: m1, settings: s1, expr: e1 }, Expression { message: m2, settings: s2, expr: e2 }) => {
            if m1 != m2 || e1 != e2 {
                changes.push(Change::new("body", "body changed", Effect::Restart));
            }
            compare_settings(s1, s2, changes);
        }
        (
            Handler { argv: a1, image: i1, env: v1, settings: s1 },
            Handler { argv: a2, image: i2, env: v2, settings: s2 },
        ) => {
            if a1 != a2 {
                changes.push(Change::new(
                    "command",
                    format!("command: `{}` → `{}`", a1.join(" "), a2.join(" ")),
                    Effect::Restart,
                ));
            }
            if i1 != i2 {
                let show = |i: &Option<String>| i.clone().unwrap_or_else(|| "none".to_string());
                changes.push(Change::new("image", format!("image: {} → {}", show(i1), show(i2)), Effect::Restart));
            }
            compare_env(v1, v2, changes);
            compare_settings(s1, s2, changes);
        }
        (Intrinsic { intrinsic: n1, settings: s1 }, Intrinsic { intrinsic: n2, settings: s2 }) => {
            if n1 != n2 {
                changes.push(Change::new("body", format!("implementation: {n1} → {n2}"), Effect::Restart));
            }
            compare_settings(s1, s2, changes);
        }
        _ => changes.push(Change::new(
            "body",
            format!("body changed: {} → {}", body_kind(old), body_kind(new)),
            Effect::Restart,
        )),
    }
}

fn body_kind(body: &rc::Body) -> &'static str {
    match body {
        rc::Body::Expression { .. } => "an expression",
        rc::Body::Handler { .. } => "a handler",
        rc::Body::Intrinsic { .. } => "a standard-library function",
    }
}

fn compare_settings(old: &[rc::Setting], new: &[rc::Setting], changes: &mut Vec<Change>) {
    let old_map: BTreeMap<&str, &Value> = old.iter().map(|s| (s.name.as_str(), &s.value)).collect();
    let new_map: BTreeMap<&str, &Value> = new.iter().map(|s| (s.name.as_str(), &s.value)).collect();
    let names: BTreeSet<&str> = old_map.keys().chain(new_map.keys()).copied().collect();
    let mut parts = Vec::new();
    for name in names {
        match (old_map.get(name), new_map.get(name)) {
            (Some(a), Some(b)) if a != b => parts.push(format!("{name} {} → {}", value_text(a), value_text(b))),
            (None, Some(b)) => parts.push(format!("+ {name} {}", value_text(b))),
            (Some(_), None) => parts.push(format!("- {name}")),
            _ => {}
        }
    }
    if !parts.is_empty() {
        changes.push(Change::new("settings", format!("settings: {}", parts.join(", ")), Effect::Restart));
    }
}

fn compare_env(old: &[rc::EnvVar], new: &[rc::EnvVar], changes: &mut Vec<Change>) {
    let old_map: BTreeMap<&str, &rc::EnvVar> = old.iter().map(|v| (v.name.as_str(), v)).collect();
    let new_map: BTreeMap<&str, &rc::EnvVar> = new.iter().map(|v| (v.name.as_str(), v)).collect();
    let names: BTreeSet<&str> = old_map.keys().chain(new_map.keys()).copied().collect();
    for name in names {
        // Values are not shown: an env value may be a credential written inline.
        let text = match (old_map.get(name), new_map.get(name)) {
            (Some(a), Some(b)) if a != b => format!("env: {name} changed"),
            (None, Some(_)) => format!("env: + {name}"),
            (Some(_), None) => format!("env: - {name}"),
            _ => continue,
        };
        changes.push(Change::new("env", text, Effect::Restart));
    }
}

/// The pod template's differences: placement, resources, the runtime image; the hash decides
/// whether anything else restarts.
fn compare_deployment(
    old: &Json,
    new: &Json,
    old_config: Option<&FunctionConfig>,
    new_config: Option<&FunctionConfig>,
    changes: &mut Vec<Change>,
) {
    let pod = |d: &Json| d["spec"]["template"]["spec"].clone();
    let (old_pod, new_pod) = (pod(old), pod(new));
    let before = changes.len();
    let placement = [
        ("moves", required_nodes(&old_pod), required_nodes(&new_pod)),
        ("prefers", preferred_nodes(&old_pod), preferred_nodes(&new_pod)),
        ("co-location", pod_affinity(&old_pod), pod_affinity(&new_pod)),
        ("spread", spread(&old_pod), spread(&new_pod)),
        ("tolerates", tolerations(&old_pod), tolerations(&new_pod)),
    ];
    for (what, from, to) in placement {
        if from != to {
            changes.push(Change::new(
                "placement",
                format!("{what}: {} → {}", or_none(&from), or_none(&to)),
                Effect::Reschedule,
            ));
        }
    }
    let (old_resources, new_resources) = (resources(&old_pod), resources(&new_pod));
    if old_resources != new_resources {
        changes.push(Change::new(
            "resources",
            format!("resources: {} → {}", or_none(&old_resources), or_none(&new_resources)),
            Effect::Restart,
        ));
    }
    // A handler's image is reported from its body; the runtime image of the others here.
    let is_handler = |c: Option<&FunctionConfig>| c.is_some_and(|c| matches!(c.body, rc::Body::Handler { .. }));
    let image = |p: &Json| p["containers"][0]["image"].as_str().unwrap_or_default().to_string();
    if !is_handler(old_config) && !is_handler(new_config) && image(&old_pod) != image(&new_pod) {
        changes.push(Change::new(
            "image",
            format!("runtime image: {} → {}", image(&old_pod), image(&new_pod)),
            Effect::Restart,
        ));
    }
    let init_image = |p: &Json| p["initContainers"][0]["image"].as_str().unwrap_or_default().to_string();
    if is_handler(old_config) && is_handler(new_config) && init_image(&old_pod) != init_image(&new_pod) {
        changes.push(Change::new(
            "image",
            format!("runtime image: {} → {}", init_image(&old_pod), init_image(&new_pod)),
            Effect::Restart,
        ));
    }
    let hash = |d: &Json| d["spec"]["template"]["metadata"]["annotations"][HASH_ANNOTATION].clone();
    let restarts_explained = changes[before..].iter().any(|c| c.effect >= Effect::Restart)
        || changes.iter().any(|c| matches!(c.aspect, "body" | "settings" | "command" | "image" | "env"));
    let template = |d: &Json| {
        let mut template = d["spec"]["template"].clone();
        if let Some(annotations) = template["metadata"]["annotations"].as_object_mut() {
            annotations.remove(HASH_ANNOTATION);
        }
        template
    };
    if (hash(old) != hash(new) || template(old) != template(new)) && !restarts_explained {
        changes.push(Change::new("pod", "pod template changed", Effect::Restart));
    }
    let annotations = |d: &Json| {
        let mut meta = d["metadata"].clone();
        if let Some(annotations) = meta["annotations"].as_object_mut() {
            annotations.remove(FLOWS_ANNOTATION);
        }
        meta
    };
    if annotations(old) != annotations(new) {
        let declared = |d: &Json| d["metadata"]["annotations"][DECLARED_AS_ANNOTATION].clone();
        let text = if declared(old) == declared(new) { "labels changed" } else { "declared function changed" };
        changes.push(Change::new("metadata", text, Effect::NoRestart));
    }
}

/// The label key as the user writes it (`zone` for `topology.kubernetes.io/zone`).
fn alias(key: &str) -> &str {
    match key {
        "topology.kubernetes.io/zone" => "zone",
        "topology.kubernetes.io/region" => "region",
        "kubernetes.io/hostname" => "host",
        "kubernetes.io/arch" => "arch",
        "kubernetes.io/os" => "os",
        other => other,
    }
}

fn strings(value: &Json) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// A node selector requirement in the words of `place`: `tier=edge`, `zone in [a, b]`.
fn requirement_text(requirement: &Json) -> String {
    let key = alias(requirement["key"].as_str().unwrap_or_default());
    let values = strings(&requirement["values"]);
    match (requirement["operator"].as_str().unwrap_or_default(), values.len()) {
        ("In", 1) => format!("{key}={}", values[0]),
        ("In", _) => format!("{key} in [{}]", values.join(", ")),
        ("NotIn", 1) => format!("{key}!={}", values[0]),
        ("NotIn", _) => format!("{key} not in [{}]", values.join(", ")),
        ("Exists", _) => format!("{key} exists"),
        ("DoesNotExist", _) => format!("{key} not exists"),
        (other, _) => format!("{key} {other} [{}]", values.join(", ")),
    }
}

fn required_nodes(pod: &Json) -> Vec<String> {
    let terms = &pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    terms
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|term| term["matchExpressions"].as_array().into_iter().flatten().map(requirement_text))
        .collect()
}

fn preferred_nodes(pod: &Json) -> Vec<String> {
    let terms = &pod["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
    terms
        .as_array()
        .into_iter()
        .flatten()
        .map(|term| {
            let rules: Vec<String> =
                term["preference"]["matchExpressions"].as_array().into_iter().flatten().map(requirement_text).collect();
            format!("{} weight {}", rules.join(", "), term["weight"])
        })
        .collect()
}

fn pod_affinity(pod: &Json) -> Vec<String> {
    let mut rules = Vec::new();
    for (kind, word) in [("podAffinity", "near"), ("podAntiAffinity", "apart")] {
        let affinity = &pod["affinity"][kind];
        let term_text = |term: &Json| {
            let function = term["labelSelector"]["matchLabels"][FUNCTION_LABEL].as_str().unwrap_or_default();
            format!("{word} {function} by {}", alias(term["topologyKey"].as_str().unwrap_or_default()))
        };
        for term in affinity["requiredDuringSchedulingIgnoredDuringExecution"].as_array().into_iter().flatten() {
            rules.push(term_text(term));
        }
        for term in affinity["preferredDuringSchedulingIgnoredDuringExecution"].as_array().into_iter().flatten() {
            rules.push(format!("prefer {} weight {}", term_text(&term["podAffinityTerm"]), term["weight"]));
        }
    }
    rules
}

fn spread(pod: &Json) -> Vec<String> {
    pod["topologySpreadConstraints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let prefer = if c["whenUnsatisfiable"] == "ScheduleAnyway" { "prefer " } else { "" };
            format!("{prefer}by {} skew {}", alias(c["topologyKey"].as_str().unwrap_or_default()), c["maxSkew"])
        })
        .collect()
}

fn tolerations(pod: &Json) -> Vec<String> {
    pod["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let key = t["key"].as_str().unwrap_or_default();
            let mut text = match t["value"].as_str() {
                Some(value) => format!("{key}={value}"),
                None => format!("{key} exists"),
            };
            if let Some(effect) = t["effect"].as_str() {
                let _ = write!(text, " ({effect})");
            }
            text
        })
        .collect()
}

/// `cpu 100m..500m, memory 64Mi` from the function container's requests and limits.
fn resources(pod: &Json) -> Vec<String> {
    let resources = &pod["containers"][0]["resources"];
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for part in ["requests", "limits"] {
        names.extend(resources[part].as_object().into_iter().flatten().map(|(k, _)| k.as_str()));
    }
    names
        .into_iter()
        .map(|name| {
            let request = resources["requests"][name].as_str();
            let limit = resources["limits"][name].as_str();
            let shown = if name == "nvidia.com/gpu" { "gpu" } else { name };
            match (request, limit) {
                (Some(r), Some(l)) if r != l => format!("{shown} {r}..{l}"),
                (Some(r), _) => format!("{shown} {r}"),
                (None, Some(l)) => format!("{shown} {l}"),
                (None, None) => shown.to_string(),
            }
        })
        .collect()
}

/// `2`, or `1..4 autoscaled` with an HPA.
fn replicas_text(state: &FunctionState) -> String {
    if let Some(hpa) = &state.autoscaler {
        let spec = &hpa["spec"];
        return format!("{}..{} autoscaled", spec["minReplicas"].as_i64().unwrap_or(1), spec["maxReplicas"]);
    }
    let replicas = state.deployment.as_ref().map(|d| d["spec"]["replicas"].clone()).unwrap_or(Json::Null);
    replicas.as_i64().unwrap_or(1).to_string()
}

fn budget_text(pdb: Option<&Json>) -> String {
    let Some(spec) = pdb.map(|p| &p["spec"]) else { return "none".to_string() };
    let amount = |v: &Json| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    match (spec.get("minAvailable"), spec.get("maxUnavailable")) {
        (Some(min), _) => format!("min_available {}", amount(min)),
        (_, Some(max)) => format!("max_unavailable {}", amount(max)),
        _ => "none".to_string(),
    }
}

/// The functions a NetworkPolicy lets in and out, by service name.
fn compare_policy(old: &Json, new: &Json, changes: &mut Vec<Change>) {
    let peers = |policy: &Json, rules: &str, key: &str| -> BTreeSet<String> {
        policy["spec"][rules]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|rule| rule[key].as_array().into_iter().flatten())
            .filter(|peer| peer.get("namespaceSelector").is_none() && peer.get("ipBlock").is_none())
            .filter_map(|peer| peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str())
            .map(str::to_string)
            .collect()
    };
    let mut parts = Vec::new();
    for (rules, key, word) in [("ingress", "from", "from"), ("egress", "to", "to")] {
        let (from, to) = (peers(old, rules, key), peers(new, rules, key));
        if from != to {
            parts.push(format!("{rules} {word} {}", set_delta(&from, &to)));
        }
    }
    if parts.is_empty() && old != new {
        parts.push("rules changed".to_string());
    }
    if !parts.is_empty() {
        changes.push(Change::new("network", format!("network policy: {}", parts.join("; ")), Effect::NoRestart));
    }
}

/// `+ a, - b`.
fn set_delta(from: &BTreeSet<String>, to: &BTreeSet<String>) -> String {
    let added = to.difference(from).map(|s| format!("+ {s}"));
    let removed = from.difference(to).map(|s| format!("- {s}"));
    added.chain(removed).collect::<Vec<_>>().join(", ")
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}

fn list_text(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}

fn type_name(ty: &TypeDesc) -> String {
    match ty {
        TypeDesc::Int => "Int".into(),
        TypeDesc::Float => "Float".into(),
        TypeDesc::Bool => "Bool".into(),
        TypeDesc::String => "String".into(),
        TypeDesc::Bytes => "Bytes".into(),
        TypeDesc::Timestamp => "Timestamp".into(),
        TypeDesc::Duration => "Duration".into(),
        TypeDesc::Optional { of } => format!("{}?", type_name(of)),
        TypeDesc::List { of } => format!("List<{}>", type_name(of)),
        TypeDesc::Record { name, .. } | TypeDesc::Enum { name, .. } | TypeDesc::Ref { name } => name.clone(),
        TypeDesc::Any => "any".into(),
    }
}

/// A setting's value as the user would write it: `28.5`, `"sensors/+"`, `10s`, `Severity::High`.
fn value_text(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Float(x) => {
            let text = x.to_string();
            if text.contains(['.', 'e', 'i', 'N']) { text } else { format!("{text}.0") }
        }
        Value::Bool(b) => b.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::DurationMs(ms) => {
            let units = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)];
            match units.iter().find(|(_, size)| *ms != 0 && ms % size == 0) {
                Some((unit, size)) => format!("{}{unit}", ms / size),
                None => format!("{ms}ms"),
            }
        }
        Value::Variant(v) => format!("{}::{}", v.enum_name, v.variant),
        Value::Field(name) => name.clone(),
        Value::List(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        Value::None => "none".to_string(),
    }
}

//! Node inventories and feasibility: can some node of the cluster run each function, given
//! its required node rules, the nodes' taints and the resources it requests?
//!
//! The inventory is read from a JSON value (the caller parses YAML): either the output of
//! `kubectl get nodes -o yaml` (a `v1` `List` or `NodeList` of `Node`, or one `Node`) or the
//! native form `{ nodes: [ { name, labels, taints, allocatable } ] }`. Feasibility is per
//! function: it says whether each function fits somewhere, not whether all of them fit at once.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::ir::Ir;
use crate::placement::{NodeSelector, Placement, SelectorOp, Toleration, cpu_millicores, memory_bytes, split_quantity};
use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

/// One node: its labels, taints and allocatable resources (cpu in millicores, memory in bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterNode {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub cpu: Option<u64>,
    pub memory: Option<u64>,
    pub gpus: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub nodes: Vec<ClusterNode>,
}

/// Why the text of an inventory gives none.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryError {
    /// Not YAML at all (the reader's message).
    NotYaml(String),
    /// YAML, but not a node inventory: every problem, named with its node and field.
    Unusable(Vec<String>),
}

/// Reads an inventory from its YAML text (`kubectl get nodes -o yaml`, or the native form).
pub fn inventory_from_yaml(text: &str) -> Result<Inventory, InventoryError> {
    let value = dync_runtime_config::yaml::to_json(text).map_err(|e| InventoryError::NotYaml(e.to_string()))?;
    inventory(&value).map_err(InventoryError::Unusable)
}

/// Reads an inventory; every problem is named with the node and field it is in.
pub fn inventory(value: &Value) -> Result<Inventory, Vec<String>> {
    let mut problems = Vec::new();
    let items: Vec<&Value> = match (value.get("kind").and_then(Value::as_str), value.get("nodes")) {
        (Some("List" | "NodeList"), _) => match value.get("items").and_then(Value::as_array) {
            Some(items) => items.iter().collect(),
            None => return Err(vec![format!("a `{}` needs `items`, a list of nodes", value["kind"].as_str().unwrap_or(""))]),
        },
        (Some("Node"), _) => vec![value],
        (Some(other), _) => return Err(vec![format!("`kind: {other}` is not a node inventory: expected `List`, `NodeList` or `Node` (from `kubectl get nodes -o yaml`), or the native form with `nodes:`")]),
        (None, Some(nodes)) => match nodes.as_array() {
            Some(nodes) => {
                let nodes = nodes.iter().enumerate().filter_map(|(i, n)| native_node(n, i, &mut problems)).collect();
                return if problems.is_empty() { Ok(Inventory { nodes }) } else { Err(problems) };
            }
            None => return Err(vec!["`nodes` must be a list".to_string()]),
        },
        (None, None) => return Err(vec!["not a node inventory: expected the output of `kubectl get nodes -o yaml`, or the native form with `nodes:`".to_string()]),
    };
    let mut nodes = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if let Some(kind) = item.get("kind").and_then(Value::as_str)
            && kind != "Node"
        {
            problems.push(format!("item {}: `kind: {kind}` is not a Node", i + 1));
            continue;
        }
        nodes.extend(kubernetes_node(item, i, &mut problems));
    }
    if problems.is_empty() { Ok(Inventory { nodes }) } else { Err(problems) }
}

fn string_map(value: Option<&Value>, place: &str, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(object)) => {
            for (key, v) in object {
                match v {
                    Value::String(s) => {
                        map.insert(key.clone(), s.clone());
                    }
                    Value::Number(n) => {
                        map.insert(key.clone(), n.to_string());
                    }
                    Value::Bool(b) => {
                        map.insert(key.clone(), b.to_string());
                    }
                    _ => problems.push(format!("{place}: label `{key}` must be a string")),
                }
            }
        }
        Some(_) => problems.push(format!("{place}: labels must be a map of strings")),
    }
    map
}

fn taints(value: Option<&Value>, place: &str, problems: &mut Vec<String>) -> Vec<Taint> {
    let Some(list) = value.and_then(Value::as_array) else { return Vec::new() };
    let mut taints = Vec::new();
    for taint in list {
        let key = taint.get("key").and_then(Value::as_str);
        let effect = taint.get("effect").and_then(Value::as_str);
        match (key, effect) {
            (Some(key), Some(effect)) if matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") => taints
                .push(Taint {
                    key: key.to_string(),
                    value: taint.get("value").and_then(Value::as_str).map(str::to_string),
                    effect: effect.to_string(),
                }),
            (Some(key), Some(effect)) => {
                problems.push(format!("{place}: taint `{key}` has an unknown effect `{effect}`"))
            }
            _ => problems.push(format!("{place}: a taint needs `key` and `effect`")),
        }
    }
    taints
}

/// `allocatable`: cpu, memory and `nvidia.com/gpu` (or `gpu`), as Kubernetes quantities.
fn allocatable(value: Option<&Value>, place: &str, problems: &mut Vec<String>) -> (Option<u64>, Option<u64>, u64) {
    let Some(value) = value else { return (None, None, 0) };
    let text = |key: &str| match value.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let cpu = text("cpu").and_then(|t| {
        let (number, unit) = split_quantity(&t);
        let parsed = cpu_millicores(number, unit);
        if parsed.is_none() {
            problems.push(format!("{place}: allocatable cpu `{t}` is not a CPU quantity (`4`, `3800m`)"));
        }
        parsed
    });
    let memory = text("memory").and_then(|t| {
        let (number, unit) = split_quantity(&t);
        let parsed = memory_bytes(number, unit);
        if parsed.is_none() {
            problems.push(format!("{place}: allocatable memory `{t}` is not a memory quantity (`16Gi`, `16383912Ki`)"));
        }
        parsed
    });
    let gpus = text("nvidia.com/gpu").or_else(|| text("gpu")).map_or(0, |t| match t.parse::<u64>() {
        Ok(n) => n,
        Err(_) => {
            problems.push(format!("{place}: allocatable GPUs `{t}` is not a whole number"));
            0
        }
    });
    (cpu, memory, gpus)
}

fn kubernetes_node(item: &Value, index: usize, problems: &mut Vec<String>) -> Option<ClusterNode> {
    let Some(name) = item.pointer("/metadata/name").and_then(Value::as_str) else {
        problems.push(format!("item {}: a Node needs `metadata.name`", index + 1));
        return None;
    };
    let place = format!("node `{name}`");
    let labels = string_map(item.pointer("/metadata/labels"), &place, problems);
    let taints = taints(item.pointer("/spec/taints"), &place, problems);
    let (cpu, memory, gpus) = allocatable(item.pointer("/status/allocatable"), &place, problems);
    Some(ClusterNode { name: name.to_string(), labels, taints, cpu, memory, gpus })
}

fn native_node(item: &Value, index: usize, problems: &mut Vec<String>) -> Option<ClusterNode> {
    let Some(name) = item.get("name").and_then(Value::as_str) else {
        problems.push(format!("node {}: needs a `name`", index + 1));
        return None;
    };
    let place = format!("node `{name}`");
    let labels = string_map(item.get("labels"), &place, problems);
    let taints = taints(item.get("taints"), &place, problems);
    let (cpu, memory, gpus) = allocatable(item.get("allocatable"), &place, problems);
    Some(ClusterNode { name: name.to_string(), labels, taints, cpu, memory, gpus })
}

/// One reason a node cannot run a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The required selector at this index does not hold.
    Selector(usize),
    /// The node's taint at this index is not tolerated.
    Taint(usize),
    Cpu,
    Memory,
    Gpu,
}

/// Why one node cannot run a function (empty: it can). Cheap: no text is built here.
fn failures(node: &ClusterNode, placement: &Placement, out: &mut Vec<Failure>) {
    out.clear();
    for (i, selector) in placement.required.iter().enumerate() {
        if !selector_holds(selector, &node.labels) {
            out.push(Failure::Selector(i));
        }
    }
    for (i, taint) in node.taints.iter().enumerate() {
        if taint.effect != "PreferNoSchedule" && !placement.tolerations.iter().any(|t| tolerates(t, taint)) {
            out.push(Failure::Taint(i));
        }
    }
    let resources = &placement.resources;
    if resources.cpu.zip(node.cpu).is_some_and(|((cpu, _), available)| cpu > available) {
        out.push(Failure::Cpu);
    }
    if resources.memory.zip(node.memory).is_some_and(|((memory, _), available)| memory > available) {
        out.push(Failure::Memory);
    }
    if resources.gpu.is_some_and(|gpus| gpus > node.gpus) {
        out.push(Failure::Gpu);
    }
}

/// Whether the node can run the function (stops at the first failing rule).
fn fits(node: &ClusterNode, placement: &Placement) -> bool {
    placement.required.iter().all(|s| selector_holds(s, &node.labels))
        && node
            .taints
            .iter()
            .all(|t| t.effect == "PreferNoSchedule" || placement.tolerations.iter().any(|o| tolerates(o, t)))
        && placement.resources.cpu.zip(node.cpu).is_none_or(|((cpu, _), available)| cpu <= available)
        && placement.resources.memory.zip(node.memory).is_none_or(|((memory, _), available)| memory <= available)
        && placement.resources.gpu.is_none_or(|gpus| gpus <= node.gpus)
}

/// A failure in words: the rule, and what the node has instead; the rule's span when it has one.
fn explain(failure: Failure, node: &ClusterNode, placement: &Placement) -> (String, String, Option<Span>) {
    match failure {
        Failure::Selector(i) => {
            let selector = &placement.required[i];
            let has = node
                .labels
                .get(&selector.key)
                .map_or_else(|| format!("no `{}` label", selector.key), |v| format!("`{}={v}`", selector.key));
            let rule = format!("needs {}", describe(selector));
            (rule.clone(), format!("{rule} (has {has})"), Some(selector.span))
        }
        Failure::Taint(i) => {
            let taint = &node.taints[i];
            let value = taint.value.as_ref().map(|v| format!("={v}")).unwrap_or_default();
            let rule = format!("does not tolerate the taint `{}{value}:{}`", taint.key, taint.effect);
            (rule.clone(), format!("has the taint `{}{value}:{}`, not tolerated", taint.key, taint.effect), None)
        }
        Failure::Cpu => {
            let cpu = placement.resources.cpu.map_or(0, |(c, _)| c);
            (format!("needs cpu {cpu}m"), format!("needs cpu {cpu}m (allocatable {}m)", node.cpu.unwrap_or(0)), None)
        }
        Failure::Memory => {
            let memory = placement.resources.memory.map_or(0, |(m, _)| m);
            (
                format!("needs memory {}", bytes(memory)),
                format!("needs memory {} (allocatable {})", bytes(memory), bytes(node.memory.unwrap_or(0))),
                None,
            )
        }
        Failure::Gpu => {
            let gpus = placement.resources.gpu.unwrap_or(0);
            (
                format!("needs {gpus} GPU{}", if gpus == 1 { "" } else { "s" }),
                format!("needs {gpus} GPU{} (has {})", if gpus == 1 { "" } else { "s" }, node.gpus),
                None,
            )
        }
    }
}

fn bytes(n: u64) -> String {
    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;
    if n.is_multiple_of(GI) {
        format!("{}Gi", n / GI)
    } else if n.is_multiple_of(MI) {
        format!("{}Mi", n / MI)
    } else {
        format!("{n} bytes")
    }
}

fn describe(selector: &NodeSelector) -> String {
    match &selector.operator {
        SelectorOp::In(values) if values.len() == 1 => format!("`{} == {}`", selector.key, values[0]),
        SelectorOp::In(values) => format!("`{} in [{}]`", selector.key, values.join(", ")),
        SelectorOp::NotIn(values) if values.len() == 1 => format!("`{} != {}`", selector.key, values[0]),
        SelectorOp::NotIn(values) => format!("`{} not in [{}]`", selector.key, values.join(", ")),
        SelectorOp::Exists => format!("`{} exists`", selector.key),
        SelectorOp::DoesNotExist => format!("`{} not exists`", selector.key),
    }
}

fn selector_holds(selector: &NodeSelector, labels: &BTreeMap<String, String>) -> bool {
    let value = labels.get(&selector.key);
    match &selector.operator {
        SelectorOp::In(values) => value.is_some_and(|v| values.contains(v)),
        SelectorOp::NotIn(values) => value.is_none_or(|v| !values.contains(v)),
        SelectorOp::Exists => value.is_some(),
        SelectorOp::DoesNotExist => value.is_none(),
    }
}

fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    toleration.key == taint.key
        && toleration.effect.as_ref().is_none_or(|e| *e == taint.effect)
        && match &toleration.value {
            None => true,
            Some(value) => taint.value.as_ref() == Some(value),
        }
}

/// Per function: some node must satisfy its required node rules, tolerate its taints and have
/// the resources it requests; with a required `apart` from itself, enough such nodes (or zones)
/// for its replicas.
pub fn check(ir: &Ir, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut scratch = Vec::new();
    for index in ir.graph.node_indices() {
        let function = &ir.graph[index];
        let placement = &function.placement;
        let span = function.placement_span.unwrap_or(function.span);
        let apart_from_itself: Vec<&crate::placement::PodAffinity> = placement
            .affinity
            .iter()
            .filter(|a| a.anti && a.weight.is_none() && a.function == function.function)
            .collect();
        // The common case is fast: stop at the first node that fits, unless replicas must be
        // counted across nodes.
        if apart_from_itself.is_empty() && inventory.nodes.iter().any(|node| fits(node, placement)) {
            continue;
        }
        let fit: Vec<&ClusterNode> = inventory.nodes.iter().filter(|node| fits(node, placement)).collect();
        if fit.is_empty() {
            diagnostics.push(infeasible(function, span, inventory, &mut scratch));
            continue;
        }
        let replicas = match &placement.replicas {
            crate::placement::Replicas::Fixed(n) => *n,
            crate::placement::Replicas::Autoscale { min, .. } => *min,
        };
        for affinity in apart_from_itself {
            let domains: BTreeSet<&str> = fit
                .iter()
                .map(|node| {
                    if affinity.topology == "kubernetes.io/hostname" {
                        node.labels.get(&affinity.topology).map_or(node.name.as_str(), String::as_str)
                    } else {
                        node.labels.get(&affinity.topology).map_or("", String::as_str)
                    }
                })
                .filter(|d| !d.is_empty())
                .collect();
            if (domains.len() as u32) < replicas {
                let by =
                    if affinity.topology == "kubernetes.io/hostname" { "host" } else { affinity.topology.as_str() };
                diagnostics.push(
                    Diagnostic::new(
                        Code::E0410,
                        format!("{replicas} replicas of `{}` cannot all run apart by {by}", function.name),
                        affinity.span,
                        format!("only {} {} can run it", domains.len(), if by == "host" { "nodes" } else { "domains" }),
                    )
                    .with_note(format!(
                        "it can run on {}",
                        fit.iter().map(|n| format!("`{}`", n.name)).collect::<Vec<_>>().join(", ")
                    ))
                    .with_help("lower the replicas, make `apart` a preference, or add nodes"),
                );
            }
        }
    }
    diagnostics
}

/// E0409: the rule most nodes fail, and the three nodes that come closest with what they lack.
fn infeasible(function: &crate::ir::Node, span: Span, inventory: &Inventory, scratch: &mut Vec<Failure>) -> Diagnostic {
    let placement = &function.placement;
    let mut ranked: Vec<(usize, &ClusterNode)> = Vec::with_capacity(inventory.nodes.len());
    // Counted by rule; a taint is counted by what it is, whichever node carries it. The first
    // node that fails a rule explains it.
    let mut counts: BTreeMap<(u8, usize, &str), (usize, &ClusterNode, Failure)> = BTreeMap::new();
    for node in &inventory.nodes {
        failures(node, placement, scratch);
        for failure in scratch.iter() {
            let key = match failure {
                Failure::Selector(i) => (0, *i, ""),
                Failure::Taint(i) => (1, 0, node.taints[*i].key.as_str()),
                Failure::Cpu => (2, 0, ""),
                Failure::Memory => (3, 0, ""),
                Failure::Gpu => (4, 0, ""),
            };
            counts.entry(key).or_insert((0, node, *failure)).0 += 1;
        }
        ranked.push((scratch.len(), node));
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let culprit = counts.values().rev().max_by_key(|(n, _, _)| *n).map(|(n, node, failure)| {
        format!("{}: {n} of {} nodes fail it", explain(*failure, node, placement).0, inventory.nodes.len())
    });
    let mut diagnostic = Diagnostic::new(
        Code::E0409,
        format!("no node of the cluster can run `{}`", function.name),
        span,
        culprit.unwrap_or_else(|| "the cluster has no nodes".to_string()),
    );
    let mut labelled = BTreeSet::new();
    for (_, node) in ranked.iter().take(3) {
        failures(node, placement, scratch);
        let explained: Vec<(String, String, Option<Span>)> =
            scratch.iter().map(|f| explain(*f, node, placement)).collect();
        let reasons: Vec<&str> = explained.iter().map(|(_, detail, _)| detail.as_str()).collect();
        diagnostic = diagnostic.with_note(format!("node `{}` {}", node.name, reasons.join("; ")));
        for (rule, _, rule_span) in &explained {
            if let Some(rule_span) = rule_span
                && labelled.insert((rule_span.file, rule_span.start, rule_span.end))
            {
                diagnostic = diagnostic.with_secondary(*rule_span, rule.clone());
            }
        }
    }
    diagnostic.with_help(
        "relax the rule, or add or relabel nodes (feasibility is per function: it does not pack all functions at once)",
    )
}

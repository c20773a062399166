//! Placement rules: resolved from `place` items into `placement::Placement` per function,
//! validated (quantities, counts, weights, label syntax), and checked for contradictions within
//! a function and between functions required to share a host.

use std::collections::{BTreeSet, HashMap};

use smol_str::SmolStr;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::placement::*;
use crate::sema::{DefId, DefKind, Sema};
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, ItemKind, LabelKey, LabelOp, LabelValue, Quantity, RuleKind, Strength};

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
const BUDGETS: &[&str] = &["min_available", "max_unavailable"];
const RESOURCES: &[&str] = &["cpu", "memory", "gpu"];

/// Resolves every top-level `place` item; the result is in `sema.placements`.
pub(crate) fn check(sema: &mut Sema<'_>) {
    let app = sema.app;
    let mut first_block: HashMap<DefId, Span> = HashMap::new();
    for (module, loaded) in app.modules.iter().enumerate() {
        if sema.is_std(module) {
            continue;
        }
        for item in &loaded.ast.items {
            let ItemKind::Place(place) = &item.kind else { continue };
            let Some(def) = sema.lookup(module, &place.target.text) else { continue };
            if sema.def(def).kind != DefKind::Fn {
                continue;
            }
            if let Some(first) = first_block.get(&def) {
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0401,
                        format!("`{}` is placed twice", place.target.text),
                        place.target.span,
                        "a second `place` block",
                    )
                    .with_secondary(*first, "the first one")
                    .with_help("merge the rules into one `place` block (profiles may override it)"),
                );
                continue;
            }
            first_block.insert(def, place.target.span);
            let (placement, _) = resolve(sema, place);
            sema.placements.insert(def, (placement, place.target.span));
        }
    }
    // A profile's `place` blocks override the rules they name.
    if let Some(profile) = sema.profile.clone() {
        let mut names: Vec<&SmolStr> = profile.places.keys().collect();
        names.sort();
        for name in names {
            let Some(def) = sema.lookup(profile.module, name) else { continue };
            if sema.def(def).kind != DefKind::Fn {
                continue;
            }
            for place in &profile.places[name] {
                let (over, given) = resolve(sema, place);
                let (base, span) = sema.placements.remove(&def).unwrap_or((Placement::default(), place.target.span));
                sema.placements.insert(def, (merge(base, over, given), span));
            }
        }
    }
    let mut checked: Vec<(DefId, Placement)> = sema.placements.iter().map(|(d, (p, _))| (*d, p.clone())).collect();
    checked.sort_by_key(|(d, _)| *d);
    for (def, placement) in checked {
        let name = sema.def(def).name.to_string();
        check_contradictions(sema, &placement, &name);
    }
    check_shared_hosts(sema);
}

/// Which single-valued rules a `place` block gave.
#[derive(Debug, Clone, Copy, Default)]
struct Given {
    replicas: bool,
    budget: bool,
}

/// A profile's rules over the app's: a rule replaces those of the same kind about the same
/// thing (the same label key, function, topology, taint key or resource).
fn merge(mut base: Placement, over: Placement, given: Given) -> Placement {
    base.required.retain(|b| !over.required.iter().any(|o| o.key == b.key));
    base.required.extend(over.required);
    base.preferred.retain(|(_, b)| !over.preferred.iter().any(|(_, o)| o.key == b.key));
    base.preferred.extend(over.preferred);
    base.affinity.retain(|b| !over.affinity.iter().any(|o| o.function == b.function));
    base.affinity.extend(over.affinity);
    base.spread.retain(|b| !over.spread.iter().any(|o| o.topology == b.topology));
    base.spread.extend(over.spread);
    base.tolerations.retain(|b| !over.tolerations.iter().any(|o| o.key == b.key));
    base.tolerations.extend(over.tolerations);
    base.resources.cpu = over.resources.cpu.or(base.resources.cpu);
    base.resources.memory = over.resources.memory.or(base.resources.memory);
    base.resources.gpu = over.resources.gpu.or(base.resources.gpu);
    if given.replicas {
        base.replicas = over.replicas;
    }
    if given.budget {
        base.budget = over.budget;
    }
    base
}

/// One function's rules.
fn resolve(sema: &mut Sema<'_>, place: &ast::PlaceItem) -> (Placement, Given) {
    let mut placement = Placement::default();
    let mut replicas_span: Option<Span> = None;
    let mut budget_span: Option<Span> = None;
    let mut resources_seen: HashMap<String, Span> = HashMap::new();
    for rule in &place.rules {
        match &rule.kind {
            RuleKind::Node { strength, cond } => {
                let Some(selector) = selector(sema, cond) else { continue };
                match strength {
                    Strength::Required => placement.required.push(selector),
                    Strength::Preferred { weight, .. } => {
                        let weight = weight_value(sema, weight.as_ref());
                        placement.preferred.push((weight, selector));
                    }
                }
            }
            RuleKind::Near { strength, target, by } | RuleKind::Apart { strength, target, by } => {
                let anti = matches!(rule.kind, RuleKind::Apart { .. });
                if !anti && target.text == place.target.text {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0402, format!("`{}` is placed near itself", target.text), target.span, "its own pods")
                            .with_help("`near` is about another function; to keep this function's own replicas on different hosts write `apart` with its name, or `spread by host`"),
                    );
                    continue;
                }
                let topology =
                    by.as_ref().map_or_else(|| "kubernetes.io/hostname".to_string(), |key| topology_key(sema, key));
                let weight = match strength {
                    Strength::Required => None,
                    Strength::Preferred { weight, .. } => Some(weight_value(sema, weight.as_ref())),
                };
                placement.affinity.push(PodAffinity {
                    function: target.text.to_string(),
                    anti,
                    weight,
                    topology,
                    span: rule.span,
                });
            }
            RuleKind::Spread { strength, by, skew } => {
                let topology = topology_key(sema, by);
                let max_skew = match skew {
                    None => 1,
                    Some(skew) if skew.value >= 1 && skew.value <= i64::from(u32::MAX) => skew.value as u32,
                    Some(skew) => {
                        sema.diagnostics.push(
                            Diagnostic::new(Code::E0405, "a skew is at least 1", skew.span, "out of range").with_note(
                                "the skew is the largest allowed difference in replicas between two topology domains",
                            ),
                        );
                        1
                    }
                };
                placement.spread.push(Spread {
                    topology,
                    max_skew,
                    required: matches!(strength, Strength::Required),
                    span: rule.span,
                });
            }
            RuleKind::Tolerate { key, value, effect } => {
                let key = label_key_text(sema, key);
                let value = value.as_ref().map(|v| label_value_text(sema, v));
                let effect = effect.as_ref().and_then(|e| {
                    if EFFECTS.contains(&e.text.as_str()) {
                        return Some(e.text.to_string());
                    }
                    let mut diagnostic = Diagnostic::new(
                        Code::E0404,
                        format!("`{}` is not a taint effect", e.text),
                        e.span,
                        "not an effect",
                    )
                    .with_note("the effects are `NoSchedule`, `PreferNoSchedule` and `NoExecute`");
                    if let Some(s) = closest(&e.text, EFFECTS.iter().copied()) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                    }
                    sema.diagnostics.push(diagnostic);
                    None
                });
                placement.tolerations.push(Toleration { key, value, effect, span: rule.span });
            }
            RuleKind::Resources(resources) => {
                for resource in resources {
                    if let Some(first) = resources_seen.insert(resource.name.text.to_string(), resource.name.span) {
                        sema.diagnostics.push(
                            Diagnostic::new(
                                Code::E0401,
                                format!("`{}` is given twice", resource.name.text),
                                resource.name.span,
                                "given again here",
                            )
                            .with_secondary(first, "first given here"),
                        );
                        continue;
                    }
                    match resource.name.text.as_str() {
                        "cpu" => {
                            let request = cpu_millicores(sema, &resource.request);
                            let limit = resource.limit.as_ref().and_then(|l| cpu_millicores(sema, l));
                            if let Some(request) = request {
                                check_limit(sema, resource, request, limit);
                                placement.resources.cpu = Some((request, limit));
                            }
                        }
                        "memory" => {
                            let request = memory_bytes(sema, &resource.request);
                            let limit = resource.limit.as_ref().and_then(|l| memory_bytes(sema, l));
                            if let Some(request) = request {
                                check_limit(sema, resource, request, limit);
                                placement.resources.memory = Some((request, limit));
                            }
                        }
                        "gpu" => {
                            if let Some(limit) = &resource.limit {
                                sema.diagnostics.push(
                                    Diagnostic::new(
                                        Code::E0404,
                                        "GPUs have no separate limit",
                                        limit.span,
                                        "the request is the limit",
                                    )
                                    .with_help("write `gpu 1`"),
                                );
                            }
                            placement.resources.gpu = count(sema, &resource.request, "a GPU count", 1);
                        }
                        other => {
                            let mut diagnostic = Diagnostic::new(
                                Code::E0404,
                                format!("`{other}` is not a resource"),
                                resource.name.span,
                                "unknown resource",
                            )
                            .with_note("the resources are `cpu`, `memory` and `gpu`");
                            if let Some(s) = closest(other, RESOURCES.iter().copied()) {
                                diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                            }
                            sema.diagnostics.push(diagnostic);
                        }
                    }
                }
            }
            RuleKind::Replicas { min, max, when } => {
                if let Some(first) = replicas_span.replace(rule.span) {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0401, "`replicas` is given twice", rule.span, "given again here")
                            .with_secondary(first, "first given here"),
                    );
                    continue;
                }
                placement.replicas = replicas(sema, min, max.as_ref(), when);
            }
            RuleKind::Budget { kind, value } => {
                if let Some(first) = budget_span.replace(rule.span) {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0401, "`budget` is given twice", rule.span, "given again here")
                            .with_secondary(first, "first given here"),
                    );
                    continue;
                }
                let Some(amount) = amount(sema, value) else { continue };
                placement.budget = match kind.text.as_str() {
                    "min_available" => Some(Budget::MinAvailable(amount)),
                    "max_unavailable" => Some(Budget::MaxUnavailable(amount)),
                    other => {
                        let mut diagnostic = Diagnostic::new(
                            Code::E0404,
                            format!("`{other}` is not a disruption budget"),
                            kind.span,
                            "unknown budget",
                        )
                        .with_note("a budget is `min_available N` or `max_unavailable N`, N a count or a percentage");
                        if let Some(s) = closest(other, BUDGETS.iter().copied()) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                        }
                        sema.diagnostics.push(diagnostic);
                        None
                    }
                };
            }
            RuleKind::Error => {}
        }
    }
    let given = Given { replicas: replicas_span.is_some(), budget: budget_span.is_some() };
    (placement, given)
}

fn weight_value(sema: &mut Sema<'_>, weight: Option<&ast::IntLit>) -> u8 {
    match weight {
        None => 50,
        Some(w) if (1..=100).contains(&w.value) => w.value as u8,
        Some(w) => {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0405,
                    format!("weight {} is out of range", w.value),
                    w.span,
                    "weights go from 1 to 100",
                )
                .with_help("a higher weight makes the preference count more; without `weight` it is 50"),
            );
            50
        }
    }
}

fn label_key_text(sema: &mut Sema<'_>, key: &LabelKey) -> String {
    let (text, span) = match key {
        LabelKey::Name(name) => (label_key(&name.text).to_string(), name.span),
        LabelKey::Str(s) => match s.as_plain() {
            Some(text) => (text, s.span),
            None => {
                sema.diagnostics.push(Diagnostic::new(
                    Code::E0406,
                    "a label key is a plain string",
                    s.span,
                    "contains `${...}`",
                ));
                return String::new();
            }
        },
    };
    if !is_label_key(&text) {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0406, format!("`{text}` is not a valid label key"), span, "not a Kubernetes label key")
                .with_help("a label key is `name` or `prefix/name`: the name at most 63 letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit; the prefix a DNS subdomain"),
        );
    }
    text
}

fn topology_key(sema: &mut Sema<'_>, key: &LabelKey) -> String {
    label_key_text(sema, key)
}

fn label_value_text(sema: &mut Sema<'_>, value: &LabelValue) -> String {
    let text = value.text.to_string();
    if !is_label_value(&text) {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0406, format!("`{text}` is not a valid label value"), value.span, "not a Kubernetes label value")
                .with_help("a label value is at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or empty)"),
        );
    }
    text
}

fn selector(sema: &mut Sema<'_>, cond: &ast::LabelCond) -> Option<NodeSelector> {
    let key = label_key_text(sema, &cond.key);
    let mut values = |list: &[LabelValue]| list.iter().map(|v| label_value_text(sema, v)).collect::<Vec<_>>();
    let operator = match &cond.op {
        LabelOp::Eq(v) => SelectorOp::In(values(std::slice::from_ref(v))),
        LabelOp::NotEq(v) => SelectorOp::NotIn(values(std::slice::from_ref(v))),
        LabelOp::In(list) if list.is_empty() => {
            sema.diagnostics.push(
                Diagnostic::new(Code::E0403, "`in []` matches no node", cond.span, "an empty list")
                    .with_help("list the values a node may have"),
            );
            return None;
        }
        LabelOp::In(list) => SelectorOp::In(values(list)),
        LabelOp::NotIn(list) => SelectorOp::NotIn(values(list)),
        LabelOp::Exists => SelectorOp::Exists,
        LabelOp::NotExists => SelectorOp::DoesNotExist,
    };
    Some(NodeSelector { key, operator, span: cond.span })
}

/// Label keys: an optional DNS-subdomain prefix and `/`, then a name.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(|p| !p.is_empty() && crate::sema::flow::is_dns_1123_subdomain(p))
        && !name.is_empty()
        && is_label_value(name)
}

/// Label values (and key names): at most 63 characters `[A-Za-z0-9-_.]`, alphanumeric at both ends.
pub fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
}

fn number(q: &Quantity) -> Option<f64> {
    q.number.replace('_', "").parse::<f64>().ok().filter(|n| n.is_finite())
}

fn cpu_millicores(sema: &mut Sema<'_>, q: &Quantity) -> Option<u64> {
    let millicores = crate::placement::cpu_millicores(&q.number, &q.unit);
    if millicores.is_none() {
        sema.diagnostics.push(
            Diagnostic::new(
                Code::E0404,
                format!("`{}{}` is not a CPU amount", q.number, q.unit),
                q.span,
                "not a CPU amount",
            )
            .with_note("CPU is written in cores (`2`, `0.5`) or millicores (`100m`, `1500m`), at least `1m`"),
        );
    }
    millicores
}

fn memory_bytes(sema: &mut Sema<'_>, q: &Quantity) -> Option<u64> {
    let bytes = crate::placement::memory_bytes(&q.number, &q.unit);
    if bytes.is_none() {
        let mut diagnostic = Diagnostic::new(Code::E0404, format!("`{}{}` is not a memory amount", q.number, q.unit), q.span, "not a memory amount")
            .with_note("memory is written with a unit: `64Mi`, `1.5Gi`, `512Ki` (powers of 1024) or `500M`, `2G` (powers of 1000), or in bytes");
        if matches!(q.unit.as_str(), "m" | "mi" | "gi" | "mb" | "gb") {
            diagnostic = diagnostic.with_help(
                "units are case-sensitive: `Mi` and `Gi` for powers of 1024, `M` and `G` for powers of 1000",
            );
        }
        sema.diagnostics.push(diagnostic);
    }
    bytes
}

/// A whole count of at least `minimum`, without a unit.
fn count(sema: &mut Sema<'_>, q: &Quantity, what: &str, minimum: u64) -> Option<u64> {
    let value =
        number(q).filter(|n| q.unit.is_empty() && n.fract() == 0.0 && *n >= minimum as f64 && *n <= u32::MAX as f64);
    if value.is_none() {
        sema.diagnostics.push(Diagnostic::new(
            Code::E0404,
            format!("`{}{}` is not {what}", q.number, q.unit),
            q.span,
            format!("a whole number of at least {minimum} without a unit"),
        ));
    }
    value.map(|v| v as u64)
}

fn amount(sema: &mut Sema<'_>, q: &Quantity) -> Option<Amount> {
    let value = number(q).filter(|n| n.fract() == 0.0 && *n >= 0.0);
    match (q.unit.as_str(), value) {
        ("", Some(n)) if n <= u32::MAX as f64 => Some(Amount::Count(n as u32)),
        ("%", Some(n)) if n <= 100.0 => Some(Amount::Percent(n as u32)),
        _ => {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0404,
                    format!("`{}{}` is not a pod count or percentage", q.number, q.unit),
                    q.span,
                    "not a count or percentage",
                )
                .with_note("write a whole number of pods (`1`) or a percentage from 0% to 100% (`25%`)"),
            );
            None
        }
    }
}

fn check_limit(sema: &mut Sema<'_>, resource: &ast::Resource, request: u64, limit: Option<u64>) {
    if let (Some(limit), Some(limit_span)) = (limit, resource.limit.as_ref().map(|l| l.span))
        && limit < request
    {
        sema.diagnostics.push(
            Diagnostic::new(
                Code::E0404,
                format!("the {} limit is below the request", resource.name.text),
                limit_span,
                "the limit",
            )
            .with_secondary(resource.request.span, "the request")
            .with_help("write `request..limit` with the limit at least the request"),
        );
    }
}

fn replicas(sema: &mut Sema<'_>, min: &ast::IntLit, max: Option<&ast::IntLit>, when: &[ast::MetricTarget]) -> Replicas {
    let Some(max) = max else {
        if !(0..=i64::from(u32::MAX)).contains(&min.value) {
            sema.diagnostics.push(Diagnostic::new(
                Code::E0405,
                format!("{} replicas is out of range", min.value),
                min.span,
                "not a replica count",
            ));
            return Replicas::Fixed(1);
        }
        return Replicas::Fixed(min.value as u32);
    };
    let mut valid = true;
    if min.value < 1 {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0405, "an autoscaled function keeps at least 1 replica", min.span, "the minimum")
                .with_help("Kubernetes autoscaling never goes below one pod: write `replicas 1..N`, or `replicas 0` to stop the function"),
        );
        valid = false;
    }
    if max.value < min.value {
        sema.diagnostics.push(
            Diagnostic::new(
                Code::E0405,
                format!("the replica range {}..{} is empty", min.value, max.value),
                max.span,
                "the maximum is below the minimum",
            )
            .with_secondary(min.span, "the minimum")
            .with_help(format!("write `replicas {}..{}`", max.value, min.value)),
        );
        valid = false;
    }
    if max.value > i64::from(u32::MAX) {
        valid = false;
    }
    let mut targets = Vec::new();
    let mut seen_metrics: HashMap<String, Span> = HashMap::new();
    for target in when {
        let metric = target.metric.text.to_string();
        if let Some(first) = seen_metrics.insert(metric.clone(), target.metric.span) {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0401,
                    format!("a target for `{metric}` is given twice"),
                    target.metric.span,
                    "given again here",
                )
                .with_secondary(first, "first given here"),
            );
            continue;
        }
        let value = number(&target.target);
        let percent = target.target.unit == "%";
        match (metric.as_str(), percent, value) {
            ("cpu" | "memory", true, Some(p)) if p >= 1.0 && p.fract() == 0.0 => {
                targets.push(MetricTarget { metric, utilization_percent: Some(p as u32), average_value: None });
            }
            ("cpu" | "memory", _, _) => sema.diagnostics.push(
                Diagnostic::new(Code::E0405, format!("a {metric} target is a whole percentage of at least 1%"), target.target.span, "not such a percentage")
                    .with_help(format!("write the average utilisation to keep: `{metric} > 70%`")),
            ),
            (_, false, Some(v)) if v > 0.0 && target.target.unit.is_empty() => {
                targets.push(MetricTarget { metric, utilization_percent: None, average_value: Some(v) });
            }
            _ => sema.diagnostics.push(
                Diagnostic::new(Code::E0405, format!("`{}` is not a target for `{metric}`", target.target.number.to_string() + &target.target.unit), target.target.span, "not a target")
                    .with_note("`cpu` and `memory` take a percentage (`cpu > 70%`); any other metric a positive plain number, its average value per pod (`requests_per_second > 100`)"),
            ),
        }
    }
    if !valid {
        return Replicas::Fixed(min.value.clamp(1, 1) as u32);
    }
    Replicas::Autoscale { min: min.value as u32, max: max.value as u32, targets }
}

/// The values a node's label may have under some required selectors.
#[derive(Default, Clone)]
struct Allowed {
    /// `Some`: only these values (and where that was said); `None`: any.
    values: Option<(BTreeSet<String>, Span)>,
    excluded: Vec<(String, Span)>,
    exists: Option<Span>,
    absent: Option<Span>,
}

impl Allowed {
    /// Adds a selector; returns the span of an earlier rule it contradicts.
    fn add(&mut self, selector: &NodeSelector) -> Option<Span> {
        match &selector.operator {
            SelectorOp::In(list) => {
                if let Some(absent) = self.absent {
                    return Some(absent);
                }
                let mut set: BTreeSet<String> = list.iter().cloned().collect();
                if let Some((previous, span)) = &self.values {
                    set = set.intersection(previous).cloned().collect();
                    if set.is_empty() {
                        return Some(*span);
                    }
                }
                if let Some((_, span)) = self.excluded.iter().find(|(v, _)| set.contains(v) && set.len() == 1) {
                    return Some(*span);
                }
                set.retain(|v| !self.excluded.iter().any(|(e, _)| e == v));
                if set.is_empty() {
                    return self.excluded.first().map(|(_, s)| *s);
                }
                self.values = Some((set, selector.span));
            }
            SelectorOp::NotIn(list) => {
                if let Some((values, span)) = &mut self.values {
                    values.retain(|v| !list.contains(v));
                    if values.is_empty() {
                        return Some(*span);
                    }
                }
                self.excluded.extend(list.iter().map(|v| (v.clone(), selector.span)));
            }
            SelectorOp::Exists => {
                if let Some(absent) = self.absent {
                    return Some(absent);
                }
                self.exists = Some(selector.span);
            }
            SelectorOp::DoesNotExist => {
                if let Some(span) = self.exists.or(self.values.as_ref().map(|(_, s)| *s)) {
                    return Some(span);
                }
                self.absent = Some(selector.span);
            }
        }
        None
    }
}

fn allowed_by_key(placement: &Placement) -> (HashMap<String, Allowed>, Vec<(Span, Span)>) {
    let mut keys: HashMap<String, Allowed> = HashMap::new();
    let mut conflicts = Vec::new();
    for selector in &placement.required {
        let allowed = keys.entry(selector.key.clone()).or_default();
        if let Some(earlier) = allowed.add(selector) {
            conflicts.push((selector.span, earlier));
        }
    }
    (keys, conflicts)
}

fn check_contradictions(sema: &mut Sema<'_>, placement: &Placement, name: &str) {
    let (_, conflicts) = allowed_by_key(placement);
    for (span, earlier) in conflicts {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0403, format!("no node can satisfy the rules of `{name}`"), span, "this rule")
                .with_secondary(earlier, "contradicts this one")
                .with_help("a required rule (`on`) must hold together with every other; make one of them `prefer`, or remove it"),
        );
    }
    for (i, a) in placement.affinity.iter().enumerate() {
        for b in &placement.affinity[i + 1..] {
            // The same host is also the same zone and region: near by host contradicts apart by anything.
            let (near, apart) = if a.anti { (b, a) } else { (a, b) };
            let overlapping = near.topology == apart.topology || near.topology == "kubernetes.io/hostname";
            if a.function == b.function && a.anti != b.anti && a.weight.is_none() && b.weight.is_none() && overlapping {
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0403,
                        format!("`{name}` must be both near and apart from `{}`", a.function),
                        b.span,
                        "this rule",
                    )
                    .with_secondary(a.span, "contradicts this one")
                    .with_help("keep one of them, or make one `prefer`"),
                );
            }
        }
    }
}

/// A required `near f by host` means both functions run on the same node: their required
/// node rules must allow a common node.
fn check_shared_hosts(sema: &mut Sema<'_>) {
    let placements: Vec<(DefId, Placement, Span)> =
        sema.placements.iter().map(|(d, (p, s))| (*d, p.clone(), *s)).collect();
    let by_name: HashMap<String, (DefId, Placement)> =
        placements.iter().map(|(d, p, _)| (sema.def(*d).name.to_string(), (*d, p.clone()))).collect();
    let mut reported = BTreeSet::new();
    for (def, placement, _) in &placements {
        let name = sema.def(*def).name.to_string();
        for affinity in placement
            .affinity
            .iter()
            .filter(|a| !a.anti && a.weight.is_none() && a.topology == "kubernetes.io/hostname")
        {
            let Some((_, other)) = by_name.get(&affinity.function) else { continue };
            let mut combined = placement.clone();
            combined.required.extend(other.required.iter().cloned());
            let (_, conflicts) = allowed_by_key(&combined);
            // Only conflicts between the two functions' rules: each one's own are reported apart.
            let own: BTreeSet<(u32, u32, u32)> =
                placement.required.iter().map(|s| (s.span.file.0, s.span.start, s.span.end)).collect();
            let mine = |span: Span| own.contains(&(span.file.0, span.start, span.end));
            for (span, earlier) in conflicts {
                let pair = (span.start.min(earlier.start), span.start.max(earlier.start));
                if mine(span) == mine(earlier) || !reported.insert(pair) {
                    continue;
                }
                let (earlier, span) = if mine(earlier) { (earlier, span) } else { (span, earlier) };
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0403,
                        format!("`{name}` must share a host with `{}`, but no node satisfies both", affinity.function),
                        affinity.span,
                        "required to run on the same host",
                    )
                    .with_secondary(earlier, format!("a rule of `{name}`"))
                    .with_secondary(span, format!("a rule of `{}`", affinity.function))
                    .with_help("relax one of the node rules, or make `near` a preference: `prefer near ...`"),
                );
            }
        }
    }
}

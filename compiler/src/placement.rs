//! Placement as the IR carries it: where a function's pods may or should run, and how many.
//! Label keys are the real Kubernetes keys (aliases resolved); quantities are numbers in
//! Kubernetes units.

use std::fmt::Write;

use crate::span::Span;

/// A node label condition, in Kubernetes terms (`In`, `NotIn`, `Exists`, `DoesNotExist`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSelector {
    pub key: String,
    pub operator: SelectorOp,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorOp {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

/// `near` (affinity) or `apart` (anti-affinity) with another function's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodAffinity {
    /// The other function, as declared (every instance of it counts).
    pub function: String,
    pub anti: bool,
    /// `None`: required; `Some(weight)`: preferred.
    pub weight: Option<u8>,
    /// The topology key: `kubernetes.io/hostname` by default.
    pub topology: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    pub topology: String,
    pub max_skew: u32,
    /// `false` for `prefer spread` (Kubernetes `ScheduleAnyway`).
    pub required: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    /// `None`: the `Exists` operator; `Some(value)`: `Equal`.
    pub value: Option<String>,
    pub effect: Option<String>,
    pub span: Span,
}

/// Requests and limits: cpu in millicores, memory in bytes, GPUs as a count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu: Option<(u64, Option<u64>)>,
    pub memory: Option<(u64, Option<u64>)>,
    pub gpu: Option<u64>,
}

/// An autoscaling target: a resource's average utilisation in percent, or any other metric's
/// average value per pod.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricTarget {
    pub metric: String,
    pub utilization_percent: Option<u32>,
    pub average_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Replicas {
    Fixed(u32),
    Autoscale { min: u32, max: u32, targets: Vec<MetricTarget> },
}

/// A count or a percentage of the pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    MinAvailable(Amount),
    MaxUnavailable(Amount),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub required: Vec<NodeSelector>,
    pub preferred: Vec<(u8, NodeSelector)>,
    pub affinity: Vec<PodAffinity>,
    pub spread: Vec<Spread>,
    pub tolerations: Vec<Toleration>,
    pub resources: Resources,
    pub replicas: Replicas,
    pub budget: Option<Budget>,
}

impl Default for Placement {
    fn default() -> Placement {
        Placement {
            required: Vec::new(),
            preferred: Vec::new(),
            affinity: Vec::new(),
            spread: Vec::new(),
            tolerations: Vec::new(),
            resources: Resources::default(),
            replicas: Replicas::Fixed(1),
            budget: None,
        }
    }
}

/// The Kubernetes label key behind a placement alias.
pub fn label_key(alias: &str) -> &str {
    match alias {
        "zone" => "topology.kubernetes.io/zone",
        "region" => "topology.kubernetes.io/region",
        "host" => "kubernetes.io/hostname",
        "arch" => "kubernetes.io/arch",
        "os" => "kubernetes.io/os",
        other => other,
    }
}

fn selector_text(selector: &NodeSelector) -> String {
    match &selector.operator {
        SelectorOp::In(values) if values.len() == 1 => format!("{} == {:?}", selector.key, values[0]),
        SelectorOp::In(values) => format!("{} in {values:?}", selector.key),
        SelectorOp::NotIn(values) if values.len() == 1 => format!("{} != {:?}", selector.key, values[0]),
        SelectorOp::NotIn(values) => format!("{} not in {values:?}", selector.key),
        SelectorOp::Exists => format!("{} exists", selector.key),
        SelectorOp::DoesNotExist => format!("{} not exists", selector.key),
    }
}

impl Placement {
    /// Lines for the IR listing (nothing for the defaults but the replica count).
    pub fn render(&self, out: &mut String) {
        match &self.replicas {
            Replicas::Fixed(n) => {
                let _ = writeln!(out, "  replicas: {n}");
            }
            Replicas::Autoscale { min, max, targets } => {
                let shown: Vec<String> = targets
                    .iter()
                    .map(|t| match (t.utilization_percent, t.average_value) {
                        (Some(p), _) => format!("{} {p}%", t.metric),
                        (None, Some(v)) => format!("{} {v}", t.metric),
                        (None, None) => t.metric.clone(),
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "  replicas: {min}..{max} autoscaled on {}",
                    if shown.is_empty() { "cpu 80% (default)".to_string() } else { shown.join(", ") }
                );
            }
        }
        for selector in &self.required {
            let _ = writeln!(out, "  on {}", selector_text(selector));
        }
        for (weight, selector) in &self.preferred {
            let _ = writeln!(out, "  prefer {} weight {weight}", selector_text(selector));
        }
        for affinity in &self.affinity {
            let strength = match affinity.weight {
                None => String::new(),
                Some(w) => format!("prefer (weight {w}) "),
            };
            let _ = writeln!(
                out,
                "  {strength}{} {} by {}",
                if affinity.anti { "apart" } else { "near" },
                affinity.function,
                affinity.topology
            );
        }
        for spread in &self.spread {
            let _ = writeln!(
                out,
                "  {}spread by {} skew {}",
                if spread.required { "" } else { "prefer " },
                spread.topology,
                spread.max_skew
            );
        }
        for toleration in &self.tolerations {
            let what = match &toleration.value {
                Some(v) => format!("{} == {v:?}", toleration.key),
                None => format!("{} exists", toleration.key),
            };
            let _ = writeln!(
                out,
                "  tolerate {what}{}",
                toleration.effect.as_ref().map(|e| format!(" effect {e}")).unwrap_or_default()
            );
        }
        let r = &self.resources;
        let pair = |(request, limit): (u64, Option<u64>), unit: &str| match limit {
            Some(l) => format!("{request}{unit}..{l}{unit}"),
            None => format!("{request}{unit}"),
        };
        let mut parts = Vec::new();
        if let Some(cpu) = r.cpu {
            parts.push(format!("cpu {}", pair(cpu, "m")));
        }
        if let Some(memory) = r.memory {
            parts.push(format!("memory {}", pair(memory, "B")));
        }
        if let Some(gpu) = r.gpu {
            parts.push(format!("gpu {gpu}"));
        }
        if !parts.is_empty() {
            let _ = writeln!(out, "  resources: {}", parts.join(", "));
        }
        if let Some(budget) = &self.budget {
            let amount = |a: &Amount| match a {
                Amount::Count(n) => n.to_string(),
                Amount::Percent(p) => format!("{p}%"),
            };
            let shown = match budget {
                Budget::MinAvailable(a) => format!("min_available {}", amount(a)),
                Budget::MaxUnavailable(a) => format!("max_unavailable {}", amount(a)),
            };
            let _ = writeln!(out, "  budget: {shown}");
        }
    }
}

/// CPU in millicores from a number and a unit (`100` `m`, `0.5` ``), at least 1m.
pub fn cpu_millicores(number: &str, unit: &str) -> Option<u64> {
    let value: f64 = number.replace('_', "").parse().ok()?;
    let millicores = match unit {
        "m" => value,
        "" => value * 1000.0,
        _ => return None,
    };
    (millicores.is_finite() && millicores >= 1.0 && millicores.fract() == 0.0).then_some(millicores as u64)
}

/// Memory in bytes from a number and a unit (`64` `Mi`, `2` `G`, `1048576` ``).
pub fn memory_bytes(number: &str, unit: &str) -> Option<u64> {
    let factor: f64 = match unit {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number.replace('_', "").parse::<f64>().ok()? * factor;
    (bytes >= 1.0 && bytes.fract() == 0.0 && bytes < 1e18).then_some(bytes as u64)
}

/// Splits `"3800m"` into `("3800", "m")`.
pub fn split_quantity(text: &str) -> (&str, &str) {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(text.len());
    (&text[..split], &text[split..])
}

//! The IR: the app's dataflow as a petgraph graph of function instances and typed edges. It is
//! the single input of every back end (manifests, runtime config, `dync graph`).

use std::collections::HashMap;
use std::fmt::Write;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::sema::DefId;
use crate::sema::ty::Ty;
use crate::span::Span;
use crate::syntax::ast::Expr;

/// What a node does in the dataflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Takes no message (`source fn`).
    Source,
    Transform,
    /// Returns nothing.
    Sink,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Transform => "transform",
            Role::Sink => "sink",
        }
    }
}

/// An `env` value of a handler.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    Literal(String),
    Secret { name: String, key: String },
}

/// How a node computes its output.
#[derive(Debug, Clone)]
pub enum Body {
    /// An expression over the named parameters (the message first).
    Expr { params: Vec<String>, expr: Expr },
    /// A user program.
    Handler { exec: Option<String>, image: Option<String>, env: Vec<(String, EnvValue)> },
    /// Implemented by the runtime.
    Intrinsic { id: String },
}

/// A setting of a node: a parameter after the message, with its value as written (or its
/// default).
#[derive(Debug, Clone)]
pub struct SettingValue {
    pub name: String,
    pub ty: Ty,
    /// The value's source text, e.g. `"sensors/+/temperature"`, `10s`, `room`.
    pub value: String,
    /// The value as parsed (a constant: the checker rejects anything else).
    pub expr: Expr,
    pub is_default: bool,
}

/// A function instance: a user function (one per app), or one use of a standard-library
/// function in a flow.
#[derive(Debug, Clone)]
pub struct Node {
    /// Unique in the app: the function's name, `log_2` for a second use of `log`.
    pub name: String,
    /// The Kubernetes name (DNS-1035): `_` becomes `-`.
    pub service: String,
    /// The declared function and the module it is declared in.
    pub function: String,
    pub module: String,
    pub role: Role,
    pub input: Option<Ty>,
    /// What the node emits (an optional return type's `none` drops the message).
    pub output: Option<Ty>,
    pub body: Body,
    pub settings: Vec<SettingValue>,
    /// The flows the node appears in, in order.
    pub flows: Vec<String>,
    /// Where its pods may run and how many (the defaults without a `place` item).
    pub placement: crate::placement::Placement,
    /// The function's name in its `place` item, if it has one.
    pub placement_span: Option<Span>,
    /// Where the function is declared (user functions) or used (library instances).
    pub span: Span,
}

/// A connection: every message `from` emits goes to `to`.
#[derive(Debug, Clone)]
pub struct Edge {
    pub ty: Ty,
    /// The step that receives it.
    pub span: Span,
    pub flow: String,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub name: String,
    pub nodes: Vec<NodeIndex>,
}

/// Pods allowed to reach a function: in one namespace (or any, when `None`), with these labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSelector {
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
}

impl PeerSelector {
    /// Prometheus as the common charts install it.
    pub fn default_metrics_scraper() -> PeerSelector {
        PeerSelector {
            namespace: Some("monitoring".to_string()),
            labels: vec![("app.kubernetes.io/name".to_string(), "prometheus".to_string())],
        }
    }
}

/// A record type as the back ends need it: its fields, with defaults for construction.
#[derive(Debug, Clone)]
pub struct RecordDecl {
    pub name: String,
    /// Field name, type (generic parameters as `Ty::Param`), default value.
    pub fields: Vec<(String, Ty, Option<Expr>)>,
}

#[derive(Debug, Clone)]
pub struct Ir {
    pub app: String,
    /// The app settings, with the profile's overrides applied.
    pub namespace: Option<String>,
    pub registry: Option<String>,
    pub runtime_image: Option<String>,
    /// Extra labels for every emitted object, sorted by key.
    pub labels: Vec<(String, String)>,
    /// Who may scrape `/metrics` (default: Prometheus in the `monitoring` namespace).
    pub metrics_scraper: PeerSelector,
    /// Who may call HTTP sources (`None`: anyone).
    pub ingress_from: Option<PeerSelector>,
    /// The module path of the app's own file (as the loader named it: it may carry a
    /// directory, so the back ends replace it by the file's stem).
    pub root_module: String,
    /// The profile this IR was built with.
    pub profile: Option<String>,
    pub graph: DiGraph<Node, Edge>,
    pub flows: Vec<Flow>,
    /// Every record and enum of the app, by definition.
    pub records: HashMap<DefId, RecordDecl>,
    pub enums: HashMap<DefId, Vec<String>>,
}

impl Ir {
    /// A readable, deterministic listing (`dync check --emit ir`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "app {}{}",
            self.app,
            self.namespace.as_ref().map(|n| format!(" (namespace {n})")).unwrap_or_default()
        );
        for flow in &self.flows {
            let names: Vec<&str> = flow.nodes.iter().map(|n| self.graph[*n].name.as_str()).collect();
            let _ = writeln!(out, "flow {}: {}", flow.name, names.join(", "));
        }
        for index in self.graph.node_indices() {
            let node = &self.graph[index];
            let signature = match (&node.input, &node.output) {
                (Some(i), Some(o)) => format!("{i} -> {o}"),
                (None, Some(o)) => format!("-> {o}"),
                (Some(i), None) => format!("{i} ->"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                out,
                "\nnode {} ({}) = {}::{}  [{}]  {signature}",
                node.name,
                node.service,
                node.module,
                node.function,
                node.role.as_str()
            );
            match &node.body {
                Body::Expr { params, .. } => {
                    let _ = writeln!(out, "  body: expression over ({})", params.join(", "));
                }
                Body::Handler { exec, image, env } => {
                    let _ = writeln!(out, "  body: handler");
                    if let Some(exec) = exec {
                        let _ = writeln!(out, "    exec: {exec:?}");
                    }
                    if let Some(image) = image {
                        let _ = writeln!(out, "    image: {image:?}");
                    }
                    for (name, value) in env {
                        let shown = match value {
                            EnvValue::Literal(text) => format!("{text:?}"),
                            EnvValue::Secret { name, key } => format!("secret {name:?} key {key:?}"),
                        };
                        let _ = writeln!(out, "    env {name}: {shown}");
                    }
                }
                Body::Intrinsic { id } => {
                    let _ = writeln!(out, "  body: intrinsic {id:?}");
                }
            }
            for setting in &node.settings {
                let _ = writeln!(
                    out,
                    "  setting {}: {} = {}{}",
                    setting.name,
                    setting.ty,
                    setting.value,
                    if setting.is_default { " (default)" } else { "" }
                );
            }
            node.placement.render(&mut out);
            let _ = writeln!(out, "  flows: {}", node.flows.join(", "));
            for edge in self.graph.edges(index) {
                let _ = writeln!(out, "  -> {} : {}", self.graph[edge.target()].name, edge.weight().ty);
            }
        }
        out
    }
}

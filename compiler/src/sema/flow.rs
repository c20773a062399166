//! Flows: steps resolved to function instances, edges typed (generic standard-library
//! functions instantiated from their edges), the dataflow checks, and the IR.

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use smol_str::SmolStr;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::ir::{Body, Edge, EnvValue, Flow, Ir, Node, RecordDecl, Role, SettingValue};
use crate::sema::expr::Checker;
use crate::sema::ty::{Ty, compatible};
use crate::sema::{DefId, DefKind, FnInfo, Sema, fn_item, profile};
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, Arg, ExprKind, FlowStmtKind, ItemKind, SettingKey, SettingKind, Step, StepKind};

/// DNS-1035: lowercase letters, digits and `-`, starting with a letter, ending with a letter or
/// digit, at most 63 characters (Kubernetes service names).
pub fn is_dns_1035_label(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// DNS-1123 label: like DNS-1035 but may start with a digit (namespaces).
pub fn is_dns_1123_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// DNS-1123 subdomain: dot-separated labels, at most 253 characters (secret names).
pub fn is_dns_1123_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_1123_label)
}

/// A step resolved: a node, or a named stream (only at the start of a chain).
#[derive(Clone, Copy)]
enum Resolved {
    Node(usize),
    Stream(usize),
}

/// A node while the graph is being built.
struct Building {
    /// The instance's name (unique): `log`, `log_2`.
    name: String,
    /// The function's name, as the user wrote it: what messages call the node.
    label: String,
    fn_def: DefId,
    info: FnInfo,
    /// The node's type arguments (inference variables for generic functions).
    type_args: Vec<Ty>,
    span: Span,
    /// The step that set its arguments, and the arguments.
    args: Option<(Span, Vec<Arg>)>,
    /// Field selectors to resolve once the message type is known: (record, field, selector's name).
    selectors: Vec<(Ty, Ty, ast::Name)>,
    flows: Vec<SmolStr>,
    /// Where the node appears as a step (the first), for messages about it.
    first_step: Span,
    index: Option<NodeIndex>,
}

/// A chain: the stream it binds, if any, and its steps (`None` where a step did not resolve).
type Chain = (Option<usize>, Vec<(Option<Resolved>, Span)>);

struct Binding {
    name: ast::Name,
    def: DefId,
    /// The node whose output the stream names.
    node: Option<usize>,
    used: bool,
}

struct PendingEdge {
    from: usize,
    to: usize,
    span: Span,
    flow: SmolStr,
}

/// Inference variables, bound by unification.
#[derive(Default)]
struct Vars {
    bound: Vec<Option<Ty>>,
}

impl Vars {
    fn fresh(&mut self) -> Ty {
        self.bound.push(None);
        Ty::Var(u32::try_from(self.bound.len() - 1).unwrap_or(u32::MAX))
    }

    fn resolve(&self, ty: &Ty) -> Ty {
        match ty {
            Ty::Var(v) => match self.bound.get(*v as usize).cloned().flatten() {
                Some(bound) => self.resolve(&bound),
                None => ty.clone(),
            },
            Ty::Optional(inner) => Ty::optional(self.resolve(inner)),
            Ty::List(inner) => Ty::List(Box::new(self.resolve(inner))),
            Ty::Field(a, b) => Ty::Field(Box::new(self.resolve(a)), Box::new(self.resolve(b))),
            Ty::Record { def, name, args } => {
                Ty::Record { def: *def, name: name.clone(), args: args.iter().map(|a| self.resolve(a)).collect() }
            }
            other => other.clone(),
        }
    }

    /// Binds the unbound variables of `ty` to `Error` (a mistake already reported), so that
    /// nothing downstream reports it again.
    fn poison(&mut self, ty: &Ty) -> bool {
        match self.resolve(ty) {
            Ty::Var(v) => {
                self.bound[v as usize] = Some(Ty::Error);
                true
            }
            _ => false,
        }
    }

    /// Makes the variables in `a` and `b` agree; returns whether anything was bound.
    fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let (a, b) = (self.resolve(a), self.resolve(b));
        match (&a, &b) {
            (Ty::Var(x), Ty::Var(y)) if x == y => false,
            (Ty::Var(x), other) | (other, Ty::Var(x)) => {
                // An `Error` (a mistake already reported) binds too: nothing downstream reports it again.
                self.bound[*x as usize] = Some(other.clone());
                true
            }
            (Ty::Optional(x), Ty::Optional(y)) | (Ty::List(x), Ty::List(y)) => self.unify(x, y),
            (x, Ty::Optional(y)) if x.has_vars() => self.unify(x, y),
            (Ty::Field(a1, a2), Ty::Field(b1, b2)) => self.unify(a1, b1) | self.unify(a2, b2),
            (Ty::Record { def: d1, args: a1, .. }, Ty::Record { def: d2, args: a2, .. }) if d1 == d2 => {
                let mut changed = false;
                for (x, y) in a1.iter().zip(a2) {
                    changed |= self.unify(x, y);
                }
                changed
            }
            _ => false,
        }
    }
}

/// Builds the dataflow graph of the app and checks it; returns the IR.
pub(crate) fn build(sema: &mut Sema<'_>) -> Option<Ir> {
    let mut nodes: Vec<Building> = Vec::new();
    let mut user_nodes: HashMap<DefId, usize> = HashMap::new();
    // Uses of each standard-library function, by the name they are written with.
    let mut library_uses: HashMap<SmolStr, usize> = HashMap::new();
    let mut edges: Vec<PendingEdge> = Vec::new();
    let mut vars = Vars::default();
    let mut flows: Vec<(SmolStr, Vec<usize>)> = Vec::new();
    validate_replacements(sema);
    // Each stream's name and the node whose output it names, for the index.
    let mut stream_nodes: Vec<(Span, usize)> = Vec::new();
    // Each step's span and its node, for the types on the edges (inlay hints, completion).
    let mut step_nodes: Vec<(Span, usize)> = Vec::new();

    for module in 0..sema.app.modules.len() {
        if sema.is_std(module) {
            continue;
        }
        for item in &sema.app.modules[module].ast.items {
            let ItemKind::Flow(flow) = &item.kind else { continue };
            let flow_name = flow.name.text.clone();
            let mut flow_nodes: Vec<usize> = Vec::new();
            let mut in_flow: std::collections::HashSet<usize> = std::collections::HashSet::new();
            // Streams first: a chain may start from a stream bound further down.
            let mut bindings: Vec<Binding> = Vec::new();
            let mut binding_names: HashMap<SmolStr, usize> = HashMap::new();
            for stmt in &flow.stmts {
                if let FlowStmtKind::Chain { binding: Some(name), .. } = &stmt.kind {
                    if let Some(first) = binding_names.get(&name.text).map(|&b| &bindings[b]) {
                        sema.diagnostics.push(
                            Diagnostic::new(
                                Code::E0110,
                                format!("stream `{}` is bound twice", name.text),
                                name.span,
                                "bound again here",
                            )
                            .with_secondary(first.name.span, "first bound here")
                            .with_help("give each chain's stream its own name"),
                        );
                        continue;
                    }
                    if let Some(def) = sema.lookup(module, &name.text) {
                        let kind = sema.def(def).kind.describe();
                        sema.diagnostics.push(
                            Diagnostic::new(
                                Code::E0306,
                                format!("stream `{}` has the name of a {kind}", name.text),
                                name.span,
                                "ambiguous name",
                            )
                            .with_secondary(sema.def(def).span, format!("the {kind}"))
                            .with_help("name the stream differently, e.g. `readings`"),
                        );
                        // Steps named so keep meaning the function.
                        continue;
                    }
                    let def = sema.add_def(&name.text, DefKind::Stream, module, name.span, None, None);
                    binding_names.insert(name.text.clone(), bindings.len());
                    bindings.push(Binding { name: name.clone(), def, node: None, used: false });
                }
            }
            sema.index.scopes.push(crate::ide::Scope {
                span: item.span,
                names: bindings.iter().map(|b| (b.name.text.clone(), b.def)).collect(),
            });
            let mut chains: Vec<Chain> = Vec::new();
            for stmt in &flow.stmts {
                let FlowStmtKind::Chain { binding, steps } = &stmt.kind else { continue };
                let mut resolved_steps = Vec::new();
                for (position, step) in steps.iter().enumerate() {
                    let Some(resolved) = resolve_step(
                        sema,
                        module,
                        step,
                        position,
                        &mut bindings,
                        &binding_names,
                        &mut nodes,
                        &mut user_nodes,
                        &mut library_uses,
                        &mut vars,
                    ) else {
                        // No edge spans a step that could not be resolved.
                        resolved_steps.push((None, step.span));
                        continue;
                    };
                    if let Resolved::Node(n) = resolved
                        && in_flow.insert(n)
                    {
                        nodes[n].flows.push(flow_name.clone());
                        flow_nodes.push(n);
                    }
                    resolved_steps.push((Some(resolved), step.span));
                }
                let binding_index = binding
                    .as_ref()
                    .and_then(|b| binding_names.get(&b.text).copied())
                    .filter(|&i| bindings[i].name.span == binding.as_ref().map_or(Span::default(), |b| b.span));
                chains.push((binding_index, resolved_steps));
            }
            // Bind each stream to the last node of its chain.
            for (binding, steps) in &chains {
                if let (Some(b), Some((Some(Resolved::Node(n)), _))) = (binding, steps.last()) {
                    bindings[*b].node = Some(*n);
                }
            }
            for (binding, steps) in &chains {
                // A chain bound to a stream that is only a stream: `x = y` names the same output.
                if let (Some(b), [(Some(Resolved::Stream(s)), _)]) = (binding, steps.as_slice()) {
                    bindings[*b].node = bindings[*s].node;
                }
                let mut previous: Option<usize> = None;
                for (resolved, span) in steps {
                    let current = match resolved {
                        Some(Resolved::Node(n)) => Some(*n),
                        Some(Resolved::Stream(s)) => bindings[*s].node,
                        None => None,
                    };
                    if let (Some(from), Some(to), Some(Resolved::Node(_))) = (previous, current, resolved) {
                        edges.push(PendingEdge { from, to, span: *span, flow: flow_name.clone() });
                    }
                    if let Some(node) = current {
                        step_nodes.push((*span, node));
                    }
                    previous = current;
                }
            }
            stream_nodes.extend(bindings.iter().filter_map(|b| b.node.map(|n| (b.name.span, n))));
            for (_, steps) in &chains {
                for (resolved, span) in steps {
                    if let Some(Resolved::Stream(s)) = resolved
                        && let Some(node) = bindings[*s].node
                    {
                        stream_nodes.push((*span, node));
                    }
                }
            }
            for binding in &bindings {
                if !binding.used {
                    sema.diagnostics.push(
                        Diagnostic::new(
                            Code::W0301,
                            format!("stream `{}` is never used", binding.name.text),
                            binding.name.span,
                            "bound here, read nowhere",
                        )
                        .with_help(format!(
                            "start a chain from it (`{} -> ...`), or remove `{} =`",
                            binding.name.text, binding.name.text
                        )),
                    );
                }
            }
            flows.push((flow_name, flow_nodes));
        }
    }

    check_unused_replacements(sema);
    check_roles(sema, &nodes, &mut edges);
    let types = infer_types(sema, &mut nodes, &edges, &mut vars);
    let graph = assemble(sema, &mut nodes, &edges, &types, &vars);
    for (span, node) in stream_nodes {
        if let Some(ty) = nodes[node].index.and_then(|i| graph[i].output.clone()) {
            sema.index.types.push((span, ty));
        }
    }
    for (span, node) in step_nodes {
        if let Some(i) = nodes[node].index {
            sema.index.steps.push(crate::ide::StepTypes {
                span,
                input: graph[i].input.clone(),
                output: graph[i].output.clone(),
            });
        }
    }
    check_cycles(sema, &graph, &nodes);
    check_reachability(sema, &graph, &nodes);
    check_service_names(sema, &nodes);

    let settings = app_settings(sema);
    let flows = flows
        .into_iter()
        .map(|(name, members)| Flow {
            name: name.to_string(),
            nodes: members.iter().filter_map(|n| nodes[*n].index).collect(),
        })
        .collect();
    Some(Ir {
        app: settings.name,
        namespace: settings.namespace,
        registry: settings.registry,
        runtime_image: settings.runtime_image,
        labels: settings.labels,
        root_module: sema.app.modules[sema.app.root].module_path(),
        metrics_scraper: settings.metrics_scraper,
        ingress_from: settings.ingress_from,
        profile: sema.profile.as_ref().map(|p| p.name.to_string()),
        graph,
        flows,
        records: record_decls(sema),
        enums: sema
            .enums
            .iter()
            .map(|(def, variants)| (*def, variants.iter().map(|(name, _)| name.to_string()).collect()))
            .collect(),
    })
}

/// Every record with its fields and their default values (for record construction).
fn record_decls(sema: &Sema<'_>) -> std::collections::HashMap<DefId, RecordDecl> {
    let mut decls = std::collections::HashMap::new();
    for (def, info) in &sema.records {
        let defaults: Vec<(&str, &ast::Expr)> = sema
            .def_items
            .get(def)
            .and_then(|(module, index)| sema.app.modules[*module].ast.items.get(*index))
            .map(|item| match &item.kind {
                ItemKind::Type(t) => match &t.def {
                    ast::TypeDef::Record(fields) => fields
                        .iter()
                        .filter_map(|f| match &f.kind {
                            ast::FieldKind::Field { name, default: Some(d), .. } => Some((name.text.as_str(), &**d)),
                            _ => None,
                        })
                        .collect(),
                    ast::TypeDef::Alias(_) => Vec::new(),
                },
                _ => Vec::new(),
            })
            .unwrap_or_default();
        let fields = info
            .fields
            .iter()
            .map(|f| {
                let default = defaults.iter().find(|(n, _)| *n == f.name).map(|(_, d)| (*d).clone());
                (f.name.to_string(), f.ty.clone(), default)
            })
            .collect();
        decls.insert(*def, RecordDecl { name: sema.def(*def).name.to_string(), fields });
    }
    decls
}

#[allow(clippy::too_many_arguments)]
fn resolve_step(
    sema: &mut Sema<'_>,
    module: usize,
    step: &Step,
    position: usize,
    bindings: &mut [Binding],
    binding_names: &HashMap<SmolStr, usize>,
    nodes: &mut Vec<Building>,
    user_nodes: &mut HashMap<DefId, usize>,
    library_uses: &mut HashMap<SmolStr, usize>,
    vars: &mut Vars,
) -> Option<Resolved> {
    let (name, args) = match &step.kind {
        StepKind::Ref(name) => (name, None),
        StepKind::Call { callee, args } => (callee, Some(args)),
        StepKind::Missing => return None,
    };
    // A profile's `replace a with b` swaps the step for `b`.
    let replaced = replacement(sema, name, args.map(Vec::as_slice));
    let (name, args) = match replaced {
        Some(to) => match &to.kind {
            StepKind::Ref(name) => (name, None),
            StepKind::Call { callee, args } => (callee, Some(args)),
            StepKind::Missing => return None,
        },
        None => (name, args),
    };
    if let Some(&b) = binding_names.get(&name.text) {
        bindings[b].used = true;
        sema.refer(name.span, bindings[b].def);
        if position > 0 {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0306,
                    format!("stream `{}` can only start a chain", name.text),
                    name.span,
                    "a stream here",
                )
                .with_secondary(bindings[b].name.span, "the stream is bound here")
                .with_help(format!("start a new chain from it: `{} -> ...`", name.text)),
            );
            return None;
        }
        if args.is_some() {
            sema.diagnostics.push(Diagnostic::new(
                Code::E0306,
                format!("stream `{}` takes no arguments", name.text),
                step.span,
                "a stream, not a function",
            ));
        }
        return Some(Resolved::Stream(b));
    }
    let Some(def) = sema.lookup(module, &name.text) else {
        if sema.is_poisoned(module, &name.text) {
            return None;
        }
        // A step names a function or a stream: a type of a similar name is no suggestion.
        let mut candidates: Vec<SmolStr> = sema
            .visible_names(module)
            .into_iter()
            .filter(|n| {
                sema.declared[module]
                    .get(n)
                    .or_else(|| sema.imported[module].get(n).map(|i| &i.def))
                    .is_some_and(|d| sema.def(*d).kind == DefKind::Fn)
            })
            .collect();
        candidates.extend(bindings.iter().map(|b| b.name.text.clone()));
        let mut diagnostic = Diagnostic::new(
            Code::E0111,
            format!("cannot find function or stream `{}`", name.text),
            name.span,
            "not declared, imported or bound in this flow",
        );
        if let Some(s) = closest(&name.text, candidates.iter().map(SmolStr::as_str)) {
            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
        } else if let Some(path) = sema.std_path_of(&name.text) {
            diagnostic = diagnostic.with_help(format!("import it: `use {path}::{}`", name.text));
        } else if name.text.chars().next().is_some_and(|c| c.is_lowercase()) {
            diagnostic =
                diagnostic.with_help(format!("declare it with `fn {}(...)`, or import it with `use`", name.text));
        }
        sema.diagnostics.push(diagnostic);
        return None;
    };
    sema.refer(name.span, def);
    let Some(info) = sema.fns.get(&def).cloned() else {
        let kind = sema.def(def).kind.describe();
        sema.diagnostics.push(
            Diagnostic::new(
                Code::E0306,
                format!("`{}` is a {kind}, not a function", name.text),
                name.span,
                "a flow step must be a function or a stream",
            )
            .with_secondary(sema.def(def).span, format!("the {kind} is declared here")),
        );
        return None;
    };
    let index = if info.is_std {
        let count = library_uses.entry(name.text.clone()).or_insert(0);
        *count += 1;
        let instance = if *count == 1 { name.text.to_string() } else { format!("{}_{}", name.text, count) };
        let type_args = info.generics.iter().map(|_| vars.fresh()).collect();
        nodes.push(Building {
            name: instance,
            label: name.text.to_string(),
            fn_def: def,
            info,
            type_args,
            span: step.span,
            args: None,
            selectors: Vec::new(),
            flows: Vec::new(),
            first_step: step.span,
            index: None,
        });
        nodes.len() - 1
    } else if let Some(&existing) = user_nodes.get(&def) {
        existing
    } else {
        let type_args = info.generics.iter().map(|_| vars.fresh()).collect();
        let span = sema.def(def).span;
        nodes.push(Building {
            name: name.text.to_string(),
            label: name.text.to_string(),
            fn_def: def,
            info,
            type_args,
            span,
            args: None,
            selectors: Vec::new(),
            flows: Vec::new(),
            first_step: step.span,
            index: None,
        });
        user_nodes.insert(def, nodes.len() - 1);
        nodes.len() - 1
    };
    if let Some(args) = args {
        let node = &mut nodes[index];
        match &node.args {
            Some((first, previous)) if !same_args(sema, previous, args) => {
                let first = *first;
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0307,
                        format!("`{}` is given different settings in two places", name.text),
                        step.span,
                        "these settings",
                    )
                    .with_secondary(first, "differ from these")
                    .with_help(
                        "a function is one service: give its settings in one place, or declare a second function",
                    ),
                );
            }
            Some(_) => {}
            None => node.args = Some((step.span, args.clone())),
        }
    }
    Some(Resolved::Node(index))
}

/// The step a profile's `replace` puts in place of `name(args)`, marking the replacement used.
fn replacement<'a>(sema: &mut Sema<'a>, name: &ast::Name, args: Option<&[Arg]>) -> Option<&'a Step> {
    let profile = sema.profile.as_ref()?;
    let text = |arg: &Arg| {
        let source = sema.app.sources.get(arg.span.file).map_or("", |f| &f.text[arg.span.range()]);
        source.chars().filter(|c| !c.is_whitespace()).collect::<String>()
    };
    let invalid = &sema.replacements_invalid;
    let (index, to) =
        profile.replacements.iter().enumerate().filter(|(i, _)| !invalid.contains(i)).find_map(|(i, (from, to))| {
            let matches = match &from.kind {
                StepKind::Ref(from_name) => from_name.text == name.text,
                StepKind::Call { callee, args: from_args } => {
                    callee.text == name.text
                        && args.is_some_and(|a| {
                            a.len() == from_args.len() && a.iter().zip(from_args).all(|(x, y)| text(x) == text(y))
                        })
                }
                StepKind::Missing => false,
            };
            matches.then_some((i, *to))
        })?;
    sema.replacements_used.insert(index);
    Some(to)
}

/// Whether two argument lists are written the same (names and values, spacing aside).
fn same_args(sema: &Sema<'_>, a: &[Arg], b: &[Arg]) -> bool {
    let text = |arg: &Arg| {
        let source = sema.app.sources.get(arg.span.file).map_or("", |f| &f.text[arg.span.range()]);
        source.chars().filter(|c| !c.is_whitespace()).collect::<String>()
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| text(x) == text(y))
}

/// A profile's `replace a with b`: `a` a standard-library source or sink, `b` a
/// standard-library function of the same kind (the message types are checked on the edges).
/// Invalid replacements are reported and not applied.
fn validate_replacements(sema: &mut Sema<'_>) {
    let Some(profile) = sema.profile.clone() else { return };
    for (index, (from, to)) in profile.replacements.iter().enumerate() {
        let (Some(from_name), Some(to_name)) = (profile::Profile::step_name(from), profile::Profile::step_name(to))
        else {
            sema.replacements_invalid.insert(index);
            continue;
        };
        let role = |sema: &mut Sema<'_>, name: &ast::Name| {
            let def = sema.lookup(profile.module, &name.text)?;
            let info = sema.fns.get(&def)?;
            Some((
                info.is_std,
                if info.is_source {
                    "source"
                } else if info.ret.is_none() {
                    "sink"
                } else {
                    "transform"
                },
            ))
        };
        let (Some(from_role), Some(to_role)) = (role(sema, from_name), role(sema, to_name)) else {
            // Unknown names are reported where the profile's names are resolved.
            sema.replacements_invalid.insert(index);
            continue;
        };
        if !from_role.0 || from_role.1 == "transform" {
            sema.replacements_invalid.insert(index);
            sema.diagnostics.push(
                Diagnostic::new(Code::E0408, format!("`{}` cannot be replaced", from_name.text), from_name.span, "not a standard-library source or sink")
                    .with_help("a profile replaces where messages enter or leave: `replace mqtt_in with jsonl_in(\"data.jsonl\")`; override a function's handler with `fn f { ... }` instead"),
            );
        } else if from_role.1 != to_role.1 {
            sema.replacements_invalid.insert(index);
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0408,
                    format!("a {} is replaced with a {}", from_role.1, to_role.1),
                    to_name.span,
                    format!("`{}` is a {}", to_name.text, to_role.1),
                )
                .with_secondary(from_name.span, format!("`{}` is a {}", from_name.text, from_role.1))
                .with_help(format!(
                    "replace a {} with another {}, e.g. `{}` for bundled data",
                    from_role.1,
                    from_role.1,
                    if from_role.1 == "source" { "jsonl_in(\"data.jsonl\")" } else { "jsonl_out(\"out.jsonl\")" }
                )),
            );
        }
    }
}

/// A valid replacement that no flow step matched names nothing.
fn check_unused_replacements(sema: &mut Sema<'_>) {
    let Some(profile) = sema.profile.clone() else { return };
    for (index, (from, _)) in profile.replacements.iter().enumerate() {
        if sema.replacements_used.contains(&index) || sema.replacements_invalid.contains(&index) {
            continue;
        }
        sema.diagnostics.push(
            Diagnostic::new(
                Code::E0408,
                format!("no flow step is `{}`", step_text(sema, from)),
                from.span,
                "nothing to replace",
            )
            .with_help("name a step as a flow writes it: the function, or the function with the same arguments"),
        );
    }
}

/// A step as written (`mqtt_in("topic")`), for messages.
pub(crate) fn step_text(sema: &Sema<'_>, step: &Step) -> String {
    sema.app.sources.get(step.span.file).map_or_else(String::new, |f| f.text[step.span.range()].to_string())
}

/// Sources fed by an edge and sinks that feed one: reported, and the edges dropped.
fn check_roles(sema: &mut Sema<'_>, nodes: &[Building], edges: &mut Vec<PendingEdge>) {
    let mut reported = std::collections::HashSet::new();
    for edge in edges.iter() {
        let to = &nodes[edge.to];
        if to.info.is_source && reported.insert((edge.to, true)) {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0304,
                    format!("source `{}` cannot receive messages", to.label),
                    edge.span,
                    "something flows into it here",
                )
                .with_secondary(sema.def(to.fn_def).span, "declared as `source fn`: it takes no message")
                .with_help(format!("start the chain with `{}`", to.label)),
            );
        }
        let from = &nodes[edge.from];
        if from.info.ret.is_none() && reported.insert((edge.from, false)) {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0303,
                    format!("sink `{}` emits nothing to pass on", from.label),
                    edge.span,
                    "it is followed by this step",
                )
                .with_secondary(sema.def(from.fn_def).span, "declared without a return type: a sink")
                .with_help(format!(
                    "end the chain at `{}`, or start another chain from the step before it",
                    from.label
                )),
            );
        }
    }
    // Once reported, such edges are dropped: nothing flows out of a sink or into a source.
    edges.retain(|e| !nodes[e.to].info.is_source && nodes[e.from].info.ret.is_some());
}

/// The message type a node receives and emits, after inference.
struct NodeTypes {
    input: Vec<Option<Ty>>,
    output: Vec<Option<Ty>>,
}

fn infer_types(sema: &mut Sema<'_>, nodes: &mut [Building], edges: &[PendingEdge], vars: &mut Vars) -> NodeTypes {
    let input: Vec<Option<Ty>> = nodes.iter().map(|n| n.info.input().map(|p| p.ty.substitute(&n.type_args))).collect();
    // `T?` as a return type: `none` drops the message, so the edge carries `T`.
    let output: Vec<Option<Ty>> = nodes
        .iter()
        .map(|n| {
            n.info.ret.as_ref().map(|r| match r.substitute(&n.type_args) {
                Ty::Optional(inner) => *inner,
                other => other,
            })
        })
        .collect();
    // Step arguments: matched to the settings, constants checked, field selectors collected.
    for node in nodes.iter_mut() {
        check_args(sema, node, vars);
    }
    // Unify along edges and resolve field selectors until nothing changes.
    loop {
        let mut changed = false;
        for edge in edges {
            if let (Some(out), Some(inp)) = (&output[edge.from], &input[edge.to]) {
                changed |= vars.unify(out, inp);
            }
        }
        for node in nodes.iter_mut() {
            let selectors = std::mem::take(&mut node.selectors);
            let mut remaining = Vec::new();
            for (record, field_ty, name) in selectors {
                let record = vars.resolve(&record);
                if record.has_vars() {
                    remaining.push((record, field_ty, name));
                    continue;
                }
                match crate::sema::ty::fields(&sema.records, &record)
                    .and_then(|f| f.into_iter().find(|(n, _, _)| *n == name.text))
                {
                    Some((_, ty, _)) => {
                        changed |= vars.unify(&field_ty, &ty);
                        if let Ty::Record { def, .. } = &record
                            && let Some(field) =
                                sema.records.get(def).and_then(|r| r.fields.iter().find(|f| f.name == name.text))
                        {
                            let id = field.def;
                            sema.refer(name.span, id);
                        }
                    }
                    None if record.is_error() => {}
                    None => {
                        let names: Vec<String> = crate::sema::ty::fields(&sema.records, &record)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(n, _, _)| n)
                            .collect();
                        let mut diagnostic = Diagnostic::new(
                            Code::E0202,
                            format!("{record} has no field `{}` to select", name.text),
                            name.span,
                            format!("`{}` receives {record}", node.label),
                        );
                        if let Some(s) = closest(&name.text, names.iter().map(String::as_str)) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                        } else if !names.is_empty() {
                            let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                            diagnostic = diagnostic.with_note(format!("its fields are {}", listed.join(", ")));
                        }
                        sema.diagnostics.push(diagnostic);
                        changed |= vars.poison(&field_ty);
                    }
                }
            }
            node.selectors = remaining;
        }
        if !changed {
            break;
        }
    }
    // What stays unknown cannot be inferred (unless nothing feeds the node at all, which is
    // reported on its own); numeric bounds hold.
    let fed: std::collections::HashSet<usize> = edges.iter().map(|e| e.to).collect();
    for (i, node) in nodes.iter().enumerate() {
        for (generic, arg) in node.info.generics.iter().zip(&node.type_args) {
            let resolved = vars.resolve(arg);
            if resolved.has_vars() && !node.info.is_source && !fed.contains(&i) {
                continue;
            }
            if resolved.has_vars() {
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0207,
                        format!("cannot tell what type `{}` is for `{}`", generic.name, node.label),
                        node.first_step,
                        "nothing connected here fixes it",
                    )
                    .with_help("connect it to a function with a declared type on the other side"),
                );
            } else if generic.numeric && !resolved.is_numeric() {
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0207,
                        format!("`{}` of `{}` must be a number, found {resolved}", generic.name, node.label),
                        node.first_step,
                        format!("{} is {resolved} here", generic.name),
                    )
                    .with_note(format!("`{}` is declared `{}: Number` (Int or Float)", generic.name, generic.name)),
                );
            }
        }
    }
    NodeTypes { input, output }
}

/// Matches a step's arguments to the function's settings and checks them.
fn check_args(sema: &mut Sema<'_>, node: &mut Building, vars: &mut Vars) {
    let settings: Vec<crate::sema::ParamInfo> = node.info.settings().to_vec();
    let module = node.info.module;
    let args = node.args.as_ref().map(|(_, a)| a.clone()).unwrap_or_default();
    let mut given: Vec<Option<&Arg>> = vec![None; settings.len()];
    let mut positional = 0;
    let mut named_seen = false;
    for arg in &args {
        let slot = match &arg.name {
            Some(name) => {
                named_seen = true;
                match settings.iter().position(|p| p.name == name.text) {
                    Some(slot) => slot,
                    None => {
                        let mut diagnostic = Diagnostic::new(
                            Code::E0203,
                            format!("`{}` has no setting `{}`", node.label, name.text),
                            name.span,
                            "no such setting",
                        );
                        if let Some(s) = closest(&name.text, settings.iter().map(|p| p.name.as_str())) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                        } else {
                            diagnostic = diagnostic.with_note(settings_note(&node.label, &settings));
                        }
                        sema.diagnostics.push(diagnostic);
                        continue;
                    }
                }
            }
            None => {
                if named_seen {
                    sema.diagnostics.push(Diagnostic::new(
                        Code::E0203,
                        "positional arguments come before named ones",
                        arg.span,
                        "after a named argument",
                    ));
                    continue;
                }
                positional += 1;
                if positional > settings.len() {
                    sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0203,
                            format!(
                                "`{}` takes {} setting{}",
                                node.label,
                                settings.len(),
                                if settings.len() == 1 { "" } else { "s" }
                            ),
                            arg.span,
                            "one too many",
                        )
                        .with_note(settings_note(&node.label, &settings)),
                    );
                    continue;
                }
                positional - 1
            }
        };
        if given[slot].is_some() {
            sema.diagnostics.push(Diagnostic::new(
                Code::E0203,
                format!("setting `{}` is given twice", settings[slot].name),
                arg.span,
                "given again here",
            ));
            continue;
        }
        given[slot] = Some(arg);
    }
    for (param, arg) in settings.iter().zip(&given) {
        let expected = param.ty.substitute(&node.type_args);
        match arg {
            None if !param.has_default => {
                let span = node.args.as_ref().map_or(node.first_step, |(s, _)| *s);
                sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0203,
                        format!("`{}` needs its setting `{}: {}`", node.label, param.name, param.ty),
                        span,
                        format!("`{}` is not given", param.name),
                    )
                    .with_help(format!("give it: `{}({}: ...)`", node.label, param.name)),
                );
            }
            None => {}
            Some(arg) => {
                if let Ty::Field(record, field) = &expected {
                    match &arg.value.kind {
                        ExprKind::Name(name) => {
                            node.selectors.push(((**record).clone(), (**field).clone(), name.clone()))
                        }
                        _ => {
                            sema.diagnostics.push(
                                Diagnostic::new(
                                    Code::E0201,
                                    format!("setting `{}` names a field of the message", param.name),
                                    arg.value.span,
                                    "not a field name",
                                )
                                .with_help("write the field's name, e.g. `key: room`"),
                            );
                            vars.poison(field);
                        }
                    }
                    continue;
                }
                let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
                let ty = checker.expr(&arg.value, Some(&expected));
                if !compatible(&sema.records, &ty, &expected) && !expected.has_vars() {
                    sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0201,
                            format!("setting `{}` is {expected}, found {ty}", param.name),
                            arg.value.span,
                            format!("this is {ty}"),
                        )
                        .with_secondary(param.span, format!("`{}` is declared here", param.name)),
                    );
                }
            }
        }
    }
}

fn settings_note(function: &str, settings: &[crate::sema::ParamInfo]) -> String {
    if settings.is_empty() {
        return format!("`{function}` has no settings");
    }
    format!(
        "`{function}` takes {}",
        settings.iter().map(|p| format!("`{}: {}`", p.name, p.ty)).collect::<Vec<_>>().join(", ")
    )
}

/// Creates the graph, checking every edge's types.
fn assemble(
    sema: &mut Sema<'_>,
    nodes: &mut [Building],
    edges: &[PendingEdge],
    types: &NodeTypes,
    vars: &Vars,
) -> DiGraph<Node, Edge> {
    let mut graph = DiGraph::new();
    for (i, building) in nodes.iter_mut().enumerate() {
        let input = types.input[i].as_ref().map(|t| vars.resolve(t));
        let output = types.output[i].as_ref().map(|t| vars.resolve(t));
        if let Some(ty) = &output {
            sema.index.types.push((building.first_step, ty.clone()));
        }
        let node = Node {
            name: building.name.clone(),
            service: building.name.replace('_', "-"),
            function: sema.def(building.fn_def).name.to_string(),
            module: sema.app.modules[building.info.module].module_path(),
            role: if building.info.is_source {
                Role::Source
            } else if building.info.ret.is_none() {
                Role::Sink
            } else {
                Role::Transform
            },
            input,
            output,
            body: body(sema, &building.info),
            settings: setting_values(sema, building, vars),
            flows: building.flows.iter().map(ToString::to_string).collect(),
            placement: sema.placements.get(&building.fn_def).map(|(p, _)| p.clone()).unwrap_or_default(),
            placement_span: sema.placements.get(&building.fn_def).map(|(_, s)| *s),
            span: building.span,
        };
        building.index = Some(graph.add_node(node));
    }
    for edge in edges {
        let (Some(from), Some(to)) = (nodes[edge.from].index, nodes[edge.to].index) else { continue };
        let out = graph[from].output.clone();
        let inp = graph[to].input.clone();
        let (Some(out), Some(inp)) = (out, inp) else { continue };
        // A type still unknown (a generic step cut off from its source by an unknown name,
        // reported on its own) is no mismatch.
        if out.has_vars() || inp.has_vars() {
            continue;
        }
        if !compatible(&sema.records, &out, &inp) {
            let producer = &nodes[edge.from];
            let consumer = &nodes[edge.to];
            let mut diagnostic = Diagnostic::new(
                Code::E0301,
                format!("`{}` emits {out}, but `{}` receives {inp}", producer.label, consumer.label),
                edge.span,
                format!("{out} flows in here"),
            );
            if let Some(ret) = fn_item(sema.app, &producer.info).and_then(|f| f.ret.as_ref()) {
                diagnostic = diagnostic.with_secondary(ret.span, format!("`{}` returns {out}", producer.label));
            }
            if let Some(param) = consumer.info.input() {
                diagnostic = diagnostic.with_secondary(param.span, format!("`{}` takes {inp}", consumer.label));
            }
            if let (Some(have), Some(want)) =
                (crate::sema::ty::fields(&sema.records, &out), crate::sema::ty::fields(&sema.records, &inp))
            {
                let missing: Vec<String> = want
                    .iter()
                    .filter(|(n, ty, d)| !d && !matches!(ty, Ty::Optional(_)) && !have.iter().any(|(h, _, _)| h == n))
                    .map(|(n, ty, _)| format!("`{n}: {ty}`"))
                    .collect();
                if !missing.is_empty() {
                    diagnostic = diagnostic.with_note(format!("{out} has no {}", missing.join(", ")));
                }
            }
            if matches!((&out, &inp), (Ty::Record { .. }, Ty::Record { .. })) {
                diagnostic = diagnostic.with_help(
                    "records are compatible when the sender has every field the receiver needs, with the same types",
                );
            }
            sema.diagnostics.push(diagnostic);
        }
        graph.add_edge(from, to, Edge { ty: out, span: edge.span, flow: edge.flow.to_string() });
    }
    graph
}

fn body(sema: &Sema<'_>, info: &FnInfo) -> Body {
    let Some(f) = fn_item(sema.app, info) else { return Body::Intrinsic { id: String::new() } };
    match &f.body {
        ast::FnBody::Expr(expr) => {
            Body::Expr { params: info.params.iter().map(|p| p.name.to_string()).collect(), expr: expr.clone() }
        }
        ast::FnBody::Intrinsic(id) => Body::Intrinsic { id: id.as_plain().unwrap_or_default() },
        ast::FnBody::Handler { settings, .. } => {
            let (mut exec, mut image, mut env) = (None, None, Vec::new());
            apply_handler_settings(settings, &mut exec, &mut image, &mut env);
            apply_handler_overrides(sema, info, &mut exec, &mut image, &mut env);
            Body::Handler { exec, image, env }
        }
        ast::FnBody::Missing(_) => Body::Intrinsic { id: String::new() },
    }
}

/// A profile's `fn f { exec = ..., image = ..., env { ... } }` over the function's own.
fn apply_handler_overrides(
    sema: &Sema<'_>,
    info: &FnInfo,
    exec: &mut Option<String>,
    image: &mut Option<String>,
    env: &mut Vec<(String, EnvValue)>,
) {
    let Some(profile) = &sema.profile else { return };
    let name = sema.def(info.def).name.clone();
    let Some(blocks) = profile.handlers.get(&name) else { return };
    for settings in blocks {
        apply_handler_settings(settings, exec, image, env);
    }
}

/// Handler settings over what is there: `exec` and `image` replaced, `env` variables replaced
/// or added.
fn apply_handler_settings(
    settings: &[ast::Setting],
    exec: &mut Option<String>,
    image: &mut Option<String>,
    env: &mut Vec<(String, EnvValue)>,
) {
    for setting in settings {
        match &setting.kind {
            SettingKind::Value { key: SettingKey::Name(key), value } => {
                let text = match &value.kind {
                    ExprKind::Str(s) => s.as_plain(),
                    _ => None,
                };
                match key.text.as_str() {
                    "exec" => *exec = text,
                    "image" => *image = text,
                    _ => {}
                }
            }
            SettingKind::Block { key: SettingKey::Name(key), settings } if key.text == "env" => {
                for entry in settings {
                    let SettingKind::Value { key, value } = &entry.kind else { continue };
                    let variable = match key {
                        SettingKey::Name(n) => n.text.to_string(),
                        SettingKey::Str(s) => s.as_plain().unwrap_or_default(),
                    };
                    let value = env_value(value);
                    match env.iter_mut().find(|(n, _)| *n == variable) {
                        Some(existing) => existing.1 = value,
                        None => env.push((variable, value)),
                    }
                }
            }
            _ => {}
        }
    }
}

/// An `env` value as the IR carries it.
fn env_value(value: &ast::Expr) -> EnvValue {
    match &value.kind {
        ExprKind::Str(s) => EnvValue::Literal(s.as_plain().unwrap_or_default()),
        ExprKind::Call { args, .. } => {
            let text = |i: usize| match args.get(i).map(|a| &a.value.kind) {
                Some(ExprKind::Str(s)) => s.as_plain().unwrap_or_default(),
                _ => String::new(),
            };
            EnvValue::Secret { name: text(0), key: text(1) }
        }
        _ => EnvValue::Literal(String::new()),
    }
}

fn setting_values(sema: &Sema<'_>, node: &Building, vars: &Vars) -> Vec<SettingValue> {
    let settings = node.info.settings();
    let args = node.args.as_ref().map(|(_, a)| a.as_slice()).unwrap_or_default();
    let f = fn_item(sema.app, &node.info);
    let source =
        |span: Span| sema.app.sources.get(span.file).map(|s| s.text[span.range()].to_string()).unwrap_or_default();
    let mut values = Vec::new();
    let mut positional = args.iter().filter(|a| a.name.is_none());
    for (i, param) in settings.iter().enumerate() {
        let given =
            args.iter().find(|a| a.name.as_ref().is_some_and(|n| n.text == param.name)).or_else(|| positional.next());
        let ty = vars.resolve(&param.ty.substitute(&node.type_args));
        match given {
            Some(arg) => values.push(SettingValue {
                name: param.name.to_string(),
                ty,
                value: source(arg.value.span),
                expr: arg.value.clone(),
                is_default: false,
            }),
            None => {
                let offset = usize::from(!node.info.is_source);
                let default = f.and_then(|f| f.params.get(i + offset)).and_then(|p| match &p.kind {
                    ast::ParamKind::Param { default: Some(d), .. } => Some(d),
                    _ => None,
                });
                if let Some(default) = default {
                    values.push(SettingValue {
                        name: param.name.to_string(),
                        ty,
                        value: source(default.span),
                        expr: (**default).clone(),
                        is_default: true,
                    });
                }
            }
        }
    }
    values
}

fn check_cycles(sema: &mut Sema<'_>, graph: &DiGraph<Node, Edge>, nodes: &[Building]) {
    for component in tarjan_scc(graph) {
        let cyclic = component.len() > 1 || component.first().is_some_and(|n| graph.contains_edge(*n, *n));
        if !cyclic {
            continue;
        }
        let mut members: Vec<NodeIndex> = component;
        members.sort();
        let cycle_edges: Vec<_> = graph
            .edge_indices()
            .filter(|e| graph.edge_endpoints(*e).is_some_and(|(a, b)| members.contains(&a) && members.contains(&b)))
            .collect();
        let Some(first) = cycle_edges.first() else { continue };
        let describe = |e| {
            graph
                .edge_endpoints(e)
                .map(|(a, b)| format!("`{}` -> `{}`", graph[a].name, graph[b].name))
                .unwrap_or_default()
        };
        let mut diagnostic = Diagnostic::new(
            Code::E0305,
            format!(
                "the flows form a cycle through {}",
                members.iter().map(|m| format!("`{}`", graph[*m].name)).collect::<Vec<_>>().join(", ")
            ),
            graph[*first].span,
            format!("{} here", describe(*first)),
        )
        .with_help("a dataflow must not feed a function's output back into it; break the cycle");
        for edge in &cycle_edges[1..] {
            diagnostic = diagnostic.with_secondary(graph[*edge].span, format!("{} here", describe(*edge)));
        }
        let _ = nodes;
        sema.diagnostics.push(diagnostic);
    }
}

fn check_reachability(sema: &mut Sema<'_>, graph: &DiGraph<Node, Edge>, nodes: &[Building]) {
    let mut reached = vec![false; graph.node_count()];
    let mut stack: Vec<NodeIndex> = graph.node_indices().filter(|n| graph[*n].role == Role::Source).collect();
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut reached[node.index()], true) {
            continue;
        }
        stack.extend(graph.neighbors(node));
    }
    // After errors the graph is incomplete: these warnings would only be guesses.
    if sema.diagnostics.iter().any(Diagnostic::is_error) {
        return;
    }
    for building in nodes {
        let Some(index) = building.index else { continue };
        // Report where an unfed chain starts, not every step after it.
        let is_head = graph.neighbors_directed(index, petgraph::Direction::Incoming).next().is_none();
        if !reached[index.index()] && is_head {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::W0302,
                    format!("no source feeds `{}`", building.label),
                    building.first_step,
                    "nothing reaches this step from a source",
                )
                .with_help(format!("start the chain with a source, e.g. `mqtt_in(\"topic\") -> {}`", building.label)),
            );
        }
    }
}

/// Every node becomes a Kubernetes service: its name must be a DNS-1035 label, and unique.
fn check_service_names(sema: &mut Sema<'_>, nodes: &[Building]) {
    let mut seen: HashMap<String, &Building> = HashMap::new();
    for node in nodes {
        let service = node.name.replace('_', "-");
        if !is_dns_1035_label(&service) {
            let why = if service.len() > 63 {
                format!("{} characters, at most 63 are allowed", service.len())
            } else if service.chars().any(|c| c.is_ascii_uppercase()) {
                "Kubernetes names are lowercase".to_string()
            } else if !service.starts_with(|c: char| c.is_ascii_lowercase()) {
                "it must start with a letter".to_string()
            } else {
                "it must end with a letter or digit".to_string()
            };
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0113,
                    format!("`{}` cannot become a Kubernetes name", node.name),
                    node.span,
                    format!("becomes `{service}`: {why}"),
                )
                .with_help("name functions in lowercase `snake_case`, starting with a letter, at most 63 characters"),
            );
            continue;
        }
        if let Some(first) = seen.get(&service) {
            let describe = |n: &Building| {
                if n.info.is_std && n.name != n.label {
                    format!("a further use of `{}` (named `{}`)", n.label, n.name)
                } else {
                    format!("`{}` of `{}`", n.label, sema.app.modules[n.info.module].module_path())
                }
            };
            let message =
                format!("{} and {} both become the Kubernetes name `{service}`", describe(first), describe(node));
            sema.diagnostics.push(
                Diagnostic::new(Code::E0114, message, node.span, "this one")
                    .with_secondary(first.span, "and this one")
                    .with_note("every function instance becomes a Kubernetes service named after it, with `_` as `-`")
                    .with_help("rename one of them"),
            );
            continue;
        }
        seen.insert(service, node);
    }
}

/// The app item's settings with the profile's overrides applied.
struct AppSettings {
    name: String,
    namespace: Option<String>,
    registry: Option<String>,
    runtime_image: Option<String>,
    labels: Vec<(String, String)>,
    metrics_scraper: crate::ir::PeerSelector,
    ingress_from: Option<crate::ir::PeerSelector>,
}

/// The string entries of a block setting (`labels { ... }`), by key.
fn string_entries(entries: &[ast::Setting]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in entries {
        if let SettingKind::Value { key, value } = &entry.kind
            && let Some(text) = plain_string(value)
        {
            let key = match key {
                SettingKey::Name(name) => Some(name.text.to_string()),
                SettingKey::Str(text) => text.as_plain(),
            };
            if let Some(key) = key {
                found.push((key, text));
            }
        }
    }
    found
}

/// A peer selector block: `namespace` names the namespace, every other entry is a pod label.
fn peer_selector(entries: &[ast::Setting]) -> crate::ir::PeerSelector {
    let mut selector = crate::ir::PeerSelector { namespace: None, labels: Vec::new() };
    for (key, value) in string_entries(entries) {
        if key == "namespace" {
            selector.namespace = Some(value);
        } else {
            selector.labels.retain(|(k, _)| *k != key);
            selector.labels.push((key, value));
        }
    }
    selector.labels.sort();
    selector
}

fn plain_string(value: &ast::Expr) -> Option<String> {
    match &value.kind {
        ExprKind::Str(s) => s.as_plain(),
        _ => None,
    }
}

fn app_settings(sema: &Sema<'_>) -> AppSettings {
    let root = &sema.app.modules[sema.app.root];
    let mut settings = AppSettings {
        name: String::new(),
        namespace: None,
        registry: None,
        runtime_image: None,
        labels: Vec::new(),
        metrics_scraper: crate::ir::PeerSelector::default_metrics_scraper(),
        ingress_from: None,
    };
    let mut labels = std::collections::BTreeMap::new();
    let mut apply = |list: &mut dyn Iterator<Item = &ast::Setting>, settings: &mut AppSettings| {
        for setting in list {
            match &setting.kind {
                SettingKind::Value { key: SettingKey::Name(k), value } => {
                    let slot = match k.text.as_str() {
                        "namespace" => &mut settings.namespace,
                        "registry" => &mut settings.registry,
                        "runtime_image" => &mut settings.runtime_image,
                        _ => continue,
                    };
                    if let Some(text) = plain_string(value) {
                        *slot = Some(text);
                    }
                }
                SettingKind::Block { key: SettingKey::Name(k), settings: entries } => match k.text.as_str() {
                    "labels" => labels.extend(string_entries(entries)),
                    "metrics_scraper" => settings.metrics_scraper = peer_selector(entries),
                    "ingress_from" => settings.ingress_from = Some(peer_selector(entries)),
                    _ => {}
                },
                _ => {}
            }
        }
    };
    for item in &root.ast.items {
        if let ItemKind::App(app) = &item.kind {
            settings.name = app.name.text.to_string();
            apply(&mut app.settings.iter(), &mut settings);
            break;
        }
    }
    if let Some(profile) = &sema.profile {
        apply(&mut profile.settings.iter().copied(), &mut settings);
    }
    settings.labels = labels.into_iter().collect();
    settings
}

//! `dync graph`: the dataflow as Graphviz DOT or Mermaid, from the IR.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use crate::ir::{Ir, Role};

/// The Graphviz form: flows as clusters, sources and sinks shaped apart, edges labelled with
/// their types. A node in several flows is drawn in the first.
pub fn dot(ir: &Ir) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&ir.app));
    let _ = writeln!(out, "    rankdir=LR;");
    let _ = writeln!(out, "    fontname=\"Helvetica\";");
    let _ = writeln!(out, "    node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "    edge [fontname=\"Helvetica\", fontsize=9];");
    let mut drawn = vec![false; ir.graph.node_count()];
    for flow in &ir.flows {
        let _ = writeln!(out, "    subgraph {} {{", quote(&format!("cluster_{}", flow.name)));
        let _ = writeln!(out, "        label={};", quote(&format!("flow {}", flow.name)));
        let _ = writeln!(out, "        style=rounded; color=\"#999999\";");
        for index in &flow.nodes {
            if std::mem::replace(&mut drawn[index.index()], true) {
                continue;
            }
            let node = &ir.graph[*index];
            let shape = match node.role {
                Role::Source => "shape=invhouse, style=filled, fillcolor=\"#e3f2fd\"",
                Role::Sink => "shape=house, style=filled, fillcolor=\"#fff3e0\"",
                Role::Transform => "shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\"",
            };
            let _ = writeln!(
                out,
                "        {} [{shape}, label={}];",
                quote(&node.name),
                quote(&node_label(ir, index.index()))
            );
        }
        let _ = writeln!(out, "    }}");
    }
    for edge in ir.graph.edge_references() {
        let _ = writeln!(
            out,
            "    {} -> {} [label={}];",
            quote(&ir.graph[edge.source()].name),
            quote(&ir.graph[edge.target()].name),
            quote(&edge.weight().ty.to_string())
        );
    }
    out.push_str("}\n");
    out
}

/// The Mermaid form (`flowchart LR`), for Markdown that renders Mermaid.
pub fn mermaid(ir: &Ir) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut drawn = vec![false; ir.graph.node_count()];
    for flow in &ir.flows {
        let _ = writeln!(out, "    subgraph flow_{} [\"flow {}\"]", flow.name, flow.name);
        for index in &flow.nodes {
            if std::mem::replace(&mut drawn[index.index()], true) {
                continue;
            }
            let node = &ir.graph[*index];
            let label = mermaid_text(&node_label(ir, index.index()));
            let shape = match node.role {
                Role::Source => format!("([\"{label}\"])"),
                Role::Sink => format!("[/\"{label}\"/]"),
                Role::Transform => format!("[\"{label}\"]"),
            };
            let _ = writeln!(out, "        {}{shape}", node.name);
        }
        let _ = writeln!(out, "    end");
    }
    for edge in ir.graph.edge_references() {
        let _ = writeln!(
            out,
            "    {} -->|\"{}\"| {}",
            ir.graph[edge.source()].name,
            mermaid_text(&edge.weight().ty.to_string()),
            ir.graph[edge.target()].name
        );
    }
    out
}

fn node_label(ir: &Ir, index: usize) -> String {
    let node = &ir.graph[petgraph::graph::NodeIndex::new(index)];
    if node.function == node.name { node.name.clone() } else { format!("{} ({})", node.name, node.function) }
}

/// A DOT string literal.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Text inside a Mermaid label: quotes and angle brackets as entities.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

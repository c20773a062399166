//! Generates apps with N functions for the `check` benchmark: flows of 5 user stages between
//! an MQTT source and a log sink, with records, expression bodies, a handler and placement per
//! flow; and node inventories for the feasibility benchmark.

// Each program that includes this module uses one of the generators.
#![allow(dead_code)]

use std::fmt::Write;

/// An app of `functions` functions (rounded up to a multiple of 5) in one file.
pub fn generate_app(functions: usize) -> String {
    let flows = functions.div_ceil(5);
    let mut out = String::with_capacity(flows * 900);
    out.push_str("app generated { dync = \"0.1\", namespace = \"bench\" }\n\n");
    out.push_str("use std::io::{mqtt_in, log}\nuse std::window::tumbling\n\n");
    out.push_str("type Reading { room: String, celsius: Float, at: Timestamp? }\n");
    out.push_str("type Average { key: String, avg: Float, count: Int }\n");
    out.push_str("enum Level { Low, Medium, High }\n");
    out.push('\n');
    for i in 0..flows {
        let _ = write!(
            out,
            "fn decode_{i}(raw: Bytes) -> Reading {{\n    exec = \"python3 handlers/decode.py\"\n    image = \"registry.example.com/decode:{i}\"\n}}\n\n\
             fn calibrate_{i}(r: Reading, offset: Float = 0.5) -> Reading = Reading(room: r.room, celsius: r.celsius + offset, at: r.at)\n\n\
             fn hot_{i}(r: Reading, limit: Float = 28.0) -> Reading? = if r.celsius >= limit && r.room != \"\" {{ r }} else {{ none }}\n\n\
             fn grade_{i}(a: Average) -> Level = if a.avg > 35.0 {{ Level::High }} else if a.avg > 30.0 {{ Level::Medium }} else {{ Level::Low }}\n\n\
             fn describe_{i}(l: Level) -> String = match l {{ Level::High => \"high\", Level::Medium => \"medium\", Level::Low => \"low\" }}\n\n\
             flow flow_{i} {{\n    readings = mqtt_in(\"sensors/{i}/+\") -> decode_{i} -> calibrate_{i}(offset: 0.25)\n    \
             readings -> hot_{i} -> tumbling(10s, key: room, value: celsius) -> grade_{i} -> describe_{i} -> log\n}}\n\n\
             place decode_{i} {{\n    on tier == \"edge\"\n    on zone in [\"zone-{}\", \"zone-{}\"]\n    resources cpu 100m..500m, memory 64Mi..128Mi\n    replicas 1..4 when cpu > 70%\n}}\n\n\
             place grade_{i} {{\n    on tier == \"cloud\"\n    tolerate dedicated == \"analytics\" effect \"NoSchedule\"\n    resources cpu 250m, memory 256Mi\n}}\n\n",
            i % 10,
            (i + 1) % 10
        );
    }
    out
}

/// A native-form inventory of `nodes` nodes: edge and cloud nodes over ten zones, some cloud
/// nodes tainted for analytics, some edge nodes too small for the decoders.
pub fn generate_inventory(nodes: usize) -> String {
    let mut out = String::with_capacity(nodes * 260);
    out.push_str("nodes:\n");
    for i in 0..nodes {
        let tier = if i % 3 == 0 { "cloud" } else { "edge" };
        let taint = if tier == "cloud" && i % 2 == 0 {
            "\n    taints: [{ key: dedicated, value: analytics, effect: NoSchedule }]"
        } else {
            ""
        };
        let memory = if i % 7 == 0 { "64Mi" } else { "16Gi" };
        let _ = write!(
            out,
            "  - name: node-{i}\n    labels: {{ kubernetes.io/hostname: node-{i}, tier: {tier}, topology.kubernetes.io/zone: zone-{} }}{taint}\n    allocatable: {{ cpu: \"8\", memory: {memory} }}\n",
            i % 10
        );
    }
    out
}

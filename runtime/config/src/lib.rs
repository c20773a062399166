//! dync-runtime-config: the versioned contract between compiler and runtime, and the
//! workspace's one YAML module.
//!
//! The compiler writes a [`RuntimeConfig`] (`runtime.yaml` holds the whole app; each function's
//! ConfigMap holds the same document with only that function); the runtime reads it and refuses
//! any other `apiVersion`. Every type here derives a JSON Schema (`docs/runtime-config.schema.json`).

pub mod expr;
pub mod types;
pub mod yaml;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use expr::{BinaryOp, ExprIr, MatchArm, Pattern, UnaryOp, Value};
pub use types::{FieldDesc, TypeDesc};

/// The only `apiVersion` this crate reads and writes.
pub const API_VERSION: &str = "dync.dev/v1";
/// The `kind` of a runtime-config document.
pub const KIND: &str = "RuntimeConfig";

/// The port a function's runtime receives messages on (the Service's `http` port).
pub const HTTP_PORT: u16 = 8080;
/// The port the runtime serves `/metrics` on (the Service's `metrics` port).
pub const METRICS_PORT: u16 = 9090;
/// The path messages are POSTed to.
pub const MESSAGE_PATH: &str = "/v1/messages";
/// Liveness probe path.
pub const HEALTH_PATH: &str = "/healthz";
/// Readiness probe path.
pub const READY_PATH: &str = "/readyz";
/// Prometheus metrics path.
pub const METRICS_PATH: &str = "/metrics";
/// The non-root user and group every pod runs as (the distroless `nonroot` ids).
pub const RUNTIME_UID: i64 = 65532;
/// Where a pod mounts its ConfigMap, as a directory (never `subPath`) so updates reach it.
pub const CONFIG_DIR: &str = "/etc/dync";
/// The ConfigMap key (and so the file under [`CONFIG_DIR`]) holding the function's slice.
pub const CONFIG_FILE: &str = "runtime.yaml";
/// Where the runtime binary lives inside the runtime image.
pub const RUNTIME_BINARY: &str = "/usr/local/bin/dync-runtime";
/// Where an init container copies the runtime binary for pods that run a user's image.
pub const RUNTIME_COPY_DIR: &str = "/dync/bin";

/// A runtime configuration: the whole app, or one function's slice of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "dync runtime configuration")]
pub struct RuntimeConfig {
    /// Always `dync.dev/v1`; the runtime rejects any other value.
    pub api_version: String,
    /// Always `RuntimeConfig`.
    pub kind: String,
    /// The app's name as declared in its `app` item.
    pub app: String,
    /// The Kubernetes namespace the app is deployed to (used to build route URLs).
    pub namespace: String,
    /// The profile the configuration was compiled with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The functions of the app (or the one function of a slice), sorted by name.
    pub functions: Vec<FunctionConfig>,
}

impl RuntimeConfig {
    /// A configuration of the current version.
    pub fn new(app: String, namespace: String, profile: Option<String>, functions: Vec<FunctionConfig>) -> Self {
        RuntimeConfig {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            app,
            namespace,
            profile,
            functions,
        }
    }

    /// The same document with only the named function (a ConfigMap's content).
    pub fn slice(&self, name: &str) -> Option<RuntimeConfig> {
        self.functions.iter().find(|f| f.name == name).map(|f| self.with_only(f))
    }

    /// The same document with only `function` (one of this document's functions).
    pub fn with_only(&self, function: &FunctionConfig) -> RuntimeConfig {
        // Not `..self.clone()`, which would copy every function once per slice.
        RuntimeConfig { functions: vec![function.clone()], ..self.header() }
    }

    /// The whole document and every function's slice as YAML, serializing each function once
    /// (the slices repeat what the whole holds). Reads back exactly as [`yaml::to_string`] of
    /// the same values. The parts are public so that a caller may serialize functions in
    /// parallel: `header + "functions:\n" + items` is the document.
    pub fn to_yaml_documents(&self) -> Result<(String, Vec<String>), yaml::YamlError> {
        let header = self.yaml_header()?;
        let items = self.functions.iter().map(function_yaml).collect::<Result<Vec<_>, _>>()?;
        let slices = items.iter().map(|item| format!("{header}functions:\n{item}")).collect();
        Ok((whole_document(&header, &items), slices))
    }

    /// The document's YAML before its `functions` (the last field).
    pub fn yaml_header(&self) -> Result<String, yaml::YamlError> {
        let header = yaml::to_string(&self.header())?;
        match header.strip_suffix("functions: []\n") {
            Some(header) => Ok(header.to_string()),
            None => Err(yaml::YamlError {
                message: "unexpected layout of the runtime configuration's header".to_string(),
                line: None,
                column: None,
            }),
        }
    }

    /// The header fields, without functions.
    fn header(&self) -> RuntimeConfig {
        RuntimeConfig {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            app: self.app.clone(),
            namespace: self.namespace.clone(),
            profile: self.profile.clone(),
            functions: Vec::new(),
        }
    }

    /// Checks the header fields a reader must not guess about.
    pub fn validate_header(&self) -> Result<(), String> {
        if self.api_version != API_VERSION {
            return Err(format!(
                "unsupported apiVersion `{}`: this runtime reads `{API_VERSION}`; recompile the app with a matching dync",
                self.api_version
            ));
        }
        if self.kind != KIND {
            return Err(format!("unexpected kind `{}`: expected `{KIND}`", self.kind));
        }
        Ok(())
    }
}

/// One function as an item of the `functions` list (`- name: ...`).
pub fn function_yaml(function: &FunctionConfig) -> Result<String, yaml::YamlError> {
    yaml::to_string(&[function])
}

/// The whole document from [`RuntimeConfig::yaml_header`] and every [`function_yaml`].
pub fn whole_document(header: &str, items: &[String]) -> String {
    if items.is_empty() {
        return format!("{header}functions: []\n");
    }
    let mut whole = String::with_capacity(header.len() + 11 + items.iter().map(String::len).sum::<usize>());
    whole.push_str(header);
    whole.push_str("functions:\n");
    items.iter().for_each(|item| whole.push_str(item));
    whole
}

/// What a function does in the dataflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Produces messages and receives none.
    Source,
    /// Receives a message and emits zero or one.
    Transform,
    /// Receives messages and emits none.
    Sink,
}

/// One function instance: a user function, or one use of a standard-library function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionConfig {
    /// Unique in the app: the function's name, or `log_2` for a second use of `log`.
    pub name: String,
    /// The Kubernetes name (`_` → `-`): its Service, Deployment and ConfigMap are named after it.
    pub service: String,
    /// The declared function this instance runs, and the module declaring it (`std::io`).
    pub function: String,
    pub module: String,
    pub role: Role,
    /// The type of the messages it receives (absent for a source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<TypeDesc>,
    /// The type of the messages it emits (absent for a sink).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<TypeDesc>,
    /// How it computes its output.
    pub body: Body,
    /// Where every emitted message goes, sorted by target name.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Retry and queueing settings for delivering to the routes.
    pub delivery: Delivery,
    /// The flows this function appears in, in source order.
    #[serde(default)]
    pub flows: Vec<String>,
}

/// A function's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Body {
    /// An expression interpreted by the runtime. `message` names the parameter bound to the
    /// received message (absent for a source); `settings` binds the other parameters.
    #[serde(rename_all = "camelCase")]
    Expression {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default)]
        settings: Vec<Setting>,
        expr: ExprIr,
    },
    /// A user program speaking the handler JSON protocol on stdin/stdout.
    #[serde(rename_all = "camelCase")]
    Handler {
        /// The command (`exec`), split into words without a shell; the runtime starts it from
        /// the app's directory locally and from the image's working directory in a pod.
        #[serde(default)]
        argv: Vec<String>,
        /// The image Kubernetes runs it in (absent for local-only handlers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<String>,
        /// Environment variables; secrets are references, never values.
        #[serde(default)]
        env: Vec<EnvVar>,
        /// The settings after the message parameter, passed to the handler with each message.
        #[serde(default)]
        settings: Vec<Setting>,
    },
    /// A standard-library function implemented by the runtime (`std::io::mqtt_in`).
    #[serde(rename_all = "camelCase")]
    Intrinsic {
        intrinsic: String,
        #[serde(default)]
        settings: Vec<Setting>,
    },
}

/// A parameter after the message, with its constant value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Setting {
    pub name: String,
    pub value: Value,
}

/// An environment variable of a handler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    /// A literal value (exactly one of `value` and `secret` is present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A reference to a key of a Kubernetes Secret; the value is never in the configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    /// The Secret's name.
    pub name: String,
    /// The key inside the Secret.
    pub key: String,
}

/// A downstream function that receives every message this function emits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// The target function's instance name.
    pub to: String,
    /// The flow the connection is declared in.
    pub flow: String,
    /// Where to POST messages on Kubernetes:
    /// `http://<service>.<namespace>.svc.cluster.local:8080/v1/messages`. Local runs resolve
    /// `to` to a loopback port instead.
    pub url: String,
}

/// Delivery settings for a function's outgoing messages (at-least-once, with message ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delivery {
    /// Attempts per message and route before the message is dead-lettered.
    pub max_attempts: u32,
    /// The first retry delay, doubled on each attempt up to `maxBackoffMs`.
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Per-request timeout.
    pub timeout_ms: u64,
    /// Messages buffered per route before the function applies back-pressure (HTTP 503).
    pub queue_capacity: u32,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            max_attempts: 5,
            initial_backoff_ms: 100,
            max_backoff_ms: 10_000,
            timeout_ms: 5_000,
            queue_capacity: 1_024,
        }
    }
}

/// The JSON Schema of [`RuntimeConfig`], pretty-printed with a trailing newline
/// (`docs/runtime-config.schema.json`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RuntimeConfig);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a runtime-config document, checking its version.
pub fn from_yaml(text: &str) -> Result<RuntimeConfig, yaml::YamlError> {
    let config: RuntimeConfig = yaml::from_str(text)?;
    config.validate_header().map_err(|message| yaml::YamlError { message, line: None, column: None })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuntimeConfig {
        RuntimeConfig::new(
            "demo".into(),
            "default".into(),
            None,
            vec![FunctionConfig {
                name: "double".into(),
                service: "double".into(),
                function: "double".into(),
                module: "app".into(),
                role: Role::Transform,
                input: Some(TypeDesc::Int),
                output: Some(TypeDesc::Int),
                body: Body::Expression {
                    message: Some("x".into()),
                    settings: vec![],
                    expr: ExprIr::Binary {
                        op: BinaryOp::Mul,
                        lhs: Box::new(ExprIr::Var { name: "x".into() }),
                        rhs: Box::new(ExprIr::Const { value: Value::Int(2) }),
                    },
                },
                routes: vec![],
                delivery: Delivery::default(),
                flows: vec!["main".into()],
            }],
        )
    }

    #[test]
    fn round_trips_through_yaml() {
        let config = sample();
        let text = yaml::to_string(&config).expect("serializable");
        assert_eq!(from_yaml(&text).expect("readable"), config);
    }

    #[test]
    fn documents_are_what_serializing_each_value_gives() {
        let mut config = sample();
        let mut second = config.functions[0].clone();
        second.name = "triple".into();
        config.functions.push(second);
        config.profile = Some("night".into());
        let (whole, slices) = config.to_yaml_documents().expect("serializable");
        assert_eq!(whole, yaml::to_string(&config).expect("serializable"));
        for (function, slice) in config.functions.iter().zip(&slices) {
            assert_eq!(*slice, yaml::to_string(&config.with_only(function)).expect("serializable"));
        }
        let empty = RuntimeConfig { functions: Vec::new(), ..config.clone() };
        assert_eq!(empty.to_yaml_documents().expect("serializable").0, yaml::to_string(&empty).expect("serializable"));
    }

    #[test]
    fn rejects_other_versions() {
        let text = yaml::to_string(&sample()).expect("serializable").replace("dync.dev/v1", "dync.dev/v9");
        let error = from_yaml(&text).expect_err("wrong version");
        assert!(error.message.contains("unsupported apiVersion `dync.dev/v9`"), "{error}");
    }

    #[test]
    fn rejects_unknown_fields() {
        let text = yaml::to_string(&sample())
            .expect("serializable")
            .replace("kind: RuntimeConfig", "kind: RuntimeConfig\nextra: 1");
        assert!(from_yaml(&text).is_err());
    }
}

//! Kubernetes manifests from typed `k8s-openapi` structs: per function a ServiceAccount,
//! ConfigMap, Service, Deployment, NetworkPolicy and, when needed, an HPA and a PDB.

use std::collections::BTreeMap;
use std::fmt::Write;

use dync_runtime_config as rc;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricIdentifier, MetricSpec,
    MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    EnvVarSource, HTTPGetAction, Lifecycle, LifecycleHandler, Namespace, NodeAffinity, NodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm, PodAffinity, PodAffinityTerm, PodAntiAffinity, PodSecurityContext,
    PodSpec, PodTemplateSpec, PreferredSchedulingTerm, Probe, ResourceRequirements, SeccompProfile, SecretKeySelector,
    SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec, SleepAction, Toleration,
    TopologySpreadConstraint, Volume, VolumeMount, WeightedPodAffinityTerm,
};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::ir::{Body, EnvValue, Ir, Node, PeerSelector};
use crate::placement::{Amount, Budget, NodeSelector as Rule, Replicas, SelectorOp};

/// Seconds a pod keeps serving after it is removed from its Service's endpoints, before the
/// runtime is told to drain (endpoint removal propagates asynchronously).
pub const PRE_STOP_SLEEP_SECONDS: i64 = 5;
/// Time for the runtime to drain its queues after SIGTERM.
pub const TERMINATION_GRACE_SECONDS: i64 = 30;

/// The label keys every object carries.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// On pods: the declared function (every instance of `mqtt_in` shares it), for `near`/`apart`.
pub const FUNCTION_LABEL: &str = "dync.dev/function";
/// On Deployment metadata: the flows the function is in, comma-separated.
pub const FLOWS_ANNOTATION: &str = "dync.dev/flows";
/// On Deployment metadata: the declared function, `module::name`.
pub const DECLARED_AS_ANNOTATION: &str = "dync.dev/declared-as";
/// On the pod template: the content hash of what needs a restart ([`content_hash`]).
pub const HASH_ANNOTATION: &str = "dync.dev/hash";

/// What every function's objects share.
pub struct AppContext<'a> {
    pub ir: &'a Ir,
    pub app_label: String,
    pub namespace: String,
    pub runtime_image: String,
    pub registry: Option<String>,
}

/// The objects of one function, each already a Kubernetes object.
pub struct FunctionObjects {
    pub service_account: ServiceAccount,
    pub config_map: ConfigMap,
    pub service: Service,
    pub deployment: Deployment,
    pub network_policy: NetworkPolicy,
    pub autoscaler: Option<HorizontalPodAutoscaler>,
    pub disruption_budget: Option<PodDisruptionBudget>,
}

fn map(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

fn quantities<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, Quantity> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), Quantity(v.to_string()))).collect()
}

impl AppContext<'_> {
    pub fn namespace_object(&self) -> Namespace {
        let mut labels = self.common_labels();
        // The restricted Pod Security Standard, enforced by the namespace for every pod in it.
        labels.insert("pod-security.kubernetes.io/enforce".into(), "restricted".into());
        labels.insert("kubernetes.io/metadata.name".into(), self.namespace.clone());
        Namespace {
            metadata: ObjectMeta { name: Some(self.namespace.clone()), labels: Some(labels), ..ObjectMeta::default() },
            ..Namespace::default()
        }
    }

    fn common_labels(&self) -> BTreeMap<String, String> {
        let mut labels = map(self.ir.labels.iter().cloned());
        labels.insert(PART_OF_LABEL.into(), self.app_label.clone());
        labels.insert(MANAGED_BY_LABEL.into(), "dync".into());
        labels
    }

    /// The labels that select a function's pods.
    fn selector_labels(&self, node: &Node) -> BTreeMap<String, String> {
        map([(NAME_LABEL, node.service.clone()), (PART_OF_LABEL, self.app_label.clone())])
    }

    fn labels(&self, node: &Node) -> BTreeMap<String, String> {
        let mut labels = self.common_labels();
        labels.insert(NAME_LABEL.into(), node.service.clone());
        labels.insert(COMPONENT_LABEL.into(), node.role.as_str().into());
        labels
    }

    fn meta(&self, node: &Node, name: String) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels(node)),
            ..ObjectMeta::default()
        }
    }

    /// Every object of one function; `config` is its ConfigMap's runtime.yaml, `body` its body
    /// in the runtime configuration (for the content hash).
    pub fn function(&self, index: petgraph::graph::NodeIndex, config: String, body: &rc::Body) -> FunctionObjects {
        let node = &self.ir.graph[index];
        FunctionObjects {
            service_account: ServiceAccount {
                metadata: self.meta(node, node.service.clone()),
                automount_service_account_token: Some(false),
                ..ServiceAccount::default()
            },
            config_map: ConfigMap {
                metadata: self.meta(node, config_map_name(&node.service)),
                data: Some(map([(rc::CONFIG_FILE, config)])),
                ..ConfigMap::default()
            },
            service: self.service(node),
            deployment: self.deployment(node, body),
            network_policy: self.network_policy(index),
            autoscaler: self.autoscaler(node),
            disruption_budget: self.disruption_budget(node),
        }
    }

    fn service(&self, node: &Node) -> Service {
        let mut ports = vec![
            ServicePort {
                name: Some("http".into()),
                port: i32::from(rc::HTTP_PORT),
                target_port: Some(IntOrString::String("http".into())),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            },
            ServicePort {
                name: Some("metrics".into()),
                port: i32::from(rc::METRICS_PORT),
                target_port: Some(IntOrString::String("metrics".into())),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            },
        ];
        if let Some(port) = extra_ingress_port(node) {
            ports.push(ServicePort {
                name: Some("ingress".into()),
                port,
                target_port: Some(IntOrString::String("ingress".into())),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            });
        }
        Service {
            metadata: self.meta(node, node.service.clone()),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(self.selector_labels(node)),
                ports: Some(ports),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        }
    }

    fn deployment(&self, node: &Node, body: &rc::Body) -> Deployment {
        let mut meta = self.meta(node, node.service.clone());
        meta.annotations = Some(map([
            (FLOWS_ANNOTATION, node.flows.join(",")),
            (
                DECLARED_AS_ANNOTATION,
                format!("{}::{}", super::lower::module_name(self.ir, &node.module), node.function),
            ),
        ]));
        let pod_spec = self.pod_spec(node);
        let mut pod_labels = self.labels(node);
        pod_labels.insert(FUNCTION_LABEL.into(), node.function.replace('_', "-"));
        let replicas = match node.placement.replicas {
            Replicas::Fixed(n) => Some(i32::try_from(n).unwrap_or(i32::MAX)),
            // The HPA owns the count: a fixed number here would reset it on every apply.
            Replicas::Autoscale { .. } => None,
        };
        Deployment {
            metadata: meta,
            spec: Some(DeploymentSpec {
                replicas,
                selector: LabelSelector { match_labels: Some(self.selector_labels(node)), ..LabelSelector::default() },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(pod_labels),
                        annotations: Some(map([(HASH_ANNOTATION, content_hash(body, &pod_spec))])),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(pod_spec),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }
    }

    fn pod_spec(&self, node: &Node) -> PodSpec {
        let placement = &node.placement;
        let mut volumes = vec![
            Volume {
                name: "config".into(),
                // Mounted as a directory (never subPath) so the runtime sees updates in place.
                config_map: Some(ConfigMapVolumeSource {
                    name: config_map_name(&node.service),
                    ..ConfigMapVolumeSource::default()
                }),
                ..Volume::default()
            },
            Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource {
                    size_limit: Some(Quantity("64Mi".into())),
                    ..EmptyDirVolumeSource::default()
                }),
                ..Volume::default()
            },
        ];
        let mut mounts = vec![
            VolumeMount {
                name: "config".into(),
                mount_path: rc::CONFIG_DIR.into(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
            VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..VolumeMount::default() },
        ];
        let serve_args = vec![
            "serve".to_string(),
            "--function".to_string(),
            node.name.clone(),
            "--config".to_string(),
            rc::CONFIG_DIR.to_string(),
        ];
        let mut init_containers = Vec::new();
        let (image, command) = match &node.body {
            Body::Handler { image, .. } => {
                // The user's image runs the runtime, copied in by an init container from the
                // runtime image; the runtime spawns the handler.
                volumes.push(Volume {
                    name: "dync-runtime".into(),
                    empty_dir: Some(EmptyDirVolumeSource {
                        size_limit: Some(Quantity("64Mi".into())),
                        ..EmptyDirVolumeSource::default()
                    }),
                    ..Volume::default()
                });
                mounts.push(VolumeMount {
                    name: "dync-runtime".into(),
                    mount_path: rc::RUNTIME_COPY_DIR.into(),
                    read_only: Some(true),
                    ..VolumeMount::default()
                });
                init_containers.push(Container {
                    name: "install-runtime".into(),
                    image: Some(self.runtime_image.clone()),
                    command: Some(vec![
                        rc::RUNTIME_BINARY.into(),
                        "install".into(),
                        format!("{}/dync-runtime", rc::RUNTIME_COPY_DIR),
                    ]),
                    volume_mounts: Some(vec![VolumeMount {
                        name: "dync-runtime".into(),
                        mount_path: rc::RUNTIME_COPY_DIR.into(),
                        ..VolumeMount::default()
                    }]),
                    resources: Some(ResourceRequirements {
                        requests: Some(quantities([("cpu", "10m"), ("memory", "16Mi")])),
                        limits: Some(quantities([("memory", "64Mi")])),
                        ..ResourceRequirements::default()
                    }),
                    security_context: Some(restricted_container()),
                    ..Container::default()
                });
                let image = image.as_deref().map(|i| with_registry(i, self.registry.as_deref())).unwrap_or_default();
                (image, vec![format!("{}/dync-runtime", rc::RUNTIME_COPY_DIR)])
            }
            Body::Expr { .. } | Body::Intrinsic { .. } => (self.runtime_image.clone(), vec![rc::RUNTIME_BINARY.into()]),
        };
        let mut ports = vec![
            ContainerPort {
                name: Some("http".into()),
                container_port: i32::from(rc::HTTP_PORT),
                protocol: Some("TCP".into()),
                ..ContainerPort::default()
            },
            ContainerPort {
                name: Some("metrics".into()),
                container_port: i32::from(rc::METRICS_PORT),
                protocol: Some("TCP".into()),
                ..ContainerPort::default()
            },
        ];
        if let Some(port) = extra_ingress_port(node) {
            ports.push(ContainerPort {
                name: Some("ingress".into()),
                container_port: port,
                protocol: Some("TCP".into()),
                ..ContainerPort::default()
            });
        }
        let probe = |path: &str| Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.into()),
                port: IntOrString::String("http".into()),
                ..HTTPGetAction::default()
            }),
            period_seconds: Some(10),
            ..Probe::default()
        };
        let container = Container {
            name: "function".into(),
            image: Some(image),
            command: Some(command),
            args: Some(serve_args),
            env: env_vars(node),
            ports: Some(ports),
            liveness_probe: Some(probe(rc::HEALTH_PATH)),
            readiness_probe: Some(probe(rc::READY_PATH)),
            lifecycle: Some(Lifecycle {
                pre_stop: Some(LifecycleHandler {
                    sleep: Some(SleepAction { seconds: PRE_STOP_SLEEP_SECONDS }),
                    ..LifecycleHandler::default()
                }),
                ..Lifecycle::default()
            }),
            resources: resources(node),
            security_context: Some(restricted_container()),
            volume_mounts: Some(mounts),
            ..Container::default()
        };
        PodSpec {
            service_account_name: Some(node.service.clone()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(rc::RUNTIME_UID),
                run_as_group: Some(rc::RUNTIME_UID),
                fs_group: Some(rc::RUNTIME_UID),
                seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), ..SeccompProfile::default() }),
                ..PodSecurityContext::default()
            }),
            termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
            init_containers: (!init_containers.is_empty()).then_some(init_containers),
            containers: vec![container],
            volumes: Some(volumes),
            affinity: self.affinity(node),
            tolerations: (!placement.tolerations.is_empty()).then(|| {
                placement
                    .tolerations
                    .iter()
                    .map(|t| Toleration {
                        key: Some(t.key.clone()),
                        operator: Some(if t.value.is_some() { "Equal" } else { "Exists" }.into()),
                        value: t.value.clone(),
                        effect: t.effect.clone(),
                        ..Toleration::default()
                    })
                    .collect()
            }),
            topology_spread_constraints: (!placement.spread.is_empty()).then(|| {
                placement
                    .spread
                    .iter()
                    .map(|s| TopologySpreadConstraint {
                        max_skew: i32::try_from(s.max_skew).unwrap_or(i32::MAX),
                        topology_key: s.topology.clone(),
                        when_unsatisfiable: if s.required { "DoNotSchedule" } else { "ScheduleAnyway" }.into(),
                        label_selector: Some(LabelSelector {
                            match_labels: Some(self.selector_labels(node)),
                            ..LabelSelector::default()
                        }),
                        ..TopologySpreadConstraint::default()
                    })
                    .collect()
            }),
            ..PodSpec::default()
        }
    }

    fn affinity(&self, node: &Node) -> Option<Affinity> {
        let placement = &node.placement;
        let node_affinity = (!placement.required.is_empty() || !placement.preferred.is_empty()).then(|| NodeAffinity {
            required_during_scheduling_ignored_during_execution: (!placement.required.is_empty()).then(|| {
                NodeSelector {
                    // One term: all required rules hold together (terms would be alternatives).
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_expressions: Some(placement.required.iter().map(requirement).collect()),
                        ..NodeSelectorTerm::default()
                    }],
                }
            }),
            preferred_during_scheduling_ignored_during_execution: (!placement.preferred.is_empty()).then(|| {
                placement
                    .preferred
                    .iter()
                    .map(|(weight, rule)| PreferredSchedulingTerm {
                        weight: i32::from(*weight),
                        preference: NodeSelectorTerm {
                            match_expressions: Some(vec![requirement(rule)]),
                            ..NodeSelectorTerm::default()
                        },
                    })
                    .collect()
            }),
        });
        let term = |function: &str, topology: &str| PodAffinityTerm {
            label_selector: Some(LabelSelector {
                match_labels: Some(map([
                    (FUNCTION_LABEL, function.replace('_', "-")),
                    (PART_OF_LABEL, self.app_label.clone()),
                ])),
                ..LabelSelector::default()
            }),
            topology_key: topology.into(),
            ..PodAffinityTerm::default()
        };
        let mut pod_affinity = PodAffinity::default();
        let mut pod_anti_affinity = PodAntiAffinity::default();
        for rule in &placement.affinity {
            let (required, preferred) = if rule.anti {
                (
                    &mut pod_anti_affinity.required_during_scheduling_ignored_during_execution,
                    &mut pod_anti_affinity.preferred_during_scheduling_ignored_during_execution,
                )
            } else {
                (
                    &mut pod_affinity.required_during_scheduling_ignored_during_execution,
                    &mut pod_affinity.preferred_during_scheduling_ignored_during_execution,
                )
            };
            let affinity_term = term(&rule.function, &rule.topology);
            match rule.weight {
                None => required.get_or_insert_with(Vec::new).push(affinity_term),
                Some(weight) => preferred
                    .get_or_insert_with(Vec::new)
                    .push(WeightedPodAffinityTerm { weight: i32::from(weight), pod_affinity_term: affinity_term }),
            }
        }
        let pod_affinity = (pod_affinity != PodAffinity::default()).then_some(pod_affinity);
        let pod_anti_affinity = (pod_anti_affinity != PodAntiAffinity::default()).then_some(pod_anti_affinity);
        (node_affinity.is_some() || pod_affinity.is_some() || pod_anti_affinity.is_some()).then_some(Affinity {
            node_affinity,
            pod_affinity,
            pod_anti_affinity,
        })
    }

    fn network_policy(&self, index: petgraph::graph::NodeIndex) -> NetworkPolicy {
        let graph = &self.ir.graph;
        let node = &graph[index];
        let pods_of = |service: &str| NetworkPolicyPeer {
            pod_selector: Some(LabelSelector {
                match_labels: Some(map([(NAME_LABEL, service.to_string()), (PART_OF_LABEL, self.app_label.clone())])),
                ..LabelSelector::default()
            }),
            ..NetworkPolicyPeer::default()
        };
        let port = |port: i32, protocol: &str| NetworkPolicyPort {
            port: Some(IntOrString::Int(port)),
            protocol: Some(protocol.into()),
            ..NetworkPolicyPort::default()
        };
        let mut upstream: Vec<&str> =
            graph.neighbors_directed(index, petgraph::Direction::Incoming).map(|n| graph[n].service.as_str()).collect();
        upstream.sort_unstable();
        upstream.dedup();
        let mut downstream: Vec<&str> =
            graph.neighbors_directed(index, petgraph::Direction::Outgoing).map(|n| graph[n].service.as_str()).collect();
        downstream.sort_unstable();
        downstream.dedup();

        let mut ingress = Vec::new();
        if !upstream.is_empty() {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(upstream.iter().map(|s| pods_of(s)).collect()),
                ports: Some(vec![port(i32::from(rc::HTTP_PORT), "TCP")]),
            });
        }
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![peer(&self.ir.metrics_scraper)]),
            ports: Some(vec![port(i32::from(rc::METRICS_PORT), "TCP")]),
        });
        if let Some(ingress_port) = ingress_port(node) {
            ingress.push(NetworkPolicyIngressRule {
                // Without a declared `ingress_from` selector, any peer may call an HTTP source.
                from: self.ir.ingress_from.as_ref().map(|selector| vec![peer(selector)]),
                ports: Some(vec![port(ingress_port, "TCP")]),
            });
        }

        let mut egress = Vec::new();
        if !downstream.is_empty() {
            egress.push(NetworkPolicyEgressRule {
                to: Some(downstream.iter().map(|s| pods_of(s)).collect()),
                ports: Some(vec![port(i32::from(rc::HTTP_PORT), "TCP")]),
            });
        }
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(map([("kubernetes.io/metadata.name", "kube-system")])),
                    ..LabelSelector::default()
                }),
                pod_selector: Some(LabelSelector {
                    match_labels: Some(map([("k8s-app", "kube-dns")])),
                    ..LabelSelector::default()
                }),
                ..NetworkPolicyPeer::default()
            }]),
            ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
        });
        for endpoint in external_endpoints(node) {
            egress.push(NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    ip_block: Some(IPBlock { cidr: endpoint.cidr, ..IPBlock::default() }),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![port(endpoint.port, "TCP")]),
            });
        }
        NetworkPolicy {
            metadata: self.meta(node, node.service.clone()),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(self.selector_labels(node)),
                    ..LabelSelector::default()
                }),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress: Some(ingress),
                egress: Some(egress),
            }),
        }
    }

    fn autoscaler(&self, node: &Node) -> Option<HorizontalPodAutoscaler> {
        let Replicas::Autoscale { min, max, targets } = &node.placement.replicas else { return None };
        let mut metrics: Vec<MetricSpec> = targets
            .iter()
            .map(|target| match (target.metric.as_str(), target.utilization_percent) {
                ("cpu" | "memory", Some(percent)) => MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricSource {
                        name: target.metric.clone(),
                        target: MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(i32::try_from(percent).unwrap_or(i32::MAX)),
                            ..MetricTarget::default()
                        },
                    }),
                    ..MetricSpec::default()
                },
                _ => MetricSpec {
                    type_: "Pods".into(),
                    pods: Some(PodsMetricSource {
                        metric: MetricIdentifier { name: target.metric.clone(), ..MetricIdentifier::default() },
                        target: MetricTarget {
                            type_: "AverageValue".into(),
                            average_value: Some(Quantity(number_quantity(target.average_value.unwrap_or(1.0)))),
                            ..MetricTarget::default()
                        },
                    }),
                    ..MetricSpec::default()
                },
            })
            .collect();
        if metrics.is_empty() {
            metrics.push(MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(80),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            });
        }
        Some(HorizontalPodAutoscaler {
            metadata: self.meta(node, node.service.clone()),
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: "Deployment".into(),
                    name: node.service.clone(),
                },
                min_replicas: Some(i32::try_from(*min).unwrap_or(i32::MAX)),
                max_replicas: i32::try_from(*max).unwrap_or(i32::MAX),
                metrics: Some(metrics),
                ..HorizontalPodAutoscalerSpec::default()
            }),
            ..HorizontalPodAutoscaler::default()
        })
    }

    fn disruption_budget(&self, node: &Node) -> Option<PodDisruptionBudget> {
        let amount = |a: &Amount| match a {
            Amount::Count(n) => IntOrString::Int(i32::try_from(*n).unwrap_or(i32::MAX)),
            Amount::Percent(p) => IntOrString::String(format!("{p}%")),
        };
        let (min_available, max_unavailable) = match &node.placement.budget {
            Some(Budget::MinAvailable(a)) => (Some(amount(a)), None),
            Some(Budget::MaxUnavailable(a)) => (None, Some(amount(a))),
            None => {
                let several = match node.placement.replicas {
                    Replicas::Fixed(n) => n > 1,
                    Replicas::Autoscale { min, .. } => min > 1,
                };
                if !several {
                    return None;
                }
                // More than one pod: voluntary disruptions take one at a time.
                (None, Some(IntOrString::Int(1)))
            }
        };
        Some(PodDisruptionBudget {
            metadata: self.meta(node, node.service.clone()),
            spec: Some(PodDisruptionBudgetSpec {
                selector: Some(LabelSelector {
                    match_labels: Some(self.selector_labels(node)),
                    ..LabelSelector::default()
                }),
                min_available,
                max_unavailable,
                ..PodDisruptionBudgetSpec::default()
            }),
            ..PodDisruptionBudget::default()
        })
    }
}

/// What needs a restart of a function, as 16 hex digits of SHA-256: its body as the runtime
/// configuration holds it (an expression and its settings, a handler's command, image, env and
/// settings, an intrinsic and its settings) and its pod spec (image, env, placement,
/// resources). Not its routes, types or flows: those live in its ConfigMap, which the runtime
/// reloads in place, so re-wiring a flow changes no hash. Neither holds a path of the compile
/// nor dync's version (but through the default runtime image, which the pod runs).
pub fn content_hash(body: &rc::Body, pod: &PodSpec) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    // JSON: field order fixed by the definitions, maps sorted. Serializing plain data with
    // string keys cannot fail.
    hasher.update(serde_json::to_vec(body).unwrap_or_default());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(pod).unwrap_or_default());
    hasher.finalize().iter().take(8).fold(String::with_capacity(16), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The ConfigMap holding a function's runtime configuration.
pub fn config_map_name(service: &str) -> String {
    format!("{service}-config")
}

fn peer(selector: &PeerSelector) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: selector.namespace.as_ref().map(|ns| map([("kubernetes.io/metadata.name", ns.clone())])),
            ..LabelSelector::default()
        }),
        pod_selector: Some(LabelSelector {
            match_labels: (!selector.labels.is_empty()).then(|| map(selector.labels.iter().cloned())),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

fn restricted_container() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), ..Capabilities::default() }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), ..SeccompProfile::default() }),
        ..SecurityContext::default()
    }
}

fn requirement(rule: &Rule) -> NodeSelectorRequirement {
    let (operator, values) = match &rule.operator {
        SelectorOp::In(values) => ("In", Some(values.clone())),
        SelectorOp::NotIn(values) => ("NotIn", Some(values.clone())),
        SelectorOp::Exists => ("Exists", None),
        SelectorOp::DoesNotExist => ("DoesNotExist", None),
    };
    NodeSelectorRequirement { key: rule.key.clone(), operator: operator.into(), values }
}

fn env_vars(node: &Node) -> Option<Vec<EnvVar>> {
    let Body::Handler { env, .. } = &node.body else { return None };
    if env.is_empty() {
        return None;
    }
    Some(
        env.iter()
            .map(|(name, value)| match value {
                EnvValue::Literal(text) => {
                    EnvVar { name: name.clone(), value: Some(text.clone()), ..EnvVar::default() }
                }
                EnvValue::Secret { name: secret, key } => EnvVar {
                    name: name.clone(),
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(SecretKeySelector {
                            name: secret.clone(),
                            key: key.clone(),
                            optional: Some(false),
                        }),
                        ..EnvVarSource::default()
                    }),
                    ..EnvVar::default()
                },
            })
            .collect(),
    )
}

fn resources(node: &Node) -> Option<ResourceRequirements> {
    let r = &node.placement.resources;
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    if let Some((request, limit)) = r.cpu {
        requests.insert("cpu".to_string(), Quantity(cpu_quantity(request)));
        if let Some(limit) = limit {
            limits.insert("cpu".to_string(), Quantity(cpu_quantity(limit)));
        }
    }
    if let Some((request, limit)) = r.memory {
        requests.insert("memory".to_string(), Quantity(memory_quantity(request)));
        if let Some(limit) = limit {
            limits.insert("memory".to_string(), Quantity(memory_quantity(limit)));
        }
    }
    if let Some(gpus) = r.gpu {
        // Extended resources are set as limits; Kubernetes copies them to requests.
        limits.insert("nvidia.com/gpu".to_string(), Quantity(gpus.to_string()));
    }
    (!requests.is_empty() || !limits.is_empty()).then(|| ResourceRequirements {
        requests: (!requests.is_empty()).then_some(requests),
        limits: (!limits.is_empty()).then_some(limits),
        ..ResourceRequirements::default()
    })
}

/// Millicores as Kubernetes writes them: `500m`, `2`.
pub fn cpu_quantity(millicores: u64) -> String {
    if millicores.is_multiple_of(1000) { (millicores / 1000).to_string() } else { format!("{millicores}m") }
}

/// Bytes in the largest binary unit that divides them: `64Mi`, `1Gi`, `1500`.
pub fn memory_quantity(bytes: u64) -> String {
    for (unit, size) in [("Ti", 1u64 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// A plain number as a Kubernetes quantity: whole numbers as they are, fractions in milli-units.
fn number_quantity(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{:.0}m", (value * 1000.0).round())
    }
}

/// The port an HTTP source (`http_in(port: ...)`) listens on for outside callers.
fn ingress_port(node: &Node) -> Option<i32> {
    let Body::Intrinsic { id } = &node.body else { return None };
    if id != "std.http.ingress" {
        return None;
    }
    let port = node.settings.iter().find(|s| s.name == "port").and_then(|s| s.value.trim().parse::<i32>().ok());
    Some(port.unwrap_or(i32::from(rc::HTTP_PORT)))
}

/// The ingress port when it needs a port of its own (it is not the message port).
fn extra_ingress_port(node: &Node) -> Option<i32> {
    ingress_port(node).filter(|p| *p != i32::from(rc::HTTP_PORT))
}

/// An egress destination outside the cluster's pods.
pub struct Endpoint {
    pub cidr: String,
    pub port: i32,
}

/// The external endpoints a standard-library function talks to: `http_out`'s `url`, the MQTT
/// functions' `broker`. NetworkPolicy can only name IP blocks: a literal IP address becomes a
/// `/32` (or `/128`), a host name opens the port to every address (`0.0.0.0/0` and `::/0`).
pub fn external_endpoints(node: &Node) -> Vec<Endpoint> {
    let Body::Intrinsic { id } = &node.body else { return Vec::new() };
    let setting = match id.as_str() {
        "std.http.post" => "url",
        id if id.starts_with("std.mqtt.") => "broker",
        _ => return Vec::new(),
    };
    let Some(value) = node.settings.iter().find(|s| s.name == setting) else { return Vec::new() };
    let Some(text) = string_literal(&value.value) else { return Vec::new() };
    let Some((host, port)) = host_and_port(&text) else { return Vec::new() };
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => vec![Endpoint { cidr: format!("{ip}/32"), port }],
        Ok(std::net::IpAddr::V6(ip)) => vec![Endpoint { cidr: format!("{ip}/128"), port }],
        Err(_) => vec![Endpoint { cidr: "0.0.0.0/0".into(), port }, Endpoint { cidr: "::/0".into(), port }],
    }
}

/// The text of a string literal as written in a setting (`"tcp://mqtt:1883"`).
fn string_literal(source: &str) -> Option<String> {
    let inner = source.trim().strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains("${") && !inner.contains('\\')).then(|| inner.to_string())
}

/// `scheme://host[:port]/...` with the scheme's default port.
pub fn host_and_port(url: &str) -> Option<(String, i32)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "tcp" | "mqtt" => 1883,
        "ssl" | "tls" | "mqtts" => 8883,
        _ => return None,
    };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        (host.to_string(), after.strip_prefix(':').map(str::parse).transpose().ok()?)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port.parse().ok()?)),
            None => (authority.to_string(), None),
        }
    };
    (!host.is_empty()).then_some((host, port.unwrap_or(default_port)))
}

/// An image with the registry prefixed when it names none: `decode:1.4` with
/// `registry.example.com/iot` is `registry.example.com/iot/decode:1.4`; an image whose first
/// path component is a host (has a `.` or `:`, or is `localhost`) is kept as written.
pub fn with_registry(image: &str, registry: Option<&str>) -> String {
    let Some(registry) = registry.map(|r| r.trim_end_matches('/')).filter(|r| !r.is_empty()) else {
        return image.to_string();
    };
    let has_host = image
        .split_once('/')
        .is_some_and(|(first, _)| first.contains('.') || first.contains(':') || first == "localhost");
    if has_host { image.to_string() } else { format!("{registry}/{image}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(cpu_quantity(100), "100m");
        assert_eq!(cpu_quantity(2000), "2");
        assert_eq!(memory_quantity(64 << 20), "64Mi");
        assert_eq!(memory_quantity(1 << 30), "1Gi");
        assert_eq!(memory_quantity(1500), "1500");
        assert_eq!(number_quantity(100.0), "100");
        assert_eq!(number_quantity(0.5), "500m");
    }

    #[test]
    fn urls_give_host_and_port() {
        assert_eq!(host_and_port("https://ops.example.com/alerts"), Some(("ops.example.com".into(), 443)));
        assert_eq!(host_and_port("tcp://10.0.0.5:1884"), Some(("10.0.0.5".into(), 1884)));
        assert_eq!(host_and_port("http://[fd00::1]:8080/x"), Some(("fd00::1".into(), 8080)));
        assert_eq!(host_and_port("http://user@h/x"), Some(("h".into(), 80)));
        assert_eq!(host_and_port("ftp://h"), None);
        assert_eq!(host_and_port("http://h:notaport"), None);
    }

    #[test]
    fn registries_prefix_only_short_names() {
        assert_eq!(with_registry("decode:1.4", Some("r.example.com/iot")), "r.example.com/iot/decode:1.4");
        assert_eq!(with_registry("team/decode:1.4", Some("r.example.com")), "r.example.com/team/decode:1.4");
        assert_eq!(with_registry("r.example.com/iot/decode:1.4", Some("other.io")), "r.example.com/iot/decode:1.4");
        assert_eq!(with_registry("localhost/decode", Some("other.io")), "localhost/decode");
        assert_eq!(with_registry("decode", None), "decode");
    }
}

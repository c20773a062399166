//! dync-runtime-config: the versioned contract between compiler and runtime (issue C1), and
//! the workspace's one YAML module.

pub mod yaml;

//! The workspace's one YAML module: reading YAML (through `yaml_serde`, the maintained
//! serde_yaml). Writing Kubernetes manifests (YAML 1.1-safe) comes with issue C1.

use std::fmt;

/// A YAML document that could not be read, with where (1-based) when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for YamlError {}

/// Reads one YAML document into a JSON value (YAML's data model as plain data).
pub fn to_json(text: &str) -> Result<serde_json::Value, YamlError> {
    serde_yaml::from_str::<serde_json::Value>(text).map_err(|error| {
        let location = error.location();
        // The library's message ends with " at line L column C"; the location is kept apart.
        let message = error.to_string();
        let message = match message.find(" at line ") {
            Some(at) if location.is_some() => message[..at].to_string(),
            _ => message,
        };
        YamlError { message, line: location.as_ref().map(|l| l.line()), column: location.as_ref().map(|l| l.column()) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_as_json() {
        let value = to_json("a: 1\nb: [x, 'y']\nc: on\n").expect("valid yaml");
        assert_eq!(value["a"], 1);
        assert_eq!(value["b"][1], "y");
        // YAML 1.2: `on` is a string, as Kubernetes' own readers would not assume.
        assert_eq!(value["c"], "on");
    }

    #[test]
    fn errors_say_where() {
        let error = to_json("a: [1, 2\nb: 3\n").expect_err("unclosed list");
        assert!(error.line.is_some(), "{error:?}");
    }
}

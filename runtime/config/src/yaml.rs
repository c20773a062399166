//! The workspace's one YAML module: reading through `yaml_serde` (the maintained serde_yaml),
//! writing through `serde-saphyr`, which quotes every string a YAML 1.1 reader (Kubernetes)
//! would take for something else: `on`, `no`, `y`, `~`, `0777`, `1:20`, `2024-01-01`, ...
//! (Kubernetes' go-yaml reads a bare `y` or `n` as a boolean; a test holds the writer to quoting them.)

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

/// Writes one YAML document (no `---` header), safe for YAML 1.1 readers.
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, YamlError> {
    let options = serde_saphyr::ser_options! { indent_step: 2 };
    let text = serde_saphyr::to_string_with_options(value, options).map_err(|error| YamlError {
        message: error.to_string(),
        line: None,
        column: None,
    })?;
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Reads one YAML document into a typed value.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str::<T>(text).map_err(|error| convert_error(&error))
}

fn convert_error(error: &serde_yaml::Error) -> YamlError {
    let location = error.location();
    // The library's message ends with " at line L column C"; the location is kept apart.
    let message = error.to_string();
    let message = match message.find(" at line ") {
        Some(at) if location.is_some() => message[..at].to_string(),
        _ => message,
    };
    YamlError { message, line: location.as_ref().map(|l| l.line()), column: location.as_ref().map(|l| l.column()) }
}

/// Reads one YAML document into a JSON value (YAML's data model as plain data).
pub fn to_json(text: &str) -> Result<serde_json::Value, YamlError> {
    from_str(text)
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
    fn writes_yaml11_ambiguous_strings_quoted() {
        let tricky = [
            "on",
            "off",
            "yes",
            "no",
            "y",
            "Y",
            "n",
            "N",
            "~",
            "null",
            "0777",
            "1:20",
            "12:30",
            "1_000",
            "2024-01-01",
            "<<",
            ".inf",
            "true",
            "False",
            "0x1F",
            "1e3",
            "-",
            "",
            " lead",
            "a: b",
            "#x",
        ];
        let map: std::collections::BTreeMap<String, String> =
            tricky.iter().enumerate().map(|(i, s)| (format!("k{i:02}"), s.to_string())).collect();
        let text = to_string(&map).expect("serializable");
        for line in text.lines() {
            let value = line.split_once(": ").map(|(_, v)| v).unwrap_or("");
            assert!(
                value.starts_with('"')
                    || value.starts_with('\'')
                    || value.chars().all(|c| c.is_ascii_alphanumeric()) && !tricky.contains(&value),
                "not quoted: {line}"
            );
        }
        let back: std::collections::BTreeMap<String, String> = from_str(&text).expect("readable");
        assert_eq!(back, map);
    }

    #[test]
    fn errors_say_where() {
        let error = to_json("a: [1, 2\nb: 3\n").expect_err("unclosed list");
        assert!(error.line.is_some(), "{error:?}");
    }
}

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
///
/// Strings with line breaks (or long ones) come out as block scalars (`|`, `>`), which is
/// what makes a ConfigMap's embedded document readable. The writer's block style has corner
/// cases that libyaml-derived readers (PyYAML, Kubernetes' go-yaml) refuse or read
/// differently, such as a line holding only a tab; so a document with such strings is read
/// back, and if it does not read as written, it is written again with quoted strings only.
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, YamlError> {
    let block = write(value, true)?;
    if !has_doubtful_block_scalar(&block) {
        return Ok(block);
    }
    let intended = serde_json::to_value(value).map_err(|error| plain_error(error.to_string()))?;
    if to_json(&block).is_ok_and(|read| read == intended) {
        return Ok(block);
    }
    let quoted = write(value, false)?;
    match to_json(&quoted) {
        Ok(read) if read == intended => Ok(quoted),
        Ok(_) => Err(plain_error("the YAML writer does not round-trip this document".to_string())),
        Err(error) => Err(error),
    }
}

fn write<T: serde::Serialize>(value: &T, prefer_block_scalars: bool) -> Result<String, YamlError> {
    let options = serde_saphyr::ser_options! { indent_step: 2, prefer_block_scalars: prefer_block_scalars };
    let mut text =
        serde_saphyr::to_string_with_options(value, options).map_err(|error| plain_error(error.to_string()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn plain_error(message: String) -> YamlError {
    YamlError { message, line: None, column: None }
}

/// Whether `text` holds a block scalar that a reader might not read as written: a folded one
/// (`>`, which re-flows spaces), or a literal one (`|`) with a tab, a carriage return or a line
/// of only blanks in it. Outside block scalars the writer escapes tabs and carriage returns and
/// writes no blank lines, so finding them anywhere is enough. Plain literal blocks (the
/// ConfigMaps' embedded documents) are not read back: that would cost as much as writing them.
fn has_doubtful_block_scalar(text: &str) -> bool {
    let bytes = text.as_bytes();
    // One pass over the bytes: this runs on every file dync writes.
    let mut line_start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b'\t' | b'\r' => return true,
            b'\n' => {
                let line = &bytes[line_start..at];
                if !line.is_empty() && line.iter().all(|&b| b == b' ') {
                    return true;
                }
                line_start = at + 1;
            }
            b'>' => {
                let rest = bytes[at + 1..].split(|&b| b == b'\n').next().unwrap_or_default();
                let before = &bytes[line_start..at];
                let header = rest.len() <= 2 && rest.iter().all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'));
                if header && (before.ends_with(b": ") || before.ends_with(b"- ") || before.iter().all(|&b| b == b' ')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
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
    fn block_scalars_that_do_not_read_back_are_written_quoted() {
        let long = "word  ".repeat(30);
        let values: std::collections::BTreeMap<&str, &str> =
            [("a", "\t\n"), ("b", "x\n\ty"), ("c", " lead\n"), ("d", "one\ntwo\n"), ("e", &long)].into_iter().collect();
        let text = to_string(&values).expect("serializable");
        let back: std::collections::BTreeMap<String, String> = from_str(&text).expect("readable");
        let values: std::collections::BTreeMap<String, String> =
            values.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(back, values, "{text}");
    }

    #[test]
    fn plain_multi_line_strings_stay_block_scalars() {
        let text = to_string(&[("doc", "a: 1\nb: two\n")].into_iter().collect::<std::collections::BTreeMap<_, _>>())
            .expect("serializable");
        assert_eq!(text, "doc: |\n  a: 1\n  b: two\n");
    }

    #[test]
    fn doubtful_block_scalars_are_recognised() {
        for doubtful in
            ["a: >\n  x y\n", "a: >-\n  x\n", "- >\n  x\n", "a: |\n  \t\n", "a: |\n  x\n   \n  y\n", "a: \"x\\r\"\r\n"]
        {
            assert!(has_doubtful_block_scalar(doubtful), "{doubtful:?}");
        }
        for plain in ["a: |\n  x\n\n  y\n", "a: '>'\n", "a: b > c\n", "a: x>\n", "a: |-\n  k: v\n"] {
            assert!(!has_doubtful_block_scalar(plain), "{plain:?}");
        }
    }

    #[test]
    fn errors_say_where() {
        let error = to_json("a: [1, 2\nb: 3\n").expect_err("unclosed list");
        assert!(error.line.is_some(), "{error:?}");
    }
}

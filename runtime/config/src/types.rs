//! Type descriptors: what the runtime checks every message against at a function's boundary.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A message type, fully resolved (no generics, no aliases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum TypeDesc {
    /// A 64-bit signed integer (JSON number without fraction).
    Int,
    /// A 64-bit float (JSON number).
    Float,
    Bool,
    /// UTF-8 text.
    String,
    /// Raw bytes (base64 in JSON).
    Bytes,
    /// Milliseconds since the Unix epoch (JSON integer).
    Timestamp,
    /// Milliseconds (JSON integer).
    Duration,
    /// The value or `null`.
    Optional {
        of: Box<TypeDesc>,
    },
    /// A JSON array.
    List {
        of: Box<TypeDesc>,
    },
    /// A JSON object with exactly these fields (an optional field may be absent or `null`).
    #[serde(rename_all = "camelCase")]
    Record {
        name: String,
        fields: Vec<FieldDesc>,
    },
    /// One of the variant names, as a JSON string.
    #[serde(rename_all = "camelCase")]
    Enum {
        name: String,
        variants: Vec<String>,
    },
    /// A record already described by an enclosing descriptor (a recursive type).
    #[serde(rename_all = "camelCase")]
    Ref {
        name: String,
    },
    /// Any JSON value (a generic left open by the program).
    Any,
}

/// A field of a record type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldDesc {
    pub name: String,
    #[serde(rename = "of")]
    pub ty: TypeDesc,
}

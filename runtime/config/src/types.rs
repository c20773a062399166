//! Type descriptors: what the runtime checks every message against at a function's boundary.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::Value;

/// A message type, fully resolved (no generics, no aliases).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// A JSON object with at least these fields. Records are compatible by width: a receiver
    /// keeps the fields its type declares and drops the others; a declared field that is absent
    /// takes its `default`, or `null` when it is optional; any other absent field, or a field of
    /// the wrong type, makes the message invalid.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldDesc {
    pub name: String,
    #[serde(rename = "of")]
    pub ty: TypeDesc,
    /// The value of the field when a message lacks it (the default of the record's declaration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

//! The serializable expression IR: the bodies of expression functions, lowered by the compiler
//! from the checked AST and interpreted by the runtime. Every node is well typed by
//! construction; arithmetic dispatches on the runtime values (an Int literal used as a Float
//! is lowered as a Float constant).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A constant value (literals, settings, defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(String),
    /// A Duration, in milliseconds.
    DurationMs(i64),
    /// An enum variant: `Severity::Critical` is `{enum: Severity, variant: Critical}`.
    Variant(VariantValue),
    /// A field selector (`key: room` of a window): the field's name.
    Field(String),
    List(Vec<Value>),
    /// `none`.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantValue {
    #[serde(rename = "enum")]
    pub enum_name: String,
    pub variant: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UnaryOp {
    /// Arithmetic negation (Int overflow is a per-message error).
    Neg,
    /// Boolean negation.
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum BinaryOp {
    /// Short-circuit `||`.
    Or,
    /// Short-circuit `&&`.
    And,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    /// `a ?? b`: `a` unless it is none, then `b` (evaluated only then).
    Coalesce,
    /// Int (checked), Float, Duration, String concatenation, Timestamp + Duration.
    Add,
    Sub,
    Mul,
    /// Int division truncates toward zero; by zero is a per-message error.
    Div,
    Rem,
}

/// An expression node. Names are parameters, settings and match bindings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum ExprIr {
    Const {
        value: Value,
    },
    /// A parameter, setting or match binding.
    Var {
        name: String,
    },
    /// `base.field`; with `optional`, `base?.field` (none when `base` is none).
    Field {
        base: Box<ExprIr>,
        field: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
    },
    Unary {
        #[serde(rename = "unary")]
        op: UnaryOp,
        operand: Box<ExprIr>,
    },
    Binary {
        #[serde(rename = "binary")]
        op: BinaryOp,
        lhs: Box<ExprIr>,
        rhs: Box<ExprIr>,
    },
    If {
        cond: Box<ExprIr>,
        then: Box<ExprIr>,
        otherwise: Box<ExprIr>,
    },
    /// The first arm whose pattern matches gives the value (the checker proved exhaustiveness).
    Match {
        scrutinee: Box<ExprIr>,
        arms: Vec<MatchArm>,
    },
    /// A record with every field given (defaults filled in by the compiler).
    Record {
        name: String,
        fields: Vec<FieldInit>,
    },
    List {
        items: Vec<ExprIr>,
    },
    /// String interpolation: the parts' texts concatenated (non-strings printed as `to_string`).
    Concat {
        parts: Vec<ExprIr>,
    },
    /// A built-in function (docs/language.md lists them).
    Call {
        builtin: String,
        args: Vec<ExprIr>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldInit {
    pub name: String,
    pub value: ExprIr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: ExprIr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Pattern {
    /// `_`: matches anything.
    Wildcard,
    /// `none`.
    None,
    /// Equal to a constant (a literal or an enum variant).
    Const { value: Value },
    /// Matches anything and binds it (a present value, when matching an optional).
    Bind { name: String },
}

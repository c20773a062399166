//! Types of the language, as the checker sees them.

use std::fmt;

use smol_str::SmolStr;

use crate::sema::DefId;

/// A type. `Var` is an inference variable (generic instantiation along flow edges); `Error`
/// stands for a type that could not be worked out (already reported) and is compatible with
/// everything, so one mistake is reported once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Float,
    Bool,
    String,
    Bytes,
    Timestamp,
    Duration,
    /// What `secret(name, key)` gives: only an `env` value may be one.
    Secret,
    Record {
        def: DefId,
        name: SmolStr,
        args: Vec<Ty>,
    },
    Enum {
        def: DefId,
        name: SmolStr,
    },
    Optional(Box<Ty>),
    List(Box<Ty>),
    /// `Field<T, F>`: a field selector of `T` whose field has type `F` (stdlib windows).
    Field(Box<Ty>, Box<Ty>),
    /// A generic parameter of the function being checked.
    Param {
        index: u32,
        name: SmolStr,
    },
    Var(u32),
    Error,
}

impl Ty {
    pub fn optional(inner: Ty) -> Ty {
        match inner {
            Ty::Optional(_) | Ty::Error => inner,
            other => Ty::Optional(Box::new(other)),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Error)
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    /// Whether the type mentions an inference variable.
    pub fn has_vars(&self) -> bool {
        match self {
            Ty::Var(_) => true,
            Ty::Optional(inner) | Ty::List(inner) => inner.has_vars(),
            Ty::Field(a, b) => a.has_vars() || b.has_vars(),
            Ty::Record { args, .. } => args.iter().any(Ty::has_vars),
            _ => false,
        }
    }

    /// Replaces generic parameters by `args` (by index).
    pub fn substitute(&self, args: &[Ty]) -> Ty {
        match self {
            Ty::Param { index, .. } => args.get(*index as usize).cloned().unwrap_or(Ty::Error),
            Ty::Optional(inner) => Ty::optional(inner.substitute(args)),
            Ty::List(inner) => Ty::List(Box::new(inner.substitute(args))),
            Ty::Field(a, b) => Ty::Field(Box::new(a.substitute(args)), Box::new(b.substitute(args))),
            Ty::Record { def, name, args: own } => {
                Ty::Record { def: *def, name: name.clone(), args: own.iter().map(|a| a.substitute(args)).collect() }
            }
            other => other.clone(),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Int => f.write_str("Int"),
            Ty::Float => f.write_str("Float"),
            Ty::Bool => f.write_str("Bool"),
            Ty::String => f.write_str("String"),
            Ty::Bytes => f.write_str("Bytes"),
            Ty::Timestamp => f.write_str("Timestamp"),
            Ty::Duration => f.write_str("Duration"),
            Ty::Secret => f.write_str("Secret"),
            Ty::Record { name, args, .. } if args.is_empty() => f.write_str(name),
            Ty::Record { name, args, .. } => {
                write!(f, "{name}<")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(">")
            }
            Ty::Enum { name, .. } => f.write_str(name),
            Ty::Optional(inner) => write!(f, "{inner}?"),
            Ty::List(inner) => write!(f, "List<{inner}>"),
            Ty::Field(record, field) => write!(f, "Field<{record}, {field}>"),
            Ty::Param { name, .. } => f.write_str(name),
            Ty::Var(_) => f.write_str("_"),
            Ty::Error => f.write_str("{unknown}"),
        }
    }
}

use std::collections::{HashMap, HashSet};

use crate::sema::RecordInfo;

/// The type of the literal `none` before it meets a context: an optional of anything.
pub fn none_type() -> Ty {
    Ty::Optional(Box::new(Ty::Error))
}

/// Whether a value of type `actual` may be used where `expected` is wanted.
///
/// Records are compatible by width: `actual` must have every field of `expected` with a
/// compatible type, except fields `expected` gives a default or makes optional; extra fields
/// are allowed. Enums are nominal. A value may stand where an optional is wanted.
pub fn compatible(records: &HashMap<DefId, RecordInfo>, actual: &Ty, expected: &Ty) -> bool {
    compatible_in(records, actual, expected, &mut HashSet::new())
}

fn compatible_in(
    records: &HashMap<DefId, RecordInfo>,
    actual: &Ty,
    expected: &Ty,
    assumed: &mut HashSet<(Ty, Ty)>,
) -> bool {
    match (actual, expected) {
        (Ty::Error, _) | (_, Ty::Error) => true,
        (Ty::Var(a), Ty::Var(b)) => a == b,
        (Ty::Optional(a), Ty::Optional(e)) => compatible_in(records, a, e, assumed),
        (Ty::Optional(_), _) => false,
        (a, Ty::Optional(e)) => compatible_in(records, a, e, assumed),
        (Ty::List(a), Ty::List(e)) => compatible_in(records, a, e, assumed),
        (Ty::Field(ar, af), Ty::Field(er, ef)) => {
            compatible_in(records, ar, er, assumed) && compatible_in(records, af, ef, assumed)
        }
        (Ty::Enum { def: a, .. }, Ty::Enum { def: e, .. }) => a == e,
        (Ty::Record { def: a, args: aa, .. }, Ty::Record { def: e, args: ea, .. }) => {
            if a == e && aa.len() == ea.len() && aa.iter().zip(ea).all(|(x, y)| compatible_in(records, x, y, assumed)) {
                return true;
            }
            // Recursive records: a pair already being compared is assumed compatible.
            if !assumed.insert((actual.clone(), expected.clone())) {
                return true;
            }
            let (Some(actual_fields), Some(expected_fields)) = (fields(records, actual), fields(records, expected))
            else {
                return false;
            };
            expected_fields.iter().all(|(name, ty, has_default)| {
                match actual_fields.iter().find(|(n, _, _)| n == name) {
                    Some((_, actual_ty, _)) => compatible_in(records, actual_ty, ty, assumed),
                    None => *has_default || matches!(ty, Ty::Optional(_)),
                }
            })
        }
        (a, e) => a == e,
    }
}

/// A record type's fields with its arguments substituted: (name, type, has default).
pub fn fields(records: &HashMap<DefId, RecordInfo>, ty: &Ty) -> Option<Vec<(String, Ty, bool)>> {
    let Ty::Record { def, args, .. } = ty else { return None };
    let record = records.get(def)?;
    Some(record.fields.iter().map(|f| (f.name.to_string(), f.ty.substitute(args), f.has_default)).collect())
}

/// The type both branches of an `if` or the arms of a `match` have, if any.
pub fn join(records: &HashMap<DefId, RecordInfo>, a: &Ty, b: &Ty) -> Option<Ty> {
    if a.is_error() {
        return Some(b.clone());
    }
    if b.is_error() || a == b {
        return Some(a.clone());
    }
    if *a == none_type() {
        return Some(Ty::optional(b.clone()));
    }
    if *b == none_type() {
        return Some(Ty::optional(a.clone()));
    }
    if compatible(records, a, b) {
        return Some(b.clone());
    }
    if compatible(records, b, a) {
        return Some(a.clone());
    }
    None
}

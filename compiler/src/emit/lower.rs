//! Lowering the checked IR into the runtime-config contract: expression bodies into the
//! serializable expression IR, settings into constants, types into descriptors.

use std::collections::HashMap;

use dync_runtime_config::expr::{FieldInit, VariantValue};
use dync_runtime_config::{self as rc, ExprIr, FieldDesc, TypeDesc, Value};
use petgraph::visit::EdgeRef;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::ide::Index;
use crate::ir::{Body, EnvValue, Ir, Node, Role, SettingValue};
use crate::sema::DefId;
use crate::sema::expr::{BUILTINS, duration_ms};
use crate::sema::ty::Ty;
use crate::span::Span;
use crate::syntax::ast::{self, BinaryOp, Expr, ExprKind, PatternKind, StrPart, UnaryOp};

/// Lookups from the semantic index that lowering needs.
pub struct Lowering<'a> {
    pub ir: &'a Ir,
    index: &'a Index,
    /// The definition each name occurrence refers to.
    refs: HashMap<Span, DefId>,
    /// The checked type of each expression.
    types: HashMap<Span, &'a Ty>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowering<'a> {
    pub fn new(ir: &'a Ir, index: &'a Index) -> Lowering<'a> {
        Lowering {
            ir,
            index,
            refs: index.refs.iter().map(|(span, def)| (*span, *def)).collect(),
            types: index.types.iter().map(|(span, ty)| (*span, ty)).collect(),
            diagnostics: Vec::new(),
        }
    }

    /// The runtime configuration of one node; `namespace` builds its routes' URLs.
    pub fn function(&mut self, index: petgraph::graph::NodeIndex, namespace: &str) -> rc::FunctionConfig {
        let node = &self.ir.graph[index];
        let mut routes: Vec<rc::Route> = self
            .ir
            .graph
            .edges(index)
            .map(|edge| {
                let target = &self.ir.graph[edge.target()];
                rc::Route {
                    to: target.name.clone(),
                    flow: edge.weight().flow.clone(),
                    url: route_url(&target.service, namespace),
                }
            })
            .collect();
        routes.sort_by(|a, b| (&a.to, &a.flow).cmp(&(&b.to, &b.flow)));
        routes.dedup();
        rc::FunctionConfig {
            name: node.name.clone(),
            service: node.service.clone(),
            function: node.function.clone(),
            module: module_name(self.ir, &node.module),
            role: match node.role {
                Role::Source => rc::Role::Source,
                Role::Transform => rc::Role::Transform,
                Role::Sink => rc::Role::Sink,
            },
            input: node.input.as_ref().map(|t| self.type_desc(t)),
            output: node.output.as_ref().map(|t| self.type_desc(t)),
            body: self.body(node),
            routes,
            delivery: rc::Delivery::default(),
            flows: node.flows.clone(),
        }
    }

    fn body(&mut self, node: &Node) -> rc::Body {
        let settings = self.settings(&node.settings);
        match &node.body {
            Body::Expr { params, expr } => rc::Body::Expression {
                message: if node.role == Role::Source { None } else { params.first().cloned() },
                settings,
                expr: self.expr(expr),
            },
            Body::Handler { exec, image, env } => rc::Body::Handler {
                argv: exec.as_deref().map(split_command).unwrap_or_default(),
                image: image.clone(),
                env: env
                    .iter()
                    .map(|(name, value)| match value {
                        EnvValue::Literal(text) => {
                            rc::EnvVar { name: name.clone(), value: Some(text.clone()), secret: None }
                        }
                        EnvValue::Secret { name: secret, key } => rc::EnvVar {
                            name: name.clone(),
                            value: None,
                            secret: Some(rc::SecretRef { name: secret.clone(), key: key.clone() }),
                        },
                    })
                    .collect(),
                settings,
            },
            Body::Intrinsic { id } => rc::Body::Intrinsic { intrinsic: id.clone(), settings },
        }
    }

    fn settings(&mut self, settings: &[SettingValue]) -> Vec<rc::Setting> {
        settings
            .iter()
            .map(|setting| rc::Setting { name: setting.name.clone(), value: self.constant(&setting.expr, &setting.ty) })
            .collect()
    }

    /// A constant (a setting or a default); anything else is reported.
    pub fn constant(&mut self, expr: &Expr, ty: &Ty) -> Value {
        match constant(expr, ty, &|span| self.variant_of(span)) {
            Some(value) => value,
            None => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0501,
                        "this value must be a constant to be deployed",
                        expr.span,
                        "computed from other values",
                    )
                    .with_help("write the value itself: a literal, a duration, an enum variant or a list of them"),
                );
                Value::None
            }
        }
    }

    /// The enum and variant names behind `E::V` at `span` (the variant's name).
    fn variant_of(&self, span: Span) -> Option<VariantValue> {
        let def = self.index.def(*self.refs.get(&span)?)?;
        let parent = self.index.def(def.parent?)?;
        Some(VariantValue { enum_name: parent.name.to_string(), variant: def.name.to_string() })
    }

    fn expr(&mut self, expr: &Expr) -> ExprIr {
        match &expr.kind {
            ExprKind::Int(value) => match self.types.get(&expr.span) {
                #[allow(clippy::cast_precision_loss)]
                Some(Ty::Float) => ExprIr::Const { value: Value::Float(*value as f64) },
                _ => ExprIr::Const { value: Value::Int(*value) },
            },
            ExprKind::Float(value) => ExprIr::Const { value: Value::Float(*value) },
            ExprKind::Bool(value) => ExprIr::Const { value: Value::Bool(*value) },
            ExprKind::None => ExprIr::Const { value: Value::None },
            ExprKind::Quantity(q) => ExprIr::Const { value: duration_value(q) },
            ExprKind::Str(s) => {
                if let Some(text) = s.as_plain() {
                    return ExprIr::Const { value: Value::String(text) };
                }
                let parts = s
                    .parts
                    .iter()
                    .map(|part| match part {
                        StrPart::Text { text, .. } => ExprIr::Const { value: Value::String(text.clone()) },
                        StrPart::Interp(inner) => self.expr(inner),
                    })
                    .collect();
                ExprIr::Concat { parts }
            }
            ExprKind::Name(name) => ExprIr::Var { name: name.text.to_string() },
            ExprKind::Path { variant, .. } => match self.variant_of(variant.span) {
                Some(value) => ExprIr::Const { value: Value::Variant(value) },
                None => self.unresolved(expr),
            },
            ExprKind::List(items) => ExprIr::List { items: items.iter().map(|i| self.expr(i)).collect() },
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Unary { op, operand } => ExprIr::Unary {
                op: match op {
                    UnaryOp::Neg => rc::UnaryOp::Neg,
                    UnaryOp::Not => rc::UnaryOp::Not,
                },
                operand: Box::new(self.expr(operand)),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                ExprIr::Binary { op: binary_op(*op), lhs: Box::new(self.expr(lhs)), rhs: Box::new(self.expr(rhs)) }
            }
            ExprKind::Field { base, name, optional } => {
                ExprIr::Field { base: Box::new(self.expr(base)), field: name.text.to_string(), optional: *optional }
            }
            ExprKind::Call { callee, args } => {
                let ExprKind::Name(name) = &callee.kind else { return self.unresolved(expr) };
                let record = self.refs.get(&name.span).and_then(|def| self.ir.records.get(def));
                match record {
                    Some(record) => {
                        let type_args = match self.types.get(&expr.span) {
                            Some(Ty::Record { args, .. }) => args.clone(),
                            _ => Vec::new(),
                        };
                        let mut fields = Vec::new();
                        for (position, (field, ty, default)) in record.fields.iter().enumerate() {
                            let given = args
                                .iter()
                                .find(|a| a.name.as_ref().is_some_and(|n| n.text == *field))
                                .or_else(|| args.get(position).filter(|a| a.name.is_none()));
                            let value = match (given, default) {
                                (Some(arg), _) => self.expr(&arg.value),
                                (None, Some(default)) => {
                                    ExprIr::Const { value: self.constant(default, &ty.substitute(&type_args)) }
                                }
                                // An optional field left out is none.
                                (None, None) => ExprIr::Const { value: Value::None },
                            };
                            fields.push(FieldInit { name: field.clone(), value });
                        }

                        ExprIr::Record { name: record.name.clone(), fields }
                    }
                    None if BUILTINS.iter().any(|(n, _)| *n == name.text) => ExprIr::Call {
                        builtin: name.text.to_string(),
                        args: args.iter().map(|a| self.expr(&a.value)).collect(),
                    },
                    None => self.unresolved(expr),
                }
            }
            ExprKind::If { cond, then, otherwise } => ExprIr::If {
                cond: Box::new(self.expr(cond)),
                then: Box::new(self.expr(then)),
                otherwise: Box::new(self.expr(otherwise)),
            },
            ExprKind::Match { scrutinee, arms } => ExprIr::Match {
                scrutinee: Box::new(self.expr(scrutinee)),
                arms: arms
                    .iter()
                    .map(|arm| rc::MatchArm { pattern: self.pattern(&arm.pattern), body: self.expr(&arm.body) })
                    .collect(),
            },
            ExprKind::Error => self.unresolved(expr),
        }
    }

    fn pattern(&mut self, pattern: &ast::Pattern) -> rc::Pattern {
        match &pattern.kind {
            PatternKind::Wildcard => rc::Pattern::Wildcard,
            PatternKind::None => rc::Pattern::None,
            PatternKind::Binding(name) => rc::Pattern::Bind { name: name.text.to_string() },
            PatternKind::Variant { variant, .. } => match self.variant_of(variant.span) {
                Some(value) => rc::Pattern::Const { value: Value::Variant(value) },
                None => {
                    self.unresolved_span(pattern.span);
                    rc::Pattern::Wildcard
                }
            },
            PatternKind::Literal(literal) => {
                let ty = self.types.get(&literal.span).map(|t| (*t).clone()).unwrap_or(Ty::Error);
                rc::Pattern::Const { value: self.constant(literal, &ty) }
            }
        }
    }

    /// The checker accepted something lowering cannot place: a bug, reported instead of
    /// emitting a wrong program.
    fn unresolved(&mut self, expr: &Expr) -> ExprIr {
        self.unresolved_span(expr.span);
        ExprIr::Const { value: Value::None }
    }

    fn unresolved_span(&mut self, span: Span) {
        self.diagnostics.push(
            Diagnostic::new(Code::E0501, "this expression cannot be compiled for the runtime", span, "not resolved")
                .with_note("this is a bug in dync: please report it with the program"),
        );
    }

    /// A message type as the runtime validates it.
    pub fn type_desc(&mut self, ty: &Ty) -> TypeDesc {
        self.type_desc_inner(ty, &mut Vec::new())
    }

    fn type_desc_inner(&mut self, ty: &Ty, open: &mut Vec<DefId>) -> TypeDesc {
        let ir = self.ir;
        match ty {
            Ty::Int => TypeDesc::Int,
            Ty::Float => TypeDesc::Float,
            Ty::Bool => TypeDesc::Bool,
            Ty::String => TypeDesc::String,
            Ty::Bytes => TypeDesc::Bytes,
            Ty::Timestamp => TypeDesc::Timestamp,
            Ty::Duration => TypeDesc::Duration,
            Ty::Optional(inner) => TypeDesc::Optional { of: Box::new(self.type_desc_inner(inner, open)) },
            Ty::List(inner) => TypeDesc::List { of: Box::new(self.type_desc_inner(inner, open)) },
            Ty::Record { def, name, args } => {
                if open.contains(def) {
                    return TypeDesc::Ref { name: name.to_string() };
                }
                let Some(record) = ir.records.get(def) else { return TypeDesc::Any };
                open.push(*def);
                let mut fields = Vec::with_capacity(record.fields.len());
                for (field, ty, default) in &record.fields {
                    let ty = ty.substitute(args);
                    // A receiver fills in a defaulted field the sender lacks (records are
                    // compatible by width).
                    let default = default.as_ref().map(|d| self.constant(d, &ty));
                    fields.push(FieldDesc { name: field.clone(), ty: self.type_desc_inner(&ty, open), default });
                }
                open.pop();
                TypeDesc::Record { name: name.to_string(), fields }
            }
            Ty::Enum { def, name } => {
                TypeDesc::Enum { name: name.to_string(), variants: ir.enums.get(def).cloned().unwrap_or_default() }
            }
            Ty::Field(..) | Ty::Secret | Ty::Param { .. } | Ty::Var(_) | Ty::Error => TypeDesc::Any,
        }
    }
}

/// A node's module as the output names it: the app's own file by its stem (`app`), whatever
/// directory it was compiled from.
pub fn module_name(ir: &Ir, module: &str) -> String {
    if module == ir.root_module { module.rsplit("::").next().unwrap_or(module).to_string() } else { module.to_string() }
}

/// `http://<service>.<namespace>.svc.cluster.local:8080/v1/messages`
pub fn route_url(service: &str, namespace: &str) -> String {
    format!("http://{service}.{namespace}.svc.cluster.local:{}{}", rc::HTTP_PORT, rc::MESSAGE_PATH)
}

fn binary_op(op: BinaryOp) -> rc::BinaryOp {
    match op {
        BinaryOp::Or => rc::BinaryOp::Or,
        BinaryOp::And => rc::BinaryOp::And,
        BinaryOp::Eq => rc::BinaryOp::Eq,
        BinaryOp::NotEq => rc::BinaryOp::NotEq,
        BinaryOp::Lt => rc::BinaryOp::Lt,
        BinaryOp::Le => rc::BinaryOp::Le,
        BinaryOp::Gt => rc::BinaryOp::Gt,
        BinaryOp::Ge => rc::BinaryOp::Ge,
        BinaryOp::Coalesce => rc::BinaryOp::Coalesce,
        BinaryOp::Add => rc::BinaryOp::Add,
        BinaryOp::Sub => rc::BinaryOp::Sub,
        BinaryOp::Mul => rc::BinaryOp::Mul,
        BinaryOp::Div => rc::BinaryOp::Div,
        BinaryOp::Rem => rc::BinaryOp::Rem,
    }
}

fn duration_value(q: &ast::Quantity) -> Value {
    // The checker accepted it as a duration; whole milliseconds (sub-millisecond parts round).
    #[allow(clippy::cast_possible_truncation)]
    let ms = duration_ms(q).map(|ms| ms.round() as i64).unwrap_or_default();
    Value::DurationMs(ms)
}

/// The value of a constant expression of type `ty`, or `None` when it is computed.
fn constant(expr: &Expr, ty: &Ty, variant_of: &dyn Fn(Span) -> Option<VariantValue>) -> Option<Value> {
    let inner_ty = match ty {
        Ty::Optional(inner) => inner,
        other => other,
    };
    Some(match &expr.kind {
        #[allow(clippy::cast_precision_loss)]
        ExprKind::Int(value) if *inner_ty == Ty::Float => Value::Float(*value as f64),
        ExprKind::Int(value) => Value::Int(*value),
        ExprKind::Float(value) => Value::Float(*value),
        ExprKind::Bool(value) => Value::Bool(*value),
        ExprKind::None => Value::None,
        ExprKind::Quantity(q) => duration_value(q),
        ExprKind::Str(s) => Value::String(s.as_plain()?),
        // A field selector (`key: room`).
        ExprKind::Name(name) if matches!(inner_ty, Ty::Field(..)) => Value::Field(name.text.to_string()),
        ExprKind::Path { variant, .. } => Value::Variant(variant_of(variant.span)?),
        ExprKind::Paren(inner) => constant(inner, ty, variant_of)?,
        ExprKind::List(items) => {
            let element = match inner_ty {
                Ty::List(element) => (**element).clone(),
                _ => Ty::Error,
            };
            Value::List(items.iter().map(|item| constant(item, &element, variant_of)).collect::<Option<_>>()?)
        }
        ExprKind::Unary { op: UnaryOp::Neg, operand } => match constant(operand, ty, variant_of)? {
            Value::Int(value) => Value::Int(value.checked_neg()?),
            Value::Float(value) => Value::Float(-value),
            Value::DurationMs(value) => Value::DurationMs(value.checked_neg()?),
            _ => return None,
        },
        ExprKind::Unary { op: UnaryOp::Not, operand } => match constant(operand, ty, variant_of)? {
            Value::Bool(value) => Value::Bool(!value),
            _ => return None,
        },
        _ => return None,
    })
}

/// Splits a command line into words the way a POSIX shell would for plain words and quotes,
/// without running a shell: `python3 "my handler.py" -v` is three words.
pub fn split_command(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(next @ ('"' | '\\' | '$' | '`')) => word.push(next),
                            Some(next) => {
                                word.push('\\');
                                word.push(next);
                            }
                            None => word.push('\\'),
                        },
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::split_command;

    #[test]
    fn splits_commands_like_a_shell_without_one() {
        assert_eq!(
            split_command("python3 handlers/decode.py vibration"),
            ["python3", "handlers/decode.py", "vibration"]
        );
        assert_eq!(split_command(r#"run "a b" 'c d' e\ f "" x"#), ["run", "a b", "c d", "e f", "", "x"]);
        assert_eq!(split_command(r#"echo "say \"hi\"""#), ["echo", r#"say "hi""#]);
        assert!(split_command("   ").is_empty());
    }
}

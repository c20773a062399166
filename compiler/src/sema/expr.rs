//! Type checking of expressions: function bodies, defaults, settings, `env` values.

use smol_str::SmolStr;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::sema::ty::{Ty, compatible, fields, join, none_type};
use crate::sema::{DefId, DefKind, Sema};
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::*;

/// The built-in functions of the expression language: name and signature as shown to users.
pub const BUILTINS: &[(&str, &str)] = &[
    ("abs", "abs(x: N) -> N, N is Int or Float"),
    ("ceil", "ceil(x: Float) -> Float"),
    ("contains", "contains(text: String, part: String) -> Bool"),
    ("ends_with", "ends_with(text: String, suffix: String) -> Bool"),
    ("floor", "floor(x: Float) -> Float"),
    ("len", "len(x: String or List<T>) -> Int"),
    ("lower", "lower(text: String) -> String"),
    ("max", "max(a: N, b: N) -> N, N is Int or Float"),
    ("min", "min(a: N, b: N) -> N, N is Int or Float"),
    ("round", "round(x: Float) -> Float, or round(x: Float, digits: Int) -> Float"),
    ("seconds", "seconds(d: Duration) -> Float"),
    ("secret", "secret(name: String, key: String) -> Secret (only as an `env` value)"),
    ("starts_with", "starts_with(text: String, prefix: String) -> Bool"),
    ("to_float", "to_float(x: Int) -> Float"),
    ("to_int", "to_int(x: Float) -> Int (rounds toward zero)"),
    ("to_string", "to_string(x: T) -> String"),
    ("trim", "trim(text: String) -> String"),
    ("upper", "upper(text: String) -> String"),
];

/// The duration units a quantity may carry in an expression, with their length in ms.
const DURATION_UNITS: &[(&str, f64)] =
    &[("ms", 1.0), ("s", 1_000.0), ("m", 60_000.0), ("h", 3_600_000.0), ("d", 86_400_000.0)];

pub(crate) struct Checker<'s, 'a> {
    pub sema: &'s mut Sema<'a>,
    pub module: usize,
    /// Names in scope (parameters, match bindings), innermost last.
    pub locals: Vec<(SmolStr, Ty, DefId)>,
    /// Whether `secret(...)` is allowed here (an `env` value).
    pub in_env: bool,
}

/// Checks a constant (a default value) against its type.
pub(crate) fn check_constant(sema: &mut Sema<'_>, module: usize, expr: &Expr, expected: &Ty) {
    let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
    checker.expect(expr, expected, "the declared type");
}

pub(crate) fn check_fn_body(sema: &mut Sema<'_>, module: usize, def: DefId, f: &FnItem) {
    let Some(info) = sema.fns.get(&def).cloned() else { return };
    match &f.body {
        FnBody::Expr(body) => {
            let locals: Vec<(SmolStr, Ty, DefId)> =
                info.params.iter().map(|p| (p.name.clone(), p.ty.clone(), p.def)).collect();
            let names = locals.iter().map(|(n, _, d)| (n.clone(), *d)).collect();
            let item_span = sema.app.modules[module].ast.items.get(info.item).map_or(body.span, |i| i.span);
            sema.index.scopes.push(crate::ide::Scope { span: item_span, names });
            let mut checker = Checker { sema, module, locals, in_env: false };
            match &info.ret {
                Some(ret) => {
                    checker.expect(body, ret, "the function's return type");
                }
                None => {
                    checker.expr(body, None);
                    checker.sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0201,
                            format!("function `{}` computes a value but has no return type", f.name.text),
                            f.name.span,
                            "no `-> Type`",
                        )
                        .with_help(
                            "declare what it returns (`-> Type`); a sink without a return type can only be a handler",
                        ),
                    );
                }
            }
        }
        FnBody::Handler { settings, span } => check_handler(sema, module, settings, *span),
        FnBody::Intrinsic(_) | FnBody::Missing(_) => {}
    }
}

/// A setting given twice in one block (E0110).
fn report_duplicate_settings<'s>(sema: &mut Sema<'_>, settings: impl Iterator<Item = &'s Setting>) {
    let mut seen: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    for setting in settings {
        if let SettingKind::Value { key: SettingKey::Name(key), .. }
        | SettingKind::Block { key: SettingKey::Name(key), .. } = &setting.kind
            && let Some(first) = seen.insert(key.text.as_str(), key.span)
        {
            sema.diagnostics.push(
                Diagnostic::new(Code::E0110, format!("`{}` is set twice", key.text), key.span, "set again here")
                    .with_secondary(first, "first set here"),
            );
        }
    }
}

/// The settings of a handler body: `exec`, `image`, `env { ... }`.
fn check_handler(sema: &mut Sema<'_>, module: usize, settings: &[Setting], body: Span) {
    report_duplicate_settings(sema, settings.iter());
    let mut has_exec_or_image = false;
    let mut has_unknown = false;
    for setting in settings {
        match &setting.kind {
            SettingKind::Value { key: SettingKey::Name(key), value }
                if matches!(key.text.as_str(), "exec" | "image") =>
            {
                has_exec_or_image = true;
                let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
                checker.expect(value, &Ty::String, &format!("`{}`", key.text));
                require_plain_string(sema, value, &key.text);
                if let ExprKind::Str(s) = &value.kind
                    && s.as_plain().is_some_and(|t| t.trim().is_empty())
                {
                    sema.diagnostics.push(Diagnostic::new(
                        Code::E0115,
                        format!("`{}` is empty", key.text),
                        value.span,
                        "nothing to run",
                    ));
                }
            }
            SettingKind::Block { key: SettingKey::Name(key), settings } if key.text == "env" => {
                check_env(sema, module, settings);
            }
            SettingKind::Error => {}
            SettingKind::Value { key, .. } | SettingKind::Block { key, .. } => {
                has_unknown = true;
                unknown_setting(sema, key, &["exec", "image", "env"], "a handler");
            }
        }
    }
    // A misspelt `exec` is reported as an unknown setting already.
    if !has_exec_or_image && !has_unknown {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0115, "a handler needs `exec` or `image`", body, "neither is set")
                .with_help("`exec = \"...\"` is how `dync run` starts it, `image = \"...\"` what Kubernetes runs"),
        );
    }
}

/// A profile's `fn f { ... }`: the same settings as a handler, none of them required.
pub(crate) fn check_handler_override(sema: &mut Sema<'_>, module: usize, settings: &[Setting]) {
    for setting in settings {
        match &setting.kind {
            SettingKind::Value { key: SettingKey::Name(key), value }
                if matches!(key.text.as_str(), "exec" | "image") =>
            {
                let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
                checker.expect(value, &Ty::String, &format!("`{}`", key.text));
                require_plain_string(sema, value, &key.text);
            }
            SettingKind::Block { key: SettingKey::Name(key), settings } if key.text == "env" => {
                check_env(sema, module, settings)
            }
            SettingKind::Error => {}
            SettingKind::Value { key, .. } | SettingKind::Block { key, .. } => {
                unknown_setting(sema, key, &["exec", "image", "env"], "a handler override");
            }
        }
    }
}

/// `env { NAME = "value", TOKEN = secret("name", "key") }`
fn check_env(sema: &mut Sema<'_>, module: usize, settings: &[Setting]) {
    let mut seen: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
    for setting in settings {
        match &setting.kind {
            SettingKind::Value { key, value } => {
                let (name, key_span) = match key {
                    SettingKey::Name(n) => (n.text.to_string(), n.span),
                    SettingKey::Str(s) => (s.as_plain().unwrap_or_default(), s.span),
                };
                if !is_env_name(&name) {
                    sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0208,
                            format!("`{name}` is not a valid environment variable name"),
                            key_span,
                            "not a valid name",
                        )
                        .with_help("use letters, digits and `_`, not starting with a digit, e.g. `LOG_LEVEL`"),
                    );
                }
                if let Some(first) = seen.insert(name.clone(), key_span) {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0110, format!("`{name}` is set twice"), key_span, "set again here")
                            .with_secondary(first, "first set here"),
                    );
                }
                let mut checker = Checker { sema, module, locals: Vec::new(), in_env: true };
                let ty = checker.expr(value, Some(&Ty::String));
                require_plain_string(sema, value, &name);
                if !matches!(ty, Ty::String | Ty::Secret | Ty::Error) {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0208, format!("`{name}` must be a string or a secret, not {ty}"), value.span, format!("this is {ty}"))
                            .with_help("environment values are strings: quote it, e.g. `\"64\"`, or write `secret(\"name\", \"key\")`"),
                    );
                }
            }
            SettingKind::Block { key, .. } => unknown_setting(sema, key, &[], "`env`"),
            SettingKind::Error => {}
        }
    }
}

/// `exec`, `image` and `env` values are fixed when the app is compiled: no `${...}`.
fn require_plain_string(sema: &mut Sema<'_>, value: &Expr, what: &str) {
    if let ExprKind::Str(s) = &value.kind
        && s.as_plain().is_none()
    {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0208, format!("`{what}` must be a plain string"), value.span, "contains `${...}`")
                .with_help("settings are fixed when the app is compiled: write the value out, or escape `$` as `\\$`"),
        );
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn unknown_setting(sema: &mut Sema<'_>, key: &SettingKey, known: &[&str], place: &str) {
    let (name, key_span) = match key {
        SettingKey::Name(n) => (n.text.to_string(), n.span),
        SettingKey::Str(s) => (s.as_plain().unwrap_or_default(), s.span),
    };
    let mut diagnostic =
        Diagnostic::new(Code::E0115, format!("unknown setting `{name}` in {place}"), key_span, "not a setting here");
    if let Some(suggestion) = closest(&name, known.iter().copied()) {
        diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
    } else if !known.is_empty() {
        diagnostic = diagnostic.with_note(format!(
            "the settings here are {}",
            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    sema.diagnostics.push(diagnostic);
}

/// The settings of the `app` item.
pub(crate) fn check_app_settings(sema: &mut Sema<'_>, module: usize, app: &AppItem) {
    let settings: Vec<&Setting> = app.settings.iter().collect();
    check_app_setting_list(sema, module, &settings);
}

/// App settings, in the `app` item or a profile.
pub(crate) fn check_app_setting_list(sema: &mut Sema<'_>, module: usize, settings: &[&Setting]) {
    const KNOWN: &[&str] =
        &["dync", "namespace", "registry", "runtime_image", "labels", "metrics_scraper", "ingress_from"];
    const BLOCKS: &[&str] = &["labels", "metrics_scraper", "ingress_from"];
    report_duplicate_settings(sema, settings.iter().copied());
    for setting in settings {
        match &setting.kind {
            // The language version is checked when the app is loaded.
            SettingKind::Value { key: SettingKey::Name(key), .. } if key.text == "dync" => {}
            SettingKind::Value { key: SettingKey::Name(key), value }
                if !BLOCKS.contains(&key.text.as_str()) && KNOWN.contains(&key.text.as_str()) =>
            {
                let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
                checker.expect(value, &Ty::String, &format!("`{}`", key.text));
                if key.text == "namespace"
                    && let ExprKind::Str(s) = &value.kind
                    && let Some(namespace) = s.as_plain()
                    && !crate::sema::flow::is_dns_1123_label(&namespace)
                {
                    sema.diagnostics.push(
                        Diagnostic::new(Code::E0113, format!("`{namespace}` cannot be a Kubernetes namespace"), value.span, "not a DNS-1123 label")
                            .with_help("use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"),
                    );
                }
            }
            SettingKind::Block { key: SettingKey::Name(block), settings } if BLOCKS.contains(&block.text.as_str()) => {
                report_duplicate_settings(sema, settings.iter());
                for label in settings {
                    match &label.kind {
                        SettingKind::Value { key, value } => {
                            let mut checker = Checker { sema, module, locals: Vec::new(), in_env: false };
                            checker.expect(value, &Ty::String, "a label value");
                            require_plain_string(sema, value, "a label value");
                            check_label(sema, block.text != "labels", key, value);
                        }
                        SettingKind::Block { key, .. } => unknown_setting(sema, key, &[], "`labels`"),
                        SettingKind::Error => {}
                    }
                }
            }
            SettingKind::Error => {}
            SettingKind::Value { key, .. } | SettingKind::Block { key, .. } => {
                unknown_setting(sema, key, KNOWN, "the `app` item")
            }
        }
    }
}

/// A label (or, in a selector, `namespace`) whose key or value Kubernetes would refuse.
fn check_label(sema: &mut Sema<'_>, selector: bool, key: &SettingKey, value: &Expr) {
    let (key_text, key_span) = match key {
        SettingKey::Name(name) => (Some(name.text.to_string()), name.span),
        SettingKey::Str(text) => (text.as_plain(), text.span),
    };
    let Some(key_text) = key_text else { return };
    let value_text = match &value.kind {
        ExprKind::Str(s) => s.as_plain(),
        _ => None,
    };
    if selector && key_text == "namespace" {
        if let Some(namespace) = value_text
            && !crate::sema::flow::is_dns_1123_label(&namespace)
        {
            sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0113,
                    format!("`{namespace}` cannot be a Kubernetes namespace"),
                    value.span,
                    "not a DNS-1123 label",
                )
                .with_help(
                    "use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
                ),
            );
        }
        return;
    }
    if let Err(problem) = label_key_problem(&key_text) {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0117, format!("`{key_text}` cannot be a Kubernetes label key"), key_span, problem)
                .with_help("a label key is an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit: `example.com/team`"),
        );
    }
    if let Some(text) = value_text
        && !is_label_value(&text)
    {
        sema.diagnostics.push(
            Diagnostic::new(Code::E0117, format!("`{text}` cannot be a Kubernetes label value"), value.span, "not a label value")
                .with_help("a label value is empty or at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
        );
    }
}

fn is_label_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Kubernetes label values: empty, or a label name.
pub fn is_label_value(value: &str) -> bool {
    value.is_empty() || is_label_name(value)
}

/// Why a label key is invalid, if it is.
pub fn label_key_problem(key: &str) -> Result<(), &'static str> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let valid_prefix =
            !prefix.is_empty() && prefix.len() <= 253 && prefix.split('.').all(crate::sema::flow::is_dns_1123_label);
        if !valid_prefix {
            return Err("the prefix before `/` is not a DNS subdomain");
        }
    }
    if is_label_name(name) { Ok(()) } else { Err("not a label name") }
}

/// Parses a duration quantity (`10s`, `1.5h`) to milliseconds.
pub fn duration_ms(quantity: &Quantity) -> Option<f64> {
    let (_, factor) = DURATION_UNITS.iter().find(|(unit, _)| *unit == quantity.unit)?;
    let number: f64 = quantity.number.replace('_', "").parse().ok()?;
    Some(number * factor)
}

impl<'s, 'a> Checker<'s, 'a> {
    fn mismatch(&mut self, span: Span, expected: &Ty, actual: &Ty, because: &str) {
        let mut diagnostic = Diagnostic::new(
            Code::E0201,
            format!("expected {expected}, found {actual}"),
            span,
            format!("this is {actual}"),
        )
        .with_note(format!("{expected} is expected because of {because}"));
        if matches!((actual, expected), (Ty::Int, Ty::Float)) {
            diagnostic = diagnostic.with_help("convert it with `to_float(...)`");
        } else if matches!((actual, expected), (Ty::Float, Ty::Int)) {
            diagnostic = diagnostic.with_help("convert it with `to_int(...)` or `round(...)`");
        } else if matches!(actual, Ty::Optional(_)) && !matches!(expected, Ty::Optional(_)) {
            diagnostic = diagnostic.with_help("give a value for `none` with `??`, e.g. `x ?? 0.0`");
        }
        self.sema.diagnostics.push(diagnostic);
    }

    /// Checks `expr` against `expected`, reporting a mismatch.
    pub fn expect(&mut self, expr: &Expr, expected: &Ty, because: &str) -> Ty {
        let actual = self.expr(expr, Some(expected));
        if !compatible(&self.sema.records, &actual, expected) {
            self.mismatch(expr.span, expected, &actual, because);
            return Ty::Error;
        }
        actual
    }

    fn local(&self, name: &str) -> Option<(Ty, DefId)> {
        self.locals.iter().rev().find(|(n, _, _)| n == name).map(|(_, t, d)| (t.clone(), *d))
    }

    /// The type of an expression; records it in the semantic index.
    pub fn expr(&mut self, expr: &Expr, expected: Option<&Ty>) -> Ty {
        let ty = self.expr_inner(expr, expected);
        self.sema.index.types.push((expr.span, ty.clone()));
        ty
    }

    fn expr_inner(&mut self, expr: &Expr, expected: Option<&Ty>) -> Ty {
        match &expr.kind {
            ExprKind::Int(_) => match expected {
                // An integer literal may stand for a Float: `limit: Float = 28`.
                Some(Ty::Float) => Ty::Float,
                Some(Ty::Optional(inner)) if **inner == Ty::Float => Ty::Float,
                _ => Ty::Int,
            },
            ExprKind::Float(_) => Ty::Float,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => none_type(),
            ExprKind::Error => Ty::Error,
            ExprKind::Quantity(q) => {
                if duration_ms(q).is_some() {
                    Ty::Duration
                } else {
                    self.sema.diagnostics.push(
                        Diagnostic::new(Code::E0206, format!("`{}{}` has no meaning in an expression", q.number, q.unit), expr.span, "not a duration")
                            .with_help("in expressions a quantity is a Duration: `ms`, `s`, `m`, `h` or `d`; write `70 % 3` with spaces for the remainder"),
                    );
                    Ty::Error
                }
            }
            ExprKind::Str(s) => {
                for part in &s.parts {
                    if let StrPart::Interp(inner) = part {
                        self.expr(inner, None);
                    }
                }
                Ty::String
            }
            ExprKind::Name(name) => {
                if let Some((ty, def)) = self.local(&name.text) {
                    self.sema.refer(name.span, def);
                    return ty;
                }
                if self.sema.is_poisoned(self.module, &name.text) {
                    return Ty::Error;
                }
                let known: Vec<SmolStr> = self.locals.iter().map(|(n, _, _)| n.clone()).collect();
                let mut diagnostic = Diagnostic::new(
                    Code::E0111,
                    format!("cannot find `{}`", name.text),
                    name.span,
                    "no parameter or binding of this name",
                );
                if let Some(def) = self.sema.lookup(self.module, &name.text) {
                    let kind = self.sema.def(def).kind;
                    diagnostic =
                        diagnostic.with_note(format!("`{}` is a {} and has no value here", name.text, kind.describe()));
                } else if let Some(suggestion) = closest(&name.text, known.iter().map(SmolStr::as_str)) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                self.sema.diagnostics.push(diagnostic);
                Ty::Error
            }
            ExprKind::Path { ty, variant } => self.variant(ty, variant),
            ExprKind::List(items) => {
                let element_expected = match expected {
                    Some(Ty::List(inner)) => Some((**inner).clone()),
                    _ => None,
                };
                let mut element: Option<Ty> = None;
                for item in items {
                    let ty = self.expr(item, element_expected.as_ref().or(element.as_ref()));
                    element = match element {
                        None => Some(ty),
                        Some(previous) => match join(&self.sema.records, &previous, &ty) {
                            Some(joined) => Some(joined),
                            None => {
                                self.mismatch(item.span, &previous, &ty, "the list's earlier elements");
                                Some(previous)
                            }
                        },
                    };
                }
                Ty::List(Box::new(element.or(element_expected).unwrap_or(Ty::Error)))
            }
            ExprKind::Paren(inner) => self.expr(inner, expected),
            ExprKind::Unary { op, operand } => {
                let ty = self.expr(operand, if *op == UnaryOp::Neg { expected } else { None });
                match op {
                    UnaryOp::Neg if ty.is_numeric() || ty == Ty::Duration => ty,
                    UnaryOp::Not if matches!(ty, Ty::Bool | Ty::Error) => Ty::Bool,
                    _ => {
                        let symbol = if *op == UnaryOp::Neg { "-" } else { "!" };
                        self.sema.diagnostics.push(Diagnostic::new(
                            Code::E0204,
                            format!("`{symbol}` cannot be applied to {ty}"),
                            expr.span,
                            format!("{ty} here"),
                        ));
                        Ty::Error
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(expr.span, *op, lhs, rhs),
            ExprKind::Field { base, name, optional } => self.field(base, name, *optional),
            ExprKind::Call { callee, args } => self.call(expr.span, callee, args, expected),
            ExprKind::If { cond, then, otherwise } => {
                self.expect(cond, &Ty::Bool, "the `if` condition");
                let a = self.expr(then, expected);
                let b = self.expr(otherwise, expected);
                match join(&self.sema.records, &a, &b) {
                    Some(ty) => ty,
                    None => {
                        self.sema.diagnostics.push(
                            Diagnostic::new(
                                Code::E0201,
                                format!("the branches of this `if` have different types: {a} and {b}"),
                                otherwise.span,
                                format!("this is {b}"),
                            )
                            .with_secondary(then.span, format!("this is {a}")),
                        );
                        Ty::Error
                    }
                }
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(expr.span, scrutinee, arms, expected),
        }
    }

    fn variant(&mut self, ty: &Name, variant: &Name) -> Ty {
        let Some(def) = self.sema.lookup(self.module, &ty.text) else {
            self.sema.unknown_name(self.module, ty, "enum", &[]);
            return Ty::Error;
        };
        self.sema.refer(ty.span, def);
        let Some(variants) = self.sema.enums.get(&def).cloned() else {
            let kind = self.sema.def(def).kind.describe();
            self.sema.diagnostics.push(Diagnostic::new(
                Code::E0201,
                format!("`{}` is a {kind}, not an enum", ty.text),
                ty.span,
                "not an enum",
            ));
            return Ty::Error;
        };
        match variants.iter().find(|(n, _)| *n == variant.text) {
            Some((_, id)) => {
                self.sema.refer(variant.span, *id);
                Ty::Enum { def, name: ty.text.clone() }
            }
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::E0202,
                    format!("enum `{}` has no variant `{}`", ty.text, variant.text),
                    variant.span,
                    "no such variant",
                )
                .with_note(format!(
                    "its variants are {}",
                    variants.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ));
                if let Some(s) = closest(&variant.text, variants.iter().map(|(n, _)| n.as_str())) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{}::{s}`?", ty.text));
                }
                self.sema.diagnostics.push(diagnostic);
                Ty::Error
            }
        }
    }

    fn binary(&mut self, span: Span, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Ty {
        use BinaryOp::*;
        if op == Coalesce {
            let left = self.expr(lhs, None);
            let inner = match &left {
                Ty::Optional(inner) => (**inner).clone(),
                Ty::Error => Ty::Error,
                other => {
                    self.sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0204,
                            format!("`??` needs an optional on its left, found {other}"),
                            lhs.span,
                            format!("{other} is never `none`"),
                        )
                        .with_help("remove `?? ...`: the value is always there"),
                    );
                    other.clone()
                }
            };
            let right = self.expr(rhs, Some(&inner));
            return match join(&self.sema.records, &inner, &right) {
                Some(Ty::Optional(_)) if !matches!(right, Ty::Optional(_)) => inner,
                Some(joined) => joined,
                None => {
                    self.mismatch(rhs.span, &inner, &right, "the optional on the left of `??`");
                    Ty::Error
                }
            };
        }
        let mut left = self.expr(lhs, None);
        let right = self.expr(rhs, Some(&left));
        // An integer literal on the left stands for a Float too: `2 * x` like `x * 2`.
        if left == Ty::Int && right == Ty::Float && is_int_literal(lhs) {
            left = Ty::Float;
        }
        if left.is_error() || right.is_error() {
            return match op {
                Or | And | Eq | NotEq | Lt | Le | Gt | Ge => Ty::Bool,
                _ => Ty::Error,
            };
        }
        let result = match op {
            Or | And => (left == Ty::Bool && right == Ty::Bool).then_some(Ty::Bool),
            Eq | NotEq => (compatible(&self.sema.records, &left, &right)
                || compatible(&self.sema.records, &right, &left))
            .then_some(Ty::Bool),
            Lt | Le | Gt | Ge => (left == right
                && matches!(left, Ty::Int | Ty::Float | Ty::String | Ty::Duration | Ty::Timestamp))
            .then_some(Ty::Bool),
            Add => match (&left, &right) {
                (a, b) if a == b && matches!(a, Ty::Int | Ty::Float | Ty::String | Ty::Duration) => Some(a.clone()),
                (Ty::Timestamp, Ty::Duration) => Some(Ty::Timestamp),
                _ => None,
            },
            Sub => match (&left, &right) {
                (a, b) if a == b && matches!(a, Ty::Int | Ty::Float | Ty::Duration) => Some(a.clone()),
                (Ty::Timestamp, Ty::Duration) => Some(Ty::Timestamp),
                (Ty::Timestamp, Ty::Timestamp) => Some(Ty::Duration),
                _ => None,
            },
            Mul | Div => match (&left, &right) {
                (a, b) if a == b && matches!(a, Ty::Int | Ty::Float) => Some(a.clone()),
                (Ty::Duration, Ty::Int) => Some(Ty::Duration),
                _ => None,
            },
            Rem => (left == right && matches!(left, Ty::Int | Ty::Float)).then_some(left.clone()),
            Coalesce => None,
        };
        match result {
            Some(ty) => ty,
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::E0204,
                    format!("`{}` cannot combine {left} and {right}", op.symbol()),
                    span,
                    format!("{left} {} {right}", op.symbol()),
                );
                if matches!((&left, &right), (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int)) {
                    diagnostic =
                        diagnostic.with_help("numbers are not converted implicitly: use `to_float(...)` on the Int");
                } else if op == Add && (left == Ty::String || right == Ty::String) {
                    diagnostic = diagnostic.with_help("build text with interpolation: `\"${a} and ${b}\"`");
                } else if matches!(left, Ty::Optional(_)) || matches!(right, Ty::Optional(_)) {
                    diagnostic =
                        diagnostic.with_help("an optional may be `none`: give a value for that case with `??`");
                }
                self.sema.diagnostics.push(diagnostic);
                match op {
                    Or | And | Eq | NotEq | Lt | Le | Gt | Ge => Ty::Bool,
                    _ => Ty::Error,
                }
            }
        }
    }

    fn field(&mut self, base: &Expr, name: &Name, optional: bool) -> Ty {
        let base_ty = self.expr(base, None);
        let (record, through_optional) = match (&base_ty, optional) {
            (Ty::Error, _) => return Ty::Error,
            (Ty::Optional(inner), true) => ((**inner).clone(), true),
            (Ty::Optional(_), false) => {
                self.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0204,
                        format!("`{}` may be `none`", expr_text(base)),
                        name.span,
                        format!("{base_ty} has no fields until it is known not to be `none`"),
                    )
                    .with_help(format!(
                        "use `?.{}` (the result is optional too), then `??` to give a value for `none`",
                        name.text
                    )),
                );
                return Ty::Error;
            }
            (other, true) => {
                self.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0204,
                        format!("`?.` on {other}, which is never `none`"),
                        name.span,
                        "not an optional",
                    )
                    .with_help(format!("write `.{}`", name.text)),
                );
                // Typed as the user meant it (an optional), so what follows is not reported again.
                (other.clone(), true)
            }
            (other, false) => (other.clone(), false),
        };
        let Some(record_fields) = fields(&self.sema.records, &record) else {
            self.sema.diagnostics.push(Diagnostic::new(
                Code::E0202,
                format!("{record} has no fields"),
                name.span,
                format!("`.{}` on {record}", name.text),
            ));
            return Ty::Error;
        };
        match record_fields.iter().find(|(n, _, _)| *n == name.text) {
            Some((_, ty, _)) => {
                if let Ty::Record { def, .. } = &record
                    && let Some(field) =
                        self.sema.records.get(def).and_then(|r| r.fields.iter().find(|f| f.name == name.text))
                {
                    let id = field.def;
                    self.sema.refer(name.span, id);
                }
                if through_optional { Ty::optional(ty.clone()) } else { ty.clone() }
            }
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::E0202,
                    format!("{record} has no field `{}`", name.text),
                    name.span,
                    "no such field",
                );
                if let Some(s) = closest(&name.text, record_fields.iter().map(|(n, _, _)| n.as_str())) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                } else {
                    diagnostic = diagnostic.with_note(format!(
                        "its fields are {}",
                        record_fields.iter().map(|(n, _, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                self.sema.diagnostics.push(diagnostic);
                Ty::Error
            }
        }
    }

    fn call(&mut self, span: Span, callee: &Expr, args: &[Arg], expected: Option<&Ty>) -> Ty {
        let ExprKind::Name(name) = &callee.kind else {
            self.sema.diagnostics.push(Diagnostic::new(
                Code::E0203,
                "only names can be called",
                callee.span,
                "not a function name",
            ));
            return Ty::Error;
        };
        if self.sema.is_poisoned(self.module, &name.text) {
            for arg in args {
                self.expr(&arg.value, None);
            }
            return Ty::Error;
        }
        if let Some(def) = self.sema.lookup(self.module, &name.text) {
            self.sema.refer(name.span, def);
            return match self.sema.def(def).kind {
                DefKind::Record => self.construct(span, name, def, args, expected),
                kind => {
                    let mut diagnostic = Diagnostic::new(
                        Code::E0203,
                        format!("`{}` is a {} and cannot be called in an expression", name.text, kind.describe()),
                        name.span,
                        "not callable here",
                    );
                    if kind == DefKind::Fn {
                        diagnostic = diagnostic.with_help(format!(
                            "functions of the dataflow are connected in a `flow` with `->`: `... -> {} -> ...`",
                            name.text
                        ));
                    }
                    self.sema.diagnostics.push(diagnostic);
                    args.iter().for_each(|a| {
                        self.expr(&a.value, None);
                    });
                    Ty::Error
                }
            };
        }
        self.builtin(span, name, args)
    }

    /// `Record(field: value, ...)`
    fn construct(&mut self, span: Span, name: &Name, def: DefId, args: &[Arg], expected: Option<&Ty>) -> Ty {
        let generics = self.sema.records.get(&def).map_or(0, |r| r.generics.len());
        // A generic record takes its arguments from the expected type when there is one.
        let type_args = match expected {
            Some(Ty::Record { def: d, args, .. }) if *d == def => args.clone(),
            Some(Ty::Optional(inner)) => match &**inner {
                Ty::Record { def: d, args, .. } if *d == def => args.clone(),
                _ => vec![Ty::Error; generics],
            },
            _ => vec![Ty::Error; generics],
        };
        let ty = Ty::Record { def, name: name.text.clone(), args: type_args };
        let declared = fields(&self.sema.records, &ty).unwrap_or_default();
        let mut given: Vec<&str> = Vec::new();
        for arg in args {
            let Some(field_name) = &arg.name else {
                self.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0203,
                        format!("fields of `{}` are given by name", name.text),
                        arg.span,
                        "no field name",
                    )
                    .with_help("write `field: value`"),
                );
                self.expr(&arg.value, None);
                continue;
            };
            if given.contains(&field_name.text.as_str()) {
                self.sema.diagnostics.push(Diagnostic::new(
                    Code::E0203,
                    format!("field `{}` is given twice", field_name.text),
                    field_name.span,
                    "given again here",
                ));
            }
            given.push(field_name.text.as_str());
            match declared.iter().find(|(n, _, _)| *n == field_name.text) {
                Some((_, field_ty, _)) => {
                    if let Some(field) =
                        self.sema.records.get(&def).and_then(|r| r.fields.iter().find(|f| f.name == field_name.text))
                    {
                        let id = field.def;
                        self.sema.refer(field_name.span, id);
                    }
                    let field_ty = field_ty.clone();
                    self.expect(&arg.value, &field_ty, &format!("field `{}` of `{}`", field_name.text, name.text));
                }
                None => {
                    let mut diagnostic = Diagnostic::new(
                        Code::E0202,
                        format!("`{}` has no field `{}`", name.text, field_name.text),
                        field_name.span,
                        "no such field",
                    );
                    if let Some(s) = closest(&field_name.text, declared.iter().map(|(n, _, _)| n.as_str())) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                    }
                    self.sema.diagnostics.push(diagnostic);
                    self.expr(&arg.value, None);
                }
            }
        }
        let missing: Vec<&str> = declared
            .iter()
            .filter(|(n, ty, has_default)| {
                !given.contains(&n.as_str()) && !*has_default && !matches!(ty, Ty::Optional(_))
            })
            .map(|(n, _, _)| n.as_str())
            .collect();
        if !missing.is_empty() {
            self.sema.diagnostics.push(
                Diagnostic::new(
                    Code::E0203,
                    format!(
                        "`{}` is missing {}",
                        name.text,
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                    span,
                    "not every field is given",
                )
                .with_help("give every field without a default value; optional fields may be left out"),
            );
        }
        ty
    }

    fn builtin(&mut self, span: Span, name: &Name, args: &[Arg]) -> Ty {
        if !BUILTINS.iter().any(|(n, _)| *n == name.text) {
            for arg in args {
                self.expr(&arg.value, None);
            }
            let mut diagnostic = Diagnostic::new(
                Code::E0111,
                format!("cannot find function `{}`", name.text),
                name.span,
                "not a built-in function, record or enum",
            );
            if let Some(s) = closest(&name.text, BUILTINS.iter().map(|(n, _)| *n)) {
                diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
            } else if let Some(path) = self.sema.std_path_of(&name.text) {
                diagnostic = diagnostic.with_note(format!(
                    "`{}` is a dataflow function of `{path}`: connect it in a flow with `->`",
                    name.text
                ));
            } else {
                diagnostic = diagnostic.with_note("the built-in functions are listed in docs/language.md");
            }
            self.sema.diagnostics.push(diagnostic);
            return Ty::Error;
        }
        let mut arg_types: Vec<Ty> = args
            .iter()
            .map(|a| {
                if let Some(n) = &a.name {
                    self.sema.diagnostics.push(Diagnostic::new(
                        Code::E0203,
                        format!("built-in functions take positional arguments, not `{}:`", n.text),
                        n.span,
                        "named argument",
                    ));
                }
                self.expr(&a.value, None)
            })
            .collect();
        // Integer literals among Float arguments stand for Floats: `max(x, 0)`, `round(2, 1)`.
        let float_context = arg_types.contains(&Ty::Float) || matches!(name.text.as_str(), "round" | "floor" | "ceil");
        for (i, arg) in args.iter().enumerate() {
            let wants_float = float_context && !(name.text == "round" && i == 1);
            if wants_float && arg_types[i] == Ty::Int && is_int_literal(&arg.value) {
                arg_types[i] = Ty::Float;
            }
        }
        let any_error = arg_types.iter().any(Ty::is_error);
        let wrong = |this: &mut Self, signature: &str| {
            if !any_error {
                this.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0203,
                        format!(
                            "`{}` does not take ({})",
                            name.text,
                            arg_types.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                        ),
                        span,
                        "wrong arguments",
                    )
                    .with_note(format!("its signature: {signature}")),
                );
            }
            Ty::Error
        };
        let Some((_, signature)) = BUILTINS.iter().find(|(n, _)| *n == name.text) else {
            let mut diagnostic = Diagnostic::new(
                Code::E0111,
                format!("cannot find function `{}`", name.text),
                name.span,
                "not a built-in function, record or enum",
            );
            if let Some(s) = closest(&name.text, BUILTINS.iter().map(|(n, _)| *n)) {
                diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
            } else {
                diagnostic = diagnostic.with_note("the built-in functions are listed in docs/language.md");
            }
            self.sema.diagnostics.push(diagnostic);
            return Ty::Error;
        };
        let types: Vec<&Ty> = arg_types.iter().collect();
        match (name.text.as_str(), types.as_slice()) {
            ("abs", [n]) if n.is_numeric() => (*n).clone(),
            ("min" | "max", [a, b]) if a.is_numeric() && a == b => (*a).clone(),
            ("round", [Ty::Float | Ty::Error, Ty::Int | Ty::Error]) => Ty::Float,
            ("round" | "floor" | "ceil", [Ty::Float | Ty::Error]) => Ty::Float,
            ("to_float", [Ty::Int | Ty::Error]) => Ty::Float,
            ("to_int", [Ty::Float | Ty::Error]) => Ty::Int,
            ("len", [Ty::String | Ty::List(_) | Ty::Error]) => Ty::Int,
            ("lower" | "upper" | "trim", [Ty::String | Ty::Error]) => Ty::String,
            ("contains" | "starts_with" | "ends_with", [Ty::String | Ty::Error, Ty::String | Ty::Error]) => Ty::Bool,
            ("to_string", [_]) => Ty::String,
            ("seconds", [Ty::Duration | Ty::Error]) => Ty::Float,
            ("secret", [Ty::String | Ty::Error, Ty::String | Ty::Error]) => {
                if !self.in_env {
                    self.sema.diagnostics.push(
                        Diagnostic::new(
                            Code::E0208,
                            "`secret(...)` is only allowed as an `env` value",
                            span,
                            "not an `env` value",
                        )
                        .with_help("move it into the handler's `env { NAME = secret(\"name\", \"key\") }`"),
                    );
                    return Ty::Error;
                }
                self.check_secret(args);
                Ty::Secret
            }
            _ => wrong(self, signature),
        }
    }

    /// `secret(name, key)`: a Kubernetes secret name and key, as string literals.
    fn check_secret(&mut self, args: &[Arg]) {
        for (i, arg) in args.iter().enumerate() {
            let text = match &arg.value.kind {
                ExprKind::Str(s) => s.as_plain(),
                _ => None,
            };
            let Some(text) = text else {
                self.sema.diagnostics.push(Diagnostic::new(
                    Code::E0208,
                    "secret names and keys are written as plain strings",
                    arg.value.span,
                    "not a plain string",
                ));
                continue;
            };
            let valid = if i == 0 { crate::sema::flow::is_dns_1123_subdomain(&text) } else { is_config_key(&text) };
            if !valid {
                let (what, rule) = if i == 0 {
                    ("a Kubernetes secret name", "lowercase letters, digits, `-` and `.`, at most 253 characters")
                } else {
                    ("a secret key", "letters, digits, `-`, `_` and `.`")
                };
                self.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0208,
                        format!("`{text}` is not {what}"),
                        arg.value.span,
                        format!("not {what}"),
                    )
                    .with_help(format!("use {rule}")),
                );
            }
        }
    }

    fn match_expr(&mut self, span: Span, scrutinee: &Expr, arms: &[MatchArm], expected: Option<&Ty>) -> Ty {
        let scrutinee_ty = self.expr(scrutinee, None);
        let (inner, optional) = match &scrutinee_ty {
            Ty::Optional(inner) => ((**inner).clone(), true),
            other => (other.clone(), false),
        };
        let mut result: Option<Ty> = None;
        let mut covered_variants: Vec<SmolStr> = Vec::new();
        let (mut covered_none, mut covered_all, mut covered_true, mut covered_false) = (false, false, false, false);
        for arm in arms {
            let mut bound = None;
            match &arm.pattern.kind {
                PatternKind::Wildcard => covered_all = true,
                PatternKind::None => {
                    if !optional && !scrutinee_ty.is_error() {
                        self.sema.diagnostics.push(Diagnostic::new(
                            Code::E0205,
                            format!("{scrutinee_ty} is never `none`"),
                            arm.pattern.span,
                            "this arm can never match",
                        ));
                    }
                    covered_none = true;
                }
                PatternKind::Binding(name) => {
                    covered_all = true;
                    let ty = if covered_none { inner.clone() } else { scrutinee_ty.clone() };
                    let def = self.sema.add_def(&name.text, DefKind::Binding, self.module, name.span, None, None);
                    self.sema.index.types.push((name.span, ty.clone()));
                    bound = Some((name.text.clone(), ty, def));
                }
                PatternKind::Literal(literal) => {
                    let ty = self.expr(literal, Some(&inner));
                    if !compatible(&self.sema.records, &ty, &inner) {
                        self.sema.diagnostics.push(Diagnostic::new(
                            Code::E0205,
                            format!("a {ty} pattern cannot match {scrutinee_ty}"),
                            arm.pattern.span,
                            format!("this is {ty}"),
                        ));
                    }
                    match literal.kind {
                        ExprKind::Bool(true) => covered_true = true,
                        ExprKind::Bool(false) => covered_false = true,
                        _ => {}
                    }
                }
                PatternKind::Variant { ty, variant } => {
                    let pattern_ty = self.variant(ty, variant);
                    if !pattern_ty.is_error() && !inner.is_error() && pattern_ty != inner {
                        self.sema.diagnostics.push(Diagnostic::new(
                            Code::E0205,
                            format!("a {pattern_ty} pattern cannot match {scrutinee_ty}"),
                            arm.pattern.span,
                            format!("this is {pattern_ty}"),
                        ));
                    }
                    covered_variants.push(variant.text.clone());
                }
            }
            if let Some(local) = bound.clone() {
                self.sema
                    .index
                    .scopes
                    .push(crate::ide::Scope { span: arm.span, names: vec![(local.0.clone(), local.2)] });
                self.locals.push(local);
            }
            let arm_ty = self.expr(&arm.body, expected);
            if bound.is_some() {
                self.locals.pop();
            }
            result = Some(match result {
                None => arm_ty,
                Some(previous) => match join(&self.sema.records, &previous, &arm_ty) {
                    Some(joined) => joined,
                    None => {
                        self.sema.diagnostics.push(Diagnostic::new(
                            Code::E0201,
                            format!("the arms of this `match` have different types: {previous} and {arm_ty}"),
                            arm.body.span,
                            format!("this is {arm_ty}"),
                        ));
                        previous
                    }
                },
            });
        }
        // A match is total: every value must meet an arm.
        if !covered_all && !scrutinee_ty.is_error() {
            let mut missing: Vec<String> = Vec::new();
            if optional && !covered_none {
                missing.push("`none`".to_string());
            }
            match &inner {
                Ty::Enum { def, name } => {
                    if let Some(variants) = self.sema.enums.get(def) {
                        missing.extend(
                            variants
                                .iter()
                                .filter(|(v, _)| !covered_variants.contains(v))
                                .map(|(v, _)| format!("`{name}::{v}`")),
                        );
                    }
                }
                Ty::Bool => {
                    if !covered_true {
                        missing.push("`true`".to_string());
                    }
                    if !covered_false {
                        missing.push("`false`".to_string());
                    }
                }
                Ty::Error => {}
                _ => missing.push("other values".to_string()),
            }
            if !missing.is_empty() {
                self.sema.diagnostics.push(
                    Diagnostic::new(
                        Code::E0205,
                        "this `match` does not cover every value",
                        span,
                        format!("missing: {}", missing.join(", ")),
                    )
                    .with_help("add the missing arms, or end with `_ => ...`"),
                );
            }
        }
        result.unwrap_or(Ty::Error)
    }
}

/// An integer literal, possibly negated (`2`, `-5`).
fn is_int_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(_) => true,
        ExprKind::Unary { op: UnaryOp::Neg, operand } | ExprKind::Paren(operand) => is_int_literal(operand),
        _ => false,
    }
}

fn is_config_key(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A short rendering of a simple expression for messages.
fn expr_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Name(n) => n.text.to_string(),
        ExprKind::Field { base, name, optional } => {
            format!("{}{}{}", expr_text(base), if *optional { "?." } else { "." }, name.text)
        }
        _ => "this value".to_string(),
    }
}

//! A read-only walk over the tree that reports the kind of every node it meets.
//!
//! `NodeKind::ALL` lists every kind the tree can hold; the examples test asserts each one
//! except the error and missing kinds occurs somewhere in `examples/`.

use crate::syntax::ast::*;

macro_rules! node_kinds {
    ($($kind:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum NodeKind { $($kind,)* }
        impl NodeKind {
            pub const ALL: &'static [NodeKind] = &[$(NodeKind::$kind,)*];
        }
    };
}

node_kinds! {
    ModuleDocs, ItemDocs, ErrorItem,
    App, SettingValue, SettingBlock, SettingStrKey, ErrorSetting,
    UseSingle, UseAlias, UseGroup, UseName,
    RecordType, AliasType, GenericParam, GenericBound, Field, FieldDefault, FieldDocs, ErrorField,
    Enum, Variant, VariantDocs, ErrorVariant,
    Fn, SourceFn, Param, ParamDefault, ErrorParam, ReturnType,
    ExprBody, HandlerBody, IntrinsicBody, MissingBody,
    Flow, Chain, StreamBinding, ErrorFlowStmt, StepRef, StepCall, MissingStep, PositionalArg, NamedArg,
    Place, RequiredNode, PreferredNode, Weight, RequiredNear, PreferredNear, RequiredApart, PreferredApart, Topology,
    RequiredSpread, PreferredSpread, Skew, TolerateEqual, TolerateExists, Effect, Resources, ResourceLimit,
    FixedReplicas, ReplicaRange, MetricTarget, Budget, ErrorRule,
    LabelEq, LabelNotEq, LabelIn, LabelNotIn, LabelExists, LabelNotExists, LabelStrKey, QuotedLabelValue, BareLabelValue,
    Profile, ProfileSetting, ProfilePlace, ProfileFn, ProfileReplace, ErrorProfileMember,
    NamedType, GenericType, OptionalType,
    IntLit, FloatLit, QuantityLit, BoolLit, NoneLit, StrLit, Interpolation, NameRef, EnumPath, ListLit, ParenExpr,
    Negate, Not, Or, And, Compare, Coalesce, Arithmetic, FieldAccess, OptionalFieldAccess, CallExpr, IfExpr, MatchExpr,
    ErrorExpr, WildcardPattern, NonePattern, LiteralPattern, VariantPattern, BindingPattern,
}

impl NodeKind {
    /// Error and missing kinds: the only ones valid examples need not contain.
    pub fn is_error_or_missing(self) -> bool {
        use NodeKind::*;
        matches!(
            self,
            ErrorItem
                | ErrorSetting
                | ErrorField
                | ErrorVariant
                | ErrorParam
                | MissingBody
                | ErrorFlowStmt
                | MissingStep
                | ErrorRule
                | ErrorProfileMember
                | ErrorExpr
        )
    }
}

/// Calls `visit` with the kind of every node of `module`, parents before children.
pub fn walk_module(module: &Module, visit: &mut dyn FnMut(NodeKind)) {
    if module.docs.is_some() {
        visit(NodeKind::ModuleDocs);
    }
    for item in &module.items {
        walk_item(item, visit);
    }
}

fn walk_item(item: &Item, visit: &mut dyn FnMut(NodeKind)) {
    if item.docs.is_some() {
        visit(NodeKind::ItemDocs);
    }
    match &item.kind {
        ItemKind::App(app) => {
            visit(NodeKind::App);
            walk_settings(&app.settings, visit);
        }
        ItemKind::Use(item) => match &item.tail {
            UseTail::Single { alias } => {
                visit(NodeKind::UseSingle);
                if alias.is_some() {
                    visit(NodeKind::UseAlias);
                }
            }
            UseTail::Group(names) => {
                visit(NodeKind::UseGroup);
                for name in names {
                    visit(NodeKind::UseName);
                    if name.alias.is_some() {
                        visit(NodeKind::UseAlias);
                    }
                }
            }
        },
        ItemKind::Type(item) => {
            walk_generics(&item.generics, visit);
            match &item.def {
                TypeDef::Record(fields) => {
                    visit(NodeKind::RecordType);
                    for field in fields {
                        if field.docs.is_some() {
                            visit(NodeKind::FieldDocs);
                        }
                        match &field.kind {
                            FieldKind::Field { name: _, ty, default } => {
                                visit(NodeKind::Field);
                                walk_type(ty, visit);
                                if let Some(default) = default {
                                    visit(NodeKind::FieldDefault);
                                    walk_expr(default, visit);
                                }
                            }
                            FieldKind::Error => visit(NodeKind::ErrorField),
                        }
                    }
                }
                TypeDef::Alias(ty) => {
                    visit(NodeKind::AliasType);
                    walk_type(ty, visit);
                }
            }
        }
        ItemKind::Enum(item) => {
            visit(NodeKind::Enum);
            for variant in &item.variants {
                if variant.docs.is_some() {
                    visit(NodeKind::VariantDocs);
                }
                match variant.kind {
                    VariantKind::Variant { .. } => visit(NodeKind::Variant),
                    VariantKind::Error => visit(NodeKind::ErrorVariant),
                }
            }
        }
        ItemKind::Fn(item) => walk_fn(item, visit),
        ItemKind::Flow(flow) => {
            visit(NodeKind::Flow);
            for stmt in &flow.stmts {
                match &stmt.kind {
                    FlowStmtKind::Chain { binding, steps } => {
                        visit(NodeKind::Chain);
                        if binding.is_some() {
                            visit(NodeKind::StreamBinding);
                        }
                        for step in steps {
                            walk_step(step, visit);
                        }
                    }
                    FlowStmtKind::Error => visit(NodeKind::ErrorFlowStmt),
                }
            }
        }
        ItemKind::Place(place) => {
            visit(NodeKind::Place);
            walk_rules(&place.rules, visit);
        }
        ItemKind::Profile(profile) => {
            visit(NodeKind::Profile);
            for member in &profile.members {
                match &member.kind {
                    ProfileMemberKind::Setting(setting) => {
                        visit(NodeKind::ProfileSetting);
                        walk_settings(std::slice::from_ref(setting), visit);
                    }
                    ProfileMemberKind::Place(place) => {
                        visit(NodeKind::ProfilePlace);
                        walk_rules(&place.rules, visit);
                    }
                    ProfileMemberKind::Fn { name: _, settings } => {
                        visit(NodeKind::ProfileFn);
                        walk_settings(settings, visit);
                    }
                    ProfileMemberKind::Replace { from, to } => {
                        visit(NodeKind::ProfileReplace);
                        walk_step(from, visit);
                        walk_step(to, visit);
                    }
                    ProfileMemberKind::Error => visit(NodeKind::ErrorProfileMember),
                }
            }
        }
        ItemKind::Error => visit(NodeKind::ErrorItem),
    }
}

fn walk_generics(generics: &[GenericParam], visit: &mut dyn FnMut(NodeKind)) {
    for generic in generics {
        visit(NodeKind::GenericParam);
        if let Some(bound) = &generic.bound {
            visit(NodeKind::GenericBound);
            walk_type(bound, visit);
        }
    }
}

fn walk_fn(item: &FnItem, visit: &mut dyn FnMut(NodeKind)) {
    visit(NodeKind::Fn);
    if item.source.is_some() {
        visit(NodeKind::SourceFn);
    }
    walk_generics(&item.generics, visit);
    for param in &item.params {
        match &param.kind {
            ParamKind::Param { name: _, ty, default } => {
                visit(NodeKind::Param);
                walk_type(ty, visit);
                if let Some(default) = default {
                    visit(NodeKind::ParamDefault);
                    walk_expr(default, visit);
                }
            }
            ParamKind::Error => visit(NodeKind::ErrorParam),
        }
    }
    if let Some(ret) = &item.ret {
        visit(NodeKind::ReturnType);
        walk_type(ret, visit);
    }
    match &item.body {
        FnBody::Expr(expr) => {
            visit(NodeKind::ExprBody);
            walk_expr(expr, visit);
        }
        FnBody::Handler { settings, .. } => {
            visit(NodeKind::HandlerBody);
            walk_settings(settings, visit);
        }
        FnBody::Intrinsic(id) => {
            visit(NodeKind::IntrinsicBody);
            walk_str(id, visit);
        }
        FnBody::Missing(_) => visit(NodeKind::MissingBody),
    }
}

fn walk_settings(settings: &[Setting], visit: &mut dyn FnMut(NodeKind)) {
    for setting in settings {
        let key = match &setting.kind {
            SettingKind::Value { key, value } => {
                visit(NodeKind::SettingValue);
                walk_expr(value, visit);
                key
            }
            SettingKind::Block { key, settings } => {
                visit(NodeKind::SettingBlock);
                walk_settings(settings, visit);
                key
            }
            SettingKind::Error => {
                visit(NodeKind::ErrorSetting);
                continue;
            }
        };
        if let SettingKey::Str(s) = key {
            visit(NodeKind::SettingStrKey);
            walk_str(s, visit);
        }
    }
}

fn walk_step(step: &Step, visit: &mut dyn FnMut(NodeKind)) {
    match &step.kind {
        StepKind::Ref(_) => visit(NodeKind::StepRef),
        StepKind::Call { callee: _, args } => {
            visit(NodeKind::StepCall);
            walk_args(args, visit);
        }
        StepKind::Missing => visit(NodeKind::MissingStep),
    }
}

fn walk_args(args: &[Arg], visit: &mut dyn FnMut(NodeKind)) {
    for arg in args {
        visit(if arg.name.is_some() { NodeKind::NamedArg } else { NodeKind::PositionalArg });
        walk_expr(&arg.value, visit);
    }
}

fn walk_strength(strength: &Strength, required: NodeKind, preferred: NodeKind, visit: &mut dyn FnMut(NodeKind)) {
    match strength {
        Strength::Required => visit(required),
        Strength::Preferred { weight, .. } => {
            visit(preferred);
            if weight.is_some() {
                visit(NodeKind::Weight);
            }
        }
    }
}

fn walk_rules(rules: &[Rule], visit: &mut dyn FnMut(NodeKind)) {
    for rule in rules {
        match &rule.kind {
            RuleKind::Node { strength, cond } => {
                walk_strength(strength, NodeKind::RequiredNode, NodeKind::PreferredNode, visit);
                walk_label_cond(cond, visit);
            }
            RuleKind::Near { strength, target: _, by } => {
                walk_strength(strength, NodeKind::RequiredNear, NodeKind::PreferredNear, visit);
                if let Some(by) = by {
                    visit(NodeKind::Topology);
                    walk_label_key(by, visit);
                }
            }
            RuleKind::Apart { strength, target: _, by } => {
                walk_strength(strength, NodeKind::RequiredApart, NodeKind::PreferredApart, visit);
                if let Some(by) = by {
                    visit(NodeKind::Topology);
                    walk_label_key(by, visit);
                }
            }
            RuleKind::Spread { strength, by, skew } => {
                walk_strength(strength, NodeKind::RequiredSpread, NodeKind::PreferredSpread, visit);
                walk_label_key(by, visit);
                if skew.is_some() {
                    visit(NodeKind::Skew);
                }
            }
            RuleKind::Tolerate { key, value, effect } => {
                walk_label_key(key, visit);
                match value {
                    Some(value) => {
                        visit(NodeKind::TolerateEqual);
                        walk_label_value(value, visit);
                    }
                    None => visit(NodeKind::TolerateExists),
                }
                if let Some(effect) = effect {
                    visit(NodeKind::Effect);
                    walk_label_value(effect, visit);
                }
            }
            RuleKind::Resources(resources) => {
                visit(NodeKind::Resources);
                for resource in resources {
                    if resource.limit.is_some() {
                        visit(NodeKind::ResourceLimit);
                    }
                }
            }
            RuleKind::Replicas { max, when, .. } => {
                visit(if max.is_some() { NodeKind::ReplicaRange } else { NodeKind::FixedReplicas });
                for _ in when {
                    visit(NodeKind::MetricTarget);
                }
            }
            RuleKind::Budget { .. } => visit(NodeKind::Budget),
            RuleKind::Error => visit(NodeKind::ErrorRule),
        }
    }
}

fn walk_label_cond(cond: &LabelCond, visit: &mut dyn FnMut(NodeKind)) {
    walk_label_key(&cond.key, visit);
    match &cond.op {
        LabelOp::Eq(value) => {
            visit(NodeKind::LabelEq);
            walk_label_value(value, visit);
        }
        LabelOp::NotEq(value) => {
            visit(NodeKind::LabelNotEq);
            walk_label_value(value, visit);
        }
        LabelOp::In(values) => {
            visit(NodeKind::LabelIn);
            values.iter().for_each(|v| walk_label_value(v, visit));
        }
        LabelOp::NotIn(values) => {
            visit(NodeKind::LabelNotIn);
            values.iter().for_each(|v| walk_label_value(v, visit));
        }
        LabelOp::Exists => visit(NodeKind::LabelExists),
        LabelOp::NotExists => visit(NodeKind::LabelNotExists),
    }
}

fn walk_label_key(key: &LabelKey, visit: &mut dyn FnMut(NodeKind)) {
    if let LabelKey::Str(s) = key {
        visit(NodeKind::LabelStrKey);
        walk_str(s, visit);
    }
}

fn walk_label_value(value: &LabelValue, visit: &mut dyn FnMut(NodeKind)) {
    visit(if value.quoted { NodeKind::QuotedLabelValue } else { NodeKind::BareLabelValue });
}

fn walk_type(ty: &TypeExpr, visit: &mut dyn FnMut(NodeKind)) {
    match &ty.kind {
        TypeExprKind::Named { name: _, args } if args.is_empty() => visit(NodeKind::NamedType),
        TypeExprKind::Named { name: _, args } => {
            visit(NodeKind::GenericType);
            args.iter().for_each(|a| walk_type(a, visit));
        }
        TypeExprKind::Optional(inner) => {
            visit(NodeKind::OptionalType);
            walk_type(inner, visit);
        }
        TypeExprKind::Error => {}
    }
}

fn walk_str(s: &StrLit, visit: &mut dyn FnMut(NodeKind)) {
    visit(NodeKind::StrLit);
    for part in &s.parts {
        if let StrPart::Interp(expr) = part {
            visit(NodeKind::Interpolation);
            walk_expr(expr, visit);
        }
    }
}

/// Walks an expression. Depth is bounded by the parser's nesting limit.
pub fn walk_expr(expr: &Expr, visit: &mut dyn FnMut(NodeKind)) {
    match &expr.kind {
        ExprKind::Int(_) => visit(NodeKind::IntLit),
        ExprKind::Float(_) => visit(NodeKind::FloatLit),
        ExprKind::Quantity(_) => visit(NodeKind::QuantityLit),
        ExprKind::Bool(_) => visit(NodeKind::BoolLit),
        ExprKind::None => visit(NodeKind::NoneLit),
        ExprKind::Str(s) => walk_str(s, visit),
        ExprKind::Name(_) => visit(NodeKind::NameRef),
        ExprKind::Path { .. } => visit(NodeKind::EnumPath),
        ExprKind::List(items) => {
            visit(NodeKind::ListLit);
            items.iter().for_each(|i| walk_expr(i, visit));
        }
        ExprKind::Paren(inner) => {
            visit(NodeKind::ParenExpr);
            walk_expr(inner, visit);
        }
        ExprKind::Unary { op, operand } => {
            visit(match op {
                UnaryOp::Neg => NodeKind::Negate,
                UnaryOp::Not => NodeKind::Not,
            });
            walk_expr(operand, visit);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            visit(match op {
                BinaryOp::Or => NodeKind::Or,
                BinaryOp::And => NodeKind::And,
                BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                    NodeKind::Compare
                }
                BinaryOp::Coalesce => NodeKind::Coalesce,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => NodeKind::Arithmetic,
            });
            walk_expr(lhs, visit);
            walk_expr(rhs, visit);
        }
        ExprKind::Field { base, name: _, optional } => {
            visit(if *optional { NodeKind::OptionalFieldAccess } else { NodeKind::FieldAccess });
            walk_expr(base, visit);
        }
        ExprKind::Call { callee, args } => {
            visit(NodeKind::CallExpr);
            walk_expr(callee, visit);
            walk_args(args, visit);
        }
        ExprKind::If { cond, then, otherwise } => {
            visit(NodeKind::IfExpr);
            walk_expr(cond, visit);
            walk_expr(then, visit);
            walk_expr(otherwise, visit);
        }
        ExprKind::Match { scrutinee, arms } => {
            visit(NodeKind::MatchExpr);
            walk_expr(scrutinee, visit);
            for arm in arms {
                visit(match &arm.pattern.kind {
                    PatternKind::Wildcard => NodeKind::WildcardPattern,
                    PatternKind::None => NodeKind::NonePattern,
                    PatternKind::Literal(_) => NodeKind::LiteralPattern,
                    PatternKind::Variant { .. } => NodeKind::VariantPattern,
                    PatternKind::Binding(_) => NodeKind::BindingPattern,
                });
                walk_expr(&arm.body, visit);
            }
        }
        ExprKind::Error => visit(NodeKind::ErrorExpr),
    }
}

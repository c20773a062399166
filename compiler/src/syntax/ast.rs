//! The typed syntax tree. Every node has a span; error and missing nodes keep broken code in the tree.

pub use smol_str::SmolStr;

use crate::span::Span;

/// A name as written, with its span.
#[derive(Clone, PartialEq)]
pub struct Name {
    /// Inline up to 23 bytes, cheap to clone: names are copied into every later stage.
    pub text: SmolStr,
    pub span: Span,
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} @{:?}", self.text, self.span)
    }
}

/// Doc comment text (`///` lines joined by `\n`, the marker and one leading space removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Docs {
    pub text: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// `//!` lines at the top of the file.
    pub docs: Option<Docs>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub docs: Option<Docs>,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    App(AppItem),
    Use(UseItem),
    Type(Box<TypeItem>),
    Enum(EnumItem),
    Fn(Box<FnItem>),
    Flow(FlowItem),
    Place(PlaceItem),
    Profile(ProfileItem),
    /// Text that could not be parsed as an item (already reported).
    Error,
}

/// `app NAME { settings }`
#[derive(Debug, Clone, PartialEq)]
pub struct AppItem {
    pub name: Name,
    pub settings: Vec<Setting>,
}

/// `key = value` or `key { settings }` (app settings, handler blocks, `env`, profile settings).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingKind {
    Value { key: SettingKey, value: Box<Expr> },
    Block { key: SettingKey, settings: Vec<Setting> },
    Error,
}

/// A setting's key: a name, or a string for keys that are not names (`"X-Api-Key" = ...`).
#[derive(Debug, Clone, PartialEq)]
pub enum SettingKey {
    Name(Name),
    Str(StrLit),
}

/// `use a::b::c`, `use a::b::c as d`, `use a::b::{c, d as e}`
#[derive(Debug, Clone, PartialEq)]
pub struct UseItem {
    pub path: Vec<Name>,
    pub tail: UseTail,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UseTail {
    /// The path's last segment is the imported name.
    Single { alias: Option<Name> },
    /// `::{a, b as c}`
    Group(Vec<UseName>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseName {
    pub name: Name,
    pub alias: Option<Name>,
    pub span: Span,
}

/// `type Name<T> { fields }` or `type Name = Type`
#[derive(Debug, Clone, PartialEq)]
pub struct TypeItem {
    pub name: Name,
    pub generics: Vec<GenericParam>,
    pub def: TypeDef,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    Record(Vec<Field>),
    Alias(TypeExpr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub docs: Option<Docs>,
    pub kind: FieldKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Field { name: Name, ty: TypeExpr, default: Option<Box<Expr>> },
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenericParam {
    pub name: Name,
    pub bound: Option<TypeExpr>,
    pub span: Span,
}

/// `enum Name { A, B }`
#[derive(Debug, Clone, PartialEq)]
pub struct EnumItem {
    pub name: Name,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub docs: Option<Docs>,
    pub kind: VariantKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VariantKind {
    Variant { name: Name },
    Error,
}

/// `[source] fn name<T>(params) -> Ret body`
#[derive(Debug, Clone, PartialEq)]
pub struct FnItem {
    /// The `source` keyword: the function takes no message, all its parameters are settings.
    pub source: Option<Span>,
    pub name: Name,
    pub generics: Vec<GenericParam>,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: FnBody,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub kind: ParamKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    Param { name: Name, ty: TypeExpr, default: Option<Box<Expr>> },
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FnBody {
    /// `= expr`
    Expr(Expr),
    /// `{ exec = ..., image = ..., env { ... } }`
    Handler { settings: Vec<Setting>, span: Span },
    /// `intrinsic "id"`
    Intrinsic(StrLit),
    /// No body was written (reported); the span is where it was expected.
    Missing(Span),
}

/// `flow name { statements }`
#[derive(Debug, Clone, PartialEq)]
pub struct FlowItem {
    pub name: Name,
    pub stmts: Vec<FlowStmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowStmt {
    pub kind: FlowStmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FlowStmtKind {
    /// `[stream =] step -> step -> ...`
    Chain {
        binding: Option<Name>,
        steps: Vec<Step>,
    },
    Error,
}

/// One step of a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// A function or a named stream.
    Ref(Name),
    /// A function with arguments: `tumbling(10s, key: room)`.
    Call { callee: Name, args: Vec<Arg> },
    /// Nothing after a trailing `->` (the editor completes here).
    Missing,
}

/// An argument, positional or named (`key: room`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Name>,
    pub value: Expr,
    pub span: Span,
}

/// `place function { rules }`
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceItem {
    pub target: Name,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kind: RuleKind,
    pub span: Span,
}

/// Whether a rule must hold (`on`, `near f`) or is a weighted preference (`prefer ...`).
#[derive(Debug, Clone, PartialEq)]
pub enum Strength {
    Required,
    Preferred { prefer: Span, weight: Option<IntLit> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// `on LABEL-CONDITION` / `prefer LABEL-CONDITION [weight N]`
    Node {
        strength: Strength,
        cond: Box<LabelCond>,
    },
    /// `[prefer] near f [by TOPOLOGY] [weight N]`
    Near {
        strength: Strength,
        target: Name,
        by: Option<LabelKey>,
    },
    /// `[prefer] apart f [by TOPOLOGY] [weight N]`
    Apart {
        strength: Strength,
        target: Name,
        by: Option<LabelKey>,
    },
    /// `[prefer] spread by TOPOLOGY [skew N]`
    Spread {
        strength: Strength,
        by: LabelKey,
        skew: Option<IntLit>,
    },
    /// `tolerate KEY == VALUE [effect E]` / `tolerate KEY exists [effect E]`
    Tolerate {
        key: LabelKey,
        value: Option<Box<LabelValue>>,
        effect: Option<Box<LabelValue>>,
    },
    /// `resources cpu 100m, memory 64Mi..128Mi, gpu 1`
    Resources(Vec<Resource>),
    /// `replicas 2` / `replicas 1..4 [when cpu > 70%, ...]`
    Replicas {
        min: IntLit,
        max: Option<IntLit>,
        when: Vec<MetricTarget>,
    },
    /// `budget min_available 1` / `budget max_unavailable 25%`
    Budget {
        kind: Name,
        value: Quantity,
    },
    Error,
}

/// A node label condition.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCond {
    pub key: LabelKey,
    pub op: LabelOp,
    pub span: Span,
}

/// A label key: a name (`tier`, aliases like `zone`) or a string (`"kubernetes.io/arch"`).
#[derive(Debug, Clone, PartialEq)]
pub enum LabelKey {
    Name(Name),
    Str(StrLit),
}

#[derive(Debug, Clone, PartialEq)]
pub enum LabelOp {
    Eq(LabelValue),
    NotEq(LabelValue),
    In(Vec<LabelValue>),
    NotIn(Vec<LabelValue>),
    Exists,
    NotExists,
}

/// A label value as written: a string, a bare name or a number.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelValue {
    pub text: SmolStr,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: Name,
    pub request: Quantity,
    pub limit: Option<Quantity>,
    pub span: Span,
}

/// `cpu > 70%` in `replicas 1..4 when ...`
#[derive(Debug, Clone, PartialEq)]
pub struct MetricTarget {
    pub metric: Name,
    pub target: Quantity,
    pub span: Span,
}

/// A number with an optional unit, as written: `100m`, `64Mi`, `70%`, `2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub number: SmolStr,
    pub unit: SmolStr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntLit {
    pub value: i64,
    pub span: Span,
}

/// `profile name { members }`
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileItem {
    pub name: Name,
    pub members: Vec<ProfileMember>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileMember {
    pub kind: ProfileMemberKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProfileMemberKind {
    /// An app setting override: `namespace = "iot-night"`.
    Setting(Box<Setting>),
    /// `place f { rules }`: replaces or adds rules of `f`'s placement.
    Place(PlaceItem),
    /// `fn f { settings }`: overrides handler settings of `f` (env, image, exec).
    Fn {
        name: Name,
        settings: Vec<Setting>,
    },
    /// `replace step with step`: swaps a source or sink.
    Replace {
        from: Step,
        to: Step,
    },
    Error,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExprKind {
    /// `Int`, `List<T>`
    Named {
        name: Name,
        args: Vec<TypeExpr>,
    },
    /// `T?`
    Optional(Box<TypeExpr>),
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Quantity(Quantity),
    Bool(bool),
    None,
    Str(StrLit),
    Name(Name),
    /// `Enum::Variant`
    Path {
        ty: Name,
        variant: Name,
    },
    List(Vec<Expr>),
    Paren(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `base.name`, or `base?.name` when `optional`
    Field {
        base: Box<Expr>,
        name: Name,
        optional: bool,
    },
    /// `f(args)`, record construction `Reading(room: "a", celsius: 1.0)`, builtins
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Coalesce,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// A string literal: text parts (escapes decoded) and `${expr}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl StrLit {
    /// The string's value when it has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text { text, .. } => out.push_str(text),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text { text: String, span: Span },
    Interp(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// `none`
    None,
    /// An integer, number, string or boolean literal.
    Literal(Box<Expr>),
    /// `Enum::Variant`
    Variant { ty: Name, variant: Name },
    /// A name that binds the matched value.
    Binding(Name),
}

//! `dync fmt`: the one canonical layout of a `.dyn` file, keeping every comment.
//!
//! The tree is turned into a `Doc` (see `doc.rs`) in source order while a queue of comment
//! tokens is drained: comments before a node are printed on their own lines before it, a
//! comment after a member on the same line stays at the end of that line, and comments left
//! at the end of a block or the file are printed there. Literals and strings are copied from
//! the source as written, so formatting never changes a value. Files with syntax errors are
//! not formatted.

mod doc;

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::parse;
use crate::syntax::token::Token;

use doc::Doc;

/// The line width the layout aims for.
pub const WIDTH: usize = 100;
/// Spaces per indentation level.
pub const INDENT: usize = 4;

/// Formats a file. Returns the file's diagnostics instead when it has syntax errors.
pub fn format(text: &str, file: FileId) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(text, file);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    let newline = if text.find('\n').is_some_and(|i| text[..i].ends_with('\r')) { "\r\n" } else { "\n" };
    let mut formatter = Formatter { text, comments: comments(text, &parsed.tokens), next: 0 };
    let doc = formatter.module(&parsed.module);
    let body = doc::print(&doc, WIDTH, newline);
    let body = body.trim_end();
    let mut out = String::with_capacity(text.len() + 64);
    if text.starts_with('\u{FEFF}') {
        out.push('\u{FEFF}');
    }
    if !body.is_empty() {
        out.push_str(body);
        out.push_str(newline);
    }
    Ok(out)
}

/// A comment as written (trailing whitespace and `\r` removed).
struct Comment<'t> {
    start: u32,
    end: u32,
    text: &'t str,
}

fn comments<'t>(text: &'t str, tokens: &[Token]) -> Vec<Comment<'t>> {
    tokens
        .iter()
        .filter(|t| t.kind.is_trivia())
        .map(|t| Comment { start: t.start, end: t.end, text: text[t.range()].trim_end() })
        .collect()
}

/// How the members of a block are laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One member per line, always.
    Broken,
    /// On one line, separated by this text, when it fits; one member per line otherwise.
    Fits(&'static str),
}

/// Comments taken from the queue: each with whether an empty line preceded it.
type Taken<'t> = Vec<(bool, &'t str)>;

struct Formatter<'t> {
    text: &'t str,
    comments: Vec<Comment<'t>>,
    next: usize,
}

impl<'t> Formatter<'t> {
    fn src(&self, span: Span) -> &'t str {
        &self.text[span.range()]
    }

    /// Whether the source has an empty line between two offsets.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        if from >= to {
            return false;
        }
        let between = &self.text[from as usize..to as usize];
        between.split('\n').count() > 2 && between.split('\n').skip(1).any(|line| line.trim().is_empty())
    }

    /// Where the next pending comment starts if it comes before `position`, else `position`.
    fn first_before(&self, position: u32) -> u32 {
        self.comments.get(self.next).filter(|c| c.start < position).map_or(position, |c| c.start)
    }

    /// Takes the comments that start before `position`.
    fn take(&mut self, position: u32) -> Taken<'t> {
        let mut taken = Vec::new();
        let mut previous_end: Option<u32> = None;
        while let Some(comment) = self.comments.get(self.next).filter(|c| c.start < position) {
            let blank = previous_end.is_some_and(|end| self.blank_between(end, comment.start));
            taken.push((blank, comment.text));
            previous_end = Some(comment.end);
            self.next += 1;
        }
        taken
    }

    /// The comments before `position`, each on its own line, before the code at `position`.
    fn leading(&mut self, position: u32) -> Doc<'t> {
        let first = self.first_before(position);
        let taken = self.take(position);
        if taken.is_empty() {
            return Doc::Nil;
        }
        let last_end = self.comments[self.next - 1].end;
        let mut docs = Vec::new();
        for (blank, text) in taken {
            if blank {
                docs.push(Doc::HardLine);
            }
            docs.push(Doc::text(text));
            docs.push(Doc::HardLine);
        }
        if first < position && self.blank_between(last_end, position) {
            docs.push(Doc::HardLine);
        }
        Doc::concat(docs)
    }

    /// A comment right after `end` on the same line (past at most a `,` or `;`), kept at the
    /// end of that line.
    fn trailing(&mut self, end: u32) -> Doc<'t> {
        match self.comments.get(self.next) {
            Some(comment)
                if comment.start >= end
                    && self.text[end as usize..comment.start as usize]
                        .chars()
                        .all(|c| c == ' ' || c == '\t' || c == ',' || c == ';') =>
            {
                self.next += 1;
                Doc::LineSuffix(format!(" {}", comment.text).into())
            }
            _ => Doc::Nil,
        }
    }

    /// A node's own document preceded by the comments before it.
    fn with_leading(&mut self, start: u32, build: impl FnOnce(&mut Self) -> Doc<'t>) -> Doc<'t> {
        let leading = self.leading(start);
        let doc = build(self);
        Doc::concat(vec![leading, doc])
    }

    // ---------------------------------------------------------------------------------------
    // Blocks

    /// `{ members }` whose `}` is at `close`. Comments inside are kept; one empty line between
    /// members is kept where the source had one; none after `{` or before `}`.
    fn block<T>(
        &mut self,
        members: &[T],
        close: u32,
        layout: Layout,
        span_of: impl Fn(&T) -> Span,
        mut build: impl FnMut(&mut Self, &T) -> Doc<'t>,
    ) -> Doc<'t> {
        let mut docs: Vec<Doc<'t>> = Vec::new();
        let mut previous_end: Option<u32> = None;
        // A comment right after the `{` stays there.
        let after_open = match self.comments.get(self.next) {
            Some(comment)
                if comment.start < members.first().map_or(close, |m| span_of(m).start)
                    && self.text[..comment.start as usize].trim_end_matches([' ', '\t']).ends_with('{') =>
            {
                self.next += 1;
                Doc::concat(vec![Doc::LineSuffix(format!(" {}", comment.text).into()), Doc::BreakParent])
            }
            _ => Doc::Nil,
        };
        for member in members {
            let span = span_of(member);
            let blank = previous_end.is_some_and(|end| self.blank_between(end, self.first_before(span.start)));
            let leading = self.leading(span.start);
            let doc = build(self, member);
            let trailing = self.trailing(span.end);
            if previous_end.is_some() {
                if let Layout::Fits(separator) = layout {
                    docs.push(Doc::if_break(Doc::Nil, Doc::text(separator.trim_end())));
                }
                docs.push(if blank { Doc::BlankLine } else { line(layout) });
            }
            docs.push(Doc::concat(vec![leading, doc, trailing]));
            previous_end = Some(span.end);
        }
        for (blank, text) in self.take(close) {
            if !docs.is_empty() {
                docs.push(if blank { Doc::BlankLine } else { Doc::HardLine });
            }
            docs.push(Doc::text(text));
            docs.push(Doc::BreakParent);
        }
        if docs.is_empty() && matches!(after_open, Doc::Nil) {
            return Doc::text("{}");
        }
        let doc = Doc::concat(vec![
            Doc::text("{"),
            after_open,
            Doc::nest(INDENT, Doc::concat(vec![line(layout), Doc::concat(docs)])),
            line(layout),
            Doc::text("}"),
        ]);
        match layout {
            Layout::Broken => doc,
            Layout::Fits(_) => Doc::group(doc),
        }
    }

    /// `open items close` on one line when it fits, else one item per line with a trailing
    /// comma. Comments before an item force the broken layout.
    fn list<T>(
        &mut self,
        open: &'static str,
        items: &[T],
        close: &'static str,
        close_at: u32,
        span_of: impl Fn(&T) -> Span,
        mut build: impl FnMut(&mut Self, &T) -> Doc<'t>,
    ) -> Doc<'t> {
        let mut docs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let span = span_of(item);
            let leading = self.leading(span.start);
            let doc = build(self, item);
            let separator = if i + 1 < items.len() { Doc::text(",") } else { Doc::if_break(Doc::text(","), Doc::Nil) };
            let trailing = self.trailing(span.end);
            if i > 0 {
                docs.push(Doc::Line);
            }
            docs.push(Doc::concat(vec![leading, doc, separator, trailing]));
        }
        for (_, text) in self.take(close_at) {
            docs.push(Doc::HardLine);
            docs.push(Doc::text(text));
            docs.push(Doc::BreakParent);
        }
        if docs.is_empty() {
            return Doc::text(format!("{open}{close}"));
        }
        Doc::group(Doc::concat(vec![
            Doc::text(open),
            Doc::nest(INDENT, Doc::concat(vec![Doc::SoftLine, Doc::concat(docs)])),
            Doc::SoftLine,
            Doc::text(close),
        ]))
    }

    // ---------------------------------------------------------------------------------------
    // Items

    fn module(&mut self, module: &Module) -> Doc<'t> {
        let mut docs = Vec::new();
        let mut previous: Option<&Item> = None;
        for item in &module.items {
            if let Some(previous) = previous {
                let both_use = matches!((&previous.kind, &item.kind), (ItemKind::Use(_), ItemKind::Use(_)));
                let blank = self.blank_between(previous.span.end, self.first_before(item.span.start));
                docs.push(if both_use && !blank { Doc::HardLine } else { Doc::BlankLine });
            }
            docs.push(self.leading(item.span.start));
            docs.push(self.item(item));
            docs.push(self.trailing(item.span.end));
            previous = Some(item);
        }
        let rest = self.take(u32::MAX);
        for (i, (blank, text)) in rest.into_iter().enumerate() {
            if previous.is_some() || i > 0 {
                docs.push(if blank || (i == 0 && previous.is_some()) { Doc::BlankLine } else { Doc::HardLine });
            }
            docs.push(Doc::text(text));
        }
        Doc::concat(docs)
    }

    fn item(&mut self, item: &Item) -> Doc<'t> {
        let close = item.span.end.saturating_sub(1);
        match &item.kind {
            ItemKind::App(app) => {
                let head = Doc::concat(vec![Doc::text("app "), self.name(&app.name), Doc::text(" ")]);
                Doc::concat(vec![head, self.settings(&app.settings, close, Layout::Broken)])
            }
            ItemKind::Use(item) => self.use_item(item, close),
            ItemKind::Type(ty) => {
                let mut head = vec![Doc::text("type "), self.name(&ty.name), self.generics(&ty.generics)];
                match &ty.def {
                    TypeDef::Record(fields) => {
                        head.push(Doc::text(" "));
                        head.push(self.block(fields, close, Layout::Broken, |f| f.span, Self::field));
                    }
                    TypeDef::Alias(alias) => {
                        head.push(Doc::text(" = "));
                        head.push(self.ty(alias));
                    }
                }
                Doc::concat(head)
            }
            ItemKind::Enum(item) => {
                let head = Doc::concat(vec![Doc::text("enum "), self.name(&item.name), Doc::text(" ")]);
                let variants = self.block(
                    &item.variants,
                    close,
                    Layout::Fits(", "),
                    |v| v.span,
                    |this, v| match &v.kind {
                        VariantKind::Variant { name } => this.name(name),
                        VariantKind::Error => Doc::text(this.src(v.span)),
                    },
                );
                Doc::concat(vec![head, variants])
            }
            ItemKind::Fn(item) => self.fn_item(item),
            ItemKind::Flow(flow) => {
                let head = Doc::concat(vec![Doc::text("flow "), self.name(&flow.name), Doc::text(" ")]);
                let body = self.block(&flow.stmts, close, Layout::Broken, |s| s.span, Self::flow_stmt);
                Doc::concat(vec![head, body])
            }
            ItemKind::Place(place) => self.place(place, close, Layout::Broken),
            ItemKind::Profile(profile) => {
                let head = Doc::concat(vec![Doc::text("profile "), self.name(&profile.name), Doc::text(" ")]);
                let body = self.block(&profile.members, close, Layout::Broken, |m| m.span, Self::profile_member);
                Doc::concat(vec![head, body])
            }
            // Not reached: files with errors are not formatted.
            ItemKind::Error => Doc::text(self.src(item.span)),
        }
    }

    fn name(&mut self, name: &Name) -> Doc<'t> {
        let leading = self.leading(name.span.start);
        Doc::concat(vec![leading, Doc::text(self.src(name.span))])
    }

    fn settings(&mut self, settings: &[Setting], close: u32, layout: Layout) -> Doc<'t> {
        self.block(settings, close, layout, |s| s.span, Self::setting)
    }

    fn setting(&mut self, setting: &Setting) -> Doc<'t> {
        match &setting.kind {
            SettingKind::Value { key, value } => {
                let key = self.setting_key(key);
                Doc::concat(vec![key, Doc::text(" = "), self.expr(value)])
            }
            SettingKind::Block { key, settings } => {
                let key = self.setting_key(key);
                let body = self.settings(settings, setting.span.end.saturating_sub(1), Layout::Fits(", "));
                Doc::concat(vec![key, Doc::text(" "), body])
            }
            SettingKind::Error => Doc::text(self.src(setting.span)),
        }
    }

    fn setting_key(&mut self, key: &SettingKey) -> Doc<'t> {
        match key {
            SettingKey::Name(name) => self.name(name),
            SettingKey::Str(s) => self.string(s),
        }
    }

    fn use_item(&mut self, item: &UseItem, close: u32) -> Doc<'t> {
        let mut docs = vec![Doc::text("use ")];
        for (i, segment) in item.path.iter().enumerate() {
            if i > 0 {
                docs.push(Doc::text("::"));
            }
            docs.push(self.name(segment));
        }
        match &item.tail {
            UseTail::Single { alias } => {
                if let Some(alias) = alias {
                    docs.push(Doc::text(" as "));
                    docs.push(self.name(alias));
                }
            }
            UseTail::Group(names) => {
                docs.push(Doc::text("::"));
                docs.push(self.list(
                    "{",
                    names,
                    "}",
                    close,
                    |n| n.span,
                    |this, n| {
                        let name = this.name(&n.name);
                        match &n.alias {
                            Some(alias) => Doc::concat(vec![name, Doc::text(" as "), this.name(alias)]),
                            None => name,
                        }
                    },
                ));
            }
        }
        Doc::concat(docs)
    }

    fn generics(&mut self, generics: &[GenericParam]) -> Doc<'t> {
        if generics.is_empty() {
            return Doc::Nil;
        }
        let close = generics.last().map_or(0, |g| g.span.end);
        self.list(
            "<",
            generics,
            ">",
            close,
            |g| g.span,
            |this, g| {
                let name = this.name(&g.name);
                match &g.bound {
                    Some(bound) => Doc::concat(vec![name, Doc::text(": "), this.ty(bound)]),
                    None => name,
                }
            },
        )
    }

    fn field(&mut self, field: &Field) -> Doc<'t> {
        match &field.kind {
            FieldKind::Field { name, ty, default } => {
                let mut docs = vec![self.name(name), Doc::text(": "), self.ty(ty)];
                if let Some(default) = default {
                    docs.push(Doc::text(" = "));
                    docs.push(self.expr(default));
                }
                Doc::concat(docs)
            }
            FieldKind::Error => Doc::text(self.src(field.span)),
        }
    }

    fn fn_item(&mut self, item: &FnItem) -> Doc<'t> {
        let mut head = Vec::new();
        if item.source.is_some() {
            head.push(Doc::text("source "));
        }
        head.push(Doc::text("fn "));
        head.push(self.name(&item.name));
        head.push(self.generics(&item.generics));
        let params_close = item.ret.as_ref().map_or_else(|| body_start(&item.body), |r| r.span.start);
        head.push(self.list("(", &item.params, ")", params_close, |p| p.span, Self::param));
        if let Some(ret) = &item.ret {
            head.push(Doc::text(" -> "));
            head.push(self.ty(ret));
        }
        match &item.body {
            FnBody::Expr(expr) => {
                head.push(Doc::text(" ="));
                head.push(self.body_expr(expr));
            }
            FnBody::Handler { settings, span } => {
                head.push(Doc::text(" "));
                head.push(self.settings(settings, span.end.saturating_sub(1), Layout::Broken));
            }
            FnBody::Intrinsic(id) => {
                let id = self.string(id);
                head.push(Doc::group(Doc::nest(INDENT, Doc::concat(vec![Doc::Line, Doc::text("intrinsic "), id]))));
            }
            FnBody::Missing(_) => {}
        }
        Doc::concat(head)
    }

    /// An expression after `=`: on the same line when it fits or when it opens a bracket
    /// (a call, a list, a `match`), else on the next line, indented.
    fn body_expr(&mut self, expr: &Expr) -> Doc<'t> {
        let has_leading_comment = self.first_before(expr.span.start) < expr.span.start;
        let doc = self.expr(expr);
        let opens_bracket = matches!(expr.kind, ExprKind::Call { .. } | ExprKind::List(_) | ExprKind::Match { .. });
        if opens_bracket && !has_leading_comment {
            Doc::concat(vec![Doc::text(" "), doc])
        } else {
            Doc::group(Doc::nest(INDENT, Doc::concat(vec![Doc::Line, doc])))
        }
    }

    fn param(&mut self, param: &Param) -> Doc<'t> {
        match &param.kind {
            ParamKind::Param { name, ty, default } => {
                let mut docs = vec![self.name(name), Doc::text(": "), self.ty(ty)];
                if let Some(default) = default {
                    docs.push(Doc::text(" = "));
                    docs.push(self.expr(default));
                }
                Doc::concat(docs)
            }
            ParamKind::Error => Doc::text(self.src(param.span)),
        }
    }

    fn flow_stmt(&mut self, stmt: &FlowStmt) -> Doc<'t> {
        match &stmt.kind {
            FlowStmtKind::Chain { binding, steps } => {
                let mut head = Vec::new();
                if let Some(binding) = binding {
                    head.push(self.name(binding));
                    head.push(Doc::text(" = "));
                }
                let mut rest = Vec::new();
                for (i, step) in steps.iter().enumerate() {
                    // Comments before a later step go before its `->`.
                    let leading = if i > 0 { self.leading(step.span.start) } else { Doc::Nil };
                    let doc = self.step(step);
                    if i == 0 {
                        head.push(doc);
                    } else {
                        rest.push(Doc::Line);
                        rest.push(leading);
                        rest.push(Doc::text("-> "));
                        rest.push(doc);
                    }
                }
                head.push(Doc::nest(INDENT, Doc::concat(rest)));
                Doc::group(Doc::concat(head))
            }
            FlowStmtKind::Error => Doc::text(self.src(stmt.span)),
        }
    }

    fn step(&mut self, step: &Step) -> Doc<'t> {
        match &step.kind {
            StepKind::Ref(name) => self.name(name),
            StepKind::Call { callee, args } => {
                let callee = self.name(callee);
                let args = self.args(args, step.span.end.saturating_sub(1));
                Doc::concat(vec![callee, args])
            }
            StepKind::Missing => Doc::Nil,
        }
    }

    fn args(&mut self, args: &[Arg], close: u32) -> Doc<'t> {
        self.list(
            "(",
            args,
            ")",
            close,
            |a| a.span,
            |this, arg| match &arg.name {
                Some(name) => {
                    let name = this.name(name);
                    Doc::concat(vec![name, Doc::text(": "), this.expr(&arg.value)])
                }
                None => this.expr(&arg.value),
            },
        )
    }

    fn place(&mut self, place: &PlaceItem, close: u32, layout: Layout) -> Doc<'t> {
        let head = Doc::concat(vec![Doc::text("place "), self.name(&place.target), Doc::text(" ")]);
        let rules = self.block(&place.rules, close, layout, |r| r.span, Self::rule);
        Doc::concat(vec![head, rules])
    }

    fn profile_member(&mut self, member: &ProfileMember) -> Doc<'t> {
        let close = member.span.end.saturating_sub(1);
        match &member.kind {
            ProfileMemberKind::Setting(setting) => self.setting(setting),
            ProfileMemberKind::Place(place) => self.place(place, close, Layout::Fits("; ")),
            ProfileMemberKind::Fn { name, settings } => {
                let head = Doc::concat(vec![Doc::text("fn "), self.name(name), Doc::text(" ")]);
                Doc::concat(vec![head, self.settings(settings, close, Layout::Fits(", "))])
            }
            ProfileMemberKind::Replace { from, to } => {
                let from = self.step(from);
                let to = self.step(to);
                Doc::concat(vec![Doc::text("replace "), from, Doc::text(" with "), to])
            }
            ProfileMemberKind::Error => Doc::text(self.src(member.span)),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Placement rules

    fn rule(&mut self, rule: &Rule) -> Doc<'t> {
        let mut docs: Vec<Doc<'t>> = Vec::new();
        match &rule.kind {
            RuleKind::Node { strength, cond } => {
                docs.push(Doc::text(if matches!(strength, Strength::Required) { "on " } else { "prefer " }));
                docs.push(self.label_cond(cond));
                docs.push(self.weight(strength));
            }
            RuleKind::Near { strength, target, by } | RuleKind::Apart { strength, target, by } => {
                if matches!(strength, Strength::Preferred { .. }) {
                    docs.push(Doc::text("prefer "));
                }
                docs.push(Doc::text(if matches!(rule.kind, RuleKind::Near { .. }) { "near " } else { "apart " }));
                docs.push(self.name(target));
                if let Some(by) = by {
                    docs.push(Doc::text(" by "));
                    docs.push(self.label_key(by));
                }
                docs.push(self.weight(strength));
            }
            RuleKind::Spread { strength, by, skew } => {
                if matches!(strength, Strength::Preferred { .. }) {
                    docs.push(Doc::text("prefer "));
                }
                docs.push(Doc::text("spread by "));
                docs.push(self.label_key(by));
                if let Some(skew) = skew {
                    docs.push(Doc::text(" skew "));
                    docs.push(Doc::text(self.src(skew.span)));
                }
            }
            RuleKind::Tolerate { key, value, effect } => {
                docs.push(Doc::text("tolerate "));
                docs.push(self.label_key(key));
                match value {
                    Some(value) => {
                        docs.push(Doc::text(" == "));
                        docs.push(self.label_value(value));
                    }
                    None => docs.push(Doc::text(" exists")),
                }
                if let Some(effect) = effect {
                    docs.push(Doc::text(" effect "));
                    docs.push(self.label_value(effect));
                }
            }
            RuleKind::Resources(resources) => {
                docs.push(Doc::text("resources "));
                let items: Vec<Doc<'t>> = resources
                    .iter()
                    .map(|r| {
                        let mut parts = vec![self.name(&r.name), Doc::text(" "), Doc::text(self.src(r.request.span))];
                        if let Some(limit) = &r.limit {
                            parts.push(Doc::text(".."));
                            parts.push(Doc::text(self.src(limit.span)));
                        }
                        Doc::concat(parts)
                    })
                    .collect();
                docs.push(Doc::join(items, Doc::text(", ")));
            }
            RuleKind::Replicas { min, max, when } => {
                docs.push(Doc::text("replicas "));
                docs.push(Doc::text(self.src(min.span)));
                if let Some(max) = max {
                    docs.push(Doc::text(".."));
                    docs.push(Doc::text(self.src(max.span)));
                }
                if !when.is_empty() {
                    docs.push(Doc::text(" when "));
                    let targets: Vec<Doc<'t>> = when
                        .iter()
                        .map(|m| {
                            let metric = self.name(&m.metric);
                            Doc::concat(vec![metric, Doc::text(" > "), Doc::text(self.src(m.target.span))])
                        })
                        .collect();
                    docs.push(Doc::join(targets, Doc::text(", ")));
                }
            }
            RuleKind::Budget { kind, value } => {
                docs.push(Doc::text("budget "));
                docs.push(self.name(kind));
                docs.push(Doc::text(" "));
                docs.push(Doc::text(self.src(value.span)));
            }
            RuleKind::Error => docs.push(Doc::text(self.src(rule.span))),
        }
        Doc::concat(docs)
    }

    fn weight(&mut self, strength: &Strength) -> Doc<'t> {
        match strength {
            Strength::Preferred { weight: Some(weight), .. } => {
                Doc::concat(vec![Doc::text(" weight "), Doc::text(self.src(weight.span))])
            }
            _ => Doc::Nil,
        }
    }

    fn label_cond(&mut self, cond: &LabelCond) -> Doc<'t> {
        let key = self.label_key(&cond.key);
        let op = match &cond.op {
            LabelOp::Eq(v) => Doc::concat(vec![Doc::text(" == "), self.label_value(v)]),
            LabelOp::NotEq(v) => Doc::concat(vec![Doc::text(" != "), self.label_value(v)]),
            LabelOp::In(values) => Doc::concat(vec![Doc::text(" in "), self.label_list(values, cond.span.end)]),
            LabelOp::NotIn(values) => Doc::concat(vec![Doc::text(" not in "), self.label_list(values, cond.span.end)]),
            LabelOp::Exists => Doc::text(" exists"),
            LabelOp::NotExists => Doc::text(" not exists"),
        };
        Doc::concat(vec![key, op])
    }

    fn label_list(&mut self, values: &[LabelValue], end: u32) -> Doc<'t> {
        self.list("[", values, "]", end.saturating_sub(1), |v| v.span, Self::label_value)
    }

    fn label_key(&mut self, key: &LabelKey) -> Doc<'t> {
        match key {
            LabelKey::Name(name) => self.name(name),
            LabelKey::Str(s) => self.string(s),
        }
    }

    fn label_value(&mut self, value: &LabelValue) -> Doc<'t> {
        let leading = self.leading(value.span.start);
        Doc::concat(vec![leading, Doc::text(self.src(value.span))])
    }

    // ---------------------------------------------------------------------------------------
    // Types and expressions

    fn ty(&mut self, ty: &TypeExpr) -> Doc<'t> {
        let leading = self.leading(ty.span.start);
        let doc = match &ty.kind {
            TypeExprKind::Named { name, args } if args.is_empty() => self.name(name),
            TypeExprKind::Named { name, args } => {
                let name = self.name(name);
                let args = self.list("<", args, ">", ty.span.end.saturating_sub(1), |a| a.span, Self::ty);
                Doc::concat(vec![name, args])
            }
            TypeExprKind::Optional(inner) => Doc::concat(vec![self.ty(inner), Doc::text("?")]),
            TypeExprKind::Error => Doc::text(self.src(ty.span)),
        };
        Doc::concat(vec![leading, doc])
    }

    fn string(&mut self, s: &StrLit) -> Doc<'t> {
        let leading = self.leading(s.span.start);
        Doc::concat(vec![leading, Doc::text(self.src(s.span))])
    }

    fn expr(&mut self, expr: &Expr) -> Doc<'t> {
        self.with_leading(expr.span.start, |this| this.expr_kind(expr))
    }

    fn expr_kind(&mut self, expr: &Expr) -> Doc<'t> {
        let close = expr.span.end.saturating_sub(1);
        match &expr.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Quantity(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Str(_)
            | ExprKind::Error => Doc::text(self.src(expr.span)),
            ExprKind::Name(name) => Doc::text(self.src(name.span)),
            ExprKind::Path { ty, variant } => {
                let ty = self.name(ty);
                Doc::concat(vec![ty, Doc::text("::"), self.name(variant)])
            }
            ExprKind::List(items) => self.list("[", items, "]", close, |e| e.span, Self::expr),
            ExprKind::Paren(inner) => Doc::concat(vec![Doc::text("("), self.expr(inner), Doc::text(")")]),
            ExprKind::Unary { op, operand } => {
                let op = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "!",
                };
                Doc::concat(vec![Doc::text(op), self.expr(operand)])
            }
            ExprKind::Binary { .. } => self.binary_chain(expr),
            ExprKind::Field { base, name, optional } => {
                let base = self.expr(base);
                let dot = if *optional { "?." } else { "." };
                Doc::concat(vec![base, Doc::text(dot), self.name(name)])
            }
            ExprKind::Call { callee, args } => {
                let callee = self.expr(callee);
                Doc::concat(vec![callee, self.args(args, close)])
            }
            ExprKind::If { .. } => self.if_chain(expr),
            ExprKind::Match { scrutinee, arms } => {
                let scrutinee = self.expr(scrutinee);
                let arms = self.list(
                    "{",
                    arms,
                    "}",
                    close,
                    |a| a.span,
                    |this, arm| {
                        let pattern = this.pattern(&arm.pattern);
                        let body = this.expr(&arm.body);
                        Doc::concat(vec![pattern, Doc::text(" => "), body])
                    },
                );
                let spaced = match arms {
                    Doc::Text(empty) => Doc::text(empty),
                    Doc::Group { doc, .. } => Doc::group(space_inside_braces(*doc)),
                    other => other,
                };
                Doc::concat(vec![Doc::text("match "), scrutinee, Doc::text(" "), spaced])
            }
        }
    }

    /// A run of binary operators of one precedence level, breaking before each operator.
    fn binary_chain(&mut self, expr: &Expr) -> Doc<'t> {
        let ExprKind::Binary { op, .. } = &expr.kind else { return self.expr_kind(expr) };
        let level = precedence(*op);
        // Left-associative levels nest to the left; `??` nests to the right.
        let mut operands: Vec<&Expr> = Vec::new();
        let mut operators: Vec<BinaryOp> = Vec::new();
        if *op == BinaryOp::Coalesce {
            let mut current = expr;
            while let ExprKind::Binary { op: BinaryOp::Coalesce, lhs, rhs } = &current.kind {
                operands.push(lhs);
                operators.push(BinaryOp::Coalesce);
                current = rhs;
            }
            operands.push(current);
        } else {
            let mut current = expr;
            let mut rights: Vec<(BinaryOp, &Expr)> = Vec::new();
            while let ExprKind::Binary { op, lhs, rhs } = &current.kind
                && precedence(*op) == level
                && (level != COMPARISON || rights.is_empty())
            {
                rights.push((*op, rhs));
                current = lhs;
            }
            operands.push(current);
            for (op, rhs) in rights.into_iter().rev() {
                operators.push(op);
                operands.push(rhs);
            }
        }
        let first = self.expr(operands[0]);
        let mut rest = Vec::new();
        for (op, operand) in operators.iter().zip(&operands[1..]) {
            rest.push(Doc::Line);
            rest.push(Doc::text(format!("{} ", op.symbol())));
            rest.push(self.expr(operand));
        }
        Doc::group(Doc::concat(vec![first, Doc::nest(INDENT, Doc::concat(rest))]))
    }

    /// `if a { x } else if b { y } else { z }`: one line when it fits, else every branch on
    /// lines of its own.
    fn if_chain(&mut self, expr: &Expr) -> Doc<'t> {
        let mut docs = Vec::new();
        let mut current = expr;
        while let ExprKind::If { cond, then, otherwise } = &current.kind {
            docs.push(Doc::text("if "));
            docs.push(self.expr(cond));
            docs.push(Doc::text(" {"));
            let then = self.expr(then);
            docs.push(Doc::nest(INDENT, Doc::concat(vec![Doc::Line, then])));
            docs.push(Doc::Line);
            docs.push(Doc::text("} else "));
            if matches!(otherwise.kind, ExprKind::If { .. }) {
                let leading = self.leading(otherwise.span.start);
                docs.push(leading);
                current = otherwise;
                continue;
            }
            docs.push(Doc::text("{"));
            let otherwise = self.expr(otherwise);
            docs.push(Doc::nest(INDENT, Doc::concat(vec![Doc::Line, otherwise])));
            docs.push(Doc::Line);
            docs.push(Doc::text("}"));
            break;
        }
        Doc::group(Doc::concat(docs))
    }

    fn pattern(&mut self, pattern: &Pattern) -> Doc<'t> {
        let leading = self.leading(pattern.span.start);
        let doc = match &pattern.kind {
            PatternKind::Wildcard | PatternKind::None | PatternKind::Literal(_) => Doc::text(self.src(pattern.span)),
            PatternKind::Variant { ty, variant } => {
                let ty = self.name(ty);
                Doc::concat(vec![ty, Doc::text("::"), self.name(variant)])
            }
            PatternKind::Binding(name) => self.name(name),
        };
        Doc::concat(vec![leading, doc])
    }
}

/// Separators of block members.
fn line<'a>(layout: Layout) -> Doc<'a> {
    match layout {
        Layout::Broken => Doc::HardLine,
        Layout::Fits(_) => Doc::Line,
    }
}

/// Where a function body starts (the end of the parameter list's last possible comment).
fn body_start(body: &FnBody) -> u32 {
    match body {
        FnBody::Expr(expr) => expr.span.start,
        FnBody::Handler { span, .. } => span.start,
        FnBody::Intrinsic(id) => id.span.start,
        FnBody::Missing(span) => span.start,
    }
}

/// `{a => b}` → `{ a => b }`: match arms get spaces inside the braces when flat.
fn space_inside_braces(doc: Doc<'_>) -> Doc<'_> {
    match doc {
        Doc::Concat { mut docs, .. } if docs.len() == 4 => {
            // [open, nest(softline + items), softline, close]
            let close = docs.pop().unwrap_or(Doc::Nil);
            docs.pop();
            let nest = docs.pop().unwrap_or(Doc::Nil);
            let open = docs.pop().unwrap_or(Doc::Nil);
            let nest = match nest {
                Doc::Nest { indent, doc, .. } => match *doc {
                    Doc::Concat { mut docs, .. } if !docs.is_empty() => {
                        docs[0] = Doc::Line;
                        Doc::nest(indent, Doc::concat(docs))
                    }
                    other => Doc::nest(indent, other),
                },
                other => other,
            };
            Doc::concat(vec![open, nest, Doc::Line, close])
        }
        other => other,
    }
}

const COMPARISON: u8 = 3;

fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => COMPARISON,
        BinaryOp::Coalesce => 4,
        BinaryOp::Add | BinaryOp::Sub => 5,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 6,
    }
}

//! Semantic analysis of an app: names, types, expression bodies and flows, producing the IR
//! and the semantic index. Every check reports and goes on; the IR is built only when the
//! app has no errors.

pub mod expr;
pub mod flow;
mod place;
pub mod profile;
pub mod ty;

use std::collections::HashMap;

use smol_str::SmolStr;

use crate::app::{App, Origin, use_module_path};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::ide::Index;
use crate::ir::Ir;
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, FnBody, ItemKind, TypeDef, TypeExpr, TypeExprKind, UseTail};
use ty::Ty;

/// A definition: an item, a field, a variant, a parameter, a stream, a match binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Record,
    Alias,
    Enum,
    Variant,
    Field,
    Fn,
    Param,
    Generic,
    Flow,
    Stream,
    Profile,
    App,
    Binding,
}

impl DefKind {
    pub fn describe(self) -> &'static str {
        match self {
            DefKind::Record => "record type",
            DefKind::Alias => "type alias",
            DefKind::Enum => "enum",
            DefKind::Variant => "variant",
            DefKind::Field => "field",
            DefKind::Fn => "function",
            DefKind::Param => "parameter",
            DefKind::Generic => "type parameter",
            DefKind::Flow => "flow",
            DefKind::Stream => "stream",
            DefKind::Profile => "profile",
            DefKind::App => "app",
            DefKind::Binding => "binding",
        }
    }

    fn is_type(self) -> bool {
        matches!(self, DefKind::Record | DefKind::Alias | DefKind::Enum)
    }
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: SmolStr,
    pub kind: DefKind,
    pub module: usize,
    /// The name where it is declared.
    pub span: Span,
    pub docs: Option<String>,
    /// The record, enum or function it belongs to.
    pub parent: Option<DefId>,
}

/// A record's fields, with generic parameters as `Ty::Param`.
#[derive(Debug, Clone, Default)]
pub struct RecordInfo {
    pub generics: Vec<SmolStr>,
    pub fields: Vec<FieldInfo>,
}

#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub name: SmolStr,
    pub ty: Ty,
    pub has_default: bool,
    pub def: DefId,
}

#[derive(Debug, Clone)]
pub struct GenericInfo {
    pub name: SmolStr,
    /// `V: Number`.
    pub numeric: bool,
}

#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub name: SmolStr,
    pub ty: Ty,
    pub has_default: bool,
    pub def: DefId,
    pub span: Span,
}

/// A function's signature. For a non-source function the first parameter is the message.
#[derive(Debug, Clone)]
pub struct FnInfo {
    pub def: DefId,
    pub module: usize,
    pub item: usize,
    pub is_source: bool,
    pub is_std: bool,
    pub generics: Vec<GenericInfo>,
    pub params: Vec<ParamInfo>,
    pub ret: Option<Ty>,
}

impl FnInfo {
    /// The message parameter, if the function takes one.
    pub fn input(&self) -> Option<&ParamInfo> {
        if self.is_source { None } else { self.params.first() }
    }

    /// The parameters a flow step may set.
    pub fn settings(&self) -> &[ParamInfo] {
        if self.is_source { &self.params } else { self.params.get(1..).unwrap_or(&[]) }
    }
}

/// A name brought into a module by `use`.
#[derive(Debug, Clone)]
pub struct Import {
    pub def: DefId,
    /// The imported name (or its alias) in the `use` item.
    pub span: Span,
    pub used: bool,
}

/// What semantic analysis produces.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    /// The dataflow graph; `None` when the app has errors.
    pub ir: Option<Ir>,
    pub index: Index,
}

/// The state of one analysis.
pub(crate) struct Sema<'a> {
    pub app: &'a App,
    pub defs: Vec<Def>,
    /// Per module: the items it declares, by name.
    pub declared: Vec<HashMap<SmolStr, DefId>>,
    /// Per module: the names it imports.
    pub imported: Vec<HashMap<SmolStr, Import>>,
    pub records: HashMap<DefId, RecordInfo>,
    pub aliases: HashMap<DefId, Ty>,
    /// How many type parameters each alias takes (its type uses them as `Ty::Param`).
    pub alias_generics: HashMap<DefId, usize>,
    pub enums: HashMap<DefId, Vec<(SmolStr, DefId)>>,
    pub fns: HashMap<DefId, FnInfo>,
    /// For every `(module, item index)`, the item's definition, and back.
    pub item_defs: HashMap<(usize, usize), DefId>,
    pub def_items: HashMap<DefId, (usize, usize)>,
    pub diagnostics: Vec<Diagnostic>,
    pub index: Index,
    /// Definitions referred to at least once (for the unused warnings).
    pub used: std::collections::HashSet<DefId>,
    /// The profile being checked, if any, and which of its `replace` members a step used.
    pub profile: Option<profile::Profile<'a>>,
    pub replacements_used: std::collections::HashSet<usize>,
    pub replacements_invalid: std::collections::HashSet<usize>,
    /// The resolved placement of each function with a `place` item, and where it is.
    pub placements: HashMap<DefId, (crate::placement::Placement, Span)>,
    /// Per module: names whose `use` failed (already reported): their uses stay silent.
    pub poisoned: Vec<std::collections::HashSet<SmolStr>>,
    /// Definitions reported as declared twice, and definitions imported somewhere: neither
    /// gets an "unused" warning of its own.
    pub quiet: std::collections::HashSet<DefId>,
}

/// Analyses a loaded app: the app as written, then once more with each profile applied. The
/// IR and the index are those of the app as written; a diagnostic that appears only under a
/// profile says so in a note.
pub fn analyze(app: &App) -> Analysis {
    let mut base = run(app, None);
    let mut seen: std::collections::HashSet<(Code, Option<Span>, String)> =
        base.diagnostics.iter().map(|d| (d.code, d.primary_span(), d.message.clone())).collect();
    for (module, item) in profile::profiles(app) {
        let checked = run(app, Some(profile::Profile::new(module, item)));
        for mut diagnostic in checked.diagnostics {
            if seen.insert((diagnostic.code, diagnostic.primary_span(), diagnostic.message.clone())) {
                diagnostic.notes.push(format!("in profile `{}`", item.name.text));
                base.diagnostics.push(diagnostic);
            }
        }
    }
    if base.diagnostics.iter().any(Diagnostic::is_error) {
        base.ir = None;
    }
    crate::diagnostic::sort_diagnostics(&mut base.diagnostics);
    base
}

/// Analyses the app with one profile applied; `None` when there is no profile of that name.
pub fn analyze_profile(app: &App, name: &str) -> Option<Analysis> {
    let (module, item) = profile::profiles(app).into_iter().find(|(_, p)| p.name.text == name)?;
    Some(run(app, Some(profile::Profile::new(module, item))))
}

/// The names of the app's profiles.
pub fn profile_names(app: &App) -> Vec<String> {
    profile::profiles(app).into_iter().map(|(_, p)| p.name.text.to_string()).collect()
}

fn run<'a>(app: &'a App, profile: Option<profile::Profile<'a>>) -> Analysis {
    let mut sema = Sema {
        app,
        defs: Vec::new(),
        declared: vec![HashMap::new(); app.modules.len()],
        imported: vec![HashMap::new(); app.modules.len()],
        records: HashMap::new(),
        aliases: HashMap::new(),
        alias_generics: HashMap::new(),
        enums: HashMap::new(),
        fns: HashMap::new(),
        item_defs: HashMap::new(),
        def_items: HashMap::new(),
        diagnostics: Vec::new(),
        index: Index::default(),
        used: std::collections::HashSet::new(),
        profile,
        replacements_used: std::collections::HashSet::new(),
        replacements_invalid: std::collections::HashSet::new(),
        placements: HashMap::new(),
        poisoned: vec![std::collections::HashSet::new(); app.modules.len()],
        quiet: std::collections::HashSet::new(),
    };
    sema.collect_items();
    sema.resolve_imports();
    sema.module_scopes();
    sema.resolve_types();
    sema.resolve_signatures();
    sema.check_bodies();
    sema.resolve_placement_names();
    sema.check_profile_overrides();
    place::check(&mut sema);
    let ir = flow::build(&mut sema);
    sema.warn_unused();
    sema.index.defs = std::mem::take(&mut sema.defs);
    sema.index.records = std::mem::take(&mut sema.records);
    sema.index.fns = std::mem::take(&mut sema.fns);
    sema.keep_labels_out_of_the_standard_library();
    let has_errors =
        sema.diagnostics.iter().any(Diagnostic::is_error) || app.diagnostics.iter().any(Diagnostic::is_error);
    crate::diagnostic::sort_diagnostics(&mut sema.diagnostics);
    Analysis { diagnostics: sema.diagnostics, ir: if has_errors { None } else { ir }, index: sema.index }
}

impl<'a> Sema<'a> {
    pub fn def(&self, id: DefId) -> &Def {
        &self.defs[id.0 as usize]
    }

    pub fn add_def(
        &mut self,
        name: &SmolStr,
        kind: DefKind,
        module: usize,
        span: Span,
        docs: Option<String>,
        parent: Option<DefId>,
    ) -> DefId {
        let id = DefId(u32::try_from(self.defs.len()).unwrap_or(u32::MAX));
        self.defs.push(Def { name: name.clone(), kind, module, span, docs, parent });
        self.index.refs.push((span, id));
        id
    }

    pub fn is_std(&self, module: usize) -> bool {
        matches!(self.app.modules[module].origin, Origin::Std(_))
    }

    /// Records a use of `def` at `span` (for go-to-definition and the unused warnings).
    pub fn refer(&mut self, span: Span, def: DefId) {
        self.used.insert(def);
        self.index.refs.push((span, def));
    }

    /// Looks an item name up in a module: its own items, then its imports.
    pub fn lookup(&mut self, module: usize, name: &str) -> Option<DefId> {
        if let Some(&def) = self.declared[module].get(name) {
            return Some(def);
        }
        let import = self.imported[module].get_mut(name)?;
        import.used = true;
        Some(import.def)
    }

    /// Every item name visible in a module (for "did you mean").
    pub fn visible_names(&self, module: usize) -> Vec<SmolStr> {
        let mut names: Vec<SmolStr> =
            self.declared[module].keys().chain(self.imported[module].keys()).cloned().collect();
        names.sort();
        names
    }

    /// Whether `name` failed to import into `module` (its uses are not reported again).
    pub fn is_poisoned(&self, module: usize, name: &str) -> bool {
        self.poisoned[module].contains(name)
    }

    /// Reports an unknown name, suggesting a close name of the wanted kind (`type`, `function`,
    /// `enum`), or the `use` that imports it from the standard library.
    pub fn unknown_name(&mut self, module: usize, name: &ast::Name, what: &str, extra: &[&str]) {
        if self.is_poisoned(module, &name.text) {
            return;
        }
        let wanted = |kind: DefKind| match what {
            "type" => kind.is_type(),
            "function" => kind == DefKind::Fn,
            "enum" => kind == DefKind::Enum,
            _ => true,
        };
        let mut candidates: Vec<SmolStr> = self.declared[module]
            .iter()
            .map(|(n, d)| (n, *d))
            .chain(self.imported[module].iter().map(|(n, i)| (n, i.def)))
            .filter(|(_, d)| wanted(self.def(*d).kind))
            .map(|(n, _)| n.clone())
            .collect();
        candidates.sort();
        let candidates = candidates.iter().map(SmolStr::as_str).chain(extra.iter().copied());
        let mut diagnostic = Diagnostic::new(
            Code::E0111,
            format!("cannot find {what} `{}`", name.text),
            name.span,
            "not declared in this module or imported with `use`",
        );
        if let Some(suggestion) = closest(&name.text, candidates) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        } else if let Some(path) = self.std_path_of(&name.text) {
            diagnostic = diagnostic.with_help(format!("import it: `use {path}::{}`", name.text));
        }
        self.diagnostics.push(diagnostic);
    }

    /// The standard-library module that declares `name`, if one does.
    pub fn std_path_of(&self, name: &str) -> Option<String> {
        self.app
            .modules
            .iter()
            .enumerate()
            .find(|(m, module)| matches!(module.origin, Origin::Std(_)) && self.declared[*m].contains_key(name))
            .map(|(_, module)| module.module_path())
    }

    // -----------------------------------------------------------------------------------------
    // Items and imports

    fn collect_items(&mut self) {
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let docs = item.docs.as_ref().map(|d| d.text.clone());
                let (name, kind) = match &item.kind {
                    ItemKind::Type(t) => {
                        (&t.name, if matches!(t.def, TypeDef::Record(_)) { DefKind::Record } else { DefKind::Alias })
                    }
                    ItemKind::Enum(e) => (&e.name, DefKind::Enum),
                    ItemKind::Fn(f) => (&f.name, DefKind::Fn),
                    ItemKind::Flow(f) => (&f.name, DefKind::Flow),
                    ItemKind::Profile(p) => (&p.name, DefKind::Profile),
                    ItemKind::App(a) => (&a.name, DefKind::App),
                    ItemKind::Use(_) | ItemKind::Place(_) | ItemKind::Error => continue,
                };
                let def = self.add_def(&name.text, kind, module, name.span, docs, None);
                self.item_defs.insert((module, index), def);
                self.def_items.insert(def, (module, index));
                // Flows, profiles and the app live in namespaces of their own.
                if matches!(kind, DefKind::Flow | DefKind::Profile | DefKind::App) {
                    continue;
                }
                if let Some(&previous) = self.declared[module].get(&name.text) {
                    self.quiet.insert(def);
                    let first = self.def(previous).span;
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::E0110,
                            format!("`{}` is declared twice", name.text),
                            name.span,
                            "declared again here",
                        )
                        .with_secondary(first, "first declared here")
                        .with_help("rename one of them: types and functions of a module share one namespace"),
                    );
                    continue;
                }
                self.declared[module].insert(name.text.clone(), def);
            }
        }
        // Flows and profiles must be unique too, each among their own kind.
        for loaded in &self.app.modules {
            let mut seen: HashMap<(bool, SmolStr), Span> = HashMap::new();
            for item in &loaded.ast.items {
                let (is_flow, name) = match &item.kind {
                    ItemKind::Flow(f) => (true, &f.name),
                    ItemKind::Profile(p) => (false, &p.name),
                    _ => continue,
                };
                if let Some(first) = seen.insert((is_flow, name.text.clone()), name.span) {
                    let what = if is_flow { "flow" } else { "profile" };
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::E0110,
                            format!("{what} `{}` is declared twice", name.text),
                            name.span,
                            "declared again here",
                        )
                        .with_secondary(first, "first declared here"),
                    );
                }
            }
        }
    }

    fn resolve_imports(&mut self) {
        for (module, loaded) in self.app.modules.iter().enumerate() {
            let mut use_index = 0;
            for item in &loaded.ast.items {
                let ItemKind::Use(use_item) = &item.kind else { continue };
                let target = self.app.imports.get(module).and_then(|i| i.get(use_index)).copied().flatten();
                use_index += 1;
                let Some(target) = target else {
                    // The module itself was not found (reported): its names stay silent.
                    match &use_item.tail {
                        UseTail::Single { alias } => {
                            if let Some(last) = alias.as_ref().or(use_item.path.last()) {
                                self.poisoned[module].insert(last.text.clone());
                            }
                        }
                        UseTail::Group(names) => {
                            for n in names {
                                self.poisoned[module].insert(n.alias.as_ref().unwrap_or(&n.name).text.clone());
                            }
                        }
                    }
                    continue;
                };
                let names: Vec<(&ast::Name, Option<&ast::Name>)> = match &use_item.tail {
                    UseTail::Single { alias } => {
                        use_item.path.last().map(|n| (n, alias.as_ref())).into_iter().collect()
                    }
                    UseTail::Group(names) => names.iter().map(|n| (&n.name, n.alias.as_ref())).collect(),
                };
                let module_path = use_module_path(use_item).join("::");
                for (name, alias) in names {
                    let Some(&def) = self.declared[target].get(&name.text) else {
                        self.poisoned[module].insert(alias.unwrap_or(name).text.clone());
                        let mut candidates: Vec<&str> = self.declared[target].keys().map(SmolStr::as_str).collect();
                        candidates.sort_unstable();
                        let mut diagnostic = Diagnostic::new(
                            Code::E0112,
                            format!("`{}` is not declared in `{module_path}`", name.text),
                            name.span,
                            format!("no such item in `{module_path}`"),
                        );
                        if let Some(suggestion) = closest(&name.text, candidates.iter().copied()) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                        } else if !candidates.is_empty() && candidates.len() <= 12 {
                            diagnostic = diagnostic.with_note(format!(
                                "`{module_path}` declares {}",
                                candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                            ));
                        }
                        self.diagnostics.push(diagnostic);
                        continue;
                    };
                    self.index.refs.push((name.span, def));
                    self.quiet.insert(def);
                    let local = alias.unwrap_or(name);
                    if let Some(&existing) = self.declared[module].get(&local.text) {
                        let first = self.def(existing).span;
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::E0110,
                                format!("`{}` is both imported and declared here", local.text),
                                local.span,
                                "imported here",
                            )
                            .with_secondary(first, "declared here")
                            .with_help(format!("import it under another name: `{} as other_name`", name.text)),
                        );
                        continue;
                    }
                    if let Some(first) = self.imported[module].get(&local.text).map(|i| i.span) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::E0110,
                                format!("`{}` is imported twice", local.text),
                                local.span,
                                "imported again here",
                            )
                            .with_secondary(first, "first imported here"),
                        );
                        continue;
                    }
                    self.imported[module].insert(local.text.clone(), Import { def, span: local.span, used: false });
                }
            }
        }
    }

    /// Every module's items and imports, visible in the whole file.
    fn module_scopes(&mut self) {
        for (module, loaded) in self.app.modules.iter().enumerate() {
            let length = self.app.sources.get(loaded.file).map_or(0, |f| f.text.len());
            let mut names: Vec<(SmolStr, DefId)> = self.declared[module].iter().map(|(n, d)| (n.clone(), *d)).collect();
            names.extend(self.imported[module].iter().map(|(n, i)| (n.clone(), i.def)));
            names.sort();
            self.index.scopes.push(crate::ide::Scope { span: Span::new(loaded.file, 0, length), names });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Types

    /// Resolves a written type in `module`, with `generics` the type parameters in scope.
    pub fn resolve_type(&mut self, module: usize, ty: &TypeExpr, generics: &[SmolStr]) -> Ty {
        match &ty.kind {
            TypeExprKind::Error => Ty::Error,
            TypeExprKind::Optional(inner) => Ty::optional(self.resolve_type(module, inner, generics)),
            TypeExprKind::Named { name, args } => {
                let resolved: Vec<Ty> = args.iter().map(|a| self.resolve_type(module, a, generics)).collect();
                let arity = |this: &mut Self, expected: usize| {
                    if resolved.len() != expected {
                        this.diagnostics.push(Diagnostic::new(
                            Code::E0209,
                            format!(
                                "`{}` takes {expected} type argument{}, not {}",
                                name.text,
                                if expected == 1 { "" } else { "s" },
                                resolved.len()
                            ),
                            ty.span,
                            "wrong number of type arguments",
                        ));
                        return false;
                    }
                    true
                };
                if let Some(index) = generics.iter().position(|g| *g == name.text) {
                    return Ty::Param { index: index as u32, name: name.text.clone() };
                }
                let builtin = match name.text.as_str() {
                    "Int" => Some(Ty::Int),
                    "Float" => Some(Ty::Float),
                    "Bool" => Some(Ty::Bool),
                    "String" => Some(Ty::String),
                    "Bytes" => Some(Ty::Bytes),
                    "Timestamp" => Some(Ty::Timestamp),
                    "Duration" => Some(Ty::Duration),
                    _ => None,
                };
                if let Some(builtin) = builtin {
                    return if arity(self, 0) { builtin } else { Ty::Error };
                }
                match name.text.as_str() {
                    "List" => {
                        return if arity(self, 1) { Ty::List(Box::new(resolved[0].clone())) } else { Ty::Error };
                    }
                    "Field" => {
                        return if arity(self, 2) {
                            Ty::Field(Box::new(resolved[0].clone()), Box::new(resolved[1].clone()))
                        } else {
                            Ty::Error
                        };
                    }
                    _ => {}
                }
                let Some(def) = self.lookup(module, &name.text) else {
                    self.unknown_name(module, name, "type", &BUILTIN_TYPES);
                    return Ty::Error;
                };
                self.refer(name.span, def);
                match self.def(def).kind {
                    DefKind::Record => {
                        let expected = self.records.get(&def).map_or(0, |r| r.generics.len());
                        if !arity(self, expected) {
                            return Ty::Error;
                        }
                        Ty::Record { def, name: self.def(def).name.clone(), args: resolved }
                    }
                    DefKind::Enum => {
                        if !arity(self, 0) {
                            return Ty::Error;
                        }
                        Ty::Enum { def, name: self.def(def).name.clone() }
                    }
                    DefKind::Alias => {
                        let expected = self.alias_generics.get(&def).copied().unwrap_or(0);
                        if !arity(self, expected) {
                            return Ty::Error;
                        }
                        self.aliases.get(&def).map_or(Ty::Error, |ty| ty.substitute(&resolved))
                    }
                    kind => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::E0201,
                                format!("`{}` is a {}, not a type", name.text, kind.describe()),
                                name.span,
                                "a type is expected here",
                            )
                            .with_secondary(self.def(def).span, format!("the {} is declared here", kind.describe())),
                        );
                        Ty::Error
                    }
                }
            }
        }
    }

    fn resolve_types(&mut self) {
        // Records and enums first (their names are types), then aliases in dependency order.
        let mut aliases = Vec::new();
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let Some(&def) = self.item_defs.get(&(module, index)) else { continue };
                match &item.kind {
                    ItemKind::Type(t) => match &t.def {
                        TypeDef::Record(_) => {
                            let generics = t.generics.iter().map(|g| g.name.text.clone()).collect();
                            self.records.insert(def, RecordInfo { generics, fields: Vec::new() });
                        }
                        TypeDef::Alias(_) => aliases.push((module, index, def)),
                    },
                    ItemKind::Enum(e) => {
                        let mut variants = Vec::new();
                        let mut seen: HashMap<SmolStr, Span> = HashMap::new();
                        for variant in &e.variants {
                            let ast::VariantKind::Variant { name } = &variant.kind else { continue };
                            if let Some(first) = seen.insert(name.text.clone(), name.span) {
                                self.diagnostics.push(
                                    Diagnostic::new(
                                        Code::E0110,
                                        format!("variant `{}` is declared twice", name.text),
                                        name.span,
                                        "declared again here",
                                    )
                                    .with_secondary(first, "first declared here"),
                                );
                                continue;
                            }
                            let docs = variant.docs.as_ref().map(|d| d.text.clone());
                            let id = self.add_def(&name.text, DefKind::Variant, module, name.span, docs, Some(def));
                            variants.push((name.text.clone(), id));
                        }
                        self.enums.insert(def, variants);
                    }
                    _ => {}
                }
            }
        }
        // Aliases: resolve each, following other aliases; a cycle resolves to an error.
        let mut resolving = std::collections::HashSet::new();
        for (module, index, def) in aliases {
            self.resolve_alias(module, index, def, &mut resolving);
        }
        // Record fields.
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let (ItemKind::Type(t), Some(&def)) = (&item.kind, self.item_defs.get(&(module, index))) else {
                    continue;
                };
                let TypeDef::Record(fields) = &t.def else { continue };
                let generics: Vec<SmolStr> = t.generics.iter().map(|g| g.name.text.clone()).collect();
                for generic in &t.generics {
                    self.add_def(&generic.name.text, DefKind::Generic, module, generic.name.span, None, Some(def));
                }
                let mut infos = Vec::new();
                let mut seen: HashMap<SmolStr, Span> = HashMap::new();
                for field in fields {
                    let ast::FieldKind::Field { name, ty, default } = &field.kind else { continue };
                    let resolved = self.resolve_type(module, ty, &generics);
                    if let Some(first) = seen.insert(name.text.clone(), name.span) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::E0110,
                                format!("field `{}` is declared twice", name.text),
                                name.span,
                                "declared again here",
                            )
                            .with_secondary(first, "first declared here"),
                        );
                        continue;
                    }
                    let docs = field.docs.as_ref().map(|d| d.text.clone());
                    let id = self.add_def(&name.text, DefKind::Field, module, name.span, docs, Some(def));
                    self.index.types.push((name.span, resolved.clone()));
                    infos.push(FieldInfo {
                        name: name.text.clone(),
                        ty: resolved,
                        has_default: default.is_some(),
                        def: id,
                    });
                }
                if let Some(record) = self.records.get_mut(&def) {
                    record.fields = infos;
                }
            }
        }
        // Field defaults are constant expressions of the field's type.
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let (ItemKind::Type(t), Some(&def)) = (&item.kind, self.item_defs.get(&(module, index))) else {
                    continue;
                };
                let TypeDef::Record(fields) = &t.def else { continue };
                for field in fields {
                    let ast::FieldKind::Field { name, default: Some(default), .. } = &field.kind else { continue };
                    let expected = self
                        .records
                        .get(&def)
                        .and_then(|r| r.fields.iter().find(|f| f.name == name.text))
                        .map(|f| f.ty.clone());
                    if let Some(expected) = expected {
                        expr::check_constant(self, module, default, &expected);
                    }
                }
            }
        }
    }

    fn resolve_alias(
        &mut self,
        module: usize,
        index: usize,
        def: DefId,
        resolving: &mut std::collections::HashSet<DefId>,
    ) -> Ty {
        if let Some(ty) = self.aliases.get(&def) {
            return ty.clone();
        }
        let ItemKind::Type(t) = &self.app.modules[module].ast.items[index].kind else { return Ty::Error };
        let TypeDef::Alias(target) = &t.def else { return Ty::Error };
        if !resolving.insert(def) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E0209,
                    format!("type alias `{}` refers to itself", t.name.text),
                    t.name.span,
                    "defined in terms of itself",
                )
                .with_help("an alias must end in a record, an enum or a built-in type"),
            );
            self.aliases.insert(def, Ty::Error);
            return Ty::Error;
        }
        // Resolve aliases this one names first.
        if let TypeExprKind::Named { name, .. } = &target.kind
            && let Some(other) = self.lookup(module, &name.text)
            && self.def(other).kind == DefKind::Alias
            && !self.aliases.contains_key(&other)
            && let Some(&(other_module, other_index)) = self.def_items.get(&other)
        {
            self.resolve_alias(other_module, other_index, other, resolving);
        }
        let generics: Vec<SmolStr> = t.generics.iter().map(|g| g.name.text.clone()).collect();
        self.alias_generics.insert(def, generics.len());
        let ty = self.resolve_type(module, target, &generics);
        self.aliases.insert(def, ty.clone());
        ty
    }

    fn resolve_signatures(&mut self) {
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let (ItemKind::Fn(f), Some(&def)) = (&item.kind, self.item_defs.get(&(module, index))) else {
                    continue;
                };
                let names: Vec<SmolStr> = f.generics.iter().map(|g| g.name.text.clone()).collect();
                let mut generics = Vec::new();
                for generic in &f.generics {
                    self.add_def(&generic.name.text, DefKind::Generic, module, generic.name.span, None, Some(def));
                    let numeric = match &generic.bound {
                        None => false,
                        Some(TypeExpr { kind: TypeExprKind::Named { name, args }, .. })
                            if name.text == "Number" && args.is_empty() =>
                        {
                            true
                        }
                        Some(bound) => {
                            self.diagnostics.push(
                                Diagnostic::new(Code::E0209, "unknown bound", bound.span, "the only bound is `Number`")
                                    .with_help("`V: Number` accepts `Int` and `Float`"),
                            );
                            false
                        }
                    };
                    generics.push(GenericInfo { name: generic.name.text.clone(), numeric });
                }
                let mut params = Vec::new();
                let mut seen: HashMap<SmolStr, Span> = HashMap::new();
                for param in &f.params {
                    let ast::ParamKind::Param { name, ty, default } = &param.kind else { continue };
                    let resolved = self.resolve_type(module, ty, &names);
                    if let Some(first) = seen.insert(name.text.clone(), name.span) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::E0110,
                                format!("parameter `{}` is declared twice", name.text),
                                name.span,
                                "declared again here",
                            )
                            .with_secondary(first, "first declared here"),
                        );
                    }
                    let id = self.add_def(&name.text, DefKind::Param, module, name.span, None, Some(def));
                    self.index.types.push((name.span, resolved.clone()));
                    params.push(ParamInfo {
                        name: name.text.clone(),
                        ty: resolved,
                        has_default: default.is_some(),
                        def: id,
                        span: param.span,
                    });
                }
                let ret = f.ret.as_ref().map(|r| self.resolve_type(module, r, &names));
                let is_std = self.is_std(module);
                if let FnBody::Intrinsic(id) = &f.body
                    && !is_std
                {
                    self.diagnostics.push(
                        Diagnostic::new(Code::E0116, format!("function `{}` has an intrinsic body", f.name.text), id.span, "only the standard library has intrinsics")
                            .with_help("give it an expression body `= ...` or a handler `{ exec = \"...\", image = \"...\" }`, or `use` the standard-library function"),
                    );
                }
                if f.source.is_none() && f.params.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::new(Code::E0203, format!("function `{}` takes no message", f.name.text), f.name.span, "no parameter for the message")
                            .with_help("the first parameter is the message it receives; a function that receives none is a `source fn`"),
                    );
                }
                if f.source.is_some()
                    && let FnBody::Expr(body) = &f.body
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::E0203,
                            format!("source `{}` has an expression body", f.name.text),
                            body.span,
                            "a source has no message to compute from",
                        )
                        .with_help("a source produces messages on its own: give it a handler `{ exec = \"...\", image = \"...\" }`"),
                    );
                }
                let info =
                    FnInfo { def, module, item: index, is_source: f.source.is_some(), is_std, generics, params, ret };
                self.fns.insert(def, info);
            }
        }
        // Parameter defaults are constants of the parameter's type.
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                let (ItemKind::Fn(f), Some(&def)) = (&item.kind, self.item_defs.get(&(module, index))) else {
                    continue;
                };
                for (i, param) in f.params.iter().enumerate() {
                    let ast::ParamKind::Param { default: Some(default), .. } = &param.kind else { continue };
                    let expected = self.fns.get(&def).and_then(|info| info.params.get(i)).map(|p| p.ty.clone());
                    if let Some(expected) = expected {
                        expr::check_constant(self, module, default, &expected);
                    }
                }
            }
        }
    }

    fn check_bodies(&mut self) {
        for (module, loaded) in self.app.modules.iter().enumerate() {
            for (index, item) in loaded.ast.items.iter().enumerate() {
                match &item.kind {
                    ItemKind::Fn(f) => {
                        let Some(&def) = self.item_defs.get(&(module, index)) else { continue };
                        expr::check_fn_body(self, module, def, f);
                    }
                    ItemKind::App(a) => expr::check_app_settings(self, module, a),
                    _ => {}
                }
            }
        }
    }

    /// A profile's app settings and `fn f { ... }` overrides.
    fn check_profile_overrides(&mut self) {
        let Some(profile) = self.profile.clone() else { return };
        let module = profile.module;
        expr::check_app_setting_list(self, module, &profile.settings);
        for (name, blocks) in &profile.handlers {
            let Some(def) = self.lookup(module, name) else { continue };
            let is_handler = self
                .fns
                .get(&def)
                .and_then(|info| fn_item(self.app, info))
                .is_some_and(|f| matches!(f.body, FnBody::Handler { .. }));
            let Some(item) = profile.item else { continue };
            let span = item
                .members
                .iter()
                .find_map(|m| match &m.kind {
                    ast::ProfileMemberKind::Fn { name: n, .. } if n.text == *name => Some(n.span),
                    _ => None,
                })
                .unwrap_or_default();
            if self.def(def).kind == DefKind::Fn && !is_handler {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0407,
                        format!("`{name}` has no handler settings to override"),
                        span,
                        "not a handler function",
                    )
                    .with_secondary(self.def(def).span, "declared with an expression or intrinsic body")
                    .with_help("a profile's `fn f { ... }` overrides `exec`, `image` and `env` of a handler `{ ... }`"),
                );
                continue;
            }
            for settings in blocks {
                expr::check_handler_override(self, module, settings);
            }
        }
    }

    /// Diagnostics point at the user's code: a secondary label inside the standard library
    /// (the declaration of `log`, say) becomes a note.
    fn keep_labels_out_of_the_standard_library(&mut self) {
        let std_files: std::collections::HashSet<crate::span::FileId> =
            self.app.modules.iter().filter(|m| matches!(m.origin, Origin::Std(_))).map(|m| m.file).collect();
        for diagnostic in &mut self.diagnostics {
            let mut notes = Vec::new();
            diagnostic.labels.retain(|label| {
                if label.primary || !std_files.contains(&label.span.file) {
                    return true;
                }
                notes.push(format!("{} (in the standard library)", label.message));
                false
            });
            diagnostic.notes.extend(notes);
        }
    }

    /// The functions `place` items and profiles name (their rules are checked in placement).
    fn resolve_placement_names(&mut self) {
        let app = self.app;
        for (module, loaded) in app.modules.iter().enumerate() {
            for item in &loaded.ast.items {
                match &item.kind {
                    ItemKind::Place(place) => self.resolve_place(module, place),
                    ItemKind::Profile(profile) => {
                        for member in &profile.members {
                            match &member.kind {
                                ast::ProfileMemberKind::Place(place) => self.resolve_place(module, place),
                                ast::ProfileMemberKind::Fn { name, .. } => self.resolve_function_name(module, name),
                                ast::ProfileMemberKind::Replace { from, to } => {
                                    for step in [from, to] {
                                        if let ast::StepKind::Ref(name) | ast::StepKind::Call { callee: name, .. } =
                                            &step.kind
                                        {
                                            self.resolve_function_name(module, name);
                                        }
                                    }
                                }
                                ast::ProfileMemberKind::Setting(_) | ast::ProfileMemberKind::Error => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn resolve_place(&mut self, module: usize, place: &ast::PlaceItem) {
        self.resolve_function_name(module, &place.target);
        for rule in &place.rules {
            if let ast::RuleKind::Near { target, .. } | ast::RuleKind::Apart { target, .. } = &rule.kind {
                self.resolve_function_name(module, target);
            }
        }
    }

    fn resolve_function_name(&mut self, module: usize, name: &ast::Name) {
        match self.lookup(module, &name.text) {
            Some(def) if self.def(def).kind == DefKind::Fn => self.index.refs.push((name.span, def)),
            Some(def) => {
                self.refer(name.span, def);
                let kind = self.def(def).kind.describe();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0306,
                        format!("`{}` is a {kind}, not a function", name.text),
                        name.span,
                        "a function is expected here",
                    )
                    .with_secondary(self.def(def).span, format!("the {kind} is declared here")),
                );
            }
            None => self.unknown_name(module, name, "function", &[]),
        }
    }

    /// Unused imports, types and functions (never in the standard library).
    fn warn_unused(&mut self) {
        let mut warnings = Vec::new();
        for module in 0..self.app.modules.len() {
            if self.is_std(module) {
                continue;
            }
            let mut imports: Vec<(&SmolStr, &Import)> = self.imported[module].iter().filter(|(_, i)| !i.used).collect();
            imports.sort_by_key(|(_, import)| import.span.start);
            for (name, import) in imports {
                warnings.push(
                    Diagnostic::new(
                        Code::W0101,
                        format!("`{name}` is imported but never used"),
                        import.span,
                        "unused import",
                    )
                    .with_help("remove it from the `use`"),
                );
            }
        }
        for (id, def) in self.defs.iter().enumerate() {
            let id = DefId(id as u32);
            if self.is_std(def.module) || self.used.contains(&id) || self.quiet.contains(&id) {
                continue;
            }
            match def.kind {
                kind if kind.is_type() && def.parent.is_none() => warnings.push(
                    Diagnostic::new(
                        Code::W0102,
                        format!("type `{}` is never used", def.name),
                        def.span,
                        "declared here, used nowhere",
                    )
                    .with_help("remove it, or use it in a signature, a field or a flow"),
                ),
                DefKind::Fn => warnings.push(
                    Diagnostic::new(
                        Code::W0103,
                        format!("function `{}` is not used in any flow", def.name),
                        def.span,
                        "never connected",
                    )
                    .with_help(format!("connect it in a flow (`... -> {} -> ...`), or remove it", def.name)),
                ),
                _ => {}
            }
        }
        self.diagnostics.extend(warnings);
    }
}

/// Names of the built-in types, for "did you mean".
pub const BUILTIN_TYPES: [&str; 9] =
    ["Int", "Float", "Bool", "String", "Bytes", "Timestamp", "Duration", "List", "Field"];

/// The function definition a function item declares.
pub fn fn_item<'a>(app: &'a App, info: &FnInfo) -> Option<&'a ast::FnItem> {
    match &app.modules[info.module].ast.items.get(info.item)?.kind {
        ItemKind::Fn(f) => Some(f),
        _ => None,
    }
}

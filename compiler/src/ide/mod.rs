//! The semantic index: LSP-agnostic answers about a checked app, in plain data (spans, types,
//! definitions). The language server (issue E1) is a thin adapter over it.

use smol_str::SmolStr;

use crate::sema::ty::Ty;
use crate::sema::{Def, DefId};
use crate::span::{FileId, Span};

/// Names visible in a region of a file: a module's items, a function's parameters, a flow's
/// streams, a `match` arm's binding.
#[derive(Debug, Clone)]
pub struct Scope {
    pub span: Span,
    pub names: Vec<(SmolStr, DefId)>,
}

/// What is at an offset: the innermost name or expression there.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeAt {
    pub span: Span,
    /// The definition the name there refers to or declares.
    pub def: Option<DefId>,
    /// The type of the expression, stream or declaration there.
    pub ty: Option<Ty>,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Every definition.
    pub defs: Vec<Def>,
    /// Every occurrence of a name that refers to a definition, the definition's own name too.
    pub refs: Vec<(Span, DefId)>,
    /// The type of every expression, stream, field and parameter.
    pub types: Vec<(Span, Ty)>,
    pub scopes: Vec<Scope>,
    /// Every resolved step of every chain: what it receives and emits.
    pub steps: Vec<StepTypes>,
    /// Every record's fields and every function's signature.
    pub records: std::collections::HashMap<DefId, crate::sema::RecordInfo>,
    pub fns: std::collections::HashMap<DefId, crate::sema::FnInfo>,
}

/// The types at one step of a chain (a function, a call or a stream).
#[derive(Debug, Clone, PartialEq)]
pub struct StepTypes {
    pub span: Span,
    pub input: Option<Ty>,
    pub output: Option<Ty>,
}

fn contains(span: Span, file: FileId, offset: u32) -> bool {
    span.file == file && span.start <= offset && offset <= span.end
}

impl Index {
    pub fn def(&self, id: DefId) -> Option<&Def> {
        self.defs.get(id.0 as usize)
    }

    /// The definition the name at `offset` refers to (or declares).
    pub fn definition_at(&self, file: FileId, offset: u32) -> Option<DefId> {
        self.refs
            .iter()
            .filter(|(span, _)| contains(*span, file, offset))
            .min_by_key(|(span, _)| span.len())
            .map(|(_, def)| *def)
    }

    /// Every occurrence of `def`, its declaration included, in source order.
    pub fn references(&self, def: DefId) -> Vec<Span> {
        let mut spans: Vec<Span> = self.refs.iter().filter(|(_, d)| *d == def).map(|(s, _)| *s).collect();
        spans.sort();
        spans.dedup();
        spans
    }

    /// The type of the innermost expression, stream or declaration at `offset`.
    pub fn type_at(&self, file: FileId, offset: u32) -> Option<&Ty> {
        self.types
            .iter()
            .filter(|(span, _)| contains(*span, file, offset))
            .min_by_key(|(span, _)| span.len())
            .map(|(_, ty)| ty)
    }

    /// The innermost name or expression at `offset`, with its definition and type.
    pub fn node_at(&self, file: FileId, offset: u32) -> Option<NodeAt> {
        let name =
            self.refs.iter().filter(|(span, _)| contains(*span, file, offset)).min_by_key(|(span, _)| span.len());
        let typed =
            self.types.iter().filter(|(span, _)| contains(*span, file, offset)).min_by_key(|(span, _)| span.len());
        match (name, typed) {
            (None, None) => None,
            (Some((span, def)), typed) if typed.is_none_or(|(t, _)| span.len() <= t.len()) => Some(NodeAt {
                span: *span,
                def: Some(*def),
                ty: typed.filter(|(t, _)| t == span).map(|(_, ty)| ty.clone()),
            }),
            (_, Some((span, ty))) => Some(NodeAt { span: *span, def: None, ty: Some(ty.clone()) }),
            (Some((span, def)), None) => Some(NodeAt { span: *span, def: Some(*def), ty: None }),
        }
    }

    /// The names visible at `offset`, innermost scope first, each name once.
    pub fn visible_names(&self, file: FileId, offset: u32) -> Vec<(SmolStr, DefId)> {
        let mut scopes: Vec<&Scope> = self.scopes.iter().filter(|s| contains(s.span, file, offset)).collect();
        scopes.sort_by_key(|s| s.span.len());
        let mut names: Vec<(SmolStr, DefId)> = Vec::new();
        for scope in scopes {
            for (name, def) in &scope.names {
                if !names.iter().any(|(n, _)| n == name) {
                    names.push((name.clone(), *def));
                }
            }
        }
        names
    }
}

mod actions;
mod completion;
mod hover;
mod outline;
mod rename;
mod semantic;

pub use actions::{ActionKind, CodeAction, code_actions};
pub use completion::{ClusterLabels, CompletionItem, CompletionKind, accepts, completions, signature};
pub use hover::{HoverInfo, hover};
pub use outline::{Fold, FoldKind, Symbol, SymbolKind, document_symbols, folding_ranges};
pub use rename::{RenameTarget, prepare_rename, rename};
pub use semantic::{
    InlayHint, MOD_DECLARATION, MOD_DEFAULT_LIBRARY, MOD_DOCUMENTATION, SemanticToken, SignatureInfo, TokenClass,
    inlay_hints, semantic_tokens, signature_help,
};

/// Where the name at `offset` is declared.
pub fn definition(index: &Index, file: FileId, offset: u32) -> Option<Span> {
    index.definition_at(file, offset).and_then(|def| index.def(def)).map(|def| def.span)
}

/// Every occurrence of the name at `offset` (its declaration only when `include_declaration`).
pub fn references(index: &Index, file: FileId, offset: u32, include_declaration: bool) -> Vec<Span> {
    let Some(id) = index.definition_at(file, offset) else { return Vec::new() };
    let declaration = index.def(id).map(|d| d.span);
    index.references(id).into_iter().filter(|span| include_declaration || Some(*span) != declaration).collect()
}

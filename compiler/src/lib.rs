//! dync-compiler: lexer, parser, diagnostics, checker, IR and emitters.
//!
//! Pure: no file, environment, clock or stdout IO. Sources in, results and diagnostics out.

pub mod app;
pub mod cluster;
pub mod codes;
pub mod diagnostic;
pub mod emit;
pub mod format;
pub mod graph;
pub mod ide;
pub mod ir;
pub mod placement;
pub mod plan;
pub mod render;
pub mod sema;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod suggest;
pub mod syntax;

pub use codes::Code;
pub use diagnostic::{Diagnostic, Label, Severity};
pub use span::{FileId, Span};

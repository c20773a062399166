//! The syntax layer: tokens, lexer, tree, item-wise error-tolerant parser, tree walker.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod token;
pub mod walk;

pub use parser::{Parsed, declares_app, parse, parse_lexed};

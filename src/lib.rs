//! The `dync` package's library part: the CLI definition (so that tests can generate its
//! reference) and the output-directory policy of `dync compile`. The commands live in `main.rs`.

pub mod cli;
pub mod output;

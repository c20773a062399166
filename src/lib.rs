//! The `dync` package's library part: the CLI definition, so that tests can generate its
//! reference. The commands themselves live in `main.rs`.

pub mod cli;

//! The standard library: `stdlib/*.dyn`, embedded in the compiler and loaded before any app.

/// One embedded module: its path under `std` (`std::io` is `io`) and its source.
pub struct StdModule {
    pub name: &'static str,
    pub source: &'static str,
}

/// Every module of the standard library, in a fixed order.
pub const MODULES: &[StdModule] = &[
    StdModule { name: "io", source: include_str!("../../stdlib/io.dyn") },
    StdModule { name: "window", source: include_str!("../../stdlib/window.dyn") },
];

/// The display name of a standard-library file (diagnostics must never point there, but the
/// editor may open it).
pub fn file_name(module: &str) -> String {
    format!("<std>/{module}.dyn")
}

/// The embedded module `std::NAME`, if there is one.
pub fn module(name: &str) -> Option<&'static StdModule> {
    MODULES.iter().find(|m| m.name == name)
}

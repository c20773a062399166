//! The registry of diagnostic codes: each code's severity, title and explanation (`dync explain`).
//!
//! Codes are stable and never reused: a retired code keeps its entry. Explanations live in
//! `codes/CODE.md` beside this file; each says what the code means, shows a program that
//! triggers it and says how to fix it.

use crate::diagnostic::Severity;

macro_rules! registry {
    ($($code:ident: $severity:ident, $title:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($code,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// A one-line summary.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }

            /// The long explanation in Markdown.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$code => include_str!(concat!("codes/", stringify!($code), ".md")),)* }
            }
        }
    };
}

registry! {
    E0001: Error, "invalid character";
    E0002: Error, "unterminated string";
    E0003: Error, "unclosed delimiter";
    E0004: Error, "unexpected token";
    E0005: Error, "nesting too deep";
    E0006: Error, "invalid escape in a string";
    E0007: Error, "source is not valid UTF-8";
    E0008: Error, "unexpected closing delimiter";
    E0009: Error, "expected an item";
    E0010: Error, "number literal out of range";
    E0011: Error, "function without a body";
    E0012: Error, "empty interpolation";
    E0013: Error, "a step that is not part of a chain";
    E0101: Error, "module not found";
    E0102: Error, "import cycle";
    E0103: Error, "misplaced `app` item";
    E0104: Error, "missing or unknown language version";
    E0110: Error, "name declared twice";
    E0111: Error, "unknown name";
    E0112: Error, "imported name not found";
    E0113: Error, "not a valid Kubernetes name";
    E0114: Error, "Kubernetes name collision";
    E0115: Error, "unknown or invalid setting";
    E0116: Error, "intrinsic outside the standard library";
    E0117: Error, "invalid Kubernetes label";
    E0201: Error, "type mismatch";
    E0202: Error, "unknown field or variant";
    E0203: Error, "wrong arguments";
    E0204: Error, "invalid operands";
    E0205: Error, "invalid or incomplete match";
    E0206: Error, "quantity without meaning in an expression";
    E0207: Error, "type cannot be inferred or violates its bound";
    E0208: Error, "invalid environment value or secret";
    E0209: Error, "invalid type";
    E0301: Error, "edge type mismatch";
    E0303: Error, "sink in the middle of a chain";
    E0304: Error, "source fed by an edge";
    E0305: Error, "cycle in the dataflow";
    E0306: Error, "misused stream or step";
    E0307: Error, "conflicting settings for one function";
    E0401: Error, "placement given twice";
    E0402: Error, "function placed near itself";
    E0403: Error, "contradictory placement";
    E0404: Error, "invalid quantity or placement value";
    E0405: Error, "invalid count, range or weight";
    E0406: Error, "invalid label key or value";
    E0407: Error, "override of a function without a handler";
    E0408: Error, "invalid replacement in a profile";
    E0409: Error, "no node can run the function";
    E0410: Error, "replicas cannot be kept apart";
    E0501: Error, "value that cannot be deployed";
    E0502: Error, "function that cannot be deployed";
    W0101: Warning, "unused import";
    W0102: Warning, "unused type";
    W0103: Warning, "function not used in any flow";
    W0301: Warning, "stream never used";
    W0302: Warning, "function reachable from no source";
}

impl Code {
    /// Looks a code up by its text, accepting any letter case (`e0004`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

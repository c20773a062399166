//! Token kinds: what the logos lexer recognises plus the string-part and synthetic kinds.

use logos::Logos;

/// The kind of a token. Comments are tokens (trivia), never skipped; whitespace is skipped.
/// Kinds without a pattern are produced by the string scanner or the item splitter.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\x0C]+")]
#[logos(skip "\u{FEFF}")]
pub enum TokenKind {
    // Trivia.
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    #[regex(r"///([^/\n][^\n]*)?", priority = 5, allow_greedy = true)]
    DocComment,
    #[regex(r"//![^\n]*", priority = 5, allow_greedy = true)]
    ModuleDoc,

    // Item keywords.
    #[token("app")]
    App,
    #[token("use")]
    Use,
    #[token("type")]
    Type,
    #[token("enum")]
    Enum,
    #[token("fn")]
    Fn,
    #[token("flow")]
    Flow,
    #[token("place")]
    Place,
    #[token("profile")]
    Profile,
    #[token("source")]
    Source,

    // Other keywords.
    #[token("intrinsic")]
    Intrinsic,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("match")]
    Match,
    #[token("none")]
    None,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("as")]
    As,
    #[token("replace")]
    Replace,
    #[token("with")]
    With,
    #[token("_", priority = 10)]
    Underscore,

    // Placement words: contextual keywords. The lexer always produces `Ident` for them; the
    // parser turns them into these kinds inside `place` and `profile` items only.
    On,
    Prefer,
    Near,
    Apart,
    Spread,
    By,
    Skew,
    Weight,
    Tolerate,
    Effect,
    Resources,
    Replicas,
    When,
    Budget,
    In,
    Not,
    Exists,

    // Names and literals.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9][0-9_]*")]
    Int,
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?")]
    Float,
    /// A number with a unit, one token: `10s`, `100m`, `64Mi`, `1.5Gi`, `70%`.
    #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?([A-Za-z]+|%)")]
    Quantity,
    /// A string in single quotes: reported, then lexed as a string so parsing goes on.
    #[regex(r"'([^'\\\n]|\\.)*'")]
    SingleQuoted,
    /// The opening quote of a string; the string scanner takes over from here.
    #[token("\"")]
    StrStart,
    /// Literal text inside a string (escapes still encoded).
    StrText,
    /// `${` inside a string.
    InterpStart,
    /// The `}` closing an interpolation.
    InterpEnd,
    /// The closing quote (zero-width when the string is unterminated).
    StrEnd,

    // Punctuation.
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("=")]
    Eq,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("::")]
    ColonColon,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("?.")]
    QuestionDot,
    #[token("??")]
    QuestionQuestion,
    #[token("?")]
    Question,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("!")]
    Bang,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,

    /// Zero-width, inserted by the parser after a `->` that ends a flow statement.
    MissingStep,

    /// Text the lexer could not make sense of (reported once, by the lexer).
    Error,
}

impl TokenKind {
    pub fn is_trivia(self) -> bool {
        matches!(self, TokenKind::LineComment | TokenKind::DocComment | TokenKind::ModuleDoc)
    }

    /// Words reserved by the language (placement words only inside `place` and `profile`).
    pub fn is_keyword(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            App | Use
                | Type
                | Enum
                | Fn
                | Flow
                | Place
                | Profile
                | Source
                | Intrinsic
                | If
                | Else
                | Match
                | None
                | True
                | False
                | As
                | Replace
                | With
                | Underscore
                | On
                | Prefer
                | Near
                | Apart
                | Spread
                | By
                | Skew
                | Weight
                | Tolerate
                | Effect
                | Resources
                | Replicas
                | When
                | Budget
                | In
                | Not
                | Exists
        )
    }

    /// Keywords that start an item.
    pub fn starts_item(self) -> bool {
        matches!(
            self,
            TokenKind::App
                | TokenKind::Use
                | TokenKind::Type
                | TokenKind::Enum
                | TokenKind::Fn
                | TokenKind::Flow
                | TokenKind::Place
                | TokenKind::Profile
                | TokenKind::Source
        )
    }

    /// The placement word an identifier stands for inside `place` and `profile` items.
    pub fn placement_keyword(text: &str) -> Option<TokenKind> {
        Some(match text {
            "on" => TokenKind::On,
            "prefer" => TokenKind::Prefer,
            "near" => TokenKind::Near,
            "apart" => TokenKind::Apart,
            "spread" => TokenKind::Spread,
            "by" => TokenKind::By,
            "skew" => TokenKind::Skew,
            "weight" => TokenKind::Weight,
            "tolerate" => TokenKind::Tolerate,
            "effect" => TokenKind::Effect,
            "resources" => TokenKind::Resources,
            "replicas" => TokenKind::Replicas,
            "when" => TokenKind::When,
            "budget" => TokenKind::Budget,
            "in" => TokenKind::In,
            "not" => TokenKind::Not,
            "exists" => TokenKind::Exists,
            _ => return None,
        })
    }

    /// The matching closer of an opening delimiter.
    pub fn closer(self) -> Option<TokenKind> {
        match self {
            TokenKind::LBrace => Some(TokenKind::RBrace),
            TokenKind::LParen => Some(TokenKind::RParen),
            TokenKind::LBracket => Some(TokenKind::RBracket),
            _ => None,
        }
    }

    pub fn is_closer(self) -> bool {
        matches!(self, TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket)
    }

    /// How the token is written, for messages ("expected `->` or `}`").
    pub fn describe(self) -> &'static str {
        use TokenKind::*;
        match self {
            LineComment => "a comment",
            DocComment => "a doc comment",
            ModuleDoc => "a module doc comment",
            App => "`app`",
            Use => "`use`",
            Type => "`type`",
            Enum => "`enum`",
            Fn => "`fn`",
            Flow => "`flow`",
            Place => "`place`",
            Profile => "`profile`",
            Source => "`source`",
            Intrinsic => "`intrinsic`",
            If => "`if`",
            Else => "`else`",
            Match => "`match`",
            None => "`none`",
            True => "`true`",
            False => "`false`",
            As => "`as`",
            Replace => "`replace`",
            With => "`with`",
            Underscore => "`_`",
            On => "`on`",
            Prefer => "`prefer`",
            Near => "`near`",
            Apart => "`apart`",
            Spread => "`spread`",
            By => "`by`",
            Skew => "`skew`",
            Weight => "`weight`",
            Tolerate => "`tolerate`",
            Effect => "`effect`",
            Resources => "`resources`",
            Replicas => "`replicas`",
            When => "`when`",
            Budget => "`budget`",
            In => "`in`",
            Not => "`not`",
            Exists => "`exists`",
            Ident => "a name",
            Int => "an integer",
            Float => "a number",
            Quantity => "a quantity",
            SingleQuoted | StrStart => "a string",
            StrText => "string text",
            InterpStart => "`${`",
            InterpEnd => "`}`",
            StrEnd => "`\"`",
            LBrace => "`{`",
            RBrace => "`}`",
            LParen => "`(`",
            RParen => "`)`",
            LBracket => "`[`",
            RBracket => "`]`",
            Lt => "`<`",
            Gt => "`>`",
            Le => "`<=`",
            Ge => "`>=`",
            EqEq => "`==`",
            NotEq => "`!=`",
            Eq => "`=`",
            Arrow => "`->`",
            FatArrow => "`=>`",
            ColonColon => "`::`",
            Colon => "`:`",
            Comma => "`,`",
            Semi => "`;`",
            Dot => "`.`",
            DotDot => "`..`",
            QuestionDot => "`?.`",
            QuestionQuestion => "`??`",
            Question => "`?`",
            Plus => "`+`",
            Minus => "`-`",
            Star => "`*`",
            Slash => "`/`",
            Percent => "`%`",
            Bang => "`!`",
            AndAnd => "`&&`",
            OrOr => "`||`",
            MissingStep => "a missing step",
            Error => "invalid text",
        }
    }
}

/// A token: its kind and byte range in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Every reserved word of the language, as written: the item keywords, the other keywords,
/// and the placement words (reserved inside `place` and `profile` items only). Editors'
/// grammars are checked against this list.
pub const KEYWORDS: &[&str] = &[
    "app",
    "use",
    "type",
    "enum",
    "fn",
    "flow",
    "place",
    "profile",
    "source",
    "intrinsic",
    "if",
    "else",
    "match",
    "none",
    "true",
    "false",
    "as",
    "replace",
    "with",
    "on",
    "prefer",
    "near",
    "apart",
    "spread",
    "by",
    "skew",
    "weight",
    "tolerate",
    "effect",
    "resources",
    "replicas",
    "when",
    "budget",
    "in",
    "not",
    "exists",
];

#[cfg(test)]
mod keyword_tests {
    use super::*;

    /// `KEYWORDS` holds exactly the lexer's word tokens and the placement words.
    #[test]
    fn keywords_match_the_lexer() {
        let source = include_str!("token.rs");
        let mut words: Vec<&str> = source
            .lines()
            .filter_map(|line| line.trim().strip_prefix("#[token(\"")?.split('"').next())
            .filter(|word| word.chars().all(|c| c.is_ascii_lowercase()) && !word.is_empty())
            .collect();
        for word in KEYWORDS {
            if TokenKind::placement_keyword(word).is_some() && !words.contains(word) {
                words.push(word);
            }
        }
        let mut expected: Vec<&str> = KEYWORDS.to_vec();
        words.sort_unstable();
        expected.sort_unstable();
        assert_eq!(words, expected);
        for word in KEYWORDS {
            let mut lexer = TokenKind::lexer(word);
            let kind = lexer.next();
            let reserved =
                matches!(kind, Some(Ok(k)) if k.is_keyword()) || TokenKind::placement_keyword(word).is_some();
            assert!(reserved, "`{word}` is a keyword");
        }
    }
}

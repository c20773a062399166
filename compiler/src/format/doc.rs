//! A small Wadler/Prettier-style document algebra and its printer.
//!
//! Groups print flat when they fit in the remaining width, broken otherwise; a hard line or a
//! line comment inside a group forces it to break. The printer keeps an explicit stack (no
//! recursion over the document), and indentation is written lazily so blank lines stay empty.

use std::borrow::Cow;

/// A document to lay out.
#[derive(Debug, Clone)]
pub enum Doc<'a> {
    Nil,
    Text(Cow<'a, str>),
    /// A space when flat, a newline when broken.
    Line,
    /// Nothing when flat, a newline when broken.
    SoftLine,
    /// Always a newline; forces every enclosing group to break.
    HardLine,
    /// An empty line (two newlines); forces enclosing groups to break.
    BlankLine,
    /// `broken` when the enclosing group breaks, `flat` otherwise.
    IfBreak {
        broken: Box<Doc<'a>>,
        flat: Box<Doc<'a>>,
        hard: bool,
    },
    Nest {
        indent: usize,
        doc: Box<Doc<'a>>,
        hard: bool,
    },
    Group {
        doc: Box<Doc<'a>>,
        hard: bool,
    },
    Concat {
        docs: Vec<Doc<'a>>,
        hard: bool,
    },
    /// Text printed at the end of the current line (a trailing comment); forces a break.
    LineSuffix(Cow<'a, str>),
    /// Prints nothing; forces every enclosing group to break (a line comment inside).
    BreakParent,
}

impl<'a> Doc<'a> {
    pub fn text(text: impl Into<Cow<'a, str>>) -> Doc<'a> {
        Doc::Text(text.into())
    }

    /// Whether the document contains something that can only be printed broken.
    pub fn is_hard(&self) -> bool {
        match self {
            Doc::HardLine | Doc::BlankLine | Doc::LineSuffix(_) | Doc::BreakParent => true,
            Doc::IfBreak { hard, .. } | Doc::Nest { hard, .. } | Doc::Group { hard, .. } | Doc::Concat { hard, .. } => {
                *hard
            }
            Doc::Nil | Doc::Text(_) | Doc::Line | Doc::SoftLine => false,
        }
    }

    pub fn concat(docs: Vec<Doc<'a>>) -> Doc<'a> {
        let docs: Vec<Doc<'a>> = docs.into_iter().filter(|d| !matches!(d, Doc::Nil)).collect();
        let hard = docs.iter().any(Doc::is_hard);
        Doc::Concat { docs, hard }
    }

    pub fn group(doc: Doc<'a>) -> Doc<'a> {
        let hard = doc.is_hard();
        Doc::Group { doc: Box::new(doc), hard }
    }

    pub fn nest(indent: usize, doc: Doc<'a>) -> Doc<'a> {
        let hard = doc.is_hard();
        Doc::Nest { indent, doc: Box::new(doc), hard }
    }

    pub fn if_break(broken: Doc<'a>, flat: Doc<'a>) -> Doc<'a> {
        // Only the broken branch can be chosen inside a hard group; a hard flat branch
        // would be a contradiction, so it does not make the parent hard.
        let hard = broken.is_hard() && flat.is_hard();
        Doc::IfBreak { broken: Box::new(broken), flat: Box::new(flat), hard }
    }

    /// `docs` joined by `separator`.
    pub fn join(docs: Vec<Doc<'a>>, separator: Doc<'a>) -> Doc<'a> {
        let mut out = Vec::with_capacity(docs.len() * 2);
        for (i, doc) in docs.into_iter().enumerate() {
            if i > 0 {
                out.push(separator.clone());
            }
            out.push(doc);
        }
        Doc::concat(out)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Flat,
    Break,
}

/// Lays `doc` out in `width` columns; lines end with `newline`.
pub fn print(doc: &Doc<'_>, width: usize, newline: &str) -> String {
    let mut out = String::new();
    let mut column = 0usize;
    // Indentation owed to the current line, written before its first text.
    let mut pending_indent: Option<usize> = Some(0);
    let mut suffixes: Vec<&str> = Vec::new();
    let mut stack: Vec<(usize, Mode, &Doc<'_>)> = vec![(0, Mode::Break, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Nil | Doc::BreakParent => {}
            Doc::Text(text) => {
                if let Some(spaces) = pending_indent.take() {
                    out.extend(std::iter::repeat_n(' ', spaces));
                    column = spaces;
                }
                out.push_str(text);
                column += text.chars().count();
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if matches!(doc, Doc::Line) {
                    out.push(' ');
                    column += 1;
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::BlankLine => {
                for suffix in suffixes.drain(..) {
                    out.push_str(suffix);
                }
                // No trailing whitespace: drop spaces written before the break.
                let trimmed = out.trim_end_matches(' ').len();
                out.truncate(trimmed);
                out.push_str(newline);
                if matches!(doc, Doc::BlankLine) {
                    out.push_str(newline);
                }
                pending_indent = Some(indent);
                column = indent;
            }
            Doc::IfBreak { broken, flat, .. } => {
                stack.push((indent, mode, if mode == Mode::Break { broken } else { flat }));
            }
            Doc::Nest { indent: extra, doc, .. } => stack.push((indent + extra, mode, doc)),
            Doc::Group { doc, hard } => {
                let flat =
                    mode == Mode::Flat || (!*hard && fits(doc, width.saturating_sub(column), &stack, pending_indent));
                stack.push((indent, if flat { Mode::Flat } else { Mode::Break }, doc));
            }
            Doc::Concat { docs, .. } => {
                for doc in docs.iter().rev() {
                    stack.push((indent, mode, doc));
                }
            }
            Doc::LineSuffix(text) => suffixes.push(text.as_ref()),
        }
    }
    for suffix in suffixes {
        out.push_str(suffix);
    }
    out
}

/// Whether `doc`, flat, and what follows it up to the next possible line break fit in
/// `remaining` columns.
fn fits(doc: &Doc<'_>, remaining: usize, rest: &[(usize, Mode, &Doc<'_>)], pending_indent: Option<usize>) -> bool {
    let mut remaining = remaining as isize - pending_indent.map_or(0, |i| i as isize);
    let mut own: Vec<(Mode, &Doc<'_>)> = vec![(Mode::Flat, doc)];
    let mut rest_index = rest.len();
    loop {
        let (mode, doc) = match own.pop() {
            Some(next) => next,
            None => {
                if rest_index == 0 {
                    return true;
                }
                rest_index -= 1;
                let (_, mode, doc) = rest[rest_index];
                (mode, doc)
            }
        };
        match doc {
            Doc::Nil | Doc::LineSuffix(_) | Doc::BreakParent => {}
            Doc::Text(text) => remaining -= text.chars().count() as isize,
            Doc::Line if mode == Mode::Flat => remaining -= 1,
            Doc::SoftLine if mode == Mode::Flat => {}
            Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::BlankLine => return remaining >= 0,
            Doc::IfBreak { broken, flat, .. } => own.push((mode, if mode == Mode::Break { broken } else { flat })),
            Doc::Nest { doc, .. } => own.push((mode, doc)),
            Doc::Group { doc, hard } => own.push((if *hard { Mode::Break } else { mode }, doc)),
            Doc::Concat { docs, .. } => {
                for doc in docs.iter().rev() {
                    own.push((mode, doc));
                }
            }
        }
        if remaining < 0 {
            return false;
        }
    }
}

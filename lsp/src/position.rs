//! Byte offsets ↔ LSP positions (0-based line, UTF-16 code units), clamped: a position past the
//! end of its line means the line's end, a line past the end of the text means the text's end.

use tower_lsp_server::ls_types::{Position, Range};

/// Line starts of one text, for conversions in both directions.
#[derive(Debug, Clone)]
pub struct LineMap {
    starts: Vec<usize>,
    len: usize,
}

impl LineMap {
    pub fn new(text: &str) -> LineMap {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineMap { starts, len: text.len() }
    }

    /// The end of line `line`'s content: before its `\n` or `\r\n`.
    fn line_end(&self, text: &str, line: usize) -> usize {
        let end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        if end > self.starts[line] && text.as_bytes().get(end - 1) == Some(&b'\r') && end < self.len {
            end - 1
        } else {
            end
        }
    }

    /// The byte offset of `position`, clamped to the text and to its line.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let start = self.starts[line];
        let end = self.line_end(text, line).max(start);
        let mut units = 0usize;
        let wanted = position.character as usize;
        for (i, c) in text[start..end].char_indices() {
            if units >= wanted {
                return start + i;
            }
            units += c.len_utf16();
            // A position inside a surrogate pair points at the character's start.
            if units > wanted {
                return start + i;
            }
        }
        end
    }

    /// The position of byte `offset` (clamped to the text and to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = dync_compiler::span::floor_char_boundary(text, offset.min(self.len));
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let character = text[start..offset].encode_utf16().count();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range { start: self.position(text, start), end: self.position(text, end.max(start)) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_surrogates_crlf_and_clamping() {
        let text = "a😀b\r\nxyz\n";
        let map = LineMap::new(text);
        // `😀` is two UTF-16 units and four bytes.
        assert_eq!(map.offset(text, pos(0, 1)), 1);
        assert_eq!(map.offset(text, pos(0, 2)), 1, "inside the surrogate pair: the character's start");
        assert_eq!(map.offset(text, pos(0, 3)), 5);
        assert_eq!(map.offset(text, pos(0, 99)), 6, "past the line: before its \\r\\n");
        assert_eq!(map.offset(text, pos(1, 1)), 9);
        assert_eq!(map.offset(text, pos(2, 0)), text.len());
        assert_eq!(map.offset(text, pos(40, 7)), text.len(), "past the text: its end");
        assert_eq!(map.position(text, 5), pos(0, 3));
        assert_eq!(map.position(text, 3), pos(0, 1), "inside a char: its start");
        assert_eq!(map.position(text, 9), pos(1, 1));
        assert_eq!(map.position(text, 999), pos(2, 0));
        for offset in 0..=text.len() {
            // Between `\r` and `\n` is no position of its own.
            if text.is_char_boundary(offset) && !text[..offset].ends_with('\r') {
                assert_eq!(map.offset(text, map.position(text, offset)), offset.min(text.len()), "{offset}");
            }
        }
    }
}

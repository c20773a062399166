//! Source files: decoding bytes (with a diagnostic for invalid UTF-8) and the file table.

use codespan_reporting::files::{Error as FilesError, Files};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, LineCol, LineIndex, Span};

/// One source file: its display name, its text and its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_index: LineIndex,
}

impl SourceFile {
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.line_index.line_col(&self.text, offset)
    }
}

/// The table of source files of one run; a `FileId` is an index into it.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_index = LineIndex::new(&text);
        self.files.push(SourceFile { name: name.into(), text, line_index });
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id).map(|f| f.name.as_str()).ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id).map(|f| f.text.as_str()).ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        Ok(file.line_index.line_of(byte_index.min(file.text.len())))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<std::ops::Range<usize>, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        let last_line = file.line_index.line_of(file.text.len());
        if line_index > last_line {
            return Err(FilesError::LineTooLarge { given: line_index, max: last_line });
        }
        let start = file.line_index.line_start(line_index);
        let end = if line_index == last_line { file.text.len() } else { file.line_index.line_start(line_index + 1) };
        Ok(start..end)
    }
}

/// A file's text, and why it must not be parsed when it is not UTF-8.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text; decoded lossily (for display only) when `invalid` is set.
    pub text: String,
    /// E0007, naming the byte offset of the first invalid byte.
    pub invalid: Option<Diagnostic>,
}

/// Decodes a file's bytes.
pub fn decode(bytes: Vec<u8>, file: FileId) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded { text, invalid: None },
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let bad = bytes.get(offset).copied().unwrap_or(0);
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let end = lossy[offset..].chars().next().map_or(offset, |c| offset + c.len_utf8());
            let diagnostic = Diagnostic::new(
                Code::E0007,
                format!("file is not valid UTF-8: byte 0x{bad:02X} at byte offset {offset}"),
                Span::new(file, offset, end),
                format!("invalid byte 0x{bad:02X} (byte offset {offset})"),
            )
            .with_note("the file was not parsed")
            .with_help("save the file as UTF-8");
            Decoded { text: lossy, invalid: Some(diagnostic) }
        }
    }
}

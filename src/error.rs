//! Error values that carry where a problem is, formatted only at the edge.

use std::fmt;
use std::path::PathBuf;

/// A problem with one story file. It never stops the program: the story is
/// left out (or keeps its last good version) and the rest is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryError {
    pub path: PathBuf,
    /// 1-based line and column in the file, where the parser knows them.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// What the user should do about it.
    pub hint: String,
    /// The file could not be read for a reason that passes by itself (out
    /// of file descriptors or memory, interrupted): read it again later.
    pub transient: bool,
    /// A problem between this file and others (an id another story also
    /// claims): it can end by a change to another file, and every report
    /// lists all such problems, whatever was re-read.
    pub between_files: bool,
}

impl StoryError {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>, hint: impl Into<String>) -> Self {
        StoryError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
            hint: hint.into(),
            transient: false,
            between_files: false,
        }
    }

    /// An error reading the file that says nothing about the file.
    pub fn transient(mut self, error: &std::io::Error) -> Self {
        self.transient = is_transient(error);
        self
    }

    pub fn at(mut self, line: usize, column: Option<usize>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }
}

impl fmt::Display for StoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, " — {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for StoryError {}

/// A problem that stops a command: a bad configuration or usage (exit
/// status 2, nothing written), or a runtime failure the program cannot go
/// on from, such as an output folder that cannot be written at start (exit
/// status 3). A running daemon never stops on one: it logs and retries.
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    #[error("{path}:{line}:{column}: {message} — {hint}")]
    ConfigAt { path: PathBuf, line: usize, column: usize, message: String, hint: String },
    #[error("{path}: {message} — {hint}")]
    Config { path: PathBuf, message: String, hint: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A usage error that is not in a file: an address that cannot be bound.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
    /// A signal asked to stop while work was in progress.
    #[error("stopped by a signal")]
    Cancelled,
}

/// Whether an I/O error passes by itself: too many open files (the
/// process's or the system's), no memory, a resource busy, interrupted.
pub fn is_transient(error: &std::io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::EAGAIN | libc::EINTR | libc::ENOMEM | libc::ENOBUFS | libc::EBUSY)
    ) || matches!(error.kind(), std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock)
}

impl FatalError {
    /// The exit status it ends the program with (the README's table).
    pub fn exit_code(&self) -> u8 {
        match self {
            FatalError::ConfigAt { .. } | FatalError::Config { .. } | FatalError::Usage(_) => 2,
            FatalError::Io { .. } | FatalError::Other(_) => 3,
            FatalError::Cancelled => 0,
        }
    }
}

/// Converts a byte offset in `text` to a 1-based (line, column), counting
/// columns in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    #[test]
    fn passing_read_errors_are_told_from_lasting_ones() {
        for code in [libc::EMFILE, libc::ENFILE, libc::EAGAIN, libc::EINTR, libc::ENOMEM] {
            assert!(is_transient(&std::io::Error::from_raw_os_error(code)), "{code}");
        }
        for code in [libc::EACCES, libc::ENOENT, libc::EISDIR, libc::ELOOP] {
            assert!(!is_transient(&std::io::Error::from_raw_os_error(code)), "{code}");
        }
    }

    use super::*;

    #[test]
    fn story_error_reads_like_a_compiler_message() {
        let e = StoryError::new("articles/x.md", "invalid date \"2024-13-01\"", "use YYYY-MM-DD").at(4, Some(7));
        assert_eq!(e.to_string(), "articles/x.md:4:7: invalid date \"2024-13-01\" — use YYYY-MM-DD");
        let e = StoryError::new("a.md", "no title", "");
        assert_eq!(e.to_string(), "a.md: no title");
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\n中文x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 9), (2, 3));
        assert_eq!(line_col(text, 4), (2, 1), "offset inside a character rounds down");
    }
}

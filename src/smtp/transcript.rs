//! The dialogue of one connection, line by line, with direction and TLS state. Secrets are
//! never recorded: the session records AUTH lines through [`Transcript::client_secret`],
//! which keeps only the command word.

/// Who a line is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// relayctl sent it.
    Client,
    /// The server sent it.
    Server,
    /// relayctl's own remark (TLS established, connection closed, limit hit).
    Note,
}

/// One line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    /// Milliseconds since the connection started.
    pub at_ms: u64,
    /// Who sent it.
    pub direction: Direction,
    /// Whether it travelled inside TLS.
    pub tls: bool,
    /// The text, without CRLF.
    pub text: String,
}

/// A connection's dialogue, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Transcript {
    /// The lines.
    pub lines: Vec<Line>,
}

/// Longest line text kept: a transcript shows the dialogue, not a hostile server's megabyte.
const MAX_TEXT: usize = 512;

impl Transcript {
    fn push(&mut self, at_ms: u64, direction: Direction, tls: bool, text: &str) {
        let mut chars = text.chars();
        let mut text: String = chars.by_ref().take(MAX_TEXT).collect();
        if chars.next().is_some() {
            text.push('…');
        }
        self.lines.push(Line {
            at_ms,
            direction,
            tls,
            text,
        });
    }

    /// A command line relayctl sent.
    pub fn client(&mut self, at_ms: u64, tls: bool, text: &str) {
        self.push(at_ms, Direction::Client, tls, text);
    }

    /// A line that carried a secret: only `keep` (e.g. `AUTH PLAIN`) is recorded, followed
    /// by a redaction mark.
    pub fn client_secret(&mut self, at_ms: u64, tls: bool, keep: &str) {
        let text = if keep.is_empty() {
            "(credentials redacted)".to_owned()
        } else {
            format!("{keep} (credentials redacted)")
        };
        self.push(at_ms, Direction::Client, tls, &text);
    }

    /// A reply line the server sent.
    pub fn server(&mut self, at_ms: u64, tls: bool, text: &str) {
        self.push(at_ms, Direction::Server, tls, text);
    }

    /// relayctl's remark.
    pub fn note(&mut self, at_ms: u64, tls: bool, text: &str) {
        self.push(at_ms, Direction::Note, tls, text);
    }
}

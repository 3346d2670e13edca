//! What the relay keeps about its clients: every byte read (on the wire and after TLS),
//! the messages, the AUTH attempts, a transcript per connection. Every store is capped,
//! so a hostile client cannot grow the test's memory without bound.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The most bytes kept of `received()` and of `received_raw()`, each, over all
/// connections; the rest is counted, not stored.
pub const MAX_RECORDED_BYTES: usize = 8 * 1024 * 1024;
/// The most events kept per transcript.
const MAX_EVENTS: usize = 2000;
/// The longest event text kept, in bytes.
const MAX_EVENT_TEXT: usize = 300;

/// Who an event in a transcript comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// A line the client sent.
    Client,
    /// A line the relay sent.
    Server,
    /// What the relay noticed: TLS up, handshake failed, client gone, limit reached.
    Note,
}

/// One line of a transcript.
#[derive(Debug, Clone)]
pub struct Event {
    /// Who.
    pub dir: Dir,
    /// Whether TLS was up at the time.
    pub tls: bool,
    /// The line, lossily decoded, cut at 300 bytes.
    pub text: String,
}

/// One connection as the relay saw it.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// The client's address.
    pub peer: SocketAddr,
    /// The session id the relay used in its replies.
    pub id: String,
    /// The events in order (at most 2000).
    pub events: Vec<Event>,
}

impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "connection {} from {}", self.id, self.peer)?;
        for e in &self.events {
            let arrow = match e.dir {
                Dir::Client => "C:",
                Dir::Server => "S:",
                Dir::Note => "--",
            };
            let tls = if e.tls { " [tls]" } else { "" };
            writeln!(f, "{arrow}{tls} {}", e.text)?;
        }
        Ok(())
    }
}

/// A message the relay accepted (DATA or BDAT).
#[derive(Debug, Clone)]
pub struct Message {
    /// The MAIL FROM address, without brackets.
    pub from: String,
    /// The RCPT TO addresses, without brackets.
    pub to: Vec<String>,
    /// The message, dot-unstuffed, lines ending in CRLF.
    pub data: Vec<u8>,
    /// Whether it came over TLS.
    pub tls: bool,
}

/// One AUTH exchange the relay decoded.
#[derive(Clone)]
pub struct AuthAttempt {
    /// PLAIN, LOGIN or XOAUTH2.
    pub mechanism: String,
    /// The user name given.
    pub user: String,
    /// The password or token given (left out of `Debug`).
    pub secret: String,
    /// Whether TLS was up.
    pub tls: bool,
    /// Whether the relay accepted it.
    pub accepted: bool,
}

impl fmt::Debug for AuthAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthAttempt")
            .field("mechanism", &self.mechanism)
            .field("user", &self.user)
            .field("secret", &"(redacted)")
            .field("tls", &self.tls)
            .field("accepted", &self.accepted)
            .finish()
    }
}

#[derive(Default)]
struct Log {
    raw: Vec<u8>,
    plain: Vec<u8>,
    messages: Vec<Message>,
    auths: Vec<AuthAttempt>,
    transcripts: Vec<Transcript>,
}

/// The state shared by the accept loops, the sessions and the `Relay` handle. Keeps
/// nothing but the counts unless `recording` (tests).
#[derive(Default)]
pub(super) struct Shared {
    recording: bool,
    log: Mutex<Log>,
    pub(super) accepted: AtomicUsize,
    pub(super) open: AtomicUsize,
}

fn append_capped(to: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_RECORDED_BYTES.saturating_sub(to.len());
    to.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

impl Shared {
    pub(super) fn new(recording: bool) -> Shared {
        Shared {
            recording,
            ..Shared::default()
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        // A panicking session must not hide what it recorded from the test.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn record_raw(&self, bytes: &[u8]) {
        if !self.recording {
            return;
        }
        append_capped(&mut self.log().raw, bytes);
    }

    pub(super) fn record_plain(&self, bytes: &[u8]) {
        if !self.recording {
            return;
        }
        append_capped(&mut self.log().plain, bytes);
    }

    pub(super) fn add_message(&self, m: Message) {
        if !self.recording {
            return;
        }
        self.log().messages.push(m);
    }

    pub(super) fn add_auth(&self, a: AuthAttempt) {
        if !self.recording {
            return;
        }
        self.log().auths.push(a);
    }

    /// Opens a transcript; returns its index.
    pub(super) fn open_transcript(&self, peer: SocketAddr, id: String) -> usize {
        if !self.recording {
            return usize::MAX;
        }
        let mut log = self.log();
        log.transcripts.push(Transcript {
            peer,
            id,
            events: Vec::new(),
        });
        log.transcripts.len() - 1
    }

    pub(super) fn event(&self, conn: usize, dir: Dir, tls: bool, text: &[u8]) {
        if !self.recording {
            return;
        }
        let mut log = self.log();
        let events = &mut log.transcripts[conn].events;
        if events.len() >= MAX_EVENTS {
            return;
        }
        if events.len() + 1 == MAX_EVENTS {
            events.push(Event {
                dir: Dir::Note,
                tls,
                text: "transcript cut: too many events".to_owned(),
            });
            return;
        }
        let kept = &text[..text.len().min(MAX_EVENT_TEXT)];
        let mut text_out = String::from_utf8_lossy(kept).into_owned();
        if text.len() > MAX_EVENT_TEXT {
            text_out.push_str(&format!(" [cut, {} bytes]", text.len()));
        }
        events.push(Event {
            dir,
            tls,
            text: text_out,
        });
    }

    pub(super) fn received_raw(&self) -> Vec<u8> {
        self.log().raw.clone()
    }

    pub(super) fn received(&self) -> Vec<u8> {
        self.log().plain.clone()
    }

    pub(super) fn messages(&self) -> Vec<Message> {
        self.log().messages.clone()
    }

    pub(super) fn auth_attempts(&self) -> Vec<AuthAttempt> {
        self.log().auths.clone()
    }

    pub(super) fn transcripts(&self) -> Vec<Transcript> {
        self.log().transcripts.clone()
    }

    pub(super) fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

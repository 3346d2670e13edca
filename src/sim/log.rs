//! What `relayctl sim` keeps: one JSON line per session in sessions.jsonl (schema
//! `relayctl/sim-session/1`, docs/json.md), written and flushed when the session ends, and
//! each accepted message as a file in a Maildir (tmp/ then new/, as maildir(5) delivers).
//! Every list in a record is capped, and AUTH arguments are never kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

/// The schema of a session line.
pub const SESSION_SCHEMA: &str = "relayctl/sim-session/1";
/// The most transactions kept per session record.
pub const MAX_TRANSACTIONS: usize = 1000;
/// The most refusals kept per session record.
pub const MAX_REPLIES: usize = 1000;
/// The most commands before TLS kept per session record (each cut at 512 bytes).
pub const MAX_COMMANDS: usize = 100;
/// The most recipients kept per transaction record (the relay takes at most 100).
pub const MAX_RCPTS: usize = 100;

/// TLS as the session negotiated it.
#[derive(Debug, Clone, Serialize)]
pub struct TlsInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// The cipher suite, as rustls names it.
    pub cipher: String,
    /// `starttls` or `implicit`.
    pub how: &'static str,
}

/// The last AUTH of the session (never the password).
#[derive(Debug, Clone, Serialize)]
pub struct AuthInfo {
    /// The user name given.
    pub user: String,
    /// PLAIN, LOGIN or XOAUTH2.
    pub mechanism: String,
    /// Whether TLS was up.
    pub in_tls: bool,
    /// Whether it was accepted.
    pub accepted: bool,
}

/// One MAIL FROM and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    /// The envelope sender, without brackets (empty for `<>`).
    pub mail_from: String,
    /// The accepted recipients.
    pub rcpt_to: Vec<String>,
    /// Whether the message was accepted.
    pub accepted: bool,
    /// The message's size in bytes (0 when none came).
    pub size: usize,
    /// The message's Message-ID header, when it has one.
    pub message_id: Option<String>,
    /// The id sim gave the message (also its Maildir file name), when accepted.
    pub queue_id: Option<String>,
    /// The envelope sender Google would use instead ("Any addresses": a foreign sender
    /// becomes postmaster@ your first domain). Only present when rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewritten_from: Option<String>,
    /// The last reply of the transaction (the final one after the message).
    pub reply: String,
}

/// A refusal sim sent.
#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    /// The reply code.
    pub code: u16,
    /// The whole reply, lines separated by `\n`.
    pub text: String,
}

/// One session, as written to sessions.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRecord {
    /// Always `relayctl/sim-session/1`.
    pub schema: &'static str,
    /// The session id, as in the replies.
    pub id: String,
    /// RFC 3339 UTC.
    pub started: String,
    /// RFC 3339 UTC.
    pub ended: String,
    /// The listener's role: 25, 465 or 587.
    pub listener: u16,
    /// The local address.
    pub local: String,
    /// The client's address.
    pub peer: String,
    /// The client's address as the policy saw it (`--client-ip`, else the peer's).
    pub client_ip: String,
    /// The last EHLO/HELO name.
    pub helo: Option<String>,
    /// TLS, when it came up.
    pub tls: Option<TlsInfo>,
    /// The last AUTH.
    pub auth: Option<AuthInfo>,
    /// Every transaction.
    pub transactions: Vec<Transaction>,
    /// The refusals (4xx and 5xx) sent.
    pub replies: Vec<Reply>,
    /// The client's commands before TLS (AUTH without its arguments).
    pub commands_before_tls: Vec<String>,
    /// `client`, `server` or `timeout`.
    pub closed_by: &'static str,
}

/// Where sessions and messages go, and the counts for the summary.
pub struct Sink {
    log: Mutex<File>,
    log_path: PathBuf,
    maildir: Option<PathBuf>,
    /// Sessions written.
    pub sessions: AtomicU64,
    /// Messages accepted.
    pub messages: AtomicU64,
    /// Refusals sent.
    pub refusals: AtomicU64,
    seq: AtomicU64,
}

impl Sink {
    /// Opens (appends to) the session log and creates the Maildir (unless `maildir` is
    /// `None`: `--discard`).
    pub fn open(log_path: &Path, maildir: Option<&Path>) -> io::Result<Sink> {
        if let Some(m) = maildir {
            for sub in ["tmp", "new", "cur"] {
                fs::create_dir_all(m.join(sub))?;
            }
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)?;
        Ok(Sink {
            log: Mutex::new(log),
            log_path: log_path.to_owned(),
            maildir: maildir.map(Path::to_owned),
            sessions: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            refusals: AtomicU64::new(0),
            seq: AtomicU64::new(0),
        })
    }

    /// The session log's path.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Appends one session line and flushes it.
    pub fn write_session(&self, rec: &SessionRecord) {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        self.refusals
            .fetch_add(rec.replies.len() as u64, Ordering::SeqCst);
        let Ok(mut line) = serde_json::to_vec(rec) else {
            return;
        };
        line.push(b'\n');
        let mut f = self.log.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line (O_APPEND): a reader never sees half a line from us.
        let _ = f.write_all(&line);
        let _ = f.flush();
    }

    /// A fresh queue id, unique in this process and across restarts.
    pub fn queue_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        format!(
            "{}.{:06}.P{}Q{n}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id()
        )
    }

    /// Stores an accepted message (blocking file I/O: call it off the async workers).
    pub fn deliver(
        &self,
        queue_id: &str,
        from: &str,
        rcpts: &[String],
        data: &[u8],
    ) -> io::Result<()> {
        self.messages.fetch_add(1, Ordering::SeqCst);
        let Some(dir) = &self.maildir else {
            return Ok(());
        };
        let name = format!("{queue_id}.relayctl-sim");
        let tmp = dir.join("tmp").join(&name);
        let mut f = File::create(&tmp)?;
        let mut head = format!("Return-Path: <{}>\r\n", clean(from));
        for r in rcpts {
            head.push_str(&format!("Delivered-To: {}\r\n", clean(r)));
        }
        f.write_all(head.as_bytes())?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, dir.join("new").join(&name))
    }
}

/// An address fit for a header line: no CR, LF or NUL.
fn clean(addr: &str) -> String {
    addr.chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
        .collect()
}

/// The Message-ID header of `data` (headers only, unfolded, at most 998 bytes).
pub fn message_id(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&data[..data.len().min(64 * 1024)]);
    let mut lines = text.split("\r\n").take_while(|l| !l.is_empty()).peekable();
    while let Some(line) = lines.next() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.eq_ignore_ascii_case("message-id") {
            continue;
        }
        let mut v = value.trim().to_owned();
        while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
            v.push_str(next.trim());
            lines.next();
        }
        v.truncate(998);
        return Some(v).filter(|v| !v.is_empty());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn message_id_from_headers_only() {
        let m =
            b"From: a@example.com\r\nMessage-ID:\r\n <x@example.com>\r\n\r\nMessage-ID: <body>\r\n";
        assert_eq!(message_id(m).as_deref(), Some("<x@example.com>"));
        assert_eq!(
            message_id(b"Subject: x\r\n\r\nMessage-ID: <body>\r\n"),
            None
        );
    }
}

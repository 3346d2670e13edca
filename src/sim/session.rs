//! One connection to the test relay: the SMTP dialogue as the `Script` says (Google's by
//! default), STARTTLS and implicit TLS, AUTH PLAIN/LOGIN/XOAUTH2, the envelope, DATA and
//! BDAT, and the hostile modes. Reads through the capped line reader only; records every
//! event; ends when the client goes, at QUIT, or at the script's `max_session`.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use super::b64;
use super::io::{Input, LineReader, Stream, Wire};
use super::log::{self, AuthInfo, SessionRecord, Sink, TlsInfo, Transaction};
use super::policy::{Decision, Facts, Policy};
use super::record::{AuthAttempt, Dir, Message, Shared};
use super::script::{google, Hostile, Script, Stage, TlsMode};

/// What every session of one relay shares.
pub(super) struct Ctx {
    pub(super) script: Script,
    pub(super) acceptor: TlsAcceptor,
    pub(super) shared: Arc<Shared>,
    pub(super) policy: Option<Policy>,
    pub(super) sink: Option<Arc<Sink>>,
    pub(super) slots: Option<Arc<Semaphore>>,
}

/// Where a connection came in.
pub(super) struct Where {
    pub(super) peer: SocketAddr,
    pub(super) role: u16,
    pub(super) tls: TlsMode,
}

/// Counts a connection as open until dropped, also when the runtime cancels the task.
pub(super) struct OpenGuard(Arc<Shared>);

impl OpenGuard {
    pub(super) fn new(shared: Arc<Shared>) -> OpenGuard {
        shared.open.fetch_add(1, Ordering::SeqCst);
        OpenGuard(shared)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Google help 6140680: at most 100 recipients per transaction.
const MAX_RCPT: usize = 100;

/// XOAUTH2's error challenge: base64 of a JSON status, after which the client sends an
/// empty line and gets the final 535 (Google, "XOAUTH2 mechanism", Error response:
/// developers.google.com/gmail/imap/xoauth2-protocol).
const XOAUTH2_ERROR: &str =
    r#"{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}"#;

#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Close,
}

/// A connection over `--max-connections`: 421 and closed, logged.
pub(super) async fn turn_away(mut tcp: TcpStream, ctx: Arc<Ctx>, _open: OpenGuard) {
    let n = ctx.shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
    let id = format!("r{n}sm0full.{n}");
    let text = google::TOO_MANY_CONNECTIONS.replace("{id}", &id);
    let started = now_rfc3339();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        tcp.write_all(format!("{text}\r\n").as_bytes()).await?;
        tcp.shutdown().await
    })
    .await;
    if let Some(sink) = &ctx.sink {
        let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
        let local = tcp.local_addr().ok();
        let client_ip = ctx
            .script
            .client_ip
            .map(|ip| ip.to_string())
            .or_else(|| tcp.peer_addr().ok().map(|a| a.ip().to_string()))
            .unwrap_or_default();
        sink.write_session(&SessionRecord {
            schema: log::SESSION_SCHEMA,
            id,
            started,
            ended: now_rfc3339(),
            listener: 0,
            local: local.map(|a| a.to_string()).unwrap_or_default(),
            peer,
            client_ip,
            helo: None,
            tls: None,
            auth: None,
            transactions: Vec::new(),
            replies: vec![log::Reply { code: 421, text }],
            commands_before_tls: Vec::new(),
            closed_by: "server",
        });
    }
}

fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::net::tls::rfc3339(secs)
}

/// Serves one accepted connection to its end.
pub(super) async fn serve(
    tcp: TcpStream,
    at: Where,
    ctx: Arc<Ctx>,
    _guards: (OpenGuard, Option<OwnedSemaphorePermit>),
) {
    let Where { peer, role, tls } = at;
    let local = tcp.local_addr().ok();
    let local_port = local.map(|a| a.port()).unwrap_or(0);
    let n = ctx.shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
    // Shaped like Google's session ids (`f10sm1a4899ejl.97`, Google help 6140680).
    let id = format!("r{n}sm{local_port:x}tst.{n}");
    let conn = ctx.shared.open_transcript(peer, id.clone());
    let wire = Wire::new(tcp, ctx.shared.clone());
    let limit = ctx.script.max_session;
    let client_ip = ctx.script.client_ip.unwrap_or(peer.ip());
    let mut s = Session {
        rd: LineReader::new(ctx.shared.clone()),
        ctx,
        io: Stream::Plain(wire),
        conn,
        id,
        client_ip,
        mode: tls,
        tls: false,
        helo: None,
        authed: false,
        authed_user: None,
        last_from: None,
        mail_from: None,
        rcpts: Vec::new(),
        bdat: Vec::new(),
        bdat_too_big: false,
        rec: SessionRecord {
            schema: log::SESSION_SCHEMA,
            id: String::new(),
            started: now_rfc3339(),
            ended: String::new(),
            listener: role,
            local: local.map(|a| a.to_string()).unwrap_or_default(),
            peer: peer.to_string(),
            client_ip: client_ip.to_string(),
            helo: None,
            tls: None,
            auth: None,
            transactions: Vec::new(),
            replies: Vec::new(),
            commands_before_tls: Vec::new(),
            closed_by: "client",
        },
        tx: None,
        last_reply: String::new(),
    };
    s.rec.id = s.id.clone();
    let end = match tokio::time::timeout(limit, s.run()).await {
        Ok(Ok(why)) => why.to_owned(),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            s.rec.closed_by = "timeout";
            let _ = s.reply(google::TIMEOUT, Instant::now()).await;
            format!("connection error: {e}")
        }
        Ok(Err(e)) => format!("connection error: {e}"),
        Err(_) => {
            s.rec.closed_by = "timeout";
            format!("session limit of {limit:?} reached; closing")
        }
    };
    s.note(&end);
    // A polite close (TLS close_notify, FIN) when the client still listens.
    let _ = tokio::time::timeout(Duration::from_secs(1), s.io.shutdown()).await;
    s.finish_transaction(None);
    if let Some(sink) = s.ctx.sink.clone() {
        s.rec.ended = now_rfc3339();
        sink.write_session(&s.rec);
    }
}

struct Session {
    ctx: Arc<Ctx>,
    io: Stream,
    rd: LineReader,
    conn: usize,
    id: String,
    client_ip: IpAddr,
    mode: TlsMode,
    tls: bool,
    helo: Option<String>,
    authed: bool,
    authed_user: Option<String>,
    last_from: Option<String>,
    mail_from: Option<String>,
    rcpts: Vec<String>,
    bdat: Vec<u8>,
    bdat_too_big: bool,
    rec: SessionRecord,
    /// The open transaction's record (from an accepted MAIL FROM).
    tx: Option<Transaction>,
    last_reply: String,
}

fn is_auth_keyword(cap: &str) -> bool {
    let upper = cap.to_ascii_uppercase();
    upper == "AUTH" || upper.starts_with("AUTH ") || upper.starts_with("AUTH=")
}

/// The address inside `FROM:<...>` / `TO:<...>`, parameters ignored.
fn path_arg(arg: &str, key: &str) -> Option<String> {
    let head = arg.get(..key.len())?;
    if !head.eq_ignore_ascii_case(key) {
        return None;
    }
    let rest = arg[key.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

impl Session {
    fn script(&self) -> &Script {
        &self.ctx.script
    }

    fn hostile(&self) -> Option<Hostile> {
        self.ctx.script.hostile
    }

    fn note(&self, text: &str) {
        self.ctx
            .shared
            .event(self.conn, Dir::Note, self.tls, text.as_bytes());
    }

    /// Fills the placeholders of a reply template (see `google`).
    fn fill(&self, template: &str) -> String {
        let helo = self.helo.clone().unwrap_or_default();
        let mut domains: Vec<String> = Vec::new();
        if !helo.is_empty() {
            domains.push(helo.clone());
        }
        if let Some(d) = self.last_from.as_deref().and_then(|f| f.rsplit_once('@')) {
            if !domains.iter().any(|x| x.eq_ignore_ascii_case(d.1)) {
                domains.push(d.1.to_owned());
            }
        }
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let text = match &self.ctx.script.hostname {
            Some(h) => template.replace("smtp-relay.gmail.com", h),
            None => template.to_owned(),
        };
        text.replace("{id}", &self.id)
            .replace("{ip}", &self.client_ip.to_string())
            .replace("{helo}", &helo)
            .replace("{domains}", &domains.join(", "))
            .replace("{epoch}", &epoch.to_string())
    }

    /// Writes `text` (lines separated by `\n`) with CRLFs, `delay` after `at`.
    async fn send_bytes(&mut self, text: &[u8], at: Instant) -> std::io::Result<()> {
        tokio::time::sleep_until(at + self.ctx.script.delay).await;
        self.last_reply = String::from_utf8_lossy(text).into_owned();
        let code = text
            .get(..3)
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.parse::<u16>().ok());
        if let Some(code) = code.filter(|c| *c >= 400) {
            if self.rec.replies.len() < log::MAX_REPLIES {
                self.rec.replies.push(log::Reply {
                    code,
                    text: self.last_reply.clone(),
                });
            }
        }
        let mut out = Vec::with_capacity(text.len() + 16);
        for line in text.split(|&b| b == b'\n') {
            self.ctx
                .shared
                .event(self.conn, Dir::Server, self.tls, line);
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
        self.io.write_all(&out).await?;
        self.io.flush().await
    }

    /// Sends a reply template, filled in.
    async fn reply(&mut self, template: &str, at: Instant) -> std::io::Result<()> {
        let text = self.fill(template);
        self.send_bytes(text.as_bytes(), at).await
    }

    /// The next line from the client, recorded in the transcript.
    async fn next_line(&mut self) -> std::io::Result<(Input, Instant)> {
        let (input, at) = self.read_line().await?;
        match &input {
            Input::Line(l) => self.ctx.shared.event(self.conn, Dir::Client, self.tls, l),
            Input::TooLong(n) => self.note(&format!("client sent a line of {n} bytes; skipped")),
            Input::Eof => {}
        }
        Ok((input, at))
    }

    /// The next line, within the step timeout (an error of kind `TimedOut` past it).
    async fn read_line(&mut self) -> std::io::Result<(Input, Instant)> {
        match self.ctx.script.step_timeout {
            None => self.rd.next_line(&mut self.io).await,
            Some(limit) => tokio::time::timeout(limit, self.rd.next_line(&mut self.io))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "step timeout"))?,
        }
    }

    /// The `--fault refuse=STAGE:REPLY` reply for `stage`, if any.
    fn refusal(&self, stage: Stage) -> Option<String> {
        self.ctx
            .script
            .refusals
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, r)| r.clone())
    }

    /// Sends a scripted refusal; `Close` after a 421 (RFC 5321 §3.8).
    async fn refuse(&mut self, text: &str, at: Instant) -> std::io::Result<Flow> {
        self.reply(text, at).await?;
        if text.starts_with("421") {
            self.rec.closed_by = "server";
            return Ok(Flow::Close);
        }
        Ok(Flow::Go)
    }

    /// Ends the open transaction's record: accepted with this queue id, or not.
    fn finish_transaction(&mut self, accepted: Option<String>) {
        if let Some(mut tx) = self.tx.take() {
            tx.accepted = accepted.is_some();
            tx.queue_id = accepted;
            tx.rcpt_to = self.rcpts.iter().take(log::MAX_RCPTS).cloned().collect();
            tx.reply = self.last_reply.clone();
            if self.rec.transactions.len() < log::MAX_TRANSACTIONS {
                self.rec.transactions.push(tx);
            }
        }
    }

    async fn run(&mut self) -> std::io::Result<&'static str> {
        let hostile = self.hostile();
        if hostile == Some(Hostile::Silent) {
            // Silent means no byte at all, so no TLS handshake either.
            return self.byte_level(Hostile::Silent, Instant::now()).await;
        }
        if self.mode == TlsMode::Implicit && !self.start_tls("implicit").await {
            return Ok("TLS handshake failed");
        }
        let start = Instant::now();
        if let Some(text) = self.refusal(Stage::Connect) {
            self.reply(&text, start).await?;
            self.rec.closed_by = "server";
            return Ok("refused at connect, as the fault says");
        }
        if let Some(mode) = hostile.filter(|h| h.is_byte_level()) {
            return self.byte_level(mode, start).await;
        }
        match hostile {
            Some(Hostile::GarbageReply) => self.send_bytes(b"hello", start).await?,
            Some(Hostile::InvalidUtf8) => {
                let mut banner = b"220 smtp-relay.gmail.com ESMTP \xff\xfe\xc3\x28 ".to_vec();
                banner.extend_from_slice(self.fill("{id} - gsmtp").as_bytes());
                self.send_bytes(&banner, start).await?;
            }
            _ => {
                let banner = self.script().banner.clone();
                self.reply(&banner, start).await?;
            }
        }
        loop {
            let (input, at) = self.next_line().await?;
            let flow = match input {
                Input::Eof => {
                    self.rec.closed_by = "client";
                    return Ok("client closed the connection");
                }
                Input::TooLong(_) => {
                    self.reply("500 5.5.2 Line too long {id} - gsmtp", at)
                        .await?;
                    Flow::Go
                }
                Input::Line(line) => self.command(&line, at).await?,
            };
            if flow == Flow::Close {
                return Ok("closed by the relay");
            }
            // Still talking: whatever closes it next is the client, unless we say so.
            self.rec.closed_by = "client";
        }
    }

    /// TLS on the plaintext wire; false (with a note) when the handshake fails.
    async fn start_tls(&mut self, how: &'static str) -> bool {
        let Some(wire) = self.io.take_plain() else {
            self.note("TLS requested on a stream that is not plaintext");
            return false;
        };
        match self.ctx.acceptor.accept(wire).await {
            Ok(t) => {
                let version = t.get_ref().1.protocol_version();
                let cipher = t.get_ref().1.negotiated_cipher_suite();
                self.rec.tls = Some(TlsInfo {
                    version: match version {
                        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
                        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
                        other => format!("{other:?}"),
                    },
                    cipher: cipher
                        .map(|c| format!("{:?}", c.suite()))
                        .unwrap_or_default(),
                    how,
                });
                self.io = Stream::Tls(Box::new(t));
                self.tls = true;
                self.note(&format!("TLS up ({version:?})"));
                true
            }
            Err(e) => {
                self.note(&format!("TLS handshake failed: {e}"));
                false
            }
        }
    }

    async fn command(&mut self, line: &[u8], at: Instant) -> std::io::Result<Flow> {
        if self.hostile() == Some(Hostile::GarbageReply) {
            self.send_bytes(b"hello", at).await?;
            return Ok(Flow::Go);
        }
        let text = String::from_utf8_lossy(line).into_owned();
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_owned()),
            None => (text.trim().to_ascii_uppercase(), String::new()),
        };
        if !self.tls && self.rec.commands_before_tls.len() < log::MAX_COMMANDS {
            // Never the AUTH arguments: they carry the credential.
            let mut shown = if verb == "AUTH" {
                let mech = arg.split_whitespace().next().unwrap_or("");
                format!("AUTH {mech}").trim_end().to_owned()
            } else {
                text.clone()
            };
            if shown.len() > 512 {
                let mut cut = 512;
                while !shown.is_char_boundary(cut) {
                    cut -= 1;
                }
                shown.truncate(cut);
            }
            self.rec.commands_before_tls.push(shown);
        }
        let stage = match verb.as_str() {
            "EHLO" | "HELO" => Some(Stage::Helo),
            "STARTTLS" => Some(Stage::StartTls),
            "AUTH" => Some(Stage::Auth),
            "MAIL" => Some(Stage::Mail),
            "RCPT" => Some(Stage::Rcpt),
            "DATA" => Some(Stage::Data),
            _ => None,
        };
        if let Some(text) = stage.and_then(|st| self.refusal(st)) {
            return self.refuse(&text, at).await;
        }
        match verb.as_str() {
            "EHLO" | "HELO" => self.hello(&verb, &arg, at).await,
            "STARTTLS" => self.starttls(at).await,
            "AUTH" => self.auth(&arg, at).await,
            "MAIL" => self.mail(&arg, at).await,
            "RCPT" => self.rcpt(&arg, at).await,
            "DATA" => self.data(at).await,
            "BDAT" => self.bdat(&arg, at).await,
            "RSET" => {
                self.reset();
                // Not in Google's pages; shaped like the envelope replies.
                self.reply("250 2.1.5 Flushed {id} - gsmtp", at).await?;
                Ok(Flow::Go)
            }
            "NOOP" => {
                self.reply("250 2.0.0 OK {id} - gsmtp", at).await?;
                Ok(Flow::Go)
            }
            "QUIT" => {
                self.reply(google::QUIT, at).await?;
                self.rec.closed_by = "client";
                Ok(Flow::Close)
            }
            _ => {
                self.reply(google::UNRECOGNIZED, at).await?;
                Ok(Flow::Go)
            }
        }
    }

    fn reset(&mut self) {
        self.finish_transaction(None);
        self.mail_from = None;
        self.rcpts.clear();
        self.bdat.clear();
        self.bdat_too_big = false;
    }

    /// Whether AUTH is listed and accepted at this point of the session.
    fn auth_allowed(&self) -> bool {
        match self.hostile() {
            Some(Hostile::AuthOnlyBeforeTls) => !self.tls,
            _ => self.tls || self.script().auth_before_tls,
        }
    }

    /// Whether STARTTLS is accepted at this point of the session.
    fn starttls_allowed(&self) -> bool {
        !self.tls && self.mode == TlsMode::StartTls && self.hostile() != Some(Hostile::NoStartTls)
    }

    /// The EHLO keywords for this point of the session: the script's list, less STARTTLS
    /// and AUTH where they are not accepted, plus AUTH before TLS where it is.
    fn capabilities(&self) -> Vec<String> {
        let script = self.script();
        let mut caps = if self.tls {
            script.caps_after_tls.clone()
        } else {
            script.caps_before_tls.clone()
        };
        if !self.starttls_allowed() {
            caps.retain(|c| !c.eq_ignore_ascii_case("STARTTLS"));
        }
        if !self.auth_allowed() {
            caps.retain(|c| !is_auth_keyword(c));
        } else if !self.tls && !caps.iter().any(|c| is_auth_keyword(c)) {
            let auth = script
                .caps_after_tls
                .iter()
                .find(|c| is_auth_keyword(c))
                .cloned()
                .unwrap_or_else(|| google::AUTH_CAPABILITY.to_owned());
            caps.insert(caps.len().min(2), auth);
        }
        caps
    }

    async fn hello(&mut self, verb: &str, arg: &str, at: Instant) -> std::io::Result<Flow> {
        let name = arg.split_whitespace().next().unwrap_or("");
        if name.is_empty() {
            self.reply(google::HELO_EMPTY, at).await?;
            return Ok(Flow::Go);
        }
        if self.script().helo_policy.refuses(name) {
            let text = google::HELO_REFUSED.replace("{verb}", verb);
            self.reply(&text, at).await?;
            self.rec.closed_by = "server";
            return Ok(Flow::Close);
        }
        self.helo = Some(name.to_owned());
        self.rec.helo = Some(name.chars().take(255).collect());
        self.reset();
        if verb == "HELO" {
            self.reply(google::HELO_REPLY, at).await?;
            return Ok(Flow::Go);
        }
        let mut text = format!("250-{}", self.fill(&self.script().ehlo_greeting)).into_bytes();
        if self.hostile() == Some(Hostile::InvalidUtf8) {
            text.extend_from_slice(b" \xff\xfe");
        }
        let caps = self.capabilities();
        for (i, cap) in caps.iter().enumerate() {
            let sep = if i + 1 == caps.len() { " " } else { "-" };
            text.extend_from_slice(format!("\n250{sep}{cap}").as_bytes());
        }
        if caps.is_empty() {
            text[3] = b' ';
        }
        self.send_bytes(&text, at).await?;
        Ok(Flow::Go)
    }

    async fn starttls(&mut self, at: Instant) -> std::io::Result<Flow> {
        if self.tls {
            self.reply(google::STARTTLS_REPEATED, at).await?;
            return Ok(Flow::Go);
        }
        if !self.starttls_allowed() {
            self.reply(google::UNRECOGNIZED, at).await?;
            return Ok(Flow::Go);
        }
        if self.helo.is_none() {
            self.reply(google::EHLO_FIRST, at).await?;
            return Ok(Flow::Go);
        }
        if let Some(text) = self.script().starttls_reply.clone() {
            self.reply(&text, at).await?;
            if !text.starts_with('2') {
                return Ok(Flow::Go);
            }
        } else if self.rd.has_buffered() {
            // RFC 3207 Google help 6140680: commands pipelined after STARTTLS could be injected by a man
            // in the middle; Google refuses them (RFC 8314; firebase/extensions#632).
            self.reply(google::PIPELINED_AFTER_STARTTLS, at).await?;
            self.rec.closed_by = "server";
            return Ok(Flow::Close);
        } else {
            self.reply(google::STARTTLS_READY, at).await?;
        }
        self.rd.clear();
        if !self.start_tls("starttls").await {
            self.rec.closed_by = "server";
            return Ok(Flow::Close);
        }
        // RFC 3207 Google help 6140680.2: forget what the client said before TLS.
        self.helo = None;
        self.authed = false;
        self.authed_user = None;
        self.reset();
        Ok(Flow::Go)
    }

    /// Sends a SASL challenge and returns the client's answer (None when it left).
    async fn challenge(
        &mut self,
        prompt: &str,
        at: Instant,
    ) -> std::io::Result<Option<(Vec<u8>, Instant)>> {
        self.reply(prompt, at).await?;
        match self.next_line().await? {
            (Input::Line(l), at) => Ok(Some((l, at))),
            (Input::TooLong(_), at) => Ok(Some((b"!".to_vec(), at))),
            (Input::Eof, _) => Ok(None),
        }
    }

    async fn auth(&mut self, arg: &str, at: Instant) -> std::io::Result<Flow> {
        if self.hostile() == Some(Hostile::DropMidAuth) {
            self.note("closing mid-AUTH, as scripted");
            return Ok(Flow::Close);
        }
        if self.helo.is_none() {
            self.reply(google::EHLO_FIRST, at).await?;
            return Ok(Flow::Go);
        }
        if !self.auth_allowed() {
            // Google help 2956491: AUTH only inside TLS, and Google help 3726730's reply before it.
            let text = if self.tls {
                google::UNRECOGNIZED
            } else {
                google::MUST_STARTTLS
            };
            self.reply(text, at).await?;
            return Ok(Flow::Go);
        }
        if self.authed {
            self.reply("503 5.5.1 Already authenticated. {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        }
        let mut words = arg.split_whitespace();
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next().map(|w| {
            if w == "=" {
                Vec::new()
            } else {
                w.as_bytes().to_vec()
            }
        });
        let (user, secret, at) = match mechanism.as_str() {
            "PLAIN" | "XOAUTH2" => {
                let (resp, at) = match initial {
                    Some(r) => (r, at),
                    None => match self.challenge("334 ", at).await? {
                        Some(x) => x,
                        None => return Ok(Flow::Close),
                    },
                };
                let Some(decoded) = self.sasl_decode(&resp, at).await? else {
                    return Ok(Flow::Go);
                };
                let parsed = if mechanism == "PLAIN" {
                    parse_plain(&decoded)
                } else {
                    parse_xoauth2(&decoded)
                };
                match parsed {
                    Some((u, s)) => (u, s, at),
                    None => {
                        self.reply("501 5.5.2 Cannot Decode response {id} - gsmtp", at)
                            .await?;
                        return Ok(Flow::Go);
                    }
                }
            }
            "LOGIN" => {
                let (user_resp, at) = match initial {
                    Some(r) => (r, at),
                    // "Username:" and "Password:" in base64, as LOGIN servers prompt.
                    None => match self.challenge("334 VXNlcm5hbWU6", at).await? {
                        Some(x) => x,
                        None => return Ok(Flow::Close),
                    },
                };
                let Some(user) = self.sasl_decode(&user_resp, at).await? else {
                    return Ok(Flow::Go);
                };
                let Some((pass_resp, at)) = self.challenge("334 UGFzc3dvcmQ6", at).await? else {
                    return Ok(Flow::Close);
                };
                let Some(pass) = self.sasl_decode(&pass_resp, at).await? else {
                    return Ok(Flow::Go);
                };
                (
                    String::from_utf8_lossy(&user).into_owned(),
                    String::from_utf8_lossy(&pass).into_owned(),
                    at,
                )
            }
            _ => {
                self.reply(
                    "504 5.7.4 Unrecognized authentication type. {id} - gsmtp",
                    at,
                )
                .await?;
                return Ok(Flow::Go);
            }
        };
        let accepted = self
            .script()
            .accounts
            .iter()
            .any(|(u, p)| *u == user && *p == secret);
        self.rec.auth = Some(AuthInfo {
            user: user.chars().take(320).collect(),
            mechanism: mechanism.clone(),
            in_tls: self.tls,
            accepted,
        });
        if accepted {
            self.authed_user = Some(user.clone());
        }
        self.ctx.shared.add_auth(AuthAttempt {
            mechanism: mechanism.clone(),
            user,
            secret,
            tls: self.tls,
            accepted,
        });
        if accepted {
            self.authed = true;
            self.reply(google::AUTH_OK, at).await?;
            return Ok(Flow::Go);
        }
        let mut at = at;
        if mechanism == "XOAUTH2" {
            let prompt = format!("334 {}", b64::encode(XOAUTH2_ERROR.as_bytes()));
            match self.challenge(&prompt, at).await? {
                Some((_, later)) => at = later,
                None => return Ok(Flow::Close),
            }
        }
        self.reply(google::AUTH_BAD, at).await?;
        Ok(Flow::Go)
    }

    /// Decodes a SASL response; answers 501 itself (and returns None) for `*` or bad
    /// base64 (RFC 4954 Google help 6140680).
    async fn sasl_decode(&mut self, resp: &[u8], at: Instant) -> std::io::Result<Option<Vec<u8>>> {
        if resp == b"*" {
            self.reply("501 5.7.0 Authentication cancelled {id} - gsmtp", at)
                .await?;
            return Ok(None);
        }
        match b64::decode(resp) {
            Some(d) => Ok(Some(d)),
            None => {
                self.reply("501 5.5.2 Cannot Decode response {id} - gsmtp", at)
                    .await?;
                Ok(None)
            }
        }
    }

    async fn mail(&mut self, arg: &str, at: Instant) -> std::io::Result<Flow> {
        if self.helo.is_none() {
            self.reply(google::EHLO_FIRST, at).await?;
            return Ok(Flow::Go);
        }
        if self.script().require_tls && !self.tls {
            self.reply(google::MUST_STARTTLS, at).await?;
            return Ok(Flow::Go);
        }
        if self.mail_from.is_some() {
            self.reply("503 5.5.1 Nested MAIL command. {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        }
        let Some(from) = path_arg(arg, "FROM:") else {
            self.reply("555 5.5.2 Syntax error. {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        };
        self.last_from = Some(from.clone());
        let text = self.script().mail_reply.clone();
        self.reply(&text, at).await?;
        if text.starts_with('2') {
            self.tx = Some(Transaction {
                mail_from: from.chars().take(320).collect(),
                rcpt_to: Vec::new(),
                accepted: false,
                size: 0,
                message_id: None,
                queue_id: None,
                rewritten_from: None,
                reply: String::new(),
            });
            self.mail_from = Some(from);
        }
        Ok(Flow::Go)
    }

    async fn rcpt(&mut self, arg: &str, at: Instant) -> std::io::Result<Flow> {
        if self.mail_from.is_none() {
            self.reply("503 5.5.1 MAIL first. {id} - gsmtp", at).await?;
            return Ok(Flow::Go);
        }
        let Some(to) = path_arg(arg, "TO:") else {
            self.reply("555 5.5.2 Syntax error. {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        };
        if self.rcpts.len() >= MAX_RCPT {
            self.reply(google::TOO_MANY_RECIPIENTS, at).await?;
            return Ok(Flow::Go);
        }
        let text = match &self.ctx.policy {
            None => self.script().rcpt_reply.clone(),
            Some(policy) => {
                let facts = Facts {
                    client_ip: self.client_ip,
                    authed: self.authed_user.as_deref(),
                    helo: self.helo.as_deref(),
                    from: self.mail_from.as_deref().unwrap_or(""),
                    accepted_rcpts: self.rcpts.len(),
                    rcpt: &to,
                };
                match policy.rcpt(&facts) {
                    Decision::Accept { rewritten } => {
                        if let (Some(tx), Some(r)) = (self.tx.as_mut(), rewritten) {
                            tx.rewritten_from = Some(r);
                        }
                        google::RCPT_OK.to_owned()
                    }
                    Decision::Refuse(reply) => reply.to_owned(),
                }
            }
        };
        self.reply(&text, at).await?;
        if text.starts_with('2') {
            self.rcpts.push(to);
        }
        Ok(Flow::Go)
    }

    /// Stores the transaction's message and answers the final reply.
    async fn deliver(&mut self, data: Vec<u8>, at: Instant) -> std::io::Result<()> {
        let from = self.mail_from.clone().unwrap_or_default();
        let mut queue_id = format!("{}.{}", self.id, self.rec.transactions.len() + 1);
        if let Some(tx) = self.tx.as_mut() {
            tx.size = data.len();
            tx.message_id = log::message_id(&data);
        }
        if let Some(policy) = &self.ctx.policy {
            policy.count(&from, &self.rcpts);
        }
        let mut text = self.script().data_reply.clone();
        if let Some(sink) = self.ctx.sink.clone() {
            queue_id = sink.queue_id();
            let (q, rcpts) = (queue_id.clone(), self.rcpts.clone());
            let (f, d) = (from.clone(), data);
            let stored =
                tokio::task::spawn_blocking(move || sink.deliver(&q, &f, &rcpts, &d)).await;
            if !matches!(stored, Ok(Ok(()))) {
                // The disk is full or gone: a temporary failure, as a real MTA says.
                text =
                    "451 4.3.0 Mail server temporarily rejected message. {id} - gsmtp".to_owned();
            }
        } else {
            self.ctx.shared.add_message(Message {
                from,
                to: self.rcpts.clone(),
                data,
                tls: self.tls,
            });
        }
        self.reply(&text, at).await?;
        if text.starts_with('2') {
            self.finish_transaction(Some(queue_id));
        }
        self.reset();
        Ok(())
    }

    async fn data(&mut self, at: Instant) -> std::io::Result<Flow> {
        if self.mail_from.is_none() {
            self.reply("503 5.5.1 MAIL first. {id} - gsmtp", at).await?;
            return Ok(Flow::Go);
        }
        if self.rcpts.is_empty() {
            self.reply("503 5.5.1 RCPT first. {id} - gsmtp", at).await?;
            return Ok(Flow::Go);
        }
        self.reply(google::DATA_GO, at).await?;
        let limit = self.script().max_message_bytes;
        let mut data = Vec::new();
        let mut too_big = false;
        let at = loop {
            let (input, at) = self.read_line().await?;
            match input {
                Input::Eof => return Ok(Flow::Close),
                Input::TooLong(_) => too_big = true,
                Input::Line(line) if line == b"." => break at,
                Input::Line(line) => {
                    // RFC 5321 Google help 6140680.5.2: remove the transparency dot.
                    let line = line.strip_prefix(b".").unwrap_or(&line);
                    if data.len() + line.len() + 2 > limit {
                        too_big = true;
                    } else {
                        data.extend_from_slice(line);
                        data.extend_from_slice(b"\r\n");
                    }
                }
            }
        };
        self.note(&format!("message of {} bytes", data.len()));
        if too_big {
            self.reset();
            self.reply("552 5.3.4 Message too big {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        }
        self.deliver(data, at).await?;
        Ok(Flow::Go)
    }

    /// RFC 3030 BDAT, since CHUNKING is on Google's list.
    async fn bdat(&mut self, arg: &str, at: Instant) -> std::io::Result<Flow> {
        let mut words = arg.split_whitespace();
        let size = words.next().and_then(|w| w.parse::<usize>().ok());
        let last = words.next().is_some_and(|w| w.eq_ignore_ascii_case("LAST"));
        let Some(size) = size else {
            self.reply("501 5.5.4 Syntax error. {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        };
        let limit = self.script().max_message_bytes;
        let keep = limit.saturating_sub(self.bdat.len());
        let Some((chunk, at)) = self.rd.next_bytes(&mut self.io, size, keep).await? else {
            return Ok(Flow::Close);
        };
        if chunk.len() < size {
            self.bdat_too_big = true;
        }
        if self.mail_from.is_none() || self.rcpts.is_empty() {
            self.reply("503 5.5.1 RCPT first. {id} - gsmtp", at).await?;
            return Ok(Flow::Go);
        }
        self.bdat.extend_from_slice(&chunk);
        if !last {
            self.reply("250 2.0.0 OK {id} - gsmtp", at).await?;
            return Ok(Flow::Go);
        }
        if self.bdat_too_big {
            self.reset();
            self.reply("552 5.3.4 Message too big {id} - gsmtp", at)
                .await?;
            return Ok(Flow::Go);
        }
        let data = std::mem::take(&mut self.bdat);
        self.note(&format!("message of {} bytes", data.len()));
        self.deliver(data, at).await?;
        Ok(Flow::Go)
    }

    /// The modes that replace the dialogue: write (or not) while draining what the client
    /// sends, until the client goes.
    async fn byte_level(&mut self, mode: Hostile, start: Instant) -> std::io::Result<&'static str> {
        self.note(&format!("hostile mode {mode:?}"));
        let io = std::mem::replace(&mut self.io, Stream::Gone);
        let (mut rd, mut wr) = tokio::io::split(io);
        let shared = self.ctx.shared.clone();
        let delay = self.script().delay;
        let drip = self.script().drip_every;
        let continuation = self.fill("220-smtp-relay.gmail.com ESMTP {id} - gsmtp\r\n");
        let banner = format!(
            "{}\r\n",
            self.fill(&self.script().banner).replace('\n', "\r\n")
        );
        let writer = async move {
            tokio::time::sleep_until(start + delay).await;
            match mode {
                Hostile::SlowDrip => {
                    for &b in continuation.as_bytes().iter().cycle() {
                        tokio::time::sleep(drip).await;
                        wr.write_all(&[b]).await?;
                        wr.flush().await?;
                    }
                    Ok("unreachable: the drip is endless")
                }
                Hostile::HugeLine => {
                    wr.write_all(b"220 ").await?;
                    let chunk = vec![b'x'; 16 * 1024];
                    loop {
                        wr.write_all(&chunk).await?;
                        wr.flush().await?;
                    }
                }
                Hostile::EndlessContinuation => {
                    let batch = continuation.repeat(64);
                    loop {
                        wr.write_all(batch.as_bytes()).await?;
                        wr.flush().await?;
                    }
                }
                Hostile::CloseAfterBanner => {
                    wr.write_all(banner.as_bytes()).await?;
                    wr.shutdown().await?;
                    Ok("closed after the banner, as scripted")
                }
                _ => std::future::pending::<std::io::Result<&'static str>>().await,
            }
        };
        let drain = async move {
            let mut buf = [0u8; 8 * 1024];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => shared.record_plain(&buf[..n]),
                }
            }
        };
        tokio::select! {
            r = writer => r,
            () = drain => Ok("client closed the connection"),
        }
    }
}

/// `authzid \0 user \0 password` (RFC 4616 Google help 2956491).
fn parse_plain(decoded: &[u8]) -> Option<(String, String)> {
    let mut parts = decoded.split(|&b| b == 0);
    let _authzid = parts.next()?;
    let user = parts.next()?;
    let pass = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some((
        String::from_utf8_lossy(user).into_owned(),
        String::from_utf8_lossy(pass).into_owned(),
    ))
}

/// `user=U \x01 auth=Bearer TOKEN \x01 \x01` (Google, "XOAUTH2 mechanism").
fn parse_xoauth2(decoded: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(decoded).ok()?;
    let mut user = None;
    let mut token = None;
    for field in text.split('\x01') {
        if let Some(u) = field.strip_prefix("user=") {
            user = Some(u.to_owned());
        } else if let Some(t) = field.strip_prefix("auth=Bearer ") {
            token = Some(t.to_owned());
        }
    }
    Some((user?, token?))
}

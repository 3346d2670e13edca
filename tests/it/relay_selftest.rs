//! The test relay (tests/relay) checked with a minimal raw client (std sockets + rustls):
//! Google's dialogue over STARTTLS and implicit TLS, the four certificate kinds, AUTH,
//! reply overrides, the delay, every hostile mode, and that every connection ends when
//! its client leaves. The client here is deliberately dumb; relayctl's own client is
//! tested elsewhere against the same relay.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::relay::b64;
use crate::relay::*;

const USER: &str = "admin@example.com";
const PASSWORD: &str = "s3cret-app-passw0rd";
const IDLE: Duration = Duration::from_secs(1);

/// Why the raw client stopped reading.
#[derive(Debug)]
enum Fail {
    /// The server closed the connection.
    Eof,
    /// Nothing complete within the read timeout.
    Timeout,
    /// A line over the client's 4 KiB limit.
    TooLong,
    /// A line that does not start with a reply code.
    Garbage(Vec<u8>),
    /// Any other I/O error (TLS failures among them).
    #[allow(dead_code)] // Read through Debug, in assertion messages.
    Io(io::Error),
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Fail {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Fail::Timeout,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Fail::Eof,
            _ => Fail::Io(e),
        }
    }
}

/// One reply: the code and each line's text after `NNN-` / `NNN `.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
    raw: Vec<Vec<u8>>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Gone,
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
            Conn::Gone => Ok(0),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
            Conn::Gone => Ok(()),
        }
    }
}

/// A line-at-a-time SMTP client with a 4 KiB line limit and a read timeout.
struct Client {
    conn: Conn,
    buf: Vec<u8>,
}

fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    s
}

fn server_name(name: &str) -> ServerName<'static> {
    ServerName::try_from(name.to_owned()).expect("a valid server name")
}

/// Runs a TLS handshake to its end; the rustls error when verification fails.
fn handshake(
    mut sock: TcpStream,
    config: Arc<ClientConfig>,
    name: &str,
) -> Result<StreamOwned<ClientConnection, TcpStream>, io::Error> {
    let mut conn = ClientConnection::new(config, server_name(name)).expect("client connection");
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)?;
    }
    Ok(StreamOwned::new(conn, sock))
}

/// The rustls error inside an I/O error, as text, for matching.
fn tls_error(e: &io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(r) => format!("{r:?}"),
        None => format!("not a TLS error: {e:?}"),
    }
}

impl Client {
    fn plain(addr: SocketAddr) -> Client {
        Client {
            conn: Conn::Plain(tcp(addr)),
            buf: Vec::new(),
        }
    }

    fn implicit(addr: SocketAddr, ca: &TestCa, name: &str) -> Result<Client, io::Error> {
        let tls = handshake(tcp(addr), ca.client_config(), name)?;
        Ok(Client {
            conn: Conn::Tls(Box::new(tls)),
            buf: Vec::new(),
        })
    }

    fn timeout(&self, t: Duration) {
        let sock = match &self.conn {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.get_ref(),
            Conn::Gone => return,
        };
        sock.set_read_timeout(Some(t)).expect("timeout");
    }

    fn line(&mut self) -> Result<Vec<u8>, Fail> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > 4096 {
                return Err(Fail::TooLong);
            }
            let mut chunk = [0u8; 4096];
            match self.conn.read(&mut chunk)? {
                0 => return Err(Fail::Eof),
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    fn reply(&mut self) -> Result<Reply, Fail> {
        let mut reply = Reply {
            code: 0,
            lines: Vec::new(),
            raw: Vec::new(),
        };
        loop {
            let line = self.line()?;
            let code = line
                .get(..3)
                .and_then(|c| std::str::from_utf8(c).ok())
                .and_then(|c| c.parse::<u16>().ok());
            let (Some(code), sep) = (code, line.get(3).copied()) else {
                return Err(Fail::Garbage(line));
            };
            reply.code = code;
            reply
                .lines
                .push(String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned());
            reply.raw.push(line);
            if sep != Some(b'-') {
                return Ok(reply);
            }
            if reply.lines.len() > 100 {
                return Err(Fail::TooLong);
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.conn.write_all(bytes).expect("write");
        self.conn.flush().expect("flush");
    }

    fn cmd(&mut self, line: &str) -> Reply {
        self.send(format!("{line}\r\n").as_bytes());
        self.reply().unwrap_or_else(|e| panic!("{line}: {e:?}"))
    }

    fn starttls(&mut self, ca: &TestCa, name: &str) -> Result<(), io::Error> {
        let r = self.cmd("STARTTLS");
        assert_eq!(r.code, 220, "{r:?}");
        let Conn::Plain(sock) = std::mem::replace(&mut self.conn, Conn::Gone) else {
            panic!("STARTTLS on a TLS connection");
        };
        self.conn = Conn::Tls(Box::new(handshake(sock, ca.client_config(), name)?));
        Ok(())
    }
}

fn plain_auth(user: &str, password: &str) -> String {
    b64::encode(format!("\0{user}\0{password}").as_bytes())
}

/// Banner, EHLO, STARTTLS (checked against the CA for `localhost`), EHLO again.
fn up_to_tls(relay: &TestRelay, ca: &TestCa) -> Client {
    let mut c = Client::plain(relay.addr());
    assert_eq!(c.reply().expect("banner").code, 220);
    assert_eq!(c.cmd("EHLO mail.example.com").code, 250);
    c.starttls(ca, "localhost")
        .expect("TLS with a good certificate");
    assert_eq!(c.cmd("EHLO mail.example.com").code, 250);
    c
}

fn google_relay(ca: &TestCa) -> TestRelay {
    TestRelay::start(ca, Script::google().account(USER, PASSWORD))
}

#[test]
fn starttls_dialogue_is_googles() {
    let ca = TestCa::new();
    let relay = google_relay(&ca);
    let mut c = Client::plain(relay.addr());
    let banner = c.reply().expect("banner");
    let id = &relay.transcripts()[0].id;
    assert_eq!(
        banner.text(),
        format!("smtp-relay.gmail.com ESMTP {id} - gsmtp")
    );
    let ehlo = c.cmd("EHLO mail.example.com");
    assert_eq!(ehlo.code, 250);
    assert_eq!(
        ehlo.lines[0],
        "smtp-relay.gmail.com at your service, [127.0.0.1]"
    );
    assert_eq!(ehlo.lines[1..], google::CAPS_BEFORE_TLS);
    let auth = c.cmd(&format!(
        "AUTH PLAIN {}",
        plain_auth(USER, "not-the-password")
    ));
    assert_eq!(
        auth.text(),
        format!("5.7.0 Must issue a STARTTLS command first. {id} - gsmtp")
    );
    assert_eq!(auth.code, 530);
    c.starttls(&ca, "localhost").expect("a good certificate");
    let ehlo = c.cmd("EHLO mail.example.com");
    assert_eq!(ehlo.lines[1..], google::CAPS_AFTER_TLS);
    let auth = c.cmd(&format!("AUTH PLAIN {}", plain_auth(USER, PASSWORD)));
    assert_eq!((auth.code, auth.text()), (235, "2.7.0 Accepted".to_owned()));
    let mail = c.cmd("MAIL FROM:<alerts@example.com> SIZE=100");
    assert_eq!(mail.text(), format!("2.1.0 OK {id} - gsmtp"));
    let rcpt = c.cmd("RCPT TO:<ops@example.org>");
    assert_eq!(rcpt.text(), format!("2.1.5 OK {id} - gsmtp"));
    let data = c.cmd("DATA");
    assert_eq!(
        (data.code, data.text()),
        (354, format!(" Go ahead {id} - gsmtp"))
    );
    c.send(b"Subject: test\r\n\r\n..leading dot\r\nbody\r\n.\r\n");
    let done = c.reply().expect("final reply");
    assert_eq!(done.code, 250);
    assert!(done.text().starts_with("2.0.0 OK  1"), "{done:?}");
    assert!(done.text().ends_with(&format!(" {id} - gsmtp")), "{done:?}");
    let quit = c.cmd("QUIT");
    assert_eq!(
        quit.text(),
        format!("2.0.0 closing connection {id} - gsmtp")
    );
    assert!(matches!(c.reply(), Err(Fail::Eof)));

    let messages = relay.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].from, "alerts@example.com");
    assert_eq!(messages[0].to, ["ops@example.org"]);
    assert_eq!(
        messages[0].data,
        b"Subject: test\r\n\r\n.leading dot\r\nbody\r\n"
    );
    assert!(messages[0].tls);
    let attempts = relay.auth_attempts();
    assert_eq!(
        attempts.len(),
        1,
        "the plaintext AUTH was refused undecoded"
    );
    assert!(attempts[0].accepted && attempts[0].tls);
    assert_eq!(attempts[0].user, USER);

    let plain = relay.received();
    let raw = relay.received_raw();
    let has = |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(has(&plain, "MAIL FROM:<alerts@example.com>"));
    assert!(
        has(&raw, "EHLO mail.example.com"),
        "before TLS, wire = plain"
    );
    assert!(!has(&raw, "MAIL FROM"), "after TLS the wire is encrypted");
    assert!(contains_secret(&plain, PASSWORD.as_bytes()));
    assert!(!contains_secret(&raw, PASSWORD.as_bytes()));
    assert!(!format!("{attempts:?}").contains(PASSWORD));
    assert!(relay.wait_idle(IDLE));
}

#[test]
fn implicit_tls_dialogue() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .tls(TlsMode::Implicit)
            .account(USER, PASSWORD),
    );
    let mut c = Client::implicit(relay.addr(), &ca, "127.0.0.1").expect("a good certificate");
    let banner = c.reply().expect("banner");
    assert!(banner.text().starts_with("smtp-relay.gmail.com ESMTP "));
    let ehlo = c.cmd("EHLO mail.example.com");
    assert_eq!(ehlo.lines[1..], google::CAPS_AFTER_TLS);
    let again = c.cmd("STARTTLS");
    assert_eq!(again.code, 454);
    assert!(again
        .text()
        .starts_with("5.5.1 STARTTLS may not be repeated"));
    let auth = c.cmd(&format!("AUTH PLAIN {}", plain_auth(USER, PASSWORD)));
    assert_eq!(auth.code, 235);
    assert_eq!(c.cmd("QUIT").code, 221);
    assert!(!contains_secret(&relay.received_raw(), PASSWORD.as_bytes()));
    assert!(relay.transcripts()[0].events[0].text.starts_with("TLS up"));
}

#[test]
fn certificate_kinds_verify_as_intended() {
    let ca = TestCa::new();
    let cases: &[(CertKind, &str, Option<&str>)] = &[
        (CertKind::Good, "localhost", None),
        (CertKind::Good, "127.0.0.1", None),
        (CertKind::Good, "::1", None),
        (CertKind::Good, "relay.test", None),
        (
            CertKind::Good,
            "smtp-relay.gmail.com",
            Some("NotValidForName"),
        ),
        (CertKind::WrongName, "localhost", Some("NotValidForName")),
        (CertKind::WrongName, WRONG_NAME, None),
        (CertKind::Expired, "localhost", Some("Expired")),
        (CertKind::SelfSigned, "localhost", Some("UnknownIssuer")),
    ];
    for &(kind, name, want) in cases {
        let relay = TestRelay::start(&ca, Script::google().tls(TlsMode::Implicit).cert(kind));
        let got = Client::implicit(relay.addr(), &ca, name).map(|_| ());
        match (want, got) {
            (None, Ok(())) => {}
            (Some(w), Err(e)) => assert!(tls_error(&e).contains(w), "{kind:?} {name}: {e:?}"),
            (w, g) => panic!("{kind:?} as {name}: wanted {w:?}, got {g:?}"),
        }
        drop(relay);
    }
    // The certificate is the same behind STARTTLS.
    let relay = TestRelay::start(&ca, Script::google().cert(CertKind::WrongName));
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    c.cmd("EHLO mail.example.com");
    let e = c.starttls(&ca, "localhost").expect_err("wrong name");
    assert!(tls_error(&e).contains("NotValidForName"), "{e:?}");
    assert!(relay.wait_idle(IDLE));
    assert!(relay.transcript_text().contains("TLS handshake failed"));
}

#[test]
fn auth_mechanisms_accept_and_reject() {
    let ca = TestCa::new();
    let relay = google_relay(&ca);
    let xoauth2 = |user: &str, token: &str| {
        b64::encode(format!("user={user}\x01auth=Bearer {token}\x01\x01").as_bytes())
    };
    for (mechanism, good) in [
        ("PLAIN", true),
        ("PLAIN", false),
        ("LOGIN", true),
        ("LOGIN", false),
        ("XOAUTH2", true),
        ("XOAUTH2", false),
    ] {
        let password = if good { PASSWORD } else { "wrong-password-123" };
        let mut c = up_to_tls(&relay, &ca);
        let last = match mechanism {
            "PLAIN" => {
                // Without an initial response: the relay prompts with an empty 334.
                let r = c.cmd("AUTH PLAIN");
                assert_eq!((r.code, r.text()), (334, String::new()));
                c.cmd(&plain_auth(USER, password))
            }
            "LOGIN" => {
                let r = c.cmd("AUTH LOGIN");
                assert_eq!((r.code, r.text()), (334, "VXNlcm5hbWU6".to_owned()));
                let r = c.cmd(&b64::encode(USER.as_bytes()));
                assert_eq!((r.code, r.text()), (334, "UGFzc3dvcmQ6".to_owned()));
                c.cmd(&b64::encode(password.as_bytes()))
            }
            _ => {
                let r = c.cmd(&format!("AUTH XOAUTH2 {}", xoauth2(USER, password)));
                if good {
                    r
                } else {
                    assert_eq!(r.code, 334, "the error challenge first");
                    let json = b64::decode(r.text().as_bytes()).expect("base64");
                    assert!(String::from_utf8_lossy(&json).contains("\"status\":\"400\""));
                    c.cmd("")
                }
            }
        };
        if good {
            assert_eq!((last.code, last.text()), (235, "2.7.0 Accepted".to_owned()));
        } else {
            assert_eq!(last.code, 535, "{mechanism}: {last:?}");
            assert_eq!(
                last.lines[0],
                "5.7.8 Username and Password not accepted. For more information, go to"
            );
            assert!(last.lines[1]
                .starts_with("5.7.8  https://support.google.com/mail/?p=BadCredentials "));
        }
        assert_eq!(c.cmd("QUIT").code, 221);
    }
    let attempts = relay.auth_attempts();
    let summary: Vec<(String, bool)> = attempts
        .iter()
        .map(|a| (a.mechanism.clone(), a.accepted))
        .collect();
    assert_eq!(
        summary,
        [
            ("PLAIN".to_owned(), true),
            ("PLAIN".to_owned(), false),
            ("LOGIN".to_owned(), true),
            ("LOGIN".to_owned(), false),
            ("XOAUTH2".to_owned(), true),
            ("XOAUTH2".to_owned(), false),
        ]
    );
    assert!(attempts.iter().all(|a| a.tls && a.user == USER));
    assert!(!contains_secret(&relay.received_raw(), PASSWORD.as_bytes()));
}

#[test]
fn auth_in_clear_only_when_scripted_and_then_visible_on_the_wire() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .tls(TlsMode::None)
            .auth_before_tls(true)
            .account(USER, PASSWORD),
    );
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(!ehlo.lines.iter().any(|l| l == "STARTTLS"), "{ehlo:?}");
    assert!(ehlo.lines.contains(&google::AUTH_CAPABILITY.to_owned()));
    assert_eq!(c.cmd("STARTTLS").code, 502);
    let auth = c.cmd(&format!("AUTH PLAIN {}", plain_auth(USER, PASSWORD)));
    assert_eq!(auth.code, 235);
    assert!(contains_secret(&relay.received_raw(), PASSWORD.as_bytes()));
    assert!(!relay.auth_attempts()[0].tls);
}

#[test]
fn helo_names_google_refuses() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google());
    for (verb, name) in [
        ("EHLO", "localhost"),
        ("EHLO", "a1b2c3d4e5f6"),
        ("HELO", "LOCALHOST"),
    ] {
        let mut c = Client::plain(relay.addr());
        c.reply().expect("banner");
        let r = c.cmd(&format!("{verb} {name}"));
        assert_eq!(r.code, 421);
        assert!(
            r.text().starts_with(&format!(
                "4.7.0 Try again later, closing connection. ({verb}) "
            )),
            "{r:?}"
        );
        assert!(matches!(c.reply(), Err(Fail::Eof)), "closed after 421");
    }
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    assert_eq!(c.cmd("EHLO").code, 501);
    let helo = c.cmd("HELO mail.example.com");
    assert_eq!(helo.text(), "smtp-relay.gmail.com at your service");
    assert_eq!(c.cmd("EHLO [192.0.2.1]").code, 250);
    let relay = TestRelay::start(&ca, Script::google().helo_policy(HeloPolicy::AcceptAll));
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    assert_eq!(c.cmd("EHLO localhost").code, 250);
}

#[test]
fn scripted_replies_replace_googles_defaults() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().rcpt_reply(google::RELAY_DENIED));
    let mut c = up_to_tls(&relay, &ca);
    assert_eq!(c.cmd("MAIL FROM:<alerts@example.org>").code, 250);
    let denied = c.cmd("RCPT TO:<ops@example.net>");
    assert_eq!(denied.code, 550);
    assert!(denied.raw[..denied.raw.len() - 1]
        .iter()
        .all(|l| l.starts_with(b"550-5.7.0 ")));
    assert!(denied
        .raw
        .last()
        .expect("a line")
        .starts_with(b"550 5.7.0  https://"));
    let text = denied.text();
    assert!(text.contains("Mail relay denied [127.0.0.1]."), "{text}");
    assert!(text.contains("one of the domains in: mail.example.com, example.org (as"));
    assert_eq!(c.cmd("DATA").code, 503, "no recipient was accepted");

    let relay = TestRelay::start(
        &ca,
        Script::google().mail_reply(google::INVALID_CREDENTIALS),
    );
    let mut c = up_to_tls(&relay, &ca);
    let r = c.cmd("MAIL FROM:<>");
    assert_eq!(r.code, 550);
    assert!(r.lines[0].starts_with("5.7.1 Invalid credentials for relay [127.0.0.1]."));
    assert_eq!(c.cmd("RCPT TO:<ops@example.net>").code, 503);

    let relay = TestRelay::start(&ca, Script::google().require_tls(true));
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    c.cmd("EHLO mail.example.com");
    let r = c.cmd("MAIL FROM:<alerts@example.org>");
    assert_eq!(r.code, 530);
    assert!(r
        .text()
        .starts_with("5.7.0 Must issue a STARTTLS command first."));

    let relay = TestRelay::start(
        &ca,
        Script::google().starttls_reply(google::TLS_NOT_AVAILABLE),
    );
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    c.cmd("EHLO mail.example.com");
    let r = c.cmd("STARTTLS");
    assert_eq!(
        (r.code, r.text()),
        (
            454,
            "4.7.0 TLS not available due to local problem".to_owned()
        )
    );
    assert_eq!(c.cmd("NOOP").code, 250, "still talking in plaintext");
}

#[test]
fn envelope_rules() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google());
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.com>").text().split(' ').nth(1),
        Some("EHLO/HELO")
    );
    assert_eq!(c.cmd("STARTTLS").code, 503);
    c.cmd("EHLO mail.example.com");
    assert_eq!(c.cmd("RCPT TO:<b@example.com>").code, 503);
    assert_eq!(c.cmd("MAIL FROM:a@example.com").code, 555);
    assert_eq!(c.cmd("VRFY root").code, 502);
    assert_eq!(c.cmd("MAIL FROM:<a@example.com>").code, 250);
    for i in 0..100 {
        assert_eq!(c.cmd(&format!("RCPT TO:<r{i}@example.com>")).code, 250);
    }
    let over = c.cmd("RCPT TO:<r100@example.com>");
    assert_eq!(
        over.code, 452,
        "Google help 6140680: 100 recipients per transaction"
    );
    assert!(c.cmd("RSET").text().starts_with("2.1.5 Flushed"));
    // BDAT, since CHUNKING is advertised.
    c.cmd("MAIL FROM:<a@example.com>");
    c.cmd("RCPT TO:<b@example.com>");
    c.send(b"BDAT 6\r\nHello BDAT 8 LAST\r\n world\r\n");
    assert_eq!(c.reply().expect("chunk").code, 250);
    let done = c.reply().expect("last chunk");
    assert!(done.text().starts_with("2.0.0 OK  "), "{done:?}");
    assert_eq!(relay.messages()[0].data, b"Hello  world\r\n");
}

#[test]
fn commands_pipelined_after_starttls_are_refused() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google());
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    c.cmd("EHLO mail.example.com");
    c.send(b"STARTTLS\r\nEHLO injected.example.com\r\n");
    let r = c.reply().expect("refusal");
    assert_eq!(r.code, 525);
    assert!(matches!(c.reply(), Err(Fail::Eof)));
}

#[test]
fn every_reply_waits_for_the_delay() {
    let delay = Duration::from_millis(80);
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().delay(delay));
    let start = Instant::now();
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    assert!(
        start.elapsed() >= delay,
        "banner after {:?}",
        start.elapsed()
    );
    let t = Instant::now();
    c.cmd("EHLO mail.example.com");
    assert!(t.elapsed() >= delay, "EHLO after {:?}", t.elapsed());
    // Pipelined (PIPELINING is on Google's list): each reply still waits for the delay.
    let t = Instant::now();
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nNOOP\r\n");
    for want in [250, 250, 250] {
        assert_eq!(c.reply().expect("pipelined reply").code, want);
    }
    assert!(t.elapsed() >= delay, "pipelined after {:?}", t.elapsed());
}

#[test]
fn client_lines_are_capped() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google());
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    let mut huge = vec![b'A'; 2 * 1024 * 1024];
    huge.extend_from_slice(b"\r\n");
    c.send(&huge);
    let r = c.reply().expect("reply to the huge line");
    assert_eq!(r.code, 500);
    assert_eq!(c.cmd("NOOP").code, 250, "the session goes on");
    assert!(relay
        .transcript_text()
        .contains("client sent a line of 2097154 bytes"));
    assert!(relay.received().len() <= MAX_RECORDED_BYTES);
}

#[test]
fn hostile_silent() {
    let ca = TestCa::new();
    // Implicit TLS: silent means no handshake either.
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .tls(TlsMode::Implicit)
            .hostile(Hostile::Silent),
    );
    let mut c = Client::plain(relay.addr());
    c.timeout(Duration::from_millis(300));
    c.send(b"EHLO mail.example.com\r\n");
    assert!(matches!(c.reply(), Err(Fail::Timeout)));
    assert!(relay.received().starts_with(b"EHLO mail.example.com"));
    drop(c);
    assert!(relay.wait_idle(IDLE));
}

#[test]
fn hostile_slow_drip() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .hostile(Hostile::SlowDrip)
            .drip_every(Duration::from_millis(10)),
    );
    let mut sock = tcp(relay.addr());
    let mut got = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        let mut b = [0u8; 64];
        let n = sock.read(&mut b).expect("a byte at a time");
        got.extend_from_slice(&b[..n]);
    }
    // A sleep never ends early, so the drip cannot outrun 1 byte per 10 ms: the ~50-byte
    // line cannot be complete yet, however slow this machine is.
    let most = start.elapsed().as_millis() as usize / 10 + 1;
    assert!(got.len() <= most, "{} bytes in {most} drips", got.len());
    assert!(got.len() >= 2 && got.starts_with(b"22"), "{got:?}");
    assert!(!got.contains(&b'\n'));
    drop(sock);
    assert!(relay.wait_idle(IDLE));
}

#[test]
fn hostile_huge_line() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .tls(TlsMode::Implicit)
            .hostile(Hostile::HugeLine),
    );
    let mut c = Client::implicit(relay.addr(), &ca, "localhost").expect("TLS first");
    let mut got = 0usize;
    let mut first = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while got <= 1024 * 1024 {
        let n = c.conn.read(&mut chunk).expect("more of the line");
        assert!(n > 0);
        assert!(!chunk[..n].contains(&b'\n'), "no line end");
        if first.len() < 8 {
            first.extend_from_slice(&chunk[..n.min(8)]);
        }
        got += n;
    }
    assert!(first.starts_with(b"220 xxxx"));
    drop(c);
    assert!(relay.wait_idle(IDLE));
}

#[test]
fn hostile_endless_continuation() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().hostile(Hostile::EndlessContinuation));
    let mut c = Client::plain(relay.addr());
    for _ in 0..2000 {
        let line = c.line().expect("another line");
        assert!(line.starts_with(b"220-smtp-relay.gmail.com ESMTP "));
    }
    drop(c);
    assert!(relay.wait_idle(IDLE));
}

#[test]
fn hostile_invalid_utf8() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().hostile(Hostile::InvalidUtf8));
    let mut c = Client::plain(relay.addr());
    let banner = c.reply().expect("banner");
    assert!(std::str::from_utf8(&banner.raw[0]).is_err());
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(std::str::from_utf8(&ehlo.raw[0]).is_err());
    assert!(ehlo.lines.iter().any(|l| l == "STARTTLS"));
    assert_eq!(c.cmd("QUIT").code, 221);
}

#[test]
fn hostile_no_starttls() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().hostile(Hostile::NoStartTls));
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(!ehlo.lines.iter().any(|l| l == "STARTTLS"));
    assert!(!ehlo.lines.iter().any(|l| l.starts_with("AUTH")));
    assert_eq!(c.cmd("STARTTLS").code, 502);
    assert_eq!(c.cmd("AUTH LOGIN").code, 530);
}

#[test]
fn hostile_auth_only_before_tls() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .hostile(Hostile::AuthOnlyBeforeTls)
            .account(USER, PASSWORD),
    );
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(ehlo.lines.contains(&google::AUTH_CAPABILITY.to_owned()));
    assert!(ehlo.lines.iter().any(|l| l == "STARTTLS"));
    c.starttls(&ca, "localhost").expect("TLS");
    let ehlo = c.cmd("EHLO mail.example.com");
    assert!(
        !ehlo.lines.iter().any(|l| l.starts_with("AUTH")),
        "{ehlo:?}"
    );
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {}", plain_auth(USER, PASSWORD)))
            .code,
        502
    );
    // Before TLS it is accepted, and the password is on the wire.
    let mut c = Client::plain(relay.addr());
    c.reply().expect("banner");
    c.cmd("EHLO mail.example.com");
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {}", plain_auth(USER, PASSWORD)))
            .code,
        235
    );
    assert!(contains_secret(&relay.received_raw(), PASSWORD.as_bytes()));
}

#[test]
fn hostile_drop_mid_auth() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .hostile(Hostile::DropMidAuth)
            .account(USER, PASSWORD),
    );
    let mut c = up_to_tls(&relay, &ca);
    c.send(b"AUTH LOGIN\r\n");
    assert!(matches!(c.reply(), Err(Fail::Eof)));
    assert!(relay.wait_idle(IDLE));
    assert!(relay.transcript_text().contains("closing mid-AUTH"));
}

#[test]
fn hostile_close_after_banner() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().hostile(Hostile::CloseAfterBanner));
    let mut c = Client::plain(relay.addr());
    assert_eq!(c.reply().expect("banner").code, 220);
    assert!(matches!(c.reply(), Err(Fail::Eof)));
}

#[test]
fn hostile_garbage_reply() {
    let ca = TestCa::new();
    let relay = TestRelay::start(&ca, Script::google().hostile(Hostile::GarbageReply));
    let mut c = Client::plain(relay.addr());
    assert!(matches!(c.reply(), Err(Fail::Garbage(l)) if l == b"hello"));
    c.send(b"EHLO mail.example.com\r\n");
    assert!(matches!(c.reply(), Err(Fail::Garbage(l)) if l == b"hello"));
}

#[test]
fn every_mode_ends_when_the_client_leaves() {
    let ca = TestCa::new();
    std::thread::scope(|s| {
        for mode in Hostile::ALL {
            let ca = &ca;
            s.spawn(move || {
                let relay = TestRelay::start(ca, Script::google().hostile(mode));
                let mut c = Client::plain(relay.addr());
                c.timeout(Duration::from_millis(100));
                let _ = c.reply();
                c.send(b"EHLO mail.example.com\r\n");
                let _ = c.reply();
                drop(c);
                assert!(
                    relay.wait_idle(IDLE),
                    "{mode:?}:\n{}",
                    relay.transcript_text()
                );
            });
        }
    });
}

#[test]
fn a_stuck_client_is_cut_at_max_session() {
    let ca = TestCa::new();
    let relay = TestRelay::start(
        &ca,
        Script::google()
            .hostile(Hostile::Silent)
            .max_session(Duration::from_millis(200)),
    );
    let mut c = Client::plain(relay.addr());
    let t = Instant::now();
    assert!(matches!(c.reply(), Err(Fail::Eof)));
    assert!(t.elapsed() >= Duration::from_millis(200));
    // The socket closes as the session is dropped, a moment before its last note.
    assert!(relay.wait_idle(IDLE));
    assert!(relay.transcript_text().contains("session limit"));
}

#[test]
fn many_clients_at_once_and_drop_stops_everything() {
    let ca = TestCa::new();
    // Banners a minute late: 20 sessions can all be open at once only if the relay serves
    // them concurrently (one after the other, the second would wait a minute). Counting open
    // sessions, not timing them, keeps the test independent of the machine's speed.
    let relay = TestRelay::start(&ca, Script::google().delay(Duration::from_secs(60)));
    let addr = relay.addr();
    let clients: Vec<Client> = (0..20).map(|_| Client::plain(addr)).collect();
    let waited = Instant::now();
    while relay.open_connections() < 20 && waited.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(relay.connections(), 20);
    assert_eq!(relay.open_connections(), 20);
    drop(relay);
    for mut c in clients {
        assert!(matches!(c.reply(), Err(Fail::Eof)), "closed by the drop");
    }
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn dual_stack_shares_one_port() {
    let ca = TestCa::new();
    let relay = TestRelay::start_dual(&ca, Script::google());
    for addr in relay.addrs() {
        assert_eq!(addr.port(), relay.port());
        let mut c = Client::plain(*addr);
        c.reply().expect("banner");
        let ehlo = c.cmd("EHLO mail.example.com");
        assert!(
            ehlo.lines[0].ends_with(&format!("[{}]", addr.ip())),
            "{ehlo:?}"
        );
    }
}

#[test]
fn base64_and_secret_search() {
    for (plain, coded) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
    ] {
        assert_eq!(b64::encode(plain.as_bytes()), coded);
        assert_eq!(
            b64::decode(coded.as_bytes()).as_deref(),
            Some(plain.as_bytes())
        );
    }
    assert_eq!(b64::decode(b"Zm9v!"), None);
    assert_eq!(b64::decode(b"Z=m9"), None);
    let secret = PASSWORD.as_bytes();
    for prefix in ["", "\0u\0", "\0us\0", "\0use\0"] {
        let mut payload = prefix.as_bytes().to_vec();
        payload.extend_from_slice(secret);
        let wire = format!("AUTH PLAIN {}\r\n", b64::encode(&payload));
        assert!(contains_secret(wire.as_bytes(), secret), "{prefix:?}");
    }
    assert!(contains_secret(format!("x{PASSWORD}y").as_bytes(), secret));
    assert!(!contains_secret(b"AUTH PLAIN AHUAcGFzcw==", secret));
}

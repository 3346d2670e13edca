//! A small SMTP dialogue for scenarios where one step is hostile and the rest behaves:
//! banner, EHLO, STARTTLS, EHLO inside TLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT. Each
//! hostile step is one variant below; everything is written byte for byte here (nothing
//! from tests/relay).

use std::io;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::ca::CertKind;
use super::server::Conn;

/// The two lines the STARTTLS injection writes in one segment (RFC 3207 §6; CVE-2011-0411).
pub const INJECTED: &[u8] = b"220 ready\r\n250 2.0.0 OK queued as FORGED-BY-MITM\r\n";

/// A TLS alert record: fatal (2), protocol_version (70), as a TLS 1.0-only server sends it.
pub const ALERT_PROTOCOL_VERSION: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

/// What the server does with STARTTLS.
#[derive(Clone, Copy)]
pub enum Starttls {
    /// 220, then a TLS handshake presenting this certificate.
    Ready(CertKind),
    /// This reply (e.g. `454 4.7.0 TLS not available`).
    Refuse(&'static str),
    /// `INJECTED` in one write, then a real TLS handshake.
    Inject,
    /// 220, read the start of the ClientHello, then a TCP reset.
    Reset,
    /// 220, then a `protocol_version` alert to the ClientHello (a TLS 1.0-only server).
    Tls10Only,
}

/// What the server does with AUTH (inside TLS).
#[derive(Clone, Copy)]
pub enum Auth {
    /// The exchange completes with 235.
    Accept,
    /// This reply to the AUTH command itself (e.g. `250 2.7.0 OK`).
    Reply(&'static str),
    /// `334` to the AUTH command and to every line after it; the line the client sends
    /// after the first 334 is noted as `after-334: LINE`.
    Forever334,
    /// 535 quoting what it received: the base64 and the decoded user and password.
    Echo,
    /// LOGIN: a third `334` after the password; the line the client sends next is noted
    /// as `after-bad-334: LINE`.
    Bad334AfterPassword,
}

/// What the server does with DATA.
#[derive(Clone, Copy)]
pub enum Data {
    /// 354, the message up to the dot, 250 with a queue id.
    Normal,
    /// 250 to DATA (instead of 354) and to every line after it.
    Early250,
}

/// The dialogue of one scenario.
#[derive(Clone, Copy)]
pub struct Dialogue {
    /// TLS on connect with this certificate (port mode `/tls`).
    pub implicit: Option<CertKind>,
    /// EHLO extensions before TLS.
    pub ehlo_plain: &'static [&'static str],
    /// EHLO extensions inside TLS.
    pub ehlo_tls: &'static [&'static str],
    pub starttls: Starttls,
    pub auth: Auth,
    pub data: Data,
}

impl Dialogue {
    /// A server that behaves: STARTTLS with a good certificate, AUTH inside TLS only.
    pub fn good() -> Dialogue {
        Dialogue {
            implicit: None,
            ehlo_plain: &[
                "SIZE 35882577",
                "8BITMIME",
                "STARTTLS",
                "ENHANCEDSTATUSCODES",
            ],
            ehlo_tls: &[
                "SIZE 35882577",
                "8BITMIME",
                "AUTH LOGIN PLAIN",
                "ENHANCEDSTATUSCODES",
            ],
            starttls: Starttls::Ready(CertKind::Good),
            auth: Auth::Accept,
            data: Data::Normal,
        }
    }

    pub fn run(&self, c: &mut Conn) -> io::Result<()> {
        if let Some(kind) = self.implicit {
            c.start_tls(kind)?;
        }
        c.reply("220 hostile.test ESMTP kit")?;
        let mut after_data = false;
        while let Some(line) = c.line()? {
            let upper = line.to_ascii_uppercase();
            let verb = upper.split(' ').next().unwrap_or("");
            if after_data && verb != "QUIT" {
                c.reply("250 2.0.0 OK")?;
                continue;
            }
            match verb {
                "EHLO" | "HELO" => {
                    let caps = if c.in_tls() || self.implicit.is_some() {
                        self.ehlo_tls
                    } else {
                        self.ehlo_plain
                    };
                    let mut text = String::from("250-hostile.test at your service, [127.0.0.1]");
                    for cap in caps {
                        text.push_str("\n250-");
                        text.push_str(cap);
                    }
                    text.push_str("\n250 SMTPUTF8");
                    c.reply(&text)?;
                }
                "STARTTLS" if !c.in_tls() => match self.starttls {
                    Starttls::Ready(kind) => {
                        c.reply("220 2.0.0 Ready to start TLS")?;
                        c.start_tls(kind)?;
                    }
                    Starttls::Refuse(text) => c.reply(text)?,
                    Starttls::Inject => {
                        c.send(INJECTED)?;
                        c.start_tls(CertKind::Good)?;
                    }
                    Starttls::Reset => {
                        c.reply("220 2.0.0 Ready to start TLS")?;
                        c.raw(5)?;
                        c.reset();
                        return Ok(());
                    }
                    Starttls::Tls10Only => {
                        c.reply("220 2.0.0 Ready to start TLS")?;
                        c.raw(5)?;
                        c.send(&ALERT_PROTOCOL_VERSION)?;
                        c.drain();
                        return Ok(());
                    }
                },
                "AUTH" => self.auth(c, &line)?,
                "MAIL" | "RCPT" | "RSET" | "NOOP" => c.reply("250 2.1.0 OK")?,
                "DATA" => match self.data {
                    Data::Normal => {
                        c.reply("354 Go ahead")?;
                        while let Some(l) = c.line()? {
                            if l == "." {
                                break;
                            }
                        }
                        c.reply("250 2.0.0 OK queued as REAL-QUEUE-ID")?;
                    }
                    Data::Early250 => {
                        after_data = true;
                        c.reply("250 2.0.0 OK")?;
                    }
                },
                "QUIT" => {
                    c.reply("221 2.0.0 closing connection")?;
                    return Ok(());
                }
                _ => c.reply("502 5.5.1 Unrecognized command")?,
            }
        }
        Ok(())
    }

    fn auth(&self, c: &mut Conn, line: &str) -> io::Result<()> {
        let words: Vec<&str> = line.split(' ').collect();
        let mech = words
            .get(1)
            .map(|m| m.to_ascii_uppercase())
            .unwrap_or_default();
        let initial = words.get(2).map(|s| s.to_string());
        match self.auth {
            Auth::Reply(text) => c.reply(text),
            Auth::Forever334 => {
                c.reply("334 ")?;
                let mut first = true;
                while let Some(line) = c.line()? {
                    if first {
                        c.note(format!("after-334: {line}"));
                        first = false;
                    }
                    c.reply("334 ")?;
                }
                Ok(())
            }
            Auth::Accept | Auth::Echo | Auth::Bad334AfterPassword => {
                let (user64, pass64) = if mech == "LOGIN" {
                    let user = match initial {
                        Some(u) => u,
                        None => {
                            c.reply("334 VXNlcm5hbWU6")?;
                            c.line()?.unwrap_or_default()
                        }
                    };
                    c.reply("334 UGFzc3dvcmQ6")?;
                    (user, c.line()?.unwrap_or_default())
                } else {
                    let resp = match initial {
                        Some(r) => r,
                        None => {
                            c.reply("334 ")?;
                            c.line()?.unwrap_or_default()
                        }
                    };
                    (resp.clone(), resp)
                };
                match self.auth {
                    Auth::Accept => c.reply("235 2.7.0 Accepted"),
                    Auth::Echo => {
                        let user = decode(&user64);
                        let pass = if mech == "LOGIN" {
                            decode(&pass64)
                        } else {
                            // PLAIN: authzid \0 authcid \0 password.
                            user.rsplit('\0').next().unwrap_or_default().to_owned()
                        };
                        let user = user.replace('\0', "<NUL>");
                        c.reply(&format!(
                            "535-5.7.8 You sent {mech} {user64} {pass64}\n\
                             535-5.7.8 which reads user {user} password {pass}\n\
                             535 5.7.8 Username and Password not accepted ({pass})"
                        ))
                    }
                    _ => {
                        c.reply("334 UGFzc3dvcmQ6")?;
                        let next = c.line()?.unwrap_or_else(|| "<closed>".into());
                        c.note(format!("after-bad-334: {next}"));
                        if next == "*" {
                            c.reply("501 5.7.0 Authentication cancelled")
                        } else {
                            c.reply("535 5.7.8 Username and Password not accepted")
                        }
                    }
                }
            }
        }
    }
}

fn decode(b64: &str) -> String {
    STANDARD
        .decode(b64.trim())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|_| format!("<not base64: {b64}>"))
}

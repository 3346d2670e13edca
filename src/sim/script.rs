//! What the test relay says: `Script`, a builder whose default plays Google's relay as
//! Google's help pages and public threads record it (docs/sources.md), the hostile modes, and the reply texts in `google`.
//! Pure data: the session (session.rs) reads it, nothing here does I/O.

use std::time::Duration;

use super::ca::CertKind;

/// Google's reply texts, as its help pages and public threads show them. Placeholders the relay fills
/// in: `{id}` (the session id), `{ip}` (the client's address as the relay sees it),
/// `{helo}` (the EHLO/HELO argument), `{domains}` (HELO name and MAIL FROM domain),
/// `{verb}` (EHLO or HELO), `{epoch}` (Unix seconds). Multi-line replies separate their
/// lines with `\n`; the relay sends CRLF.
pub mod google {
    /// Google help 6140680 "Observed response shapes": banner.
    pub const BANNER: &str = "220 smtp-relay.gmail.com ESMTP {id} - gsmtp";
    /// Google help 6140680: EHLO first line (without the `250-`).
    pub const EHLO_GREETING: &str = "smtp-relay.gmail.com at your service, [{ip}]";
    /// Google help 6140680: HELO reply.
    pub const HELO_REPLY: &str = "250 smtp-relay.gmail.com at your service";
    /// Google help 6140680: the capability list before STARTTLS. Seen on Google's MX front end (same gsmtp
    /// stack); no verbatim relay capture exists.
    pub const CAPS_BEFORE_TLS: [&str; 7] = [
        "SIZE 157286400",
        "8BITMIME",
        "STARTTLS",
        "ENHANCEDSTATUSCODES",
        "PIPELINING",
        "CHUNKING",
        "SMTPUTF8",
    ];
    /// Google help 2956491: the AUTH line the relay advertises after STARTTLS.
    pub const AUTH_CAPABILITY: &str =
        "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH";
    /// After TLS: the list before TLS without STARTTLS, with AUTH (Google help 2956491). Where AUTH sits in
    /// the list is a guess shaped like smtp.gmail.com's list (Google help 2956491, kisli/vmime#110).
    pub const CAPS_AFTER_TLS: [&str; 7] = [
        "SIZE 157286400",
        "8BITMIME",
        AUTH_CAPABILITY,
        "ENHANCEDSTATUSCODES",
        "PIPELINING",
        "CHUNKING",
        "SMTPUTF8",
    ];
    /// Google help 6140680: the relay's answer to `EHLO localhost`, container ids and missing names; the
    /// connection closes after it. (`(HELO)` after HELO is our guess.)
    pub const HELO_REFUSED: &str =
        "421 4.7.0 Try again later, closing connection. ({verb}) {id} - gsmtp";
    /// Google help 3726730 (Gmail's list): an EHLO/HELO without argument.
    pub const HELO_EMPTY: &str = "501 5.5.4 Empty HELO/EHLO argument not allowed {id} - gsmtp";
    /// The go-ahead for STARTTLS. Not in Google's pages; RFC 3207 Google help 6140680 only fixes the code 220.
    pub const STARTTLS_READY: &str = "220 2.0.0 Ready to start TLS";
    /// A refusal to start TLS (RFC 3207 Google help 6140680: 454 is the temporary failure).
    pub const TLS_NOT_AVAILABLE: &str = "454 4.7.0 TLS not available due to local problem";
    /// Google help 3726730: STARTTLS inside TLS.
    pub const STARTTLS_REPEATED: &str = "454 5.5.1 STARTTLS may not be repeated {id} - gsmtp";
    /// Google help 3726730: commands pipelined after STARTTLS (the relay closes after it).
    pub const PIPELINED_AFTER_STARTTLS: &str =
        "525 5.7.10 SMTP protocol violation, no commands allowed to pipeline after STARTTLS {id} - gsmtp";
    /// Google help 6140680: AUTH or MAIL in plaintext where TLS is required. All Google replies end in
    /// `<id> - gsmtp` (Google help 6140680), so the id follows the documented text.
    pub const MUST_STARTTLS: &str = "530 5.7.0 Must issue a STARTTLS command first. {id} - gsmtp";
    /// Google help 3726730: a command that needs EHLO first.
    pub const EHLO_FIRST: &str = "503 5.5.1 EHLO/HELO first. {id} - gsmtp";
    /// Google help 2956491: AUTH accepted.
    pub const AUTH_OK: &str = "235 2.7.0 Accepted";
    /// Google help 6140680: wrong user or password (seen on smtp.gmail.com; same text family).
    pub const AUTH_BAD: &str = "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials {id} - gsmtp";
    /// Google help 6140680: envelope sender accepted.
    pub const MAIL_OK: &str = "250 2.1.0 OK {id} - gsmtp";
    /// Google help 6140680: recipient accepted.
    pub const RCPT_OK: &str = "250 2.1.5 OK {id} - gsmtp";
    /// Google help 6140680: DATA go-ahead (two spaces before "Go").
    pub const DATA_GO: &str = "354  Go ahead {id} - gsmtp";
    /// Google help 6140680: message accepted (two spaces before the epoch).
    pub const DATA_OK: &str = "250 2.0.0 OK  {epoch} {id} - gsmtp";
    /// Google help 6140680: QUIT.
    pub const QUIT: &str = "221 2.0.0 closing connection {id} - gsmtp";
    /// Google help 6140680 (#maildenied): the source IP is not registered and there is no AUTH. Split over
    /// lines the way Google help 6140680 shows Google does: mid-sentence, the enhanced code on every line.
    pub const RELAY_DENIED: &str =
        "550-5.7.0 Mail relay denied [{ip}]. Invalid credentials for relay for\n\
        550-5.7.0 one of the domains in: {domains} (as obtained from HELO and\n\
        550-5.7.0 MAIL FROM). Email is being sent from a domain or IP address which\n\
        550-5.7.0 isn't registered in your Workspace account. Please login to your\n\
        550-5.7.0 Workspace account and verify that your sending device IP address\n\
        550-5.7.0 has been registered within the Workspace SMTP Relay Settings. For\n\
        550-5.7.0 more information, go to\n\
        550 5.7.0  https://support.google.com/a/answer/6140680#maildenied {id} - gsmtp";
    /// Google help 6140680 (#invalidcred): the IP is registered, but not for the sender's domain.
    pub const INVALID_CREDENTIALS: &str =
        "550-5.7.1 Invalid credentials for relay [{ip}]. The IP address you've\n\
        550-5.7.1 registered in your Workspace SMTP Relay service doesn't match the\n\
        550-5.7.1 domain of the account this email is being sent from. If you are\n\
        550-5.7.1 trying to relay mail from a domain that isn't registered under your\n\
        550-5.7.1 Workspace account or has empty envelope-from:, you must configure\n\
        550-5.7.1 your mail server either to use SMTP AUTH to identify the sending\n\
        550-5.7.1 domain or to present one of your domain names in the HELO or EHLO\n\
        550-5.7.1 command. For more information, go to\n\
        550 5.7.1  https://support.google.com/a/answer/6140680#invalidcred {id} - gsmtp";
    /// Google help 6140680: the customer's daily limit (observed in a tcpdump, wazuh/wazuh#15825).
    pub const DAILY_LIMIT_CUSTOMER: &str =
        "550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\n\
        550-5.7.1 SMTP relay sending limits please contact your administrator or visit\n\
        550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit {id} - gsmtp";
    /// Google help 6140680 #userlimit: the envelope sender's daily limit (10,000 messages or
    /// unique recipients). Shaped like the customer's reply (wazuh/wazuh#15825) with the
    /// code 550 5.4.5 and the anchor the help page gives.
    pub const DAILY_LIMIT_USER: &str =
        "550-5.4.5 Daily SMTP relay limit exceeded for user. For more information on\n\
        550-5.4.5 SMTP relay sending limits please contact your administrator or visit\n\
        550 5.4.5  https://support.google.com/a/answer/6140680#userlimit {id} - gsmtp";
    /// Google help 6140680 #maildenied: "Allowed senders" is "Only registered Apps users"
    /// and the envelope sender is not one.
    pub const MAIL_SENDING_DENIED: &str = "550 5.7.0 Mail Sending denied. This error occurs if the sender account is disabled or not registered within your Google Workspace domain. {id} - gsmtp";
    /// The relay is at `--max-connections` (Google help 2956491: connection limits as
    /// denial-of-service protection); the text is the one the relay uses for 421 at HELO,
    /// without the `(EHLO)` marker.
    pub const TOO_MANY_CONNECTIONS: &str =
        "421 4.7.0 Try again later, closing connection. {id} - gsmtp";
    /// A client that went quiet past the step timeout (RFC 5321 Google help 6140680.5.3.2); not in
    /// Google's pages.
    pub const TIMEOUT: &str = "421 4.4.2 Timeout exceeded, closing connection. {id} - gsmtp";
    /// Google help 6140680: the customer's 10-minute limit.
    pub const PEAK_LIMIT_CUSTOMER: &str = "450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error. For more information on SMTP relay limits, please contact your administrator or visit https://support.google.com/a/answer/6140680 {id} - gsmtp";
    /// Google help 6140680: the 101st RCPT of a transaction. Unverified for the relay (Gmail's list).
    pub const TOO_MANY_RECIPIENTS: &str =
        "452 4.5.3 Your message has too many recipients {id} - gsmtp";
    /// An unknown command. Not in Google's pages; shaped like the replies above.
    pub const UNRECOGNIZED: &str = "502 5.5.1 Unrecognized command. {id} - gsmtp";
}

/// How TLS starts on the relay's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS at all: STARTTLS is neither offered nor accepted.
    None,
    /// Plaintext first, then STARTTLS (RFC 3207): Google's ports 25 and 587.
    StartTls,
    /// TLS from the first byte (RFC 8314): Google's port 465.
    Implicit,
}

/// Which HELO/EHLO names get `421 4.7.0 ... (EHLO)` and a closed connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeloPolicy {
    /// Google help 6140680: `localhost` and names without a dot (container ids, bare host
    /// names). Address literals in brackets pass. (Google help 6140680 also records `HELO test` passing
    /// from a registered IP: `AcceptAll` plays that.)
    GoogleLike,
    /// Every name passes.
    AcceptAll,
    /// These names (case-insensitive) are refused, every other passes.
    Refuse(Vec<String>),
}

impl HeloPolicy {
    /// Whether the relay refuses `name`.
    pub fn refuses(&self, name: &str) -> bool {
        match self {
            HeloPolicy::GoogleLike => {
                !name.starts_with('[')
                    && (name.eq_ignore_ascii_case("localhost") || !name.contains('.'))
            }
            HeloPolicy::AcceptAll => false,
            HeloPolicy::Refuse(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

/// A server that misbehaves. The byte-level modes (Silent to GarbageReply) replace the
/// dialogue from the first byte; the others bend one step of it. Every mode ends when the
/// client disconnects, or at the script's `max_session`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// Accepts the connection and never sends a byte (not even a TLS handshake on an
    /// implicit-TLS port).
    Silent,
    /// Sends an endless `220-` banner one byte every `drip_every`: bytes keep arriving,
    /// the reply never completes.
    SlowDrip,
    /// Sends `220 ` and then `x` without end: a banner line of over 1 MiB with no CRLF.
    HugeLine,
    /// Sends `220-...` continuation lines without end, as fast as the client reads.
    EndlessContinuation,
    /// Puts invalid UTF-8 bytes into the banner and the EHLO greeting; the rest of the
    /// dialogue is normal.
    InvalidUtf8,
    /// EHLO never lists STARTTLS, and STARTTLS gets 502 (a server or middlebox that
    /// strips it).
    NoStartTls,
    /// AUTH is listed and accepted before STARTTLS, and neither listed nor accepted after.
    AuthOnlyBeforeTls,
    /// The connection closes, without a reply, as soon as the client's first AUTH line
    /// arrives.
    DropMidAuth,
    /// Sends the banner, then closes the connection.
    CloseAfterBanner,
    /// Answers `hello` (no code) to the connection and to every command.
    GarbageReply,
}

impl Hostile {
    /// Every mode, for tests that loop over them.
    pub const ALL: [Hostile; 10] = [
        Hostile::Silent,
        Hostile::SlowDrip,
        Hostile::HugeLine,
        Hostile::EndlessContinuation,
        Hostile::InvalidUtf8,
        Hostile::NoStartTls,
        Hostile::AuthOnlyBeforeTls,
        Hostile::DropMidAuth,
        Hostile::CloseAfterBanner,
        Hostile::GarbageReply,
    ];

    /// Whether the mode replaces the dialogue from the first byte.
    pub fn is_byte_level(self) -> bool {
        matches!(
            self,
            Hostile::Silent
                | Hostile::SlowDrip
                | Hostile::HugeLine
                | Hostile::EndlessContinuation
                | Hostile::CloseAfterBanner
        )
    }
}

/// What the relay says and how. `Script::default()` (also `Script::google()`) plays
/// Google's relay on a STARTTLS port with a good certificate, no delay and no accounts.
#[derive(Debug, Clone)]
pub struct Script {
    pub(super) tls: TlsMode,
    pub(super) cert: CertKind,
    pub(super) delay: Duration,
    pub(super) banner: String,
    pub(super) ehlo_greeting: String,
    pub(super) caps_before_tls: Vec<String>,
    pub(super) caps_after_tls: Vec<String>,
    pub(super) starttls_reply: Option<String>,
    pub(super) helo_policy: HeloPolicy,
    pub(super) accounts: Vec<(String, String)>,
    pub(super) auth_before_tls: bool,
    pub(super) require_tls: bool,
    pub(super) mail_reply: String,
    pub(super) rcpt_reply: String,
    pub(super) data_reply: String,
    pub(super) hostile: Option<Hostile>,
    pub(super) drip_every: Duration,
    pub(super) max_session: Duration,
    pub(super) max_message_bytes: usize,
    pub(super) hostname: Option<String>,
    pub(super) client_ip: Option<std::net::IpAddr>,
    pub(super) refusals: Vec<(Stage, String)>,
    pub(super) step_timeout: Option<Duration>,
}

/// A step of the dialogue where `--fault refuse=STAGE:REPLY` answers with its own reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Instead of the banner; the connection closes after it.
    Connect,
    /// EHLO or HELO.
    Helo,
    /// STARTTLS.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA (or the first BDAT).
    Data,
}

impl Stage {
    /// The stage named `name` (`connect`, `helo`/`ehlo`, `starttls`, `auth`, `mail`,
    /// `rcpt`, `data`), case-insensitive.
    pub fn parse(name: &str) -> Option<Stage> {
        Some(match name.to_ascii_lowercase().as_str() {
            "connect" | "banner" => Stage::Connect,
            "helo" | "ehlo" => Stage::Helo,
            "starttls" => Stage::StartTls,
            "auth" => Stage::Auth,
            "mail" => Stage::Mail,
            "rcpt" => Stage::Rcpt,
            "data" | "bdat" => Stage::Data,
            _ => return None,
        })
    }
}

impl Default for Script {
    fn default() -> Script {
        Script {
            tls: TlsMode::StartTls,
            cert: CertKind::Good,
            delay: Duration::ZERO,
            banner: google::BANNER.to_owned(),
            ehlo_greeting: google::EHLO_GREETING.to_owned(),
            caps_before_tls: google::CAPS_BEFORE_TLS.map(String::from).to_vec(),
            caps_after_tls: google::CAPS_AFTER_TLS.map(String::from).to_vec(),
            starttls_reply: None,
            helo_policy: HeloPolicy::GoogleLike,
            accounts: Vec::new(),
            auth_before_tls: false,
            require_tls: false,
            mail_reply: google::MAIL_OK.to_owned(),
            rcpt_reply: google::RCPT_OK.to_owned(),
            data_reply: google::DATA_OK.to_owned(),
            hostile: None,
            drip_every: Duration::from_millis(100),
            max_session: Duration::from_secs(60),
            max_message_bytes: 10 * 1024 * 1024,
            hostname: None,
            client_ip: None,
            refusals: Vec::new(),
            step_timeout: None,
        }
    }
}

impl Script {
    /// Google's relay: the same as `Script::default()`.
    pub fn google() -> Script {
        Script::default()
    }

    /// How TLS starts (default `TlsMode::StartTls`).
    pub fn tls(mut self, tls: TlsMode) -> Script {
        self.tls = tls;
        self
    }

    /// Which certificate the relay presents (default `CertKind::Good`).
    pub fn cert(mut self, cert: CertKind) -> Script {
        self.cert = cert;
        self
    }

    /// Latency: each reply (the banner too) leaves `delay` after the command that caused
    /// it arrived (after the connection, for the banner). Replies to pipelined commands
    /// leave together, as over a real link; TLS handshakes are not delayed.
    pub fn delay(mut self, delay: Duration) -> Script {
        self.delay = delay;
        self
    }

    /// The banner, a whole reply (default `google::BANNER`).
    pub fn banner(mut self, text: impl Into<String>) -> Script {
        self.banner = text.into();
        self
    }

    /// The first EHLO line without `250-` (default `google::EHLO_GREETING`).
    pub fn ehlo_greeting(mut self, text: impl Into<String>) -> Script {
        self.ehlo_greeting = text.into();
        self
    }

    /// The EHLO keywords before TLS (default `google::CAPS_BEFORE_TLS`).
    pub fn caps_before_tls(mut self, caps: &[&str]) -> Script {
        self.caps_before_tls = caps.iter().map(|c| c.to_string()).collect();
        self
    }

    /// The EHLO keywords after TLS (default `google::CAPS_AFTER_TLS`).
    pub fn caps_after_tls(mut self, caps: &[&str]) -> Script {
        self.caps_after_tls = caps.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Answer STARTTLS with this reply and stay in plaintext (e.g.
    /// `google::TLS_NOT_AVAILABLE`).
    pub fn starttls_reply(mut self, text: impl Into<String>) -> Script {
        self.starttls_reply = Some(text.into());
        self
    }

    /// Which HELO names get 421 (default `HeloPolicy::GoogleLike`).
    pub fn helo_policy(mut self, policy: HeloPolicy) -> Script {
        self.helo_policy = policy;
        self
    }

    /// Adds an account AUTH accepts: `password` is the password for PLAIN and LOGIN and
    /// the access token for XOAUTH2.
    pub fn account(mut self, user: impl Into<String>, password: impl Into<String>) -> Script {
        self.accounts.push((user.into(), password.into()));
        self
    }

    /// Also list and accept AUTH before STARTTLS (Google does not: Google help 2956491).
    pub fn auth_before_tls(mut self, yes: bool) -> Script {
        self.auth_before_tls = yes;
        self
    }

    /// "Require TLS encryption" in the console: MAIL before TLS gets
    /// `google::MUST_STARTTLS`.
    pub fn require_tls(mut self, yes: bool) -> Script {
        self.require_tls = yes;
        self
    }

    /// The reply to MAIL FROM (default `google::MAIL_OK`); a non-2xx reply opens no
    /// transaction.
    pub fn mail_reply(mut self, text: impl Into<String>) -> Script {
        self.mail_reply = text.into();
        self
    }

    /// The reply to RCPT TO (default `google::RCPT_OK`), e.g. `google::RELAY_DENIED`.
    pub fn rcpt_reply(mut self, text: impl Into<String>) -> Script {
        self.rcpt_reply = text.into();
        self
    }

    /// The reply after the message's final dot (default `google::DATA_OK`).
    pub fn data_reply(mut self, text: impl Into<String>) -> Script {
        self.data_reply = text.into();
        self
    }

    /// Misbehave this way.
    pub fn hostile(mut self, mode: Hostile) -> Script {
        self.hostile = Some(mode);
        self
    }

    /// The pace of `Hostile::SlowDrip` (default 100 ms a byte).
    pub fn drip_every(mut self, every: Duration) -> Script {
        self.drip_every = every;
        self
    }

    /// The longest a connection may live, whatever the client does (default 60 s).
    pub fn max_session(mut self, limit: Duration) -> Script {
        self.max_session = limit;
        self
    }

    /// The name in the banner, the EHLO greeting and the HELO reply instead of
    /// smtp-relay.gmail.com.
    pub fn hostname(mut self, name: impl Into<String>) -> Script {
        self.hostname = Some(name.into());
        self
    }

    /// Treat every client as coming from `ip` (replies and the IP-range policy).
    pub fn client_ip(mut self, ip: std::net::IpAddr) -> Script {
        self.client_ip = Some(ip);
        self
    }

    /// Answer `stage` with `reply` (a whole reply, `{id}` filled in) instead of the
    /// normal one; a 421 closes the connection, as after the banner.
    pub fn refuse(mut self, stage: Stage, reply: impl Into<String>) -> Script {
        self.refusals.push((stage, reply.into()));
        self
    }

    /// The longest wait for each client line (none by default: `max_session` bounds it).
    /// When it passes the relay says 421 and closes.
    pub fn step_timeout(mut self, limit: Duration) -> Script {
        self.step_timeout = Some(limit);
        self
    }

    /// The most message bytes kept per message (default 10 MiB); a longer message gets
    /// `552 5.3.4` and is not stored.
    pub fn max_message_bytes(mut self, limit: usize) -> Script {
        self.max_message_bytes = limit;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::google;

    /// Every refusal sim sends is one `relayctl explain` knows by its text, with the same
    /// code and enhanced code as the catalogue entry documents.
    #[test]
    fn explain_recognises_every_refusal_sim_sends() {
        let fill = |t: &str| {
            t.replace("{id}", "r1sm2tst.1")
                .replace("{ip}", "203.0.113.9")
                .replace("{domains}", "mail.example.com, example.com")
                .replace("{verb}", "EHLO")
        };
        for (text, id) in [
            (google::RELAY_DENIED, "relay-denied-ip"),
            (google::INVALID_CREDENTIALS, "invalid-credentials-for-relay"),
            (google::MAIL_SENDING_DENIED, "mail-sending-denied"),
            (google::DAILY_LIMIT_USER, "daily-limit-user"),
            (google::DAILY_LIMIT_CUSTOMER, "daily-limit-customer"),
            (google::PEAK_LIMIT_CUSTOMER, "peak-limit-customer"),
            (google::TOO_MANY_RECIPIENTS, "too-many-recipients"),
            (google::HELO_REFUSED, "helo-rejected"),
            (google::HELO_EMPTY, "helo-argument-empty"),
            (google::MUST_STARTTLS, "starttls-required"),
            (google::STARTTLS_REPEATED, "starttls-repeated"),
            (
                google::PIPELINED_AFTER_STARTTLS,
                "pipelining-after-starttls",
            ),
            (google::EHLO_FIRST, "helo-first"),
            (google::AUTH_BAD, "bad-credentials"),
            (google::TOO_MANY_CONNECTIONS, "try-again-later"),
        ] {
            let reply = fill(text);
            let e = crate::explain::explain(&reply);
            assert_eq!(e.id, id, "{reply}");
            let entry = crate::explain::CATALOG.iter().find(|c| c.id == id).unwrap();
            let code = reply[..3].parse::<u16>().unwrap();
            assert!(
                entry.code.contains(&code.to_string()),
                "{id}: {code} vs {}",
                entry.code
            );
            if let Some(enh) = &e.enhanced {
                assert!(
                    entry.code.contains(enh.as_str()),
                    "{id}: {enh} vs {}",
                    entry.code
                );
            }
        }
    }
}

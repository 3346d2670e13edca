//! msmtp reader: an msmtprc (`~/.msmtprc`, `/etc/msmtprc`) -> [`ObservedPlan`] for the
//! account msmtp uses when run without `-a`, with file:line:column spans. Pure and bounded:
//! one pass over the lines, long lines and binary bytes become [`SyntaxProblem`](super::SyntaxProblem)s, never a
//! panic. Secrets (`password`, `passwordeval`) are noticed, never stored.

use std::collections::HashMap;

use super::toolkit::{column, lines, unquote, Problems};
use super::{
    Beside, CredentialEntry, Located, ObservedPlan, RelayTarget, SourceFile, Span, TlsMode,
};

/// Longer lines are reported and skipped: no msmtprc setting needs more.
const MAX_LINE_BYTES: usize = 64 * 1024;
/// At most this many accounts are kept (each is a handful of small strings).
const MAX_ACCOUNTS: usize = 10_000;

/// The commands msmtp(1) documents in "Configuration files" (msmtp 1.8); any other word
/// makes msmtp stop with an "unknown command" error.
const COMMANDS: &[&str] = &[
    "defaults",
    "account",
    "host",
    "port",
    "source_ip",
    "proxy_host",
    "proxy_port",
    "socket",
    "timeout",
    "protocol",
    "domain",
    "auth",
    "user",
    "password",
    "passwordeval",
    "ntlmdomain",
    "tls",
    "tls_trust_file",
    "tls_crl_file",
    "tls_fingerprint",
    "tls_key_file",
    "tls_cert_file",
    "tls_certcheck",
    "tls_starttls",
    "tls_priorities",
    "tls_host_override",
    "tls_min_dh_prime_bits",
    "from",
    "from_full_name",
    "allow_from_override",
    "set_from_header",
    "set_date_header",
    "set_msgid_header",
    "remove_bcc_headers",
    "undisclosed_recipients",
    "dsn_notify",
    "dsn_return",
    "logfile",
    "logfile_time_format",
    "syslog",
    "aliases",
    "auto_from",
    "maildomain",
    "add_missing_from_header",
    "add_missing_date_header",
    "keepbcc",
    "eval",
];

/// `auth` arguments besides on/off: msmtp(1), "auth".
const AUTH_METHODS: &[&str] = &[
    "plain",
    "scram-sha-1",
    "scram-sha-256",
    "oauthbearer",
    "xoauth2",
    "cram-md5",
    "gssapi",
    "external",
    "digest-md5",
    "login",
    "ntlm",
];

/// The settings of one account (or of `defaults`) that say how it talks to the relay.
#[derive(Debug, Clone, Default)]
struct Account {
    /// The account's name and where it was defined.
    name: String,
    defined: Option<Span>,
    host: Option<Located<String>>,
    port: Option<Located<u16>>,
    tls: Option<Located<bool>>,
    tls_starttls: Option<Located<bool>>,
    tls_certcheck: Option<Located<bool>>,
    auth: Option<Located<bool>>,
    user: Option<Located<String>>,
    domain: Option<Located<String>>,
}

impl Account {
    /// Copies every setting `other` has into `self` (msmtp's `account a : b` inheritance).
    fn inherit(&mut self, other: &Account) {
        fn take<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        take(&mut self.host, &other.host);
        take(&mut self.port, &other.port);
        take(&mut self.tls, &other.tls);
        take(&mut self.tls_starttls, &other.tls_starttls);
        take(&mut self.tls_certcheck, &other.tls_certcheck);
        take(&mut self.auth, &other.auth);
        take(&mut self.user, &other.user);
        take(&mut self.domain, &other.domain);
    }
}

/// A command line split into its command and argument, with the argument's byte offset.
struct Cmd<'a> {
    name: &'a str,
    arg: String,
    arg_at: usize,
}

/// Splits `line` the way msmtp does: the command, then whitespace, then the rest of the
/// line as the argument, optionally in double quotes with `\"` and `\\` escapes. There are
/// no comments after a value: `#` there is part of the argument (msmtp(1), "Configuration
/// files": only lines whose first non-blank character is `#` are comments).
fn split(line: &str) -> Result<Option<Cmd<'_>>, (usize, String)> {
    let body = line.trim_start_matches([' ', '\t']);
    let start = line.len() - body.len();
    if body.is_empty() || body.starts_with('#') {
        return Ok(None);
    }
    let name_len = body.find([' ', '\t']).unwrap_or(body.len());
    let name = &body[..name_len];
    let rest = &body[name_len..];
    let arg_text = rest.trim_start_matches([' ', '\t']);
    let arg_at = start + name_len + (rest.len() - arg_text.len());
    let arg_text = arg_text.trim_end_matches([' ', '\t']);
    let Some(quoted) = arg_text.strip_prefix('"') else {
        return Ok(Some(Cmd {
            name,
            arg: arg_text.to_owned(),
            arg_at,
        }));
    };
    match unquote(quoted, '"', MAX_LINE_BYTES) {
        (arg, Some(end)) if end == quoted.len() => Ok(Some(Cmd { name, arg, arg_at })),
        (_, Some(end)) => Err((
            arg_at + 1 + end,
            format!("`{name}`: text after the closing quote"),
        )),
        (_, None) => Err((arg_at, format!("`{name}`: unterminated quotes"))),
    }
}

/// `value` set at `span`.
fn located_at<T>(span: &Span, value: T) -> Option<Located<T>> {
    Some(Located::new(value, span.clone()))
}

/// An on/off argument; msmtp takes an empty argument as `on` (msmtp(1)).
fn on_off(arg: &str) -> Option<bool> {
    match arg {
        "" | "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

/// Reads `primary` (an msmtprc) the way msmtp does and returns the plan of the account it
/// uses without `-a`: the one named `default` (msmtp(1), `--account`: "default" is used
/// when none is given). With no such account, the first account is read and a problem
/// says that msmtp would stop. `--from` with `auto_from`/account selection by address is
/// not modelled.
pub fn read(primary: &SourceFile, beside: Beside<'_>) -> ObservedPlan {
    let _ = beside;
    let file = primary.name.as_str();
    let mut problems = Problems::new(file);
    let mut defaults = Account::default();
    // `None` while reading `defaults` (or before any account), else the account's index.
    let mut current: Option<usize> = None;
    let mut accounts: Vec<Account> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut before_first = true;

    for l in lines(&primary.text) {
        let (line_no, line) = (l.no, l.text);
        if line.len() > MAX_LINE_BYTES {
            problems.at(
                (line_no, 1),
                format!("line longer than {MAX_LINE_BYTES} bytes: not an msmtprc line; skipped"),
            );
            continue;
        }
        if let Some(at) = line.find(|c: char| c.is_control() && c != '\t') {
            problems.at(
                (line_no, column(line, at)),
                format!(
                    "control character U+{:04X}: not text; line skipped",
                    u32::from(line[at..].chars().next().unwrap_or('\0'))
                ),
            );
            continue;
        }
        let cmd = match split(line) {
            Ok(Some(cmd)) => cmd,
            Ok(None) => continue,
            Err((at, message)) => {
                problems.at((line_no, column(line, at)), message);
                continue;
            }
        };
        let cmd_col = column(
            line,
            line.len() - line.trim_start_matches([' ', '\t']).len(),
        );
        let span = Span::new(file, line_no, column(line, cmd.arg_at));
        if !COMMANDS.contains(&cmd.name) {
            problems.at(
                (line_no, cmd_col),
                format!("unknown command `{}`: msmtp stops here", cmd.name),
            );
            continue;
        }
        match cmd.name {
            "defaults" => {
                current = None;
                before_first = false;
                continue;
            }
            "account" => {
                before_first = false;
                let (name, parents) = match cmd.arg.split_once(':') {
                    Some((n, p)) => (n.trim(), Some(p)),
                    None => (cmd.arg.trim(), None),
                };
                if name.is_empty() {
                    problems.at((line_no, cmd_col), "`account` needs a name".to_owned());
                    current = None;
                    continue;
                }
                if by_name.contains_key(name) {
                    problems.at(
                        (line_no, span.column),
                        format!("account `{name}` is defined twice: msmtp stops here"),
                    );
                }
                if accounts.len() >= MAX_ACCOUNTS {
                    problems.at(
                        (line_no, cmd_col),
                        format!("more than {MAX_ACCOUNTS} accounts; the rest are not read"),
                    );
                    break;
                }
                let mut acc = defaults.clone();
                acc.name = name.to_owned();
                acc.defined = Some(Span::new(file, line_no, cmd_col));
                for parent in parents.into_iter().flat_map(|p| p.split(',')) {
                    let parent = parent.trim();
                    match by_name.get(parent) {
                        Some(&p) => acc.inherit(&accounts[p]),
                        None => problems.at(
                            (line_no, span.column),
                            format!("account `{parent}` is not (yet) defined: msmtp stops here"),
                        ),
                    }
                }
                by_name.entry(name.to_owned()).or_insert(accounts.len());
                accounts.push(acc);
                current = Some(accounts.len() - 1);
                continue;
            }
            _ => {}
        }
        if before_first {
            problems.at(
                (line_no, cmd_col),
                format!(
                    "`{}` before any `account` or `defaults` line: msmtp stops here",
                    cmd.name
                ),
            );
            before_first = false;
        }
        let acc = match current {
            Some(i) => &mut accounts[i],
            None => &mut defaults,
        };
        match cmd.name {
            "host" => acc.host = located_at(&span, cmd.arg.clone()),
            "port" => match cmd.arg.parse::<u16>() {
                Ok(p) if p > 0 => acc.port = Some(Located::new(p, span.clone())),
                _ => problems.at(
                    (line_no, span.column),
                    format!("`port {}`: not a port number (1-65535)", cmd.arg),
                ),
            },
            "tls" | "tls_starttls" | "tls_certcheck" => match on_off(&cmd.arg) {
                Some(b) if cmd.name == "tls" => acc.tls = located_at(&span, b),
                Some(b) if cmd.name == "tls_certcheck" => acc.tls_certcheck = located_at(&span, b),
                Some(b) => acc.tls_starttls = located_at(&span, b),
                None => problems.at(
                    (line_no, span.column),
                    format!("`{} {}`: expected on or off", cmd.name, cmd.arg),
                ),
            },
            "auth" => {
                let lower = cmd.arg.to_ascii_lowercase();
                match on_off(&lower) {
                    Some(b) => acc.auth = located_at(&span, b),
                    None if AUTH_METHODS.contains(&lower.as_str()) => {
                        acc.auth = located_at(&span, true)
                    }
                    None => problems.at(
                        (line_no, span.column),
                        format!(
                            "`auth {}`: expected on, off or a method (plain, login...)",
                            cmd.arg
                        ),
                    ),
                }
            }
            "user" => acc.user = located_at(&span, cmd.arg.clone()),
            "domain" => acc.domain = located_at(&span, cmd.arg.clone()),
            _ => {}
        }
        // msmtp has no comments after a value: the `#` becomes part of it.
        let has_hash = cmd.arg.contains(" #") || cmd.arg.contains("\t#");
        if has_hash && matches!(cmd.name, "host" | "user" | "domain" | "from") {
            problems.at(
                (line_no, span.column),
                format!(
                    "`{}`: msmtp has no comments after a value; `{}` is all of it",
                    cmd.name, cmd.arg
                ),
            );
        }
    }

    let mut plan = ObservedPlan {
        suppressions: super::suppressions(file, &primary.text),
        ..ObservedPlan::default()
    };
    let used = match by_name.get("default") {
        Some(&i) => accounts.get(i),
        None => {
            let first = accounts.first();
            if let Some(Span { line, column, .. }) = first.and_then(|a| a.defined.clone()) {
                problems.at(
                    (line, column),
                    format!(
                        "no account named `default`: msmtp without -a stops; reading account `{}` instead (add `account default : {}`)",
                        first.map_or("", |a| a.name.as_str()),
                        first.map_or("", |a| a.name.as_str())
                    ),
                );
            }
            first
        }
    };
    if let Some(acc) = used {
        fill(&mut plan, acc);
    }
    plan.syntax = problems.finish();
    plan
}

/// Turns the account msmtp uses into the plan.
fn fill(plan: &mut ObservedPlan, acc: &Account) {
    if let Some(host) = &acc.host {
        plan.relay = Some(Located::new(
            RelayTarget {
                host: host.value.clone(),
                // msmtp(1), "port": 25, or 465 with tls on and tls_starttls off, when unset.
                port: acc.port.as_ref().map(|p| p.value),
                // msmtp connects to the host it is given; it never looks up MX.
                no_mx: true,
                raw: host.value.clone(),
            },
            host.span.clone(),
        ));
    }
    // msmtp(1): tls defaults to off, tls_starttls to on. An account without a `tls` line
    // sends in clear; that is reported at the account line rather than left unknown.
    plan.tls = match (&acc.tls, &acc.tls_starttls) {
        (Some(t), _) if !t.value => Some(Located::new(TlsMode::Off, t.span.clone())),
        (Some(_), Some(s)) if !s.value => Some(Located::new(TlsMode::Implicit, s.span.clone())),
        (Some(t), _) => Some(Located::new(TlsMode::StartTls, t.span.clone())),
        (None, _) => acc
            .defined
            .clone()
            .map(|span| Located::new(TlsMode::Off, span)),
    };
    // msmtp(1), tls_certcheck: on by default (the trust file or the system's); `off` takes
    // any certificate.
    plan.tls_verified = acc.tls_certcheck.clone();
    plan.sasl = acc.auth.clone();
    if let (Some(user), Some(host)) = (&acc.user, &acc.host) {
        plan.credentials.push(Located::new(
            CredentialEntry {
                key: host.value.clone(),
                user: user.value.clone(),
            },
            user.span.clone(),
        ));
    }
    match &acc.domain {
        Some(d) => plan.helo = Some(d.clone()),
        // msmtp(1), domain: the EHLO argument defaults to localhost.
        None => plan.helo_default = Some("localhost (msmtp's default)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{render, Options, Target};
    use crate::mta::MAX_PROBLEMS;
    use std::time::{Duration, Instant};

    fn src(text: &str) -> SourceFile {
        SourceFile {
            name: "msmtprc".to_owned(),
            text: text.to_owned(),
        }
    }

    fn parse(text: &str) -> ObservedPlan {
        read(&src(text), &|_| None)
    }

    fn at(line: u32, column: u32) -> Span {
        Span::new("msmtprc", line, column)
    }

    #[test]
    fn certcheck_off_takes_any_certificate() {
        let p = parse("account a\nhost smtp-relay.gmail.com\nport 587\ntls on\ntls_certcheck off\nauth on\nuser u@example.org\naccount default : a\n");
        let v = p.tls_verified.expect("tls_certcheck read");
        assert_eq!((v.value, v.span.line), (false, 5));
        let on = parse(
            "account a\nhost smtp-relay.gmail.com\ntls on\ntls_certcheck on\naccount default : a\n",
        );
        assert_eq!(on.tls_verified.map(|v| v.value), Some(true));
        let unset = parse("account a\nhost smtp-relay.gmail.com\ntls on\naccount default : a\n");
        assert!(unset.tls_verified.is_none());
    }

    #[test]
    fn constructs() {
        // (name, text, relay host, port, tls, sasl, helo)
        type Row = (
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<u16>,
            Option<TlsMode>,
            Option<bool>,
            Option<&'static str>,
        );
        let rows: &[Row] = &[
            (
                "starttls account",
                "account google\nhost smtp-relay.gmail.com\nport 587\ntls on\ntls_starttls on\nauth off\ndomain mail.example.com\naccount default : google\n",
                Some("smtp-relay.gmail.com"),
                Some(587),
                Some(TlsMode::StartTls),
                Some(false),
                Some("mail.example.com"),
            ),
            (
                "tls_starttls off is wrapper mode",
                "account default\nhost h\ntls on\ntls_starttls off\n",
                Some("h"),
                None,
                Some(TlsMode::Implicit),
                None,
                None,
            ),
            (
                "no tls line is plain text",
                "account default\nhost h\n",
                Some("h"),
                None,
                Some(TlsMode::Off),
                None,
                None,
            ),
            (
                "defaults inherited, empty tls is on",
                "defaults\ntls\nauth plain\naccount default\nhost h\n",
                Some("h"),
                None,
                Some(TlsMode::StartTls),
                Some(true),
                None,
            ),
            (
                "defaults after an account do not reach it",
                "account default\nhost h\ndefaults\ntls on\n",
                Some("h"),
                None,
                Some(TlsMode::Off),
                None,
                None,
            ),
            (
                "quoted values and comments",
                "# comment\n  # indented comment\naccount default\nhost \"smtp-relay.gmail.com\"\ndomain \"mail.example.com\"\n",
                Some("smtp-relay.gmail.com"),
                None,
                Some(TlsMode::Off),
                None,
                Some("mail.example.com"),
            ),
            (
                "the default account wins over the first",
                "account a\nhost first\naccount default\nhost second\ntls off\n",
                Some("second"),
                None,
                Some(TlsMode::Off),
                None,
                None,
            ),
            (
                "later lines in an account win",
                "account default\nhost a\nhost b\nport 25\nport 465\n",
                Some("b"),
                Some(465),
                Some(TlsMode::Off),
                None,
                None,
            ),
        ];
        for (name, text, host, port, tls, sasl, helo) in rows {
            let p = parse(text);
            assert_eq!(
                p.relay.as_ref().map(|r| r.value.host.as_str()),
                *host,
                "{name}"
            );
            assert_eq!(p.relay.as_ref().and_then(|r| r.value.port), *port, "{name}");
            assert_eq!(p.tls.as_ref().map(|t| t.value), *tls, "{name}");
            assert_eq!(p.sasl.as_ref().map(|t| t.value), *sasl, "{name}");
            assert_eq!(p.helo.as_ref().map(|h| h.value.as_str()), *helo, "{name}");
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
        }
    }

    #[test]
    fn spans_are_exact() {
        let p = parse("account google\n  host   smtp-relay.gmail.com\ntls on\n\tuser relay@example.com\naccount default : google\n");
        assert_eq!(p.relay.unwrap().span, at(2, 10));
        assert_eq!(p.tls.unwrap().span, at(3, 5));
        let cred = &p.credentials[0];
        assert_eq!(cred.span, at(4, 7));
        assert_eq!(
            cred.value,
            CredentialEntry {
                key: "smtp-relay.gmail.com".into(),
                user: "relay@example.com".into()
            }
        );
        assert_eq!(
            p.helo_default.as_deref(),
            Some("localhost (msmtp's default)")
        );
        let q = parse("account default\nhost h\n");
        assert_eq!(q.tls.unwrap().span, at(1, 1));
    }

    #[test]
    fn problems() {
        // (name, text, line, column, message fragment)
        let rows = [
            (
                "unknown command",
                "account default\nhots h\n",
                2,
                1,
                "unknown command `hots`",
            ),
            (
                "bad port",
                "account default\nport 99999\n",
                2,
                6,
                "not a port number",
            ),
            (
                "bad tls",
                "account default\ntls yes\n",
                2,
                5,
                "expected on or off",
            ),
            (
                "bad auth",
                "account default\nauth maybe\n",
                2,
                6,
                "expected on, off",
            ),
            (
                "unterminated quotes",
                "account default\nhost \"h\n",
                2,
                6,
                "unterminated quotes",
            ),
            (
                "after the quote",
                "account default\nhost \"h\" x\n",
                2,
                9,
                "after the closing quote",
            ),
            (
                "before any account",
                "host h\naccount default\n",
                1,
                1,
                "before any `account`",
            ),
            (
                "unknown parent",
                "account default : nope\n",
                1,
                9,
                "`nope` is not (yet) defined",
            ),
            (
                "twice",
                "account a\naccount a\naccount default\n",
                2,
                9,
                "defined twice",
            ),
            (
                "trailing comment",
                "account default\nhost h # relay\n",
                2,
                6,
                "no comments after a value",
            ),
            (
                "no default account",
                "account google\nhost h\n",
                1,
                1,
                "no account named `default`",
            ),
            (
                "binary",
                "account default\nho\u{0}st\n",
                2,
                3,
                "control character U+0000",
            ),
        ];
        for (name, text, line, col, want) in rows {
            let p = parse(text);
            assert!(
                p.syntax
                    .iter()
                    .any(|s| s.span == at(line, col) && s.message.contains(want)),
                "{name}: {:?}",
                p.syntax
            );
        }
        // The first account is still read when `default` is missing.
        let p = parse("account google\nhost h\n");
        assert_eq!(p.relay.unwrap().value.host, "h");
    }

    #[test]
    fn secrets_are_not_kept() {
        let p = parse(
            "account default\nhost h\nauth on\nuser u\npassword hunter2\npasswordeval \"cat /x\"\n",
        );
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            !json.contains("hunter2") && !json.contains("cat /x"),
            "{json}"
        );
        assert!(p.sasl.unwrap().value);
    }

    #[test]
    fn suppressions_are_read() {
        let p = parse("account default\n# relayctl: allow helo-localhost\nhost h\n");
        assert_eq!(p.suppressions.len(), 1);
        assert_eq!(p.suppressions[0].covers_line, 3);
    }

    /// What `relayctl gen msmtp` writes reads back as the plan it spelled.
    #[test]
    fn reads_back_generated_files() {
        use crate::gen::testing::plan_for;
        use crate::relay::console::Authentication;
        use crate::relay::plan::TlsPreference;
        use crate::relay::Port;
        type Tweak = fn(&mut crate::relay::console::ConsoleSetting, &mut crate::relay::plan::Site);
        let cases: [(&str, Tweak, u16, TlsMode, bool); 3] = [
            ("default", |_, _| {}, 587, TlsMode::StartTls, false),
            (
                "465 with auth",
                |c, s| {
                    c.authentication = Authentication::SmtpAuth;
                    s.auth_user = Some("relay@example.com".into());
                    s.port = Some(Port::Smtps);
                },
                465,
                TlsMode::Implicit,
                true,
            ),
            (
                "no tls",
                |c, s| {
                    c.require_tls = false;
                    s.tls = Some(TlsPreference::None);
                },
                587,
                TlsMode::Off,
                false,
            ),
        ];
        for (name, tweak, port, tls, sasl) in cases {
            let plan = plan_for(Target::Msmtp, false, tweak).unwrap();
            let a = render(Target::Msmtp, &plan, &Options::default()).unwrap();
            assert_eq!(a.files[0].path, "/etc/msmtprc");
            let text = a.files[0].lines.join("\n");
            let p = parse(&text);
            assert!(p.syntax.is_empty(), "{name}: {:?}", p.syntax);
            let relay = p.relay.unwrap().value;
            assert_eq!(relay.host, plan.relay_host.to_string(), "{name}");
            assert_eq!(relay.port, Some(port), "{name}");
            assert_eq!(p.tls.unwrap().value, tls, "{name}");
            assert_eq!(p.sasl.unwrap().value, sasl, "{name}");
            assert_eq!(
                p.helo.unwrap().value,
                plan.helo.as_ref().unwrap().to_string(),
                "{name}"
            );
            if sasl {
                assert_eq!(p.credentials[0].value.user, "relay@example.com");
            }
        }
    }

    #[test]
    fn garbage_is_bounded() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut bytes = Vec::with_capacity(1 << 20);
        for _ in 0..(1 << 20) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let start = Instant::now();
        let p = parse(&text);
        assert!(p.syntax.len() <= MAX_PROBLEMS + 1);
        let long = format!("account default\nhost {}\n", "x".repeat(5 << 20));
        let q = parse(&long);
        assert!(q.syntax[0].message.contains("longer than"));
        let many = "account default\n".repeat(200_000);
        let r = parse(&many);
        assert!(!r.syntax.is_empty());
        assert!(start.elapsed() < Duration::from_secs(20));
    }
}

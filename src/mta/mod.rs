//! MTA configuration readers: one module per syntax turns file text into an
//! [`ObservedPlan`], what the MTA will really do when it sends to the relay, with the
//! file:line:column where each value was decided. Pure: files arrive as text (the command
//! reads them); a reader never panics and bounds its own work on hostile input.

pub mod compose;
pub mod env;
pub mod exchange;
pub mod exim;
pub mod images;
pub mod kubernetes;
pub mod msmtp;
pub mod opensmtpd;
pub mod placeholders;
pub mod postfix;
pub mod qmail;
pub mod sendmail;
pub mod shell;
mod toolkit;
mod yaml;

pub use toolkit::MAX_PROBLEMS;

use std::ops::Not;

use serde::Serialize;

use crate::relay::Family;

/// Where a value was set: file, line and column, all 1-based (the one span type of
/// every finding).
pub use crate::finding::Span;

/// A value and where it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    /// The value as the MTA will use it (after expansion, last assignment wins...).
    pub value: T,
    /// Where it was decided.
    pub span: Span,
}

impl<T> Located<T> {
    /// A value at a span.
    pub fn new(value: T, span: Span) -> Located<T> {
        Located { value, span }
    }
}

/// The kinds of file `relayctl lint` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    /// Postfix main.cf (or `postconf -n` output).
    PostfixMain,
    /// Postfix master.cf.
    PostfixMaster,
    /// A Postfix lookup table source (sasl_passwd, transport).
    PostfixMap,
    /// sendmail.mc.
    SendmailMc,
    /// qmail control files: smtproutes, helohost, timeoutsmtpd.
    Qmail,
    /// Debian's update-exim4.conf.conf.
    EximConf,
    /// Exim's passwd.client.
    EximPasswd,
    /// OpenSMTPD smtpd.conf.
    Opensmtpd,
    /// msmtprc.
    Msmtp,
    /// Exchange Management Shell lines.
    Exchange,
    /// relayctl's own relay.toml.
    RelayToml,
    /// A `.env` file (`KEY=VALUE` lines) for one of the known relay images.
    Env,
    /// A docker-compose file whose services run one of the known relay images.
    Compose,
    /// Kubernetes manifests (Deployment, StatefulSet, Pod...) running a known relay image.
    Kubernetes,
    /// A shell script that configures Postfix (`postconf -e`, a heredoc writing main.cf).
    Shell,
}

/// Where an MTA sends mail for the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelayTarget {
    /// The host name or address, without brackets or port.
    pub host: String,
    /// The port when given.
    pub port: Option<u16>,
    /// Whether MX lookup is suppressed (Postfix `[host]`, sendmail `[host]`, Exim's
    /// `dc_smarthost` never looks up MX): `false` means a needless MX lookup first.
    pub no_mx: bool,
    /// The text as written, for messages.
    pub raw: String,
}

/// What TLS the client will use towards the relay, in the plan's own words
/// (`relay::plan::TlsMode`): `Off`, `Opportunistic` (`may`), `StartTls` (STARTTLS or no
/// mail: `encrypt`, `verify`, `secure`), `Implicit` (TLS from the first byte:
/// `smtp_tls_wrappermode = yes`, `smtps://`, `tls_starttls off`). Reading and planning
/// share one type, so lint compares like with like.
pub use crate::relay::plan::TlsMode;

/// SMTP AUTH credentials found in a password map / file (never the password itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialEntry {
    /// The key the MTA looks the entry up by, as written (`[smtp-relay.gmail.com]:587`).
    pub key: String,
    /// The user name.
    pub user: String,
}

/// A route for some domain that does not follow the default relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The domain (as written; `.example.com` style sub-domain patterns kept as is).
    pub domain: String,
    /// Where its mail goes (the transport/next hop as written).
    pub next_hop: String,
    /// Whether that next hop is Google's relay.
    pub via_google: bool,
}

/// A value that is a placeholder or a variable the files do not resolve (`${VAR}`,
/// `$VAR`, `<your-domain>`, `{{ .Values.x }}`, `example.com`): what it stands for is
/// decided elsewhere (the environment, a template engine, the admin), so the setting is
/// judged as written and this says which value is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    /// The setting whose value holds it (`relayhost`, `RELAYHOST_USERNAME`, `smtp_helo_name`).
    pub setting: String,
    /// The placeholder as written (`${RELAY_HOST}`, `<your-domain>`, `example.com`).
    pub placeholder: String,
    /// The value taken in its place when the text gives one (`${PORT:-587}`: `587`).
    pub assumed: Option<String>,
}

/// The container image whose environment a file configures, and what the image's own
/// entrypoint adds to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageUse {
    /// The image as written (`boky/postfix:latest`), or the image the variables point to
    /// when the file does not name one (a `.env` file).
    pub name: String,
    /// The known image it was read as (`boky/postfix`).
    pub known: String,
    /// Where the image documents its variables.
    pub documentation: String,
    /// Settings that come from the image's defaults, not from the file
    /// (`smtp_tls_security_level = may`).
    pub defaults: Vec<String>,
}

/// `# relayctl: allow <rule-id>` on a line or the line above: the rule is not reported there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The rule id.
    pub rule: String,
    /// Where the comment is.
    pub span: Span,
    /// The line it covers (its own when it follows code on that line, else the next).
    pub covers_line: u32,
}

/// A problem of the file itself: it could not be read the way the MTA would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxProblem {
    /// What is wrong, one line.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// What an MTA's configuration makes it do towards the relay. `None` means the files do
/// not say (the MTA's default applies; each field's doc names that default where rules
/// need it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservedPlan {
    /// Where mail goes by default (Postfix `relayhost`, sendmail `SMART_HOST`...).
    pub relay: Option<Located<RelayTarget>>,
    /// The TLS policy towards it.
    pub tls: Option<Located<TlsMode>>,
    /// Whether the client verifies the relay's certificate (a trusted chain and the relay's
    /// name) when it uses TLS: `Some(false)` for Postfix `may`/`encrypt`, sendmail
    /// `TLS_Srv:` `ENCR:`; `Some(true)` for `secure`/`verify`/`fingerprint`/`dane-only`,
    /// `VERIFY`; `None` when the files do not say or the MTA verifies by default (Debian's
    /// Exim smarthost transport, msmtp with a trust file, OpenSMTPD), or the decision is
    /// in a TLS policy table the reader does not follow.
    pub tls_verified: Option<Located<bool>>,
    /// Whether SMTP AUTH is enabled (`smtp_sasl_auth_enable`, an AuthInfo entry, a
    /// passwd.client line for the relay, `auth on`).
    pub sasl: Option<Located<bool>>,
    /// The password map the MTA is configured to read (`smtp_sasl_password_maps`).
    pub password_map: Option<Located<String>>,
    /// Entries found in the password map / file beside the configuration.
    pub credentials: Vec<Located<CredentialEntry>>,
    /// The HELO/EHLO name when set explicitly (after `$name` expansion).
    pub helo: Option<Located<String>>,
    /// What the HELO name defaults to when not set (`$myhostname`, `the host name`), for
    /// messages; `None` when `helo` is set or nothing is known.
    pub helo_default: Option<String>,
    /// Connection caching / reuse towards the relay.
    pub connection_reuse: Option<Located<bool>>,
    /// sendmail `Timeout.datafinal` in seconds.
    pub data_final_timeout_s: Option<Located<u64>>,
    /// qmail `timeoutsmtpd` in seconds.
    pub qmail_smtpd_timeout_s: Option<Located<u64>>,
    /// Domains routed elsewhere than the default relay (transport maps, smtproutes...).
    pub routes: Vec<Located<Route>>,
    /// Address families the client may use (Postfix `inet_protocols`).
    pub families: Option<Located<Family>>,
    /// Most recipients per transaction (`smtp_destination_recipient_limit`...).
    pub max_rcpt_per_transaction: Option<Located<u32>>,
    /// Values that are placeholders or unresolved variables (see [`Unresolved`]); never
    /// syntax problems.
    pub unresolved: Vec<Located<Unresolved>>,
    /// The container image a `.env`, compose or Kubernetes file configures.
    pub image: Option<Located<ImageUse>>,
    /// Inline suppressions found in the file.
    pub suppressions: Vec<Suppression>,
    /// Problems reading the file (unterminated quote, a line that is not syntax).
    pub syntax: Vec<SyntaxProblem>,
}

/// A file's name (as shown in findings) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as the user named it or as found by the walk.
    pub name: String,
    /// The text (invalid UTF-8 already replaced by the command, with a finding).
    pub text: String,
}

/// How a reader gets the files that sit beside the one it reads (master.cf beside
/// main.cf, the sasl_passwd a main.cf names, authinfo, passwd.client, helohost...): by
/// file name or by the path the configuration names. `None` when there is no such file.
/// The command implements it over the file system, tests over a map.
///
/// One name is special: [`DIR_LISTING`] asks for the names of the regular files in the
/// primary file's directory, one per line, as the text of the returned file (readers that
/// look for a file by its content, such as a Kubernetes ConfigMap, use it; at most
/// [`MAX_LISTING`] names).
pub type Beside<'a> = &'a dyn Fn(&str) -> Option<SourceFile>;

/// The [`Beside`] name that lists the primary file's directory.
pub const DIR_LISTING: &str = "./";
/// Most names a [`DIR_LISTING`] returns.
pub const MAX_LISTING: usize = 1000;

/// What [`read`] made of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// What the MTA (or the image, or the script) will do.
    Plan(Box<ObservedPlan>),
    /// Not an MTA's configuration: relay.toml, which the caller checks itself.
    NotAnMta,
    /// A file of a kind relayctl detects but cannot judge (a compose file whose images
    /// are none relayctl knows): what it is, one line, for the user.
    Unsupported(String),
}

/// Reads `primary`, a file of kind `file_type`, and the files beside it, with the reader of
/// its syntax. A companion file is read through the file that names it: master.cf and a
/// Postfix map through the main.cf beside them, passwd.client through
/// update-exim4.conf.conf (without that file nothing is observed). Values that are
/// placeholders are recorded in [`ObservedPlan::unresolved`], and a syntax problem at a
/// placeholder's span is dropped (the value is open, not wrong).
pub fn read(file_type: FileType, primary: &SourceFile, beside: Beside<'_>) -> Outcome {
    let through = |main: &str, read: fn(&SourceFile, Beside<'_>) -> ObservedPlan| {
        beside(main).map_or_else(ObservedPlan::default, |main| read(&main, beside))
    };
    let mut plan = match file_type {
        FileType::PostfixMain => postfix::read(primary, beside),
        FileType::PostfixMaster | FileType::PostfixMap => through("main.cf", postfix::read),
        FileType::SendmailMc => sendmail::read(primary, beside),
        FileType::Qmail => qmail::read(primary, beside),
        FileType::EximConf => exim::read(primary, beside),
        FileType::EximPasswd => through("update-exim4.conf.conf", exim::read),
        FileType::Opensmtpd => opensmtpd::read(primary, beside),
        FileType::Msmtp => msmtp::read(primary, beside),
        FileType::Exchange => exchange::read(primary, beside),
        FileType::Shell => shell::read(primary, beside),
        FileType::Env => match env::read(primary, beside) {
            Ok(plan) => plan,
            Err(why) => return Outcome::Unsupported(why),
        },
        FileType::Compose => match compose::read(primary, beside) {
            Ok(plan) => plan,
            Err(why) => return Outcome::Unsupported(why),
        },
        FileType::Kubernetes => match kubernetes::read(primary, beside) {
            Ok(plan) => plan,
            Err(why) => return Outcome::Unsupported(why),
        },
        FileType::RelayToml => return Outcome::NotAnMta,
    };
    placeholders::scan_plan(&mut plan);
    Outcome::Plan(Box::new(plan))
}

/// Whether `host` is in one of Google's mail domains (`gmail.com`, `google.com`,
/// `googlemail.com` or under them), for readers whose routes name MX-style hosts.
pub(crate) fn in_google_domains(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    ["gmail.com", "google.com", "googlemail.com"]
        .iter()
        .any(|g| h == *g || h.ends_with(&format!(".{g}")))
}

/// Finds `# relayctl: allow rule-a, rule-b` comments in `text` (any comment leader:
/// `#`, `dnl`, `//`). A comment after code covers its own line; a comment alone on its
/// line covers the next.
pub fn suppressions(file: &str, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().take(10_000_000) {
        let Some(pos) = line.find("relayctl: allow") else {
            continue;
        };
        let before = &line[..pos];
        let code_before = before
            .trim_end()
            .trim_end_matches('#')
            .trim_end_matches("dnl")
            .trim_end_matches("//")
            .trim()
            .is_empty()
            .not();
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rest = &line[pos + "relayctl: allow".len()..];
        for rule in rest
            .split([',', ' ', '\t'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .take_while(|r| {
                r.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
        {
            out.push(Suppression {
                rule: rule.to_owned(),
                span: Span::new(file, line_no, u32::try_from(pos + 1).unwrap_or(u32::MAX)),
                covers_line: if code_before {
                    line_no
                } else {
                    line_no.saturating_add(1)
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn read_dispatches_by_file_type() {
        let relay = |p: &Outcome| {
            let Outcome::Plan(p) = p else { return None };
            p.relay
                .as_ref()
                .map(|r| (r.value.host.clone(), r.span.file.clone()))
        };
        let none = |_: &str| None;
        let google = || Some(("smtp-relay.gmail.com".to_owned(), "f".to_owned()));
        #[rustfmt::skip]
        let cases: &[(FileType, &str)] = &[
            (FileType::PostfixMain, "relayhost = [smtp-relay.gmail.com]:587\n"),
            (FileType::SendmailMc, "define(`SMART_HOST', `[smtp-relay.gmail.com]')dnl\n"),
            (FileType::Qmail, ":smtp-relay.gmail.com:587\n"),
            (FileType::EximConf, "dc_eximconfig_configtype='smarthost'\ndc_smarthost='smtp-relay.gmail.com::587'\n"),
            (FileType::Opensmtpd, "action \"r\" relay host smtp+tls://smtp-relay.gmail.com:587\nmatch from local for any action \"r\"\n"),
            (FileType::Msmtp, "account default\nhost smtp-relay.gmail.com\n"),
            (FileType::Exchange, "New-SendConnector -Name G -AddressSpaces * -SmartHosts smtp-relay.gmail.com\n"),
        ];
        for (t, text) in cases {
            assert_eq!(relay(&read(*t, &file("f", text), &none)), google(), "{t:?}");
        }
        assert_eq!(
            read(FileType::RelayToml, &file("relay.toml", ""), &none),
            Outcome::NotAnMta
        );
    }

    #[test]
    fn companions_are_read_through_their_main_file() {
        let main = file("dir/main.cf", "relayhost = [smtp-relay.gmail.com]:587\n");
        let conf = file(
            "dir/update-exim4.conf.conf",
            "dc_eximconfig_configtype='smarthost'\ndc_smarthost='h'\n",
        );
        let beside = |name: &str| match name {
            "main.cf" => Some(main.clone()),
            "update-exim4.conf.conf" => Some(conf.clone()),
            _ => None,
        };
        for (t, name, main_name) in [
            (FileType::PostfixMaster, "dir/master.cf", "dir/main.cf"),
            (FileType::PostfixMap, "dir/sasl_passwd", "dir/main.cf"),
            (
                FileType::EximPasswd,
                "dir/passwd.client",
                "dir/update-exim4.conf.conf",
            ),
        ] {
            let Outcome::Plan(p) = read(t, &file(name, "garbage\n"), &beside) else {
                panic!("{t:?}: not a plan");
            };
            assert_eq!(
                p.relay.map(|r| r.span.file),
                Some(main_name.to_owned()),
                "{t:?}"
            );
            // Without the main file, nothing is observed.
            let Outcome::Plan(p) = read(t, &file(name, "garbage\n"), &|_| None) else {
                panic!("{t:?}: not a plan");
            };
            assert_eq!(*p, ObservedPlan::default(), "{t:?}");
        }
    }

    /// Texts made of the pieces these syntaxes are built from, in random order: every
    /// reader of containers and scripts reads them without panicking.
    #[test]
    fn container_and_script_readers_survive_token_soup() {
        const PIECES: &[&str] = &[
            "\n",
            " ",
            "  ",
            "\t",
            "-",
            ":",
            "=",
            "'",
            "\"",
            "$",
            "${",
            "}",
            "{",
            "[",
            "]",
            "(",
            ")",
            "`",
            "\\",
            "#",
            "|",
            "&",
            ";",
            ">",
            ">>",
            "<<",
            "<<-",
            "EOF",
            "*",
            "&a",
            "---",
            "...",
            ":-",
            "?",
            "é",
            "\0",
            "postconf -e ",
            "relayhost",
            "smtp_tls_security_level=may",
            "cat > /etc/postfix/main.cf ",
            "echo ",
            "/etc/postfix/sasl_passwd",
            "if [ ",
            " ]",
            "then",
            "fi",
            "function f() {",
            "local k=${1}",
            "services:",
            "image: ",
            "boky/postfix",
            "namshi/smtp",
            "environment:",
            "env_file:",
            "kind: Deployment",
            "containers:",
            "spec:",
            "template:",
            "env:",
            "name: ",
            "value: ",
            "valueFrom:",
            "configMapKeyRef:",
            "kind: ConfigMap",
            "data:",
            "RELAYHOST",
            "RELAY_HOST",
            "GMAIL_USER",
            "SMTP_SERVER",
            "POSTFIX_myhostname",
            "<your-domain>",
            "{{ .Values.x }}",
            "example.com",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..1500 {
            let n = usize::try_from(next() % 80).unwrap_or(0);
            let text: String = (0..n)
                .map(|_| PIECES[usize::try_from(next()).unwrap_or(0) % PIECES.len()])
                .collect();
            let beside = |name: &str| {
                Some(SourceFile {
                    name: name.to_owned(),
                    text: text.clone(),
                })
            };
            for t in [
                FileType::Shell,
                FileType::Env,
                FileType::Compose,
                FileType::Kubernetes,
            ] {
                let _ = read(t, &file("f", &text), &beside);
            }
        }
    }

    #[test]
    fn suppression_comments() {
        let text = "a = b # relayctl: allow relayhost-no-brackets\n# relayctl: allow helo-generic, tls-may\nsmtp_helo_name = localhost\n";
        let s = suppressions("main.cf", text);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].rule.as_str(), s[0].covers_line),
            ("relayhost-no-brackets", 1)
        );
        assert_eq!((s[1].rule.as_str(), s[1].covers_line), ("helo-generic", 3));
        assert_eq!((s[2].rule.as_str(), s[2].covers_line), ("tls-may", 3));
    }
}

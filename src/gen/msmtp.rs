//! msmtp generator. Spells a ClientPlan as an msmtprc account (host, port, TLS, EHLO
//! domain, envelope sender, AUTH through passwordeval) and the password file it reads.
//! relayctl never writes a secret: the password file holds the placeholder. Decides nothing.

use super::{by_family, Target, IPV6_TRAP, PASSWORD_PLACEHOLDER, RCPT_LIMIT};
use super::{relaying, sh, Artifact, FileEdit, Form, GenError};
use crate::relay::plan::{ClientPlan, Note, TlsMode};
use crate::relay::Family;

const MSMTPRC: &str = "/etc/msmtprc";
const PASSWORD_FILE: &str = "/etc/msmtp-password";
/// Debian's CA bundle (package ca-certificates).
const CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";
const ACCOUNT: &str = "google";

/// The msmtprc lines for `plan`, in the order they are written.
fn rc_lines(plan: &ClientPlan) -> Vec<String> {
    let mut l = vec![
        format!("account {ACCOUNT}"),
        format!("host {}", plan.relay_host),
        format!("port {}", plan.port.number()),
    ];
    match plan.tls {
        TlsMode::Off => l.push("tls off".to_owned()),
        tls => {
            l.push("tls on".to_owned());
            // msmtp(1): tls_starttls on = STARTTLS (the default), off = TLS from the
            // first byte (RFC 8314; firebase/extensions#632: port 465).
            let starttls = if tls == TlsMode::Implicit {
                "off"
            } else {
                "on"
            };
            l.push(format!("tls_starttls {starttls}"));
            l.push(format!("tls_trust_file {CA_FILE}"));
        }
    }
    match &plan.sasl {
        Some(sasl) => {
            l.push("auth on".to_owned());
            l.push(format!("user {}", sasl.username));
            // The password stays out of this file (msmtp(1), passwordeval).
            l.push(format!("passwordeval \"cat {PASSWORD_FILE}\""));
        }
        // loganmarchione/docker-postfixrelay#62: with IP authentication, no AUTH attempt at all.
        None => l.push("auth off".to_owned()),
    }
    // msmtp(1), domain; Google help 6140680: `domain` is the EHLO argument; its default,
    // localhost, draws 421 4.7.0 from the relay.
    l.push(format!("domain {}", super::helo(plan)));
    // An envelope sender in the customer's domain for mail that names none (cron, -t).
    l.push(format!("from {}", plan.test_sender()));
    l.push("syslog LOG_MAIL".to_owned());
    if plan.egress == Family::V4 {
        l.push(
            "# IPv4 only: msmtp has no address-family setting; see the notes (source_ip)"
                .to_owned(),
        );
    }
    l.push(String::new());
    l.push(format!("account default : {ACCOUNT}"));
    l
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Msmtp, form, None, relaying("msmtp", plan))?;
    a.files.push(
        FileEdit::create(
            MSMTPRC,
            "the relay account (system-wide; ~/.msmtprc takes the same lines); keep a single `account default`",
            rc_lines(plan),
        )
        .primary()
        .mode("0644")
        .headed("#", plan),
    );

    if plan.sasl.is_some() {
        // The whole file is the password: no comment, no header.
        a.files.push(
            FileEdit::create(
                PASSWORD_FILE,
                format!("the app password alone on one line, read by passwordeval; replace {PASSWORD_PLACEHOLDER}"),
                vec![PASSWORD_PLACEHOLDER.to_owned()],
            )
            .mode("0600"),
        );
        a.commands.push(sh(
            format!("chmod 600 {PASSWORD_FILE}"),
            "readable by root only (for other senders: chgrp msmtp and 0640, with msmtp setgid msmtp as Debian's README.Debian describes)",
        ));
        a.notes.push(Note::info(
            "Google accepts SMTP AUTH only with an app password (2-Step Verification) or OAuth, and refuses the account password with 535 5.7.8; msmtp refuses an rc file holding a literal password unless it is yours and mode 0600, which is why the password lives in its own file",
            "Google 176600 \"Send email from a printer, scanner, or app\": app passwords; observed: loganmarchione/docker-postfixrelay#64 (535 5.7.8); msmtp(1)",
        ));
    }
    a.commands.push(sh(
        format!("msmtp --pretend -a {ACCOUNT} you@example.org < /dev/null"),
        "show the settings msmtp will use",
    ));

    if plan.tls == TlsMode::Opportunistic {
        a.notes.push(Note::info(
            "msmtp has no \"STARTTLS when offered\" mode: this account requires STARTTLS, which the relay offers on ports 25 and 587",
            "msmtp(1), tls; Google 2956491 \"Route outgoing SMTP relay messages through Google\": ports 25 and 587",
        ));
    }
    a.notes.extend(by_family(
        plan.egress,
        Note::warning(
            "msmtp has no address-family setting: add `source_ip <this host's IPv4 address>` to the account to keep it on IPv4; otherwise a host with IPv6 egress reaches Google over IPv6 and is refused",
            IPV6_TRAP,
        ),
        Note::warning(
            "msmtp has no address-family setting: add `source_ip <this host's IPv6 address>` to the account to keep it on IPv6",
            IPV6_TRAP,
        ),
    ));
    if !plan.internal.is_empty() {
        let domains: Vec<_> = plan.internal.iter().map(|r| r.domain.as_str()).collect();
        a.notes.push(Note::warning(
            format!(
                "msmtp sends every message to one host and cannot route by recipient domain: mail for {} would also go to Google; use an MTA for those domains",
                domains.join(", ")
            ),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions (internal domains)",
        ));
    }
    a.notes.push(Note::info(
        format!(
            "msmtp opens one connection per message and sends all its recipients in one transaction: keep messages to at most {} recipients",
            plan.max_rcpt_per_transaction
        ),
        RCPT_LIMIT,
    ));

    // Never `msmtp --debug`: it prints the SMTP dialogue, AUTH PLAIN and the password in
    // base64 included. msmtp reports a failure on stderr and logs each message (syslog).
    a.verify = vec![super::test_message(
        plan,
        &format!("msmtp -a {ACCOUNT} -f "),
        None,
    )];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, ipv4_only, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{Site, TlsPreference};
    use crate::relay::Port;

    fn artifact(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Artifact {
        testing::artifact(Target::Msmtp, render, f).unwrap()
    }

    #[test]
    fn default_plan_is_starttls_without_auth_and_a_domain_helo() {
        let a = artifact(|_, _| {});
        let rc = &a.files[0].lines;
        for want in [
            "host smtp-relay.gmail.com",
            "port 587",
            "tls on",
            "tls_starttls on",
            "auth off",
            "domain mail.example.com",
            "from postmaster@example.com",
            "account default : google",
        ] {
            assert!(rc.contains(&want.to_owned()), "missing {want}");
        }
        assert_eq!(a.files.len(), 1);
    }

    #[test]
    fn port_465_turns_starttls_off() {
        let a = artifact(|_, s| s.port = Some(Port::Smtps));
        let rc = &a.files[0].lines;
        assert!(rc.contains(&"port 465".to_owned()));
        assert!(rc.contains(&"tls_starttls off".to_owned()));
    }

    #[test]
    fn smtp_auth_reads_the_password_from_a_file() {
        let a = artifact(smtp_auth);
        let rc = &a.files[0].lines;
        assert!(rc.contains(&"auth on".to_owned()));
        assert!(rc.contains(&"user relay@example.com".to_owned()));
        assert!(rc.contains(&"passwordeval \"cat /etc/msmtp-password\"".to_owned()));
        assert!(!rc.iter().any(|l| l.starts_with("password ")));
        let pw = &a.files[1];
        assert_eq!((pw.mode, pw.comment), (Some("0600"), None));
        assert_eq!(pw.lines, [PASSWORD_PLACEHOLDER]);
    }

    #[test]
    fn tls_none_is_tls_off() {
        let a = artifact(|c, s| {
            c.require_tls = false;
            s.tls = Some(TlsPreference::None);
        });
        let rc = &a.files[0].lines;
        assert!(rc.contains(&"tls off".to_owned()));
        assert!(!rc.iter().any(|l| l.starts_with("tls_starttls")));
    }

    #[test]
    fn ipv4_only_is_flagged() {
        let a = artifact(ipv4_only);
        assert!(a.files[0]
            .lines
            .iter()
            .any(|l| l.starts_with("# IPv4 only")));
        assert!(a.notes.iter().any(|n| n.text.contains("source_ip")));
    }
}

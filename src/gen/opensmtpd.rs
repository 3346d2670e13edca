//! OpenSMTPD generator (6.x grammar). Spells a ClientPlan as smtpd.conf lines: the
//! credentials table, one relay action per internal domain and one for Google, and the
//! match lines in the order smtpd evaluates them; plus the secrets table and the check and
//! restart steps. Decides nothing.

use super::{by_family, Target, PASSWORD_PLACEHOLDER};
use super::{relaying, sh, Artifact, FileEdit, Form, GenError};
use super::{APP_PASSWORDS, CONNECTION_CACHING, IPV6_TRAP, RCPT_LIMIT};
use crate::relay::plan::{ClientPlan, InternalRoute, Note, TlsMode};
use crate::relay::Family;

const SMTPD_CONF: &str = "/etc/smtpd.conf";
const SECRETS_DIR: &str = "/etc/mail";
const SECRETS: &str = "/etc/mail/secrets";
/// The credentials label in the relay URL and the secrets table.
const LABEL: &str = "google";
/// The action Debian's stock smtpd.conf already uses for outgoing mail.
const RELAY_ACTION: &str = "relay";

/// The relay URL scheme: smtpd.conf(5), "relay host".
fn scheme(tls: TlsMode) -> &'static str {
    match tls {
        // "Normal SMTP session with mandatory STARTTLS."
        TlsMode::StartTls => "smtp+tls",
        // "SMTP session with forced TLS on connection" (RFC 8314; firebase/extensions#632: port 465).
        TlsMode::Implicit => "smtps",
        // "Normal SMTP session with opportunistic STARTTLS (the default)."
        TlsMode::Opportunistic => "smtp",
        // "Plain text SMTP session without TLS."
        TlsMode::Off => "smtp+notls",
    }
}

/// The relay URL for Google: `smtp+tls://google@smtp-relay.gmail.com:587`.
fn relay_url(plan: &ClientPlan) -> String {
    let label = if plan.sasl.is_some() {
        format!("{LABEL}@")
    } else {
        String::new()
    };
    format!(
        "{}://{label}{}:{}",
        scheme(plan.tls),
        plan.relay_host,
        plan.port.number()
    )
}

/// The action name for an internal domain.
fn internal_action(r: &InternalRoute) -> String {
    format!("internal-{}", r.domain)
}

/// The smtpd.conf lines for `plan`, in the order they are written.
fn conf_lines(plan: &ClientPlan) -> Vec<String> {
    // Google help 6140680: the FQDN of the sending device, never localhost.
    let helo = format!("helo {}", super::helo(plan));
    let mut l = Vec::new();
    if plan.sasl.is_some() {
        l.push(format!("table secrets file:{SECRETS}"));
    }
    for r in &plan.internal {
        let how = match &r.host {
            // Default scheme smtp://: opportunistic STARTTLS, port 25.
            Some(h) => format!("relay host smtp://{h}"),
            // No host: normal MX delivery.
            None => "relay".to_owned(),
        };
        l.push(format!("action \"{}\" {how} {helo}", internal_action(r)));
    }
    let auth = if plan.sasl.is_some() {
        " auth <secrets>"
    } else {
        ""
    };
    l.push(format!(
        "action \"{RELAY_ACTION}\" relay host {}{auth} {helo}",
        relay_url(plan)
    ));
    if plan.egress == Family::V4 {
        l.push(format!(
            "# IPv4 only: add  src \"<this host's IPv4 address>\"  to the \"{RELAY_ACTION}\" action (see the notes)"
        ));
    }
    // Google help 2956491, per-MTA instructions: internal domains before the relay; smtpd.conf
    // takes the first match line that matches.
    for r in &plan.internal {
        l.push(format!(
            "match from local for domain {{ \"{d}\", \"*.{d}\" }} action \"{}\"",
            internal_action(r),
            d = r.domain
        ));
    }
    l.push(format!(
        "match from local for any action \"{RELAY_ACTION}\""
    ));
    l
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Opensmtpd, form, None, relaying("OpenSMTPD", plan))?;
    a.files.push(
        FileEdit::add(
            SMTPD_CONF,
            format!("replace the stock `action \"{RELAY_ACTION}\" relay` and `match from local for any action \"{RELAY_ACTION}\"` lines with these, after the other match lines (the first matching line wins)"),
            conf_lines(plan),
        )
        .primary()
        .headed("#", plan),
    );

    if let Some(sasl) = &plan.sasl {
        a.add_secret(
            FileEdit::create(
                SECRETS,
                // Debian's opensmtpd package has no /etc/mail (OpenBSD has one).
                format!("the SMTP AUTH credentials (label user:password); replace {PASSWORD_PLACEHOLDER} with an app password; on Debian create the directory first: mkdir -m 755 -p {SECRETS_DIR}"),
                vec![format!("{LABEL} {}:{PASSWORD_PLACEHOLDER}", sasl.username)],
            )
            .headed("#", plan),
            Some(("opensmtpd", "smtpd reads it (group _smtpd on OpenBSD)")),
        );
        a.notes.push(Note::info(
            "smtpd.conf(5): credentials are used only with smtp+tls:// and smtps://; Google accepts SMTP AUTH only with an app password (2-Step Verification) or OAuth, and refuses the account password with 535 5.7.8",
            APP_PASSWORDS,
        ));
    }
    a.commands.push(sh(
        format!("smtpd -n -f {SMTPD_CONF}"),
        "check the configuration",
    ));
    a.commands.push(sh(
        "systemctl restart opensmtpd",
        "apply it (OpenBSD: rcctl restart smtpd)",
    ));

    a.notes.push(Note::info(
        format!(
            "{}:// {}; the relay's certificate is verified",
            scheme(plan.tls),
            match plan.tls {
                TlsMode::StartTls =>
                    "is mandatory STARTTLS: mail waits in the queue rather than leave in clear",
                TlsMode::Implicit => "is TLS from the first byte (port 465)",
                TlsMode::Opportunistic => "uses STARTTLS when offered and sends in clear otherwise",
                TlsMode::Off => "never uses TLS",
            }
        ),
        "smtpd.conf(5), relay host",
    ));
    a.notes.extend(by_family(
        plan.egress,
        Note::warning(
            format!("OpenSMTPD 6.8 has no address-family setting for relaying; with `src \"<IPv4 address>\"` on the \"{RELAY_ACTION}\" action it skips the relay's IPv6 addresses (mta.c: \"AF mismatch\"). Without it, a host with IPv6 egress reaches Google over IPv6 and is refused"),
            IPV6_TRAP,
        ),
        Note::warning(
            format!("OpenSMTPD 6.8 has no address-family setting for relaying; add `src \"<this host's IPv6 address>\"` to the \"{RELAY_ACTION}\" action to keep it on IPv6"),
            IPV6_TRAP,
        ),
    ));
    if plan.connection_reuse {
        a.notes.push(Note::info(
            "OpenSMTPD reuses its connections to the relay by itself (up to 100 messages per session by default)",
            CONNECTION_CACHING,
        ));
    }
    a.notes.push(Note::info(
        format!(
            "smtpd.conf has no setting for recipients per outgoing transaction; keep messages to at most {} recipients",
            plan.max_rcpt_per_transaction
        ),
        RCPT_LIMIT,
    ));

    a.verify = vec![super::test_message(
        plan,
        super::SENDMAIL_SUBMIT,
        Some(super::MAIL_LOG),
    )];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, internal_domains, ipv4_only, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{Site, TlsPreference};
    use crate::relay::Port;

    fn artifact(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Artifact {
        testing::artifact(Target::Opensmtpd, render, f).unwrap()
    }

    #[test]
    fn default_plan_is_mandatory_starttls_with_helo() {
        let a = artifact(|_, _| {});
        assert_eq!(
            &a.files[0].lines[1..],
            [
                "action \"relay\" relay host smtp+tls://smtp-relay.gmail.com:587 helo mail.example.com",
                "match from local for any action \"relay\"",
            ]
        );
        assert_eq!(a.files.len(), 1);
    }

    #[test]
    fn port_465_with_auth_is_smtps_with_a_label() {
        let a = artifact(|c, s| {
            smtp_auth(c, s);
            s.port = Some(Port::Smtps);
        });
        let conf = &a.files[0].lines;
        assert!(conf.contains(&"table secrets file:/etc/mail/secrets".to_owned()));
        assert!(conf.contains(&"action \"relay\" relay host smtps://google@smtp-relay.gmail.com:465 auth <secrets> helo mail.example.com".to_owned()));
        let secrets = &a.files[1];
        assert_eq!(secrets.mode, Some("0640"));
        // Debian has no /etc/mail: the instructions create it before the file.
        assert!(
            secrets.purpose.contains("mkdir -m 755 -p /etc/mail"),
            "{}",
            secrets.purpose
        );
        let cmds: Vec<&str> = a.commands.iter().map(|c| c.line.as_str()).collect();
        assert_eq!(
            &cmds[..2],
            [
                "chown root:opensmtpd /etc/mail/secrets",
                "chmod 640 /etc/mail/secrets"
            ]
        );
        assert_eq!(secrets.lines[1], "google relay@example.com:APP_PASSWORD");
    }

    #[test]
    fn schemes_follow_the_tls_mode() {
        let opp = artifact(|c, s| {
            c.require_tls = false;
            s.tls = Some(TlsPreference::Opportunistic);
        });
        assert!(opp.files[0].lines[1].contains(" smtp://smtp-relay.gmail.com:587 "));
        let off = artifact(|c, s| {
            c.require_tls = false;
            s.tls = Some(TlsPreference::None);
            s.port = Some(Port::Smtp);
        });
        assert!(off.files[0].lines[1].contains(" smtp+notls://smtp-relay.gmail.com:25 "));
    }

    #[test]
    fn internal_matches_come_before_the_relay_match() {
        let a = artifact(internal_domains);
        let conf = &a.files[0].lines;
        assert!(conf.contains(&"action \"internal-corp.example.com\" relay host smtp://mailhub.corp.example.com helo mail.example.com".to_owned()));
        assert!(conf.contains(
            &"action \"internal-lab.example.net\" relay helo mail.example.com".to_owned()
        ));
        let pos = |needle: &str| conf.iter().position(|l| l.contains(needle)).unwrap();
        assert!(
            pos("match from local for domain { \"corp.example.com\"")
                < pos("match from local for any")
        );
        assert!(
            pos("match from local for domain { \"lab.example.net\"")
                < pos("match from local for any")
        );
    }

    #[test]
    fn ipv4_only_points_at_src() {
        let a = artifact(ipv4_only);
        assert!(a.files[0]
            .lines
            .iter()
            .any(|l| l.starts_with("# IPv4 only")));
        assert!(a.notes.iter().any(|n| n.text.contains("src")));
    }
}

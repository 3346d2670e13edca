//! qmail generator. Spells a ClientPlan as qmail control files: smtproutes (internal
//! domains first, then the relay), helohost and timeoutsmtpd. Stock qmail has neither TLS
//! nor SMTP AUTH; the plan only gets here with TLS or AUTH under --force, and the notes
//! say what will then happen. Decides nothing.

use super::{
    by_family, refuse_implicit_tls, relaying, sh, Artifact, FileEdit, Form, GenError, Target,
};
use super::{CONNECTION_CACHING, IPV6_TRAP, RCPT_LIMIT};
use crate::relay::plan::{ClientPlan, Note, TlsMode};

const SMTPROUTES: &str = "/var/qmail/control/smtproutes";
const HELOHOST: &str = "/var/qmail/control/helohost";
const TIMEOUTSMTPD: &str = "/var/qmail/control/timeoutsmtpd";

/// The smtproutes lines: qmail-remote(8) takes `domain:relay[:port]`, an empty relay
/// meaning normal MX delivery and `.domain` matching sub-domains.
fn smtproutes(plan: &ClientPlan) -> Vec<String> {
    let mut lines = Vec::new();
    // Google help 2956491, per-MTA instructions (Qmail): internal domains get their own line
    // before the relay's.
    for r in &plan.internal {
        let relay = r.host.as_ref().map(|h| h.to_string()).unwrap_or_default();
        lines.push(format!("{}:{relay}", r.domain));
        lines.push(format!(".{}:{relay}", r.domain));
    }
    // The article's line is `:smtp-relay.gmail.com:25`; the port follows the plan.
    lines.push(format!(":{}:{}", plan.relay_host, plan.port.number()));
    lines
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Qmail, form, None, relaying("qmail", plan))?;
    // Port 465 wants a TLS handshake before the greeting; qmail-remote would wait for
    // a 220 that never comes, even under --force.
    refuse_implicit_tls(
        Target::Qmail,
        plan,
        "use TLS from the first byte (port 465): stock qmail-remote has no TLS at all; use port 587 or 25 without TLS, or an MTA with TLS",
    )?;
    // smtproutes, helohost and timeoutsmtpd have no comment syntax: no header line.
    a.files.extend([
        FileEdit::create(
            SMTPROUTES,
            "the routes: internal domains first, then everything else to the relay (no comments allowed in this file)",
            smtproutes(plan),
        )
        .primary(),
        FileEdit::create(
            HELOHOST,
            // Google help 6140680: the FQDN of the sending device, never localhost.
            "the name qmail-remote says HELO with (default: control/me)",
            vec![super::helo(plan).to_owned()],
        ),
        FileEdit::create(
            TIMEOUTSMTPD,
            format!(
                "seconds qmail-smtpd waits for the other side (the article: at least {} s)",
                plan.timeouts.qmail_smtpd_min_s
            ),
            vec![plan.timeouts.qmail_smtpd_s.to_string()],
        ),
    ]);
    a.commands.push(sh(
        "svc -t /service/qmail-send",
        "restart qmail-send (daemontools; qmailctl restart where installed); qmail-remote reads the control files at every delivery anyway",
    ));

    a.notes.push(Note::info(
        format!(
            "timeoutsmtpd is {} s (the article: at least {} s, default 1200); qmail-remote's own wait for the relay is control/timeoutremote (default 1200 s)",
            plan.timeouts.qmail_smtpd_s, plan.timeouts.qmail_smtpd_min_s
        ),
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions (Qmail)",
    ));
    if plan.tls != TlsMode::Off {
        a.notes.push(Note::warning(
            format!(
                "stock qmail-remote never sends STARTTLS: mail goes to port {} in clear, and with \"Require TLS encryption\" the relay answers 530 5.7.0 Must issue a STARTTLS command first; use a TLS-patched qmail-remote or another MTA",
                plan.port.number()
            ),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": Require TLS; Google 3726730 \"Gmail SMTP errors and codes\": 530 5.7.0 Must issue a STARTTLS command first",
        ));
    }
    if plan.sasl.is_some() {
        a.notes.push(Note::warning(
            "stock qmail-remote has no SMTP AUTH: no credentials are written, and the relay refuses the mail until IP authentication is used",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": the SMTP relay service setting",
        ));
    }
    a.notes.extend(by_family(
        plan.egress,
        Note::info(
            "stock qmail-remote connects over IPv4 only: nothing to set for the IPv4-only ranges",
            IPV6_TRAP,
        ),
        Note::warning(
            "stock qmail-remote has no IPv6: register this server's public IPv4 address in the console",
            IPV6_TRAP,
        ),
    ));
    if plan.connection_reuse {
        a.notes.push(Note::info(
            "qmail-remote opens one connection per delivery and cannot cache connections; at high volume Google asks for several messages per connection, which needs another MTA",
            CONNECTION_CACHING,
        ));
    }
    a.notes.push(Note::info(
        format!(
            "qmail delivers each recipient in its own SMTP transaction, well within the relay's {} recipients",
            plan.max_rcpt_per_transaction
        ),
        RCPT_LIMIT,
    ));

    a.verify = vec![super::test_message(
        plan,
        "/var/qmail/bin/qmail-inject -f",
        Some("/var/log/qmail/current"),
    )];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{internal_domains, ipv4_only, plan_for};
    use crate::relay::console::{Authentication, ConsoleSetting};
    use crate::relay::plan::{ClientPlan, NoteLevel, PlanError, Site};
    use crate::relay::Port;

    /// Starts from a plan qmail meets without --force: Require TLS off, IP authentication.
    fn qmail_plan(
        force: bool,
        f: impl FnOnce(&mut ConsoleSetting, &mut Site),
    ) -> Result<ClientPlan, PlanError> {
        plan_for(Target::Qmail, force, |c, s| {
            c.require_tls = false;
            f(c, s)
        })
    }

    fn artifact(
        force: bool,
        f: impl FnOnce(&mut ConsoleSetting, &mut Site),
    ) -> Result<Artifact, GenError> {
        render(&qmail_plan(force, f).unwrap(), Form::Natural)
    }

    #[test]
    fn internal_routes_come_before_the_relay_route() {
        let a = artifact(false, internal_domains).unwrap();
        let routes = &a.files[0];
        assert_eq!(routes.path, SMTPROUTES);
        assert_eq!(routes.comment, None);
        assert_eq!(
            routes.lines,
            [
                "corp.example.com:mailhub.corp.example.com",
                ".corp.example.com:mailhub.corp.example.com",
                "lab.example.net:",
                ".lab.example.net:",
                ":smtp-relay.gmail.com:587",
            ]
        );
    }

    #[test]
    fn helohost_and_timeout_come_from_the_plan() {
        let a = artifact(false, |_, s| s.port = Some(Port::Smtp)).unwrap();
        assert_eq!(a.files[0].lines, [":smtp-relay.gmail.com:25"]);
        let helo = a.files.iter().find(|f| f.path == HELOHOST).unwrap();
        assert_eq!(helo.lines, ["mail.example.com"]);
        let t = a.files.iter().find(|f| f.path == TIMEOUTSMTPD).unwrap();
        assert_eq!(t.lines, ["1200"]);
        // No file may start with a header comment: qmail would read it as data.
        assert!(a.files.iter().all(|f| !f.lines[0].starts_with('#')));
    }

    #[test]
    fn forced_tls_and_auth_are_spelled_out_as_warnings() {
        let a = artifact(true, |c, _| {
            c.require_tls = true;
            c.authentication = Authentication::Both;
        })
        .unwrap();
        let warnings: Vec<_> = a
            .notes
            .iter()
            .filter(|n| n.level == NoteLevel::Warning)
            .map(|n| n.text.as_str())
            .collect();
        assert!(warnings.iter().any(|t| t.contains("never sends STARTTLS")));
        assert!(warnings.iter().any(|t| t.contains("no SMTP AUTH")));
        assert!(a
            .files
            .iter()
            .all(|f| f.lines.iter().all(|l| !l.contains("APP_PASSWORD"))));
    }

    #[test]
    fn port_465_is_refused_even_when_forced() {
        // The plan refuses it from qmail's capabilities, before --force is considered.
        let e = qmail_plan(true, |_, s| s.port = Some(Port::Smtps)).unwrap_err();
        assert!(e.to_string().contains("port 465"), "{e}");
    }

    #[test]
    fn ipv4_only_ranges_need_nothing_from_stock_qmail() {
        let a = artifact(false, ipv4_only).unwrap();
        assert!(a.notes.iter().any(|n| n.text.contains("IPv4 only")));
    }
}

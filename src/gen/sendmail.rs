//! Sendmail generator. Spells a ClientPlan as sendmail.mc lines (smart host, mailer
//! arguments, options, features), the access, authinfo and mailertable entries the plan
//! needs, and the rebuild/restart steps. Decides nothing; refuses what sendmail cannot do.

use super::{
    by_family, refuse_implicit_tls, Target, APP_PASSWORDS, IPV6_TRAP, PASSWORD_PLACEHOLDER,
};
use super::{relaying, sh, Artifact, FileEdit, Form, GenError};
use crate::relay::plan::{ClientPlan, Note, TlsMode};
use crate::relay::Family;

const SENDMAIL_MC: &str = "/etc/mail/sendmail.mc";
const ACCESS: &str = "/etc/mail/access";
const AUTHINFO: &str = "/etc/mail/authinfo";
const MAILERTABLE: &str = "/etc/mail/mailertable";
/// Debian's CA bundle and directory (package ca-certificates).
const CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";
const CA_PATH: &str = "/etc/ssl/certs";

/// One m4 `define` line.
fn define(name: &str, value: &str) -> String {
    format!("define(`{name}', `{value}')dnl")
}

/// A sendmail time value (`1h`, `5m`, `90s`) for a number of seconds.
fn duration(secs: u64) -> String {
    match secs {
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The access-map entry that makes the relay's TLS what the plan says, if one is needed.
fn access_line(plan: &ClientPlan) -> Option<String> {
    match plan.tls {
        // sendmail cf/README, "TLS_Srv": ENCR:<bits> only asks for encryption, from any
        // certificate (an impostor gets the mail and the AUTH password); VERIFY:<bits>
        // also requires a chain that verifies against confCACERT, and +CN:<name> that the
        // certificate's subject CN is the relay's name. Otherwise the mail is deferred.
        TlsMode::StartTls | TlsMode::Implicit => Some(format!(
            "TLS_Srv:{host}\tVERIFY:128+CN:{host}",
            host = plan.relay_host
        )),
        // cf/m4/proto.m4, ruleset try_tls: Try_TLS:<server_name> NO skips STARTTLS.
        TlsMode::Off => Some(format!("Try_TLS:{}\tNO", plan.relay_host)),
        // The client uses STARTTLS whenever the server offers it: nothing to add.
        TlsMode::Opportunistic => None,
    }
}

/// The sendmail.mc lines for `plan`, in the order they are written.
fn mc_lines(plan: &ClientPlan) -> Vec<String> {
    let mut l = vec![
        "dnl Put these lines before MAILER_DEFINITIONS and the MAILER() lines.".to_owned(),
        // sendmail cf/README, SMART_HOST; Google help 2956491: Google's own line, with brackets so that no MX
        // lookup is made (the relay mailer connects to the host as named).
        define("SMART_HOST", &format!("[{}]", plan.relay_host)),
        // cf/feature/msp.m4 uses the same `TCP $h 587` to reach port 587: the smart
        // host goes through the relay mailer, whose arguments carry the port.
        define(
            "RELAY_MAILER_ARGS",
            &format!("TCP $h {}", plan.port.number()),
        ),
        // Google help 6140680: the FQDN of the sending device in EHLO (HeloName, 8.13+).
        define("confHELO_NAME", super::helo(plan)),
    ];
    if plan.tls != TlsMode::Off {
        // The roots VERIFY checks the relay's chain against (Google 6180220: GTS/GlobalSign
        // roots, in Debian's ca-certificates bundle); sendmail logs verify=OK.
        l.push(define("confCACERT_PATH", CA_PATH));
        l.push(define("confCACERT", CA_FILE));
    }
    // Google help 6140680: at most 100 recipients per transaction; this sets r= on the
    // smtp, esmtp and relay mailers (cf/mailer/smtp.m4).
    l.push(define(
        "SMTP_MAILER_MAXRCPTS",
        &plan.max_rcpt_per_transaction.to_string(),
    ));
    if plan.connection_reuse {
        // Google help 2956491, connection caching: keep connections open and reuse
        // them; these are sendmail's defaults, written out so nobody sets them to 0.
        l.push(define("confMCI_CACHE_SIZE", "2"));
        l.push(define("confMCI_CACHE_TIMEOUT", "5m"));
    } else {
        l.push(define("confMCI_CACHE_SIZE", "0"));
    }
    // Google help 2956491, per-MTA instructions: Timeout.datafinal at least 1 hour.
    l.push(define(
        "confTO_DATAFINAL",
        &duration(plan.timeouts.data_final_min_s),
    ));
    if access_line(plan).is_some() {
        // Debian's and Red Hat's sendmail.mc already have FEATURE(`access_db'); a second
        // one duplicates the map, so add it only when it is missing.
        l.push("ifdef(`_ACCESS_TABLE_', `', `FEATURE(`access_db')')dnl".to_owned());
    }
    if plan.sasl.is_some() {
        l.push("FEATURE(`authinfo')dnl".to_owned());
    }
    if !plan.internal.is_empty() {
        l.push("FEATURE(`mailertable')dnl".to_owned());
    }
    if plan.egress == Family::V4 {
        l.push("dnl IPv4 only: sendmail has no client setting for it; see the notes".to_owned());
    }
    l
}

/// The mailertable lines for the internal domains: `esmtp:[host]`, or MX delivery.
fn mailertable_lines(plan: &ClientPlan) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &plan.internal {
        let (exact, sub) = match &r.host {
            // Brackets: connect to the host itself, no MX lookup.
            Some(h) => (format!("esmtp:[{h}]"), format!("esmtp:[{h}]")),
            // Without brackets the host part is MX-resolved; for `.domain` keys, %1 is
            // the part of the name in front of the domain.
            None => (
                format!("esmtp:{}", r.domain),
                format!("esmtp:%1.{}", r.domain),
            ),
        };
        lines.push(format!("{}\t{exact}", r.domain));
        lines.push(format!(".{}\t{sub}", r.domain));
    }
    lines
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Sendmail, form, None, relaying("Sendmail", plan))?;
    // Sendmail 8.17 speaks TLS as a client only through STARTTLS (its SMTPS support,
    // Modifier=s, is for the daemon side).
    refuse_implicit_tls(
        Target::Sendmail,
        plan,
        "use TLS from the first byte (port 465): its client speaks TLS only through STARTTLS; use --port 587",
    )?;
    a.files.push(
        FileEdit::add(
            SENDMAIL_MC,
            "add these lines before MAILER_DEFINITIONS (the features and mailer arguments must come before the MAILER() lines), replacing any earlier SMART_HOST",
            mc_lines(plan),
        )
        .primary()
        .headed("dnl", plan),
    );

    if let Some(line) = access_line(plan) {
        a.files.push(
            FileEdit::add(
                ACCESS,
                match plan.tls {
                    TlsMode::Off => "add this entry: no STARTTLS towards the relay".to_owned(),
                    _ => "add this entry: mail to the relay waits in the queue rather than leave without encryption to a server whose certificate does not verify for the relay's name".to_owned(),
                },
                vec![line],
            )
            .headed("#", plan),
        );
        a.commands.push(sh(
            format!("makemap hash {ACCESS} < {ACCESS}"),
            "rebuild the access map",
        ));
    }
    if let Some(sasl) = &plan.sasl {
        a.add_secret(
            FileEdit::create(
                AUTHINFO,
                format!("the SMTP AUTH credentials for the relay; replace {PASSWORD_PLACEHOLDER} with an app password"),
                vec![format!(
                    "AuthInfo:{} \"U:{user}\" \"I:{user}\" \"P:{PASSWORD_PLACEHOLDER}\" \"M:PLAIN LOGIN\"",
                    plan.relay_host,
                    user = sasl.username
                )],
            )
            .headed("#", plan),
            None,
        );
        a.commands.push(sh(
            format!("makemap hash {AUTHINFO} < {AUTHINFO}"),
            "build the authinfo map",
        ));
        a.notes.push(Note::info(
            "SMTP AUTH needs sendmail built with SASL (Debian's is) and the PLAIN/LOGIN plugins (Debian: apt-get install libsasl2-modules); Google accepts it only with an app password (2-Step Verification) or OAuth, and refuses the account password with 535 5.7.8",
            APP_PASSWORDS,
        ));
    }
    if !plan.internal.is_empty() {
        a.files.push(
            FileEdit::create(
                MAILERTABLE,
                "internal domains that must not go to Google (checked before the smart host; without brackets the host is found by MX lookup)",
                mailertable_lines(plan),
            )
            .headed("#", plan),
        );
        a.commands.push(sh(
            format!("makemap hash {MAILERTABLE} < {MAILERTABLE}"),
            "build the mailertable map",
        ));
    }
    a.commands.push(sh(
        "make -C /etc/mail",
        "rebuild sendmail.cf from sendmail.mc (Debian; elsewhere: m4 /etc/mail/sendmail.mc > /etc/mail/sendmail.cf)",
    ));
    a.commands
        .push(sh("systemctl restart sendmail", "apply it"));

    a.notes.push(Note::info(
        format!(
            "Timeout.datafinal stays at {} (Google asks for at least 1 hour, sendmail's default); the relay mailer sends at most {} recipients per transaction",
            duration(plan.timeouts.data_final_min_s),
            plan.max_rcpt_per_transaction
        ),
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions (Sendmail); Google 6140680 \"SMTP relay service error messages\": 100-recipient limit per SMTP transaction",
    ));
    a.notes.push(match plan.tls {
        TlsMode::StartTls | TlsMode::Implicit => Note::info(
            format!("sendmail's client uses STARTTLS whenever the server offers it; the access entry TLS_Srv:{host} VERIFY:128+CN:{host} makes it defer the mail (454 4.7.0) instead of sending it in clear or to a server whose certificate does not verify (CA bundle: confCACERT; elsewhere than Debian, point it at the system bundle, e.g. /etc/pki/tls/certs/ca-bundle.crt on Red Hat) or whose subject CN is not {host}", host = plan.relay_host),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\"; sendmail cf/README, TLS_Srv; sendmail cf/m4/proto.m4, tls_server; Google 6180220 \"Use TLS certificates for secure transport\"",
        ),
        TlsMode::Opportunistic => Note::info(
            "sendmail's client uses STARTTLS whenever the server offers it, and sends in clear otherwise",
            "sendmail cf/m4/proto.m4, try_tls",
        ),
        TlsMode::Off => Note::info(
            format!("sendmail's client would use STARTTLS whenever offered; the access entry Try_TLS:{} NO turns it off for the relay only", plan.relay_host),
            "sendmail cf/m4/proto.m4, try_tls",
        ),
    });
    a.notes.extend(by_family(
        plan.egress,
        Note::warning(
            "sendmail cannot be limited to IPv4 by configuration: ClientPortOptions Family= only chooses which options apply to a family, and the client tries the relay's IPv6 addresses first whenever the host can open an IPv6 socket (sendmail/daemon.c, makeconnection). Register this server's IPv6 /112 in the console as well, or disable IPv6 on the host (kernel parameter ipv6.disable=1)",
            IPV6_TRAP,
        ),
        Note::info(
            "sendmail tries IPv6 first and falls back to IPv4 only when no IPv6 connection can be made; make sure this host has IPv6 egress",
            IPV6_TRAP,
        ),
    ));

    a.verify = vec![
        format!(
            "sendmail -bv you@example.org    # expect: mailer relay, host [{}]",
            plan.relay_host
        ),
        // Never `sendmail -v`: it shows the SMTP dialogue, AUTH PLAIN and the password
        // in base64 included. relayctl send-test redacts it; the log never has it.
        super::test_message(plan, super::SENDMAIL_SUBMIT, Some(super::MAIL_LOG)),
    ];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, internal_domains, ipv4_only, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{Capabilities, Site};
    use crate::relay::Port;

    fn artifact(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Result<Artifact, GenError> {
        testing::artifact(Target::Sendmail, render, f)
    }

    fn all_lines(a: &Artifact) -> Vec<&str> {
        a.files
            .iter()
            .flat_map(|f| f.lines.iter().map(String::as_str))
            .collect()
    }

    #[test]
    fn default_plan_sets_smart_host_port_helo_and_mandatory_tls() {
        let a = artifact(|_, _| {}).unwrap();
        let mc = &a.files[0].lines;
        assert!(mc.contains(&"define(`SMART_HOST', `[smtp-relay.gmail.com]')dnl".to_owned()));
        assert!(mc.contains(&"define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl".to_owned()));
        assert!(mc.contains(&"define(`confHELO_NAME', `mail.example.com')dnl".to_owned()));
        assert!(mc.contains(&"define(`confTO_DATAFINAL', `1h')dnl".to_owned()));
        let access = a.files.iter().find(|f| f.path == ACCESS).unwrap();
        assert!(access.lines.contains(
            &"TLS_Srv:smtp-relay.gmail.com\tVERIFY:128+CN:smtp-relay.gmail.com".to_owned()
        ));
        // ENCR: encrypts to any certificate, an impostor's included.
        assert!(!all_lines(&a).iter().any(|l| l.contains("ENCR:")));
        assert!(a.files.iter().all(|f| f.path != AUTHINFO));
    }

    #[test]
    fn port_465_is_refused() {
        // Sendmail's own capabilities make the plan refuse port 465 first; a plan built
        // with full capabilities (one built another way) is what the generator guards
        // against.
        let p = testing::plan_with_caps(Target::Sendmail, Capabilities::FULL, false, |_, s| {
            s.port = Some(Port::Smtps)
        })
        .unwrap();
        let e = render(&p, Form::Natural).unwrap_err();
        assert!(matches!(
            e,
            GenError::Unsupported {
                target: Target::Sendmail,
                ..
            }
        ));
        assert!(e.to_string().contains("587"), "{e}");
    }

    #[test]
    fn smtp_auth_writes_only_the_placeholder() {
        let a = artifact(smtp_auth).unwrap();
        let auth = a.files.iter().find(|f| f.path == AUTHINFO).unwrap();
        assert_eq!(auth.mode, Some("0600"));
        assert!(auth.lines[1].starts_with("AuthInfo:smtp-relay.gmail.com \"U:relay@example.com\""));
        assert!(auth.lines[1].contains("\"P:APP_PASSWORD\""));
        assert!(a.files[0]
            .lines
            .contains(&"FEATURE(`authinfo')dnl".to_owned()));
        assert!(a
            .commands
            .iter()
            .any(|c| c.line.contains("makemap hash /etc/mail/authinfo")));
    }

    #[test]
    fn internal_routes_go_to_the_mailertable() {
        let a = artifact(internal_domains).unwrap();
        let mt = a.files.iter().find(|f| f.path == MAILERTABLE).unwrap();
        assert_eq!(
            &mt.lines[1..],
            [
                "corp.example.com\tesmtp:[mailhub.corp.example.com]",
                ".corp.example.com\tesmtp:[mailhub.corp.example.com]",
                "lab.example.net\tesmtp:lab.example.net",
                ".lab.example.net\tesmtp:%1.lab.example.net",
            ]
        );
        assert!(a.files[0]
            .lines
            .contains(&"FEATURE(`mailertable')dnl".to_owned()));
    }

    #[test]
    fn tls_off_skips_starttls_for_the_relay_only() {
        let a = artifact(|c, s| {
            c.require_tls = false;
            s.tls = Some(crate::relay::plan::TlsPreference::None);
            s.port = Some(Port::Smtp);
        })
        .unwrap();
        assert!(all_lines(&a).contains(&"Try_TLS:smtp-relay.gmail.com\tNO"));
        assert!(all_lines(&a).contains(&"define(`RELAY_MAILER_ARGS', `TCP $h 25')dnl"));
        assert!(!all_lines(&a).iter().any(|l| l.contains("confCACERT")));
    }

    #[test]
    fn ipv4_only_is_flagged_in_the_file_and_the_notes() {
        let a = artifact(ipv4_only).unwrap();
        assert!(a.files[0]
            .lines
            .iter()
            .any(|l| l.starts_with("dnl IPv4 only")));
        assert!(a.notes.iter().any(|n| n.text.contains("ipv6.disable=1")));
    }

    #[test]
    fn durations_use_sendmail_units() {
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(90), "90s");
    }
}

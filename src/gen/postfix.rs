//! Postfix generator. Spells a ClientPlan as main.cf parameters (or `postconf -e`
//! commands), the sasl_passwd and transport maps when the plan needs them, and the
//! postmap/reload steps. Decides nothing.

use super::{app_password_note, by_family, Target, PASSWORD_PLACEHOLDER};
use super::{relaying, sh, Artifact, FileEdit, Form, GenError, Primary};
use crate::relay::plan::{ClientPlan, Note, TlsMode};
use crate::relay::Family;

const MAIN_CF: &str = "/etc/postfix/main.cf";
const SASL_PASSWD: &str = "/etc/postfix/sasl_passwd";
const TRANSPORT: &str = "/etc/postfix/transport";
/// Debian's CA bundle (package ca-certificates): the roots `secure` verifies the relay's
/// certificate against. smtp(8) reads it before entering its chroot jail.
pub(crate) const CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// The master.cf entry of tlsproxy(8), as Debian's commented-out line has it.
const TLSPROXY_SERVICE: &str = "tlsproxy/unix='tlsproxy unix - - y - 0 tlsproxy'";

/// The relayhost value: brackets skip the MX lookup (postconf(5), relayhost).
pub(crate) fn relayhost(plan: &ClientPlan) -> String {
    format!("[{}]:{}", plan.relay_host, plan.port.number())
}

/// The main.cf parameters for `plan`, in the order they are written.
fn parameters(plan: &ClientPlan) -> Vec<(&'static str, String)> {
    let next_hop = relayhost(plan);
    let mut p: Vec<(&'static str, String)> = vec![
        ("relayhost", next_hop),
        // Google help 6140680: the FQDN of the sending device, never localhost.
        ("smtp_helo_name", super::helo(plan).to_owned()),
    ];
    // postconf(5), smtp_tls_security_level: `encrypt` takes any certificate, so an
    // impostor on the path gets the mail and the SMTP AUTH password; `secure` verifies
    // the chain against smtp_tls_CAfile and the name against smtp_tls_secure_cert_match.
    let level = match plan.tls {
        TlsMode::Implicit | TlsMode::StartTls => "secure",
        TlsMode::Opportunistic => "may",
        TlsMode::Off => "none",
    };
    p.push(("smtp_tls_security_level", level.to_owned()));
    if level == "secure" {
        // postconf(5), smtp_tls_secure_cert_match: `nexthop` is the next-hop domain, which
        // for relayhost = [host]:port is the host name itself: the certificate must carry
        // smtp-relay.gmail.com (Google 6180220: the certificates are shared across hosts
        // and name the relay).
        p.push(("smtp_tls_secure_cert_match", "nexthop".to_owned()));
    }
    if plan.tls == TlsMode::Implicit {
        // docker-mailserver/docker-mailserver#1428: 465 needs wrapper mode, or Postfix refuses to send.
        p.push(("smtp_tls_wrappermode", "yes".to_owned()));
    }
    if plan.tls != TlsMode::Off {
        p.push(("smtp_tls_CAfile", CA_FILE.to_owned()));
    }
    match &plan.sasl {
        Some(_) => {
            p.push(("smtp_sasl_auth_enable", "yes".to_owned()));
            p.push(("smtp_sasl_password_maps", format!("hash:{SASL_PASSWD}")));
            p.push(("smtp_sasl_security_options", "noanonymous".to_owned()));
            p.push(("smtp_sasl_tls_security_options", "noanonymous".to_owned()));
        }
        // loganmarchione/docker-postfixrelay#62: with IP authentication, a stray SASL attempt defers mail.
        None => p.push(("smtp_sasl_auth_enable", "no".to_owned())),
    }
    if plan.connection_reuse {
        // Google help 2956491, connection caching: several messages per connection.
        // postconf(5), smtp_connection_cache_destinations: the list is matched against
        // the next-hop host name, without the brackets and port of the relayhost value
        // (`[host]:587` never matches, and every message opens its own session).
        p.push((
            "smtp_connection_cache_destinations",
            plan.relay_host.to_string(),
        ));
        if plan.tls != TlsMode::Off {
            // Postfix >= 3.4 caches TLS connections only through tlsproxy(8).
            p.push(("smtp_tls_connection_reuse", "yes".to_owned()));
        }
    }
    // Google help 6140680: at most 100 recipients per transaction.
    p.push((
        "smtp_destination_recipient_limit",
        plan.max_rcpt_per_transaction.to_string(),
    ));
    if let Some(family) = by_family(plan.egress, "ipv4", "ipv6") {
        p.push(("inet_protocols", family.to_owned()));
    }
    if !plan.internal.is_empty() {
        p.push(("transport_maps", format!("hash:{TRANSPORT}")));
    }
    p
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Postfix, form, None, relaying("Postfix", plan))?;
    let params = parameters(plan);

    if a.primary == Primary::File {
        a.files.push(
            FileEdit::add(
                MAIN_CF,
                "add these lines, replacing earlier assignments of the same parameters (the last assignment wins)",
                params.iter().map(|(k, v)| format!("{k} = {v}")).collect(),
            )
            .primary()
            .headed("#", plan),
        );
    } else {
        for (k, v) in &params {
            a.commands.push(sh(
                format!("postconf -e '{k} = {v}'"),
                "set the parameter in main.cf",
            ));
        }
    }

    if let Some(sasl) = &plan.sasl {
        a.add_secret(
            FileEdit::create(
                SASL_PASSWD,
                format!("the SMTP AUTH credentials; the key must be exactly the relayhost value; replace {PASSWORD_PLACEHOLDER} with an app password"),
                vec![format!(
                    "{} {}:{PASSWORD_PLACEHOLDER}",
                    relayhost(plan),
                    sasl.username
                )],
            )
            .comments("#"),
            None,
        );
        a.commands.push(sh(
            format!("postmap hash:{SASL_PASSWD}"),
            "build the lookup table Postfix reads",
        ));
        a.commands.push(sh(
            format!("chmod 600 {SASL_PASSWD}.db"),
            "the built table holds the password too",
        ));
        a.notes.push(app_password_note());
    }
    if !plan.internal.is_empty() {
        let mut lines = Vec::new();
        for r in &plan.internal {
            let next = match &r.host {
                Some(h) => format!("smtp:[{h}]"),
                None => "smtp:".to_owned(),
            };
            // transport(5): `.domain` matches sub-domains (transport_maps is not in
            // parent_domain_matches_subdomains by default).
            lines.push(format!("{} {next}", r.domain));
            lines.push(format!(".{} {next}", r.domain));
        }
        a.files.push(
            FileEdit::create(
                TRANSPORT,
                "internal domains that must not go to Google (smtp: alone means normal MX delivery)",
                lines,
            )
            .comments("#"),
        );
        a.commands.push(sh(
            format!("postmap hash:{TRANSPORT}"),
            "build the transport table",
        ));
    }
    if plan.connection_reuse && plan.tls != TlsMode::Off {
        // postconf(5), smtp_tls_connection_reuse: TLS connections are cached through
        // tlsproxy(8), which Debian's master.cf ships commented out; without it, delivery
        // to the relay fails.
        a.commands.push(sh(
            format!("postconf -M {TLSPROXY_SERVICE}"),
            "enable the tlsproxy(8) service that TLS connection reuse needs",
        ));
    }
    if matches!(plan.tls, TlsMode::StartTls | TlsMode::Implicit) {
        a.notes.push(Note::info(
            format!("smtp_tls_security_level = secure: Postfix sends (and authenticates) only after the relay's certificate verifies against smtp_tls_CAfile and names {} (encrypt would take any certificate, an impostor's included); the CA file is Debian's ca-certificates bundle, elsewhere /etc/pki/tls/certs/ca-bundle.crt (Red Hat, Fedora), /usr/local/share/certs/ca-root-nss.crt (FreeBSD), /etc/ssl/cert.pem (macOS, OpenBSD)", plan.relay_host),
            "postconf(5), smtp_tls_security_level; postconf(5), smtp_tls_secure_cert_match; Google 6180220 \"Use TLS certificates for secure transport\"",
        ));
        if !plan.internal.is_empty() {
            a.notes.push(Note::warning(
                "smtp_tls_security_level applies to the internal routes too: their servers must present a certificate that verifies for the next-hop name; for one that cannot, add an smtp_tls_policy_maps entry for it (e.g. `[mailhub.example.com] encrypt`)",
                "postconf(5), smtp_tls_policy_maps",
            ));
        }
    }
    if plan.egress != Family::Any {
        a.notes.push(Note::info(
            "inet_protocols applies to the whole of Postfix, the SMTP server included; it needs `postfix stop; postfix start`, not just a reload",
            "postconf(5), inet_protocols",
        ));
    }
    a.commands
        .push(sh("postfix check", "check the configuration"));
    a.commands.push(sh("postfix reload", "apply it"));

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
    use crate::gen::testing::{self, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{Site, TlsPreference};
    use crate::relay::Port;

    fn artifact(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Artifact {
        testing::artifact(Target::Postfix, render, f).unwrap()
    }

    fn param<'a>(a: &'a Artifact, name: &str) -> Option<&'a str> {
        a.files[0].lines.iter().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(" = "))
        })
    }

    /// `encrypt` takes any certificate: SMTP AUTH went to a self-signed impostor. Required
    /// TLS is `secure`, matched against the relay's host name, with a CA file.
    #[test]
    fn required_tls_verifies_the_relay_certificate() {
        for (name, a) in [
            ("ip auth, 587", artifact(|_, _| {})),
            ("smtp auth, 587", artifact(smtp_auth)),
            (
                "smtp auth, 465",
                artifact(|c, s| {
                    smtp_auth(c, s);
                    s.port = Some(Port::Smtps);
                }),
            ),
        ] {
            assert_eq!(
                param(&a, "smtp_tls_security_level"),
                Some("secure"),
                "{name}"
            );
            assert_eq!(
                param(&a, "smtp_tls_secure_cert_match"),
                Some("nexthop"),
                "{name}"
            );
            assert_eq!(param(&a, "smtp_tls_CAfile"), Some(CA_FILE), "{name}");
            assert!(
                a.notes
                    .iter()
                    .any(|n| n.text.contains("/etc/pki/tls/certs/ca-bundle.crt")),
                "{name}"
            );
            let all = a.files[0].lines.join("\n");
            assert!(!all.contains("encrypt"), "{name}: {all}");
        }
        // Opportunistic TLS cannot verify (Postfix `may` never does) and says nothing of it.
        let opp = artifact(|c, s| {
            c.require_tls = false;
            s.tls = Some(TlsPreference::Opportunistic);
        });
        assert_eq!(param(&opp, "smtp_tls_security_level"), Some("may"));
        assert_eq!(param(&opp, "smtp_tls_secure_cert_match"), None);
    }

    /// `[smtp-relay.gmail.com]:587` in smtp_connection_cache_destinations never matched:
    /// three messages made three sessions. The list takes the bare host name.
    #[test]
    fn connection_cache_names_the_bare_relay_host() {
        let a = artifact(|_, _| {});
        assert_eq!(
            param(&a, "smtp_connection_cache_destinations"),
            Some("smtp-relay.gmail.com")
        );
        assert_eq!(param(&a, "relayhost"), Some("[smtp-relay.gmail.com]:587"));
    }

    /// sasl_passwd and the table postmap builds from it are both root-only.
    #[test]
    fn the_password_file_and_its_table_are_root_only() {
        let a = artifact(smtp_auth);
        let sasl = a.files.iter().find(|f| f.path == SASL_PASSWD).unwrap();
        assert_eq!(sasl.mode, Some("0600"));
        let cmds: Vec<&str> = a.commands.iter().map(|c| c.line.as_str()).collect();
        let pos = |l: &str| {
            cmds.iter()
                .position(|c| *c == l)
                .unwrap_or_else(|| panic!("{l}: {cmds:?}"))
        };
        assert!(
            pos("chmod 600 /etc/postfix/sasl_passwd")
                < pos("postmap hash:/etc/postfix/sasl_passwd")
        );
        assert!(
            pos("postmap hash:/etc/postfix/sasl_passwd")
                < pos("chmod 600 /etc/postfix/sasl_passwd.db")
        );
        assert!(pos("chmod 600 /etc/postfix/sasl_passwd.db") < pos("postfix reload"));
    }
}

//! Exim generator, for Debian's exim4 packaging. Spells a ClientPlan as a complete
//! update-exim4.conf.conf (smarthost mode), the exim4.conf.localmacros lines for what the
//! dc_ values cannot say, passwd.client and hubbed_hosts when the plan needs them, and the
//! update-exim4.conf/restart steps. Decides nothing.

use super::{by_family, Target, APP_PASSWORDS, IPV6_TRAP, PASSWORD_PLACEHOLDER, RCPT_LIMIT};
use super::{relaying, sh, Artifact, FileEdit, Form, GenError};
use crate::relay::plan::{ClientPlan, Note, TlsMode};
use crate::relay::Family;

const UPDATE_CONF: &str = "/etc/exim4/update-exim4.conf.conf";
const LOCALMACROS: &str = "/etc/exim4/exim4.conf.localmacros";
const PASSWD_CLIENT: &str = "/etc/exim4/passwd.client";
const HUBBED_HOSTS: &str = "/etc/exim4/hubbed_hosts";
/// Exim's smtp transport default for `max_rcpt` (spec.txt, chapter "The smtp transport").
const EXIM_MAX_RCPT: u32 = 100;

/// Debian's template (transport/10_exim4-config_transport-macros) defaults this macro to
/// `*`; written out so that an older localmacros line cannot turn verification off. With
/// it, the smarthost transport's tls_verify_hosts makes Exim refuse a certificate that does
/// not verify against the system CAs, and tls_verify_cert_hostnames (default `*`) one that
/// does not name the relay (Exim specification, the smtp transport).
const VERIFY_MACRO: &str = "REMOTE_SMTP_SMARTHOST_TLS_VERIFY_HOSTS = *";

/// The dc_smarthost value: update-exim4.conf.conf(5) takes the port after two colons.
fn smarthost(plan: &ClientPlan) -> String {
    // update-exim4.conf.conf(5): dc_smarthost='smtp-relay.gmail.com::587'.
    format!("{}::{}", plan.relay_host, plan.port.number())
}

/// The update-exim4.conf.conf values, in the order Debian writes them.
fn dc_values(plan: &ClientPlan) -> Vec<(&'static str, String)> {
    let interfaces = match plan.egress {
        // With disable_ipv6, an IPv6 address in local_interfaces is ignored anyway.
        Family::V4 => "127.0.0.1",
        _ => "127.0.0.1 ; ::1",
    };
    vec![
        ("dc_eximconfig_configtype", "smarthost".to_owned()),
        // Only localhost and this host's own name are local: mail to the Workspace
        // domains must leave through the relay, not end in a local mailbox.
        ("dc_other_hostnames", String::new()),
        ("dc_local_interfaces", interfaces.to_owned()),
        ("dc_readhost", String::new()),
        ("dc_relay_domains", String::new()),
        ("dc_minimaldns", "false".to_owned()),
        ("dc_relay_nets", String::new()),
        ("dc_smarthost", smarthost(plan)),
        ("CFILEMODE", "644".to_owned()),
        ("dc_use_split_config", "false".to_owned()),
        ("dc_hide_mailname", "false".to_owned()),
        // Tells the maintainer scripts /etc/mailname was already considered, so they do
        // not add it to dc_other_hostnames again.
        ("dc_mailname_in_oh", "true".to_owned()),
        ("dc_localdelivery", "mail_spool".to_owned()),
    ]
}

/// The exim4.conf.localmacros lines: macros of Debian's exim4-config 4.96 templates
/// (transport/30_exim4-config_remote_smtp_smarthost) and one main option.
fn macros(plan: &ClientPlan) -> Vec<String> {
    // Exim specification, helo_data; Google help 6140680: the HELO name is the primary host name unless
    // helo_data says otherwise; the macro sets it on both remote transports.
    let mut l = vec![format!("REMOTE_SMTP_HELO_DATA = {}", super::helo(plan))];
    match plan.tls {
        TlsMode::StartTls => {
            l.push("REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *".to_owned());
            l.push(VERIFY_MACRO.to_owned());
        }
        TlsMode::Implicit => {
            l.push("REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *".to_owned());
            l.push(VERIFY_MACRO.to_owned());
            // RFC 8314; firebase/extensions#632: port 465 is TLS from the first byte (protocol smtps).
            l.push("REMOTE_SMTP_SMARTHOST_PROTOCOL = smtps".to_owned());
        }
        // The transport tries STARTTLS whenever offered: nothing to add.
        TlsMode::Opportunistic => {}
        TlsMode::Off => l.push("REMOTE_SMTP_SMARTHOST_HOSTS_AVOID_TLS = *".to_owned()),
    }
    if plan.egress == Family::V4 {
        // the IPv6 trap (observed in OpenSMTPD/OpenSMTPD#1076). localmacros is read at the top of the main
        // section, so a main option is valid here.
        l.push("disable_ipv6 = true".to_owned());
    }
    l
}

/// The passwd.client lines: `host:user:password`, looked up by the name Exim connects to.
fn passwd_client(plan: &ClientPlan, user: &str) -> Vec<String> {
    let mut lines = vec![format!("{}:{user}:{PASSWORD_PLACEHOLDER}", plan.relay_host)];
    let host = plan.relay_host.as_str();
    if host.ends_with(".gmail.com") || host.ends_with(".google.com") {
        // Debian looks the key up as $host, which becomes the canonical name when the
        // relay name is an alias; Google's canonical names end in google.com
        // (wiki.debian.org/GmailAndExim4 uses the same wildcard).
        lines.push(format!("*.google.com:{user}:{PASSWORD_PLACEHOLDER}"));
    }
    lines
}

/// The hubbed_hosts lines (partial-lsearch, so `*.domain` matches sub-domains).
fn hubbed_hosts(plan: &ClientPlan) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &plan.internal {
        // spec.txt 20.4/20.5: the host list is expanded before use, and a name followed
        // by /MX stands for that name's MX hosts.
        let hosts = match &r.host {
            Some(h) => h.to_string(),
            None => "$domain/MX".to_owned(),
        };
        lines.push(format!("{}: {hosts}", r.domain));
        lines.push(format!("*.{}: {hosts}", r.domain));
    }
    lines
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Exim, form, None, relaying("Exim (Debian)", plan))?;
    let conf = dc_values(plan)
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    a.files.extend([
        FileEdit::create(
            UPDATE_CONF,
            "the whole file, replacing Debian's (smarthost mode, relay only from this host)",
            conf,
        )
        .primary()
        .headed("#", plan),
        FileEdit::create(
            LOCALMACROS,
            "what the dc_ values cannot say (non-split configuration; read before the template)",
            macros(plan),
        )
        .headed("#", plan),
    ]);

    if let Some(sasl) = &plan.sasl {
        a.add_secret(
            FileEdit::create(
                PASSWD_CLIENT,
                format!("the SMTP AUTH credentials, keyed by the relay's host name; replace {PASSWORD_PLACEHOLDER} with an app password"),
                passwd_client(plan, &sasl.username),
            )
            .headed("#", plan),
            Some(("Debian-exim", "Exim reads it as Debian-exim")),
        );
        a.notes.push(Note::info(
            "Debian's client authenticators send PLAIN/LOGIN only inside TLS; Google accepts SMTP AUTH only with an app password (2-Step Verification) or OAuth, and refuses the account password with 535 5.7.8",
            APP_PASSWORDS,
        ));
    } else {
        a.notes.push(Note::info(
            format!("IP authentication: leave {PASSWD_CLIENT} without an entry matching the relay, or Exim will try AUTH"),
            "exim4-config_files(5): passwd.client",
        ));
    }
    if !plan.internal.is_empty() {
        a.files.push(
            FileEdit::create(
                HUBBED_HOSTS,
                "internal domains that must not go to Google (Debian's hubbed_hosts router runs before the smarthost router; $domain/MX means normal MX delivery)",
                hubbed_hosts(plan),
            )
            .headed("#", plan),
        );
    }
    a.commands.push(sh(
        "update-exim4.conf",
        "build Exim's configuration from these files and check it",
    ));
    a.commands.push(sh("systemctl restart exim4", "apply it"));

    a.notes.push(Note::info(
        "dc_other_hostnames is empty on purpose: a Workspace domain listed there would be delivered to local mailboxes instead of through the relay",
        "update-exim4.conf.conf(5), dc_other_hostnames",
    ));
    a.notes.push(match plan.tls {
        TlsMode::StartTls => Note::info(
            "hosts_require_tls and tls_verify_hosts on the smarthost transport: mail waits in the queue rather than leave without STARTTLS or to a server whose certificate does not verify for the relay's name",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\"; Exim specification, tls_verify_hosts",
        ),
        TlsMode::Implicit => Note::info(
            "protocol = smtps on the smarthost transport: TLS from the first byte on port 465; tls_verify_hosts: only to a server whose certificate verifies for the relay's name",
            "RFC 8314; observed: firebase/extensions#632 (port 465 with TLS on connect); Exim specification, tls_verify_hosts",
        ),
        TlsMode::Opportunistic => Note::info(
            "Exim uses STARTTLS whenever the relay offers it and sends in clear otherwise",
            "Exim specification, hosts_require_tls",
        ),
        TlsMode::Off => Note::info(
            "hosts_avoid_tls on the smarthost transport: no STARTTLS towards the relay",
            "Exim specification, hosts_avoid_tls",
        ),
    });
    a.notes.extend(by_family(
        plan.egress,
        Note::info(
            "disable_ipv6 stops all IPv6 in Exim, listening included; it takes effect on restart",
            "Exim specification, disable_ipv6",
        ),
        Note::warning(
            "Exim has no switch to use IPv6 only; make sure this host has IPv6 egress, or register its public IPv4 address as well",
            IPV6_TRAP,
        ),
    ));
    if plan.max_rcpt_per_transaction != EXIM_MAX_RCPT {
        a.notes.push(Note::warning(
            format!("Exim's smtp transport sends up to {EXIM_MAX_RCPT} recipients per transaction (max_rcpt) and Debian's template has no macro for it; set max_rcpt = {} in the remote_smtp_smarthost transport", plan.max_rcpt_per_transaction),
            RCPT_LIMIT,
        ));
    }
    if plan.connection_reuse {
        a.notes.push(Note::info(
            "Exim already sends several messages over one connection (connection_max_messages, default 500) and at most 100 recipients per transaction (max_rcpt)",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": connection caching; Google 6140680 \"SMTP relay service error messages\": 100-recipient limit per SMTP transaction",
        ));
    }

    a.verify = vec![
        "exim4 -bt you@example.org    # expect: router = smarthost, transport = remote_smtp_smarthost".to_owned(),
        super::test_message(plan, super::SENDMAIL_SUBMIT, Some("/var/log/exim4/mainlog")),
    ];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, internal_domains, ipv4_only, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::Site;
    use crate::relay::Port;

    fn artifact(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> Artifact {
        testing::artifact(Target::Exim, render, f).unwrap()
    }

    fn file<'a>(a: &'a Artifact, path: &str) -> Option<&'a FileEdit> {
        a.files.iter().find(|f| f.path == path)
    }

    #[test]
    fn default_plan_is_a_full_smarthost_file_with_helo_and_required_tls() {
        let a = artifact(|_, _| {});
        let conf = &a.files[0].lines;
        assert_eq!(conf.len(), 14);
        assert!(conf.contains(&"dc_eximconfig_configtype='smarthost'".to_owned()));
        assert!(conf.contains(&"dc_smarthost='smtp-relay.gmail.com::587'".to_owned()));
        assert!(conf.contains(&"dc_other_hostnames=''".to_owned()));
        let m = &file(&a, LOCALMACROS).unwrap().lines;
        assert!(m.contains(&"REMOTE_SMTP_HELO_DATA = mail.example.com".to_owned()));
        assert!(m.contains(&"REMOTE_SMTP_SMARTHOST_HOSTS_REQUIRE_TLS = *".to_owned()));
        assert!(file(&a, PASSWD_CLIENT).is_none());
    }

    #[test]
    fn port_465_uses_smtps() {
        let a = artifact(|_, s| s.port = Some(Port::Smtps));
        assert!(a.files[0]
            .lines
            .contains(&"dc_smarthost='smtp-relay.gmail.com::465'".to_owned()));
        let m = &file(&a, LOCALMACROS).unwrap().lines;
        assert!(m.contains(&"REMOTE_SMTP_SMARTHOST_PROTOCOL = smtps".to_owned()));
    }

    #[test]
    fn smtp_auth_writes_passwd_client_with_the_placeholder_only() {
        let a = artifact(smtp_auth);
        let p = file(&a, PASSWD_CLIENT).unwrap();
        assert_eq!(p.mode, Some("0640"));
        assert_eq!(
            &p.lines[1..],
            [
                "smtp-relay.gmail.com:relay@example.com:APP_PASSWORD",
                "*.google.com:relay@example.com:APP_PASSWORD",
            ]
        );
    }

    #[test]
    fn ipv4_only_disables_ipv6() {
        let a = artifact(ipv4_only);
        let m = &file(&a, LOCALMACROS).unwrap().lines;
        assert!(m.contains(&"disable_ipv6 = true".to_owned()));
        assert!(a.files[0]
            .lines
            .contains(&"dc_local_interfaces='127.0.0.1'".to_owned()));
    }

    #[test]
    fn internal_routes_go_to_hubbed_hosts() {
        let a = artifact(internal_domains);
        assert_eq!(
            &file(&a, HUBBED_HOSTS).unwrap().lines[1..],
            [
                "corp.example.com: mailhub.corp.example.com",
                "*.corp.example.com: mailhub.corp.example.com",
                "lab.example.net: $domain/MX",
                "*.lab.example.net: $domain/MX",
            ]
        );
    }
}

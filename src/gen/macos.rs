//! macOS Server generator. Spells a ClientPlan as numbered Server Admin (Mac OS X Server
//! 10.x) or Server.app (OS X Server 2 to macOS Server 5.6) steps, then a check of the
//! Postfix settings the mail service wrote. Decides nothing.

use super::postfix::relayhost;
use super::{relaying, Artifact, Form, GenError, Target};
use crate::relay::plan::{ClientPlan, Note, TlsMode};

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(
        Target::Macos,
        form,
        None,
        relaying("macOS Server mail", plan),
    )?;

    // Google help 2956491, per-MTA instructions: Server Admin > Mail > Settings, relay host,
    // restart the mail service.
    a.steps.extend([
        "Mac OS X Server 10.x: open Server Admin, select the server's Mail service and click Settings. OS X Server 2 to macOS Server 5.6: open the Server app and select Mail".to_owned(),
        format!(
            "Server Admin: tick \"Relay all mail through this host\" and enter {host}. Server app: tick \"Relay outgoing mail through ISP\" (or click Edit next to it) and enter {host}",
            host = plan.relay_host
        ),
    ]);
    a.steps.push(match &plan.sasl {
        Some(s) => format!(
            "Relay authentication: in the Server app's relay dialog, tick \"Enable SMTP relay authentication\" and enter {} with the user's app password; in Server Admin, use its relay authentication fields if your version shows them",
            s.username
        ),
        None => "Leave relay authentication off: the relay recognises this server by its registered IP address".to_owned(),
    });
    a.steps.extend([
        format!(
            "Check that the server's host name is {} (Server app: the server's Overview, Host Name): the mail service presents it in HELO/EHLO",
            plan.helo.as_ref().map_or_else(
                || "its fully qualified domain name, never a single label or localhost".to_owned(),
                ToString::to_string
            )
        ),
        "Click Save (Server app: OK)".to_owned(),
        format!(
            "Neither console has a port or TLS field that relayctl could confirm: check what the mail service wrote with `postconf relayhost smtp_helo_name smtp_tls_security_level smtp_tls_secure_cert_match smtp_tls_CAfile` against its Postfix configuration (/etc/postfix on Mac OS X Server 10.x; typically /Library/Server/Mail/Config/postfix with the Server app, `postconf -c <that folder>`); relayhost should be {}, and the HELO and TLS settings those of `relayctl gen postfix` for this plan{}; set any that differ in that main.cf",
            relayhost(plan),
            if matches!(plan.tls, TlsMode::StartTls | TlsMode::Implicit) {
                " (smtp_tls_security_level = secure, so that the relay's certificate is verified, with smtp_tls_CAfile = /etc/ssl/cert.pem, macOS's CA bundle)"
            } else {
                ""
            }
        ),
        "Restart the mail service (Server Admin: Stop Mail, then Start Mail; Server app: switch Mail off, then on)".to_owned(),
    ]);

    a.notes.push(Note::warning(
        "macOS Server 5.7 (2018) dropped the mail service; on a current Mac, the built-in Postfix is configured directly: use `relayctl gen postfix`",
        "Apple macOS Server Service Migration Guide (2018)",
    ));
    if plan.sasl.is_some() {
        a.notes.push(super::app_password_note());
    }
    if !plan.internal.is_empty() {
        a.notes.push(Note::warning(
            "the consoles have no per-domain routing: keep internal domains away from Google with the transport map that `relayctl gen postfix` writes, in the mail service's Postfix configuration",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions (qmail: internal domains keep their own route)",
        ));
    }

    a.verify = vec![
        super::test_by_hand(plan, ""),
        format!("Postfix's SMTP log (among the Mail service's logs in Server Admin or the Server app) shows relay={}[...]:{} and status=sent (250 2.0.0 OK ...)", plan.relay_host, plan.port.number()),
    ];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, smtp_auth};
    use crate::gen::Primary;
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::Site;

    fn make(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> ClientPlan {
        testing::plan_for(Target::Macos, false, f).unwrap()
    }

    #[test]
    fn relay_host_helo_port_and_restart() {
        let a = render(&make(|_, _| {}), Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        let t = a.steps.join("\n");
        assert!(
            t.contains("\"Relay all mail through this host\" and enter smtp-relay.gmail.com"),
            "{t}"
        );
        assert!(t.contains("host name is mail.example.com"), "{t}");
        assert!(
            t.contains("relayhost should be [smtp-relay.gmail.com]:587"),
            "{t}"
        );
        assert!(t.contains("Leave relay authentication off"), "{t}");
        assert!(a.steps.last().unwrap().contains("Restart the mail service"));
        assert!(a.notes.iter().any(|n| n.text.contains("5.7")));
    }

    #[test]
    fn smtp_auth_user() {
        let p = make(smtp_auth);
        let t = render(&p, Form::Steps).unwrap().steps.join("\n");
        assert!(
            t.contains("\"Enable SMTP relay authentication\" and enter relay@example.com"),
            "{t}"
        );
    }
}

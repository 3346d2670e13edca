//! HCL (IBM Lotus) Domino generator. Spells a ClientPlan as numbered Domino Administrator
//! steps: the article's relay host and transfer retry interval, then the HELO name, the
//! outbound port and TLS, and SMTP AUTH where the release has it. Decides nothing.

use super::{relaying, Artifact, Form, GenError, Target};
use crate::relay::plan::{ClientPlan, Note, TlsMode};

/// Where the outbound port settings live (Server document).
const PORTS_TAB: &str = "Ports > Internet Ports > Mail tab, Mail (SMTP Outbound) column";

/// The outbound port step for `plan`.
///
/// HCL Domino admin help, "Changing outbound SMTP port settings": the TCP/IP port status
/// is Enabled, Disabled or Negotiated SSL (Domino 12: Negotiated TLS, i.e. STARTTLS);
/// with the SSL port Enabled, the Router connects with TLS from the first byte.
fn port_step(plan: &ClientPlan) -> String {
    let port = plan.port.number();
    let settings = match plan.tls {
        TlsMode::Implicit => format!("SSL port number {port}, SSL port status Enabled, TCP/IP port status Disabled (the Router then uses TLS from the first byte)"),
        TlsMode::StartTls | TlsMode::Opportunistic => format!("TCP/IP port number {port}, TCP/IP port status Negotiated SSL (called Negotiated TLS in Domino 12; documented for Domino 8.5 and later: if your release lacks it, it cannot encrypt towards the relay), SSL port status Disabled"),
        TlsMode::Off => format!("TCP/IP port number {port}, TCP/IP port status Enabled, SSL port status Disabled"),
    };
    format!("In the same Server document, {PORTS_TAB}: {settings}; these settings apply to every outbound SMTP connection of this server; Save & Close")
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let mut a = Artifact::new(Target::Domino, form, None, relaying("Domino", plan))?;

    // Google help 2956491, per-MTA instructions: the article's Domino R5/R6 procedure.
    a.steps.extend([
        "Open Domino Administrator, click the Configuration tab, expand Messaging and click Configurations".to_owned(),
        "Double-click the Configuration Settings document of your Domino server and click Edit Configuration".to_owned(),
        format!(
            "Router/SMTP tab > Basics tab: set \"SMTP used when sending messages outside of the local Internet domain\" to Enabled and \"Relay host for messages leaving the local internet domain\" to {}",
            plan.relay_host
        ),
    ]);
    if let Some(s) = &plan.sasl {
        // HCL Domino admin help, "Enabling SMTP outbound authentication to relay hosts";
        // the field came with Domino 8.
        a.steps.push(format!(
            "Same tab: set \"Use authentication when sending messages to the relay host\" to Required, Name to {} and Password to the user's app password (this field exists from Domino 8 on; earlier releases cannot authenticate: use IP authentication there)",
            s.username
        ));
    }
    a.steps.extend([
        format!(
            "Router/SMTP tab > Restrictions and Controls tab > Transfer Controls tab: set \"Initial transfer retry interval\" to {} minute(s); the article asks for 1 minute or more",
            plan.timeouts.initial_retry_min
        ),
        "Save & Close".to_owned(),
        format!(
            "Open the server's Server document (Configuration tab > Server > All Server Documents), click Edit Server; Basics tab: set \"Fully qualified Internet host name\" to {} (the name Domino presents in HELO/EHLO)",
            super::helo(plan)
        ),
        port_step(plan),
        "Restart the Router so it reads the new settings: enter `restart task router` at the server console".to_owned(),
    ]);

    if plan.tls != TlsMode::Off {
        a.notes.push(Note::info(
            "HCL's help says both servers need a TLS certificate for negotiated TLS: the Domino server needs its own key ring (Domino 12: TLS credentials) before it encrypts outbound SMTP",
            "HCL Domino Administrator help: outbound STARTTLS",
        ));
    }
    if plan.tls == TlsMode::StartTls {
        a.notes.push(Note::warning(
            "Domino's Negotiated SSL continues without encryption when the server does not offer STARTTLS, so Domino cannot insist on TLS; the relay offers it, and with \"Require TLS encryption\" on it refuses mail sent in clear",
            "HCL Domino Administrator help: outbound STARTTLS; Google 2956491 \"Route outgoing SMTP relay messages through Google\"",
        ));
    }
    if plan.sasl.is_some() {
        a.notes.push(Note::warning(
            "relayctl found no documented Domino setting that makes the Router verify the relay's certificate (its chain and the name smtp-relay.gmail.com): an impostor answering for the relay would get the app password. Prefer IP authentication where the server has a fixed public address",
            "HCL Domino Administrator help: outbound STARTTLS; RFC 6125",
        ));
    }
    for r in &plan.internal {
        // Google help 2956491, per-MTA instructions (qmail): internal domains keep their own route.
        a.notes.push(Note::warning(
            format!(
                "{} must not go to Google: the relay host takes all mail leaving the local Internet domain, so route that domain to {} through its own Domino routing documents (relayctl does not spell them); the outbound port above applies to those connections too",
                r.domain,
                r.host.as_ref().map_or("its MX hosts".to_owned(), |h| h.to_string())
            ),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions",
        ));
    }
    a.notes.push(Note::info(
        "Google's article: Domino's default timeouts are fine; only the initial transfer retry interval changes",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions: Domino",
    ));

    a.verify = vec![
        super::test_by_hand(plan, " from a Notes mailbox"),
        format!("at the server console, `set config SMTPClientDebug=1` logs the outbound SMTP conversation: look for {}'s \"250 2.0.0 OK\" after DATA; `set config SMTPClientDebug=0` afterwards", plan.relay_host),
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
    use crate::relay::Port;

    fn make(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> ClientPlan {
        testing::plan_for(Target::Domino, false, f).unwrap()
    }

    #[test]
    fn default_plan_spells_relay_host_retry_helo_and_negotiated_tls() {
        let a = render(&make(|_, _| {}), Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        let t = a.steps.join("\n");
        assert!(t.contains("\"Relay host for messages leaving the local internet domain\" to smtp-relay.gmail.com"), "{t}");
        assert!(
            t.contains("\"Initial transfer retry interval\" to 1 minute"),
            "{t}"
        );
        assert!(
            t.contains("\"Fully qualified Internet host name\" to mail.example.com"),
            "{t}"
        );
        assert!(
            t.contains("TCP/IP port number 587, TCP/IP port status Negotiated SSL"),
            "{t}"
        );
        assert!(t.contains("restart task router"), "{t}");
        assert!(!t.contains("Use authentication"), "{t}");
    }

    #[test]
    fn smtp_auth_and_implicit_tls() {
        let p = make(|c, s| {
            smtp_auth(c, s);
            s.port = Some(Port::Smtps);
        });
        let t = render(&p, Form::Steps).unwrap().steps.join("\n");
        assert!(t.contains("\"Use authentication when sending messages to the relay host\" to Required, Name to relay@example.com"), "{t}");
        assert!(
            t.contains("SSL port number 465, SSL port status Enabled, TCP/IP port status Disabled"),
            "{t}"
        );
    }

    #[test]
    fn only_steps() {
        assert!(matches!(
            render(&make(|_, _| {}), Form::Config),
            Err(GenError::FormUnsupported { .. })
        ));
    }
}

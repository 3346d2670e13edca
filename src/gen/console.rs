//! Google Admin console generator. Spells the plan's console setting (description,
//! allowed senders, authentication boxes, IP ranges, Require TLS) as the numbered steps
//! of the "SMTP relay service" page, plus the settings around it. Decides nothing.

use super::{Artifact, Form, GenError, Target};
use crate::relay::console::{AllowedSenders, Authentication};
use crate::relay::plan::{ClientPlan, Note};

/// "Ticked" or "unticked", for a console check box.
fn tick(on: bool) -> &'static str {
    if on {
        "tick"
    } else {
        "leave unticked"
    }
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let setting = &plan.console;
    let auth = setting.authentication;
    let mut a = Artifact::new(
        Target::Console,
        form,
        None,
        format!(
            "Google Admin console: SMTP relay service setting \"{}\" ({}; Require TLS {})",
            setting.description,
            auth,
            if setting.require_tls { "on" } else { "off" }
        ),
    )?;

    // Google help 2956491: the console path, the privilege and the top-level-only rule.
    a.steps.extend([
        "Sign in to the Google Admin console (admin.google.com) as a super administrator, or as an administrator with the Gmail settings privilege (a Workspace account, not one ending in @gmail.com)".to_owned(),
        "Go to Apps > Google Workspace > Gmail > Routing".to_owned(),
        "On the left, select the top-level organisational unit: the SMTP relay service setting can be added, edited and deleted there only (child units can only view it)".to_owned(),
        "Find SMTP relay service and click Configure; if a setting already exists, click Edit to change it, or Add another rule for a second one".to_owned(),
        format!("Description: \"{}\" (unique among your relay settings)", setting.description),
        format!("Allowed senders: select \"{}\"", setting.allowed_senders.label()),
        // Google help 2956491, the SMTP relay service setting: at least one box is ticked.
        format!(
            "Authentication: {} \"{}\"; {} \"{}\"",
            tick(auth.uses_ip()),
            Authentication::Ip,
            tick(auth.uses_smtp_auth()),
            Authentication::SmtpAuth
        ),
    ]);
    if auth.uses_ip() {
        for r in &setting.ranges {
            a.steps.push(format!(
                "Click Add IP range: description \"{}\", IP address or range {}, Enabled {}; Save",
                r.description,
                r.net,
                if r.enabled { "ticked" } else { "unticked" }
            ));
        }
        if setting.enabled_ranges().next().is_none() {
            // Google help 2956491, IP ranges: the server's own public address, as small as possible.
            a.steps.push("Click Add IP range and enter the sending server's PUBLIC address (a single address, or the smallest range that covers your servers; at most 65,536 addresses); `relayctl probe` run on the server shows the address Google sees; tick Enabled; Save".to_owned());
        }
    }
    a.steps.push(format!(
        "Encryption: {} \"Require TLS encryption\"{}",
        tick(setting.require_tls),
        if setting.require_tls {
            " (Google then refuses mail sent without TLS)"
        } else {
            " (only if a sending server cannot do TLS)"
        }
    ));
    a.steps.extend([
        "Click Save (Add setting for a new one); if the page then shows a Save button at the bottom, click it too".to_owned(),
        "Allow up to an hour before the change applies; the Admin console's audit log records it".to_owned(),
        // Google help 2956491, comprehensive mail storage.
        "If these servers send on behalf of users (ticketing, notifications) and the mail should also appear in the users' Gmail, or Google Vault must keep it: Apps > Google Workspace > Gmail > Compliance > Comprehensive mail storage: turn it on; Save".to_owned(),
    ]);
    if let Some(s) = &plan.sasl {
        // Google help 176600: app passwords, and unmanaged accounts are refused.
        a.steps.push(format!(
            "SMTP AUTH user {}: it must be a registered, active Google Workspace user; turn on 2-Step Verification for it and create an app password, which the mail server uses instead of the account password",
            s.username
        ));
        a.notes.push(Note::warning(
            "some organisations turn app passwords off; then SMTP AUTH cannot work and IP authentication is the only option",
            "observed: docker-mailserver/docker-mailserver#4726 (app passwords turned off)",
        ));
    }

    if setting.allowed_senders == AllowedSenders::DomainAddresses {
        a.notes.push(Note::info(
            "Google's current text for \"Only addresses in my domains\" says the sender must be in your primary domain (sub-domains allowed), where the G Suite-era article said any of your registered domains: test a sender in a secondary domain before relying on it",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": allowed senders",
        ));
    }
    a.notes.push(Note::info(
        "the relay setting can be changed at the top-level organisation only, and a change may take up to an hour to apply",
        "Google 2956491 \"Route outgoing SMTP relay messages through Google\": the SMTP relay service setting",
    ));

    a.verify = vec![
        "then configure the sending server with the same settings: relayctl gen <your MTA> (postfix, sendmail, exchange --edition <year>, ...), and run its probe line from that server".to_owned(),
    ];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{plan_for, smtp_auth};
    use crate::gen::Primary;
    use crate::relay::console::IpRange;

    fn range(desc: &str, net: &str, enabled: bool) -> IpRange {
        IpRange {
            description: desc.into(),
            net: net.parse().unwrap(),
            enabled,
        }
    }

    #[test]
    fn lists_every_range_and_the_require_tls_state() {
        let p = plan_for(Target::Console, false, |c, _| {
            c.ranges = vec![
                range("office", "203.0.114.0/28", true),
                range("old dc", "2607:f8b0::5:600:300c:0/112", false),
            ];
        })
        .unwrap();
        let a = render(&p, Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        let t = a.steps.join("\n");
        assert!(
            t.contains("\"office\", IP address or range 203.0.114.0/28, Enabled ticked"),
            "{t}"
        );
        assert!(
            t.contains(
                "\"old dc\", IP address or range 2607:f8b0::5:600:300c:0/112, Enabled unticked"
            ),
            "{t}"
        );
        assert!(
            t.contains("Encryption: tick \"Require TLS encryption\""),
            "{t}"
        );
        assert!(!t.contains("PUBLIC address"), "{t}");
        assert!(t.contains("Only addresses in my domains"), "{t}");
        assert!(t.contains("Comprehensive mail storage"), "{t}");
    }

    #[test]
    fn no_range_asks_for_the_public_address() {
        let p = plan_for(Target::Console, false, |c, _| c.require_tls = false).unwrap();
        let t = render(&p, Form::Steps).unwrap().steps.join("\n");
        assert!(t.contains("PUBLIC address"), "{t}");
        assert!(
            t.contains("Encryption: leave unticked \"Require TLS encryption\""),
            "{t}"
        );
    }

    #[test]
    fn smtp_auth_needs_an_app_password() {
        let p = plan_for(Target::Console, false, smtp_auth).unwrap();
        let a = render(&p, Form::Natural).unwrap();
        let t = a.steps.join("\n");
        assert!(t.contains("leave unticked \"Only accept mail from the specified IP addresses\"; tick \"Require SMTP Authentication\""), "{t}");
        assert!(
            t.contains("relay@example.com") && t.contains("app password"),
            "{t}"
        );
        assert!(!t.contains("Add IP range"), "{t}");
    }

    #[test]
    fn only_steps() {
        let p = plan_for(Target::Console, false, |_, _| {}).unwrap();
        assert!(matches!(
            render(&p, Form::Commands),
            Err(GenError::FormUnsupported { .. })
        ));
    }
}

//! GroupWise generator. Spells a ClientPlan as numbered Internet Agent (GWIA) steps: the
//! article's timeouts, send threads and relay host, the HELO name, and the gwauth.cfg /
//! route.cfg files when the plan needs SMTP AUTH or internal routes. Decides nothing.

use super::PASSWORD_PLACEHOLDER;
use super::{relaying, Artifact, FileEdit, Form, GenError, Target};
use crate::relay::plan::{ClientPlan, Note, TlsMode};

/// The Internet Agent's folder under the domain directory, where it reads its .cfg files
/// (GroupWise administration guide: gwauth.cfg, route.cfg).
const GWIA_DIR: &str = "<domain directory>/wpgate/gwia";

/// Seconds as the ConsoleOne fields take them: whole minutes where possible.
fn minutes(s: u64) -> String {
    if s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

pub(super) fn render(plan: &ClientPlan, form: Form) -> Result<Artifact, GenError> {
    let t = &plan.timeouts;
    let mut a = Artifact::new(
        Target::Groupwise,
        form,
        None,
        relaying("GroupWise Internet Agent", plan),
    )?;

    // Google help 2956491, per-MTA instructions: GroupWise timeouts first, then the relay host.
    // Field labels as the Japanese seed keeps them (ConsoleOne's English UI).
    a.steps.extend([
        "Open ConsoleOne, right-click the GroupWise Internet Agent object and choose Properties (GroupWise 2014 and later: open the GroupWise Administration Console and click the GWIA)".to_owned(),
        format!(
            "SMTP/MIME tab > Timeouts: Commands {}, Data {}, Connection Establishment {}, Initial Greeting {}, TCP Read {}, Connection Termination {}; Apply",
            minutes(t.command_s),
            minutes(t.data_s),
            minutes(t.connect_s),
            minutes(t.greeting_s),
            minutes(t.tcp_read_s),
            minutes(t.connection_dropped_s)
        ),
        "SMTP/MIME tab > Settings: set Number of SMTP Send Threads to the number of simultaneous connections this server can safely handle (each send thread is one connection; the default is 8)".to_owned(),
        format!(
            "Same page: set Relay Host for Outbound Messages to {} and Hostname/DNS \"A Record\" name to {} (the name the Internet Agent presents when it greets the relay); Apply, OK",
            plan.relay_host,
            super::helo(plan)
        ),
    ]);

    if plan.port.number() != 25 {
        a.steps.push(format!(
            "Port: this plan uses port {}, and relayctl found no GroupWise setting for the relay host's port (the article's setup uses 25); if your version has none, generate again with --port 25 (the relay accepts 25, and Require TLS still applies there)",
            plan.port.number()
        ));
        a.notes.push(Note::warning(
            "relayctl could not confirm that the Internet Agent can reach a relay host on a port other than 25",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": ports 25, 465, 587",
        ));
    }
    if plan.tls != TlsMode::Off {
        a.steps.push(
            "TLS: if your Internet Agent has SSL settings for SMTP (GroupWise 6.5 and later document securing the agent's connections with SSL; page names differ by version), give it its certificate and key file and set SSL for SMTP to Enabled".to_owned());
        a.notes.push(Note::warning(
            "relayctl could not confirm that the Internet Agent uses TLS towards its relay host; in the test below, 530 5.7.0 Must issue a STARTTLS command first from the relay means it sent in clear",
            "Google 3726730 \"Gmail SMTP errors and codes\": 530 5.7.0 Must issue a STARTTLS command first",
        ));
    }
    if let Some(s) = &plan.sasl {
        a.steps.push(format!(
            "SMTP AUTH: create {GWIA_DIR}/gwauth.cfg (below): the Internet Agent authenticates to the hosts listed there with AUTH LOGIN, which the relay offers inside TLS; replace {PASSWORD_PLACEHOLDER} with the user's app password"
        ));
        a.files.push(FileEdit::create(
            format!("{GWIA_DIR}/gwauth.cfg"),
            format!("SMTP AUTH credentials for the relay host (host, user, password; end the last line with a line break); replace {PASSWORD_PLACEHOLDER} with the app password; keep the file readable only by the account the Internet Agent runs as"),
            vec![format!("{} {} {PASSWORD_PLACEHOLDER}", plan.relay_host, s.username)],
        ));
    }
    if plan.sasl.is_some() {
        a.notes.push(Note::warning(
            "relayctl found no documented GroupWise setting that makes the Internet Agent verify the relay's certificate (its chain and the name smtp-relay.gmail.com): an impostor answering for the relay would get the app password. Prefer IP authentication where the server has a fixed public address",
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions; RFC 6125",
        ));
    }
    let routes: Vec<_> = plan
        .internal
        .iter()
        .filter_map(|r| r.host.as_ref().map(|h| (r, h)))
        .collect();
    if !routes.is_empty() {
        a.steps.push(format!(
            "Internal domains: create {GWIA_DIR}/route.cfg (below): mail for the domains listed there goes straight to the host given instead of the relay host"
        ));
        let mut lines = Vec::new();
        for (r, h) in routes {
            // A leading dot matches the sub-domains (GroupWise guide, route.cfg).
            lines.push(format!("{} {h}", r.domain));
            lines.push(format!(".{} {h}", r.domain));
        }
        a.files.push(FileEdit::create(
            format!("{GWIA_DIR}/route.cfg"),
            "internal domains that must not go to Google, and the host each goes to (end the last line with a line break)",
            lines,
        ));
    }
    for r in plan.internal.iter().filter(|r| r.host.is_none()) {
        a.notes.push(Note::warning(
            format!("{} must not go to Google, but route.cfg needs a host to send it to: give one (--internal-domain {}=host)", r.domain, r.domain),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions",
        ));
    }
    a.steps
        .push("Restart the Internet Agent so it reads the new settings".to_owned());

    a.verify = vec![
        super::test_by_hand(plan, " from a GroupWise mailbox"),
        format!("with the Internet Agent's log level set to Verbose, its log shows the SMTP conversation with {}: look for \"250 2.0.0 OK\" after the message data", plan.relay_host),
    ];
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, smtp_auth};
    use crate::gen::Primary;
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{InternalRoute, Site, Timeouts};

    fn make(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> ClientPlan {
        testing::plan_for(Target::Groupwise, false, f).unwrap()
    }

    #[test]
    fn timeouts_come_from_the_plan() {
        let mut p = make(|_, _| {});
        let t = render(&p, Form::Natural).unwrap().steps.join("\n");
        assert!(t.contains("Commands 5 min, Data 3 min, Connection Establishment 2 min, Initial Greeting 5 min, TCP Read 5 min, Connection Termination 15 min"), "{t}");
        p.timeouts = Timeouts {
            data_s: 90,
            command_s: 600,
            ..Timeouts::ARTICLE
        };
        let t = render(&p, Form::Natural).unwrap().steps.join("\n");
        assert!(t.contains("Commands 10 min, Data 90 s,"), "{t}");
    }

    #[test]
    fn relay_host_helo_and_no_files_by_default() {
        let a = render(&make(|_, _| {}), Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        let t = a.steps.join("\n");
        assert!(t.contains("Relay Host for Outbound Messages to smtp-relay.gmail.com"));
        assert!(t.contains("\"A Record\" name to mail.example.com"));
        assert!(a.files.is_empty());
        assert!(a
            .steps
            .last()
            .unwrap()
            .contains("Restart the Internet Agent"));
    }

    #[test]
    fn auth_and_routes_become_cfg_files() {
        let p = make(|c, s| {
            smtp_auth(c, s);
            s.internal = vec![InternalRoute {
                domain: "corp.example.com".parse().unwrap(),
                host: Some("hub.corp.example.com".parse().unwrap()),
            }];
        });
        let a = render(&p, Form::Natural).unwrap();
        let auth = a
            .files
            .iter()
            .find(|f| f.path.ends_with("gwauth.cfg"))
            .unwrap();
        assert_eq!(
            auth.lines,
            ["smtp-relay.gmail.com relay@example.com APP_PASSWORD"]
        );
        let route = a
            .files
            .iter()
            .find(|f| f.path.ends_with("route.cfg"))
            .unwrap();
        assert_eq!(
            route.lines,
            [
                "corp.example.com hub.corp.example.com",
                ".corp.example.com hub.corp.example.com"
            ]
        );
    }
}

//! Microsoft Exchange generator. Spells a ClientPlan as numbered console steps (Exchange
//! System Manager for 2000/2003, the EMC for 2007/2010, the EAC for 2013 and later) and,
//! from 2007 on, as Exchange Management Shell commands. Decides nothing: what Exchange
//! cannot spell (TLS on connect) is refused with [`GenError::Unsupported`].

use super::{by_family, ps, Target, IPV6_TRAP};
use super::{relaying, Artifact, Command, Edition, Form, GenError, Primary};
use crate::relay::plan::{ClientPlan, InternalRoute, Note, TlsMode};

/// The send connector (or SMTP connector) relayctl has the admin create.
const CONNECTOR: &str = "Outbound to Google";

/// How the EdgeSync connector is found: its name is "EdgeSync - <site> to Internet"
/// (Google help 2956491, per-MTA instructions: Exchange 2007/2010 with Edge).
const EDGESYNC_FILTER: &str =
    "Get-SendConnector | Where-Object { $_.Name -like 'EdgeSync - * to Internet' }";

/// A PowerShell single-quoted string: nothing inside is expanded; `'` is doubled.
fn ps_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// What Exchange's TLS switches are for `tls`.
///
/// firebase/extensions#632: the relay also takes TLS from the first byte on 465, but an
/// Exchange connector only ever negotiates STARTTLS after connecting, so 465 cannot be
/// spelled here.
fn tls_switches(tls: TlsMode) -> Result<&'static str, GenError> {
    match tls {
        TlsMode::StartTls => Ok("-RequireTLS $true"),
        // Exchange 2007 and later use STARTTLS when the remote offers it, unless told to
        // ignore it.
        TlsMode::Opportunistic => Ok("-RequireTLS $false"),
        TlsMode::Off => Ok("-RequireTLS $false -IgnoreSTARTTLS $true"),
        TlsMode::Implicit => Err(GenError::Unsupported {
            target: Target::Exchange,
            what: "send with TLS from the first byte (port 465): its connectors only use STARTTLS; use port 587 (--port 587) or 25".to_owned(),
        }),
    }
}

/// The smart-host authentication switches: none, or SMTP AUTH inside TLS with a
/// credential Exchange prompts for (the password never appears on a command line).
fn auth_switches(plan: &ClientPlan) -> String {
    match &plan.sasl {
        // Google help 2956491, the SMTP relay service setting: SMTP AUTH requires TLS, so only the
        // mechanism that refuses to authenticate outside TLS is spelled.
        Some(s) => format!(
            "-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential (Get-Credential {})",
            ps_quote(&s.username)
        ),
        None => "-SmartHostAuthMechanism None".to_owned(),
    }
}

/// The switches every Google connector gets, new or edited: smart host, port, TLS,
/// HELO name and authentication. Ports never go into -SmartHosts (Microsoft Learn, Set-SendConnector; MicrosoftDocs/office-docs-powershell#5599).
fn relay_switches(plan: &ClientPlan) -> Result<String, GenError> {
    Ok(format!(
        "-DNSRoutingEnabled $false -SmartHosts {} -Port {} {} -Fqdn {} {}",
        plan.relay_host,
        plan.port.number(),
        tls_switches(plan.tls)?,
        super::helo(plan),
        auth_switches(plan)
    ))
}

/// `-TlsAuthLevel`/`-TlsDomain`: make Exchange check that the certificate is the relay's.
/// Only with mandatory TLS (the parameter needs -RequireTLS $true), and only in editions
/// whose cmdlets have it: the 2007 reference lacks both parameters; the 2010 reference
/// (SP2, SP3) and 2013 and later have them.
fn tls_auth_switches(plan: &ClientPlan, edition: Edition) -> Option<String> {
    (plan.tls == TlsMode::StartTls && edition >= Edition::E2010).then(|| {
        format!(
            "-TlsAuthLevel DomainValidation -TlsDomain {}",
            plan.relay_host
        )
    })
}

/// The connector name for an internal route.
fn internal_name(r: &InternalRoute) -> String {
    format!("Internal {}", r.domain)
}

/// A connector that keeps an internal domain away from Google. Exchange routes by the
/// most specific matching address space, so these win over `*`.
fn internal_connector(r: &InternalRoute) -> Command {
    let spaces = format!(
        "{},{}",
        ps_quote(r.domain.as_str()),
        ps_quote(&format!("*.{}", r.domain))
    );
    let next = match &r.host {
        Some(h) => format!("-DNSRoutingEnabled $false -SmartHosts {h}"),
        None => "-DNSRoutingEnabled $true".to_owned(),
    };
    ps(
        format!(
            "New-SendConnector -Name {} -Usage Custom -AddressSpaces {spaces} {next} -SourceTransportServers $env:COMPUTERNAME",
            ps_quote(&internal_name(r))
        ),
        format!("keep mail for {} and its sub-domains off the relay", r.domain),
    )
}

/// The commands that make or finish the Google connector: `line` (its New- or
/// Set-SendConnector, run for `purpose`) with the certificate check, in the same line where
/// the edition's cmdlet takes it (2013 and later) or as a line of its own (2010, whose
/// early builds lack it); then the internal domains' connectors.
fn connector_commands(
    plan: &ClientPlan,
    edition: Edition,
    mut line: String,
    purpose: String,
) -> Vec<Command> {
    let mut own_line = None;
    if let Some(t) = tls_auth_switches(plan, edition) {
        if edition >= Edition::E2013 {
            line.push(' ');
            line.push_str(&t);
        } else {
            own_line = Some(ps(
                format!("Set-SendConnector {} {t}", ps_quote(CONNECTOR)),
                "accept only the relay's own certificate (documented for Exchange 2010 SP2 and later; leave this line out on older 2010 builds)",
            ));
        }
    }
    let mut cmds = vec![ps(line, purpose)];
    cmds.extend(own_line);
    cmds.extend(plan.internal.iter().map(internal_connector));
    cmds
}

/// The whole connector in one New-SendConnector, for `--as commands`.
fn new_connector(plan: &ClientPlan, edition: Edition) -> Result<Vec<Command>, GenError> {
    let line = format!(
        "New-SendConnector -Name {} -Usage Internet -AddressSpaces * {} -SourceTransportServers $env:COMPUTERNAME -Comment {}",
        ps_quote(CONNECTOR),
        relay_switches(plan)?,
        ps_quote(&format!(
            "Google Workspace SMTP relay, console setting: {}",
            plan.console.description
        ))
    );
    let source = if edition >= Edition::E2013 {
        "Mailbox"
    } else {
        "Hub Transport"
    };
    Ok(connector_commands(
        plan,
        edition,
        line,
        format!("create the connector; run it on a {source} server that sends outbound mail, and add the others to -SourceTransportServers"),
    ))
}

/// What the consoles cannot set, as one Set-SendConnector (after the GUI steps).
fn finish_connector(plan: &ClientPlan, edition: Edition) -> Result<Vec<Command>, GenError> {
    let line = format!(
        "Set-SendConnector {} -Port {} {} -Fqdn {}",
        ps_quote(CONNECTOR),
        plan.port.number(),
        tls_switches(plan.tls)?,
        super::helo(plan)
    );
    Ok(connector_commands(
        plan,
        edition,
        line,
        "set the port, the TLS requirement and the HELO name, which the console does not show"
            .to_owned(),
    ))
}

/// The Edge procedure's shell side: edit the EdgeSync connector, synchronise, check.
fn edge_commands(plan: &ClientPlan, edition: Edition) -> Result<Vec<Command>, GenError> {
    let mut line = format!(
        "{EDGESYNC_FILTER} | Set-SendConnector -AddressSpaces * -DomainSecureEnabled $false {}",
        relay_switches(plan)?
    );
    if let Some(t) = tls_auth_switches(plan, edition) {
        line.push(' ');
        line.push_str(&t);
    }
    let mut cmds = vec![ps(
        line,
        "on a Hub Transport (2013 and later: Mailbox) server: point the EdgeSync - <site> to Internet connector at the relay, Domain Security (mutual TLS) off",
    )];
    if edition == Edition::E2010 && plan.tls == TlsMode::StartTls {
        cmds[0].purpose.push_str(
            "; -TlsAuthLevel/-TlsDomain are documented for Exchange 2010 SP2 and later: drop them on older 2010 builds",
        );
    }
    cmds.extend(plan.internal.iter().map(internal_connector));
    cmds.push(ps(
        "Start-EdgeSynchronization",
        "copy the connector to the Edge Transport servers now",
    ));
    cmds.push(ps(
        "Get-SendConnector | Format-List Name,AddressSpaces,SmartHosts,Port,RequireTLS,Fqdn,SmartHostAuthMechanism,SourceTransportServers",
        "on the Edge Transport server: the connector arrived with the same settings",
    ));
    cmds.push(ps(
        "Get-ReceiveConnector | Format-List Name,RemoteIPRanges,AuthMechanism,PermissionGroups",
        "on the Edge Transport server: RemoteIPRanges cover every Hub (Mailbox) server, AuthMechanism has ExchangeServer, PermissionGroups has ExchangeServers",
    ));
    Ok(cmds)
}

/// Exchange 2000/2003: the article's Exchange System Manager procedure, plus the port,
/// HELO name and outbound security it leaves at their defaults.
fn steps_2003(plan: &ClientPlan, edition: Edition, notes: &mut Vec<Note>) -> Vec<String> {
    let year = edition.year();
    let [first, second, third, subsequent] = plan.timeouts.retry_schedule_min;
    let port = plan.port.number();
    let mut steps = vec![
        "Open Exchange System Manager and go to Servers > <your server> > Protocols > SMTP (below Administrative Groups > <group> when administrative groups are shown); right-click the SMTP virtual server that sends outbound mail (usually Default SMTP Virtual Server) and choose Properties".to_owned(),
        // Google help 2956491, per-MTA instructions: retry intervals 1, 1, 3, then 5 minutes.
        format!("Delivery tab, Outbound: set First retry interval to {first}, Second retry interval to {second}, Third retry interval to {third} and Subsequent retry interval to {subsequent} (minutes)"),
    ];
    steps.push(if port == 25 {
        format!("Delivery tab > Outbound connections...: leave TCP port at 25 (Exchange {year} sets the outbound port here, for the whole virtual server, not on the connector); OK")
    } else {
        format!("Delivery tab > Outbound connections...: set TCP port to {port}; Exchange {year} sets the outbound port here, for every outbound connection of this virtual server, not on the connector; OK")
    });
    steps.push(format!(
        "Delivery tab > Advanced...: set Fully-qualified domain name to {} (the name this server presents in HELO/EHLO); OK, then OK to close the virtual server's properties",
        super::helo(plan)
    ));
    steps.push(format!(
        "Go to Connectors (below Routing Groups > <group> when routing groups are shown); right-click the SMTP connector that carries Internet mail (it may be called Internet Mail SMTP Connector) and choose Properties; if there is none, right-click Connectors > New > SMTP Connector and name it {CONNECTOR}"
    ));
    steps.push(format!(
        "General tab: select \"Forward all mail through this connector to the following smart hosts\" and enter {}, without brackets (brackets in this field mark an IP address); under Local bridgeheads, add the virtual server from step 1",
        plan.relay_host
    ));
    steps.push("Address Space tab: the connector needs the SMTP address space * (cost 1) so that all outbound mail uses it; add it with Add... > SMTP if it is missing".to_owned());
    let tls_box = match plan.tls {
        TlsMode::StartTls => "tick TLS encryption, so that mail is not sent unencrypted",
        _ => {
            notes.push(Note::warning(
                format!("this plan does not require TLS, and relayctl knows no \"encrypt when offered\" setting in Exchange {year}: with TLS encryption unticked, mail crosses the Internet in clear"),
                "Google 2956491 \"Route outgoing SMTP relay messages through Google\": without Require TLS, any port works",
            ));
            "leave TLS encryption unticked"
        }
    };
    steps.push(match &plan.sasl {
        Some(s) => format!(
            "Advanced tab > Outbound Security...: select Basic authentication, click Modify... and enter {} with the user's app password (never the account password); tick TLS encryption (the relay accepts SMTP AUTH only inside TLS); OK",
            s.username
        ),
        None => format!(
            "Advanced tab > Outbound Security...: select Anonymous access (the relay recognises this server by its registered IP address); {tls_box}; OK"
        ),
    });
    for r in &plan.internal {
        let next = match &r.host {
            Some(h) => format!("forward to the smart host {h}"),
            None => {
                "select \"Use DNS to route to each address space on this connector\"".to_owned()
            }
        };
        steps.push(format!(
            "Keep mail for {d} inside: right-click Connectors > New > SMTP Connector named {name}, with address spaces SMTP {d} and SMTP *.{d} and the same local bridgehead, and {next}; Exchange uses the connector with the most specific address space",
            d = r.domain,
            name = internal_name(r)
        ));
    }
    if !plan.internal.is_empty() && port != 25 {
        notes.push(Note::warning(
            format!("Exchange {year} sets the outbound TCP port per virtual server: the internal connectors above would also connect to port {port}; give them their own virtual server (bridgehead) with TCP port 25"),
            "Google 2956491 \"Route outgoing SMTP relay messages through Google\": per-MTA instructions (qmail: internal domains keep their own route)",
        ));
    }
    steps.push("Click OK to save the connector; if mail still leaves with the old settings, right-click the virtual server, choose Stop, then Start".to_owned());
    steps
}

/// Exchange 2007/2010 without Edge: the article's EMC procedure.
fn steps_emc(plan: &ClientPlan) -> Vec<String> {
    let mut steps = vec![
        "On a Hub Transport server, open the Exchange Management Console and go to Organization Configuration > Hub Transport > Send Connectors".to_owned(),
        format!("In the Actions pane, click New Send Connector; name it {CONNECTOR}, set Select the intended use for this Send connector to Internet; Next"),
        "Address space: Add... > SMTP Address Space: enter * as the address, tick Include all subdomains, OK; Next".to_owned(),
        format!("Network settings: select Route mail through the following smart hosts; Add... > Fully qualified domain name (FQDN): {}; OK; Next", plan.relay_host),
    ];
    steps.push(match &plan.sasl {
        Some(s) => format!("Configure smart host authentication settings: select Basic Authentication and tick Basic Authentication over TLS; user name {}, password: the user's app password; Next", s.username),
        None => "Configure smart host authentication settings: select None (the relay recognises this server by its registered IP address); Next".to_owned(),
    });
    steps.extend([
        "Source Server: Add... every Hub Transport server that sends outbound mail; Next"
            .to_owned(),
        "On the New Connector page, click New, then Finish".to_owned(),
    ]);
    steps
}

/// Exchange 2013 and later without Edge: the same connector in the EAC.
fn steps_eac(plan: &ClientPlan) -> Vec<String> {
    let mut steps = vec![
        "Open the Exchange admin center (EAC) and go to mail flow > send connectors; click + (New)".to_owned(),
        format!("Name: {CONNECTOR}; Type: Internet; Next"),
        format!("Network settings: select Route mail through smart hosts, click + and enter {}; Save; Next", plan.relay_host),
    ];
    steps.push(match &plan.sasl {
        Some(s) => format!("Smart host security: select Basic authentication and tick Offer basic authentication only after starting TLS; user name {}, password: the user's app password; Next", s.username),
        None => "Smart host security: select None (the relay recognises this server by its registered IP address); Next".to_owned(),
    });
    steps.extend([
        "Address space: click +, Type SMTP, FQDN *, Cost 1; Save; Next".to_owned(),
        "Source server: click + and add every Mailbox server that sends outbound mail; Finish"
            .to_owned(),
    ]);
    steps
}

/// The article's Edge procedure (2007/2010 in the EMC; 2013 and later in the shell).
fn steps_edge(plan: &ClientPlan, edition: Edition) -> Vec<String> {
    let mut steps = Vec::new();
    if edition < Edition::E2013 {
        steps.extend([
            "On a Hub Transport server, open the Exchange Management Console, go to Organization Configuration > Hub Transport > Send Connectors and double-click EdgeSync - <your site> to Internet".to_owned(),
            "Address Space tab: check that * is listed".to_owned(),
            format!("Network tab: untick Enable Domain Security (Mutual Auth TLS); select Route mail through the following smart hosts and Add... {}", plan.relay_host),
            "Source Server tab: check that your Edge subscriptions are listed; OK".to_owned(),
            "In the Exchange Management Shell, run the Set-SendConnector command below: it sets the same values plus the port, the TLS requirement, the HELO name and the smart-host authentication".to_owned(),
        ]);
    } else {
        steps.extend([
            "In the Exchange Management Shell on a Mailbox server, run the Set-SendConnector command below: it points every EdgeSync - <site> to Internet connector at the relay (address space *, Domain Security off, smart host, port, TLS, HELO name, smart-host authentication); relayctl does not spell EAC steps for the EdgeSync connector".to_owned(),
            format!("Check that your Edge subscriptions are the connector's source servers: {EDGESYNC_FILTER} | Format-List Name,SourceTransportServers"),
        ]);
    }
    steps.extend([
        "Run Start-EdgeSynchronization in the Exchange Management Shell".to_owned(),
        "On the Edge Transport server, check that the connector arrived with the settings made on the Hub (Get-SendConnector, below)".to_owned(),
        "On the Edge Transport server, check its Receive connector: its remote IP ranges cover every Hub (2013 and later: Mailbox) server, Exchange Server authentication is on and the Exchange servers permission group is ticked (Get-ReceiveConnector, below)".to_owned(),
    ]);
    steps
}

pub(super) fn render(
    plan: &ClientPlan,
    edition: Edition,
    edge: bool,
    form: Form,
) -> Result<Artifact, GenError> {
    // Refused before any form: no Exchange edition spells TLS on connect.
    tls_switches(plan.tls)?;
    let what = format!(
        "Microsoft Exchange {}{}",
        edition.year(),
        if edge { " with Edge Transport" } else { "" }
    );
    let mut a = Artifact::new(Target::Exchange, form, Some(edition), relaying(&what, plan))?;
    let commands_form = a.primary == Primary::Commands;

    if !edition.has_shell() {
        a.steps = steps_2003(plan, edition, &mut a.notes);
    } else {
        a.commands = match (edge, commands_form) {
            (true, _) => edge_commands(plan, edition)?,
            (false, true) => new_connector(plan, edition)?,
            (false, false) => finish_connector(plan, edition)?,
        };
        a.steps = match (edge, commands_form) {
            (_, true) => Vec::new(),
            (true, _) => steps_edge(plan, edition),
            (false, _) if edition >= Edition::E2013 => steps_eac(plan),
            (false, _) => steps_emc(plan),
        };
        if !edge && !commands_form {
            a.steps.push("The console has no field for the port or for requiring TLS: run the Set-SendConnector command below in the Exchange Management Shell (it also sets the HELO name, -Fqdn)".to_owned());
            for r in &plan.internal {
                a.steps.push(format!(
                    "Keep mail for {} off the relay: run the New-SendConnector {} command below (Exchange uses the connector with the most specific address space)",
                    r.domain,
                    ps_quote(&internal_name(r))
                ));
            }
        }
        if plan.sasl.is_some() {
            a.notes.push(Note::info(
                "Get-Credential prompts for the password: enter the user's app password; it is stored in the connector, never on the command line",
                "Google 176600 \"Send email from a printer, scanner, or app\": app passwords",
            ));
            if edge {
                a.notes.push(Note::warning(
                    "relayctl could not confirm that EdgeSync copies the smart-host credential to the Edge: after Start-EdgeSynchronization, check SmartHostAuthMechanism on the Edge, and watch for 530 5.7.0 or 535 5.7.8 from the relay in the test below",
                    "observed: axllent/mailpit#596 (530 5.7.0); observed: loganmarchione/docker-postfixrelay#64 (535 5.7.8)",
                ));
            }
        }
        if edition < Edition::E2010 && plan.tls == TlsMode::StartTls {
            a.notes.push(Note::info(
                "Exchange 2007's send connector has no -TlsAuthLevel: it requires TLS, but relayctl cannot make it check that the certificate is the relay's",
                "New-SendConnector reference for Exchange 2007 (no TlsAuthLevel/TlsDomain parameters)",
            ));
        }
    }

    a.notes.push(Note::info(
        "Exchange takes the port in its own field (-Port; 2000/2003: the virtual server's TCP port), never in the smart host name: smtp-relay.gmail.com:587 is rejected as a smart host",
        "Microsoft Learn Set-SendConnector: -SmartHosts, -Port; observed: MicrosoftDocs/office-docs-powershell#5599",
    ));
    if let Some(v) = by_family(plan.egress, 4, 6) {
        a.notes.push(Note::warning(
            format!(
                "the registered ranges are all IPv{v}, and relayctl knows no connector setting that limits Exchange to one address family: make sure this server reaches {} only over IPv{v} (check with the probe command), or register its other address too",
                plan.relay_host,
            ),
            IPV6_TRAP,
        ));
    }

    let test_message = super::test_by_hand(plan, " from a mailbox");
    a.verify = if !edition.has_shell() {
        vec![
            test_message,
            "in Exchange System Manager > Queues, the connector's queue empties; a message stuck there shows the relay's reply as its last error (for example 550 5.7.0 Mail relay denied)".to_owned(),
        ]
    } else if edge {
        vec![
            test_message,
            "Get-MessageTrackingLog -Recipients you@example.org -EventId SEND | Format-List Timestamp,ConnectorId,RecipientStatus   # on the Edge: the EdgeSync - <site> to Internet connector handed the message on".to_owned(),
            format!("{EDGESYNC_FILTER} | Set-SendConnector -ProtocolLoggingLevel Verbose   # on a Hub (Mailbox) server, then Start-EdgeSynchronization; the Edge's send protocol log shows {}'s \"250 2.0.0 OK\" after DATA", plan.relay_host),
        ]
    } else {
        vec![
            test_message,
            format!("Get-MessageTrackingLog -Recipients you@example.org -EventId SEND | Format-List Timestamp,ConnectorId,RecipientStatus   # ConnectorId names {CONNECTOR}"),
            format!("Set-SendConnector {} -ProtocolLoggingLevel Verbose   # then the send protocol log shows {}'s \"250 2.0.0 OK\" after DATA", ps_quote(CONNECTOR), plan.relay_host),
        ]
    };

    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::testing::{self, smtp_auth};
    use crate::relay::console::ConsoleSetting;
    use crate::relay::plan::{Capabilities, InternalRoute, Site};
    use crate::relay::Port;

    fn make(f: impl FnOnce(&mut ConsoleSetting, &mut Site)) -> ClientPlan {
        testing::plan_for(Target::Exchange, false, f).unwrap()
    }

    fn all_text(a: &Artifact) -> String {
        let mut t = a.steps.join("\n");
        for c in &a.commands {
            t.push('\n');
            t.push_str(&c.line);
        }
        t
    }

    #[test]
    fn e2003_has_no_commands_form() {
        let p = make(|_, _| {});
        for e in [Edition::E2000, Edition::E2003] {
            let err = render(&p, e, false, Form::Commands).unwrap_err();
            assert!(
                matches!(err, GenError::FormUnsupported { .. }),
                "{e:?}: {err}"
            );
        }
    }

    #[test]
    fn e2003_steps_spell_retries_port_fqdn_and_smart_host() {
        let p = make(|_, _| {});
        let a = render(&p, Edition::E2003, false, Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        assert!(a.commands.is_empty());
        let t = a.steps.join("\n");
        assert!(t.contains("First retry interval to 1, Second retry interval to 1, Third retry interval to 3 and Subsequent retry interval to 5"), "{t}");
        assert!(t.contains("TCP port to 587"), "{t}");
        assert!(t.contains("Fully-qualified domain name to mail.example.com"));
        assert!(t.contains("enter smtp-relay.gmail.com, without brackets"));
        assert!(t.contains("tick TLS encryption"));
        assert!(t.contains("Anonymous access"));
    }

    #[test]
    fn e2010_sasl_uses_basic_over_tls_and_prompts_for_the_password() {
        let p = make(smtp_auth);
        let a = render(&p, Edition::E2010, false, Form::Commands).unwrap();
        assert_eq!(a.primary, Primary::Commands);
        let t = all_text(&a);
        assert!(
            t.contains("-SmartHostAuthMechanism BasicAuthRequireTLS"),
            "{t}"
        );
        assert!(t.contains("(Get-Credential 'relay@example.com')"), "{t}");
        assert!(!t.contains(super::super::PASSWORD_PLACEHOLDER), "{t}");
        assert!(!t.to_lowercase().contains("password "), "{t}");
        // 2010: the certificate check is a separate, skippable command.
        assert!(a.commands[1]
            .line
            .contains("-TlsAuthLevel DomainValidation"));
        assert!(a.commands[1].purpose.contains("2010 SP2"));
    }

    #[test]
    fn new_connector_parameters_by_edition() {
        let p = make(|_, _| {});
        let e2007 = render(&p, Edition::E2007, false, Form::Commands).unwrap();
        let line = &e2007.commands[0].line;
        for want in [
            "New-SendConnector -Name 'Outbound to Google' -Usage Internet -AddressSpaces *",
            "-DNSRoutingEnabled $false -SmartHosts smtp-relay.gmail.com -Port 587",
            "-RequireTLS $true -Fqdn mail.example.com -SmartHostAuthMechanism None",
        ] {
            assert!(line.contains(want), "{want}: {line}");
        }
        assert!(!all_text(&e2007).contains("TlsAuthLevel"));
        let e2019 = render(&p, Edition::E2019, false, Form::Commands).unwrap();
        assert_eq!(e2019.commands.len(), 1);
        assert!(e2019.commands[0]
            .line
            .contains("-TlsAuthLevel DomainValidation -TlsDomain smtp-relay.gmail.com"));
        assert!(!e2019.commands[0].line.contains("smtp-relay.gmail.com:"));
    }

    #[test]
    fn default_2016_is_eac_steps_then_set_sendconnector() {
        let p = make(|_, _| {});
        let a = render(&p, Edition::E2016, false, Form::Natural).unwrap();
        assert_eq!(a.primary, Primary::Steps);
        assert!(a.steps[0].contains("Exchange admin center"));
        assert_eq!(a.commands.len(), 1);
        assert!(a.commands[0]
            .line
            .starts_with("Set-SendConnector 'Outbound to Google' -Port 587 -RequireTLS $true"));
    }

    #[test]
    fn edge_2016_synchronises_and_turns_domain_security_off() {
        let p = make(|_, _| {});
        let a = render(&p, Edition::E2016, true, Form::Steps).unwrap();
        let t = all_text(&a);
        assert!(t.contains("Start-EdgeSynchronization"), "{t}");
        assert!(t.contains("-DomainSecureEnabled $false"), "{t}");
        assert!(t.contains("EdgeSync - * to Internet"), "{t}");
        assert!(a
            .steps
            .iter()
            .any(|s| s.contains("Exchange servers permission group")));
    }

    #[test]
    fn implicit_tls_is_unsupported() {
        // Exchange's own capabilities make the plan refuse port 465 first; a plan built
        // with full capabilities (one built another way) is what the generator guards
        // against.
        let p = testing::plan_with_caps(Target::Exchange, Capabilities::FULL, false, |_, s| {
            s.port = Some(Port::Smtps)
        })
        .unwrap();
        for e in [Edition::E2003, Edition::E2016] {
            let err = render(&p, e, false, Form::Natural).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("exchange cannot send with TLS from the first byte"),
                "{err}"
            );
        }
    }

    #[test]
    fn opportunistic_and_internal_routes() {
        let p = make(|c, s| {
            c.require_tls = false;
            s.port = Some(Port::Smtp);
            s.tls = Some(crate::relay::plan::TlsPreference::Opportunistic);
            s.internal = vec![InternalRoute {
                domain: "corp.example.com".parse().unwrap(),
                host: Some("hub.corp.example.com".parse().unwrap()),
            }];
        });
        let a = render(&p, Edition::E2013, false, Form::Commands).unwrap();
        let t = all_text(&a);
        assert!(t.contains("-RequireTLS $false"), "{t}");
        assert!(!t.contains("TlsAuthLevel"), "{t}");
        assert!(t.contains("-AddressSpaces 'corp.example.com','*.corp.example.com' -DNSRoutingEnabled $false -SmartHosts hub.corp.example.com"), "{t}");
        let old = render(&p, Edition::E2003, false, Form::Steps).unwrap();
        assert!(old
            .steps
            .iter()
            .any(|s| s.contains("SMTP *.corp.example.com")));
        assert!(old.notes.iter().any(|n| n.text.contains("in clear")));
    }

    #[test]
    fn quotes_are_escaped_for_powershell() {
        assert_eq!(ps_quote("it's $x"), "'it''s $x'");
    }
}

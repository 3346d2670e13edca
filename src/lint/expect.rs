//! What lint expects of an MTA: the relay's invariants (its host names, ports, limits and
//! timeouts, all from `relay`), and with `--config` the admin's console setting and site
//! as `relay::plan` reads them. The rules ask this; none spells a number or a host name.

use super::Context;
use crate::relay::console::{Authentication, ConsoleSetting};
use crate::relay::plan::{egress_for, Site, Timeouts, MAX_RCPT_PER_TRANSACTION};
use crate::relay::{Family, Port};

/// The expectations one lint run judges against.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// The console setting (`--config`), when known.
    pub console: Option<&'a ConsoleSetting>,
    /// The site (`--config`), when known.
    pub site: Option<&'a Site>,
}

impl<'a> Expect<'a> {
    /// The expectations of a lint context.
    pub fn new(ctx: &'a Context) -> Expect<'a> {
        Expect {
            console: ctx.console.as_ref(),
            site: ctx.site.as_ref(),
        }
    }

    /// Whether the console setting is known (relay.toml given).
    pub fn knows_console(&self) -> bool {
        self.console.is_some()
    }

    /// "Require TLS encryption" is ticked.
    pub fn require_tls(&self) -> bool {
        self.console.is_some_and(|c| c.require_tls)
    }

    /// "Require SMTP Authentication" is ticked (alone or with IP addresses).
    pub fn smtp_auth_required(&self) -> bool {
        self.console
            .is_some_and(|c| c.authentication.uses_smtp_auth())
    }

    /// The console authenticates by IP address only.
    pub fn ip_only(&self) -> bool {
        self.console
            .is_some_and(|c| c.authentication == Authentication::Ip)
    }

    /// The address families the client should use (the plan's egress); any when the
    /// setting is unknown.
    pub fn egress(&self) -> Family {
        self.console.map_or(Family::Any, egress_for)
    }

    /// The port the client must use TLS from the first byte on.
    pub fn implicit_tls_port(&self) -> u16 {
        Port::Smtps.number()
    }

    /// The port an MTA uses when the relay line names none (SMTP's own, RFC 5321 §4.5.4.1
    /// via the MTAs' defaults).
    pub fn default_port(&self) -> u16 {
        Port::Smtp.number()
    }

    /// Whether `port` is one the relay listens on.
    pub fn is_relay_port(&self, port: u16) -> bool {
        Port::from_number(port).is_some()
    }

    /// Most recipients per transaction.
    pub fn max_rcpt(&self) -> u32 {
        MAX_RCPT_PER_TRANSACTION
    }

    /// The article's timeouts.
    pub fn timeouts(&self) -> &'static Timeouts {
        &Timeouts::ARTICLE
    }
}

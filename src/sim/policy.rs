//! The console setting enforced by `relayctl sim`: who may relay (IP ranges, SMTP AUTH or
//! both), which envelope senders pass ("Allowed senders"), and the sending limits, each
//! refusal with Google's reply text (`google`). Decisions only; the session sends them.
//!
//! Sources: Google help 2956491 (the setting, the additional configuration for foreign and
//! empty senders, one RCPT with an empty sender, the sending limits) and 6140680 (the reply
//! texts: #maildenied, #invalidcred, #userlimit, #dailylimit, the 10-minute peak limit).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::relay::console::{AllowedSenders, ConsoleSetting};

use super::script::google;

/// Google help 2956491, sending limits: per user (envelope sender) and 24 hours.
pub const USER_MESSAGES_PER_DAY: u64 = 10_000;
/// Per user and 24 hours: unique recipients.
pub const USER_RECIPIENTS_PER_DAY: u64 = 10_000;
/// Per organisation and 24 hours: recipients.
pub const CUSTOMER_RECIPIENTS_PER_DAY: u64 = 4_600_000;
/// Per organisation and 10 minutes: recipients.
pub const CUSTOMER_RECIPIENTS_PER_PEAK: u64 = 319_444;

const DAY: Duration = Duration::from_secs(24 * 3600);
const PEAK: Duration = Duration::from_secs(600);

/// The sending limits (counted in fixed windows from the first message of each window).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Messages per envelope sender that is a registered user, per 24 h.
    pub user_messages: u64,
    /// Unique recipients per such sender, per 24 h.
    pub user_recipients: u64,
    /// Recipients of the whole organisation per 24 h.
    pub customer_daily: u64,
    /// Recipients of the whole organisation per 10 minutes.
    pub customer_peak: u64,
}

impl Limits {
    /// Google's limits times `scale` (at least 1 each): `--limits-scale 0.0001` lets a test
    /// reach them (1 message per user, 460 and 32 recipients for the organisation).
    pub fn scaled(scale: f64) -> Limits {
        let s = |n: u64| ((n as f64 * scale).ceil() as u64).max(1);
        Limits {
            user_messages: s(USER_MESSAGES_PER_DAY),
            user_recipients: s(USER_RECIPIENTS_PER_DAY),
            customer_daily: s(CUSTOMER_RECIPIENTS_PER_DAY),
            customer_peak: s(CUSTOMER_RECIPIENTS_PER_PEAK),
        }
    }
}

/// A counting window that starts with its first count and ends `length` later.
#[derive(Debug)]
struct Window {
    start: Instant,
    length: Duration,
    count: u64,
}

impl Window {
    fn new(length: Duration) -> Window {
        Window {
            start: Instant::now(),
            length,
            count: 0,
        }
    }

    fn roll(&mut self, now: Instant) -> bool {
        if now.duration_since(self.start) >= self.length {
            self.start = now;
            self.count = 0;
            return true;
        }
        false
    }
}

#[derive(Debug)]
struct UserCount {
    messages: Window,
    recipients: HashSet<String>,
}

#[derive(Debug)]
struct Counters {
    day: Window,
    peak: Window,
    users: HashMap<String, UserCount>,
}

/// The console setting plus what sim needs to apply it.
#[derive(Debug)]
pub struct Policy {
    console: ConsoleSetting,
    /// Your domains (lower case): relay.toml's site.domains, else the domains of the users.
    domains: Vec<String>,
    /// The registered users (lower case): the user names of `--users`.
    users: Vec<String>,
    limits: Limits,
    counters: Mutex<Counters>,
}

/// What the policy says about a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Relay it; `rewritten` is the envelope sender Google would put instead of a foreign
    /// one ("Any addresses": postmaster@ your domain).
    Accept { rewritten: Option<String> },
    /// Refuse with this reply template.
    Refuse(&'static str),
}

/// The session facts a decision rests on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The client's address as the policy sees it (`--client-ip` or the peer).
    pub client_ip: IpAddr,
    /// The user of an accepted AUTH.
    pub authed: Option<&'a str>,
    /// The EHLO/HELO name.
    pub helo: Option<&'a str>,
    /// MAIL FROM, without brackets (empty for `<>`).
    pub from: &'a str,
    /// The recipients accepted so far in this transaction.
    pub accepted_rcpts: usize,
    /// The recipient at hand.
    pub rcpt: &'a str,
}

fn domain_of(addr: &str) -> Option<String> {
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

impl Policy {
    /// A policy for `console`, your `domains` and the registered `users`.
    pub fn new(
        console: ConsoleSetting,
        domains: &[String],
        users: &[String],
        limits: Limits,
    ) -> Policy {
        let users: Vec<String> = users.iter().map(|u| u.to_ascii_lowercase()).collect();
        let mut domains: Vec<String> = domains.iter().map(|d| d.to_ascii_lowercase()).collect();
        if domains.is_empty() {
            for d in users.iter().filter_map(|u| domain_of(u)) {
                if !domains.contains(&d) {
                    domains.push(d);
                }
            }
        }
        Policy {
            console,
            domains,
            users,
            limits,
            counters: Mutex::new(Counters {
                day: Window::new(DAY),
                peak: Window::new(PEAK),
                users: HashMap::new(),
            }),
        }
    }

    /// The console setting enforced.
    pub fn console(&self) -> &ConsoleSetting {
        &self.console
    }

    /// The domains counted as yours (empty: every domain is).
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// The limits enforced.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether `domain` is one of yours or a subdomain of one (every domain when none is
    /// known).
    fn is_ours(&self, domain: &str) -> bool {
        self.domains.is_empty()
            || self
                .domains
                .iter()
                .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    }

    fn helo_is_ours(&self, helo: Option<&str>) -> bool {
        helo.is_some_and(|h| {
            let h = h.trim_end_matches('.').to_ascii_lowercase();
            !h.starts_with('[') && self.is_ours(&h)
        })
    }

    fn is_registered(&self, addr: &str) -> bool {
        let a = addr.to_ascii_lowercase();
        self.users.contains(&a)
    }

    /// Whether the client's address lies in an enabled range.
    pub fn ip_registered(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.console.enabled_ranges().any(|r| r.net.contains(&ip))
    }

    /// The decision for one RCPT TO.
    pub fn rcpt(&self, f: &Facts<'_>) -> Decision {
        // Google help 2956491: a message with an empty envelope sender has one recipient.
        if f.from.is_empty() && f.accepted_rcpts >= 1 {
            return Decision::Refuse(google::TOO_MANY_RECIPIENTS);
        }
        let auth = self.console.authentication;
        let ip_ok = self.ip_registered(f.client_ip);
        let auth_ok = f.authed.is_some();
        let allowed = match (auth.uses_ip(), auth.uses_smtp_auth()) {
            (true, true) => ip_ok && auth_ok,
            (true, false) => ip_ok,
            _ => auth_ok,
        };
        if !allowed {
            return Decision::Refuse(google::RELAY_DENIED);
        }
        let from_domain = domain_of(f.from);
        let ours = from_domain.as_deref().is_some_and(|d| self.is_ours(d));
        let identified = auth_ok || self.helo_is_ours(f.helo);
        let mut rewritten = None;
        if f.from.is_empty() {
            // Bounces and auto-replies: SMTP AUTH or one of your domains in HELO.
            if !identified {
                return Decision::Refuse(google::INVALID_CREDENTIALS);
            }
        } else {
            match self.console.allowed_senders {
                AllowedSenders::RegisteredUsers => {
                    if !self.is_registered(f.from) {
                        return Decision::Refuse(google::MAIL_SENDING_DENIED);
                    }
                }
                AllowedSenders::DomainAddresses => {
                    if !ours && !identified {
                        return Decision::Refuse(google::INVALID_CREDENTIALS);
                    }
                }
                AllowedSenders::AnyAddresses => {
                    if !ours {
                        rewritten = self.domains.first().map(|d| format!("postmaster@{d}"));
                    }
                }
            }
        }
        if let Some(reply) = self.over_limit(f.from, f.rcpt) {
            return Decision::Refuse(reply);
        }
        Decision::Accept { rewritten }
    }

    /// The limit this recipient would break, if any (counts are taken at delivery).
    fn over_limit(&self, from: &str, rcpt: &str) -> Option<&'static str> {
        let now = Instant::now();
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        c.day.roll(now);
        c.peak.roll(now);
        if self.is_registered(from) {
            if let Some(u) = c.users.get_mut(&from.to_ascii_lowercase()) {
                if u.messages.roll(now) {
                    u.recipients.clear();
                }
                let new_rcpt = !u.recipients.contains(&rcpt.to_ascii_lowercase());
                if u.messages.count >= self.limits.user_messages
                    || (new_rcpt && u.recipients.len() as u64 >= self.limits.user_recipients)
                {
                    return Some(google::DAILY_LIMIT_USER);
                }
            }
        }
        if c.day.count >= self.limits.customer_daily {
            return Some(google::DAILY_LIMIT_CUSTOMER);
        }
        if c.peak.count >= self.limits.customer_peak {
            return Some(google::PEAK_LIMIT_CUSTOMER);
        }
        None
    }

    /// Counts a delivered message against the limits.
    pub fn count(&self, from: &str, rcpts: &[String]) {
        let now = Instant::now();
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        c.day.roll(now);
        c.peak.roll(now);
        c.day.count += rcpts.len() as u64;
        c.peak.count += rcpts.len() as u64;
        if self.is_registered(from) {
            let cap = self.limits.user_recipients as usize;
            let u = c
                .users
                .entry(from.to_ascii_lowercase())
                .or_insert_with(|| UserCount {
                    messages: Window::new(DAY),
                    recipients: HashSet::new(),
                });
            if u.messages.roll(now) {
                u.recipients.clear();
            }
            u.messages.count += 1;
            for r in rcpts {
                if u.recipients.len() >= cap {
                    break;
                }
                u.recipients.insert(r.to_ascii_lowercase());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::console::{Authentication, IpRange};

    fn console(auth: Authentication, senders: AllowedSenders) -> ConsoleSetting {
        ConsoleSetting {
            authentication: auth,
            allowed_senders: senders,
            ranges: vec![IpRange {
                description: "office".into(),
                net: "203.0.113.0/28".parse().unwrap(),
                enabled: true,
            }],
            ..ConsoleSetting::default()
        }
    }

    fn facts<'a>(ip: &str, authed: Option<&'a str>, helo: &'a str, from: &'a str) -> Facts<'a> {
        Facts {
            client_ip: ip.parse().unwrap(),
            authed,
            helo: Some(helo),
            from,
            accepted_rcpts: 0,
            rcpt: "you@example.net",
        }
    }

    fn policy(auth: Authentication, senders: AllowedSenders) -> Policy {
        Policy::new(
            console(auth, senders),
            &["example.com".to_owned()],
            &["it@example.com".to_owned()],
            Limits::scaled(1.0),
        )
    }

    #[test]
    fn authentication_modes() {
        let ip = policy(Authentication::Ip, AllowedSenders::DomainAddresses);
        let out = facts("198.51.100.7", None, "mail.example.com", "a@example.com");
        assert_eq!(ip.rcpt(&out), Decision::Refuse(google::RELAY_DENIED));
        let inside = facts("203.0.113.5", None, "mail.example.com", "a@example.com");
        assert!(matches!(ip.rcpt(&inside), Decision::Accept { .. }));
        let mapped = facts(
            "::ffff:203.0.113.5",
            None,
            "mail.example.com",
            "a@example.com",
        );
        assert!(matches!(ip.rcpt(&mapped), Decision::Accept { .. }));

        let auth = policy(Authentication::SmtpAuth, AllowedSenders::DomainAddresses);
        assert_eq!(auth.rcpt(&inside), Decision::Refuse(google::RELAY_DENIED));
        let authed = facts(
            "198.51.100.7",
            Some("it@example.com"),
            "h.example.com",
            "a@example.com",
        );
        assert!(matches!(auth.rcpt(&authed), Decision::Accept { .. }));

        let both = policy(Authentication::Both, AllowedSenders::DomainAddresses);
        assert_eq!(both.rcpt(&authed), Decision::Refuse(google::RELAY_DENIED));
        assert_eq!(both.rcpt(&inside), Decision::Refuse(google::RELAY_DENIED));
        let both_ok = facts(
            "203.0.113.5",
            Some("it@example.com"),
            "h.example.com",
            "a@example.com",
        );
        assert!(matches!(both.rcpt(&both_ok), Decision::Accept { .. }));
    }

    #[test]
    fn allowed_senders_and_empty_sender() {
        let p = policy(Authentication::Ip, AllowedSenders::DomainAddresses);
        let foreign = facts("203.0.113.5", None, "mail.other.org", "a@other.org");
        assert_eq!(
            p.rcpt(&foreign),
            Decision::Refuse(google::INVALID_CREDENTIALS)
        );
        // One of your domains in HELO identifies you.
        let helo = facts("203.0.113.5", None, "mail.example.com", "a@other.org");
        assert!(matches!(p.rcpt(&helo), Decision::Accept { .. }));
        let bounce = facts("203.0.113.5", None, "mail.other.org", "");
        assert_eq!(
            p.rcpt(&bounce),
            Decision::Refuse(google::INVALID_CREDENTIALS)
        );
        let mut bounce = facts("203.0.113.5", None, "mail.example.com", "");
        assert!(matches!(p.rcpt(&bounce), Decision::Accept { .. }));
        bounce.accepted_rcpts = 1;
        assert_eq!(
            p.rcpt(&bounce),
            Decision::Refuse(google::TOO_MANY_RECIPIENTS)
        );

        let reg = policy(Authentication::Ip, AllowedSenders::RegisteredUsers);
        let user = facts("203.0.113.5", None, "mail.example.com", "IT@example.com");
        assert!(matches!(reg.rcpt(&user), Decision::Accept { .. }));
        let other = facts("203.0.113.5", None, "mail.example.com", "app@example.com");
        assert_eq!(
            reg.rcpt(&other),
            Decision::Refuse(google::MAIL_SENDING_DENIED)
        );

        let any = policy(Authentication::Ip, AllowedSenders::AnyAddresses);
        assert_eq!(
            any.rcpt(&foreign),
            Decision::Accept {
                rewritten: Some("postmaster@example.com".into())
            }
        );
    }

    #[test]
    fn limits_scale_and_bite() {
        let l = Limits::scaled(0.0001);
        assert_eq!(
            (l.user_messages, l.customer_daily, l.customer_peak),
            (1, 460, 32)
        );
        let p = Policy::new(
            console(Authentication::Ip, AllowedSenders::DomainAddresses),
            &["example.com".to_owned()],
            &["it@example.com".to_owned()],
            l,
        );
        let user = facts("203.0.113.5", None, "mail.example.com", "it@example.com");
        assert!(matches!(p.rcpt(&user), Decision::Accept { .. }));
        p.count("it@example.com", &["you@example.net".to_owned()]);
        assert_eq!(p.rcpt(&user), Decision::Refuse(google::DAILY_LIMIT_USER));
        // Not a registered user: no per-user limit, but the organisation's peak.
        let app = facts("203.0.113.5", None, "mail.example.com", "app@example.com");
        assert!(matches!(p.rcpt(&app), Decision::Accept { .. }));
        let many: Vec<String> = (0..31).map(|i| format!("r{i}@example.net")).collect();
        p.count("app@example.com", &many);
        assert_eq!(p.rcpt(&app), Decision::Refuse(google::PEAK_LIMIT_CUSTOMER));
    }
}

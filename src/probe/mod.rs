//! `relayctl probe`: resolve the relay once, then talk to every port x address at once on
//! scoped threads, each through an SMTP session (`smtp::session`), and judge the results
//! (`verdict`). Sees the network only through the `net::Resolve` and `net::Dial` traits;
//! reports progress through a caller-supplied callback and never prints.

pub mod send;
pub mod verdict;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::net::{AddressRecord, Dial, DialError, DnsError, Resolve};
use crate::smtp::session::{self, SessionPlan, SessionReport};
use crate::smtp::{Credentials, PortSpec};

pub use crate::relay::Family;
pub use verdict::{Context, Finding, PortVerdict, Recommendation, Status};

/// What to probe and how.
#[derive(Debug, Clone)]
pub struct ProbeRequest<'a> {
    /// The relay host: a DNS name or an IP address.
    pub host: &'a str,
    /// Address families.
    pub family: Family,
    /// Ports, in the order to report them.
    pub ports: Vec<PortSpec>,
    /// EHLO argument.
    pub helo: &'a str,
    /// Credentials for AUTH.
    pub credentials: Option<&'a Credentials>,
    /// Send credentials without TLS (asked for explicitly).
    pub allow_plaintext_auth: bool,
    /// Envelope test addresses.
    pub envelope: Option<(&'a str, &'a [String])>,
    /// A message to send with the envelope (send-test) instead of the envelope test's RSET.
    pub message: Option<&'a [u8]>,
    /// Deadline of each step.
    pub timeout: Duration,
}

/// Progress, for spinners.
#[derive(Debug, Clone)]
pub enum Event {
    /// A connection is being made.
    Started {
        /// Port.
        port: PortSpec,
        /// Address.
        addr: SocketAddr,
    },
    /// A connection finished with this status.
    Finished {
        /// Port.
        port: PortSpec,
        /// Address.
        addr: SocketAddr,
        /// Its verdict.
        status: Status,
    },
}

/// One connection: a port on one address.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Endpoint {
    /// The port and its TLS mode.
    #[serde(serialize_with = "port_text")]
    pub port: PortSpec,
    /// The address connected to.
    pub address: SocketAddr,
    /// Why the connection could not be made, if it could not.
    #[serde(serialize_with = "dial_text")]
    pub dial_error: Option<DialError>,
    /// Milliseconds the TCP connect took (or waited before failing).
    pub connect_ms: u64,
    /// The session, when connected.
    pub session: Option<SessionReport>,
    /// The verdict for this connection.
    pub status: Status,
    /// What was found, worst first.
    pub findings: Vec<Finding>,
}

fn port_text<S: serde::Serializer>(p: &PortSpec, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string())
}

fn dial_text<S: serde::Serializer>(e: &Option<DialError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// Everything a probe learned.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    /// The host probed.
    pub host: String,
    /// The EHLO name presented.
    pub helo: String,
    /// The addresses probed.
    pub addresses: Vec<IpAddr>,
    /// Address records that could not be resolved (the other family may have worked).
    pub dns_errors: Vec<(AddressRecord, DnsError)>,
    /// Every connection, by port then address.
    pub endpoints: Vec<Endpoint>,
    /// One verdict per port.
    pub ports: Vec<PortVerdict>,
    /// Findings about the whole run (the address the relay sees vs the console's ranges).
    pub findings: Vec<Finding>,
    /// The port and settings to use, if one works.
    pub recommendation: Option<Recommendation>,
    /// Wall time of the whole probe.
    pub elapsed_ms: u64,
}

impl ProbeReport {
    /// The worst status over every port.
    pub fn status(&self) -> Status {
        self.ports
            .iter()
            .map(|p| p.status)
            .chain(self.findings.iter().map(|f| Status::of(f.severity)))
            .max()
            .unwrap_or(Status::Ok)
    }

    /// Whether no connection at all could be made (a network error, not a verdict).
    pub fn nothing_reached(&self) -> bool {
        self.endpoints.iter().all(|e| e.session.is_none())
    }
}

/// Why a probe could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The host has no usable address.
    #[error("cannot resolve: {why}")]
    Resolve {
        /// The host.
        host: String,
        /// What DNS said.
        why: String,
    },
}

/// Resolves the host, then probes every port on every address concurrently.
pub fn run(
    req: &ProbeRequest<'_>,
    ctx: &Context,
    resolver: &dyn Resolve,
    dialer: &dyn Dial,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<ProbeReport, ProbeError> {
    let t0 = Instant::now();
    let (addresses, dns_errors) = resolve(req.host, req.family, resolver)?;
    let jobs: Vec<(PortSpec, SocketAddr)> = req
        .ports
        .iter()
        .flat_map(|p| addresses.iter().map(|a| (*p, SocketAddr::new(*a, p.port))))
        .collect();
    let endpoints: Vec<Endpoint> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(port, addr)| {
                scope.spawn(move || observed(req, ctx, dialer, port, addr, on_event))
            })
            .collect();
        handles
            .into_iter()
            .zip(&jobs)
            .map(|(h, &(port, addr))| {
                h.join().unwrap_or_else(|_| Endpoint {
                    port,
                    address: addr,
                    dial_error: Some(DialError::Other(
                        "internal error: probe thread panicked".into(),
                    )),
                    connect_ms: 0,
                    session: None,
                    status: Status::Fail,
                    findings: Vec::new(),
                })
            })
            .collect()
    });
    let ports = req
        .ports
        .iter()
        .map(|p| verdict::port_verdict(*p, &endpoints))
        .collect::<Vec<_>>();
    let findings = verdict::run_findings(&endpoints, ctx);
    let recommendation = verdict::recommend(&ports, &endpoints, req, ctx);
    Ok(ProbeReport {
        host: req.host.to_owned(),
        helo: req.helo.to_owned(),
        addresses,
        dns_errors,
        endpoints,
        ports,
        findings,
        recommendation,
        elapsed_ms: ms(t0.elapsed()),
    })
}

/// What `send-test` did: the connections tried, in order, until one reached a server;
/// that last one carried (or tried to carry) the message.
#[derive(Debug, Clone)]
pub struct SendReport {
    /// The host as given.
    pub host: String,
    /// The EHLO name presented.
    pub helo: String,
    /// The addresses found.
    pub addresses: Vec<IpAddr>,
    /// Address records that could not be resolved (the other family may have worked).
    pub dns_errors: Vec<(AddressRecord, DnsError)>,
    /// Every connection tried, in order.
    pub attempts: Vec<Endpoint>,
    /// Wall time.
    pub elapsed_ms: u64,
}

impl SendReport {
    /// The connection that reached a server, if any.
    pub fn reached(&self) -> Option<&Endpoint> {
        self.attempts.iter().rev().find(|e| e.session.is_some())
    }

    /// The relay took the message: the session reached the end of the message with a
    /// 2xx to `<CRLF>.<CRLF>`, and nothing stopped it.
    pub fn accepted(&self) -> bool {
        self.reached()
            .and_then(|e| e.session.as_ref())
            .is_some_and(|s| {
                s.stop.is_none() && s.message_reply.as_ref().is_some_and(|r| r.is_positive())
            })
    }
}

/// Sends one message (`req.message`, on the first of `req.ports`): resolves as `run`
/// does, then tries the addresses in turn until one connects, and runs the same session
/// as a probe, with DATA. One message at most, whatever the number of addresses.
pub fn send(
    req: &ProbeRequest<'_>,
    ctx: &Context,
    resolver: &dyn Resolve,
    dialer: &dyn Dial,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<SendReport, ProbeError> {
    let t0 = Instant::now();
    let (addresses, dns_errors) = resolve(req.host, req.family, resolver)?;
    let mut attempts = Vec::new();
    if let Some(&port) = req.ports.first() {
        for ip in &addresses {
            let addr = SocketAddr::new(*ip, port.port);
            let e = observed(req, ctx, dialer, port, addr, on_event);
            let reached = e.session.is_some();
            attempts.push(e);
            if reached {
                break;
            }
        }
    }
    Ok(SendReport {
        host: req.host.to_owned(),
        helo: req.helo.to_owned(),
        addresses,
        dns_errors,
        attempts,
        elapsed_ms: ms(t0.elapsed()),
    })
}

/// One connection, announced to `on_event` when it starts and when it ends.
fn observed(
    req: &ProbeRequest<'_>,
    ctx: &Context,
    dialer: &dyn Dial,
    port: PortSpec,
    addr: SocketAddr,
    on_event: &(dyn Fn(Event) + Sync),
) -> Endpoint {
    on_event(Event::Started { port, addr });
    let e = probe_one(req, ctx, dialer, port, addr);
    on_event(Event::Finished {
        port,
        addr,
        status: e.status,
    });
    e
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The addresses found, and the record types that could not be resolved.
pub type Resolved = (Vec<IpAddr>, Vec<(AddressRecord, DnsError)>);

/// The addresses to probe: the literal itself, or the A and AAAA records asked at once.
/// send-test resolves the relay through this too, so both say a DNS failure the same way
/// (`cannot resolve: A: NXDOMAIN (the name does not exist); AAAA: ...`).
pub fn resolve(host: &str, family: Family, resolver: &dyn Resolve) -> Result<Resolved, ProbeError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        if !family.admits(ip) {
            return Err(ProbeError::Resolve {
                host: host.to_owned(),
                why: "the address is not of the family asked for (-4/-6)".into(),
            });
        }
        return Ok((vec![ip], Vec::new()));
    }
    let records: &[AddressRecord] = match family {
        Family::Any => &[AddressRecord::A, AddressRecord::Aaaa],
        Family::V4 => &[AddressRecord::A],
        Family::V6 => &[AddressRecord::Aaaa],
    };
    let results: Vec<(AddressRecord, Result<Vec<IpAddr>, DnsError>)> =
        std::thread::scope(|scope| {
            let hs: Vec<_> = records
                .iter()
                .map(|&r| (r, scope.spawn(move || resolver.lookup_ip(host, r))))
                .collect();
            hs.into_iter()
                .map(|(r, h)| {
                    (
                        r,
                        h.join()
                            .unwrap_or_else(|_| Err(DnsError::Other("resolver panicked".into()))),
                    )
                })
                .collect()
        });
    let mut addresses = Vec::new();
    let mut errors = Vec::new();
    for (r, res) in results {
        match res {
            Ok(ips) => addresses.extend(ips),
            Err(e) => errors.push((r, e)),
        }
    }
    addresses.dedup();
    if addresses.is_empty() {
        let why = errors
            .iter()
            .map(|(r, e)| format!("{}: {e}", r.as_str()))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ProbeError::Resolve {
            host: host.to_owned(),
            why,
        });
    }
    Ok((addresses, errors))
}

fn probe_one(
    req: &ProbeRequest<'_>,
    ctx: &Context,
    dialer: &dyn Dial,
    port: PortSpec,
    addr: SocketAddr,
) -> Endpoint {
    let started = Instant::now();
    let dialed = dialer.dial(addr, req.host, req.timeout);
    let connect_ms = ms(started.elapsed());
    let mut endpoint = Endpoint {
        port,
        address: addr,
        dial_error: None,
        connect_ms,
        session: None,
        status: Status::Ok,
        findings: Vec::new(),
    };
    match dialed {
        Err(e) => endpoint.dial_error = Some(e),
        Ok(mut chan) => {
            let plan = SessionPlan {
                helo: req.helo,
                tls: port.tls,
                credentials: req.credentials,
                allow_plaintext_auth: req.allow_plaintext_auth,
                envelope: req.envelope,
                message: req.message,
                timeout: req.timeout,
            };
            endpoint.session = Some(session::run(chan.as_mut(), &plan, started, connect_ms));
        }
    }
    let (status, findings) = verdict::judge(&endpoint, req, ctx);
    endpoint.status = status;
    endpoint.findings = findings;
    endpoint
}

//! [`HickoryResolver`]: the [`Resolve`] adapter over hickory-resolver, the only file that
//! names hickory or tokio. hickory-resolver is async only; its tokio runtime (current
//! thread, built once per resolver) stays private here, so the rest of relayctl is blocking.
//! Also parses `--nameserver HOST:PORT`.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
    ServerOrderingStrategy,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

use super::{AddressRecord, DnsError, Resolve};

/// Why a resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `--nameserver` is not `IP`, `IP:PORT` or `[IPv6]:PORT`.
    #[error("--nameserver {input:?}: {why}")]
    Nameserver { input: String, why: &'static str },
    /// The system configuration (/etc/resolv.conf) is unreadable or names no server.
    #[error("cannot use the system's DNS configuration (/etc/resolv.conf): {0}; pass --nameserver IP[:PORT]")]
    System(String),
    /// The private runtime could not start.
    #[error("cannot start the DNS client: {0}")]
    Runtime(String),
}

/// The DNS port, used when `--nameserver` gives none.
pub const DNS_PORT: u16 = 53;

/// Parses `--nameserver`: `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`,
/// `[2001:db8::53]:5353` or `[2001:db8::53]`. A bare address means port 53.
///
/// A host name is refused: it would need a resolver to find the resolver, and the system's
/// may be the very one being bypassed.
pub fn parse_nameserver(input: &str) -> Result<SocketAddr, SetupError> {
    let err = |why| SetupError::Nameserver {
        input: input.to_owned(),
        why,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty; give an IP address, optionally with :PORT"));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DNS_PORT));
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|ip| SocketAddr::new(IpAddr::V6(ip), DNS_PORT))
            .map_err(|_| err("not an IPv6 address in brackets"));
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        if addr.port() == 0 {
            return Err(err("port 0 is not a port a name server listens on"));
        }
        return Ok(addr);
    }
    // An address with a bad port, an unbracketed IPv6 address with a port, or a host name.
    let host = match s.rsplit_once(':') {
        Some((h, _port)) if !h.contains(':') => h,
        Some(_) => {
            return Err(err(
                "not an address; write an IPv6 address with a port as [2001:db8::53]:5353",
            ))
        }
        None => s,
    };
    if host.parse::<IpAddr>().is_ok() {
        return Err(err("the port is not a number from 1 to 65535"));
    }
    Err(err(
        "a host name; give the name server's IP address (relayctl does not resolve the name server's own name)",
    ))
}

/// hickory-resolver on a private current-thread tokio runtime.
///
/// Queries go over UDP (TCP when an answer is truncated), one try each, and wait at most
/// the timeout: hickory's `attempts` counts retries after the first try, so it is 0, and
/// its UDP client re-sends within that window. /etc/hosts is not read, and names are
/// always absolute, so no search list applies.
pub struct HickoryResolver {
    runtime: tokio::runtime::Runtime,
    resolver: TokioResolver,
    endpoint: String,
    timeout: Duration,
}

impl fmt::Debug for HickoryResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HickoryResolver")
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HickoryResolver {
    /// A resolver asking `nameserver`, or the servers of /etc/resolv.conf when `None`;
    /// `timeout` bounds each query.
    pub fn new(nameserver: Option<SocketAddr>, timeout: Duration) -> Result<Self, SetupError> {
        let (config, endpoint) = match nameserver {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                (
                    ResolverConfig::from_name_servers(vec![server]),
                    addr.to_string(),
                )
            }
            None => {
                let (system, _) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| SetupError::System(e.to_string()))?;
                let servers = system.name_servers().to_vec();
                if servers.is_empty() {
                    return Err(SetupError::System("no nameserver line".to_owned()));
                }
                let endpoint = system_endpoint(&servers);
                // Only the servers: relayctl's names are absolute, search/domain do not apply.
                (ResolverConfig::from_name_servers(servers), endpoint)
            }
        };

        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| SetupError::Runtime(e.to_string()))?;
        let resolver = {
            let _guard = runtime.enter();
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
                .with_options(opts)
                .build()
                .map_err(|e| SetupError::Runtime(e.to_string()))?
        };
        Ok(HickoryResolver {
            runtime,
            resolver,
            endpoint,
            timeout,
        })
    }

    /// The server(s) asked, for error messages: `127.0.0.1:5353`, or
    /// `system resolver 192.0.2.53:53` when read from /etc/resolv.conf.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Runs one lookup on the private runtime, bounded by the timeout even if hickory
    /// follows a CNAME chain with further queries.
    fn run<T>(&self, lookup: impl Future<Output = Result<T, NetError>>) -> Result<T, DnsError> {
        self.runtime
            .block_on(async { tokio::time::timeout(self.timeout, lookup).await })
            .map_err(|_elapsed| DnsError::Timeout)?
            .map_err(|e| map_error(&e))
    }
}

fn system_endpoint(servers: &[NameServerConfig]) -> String {
    let mut addrs: Vec<String> = Vec::new();
    for s in servers {
        let port = s.connections.first().map_or(DNS_PORT, |c| c.port);
        let a = SocketAddr::new(s.ip, port).to_string();
        if !addrs.contains(&a) {
            addrs.push(a);
        }
    }
    format!("system resolver {}", addrs.join(", "))
}

impl Resolve for HickoryResolver {
    fn lookup_ip(&self, name: &str, record: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
        let name = absolute_name(name)?;
        let rtype = match record {
            AddressRecord::A => RecordType::A,
            AddressRecord::Aaaa => RecordType::AAAA,
        };
        let lookup = self.run(self.resolver.lookup(name, rtype))?;
        let ips: Vec<IpAddr> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(a) if record == AddressRecord::A => Some(IpAddr::V4(a.0)),
                RData::AAAA(a) if record == AddressRecord::Aaaa => Some(IpAddr::V6(a.0)),
                _ => None,
            })
            .collect();
        if ips.is_empty() {
            return Err(DnsError::NoRecords);
        }
        Ok(ips)
    }

    fn lookup_ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let lookup = self.run(self.resolver.reverse_lookup(ip))?;
        let mut names: Vec<String> = Vec::new();
        for r in lookup.answers() {
            if let RData::PTR(p) = &r.data {
                let n = p.0.to_ascii().trim_end_matches('.').to_ascii_lowercase();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        if names.is_empty() {
            return Err(DnsError::NoRecords);
        }
        Ok(names)
    }
}

/// `mail.example.com` as the absolute DNS name `mail.example.com.`; ASCII only (the
/// caller validated it), so no IDNA mapping happens behind the check's back.
fn absolute_name(name: &str) -> Result<Name, DnsError> {
    let mut n = Name::from_ascii(name.trim_end_matches('.'))
        .map_err(|e| DnsError::Other(format!("{name:?} is not a DNS name: {e}")))?;
    n.set_fqdn(true);
    Ok(n)
}

/// hickory 0.26's errors as relayctl's outcomes. Negative answers arrive as
/// `NetError::Dns(DnsError::NoRecordsFound(NoRecords { response_code, .. }))` with
/// NXDOMAIN or NOERROR (NODATA); SERVFAIL, REFUSED and other codes as
/// `NetError::Dns(DnsError::ResponseCode(code))`; the pool's deadline as
/// `NetError::Timeout`; socket failures as `NetError::Io` (a timed-out I/O is already
/// `Timeout`) or `NoConnections`.
fn map_error(e: &NetError) -> DnsError {
    match e {
        NetError::Dns(HickoryDnsError::NoRecordsFound(NoRecords { response_code, .. })) => {
            from_code(*response_code)
        }
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => from_code(*code),
        NetError::Timeout => DnsError::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => DnsError::Timeout,
        NetError::Io(io) => DnsError::Unreachable(io.to_string()),
        NetError::NoConnections => {
            DnsError::Unreachable("no connection to the name server could be opened".to_owned())
        }
        other => DnsError::Other(other.to_string()),
    }
}

fn from_code(code: ResponseCode) -> DnsError {
    match code {
        ResponseCode::NXDomain => DnsError::NxDomain,
        ResponseCode::NoError => DnsError::NoRecords,
        ResponseCode::ServFail => DnsError::ServFail,
        ResponseCode::Refused => DnsError::Refused,
        other => DnsError::Other(format!("response code {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_forms() {
        let ok: &[(&str, &str, &str)] = &[
            ("bare IPv4 means port 53", "192.0.2.53", "192.0.2.53:53"),
            ("IPv4 with port", "127.0.0.1:5353", "127.0.0.1:5353"),
            ("bare IPv6", "2001:db8::53", "[2001:db8::53]:53"),
            ("IPv6 in brackets", "[::1]", "[::1]:53"),
            ("IPv6 with port", "[::1]:5353", "[::1]:5353"),
            ("spaces around", " 127.0.0.1:53 ", "127.0.0.1:53"),
        ];
        for (why, input, want) in ok {
            let got = parse_nameserver(input).map(|a| a.to_string());
            assert_eq!(got.ok().as_deref(), Some(*want), "{why}: {input}");
        }
        let bad: &[(&str, &str, &str)] = &[
            ("host name", "ns1.example.com", "host name"),
            ("host name with port", "ns1.example.com:53", "host name"),
            ("port not a number", "127.0.0.1:dns", "port"),
            ("port too large", "127.0.0.1:65536", "port"),
            ("port zero", "127.0.0.1:0", "port 0"),
            (
                "IPv6 with port, no brackets",
                "2001:db8::53::53",
                "[2001:db8::53]:5353",
            ),
            ("empty", "", "empty"),
            ("bad brackets", "[mail]", "IPv6"),
        ];
        for (why, input, needle) in bad {
            let e = parse_nameserver(input).expect_err(why).to_string();
            assert!(e.contains(needle), "{why}: {input}: {e}");
        }
    }

    #[test]
    fn response_codes() {
        assert_eq!(from_code(ResponseCode::NXDomain), DnsError::NxDomain);
        assert_eq!(from_code(ResponseCode::NoError), DnsError::NoRecords);
        assert_eq!(from_code(ResponseCode::ServFail), DnsError::ServFail);
        assert_eq!(from_code(ResponseCode::Refused), DnsError::Refused);
        assert!(matches!(
            from_code(ResponseCode::FormErr),
            DnsError::Other(_)
        ));
        assert_eq!(map_error(&NetError::Timeout), DnsError::Timeout);
    }
}

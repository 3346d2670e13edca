//! The network seam. Domain code (`check::helo`) sees only the small blocking [`Resolve`]
//! trait and its [`DnsError`]; the one adapter that really asks a DNS server is
//! [`dns::HickoryResolver`]. Nothing here decides what an answer means.

pub mod dns;
pub mod smtp;
pub mod tls;

use std::net::IpAddr;

/// Which address record to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressRecord {
    /// An IPv4 address (A).
    A,
    /// An IPv6 address (AAAA).
    Aaaa,
}

impl AddressRecord {
    /// The record type as DNS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressRecord::A => "A",
            AddressRecord::Aaaa => "AAAA",
        }
    }

    /// The record type that holds `ip`.
    pub fn of(ip: IpAddr) -> AddressRecord {
        match ip {
            IpAddr::V4(_) => AddressRecord::A,
            IpAddr::V6(_) => AddressRecord::Aaaa,
        }
    }
}

/// Why a query returned no records. Each variant is a different outcome on the wire, and
/// `check helo` reports them differently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// RCODE NXDOMAIN: the name does not exist.
    #[error("NXDOMAIN (the name does not exist)")]
    NxDomain,
    /// RCODE NOERROR with an empty answer (NODATA): the name exists, not this record type.
    #[error("no record of this type (NODATA)")]
    NoRecords,
    /// RCODE SERVFAIL: the server could not produce an answer.
    #[error("SERVFAIL (the name server could not answer)")]
    ServFail,
    /// RCODE REFUSED: the server will not answer this question for us.
    #[error("REFUSED (the name server refused to answer)")]
    Refused,
    /// No answer within the timeout.
    #[error("no answer within the timeout")]
    Timeout,
    /// The name server could not be reached at all (no route, connection refused).
    #[error("name server unreachable: {0}")]
    Unreachable(String),
    /// Anything else: another response code, a malformed answer.
    #[error("{0}")]
    Other(String),
}

impl DnsError {
    /// Whether this outcome says nothing about the name, only that the server did not
    /// answer (timeout or unreachable).
    pub fn is_no_answer(&self) -> bool {
        matches!(self, DnsError::Timeout | DnsError::Unreachable(_))
    }
}

/// Blocking DNS lookups. `Send + Sync` so a check may run independent queries on scoped
/// threads at once; each call waits at most the adapter's timeout.
pub trait Resolve: Send + Sync {
    /// The A or AAAA records of `name`, an absolute host name without the trailing dot
    /// (no search list is applied). `Err(NoRecords)` rather than an empty list.
    fn lookup_ip(&self, name: &str, record: AddressRecord) -> Result<Vec<IpAddr>, DnsError>;

    /// The PTR names of `ip`, lower-case, without the trailing dot. `Err(NoRecords)`
    /// rather than an empty list.
    fn lookup_ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError>;
}

/// Why a TCP connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    /// The peer answered with a reset: nothing listens there, or a firewall rejects.
    #[error("connection refused")]
    Refused,
    /// No answer within the timeout: a firewall drops the packets (outbound port 25 is
    /// often blocked by ISPs and cloud providers).
    #[error("no answer within the timeout (a firewall may drop this port)")]
    Timeout,
    /// This host cannot reach that address family or network at all (no IPv6 route).
    #[error("no route: {0}")]
    NoRoute(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Opens SMTP connections. `Send + Sync` so the probe can dial every port and address at
/// once from scoped threads.
pub trait Dial: Send + Sync {
    /// Connects to `addr` within `timeout`; `host` is the name the server's certificate
    /// must carry (or the IP address as text).
    fn dial(
        &self,
        addr: std::net::SocketAddr,
        host: &str,
        timeout: std::time::Duration,
    ) -> Result<Box<dyn crate::smtp::session::Channel + Send>, DialError>;
}

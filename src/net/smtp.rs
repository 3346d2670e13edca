//! The probe's connections: TCP connect with a timeout, and an [`smtp::session::Channel`]
//! over a TCP socket that can switch to rustls. Every read, write and handshake honours
//! the step's deadline by resetting the socket timeout to the time left before each
//! system call, so a server that drips one byte at a time still ends at the deadline.
//!
//! [`smtp::session::Channel`]: crate::smtp::session::Channel

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::ClientConnection;

use super::tls::{describe_error, session_info, Recorder, Trust};
use super::{Dial, DialError};
use crate::smtp::session::Channel;
use crate::smtp::tls::{TlsFailure, TlsInfo, Verification};

/// Connects to `addr` within `timeout`.
pub fn dial(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, DialError> {
    match TcpStream::connect_timeout(&addr, timeout) {
        Ok(s) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Err(e) => Err(match e.kind() {
            io::ErrorKind::ConnectionRefused => DialError::Refused,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => DialError::Timeout,
            io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::Unsupported => DialError::NoRoute(e.to_string()),
            // EAFNOSUPPORT (97): the kernel has no IPv6 at all.
            _ if e.raw_os_error() == Some(97) => DialError::NoRoute(e.to_string()),
            _ => DialError::Other(e.to_string()),
        }),
    }
}

/// The real [`Dial`]: TCP, then rustls with this run's trust anchors.
#[derive(Debug, Clone)]
pub struct TcpDialer {
    /// Trust anchors and policy for every connection.
    pub trust: Trust,
}

impl Dial for TcpDialer {
    fn dial(
        &self,
        addr: SocketAddr,
        host: &str,
        timeout: Duration,
    ) -> Result<Box<dyn Channel + Send>, DialError> {
        let tcp = dial(addr, timeout)?;
        let chan = TcpChannel::new(tcp, &self.trust, host).map_err(DialError::Other)?;
        Ok(Box::new(chan))
    }
}

/// A TCP connection, plain or inside TLS.
pub struct TcpChannel {
    tcp: TcpStream,
    tls: Option<ClientConnection>,
    trust: Trust,
    server_name: ServerName<'static>,
}

impl TcpChannel {
    /// Wraps a connected socket. `host` is what the certificate must name: the relay's
    /// host name, or the IP address when the host was given as one.
    pub fn new(tcp: TcpStream, trust: &Trust, host: &str) -> Result<TcpChannel, String> {
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|e| format!("{host:?} cannot be checked against a certificate: {e}"))?;
        Ok(TcpChannel {
            tcp,
            tls: None,
            trust: trust.clone(),
            server_name,
        })
    }
}

/// The socket with a deadline: each system call may wait only for the time left.
struct Deadline<'a> {
    tcp: &'a mut TcpStream,
    deadline: Instant,
}

impl Deadline<'_> {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "step deadline passed",
            ))
        } else {
            Ok(left)
        }
    }
}

fn timed_out(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, "step deadline passed")
    } else {
        e
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = self.left()?;
            self.tcp.set_read_timeout(Some(left))?;
            // Acknowledge at once instead of delaying the ACK: after a TLS handshake a server
            // writes its session ticket and its banner separately, and with Nagle on its side
            // the banner waits for our delayed ACK (about 40 ms on Linux, measured against
            // Postfix on 465). Linux clears the flag by itself, so it is set before each read.
            #[cfg(any(target_os = "linux", target_os = "android"))]
            let _ = socket2::SockRef::from(&*self.tcp).set_tcp_quickack(true);
            match self.tcp.read(buf) {
                // A signal (Ctrl-C, whose handler then ends the process) cut the wait short:
                // not the peer's doing, so wait again until the deadline.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other.map_err(timed_out),
            }
        }
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.tcp.set_write_timeout(Some(left))?;
        // write_all retries an interrupted write itself (std::io::Write).
        self.tcp.write(buf).map_err(timed_out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

impl Channel for TcpChannel {
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        let mut io = Deadline {
            tcp: &mut self.tcp,
            deadline,
        };
        match &mut self.tls {
            None => io.read(buf),
            Some(conn) => rustls::Stream::new(conn, &mut io)
                .read(buf)
                .map_err(timed_out),
        }
    }

    fn write_all(&mut self, bytes: &[u8], deadline: Instant) -> io::Result<()> {
        let mut io = Deadline {
            tcp: &mut self.tcp,
            deadline,
        };
        match &mut self.tls {
            None => io.write_all(bytes),
            Some(conn) => {
                let mut s = rustls::Stream::new(conn, &mut io);
                s.write_all(bytes)?;
                s.flush()
            }
        }
    }

    fn start_tls(&mut self, deadline: Instant) -> Result<TlsInfo, TlsFailure> {
        let (config, recorder) = self.trust.client_config();
        let name_text = self.server_name.to_str().into_owned();
        let mut conn =
            ClientConnection::new(config, self.server_name.clone()).map_err(|e| TlsFailure {
                message: describe_error(&e),
                is_certificate: false,
                is_timeout: false,
                is_closed: false,
                certificates: Vec::new(),
            })?;
        let mut io = Deadline {
            tcp: &mut self.tcp,
            deadline,
        };
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut io) {
                return Err(handshake_failure(&e, &recorder));
            }
        }
        let info = session_info(&conn, &name_text, &recorder);
        self.tls = Some(conn);
        Ok(info)
    }
}

fn handshake_failure(e: &io::Error, recorder: &Arc<Recorder>) -> TlsFailure {
    let seen = recorder.seen();
    let certificates = seen
        .as_ref()
        .map(|(chain, _)| chain.iter().map(|c| super::tls::cert_info(c)).collect())
        .unwrap_or_default();
    let cert_failure = match &seen {
        Some((_, Verification::Failed(why))) => Some(why.clone()),
        _ => None,
    };
    let is_timeout = e.kind() == io::ErrorKind::TimedOut;
    let is_closed = matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::BrokenPipe
    );
    let message = match (&cert_failure, e.get_ref()) {
        (Some(why), _) => why.clone(),
        (None, Some(inner)) => match inner.downcast_ref::<rustls::Error>() {
            Some(tls) => describe_error(tls),
            None => inner.to_string(),
        },
        (None, None) if is_timeout => "no TLS handshake within the timeout".into(),
        (None, None) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the TLS handshake".into()
        }
        (None, None) if is_closed => {
            format!("the connection was reset by the peer during the TLS handshake ({e})")
        }
        (None, None) => e.to_string(),
    };
    TlsFailure {
        message,
        is_certificate: cert_failure.is_some(),
        is_timeout,
        is_closed: is_closed && cert_failure.is_none(),
        certificates,
    }
}

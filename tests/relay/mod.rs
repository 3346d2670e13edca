//! The in-tree test relay: an SMTP server on 127.0.0.1 that plays Google's relay (banner,
//! capability lists before and after TLS, the real reply texts, docs/sources.md) or a
//! hostile server, with certificates from a throw-away rcgen CA. Test-only: included by
//! tests/it (`#[path = "../relay/mod.rs"] mod relay;`) and examples/test_relay.rs; never
//! reads ../shared, never touches the network beyond loopback.
//!
//! ```ignore
//! let ca = TestCa::new();
//! let relay = TestRelay::start(&ca, Script::google().account("u@example.com", "app-pass"));
//! // dial 127.0.0.1:relay.port(), trust ca.ca_pem() ...
//! assert!(!contains_secret(&relay.received_raw(), b"app-pass"));
//! ```
// Each includer (tests/it, examples/test_relay.rs) uses a different part of this module.
#![allow(dead_code, unused_imports)]

pub mod b64;
mod ca;
mod io;
mod record;
mod script;
mod session;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

pub use b64::contains_secret;
pub use ca::{CertKind, TestCa, GOOD_NAMES, WRONG_NAME};
pub use io::MAX_LINE;
pub use record::{AuthAttempt, Dir, Event, Message, Transcript, MAX_RECORDED_BYTES};
pub use script::{google, HeloPolicy, Hostile, Script, TlsMode};

use record::Shared;
use session::{Ctx, OpenGuard};

/// A running test relay. It serves any number of connections at once on its own thread
/// and tokio runtime, and stops (closing every connection) when dropped.
pub struct TestRelay {
    addrs: Vec<SocketAddr>,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl TestRelay {
    /// Starts a relay on 127.0.0.1 and a free port.
    pub fn start(ca: &TestCa, script: Script) -> TestRelay {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        TestRelay::start_on(ca, script, &[any]).expect("bind 127.0.0.1:0")
    }

    /// Starts a relay on 127.0.0.1 and ::1 with the same port, so that `localhost`
    /// reaches it over both families. Only 127.0.0.1 when this host has no ::1.
    pub fn start_dual(ca: &TestCa, script: Script) -> TestRelay {
        for _ in 0..20 {
            let v4 =
                std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
            let port = v4.local_addr().expect("bound socket has an address").port();
            match std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
                Ok(v6) => {
                    return TestRelay::from_listeners(ca, script, vec![v4, v6])
                        .expect("start the relay")
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(_) => break,
            }
        }
        TestRelay::start(ca, script)
    }

    /// Starts a relay on the given addresses (port 0 picks a free one per address).
    pub fn start_on(
        ca: &TestCa,
        script: Script,
        addrs: &[SocketAddr],
    ) -> std::io::Result<TestRelay> {
        let listeners = addrs
            .iter()
            .map(std::net::TcpListener::bind)
            .collect::<std::io::Result<Vec<_>>>()?;
        TestRelay::from_listeners(ca, script, listeners)
    }

    fn from_listeners(
        ca: &TestCa,
        script: Script,
        listeners: Vec<std::net::TcpListener>,
    ) -> std::io::Result<TestRelay> {
        let mut addrs = Vec::new();
        for l in &listeners {
            l.set_nonblocking(true)?;
            addrs.push(l.local_addr()?);
        }
        let shared = Arc::new(Shared::default());
        let ctx = Arc::new(Ctx {
            acceptor: TlsAcceptor::from(ca.server_config(script.cert)),
            script,
            shared: shared.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-relay")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("test-relay".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    for l in listeners {
                        let l = tokio::net::TcpListener::from_std(l)
                            .expect("a non-blocking std listener converts inside the runtime");
                        tokio::spawn(accept_loop(l, ctx.clone()));
                    }
                    let _ = stopped.await;
                });
                // Dropping the runtime cancels every session; none holds a blocking call.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(TestRelay {
            addrs,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The port (of the first address).
    pub fn port(&self) -> u16 {
        self.addrs[0].port()
    }

    /// The first address listened on (127.0.0.1 unless `start_on` said otherwise).
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every address listened on.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Every byte the relay read from all clients, after TLS decryption (plaintext parts
    /// as they came). Capped at `MAX_RECORDED_BYTES`.
    pub fn received(&self) -> Vec<u8> {
        self.shared.received()
    }

    /// Every byte the relay read from all clients as it was on the wire, before TLS
    /// decryption: where a password must not appear. Capped at `MAX_RECORDED_BYTES`.
    pub fn received_raw(&self) -> Vec<u8> {
        self.shared.received_raw()
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<Message> {
        self.shared.messages()
    }

    /// The AUTH exchanges decoded so far, accepted or not.
    pub fn auth_attempts(&self) -> Vec<AuthAttempt> {
        self.shared.auth_attempts()
    }

    /// One transcript per connection, in the order they were accepted.
    pub fn transcripts(&self) -> Vec<Transcript> {
        self.shared.transcripts()
    }

    /// All transcripts as one text, for assertion messages.
    pub fn transcript_text(&self) -> String {
        self.transcripts().iter().map(|t| t.to_string()).collect()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared
            .accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many connections are being served right now.
    pub fn open_connections(&self) -> usize {
        self.shared.open_connections()
    }

    /// Waits until no connection is open; false if some still is after `within`.
    pub fn wait_idle(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.open_connections() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, ctx: Arc<Ctx>) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    loop {
        match listener.accept().await {
            Ok((tcp, peer)) => {
                // Replies go out at once: Nagle's delay would blur the latency the
                // script's `delay` sets.
                let _ = tcp.set_nodelay(true);
                let open = OpenGuard::new(ctx.shared.clone());
                tokio::spawn(session::serve(tcp, peer, port, ctx.clone(), open));
            }
            // Out of descriptors or a reset before accept: try again shortly.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

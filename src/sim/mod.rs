//! `relayctl sim`: an SMTP server that plays Google's relay (smtp-relay.gmail.com) on
//! local ports: the banner, the capability lists before and after TLS, the real reply texts
//! (`google`, docs/sources.md), the console setting enforced (`policy`), a session log and
//! a Maildir (`log`), certificates from a throw-away rcgen CA (`ca`), and the fault and
//! hostile modes tests need. The in-tree tests use it through tests/relay/mod.rs
//! (`Relay::start` and the `Script` builder); the command through `Relay::serve`.
//! Its tokio runtime is private to this module, on its own threads.
//!
//! ```ignore
//! let ca = Ca::new();
//! let relay = Relay::start(&ca, Script::google().account("u@example.com", "app-pass"));
//! // dial 127.0.0.1:relay.port(), trust ca.ca_pem() ...
//! assert!(!contains_secret(&relay.received_raw(), b"app-pass"));
//! ```

pub mod b64;
mod ca;
mod io;
pub mod log;
pub mod policy;
mod record;
mod script;
mod session;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, Semaphore};
use tokio_rustls::TlsAcceptor;

pub use b64::contains_secret;
pub use ca::{server_config_pem, Ca, CertKind, GOOD_NAMES, WRONG_NAME};
pub use io::MAX_LINE;
pub use record::{AuthAttempt, Dir, Event, Message, Transcript, MAX_RECORDED_BYTES};
pub use script::{google, HeloPolicy, Hostile, Script, Stage, TlsMode};

use record::Shared;
use session::{Ctx, OpenGuard};

/// A listener of `Relay::serve`: a bound socket, how TLS starts on it, and its role (the
/// Google port it plays: 25, 465 or 587).
pub struct Listener {
    /// The bound socket.
    pub socket: std::net::TcpListener,
    /// STARTTLS or TLS on connect.
    pub tls: TlsMode,
    /// 25, 465 or 587.
    pub role: u16,
}

/// What `Relay::serve` runs with.
pub struct Options {
    /// The dialogue (Google's by default) and its faults.
    pub script: Script,
    /// The certificate sim presents.
    pub tls: Arc<rustls::ServerConfig>,
    /// Where to listen.
    pub listeners: Vec<Listener>,
    /// The console setting to enforce (none: every recipient is accepted).
    pub policy: Option<policy::Policy>,
    /// Session log and Maildir.
    pub sink: Option<Arc<log::Sink>>,
    /// The most sessions served at once; more get 421 and are closed.
    pub max_connections: Option<usize>,
    /// Keep every byte, message and transcript in memory (tests only: unbounded over
    /// many connections).
    pub record: bool,
}

/// A running relay. It serves any number of connections at once on its own thread
/// and tokio runtime, and stops (closing every connection) when dropped.
pub struct Relay {
    addrs: Vec<SocketAddr>,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Relay {
    /// Starts a relay on 127.0.0.1 and a free port.
    pub fn start(ca: &Ca, script: Script) -> Relay {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Relay::start_on(ca, script, &[any]).expect("bind 127.0.0.1:0")
    }

    /// Starts a relay on 127.0.0.1 and ::1 with the same port, so that `localhost`
    /// reaches it over both families. Only 127.0.0.1 when this host has no ::1.
    pub fn start_dual(ca: &Ca, script: Script) -> Relay {
        for _ in 0..20 {
            let v4 =
                std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
            let port = v4.local_addr().expect("bound socket has an address").port();
            match std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
                Ok(v6) => {
                    return Relay::from_listeners(ca, script, vec![v4, v6])
                        .expect("start the relay")
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(_) => break,
            }
        }
        Relay::start(ca, script)
    }

    /// Starts a relay on the given addresses (port 0 picks a free one per address).
    pub fn start_on(ca: &Ca, script: Script, addrs: &[SocketAddr]) -> std::io::Result<Relay> {
        let listeners = addrs
            .iter()
            .map(std::net::TcpListener::bind)
            .collect::<std::io::Result<Vec<_>>>()?;
        Relay::from_listeners(ca, script, listeners)
    }

    fn from_listeners(
        ca: &Ca,
        script: Script,
        listeners: Vec<std::net::TcpListener>,
    ) -> std::io::Result<Relay> {
        let tls = script.tls;
        let role = match tls {
            TlsMode::Implicit => 465,
            _ => 587,
        };
        let listeners = listeners
            .into_iter()
            .map(|socket| Listener { socket, tls, role })
            .collect();
        Relay::serve(Options {
            tls: ca.server_config(script.cert),
            script,
            listeners,
            policy: None,
            sink: None,
            max_connections: None,
            record: true,
        })
    }

    /// Serves `options.listeners` until dropped.
    pub fn serve(options: Options) -> std::io::Result<Relay> {
        let mut addrs = Vec::new();
        let mut listeners = Vec::new();
        for l in options.listeners {
            l.socket.set_nonblocking(true)?;
            addrs.push(l.socket.local_addr()?);
            listeners.push((l.socket, l.tls, l.role));
        }
        let shared = Arc::new(Shared::new(options.record));
        let ctx = Arc::new(Ctx {
            acceptor: TlsAcceptor::from(options.tls),
            script: options.script,
            shared: shared.clone(),
            policy: options.policy,
            sink: options.sink,
            slots: options.max_connections.map(|n| Arc::new(Semaphore::new(n))),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("sim".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    for (l, tls, role) in listeners {
                        let l = tokio::net::TcpListener::from_std(l)
                            .expect("a non-blocking std listener converts inside the runtime");
                        tokio::spawn(accept_loop(l, tls, role, ctx.clone()));
                    }
                    let _ = stopped.await;
                });
                // Dropping the runtime cancels every session; none holds a blocking call.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Relay {
            addrs,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops serving: closes every connection and waits for the runtime to end.
    pub fn stop(self) {
        drop(self);
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

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, tls: TlsMode, role: u16, ctx: Arc<Ctx>) {
    loop {
        match listener.accept().await {
            Ok((tcp, peer)) => {
                // Replies go out at once: Nagle's delay would blur the latency the
                // script's `delay` sets.
                let _ = tcp.set_nodelay(true);
                let open = OpenGuard::new(ctx.shared.clone());
                let slot = match &ctx.slots {
                    None => None,
                    Some(s) => match s.clone().try_acquire_owned() {
                        Ok(p) => Some(p),
                        Err(_) => {
                            tokio::spawn(session::turn_away(tcp, ctx.clone(), open));
                            continue;
                        }
                    },
                };
                let at = session::Where { peer, role, tls };
                tokio::spawn(session::serve(tcp, at, ctx.clone(), (open, slot)));
            }
            // Out of descriptors or a reset before accept: try again shortly.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

//! The server: a std listener on loopback, one thread per connection, each connection run
//! by a byte script (a closure over `Conn`). Every received byte is recorded.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rustls::{ServerConnection, StreamOwned};

use super::ca::{Ca, CertKind};

/// How long a connection thread waits for the client before it gives up by itself, so
/// no thread outlives the suite for long whatever the client does.
const IDLE: Duration = Duration::from_secs(30);

/// The longest line a script reads; past it the rest of the line is dropped (but recorded).
const MAX_LINE: usize = 64 * 1024;

/// What the server received over all its connections.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// Every byte received before TLS (including a TLS ClientHello the script read raw).
    pub before_tls: Vec<u8>,
    /// Every application byte received inside TLS (decrypted).
    pub inside_tls: Vec<u8>,
    /// The command lines received inside TLS, without CRLF.
    pub tls_lines: Vec<String>,
    /// What the scripts noted (e.g. the line after a bad 334).
    pub notes: Vec<String>,
    /// Connections accepted.
    pub connections: usize,
}

/// A byte script: what the server does on one connection.
pub type Script = dyn Fn(&mut Conn) -> io::Result<()> + Send + Sync;

/// A running server; stops accepting when dropped (connection threads end by themselves).
pub struct Server {
    addr: SocketAddr,
    record: Arc<Mutex<Record>>,
    stop: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
}

impl Server {
    /// Listens on `ip` (a free port) and serves every connection with `script`.
    pub fn start(
        ip: IpAddr,
        ca: Arc<Ca>,
        script: impl Fn(&mut Conn) -> io::Result<()> + Send + Sync + 'static,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0))?;
        let addr = listener.local_addr()?;
        let record = Arc::new(Mutex::new(Record::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (rec, halt, busy) = (record.clone(), stop.clone(), active.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = stream else { continue };
                // Busy first: `wait_idle` must not see the connection counted but idle.
                busy.fetch_add(1, Ordering::SeqCst);
                rec.lock().unwrap().connections += 1;
                let (rec, ca, script, busy) =
                    (rec.clone(), ca.clone(), script.clone(), busy.clone());
                thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(IDLE));
                    let _ = tcp.set_write_timeout(Some(IDLE));
                    let _ = tcp.set_nodelay(true);
                    let mut conn = Conn {
                        tcp,
                        tls: None,
                        buf: Vec::new(),
                        record: rec,
                        ca,
                    };
                    let _ = script(&mut conn);
                    drop(conn);
                    busy.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(Server {
            addr,
            record,
            stop,
            active,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits (up to `limit`) until a connection was accepted and every connection's script
    /// has ended, so the record holds all the client sent before it closed.
    pub fn wait_idle(&self, limit: Duration) {
        let t0 = std::time::Instant::now();
        let busy = || {
            self.active.load(Ordering::SeqCst) > 0 || self.record.lock().unwrap().connections == 0
        };
        while busy() && t0.elapsed() < limit {
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// A copy of what was received so far.
    pub fn record(&self) -> Record {
        self.record.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// One connection, as a script sees it: send bytes, read lines, start TLS.
pub struct Conn {
    tcp: TcpStream,
    tls: Option<StreamOwned<ServerConnection, TcpStream>>,
    buf: Vec<u8>,
    record: Arc<Mutex<Record>>,
    ca: Arc<Ca>,
}

impl Conn {
    /// Writes `bytes` in one write (inside TLS once it started).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.tls {
            Some(tls) => {
                tls.write_all(bytes)?;
                tls.flush()
            }
            None => {
                self.tcp.write_all(bytes)?;
                self.tcp.flush()
            }
        }
    }

    /// Writes a reply (`text` without its CRLF; several lines joined by `\n`).
    pub fn reply(&mut self, text: &str) -> io::Result<()> {
        let mut out = String::new();
        for line in text.split('\n') {
            out.push_str(line);
            out.push_str("\r\n");
        }
        self.send(out.as_bytes())
    }

    /// Whether TLS is up.
    pub fn in_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 8192];
        let n = match &mut self.tls {
            Some(tls) => tls.read(&mut chunk)?,
            None => self.tcp.read(&mut chunk)?,
        };
        let mut rec = self.record.lock().unwrap();
        if self.tls.is_some() {
            rec.inside_tls.extend_from_slice(&chunk[..n]);
        } else {
            rec.before_tls.extend_from_slice(&chunk[..n]);
        }
        drop(rec);
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The next line without its CRLF (lossy UTF-8), `None` at the end of the stream.
    pub fn line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                line.truncate(MAX_LINE);
                let line = String::from_utf8_lossy(&line).into_owned();
                if self.tls.is_some() {
                    self.record.lock().unwrap().tls_lines.push(line.clone());
                }
                return Ok(Some(line));
            }
            if self.buf.len() > MAX_LINE {
                self.buf.truncate(MAX_LINE);
            }
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    /// Up to `n` raw bytes before TLS (e.g. the start of a ClientHello).
    pub fn raw(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                break;
            }
        }
        let take = n.min(self.buf.len());
        Ok(self.buf.drain(..take).collect())
    }

    /// Starts TLS presenting `kind` and finishes the handshake. Bytes the client sent
    /// before the handshake and not yet read are dropped (they were recorded).
    pub fn start_tls(&mut self, kind: CertKind) -> io::Result<()> {
        self.buf.clear();
        let server =
            ServerConnection::new(self.ca.server_config(kind)).map_err(io::Error::other)?;
        let tcp = self.tcp.try_clone()?;
        let mut tls = StreamOwned::new(server, tcp);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        self.tls = Some(tls);
        Ok(())
    }

    /// The TCP socket (for socket options).
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Arms a TCP reset: SO_LINGER 0, so the close that follows when the script returns
    /// (the connection is dropped) sends RST instead of FIN. Return right after it.
    pub fn reset(&mut self) {
        let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
        self.tls = None;
    }

    /// Records a note for the test to read.
    pub fn note(&self, text: impl Into<String>) {
        self.record.lock().unwrap().notes.push(text.into());
    }

    /// Waits until the client closes (or the idle limit), reading and recording.
    pub fn drain(&mut self) {
        while let Ok(n) = self.fill() {
            if n == 0 {
                break;
            }
            if self.buf.len() > MAX_LINE {
                self.buf.clear();
            }
        }
    }
}

//! Load for `relayctl sim` (bench/sim.sh): CONCURRENCY client threads, each sending
//! MESSAGES messages, one TLS session per message (connect, banner, EHLO, STARTTLS, EHLO,
//! MAIL, RCPT, DATA, the message, QUIT), trusting sim's CA. Prints the throughput and the
//! latency percentiles of whole sessions, one line each.
//!
//! ```text
//! cargo run --release --example sim_load -- PORT CA_PEM [CONCURRENCY] [MESSAGES]
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// A line-reading SMTP client over any stream.
struct Smtp<S: Read + Write> {
    io: BufReader<S>,
}

impl<S: Read + Write> Smtp<S> {
    fn reply(&mut self) -> std::io::Result<String> {
        loop {
            let mut line = String::new();
            if self.io.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("closed"));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(line);
            }
        }
    }

    fn cmd(&mut self, line: &str, want: &str) -> std::io::Result<()> {
        self.io.get_mut().write_all(line.as_bytes())?;
        self.io.get_mut().flush()?;
        let r = self.reply()?;
        if !r.starts_with(want) {
            return Err(std::io::Error::other(format!("{line:?} -> {r:?}")));
        }
        Ok(())
    }
}

fn session(port: u16, tls: Arc<rustls::ClientConfig>, n: usize) -> std::io::Result<()> {
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut plain = Smtp {
        io: BufReader::new(tcp),
    };
    plain.reply()?;
    plain.cmd("EHLO load.example.com\r\n", "250")?;
    plain.cmd("STARTTLS\r\n", "220")?;
    let tcp = plain.io.into_inner();
    let name = ServerName::try_from("127.0.0.1").map_err(std::io::Error::other)?;
    let conn = rustls::ClientConnection::new(tls, name).map_err(std::io::Error::other)?;
    let mut s = Smtp {
        io: BufReader::new(rustls::StreamOwned::new(conn, tcp)),
    };
    s.cmd("EHLO load.example.com\r\n", "250")?;
    s.cmd("MAIL FROM:<load@example.com>\r\n", "250")?;
    s.cmd("RCPT TO:<you@example.net>\r\n", "250")?;
    s.cmd("DATA\r\n", "354")?;
    let body = format!(
        "From: load@example.com\r\nTo: you@example.net\r\nSubject: load {n}\r\nMessage-ID: <load.{n}@example.com>\r\n\r\n{}\r\n.\r\n",
        "0123456789 abcdefghijklmnopqrstuvwxyz\r\n".repeat(50)
    );
    s.cmd(&body, "250")?;
    s.cmd("QUIT\r\n", "221")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: sim_load PORT CA_PEM [CONCURRENCY] [MESSAGES]");
        return ExitCode::from(2);
    }
    let port: u16 = args[0].parse().expect("PORT");
    let ca = std::fs::read(&args[1]).expect("CA_PEM readable");
    let concurrency: usize = args.get(2).map_or(50, |a| a.parse().expect("CONCURRENCY"));
    let per: usize = args.get(3).map_or(20, |a| a.parse().expect("MESSAGES"));
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&ca) {
        roots.add(c.expect("CA PEM")).expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let t0 = Instant::now();
    let threads: Vec<_> = (0..concurrency)
        .map(|t| {
            let tls = tls.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(per);
                let mut errors = 0usize;
                for i in 0..per {
                    let s = Instant::now();
                    match session(port, tls.clone(), t * per + i) {
                        Ok(()) => lat.push(s.elapsed()),
                        Err(e) => {
                            errors += 1;
                            if errors == 1 {
                                eprintln!("sim_load: {e}");
                            }
                        }
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().expect("client thread");
        lat.extend(l);
        errors += e;
    }
    let wall = t0.elapsed();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "sessions {} ok, {errors} failed, {concurrency} concurrent, wall {:.2} s",
        lat.len(),
        wall.as_secs_f64()
    );
    println!(
        "throughput {:.1} messages/s",
        lat.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "session latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

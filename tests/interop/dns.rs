//! `relayctl check helo` against a real DNS server: Debian's dnsmasq (installed by
//! tests/harness/dns.sh), started here on 127.0.0.1 and a free port with a test zone, and
//! killed when the test ends. No mock resolver: the answers cross a real socket and
//! hickory-resolver parses them.
//!
//! The zone (addresses from the documentation ranges; hickory answers 127.x and ::1
//! reverse lookups itself, so loopback addresses would test nothing):
//! - mail.example.com A 192.0.2.10, AAAA 2001:db8::10, with matching PTRs (good FCrDNS);
//! - other.example.com A 192.0.2.20 and PTR 192.0.2.20 -> other.example.com (mismatch);
//! - PTR 192.0.2.30 -> mail.example.com, which does not resolve to it (forward mismatch);
//! - v4only.example.com A only; noaddr.example.com TXT only (NODATA for A and AAAA);
//! - everything else under example.com and 2.0.192.in-addr.arpa: NXDOMAIN (`--local`);
//! - *.servfail.test: SERVFAIL. dnsmasq never answers SERVFAIL for a dead upstream (it
//!   stays silent), so a validating dnsmasq (`--dnssec`, root trust anchor) forwards to a
//!   second, plain one that answers the name but refuses the DS query for `test.`; the
//!   validation is abandoned and the client gets SERVFAIL;
//! - *.refused.test: REFUSED (forwarded to the plain one, which has no such zone);
//! - *.slow.test: forwarded to a UDP socket this test holds and never reads, so those
//!   queries time out while the others answer.

use serde_json::Value;
use std::fs::File;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HINT: &str = "run `bash tests/harness/dns.sh` (as root: it installs dnsmasq-base)";

/// The root zone's KSK-2017 DS record (IANA root-anchors; also Debian's
/// /usr/share/dnsmasq-base/trust-anchors.conf).
const ROOT_TRUST_ANCHOR: &str =
    "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D";

fn dnsmasq_path() -> PathBuf {
    let p = std::env::var_os("RELAYCTL_DNSMASQ")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("/usr/sbin/dnsmasq"), PathBuf::from);
    assert!(p.is_file(), "dnsmasq not found at {}: {HINT}", p.display());
    p
}

/// One dnsmasq process; killed on drop.
struct Dnsmasq {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Dnsmasq {
    /// Starts dnsmasq with `zone` options on 127.0.0.1 and a free port, and waits until it
    /// answers. Retries with another port if the chosen one was taken meanwhile.
    fn start(dir: &std::path::Path, tag: &str, zone: &[String]) -> Dnsmasq {
        let bin = dnsmasq_path();
        let mut last = String::new();
        for attempt in 0..5 {
            let port = free_port();
            let log = dir.join(format!("{tag}-{attempt}.log"));
            let out = File::create(&log).expect("dnsmasq log file");
            let child = Command::new(&bin)
                .args([
                    "--no-daemon",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    "--listen-address=127.0.0.1",
                    "--pid-file=",
                    "--log-facility=-",
                    "--log-queries",
                ])
                .arg(format!("--port={port}"))
                .args(zone)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}: {HINT}", bin.display()));
            let mut d = Dnsmasq { child, port, log };
            match d.wait_ready() {
                Ok(()) => return d,
                Err(e) => last = e,
            }
        }
        panic!("dnsmasq did not start: {last}");
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("client socket");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let query = dns_query(0x5eed, "ready.example.com");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", self.log_text()));
            }
            let _ = sock.send_to(&query, ("127.0.0.1", self.port));
            let mut buf = [0u8; 512];
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                if n >= 2 && buf[..2] == [0x5e, 0xed] {
                    return Ok(());
                }
            }
        }
        Err(format!("no answer within 10 s:\n{}", self.log_text()))
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both).
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().expect("local addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A minimal DNS query (RFC 1035 §4.1) for `name` A, recursion desired.
fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

/// The test zone: the validating front server, the plain one behind it, and the silent
/// socket `*.slow.test` is forwarded to.
struct Zone {
    front: Dnsmasq,
    _back: Dnsmasq,
    _silent: UdpSocket,
    _dir: tempfile::TempDir,
}

impl Zone {
    fn start() -> Zone {
        let dir = tempfile::tempdir().expect("temp dir");
        let silent = UdpSocket::bind("127.0.0.1:0").expect("silent socket");
        let silent_addr: SocketAddr = silent.local_addr().expect("silent addr");
        let back = Dnsmasq::start(
            dir.path(),
            "back",
            &[
                "--address=/servfail.test/192.0.2.50".to_owned(),
                "--address=/servfail.test/2001:db8::50".to_owned(),
            ],
        );
        let b = format!("127.0.0.1#{}", back.port);
        let front = Dnsmasq::start(
            dir.path(),
            "front",
            &[
                "--dnssec".to_owned(),
                ROOT_TRUST_ANCHOR.to_owned(),
                format!("--server={b}"),
                format!("--server=/refused.test/{b}"),
                format!("--server=/slow.test/127.0.0.1#{}", silent_addr.port()),
                "--host-record=mail.example.com,192.0.2.10,2001:db8::10".to_owned(),
                "--host-record=other.example.com,192.0.2.20".to_owned(),
                "--ptr-record=30.2.0.192.in-addr.arpa,mail.example.com".to_owned(),
                "--host-record=v4only.example.com,192.0.2.11".to_owned(),
                "--txt-record=noaddr.example.com,v=spf1 -all".to_owned(),
                "--local=/example.com/".to_owned(),
                "--local=/2.0.192.in-addr.arpa/".to_owned(),
            ],
        );
        Zone {
            front,
            _back: back,
            _silent: silent,
            _dir: dir,
        }
    }

    /// `relayctl check helo NAME ARGS --nameserver <front> --format json` with a 1 s
    /// timeout: exit code, the `data` object, stderr, and how long it took.
    fn check(&self, name: &str, args: &[&str]) -> (i32, Value, String, Duration) {
        let ns = self.front.addr();
        let dir = tempfile::tempdir().expect("temp dir");
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_relayctl"))
            .args(["check", "helo", name, "--nameserver", &ns, "--timeout", "1"])
            .args(["--format", "json"])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .current_dir(dir.path())
            .output()
            .expect("relayctl runs");
        let took = start.elapsed();
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{name} {args:?}: not JSON ({e}), exit {code}: {stderr}\n--- dnsmasq log\n{}",
                self.front.log_text()
            )
        });
        assert_eq!(doc["schema"], "relayctl/check-helo/2");
        (code, doc["data"].clone(), stderr, took)
    }
}

fn rules(data: &Value) -> Vec<String> {
    data["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect()
}

fn outcomes(data: &Value) -> Vec<String> {
    data["queries"]
        .as_array()
        .expect("queries")
        .iter()
        .map(|q| {
            format!(
                "{} {} {}",
                q["type"].as_str().unwrap_or("?"),
                q["name"].as_str().unwrap_or("?"),
                q["outcome"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string"))
        .collect()
}

#[test]
fn dns_evidence_from_dnsmasq() {
    let zone = Zone::start();

    // Good FCrDNS, IPv4 and IPv6; in the domain.
    for ip in ["192.0.2.10", "2001:db8::10"] {
        let (code, d, _, _) =
            zone.check("mail.example.com", &["--ip", ip, "--domain", "example.com"]);
        assert_eq!(code, 0, "{ip}: {d:#}");
        assert_eq!(rules(&d), ["helo-in-domain"], "{ip}: {d:#}");
        assert_eq!(strings(&d["addresses"]["a"]), ["192.0.2.10"]);
        assert_eq!(strings(&d["addresses"]["aaaa"]), ["2001:db8::10"]);
        assert_eq!(d["ptr"]["ip"], ip);
        assert_eq!(strings(&d["ptr"]["names"]), ["mail.example.com"]);
        assert_eq!(d["ptr"]["forward_confirmed"], true);
        assert_eq!(d["in_domain"], true);
        assert_eq!(d["nameserver"], zone.front.addr());
    }

    // PTR names another host, which does resolve back: suggest it.
    let (code, d, _, _) = zone.check("mail.example.com", &["--ip", "192.0.2.20"]);
    assert_eq!(code, 0, "{d:#}");
    assert_eq!(rules(&d), ["fcrdns-mismatch"]);
    assert_eq!(strings(&d["ptr"]["names"]), ["other.example.com"]);
    assert_eq!(d["ptr"]["forward_confirmed"], false);
    assert_eq!(strings(&d["ptr"]["confirmed_names"]), ["other.example.com"]);
    assert!(d["findings"][0]["fix"]
        .as_str()
        .unwrap()
        .contains("present other.example.com in HELO"));
    let (code, ..) = zone.check(
        "mail.example.com",
        &["--ip", "192.0.2.20", "--fail-on", "warning"],
    );
    assert_eq!(code, 1);

    // PTR names NAME, NAME does not resolve to the address.
    let (_, d, _, _) = zone.check("mail.example.com", &["--ip", "192.0.2.30"]);
    assert_eq!(rules(&d), ["fcrdns-forward-mismatch"], "{d:#}");

    // No PTR at all.
    let (_, d, _, _) = zone.check("mail.example.com", &["--ip", "192.0.2.99"]);
    assert_eq!(rules(&d), ["fcrdns-no-ptr"], "{d:#}");
    assert!(outcomes(&d).contains(&"PTR 192.0.2.99 nxdomain".to_owned()));

    // NXDOMAIN, NODATA, one family only.
    let (_, d, _, _) = zone.check("nothere.example.com", &[]);
    assert_eq!(rules(&d), ["helo-nxdomain"], "{d:#}");
    assert_eq!(
        outcomes(&d),
        [
            "A nothere.example.com nxdomain",
            "AAAA nothere.example.com nxdomain"
        ]
    );
    let (_, d, _, _) = zone.check("noaddr.example.com", &[]);
    assert_eq!(rules(&d), ["helo-no-address"], "{d:#}");
    assert_eq!(
        outcomes(&d),
        [
            "A noaddr.example.com nodata",
            "AAAA noaddr.example.com nodata"
        ]
    );
    let (code, d, _, _) = zone.check("v4only.example.com", &[]);
    assert_eq!((code, rules(&d)), (0, vec![]), "{d:#}");
    assert_eq!(
        outcomes(&d),
        [
            "A v4only.example.com answer",
            "AAAA v4only.example.com nodata"
        ]
    );

    // SERVFAIL and REFUSED are told apart from NXDOMAIN and from each other.
    let (_, d, _, _) = zone.check("mail.servfail.test", &[]);
    assert_eq!(rules(&d), ["helo-servfail", "helo-servfail"], "{d:#}");
    assert_eq!(
        outcomes(&d),
        [
            "A mail.servfail.test servfail",
            "AAAA mail.servfail.test servfail"
        ]
    );
    let (_, d, _, _) = zone.check("mail.refused.test", &[]);
    assert_eq!(rules(&d), ["helo-dns-refused", "helo-dns-refused"], "{d:#}");
}

#[test]
fn a_timed_out_query_among_answers_is_a_finding() {
    let zone = Zone::start();
    let (code, d, stderr, took) = zone.check("mail.slow.test", &["--ip", "192.0.2.10"]);
    assert_eq!(code, 0, "{stderr}{d:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        outcomes(&d),
        [
            "A mail.slow.test timeout",
            "AAAA mail.slow.test timeout",
            "PTR 192.0.2.10 answer",
            "A mail.example.com answer"
        ]
    );
    assert_eq!(
        rules(&d),
        ["fcrdns-mismatch", "helo-dns-timeout", "helo-dns-timeout"],
        "{d:#}"
    );
}

#[test]
fn refused_names_send_no_query() {
    let zone = Zone::start();
    for (name, rule) in [
        ("localhost", "helo-generic"),
        ("smtp-relay.gmail.com", "helo-generic"),
        ("3f2a9c1b7d4e", "helo-single-label"),
        ("[10.0.0.25]", "helo-private-literal"),
        ("[192.0.2.25]", "helo-address-literal"),
    ] {
        let (code, d, _, _) = zone.check(name, &["--ip", "192.0.2.10"]);
        assert_eq!(rules(&d), [rule], "{name}: {d:#}");
        assert_eq!(d["dns_checked"], false, "{name}");
        let want = if rule == "helo-address-literal" { 0 } else { 1 };
        assert_eq!(code, want, "{name}");
    }
    let log = zone.front.log_text();
    let queries: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("query[") && !l.contains("ready.example.com"))
        .collect();
    assert!(queries.is_empty(), "queries sent: {queries:#?}");
}

//! `relayctl check helo` without a DNS server: the name rules through the real binary, bad
//! input (huge, binary, non-ASCII names), bad flags, and a name server that never answers
//! or is not there (exit 4 within the timeout, naming it). The DNS answers themselves are
//! tested against dnsmasq in tests/interop/dns.rs.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::support::{ends_by, run, Run};

/// A UDP socket on 127.0.0.1 that receives queries and never answers.
fn silent_server() -> (UdpSocket, String) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    let addr = s.local_addr().expect("local address").to_string();
    (s, addr)
}

/// `check helo ARGS --nameserver <silent>`: a name that must not reach DNS ends at once.
/// The silent server's timeout is 60 s (the most), so a run that asked it could not end
/// within the generous bound of a run that asks nothing.
fn offline(args: &[&str]) -> Run {
    let (_silent, ns) = silent_server();
    let mut all = vec!["check", "helo"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--nameserver", &ns, "--timeout", "60"]);
    let start = Instant::now();
    let r = run(&all);
    assert!(
        start.elapsed() < ends_by(Duration::ZERO),
        "{args:?} asked DNS: {:?}",
        start.elapsed()
    );
    r
}

#[test]
fn refused_names_are_errors_and_never_reach_dns() {
    let cases: &[(&str, &str, &str)] = &[
        ("localhost", "helo-generic", "421 4.7.0"),
        ("localhost.localdomain", "helo-generic", "421 4.7.0"),
        ("smtp-relay.gmail.com", "helo-generic", "Google's name"),
        ("nas.local", "helo-generic", "private name"),
        ("mailhost", "helo-single-label", "single label"),
        ("3f2a9c1b7d4e", "helo-single-label", "container id"),
        ("[192.168.1.176]", "helo-private-literal", "550 5.7.0"),
        ("mail_1.example.com", "helo-syntax", "'_'"),
        ("192.0.2.1", "helo-syntax", "[192.0.2.1]"),
    ];
    for (name, rule, needle) in cases {
        let r = offline(&[name, "--ip", "192.0.2.10", "--domain", "example.com"]);
        assert_eq!(r.code, 1, "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(&format!("[{rule}]")),
            "{name}: {}",
            r.stdout
        );
        assert!(r.stdout.contains(needle), "{name}: {needle}: {}", r.stdout);
        assert!(r.stdout.contains("fix: "), "{name}: {}", r.stdout);
        assert!(r.stdout.contains("not asked"), "{name}: {}", r.stdout);
        assert!(
            r.stderr.starts_with("relayctl: check helo ") && r.stderr.contains("1 error"),
            "{name}: {}",
            r.stderr
        );
    }
}

#[test]
fn fixes_say_what_to_set() {
    let r = offline(&["localhost", "--domain", "example.org"]);
    assert!(
        r.stdout
            .contains("smtp_helo_name = mail.example.org`, or write your MTA's setting with `relayctl gen <mta> --helo mail.example.org`"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_public_address_literal_is_a_warning() {
    let r = offline(&["[192.0.2.1]"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("[helo-address-literal]"), "{}", r.stdout);
    assert!(r.stdout.contains("RFC 5321"), "{}", r.stdout);
    let r = offline(&["[IPv6:2001:db8::25]", "--fail-on", "warning"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

#[test]
fn bad_input_is_a_finding_never_a_panic() {
    // One argument may hold at most 128 KiB on Linux (MAX_ARG_STRLEN); the 1 MB case is a
    // unit test of check::helo.
    let long = "a".repeat(100_000);
    let dotted = vec!["label"; 20_000].join(".");
    let cases: &[(&str, &str)] = &[
        ("100 kB", &long),
        ("100 kB of labels", &dotted),
        ("non-ASCII", "bücher.example"),
        ("control bytes", "\u{1}\u{7f}\u{1b}[31m"),
        ("empty", ""),
        ("a space", "mail example.com"),
    ];
    for (why, name) in cases {
        let r = offline(&[name]);
        assert_eq!(r.code, 1, "{why}: {}", r.stderr);
        assert!(r.stdout.contains("[helo-syntax]"), "{why}: {}", r.stdout);
        assert!(!r.stderr.contains("panicked"), "{why}: {}", r.stderr);
        assert!(
            r.stdout.len() < 2_000,
            "{why}: {} bytes of output",
            r.stdout.len()
        );
        assert!(!r.stdout.contains('\u{1b}'), "{why}: raw escape echoed");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_name_is_a_usage_error() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::relayctl_in(dir.path(), &["check", "helo"])
        .arg(OsStr::from_bytes(b"mail\xff\xfe.example.com"))
        .output()
        .unwrap();
    let r: Run = out.into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn bad_flags_are_input_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--nameserver", "ns1.example.com"],
            "give the name server's IP address",
        ),
        (&["--nameserver", "127.0.0.1:99999"], "port"),
        (&["--nameserver", "2001:db8::53::53"], "[2001:db8::53]:5353"),
        (&["--domain", "example"], "single label"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["check", "helo", "mail.example.com"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 3, "{extra:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(needle), "{extra:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

/// Runs `check helo mail.example.com` against `ns` with a 1 s timeout: exit 4, one line
/// naming the server, within the timeout plus a second.
fn assert_network_error(ns: &str, extra: &[&str]) {
    let mut args = vec![
        "check",
        "helo",
        "mail.example.com",
        "--ip",
        "192.0.2.10",
        "--nameserver",
        ns,
        "--timeout",
        "1",
    ];
    args.extend_from_slice(extra);
    let start = Instant::now();
    let r = run(&args);
    let took = start.elapsed();
    assert_eq!(r.code, 4, "{ns}: {}{}", r.stdout, r.stderr);
    assert!(
        took < ends_by(Duration::from_secs(1)),
        "{ns}: took {took:?}"
    );
    assert!(
        r.stderr.starts_with(&format!("relayctl: {ns}: no answer")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("within 1 s"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn a_silent_name_server_is_a_network_error_within_the_timeout() {
    let (_silent, ns) = silent_server();
    assert_network_error(&ns, &[]);
    assert_network_error(&ns, &["--format", "json"]);
}

#[test]
fn an_unreachable_name_server_is_named_within_the_timeout() {
    // A port nobody listens on: UDP gets no answer (ICMP errors do not reach an
    // unconnected socket), so this is the same bounded wait, naming the server.
    let port = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port();
    assert_network_error(&format!("127.0.0.1:{port}"), &[]);
}

#[derive(Debug, Deserialize)]
struct Envelope {
    schema: String,
    data: HeloDoc,
}

/// The fields of relayctl/check-helo/2 (docs/json.md), owned by the test: a renamed field
/// breaks this, not a user's script.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // every field is read through Debug or an assertion
struct HeloDoc {
    name: String,
    kind: String,
    normalized: Option<String>,
    syntax_ok: bool,
    dns_checked: bool,
    nameserver: Option<String>,
    addresses: Addresses,
    ip: Option<String>,
    ptr: Option<serde_json::Value>,
    domains: Vec<String>,
    in_domain: Option<bool>,
    queries: Vec<serde_json::Value>,
    findings: Vec<FindingDoc>,
    summary: Summary,
}

#[derive(Debug, Deserialize)]
struct Addresses {
    a: Vec<String>,
    aaaa: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct FindingDoc {
    rule: String,
    severity: String,
    message: String,
    fix: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[test]
fn json_document_without_dns() {
    let r = offline(&[
        "mailhost",
        "--ip",
        "192.0.2.10",
        "--domain",
        "example.com",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.is_empty(),
        "JSON mode writes nothing on stderr: {}",
        r.stderr
    );
    let doc: Envelope = serde_json::from_str(&r.stdout).expect("relayctl/check-helo/2");
    assert_eq!(doc.schema, "relayctl/check-helo/2");
    let d = doc.data;
    assert_eq!(d.name, "mailhost");
    assert_eq!(d.kind, "name");
    assert_eq!(d.normalized.as_deref(), Some("mailhost"));
    assert!(d.syntax_ok && !d.dns_checked);
    assert!(d.nameserver.is_none() && d.ptr.is_none() && d.queries.is_empty());
    assert!(d.addresses.a.is_empty() && d.addresses.aaaa.is_empty());
    assert_eq!(d.ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(d.domains, ["example.com"]);
    assert_eq!(d.in_domain, Some(false));
    let rules: Vec<(&str, &str)> = d
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("helo-single-label", "error"),
            ("helo-not-in-domain", "warning")
        ]
    );
    assert!(d
        .findings
        .iter()
        .all(|f| f.fix.is_some() && !f.message.is_empty()));
    assert_eq!(
        (d.summary.errors, d.summary.warnings, d.summary.notes),
        (1, 1, 0)
    );
}

/// The renderer over a hostile name server's answers (a library-level test: report/ may not
/// name the network seam, so the fake resolver lives here).
mod hostile_answers {
    use std::net::IpAddr;

    use relayctl::check::helo::{check_name, gather, report};
    use relayctl::net::{AddressRecord, DnsError, Resolve};
    use relayctl::report::helo::{write_json, write_text};
    use relayctl::report::Paint;

    /// A DNS server whose PTR answer carries terminal escapes (a name is bytes in DNS).
    struct Hostile;

    const EVIL: &str = "mail\x1b]52;c;eA==\x07\x1b[2K\r\u{9b}31m.example.com";

    impl Resolve for Hostile {
        fn lookup_ip(&self, name: &str, _: AddressRecord) -> Result<Vec<IpAddr>, DnsError> {
            match name {
                "mail.example.com" => Ok(vec!["192.0.2.10".parse().unwrap()]),
                _ => Err(DnsError::Other(format!("{name}: bad\x1b[2K"))),
            }
        }
        fn lookup_ptr(&self, _: IpAddr) -> Result<Vec<String>, DnsError> {
            Ok(vec![EVIL.to_owned()])
        }
    }

    #[test]
    fn dns_answers_are_escaped_in_text_and_raw_in_json() {
        let check = check_name("mail.example.com", &[]);
        let ip = Some("192.0.2.10".parse().unwrap());
        let ev = check.dns_target().map(|h| gather(h, ip, &Hostile));
        let r = report(check, ip, Vec::new(), ev);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        write_text(&r, Some("127.0.0.1"), Paint::PLAIN, &mut out, &mut err).unwrap();
        let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
        for bad in ['\x1b', '\x07', '\r', '\u{9b}'] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        assert!(
            text.contains("mail\\x1b]52;c;eA==\\x07\\x1b[2K\\r\\u{9b}31m.example.com"),
            "{text}"
        );
        let mut json = Vec::new();
        write_json(&r, None, &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["data"]["ptr"]["names"][0], EVIL);
    }
}

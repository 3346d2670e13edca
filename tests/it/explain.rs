//! `relayctl explain` through the real binary: the reply from arguments, stdin and `-`,
//! text and JSON (deserialised into structs owned by this test), exit codes (0 whenever a
//! reply was read, 3 for none, too large or binary), and the purity of `src/explain/`.

use std::io::Write;
use std::process::Stdio;

use serde::Deserialize;

use crate::support::{relayctl_in, run, Rng, Run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    schema: String,
    version: String,
    data: Data,
}

/// The fields of relayctl/explain/1 (docs/json.md). `deny_unknown_fields` makes an
/// added field fail here first, so docs/json.md gets updated with it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    id: String,
    known: bool,
    code: Option<u16>,
    enhanced: Option<String>,
    temporary: bool,
    client_ip: Option<std::net::IpAddr>,
    summary: String,
    cause: String,
    fix: String,
    fact: String,
    reply: String,
}

/// `relayctl explain ARGS` with `input` on stdin.
fn with_stdin(args: &[&str], input: &[u8]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    let mut child = relayctl_in(dir.path(), &all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the relayctl binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Write from a thread: relayctl may stop reading (too large) before all is written.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let r: Run = child.wait_with_output().expect("relayctl ends").into();
    writer.join().expect("writer thread");
    r
}

fn json(r: &Run) -> Data {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "", "JSON mode writes nothing on stderr");
    let doc: Doc = serde_json::from_str(&r.stdout).expect("one JSON document");
    assert_eq!(doc.schema, "relayctl/explain/1");
    assert!(!doc.version.is_empty());
    doc.data
}

#[test]
fn arguments_are_joined() {
    let r = run(&[
        "explain",
        "550",
        "5.7.1",
        "Invalid",
        "credentials",
        "for",
        "relay",
        "[203.0.113.9].",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert!(
        lines[0].starts_with("550 5.7.1: Invalid credentials for relay: 203.0.113.9 is registered")
            && lines[0].ends_with("[invalid-credentials-for-relay]"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("cause: "));
    assert!(
        lines[2].starts_with("fix: ") && lines[2].contains("smtp_helo_name"),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "source: Google 6140680 \"SMTP relay service error messages\" #invalidcred; observed: mealie-recipes/mealie#4686"
    );
}

#[test]
fn the_two_550_5_7_1_told_apart() {
    let cred = json(&run(&[
        "explain",
        "--format",
        "json",
        "550 5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've registered in your Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from.",
    ]));
    let limit = json(&run(&[
        "explain",
        "--format",
        "json",
        "550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\n550-5.7.1 SMTP relay sending limits please contact your administrator or visit\n550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit b6-20020a170902d88600b001967d95881csm1165800plz.51 - gsmtp",
    ]));
    assert_eq!(cred.id, "invalid-credentials-for-relay");
    assert_eq!(cred.client_ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(limit.id, "daily-limit-customer");
    assert_eq!(limit.client_ip, None);
    for d in [&cred, &limit] {
        assert!(d.known);
        assert_eq!((d.code, d.enhanced.as_deref()), (Some(550), Some("5.7.1")));
        assert!(!d.temporary);
    }
    assert_eq!(
        limit.reply,
        "Daily SMTP relay limit exceeded for customer. For more information on SMTP relay sending limits please contact your administrator or visit https://support.google.com/a/answer/6140680#dailylimit"
    );
}

#[test]
fn stdin_and_dash() {
    let reply =
        b"421 4.7.0 Try again later, closing connection. (EHLO) f10sm1a4899ejl.97 - gsmtp\r\n";
    for args in [&[][..], &["-"][..]] {
        let r = with_stdin(args, reply);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stdout
                .starts_with("421 4.7.0: Try again later (EHLO): the relay refused the HELO name"),
            "{args:?}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("[helo-rejected]"));
    }
    let d = json(&with_stdin(&["-", "--format", "json"], reply));
    assert_eq!(d.id, "helo-rejected");
    assert!(d.temporary);
    assert_eq!(d.reply, "Try again later, closing connection. (EHLO)");
}

#[test]
fn a_postfix_log_line_on_stdin() {
    let line = b"Nov 23 06:48:12 mx postfix/smtp[1234]: 4F1A2B: to=<a@example.org>, relay=smtp-relay.gmail.com[74.125.69.28]:587, delay=0.31, dsn=5.7.0, status=bounced (host smtp-relay.gmail.com[74.125.69.28] said: 550-5.7.0 Mail relay denied [2001:db8::25]. Invalid credentials for relay for one of the domains in: mail.example.com (as obtained from HELO and MAIL FROM). x1sm2ab.3 - gsmtp (in reply to MAIL FROM command))\n";
    let d = json(&with_stdin(&["--format", "json"], line));
    assert_eq!(d.id, "relay-denied-ip");
    assert_eq!(d.client_ip, Some("2001:db8::25".parse().unwrap()));
    assert!(d.fix.contains("inet_protocols = ipv4"), "{}", d.fix);
    assert!(d.cause.contains("mail.example.com"), "{}", d.cause);
}

#[test]
fn fallbacks_exit_0() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "550 5.1.1 The email account that you tried to reach does not exist.",
            "rfc3463",
            "RFC 3463 §3.2",
        ),
        ("554 Transaction failed", "rfc5321", "RFC 5321 §4.2.3"),
        ("it does not work", "unknown", "RFC 5321 §4.2; RFC 3463"),
    ];
    for (reply, id, fact) in cases {
        let d = json(&run(&["explain", "--format", "json", reply]));
        assert_eq!(d.id, *id, "{reply}");
        assert!(!d.known, "{reply}");
        assert_eq!(d.fact, *fact, "{reply}");
        assert!(!d.summary.is_empty() && !d.cause.is_empty() && !d.fix.is_empty());
        let t = run(&["explain", reply]);
        assert_eq!(t.code, 0, "{reply}: {}", t.stderr);
        assert!(t.stdout.contains(&format!("[{id}]")), "{}", t.stdout);
    }
}

#[test]
fn empty_input_is_an_input_error() {
    for (args, input) in [
        (&[][..], &b""[..]),
        (&["-"][..], &b"  \n\t\n"[..]),
        (&["--format", "json"][..], &b""[..]),
    ] {
        let r = with_stdin(args, input);
        assert_eq!(r.code, 3, "{args:?}");
        assert_eq!(r.stdout, "", "{args:?}");
        assert_eq!(
            r.stderr,
            "relayctl: no reply given: pass it as an argument (relayctl explain \"550 5.7.1 ...\") or on stdin\n",
            "{args:?}"
        );
    }
    let r = run(&["explain", " ", ""]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("relayctl: no reply given"),
        "{}",
        r.stderr
    );
}

#[test]
fn two_mib_on_stdin_is_refused() {
    let mut big = b"550 5.7.1 Invalid credentials for relay [203.0.113.9] ".to_vec();
    big.resize(2 << 20, b'x');
    let r = with_stdin(&[], &big);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "relayctl: stdin: larger than 1048576 bytes; give one reply, not a whole log\n"
    );
}

#[test]
fn a_long_reply_under_the_cap_is_explained_from_its_start() {
    // 900 KiB: read, but only the first 64 KiB is looked at.
    let mut long = b"550 5.7.1 Invalid credentials for relay [203.0.113.9]. ".to_vec();
    long.resize(900 << 10, b'x');
    let d = json(&with_stdin(&["--format", "json"], &long));
    assert_eq!(d.id, "invalid-credentials-for-relay");
    assert!(d.reply.len() <= 64 << 10, "{}", d.reply.len());
}

#[test]
fn binary_garbage() {
    let r = with_stdin(&[], b"\x7fELF\x02\x01\x01\x00\x00\x00\x00");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "relayctl: stdin: binary data (NUL bytes), not a reply; give the reply as text\n"
    );

    // Not UTF-8, but no NUL: read with U+FFFD, and the reply inside is still found.
    let r = with_stdin(
        &[],
        b"caf\xe9 \xff said: 550 5.7.0 Mail relay denied [203.0.113.9].",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("[relay-denied-ip]"), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "relayctl: note: stdin is not UTF-8; invalid bytes were read as U+FFFD\n"
    );
    // UTF-16 has NUL bytes: refused the same way.
    let r = with_stdin(&[], b"\xff\xfe5\x005\x000\x00");
    assert_eq!(r.code, 3, "{}", r.stderr);

    // Random bytes without NUL never crash it: exit 0 with four lines.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..rng.next() % 4096)
            .map(|_| (rng.next() % 255) as u8 + 1)
            .collect();
        let r = with_stdin(&[], &bytes);
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            assert_eq!(r.code, 3);
            continue;
        }
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.stdout.lines().count(), 4, "{}", r.stdout);
    }
}

#[test]
fn bad_flag_is_a_usage_error() {
    let r = run(&["explain", "--format", "xml", "550 5.7.1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn explain_stays_pure() {
    // STYLE.md: the domain layer does no I/O and knows neither the command line nor the
    // renderers; probe and send-test call it.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explain");
    let forbidden = [
        "std::fs",
        "std::env",
        "std::process",
        "std::io",
        "crate::cli",
        "crate::commands",
        "crate::report",
        "crate::net",
        "clap",
        "TcpStream",
        "UdpSocket",
    ];
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).expect("src/explain exists") {
        let p = e.expect("dir entry").path();
        let text = std::fs::read_to_string(&p).expect("readable");
        for f in forbidden {
            assert!(!text.contains(f), "{}: uses {f}", p.display());
        }
        seen += 1;
    }
    assert!(seen >= 3);
}

#[test]
fn docs_list_every_catalogue_id_in_order() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"),
    )
    .expect("docs/json.md");
    let section = doc
        .split("## `relayctl/explain/1`")
        .nth(1)
        .expect("docs/json.md has the relayctl/explain/1 section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let table = section
        .split("| id | code | reply (text matched) |")
        .nth(1)
        .expect("the catalogue table");
    let documented: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    let ids: Vec<&str> = relayctl::explain::catalog().iter().map(|e| e.id).collect();
    assert_eq!(documented, ids);
}

/// A pasted reply is text from a server: its control characters are shown escaped, never
/// sent to the terminal; JSON keeps them as they were (its encoder escapes them).
#[test]
fn control_characters_in_the_reply_are_escaped() {
    let reply = "550 5.7.0 Mail relay denied [203.0.113.9]. Invalid credentials for relay for one of the domains in: ex\x1b]52;c;eA==\x07\x1b[2K\r ok\u{9b}2J.com (as obtained from HELO and MAIL FROM).";
    let r = with_stdin(&[], reply.as_bytes());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for bad in ['\x1b', '\x07', '\r', '\u{9b}'] {
        assert!(!r.stdout.contains(bad), "{bad:?}: {:?}", r.stdout);
        assert!(!r.stderr.contains(bad), "{bad:?}: {:?}", r.stderr);
    }
    assert!(
        r.stdout.contains("ex\\x1b]52;c;eA==\\x07\\x1b[2K") && r.stdout.contains("ok\\u{9b}2J.com"),
        "{}",
        r.stdout
    );
    let r = with_stdin(&["--format", "json"], reply.as_bytes());
    let data = json(&r);
    assert!(
        data.reply.contains("ex\x1b]52;c;eA==\x07"),
        "{}",
        data.reply
    );
    assert!(data.cause.contains("\x1b[2K"), "{}", data.cause);
}

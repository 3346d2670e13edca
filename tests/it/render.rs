//! Snapshots of what every command prints, in every format (issue 12): `check helo`, `check
//! cidr`, `lint`, `explain`, `probe`, `send-test` and `sim`, through the real binary, as a
//! user sees them (the command line, the exit code, stdout, stderr). `gen` has its own
//! (tests/it/gen.rs). The runs against the in-tree relay (tests/relay) are made stable by
//! insta filters: ports, milliseconds, dates, certificate details, message ids, temp paths,
//! the version. Review a snapshot diff like code: it is what admins read and paste.

use std::path::Path;

use crate::probe::World;
use crate::relay::{Hostile, Script, TestRelay, TlsMode};
use crate::sim::Sim;
use crate::support::{relayctl_in, run_in, Run};

/// What a user sees: the command line, the exit code, stdout and stderr.
fn shown(args: &[&str], r: &Run) -> String {
    format!(
        "$ relayctl {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        command_line(args),
        r.code,
        r.stdout,
        r.stderr
    )
}

/// The arguments as a shell would need them: single-quoted where not plain.
fn command_line(args: &[&str]) -> String {
    let plain = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:,=@%+".contains(c))
    };
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if plain(a) {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect();
    quoted.join(" ")
}

/// `relayctl ARGS` in a fresh empty directory, shown.
fn in_empty_dir(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    shown(args, &run_in(dir.path(), args))
}

/// The repository, where the fixtures are named by relative paths as a user would.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The filter every snapshot of this module applies: the version in the JSON and SARIF
/// documents (`"version"`, `"semanticVersion"`).
fn version_filter() -> (String, &'static str) {
    (
        format!(
            r#""(version|semanticVersion)": "{}""#,
            regex_escape(env!("CARGO_PKG_VERSION"))
        ),
        r#""$1": "[VERSION]""#,
    )
}

/// `s` as a regular expression matching itself.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Asserts `value` as snapshot `name` with `filters` (regex, replacement) plus the version.
fn assert_filtered(name: &str, value: &str, filters: Vec<(String, String)>) {
    let mut all: Vec<(String, String)> = vec![{
        let (re, to) = version_filter();
        (re, to.to_owned())
    }];
    all.extend(filters);
    let mut settings = insta::Settings::clone_current();
    for (re, to) in &all {
        settings.add_filter(re, to.as_str());
    }
    settings.bind(|| insta::assert_snapshot!(name, value));
}

/// Asserts `value` as snapshot `name` with only the version filtered.
fn assert_plain(name: &str, value: &str) {
    assert_filtered(name, value, Vec::new());
}

// ---------------------------------------------------------------------------------------
// check helo: names that never reach DNS. The name server given is the discard port on
// 127.0.0.1, so a regression that asked DNS would fail the run rather than leave the host.

const HELO_CASES: &[(&str, &[&str])] = &[
    ("localhost", &["localhost"]),
    ("single_label", &["mail"]),
    ("private_literal", &["[192.168.1.1]"]),
    ("public_literal", &["[192.0.2.1]"]),
    ("invalid", &["mail_1.example.com"]),
    (
        "localhost_with_domain",
        &["localhost", "--domain", "example.com"],
    ),
];

#[test]
fn check_helo() {
    for (name, case) in HELO_CASES {
        for format in ["text", "json"] {
            let mut args = vec!["check", "helo"];
            args.extend_from_slice(case);
            args.extend_from_slice(&["--nameserver", "127.0.0.1:9", "--format", format]);
            assert_plain(
                &format!("check_helo__{name}__{format}"),
                &in_empty_dir(&args),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// check cidr: one small list that trips most rules.

const RANGES: &str = "\
# Egress ranges to register in the console (written for relayctl's tests).
81.2.69.160/28 office
81.2.69.160/28 office, entered twice
81.2.69.168/29 inside the office range
192.168.1.0/24 lan
81.4.0.0/15 too large for one entry
81.6.10.7/24 host bits set
81.7.0.0/25 dc-a
81.7.0.128/25 dc-b
81.8.0.0/23 vpn pool
not-a-range
";

fn check_cidr(name: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ranges.txt"), RANGES).expect("write ranges.txt");
    // The IPv6 hint is pinned so the result does not depend on the machine's routes.
    let mut args = vec!["check", "cidr", "ranges.txt", "--ipv6-egress", "yes"];
    args.extend_from_slice(extra);
    assert_plain(name, &shown(&args, &run_in(dir.path(), &args)));
}

#[test]
fn check_cidr_text() {
    check_cidr("check_cidr__ranges__text", &[]);
}

#[test]
fn check_cidr_json() {
    check_cidr("check_cidr__ranges__json", &["--format", "json"]);
}

#[test]
fn check_cidr_canonical() {
    check_cidr("check_cidr__ranges__canonical", &["--canonical"]);
}

// ---------------------------------------------------------------------------------------
// lint: the fixtures of tests/fixtures (several findings per file, one suppressed), named
// by relative paths from the repository as a user in a checkout would.

const LINT_FIXTURES: &[&str] = &[
    "tests/fixtures/postfix",
    "tests/fixtures/lint/postfix-mistakes",
    "tests/fixtures/lint/exim-smarthost",
    "tests/fixtures/lint/msmtp-suppressed",
];

#[test]
fn lint() {
    for format in ["text", "json", "sarif", "github"] {
        let mut args = vec!["lint"];
        args.extend_from_slice(LINT_FIXTURES);
        args.extend_from_slice(&["--format", format]);
        let r: Run = relayctl_in(repo(), &args)
            .output()
            .expect("relayctl runs")
            .into();
        assert_plain(&format!("lint__fixtures__{format}"), &shown(&args, &r));
    }
}

#[test]
fn lint_list_rules() {
    for format in ["text", "json"] {
        let args = ["lint", "--list-rules", "--format", format];
        assert_plain(&format!("lint__list_rules__{format}"), &in_empty_dir(&args));
    }
}

// ---------------------------------------------------------------------------------------
// explain: a known permanent reply naming the client's address, a known temporary one, and
// one relayctl does not know (the RFC 3463 fallback).

const REPLIES: &[(&str, &str)] = &[
    (
        "invalid_credentials",
        "550 5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've registered in your G Suite SMTP Relay service doesn't match domain of the account this email is being sent from.",
    ),
    (
        "helo_rejected",
        "421 4.7.0 Try again later, closing connection. (EHLO)",
    ),
    ("unknown", "554 5.9.9 Something nobody has documented"),
];

#[test]
fn explain() {
    for (name, reply) in REPLIES {
        for format in ["text", "json"] {
            let args = ["explain", "--format", format, reply];
            assert_plain(&format!("explain__{name}__{format}"), &in_empty_dir(&args));
        }
    }
}

// ---------------------------------------------------------------------------------------
// probe and send-test against the in-tree relay: real TLS with a throw-away CA on
// 127.0.0.1. What varies from run to run or machine to machine is filtered, each value by
// a name: the relay's port, timings, dates and certificate lifetimes, the session ids and
// queue numbers the relay makes up, the message id. The probe's table has its columns
// squeezed to two spaces, since their widths follow the timings.

const USER: &str = "relay@example.com";
const PASSWORD: &str = "r3nder-S3cret-app-passw0rd";

/// `relayctl ARGS` in the world's directory with the password in RELAYCTL_PASSWORD; the
/// password is in nothing printed.
fn run_net(w: &World, args: &[&str]) -> Run {
    let r: Run = relayctl_in(w.path(), args)
        .env("RELAYCTL_PASSWORD", PASSWORD)
        .output()
        .expect("relayctl runs")
        .into();
    assert!(
        !r.stdout.contains(PASSWORD) && !r.stderr.contains(PASSWORD),
        "{}",
        shown(args, &r)
    );
    r
}

/// The filters of a run against `relays` (ports named by position) in `w`'s directory.
fn net_filters(w: &World, relays: &[&TestRelay]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        // Timings: the table and summary lines, the JSON fields, the transcript's margin,
        // nagios perfdata (seconds).
        (r"\b\d+ ms\b", "[N] ms"),
        (r#""(\w+_ms)": \d+"#, r#""$1": [N]"#),
        (r"(?m)^ *\d+ (->|~>|<-|<~|==) ", "[MS] $1 "),
        (r"=\d+\.\d+s;", "=[S]s;"),
        // Dates (the message's subject, certificate validity) and the days left.
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[DATE]"),
        (r"\(\d+ days\)", "([N] days)"),
        (r#""days_left": \d+"#, r#""days_left": [N]"#),
        // The relay's session id (`r<n>sm<client port>tst.<n>`) and queue number.
        (r"\br\d+sm[0-9a-f]+tst\.\d+\b", "[SESSION]"),
        (r"OK  \d+ ", "OK  [EPOCH] "),
        // send-test's Message-ID: `<relayctl-send-test.<random>.<counter>@domain>`, and
        // the message's size in the transcript (its Date header is not of fixed width).
        (
            r"relayctl-send-test\.[0-9a-f]+\.[0-9a-f]+@",
            "relayctl-send-test.[ID]@",
        ),
        (r"\(the message: \d+ bytes\)", "(the message: [N] bytes)"),
    ]
    .iter()
    .map(|(re, to)| (re.to_string(), to.to_string()))
    .collect();
    for (i, r) in relays.iter().enumerate() {
        // Not inside a longer number; twice, as one match takes the character after it.
        let re = format!("(^|[^0-9]){}([^0-9]|$)", r.port());
        let to = format!("${{1}}[PORT{}]${{2}}", i + 1);
        f.push((re.clone(), to.clone()));
        f.push((re, to));
    }
    f.push((
        regex_escape(&w.path().display().to_string()),
        "[DIR]".into(),
    ));
    f
}

/// The probe's table (from its ` PORT ` header to the blank line after it) with every run
/// of spaces squeezed to two: its column widths follow the timings.
fn squeeze_table(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_table = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with(" PORT ") {
            in_table = true;
        } else if line.trim().is_empty() {
            in_table = false;
        }
        if in_table {
            let cells: Vec<&str> = line.split("  ").map(str::trim).collect();
            let cells: Vec<&str> = cells.into_iter().filter(|c| !c.is_empty()).collect();
            out.push(' ');
            out.push_str(&cells.join("  "));
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `probe --host 127.0.0.1` of `relays` (each on `port/mode`), with AUTH and the envelope
/// test, plus `extra`.
fn probe(name: &str, relays: &[(Script, &str)], extra: &[&str]) {
    let w = World::new();
    let started: Vec<TestRelay> = relays
        .iter()
        .map(|(script, _)| w.start(script.clone().account(USER, PASSWORD)))
        .collect();
    let ports: Vec<String> = started
        .iter()
        .zip(relays)
        .map(|(r, (_, mode))| format!("{}/{mode}", r.port()))
        .collect();
    let mut args = vec!["probe", "--host", "127.0.0.1"];
    for p in &ports {
        args.extend(["--port", p.as_str()]);
    }
    args.extend([
        "--helo",
        "mail.example.com",
        "--ca-file",
        "ca.pem",
        "--timeout",
        "5",
        "--auth-user",
        USER,
        "--mail-from",
        "it@example.com",
        "--rcpt",
        "you@example.org",
    ]);
    args.extend_from_slice(extra);
    let mut r = run_net(&w, &args);
    r.stdout = squeeze_table(&r.stdout);
    let refs: Vec<&TestRelay> = started.iter().collect();
    assert_filtered(name, &shown(&args, &r), net_filters(&w, &refs));
}

#[test]
fn probe_text() {
    probe(
        "probe__starttls__text",
        &[(Script::google(), "starttls")],
        &[],
    );
}

#[test]
fn probe_json() {
    probe(
        "probe__starttls__json",
        &[(Script::google(), "starttls")],
        &["--format", "json"],
    );
}

#[test]
fn probe_nagios() {
    probe(
        "probe__starttls__nagios",
        &[(Script::google(), "starttls")],
        &["--format", "nagios"],
    );
}

#[test]
fn probe_transcript() {
    probe(
        "probe__starttls__transcript",
        &[(Script::google(), "starttls")],
        &["--transcript"],
    );
}

/// Two ports, one good and one whose STARTTLS is stripped: a table of two rows, a failure
/// explained, and the recommendation of the good one.
fn two_ports() -> [(Script, &'static str); 2] {
    [
        (Script::google().tls(TlsMode::Implicit), "tls"),
        (Script::google().hostile(Hostile::NoStartTls), "starttls"),
    ]
}

#[test]
fn probe_two_ports_text() {
    probe("probe__two_ports__text", &two_ports(), &[]);
}

#[test]
fn probe_two_ports_json() {
    probe(
        "probe__two_ports__json",
        &two_ports(),
        &["--format", "json"],
    );
}

#[test]
fn probe_two_ports_nagios() {
    probe(
        "probe__two_ports__nagios",
        &two_ports(),
        &["--format", "nagios"],
    );
}

/// `send-test` through one relay on `port/mode` with AUTH, plus `extra`.
fn send_test(name: &str, script: Script, mode: &str, extra: &[&str]) {
    let w = World::new();
    let relay = w.start(script.account(USER, PASSWORD));
    let port = format!("{}/{mode}", relay.port());
    let mut args = vec![
        "send-test",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--helo",
        "mail.example.com",
        "--ca-file",
        "ca.pem",
        "--timeout",
        "5",
        "--auth-user",
        USER,
        "--from",
        "it@example.com",
        "--to",
        "you@example.org",
    ];
    args.extend_from_slice(extra);
    let r = run_net(&w, &args);
    assert_filtered(name, &shown(&args, &r), net_filters(&w, &[&relay]));
}

#[test]
fn send_test_text() {
    send_test(
        "send_test__starttls__text",
        Script::google(),
        "starttls",
        &[],
    );
}

#[test]
fn send_test_json() {
    send_test(
        "send_test__starttls__json",
        Script::google(),
        "starttls",
        &["--format", "json"],
    );
}

#[test]
fn send_test_transcript() {
    send_test(
        "send_test__starttls__transcript",
        Script::google(),
        "starttls",
        &["--transcript"],
    );
}

/// The relay refuses the recipient: the reply explained, in both formats.
const RELAY_DENIED: &str = "550 5.7.0 Mail relay denied [127.0.0.1]. Invalid credentials for relay for one of the domains in: example.org (as obtained from HELO and MAIL FROM). Email is being sent from a domain or IP address which isn't registered in your G Suite account.";

#[test]
fn send_test_refused_text() {
    send_test(
        "send_test__relay_denied__text",
        Script::google()
            .tls(TlsMode::Implicit)
            .rcpt_reply(RELAY_DENIED),
        "tls",
        &[],
    );
}

#[test]
fn send_test_refused_json() {
    send_test(
        "send_test__relay_denied__json",
        Script::google()
            .tls(TlsMode::Implicit)
            .rcpt_reply(RELAY_DENIED),
        "tls",
        &["--format", "json"],
    );
}

// ---------------------------------------------------------------------------------------
// sim: the ready line (stdout) and the summary at SIGTERM (stderr), no session in between.

fn sim(name: &str, extra: &[&str]) {
    let mut s = Sim::start(None, extra);
    let ready = s.ready.clone();
    let (code, stderr) = s.stop();
    let dir = s.path().display().to_string();
    let mut args = vec!["sim", "--ports", "0,0,0", "--cert-name", "127.0.0.1"];
    args.extend(["--users", "users"]);
    args.extend_from_slice(extra);
    let value = format!(
        "$ relayctl {}   (then SIGTERM)\nexit: {code}\n--- stdout\n{ready}--- stderr\n{stderr}",
        command_line(&args)
    );
    let filters = vec![
        (r"127\.0\.0\.1:\d+".into(), "127.0.0.1:[PORT]".into()),
        (regex_escape(&dir), "[DIR]".into()),
    ];
    assert_filtered(name, &value, filters);
}

#[test]
fn sim_ready_text() {
    sim("sim__ready__text", &[]);
}

#[test]
fn sim_ready_json() {
    sim("sim__ready__json", &["--format", "json", "--discard"]);
}

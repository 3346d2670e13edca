//! Snapshots of what every command prints, in every format (issue 12): `check helo`, `check
//! cidr`, `lint`, `explain`, `probe`, `send-test` and `sim`, through the real binary, as a
//! user sees them (the command line, the exit code, stdout, stderr). `gen` has its own
//! (tests/it/gen.rs). The runs against the in-tree relay (tests/relay) are made stable by
//! insta filters: ports, milliseconds, dates, certificate details, message ids, temp paths,
//! the version. Review a snapshot diff like code: it is what admins read and paste.

use std::path::Path;

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

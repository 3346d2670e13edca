//! The corpus of real configurations (tests/corpus/, issue 13): lint runs on every case,
//! and each finding is compared with the verdict a mail expert gave (verdicts.toml). A case
//! is *matched* when every error and warning of the verdict is reported and nothing is
//! reported as an error that the verdict does not name; *partly* when some are (or all,
//! with an error too many); *wrong* when lint raises an error the verdict does not name and
//! misses some of the verdict; *missed* otherwise (a file lint cannot judge, exit 3, is a
//! miss, not a false alarm). The counts are
//! printed (`cargo test --test it corpus -- --nocapture`) and may only go up: the floors
//! below are what lint achieves today, so a change that loses a case fails here.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::support::run_in;

#[derive(Deserialize)]
struct Verdicts {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    files: Vec<String>,
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
struct Expect {
    severity: String,
    topic: String,
}

/// The rules that report a verdict's topic. A topic with no rule yet is never reported.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "gmail-submission-host",
        &["relay-host-not-google", "consumer-gmail-credentials"],
    ),
    ("relay-not-google", &["relay-host-not-google"]),
    ("no-relay-host", &["no-relay-host"]),
    ("relay-host-invalid", &["relay-host-typo", "syntax"]),
    ("tls-not-verified", &["tls-not-verified"]),
    ("tls-not-mandatory", &["tls-not-mandatory"]),
    (
        "sasl-over-opportunistic-tls",
        &["sasl-over-opportunistic-tls"],
    ),
    ("sasl-without-tls", &["sasl-over-opportunistic-tls"]),
    ("helo-default", &["helo-default"]),
    ("helo-generic", &["helo-generic"]),
    ("helo-unresolved", &["unresolved-value"]),
    ("unresolved-placeholder", &["unresolved-value"]),
    ("password-map-key", &["password-map-key-mismatch"]),
    ("password-map-key-mismatch", &["password-map-key-mismatch"]),
    ("password-map-missing", &["password-map-missing"]),
    (
        "relayhost-without-brackets",
        &["relayhost-without-brackets"],
    ),
    (
        "port-465-without-tls-wrapper",
        &["port-465-without-tls-wrapper"],
    ),
    ("port-not-relay", &["port-not-relay"]),
    ("sasl-with-ip-auth", &["sasl-with-ip-auth"]),
    ("ipv6-egress", &["ipv6-egress-with-ipv4-ranges"]),
    ("syntax", &["syntax"]),
    ("unsupported-file", &["unreadable"]),
];

fn rules_for(topic: &str) -> &'static [&'static str] {
    TOPICS
        .iter()
        .find(|(t, _)| *t == topic)
        .map_or(&[], |(_, r)| *r)
}

/// (rule, severity) of every finding lint reports on the case's files.
fn lint(dir: &Path, files: &[String]) -> Vec<(String, String)> {
    let mut args = vec!["lint", "--format", "json", "--allow-empty"];
    args.extend(files.iter().map(String::as_str));
    let o = run_in(dir, &args);
    let v: serde_json::Value = match serde_json::from_str(&o.stdout) {
        Ok(v) => v,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for f in v["data"]["files"].as_array().into_iter().flatten() {
        for x in f["findings"].as_array().into_iter().flatten() {
            out.push((
                x["rule"].as_str().unwrap_or("").to_owned(),
                x["severity"].as_str().unwrap_or("").to_owned(),
            ));
        }
    }
    out
}

#[test]
fn corpus_verdicts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let text = std::fs::read_to_string(root.join("verdicts.toml")).expect("verdicts.toml");
    let verdicts: Verdicts = toml::from_str(&text).expect("verdicts.toml parses");
    assert!(
        verdicts.case.len() >= 40,
        "the corpus has {} cases",
        verdicts.case.len()
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lines = Vec::new();
    for case in &verdicts.case {
        let dir = root.join(&case.id);
        assert!(dir.is_dir(), "{}: no directory", case.id);
        let found = lint(&dir, &case.files);
        let serious: Vec<&Expect> = case
            .expect
            .iter()
            .filter(|e| e.severity == "error" || e.severity == "warning")
            .collect();
        let hit = serious
            .iter()
            .filter(|e| {
                rules_for(&e.topic)
                    .iter()
                    .any(|r| found.iter().any(|(f, _)| f == r))
            })
            .count();
        let named: Vec<&str> = case
            .expect
            .iter()
            .filter(|e| e.severity != "ok")
            .flat_map(|e| rules_for(&e.topic).iter().copied())
            .collect();
        let false_errors: Vec<&str> = found
            .iter()
            // `unreadable` is "cannot judge this file" (exit 3): a miss, not a false alarm.
            .filter(|(r, s)| s == "error" && r != "unreadable" && !named.contains(&r.as_str()))
            .map(|(r, _)| r.as_str())
            .collect();
        let all = hit == serious.len();
        let verdict = match (false_errors.is_empty(), all, hit > 0) {
            (false, true, true) => "partly",
            (false, _, _) => "wrong",
            (true, true, _) => "matched",
            (true, false, true) => "partly",
            (true, false, false) => "missed",
        };
        *counts.entry(verdict).or_default() += 1;
        lines.push(format!(
            "{:<48} {verdict:<8} {hit}/{} expected; unexpected errors: {false_errors:?}",
            case.id,
            serious.len()
        ));
    }
    println!("{}", lines.join("\n"));
    println!("corpus: {counts:?}");
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    // Floors measured on 2026-12-08 (see the closing note of issue 12/13 progress).
    assert!(n("matched") >= MATCHED_FLOOR, "matched fell: {counts:?}");
    assert!(
        n("matched") + n("partly") >= REPORTED_FLOOR,
        "reported fell: {counts:?}"
    );
}

const MATCHED_FLOOR: usize = 11;
const REPORTED_FLOOR: usize = 28;

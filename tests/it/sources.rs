//! Sources shown to users must exist for users: every source relayctl can print (lint
//! rules, the explain catalogue, probe findings, check findings, gen notes, plan errors)
//! resolves to an entry of docs/sources.md, and no private note is named anywhere.

use std::fs;
use std::path::{Path, PathBuf};

use relayctl::sources::{check_citation, unknown_references, SOURCES};
use serde_json::Value;

use crate::support::run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Collects the problems of one citation and of the free text around it.
#[derive(Default)]
struct Audit {
    problems: Vec<String>,
    citations: usize,
}

impl Audit {
    fn citation(&mut self, where_: &str, fact: &str) {
        self.citations += 1;
        if let Err(why) = check_citation(fact) {
            self.problems.push(format!("{where_}: {why}"));
        }
    }

    fn text(&mut self, where_: &str, text: &str) {
        for r in unknown_references(text) {
            self.problems
                .push(format!("{where_}: {r} is not in docs/sources.md"));
        }
    }

    /// Every `fact` (and SARIF's `Source: ...` help text) in a JSON document is a
    /// citation; every string is text.
    fn json(&mut self, where_: &str, v: &Value) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if let (true, Some(s)) = (k == "fact", v.as_str()) {
                        self.citation(&format!("{where_}.{k}"), s);
                    }
                    self.json(where_, v);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| self.json(where_, v)),
            Value::String(s) => self.text(where_, s),
            _ => {}
        }
    }

    fn finish(self, min_citations: usize) {
        assert!(
            self.citations >= min_citations,
            "walked only {} citations (expected at least {min_citations})",
            self.citations
        );
        assert!(
            self.problems.is_empty(),
            "sources missing from docs/sources.md:\n{}",
            self.problems.join("\n")
        );
    }
}

#[test]
fn docs_sources_md_lists_every_catalogue_key() {
    let md = fs::read_to_string(root().join("docs/sources.md")).expect("docs/sources.md");
    for s in SOURCES {
        assert!(
            md.contains(&format!("`{}`", s.key.replace('|', "\\|"))),
            "{} is missing from docs/sources.md",
            s.key
        );
    }
}

#[test]
fn lint_rules_cite_known_sources() {
    let mut a = Audit::default();
    for r in relayctl::lint::RULES {
        a.citation(r.id, r.fact);
        a.text(r.id, r.summary);
        a.text(r.id, r.fix);
    }
    // What `relayctl lint --list-rules` prints.
    let out = run(&["lint", "--list-rules"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    a.text("lint --list-rules", &out.stdout);
    a.finish(relayctl::lint::RULES.len());
}

#[test]
fn explain_catalogue_cites_known_sources() {
    use relayctl::explain::{catalog, explain, status};
    let mut a = Audit::default();
    for e in catalog::catalog() {
        a.citation(e.id, e.fact);
        for t in [e.summary, e.cause, e.fix] {
            a.text(e.id, t);
        }
        let x = explain(e.example);
        a.citation(&format!("explain {}", e.id), x.fact);
        a.text(e.id, &x.cause);
        a.text(e.id, &x.fix);
    }
    for (code, enhanced, hint, source) in catalog::CODE_HINTS {
        let at = format!("hint {code} {enhanced}");
        a.citation(&at, source);
        a.text(&at, hint);
    }
    for s in 0..=9 {
        if let Some(sub) = status::subject(s) {
            a.citation(&format!("subject {s}"), sub.fact);
            a.text(&format!("subject {s}"), sub.advice);
        }
        for d in 0..=40 {
            if let Some(det) = status::detail(s, d) {
                a.citation(&format!("detail {s}.{d}"), det.fact);
                a.text(&format!("detail {s}.{d}"), det.advice.unwrap_or(""));
            }
        }
    }
    for code in 200..600 {
        let (_, fact) = status::basic(code);
        a.citation(&format!("basic {code}"), fact);
        // Replies relayctl does not know: the fallback explanations.
        for reply in [
            format!("{code} something unknown"),
            format!("{code} 5.7.1 something unknown"),
            format!("{code} 4.4.2 something unknown"),
        ] {
            let x = explain(&reply);
            a.citation(&reply, x.fact);
            a.text(&reply, &x.cause);
            a.text(&reply, &x.fix);
        }
    }
    a.finish(catalog::catalog().len() * 2 + 400);
}

#[test]
fn probe_findings_cite_known_sources() {
    // The FACT_ constants are all a probe finding cites besides the explain catalogue
    // (a unit test in probe/verdict.rs keeps literal sources out of the code).
    let mut a = Audit::default();
    for f in relayctl::probe::verdict::FACTS {
        a.citation("probe", f);
    }
    for f in relayctl::explain::advice::FACTS {
        a.citation("send-test advice", f);
    }
    a.finish(relayctl::probe::verdict::FACTS.len());
}

#[test]
fn check_helo_and_cidr_findings_cite_known_sources() {
    let mut a = Audit::default();
    let domains = ["example.com".parse().expect("a domain")];
    for name in [
        "",
        "localhost",
        "mail",
        "mail.example.com",
        "mail.example.org",
        "smtp-relay.gmail.com",
        "203.0.113.9",
        "[203.0.113.9]",
        "[192.168.1.176]",
        "[IPv6:2001:db8::1]",
        "[bad literal]",
        "mail_1.example.com",
        "-bad-.example.com",
        "3f2a9c1b7d4e",
        "host.local",
        "exämple.com",
        &"a".repeat(300),
    ] {
        let c = relayctl::check::helo::check_name(name, &domains);
        a.text(
            &format!("check helo {name:?}"),
            &format!("{:?}", c.findings),
        );
        a.citations += 1;
        for f in &c.findings {
            a.citation(&format!("check helo {name:?}: {}", f.rule), &f.fact);
        }
    }
    for f in relayctl::check::helo::FACTS {
        a.citation("check helo FACTS", f);
    }
    for f in relayctl::check::cidr::FACTS {
        a.citation("check cidr FACTS", f);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("ranges.txt");
    fs::write(
        &list,
        "10.0.0.0/8\n203.0.113.0/24\n203.0.113.0/25\n198.51.100.7\n0.0.0.0/0\n2001:db8::/32\n2001:0db8:0:0:0:0:0:1/128\nnot a range\n192.0.2.0/15\n",
    )
    .expect("write list");
    for egress in ["yes", "no"] {
        for format in ["json", "text"] {
            let out = run(&[
                "check",
                "cidr",
                list.to_str().expect("utf-8 path"),
                "--ipv6-egress",
                egress,
                "--format",
                format,
            ]);
            let at = format!("check cidr --ipv6-egress {egress} --format {format}");
            if format == "text" {
                a.text(&at, &out.stdout);
            } else {
                a.json(&at, &serde_json::from_str(&out.stdout).expect("JSON"));
            }
            a.text(&at, &out.stderr);
            a.citations += 1;
        }
    }
    a.finish(10);
}

#[test]
fn gen_notes_and_plan_errors_cite_known_sources() {
    let plans: &[&[&str]] = &[
        &[],
        &["--auth", "smtp-auth", "--auth-user", "relay@example.com"],
        &["--auth", "smtp-auth"],
        &[
            "--port",
            "465",
            "--auth",
            "both",
            "--auth-user",
            "relay@example.com",
            "--range",
            "203.0.114.0/28",
        ],
        &[
            "--port",
            "25",
            "--no-require-tls",
            "--range",
            "203.0.114.0/28",
            "--internal-domain",
            "corp.example.com=hub.corp.example.com",
        ],
        &["--range", "2001:db8::/112"],
        &["--range", "203.0.114.0/28", "--range", "2001:db8::/112"],
        &["--no-require-tls", "--tls", "none"],
        &["--no-require-tls", "--tls", "opportunistic"],
        &[
            "--allowed-senders",
            "any-addresses",
            "--internal-domain",
            "lab.example.com",
        ],
        &["--allowed-senders", "domain-addresses"],
        &["--allowed-senders", "registered-users"],
        &["--licences", "50"],
        // Plan errors.
        &["--port", "465", "--tls", "none", "--no-require-tls"],
        &["--auth", "smtp-auth", "--tls", "none", "--no-require-tls"],
        &["--tls", "opportunistic"],
    ];
    let mut a = Audit::default();
    let mut targets: Vec<Vec<&str>> = relayctl::gen::Target::ALL
        .iter()
        .filter(|t| t.name() != "exchange")
        .map(|t| vec![t.name()])
        .collect();
    for edition in ["2003", "2010", "2016"] {
        targets.push(vec!["exchange", "--edition", edition]);
    }
    targets.push(vec!["exchange", "--edition", "2010", "--edge"]);
    for target in &targets {
        for plan in plans {
            let mut args = vec!["gen"];
            args.extend_from_slice(target);
            args.extend_from_slice(&["--helo", "mail.example.com", "--domain", "example.com"]);
            args.extend_from_slice(plan);
            args.extend_from_slice(&["--format", "json"]);
            let at = args.join(" ");
            let out = run(&args);
            a.text(&at, &out.stderr);
            if out.code == 0 {
                a.json(&at, &serde_json::from_str(&out.stdout).expect("gen JSON"));
            }
        }
    }
    // Text output too: notes are printed with their source.
    let out = run(&[
        "gen",
        "postfix",
        "--helo",
        "mail.example.com",
        "--domain",
        "example.com",
    ]);
    a.text("gen postfix (text)", &out.stdout);
    a.text("gen postfix (text)", &out.stderr);
    a.finish(200);
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in fs::read_dir(p).expect("readable dir").flatten() {
            walk(&e.path(), out);
        }
    } else {
        out.push(p.to_owned());
    }
}

#[test]
fn no_private_note_names_in_code_docs_or_output() {
    let needle = concat!("RELAY", "-FACTS");
    let mut files = Vec::new();
    for rel in [
        "src",
        "docs",
        "man",
        "completions",
        "tests",
        "README.md",
        "CHANGELOG.md",
    ] {
        walk(&root().join(rel), &mut files);
    }
    assert!(files.len() > 50, "walked {} files", files.len());
    let hits: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = fs::read(f).ok()?;
            let text = String::from_utf8_lossy(&text);
            let n = text.lines().position(|l| l.contains(needle))?;
            Some(format!("{}:{}", f.display(), n + 1))
        })
        .collect();
    assert!(
        hits.is_empty(),
        "private note names (cite the public source instead): {hits:?}"
    );
}

#[test]
fn every_known_image_cites_a_source() {
    for image in relayctl::mta::images::IMAGES {
        assert!(
            check_citation(image.source).is_ok(),
            "{}: {:?} is not in docs/sources.md",
            image.id,
            image.source
        );
    }
}

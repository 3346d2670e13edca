//! `relayctl lint` through the binary: exit codes, formats, walking, bad input, and the
//! promise that what `relayctl gen` writes lints clean against the same relay.toml.

use std::fs;
use std::path::Path;

use crate::support::run_in;

/// Writes `files` (name, text) into a temp dir.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    dir
}

const RELAY_TOML: &str = r#"
[console]
allowed_senders = "domain-addresses"
authentication = "ip"
require_tls = true

[[console.ranges]]
description = "office"
cidr = "203.0.113.0/28"
enabled = true

[site]
helo = "mail.example.com"
domains = ["example.com"]
"#;

#[test]
fn list_rules_and_rules_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_in(dir.path(), &["lint", "--list-rules"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("relay-host-typo (error)"));
    let o = run_in(dir.path(), &["lint", "--list-rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(v["schema"], "relayctl/lint-rules/1");
    assert!(v["data"].as_array().is_some_and(|a| a.len() >= 20));
}

#[test]
fn binary_missing_and_unknown_files_are_findings_not_panics() {
    let dir = tree(&[("notes.txt", "hello\n")]);
    fs::write(dir.path().join("main.cf"), b"relay\0host = x\n").expect("write");
    let o = run_in(
        dir.path(),
        &[
            "lint",
            "main.cf",
            "missing.cf",
            "notes.txt",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    let files = v["data"]["files"].as_array().expect("files");
    assert_eq!(files.len(), 3);
    for f in files {
        assert_eq!(f["findings"][0]["rule"], "unreadable", "{f}");
    }
}

#[test]
fn relay_toml_is_linted_itself() {
    let dir = tree(&[("relay.toml", "[console]\nauthentication = \"smtp\"\n")]);
    let o = run_in(dir.path(), &["lint", "relay.toml"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("relay.toml:2:1: error:"), "{}", o.stdout);
    assert!(o.stdout.contains("[relay-toml-invalid]"), "{}", o.stdout);
}

#[test]
fn symlink_loops_end() {
    let dir = tree(&[("etc/postfix/notes", "x")]);
    std::os::unix::fs::symlink(dir.path().join("etc"), dir.path().join("etc/postfix/loop"))
        .expect("symlink");
    let o = run_in(dir.path(), &["lint", "."]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("no MTA configuration file found"),
        "{}",
        o.stderr
    );
}

/// What `relayctl gen TARGET` writes (every file, from its JSON document), linted
/// against the same relay.toml: no finding above a note. The generator and the linter
/// must agree.
#[test]
fn generated_configs_lint_clean() {
    for (target, extra) in [
        ("postfix", &[][..]),
        (
            "postfix",
            &["--auth", "smtp-auth", "--auth-user", "relay@example.com"][..],
        ),
        (
            "postfix",
            &[
                "--port",
                "465",
                "--auth",
                "smtp-auth",
                "--auth-user",
                "relay@example.com",
            ][..],
        ),
        ("sendmail", &[][..]),
        ("exim", &[][..]),
        (
            "exim",
            &["--auth", "smtp-auth", "--auth-user", "relay@example.com"][..],
        ),
        ("opensmtpd", &[][..]),
        ("msmtp", &[][..]),
        (
            "msmtp",
            &[
                "--port",
                "465",
                "--auth",
                "smtp-auth",
                "--auth-user",
                "relay@example.com",
            ][..],
        ),
    ] {
        let dir = tree(&[("relay.toml", RELAY_TOML)]);
        let mut args = vec!["gen", target, "--config", "relay.toml", "--format", "json"];
        args.extend_from_slice(extra);
        let o = run_in(dir.path(), &args);
        assert_eq!(o.code, 0, "gen {target} {extra:?}: {}", o.stderr);
        let doc: serde_json::Value = serde_json::from_str(&o.stdout).expect("gen json");
        let etc = dir.path().join("etc");
        fs::create_dir_all(&etc).expect("mkdir");
        for f in doc["data"]["files"].as_array().expect("files") {
            let path = f["path"].as_str().expect("path");
            let name = Path::new(path).file_name().expect("file name");
            let lines: Vec<&str> = f["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| l.as_str().expect("line"))
                .collect();
            fs::write(etc.join(name), lines.join("\n") + "\n").expect("write");
        }
        // The console in relay.toml follows the flags, so lint sees the same setting.
        let mut lint_args = vec![
            "lint",
            "etc",
            "--config",
            "relay.toml",
            "--fail-on",
            "warning",
            "--format",
            "json",
        ];
        let toml;
        if extra.contains(&"smtp-auth") {
            toml = RELAY_TOML.replace("authentication = \"ip\"", "authentication = \"smtp-auth\"");
            fs::write(dir.path().join("auth.toml"), &toml).expect("write");
            lint_args[3] = "auth.toml";
        }
        let o = run_in(dir.path(), &lint_args);
        let v: serde_json::Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{target}: {e}: {}{}", o.stdout, o.stderr));
        assert!(
            v["data"]["files"].as_array().is_some_and(|f| !f.is_empty()),
            "{target}: nothing linted: {}",
            o.stderr
        );
        let findings: Vec<String> = v["data"]["files"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
            .filter(|x| x["severity"] != "note")
            .map(|x| format!("{} {}", x["rule"], x["message"]))
            .collect();
        assert!(
            findings.is_empty(),
            "gen {target} {extra:?} does not lint clean: {findings:?}"
        );
        assert_eq!(o.code, 0, "{target}: {}", o.stdout);
    }
}

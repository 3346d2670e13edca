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
    // Nothing could be read: an input error (3), not findings about a configuration.
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
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
    for follow in [&[][..], &["--follow"]] {
        let mut args = vec!["lint", ".", "--allow-empty"];
        args.extend_from_slice(follow);
        let o = run_bounded(dir.path(), &args);
        assert_eq!(o.code, 0, "{follow:?}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains("no MTA configuration file found"),
            "{}",
            o.stderr
        );
    }
}

/// A path with nothing to check is an input error (3), so a wrong path in CI does not pass
/// forever; --allow-empty keeps the old 0 (issue 9).
#[test]
fn nothing_to_check_is_an_input_error_unless_allowed() {
    let dir = tree(&[("conf/notes.txt", "relayhost = x\n"), ("empty/.keep", "")]);
    for path in ["empty", "conf"] {
        for format in ["text", "json", "sarif", "github"] {
            let o = run_in(dir.path(), &["lint", path, "--format", format]);
            assert_eq!(o.code, 3, "{path} {format}: {}{}", o.stdout, o.stderr);
            assert!(o.stdout.is_empty(), "{path} {format}: {}", o.stdout);
            let errors: Vec<&str> = o
                .stderr
                .lines()
                .filter(|l| !l.starts_with("relayctl: note:"))
                .collect();
            assert_eq!(errors.len(), 1, "{path} {format}: {}", o.stderr);
            assert!(
                errors[0].starts_with(&format!("relayctl: {path}: no configuration file"))
                    && errors[0].contains("--allow-empty"),
                "{path} {format}: {}",
                o.stderr
            );
        }
        let o = run_in(dir.path(), &["lint", path, "--allow-empty"]);
        assert_eq!(o.code, 0, "{path}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains("relayctl: 0 files checked"),
            "{}",
            o.stderr
        );
    }
    // A directory with something to check is not affected.
    fs::write(dir.path().join("empty/relay.toml"), RELAY_TOML).expect("write");
    let o = run_in(dir.path(), &["lint", "empty"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

/// A path that does not exist is said to be one (not "lint the text file itself"), and is an
/// input error like any unreadable file (exit 3; issue 9).
#[test]
fn a_missing_file_is_said_to_be_missing() {
    let dir = tree(&[]);
    let o = run_in(dir.path(), &["lint", "nosuch.cf"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("nosuch.cf: error: nosuch.cf: no such file [unreadable]"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("fix: Check the path: nosuch.cf does not exist"),
        "{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("Lint the text configuration file itself"),
        "{}",
        o.stdout
    );
    let o = run_in(dir.path(), &["lint", "nosuch.cf", "--format", "json"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    let f = &v["data"]["files"][0]["findings"][0];
    assert_eq!(f["rule"], "unreadable", "{f}");
    assert!(f["fix"].as_str().unwrap().contains("does not exist"), "{f}");
}

/// An unknown `site.mta` is refused where relay.toml is read, with its line, the targets and
/// the near one (issue 9: it was accepted until `gen` used it, and lint said nothing).
#[test]
fn an_unknown_site_mta_is_refused_at_its_line() {
    let toml = format!("{RELAY_TOML}mta = \"postfx\"\n");
    let line = toml.lines().count();
    let dir = tree(&[
        ("relay.toml", &toml),
        ("main.cf", "relayhost = [smtp-relay.gmail.com]:587\n"),
    ]);
    let expect = format!(
        "relay.toml:{line}: site.mta: \"postfx\" is not a target; use one of: postfix, sendmail, qmail, exchange, domino, groupwise, macos, exim, opensmtpd, msmtp, console; did you mean \"postfix\"?"
    );
    for args in [
        &["lint", "--config", "relay.toml", "main.cf"][..],
        &["gen", "--config", "relay.toml"][..],
        &["gen", "postfix", "--config", "relay.toml"][..],
    ] {
        let o = run_in(dir.path(), args);
        assert_eq!(o.code, 3, "{args:?}: {}{}", o.stdout, o.stderr);
        assert_eq!(
            o.stderr.trim_end(),
            format!("relayctl: {expect}"),
            "{args:?}"
        );
    }
    let o = run_in(dir.path(), &["lint", "relay.toml"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains(&format!("relay.toml:{line}:1: error: site.mta: \"postfx\"")),
        "{}",
        o.stdout
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
        (
            "sendmail",
            &["--auth", "smtp-auth", "--auth-user", "relay@example.com"][..],
        ),
        ("exim", &[][..]),
        (
            "exim",
            &["--auth", "smtp-auth", "--auth-user", "relay@example.com"][..],
        ),
        ("opensmtpd", &[][..]),
        (
            "opensmtpd",
            &["--auth", "smtp-auth", "--auth-user", "relay@example.com"][..],
        ),
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
        ("qmail", &["--no-require-tls"][..]),
        ("exchange", &["--edition", "2016", "--as", "commands"][..]),
        (
            "exchange",
            &[
                "--edition",
                "2019",
                "--as",
                "commands",
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
        // Exchange's output is commands, not files: they go into a .ps1 script.
        let ems: Vec<&str> = doc["data"]["commands"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["shell"] == "powershell")
            .filter_map(|c| c["line"].as_str())
            .collect();
        if !ems.is_empty() {
            fs::write(etc.join("connector.ps1"), ems.join("\n") + "\n").expect("write");
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
        if extra.contains(&"smtp-auth") || extra.contains(&"--no-require-tls") {
            toml = if extra.contains(&"smtp-auth") {
                RELAY_TOML.replace("authentication = \"ip\"", "authentication = \"smtp-auth\"")
            } else {
                RELAY_TOML.replace("require_tls = true", "require_tls = false")
            };
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

/// A rule, the files that make it fire (name, text), and the relay.toml to judge by.
type Case<'a> = (&'a str, Vec<(&'a str, String)>, Option<&'a str>);

/// One case per rule: files that must make it fire (with relay.toml when the rule judges
/// against the console setting). A rule without a case fails the test.
#[test]
fn every_rule_fires_on_its_fixture() {
    const GOOD: &str = "relayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = secure\nsmtp_helo_name = mail.example.com\ninet_protocols = ipv4\n";
    let auth_toml = RELAY_TOML.replace("authentication = \"ip\"", "authentication = \"smtp-auth\"");
    let internal_toml = RELAY_TOML.replace(
        "domains = [\"example.com\"]",
        "domains = [\"example.com\"]\ninternal_domains = [\"corp.example.com\"]",
    );
    let cases: Vec<Case> = vec![
        ("syntax", vec![("main.cf", format!("{GOOD}this is not a parameter\n"))], None),
        ("unreadable", vec![("main.cf", "relayhost\0=\n".into())], None),
        ("no-relay-host", vec![("main.cf", "smtp_helo_name = mail.example.com\n".into())], None),
        ("relay-host-typo", vec![("main.cf", GOOD.replace("gmail", "gmial"))], None),
        ("relay-host-not-google", vec![("main.cf", GOOD.replace("smtp-relay.gmail.com", "smtp.sendgrid.net"))], None),
        ("port-not-relay", vec![("main.cf", GOOD.replace(":587", ":2525"))], None),
        ("port-465-without-tls-wrapper", vec![("main.cf", GOOD.replace(":587", ":465"))], None),
        ("tls-wrapper-not-465", vec![("main.cf", format!("{GOOD}smtp_tls_wrappermode = yes\n"))], None),
        ("tls-not-mandatory", vec![("main.cf", GOOD.replace("secure", "may"))], None),
        ("sasl-over-opportunistic-tls", vec![("main.cf", format!("{}smtp_sasl_auth_enable = yes\n", GOOD.replace("secure", "may")))], None),
        ("tls-not-verified", vec![("main.cf", format!("{}smtp_sasl_auth_enable = yes\n", GOOD.replace("secure", "encrypt")))], None),
        ("sasl-with-ip-auth", vec![("main.cf", format!("{GOOD}smtp_sasl_auth_enable = yes\n"))], Some(RELAY_TOML)),
        ("no-sasl-with-smtp-auth", vec![("main.cf", GOOD.into())], Some(auth_toml.as_str())),
        ("password-map-key-mismatch", vec![
            ("main.cf", format!("{GOOD}smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n")),
            ("sasl_passwd", "[smtp-relay.gmail.com]:465 relay@example.com:secret-Pa55\n".into()),
        ], None),
        ("password-map-missing", vec![("main.cf", format!("{GOOD}smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"))], None),
        ("relayhost-without-brackets", vec![("main.cf", GOOD.replace("[smtp-relay.gmail.com]", "smtp-relay.gmail.com"))], None),
        ("helo-generic", vec![("main.cf", GOOD.replace("mail.example.com", "localhost"))], None),
        ("helo-default", vec![("main.cf", GOOD.replace("smtp_helo_name = mail.example.com\n", ""))], None),
        ("helo-not-in-domains", vec![("main.cf", GOOD.replace("mail.example.com", "mail.other.example"))], Some(RELAY_TOML)),
        ("connection-reuse-off", vec![("main.cf", format!("{GOOD}smtp_connection_cache_on_demand = no\n"))], None),
        ("sendmail-datafinal-too-short", vec![("sendmail.mc", "define(`SMART_HOST', `[smtp-relay.gmail.com]')dnl\ndefine(`confTO_DATAFINAL', `30m')dnl\n".into())], None),
        ("qmail-timeoutsmtpd-too-short", vec![("smtproutes", ":smtp-relay.gmail.com:587\n".into()), ("timeoutsmtpd", "600\n".into())], None),
        ("internal-domain-via-google", vec![("main.cf", GOOD.into())], Some(internal_toml.as_str())),
        ("ipv6-egress-with-ipv4-ranges", vec![("main.cf", GOOD.replace("inet_protocols = ipv4", "inet_protocols = all"))], Some(RELAY_TOML)),
        ("too-many-recipients", vec![("main.cf", format!("{GOOD}smtp_destination_recipient_limit = 500\n"))], None),
        ("consumer-gmail-credentials", vec![
            ("main.cf", format!("{GOOD}smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n")),
            ("sasl_passwd", "[smtp-relay.gmail.com]:587 someone@gmail.com:secret-Pa55\n".into()),
        ], None),
        ("relay-toml-invalid", vec![("relay.toml", "[console]\nauthentication = 7\n".into())], None),
        ("unresolved-value", vec![("main.cf", GOOD.replace("[smtp-relay.gmail.com]:587", "${RELAY_HOST}"))], None),
    ];
    let mut covered = std::collections::HashSet::new();
    for (rule, files, config) in &cases {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            fs::write(dir.path().join(name), text).expect("write");
        }
        let first = files[0].0;
        let mut args = vec!["lint", first, "--format", "json"];
        if let Some(toml) = config {
            fs::write(dir.path().join("setting.toml"), toml).expect("write");
            args.extend(["--config", "setting.toml"]);
        }
        let o = run_in(dir.path(), &args);
        let v: serde_json::Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{rule}: {e}: {}{}", o.stdout, o.stderr));
        let fired: Vec<String> = v["data"]["files"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
            .map(|x| x["rule"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(
            fired.iter().any(|r| r == rule),
            "{rule} did not fire: {fired:?}"
        );
        covered.insert(*rule);
    }
    for r in relayctl::lint::RULES {
        assert!(covered.contains(r.id), "rule {} has no fixture here", r.id);
    }
    // The clean file passes.
    let dir = tree(&[("main.cf", GOOD)]);
    let o = run_in(dir.path(), &["lint", "main.cf", "--fail-on", "warning"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

/// tls-not-verified: TLS that takes any certificate is an error when SMTP AUTH sends the
/// password through it, a warning without; Postfix `secure` and sendmail `VERIFY` pass.
#[test]
fn unverified_tls_is_an_error_with_credentials_and_a_warning_without() {
    const MAIN: &str = "relayhost = [smtp-relay.gmail.com]:587\nsmtp_helo_name = mail.example.com\ninet_protocols = ipv4\n";
    const MC: &str = "FEATURE(`access_db')dnl\nFEATURE(`authinfo')dnl\ndefine(`SMART_HOST', `[smtp-relay.gmail.com]')dnl\ndefine(`RELAY_MAILER_ARGS', `TCP $h 587')dnl\ndefine(`confHELO_NAME', `mail.example.com')dnl\n";
    const AUTHINFO: &str =
        "AuthInfo:smtp-relay.gmail.com \"U:relay@example.com\" \"P:secret-Pa55\" \"M:PLAIN\"\n";
    let postfix = |level: &str, sasl: bool| {
        let mut text = format!("{MAIN}smtp_tls_security_level = {level}\n");
        if sasl {
            text.push_str("smtp_sasl_auth_enable = yes\n");
        }
        vec![("main.cf", text)]
    };
    let sendmail = |access: &str, sasl: bool| {
        let mut files = vec![
            ("sendmail.mc", MC.to_owned()),
            (
                "access",
                format!("TLS_Srv:smtp-relay.gmail.com\t{access}\n"),
            ),
        ];
        if sasl {
            files.push(("authinfo", AUTHINFO.to_owned()));
        }
        files
    };
    // (name, files, the severity tls-not-verified must have, or None when it must not fire)
    let cases: Vec<Case> = vec![
        (
            "postfix encrypt + SASL",
            postfix("encrypt", true),
            Some("error"),
        ),
        ("postfix may + SASL", postfix("may", true), Some("error")),
        (
            "postfix encrypt",
            postfix("encrypt", false),
            Some("warning"),
        ),
        ("postfix may", postfix("may", false), None),
        ("postfix secure + SASL", postfix("secure", true), None),
        ("postfix verify + SASL", postfix("verify", true), None),
        (
            "sendmail ENCR + AuthInfo",
            sendmail("ENCR:128", true),
            Some("error"),
        ),
        (
            "sendmail ENCR",
            sendmail("ENCR:128", false),
            Some("warning"),
        ),
        (
            "sendmail VERIFY+CN + AuthInfo",
            sendmail("VERIFY:128+CN:smtp-relay.gmail.com", true),
            None,
        ),
    ];
    for (name, files, want) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        for (f, text) in &files {
            fs::write(dir.path().join(f), text).expect("write");
        }
        let o = run_in(dir.path(), &["lint", files[0].0, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}{}", o.stdout, o.stderr));
        let got: Vec<String> = v["data"]["files"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
            .filter(|x| x["rule"] == "tls-not-verified")
            .map(|x| x["severity"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            got.first().map(String::as_str),
            want,
            "{name}: {}",
            o.stdout
        );
        if want.is_some() {
            assert!(
                o.stdout.contains("secure") || o.stdout.contains("VERIFY"),
                "{name}: the fix is named"
            );
        }
    }
}

#[test]
fn hostile_files_end_with_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    // Over the 50 MB bound: refused without being parsed.
    let big = fs::File::create(p.join("big.cf")).expect("create");
    big.set_len(50 * 1024 * 1024 + 1).expect("sparse file");
    // One logical line of 10 MB of continuation lines.
    let mut cont = String::from("relayhost = [smtp-relay.gmail.com]:587\nmydestination = a\n");
    cont.push_str(&" b\n".repeat(3_000_000));
    fs::write(p.join("cont.cf"), cont).expect("write");
    // An m4 quote that never ends.
    fs::write(
        p.join("open.mc"),
        "define(`SMART_HOST', `[smtp-relay.gmail.com]\n".repeat(1000),
    )
    .expect("write");
    // Invalid UTF-8 on line 2.
    fs::write(
        p.join("latin1.cf"),
        b"relayhost = [smtp-relay.gmail.com]:587\n# caf\xe9\n",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let o = run_in(
        p,
        &[
            "lint",
            "big.cf",
            "cont.cf",
            "open.mc",
            "latin1.cf",
            "--type",
            "postfix",
            "--format",
            "json",
        ],
    );
    assert!(started.elapsed().as_secs() < 60, "bounded time");
    let v: serde_json::Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", o.stdout, o.stderr));
    let files = v["data"]["files"].as_array().expect("files");
    assert_eq!(files.len(), 4, "{}", o.stdout);
    assert_eq!(files[0]["findings"][0]["rule"], "unreadable");
    assert!(files[3]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "syntax" && f["span"]["line"] == 2));
    // The unterminated quote, read as sendmail.mc.
    let o = run_in(p, &["lint", "open.mc", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert!(
        v["data"]["files"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "syntax"),
        "{}",
        o.stdout
    );
}

/// Values quoted from a file someone else wrote, and its path, are shown with their control
/// characters escaped in text output (JSON keeps them: its encoder escapes them).
#[test]
fn control_characters_from_the_file_are_escaped() {
    let evil_dir = "conf\x1b]0;pwned\x07";
    let dir = tree(&[(
        &format!("{evil_dir}/main.cf"),
        "relayhost = smtp-relay.gmail.com\x1b]52;c;eA==\x07\x1b[2K\u{9b}31m:587\nmyhostname = mail.example.com\n",
    )]);
    let o = run_in(dir.path(), &["lint", "."]);
    assert_eq!(o.code, 0, "warnings only: {}{}", o.stdout, o.stderr);
    for bad in ['\x1b', '\x07', '\u{9b}'] {
        assert!(!o.stdout.contains(bad), "{bad:?}: {:?}", o.stdout);
        assert!(!o.stderr.contains(bad), "{bad:?}: {:?}", o.stderr);
    }
    assert!(
        o.stdout
            .contains("write [smtp-relay.gmail.com\\x1b]52;c;eA==\\x07\\x1b[2K\\u{9b}31m]:587"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("./conf\\x1b]0;pwned\\x07/main.cf:1:"),
        "{}",
        o.stdout
    );
    // GitHub annotations go to a CI log: the runner decodes only %25, %0D, %0A (and %3A,
    // %2C in properties), so the rest is escaped as in text.
    let o = run_in(dir.path(), &["lint", ".", "--format", "github"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    for bad in ['\x1b', '\x07', '\u{9b}'] {
        assert!(!o.stdout.contains(bad), "github {bad:?}: {:?}", o.stdout);
    }
    assert!(
        o.stdout
            .contains("::warning file=./conf\\x1b]0;pwned\\x07/main.cf,"),
        "{}",
        o.stdout
    );
    // JSON escapes C0 controls itself (\u001b) and leaves the value as it was.
    let o = run_in(dir.path(), &["lint", ".", "--format", "json"]);
    assert!(!o.stdout.contains('\x1b'), "json");
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert!(
        v.to_string().contains("\\u001b]52;c;eA=="),
        "json keeps the value"
    );
}

/// Runs `relayctl ARGS` in `dir`, killing it (and failing) past a generous bound.
fn run_bounded(dir: &Path, args: &[&str]) -> crate::support::Run {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    // A walk that stays in its tree takes milliseconds; a walk of the whole filesystem
    // takes far longer than this on any machine with a real one.
    let limit = crate::support::ends_by(Duration::from_secs(2));
    let mut child = crate::support::relayctl_in(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relayctl starts");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("relayctl {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    crate::support::Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Symbolic links below a directory given are not followed without --follow (as ripgrep
/// without -L), to directories and to files alike; paths given are read even when they
/// are links (issue 10).
#[test]
fn symlinks_leave_the_tree_only_with_follow() {
    let dir = tree(&[
        ("tree/etc/postfix/notes.txt", "x"),
        (
            "outside/postfix/main.cf",
            "relayhost = [smtp-relay.gmial.com]:587\nsmtp_tls_security_level = encrypt\n",
        ),
    ]);
    let root = dir.path();
    std::os::unix::fs::symlink(root.join("outside/postfix"), root.join("tree/etc/linked"))
        .expect("symlink to a directory");
    std::os::unix::fs::symlink(
        root.join("outside/postfix/main.cf"),
        root.join("tree/etc/postfix/main.cf"),
    )
    .expect("symlink to a file");

    // Not followed: nothing to check (3), and the notes say why.
    let o = run_bounded(root, &["lint", "tree"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("relay-host-typo"), "{}", o.stdout);
    for link in ["tree/etc/linked", "tree/etc/postfix/main.cf"] {
        assert!(
            o.stderr
                .contains(&format!("note: {link}: symbolic link, not followed")),
            "{link}: {}",
            o.stderr
        );
    }
    let o = run_bounded(root, &["lint", "tree", "--allow-empty"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("relayctl: 0 files checked"),
        "{}",
        o.stderr
    );

    // --follow (and -L): both links are read, the same file once through each path.
    for flag in ["--follow", "-L"] {
        let o = run_bounded(root, &["lint", flag, "tree"]);
        assert_eq!(o.code, 1, "{flag}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stdout.contains(
                "tree/etc/linked/main.cf:1:13: error: relay host \"smtp-relay.gmial.com\""
            ),
            "{flag}: {}",
            o.stdout
        );
        assert!(
            o.stdout.contains("tree/etc/postfix/main.cf:1:13: error:"),
            "{flag}: {}",
            o.stdout
        );
        assert!(
            o.stderr.contains("relayctl: 2 files checked"),
            "{}",
            o.stderr
        );
    }

    // Links given as paths are read without --follow.
    for given in ["tree/etc/linked", "tree/etc/postfix/main.cf"] {
        let o = run_bounded(root, &["lint", given]);
        assert_eq!(o.code, 1, "{given}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stdout.contains("[relay-host-typo]"),
            "{given}: {}",
            o.stdout
        );
    }
}

/// `lint /proc/self` walked the whole filesystem through /proc/self/root (and a link to `/`
/// inside a tree did the same): now they end at once with nothing to check.
#[test]
fn a_link_to_the_root_is_not_walked() {
    let dir = tree(&[("tree/notes.txt", "x")]);
    std::os::unix::fs::symlink("/", dir.path().join("tree/everything")).expect("symlink");
    let mut paths = vec!["tree"];
    if Path::new("/proc/self/root").exists() {
        paths.push("/proc/self");
    }
    for path in paths {
        let o = run_bounded(dir.path(), &["lint", path]);
        assert_eq!(o.code, 3, "{path}: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.is_empty(), "{path}: {}", o.stdout);
        assert!(
            o.stderr
                .contains("no configuration file relayctl recognises"),
            "{path}: {}",
            o.stderr
        );
        let o = run_bounded(dir.path(), &["lint", path, "--allow-empty"]);
        assert_eq!(o.code, 0, "{path}: {}{}", o.stdout, o.stderr);
    }
}

/// A FIFO with a recognised name in a walked tree is noted, not opened (opening it would
/// block until a writer came).
#[test]
fn a_fifo_in_a_tree_is_not_read() {
    let dir = tree(&[("tree/relay.toml", RELAY_TOML)]);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("tree/main.cf"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: skipped");
        return;
    }
    let o = run_bounded(dir.path(), &["lint", "tree"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("note: tree/main.cf: not a regular file, not read"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("relayctl: 1 file checked"),
        "{}",
        o.stderr
    );
}

/// Issue 13's regression: with `authentication = "both"` the console requires SMTP AUTH as
/// much as with `smtp-auth` (gen writes `smtp_sasl_auth_enable = yes` for it), so a main.cf
/// without SASL is an error, not a pass. One policy: lint asks the same question as the plan.
#[test]
fn authentication_both_requires_sasl_like_smtp_auth() {
    let main_cf = "relayhost = [smtp-relay.gmail.com]:587\n\
                   smtp_tls_security_level = secure\n\
                   smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n\
                   smtp_helo_name = mail.example.com\n\
                   inet_protocols = ipv4\n";
    for (auth, fires) in [("both", true), ("smtp-auth", true), ("ip", false)] {
        let toml = RELAY_TOML.replace(
            "authentication = \"ip\"",
            &format!("authentication = \"{auth}\""),
        );
        let dir = tree(&[("main.cf", main_cf), ("relay.toml", &toml)]);
        let o = run_in(
            dir.path(),
            &[
                "lint",
                "main.cf",
                "--config",
                "relay.toml",
                "--format",
                "json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{auth}: {e}: {}{}", o.stdout, o.stderr));
        let rules: Vec<String> = v["data"]["files"][0]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!("{} {}", f["rule"], f["severity"]))
            .collect();
        let has = rules
            .iter()
            .any(|r| r == "\"no-sasl-with-smtp-auth\" \"error\"");
        assert_eq!(has, fires, "authentication = {auth}: {rules:?}");
        assert_eq!(o.code, if fires { 1 } else { 0 }, "{auth}: {rules:?}");
    }
}

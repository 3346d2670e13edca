//! `relayctl lint --format json` on configurations embedded in containers and scripts
//! (tests/corpus cases, and small compose/Kubernetes files written here): each is judged
//! as the main.cf (or update-exim4.conf.conf) the image or script produces, so it must
//! draw the same findings as that file written out by hand; files relayctl cannot judge
//! are reported as unsupported (exit 3).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::run_in;

fn corpus(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(case)
}

/// Writes `files` into a temp dir.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    dir
}

/// A finding as (rule, severity, line).
type Found = (String, String, i64);

/// Lints `path` (in `dir`) as JSON: the exit code and, per file, its type and its
/// findings sorted.
fn lint(dir: &Path, path: &str) -> (i32, Vec<(String, Vec<Found>)>) {
    let o = run_in(dir, &["lint", "--format", "json", path]);
    let v: Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", o.stdout, o.stderr));
    let files = v["data"]["files"].as_array().expect("files").iter();
    let files = files
        .map(|f| {
            let mut found: Vec<Found> = f["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|x| {
                    (
                        x["rule"].as_str().unwrap_or("").to_owned(),
                        x["severity"].as_str().unwrap_or("").to_owned(),
                        x["span"]["line"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            found.sort();
            (f["file_type"].as_str().unwrap_or("").to_owned(), found)
        })
        .collect();
    (o.code, files)
}

/// The (rule, severity) pairs, without lines: what a file and its hand-written
/// equivalent must share.
fn judged(findings: &[Found]) -> Vec<(String, String)> {
    // Placeholders are named where the file has them (tested on their own below); the
    // plan, not the spelling, must be the same.
    let mut v: Vec<(String, String)> = findings
        .iter()
        .filter(|(r, _, _)| r != "unresolved-value")
        .map(|(r, s, _)| (r.clone(), s.clone()))
        .collect();
    v.sort();
    v
}

/// Lints the equivalent main.cf written out.
fn main_cf(text: &str) -> Vec<(String, String)> {
    let dir = tree(&[("main.cf", text)]);
    let (_, files) = lint(dir.path(), "main.cf");
    judged(&files[0].1)
}

#[test]
fn boky_env_is_judged_as_the_main_cf_the_image_writes() {
    // Corpus 22: RELAYHOST without brackets, and the image's default smtp_tls_security_level = may.
    let (code, files) = lint(&corpus("22-bokysan-readme-google-env"), ".env");
    // Warnings only: lint fails on errors by default.
    assert_eq!(code, 0);
    assert_eq!(files[0].0, "env");
    assert_eq!(
        judged(&files[0].1),
        main_cf(
            "relayhost = smtp-relay.gmail.com:587\nsmtp_tls_security_level = may\nsmtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n"
        )
    );
    // The relay host is reported on the RELAYHOST line.
    assert!(
        files[0]
            .1
            .iter()
            .any(|(r, _, l)| r == "relayhost-without-brackets" && *l == 1),
        "{files:?}"
    );
}

#[test]
fn boky_compose_with_sasl_is_judged_as_may_with_sasl() {
    let dir = tree(&[(
        "docker-compose.yml",
        "services:\n  relay:\n    image: boky/postfix:latest\n    hostname: mx1.corp.invalid\n    environment:\n      - RELAYHOST=[smtp-relay.gmail.com]:587\n      - RELAYHOST_USERNAME=relay@corp.invalid\n      - RELAYHOST_PASSWORD=${RELAY_PASSWORD}\n",
    )]);
    let (code, files) = lint(dir.path(), "docker-compose.yml");
    assert_eq!(code, 1);
    assert_eq!(files[0].0, "compose");
    assert_eq!(
        judged(&files[0].1),
        main_cf(
            "relayhost = [smtp-relay.gmail.com]:587\nsmtp_tls_security_level = may\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_security_options = noanonymous\nmyhostname = mx1.corp.invalid\n"
        )
    );
    // SMTP AUTH over may is an error, placed on the variable that turned AUTH on.
    assert!(
        files[0]
            .1
            .iter()
            .any(|(r, s, l)| r == "sasl-over-opportunistic-tls" && s == "error" && *l == 7),
        "{files:?}"
    );
}

#[test]
fn kubernetes_deployment_with_a_config_map_beside_it() {
    let dir = tree(&[
        (
            "k8s/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: relay\nspec:\n  template:\n    spec:\n      containers:\n        - name: relay\n          image: mailserver/docker-mailserver:latest\n          envFrom:\n            - configMapRef:\n                name: relay\n",
        ),
        (
            "k8s/relay-config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: relay\ndata:\n  RELAY_HOST: smtp-relay.gmail.com\n  RELAY_PORT: \"587\"\n",
        ),
    ]);
    let (code, files) = lint(dir.path(), "k8s");
    // The ConfigMap alone is read with the Deployment, not on its own.
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].0, "kubernetes");
    assert_eq!(
        judged(&files[0].1),
        main_cf(
            "relayhost = [smtp-relay.gmail.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_security_options = noanonymous\nsmtp_tls_security_level = encrypt\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn entrypoint_scripts_are_judged_as_their_postconf_lines() {
    // Corpus 27: seven postconf -e lines.
    let (_, files) = lint(
        &corpus("27-therevoman-ses-postconf"),
        "cch-postfix-config.sh",
    );
    assert_eq!(files[0].0, "shell");
    let text = fs::read_to_string(corpus("27-therevoman-ses-postconf/cch-postfix-config.sh"))
        .expect("read");
    let lines: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("postconf -e \""))
        .map(|l| format!("{}\n", l.trim_end_matches('"')))
        .collect();
    assert_eq!(lines.lines().count(), 7);
    assert_eq!(judged(&files[0].1), main_cf(&lines));
    // Corpus 13: loganmarchione's entrypoint; relay host and port are variables, and the
    // map the script writes is keyed like relayhost (no key mismatch).
    let (_, files) = lint(&corpus("13-loganmarchione-postfixrelay-entrypoint"), ".");
    assert_eq!(files.len(), 1);
    let rules: Vec<&str> = files[0].1.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(rules.contains(&"tls-not-verified"), "{rules:?}");
    assert!(!rules.contains(&"password-map-key-mismatch"), "{rules:?}");
    assert!(!rules.contains(&"syntax"), "{rules:?}");
}

#[test]
fn namshi_compose_without_relay_variables_delivers_directly() {
    // Corpus 40: no GMAIL_*/SES_*/SMARTHOST_*: Exim's `internet` configuration.
    let (_, files) = lint(
        &corpus("40-namshi-57-compose-no-relay"),
        "docker-compose.yml",
    );
    let dir = tree(&[(
        "update-exim4.conf.conf",
        "dc_eximconfig_configtype='internet'\n",
    )]);
    let (_, exim) = lint(dir.path(), "update-exim4.conf.conf");
    let mut expected = judged(&exim[0].1);
    // MAILNAME=mailer is the HELO name, a single label.
    expected.push(("helo-generic".into(), "error".into()));
    expected.sort();
    assert_eq!(judged(&files[0].1), expected);
}

#[test]
fn files_relayctl_cannot_judge_are_unsupported() {
    for (case, file, what) in [
        ("16-postfixrelay-62-sasl-ip-auth-log", "mail.log", "a log"),
        (
            "43-alterrebe-compose-tls-verify-may",
            "docker-compose.yml",
            "alterrebe/postfix-relay",
        ),
        ("30-justintime-ssmtp-gmail", "ssmtp.conf", "ssmtp"),
        (
            "03-tianon-exim4-entrypoint",
            "docker-entrypoint.sh",
            "Debian Exim",
        ),
        ("39-namshi-36-exim-ipv6-log", "exim.log", "a log"),
    ] {
        let dir = corpus(case);
        let o = run_in(&dir, &["lint", "--format", "json", file]);
        assert_eq!(o.code, 3, "{case}: {}{}", o.stdout, o.stderr);
        let v: Value = serde_json::from_str(&o.stdout).expect("json");
        let f = &v["data"]["files"][0]["findings"][0];
        assert_eq!(f["rule"], "unreadable", "{case}");
        let message = f["message"].as_str().unwrap_or("");
        assert!(
            message.contains("unsupported") && message.contains(what),
            "{case}: {message}"
        );
    }
    // In a walk, such a file is a note, not a failure of the files that are read.
    let o = run_in(&corpus("20-namshi-smtp-compose"), &["lint", "."]);
    assert!(
        o.stderr.contains("entrypoint.sh: not read: unsupported"),
        "{}",
        o.stderr
    );
}

/// A placeholder is said, not judged: `RELAYHOST=${RELAY_HOST}` is a note naming the
/// setting, not "relay host is not Google's" about the text `${RELAY_HOST}`; a default
/// (`${PORT:-587}`) is judged as that default. Never a syntax error.
#[test]
fn placeholders_are_named_not_judged() {
    let dir = tree(&[(
        "docker-compose.yml",
        "services:\n  relay:\n    image: boky/postfix\n    environment:\n      RELAYHOST: ${RELAY_HOST}\n      RELAYHOST_TLS_LEVEL: secure\n      POSTFIX_smtp_helo_name: mail.example.org\n",
    )]);
    let (_, files) = lint(dir.path(), "docker-compose.yml");
    let rules: Vec<&str> = files[0].1.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(rules.contains(&"unresolved-value"), "{files:?}");
    for judged in ["relay-host-not-google", "relay-host-typo", "syntax"] {
        assert!(
            !rules.contains(&judged),
            "{judged} judged a placeholder: {files:?}"
        );
    }
}

//! Postfix 3.7 (Debian 12): generated main.cf lines merged into Debian's default main.cf,
//! checked with `postconf -n`, `postfix check`, the smtp(8) client started stand-alone (it
//! validates smtp_* values), and `postmap` lookups of sasl_passwd.

use crate::gen::{generate, rewrite_paths, Generated, Scenario};
use crate::harness::{
    cache, lines_with, run, run_commands, run_stdout_null, write_lines, Output, TIMEOUT,
};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Parameters set by the test scaffolding (not by relayctl): where the extracted Postfix lives,
/// temp queue/data directories, logging to stdout, and the environment the wrappers need.
const SCAFFOLD_KEYS: &[&str] = &[
    "daemon_directory",
    "shlib_directory",
    "command_directory",
    "meta_directory",
    "queue_directory",
    "data_directory",
    "maillog_file",
    "import_environment",
];

/// Warnings the stand-alone smtp(8) logs because no master(8)/tlsmgr(8) is running.
const NO_MASTER_WARNINGS: &[&str] = &[
    "connect to private/tlsmgr",
    "problem talking to server private/tlsmgr",
    "no entropy for TLS key generation",
];

/// A Postfix configuration directory built in a temp dir.
pub struct PostfixDir {
    _tmp: tempfile::TempDir,
    pub conf: PathBuf,
    pub queue: PathBuf,
    /// relayctl's `sh` commands, paths rewritten; [`validate`] runs the postconf/postmap/chmod ones
    pub commands: Vec<String>,
}

/// `name = value` pairs of main.cf lines (comments and blank lines skipped). Lines without '='
/// are returned with an empty value so the real postconf gets to reject them.
fn assignments(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// Builds the configuration directory:
/// - main.cf = Debian's default (usr/share/postfix/main.cf.debian + main.cf.tls, as postinst
///   writes it) + myhostname, minus the parameters relayctl sets, + scaffolding parameters,
///   + the generated lines verbatim (with /etc/postfix/ moved to the temp dir);
/// - master.cf = Debian's packaged default (usr/share/postfix/master.cf.dist), + generated
///   master.cf lines if any;
/// - other generated files (sasl_passwd) at their basename.
pub fn build(g: &Generated) -> PostfixDir {
    let c = cache();
    let tmp = tempfile::tempdir().expect("tempdir");
    let conf = tmp.path().join("conf");
    let queue = tmp.path().join("queue");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(&queue).unwrap();
    let g = g.map_lines(|l| rewrite_paths(l, &[("/etc/postfix/", &conf)]));

    let main = g
        .file("main.cf")
        .expect("relayctl gen postfix emits main.cf lines");
    assert!(!main.create, "main.cf is edited, not created");
    let generated = assignments(&main.lines);
    for (k, _) in &generated {
        assert!(
            !SCAFFOLD_KEYS.contains(&k.as_str()),
            "generated main.cf sets {k}, which the test scaffolding owns"
        );
    }

    let share = c.path("POSTFIX_SHARE_DIR");
    let mut base = String::new();
    for f in ["main.cf.debian", "main.cf.tls"] {
        base.push_str(&std::fs::read_to_string(share.join(f)).unwrap());
    }
    base.push_str("myhostname = relayctl-test.example.com\n");
    let mut lines: Vec<String> = base
        .lines()
        .filter(|l| {
            // drop base assignments of parameters relayctl sets ("replacing earlier settings")
            match l.split_once('=') {
                Some((k, _)) if !l.starts_with('#') && !l.starts_with(' ') => {
                    !generated.iter().any(|(gk, _)| gk == k.trim())
                }
                _ => true,
            }
        })
        .map(str::to_string)
        .collect();
    lines.push("# --- test scaffolding (tests/interop/postfix.rs)".into());
    for (k, v) in [
        ("daemon_directory", c.path("POSTFIX_DAEMON_DIR")),
        ("shlib_directory", c.path("POSTFIX_SHLIB_DIR")),
        ("command_directory", c.path("POSTFIX_COMMAND_DIR")),
        ("meta_directory", c.path("POSTFIX_META_DIR")),
        ("queue_directory", queue.clone()),
        ("data_directory", tmp.path().join("data")),
    ] {
        lines.push(format!("{k} = {}", v.display()));
    }
    // postfix(1) logs to syslog unless maillog_file is set; /dev/stdout is an allowed prefix.
    lines.push("maillog_file = /dev/stdout".into());
    // postfix(1) scrubs the environment; the extracted binaries need these to run.
    lines.push(
        "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE \
         POSTLOG_HOSTNAME LD_LIBRARY_PATH LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP"
            .into(),
    );
    lines.push("# --- generated by relayctl".into());
    lines.extend(main.lines.iter().cloned());
    write_lines(&conf.join("main.cf"), &lines);
    let mut master: Vec<String> = std::fs::read_to_string(share.join("master.cf.dist"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    if let Some(m) = g.file("master.cf") {
        master.extend(m.lines.iter().cloned());
    }
    write_lines(&conf.join("master.cf"), &master);

    for f in &g.files {
        if !matches!(f.basename(), "main.cf" | "master.cf") {
            write_lines(&conf.join(f.basename()), &f.lines);
        }
    }
    PostfixDir {
        _tmp: tmp,
        conf,
        queue,
        commands: g.commands.clone(),
    }
}

fn tool(name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(cache().tool(name));
    cmd.args(args);
    cmd
}

/// Output lines that are Postfix warnings or errors.
fn complaints(text: &str) -> Vec<&str> {
    lines_with(text, &["warning:", "fatal:", "error:", "panic:"])
}

fn no_complaints(out: Output) -> Result<Output, String> {
    let out = out.ok()?;
    let all = out.all();
    let bad = complaints(&all);
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(format!("{}\ncomplaints: {bad:#?}", out.describe()))
    }
}

/// The effective value of a parameter as Postfix reads it (`postconf -c DIR -h NAME`).
pub fn param(dir: &PostfixDir, name: &str) -> String {
    let conf = dir.conf.to_str().unwrap();
    let out = run(tool("postconf", &["-c", conf, "-h", name]), None, TIMEOUT);
    assert!(out.success(), "{}", out.describe());
    out.stdout.trim_end().to_string()
}

/// Starts the Postfix SMTP client (smtp(8)) stand-alone on this configuration and returns what
/// it logged. smtp(8) validates its parameters at start-up (TLS security level, booleans,
/// string lengths, SASL password maps) and exits 1 with a fatal: message when one is wrong.
/// Logs go to the postlog socket of the queue directory, where this test listens.
fn smtp_client_starts(dir: &PostfixDir) -> Result<(), String> {
    let sock_path = dir.queue.join("public/postlog");
    std::fs::create_dir_all(sock_path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&sock_path);
    let sock = UnixDatagram::bind(&sock_path).expect("bind postlog socket");
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut cmd = tool("postfix-smtp", &["-S", "-n", "smtp", "-t", "unix"]);
    cmd.env("MAIL_CONFIG", &dir.conf);
    let out = run_stdout_null(cmd, TIMEOUT);
    let mut log = Vec::new();
    let mut buf = [0u8; 65536];
    while let Ok(n) = sock.recv(&mut buf) {
        log.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    let log = log.join("\n");
    let bad: Vec<&str> = complaints(&log)
        .into_iter()
        .filter(|l| !NO_MASTER_WARNINGS.iter().any(|w| l.contains(w)))
        .collect();
    if out.success() && bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "smtp(8) start-up failed: {}\nlog:\n{log}",
            out.describe()
        ))
    }
}

/// Runs relayctl's commands that configure files: `postconf ...` and `postmap ...` (with
/// `-c CONFDIR` added after the program name) and `chmod ...`. `postfix check` is run by
/// [`validate`] itself; `postfix reload` and `systemctl` need a running system.
fn apply_commands(dir: &PostfixDir) -> Result<(), String> {
    run_commands(&dir.commands, |prog, rest| match prog {
        "postconf" | "postmap" => Some(format!("{prog} -c '{}' {rest}", dir.conf.display())),
        "chmod" => Some(format!("{prog} {rest}")),
        _ => None,
    })
}

/// The whole validation: relayctl's postconf/postmap commands, postconf -n (no warnings),
/// postfix check (no warnings), smtp(8) start-up, and the services main.cf relies on.
/// Err describes the first failure.
pub fn validate(dir: &PostfixDir) -> Result<(), String> {
    apply_commands(dir)?;
    let conf = dir.conf.to_str().unwrap();
    no_complaints(run(tool("postconf", &["-c", conf, "-n"]), None, TIMEOUT))
        .map_err(|e| format!("postconf -n: {e}"))?;
    no_complaints(run(tool("postfix", &["-c", conf, "check"]), None, TIMEOUT))
        .map_err(|e| format!("postfix check: {e}"))?;
    smtp_client_starts(dir)?;
    // smtp_tls_connection_reuse hands every TLS connection to tlsproxy(8) (postconf(5));
    // Debian's master.cf ships the tlsproxy service commented out.
    if param(dir, "smtp_tls_connection_reuse") == "yes" {
        let out = run(
            tool("postconf", &["-c", conf, "-M", "tlsproxy/unix"]),
            None,
            TIMEOUT,
        );
        if !out.success() || out.stdout.trim().is_empty() {
            return Err(format!(
                "smtp_tls_connection_reuse = yes but master.cf has no tlsproxy unix service \
                 (Debian's master.cf has it commented out): {}",
                out.describe()
            ));
        }
    }
    Ok(())
}

/// Checks that Postfix reads the plan the JSON describes.
fn assert_plan(dir: &PostfixDir, g: &Generated) {
    let host = g.relay_host();
    let port = g.port();
    assert_eq!(param(dir, "relayhost"), format!("[{host}]:{port}"));
    assert_eq!(param(dir, "smtp_helo_name"), g.helo());
    assert_eq!(
        param(dir, "smtp_destination_recipient_limit"),
        g.plan["max_rcpt_per_transaction"].to_string()
    );
    let (level, wrapper) = match g.tls() {
        "implicit" => ("secure", "yes"),
        "starttls" => ("secure", "no"),
        "opportunistic" => ("may", "no"),
        other => panic!("plan.tls {other} not expected for postfix"),
    };
    assert_eq!(param(dir, "smtp_tls_security_level"), level);
    assert_eq!(param(dir, "smtp_tls_wrappermode"), wrapper);
    if level == "secure" {
        // the certificate must verify against the CA file and name the relayhost's host
        assert_eq!(param(dir, "smtp_tls_secure_cert_match"), "nexthop");
        assert_eq!(
            param(dir, "smtp_tls_CAfile"),
            "/etc/ssl/certs/ca-certificates.crt"
        );
    }
    if g.plan["connection_reuse"] == true {
        assert_eq!(param(dir, "smtp_tls_connection_reuse"), "yes");
        // matched against the next-hop host name: "[host]:port" never matches
        assert_eq!(param(dir, "smtp_connection_cache_destinations"), host);
    }
    match g.sasl_user() {
        Some(user) => {
            assert_eq!(param(dir, "smtp_sasl_auth_enable"), "yes");
            // Postfix looks the password up by the relayhost value ("[host]:port").
            let maps = param(dir, "smtp_sasl_password_maps");
            let conf = dir.conf.to_str().unwrap();
            let out = run(
                tool(
                    "postmap",
                    &["-c", conf, "-q", &format!("[{host}]:{port}"), &maps],
                ),
                None,
                TIMEOUT,
            );
            assert!(out.success(), "sasl_passwd lookup: {}", out.describe());
            assert_eq!(out.stdout.trim_end(), format!("{user}:APP_PASSWORD"));
            // relayctl's chmod commands leave the source and the built table root-only
            use std::os::unix::fs::PermissionsExt;
            for f in ["sasl_passwd", "sasl_passwd.db"] {
                let mode = std::fs::metadata(dir.conf.join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f} mode {mode:o}");
            }
        }
        None => assert_eq!(param(dir, "smtp_sasl_auth_enable"), "no"),
    }
    // internal domains: transport(5) entries for the domain and its subdomains (".domain";
    // transport_maps is not in parent_domain_matches_subdomains)
    let internal = g.internal();
    if !internal.is_empty() {
        let maps = param(dir, "transport_maps");
        let conf = dir.conf.to_str().unwrap();
        for (domain, host) in internal {
            let want = match host {
                Some(h) => format!("smtp:[{h}]"),
                None => "smtp:".to_string(),
            };
            for key in [domain.clone(), format!(".{domain}")] {
                let out = run(
                    tool("postmap", &["-c", conf, "-q", &key, &maps]),
                    None,
                    TIMEOUT,
                );
                assert!(out.success(), "transport lookup {key}: {}", out.describe());
                assert_eq!(out.stdout.trim_end(), want, "transport entry for {key}");
            }
        }
    }
}

fn check(scenario: Scenario) {
    let g = generate("postfix", scenario);
    let dir = build(&g);
    if let Err(e) = validate(&dir) {
        panic!("postfix rejected relayctl's {scenario:?} config: {e}");
    }
    assert_plan(&dir, &g);
}

#[test]
fn postfix_ip_starttls_587() {
    check(Scenario::IpStarttls587);
}

#[test]
fn postfix_smtp_auth_587() {
    check(Scenario::Auth587);
}

#[test]
fn postfix_smtp_auth_implicit_tls_465() {
    check(Scenario::Auth465);
}

#[test]
fn postfix_port_25_no_require_tls() {
    check(Scenario::Port25NoRequireTls);
}

#[test]
fn postfix_internal_domain() {
    check(Scenario::InternalDomain);
}

/// The checks must be able to fail: a broken line appended to relayctl's output is caught.
fn assert_rejected(extra: &str, expect: &str) {
    let mut g = generate("postfix", Scenario::Auth587);
    let main = g
        .files
        .iter_mut()
        .find(|f| f.basename() == "main.cf")
        .unwrap();
    // replace relayctl's assignment of the same parameter, else append
    let key = extra.split_once('=').map(|(k, _)| k.trim().to_string());
    let same =
        |l: &String| key.is_some() && l.split_once('=').map(|(k, _)| k.trim().to_string()) == key;
    match main.lines.iter().position(same) {
        Some(i) => main.lines[i] = extra.to_string(),
        None => main.lines.push(extra.to_string()),
    }
    let dir = build(&g);
    match validate(&dir) {
        Ok(()) => panic!("postfix validation accepted `{extra}`"),
        Err(e) => assert!(
            e.contains(expect),
            "`{extra}` failed, but not with {expect:?}: {e}"
        ),
    }
}

#[test]
fn postfix_validation_rejects_bad_tls_level() {
    assert_rejected(
        "smtp_tls_security_level = bogus",
        "Invalid TLS level \"bogus\"",
    );
}

#[test]
fn postfix_validation_rejects_bad_boolean() {
    assert_rejected(
        "smtp_tls_wrappermode = maybe",
        "bad boolean configuration: smtp_tls_wrappermode = maybe",
    );
}

#[test]
fn postfix_validation_rejects_line_without_equals() {
    assert_rejected("relayhost [smtp-relay.gmail.com]:587", "missing '='");
}

#[test]
fn postfix_validation_rejects_unknown_parameter() {
    assert_rejected(
        "smtp_tls_wrapper_mode = yes",
        "unused parameter: smtp_tls_wrapper_mode=yes",
    );
}

#[test]
fn postfix_validation_rejects_missing_sasl_map() {
    let mut g = generate("postfix", Scenario::Auth587);
    // the map source exists but `postmap` never runs: no sasl_passwd.db
    g.commands.retain(|c| !c.starts_with("postmap"));
    let dir = build(&g);
    let e = validate(&dir).expect_err("missing sasl_passwd.db accepted");
    assert!(e.contains("sasl_passwd.db"), "{e}");
}

/// The tlsproxy check can be satisfied: relayctl's output plus the one command that enables
/// tlsproxy(8) in Debian's master.cf passes every check (and keeps passing once relayctl
/// emits that command itself: `postconf -M` is idempotent).
#[test]
fn postfix_validation_accepts_tlsproxy_enabled() {
    for scenario in [Scenario::Auth587, Scenario::InternalDomain] {
        let mut g = generate("postfix", scenario);
        let reload = g.commands.iter().position(|c| c.starts_with("postfix "));
        g.commands.insert(
            reload.unwrap_or(g.commands.len()),
            "postconf -M tlsproxy/unix='tlsproxy unix - - y - 0 tlsproxy'".to_string(),
        );
        let dir = build(&g);
        if let Err(e) = validate(&dir) {
            panic!("{scenario:?}: {e}");
        }
        assert_plan(&dir, &g);
    }
}

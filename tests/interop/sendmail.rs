//! Sendmail 8.17 (Debian 12): generated m4 lines inserted into Debian's sendmail.mc, compiled
//! with m4 + sendmail-cf, the .cf parsed by the real sendmail in address test mode (-bt:
//! routing through the smart host, access/authinfo maps built by makemap).

use crate::gen::{generate, rewrite_paths, run_gen, Generated, Scenario};
use crate::harness::{cache, run, run_commands, write_lines, Output, TIMEOUT};
use std::path::PathBuf;
use std::process::Command;

/// A compiled sendmail configuration in a temp dir.
pub struct SendmailDir {
    _tmp: tempfile::TempDir,
    /// relayctl's `sh` commands, paths rewritten
    pub commands: Vec<String>,
    pub mc: PathBuf,
    pub cf: PathBuf,
}

/// Builds the .mc and the /etc/mail files:
/// - sendmail.mc = Debian's debian/sendmail.mc from sendmail-cf (its cf paths already point
///   into the cache, see fetch-mtas.sh), with `MAIL_SETTINGS_DIR` set to the temp etc/mail
///   right after the cf.m4 include, the `/etc/mail/m4/` includes (dialup.m4, provider.m4,
///   written empty as sendmailconfig leaves them) moved to the temp dir, and the generated
///   lines inserted before `MAILER_DEFINITIONS`;
/// - the other generated files (access, authinfo) at their basename in etc/mail, on top of
///   local-host-names (`localhost`, as Debian's sendmail-base ships it);
/// - `/etc/mail/` in generated lines becomes the temp etc/mail.
pub fn build(g: &Generated) -> SendmailDir {
    let c = cache();
    let tmp = tempfile::tempdir().expect("tempdir");
    let etc_mail = tmp.path().join("etc/mail");
    let m4dir = etc_mail.join("m4");
    std::fs::create_dir_all(&m4dir).unwrap();
    for f in ["dialup.m4", "provider.m4"] {
        std::fs::write(m4dir.join(f), "").unwrap();
    }
    std::fs::write(etc_mail.join("local-host-names"), "localhost\n").unwrap();
    let g = g.map_lines(|l| rewrite_paths(l, &[("/etc/mail/", &etc_mail)]));

    let mc_lines = &g
        .file("sendmail.mc")
        .expect("relayctl gen sendmail emits sendmail.mc lines")
        .lines;
    let debian_mc =
        std::fs::read_to_string(c.path("SENDMAIL_CF_DIR").join("debian/sendmail.mc")).unwrap();
    let mut out = Vec::new();
    let mut inserted = false;
    for line in debian_mc.lines() {
        if !inserted && line.starts_with("MAILER_DEFINITIONS") {
            out.extend(mc_lines.iter().cloned());
            inserted = true;
        }
        out.push(rewrite_paths(line, &[("/etc/mail/m4/", &m4dir)]));
        if line.starts_with("include(") && line.contains("/m4/cf.m4'") {
            out.push(format!(
                "define(`MAIL_SETTINGS_DIR', `{}/')dnl",
                etc_mail.display()
            ));
        }
    }
    assert!(
        inserted,
        "no MAILER_DEFINITIONS line in Debian's sendmail.mc"
    );
    let mc = tmp.path().join("sendmail.mc");
    write_lines(&mc, &out);

    for f in &g.files {
        if f.basename() != "sendmail.mc" {
            write_lines(&etc_mail.join(f.basename()), &f.lines);
        }
    }
    let cf = tmp.path().join("sendmail.cf");
    SendmailDir {
        _tmp: tmp,
        commands: g.commands.clone(),
        mc,
        cf,
    }
}

/// sendmail -bt complaints about the .cf: `<file>: line N: ...` and readcf errors.
fn cf_complaints<'a>(out: &'a Output, cf: &str) -> Vec<&'a str> {
    let prefix = format!("{cf}: line ");
    out.stdout
        .lines()
        .chain(out.stderr.lines())
        .filter(|l| l.starts_with(&prefix) || l.contains("readcf:"))
        .collect()
}

/// Runs sendmail in address test mode on the compiled .cf with `input` (test-mode commands),
/// failing on a non-zero exit or any complaint about the .cf.
pub fn bt(dir: &SendmailDir, input: &str) -> Result<String, String> {
    let cf = dir.cf.to_str().unwrap();
    let mut cmd = Command::new(cache().tool("sendmail-mta"));
    cmd.args(["-C", cf, "-bt"]);
    let out = run(cmd, Some(input), TIMEOUT);
    let bad = cf_complaints(&out, cf);
    if out.success() && bad.is_empty() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "sendmail -bt: {}\ncomplaints: {bad:#?}",
            out.describe()
        ))
    }
}

/// m4 compile (no output on stderr: cf.m4 reports misuse there with exit 0), relayctl's
/// `makemap` and `chmod` commands (makemap gets `-C <the compiled .cf>`, which it reads for
/// TrustedUser; `make -C /etc/mail` is Debian's sendmail-base Makefile, replaced by the m4 run
/// here), then sendmail -bt must load the .cf without complaint.
pub fn validate(dir: &SendmailDir) -> Result<(), String> {
    let c = cache();
    let mut cmd = Command::new(c.tool("sendmail-m4"));
    cmd.arg(&dir.mc);
    let out = run(cmd, None, TIMEOUT);
    if !out.success() || !out.stderr.trim().is_empty() {
        return Err(format!("m4 {}: {}", dir.mc.display(), out.describe()));
    }
    std::fs::write(&dir.cf, &out.stdout).unwrap();
    run_commands(&dir.commands, |prog, rest| match prog {
        "makemap" => Some(format!("makemap -C '{}' {rest}", dir.cf.display())),
        "chmod" => Some(format!("chmod {rest}")),
        _ => None,
    })?;
    bt(dir, "$j\n").map(|_| ())
}

/// Lines of the compiled .cf starting with `prefix`.
fn cf_lines(dir: &SendmailDir, prefix: &str) -> Vec<String> {
    std::fs::read_to_string(&dir.cf)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

/// The mailer definition (`Mname, ... A=...`) of `name`, joined into one line.
fn mailer(dir: &SendmailDir, name: &str) -> String {
    let text = std::fs::read_to_string(&dir.cf).unwrap();
    let mut out = String::new();
    let mut inside = false;
    for l in text.lines() {
        if l.starts_with(&format!("M{name},")) {
            inside = true;
        } else if inside && !l.starts_with(['\t', ' ']) {
            break;
        }
        if inside {
            out.push_str(l.trim());
            out.push(' ');
        }
    }
    out
}

/// Checks that sendmail reads the plan the JSON describes.
fn assert_plan(dir: &SendmailDir, g: &Generated) {
    let host = g.relay_host();
    assert_eq!(cf_lines(dir, "DS"), vec![format!("DS[{host}]")]);
    // SMART_HOST without a mailer: prefix uses the relay mailer; the port is its A= argument.
    let relay = mailer(dir, "relay");
    assert!(
        relay.contains(&format!("A=TCP $h {}", g.port())),
        "relay mailer: {relay}"
    );
    let max_rcpt = g.plan["max_rcpt_per_transaction"].as_u64().unwrap();
    assert!(
        relay.contains(&format!("r={max_rcpt},")),
        "relay mailer lacks r={max_rcpt}: {relay}"
    );
    assert_eq!(
        cf_lines(dir, "O HeloName="),
        vec![format!("O HeloName={}", g.helo())]
    );
    let final_min = g.plan["timeouts"]["data_final_min_s"].as_u64().unwrap();
    let datafinal = cf_lines(dir, "O Timeout.datafinal=");
    assert_eq!(datafinal.len(), 1, "{datafinal:?}");
    let v = datafinal[0].trim_start_matches("O Timeout.datafinal=");
    let secs = match v.split_at(v.len() - 1) {
        (n, "h") => n.parse::<u64>().unwrap() * 3600,
        (n, "m") => n.parse::<u64>().unwrap() * 60,
        (n, "s") => n.parse::<u64>().unwrap(),
        _ => panic!("Timeout.datafinal={v}"),
    };
    assert!(
        secs >= final_min,
        "Timeout.datafinal={v} below {final_min}s"
    );
    assert!(!cf_lines(dir, "O CACertFile=").is_empty());

    // routing: any remote address goes to the relay mailer at the smart host
    let routed = bt(dir, "3,0 someone@example.org\n").unwrap();
    let expect = format!(
        "$# relay $@ [ {} ] $: someone < @ example . org >",
        host.replace('.', " . ")
    );
    assert!(
        routed
            .lines()
            .any(|l| l.starts_with("parse") && l.ends_with(&expect)),
        "3,0 someone@example.org did not route to {expect}:\n{routed}"
    );

    // Require TLS: access map TLS_Srv entry for the relay host
    if matches!(g.tls(), "starttls" | "implicit") {
        let out = bt(dir, &format!("/map access TLS_Srv:{host}\n")).unwrap();
        assert!(
            out.contains(&format!("returns VERIFY:128+CN:{host}")),
            "no TLS_Srv:{host} VERIFY entry in the access map:\n{out}"
        );
        // the tls_server ruleset (run after STARTTLS, or without it) refuses a clear
        // session, a certificate that does not verify (a self-signed impostor) and one for
        // another name (a CA-valid impostor); it accepts only the verified relay
        let verdict = |verify: &str, bits: u32, cn: &str| {
            let out = bt(
                dir,
                &format!(
                    ".D{{server_name}}{host}\n.D{{cipher_bits}}{bits}\n.D{{cn_subject}}{cn}\ntls_server {verify}\n"
                ),
            )
            .unwrap();
            out.lines()
                .rfind(|l| l.starts_with("tls_server"))
                .unwrap_or_default()
                .to_string()
        };
        let clear = verdict("NONE", 0, "");
        assert!(
            clear.contains("$# error"),
            "clear session to {host} not refused: {clear}"
        );
        let self_signed = verdict("FAIL", 256, host);
        assert!(
            self_signed.contains("$# error"),
            "unverified certificate for {host} not refused: {self_signed}"
        );
        let other_name = verdict("OK", 256, "impostor.example.net");
        assert!(
            other_name.contains("$# error") && other_name.contains("does not match"),
            "certificate for another name not refused: {other_name}"
        );
        let relay = verdict("OK", 256, host);
        assert!(relay.ends_with("returns: OK"), "{relay}");
    }
    match g.sasl_user() {
        Some(user) => {
            assert!(
                !cf_lines(dir, "Kauthinfo ").is_empty(),
                "no authinfo map in the .cf"
            );
            let out = bt(dir, &format!("/map authinfo AuthInfo:{host}\n")).unwrap();
            for want in [format!("\"I:{user}\""), "\"P:APP_PASSWORD\"".to_string()] {
                assert!(out.contains(&want), "authinfo lookup lacks {want}:\n{out}");
            }
        }
        None => assert!(cf_lines(dir, "Kauthinfo ").is_empty()),
    }
    // internal domains: mailertable routes the domain and its subdomains around the relay
    for (domain, host) in g.internal() {
        for rcpt_domain in [domain.clone(), format!("host.{domain}")] {
            let routed = bt(dir, &format!("3,0 someone@{rcpt_domain}\n")).unwrap();
            let to = host.clone().unwrap_or(rcpt_domain.clone());
            let expect = format!("$# esmtp $@ {} $:", to.replace('.', " . "));
            assert!(
                routed
                    .lines()
                    .any(|l| l.starts_with("parse") && l.contains(&expect)),
                "someone@{rcpt_domain} did not route to {expect}:\n{routed}"
            );
        }
    }
}

fn check(scenario: Scenario) {
    let g = generate("sendmail", scenario);
    let dir = build(&g);
    if let Err(e) = validate(&dir) {
        panic!("sendmail rejected relayctl's {scenario:?} config: {e}");
    }
    assert_plan(&dir, &g);
}

#[test]
fn sendmail_ip_starttls_587() {
    check(Scenario::IpStarttls587);
}

#[test]
fn sendmail_smtp_auth_587() {
    check(Scenario::Auth587);
}

#[test]
fn sendmail_port_25_no_require_tls() {
    check(Scenario::Port25NoRequireTls);
}

#[test]
fn sendmail_internal_domain() {
    check(Scenario::InternalDomain);
}

/// Sendmail 8.17's client has no TLS-on-connect (its only SMTPS is the server-side
/// DaemonPortOptions Modifier=s), so relayctl must refuse port 465 rather than emit a
/// configuration that would speak plain SMTP to an implicit-TLS port.
#[test]
fn sendmail_refuses_implicit_tls_465() {
    let run = run_gen("sendmail", Scenario::Auth465.args());
    assert!(
        !run.status.success(),
        "relayctl gen sendmail --port 465 succeeded:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("STARTTLS"),
        "no STARTTLS hint: {}",
        run.stderr
    );
}

/// The checks must be able to fail.
fn assert_rejected(extra: &str, expect: &str) {
    let mut g = generate("sendmail", Scenario::Auth587);
    let mc = g
        .files
        .iter_mut()
        .find(|f| f.basename() == "sendmail.mc")
        .unwrap();
    mc.lines.push(extra.to_string());
    let dir = build(&g);
    match validate(&dir) {
        Ok(()) => panic!("sendmail validation accepted `{extra}`"),
        Err(e) => assert!(
            e.contains(expect),
            "`{extra}` failed, but not with {expect:?}: {e}"
        ),
    }
}

#[test]
fn sendmail_validation_rejects_bad_time_value() {
    assert_rejected(
        "define(`confTO_DATAFINAL', `bogus')dnl",
        "Invalid time unit",
    );
}

#[test]
fn sendmail_validation_rejects_unknown_option() {
    assert_rejected(
        "LOCAL_CONFIG\nO BogusOption=1",
        "unknown option name BogusOption",
    );
}

#[test]
fn sendmail_validation_rejects_unknown_feature() {
    assert_rejected("FEATURE(`authinfos')dnl", "feature/authinfos.m4");
}

#[test]
fn sendmail_validation_rejects_unbalanced_quote() {
    assert_rejected(
        "define(`confHELO_NAME', `mail.example.com)dnl",
        "end of file in string",
    );
}

#[test]
fn sendmail_validation_rejects_feature_after_mailer() {
    let g = generate("sendmail", Scenario::Auth587);
    let dir = build(&g);
    let mut mc = std::fs::read_to_string(&dir.mc).unwrap();
    mc.push_str("FEATURE(`nocanonify')dnl\n");
    std::fs::write(&dir.mc, mc).unwrap();
    let e = validate(&dir).expect_err("FEATURE after MAILER accepted");
    assert!(e.contains("FEATURE() should be before MAILER()"), "{e}");
}

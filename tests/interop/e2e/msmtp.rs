//! msmtp (Debian package): `/etc/msmtprc` as `relayctl gen msmtp` writes it, used with
//! `msmtp -C FILE`; the submission is the command of gen's "verify" section
//! (`msmtp -a google -f FROM RCPT < message`). msmtp has no queue: "defer" is a non-zero
//! exit with nothing sent, and it opens one connection per message (no reuse case).
//!
//! Adaptations (besides those of e2e/mod.rs): `/etc/msmtprc` -> `-C <tmp>/etc/msmtprc`,
//! `/etc/msmtp-password` -> `<tmp>/etc/msmtp-password` (the `passwordeval` line),
//! `tls_trust_file` -> the relay's CA; `--logfile <tmp>/msmtp.log --syslog=off` on the
//! command line (the log the test reads instead of syslog).

use super::{e2e_tests, write_generated, Ctx, Instance, FROM, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{run, Output};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

struct Msmtp {
    rc: PathBuf,
    logfile: PathBuf,
    runs: Vec<Output>,
}

fn start(ctx: &Ctx, g: &Generated) -> Box<dyn Instance> {
    let etc = ctx.dir("etc");
    let ca = ctx.relay.ca.display().to_string();
    let etc_s = format!("{}/", etc.display());
    let g = g.map_lines(|l| l.replace(SYSTEM_CA, &ca).replace("/etc/", &etc_s));
    let mut rc = None;
    for f in &g.files {
        let path = PathBuf::from(f.path.replace("/etc/", &etc_s));
        write_generated(f, &path);
        if f.basename() == "msmtprc" {
            rc = Some(path);
        }
    }
    // relayctl's commands: chmod (run as written) and `msmtp --pretend` (shows the settings).
    for c in &g.commands {
        let c = c.split('#').next().unwrap().trim();
        if c.starts_with("chmod ") {
            let out = run(sh(c), None, Duration::from_secs(30));
            assert!(out.success(), "{}", out.describe());
        }
    }
    let rc = rc.expect("gen msmtp writes msmtprc");
    let logfile = ctx.tmp.path().join("msmtp.log");
    Box::new(Msmtp {
        rc,
        logfile,
        runs: Vec::new(),
    })
}

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

impl Instance for Msmtp {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let mut cmd = Command::new("msmtp");
        cmd.arg("-C")
            .arg(&self.rc)
            .arg(format!("--logfile={}", self.logfile.display()))
            .args(["--syslog=off", "--debug", "-a", "google", "-f", FROM, RCPT]);
        ctx.nss_env(&mut cmd);
        let out = run(cmd, Some(&ctx.message(subject)), Duration::from_secs(60));
        self.runs.push(out);
    }

    fn log(&self) -> String {
        let mut s = std::fs::read_to_string(&self.logfile).unwrap_or_default();
        for r in &self.runs {
            s.push_str(&r.describe());
            s.push('\n');
        }
        s
    }

    fn refused(&self) -> bool {
        self.runs
            .last()
            .is_some_and(|r| r.status.is_some() && !r.success())
    }
}

e2e_tests!("msmtp", start, {
    e2e_msmtp_ip_587_delivers: Ip587 Deliver;
    e2e_msmtp_auth_587_delivers: Auth587 Deliver;
    e2e_msmtp_auth_465_delivers: Auth465 Deliver;
    e2e_msmtp_ip_587_drop_starttls: Ip587 DropStarttls;
    e2e_msmtp_auth_587_drop_starttls: Auth587 DropStarttls;
    e2e_msmtp_ip_587_self_signed: Ip587 SelfSigned;
    e2e_msmtp_auth_587_self_signed: Auth587 SelfSigned;
    e2e_msmtp_auth_465_self_signed: Auth465 SelfSigned;
    e2e_msmtp_ip_587_wrong_name: Ip587 WrongName;
    e2e_msmtp_auth_587_wrong_name: Auth587 WrongName;
    e2e_msmtp_auth_465_wrong_name: Auth465 WrongName;
});

//! OpenSMTPD 6.8 (Debian 12, unpacked): the generated smtpd.conf lines merged into Debian's
//! packaged /etc/smtpd.conf by tests/interop/opensmtpd.rs (`build`), the secrets table written
//! with its mode, relayctl's commands run as written with the paths moved (`chown
//! root:opensmtpd`, `chmod 640`, `smtpd -n -f CONF`); `systemctl restart opensmtpd` becomes
//! the start of `smtpd -d -v -f CONF` in the foreground (its log is the test's log).
//! Submission: OpenSMTPD's `sendmail` (smtpctl), through the control socket; smtpd delivers
//! at once, no queue run is needed.
//!
//! smtpd's paths are compiled in (queue `/var/spool/smtpd`, control socket
//! `/var/run/smtpd.sock`, the privilege-separation chroot `/var/lib/opensmtpd/empty`, the
//! home of the `opensmtpd` user the harness gives nss_wrapper, and the CA bundle
//! `/etc/ssl/certs/ca-certificates.crt`), and its resolver reads /etc/hosts and
//! /etc/resolv.conf itself (no NSS). So each case runs smtpd in its own private mount
//! namespace (`Ctx::isolated`, root): per-case directories over /var/spool, /run and
//! /var/lib, the case's hosts file over /etc/hosts, and the relay's CA over the system
//! bundle (adaptation 3 of e2e/mod.rs). Nothing is created outside the temp dir and cases
//! run in parallel. The submission program enters the same namespace (`nsenter --mount`).
//!
//! Adaptations (besides those of e2e/mod.rs): `/etc/mail/` -> `<tmp>/etc/mail/`; the
//! packaged `listen on localhost` is removed (127.0.0.1:25 would be shared by every case;
//! submission goes through the control socket, not SMTP); the submission program runs with
//! group `opensmtpq` (`setpriv --regid`): the package installs smtpctl set-gid `opensmtpq`,
//! the harness removes set-id bits (nss_wrapper needs LD_PRELOAD).

use super::{e2e_tests, Ctx, Instance, FROM, PASSWORD, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{cache, run, Output};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Smtpd {
    child: Child,
    log: PathBuf,
    runs: Vec<Output>,
    /// Keeps the configuration's temp dir.
    _dir: crate::opensmtpd::SmtpdDir,
}

fn tree() -> PathBuf {
    cache().dir.join("root/opensmtpd")
}

fn group_id(name: &str) -> u32 {
    let group = std::fs::read_to_string(cache().path("NSS_WRAPPER_GROUP")).unwrap();
    let l = group
        .lines()
        .find(|l| l.starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("{name} not in the harness group file"));
    l.split(':').nth(2).unwrap().parse().unwrap()
}

fn start(ctx: &Ctx, g: &Generated) -> Box<dyn Instance> {
    let g = g.map_lines(|l| l.replace("APP_PASSWORD", PASSWORD));
    let dir = crate::opensmtpd::build(&g);
    let confdir = dir.conf.parent().unwrap().to_path_buf();
    let etc_mail = confdir.join("etc/mail");
    // smtpd's unprivileged processes read the tables and the CA through these temp dirs.
    for d in [confdir.as_path(), ctx.tmp.path(), ctx.relay.state.as_path()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Adaptation: no `listen on localhost`.
    let conf = std::fs::read_to_string(&dir.conf).unwrap();
    assert!(
        conf.lines().any(|l| l == "listen on localhost"),
        "the packaged smtpd.conf listens on localhost"
    );
    let conf: String = conf
        .lines()
        .filter(|l| *l != "listen on localhost")
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&dir.conf, conf).unwrap();
    for f in &g.files {
        if let Some(mode) = &f.mode {
            let bits = u32::from_str_radix(mode, 8).unwrap();
            let path = etc_mail.join(f.basename());
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bits)).unwrap();
        }
    }
    let mut runs = Vec::new();
    let moved = format!("{}/", etc_mail.display());
    for line in &g.commands {
        let line = line
            .split(" #")
            .next()
            .unwrap()
            .trim()
            .replace("/etc/mail/", &moved);
        let (prog, _) = line.split_once(' ').unwrap_or((&line, ""));
        let cmd = match prog {
            "chown" | "chmod" => {
                let mut c = Command::new("sh");
                c.args(["-c", &line]);
                ctx.nss_env(&mut c);
                c
            }
            "smtpd" => {
                assert_eq!(line, "smtpd -n -f /etc/smtpd.conf", "unexpected arguments");
                let mut c = Command::new(cache().tool("smtpd"));
                c.arg("-n").arg("-f").arg(&dir.conf);
                c
            }
            "systemctl" => continue,
            _ => panic!("relayctl gen opensmtpd: unexpected command {line:?}"),
        };
        let out = run(cmd, None, Duration::from_secs(60));
        let ok = out.success();
        let d = out.describe();
        runs.push(out);
        assert!(ok, "{d}");
    }

    // The compiled-in paths, per case.
    let spool = ctx.dir("var-spool");
    let rundir = ctx.dir("run");
    let lib = ctx.dir("var-lib");
    std::fs::create_dir_all(lib.join("opensmtpd/empty")).unwrap();
    for d in [&spool, &rundir, &lib] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let log = ctx.tmp.path().join("smtpd.log");
    let logfile = std::fs::File::create(&log).unwrap();
    let mut cmd = ctx.isolated(
        &tree().join("usr/sbin/smtpd"),
        &[
            (spool, "/var/spool"),
            (rundir.clone(), "/run"),
            (lib, "/var/lib"),
            (ctx.relay.ca.clone(), SYSTEM_CA),
        ],
    );
    cmd.arg("-d").arg("-v").arg("-f").arg(&dir.conf);
    ctx.nss_env(&mut cmd);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(logfile.try_clone().unwrap())
        .stderr(logfile)
        .spawn()
        .expect("start unshare ... smtpd");
    let mut s = Smtpd {
        child,
        log,
        runs,
        _dir: dir,
    };
    // Ready: the control socket exists (inside the namespace: rundir/smtpd.sock).
    let sock = rundir.join("smtpd.sock");
    let ready = super::wait_for(Duration::from_secs(60), || {
        sock.exists() || s.child.try_wait().ok().flatten().is_some()
    });
    if !ready || !sock.exists() {
        panic!("smtpd did not start:\n{}", s.log());
    }
    Box::new(s)
}

impl Instance for Smtpd {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let mut cmd = Command::new("nsenter");
        cmd.arg("--target")
            .arg(self.child.id().to_string())
            .args(["--mount", "setpriv", "--regid"])
            .arg(group_id("opensmtpq").to_string())
            .arg("--clear-groups")
            .arg(tree().join("usr/sbin/sendmail"))
            .args(["-f", FROM, RCPT]);
        ctx.nss_env(&mut cmd);
        let out = run(cmd, Some(&ctx.message(subject)), Duration::from_secs(60));
        let ok = out.success();
        let d = out.describe();
        self.runs.push(out);
        assert!(ok, "opensmtpd sendmail: {d}");
    }

    fn log(&self) -> String {
        let mut s = std::fs::read_to_string(&self.log).unwrap_or_default();
        for r in &self.runs {
            if !r.success() || !r.stderr.is_empty() {
                s.push_str(&r.describe());
            }
        }
        s
    }

    fn refused(&self) -> bool {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        // `mta error reason=...`: the session to the relay given up (certificate check
        // failed, TLS required but not offered); the TempFail delivery line follows when the
        // route's retries are over (~10 s).
        log.lines().any(|l| {
            l.contains(" mta error reason=")
                || (l.contains(" mta delivery ")
                    && (l.contains("result=\"TempFail\"") || l.contains("result=\"PermFail\"")))
        })
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        // smtpd -d stops its processes on SIGTERM; its mount namespace goes with them.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        if !super::wait_for(Duration::from_secs(10), || {
            self.child.try_wait().ok().flatten().is_some()
        }) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

e2e_tests!("opensmtpd", start, {
    e2e_opensmtpd_ip_587_delivers: Ip587 Deliver;
    e2e_opensmtpd_auth_587_delivers: Auth587 Deliver;
    e2e_opensmtpd_auth_465_delivers: Auth465 Deliver;
    e2e_opensmtpd_ip_587_drop_starttls: Ip587 DropStarttls;
    e2e_opensmtpd_auth_587_drop_starttls: Auth587 DropStarttls;
    e2e_opensmtpd_ip_587_self_signed: Ip587 SelfSigned;
    e2e_opensmtpd_auth_587_self_signed: Auth587 SelfSigned;
    e2e_opensmtpd_auth_465_self_signed: Auth465 SelfSigned;
    e2e_opensmtpd_ip_587_wrong_name: Ip587 WrongName;
    e2e_opensmtpd_auth_587_wrong_name: Auth587 WrongName;
    e2e_opensmtpd_auth_465_wrong_name: Auth465 WrongName;
    e2e_opensmtpd_ip_587_reuse: Ip587 Reuse;
    e2e_opensmtpd_auth_587_reuse: Auth587 Reuse;
    e2e_opensmtpd_auth_465_reuse: Auth465 Reuse;
});

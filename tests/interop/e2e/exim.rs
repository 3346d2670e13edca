//! Exim 4.96 (Debian 12, unpacked): the generated update-exim4.conf.conf, exim4.conf.localmacros
//! and passwd.client in a copy of the packaged /etc/exim4 (tests/interop/exim.rs `build`),
//! relayctl's commands (chown, chmod, update-exim4.conf) run as written with the paths moved;
//! `systemctl restart exim4` is not needed: there is no daemon, `exim -C CONFIG` reads the
//! built configuration. Submission: `exim -C CONFIG -odq -f FROM RCPT` (queued), then the queue
//! run `exim -C CONFIG -qqff` (two passes: route everything first, so messages for the same
//! host go over one connection).
//!
//! Adaptations (besides those of e2e/mod.rs), a block appended to exim4.conf.localmacros:
//! - `CONFDIR` = the copy of /etc/exim4 (the template reads passwd.client from CONFDIR);
//! - `SPOOLDIR` and `log_file_path` under the temp dir (the log the test reads);
//! - `MAIN_KEEP_ENVIRONMENT = NSS_WRAPPER_HOSTS`, and in the built configuration the
//!   template's `exim_path = /usr/sbin/exim4` becomes the harness's exim wrapper: Exim
//!   re-executes itself (`exim_path`) to pass a connection on to the next message (`-MC`),
//!   with a cleared environment;
//! - `REMOTE_SMTP_SMARTHOST_TLS_VERIFY_CERTIFICATES = <the relay's CA>`: Debian's smarthost
//!   transport verifies the relay (`tls_verify_hosts = *`) against the system store by default.

use super::{e2e_tests, Ctx, Instance, FROM, PASSWORD, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{cache, run, Output};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

struct Exim {
    dir: crate::exim::EximDir,
    logdir: PathBuf,
    runs: Vec<Output>,
}

fn uid_gid(name: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string(cache().path("NSS_WRAPPER_PASSWD")).unwrap();
    let l = passwd
        .lines()
        .find(|l| l.starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("{name} not in the harness passwd"));
    let f: Vec<&str> = l.split(':').collect();
    (f[2].parse().unwrap(), f[3].parse().unwrap())
}

fn start(ctx: &Ctx, g: &Generated) -> Box<dyn Instance> {
    let ca = ctx.relay.ca.display().to_string();
    let g = g.map_lines(|l| l.replace(SYSTEM_CA, &ca).replace("APP_PASSWORD", PASSWORD));
    let dir = crate::exim::build(&g);
    // Exim's remote deliveries run as Debian-exim: the temp dirs (0700) must let it through
    // to passwd.client (the packaged one too, on the IP plan) and the CA.
    for d in [
        dir.confdir.parent().unwrap(),
        ctx.tmp.path(),
        ctx.relay.state.as_path(),
    ] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The packaged passwd.client is root:Debian-exim 0640 on an installed system (the copy
    // from the unpacked tree is root's); relayctl's own chown redoes this when it writes one.
    let (_, exim_gid) = uid_gid("Debian-exim");
    std::os::unix::fs::chown(dir.confdir.join("passwd.client"), Some(0), Some(exim_gid)).unwrap();
    let spool = ctx.dir("exim-spool");
    let logdir = ctx.dir("exim-log");
    let (uid, gid) = uid_gid("Debian-exim");
    for d in [&spool, &logdir] {
        std::os::unix::fs::chown(d, Some(uid), Some(gid)).unwrap();
    }
    let macros = dir.confdir.join("exim4.conf.localmacros");
    let mut text = std::fs::read_to_string(&macros).unwrap_or_default();
    text.push_str(&format!(
        "# --- end-to-end adaptations (tests/interop/e2e/exim.rs)\n\
         CONFDIR = {}\n\
         SPOOLDIR = {}\n\
         log_file_path = {}/%slog\n\
         MAIN_KEEP_ENVIRONMENT = NSS_WRAPPER_HOSTS\n",
        dir.confdir.display(),
        spool.display(),
        logdir.display(),
    ));
    if !text.contains("TLS_VERIFY_CERTIFICATES") {
        text.push_str(&format!(
            "REMOTE_SMTP_SMARTHOST_TLS_VERIFY_CERTIFICATES = {ca}\n"
        ));
    }
    std::fs::write(&macros, text).unwrap();
    // Modes of the files relayctl creates.
    for f in &g.files {
        if let Some(mode) = &f.mode {
            use std::os::unix::fs::PermissionsExt;
            let bits = u32::from_str_radix(mode, 8).unwrap();
            std::fs::set_permissions(
                dir.confdir.join(f.basename()),
                std::fs::Permissions::from_mode(bits),
            )
            .unwrap();
        }
    }
    let mut e = Exim {
        dir,
        logdir,
        runs: Vec::new(),
    };
    let confdir = format!("{}/", e.dir.confdir.display());
    for line in g.commands.clone() {
        let line = line
            .split(" #")
            .next()
            .unwrap()
            .trim()
            .replace("/etc/exim4/", &confdir);
        let (prog, _) = line.split_once(' ').unwrap_or((&line, ""));
        let mut cmd = match prog {
            "chown" | "chmod" => {
                let mut c = Command::new("sh");
                c.args(["-c", &line]);
                ctx.nss_env(&mut c);
                c
            }
            "update-exim4.conf" => {
                assert_eq!(line, "update-exim4.conf", "unexpected arguments");
                let mut c = Command::new(cache().tool("update-exim4.conf"));
                c.arg("-d")
                    .arg(&e.dir.confdir)
                    .arg("-o")
                    .arg(&e.dir.config)
                    .env("UE4C_MAILNAME", &e.dir.mailname);
                c
            }
            "systemctl" => continue,
            _ => panic!("relayctl gen exim: unexpected command {line:?}"),
        };
        cmd.env("NSS_WRAPPER_HOSTS", &ctx.hosts);
        let out = run(cmd, None, Duration::from_secs(60));
        let ok = out.success();
        let d = out.describe();
        e.runs.push(out);
        assert!(ok, "{d}");
    }
    let config = std::fs::read_to_string(&e.dir.config).expect("update-exim4.conf ran");
    assert!(
        config.contains("\nexim_path = /usr/sbin/exim4\n"),
        "exim_path in the template"
    );
    let config = config.replace(
        "\nexim_path = /usr/sbin/exim4\n",
        &format!("\nexim_path = {}\n", cache().tool("exim").display()),
    );
    std::fs::write(&e.dir.config, config).unwrap();
    Box::new(e)
}

impl Exim {
    fn exim(&self, ctx: &Ctx, args: &[&str]) -> Command {
        let mut c = Command::new(cache().tool("exim"));
        c.arg("-C").arg(&self.dir.config).args(args);
        c.env("NSS_WRAPPER_HOSTS", &ctx.hosts);
        c
    }
}

impl Instance for Exim {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let cmd = self.exim(ctx, &["-odq", "-f", FROM, RCPT]);
        let out = run(cmd, Some(&ctx.message(subject)), Duration::from_secs(60));
        let ok = out.success();
        let d = out.describe();
        self.runs.push(out);
        assert!(ok, "exim submission: {d}");
    }

    fn flush(&mut self, ctx: &Ctx) {
        let cmd = self.exim(ctx, &["-qqff"]);
        let out = run(cmd, None, Duration::from_secs(120));
        self.runs.push(out);
    }

    fn log(&self) -> String {
        let mut s = String::new();
        for f in ["mainlog", "rejectlog", "paniclog"] {
            if let Ok(t) = std::fs::read_to_string(self.logdir.join(f)) {
                s.push_str(&format!("--- {f}\n{t}"));
            }
        }
        for r in &self.runs {
            if !r.success() || !r.stderr.is_empty() {
                s.push_str(&r.describe());
            }
        }
        s
    }

    fn refused(&self) -> bool {
        let log = std::fs::read_to_string(self.logdir.join("mainlog")).unwrap_or_default();
        log.contains(" == ") || log.contains(" ** ")
    }
}

e2e_tests!("exim", start, {
    e2e_exim_ip_587_delivers: Ip587 Deliver;
    e2e_exim_auth_587_delivers: Auth587 Deliver;
    e2e_exim_auth_465_delivers: Auth465 Deliver;
    e2e_exim_ip_587_drop_starttls: Ip587 DropStarttls;
    e2e_exim_auth_587_drop_starttls: Auth587 DropStarttls;
    e2e_exim_ip_587_self_signed: Ip587 SelfSigned;
    e2e_exim_auth_587_self_signed: Auth587 SelfSigned;
    e2e_exim_auth_465_self_signed: Auth465 SelfSigned;
    e2e_exim_ip_587_wrong_name: Ip587 WrongName;
    e2e_exim_auth_587_wrong_name: Auth587 WrongName;
    e2e_exim_auth_465_wrong_name: Auth465 WrongName;
    e2e_exim_ip_587_reuse: Ip587 Reuse;
    e2e_exim_auth_587_reuse: Auth587 Reuse;
    e2e_exim_auth_465_reuse: Auth465 Reuse;
});

//! Postfix (Debian 12, unpacked): a private instance (its own config_directory and
//! queue_directory, built by tests/interop/postfix.rs from Debian's default main.cf and
//! master.cf) with the generated main.cf lines, the generated files and relayctl's commands
//! (chmod, postmap, postconf -M tlsproxy, postfix check) run with `-c CONFDIR`; `postfix
//! reload` becomes `postfix -c CONFDIR start`. Submission: Postfix's sendmail(1) `-C CONFDIR`;
//! `postqueue -f` runs the queue.
//!
//! Adaptations (besides those of e2e/mod.rs), all after relayctl's lines so they win:
//! - scaffolding of tests/interop/postfix.rs (daemon/command directories in the unpacked
//!   tree, temp queue/data directories), `maillog_file = <tmp>/maillog` (the log the test
//!   reads), NSS_WRAPPER_HOSTS added to `import_environment` (the daemons resolve the relay
//!   through nss_wrapper);
//! - `smtp_host_lookup = native`: Postfix looks the relayhost up in DNS by default, and
//!   nss_wrapper answers only the system's getaddrinfo;
//! - every service `chroot = n` (after relayctl's `postconf -M tlsproxy/unix=...`, which asks
//!   for a chroot): a chroot would need the nss_wrapper files and the CA inside the queue dir;
//! - the inbound `smtp inet` service is removed: nothing is received, and the cases must not
//!   compete for port 25.

use super::{e2e_tests, Ctx, Instance, FROM, PASSWORD, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{cache, run, Output};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

struct Postfix {
    dir: crate::postfix::PostfixDir,
    log: PathBuf,
    hosts: PathBuf,
    started: bool,
    runs: Vec<Output>,
}

impl Postfix {
    fn tool(&self, name: &str) -> Command {
        let mut c = Command::new(cache().tool(name));
        c.env("NSS_WRAPPER_HOSTS", &self.hosts);
        c
    }

    fn conf(&self) -> String {
        self.dir.conf.display().to_string()
    }

    fn must(&mut self, cmd: Command) {
        let out = run(cmd, None, Duration::from_secs(60));
        let ok = out.success();
        let d = out.describe();
        self.runs.push(out);
        assert!(ok, "{d}");
    }
}

fn start(ctx: &Ctx, g: &Generated) -> Box<dyn Instance> {
    let ca = ctx.relay.ca.display().to_string();
    let g = g.map_lines(|l| l.replace(SYSTEM_CA, &ca).replace("APP_PASSWORD", PASSWORD));
    let dir = crate::postfix::build(&g);
    let log = ctx.tmp.path().join("maillog");
    let mut main: String = std::fs::read_to_string(dir.conf.join("main.cf"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("maillog_file") && !l.starts_with("import_environment"))
        .map(|l| format!("{l}\n"))
        .collect();
    main.push_str(&format!(
        "# --- end-to-end adaptations (tests/interop/e2e/postfix.rs)\n\
         maillog_file_prefixes = {}\n\
         maillog_file = {}\n\
         import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE \
         POSTLOG_HOSTNAME LD_LIBRARY_PATH LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP \
         NSS_WRAPPER_HOSTS\n\
         smtp_host_lookup = native\n",
        ctx.tmp.path().display(),
        log.display()
    ));
    std::fs::write(dir.conf.join("main.cf"), main).unwrap();
    let mut p = Postfix {
        dir,
        log,
        hosts: ctx.hosts.clone(),
        started: false,
        runs: Vec::new(),
    };
    // Files relayctl says to create, with their modes.
    for f in &g.files {
        if f.basename() != "main.cf" && f.basename() != "master.cf" {
            super::write_generated(f, &p.dir.conf.join(f.basename()));
        }
    }
    let conf = p.conf();
    for line in g.commands.clone() {
        let line = line.split(" #").next().unwrap().trim().to_string();
        let line = line.replace("/etc/postfix/", &format!("{conf}/"));
        let (prog, rest) = line.split_once(' ').unwrap_or((&line, ""));
        let script = match (prog, rest) {
            ("postconf" | "postmap", _) => format!("{prog} -c '{conf}' {rest}"),
            ("postfix", "check") => format!("postfix -c '{conf}' check"),
            // Applied below, once the test's adaptations are in.
            ("postfix", "reload") => continue,
            ("chmod", _) => line.clone(),
            _ => panic!("relayctl gen postfix: unexpected command {line:?}"),
        };
        let mut c = Command::new("sh");
        c.args(["-c", &script]).env(
            "PATH",
            format!(
                "{}:{}",
                cache().dir.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        p.must(c);
    }
    let mut c = p.tool("postconf");
    c.args(["-c", &conf, "-F", "*/*/chroot = n"]);
    p.must(c);
    let mut c = p.tool("postconf");
    c.args(["-c", &conf, "-MX", "smtp/inet"]);
    p.must(c);
    let mut c = p.tool("postfix");
    c.args(["-c", &conf, "start"]);
    p.must(c);
    p.started = true;
    Box::new(p)
}

impl Instance for Postfix {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let c = cache();
        let mut cmd = Command::new(c.path("POSTFIX_COMMAND_DIR").join("sendmail"));
        cmd.env("LD_LIBRARY_PATH", c.path("POSTFIX_SHLIB_DIR"))
            .args(["-C", &self.conf(), "-f", FROM, RCPT]);
        ctx.nss_env(&mut cmd);
        let out = run(cmd, Some(&ctx.message(subject)), Duration::from_secs(60));
        let d = out.describe();
        let ok = out.success();
        self.runs.push(out);
        assert!(ok, "sendmail: {d}");
    }

    fn flush(&mut self, ctx: &Ctx) {
        let cache = cache();
        let mut c = Command::new(cache.path("POSTFIX_COMMAND_DIR").join("postqueue"));
        c.env("LD_LIBRARY_PATH", cache.path("POSTFIX_SHLIB_DIR"));
        ctx.nss_env(&mut c);
        c.args(["-c", &self.conf(), "-f"]);
        let out = run(c, None, Duration::from_secs(60));
        self.runs.push(out);
    }

    fn log(&self) -> String {
        let mut s = std::fs::read_to_string(&self.log).unwrap_or_default();
        for r in &self.runs {
            if !r.success() {
                s.push_str(&r.describe());
            }
        }
        s
    }

    fn refused(&self) -> bool {
        self.log().contains("status=deferred")
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        if self.started {
            let mut c = self.tool("postfix");
            c.args(["-c", &self.conf(), "stop"]);
            let _ = run(c, None, Duration::from_secs(60));
        }
    }
}

e2e_tests!("postfix", start, {
    e2e_postfix_ip_587_delivers: Ip587 Deliver;
    e2e_postfix_auth_587_delivers: Auth587 Deliver;
    e2e_postfix_auth_465_delivers: Auth465 Deliver;
    e2e_postfix_ip_587_drop_starttls: Ip587 DropStarttls;
    e2e_postfix_auth_587_drop_starttls: Auth587 DropStarttls;
    e2e_postfix_ip_587_self_signed: Ip587 SelfSigned;
    e2e_postfix_auth_587_self_signed: Auth587 SelfSigned;
    e2e_postfix_auth_465_self_signed: Auth465 SelfSigned;
    e2e_postfix_ip_587_wrong_name: Ip587 WrongName;
    e2e_postfix_auth_587_wrong_name: Auth587 WrongName;
    e2e_postfix_auth_465_wrong_name: Auth465 WrongName;
    e2e_postfix_ip_587_reuse: Ip587 Reuse;
    e2e_postfix_auth_587_reuse: Auth587 Reuse;
    e2e_postfix_auth_465_reuse: Auth465 Reuse;
});

//! Sendmail 8.17 (Debian 12, unpacked): Debian's sendmail.mc with the generated lines, compiled
//! with m4 (relayctl's `make -C /etc/mail` step) by tests/interop/sendmail.rs (`build`,
//! `validate`: m4, then relayctl's `makemap` and `chmod` commands as written, with `-C CF` for
//! makemap and the paths moved); `systemctl restart sendmail` is not needed: there is no
//! daemon. Submission: `sendmail -C CF -odi -v -f FROM RCPT` (the real binary, delivering in
//! the foreground, -v printing the SMTP dialogue: the log the test reads).
//! Not covered: the 465 plan (relayctl refuses it for sendmail: no client-side TLS on
//! connect) and connection reuse (no queue of several messages to one host here).
//!
//! Adaptations (besides those of e2e/mod.rs): `/etc/mail/` -> `<tmp>/etc/mail/`
//! (MAIL_SETTINGS_DIR), `confCACERT` -> the relay's CA (the system bundle otherwise);
//! on the command line `-O QueueDirectory=<tmp>/mqueue` and
//! `-O HostStatusDirectory=<tmp>/hoststat` (Debian's /var/spool/mqueue, /var/lib/sendmail);
//! and name resolution kept on the machine, because sendmail does not resolve through
//! nss_wrapper (its process-title code overwrites the environment strings nss_wrapper took
//! its paths from, so the relay's address came from glibc's /etc/hosts and DNS) and queries
//! DNS itself (MX, canonification):
//! - sendmail runs in a private mount namespace (`Ctx::isolated`: the case's hosts file as
//!   /etc/hosts, `hosts: files`, a resolv.conf naming 127.0.0.1 only);
//! - one m4 line after the generated ones,
//!   ``define(`confSERVICE_SWITCH_FILE', `<tmp>/service.switch')`` with `hosts files`
//!   (Linux has no system switch sendmail reads; without it sendmail sends its own DNS
//!   queries, observed with strace): no MX or address query for the relay or the
//!   recipient's domain at all.
//!
//! The SMART_HOST is generated in brackets already (no MX lookup).

use super::{e2e_tests, Ctx, Instance, FROM, PASSWORD, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{cache, run, Output};
use std::path::PathBuf;
use std::time::Duration;

struct Sendmail {
    dir: crate::sendmail::SendmailDir,
    queue: PathBuf,
    hoststat: PathBuf,
    runs: Vec<Output>,
}

fn start(ctx: &Ctx, g: &Generated) -> Box<dyn Instance> {
    let ca = ctx.relay.ca.display().to_string();
    let g = g.map_lines(|l| l.replace(SYSTEM_CA, &ca).replace("APP_PASSWORD", PASSWORD));
    let mut g = g;
    let mc = g
        .files
        .iter_mut()
        .find(|f| f.basename() == "sendmail.mc")
        .expect("relayctl gen sendmail writes sendmail.mc lines");
    mc.lines.extend(adaptations(ctx));
    let dir = crate::sendmail::build(&g);
    if let Err(e) = crate::sendmail::validate(&dir) {
        panic!("applying relayctl gen sendmail: {e}");
    }
    Box::new(Sendmail {
        dir,
        queue: ctx.dir("mqueue"),
        hoststat: ctx.dir("hoststat"),
        runs: Vec::new(),
    })
}

/// The m4 lines the test adds after the generated ones (module doc): name lookups from the
/// case's hosts file only (no DNS: the relay name and the recipient domains stay on this
/// machine).
fn adaptations(ctx: &Ctx) -> Vec<String> {
    let switch = ctx.tmp.path().join("service.switch");
    std::fs::write(&switch, "hosts files\naliases files\n").unwrap();
    vec![
        "dnl --- end-to-end adaptations (tests/interop/e2e/sendmail.rs)".to_string(),
        format!(
            "define(`confSERVICE_SWITCH_FILE', `{}')dnl",
            switch.display()
        ),
    ]
}

impl Instance for Sendmail {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let bin = cache()
            .dir
            .join("root/sendmail/usr/libexec/sendmail/sendmail");
        let mut cmd = ctx.isolated(&bin, &[]);
        cmd.arg("-C")
            .arg(&self.dir.cf)
            .arg(format!("-OQueueDirectory={}", self.queue.display()))
            .arg(format!("-OHostStatusDirectory={}", self.hoststat.display()))
            .args(["-odi", "-v", "-f", FROM, RCPT]);
        ctx.nss_env(&mut cmd);
        let out = run(cmd, Some(&ctx.message(subject)), Duration::from_secs(120));
        self.runs.push(out);
    }

    fn log(&self) -> String {
        let mut s: String = self.runs.iter().map(|r| r.describe() + "\n").collect();
        // What is left in the queue (a bounce's df file holds the reason).
        if let Ok(rd) = std::fs::read_dir(&self.queue) {
            for e in rd.flatten() {
                let t = std::fs::read_to_string(e.path()).unwrap_or_default();
                s.push_str(&format!("--- queue file {}\n{t}", e.path().display()));
            }
        }
        s
    }

    fn refused(&self) -> bool {
        self.runs.last().is_some_and(|r| {
            let all = r.all();
            all.contains("Deferred") || all.contains("Service unavailable")
        })
    }
}

e2e_tests!("sendmail", start, {
    e2e_sendmail_ip_587_delivers: Ip587 Deliver;
    e2e_sendmail_auth_587_delivers: Auth587 Deliver;
    e2e_sendmail_ip_587_drop_starttls: Ip587 DropStarttls;
    e2e_sendmail_auth_587_drop_starttls: Auth587 DropStarttls;
    e2e_sendmail_ip_587_self_signed: Ip587 SelfSigned;
    e2e_sendmail_auth_587_self_signed: Auth587 SelfSigned;
    e2e_sendmail_ip_587_wrong_name: Ip587 WrongName;
    e2e_sendmail_auth_587_wrong_name: Auth587 WrongName;
});

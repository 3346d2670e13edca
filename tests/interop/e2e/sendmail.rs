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
//! `-O HostStatusDirectory=<tmp>/hoststat` (Debian's /var/spool/mqueue, /var/lib/sendmail).

use super::{e2e_tests, Ctx, Instance, FROM, PASSWORD, RCPT, SYSTEM_CA};
use crate::gen::Generated;
use crate::harness::{cache, run, Output};
use std::path::PathBuf;
use std::process::Command;
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

impl Instance for Sendmail {
    fn submit(&mut self, ctx: &Ctx, subject: &str) {
        let bin = cache()
            .dir
            .join("root/sendmail/usr/libexec/sendmail/sendmail");
        let mut cmd = Command::new(bin);
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

// Ignored for now: sendmail's lookup of the relay name bypasses nss_wrapper (it asks glibc
// for AF_INET6 and reads /etc/hosts and the system resolver), so the message bounces with
// `Host unknown (Name server: [relay.test]: host not found)` before any connection.
// tests/harness/README.md ("End-to-end delivery") has the details.
e2e_tests!("sendmail", start, {
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_ip_587_delivers: Ip587 Deliver;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_auth_587_delivers: Auth587 Deliver;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_ip_587_drop_starttls: Ip587 DropStarttls;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_auth_587_drop_starttls: Auth587 DropStarttls;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_ip_587_self_signed: Ip587 SelfSigned;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_auth_587_self_signed: Auth587 SelfSigned;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_ip_587_wrong_name: Ip587 WrongName;
    #[ignore = "sendmail does not resolve the relay through nss_wrapper (README)"] e2e_sendmail_auth_587_wrong_name: Auth587 WrongName;
});

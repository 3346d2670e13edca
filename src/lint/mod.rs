//! `relayctl lint`: an [`ObservedPlan`] read from an MTA's files, judged against what
//! `relay` expects ([`Expect`]: the relay's invariants and, with `--config`, the admin's
//! console setting and site). The catalogue ([`RULES`], rendered into docs/rules.md) gives
//! every rule a stable kebab-case id, a default severity, the fix and the public source it
//! rests on; the checks are in [`rules`], one file per family. Pure: values in, findings out.

use serde::Serialize;

use crate::mta::ObservedPlan;
use crate::relay::console::ConsoleSetting;
use crate::relay::plan::Site;

pub use crate::finding::{Finding, Severity};

mod catalog;
mod expect;
pub mod rules;

pub use catalog::*;
pub use expect::Expect;

/// The result of linting one file (or one MTA's set of files, named by its main file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file as named by the user or found by the walk.
    pub file: String,
    /// Its type (given by --type or detected); None when it could not be told.
    pub file_type: Option<crate::mta::FileType>,
    /// Findings, in rule order; suppressed ones included (marked).
    pub findings: Vec<Finding>,
}

/// The result of a lint run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// One entry per file read, in the order read.
    pub files: Vec<FileReport>,
}

impl LintReport {
    /// Unsuppressed findings at or above `threshold`, not counting files that could not
    /// be read (those are an input error, exit 3, not a finding about the configuration).
    pub fn count_at(&self, threshold: Severity) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|x| !x.suppressed && x.severity >= threshold && x.rule != UNREADABLE.id)
            .count()
    }
}

/// What the admin's setting says, when `--config` is given.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The console setting.
    pub console: Option<ConsoleSetting>,
    /// The site.
    pub site: Option<Site>,
}

/// Judges one MTA's observed plan: every rule family in turn, against what `relay`
/// expects (the relay's invariants, and with `--config` the console setting and the
/// client plan). Findings come in a stable order; suppressions are applied by
/// [`apply_suppressions`].
pub fn check(o: &ObservedPlan, ctx: &Context) -> Vec<Finding> {
    let expect = Expect::new(ctx);
    let mut f = Vec::new();
    for family in rules::ALL {
        family(o, &expect, &mut f);
    }
    rules::drop_judged_placeholders(o, &mut f);
    f
}

/// Marks findings covered by a `relayctl: allow <rule>` comment of their file and line.
pub fn apply_suppressions(findings: &mut [Finding], o: &ObservedPlan) {
    for f in findings.iter_mut() {
        let Some(span) = &f.span else { continue };
        if o.suppressions
            .iter()
            .any(|s| s.rule == f.rule && s.span.file == span.file && s.covers_line == span.line)
        {
            f.suppressed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mta::{Located, RelayTarget, Span, TlsMode};
    use rules::auth::key_matches;

    fn at(line: u32) -> Span {
        Span::new("main.cf", line, 1)
    }

    fn relay(
        raw: &str,
        host: &str,
        port: Option<u16>,
        no_mx: bool,
    ) -> Option<Located<RelayTarget>> {
        Some(Located::new(
            RelayTarget {
                host: host.into(),
                port,
                no_mx,
                raw: raw.into(),
            },
            at(1),
        ))
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.rule.as_ref()).collect()
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn rules_fire() {
        let good = ObservedPlan {
            relay: relay(
                "[smtp-relay.gmail.com]:587",
                "smtp-relay.gmail.com",
                Some(587),
                true,
            ),
            tls: Some(Located::new(TlsMode::StartTls, at(2))),
            helo: Some(Located::new("mail.example.com".into(), at(3))),
            ..ObservedPlan::default()
        };
        assert_eq!(ids(&check(&good, &Context::default())), Vec::<&str>::new());
        for (name, change, want) in [
            (
                "typo",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmial.com]:587",
                        "smtp-relay.gmial.com",
                        Some(587),
                        true,
                    ),
                    ..good.clone()
                },
                "relay-host-typo",
            ),
            (
                "not google",
                ObservedPlan {
                    relay: relay("[smtp.gmail.com]:587", "smtp.gmail.com", Some(587), true),
                    ..good.clone()
                },
                "relay-host-not-google",
            ),
            (
                "no brackets",
                ObservedPlan {
                    relay: relay(
                        "smtp-relay.gmail.com:587",
                        "smtp-relay.gmail.com",
                        Some(587),
                        false,
                    ),
                    ..good.clone()
                },
                "relayhost-without-brackets",
            ),
            (
                "port 2525",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmail.com]:2525",
                        "smtp-relay.gmail.com",
                        Some(2525),
                        true,
                    ),
                    ..good.clone()
                },
                "port-not-relay",
            ),
            (
                "465 plain",
                ObservedPlan {
                    relay: relay(
                        "[smtp-relay.gmail.com]:465",
                        "smtp-relay.gmail.com",
                        Some(465),
                        true,
                    ),
                    ..good.clone()
                },
                "port-465-without-tls-wrapper",
            ),
            (
                "wrapper 587",
                ObservedPlan {
                    tls: Some(Located::new(TlsMode::Implicit, at(2))),
                    ..good.clone()
                },
                "tls-wrapper-not-465",
            ),
            (
                "may",
                ObservedPlan {
                    tls: Some(Located::new(TlsMode::Opportunistic, at(2))),
                    ..good.clone()
                },
                "tls-not-mandatory",
            ),
            (
                "sasl may",
                ObservedPlan {
                    tls: Some(Located::new(TlsMode::Opportunistic, at(2))),
                    sasl: Some(Located::new(true, at(4))),
                    ..good.clone()
                },
                "sasl-over-opportunistic-tls",
            ),
            (
                "localhost",
                ObservedPlan {
                    helo: Some(Located::new("localhost".into(), at(3))),
                    ..good.clone()
                },
                "helo-generic",
            ),
            (
                "single label",
                ObservedPlan {
                    helo: Some(Located::new("4f2a9c0d1b3e".into(), at(3))),
                    ..good.clone()
                },
                "helo-generic",
            ),
            (
                "default helo",
                ObservedPlan {
                    helo: None,
                    ..good.clone()
                },
                "helo-default",
            ),
            (
                "101 rcpt",
                ObservedPlan {
                    max_rcpt_per_transaction: Some(Located::new(101, at(5))),
                    ..good.clone()
                },
                "too-many-recipients",
            ),
            (
                "datafinal",
                ObservedPlan {
                    data_final_timeout_s: Some(Located::new(1800, at(5))),
                    ..good.clone()
                },
                "sendmail-datafinal-too-short",
            ),
            (
                "qmail",
                ObservedPlan {
                    qmail_smtpd_timeout_s: Some(Located::new(600, at(5))),
                    ..good.clone()
                },
                "qmail-timeoutsmtpd-too-short",
            ),
            (
                "no relay",
                ObservedPlan {
                    relay: None,
                    ..good.clone()
                },
                "no-relay-host",
            ),
        ] {
            assert!(
                ids(&check(&change, &Context::default())).contains(&want),
                "{name}: {:?}",
                ids(&check(&change, &Context::default()))
            );
        }
    }

    /// tls-not-verified: an error with SMTP AUTH (the password goes to an impostor), a
    /// warning without, silent when verified, for opportunistic TLS without AUTH (that is
    /// tls-not-mandatory's) and when the files do not say.
    #[test]
    fn unverified_tls_severity_follows_smtp_auth() {
        let base = ObservedPlan {
            relay: relay(
                "[smtp-relay.gmail.com]:587",
                "smtp-relay.gmail.com",
                Some(587),
                true,
            ),
            tls: Some(Located::new(TlsMode::StartTls, at(2))),
            helo: Some(Located::new("mail.example.com".into(), at(3))),
            ..ObservedPlan::default()
        };
        let sev = |tls: TlsMode, verified: Option<bool>, sasl: bool| {
            let o = ObservedPlan {
                tls: Some(Located::new(tls, at(2))),
                tls_verified: verified.map(|v| Located::new(v, at(2))),
                sasl: Some(Located::new(sasl, at(4))),
                ..base.clone()
            };
            check(&o, &Context::default())
                .into_iter()
                .find(|f| f.rule == TLS_NOT_VERIFIED.id)
                .map(|f| (f.severity, f.span.map(|s| s.line)))
        };
        use TlsMode::*;
        let error = Some((Severity::Error, Some(2)));
        let warning = Some((Severity::Warning, Some(2)));
        assert_eq!(sev(StartTls, Some(false), true), error);
        assert_eq!(sev(Implicit, Some(false), true), error);
        assert_eq!(sev(Opportunistic, Some(false), true), error);
        assert_eq!(sev(StartTls, Some(false), false), warning);
        assert_eq!(sev(Implicit, Some(false), false), warning);
        assert_eq!(sev(Opportunistic, Some(false), false), None);
        assert_eq!(sev(StartTls, Some(true), true), None);
        assert_eq!(sev(StartTls, None, true), None);
    }

    #[test]
    fn key_forms() {
        assert!(key_matches(
            "[smtp-relay.gmail.com]:587",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(!key_matches(
            "[smtp-relay.gmail.com]:587",
            "[smtp-relay.gmail.com]:465",
            "smtp-relay.gmail.com"
        ));
        assert!(key_matches(
            "smtp-relay.gmail.com",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(!key_matches(
            "smtp-relay.gmail.com:587",
            "[smtp-relay.gmail.com]:587",
            "smtp-relay.gmail.com"
        ));
        assert!(key_matches(
            "smtp-relay.gmail.com",
            "smtp-relay.gmail.com",
            "smtp-relay.gmail.com"
        ));
    }
}

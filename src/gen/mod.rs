//! Generators: one module per target, each spells a [`ClientPlan`] as configuration
//! files, commands or numbered GUI steps (an [`Artifact`]). Generators decide no policy:
//! if one needs an `if` on the console setting, the plan is missing a field.

mod console;
mod domino;
mod exchange;
mod exim;
mod groupwise;
mod macos;
mod msmtp;
mod opensmtpd;
mod postfix;
mod qmail;
mod sendmail;

use std::fmt;

use serde::Serialize;

use crate::relay::{Family, DEFAULT_RELAY_HOST};

use crate::relay::names::HeloName;
use crate::relay::plan::{Capabilities, ClientPlan, Note, TlsMode};

/// What `relayctl gen` can write for. The names are the CLI's target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Postfix,
    Sendmail,
    Qmail,
    Exchange,
    Domino,
    Groupwise,
    Macos,
    Exim,
    Opensmtpd,
    Msmtp,
    Console,
}

impl Target {
    /// Every target, in the order of the help text.
    pub const ALL: [Target; 11] = [
        Target::Postfix,
        Target::Sendmail,
        Target::Qmail,
        Target::Exchange,
        Target::Domino,
        Target::Groupwise,
        Target::Macos,
        Target::Exim,
        Target::Opensmtpd,
        Target::Msmtp,
        Target::Console,
    ];

    /// The target's CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Postfix => "postfix",
            Target::Sendmail => "sendmail",
            Target::Qmail => "qmail",
            Target::Exchange => "exchange",
            Target::Domino => "domino",
            Target::Groupwise => "groupwise",
            Target::Macos => "macos",
            Target::Exim => "exim",
            Target::Opensmtpd => "opensmtpd",
            Target::Msmtp => "msmtp",
            Target::Console => "console",
        }
    }

    /// The product's own name, for titles and messages.
    pub fn product(self) -> &'static str {
        match self {
            Target::Postfix => "Postfix",
            Target::Sendmail => "Sendmail",
            Target::Qmail => "qmail",
            Target::Exchange => "Microsoft Exchange",
            Target::Domino => "HCL (IBM Lotus) Domino",
            Target::Groupwise => "GroupWise",
            Target::Macos => "macOS Server",
            Target::Exim => "Exim (Debian)",
            Target::Opensmtpd => "OpenSMTPD",
            Target::Msmtp => "msmtp",
            Target::Console => "Google Admin console",
        }
    }

    /// Looks a target up by its CLI name.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What the target's stock client can do; the plan refuses what it cannot.
    pub fn capabilities(self) -> Capabilities {
        match self {
            // Google help 2956491, per-MTA instructions: stock qmail-remote has neither TLS
            // nor SMTP AUTH (both come only from third-party patches).
            Target::Qmail => Capabilities {
                tls: false,
                smtp_auth: false,
                implicit_tls_missing: Some("stock qmail-remote has no TLS at all"),
                spells_helo: true,
            },
            // Sendmail 8.17 speaks TLS as a client only through STARTTLS (its SMTPS,
            // Modifier=s, is for the daemon side).
            Target::Sendmail => Capabilities {
                implicit_tls_missing: Some("sendmail's client speaks TLS only through STARTTLS"),
                ..Capabilities::FULL
            },
            // Send connectors negotiate TLS only with STARTTLS after the greeting.
            Target::Exchange => Capabilities {
                implicit_tls_missing: Some(
                    "Exchange send connectors use TLS only through STARTTLS",
                ),
                ..Capabilities::FULL
            },
            // The console steps never name the HELO; macOS Server's mail service presents
            // the server's host name, which the steps only ask to check.
            Target::Console | Target::Macos => Capabilities {
                spells_helo: false,
                ..Capabilities::FULL
            },
            _ => Capabilities::FULL,
        }
    }

    /// The forms the target has (the natural one first), and how a message lists them.
    fn forms(self, edition: Option<Edition>) -> (&'static [Form], &'static str) {
        match self {
            Target::Postfix => (&[Form::Config, Form::Commands], "config, commands"),
            Target::Exchange if edition.is_some_and(Edition::has_shell) => {
                (&[Form::Steps, Form::Commands], "steps, commands")
            }
            Target::Exchange
            | Target::Domino
            | Target::Groupwise
            | Target::Macos
            | Target::Console => (&[Form::Steps], "steps"),
            Target::Sendmail | Target::Qmail | Target::Exim | Target::Opensmtpd | Target::Msmtp => {
                (&[Form::Config], "config")
            }
        }
    }

    /// The form `form` stands for with this target (its natural one for `Form::Natural`),
    /// or why the target has no such form: `check_options` and every generator (through
    /// `Artifact::new`) ask here, so that the forms a target has are listed once
    /// ([`Target::forms`]).
    fn form(self, form: Form, edition: Option<Edition>) -> Result<Form, GenError> {
        let (allowed, choices) = self.forms(edition);
        match form {
            Form::Natural => Ok(allowed[0]),
            f if allowed.contains(&f) => Ok(f),
            f => Err(GenError::FormUnsupported {
                target: self,
                form: match f {
                    Form::Config => "config",
                    Form::Commands => "commands",
                    Form::Steps => "steps",
                    Form::Natural => "natural",
                },
                choices,
            }),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Microsoft Exchange editions the article covers (plus 2013-2019, which share 2010's
/// send-connector model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Edition {
    #[serde(rename = "2000")]
    E2000,
    #[serde(rename = "2003")]
    E2003,
    #[serde(rename = "2007")]
    E2007,
    #[serde(rename = "2010")]
    E2010,
    #[serde(rename = "2013")]
    E2013,
    #[serde(rename = "2016")]
    E2016,
    #[serde(rename = "2019")]
    E2019,
}

impl Edition {
    /// The edition's year, as the CLI spells it.
    pub fn year(self) -> &'static str {
        match self {
            Edition::E2000 => "2000",
            Edition::E2003 => "2003",
            Edition::E2007 => "2007",
            Edition::E2010 => "2010",
            Edition::E2013 => "2013",
            Edition::E2016 => "2016",
            Edition::E2019 => "2019",
        }
    }

    /// Whether this edition has the Exchange Management Shell (2007 and later).
    pub fn has_shell(self) -> bool {
        self >= Edition::E2007
    }
}

/// Which form of output the admin wants, when a target has more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// The target's natural form: files for Unix MTAs, steps for GUI products.
    #[default]
    Natural,
    /// Configuration files (lines to add).
    Config,
    /// Shell commands (`postconf -e`, Exchange Management Shell).
    Commands,
    /// Numbered GUI steps.
    Steps,
}

/// Options that only some targets take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Exchange edition.
    pub edition: Option<Edition>,
    /// Exchange: an Edge Transport server sends to the Internet.
    pub edge: bool,
    /// Output form.
    pub form: Form,
}

/// A file to create, or lines to add to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEdit {
    /// Where the file lives on a stock installation.
    pub path: String,
    /// Whether the file is new (otherwise: add or replace these lines).
    pub create: bool,
    /// Permissions for a new file (octal), when they matter (secrets).
    pub mode: Option<&'static str>,
    /// Whether this is the file the text output prints on stdout.
    pub primary: bool,
    /// What the lines do, one sentence.
    pub purpose: String,
    /// The file's comment marker (`#`, `dnl`), if its syntax has comments.
    #[serde(skip)]
    pub comment: Option<&'static str>,
    /// The lines, without line terminators.
    pub lines: Vec<String>,
}

impl FileEdit {
    /// Lines to add to the file at `path`, which the system already has; `purpose` says
    /// what they do and how they go in.
    fn add(path: impl Into<String>, purpose: impl Into<String>, lines: Vec<String>) -> FileEdit {
        FileEdit {
            path: path.into(),
            create: false,
            mode: None,
            primary: false,
            purpose: purpose.into(),
            comment: None,
            lines,
        }
    }

    /// A file to create at `path`, with `lines`; `purpose` says what it is for.
    fn create(path: impl Into<String>, purpose: impl Into<String>, lines: Vec<String>) -> FileEdit {
        FileEdit {
            create: true,
            ..FileEdit::add(path, purpose, lines)
        }
    }

    /// The file the text output prints on stdout.
    fn primary(self) -> FileEdit {
        FileEdit {
            primary: true,
            ..self
        }
    }

    /// Created with permissions `mode` (octal).
    fn mode(self, mode: &'static str) -> FileEdit {
        FileEdit {
            mode: Some(mode),
            ..self
        }
    }

    /// The file's comments start with `marker`.
    fn comments(self, marker: &'static str) -> FileEdit {
        FileEdit {
            comment: Some(marker),
            ..self
        }
    }

    /// The file's comments start with `marker`, and its lines start with one saying what
    /// wrote them for which plan: `# relayctl: Google Workspace SMTP relay (<summary>)`.
    fn headed(mut self, marker: &'static str, plan: &ClientPlan) -> FileEdit {
        self.lines.insert(
            0,
            format!(
                "{marker} relayctl: Google Workspace SMTP relay ({})",
                plan_summary(plan)
            ),
        );
        self.comments(marker)
    }
}

/// The shell a command is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shell {
    /// POSIX sh, run as root.
    Sh,
    /// Exchange Management Shell (PowerShell).
    Powershell,
}

/// A command to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The shell it is written for.
    pub shell: Shell,
    /// The command line.
    pub line: String,
    /// Why, one sentence.
    pub purpose: String,
}

/// A command for POSIX sh, run as root.
fn sh(line: impl Into<String>, purpose: impl Into<String>) -> Command {
    Command {
        shell: Shell::Sh,
        line: line.into(),
        purpose: purpose.into(),
    }
}

/// A command for the Exchange Management Shell.
fn ps(line: impl Into<String>, purpose: impl Into<String>) -> Command {
    Command {
        shell: Shell::Powershell,
        line: line.into(),
        purpose: purpose.into(),
    }
}

/// What the text output prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Primary {
    /// The primary file's lines.
    File,
    /// The commands, as a script.
    Commands,
    /// The numbered steps.
    Steps,
}

/// Everything one target needs for one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// The target.
    pub target: Target,
    /// The Exchange edition, for Exchange.
    pub edition: Option<Edition>,
    /// One line saying what this is.
    pub title: String,
    /// What goes on stdout in text form.
    pub primary: Primary,
    /// Files to create or edit.
    pub files: Vec<FileEdit>,
    /// Commands to run after the edits, in order.
    pub commands: Vec<Command>,
    /// Numbered steps (GUI products), in order.
    pub steps: Vec<String>,
    /// How to check that it works: the probe command line and a test message.
    pub verify: Vec<String>,
    /// Advice: the plan's notes, then the target's.
    pub notes: Vec<Note>,
}

impl Artifact {
    /// The artifact a generator fills in: `target`'s (in `edition`, for Exchange), in the
    /// form `form` stands for (refused when the target has no such form; its natural one
    /// for `Form::Natural`), titled `title`, with nothing in it yet.
    fn new(
        target: Target,
        form: Form,
        edition: Option<Edition>,
        title: String,
    ) -> Result<Artifact, GenError> {
        let primary = match target.form(form, edition)? {
            Form::Commands => Primary::Commands,
            Form::Steps => Primary::Steps,
            // `Target::form` never answers Natural.
            Form::Config | Form::Natural => Primary::File,
        };
        Ok(Artifact {
            target,
            edition,
            title,
            primary,
            files: Vec::new(),
            commands: Vec::new(),
            steps: Vec::new(),
            verify: Vec::new(),
            notes: Vec::new(),
        })
    }

    /// Adds `file`, which holds the SMTP AUTH password, and the commands that leave it
    /// readable by root and, when given, the `reader` group (named with why it reads it),
    /// and by nobody else: mode 0640 with a reader, 0600 without.
    fn add_secret(&mut self, file: FileEdit, reader: Option<(&str, &str)>) {
        let path = file.path.clone();
        match reader {
            Some((group, why)) => {
                self.files.push(file.mode("0640"));
                self.commands
                    .push(sh(format!("chown root:{group} {path}"), why));
                self.commands
                    .push(sh(format!("chmod 640 {path}"), "and nobody else"));
            }
            None => {
                self.files.push(file.mode("0600"));
                self.commands.push(sh(
                    format!("chmod 600 {path}"),
                    "keep the password readable by root only",
                ));
            }
        }
    }
}

/// A request the target cannot satisfy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenError {
    #[error("gen exchange needs --edition 2000|2003|2007|2010|2013|2016|2019")]
    NoEdition,
    #[error("--edition and --edge apply to exchange only, not {0}")]
    EditionNotExchange(Target),
    #[error("--edge needs Exchange 2007 or later (Edge Transport servers came with 2007)")]
    EdgeBeforeE2007,
    #[error("{target} has no {form} form; use one of: {choices}")]
    FormUnsupported {
        target: Target,
        form: &'static str,
        choices: &'static str,
    },
    /// The target has no way to do what the plan asks. `relay::plan` refuses such plans
    /// first (from `Target::capabilities`); this guards plans built another way.
    #[error("{target} cannot {what}")]
    Unsupported { target: Target, what: String },
}

/// Refuses options `target` does not take (--edition, --edge, --as): usage errors, which
/// `relayctl gen` reports before any value (the HELO name, the setting) is checked.
pub fn check_options(target: Target, opts: &Options) -> Result<(), GenError> {
    if target != Target::Exchange && (opts.edition.is_some() || opts.edge) {
        return Err(GenError::EditionNotExchange(target));
    }
    if target == Target::Exchange {
        let edition = opts.edition.ok_or(GenError::NoEdition)?;
        if opts.edge && !edition.has_shell() {
            return Err(GenError::EdgeBeforeE2007);
        }
    }
    target.form(opts.form, opts.edition).map(|_| ())
}

/// The plan's HELO name as the generators of targets that spell it write it. `render`
/// refuses a plan without one for such a target first (`Capabilities::spells_helo`), so
/// the empty string is never written.
fn helo(plan: &ClientPlan) -> &str {
    plan.helo.as_ref().map_or("", HeloName::as_str)
}

/// Spells `plan` for `target`.
pub fn render(target: Target, plan: &ClientPlan, opts: &Options) -> Result<Artifact, GenError> {
    check_options(target, opts)?;
    // relay::plan refuses such a plan first; this guards plans built another way.
    if plan.helo.is_none() && target.capabilities().spells_helo {
        return Err(GenError::Unsupported {
            target,
            what: "be configured without a HELO name; set --helo NAME (site.helo)".to_owned(),
        });
    }
    let mut artifact = match target {
        Target::Postfix => postfix::render(plan, opts.form)?,
        Target::Sendmail => sendmail::render(plan, opts.form)?,
        Target::Qmail => qmail::render(plan, opts.form)?,
        // check_options has refused Exchange without an edition, and --edge before 2007.
        Target::Exchange => {
            let edition = opts.edition.ok_or(GenError::NoEdition)?;
            exchange::render(plan, edition, opts.edge, opts.form)?
        }
        Target::Domino => domino::render(plan, opts.form)?,
        Target::Groupwise => groupwise::render(plan, opts.form)?,
        Target::Macos => macos::render(plan, opts.form)?,
        Target::Exim => exim::render(plan, opts.form)?,
        Target::Opensmtpd => opensmtpd::render(plan, opts.form)?,
        Target::Msmtp => msmtp::render(plan, opts.form)?,
        Target::Console => console::render(plan, opts.form)?,
    };
    // Every target ends with how to verify, and carries the plan's advice first.
    if target != Target::Console {
        artifact.verify.insert(0, probe_command(plan));
    }
    let mut notes = plan.notes.clone();
    notes.append(&mut artifact.notes);
    artifact.notes = notes;
    Ok(artifact)
}

/// Refuses a plan with TLS from the first byte (port 465) for a target whose client
/// cannot speak it; `what` says what it cannot do and what to use instead. `relay::plan`
/// refuses such plans first (`Capabilities::implicit_tls_missing`); this guards plans
/// built another way.
fn refuse_implicit_tls(target: Target, plan: &ClientPlan, what: &str) -> Result<(), GenError> {
    match plan.tls {
        TlsMode::Implicit => Err(GenError::Unsupported {
            target,
            what: what.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// A one-line summary of the plan for file headers and titles:
/// `port 587, STARTTLS required, IP authentication`.
pub fn plan_summary(plan: &ClientPlan) -> String {
    let tls = match plan.tls {
        TlsMode::Implicit => "TLS on connect",
        TlsMode::StartTls => "STARTTLS required",
        TlsMode::Opportunistic => "STARTTLS when offered",
        TlsMode::Off => "no TLS",
    };
    let auth = if plan.sasl.is_some() {
        "SMTP AUTH"
    } else {
        "IP authentication"
    };
    format!("{}:{}, {tls}, {auth}", plan.relay_host, plan.port.number())
}

/// The title of an artifact that sets `what` up to relay through the plan:
/// `Postfix: relay through smtp-relay.gmail.com:587, STARTTLS required, IP authentication`.
fn relaying(what: &str, plan: &ClientPlan) -> String {
    format!("{what}: relay through {}", plan_summary(plan))
}

/// The submission command of every MTA that installs a sendmail-compatible one, as
/// [`test_message`] takes it.
const SENDMAIL_SUBMIT: &str = "sendmail -f ";

/// The log Debian's syslog writes mail to.
const MAIL_LOG: &str = "/var/log/mail.log";

/// The `verify` line that sends one test message through the relay: a short message,
/// piped into `submit` (the host's own submission command), from the plan's test sender
/// to you@example.org; then `&& tail -f LOG` to watch it leave, for a command that does
/// not show the SMTP dialogue itself.
///
/// `submit` ends with the envelope-sender flag exactly as the address is to follow it:
/// `sendmail -f ` (a separate argument, hence the space) or
/// `/var/qmail/bin/qmail-inject -f` (glued on).
fn test_message(plan: &ClientPlan, submit: &str, log: Option<&str>) -> String {
    let mut line = format!(
        "printf 'Subject: relay test\\n\\nsent through {}\\n' | {submit}{} you@example.org",
        plan.relay_host,
        plan.test_sender()
    );
    if let Some(log) = log {
        line.push_str(" && tail -f ");
        line.push_str(log);
    }
    line
}

/// The fact behind the targets' notes on a plan limited to one address family: the IPv6 trap.
const IPV6_TRAP: &str = "observed: OpenSMTPD/OpenSMTPD#1076 (IPv6 egress with IPv4 ranges)";

/// The fact behind the targets' notes on recipients per transaction.
const RCPT_LIMIT: &str =
    "Google 6140680 \"SMTP relay service error messages\": 100-recipient limit per SMTP transaction";

/// The fact behind the targets' notes on sending several messages per connection.
const CONNECTION_CACHING: &str =
    "Google 2956491 \"Route outgoing SMTP relay messages through Google\": connection caching";

/// The fact behind the targets' notes on the SMTP AUTH password.
const APP_PASSWORDS: &str = "Google 176600 \"Send email from a printer, scanner, or app\": app passwords; observed: loganmarchione/docker-postfixrelay#64 (535 5.7.8)";

/// The note on the SMTP AUTH password, for a target with nothing of its own to add to it.
fn app_password_note() -> Note {
    Note::info(
        "Google accepts SMTP AUTH only with an app password (2-Step Verification) or OAuth; the account password is refused with 535 5.7.8",
        APP_PASSWORDS,
    )
}

/// What a target spells or says for a plan limited to one address family: `v4` when the
/// registered ranges are all IPv4, `v6` when they are all IPv6, nothing for `Family::Any`.
fn by_family<T>(egress: Family, v4: T, v6: T) -> Option<T> {
    match egress {
        Family::V4 => Some(v4),
        Family::V6 => Some(v6),
        Family::Any => None,
    }
}

/// The `verify` line of a target without a submission command: send a message by hand
/// (`from`: " from a Notes mailbox", or nothing) and look for the relay in its headers.
fn test_by_hand(plan: &ClientPlan, from: &str) -> String {
    format!(
        "send a message{from} to an address outside your domains (for example you@example.org) and check that it arrives with a Received: header from {}",
        plan.relay_host
    )
}

/// A placeholder that stands for the SMTP AUTH password in generated files; never a secret.
pub const PASSWORD_PLACEHOLDER: &str = "APP_PASSWORD";

/// The `relayctl probe` command line that checks `plan` (the plan says what to check; this
/// spells it as a command, as the generators spell configuration).
pub fn probe_command(plan: &ClientPlan) -> String {
    let mut cmd = String::from("relayctl probe");
    if plan.relay_host.as_str() != DEFAULT_RELAY_HOST {
        cmd.push_str(&format!(" --host {}", plan.relay_host));
    }
    // Without a known HELO name, probe presents the host name of the server it runs on.
    cmd.push_str(&format!(" --port {}", plan.port.number()));
    if let Some(h) = &plan.helo {
        cmd.push_str(&format!(" --helo {h}"));
    }
    if let Some(flag) = by_family(plan.egress, " -4", " -6") {
        cmd.push_str(flag);
    }
    if let Some(s) = &plan.sasl {
        // The password is read from a file (or RELAYCTL_PASSWORD), never from argv.
        cmd.push_str(&format!(
            " --auth-user {} --password-file /path/to/app-password",
            s.username
        ));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::testing::{ipv4_only, plan_for, smtp_auth};
    use super::*;
    use crate::relay::plan::PlanError;

    #[test]
    fn probe_command_spells_the_plan() {
        let p = plan_for(Target::Postfix, false, |_, _| {}).unwrap();
        assert_eq!(
            probe_command(&p),
            "relayctl probe --port 587 --helo mail.example.com"
        );
        let v4 = plan_for(Target::Postfix, false, ipv4_only).unwrap();
        assert!(
            probe_command(&v4).ends_with(" -4"),
            "{}",
            probe_command(&v4)
        );
        let no_helo = plan_for(Target::Console, false, |_, s| s.helo = None).unwrap();
        assert!(!probe_command(&no_helo).contains("--helo"));
    }

    /// `check_options` (run before the HELO name is looked for) refuses exactly the
    /// options `render` would: every target x edition x --edge x form.
    #[test]
    fn check_options_agrees_with_render() {
        let editions = [
            None,
            Some(Edition::E2000),
            Some(Edition::E2003),
            Some(Edition::E2007),
            Some(Edition::E2019),
        ];
        let forms = [Form::Natural, Form::Config, Form::Commands, Form::Steps];
        for target in Target::ALL {
            let plan = plan_for(target, true, |_, _| {}).unwrap();
            for edition in editions {
                for edge in [false, true] {
                    for form in forms {
                        let opts = Options {
                            edition,
                            edge,
                            form,
                        };
                        let checked = check_options(target, &opts);
                        let rendered = render(target, &plan, &opts).map(|_| ());
                        assert_eq!(checked, rendered, "{target} {opts:?}");
                    }
                }
            }
        }
    }

    /// `sendmail -v` and `msmtp --debug` print the SMTP dialogue, `AUTH PLAIN <base64 of
    /// user and password>` included: no verify line of any target may suggest a command
    /// that shows the dialogue.
    #[test]
    fn no_verify_command_prints_the_smtp_dialogue() {
        for target in Target::ALL {
            let plan = plan_for(target, true, smtp_auth);
            let Ok(plan) = plan else { continue };
            let opts = Options {
                edition: (target == Target::Exchange).then_some(Edition::E2019),
                ..Options::default()
            };
            let a = render(target, &plan, &opts).unwrap();
            for line in a.verify.iter().chain(a.commands.iter().map(|c| &c.line)) {
                let words: Vec<&str> = line.split_whitespace().collect();
                for bad in ["-v", "-Am", "--debug", "-d", "-X"] {
                    assert!(!words.contains(&bad), "{target}: {line}");
                }
            }
        }
    }

    #[test]
    fn only_console_and_macos_do_without_a_helo_name() {
        for target in Target::ALL {
            let mentions = matches!(target, Target::Console | Target::Macos);
            assert_eq!(target.capabilities().spells_helo, !mentions, "{target}");
            let opts = Options {
                edition: (target == Target::Exchange).then_some(Edition::E2019),
                ..Options::default()
            };
            let plan = plan_for(target, true, |_, s| s.helo = None);
            if mentions {
                let a = render(target, &plan.unwrap(), &opts).unwrap();
                assert!(a.notes.iter().any(|n| n.text.contains("set --helo NAME")));
                let all = format!("{:?}{:?}{:?}", a.files, a.commands, a.steps);
                assert!(!all.contains("mail.example.com"), "{target}: {all}");
            } else {
                assert_eq!(plan.unwrap_err(), PlanError::NoHelo, "{target}");
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::{Artifact, Form, GenError, Target};
    use crate::relay::console::{Authentication, ConsoleSetting, IpRange};
    use crate::relay::plan::{plan, Capabilities, ClientPlan, InternalRoute, PlanError, Site};

    /// The site every generator test starts from: HELO mail.example.com, mail domain
    /// example.com, everything else default.
    pub(crate) fn site() -> Site {
        Site {
            helo: Some("mail.example.com".parse().unwrap()),
            domains: vec!["example.com".parse().unwrap()],
            ..Site::default()
        }
    }

    /// Plans for `target` as `relayctl gen` does (its product name and capabilities), from
    /// the default console setting and [`site`], both first changed by `f`.
    pub(crate) fn plan_for(
        target: Target,
        force: bool,
        f: impl FnOnce(&mut ConsoleSetting, &mut Site),
    ) -> Result<ClientPlan, PlanError> {
        plan_with_caps(target, target.capabilities(), force, f)
    }

    /// What the generator `render` makes of the plan [`plan_for`] makes for `target` (not
    /// forced), in the target's natural form.
    pub(crate) fn artifact(
        target: Target,
        render: fn(&ClientPlan, Form) -> Result<Artifact, GenError>,
        f: impl FnOnce(&mut ConsoleSetting, &mut Site),
    ) -> Result<Artifact, GenError> {
        render(&plan_for(target, false, f).unwrap(), Form::Natural)
    }

    /// SMTP AUTH instead of IP authentication, as relay@example.com.
    pub(crate) fn smtp_auth(c: &mut ConsoleSetting, s: &mut Site) {
        c.authentication = Authentication::SmtpAuth;
        s.auth_user = Some("relay@example.com".to_owned());
    }

    /// One registered range, IPv4 (the office's 203.0.113.0/28): the plan goes IPv4-only.
    pub(crate) fn ipv4_only(c: &mut ConsoleSetting, _: &mut Site) {
        c.ranges.push(IpRange {
            description: "office".into(),
            net: "203.0.113.0/28".parse().unwrap(),
            enabled: true,
        });
    }

    /// Two internal domains: corp.example.com to mailhub.corp.example.com, and
    /// lab.example.net by its MX hosts.
    pub(crate) fn internal_domains(_: &mut ConsoleSetting, s: &mut Site) {
        s.internal = vec![
            InternalRoute {
                domain: "corp.example.com".parse().unwrap(),
                host: Some("mailhub.corp.example.com".parse().unwrap()),
            },
            InternalRoute {
                domain: "lab.example.net".parse().unwrap(),
                host: None,
            },
        ];
    }

    /// [`plan_for`] with other capabilities than the target's: a plan the real ones would
    /// refuse, to reach a generator's own guard against plans built another way.
    pub(crate) fn plan_with_caps(
        target: Target,
        caps: Capabilities,
        force: bool,
        f: impl FnOnce(&mut ConsoleSetting, &mut Site),
    ) -> Result<ClientPlan, PlanError> {
        let mut c = ConsoleSetting::default();
        let mut s = site();
        f(&mut c, &mut s);
        plan(&c, &s, target.product(), caps, force)
    }
}

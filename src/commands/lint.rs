//! `relayctl lint PATH...`: find the files (walking directories, detecting each file's
//! kind), read each one bounded, hand its text and the files beside it to the reader of
//! its syntax, judge the observed plan, apply inline suppressions, render. One unreadable
//! file becomes a finding and the others are still checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::{load_config, threshold, Io};
use crate::cli::{LintArgs, LintFormatArg, LintTypeArg};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::fsx;
use crate::lint::{self, Context, FileReport, Finding, LintReport, Severity};
use crate::mta::{self, FileType, SourceFile, Span};
use crate::relay::plan::Capabilities;
use crate::report::untrusted;

/// Configuration files are small; 50 MB is far beyond any real one and still bounded.
const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Directory depth of a walk (with --follow, symlink loops are cut earlier).
const MAX_DEPTH: usize = 32;

/// Runs `relayctl lint`.
pub(super) fn run(args: LintArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    if args.list_rules {
        return match args.format {
            LintFormatArg::Json => crate::report::lint::write_rules_json(&mut *io.out),
            _ => crate::report::lint::write_rules_text(&mut *io.out),
        }
        .map(|()| ExitStatus::Ok)
        .map_err(Error::Output);
    }
    let ctx = match &args.config {
        Some(p) => {
            let cfg = load_config(Some(p))?;
            Context {
                console: cfg.console,
                site: Some(cfg.site),
            }
        }
        None => Context::default(),
    };
    let forced = args.file_type.map(forced_type);
    let mut files: Vec<(PathBuf, Option<FileType>)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            walk(p, args.follow, &mut files, &mut notes);
        } else {
            files.push((p.clone(), forced));
        }
    }
    let mut report = LintReport::default();
    let mut unreadable = false;
    for (path, forced) in &files {
        let file = lint_file(path, *forced, &ctx);
        unreadable |= file.findings.iter().any(|f| f.rule == lint::UNREADABLE.id);
        report.files.push(file);
    }
    if files.is_empty() {
        if !args.allow_empty {
            // A wrong path in CI must not pass forever: nothing checked is an input error.
            for n in &notes {
                writeln!(io.err, "relayctl: note: {}", untrusted(n)).map_err(Error::Output)?;
            }
            let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::Value(format!(
                "{}: no configuration file relayctl recognises (main.cf, *.mc, smtproutes, update-exim4.conf.conf, smtpd.conf, msmtprc, *.ps1, relay.toml, .env, docker-compose.yml, Kubernetes manifests, postconf scripts); check the path, or pass --allow-empty",
                paths.join(", ")
            )));
        }
        notes.push("no MTA configuration file found in the given paths".into());
    }
    let out = &mut *io.out;
    match args.format {
        LintFormatArg::Text => crate::report::lint::write_text(&report, super::stdout_paint(), out),
        LintFormatArg::Json => crate::report::lint::write_json(&report, out),
        LintFormatArg::Sarif => crate::report::sarif::write(&report, out),
        LintFormatArg::Github => crate::report::github::write(&report, out),
    }
    .map_err(Error::Output)?;
    if args.format == LintFormatArg::Text {
        for n in &notes {
            writeln!(io.err, "relayctl: note: {}", untrusted(n)).map_err(Error::Output)?;
        }
        crate::report::lint::write_summary(&report, &mut *io.err).map_err(Error::Output)?;
    }
    let at = threshold(args.fail_on);
    Ok(if report.count_at(at) > 0 {
        ExitStatus::Findings
    } else if unreadable {
        ExitStatus::Input
    } else {
        ExitStatus::Ok
    })
}

fn forced_type(t: LintTypeArg) -> FileType {
    match t {
        LintTypeArg::Postfix => FileType::PostfixMain,
        LintTypeArg::Sendmail => FileType::SendmailMc,
        LintTypeArg::Qmail => FileType::Qmail,
        LintTypeArg::Exim => FileType::EximConf,
        LintTypeArg::Opensmtpd => FileType::Opensmtpd,
        LintTypeArg::Msmtp => FileType::Msmtp,
        LintTypeArg::Exchange => FileType::Exchange,
        LintTypeArg::RelayToml => FileType::RelayToml,
        LintTypeArg::Env => FileType::Env,
        LintTypeArg::Compose => FileType::Compose,
        LintTypeArg::Kubernetes => FileType::Kubernetes,
        LintTypeArg::Shell => FileType::Shell,
    }
}

/// The kind of a file from its name alone; `None` for names that say nothing.
pub fn type_by_name(name: &str) -> Option<FileType> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "main.cf" => FileType::PostfixMain,
        "master.cf" => FileType::PostfixMaster,
        "sasl_passwd" | "transport" | "sender_relay" => FileType::PostfixMap,
        "smtproutes" | "helohost" | "timeoutsmtpd" => FileType::Qmail,
        "update-exim4.conf.conf" => FileType::EximConf,
        "passwd.client" => FileType::EximPasswd,
        "smtpd.conf" => FileType::Opensmtpd,
        "msmtprc" | ".msmtprc" => FileType::Msmtp,
        "relay.toml" => FileType::RelayToml,
        ".env" => FileType::Env,
        _ if lower.ends_with(".env") => FileType::Env,
        _ if is_yaml(&lower)
            && (lower.starts_with("docker-compose") || lower.starts_with("compose")) =>
        {
            FileType::Compose
        }
        _ if lower.ends_with(".mc") => FileType::SendmailMc,
        _ if lower.ends_with(".ps1") => FileType::Exchange,
        _ if lower.ends_with("msmtprc") => FileType::Msmtp,
        _ => return None,
    })
}

/// Whether a (lower-case) file name is YAML's.
fn is_yaml(lower: &str) -> bool {
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// The first command word of a shell line (after `sudo`), without its directory.
fn command_word(line: &str) -> &str {
    let mut words = line.split_whitespace();
    let mut w = words.next().unwrap_or("");
    if w == "sudo" {
        w = words.next().unwrap_or("");
    }
    w.rsplit('/').next().unwrap_or(w)
}

/// Whether a shell script configures Postfix: a `postconf` command, or main.cf written
/// by a redirection.
fn configures_postfix(head: &str) -> bool {
    head.lines().any(|l| {
        let t = l.trim_start();
        command_word(t) == "postconf"
            || t.contains(" postconf ")
            || (t.contains('>') && t.contains("main.cf") && !t.starts_with('#'))
    })
}

/// A workload kind line of Kubernetes manifests.
fn has_workload(head: &str) -> bool {
    head.lines().any(|l| {
        l.strip_prefix("kind:").is_some_and(|k| {
            mta::kubernetes::WORKLOADS.contains(&k.trim().trim_matches(['"', '\'']))
        })
    })
}

/// The kind of a YAML file from its content: Kubernetes manifests with a workload, a
/// compose file (services, or a top-level service with an image), or a bare map of
/// variables (read as a compose environment).
fn yaml_type(head: &str) -> Option<FileType> {
    if has_workload(head) {
        return Some(FileType::Kubernetes);
    }
    if head.lines().any(|l| l.starts_with("kind:")) {
        return None;
    }
    if head.lines().any(|l| l.starts_with("services:"))
        || head.lines().any(|l| l.trim_start().starts_with("image:"))
    {
        return Some(FileType::Compose);
    }
    let env_map = head
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
        .all(|l| {
            l.split_once(':').is_some_and(|(k, _)| {
                k.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        });
    (env_map && !head.trim().is_empty()).then_some(FileType::Compose)
}

/// The kind of a file from its name and content, for names that say nothing by
/// themselves (scripts, YAML).
pub fn type_by_name_and_content(name: &str, text: &str) -> Option<FileType> {
    let lower = name.to_ascii_lowercase();
    let head: String = text.chars().take(64 * 1024).collect();
    if is_yaml(&lower) {
        return yaml_type(&head);
    }
    if lower.ends_with(".sh") || lower.ends_with(".bash") || head.starts_with("#!") {
        return configures_postfix(&head).then_some(FileType::Shell);
    }
    type_by_content(text)
}

/// The kind of a file from its content, for names that say nothing.
pub fn type_by_content(text: &str) -> Option<FileType> {
    let head: String = text.chars().take(64 * 1024).collect();
    let has_line = |prefix: &str| head.lines().any(|l| l.trim_start().starts_with(prefix));
    let has_assignment = |prefix: &str| {
        head.lines()
            .any(|l| l.trim_start().starts_with(prefix) && l.contains('='))
    };
    if head.starts_with("#!") {
        // A script is read as one, never as the configuration it resembles.
        return configures_postfix(&head).then_some(FileType::Shell);
    }
    if head
        .lines()
        .any(|l| command_word(l.trim_start()) == "postconf")
    {
        return Some(FileType::Shell);
    }
    if looks_like_log(&head) {
        return None;
    }
    if head.contains("New-SendConnector") || head.contains("Set-SendConnector") {
        Some(FileType::Exchange)
    } else if head.contains("define(`") || head.contains("MAILER(") || head.contains("FEATURE(") {
        Some(FileType::SendmailMc)
    } else if has_line("dc_") {
        Some(FileType::EximConf)
    } else if has_line("[console]") || has_line("[site]") {
        Some(FileType::RelayToml)
    } else if has_assignment("relayhost") || has_assignment("smtp_") || has_assignment("myhostname")
    {
        Some(FileType::PostfixMain)
    } else if has_line("kind:") && has_workload(&head) {
        Some(FileType::Kubernetes)
    } else if has_line("action ") && head.contains(" relay") {
        Some(FileType::Opensmtpd)
    } else if has_line("account ") || has_line("defaults") {
        Some(FileType::Msmtp)
    } else {
        None
    }
}

/// Files a reader reads beside its main file: not linted on their own in a walk.
fn is_companion(t: FileType) -> bool {
    matches!(
        t,
        FileType::PostfixMaster | FileType::PostfixMap | FileType::EximPasswd
    )
}

/// A directory a walk does not enter: hidden ones, build output and packages.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

/// Walks the directory `root` for the files relayctl recognises by name, in name order.
/// The root is read even when it is a symbolic link (it was given explicitly); below it,
/// symbolic links (to directories and to files alike, as ripgrep without `-L`) are followed
/// only with `follow`, so `lint /proc/self` or a link to `/` stays in the tree it was given.
/// With `follow`, a directory reached twice (a loop, or two links to it) is walked once.
fn walk(
    root: &Path,
    follow: bool,
    out: &mut Vec<(PathBuf, Option<FileType>)>,
    notes: &mut Vec<String>,
) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut too_deep: Vec<PathBuf> = Vec::new();
    let entries = WalkDir::new(root)
        .follow_links(follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if !e.file_type().is_dir() {
                return true;
            }
            if e.depth() > 0 && skipped_dir(&e.file_name().to_string_lossy()) {
                return false;
            }
            if e.depth() > MAX_DEPTH {
                too_deep.push(e.path().to_owned());
                return false;
            }
            // Without --follow no link is entered, so no directory comes twice.
            !follow || std::fs::canonicalize(e.path()).map_or(true, |real| seen.insert(real))
        });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            // A link back to a directory being walked (--follow): walked already.
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => {
                let at = e.path().unwrap_or(root);
                notes.push(format!("{}: cannot be read", at.display()));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        let kind = type_by_name(&name);
        let ft = entry.file_type();
        if ft.is_symlink() {
            // Only without --follow (with it, the entry has its target's type). Said when it
            // would have mattered: a recognised name, or a directory.
            if entry.depth() > 0
                && (kind.is_some() || (!skipped_dir(&name) && entry.path().is_dir()))
            {
                notes.push(format!(
                    "{}: symbolic link, not followed (pass --follow, or give it as a path)",
                    entry.path().display()
                ));
            }
            continue;
        }
        let kind = match kind {
            Some(k) => Some(k),
            None if ft.is_file() && sniffed(&name) => sniff(entry.path(), &name, notes),
            None => None,
        };
        let Some(t) = kind else { continue };
        if !ft.is_file() {
            if !ft.is_dir() {
                // A FIFO or device would block the read or never end.
                notes.push(format!(
                    "{}: not a regular file, not read",
                    entry.path().display()
                ));
            }
            continue;
        }
        // qmail's helohost/timeoutsmtpd are read through smtproutes.
        let qmail_companion = t == FileType::Qmail && name != "smtproutes";
        if !is_companion(t) && !qmail_companion {
            out.push((entry.into_path(), None));
        }
    }
    for dir in too_deep {
        notes.push(format!(
            "{}: deeper than {MAX_DEPTH} levels, not walked",
            dir.display()
        ));
    }
    // A .env beside a compose file is that file's (env_file, interpolation): read with it.
    let compose_dirs: HashSet<PathBuf> = out
        .iter()
        .filter(|(p, _)| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase());
            n.is_some_and(|n| type_by_name(&n) == Some(FileType::Compose))
        })
        .filter_map(|(p, _)| p.parent().map(Path::to_path_buf))
        .collect();
    out.retain(|(p, _)| {
        let is_env = p
            .file_name()
            .is_some_and(|n| type_by_name(&n.to_string_lossy()) == Some(FileType::Env));
        !(is_env && p.parent().is_some_and(|d| compose_dirs.contains(d)))
    });
}

/// Names a walk reads the start of to tell their kind (scripts, YAML, configuration-like
/// files); other unknown names are skipped silently.
fn sniffed(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".sh", ".bash", ".yml", ".yaml", ".conf", ".cf", ".tpl", ".nix", ".log",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

/// The kind of a file the walk found by the start of its content; a note says so when it
/// is not one relayctl reads.
fn sniff(path: &Path, name: &str, notes: &mut Vec<String>) -> Option<FileType> {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    if read.is_err() || head.contains(&0) {
        return None;
    }
    let text = String::from_utf8_lossy(&head);
    let t = type_by_name_and_content(name, &text);
    if t.is_none() {
        notes.push(format!(
            "{}: not read: unsupported: {}",
            path.display(),
            describe(name, &text)
        ));
    }
    t
}

/// Reads a file as text for a reader: `Err` with the reason when it is not a text file.
fn read_text(path: &Path) -> Result<(String, Option<u32>), Unreadable> {
    let bytes = fsx::read_bytes_bounded(path, MAX_FILE_BYTES).map_err(|e| match &e {
        Error::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Unreadable {
                why: format!("{}: no such file", path.display()),
                fix: format!(
                    "Check the path: {} does not exist (a relative path starts from the current directory).",
                    path.display()
                ),
            }
        }
        Error::Read { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
            Unreadable {
                why: e.to_string(),
                fix: "Run relayctl lint as a user who can read the file, or lint a readable copy."
                    .to_owned(),
            }
        }
        _ => Unreadable::rule(e.to_string()),
    })?;
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(Unreadable::rule(format!(
            "{}: binary file (NUL bytes); not a configuration file",
            path.display()
        )));
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok((t, None)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Ok((text, u32::try_from(line).ok()))
        }
    }
}

/// Why a file could not be linted, and the fix for that cause.
struct Unreadable {
    why: String,
    fix: String,
}

impl Unreadable {
    /// A cause the rule's own fix covers (binary, too large, an I/O error).
    fn rule(why: String) -> Unreadable {
        Unreadable {
            why,
            fix: lint::UNREADABLE.fix.to_owned(),
        }
    }
}

fn unreadable(name: &str, t: Option<FileType>, u: Unreadable) -> FileReport {
    FileReport {
        file: name.to_owned(),
        file_type: t,
        findings: vec![lint::UNREADABLE.finding(Severity::Error, None, u.why, u.fix)],
    }
}

fn lint_file(path: &Path, forced: Option<FileType>, ctx: &Context) -> FileReport {
    let name = path.display().to_string();
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (text, bad_utf8_line) = match read_text(path) {
        Ok(x) => x,
        Err(why) => return unreadable(&name, forced.or_else(|| type_by_name(&base)), why),
    };
    let t = forced
        .or_else(|| type_by_name(&base))
        .or_else(|| type_by_name_and_content(&base, &text));
    let Some(t) = t else {
        return unsupported(&name, None, &describe(&base, &text));
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let beside = move |wanted: &str| -> Option<SourceFile> {
        if wanted == mta::DIR_LISTING {
            return Some(SourceFile {
                name: dir.display().to_string(),
                text: listing(&dir),
            });
        }
        // The configuration names paths of the machine it runs on (/etc/postfix/sasl_passwd);
        // the linted copy keeps them beside the main file.
        let file = Path::new(wanted).file_name()?;
        let p = dir.join(file);
        let (text, _) = read_text(&p).ok()?;
        Some(SourceFile {
            name: p.display().to_string(),
            text,
        })
    };
    let primary = SourceFile {
        name: name.clone(),
        text,
    };
    let mut observed = match mta::read(t, &primary, &beside) {
        mta::Outcome::Plan(p) => *p,
        // Not an MTA's configuration: relay.toml itself.
        mta::Outcome::NotAnMta => {
            return FileReport {
                file: name.clone(),
                file_type: Some(t),
                findings: relay_toml(&primary),
            };
        }
        mta::Outcome::Unsupported(what) => return unsupported(&name, Some(t), &what),
    };
    if let Some(line) = bad_utf8_line {
        observed.syntax.push(mta::SyntaxProblem {
            message: "not valid UTF-8 from here on (read with replacement characters)".into(),
            span: Span::new(&name, line, 1),
        });
    }
    let mut findings = lint::check(&observed, ctx);
    lint::apply_suppressions(&mut findings, &observed);
    FileReport {
        file: name,
        file_type: Some(t),
        findings,
    }
}

/// The kinds relayctl reads, for messages.
const READS: &str = "main.cf, sendmail.mc, smtproutes, update-exim4.conf.conf, smtpd.conf, msmtprc, Exchange *.ps1, relay.toml, .env and compose files or Kubernetes manifests of a known relay image, shell scripts that run postconf";

/// A file relayctl cannot judge: said as such (exit 3 for it), with what it looked like.
fn unsupported(name: &str, t: Option<FileType>, what: &str) -> FileReport {
    unreadable(
        name,
        t,
        Unreadable {
            why: format!("{name}: unsupported: {what}"),
            fix: format!("relayctl reads {READS}. If the file is one of these under another name, give --type (postfix, sendmail, qmail, exim, opensmtpd, msmtp, exchange, relay-toml, env, compose, kubernetes, shell)."),
        },
    )
}

/// What a file relayctl does not read looks like, for the message that says so.
fn describe(name: &str, text: &str) -> String {
    let head: String = text.chars().take(64 * 1024).collect();
    let lower = name.to_ascii_lowercase();
    let first = head
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let first: String = first.chars().take(60).collect();
    if head.trim().is_empty() {
        "an empty file".to_owned()
    } else if looks_like_log(&head) {
        "a log (its lines start with a time stamp or a container name), not a configuration"
            .to_owned()
    } else if lower.ends_with(".sh") || lower.ends_with(".bash") || head.starts_with("#!") {
        if head
            .lines()
            .any(|l| l.contains("dc_eximconfig_configtype") || l.contains("dc_smarthost"))
        {
            "a shell script that sets Debian Exim values (dc_*); relayctl reads scripts that configure Postfix".to_owned()
        } else {
            "a shell script that configures no Postfix (no postconf line, no main.cf written)"
                .to_owned()
        }
    } else if is_yaml(&lower) {
        if head.lines().any(|l| l.starts_with("kind:")) {
            "Kubernetes manifests without a workload (a ConfigMap or Secret is read with the Deployment beside it)".to_owned()
        } else {
            "YAML that is neither a compose file nor Kubernetes manifests".to_owned()
        }
    } else if head
        .lines()
        .any(|l| l.trim_start().to_ascii_lowercase().starts_with("mailhub="))
    {
        "an ssmtp configuration (ssmtp is not one of the MTAs relayctl reads)".to_owned()
    } else if lower.ends_with(".nix") {
        "a Nix expression (an embedded configuration is not extracted)".to_owned()
    } else if head.contains("{{") || head.contains("{%") || head.contains("%%") {
        format!("a template (its first line: {first:?})")
    } else {
        format!("no configuration relayctl recognises (its first line: {first:?})")
    }
}

/// Whether the text is a log: most of its first lines start with a time stamp, a syslog
/// date or a `docker compose` container prefix, or are Postfix delivery lines.
fn looks_like_log(head: &str) -> bool {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    if lines.is_empty() {
        return false;
    }
    let months = [
        "jan ", "feb ", "mar ", "apr ", "may ", "jun ", "jul ", "aug ", "sep ", "oct ", "nov ",
        "dec ",
    ];
    let log_line = |l: &str| {
        let lower = l.to_ascii_lowercase();
        let digits = l.chars().take_while(char::is_ascii_digit).count();
        let after = l.chars().nth(digits);
        months.iter().any(|m| lower.starts_with(m))
            && lower
                .chars()
                .nth(4)
                .is_some_and(|c| c.is_ascii_digit() || c == ' ')
            || (1..=4).contains(&digits)
                && matches!(after, Some('-' | '/' | '.'))
                && l.contains(':')
            || lower.contains("status=") && lower.contains("relay=")
            || l.split_once(" |").is_some_and(|(p, _)| {
                let p = p.trim_end();
                !p.is_empty() && !p.contains(char::is_whitespace)
            })
            || l.starts_with("...")
    };
    let n = lines.iter().filter(|l| log_line(l)).count();
    n * 10 >= lines.len() * 6
}

/// The names of the regular files in `dir`, one per line (at most [`mta::MAX_LISTING`]),
/// for readers that look for a companion by content.
fn listing(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return String::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains('\n'))
        .take(mta::MAX_LISTING)
        .collect();
    names.sort();
    names.join("\n")
}

/// relay.toml itself: its syntax and the plan it describes.
fn relay_toml(f: &SourceFile) -> Vec<Finding> {
    let mk = |line: u32, message: String| {
        lint::RELAY_TOML.finding(
            Severity::Error,
            Some(Span::new(&f.name, line, 1)),
            message,
            lint::RELAY_TOML.fix.to_owned(),
        )
    };
    match crate::config::parse(&f.text) {
        Err(e) => vec![mk(u32::try_from(e.line).unwrap_or(1), e.message)],
        Ok(cfg) => {
            let console = cfg.console.unwrap_or_default();
            let mut site = cfg.site;
            if site.helo.is_none() {
                // The plan needs a name; lint judges the file, not this machine.
                site.helo = "mail.example.com".parse().ok();
            }
            match crate::relay::plan::plan(&console, &site, "relay.toml", Capabilities::FULL, false)
            {
                Ok(_) => Vec::new(),
                Err(e) => vec![mk(1, e.to_string())],
            }
        }
    }
}

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
                "{}: no configuration file relayctl recognises (main.cf, *.mc, smtproutes, update-exim4.conf.conf, smtpd.conf, msmtprc, *.ps1, relay.toml); check the path, or pass --allow-empty",
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
        _ if lower.ends_with(".mc") => FileType::SendmailMc,
        _ if lower.ends_with(".ps1") => FileType::Exchange,
        _ if lower.ends_with("msmtprc") => FileType::Msmtp,
        _ => return None,
    })
}

/// The kind of a file from its content, for names that say nothing.
pub fn type_by_content(text: &str) -> Option<FileType> {
    let head: String = text.chars().take(64 * 1024).collect();
    let has_line = |prefix: &str| head.lines().any(|l| l.trim_start().starts_with(prefix));
    if head.contains("New-SendConnector") || head.contains("Set-SendConnector") {
        Some(FileType::Exchange)
    } else if head.contains("define(`") || head.contains("MAILER(") || head.contains("FEATURE(") {
        Some(FileType::SendmailMc)
    } else if has_line("dc_") {
        Some(FileType::EximConf)
    } else if has_line("[console]") || has_line("[site]") {
        Some(FileType::RelayToml)
    } else if has_line("relayhost") || has_line("smtp_") || has_line("myhostname") {
        Some(FileType::PostfixMain)
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
        .or_else(|| type_by_content(&text));
    let Some(t) = t else {
        return unreadable(
            &name,
            None,
            Unreadable {
                why: format!("{name}: cannot tell which MTA this file is for; give --type"),
                fix: "Give --type (postfix, sendmail, qmail, exim, opensmtpd, msmtp, exchange, relay-toml), or lint the file under the name the MTA gives it (main.cf, smtpd.conf, ...).".to_owned(),
            },
        );
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let beside = move |wanted: &str| -> Option<SourceFile> {
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
    let Some(mut observed) = mta::read(t, &primary, &beside) else {
        // Not an MTA's configuration: relay.toml itself.
        return FileReport {
            file: name.clone(),
            file_type: Some(t),
            findings: relay_toml(&primary),
        };
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

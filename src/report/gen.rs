//! Text and JSON renderings of a `gen` artifact. Text: the paste-ready part on `out`
//! (the primary file's lines, the command script or the numbered steps), everything else
//! on `err` under clear headings, so `relayctl gen postfix > relay.cf` gives a clean file.

use std::io::{self, Write};

use serde::Serialize;

use crate::gen::{Artifact, Primary, Shell};
use crate::relay::plan::{ClientPlan, NoteLevel};

/// The schema id of `relayctl gen --format json`.
pub const SCHEMA: &str = "relayctl/gen/1";

#[derive(Serialize)]
struct GenDoc<'a> {
    #[serde(flatten)]
    artifact: &'a Artifact,
    plan: &'a ClientPlan,
}

/// Writes the whole artifact and the plan it spells as one JSON document on `out`.
pub fn write_json(a: &Artifact, plan: &ClientPlan, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(SCHEMA, &GenDoc { artifact: a, plan }, out)
}

/// Writes the paste-ready part on `out` and the rest on `err`.
pub fn write_text(a: &Artifact, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    match a.primary {
        Primary::File => {
            if let Some(f) = a.files.iter().find(|f| f.primary) {
                for l in &f.lines {
                    writeln!(out, "{l}")?;
                }
            }
        }
        Primary::Commands => {
            for c in &a.commands {
                writeln!(out, "{}", c.line)?;
            }
        }
        Primary::Steps => {
            for (i, s) in a.steps.iter().enumerate() {
                writeln!(out, "{:>2}. {s}", i + 1)?;
            }
        }
    }
    out.flush()?;

    writeln!(err, "relayctl: {}", a.title)?;
    for f in &a.files {
        let what = if f.create { "create" } else { "edit" };
        let mode = f.mode.map(|m| format!(", mode {m}")).unwrap_or_default();
        if f.primary && a.primary == Primary::File {
            writeln!(
                err,
                "relayctl: stdout holds the lines for {} ({what}{mode}): {}",
                f.path, f.purpose
            )?;
            continue;
        }
        writeln!(err, "\n== {what} {}{mode}: {}", f.path, f.purpose)?;
        for l in &f.lines {
            writeln!(err, "    {l}")?;
        }
    }
    let rest: Vec<_> = match a.primary {
        Primary::Commands => Vec::new(),
        _ => a.commands.iter().collect(),
    };
    if !rest.is_empty() {
        let shell = if rest.iter().any(|c| c.shell == Shell::Powershell) {
            "in the Exchange Management Shell"
        } else {
            "as root"
        };
        writeln!(err, "\n== then run, {shell}:")?;
        for c in rest {
            writeln!(err, "    {:<60} # {}", c.line, c.purpose)?;
        }
    }
    if a.primary != Primary::Steps && !a.steps.is_empty() {
        writeln!(err, "\n== steps:")?;
        for (i, s) in a.steps.iter().enumerate() {
            writeln!(err, "{:>6}. {s}", i + 1)?;
        }
    }
    if !a.verify.is_empty() {
        writeln!(err, "\n== verify:")?;
        for v in &a.verify {
            writeln!(err, "    {v}")?;
        }
    }
    if !a.notes.is_empty() {
        writeln!(err, "\n== notes:")?;
        for n in &a.notes {
            let level = match n.level {
                NoteLevel::Info => "note",
                NoteLevel::Warning => "warning",
            };
            writeln!(err, "  - {level}: {} [{}]", n.text, n.fact)?;
        }
    }
    err.flush()
}

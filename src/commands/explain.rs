//! `relayctl explain [REPLY...]`: read a reply from the arguments or stdin, explain it with
//! `explain::explain`, render. Exit 0 whenever a reply was read (an explanation is not a
//! finding, even for a refusal); 3 for no reply, more than 1 MiB, or binary data.
//! Non-UTF-8 bytes on stdin are read as U+FFFD (a note on stderr in text mode): replies
//! are ASCII, and a Latin-1 log prefix must not hide them.

use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;

use super::Io;
use crate::cli::{ExplainArgs, FormatArg};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::explain;

/// The most relayctl reads: a reply is a few hundred bytes, and a pasted log is cut at
/// 64 KiB by `explain` anyway; anything larger is the wrong input.
const MAX_REPLY_BYTES: usize = 1 << 20;

pub(super) fn run(args: ExplainArgs, io: &mut Io<'_>) -> Result<ExitStatus, Error> {
    let (reply, lossy) = read_reply(&args.reply)?;
    let x = explain::explain(&reply);
    match args.format {
        FormatArg::Text => {
            if lossy {
                let _ = writeln!(
                    io.err,
                    "relayctl: note: stdin is not UTF-8; invalid bytes were read as U+FFFD"
                );
            }
            crate::report::explain::write_text(&x, &mut *io.out)
        }
        FormatArg::Json => {
            let text = explain::normalise(&reply).text;
            crate::report::explain::write_json(&x, &text, &mut *io.out)
        }
    }
    .map_err(Error::Output)?;
    Ok(ExitStatus::Ok)
}

fn no_reply() -> Error {
    Error::Value(
        "no reply given: pass it as an argument (relayctl explain \"550 5.7.1 ...\") or on stdin"
            .to_owned(),
    )
}

fn stdin_error(message: String) -> Error {
    Error::BadFile {
        path: PathBuf::from("stdin"),
        message,
    }
}

/// The reply: the arguments joined with spaces, or stdin when there are none or the only
/// one is `-`. Also whether invalid UTF-8 was replaced.
fn read_reply(words: &[String]) -> Result<(String, bool), Error> {
    let from_stdin = words.is_empty() || (words.len() == 1 && words[0] == "-");
    let (text, lossy) = if from_stdin {
        // Without arguments on a terminal, say what to do instead of waiting for input.
        if words.is_empty() && io::stdin().is_terminal() {
            return Err(no_reply());
        }
        read_stdin()?
    } else {
        let text = words.join(" ");
        if text.len() > MAX_REPLY_BYTES {
            return Err(Error::Value(format!(
                "the reply is larger than {MAX_REPLY_BYTES} bytes; give one reply, not a whole log"
            )));
        }
        (text, false)
    };
    if text.trim().is_empty() {
        return Err(no_reply());
    }
    Ok((text, lossy))
}

/// Reads stdin up to `MAX_REPLY_BYTES`; refuses more, and binary data (NUL bytes).
fn read_stdin() -> Result<(String, bool), Error> {
    let mut buf = Vec::new();
    io::stdin()
        .lock()
        .take(MAX_REPLY_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|source| Error::Read {
            path: PathBuf::from("stdin"),
            source,
        })?;
    if buf.len() > MAX_REPLY_BYTES {
        return Err(stdin_error(format!(
            "larger than {MAX_REPLY_BYTES} bytes; give one reply, not a whole log"
        )));
    }
    if buf.contains(&0) {
        return Err(stdin_error(
            "binary data (NUL bytes), not a reply; give the reply as text".to_owned(),
        ));
    }
    match String::from_utf8(buf) {
        Ok(s) => Ok((s, false)),
        Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
    }
}

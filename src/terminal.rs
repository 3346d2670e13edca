//! The process and its terminal: what happens on Ctrl-C (SIGINT) and SIGTERM, and how the
//! terminal is given back. Only `main` installs the handler; the progress display
//! (`commands::progress`) registers how to clear its lines.
//!
//! Why a handler at all: the default SIGINT action kills the process where it stands, which
//! leaves spinner lines half drawn and, when Ctrl-C lands during the password prompt, the
//! terminal with echo off. The handler runs on its own thread (signal-hook's iterator, so no
//! code runs in signal context), clears the progress lines, restores the terminal settings
//! saved at start, and exits with 128 + the signal number (130 for Ctrl-C), as shells report.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// How long the handler waits for the progress display to clear its lines before it exits
/// anyway: a terminal that does not take output (Ctrl-S) must not keep the process alive.
const CLEAR_WAIT: Duration = Duration::from_millis(300);

/// The one clean-up registered by the progress display: it is asked to clear its lines and
/// answers on the given channel when done.
type Cleanup = Box<dyn Fn(mpsc::Sender<()>) + Send>;

static CLEANUP: Mutex<Option<Cleanup>> = Mutex::new(None);

/// Set as soon as a signal arrives: from then on the handler owns the exit, and `main`
/// prints nothing of what the interrupted work returned.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Whether SIGINT or SIGTERM has arrived.
pub fn signalled() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}

/// A command that ends gracefully on a signal (`relayctl sim`): while set, SIGINT and
/// SIGTERM are sent here instead of ending the process.
static TAKEOVER: Mutex<Option<mpsc::Sender<i32>>> = Mutex::new(None);

/// Hands SIGINT and SIGTERM to the caller: the returned channel gets each signal number,
/// and the handler no longer exits the process. For a server that stops cleanly (closes
/// its sockets, flushes its log, prints a summary) and exits 0. Without `install` (tests
/// of the library) no signal ever arrives on the channel.
pub fn take_over_signals() -> mpsc::Receiver<i32> {
    let (tx, rx) = mpsc::channel();
    if let Ok(mut slot) = TAKEOVER.lock() {
        *slot = Some(tx);
    }
    rx
}

/// Registers (or, with `None`, removes) the clean-up run before the process exits on a
/// signal. One at a time: relayctl shows at most one progress display.
pub fn set_cleanup(cleanup: Option<Cleanup>) {
    if let Ok(mut slot) = CLEANUP.lock() {
        *slot = cleanup;
    }
}

/// Installs the SIGINT/SIGTERM handler. Called once, by `main`, before any command runs.
/// A failure to install leaves the default actions (the process still ends on Ctrl-C).
pub fn install() {
    let saved = SavedTerminal::capture();
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if let Some(tx) = TAKEOVER.lock().ok().and_then(|t| t.clone()) {
                    if tx.send(signal).is_ok() {
                        continue;
                    }
                }
                SIGNALLED.store(true, Ordering::SeqCst);
                run_cleanup();
                saved.restore();
                if signal == SIGINT && std::io::stderr().is_terminal() {
                    // After the cleared lines, so the shell prompt starts on a fresh line.
                    let _ = writeln!(std::io::stderr(), "relayctl: interrupted");
                }
                std::process::exit(128 + signal);
            }
        });
}

/// Called when a wait was cut short by a signal: gives the handler thread, which is
/// already restoring the terminal, time to finish and exit the process with its code.
pub fn await_exit() {
    std::thread::sleep(CLEAR_WAIT * 4);
}

fn run_cleanup() {
    // try_lock: a clean-up being replaced at this very moment is not worth waiting for.
    let Ok(slot) = CLEANUP.try_lock() else {
        return;
    };
    if let Some(cleanup) = slot.as_ref() {
        let (done, wait) = mpsc::channel();
        cleanup(done);
        let _ = wait.recv_timeout(CLEAR_WAIT);
    }
}

/// The terminal settings of stdin at start, when stdin is a terminal: the password prompt
/// turns echo off, and an interrupted prompt must not leave it off.
struct SavedTerminal(Option<rustix::termios::Termios>);

impl SavedTerminal {
    fn capture() -> SavedTerminal {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return SavedTerminal(None);
        }
        SavedTerminal(rustix::termios::tcgetattr(&stdin).ok())
    }

    fn restore(&self) {
        if let Some(t) = &self.0 {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                t,
            );
        }
    }
}

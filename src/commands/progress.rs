//! Progress on a terminal: one spinner line per task on stderr, drawn by a thread of its own.
//!
//! The work never waits for the drawing. Tasks (the probe's worker threads) only send
//! messages on an unbounded channel, which cannot block; the drawing thread alone owns
//! indicatif's state and the terminal writes, ticks the spinners, and clears its lines when
//! the work is done, when the display is dropped (an error path), or when the process is
//! interrupted (`terminal::set_cleanup`). Before this design the workers called indicatif
//! directly, and a stderr lock held elsewhere could stop the probe forever.

use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use std::io;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use crate::probe::Event;
use crate::terminal;

/// How often the spinners turn.
const TICK: Duration = Duration::from_millis(100);

enum Msg {
    Start {
        key: String,
        message: String,
    },
    Finish {
        key: String,
        message: String,
    },
    /// Clear every line, then answer on the sender and stop.
    Clear(Sender<()>),
}

/// A progress display. Disabled (every call a no-op) unless stderr is a terminal and the
/// output is for a person.
pub struct Progress {
    tx: Option<Sender<Msg>>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// A display that draws nothing.
    pub fn disabled() -> Progress {
        Progress {
            tx: None,
            drawer: None,
        }
    }

    /// Spinners on stderr when `enabled` (the caller checks that stderr is a terminal).
    pub fn spinners(enabled: bool) -> Progress {
        if !enabled {
            return Progress::disabled();
        }
        let (tx, rx) = mpsc::channel();
        let Ok(drawer) = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw(&rx))
        else {
            return Progress::disabled();
        };
        let for_signal = tx.clone();
        terminal::set_cleanup(Some(Box::new(move |done| {
            if for_signal.send(Msg::Clear(done.clone())).is_err() {
                // The drawer has already stopped: nothing left on screen.
                let _ = done.send(());
            }
        })));
        Progress {
            tx: Some(tx),
            drawer: Some(drawer),
        }
    }

    /// A task started: a new spinner line.
    pub fn start(&self, key: String, message: String) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Start { key, message });
        }
    }

    /// A task ended: its line stops turning and shows `message`.
    pub fn finish(&self, key: String, message: String) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Finish { key, message });
        }
    }

    /// A probe's or a send-test's event as a spinner line: one per port and address,
    /// `verb` (`probing`, `sending`) while it runs, its status when it ends.
    pub fn connection(&self, ev: Event, verb: &str) {
        match ev {
            Event::Started { port, addr } => self.start(
                format!("{port} {addr}"),
                format!("port {port} {}: {verb}", addr.ip()),
            ),
            Event::Finished { port, addr, status } => self.finish(
                format!("{port} {addr}"),
                format!("port {port} {}: {}", addr.ip(), status.as_str()),
            ),
        }
    }

    /// Clears every line and stops the drawing thread (also done on drop).
    pub fn clear(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        terminal::set_cleanup(None);
        if let Some(tx) = self.tx.take() {
            let (done, wait) = mpsc::channel();
            if tx.send(Msg::Clear(done)).is_ok() {
                let _ = wait.recv();
            }
        }
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// stderr as indicatif's terminal, two columns narrower than it is.
///
/// indicatif pads every line to the terminal's width, which leaves the cursor in the
/// last column: the terminal's own echo of Ctrl-C (`^C`) then wraps onto a new line, and
/// the clearing that follows misses the top spinner line. With two columns left free the
/// echo fits on the last spinner line, which the clearing erases.
#[derive(Debug)]
struct EchoRoom(console::Term);

/// The columns left free for the terminal's `^C`.
const ECHO_ROOM: u16 = 2;

impl TermLike for EchoRoom {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(ECHO_ROOM).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The drawing thread: the only code that touches indicatif.
fn draw(rx: &mpsc::Receiver<Msg>) {
    let target =
        ProgressDrawTarget::term_like_with_hz(Box::new(EchoRoom(console::Term::stderr())), 20);
    let multi = MultiProgress::with_draw_target(target);
    let style = ProgressStyle::with_template("{spinner} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut bars: HashMap<String, ProgressBar> = HashMap::new();
    loop {
        match rx.recv_timeout(TICK) {
            Ok(Msg::Start { key, message }) => {
                let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.set_message(message);
                bars.insert(key, bar);
            }
            Ok(Msg::Finish { key, message }) => {
                if let Some(bar) = bars.get(&key) {
                    bar.finish_with_message(message);
                }
            }
            Ok(Msg::Clear(done)) => {
                let _ = multi.clear();
                let _ = done.send(());
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                for bar in bars.values().filter(|b| !b.is_finished()) {
                    bar.tick();
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = multi.clear();
                return;
            }
        }
    }
}

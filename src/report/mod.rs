//! Renderers: domain results -> bytes on a given `Write`. Pure: no network, no context,
//! no terminal queries; callers pass the writers.

pub mod cidr;
pub mod explain;
pub mod findings;
pub mod gen;
pub mod github;
pub mod helo;
pub mod json;
pub mod lint;
pub mod probe;
pub mod sarif;
pub mod send_test;
mod untrusted;

pub use untrusted::{is_control, untrusted};

use anstyle::{AnsiColor, Style};

/// `word` in `style`, reset after it.
fn styled(style: Style, word: &str) -> String {
    format!("{}{word}{}", style.render(), style.render_reset())
}

/// Colour for text output: on for a terminal without NO_COLOR (the caller decides; a
/// renderer never asks the terminal). Severity words only, so a pasted line reads the same.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paint {
    /// Whether to colour at all.
    pub color: bool,
}

impl Paint {
    /// No colour: files, pipes, NO_COLOR.
    pub const PLAIN: Paint = Paint { color: false };

    /// A severity word coloured by its weight: `error` red, `warning` yellow, anything
    /// lower (note, info) cyan.
    pub fn severity(self, word: &str) -> String {
        if !self.color {
            return word.to_owned();
        }
        let color = match word {
            "error" => AnsiColor::Red,
            "warning" => AnsiColor::Yellow,
            _ => AnsiColor::Cyan,
        };
        styled(color.on_default(), word)
    }
}

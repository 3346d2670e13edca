//! The documented exit codes of relayctl (README "Exit codes", man page).
//! Only `main.rs` turns an [`ExitStatus`] into a process exit code.

/// An exit status with a documented meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the job ran and nothing reached the failure threshold.
    Ok,
    /// 1: the job ran and found problems (findings at the threshold, a failing verdict).
    Findings,
    /// 2: usage error (clap's code for a bad command line; kept as is).
    Usage,
    /// 3: input error: a file unreadable or unparsable, a bad or inconsistent value.
    Input,
    /// 4: network error before any verdict.
    Network,
    /// 130: interrupted by Ctrl-C (128 + SIGINT, as shells report it); 143 for SIGTERM is
    /// set by the signal handler itself (`terminal.rs`).
    Interrupted,
    /// `--format nagios` only: the monitoring-plugins codes (0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN), which monitoring systems read instead of the codes above.
    Plugin(u8),
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Input => 3,
            ExitStatus::Network => 4,
            ExitStatus::Interrupted => 130,
            ExitStatus::Plugin(code) => code.min(3),
        }
    }
}

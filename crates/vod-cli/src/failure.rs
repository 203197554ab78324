//! Why a command failed, and the exit status and stderr line each failure gets.
//!
//! Kept apart from the commands so that every way out of the process (vendor errors, bad usage,
//! an output that cannot be written) is decided in one place, and none of them is a panic.

use std::io::{self, Write};

use vod::ErrorKind;

/// Exit status when standard output is a pipe whose reader has gone: 128 + SIGPIPE (13), what a
/// shell reports for a program killed by a broken pipe, so `set -o pipefail` scripts see the same
/// status as with other Unix tools.
pub const BROKEN_PIPE: u8 = 141;

/// A failure of a command, with its exit status.
#[derive(Debug)]
pub enum Failure {
    /// Usage or configuration: exit 2.
    Usage(String),
    /// A library error: exit 1 for vendor and network errors, 2 for config and local input errors.
    Vod(vod::Error),
    /// The emulator could not start (a busy port, say) or stop cleanly: exit 2.
    Emulator(io::Error),
    /// The credential could not be encoded as JSON: exit 1, and nothing was printed.
    Encode(serde_json::Error),
    /// Standard output could not be written: exit [`BROKEN_PIPE`] and silence when the reader
    /// has gone, else exit 1 with one line on stderr.
    Output(io::Error),
}

impl Failure {
    /// The line for stderr, or `None` when the failure is reported by the exit status alone.
    pub fn line(&self) -> Option<String> {
        Some(match self {
            Self::Usage(msg) => msg.clone(),
            Self::Vod(err) => err.to_string(),
            Self::Emulator(err) => format!("emulator: {err}"),
            Self::Encode(err) => format!("cannot encode the credential as JSON: {err}"),
            Self::Output(err) if err.kind() == io::ErrorKind::BrokenPipe => return None,
            Self::Output(err) => format!("cannot write to standard output: {err}"),
        })
    }

    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Emulator(_) => 2,
            Self::Vod(err) => match err.kind() {
                ErrorKind::Config => 2,
                // Rejected by our own validation, before any network call.
                ErrorKind::InvalidInput if err.http_status().is_none() => 2,
                _ => 1,
            },
            Self::Encode(_) => 1,
            Self::Output(err) if err.kind() == io::ErrorKind::BrokenPipe => BROKEN_PIPE,
            Self::Output(_) => 1,
        }
    }

    /// Writes [`Failure::line`] to stderr and returns the exit status. A stderr that cannot be
    /// written either is ignored: the status still tells.
    pub fn report(&self) -> u8 {
        if let Some(line) = self.line() {
            let _ = writeln!(io::stderr(), "error: {line}");
        }
        self.exit_code()
    }
}

impl From<vod::Error> for Failure {
    fn from(err: vod::Error) -> Self {
        Self::Vod(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_silent_and_other_write_errors_are_one_line() {
        let gone = Failure::Output(io::ErrorKind::BrokenPipe.into());
        assert_eq!(gone.line(), None);
        assert_eq!(gone.exit_code(), BROKEN_PIPE);

        let full = Failure::Output(io::Error::other("No space left on device"));
        assert_eq!(
            full.line().as_deref(),
            Some("cannot write to standard output: No space left on device")
        );
        assert_eq!(full.exit_code(), 1);
    }

    #[test]
    fn an_encoding_failure_exits_non_zero() {
        let err = serde_json::from_str::<u8>("not json").unwrap_err();
        let failure = Failure::Encode(err);
        assert_eq!(failure.exit_code(), 1);
        assert!(failure.line().unwrap().starts_with("cannot encode"));
    }
}

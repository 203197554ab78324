//! Why a command failed, and the exit status and stderr line each failure gets.
//!
//! Kept apart from the commands so that every way out of the process (vendor errors, bad usage,
//! an output that cannot be written) is decided in one place, and none of them is a panic.

use std::io::{self, Write};
use std::path::PathBuf;

use vod::ErrorKind;

/// Exit status when standard output is a pipe whose reader has gone: 128 + SIGPIPE (13), what a
/// shell reports for a program killed by a broken pipe, so `set -o pipefail` scripts see the same
/// status as with other Unix tools.
pub const BROKEN_PIPE: u8 = 141;

/// Exit status after Ctrl-C: 128 + SIGINT (2), what a shell reports for a program Ctrl-C killed.
pub const INTERRUPTED: u8 = 130;

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
    /// An upload failed: the exit status of [`Failure::Vod`], and for a vendor, network or
    /// storage failure (exit 1) the command that resumes it.
    Upload(Box<Stopped>),
    /// Ctrl-C stopped an upload: exit [`INTERRUPTED`], with the command that resumes it.
    Interrupted(Box<Stopped>),
    /// Standard output could not be written: exit [`BROKEN_PIPE`] and silence when the reader
    /// has gone, else exit 1 with one line on stderr.
    Output(io::Error),
}

/// An upload that stopped before the end: why, and how to go on.
#[derive(Debug)]
pub struct Stopped {
    /// Why it stopped (`None` for Ctrl-C).
    pub error: Option<vod::Error>,
    /// Its checkpoint.
    pub checkpoint: PathBuf,
    /// The command that resumes it, as typed.
    pub command: String,
}

impl Stopped {
    /// Where the upload stands and the command that resumes it. Read when reported, after the
    /// runtime has finished writing the checkpoint.
    fn hint(&self) -> String {
        if self.checkpoint.exists() {
            format!(
                "the checkpoint is kept at {}; to resume, run the same command again:\n  {}",
                self.checkpoint.display(),
                self.command
            )
        } else {
            format!(
                "nothing was stored yet; to start again, run:\n  {}",
                self.command
            )
        }
    }
}

impl Failure {
    /// The line for stderr, or `None` when the failure is reported by the exit status alone.
    pub fn line(&self) -> Option<String> {
        Some(match self {
            Self::Usage(msg) => msg.clone(),
            Self::Vod(err) => err.to_string(),
            Self::Upload(up) => match &up.error {
                Some(err) if vod_exit_code(err) == 1 => format!("{err}\n{}", up.hint()),
                Some(err) => err.to_string(),
                None => up.hint(),
            },
            Self::Interrupted(up) => format!("interrupted; {}", up.hint()),
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
            Self::Vod(err) => vod_exit_code(err),
            Self::Upload(up) => up.error.as_ref().map_or(1, vod_exit_code),
            Self::Interrupted(_) => INTERRUPTED,
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

/// 2 for config errors and input rejected before any network call, else 1.
fn vod_exit_code(err: &vod::Error) -> u8 {
    match err.kind() {
        ErrorKind::Config => 2,
        // Rejected by our own validation (or a local file that cannot be read), before any
        // network call.
        ErrorKind::InvalidInput if err.http_status().is_none() => 2,
        _ => 1,
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

    fn stopped(error: Option<vod::Error>, checkpoint: PathBuf) -> Box<Stopped> {
        Box::new(Stopped {
            error,
            checkpoint,
            command: "vod upload clip.mp4".into(),
        })
    }

    #[test]
    fn a_failed_upload_says_how_to_resume_and_an_input_error_does_not() {
        let kept = std::env::temp_dir().join(format!("vod-failure-{}.json", std::process::id()));
        std::fs::write(&kept, "{}").unwrap();
        let network = vod::Error::new(ErrorKind::Network, "connection refused");
        let failure = Failure::Upload(stopped(Some(network), kept.clone()));
        assert_eq!(failure.exit_code(), 1);
        assert_eq!(
            failure.line().unwrap(),
            format!(
                "network error: connection refused\nthe checkpoint is kept at {}; to resume, run \
                 the same command again:\n  vod upload clip.mp4",
                kept.display()
            )
        );

        let interrupted = Failure::Interrupted(stopped(None, kept.clone()));
        assert_eq!(interrupted.exit_code(), INTERRUPTED);
        assert!(
            interrupted
                .line()
                .unwrap()
                .starts_with("interrupted; the checkpoint is kept")
        );
        std::fs::remove_file(&kept).unwrap();
        let early = Failure::Interrupted(stopped(None, kept.clone()));
        assert!(early.line().unwrap().contains("nothing was stored yet"));

        let input = vod::Error::invalid_input("file", "changed during the upload");
        let failure = Failure::Upload(stopped(Some(input), kept));
        assert_eq!(failure.exit_code(), 2);
        assert!(!failure.line().unwrap().contains("resume"));
    }
}

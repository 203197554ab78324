//! `vod`: issue and refresh video-upload credentials from the command line, upload files, and run
//! the local emulator of both vendors.
//!
//! This is its own package so that the library `vod` compiles no CLI: clap and
//! tracing-subscriber are dependencies of this binary only.
//!
//! Exit status: 0 on success; 1 when the vendor or the network fails, or standard output cannot
//! be written (one line on stderr says why); 2 for usage and configuration errors (and input
//! rejected before any network call, such as a file to upload that cannot be read); 130 when
//! Ctrl-C stopped an upload (its checkpoint written); 141 (128 + SIGPIPE), silently, when
//! standard output is a pipe whose reader has gone. Nothing the CLI writes can panic.

mod checkpoint_path;
mod cli;
mod command_line;
mod failure;
mod output;
mod progress;
mod size;
mod upload;

use std::io;
use std::process::ExitCode;

use clap::Parser;

use failure::Failure;

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(usage) => return ExitCode::from(clap_exit(&usage)),
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return ExitCode::from(
                Failure::Usage(format!("cannot start the async runtime: {e}")).report(),
            );
        }
    };
    let result = runtime.block_on(cli::run(args));
    // Dropping the runtime waits for blocking tasks: a checkpoint write that Ctrl-C interrupted
    // completes before the failure is reported (and reads it).
    drop(runtime);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => ExitCode::from(failure.report()),
    }
}

/// Prints clap's help, version or usage error (help and version on stdout, errors on stderr) and
/// returns the exit status. `clap::Error::exit` would ignore a failed write and exit 0 after a
/// `--help` that printed nothing.
fn clap_exit(usage: &clap::Error) -> u8 {
    let code = u8::try_from(usage.exit_code()).unwrap_or(2);
    match usage.print() {
        Ok(()) => code,
        // Help or version went nowhere: report it like any other output failure.
        Err(err) if !usage.use_stderr() => Failure::Output(err).report(),
        // The usage error could not reach stderr either: the status still tells.
        Err(_) => code,
    }
}

/// Logs go to stderr, filtered by `VOD_LOG` (e.g. `VOD_LOG=vod=debug`); warnings by default,
/// without colour unless stderr is a terminal. A log
/// line that cannot be written is dropped: reporting that with `eprintln!` (the subscriber's
/// default) would panic on the same broken stderr.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VOD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Above the upload's progress bar, when one is on screen.
        .with_writer(progress::LogWriter::default)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_target(false)
        .log_internal_errors(false)
        .init();
}

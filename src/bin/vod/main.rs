//! `vod`: issue and refresh video-upload credentials from the command line.
//!
//! Exit status: 0 on success, 1 when the vendor or the network fails, 2 for usage and
//! configuration errors (and input rejected before any network call).

mod cli;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.line());
            ExitCode::from(err.exit_code())
        }
    }
}

/// Logs go to stderr, filtered by `VOD_LOG` (e.g. `VOD_LOG=vod=debug`); warnings by default.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VOD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

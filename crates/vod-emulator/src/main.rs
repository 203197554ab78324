//! `vod-emulator`: runs the emulated Aliyun VOD and Wangsu Cloud VoD APIs until Ctrl-C or SIGTERM.
//! See [`vod_emulator::cli`] for the options and the output.

use std::process::ExitCode;

use clap::Parser;
use vod_emulator::cli::{self, Args};

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vod-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}

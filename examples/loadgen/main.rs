//! Round-trip load: issues N upload credentials with concurrency C against `vod-emulator` over
//! loopback, side by side with a bare reqwest POST of the same request bytes to the same emulator
//! endpoint, and prints throughput, p50/p99 latency and memory for both.
//!
//! ```sh
//! cargo run --release --example loadgen      # 20,000 calls, C = 1 and 64, both vendors, 3 rounds
//! cargo run --release --example loadgen -- --n 100000 --concurrency 1,64 --provider aliyun,wangsu
//! cargo run --release --example loadgen -- --provider aliyun-v3 --concurrency 8 --rounds 1
//! ```
//!
//! # What runs where
//!
//! - The emulator runs in a child process (this program started with a hidden flag), so that the
//!   memory figures are the client's alone: the emulator remembers every nonce and signature for
//!   its replay window and grows with the calls it has seen.
//! - Every measured run is a child process of its own, so each has its own peak memory (VmHWM).
//!   Runs alternate vod / bare (the order flips every round) to spread drift in machine load
//!   evenly over both.
//! - `vod` runs call `create_upload` on the provider `vod::provider_from_config` builds (the
//!   path an app takes: validation, retry layer, signing with a fresh time and nonce, the HTTP
//!   exchange, decoding into an `UploadCredential`). The timer runs from the call to its result.
//! - `bare` runs send pre-signed requests with a plain `reqwest::Client` and read the whole
//!   answer. Signing happens before the run, outside any timed region (each request needs its own
//!   nonce or `fileId`, because the emulator refuses replays); the timer covers building the
//!   reqwest request from the stored URL, headers and body, sending it and reading the body.
//!   Checking the answer (status 200, and for Wangsu the envelope's code 200) happens after the
//!   timer stops. So bare is HTTP alone, and vod minus bare is everything the library adds.
//! - Before any run, one request of each kind is sent to a local TCP listener that records the
//!   bytes, once through the library (time and nonce pinned) and once through the bare path with
//!   the same time and nonce: the run stops unless they are byte for byte the same.
//!
//! # Figures
//!
//! - throughput: measured calls / wall time of the measured calls (warm-up excluded);
//! - p50, p99: per-call latency percentiles;
//! - overhead: how much longer vod takes per call than bare, from throughput (wall time per call)
//!   and from p50; the median of the rounds is shown;
//! - client CPU per call: the worker process's user+system CPU time over the measured calls
//!   (includes reqwest and tokio; at clock-tick resolution); server CPU per call: the same for
//!   the emulator process;
//! - peak RSS: the worker's VmHWM (for bare it includes the N pre-signed requests); RSS after
//!   warm-up and at every 10% of the calls (from /proc/self/status), to show whether memory
//!   grows with the number of calls.
//!
//! Client and emulator share the machine: on a machine with few cores, at high concurrency both
//! compete for CPU, and the overhead then is our share of the CPU per call. See BENCHMARKS.md.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vod::aliyun::sign::encode::encode_into;
use vod::aliyun::sign::{acs3, rpc};
use vod::emulator::{AccessKey, Emulator, EmulatorConfig};
use vod::raw::NonceSource;
use vod::wangsu::sign as ws;
use vod::{Config, FixedClock, UploadCredentialProvider, UploadRequest};

/// The request every call makes: the same for both vendors (Wangsu ignores title and size).
const FILE_NAME: &str = "holiday-2024.mp4";
const TITLE: &str = "Holiday 2024";
const FILE_SIZE: u64 = 10 << 20;
/// What the library sends as `User-Agent`; the bare client sends the same.
const USER_AGENT: &str = concat!("vod-rs/", env!("CARGO_PKG_VERSION"));
const WANGSU_CONTENT_TYPE: &str = "application/json; charset=utf-8";

#[derive(Parser, Debug)]
#[command(
    about = "Issue N upload credentials with concurrency C against vod-emulator, \
             beside a bare reqwest POST of the same bytes"
)]
struct Args {
    /// Measured calls per run.
    #[arg(long, default_value_t = 20_000)]
    n: usize,
    /// Concurrent callers; a comma-separated list runs each.
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    concurrency: Vec<usize>,
    /// aliyun (RPC HMAC-SHA1), aliyun-v3 (ACS3-HMAC-SHA256) or wangsu (WS3); a comma-separated
    /// list runs each.
    #[arg(long, value_delimiter = ',', default_value = "aliyun,wangsu")]
    provider: Vec<Target>,
    /// Rounds of (vod, bare) per provider and concurrency; medians are shown.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Unmeasured calls before each run (connections opened, caches warm).
    #[arg(long, default_value_t = 1000)]
    warmup: usize,
    /// Write every run's figures to this JSON file too.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Instead of measuring: save one emulator answer per vendor into this directory (how
    /// benches/data/*-answer.json, the inputs of benches/decode.rs, were made).
    #[arg(long)]
    save_answers: Option<std::path::PathBuf>,

    #[arg(long, hide = true)]
    serve_emulator: bool,
    #[arg(long, hide = true)]
    worker: Option<Mode>,
    #[arg(long, hide = true)]
    aliyun_url: Option<String>,
    #[arg(long, hide = true)]
    wangsu_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Target {
    Aliyun,
    AliyunV3,
    Wangsu,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Aliyun => "aliyun",
            Target::AliyunV3 => "aliyun-v3",
            Target::Wangsu => "wangsu",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Vod,
    Bare,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Vod => "vod",
            Mode::Bare => "bare",
        }
    }
}

fn main() {
    let args = Args::parse();
    if args.serve_emulator {
        serve_emulator();
    } else if let Some(mode) = args.worker {
        worker(&args, mode);
    } else if let Some(dir) = &args.save_answers {
        if let Err(problem) = save_answers(dir) {
            eprintln!("loadgen: {problem}");
            std::process::exit(1);
        }
    } else if let Err(problem) = orchestrate(&args) {
        eprintln!("loadgen: {problem}");
        std::process::exit(1);
    }
}

mod emulator;
mod fidelity;
mod parent;
mod request;
mod run;

pub(crate) use emulator::*;
pub(crate) use fidelity::*;
pub(crate) use parent::*;
pub(crate) use request::*;
pub(crate) use run::*;

//! Times our signers and the raw-HMAC floor on the shared signing inputs, and prints ns per
//! request (as JSON with `--json`).
//!
//! This is the Rust side of `scripts/bench-sdk-signers.sh`, which runs it in the same run as the
//! official Python SDKs' signers on the same inputs and prints the ratios. For statistics and
//! history use the criterion bench instead (`cargo bench --bench signing`); this program exists so
//! that the script can read one small JSON document rather than criterion's output tree.
//!
//! ```sh
//! cargo run --release --example sign_timing
//! cargo run --release --example sign_timing -- --json --inputs benches/data/sign-inputs.json
//! ```
//!
//! Method: each operation is warmed up, then run in batches of about 20 ms until its time budget
//! (`--millis-per-op`, default 1500) is spent; the figure is the median of the batches' ns per
//! call, with the fastest batch beside it. Inputs are parsed and the maps built before timing.
//! Each result also carries the signer's output, so the script can check that both sides
//! signed the same bytes to the same value.

use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "../benches/support/sign_cases.rs"]
mod sign_cases;

use sign_cases::Cases;

struct Timing {
    median_ns: f64,
    min_ns: f64,
    batches: usize,
}

fn time<T>(budget: Duration, mut op: impl FnMut() -> T) -> Timing {
    // Warm up and find a batch size of about 20 ms.
    let mut iters: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(op());
        }
        let elapsed = start.elapsed();
        if elapsed >= Duration::from_millis(20) {
            break;
        }
        iters = if elapsed < Duration::from_micros(100) {
            iters * 10
        } else {
            let scale = Duration::from_millis(20).as_secs_f64() / elapsed.as_secs_f64();
            ((iters as f64) * scale).ceil() as u64 + 1
        };
    }
    let mut per_call = Vec::new();
    let started = Instant::now();
    while started.elapsed() < budget || per_call.len() < 5 {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(op());
        }
        per_call.push(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    per_call.sort_by(f64::total_cmp);
    Timing {
        median_ns: per_call[per_call.len() / 2],
        min_ns: per_call[0],
        batches: per_call.len(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let mut json = false;
    let mut inputs: Option<String> = None;
    let mut millis: u64 = 1500;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--inputs" => inputs = args.next(),
            "--millis-per-op" => {
                millis = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage("--millis-per-op needs a number"))
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let cases = match &inputs {
        Some(path) => Cases::parse(
            &std::fs::read_to_string(path).unwrap_or_else(|e| usage(&format!("{path}: {e}"))),
        ),
        None => Cases::load(),
    };
    let budget = Duration::from_millis(millis);

    let ops: Vec<(&str, &str, Timing, String)> = vec![
        (
            "rpc",
            "vod_aliyun::sign::rpc::sign",
            time(budget, || cases.rpc.sign()),
            cases.rpc.sign(),
        ),
        (
            "rpc_floor",
            "HMAC-SHA1 over the string to sign",
            time(budget, || cases.rpc.floor()),
            hex(&cases.rpc.floor()),
        ),
        (
            "acs3",
            "vod_aliyun::sign::acs3::sign",
            time(budget, || cases.acs3.sign()),
            cases.acs3.sign(),
        ),
        (
            "acs3_floor",
            "HMAC-SHA256 over the canonical request",
            time(budget, || cases.acs3.floor()),
            hex(&cases.acs3.floor()),
        ),
        (
            "ws3",
            "vod_wangsu::sign::sign (WS3)",
            time(budget, || cases.ws3.sign()),
            cases.ws3.sign(),
        ),
        (
            "ws3_floor",
            "HMAC-SHA256 over the canonical request",
            time(budget, || cases.ws3.floor()),
            hex(&cases.ws3.floor()),
        ),
    ];

    if json {
        let mut doc = serde_json::Map::new();
        for (key, what, t, output) in &ops {
            doc.insert(
                (*key).to_owned(),
                serde_json::json!({
                    "what": what,
                    "median_ns": t.median_ns,
                    "min_ns": t.min_ns,
                    "batches": t.batches,
                    "output": output,
                }),
            );
        }
        let doc = serde_json::json!({
            "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
            "ops": doc,
        });
        println!("{doc}");
    } else {
        if cfg!(debug_assertions) {
            println!("(debug build: use --release for figures)");
        }
        println!("{:<11} {:>10} {:>10}  what", "op", "median ns", "min ns");
        for (key, what, t, _) in &ops {
            println!("{key:<11} {:>10.1} {:>10.1}  {what}", t.median_ns, t.min_ns);
        }
    }
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("sign_timing: {problem}");
    }
    eprintln!("usage: sign_timing [--json] [--inputs FILE] [--millis-per-op N]");
    std::process::exit(2)
}

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
use time::macros::format_description;
use vod::aliyun::sign::encode::encode_into;
use vod::aliyun::sign::{acs3, rpc};
use vod::emulator::{AccessKey, Emulator, EmulatorConfig};
use vod::wangsu::sign as ws;
use vod::{Config, FixedClock, NonceSource, UploadCredentialProvider, UploadRequest};

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

// ------------------------------------------------------------------------------------------------
// The request, through the library and bare.

fn upload_request() -> UploadRequest {
    UploadRequest::new(FILE_NAME)
        .title(TITLE)
        .file_size(FILE_SIZE)
}

fn config(target: Target, aliyun_url: &str, wangsu_url: &str) -> Config {
    let (provider, signature) = match target {
        Target::Aliyun => ("aliyun", "v1"),
        Target::AliyunV3 => ("aliyun", "v3"),
        Target::Wangsu => ("wangsu", "v1"),
    };
    let toml = format!(
        r#"
        provider = "{provider}"
        [aliyun]
        access_key_id = "{ak}"
        access_key_secret = "{sk}"
        endpoint = "{aliyun_url}"
        signature = "{signature}"
        [wangsu]
        access_key = "{ak}"
        secret_key = "{sk}"
        endpoint = "{wangsu_url}"
        "#,
        ak = AccessKey::DEFAULT_ID,
        sk = AccessKey::DEFAULT_SECRET,
    );
    Config::from_toml_str_with_env(&toml, |_| None).expect("the loadgen config is valid")
}

/// A signed request, ready to send as it is.
struct Bare {
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// Signs the request the library would send at `now` with nonce (Aliyun) or `fileId` (Wangsu)
/// `id`, with the crate's pure signing functions.
fn presign(target: Target, base_url: &str, now: OffsetDateTime, id: &str) -> Bare {
    let url = reqwest::Url::parse(base_url).expect("emulator URL");
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let size = FILE_SIZE.to_string();
    let operation: BTreeMap<String, String> = [
        ("Title", TITLE),
        ("FileName", FILE_NAME),
        ("FileSize", size.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let aliyun_time = || {
        now.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .expect("formats")
    };
    match target {
        Target::Aliyun => {
            let mut params = operation;
            let timestamp = aliyun_time();
            for (name, value) in [
                ("Action", "CreateUploadVideo"),
                ("Version", vod::aliyun::API_VERSION),
                ("Format", "JSON"),
                ("AccessKeyId", AccessKey::DEFAULT_ID),
                ("SignatureMethod", rpc::SIGNATURE_METHOD),
                ("SignatureVersion", rpc::SIGNATURE_VERSION),
                ("SignatureNonce", id),
                ("Timestamp", timestamp.as_str()),
            ] {
                params.insert(name.to_owned(), value.to_owned());
            }
            let signature = rpc::sign("POST", &params, AccessKey::DEFAULT_SECRET);
            let mut full = url.as_str().to_owned();
            full.push('?');
            full.push_str(&rpc::canonicalized_query(&params));
            full.push_str("&Signature=");
            encode_into(&mut full, &signature);
            Bare {
                url: full,
                headers: Vec::new(),
                body: Vec::new(),
            }
        }
        Target::AliyunV3 => {
            let sent: Vec<(&'static str, String)> = vec![
                ("x-acs-action", "CreateUploadVideo".to_owned()),
                ("x-acs-version", vod::aliyun::API_VERSION.to_owned()),
                ("x-acs-date", aliyun_time()),
                ("x-acs-signature-nonce", id.to_owned()),
                ("x-acs-content-sha256", acs3::EMPTY_BODY_SHA256.to_owned()),
            ];
            let mut signed: BTreeMap<String, String> = sent
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect();
            signed.insert("host".to_owned(), host);
            let authorization = acs3::authorization(
                &acs3::SignableRequest {
                    method: "POST",
                    path: url.path(),
                    query: &operation,
                    headers: &signed,
                    body: b"",
                },
                AccessKey::DEFAULT_ID,
                AccessKey::DEFAULT_SECRET,
            );
            let mut headers = sent;
            headers.push(("authorization", authorization));
            let mut full = url.as_str().to_owned();
            full.push('?');
            full.push_str(&rpc::canonicalized_query(&operation));
            Bare {
                url: full,
                headers,
                body: Vec::new(),
            }
        }
        Target::Wangsu => {
            let body =
                format!(r#"{{"originFileName":"{FILE_NAME}","fileId":"{id}"}}"#).into_bytes();
            let timestamp = u64::try_from(now.unix_timestamp()).expect("after 1970");
            let signed_headers = [
                ("Content-Type", WANGSU_CONTENT_TYPE),
                ("Host", host.as_str()),
            ];
            let path = vod::wangsu::UPLOAD_TOKEN_PATH;
            let request = ws::Request::new("POST", path)
                .with_headers(&signed_headers)
                .with_body(&body);
            let signed = ws::sign(
                ws::Algorithm::Ws3,
                &request,
                timestamp,
                AccessKey::DEFAULT_ID,
                AccessKey::DEFAULT_SECRET,
            );
            let headers = vec![
                ("Content-Type", WANGSU_CONTENT_TYPE.to_owned()),
                ("Accept", "application/json".to_owned()),
                ("X-WS-AccessKey", AccessKey::DEFAULT_ID.to_owned()),
                ("X-WS-Timestamp", timestamp.to_string()),
                ("Authorization", signed.into_authorization()),
            ];
            Bare {
                url: format!("{}{path}", base_url.trim_end_matches('/')),
                headers,
                body,
            }
        }
    }
}

/// A fresh id of the shape the library draws: a UUID for Aliyun nonces, 32 hex digits for
/// Wangsu's `fileId`.
fn fresh_id(target: Target) -> String {
    let uuid = uuid::Uuid::new_v4();
    match target {
        Target::Wangsu => uuid.simple().to_string(),
        _ => uuid.to_string(),
    }
}

fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .build()
        .expect("reqwest client")
}

async fn send_bare(client: &reqwest::Client, request: Bare) -> reqwest::Result<(u16, Vec<u8>)> {
    let mut builder = client.post(request.url.as_str());
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.body(request.body).send().await?;
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    Ok((status, body.to_vec()))
}

// ------------------------------------------------------------------------------------------------
// The byte-for-byte check.

#[derive(Debug)]
struct PinnedNonce(String);

impl NonceSource for PinnedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

/// Sends one request through the library and one bare, both signed at the same time with the
/// same id, to a listener that records them; returns the size when the bytes are identical.
fn check_same_bytes(target: Target) -> Result<usize, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let recorder = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(2) {
            let Ok(mut stream) = stream else { break };
            seen.push(read_http_request(&mut stream));
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
        seen
    });

    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("valid");
    let id = fresh_id(target);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let clock = Arc::new(FixedClock(now));
        let cfg = config(target, &base, &base);
        let provider: Arc<dyn UploadCredentialProvider> = match target {
            Target::Aliyun | Target::AliyunV3 => Arc::new(
                vod::aliyun::AliyunProvider::builder()
                    .config(&cfg.aliyun())
                    .clock(clock)
                    .nonces(Arc::new(PinnedNonce(id.clone())))
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            Target::Wangsu => Arc::new(
                vod::wangsu::WangsuProvider::builder()
                    .access_key(AccessKey::DEFAULT_ID)
                    .secret_key(AccessKey::DEFAULT_SECRET)
                    .endpoint(base.as_str())
                    .clock(clock)
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
        };
        let mut request = upload_request();
        if target == Target::Wangsu {
            request = request.resume_id(id.as_str());
        }
        // The listener answers 503: the call fails, after its bytes were recorded.
        let _ = provider.create_upload(&request).await;
        let _ = send_bare(&bare_client(), presign(target, &base, now, &id)).await;
        Ok::<(), String>(())
    })?;
    let seen = recorder
        .join()
        .map_err(|_| "the recording thread panicked".to_owned())?;
    let [vod, bare] = seen.as_slice() else {
        return Err(format!("recorded {} requests, expected 2", seen.len()));
    };
    if vod != bare {
        return Err(format!(
            "{}: the bare request differs from the library's, so the comparison would not be \
             fair.\n--- vod\n{}\n--- bare\n{}",
            target.name(),
            String::from_utf8_lossy(vod),
            String::from_utf8_lossy(bare)
        ));
    }
    Ok(vod.len())
}

/// Reads one HTTP/1.1 request: the head, then `content-length` bytes of body.
fn read_http_request(stream: &mut impl Read) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let head_end = data.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                data.truncate(end + 4 + length);
                return data;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return data,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends one bare request per vendor to a fresh in-process emulator and saves each answer
/// (status, the response headers the adapters read, body, and when it was signed) as JSON.
fn save_answers(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let client = bare_client();
        for (target, url, file) in [
            (Target::Aliyun, emulator.aliyun_url(), "aliyun-answer.json"),
            (Target::Wangsu, emulator.wangsu_url(), "wangsu-answer.json"),
        ] {
            let now = OffsetDateTime::now_utc();
            let request = presign(target, &url, now, &fresh_id(target));
            let mut builder = client.post(request.url.as_str());
            for (name, value) in request.headers {
                builder = builder.header(name, value);
            }
            let response = builder
                .body(request.body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let kept = ["x-ws-requestid", "x-cnc-request-id", "content-type"];
            let headers: BTreeMap<String, String> = response
                .headers()
                .iter()
                .filter(|(name, _)| kept.contains(&name.as_str()))
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_owned()))
                })
                .collect();
            let body = response.text().await.map_err(|e| e.to_string())?;
            let about = format!(
                "One {} answer of vod-emulator to the request loadgen sends; made with \
                 `cargo run --example loadgen -- --save-answers benches/data`",
                target.name()
            );
            let doc = serde_json::json!({
                "about": about,
                "issued_at": now.unix_timestamp(),
                "status": status,
                "headers": headers,
                "body": body,
            });
            let path = dir.join(file);
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&doc).expect("serialises") + "\n",
            )
            .map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "saved {} (HTTP {status}, {} body bytes)",
                path.display(),
                body.len()
            );
        }
        emulator.shutdown().await;
        Ok(())
    })
}

// ------------------------------------------------------------------------------------------------
// The emulator, in its own process.

fn serve_emulator() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::default())
            .await
            .expect("the emulator starts");
        println!("aliyun {}", emulator.aliyun_url());
        println!("wangsu {}", emulator.wangsu_url());
        // Serve until the parent closes stdin (or dies).
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        emulator.shutdown().await;
    });
}

struct EmulatorProcess {
    child: Child,
    _stdin: ChildStdin,
    aliyun_url: String,
    wangsu_url: String,
}

impl EmulatorProcess {
    fn start() -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("--serve-emulator")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the emulator process: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut url = |vendor: &str| -> Result<String, String> {
            let line = lines
                .next()
                .ok_or("the emulator process exited")?
                .map_err(|e| e.to_string())?;
            line.strip_prefix(vendor)
                .map(|u| u.trim().to_owned())
                .ok_or_else(|| format!("unexpected emulator output: {line}"))
        };
        let aliyun_url = url("aliyun")?;
        let wangsu_url = url("wangsu")?;
        Ok(Self {
            child,
            _stdin: stdin,
            aliyun_url,
            wangsu_url,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// One measured run, in its own process.

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunResult {
    provider: Target,
    mode: Mode,
    concurrency: usize,
    n: usize,
    warmup: usize,
    errors: usize,
    first_error: Option<String>,
    wall_secs: f64,
    throughput: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    max_us: f64,
    mean_us: f64,
    client_cpu_us_per_call: f64,
    /// Filled in by the parent.
    #[serde(default)]
    server_cpu_us_per_call: f64,
    rss_after_warmup_kib: u64,
    /// (calls done, VmRSS KiB) at every tenth of the run.
    rss_samples_kib: Vec<(usize, u64)>,
    vm_hwm_kib: u64,
}

/// One kind of call, timed from `call` to its outcome; `prepare` and `check` are untimed.
trait Load: Send + Sync + 'static {
    type Prepared: Send;
    type Outcome: Send;
    fn prepare(&self, index: usize) -> Self::Prepared;
    fn call(&self, prepared: Self::Prepared) -> impl Future<Output = Self::Outcome> + Send;
    fn check(&self, outcome: Self::Outcome) -> Result<(), String>;
}

struct VodLoad {
    provider: Arc<dyn UploadCredentialProvider>,
    request: UploadRequest,
}

impl Load for VodLoad {
    type Prepared = ();
    type Outcome = vod::Result<vod::UploadCredential>;

    fn prepare(&self, _index: usize) {}

    fn call(&self, (): ()) -> impl Future<Output = Self::Outcome> + Send {
        self.provider.create_upload(&self.request)
    }

    fn check(&self, outcome: Self::Outcome) -> Result<(), String> {
        outcome.map(drop).map_err(|e| e.to_string())
    }
}

struct BareLoad {
    client: reqwest::Client,
    target: Target,
    requests: Vec<Mutex<Option<Bare>>>,
}

impl Load for BareLoad {
    type Prepared = Bare;
    type Outcome = reqwest::Result<(u16, Vec<u8>)>;

    fn prepare(&self, index: usize) -> Bare {
        self.requests[index]
            .lock()
            .expect("not poisoned")
            .take()
            .expect("each request is sent once")
    }

    fn call(&self, request: Bare) -> impl Future<Output = Self::Outcome> + Send {
        send_bare(&self.client, request)
    }

    fn check(&self, outcome: Self::Outcome) -> Result<(), String> {
        let (status, body) = outcome.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&body);
        if status != 200 {
            return Err(format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ));
        }
        if self.target == Target::Wangsu {
            let envelope: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
            let code = &envelope["code"];
            if !(code == 200 || code == "200") {
                return Err(format!(
                    "code {code}: {}",
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
        Ok(())
    }
}

struct Measured {
    latencies_ns: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
    wall: Duration,
    /// VmRSS just before the first call (buffers for the latencies already written).
    rss_before_kib: u64,
    rss_samples_kib: Vec<(usize, u64)>,
    /// VmHWM right after the last call.
    vm_hwm_kib: u64,
}

/// Runs calls `offset..offset + n` on `concurrency` tasks (task t takes every `concurrency`-th
/// index), sampling RSS after every tenth of the calls when `sample` is set.
async fn drive<L: Load>(
    load: Arc<L>,
    offset: usize,
    n: usize,
    concurrency: usize,
    sample: bool,
) -> Measured {
    let done = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(Mutex::new(Vec::with_capacity(16)));
    // Written before the run starts, so that their pages are resident before the first RSS
    // sample: filling them must not look like memory growing with the calls.
    let buffers: Vec<Vec<u64>> = (0..concurrency)
        .map(|task| vec![u64::MAX; (task..n).step_by(concurrency).len()])
        .collect();
    let rss_before_kib = proc_status_kib("VmRSS:");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for (task, mut latencies) in buffers.into_iter().enumerate() {
        let (load, done, samples) = (load.clone(), done.clone(), samples.clone());
        tasks.push(tokio::spawn(async move {
            let mut errors = 0;
            let mut first_error = None;
            for (slot, index) in (task..n).step_by(concurrency).enumerate() {
                let prepared = load.prepare(offset + index);
                let start = Instant::now();
                let outcome = load.call(prepared).await;
                latencies[slot] = start.elapsed().as_nanos() as u64;
                if let Err(e) = load.check(outcome) {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if sample && n >= 10 && finished % (n / 10) == 0 && finished / (n / 10) <= 10 {
                    let rss = proc_status_kib("VmRSS:");
                    samples.lock().expect("not poisoned").push((finished, rss));
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut finished = Vec::with_capacity(concurrency);
    for task in tasks {
        finished.push(task.await.expect("task finished"));
    }
    let wall = started.elapsed();
    // The peak so far: before the latencies are merged and sorted below.
    let vm_hwm_kib = proc_status_kib("VmHWM:");
    let mut measured = Measured {
        latencies_ns: Vec::with_capacity(n),
        errors: 0,
        first_error: None,
        wall,
        rss_before_kib,
        rss_samples_kib: Vec::new(),
        vm_hwm_kib,
    };
    for (latencies, errors, first_error) in finished {
        measured.latencies_ns.extend(latencies);
        measured.errors += errors;
        if measured.first_error.is_none() {
            measured.first_error = first_error;
        }
    }
    let mut samples = samples.lock().expect("not poisoned").clone();
    samples.sort_unstable();
    measured.rss_samples_kib = samples;
    measured
}

fn worker(args: &Args, mode: Mode) {
    let target = *args.provider.first().expect("one provider");
    let concurrency = *args.concurrency.first().expect("one concurrency");
    let aliyun_url = args.aliyun_url.clone().expect("--aliyun-url");
    let wangsu_url = args.wangsu_url.clone().expect("--wangsu-url");
    let (n, warmup) = (args.n, args.warmup);

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async {
        match mode {
            Mode::Vod => {
                let provider = vod::provider_from_config(&config(target, &aliyun_url, &wangsu_url))
                    .expect("provider");
                let load = Arc::new(VodLoad {
                    provider,
                    request: upload_request(),
                });
                measure(load, target, mode, concurrency, n, warmup).await
            }
            Mode::Bare => {
                let base = match target {
                    Target::Wangsu => &wangsu_url,
                    _ => &aliyun_url,
                };
                let now = OffsetDateTime::now_utc();
                let requests = (0..warmup + n)
                    .map(|_| Mutex::new(Some(presign(target, base, now, &fresh_id(target)))))
                    .collect();
                let load = Arc::new(BareLoad {
                    client: bare_client(),
                    target,
                    requests,
                });
                measure(load, target, mode, concurrency, n, warmup).await
            }
        }
    });
    println!("{}", serde_json::to_string(&result).expect("serialises"));
}

async fn measure<L: Load>(
    load: Arc<L>,
    target: Target,
    mode: Mode,
    concurrency: usize,
    n: usize,
    warmup: usize,
) -> RunResult {
    let warm = drive(load.clone(), 0, warmup, concurrency, false).await;
    let cpu_before = process_cpu_secs();
    let run = drive(load, warmup, n, concurrency, true).await;
    let cpu = process_cpu_secs() - cpu_before;

    let mut latencies = run.latencies_ns;
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len());
        latencies[i - 1] as f64 / 1000.0
    };
    let mean_us = latencies.iter().sum::<u64>() as f64 / latencies.len().max(1) as f64 / 1000.0;
    RunResult {
        provider: target,
        mode,
        concurrency,
        n,
        warmup,
        errors: run.errors + warm.errors,
        first_error: warm.first_error.or(run.first_error),
        wall_secs: run.wall.as_secs_f64(),
        throughput: n as f64 / run.wall.as_secs_f64(),
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        max_us: pct(1.0),
        mean_us,
        client_cpu_us_per_call: cpu * 1e6 / n as f64,
        server_cpu_us_per_call: 0.0,
        rss_after_warmup_kib: run.rss_before_kib,
        rss_samples_kib: run.rss_samples_kib,
        vm_hwm_kib: run.vm_hwm_kib,
    }
}

/// A `/proc/self/status` field in KiB (0 where there is no procfs).
fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of a process (`self` or a pid), from `/proc/<pid>/stat`.
fn cpu_secs_of(pid: &str) -> f64 {
    let ticks_per_sec = clock_ticks_per_sec();
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks_per_sec)
        })
        .unwrap_or(0.0)
}

fn process_cpu_secs() -> f64 {
    cpu_secs_of("self")
}

fn clock_ticks_per_sec() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

// ------------------------------------------------------------------------------------------------
// The parent: emulator, checks, runs, table.

fn orchestrate(args: &Args) -> Result<(), String> {
    if args.n < 10 || args.rounds == 0 || args.concurrency.contains(&0) {
        return Err("--n must be at least 10, --rounds and --concurrency at least 1".to_owned());
    }
    if cfg!(debug_assertions) {
        println!("(debug build: use `cargo run --release --example loadgen` for figures)");
    }
    println!(
        "loadgen: {} measured calls per run after {} warm-up calls, {} round(s) of vod and bare per row",
        args.n, args.warmup, args.rounds
    );
    println!("{}", machine());
    println!("load average at start: {}", load_average());

    for &target in &args.provider {
        let size = check_same_bytes(target)?;
        println!(
            "{}: vod and bare send byte-identical requests ({size} bytes with time and nonce pinned)",
            target.name()
        );
    }

    let emulator = EmulatorProcess::start()?;
    let emulator_pid = emulator.child.id().to_string();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results: Vec<RunResult> = Vec::new();
    for &target in &args.provider {
        for &concurrency in &args.concurrency {
            for round in 0..args.rounds {
                let order = if round % 2 == 0 {
                    [Mode::Vod, Mode::Bare]
                } else {
                    [Mode::Bare, Mode::Vod]
                };
                for mode in order {
                    let server_before = cpu_secs_of(&emulator_pid);
                    let output = Command::new(&exe)
                        .args(["--worker", mode.name(), "--provider", target.name()])
                        .args(["--concurrency", &concurrency.to_string()])
                        .args([
                            "--n",
                            &args.n.to_string(),
                            "--warmup",
                            &args.warmup.to_string(),
                        ])
                        .args(["--aliyun-url", &emulator.aliyun_url])
                        .args(["--wangsu-url", &emulator.wangsu_url])
                        .stderr(Stdio::inherit())
                        .output()
                        .map_err(|e| format!("cannot start a worker: {e}"))?;
                    let server_cpu = cpu_secs_of(&emulator_pid) - server_before;
                    if !output.status.success() {
                        return Err(format!("worker failed: {}", output.status));
                    }
                    let mut run: RunResult = serde_json::from_slice(&output.stdout)
                        .map_err(|e| format!("unreadable worker output: {e}"))?;
                    run.server_cpu_us_per_call = server_cpu * 1e6 / (args.n + args.warmup) as f64;
                    eprintln!(
                        "  {:<9} C={:<3} round {} {:<4} {:>8.0} calls/s  p50 {:>7.1} us  p99 {:>7.1} us{}",
                        target.name(),
                        concurrency,
                        round + 1,
                        mode.name(),
                        run.throughput,
                        run.p50_us,
                        run.p99_us,
                        if run.errors > 0 {
                            format!("  {} ERRORS", run.errors)
                        } else {
                            String::new()
                        }
                    );
                    results.push(run);
                }
            }
        }
    }
    let emulator_hwm = std::fs::read_to_string(format!("/proc/{emulator_pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_owned())
        });
    drop(emulator._stdin);
    let mut child = emulator.child;
    let _ = child.wait();

    print_report(args, &results);
    if let Some(hwm) = emulator_hwm {
        println!("emulator process peak RSS: {hwm} (it keeps every nonce for its replay window)");
    }
    println!("load average at end: {}", load_average());

    if let Some(path) = &args.json {
        let doc = serde_json::json!({
            "machine": machine(),
            "n": args.n,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "runs": results,
        });
        std::fs::write(
            path,
            serde_json::to_string_pretty(&doc).expect("serialises"),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if results.iter().any(|r| r.errors > 0) {
        return Err("some calls failed (see the errors column); figures are not comparable".into());
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn print_report(args: &Args, results: &[RunResult]) {
    println!();
    println!(
        "{:<9} {:>4} {:<4} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9} {:>6}",
        "provider",
        "C",
        "mode",
        "calls/s",
        "p50 us",
        "p99 us",
        "mean us",
        "client CPU",
        "server CPU",
        "peak RSS",
        "errors"
    );
    println!(
        "{:<9} {:>4} {:<4} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9} {:>6}",
        "", "", "", "", "", "", "", "us/call", "us/call", "MiB", ""
    );
    let mut verdicts = Vec::new();
    for &target in &args.provider {
        for &concurrency in &args.concurrency {
            let rows = |mode: Mode| -> Vec<&RunResult> {
                results
                    .iter()
                    .filter(|r| {
                        r.provider == target && r.concurrency == concurrency && r.mode == mode
                    })
                    .collect()
            };
            let m = |runs: &[&RunResult], f: fn(&RunResult) -> f64| {
                median(runs.iter().map(|r| f(r)).collect())
            };
            let (vod, bare) = (rows(Mode::Vod), rows(Mode::Bare));
            if vod.is_empty() || bare.is_empty() {
                continue;
            }
            for (mode, runs) in [(Mode::Vod, &vod), (Mode::Bare, &bare)] {
                println!(
                    "{:<9} {:>4} {:<4} {:>9.0} {:>9.1} {:>9.1} {:>9.1} {:>10.1} {:>10.1} {:>9.1} {:>6}",
                    target.name(),
                    concurrency,
                    mode.name(),
                    m(runs, |r| r.throughput),
                    m(runs, |r| r.p50_us),
                    m(runs, |r| r.p99_us),
                    m(runs, |r| r.mean_us),
                    m(runs, |r| r.client_cpu_us_per_call),
                    m(runs, |r| r.server_cpu_us_per_call),
                    runs.iter().map(|r| mib(r.vm_hwm_kib)).fold(0.0, f64::max),
                    runs.iter().map(|r| r.errors).sum::<usize>(),
                );
            }
            // Overheads per round (vod and bare of the same round), then their median.
            let per_round = |f: fn(&RunResult) -> f64, inverse: bool| {
                median(
                    vod.iter()
                        .zip(&bare)
                        .map(|(v, b)| {
                            if inverse {
                                f(b) / f(v) - 1.0
                            } else {
                                f(v) / f(b) - 1.0
                            }
                        })
                        .collect(),
                ) * 100.0
            };
            let by_time = per_round(|r| r.throughput, true);
            let by_p50 = per_round(|r| r.p50_us, false);
            let cpu_added =
                m(&vod, |r| r.client_cpu_us_per_call) - m(&bare, |r| r.client_cpu_us_per_call);
            println!(
                "{:<9} {:>4} overhead of vod over bare: {:+.1}% wall time per call, {:+.1}% p50, {:+.1} us client CPU per call",
                "", "", by_time, by_p50, cpu_added
            );
            verdicts.push((target, concurrency, by_time, by_p50));
        }
    }

    println!();
    println!("memory of the vod runs (RSS after warm-up, then at every tenth of the calls, MiB):");
    for &target in &args.provider {
        for &concurrency in &args.concurrency {
            let Some(run) = results.iter().rev().find(|r| {
                r.provider == target && r.concurrency == concurrency && r.mode == Mode::Vod
            }) else {
                continue;
            };
            let series: Vec<String> = std::iter::once(run.rss_after_warmup_kib)
                .chain(run.rss_samples_kib.iter().map(|&(_, kib)| kib))
                .map(|kib| format!("{:.1}", mib(kib)))
                .collect();
            let first_tenth = run.rss_samples_kib.first().map_or(0, |s| s.1);
            let last = run.rss_samples_kib.last().map_or(0, |s| s.1);
            println!(
                "  {:<9} C={:<3} {}  (from 10% to 100% of {} calls: {:+.2} MiB)",
                target.name(),
                concurrency,
                series.join(" "),
                run.n,
                mib(last) - mib(first_tenth)
            );
        }
    }

    println!();
    println!("targets (printed, never failing): vod at most 10% over bare per call");
    for (target, concurrency, by_time, by_p50) in verdicts {
        let ok = by_time <= 10.0 && by_p50 <= 10.0;
        println!(
            "  {:<9} C={:<3} {:+.1}% wall time per call, {:+.1}% p50  {}",
            target.name(),
            concurrency,
            by_time,
            by_p50,
            if ok { "PASS" } else { "MISS" }
        );
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("machine: {cpus} CPUs ({model}), {mem_gib:.0} GiB RAM")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

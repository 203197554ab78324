//! One measured run, in its own process.

use crate::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunResult {
    pub(crate) provider: Target,
    pub(crate) mode: Mode,
    pub(crate) concurrency: usize,
    pub(crate) n: usize,
    pub(crate) warmup: usize,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) wall_secs: f64,
    pub(crate) throughput: f64,
    pub(crate) p50_us: f64,
    pub(crate) p90_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) max_us: f64,
    pub(crate) mean_us: f64,
    pub(crate) client_cpu_us_per_call: f64,
    /// Filled in by the parent.
    #[serde(default)]
    pub(crate) server_cpu_us_per_call: f64,
    pub(crate) rss_after_warmup_kib: u64,
    /// (calls done, VmRSS KiB) at every tenth of the run.
    pub(crate) rss_samples_kib: Vec<(usize, u64)>,
    pub(crate) vm_hwm_kib: u64,
}

/// One kind of call, timed from `call` to its outcome; `prepare` and `check` are untimed.
pub(crate) trait Load: Send + Sync + 'static {
    type Prepared: Send;
    type Outcome: Send;
    fn prepare(&self, index: usize) -> Self::Prepared;
    fn call(&self, prepared: Self::Prepared) -> impl Future<Output = Self::Outcome> + Send;
    fn check(&self, outcome: Self::Outcome) -> Result<(), String>;
}

pub(crate) struct VodLoad {
    pub(crate) provider: Arc<dyn UploadCredentialProvider>,
    pub(crate) request: UploadRequest,
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

pub(crate) struct BareLoad {
    pub(crate) client: reqwest::Client,
    pub(crate) target: Target,
    pub(crate) requests: Vec<Mutex<Option<Bare>>>,
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

pub(crate) struct Measured {
    pub(crate) latencies_ns: Vec<u64>,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) wall: Duration,
    /// VmRSS just before the first call (buffers for the latencies already written).
    pub(crate) rss_before_kib: u64,
    pub(crate) rss_samples_kib: Vec<(usize, u64)>,
    /// VmHWM right after the last call.
    pub(crate) vm_hwm_kib: u64,
}

/// Runs calls `offset..offset + n` on `concurrency` tasks (task t takes every `concurrency`-th
/// index), sampling RSS after every tenth of the calls when `sample` is set.
pub(crate) async fn drive<L: Load>(
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

pub(crate) fn worker(args: &Args, mode: Mode) {
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

pub(crate) async fn measure<L: Load>(
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
pub(crate) fn proc_status_kib(field: &str) -> u64 {
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
pub(crate) fn cpu_secs_of(pid: &str) -> f64 {
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

pub(crate) fn process_cpu_secs() -> f64 {
    cpu_secs_of("self")
}

pub(crate) fn clock_ticks_per_sec() -> f64 {
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

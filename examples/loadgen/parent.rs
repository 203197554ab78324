//! The parent: emulator, checks, runs, table.

use crate::*;

pub(crate) fn orchestrate(args: &Args) -> Result<(), String> {
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

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub(crate) fn print_report(args: &Args, results: &[RunResult]) {
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

pub(crate) fn machine() -> String {
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

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

//! The emulator, in its own process.

use crate::*;

pub(crate) fn serve_emulator() {
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

pub(crate) struct EmulatorProcess {
    pub(crate) child: Child,
    pub(crate) _stdin: ChildStdin,
    pub(crate) aliyun_url: String,
    pub(crate) wangsu_url: String,
}

impl EmulatorProcess {
    pub(crate) fn start() -> Result<Self, String> {
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

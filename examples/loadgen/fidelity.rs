//! The byte-for-byte check.

use crate::*;

#[derive(Debug)]
pub(crate) struct PinnedNonce(String);

impl NonceSource for PinnedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

/// Sends one request through the library and one bare, both signed at the same time with the
/// same id, to a listener that records them; returns the size when the bytes are identical.
pub(crate) fn check_same_bytes(target: Target) -> Result<usize, String> {
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
pub(crate) fn read_http_request(stream: &mut impl Read) -> Vec<u8> {
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
pub(crate) fn save_answers(dir: &std::path::Path) -> Result<(), String> {
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

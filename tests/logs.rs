//! With every log level on (ours and our dependencies'), no secret reaches the logs: not the
//! caller's keys or STS token, not the credentials the vendors hand out. And the one debug line
//! per vendor attempt says what the README promises, numbered across retries.

#[macro_use]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::{Case, Harness, PROVIDERS};
use vod::emulator::{AccessKey, Emulator, EmulatorConfig, FaultKind, Vendor};
use vod::{Config, UploadRequest};

const STS_TOKEN: &str = "CAISCallerStsTokenValue";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn config_for(case: &Case, emulator: &Emulator) -> Config {
    let url = match case.vendor {
        Vendor::Aliyun => emulator.aliyun_url(),
        Vendor::Wangsu => emulator.wangsu_url(),
    };
    let mut toml = case
        .toml
        .replace("{url}", &url)
        .replace("{ak}", support::AK)
        .replace("{sk}", support::SK);
    if case.vendor == Vendor::Aliyun {
        // An STS caller: its token travels with every request.
        toml = toml.replace(
            "[aliyun]",
            &format!("[aliyun]\nsecurity_token = \"{STS_TOKEN}\""),
        );
    }
    Config::from_toml_str_with_env(&format!("{toml}\n[http]\nmax_attempts = 2"), |_| None).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_any_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();

    let emulator = Emulator::start(EmulatorConfig {
        keys: vec![AccessKey::new(support::AK, support::SK).with_security_token(STS_TOKEN)],
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let mut handed_out = Vec::new();
    for case in PROVIDERS {
        let provider = vod::provider_from_config(&config_for(case, &emulator)).unwrap();
        let cred = provider
            .create_upload(&UploadRequest::new("clip.mp4"))
            .await
            .unwrap();
        let fresh = provider
            .refresh_upload(&cred.refresh_request())
            .await
            .unwrap();
        handed_out.extend(support::secrets_of(&cred));
        handed_out.extend(support::secrets_of(&fresh));
        // Failures log too: a throttled attempt that is retried, and an unreadable answer.
        emulator
            .handle()
            .inject(vod::emulator::Fault::new(case.vendor, (case.throttled)()));
        provider
            .create_upload(&UploadRequest::new("clip.mp4"))
            .await
            .unwrap();
        emulator.handle().inject(vod::emulator::Fault::new(
            case.vendor,
            FaultKind::TruncatedJson,
        ));
        let _ = provider
            .create_upload(&UploadRequest::new("clip.mp4"))
            .await
            .unwrap_err();
    }

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("vendor call"),
        "no vendor-call event was logged:\n{logs}"
    );
    assert!(
        logs.contains("request_id"),
        "vendor-call events carry no request id:\n{logs}"
    );
    for secret in handed_out
        .iter()
        .map(String::as_str)
        .chain([support::SK, STS_TOKEN])
    {
        assert!(!secret.is_empty());
        assert!(
            !logs.contains(secret),
            "a secret reached the logs: {secret}"
        );
        // Also not percent-encoded, as it would appear in a URL.
        let encoded: String = secret
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        assert!(
            !logs.contains(&encoded),
            "a secret reached the logs encoded: {encoded}"
        );
    }
}

/// A throttled create and its retry: two debug lines, attempts 1 and 2, each with the provider,
/// operation, request id, status and latency; the first names the error.
async fn a_retried_call_logs_attempts_1_and_2(case: &Case) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("vod=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start(case, "max_attempts = 2").await;
    h.inject(1, (case.throttled)());
    h.provider
        .create_upload(&UploadRequest::new("clip.mp4"))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    let calls: Vec<&str> = logs.lines().filter(|l| l.contains("vendor call")).collect();
    assert_eq!(
        calls.len(),
        2,
        "{}: one line per attempt:\n{logs}",
        case.name
    );
    let provider = if case.vendor == Vendor::Aliyun {
        "aliyun"
    } else {
        "wangsu"
    };
    for (line, attempt) in calls.iter().zip(1..) {
        for field in [
            format!("provider=\"{provider}\""),
            format!("attempt={attempt}"),
            "operation=".to_owned(),
            "request_id=".to_owned(),
            "status=".to_owned(),
            "latency_ms=".to_owned(),
        ] {
            assert!(line.contains(&field), "{}: no {field} in {line}", case.name);
        }
        assert!(
            !line.contains('\u{1b}'),
            "{}: colour codes in {line}",
            case.name
        );
    }
    assert!(
        calls[0].contains("error=\"rate_limited\""),
        "{}: {}",
        case.name,
        calls[0]
    );
    assert!(
        calls[1].contains("status=200"),
        "{}: {}",
        case.name,
        calls[1]
    );
    assert!(!calls[1].contains("error="), "{}: {}", case.name, calls[1]);
}

provider_tests!(a_retried_call_logs_attempts_1_and_2);

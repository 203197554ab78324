//! Reading Wangsu's answer to Get Video Upload Token.
//!
//! Every answer is the envelope `{"code", "message", "data"}`. `code` is documented as an integer
//! but older clients read it as a string, so both are accepted; the call succeeded only when
//! `code` is 200, whatever the HTTP status (business errors arrive with HTTP 200). On success
//! `data` becomes an [`UploadCredential`] with a [`WangsuStorageTarget`]:
//!
//! | `data` field | credential |
//! |---|---|
//! | `videoId` (string or number) | `media_id` |
//! | `uploadUrl` | `target.upload_url` (`https://` is added when the vendor sends a bare host) |
//! | `uploadToken` | `target.upload_token` ([`Secret`]) |
//! | `fileKey` | `target.file_key` |
//! | `bucketName` | `target.bucket` |
//! | `httpDnsServer` (or the misspelt `httpDnsServe`) | `target.http_dns_server` |
//!
//! Fields are read by name with serde; missing optional fields and extra fields are fine
//! (`speedDomainlUrl`, being deprecated, is ignored).
//!
//! The answer has no expiry time: it is the upload token's put-policy `deadline`
//! ([`crate::token`]). When the token carries no deadline (it is not a policy token, or the
//! policy has no `deadline`), the credential gets [`FALLBACK_LIFETIME`] from the time of issue
//! and a warning is logged (without the token). A deadline that is there must make sense: one
//! that is not a number of milliseconds, is not after the time of issue (the vendor just issued
//! the token) or is more than a day later is an invalid-response error naming
//! `data.uploadToken.deadline`.
//!
//! Nothing here panics on any input; unreadable answers become errors quoting a short excerpt
//! with the upload token redacted.

use time::{Duration, OffsetDateTime};
use vod_core::raw::endpoint::with_scheme;
use vod_core::raw::transport::Response;
use vod_core::{Result, Secret, UploadCredential, UploadTarget, WangsuStorageTarget};

use crate::api::{Code, Data, Envelope, PROVIDER_NAME, REQUEST_ID_HEADERS, Text};
use crate::error;
use crate::token::TokenError;

/// The lifetime assumed for an upload token that carries no deadline: 30 minutes.
///
/// Wangsu documents no token lifetime (its doc example runs to 2050; the emulator issues one
/// hour). Guessing too long lets an upload fail with 401 halfway; guessing too short costs one
/// extra Get Video Upload Token call (300 are allowed per 5 minutes). So the guess is short.
pub const FALLBACK_LIFETIME: Duration = Duration::minutes(30);

/// What reading an answer needs besides the answer: what the credential keeps from the request,
/// and when the attempt that got the answer signed.
#[derive(Debug, Clone)]
pub(crate) struct Issue<'a> {
    /// When the request was signed (by the corrected clock): the issue time.
    pub(crate) issued_at: OffsetDateTime,
    /// The `originFileName` sent.
    pub(crate) file_name: &'a str,
    /// The `fileId` sent.
    pub(crate) resume_id: Option<&'a str>,
}

/// Reads an answer to Get Video Upload Token exactly as the provider reads every answer, without
/// the HTTP exchange: the credential it carries, or the error it reports. Public for benchmarks
/// (the workspace's `benches/decode.rs`) and for tools that hold a raw answer.
///
/// `issued_at` is when the request was signed: the credential's fallback lifetime counts from
/// it. `file_name` and `resume_id` are the `originFileName` and `fileId` that were sent; the
/// credential keeps them for refreshing. The request id is read from the `X-WS-RequestId` or
/// `x-cnc-request-id` header, and errors quote the answer with the upload token redacted, as the
/// provider's do.
///
/// ```
/// use vod_core::raw::transport::Response;
///
/// let body = br#"{"code":1500,"message":"originFileName is invalid"}"#;
/// let answer = Response::new(200, Default::default(), body.to_vec());
/// let err = vod_wangsu::read_answer(answer, time::OffsetDateTime::now_utc(), "a.mp4", Some("f1"))
///     .unwrap_err();
/// assert_eq!(err.kind(), vod_core::ErrorKind::InvalidInput);
/// ```
pub fn read_answer(
    response: Response,
    issued_at: OffsetDateTime,
    file_name: &str,
    resume_id: Option<&str>,
) -> Result<UploadCredential> {
    let response = response.with_redactor(error::redactor(std::iter::empty()));
    read(
        &response,
        Issue {
            issued_at,
            file_name,
            resume_id,
        },
    )
}

/// Reads an answer to Get Video Upload Token: the credential, or the error it reports.
pub(crate) fn read(response: &Response, issue: Issue<'_>) -> Result<UploadCredential> {
    let value: serde_json::Value = match serde_json::from_slice(&response.body) {
        Ok(value) => value,
        Err(e) => {
            let what = if e.is_eof() {
                "answer is cut short (incomplete JSON)"
            } else {
                "answer is not JSON"
            };
            return Err(response.unreadable(what));
        }
    };
    // Only an object: serde would also read a struct from a JSON array.
    if !value.is_object() {
        return Err(response.unreadable("answer is not a JSON object"));
    }
    // Serde's message is not quoted: it could quote a value, and the excerpt says enough.
    let envelope: Envelope = serde_json::from_value(value)
        .map_err(|_| response.unreadable("answer is not the {code, message, data} envelope"))?;
    let Some(code) = envelope.code.as_ref().map(Code::text) else {
        return Err(if response.status >= 400 {
            response.unreadable("error answer has no `code`")
        } else {
            response.invalid("answer has no `code`")
        });
    };
    if code != "200" {
        let message = envelope.message.as_ref().and_then(message_text);
        return Err(error::vendor_error(
            response.status,
            &code,
            message.as_deref(),
        ));
    }
    let data: Data = match envelope.data {
        Some(value @ serde_json::Value::Object(_)) => serde_json::from_value(value)
            .map_err(|_| response.invalid("`data` has a field of an unexpected type"))?,
        _ => return Err(response.invalid("code 200 without a `data` object")),
    };
    credential(response, data, issue)
}

fn credential(response: &Response, data: Data, issue: Issue<'_>) -> Result<UploadCredential> {
    let required = |value: Option<Text>, name: &str| {
        value
            .map(Text::into_string)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| response.invalid(format!("`data.{name}` is missing or empty")))
    };
    let video_id = required(data.video_id, "videoId")?;
    let upload_url = required(data.upload_url, "uploadUrl")?;
    let upload_token = Secret::new(required(data.upload_token, "uploadToken")?);
    let file_key = required(data.file_key, "fileKey")?;
    let optional = |value: Option<Text>| {
        value
            .map(Text::into_string)
            .filter(|v| !v.trim().is_empty())
    };
    let bucket = optional(data.bucket_name);
    let http_dns_server = optional(data.http_dns_server).or_else(|| optional(data.http_dns_serve));

    let expires_at =
        expiry(&upload_token, issue.issued_at).map_err(|what| response.invalid(what))?;
    let target = WangsuStorageTarget::new(with_scheme(&upload_url), upload_token, file_key)
        .with_bucket(bucket)
        .with_http_dns_server(http_dns_server);
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| response.header(name))
        .map(str::to_owned);
    Ok(UploadCredential::new(
        PROVIDER_NAME,
        video_id.trim(),
        UploadTarget::WangsuStorage(target),
        issue.issued_at,
        expires_at,
    )
    .with_request_id(request_id)
    .with_file_name(issue.file_name)
    .with_resume_id(issue.resume_id.map(str::to_owned)))
}

/// Where the expiry is read from, as errors name it: the put-policy inside `data.uploadToken`.
const DEADLINE_FIELD: &str = "data.uploadToken.deadline";

/// The token's deadline; the time of issue plus [`FALLBACK_LIFETIME`] when the token carries no
/// deadline that can be found (not a policy token, or a policy without `deadline`). A deadline
/// that is there but is not a number of milliseconds, is not after the issue time or is more
/// than a day later ([`vod_core::raw::expiry::plausible`]) is an error naming the field: the vendor
/// just issued the token, so such a deadline is a broken answer, not something to guess around.
pub(crate) fn expiry(
    upload_token: &Secret,
    issued_at: OffsetDateTime,
) -> std::result::Result<OffsetDateTime, String> {
    match crate::token::deadline(upload_token.expose()) {
        Ok(deadline) => vod_core::raw::expiry::plausible(DEADLINE_FIELD, deadline, issued_at)
            .map_err(|e| e.to_string()),
        Err(reason @ (TokenError::InvalidDeadline | TokenError::DeadlineOutOfRange)) => {
            Err(format!("`{DEADLINE_FIELD}` cannot be read: {reason}"))
        }
        Err(reason) => {
            tracing::warn!(
                %reason,
                fallback_minutes = FALLBACK_LIFETIME.whole_minutes(),
                "the upload token carries no deadline; assuming a conservative lifetime"
            );
            Ok(issued_at + FALLBACK_LIFETIME)
        }
    }
}

fn message_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    use vod_core::ErrorKind;

    const TOKEN_VECTORS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/wangsu-upload-token.json"
    ));

    const ISSUED: OffsetDateTime = datetime!(2023-11-14 22:00:00 UTC);

    /// The vector token: its policy's deadline is 1700000000000 ms = 2023-11-14T22:13:20Z.
    fn vector_token() -> String {
        let doc: serde_json::Value = serde_json::from_str(TOKEN_VECTORS).unwrap();
        doc["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "upload-token-from-policy")
            .unwrap()["upload_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn issue() -> Issue<'static> {
        Issue {
            issued_at: ISSUED,
            file_name: "uploadtest.mp4",
            resume_id: Some("0123456789abcdef0123456789abcdef"),
        }
    }

    /// The answer as the transport hands it over.
    fn response(status: u16, body: &[u8]) -> Response {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-ws-requestid", "req-1".parse().unwrap());
        Response::new(status, headers, body.to_vec())
            .with_redactor(error::redactor(std::iter::empty()))
    }

    fn decode(status: u16, body: &str) -> Result<UploadCredential> {
        read(&response(status, body.as_bytes()), issue())
    }

    fn success(code: &str, token: &str) -> String {
        format!(
            r#"{{"code":{code},"message":"success","data":{{
                "uploadUrl":"https://upload.cloudv.haplat.net",
                "uploadToken":"{token}",
                "fileKey":"video/test.mp4",
                "videoId":"4ccb6bbbb7a1491b8a6ae7d9e9a0e9c6",
                "bucketName":"mybucket",
                "httpDnsServer":"http://httpdns.example.net",
                "speedDomainlUrl":"ignored",
                "somethingNew":{{"x":1}}
            }}}}"#
        )
    }

    fn target(cred: &UploadCredential) -> &WangsuStorageTarget {
        match &cred.target {
            UploadTarget::WangsuStorage(t) => t,
            other => panic!("not a Wangsu target: {other:?}"),
        }
    }

    #[test]
    fn success_with_integer_and_string_code() {
        let token = vector_token();
        for code in ["200", "\"200\"", "\" 200 \"", "200.0"] {
            let cred = decode(200, &success(code, &token)).unwrap();
            assert_eq!(cred.provider, "wangsu");
            assert_eq!(cred.media_id, "4ccb6bbbb7a1491b8a6ae7d9e9a0e9c6");
            assert_eq!(cred.issued_at, ISSUED);
            assert_eq!(cred.expires_at, datetime!(2023-11-14 22:13:20 UTC));
            assert_eq!(cred.request_id.as_deref(), Some("req-1"));
            assert_eq!(cred.file_name, "uploadtest.mp4");
            assert_eq!(
                cred.resume_id.as_deref(),
                Some("0123456789abcdef0123456789abcdef")
            );
            let t = target(&cred);
            assert_eq!(t.upload_url, "https://upload.cloudv.haplat.net");
            assert_eq!(t.upload_token.expose(), token);
            assert_eq!(t.file_key, "video/test.mp4");
            assert_eq!(t.bucket.as_deref(), Some("mybucket"));
            assert_eq!(
                t.http_dns_server.as_deref(),
                Some("http://httpdns.example.net")
            );
        }
    }

    #[test]
    fn success_is_code_200_whatever_the_http_status() {
        let cred = decode(500, &success("200", &vector_token())).unwrap();
        assert_eq!(cred.media_id, "4ccb6bbbb7a1491b8a6ae7d9e9a0e9c6");
    }

    #[test]
    fn http_200_with_business_error() {
        for body in [
            r#"{"code":1500,"message":"file name exceeds 40 characters"}"#,
            r#"{"code":"1500","message":"file name exceeds 40 characters","data":null}"#,
        ] {
            let err = decode(200, body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{body}");
            assert_eq!(err.vendor_code(), Some("1500"));
            assert_eq!(err.http_status(), Some(200));
            assert_eq!(err.message(), "file name exceeds 40 characters");
        }
        let err = decode(200, r#"{"code":1502,"message":"video does not exist"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // A message that is not a string is still kept.
        let err = decode(200, r#"{"code":1000,"message":{"field":"x"}}"#).unwrap_err();
        assert_eq!(err.message(), r#"{"field":"x"}"#);
    }

    #[test]
    fn gateway_401s() {
        for (message, kind) in [
            ("invalid access key", ErrorKind::Unauthenticated),
            ("signature does not match", ErrorKind::Unauthenticated),
            (
                "timestamp expired: more than 5 minutes from server time",
                ErrorKind::ClockSkew,
            ),
            ("repeated request", ErrorKind::Unavailable),
        ] {
            let body = format!(r#"{{"code": 401, "message": "{message}"}}"#);
            let err = decode(401, &body).unwrap_err();
            assert_eq!(err.kind(), kind, "{message}");
            assert_eq!(err.vendor_code(), Some("401"));
        }
    }

    #[test]
    fn misspelt_http_dns_server() {
        let body = r#"{"code":200,"data":{"uploadUrl":"u.example","uploadToken":"a:b:c",
            "fileKey":"k","videoId":12345,"httpDnsServe":"dns.example"}}"#;
        let cred = decode(200, body).unwrap();
        assert_eq!(cred.media_id, "12345");
        let t = target(&cred);
        assert_eq!(t.http_dns_server.as_deref(), Some("dns.example"));
        assert_eq!(t.bucket, None);
        // A bare host gets https://.
        assert_eq!(t.upload_url, "https://u.example");
        // Both spellings: the documented one wins.
        let body = body.replace(
            "\"httpDnsServe\"",
            "\"httpDnsServer\":\"right\",\"httpDnsServe\"",
        );
        let cred = decode(200, &body).unwrap();
        assert_eq!(target(&cred).http_dns_server.as_deref(), Some("right"));
    }

    #[test]
    fn deadline_fallback() {
        // Not a token at all: the fallback lifetime.
        let body = r#"{"code":200,"data":{"uploadUrl":"https://u","uploadToken":"opaque",
            "fileKey":"k","videoId":"v"}}"#;
        let cred = decode(200, body).unwrap();
        assert_eq!(cred.expires_at, ISSUED + FALLBACK_LIFETIME);
        // A policy that is not base64, or JSON without a deadline.
        for token in ["ak:sig:%%%", "ak:sig:eyJzY29wZSI6ImIifQ"] {
            let at = expiry(&Secret::new(token), ISSUED);
            assert_eq!(at, Ok(ISSUED + FALLBACK_LIFETIME), "{token}");
        }
        // A good one is used as is.
        assert_eq!(
            expiry(&Secret::new(vector_token()), ISSUED),
            Ok(datetime!(2023-11-14 22:13:20 UTC))
        );
    }

    /// A token whose put-policy has this `deadline` JSON value.
    fn token_with_deadline(deadline: &str) -> String {
        use base64::Engine as _;
        let policy = format!(r#"{{"scope":"b:k","deadline":{deadline}}}"#);
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(policy);
        format!("AK:c2ln:{encoded}")
    }

    #[test]
    fn a_deadline_that_makes_no_sense_is_an_invalid_response() {
        // ISSUED is 1699999200000 ms.
        for (deadline, rule) in [
            // Unreadable.
            ("\"soon\"", "cannot be read"),
            ("-1", "cannot be read"),
            ("1e300", "cannot be read"),
            // Already past by the time of issue (the vector token, issued a month later).
            ("1699999200000", "is not after the issue time"),
            ("1600000000000", "is not after the issue time"),
            // More than a day ahead (the documentation's example runs to 2050).
            ("1700085600001", "more than a day after"),
            ("\"2524579200000\"", "more than a day after"),
        ] {
            let token = token_with_deadline(deadline);
            let body = success("200", &token);
            let err = decode(200, &body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{deadline}");
            assert!(
                err.message().starts_with("`data.uploadToken.deadline` "),
                "{deadline}: {err}"
            );
            assert!(err.message().contains(rule), "{deadline}: {err}");
            assert!(!err.to_string().contains("c2ln"), "{err}");
        }
        // A day exactly is believed.
        let token = token_with_deadline("1700085600000");
        let cred = decode(200, &success("200", &token)).unwrap();
        assert_eq!(cred.expires_at, ISSUED + time::Duration::days(1));
    }

    #[test]
    fn missing_required_fields_are_invalid_responses_without_the_token() {
        let token = vector_token();
        for field in ["uploadUrl", "uploadToken", "fileKey", "videoId"] {
            let mut value: serde_json::Value =
                serde_json::from_str(&success("200", &token)).unwrap();
            value["data"].as_object_mut().unwrap().remove(field);
            let err = decode(200, &value.to_string()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{field}");
            assert!(err.message().contains(field), "{err}");
            assert!(!err.to_string().contains(&token[..20]), "{err}");
            // Empty counts as missing.
            value["data"][field] = serde_json::Value::String(" ".into());
            let err = decode(200, &value.to_string()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{field}");
        }
        for body in [
            r#"{"code":200}"#,
            r#"{"code":200,"data":null}"#,
            r#"{"code":200,"data":[1]}"#,
            r#"{"code":200,"data":{"uploadUrl":["x"]}}"#,
        ] {
            let err = decode(200, body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{body}");
        }
    }

    #[test]
    fn unreadable_bodies() {
        let token = vector_token();
        let full = success("200", &token);
        let truncated = &full[..full.len() / 2];
        let err = decode(200, truncated).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(err.message().contains("cut short"), "{err}");
        assert!(err.to_string().contains("HTTP 200"), "{err}");
        assert!(err.to_string().contains("body starts"), "{err}");
        assert_eq!(err.http_status(), Some(200));
        assert!(!err.to_string().contains(&token[..20]), "{err}");

        let html = "<html><head><title>502 Bad Gateway</title></head></html>";
        let err = decode(502, html).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert!(err.is_retryable());
        assert!(err.message().contains("502 Bad Gateway"), "{err}");
        let err = decode(200, html).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let err = decode(404, "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert_eq!(err.http_status(), Some(404));

        // JSON, but not the envelope.
        let err = decode(200, r#"{"hello":"world"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let err = decode(503, r#"{"error":"busy"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        let err = decode(200, "[1,2]").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let err = decode(200, r#"{"code":true}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(status in 100u16..1000, body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read(&response(status, &body), issue());
        }

        #[test]
        fn never_panics_on_envelopes(
            status in 100u16..1000,
            code in prop_oneof![
                any::<i64>().prop_map(|c| c.to_string()),
                any::<f64>().prop_map(|c| format!("{c:?}")),
                "\\PC{0,12}".prop_map(|c| serde_json::Value::String(c).to_string()),
                Just("200".to_string()),
                Just("null".to_string()),
            ],
            message in "\\PC{0,40}",
            token in "\\PC{0,80}",
            cut in 0usize..400,
        ) {
            let body = format!(
                r#"{{"code":{code},"message":{},"data":{{"uploadUrl":"u","uploadToken":{},"fileKey":"k","videoId":"v"}}}}"#,
                serde_json::Value::String(message),
                serde_json::Value::String(token),
            );
            let _ = read(&response(status, body.as_bytes()), issue());
            let cut = cut.min(body.len());
            let _ = read(&response(status, &body.as_bytes()[..cut]), issue());
        }
    }
}

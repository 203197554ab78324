//! A `CreateUploadVideo` / `RefreshUploadVideo` success body, turned into an [`UploadCredential`].
//!
//! The answer carries two base64 fields, each a JSON object: `UploadAddress` (where: OSS
//! endpoint, bucket, object key) and `UploadAuth` (how: STS keys and their expiry). Both are
//! parsed by field name, tolerating missing optional and unknown fields, because Aliyun adds
//! fields over time (`ExpireUTCTime`, `Region` and `ObjectPrefix` were not in the first docs).
//!
//! Three details come from real answers rather than the docs:
//!
//! - The base64 is standard with padding, but unpadded and URL-safe text is accepted too
//!   ([`decode_base64_lenient`]): nothing is lost by being lenient here, and a proxy re-encoding
//!   the answer is not our caller's problem.
//! - `Endpoint` usually has a scheme and sometimes does not; the target always gets one
//!   (`https://` when missing), so uploaders can use it as a URL.
//! - `Expiration` is a number of seconds in a string (`"3600"`), not a date: it is only used as
//!   a lifetime, and only when `ExpireUTCTime` (the absolute expiry) is absent. Without either,
//!   the documented lifetime of 3000 s counts from the issue time.
//!
//! An expiry that is given must make sense: an `ExpireUTCTime` that is not RFC 3339, an
//! `Expiration` that is not a whole number, or an expiry not after the issue time or more than a
//! day after it is an invalid-response error naming the field, never a guess.

use serde::de::DeserializeOwned;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use vod_core::raw::SigningKey;
use vod_core::raw::endpoint::with_scheme;
use vod_core::raw::text::decode_base64_lenient;
use vod_core::raw::transport::Response;
use vod_core::{OssTarget, UploadCredential, UploadTarget};

use crate::api::{PROVIDER_NAME, SuccessBody, UploadAddress, UploadAuth};
use crate::error;

/// The credential lifetime the docs give, used when the answer says nothing about expiry.
pub const DEFAULT_LIFETIME: Duration = Duration::seconds(3000);

/// Why a success answer could not be read. The text names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn malformed(what: impl Into<String>) -> Malformed {
    Malformed(what.into())
}

/// What reading an answer needs besides the answer: what the credential keeps from the request,
/// and what the attempt that got the answer signed, and when.
#[derive(Debug, Clone)]
pub(crate) struct Issue<'a> {
    /// When the request was signed (by the corrected clock): the issue time.
    pub(crate) issued_at: OffsetDateTime,
    /// The string the attempt signed, to compare with the one a `SignatureDoesNotMatch` quotes.
    pub(crate) string_to_sign: Option<&'a str>,
    /// The caller's file name, kept in the credential.
    pub(crate) file_name: &'a str,
    /// The caller's resume id, kept as given (Aliyun has no use for it).
    pub(crate) resume_id: Option<&'a str>,
}

/// Reads an answer to `CreateUploadVideo` or `RefreshUploadVideo` exactly as the provider reads
/// every answer, without the HTTP exchange: a 2xx answer becomes the credential it carries, any
/// other answer the [`Error`](vod_core::Error) it says. Public for benchmarks (the workspace's
/// `benches/decode.rs`) and for tools that hold a raw answer.
///
/// `issued_at` is when the request was signed: when the answer has no `ExpireUTCTime`, the
/// credential's lifetime counts from it. `file_name` and `resume_id` are kept in the credential,
/// as the provider keeps the request's. Errors quote the answer with the credential fields
/// redacted, as the provider's do (the caller's own keys are unknown here, so this function
/// cannot scrub them from an answer that echoes them).
///
/// ```
/// use vod_core::raw::transport::Response;
///
/// let body = br#"{"RequestId":"R","Code":"Throttling.User","Message":"slow down"}"#;
/// let answer = Response::new(400, Default::default(), body.to_vec());
/// let err = vod_aliyun::read_answer(answer, time::OffsetDateTime::now_utc(), "a.mp4", None)
///     .unwrap_err();
/// assert_eq!(err.kind(), vod_core::ErrorKind::RateLimited);
/// ```
pub fn read_answer(
    response: Response,
    issued_at: OffsetDateTime,
    file_name: &str,
    resume_id: Option<&str>,
) -> vod_core::Result<UploadCredential> {
    let response = response.with_redactor(error::redactor(std::iter::empty()));
    read(
        &response,
        Issue {
            issued_at,
            string_to_sign: None,
            file_name,
            resume_id,
        },
    )
}

/// Reads an answer: a 2xx with a credential, or an error body. Pure, for tests and fuzzing.
pub(crate) fn read(response: &Response, issue: Issue<'_>) -> vod_core::Result<UploadCredential> {
    if !(200..300).contains(&response.status) {
        return Err(error::from_answer(response, issue.string_to_sign));
    }
    let parsed = parse_body(&response.body).map_err(|what| response.invalid(what))?;
    if parsed.video_id.is_none() && parsed.code.is_some() {
        // An error in a success status: read it as one.
        return Err(error::from_answer(response, issue.string_to_sign));
    }
    let request_id = parsed.request_id.clone();
    credential(parsed, &issue).map_err(|what| {
        response
            .invalid(what)
            .with_vendor(vod_core::VendorDetail::new().request_id(request_id))
    })
}

/// Parses the top level of a 2xx answer.
pub(crate) fn parse_body(body: &[u8]) -> Result<SuccessBody, Malformed> {
    serde_json::from_slice(body).map_err(|e| {
        malformed(format!(
            "the answer is not the expected JSON ({})",
            json_problem(&e)
        ))
    })
}

/// Builds the credential from a parsed success answer.
pub(crate) fn credential(
    body: SuccessBody,
    issue: &Issue<'_>,
) -> Result<UploadCredential, Malformed> {
    let video_id = required(body.video_id, "VideoId")?;
    let address: UploadAddress = decode_field(
        required(body.upload_address, "UploadAddress")?.as_str(),
        "UploadAddress",
    )?;
    let auth: UploadAuth = decode_field(
        required(body.upload_auth, "UploadAuth")?.as_str(),
        "UploadAuth",
    )?;

    let endpoint = normalise_endpoint(&required(address.endpoint, "UploadAddress.Endpoint")?);
    let bucket = required(address.bucket, "UploadAddress.Bucket")?;
    let object_key = required(address.file_name, "UploadAddress.FileName")?;
    let access_key_id = required(auth.access_key_id, "UploadAuth.AccessKeyId")?;
    let access_key_secret = auth
        .access_key_secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("UploadAuth.AccessKeySecret"))?;
    let security_token = auth
        .security_token
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("UploadAuth.SecurityToken"))?;
    let expires_at = expiry(
        auth.expire_utc_time.as_deref(),
        auth.expiration.as_ref(),
        issue.issued_at,
    )?;

    let target = OssTarget::builder()
        .endpoint(endpoint)
        .bucket(bucket)
        .object_key(object_key)
        .object_prefix(address.object_prefix.filter(|p| !p.is_empty()))
        .region(auth.region.filter(|r| !r.is_empty()))
        .sts_key(SigningKey::new(access_key_id, access_key_secret).with_token(Some(security_token)))
        .build()
        .map_err(|e| {
            malformed(format!(
                "the answer has no usable OSS target ({})",
                e.message()
            ))
        })?;
    Ok(UploadCredential::new(
        PROVIDER_NAME,
        video_id,
        UploadTarget::Oss(target),
        issue.issued_at,
        expires_at,
    )
    .with_request_id(body.request_id.filter(|id| !id.is_empty()))
    .with_file_name(issue.file_name)
    .with_resume_id(issue.resume_id.map(str::to_owned)))
}

fn missing(field: &str) -> Malformed {
    malformed(format!("the answer has no `{field}`"))
}

fn required(value: Option<String>, field: &str) -> Result<String, Malformed> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing(field))
}

/// A base64 JSON field, decoded and parsed. Errors name the field, never quote it.
fn decode_field<T: DeserializeOwned>(text: &str, field: &str) -> Result<T, Malformed> {
    let bytes =
        decode_base64_lenient(text).ok_or_else(|| malformed(format!("`{field}` is not base64")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        malformed(format!(
            "`{field}` is not the expected base64 JSON ({})",
            json_problem(&e)
        ))
    })
}

/// The OSS endpoint as a URL: `https://` is added when there is no scheme
/// ([`with_scheme`]), and a trailing `/` goes, as in [`OssTarget::endpoint`]'s documented form.
pub(crate) fn normalise_endpoint(endpoint: &str) -> String {
    with_scheme(endpoint.trim().trim_end_matches('/'))
}

/// The absolute expiry: `ExpireUTCTime` when present; else the issue time plus `Expiration`
/// seconds when present; else plus [`DEFAULT_LIFETIME`]. A field that is present (not blank)
/// must make sense: unreadable, or an expiry not after the issue time or more than a day later
/// ([`vod_core::raw::expiry::plausible`]), is an error naming the field. `Expiration` is not checked
/// when `ExpireUTCTime` decides.
pub(crate) fn expiry(
    expire_utc_time: Option<&str>,
    expiration: Option<&serde_json::Value>,
    issued_at: OffsetDateTime,
) -> Result<OffsetDateTime, Malformed> {
    let plausible = |field: &str, at: OffsetDateTime| {
        vod_core::raw::expiry::plausible(field, at, issued_at).map_err(|e| malformed(e.to_string()))
    };
    if let Some(text) = expire_utc_time.map(str::trim).filter(|t| !t.is_empty()) {
        let at = OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|_| malformed("`UploadAuth.ExpireUTCTime` is not an RFC 3339 time"))?;
        return plausible("UploadAuth.ExpireUTCTime", at);
    }
    let seconds = match expiration {
        None | Some(serde_json::Value::Null) => return Ok(issued_at + DEFAULT_LIFETIME),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
            return Ok(issued_at + DEFAULT_LIFETIME);
        }
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    let seconds = seconds
        .ok_or_else(|| malformed("`UploadAuth.Expiration` is not a whole number of seconds"))?;
    let at = issued_at
        .checked_add(Duration::seconds(seconds))
        .ok_or_else(|| malformed("`UploadAuth.Expiration` is out of range"))?;
    plausible("UploadAuth.Expiration", at)
}

/// What kind of JSON problem `e` is, without the input around it (serde's own message can
/// quote a value, and values here are secrets).
fn json_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected field types",
        serde_json::error::Category::Eof => "cut off",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use time::macros::datetime;

    const VECTORS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/aliyun-upload-response.json"
    );

    fn vectors() -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap()
    }

    fn issue() -> Issue<'static> {
        Issue {
            issued_at: datetime!(2024-01-02 03:04:05 UTC),
            string_to_sign: None,
            file_name: "a b.mp4",
            resume_id: Some("r-1"),
        }
    }

    fn decode(body: &serde_json::Value) -> Result<UploadCredential, Malformed> {
        credential(parse_body(&serde_json::to_vec(body).unwrap())?, &issue())
    }

    fn oss(cred: &UploadCredential) -> &OssTarget {
        match &cred.target {
            UploadTarget::Oss(t) => t,
            other => panic!("not an OSS target: {other}"),
        }
    }

    fn body_with(address: &serde_json::Value, auth: &serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "RequestId": "R",
            "VideoId": "V",
            "UploadAddress": STANDARD.encode(address.to_string()),
            "UploadAuth": STANDARD.encode(auth.to_string()),
        })
    }

    #[test]
    fn the_vector_decodes_field_by_field() {
        let v = vectors();
        let cred = decode(&v["response"]).unwrap();
        let address = &v["decoded_upload_address"];
        let auth = &v["decoded_upload_auth"];
        assert_eq!(cred.provider, "aliyun");
        assert_eq!(cred.media_id, v["response"]["VideoId"]);
        assert_eq!(
            cred.request_id.as_deref(),
            v["response"]["RequestId"].as_str()
        );
        assert_eq!(cred.file_name, "a b.mp4");
        assert_eq!(cred.resume_id.as_deref(), Some("r-1"));
        assert_eq!(cred.issued_at, issue().issued_at);
        // ExpireUTCTime wins over Expiration (3600 s would be 04:04:05 too: check it is used as
        // a date by moving the issue time).
        assert_eq!(cred.expires_at, datetime!(2024-01-02 04:04:05 UTC));
        let t = oss(&cred);
        assert_eq!(t.endpoint, address["Endpoint"]);
        assert_eq!(t.bucket, address["Bucket"]);
        assert_eq!(t.object_key, address["FileName"]);
        assert_eq!(t.object_prefix, None);
        assert_eq!(t.region.as_deref(), auth["Region"].as_str());
        assert_eq!(t.access_key_id, auth["AccessKeyId"]);
        assert_eq!(t.access_key_secret.expose(), auth["AccessKeySecret"]);
        assert_eq!(t.security_token.expose(), auth["SecurityToken"]);
        // Debug never shows the STS secret or token.
        let shown = format!("{cred:?} {cred}");
        assert!(
            !shown.contains("TestAccessKeySecret") && !shown.contains("CAIS"),
            "{shown}"
        );
    }

    #[test]
    fn expire_utc_time_is_absolute_whatever_the_issue_time() {
        let v = vectors();
        let body = parse_body(&serde_json::to_vec(&v["response"]).unwrap()).unwrap();
        let late = Issue {
            issued_at: datetime!(2024-01-02 03:30:00 UTC),
            ..issue()
        };
        let cred = credential(body, &late).unwrap();
        assert_eq!(cred.expires_at, datetime!(2024-01-02 04:04:05 UTC));
    }

    #[test]
    fn expiration_is_a_lifetime_never_a_date() {
        let at = datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(
            expiry(None, Some(&"3600".into()), at),
            Ok(at + Duration::hours(1))
        );
        assert_eq!(
            expiry(None, Some(&serde_json::json!(1800)), at),
            Ok(at + Duration::minutes(30))
        );
        // Absent (or blank): the documented lifetime.
        assert_eq!(expiry(None, None, at), Ok(at + Duration::seconds(3000)));
        assert_eq!(
            expiry(Some(" "), Some(&"".into()), at),
            Ok(at + DEFAULT_LIFETIME)
        );
        assert_eq!(
            expiry(Some("2024-01-02T12:00:00+08:00"), None, at),
            Ok(datetime!(2024-01-02 04:00:00 UTC))
        );
    }

    #[test]
    fn an_expiry_that_makes_no_sense_is_an_error_naming_the_field() {
        let at = datetime!(2024-01-02 03:04:05 UTC);
        let field_of = |result: Result<OffsetDateTime, Malformed>| {
            let err = result.unwrap_err().0;
            for field in ["UploadAuth.ExpireUTCTime", "UploadAuth.Expiration"] {
                if err.starts_with(&format!("`{field}`")) {
                    return field;
                }
            }
            panic!("no field named: {err}")
        };
        for (expire, expiration, field) in [
            // Unreadable: never a guessed lifetime.
            (Some("soon"), Some("60"), "UploadAuth.ExpireUTCTime"),
            (
                Some("2024-01-02 04:00:00"),
                None,
                "UploadAuth.ExpireUTCTime",
            ),
            (None, Some("2024-01-02T04:04:05Z"), "UploadAuth.Expiration"),
            (None, Some("1.5"), "UploadAuth.Expiration"),
            // Already past, or not after the issue time.
            (
                Some("2024-01-02T03:04:04Z"),
                None,
                "UploadAuth.ExpireUTCTime",
            ),
            (
                Some("2024-01-02T03:04:05Z"),
                None,
                "UploadAuth.ExpireUTCTime",
            ),
            (
                Some("1999-12-31T23:59:59Z"),
                Some("3600"),
                "UploadAuth.ExpireUTCTime",
            ),
            (None, Some("-5"), "UploadAuth.Expiration"),
            (None, Some("0"), "UploadAuth.Expiration"),
            // More than a day ahead.
            (
                Some("2024-01-03T03:04:06Z"),
                None,
                "UploadAuth.ExpireUTCTime",
            ),
            (None, Some("86401"), "UploadAuth.Expiration"),
            (None, Some("9223372036854775807"), "UploadAuth.Expiration"),
        ] {
            let expiration = expiration.map(serde_json::Value::from);
            let result = expiry(expire, expiration.as_ref(), at);
            assert_eq!(field_of(result), field, "{expire:?} {expiration:?}");
        }
        let err = expiry(Some("2020-01-01T00:00:00Z"), None, at).unwrap_err();
        assert_eq!(
            err.0,
            "`UploadAuth.ExpireUTCTime` (2020-01-01T00:00:00Z) is not after the issue time \
             (2024-01-02T03:04:05Z)"
        );
        // A day exactly is still believed.
        assert_eq!(
            expiry(None, Some(&"86400".into()), at),
            Ok(at + Duration::days(1))
        );
    }

    #[test]
    fn a_past_expiry_in_an_answer_is_refused() {
        let v = vectors();
        let body = parse_body(&serde_json::to_vec(&v["response"]).unwrap()).unwrap();
        // The vector expires 2024-01-02T04:04:05Z: issued a year later, it is already past.
        let late = Issue {
            issued_at: datetime!(2025-01-02 03:04:05 UTC),
            ..issue()
        };
        let err = credential(body, &late).err().unwrap();
        assert!(err.0.starts_with("`UploadAuth.ExpireUTCTime` ("), "{err}");
        // As the provider reports it: an invalid response, the answer quoted without secrets.
        let answer = Response::new(
            200,
            Default::default(),
            serde_json::to_vec(&v["response"]).unwrap(),
        );
        let err = read_answer(answer, late.issued_at, "a.mp4", None).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::InvalidResponse);
        assert!(
            err.message().contains(
                "`UploadAuth.ExpireUTCTime` (2024-01-02T04:04:05Z) is not after the issue time"
            ),
            "{err}"
        );
        let upload_auth = v["response"]["UploadAuth"].as_str().unwrap();
        assert!(!err.to_string().contains(&upload_auth[..12]), "{err}");
    }

    #[test]
    fn endpoint_without_scheme_gets_https_and_prefix_is_kept() {
        let address = serde_json::json!({
            "Endpoint": "oss-cn-beijing.aliyuncs.com/",
            "Bucket": "b",
            "FileName": "k/x.m3u8",
            "ObjectPrefix": "k/",
            "Unknown": [1, 2],
        });
        let auth = serde_json::json!({
            "AccessKeyId": "STS.x", "AccessKeySecret": "s", "SecurityToken": "t",
        });
        let cred = decode(&body_with(&address, &auth)).unwrap();
        let t = oss(&cred);
        assert_eq!(t.endpoint, "https://oss-cn-beijing.aliyuncs.com");
        assert_eq!(t.object_prefix.as_deref(), Some("k/"));
        assert_eq!(t.region, None);
        assert_eq!(cred.expires_at, issue().issued_at + DEFAULT_LIFETIME);
        assert_eq!(
            normalise_endpoint("http://127.0.0.1:9/"),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn unpadded_and_url_safe_base64_are_accepted() {
        let json = br#"{"Endpoint":"e","Bucket":"b??>","FileName":"f"}"#;
        for text in [
            STANDARD.encode(json),
            STANDARD.encode(json).trim_end_matches('=').to_owned(),
            URL_SAFE_NO_PAD.encode(json),
            base64::engine::general_purpose::URL_SAFE.encode(json),
        ] {
            let address: UploadAddress = decode_field(&text, "UploadAddress").unwrap();
            assert_eq!(address.bucket.as_deref(), Some("b??>"), "{text}");
        }
        assert!(URL_SAFE_NO_PAD.encode(json).contains(['-', '_']));
        assert!(decode_field::<UploadAddress>("not base64!", "UploadAddress").is_err());
    }

    #[test]
    fn missing_fields_are_named_and_values_never_quoted() {
        let v = vectors();
        for field in ["VideoId", "UploadAddress", "UploadAuth"] {
            let mut body = v["response"].clone();
            body.as_object_mut().unwrap().remove(field);
            let err = decode(&body).unwrap_err();
            assert!(err.0.contains(field), "{err}");
        }
        let mut body = v["response"].clone();
        body["UploadAuth"] = "%%%".into();
        assert_eq!(decode(&body).unwrap_err().0, "`UploadAuth` is not base64");
        body["UploadAuth"] = STANDARD.encode("{\"AccessKeySecret\": \"sec").into();
        let err = decode(&body).unwrap_err();
        assert!(
            err.0.contains("UploadAuth") && !err.0.contains("sec\""),
            "{err}"
        );
        let auth = serde_json::json!({"AccessKeyId": "STS.x", "AccessKeySecret": "s"});
        let address = serde_json::json!({"Endpoint": "e", "Bucket": "b", "FileName": "f"});
        let err = decode(&body_with(&address, &auth)).unwrap_err();
        assert!(err.0.contains("UploadAuth.SecurityToken"), "{err}");
    }

    #[test]
    fn a_body_that_is_not_json_is_malformed() {
        assert!(parse_body(b"<html>").is_err());
        assert!(parse_body(b"{\"VideoId\":\"v").is_err());
        assert!(parse_body(b"[]").is_err());
    }

    #[test]
    fn a_2xx_error_body_is_read_as_an_error() {
        let issue = Issue {
            issued_at: datetime!(2024-01-02 03:04:05 UTC),
            string_to_sign: None,
            file_name: "a.mp4",
            resume_id: None,
        };
        let body = br#"{"RequestId":"R","Code":"Throttling.User","Message":"slow"}"#;
        let err = read(&error::response(200, body, &[]), issue.clone()).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::RateLimited);
        assert_eq!(err.request_id(), Some("R"));
        let err = read(&error::response(200, b"<html>", &[]), issue.clone()).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::InvalidResponse);
        let err = read(
            &error::response(200, br#"{"RequestId":"R2","VideoId":"v"}"#, &[]),
            issue,
        )
        .unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::InvalidResponse);
        assert_eq!(err.request_id(), Some("R2"));
        assert!(err.message().contains("UploadAddress"), "{err}");
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        fn issue(string_to_sign: Option<&str>) -> Issue<'_> {
            Issue {
                issued_at: datetime!(2024-01-02 03:04:05 UTC),
                string_to_sign,
                file_name: "a.mp4",
                resume_id: None,
            }
        }

        fn b64(value: &serde_json::Value) -> String {
            base64::engine::general_purpose::STANDARD.encode(value.to_string())
        }

        proptest! {
            #[test]
            fn on_arbitrary_bytes(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512), sts in ".{0,64}") {
                let secrets = ["CAIS+tok/en==", "secret"];
                let _ = read(&error::response(status, &body, &secrets), issue(Some(&sts)));
                let _ = error::from_answer(&error::response(status, &body, &secrets), Some(&sts));
                let _ = decode_field::<UploadAddress>(&String::from_utf8_lossy(&body), "UploadAddress");
            }

            #[test]
            fn on_arbitrary_fields(
                status in prop_oneof![Just(200u16), Just(400), Just(503), 100u16..600],
                code in ".{0,24}",
                message in ".{0,200}",
                endpoint in ".{0,40}",
                expire in ".{0,30}",
                expiration in prop_oneof![".{0,12}".prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from)],
                raw_auth in ".{0,40}",
            ) {
                let secrets = ["CAIS+tok/en=="];
                let address = serde_json::json!({"Endpoint": endpoint, "Bucket": "b", "FileName": "f", "ObjectPrefix": code});
                let auth = serde_json::json!({
                    "AccessKeyId": "STS.x", "AccessKeySecret": "s", "SecurityToken": "t",
                    "ExpireUTCTime": expire, "Expiration": expiration,
                });
                for auth_text in [b64(&auth), raw_auth.clone()] {
                    let body = serde_json::json!({
                        "RequestId": "R", "VideoId": "V", "Code": code, "Message": message,
                        "UploadAddress": b64(&address), "UploadAuth": auth_text,
                    });
                    let bytes = serde_json::to_vec(&body).unwrap();
                    let _ = read(&error::response(status, &bytes, &secrets), issue(Some(&message)));
                    for cut in [0, bytes.len() / 3, bytes.len() / 2, bytes.len().saturating_sub(1)] {
                        let _ = read(&error::response(status, &bytes[..cut], &secrets), issue(None));
                    }
                }
                let quoted = format!("x server string to sign is:{message}");
                let body = serde_json::json!({"Code": "SignatureDoesNotMatch", "Message": quoted});
                let err = error::from_answer(&error::response(400, &serde_json::to_vec(&body).unwrap(), &secrets), Some(&code));
                prop_assert!(!err.to_string().contains('\n'));
            }
        }
    }
}

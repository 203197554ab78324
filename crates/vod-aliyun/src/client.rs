//! The VOD requests: parameters in, a signed `POST /?{query}` out, an answer read back.
//!
//! Like the current official SDK, every call is a POST to the endpoint's path with all
//! parameters in the query and an empty body. The two signatures differ in where the common
//! parameters go:
//!
//! - V1 (RPC HMAC-SHA1): `Action`, `Version`, `Format=JSON`, `AccessKeyId`, `SignatureMethod`,
//!   `SignatureVersion`, `SignatureNonce`, `Timestamp` and, for STS caller keys,
//!   `SecurityToken` join the operation's parameters in the query, followed by `Signature`.
//! - V3 (ACS3-HMAC-SHA256): the query holds only the operation's parameters; `host`,
//!   `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
//!   `x-acs-content-sha256` and, for STS caller keys, `x-acs-security-token` are signed
//!   headers, and `Authorization` carries the signature.
//!
//! Each attempt signs afresh with the time and nonce the transport hands it. The string to sign
//! of the attempt is kept beside the call so that a `SignatureDoesNotMatch` answer can be
//! compared with it (see [`crate::error`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use time::OffsetDateTime;
use time::macros::format_description;
use vod_core::config::AliyunSignature;
use vod_core::endpoint::Endpoint;
use vod_core::transport::{Attempt, Outgoing, Response, Transport};
use vod_core::{Error, RefreshRequest, Result, Secret, UploadCredential, UploadRequest};

use crate::decode::{self, Issue};
use crate::error;
use crate::sign::encode::encode_into;
use crate::sign::{acs3, rpc};

/// The VOD API version.
pub const API_VERSION: &str = "2017-03-21";

/// The caller's own keys.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: Secret,
    pub(crate) security_token: Option<Secret>,
}

/// A configured VOD client: where, who, how to sign.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) transport: Transport,
    pub(crate) endpoint: Endpoint,
    pub(crate) credentials: Credentials,
    pub(crate) signature: SignatureVersion,
}

/// The signatures this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureVersion {
    /// RPC HMAC-SHA1.
    V1,
    /// ACS3-HMAC-SHA256.
    V3,
}

impl SignatureVersion {
    /// The config's choice, when this crate implements it.
    pub(crate) fn from_config(signature: AliyunSignature) -> Option<Self> {
        match signature {
            AliyunSignature::V1 => Some(Self::V1),
            AliyunSignature::V3 => Some(Self::V3),
            _ => None,
        }
    }

    /// Back to the config's name.
    pub(crate) fn to_config(self) -> AliyunSignature {
        match self {
            Self::V1 => AliyunSignature::V1,
            Self::V3 => AliyunSignature::V3,
        }
    }
}

/// What one attempt leaves for reading its answer.
#[derive(Debug, Default, Clone)]
struct Signed {
    string_to_sign: Option<String>,
    at: Option<OffsetDateTime>,
}

/// The action that creates an upload.
pub const CREATE_UPLOAD_VIDEO: &str = "CreateUploadVideo";
/// The action that refreshes an upload's credential.
pub const REFRESH_UPLOAD_VIDEO: &str = "RefreshUploadVideo";

/// The `CreateUploadVideo` parameters of a (validated) request. Absent options are not sent.
pub(crate) fn create_upload_video_params(request: &UploadRequest) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            params.insert(name.to_owned(), value);
        }
    };
    put("Title", Some(request.title_or_default().to_owned()));
    put("FileName", Some(request.file_name.clone()));
    put("FileSize", request.file_size.map(|n| n.to_string()));
    put("Description", request.description.clone());
    put(
        "Tags",
        (!request.tags.is_empty()).then(|| request.tags.join(",")),
    );
    put("WorkflowId", request.workflow_id.clone());
    put("TemplateGroupId", request.template.clone());
    let aliyun = &request.aliyun;
    put("CoverURL", aliyun.cover_url.clone());
    put("CateId", aliyun.cate_id.map(|id| id.to_string()));
    put("UserData", aliyun.user_data.clone());
    put("StorageLocation", aliyun.storage_location.clone());
    put("AppId", aliyun.app_id.clone());
    params
}

/// The `RefreshUploadVideo` parameters of a (validated) request.
pub(crate) fn refresh_upload_video_params(request: &RefreshRequest) -> BTreeMap<String, String> {
    BTreeMap::from([("VideoId".to_owned(), request.media_id.clone())])
}

impl Client {
    /// `CreateUploadVideo` for a validated request.
    pub(crate) async fn create_upload_video(
        &self,
        request: &UploadRequest,
    ) -> Result<UploadCredential> {
        self.credential_call(
            CREATE_UPLOAD_VIDEO,
            create_upload_video_params(request),
            &request.file_name,
            request.resume_id.as_deref(),
        )
        .await
    }

    /// `RefreshUploadVideo` for a validated request. The credential keeps the request's file
    /// name (empty when it has none: Aliyun does not return the original name).
    pub(crate) async fn refresh_upload_video(
        &self,
        request: &RefreshRequest,
    ) -> Result<UploadCredential> {
        self.credential_call(
            REFRESH_UPLOAD_VIDEO,
            refresh_upload_video_params(request),
            request.file_name.as_deref().unwrap_or_default(),
            request.resume_id.as_deref(),
        )
        .await
    }

    /// Calls `action` with `params` and reads a credential from the answer.
    async fn credential_call(
        &self,
        action: &'static str,
        params: BTreeMap<String, String>,
        file_name: &str,
        resume_id: Option<&str>,
    ) -> Result<UploadCredential> {
        // Written by each attempt's build, read by its parse: the transport runs them in turn.
        let signed = Mutex::new(Signed::default());
        self.transport
            .call(
                action,
                |attempt| {
                    let (outgoing, string_to_sign) = self.sign(action, &params, attempt)?;
                    *lock(&signed) = Signed {
                        string_to_sign: Some(string_to_sign),
                        at: Some(attempt.now),
                    };
                    Ok(outgoing)
                },
                |response| {
                    let signed = lock(&signed).clone();
                    self.read(response, &signed, file_name, resume_id)
                },
            )
            .await
    }

    /// Reads an answer: a credential, or the error it says.
    fn read(
        &self,
        response: &Response,
        signed: &Signed,
        file_name: &str,
        resume_id: Option<&str>,
    ) -> Result<UploadCredential> {
        read_answer(
            response,
            signed.string_to_sign.as_deref(),
            Issue {
                issued_at: signed
                    .at
                    .unwrap_or_else(|| response.received_at + self.transport.clock().offset()),
                file_name,
                resume_id,
            },
        )
    }

    /// Signs one attempt; returns the request and its string to sign.
    pub(crate) fn sign(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        attempt: &Attempt,
    ) -> Result<(Outgoing, String)> {
        let timestamp = timestamp(attempt.now)?;
        Ok(match self.signature {
            SignatureVersion::V1 => self.sign_v1(action, params, &timestamp, &attempt.nonce),
            SignatureVersion::V3 => self.sign_v3(action, params, &timestamp, &attempt.nonce),
        })
    }

    fn sign_v1(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        timestamp: &str,
        nonce: &str,
    ) -> (Outgoing, String) {
        let creds = &self.credentials;
        let mut all = params.clone();
        for (name, value) in [
            ("Action", action),
            ("Version", API_VERSION),
            ("Format", "JSON"),
            ("AccessKeyId", &creds.access_key_id),
            ("SignatureMethod", rpc::SIGNATURE_METHOD),
            ("SignatureVersion", rpc::SIGNATURE_VERSION),
            ("SignatureNonce", nonce),
            ("Timestamp", timestamp),
        ] {
            all.insert(name.to_owned(), value.to_owned());
        }
        if let Some(token) = &creds.security_token {
            all.insert("SecurityToken".to_owned(), token.expose().to_owned());
        }
        let string_to_sign = rpc::string_to_sign("POST", &all);
        let signature = rpc::signature(&string_to_sign, creds.access_key_secret.expose());
        let mut url = self.url_with_query(&all);
        url.push_str("&Signature=");
        encode_into(&mut url, &signature);
        let outgoing = Outgoing {
            method: reqwest::Method::POST,
            url,
            headers: Vec::new(),
            body: Vec::new(),
        };
        (outgoing, string_to_sign)
    }

    fn sign_v3(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        timestamp: &str,
        nonce: &str,
    ) -> (Outgoing, String) {
        let creds = &self.credentials;
        let mut sent: Vec<(&'static str, String)> = vec![
            ("host", self.endpoint.host().to_owned()),
            ("x-acs-action", action.to_owned()),
            ("x-acs-version", API_VERSION.to_owned()),
            ("x-acs-date", timestamp.to_owned()),
            ("x-acs-signature-nonce", nonce.to_owned()),
            ("x-acs-content-sha256", acs3::EMPTY_BODY_SHA256.to_owned()),
        ];
        if let Some(token) = &creds.security_token {
            sent.push(("x-acs-security-token", token.expose().to_owned()));
        }
        let signed: BTreeMap<String, String> = sent
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let request = acs3::SignableRequest {
            method: "POST",
            path: self.endpoint.path(),
            query: params,
            headers: &signed,
            body: b"",
        };
        let string_to_sign = acs3::string_to_sign(&acs3::canonical_request(&request));
        let signature = acs3::signature(&string_to_sign, creds.access_key_secret.expose());
        let authorization = format!(
            "{} Credential={},SignedHeaders={},Signature={signature}",
            acs3::ALGORITHM,
            creds.access_key_id,
            acs3::signed_headers(&signed),
        );
        // The HTTP client writes `host` itself, from the URL, with the same value.
        sent.retain(|(name, _)| *name != "host");
        sent.push(("authorization", authorization));
        let outgoing = Outgoing {
            method: reqwest::Method::POST,
            url: self.url_with_query(params),
            headers: sent,
            body: Vec::new(),
        };
        (outgoing, string_to_sign)
    }

    /// The endpoint URL with `params` as its query, encoded as they were signed.
    fn url_with_query(&self, params: &BTreeMap<String, String>) -> String {
        let mut url = self.endpoint.as_str().to_owned();
        if params.is_empty() {
            return url;
        }
        url.push('?');
        url.push_str(&rpc::canonicalized_query(params));
        url
    }
}

/// Reads an answer: a 2xx with a credential, or an error body. Pure, for tests and fuzzing.
pub(crate) fn read_answer(
    response: &Response,
    string_to_sign: Option<&str>,
    issue: Issue<'_>,
) -> Result<UploadCredential> {
    if !(200..300).contains(&response.status) {
        return Err(error::from_answer(response, string_to_sign));
    }
    let parsed = decode::parse_body(&response.body).map_err(|what| response.invalid(what))?;
    if parsed.video_id.is_none() && parsed.code.is_some() {
        // An error in a success status: read it as one.
        return Err(error::from_answer(response, string_to_sign));
    }
    let request_id = parsed.request_id.clone();
    decode::credential(parsed, &issue).map_err(|what| {
        response
            .invalid(what)
            .with_vendor(vod_core::VendorDetail::new().request_id(request_id))
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `YYYY-MM-DDThh:mm:ssZ` in UTC, as both signatures want it.
pub(crate) fn timestamp(at: OffsetDateTime) -> Result<String> {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .map_err(|e| {
            Error::new(
                vod_core::ErrorKind::Config,
                format!("cannot format the request time: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use time::macros::datetime;
    use vod_core::FixedClock;

    fn attempt(nonce: &str) -> Attempt {
        Attempt {
            number: 1,
            now: datetime!(2024-01-02 03:04:05 UTC),
            nonce: nonce.to_owned(),
        }
    }

    fn client(signature: AliyunSignature, token: Option<&str>) -> Client {
        let mut b = crate::AliyunProvider::builder()
            .access_key_id("testid")
            .access_key_secret("testsecret")
            .endpoint("https://vod.cn-shanghai.aliyuncs.com")
            .signature(signature)
            .clock(Arc::new(FixedClock(datetime!(2024-01-02 03:04:05 UTC))));
        if let Some(t) = token {
            b = b.security_token(t).access_key_id("STS.testid");
        }
        b.build().unwrap().client().clone()
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn query_of(url: &str) -> BTreeMap<String, String> {
        let url = reqwest::Url::parse(url).unwrap();
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn timestamps_are_utc_seconds_with_z() {
        let at = datetime!(2024-01-02 11:04:05.999 +08:00);
        assert_eq!(timestamp(at).unwrap(), "2024-01-02T03:04:05Z");
    }

    /// The V1 vector `vod-refresh-upload-video-sts-post`, produced by the client end to end.
    #[test]
    fn v1_request_matches_the_sts_post_vector() {
        let c = client(AliyunSignature::V1, Some("CAIS+test/token=="));
        let params = map(&[("VideoId", "93ab850b4f6f54b6e91d24d81d4d1234")]);
        let (out, sts) = c
            .sign(
                "RefreshUploadVideo",
                &params,
                &attempt("c8a2b0a4-5c77-4d5e-9b1f-000000000002"),
            )
            .unwrap();
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3DSTS.testid%26Action%3DRefreshUploadVideo%26Format%3DJSON%26SecurityToken%3DCAIS%252Btest%252Ftoken%253D%253D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc8a2b0a4-5c77-4d5e-9b1f-000000000002%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2017-03-21%26VideoId%3D93ab850b4f6f54b6e91d24d81d4d1234"
        );
        assert_eq!(out.method, reqwest::Method::POST);
        assert!(out.body.is_empty() && out.headers.is_empty());
        let q = query_of(&out.url);
        assert_eq!(q["Signature"], "pyItsu18/DR3TqW9TjlM+jQ4/MY=");
        assert_eq!(q["SecurityToken"], "CAIS+test/token==");
        assert_eq!(q["Format"], "JSON");
        assert!(
            out.url
                .starts_with("https://vod.cn-shanghai.aliyuncs.com/?AccessKeyId=")
        );
        assert!(
            out.url
                .contains("&Signature=pyItsu18%2FDR3TqW9TjlM%2BjQ4%2FMY%3D"),
            "{}",
            out.url
        );
    }

    /// The V3 vector `vod-create-upload-video-sts`, produced by the client end to end.
    #[test]
    fn v3_request_matches_the_sts_vector() {
        let c = client(AliyunSignature::V3, Some("CAIS+test/token=="));
        let c = Client {
            credentials: Credentials {
                access_key_id: "testid".into(),
                ..c.credentials.clone()
            },
            ..c
        };
        let params = map(&[
            ("Title", "My video *~ (1)"),
            ("FileName", "D:\\videos\\a b.mp4"),
            ("FileSize", "123456"),
            ("Description", "测试 upload"),
            ("Tags", "tag1,tag2"),
            ("CateId", "1000"),
        ]);
        let (out, sts) = c
            .sign(
                "CreateUploadVideo",
                &params,
                &attempt("3156853299f313e23d1673dc12e1703d"),
            )
            .unwrap();
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\ned09760f116738cfa94f7115ff5774e371badfcc0242ff2e724938d4d2e00b93"
        );
        let headers: BTreeMap<&str, &str> =
            out.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            headers["authorization"],
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=7e97e1954730844098ae2b313e299f915474adede7320dd9c0da2211432219e4"
        );
        assert_eq!(headers["x-acs-security-token"], "CAIS+test/token==");
        assert_eq!(headers["x-acs-content-sha256"], acs3::EMPTY_BODY_SHA256);
        assert!(!headers.contains_key("host"));
        assert_eq!(query_of(&out.url), params);
        assert!(!out.url.contains("Signature") && !out.url.contains("Format"));
        assert!(
            out.url.contains("Title=My%20video%20%2A~%20%281%29"),
            "{}",
            out.url
        );
    }

    #[test]
    fn v1_without_token_sends_no_security_token_and_signs_what_it_sends() {
        let c = client(AliyunSignature::V1, None);
        let params = map(&[("Title", "a b"), ("FileName", "a.mp4")]);
        let (out, sts) = c.sign("CreateUploadVideo", &params, &attempt("n")).unwrap();
        let mut q = query_of(&out.url);
        assert!(!q.contains_key("SecurityToken"));
        let sig = q.remove("Signature").unwrap();
        assert_eq!(rpc::string_to_sign("POST", &q), sts);
        assert_eq!(rpc::signature(&sts, "testsecret"), sig);
        assert_eq!(q["Version"], API_VERSION);
        assert_eq!(q["Timestamp"], "2024-01-02T03:04:05Z");
        assert_eq!(q["SignatureNonce"], "n");
    }

    #[test]
    fn v3_signs_the_port_and_path_of_an_override() {
        let mut c = client(AliyunSignature::V3, None);
        c.endpoint =
            Endpoint::parse("aliyun.endpoint", "http://127.0.0.1:8080/aliyun/", "").unwrap();
        let (out, _) = c
            .sign(
                "RefreshUploadVideo",
                &map(&[("VideoId", "v")]),
                &attempt("n"),
            )
            .unwrap();
        assert_eq!(out.url, "http://127.0.0.1:8080/aliyun/?VideoId=v");
        assert_eq!(c.endpoint.host(), "127.0.0.1:8080");
        assert_eq!(c.endpoint.path(), "/aliyun/");
        assert!(
            !out.headers
                .iter()
                .any(|(k, _)| *k == "x-acs-security-token")
        );
    }

    #[test]
    fn every_create_parameter_is_reachable() {
        use vod_core::AliyunOptions;
        let req = UploadRequest::new("dir/My clip.mp4")
            .file_size(1024)
            .description("about")
            .tags(["a", "b c"])
            .workflow_id("wf-1")
            .template("tg-1")
            .resume_id("ignored")
            .overwrite(true)
            .aliyun(
                AliyunOptions::default()
                    .cover_url("https://img/x.png")
                    .cate_id(1000)
                    .user_data(r#"{"Extend":{"k":"v"}}"#)
                    .storage_location("outin-x.oss-cn-shanghai.aliyuncs.com")
                    .app_id("app-1000000"),
            );
        let params = create_upload_video_params(&req);
        let expected = map(&[
            ("Title", "My clip"),
            ("FileName", "dir/My clip.mp4"),
            ("FileSize", "1024"),
            ("Description", "about"),
            ("Tags", "a,b c"),
            ("WorkflowId", "wf-1"),
            ("TemplateGroupId", "tg-1"),
            ("CoverURL", "https://img/x.png"),
            ("CateId", "1000"),
            ("UserData", r#"{"Extend":{"k":"v"}}"#),
            ("StorageLocation", "outin-x.oss-cn-shanghai.aliyuncs.com"),
            ("AppId", "app-1000000"),
        ]);
        assert_eq!(params, expected);

        let minimal = create_upload_video_params(&UploadRequest::new("a.mp4").title("T"));
        assert_eq!(minimal, map(&[("Title", "T"), ("FileName", "a.mp4")]));
        let refresh = refresh_upload_video_params(&RefreshRequest::new("v-1"));
        assert_eq!(refresh, map(&[("VideoId", "v-1")]));
    }

    #[test]
    fn a_2xx_error_body_is_read_as_an_error() {
        let issue = Issue {
            issued_at: datetime!(2024-01-02 03:04:05 UTC),
            file_name: "a.mp4",
            resume_id: None,
        };
        let body = br#"{"RequestId":"R","Code":"Throttling.User","Message":"slow"}"#;
        let err = read_answer(&error::response(200, body, &[]), None, issue.clone()).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::RateLimited);
        assert_eq!(err.request_id(), Some("R"));
        let err =
            read_answer(&error::response(200, b"<html>", &[]), None, issue.clone()).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::InvalidResponse);
        let err = read_answer(
            &error::response(200, br#"{"RequestId":"R2","VideoId":"v"}"#, &[]),
            None,
            issue,
        )
        .unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::InvalidResponse);
        assert_eq!(err.request_id(), Some("R2"));
        assert!(err.message().contains("UploadAddress"), "{err}");
    }

    mod never_panics {
        use super::*;
        use base64::Engine as _;
        use proptest::prelude::*;

        fn issue() -> Issue<'static> {
            Issue {
                issued_at: datetime!(2024-01-02 03:04:05 UTC),
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
                let _ = read_answer(&error::response(status, &body, &secrets), Some(&sts), issue());
                let _ = error::from_answer(&error::response(status, &body, &secrets), Some(&sts));
                let _ = decode::decode_base64(&String::from_utf8_lossy(&body));
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
                    let _ = read_answer(&error::response(status, &bytes, &secrets), Some(&message), issue());
                    for cut in [0, bytes.len() / 3, bytes.len() / 2, bytes.len().saturating_sub(1)] {
                        let _ = read_answer(&error::response(status, &bytes[..cut], &secrets), None, issue());
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

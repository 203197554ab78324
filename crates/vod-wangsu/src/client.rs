//! The Get Video Upload Token call: the JSON body, its signature, the exchange.
//!
//! The body is built once per call with serde (absent parameters are left out, not sent as
//! `null`), and exactly those bytes are hashed into the signature and sent. Each attempt signs
//! again with the attempt's time.
//!
//! The gateway refuses a repeated signature, and the signature covers only the body, the host,
//! the content type and a timestamp in whole seconds. So two identical requests in the same
//! second (a refresh right after a create without options sends the same body; a quick retry
//! sends the same body again) would sign alike and the second would be refused. To keep every
//! signature new, a request whose body was already signed at the same second (or later) signs
//! with the next unused second instead ([`Timestamps`]): at most a few seconds ahead, well inside
//! the gateway's 5-minute window. Within one provider (and its clones) that avoids collisions;
//! two processes sending identical requests in the same second (a create in one, a refresh in
//! another) can still collide: the gateway then refuses the later one as repeated, and the call
//! signs again a second later, a few times, before giving up with a retryable `Unavailable`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use sha2::{Digest, Sha256};
use vod_core::endpoint::Endpoint;
use vod_core::transport::{Attempt, Outgoing, Transport};
use vod_core::{Clock, Error, ErrorKind, Result, Secret, UploadCredential, UploadRequest};

use crate::decode::{self, Issue};
use crate::sign::{self, Algorithm, Request};

/// The operation name in errors and tracing spans.
pub(crate) const OPERATION: &str = "getUploadToken";
/// The content type sent and signed.
pub(crate) const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// Where each gateway puts its request id (header names are matched without case).
pub(crate) const REQUEST_ID_HEADERS: &[&str] = &["x-ws-requestid", "x-cnc-request-id"];

/// The body of Get Video Upload Token, in the vendor's names. Absent parameters are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetUploadToken<'a> {
    /// The file name, with extension.
    pub origin_file_name: &'a str,
    /// The resume id: always sent, so that the upload can be refreshed by issuing again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<&'a str>,
    /// 0 or 1: an integer in the current API and SDKs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overwrite: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_names: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub water_mark_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trans_code_combine_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<&'a str>,
}

impl<'a> GetUploadToken<'a> {
    /// The parameters of a new upload with resume id `file_id`.
    pub(crate) fn create(request: &'a UploadRequest, file_id: &'a str) -> Self {
        let w = &request.wangsu;
        Self {
            origin_file_name: &request.file_name,
            file_id: Some(file_id),
            domain: w.domain.as_deref(),
            workflow_id: request.workflow_id.as_deref(),
            overwrite: request.overwrite.map(u8::from),
            category_names: w.category_names.as_deref(),
            water_mark_name: w.watermark_name.as_deref(),
            trans_code_combine_name: request.template.as_deref(),
            subtitle_id: w.subtitle_id.as_deref(),
            subtitle: w.subtitle.as_deref(),
        }
    }

    /// The parameters that issue a fresh token for an upload created earlier.
    pub(crate) fn refresh(file_name: &'a str, file_id: &'a str) -> Self {
        Self {
            origin_file_name: file_name,
            file_id: Some(file_id),
            domain: None,
            workflow_id: None,
            overwrite: None,
            category_names: None,
            water_mark_name: None,
            trans_code_combine_name: None,
            subtitle_id: None,
            subtitle: None,
        }
    }
}

/// Signs and sends Get Video Upload Token for one account on one gateway.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    transport: Transport,
    algorithm: Algorithm,
    access_key: String,
    secret_key: Secret,
    endpoint: Endpoint,
    timestamps: Arc<Timestamps>,
}

impl Client {
    pub(crate) fn new(
        transport: Transport,
        algorithm: Algorithm,
        access_key: String,
        secret_key: Secret,
        endpoint: Endpoint,
    ) -> Self {
        Self {
            transport,
            algorithm,
            access_key,
            secret_key,
            endpoint,
            timestamps: Arc::default(),
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Calls Get Video Upload Token and decodes the credential.
    pub(crate) async fn get_upload_token(
        &self,
        params: &GetUploadToken<'_>,
    ) -> Result<UploadCredential> {
        let body = body(params)?;
        let file_id = params.file_id.unwrap_or_default();
        let call = || {
            self.transport.call(
                OPERATION,
                |attempt| self.outgoing(&body, attempt),
                |response| {
                    decode::get_upload_token(
                        response,
                        Issue {
                            issued_at: self.transport.clock().now(),
                            request_id: self.transport.header_request_id(response),
                            file_name: params.origin_file_name,
                            resume_id: file_id,
                        },
                    )
                },
            )
        };
        let mut result = call().await;
        // Someone else signed this very body in this very second (a create in another process,
        // then a refresh here): `Timestamps` hands out the next second on each try.
        for _ in 0..REPEATED_REQUEST_RETRIES {
            match &result {
                Err(err) if crate::error::is_repeated_request(err) => {
                    tracing::debug!("wangsu refused a repeated request; signing a second later");
                    result = call().await;
                }
                _ => break,
            }
        }
        result
    }

    /// The signed request for one attempt: the body as given, signed at the attempt's time.
    pub(crate) fn outgoing(&self, body: &[u8], attempt: &Attempt) -> Result<Outgoing> {
        let now = u64::try_from(attempt.now.unix_timestamp()).map_err(|_| {
            Error::new(
                ErrorKind::Config,
                "the clock reads before 1970; cannot sign a Wangsu request",
            )
        })?;
        let timestamp = self.timestamps.claim(body, now);
        let signed_headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Host", self.endpoint.host()),
        ];
        let request = Request::new("POST", crate::config::UPLOAD_TOKEN_PATH)
            .with_headers(&signed_headers)
            .with_body(body);
        let signed = sign::sign(
            self.algorithm,
            &request,
            timestamp,
            &self.access_key,
            self.secret_key.expose(),
        );
        // `Host` is not set here: reqwest sends exactly `self.endpoint.host()` (see `Endpoint`).
        let mut headers = vec![
            ("Content-Type", CONTENT_TYPE.to_owned()),
            ("Accept", "application/json".to_owned()),
            (self.algorithm.access_key_header(), self.access_key.clone()),
            (self.algorithm.timestamp_header(), timestamp.to_string()),
        ];
        if let Some((name, value)) = self.algorithm.auth_method_header() {
            headers.push((name, value.to_owned()));
        }
        headers.push(("Authorization", signed.into_authorization()));
        Ok(Outgoing {
            method: reqwest::Method::POST,
            url: self.endpoint.as_str().to_owned(),
            headers,
            body: body.to_vec(),
        })
    }
}

/// How many times a request the gateway refused as repeated is signed again, each a second later
/// (so as many processes may send the same body in the same second).
const REPEATED_REQUEST_RETRIES: usize = 4;

/// The seconds each recent body was signed at, so that no signature repeats (see the module
/// docs).
#[derive(Default)]
pub(crate) struct Timestamps(Mutex<Seen>);

#[derive(Default)]
struct Seen {
    /// The latest second each recent body (by SHA-256) was signed at.
    by_body: HashMap<[u8; 32], u64>,
    /// The second of the last sweep of stale entries.
    swept_at: u64,
}

impl std::fmt::Debug for Timestamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let recent = self.0.lock().map_or(0, |seen| seen.by_body.len());
        write!(f, "Timestamps {{ recent: {recent} }}")
    }
}

impl Timestamps {
    /// How far ahead of the clock a timestamp may be moved. A body last signed further ahead
    /// than this was signed by a clock since corrected backwards: `now` is used again.
    const MAX_AHEAD_SECS: u64 = 60;

    /// The timestamp to sign `body` with at `now`: `now`, or the second after the latest one
    /// this body was signed at when that is not in the past.
    pub(crate) fn claim(&self, body: &[u8], now: u64) -> u64 {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let ahead = |ts: u64| ts >= now && ts - now <= Self::MAX_AHEAD_SECS;
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Entries in the past cannot collide any more. Dropping them costs a pass over the map,
        // so it happens once a second, not once a call; a stale entry met before then is ignored.
        if seen.swept_at != now {
            seen.by_body.retain(|_, ts| ahead(*ts));
            seen.swept_at = now;
        }
        let timestamp = match seen.by_body.get(&digest) {
            Some(&last) if ahead(last) => last + 1,
            _ => now,
        };
        seen.by_body.insert(digest, timestamp);
        timestamp
    }
}

/// The JSON bytes of the body.
pub(crate) fn body(params: &GetUploadToken<'_>) -> Result<Vec<u8>> {
    serde_json::to_vec(params).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot encode the request as JSON: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WangsuProvider;
    use std::sync::Arc;
    use vod_core::config::WangsuVariant;
    use vod_core::{FixedClock, WangsuOptions};

    const SIGN_VECTORS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/wangsu-ws3-hmac-sha256.json"
    ));

    fn vector(name: &str) -> serde_json::Value {
        let doc: serde_json::Value = serde_json::from_str(SIGN_VECTORS).unwrap();
        doc["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    }

    fn attempt(ts: i64) -> Attempt {
        Attempt {
            number: 1,
            now: time::OffsetDateTime::from_unix_timestamp(ts).unwrap(),
            nonce: "unused".into(),
        }
    }

    fn client(variant: WangsuVariant, endpoint: Option<&str>, ak: &str, sk: &str) -> Client {
        let mut builder = WangsuProvider::builder()
            .access_key(ak)
            .secret_key(sk)
            .variant(variant)
            .clock(Arc::new(FixedClock(
                time::OffsetDateTime::from_unix_timestamp(1_564_645_579).unwrap(),
            )));
        if let Some(e) = endpoint {
            builder = builder.endpoint(e);
        }
        builder.build().unwrap().client().clone()
    }

    fn header<'a>(out: &'a Outgoing, name: &str) -> Option<&'a str> {
        out.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn ws3_vector_end_to_end() {
        let v = vector("ws3_post_json_getUploadToken");
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        assert_eq!(v["headers"]["Content-Type"], CONTENT_TYPE);
        let client = client(WangsuVariant::Ws3, None, &s("ak"), &s("sk"));
        let request = UploadRequest::new("uploadtest.mp4");
        let params = GetUploadToken::create(&request, "0123456789abcdef0123456789abcdef");
        let body = body(&params).unwrap();
        assert_eq!(String::from_utf8(body.clone()).unwrap(), s("body"));
        let out = client
            .outgoing(&body, &attempt(s("ts").parse().unwrap()))
            .unwrap();
        assert_eq!(out.method, reqwest::Method::POST);
        assert_eq!(
            out.url,
            format!(
                "https://{}{}",
                v["headers"]["Host"].as_str().unwrap(),
                s("uri")
            )
        );
        assert_eq!(out.body, body);
        assert_eq!(
            header(&out, "authorization"),
            Some(s("authorization").as_str())
        );
        assert_eq!(header(&out, "content-type"), Some(CONTENT_TYPE));
        assert_eq!(header(&out, "x-ws-accesskey"), Some(s("ak").as_str()));
        assert_eq!(header(&out, "x-ws-timestamp"), Some(s("ts").as_str()));
        assert_eq!(header(&out, "x-cnc-auth-method"), None);
        assert_eq!(header(&out, "host"), None);
    }

    #[test]
    fn cnc_headers_and_signature() {
        let v = vector("cnc_post_json_getUploadToken");
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let client = client(WangsuVariant::Cnc, None, &s("ak"), &s("sk"));
        let body = s("body").into_bytes();
        let out = client
            .outgoing(&body, &attempt(s("ts").parse().unwrap()))
            .unwrap();
        assert_eq!(
            out.url,
            "https://open.chinanetcenter.com/vod/videoManage/getUploadToken"
        );
        assert_eq!(header(&out, "x-cnc-accesskey"), Some(s("ak").as_str()));
        assert_eq!(header(&out, "x-cnc-timestamp"), Some(s("ts").as_str()));
        assert_eq!(header(&out, "x-cnc-auth-method"), Some("AKSK"));
        // The vector signs `application/json`; this adapter sends (and signs) the charset too.
        let headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Host", "open.chinanetcenter.com"),
        ];
        let expected = sign::sign(
            Algorithm::Cnc,
            &Request::new("POST", "/vod/videoManage/getUploadToken")
                .with_headers(&headers)
                .with_body(&body),
            s("ts").parse().unwrap(),
            &s("ak"),
            &s("sk"),
        );
        assert_eq!(
            header(&out, "authorization"),
            Some(expected.authorization())
        );
        assert!(
            expected
                .authorization()
                .starts_with("CNC-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SignedHeaders=content-type;host, Signature=")
        );
    }

    #[test]
    fn signs_the_host_reqwest_sends() {
        let client = client(
            WangsuVariant::Ws3,
            Some("http://127.0.0.1:8080"),
            "ak",
            "sk",
        );
        let out = client.outgoing(b"{}", &attempt(1_700_000_000)).unwrap();
        let headers = [("Content-Type", CONTENT_TYPE), ("Host", "127.0.0.1:8080")];
        let expected = sign::sign(
            Algorithm::Ws3,
            &Request::new("POST", "/vod/videoManage/getUploadToken")
                .with_headers(&headers)
                .with_body(b"{}"),
            1_700_000_000,
            "ak",
            "sk",
        );
        assert_eq!(
            header(&out, "authorization"),
            Some(expected.authorization())
        );
    }

    #[test]
    fn each_attempt_signs_its_own_time() {
        let client = client(WangsuVariant::Ws3, None, "ak", "sk");
        let a = client.outgoing(b"{}", &attempt(1_700_000_000)).unwrap();
        let b = client.outgoing(b"{}", &attempt(1_700_000_010)).unwrap();
        assert_ne!(header(&a, "authorization"), header(&b, "authorization"));
        assert_eq!(header(&b, "x-ws-timestamp"), Some("1700000010"));
        assert!(client.outgoing(b"{}", &attempt(-1)).is_err());
    }

    #[test]
    fn identical_requests_in_one_second_never_sign_alike() {
        let client = client(WangsuVariant::Ws3, None, "ak", "sk");
        let ts = |body: &[u8], now: i64| {
            let out = client.outgoing(body, &attempt(now)).unwrap();
            header(&out, "x-ws-timestamp")
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        assert_eq!(ts(b"a", 100), 100);
        assert_eq!(ts(b"b", 100), 100, "another body keeps its time");
        assert_eq!(ts(b"a", 100), 101);
        assert_eq!(ts(b"a", 100), 102);
        assert_eq!(ts(b"a", 101), 103);
        assert_eq!(ts(b"a", 200), 200, "once the clock passes, the clock again");
        // A clock corrected backwards by more than a minute is not held back by what it signed.
        assert_eq!(ts(b"a", 1300), 1300);
        assert_eq!(ts(b"a", 100), 100);
        // Clones share the memory.
        let clone = client.clone();
        let out = clone.outgoing(b"a", &attempt(100)).unwrap();
        assert_eq!(header(&out, "x-ws-timestamp"), Some("101"));
    }

    #[test]
    fn every_parameter_in_the_body() {
        let request = UploadRequest::new("a.mp4")
            .resume_id("rid")
            .workflow_id("wf")
            .template("tpl")
            .overwrite(true)
            .title("ignored")
            .description("ignored")
            .file_size(1)
            .tags(["ignored"])
            .wangsu(
                WangsuOptions::default()
                    .domain("d.example")
                    .category_names(r#"[{"parentName":"p","childName":"c"}]"#)
                    .watermark_name("wm")
                    .subtitle_id("sid")
                    .subtitle("W10="),
            );
        let json: serde_json::Value =
            serde_json::from_slice(&body(&GetUploadToken::create(&request, "rid")).unwrap())
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "originFileName": "a.mp4",
                "fileId": "rid",
                "domain": "d.example",
                "workflowId": "wf",
                "overwrite": 1,
                "categoryNames": "[{\"parentName\":\"p\",\"childName\":\"c\"}]",
                "waterMarkName": "wm",
                "transCodeCombineName": "tpl",
                "subtitleId": "sid",
                "subtitle": "W10=",
            })
        );
        let request = UploadRequest::new("a.mp4").overwrite(false);
        let text = |params: &GetUploadToken<'_>| String::from_utf8(body(params).unwrap()).unwrap();
        assert_eq!(
            text(&GetUploadToken::create(&request, "rid")),
            r#"{"originFileName":"a.mp4","fileId":"rid","overwrite":0}"#
        );
        assert_eq!(
            text(&GetUploadToken::refresh("a.mp4", "rid")),
            r#"{"originFileName":"a.mp4","fileId":"rid"}"#
        );
    }
}

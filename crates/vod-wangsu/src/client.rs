//! The Get Video Upload Token call: the JSON body, its signature, the exchange.
//!
//! The body is built once per call with serde (absent parameters are left out, not sent as
//! `null`), and exactly those bytes are hashed into the signature and sent. Each attempt signs
//! again with the attempt's time.
//!
//! The gateway refuses a repeated signature, so each attempt signs with a second from
//! [`Timestamps`], which never hands out the same second twice for the same body. Within one
//! provider (and its clones) that avoids collisions; two processes sending identical requests in the same second (a create in one, a refresh in
//! another) can still collide: the gateway then refuses the later one as repeated, and the call
//! signs again a second later, a few times, before giving up with a retryable `Unavailable`.

use std::sync::Arc;

use time::OffsetDateTime;
use vod_core::raw::SigningKey;
use vod_core::raw::endpoint::Endpoint;
use vod_core::raw::transport::{Attempt, Outgoing, Transport};
use vod_core::{Error, ErrorKind, Result, UploadCredential};

use crate::api::{CONTENT_TYPE, GET_UPLOAD_TOKEN, GetUploadToken, UPLOAD_TOKEN_PATH, body};
use crate::decode::{self, Issue};
use crate::error::is_repeated_request;
use crate::sign::{self, Algorithm, Request};
use crate::timestamps::Timestamps;

/// Signs and sends Get Video Upload Token for one account on one gateway.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) transport: Transport,
    pub(crate) algorithm: Algorithm,
    pub(crate) key: SigningKey,
    pub(crate) endpoint: Endpoint,
    pub(crate) timestamps: Arc<Timestamps>,
}

/// What one attempt leaves for reading its answer: when it signed.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    pub(crate) at: OffsetDateTime,
}

impl Client {
    /// Calls Get Video Upload Token and decodes the credential.
    pub(crate) async fn get_upload_token(
        &self,
        params: &GetUploadToken<'_>,
    ) -> Result<UploadCredential> {
        let body = bytes::Bytes::from(body(params)?);
        let call = || {
            self.transport.call(
                GET_UPLOAD_TOKEN,
                |attempt| self.sign(&body, attempt),
                |response, signed: &Signed| {
                    decode::read(
                        response,
                        Issue {
                            issued_at: signed.at,
                            file_name: params.origin_file_name,
                            resume_id: params.file_id,
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
                Err(err) if is_repeated_request(err) => {
                    tracing::debug!("wangsu refused a repeated request; signing a second later");
                    result = call().await;
                }
                _ => break,
            }
        }
        result
    }

    /// The signed request for one attempt: the body as given, signed at the attempt's time.
    pub(crate) fn sign(
        &self,
        body: &bytes::Bytes,
        attempt: &Attempt,
    ) -> Result<(Outgoing, Signed)> {
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
        let request = Request::new("POST", UPLOAD_TOKEN_PATH)
            .with_headers(&signed_headers)
            .with_body(body);
        let signed = sign::sign(self.algorithm, &request, &self.key, timestamp);
        // `Host` is not set here: the HTTP client sends exactly `self.endpoint.host()` (see `Endpoint`).
        let mut headers = vec![
            ("Content-Type", CONTENT_TYPE.to_owned()),
            ("Accept", "application/json".to_owned()),
        ];
        headers.extend(signed.headers);
        let outgoing = Outgoing {
            method: http::Method::POST,
            url: self.endpoint.as_str().to_owned(),
            headers,
            body: body.clone(),
        };
        Ok((outgoing, Signed { at: attempt.now }))
    }
}

/// How many times a request the gateway refused as repeated is signed again, each a second later
/// (so as many processes may send the same body in the same second).
const REPEATED_REQUEST_RETRIES: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::config::HttpConfig;
    use vod_core::{Secret, UploadRequest};

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

    fn client(algorithm: Algorithm, endpoint: Option<&str>, ak: &str, sk: &str) -> Client {
        let default = match algorithm {
            Algorithm::Ws3 => "https://api.cloudv.haplat.net",
            Algorithm::Cnc => "https://open.chinanetcenter.com",
        };
        let base = Endpoint::parse("wangsu.endpoint", endpoint.unwrap_or(default), "").unwrap();
        Client {
            transport: Transport::new(crate::api::PROVIDER_NAME, &HttpConfig::default()).unwrap(),
            algorithm,
            key: SigningKey::new(ak, sk),
            endpoint: base.join(UPLOAD_TOKEN_PATH),
            timestamps: Arc::default(),
        }
    }

    /// The request of one attempt.
    fn outgoing(client: &Client, body: &[u8], attempt: &Attempt) -> Result<Outgoing> {
        let body = bytes::Bytes::copy_from_slice(body);
        client.sign(&body, attempt).map(|(out, _)| out)
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
        let client = client(Algorithm::Ws3, None, &s("ak"), &s("sk"));
        let request = UploadRequest::new("uploadtest.mp4");
        let params = GetUploadToken::create(&request, "0123456789abcdef0123456789abcdef");
        let body = body(&params).unwrap();
        assert_eq!(String::from_utf8(body.clone()).unwrap(), s("body"));
        let out = outgoing(&client, &body, &attempt(s("ts").parse().unwrap())).unwrap();
        assert_eq!(out.method, http::Method::POST);
        assert_eq!(
            out.url,
            format!(
                "https://{}{}",
                v["headers"]["Host"].as_str().unwrap(),
                s("uri")
            )
        );
        assert_eq!(out.body, &body[..]);
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
        let client = client(Algorithm::Cnc, None, &s("ak"), &s("sk"));
        let body = s("body").into_bytes();
        let out = outgoing(&client, &body, &attempt(s("ts").parse().unwrap())).unwrap();
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
            &SigningKey::new(s("ak"), Secret::new(s("sk"))),
            s("ts").parse().unwrap(),
        );
        assert_eq!(
            header(&out, "authorization"),
            expected.header("authorization")
        );
        assert!(
            expected
                .header("authorization")
                .unwrap()
                .starts_with("CNC-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SignedHeaders=content-type;host, Signature=")
        );
    }

    #[test]
    fn signs_the_host_the_client_sends() {
        let client = client(Algorithm::Ws3, Some("http://127.0.0.1:8080"), "ak", "sk");
        let out = outgoing(&client, b"{}", &attempt(1_700_000_000)).unwrap();
        let headers = [("Content-Type", CONTENT_TYPE), ("Host", "127.0.0.1:8080")];
        let expected = sign::sign(
            Algorithm::Ws3,
            &Request::new("POST", "/vod/videoManage/getUploadToken")
                .with_headers(&headers)
                .with_body(b"{}"),
            &SigningKey::new("ak", "sk"),
            1_700_000_000,
        );
        assert_eq!(
            header(&out, "authorization"),
            expected.header("authorization")
        );
    }

    #[test]
    fn each_attempt_signs_its_own_time() {
        let client = client(Algorithm::Ws3, None, "ak", "sk");
        let a = outgoing(&client, b"{}", &attempt(1_700_000_000)).unwrap();
        let b = outgoing(&client, b"{}", &attempt(1_700_000_010)).unwrap();
        assert_ne!(header(&a, "authorization"), header(&b, "authorization"));
        assert_eq!(header(&b, "x-ws-timestamp"), Some("1700000010"));
        assert!(outgoing(&client, b"{}", &attempt(-1)).is_err());
    }

    #[test]
    fn identical_requests_in_one_second_never_sign_alike() {
        let client = client(Algorithm::Ws3, None, "ak", "sk");
        let ts = |body: &[u8], now: i64| {
            let out = outgoing(&client, body, &attempt(now)).unwrap();
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
        let out = outgoing(&clone, b"a", &attempt(100)).unwrap();
        assert_eq!(header(&out, "x-ws-timestamp"), Some("101"));
    }
}

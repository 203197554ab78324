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
//! Each attempt signs afresh, through [`crate::sign`], with the time and nonce the transport
//! hands it. The attempt's [`Signed`] (its time and string to sign) goes back to the transport
//! with the request and comes to the parser with the answer, so that the credential's issue time
//! is the signing time and a `SignatureDoesNotMatch` answer is compared with the string this very
//! attempt signed (see [`crate::error`]).

use std::collections::BTreeMap;

use time::OffsetDateTime;
use vod_core::config::AliyunSignature;
use vod_core::raw::SigningKey;
use vod_core::raw::endpoint::Endpoint;
use vod_core::raw::transport::{Attempt, Outgoing, Transport};
use vod_core::{RefreshRequest, Result, UploadCredential, UploadRequest};

use crate::api::{
    API_VERSION, CREATE_UPLOAD_VIDEO, FORMAT, REFRESH_UPLOAD_VIDEO, create_upload_video_params,
    refresh_upload_video_params,
};
use crate::decode::{self, Issue};
use crate::sign::encode::encode_into;
use crate::sign::{acs3, rpc};

/// A configured VOD client: where, who, how to sign.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) transport: Transport,
    pub(crate) endpoint: Endpoint,
    pub(crate) key: SigningKey,
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

/// What one attempt leaves for reading its answer: when it signed, and what.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    pub(crate) at: OffsetDateTime,
    pub(crate) string_to_sign: String,
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
        self.transport
            .call(
                action,
                |attempt| self.sign(action, &params, attempt),
                |response, signed: &Signed| {
                    decode::read(
                        response,
                        Issue {
                            issued_at: signed.at,
                            string_to_sign: Some(&signed.string_to_sign),
                            file_name,
                            resume_id,
                        },
                    )
                },
            )
            .await
    }

    /// Signs one attempt; returns the request and what reading its answer needs.
    pub(crate) fn sign(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        attempt: &Attempt,
    ) -> Result<(Outgoing, Signed)> {
        let (outgoing, string_to_sign) = match self.signature {
            SignatureVersion::V1 => self.sign_v1(action, params, attempt),
            SignatureVersion::V3 => self.sign_v3(action, params, attempt),
        };
        let signed = Signed {
            at: attempt.now,
            string_to_sign,
        };
        Ok((outgoing, signed))
    }

    /// V1: the signature's parameters join the operation's in the query, `Signature` last.
    fn sign_v1(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        attempt: &Attempt,
    ) -> (Outgoing, String) {
        let mut all = params.clone();
        for (name, value) in [
            ("Action", action),
            ("Version", API_VERSION),
            ("Format", FORMAT),
        ] {
            all.insert(name.to_owned(), value.to_owned());
        }
        let signed = rpc::sign("POST", &all, &self.key, attempt.now, &attempt.nonce);
        let mut signature = None;
        for (name, value) in signed.query {
            if name == "Signature" {
                signature = Some(value);
            } else {
                all.insert(name.to_owned(), value);
            }
        }
        let mut url = self.url_with_query(&all);
        if let Some(signature) = signature {
            url.push_str("&Signature=");
            encode_into(&mut url, &signature);
        }
        let outgoing = Outgoing {
            method: http::Method::POST,
            url,
            headers: Vec::new(),
            body: Default::default(),
        };
        (outgoing, signed.string_to_sign)
    }

    /// V3: the query holds the operation's parameters; the signature's headers are added.
    fn sign_v3(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        attempt: &Attempt,
    ) -> (Outgoing, String) {
        let mut headers: Vec<(&'static str, String)> = vec![
            ("x-acs-action", action.to_owned()),
            ("x-acs-version", API_VERSION.to_owned()),
        ];
        let mut signed_headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        // The HTTP client writes `host` itself, from the URL, with the same value.
        signed_headers.insert("host".to_owned(), self.endpoint.host().to_owned());
        let request = acs3::SignableRequest {
            method: "POST",
            path: self.endpoint.path(),
            query: params,
            headers: &signed_headers,
            body: b"",
        };
        let signed = acs3::sign(&request, &self.key, attempt.now, &attempt.nonce);
        headers.extend(signed.headers);
        let outgoing = Outgoing {
            method: http::Method::POST,
            url: self.url_with_query(params),
            headers,
            body: Default::default(),
        };
        (outgoing, signed.string_to_sign)
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use vod_core::Secret;
    use vod_core::config::HttpConfig;

    fn attempt(nonce: &str) -> Attempt {
        Attempt {
            number: 1,
            now: datetime!(2024-01-02 03:04:05 UTC),
            nonce: nonce.to_owned(),
        }
    }

    fn client(signature: SignatureVersion, token: Option<&str>) -> Client {
        let key = match token {
            Some(t) => SigningKey::new("STS.testid", "testsecret").with_token(Some(Secret::new(t))),
            None => SigningKey::new("testid", "testsecret"),
        };
        Client {
            transport: Transport::new(crate::api::PROVIDER_NAME, &HttpConfig::default()).unwrap(),
            endpoint: Endpoint::parse(
                "aliyun.endpoint",
                "https://vod.cn-shanghai.aliyuncs.com",
                "",
            )
            .unwrap(),
            key,
            signature,
        }
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

    /// The V1 vector `vod-refresh-upload-video-sts-post`, produced by the client end to end.
    #[test]
    fn v1_request_matches_the_sts_post_vector() {
        let c = client(SignatureVersion::V1, Some("CAIS+test/token=="));
        let params = map(&[("VideoId", "93ab850b4f6f54b6e91d24d81d4d1234")]);
        let (out, signed) = c
            .sign(
                "RefreshUploadVideo",
                &params,
                &attempt("c8a2b0a4-5c77-4d5e-9b1f-000000000002"),
            )
            .unwrap();
        let sts = signed.string_to_sign;
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3DSTS.testid%26Action%3DRefreshUploadVideo%26Format%3DJSON%26SecurityToken%3DCAIS%252Btest%252Ftoken%253D%253D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc8a2b0a4-5c77-4d5e-9b1f-000000000002%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2017-03-21%26VideoId%3D93ab850b4f6f54b6e91d24d81d4d1234"
        );
        assert_eq!(out.method, http::Method::POST);
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
        let c = client(SignatureVersion::V3, Some("CAIS+test/token=="));
        let c = Client {
            key: SigningKey {
                id: "testid".into(),
                ..c.key.clone()
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
        let (out, signed) = c
            .sign(
                "CreateUploadVideo",
                &params,
                &attempt("3156853299f313e23d1673dc12e1703d"),
            )
            .unwrap();
        let sts = signed.string_to_sign;
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
        let c = client(SignatureVersion::V1, None);
        let params = map(&[("Title", "a b"), ("FileName", "a.mp4")]);
        let (out, signed) = c.sign("CreateUploadVideo", &params, &attempt("n")).unwrap();
        let sts = signed.string_to_sign;
        let mut q = query_of(&out.url);
        assert!(!q.contains_key("SecurityToken"));
        let sig = q.remove("Signature").unwrap();
        assert_eq!(rpc::string_to_sign("POST", &q), sts);
        assert_eq!(rpc::signature(&sts, &Secret::new("testsecret")), sig);
        assert_eq!(q["Version"], API_VERSION);
        assert_eq!(q["Timestamp"], "2024-01-02T03:04:05Z");
        assert_eq!(q["SignatureNonce"], "n");
    }

    #[test]
    fn v3_signs_the_port_and_path_of_an_override() {
        let mut c = client(SignatureVersion::V3, None);
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
}

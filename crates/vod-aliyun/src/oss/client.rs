//! The OSS client: how a storage call is built, signed and exchanged.
//!
//! [`OssClient`] holds only what does not change during an upload: the HTTP transport, the
//! signature version and a fallback region. Keys and ids are arguments of every call (see
//! [`super::ops`]), because STS keys rotate mid-upload and another process may continue it.
//!
//! Every call goes through two functions here:
//!
//! - [`OssClient::prepare`]: a pure function from the call, the location, the keys and the
//!   time to the request to send (URL, headers, body) and what was signed. The tests check it
//!   on oss2's vectors.
//! - `exchange`: the one place that uses vod-core's [`Transport`] (fresh time per attempt,
//!   timeouts, clock-skew correction, tracing). Each attempt's signed request goes back to the
//!   transport with the request and comes to the parser with the answer, so an error is compared
//!   with what that very attempt signed; the body is `Bytes`, resent without a copy.

use bytes::Bytes;
use time::OffsetDateTime;
use vod_core::config::{AliyunConfig, OssSignature};
use vod_core::raw::redact::Redactor;
use vod_core::raw::transport::{Outgoing, Response, Transport};
use vod_core::raw::{SignedParts, SigningKey};
use vod_core::{Error, HttpConfig, Result};

use super::address::{ObjectLocation, resolve_region};
use super::error::{self, REQUEST_ID_HEADER};
use super::sign::{OssSigner, PayloadHash, SignableRequest};

/// One storage call, before signing: method, query and headers of the operation, and body.
#[derive(Clone)]
pub struct OssCall {
    /// The operation name, for errors and logs (`UploadPart`).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The query, in the order sent.
    pub query: Vec<(&'static str, String)>,
    /// The operation's own headers (`Content-Type`), signed as V1/V4 require.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Bytes,
}

impl std::fmt::Debug for OssCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OssCall")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("query", &self.query)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Calls OSS with whatever keys each call brings.
#[derive(Debug, Clone)]
pub struct OssClient {
    transport: Transport,
    version: OssSignature,
    region: Option<String>,
}

impl OssClient {
    /// A client over `transport`, signing V4. The transport's own redaction does not know the
    /// per-call keys; OSS errors are redacted with the keys of their call.
    pub fn new(transport: Transport) -> Self {
        Self {
            transport: transport.with_request_id_headers(&[REQUEST_ID_HEADER]),
            version: OssSignature::V4,
            region: None,
        }
    }

    /// A client with its own transport, with the timeouts of `http`. The timeout bounds a
    /// whole call, body included: size parts so that one fits in it.
    pub fn from_http(http: &HttpConfig) -> Result<Self> {
        Ok(Self::new(Transport::new(crate::PROVIDER_NAME, http)?))
    }

    /// A client as `[aliyun]` configures it (`oss_signature`, `oss_region`), with its own
    /// transport with the timeouts of `http`.
    pub fn from_config(aliyun: &AliyunConfig, http: &HttpConfig) -> Result<Self> {
        let mut client = Self::from_http(http)?.with_signature(aliyun.oss_signature);
        if let Some(region) = &aliyun.oss_region {
            client = client.with_region(region.clone());
        }
        Ok(client)
    }

    /// Signs with `version`.
    pub fn with_signature(mut self, version: OssSignature) -> Self {
        self.version = version;
        self
    }

    /// The V4 region to use when neither the credential nor the endpoint host names one.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into()).filter(|r| !r.trim().is_empty());
        self
    }

    /// The signature version in use.
    pub fn signature(&self) -> OssSignature {
        self.version
    }

    /// The signer for `location`: V1, or V4 with the region resolved.
    pub fn signer(&self, location: &ObjectLocation) -> Result<OssSigner> {
        Ok(match self.version {
            OssSignature::V1 => OssSigner::V1,
            OssSignature::V4 => OssSigner::V4 {
                region: resolve_region(
                    location.region.as_deref(),
                    &location.endpoint,
                    self.region.as_deref(),
                )?,
            },
        })
    }

    /// The request to send for `call` at `now`, and what was signed: a pure function.
    pub fn prepare(
        &self,
        call: &OssCall,
        location: &ObjectLocation,
        keys: &SigningKey,
        now: OffsetDateTime,
    ) -> Result<(Outgoing, SignedParts)> {
        let signer = self.signer(location)?;
        let query: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let headers: Vec<(&str, &str)> =
            call.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let url = location.url(&query)?;
        let signed = signer.sign(
            &SignableRequest {
                method: call.method.as_str(),
                bucket: &location.bucket,
                key: &location.key,
                query: &query,
                headers: &headers,
                additional_headers: &[],
                payload: PayloadHash::Unsigned,
            },
            keys,
            now,
        );
        let mut all = call.headers.clone();
        all.extend(signed.headers.iter().cloned());
        let outgoing = Outgoing {
            method: call.method.clone(),
            url,
            headers: all,
            body: call.body.clone(),
        };
        Ok((outgoing, signed))
    }

    /// Sends `call` (signed afresh per attempt) and reads a success with `parse`; an answer
    /// that is not a 2xx becomes an OSS error, compared with what this attempt signed.
    pub(crate) async fn exchange<T>(
        &self,
        call: &OssCall,
        location: &ObjectLocation,
        keys: &SigningKey,
        parse: impl Fn(&Response, &Redactor) -> Result<T>,
    ) -> Result<T> {
        let redactor = error::redactor(keys);
        self.transport
            .call(
                call.operation,
                |attempt| self.prepare(call, location, keys, attempt.now),
                |response, signed: &SignedParts| {
                    if (200..300).contains(&response.status) {
                        parse(response, &redactor)
                    } else {
                        Err(error::from_answer(response, keys, Some(signed)))
                    }
                },
            )
            .await
    }
}

/// An invalid-response error quoting a redacted excerpt of `response`.
pub(crate) fn invalid(
    response: &Response,
    redactor: &Redactor,
    what: impl std::fmt::Display,
) -> Error {
    Error::invalid_response(response.status, what, &redactor.excerpt(&response.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::Config;

    #[test]
    fn config_picks_the_signature_and_the_fallback_region() {
        let cfg = Config::from_toml_str_with_env(
            "provider = \"aliyun\"\n[aliyun]\noss_signature = \"v1\"\noss_region = \"cn-x\"\n",
            |_| None,
        )
        .unwrap();
        let client = OssClient::from_config(&cfg.aliyun(), &cfg.http).unwrap();
        assert_eq!(client.signature(), OssSignature::V1);
        let local = ObjectLocation::new("http://127.0.0.1:1", "bkt", "k", None).unwrap();
        let v4 = client.with_signature(OssSignature::V4);
        assert_eq!(
            v4.signer(&local).unwrap(),
            OssSigner::V4 {
                region: "cn-x".into()
            }
        );

        let cfg = Config::from_toml_str_with_env("provider = \"aliyun\"\n", |_| None).unwrap();
        let client = OssClient::from_config(&cfg.aliyun(), &cfg.http).unwrap();
        assert_eq!(client.signature(), OssSignature::V4);
        assert_eq!(
            client.signer(&local).unwrap_err().field(),
            Some("aliyun.oss_region")
        );

        let err = Config::from_toml_str_with_env(
            "provider = \"aliyun\"\n[aliyun]\noss_signature = \"v2\"\n",
            |_| None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("expected `v4` or `v1`"), "{err}");
    }
}

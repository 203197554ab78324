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
//!   timeouts, clock-skew correction, tracing). The transport takes bodies as `Vec<u8>` today,
//!   so each attempt copies the body once; when it takes `Bytes` this is the one line to
//!   change.

use std::str::FromStr;
use std::sync::Mutex;

use bytes::Bytes;
use time::OffsetDateTime;
use vod_core::redact::Redactor;
use vod_core::transport::{Outgoing, Response, Transport};
use vod_core::{Error, HttpConfig, Result};

use super::OssKeys;
use super::address::{ObjectLocation, resolve_region};
use super::error::{self, REQUEST_ID_HEADER};
use super::sign::{OssSigner, PayloadHash, SignableRequest, SignedRequest};

/// Which OSS signature to send (`[aliyun] oss_signature = "v4" | "v1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OssSignatureVersion {
    /// `OSS4-HMAC-SHA256`: the default, the only one new Aliyun accounts and buckets accept.
    #[default]
    V4,
    /// The older HMAC-SHA1 header signature.
    V1,
}

impl FromStr for OssSignatureVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "v4" | "4" => Ok(Self::V4),
            "v1" | "1" => Ok(Self::V1),
            other => Err(Error::config(
                "aliyun.oss_signature",
                format!("must be \"v4\" or \"v1\" (got {other:?})"),
            )),
        }
    }
}

/// One storage call, before signing: method, query and headers of the operation, and body.
#[derive(Clone)]
pub struct OssCall {
    /// The operation name, for errors and logs (`UploadPart`).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: reqwest::Method,
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
    version: OssSignatureVersion,
    region: Option<String>,
}

impl OssClient {
    /// A client over `transport`, signing V4. The transport's own redaction does not know the
    /// per-call keys; OSS errors are redacted with the keys of their call.
    pub fn new(transport: Transport) -> Self {
        Self {
            transport: transport.with_request_id_headers(&[REQUEST_ID_HEADER]),
            version: OssSignatureVersion::V4,
            region: None,
        }
    }

    /// A client with its own transport, with the timeouts of `http`. The timeout bounds a
    /// whole call, body included: size parts so that one fits in it.
    pub fn from_http(http: &HttpConfig) -> Result<Self> {
        Ok(Self::new(Transport::new(crate::PROVIDER_NAME, http)?))
    }

    /// Signs with `version`.
    pub fn with_signature(mut self, version: OssSignatureVersion) -> Self {
        self.version = version;
        self
    }

    /// The V4 region to use when neither the credential nor the endpoint host names one.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into()).filter(|r| !r.trim().is_empty());
        self
    }

    /// The signature version in use.
    pub fn signature(&self) -> OssSignatureVersion {
        self.version
    }

    /// The signer for `location`: V1, or V4 with the region resolved.
    pub fn signer(&self, location: &ObjectLocation) -> Result<OssSigner> {
        Ok(match self.version {
            OssSignatureVersion::V1 => OssSigner::V1,
            OssSignatureVersion::V4 => OssSigner::V4 {
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
        keys: &OssKeys,
        now: OffsetDateTime,
    ) -> Result<(Outgoing, SignedRequest)> {
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
            // The transport takes a Vec today (see the module docs).
            body: call.body.to_vec(),
        };
        Ok((outgoing, signed))
    }

    /// Sends `call` (signed afresh per attempt) and reads a success with `parse`; an answer
    /// that is not a 2xx becomes an OSS error, compared with what this attempt signed.
    pub(crate) async fn exchange<T>(
        &self,
        call: &OssCall,
        location: &ObjectLocation,
        keys: &OssKeys,
        parse: impl Fn(&Response, &Redactor) -> Result<T>,
    ) -> Result<T> {
        let signed: Mutex<Option<SignedRequest>> = Mutex::new(None);
        let redactor = error::redactor(keys);
        self.transport
            .call(
                call.operation,
                |attempt| {
                    let (outgoing, this) = self.prepare(call, location, keys, attempt.now)?;
                    *signed.lock().unwrap_or_else(|e| e.into_inner()) = Some(this);
                    Ok(outgoing)
                },
                |response| {
                    if (200..300).contains(&response.status) {
                        parse(response, &redactor)
                    } else {
                        let signed = signed.lock().unwrap_or_else(|e| e.into_inner());
                        Err(error::from_answer(response, keys, signed.as_ref()))
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

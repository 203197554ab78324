//! Test-only clients for the emulator: small signers for each scheme, written from the vendor
//! notes independently of the emulator's verifiers, and a request type that tests can tamper with
//! after signing.
#![allow(dead_code)] // each test binary uses a different part

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use vod_emulator::{AccessKey, Emulator, EmulatorConfig};

pub const VERSION: &str = "2017-03-21";

/// An emulator with the default key plus an STS key `STS.caller` / `sts-secret` / `CAIS-token`.
pub async fn start() -> Emulator {
    start_with(EmulatorConfig {
        keys: vec![AccessKey::default_key(), sts_key()],
        ..EmulatorConfig::default()
    })
    .await
}

pub async fn start_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("emulator starts")
}

pub fn sts_key() -> AccessKey {
    AccessKey::new("STS.caller", "sts-secret").with_security_token("CAIS-token")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// RFC 3986 unreserved stay, everything else `%XY` (upper-case hex).
pub fn pct(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Form encoding as Python's `urlencode` does it: like [`pct`] but space is `+`.
pub fn form_encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                pct(k).replace("%20", "+"),
                pct(v).replace("%20", "+")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn iso(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap()
}

pub fn iso_now() -> String {
    iso(OffsetDateTime::now_utc())
}

pub fn nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn host_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// A request ready to send; every field may be changed after signing.
#[derive(Debug, Clone)]
pub struct Signed {
    pub method: reqwest::Method,
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Sent as is instead of `query` when set.
    pub raw_query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Signed {
    pub fn url(&self) -> String {
        if let Some(raw) = &self.raw_query {
            format!("{}{}?{raw}", self.base, self.path)
        } else if self.query.is_empty() {
            format!("{}{}", self.base, self.path)
        } else {
            format!("{}{}?{}", self.base, self.path, form_encode(&self.query))
        }
    }

    pub fn set_query(&mut self, name: &str, value: &str) {
        match self.query.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.query.push((name.to_owned(), value.to_owned())),
        }
    }

    pub fn query_value(&self, name: &str) -> String {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
            .clone()
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    pub fn header_value(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .unwrap()
            .1
            .clone()
    }

    pub fn builder(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut request = client.request(self.method.clone(), self.url());
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request.body(self.body.clone())
    }

    pub async fn send(&self, client: &reqwest::Client) -> Answer {
        let response = self.builder(client).send().await.expect("a response");
        Answer::read(response).await
    }
}

/// A response, read completely.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Answer {
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The Aliyun error code, if this is an Aliyun error.
    pub fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or("").to_owned()
    }
}

/// An Aliyun RPC (HMAC-SHA1) request, signed when turned into [`Signed`].
#[derive(Debug, Clone)]
pub struct Rpc {
    pub method: &'static str,
    pub key: AccessKey,
    pub params: Vec<(String, String)>,
    /// Put the business parameters in a form body instead of the query.
    pub in_body: bool,
}

impl Rpc {
    /// A POST with every parameter in the query, like the official Python SDK, including its
    /// extra `RegionId` and empty `SignatureType`.
    pub fn new(action: &str) -> Self {
        Rpc {
            method: "POST",
            key: AccessKey::default_key(),
            params: vec![
                ("Action".into(), action.into()),
                ("Version".into(), VERSION.into()),
                ("Format".into(), "JSON".into()),
                ("SignatureMethod".into(), "HMAC-SHA1".into()),
                ("SignatureVersion".into(), "1.0".into()),
                ("SignatureType".into(), String::new()),
                ("SignatureNonce".into(), nonce()),
                ("Timestamp".into(), iso_now()),
                ("RegionId".into(), "cn-shanghai".into()),
            ],
            in_body: false,
        }
    }

    pub fn create(title: &str, file_name: &str) -> Self {
        Rpc::new("CreateUploadVideo")
            .param("Title", title)
            .param("FileName", file_name)
    }

    pub fn refresh(video_id: &str) -> Self {
        Rpc::new("RefreshUploadVideo").param("VideoId", video_id)
    }

    /// Sets (or adds) a parameter.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(n, _)| n != name);
        self
    }

    pub fn key(mut self, key: AccessKey) -> Self {
        self.key = key;
        self
    }

    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    pub fn form_body(mut self) -> Self {
        self.in_body = true;
        self
    }

    fn all_params(&self) -> Vec<(String, String)> {
        let mut params = self.params.clone();
        params.push(("AccessKeyId".into(), self.key.id.clone()));
        if let Some(token) = &self.key.security_token {
            params.push(("SecurityToken".into(), token.clone()));
        }
        params
    }

    pub fn string_to_sign(&self) -> String {
        let mut params = self.all_params();
        params.sort();
        let canonical = params
            .iter()
            .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("{}&{}&{}", self.method, pct("/"), pct(&canonical))
    }

    pub fn signature(&self) -> String {
        let mut mac =
            Hmac::<Sha1>::new_from_slice(format!("{}&", self.key.secret).as_bytes()).unwrap();
        mac.update(self.string_to_sign().as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    pub fn signed(&self, base: &str) -> Signed {
        let mut query = self.all_params();
        query.push(("Signature".into(), self.signature()));
        let mut headers = vec![];
        let mut body = vec![];
        if self.in_body {
            const COMMON: &[&str] = &[
                "Action",
                "Version",
                "Format",
                "SignatureMethod",
                "SignatureVersion",
                "SignatureType",
                "SignatureNonce",
                "Timestamp",
                "RegionId",
                "AccessKeyId",
                "SecurityToken",
                "Signature",
            ];
            let (common, business): (Vec<_>, Vec<_>) = query
                .into_iter()
                .partition(|(n, _)| COMMON.contains(&n.as_str()));
            query = common;
            body = form_encode(&business).into_bytes();
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        Signed {
            method: self.method.parse().unwrap(),
            base: base.to_owned(),
            path: "/".into(),
            query,
            raw_query: None,
            headers,
            body,
        }
    }
}

/// An Aliyun ACS3-HMAC-SHA256 request, signed when turned into [`Signed`].
#[derive(Debug, Clone)]
pub struct Acs3 {
    pub method: &'static str,
    pub key: AccessKey,
    pub action: String,
    pub version: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub date: String,
    pub nonce: String,
}

impl Acs3 {
    pub fn new(action: &str) -> Self {
        Acs3 {
            method: "POST",
            key: AccessKey::default_key(),
            action: action.into(),
            version: VERSION.into(),
            query: vec![],
            form: vec![],
            date: iso_now(),
            nonce: nonce(),
        }
    }

    pub fn create(title: &str, file_name: &str) -> Self {
        Acs3::new("CreateUploadVideo")
            .param("Title", title)
            .param("FileName", file_name)
    }

    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn form_param(mut self, name: &str, value: &str) -> Self {
        self.form.push((name.into(), value.into()));
        self
    }

    pub fn key(mut self, key: AccessKey) -> Self {
        self.key = key;
        self
    }

    fn body(&self) -> Vec<u8> {
        if self.form.is_empty() {
            vec![]
        } else {
            form_encode(&self.form).into_bytes()
        }
    }

    /// Every header to send except `authorization`, names lower-case, sorted.
    fn headers(&self, host: &str) -> Vec<(String, String)> {
        let body = self.body();
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-action".to_owned(), self.action.clone()),
            ("x-acs-version".to_owned(), self.version.clone()),
            ("x-acs-date".to_owned(), self.date.clone()),
            ("x-acs-signature-nonce".to_owned(), self.nonce.clone()),
            (
                "x-acs-content-sha256".to_owned(),
                hex::encode(Sha256::digest(&body)),
            ),
        ];
        if let Some(token) = &self.key.security_token {
            headers.push(("x-acs-security-token".to_owned(), token.clone()));
        }
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        headers.sort();
        headers
    }

    pub fn string_to_sign(&self, host: &str) -> String {
        let headers = self.headers(host);
        let mut query = self.query.clone();
        query.sort();
        let canonical_query = query
            .iter()
            .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
            .collect::<Vec<_>>()
            .join("&");
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let signed: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let canonical = format!(
            "{}\n/\n{canonical_query}\n{canonical_headers}\n{}\n{}",
            self.method,
            signed.join(";"),
            hex::encode(Sha256::digest(self.body()))
        );
        format!(
            "ACS3-HMAC-SHA256\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        )
    }

    pub fn signed(&self, base: &str) -> Signed {
        let host = host_of(base);
        let mut headers = self.headers(&host);
        let signed: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.secret.as_bytes()).unwrap();
        mac.update(self.string_to_sign(&host).as_bytes());
        headers.push((
            "authorization".to_owned(),
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
                self.key.id,
                signed.join(";"),
                hex::encode(mac.finalize().into_bytes())
            ),
        ));
        Signed {
            method: self.method.parse().unwrap(),
            base: base.to_owned(),
            path: "/".into(),
            query: self.query.clone(),
            raw_query: None,
            headers,
            body: self.body(),
        }
    }
}

/// Which Wangsu gateway signature to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Ws3,
    Cnc,
}

/// A Wangsu Get Video Upload Token request, signed when turned into [`Signed`].
#[derive(Debug, Clone)]
pub struct Ws {
    pub gateway: Gateway,
    pub method: &'static str,
    pub key: AccessKey,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// For GET: the raw query string.
    pub query: String,
    pub timestamp: i64,
}

pub const UPLOAD_TOKEN_PATH: &str = "/vod/videoManage/getUploadToken";

impl Ws {
    /// A POST with a JSON body.
    pub fn json(gateway: Gateway, body: Value) -> Self {
        Ws {
            gateway,
            method: "POST",
            key: AccessKey::default_key(),
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
            query: String::new(),
            timestamp: OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    /// A POST with a form body.
    pub fn form(gateway: Gateway, body: &str) -> Self {
        Ws {
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: body.as_bytes().to_vec(),
            ..Ws::json(gateway, Value::Null)
        }
    }

    /// A GET with this raw query.
    pub fn get(gateway: Gateway, query: &str) -> Self {
        Ws {
            method: "GET",
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: vec![],
            query: query.to_owned(),
            ..Ws::json(gateway, Value::Null)
        }
    }

    pub fn key(mut self, key: AccessKey) -> Self {
        self.key = key;
        self
    }

    fn algorithm(&self) -> &'static str {
        match self.gateway {
            Gateway::Ws3 => "WS3-HMAC-SHA256",
            Gateway::Cnc => "CNC-HMAC-SHA256",
        }
    }

    pub fn signed(&self, base: &str) -> Signed {
        let host = host_of(base);
        let query = if self.method == "POST" {
            String::new()
        } else {
            percent_encoding::percent_decode_str(&self.query)
                .decode_utf8()
                .unwrap()
                .into_owned()
        };
        let content_type = self.content_type.clone().unwrap_or_default();
        let canonical = format!(
            "{}\n{UPLOAD_TOKEN_PATH}\n{query}\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
            self.method,
            content_type.to_lowercase(),
            host.to_lowercase(),
            hex::encode(Sha256::digest(&self.body))
        );
        let string_to_sign = format!(
            "{}\n{}\n{}",
            self.algorithm(),
            self.timestamp,
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.secret.as_bytes()).unwrap();
        mac.update(string_to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let (ak_header, ts_header) = match self.gateway {
            Gateway::Ws3 => ("X-WS-AccessKey", "X-WS-Timestamp"),
            Gateway::Cnc => ("x-cnc-accessKey", "x-cnc-timestamp"),
        };
        let mut headers = vec![
            ("Host".to_owned(), host),
            (ak_header.to_owned(), self.key.id.clone()),
            (ts_header.to_owned(), self.timestamp.to_string()),
            (
                "Authorization".to_owned(),
                format!(
                    "{} Credential={}, SignedHeaders=content-type;host, Signature={signature}",
                    self.algorithm(),
                    self.key.id
                ),
            ),
        ];
        if let Some(content_type) = &self.content_type {
            headers.push(("Content-Type".to_owned(), content_type.clone()));
        }
        Signed {
            method: self.method.parse().unwrap(),
            base: base.to_owned(),
            path: UPLOAD_TOKEN_PATH.into(),
            query: vec![],
            raw_query: (!self.query.is_empty()).then(|| self.query.clone()),
            headers,
            body: self.body.clone(),
        }
    }
}

/// Changes one character of a signature (keeping it in the same alphabet).
pub fn flip_one(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

/// Decodes an Aliyun base64 JSON field.
pub fn decode_b64_json(text: &str) -> Value {
    serde_json::from_slice(&STANDARD.decode(text).expect("standard base64")).expect("JSON")
}

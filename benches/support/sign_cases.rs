//! The signing inputs of `benches/data/sign-inputs.json`, loaded once and ready to sign.
//!
//! Shared (through `#[path]`) by `benches/signing.rs` (criterion) and `examples/sign_timing.rs`
//! (the Rust side of `scripts/bench-sdk-signers.sh`), so that both time exactly the calls named
//! here, on the same bytes the official Python SDKs sign in `scripts/bench/sdk_signers.py`.
//!
//! What one "sign" is, per signature (parsing the JSON and building the maps happens once, at
//! load, outside every timed region):
//!
//! - RPC: [`rpc::sign`], the function production calls, over the operation's parameters with the
//!   recorded key, time and nonce (it adds the common parameters and the signature), giving the
//!   base64 signature.
//! - ACS3: [`acs3::sign`] over method, path, query, headers and body with the recorded key, time
//!   and nonce (it adds the `x-acs-*` headers), giving the `Authorization` value.
//! - WS3: [`ws::sign`] over method, path, headers and body with the key at a timestamp, giving
//!   the `Authorization` value.
//!
//! The recorded inputs spell out every parameter and header; they are split into what the
//! signers take by the same code the adapter's vector tests use
//! (`crates/vod-aliyun/tests/support/signer_inputs.rs`).
//!
//! The floor of each is one raw HMAC, keyed as the signature keys it, over the bytes the signature
//! covers: the RPC string to sign (HMAC-SHA1), the ACS3 and WS3 canonical requests
//! (HMAC-SHA256). No signer can do less than hash those bytes once with the key.

#![allow(dead_code)] // each includer uses a different part

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;
use sha2::Sha256;
use vod_aliyun::sign::{acs3, rpc};
use vod_core::raw::SigningKey;
use vod_wangsu::sign::{self as ws, Algorithm};

#[path = "../../crates/vod-aliyun/tests/support/signer_inputs.rs"]
mod signer_inputs;
use signer_inputs::SignerInputs;

/// The committed inputs.
pub const INPUTS_JSON: &str = include_str!("../data/sign-inputs.json");

/// All three requests.
pub struct Cases {
    pub rpc: RpcCase,
    pub acs3: Acs3Case,
    pub ws3: Ws3Case,
}

/// CreateUploadVideo, RPC HMAC-SHA1.
pub struct RpcCase {
    pub method: String,
    /// The operation's parameters, key, time and nonce.
    pub inputs: SignerInputs,
    /// `secret + "&"`, the HMAC key.
    floor_key: Vec<u8>,
    /// The string to sign, for the floor.
    pub string_to_sign: String,
}

/// CreateUploadVideo, ACS3-HMAC-SHA256.
pub struct Acs3Case {
    pub method: String,
    pub path: String,
    pub secret: String,
    pub query: BTreeMap<String, String>,
    /// Every signed header, as recorded (for the floor's canonical request).
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The headers `acs3::sign` does not add, key, time and nonce.
    pub inputs: SignerInputs,
    /// The canonical request, for the floor.
    pub canonical_request: String,
}

/// getUploadToken, WS3-HMAC-SHA256.
pub struct Ws3Case {
    pub method: &'static str,
    pub path: &'static str,
    pub key: SigningKey,
    pub secret: &'static str,
    pub timestamp: u64,
    pub headers: Vec<(&'static str, &'static str)>,
    pub signed_headers: &'static str,
    pub body: &'static [u8],
    /// The canonical request, for the floor.
    pub canonical_request: String,
}

#[derive(Deserialize)]
struct File {
    rpc: RpcJson,
    acs3: Acs3Json,
    ws3: Ws3Json,
}

#[derive(Deserialize)]
struct RpcJson {
    method: String,
    access_key_secret: String,
    params: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Acs3Json {
    method: String,
    path: String,
    access_key_id: String,
    access_key_secret: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: String,
}

#[derive(Deserialize)]
struct Ws3Json {
    method: String,
    path: String,
    access_key: String,
    secret_key: String,
    timestamp: u64,
    headers: Vec<(String, String)>,
    signed_headers: String,
    body: String,
}

/// Lives for the whole run: the WS3 request borrows `&str`s, as a caller's would.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl Cases {
    /// The committed inputs.
    pub fn load() -> Self {
        Self::parse(INPUTS_JSON)
    }

    /// Inputs from JSON text in the format of `benches/data/sign-inputs.json`.
    pub fn parse(json: &str) -> Self {
        let file: File = serde_json::from_str(json).expect("sign inputs are valid JSON");

        let r = file.rpc;
        let rpc = RpcCase {
            string_to_sign: rpc::string_to_sign(&r.method, &r.params),
            floor_key: format!("{}&", r.access_key_secret).into_bytes(),
            inputs: signer_inputs::rpc_inputs(&r.params, &r.access_key_secret)
                .expect("the RPC inputs carry rpc::sign's common parameters"),
            method: r.method,
        };

        let a = file.acs3;
        let body = a.body.into_bytes();
        let inputs =
            signer_inputs::acs3_inputs(&a.headers, &body, &a.access_key_id, &a.access_key_secret)
                .expect("the ACS3 inputs carry acs3::sign's headers");
        let mut acs3 = Acs3Case {
            method: a.method,
            path: a.path,
            secret: a.access_key_secret,
            query: a.query,
            headers: a.headers,
            body,
            inputs,
            canonical_request: String::new(),
        };
        acs3.canonical_request = acs3::canonical_request(&acs3.request());

        let w = file.ws3;
        let mut ws3 = Ws3Case {
            method: leak(w.method),
            path: leak(w.path),
            key: SigningKey::new(w.access_key, w.secret_key.clone()),
            secret: leak(w.secret_key),
            timestamp: w.timestamp,
            headers: w
                .headers
                .into_iter()
                .map(|(n, v)| (leak(n), leak(v)))
                .collect(),
            signed_headers: leak(w.signed_headers),
            body: leak(w.body).as_bytes(),
            canonical_request: String::new(),
        };
        ws3.canonical_request = ws::canonical_request(&ws3.request());

        Cases { rpc, acs3, ws3 }
    }
}

impl RpcCase {
    /// The signature, as `rpc::sign` computes it.
    pub fn sign(&self) -> String {
        let i = &self.inputs;
        let signed = rpc::sign(&self.method, &i.parts, &i.key, i.at, &i.nonce);
        signed
            .query_param("Signature")
            .unwrap_or_default()
            .to_owned()
    }

    /// HMAC-SHA1 keyed with `secret&` over the string to sign.
    pub fn floor(&self) -> [u8; 20] {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.floor_key).expect("any key length");
        mac.update(self.string_to_sign.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl Acs3Case {
    /// The request with every signed header, as recorded.
    fn request(&self) -> acs3::SignableRequest<'_> {
        acs3::SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// The `Authorization` value, as `acs3::sign` computes it.
    pub fn sign(&self) -> String {
        let i = &self.inputs;
        let request = acs3::SignableRequest {
            headers: &i.parts,
            ..self.request()
        };
        let signed = acs3::sign(&request, &i.key, i.at, &i.nonce);
        signed
            .header("authorization")
            .unwrap_or_default()
            .to_owned()
    }

    /// HMAC-SHA256 keyed with the secret over the canonical request.
    pub fn floor(&self) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).expect("any key");
        mac.update(self.canonical_request.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl Ws3Case {
    fn request(&self) -> ws::Request<'_> {
        ws::Request::new(self.method, self.path)
            .with_headers(&self.headers)
            .with_signed_headers(self.signed_headers)
            .with_body(self.body)
    }

    /// The `Authorization` value, as `vod_wangsu::sign::sign` computes it.
    pub fn sign(&self) -> String {
        ws::sign(Algorithm::Ws3, &self.request(), &self.key, self.timestamp)
            .header("Authorization")
            .unwrap_or_default()
            .to_owned()
    }

    /// HMAC-SHA256 keyed with the secret key over the canonical request.
    pub fn floor(&self) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).expect("any key");
        mac.update(self.canonical_request.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

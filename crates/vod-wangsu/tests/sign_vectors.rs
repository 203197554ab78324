//! The WS3/CNC signature vectors (`testdata/vectors/wangsu-ws3-hmac-sha256.json`, computed with
//! the official `wangsu-sdk-python` signer), each checked at every step: canonical request,
//! string to sign, signature and `Authorization`, step by step and through the one-pass `sign`.

use serde_json::Value;
use vod_core::raw::SigningKey;
use vod_wangsu::sign::{
    self, Algorithm, Request, authorization, canonical_request, signature, string_to_sign,
};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/wangsu-ws3-hmac-sha256.json"
));

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is not a string: {v}"))
}

#[test]
fn every_vector_matches_at_every_step() {
    let doc: Value = serde_json::from_str(VECTORS).expect("vector file is JSON");
    let vectors = doc["vectors"].as_array().expect("vectors is an array");
    assert!(!vectors.is_empty());
    let mut seen = [false; 2];
    for v in vectors {
        let name = field(v, "name");
        let alg = Algorithm::from_name(field(v, "alg")).expect("known algorithm");
        seen[usize::from(alg == Algorithm::Cnc)] = true;
        let headers: Vec<(&str, &str)> = v["headers"]
            .as_object()
            .expect("headers is an object")
            .iter()
            .map(|(k, val)| (k.as_str(), val.as_str().expect("header value is a string")))
            .collect();
        let req = Request {
            method: field(v, "method"),
            path: field(v, "uri"),
            query: field(v, "query"),
            headers: &headers,
            signed_headers: field(v, "signed_headers"),
            body: field(v, "body").as_bytes(),
        };
        let ts: u64 = field(v, "ts").parse().expect("ts is an integer");
        let (ak, sk) = (field(v, "ak"), field(v, "sk"));

        let cr = canonical_request(&req);
        assert_eq!(
            cr,
            field(v, "canonical_request"),
            "{name}: canonical request"
        );
        assert!(
            cr.ends_with(field(v, "payload_sha256")),
            "{name}: payload hash"
        );
        let sts = string_to_sign(alg, ts, &cr);
        assert_eq!(sts, field(v, "string_to_sign"), "{name}: string to sign");
        let key = SigningKey::new(ak, sk);
        let sig = signature(&sts, &key.secret);
        assert_eq!(sig, field(v, "signature"), "{name}: signature");
        let signed_list = sign::signed_headers(req.signed_headers);
        assert_eq!(
            authorization(alg, ak, &signed_list, &sig),
            field(v, "authorization"),
            "{name}: authorization"
        );

        let one_pass = sign::sign(alg, &req, &key, ts);
        assert_eq!(
            one_pass.string_to_sign,
            field(v, "string_to_sign"),
            "{name}: sign()"
        );
        assert_eq!(
            one_pass.header("authorization"),
            Some(field(v, "authorization")),
            "{name}: sign()"
        );
        assert_eq!(
            one_pass.header(alg.access_key_header()),
            Some(ak),
            "{name}: sign()"
        );
        assert_eq!(
            one_pass.header(alg.timestamp_header()),
            Some(ts.to_string().as_str()),
            "{name}: sign()"
        );

        // The default signed-header list gives the same result as naming it.
        let defaulted = Request {
            signed_headers: "",
            ..req
        };
        assert_eq!(
            sign::sign(alg, &defaulted, &key, ts).header("authorization"),
            Some(field(v, "authorization")),
            "{name}: default signed headers"
        );
    }
    assert_eq!(seen, [true, true], "vectors cover both algorithm names");
}

#[test]
fn header_names_per_algorithm() {
    assert_eq!(Algorithm::Ws3.access_key_header(), "X-WS-AccessKey");
    assert_eq!(Algorithm::Ws3.timestamp_header(), "X-WS-Timestamp");
    assert_eq!(Algorithm::Ws3.auth_method_header(), None);
    assert_eq!(Algorithm::Cnc.access_key_header(), "x-cnc-accessKey");
    assert_eq!(Algorithm::Cnc.timestamp_header(), "x-cnc-timestamp");
    assert_eq!(
        Algorithm::Cnc.auth_method_header(),
        Some(("x-cnc-auth-method", "AKSK"))
    );
    for alg in Algorithm::ALL {
        assert_eq!(Algorithm::from_name(&alg.to_string()), Some(alg));
    }
}

#[test]
fn post_ignores_query_and_other_methods_decode_it() {
    let headers = [("Host", "h"), ("Content-Type", "t")];
    let post = Request::new("POST", "/p")
        .with_query("a=%41")
        .with_headers(&headers);
    assert!(canonical_request(&post).starts_with("POST\n/p\n\n"));
    let put = Request {
        method: "PUT",
        ..post
    };
    assert!(canonical_request(&put).starts_with("PUT\n/p\na=A\n"));
}

#[test]
fn header_values_are_lowercased_and_missing_headers_sign_empty() {
    let headers = [("HOST", "API.Example.COM"), ("x-ws-timestamp", "1")];
    let req = Request::new("GET", "/")
        .with_headers(&headers)
        .with_signed_headers("X-WS-Timestamp;Host;Content-Type");
    let cr = canonical_request(&req);
    assert!(
        cr.contains("\ncontent-type:\nhost:api.example.com\nx-ws-timestamp:1\n\ncontent-type;host;x-ws-timestamp\n"),
        "{cr}"
    );
}

#[test]
fn signed_debug_redacts() {
    let s = sign::sign(
        Algorithm::Ws3,
        &Request::new("GET", "/"),
        &SigningKey::new("AKSECRET", "sk"),
        1,
    );
    let shown = format!("{s:?}");
    let authorization = s.header("authorization").unwrap();
    let signature = authorization.rsplit('=').next().unwrap();
    assert!(!shown.contains("AKSECRET") && !shown.contains(signature));
}

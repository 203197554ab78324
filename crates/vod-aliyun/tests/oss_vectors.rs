//! oss2's own signatures of the six upload operations, V1 and V4
//! (`testdata/vectors/oss-upload-signatures.json`: oss2 2.19.1, clock frozen, requests captured before sending),
//! and the CRC-64 checksums of `testdata/vectors/upload-checksums.json` (checked against oss2's `Crc64`).
//!
//! Every vector is checked byte for byte: the URL oss2 sent, every header it sent (the ones
//! the operation sets plus the ones signing adds, nothing more), the string to sign and, for
//! V4, the canonical request.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vod_aliyun::oss::address::Endpoint;
use vod_aliyun::oss::multipart::CompletedPart;
use vod_aliyun::oss::ops::calls;
use vod_aliyun::oss::{
    ObjectLocation, OssCall, OssClient, OssSignature, OssSigner, PayloadHash, SignableRequest,
    crc64,
};
use vod_core::raw::SigningKey;
use vod_core::{HttpConfig, Secret};

const SIGNATURES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/oss-upload-signatures.json"
));
const CHECKSUMS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/upload-checksums.json"
));

/// Headers that signing adds; the rest of a vector's headers are the operation's own.
const ADDED_BY_SIGNING: &[&str] = &[
    "authorization",
    "date",
    "x-oss-date",
    "x-oss-content-sha256",
    "x-oss-security-token",
];

struct Inputs {
    endpoint: Endpoint,
    bucket: String,
    key: String,
    unicode_key: String,
    keys: SigningKey,
    region: String,
    now: OffsetDateTime,
    upload_id: String,
}

fn inputs(doc: &Value) -> Inputs {
    let i = &doc["inputs"];
    let s = |f: &str| {
        i[f].as_str()
            .unwrap_or_else(|| panic!("inputs.{f}"))
            .to_owned()
    };
    Inputs {
        endpoint: Endpoint::parse(&s("endpoint")).unwrap(),
        bucket: s("bucket"),
        key: s("key"),
        unicode_key: s("unicode_key"),
        keys: SigningKey::new(s("access_key_id"), Secret::new(s("access_key_secret")))
            .with_token(Some(Secret::new(s("security_token")))),
        region: s("region"),
        now: OffsetDateTime::parse(&s("time_utc"), &Rfc3339).unwrap(),
        upload_id: s("upload_id"),
    }
}

/// The query each operation sends, in oss2's order.
fn query<'a>(op: &str, upload_id: &'a str) -> Vec<(&'static str, &'a str)> {
    match op {
        "PutObject" | "PutObject (unicode key)" => vec![],
        "InitiateMultipartUpload" => vec![("uploads", "")],
        "UploadPart" => vec![("uploadId", upload_id), ("partNumber", "1")],
        "CompleteMultipartUpload" | "AbortMultipartUpload" => vec![("uploadId", upload_id)],
        "ListParts" => vec![
            ("uploadId", upload_id),
            ("part-number-marker", ""),
            ("max-parts", "1000"),
        ],
        other => panic!("unknown operation {other:?}"),
    }
}

fn check(version: &str, v: &Value, inp: &Inputs) {
    let op = v["op"].as_str().unwrap();
    let method = v["method"].as_str().unwrap();
    let key = if op.contains("unicode") {
        &inp.unicode_key
    } else {
        &inp.key
    };
    let query = query(op, &inp.upload_id);
    let sent: Vec<(String, String)> = v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_owned()))
        .collect();
    let own: Vec<(&str, &str)> = sent
        .iter()
        .filter(|(k, _)| !ADDED_BY_SIGNING.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    let url = inp.endpoint.object_url(&inp.bucket, key, &query).unwrap();
    assert_eq!(url, v["url_sent"].as_str().unwrap(), "{version} {op}: URL");

    let request = SignableRequest {
        method,
        bucket: &inp.bucket,
        key,
        query: &query,
        headers: &own,
        additional_headers: &[],
        payload: PayloadHash::Unsigned,
    };
    let signer = match version {
        "v4" => OssSigner::V4 {
            region: inp.region.clone(),
        },
        _ => OssSigner::V1,
    };
    let signed = signer.sign(&request, &inp.keys, inp.now);

    let mut ours: Vec<(String, String)> = own
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain(
            signed
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone())),
        )
        .collect();
    let mut theirs = sent.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "{version} {op}: headers");

    if let Some(sts) = v["string_to_sign"].as_str() {
        assert_eq!(signed.string_to_sign, sts, "{version} {op}: string to sign");
    }
    if let Some(cr) = v["canonical_request"].as_str() {
        assert_eq!(
            signed.canonical_request.as_deref(),
            Some(cr),
            "{version} {op}: canonical request"
        );
    }
}

fn run(version: &str) -> usize {
    let doc: Value = serde_json::from_str(SIGNATURES).unwrap();
    let inp = inputs(&doc);
    let vectors = doc[version].as_array().unwrap();
    for v in vectors {
        check(version, v, &inp);
    }
    vectors.len()
}

#[test]
fn every_v1_vector() {
    assert_eq!(run("v1"), 7);
}

#[test]
fn every_v4_vector() {
    assert_eq!(run("v4"), 7);
}

#[test]
fn the_vectors_cover_six_operations_and_the_unicode_key() {
    let doc: Value = serde_json::from_str(SIGNATURES).unwrap();
    for version in ["v1", "v4"] {
        let mut ops: Vec<&str> = doc[version]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["op"].as_str().unwrap())
            .collect();
        ops.sort();
        assert_eq!(
            ops,
            [
                "AbortMultipartUpload",
                "CompleteMultipartUpload",
                "InitiateMultipartUpload",
                "ListParts",
                "PutObject",
                "PutObject (unicode key)",
                "UploadPart"
            ]
        );
    }
}

/// The call each primitive sends for a vector's operation.
fn primitive_call(op: &str, v: &Value, doc: &Value, upload_id: &str) -> OssCall {
    let i = &doc["inputs"];
    let header = |name: &str| v["headers"][name].as_str();
    match op {
        "PutObject" | "PutObject (unicode key)" => calls::put_object(
            header("Content-Type").unwrap(),
            header("Content-MD5"),
            i["put_body"].as_str().unwrap().as_bytes().to_vec().into(),
        )
        .unwrap(),
        "InitiateMultipartUpload" => calls::initiate("video/mp4"),
        "UploadPart" => calls::upload_part(
            upload_id,
            1,
            i["part_body"].as_str().unwrap().as_bytes().to_vec().into(),
        )
        .unwrap(),
        "CompleteMultipartUpload" => {
            let parts: Vec<CompletedPart> = i["complete_parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| CompletedPart::new(p[0].as_u64().unwrap() as u32, p[1].as_str().unwrap()))
                .collect();
            calls::complete(upload_id, &parts).unwrap()
        }
        "AbortMultipartUpload" => calls::abort(upload_id).unwrap(),
        "ListParts" => calls::list_parts(upload_id, None, 1000).unwrap(),
        other => panic!("unknown operation {other:?}"),
    }
}

/// The primitives' own requests, built by `OssClient::prepare` at the vectors' time: the URL
/// and every header, exactly as oss2 sent them.
#[test]
fn the_primitives_send_what_oss2_sent() {
    let doc: Value = serde_json::from_str(SIGNATURES).unwrap();
    let inp = inputs(&doc);
    let mut checked = 0;
    for (version, choice) in [("v1", OssSignature::V1), ("v4", OssSignature::V4)] {
        let client = OssClient::from_http(&HttpConfig::default())
            .unwrap()
            .with_signature(choice);
        for v in doc[version].as_array().unwrap() {
            let op = v["op"].as_str().unwrap();
            let key = if op.contains("unicode") {
                &inp.unicode_key
            } else {
                &inp.key
            };
            // The region comes from the endpoint host here, as for a credential without one.
            let location = ObjectLocation::new(
                doc["inputs"]["endpoint"].as_str().unwrap(),
                &inp.bucket,
                key,
                None,
            )
            .unwrap();
            let call = primitive_call(op, v, &doc, &inp.upload_id);
            let (out, _) = client
                .prepare(&call, &location, &inp.keys, inp.now)
                .unwrap();
            assert_eq!(out.url, v["url_sent"].as_str().unwrap(), "{version} {op}");
            assert_eq!(
                out.method.as_str(),
                v["method"].as_str().unwrap(),
                "{version} {op}"
            );
            let mut ours: Vec<(String, String)> = out
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect();
            let mut theirs: Vec<(String, String)> = v["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_owned()))
                .collect();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "{version} {op}");
            checked += 1;
        }
    }
    assert_eq!(checked, 14);
}

/// Byte `i` of the "generated" inputs.
fn generated(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((7 * i + 3) % 256) as u8).collect()
}

#[test]
fn every_crc64_checksum_vector() {
    let doc: Value = serde_json::from_str(CHECKSUMS).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let data = match input {
            "generated" => generated(case["length"].as_u64().unwrap() as usize),
            text => text.as_bytes().to_vec(),
        };
        let expected: u64 = case["crc64"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            crc64::checksum(&data),
            expected,
            "{input} ({} bytes)",
            data.len()
        );
        assert_eq!(
            crc64::parse_header(case["crc64"].as_str().unwrap()),
            Some(expected)
        );

        // Streamed in uneven pieces, and combined from two halves, the same.
        let mut streamed = crc64::Crc64::new();
        for piece in data.chunks(1_000_003) {
            streamed.update(piece);
        }
        assert_eq!(streamed.finish(), expected, "{input} streamed");
        let (a, b) = data.split_at(data.len() / 3);
        assert_eq!(
            crc64::combine(crc64::checksum(a), crc64::checksum(b), b.len() as u64),
            expected,
            "{input} combined"
        );
    }
}

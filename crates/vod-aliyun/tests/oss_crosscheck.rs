//! Our OSS signatures and URLs against oss2's own, on random inputs.
//!
//! The cases come from `scripts/crosscheck/oss_sign.py`, which signs random requests (keys
//! with Unicode and reserved characters, sub-resources and other query parameters, mixed-case
//! and untrimmed headers, V4 additional headers and body hashes, STS and long-lived keys,
//! times across a century) with oss2 2.19.1's own signers and URL builder.
//! `scripts/crosscheck-oss-sign.sh` generates a fresh set and runs this test on it through
//! `VOD_XCHECK_OSS`; without that variable the test reads the committed
//! `tests/data/oss-crosscheck.json`, regenerated with
//! `scripts/crosscheck-oss-sign.sh --write-fixture`.
//!
//! Any difference fails, listing the first mismatching cases with both outputs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vod_aliyun::oss::address::Endpoint;
use vod_aliyun::oss::{OssSigner, PayloadHash, SignableRequest};
use vod_core::Secret;
use vod_core::raw::SigningKey;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/oss-crosscheck.json"
);
const ENV_VAR: &str = "VOD_XCHECK_OSS";
/// How many mismatching cases a failure shows in full.
const SHOWN: usize = 3;

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("case {} has no string `{field}`", case["name"]))
}

fn pairs(case: &Value, field: &str) -> Vec<(String, String)> {
    case[field]
        .as_array()
        .unwrap_or_else(|| panic!("case {} has no array `{field}`", case["name"]))
        .iter()
        .map(|p| {
            (
                p[0].as_str().expect("name").to_owned(),
                p[1].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

/// Returns `(what, oss2's, ours)` for every output that differs.
fn check(case: &Value) -> Vec<(String, String, String)> {
    let version = text(case, "version");
    let bucket = text(case, "bucket");
    let key = text(case, "key");
    let query = pairs(case, "query");
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let headers = pairs(case, "headers");
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let additional: Vec<&str> = case["additional_headers"]
        .as_array()
        .expect("additional_headers")
        .iter()
        .map(|v| v.as_str().expect("a header name"))
        .collect();
    let payload = match text(case, "payload") {
        "UNSIGNED-PAYLOAD" => PayloadHash::Unsigned,
        hex => PayloadHash::Sha256Hex(hex),
    };
    let keys = SigningKey::new(
        text(case, "access_key_id"),
        Secret::new(text(case, "access_key_secret")),
    )
    .with_token(Some(Secret::new(text(case, "security_token"))));
    let now = OffsetDateTime::parse(text(case, "time"), &Rfc3339).expect("time");
    let signer = match version {
        "v1" => OssSigner::V1,
        _ => OssSigner::V4 {
            region: text(case, "region").to_owned(),
        },
    };
    let request = SignableRequest {
        method: text(case, "method"),
        bucket,
        key,
        query: &query,
        headers: &headers,
        additional_headers: &additional,
        payload,
    };
    let signed = signer.sign(&request, &keys, now);
    let sdk = &case["sdk"];

    let mut diffs = Vec::new();
    let mut compare = |what: &str, theirs: Option<&str>, ours: &str| {
        if let Some(theirs) = theirs {
            if theirs != ours {
                diffs.push((what.to_owned(), theirs.to_owned(), ours.to_owned()));
            }
        }
    };
    compare(
        "string_to_sign",
        sdk["string_to_sign"].as_str(),
        &signed.string_to_sign,
    );
    compare(
        "canonical_request",
        sdk["canonical_request"].as_str(),
        signed.canonical_request.as_deref().unwrap_or_default(),
    );
    let url = Endpoint::parse(text(case, "endpoint"))
        .and_then(|ep| ep.object_url(bucket, key, &[]))
        .unwrap_or_else(|e| format!("error: {e}"));
    compare("url", sdk["url"].as_str(), &url);

    let theirs: BTreeMap<String, String> = sdk["added_headers"]
        .as_object()
        .expect("added_headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("a header value").to_owned()))
        .collect();
    let ours: BTreeMap<String, String> = signed
        .headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    if theirs != ours {
        diffs.push((
            "added headers".to_owned(),
            format!("{theirs:?}"),
            format!("{ours:?}"),
        ));
    }
    diffs
}

fn run(doc: &Value, version: &str) -> (usize, usize, String) {
    let cases = doc[version]
        .as_array()
        .unwrap_or_else(|| panic!("no `{version}` array"));
    let mut failed = 0;
    let mut report = String::new();
    for case in cases {
        let diffs = check(case);
        if diffs.is_empty() {
            continue;
        }
        failed += 1;
        if failed > SHOWN {
            continue;
        }
        let mut inputs = case.clone();
        if let Some(obj) = inputs.as_object_mut() {
            obj.remove("sdk");
        }
        let _ = writeln!(report, "--- mismatch in case {}", case["name"]);
        let _ = writeln!(
            report,
            "inputs: {}",
            serde_json::to_string_pretty(&inputs).unwrap()
        );
        for (what, theirs, ours) in diffs {
            let _ = writeln!(report, "{what}:\n  oss2: {theirs:?}\n  ours: {ours:?}");
        }
    }
    (cases.len(), failed, report)
}

#[test]
fn signatures_and_urls_match_oss2() {
    let path = std::env::var(ENV_VAR).unwrap_or_else(|_| FIXTURE.to_owned());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    let (v1_count, v1_failed, v1_report) = run(&doc, "v1");
    let (v4_count, v4_failed, v4_report) = run(&doc, "v4");
    println!(
        "compared {v1_count} V1 and {v4_count} V4 cases from {path} (SDK: {})",
        doc["sdk_versions"]
    );
    assert!(v1_count > 0 && v4_count > 0, "{path} holds no cases");
    assert!(
        v1_failed == 0 && v4_failed == 0,
        "{v1_failed} of {v1_count} V1 and {v4_failed} of {v4_count} V4 cases differ from oss2 \
         (first {SHOWN} of each shown):\n{v1_report}{v4_report}"
    );
}

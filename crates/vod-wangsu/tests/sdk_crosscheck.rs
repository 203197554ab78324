//! Cross-check of the signer against the official `wangsu-sdk-python` on random requests.
//!
//! `scripts/crosscheck-wangsu-sign.sh` installs the SDK, has it sign freshly generated random
//! requests, and runs this test with `VOD_XCHECK_WANGSU` naming the file it wrote. Without that
//! variable the test reads the committed fixture `tests/data/sdk-crosscheck.json`, produced the
//! same way, so the comparison also runs where Python is not available.
//!
//! Every case is compared at each step (canonical request, string to sign, signature,
//! `Authorization`) and through the one-pass `sign`. On failure the first mismatches are listed
//! with their inputs and both outputs.

use std::fmt::Write as _;

use serde_json::Value;
use vod_core::raw::SigningKey;
use vod_wangsu::sign::{
    self, Algorithm, Request, authorization, canonical_request, signature, string_to_sign,
};

const ENV: &str = "VOD_XCHECK_WANGSU";
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sdk-crosscheck.json"
);
const SHOW: usize = 5;

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("case field {key:?} is not a string in {case}"))
}

/// Compares one case; returns a description of every disagreement.
fn compare(case: &Value) -> Vec<String> {
    let alg_name = text(case, "alg");
    let Some(alg) = Algorithm::from_name(alg_name) else {
        return vec![format!("unknown algorithm {alg_name:?}")];
    };
    let headers: Vec<(&str, &str)> = case["headers"]
        .as_array()
        .expect("headers is an array of pairs")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("header name"),
                pair[1].as_str().expect("header value"),
            )
        })
        .collect();
    let request = Request {
        method: text(case, "method"),
        path: text(case, "path"),
        query: text(case, "query"),
        headers: &headers,
        signed_headers: text(case, "signed_headers"),
        body: text(case, "body").as_bytes(),
    };
    let ts = case["ts"].as_u64().expect("ts is a u64");
    let (ak, sk) = (text(case, "ak"), text(case, "sk"));
    let sdk = &case["sdk"];

    let cr = canonical_request(&request);
    let sts = string_to_sign(alg, ts, &cr);
    let key = SigningKey::new(ak, sk);
    let sig = signature(&sts, &key.secret);
    let auth = authorization(alg, ak, &sign::signed_headers(request.signed_headers), &sig);
    let one_pass = sign::sign(alg, &request, &key, ts);

    let mut diffs = Vec::new();
    for (what, ours) in [
        ("canonical_request", cr.as_str()),
        ("string_to_sign", sts.as_str()),
        ("signature", sig.as_str()),
        ("authorization", auth.as_str()),
    ] {
        let theirs = text(sdk, what);
        if ours != theirs {
            diffs.push(format!("{what}:\n  sdk:  {theirs:?}\n  ours: {ours:?}"));
        }
    }
    let one_pass_auth = one_pass.header("authorization").unwrap_or_default();
    if one_pass.string_to_sign != text(sdk, "string_to_sign")
        || one_pass_auth != text(sdk, "authorization")
    {
        diffs.push(format!(
            "sign():\n  sdk:  {:?}\n  ours: {:?}",
            text(sdk, "authorization"),
            one_pass_auth
        ));
    }
    diffs
}

#[test]
fn signatures_match_the_official_sdk() {
    let path = std::env::var(ENV).unwrap_or_else(|_| FIXTURE.to_owned());
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let doc: Value = serde_json::from_str(&data).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    let cases = doc["cases"].as_array().expect("cases is an array");
    assert!(!cases.is_empty(), "{path} has no cases");

    let mut failed = 0usize;
    let mut report = String::new();
    for case in cases {
        let diffs = compare(case);
        if diffs.is_empty() {
            continue;
        }
        failed += 1;
        if failed <= SHOW {
            let mut inputs = case.clone();
            if let Some(object) = inputs.as_object_mut() {
                object.remove("sdk");
            }
            let _ = writeln!(
                report,
                "\n--- {}\ninputs: {inputs}\n{}",
                text(case, "name"),
                diffs.join("\n")
            );
        }
    }
    let sdk = doc["sdk"].as_str().unwrap_or("an unnamed SDK version");
    println!(
        "compared {} cases against {sdk} from {path}: {} matched, {failed} mismatched",
        cases.len(),
        cases.len() - failed
    );
    assert!(
        failed == 0,
        "{failed} of {} cases differ from {sdk} (first {}):{report}",
        cases.len(),
        failed.min(SHOW)
    );
}

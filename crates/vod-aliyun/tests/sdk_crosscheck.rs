//! Our signatures against Aliyun's official Python SDKs, on random inputs.
//!
//! The cases come from `scripts/crosscheck/aliyun_sign.py`, which signs random
//! parameter sets (Unicode, reserved characters, empty and long values, GET and POST,
//! optional security token and body) with the SDKs' own signer functions and records
//! their results. `scripts/crosscheck-aliyun-sign.sh` generates a fresh set and runs
//! this test on it through `VOD_XCHECK_ALIYUN`; without that variable the test reads the
//! committed `tests/data/sdk-crosscheck.json`, regenerated with
//! `scripts/crosscheck-aliyun-sign.sh --write-fixture`.
//!
//! Any difference fails, listing the first mismatching cases with their inputs and both
//! outputs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;
use vod_aliyun::sign::{acs3, rpc};
use vod_core::Secret;

#[path = "support/signer_inputs.rs"]
mod signer_inputs;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sdk-crosscheck.json"
);
const ENV_VAR: &str = "VOD_XCHECK_ALIYUN";
/// How many mismatching cases a failure shows in full.
const SHOWN: usize = 3;

fn load() -> (String, Value) {
    let path = std::env::var(ENV_VAR).unwrap_or_else(|_| FIXTURE.to_owned());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    (path, doc)
}

fn cases<'a>(doc: &'a Value, kind: &str) -> &'a [Value] {
    doc[kind]
        .as_array()
        .unwrap_or_else(|| panic!("no `{kind}` array"))
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("case {} has no string `{field}`", case["name"]))
}

fn string_map(case: &Value, field: &str) -> BTreeMap<String, String> {
    case[field]
        .as_object()
        .unwrap_or_else(|| panic!("case {} has no object `{field}`", case["name"]))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string values").to_owned()))
        .collect()
}

/// One output that differs: which, the SDK's value, ours.
struct Diff {
    what: String,
    sdk: String,
    ours: String,
}

/// Compares `ours` with the SDK output `field` (when the case has it).
fn compare(diffs: &mut Vec<Diff>, sdk: &Value, field: &str, ours: &str) {
    if let Some(expected) = sdk[field].as_str() {
        if expected != ours {
            diffs.push(Diff {
                what: field.to_owned(),
                sdk: expected.to_owned(),
                ours: ours.to_owned(),
            });
        }
    }
}

fn check_rpc(case: &Value) -> Vec<Diff> {
    let method = text(case, "method");
    let secret = text(case, "access_key_secret");
    let params = string_map(case, "params");
    let sdk = &case["sdk"];

    let sts = rpc::string_to_sign(method, &params);
    let sig = rpc::signature(&sts, &Secret::new(secret));
    let mut diffs = Vec::new();
    compare(&mut diffs, sdk, "string_to_sign", &sts);
    for field in [
        "signature",
        "signature_openapi_util",
        "signature_tea_openapi",
    ] {
        compare(&mut diffs, sdk, field, &sig);
    }
    // Every case spells out the common parameters, so `rpc::sign` must reproduce them.
    match signer_inputs::rpc_inputs(&params, secret) {
        Some(inputs) => {
            let signed = rpc::sign(method, &inputs.parts, &inputs.key, inputs.at, &inputs.nonce);
            compare(&mut diffs, sdk, "string_to_sign", &signed.string_to_sign);
            compare(
                &mut diffs,
                sdk,
                "signature",
                signed.query_param("Signature").unwrap_or_default(),
            );
        }
        None => diffs.push(Diff {
            what: "common parameters in rpc::sign's form".to_owned(),
            sdk: "present".to_owned(),
            ours: "missing or in another form".to_owned(),
        }),
    }
    diffs
}

fn check_acs3(case: &Value) -> Vec<Diff> {
    let query = string_map(case, "query");
    let headers = string_map(case, "headers");
    let body = base64::engine::general_purpose::STANDARD
        .decode(text(case, "body_base64"))
        .expect("body_base64 is base64");
    let request = acs3::SignableRequest {
        method: text(case, "method"),
        path: text(case, "path"),
        query: &query,
        headers: &headers,
        body: &body,
    };
    let ak = text(case, "access_key_id");
    let secret = text(case, "access_key_secret");
    let sdk = &case["sdk"];

    let cr = acs3::canonical_request(&request);
    let sts = acs3::string_to_sign(&cr);
    let mut diffs = Vec::new();
    compare(&mut diffs, sdk, "canonical_request", &cr);
    compare(&mut diffs, sdk, "string_to_sign", &sts);
    // The Authorization value: from `acs3::sign` when the case carries the headers it adds in
    // its spelling; else (random header sets) from the steps `acs3::sign` is made of.
    let auth = match signer_inputs::acs3_inputs(&headers, &body, ak, secret) {
        Some(inputs) => {
            let signed = acs3::sign(
                &acs3::SignableRequest {
                    headers: &inputs.parts,
                    ..request
                },
                &inputs.key,
                inputs.at,
                &inputs.nonce,
            );
            compare(&mut diffs, sdk, "string_to_sign", &signed.string_to_sign);
            signed
                .header("authorization")
                .unwrap_or_default()
                .to_owned()
        }
        None => format!(
            "{} Credential={ak},SignedHeaders={},Signature={}",
            acs3::ALGORITHM,
            acs3::signed_headers(&headers),
            acs3::signature(&sts, &Secret::new(secret))
        ),
    };
    compare(&mut diffs, sdk, "authorization", &auth);
    compare(&mut diffs, sdk, "authorization_tea_openapi", &auth);
    diffs
}

/// Runs `check` on every case of `kind`; returns how many were compared and a report
/// of the first mismatches.
fn run(doc: &Value, kind: &str, check: fn(&Value) -> Vec<Diff>) -> (usize, usize, String) {
    let all = cases(doc, kind);
    let mut failed = 0;
    let mut report = String::new();
    for case in all {
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
        let _ = writeln!(report, "--- {} mismatch in case {}", kind, case["name"]);
        let _ = writeln!(
            report,
            "inputs: {}",
            serde_json::to_string_pretty(&inputs).unwrap()
        );
        for d in diffs {
            let _ = writeln!(
                report,
                "{}:\n  sdk:  {:?}\n  ours: {:?}",
                d.what, d.sdk, d.ours
            );
        }
    }
    (all.len(), failed, report)
}

#[test]
fn signatures_match_the_official_sdks() {
    let (path, doc) = load();
    let (rpc_count, rpc_failed, rpc_report) = run(&doc, "rpc", check_rpc);
    let (acs3_count, acs3_failed, acs3_report) = run(&doc, "acs3", check_acs3);
    println!(
        "compared {rpc_count} RPC and {acs3_count} ACS3 cases from {path} (SDKs: {})",
        doc["sdk_versions"]
    );
    assert!(rpc_count > 0 && acs3_count > 0, "{path} holds no cases");
    assert!(
        rpc_failed == 0 && acs3_failed == 0,
        "{rpc_failed} of {rpc_count} RPC and {acs3_failed} of {acs3_count} ACS3 cases differ \
         from the official SDKs (first {SHOWN} of each shown):\n{rpc_report}{acs3_report}"
    );
}

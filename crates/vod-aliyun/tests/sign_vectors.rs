//! The signature vectors (`testdata/vectors/aliyun-*.json` at the repository root):
//! official documentation examples and values computed with Aliyun's own SDKs.
//!
//! Each vector has its own test so a failure names it; `all_*_vectors` also walks the
//! whole file, so a vector added to it later is checked without touching this file.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::Value;
use vod_aliyun::sign::{acs3, encode, rpc};
use vod_core::Secret;

#[path = "support/signer_inputs.rs"]
mod signer_inputs;

const RPC_VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/aliyun-rpc-hmac-sha1.json"
);
const ACS3_VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/aliyun-acs3-hmac-sha256.json"
);

fn vectors(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    file["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has no `vectors` array"))
        .clone()
}

fn vector(path: &str, name: &str) -> Value {
    vectors(path)
        .into_iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name:?} in {path}"))
}

fn str_field<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} has no string `{field}`", v["name"]))
}

fn string_map(v: &Value, field: &str) -> BTreeMap<String, String> {
    v[field]
        .as_object()
        .unwrap_or_else(|| panic!("vector {} has no object `{field}`", v["name"]))
        .iter()
        .map(|(k, val)| {
            let val = val
                .as_str()
                .unwrap_or_else(|| panic!("vector {}: {field}.{k} is not a string", v["name"]));
            (k.clone(), val.to_owned())
        })
        .collect()
}

fn check_rpc(v: &Value) {
    let name = str_field(v, "name");
    let method = str_field(v, "method");
    let secret = str_field(v, "access_key_secret");
    let expected_sts = str_field(v, "string_to_sign");
    let params = string_map(v, "params");

    // The canonicalized query is the third `&`-separated part of the string to sign,
    // percent-encoded once more.
    let cq = rpc::canonicalized_query(&params);
    let encoded_cq = expected_sts
        .splitn(3, '&')
        .nth(2)
        .unwrap_or_else(|| panic!("{name}: string_to_sign has no query part"));
    let expected_cq = percent_decode_str(encoded_cq).decode_utf8().unwrap();
    assert_eq!(cq, expected_cq, "{name}: canonicalized query");
    assert_eq!(
        encode::encode(&cq),
        encoded_cq,
        "{name}: encoded canonicalized query"
    );

    let sts = rpc::string_to_sign(method, &params);
    assert_eq!(sts, expected_sts, "{name}: string to sign");
    assert_eq!(
        rpc::signature(&sts, &Secret::new(secret)),
        str_field(v, "signature"),
        "{name}: signature"
    );
    let inputs = signer_inputs::rpc_inputs(&params, secret)
        .unwrap_or_else(|| panic!("{name}: the common parameters are not rpc::sign's"));
    let signed = rpc::sign(method, &inputs.parts, &inputs.key, inputs.at, &inputs.nonce);
    assert_eq!(signed.string_to_sign, expected_sts, "{name}: sign");
    assert_eq!(
        signed.query_param("Signature"),
        Some(str_field(v, "signature")),
        "{name}: sign"
    );
}

fn check_acs3(v: &Value) {
    let name = str_field(v, "name");
    let query = string_map(v, "query");
    let headers = string_map(v, "headers");
    let body = str_field(v, "body").as_bytes();
    let request = acs3::SignableRequest {
        method: str_field(v, "method"),
        path: str_field(v, "path"),
        query: &query,
        headers: &headers,
        body,
    };
    let expected_cr = str_field(v, "canonical_request");

    assert_eq!(
        headers.get("x-acs-content-sha256").map(String::as_str),
        Some(acs3::content_sha256(body).as_str()),
        "{name}: x-acs-content-sha256 is the body hash"
    );
    let cr_lines: Vec<&str> = expected_cr.split('\n').collect();
    assert_eq!(
        acs3::canonical_query(&query),
        cr_lines[2],
        "{name}: canonical query"
    );
    assert_eq!(
        acs3::signed_headers(&headers),
        cr_lines[cr_lines.len() - 2],
        "{name}: signed headers"
    );
    let header_block: String = cr_lines[3..cr_lines.len() - 3]
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        acs3::canonical_headers(&headers),
        header_block,
        "{name}: canonical headers"
    );

    let cr = acs3::canonical_request(&request);
    assert_eq!(cr, expected_cr, "{name}: canonical request");
    let sts = acs3::string_to_sign(&cr);
    assert_eq!(
        sts,
        format!(
            "ACS3-HMAC-SHA256\n{}",
            str_field(v, "hashed_canonical_request")
        ),
        "{name}: string to sign"
    );

    let ak = str_field(v, "access_key_id");
    let secret = str_field(v, "access_key_secret");
    let expected_auth = str_field(v, "authorization");
    let inputs = signer_inputs::acs3_inputs(&headers, body, ak, secret)
        .unwrap_or_else(|| panic!("{name}: the x-acs headers are not acs3::sign's"));
    let signed = acs3::sign(
        &acs3::SignableRequest {
            headers: &inputs.parts,
            ..request
        },
        &inputs.key,
        inputs.at,
        &inputs.nonce,
    );
    assert_eq!(signed.string_to_sign, sts, "{name}: sign");
    assert_eq!(
        signed.header("authorization"),
        Some(expected_auth),
        "{name}: authorization"
    );
    assert!(
        expected_auth.ends_with(&format!(
            ",Signature={}",
            acs3::signature(&sts, &Secret::new(secret))
        )),
        "{name}: signature"
    );
}

macro_rules! vector_tests {
    ($check:ident, $file:expr, { $($test:ident => $name:literal,)* }) => {
        $(
            #[test]
            fn $test() {
                $check(&vector($file, $name));
            }
        )*
    };
}

vector_tests!(check_rpc, RPC_VECTORS, {
    rpc_ecs_describe_regions => "ecs-describe-regions",
    rpc_vod_get_video_play_auth => "vod-get-video-play-auth",
    rpc_sms_send_sms_utf8 => "sms-send-sms-utf8",
    rpc_vod_create_upload_video_special_chars => "vod-create-upload-video-special-chars",
    rpc_vod_refresh_upload_video_sts_post => "vod-refresh-upload-video-sts-post",
});

vector_tests!(check_acs3, ACS3_VECTORS, {
    acs3_ecs_run_instances => "ecs-run-instances",
    acs3_vod_create_upload_video => "vod-create-upload-video",
    acs3_vod_create_upload_video_sts => "vod-create-upload-video-sts",
});

#[test]
fn all_rpc_vectors() {
    let all = vectors(RPC_VECTORS);
    assert!(!all.is_empty(), "no RPC vectors");
    all.iter().for_each(check_rpc);
}

#[test]
fn all_acs3_vectors() {
    let all = vectors(ACS3_VECTORS);
    assert!(!all.is_empty(), "no ACS3 vectors");
    all.iter().for_each(check_acs3);
}

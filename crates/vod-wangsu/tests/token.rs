//! Upload-token deadline decoding: the shared vectors, tokens built here in the shapes vendors
//! send (padding dropped, numeric deadline, standard alphabet), garbage, and a property test
//! that no input panics.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use serde_json::Value;
use sha1::Sha1;
use time::OffsetDateTime;
use vod_wangsu::token::{TokenError, deadline};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/wangsu-upload-token.json"
));

/// Test-only minting of a storage upload token, as the vendor documents it:
/// `AK ":" urlsafe_b64(lowerhex(HMAC-SHA1(SK, encodedPolicy))) ":" encodedPolicy`.
/// The adapter never mints tokens, and the emulator has its own code for it.
fn sign_upload_token(ak: &str, sk: &str, policy_json: &str) -> String {
    let encoded_policy = URL_SAFE.encode(policy_json);
    format!("{}:{encoded_policy}", sign_data(ak, sk, &encoded_policy))
}

fn sign_data(ak: &str, sk: &str, data: &str) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(sk.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    let hex = hex::encode(mac.finalize().into_bytes());
    format!("{ak}:{}", URL_SAFE.encode(hex))
}

fn vector(name: &str) -> Value {
    let doc: Value = serde_json::from_str(VECTORS).expect("vector file is JSON");
    doc["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .clone()
}

fn ms(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos() / 1_000_000
}

#[test]
fn test_signer_matches_vendor_sdk_vector() {
    let v = vector("wcs-sign-basic");
    let s = |k: &str| v[k].as_str().unwrap();
    assert_eq!(
        sign_data(s("access_key"), s("secret_key"), s("data")),
        s("expected")
    );
}

#[test]
fn deadline_of_the_vector_token() {
    let v = vector("upload-token-from-policy");
    let token = v["upload_token"].as_str().unwrap();
    let expected = v["decoded_deadline_ms"].as_i64().unwrap();
    assert_eq!(expected, 1_700_000_000_000);
    assert_eq!(ms(deadline(token).unwrap()), i128::from(expected));
    // The helper builds the same token from the vector's policy.
    assert_eq!(
        sign_upload_token(
            v["access_key"].as_str().unwrap(),
            v["secret_key"].as_str().unwrap(),
            v["put_policy"].as_str().unwrap()
        ),
        token
    );
}

#[test]
fn deadline_far_in_the_future() {
    let v = vector("vod-doc-example-policy-deadline");
    let expected = v["decoded_deadline_ms"].as_i64().unwrap();
    let policy = format!(r#"{{"scope":"b:k","deadline":"{expected}"}}"#);
    let at = deadline(&sign_upload_token("AK", "SK", &policy)).unwrap();
    assert_eq!(ms(at), i128::from(expected));
    assert_eq!(at.year(), 2050);
}

#[test]
fn padding_may_be_missing() {
    // 1 and 2 padding characters in the padded form.
    for policy in [
        r#"{"deadline":"1700000000000"}"#,
        r#"{"deadline":"1700000000000","a":1}"#,
    ] {
        let padded = URL_SAFE.encode(policy);
        assert!(padded.ends_with('='), "{padded}");
        let unpadded = URL_SAFE_NO_PAD.encode(policy);
        for encoded in [padded, unpadded] {
            let token = format!("AK:c2ln:{encoded}");
            assert_eq!(ms(deadline(&token).unwrap()), 1_700_000_000_000, "{token}");
        }
    }
}

#[test]
fn standard_alphabet_is_tolerated() {
    // "??>" encodes to "Pz8+" in the standard alphabet and "Pz8-" in the URL-safe one.
    let policy = r#"{"s":"??>??","deadline":1700000000000}"#;
    let std_encoded = STANDARD.encode(policy);
    assert!(std_encoded.contains(['+', '/']), "{std_encoded}");
    let token = format!("AK:sig:{std_encoded}");
    assert_eq!(ms(deadline(&token).unwrap()), 1_700_000_000_000);
}

#[test]
fn numeric_and_string_deadlines() {
    for (raw, expected) in [
        ("1700000000000", 1_700_000_000_000i128),
        ("\"1700000000000\"", 1_700_000_000_000),
        ("1.7e12", 1_700_000_000_000),
        ("0", 0),
        ("\" 1700000000123 \"", 1_700_000_000_123),
    ] {
        let policy = format!(r#"{{"scope":"b","deadline":{raw}}}"#);
        let token = sign_upload_token("AK", "SK", &policy);
        assert_eq!(ms(deadline(&token).unwrap()), expected, "{raw}");
    }
}

#[test]
fn bad_deadlines_are_typed_errors() {
    for (raw, err) in [
        ("-1", TokenError::InvalidDeadline),
        ("\"-1\"", TokenError::InvalidDeadline),
        ("\"soon\"", TokenError::InvalidDeadline),
        ("\"\"", TokenError::InvalidDeadline),
        ("1.5", TokenError::InvalidDeadline),
        ("true", TokenError::InvalidDeadline),
        ("[1]", TokenError::InvalidDeadline),
        ("null", TokenError::NoDeadline),
        ("18446744073709551615", TokenError::DeadlineOutOfRange),
        (
            "\"99999999999999999999999\"",
            TokenError::DeadlineOutOfRange,
        ),
        ("1e300", TokenError::DeadlineOutOfRange),
    ] {
        let policy = format!(r#"{{"deadline":{raw}}}"#);
        let token = sign_upload_token("AK", "SK", &policy);
        assert_eq!(deadline(&token), Err(err), "{raw}");
    }
    let token = sign_upload_token("AK", "SK", r#"{"scope":"b"}"#);
    assert_eq!(deadline(&token), Err(TokenError::NoDeadline));
}

#[test]
fn garbage_is_a_typed_error() {
    let json = |s: &str| format!("AK:sig:{}", URL_SAFE.encode(s));
    let cases = [
        (String::new(), TokenError::NotAToken),
        ("no colons at all".to_owned(), TokenError::NotAToken),
        ("only:one".to_owned(), TokenError::NotAToken),
        ("AK:sig:".to_owned(), TokenError::NotAToken),
        (
            "AK:sig:!!!not base64!!!".to_owned(),
            TokenError::PolicyNotBase64,
        ),
        ("AK:sig:abcde".to_owned(), TokenError::PolicyNotBase64),
        (json("not json"), TokenError::PolicyNotJson),
        (json("[1,2,3]"), TokenError::PolicyNotJson),
        (json("\"1700000000000\""), TokenError::PolicyNotJson),
        (json("{\"deadline\":"), TokenError::PolicyNotJson),
    ];
    for (token, err) in cases {
        assert_eq!(deadline(&token), Err(err), "{token:?}");
    }
}

#[test]
fn errors_do_not_show_the_token() {
    let err = deadline("SECRETAK:SECRETSIG:SECRETPOLICY").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

proptest! {
    #[test]
    fn any_string_decodes_or_errors(s in any::<String>()) {
        let _ = deadline(&s);
    }

    #[test]
    fn any_policy_bytes_decode_or_error(bytes in proptest::collection::vec(any::<u8>(), 0..300), pad in any::<bool>()) {
        let encoded = if pad { URL_SAFE.encode(&bytes) } else { URL_SAFE_NO_PAD.encode(&bytes) };
        let _ = deadline(&format!("AK:sig:{encoded}"));
    }

    #[test]
    fn token_shaped_garbage_decodes_or_errors(a in "[A-Za-z0-9:=_+/-]{0,40}", b in "[A-Za-z0-9=_+/-]{0,120}") {
        let _ = deadline(&format!("{a}:{b}"));
    }

    #[test]
    fn any_deadline_value_decodes_or_errors(value in prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[0-9]{0,40}".prop_map(|s| format!("\"{s}\"")),
    ]) {
        let token = sign_upload_token("AK", "SK", &format!(r#"{{"deadline":{value}}}"#));
        let _ = deadline(&token);
    }

    #[test]
    fn deadlines_round_trip(millis in 0u64..=253_402_300_799_999, as_string in any::<bool>(), pad in any::<bool>()) {
        let raw = if as_string { format!("\"{millis}\"") } else { millis.to_string() };
        let policy = format!(r#"{{"scope":"bucket:key","deadline":{raw}}}"#);
        let encoded = if pad { URL_SAFE.encode(&policy) } else { URL_SAFE_NO_PAD.encode(&policy) };
        let at = deadline(&format!("AK:sig:{encoded}")).unwrap();
        prop_assert_eq!(ms(at), i128::from(millis));
    }
}

//! Properties of the OSS signers and URLs on arbitrary input: they never panic, the URL
//! decodes back to the key, what V4 signs changes the signature while what it does not sign
//! leaves it alone, and no formatted value shows a secret.

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use time::OffsetDateTime;
use vod_aliyun::oss::address::Endpoint;
use vod_aliyun::oss::{OssSigner, PayloadHash, SignableRequest};
use vod_core::Secret;
use vod_core::raw::SigningKey;

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[a-zA-Z0-9/ \u{4e00}-\u{9fff}\u{1f300}-\u{1faff}\u{3000}\u{a0}]{1,40}",
    ]
}

fn time() -> impl Strategy<Value = OffsetDateTime> {
    (0i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap())
}

fn signers() -> impl Strategy<Value = OssSigner> {
    prop_oneof![
        Just(OssSigner::V1),
        "[a-z0-9-]{1,20}".prop_map(|region| OssSigner::V4 { region }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signing_never_panics_and_adds_authorization_last(
        signer in signers(),
        key in tricky_string(),
        query in prop::collection::vec((tricky_string(), tricky_string()), 0..5),
        headers in prop::collection::vec((tricky_string(), tricky_string()), 0..5),
        additional in prop::collection::vec(tricky_string(), 0..3),
        secret in tricky_string(),
        token in proptest::option::of("CAIS[A-Za-z0-9+/=]{16,60}"),
        now in time(),
    ) {
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let additional: Vec<&str> = additional.iter().map(String::as_str).collect();
        let keys = SigningKey::new("STS.id", Secret::new(secret.clone())).with_token(token.clone().map(Secret::new));
        let request = SignableRequest {
            method: "PUT",
            bucket: "bkt",
            key: &key,
            query: &query,
            headers: &headers,
            additional_headers: &additional,
            payload: PayloadHash::Unsigned,
        };
        let signed = signer.sign(&request, &keys, now);
        prop_assert_eq!(signed.headers.last().map(|(n, _)| *n), Some("authorization"));
        prop_assert_eq!(signed.header("x-oss-security-token"), token.as_deref());
        let shown = format!("{signed:?} {request:?} {keys:?}");
        prop_assert!(!shown.contains("CAIS"), "{}", shown);
    }

    #[test]
    fn the_url_decodes_back_to_the_key(key in tricky_string()) {
        prop_assume!(!key.is_empty() && key.len() <= 1023);
        let ep = Endpoint::parse("https://oss-cn-shanghai.aliyuncs.com").unwrap();
        let url = ep.object_url("bkt", &key, &[]).unwrap();
        let path = url.strip_prefix("https://bkt.oss-cn-shanghai.aliyuncs.com/").unwrap();
        prop_assert!(!path.contains('/') && !path.contains('?') && !path.contains(' '));
        prop_assert_eq!(percent_decode_str(path).decode_utf8().unwrap(), key.as_str());
    }

    #[test]
    fn v4_covers_signed_headers_and_not_others(
        value in "[ -~]{0,20}",
        other in "[ -~]{0,20}",
        now in time(),
    ) {
        prop_assume!(value != other);
        let keys = SigningKey::new("id", Secret::new("secret"));
        let signer = OssSigner::V4 { region: "cn-shanghai".into() };
        let sign = |meta: &str, range: &str| {
            let headers = [("x-oss-meta-a", meta), ("Range", range)];
            let request = SignableRequest {
                method: "GET",
                bucket: "bkt",
                key: "k",
                query: &[],
                headers: &headers,
                additional_headers: &[],
                payload: PayloadHash::Unsigned,
            };
            signer.sign(&request, &keys, now).header("authorization").unwrap_or_default().to_owned()
        };
        prop_assert_ne!(sign(&value, "x"), sign(&other, "x"));
        prop_assert_eq!(sign("m", &value), sign("m", &other));
    }
}

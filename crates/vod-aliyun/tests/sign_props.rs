//! Properties of the signing code on arbitrary input: the encoder never panics, its
//! output is well-formed and decodes back to the input, and the one-pass builders agree
//! with the step-by-step definitions.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use vod_aliyun::sign::{acs3, encode, rpc};

/// Strings heavy in what encoders get wrong: reserved ASCII, `%`, `+`, `*`, `~`,
/// spaces, control characters, CJK, emoji; plus fully arbitrary Unicode.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[*~()!'+/=&% a-z\u{0}-\u{1f}\u{7f}-\u{ff}]{0,40}",
        "[a-zA-Z0-9 \u{4e00}-\u{9fff}\u{1f300}-\u{1faff}\u{3000}\u{a0}]{0,40}",
    ]
}

fn params() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(tricky_string(), tricky_string(), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_is_well_formed_and_round_trips(s in tricky_string()) {
        let encoded = encode::encode(&s);
        prop_assert_eq!(encoded.len(), encode::encoded_len(&s));
        let bytes = encoded.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                prop_assert!(i + 2 < bytes.len(), "truncated escape in {}", encoded);
                let hex = &bytes[i + 1..i + 3];
                prop_assert!(hex.iter().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)),
                    "escape not upper-case hex in {}", encoded);
                i += 3;
            } else {
                prop_assert!(
                    encode::is_unreserved(bytes[i]),
                    "literal reserved byte in {}",
                    encoded
                );
                i += 1;
            }
        }
        let decoded = percent_decode_str(&encoded).decode_utf8();
        prop_assert!(decoded.is_ok());
        prop_assert_eq!(decoded.unwrap(), s.as_str());

        let mut appended = String::from("prefix");
        encode::encode_into(&mut appended, &s);
        prop_assert_eq!(appended, format!("prefix{encoded}"));
    }

    #[test]
    fn rpc_string_to_sign_is_the_encoded_canonicalized_query(p in params(), post in any::<bool>()) {
        let method = if post { "POST" } else { "GET" };
        let cq = rpc::canonicalized_query(&p);
        let expected: Vec<String> = p
            .iter()
            .map(|(k, v)| format!("{}={}", encode::encode(k), encode::encode(v)))
            .collect();
        prop_assert_eq!(&cq, &expected.join("&"));
        prop_assert_eq!(
            rpc::string_to_sign(method, &p),
            format!("{method}&%2F&{}", encode::encode(&cq))
        );
    }

    #[test]
    fn acs3_authorization_agrees_with_its_steps(
        query in params(),
        headers in prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9-]{0,20}", tricky_string(), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..256),
        secret in tricky_string(),
    ) {
        let request = acs3::SignableRequest {
            method: "POST",
            path: "/",
            query: &query,
            headers: &headers,
            body: &body,
        };
        let cr = acs3::canonical_request(&request);
        prop_assert_eq!(
            &cr,
            &format!(
                "POST\n/\n{}\n{}\n{}\n{}",
                acs3::canonical_query(&query),
                acs3::canonical_headers(&headers),
                acs3::signed_headers(&headers),
                acs3::content_sha256(&body)
            )
        );
        // `acs3::sign` adds its headers and signs them with the rest.
        let key = vod_core::raw::SigningKey::new("ak", secret);
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let signed = acs3::sign(&request, &key, at, "n");
        let mut all = headers.clone();
        for (name, value) in &signed.headers[..signed.headers.len() - 1] {
            all.insert((*name).to_owned(), value.clone());
        }
        let full = acs3::SignableRequest { headers: &all, ..request };
        let canonical = acs3::canonical_request(&full);
        let sts = acs3::string_to_sign(&canonical);
        prop_assert_eq!(&signed.string_to_sign, &sts);
        prop_assert_eq!(signed.canonical_request.as_deref(), Some(canonical.as_str()));
        let sig = acs3::signature(&sts, &key.secret);
        prop_assert_eq!(
            signed.header("authorization").unwrap(),
            format!(
                "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders={},Signature={sig}",
                acs3::signed_headers(&all)
            )
        );
    }
}

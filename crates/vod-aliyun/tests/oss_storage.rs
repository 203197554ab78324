//! The OSS primitives against `vod-emulator`'s OSS host over real HTTP on loopback, with the STS
//! keys the adapter gets from the emulator's `CreateUploadVideo` (and `RefreshUploadVideo`), each
//! case signed V4 and V1.
//!
//! The emulator verifies both signatures with its own code and stores what arrives, so these
//! tests show what the scripted stand-in of `oss_loopback.rs` cannot: that OSS (as emulated)
//! accepts what the primitives sign, that PutObject and multipart uploads of 0 bytes, 1 byte,
//! exactly one part, one part plus one byte and several parts store exactly the bytes sent
//! (checked on the admin listing's size and MD5 and on the stored file), that ListParts returns
//! what was uploaded, that Abort makes Complete fail with `NoSuchUpload`, and that expired keys,
//! damaged parts, other object keys, wrong secrets and broken multipart rules become the error
//! kinds the uploader acts on.
//!
//! A rule the primitives enforce before sending (part numbers, part order) and a request signed
//! with a skewed clock are also sent raw, signed through [`OssClient::prepare`], to show the
//! emulator refuses them the way OSS does and that the adapter's error table reads the refusal.
//!
//! `oss_tests!` makes each case one test per signature version (`v4::case`, `v1::case`), so a
//! failing version hides no other and `cargo test --test oss_storage v1::` runs one version.

use bytes::Bytes;
use md5::{Digest as _, Md5};
use serde_json::Value;
use time::OffsetDateTime;
use vod_aliyun::AliyunProvider;
use vod_aliyun::oss::error::{ErrorBody, kind_of};
use vod_aliyun::oss::multipart::{CompletedPart, MAX_PARTS};
use vod_aliyun::oss::ops::StoredBytes;
use vod_aliyun::oss::{ObjectLocation, OssCall, OssClient, OssSignature, crc64};
use vod_core::raw::SigningKey;
use vod_core::{
    ErrorKind, HttpConfig, OssTarget, Secret, UploadCredential, UploadCredentialProvider,
    UploadRequest, UploadTarget,
};
use vod_emulator::{AccessKey, Emulator, EmulatorConfig, StorageFault, StorageFaultKind};
use vod_emulator::{StorageVendor, StoredObject};

const KIB: usize = 1024;
/// The smallest part OSS takes before the last one.
const PART: usize = 100 * KIB;

/// One test per case and OSS signature version: `v4::case` and `v1::case`.
macro_rules! oss_tests {
    ($($test:ident),* $(,)?) => {
        mod v4 {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::OssSignature::V4).await
                }
            )*
        }
        mod v1 {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::OssSignature::V1).await
                }
            )*
        }
    };
}

oss_tests!(
    put_object_stores_exactly_the_bytes_sent,
    multipart_uploads_store_exactly_the_bytes_sent,
    list_parts_returns_what_was_uploaded_page_by_page,
    list_all_parts_follows_the_pages,
    abort_makes_complete_fail_with_no_such_upload,
    an_expired_credential_is_credential_expired_and_refreshed_keys_continue_the_upload,
    keys_past_their_ttl_are_credential_expired,
    a_damaged_part_is_a_checksum_mismatch_and_sending_it_again_passes,
    a_key_for_another_object_or_bucket_is_permission_denied,
    a_wrong_secret_is_unauthenticated_and_says_the_secret_is_wrong,
    part_numbers_outside_1_to_10000_are_refused,
    a_small_part_before_the_last_is_refused_at_complete,
    parts_out_of_order_are_refused,
    failing_and_dropped_requests_keep_their_kind_and_request_id,
    nothing_listening_is_a_network_error,
    a_clock_oss_disagrees_with_is_corrected_once,
);

fn data(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

struct Setup {
    emulator: Emulator,
    provider: AliyunProvider,
    oss: OssClient,
    version: OssSignature,
}

async fn setup(version: OssSignature) -> Setup {
    setup_with(EmulatorConfig::default(), version).await
}

async fn setup_with(config: EmulatorConfig, version: OssSignature) -> Setup {
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let provider = AliyunProvider::builder()
        .access_key_id(AccessKey::DEFAULT_ID)
        .access_key_secret(AccessKey::DEFAULT_SECRET)
        .endpoint(emulator.aliyun_url())
        .build()
        .expect("provider builds");
    let mut http = HttpConfig::default();
    http.timeout_secs = 60;
    let oss = OssClient::from_http(&http)
        .expect("OSS client builds")
        .with_signature(version);
    Setup {
        emulator,
        provider,
        oss,
        version,
    }
}

/// An upload's address and keys, as the primitives take them.
struct Upload {
    credential: UploadCredential,
    location: ObjectLocation,
    keys: SigningKey,
}

impl Upload {
    fn target(&self) -> &OssTarget {
        target(&self.credential)
    }
}

fn target(credential: &UploadCredential) -> &OssTarget {
    match &credential.target {
        UploadTarget::Oss(t) => t,
        other => panic!("not an OSS target: {other}"),
    }
}

fn upload_of(credential: UploadCredential) -> Upload {
    let t = target(&credential);
    let location = ObjectLocation::from_target(t).expect("the emulator's address is usable");
    let keys = t.sts_key();
    Upload {
        credential,
        location,
        keys,
    }
}

impl Setup {
    /// A `CreateUploadVideo` through the adapter: the emulator's OSS address and STS keys.
    async fn upload(&self, name: &str) -> Upload {
        let credential = self
            .provider
            .create_upload(&UploadRequest::new(name))
            .await
            .expect("CreateUploadVideo");
        let upload = upload_of(credential);
        assert_eq!(upload.target().endpoint, self.emulator.oss_url());
        assert!(
            vod_aliyun::oss::error::is_sts(&upload.keys),
            "STS keys with a security token"
        );
        upload
    }

    /// A `RefreshUploadVideo` through the adapter: new keys for the same address.
    async fn refreshed(&self, upload: &Upload) -> Upload {
        let credential = self
            .provider
            .refresh_upload(&upload.credential.refresh_request())
            .await
            .expect("RefreshUploadVideo");
        let fresh = upload_of(credential);
        assert_eq!(fresh.location, upload.location);
        assert_ne!(fresh.keys.id, upload.keys.id);
        fresh
    }

    /// The admin listing's entries for OSS objects.
    async fn listing(&self) -> Vec<Value> {
        let text = reqwest::get(format!("{}/__emulator/storage", self.emulator.oss_url()))
            .await
            .expect("the admin API answers")
            .text()
            .await
            .unwrap();
        let all: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
        all.into_iter().filter(|o| o["vendor"] == "oss").collect()
    }

    /// Checks the emulator stored exactly `bytes` under the upload's address: the listing's size
    /// and MD5, and the stored file itself.
    async fn assert_stored(&self, upload: &Upload, bytes: &[u8], what: &str) {
        let t = upload.target();
        let listing = self.listing().await;
        let entry = listing
            .iter()
            .find(|o| o["bucket"] == t.bucket.as_str() && o["key"] == t.object_key.as_str())
            .unwrap_or_else(|| panic!("{what}: {} is not listed in {listing:?}", t.object_key));
        assert_eq!(entry["size"], bytes.len() as u64, "{what}: size");
        assert_eq!(entry["md5"], md5_hex(bytes), "{what}: md5");
        let object = self.stored_object(upload).expect("listed, so known");
        let path = self
            .emulator
            .handle()
            .stored_file(&object)
            .expect("bytes are kept");
        assert!(
            std::fs::read(path).unwrap() == bytes,
            "{what}: the stored bytes differ"
        );
    }

    fn stored_object(&self, upload: &Upload) -> Option<StoredObject> {
        let t = upload.target();
        self.emulator
            .handle()
            .stored_objects()
            .into_iter()
            .find(|o| {
                o.vendor == StorageVendor::Oss && o.bucket == t.bucket && o.key == t.object_key
            })
    }

    /// Sends `call` signed as the primitives sign it, without their checks; the answer's status
    /// and, on an error, its OSS error body.
    async fn raw(&self, call: &OssCall, upload: &Upload) -> (u16, ErrorBody) {
        let (outgoing, _) = self
            .oss
            .prepare(
                call,
                &upload.location,
                &upload.keys,
                OffsetDateTime::now_utc(),
            )
            .expect("signs");
        let scheme = match self.version {
            OssSignature::V4 => "OSS4-HMAC-SHA256 ",
            OssSignature::V1 => "OSS ",
        };
        let authorization = outgoing
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.as_str());
        assert!(
            authorization.is_some_and(|a| a.starts_with(scheme)),
            "{:?} signs with {scheme:?}: {authorization:?}",
            self.version
        );
        let mut request = reqwest::Client::new().request(outgoing.method, outgoing.url);
        for (name, value) in outgoing.headers {
            request = request.header(name, value);
        }
        let response = request.body(outgoing.body).send().await.expect("answers");
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        let error = if (200..300).contains(&status) {
            ErrorBody::default()
        } else {
            ErrorBody::parse(&body).expect("an OSS error body")
        };
        (status, error)
    }

    /// A multipart upload of `bytes` in parts of `part` bytes (one empty part for no bytes):
    /// Initiate, UploadPart each, ListParts, Complete with the parts' CRCs combined.
    async fn multipart(&self, upload: &Upload, bytes: &Bytes, part: usize) {
        let (oss, at, keys) = (&self.oss, &upload.location, &upload.keys);
        let what = format!("{:?}, {} bytes", self.version, bytes.len());
        let initiated = oss
            .initiate_multipart_upload(at, keys)
            .await
            .unwrap_or_else(|e| panic!("{what}: initiate: {e}"));
        assert_eq!(initiated.bucket, at.bucket);
        assert_eq!(initiated.key, at.key);
        let id = initiated.upload_id;
        let pieces: Vec<Bytes> = if bytes.is_empty() {
            vec![Bytes::new()]
        } else {
            (0..bytes.len())
                .step_by(part)
                .map(|at| bytes.slice(at..(at + part).min(bytes.len())))
                .collect()
        };
        let mut parts = Vec::new();
        let mut object_crc = crc64::checksum(b"");
        for (i, piece) in pieces.iter().enumerate() {
            let number = i as u32 + 1;
            let stored = oss
                .upload_part(at, keys, &id, number, piece.clone())
                .await
                .unwrap_or_else(|e| panic!("{what}: part {number}: {e}"));
            assert_stored_bytes(&stored, piece, &what);
            object_crc = crc64::combine(object_crc, stored.crc64, piece.len() as u64);
            parts.push(CompletedPart::new(number, &stored.etag));
        }
        let listed = oss.list_all_parts(at, keys, &id).await.unwrap();
        let listed_parts: Vec<CompletedPart> = listed.iter().map(|p| p.completed()).collect();
        assert_eq!(listed_parts, parts, "{what}: ListParts");
        for (p, piece) in listed.iter().zip(&pieces) {
            assert_eq!(p.size, piece.len() as u64, "{what}: part {} size", p.number);
            assert_eq!(p.crc64, Some(crc64::checksum(piece)), "{what}: part CRC");
        }
        let done = oss
            .complete_multipart_upload(at, keys, &id, &parts, Some(object_crc))
            .await
            .unwrap_or_else(|e| panic!("{what}: complete: {e}"));
        assert_eq!(done.crc64, Some(crc64::checksum(bytes)), "{what}");
        assert_eq!(done.upload.key, at.key);
        assert!(done.request_id.is_some());
        // Completed: the upload id is gone.
        let err = oss
            .complete_multipart_upload(at, keys, &id, &parts, None)
            .await
            .unwrap_err();
        assert_eq!(err.vendor_code(), Some("NoSuchUpload"), "{what}: {err}");
    }
}

/// What PutObject or UploadPart answered for `sent`: OSS's ETag is the MD5, its CRC was checked.
fn assert_stored_bytes(stored: &StoredBytes, sent: &[u8], what: &str) {
    assert_eq!(stored.etag, md5_hex(sent).to_uppercase(), "{what}: ETag");
    assert!(
        stored.crc64_checked,
        "{what}: the emulator sends its CRC-64"
    );
    assert_eq!(stored.crc64, crc64::checksum(sent), "{what}");
    assert!(stored.request_id.is_some(), "{what}: request id");
}

/// The sizes every upload shape is tried with.
const SIZES: [usize; 5] = [0, 1, PART, PART + 1, 3 * PART + 7];

async fn put_object_stores_exactly_the_bytes_sent(version: OssSignature) {
    let s = setup(version).await;
    for len in SIZES {
        let upload = s.upload(&format!("put{len}.mp4")).await;
        let bytes = data(len, 7);
        let stored = s
            .oss
            .put_object(&upload.location, &upload.keys, bytes.clone())
            .await
            .unwrap_or_else(|e| panic!("{version:?}, {len} bytes: {e}"));
        assert_stored_bytes(&stored, &bytes, &format!("{len} bytes"));
        s.assert_stored(&upload, &bytes, &format!("{len} bytes"))
            .await;
    }
    assert_eq!(s.listing().await.len(), SIZES.len());
    // Writing the object again replaces it.
    let upload = s.upload("again.mp4").await;
    for seed in [1, 2] {
        let bytes = data(2 * PART, seed);
        s.oss
            .put_object(&upload.location, &upload.keys, bytes.clone())
            .await
            .unwrap();
        s.assert_stored(&upload, &bytes, "rewritten").await;
    }
}

async fn multipart_uploads_store_exactly_the_bytes_sent(version: OssSignature) {
    let s = setup(version).await;
    for len in SIZES {
        let upload = s.upload(&format!("multipart{len}.mp4")).await;
        let bytes = data(len, 3);
        s.multipart(&upload, &bytes, PART).await;
        s.assert_stored(&upload, &bytes, &format!("{len} bytes in parts"))
            .await;
    }
    // Parts larger than the minimum and of unequal sizes assemble the same.
    let upload = s.upload("uneven.mp4").await;
    let bytes = data(5 * PART / 2 + 3, 11);
    s.multipart(&upload, &bytes, PART + 4093).await;
    s.assert_stored(&upload, &bytes, "uneven parts").await;
}

async fn list_parts_returns_what_was_uploaded_page_by_page(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("listed.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    let page = oss.list_parts(at, keys, &id, None, 10).await.unwrap();
    assert!(page.parts.is_empty() && !page.is_truncated, "{page:?}");

    // Numbers may skip; uploading a number again replaces the part.
    let mut expected = Vec::new();
    for (number, len, seed) in [(1, PART, 1), (3, 7, 2), (4, 0, 3), (7, 2 * PART, 4)] {
        let bytes = data(len, seed);
        oss.upload_part(at, keys, &id, number, data(len + 5, 99))
            .await
            .unwrap();
        let stored = oss
            .upload_part(at, keys, &id, number, bytes.clone())
            .await
            .unwrap();
        expected.push((number, stored.etag, len as u64, crc64::checksum(&bytes)));
    }
    let seen = |parts: &[vod_aliyun::oss::multipart::ListedPart]| -> Vec<(u32, String, u64, u64)> {
        parts
            .iter()
            .map(|p| (p.number, p.etag.clone(), p.size, p.crc64.unwrap()))
            .collect()
    };

    // Two at a time: each page continues after the previous page's marker.
    let first = oss.list_parts(at, keys, &id, None, 2).await.unwrap();
    assert_eq!(
        (first.bucket.as_str(), first.key.as_str()),
        (at.bucket.as_str(), at.key.as_str())
    );
    assert_eq!(first.upload_id, id);
    assert_eq!(first.max_parts, Some(2));
    assert!(first.is_truncated);
    assert_eq!(first.next_part_number_marker, Some(3));
    assert_eq!(seen(&first.parts), expected[..2]);
    let second = oss
        .list_parts(at, keys, &id, first.next_part_number_marker, 2)
        .await
        .unwrap();
    assert_eq!(second.part_number_marker, Some(3));
    assert!(!second.is_truncated, "{second:?}");
    assert_eq!(seen(&second.parts), expected[2..]);
    // After the last part: an empty page.
    let past = oss.list_parts(at, keys, &id, Some(7), 2).await.unwrap();
    assert!(past.parts.is_empty() && !past.is_truncated, "{past:?}");

    assert_eq!(
        seen(&oss.list_all_parts(at, keys, &id).await.unwrap()),
        expected
    );
    for p in &first.parts {
        assert!(!p.last_modified.is_empty(), "{p:?}");
    }

    // What was listed completes the upload (the 0-byte part 4 is not last: 7 is, but 4 is too
    // small, so leave it out and 3 as well).
    let parts: Vec<CompletedPart> = [&expected[0], &expected[3]]
        .iter()
        .map(|(n, etag, _, _)| CompletedPart::new(*n, etag))
        .collect();
    oss.complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap();
    s.assert_stored(
        &upload,
        &[data(PART, 1), data(2 * PART, 4)].concat(),
        "listed parts",
    )
    .await;
}

async fn list_all_parts_follows_the_pages(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("many-parts.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    // More parts than one ListParts page holds (1,000).
    let count = 1_002u32;
    for number in 1..=count {
        oss.upload_part(at, keys, &id, number, data(1, number as u8))
            .await
            .unwrap_or_else(|e| panic!("part {number}: {e}"));
    }
    let first = oss.list_parts(at, keys, &id, None, 1000).await.unwrap();
    assert!(first.is_truncated);
    assert_eq!(first.parts.len(), 1000);
    let all = oss.list_all_parts(at, keys, &id).await.unwrap();
    let numbers: Vec<u32> = all.iter().map(|p| p.number).collect();
    assert_eq!(numbers, (1..=count).collect::<Vec<_>>());
    for p in &all {
        let byte = [p.number as u8];
        assert_eq!(p.etag, md5_hex(&byte).to_uppercase(), "part {}", p.number);
        assert_eq!(p.size, 1);
    }
    oss.abort_multipart_upload(at, keys, &id).await.unwrap();
}

async fn abort_makes_complete_fail_with_no_such_upload(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("aborted.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    let part = oss
        .upload_part(at, keys, &id, 1, data(10, 1))
        .await
        .unwrap();
    let parts = [CompletedPart::new(1, &part.etag)];

    // Another upload of the same object is not touched by the abort.
    let other = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    assert_ne!(other, id);
    let other_part = oss
        .upload_part(at, keys, &other, 1, data(20, 2))
        .await
        .unwrap();

    oss.abort_multipart_upload(at, keys, &id).await.unwrap();
    let err = oss
        .complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.vendor_code(), Some("NoSuchUpload"));
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.operation(), Some("CompleteMultipartUpload"));
    assert!(err.request_id().is_some(), "{err}");
    let err = oss
        .upload_part(at, keys, &id, 2, data(1, 1))
        .await
        .unwrap_err();
    assert_eq!(err.vendor_code(), Some("NoSuchUpload"), "{err}");
    let err = oss.list_parts(at, keys, &id, None, 10).await.unwrap_err();
    assert_eq!(err.vendor_code(), Some("NoSuchUpload"), "{err}");
    let err = oss.abort_multipart_upload(at, keys, &id).await.unwrap_err();
    assert_eq!(err.vendor_code(), Some("NoSuchUpload"), "{err}");
    assert!(s.stored_object(&upload).is_none(), "nothing stored");

    oss.complete_multipart_upload(
        at,
        keys,
        &other,
        &[CompletedPart::new(1, &other_part.etag)],
        None,
    )
    .await
    .unwrap();
    s.assert_stored(&upload, &data(20, 2), "the other upload")
        .await;
}

/// The error of a call with keys OSS no longer takes: the "credential expired" kind, saying
/// neither the secret nor the token.
fn assert_expired(err: &vod_core::Error, keys: &SigningKey, operation: &str) {
    assert_eq!(err.kind(), ErrorKind::CredentialExpired, "{err}");
    assert!(err.kind().needs_new_credential());
    assert_eq!(err.vendor_code(), Some("SecurityTokenExpired"), "{err}");
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(err.provider(), Some("aliyun"));
    assert_eq!(err.operation(), Some(operation));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()), "{err}");
    let token = keys.token.as_ref().unwrap();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(keys.secret.expose()), "{text}");
        assert!(!text.contains(token.expose()), "{text}");
    }
}

async fn an_expired_credential_is_credential_expired_and_refreshed_keys_continue_the_upload(
    version: OssSignature,
) {
    let s = setup(version).await;
    let old = s.upload("expiring.mp4").await;
    let (oss, at) = (&s.oss, &old.location);
    let id = oss
        .initiate_multipart_upload(at, &old.keys)
        .await
        .unwrap()
        .upload_id;
    let (one, two) = (data(PART, 1), data(33, 2));
    let first = oss
        .upload_part(at, &old.keys, &id, 1, one.clone())
        .await
        .unwrap();

    s.emulator.handle().expire_upload_credentials();
    let err = oss
        .upload_part(at, &old.keys, &id, 2, two.clone())
        .await
        .unwrap_err();
    assert_expired(&err, &old.keys, "UploadPart");
    let err = oss.put_object(at, &old.keys, data(1, 1)).await.unwrap_err();
    assert_expired(&err, &old.keys, "PutObject");
    let err = oss.list_all_parts(at, &old.keys, &id).await.unwrap_err();
    assert_expired(&err, &old.keys, "ListParts");

    // RefreshUploadVideo's keys continue the same upload id.
    let new = s.refreshed(&old).await;
    let second = oss
        .upload_part(at, &new.keys, &id, 2, two.clone())
        .await
        .unwrap();
    let listed = oss.list_all_parts(at, &new.keys, &id).await.unwrap();
    let parts = vec![
        CompletedPart::new(1, &first.etag),
        CompletedPart::new(2, &second.etag),
    ];
    assert_eq!(
        listed.iter().map(|p| p.completed()).collect::<Vec<_>>(),
        parts
    );
    let expected = crc64::combine(first.crc64, second.crc64, two.len() as u64);
    oss.complete_multipart_upload(at, &new.keys, &id, &parts, Some(expected))
        .await
        .unwrap();
    s.assert_stored(&new, &[one, two].concat(), "continued with new keys")
        .await;
}

async fn keys_past_their_ttl_are_credential_expired(version: OssSignature) {
    // STS keys that live a minute, and an emulator clock moved past that minute: no waiting.
    let s = setup_with(
        EmulatorConfig {
            aliyun_credential_ttl: std::time::Duration::from_secs(60),
            ..EmulatorConfig::default()
        },
        version,
    )
    .await;
    let old = s.upload("ttl.mp4").await;
    let bytes = data(1000, 5);
    s.oss
        .put_object(&old.location, &old.keys, bytes.clone())
        .await
        .expect("within the TTL");

    // 90 s on: past the 60 s TTL (the default 3000 s would still hold), within the 15 minutes
    // of request-time skew OSS allows.
    s.emulator
        .handle()
        .set_clock_skew(time::Duration::seconds(90));
    let err = s
        .oss
        .put_object(&old.location, &old.keys, data(10, 1))
        .await
        .unwrap_err();
    assert_expired(&err, &old.keys, "PutObject");
    let err = s
        .oss
        .initiate_multipart_upload(&old.location, &old.keys)
        .await
        .unwrap_err();
    assert_expired(&err, &old.keys, "InitiateMultipartUpload");
    s.assert_stored(&old, &bytes, "the object written in time")
        .await;

    let new = s.refreshed(&old).await;
    let bytes = data(2000, 6);
    s.oss
        .put_object(&new.location, &new.keys, bytes.clone())
        .await
        .expect("refreshed keys live a minute from the emulator's now");
    s.assert_stored(&new, &bytes, "written with refreshed keys")
        .await;
}

async fn a_damaged_part_is_a_checksum_mismatch_and_sending_it_again_passes(version: OssSignature) {
    let s = setup(version).await;
    let handle = s.emulator.handle();
    let upload = s.upload("damaged.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    let (one, two, three) = (data(PART, 1), data(PART + 3, 2), data(5, 3));
    let first = oss
        .upload_part(at, keys, &id, 1, one.clone())
        .await
        .unwrap();

    handle.inject_storage(StorageFault::new(StorageVendor::Oss, StorageFaultKind::Damage).part(2));
    let err = oss
        .upload_part(at, keys, &id, 2, two.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.provider(), Some("aliyun"));
    assert_eq!(err.operation(), Some("UploadPart"));
    assert_eq!(err.http_status(), Some(200));
    assert!(err.request_id().is_some(), "{err}");
    assert!(handle.pending_storage_faults().is_empty());

    // The part again replaces the damaged one.
    let second = oss
        .upload_part(at, keys, &id, 2, two.clone())
        .await
        .unwrap();
    assert_stored_bytes(&second, &two, "part 2 resent");
    let third = oss
        .upload_part(at, keys, &id, 3, three.clone())
        .await
        .unwrap();
    let listed = oss.list_all_parts(at, keys, &id).await.unwrap();
    assert_eq!(
        listed[1].etag, second.etag,
        "the listing shows the resent part"
    );
    let parts = [first, second, third]
        .iter()
        .enumerate()
        .map(|(i, p)| CompletedPart::new(i as u32 + 1, &p.etag))
        .collect::<Vec<_>>();
    let whole = [one, two, three].concat();
    oss.complete_multipart_upload(at, keys, &id, &parts, Some(crc64::checksum(&whole)))
        .await
        .unwrap();
    s.assert_stored(&upload, &whole, "after the resend").await;

    // A damaged PutObject likewise.
    let upload = s.upload("damaged-put.mp4").await;
    let bytes = data(3 * KIB, 4);
    handle.inject_storage(StorageFault::new(
        StorageVendor::Oss,
        StorageFaultKind::Damage,
    ));
    let err = s
        .oss
        .put_object(&upload.location, &upload.keys, bytes.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch, "{err}");
    assert_eq!(err.operation(), Some("PutObject"));
    s.oss
        .put_object(&upload.location, &upload.keys, bytes.clone())
        .await
        .unwrap();
    s.assert_stored(&upload, &bytes, "put again").await;
}

async fn a_key_for_another_object_or_bucket_is_permission_denied(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("mine.mp4").await;
    let elsewhere = s.upload("theirs.mp4").await;
    let t = upload.target();
    let other_key = ObjectLocation::new(
        &t.endpoint,
        &t.bucket,
        &elsewhere.target().object_key,
        t.region.clone(),
    )
    .unwrap();
    let other_bucket = ObjectLocation::new(
        &t.endpoint,
        "outin-someone-else",
        &t.object_key,
        t.region.clone(),
    )
    .unwrap();
    // Keys OSS must encode: refused for the key, not for the signature, so the emulator's
    // canonical form agreed with the adapter's.
    let encoded =
        |key: &str| ObjectLocation::new(&t.endpoint, &t.bucket, key, t.region.clone()).unwrap();
    let unicode = encoded("视频/上传 a+b=c&d%20e~!'()*.mp4");
    let reserved = encoded("sv/x?y#z;w:@$,[]/ //.. .mp4");
    for (location, what) in [
        (&other_key, "another key"),
        (&other_bucket, "another bucket"),
        (&unicode, "a Unicode key"),
        (&reserved, "a key of reserved characters"),
    ] {
        let err = s
            .oss
            .put_object(location, &upload.keys, data(10, 1))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{what}: {err}");
        assert_eq!(err.vendor_code(), Some("AccessDenied"), "{what}");
        assert_eq!(err.http_status(), Some(403));
        assert!(!err.kind().needs_new_credential());
        let err = s
            .oss
            .initiate_multipart_upload(location, &upload.keys)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{what}: {err}");
    }
    assert!(s.listing().await.is_empty(), "nothing stored");
    // The keys still write their own object.
    s.oss
        .put_object(&upload.location, &upload.keys, data(10, 1))
        .await
        .unwrap();
    s.assert_stored(&upload, &data(10, 1), "own object").await;
}

async fn a_wrong_secret_is_unauthenticated_and_says_the_secret_is_wrong(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("wrong-secret.mp4").await;
    let wrong_secret = "not-the-sts-secret-at-all";
    let keys = SigningKey::new(upload.keys.id.clone(), Secret::from(wrong_secret))
        .with_token(upload.keys.token.clone());
    let err = s
        .oss
        .put_object(&upload.location, &keys, data(10, 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(!err.kind().needs_new_credential());
    assert_eq!(err.vendor_code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.http_status(), Some(403));
    // The emulator computed the same string to sign as the adapter: only the secret differs.
    assert!(
        err.message()
            .contains("the secret is wrong (OSS computed the same string to sign)"),
        "{err}"
    );
    assert!(err.message().contains("0002-00000040"), "the EC: {err}");
    let token = upload.keys.token.as_ref().unwrap().expose();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(wrong_secret), "{text}");
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains(upload.keys.secret.expose()), "{text}");
    }

    // The same for a multipart call with a query to sign.
    let id = s
        .oss
        .initiate_multipart_upload(&upload.location, &upload.keys)
        .await
        .unwrap()
        .upload_id;
    let err = s
        .oss
        .upload_part(&upload.location, &keys, &id, 1, data(10, 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(err.message().contains("the secret is wrong"), "{err}");

    // A token that is not the key's: refresh and resend.
    let keys = SigningKey::new(upload.keys.id.clone(), upload.keys.secret.clone())
        .with_token(Some(Secret::from("CAIS-some-other-token")));
    let err = s
        .oss
        .put_object(&upload.location, &keys, data(10, 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialExpired, "{err}");
    assert_eq!(err.vendor_code(), Some("InvalidSecurityToken"));
    assert!(s.listing().await.is_empty(), "nothing stored");
}

async fn part_numbers_outside_1_to_10000_are_refused(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("numbers.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    for number in [0, MAX_PARTS + 1] {
        // The primitive refuses before sending...
        let err = oss
            .upload_part(at, keys, &id, number, data(1, 1))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{number}: {err}");
        assert_eq!(err.field(), Some("part_number"));
        assert!(err.message().contains("1 to 10000"), "{err}");
        assert_eq!(err.http_status(), None, "not sent");
        // ...and OSS refuses it sent anyway.
        let call = OssCall {
            operation: "UploadPart",
            method: reqwest::Method::PUT,
            query: vec![("partNumber", number.to_string()), ("uploadId", id.clone())],
            headers: vec![],
            body: data(1, 1),
        };
        let (status, error) = s.raw(&call, &upload).await;
        assert_eq!(status, 400, "{number}");
        assert_eq!(error.code.as_deref(), Some("InvalidArgument"), "{error:?}");
        assert_eq!(
            kind_of(status, error.code.as_deref(), true),
            ErrorKind::InvalidInput
        );
    }
    assert!(
        oss.list_all_parts(at, keys, &id).await.unwrap().is_empty(),
        "nothing was stored as a part"
    );
    // Both ends of the range are parts.
    for number in [1, MAX_PARTS] {
        oss.upload_part(at, keys, &id, number, data(1, 1))
            .await
            .unwrap_or_else(|e| panic!("part {number}: {e}"));
    }
    let listed: Vec<u32> = oss
        .list_all_parts(at, keys, &id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(listed, [1, MAX_PARTS]);
}

async fn a_small_part_before_the_last_is_refused_at_complete(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("small-part.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    let small = oss
        .upload_part(at, keys, &id, 1, data(PART - 1, 1))
        .await
        .expect("a small part is taken: only Complete knows it is not the last");
    let tail = oss
        .upload_part(at, keys, &id, 2, data(10, 2))
        .await
        .unwrap();
    let parts = [
        CompletedPart::new(1, &small.etag),
        CompletedPart::new(2, &tail.etag),
    ];
    let err = oss
        .complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.vendor_code(), Some("EntityTooSmall"));
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.operation(), Some("CompleteMultipartUpload"));
    assert!(s.stored_object(&upload).is_none());

    // The upload is still open: part 1 again at exactly 100 KiB completes it.
    let whole = oss
        .upload_part(at, keys, &id, 1, data(PART, 1))
        .await
        .unwrap();
    let parts = [
        CompletedPart::new(1, &whole.etag),
        CompletedPart::new(2, &tail.etag),
    ];
    oss.complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap();
    s.assert_stored(
        &upload,
        &[data(PART, 1), data(10, 2)].concat(),
        "100 KiB + 10",
    )
    .await;
}

async fn parts_out_of_order_are_refused(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("order.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    let (one, two) = (data(PART, 1), data(PART, 2));
    let p1 = oss
        .upload_part(at, keys, &id, 1, one.clone())
        .await
        .unwrap();
    let p2 = oss
        .upload_part(at, keys, &id, 2, two.clone())
        .await
        .unwrap();

    // A Complete body listing the parts in the order given, as a client that does not sort
    // would send it.
    let call = |parts: &[(u32, &str)]| {
        let parts: String = parts
            .iter()
            .map(|(n, etag)| {
                format!("<Part><PartNumber>{n}</PartNumber><ETag>\"{etag}\"</ETag></Part>")
            })
            .collect();
        OssCall {
            operation: "CompleteMultipartUpload",
            method: reqwest::Method::POST,
            query: vec![("uploadId", id.clone())],
            headers: vec![("Content-Type", "application/xml".to_owned())],
            body: Bytes::from(format!(
                "<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>"
            )),
        }
    };
    // Descending: OSS refuses.
    let (status, error) = s.raw(&call(&[(2, &p2.etag), (1, &p1.etag)]), &upload).await;
    assert_eq!(status, 400, "{error:?}");
    assert_eq!(error.code.as_deref(), Some("InvalidPartOrder"), "{error:?}");
    assert_eq!(
        kind_of(status, error.code.as_deref(), true),
        ErrorKind::InvalidInput
    );
    // A part named twice is refused the same way.
    let (status, error) = s.raw(&call(&[(1, &p1.etag), (1, &p1.etag)]), &upload).await;
    assert_eq!(status, 400, "{error:?}");
    assert_eq!(error.code.as_deref(), Some("InvalidPartOrder"), "{error:?}");
    // An ETag that is not the part's.
    let err = oss
        .complete_multipart_upload(
            at,
            keys,
            &id,
            &[
                CompletedPart::new(1, &p2.etag),
                CompletedPart::new(2, &p2.etag),
            ],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.vendor_code(), Some("InvalidPart"));
    assert!(s.stored_object(&upload).is_none());

    // The primitive sends any order ascending: the object is part 1, then part 2.
    let parts = [
        CompletedPart::new(2, &p2.etag),
        CompletedPart::new(1, &p1.etag),
    ];
    let err = oss
        .complete_multipart_upload(at, keys, &id, &[parts[0].clone(), parts[0].clone()], None)
        .await
        .unwrap_err();
    assert_eq!(
        err.field(),
        Some("parts"),
        "named twice, refused before sending: {err}"
    );
    oss.complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap();
    s.assert_stored(&upload, &[one, two].concat(), "in number order")
        .await;
}

async fn failing_and_dropped_requests_keep_their_kind_and_request_id(version: OssSignature) {
    let s = setup(version).await;
    let handle = s.emulator.handle();
    let upload = s.upload("faults.mp4").await;
    let (oss, at, keys) = (&s.oss, &upload.location, &upload.keys);
    let id = oss
        .initiate_multipart_upload(at, keys)
        .await
        .unwrap()
        .upload_id;
    for (status, code) in [(503, "ServiceUnavailable"), (500, "InternalError")] {
        handle.inject_storage(
            StorageFault::new(StorageVendor::Oss, StorageFaultKind::Fail { status }).part(2),
        );
        let err = oss
            .upload_part(at, keys, &id, 2, data(10, 1))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{status}: {err}");
        assert!(err.is_retryable());
        assert_eq!(err.vendor_code(), Some(code));
        assert_eq!(err.http_status(), Some(status));
        assert!(err.request_id().is_some(), "{err}");
        assert!(!err.is_outcome_unknown(), "OSS said what happened: {err}");
    }
    // A connection cut mid-body: nobody knows whether the part arrived.
    handle.inject_storage(StorageFault::new(
        StorageVendor::Oss,
        StorageFaultKind::DropMidBody,
    ));
    let err = oss
        .upload_part(at, keys, &id, 1, data(PART, 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.is_retryable() && err.is_outcome_unknown(), "{err}");
    assert_eq!(err.operation(), Some("UploadPart"));
    assert!(handle.pending_storage_faults().is_empty());

    // Sent again, the parts go in and complete the object.
    let one = oss
        .upload_part(at, keys, &id, 1, data(PART, 1))
        .await
        .unwrap();
    let two = oss
        .upload_part(at, keys, &id, 2, data(10, 1))
        .await
        .unwrap();
    let parts = [
        CompletedPart::new(1, &one.etag),
        CompletedPart::new(2, &two.etag),
    ];
    oss.complete_multipart_upload(at, keys, &id, &parts, None)
        .await
        .unwrap();
    s.assert_stored(
        &upload,
        &[data(PART, 1), data(10, 1)].concat(),
        "after the faults",
    )
    .await;
}

async fn nothing_listening_is_a_network_error(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("offline.mp4").await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let t = upload.target();
    let offline = ObjectLocation::new(
        &format!("http://127.0.0.1:{port}"),
        &t.bucket,
        &t.object_key,
        t.region.clone(),
    )
    .unwrap();
    let err = s
        .oss
        .put_object(&offline, &upload.keys, data(10, 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(!err.is_outcome_unknown(), "never connected: {err}");
    let token = upload.keys.token.as_ref().unwrap().expose();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains(upload.keys.secret.expose()), "{text}");
    }
}

async fn a_clock_oss_disagrees_with_is_corrected_once(version: OssSignature) {
    let s = setup(version).await;
    let upload = s.upload("skewed.mp4").await;
    // Beyond the 15 minutes OSS allows, both ways (the STS keys live 50 minutes).
    for minutes in [20, -20] {
        s.emulator
            .handle()
            .set_clock_skew(time::Duration::minutes(minutes));
        // Signed with our own clock, OSS refuses the request...
        let call = OssCall {
            operation: "PutObject",
            method: reqwest::Method::PUT,
            query: vec![],
            headers: vec![("Content-Type", "video/mp4".to_owned())],
            body: data(1, 1),
        };
        let (status, error) = s.raw(&call, &upload).await;
        assert_eq!(status, 403, "{minutes} minutes: {error:?}");
        assert_eq!(error.code.as_deref(), Some("RequestTimeTooSkewed"));
        assert_eq!(
            kind_of(status, error.code.as_deref(), true),
            ErrorKind::ClockSkew
        );
        // ...which the primitive corrects from OSS's time, and sends again.
        let bytes = data(100 + minutes.unsigned_abs() as usize, 1);
        s.oss
            .put_object(&upload.location, &upload.keys, bytes.clone())
            .await
            .unwrap_or_else(|e| panic!("{minutes} minutes: {e}"));
        s.assert_stored(&upload, &bytes, &format!("{minutes} minutes"))
            .await;
    }
}

//! OSS: PutObject and multipart upload, signatures, expiry, faults, digest mode.

use super::*;

/// What a CreateUploadVideo hands out, decoded.
#[derive(Clone)]
struct Sts {
    video_id: String,
    endpoint: String,
    bucket: String,
    key: String,
    id: String,
    secret: String,
    token: String,
}

async fn create_upload_video(emulator: &Emulator) -> Sts {
    sts_from(emulator, Rpc::create("storage test", "clip.mp4")).await
}

async fn sts_from(emulator: &Emulator, call: Rpc) -> Sts {
    let answer = call.signed(&emulator.aliyun_url()).send(&client()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    let decode = |field: &str| -> Value {
        serde_json::from_slice(&STANDARD.decode(body[field].as_str().unwrap()).unwrap()).unwrap()
    };
    let (address, auth) = (decode("UploadAddress"), decode("UploadAuth"));
    let text = |v: &Value, name: &str| v[name].as_str().unwrap().to_owned();
    Sts {
        video_id: body["VideoId"].as_str().unwrap().to_owned(),
        endpoint: text(&address, "Endpoint"),
        bucket: text(&address, "Bucket"),
        key: text(&address, "FileName"),
        id: text(&auth, "AccessKeyId"),
        secret: text(&auth, "AccessKeySecret"),
        token: text(&auth, "SecurityToken"),
    }
}

/// An OSS request signed V1 the way oss2 does it.
struct Oss<'a> {
    sts: &'a Sts,
    method: reqwest::Method,
    key: String,
    /// (name, value) in the order sent; a sub-resource without value has "".
    query: Vec<(&'static str, String)>,
    content_md5: String,
    body: Vec<u8>,
}

impl<'a> Oss<'a> {
    fn new(sts: &'a Sts, method: reqwest::Method) -> Self {
        Oss {
            sts,
            method,
            key: sts.key.clone(),
            query: Vec::new(),
            content_md5: String::new(),
            body: Vec::new(),
        }
    }

    fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    async fn send_with(
        self,
        secret: &str,
    ) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
        self.try_send_with(secret)
            .await
            .expect("the OSS host answers")
    }

    /// Signs with `secret` and sends; an answer that never comes is the error.
    async fn try_send_with(
        self,
        secret: &str,
    ) -> reqwest::Result<(reqwest::StatusCode, reqwest::header::HeaderMap, String)> {
        let date = httpdate();
        let mut resource = format!("/{}/{}", self.sts.bucket, self.key);
        let mut signed: Vec<_> = self
            .query
            .iter()
            .filter(|(n, _)| ["uploads", "uploadId", "partNumber"].contains(n))
            .collect();
        signed.sort();
        for (i, (name, value)) in signed.iter().enumerate() {
            resource.push(if i == 0 { '?' } else { '&' });
            resource.push_str(name);
            if !value.is_empty() {
                resource.push('=');
                resource.push_str(value);
            }
        }
        let string_to_sign = format!(
            "{}\n{}\n\n{date}\nx-oss-security-token:{}\n{resource}",
            self.method, self.content_md5, self.sts.token
        );
        let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(string_to_sign.as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    n.to_string()
                } else {
                    format!("{n}={}", pct(v))
                }
            })
            .collect();
        let mut url = format!(
            "{}/{}/{}",
            self.sts.endpoint,
            self.sts.bucket,
            pct(&self.key)
        );
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let mut request = client().request(self.method, url);
        if !self.content_md5.is_empty() {
            request = request.header("content-md5", &self.content_md5);
        }
        let response = request
            .header("date", date)
            .header("x-oss-security-token", &self.sts.token)
            .header("authorization", format!("OSS {}:{signature}", self.sts.id))
            .body(self.body)
            .send()
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        Ok((status, headers, response.text().await?))
    }

    async fn send(self) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
        let secret = self.sts.secret.clone();
        self.send_with(&secret).await
    }
}

fn httpdate() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap()
}

#[tokio::test]
async fn put_object_stores_exactly_the_bytes_and_answers_their_checksums() {
    let emulator = start().await;
    let crc64 = Crc::<u64>::new(&CRC_64_XZ);
    for len in [0, 1, 300 * KIB + 7] {
        let sts = create_upload_video(&emulator).await;
        assert_eq!(sts.endpoint, emulator.oss_url());
        let data = bytes(len, 5);
        let (status, headers, text) = Oss::new(&sts, reqwest::Method::PUT)
            .body(data.clone())
            .send()
            .await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            header(&headers, "etag"),
            format!("\"{}\"", md5_hex(&data).to_uppercase())
        );
        assert_eq!(
            header(&headers, "x-oss-hash-crc64ecma"),
            crc64.checksum(&data).to_string()
        );
        assert!(!header(&headers, "x-oss-request-id").is_empty());
        let (object, file) = stored(&emulator, &sts.key);
        assert_eq!(
            (object.vendor, object.size, object.md5.clone()),
            (StorageVendor::Oss, len as u64, stored_md5(&data))
        );
        assert_eq!(file.unwrap(), data);
    }
    // The admin listing says the same.
    let listing: Value = client()
        .get(format!("{}/__emulator/storage", emulator.oss_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap();
    assert_eq!(listing.as_array().unwrap().len(), 3);
    assert_eq!(listing[0]["vendor"], "oss");
}

async fn initiate(sts: &Sts) -> String {
    let (status, _, text) = Oss::new(sts, reqwest::Method::POST)
        .query("uploads", "")
        .send()
        .await;
    assert_eq!(status, 200, "{text}");
    xml(&text, "UploadId")
}

async fn upload_part(
    sts: &Sts,
    id: &str,
    number: u32,
    data: &[u8],
) -> (reqwest::StatusCode, String, String) {
    let (status, headers, text) = Oss::new(sts, reqwest::Method::PUT)
        .query("uploadId", id)
        .query("partNumber", number.to_string())
        .body(data.to_vec())
        .send()
        .await;
    (status, header(&headers, "etag"), text)
}

fn complete_body(parts: &[(u32, &str)]) -> Vec<u8> {
    let mut body = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        body.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    body.into_bytes()
}

async fn complete(
    sts: &Sts,
    id: &str,
    parts: &[(u32, &str)],
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
    Oss::new(sts, reqwest::Method::POST)
        .query("uploadId", id)
        .body(complete_body(parts))
        .send()
        .await
}

#[tokio::test]
async fn multipart_uploads_assemble_the_parts_in_order() {
    let emulator = start().await;
    let crc64 = Crc::<u64>::new(&CRC_64_XZ);
    // One part; one part plus one byte; several parts.
    for sizes in [
        vec![1usize],
        vec![100 * KIB, 1],
        vec![100 * KIB, 150 * KIB, 100 * KIB, 3],
    ] {
        let sts = create_upload_video(&emulator).await;
        let id = initiate(&sts).await;
        let parts: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| bytes(n, i as u8))
            .collect();
        let mut etags = Vec::new();
        // Upload the last part first: order of arrival must not matter.
        for (i, data) in parts.iter().enumerate().rev() {
            let (status, etag, text) = upload_part(&sts, &id, i as u32 + 1, data).await;
            assert_eq!(status, 200, "{text}");
            assert_eq!(etag, format!("\"{}\"", md5_hex(data).to_uppercase()));
            etags.insert(0, etag);
        }
        let (status, _, listed) = Oss::new(&sts, reqwest::Method::GET)
            .query("uploadId", &id)
            .send()
            .await;
        assert_eq!(status, 200, "{listed}");
        assert_eq!(listed.matches("<Part>").count(), parts.len());
        assert_eq!(xml(&listed, "Size"), sizes[0].to_string());
        let list: Vec<(u32, &str)> = etags
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u32 + 1, e.as_str()))
            .collect();
        let (status, headers, text) = complete(&sts, &id, &list).await;
        assert_eq!(status, 200, "{text}");
        let whole = parts.concat();
        assert_eq!(
            header(&headers, "x-oss-hash-crc64ecma"),
            crc64.checksum(&whole).to_string()
        );
        assert!(
            xml(&text, "ETag").ends_with(&format!("-{}\"", parts.len())),
            "{text}"
        );
        let (object, file) = stored(&emulator, &sts.key);
        assert_eq!(object.md5, stored_md5(&whole));
        assert_eq!(file.unwrap(), whole);
        // Completed: the upload id is gone.
        let (status, _, text) = complete(&sts, &id, &list).await;
        assert_eq!(
            (status.as_u16(), xml(&text, "Code")),
            (404, "NoSuchUpload".to_owned())
        );
    }
}

#[tokio::test]
async fn multipart_rules_are_enforced() {
    let emulator = start().await;
    let sts = create_upload_video(&emulator).await;
    let id = initiate(&sts).await;
    for number in [0, 10_001] {
        let (status, _, text) = upload_part(&sts, &id, number, b"x").await;
        assert_eq!(
            (status.as_u16(), xml(&text, "Code")),
            (400, "InvalidArgument".to_owned())
        );
    }
    let small = bytes(100 * KIB - 1, 1);
    let (_, e1, _) = upload_part(&sts, &id, 1, &small).await;
    let (_, e2, _) = upload_part(&sts, &id, 2, b"tail").await;
    let code = |text: &str| xml(text, "Code");
    let (status, _, text) = complete(&sts, &id, &[(1, &e1), (2, &e2)]).await;
    assert_eq!(
        (status.as_u16(), code(&text)),
        (400, "EntityTooSmall".to_owned())
    );
    let (_, _, text) = complete(&sts, &id, &[(2, &e2), (1, &e1)]).await;
    assert_eq!(code(&text), "InvalidPartOrder");
    let (_, _, text) = complete(&sts, &id, &[(1, &e2)]).await;
    assert_eq!(code(&text), "InvalidPart");
    let (_, _, text) = complete(&sts, &id, &[(3, &e2)]).await;
    assert_eq!(code(&text), "InvalidPart");
    // A lone small part is the last part: fine. But abort first.
    let (status, _, _) = Oss::new(&sts, reqwest::Method::DELETE)
        .query("uploadId", &id)
        .send()
        .await;
    assert_eq!(status, 204);
    let (status, _, text) = complete(&sts, &id, &[(2, &e2)]).await;
    assert_eq!(
        (status.as_u16(), code(&text)),
        (404, "NoSuchUpload".to_owned())
    );
    let (status, _, text) = upload_part(&sts, &id, 1, b"x").await;
    assert_eq!(
        (status.as_u16(), code(&text)),
        (404, "NoSuchUpload".to_owned())
    );
    assert!(emulator.handle().stored_objects().is_empty());
}

#[tokio::test]
async fn oss_refuses_wrong_secrets_other_keys_and_expired_keys() {
    let emulator = start().await;
    let sts = create_upload_video(&emulator).await;
    let (status, headers, text) = Oss::new(&sts, reqwest::Method::PUT)
        .body(b"x".to_vec())
        .send_with("wrong")
        .await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (403, "SignatureDoesNotMatch".to_owned())
    );
    assert!(xml(&text, "StringToSign").starts_with("PUT\n"), "{text}");
    assert_eq!(xml(&text, "EC"), "0002-00000040");
    assert_eq!(
        xml(&text, "RequestId"),
        header(&headers, "x-oss-request-id")
    );
    let mut other = Oss::new(&sts, reqwest::Method::PUT).body(b"x".to_vec());
    other.key = "sv/someone/else.mp4".to_owned();
    let (status, _, text) = other.send().await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (403, "AccessDenied".to_owned())
    );
    let mut stranger = sts.clone();
    stranger.bucket = "outin-someone-else".to_owned();
    let (_, _, text) = Oss::new(&stranger, reqwest::Method::PUT).send().await;
    assert_eq!(xml(&text, "Code"), "AccessDenied");
    // The emulator's clock 20 minutes ahead: the request time is too far off (the key, issued
    // by the same clock, is not expired by it).
    emulator
        .handle()
        .set_clock_skew(time::Duration::minutes(20));
    let (status, _, text) = Oss::new(&sts, reqwest::Method::PUT).send().await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (403, "RequestTimeTooSkewed".to_owned())
    );
    emulator.handle().set_clock_skew(time::Duration::ZERO);

    // A key past a short --sts-ttl.
    let emulator = start_with(EmulatorConfig {
        aliyun_credential_ttl: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    let sts = create_upload_video(&emulator).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, text) = Oss::new(&sts, reqwest::Method::PUT).send().await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (403, "SecurityTokenExpired".to_owned())
    );
    assert!(emulator.handle().stored_objects().is_empty());
}

#[tokio::test]
async fn expiring_credentials_now_refuses_old_keys_but_not_refreshed_ones() {
    let emulator = start().await;
    let sts = create_upload_video(&emulator).await;
    let id = initiate(&sts).await;
    emulator.handle().expire_upload_credentials();
    let (_, _, text) = upload_part(&sts, &id, 1, b"x").await;
    assert_eq!(xml(&text, "Code"), "SecurityTokenExpired");
    // RefreshUploadVideo: new keys for the same address continue the same upload.
    let fresh = sts_from(&emulator, Rpc::refresh(&sts.video_id)).await;
    assert_ne!(fresh.id, sts.id);
    assert_eq!((&fresh.bucket, &fresh.key), (&sts.bucket, &sts.key));
    let (status, etag, text) = upload_part(&fresh, &id, 1, b"x").await;
    assert_eq!(status, 200, "{text}");
    let (status, _, text) = complete(&fresh, &id, &[(1, &etag)]).await;
    assert_eq!(status, 200, "{text}");
    // A key for another address stays refused there.
    let mut other = create_upload_video(&emulator).await;
    other.bucket = sts.bucket.clone();
    other.key = sts.key.clone();
    let (_, _, text) = Oss::new(&other, reqwest::Method::PUT).send().await;
    assert_eq!(xml(&text, "Code"), "AccessDenied");
}

#[tokio::test]
async fn storage_faults_fail_damage_and_drop() {
    let emulator = start().await;
    let handle = emulator.handle();
    let sts = create_upload_video(&emulator).await;
    let id = initiate(&sts).await;
    handle.inject_storage(
        StorageFault::new(StorageVendor::Oss, StorageFaultKind::Fail { status: 503 })
            .part(2)
            .times(2),
    );
    let part = bytes(100 * KIB, 9);
    // Part 1 is not targeted.
    let (status, e1, _) = upload_part(&sts, &id, 1, &part).await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let (status, _, text) = upload_part(&sts, &id, 2, b"end").await;
        assert_eq!(
            (status.as_u16(), xml(&text, "Code")),
            (503, "ServiceUnavailable".to_owned())
        );
    }
    handle.inject_storage(StorageFault::new(StorageVendor::Oss, StorageFaultKind::Damage).part(2));
    let (status, damaged, _) = upload_part(&sts, &id, 2, b"end").await;
    assert_eq!(status, 200);
    let mut altered = b"end".to_vec();
    altered[0] ^= 0xFF;
    assert_eq!(damaged, format!("\"{}\"", md5_hex(&altered).to_uppercase()));
    handle.inject_storage(StorageFault::new(
        StorageVendor::Oss,
        StorageFaultKind::DropMidBody,
    ));
    let dropped = client()
        .put(format!("{}/{}/x", emulator.oss_url(), sts.bucket))
        .body(vec![1u8; 64 * KIB])
        .send()
        .await;
    assert!(dropped.is_err(), "{dropped:?}");
    let (status, e2, _) = upload_part(&sts, &id, 2, b"end").await;
    assert_eq!(status, 200);
    let (status, _, text) = complete(&sts, &id, &[(1, &e1), (2, &e2)]).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        stored(&emulator, &sts.key).1.unwrap(),
        [part, b"end".to_vec()].concat()
    );
    assert!(handle.pending_storage_faults().is_empty());
}

/// A dropped answer: the client gets none, yet the host acted on the request.
#[tokio::test]
async fn a_dropped_answer_comes_after_the_host_acted() {
    let emulator = start().await;
    let handle = emulator.handle();
    let sts = create_upload_video(&emulator).await;
    let id = initiate(&sts).await;
    let part = bytes(100 * KIB + 1, 4);
    let (status, etag, _) = upload_part(&sts, &id, 1, &part).await;
    assert_eq!(status, 200);
    handle.inject_storage(StorageFault::new(
        StorageVendor::Oss,
        StorageFaultKind::DropAnswer,
    ));
    let secret = sts.secret.clone();
    let lost = Oss::new(&sts, reqwest::Method::POST)
        .query("uploadId", &id)
        .body(complete_body(&[(1, &etag)]))
        .try_send_with(&secret)
        .await;
    assert!(lost.is_err(), "no answer: {lost:?}");
    assert_eq!(stored(&emulator, &sts.key).1.unwrap(), part);
    // Asking again finds the upload completed, as OSS does.
    let (status, _, text) = complete(&sts, &id, &[(1, &etag)]).await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (404, "NoSuchUpload".to_owned())
    );
}

#[tokio::test]
async fn digest_mode_keeps_checksums_only() {
    let emulator = start_with(EmulatorConfig {
        storage: Storage::Digest,
        ..EmulatorConfig::default()
    })
    .await;
    let crc64 = Crc::<u64>::new(&CRC_64_XZ);
    let parts: Vec<Vec<u8>> = (0..4u8)
        .map(|i| bytes(100 * KIB + usize::from(i), i))
        .collect();
    let whole = parts.concat();
    // In order, ahead of order (3 before 2), the same bytes again for a folded part.
    for order in [
        vec![1, 2, 3, 4],
        vec![1, 3, 2, 4],
        vec![4, 3, 2, 1],
        vec![1, 2, 1, 3, 4],
    ] {
        let sts = create_upload_video(&emulator).await;
        let id = initiate(&sts).await;
        let mut etags = vec![String::new(); 4];
        for n in order {
            let (status, etag, text) = upload_part(&sts, &id, n, &parts[n as usize - 1]).await;
            assert_eq!(status, 200, "{text}");
            etags[n as usize - 1] = etag;
        }
        let list: Vec<(u32, &str)> = (1..=4)
            .map(|n| (n, etags[n as usize - 1].as_str()))
            .collect();
        let (status, headers, text) = complete(&sts, &id, &list).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            header(&headers, "x-oss-hash-crc64ecma"),
            crc64.checksum(&whole).to_string()
        );
        let (object, file) = stored(&emulator, &sts.key);
        assert_eq!(
            (object.md5, object.size),
            (stored_md5(&whole), whole.len() as u64)
        );
        assert!(file.is_none());
    }
    // A folded part replaced by other bytes: the object is stored, its MD5 cannot be known.
    let sts = create_upload_video(&emulator).await;
    let id = initiate(&sts).await;
    let (_, _, _) = upload_part(&sts, &id, 1, &parts[0]).await;
    let (_, e1, _) = upload_part(&sts, &id, 1, &parts[1]).await;
    let (status, headers, text) = complete(&sts, &id, &[(1, &e1)]).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        header(&headers, "x-oss-hash-crc64ecma"),
        crc64.checksum(&parts[1]).to_string()
    );
    let listing: Value = serde_json::to_value(emulator.handle().stored_objects()).unwrap();
    let entry = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["key"] == sts.key.as_str())
        .unwrap();
    assert_eq!(entry["md5"], Value::Null);
    assert_eq!(entry["size"], parts[1].len());
}

/// A PutObject signed V4 by this test's own signer (oss2's form: `, ` separators, no
/// AdditionalHeaders), for `key` with the STS key of `sts`.
async fn put_v4(sts: &Sts, key: &str, body: Vec<u8>, region: &str) -> (u16, String) {
    use sha2::{Digest as _, Sha256};
    fn hmac256(key: &[u8], data: &str) -> Vec<u8> {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
    let now = time::OffsetDateTime::now_utc();
    let date = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap();
    let day = &date[..8];
    let uri = format!(
        "/{}/{}",
        sts.bucket,
        key.split('/').map(pct).collect::<Vec<_>>().join("/")
    );
    let canonical = format!(
        "PUT\n{uri}\n\ncontent-type:video/mp4\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:{date}\nx-oss-security-token:{}\n\n\nUNSIGNED-PAYLOAD",
        sts.token
    );
    let scope = format!("{day}/{region}/oss/aliyun_v4_request");
    let string_to_sign = format!(
        "OSS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let signing_key = [day, region, "oss", "aliyun_v4_request"].iter().fold(
        format!("aliyun_v4{}", sts.secret).into_bytes(),
        |k, part| hmac256(&k, part),
    );
    let signature = hex::encode(hmac256(&signing_key, &string_to_sign));
    let response = client()
        .put(format!("{}/{}/{}", sts.endpoint, sts.bucket, pct(key)))
        .header("content-type", "video/mp4")
        .header("x-oss-date", &date)
        .header("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
        .header("x-oss-security-token", &sts.token)
        .header(
            "authorization",
            format!(
                "OSS4-HMAC-SHA256 Credential={}/{scope}, Signature={signature}",
                sts.id
            ),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn v4_signed_puts_are_verified() {
    let emulator = start().await;
    let sts = create_upload_video(&emulator).await;
    let data = bytes(2 * KIB, 4);
    let (status, text) = put_v4(&sts, &sts.key, data.clone(), "cn-shanghai").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(stored(&emulator, &sts.key).1.unwrap(), data);
    // Another region in the scope: the server computes with its own.
    let (status, text) = put_v4(&sts, &sts.key, data.clone(), "cn-beijing").await;
    assert_eq!(
        (status, xml(&text, "Code")),
        (403, "SignatureDoesNotMatch".to_owned())
    );
    assert!(
        xml(&text, "CanonicalRequest").starts_with("PUT\n/outin-"),
        "{text}"
    );
    // Correctly signed, but for another object than the key was issued for.
    let (status, text) = put_v4(&sts, "sv/其他/other.mp4", data, "cn-shanghai").await;
    assert_eq!(
        (status, xml(&text, "Code")),
        (403, "AccessDenied".to_owned())
    );
}

#[tokio::test]
async fn content_md5_and_list_parts_paging() {
    let emulator = start().await;
    let sts = create_upload_video(&emulator).await;
    let mut put = Oss::new(&sts, reqwest::Method::PUT).body(b"data".to_vec());
    put.content_md5 = STANDARD.encode(Md5::digest(b"other"));
    let (status, _, text) = put.send().await;
    assert_eq!(
        (status.as_u16(), xml(&text, "Code")),
        (400, "InvalidDigest".to_owned())
    );
    let mut put = Oss::new(&sts, reqwest::Method::PUT).body(b"data".to_vec());
    put.content_md5 = STANDARD.encode(Md5::digest(b"data"));
    let (status, _, text) = put.send().await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(stored(&emulator, &sts.key).1.unwrap(), b"data");
    // x-oss-forbid-overwrite: the object exists now.
    let date = httpdate();
    let resource = format!("/{}/{}", sts.bucket, sts.key);
    let string_to_sign = format!(
        "PUT\n\n\n{date}\nx-oss-forbid-overwrite:true\nx-oss-security-token:{}\n{resource}",
        sts.token
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(sts.secret.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let response = client()
        .put(format!("{}/{}/{}", sts.endpoint, sts.bucket, pct(&sts.key)))
        .header("date", date)
        .header("x-oss-forbid-overwrite", "true")
        .header("x-oss-security-token", &sts.token)
        .header(
            "authorization",
            format!(
                "OSS {}:{}",
                sts.id,
                STANDARD.encode(mac.finalize().into_bytes())
            ),
        )
        .body("again")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(
        xml(&response.text().await.unwrap(), "Code"),
        "FileAlreadyExists"
    );
    let id = initiate(&sts).await;
    for n in 1..=5 {
        let (status, _, _) = upload_part(&sts, &id, n, &[n as u8]).await;
        assert_eq!(status, 200);
    }
    let (status, _, page) = Oss::new(&sts, reqwest::Method::GET)
        .query("uploadId", &id)
        .query("max-parts", "2")
        .query("part-number-marker", "1")
        .send()
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(xml(&page, "IsTruncated"), "true");
    assert_eq!(xml(&page, "NextPartNumberMarker"), "3");
    assert_eq!(xml(&page, "PartNumber"), "2");
    assert_eq!(page.matches("<Part>").count(), 2);
    assert!(xml(&page, "HashCrc64ecma").parse::<u64>().is_ok());
}

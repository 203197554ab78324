//! Wangsu storage: form and slice upload, block rules, tokens, faults, digest mode.

use super::*;

/// (uploadUrl, uploadToken, fileKey) from getUploadToken.
async fn upload_token(emulator: &Emulator, name: &str) -> (String, String, String) {
    let answer = Ws::json(Gateway::Ws3, json!({"originFileName": name}))
        .signed(&emulator.wangsu_url())
        .send(&client())
        .await;
    let data = answer.json()["data"].clone();
    let text = |n: &str| data[n].as_str().unwrap().to_owned();
    (text("uploadUrl"), text("uploadToken"), text("fileKey"))
}

fn wcs_etag(data: &[u8]) -> String {
    let blocks: Vec<[u8; 20]> = if data.is_empty() {
        vec![Sha1::digest(b"").into()]
    } else {
        data.chunks(4 * MIB)
            .map(|c| Sha1::digest(c).into())
            .collect()
    };
    let raw = if blocks.len() == 1 {
        [&[0x16u8][..], &blocks[0]].concat()
    } else {
        [&[0x96u8][..], &Sha1::digest(blocks.concat())[..]].concat()
    };
    URL_SAFE.encode(raw)
}

async fn post(
    url: String,
    token: &str,
    batch: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = client()
        .post(url)
        .header("authorization", token)
        .header("uploadbatch", batch)
        .header("content-type", "application/octet-stream")
        .body(body);
    if let Some(key) = key {
        request = request.header("key", URL_SAFE.encode(key));
    }
    let response = request.send().await.expect("the Wangsu host answers");
    let status = response.status().as_u16();
    assert!(response.headers().contains_key("x-reqid"));
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn wangsu_form_upload_stores_the_file() {
    let emulator = start().await;
    for len in [0usize, 1, 70 * KIB] {
        let (url, token, key) = upload_token(&emulator, &format!("form{len}.mp4")).await;
        assert_eq!(url, emulator.wangsu_upload_url());
        let data = bytes(len, 3);
        let boundary = "xBOUNDARYx";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"form.mp4\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = client()
            .post(format!("{url}/file/upload"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(answer["hash"], wcs_etag(&data));
        let (object, file) = stored(&emulator, &key);
        assert_eq!(
            (object.vendor, object.md5),
            (StorageVendor::Wangsu, stored_md5(&data))
        );
        assert_eq!(file.unwrap(), data);
    }
}

#[tokio::test]
async fn wangsu_slice_upload_checks_blocks_chunks_and_tokens() {
    let emulator = start().await;
    let crc32 = Crc::<u32>::new(&CRC_32_ISO_HDLC);
    let (url, token, key) = upload_token(&emulator, "slices.mp4").await;
    let batch = "batch-1";
    let block0 = bytes(4 * MIB, 1);
    let block1 = bytes(300 * KIB + 1, 2);
    // Block 0 in two chunks, block 1 in one.
    let (status, first) = post(
        format!("{url}/mkblk/{}/0", block0.len()),
        &token,
        batch,
        Some(&key),
        block0[..MIB].to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["crc32"], crc32.checksum(&block0[..MIB]));
    assert_eq!(first["offset"], MIB);
    let ctx = first["ctx"].as_str().unwrap();
    // Out of order: wrong offset.
    let (status, _) = post(
        format!("{url}/bput/{ctx}/5"),
        &token,
        batch,
        None,
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, second) = post(
        format!("{url}/bput/{ctx}/{MIB}"),
        &token,
        batch,
        None,
        block0[MIB..].to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["crc32"], crc32.checksum(&block0[MIB..]));
    let last0 = second["ctx"].as_str().unwrap().to_owned();
    // The first ctx is stale now.
    let (status, _) = post(
        format!("{url}/bput/{ctx}/{MIB}"),
        &token,
        batch,
        None,
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, third) = post(
        format!("{url}/mkblk/{}/1", block1.len()),
        &token,
        batch,
        None,
        block1.clone(),
    )
    .await;
    assert_eq!(status, 200, "{third}");
    let last1 = third["ctx"].as_str().unwrap().to_owned();
    // A tampered token, another Key, a wrong size: refused.
    let tampered = format!("{}x", token);
    let (status, _) = post(
        format!("{url}/mkfile/1"),
        &tampered,
        batch,
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = post(
        format!("{url}/mkfile/1"),
        &token,
        batch,
        Some("vod/other.mp4"),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 400);
    let size = block0.len() + block1.len();
    let list = format!("{last0},{last1}").into_bytes();
    let (status, _) = post(
        format!("{url}/mkfile/{}", size + 1),
        &token,
        batch,
        None,
        list.clone(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, done) = post(
        format!("{url}/mkfile/{size}"),
        &token,
        batch,
        Some(&key),
        list,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let whole = [block0, block1].concat();
    assert_eq!(done["hash"], wcs_etag(&whole));
    let (object, file) = stored(&emulator, &key);
    assert_eq!(object.md5, stored_md5(&whole));
    assert_eq!(file.unwrap(), whole);
}

#[tokio::test]
async fn wangsu_blocks_must_be_whole_4_mib_before_the_last_and_tokens_expire() {
    let emulator = start().await;
    let (url, token, _) = upload_token(&emulator, "odd.mp4").await;
    let batch = "batch-2";
    let (_, a) = post(
        format!("{url}/mkblk/{}/0", MIB),
        &token,
        batch,
        None,
        bytes(MIB, 1),
    )
    .await;
    let (_, b) = post(
        format!("{url}/mkblk/1/1"),
        &token,
        batch,
        None,
        b"z".to_vec(),
    )
    .await;
    let list = format!(
        "{},{}",
        a["ctx"].as_str().unwrap(),
        b["ctx"].as_str().unwrap()
    );
    let (status, answer) = post(
        format!("{url}/mkfile/{}", MIB + 1),
        &token,
        batch,
        None,
        list.into_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("4 MiB"),
        "{answer}"
    );
    // A block larger than declared.
    let (status, _) = post(
        format!("{url}/mkblk/2/0"),
        &token,
        batch,
        None,
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    emulator.handle().expire_upload_credentials();
    let (status, answer) = post(
        format!("{url}/mkblk/1/0"),
        &token,
        batch,
        None,
        b"a".to_vec(),
    )
    .await;
    assert_eq!((status, answer["code"].clone()), (401, json!(401)));
    // A fresh token works again.
    let (_, fresh, _) = upload_token(&emulator, "odd2.mp4").await;
    let (status, _) = post(
        format!("{url}/mkblk/1/0"),
        &fresh,
        batch,
        None,
        b"a".to_vec(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn storage_faults_and_expiry_over_the_admin_api() {
    let emulator = start().await;
    let admin = format!("{}/__emulator/storage", emulator.wangsu_upload_url());
    let post_json = |url: String, body: &'static str| async move {
        client()
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        post_json(
            format!("{admin}/faults"),
            r#"{"host": "wangsu", "part": 1, "times": 2, "kind": {"type": "fail", "status": 500}}"#
        )
        .await,
        204
    );
    assert_eq!(
        post_json(
            format!("{admin}/faults"),
            r#"{"host": "wangsu", "kind": {"type": "nope"}}"#
        )
        .await,
        400
    );
    let listed: Value = serde_json::from_str(
        &client()
            .get(format!("{admin}/faults"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(listed[0]["times"], 2);

    let (url, token, key) = upload_token(&emulator, "faults.mp4").await;
    let batch = "batch-f";
    // Block 0 is not targeted; block 1 fails twice, then is damaged, then goes through.
    let block0 = bytes(4 * MIB, 1);
    let (status, a) = post(
        format!("{url}/mkblk/{}/0", 4 * MIB),
        &token,
        batch,
        None,
        block0.clone(),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let (status, answer) = post(
            format!("{url}/mkblk/3/1"),
            &token,
            batch,
            None,
            b"end".to_vec(),
        )
        .await;
        assert_eq!((status, answer["code"].clone()), (500, json!(500)));
    }
    emulator
        .handle()
        .inject_storage(StorageFault::new(StorageVendor::Wangsu, StorageFaultKind::Damage).part(1));
    let (status, damaged) = post(
        format!("{url}/mkblk/3/1"),
        &token,
        batch,
        None,
        b"end".to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    let crc32 = Crc::<u32>::new(&CRC_32_ISO_HDLC);
    let mut altered = b"end".to_vec();
    altered[0] ^= 0xFF;
    assert_eq!(
        damaged["crc32"],
        crc32.checksum(&altered),
        "the checksum of what arrived"
    );
    emulator.handle().inject_storage(StorageFault::new(
        StorageVendor::Wangsu,
        StorageFaultKind::Stall { millis: 50 },
    ));
    let (status, b) = post(
        format!("{url}/mkblk/3/1"),
        &token,
        batch,
        None,
        b"end".to_vec(),
    )
    .await;
    assert_eq!(status, 200, "a stalled request is then served");
    let list = format!(
        "{},{}",
        a["ctx"].as_str().unwrap(),
        b["ctx"].as_str().unwrap()
    );
    let (status, done) = post(
        format!("{url}/mkfile/{}", 4 * MIB + 3),
        &token,
        batch,
        None,
        list.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        stored(&emulator, &key).0.md5,
        stored_md5(&[block0, b"end".to_vec()].concat())
    );

    // Expire now, over HTTP: the token is refused, a new one works.
    assert_eq!(post_json(format!("{admin}/expire"), "").await, 204);
    let (status, _) = post(
        format!("{url}/mkblk/1/0"),
        &token,
        batch,
        None,
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn wangsu_digest_mode_folds_blocks_in_any_order() {
    let emulator = start_with(EmulatorConfig {
        storage: Storage::Digest,
        ..EmulatorConfig::default()
    })
    .await;
    let blocks = [bytes(4 * MIB, 1), bytes(10, 3)];
    let whole = blocks.concat();
    // Each case: the order blocks are sent in, and whether block 0 is first abandoned after
    // one chunk (then restarted by a new mkblk).
    for (case, (order, restart)) in [([0usize, 1], false), ([1, 0], false), ([1, 0], true)]
        .into_iter()
        .enumerate()
    {
        let (url, token, key) = upload_token(&emulator, &format!("digest{case}.mp4")).await;
        let batch = format!("digest-batch-{case}");
        let mut ctxs = vec![String::new(); 2];
        for index in order {
            let block = &blocks[index];
            let size = block.len();
            if restart && index == 0 {
                let (status, _) = post(
                    format!("{url}/mkblk/{size}/0"),
                    &token,
                    &batch,
                    None,
                    block[..KIB].to_vec(),
                )
                .await;
                assert_eq!(status, 200);
            }
            // Two chunks where the block allows it.
            let cut = size.min(MIB);
            let (status, first) = post(
                format!("{url}/mkblk/{size}/{index}"),
                &token,
                &batch,
                None,
                block[..cut].to_vec(),
            )
            .await;
            assert_eq!(status, 200, "{first}");
            let mut ctx = first["ctx"].as_str().unwrap().to_owned();
            if cut < size {
                let (status, next) = post(
                    format!("{url}/bput/{ctx}/{cut}"),
                    &token,
                    &batch,
                    None,
                    block[cut..].to_vec(),
                )
                .await;
                assert_eq!(status, 200, "{next}");
                ctx = next["ctx"].as_str().unwrap().to_owned();
            }
            ctxs[index] = ctx;
        }
        let (status, done) = post(
            format!("{url}/mkfile/{}", whole.len()),
            &token,
            &batch,
            None,
            ctxs.join(",").into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["hash"], wcs_etag(&whole), "case {case}");
        let (object, file) = stored(&emulator, &key);
        assert_eq!(object.md5, stored_md5(&whole), "case {case}");
        assert!(file.is_none());
    }
    // An empty file: mkfile without blocks.
    let (url, token, key) = upload_token(&emulator, "empty.mp4").await;
    let (status, done) = post(format!("{url}/mkfile/0"), &token, "e", None, Vec::new()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["hash"], wcs_etag(b""));
    assert_eq!(stored(&emulator, &key).0.md5, stored_md5(b""));
}

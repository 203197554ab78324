//! The storage primitives against `vod-emulator`'s Wangsu upload host over real HTTP on loopback,
//! with tokens the adapter gets from the emulator's `getUploadToken`: form and slice uploads of
//! 0 bytes, 1 byte, exactly one block, one block plus one byte and several blocks store exactly the
//! bytes sent; an expired token is `CredentialExpired` and the upload goes on with a refreshed one;
//! a chunk damaged in transit is `ChecksumMismatch`; error answers keep the request id and never
//! the token.

use bytes::Bytes;
use vod_core::config::HttpConfig;
use vod_core::{
    ErrorKind, UploadCredential, UploadCredentialProvider, UploadRequest, UploadTarget,
    WangsuStorageTarget,
};
use vod_emulator::{
    AccessKey, Emulator, EmulatorConfig, StorageFault, StorageFaultKind, StorageVendor,
};
use vod_wangsu::WangsuProvider;
use vod_wangsu::storage::{
    BLOCK_UNIT, BlockContext, BlockPlan, FileAnswer, FileHash, FileHasher, UploadBatch,
    WangsuStorage,
};

const MIB: usize = 1 << 20;
const BLOCK: usize = BLOCK_UNIT as usize;

fn data(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

struct Setup {
    emulator: Emulator,
    provider: WangsuProvider,
    storage: WangsuStorage,
}

async fn setup() -> Setup {
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let provider = WangsuProvider::builder()
        .access_key(AccessKey::DEFAULT_ID)
        .secret_key(AccessKey::DEFAULT_SECRET)
        .endpoint(emulator.wangsu_url())
        .build()
        .expect("provider builds");
    let mut http = HttpConfig::default();
    http.timeout_secs = 60;
    let storage = WangsuStorage::new(&http).expect("storage client builds");
    Setup {
        emulator,
        provider,
        storage,
    }
}

impl Setup {
    async fn credential(&self, name: &str) -> UploadCredential {
        self.provider
            .create_upload(&UploadRequest::new(name))
            .await
            .expect("getUploadToken")
    }

    /// The bytes the emulator stored under `key`.
    fn stored(&self, key: &str) -> Vec<u8> {
        let handle = self.emulator.handle();
        let object = handle
            .stored_objects()
            .into_iter()
            .find(|o| o.vendor == StorageVendor::Wangsu && o.key == key)
            .unwrap_or_else(|| panic!("{key} is not stored"));
        let path = handle.stored_file(&object).expect("bytes are kept");
        std::fs::read(path).unwrap()
    }
}

fn target(credential: &UploadCredential) -> &WangsuStorageTarget {
    match &credential.target {
        UploadTarget::WangsuStorage(t) => t,
        other => panic!("not a Wangsu target: {other:?}"),
    }
}

/// One block: mkblk with the first `chunk` bytes, bput for the rest; the block's last context.
async fn send_block(
    storage: &WangsuStorage,
    target: &WangsuStorageTarget,
    batch: &UploadBatch,
    plan: &BlockPlan,
    index: u64,
    file: &Bytes,
    chunk: usize,
) -> vod_core::Result<BlockContext> {
    let block = plan.block(index).unwrap();
    let start = block.offset() as usize;
    let bytes = file.slice(start..start + block.size() as usize);
    let first = bytes.slice(..chunk.min(bytes.len()));
    let mut answer = storage.make_block(target, batch, &block, first).await?;
    while (answer.offset as usize) < bytes.len() {
        let at = answer.offset as usize;
        let next = bytes.slice(at..(at + chunk).min(bytes.len()));
        answer = storage
            .put_chunk(target, batch, &answer.ctx, answer.offset, next)
            .await?;
    }
    Ok(answer.ctx)
}

/// A whole slice upload of `file` in blocks of `block_size`, chunks of `chunk`.
async fn slice_upload(
    storage: &WangsuStorage,
    target: &WangsuStorageTarget,
    file: &Bytes,
    block_size: u64,
    chunk: usize,
) -> vod_core::Result<FileAnswer> {
    let batch = UploadBatch::new();
    let plan = BlockPlan::new(file.len() as u64, block_size)?;
    let mut contexts = Vec::new();
    for block in plan.blocks() {
        contexts
            .push(send_block(storage, target, &batch, &plan, block.index(), file, chunk).await?);
    }
    let mut hasher = FileHasher::new();
    for piece in file.chunks(MIB) {
        hasher.update(piece);
    }
    let hash = hasher.finish();
    storage
        .make_file(target, &batch, file.len() as u64, &contexts, Some(&hash))
        .await
}

#[tokio::test]
async fn slice_uploads_store_exactly_the_bytes_sent() {
    let s = setup().await;
    for (len, chunk) in [
        (0, MIB),
        (1, MIB),
        (BLOCK, BLOCK),
        (BLOCK, MIB),
        (BLOCK + 1, MIB),
        (2 * BLOCK + 300 * 1024 + 7, 3 * MIB),
    ] {
        let credential = s.credential(&format!("slice{len}.mp4")).await;
        let target = target(&credential);
        let file = data(len, 7);
        let answer = slice_upload(&s.storage, target, &file, BLOCK_UNIT, chunk)
            .await
            .unwrap_or_else(|e| panic!("{len} bytes in chunks of {chunk}: {e}"));
        assert_eq!(answer.hash.as_deref(), Some(FileHash::of(&file).as_str()));
        assert_eq!(answer.key.as_deref(), Some(target.file_key.as_str()));
        assert_eq!(s.stored(&target.file_key), file, "{len} bytes");
    }
}

#[tokio::test]
async fn blocks_of_several_units_and_several_chunks() {
    let s = setup().await;
    let credential = s.credential("big-blocks.mp4").await;
    let target = target(&credential);
    let file = data(2 * BLOCK + 5, 1);
    slice_upload(&s.storage, target, &file, 2 * BLOCK_UNIT, 3 * MIB + 1)
        .await
        .unwrap();
    assert_eq!(s.stored(&target.file_key), file);
}

#[tokio::test]
async fn form_uploads_store_exactly_the_bytes_sent() {
    let s = setup().await;
    for len in [0, 1, BLOCK, BLOCK + 1] {
        let credential = s.credential(&format!("form{len}.mp4")).await;
        let target = target(&credential);
        let file = data(len, 3);
        let answer = s
            .storage
            .form_upload(target, file.clone())
            .await
            .unwrap_or_else(|e| panic!("{len} bytes: {e}"));
        assert_eq!(answer.hash.as_deref(), Some(FileHash::of(&file).as_str()));
        assert_eq!(s.stored(&target.file_key), file, "{len} bytes");
    }
}

#[tokio::test]
async fn an_expired_token_is_credential_expired_and_a_refreshed_one_carries_on() {
    let s = setup().await;
    let credential = s.credential("expiring.mp4").await;
    let old = target(&credential);
    let file = data(BLOCK + 10, 5);
    let plan = BlockPlan::new(file.len() as u64, BLOCK_UNIT).unwrap();
    let batch = UploadBatch::new();
    let first = send_block(&s.storage, old, &batch, &plan, 0, &file, MIB)
        .await
        .unwrap();

    s.emulator.handle().expire_upload_credentials();
    let err = send_block(&s.storage, old, &batch, &plan, 1, &file, MIB)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialExpired, "{err}");
    assert!(err.kind().needs_new_credential());
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(err.provider(), Some("wangsu"));
    assert_eq!(err.operation(), Some("mkblk"));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()), "{err}");
    let token = old.upload_token.expose();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(token), "{text}");
    }

    // The uploader refreshes and goes on with the same batch and contexts (the emulator keeps
    // contexts across tokens, which the vendor notes leave unverified).
    let fresh = s
        .provider
        .refresh_upload(&credential.refresh_request())
        .await
        .unwrap();
    let new = target(&fresh);
    assert_ne!(new.upload_token, old.upload_token);
    assert_eq!(new.file_key, old.file_key);
    let second = send_block(&s.storage, new, &batch, &plan, 1, &file, MIB)
        .await
        .unwrap();
    let hash = FileHash::of(&file);
    s.storage
        .make_file(
            new,
            &batch,
            file.len() as u64,
            &[first, second],
            Some(&hash),
        )
        .await
        .unwrap();
    assert_eq!(s.stored(&new.file_key), file);

    // A form upload with the expired token reads the same.
    let err = s
        .storage
        .form_upload(old, Bytes::from_static(b"late"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialExpired);
    assert!(!err.to_string().contains(token));
}

#[tokio::test]
async fn a_damaged_chunk_is_a_checksum_mismatch_and_sending_it_again_passes() {
    let s = setup().await;
    let handle = s.emulator.handle();
    let credential = s.credential("damaged.mp4").await;
    let target = target(&credential);
    let file = data(BLOCK + 1000, 9);
    let plan = BlockPlan::new(file.len() as u64, BLOCK_UNIT).unwrap();
    let batch = UploadBatch::new();
    let first = send_block(&s.storage, target, &batch, &plan, 0, &file, MIB)
        .await
        .unwrap();
    handle
        .inject_storage(StorageFault::new(StorageVendor::Wangsu, StorageFaultKind::Damage).part(1));
    let err = send_block(&s.storage, target, &batch, &plan, 1, &file, MIB)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.operation(), Some("mkblk"));
    assert!(err.request_id().is_some(), "{err}");
    // The block again, whole: the damaged one is simply never listed.
    let second = send_block(&s.storage, target, &batch, &plan, 1, &file, MIB)
        .await
        .unwrap();
    let hash = FileHash::of(&file);
    s.storage
        .make_file(
            target,
            &batch,
            file.len() as u64,
            &[first, second],
            Some(&hash),
        )
        .await
        .unwrap();
    assert_eq!(s.stored(&target.file_key), file);
}

#[tokio::test]
async fn a_damaged_bput_is_caught_too() {
    let s = setup().await;
    let handle = s.emulator.handle();
    let credential = s.credential("damaged-bput.mp4").await;
    let target = target(&credential);
    let file = data(3 * MIB, 2);
    let plan = BlockPlan::new(file.len() as u64, BLOCK_UNIT).unwrap();
    let block = plan.block(0).unwrap();
    let batch = UploadBatch::new();
    let first = s
        .storage
        .make_block(target, &batch, &block, file.slice(..MIB))
        .await
        .unwrap();
    handle
        .inject_storage(StorageFault::new(StorageVendor::Wangsu, StorageFaultKind::Damage).part(0));
    let err = s
        .storage
        .put_chunk(target, &batch, &first.ctx, first.offset, file.slice(MIB..))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch, "{err}");
    assert_eq!(err.operation(), Some("bput"));
}

#[tokio::test]
async fn the_final_hash_is_checked_against_what_was_sent() {
    let s = setup().await;
    let credential = s.credential("hash.mp4").await;
    let target = target(&credential);
    let file = data(1000, 4);
    let plan = BlockPlan::new(file.len() as u64, BLOCK_UNIT).unwrap();
    let batch = UploadBatch::new();
    let ctx = send_block(&s.storage, target, &batch, &plan, 0, &file, MIB)
        .await
        .unwrap();
    // The caller believes it sent other bytes: the stored file's hash gives it away.
    let wrong = FileHash::of(b"other bytes");
    let err = s
        .storage
        .make_file(target, &batch, 1000, &[ctx], Some(&wrong))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch, "{err}");
    assert_eq!(err.operation(), Some("mkfile"));
}

#[tokio::test]
async fn error_answers_map_through_the_table_with_their_request_id() {
    let s = setup().await;
    let handle = s.emulator.handle();
    let credential = s.credential("errors.mp4").await;
    let target = target(&credential);
    let plan = BlockPlan::new(10, BLOCK_UNIT).unwrap();
    let block = plan.block(0).unwrap();
    let batch = UploadBatch::new();
    for (status, kind) in [
        (503, ErrorKind::Unavailable),
        (701, ErrorKind::ChecksumMismatch),
        (631, ErrorKind::NotFound),
        (400, ErrorKind::InvalidInput),
    ] {
        handle.inject_storage(StorageFault::new(
            StorageVendor::Wangsu,
            StorageFaultKind::Fail { status },
        ));
        let err = s
            .storage
            .make_block(target, &batch, &block, Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.vendor_code(), Some(status.to_string().as_str()));
        assert!(err.request_id().is_some(), "{err}");
    }
    // A bput that does not continue its block: the host's 400.
    let answer = s
        .storage
        .make_block(target, &batch, &block, Bytes::from_static(b"abc"))
        .await
        .unwrap();
    let err = s
        .storage
        .put_chunk(target, &batch, &answer.ctx, 2, Bytes::from_static(b"de"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("offset"), "{err}");
}

#[tokio::test]
async fn a_tampered_token_is_refused_without_being_quoted() {
    let s = setup().await;
    let credential = s.credential("tampered.mp4").await;
    let good = target(&credential);
    let tampered = format!("{}x", good.upload_token.expose());
    let bad = WangsuStorageTarget::new(
        good.upload_url.clone(),
        tampered.clone().into(),
        good.file_key.clone(),
    );
    let plan = BlockPlan::new(1, BLOCK_UNIT).unwrap();
    let err = s
        .storage
        .make_block(
            &bad,
            &UploadBatch::new(),
            &plan.block(0).unwrap(),
            Bytes::from_static(b"x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialExpired, "{err}");
    assert!(!format!("{err} {err:?}").contains(&tampered));
}

#[tokio::test]
async fn nothing_listens_is_a_network_error() {
    let s = setup().await;
    let credential = s.credential("offline.mp4").await;
    let good = target(&credential);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let offline = WangsuStorageTarget::new(
        format!("http://127.0.0.1:{port}"),
        good.upload_token.clone(),
        good.file_key.clone(),
    );
    let err = s
        .storage
        .form_upload(&offline, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(!err.to_string().contains(good.upload_token.expose()));
}

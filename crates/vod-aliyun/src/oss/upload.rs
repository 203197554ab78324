//! OSS as the upload driver's [`Storage`]: the six primitives of [`OssClient`] in the shape
//! `vod_core::upload` drives, so Aliyun brings its storage and no uploader of its own.
//!
//! | driver step | OSS |
//! |---|---|
//! | whole file | PutObject |
//! | start | InitiateMultipartUpload; the session is the upload id |
//! | part | UploadPart; the token is the ETag, the checksum the CRC-64 OSS returned |
//! | list | ListParts, every page ([`OssClient::list_all_parts`]) |
//! | complete | CompleteMultipartUpload with the ETags; the object's CRC-64 must equal the parts' combined |
//! | abort | AbortMultipartUpload |
//!
//! Part rules are OSS's: at least 100 KiB but the last, at most 10,000 parts, at most 5 GiB a
//! part or a PutObject. Each call takes its keys and location from the credential the driver
//! hands it, so STS keys refreshed mid-upload are used by the next request.

use async_trait::async_trait;
use bytes::Bytes;
use vod_core::upload::StoredObject;
use vod_core::upload::{Checksum, PartReceipt, PartRules, PartSpec, Plan, SessionId, Storage};
use vod_core::{Error, ErrorKind, Result, UploadCredential, UploadTarget};

use super::address::ObjectLocation;
use super::client::OssClient;
use super::crc64;
use super::multipart::{CompletedPart, MAX_PARTS};
use super::ops::{MAX_PUT_BYTES, PartBody};
use vod_core::raw::SigningKey;

/// The algorithm name of OSS checksums (`x-oss-hash-crc64ecma`), a decimal CRC-64/XZ.
pub const CRC64_ALGORITHM: &str = "crc64ecma";

/// The smallest part OSS accepts but the last: 100 KiB.
pub const MIN_PART_BYTES: u64 = 100 * 1024;

/// OSS, driven by [`vod_core::upload::Uploader`].
///
/// ```
/// use std::sync::Arc;
/// use vod_aliyun::oss::{OssClient, OssUploadStorage};
/// use vod_core::HttpConfig;
/// use vod_core::upload::Storage;
///
/// let storage: Arc<dyn Storage> =
///     Arc::new(OssUploadStorage::new(OssClient::from_http(&HttpConfig::default())?));
/// assert_eq!(storage.rules().max_parts, 10_000);
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OssUploadStorage {
    client: OssClient,
}

impl OssUploadStorage {
    /// Uploads through `client` (its signature version and fallback region apply).
    pub fn new(client: OssClient) -> Self {
        Self { client }
    }

    /// The client underneath.
    pub fn client(&self) -> &OssClient {
        &self.client
    }
}

/// Where and with which keys `credential` writes.
fn target(credential: &UploadCredential) -> Result<(ObjectLocation, SigningKey)> {
    match &credential.target {
        UploadTarget::Oss(t) => Ok((ObjectLocation::from_target(t)?, t.sts_key())),
        _ => Err(Error::new(
            ErrorKind::Config,
            format!(
                "OSS storage was given a {} credential, which is not an OSS target",
                credential.provider
            ),
        )),
    }
}

fn crc_checksum(crc: u64) -> Checksum {
    Checksum::new(CRC64_ALGORITHM, crc.to_string())
}

/// The CRC-64 a checksum of ours holds, if it is one.
fn crc_of(checksum: &Checksum) -> Option<u64> {
    (checksum.algorithm == CRC64_ALGORITHM)
        .then(|| checksum.value.parse().ok())
        .flatten()
}

/// The whole object's CRC-64 from its parts', in order; `None` when a part has none.
fn combined(parts: &[PartReceipt]) -> Option<u64> {
    parts.iter().try_fold(0u64, |crc, part| {
        let part_crc = part.checksum.as_ref().and_then(crc_of)?;
        Some(crc64::combine(crc, part_crc, part.size))
    })
}

#[async_trait]
impl Storage for OssUploadStorage {
    fn provider(&self) -> &'static str {
        crate::PROVIDER_NAME
    }

    fn rules(&self) -> PartRules {
        PartRules::new(MIN_PART_BYTES, MAX_PARTS, 1, MAX_PUT_BYTES, MAX_PUT_BYTES)
    }

    fn part_checksum(&self, part: &[u8]) -> Checksum {
        crc_checksum(crc64::checksum(part))
    }

    async fn put_object(&self, credential: &UploadCredential, body: Bytes) -> Result<StoredObject> {
        let (location, keys) = target(credential)?;
        let stored = self.client.put_object(&location, &keys, body).await?;
        let checksum = stored.crc64_checked.then(|| crc_checksum(stored.crc64));
        Ok(StoredObject::new(location.key, checksum))
    }

    async fn start(&self, credential: &UploadCredential, _plan: &Plan) -> Result<SessionId> {
        let (location, keys) = target(credential)?;
        let initiated = self
            .client
            .initiate_multipart_upload(&location, &keys)
            .await?;
        Ok(SessionId::new(initiated.upload_id))
    }

    async fn send_part(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        part: PartSpec,
        body: Bytes,
        checksum: &Checksum,
    ) -> Result<PartReceipt> {
        let (location, keys) = target(credential)?;
        let size = body.len() as u64;
        // UploadPart compares OSS's CRC-64 with what was sent (a mismatch is ChecksumMismatch);
        // the receipt carries it only when OSS sent one, so the driver's check is not a tautology.
        let body = match crc_of(checksum) {
            Some(crc) => PartBody::summed(body, crc),
            None => PartBody::from(body),
        };
        let stored = self
            .client
            .upload_part(&location, &keys, session.as_str(), part.number, body)
            .await?;
        Ok(PartReceipt {
            number: part.number,
            size,
            token: stored.etag,
            checksum: stored.crc64_checked.then(|| crc_checksum(stored.crc64)),
        })
    }

    async fn list_parts(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
    ) -> Result<Option<Vec<PartReceipt>>> {
        let (location, keys) = target(credential)?;
        let listed = self
            .client
            .list_all_parts(&location, &keys, session.as_str())
            .await?;
        Ok(Some(
            listed
                .into_iter()
                .map(|p| PartReceipt {
                    number: p.number,
                    size: p.size,
                    token: p.etag,
                    checksum: p.crc64.map(crc_checksum),
                })
                .collect(),
        ))
    }

    async fn complete(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        _plan: &Plan,
        parts: &[PartReceipt],
    ) -> Result<StoredObject> {
        let (location, keys) = target(credential)?;
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|p| CompletedPart::new(p.number, &p.token))
            .collect();
        let expected = combined(parts);
        let object = self
            .client
            .complete_multipart_upload(&location, &keys, session.as_str(), &completed, expected)
            .await?;
        let key = if object.upload.key.is_empty() {
            location.key
        } else {
            object.upload.key
        };
        Ok(StoredObject::new(key, object.crc64.map(crc_checksum)))
    }

    async fn abort(&self, credential: &UploadCredential, session: &SessionId) -> Result<()> {
        let (location, keys) = target(credential)?;
        self.client
            .abort_multipart_upload(&location, &keys, session.as_str())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(number: u32, data: &[u8]) -> PartReceipt {
        PartReceipt {
            number,
            size: data.len() as u64,
            token: format!("etag-{number}"),
            checksum: Some(crc_checksum(crc64::checksum(data))),
        }
    }

    #[test]
    fn the_object_crc_is_the_parts_combined() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let parts: Vec<PartReceipt> = data
            .chunks(102_400)
            .enumerate()
            .map(|(i, c)| receipt(i as u32 + 1, c))
            .collect();
        assert_eq!(combined(&parts), Some(crc64::checksum(&data)));
        let mut missing = parts.clone();
        missing[1].checksum = None;
        assert_eq!(combined(&missing), None);
        let mut foreign = parts;
        foreign[0].checksum = Some(Checksum::new("crc32", "1"));
        assert_eq!(combined(&foreign), None);
    }

    #[test]
    fn rules_are_oss_rules() {
        let storage =
            OssUploadStorage::new(OssClient::from_http(&vod_core::HttpConfig::default()).unwrap());
        let rules = storage.rules();
        assert_eq!((rules.min_part_size, rules.max_parts), (102_400, 10_000));
        assert_eq!(storage.part_checksum(b"123456789").algorithm, "crc64ecma");
        assert_eq!(
            storage.part_checksum(b"123456789").value,
            crc64::checksum(b"123456789").to_string()
        );
    }
}

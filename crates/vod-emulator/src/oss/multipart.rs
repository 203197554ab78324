//! Multipart upload on the OSS host: Initiate, UploadPart, Complete, Abort and ListParts, with
//! the rules the [module docs](super) list, and in digest mode the in-order fold of the parts
//! (see [`crate::storage`]).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use md5::{Digest as _, Md5};
use quick_xml::escape::partial_escape as escape;
use quick_xml::events::Event;

use super::api::{Call, param};
use super::reply::OssError;
use super::{Part, Upload};
use crate::state::lock;
use crate::storage::digest::{self, crc64_combine};
use crate::storage::fold::Fold;
use crate::storage::{self as store, StorageVendor};

/// The smallest part but the last.
const MIN_PART: u64 = 100 * 1024;
/// The largest CompleteMultipartUpload body read (10,000 parts fit easily).
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

impl Call<'_> {
    pub(super) fn initiate(&self) -> Response {
        let upload_id = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        lock(&self.shared.oss.uploads).insert(
            upload_id.clone(),
            Upload {
                bucket: self.bucket.to_owned(),
                key: self.key.to_owned(),
                parts: Default::default(),
                fold: (!self.shared.objects.keeps_bytes()).then(|| Fold::new(1)),
            },
        );
        self.reply.xml(
            StatusCode::OK,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n  <Bucket>{}</Bucket>\n  <Key>{}</Key>\n  <UploadId>{upload_id}</UploadId>\n</InitiateMultipartUploadResult>\n",
                escape(self.bucket),
                escape(self.key)
            ),
        )
    }

    /// The upload `id` if it exists and is for this bucket and key.
    fn check_upload(&self, id: &str) -> Result<(), OssError> {
        match lock(&self.shared.oss.uploads).get(id) {
            Some(upload) if upload.bucket == self.bucket && upload.key == self.key => Ok(()),
            _ => Err(OssError::no_such_upload()),
        }
    }

    pub(super) async fn upload_part(
        &self,
        id: &str,
        number: u32,
        body: Body,
    ) -> Result<Response, OssError> {
        self.check_upload(id)?;
        let uploads = &self.shared.oss.uploads;
        // Digest mode folds the next part in order straight into the object's checksums;
        // anything else goes to disk (see the storage module docs).
        let claimed = lock(uploads)
            .get_mut(id)
            .and_then(|upload| upload.fold.as_mut()?.claim(number));
        let received = match claimed {
            Some((token, mut running)) => {
                // Released however this ends: an error, or the client going away mid-body.
                let _claim = Release { uploads, id, token };
                let received = self.receive(body, None, &mut [&mut running]).await?;
                if let Some(fold) = lock(uploads).get_mut(id).and_then(|u| u.fold.as_mut()) {
                    fold.commit(token, received.md5, running);
                }
                received
            }
            None => {
                self.receive(body, Some(self.shared.objects.incoming()), &mut [])
                    .await?
            }
        };
        let part = Part {
            number,
            size: received.size,
            md5: received.md5,
            etag: digest::oss_etag(&received.md5),
            crc64: received.crc64,
            file: received.file.clone(),
            last_modified: self.shared.clock.now(),
        };
        let mut spare = Vec::new();
        let stored = {
            let mut uploads = lock(uploads);
            match uploads.get_mut(id) {
                Some(upload) => {
                    let mut part = part.clone();
                    // The same bytes again for a part already folded: nothing to keep.
                    let refolded = upload
                        .fold
                        .as_ref()
                        .and_then(|fold| fold.folded_md5(number))
                        == Some(part.md5);
                    if refolded {
                        spare.extend(part.file.take());
                    }
                    if let Some(old) = upload.parts.insert(number, part) {
                        spare.extend(old.file);
                    }
                    true
                }
                None => {
                    // Completed or aborted while the part was arriving.
                    spare.extend(received.file);
                    false
                }
            }
        };
        store::discard(&spare).await;
        if !stored {
            return Err(OssError::no_such_upload());
        }
        self.drain(id).await;
        let mut response = self.reply.stamp(StatusCode::OK.into_response());
        self.checksum_headers(&mut response, &part.etag, part.crc64);
        Ok(response)
    }

    /// Digest mode: folds spooled parts the fold has reached, in order, deleting their files.
    async fn drain(&self, id: &str) {
        let uploads = &self.shared.oss.uploads;
        loop {
            let next = {
                let mut guard = lock(uploads);
                let Some(upload) = guard.get_mut(id) else {
                    return;
                };
                let Some(fold) = upload.fold.as_mut() else {
                    return;
                };
                let number = fold.next();
                let Some(file) = upload.parts.get(&number).and_then(|p| p.file.clone()) else {
                    return;
                };
                let Some((token, running)) = fold.claim(number) else {
                    return; // another request is folding
                };
                (number, file, token, running)
            };
            let (number, file, token, mut running) = next;
            let _claim = Release { uploads, id, token };
            let read = store::read_into(&file, &mut running, None).await;
            let folded = {
                let mut guard = lock(uploads);
                let Some(upload) = guard.get_mut(id) else {
                    return; // completed or aborted meanwhile: it owns the file now
                };
                let part = upload.parts.get_mut(&number);
                let same = part.as_ref().and_then(|p| p.file.as_ref()) == Some(&file);
                let Some(fold) = upload.fold.as_mut() else {
                    return;
                };
                match (read.is_ok() && same, part) {
                    (true, Some(part)) => {
                        let folded = fold.commit(token, part.md5, running);
                        if folded {
                            part.file = None;
                        }
                        folded
                    }
                    _ => false,
                }
            };
            if folded {
                store::discard(&[file]).await;
            } else if read.is_err() {
                return;
            }
            // Replaced meanwhile: try again with the new one.
        }
    }

    pub(super) async fn complete(&self, id: &str, body: Body) -> Result<Response, OssError> {
        self.check_upload(id)?;
        self.check_overwrite()?;
        let complete_all = self
            .headers
            .get("x-oss-complete-all")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"yes"));
        let listed = if complete_all {
            None
        } else {
            let bytes = axum::body::to_bytes(body, MAX_COMPLETE_BODY)
                .await
                .map_err(|_| malformed_xml())?;
            Some(parse_complete(&bytes)?)
        };
        // Validate and take the upload out in one critical section: a concurrent Complete or
        // Abort then sees NoSuchUpload.
        let (chosen, leftovers, fold) = {
            let mut uploads = lock(&self.shared.oss.uploads);
            let upload = uploads.get(id).ok_or_else(OssError::no_such_upload)?;
            let listed = listed.unwrap_or_else(|| {
                upload
                    .parts
                    .iter()
                    .map(|(n, p)| (*n, p.etag.clone()))
                    .collect()
            });
            let chosen = choose_parts(upload, &listed)?;
            let upload = uploads.remove(id).ok_or_else(OssError::no_such_upload)?;
            let leftovers: Vec<_> = upload
                .parts
                .into_iter()
                .filter(|(n, _)| !listed.iter().any(|(l, _)| l == n))
                .filter_map(|(_, p)| p.file)
                .collect();
            (chosen, leftovers, upload.fold)
        };
        store::discard(&leftovers).await;
        let crc64 = chosen
            .iter()
            .fold(0, |crc, part| crc64_combine(crc, part.crc64, part.size));
        let objects = &self.shared.objects;
        let stored = match fold {
            None => {
                let files: Vec<_> = chosen.iter().filter_map(|p| p.file.clone()).collect();
                objects
                    .assemble(&files)
                    .await
                    .map(|(sums, file)| (sums.size, sums.md5, file))
            }
            Some(fold) => self.finish_fold(&fold, &chosen).await,
        };
        let (size, md5, file) = stored.map_err(|error| {
            tracing::warn!(%error, "vod emulator: cannot assemble an OSS object");
            OssError::internal()
        })?;
        objects
            .commit(StorageVendor::Oss, self.bucket, self.key, size, md5, file)
            .await
            .map_err(|_| OssError::internal())?;
        let mut md5s = Md5::new();
        chosen.iter().for_each(|part| md5s.update(part.md5));
        let etag = format!(
            "\"{}-{}\"",
            hex::encode_upper(md5s.finalize()),
            chosen.len()
        );
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\n  <Location>http://{}/{}/{}</Location>\n  <Bucket>{}</Bucket>\n  <Key>{}</Key>\n  <ETag>{}</ETag>\n</CompleteMultipartUploadResult>\n",
            escape(self.reply.host.as_str()),
            escape(self.bucket),
            escape(self.key),
            escape(self.bucket),
            escape(self.key),
            escape(etag.as_str())
        );
        let mut response = self.reply.xml(StatusCode::OK, body);
        self.checksum_headers(&mut response, &etag, crc64);
        Ok(response)
    }

    /// Digest mode: the object's size and MD5 from the fold and the spooled rest of `chosen`
    /// (whose files are deleted), or no MD5 when `chosen` does not start with the folded parts.
    async fn finish_fold(
        &self,
        fold: &Fold,
        chosen: &[Part],
    ) -> std::io::Result<(u64, Option<[u8; 16]>, Option<std::path::PathBuf>)> {
        let size = chosen.iter().map(|p| p.size).sum();
        let files: Vec<_> = chosen.iter().filter_map(|p| p.file.clone()).collect();
        let numbered: Vec<_> = chosen.iter().map(|p| (p.number, p.md5)).collect();
        let md5 = match fold.prefix_of(&numbered) {
            Some((mut digests, count)) if chosen[count..].iter().all(|p| p.file.is_some()) => {
                let mut result = Ok(());
                for part in &chosen[count..] {
                    if let Some(file) = &part.file {
                        result = store::read_into(file, &mut digests, None).await;
                        if result.is_err() {
                            break;
                        }
                    }
                }
                result.map(|()| digests.finish().md5)
            }
            _ => Ok(None),
        };
        store::discard(&files).await;
        Ok((size, md5?, None))
    }

    pub(super) async fn abort(&self, id: &str) -> Result<Response, OssError> {
        self.check_upload(id)?;
        let upload = lock(&self.shared.oss.uploads)
            .remove(id)
            .ok_or_else(OssError::no_such_upload)?;
        let files: Vec<_> = upload.parts.into_values().filter_map(|p| p.file).collect();
        store::discard(&files).await;
        Ok(self.reply.stamp(StatusCode::NO_CONTENT.into_response()))
    }

    pub(super) fn list_parts(&self, id: &str) -> Result<Response, OssError> {
        let number = |name: &str, default: u32| match param(self.query, name) {
            None | Some("") => Ok(default),
            Some(text) => text.parse::<u32>().map_err(|_| {
                OssError::invalid_argument(format!("{name} must be a non-negative integer."))
                    .with("ArgumentName", name)
            }),
        };
        let max_parts = number("max-parts", 1000)?.clamp(1, 1000);
        let marker = number("part-number-marker", 0)?;
        let uploads = lock(&self.shared.oss.uploads);
        let upload = match uploads.get(id) {
            Some(upload) if upload.bucket == self.bucket && upload.key == self.key => upload,
            _ => return Err(OssError::no_such_upload()),
        };
        let after: Vec<(&u32, &Part)> = upload.parts.range(marker.saturating_add(1)..).collect();
        let shown = &after[..after.len().min(max_parts as usize)];
        let truncated = after.len() > shown.len();
        let next = shown.last().map_or(marker, |(n, _)| **n);
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult>\n  <Bucket>{}</Bucket>\n  <Key>{}</Key>\n  <UploadId>{}</UploadId>\n  <PartNumberMarker>{marker}</PartNumberMarker>\n  <NextPartNumberMarker>{next}</NextPartNumberMarker>\n  <MaxParts>{max_parts}</MaxParts>\n  <IsTruncated>{truncated}</IsTruncated>\n",
            escape(self.bucket),
            escape(self.key),
            escape(id)
        );
        for (number, part) in shown {
            body.push_str(&format!(
                "  <Part>\n    <PartNumber>{number}</PartNumber>\n    <LastModified>{}</LastModified>\n    <ETag>{}</ETag>\n    <HashCrc64ecma>{}</HashCrc64ecma>\n    <Size>{}</Size>\n  </Part>\n",
                part.last_modified
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                escape(part.etag.as_str()),
                part.crc64,
                part.size
            ));
        }
        body.push_str("</ListPartsResult>\n");
        Ok(self.reply.xml(StatusCode::OK, body))
    }
}

/// Gives up a claim on an upload's fold when dropped, unless it was committed.
struct Release<'a> {
    uploads: &'a Mutex<HashMap<String, Upload>>,
    id: &'a str,
    token: u64,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if let Some(fold) = lock(self.uploads)
            .get_mut(self.id)
            .and_then(|u| u.fold.as_mut())
        {
            fold.release(self.token);
        }
    }
}

fn malformed_xml() -> OssError {
    OssError::new(
        StatusCode::BAD_REQUEST,
        "MalformedXML",
        "0042-00000201",
        "The XML you provided was not well-formed or did not validate against our published schema.",
    )
}

/// The `(PartNumber, ETag)` pairs of a CompleteMultipartUpload body, in the order given.
fn parse_complete(bytes: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut parts = Vec::new();
    let (mut number, mut etag): (Option<u32>, Option<String>) = (None, None);
    let mut current = Vec::new();
    loop {
        match reader.read_event().map_err(|_| malformed_xml())? {
            Event::Start(start) => current = start.name().as_ref().to_vec(),
            Event::Text(text) => {
                let text = text.decode().map_err(|_| malformed_xml())?;
                let text = text.trim();
                match current.as_slice() {
                    b"PartNumber" => number = Some(text.parse().map_err(|_| malformed_xml())?),
                    // Entities (`&quot;`) arrive as events of their own: keep the rest.
                    b"ETag" => etag.get_or_insert_with(String::new).push_str(text),
                    _ => {}
                }
            }
            Event::End(end) => {
                if end.name().as_ref() == b"Part" {
                    match (number.take(), etag.take()) {
                        (Some(n), Some(e)) => parts.push((n, e)),
                        _ => return Err(malformed_xml()),
                    }
                }
                current.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if parts.is_empty() {
        return Err(malformed_xml());
    }
    Ok(parts)
}

/// The parts `listed` names, after the Complete rules: ascending numbers, existing parts with
/// matching ETags, every part but the last at least 100 KiB.
fn choose_parts(upload: &Upload, listed: &[(u32, String)]) -> Result<Vec<Part>, OssError> {
    if listed.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
        return Err(OssError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPartOrder",
            "0042-00000209",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        ));
    }
    let invalid_part = |number: u32| {
        OssError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPart",
            "0042-00000205",
            "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
        )
        .with("PartNumber", number.to_string())
    };
    let mut chosen = Vec::with_capacity(listed.len());
    for (number, etag) in listed {
        let part = upload
            .parts
            .get(number)
            .ok_or_else(|| invalid_part(*number))?;
        let unquote = |e: &str| e.trim_matches('"').to_ascii_uppercase();
        if unquote(etag) != unquote(&part.etag) {
            return Err(invalid_part(*number));
        }
        chosen.push(part.clone());
    }
    if let Some((_, head)) = chosen.split_last() {
        if let Some(small) = head.iter().position(|p| p.size < MIN_PART) {
            return Err(OssError::new(
                StatusCode::BAD_REQUEST,
                "EntityTooSmall",
                "0042-00000213",
                "Your proposed upload is smaller than the minimum allowed size: every part but the last must be at least 100 KB.",
            )
            .with("PartNumber", listed[small].0.to_string()));
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn complete_bodies() {
        let oss2 = br#"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"3858F62230AC3C915F300C664312C11F"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1&quot;</ETag></Part></CompleteMultipartUpload>"#;
        let parts = parse_complete(oss2).unwrap();
        assert_eq!(
            parts[0],
            (1, "\"3858F62230AC3C915F300C664312C11F\"".to_owned())
        );
        assert_eq!(parts[1].0, 2);
        assert!(parts[1].1.contains("6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1"));
        for bad in [
            &b""[..],
            b"<CompleteMultipartUpload></CompleteMultipartUpload>",
            b"<Part><PartNumber>x</PartNumber><ETag>e</ETag></Part>",
            b"<Part><ETag>e</ETag></Part>",
            b"<Part><PartNumber>1</PartNumber",
        ] {
            assert!(
                parse_complete(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    proptest! {
        #[test]
        fn complete_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_complete(&body);
        }

        #[test]
        fn complete_parser_never_panics_on_near_xml(body in "[<>/a-zA-Z0-9&;\"]{0,200}") {
            let _ = parse_complete(body.as_bytes());
        }
    }
}

//! The multipart-upload documents: what InitiateMultipartUpload, CompleteMultipartUpload and
//! ListParts answer, and the body CompleteMultipartUpload sends.
//!
//! Ids stay explicit values (upload id, part numbers, ETags) so that an upload can be
//! continued by another process: ListParts rebuilds the parts done, Complete needs only
//! numbers and ETags.

use super::xml::{Element, XmlError, escape, parse_root};

/// The most parts one upload may have.
pub const MAX_PARTS: u32 = 10_000;

/// What InitiateMultipartUpload answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiatedUpload {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The id every later call of this upload names.
    pub upload_id: String,
}

/// Reads an `<InitiateMultipartUploadResult>`.
pub fn parse_initiate(body: &[u8]) -> Result<InitiatedUpload, XmlError> {
    let root = parse_root(body, "InitiateMultipartUploadResult")?;
    let upload_id = root.required("UploadId")?.trim();
    if upload_id.is_empty() {
        return Err(XmlError("<UploadId> is empty".into()));
    }
    Ok(InitiatedUpload {
        bucket: root.text_of("Bucket").unwrap_or_default().to_owned(),
        key: root.text_of("Key").unwrap_or_default().to_owned(),
        upload_id: upload_id.to_owned(),
    })
}

/// A part as Complete names it: its number and the ETag UploadPart returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// 1 to [`MAX_PARTS`].
    pub number: u32,
    /// The ETag, without the quotes OSS puts around it (they are added back when sent).
    pub etag: String,
}

impl CompletedPart {
    /// A part; quotes around `etag` (as in the `ETag` header) are dropped.
    pub fn new(number: u32, etag: &str) -> Self {
        Self {
            number,
            etag: unquote(etag).to_owned(),
        }
    }
}

/// An ETag without its surrounding quotes.
pub fn unquote(etag: &str) -> &str {
    let etag = etag.trim();
    etag.strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(etag)
}

/// The CompleteMultipartUpload body, exactly as oss2 writes it: no XML declaration, parts in
/// ascending order, ETags in quotes.
///
/// Refuses (naming the rule) an empty list, a number outside 1 to [`MAX_PARTS`], a number
/// given twice and an empty ETag: OSS would refuse them too, after the upload.
///
/// ```
/// use vod_aliyun::oss::multipart::{CompletedPart, complete_body};
/// let body = complete_body(&[CompletedPart::new(2, "\"B\""), CompletedPart::new(1, "A")]).unwrap();
/// assert_eq!(
///     body,
///     "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"A\"</ETag></Part>\
///      <Part><PartNumber>2</PartNumber><ETag>\"B\"</ETag></Part></CompleteMultipartUpload>"
/// );
/// ```
pub fn complete_body(parts: &[CompletedPart]) -> vod_core::Result<String> {
    if parts.is_empty() {
        return Err(vod_core::Error::invalid_input(
            "parts",
            "must name at least one part",
        ));
    }
    let mut sorted: Vec<&CompletedPart> = parts.iter().collect();
    sorted.sort_by_key(|p| p.number);
    for (i, part) in sorted.iter().enumerate() {
        if part.number == 0 || part.number > MAX_PARTS {
            return Err(vod_core::Error::invalid_input(
                "parts",
                format!(
                    "part numbers must be 1 to {MAX_PARTS} (got {})",
                    part.number
                ),
            ));
        }
        if i > 0 && sorted[i - 1].number == part.number {
            return Err(vod_core::Error::invalid_input(
                "parts",
                format!("must name each part once (part {} twice)", part.number),
            ));
        }
        if part.etag.is_empty() {
            return Err(vod_core::Error::invalid_input(
                "parts",
                format!("part {} has an empty ETag", part.number),
            ));
        }
    }
    let mut body = String::with_capacity(40 + sorted.len() * 90);
    body.push_str("<CompleteMultipartUpload>");
    for part in sorted {
        body.push_str("<Part><PartNumber>");
        body.push_str(&part.number.to_string());
        body.push_str("</PartNumber><ETag>\"");
        body.push_str(&escape(&part.etag));
        body.push_str("\"</ETag></Part>");
    }
    body.push_str("</CompleteMultipartUpload>");
    Ok(body)
}

/// What CompleteMultipartUpload answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedUpload {
    /// The object's URL.
    pub location: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The object's ETag, unquoted (for multipart objects not the MD5 of the content).
    pub etag: String,
}

/// Reads a `<CompleteMultipartUploadResult>`.
pub fn parse_complete(body: &[u8]) -> Result<CompletedUpload, XmlError> {
    let root = parse_root(body, "CompleteMultipartUploadResult")?;
    Ok(CompletedUpload {
        location: root.text_of("Location").unwrap_or_default().to_owned(),
        bucket: root.text_of("Bucket").unwrap_or_default().to_owned(),
        key: root.text_of("Key").unwrap_or_default().to_owned(),
        etag: unquote(root.required("ETag")?).to_owned(),
    })
}

/// A part as ListParts lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPart {
    /// Its number.
    pub number: u32,
    /// Its ETag, unquoted.
    pub etag: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded, as OSS wrote it (ISO 8601).
    pub last_modified: String,
    /// Its CRC-64 (`HashCrc64ecma`) when OSS sent one (alibabacloud-oss-v2 reads it; the
    /// 2021 docs and oss2 do not mention it).
    pub crc64: Option<u64>,
}

impl ListedPart {
    /// The part as Complete names it.
    pub fn completed(&self) -> CompletedPart {
        CompletedPart {
            number: self.number,
            etag: self.etag.clone(),
        }
    }
}

/// One page of a ListParts answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsPage {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The upload listed.
    pub upload_id: String,
    /// The marker this page started after.
    pub part_number_marker: Option<u32>,
    /// The marker to ask for the next page with, when [`is_truncated`](Self::is_truncated).
    pub next_part_number_marker: Option<u32>,
    /// The page size asked for.
    pub max_parts: Option<u32>,
    /// Whether more parts follow.
    pub is_truncated: bool,
    /// The parts of this page, as listed (ascending).
    pub parts: Vec<ListedPart>,
}

/// Reads a `<ListPartsResult>`.
pub fn parse_list_parts(body: &[u8]) -> Result<PartsPage, XmlError> {
    let root = parse_root(body, "ListPartsResult")?;
    let is_truncated = match root.text_of("IsTruncated").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(XmlError("<IsTruncated> is neither true nor false".into())),
    };
    let parts = root.all("Part").map(part).collect::<Result<Vec<_>, _>>()?;
    let page = PartsPage {
        bucket: root.text_of("Bucket").unwrap_or_default().to_owned(),
        key: root.text_of("Key").unwrap_or_default().to_owned(),
        upload_id: root.text_of("UploadId").unwrap_or_default().to_owned(),
        part_number_marker: root.optional_number("PartNumberMarker")?,
        next_part_number_marker: root.optional_number("NextPartNumberMarker")?,
        max_parts: root.optional_number("MaxParts")?,
        is_truncated,
        parts,
    };
    if page.is_truncated && page.next_part_number_marker.is_none() {
        return Err(XmlError(
            "<IsTruncated> is true but there is no <NextPartNumberMarker>".into(),
        ));
    }
    Ok(page)
}

fn part(p: &Element) -> Result<ListedPart, XmlError> {
    Ok(ListedPart {
        number: p.number("PartNumber")?,
        etag: unquote(p.required("ETag")?).to_owned(),
        size: p.number("Size")?,
        last_modified: p.text_of("LastModified").unwrap_or_default().to_owned(),
        crc64: p.optional_number("HashCrc64ecma")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn complete_body_is_oss2s() {
        // The parts of the shared vectors, given out of order and with header quotes.
        let body = complete_body(&[
            CompletedPart::new(2, "\"6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1\""),
            CompletedPart::new(1, "3858F62230AC3C915F300C664312C11F"),
        ])
        .unwrap();
        assert_eq!(
            body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"3858F62230AC3C915F300C664312C11F\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1\"</ETag></Part></CompleteMultipartUpload>"
        );
    }

    #[test]
    fn complete_body_refuses_bad_part_lists() {
        for (parts, rule) in [
            (vec![], "at least one"),
            (vec![CompletedPart::new(0, "a")], "1 to 10000"),
            (vec![CompletedPart::new(10_001, "a")], "1 to 10000"),
            (
                vec![CompletedPart::new(3, "a"), CompletedPart::new(3, "b")],
                "part 3 twice",
            ),
            (vec![CompletedPart::new(1, "\"\"")], "empty ETag"),
        ] {
            let err = complete_body(&parts).unwrap_err();
            assert_eq!(err.field(), Some("parts"));
            assert!(err.message().contains(rule), "{err}");
        }
    }

    #[test]
    fn initiate_answer() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult><Bucket>outin-1</Bucket><Key>sv/a.mp4</Key><UploadId>0004B9895DBBB6EC98E36A1F2DAD1234</UploadId></InitiateMultipartUploadResult>"#;
        let up = parse_initiate(body).unwrap();
        assert_eq!(up.upload_id, "0004B9895DBBB6EC98E36A1F2DAD1234");
        assert_eq!(
            (up.bucket.as_str(), up.key.as_str()),
            ("outin-1", "sv/a.mp4")
        );
        assert!(parse_initiate(b"<InitiateMultipartUploadResult/>").is_err());
        assert!(parse_initiate(b"<InitiateMultipartUploadResult><UploadId> </UploadId></InitiateMultipartUploadResult>").is_err());
    }

    #[test]
    fn complete_answer() {
        let body = br#"<CompleteMultipartUploadResult><Location>http://b.oss-cn-shanghai.aliyuncs.com/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>"097DE458AD02B5F89F9D0530231876B3-2"</ETag></CompleteMultipartUploadResult>"#;
        let done = parse_complete(body).unwrap();
        assert_eq!(done.etag, "097DE458AD02B5F89F9D0530231876B3-2");
        assert_eq!(done.key, "k");
        assert!(parse_complete(b"<CompleteMultipartUploadResult/>").is_err());
    }

    #[test]
    fn list_parts_answer() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult>
  <Bucket>b</Bucket><Key>k</Key><UploadId>U</UploadId>
  <PartNumberMarker></PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>
  <MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>
  <Part><PartNumber>1</PartNumber><LastModified>2024-01-02T03:04:05.000Z</LastModified>
    <ETag>"3858F62230AC3C915F300C664312C11F"</ETag><Size>102400</Size></Part>
  <Part><PartNumber>2</PartNumber><LastModified>2024-01-02T03:04:06.000Z</LastModified>
    <ETag>"6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1"</ETag><HashCrc64ecma>9633162048615186616</HashCrc64ecma><Size>13</Size></Part>
</ListPartsResult>"#;
        let page = parse_list_parts(body).unwrap();
        assert!(page.is_truncated);
        assert_eq!(page.part_number_marker, None);
        assert_eq!(page.next_part_number_marker, Some(2));
        assert_eq!(page.max_parts, Some(2));
        assert_eq!(page.upload_id, "U");
        assert_eq!(page.parts.len(), 2);
        assert_eq!(page.parts[0].etag, "3858F62230AC3C915F300C664312C11F");
        assert_eq!(page.parts[0].size, 102_400);
        assert_eq!(page.parts[0].crc64, None);
        assert_eq!(page.parts[1].crc64, Some(9633162048615186616));
        assert_eq!(
            page.parts[1].completed(),
            CompletedPart::new(2, "6C09E1A7D76D7D5D9D3C2BC9A7F8E3D1")
        );

        let empty = parse_list_parts(
            b"<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>",
        )
        .unwrap();
        assert!(empty.parts.is_empty() && !empty.is_truncated);
        for bad in [
            &b"<ListPartsResult><IsTruncated>maybe</IsTruncated></ListPartsResult>"[..],
            b"<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>",
            b"<ListPartsResult><Part><PartNumber>x</PartNumber><ETag>e</ETag><Size>1</Size></Part></ListPartsResult>",
            b"<ListPartsResult><Part><PartNumber>1</PartNumber><Size>1</Size></Part></ListPartsResult>",
            b"<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>e</ETag><Size>-1</Size></Part></ListPartsResult>",
            b"<ListPartsResult><MaxParts>lots</MaxParts></ListPartsResult>",
        ] {
            assert!(parse_list_parts(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_initiate(&body);
            let _ = parse_complete(&body);
            let _ = parse_list_parts(&body);
        }

        #[test]
        fn parsers_never_panic_on_near_misses(
            tags in proptest::collection::vec(
                prop_oneof![
                    Just("<ListPartsResult>"), Just("</ListPartsResult>"), Just("<Part>"),
                    Just("</Part>"), Just("<PartNumber>"), Just("</PartNumber>"), Just("<ETag>"),
                    Just("</ETag>"), Just("<Size>"), Just("</Size>"), Just("<IsTruncated>"),
                    Just("</IsTruncated>"), Just("<NextPartNumberMarker>"),
                    Just("</NextPartNumberMarker>"), Just("true"), Just("7"), Just("-1"),
                    Just("&amp;"), Just("&#xFFFFFF;"), Just("\""), Just("<UploadId>"),
                    Just("</UploadId>"), Just("<InitiateMultipartUploadResult>"),
                    Just("</InitiateMultipartUploadResult>"), Just("99999999999999999999"),
                ],
                0..30,
            )
        ) {
            let body = tags.concat();
            let _ = parse_list_parts(body.as_bytes());
            let _ = parse_initiate(body.as_bytes());
        }
    }
}

//! OSS error answers, turned into [`vod_core::Error`].
//!
//! OSS answers errors as XML (`<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId>
//! <HostId>…</HostId><EC>…</EC>…</Error>`). The kind comes from `Code` through one table,
//! [`OSS_ERROR_CODES`], which the tests walk row by row; the HTTP status decides only for codes
//! the table does not know and for answers with no readable error.
//!
//! - **Bodiless errors.** A HEAD answer, or any error with an empty body, carries the same XML
//!   base64-encoded in the `x-oss-err` header (oss2 reads it there); failing that, the status
//!   alone decides.
//! - **An expired upload credential** is its own kind,
//!   [`ErrorKind::CredentialExpired`]: `SecurityTokenExpired`, the token errors, and
//!   `InvalidAccessKeyId` when the key is an STS key (an expired STS key id is unknown to OSS,
//!   as Aliyun's own VOD upload SDK assumes when it refreshes on that code). For a long-lived
//!   key `InvalidAccessKeyId` means a wrong key: [`ErrorKind::Unauthenticated`].
//! - **`SignatureDoesNotMatch`** quotes the server's string to sign (and for V4 sometimes its
//!   canonical request). Equal to ours: the secret is wrong. Different: the message shows where
//!   they part. The V1 string to sign holds the security token, so every quoted string is
//!   redacted first and never kept verbatim.
//! - The `EC` (fine-grained code, `0002-00000007`) is kept in the message for support.

use base64::Engine as _;
use vod_core::raw::redact::Redactor;
use vod_core::raw::text::{VENDOR_MESSAGE_CHARS, one_line};
use vod_core::raw::transport::Response;
use vod_core::secret::REDACTED;
use vod_core::{Error, ErrorKind, VendorDetail};

use vod_core::raw::{SignedParts, SigningKey};

use super::sign::SECURITY_TOKEN_HEADER;
use super::xml::parse_root;

/// Every OSS error code the vendor notes list, with the kind it maps to.
///
/// `InvalidAccessKeyId` is listed as a wrong key; [`kind_of`] makes it
/// [`ErrorKind::CredentialExpired`] for STS keys. Rows marked *inferred* have codes the vendor
/// notes could not confirm (the conditions are documented, the exact `Code` strings are not).
pub const OSS_ERROR_CODES: &[(&str, ErrorKind)] = &[
    // The upload credential: refresh it and resend.
    ("SecurityTokenExpired", ErrorKind::CredentialExpired),
    ("InvalidSecurityToken", ErrorKind::CredentialExpired),
    (
        "AccessKeyIdAndSecurityTokenNotMatch",
        ErrorKind::CredentialExpired,
    ),
    // The keys or the signature.
    ("InvalidAccessKeyId", ErrorKind::Unauthenticated),
    ("SignatureDoesNotMatch", ErrorKind::Unauthenticated),
    ("RequestTimeTooSkewed", ErrorKind::ClockSkew),
    // Allowed elsewhere, not here (another object key than the credential's).
    ("AccessDenied", ErrorKind::PermissionDenied),
    // Path style on a public endpoint: the endpoint configuration is wrong.
    ("SecondLevelDomainForbidden", ErrorKind::Config),
    // Gone: an aborted, completed or unknown upload; a missing bucket or object.
    ("NoSuchUpload", ErrorKind::NotFound),
    ("NoSuchBucket", ErrorKind::NotFound),
    ("NoSuchKey", ErrorKind::NotFound),
    // The bytes arrived other than sent (Content-MD5 differs): send them again.
    ("InvalidDigest", ErrorKind::ChecksumMismatch),
    // Bad requests.
    ("InvalidPart", ErrorKind::InvalidInput),
    ("InvalidPartOrder", ErrorKind::InvalidInput), // inferred
    ("EntityTooSmall", ErrorKind::InvalidInput),   // inferred
    ("EntityTooLarge", ErrorKind::InvalidInput),
    ("InvalidArgument", ErrorKind::InvalidInput),
    ("InvalidObjectName", ErrorKind::InvalidInput),
    ("InvalidBucketName", ErrorKind::InvalidInput),
    ("MissingContentLength", ErrorKind::InvalidInput),
    ("FileAlreadyExists", ErrorKind::InvalidInput),
    // Transient.
    ("RequestTimeout", ErrorKind::Timeout),
    ("InternalError", ErrorKind::Unavailable),
    ("ServiceUnavailable", ErrorKind::Unavailable),
];

/// The header a bodiless error answer carries its XML in, base64-encoded.
pub const ERR_HEADER: &str = "x-oss-err";

/// The header OSS puts its request id in.
pub const REQUEST_ID_HEADER: &str = "x-oss-request-id";

/// The kind of an OSS error: by code through [`OSS_ERROR_CODES`] (with `InvalidAccessKeyId`
/// an expired credential for STS keys), else by HTTP status.
pub fn kind_of(http_status: u16, code: Option<&str>, sts_keys: bool) -> ErrorKind {
    match code {
        Some("InvalidAccessKeyId") if sts_keys => ErrorKind::CredentialExpired,
        _ => code
            .and_then(|c| vod_core::error::classify(OSS_ERROR_CODES, c))
            .unwrap_or_else(|| ErrorKind::from_http_status(http_status)),
    }
}

/// Whether `key` is a temporary STS key: a token, or an id with the `STS.` prefix. An
/// `InvalidAccessKeyId` answer to such a key means it expired.
pub fn is_sts(key: &SigningKey) -> bool {
    key.token.is_some() || key.id.starts_with("STS.")
}

/// An OSS `<Error>` body: the fields errors use, by name. Unknown children are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `Code`.
    pub code: Option<String>,
    /// `Message`.
    pub message: Option<String>,
    /// `RequestId`.
    pub request_id: Option<String>,
    /// `HostId`.
    pub host_id: Option<String>,
    /// `EC`, the fine-grained code (`0002-00000040`).
    pub ec: Option<String>,
    /// `RecommendDoc`, a troubleshooting link, when sent.
    pub recommend: Option<String>,
    /// `StringToSign` (signature errors). May hold the security token.
    pub string_to_sign: Option<String>,
    /// `CanonicalRequest` (V4 signature errors, when sent). Holds the security token.
    pub canonical_request: Option<String>,
}

impl ErrorBody {
    /// Reads an `<Error>` document.
    pub fn parse(body: &[u8]) -> Result<Self, super::xml::XmlError> {
        let root = parse_root(body, "Error")?;
        let field = |name: &str| {
            root.text_of(name)
                .map(str::to_owned)
                .filter(|v| !v.trim().is_empty())
        };
        Ok(Self {
            code: field("Code").map(|c| c.trim().to_owned()),
            message: field("Message"),
            request_id: field("RequestId").map(|c| c.trim().to_owned()),
            host_id: field("HostId"),
            ec: field("EC").map(|c| c.trim().to_owned()),
            recommend: field("RecommendDoc"),
            string_to_sign: field("StringToSign"),
            canonical_request: field("CanonicalRequest"),
        })
    }

    /// Reads the base64 XML of an `x-oss-err` header.
    pub fn from_err_header(value: &str) -> Option<Self> {
        let xml = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        Self::parse(&xml).ok()
    }
}

/// The redaction for OSS answers to a caller with `keys`: the secret and token, in any form.
pub fn redactor(keys: &SigningKey) -> Redactor {
    let mut secrets = vec![keys.secret.expose()];
    if let Some(token) = &keys.token {
        secrets.push(token.expose());
    }
    Redactor::new().values(secrets)
}

/// Turns an OSS answer that is not a success into an [`Error`]. `signed` is what this attempt
/// signed, to compare with the server's string to sign.
pub fn from_answer(response: &Response, keys: &SigningKey, signed: Option<&SignedParts>) -> Error {
    let redactor = redactor(keys);
    let header_request_id = response
        .header(REQUEST_ID_HEADER)
        .map(str::to_owned)
        .filter(|id| !id.is_empty());
    let parsed = if response.body.iter().all(u8::is_ascii_whitespace) {
        response
            .header(ERR_HEADER)
            .and_then(ErrorBody::from_err_header)
    } else {
        match ErrorBody::parse(&response.body) {
            Ok(body) => Some(body),
            Err(e) => {
                return Error::unreadable_response(
                    response.status,
                    format!("the answer is not an OSS error ({e})"),
                    &redactor.excerpt(&response.body),
                )
                .with_vendor(VendorDetail::new().request_id(header_request_id));
            }
        }
    };
    let status = response.status;
    let Some(body) = parsed else {
        return Error::new(
            kind_of(status, None, is_sts(keys)),
            format!("OSS answered HTTP {status} without an error body"),
        )
        .with_vendor(
            VendorDetail::new()
                .request_id(header_request_id)
                .http_status(status),
        );
    };
    from_body(status, body, header_request_id, keys, signed, &redactor)
}

fn from_body(
    status: u16,
    body: ErrorBody,
    header_request_id: Option<String>,
    keys: &SigningKey,
    signed: Option<&SignedParts>,
    redactor: &Redactor,
) -> Error {
    let code = body.code.as_deref();
    let kind = kind_of(status, code, is_sts(keys));
    let vendor_message = body
        .message
        .as_deref()
        .map(|m| one_line(&redactor.scrub(m), VENDOR_MESSAGE_CHARS));
    let ec = body
        .ec
        .as_deref()
        .map(|ec| format!(" (EC {})", one_line(&redactor.scrub(ec), 40)))
        .unwrap_or_default();

    let message = match code {
        Some("SignatureDoesNotMatch") => signature_mismatch(&body, signed, redactor),
        Some("InvalidAccessKeyId") if kind == ErrorKind::CredentialExpired => format!(
            "OSS no longer knows the STS access key: the upload credential expired, refresh it{}",
            vendor_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        _ => match (&vendor_message, code) {
            (Some(m), _) => m.clone(),
            (None, Some(c)) => format!("OSS answered {c}"),
            (None, None) => format!("OSS answered HTTP {status} without an error code"),
        },
    };

    let mut detail = VendorDetail::new()
        .request_id(header_request_id.or_else(|| body.request_id.map(|id| one_line(&id, 80))))
        .http_status(status)
        .recommend(body.recommend.map(|r| one_line(&redactor.scrub(&r), 200)));
    if let Some(code) = code {
        detail = detail.code(one_line(code, 80));
    }
    if let Some(m) = vendor_message {
        detail = detail.message(m);
    }
    Error::new(kind, format!("{message}{ec}")).with_vendor(detail)
}

/// The message of a `SignatureDoesNotMatch` answer: which of secret and canonical form is wrong.
fn signature_mismatch(
    body: &ErrorBody,
    signed: Option<&SignedParts>,
    redactor: &Redactor,
) -> String {
    let (Some(server), Some(ours)) = (body.string_to_sign.as_deref(), signed) else {
        return "signature rejected: the access key secret is wrong or the request was altered \
                on the way (OSS did not quote its string to sign)"
            .to_owned();
    };
    if normalise(server) == normalise(&ours.string_to_sign) {
        return "signature rejected: the secret is wrong (OSS computed the same string to sign)"
            .to_owned();
    }
    // V4: the strings to sign differ in the hash of the canonical request; the canonical
    // requests say where, when OSS quoted its own.
    let (what, ours_text, server_text) = match (
        body.canonical_request.as_deref(),
        ours.canonical_request.as_deref(),
    ) {
        (Some(server_cr), Some(ours_cr)) => ("canonical request", ours_cr, server_cr),
        _ => ("string to sign", ours.string_to_sign.as_str(), server),
    };
    let ours_text = redact_signed_text(ours_text, redactor);
    let server_text = redact_signed_text(server_text, redactor);
    if ours_text == server_text {
        return format!(
            "signature rejected: the {what} differs only in the security token (not shown): \
             check that the token belongs to the access key"
        );
    }
    let (ours_part, server_part, at) = crate::error::first_difference(&ours_text, &server_text);
    format!(
        "signature rejected: the {what} differs (so the secret may be right): from character \
         {at}, ours {ours_part:?}, OSS's {server_part:?}"
    )
}

/// Line endings as OSS writes them may be `\r\n` in XML; compare on `\n`.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// A string to sign or canonical request with every secret removed: the caller's values in any
/// form, and whatever value follows `x-oss-security-token:` (even one that is not ours). Shown
/// on one line, newlines as `\n`.
fn redact_signed_text(text: &str, redactor: &Redactor) -> String {
    let text = redactor.scrub(&normalise(text));
    let marker = format!("{SECURITY_TOKEN_HEADER}:");
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| match line.strip_prefix(&marker) {
            Some(value) if !value.is_empty() && value != REDACTED => format!("{marker}{REDACTED}"),
            _ => line.to_owned(),
        })
        .collect();
    lines.join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;
    use vod_core::Secret;

    /// The vendor notes' table, spelled out so that dropping a row of [`OSS_ERROR_CODES`]
    /// fails here.
    const VENDOR_NOTES: &[(&str, ErrorKind)] = &[
        ("SecurityTokenExpired", CredentialExpired),
        ("InvalidSecurityToken", CredentialExpired),
        ("AccessKeyIdAndSecurityTokenNotMatch", CredentialExpired),
        ("SignatureDoesNotMatch", Unauthenticated),
        ("RequestTimeTooSkewed", ClockSkew),
        ("AccessDenied", PermissionDenied),
        ("NoSuchUpload", NotFound),
        ("InvalidPart", InvalidInput),
        ("InvalidPartOrder", InvalidInput),
        ("EntityTooSmall", InvalidInput),
        ("InvalidDigest", ChecksumMismatch),
        ("InvalidArgument", InvalidInput),
        ("FileAlreadyExists", InvalidInput),
        ("SecondLevelDomainForbidden", Config),
    ];

    const TOKEN: &str = "CAIS+test/token==";

    fn sts() -> SigningKey {
        SigningKey::new("STS.NTestAccessKeyId", Secret::new("TestAccessKeySecret"))
            .with_token(Some(Secret::new(TOKEN)))
    }

    fn long_lived() -> SigningKey {
        SigningKey::new("LTAI5tLongLived", Secret::new("TestAccessKeySecret"))
    }

    fn xml(code: &str, extra: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>msg \
             for {code}</Message><RequestId>646DCB189AE2D1333018AAAA</RequestId><HostId>b.oss-cn-shanghai.aliyuncs.com</HostId>{extra}<EC>0002-00000007</EC></Error>"
        )
        .into_bytes()
    }

    fn answer(status: u16, body: &[u8], headers: &[(&'static str, &str)]) -> Response {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        Response::new(status, map, body.to_vec())
    }

    #[test]
    fn every_table_row_classifies_as_listed() {
        for &(code, kind) in OSS_ERROR_CODES {
            for status in [400, 403, 404, 503] {
                let err = from_answer(&answer(status, &xml(code, ""), &[]), &long_lived(), None);
                assert_eq!(err.kind(), kind, "{code} with HTTP {status}");
                assert_eq!(err.vendor_code(), Some(code));
                assert_eq!(err.request_id(), Some("646DCB189AE2D1333018AAAA"));
                assert_eq!(err.http_status(), Some(status));
                assert!(err.message().contains("EC 0002-00000007"), "{err}");
            }
        }
        for &(code, kind) in VENDOR_NOTES {
            assert_eq!(kind_of(400, Some(code), false), kind, "{code}");
        }
    }

    #[test]
    fn invalid_access_key_id_is_an_expired_credential_for_sts_keys_only() {
        let body = xml("InvalidAccessKeyId", "");
        let err = from_answer(&answer(403, &body, &[]), &sts(), None);
        assert_eq!(err.kind(), CredentialExpired);
        assert!(err.kind().needs_new_credential());
        assert!(err.message().contains("refresh"), "{err}");
        let err = from_answer(&answer(403, &body, &[]), &long_lived(), None);
        assert_eq!(err.kind(), Unauthenticated);
        // An STS. key id without a token is still an STS key.
        let keys = SigningKey::new("STS.x", Secret::new("s"));
        assert_eq!(
            kind_of(403, Some("InvalidAccessKeyId"), is_sts(&keys)),
            CredentialExpired
        );
    }

    #[test]
    fn unknown_codes_and_bodiless_answers_fall_back_on_the_status() {
        for (status, kind) in [
            (403, PermissionDenied),
            (404, NotFound),
            (429, RateLimited),
            (500, Unavailable),
            (409, InvalidInput),
        ] {
            let err = from_answer(&answer(status, &xml("BrandNewCode", ""), &[]), &sts(), None);
            assert_eq!(err.kind(), kind, "{status}");
            let err = from_answer(
                &answer(status, b"", &[("x-oss-request-id", "RID")]),
                &sts(),
                None,
            );
            assert_eq!(err.kind(), kind, "{status}");
            assert_eq!(err.request_id(), Some("RID"));
            assert!(err.message().contains("without an error body"), "{err}");
        }
    }

    #[test]
    fn bodiless_errors_read_the_x_oss_err_header() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml("SecurityTokenExpired", ""));
        let err = from_answer(
            &answer(
                403,
                b"",
                &[("x-oss-err", &b64), ("x-oss-request-id", "HEADER-RID")],
            ),
            &sts(),
            None,
        );
        assert_eq!(err.kind(), CredentialExpired);
        assert_eq!(err.vendor_code(), Some("SecurityTokenExpired"));
        assert_eq!(err.request_id(), Some("HEADER-RID"));
        // A header that is not base64 XML: the status decides.
        let err = from_answer(&answer(404, b"", &[("x-oss-err", "%%%")]), &sts(), None);
        assert_eq!(err.kind(), NotFound);
    }

    #[test]
    fn answers_that_are_not_oss_xml() {
        let err = from_answer(&answer(502, b"<html>Bad Gateway</html>", &[]), &sts(), None);
        assert_eq!(err.kind(), Unavailable);
        assert!(err.message().contains("Bad Gateway"), "{err}");
        let err = from_answer(
            &answer(400, format!("oops {TOKEN}").as_bytes(), &[]),
            &sts(),
            None,
        );
        assert_eq!(err.kind(), InvalidResponse);
        assert!(!format!("{err:?}").contains("CAIS"), "{err:?}");
    }

    fn v1_signed(string_to_sign: &str) -> SignedParts {
        SignedParts {
            headers: vec![],
            query: vec![],
            string_to_sign: string_to_sign.to_owned(),
            canonical_request: None,
        }
    }

    const OUR_V1: &str = "PUT\n\n\nTue, 02 Jan 2024 03:04:05 GMT\nx-oss-security-token:CAIS+test/token==\n/outin-1/sv/a.mp4?partNumber=1&uploadId=U";

    fn mismatch(server: &str, extra: &str) -> Vec<u8> {
        let escaped = quick_xml::escape::escape(server);
        xml(
            "SignatureDoesNotMatch",
            &format!("<StringToSign>{escaped}</StringToSign>{extra}"),
        )
    }

    #[test]
    fn signature_mismatch_with_the_same_string_to_sign_blames_the_secret() {
        let err = from_answer(
            &answer(403, &mismatch(OUR_V1, ""), &[]),
            &sts(),
            Some(&v1_signed(OUR_V1)),
        );
        assert_eq!(err.kind(), Unauthenticated);
        assert!(err.message().contains("the secret is wrong"), "{err}");
        assert!(!format!("{err:?}").contains("CAIS"));
    }

    #[test]
    fn signature_mismatch_with_another_string_to_sign_shows_where_without_the_token() {
        let server = OUR_V1.replace("partNumber=1", "partNumber=2");
        let err = from_answer(
            &answer(403, &mismatch(&server, ""), &[]),
            &sts(),
            Some(&v1_signed(OUR_V1)),
        );
        let text = format!("{err} {err:?}");
        assert!(text.contains("string to sign differs"), "{text}");
        assert!(
            text.contains("partNumber=1") && text.contains("partNumber=2"),
            "{text}"
        );
        assert!(!text.contains("CAIS"), "{text}");

        // Another token in the server's copy: still not shown.
        let server = OUR_V1.replace(TOKEN, "CAIS+other/token==");
        let err = from_answer(
            &answer(403, &mismatch(&server, ""), &[]),
            &sts(),
            Some(&v1_signed(OUR_V1)),
        );
        let text = format!("{err} {err:?}");
        assert!(text.contains("only in the security token"), "{text}");
        assert!(!text.contains("CAIS") && !text.contains("other"), "{text}");
    }

    #[test]
    fn v4_mismatch_compares_canonical_requests_when_quoted() {
        let ours_cr =
            "PUT\n/b/k\nuploadId=U\nx-oss-security-token:CAIS+test/token==\n\n\nUNSIGNED-PAYLOAD";
        let signed = SignedParts {
            headers: vec![],
            query: vec![],
            string_to_sign: "OSS4-HMAC-SHA256\n20240102T030405Z\n20240102/cn-shanghai/oss/aliyun_v4_request\naaaa".into(),
            canonical_request: Some(ours_cr.into()),
        };
        let server_cr = ours_cr.replace("/b/k", "/b/k2");
        let extra = format!(
            "<CanonicalRequest>{}</CanonicalRequest>",
            quick_xml::escape::escape(&server_cr)
        );
        let server_sts = signed.string_to_sign.replace("aaaa", "bbbb");
        let err = from_answer(
            &answer(403, &mismatch(&server_sts, &extra), &[]),
            &sts(),
            Some(&signed),
        );
        let text = format!("{err:?}");
        assert!(text.contains("canonical request differs"), "{text}");
        assert!(text.contains("/b/k2"), "{text}");
        assert!(!text.contains("CAIS"), "{text}");
    }

    #[test]
    fn signature_mismatch_without_a_quote() {
        let err = from_answer(
            &answer(403, &xml("SignatureDoesNotMatch", ""), &[]),
            &sts(),
            None,
        );
        assert!(err.message().contains("did not quote"), "{err}");
    }

    #[test]
    fn messages_are_scrubbed_of_the_callers_secrets() {
        let body = xml("AccessDenied", "");
        let body = String::from_utf8(body).unwrap().replace(
            "msg for AccessDenied",
            &format!("token {TOKEN} secret TestAccessKeySecret"),
        );
        let err = from_answer(&answer(403, body.as_bytes(), &[]), &sts(), None);
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("CAIS") && !text.contains("TestAccessKeySecret"),
            "{text}"
        );
        assert!(text.contains("<redacted>"), "{text}");
    }

    proptest::proptest! {
        #[test]
        fn error_bodies_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = ErrorBody::parse(&body);
            let _ = from_answer(&answer(403, &body, &[]), &sts(), Some(&v1_signed(OUR_V1)));
        }
    }
}

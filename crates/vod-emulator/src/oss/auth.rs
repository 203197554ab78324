//! Authenticating an OSS request: which scheme, which STS key, its token and expiry, the request
//! time, the signature, and the bucket and key the key may write (order in the
//! [module docs](super)).

use axum::http::StatusCode;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::reply::OssError;
use super::sign::{self, Signed};
use super::{Grant, REGION};
use crate::state::Shared;

/// How far the request time may be from the emulator's clock.
const MAX_SKEW: Duration = Duration::minutes(15);

const HTTP_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);
const V4_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

fn forbidden(code: &'static str, ec: &'static str, message: &str) -> OssError {
    OssError::new(StatusCode::FORBIDDEN, code, ec, message)
}

/// The grant a correctly signed request was made with, after checking it may touch its bucket
/// and key.
pub(super) fn authenticate(shared: &Shared, request: &Signed<'_>) -> Result<Grant, OssError> {
    let authorization = header(request, "authorization");
    let (access_key_id, v4) = if let Some(v1) = authorization.strip_prefix("OSS ") {
        let (id, _) = v1.split_once(':').ok_or_else(malformed)?;
        (id.to_owned(), None)
    } else if authorization.starts_with("OSS4-HMAC-SHA256 ") {
        let parsed = sign::parse_v4_authorization(authorization).ok_or_else(malformed)?;
        (parsed.access_key_id.clone(), Some(parsed))
    } else if authorization.is_empty() {
        return Err(forbidden(
            "AccessDenied",
            "0003-00000001",
            "You have no right to access this object because of bucket acl.",
        ));
    } else {
        return Err(malformed());
    };
    let grant = shared.oss.find(&access_key_id).ok_or_else(|| {
        forbidden(
            "InvalidAccessKeyId",
            "0002-00000002",
            "The OSS Access Key Id you provided does not exist in our records.",
        )
        .with("OSSAccessKeyId", access_key_id.clone())
    })?;
    let token = match header(request, "x-oss-security-token") {
        "" => query(request, "security-token"),
        token => token,
    };
    if token.is_empty() {
        return Err(forbidden(
            "InvalidAccessKeyId",
            "0002-00000003",
            "The OSS Access Key Id you provided does not exist in our records.",
        )
        .with("OSSAccessKeyId", access_key_id));
    }
    if token != grant.security_token {
        return Err(forbidden(
            "InvalidSecurityToken",
            "0002-00000006",
            "The security token you provided is invalid.",
        ));
    }
    let now = shared.clock.now();
    if now >= grant.expires {
        return Err(forbidden(
            "SecurityTokenExpired",
            "0002-00000007",
            "The security token you provided has expired.",
        ));
    }
    match v4 {
        None => check_v1(request, &grant, &access_key_id, authorization, now)?,
        Some(v4) => check_v4(request, &grant, &v4, now)?,
    }
    if request.bucket != grant.bucket {
        return Err(forbidden(
            "AccessDenied",
            "0003-00000201",
            "The bucket you access does not belong to you.",
        ));
    }
    if request.key != grant.key {
        return Err(forbidden(
            "AccessDenied",
            "0003-00000301",
            "You have no right to access this object: the security token does not allow it.",
        ));
    }
    Ok(grant)
}

fn check_v1(
    request: &Signed<'_>,
    grant: &Grant,
    access_key_id: &str,
    authorization: &str,
    now: OffsetDateTime,
) -> Result<(), OssError> {
    let date = match header(request, "x-oss-date") {
        "" => header(request, "date"),
        date => date,
    };
    let sent = PrimitiveDateTime::parse(date, HTTP_DATE)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| {
            forbidden(
                "AccessDenied",
                "0002-00000018",
                "OSS authentication requires a valid Date.",
            )
        })?;
    check_skew(sent, now)?;
    let text = sign::v1_string_to_sign(request);
    let expected = format!(
        "OSS {access_key_id}:{}",
        sign::v1_signature(&grant.secret, &text)
    );
    if expected != authorization {
        let provided = authorization.rsplit(':').next().unwrap_or_default();
        return Err(signature_mismatch(access_key_id, provided, &text));
    }
    Ok(())
}

fn check_v4(
    request: &Signed<'_>,
    grant: &Grant,
    v4: &sign::V4Authorization,
    now: OffsetDateTime,
) -> Result<(), OssError> {
    let date = header(request, "x-oss-date");
    let sent = PrimitiveDateTime::parse(date, V4_DATE)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| {
            forbidden(
                "AccessDenied",
                "0002-00000018",
                "OSS V4 authentication requires a valid x-oss-date (YYYYMMDDTHHMMSSZ).",
            )
        })?;
    check_skew(sent, now)?;
    let day = &date[..8];
    let scope = format!("{day}/{REGION}/oss/aliyun_v4_request");
    let canonical = sign::v4_canonical_request(request, &v4.additional_headers);
    let text = sign::v4_string_to_sign(&canonical, date, &scope);
    let expected = sign::v4_signature(&grant.secret, day, REGION, &text);
    if v4.scope != scope || v4.signature != expected {
        return Err(signature_mismatch(&v4.access_key_id, &v4.signature, &text)
            .with("CanonicalRequest", canonical));
    }
    Ok(())
}

fn check_skew(sent: OffsetDateTime, now: OffsetDateTime) -> Result<(), OssError> {
    if (sent - now).abs() > MAX_SKEW {
        return Err(forbidden(
            "RequestTimeTooSkewed",
            "0002-00000017",
            "The difference between the request time and the current time is too large.",
        ));
    }
    Ok(())
}

fn signature_mismatch(access_key_id: &str, provided: &str, string_to_sign: &str) -> OssError {
    let bytes: Vec<String> = string_to_sign.bytes().map(|b| format!("{b:02X}")).collect();
    forbidden(
        "SignatureDoesNotMatch",
        "0002-00000040",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
    .with("OSSAccessKeyId", access_key_id)
    .with("SignatureProvided", provided)
    .with("StringToSign", string_to_sign)
    .with("StringToSignBytes", bytes.join(" "))
}

fn malformed() -> OssError {
    OssError::invalid_argument("Authorization header is invalid.")
}

fn header<'a>(request: &'a Signed<'_>, name: &str) -> &'a str {
    request
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

fn query<'a>(request: &'a Signed<'_>, name: &str) -> &'a str {
    request
        .query
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

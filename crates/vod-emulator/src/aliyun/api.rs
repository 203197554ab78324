//! The Aliyun request handler: counting, faults, the checks in the order the
//! [module docs](super) list, and the two operations.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;

use super::reply::{AliyunError, Reply};
use super::{API_VERSION, AliyunRequest, credential, verify};
use crate::fault::{self, Dialect, Vendor};
use crate::handle::Operation;
use crate::server::ConnectionKiller;
use crate::state::{Shared, lock};

/// Media file extensions the VOD docs list as supported upload formats (compared
/// case-insensitively).
const MEDIA_EXTENSIONS: &[&str] = &[
    // video
    "3gp", "asf", "avi", "dat", "dv", "flv", "f4v", "gif", "m2t", "m3u8", "m4v", "mj2", "mjpeg",
    "mkv", "mov", "mp4", "mpe", "mpg", "mpeg", "mts", "ogg", "qt", "rm", "rmvb", "swf", "ts",
    "vob", "wmv", "webm", // audio
    "aac", "ac3", "acm", "amr", "ape", "caf", "flac", "m4a", "mp3", "ra", "wav", "wma",
];

const MAX_TITLE_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 1024;
const MAX_TAGS: usize = 16;
const MAX_TAG_CHARS: usize = 32;

/// The success body of both operations.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UploadVideoBody<'a> {
    request_id: &'a str,
    video_id: &'a str,
    upload_address: &'a str,
    upload_auth: &'a str,
}

/// Serves `/`.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Extension(killer): Extension<ConnectionKiller>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = AliyunRequest::new(&method, uri.path(), uri.query(), &headers, &body);
    let reply = Reply::new(&headers);
    shared.counters.record(operation(request.action()));
    let dialect = AliyunDialect {
        shared: &shared,
        reply: &reply,
    };
    if let Some(response) = fault::intercept(&shared, Vendor::Aliyun, &killer, &dialect).await {
        return response;
    }
    serve(&shared, &request, &reply).unwrap_or_else(|error| reply.error(&error))
}

/// Any other path: the vendor serves nothing there. Not counted, no faults.
pub(crate) async fn not_found(headers: HeaderMap) -> Response {
    Reply::new(&headers).error(&AliyunError::new(
        StatusCode::NOT_FOUND,
        "InvalidApi.NotFound",
        "Specified api is not found, please check your url and method.",
    ))
}

fn operation(action: Option<&str>) -> Operation {
    match action {
        Some("CreateUploadVideo") => Operation::AliyunCreateUploadVideo,
        Some("RefreshUploadVideo") => Operation::AliyunRefreshUploadVideo,
        _ => Operation::AliyunOther,
    }
}

fn serve(
    shared: &Shared,
    request: &AliyunRequest<'_>,
    reply: &Reply,
) -> Result<Response, AliyunError> {
    if request.method != Method::GET && request.method != Method::POST {
        return Err(AliyunError::bad_request(
            "UnsupportedHTTPMethod",
            format!(
                "This action does not support the {} method.",
                request.method
            ),
        ));
    }
    verify::authenticate(shared, request)?;
    match request.version() {
        None | Some("") => return Err(AliyunError::missing("Version")),
        Some(API_VERSION) => {}
        Some(_) => {
            return Err(AliyunError::bad_request(
                "InvalidVersion",
                "Specified parameter Version is not valid.",
            ));
        }
    }
    match request.action() {
        None | Some("") => Err(AliyunError::missing("Action")),
        Some("CreateUploadVideo") => create_upload_video(shared, request, reply),
        Some("RefreshUploadVideo") => refresh_upload_video(shared, request, reply),
        Some(_) => Err(AliyunError::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )),
    }
}

fn required<'a>(request: &'a AliyunRequest<'_>, name: &str) -> Result<&'a str, AliyunError> {
    request
        .param(name)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| AliyunError::missing(name))
}

fn create_upload_video(
    shared: &Shared,
    request: &AliyunRequest<'_>,
    reply: &Reply,
) -> Result<Response, AliyunError> {
    let title = required(request, "Title")?;
    let file_name = required(request, "FileName")?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AliyunError::too_long("Title", MAX_TITLE_CHARS));
    }
    if title.chars().any(is_emoji) {
        return Err(AliyunError::bad_request(
            "IllegalCharacters",
            "The specified parameter \"Title\" contains illegal characters (emoji).",
        ));
    }
    let extension = media_extension(file_name).ok_or_else(|| {
        AliyunError::bad_request(
            "InvalidFileName.Extension",
            "The extension of the specified FileName is missing or not a supported media format.",
        )
    })?;
    validate_optional(request)?;
    let video_id = credential::video_id();
    let address = credential::upload_address(&shared.oss_url, extension);
    lock(&shared.aliyun.videos).insert(video_id.clone(), address.clone());
    Ok(upload_video_body(shared, reply, &video_id, &address, true))
}

/// The optional `CreateUploadVideo` parameters the vendor validates.
fn validate_optional(request: &AliyunRequest<'_>) -> Result<(), AliyunError> {
    if let Some(description) = request.param("Description") {
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(AliyunError::too_long("Description", MAX_DESCRIPTION_CHARS));
        }
    }
    if let Some(tags) = request.param("Tags").filter(|tags| !tags.is_empty()) {
        let tags: Vec<&str> = tags.split(',').collect();
        if tags.len() > MAX_TAGS {
            return Err(AliyunError::bad_request(
                "TagsExceededMax",
                format!("The number of tags exceeds the maximum of {MAX_TAGS}."),
            ));
        }
        if tags.iter().any(|tag| tag.chars().count() > MAX_TAG_CHARS) {
            return Err(AliyunError::too_long("Tags", MAX_TAG_CHARS));
        }
    }
    for name in ["FileSize", "CateId"] {
        if let Some(value) = request.param(name) {
            if value.parse::<u64>().is_err() {
                return Err(AliyunError::invalid(name, "not a non-negative integer"));
            }
        }
    }
    if let Some(user_data) = request.param("UserData") {
        if !serde_json::from_str::<serde_json::Value>(user_data).is_ok_and(|v| v.is_object()) {
            return Err(AliyunError::invalid("UserData", "not a JSON object"));
        }
    }
    Ok(())
}

fn refresh_upload_video(
    shared: &Shared,
    request: &AliyunRequest<'_>,
    reply: &Reply,
) -> Result<Response, AliyunError> {
    let video_id = required(request, "VideoId")?;
    let address = lock(&shared.aliyun.videos)
        .get(video_id)
        .cloned()
        .ok_or_else(|| {
            AliyunError::new(
                StatusCode::NOT_FOUND,
                "InvalidVideo.NotFound",
                "The video does not exist.",
            )
        })?;
    Ok(upload_video_body(shared, reply, video_id, &address, true))
}

/// The success answer for `video_id` at `address`, with a new `UploadAuth` that the OSS host
/// accepts when `grant` is set (a truncated fault answer's key is never granted).
fn upload_video_body(
    shared: &Shared,
    reply: &Reply,
    video_id: &str,
    address: &credential::Address,
    grant: bool,
) -> Response {
    let (auth, access_key_id, sts) =
        credential::upload_auth(address, shared.clock.now(), shared.aliyun_credential_ttl);
    if grant {
        shared.oss.grant(access_key_id, sts);
    }
    reply.json(
        StatusCode::OK,
        &UploadVideoBody {
            request_id: &reply.request_id,
            video_id,
            upload_address: &address.encoded,
            upload_auth: &auth,
        },
    )
}

/// The extension of the last path component of `file_name`, if it is a supported media format.
fn media_extension(file_name: &str) -> Option<&str> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, extension) = base.rsplit_once('.')?;
    (!stem.is_empty()
        && MEDIA_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension)))
    .then_some(extension)
}

/// Emoji and pictographs (the vendor forbids emoji in titles).
fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F)
}

/// How faults speak Aliyun: its error body, `Throttling.User`, a minted success.
struct AliyunDialect<'a> {
    shared: &'a Shared,
    reply: &'a Reply,
}

impl Dialect for AliyunDialect<'_> {
    fn vendor_error(&self, code: &str, message: &str, status: StatusCode) -> Response {
        self.reply.error(&AliyunError::new(status, code, message))
    }

    fn throttled(&self, status: StatusCode) -> Response {
        self.reply.error(&AliyunError::new(
            status,
            "Throttling.User",
            "Request was denied due to user flow control.",
        ))
    }

    fn success(&self) -> Response {
        let address = credential::upload_address(&self.shared.oss_url, "mp4");
        upload_video_body(
            self.shared,
            self.reply,
            &credential::video_id(),
            &address,
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(media_extension("D:\\videos\\a b.MP4"), Some("MP4"));
        assert_eq!(media_extension("dir.mp4/clip.mov"), Some("mov"));
        assert_eq!(media_extension("clip"), None);
        assert_eq!(media_extension(".mp4"), None);
        assert_eq!(media_extension("notes.txt"), None);
    }

    #[test]
    fn emoji() {
        assert!(is_emoji('😀'));
        assert!(is_emoji('☀'));
        assert!(!is_emoji('测'));
        assert!(!is_emoji('a'));
    }
}

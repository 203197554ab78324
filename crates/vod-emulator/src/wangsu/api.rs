//! The Wangsu request handler: counting, faults, the gateway's checks, parameter validation in
//! the vendor's codes, and issuing the upload token (see the [module docs](super)).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value};

use super::reply::{Reply, WangsuError};
use super::verify::{self, SignedRequest};
use super::{Variant, Video, token};
use crate::config::AccessKey;
use crate::fault::{self, Dialect, Vendor};
use crate::form;
use crate::handle::Operation;
use crate::server::ConnectionKiller;
use crate::state::{Shared, lock};

/// The bucket every file key is in.
const BUCKET: &str = "vod-emulator";
const MAX_FILE_NAME_CHARS: usize = 40;
const MAX_FILE_ID_CHARS: usize = 32;
const MAX_MD5_CHARS: usize = 32;
const MAX_SUBTITLES: usize = 13;

/// `data` of a successful Get Video Upload Token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadTokenData {
    upload_url: String,
    upload_token: String,
    file_key: String,
    video_id: String,
    bucket_name: &'static str,
    http_dns_server: &'static str,
}

/// The validated input of one call.
struct UploadInput {
    origin_file_name: String,
    /// `fileId`, else `fileMd5`: what makes a call resume an earlier video.
    resume_id: Option<String>,
    overwrite: bool,
}

/// Serves `GET`/`POST /vod/videoManage/getUploadToken`.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Extension(killer): Extension<ConnectionKiller>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.counters.record(Operation::WangsuGetUploadToken);
    let variant = Variant::of(&headers);
    let reply = Reply::new(variant);
    let request = SignedRequest {
        method: &method,
        path: uri.path(),
        query: uri.query(),
        headers: &headers,
        body: &body,
    };
    let dialect = WangsuDialect {
        shared: &shared,
        reply: &reply,
        variant,
        headers: &headers,
    };
    if let Some(response) = fault::intercept(&shared, Vendor::Wangsu, &killer, &dialect).await {
        return response;
    }
    match serve(&shared, variant, &request) {
        Ok(data) => reply.success(&data),
        Err(error) => reply.error(&error),
    }
}

/// Any other path. Not counted, no faults.
pub(crate) async fn not_found(headers: HeaderMap) -> Response {
    Reply::new(Variant::of(&headers)).error(&WangsuError {
        status: StatusCode::NOT_FOUND,
        code: 404.into(),
        message: "not found".to_owned(),
    })
}

fn serve(
    shared: &Shared,
    variant: Variant,
    request: &SignedRequest<'_>,
) -> Result<UploadTokenData, WangsuError> {
    let key = verify::authenticate(shared, variant, request)?;
    let params = parse_params(request)?;
    let input = validate(&params)?;
    let video = match &input.resume_id {
        Some(resume_id) => lock(&shared.wangsu.videos)
            .entry((input.origin_file_name.clone(), resume_id.clone()))
            .or_insert_with(|| new_video(&input.origin_file_name))
            .clone(),
        None => new_video(&input.origin_file_name),
    };
    Ok(issue(shared, key, video, input.overwrite))
}

fn issue(shared: &Shared, key: &AccessKey, video: Video, overwrite: bool) -> UploadTokenData {
    let deadline = shared.clock.now() + shared.wangsu_token_ttl;
    let deadline_ms = shared
        .wangsu
        .unique_deadline_ms(deadline.unix_timestamp() * 1000 + i64::from(deadline.millisecond()));
    UploadTokenData {
        upload_url: shared.wangsu_url.clone(),
        upload_token: token::upload_token(key, BUCKET, &video.file_key, deadline_ms, overwrite),
        file_key: video.file_key,
        video_id: video.video_id,
        bucket_name: BUCKET,
        http_dns_server: "",
    }
}

fn new_video(origin_file_name: &str) -> Video {
    let video_id = uuid::Uuid::new_v4().simple().to_string();
    let extension = origin_file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| {
            (1..=10).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    let file_key = match extension {
        Some(ext) => format!("vod/{video_id}.{}", ext.to_ascii_lowercase()),
        None => format!("vod/{video_id}"),
    };
    Video { video_id, file_key }
}

/// The parameters: the query for `GET`; for `POST` the body, JSON or form by its
/// `Content-Type`, sniffed when there is none.
fn parse_params(request: &SignedRequest<'_>) -> Result<Map<String, Value>, WangsuError> {
    if *request.method == Method::GET {
        return Ok(from_pairs(form::decode(request.query.unwrap_or(""))));
    }
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let is_json = if content_type.contains("json") {
        true
    } else if content_type.contains("x-www-form-urlencoded") {
        false
    } else {
        request.body.trim_ascii_start().first() == Some(&b'{')
    };
    let unparseable = |what: &str| WangsuError::business(1000, format!("parameter error: {what}"));
    if is_json {
        match serde_json::from_slice(request.body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(unparseable("the request body is not a JSON object")),
        }
    } else {
        let text = std::str::from_utf8(request.body)
            .map_err(|_| unparseable("the form body is not UTF-8"))?;
        Ok(from_pairs(form::decode(text)))
    }
}

fn from_pairs(pairs: form::Pairs) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        map.entry(name).or_insert(Value::String(value));
    }
    map
}

fn invalid(why: &str) -> WangsuError {
    WangsuError::business(1004, format!("invalid parameter: {why}"))
}

/// A parameter as text: strings as they are, numbers written out, absent or null as `None`.
fn text(params: &Map<String, Value>, name: &str) -> Result<Option<String>, WangsuError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(invalid(&format!("{name} must be a string"))),
    }
}

fn validate(params: &Map<String, Value>) -> Result<UploadInput, WangsuError> {
    let origin_file_name = text(params, "originFileName")?
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| WangsuError::business(1606, "the video name may not be empty"))?;
    if origin_file_name.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(WangsuError::business(
            1500,
            format!("the file name may not exceed {MAX_FILE_NAME_CHARS} characters"),
        ));
    }
    let file_id = text(params, "fileId")?.filter(|id| !id.is_empty());
    if file_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > MAX_FILE_ID_CHARS)
    {
        return Err(invalid(&format!(
            "fileId may not exceed {MAX_FILE_ID_CHARS} characters"
        )));
    }
    let file_md5 = text(params, "fileMd5")?.filter(|md5| !md5.is_empty());
    if file_md5
        .as_ref()
        .is_some_and(|md5| md5.chars().count() > MAX_MD5_CHARS)
    {
        return Err(WangsuError::business(1605, "the MD5 string is too long"));
    }
    let overwrite = match params.get("overwrite") {
        None | Some(Value::Null) => false,
        Some(value) => match value.as_u64().or_else(|| value.as_str()?.parse().ok()) {
            Some(0) => false,
            Some(1) => true,
            _ => {
                return Err(WangsuError::business(1608, "overwrite must be 0 or 1"));
            }
        },
    };
    validate_category_names(params)?;
    validate_subtitle(params)?;
    Ok(UploadInput {
        origin_file_name,
        resume_id: file_id.or(file_md5),
        overwrite,
    })
}

/// `categoryNames`: JSON text of a list (or, in a JSON body, the list itself).
fn validate_category_names(params: &Map<String, Value>) -> Result<(), WangsuError> {
    let is_list = match params.get("categoryNames") {
        None | Some(Value::Null) | Some(Value::Array(_)) => true,
        Some(Value::String(text)) => {
            serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_array())
        }
        Some(_) => false,
    };
    if is_list {
        Ok(())
    } else {
        Err(invalid("categoryNames must be a JSON list"))
    }
}

/// `subtitle`: base64 of a JSON list of at most 13 entries.
fn validate_subtitle(params: &Map<String, Value>) -> Result<(), WangsuError> {
    let Some(subtitle) = text(params, "subtitle")?.filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let entries = STANDARD
        .decode(subtitle.trim())
        .ok()
        .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
        .and_then(|value| value.as_array().map(Vec::len));
    match entries {
        Some(count) if count <= MAX_SUBTITLES => Ok(()),
        _ => Err(invalid(&format!(
            "subtitle must be base64 of a JSON list of at most {MAX_SUBTITLES} entries"
        ))),
    }
}

/// How faults speak Wangsu: its envelope, an HTTP throttling status, a minted success.
struct WangsuDialect<'a> {
    shared: &'a Shared,
    reply: &'a Reply,
    variant: Variant,
    headers: &'a HeaderMap,
}

impl Dialect for WangsuDialect<'_> {
    fn vendor_error(&self, code: &str, message: &str, status: StatusCode) -> Response {
        let code = code
            .parse::<i64>()
            .map_or_else(|_| Value::from(code), Value::from);
        self.reply.error(&WangsuError {
            status,
            code,
            message: message.to_owned(),
        })
    }

    fn throttled(&self, status: StatusCode) -> Response {
        self.reply.error(&WangsuError {
            status,
            code: status.as_u16().into(),
            message: "too many requests, please retry later".to_owned(),
        })
    }

    fn success(&self) -> Response {
        let caller = self
            .headers
            .get(self.variant.access_key_header())
            .and_then(|id| id.to_str().ok())
            .and_then(|id| self.shared.keys.get(id))
            .cloned()
            .unwrap_or_else(AccessKey::default_key);
        let video = new_video("truncated.mp4");
        self.reply
            .success(&issue(self.shared, &caller, video, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn code(value: Value) -> Option<Value> {
        validate(&params(value)).err().map(|error| error.code)
    }

    #[test]
    fn validation_codes() {
        assert_eq!(code(json!({})), Some(json!(1606)));
        assert_eq!(code(json!({"originFileName": " "})), Some(json!(1606)));
        assert_eq!(
            code(json!({"originFileName": "a".repeat(41)})),
            Some(json!(1500))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "overwrite": 2})),
            Some(json!(1608))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "overwrite": "x"})),
            Some(json!(1608))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "fileId": "f".repeat(33)})),
            Some(json!(1004))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "fileMd5": "f".repeat(33)})),
            Some(json!(1605))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "categoryNames": "nope"})),
            Some(json!(1004))
        );
        assert_eq!(
            code(json!({"originFileName": "a.mp4", "subtitle": "!!"})),
            Some(json!(1004))
        );
        let ok = json!({
            "originFileName": "a".repeat(36) + ".mp4",
            "overwrite": "1",
            "categoryNames": "[{\"parentName\":\"p\",\"childName\":\"c\"}]",
            "subtitle": STANDARD.encode("[{\"lang\":\"en\",\"subtitleId\":\"1\"}]"),
            "fileMd5": "d41d8cd98f00b204e9800998ecf8427e",
        });
        let input = validate(&params(ok)).unwrap();
        assert!(input.overwrite);
        assert_eq!(
            input.resume_id.as_deref(),
            Some("d41d8cd98f00b204e9800998ecf8427e")
        );
    }

    #[test]
    fn file_keys() {
        assert!(new_video("Clip.MP4").file_key.ends_with(".mp4"));
        assert!(!new_video("noext").file_key.contains('.'));
        assert_eq!(new_video("a.mp4").video_id.len(), 32);
    }
}

//! The request, through the library and bare.

use crate::*;

pub(crate) fn upload_request() -> UploadRequest {
    UploadRequest::new(FILE_NAME)
        .title(TITLE)
        .file_size(FILE_SIZE)
}

pub(crate) fn config(target: Target, aliyun_url: &str, wangsu_url: &str) -> Config {
    let (provider, signature) = match target {
        Target::Aliyun => ("aliyun", "v1"),
        Target::AliyunV3 => ("aliyun", "v3"),
        Target::Wangsu => ("wangsu", "v1"),
    };
    let toml = format!(
        r#"
        provider = "{provider}"
        [aliyun]
        access_key_id = "{ak}"
        access_key_secret = "{sk}"
        endpoint = "{aliyun_url}"
        signature = "{signature}"
        [wangsu]
        access_key = "{ak}"
        secret_key = "{sk}"
        endpoint = "{wangsu_url}"
        "#,
        ak = AccessKey::DEFAULT_ID,
        sk = AccessKey::DEFAULT_SECRET,
    );
    Config::from_toml_str_with_env(&toml, |_| None).expect("the loadgen config is valid")
}

/// A signed request, ready to send as it is.
pub(crate) struct Bare {
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

/// Signs the request the library would send at `now` with nonce (Aliyun) or `fileId` (Wangsu)
/// `id`, with the crate's pure signing functions.
pub(crate) fn presign(target: Target, base_url: &str, now: OffsetDateTime, id: &str) -> Bare {
    let url = reqwest::Url::parse(base_url).expect("emulator URL");
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let size = FILE_SIZE.to_string();
    let operation: BTreeMap<String, String> = [
        ("Title", TITLE),
        ("FileName", FILE_NAME),
        ("FileSize", size.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let key = vod::raw::SigningKey::new(AccessKey::DEFAULT_ID, AccessKey::DEFAULT_SECRET);
    match target {
        Target::Aliyun => {
            let mut params = operation;
            for (name, value) in [
                ("Action", "CreateUploadVideo"),
                ("Version", vod::aliyun::API_VERSION),
                ("Format", "JSON"),
            ] {
                params.insert(name.to_owned(), value.to_owned());
            }
            let signed = rpc::sign("POST", &params, &key, now, id);
            let mut signature = String::new();
            for (name, value) in signed.query {
                if name == "Signature" {
                    signature = value;
                } else {
                    params.insert(name.to_owned(), value);
                }
            }
            let mut full = url.as_str().to_owned();
            full.push('?');
            full.push_str(&rpc::canonicalized_query(&params));
            full.push_str("&Signature=");
            encode_into(&mut full, &signature);
            Bare {
                url: full,
                headers: Vec::new(),
                body: Vec::new(),
            }
        }
        Target::AliyunV3 => {
            let mut headers: Vec<(&'static str, String)> = vec![
                ("x-acs-action", "CreateUploadVideo".to_owned()),
                ("x-acs-version", vod::aliyun::API_VERSION.to_owned()),
            ];
            let mut signed: BTreeMap<String, String> = headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect();
            signed.insert("host".to_owned(), host);
            let request = acs3::SignableRequest {
                method: "POST",
                path: url.path(),
                query: &operation,
                headers: &signed,
                body: b"",
            };
            headers.extend(acs3::sign(&request, &key, now, id).headers);
            let mut full = url.as_str().to_owned();
            full.push('?');
            full.push_str(&rpc::canonicalized_query(&operation));
            Bare {
                url: full,
                headers,
                body: Vec::new(),
            }
        }
        Target::Wangsu => {
            let body =
                format!(r#"{{"originFileName":"{FILE_NAME}","fileId":"{id}"}}"#).into_bytes();
            let timestamp = u64::try_from(now.unix_timestamp()).expect("after 1970");
            let signed_headers = [
                ("Content-Type", WANGSU_CONTENT_TYPE),
                ("Host", host.as_str()),
            ];
            let path = vod::wangsu::UPLOAD_TOKEN_PATH;
            let request = ws::Request::new("POST", path)
                .with_headers(&signed_headers)
                .with_body(&body);
            let mut headers = vec![
                ("Content-Type", WANGSU_CONTENT_TYPE.to_owned()),
                ("Accept", "application/json".to_owned()),
            ];
            headers.extend(ws::sign(ws::Algorithm::Ws3, &request, &key, timestamp).headers);
            Bare {
                url: format!("{}{path}", base_url.trim_end_matches('/')),
                headers,
                body,
            }
        }
    }
}

/// A fresh id of the shape the library draws: a UUID for Aliyun nonces, 32 hex digits for
/// Wangsu's `fileId`.
pub(crate) fn fresh_id(target: Target) -> String {
    let uuid = uuid::Uuid::new_v4();
    match target {
        Target::Wangsu => uuid.simple().to_string(),
        _ => uuid.to_string(),
    }
}

pub(crate) fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .build()
        .expect("reqwest client")
}

pub(crate) async fn send_bare(
    client: &reqwest::Client,
    request: Bare,
) -> reqwest::Result<(u16, Vec<u8>)> {
    let mut builder = client.post(request.url.as_str());
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.body(request.body).send().await?;
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    Ok((status, body.to_vec()))
}

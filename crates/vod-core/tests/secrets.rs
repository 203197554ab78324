//! Every type that holds a secret, formatted every way, shows no secret.

use vod_core::config::Config;
use vod_core::raw::SigningKey;
use vod_core::time::macros::datetime;
use vod_core::*;

const SECRETS: &[&str] = &[
    "TopSecretAccessKeySecret",
    "CAISsecurityTokenValue",
    "StsSecretValue",
    "UploadTokenValue",
    "WangsuSecretKeyValue",
];

fn assert_clean(label: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{label} leaks {secret}: {text}");
    }
}

fn credentials() -> Vec<UploadCredential> {
    let t = datetime!(2024-01-02 03:04:05 UTC);
    vec![
        UploadCredential::new(
            "aliyun",
            "v1",
            UploadTarget::Oss(
                OssTarget::builder()
                    .endpoint("https://oss-cn-shanghai.aliyuncs.com")
                    .bucket("b")
                    .object_key("k.mp4")
                    .sts_key(
                        SigningKey::new("STS.id", "StsSecretValue")
                            .with_token(Some(Secret::new("CAISsecurityTokenValue"))),
                    )
                    .build()
                    .unwrap(),
            ),
            t,
            t,
        )
        .with_file_name("k.mp4"),
        UploadCredential::new(
            "wangsu",
            "v2",
            UploadTarget::WangsuStorage(WangsuStorageTarget::new(
                "https://upload.example",
                Secret::new("UploadTokenValue"),
                "k.mp4",
            )),
            t,
            t,
        )
        .with_file_name("k.mp4")
        .with_resume_id(Some("r".into())),
    ]
}

#[test]
fn no_secret_in_debug_or_display() {
    for cred in credentials() {
        assert_clean("credential Debug", &format!("{cred:?}"));
        assert_clean("credential Debug pretty", &format!("{cred:#?}"));
        assert_clean("credential Display", &format!("{cred}"));
        assert_clean("credential summary", &cred.summary());
        assert_clean("target Debug", &format!("{:?}", cred.target));
        assert_clean("target Display", &format!("{}", cred.target));
        match &cred.target {
            UploadTarget::Oss(t) => assert_clean("oss Debug", &format!("{t:?}")),
            UploadTarget::WangsuStorage(t) => assert_clean("wangsu Debug", &format!("{t:?}")),
            _ => unreachable!(),
        }
    }
    let cfg = Config::from_toml_str_with_env(
        r#"
        provider = "aliyun"
        [aliyun]
        access_key_id = "id"
        access_key_secret = "TopSecretAccessKeySecret"
        security_token = "CAISsecurityTokenValue"
        [wangsu]
        access_key = "ak"
        secret_key = "WangsuSecretKeyValue"
        "#,
        |_| None,
    )
    .unwrap();
    assert_clean("config Debug", &format!("{cfg:?} {cfg:#?}"));
    assert_clean("aliyun config", &format!("{:?}", cfg.aliyun()));
    assert_clean("wangsu config", &format!("{:?}", cfg.wangsu()));
    let secret = Secret::new("TopSecretAccessKeySecret");
    assert_clean("secret", &format!("{secret} {secret:?} {secret:#?}"));
}

#[test]
fn config_parse_errors_do_not_quote_secrets() {
    // A malformed line next to a secret must not echo the secret back.
    let err = Config::from_toml_str_with_env(
        "provider = \"aliyun\"\n[aliyun]\naccess_key_secret = \"TopSecretAccessKeySecret\"\nbogus = 1\n",
        |_| None,
    )
    .unwrap_err();
    assert_clean("config error Display", &err.to_string());
    assert_clean("config error Debug", &format!("{err:?}"));
}

#[test]
fn config_type_errors_name_the_key_never_the_value() {
    for (text, key) in [
        (
            "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"id\"\naccess_key_secret = 31337\n",
            "aliyun.access_key_secret",
        ),
        (
            "provider = \"wangsu\"\n[wangsu]\nsecret_key = true\n",
            "wangsu.secret_key",
        ),
        (
            "provider = \"aliyun\"\n[aliyun]\nsecurity_token = 1.5\n",
            "aliyun.security_token",
        ),
        (
            "provider = \"aliyun\"\n[aliyun]\nsecurity_token = [\"TopSecretAccessKeySecret\"]\n",
            "aliyun.security_token",
        ),
        ("provider = \"TopSecretAccessKeySecret\"\n", "provider"),
        (
            "provider = \"aliyun\"\n[http]\ntimeout_secs = \"TopSecretAccessKeySecret\"\n",
            "http.timeout_secs",
        ),
    ] {
        let err = Config::from_toml_str_with_env(text, |_| None).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert_clean("config type error", &shown);
        for value in ["31337", "true", "1.5"] {
            assert!(!shown.contains(value), "{text}: quotes {value}: {shown}");
        }
        assert!(
            err.to_string().contains(&format!("`{key}`")),
            "{text}: {err}"
        );
        assert!(err.to_string().contains("expected"), "{text}: {err}");
    }
    // The same from the environment.
    let err = Config::from_env_with(|name| {
        (name == "VOD_PROVIDER").then(|| "TopSecretAccessKeySecret".to_owned())
    })
    .unwrap_err();
    assert_clean("provider from env", &format!("{err} {err:?}"));
}

#[test]
fn vendor_answers_are_redacted_whatever_the_spelling() {
    use vod_core::raw::redact::Redactor;
    // The base64 of an STS secret, as Aliyun's UploadAuth carries it, under each spelling.
    let auth = "eyJBY2Nlc3NLZXlTZWNyZXQiOiJTdHNTZWNyZXRWYWx1ZSJ9";
    let redactor = Redactor::new();
    for body in [
        format!(r#"{{"RequestId":"r","uploadAuth":"{auth}"}}"#),
        format!(r#"{{"RequestId":"r","UploadAuth":"{auth}"}}"#),
        format!(r#"{{"upload_auth":"{auth}"}}"#),
        format!(r#"{{"upload-auth":"{auth}"}}"#),
        r#"{"data":{"credentials":{"accessKeySecret":"StsSecretValue","securityToken":"CAISsecurityTokenValue"}}}"#.to_owned(),
        r#"{"Data":[{"Access_Key_Secret":"StsSecretValue"}],"upload_token":"UploadTokenValue"}"#.to_owned(),
        "FileName=a.mp4&UploadToken=UploadTokenValue".to_owned(),
        "<Credentials><AccessKeySecret>StsSecretValue</AccessKeySecret></Credentials>".to_owned(),
    ] {
        let excerpt = redactor.excerpt(body.as_bytes());
        assert!(!excerpt.contains(auth), "{excerpt}");
        assert_clean("excerpt", &excerpt);
        assert_clean("scrub", &redactor.scrub(&body));
    }
    // Through the error an unreadable answer becomes.
    let body =
        format!(r#"{{"RequestId":"r","uploadAuth":"{auth}","accessKeySecret":"StsSecretValue"#);
    let response =
        vod_core::raw::transport::Response::new(200, Default::default(), body.into_bytes());
    let err = response.invalid("the answer is cut short");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(auth) && !shown.contains("eyJBY2Nl"),
        "{shown}"
    );
    assert_clean("invalid-response error", &shown);
}

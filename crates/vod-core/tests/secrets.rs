//! Every type that holds a secret, formatted every way, shows no secret.

use vod_core::config::Config;
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

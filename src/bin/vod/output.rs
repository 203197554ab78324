//! How the CLI prints a credential: a redacted summary for people, JSON for handing over.

use vod::{UploadCredential, UploadTarget};

/// Prints `cred` as JSON (secrets included) or as a redacted summary.
pub fn credential(cred: &UploadCredential, json: bool) {
    if json {
        // Explicitly requested with --json: the handover format, secrets included.
        match serde_json::to_string_pretty(cred) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: cannot encode the credential: {e}"),
        }
        return;
    }
    let now = vod::time::OffsetDateTime::now_utc();
    println!("provider:   {}", cred.provider);
    println!("media id:   {}", cred.media_id);
    match &cred.target {
        UploadTarget::Oss(t) => {
            println!("upload to:  PUT {}", t.object_url());
            println!(
                "sts key id: {} (secret and security token redacted)",
                t.access_key_id
            );
        }
        UploadTarget::WangsuStorage(t) => {
            println!("upload to:  {} as {}", t.upload_url, t.file_key);
            println!("token:      {}", t.upload_token);
        }
        other => println!("upload to:  {other}"),
    }
    println!(
        "expires:    {} (in {} s)",
        vod::expiry::rfc3339_seconds(cred.expires_at),
        cred.expires_in(now).whole_seconds()
    );
    if let Some(id) = &cred.request_id {
        println!("request id: {id}");
    }
    if let Some(id) = &cred.resume_id {
        println!("resume id:  {id} (pass as --resume-id when refreshing by --video-id)");
    }
    println!("(use --json to print the credential with its secrets for the uploader)");
}

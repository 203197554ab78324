//! Where `vod upload` keeps its checkpoint when `--checkpoint` is not given.
//!
//! Resuming must need nothing but the same command again, so the default path is a pure function
//! of what that command names: the file (by absolute path, so `cd` elsewhere and a relative path
//! still finds it) and the provider (the same file uploaded to two vendors is two uploads). It
//! lives in the user's cache directory, not beside the video: the video's folder may be read-only
//! or shared, and a checkpoint is disposable state.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// `$XDG_CACHE_HOME/vod/uploads`, else `~/.cache/vod/uploads`; `None` when neither variable gives
/// an absolute path (the XDG spec says to ignore a relative one).
pub fn uploads_dir(xdg_cache_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    let absolute = |v: Option<&str>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    let cache = absolute(xdg_cache_home).or_else(|| absolute(home).map(|h| h.join(".cache")))?;
    Some(cache.join("vod").join("uploads"))
}

/// The checkpoint's file name for uploading `file` (an absolute path) to `provider`: readable
/// parts for people listing the folder, and a hash of both so that two files of the same name in
/// different folders never share a checkpoint.
pub fn file_name(file: &Path, provider: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(provider.as_bytes());
    hash.update([0]);
    hash.update(file.as_os_str().as_encoded_bytes());
    let digest = hash.finalize();
    let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let stem: String = file
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    format!("{provider}-{stem}-{id}.json")
}

/// The default checkpoint of uploading `file` (absolute) to `provider`, from the environment.
pub fn default_for(file: &Path, provider: &str) -> Option<PathBuf> {
    let var = |name| std::env::var(name).ok();
    let dir = uploads_dir(var("XDG_CACHE_HOME").as_deref(), var("HOME").as_deref())?;
    Some(dir.join(file_name(file, provider)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_cache_home_first_then_home() {
        assert_eq!(
            uploads_dir(Some("/x/cache"), Some("/home/u")),
            Some(PathBuf::from("/x/cache/vod/uploads"))
        );
        assert_eq!(
            uploads_dir(None, Some("/home/u")),
            Some(PathBuf::from("/home/u/.cache/vod/uploads"))
        );
        // A relative or empty XDG_CACHE_HOME is ignored, as the spec says.
        assert_eq!(
            uploads_dir(Some("rel"), Some("/home/u")),
            Some(PathBuf::from("/home/u/.cache/vod/uploads"))
        );
        assert_eq!(
            uploads_dir(Some(""), Some("/home/u")),
            Some(PathBuf::from("/home/u/.cache/vod/uploads"))
        );
        assert_eq!(uploads_dir(None, None), None);
        assert_eq!(uploads_dir(None, Some("")), None);
    }

    #[test]
    fn one_name_per_file_and_provider() {
        let a = file_name(Path::new("/videos/clip one.mp4"), "aliyun");
        assert!(a.starts_with("aliyun-clip_one.mp4-"), "{a}");
        assert!(a.ends_with(".json"));
        assert_eq!(a, file_name(Path::new("/videos/clip one.mp4"), "aliyun"));
        assert_ne!(a, file_name(Path::new("/videos/clip one.mp4"), "wangsu"));
        assert_ne!(a, file_name(Path::new("/other/clip one.mp4"), "aliyun"));
        // Nothing in the name can climb out of the folder.
        let odd = file_name(Path::new("/v/../..\\x/y"), "aliyun");
        assert!(!odd.contains('/') && !odd.contains('\\'), "{odd}");
    }
}

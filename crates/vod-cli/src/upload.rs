//! `vod upload`: a file to a stored video, resumable by running the same command again.
//!
//! The order of the steps is the contract of the exit status: everything that can be wrong on
//! this machine (the arguments, the file, the config, the checkpoint's folder) is checked before
//! the first vendor call and exits 2; only then does the upload start, and a failure from there
//! on exits 1 with the command that resumes it. Ctrl-C drops the upload between checkpoint
//! writes (each write is atomic, and the runtime finishes one in progress before the process
//! exits), so the rerun finds a whole checkpoint and sends only what is missing.

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use vod::upload::{Checkpoint, FileUploader};
use vod::{Config, UploadRequest};

use crate::checkpoint_path;
use crate::command_line;
use crate::failure::{Failure, Stopped};
use crate::output;
use crate::progress::Reporter;
use crate::size;

/// Arguments of `vod upload`.
#[derive(Debug, ClapArgs)]
pub struct UploadArgs {
    /// The video file to upload.
    #[arg(value_name = "FILE", required_unless_present = "abort")]
    file: Option<PathBuf>,
    /// The video title (default: the file name).
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// A description of the video.
    #[arg(long, value_name = "D")]
    description: Option<String>,
    /// Comma-separated tags.
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    tags: Vec<String>,
    /// The preferred part size: bytes, or a number with KiB, MiB or GiB. The vendor's rules may
    /// raise it (OSS: at most 10,000 parts; Wangsu: whole 4 MiB blocks). Why 8 MiB: in the upload
    /// benchmark (a 1 GiB file on 2 vCPUs, BENCHMARKS.md) parts of 4 to 32 MiB were equally fast
    /// within the noise (351-423 MB/s a round), and 8 MiB holds half the memory of 16 MiB.
    // The library's default (a test keeps the two equal).
    #[arg(long, value_name = "SIZE", value_parser = size::parse, default_value = "8MiB")]
    part_size: u64,
    /// Parts sent at once; memory holds at most this many parts. Why 4: in the upload benchmark
    /// it was faster than 1 and 8 for both vendors (429 and 371 MB/s, BENCHMARKS.md).
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=256),
        default_value_t = 4
    )]
    concurrency: u16,
    /// The checkpoint file [default: in $XDG_CACHE_HOME/vod/uploads or ~/.cache/vod/uploads,
    /// named after the file's absolute path and the provider]. Kept while the upload runs and
    /// after a failure, removed on success.
    #[arg(long, value_name = "PATH")]
    checkpoint: Option<PathBuf>,
    /// Upload with a credential issued earlier (as printed by `vod create --json`, e.g. by a
    /// credential service), refreshed through the configured provider, instead of creating a
    /// new video.
    #[arg(
        long,
        value_name = "CREDENTIAL.json",
        conflicts_with_all = ["title", "description", "tags"]
    )]
    from: Option<String>,
    /// Abandon the upload recorded in --checkpoint: remove what the vendor holds for it, then
    /// the checkpoint.
    #[arg(
        long,
        requires = "checkpoint",
        conflicts_with_all = ["file", "from", "title", "description", "tags", "part_size", "concurrency"]
    )]
    abort: bool,
    /// Print the result as one JSON object (no secrets).
    #[arg(long)]
    json: bool,
}

/// Runs `vod upload`.
pub async fn run(config: Option<&Path>, args: UploadArgs) -> Result<(), Failure> {
    if args.abort {
        let checkpoint = args
            .checkpoint
            .ok_or_else(|| Failure::Usage("--abort needs --checkpoint PATH".into()))?;
        return abort(config, &checkpoint, args.json).await;
    }
    let file = args
        .file
        .as_deref()
        .ok_or_else(|| Failure::Usage("give the FILE to upload".into()))?;
    let (absolute, size) = inspect(file)?;
    // Read before the config: a bad credential file is a usage error like a missing FILE.
    let issued = match &args.from {
        Some(from) => Some(crate::cli::read_credential(from)?),
        None => None,
    };
    let config = Config::discover(config)?;
    let provider = config.provider.as_str();
    let checkpoint = match &args.checkpoint {
        Some(path) => path.clone(),
        None => checkpoint_path::default_for(&absolute, provider).ok_or_else(|| {
            Failure::Usage(
                "no cache directory for the checkpoint (neither XDG_CACHE_HOME nor HOME is an \
                 absolute path): give --checkpoint PATH"
                    .into(),
            )
        })?,
    };
    // A folder that cannot hold the checkpoint would fail after the vendor created the video.
    if let Some(dir) = checkpoint.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::Usage(format!(
                "cannot create the folder of the checkpoint {}: {e}",
                checkpoint.display()
            ))
        })?;
    }
    let uploader = FileUploader::from_config(&config)?;
    // On top of the config's options (its `[http]` retries for every storage request).
    let options = uploader
        .upload_options()
        .clone()
        .checkpoint(&checkpoint)
        .part_size(args.part_size)
        .concurrency(usize::from(args.concurrency));
    let reporter = Reporter::for_stderr();
    let uploader = uploader.options(options).on_progress(reporter.callback());
    let stopped = |error| {
        Box::new(Stopped {
            error,
            checkpoint: checkpoint.clone(),
            command: command_line::as_typed(),
        })
    };
    let upload = async {
        match issued {
            Some(credential) => uploader.upload_issued(&absolute, credential).await,
            None => {
                let name = absolute
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut req = UploadRequest::new(name.clone())
                    .title(args.title.unwrap_or(name))
                    .tags(args.tags);
                req.description = args.description;
                req.file_size = Some(size);
                uploader.upload_file(&absolute, req).await
            }
        }
    };
    tokio::pin!(upload);
    let result = tokio::select! {
        result = &mut upload => result,
        signal = tokio::signal::ctrl_c() => match signal {
            Ok(()) => {
                reporter.finish(false);
                return Err(Failure::Interrupted(stopped(None)));
            }
            // Without a Ctrl-C handler the default one stays: the upload just runs on.
            Err(_) => upload.await,
        },
    };
    match result {
        Ok(outcome) => {
            reporter.finish(true);
            let text = if args.json {
                output::upload_json(&outcome, &absolute)?
            } else {
                output::upload_summary(&outcome, &absolute)
            };
            output::print(&text)
        }
        Err(error) => {
            reporter.finish(false);
            Err(Failure::Upload(stopped(Some(error))))
        }
    }
}

/// `vod upload --abort --checkpoint PATH`.
async fn abort(config: Option<&Path>, checkpoint: &Path, json: bool) -> Result<(), Failure> {
    // Read first: a missing or foreign checkpoint is a clear error before any vendor call, and
    // its media id is what the result names.
    let record = Checkpoint::load(checkpoint)?.ok_or_else(|| {
        Failure::Usage(format!(
            "checkpoint {} does not exist: nothing to abort",
            checkpoint.display()
        ))
    })?;
    let config = Config::discover(config)?;
    FileUploader::from_config(&config)?
        .abort(checkpoint)
        .await?;
    let text = if json {
        let value = serde_json::json!({
            "aborted": true,
            "media_id": record.media_id(),
            "provider": record.provider(),
            "checkpoint": checkpoint.to_string_lossy(),
        });
        let mut text = serde_json::to_string_pretty(&value).map_err(Failure::Encode)?;
        text.push('\n');
        text
    } else {
        format!(
            "aborted the upload of media {} to {}; removed {}\n",
            record.media_id(),
            record.provider(),
            checkpoint.display()
        )
    };
    output::print(&text)
}

/// The file's absolute path and size, or exit 2: missing, not a regular file, or unreadable.
fn inspect(file: &Path) -> Result<(PathBuf, u64), Failure> {
    let unreadable =
        |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", file.display()));
    let absolute = std::fs::canonicalize(file).map_err(unreadable)?;
    let meta = std::fs::metadata(&absolute).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(Failure::Usage(format!(
            "cannot upload {}: not a regular file",
            file.display()
        )));
    }
    // Opening proves it readable (permissions), without reading a byte.
    std::fs::File::open(&absolute).map_err(unreadable)?;
    Ok((absolute, meta.len()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Args;

    /// What `--help` states as defaults is what the library uses without them.
    #[test]
    fn the_defaults_in_help_are_the_librarys() {
        let args = Args::try_parse_from(["vod", "upload", "clip.mp4"]).unwrap();
        let upload = args.upload().expect("an upload command");
        assert_eq!(upload.part_size, vod::upload::DEFAULT_PART_SIZE);
        assert_eq!(
            usize::from(upload.concurrency),
            vod::upload::DEFAULT_CONCURRENCY
        );
    }
}

//! Command-line arguments and what each command does.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};
use vod::{Config, RefreshRequest, UploadCredential, UploadRequest};

use crate::failure::Failure;
use crate::output;
use crate::upload::{self, UploadArgs};

/// Issue and refresh video-upload credentials with Aliyun VOD or Wangsu Cloud VoD, and upload
/// files with them.
///
/// The vendor comes from the config file (`provider = "aliyun"` or `"wangsu"`): --config FILE,
/// else the file named by VOD_CONFIG, else environment variables alone (VOD_PROVIDER plus the
/// vendor's key variables).
#[derive(Debug, Parser)]
#[command(name = "vod", version, propagate_version = true)]
pub struct Args {
    /// The TOML config file (default: $VOD_CONFIG, else the environment).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an upload for a new video and print its credential.
    Create(CreateArgs),
    /// Refresh the credential of an upload created earlier.
    Refresh(RefreshArgs),
    /// Upload a file as a new video (or with --from, to a video created earlier), resumably.
    ///
    /// Running the same command again after a failure, Ctrl-C or a kill resumes the upload.
    Upload(UploadArgs),
    /// Run the local emulator of both vendors (for tests and trying things out).
    Emulator(vod::emulator::cli::Args),
}

#[derive(Debug, ClapArgs)]
struct CreateArgs {
    /// The source file name, with extension (e.g. clip.mp4).
    #[arg(long, value_name = "NAME")]
    file_name: String,
    /// The video title (default: the file name without extension).
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// The file size in bytes.
    #[arg(long, value_name = "N")]
    file_size: Option<u64>,
    /// A description of the video.
    #[arg(long, value_name = "D")]
    description: Option<String>,
    /// Comma-separated tags.
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    tags: Vec<String>,
    /// A resume id, so an interrupted upload can continue (Wangsu fileId).
    #[arg(long, value_name = "ID")]
    resume_id: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, ClapArgs)]
struct RefreshArgs {
    /// A credential as printed by `create --json` (a file, or - for standard input).
    #[arg(
        long,
        value_name = "FILE|-",
        required_unless_present = "video_id",
        conflicts_with = "video_id"
    )]
    from: Option<String>,
    /// The media id to refresh (enough for Aliyun; Wangsu also needs --file-name and --resume-id).
    #[arg(long, value_name = "ID")]
    video_id: Option<String>,
    /// With --video-id: the original file name (Wangsu).
    #[arg(long, value_name = "NAME", requires = "video_id")]
    file_name: Option<String>,
    /// With --video-id: the original resume id (Wangsu).
    #[arg(long, value_name = "ID", requires = "video_id")]
    resume_id: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, ClapArgs)]
struct OutputArgs {
    /// Print the credential as JSON for handing to an uploader. THIS INCLUDES THE SECRETS (STS key
    /// secret and token, or the upload token). Without it, a summary with secrets redacted.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// The arguments of `vod upload`, when that is the command.
    #[cfg(test)]
    pub fn upload(&self) -> Option<&UploadArgs> {
        match &self.command {
            Command::Upload(u) => Some(u),
            _ => None,
        }
    }
}

/// Runs the command.
pub async fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Create(c) => {
            let provider = vod::provider_from_config(&Config::discover(args.config.as_deref())?)?;
            let mut req = UploadRequest::new(c.file_name).tags(c.tags);
            req.title = c.title;
            req.file_size = c.file_size;
            req.description = c.description;
            req.resume_id = c.resume_id;
            let cred = provider.create_upload(&req).await?;
            output::credential(&cred, c.output.json)?;
        }
        Command::Refresh(r) => {
            let request = match (&r.from, r.video_id) {
                (Some(from), _) => read_credential(from)?.refresh_request(),
                (None, Some(id)) => {
                    let mut req = RefreshRequest::new(id);
                    req.file_name = r.file_name;
                    req.resume_id = r.resume_id;
                    req
                }
                (None, None) => {
                    return Err(Failure::Usage("give --from FILE or --video-id ID".into()));
                }
            };
            let provider = vod::provider_from_config(&Config::discover(args.config.as_deref())?)?;
            let cred = provider.refresh_upload(&request).await?;
            output::credential(&cred, r.output.json)?;
        }
        Command::Upload(u) => upload::run(args.config.as_deref(), u).await?,
        Command::Emulator(e) => emulator(e).await?,
    }
    Ok(())
}

/// Runs the emulator until Ctrl-C or SIGTERM, printing its URLs through an output whose
/// failures are told apart from the emulator's own (a busy port).
async fn emulator(args: vod::emulator::cli::Args) -> Result<(), Failure> {
    let mut out = output::Stdout::default();
    let stop = vod::emulator::cli::stop_signal("vod emulator");
    match vod::emulator::cli::run_until(args, &mut out, stop).await {
        Ok(()) => Ok(()),
        Err(err) if out.failed() => Err(Failure::Output(err)),
        Err(err) => Err(Failure::Emulator(err)),
    }
}

/// The credential in `from` (a file, or - for standard input), or exit 2.
pub fn read_credential(from: &str) -> Result<UploadCredential, Failure> {
    let mut text = String::new();
    let read = if from == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(from).map(|t| text = t)
    };
    read.map_err(|e| Failure::Usage(format!("cannot read --from {from}: {e}")))?;
    // serde_json errors quote no input, only a position: safe even though the input holds secrets.
    serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(format!(
            "--from {from} is not a credential printed by `vod create --json`: {e}"
        ))
    })
}

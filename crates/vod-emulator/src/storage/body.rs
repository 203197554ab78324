//! Streaming a request body into checksums and (optionally) a file, with the in-transit faults
//! a storage request can suffer: damaged bytes, and a connection dropped mid-body.

use std::io;
use std::path::{Path, PathBuf};

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use super::digest::{Digests, Sums, Want};
use crate::server::ConnectionKiller;

/// Hash in pieces of at most this many bytes.
pub(crate) const BUFFER: usize = 64 * 1024;

/// Files are written and read back in pieces of this size: each `tokio::fs` call is a trip to
/// the blocking pool, and one per body frame (often 16 KiB) made thread switches a quarter of
/// the emulator's CPU while it spooled parts.
pub(crate) const FILE_BUFFER: usize = 1 << 20;

/// A file being written, buffered (see [`FILE_BUFFER`]).
pub(crate) type Spool = tokio::io::BufWriter<tokio::fs::File>;

/// Creates the file at `path` for writing, buffered.
pub(crate) async fn create(path: &Path) -> io::Result<Spool> {
    let file = tokio::fs::File::create(path).await?;
    Ok(tokio::io::BufWriter::with_capacity(FILE_BUFFER, file))
}

/// What can happen to the bytes on their way in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct InTransit {
    /// Flip every bit of the first byte of the body, as a bad link might: the host stores and
    /// reports the checksums of the altered bytes.
    pub(crate) damage: bool,
}

/// Why a body could not be received.
#[derive(Debug)]
pub(crate) enum ReceiveError {
    /// The client stopped sending (connection closed, malformed chunking).
    Client(String),
    /// More bytes than allowed.
    TooLarge,
    /// Writing our own file failed.
    Io(io::Error),
}

impl From<io::Error> for ReceiveError {
    fn from(error: io::Error) -> Self {
        ReceiveError::Io(error)
    }
}

/// A body received: its checksums and the file holding it, if one was asked for.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) sums: Sums,
    pub(crate) file: Option<PathBuf>,
}

/// Reads the first bytes of `body`, then closes the connection without an answer (the
/// "drop mid-body" fault, applied before any check so it fires whatever the request).
pub(crate) async fn drop_mid_body(mut body: Body, killer: &ConnectionKiller) -> ! {
    let _ = body.frame().await;
    killer.kill().await
}

/// Streams `body` (at most `limit` bytes) through fresh checksums (those `want` names), and also
/// through each of `also` (a multipart fold, a block's checksums), and when `file` is given into
/// that file (removed again on failure).
pub(crate) async fn receive(
    body: Body,
    file: Option<&Path>,
    limit: u64,
    transit: InTransit,
    want: Want,
    also: &mut [&mut Digests],
) -> Result<Received, ReceiveError> {
    let mut out = match file {
        Some(path) => Some(create(path).await?),
        None => None,
    };
    let digests = Digests::new(want);
    let result = pump(body, out.as_mut(), limit, transit, digests, also).await;
    if let Some(mut out) = out {
        let flushed = out.flush().await;
        if result.is_ok() {
            flushed?;
        }
    }
    match result {
        Ok(digests) => Ok(Received {
            sums: digests.finish(),
            file: file.map(Path::to_owned),
        }),
        Err(error) => {
            if let Some(path) = file {
                let _ = tokio::fs::remove_file(path).await;
            }
            Err(error)
        }
    }
}

async fn pump(
    mut body: Body,
    mut out: Option<&mut Spool>,
    limit: u64,
    transit: InTransit,
    mut digests: Digests,
    also: &mut [&mut Digests],
) -> Result<Digests, ReceiveError> {
    let mut damaged = false;
    loop {
        let frame = match body.frame().await {
            None => break,
            Some(Ok(frame)) => frame,
            Some(Err(error)) => return Err(ReceiveError::Client(error.to_string())),
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if data.is_empty() {
            continue;
        }
        if digests.size() + data.len() as u64 > limit {
            return Err(ReceiveError::TooLarge);
        }
        let mut data = data;
        if transit.damage && !damaged {
            let mut altered = data.to_vec();
            altered[0] ^= 0xFF;
            data = altered.into();
            damaged = true;
        }
        for piece in data.chunks(BUFFER) {
            digests.update(piece);
            also.iter_mut().for_each(|digests| digests.update(piece));
            if let Some(out) = out.as_mut() {
                out.write_all(piece).await?;
            }
        }
    }
    Ok(digests)
}

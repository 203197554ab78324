//! What an app sees of an upload: progress while it runs, an outcome when it ends.
//!
//! Progress moves when a part is stored (and once at the start, counting the parts a resumed
//! upload already has), not while bytes are on the wire: a part that fails and is resent must not
//! make the bar go backwards. The outcome holds nothing secret, so an app can print or log it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;

use super::storage::Checksum;

/// How far an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes stored so far.
    pub bytes_done: u64,
    /// Bytes in the file.
    pub bytes_total: u64,
    /// Parts stored so far.
    pub parts_done: u32,
    /// Parts in the plan.
    pub parts_total: u32,
}

/// A progress callback; it runs on the upload's task, so it should return quickly (send to a
/// channel, set an atomic).
pub(crate) type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// How an upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutcome {
    /// The provider (`"aliyun"`, `"wangsu"`).
    pub provider: String,
    /// The vendor's media id: the same on every resume of one upload.
    pub media_id: String,
    /// The object or file key at the vendor.
    pub key: String,
    /// Bytes stored.
    pub size: u64,
    /// Parts in the plan (1 for a whole-object upload).
    pub parts: u32,
    /// Parts a resumed upload found already stored and did not send again.
    pub parts_resumed: u32,
    /// Credential refreshes during this run.
    pub refreshes: u32,
    /// The most part buffers held at once (at most the concurrency).
    pub peak_buffers: usize,
    /// Time this run took.
    pub elapsed: Duration,
    /// The storage's checksum of the whole object, when it gave one.
    pub checksum: Option<Checksum>,
    /// Why a checkpoint found for this file was set aside and the upload started afresh.
    pub started_afresh: Option<String>,
}

/// Counts part buffers alive, and the most at once: the memory bound, observed.
#[derive(Debug, Default)]
pub(crate) struct BufferGauge {
    alive: AtomicUsize,
    peak: AtomicUsize,
}

impl BufferGauge {
    /// Holds `bytes` as one counted buffer until the returned value drops.
    pub(crate) fn hold(self: &Arc<Self>, bytes: Bytes) -> PartBuffer {
        let alive = self.alive.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(alive, Ordering::SeqCst);
        PartBuffer {
            bytes,
            gauge: self.clone(),
        }
    }

    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// A part's bytes, counted by a [`BufferGauge`] while alive.
#[derive(Debug)]
pub(crate) struct PartBuffer {
    pub(crate) bytes: Bytes,
    gauge: Arc<BufferGauge>,
}

impl Drop for PartBuffer {
    fn drop(&mut self) {
        self.gauge.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

//! What an app sees of an upload: progress while it runs, an outcome when it ends.
//!
//! Progress moves when a part is stored (and once at the start, counting the parts a resumed
//! upload already has), not while bytes are on the wire: a part that fails and is resent must not
//! make the bar go backwards. The outcome holds nothing secret, so an app can print or log it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};

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

/// Counts part buffers alive, and the most at once: the memory bound, observed. Also keeps the
/// buffers of parts already sent for the next reads: their pages are mapped already, so reading
/// a part neither zeroes nor faults in a fresh buffer (a tenth of an upload's CPU, measured).
/// A buffer is either alive or spare, and a new one is made only when none is spare, so the
/// two together never exceed the most alive at once.
#[derive(Debug, Default)]
pub(crate) struct BufferGauge {
    alive: AtomicUsize,
    peak: AtomicUsize,
    spare: Mutex<Vec<BytesMut>>,
}

impl BufferGauge {
    /// A buffer of `len` bytes to read a part into: a spare one (holding old bytes, to be
    /// overwritten) or a new one of zeros.
    pub(crate) fn buffer(&self, len: usize) -> BytesMut {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match spare {
            Some(mut buf) => {
                buf.resize(len, 0);
                buf
            }
            None => BytesMut::zeroed(len),
        }
    }

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
        // Kept only when no copy of the bytes is left (a request still holding one keeps it).
        if let Ok(buf) = std::mem::take(&mut self.bytes).try_into_mut() {
            if buf.capacity() > 0 {
                let mut spare = self.gauge.spare.lock().unwrap_or_else(|e| e.into_inner());
                spare.push(buf);
            }
        }
        self.gauge.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_part_buffer_is_read_into_again() {
        let gauge = Arc::new(BufferGauge::default());
        let first = gauge.hold(gauge.buffer(16).freeze());
        let address = first.bytes.as_ptr();
        let copy = first.bytes.clone();
        drop(first);
        // A copy was still alive: the buffer went with it, not to the spares.
        assert_ne!(gauge.buffer(16).as_ptr(), address);
        drop(copy);

        let second = gauge.hold(gauge.buffer(16).freeze());
        let address = second.bytes.as_ptr();
        drop(second);
        let mut again = gauge.buffer(10);
        assert_eq!(again.as_ptr(), address, "the spare buffer is reused");
        assert_eq!(again.len(), 10);
        again.resize(16, 1);
        let third = gauge.hold(again.freeze());
        let fourth = gauge.hold(gauge.buffer(16).freeze());
        assert_ne!(third.bytes.as_ptr(), fourth.bytes.as_ptr());
        assert_eq!(gauge.peak(), 2);
    }
}

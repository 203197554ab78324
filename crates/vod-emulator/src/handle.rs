//! Inspecting and steering a running emulator from the test that started it: call counters,
//! fault injection and the emulator's clock.
//!
//! An [`EmulatorHandle`] is cheap to clone and can outlive the borrow of the
//! [`Emulator`](crate::Emulator), so a test can move it into spawned tasks. The same controls are
//! reachable over HTTP under `/__emulator/` (see the [`admin`](crate#admin-paths) paths) for
//! programs that are not written in Rust.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::fault::{Fault, Vendor};
use crate::state::Shared;
use crate::storage::fault::StorageFault;
use crate::storage::{self, StoredObject};

/// An API operation whose calls are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Operation {
    /// Aliyun `CreateUploadVideo`.
    AliyunCreateUploadVideo,
    /// Aliyun `RefreshUploadVideo`.
    AliyunRefreshUploadVideo,
    /// Any other request to the Aliyun API (another or a missing `Action`).
    AliyunOther,
    /// Wangsu `getUploadToken`.
    WangsuGetUploadToken,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 4] = [
        Operation::AliyunCreateUploadVideo,
        Operation::AliyunRefreshUploadVideo,
        Operation::AliyunOther,
        Operation::WangsuGetUploadToken,
    ];

    /// The vendor whose API the operation belongs to.
    pub fn vendor(self) -> Vendor {
        match self {
            Operation::AliyunCreateUploadVideo
            | Operation::AliyunRefreshUploadVideo
            | Operation::AliyunOther => Vendor::Aliyun,
            Operation::WangsuGetUploadToken => Vendor::Wangsu,
        }
    }

    fn index(self) -> usize {
        match self {
            Operation::AliyunCreateUploadVideo => 0,
            Operation::AliyunRefreshUploadVideo => 1,
            Operation::AliyunOther => 2,
            Operation::WangsuGetUploadToken => 3,
        }
    }
}

/// One counter per [`Operation`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: [AtomicU64; Operation::ALL.len()],
}

impl Counters {
    /// Counts one call of `op`.
    pub(crate) fn record(&self, op: Operation) {
        self.calls[op.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self, op: Operation) -> u64 {
        self.calls[op.index()].load(Ordering::Relaxed)
    }

    fn reset(&self) {
        self.calls
            .iter()
            .for_each(|count| count.store(0, Ordering::Relaxed));
    }
}

/// Inspects and steers a running [`Emulator`](crate::Emulator). Cheap to clone; every clone acts
/// on the same emulator.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use vod_emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Operation, Vendor};
///
/// let emulator = Emulator::start(EmulatorConfig::default()).await?;
/// let handle = emulator.handle();
/// handle.inject(Fault::new(Vendor::Aliyun, FaultKind::DropConnection).times(2));
/// // ... run the client under test against emulator.aliyun_url() ...
/// assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 3); // two dropped, one retry
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EmulatorHandle {
    pub(crate) state: Arc<Shared>,
}

impl EmulatorHandle {
    /// Queues `fault` behind the other faults queued for its vendor. It applies to the vendor's
    /// next `fault.times` API requests (admin paths excluded), before authentication.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Forgets every queued fault of both vendors.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// The faults still queued, each with the uses it has left (Aliyun's first, then Wangsu's,
    /// each in the order they will apply).
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.state.faults.pending()
    }

    /// How many requests for `op` have reached the emulator since start or the last
    /// [`reset_counters`](Self::reset_counters).
    ///
    /// A request is counted as soon as it is routed to the operation: Aliyun requests to `/`
    /// (the operation is read from `Action` or `x-acs-action`; any other or missing action counts
    /// as [`Operation::AliyunOther`]) and Wangsu `GET`/`POST` requests to
    /// `/vod/videoManage/getUploadToken`. It is counted before faults, authentication and
    /// validation, so faulted, rejected and failed calls all count: each one reached the server.
    /// Admin requests and requests to unknown paths are not counted.
    pub fn calls(&self, op: Operation) -> u64 {
        self.state.counters.get(op)
    }

    /// The sum of [`calls`](Self::calls) over every operation.
    pub fn total_calls(&self) -> u64 {
        Operation::ALL.iter().map(|&op| self.calls(op)).sum()
    }

    /// The videos `vendor`'s server holds: Aliyun, every video created; Wangsu, every upload
    /// created with a resume id (`fileId`). Tells a test whether a retried create made a second one.
    pub fn videos(&self, vendor: Vendor) -> usize {
        match vendor {
            Vendor::Aliyun => self.state.aliyun.video_count(),
            Vendor::Wangsu => self.state.wangsu.video_count(),
        }
    }

    /// Sets every call counter back to zero.
    pub fn reset_counters(&self) {
        self.state.counters.reset();
    }

    /// Runs the emulator's clock `skew` ahead of the system clock (behind when negative); zero
    /// restores it. The skewed clock decides timestamp checks, issued expiry times and the
    /// `Date` response header, which is how a client's clock-skew correction is tested.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// # let emulator = vod_emulator::Emulator::start(Default::default()).await?;
    /// // The vendor's clock is 20 minutes ahead of ours: a client that trusts its own clock
    /// // gets InvalidTimeStamp.Expired until it corrects from the Date header.
    /// emulator.handle().set_clock_skew(time::Duration::minutes(20));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_clock_skew(&self, skew: time::Duration) {
        self.state.clock.set_skew(skew);
    }

    /// Every object the upload hosts stored, ordered by host, bucket and key.
    pub fn stored_objects(&self) -> Vec<StoredObject> {
        self.state.objects.list()
    }

    /// Where `object`'s bytes are on disk, unless the emulator keeps only digests.
    pub fn stored_file(&self, object: &StoredObject) -> Option<std::path::PathBuf> {
        storage::object_file(&self.state.objects, object)
    }

    /// Queues a fault for an upload host (see [`StorageFault`] for which requests it matches).
    pub fn inject_storage(&self, fault: StorageFault) {
        self.state.storage_faults.push(fault);
    }

    /// The storage faults still queued, in injection order.
    pub fn pending_storage_faults(&self) -> Vec<StorageFault> {
        self.state.storage_faults.pending()
    }

    /// Forgets every queued storage fault.
    pub fn clear_storage_faults(&self) {
        self.state.storage_faults.clear();
    }

    /// Expires every upload credential issued so far, now: OSS refuses the STS keys with
    /// `SecurityTokenExpired`, the Wangsu host the tokens with 401. Credentials issued later are
    /// unaffected, so a client that refreshes goes on.
    pub fn expire_upload_credentials(&self) {
        self.state.oss.expire_all(self.state.clock.now());
        self.state.wangsu.expire_tokens_issued_so_far();
    }
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("total_calls", &self.total_calls())
            .field("pending_faults", &self.pending_faults().len())
            .finish()
    }
}

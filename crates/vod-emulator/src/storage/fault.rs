//! Faults for the upload hosts, queued apart from the API faults of [`Fault`](crate::Fault) so
//! an upload test can break "part 3" without disturbing the credential calls around it.
//!
//! A storage request takes the first queued fault of its host that matches it: a fault with a
//! `part` matches only requests for that OSS part number (`UploadPart`) or Wangsu block index
//! (`mkblk` and the `bput`s of that block); a fault without one matches every request to the
//! host. Faults apply before authentication, like the API faults.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::StorageVendor;
use crate::state::lock;

/// One fault for an upload host: `kind` happens to the next `times` matching requests.
///
/// In JSON (`POST /__emulator/storage/faults`), `times` defaults to 1 and `part` to none:
///
/// ```
/// use vod_emulator::{StorageFault, StorageFaultKind, StorageVendor};
///
/// let fault: StorageFault = serde_json::from_str(
///     r#"{"host": "oss", "part": 2, "times": 3, "kind": {"type": "fail", "status": 503}}"#,
/// )
/// .unwrap();
/// assert_eq!(
///     fault,
///     StorageFault::new(StorageVendor::Oss, StorageFaultKind::Fail { status: 503 })
///         .part(2)
///         .times(3)
/// );
/// for kind in [
///     r#"{"type": "damage"}"#,
///     r#"{"type": "stall", "millis": 1500}"#,
///     r#"{"type": "drop_mid_body"}"#,
///     r#"{"type": "drop_answer"}"#,
/// ] {
///     let json = format!(r#"{{"host": "wangsu", "kind": {kind}}}"#);
///     assert_eq!(serde_json::from_str::<StorageFault>(&json).unwrap().times, 1);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageFault {
    /// Which upload host misbehaves.
    pub host: StorageVendor,
    /// Only requests for this OSS part number or Wangsu block index (0-based); `None`: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// How many matching requests this fault takes (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to them.
    pub kind: StorageFaultKind,
}

fn one() -> u32 {
    1
}

impl StorageFault {
    /// A fault for the next request to `host`.
    pub fn new(host: StorageVendor, kind: StorageFaultKind) -> Self {
        StorageFault {
            host,
            part: None,
            times: 1,
            kind,
        }
    }

    /// Only for requests of this part number (OSS) or block index (Wangsu).
    pub fn part(mut self, part: u32) -> Self {
        self.part = Some(part);
        self
    }

    /// For the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// What a storage fault does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StorageFaultKind {
    /// Answers this HTTP status with the host's error body (OSS: `InternalError` for 5xx,
    /// `ServiceUnavailable` for 503, `InjectedFault` otherwise; Wangsu: `{"code": status}`),
    /// without reading the body.
    Fail {
        /// The HTTP status (100..=999; anything else answers 500).
        status: u16,
    },
    /// Flips the bits of the body's first byte in transit: the host stores the altered bytes and
    /// answers their checksums, which the client must notice.
    Damage,
    /// Waits this many milliseconds before handling the request.
    Stall {
        /// The delay in milliseconds.
        millis: u64,
    },
    /// Closes the connection without an answer once the first bytes of the body arrived.
    DropMidBody,
    /// Handles the request in full (the host acts on it: stores the object, completes the
    /// upload), then closes the connection instead of answering: the lost answer after which a
    /// client cannot tell whether its request took effect.
    DropAnswer,
}

impl StorageFaultKind {
    /// The stall as a duration, if this is one.
    pub(crate) fn stall(&self) -> Option<Duration> {
        match self {
            StorageFaultKind::Stall { millis } => Some(Duration::from_millis(*millis)),
            _ => None,
        }
    }
}

/// The queued storage faults of both hosts, in injection order.
#[derive(Debug, Default)]
pub(crate) struct StorageFaults {
    queue: Mutex<Vec<StorageFault>>,
}

impl StorageFaults {
    pub(crate) fn push(&self, fault: StorageFault) {
        if fault.times > 0 {
            lock(&self.queue).push(fault);
        }
    }

    pub(crate) fn clear(&self) {
        lock(&self.queue).clear();
    }

    pub(crate) fn pending(&self) -> Vec<StorageFault> {
        lock(&self.queue).clone()
    }

    /// Uses the first fault for `host` that matches a request for `part`, if any.
    pub(crate) fn take(&self, host: StorageVendor, part: Option<u32>) -> Option<StorageFaultKind> {
        let mut queue = lock(&self.queue);
        let index = queue
            .iter()
            .position(|f| f.host == host && (f.part.is_none() || f.part == part))?;
        queue[index].times -= 1;
        let kind = queue[index].kind.clone();
        if queue[index].times == 0 {
            queue.remove(index);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targeted_faults_wait_for_their_part() {
        let faults = StorageFaults::default();
        faults.push(
            StorageFault::new(StorageVendor::Oss, StorageFaultKind::Fail { status: 500 })
                .part(3)
                .times(2),
        );
        faults.push(StorageFault::new(
            StorageVendor::Wangsu,
            StorageFaultKind::Damage,
        ));
        assert_eq!(faults.take(StorageVendor::Oss, Some(1)), None);
        assert_eq!(faults.take(StorageVendor::Oss, None), None);
        assert_eq!(
            faults.take(StorageVendor::Oss, Some(3)),
            Some(StorageFaultKind::Fail { status: 500 })
        );
        assert_eq!(faults.pending()[0].times, 1);
        assert_eq!(
            faults.take(StorageVendor::Wangsu, Some(9)),
            Some(StorageFaultKind::Damage)
        );
        assert!(faults.take(StorageVendor::Oss, Some(3)).is_some());
        assert!(faults.pending().is_empty());
    }
}

//! Replay protection: remembers what a vendor has already accepted (Aliyun signature nonces,
//! Wangsu request signatures) for as long as the vendor's timestamp window could accept the same
//! request again.
//!
//! Both vendors reject a replay only within their timestamp window; after it, the timestamp
//! check rejects the request anyway. So an entry is kept for the whole window on both sides of
//! now, and expired entries are swept when the map has doubled since the last sweep, which keeps
//! the cost per request constant on average without a background task.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::state::lock;

/// The smallest map size at which expired entries are swept.
const MIN_SWEEP_LEN: usize = 1024;

/// A set of keys, each forgotten `retention` after it was first recorded.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    retention: Duration,
    seen: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    expiry: HashMap<String, Instant>,
    sweep_at_len: usize,
}

impl ReplayGuard {
    /// A guard that remembers each key for `retention`.
    pub(crate) fn new(retention: Duration) -> Self {
        ReplayGuard {
            retention,
            seen: Mutex::new(Seen {
                expiry: HashMap::new(),
                sweep_at_len: MIN_SWEEP_LEN,
            }),
        }
    }

    /// Records `key`. Returns `false` when it was recorded before and is still remembered.
    pub(crate) fn first_use(&self, key: String) -> bool {
        let now = Instant::now();
        let mut seen = lock(&self.seen);
        if seen.expiry.len() >= seen.sweep_at_len {
            seen.expiry.retain(|_, expires| *expires > now);
            seen.sweep_at_len = MIN_SWEEP_LEN.max(seen.expiry.len() * 2);
        }
        match seen.expiry.entry(key) {
            Entry::Occupied(entry) if *entry.get() > now => false,
            Entry::Occupied(mut entry) => {
                entry.insert(now + self.retention);
                true
            }
            Entry::Vacant(entry) => {
                entry.insert(now + self.retention);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_within_retention_is_refused() {
        let guard = ReplayGuard::new(Duration::from_secs(60));
        assert!(guard.first_use("a".into()));
        assert!(!guard.first_use("a".into()));
        assert!(guard.first_use("b".into()));
    }

    #[test]
    fn expired_keys_may_be_used_again_and_are_swept() {
        let guard = ReplayGuard::new(Duration::ZERO);
        for i in 0..(MIN_SWEEP_LEN * 3) {
            assert!(guard.first_use(i.to_string()));
        }
        assert!(guard.first_use("0".into()));
        assert!(lock(&guard.seen).expiry.len() <= MIN_SWEEP_LEN + 1);
    }
}

//! Timestamps that never repeat a Wangsu signature.
//!
//! The gateway refuses a repeated signature, and a signature covers only the body, the host, the
//! content type and a timestamp in whole seconds. Two identical requests in the same second (a
//! refresh right after a create without options sends the same body; a quick retry sends the same
//! body again) would sign alike and the second would be refused. So the client asks
//! [`Timestamps::claim`] for the second to sign with: the clock's, or the next unused one when the
//! same body was already signed at that second or later, at most a minute ahead (the gateway
//! accepts 5 minutes). This is Wangsu's alone, which is why it is a file of its own.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};

/// The seconds each recent body was signed at, so that no signature repeats (see the module
/// docs). Shared by a provider's clones.
#[derive(Default)]
pub(crate) struct Timestamps(Mutex<Seen>);

#[derive(Default)]
struct Seen {
    /// The latest second each recent body (by SHA-256) was signed at.
    by_body: HashMap<[u8; 32], u64>,
    /// The second of the last sweep of stale entries.
    swept_at: u64,
}

impl std::fmt::Debug for Timestamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let recent = self.0.lock().map_or(0, |seen| seen.by_body.len());
        write!(f, "Timestamps {{ recent: {recent} }}")
    }
}

impl Timestamps {
    /// How far ahead of the clock a timestamp may be moved. A body last signed further ahead
    /// than this was signed by a clock since corrected backwards: `now` is used again.
    const MAX_AHEAD_SECS: u64 = 60;

    /// The timestamp to sign `body` with at `now`: `now`, or the second after the latest one
    /// this body was signed at when that is not in the past.
    pub(crate) fn claim(&self, body: &[u8], now: u64) -> u64 {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let ahead = |ts: u64| ts >= now && ts - now <= Self::MAX_AHEAD_SECS;
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Entries in the past cannot collide any more. Dropping them costs a pass over the map,
        // so it happens once a second, not once a call; a stale entry met before then is ignored.
        if seen.swept_at != now {
            seen.by_body.retain(|_, ts| ahead(*ts));
            seen.swept_at = now;
        }
        let timestamp = match seen.by_body.get(&digest) {
            Some(&last) if ahead(last) => last + 1,
            _ => now,
        };
        seen.by_body.insert(digest, timestamp);
        timestamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_signed_this_second_moves_to_the_next() {
        let t = Timestamps::default();
        assert_eq!(t.claim(b"a", 100), 100);
        assert_eq!(t.claim(b"b", 100), 100);
        assert_eq!(t.claim(b"a", 100), 101);
        assert_eq!(t.claim(b"a", 101), 102);
        assert_eq!(t.claim(b"a", 200), 200);
        // A clock corrected backwards by more than the limit starts again from the clock.
        assert_eq!(t.claim(b"a", 100), 100);
    }
}

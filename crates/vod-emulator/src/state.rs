//! The state the servers of one emulator share: keys, clock, fault queues, call counters and
//! each vendor's store of issued videos, STS keys, uploads in progress and stored objects.
//!
//! One `Arc<Shared>` is the axum state of every router and the inside of every
//! [`EmulatorHandle`](crate::EmulatorHandle), so steering through a handle or through any
//! server's admin path acts on the same emulator.

use std::collections::HashMap;
use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::Clock;
use crate::config::{AccessKey, EmulatorConfig};
use crate::fault::FaultQueues;
use crate::handle::Counters;
use crate::storage::ObjectStore;
use crate::storage::fault::StorageFaults;
use crate::{aliyun, oss, wangsu, wcs};

/// Everything a request handler may read or change.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The configured keys by id (a later key with the same id wins).
    pub(crate) keys: HashMap<String, AccessKey>,
    pub(crate) aliyun_credential_ttl: Duration,
    pub(crate) wangsu_token_ttl: Duration,
    /// The Wangsu upload host's base URL, handed out as `uploadUrl`.
    pub(crate) wangsu_url: String,
    /// The OSS host's base URL, handed out as the `UploadAddress` endpoint.
    pub(crate) oss_url: String,
    pub(crate) clock: Clock,
    pub(crate) faults: FaultQueues,
    pub(crate) counters: Counters,
    pub(crate) aliyun: aliyun::Store,
    pub(crate) wangsu: wangsu::Store,
    pub(crate) oss: oss::Store,
    pub(crate) wcs: wcs::Store,
    pub(crate) objects: ObjectStore,
    pub(crate) storage_faults: StorageFaults,
}

impl Shared {
    /// The state of an emulator started with `config` whose upload hosts are at `oss_url` and
    /// `wangsu_url`. Fails when the storage directory cannot be made.
    pub(crate) fn new(
        config: &EmulatorConfig,
        oss_url: String,
        wangsu_url: String,
    ) -> io::Result<Self> {
        Ok(Shared {
            keys: config
                .keys
                .iter()
                .map(|key| (key.id.clone(), key.clone()))
                .collect(),
            aliyun_credential_ttl: config.aliyun_credential_ttl,
            wangsu_token_ttl: config.wangsu_token_ttl,
            wangsu_url,
            oss_url,
            clock: Clock::default(),
            faults: FaultQueues::default(),
            counters: Counters::default(),
            aliyun: aliyun::Store::default(),
            wangsu: wangsu::Store::default(),
            oss: oss::Store::default(),
            wcs: wcs::Store::default(),
            objects: ObjectStore::new(&config.storage)?,
            storage_faults: StorageFaults::default(),
        })
    }
}

/// Locks `mutex`, ignoring poisoning: every critical section here leaves its data consistent,
/// so a panic elsewhere in a handler must not take the emulator down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

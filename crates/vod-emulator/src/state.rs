//! The state both servers of one emulator share: keys, clock, fault queues, call counters and
//! each vendor's store of issued videos.
//!
//! One `Arc<Shared>` is the axum state of both routers and the inside of every
//! [`EmulatorHandle`](crate::EmulatorHandle), so steering through a handle or through either
//! server's admin path acts on the same emulator.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::Clock;
use crate::config::{AccessKey, EmulatorConfig};
use crate::fault::FaultQueues;
use crate::handle::Counters;
use crate::{aliyun, wangsu};

/// Everything a request handler may read or change.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The configured keys by id (a later key with the same id wins).
    pub(crate) keys: HashMap<String, AccessKey>,
    pub(crate) aliyun_credential_ttl: Duration,
    pub(crate) wangsu_token_ttl: Duration,
    /// The Wangsu server's base URL, handed out as `uploadUrl`.
    pub(crate) wangsu_url: String,
    pub(crate) clock: Clock,
    pub(crate) faults: FaultQueues,
    pub(crate) counters: Counters,
    pub(crate) aliyun: aliyun::Store,
    pub(crate) wangsu: wangsu::Store,
}

impl Shared {
    /// The state of an emulator started with `config` whose Wangsu server is at `wangsu_url`.
    pub(crate) fn new(config: &EmulatorConfig, wangsu_url: String) -> Self {
        Shared {
            keys: config
                .keys
                .iter()
                .map(|key| (key.id.clone(), key.clone()))
                .collect(),
            aliyun_credential_ttl: config.aliyun_credential_ttl,
            wangsu_token_ttl: config.wangsu_token_ttl,
            wangsu_url,
            clock: Clock::default(),
            faults: FaultQueues::default(),
            counters: Counters::default(),
            aliyun: aliyun::Store::default(),
            wangsu: wangsu::Store::default(),
        }
    }
}

/// Locks `mutex`, ignoring poisoning: every critical section here leaves its data consistent,
/// so a panic elsewhere in a handler must not take the emulator down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

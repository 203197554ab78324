//! The settings every provider builder shares: HTTP timeouts, the clock, the nonce source and
//! an app's own HTTP client.
//!
//! They mean the same for every vendor, so they live here once: an adapter's builder embeds a
//! [`ClientOptions`], gets the same setters from [`client_options_setters!`](crate::client_options_setters)
//! and turns the options into its [`Transport`] with [`ClientOptions::transport`]. A third
//! adapter copies three lines, not four setters and their wiring.

use std::sync::Arc;

use crate::config::HttpConfig;
use crate::raw::transport::Transport;
use crate::raw::{HttpClient, NonceSource};
use crate::{Clock, Result};

/// HTTP settings, clock, nonces and HTTP client of one provider. Unset parts take the defaults:
/// [`HttpConfig::default`], the system clock, random nonces, a client built from the timeouts.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    http: HttpConfig,
    clock: Option<Arc<dyn Clock>>,
    nonces: Option<Arc<dyn NonceSource>>,
    client: Option<Arc<dyn HttpClient>>,
}

impl ClientOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the timeouts.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Reads time from `clock` instead of the system clock (skew correction still applies).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Takes nonces from `nonces` instead of random UUIDs.
    pub fn nonces(mut self, nonces: Arc<dyn NonceSource>) -> Self {
        self.nonces = Some(nonces);
        self
    }

    /// Sends through `client` (its own timeouts, proxies and TLS settings then apply).
    pub fn http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.client = Some(client);
        self
    }

    /// A transport for `provider` with these options (checks the HTTP settings).
    pub fn transport(&self, provider: &'static str) -> Result<Transport> {
        let mut transport = Transport::new(provider, &self.http)?;
        if let Some(clock) = &self.clock {
            transport = transport.with_clock(Arc::clone(clock));
        }
        if let Some(nonces) = &self.nonces {
            transport = transport.with_nonces(Arc::clone(nonces));
        }
        if let Some(client) = &self.client {
            transport = transport.with_client(Arc::clone(client));
        }
        Ok(transport)
    }
}

/// Writes the [`ClientOptions`] setters (`http`, `clock`, `nonces`, `http_client`) into a
/// builder's `impl` block, delegating to its field `$field: ClientOptions`, so that every
/// provider builder has the same four setters with the same docs.
///
/// ```
/// use vod_core::raw::ClientOptions;
///
/// #[derive(Default)]
/// pub struct MyProviderBuilder {
///     options: ClientOptions,
/// }
///
/// impl MyProviderBuilder {
///     vod_core::client_options_setters!(options);
/// }
///
/// let builder = MyProviderBuilder::default().http(Default::default());
/// # let _ = builder;
/// ```
#[macro_export]
macro_rules! client_options_setters {
    ($field:ident) => {
        /// Sets the timeouts (config `[http]`).
        pub fn http(mut self, http: $crate::config::HttpConfig) -> Self {
            self.$field = self.$field.http(http);
            self
        }

        /// Reads time from `clock` instead of the system clock (tests, signature vectors; skew
        /// correction still applies).
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.$field = self.$field.clock(clock);
            self
        }

        /// Takes nonces from `nonces` instead of random UUIDs.
        pub fn nonces(mut self, nonces: ::std::sync::Arc<dyn $crate::raw::NonceSource>) -> Self {
            self.$field = self.$field.nonces(nonces);
            self
        }

        /// Sends through `client` (its own timeouts, proxies and TLS settings then apply); see
        /// `vod_core::raw::HttpClient` for a client of your own.
        pub fn http_client(
            mut self,
            client: ::std::sync::Arc<dyn $crate::raw::HttpClient>,
        ) -> Self {
            self.$field = self.$field.http_client(client);
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use time::macros::datetime;

    #[test]
    fn the_transport_reads_the_given_clock_and_checks_the_http_settings() {
        let at = datetime!(2024-01-02 03:04:05 UTC);
        let transport = ClientOptions::new()
            .clock(Arc::new(FixedClock(at)))
            .transport("test")
            .unwrap();
        assert_eq!(transport.clock().now(), at);
        assert_eq!(transport.provider(), "test");
        let http = HttpConfig {
            timeout_secs: 0,
            ..HttpConfig::default()
        };
        let err = ClientOptions::new()
            .http(http)
            .transport("test")
            .unwrap_err();
        assert_eq!(err.field(), Some("http.timeout_secs"));
    }
}

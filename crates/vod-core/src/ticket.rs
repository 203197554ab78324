//! Refresh tickets: proof that a refresh asks for an upload this service created.
//!
//! A credential service hands credentials to clients it cannot trust. When a client comes back to
//! refresh, whatever it sends may be forged: a media id it guessed, a credential it made up. So the
//! service answers a create with an opaque ticket, an HMAC-SHA256 under a secret only the service
//! holds, over what a refresh needs (provider, media id, file name, resume id) and when it was
//! issued. A refresh is then rebuilt from what the ticket authenticates, never from client fields.
//!
//! The ticket is `base64url(payload || mac)`, with a version byte first in the payload so the format
//! can change without misreading old tickets. It is not encrypted: it carries nothing the client
//! does not already hold in its credential. The MAC is compared in constant time.
//!
//! ```
//! use vod_core::ticket::{TicketIssuer, TicketKey};
//! use vod_core::RefreshRequest;
//!
//! let issuer = TicketIssuer::new(TicketKey::new("a service secret of at least 32 bytes!!")?);
//! let ticket = issuer.issue_for("aliyun", "video-1", "clip.mp4", None);
//! let checked = issuer.verify(&ticket, "aliyun")?;
//! assert_eq!(checked.refresh_request().media_id, "video-1");
//! // A ticket is bound to its provider.
//! assert!(issuer.verify(&ticket, "wangsu").is_err());
//! # Ok::<(), vod_core::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::{
    Clock, Error, ErrorKind, RefreshRequest, Result, Secret, SystemClock, UploadCredential,
};

/// How long a ticket is accepted after it was issued, unless configured otherwise.
pub const DEFAULT_LIFETIME: Duration = Duration::hours(24);

/// The shortest service secret accepted, in bytes: the HMAC-SHA256 output size.
pub const MIN_KEY_BYTES: usize = 32;

/// The longest ticket read; anything longer is refused before decoding.
const MAX_TICKET_CHARS: usize = 4096;

/// The format version, the first payload byte.
const VERSION: u8 = 1;

/// Separates ticket MACs from any other use of the same secret.
const DOMAIN: &[u8] = b"vod refresh ticket\0";

/// A ticket issued this far in the future (by our clock) is refused: it was not ours.
const FUTURE_SLACK: Duration = Duration::minutes(1);

const MAC_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The service secret tickets are signed with. Formatting never shows it.
#[derive(Clone)]
pub struct TicketKey(Secret);

impl TicketKey {
    /// A key from a configured secret of at least [`MIN_KEY_BYTES`] bytes.
    pub fn new(secret: impl Into<Secret>) -> Result<Self> {
        let secret = secret.into();
        if secret.expose().len() < MIN_KEY_BYTES {
            return Err(Error::config(
                "ticket secret",
                format!("must be at least {MIN_KEY_BYTES} bytes long"),
            ));
        }
        Ok(Self(secret))
    }

    /// A random key. Tickets signed with it die with the process and are not accepted by another
    /// instance: fine for one process in development, wrong behind a load balancer.
    pub fn random() -> Self {
        let mut bytes = [0u8; MIN_KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
    }

    fn mac(&self) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.0.expose().as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(DOMAIN);
        mac
    }
}

impl fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketKey({})", crate::secret::REDACTED)
    }
}

/// What a valid ticket authenticates: the upload a refresh may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshTicket {
    /// The provider that created the upload.
    pub provider: String,
    /// The vendor's media id.
    pub media_id: String,
    /// The original file name (Wangsu refreshes with it).
    pub file_name: String,
    /// The resume id the upload was created with, if any.
    pub resume_id: Option<String>,
    /// When the ticket was issued, to the second.
    pub issued_at: OffsetDateTime,
}

impl RefreshTicket {
    /// The refresh of exactly the upload this ticket names.
    pub fn refresh_request(&self) -> RefreshRequest {
        RefreshRequest {
            provider: Some(self.provider.clone()),
            media_id: self.media_id.clone(),
            file_name: Some(self.file_name.clone()),
            resume_id: self.resume_id.clone(),
        }
    }

    /// Fails unless `credential` names the same upload: a client that sends a credential along
    /// with its ticket must not be able to steer the refresh elsewhere.
    pub fn check_matches(&self, credential: &UploadCredential) -> Result<()> {
        let disagrees = [
            ("provider", credential.provider == self.provider),
            ("media_id", credential.media_id == self.media_id),
            ("file_name", credential.file_name == self.file_name),
            ("resume_id", credential.resume_id == self.resume_id),
        ]
        .into_iter()
        .find(|(_, same)| !same);
        match disagrees {
            Some((field, _)) => Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "the credential's `{field}` is not the one the refresh ticket was issued for"
                ),
            )),
            None => Ok(()),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&self.issued_at.unix_timestamp().to_be_bytes());
        for field in [&self.provider, &self.media_id, &self.file_name] {
            put(&mut out, field);
        }
        match &self.resume_id {
            Some(id) => {
                out.push(1);
                put(&mut out, id);
            }
            None => out.push(0),
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(1)? != [VERSION] {
            return None;
        }
        let secs = i64::from_be_bytes(r.take(8)?.try_into().ok()?);
        let issued_at = OffsetDateTime::from_unix_timestamp(secs).ok()?;
        let provider = r.string()?;
        let media_id = r.string()?;
        let file_name = r.string()?;
        let resume_id = match r.take(1)? {
            [0] => None,
            [1] => Some(r.string()?),
            _ => return None,
        };
        r.0.is_empty().then_some(Self {
            provider,
            media_id,
            file_name,
            resume_id,
            issued_at,
        })
    }
}

fn put(out: &mut Vec<u8>, field: &str) {
    // Vendor ids and file names are far below 4 GiB; a longer field would be cut, and its ticket
    // would then fail to decode rather than authenticate something else.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field.as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn string(&mut self) -> Option<String> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?);
        let bytes = self.take(usize::try_from(len).ok()?)?;
        String::from_utf8(bytes.to_vec()).ok()
    }
}

/// Issues and verifies refresh tickets under one [`TicketKey`].
#[derive(Debug, Clone)]
pub struct TicketIssuer {
    key: TicketKey,
    lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl TicketIssuer {
    /// An issuer with the default lifetime and the system clock.
    pub fn new(key: TicketKey) -> Self {
        Self {
            key,
            lifetime: DEFAULT_LIFETIME,
            clock: Arc::new(SystemClock),
        }
    }

    /// Accepts tickets for `lifetime` after they were issued.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Reads time from `clock`, for issuing and for judging expiry.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// A ticket for refreshing the upload `credential` belongs to. Call it only with a credential a
    /// provider issued, never with one a client sent.
    pub fn issue(&self, credential: &UploadCredential) -> String {
        self.issue_for(
            &credential.provider,
            &credential.media_id,
            &credential.file_name,
            credential.resume_id.as_deref(),
        )
    }

    /// A ticket for refreshing the upload of `media_id`, created by `provider`.
    pub fn issue_for(
        &self,
        provider: &str,
        media_id: &str,
        file_name: &str,
        resume_id: Option<&str>,
    ) -> String {
        let now = self.clock.now();
        let ticket = RefreshTicket {
            provider: provider.to_owned(),
            media_id: media_id.to_owned(),
            file_name: file_name.to_owned(),
            resume_id: resume_id.map(str::to_owned),
            // Whole seconds: that is what the payload keeps.
            issued_at: now.replace_nanosecond(0).unwrap_or(now),
        };
        let mut bytes = ticket.encode();
        let mut mac = self.key.mac();
        mac.update(&bytes);
        bytes.extend_from_slice(&mac.finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What `ticket` authenticates, if it was issued by this key for `provider` and has not
    /// expired.
    ///
    /// A ticket that is malformed, altered, signed under another key or expired is
    /// [`ErrorKind::Unauthenticated`]; a genuine ticket for another provider is
    /// [`ErrorKind::PermissionDenied`]. No error quotes the ticket or the key.
    pub fn verify(&self, ticket: &str, provider: &str) -> Result<RefreshTicket> {
        let invalid = || {
            Error::new(
                ErrorKind::Unauthenticated,
                "the refresh ticket is not valid: it was not issued by this service or was altered",
            )
        };
        if ticket.len() > MAX_TICKET_CHARS {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(ticket).map_err(|_| invalid())?;
        if bytes.len() <= MAC_BYTES {
            return Err(invalid());
        }
        let (payload, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
        let mut mac = self.key.mac();
        mac.update(payload);
        mac.verify_slice(tag).map_err(|_| invalid())?;
        let checked = RefreshTicket::decode(payload).ok_or_else(invalid)?;
        let now = self.clock.now();
        if checked.issued_at > now + FUTURE_SLACK {
            return Err(invalid());
        }
        if now - checked.issued_at > self.lifetime {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the refresh ticket has expired: create the upload again",
            ));
        }
        if checked.provider != provider {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "the refresh ticket is for an upload of another provider than `{provider}`"
                ),
            ));
        }
        Ok(checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use time::macros::datetime;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn issuer_at(at: OffsetDateTime) -> TicketIssuer {
        TicketIssuer::new(TicketKey::new(KEY).unwrap()).clock(Arc::new(FixedClock(at)))
    }

    #[test]
    fn a_ticket_round_trips_what_a_refresh_needs() {
        let issuer = issuer_at(datetime!(2026-01-01 00:00:00.5 UTC));
        let ticket = issuer.issue_for("wangsu", "v1", "a.mp4", Some("r1"));
        let checked = issuer.verify(&ticket, "wangsu").unwrap();
        assert_eq!(
            checked.refresh_request(),
            RefreshRequest::new("v1")
                .provider("wangsu")
                .file_name("a.mp4")
                .resume_id("r1")
        );
        assert_eq!(checked.issued_at, datetime!(2026-01-01 00:00:00 UTC));
    }

    #[test]
    fn any_altered_byte_is_refused() {
        let issuer = issuer_at(datetime!(2026-01-01 00:00:00 UTC));
        let ticket = issuer.issue_for("aliyun", "v1", "a.mp4", None);
        let bytes = URL_SAFE_NO_PAD.decode(&ticket).unwrap();
        for i in 0..bytes.len() {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            let err = issuer
                .verify(&URL_SAFE_NO_PAD.encode(altered), "aliyun")
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated, "byte {i}");
        }
        for bad in ["", "!!", "AAAA", &"A".repeat(MAX_TICKET_CHARS + 1)] {
            let err = issuer.verify(bad, "aliyun").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{bad:.10}");
        }
    }

    #[test]
    fn another_key_another_provider_and_age_are_refused() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        let issuer = issuer_at(at).lifetime(Duration::hours(1));
        let ticket = issuer.issue_for("aliyun", "v1", "a.mp4", None);

        let other = TicketIssuer::new(TicketKey::new("another key, also 32 bytes long!!").unwrap())
            .clock(Arc::new(FixedClock(at)));
        let err = other.verify(&ticket, "aliyun").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);

        let err = issuer.verify(&ticket, "wangsu").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);

        let later = issuer_at(at + Duration::hours(1)).lifetime(Duration::hours(1));
        assert!(later.verify(&ticket, "aliyun").is_ok());
        let too_late = issuer_at(at + Duration::seconds(3601)).lifetime(Duration::hours(1));
        let err = too_late.verify(&ticket, "aliyun").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        assert!(err.to_string().contains("expired"), "{err}");

        let earlier = issuer_at(at - Duration::minutes(2));
        assert!(earlier.verify(&ticket, "aliyun").is_err());
    }

    #[test]
    fn a_credential_that_disagrees_with_its_ticket_is_refused() {
        let issuer = issuer_at(datetime!(2026-01-01 00:00:00 UTC));
        let cred = crate::credential::tests::sample_wangsu();
        let checked = issuer.verify(&issuer.issue(&cred), "wangsu").unwrap();
        checked.check_matches(&cred).unwrap();
        let mut other = cred.clone();
        other.media_id = "someone-elses".into();
        let err = checked.check_matches(&other).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("media_id"), "{err}");
        let mut other = cred;
        other.resume_id = None;
        assert!(checked.check_matches(&other).is_err());
    }

    #[test]
    fn keys_are_long_enough_and_never_shown() {
        assert_eq!(
            TicketKey::new("short").unwrap_err().kind(),
            ErrorKind::Config
        );
        let key = TicketKey::new(KEY).unwrap();
        let issuer = TicketIssuer::new(key.clone());
        let shown = format!("{key:?} {issuer:?}");
        assert!(!shown.contains(KEY), "{shown}");
        let err = issuer.verify("AAAA", "aliyun").unwrap_err();
        assert!(!format!("{err} {err:?}").contains(KEY));
        assert_ne!(
            TicketKey::random().0.expose(),
            TicketKey::random().0.expose()
        );
    }
}

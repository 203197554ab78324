//! Secret strings that cannot leak through formatting.
//!
//! Access-key secrets, STS secrets and tokens and upload tokens all travel through this library as
//! [`Secret`]. `Debug` and `Display` print a fixed placeholder, so a secret cannot reach a log line,
//! an error message or a panic message by accident. Reading the value is an explicit call to
//! [`Secret::expose`]; serialising it with serde is the other explicit act, used to hand a
//! credential to an uploader or to store it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The text printed in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// A secret string: formatting redacts it, [`Secret::expose`] reveals it.
///
/// ```
/// use vod_core::Secret;
/// let s = Secret::new("wJalrXUtnFEMI");
/// assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
/// assert_eq!(s.expose(), "wJalrXUtnFEMI");
/// ```
///
/// Serialising a `Secret` writes the real value: that is how a credential is handed to a client.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value. Every call site is a place where the secret leaves its wrapper.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

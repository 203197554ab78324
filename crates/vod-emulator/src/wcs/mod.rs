//! The emulated Wangsu storage upload host.

use std::sync::Arc;

use axum::Router;

use crate::state::Shared;

/// The Wangsu upload host's routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
}

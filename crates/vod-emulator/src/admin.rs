//! The admin paths under `/__emulator/`, served by every server, so programs that are not
//! written in Rust (the SDK cross-checks, the CLI's users) can steer the emulator too.
//!
//! They act through an [`EmulatorHandle`] on the same state, so they behave exactly like the
//! handle's methods. They need no signature, take no faults and are not counted. Either server
//! accepts faults for either vendor: the vendor is named in the fault.
//!
//! The paths and their answers are listed in the [crate docs](crate#admin-paths).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::fault::Fault;
use crate::handle::{EmulatorHandle, Operation};
use crate::state::Shared;
use crate::storage::StoredObject;
use crate::storage::fault::StorageFault;

/// The admin routes, to merge into each vendor's router.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/__emulator/faults",
            get(list_faults).post(inject_fault).delete(clear_faults),
        )
        .route("/__emulator/calls", get(calls).delete(reset_calls))
        .route("/__emulator/storage", get(stored_objects))
        .route(
            "/__emulator/storage/faults",
            get(list_storage_faults)
                .post(inject_storage_fault)
                .delete(clear_storage_faults),
        )
        .route(
            "/__emulator/storage/expire",
            axum::routing::post(expire_upload_credentials),
        )
}

async fn stored_objects(State(shared): State<Arc<Shared>>) -> Json<Vec<StoredObject>> {
    Json(handle(shared).stored_objects())
}

async fn inject_storage_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<StorageFault>(&body) {
        Ok(fault) => {
            handle(shared).inject_storage(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("not a storage fault: {error}") })),
        )
            .into_response(),
    }
}

async fn list_storage_faults(State(shared): State<Arc<Shared>>) -> Json<Vec<StorageFault>> {
    Json(handle(shared).pending_storage_faults())
}

async fn clear_storage_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    handle(shared).clear_storage_faults();
    StatusCode::NO_CONTENT
}

async fn expire_upload_credentials(State(shared): State<Arc<Shared>>) -> StatusCode {
    handle(shared).expire_upload_credentials();
    StatusCode::NO_CONTENT
}

fn handle(shared: Arc<Shared>) -> EmulatorHandle {
    EmulatorHandle { state: shared }
}

async fn inject_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let problem = match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => match fault.problem() {
            None => {
                handle(shared).inject(fault);
                return StatusCode::NO_CONTENT.into_response();
            }
            Some(problem) => problem,
        },
        Err(error) => format!("not a fault: {error}"),
    };
    (StatusCode::BAD_REQUEST, Json(json!({ "error": problem }))).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Json<Vec<Fault>> {
    Json(handle(shared).pending_faults())
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    handle(shared).clear_faults();
    StatusCode::NO_CONTENT
}

async fn calls(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let handle = handle(shared);
    let calls: Map<String, Value> = Operation::ALL
        .iter()
        .map(|&op| (operation_name(op), Value::from(handle.calls(op))))
        .collect();
    Json(json!({ "calls": calls, "total": handle.total_calls() }))
}

/// The operation's serde name, e.g. `AliyunCreateUploadVideo`.
fn operation_name(op: Operation) -> String {
    match serde_json::to_value(op) {
        Ok(Value::String(name)) => name,
        _ => format!("{op:?}"),
    }
}

async fn reset_calls(State(shared): State<Arc<Shared>>) -> StatusCode {
    handle(shared).reset_counters();
    StatusCode::NO_CONTENT
}

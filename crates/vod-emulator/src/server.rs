//! Starting, serving and stopping the four HTTP servers of an emulator.
//!
//! Each vendor API and each upload host gets its own listener, because clients are configured
//! with one base URL per vendor API or upload host, each with its own fixed paths (an OSS
//! object path could be anything). The servers run our own accept loop on hyper rather
//! than `axum::serve`: only the owner of the connection can close it without a response, which is
//! what the [`DropConnection`](crate::FaultKind::DropConnection) fault needs. Every request
//! carries a [`ConnectionKiller`] for its connection; the fault code fires it and the connection
//! task drops the socket.
//!
//! Every response gets a `Date` header from the emulator's (possibly skewed) clock, which
//! clients use to correct their own clock.

use std::io;
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::clock::http_date;
use crate::config::EmulatorConfig;
use crate::handle::EmulatorHandle;
use crate::state::Shared;
use crate::{admin, aliyun, oss, wangsu, wcs};

/// Binds `addr` for `vendor`'s API. The OS error alone ("Address already in use") does not say
/// which of the two ports is taken.
async fn bind(addr: SocketAddr, vendor: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("cannot listen on {addr} for the {vendor} API: {err}"),
        )
    })
}

/// How long [`Emulator::shutdown`] lets requests in flight finish before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// A running emulator on loopback: the Aliyun VOD and Wangsu Cloud VoD APIs, and the OSS and
/// Wangsu storage upload hosts.
///
/// Dropping it stops all four servers at once (their tasks are aborted); [`Emulator::shutdown`]
/// stops them gracefully and waits until the ports are closed.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use vod_emulator::{Emulator, EmulatorConfig};
///
/// let emulator = Emulator::start(EmulatorConfig::default()).await?;
/// println!("Aliyun at {}, Wangsu at {}", emulator.aliyun_url(), emulator.wangsu_url());
/// emulator.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Emulator {
    aliyun_addr: SocketAddr,
    wangsu_addr: SocketAddr,
    oss_addr: SocketAddr,
    wangsu_upload_addr: SocketAddr,
    handle: EmulatorHandle,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Binds the four servers (the two APIs and the two upload hosts) and starts serving in the
    /// background (on the current tokio runtime).
    ///
    /// Fails when an address cannot be bound (the error names the address and the API) or the
    /// storage directory cannot be made.
    pub async fn start(config: EmulatorConfig) -> io::Result<Emulator> {
        let aliyun_listener = bind(config.aliyun_addr, "Aliyun").await?;
        let wangsu_listener = bind(config.wangsu_addr, "Wangsu").await?;
        let oss_listener = bind(config.oss_addr, "OSS upload").await?;
        let wangsu_upload_listener = bind(config.wangsu_upload_addr, "Wangsu upload").await?;
        let aliyun_addr = reachable(aliyun_listener.local_addr()?);
        let wangsu_addr = reachable(wangsu_listener.local_addr()?);
        let oss_addr = reachable(oss_listener.local_addr()?);
        let wangsu_upload_addr = reachable(wangsu_upload_listener.local_addr()?);
        let shared = Arc::new(Shared::new(
            &config,
            base_url(oss_addr),
            base_url(wangsu_upload_addr),
        )?);
        let (shutdown, _) = watch::channel(false);
        let tasks = [
            (aliyun_listener, aliyun::router()),
            (wangsu_listener, wangsu::router()),
            (oss_listener, oss::router()),
            (wangsu_upload_listener, wcs::router()),
        ]
        .into_iter()
        .map(|(listener, vendor_routes)| {
            let app = vendor_routes
                .merge(admin::router())
                .layer(axum::middleware::map_response_with_state(
                    shared.clone(),
                    stamp_date,
                ))
                .with_state(shared.clone());
            tokio::spawn(serve(listener, app, shutdown.subscribe()))
        })
        .collect();
        tracing::debug!(%aliyun_addr, %wangsu_addr, "vod emulator started");
        Ok(Emulator {
            aliyun_addr,
            wangsu_addr,
            oss_addr,
            wangsu_upload_addr,
            handle: EmulatorHandle { state: shared },
            shutdown,
            tasks,
        })
    }

    /// The Aliyun API's base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn aliyun_url(&self) -> String {
        base_url(self.aliyun_addr)
    }

    /// The Wangsu API's base URL, e.g. `http://127.0.0.1:41235` (no trailing slash).
    pub fn wangsu_url(&self) -> String {
        base_url(self.wangsu_addr)
    }

    /// The OSS upload host's base URL, e.g. `http://127.0.0.1:41236`: the `Endpoint` of every
    /// `UploadAddress` (clients address it path style).
    pub fn oss_url(&self) -> String {
        base_url(self.oss_addr)
    }

    /// The Wangsu upload host's base URL, e.g. `http://127.0.0.1:41237`: the `uploadUrl` of
    /// every upload token.
    pub fn wangsu_upload_url(&self) -> String {
        base_url(self.wangsu_upload_addr)
    }

    /// The address the Aliyun server listens on.
    pub fn aliyun_addr(&self) -> SocketAddr {
        self.aliyun_addr
    }

    /// The address the Wangsu server listens on.
    pub fn wangsu_addr(&self) -> SocketAddr {
        self.wangsu_addr
    }

    /// A handle to inspect and steer this emulator.
    pub fn handle(&self) -> EmulatorHandle {
        self.handle.clone()
    }

    /// Stops accepting connections, lets requests in flight finish (for up to a second), closes
    /// idle keep-alive connections and returns once all four servers have stopped.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Where a client reaches a listener bound to `addr` (loopback for an unspecified address).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Sets `Date` from the emulator's clock (hyper only adds its own when none is set).
async fn stamp_date(State(shared): State<Arc<Shared>>, mut response: Response) -> Response {
    if let Ok(date) = HeaderValue::from_str(&http_date(shared.clock.now())) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// Accepts connections until shutdown, then drains them for up to [`SHUTDOWN_GRACE`].
/// Dropping the `JoinSet` (at the end, or when this task is aborted) aborts what is left.
async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone(), shutdown.clone()));
                }
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "vod emulator: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
}

/// Serves HTTP/1.1 on one connection until the client closes it, a fault kills it, or shutdown.
async fn serve_connection(stream: TcpStream, app: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let killer = ConnectionKiller::default();
    let service = {
        let killer = killer.clone();
        hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(killer.clone());
            let answer = tower_service::Service::call(&mut app.clone(), request);
            let killer = killer.clone();
            async move {
                let response = answer.await;
                if killer.answer_is_lost() {
                    return killer.kill().await;
                }
                response
            }
        })
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => break,
            // Returning drops the connection, and with it the socket, without a response.
            () = killer.killed() => break,
            _ = shutdown.changed(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Closes the connection a request came in on, without a response. Every request handled by an
/// emulator server carries one in its extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionKiller(Arc<Notify>, Arc<AtomicBool>);

impl ConnectionKiller {
    /// Closes the connection once the request has been handled, instead of sending the answer.
    pub(crate) fn kill_after_answer(&self) {
        self.1.store(true, Ordering::SeqCst);
    }

    fn answer_is_lost(&self) -> bool {
        self.1.swap(false, Ordering::SeqCst)
    }

    /// Closes the connection. Never completes: the request's handler is dropped with it.
    pub(crate) async fn kill<T>(&self) -> T {
        self.0.notify_one();
        std::future::pending().await
    }

    async fn killed(&self) {
        self.0.notified().await;
    }
}

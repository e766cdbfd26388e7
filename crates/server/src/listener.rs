//! The listener: accepts TCP connections and serves the router over HTTP/1.1 and HTTP/2 with the
//! time limits a public node needs. axum's own `serve` sets no header timeout, so a client that
//! opens connections and sends its headers one byte at a time (slowloris) could hold them for
//! minutes; here the headers must arrive within `server.header_timeout_secs` and a request body may
//! not pause longer than `server.body_idle_timeout_secs` between chunks (a slow but moving upload is
//! fine). On shutdown it drains: see [`serve`]. Each request also carries its peer address as axum's `ConnectInfo`, for sign-in throttling.

use crate::AppState;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

/// Serves `router(state)` on `listener` until `shutdown` resolves, then stops accepting, finishes
/// the requests in flight (each connection is asked to close after its current request; idle
/// keep-alive connections close at once) and returns — after `server.shutdown_grace_secs` at most.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = Duration::from_secs(state.settings.server.header_timeout_secs.max(1));
    let body_timeout = Duration::from_secs(state.settings.server.body_idle_timeout_secs.max(1));
    let grace_secs = state.settings.server.shutdown_grace_secs;
    let app = crate::router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Running out of file descriptors must not end the node: wait and accept again.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
            builder.http2().timer(TokioTimer::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                // Clients that time out, hang up or speak garbage are theirs to fix, not a node fault.
                tracing::debug!(peer = %peer, error = %e, "connection ended");
            }
        });
    }
    // No new connections from here; the open ones are asked to close after their current request.
    drop(listener);
    let grace = Duration::from_secs(grace_secs);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(seconds = grace.as_secs(), "requests still in flight after the shutdown grace; closing them");
    }
    Ok(())
}

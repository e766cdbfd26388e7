//! The listener: accepts TCP connections and serves the router over HTTP/1.1 and HTTP/2 with the
//! time limits a public node needs. axum's own `serve` sets no header timeout, so a client that
//! opens connections and sends its headers one byte at a time (slowloris) could hold them for
//! minutes; here the headers must arrive within `server.header_timeout_secs` and a request body may
//! not pause longer than `server.body_idle_timeout_secs` between chunks (a slow but moving upload is
//! fine). A connection that sends nothing at all is closed after the same header time (hyper's own
//! timer starts only with the first byte), and one client address may hold at most
//! `server.max_connections_per_address` connections at once, so idle sockets cannot use up the
//! node's file descriptors. On shutdown it drains: see [`serve`]. Each request also carries its
//! peer address as axum's `ConnectInfo`, for sign-in throttling.

use crate::AppState;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
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
    let per_address = Connections::new(state.settings.server.max_connections_per_address);
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
        let Some(held) = per_address.open(peer.ip()) else {
            tracing::warn!(peer = %peer.ip(), "connection refused: too many open from this address");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _held = held;
            // A client that connects and says nothing never starts hyper's header timer.
            // (`peek`, not `readable`: readiness may be reported before any byte is there.)
            let mut first = [0u8; 1];
            if tokio::time::timeout(header_timeout, stream.peek(&mut first)).await.is_err() {
                tracing::debug!(peer = %peer, "connection closed: nothing sent");
                return;
            }
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
            // An HTTP/2 client that stops answering pings is gone; close its connection.
            builder
                .http2()
                .timer(TokioTimer::new())
                .keep_alive_interval(Some(Duration::from_secs(30)))
                .keep_alive_timeout(Duration::from_secs(10));
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

/// Open connections per client address, bounded. `0` as the bound means no bound.
#[derive(Clone)]
struct Connections {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max: usize,
}

/// One open connection of an address; closing it (dropping this) frees its place.
struct Held {
    connections: Connections,
    address: IpAddr,
}

impl Connections {
    fn new(max: usize) -> Self {
        Self { open: Arc::default(), max }
    }

    /// A place for one more connection from `address`, or `None` when it holds its bound already.
    fn open(&self, address: IpAddr) -> Option<Held> {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        if self.max > 0 && *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Held { connections: self.clone(), address })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Connections;

    #[test]
    fn an_address_holds_at_most_its_bound() {
        let connections = Connections::new(2);
        let a = "192.0.2.1".parse().unwrap();
        let b = "192.0.2.2".parse().unwrap();
        let first = connections.open(a).unwrap();
        let _second = connections.open(a).unwrap();
        assert!(connections.open(a).is_none(), "a third from the same address is refused");
        assert!(connections.open(b).is_some(), "another address is counted apart");
        drop(first);
        assert!(connections.open(a).is_some(), "a closed connection frees its place");
        assert!(Connections::new(0).open(a).is_some(), "0 means no bound");
    }
}

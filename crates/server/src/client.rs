//! Who the client is on the network, for the sign-in throttle's per-address counter. The TCP peer
//! (axum's `ConnectInfo`, wired in `serve`) is the client, unless it is one of
//! `server.trusted_proxies`: then the client is the right-most address of `X-Forwarded-For` that
//! is not itself a trusted proxy. A header from anyone else is ignored, so a client cannot pick its
//! own address and escape its counter.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The client's address, when the listener knows it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

/// The client of a request from `peer` carrying `headers`, given the trusted proxies.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let mut current = peer?;
    if !trusted.contains(&current) {
        return Some(current);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        // An entry a trusted proxy did not write sensibly ends the chain of trust there.
        let Ok(address) = hop.parse::<IpAddr>() else { break };
        current = address;
        if !trusted.contains(&address) {
            break;
        }
    }
    Some(current)
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddress(client_address(peer, &parts.headers, &state.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoof = headers("198.51.100.1, 203.0.113.7");
        // Without trust the header is ignored.
        assert_eq!(client_address(Some(client), &spoof, &[]), Some(client));
        assert_eq!(client_address(Some(client), &spoof, &[proxy]), Some(client));
        // Through the proxy the right-most untrusted hop is the client, whatever it prepended.
        assert_eq!(client_address(Some(proxy), &spoof, &[proxy]), Some(client));
        let chain = headers("198.51.100.1, 203.0.113.7, 10.0.0.2");
        let two: [IpAddr; 2] = [proxy, "10.0.0.2".parse().unwrap()];
        assert_eq!(client_address(Some(proxy), &chain, &two), Some(client));
        assert_eq!(client_address(Some(proxy), &headers("junk"), &[proxy]), Some(proxy));
        assert_eq!(client_address(Some(proxy), &HeaderMap::new(), &[proxy]), Some(proxy));
        assert_eq!(client_address(None, &spoof, &[proxy]), None);
    }
}

//! The listener: accepts connections (plain HTTP on loopback only; TLS with rustls and its
//! `ring` provider anywhere), serves each with HTTP/1.1, tells the router the client's
//! address, and on shutdown stops accepting and lets requests in flight finish.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::server::ClientAddr;

/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Refuses plain HTTP anywhere but loopback: tokens and records would cross a network in
/// clear.
pub fn check_plain_http(addr: &SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "plain HTTP is served only on a loopback address, not {addr}; give --tls-cert and --tls-key"
        ))
    }
}

/// A TLS acceptor from PEM files: the certificate chain and its private key (TLS 1.2 and
/// 1.3, `ring` provider).
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|err| format!("reading certificate `{}`: {err}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|err| format!("reading certificate `{}`: {err}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("`{}` holds no certificate", cert.display()));
    }
    // The key's error messages never include key bytes.
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|err| format!("reading private key `{}`: {err}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS configuration: {err}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|err| format!("TLS certificate and key: {err}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// How many connections are served at once, in all and per client address.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionCaps {
    /// Connections served at once; the next waits to be accepted until one ends.
    pub total: usize,
    /// Connections one client address may hold; one more is closed at once.
    pub per_client: usize,
}

impl Default for ConnectionCaps {
    fn default() -> Self {
        // Ours: far above an agency's concurrent users, far below the descriptor limit.
        ConnectionCaps {
            total: 1024,
            per_client: 64,
        }
    }
}

/// The open connections of each client address; a guard gives its place back on drop.
#[derive(Clone, Default)]
struct PerClient(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

struct ClientSlot {
    table: PerClient,
    ip: std::net::IpAddr,
}

impl PerClient {
    fn take(&self, ip: std::net::IpAddr, cap: usize) -> Option<ClientSlot> {
        let mut table = self.0.lock().ok()?;
        let open = table.entry(ip).or_insert(0);
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(ClientSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Ok(mut table) = self.table.0.lock() {
            if let Some(open) = table.get_mut(&self.ip) {
                *open -= 1;
                if *open == 0 {
                    table.remove(&self.ip);
                }
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then waits (bounded) for
/// requests in flight. At most `caps.total` connections are served at once (the next waits
/// to be accepted) and `caps.per_client` from one address (one more is closed).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    caps: ConnectionCaps,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let permits = Arc::new(tokio::sync::Semaphore::new(caps.total));
    let per_client = PerClient::default();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = per_client.take(peer.ip(), caps.per_client) else {
            tracing::debug!(client = %peer, "connection closed: too many from this address");
            drop(tcp);
            continue;
        };
        let service =
            router
                .clone()
                .map_request(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ClientAddr(peer));
                    request
                });
        let service = TowerToHyperService::new(service);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // Held while the connection lives.
            let _held = (permit, slot);
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let outcome = match tls {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(tcp), service);
                    watcher.watch(connection).await
                }
                Some(acceptor) => {
                    let stream = match tokio::time::timeout(
                        HEADER_READ_TIMEOUT,
                        acceptor.accept(tcp),
                    )
                    .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(err)) => {
                            tracing::debug!(client = %peer, error = %err, "TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(connection).await
                }
            };
            if let Err(err) = outcome {
                tracing::debug!(client = %peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for requests in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the grace period; stopping anyway");
    }
}

//! `recvault serve`: owns the vault's directory and serves the HTTP API until SIGINT or
//! SIGTERM. Plain HTTP only on loopback; TLS (rustls) with a certificate and key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{Failure, VaultPaths};
use crate::server::flood::{FloodLimits, Rate};
use crate::server::{listener, router, Limits};
use gate::Gate;

/// Arguments of `recvault serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    paths: VaultPaths,
    /// Address to listen on. Without TLS it must be a loopback address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7443")]
    listen: SocketAddr,
    /// The server's certificate chain (PEM); with --tls-key, serves HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Largest institution's file (`ingest --format`) the server takes (MiB): such files are
    /// read whole to be converted, so this bounds the memory one upload can take.
    #[arg(long, value_name = "MIB", default_value_t = crate::server::DEFAULT_UPLOAD_MIB)]
    max_upload_mib: u64,
    /// Records per committed batch of an ingest.
    #[arg(long, value_name = "N", default_value = "1000")]
    ingest_batch: usize,
    /// When the retention schedules run each day (HH:MM, UTC); `off` to run them only on
    /// demand (`recvault retention run`).
    #[arg(long, value_name = "HH:MM", default_value = "02:00")]
    retention_at: String,
    /// Where `recvault backup` against this server writes its backups, each in a new
    /// directory (made 0700; outside the data directory). Default: `<DATA>.backups` beside the
    /// data directory.
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// The most records one records officer's retention run destroys; a larger run needs a
    /// second officer's approval (`retention approve`).
    #[arg(long, value_name = "N", default_value_t = retention::run::RunOptions::default().max_records)]
    max_run_records: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = listener::ConnectionCaps::default().total)]
    max_connections: usize,
    /// Connections one client address may hold open at once; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = listener::ConnectionCaps::default().per_client)]
    max_connections_per_client: usize,
    /// Free space (MiB) kept in reserve on the data directory's filesystem: ingest is refused
    /// with HTTP 507 below it, so the store never meets a full disk in the middle of a write.
    #[arg(long, value_name = "MIB", default_value_t = vault::DEFAULT_DISK_RESERVE >> 20)]
    disk_reserve_mib: u64,
    /// Failed authentications one client address may make per second before it is answered
    /// 429 (they are logged either way). Raise it when many clients reach the server through
    /// one address, such as a proxy.
    #[arg(long, value_name = "N", default_value_t = FloodLimits::default().auth_failures.per_second,
          value_parser = clap::value_parser!(u32).range(1..))]
    auth_failures_per_second: u32,
    /// Failed authentications one client address may make at once after a quiet spell.
    #[arg(long, value_name = "N", default_value_t = FloodLimits::default().auth_failures.burst,
          value_parser = clap::value_parser!(u32).range(1..))]
    auth_failure_burst: u32,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(listener::tls_acceptor(cert, key).map_err(Failure::failed)?)
        }
        _ => {
            listener::check_plain_http(&args.listen).map_err(Failure::failed)?;
            None
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Opening takes the directory's lock: offline commands are refused while this runs.
    let vault = Arc::new(vault::Vault::open(&args.paths.data, &args.paths.key_store)?);
    vault.set_disk_reserve(args.disk_reserve_mib.saturating_mul(1 << 20));
    // The vault's own SORN files: an invalid one stops the server from starting.
    let catalog = crate::cli::sorn::vault_catalog(&vault)?;
    // The vault decides on its own copy of the notices; say when the build ships newer ones.
    for name in crate::cli::sorn::differing_from_shipped(&vault)? {
        eprintln!(
            "recvault: the vault's SORN file {name} differs from the one this build ships; `recvault sorn import --sorn-dir DIR` adopts the shipped files (docs/sorn-format.md)"
        );
    }
    let policy = policy::Policy::new(catalog).map_err(Failure::failed)?;
    let backup_dir = args.backup_dir.clone().unwrap_or_else(|| {
        // Beside the data directory (a trailing `/` dropped first, or it would go inside).
        let data: PathBuf = args.paths.data.components().collect();
        let mut name = data.into_os_string();
        name.push(".backups");
        PathBuf::from(name)
    });
    let gate = Gate::new(vault, policy, Arc::new(chrono::Utc::now))
        .and_then(|gate| gate.with_backup_dir(backup_dir, &args.paths.data))
        .map_err(crate::cli::refused)?;
    let limits = Limits {
        ingest_batch: args.ingest_batch.clamp(1, 10_000),
        converted_upload_bytes: args.max_upload_mib.clamp(1, 64 << 10) << 20,
        flood: FloodLimits {
            auth_failures: Rate {
                per_second: args.auth_failures_per_second,
                burst: args.auth_failure_burst,
            },
            ..FloodLimits::default()
        },
        ..Limits::default()
    };
    let retention_at = match args.retention_at.as_str() {
        "off" => None,
        text => Some(
            chrono::NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| Failure::usage("--retention-at is HH:MM (UTC) or `off`"))?,
        ),
    };
    let caps = listener::ConnectionCaps {
        total: args.max_connections.max(1),
        per_client: args.max_connections_per_client.max(1),
    };
    gate.set_max_run_records(args.max_run_records);
    let gate = Arc::new(gate);
    let app = router(Arc::clone(&gate), limits);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::failed(format!("starting the runtime: {err}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|err| Failure::failed(format!("listening on {}: {err}", args.listen)))?;
        let local = listener
            .local_addr()
            .map_err(|err| Failure::failed(format!("listening on {}: {err}", args.listen)))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        // The stop signals are taken before the line scripts wait for: a SIGTERM right after
        // it stops the server cleanly instead of killing it (a test sent one under load).
        let stop = StopSignals::install()?;
        // One line on standard output that scripts can wait for.
        outln!("recvault serving {scheme}://{local}");
        tracing::info!(address = %local, tls = tls.is_some(), "serving");
        if let Some(at) = retention_at {
            tokio::spawn(daily_retention(Arc::clone(&gate), at));
        }
        tokio::spawn(log_auth_failures(Arc::clone(&gate)));
        listener::serve(listener, app, tls, caps, stop.received()).await;
        let gate = Arc::clone(&gate);
        if let Ok(Err(refusal)) = tokio::task::spawn_blocking(move || {
            let flushed = gate.flush_auth_failures();
            gate.wait_for_compaction(std::time::Duration::from_secs(60));
            flushed
        })
        .await
        {
            tracing::warn!(?refusal, "failed authentications not logged at stop");
        }
        Ok::<(), Failure>(())
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// Writes the counted failed authentications every interval (one entry per client address and
/// rule): a crash loses at most one interval of counts.
async fn log_auth_failures(gate: Arc<Gate>) {
    let mut every = tokio::time::interval(gate::AUTH_LOG_INTERVAL);
    every.tick().await;
    loop {
        every.tick().await;
        let gate = Arc::clone(&gate);
        match tokio::task::spawn_blocking(move || gate.flush_auth_failures()).await {
            Ok(Ok(())) => {}
            Ok(Err(refusal)) => tracing::warn!(?refusal, "failed authentications not logged yet"),
            Err(err) => tracing::error!(error = %err, "logging failed authentications failed"),
        }
    }
}

/// SIGINT and SIGTERM, their handlers installed when made.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> Result<Self, Failure> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let handler = |kind| {
                signal(kind).map_err(|err| {
                    Failure::failed(format!("installing the stop signal handlers: {err}"))
                })
            };
            Ok(StopSignals {
                interrupt: handler(SignalKind::interrupt())?,
                terminate: handler(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    /// Resolves at the first stop signal.
    async fn received(self) {
        #[cfg(unix)]
        {
            let StopSignals {
                mut interrupt,
                mut terminate,
            } = self;
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs the retention schedules every day at `at` (UTC). Never at start-up: the first run is
/// the next `at`, which catches up everything that came due while the server was down. A run
/// that refuses (the clock jumped, the volume needs a second approval) is logged and waits
/// for a records officer.
async fn daily_retention(gate: Arc<Gate>, at: chrono::NaiveTime) {
    loop {
        let now = chrono::Utc::now();
        let today = now.date_naive().and_time(at).and_utc();
        let next = if today > now {
            today
        } else {
            today + chrono::Duration::days(1)
        };
        let wait = (next - now)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60));
        tokio::time::sleep(wait).await;
        let gate = Arc::clone(&gate);
        match tokio::task::spawn_blocking(move || gate.scheduled_retention_run()).await {
            Ok(Ok(report)) => tracing::info!(
                destroyed = report.destroyed.len(),
                reported = report.reported.len(),
                preservation = report.preservation.len(),
                "scheduled retention run"
            ),
            Ok(Err(refusal)) => tracing::warn!(%refusal, "scheduled retention run refused"),
            Err(err) => tracing::error!(error = %err, "scheduled retention run failed"),
        }
    }
}

//! The benchmark's HTTP load: the served API (the same router, gate and policy as `recvault
//! serve`) on loopback over the benchmark's vault, and concurrent clients reading records by
//! id for a fixed time, each read decided, logged durably and answered as JSON.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use model::RecordId;
use vault::Vault;

use gate::{Gate, NewAccount};
use recvault::server::{listener, router, Limits};

/// What the load measured.
#[derive(Clone, Debug, Default)]
pub struct HttpLoad {
    /// Concurrent clients.
    pub clients: usize,
    /// Seconds the clients ran.
    pub seconds: f64,
    /// Reads answered 200.
    pub reads: u64,
    /// Reads per second.
    pub reads_per_s: f64,
    /// Latency p50, p95, p99 in milliseconds.
    pub latency_ms: [f64; 3],
}

/// Serves `vault` on a loopback port and has `clients` threads read records of `ids` by id
/// (purpose `investigation`) for `seconds`.
pub fn run(
    vault: Arc<Vault>,
    ids: &[RecordId],
    clients: usize,
    seconds: f64,
    now: DateTime<Utc>,
) -> Result<HttpLoad, String> {
    if ids.is_empty() {
        return Err("no records to read".into());
    }
    let vetted = now.date_naive() - chrono::Duration::days(30);
    let token = gate::create_account(
        &vault,
        &vault::Access::offline("bench", "benchmark"),
        &NewAccount {
            name: "bench-analyst".into(),
            role: "analyst".into(),
            organization: "treasury-fincen".into(),
            background_investigation: Some(vetted),
            privacy_training: vetted,
        },
        true,
        now,
    )
    .map_err(|err| format!("{err:?}"))?;
    // The account exists before the gate loads the accounts.
    let policy = policy::Policy::builtin().map_err(|err| err.to_string())?;
    let gate = Arc::new(
        Gate::new(Arc::clone(&vault), policy, Arc::new(Utc::now))
            .map_err(|err| format!("{err:?}"))?,
    );
    let app = router(Arc::clone(&gate), Limits::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| err.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|err| err.to_string())?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(listener::serve(
        listener,
        app,
        None,
        listener::ConnectionCaps::default(),
        async {
            let _ = stopped.await;
        },
    ));

    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let outcomes: Vec<Result<Vec<Duration>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|client| {
                let token = token.token.as_str();
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let mut latencies = Vec::new();
                    let mut n = client as u64;
                    while Instant::now() < deadline {
                        let id = ids[(super::mix(n) % ids.len() as u64) as usize];
                        n += clients as u64;
                        let url = format!(
                            "http://{address}/v1/records/{id}?purpose=investigation&case=BENCH-1"
                        );
                        let sent = Instant::now();
                        let mut answer = agent
                            .get(&url)
                            .header("authorization", &format!("Bearer {token}"))
                            .call()
                            .map_err(|err| format!("GET a record: {err}"))?;
                        let body = answer
                            .body_mut()
                            .read_to_string()
                            .map_err(|err| format!("reading an answer: {err}"))?;
                        latencies.push(sent.elapsed());
                        if answer.status() != 200 || !body.contains(&id.to_string()) {
                            return Err(format!(
                                "a read was answered {}: {}",
                                answer.status(),
                                body.chars().take(200).collect::<String>()
                            ));
                        }
                    }
                    Ok(latencies)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a client thread panicked".into()))
            })
            .collect()
    });
    let spent = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = runtime.block_on(server);
    drop(runtime);
    let mut latencies = Vec::new();
    for outcome in outcomes {
        latencies.extend(outcome?);
    }
    latencies.sort();
    Ok(HttpLoad {
        clients,
        seconds: spent,
        reads: latencies.len() as u64,
        reads_per_s: latencies.len() as f64 / spent,
        latency_ms: [
            super::percentile(&latencies, 0.50),
            super::percentile(&latencies, 0.95),
            super::percentile(&latencies, 0.99),
        ],
    })
}

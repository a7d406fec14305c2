//! The command line of `recvault-bench`: runs the benchmark on a scratch vault and prints a
//! table, then one line of JSON with every figure.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;

use crate::{Arrival, BenchConfig, BenchReport};

/// Measure durable ingest and lookups on a scratch vault against plain RocksDB and
/// PostgreSQL, every figure in one run (docs/performance.md).
#[derive(Debug, Parser)]
#[command(name = "recvault-bench", version)]
pub struct Args {
    /// Records to ingest.
    #[arg(long, default_value = "100000", value_name = "N")]
    records: u64,
    /// Baselines to run in the same run: `rocksdb` (plain RocksDB, same writes; record only),
    /// `postgres` (a PostgreSQL server with pgcrypto, started on loopback), or `none`.
    #[arg(
        long,
        default_value = "rocksdb",
        value_name = "LIST",
        value_delimiter = ','
    )]
    baselines: Vec<Baseline>,
    /// Records per synced batch (the same for the vault and the baselines).
    #[arg(long, default_value = "1000", value_name = "N")]
    batch_size: std::num::NonZeroUsize,
    /// Lookups by SSN to time.
    #[arg(long, default_value = "10000", value_name = "N")]
    lookups: usize,
    /// The destruction bucket of the records: day, month (the vault's default) or year. With
    /// `--years 1 --bucket year` every record is in the one cohort destroyed at the end.
    #[arg(long, value_name = "BUCKET")]
    bucket: Option<String>,
    /// Collection years the records spread over: each lookup probes one index period per year.
    #[arg(long, default_value = "3", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=50))]
    years: u16,
    /// Scratch directory, made and removed by the run (default: one under the system's temp directory).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Seconds PostgreSQL runs at each batch size (1, 100 and 1,000 records per transaction).
    #[arg(long, default_value = "30", value_name = "S")]
    postgres_seconds: f64,
    /// Concurrent PostgreSQL clients.
    #[arg(long, default_value = "4", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    postgres_clients: u16,
    /// Seconds of concurrent reads over HTTP on loopback (0 skips them).
    #[arg(long, default_value = "10", value_name = "S")]
    http_seconds: f64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value = "8", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    http_clients: u16,
    /// The order records arrive in: `filed` (in the order of their transfers, within days, as
    /// reports are filed) or `shuffled` (collection times at random over the years: every batch
    /// writes across the whole key space).
    #[arg(long, default_value = "filed", value_name = "ORDER")]
    arrival: Arrival,
    /// Write a chart of throughput and latency against records stored here (SVG).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Baseline {
    Rocksdb,
    Postgres,
    None,
}

/// Why the run stopped: the message for the operator and the exit code.
#[derive(Debug)]
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// The run failed (exit code 1).
    fn failed(message: impl std::fmt::Display) -> Self {
        Failure {
            message: message.to_string(),
            code: 1,
        }
    }

    /// The command line was wrong (exit code 2, as clap's own refusals).
    fn usage(message: impl std::fmt::Display) -> Self {
        Failure {
            message: message.to_string(),
            code: 2,
        }
    }
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("recvault-bench: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(args: Args) -> Result<(), Failure> {
    if args.records == 0 {
        return Err(Failure::failed("`--records` must be at least 1"));
    }
    if !(args.postgres_seconds > 0.0 && args.postgres_seconds <= 3600.0) {
        return Err(Failure::usage(
            "--postgres-seconds is more than 0 and at most 3600",
        ));
    }
    if !(0.0..=3600.0).contains(&args.http_seconds) {
        return Err(Failure::usage("--http-seconds is 0 to 3600"));
    }
    let now = Utc::now();
    let dir = args.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "recvault-bench-{}-{}",
            std::process::id(),
            now.timestamp_millis()
        ))
    });
    let config = BenchConfig {
        bucket: match args.bucket.as_deref() {
            None => None,
            Some("day") => Some(vault::Bucket::Day),
            Some("month") => Some(vault::Bucket::Month),
            Some("year") => Some(vault::Bucket::Year),
            Some(_) => return Err(Failure::usage("--bucket is day, month or year")),
        },
        records: args.records,
        batch_size: args.batch_size.get(),
        lookups: args.lookups,
        years: args.years,
        rocksdb_baselines: args.baselines.contains(&Baseline::Rocksdb),
        postgres: args.baselines.contains(&Baseline::Postgres).then(|| {
            (
                usize::from(args.postgres_clients),
                args.postgres_seconds,
                vec![1, 100, 1_000],
            )
        }),
        http: (args.http_seconds > 0.0)
            .then_some((usize::from(args.http_clients), args.http_seconds)),
        chart: args.chart.clone(),
        dir,
        now,
        arrival: args.arrival,
    };
    let report = crate::run(&config, &|step| eprintln!("recvault-bench: {step}"))
        .map_err(Failure::failed)?;
    print_table(&config, &report);
    println!("{}", report.json());
    Ok(())
}

fn print_table(config: &BenchConfig, report: &BenchReport) {
    println!(
        "recvault-bench: {} records of {} plaintext bytes, {} index entries each, in synced batches of {}; {} index period(s)",
        report.records,
        report.plaintext_bytes_per_record,
        report.index_entries_per_record,
        config.batch_size,
        report.index_periods
    );
    println!(
        "{:<52} {:>12} {:>10}",
        "ingest (durable: acknowledged = synced)", "records/s", "vault is"
    );
    println!(
        "{:<52} {:>12.0} {:>10}   ({:.1} us CPU per record)",
        "vault: AES-256-GCM, HMAC blind index",
        report.ingest_records_per_s,
        "",
        report.ingest_cpu_us_per_record
    );
    if let (Some(plain), Some(ratio)) = (report.rocksdb_records_per_s, report.ratio_to_rocksdb()) {
        println!(
            "{:<52} {:>12.0} {:>9.2}x",
            "baseline 1: plain RocksDB, same record + index writes", plain, ratio
        );
    }
    if let (Some(plain), Some(ratio)) = (
        report.rocksdb_record_only_per_s,
        report.ratio_to_record_only(),
    ) {
        println!(
            "{:<52} {:>12.0} {:>9.2}x",
            "baseline 0: plain RocksDB, record only", plain, ratio
        );
    }
    if let Some(pg) = &report.postgres {
        for (batch, rate) in &pg.by_batch {
            println!(
                "{:<52} {:>12.0} {:>9.2}x",
                format!(
                    "baseline 2: PostgreSQL+pgcrypto, {batch}/tx, {} clients",
                    pg.clients
                ),
                rate,
                report.ingest_records_per_s / rate.max(1e-9)
            );
        }
        println!("  ({}; {} s per batch size)", pg.version, pg.seconds);
    }
    for checkpoint in &report.checkpoints {
        println!(
            "  at {:>10} records: ingest {:>8.0} records/s since the last point; lookup p50 {:.3} ms, p99 {:.3} ms",
            checkpoint.records,
            checkpoint.ingest_records_per_s,
            checkpoint.lookup_p50_ms,
            checkpoint.lookup_p99_ms
        );
    }
    if let Some(http) = &report.http {
        println!(
            "reads by id over HTTP ({} clients, {:.0} s, loopback, each decided and logged durably): {:.0} reads/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            http.clients, http.seconds, http.reads_per_s, http.latency_ms[0], http.latency_ms[1], http.latency_ms[2]
        );
    }
    println!(
        "bytes on disk per record: {:.0} ({:.2} times the {} plaintext bytes; index and log included)",
        report.disk_bytes_per_record,
        report.disk_bytes_per_record / report.plaintext_bytes_per_record.max(1) as f64,
        report.plaintext_bytes_per_record
    );
    println!(
        "lookup by SSN ({} queries, {} periods probed each): p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        config.lookups, report.index_periods, report.lookup_ms[0], report.lookup_ms[1], report.lookup_ms[2], report.lookup_ms[3]
    );
    if report.destroy_records > 0 {
        println!(
            "planning its retention run: the plan over every live cohort {:.2} ms; counting and hashing its record ids for the certificate {:.1} ms",
            report.plan_ms, report.certificate_digest_ms
        );
        println!(
            "destroying the largest cohort ({} records): key and range deletes {:.1} ms; compaction dropping the data {:.2} s ({:.0} records/s)",
            report.destroy_records,
            report.destroy_ms,
            report.purge_compaction_s,
            report.destroy_records as f64 / report.purge_compaction_s.max(1e-9)
        );
    }
    println!(
        "policy decision (casbin over the shipped SORN files): first of a combination {:.1} us; repeated (40,000) p50 {:.2} us, p99 {:.2} us",
        report.decision_us[0], report.decision_us[1], report.decision_us[2]
    );
}

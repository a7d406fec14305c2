//! `recvault bench`: runs the benchmark on a scratch vault and prints a table, then one line
//! of JSON with every figure.

use std::path::PathBuf;

use chrono::Utc;

use crate::bench::{BenchConfig, BenchReport};
use crate::cli::Failure;

/// Arguments of `recvault bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Records to ingest.
    #[arg(long, default_value = "100000", value_name = "N")]
    records: u64,
    /// Baselines to run in the same process: `rocksdb` or `none`.
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Baseline {
    Rocksdb,
    None,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    if args.records == 0 {
        return Err(Failure::failed("`--records` must be at least 1"));
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
        dir,
        now,
    };
    let report = crate::bench::run(&config, &|step| eprintln!("recvault bench: {step}"))
        .map_err(Failure::failed)?;
    print_table(&config, &report);
    println!("{}", report.json());
    Ok(())
}

fn print_table(config: &BenchConfig, report: &BenchReport) {
    println!(
        "recvault bench: {} records of {} plaintext bytes, {} index entries each, in synced batches of {}; {} index period(s)",
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

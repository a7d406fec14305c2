//! `recvault-bench`, the benchmark, apart from the product: durable ingest and lookups on a
//! fresh vault, and in the same run the same logical writes to plain RocksDB and PostgreSQL
//! (baselines), with the ratios. Records are deterministic CBETF-like transmittals: about 600
//! bytes, six identifiers and two names each, spread over a number of collection years (so
//! lookups probe that many index periods). Its own crate and binary because its baselines
//! write records unsealed and start a PostgreSQL server with trust authentication: the
//! `recvault` binary links neither (`docs/ARCHITECTURE.md`).
//!
//! # Layout
//! - `baseline`: baselines 0 and 1, the vault's writes to plain RocksDB without cryptography.
//! - `chart`: the SVG chart of throughput and latency against records stored.
//! - `cli`: the command line of `recvault-bench`, its table and its line of JSON.
//! - `http`: the served API on loopback over the benchmark's vault, read by concurrent clients.
//! - `postgres`: baseline 2, a PostgreSQL server with pgcrypto started in the scratch directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod baseline;
mod chart;
pub mod cli;
mod http;
mod postgres;

pub use http::HttpLoad;
pub use postgres::PostgresBaseline;

use baseline::{BaselineWrites, PlainBaseline};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use model::{Identifier, IdentifierKind, RecordContents, RecordId, Subject, SystemId};
use vault::{SearchKey, Vault};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Records to ingest.
    pub records: u64,
    /// Records per synced batch.
    pub batch_size: usize,
    /// Lookups to time.
    pub lookups: usize,
    /// Collection years the records spread over (index periods each lookup probes).
    pub years: u16,
    /// Whether to run the plain-RocksDB baselines.
    pub rocksdb_baselines: bool,
    /// The PostgreSQL baseline, if asked for: clients, seconds per batch size, batch sizes.
    pub postgres: Option<(usize, f64, Vec<usize>)>,
    /// The HTTP load, if asked for: clients and seconds.
    pub http: Option<(usize, f64)>,
    /// Where to write the chart of throughput and latency against records stored (SVG).
    pub chart: Option<PathBuf>,
    /// Scratch directory (made and removed by the run).
    pub dir: PathBuf,
    /// The clock reading of the run.
    pub now: DateTime<Utc>,
    /// The destruction bucket of the records' partition (the vault's default is a month).
    pub bucket: Option<vault::Bucket>,
    /// The order the records arrive in.
    pub arrival: Arrival,
}

/// The order records arrive in, against when they were collected (`--arrival`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Arrival {
    /// As reports are filed: in the order of the transfers they report, each within a few
    /// days of its transfer, the run spread evenly over the years (a year's intake).
    #[default]
    Filed,
    /// Collection times at random over the years, so every batch writes across the whole
    /// key space of the records: the worst case for compaction.
    Shuffled,
}

/// What was measured.
#[derive(Clone, Debug, Default)]
pub struct BenchReport {
    /// Records ingested.
    pub records: u64,
    /// The order they arrived in.
    pub arrival: Arrival,
    /// Durable, encrypted, indexed ingest rate.
    pub ingest_records_per_s: f64,
    /// CPU time (user and system, all threads) per ingested record, in microseconds.
    pub ingest_cpu_us_per_record: f64,
    /// Plain RocksDB with the same record and index writes.
    pub rocksdb_records_per_s: Option<f64>,
    /// Plain RocksDB, record alone.
    pub rocksdb_record_only_per_s: Option<f64>,
    /// Lookup latencies in milliseconds: p50, p95, p99, max.
    pub lookup_ms: [f64; 4],
    /// At each checkpoint of the ingest: records stored, the ingest rate since the last
    /// checkpoint, and lookup p50 and p99 (ms) with that many records stored.
    pub checkpoints: Vec<Checkpoint>,
    /// The PostgreSQL baseline.
    pub postgres: Option<PostgresBaseline>,
    /// Reads by id over HTTP from concurrent clients.
    pub http: Option<HttpLoad>,
    /// Index periods each lookup probed.
    pub index_periods: u16,
    /// Index entries written per record.
    pub index_entries_per_record: usize,
    /// Plaintext bytes per record (encoded contents).
    pub plaintext_bytes_per_record: usize,
    /// Bytes the vault's data directory holds per record after the run (records, index
    /// entries, access log, write-ahead log; before any manual compaction).
    pub disk_bytes_per_record: f64,
    /// The largest cohort destroyed at the end of the run: its records.
    pub destroy_records: u64,
    /// Destroying it: the key in an epoch change (with the key table's export) and the range
    /// deletes of its records and index entries, in milliseconds.
    pub destroy_ms: f64,
    /// The compaction that then drops the deleted data physically, in seconds.
    pub purge_compaction_s: f64,
    /// Planning the retention run that destroys it: the plan over every live cohort, in ms.
    pub plan_ms: f64,
    /// Counting and hashing the cohort's record ids for its certificate, in ms.
    pub certificate_digest_ms: f64,
    /// Policy decisions (the shipped SORN files' rules), in microseconds: the median of each
    /// combination's first decision (casbin evaluating its rows), then p50 and p99 of repeated
    /// ones (answered from the policy's memo).
    pub decision_us: [f64; 3],
}

/// Figures with a number of records stored.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checkpoint {
    /// Records stored.
    pub records: u64,
    /// Ingest rate over the records since the previous checkpoint.
    pub ingest_records_per_s: f64,
    /// Lookup latency p50 (ms).
    pub lookup_p50_ms: f64,
    /// Lookup latency p99 (ms).
    pub lookup_p99_ms: f64,
}

const FIRST: [&str; 16] = [
    "MARIA",
    "JAMES",
    "CHEN",
    "FATIMA",
    "OLUWASEUN",
    "ANA",
    "DMITRI",
    "PRIYA",
    "JOHN",
    "SOFIA",
    "KENJI",
    "AMARA",
    "LUCAS",
    "NOOR",
    "ELENA",
    "SAMUEL",
];
const LAST: [&str; 16] = [
    "GARCIA", "SMITH", "WEI", "HASSAN", "ADEYEMI", "SILVA", "IVANOV", "PATEL", "PUBLIC", "ROSSI",
    "TANAKA", "OKAFOR", "MULLER", "KOWALSKI", "NGUYEN", "HERRERA",
];

/// splitmix64: a fast, deterministic generator for test data (not for keys).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick<'a>(list: &[&'a str], seed: u64) -> &'a str {
    list.get((seed % list.len() as u64) as usize)
        .copied()
        .unwrap_or("X")
}

/// The SSN of record `n` (also what the lookups ask for).
fn ssn_of(n: u64) -> String {
    let x = mix(n ^ 0x55);
    format!(
        "{:03}-{:02}-{:04}",
        100 + x % 600,
        10 + (x >> 10) % 90,
        1000 + (x >> 20) % 9000
    )
}

/// Days of each year the data set's collection times fall in (all before the run's clock).
const DAYS_A_YEAR: u64 = 300;

/// Record `n` of the deterministic data set of `config` (its years, clock, size and arrival).
pub fn record(n: u64, config: &BenchConfig) -> RecordContents {
    let x = mix(n);
    let years = u64::from(config.years.max(1));
    let first_year = config.now.year() - years as i32 + 1;
    let (year, day_of_year) = match config.arrival {
        Arrival::Shuffled => (first_year + (n % years) as i32, (x >> 8) % DAYS_A_YEAR),
        Arrival::Filed => {
            // The run's records spread evenly over the years' days; each is filed up to three
            // days after its transfer, so neighbouring batches overlap a little.
            let slot = n * years * DAYS_A_YEAR / config.records.max(1);
            let jitter = (x >> 8) % 4;
            (
                first_year + (slot / DAYS_A_YEAR) as i32,
                (slot % DAYS_A_YEAR).saturating_sub(jitter),
            )
        }
    };
    let collected_at = Utc
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map(|start| start + chrono::Duration::days(day_of_year as i64))
        .unwrap_or(config.now)
        .min(config.now);
    let transmittor = Subject {
        role: "transmittor".into(),
        name: Some(format!(
            "{} {} {}",
            pick(&FIRST, x),
            pick(&FIRST, x >> 4),
            pick(&LAST, x >> 8)
        )),
        identifiers: vec![
            Identifier::new(IdentifierKind::Ssn, ssn_of(n)),
            Identifier::new(
                IdentifierKind::Account,
                format!("{:012}", mix(n ^ 1) % 1_000_000_000_000),
            ),
            Identifier::new(
                IdentifierKind::DateOfBirth,
                format!(
                    "{}-{:02}-{:02}",
                    1940 + x % 60,
                    1 + (x >> 6) % 12,
                    1 + (x >> 12) % 28
                ),
            ),
        ],
    };
    let recipient = Subject {
        role: "recipient".into(),
        name: Some(format!(
            "{} {}",
            pick(&FIRST, x >> 16),
            pick(&LAST, x >> 20)
        )),
        identifiers: vec![
            Identifier::new(
                IdentifierKind::Tin,
                format!("{:09}", mix(n ^ 2) % 1_000_000_000),
            ),
            Identifier::new(
                IdentifierKind::Account,
                format!(
                    "GB{:02}BANK{:014}",
                    x % 100,
                    mix(n ^ 3) % 100_000_000_000_000
                ),
            ),
            Identifier::passport(
                format!("P{:08}", mix(n ^ 4) % 100_000_000),
                pick(&["GB", "MX", "IN", "NG", "JP", "DE"], x >> 24),
            ),
        ],
    };
    let fields = BTreeMap::from([
        (
            "amount".to_owned(),
            format!("{}.{:02}", 100 + mix(n ^ 5) % 250_000, x % 100),
        ),
        ("currency".to_owned(), "USD".to_owned()),
        (
            "value_date".to_owned(),
            collected_at.format("%Y-%m-%d").to_string(),
        ),
        ("uti".to_owned(), format!("UTI{n:016}")),
        (
            "uetr".to_owned(),
            format!("{:016x}{:016x}", mix(n ^ 6), mix(n ^ 7)),
        ),
        ("sender_bic".to_owned(), "DEMOUS33XXX".to_owned()),
        ("receiver_bic".to_owned(), "SAMPGB2LXXX".to_owned()),
        (
            "remittance".to_owned(),
            format!(
                "INVOICE {} PAYMENT FOR GOODS AND SERVICES RENDERED PER CONTRACT {}",
                mix(n ^ 8) % 100_000,
                n % 977
            ),
        ),
        (
            "transmittor_address".to_owned(),
            format!(
                "{} MAIN STREET, SPRINGFIELD, IL 627{:02}",
                1 + x % 9999,
                x % 100
            ),
        ),
        (
            "recipient_address".to_owned(),
            format!(
                "{} HIGH STREET, LONDON EC{}A 1BB",
                1 + (x >> 9) % 999,
                1 + x % 4
            ),
        ),
    ]);
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap_or_else(|_| unreachable!("a valid literal")),
        category: "transmittal".into(),
        collected_at,
        source: BTreeMap::from([
            (
                "report_id".to_owned(),
                format!("R-{}-{:05}", year, n / 40_000),
            ),
            ("institution".to_owned(), "FIRST EXAMPLE BANK NA".to_owned()),
            // Deduplicated as intake does: two probes of the transfer's key per record.
            (
                vault::TRANSFER_KEY_SOURCE.to_owned(),
                format!("uetr:{:016x}{:016x}", mix(n ^ 6), mix(n ^ 7)),
            ),
            (
                vault::TRANSFER_MATCH_SOURCE.to_owned(),
                format!("{}|USD|{}", collected_at.format("%Y-%m-%d"), n),
            ),
            (vault::TRANSFER_WINDOW_SOURCE.to_owned(), "90".to_owned()),
        ]),
        subjects: vec![transmittor, recipient],
        fields,
    }
}

/// CPU time (user and system) of this process so far. Linux reports it in /proc in units of
/// USER_HZ, which the kernel ABI fixes at 100 per second.
fn cpu_time() -> Duration {
    let ticks = fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which is in parentheses and may hold spaces).
            let rest = stat.rsplit_once(')')?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted.get(rank).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn batches(config: &BenchConfig) -> impl Iterator<Item = Vec<RecordContents>> + '_ {
    batches_between(config, 0, config.records)
}

/// The batches of records `from..to`.
fn batches_between(
    config: &BenchConfig,
    from: u64,
    to: u64,
) -> impl Iterator<Item = Vec<RecordContents>> + '_ {
    let batch = config.batch_size as u64;
    (0..(to - from).div_ceil(batch)).map(move |batch_idx| {
        let start = from + batch_idx * batch;
        let end = (start + batch).min(to);
        (start..end).map(|n| record(n, config)).collect()
    })
}

/// Runs the benchmark in `config.dir`, which must not exist; removes it afterwards.
pub fn run(config: &BenchConfig, progress: &dyn Fn(&str)) -> Result<BenchReport, String> {
    if config.dir.exists() {
        return Err(format!(
            "`{}` already exists; the benchmark needs a new directory",
            config.dir.display()
        ));
    }
    fs::create_dir_all(&config.dir)
        .map_err(|err| format!("creating `{}`: {err}", config.dir.display()))?;
    let outcome = measure(config, progress);
    let _ = fs::remove_dir_all(&config.dir);
    outcome
}

fn measure(config: &BenchConfig, progress: &dyn Fn(&str)) -> Result<BenchReport, String> {
    let dir = &config.dir;
    let sample = record(0, config);
    let mut report = BenchReport {
        records: config.records,
        arrival: config.arrival,
        index_periods: config.years,
        plaintext_bytes_per_record: baseline::encoded_len(&sample),
        ..BenchReport::default()
    };
    report.index_entries_per_record = vault::indexed_forms(&sample).len();
    progress("timing policy decisions");
    report.decision_us = decision_latency()?;

    let access = vault::Access::offline("bench", "benchmark");
    progress("ingesting into the vault");
    let vault = Vault::create(
        &access,
        &dir.join("vault"),
        &dir.join("root.key"),
        &dir.join("key-tables"),
        config.now,
    )
    .map_err(|err| err.to_string())?;
    if let Some(bucket) = config.bucket {
        vault
            .set_destruction_bucket(
                &access,
                &sample.system,
                &sample.category,
                bucket,
                config.now,
            )
            .map_err(|err| err.to_string())?;
    }
    let vault = Arc::new(vault);
    let mut ids: Vec<RecordId> = Vec::with_capacity(config.records as usize);
    // The pipelined stream, as `recvault ingest` uses it: sealing overlaps the previous
    // batch's synced write. The stream stops at each checkpoint for lookups, which are not
    // timed as ingest.
    let mut spent = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut stored = 0;
    let points = checkpoints_of(config.records);
    for (index, &point) in points.iter().enumerate() {
        progress(&format!("ingesting records {} to {point}", stored + 1));
        // The data set is made before the clock starts, as for the baselines: what is timed
        // starts from records in memory, as they leave intake.
        let segment_batches: Vec<_> = batches_between(config, stored, point).collect();
        let cpu_before = cpu_time();
        let started = Instant::now();
        vault
            .ingest_stream(
                &access,
                config.now,
                segment_batches.into_iter().map(|batch| ((), batch)),
                |(), batch| ids.extend(batch.ids),
            )
            .map_err(|err| err.to_string())?;
        let segment = started.elapsed();
        spent += segment;
        cpu += cpu_time().saturating_sub(cpu_before);
        let last = index + 1 == points.len();
        let lookups = if last {
            config.lookups
        } else {
            config.lookups.min(2_000)
        };
        progress(&format!(
            "timing {lookups} lookups with {point} records stored"
        ));
        let latencies = time_lookups(&vault, &access, &ids, lookups, config.now)?;
        report.checkpoints.push(Checkpoint {
            records: point,
            ingest_records_per_s: (point - stored) as f64 / segment.as_secs_f64(),
            lookup_p50_ms: percentile(&latencies, 0.50),
            lookup_p99_ms: percentile(&latencies, 0.99),
        });
        stored = point;
        if last {
            report.lookup_ms = [
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.95),
                percentile(&latencies, 0.99),
                percentile(&latencies, 1.0),
            ];
        }
    }
    report.ingest_records_per_s = config.records as f64 / spent.as_secs_f64();
    report.ingest_cpu_us_per_record = cpu.as_secs_f64() * 1e6 / config.records.max(1) as f64;
    if ids.len() as u64 != config.records {
        return Err(format!(
            "{} records were stored of {}: the deduplication found a transfer twice",
            ids.len(),
            config.records
        ));
    }

    if let Some((clients, seconds)) = config.http {
        progress(&format!(
            "reads over HTTP: {clients} clients for {seconds} s"
        ));
        report.http = Some(http::run(
            Arc::clone(&vault),
            &ids,
            clients,
            seconds,
            config.now,
        )?);
    }
    report.disk_bytes_per_record =
        dir_size(&dir.join("vault")) as f64 / config.records.max(1) as f64;

    progress("destroying the largest cohort");
    let mut largest = (0, 0);
    for info in vault.key_status().map_err(|err| err.to_string())?.cohorts {
        if info.is_live() && matches!(info.kind, vault::CohortKind::Period { .. }) {
            let (records, _) = vault
                .cohort_records_digest(info.id)
                .map_err(|err| err.to_string())?;
            if records > largest.1 {
                largest = (info.id, records);
            }
        }
    }
    if largest.1 > 0 {
        // What a retention run does first: the plan, far enough ahead that every cohort is
        // due, and the digest of the doomed cohort's ids for its certificate.
        let catalog = policy::Catalog::builtin()
            .map_err(|_| "the built-in SORN files are invalid".to_owned())?;
        let far = config.now + chrono::Duration::days(365 * 20);
        let started = Instant::now();
        let plan = retention::run::plan_of(&vault, &catalog, far).map_err(|err| err.to_string())?;
        report.plan_ms = started.elapsed().as_secs_f64() * 1000.0;
        if !plan.iter().any(|due| due.cohort.id == largest.0) {
            return Err("the benchmark's largest cohort is not in the retention plan".into());
        }
        let started = Instant::now();
        vault
            .cohort_records_digest(largest.0)
            .map_err(|err| err.to_string())?;
        report.certificate_digest_ms = started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        vault
            .destroy_cohort(&access, largest.0, config.now)
            .map_err(|err| err.to_string())?;
        report.destroy_ms = started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        vault
            .compact_destroyed(&mut |_, _, _| {})
            .map_err(|err| err.to_string())?;
        report.purge_compaction_s = started.elapsed().as_secs_f64();
        report.destroy_records = largest.1;
    }
    drop(vault);
    // Each store is removed once measured, so a large run needs the disk of one at a time.
    let _ = fs::remove_dir_all(dir.join("vault"));

    if config.rocksdb_baselines {
        progress("baseline: plain RocksDB, record and index");
        report.rocksdb_records_per_s = Some(baseline(
            config,
            &dir.join("plain"),
            BaselineWrites::RecordAndIndex,
        )?);
        progress("baseline: plain RocksDB, record only");
        report.rocksdb_record_only_per_s = Some(baseline(
            config,
            &dir.join("plain-record-only"),
            BaselineWrites::RecordOnly,
        )?);
    }
    if let Some((clients, seconds, batch_sizes)) = &config.postgres {
        report.postgres = Some(postgres::run(
            config,
            &dir.join("postgres"),
            *clients,
            *seconds,
            batch_sizes,
            progress,
        )?);
    }
    if let Some(path) = &config.chart {
        fs::write(path, chart::svg(&report))
            .map_err(|err| format!("writing the chart `{}`: {err}", path.display()))?;
    }
    Ok(report)
}

/// Where the ingest stops to time lookups: every eighth of the records, and at 1 and 10
/// million records when the run passes them.
fn checkpoints_of(records: u64) -> Vec<u64> {
    let mut points: Vec<u64> = (1..=8).map(|k| records * k / 8).collect();
    points.extend(
        [1_000_000, 10_000_000]
            .into_iter()
            .filter(|&mark| mark < records),
    );
    points.retain(|&point| point > 0);
    points.sort_unstable();
    points.dedup();
    points
}

/// Times `lookups` lookups by SSN of records among those stored, each checked to find its
/// record.
fn time_lookups(
    vault: &Vault,
    access: &vault::Access,
    ids: &[RecordId],
    lookups: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Duration>, String> {
    let system = SystemId::new("fincen-cbetf").map_err(|err| err.to_string())?;
    let mut latencies = Vec::with_capacity(lookups);
    for lookup_idx in 0..lookups as u64 {
        let n = mix(lookup_idx ^ 0xbeef) % ids.len().max(1) as u64;
        let key = SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, ssn_of(n)));
        let started = Instant::now();
        let found = vault
            .lookup(access, &system, &key, now)
            .map_err(|err| err.to_string())?;
        latencies.push(started.elapsed());
        let expected = ids.get(n as usize).ok_or("lookup sample out of range")?;
        if !found.contains(expected) {
            return Err(format!(
                "lookup {lookup_idx} did not find record {n}: the index is wrong"
            ));
        }
    }
    latencies.sort();
    Ok(latencies)
}

/// Times policy decisions over the shipped SORN files: a mix of allowed and denied reads,
/// searches and free-text reads across the three systems and their phases, each decided as
/// the gate decides it. Returns the median first decision, and p50 and p99 of the rest, in
/// microseconds.
fn decision_latency() -> Result<[f64; 3], String> {
    use policy::{Action, Policy, Request, Vetting};
    let policy = Policy::builtin().map_err(|err| err.to_string())?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let vetting = Vetting {
        background_investigation: Some(today),
        privacy_training: Some(today),
        attested: true,
        today,
    };
    let cases: [(&str, &str, Action, &str, &str, &str); 8] = [
        (
            "dhs-cbp",
            "analyst",
            Action::RecordRead,
            "cbp-pnr",
            "production",
            "counterterrorism",
        ),
        (
            "dhs-cbp",
            "analyst",
            Action::RecordRead,
            "cbp-pnr",
            "limited",
            "counterterrorism",
        ),
        (
            "dhs-cbp",
            "internal-affairs",
            Action::RecordRead,
            "cbp-pnr",
            "deleted-record-file",
            "audit",
        ),
        (
            "dhs-ice",
            "analyst",
            Action::RecordSearch,
            "dhs-ice-005-ttar",
            "production",
            "investigation",
        ),
        (
            "treasury-fincen",
            "analyst",
            Action::RecordRead,
            "dhs-ice-005-ttar",
            "production",
            "investigation",
        ),
        (
            "treasury-fincen",
            "analyst",
            Action::RecordRead,
            "fincen-cbetf",
            "production",
            "investigation",
        ),
        (
            "treasury-fincen",
            "maintainer",
            Action::RecordRead,
            "fincen-cbetf",
            "production",
            "investigation",
        ),
        (
            "dhs-cbp",
            "analyst",
            Action::RecordReadFreeText,
            "cbp-pnr",
            "production",
            "counterterrorism",
        ),
    ];
    let mut latencies = Vec::with_capacity(40_000);
    for round in 0..5_000 {
        for (organization, role, action, system, phase, purpose) in cases {
            let request = Request {
                principal: "bench",
                organization,
                role,
                vetting,
                action,
                system,
                category: None,
                phase: Some(phase),
                purpose: Some(purpose),
                case_id: Some("BENCH-1"),
                fields: None,
                high_risk: round % 2 == 0,
            };
            let started = Instant::now();
            std::hint::black_box(policy.decide(&request));
            latencies.push(started.elapsed());
        }
    }
    let mut first: Vec<Duration> = latencies.drain(..cases.len()).collect();
    first.sort();
    latencies.sort();
    let micros = |sorted: &[Duration], fraction| percentile(sorted, fraction) * 1000.0;
    Ok([
        micros(&first, 0.50),
        micros(&latencies, 0.50),
        micros(&latencies, 0.99),
    ])
}

/// Total size of the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .map(|entry| {
                    let path = entry.path();
                    if path.is_dir() {
                        dir_size(&path)
                    } else {
                        entry.metadata().map_or(0, |metadata| metadata.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn baseline(config: &BenchConfig, dir: &Path, writes: BaselineWrites) -> Result<f64, String> {
    let mut plain = PlainBaseline::create(dir, writes).map_err(|err| err.to_string())?;
    let mut spent = Duration::ZERO;
    for batch in batches(config) {
        let started = Instant::now();
        plain.write(&batch).map_err(|err| err.to_string())?;
        // The vault drops each batch's records once written: timed alike.
        drop(batch);
        spent += started.elapsed();
    }
    drop(plain);
    let _ = fs::remove_dir_all(dir);
    Ok(config.records as f64 / spent.as_secs_f64())
}

impl BenchReport {
    /// The vault's ingest rate over the plain-RocksDB baseline with the same writes.
    pub fn ratio_to_rocksdb(&self) -> Option<f64> {
        self.rocksdb_records_per_s
            .map(|plain| self.ingest_records_per_s / plain)
    }

    /// The vault's ingest rate over plain RocksDB writing the record alone.
    pub fn ratio_to_record_only(&self) -> Option<f64> {
        self.rocksdb_record_only_per_s
            .map(|plain| self.ingest_records_per_s / plain)
    }

    /// The vault's ingest rate over PostgreSQL's at its best batch size.
    pub fn ratio_to_postgres(&self) -> Option<f64> {
        self.postgres
            .as_ref()
            .and_then(PostgresBaseline::best)
            .map(|(_, rate)| self.ingest_records_per_s / rate)
    }

    /// Lookup p99 (ms) at a checkpoint of exactly `records` records.
    pub fn lookup_p99_at(&self, records: u64) -> Option<f64> {
        self.checkpoints
            .iter()
            .find(|checkpoint| checkpoint.records == records)
            .map(|checkpoint| checkpoint.lookup_p99_ms)
    }

    /// Every figure as one line of JSON.
    pub fn json(&self) -> String {
        let round = |value: f64, places: i32| {
            let scale = 10f64.powi(places);
            (value * scale).round() / scale
        };
        let best = self.postgres.as_ref().and_then(PostgresBaseline::best);
        serde_json::json!({
            "records": self.records,
            "arrival": match self.arrival {
                Arrival::Filed => "filed",
                Arrival::Shuffled => "shuffled",
            },
            "ingest_records_per_s": round(self.ingest_records_per_s, 1),
            "ingest_cpu_us_per_record": round(self.ingest_cpu_us_per_record, 2),
            "rocksdb_records_per_s": self.rocksdb_records_per_s.map(|v| round(v, 1)),
            "rocksdb_record_only_per_s": self.rocksdb_record_only_per_s.map(|v| round(v, 1)),
            "ingest_ratio_to_rocksdb": self.ratio_to_rocksdb().map(|v| round(v, 4)),
            "ingest_ratio_to_rocksdb_record_only": self.ratio_to_record_only().map(|v| round(v, 4)),
            "postgres_records_per_s": best.map(|(_, rate)| round(rate, 1)),
            "postgres_best_batch": best.map(|(batch, _)| batch),
            "postgres_clients": self.postgres.as_ref().map(|pg| pg.clients),
            "postgres_by_batch": self.postgres.as_ref().map(|pg| pg.by_batch.iter().map(|(batch, rate)| serde_json::json!({"batch": batch, "records_per_s": round(*rate, 1)})).collect::<Vec<_>>()),
            "ingest_ratio_to_postgres": self.ratio_to_postgres().map(|v| round(v, 3)),
            "lookup_p50_ms": round(self.lookup_ms[0], 4),
            "lookup_p95_ms": round(self.lookup_ms[1], 4),
            "lookup_p99_ms": round(self.lookup_ms[2], 4),
            "lookup_max_ms": round(self.lookup_ms[3], 4),
            "lookup_p99_ms_1m": self.lookup_p99_at(1_000_000).map(|v| round(v, 4)),
            "lookup_p99_ms_10m": self.lookup_p99_at(10_000_000).map(|v| round(v, 4)),
            "checkpoints": self.checkpoints.iter().map(|c| serde_json::json!({
                "records": c.records,
                "ingest_records_per_s": round(c.ingest_records_per_s, 1),
                "lookup_p50_ms": round(c.lookup_p50_ms, 4),
                "lookup_p99_ms": round(c.lookup_p99_ms, 4),
            })).collect::<Vec<_>>(),
            "http_clients": self.http.as_ref().map(|h| h.clients),
            "http_reads_per_s": self.http.as_ref().map(|h| round(h.reads_per_s, 1)),
            "http_p50_ms": self.http.as_ref().map(|h| round(h.latency_ms[0], 3)),
            "http_p99_ms": self.http.as_ref().map(|h| round(h.latency_ms[2], 3)),
            "index_periods": self.index_periods,
            "index_entries_per_record": self.index_entries_per_record,
            "plaintext_bytes_per_record": self.plaintext_bytes_per_record,
            "disk_bytes_per_record": round(self.disk_bytes_per_record, 1),
            "decision_first_us": round(self.decision_us[0], 2),
            "decision_p50_us": round(self.decision_us[1], 2),
            "decision_p99_us": round(self.decision_us[2], 2),
            "destroy_cohort_records": self.destroy_records,
            "destroy_cohort_ms": round(self.destroy_ms, 2),
            "purge_compaction_s": round(self.purge_compaction_s, 2),
            "retention_plan_ms": round(self.plan_ms, 2),
            "certificate_digest_ms": round(self.certificate_digest_ms, 2),
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(records: u64, arrival: Arrival) -> BenchConfig {
        BenchConfig {
            records,
            batch_size: 1000,
            lookups: 0,
            years: 3,
            rocksdb_baselines: false,
            postgres: None,
            http: None,
            chart: None,
            dir: PathBuf::from("unused"),
            now: Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap(),
            bucket: None,
            arrival,
        }
    }

    /// Filed records come in the order of their transfers, at most three days out, and cover
    /// every year; shuffled ones jump across the years from one record to the next.
    #[test]
    fn arrival_orders_collection_times() {
        let filed = config(30_000, Arrival::Filed);
        let times: Vec<_> = (0..30_000)
            .map(|n| record(n, &filed).collected_at)
            .collect();
        let mut latest = times[0];
        for at in &times {
            assert!(
                *at > latest - chrono::Duration::days(4),
                "{at} after {latest}"
            );
            latest = latest.max(*at);
        }
        let years: std::collections::BTreeSet<i32> = times.iter().map(|at| at.year()).collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), [2024, 2025, 2026]);

        let shuffled = config(30_000, Arrival::Shuffled);
        let backwards = (1..1000)
            .filter(|&n| {
                record(n, &shuffled).collected_at
                    < record(n - 1, &shuffled).collected_at - chrono::Duration::days(4)
            })
            .count();
        assert!(backwards > 200, "{backwards} of 999 steps go back in time");
    }
}

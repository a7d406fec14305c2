//! `recvault keys`: the key hierarchy's state (ids, epochs, versions, ages; never key bytes)
//! and root-key rotation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use vault::CohortKind;

use crate::cli::{Failure, VaultPaths};

/// Arguments of `recvault keys`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Show the root epoch and every cohort key: id, what it covers, version, age, state.
    Status {
        #[command(flatten)]
        paths: VaultPaths,
    },
    /// Set how long a system's category's destruction buckets are (`day` for short retention
    /// windows such as PNR's, `month` by default, `year`), before its first record.
    Bucket {
        /// The system of records.
        #[arg(long, value_name = "SYSTEM")]
        system: String,
        /// The category within it.
        #[arg(long, value_name = "CATEGORY")]
        category: String,
        /// `day`, `month` or `year`.
        #[arg(long, value_name = "BUCKET", value_parser = ["day", "month", "year"])]
        bucket: String,
        #[command(flatten)]
        paths: VaultPaths,
    },
    /// Start a new root epoch: re-wrap every cohort key under a fresh root key, then destroy
    /// the old one in the key store.
    Rotate {
        #[command(flatten)]
        paths: VaultPaths,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Status { paths } => status(&paths),
        Command::Bucket {
            system,
            category,
            bucket,
            paths,
        } => {
            let system = model::SystemId::new(&system)?;
            let bucket = vault::Bucket::from_name(&bucket)
                .ok_or_else(|| Failure::failed("the bucket must be `day`, `month` or `year`"))?;
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            vault.set_destruction_bucket(
                &crate::cli::operator("configuration"),
                &system,
                &category,
                bucket,
                Utc::now(),
            )?;
            outln!(
                "`{system}/{category}` records die together by {}",
                bucket.name()
            );
            Ok(())
        }
        Command::Rotate { paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let epoch =
                vault.rotate_root_key(&crate::cli::operator("key-management"), Utc::now())?;
            outln!(
                "rotated the root key: epoch {epoch} is in force and epoch {} is destroyed",
                epoch - 1
            );
            Ok(())
        }
    }
}

fn status(paths: &VaultPaths) -> Result<(), Failure> {
    let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
    let now = Utc::now();
    let keys = vault.key_status()?;
    let status = vault.status()?;
    let systems: HashMap<u16, String> = status
        .systems
        .iter()
        .map(|(number, system)| (*number, system.to_string()))
        .collect();
    let partitions: HashMap<u16, String> = status
        .partitions
        .into_iter()
        .map(|partition| {
            (
                partition.id,
                format!("{}/{}", partition.system, partition.category),
            )
        })
        .collect();
    outln!("root key epoch {}", keys.root_epoch);
    outln!("live cohort keys {}", keys.live_cohort_keys);
    for cohort in &keys.cohorts {
        let covers = match &cohort.kind {
            CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            } => {
                // The bucket's length says how to name it: a day, a month or a year.
                let format = match end_ms - start_ms {
                    length if length <= 86_400_000 => "%Y-%m-%d",
                    length if length <= 31 * 86_400_000 => "%Y-%m",
                    _ => "%Y",
                };
                format!(
                    "period {} collected {}",
                    partitions.get(partition).map_or("?", String::as_str),
                    date(*start_ms).format(format)
                )
            }
            CohortKind::Hold { reference } => format!("hold `{reference}`"),
            CohortKind::Deferred {
                partition,
                start_ms,
                ..
            } => format!(
                "deleted record file of {} collected {}",
                partitions.get(partition).map_or("?", String::as_str),
                date(*start_ms).format("%Y-%m-%d")
            ),
            CohortKind::IndexPeriod { system, kind, year } => format!(
                "index {} {} {year}",
                systems.get(system).map_or("?", String::as_str),
                vault::index_kind_name(*kind)
            ),
            CohortKind::Accounting { year } => format!("accounting entries kept until {year}"),
        };
        let state = match cohort.destroyed_ms {
            Some(ms) => format!("destroyed {}", date(ms).format("%Y-%m-%d")),
            None => "live".to_owned(),
        };
        outln!(
            "  cohort {:>6}  {covers}  key v{}  made {} ({} days ago)  {state}",
            cohort.id,
            cohort.key_version,
            date(cohort.created_ms).format("%Y-%m-%d"),
            (now - date(cohort.created_ms)).num_days()
        );
    }
    Ok(())
}

fn date(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

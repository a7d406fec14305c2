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
        Command::Rotate { paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let epoch =
                vault.rotate_root_key(&crate::cli::operator("key-management"), Utc::now())?;
            println!(
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
    println!("root key epoch {}", keys.root_epoch);
    println!("live cohort keys {}", keys.live_cohort_keys);
    for cohort in &keys.cohorts {
        let covers = match &cohort.kind {
            CohortKind::Period {
                partition,
                start_ms,
                ..
            } => format!(
                "period {} collected {}",
                partitions.get(partition).map_or("?", String::as_str),
                date(*start_ms).format("%Y-%m")
            ),
            CohortKind::Hold { reference } => format!("hold `{reference}`"),
            CohortKind::IndexPeriod { system, kind, year } => format!(
                "index {} {} {year}",
                systems.get(system).map_or("?", String::as_str),
                vault::index_kind_name(*kind)
            ),
        };
        let state = match cohort.destroyed_ms {
            Some(ms) => format!("destroyed {}", date(ms).format("%Y-%m-%d")),
            None => "live".to_owned(),
        };
        println!(
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

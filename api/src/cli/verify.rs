//! `recvault verify`: opens every record, prints none, and lists those that fail.

use crate::cli::{Failure, VaultPaths};

/// Arguments of `recvault verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    paths: VaultPaths,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let vault = vault::Vault::open(&args.paths.data, &args.paths.key_store)?;
    let report = vault.verify(&crate::cli::operator("verification"), chrono::Utc::now())?;
    outln!(
        "verified {} records: {} readable, {} unreadable",
        report.records,
        report.records - report.unreadable.len() as u64,
        report.unreadable.len()
    );
    if report.unreadable.is_empty() {
        return Ok(());
    }
    for (id, reason) in &report.unreadable {
        outln!("  record {id}: {reason}");
    }
    Err(Failure::reported())
}

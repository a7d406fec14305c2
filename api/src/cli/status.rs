//! `recvault status`: what a vault holds, in numbers only.

use crate::cli::{Failure, VaultPaths};

/// Arguments of `recvault status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    paths: VaultPaths,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let vault = vault::Vault::open(&args.paths.data, &args.paths.key_store)?;
    let status = vault.status()?;
    outln!("format version {}", status.format_version);
    outln!("root key epoch {}", status.root_epoch);
    outln!("access log entries {}", status.log_entries);
    outln!(
        "records {}",
        status
            .partitions
            .iter()
            .map(|partition| partition.records)
            .sum::<u64>()
    );
    for partition in &status.partitions {
        outln!(
            "  partition {:>4}  {}/{}: {} records",
            partition.id,
            partition.system,
            partition.category,
            partition.records
        );
    }
    Ok(())
}

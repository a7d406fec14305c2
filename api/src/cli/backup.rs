//! `recvault backup` and `recvault restore`: checkpoints of the encrypted store, and restores
//! that bring back what still lives and nothing destroyed since.

use std::path::PathBuf;

use crate::cli::{Failure, Mode, VaultPaths};
use crate::client::Client;

/// Arguments of `recvault backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// A new directory for the checkpoint; sent to the server, a name for a new directory
    /// in its backup directory (`serve --backup-dir`).
    #[arg(long, value_name = "DEST")]
    to: PathBuf,
    #[command(flatten)]
    mode: Mode,
}

/// Arguments of `recvault restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup's checkpoint directory.
    #[arg(long, value_name = "BACKUP")]
    from: PathBuf,
    /// The current key table (from the vault's key-table directory).
    #[arg(long, value_name = "FILE")]
    key_table: PathBuf,
    #[command(flatten)]
    paths: VaultPaths,
}

pub(crate) fn backup(args: BackupArgs) -> Result<(), Failure> {
    let report = match args.mode.offline()? {
        Some(paths) => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            vault.backup(
                &crate::cli::operator("backup"),
                &args.to,
                chrono::Utc::now(),
            )?
        }
        None => {
            // A live checkpoint by the server, into a new directory of its backup directory.
            let name = args
                .to
                .to_str()
                .filter(|name| !name.contains('/'))
                .ok_or_else(|| {
                    Failure::usage(
                        "sent to a server, --to names a new directory in its backup directory (no `/`)",
                    )
                })?;
            let made = Client::new(&args.mode.client)?.backup(&crate::wire::NewBackup {
                name: name.to_owned(),
            })?;
            vault::BackupReport {
                checkpoint: PathBuf::from(made.checkpoint),
                key_table: made.key_table.map(PathBuf::from),
                epoch: made.epoch,
            }
        }
    };
    outln!(
        "backed up the encrypted store to `{}` (root epoch {})",
        report.checkpoint.display(),
        report.epoch
    );
    match report.key_table {
        Some(path) => outln!(
            "the current key table is `{}`: keep it with the backups",
            path.display()
        ),
        None => outln!(
            "this vault has no key-table directory: export one before relying on this backup"
        ),
    }
    outln!("no root-key bytes are in either");
    Ok(())
}

pub(crate) fn restore(args: RestoreArgs) -> Result<(), Failure> {
    let report = vault::restore(
        &args.from,
        &args.key_table,
        &args.paths.data,
        &args.paths.key_store,
    )?;
    outln!(
        "restored {} records into `{}` under root epoch {}; {} records of the backup were destroyed since and are not restored",
        report.records,
        args.paths.data.display(),
        report.epoch,
        report.purged
    );
    Ok(())
}

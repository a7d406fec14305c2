//! `recvault init`: creates a vault and its key store.

use crate::cli::{Failure, VaultPaths};

/// Arguments of `recvault init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    paths: VaultPaths,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let paths = args.paths;
    vault::Vault::create(&paths.data, &paths.key_store)?;
    println!("created a vault in `{}`", paths.data.display());
    println!(
        "its root key (epoch 1) is in `{}`: keep that file off the data directory's backups",
        paths.key_store.display()
    );
    Ok(())
}

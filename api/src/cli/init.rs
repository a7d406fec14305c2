//! `recvault init`: creates a vault and its key store.

use crate::cli::{Failure, VaultPaths};

/// Arguments of `recvault init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    paths: VaultPaths,
    /// Where the key table is exported after every key change (outside the data directory;
    /// back it up with the backups). Default: `key-tables` beside the key store.
    #[arg(long, value_name = "DIR", env = "RECVAULT_KEY_TABLE_DIR")]
    key_table_dir: Option<std::path::PathBuf>,
    /// A directory (on another disk or host) that receives every signed checkpoint of the
    /// access log as an anchor file.
    #[arg(long, value_name = "DIR", env = "RECVAULT_ANCHOR_DIR")]
    anchor_dir: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let paths = args.paths;
    let key_table_dir = args.key_table_dir.unwrap_or_else(|| {
        paths
            .key_store
            .parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .join("key-tables")
    });
    let vault = vault::Vault::create(
        &crate::cli::operator("configuration"),
        &paths.data,
        &paths.key_store,
        &key_table_dir,
        chrono::Utc::now(),
    )?;
    if let Some(dir) = &args.anchor_dir {
        vault.set_anchor_dir(
            &crate::cli::operator("configuration"),
            Some(dir),
            chrono::Utc::now(),
        )?;
    }
    let public_key: String = vault
        .log_public_key()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("created a vault in `{}`", paths.data.display());
    println!(
        "its root key (epoch 1) is in `{}`: keep that file off the data directory's backups",
        paths.key_store.display()
    );
    println!(
        "its key table is exported to `{}` after every key change: back it up with the backups",
        key_table_dir.display()
    );
    println!("its access log is signed with public key {public_key}: pin it (`recvault audit verify --public-key`)");
    Ok(())
}

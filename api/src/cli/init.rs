//! `recvault init`: creates a vault and its key store and, with `--admin-token-file`, the
//! first administrator's account.

use std::io::Write;

use chrono::NaiveDate;

use crate::cli::{Failure, VaultPaths};
use gate::{check_account_fields, NewAccount};

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
    /// Import the SORN files of this directory instead of those shipped with recvault.
    #[arg(long, value_name = "DIR")]
    sorn_dir: Option<std::path::PathBuf>,
    /// Create the first administrator, `admin`, and write its token to this new file (mode
    /// 0600). Without it, add accounts offline with `recvault accounts add --data`.
    #[arg(long, value_name = "FILE")]
    admin_token_file: Option<std::path::PathBuf>,
    /// Create the first security officer, `security`, who attests the vetting of the
    /// accounts administrators create, and write its token to this new file (mode 0600).
    /// With the first administrator, a labelled bootstrap act of this host's operator.
    #[arg(long, value_name = "FILE")]
    security_officer_token_file: Option<std::path::PathBuf>,
    /// The administrator's organization.
    #[arg(long, value_name = "ORG", default_value = "treasury-fincen")]
    admin_organization: String,
    /// Date of the administrator's background investigation (default: today).
    #[arg(long, value_name = "DATE")]
    admin_background_investigation: Option<NaiveDate>,
    /// Date of the administrator's last privacy training (default: today).
    #[arg(long, value_name = "DATE")]
    admin_training_date: Option<NaiveDate>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let today = chrono::Utc::now().date_naive();
    let admin = NewAccount {
        name: "admin".into(),
        role: "admin".into(),
        organization: args.admin_organization.clone(),
        background_investigation: Some(args.admin_background_investigation.unwrap_or(today)),
        privacy_training: args.admin_training_date.unwrap_or(today),
    };
    check_account_fields(&admin).map_err(crate::cli::refused)?;
    // The systems of records, checked before anything is created.
    let sorns = match &args.sorn_dir {
        Some(dir) => crate::cli::sorn::read_dir(dir)?,
        None => crate::cli::sorn::builtin(),
    };
    let catalog = crate::cli::sorn::catalog_of(&sorns)?;
    // Claimed before the vault is made: a vault is never left without a way to administer it.
    let admin_file = args
        .admin_token_file
        .as_deref()
        .map(crate::cli::accounts::create_private)
        .transpose()?;
    let security_file = args
        .security_officer_token_file
        .as_deref()
        .map(crate::cli::accounts::create_private)
        .transpose()?;
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
    )
    .inspect_err(|_| {
        for path in [&args.admin_token_file, &args.security_officer_token_file]
            .into_iter()
            .flatten()
        {
            let _ = std::fs::remove_file(path);
        }
    })?;
    crate::cli::sorn::store(&vault, &sorns)?;
    // Destruction buckets from each system's records schedule (days for PNR), before any
    // record is stored.
    for system in catalog.systems() {
        let Some(bucket) = catalog
            .records_schedule(&system.id)
            .and_then(|schedule| schedule.bucket.as_deref())
            .and_then(vault::Bucket::from_name)
        else {
            continue;
        };
        let system_id = model::SystemId::new(&system.id)?;
        for category in &system.sorn.categories {
            vault.set_destruction_bucket(
                &crate::cli::operator("configuration"),
                &system_id,
                &category.get_ref().id,
                bucket,
                chrono::Utc::now(),
            )?;
        }
    }
    if let (Some(mut file), Some(path)) = (admin_file, &args.admin_token_file) {
        let token = add_account(&vault, &admin)?;
        file.write_all(format!("{}\n", token.as_str()).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| Failure::failed(format!("writing `{}`: {err}", path.display())))?;
        outln!(
            "the administrator `admin` ({}) has its token in `{}` (mode 0600)",
            admin.organization,
            path.display()
        );
    }
    if let (Some(mut file), Some(path)) = (security_file, &args.security_officer_token_file) {
        let security = NewAccount {
            name: "security".into(),
            role: "security-officer".into(),
            ..admin.clone()
        };
        let token = add_account(&vault, &security)?;
        file.write_all(format!("{}\n", token.as_str()).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| Failure::failed(format!("writing `{}`: {err}", path.display())))?;
        outln!(
            "the security officer `security` ({}) has its token in `{}` (mode 0600): it attests \
             the vetting of every account an administrator creates",
            security.organization,
            path.display()
        );
    }
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
    outln!("created a vault in `{}`", paths.data.display());
    let systems: Vec<&str> = catalog
        .systems()
        .iter()
        .map(|system| system.id.as_str())
        .collect();
    outln!("its systems of records: {}", systems.join(", "));
    outln!(
        "its root key (epoch 1) is in `{}`: keep that file off the data directory's backups",
        paths.key_store.display()
    );
    outln!(
        "its key table is exported to `{}` after every key change: back it up with the backups",
        key_table_dir.display()
    );
    outln!("its access log is signed with public key {public_key}: pin it (`recvault audit verify --public-key`)");
    Ok(())
}

/// Adds an account offline, as this host's operator; returns its token.
pub(crate) fn add_account(
    vault: &vault::Vault,
    new: &NewAccount,
) -> Result<zeroize::Zeroizing<String>, Failure> {
    gate::create_account(
        vault,
        &crate::cli::operator("administration"),
        new,
        true,
        chrono::Utc::now(),
    )
    .map(|token| token.token)
    .map_err(crate::cli::refused)
}

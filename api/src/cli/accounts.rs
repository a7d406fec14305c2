//! `recvault accounts`: add, list and disable accounts of the served vault. `add` also works
//! offline (`--data`), to bootstrap the first accounts before a server runs.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::cli::{Failure, Mode};
use crate::client::Client;
use crate::wire;
use gate::{check_account_fields, NewAccount};
use privacy::accounts::Accounts as _;

/// Arguments of `recvault accounts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create an account and write its token to a new file (mode 0600).
    Add {
        /// The account's name (lowercase letters, digits, `.`, `-`, `_`).
        name: String,
        /// Its role: admin, ingest, analyst, disclosure-officer, privacy-officer,
        /// records-officer, auditor, internal-affairs, oig, maintainer, foreign-partner.
        #[arg(long)]
        role: String,
        /// Its organization: dhs-ice, dhs-cbp, treasury-fincen, foreign-ttu.
        #[arg(long)]
        organization: String,
        /// Offline only (the host's operator, as a labelled bootstrap act): the date
        /// (YYYY-MM-DD) the holder's background investigation was completed; without it the
        /// account is refused until it is recorded. Against a server, a security officer
        /// attests vetting (`accounts vet`).
        #[arg(long, value_name = "DATE")]
        background_investigation: Option<NaiveDate>,
        /// Offline only: the date (YYYY-MM-DD) the holder last completed privacy training.
        #[arg(long, value_name = "DATE")]
        training_date: Option<NaiveDate>,
        /// Where to write the new token (must not exist; created with mode 0600).
        #[arg(long, value_name = "FILE")]
        new_token_file: PathBuf,
        #[command(flatten)]
        mode: Mode,
    },
    /// List accounts (never tokens).
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        mode: Mode,
    },
    /// As a security officer: attest an account's vetting (its holder's background
    /// investigation and last privacy training). An account made through the server works
    /// only once someone other than its creator has done this, and only with the new token
    /// the attestation makes (the creator's copy stops working): hand it to the holder.
    Vet {
        /// The account's name.
        name: String,
        /// Where to write the account's new token (created with mode 0600; must not exist).
        #[arg(long, value_name = "PATH")]
        new_token_file: PathBuf,
        /// Date (YYYY-MM-DD) the background investigation was completed.
        #[arg(long, value_name = "DATE")]
        background_investigation: NaiveDate,
        /// Date (YYYY-MM-DD) of the last privacy training.
        #[arg(long, value_name = "DATE")]
        training_date: NaiveDate,
        #[command(flatten)]
        client: crate::client::ClientArgs,
    },
    /// Disable an account: its token is refused from then on.
    Disable {
        /// The account's name.
        name: String,
        #[command(flatten)]
        mode: Mode,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Add {
            name,
            role,
            organization,
            background_investigation,
            training_date,
            new_token_file,
            mode,
        } => {
            let offline = mode.offline()?;
            // The bootstrap attests what happened: a date to come (a typo of 2062 for 2026)
            // would keep training from ever lapsing.
            let today = chrono::Utc::now().date_naive();
            if background_investigation.is_some_and(|date| date > today)
                || training_date.is_some_and(|date| date > today)
            {
                return Err(Failure::usage("vetting dates cannot be in the future"));
            }
            let privacy_training = match (&offline, training_date) {
                (Some(_), Some(date)) => date,
                (Some(_), None) => {
                    return Err(Failure::usage(
                        "offline, --training-date is required (the operator attests vetting as a bootstrap act)",
                    ))
                }
                (None, None) if background_investigation.is_none() => chrono::NaiveDate::default(),
                (None, _) => {
                    return Err(Failure::usage(
                        "against a server, vetting dates are attested by a security officer: `recvault accounts vet NAME --background-investigation D --training-date D`",
                    ))
                }
            };
            let new = NewAccount {
                name,
                role,
                organization,
                background_investigation,
                privacy_training,
            };
            check_account_fields(&new).map_err(crate::cli::refused)?;
            // Claim the file first: a token is never made that cannot be handed over.
            let mut file = create_private(&new_token_file)?;
            let made = match offline {
                Some(paths) => add_offline(&paths.data, &paths.key_store, &new),
                None => add_online(&Client::new(&mode.client)?, &new),
            };
            let token = match made {
                Ok(token) => token,
                Err(failure) => {
                    drop(file);
                    let _ = std::fs::remove_file(&new_token_file);
                    return Err(failure);
                }
            };
            file.write_all(format!("{}\n", token.as_str()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|err| {
                    Failure::failed(format!(
                        "the account `{}` was created but its token could not be written to `{}`: {err}; disable it",
                        new.name,
                        new_token_file.display()
                    ))
                })?;
            outln!(
                "created account `{}` ({} of {}); its token is in `{}` (mode 0600)",
                new.name,
                new.role,
                new.organization,
                new_token_file.display()
            );
            Ok(())
        }
        Command::List { json, mode } => {
            let accounts: Vec<wire::AccountView> = match mode.offline()? {
                Some(paths) => {
                    let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
                    vault
                        .accounts()?
                        .iter()
                        .map(wire::AccountView::of)
                        .collect()
                }
                None => Client::new(&mode.client)?.accounts()?.accounts,
            };
            for account in &accounts {
                if json {
                    let line = serde_json::to_string(account)
                        .map_err(|err| Failure::failed(format!("encoding an account: {err}")))?;
                    outln!("{line}");
                } else {
                    outln!(
                        "{:<24} {:<20} {:<16} bi {} training {}{}",
                        account.name,
                        account.role,
                        account.organization,
                        account
                            .background_investigation
                            .as_deref()
                            .unwrap_or("PENDING"),
                        account.privacy_training,
                        if account.disabled { "  DISABLED" } else { "" }
                    );
                }
            }
            Ok(())
        }
        Command::Vet {
            name,
            new_token_file,
            background_investigation,
            training_date,
            client,
        } => {
            // Claim the file first: a token is never made that cannot be handed over.
            let mut file = create_private(&new_token_file)?;
            let answer = Client::new(&client).and_then(|client| {
                client.vet_account(
                    &name,
                    &wire::Vetting {
                        background_investigation: background_investigation.to_string(),
                        privacy_training: training_date.to_string(),
                    },
                )
            });
            let token = match answer {
                Ok(mut vetted) => zeroize::Zeroizing::new(std::mem::take(&mut vetted.token)),
                Err(failure) => {
                    drop(file);
                    let _ = std::fs::remove_file(&new_token_file);
                    return Err(failure);
                }
            };
            file.write_all(format!("{}\n", token.as_str()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|err| {
                    Failure::failed(format!(
                        "the vetting of `{name}` was attested but its new token could not be written to `{}`: {err}; disable the account",
                        new_token_file.display()
                    ))
                })?;
            outln!(
                "attested the vetting of account `{name}`; its new token is in `{}` (mode 0600): hand it to the holder, the one made at creation no longer works",
                new_token_file.display()
            );
            Ok(())
        }
        Command::Disable { name, mode } => {
            match mode.offline()? {
                Some(paths) => {
                    let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
                    let mut account = vault
                        .account(&name)?
                        .ok_or_else(|| Failure::failed(format!("no account `{name}`")))?;
                    account.disabled = true;
                    vault.put_account(
                        &crate::cli::operator("administration"),
                        &account,
                        chrono::Utc::now(),
                    )?;
                }
                None => {
                    Client::new(&mode.client)?.disable_account(&name)?;
                }
            }
            outln!("disabled account `{name}`");
            Ok(())
        }
    }
}

fn add_offline(
    data: &Path,
    key_store: &Path,
    new: &NewAccount,
) -> Result<zeroize::Zeroizing<String>, Failure> {
    let vault = vault::Vault::open(data, key_store)?;
    crate::cli::init::add_account(&vault, new)
}

fn add_online(client: &Client, new: &NewAccount) -> Result<zeroize::Zeroizing<String>, Failure> {
    let mut created = client.add_account(&wire::NewAccount {
        name: new.name.clone(),
        role: new.role.clone(),
        organization: new.organization.clone(),
    })?;
    Ok(zeroize::Zeroizing::new(std::mem::take(&mut created.token)))
}

/// Creates `path` for writing with mode 0600; refuses if it exists.
pub(crate) fn create_private(path: &Path) -> Result<std::fs::File, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| Failure::failed(format!("cannot create `{}`: {err}", path.display())))
}

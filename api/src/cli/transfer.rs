//! `recvault transfer`: transfers to a records center through the server, as a records
//! officer (make, list, download a package), reading a package back for a request, a hold or
//! an audit, and checking a package offline against the log's pinned public key (what a
//! records center can do without any key of the vault).

use std::path::PathBuf;

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};
use crate::wire;

/// Arguments of `recvault transfer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Transfer a period cohort in its archive phase; prints the transfer's id and certificate.
    Make {
        /// The cohort (`recvault keys status` lists them).
        #[arg(long)]
        cohort: u32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List the transfers with their certificates.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Download a transfer's package, for the records center.
    Package {
        /// The transfer's id (`T-<cohort>-<number>`).
        id: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Read a package back with the vault's keys: for a request, a hold or an audit.
    Recall {
        /// The transfer's id.
        id: String,
        /// privacy-act-request, hold or audit.
        #[arg(long)]
        purpose: String,
        /// The request, hold or audit it serves.
        #[arg(long)]
        case: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Check a package against the log's public key, offline (no key of the vault needed).
    Verify {
        /// The package.
        package: PathBuf,
        /// The log's public key as pinned (64 hexadecimal digits; `recvault audit` prints it).
        #[arg(long)]
        public_key: String,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Make { cohort, client } => {
            let made = Client::new(&client)?.make_transfer(&wire::NewTransfer { cohort })?;
            outln!("{}", made.transfer);
            out!("{}", made.certificate);
        }
        Command::List { client } => {
            for done in Client::new(&client)?.transfers()?.transfers {
                outln!("{}  cohort {}", done.transfer, done.cohort);
            }
        }
        Command::Package { id, out, client } => {
            let bytes = Client::new(&client)?.transfer_package(&id)?;
            std::fs::write(&out, &bytes)
                .map_err(|err| Failure::failed(format!("writing `{}`: {err}", out.display())))?;
            outln!("{} bytes to {}", bytes.len(), out.display());
        }
        Command::Recall {
            id,
            purpose,
            case,
            client,
        } => {
            let recalled =
                Client::new(&client)?.recall_transfer(&id, &wire::Recall { purpose, case })?;
            outln!(
                "{}: {} records, {} annotations, {} accounting entries opened; manifest {}",
                recalled.transfer,
                recalled.records.len(),
                recalled.annotations,
                recalled.accounting_entries,
                recalled.manifest
            );
        }
        Command::Verify {
            package,
            public_key,
        } => {
            let key = vault::audit::parse_public_key(&public_key)
                .map_err(|err| Failure::usage(err.to_string()))?;
            let bytes = std::fs::read(&package).map_err(|err| {
                Failure::failed(format!("reading `{}`: {err}", package.display()))
            })?;
            let manifest = vault::transfer::verify_package(&bytes, &key)
                .map_err(|err| Failure::failed(err.to_string()))?;
            outln!(
                "{}: {} items as the signed manifest lists them (system {}, cohort {}); manifest {}",
                manifest.transfer,
                manifest.items.len(),
                manifest.system,
                manifest.cohort,
                hex::encode(manifest.digest)
            );
        }
    }
    Ok(())
}

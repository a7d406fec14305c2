//! `recvault transfer`: transfers to a records center through the server, as a records
//! officer (make, list, download a package), reading a package back for a request, a hold or
//! an audit, and checking a package offline against the log's pinned public key (what a
//! records center can do without any key of the vault).

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};

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

fn text<'a>(value: &'a Value, name: &str) -> Result<&'a str, Failure> {
    value[name]
        .as_str()
        .ok_or_else(|| Failure::failed(format!("the server's answer has no `{name}`")))
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Make { cohort, client } => {
            let answer = Client::new(&client)?.post("/v1/transfers", &json!({"cohort": cohort}))?;
            println!("{}", text(&answer, "transfer")?);
            print!("{}", text(&answer, "certificate")?);
        }
        Command::List { client } => {
            let answer = Client::new(&client)?.get("/v1/transfers")?;
            let list = answer["transfers"].as_array().ok_or_else(|| {
                Failure::failed("the server's answer has no `transfers`".to_owned())
            })?;
            for done in list {
                println!("{}  cohort {}", text(done, "transfer")?, done["cohort"]);
            }
        }
        Command::Package { id, out, client } => {
            let path = format!(
                "/v1/transfers/{}/package",
                crate::cli::hold::path_segment(&id)
            );
            let bytes = Client::new(&client)?.get_bytes(&path)?;
            std::fs::write(&out, &bytes)
                .map_err(|err| Failure::failed(format!("writing `{}`: {err}", out.display())))?;
            println!("{} bytes to {}", bytes.len(), out.display());
        }
        Command::Recall {
            id,
            purpose,
            case,
            client,
        } => {
            let path = format!(
                "/v1/transfers/{}/recall",
                crate::cli::hold::path_segment(&id)
            );
            let answer =
                Client::new(&client)?.post(&path, &json!({"purpose": purpose, "case": case}))?;
            let records = answer["records"].as_array().ok_or_else(|| {
                Failure::failed("the server's answer has no `records`".to_owned())
            })?;
            println!(
                "{}: {} records, {} annotations, {} accounting entries opened; manifest {}",
                text(&answer, "transfer")?,
                records.len(),
                answer["annotations"],
                answer["accounting_entries"],
                text(&answer, "manifest")?
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
            println!(
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

//! The command line: arguments, dispatch, and exit codes.
//!
//! Exit codes: 0 success; 1 the command failed (the message says why; nothing beyond what it
//! reports was changed); 2 the command line was wrong; 3 `ingest` finished but rejected some
//! lines (every other line is committed), or `verify` found unreadable records.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod backup;
mod bench;
mod ingest;
mod init;
mod keys;
mod status;
mod verify;

/// recvault: a privacy- and retention-enforcing records vault.
#[derive(Debug, Parser)]
#[command(name = "recvault", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where a vault lives: its data directory and, apart from it, its key store.
#[derive(Debug, clap::Args)]
pub struct VaultPaths {
    /// The vault's data directory.
    #[arg(long, value_name = "DIR", env = "RECVAULT_DATA")]
    pub data: PathBuf,
    /// The file key store holding the root key; must be outside the data directory, mode 0600.
    #[arg(long, value_name = "PATH", env = "RECVAULT_KEY_STORE")]
    pub key_store: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault: an empty data directory and, outside it, a key store with a fresh root key.
    Init(init::Args),
    /// Measure durable ingest and lookups on a scratch vault against plain RocksDB.
    Bench(bench::Args),
    /// The access log: anchors off the host, verification, audit search.
    Audit(audit::Args),
    /// Back up the encrypted store (a checkpoint) and export the current key table; no key bytes.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory with the current key table: what still lives
    /// comes back, what was destroyed since does not.
    Restore(backup::RestoreArgs),
    /// Load records from a JSON-lines file (offline: refused while a server holds the directory).
    Ingest(ingest::Args),
    /// Key hierarchy: status (ids, epochs, versions, ages) and root-key rotation.
    Keys(keys::Args),
    /// Show the vault's format, key epoch and record counts (never record contents).
    Status(status::Args),
    /// Open every record (printing none) and report any that is damaged or unreadable.
    Verify(verify::Args),
}

/// The access context of an offline command: the operating-system user at this host's
/// command line, acting as an operator for `purpose`. Every logged operation carries it.
pub(crate) fn operator(purpose: &str) -> vault::Access {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let user: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
    vault::Access::offline(&format!("os:{user}"), purpose)
}

/// A command's failure: the message for the operator and the exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// A failed command (exit code 1).
    pub fn failed(message: impl std::fmt::Display) -> Self {
        Failure {
            message: message.to_string(),
            code: 1,
        }
    }
}

impl Failure {
    /// The command finished and has printed what needs attention (exit code 3).
    pub fn reported() -> Self {
        Failure {
            message: String::new(),
            code: 3,
        }
    }
}

impl From<vault::Error> for Failure {
    fn from(err: vault::Error) -> Self {
        Failure::failed(err)
    }
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Status(args) => status::run(args),
        Command::Verify(args) => verify::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("recvault: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

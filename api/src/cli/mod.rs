//! The command line: arguments, dispatch, and exit codes.
//!
//! A command runs offline, on the vault's directory, if and only if `--data DIR` is given
//! (refused while a server holds the directory; offline commands never print record
//! contents). Otherwise it is a client of `recvault serve` (`--server`, `--token-file`).
//!
//! Exit codes: 0 success; 1 refused or invalid input (the reason is on standard error;
//! nothing beyond what the command reports was changed; an `ingest` that rejected lines
//! stored every other line); 2 the command line was wrong; 141 the reader of standard output
//! went away (`recvault hold list | head -1`), as a shell reports a writer stopped by SIGPIPE.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::failure::Failure;

/// The exit code when standard output's reader went away: 128 and SIGPIPE's number.
pub const BROKEN_PIPE_EXIT: u8 = 141;

/// The first failure to write to standard output, if one happened: later output is dropped.
static OUTPUT_FAILED: std::sync::OnceLock<std::io::ErrorKind> = std::sync::OnceLock::new();

/// Writes to standard output. `println!` panics when the reader went away (Rust ignores
/// SIGPIPE, and this crate forbids the `unsafe` that would restore it). Here the first failure
/// is kept and later output dropped; the command runs to its end, so a vault it opened closes
/// as it always does (the access log's closing checkpoint signed), and [`main`] then exits
/// quietly with [`BROKEN_PIPE_EXIT`], or with a message and 1 for another failure (a full
/// disk under a redirection). Exiting here would skip every destructor.
pub(crate) fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if OUTPUT_FAILED.get().is_some() {
        return;
    }
    if let Err(err) = std::io::stdout().lock().write_fmt(text) {
        let _ = OUTPUT_FAILED.set(err.kind());
    }
}

/// `println!` for the commands' output, through [`write_out`].
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for the commands' output, through [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

mod accounts;
mod audit;
mod backup;
mod calendar;
mod disclose;
pub(crate) mod hold;
mod ingest;
pub(crate) mod init;
mod keys;
mod reports;
mod requests;
mod retention;
pub(crate) mod search;
mod serve;
pub(crate) mod sorn;
mod status;
mod transfer;
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
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The file key store holding the root key; must be outside the data directory, mode 0600.
    #[arg(long, value_name = "PATH", env = "RECVAULT_KEY_STORE")]
    pub key_store: PathBuf,
}

/// Where a command that runs either way goes: offline on `--data DIR` (with `--key-store`),
/// or to the server.
#[derive(Debug, clap::Args)]
pub struct Mode {
    /// Work offline on this data directory (refused while a server holds it). Without it,
    /// the command is sent to the server.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The key store (offline only).
    #[arg(long, value_name = "PATH", env = "RECVAULT_KEY_STORE")]
    pub key_store: Option<PathBuf>,
    /// How to reach the server, when not offline.
    #[command(flatten)]
    pub client: crate::client::ClientArgs,
}

impl Mode {
    /// The vault's paths if the command runs offline; `None` for a client command.
    pub fn offline(&self) -> Result<Option<VaultPaths>, Failure> {
        match (&self.data, &self.key_store) {
            (Some(_), _) if self.client.server.is_some() || self.client.token_file.is_some() => {
                Err(Failure::usage(
                    "--data runs the command offline; --server and --token-file are for sending it to the server: give one or the other",
                ))
            }
            (Some(data), Some(key_store)) => Ok(Some(VaultPaths {
                data: data.clone(),
                key_store: key_store.clone(),
            })),
            (Some(_), None) => Err(Failure::usage(
                "offline (--data) needs --key-store PATH (or RECVAULT_KEY_STORE)",
            )),
            (None, _) => Ok(None),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault: an empty data directory and, outside it, a key store with a fresh root key.
    Init(init::Args),
    /// The access log: anchors off the host, verification, audit search.
    Audit(audit::Args),
    /// Back up the encrypted store (a checkpoint) and export the current key table; no key bytes.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory with the current key table: what still lives
    /// comes back, what was destroyed since does not.
    Restore(backup::RestoreArgs),
    /// Load records from a JSON-lines file: to the server, or offline with --data.
    Ingest(ingest::Args),
    /// Serve the HTTP API (owns the data directory while it runs).
    Serve(serve::Args),
    /// Accounts of the served vault: add, list, disable.
    Accounts(accounts::Args),
    /// Search a system's records by identifier (client): JSON lines out, one per record.
    Search(search::SearchArgs),
    /// Read one record by id (client): one JSON line.
    Get(search::GetArgs),
    /// Systems of records as SORN files: check, list, import.
    Sorn(sorn::Args),
    /// The legal calendar: due dates in working days, and each year's legal public holidays.
    Calendar(calendar::Args),
    /// Release records outside the agency on a legal basis (client): prints the package.
    Disclose(Box<disclose::DiscloseArgs>),
    /// The accounting of disclosures about a subject (client).
    Accounting(disclose::AccountingArgs),
    /// Retention: plan, run (through the server, as a records officer), certificates.
    Retention(retention::Args),
    /// Holds: place on records or a subject, release, list (through the server, as a
    /// records officer).
    Hold(hold::Args),
    /// Privacy Act requests: open, record events, show, what is due (through the server, as
    /// privacy staff).
    Requests(Box<requests::Args>),
    /// The privacy office's yearly reports: requests per system, complaints (through the
    /// server, as privacy staff or an auditor).
    Reports(reports::Args),
    /// Transfers to a records center: make, list, download a package, read one back (through
    /// the server), and check a package offline against the pinned public key.
    Transfer(transfer::Args),
    /// Key hierarchy: status (ids, epochs, versions, ages) and root-key rotation.
    Keys(keys::Args),
    /// Show the vault's format, key epoch and record counts (never record contents).
    Status(status::Args),
    /// Open every record (printing none) and report any that is damaged or unreadable.
    Verify(verify::Args),
}

/// The access context of an offline command: the operating-system user at this host's
/// command line, acting as an operator for `purpose`. Every logged operation carries it.
/// The user is the process's real user id (from `/proc/self/status`; `$USER` is whatever the
/// caller sets), named from `/etc/passwd` when it is there. Reading the two files needs no
/// `unsafe` call to `getuid` and no crate.
pub(crate) fn operator(purpose: &str) -> vault::Access {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next())
                .and_then(|real| real.parse::<u32>().ok())
        });
    let user = match uid {
        Some(uid) => user_name(uid).unwrap_or_else(|| format!("uid-{uid}")),
        None => "unknown".into(),
    };
    vault::Access::offline(&format!("os:{user}"), purpose)
}

/// The name `/etc/passwd` gives user `uid`, if it is a plain token.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid
            && !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .then(|| name.to_owned())
    })
}

/// A gate refusal as a command failure.
pub(crate) fn refused(refusal: gate::Refusal) -> Failure {
    use gate::Refusal;
    Failure::failed(match refusal {
        Refusal::Unauthenticated { rule, reason } | Refusal::Denied { rule, reason } => {
            format!("refused (rule `{rule}`): {reason}")
        }
        Refusal::Invalid(reason)
        | Refusal::Unprocessable(reason)
        | Refusal::NotFound(reason)
        | Refusal::Conflict(reason)
        | Refusal::Unavailable {
            reason,
            cause: None,
        }
        | Refusal::InsufficientStorage(reason) => reason,
        // The operator's own terminal: the whole chain of causes.
        Refusal::Unavailable {
            reason,
            cause: Some(cause),
        } => format!("{reason} ({cause})"),
        Refusal::Internal(internal) => internal.to_string(),
    })
}

/// `TYPE=VALUE` (`passport=CC:NUMBER` for a passport) as the API's identifier; errors never
/// repeat the value.
pub(crate) fn identifier_arg(text: &str) -> Result<crate::wire::Identifier, Failure> {
    let (kind, value) = text.split_once('=').ok_or_else(|| {
        Failure::usage("an identifier is TYPE=VALUE, for example ssn=123-45-6789")
    })?;
    if value.is_empty() {
        return Err(Failure::usage("the identifier's value is empty"));
    }
    let (value, country) = if kind == "passport" {
        let (country, number) = value.split_once(':').ok_or_else(|| {
            Failure::usage("a passport is passport=CC:NUMBER (issuing country, then number)")
        })?;
        (number, Some(country.to_owned()))
    } else {
        (value, None)
    };
    Ok(crate::wire::Identifier {
        kind: kind.to_owned(),
        value: value.to_owned(),
        country,
    })
}

/// `answer` as one line of JSON, for standard output.
pub(crate) fn json_line(answer: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string(answer)
        .map_err(|err| Failure::failed(format!("writing the answer as JSON: {err}")))
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Accounts(args) => accounts::run(args),
        Command::Search(args) => search::search(args),
        Command::Get(args) => search::get(args),
        Command::Sorn(args) => sorn::run(args),
        Command::Calendar(args) => calendar::run(args),
        Command::Disclose(args) => disclose::disclose(*args),
        Command::Accounting(args) => disclose::accounting(args),
        Command::Retention(args) => retention::run(args),
        Command::Hold(args) => hold::run(args),
        Command::Requests(args) => requests::run(*args),
        Command::Reports(args) => reports::run(args),
        Command::Transfer(args) => transfer::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Status(args) => status::run(args),
        Command::Verify(args) => verify::run(args),
    };
    // A flush at exit could fail too: try now, while it can be reported.
    if OUTPUT_FAILED.get().is_none() {
        if let Err(err) = std::io::Write::flush(&mut std::io::stdout()) {
            let _ = OUTPUT_FAILED.set(err.kind());
        }
    }
    match (OUTPUT_FAILED.get(), outcome) {
        (Some(std::io::ErrorKind::BrokenPipe), _) => ExitCode::from(BROKEN_PIPE_EXIT),
        (Some(kind), Ok(())) => {
            eprintln!(
                "recvault: writing to standard output failed ({kind}); what the command did is done"
            );
            ExitCode::from(1)
        }
        (_, Ok(())) => ExitCode::SUCCESS,
        (_, Err(failure)) => {
            if !failure.message().is_empty() {
                eprintln!("recvault: {}", failure.message());
            }
            ExitCode::from(failure.code())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_offline_principal_is_the_real_user_not_the_environment() {
        // The variables a caller sets cannot name the operator in the log.
        std::env::set_var("USER", "mallory");
        std::env::set_var("LOGNAME", "mallory");
        let principal = super::operator("test").principal;
        assert_ne!(principal, "os:mallory");
        assert!(
            principal.starts_with("os:") && principal != "os:unknown",
            "{principal}"
        );
    }
}

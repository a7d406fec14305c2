//! `recvault audit`: anchors for storage off the host, verification of the access log against
//! a pinned public key, and audit search (itself logged).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::json;
use vault::audit::{anchor_text, parse_anchor, parse_public_key, verify_log_at, LogQuery};

use crate::cli::{operator, Failure, VaultPaths};

/// Arguments of `recvault audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Sign a checkpoint over the log's head now and export it (to FILE or standard output),
    /// for storage off the host.
    Anchor {
        /// Where to write the anchor (default: standard output).
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
        #[command(flatten)]
        paths: VaultPaths,
    },
    /// Verify the access log of a stopped vault or a copy: the chain, every checkpoint's
    /// signature against the pinned public key, and (if given) an anchored checkpoint.
    /// Needs no key store.
    Verify {
        /// The vault's data directory (or a copy of it).
        #[arg(long, value_name = "DIR", env = "RECVAULT_DATA")]
        data: PathBuf,
        /// The log's public key as you pinned it (64 hexadecimal digits; `init` and `audit
        /// anchor` print it).
        #[arg(long, value_name = "HEX")]
        public_key: String,
        /// An anchor file kept off the host: finds truncation and rollback after it.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Remove the log's entries before SEQ: allowed only at a signed checkpoint, and only for
    /// entries older than the log's retention period. The chain stays verifiable from SEQ.
    Truncate {
        /// The first entry to keep (it must carry a signed checkpoint).
        #[arg(long, value_name = "SEQ")]
        at: u64,
        #[command(flatten)]
        paths: VaultPaths,
    },
    /// Set the log's retention period (ours to set; default 15 years).
    Retention {
        /// Days to keep entries.
        #[arg(long, value_name = "N")]
        days: u32,
        #[command(flatten)]
        paths: VaultPaths,
    },
    /// Search the access log; the search is itself logged.
    Search {
        #[command(flatten)]
        paths: VaultPaths,
        /// Only entries naming this record id.
        #[arg(long, value_name = "ID")]
        record: Option<String>,
        /// Only entries by this principal.
        #[arg(long, value_name = "P")]
        principal: Option<String>,
        /// Only entries of this action (`read`, `lookup`, `ingest`, `cohort.destroy`...).
        #[arg(long, value_name = "A")]
        action: Option<String>,
        /// Only entries at or after this time (RFC 3339).
        #[arg(long, value_name = "T")]
        from: Option<String>,
        /// Only entries before this time (RFC 3339).
        #[arg(long, value_name = "T")]
        to: Option<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Anchor { to, paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let (checkpoint, public_key) = vault.anchor(&operator("audit"), Utc::now())?;
            let text = anchor_text(&checkpoint, &public_key);
            match to {
                Some(path) => {
                    std::fs::write(&path, &text).map_err(|err| {
                        Failure::failed(format!("writing `{}`: {err}", path.display()))
                    })?;
                    println!(
                        "anchored entry {} in `{}`: store it off this host",
                        checkpoint.seq,
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Verify {
            data,
            public_key,
            anchor,
        } => {
            let public_key = parse_public_key(&public_key)?;
            let anchor = match anchor {
                Some(path) => Some(parse_anchor(&std::fs::read_to_string(&path).map_err(
                    |err| Failure::failed(format!("reading `{}`: {err}", path.display())),
                )?)?),
                None => None,
            };
            let report = verify_log_at(&data, &public_key, anchor.as_ref())?;
            match report.problem {
                None => {
                    println!(
                        "the access log verifies: {} entries, {} signed checkpoints, signed through entry {}{}",
                        report.entries,
                        report.checkpoints,
                        report.signed_through,
                        anchor.map_or(String::new(), |anchor| format!("; anchored entry {} present", anchor.seq))
                    );
                    Ok(())
                }
                Some(problem) => {
                    println!(
                        "the access log does NOT verify: first bad entry {}: {}",
                        problem.seq, problem.reason
                    );
                    Err(Failure::reported())
                }
            }
        }
        Command::Truncate { at, paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let removed = vault.truncate_log(&operator("audit"), at, Utc::now())?;
            println!("removed {removed} entries; the log now starts at entry {at}");
            Ok(())
        }
        Command::Retention { days, paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            vault.set_log_retention_days(&operator("audit"), days, Utc::now())?;
            println!("the access log keeps entries {days} days");
            Ok(())
        }
        Command::Search {
            paths,
            record,
            principal,
            action,
            from,
            to,
            json,
        } => {
            let time = |text: Option<String>, name: &str| -> Result<Option<i64>, Failure> {
                text.map(|text| {
                    DateTime::parse_from_rfc3339(&text)
                        .map(|time| time.timestamp_millis())
                        .map_err(|_| {
                            Failure::failed(format!("`--{name}` must be an RFC 3339 time"))
                        })
                })
                .transpose()
            };
            let query = LogQuery {
                record: record.map(|id| id.parse()).transpose()?,
                principal,
                action,
                from_ms: time(from, "from")?,
                to_ms: time(to, "to")?,
            };
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let entries = vault.audit_search(&operator("audit"), &query, Utc::now())?;
            for entry in &entries {
                if json {
                    println!("{}", entry_json(entry));
                } else {
                    println!(
                        "{:>8}  {}  {} ({}, {})  {} {}  {:?}  {}",
                        entry.seq,
                        rfc3339(entry.time_ms),
                        entry.access.principal,
                        entry.access.organization,
                        entry.access.role,
                        entry.action,
                        entry.system,
                        entry.decision,
                        entry.outcome
                    );
                }
            }
            if !json {
                println!("{} entries", entries.len());
            }
            Ok(())
        }
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn entry_json(entry: &vault::LogEntry) -> serde_json::Value {
    json!({
        "seq": entry.seq,
        "time": rfc3339(entry.time_ms),
        "principal": entry.access.principal,
        "organization": entry.access.organization,
        "role": entry.access.role,
        "action": entry.action,
        "purpose": entry.access.purpose,
        "case_id": entry.access.case_id,
        "system": entry.system,
        "record_ids": entry.record_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "tokens": entry.tokens.iter().map(|(year, token)| json!({"year": year, "token": hex(token)})).collect::<Vec<_>>(),
        "cohorts": entry.cohorts,
        "decision": match entry.decision { vault::Decision::Allow => "allow", vault::Decision::Deny => "deny" },
        "rule": entry.access.rule,
        "client": entry.access.client,
        "request_id": entry.access.request_id,
        "outcome": entry.outcome,
        "prev_hash": hex(&entry.prev_hash),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

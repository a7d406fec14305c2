//! `recvault audit`: anchors for storage off the host, verification of the access log against
//! a pinned public key, and audit search (itself logged).

use std::path::PathBuf;

use chrono::Utc;
use vault::audit::{anchor_text, parse_anchor, parse_public_key, verify_log_at, LogQuery};

use crate::cli::{operator, Failure, Mode, VaultPaths};
use crate::client::{Client, ClientArgs};
use crate::wire;

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
        /// Verify offline the data directory of a stopped vault (or a copy of it). Without
        /// it, the server verifies its live log (role auditor).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// The log's public key as you pinned it (64 hexadecimal digits; `init` and `audit
        /// anchor` print it). Required offline; against the server, the server's own key is
        /// used if omitted.
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
        /// An anchor file kept off the host: finds truncation and rollback after it.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
        #[command(flatten)]
        client: ClientArgs,
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
        mode: Mode,
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
                    outln!(
                        "anchored entry {} in `{}`: store it off this host",
                        checkpoint.seq,
                        path.display()
                    );
                }
                None => out!("{text}"),
            }
            Ok(())
        }
        Command::Verify {
            data,
            public_key,
            anchor,
            client,
        } => {
            let anchor_text = match &anchor {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|err| {
                    Failure::failed(format!("reading `{}`: {err}", path.display()))
                })?),
                None => None,
            };
            let anchor = anchor_text.as_deref().map(parse_anchor).transpose()?;
            let report = match data {
                Some(data) => {
                    if client.any() {
                        return Err(Failure::usage(
                            "--data verifies offline; --server and --token-file are for the server: give one or the other",
                        ));
                    }
                    let public_key = public_key.ok_or_else(|| {
                        Failure::usage(
                            "offline verification needs --public-key (the key you pinned)",
                        )
                    })?;
                    wire::Verification::of(&verify_log_at(
                        &data,
                        &parse_public_key(&public_key)?,
                        anchor.as_ref(),
                    )?)
                }
                None => Client::new(&client)?.verify_log(&wire::VerifyAgainst {
                    // The server takes the key's digits exactly; a key pasted with spaces
                    // around it is the same key.
                    public_key: public_key.map(|key| key.trim().to_owned()),
                    anchor: anchor_text,
                })?,
            };
            match report.problem {
                None => {
                    outln!(
                        "the access log verifies: {} entries from entry {}, {} signed checkpoints, signed through entry {}; {} entries in the unsigned tail{}{}",
                        report.entries,
                        report.base,
                        report.checkpoints,
                        report.signed_through,
                        report.unsigned_tail,
                        match report.checkpoint_every_entries {
                            Some(every) => format!(" (a checkpoint every {every} entries)"),
                            None => String::new(),
                        },
                        match report.truncations {
                            0 => String::new(),
                            n => format!("; {n} signed truncations"),
                        },
                    );
                    if report.time_rule_misses > 0 {
                        outln!(
                            "note: {} entries came a minute or more after the last checkpoint without one (entry times are the callers' clocks, so this is reported, not enforced)",
                            report.time_rule_misses
                        );
                    }
                    if let (Some(anchor), Some(how)) = (&anchor, &report.extension) {
                        outln!("the log extends the anchor at entry {}: {how}", anchor.seq);
                    }
                    Ok(())
                }
                Some(problem) => {
                    outln!(
                        "the access log does NOT verify: first bad entry {}: {}",
                        problem.seq,
                        problem.reason
                    );
                    Err(Failure::reported())
                }
            }
        }
        Command::Truncate { at, paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            let removed = vault.truncate_log(&operator("audit"), at, Utc::now())?;
            outln!("removed {removed} entries; the log now starts at entry {at}");
            Ok(())
        }
        Command::Retention { days, paths } => {
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            vault.set_log_retention_days(&operator("audit"), days, Utc::now())?;
            outln!("the access log keeps entries {days} days");
            Ok(())
        }
        Command::Search {
            mode,
            record,
            principal,
            action,
            from,
            to,
            json,
        } => {
            let entries: Vec<wire::LogEntryView> = match mode.offline()? {
                Some(paths) => {
                    let time = |text: Option<String>, name: &str| {
                        crate::server::time_filter(text.as_deref(), name)
                            .map_err(crate::cli::refused)
                    };
                    let query = LogQuery {
                        record: record.map(|id| id.parse()).transpose()?,
                        principal,
                        action,
                        from_ms: time(from, "from")?,
                        to_ms: time(to, "to")?,
                    };
                    let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
                    vault
                        .audit_search(&operator("audit"), &query, Utc::now())?
                        .iter()
                        .map(wire::LogEntryView::of)
                        .collect()
                }
                None => {
                    let mut query = String::new();
                    for (name, value) in [
                        ("record", record),
                        ("principal", principal),
                        ("action", action),
                        ("from", from),
                        ("to", to),
                    ] {
                        if let Some(value) = value {
                            query.push(if query.is_empty() { '?' } else { '&' });
                            query.push_str(&format!(
                                "{name}={}",
                                crate::client::query_escape(&value)
                            ));
                        }
                    }
                    Client::new(&mode.client)?.audit_entries(&query)?.entries
                }
            };
            for entry in &entries {
                if json {
                    outln!("{}", crate::cli::json_line(entry)?);
                } else {
                    outln!(
                        "{:>8}  {}  {} ({}, {})  {} {}  {}  {}",
                        entry.seq,
                        entry.time,
                        entry.principal,
                        entry.organization,
                        entry.role,
                        entry.action,
                        entry.system,
                        entry.decision,
                        entry.outcome
                    );
                }
            }
            if !json {
                outln!("{} entries", entries.len());
            }
            Ok(())
        }
    }
}

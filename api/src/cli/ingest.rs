//! `recvault ingest`: loads a JSON-lines file in synced batches, reporting progress as
//! "committed through line N" and ending with every rejected line's number and reason.
//! Sent to the server by default (streamed, with the file's hash as the idempotency key, so a
//! retry after a cut resumes without duplicates); offline with `--data`.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use chrono::Utc;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use crate::cli::{Failure, Mode, VaultPaths};
use crate::client::Client;
use crate::lines::{LineBatches, Rejected};

/// Arguments of `recvault ingest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The JSON-lines file to load (`-` for standard input, offline only). See
    /// docs/import-format.md.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    mode: Mode,
    /// Records per synced batch: a batch is committed (and reported) all together.
    #[arg(long, default_value = "1000", value_name = "N")]
    batch_size: NonZeroUsize,
}

/// Attempts of a served ingest before giving up (each resumes where the last stopped).
const ATTEMPTS: u32 = 3;

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.mode.offline()? {
        Some(paths) => offline(&args.file, &paths, args.batch_size.get()),
        None => served(
            &args.file,
            &Client::new(&args.mode.client)?,
            args.batch_size.get(),
        ),
    }
}

fn open_input(file: &Path) -> Result<(Box<dyn Read + Send>, Option<u64>), Failure> {
    if file.as_os_str() == "-" {
        return Ok((Box::new(io::stdin()), None));
    }
    let opened = File::open(file)
        .map_err(|err| Failure::failed(format!("cannot open `{}`: {err}", file.display())))?;
    let size = opened.metadata().ok().map(|metadata| metadata.len());
    Ok((Box::new(opened), size))
}

fn offline(file: &Path, paths: &VaultPaths, batch_size: usize) -> Result<(), Failure> {
    let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
    let (input, size) = open_input(file)?;
    let progress = progress_bar(size);
    let reader = BufReader::with_capacity(1 << 20, progress.wrap_read(input));

    // The clock is read here, at the edge, once: validation takes it as an input.
    let now = Utc::now();
    // Records are checked against the vault's SORN files, as the server checks them.
    let catalog = crate::cli::sorn::vault_catalog(&vault)?;
    let mut lines = LineBatches::new(reader, batch_size, now).admitting(Box::new(move |record| {
        crate::lines::admit_record(&catalog, record)
    }));
    let mut committed: u64 = 0;
    let mut reported: u64 = 0;
    // Each batch is sealed while the one before is synced; reports come in line order, once
    // a batch is durable.
    let outcome = vault.ingest_stream(
        &crate::cli::operator("intake"),
        now,
        std::iter::from_fn(|| lines.next_batch()),
        |through_line, ids| {
            committed += ids.len() as u64;
            reported = through_line;
            progress.suspend(|| println!("committed through line {through_line}"));
        },
    );
    let line_no = lines.line_no;
    if let Err(err) = outcome {
        return Err(stopped(&progress, line_no, committed, err.to_string()));
    }
    if let Some(err) = lines.read_error {
        return Err(stopped(
            &progress,
            line_no,
            committed,
            format!("reading the input failed: {err}"),
        ));
    }
    progress.finish_and_clear();
    if line_no > reported {
        println!("committed through line {line_no}");
    }
    summary(committed, line_no, &lines.rejected)
}

/// Streams the file to the server. The idempotency key is the file's SHA-256, so re-running
/// the same file (after a cut, or by mistake) stores nothing twice.
fn served(file: &Path, client: &Client, batch_size: usize) -> Result<(), Failure> {
    if file.as_os_str() == "-" {
        return Err(Failure::usage(
            "standard input cannot be resumed: give a file (or --data to ingest offline)",
        ));
    }
    let key = format!("sha256:{}", file_hash(file)?);
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS {
        let (input, size) = open_input(file)?;
        let progress = progress_bar(size);
        let input = progress.wrap_read(input);
        let mut reported = 0;
        let outcome = client.ingest(input, &key, batch_size, |line: &Value| {
            if let Some(through) = line
                .get("committed_through_line")
                .and_then(Value::as_u64)
                .filter(|_| line.get("done").is_none())
            {
                reported = through;
                progress.suspend(|| println!("committed through line {through}"));
            }
        });
        progress.finish_and_clear();
        match outcome {
            Ok(summary_line) => {
                let through = summary_line["committed_through_line"].as_u64().unwrap_or(0);
                let skipped = summary_line["skipped_through_line"].as_u64().unwrap_or(0);
                if skipped > 0 {
                    println!("lines 1 to {skipped} were stored by an earlier run; skipped");
                }
                if through > reported {
                    println!("committed through line {through}");
                }
                let rejected: Vec<Rejected> = summary_line["rejected"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|item| Rejected {
                        line: item["line"].as_u64().unwrap_or(0),
                        reason: item["reason"].as_str().unwrap_or("").to_owned(),
                    })
                    .collect();
                if let Some(problem) = summary_line.get("error") {
                    let status = problem["status"].as_u64().unwrap_or(500) as u16;
                    return Err(Failure::failed(format!(
                        "stopped after line {through}: {}; every line through {through} is stored, none after it",
                        crate::client::problem_message(status, problem)
                    )));
                }
                let lines = summary_line["lines"].as_u64().unwrap_or(0);
                let ingested = summary_line["ingested"].as_u64().unwrap_or(0);
                return summary(ingested, lines, &rejected);
            }
            Err(failure) if failure.is_connection() && attempt < ATTEMPTS => {
                eprintln!(
                    "recvault: {failure}; resuming (attempt {} of {ATTEMPTS})",
                    attempt + 1
                );
                last_error = Some(failure);
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            Err(failure) => return Err(failure),
        }
    }
    Err(last_error.unwrap_or_else(|| Failure::failed("the ingest did not complete")))
}

fn file_hash(file: &Path) -> Result<String, Failure> {
    let mut opened = File::open(file)
        .map_err(|err| Failure::failed(format!("cannot open `{}`: {err}", file.display())))?;
    let mut hasher = vault::crypto::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = opened
            .read(&mut buffer)
            .map_err(|err| Failure::failed(format!("reading `{}`: {err}", file.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finish()))
}

fn summary(ingested: u64, lines: u64, rejected: &[Rejected]) -> Result<(), Failure> {
    println!(
        "ingested {ingested} records from {lines} lines ({} rejected)",
        rejected.len()
    );
    if rejected.is_empty() {
        return Ok(());
    }
    println!("rejected lines:");
    for rejection in rejected {
        println!("  line {}: {}", rejection.line, rejection.reason);
    }
    Err(Failure::reported())
}

/// The failure of a run that stopped part way: says how far it is safe to assume it got.
fn stopped(progress: &ProgressBar, line_no: u64, committed: u64, reason: String) -> Failure {
    progress.abandon();
    Failure::failed(format!(
        "stopped at line {line_no}: {reason}; {committed} records were committed, \
         and no line after the last `committed through` report was stored"
    ))
}

fn progress_bar(size: Option<u64>) -> ProgressBar {
    let bar = match size {
        Some(size) => ProgressBar::new(size).with_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}

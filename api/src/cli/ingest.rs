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

use crate::cli::{Failure, Mode, VaultPaths};
use crate::client::Client;
use crate::intake_files::Stored;
use gate::lines::{Input, LineBatches, Rejected};
use zeroize::Zeroizing;

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
    /// The file's format: jsonl (the generic import), mt (SWIFT MT 103 / 202 COV, one message
    /// or an RJE file), pacs (ISO 20022 pacs.008 / pacs.009 COV), cbetf-csv or cbetf-jsonl (the
    /// data items of proposed 31 CFR 103.14(c)), tin (a bank's annual TIN report, proposed
    /// 103.14(e)), pnr (Passenger Name Records, one JSON object per line), ttar-csv (TTAR trade
    /// records).
    #[arg(long, default_value = "jsonl")]
    format: String,
    /// The reporting institution's BIC (default: the US institution at the border; required
    /// for data items and TIN reports).
    #[arg(long, value_name = "BIC")]
    reporter: Option<String>,
    /// bank (reports any amount) or money-transmitter ($1,000 or more).
    #[arg(long, default_value = "bank")]
    reporter_type: String,
    /// The filing date (YYYY-MM-DD; default today): reports more than five business days after
    /// the transmittal are accepted and flagged late.
    #[arg(long, value_name = "YYYY-MM-DD")]
    filed_on: Option<String>,
    /// Print the receipt as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Where the records come from: a JSON-lines file, or a converted file's records in memory.
enum Source<'a> {
    File(&'a Path),
    Converted {
        records: Vec<model::RecordContents>,
        key: String,
    },
}

/// Attempts of a served ingest before giving up (each resumes where the last stopped).
const ATTEMPTS: u32 = 3;

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    if args.format != "jsonl" {
        return run_converted(&args);
    }
    match args.mode.offline()? {
        Some(paths) => offline(Source::File(&args.file), &paths, args.batch_size.get()).map(drop),
        None => served(
            Source::File(&args.file),
            &Client::new(&args.mode.client)?,
            args.batch_size.get(),
        )
        .map(drop),
    }
}

/// Converts a file in an institution's format, ingests its records, and prints the receipt:
/// accepted, duplicates, flagged and rejected, each rejection with its location.
fn run_converted(args: &Args) -> Result<(), Failure> {
    let reporter_type = match args.reporter_type.as_str() {
        "bank" => intake::cbetf_map::ReporterType::Bank,
        "money-transmitter" => intake::cbetf_map::ReporterType::MoneyTransmitter,
        _ => {
            return Err(Failure::usage(
                "--reporter-type is `bank` or `money-transmitter`",
            ))
        }
    };
    let filed_on = match &args.filed_on {
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| Failure::usage("--filed-on is YYYY-MM-DD"))?,
        None => Utc::now().date_naive(),
    };
    if filed_on > Utc::now().date_naive() {
        return Err(Failure::usage("--filed-on cannot be in the future"));
    }
    let filing = intake::cbetf_map::Filing {
        reporter: args.reporter.clone(),
        reporter_type,
        filed_on,
        business_days: policy::calendar::add_working_days,
    };
    crate::intake_files::check_filing(&args.format, &filing).map_err(Failure::usage)?;
    let mut raw = Zeroizing::new(Vec::new());
    let (mut input, _) = open_input(&args.file)?;
    input
        .read_to_end(&mut raw)
        .map_err(|err| Failure::failed(format!("reading `{}`: {err}", args.file.display())))?;
    let text = std::str::from_utf8(&raw)
        .map_err(|_| Failure::failed(format!("`{}` is not UTF-8 text", args.file.display())))?;
    let mut conversion =
        crate::intake_files::convert(&args.format, text, &filing).map_err(Failure::usage)?;
    // The key covers the input and how it was read, so a re-run stores nothing twice.
    let mut hasher = vault::crypto::Sha256::new();
    hasher.update(&raw);
    hasher.update(
        format!(
            "\0{}\0{:?}\0{}\0{filed_on}",
            args.format, args.reporter, args.reporter_type
        )
        .as_bytes(),
    );
    let source = Source::Converted {
        records: std::mem::take(&mut conversion.records),
        key: format!("sha256:{}", hex::encode(hasher.finish())),
    };
    let stored = if conversion.origins.is_empty() {
        Stored::default()
    } else {
        match args.mode.offline()? {
            Some(paths) => offline(source, &paths, args.batch_size.get())?,
            None => served(
                source,
                &Client::new(&args.mode.client)?,
                args.batch_size.get(),
            )?,
        }
    };
    let receipt = conversion.receipt(&args.format, &stored);
    if args.json {
        outln!("{}", crate::cli::json_line(&receipt)?);
    } else {
        outln!(
            "{}: {} accepted, {} duplicates, {} flagged, {} rejected",
            args.format,
            stored.accepted,
            receipt.duplicates.len(),
            receipt.flagged.len(),
            receipt.rejections.len()
        );
        for duplicate in &receipt.duplicates {
            outln!(
                "  duplicate: {} reports the transfer of record {}; not stored again",
                duplicate.location,
                duplicate.first
            );
        }
        for flagged in &receipt.flagged {
            outln!("  flagged: {}: {}", flagged.location, flagged.flags);
        }
        for rejection in &receipt.rejections {
            outln!("  rejected: {}: {}", rejection.location, rejection.reason);
        }
    }
    if receipt.rejected == 0 {
        Ok(())
    } else {
        Err(Failure::reported())
    }
}

fn open_source(source: &Source<'_>) -> Result<(Box<dyn Read + Send>, Option<u64>), Failure> {
    match source {
        Source::File(file) => open_input(file),
        Source::Converted { records, .. } => {
            // Sized first, so the buffer never grows and leaves a copy of its records behind.
            let size = records
                .iter()
                .map(|record| model::import::written_len(record) + 1)
                .sum();
            let mut text = Zeroizing::new(Vec::with_capacity(size));
            // Each line is written straight into the buffer: no copy of it is made.
            for (index, record) in records.iter().enumerate() {
                model::import::write_line(record, &mut text).map_err(|invalid| {
                    Failure::failed(format!("converted record {}: {invalid}", index + 1))
                })?;
                text.push(b'\n');
            }
            Ok((Box::new(io::Cursor::new(text)), Some(size as u64)))
        }
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

fn offline(source: Source<'_>, paths: &VaultPaths, batch_size: usize) -> Result<Stored, Failure> {
    let converted = matches!(source, Source::Converted { .. });
    let vault = std::sync::Arc::new(vault::Vault::open(&paths.data, &paths.key_store)?);
    // A converted file's records go in as they are; a file's lines are read as they come.
    let (input, progress) = match source {
        Source::Converted { records, .. } => (
            Input::Records(records.into_iter()),
            // Converted in memory already: the receipt, not a bar, tells what happened.
            ProgressBar::hidden(),
        ),
        file @ Source::File(_) => {
            let (input, size) = open_source(&file)?;
            let progress = progress_bar(size);
            let reader = BufReader::with_capacity(1 << 20, progress.wrap_read(input));
            (Input::Lines(reader), progress)
        }
    };

    // The clock is read here, at the edge, once: validation takes it as an input.
    let now = Utc::now();
    // Records are checked against the vault's SORN files, as the server checks them.
    let catalog = crate::cli::sorn::vault_catalog(&vault)?;
    let mut receipts = gate::lines::FlightReceipts::new(std::sync::Arc::clone(&vault), now);
    let mut lines = LineBatches::of(input, batch_size, now).admitting(Box::new(move |record| {
        gate::lines::admit_record(&catalog, record)?;
        receipts.check(record)
    }));
    let mut stored = Stored::default();
    let mut reported: u64 = 0;
    let batch_lines = lines.batch_lines();
    // Each batch is sealed while the one before is synced; reports come in line order, once
    // a batch is durable.
    let outcome = vault.ingest_stream(
        &crate::cli::operator("intake"),
        now,
        std::iter::from_fn(|| lines.next_batch()),
        |through_line, ingested| {
            stored.accepted += ingested.stored() as u64;
            let (duplicates, conflicting) = batch_lines.reported(through_line, &ingested);
            let text = |(line, id): (u64, model::RecordId)| (line, id.to_string());
            stored
                .duplicates
                .extend(duplicates.into_iter().map(|(line, id)| {
                    (
                        line,
                        crate::intake_files::FirstReport::Record(id.to_string()),
                    )
                }));
            stored.conflicting.extend(conflicting.into_iter().map(text));
            reported = through_line;
            // A converted file's line numbers are not the user's: its receipt says it all.
            if !converted {
                progress.suspend(|| outln!("committed through line {through_line}"));
            }
        },
    );
    let line_no = lines.line_no;
    if let Err(err) = outcome {
        return Err(stopped(
            &progress,
            line_no,
            stored.accepted,
            err.to_string(),
        ));
    }
    if let Some(err) = lines.read_error {
        return Err(stopped(
            &progress,
            line_no,
            stored.accepted,
            format!("reading the input failed: {err}"),
        ));
    }
    progress.finish_and_clear();
    if converted {
        stored.rejected = lines.rejected;
        return Ok(stored);
    }
    if line_no > reported {
        outln!("committed through line {line_no}");
    }
    stored.rejected = lines.rejected;
    summary(&stored, line_no).map(|()| stored)
}

/// Streams the file to the server. The idempotency key is the file's SHA-256, so re-running
/// the same file (after a cut, or by mistake) stores nothing twice.
fn served(source: Source<'_>, client: &Client, batch_size: usize) -> Result<Stored, Failure> {
    let key = match &source {
        Source::File(file) if file.as_os_str() == "-" => {
            return Err(Failure::usage(
                "standard input cannot be resumed: give a file (or --data to ingest offline)",
            ))
        }
        Source::File(file) => format!("sha256:{}", file_hash(file)?),
        Source::Converted { key, .. } => key.clone(),
    };
    let converted = matches!(source, Source::Converted { .. });
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS {
        let (input, size) = open_source(&source)?;
        let progress = progress_bar(size);
        let input = progress.wrap_read(input);
        let mut reported = 0;
        let outcome = client.ingest(input, &key, batch_size, |line| {
            let through = line.committed_through_line;
            reported = through;
            if !converted {
                progress.suspend(|| outln!("committed through line {through}"));
            }
        });
        progress.finish_and_clear();
        match outcome {
            Ok(last) => {
                let through = last.committed_through_line;
                let skipped = last.skipped_through_line;
                if skipped > 0 && !converted {
                    outln!("lines 1 to {skipped} were stored by an earlier run; skipped");
                }
                if through > reported && !converted {
                    outln!("committed through line {through}");
                }
                if let Some(problem) = &last.error {
                    return Err(Failure::failed(format!(
                        "stopped after line {through}: {}; every line through {through} is stored, none after it",
                        crate::client::problem_text(problem)
                    )));
                }
                let stored = Stored {
                    accepted: last.ingested,
                    rejected: last
                        .rejected
                        .into_iter()
                        .map(|rejected| Rejected {
                            line: rejected.line,
                            reason: rejected.reason,
                        })
                        .collect(),
                    duplicates: last
                        .duplicates
                        .iter()
                        .map(|duplicate| {
                            (
                                duplicate.line,
                                crate::intake_files::FirstReport::Line(duplicate.first_line),
                            )
                        })
                        .collect(),
                    conflicting: last
                        .conflicting
                        .into_iter()
                        .map(|conflicting| (conflicting.line, conflicting.record))
                        .collect(),
                };
                if converted {
                    return Ok(stored);
                }
                return summary(&stored, last.lines).map(|()| stored);
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

fn summary(stored: &Stored, lines: u64) -> Result<(), Failure> {
    let rejected = &stored.rejected;
    outln!(
        "ingested {} records from {lines} lines ({} rejected)",
        stored.accepted,
        rejected.len()
    );
    for (line, first) in &stored.duplicates {
        match first {
            crate::intake_files::FirstReport::Record(id) => {
                outln!("  line {line}: reports the transfer of record {id} again; not stored again")
            }
            crate::intake_files::FirstReport::Line(first) => {
                outln!(
                    "  line {line}: reports the transfer of line {first} again; not stored again"
                )
            }
        }
    }
    for (line, id) in &stored.conflicting {
        outln!("  line {line}: stored as {id}, flagged: disagrees with an earlier report of its transfer");
    }
    if rejected.is_empty() {
        return Ok(());
    }
    outln!("rejected lines:");
    for rejection in rejected {
        outln!("  line {}: {}", rejection.line, rejection.reason);
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

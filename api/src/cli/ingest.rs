//! `recvault ingest`: loads a JSON-lines file offline, in synced batches, reporting progress
//! as "committed through line N" and ending with every rejected line's number and reason.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::num::NonZeroUsize;
use std::path::PathBuf;

use chrono::Utc;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zeroize::Zeroizing;

use crate::cli::{Failure, VaultPaths};
use crate::import::{parse_line, MAX_LINE_BYTES};

/// Arguments of `recvault ingest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The JSON-lines file to load (`-` for standard input). See docs/import-format.md.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    paths: VaultPaths,
    /// Records per synced batch: a batch is committed (and reported) all together.
    #[arg(long, default_value = "1000", value_name = "N")]
    batch_size: NonZeroUsize,
}

/// A line that could not be loaded, and why.
struct Rejected {
    line: u64,
    reason: String,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let vault = vault::Vault::open(&args.paths.data, &args.paths.key_store)?;
    let (input, size): (Box<dyn Read>, Option<u64>) = if args.file.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let file = File::open(&args.file).map_err(|err| {
            Failure::failed(format!("cannot open `{}`: {err}", args.file.display()))
        })?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        (Box::new(file), size)
    };
    let progress = progress_bar(size);
    let reader = BufReader::with_capacity(1 << 20, progress.wrap_read(input));

    // The clock is read here, at the edge, once: validation takes it as an input.
    let now = Utc::now();
    let mut lines = LineBatches {
        reader,
        batch_size: args.batch_size.get(),
        now,
        line_no: 0,
        rejected: Vec::new(),
        read_error: None,
    };
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
    let rejected = lines.rejected;
    println!(
        "ingested {committed} records from {line_no} lines ({} rejected)",
        rejected.len()
    );
    if rejected.is_empty() {
        return Ok(());
    }
    println!("rejected lines:");
    for rejection in &rejected {
        println!("  line {}: {}", rejection.line, rejection.reason);
    }
    Err(Failure::reported())
}

/// The input, cut into batches of valid records; rejected lines are set aside with their
/// reasons. A batch is tagged with the number of the last line it covers.
struct LineBatches<R> {
    reader: R,
    batch_size: usize,
    now: chrono::DateTime<Utc>,
    line_no: u64,
    rejected: Vec<Rejected>,
    read_error: Option<io::Error>,
}

impl<R: BufRead> LineBatches<R> {
    fn next_batch(&mut self) -> Option<(u64, Vec<vault::RecordContents>)> {
        let mut batch = Vec::with_capacity(self.batch_size);
        let mut line = Zeroizing::new(Vec::with_capacity(4096));
        while batch.len() < self.batch_size {
            line.clear();
            let too_long = match read_line(&mut self.reader, &mut line) {
                Ok(Some(too_long)) => too_long,
                Ok(None) => break,
                Err(err) => {
                    self.read_error = Some(err);
                    break;
                }
            };
            self.line_no += 1;
            let parsed = if too_long {
                Err(format!("line is longer than {MAX_LINE_BYTES} bytes"))
            } else {
                parse_checked(&line, self.now)
            };
            match parsed {
                Ok(None) => {}
                Ok(Some(record)) => batch.push(record),
                Err(reason) => self.rejected.push(Rejected {
                    line: self.line_no,
                    reason,
                }),
            }
        }
        if batch.is_empty() {
            None
        } else {
            Some((self.line_no, batch))
        }
    }
}

/// Reads one line (without its newline) into `line`. Returns `None` at the end of the input,
/// `Some(true)` for a line longer than the limit (consumed and discarded), else `Some(false)`.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    let read = reader
        .by_ref()
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        return Ok(Some(false));
    }
    if line.len() <= MAX_LINE_BYTES {
        return Ok(Some(false)); // the last line, without a newline
    }
    // Too long: skip to the end of the line without holding it in memory.
    line.clear();
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(newline) => {
                reader.consume(newline + 1);
                break;
            }
            None => {
                let len = chunk.len();
                reader.consume(len);
            }
        }
    }
    Ok(Some(true))
}

/// Parses and validates one line; blank lines are skipped (`Ok(None)`).
fn parse_checked(
    line: &[u8],
    now: chrono::DateTime<Utc>,
) -> Result<Option<vault::RecordContents>, String> {
    let text = std::str::from_utf8(line)
        .map_err(|err| format!("not valid UTF-8 (at byte {})", err.valid_up_to()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let record = parse_line(text)?;
    record.validate(now).map_err(|err| err.to_string())?;
    Ok(Some(record))
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

//! Intake files in the formats institutions and carriers send (SWIFT MT, ISO 20022 pacs, the
//! CBETF data items as CSV or JSON lines, TIN reports, PNR, TTAR), converted to records before
//! ingest: each message or row becomes a record (`model::RecordContents`, made by `intake`
//! directly) or a refusal with its location and reason, and flags (late, threshold unchecked)
//! are kept with the record. The records stay in memory (they hold personal data, wiped when
//! dropped) and go through the same ingest as a JSON-lines file's, numbered as its lines, where
//! the vault finds the reports of a transfer already stored (reports.rs); the receipt tells
//! every outcome by the location in the file.

use intake::cbetf_map::{self, Filing, Mapped};
use model::RecordContents;

use crate::wire;

/// The formats `recvault ingest --format` takes.
pub const FORMATS: [&str; 8] = [
    "jsonl",
    "mt",
    "pacs",
    "cbetf-csv",
    "cbetf-jsonl",
    "tin",
    "pnr",
    "ttar-csv",
];

/// A file converted to records. Ingest numbers them as lines, from 1, in this order.
#[derive(Default)]
pub struct Conversion {
    /// The records, each with its raw message (`model::RAW_SOURCE`).
    pub records: Vec<RecordContents>,
    /// Where each record came from (`message 3`, `line 7`), by its number.
    pub origins: Vec<String>,
    /// The flags intake put on each record (empty for none), by its number.
    pub flags: Vec<String>,
    /// Messages or rows refused before ingest: location and reason.
    pub refused: Vec<(String, String)>,
}

/// What ingest did with a converted file's records (by their number, from 1).
#[derive(Debug, Default)]
pub struct Stored {
    /// Records stored.
    pub accepted: u64,
    /// Lines refused at ingest, with reasons.
    pub rejected: Vec<gate::lines::Rejected>,
    /// Lines reporting a transfer already reported identically, with the first report.
    pub duplicates: Vec<(u64, FirstReport)>,
    /// Lines stored though they disagree with an earlier report, with their id.
    pub conflicting: Vec<(u64, String)>,
}

/// The first report of a duplicated transfer, as a receipt names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FirstReport {
    /// A stored record, by id (offline, for the vault's own operator).
    Record(String),
    /// An earlier line of the same file (through the server, which names nothing else).
    Line(u64),
}

impl From<&gate::IngestSummary> for Stored {
    fn from(summary: &gate::IngestSummary) -> Self {
        Stored {
            accepted: summary.ingested,
            rejected: summary.rejected.clone(),
            duplicates: summary
                .duplicates
                .iter()
                .map(|(line, first)| (*line, FirstReport::Line(*first)))
                .collect(),
            conflicting: summary
                .conflicting
                .iter()
                .map(|(line, id)| (*line, id.to_string()))
                .collect(),
        }
    }
}

impl Conversion {
    /// Where converted line `line` came from.
    fn location(&self, line: u64) -> String {
        usize::try_from(line)
            .ok()
            .and_then(|n| self.origins.get(n.wrapping_sub(1)))
            .cloned()
            .unwrap_or_else(|| format!("converted line {line}"))
    }

    /// The intake receipt: accepted (stored, flagged ones included), duplicates (linked, not
    /// stored again), flagged (accepted ones that are late, unchecked or inconsistent with
    /// another report) and rejected, each with its location in the file.
    pub fn receipt(&self, format: &str, stored: &Stored) -> wire::Receipt {
        let mut rejections: Vec<wire::Rejection> = self
            .refused
            .iter()
            .map(|(location, reason)| wire::Rejection {
                location: location.clone(),
                reason: reason.clone(),
            })
            .collect();
        let mut not_stored = std::collections::HashSet::new();
        for rejected in &stored.rejected {
            not_stored.insert(rejected.line);
            rejections.push(wire::Rejection {
                location: self.location(rejected.line),
                reason: rejected.reason.clone(),
            });
        }
        let duplicates: Vec<wire::ReceiptDuplicate> = stored
            .duplicates
            .iter()
            .map(|(line, first)| {
                not_stored.insert(*line);
                let first = match first {
                    FirstReport::Record(id) => id.clone(),
                    FirstReport::Line(first) => self.location(*first),
                };
                wire::ReceiptDuplicate {
                    location: self.location(*line),
                    first,
                }
            })
            .collect();
        let conflicting: std::collections::HashMap<u64, &String> = stored
            .conflicting
            .iter()
            .map(|(line, id)| (*line, id))
            .collect();
        let mut flagged = Vec::new();
        for (index, flags) in self.flags.iter().enumerate() {
            let line = index as u64 + 1;
            if not_stored.contains(&line) {
                continue;
            }
            let mut all: Vec<&str> = flags.split(',').filter(|flag| !flag.is_empty()).collect();
            if conflicting.contains_key(&line) {
                all.push("inconsistent");
            }
            if all.is_empty() {
                continue;
            }
            let conflict = conflicting.get(&line);
            flagged.push(wire::Flagged {
                location: self.location(line),
                flags: all.join(","),
                record: conflict.map(|id| (*id).clone()),
                reason: conflict.map(|_| "disagrees with an earlier report of the same transfer on amount, date or parties: both kept, linked by conflicts_with".to_owned()),
            });
        }
        wire::Receipt {
            format: format.to_owned(),
            accepted: stored.accepted,
            duplicates,
            flagged,
            rejected: rejections.len() as u64,
            rejections,
        }
    }
}

/// Checks the filing options for `format` before anything is read.
pub fn check_filing(format: &str, filing: &Filing) -> Result<(), String> {
    if format == "tin" {
        if filing.reporter_type == cbetf_map::ReporterType::MoneyTransmitter {
            return Err("the annual TIN report is filed by banks (proposed 31 CFR 103.14(e)), not money transmitters".into());
        }
        if filing.reporter.is_none() {
            return Err(
                "a TIN report names no reporting institution: give the reporter's BIC".into(),
            );
        }
    }
    Ok(())
}

/// Converts `text` of `format` (not `jsonl`) under `filing`.
pub fn convert(format: &str, text: &str, filing: &Filing) -> Result<Conversion, String> {
    // Each record carries the raw message it came from (`raw_message`): the MT message, the pacs
    // document, the CSV row under its header, the JSON line.
    check_filing(format, filing)?;
    let mut raws: Vec<Option<String>> = Vec::new();
    let mapped: Vec<(String, Result<Mapped, String>)> = match format {
        "mt" => intake::swift::parse_file(text)
            .into_iter()
            .enumerate()
            .map(|(index, parsed)| match parsed {
                Ok(message) => {
                    raws.push(Some(message.raw.clone()));
                    (
                        format!("message {}", index + 1),
                        cbetf_map::map_mt(&message, filing),
                    )
                }
                Err(err) => {
                    raws.push(None);
                    (err.location, Err(err.reason))
                }
            })
            .collect(),
        "pacs" => intake::pacs::parse(text)
            .into_iter()
            .inspect(|parsed| raws.push(parsed.as_ref().ok().map(|transfer| transfer.raw.clone())))
            .enumerate()
            .map(|(index, parsed)| match parsed {
                Ok(transfer) => (
                    format!("transaction {}", index + 1),
                    cbetf_map::map_pacs(&transfer, filing),
                ),
                Err(err) => (err.location, Err(err.reason)),
            })
            .collect(),
        "cbetf-csv" | "cbetf-jsonl" => {
            let parsed = if format == "cbetf-csv" {
                raws = intake::csv_raw_rows(text).into_iter().map(Some).collect();
                intake::cbetf::parse_csv(text)
            } else {
                raws = text
                    .lines()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| Some(line.to_owned()))
                    .collect();
                intake::cbetf::parse_json_lines(text)
            };
            // CSV rows start after the header; JSON lines count from the first line.
            let first_line = usize::from(format == "cbetf-csv") + 1;
            parsed
                .into_iter()
                .enumerate()
                .map(|(index, parsed)| match parsed {
                    Ok(items) => (
                        format!("row {}", index + first_line),
                        cbetf_map::map_items(&items, filing),
                    ),
                    Err(err) => (err.location, Err(err.reason)),
                })
                .collect()
        }
        "pnr" => intake::pnr::parse(text, filing.filed_on)
            .into_iter()
            .map(|(parsed, raw)| {
                raws.push(Some(raw));
                match parsed {
                    Ok((location, record)) => (
                        location,
                        Ok(Mapped {
                            record,
                            flags: Vec::new(),
                        }),
                    ),
                    Err(err) => (err.location, Err(err.reason)),
                }
            })
            .collect(),
        "tin" => {
            raws = intake::csv_raw_rows(text).into_iter().map(Some).collect();
            intake::tin::parse_csv(text)
                .into_iter()
                .enumerate()
                .map(|(index, parsed)| match parsed {
                    Ok(row) => (
                        format!("row {}", index + 2),
                        cbetf_map::map_tin(&row, filing),
                    ),
                    Err(err) => (err.location, Err(err.reason)),
                })
                .collect()
        }
        "ttar-csv" => {
            raws = intake::csv_raw_rows(text).into_iter().map(Some).collect();
            intake::ttar::parse_csv(text, filing.filed_on)
                .into_iter()
                .enumerate()
                .map(|(index, parsed)| match parsed {
                    Ok(record) => (
                        format!("row {}", index + 2),
                        Ok(Mapped {
                            record,
                            flags: Vec::new(),
                        }),
                    ),
                    Err(err) => (err.location, Err(err.reason)),
                })
                .collect()
        }
        other => {
            return Err(format!(
                "unknown format `{}`; formats are {}",
                model::display_token(other),
                FORMATS.join(", ")
            ))
        }
    };
    let mut conversion = Conversion::default();
    for (index, (location, outcome)) in mapped.into_iter().enumerate() {
        match outcome {
            Err(reason) => conversion.refused.push((location, reason)),
            Ok(mut mapped) => {
                if let Some(Some(raw)) = raws.get_mut(index) {
                    mapped
                        .record
                        .source
                        .insert(model::RAW_SOURCE.to_owned(), std::mem::take(raw));
                }
                conversion.records.push(mapped.record);
                conversion.origins.push(location);
                conversion.flags.push(mapped.flags.join(","));
            }
        }
    }
    for raw in raws.iter_mut().flatten() {
        zeroize::Zeroize::zeroize(raw);
    }
    Ok(conversion)
}

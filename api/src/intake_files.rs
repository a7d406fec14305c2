//! Intake files in the formats institutions send (SWIFT MT, ISO 20022 pacs, the CBETF data
//! items as CSV or JSON lines), converted to the generic import format before ingest: each
//! message or row becomes a record line or a refusal with its location and reason, duplicates
//! of a transfer already in the file are reported once, and flags (late, threshold unchecked)
//! are kept with the record. The converted lines stay in memory (they hold personal data) and
//! go through the same ingest as a JSON-lines file.

use intake::cbetf_map::{self, Filing, Mapped};
use zeroize::Zeroizing;

/// The formats `recvault ingest --format` takes.
pub const FORMATS: [&str; 6] = [
    "jsonl",
    "mt",
    "pacs",
    "cbetf-csv",
    "cbetf-jsonl",
    "ttar-csv",
];

/// A file converted to import lines.
#[derive(Default)]
pub struct Conversion {
    /// The record lines, one per line.
    pub lines: Zeroizing<String>,
    /// Where each line came from (`message 3`, `line 7`), by line.
    pub origins: Vec<String>,
    /// Messages or rows refused before ingest: location and reason.
    pub refused: Vec<(String, String)>,
    /// Reports of a transfer the file already reported: location and the first's location.
    pub duplicates: Vec<(String, String)>,
    /// Records kept with flags: location and flags.
    pub flagged: Vec<(String, String)>,
}

/// Converts `text` of `format` (not `jsonl`) under `filing`.
pub fn convert(format: &str, text: &str, filing: &Filing) -> Result<Conversion, String> {
    let mapped: Vec<(String, Result<Mapped, String>)> = match format {
        "mt" => intake::swift::parse_file(text)
            .into_iter()
            .enumerate()
            .map(|(index, parsed)| match parsed {
                Ok(message) => (
                    format!("message {}", index + 1),
                    cbetf_map::map_mt(&message, filing),
                ),
                Err(err) => (err.location, Err(err.reason)),
            })
            .collect(),
        "pacs" => intake::pacs::parse(text)
            .into_iter()
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
                intake::cbetf::parse_csv(text)
            } else {
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
        "ttar-csv" => intake::ttar::parse_csv(text, filing.filed_on)
            .into_iter()
            .enumerate()
            .map(|(index, parsed)| match parsed {
                Ok(record) => (
                    format!("row {}", index + 2),
                    Ok(Mapped {
                        record,
                        flags: Vec::new(),
                        // Trade records are not deduplicated: each row is its own.
                        transfer_key: format!("row {}", index + 2),
                    }),
                ),
                Err(err) => (err.location, Err(err.reason)),
            })
            .collect(),
        other => {
            return Err(format!(
                "unknown format `{}`; formats are {}",
                vault::display_token(other),
                FORMATS.join(", ")
            ))
        }
    };
    let mut conversion = Conversion::default();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (location, outcome) in mapped {
        match outcome {
            Err(reason) => conversion.refused.push((location, reason)),
            Ok(mapped) => {
                if let Some(first) = seen.get(&mapped.transfer_key) {
                    conversion.duplicates.push((location, first.clone()));
                    continue;
                }
                seen.insert(mapped.transfer_key.clone(), location.clone());
                if !mapped.flags.is_empty() {
                    conversion
                        .flagged
                        .push((location.clone(), mapped.flags.join(", ")));
                }
                conversion.lines.push_str(&mapped.record.to_string());
                conversion.lines.push('\n');
                conversion.origins.push(location);
            }
        }
    }
    Ok(conversion)
}

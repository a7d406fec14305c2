//! Intake parsers: the files reporting institutions and carriers send, turned into typed
//! messages with precise errors, then mapped to records (`model::RecordContents`) that go to
//! the vault as they are, with no import-format text in between. Free of storage, networking
//! and async, so each parser can be tested and fuzzed on its own.
//!
//! - `swift`: SWIFT FIN messages (MT 103, MT 202 COV), one or many in an RJE file.
//! - `cbetf`: the CBETF data items of proposed 31 CFR 103.14(c), as CSV or JSON lines.
//! - `pacs`: ISO 20022 pacs.008 and pacs.009 (COV) credit transfers.
//! - `xml`: the element tree `pacs` reads, built on quick-xml's pull parser (no DTDs, no entity but
//!   the five, a depth limit).
//! - `cbetf_map`: parsed transmittals to CBETF records, with the intake rules of seed 003.
//! - `ttar`: TTAR trade records as CSV, to `trade-financial` records.
//! - `table`: the rows of a CSV file (RFC 4180), read by the `csv` crate, each with its line.
//! - `fuzzing`: a fuzz target per parser and the mutation engine that drives them.
//! - `tin`: banks' annual TIN reports (proposed 103.14(e)), as CSV.
//! - `pnr`: Passenger Name Records (seed 001, Attachment A), one JSON object per line.

pub mod cbetf;
pub mod cbetf_map;
pub mod fuzzing;
pub mod pacs;
pub mod pnr;
pub mod swift;
mod table;
pub mod tin;
pub mod ttar;
pub mod xml;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use model::{Identifier, RecordContents, Subject, SystemId};

/// A record of `system` made by intake (validated at ingest by `RecordContents::validate`, as
/// every record is). `system` is one of intake's own constants, so the error never happens.
pub(crate) fn record(
    system: &str,
    category: &str,
    collected_at: DateTime<Utc>,
    source: BTreeMap<String, String>,
    subjects: Vec<Subject>,
    fields: BTreeMap<String, String>,
) -> Result<RecordContents, String> {
    Ok(RecordContents {
        system: SystemId::new(system).map_err(|invalid| invalid.to_string())?,
        category: category.to_owned(),
        collected_at,
        source,
        subjects,
        fields,
    })
}

/// A subject with its identifiers in the order of their kinds' names: the order the import
/// format has always read them in, so a record made here is the record its import line made
/// (and is stored the same way).
pub(crate) fn subject(role: &str, name: Option<String>, identifiers: Vec<Identifier>) -> Subject {
    let mut subject = Subject {
        role: role.to_owned(),
        name,
        identifiers,
    };
    subject
        .identifiers
        .sort_by_key(|identifier| identifier.kind.name());
    subject
}

/// Adds an identifier to a subject, in its place (replacing one of the same kind).
pub(crate) fn add_identifier(subject: &mut Subject, identifier: Identifier) {
    subject
        .identifiers
        .retain(|existing| existing.kind != identifier.kind);
    subject.identifiers.push(identifier);
    subject
        .identifiers
        .sort_by_key(|identifier| identifier.kind.name());
}

/// A subject's identifier of the kind named `kind`, as text (a passport as `COUNTRY:NUMBER`),
/// or empty: for tests, which compare it with what a row or message said.
#[cfg(test)]
pub(crate) fn identifier(subject: &Subject, kind: &str) -> String {
    subject
        .identifiers
        .iter()
        .find(|identifier| identifier.kind.name() == kind)
        .map(|identifier| match &identifier.country {
            Some(country) => format!("{country}:{}", identifier.value),
            None => identifier.value.clone(),
        })
        .unwrap_or_default()
}

/// Midnight UTC of a day: the collection time of a record received that day.
pub(crate) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A decimal amount with a point (`1500`, `1500.5`, `1500.50`) in cents: at most 13 digits
/// before the point and two after.
pub(crate) fn decimal_cents(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 13
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 2
    {
        return None;
    }
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(fraction)
}

/// The text of each data row of a CSV file, after the header line: what the vault keeps as a
/// row's raw message. Empty when the file's rows cannot be read.
pub fn csv_raw_rows(text: &str) -> Vec<String> {
    let Ok(rows) = table::csv_rows(text) else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let starts: Vec<usize> = rows.iter().map(|(line, _)| *line).collect();
    let Some(&header_start) = starts.first() else {
        return Vec::new();
    };
    let span = |from: usize, to: usize| -> String {
        lines
            .get(from.saturating_sub(1)..to.saturating_sub(1).min(lines.len()))
            .unwrap_or_default()
            .join("\n")
            .trim_end()
            .to_owned()
    };
    let header = span(
        header_start,
        starts.get(1).copied().unwrap_or(lines.len() + 1),
    );
    (1..starts.len())
        .map(|index| {
            let end = starts.get(index + 1).copied().unwrap_or(lines.len() + 1);
            format!("{header}\n{}", span(starts[index], end))
        })
        .collect()
}

/// Reads a CSV text with a header row whose names are all among `columns`, and maps each data
/// row (its cells by column name) with `row`. A malformed file or an unknown column is one
/// error; otherwise each row is answered on its own, located `line N` or `line N, column C`.
pub(crate) fn csv_records<T>(
    text: &str,
    columns: &[&str],
    row: impl Fn(&std::collections::BTreeMap<String, String>) -> Result<T, (&'static str, String)>,
) -> Vec<Result<T, ParseError>> {
    let rows = match table::csv_rows(text) {
        Ok(rows) => rows,
        Err((line, reason)) => {
            return vec![Err(ParseError {
                location: format!("line {line}"),
                reason,
            })]
        }
    };
    let mut rows = rows.into_iter();
    let Some((_, header)) = rows.next() else {
        return Vec::new();
    };
    let header: Vec<String> = header.iter().map(|name| name.trim().to_owned()).collect();
    if let Some(unknown) = header.iter().find(|name| !columns.contains(&name.as_str())) {
        return vec![Err(ParseError {
            location: "line 1".into(),
            reason: format!(
                "unknown column `{}`; the columns are {}",
                token(unknown),
                columns.join(", ")
            ),
        })];
    }
    rows.map(|(line, cells)| {
        if cells.len() != header.len() {
            return Err(ParseError {
                location: format!("line {line}"),
                reason: format!("{} cells for {} columns", cells.len(), header.len()),
            });
        }
        let values = header.iter().cloned().zip(cells).collect();
        row(&values).map_err(|(column, reason)| ParseError {
            location: format!("line {line}, column {column}"),
            reason,
        })
    })
    .collect()
}

/// A name from the input shown in an error only if it is a plain token (letters, digits, `_`,
/// `-`, at most 40), since a misplaced value may be personal data.
pub(crate) fn token(text: &str) -> String {
    let plain = !text.is_empty()
        && text.len() <= 40
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        text.to_owned()
    } else {
        "(not shown)".to_owned()
    }
}

/// Why a part of an input was refused: where (message and field) and why, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where: `message 2, field 32A`.
    pub location: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

impl std::error::Error for ParseError {}

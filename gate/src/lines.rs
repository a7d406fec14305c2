//! Cutting a JSON-lines input into batches of valid records, the same way offline and in
//! the served vault: line numbers, the line-length limit, rejected lines set aside with their
//! reasons (never their values), lines a resumed stream already stored skipped unread. A
//! converted file's records (made by `intake`, not read from lines) are numbered and batched
//! the same way.

use std::io::{self, BufRead, Read};

use chrono::Utc;
use zeroize::Zeroizing;

use model::import::{parse_line, MAX_LINE_BYTES};

mod flights;

pub(crate) use flights::key_flight_receipt;
pub use flights::{
    carrier_registry, CarrierEntry, DeliveryChange, FlightReceipts, CARRIER_DOCUMENTS,
};

/// Most rejected lines one input may have: reading stops there, with everything before it
/// stored or listed.
pub const MAX_REJECTED: usize = 10_000;

/// A line that could not be loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The line number, from 1.
    pub line: u64,
    /// Why it was rejected.
    pub reason: String,
}

/// What a run of ingest reads: lines of the import format, or records an intake parser made
/// from a converted file, each counted as one line, in order.
pub enum Input<R> {
    /// JSON lines, parsed and validated one by one.
    Lines(R),
    /// Records already made, validated one by one.
    Records(std::vec::IntoIter<model::RecordContents>),
}

impl Input<io::Empty> {
    /// Records to ingest as they are, numbered from 1.
    pub fn records(records: Vec<model::RecordContents>) -> Self {
        Input::Records(records.into_iter())
    }
}

/// The input, cut into batches of valid records; rejected lines are set aside with their
/// reasons. A batch is tagged with the number of the last line it covers.
pub struct LineBatches<R> {
    input: Input<R>,
    batch_size: usize,
    now: chrono::DateTime<Utc>,
    /// Lines up to this one were stored by an earlier run of the same stream: skipped unread.
    skip_through: u64,
    /// Lines read so far.
    pub line_no: u64,
    /// Lines rejected so far.
    pub rejected: Vec<Rejected>,
    /// Why reading stopped early, if it did.
    pub read_error: Option<io::Error>,
    admit: Admit,
    batch_lines: BatchLines,
}

/// The input line of each record of the batches handed out, by the batch's last line, until
/// taken: how a batch's outcome (a duplicate at position 3) is told by line.
#[derive(Clone, Default)]
pub struct BatchLines(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u64, Vec<u64>>>>);

impl BatchLines {
    /// The lines of the records of the batch ending at `through_line`, forgotten once taken.
    pub fn take(&self, through_line: u64) -> Vec<u64> {
        self.0
            .lock()
            .ok()
            .and_then(|mut batches| batches.remove(&through_line))
            .unwrap_or_default()
    }

    /// The duplicates and the disagreeing reports of the batch ending at `through_line`, by
    /// line: each with the first report's id (a duplicate) or its own (a disagreeing one).
    #[allow(clippy::type_complexity, reason = "two lists of (line, id)")]
    pub fn reported(
        &self,
        through_line: u64,
        ingested: &vault::Ingested,
    ) -> (Vec<(u64, model::RecordId)>, Vec<(u64, model::RecordId)>) {
        let lines = self.take(through_line);
        let by_line = |positions: &[usize]| {
            positions
                .iter()
                .map(|position| {
                    (
                        lines.get(*position).copied().unwrap_or(through_line),
                        ingested.ids[*position],
                    )
                })
                .collect()
        };
        (
            by_line(&ingested.duplicates),
            by_line(&ingested.conflicting),
        )
    }
}

/// A check on each valid record before it joins a batch (the gate's, in the served vault),
/// which may also change it (the sensitive-data filter): `Err` rejects the line with that
/// reason.
pub type Admit = Box<dyn FnMut(&mut model::RecordContents) -> Result<(), String> + Send>;

impl<R: BufRead> LineBatches<R> {
    /// Batches of at most `batch_size` records from the lines of `reader`, validated against
    /// `now`.
    pub fn new(reader: R, batch_size: usize, now: chrono::DateTime<Utc>) -> Self {
        Self::of(Input::Lines(reader), batch_size, now)
    }

    /// Batches of at most `batch_size` records from `input`, validated against `now`.
    pub fn of(input: Input<R>, batch_size: usize, now: chrono::DateTime<Utc>) -> Self {
        LineBatches {
            input,
            batch_size: batch_size.max(1),
            now,
            skip_through: 0,
            line_no: 0,
            rejected: Vec::new(),
            read_error: None,
            admit: Box::new(|_| Ok(())),
            batch_lines: BatchLines::default(),
        }
    }

    /// The handle that tells the line of each record of a batch.
    pub fn batch_lines(&self) -> BatchLines {
        self.batch_lines.clone()
    }

    /// Skips (without parsing) the lines up to `line`, which an earlier run stored.
    pub fn skipping_through(mut self, line: u64) -> Self {
        self.skip_through = line;
        self
    }

    /// Checks every valid record with `admit` too.
    pub fn admitting(mut self, admit: Admit) -> Self {
        self.admit = admit;
        self
    }

    fn reject(&mut self, reason: String) {
        self.rejected.push(Rejected {
            line: self.line_no,
            reason,
        });
    }

    /// The next batch of valid records, tagged with the number of the last line it covers;
    /// `None` at the end of the input (or when reading fails: see `read_error`).
    pub fn next_batch(&mut self) -> Option<(u64, Vec<model::RecordContents>)> {
        let mut batch = Vec::with_capacity(self.batch_size);
        let mut lines = Vec::with_capacity(self.batch_size);
        let mut line = Zeroizing::new(Vec::with_capacity(4096));
        while batch.len() < self.batch_size {
            let parsed = match &mut self.input {
                Input::Lines(reader) => {
                    line.clear();
                    let too_long = match read_line(reader, &mut line) {
                        Ok(Some(too_long)) => too_long,
                        Ok(None) => break,
                        Err(err) => {
                            self.read_error = Some(err);
                            break;
                        }
                    };
                    self.line_no += 1;
                    if self.line_no <= self.skip_through {
                        continue;
                    }
                    if too_long {
                        Err(format!("line is longer than {MAX_LINE_BYTES} bytes"))
                    } else {
                        parse_checked(&line, self.now)
                    }
                }
                Input::Records(records) => {
                    let Some(record) = records.next() else { break };
                    self.line_no += 1;
                    if self.line_no <= self.skip_through {
                        continue;
                    }
                    // The limit of a line holds for a record made from a file, too: every path
                    // (offline, the server's conversion, the CLI sending lines) answers alike.
                    if model::import::written_len(&record) > MAX_LINE_BYTES {
                        Err(format!("line is longer than {MAX_LINE_BYTES} bytes"))
                    } else {
                        record
                            .validate(self.now)
                            .map(|()| Some(record))
                            .map_err(|invalid| invalid.to_string())
                    }
                }
            };
            match parsed {
                Ok(None) => {}
                Ok(Some(mut record)) => match (self.admit)(&mut record) {
                    Ok(()) => {
                        batch.push(record);
                        lines.push(self.line_no);
                    }
                    Err(reason) => self.reject(reason),
                },
                Err(reason) => self.reject(reason),
            }
            if self.rejected.len() >= MAX_REJECTED {
                // An input this wrong is not worth reading on, and the list must stay bounded.
                self.read_error = Some(io::Error::other(format!(
                    "{MAX_REJECTED} lines were rejected; stopped reading (fix the input and send it again)"
                )));
                break;
            }
        }
        if batch.is_empty() {
            None
        } else {
            if let Ok(mut batches) = self.batch_lines.0.lock() {
                batches.insert(self.line_no, lines);
            }
            Some((self.line_no, batch))
        }
    }
}

/// Reads one line (without its newline) into `line`. Returns `None` at the end of the input,
/// `Some(true)` for a line longer than the limit (consumed and discarded), else `Some(false)`.
pub fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
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
pub fn parse_checked(
    line: &[u8],
    now: chrono::DateTime<Utc>,
) -> Result<Option<model::RecordContents>, String> {
    let text = std::str::from_utf8(line)
        .map_err(|err| format!("not valid UTF-8 (at byte {})", err.valid_up_to()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let record = parse_line(text)?;
    record.validate(now).map_err(|err| err.to_string())?;
    Ok(Some(record))
}

/// Checks a record against its system's notice (category, subject roles, fields), then
/// removes from its free text what the notice's sensitive-data filter names, so it is never
/// stored.
pub fn admit_record(
    catalog: &policy::Catalog,
    record: &mut model::RecordContents,
) -> Result<(), String> {
    check_shape(catalog, record)?;
    // The version key, the deduplication window and the links to other reports are the
    // notice's and the vault's to set, never the sender's.
    for key in [
        vault::VERSION_KEY_SOURCE,
        model::RAW_RECORD_SOURCE,
        vault::TRANSFER_WINDOW_SOURCE,
        vault::CONFLICTS_WITH_SOURCE,
        vault::COVERS_RECORDS_SOURCE,
        vault::COVERED_BY_SOURCE,
        vault::scan::SCAN_SOURCE,
        vault::RECEIPT_KEY_SOURCE,
    ] {
        if let Some(mut sent) = record.source.remove(key) {
            zeroize::Zeroize::zeroize(&mut sent);
        }
    }
    let category = catalog
        .system(record.system.as_str())
        .and_then(|system| system.sorn.category(&record.category));
    match category.and_then(|category| category.deduplicate_within_days) {
        Some(days) if record.source.contains_key(vault::TRANSFER_KEY_SOURCE) => {
            record
                .source
                .insert(vault::TRANSFER_WINDOW_SOURCE.to_owned(), days.to_string());
        }
        // A notice without a window does not deduplicate: the keys are dropped.
        _ => {
            for key in [
                vault::TRANSFER_KEY_SOURCE,
                vault::TRANSFER_MATCH_SOURCE,
                vault::COVERS_SOURCE,
            ] {
                if let Some(mut sent) = record.source.remove(key) {
                    zeroize::Zeroize::zeroize(&mut sent);
                }
            }
        }
    }
    let version_key =
        category.and_then(|category| category.version_key(&record.source, &record.fields));
    if let Some(key) = version_key {
        record
            .source
            .insert(vault::VERSION_KEY_SOURCE.to_owned(), key);
    }
    if category.is_some_and(|category| category.receipts_by_flight) {
        key_flight_receipt(record)?;
    }
    // Which free text the vault's automated search scans is the notice's (seed 001 paragraph 5).
    if let Some(category) = category.filter(|category| !category.scan_free_text.is_empty()) {
        record.source.insert(
            vault::scan::SCAN_SOURCE.to_owned(),
            vault::scan::scan_entry(category.scan_free_text.iter().map(String::as_str)),
        );
    }
    let system = record.system.as_str().to_owned();
    // A raw message is kept only after the same filter (PNR, seed 001 paragraph 5).
    if let Some(raw) = record.source.get_mut(model::RAW_SOURCE) {
        if let Some(filtered) = filter_raw_message(catalog, &system, raw) {
            zeroize::Zeroize::zeroize(raw);
            *raw = filtered;
        }
    }
    for (name, value) in record.fields.iter_mut() {
        if let Some(filtered) = catalog.filter_sensitive(&system, &record.category, name, value) {
            zeroize::Zeroize::zeroize(value);
            *value = filtered;
        }
    }
    Ok(())
}

/// A raw message with the notice's sensitive-data filter applied (`None` if nothing was
/// removed): a JSON message (a PNR) value by value, so it stays the JSON it was; any other as
/// text.
fn filter_raw_message(catalog: &policy::Catalog, system: &str, raw: &str) -> Option<String> {
    fn filter(value: &mut serde_json::Value, apply: &dyn Fn(&str) -> Option<String>) -> bool {
        match value {
            serde_json::Value::String(text) => match apply(text) {
                Some(filtered) => {
                    zeroize::Zeroize::zeroize(text);
                    *text = filtered;
                    true
                }
                None => false,
            },
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| filter(item, apply) | changed),
            serde_json::Value::Object(entries) => entries
                .values_mut()
                .fold(false, |changed, item| filter(item, apply) | changed),
            _ => false,
        }
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(mut value) if value.is_object() => {
            let changed = filter(&mut value, &|text| catalog.filter_raw(system, text));
            changed.then(|| value.to_string())
        }
        _ => catalog.filter_raw(system, raw),
    }
}

/// Checks a record against its system's notice (category, subject roles, fields).
pub fn check_shape(
    catalog: &policy::Catalog,
    record: &model::RecordContents,
) -> Result<(), String> {
    let roles: Vec<&str> = record
        .subjects
        .iter()
        .map(|subject| subject.role.as_str())
        .collect();
    let fields: Vec<&str> = record.fields.keys().map(String::as_str).collect();
    catalog.check_record(&policy::RecordShape {
        system: record.system.as_str(),
        category: &record.category,
        subject_roles: &roles,
        fields: &fields,
        source_system: record.source_system(),
    })
}

#[cfg(test)]
mod tests;

//! Cutting a JSON-lines input into batches of valid records, the same way offline and in
//! the served vault: line numbers, the line-length limit, rejected lines set aside with their
//! reasons (never their values), lines a resumed stream already stored skipped unread.

use std::io::{self, BufRead, Read};

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use crate::import::{parse_line, MAX_LINE_BYTES};

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

/// The input, cut into batches of valid records; rejected lines are set aside with their
/// reasons. A batch is tagged with the number of the last line it covers.
pub struct LineBatches<R> {
    reader: R,
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
    ) -> (Vec<(u64, vault::RecordId)>, Vec<(u64, vault::RecordId)>) {
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
pub type Admit = Box<dyn FnMut(&mut vault::RecordContents) -> Result<(), String> + Send>;

impl<R: BufRead> LineBatches<R> {
    /// Batches of at most `batch_size` records from `reader`, validated against `now`.
    pub fn new(reader: R, batch_size: usize, now: chrono::DateTime<Utc>) -> Self {
        LineBatches {
            reader,
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
    pub fn next_batch(&mut self) -> Option<(u64, Vec<vault::RecordContents>)> {
        let mut batch = Vec::with_capacity(self.batch_size);
        let mut lines = Vec::with_capacity(self.batch_size);
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
            if self.line_no <= self.skip_through {
                continue;
            }
            let parsed = if too_long {
                Err(format!("line is longer than {MAX_LINE_BYTES} bytes"))
            } else {
                parse_checked(&line, self.now)
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

/// Checks a record against its system's notice (category, subject roles, fields), then
/// removes from its free text what the notice's sensitive-data filter names, so it is never
/// stored.
pub fn admit_record(
    catalog: &policy::Catalog,
    record: &mut vault::RecordContents,
) -> Result<(), String> {
    check_shape(catalog, record)?;
    // The version key, the deduplication window and the links to other reports are the
    // notice's and the vault's to set, never the sender's.
    for key in [
        vault::VERSION_KEY_SOURCE,
        vault::RAW_RECORD_SOURCE,
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
    if let Some(raw) = record.source.get_mut(vault::RAW_SOURCE) {
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

/// The `source` entries of a flight's receipt (seed 001 paragraph 14), checked, written in
/// one form, and keyed: the receipt key (carrier, record locator, flight, departure) lets the
/// vault count one flight's pulls of one PNR. Messages name the entry and its rule, never the
/// value.
fn key_flight_receipt(record: &mut vault::RecordContents) -> Result<(), String> {
    let entry = |key: &str| record.source.get(key).map(|value| value.trim().to_owned());
    let time = |key: &str| -> Result<Option<DateTime<Utc>>, String> {
        entry(key)
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| format!("`source.{key}` is a time in RFC 3339"))
            })
            .transpose()
    };
    let flight = entry("flight")
        .map(|flight| flight.to_ascii_uppercase())
        .filter(|flight| {
            let bytes = flight.as_bytes();
            let digits = bytes.iter().skip(2).filter(|b| b.is_ascii_digit()).count();
            (3..=8).contains(&bytes.len())
                && bytes.iter().all(u8::is_ascii_alphanumeric)
                && (1..=4).contains(&digits)
        })
        .ok_or("a PNR names its flight (`source.flight`: the carrier's code and the flight number, `XX100`), whose receipts paragraph 14 of seed 001 limits")?;
    let departs_at = time("departs_at")?.ok_or(
        "a PNR names its flight's departure (`source.departs_at`, RFC 3339): paragraph 14 of seed 001 times every receipt from it",
    )?;
    let arrives_at = time("arrives_at")?;
    // Paragraph 13: CBP pulls until the carrier pushes.
    let delivery = match entry("delivery") {
        None => policy::pnr::Delivery::Pull,
        Some(name) => policy::pnr::Delivery::from_name(&name)
            .ok_or("`source.delivery` is `pull` or `push`")?,
    };
    match (entry("early_access"), entry("early_case")) {
        (None, None) => {}
        (Some(ground), Some(case)) => {
            if ground != policy::pnr::EARLY_SPECIFIC_CONCERN {
                return Err(format!(
                    "`source.early_access` is `{}` (paragraph 14: advance information that persons of specific concern may be travelling)",
                    policy::pnr::EARLY_SPECIFIC_CONCERN
                ));
            }
            if !policy::codes::is_reference(&case) {
                return Err("`source.early_case` is the reference of the case the advance information belongs to (letters first, at most two runs of up to 6 digits)".into());
            }
        }
        _ => {
            return Err("`source.early_access` and `source.early_case` go together: the ground and the case it is recorded in".into())
        }
    }
    let locator = record
        .fields
        .get("record_locator")
        .map(|locator| locator.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let stamp = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    record
        .source
        .insert("delivery".into(), delivery.name().into());
    record.source.insert("flight".into(), flight.clone());
    record.source.insert("departs_at".into(), stamp(departs_at));
    if let Some(arrives_at) = arrives_at {
        record.source.insert("arrives_at".into(), stamp(arrives_at));
    }
    // One flight is its designator and number on its day of departure: `XX0100` and `XX100`
    // are the same flight, and a departure restated a second later is the same departure, so
    // neither spelling starts a new count of re-checks.
    record.source.insert(
        vault::RECEIPT_KEY_SOURCE.to_owned(),
        // The carrier is the flight's designator: a `carrier` entry spelled otherwise would
        // start a count of its own, so it is left out of the key.
        format!(
            "{locator}|{}|{}|{}",
            flight_number(&flight),
            departs_at.date_naive(),
            delivery.name()
        ),
    );
    Ok(())
}

/// The airline designator of a flight in its checked spelling (`XX100` is `XX`, `BAW0100` is
/// `BAW`): the carrier paragraph 13's registry names.
fn designator(flight: &str) -> &str {
    let icao = flight.len() > 3 && flight.bytes().take(3).all(|b| b.is_ascii_alphabetic());
    &flight[..if icao { 3 } else { flight.len().min(2) }]
}

/// The vault documents of the registry of carriers that push their PNR (seed 001 paragraph
/// 13), one per system and carrier designator (`cbp-pnr.XX`).
pub(crate) const CARRIER_DOCUMENTS: &str = "pnr-carriers";

/// How one carrier's PNR comes to CBP, as a records officer recorded it: pushed since a day,
/// or pulled (`pushes_since` empty, as every carrier before it is recorded).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierDelivery {
    /// The system whose receipts it governs.
    pub system: String,
    /// The carrier's designator (IATA, two characters, or ICAO, three letters), as flights
    /// name it.
    pub carrier: String,
    /// The day (UTC) from which the carrier pushes; `None`: CBP pulls.
    pub pushes_since: Option<chrono::NaiveDate>,
    /// Why (the carrier's notice, the agreement): kept in the registry, never logged.
    pub reason: String,
    /// The day it was recorded.
    pub recorded_on: chrono::NaiveDate,
}

/// The registry of carriers that push, every system's, as the vault keeps it (signed).
pub(crate) fn carrier_registry(vault: &vault::Vault) -> Result<Vec<CarrierDelivery>, String> {
    vault
        .documents(CARRIER_DOCUMENTS)
        .map_err(|err| format!("the registry of carriers that push could not be read: {err}"))?
        .into_iter()
        .map(|(_, bytes)| {
            serde_json::from_slice(&bytes).map_err(|_| {
                "an entry of the registry of carriers that push is not readable".to_owned()
            })
        })
        .collect()
}

/// A flight as one spelling: the airline designator (two characters, IATA, or three letters,
/// ICAO), the number without leading zeros, and the operational suffix letter if any
/// (`XX0100` is `XX100`, `9W007A` is `9W7A`, `BAW0100` is `BAW100`).
fn flight_number(flight: &str) -> String {
    let (designator, rest) = flight.split_at(designator(flight).len());
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, suffix) = rest.split_at(digits_end);
    let number = digits.trim_start_matches('0');
    format!(
        "{designator}{}{suffix}",
        if number.is_empty() { "0" } else { number }
    )
}

/// Paragraph 14 of seed 001 on each flight receipt of a stream: the stored receipts of its
/// flight, counted once per flight when first seen, plus the stream's own admitted since (so a
/// batch committed meanwhile is not counted twice). Two streams pulling the same flight at
/// the same moment each count only their own (docs/reliability.md). Which carriers push is
/// read from the registry once, when the stream's first flight receipt is checked: a change
/// to it applies from the next stream.
pub struct FlightReceipts {
    vault: std::sync::Arc<vault::Vault>,
    now: DateTime<Utc>,
    counted: std::collections::HashMap<String, u32>,
    /// By (system, designator): since when the carrier pushes.
    pushing: Option<std::collections::HashMap<(String, String), DateTime<Utc>>>,
}

impl FlightReceipts {
    /// Receipts checked against `vault`'s stored ones, at `now`.
    pub fn new(vault: std::sync::Arc<vault::Vault>, now: DateTime<Utc>) -> Self {
        FlightReceipts {
            vault,
            now,
            counted: std::collections::HashMap::new(),
            pushing: None,
        }
    }

    /// Since when the carrier of `flight` (its checked spelling) pushes its PNR to `system`.
    fn pushes_since(
        &mut self,
        system: &str,
        flight: &str,
    ) -> Result<Option<DateTime<Utc>>, String> {
        if self.pushing.is_none() {
            let registry = carrier_registry(&self.vault)?;
            self.pushing = Some(
                registry
                    .into_iter()
                    .filter_map(|entry| {
                        let since = entry.pushes_since?.and_hms_opt(0, 0, 0)?.and_utc();
                        Some(((entry.system, entry.carrier), since))
                    })
                    .collect(),
            );
        }
        Ok(self.pushing.as_ref().and_then(|pushing| {
            pushing
                .get(&(system.to_owned(), designator(flight).to_owned()))
                .copied()
        }))
    }

    /// Whether an admitted record's receipt may be kept (a record without a receipt key
    /// passes).
    pub fn check(&mut self, record: &vault::RecordContents) -> Result<(), String> {
        let Some(key) = record.source.get(vault::RECEIPT_KEY_SOURCE) else {
            return Ok(());
        };
        let time = |key: &str| {
            record
                .source
                .get(key)
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|at| at.with_timezone(&Utc))
        };
        let delivery = record
            .source
            .get("delivery")
            .and_then(|name| policy::pnr::Delivery::from_name(name))
            .unwrap_or(policy::pnr::Delivery::Pull);
        let earlier_pulls = match self.counted.get(key) {
            Some(count) => *count,
            None => self.vault.receipts_of(&record.system, key).map_err(|err| {
                format!("the flight's earlier receipts could not be counted: {err}")
            })?,
        };
        let flight = record
            .source
            .get("flight")
            .ok_or("`source.flight` is missing")?;
        let pushes_since = self.pushes_since(record.system.as_str(), flight)?;
        let receipt = policy::pnr::Receipt {
            delivery,
            received_at: record.collected_at,
            now: self.now,
            departs_at: time("departs_at").ok_or("`source.departs_at` is missing")?,
            arrives_at: time("arrives_at"),
            earlier_pulls,
            early_ground: record.source.get("early_access").cloned(),
            pushes_since,
        };
        policy::pnr::receipt(&receipt)?;
        // The key names the delivery: pulls are counted apart from pushes, which have no limit.
        self.counted.insert(key.clone(), earlier_pulls + 1);
        Ok(())
    }
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
    record: &vault::RecordContents,
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

//! Raw messages: the bytes a record came from, kept apart from the record under its system's
//! raw-input schedule. Intake hands the message in with the record (provenance entry
//! `raw_message`); the vault seals it as a record of its own in the system's `raw-input`
//! partition (one per distinct message of a batch, so the transactions of one file share it),
//! and leaves in the record only the raw record's id (`raw_record`). The retention plan ends a
//! raw cohort no later than the records made from it may end, so a raw message never outlives
//! every record derived from it (docs/retention.md).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::record::{RecordContents, RecordId};

/// Provenance entry carrying the raw message in (removed before the record is sealed).
pub const RAW_SOURCE: &str = "raw_message";
/// Provenance entry the vault sets: the id of the raw record this record came from.
pub const RAW_RECORD_SOURCE: &str = "raw_record";
/// The category of raw records, in every system.
pub const RAW_CATEGORY: &str = "raw-input";
/// The field of a raw record holding the message.
pub const RAW_MESSAGE_FIELD: &str = "message";
/// The largest raw message kept: an import line's limit.
pub const MAX_RAW_BYTES: usize = 1 << 20;

/// Checks a raw message handed in with a record.
pub(crate) fn check_raw(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::Invalid(format!(
            "source: `{RAW_SOURCE}` must not be blank"
        )));
    }
    if text.len() > MAX_RAW_BYTES {
        return Err(Error::Invalid(format!(
            "source: `{RAW_SOURCE}` must be at most {MAX_RAW_BYTES} bytes"
        )));
    }
    Ok(())
}

/// The id of the raw record a record came from, if it has one.
pub fn raw_record_of(record: &RecordContents) -> Option<RecordId> {
    record
        .source
        .get(RAW_RECORD_SOURCE)
        .and_then(|id| id.parse().ok())
}

/// Moves the raw messages of `records` out of them into raw records appended after them, one
/// per distinct message (by system, collection time and content). Returns, for each record
/// given, the index among the appended raw records of its message.
pub(crate) fn split_raw(records: &mut Cow<'_, [RecordContents]>) -> Vec<Option<usize>> {
    let given = records.len();
    if !records
        .iter()
        .any(|record| record.source.contains_key(RAW_SOURCE))
    {
        return vec![None; given];
    }
    let records = records.to_mut();
    let mut distinct: HashMap<(String, i64, [u8; 32]), usize> = HashMap::new();
    let mut raws: Vec<RecordContents> = Vec::new();
    let mut raw_of = Vec::with_capacity(given);
    for record in records.iter_mut() {
        let Some(mut message) = record.source.remove(RAW_SOURCE) else {
            raw_of.push(None);
            continue;
        };
        let mut hasher = crate::crypto::Sha256::new();
        hasher.update(message.as_bytes());
        let key = (
            record.system.as_str().to_owned(),
            record.collected_at.timestamp_millis(),
            hasher.finish(),
        );
        let index = *distinct.entry(key).or_insert_with(|| {
            raws.push(RecordContents {
                system: record.system.clone(),
                category: RAW_CATEGORY.to_owned(),
                collected_at: record.collected_at,
                source: BTreeMap::from([("kind".to_owned(), RAW_CATEGORY.to_owned())]),
                subjects: Vec::new(),
                fields: BTreeMap::new(),
            });
            raws.len() - 1
        });
        let raw = &mut raws[index];
        if raw.fields.is_empty() {
            raw.fields
                .insert(RAW_MESSAGE_FIELD.to_owned(), std::mem::take(&mut message));
        }
        zeroize::Zeroize::zeroize(&mut message);
        raw_of.push(Some(index));
    }
    records.extend(raws);
    raw_of
}

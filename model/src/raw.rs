//! Raw messages: the bytes a record came from. Intake hands the message in with the record
//! (provenance entry `raw_message`); the vault seals it apart as a record of the system's
//! `raw-input` category and leaves in the record only the raw record's id (`raw_record`).
//! This module names those entries and checks the message; the split is the vault's.

use crate::error::Invalid;
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
pub(crate) fn check_raw(text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid(format!("source: `{RAW_SOURCE}` must not be blank")));
    }
    if text.len() > MAX_RAW_BYTES {
        return Err(Invalid(format!(
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

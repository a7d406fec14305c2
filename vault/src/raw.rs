//! Raw messages split from their records at ingest: the vault seals each as a record of its
//! own in the system's `raw-input` partition (one per distinct message of a batch, so the
//! transactions of one file share it), and leaves in the record only the raw record's id
//! (`model::RAW_RECORD_SOURCE`). The retention plan ends a raw cohort no later than the records
//! made from it may end, so a raw message never outlives every record derived from it
//! (docs/retention.md). The entries' names and the message's checks are `model::raw`'s.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use model::{RecordContents, RAW_CATEGORY, RAW_MESSAGE_FIELD, RAW_SOURCE};

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

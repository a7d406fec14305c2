//! The record model, apart from storage: what a record about people holds and the rules a
//! valid one obeys, how its identifiers are normalized for search, the raw message it came
//! from, and the JSON-lines import format. No RocksDB, no crypto, no I/O: `intake` produces
//! these records, `vault` seals them.
//!
//! # Layout
//! - `record`: `Record`, `RecordContents`, `Subject`, `Identifier`, `IdentifierKind`,
//!   `RecordId`, `SystemId`, and their validation rules.
//! - `normalize`: the documented normalization of identifiers and names for search.
//! - `raw`: the raw message handed in with a record (`raw_message`) and the raw record's id a
//!   stored record keeps (`raw_record`); their names and limits.
//! - `import`: the JSON-lines import format (`docs/import-format.md`), one record per line.
//! - `error`: `Invalid`, the one error: a message that names the field and the rule, never
//!   the value.

mod error;
pub mod import;
pub mod normalize;
mod raw;
mod record;

pub use crate::error::Invalid;
pub use crate::raw::{
    raw_record_of, MAX_RAW_BYTES, RAW_CATEGORY, RAW_MESSAGE_FIELD, RAW_RECORD_SOURCE, RAW_SOURCE,
};
pub use crate::record::{
    display_token, Identifier, IdentifierKind, Record, RecordContents, RecordId, Subject, SystemId,
    MAX_FIELDS, MAX_SUBJECTS, MAX_VALUE_BYTES, SOURCE_SYSTEM,
};

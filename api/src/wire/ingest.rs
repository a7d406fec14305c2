//! The ingest's streamed answer (`POST /v1/ingest`, `application/x-ndjson`): a progress line
//! after each committed batch, then one summary line, which for an institution's file carries
//! its receipt, by location in the file (docs/import-format.md).

use super::*;

/// A progress line: every line through this one is committed and synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
// Nothing else: a summary line this client cannot read is not taken for progress.
#[serde(deny_unknown_fields)]
pub struct IngestProgress {
    /// The last line committed.
    pub committed_through_line: u64,
}

/// A line refused, with why (never its contents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectedLine {
    /// Its number, from 1.
    pub line: u64,
    /// Why it was refused.
    pub reason: String,
}

/// A line reporting a transfer an earlier line of the same upload reported identically: linked,
/// not stored again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateLine {
    /// Its number.
    pub line: u64,
    /// The earlier line's.
    pub first_line: u64,
}

/// A line stored though it disagrees with an earlier report of the same transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConflictingLine {
    /// Its number.
    pub line: u64,
    /// The record it was stored as.
    pub record: String,
}

/// The last line: what the upload stored, and why it stopped if it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IngestSummary {
    /// Whether every line was read (`false`: it stopped, `error` says why).
    pub done: bool,
    /// Every line through this one is stored (or refused); none after it.
    pub committed_through_line: u64,
    /// Lines an earlier upload under the same idempotency key stored, skipped.
    pub skipped_through_line: u64,
    /// Lines read.
    pub lines: u64,
    /// Records stored.
    pub ingested: u64,
    /// Lines refused.
    pub rejected: Vec<RejectedLine>,
    /// Lines of a transfer already reported identically.
    pub duplicates: Vec<DuplicateLine>,
    /// Lines stored though they disagree with an earlier report.
    pub conflicting: Vec<ConflictingLine>,
    /// Why the upload stopped before its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
    /// An institution's file's receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// A line of the ingest's answer: a summary has `done`, a progress line has not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IngestLine {
    /// The last line.
    // Boxed: the many progress lines are one number each.
    Summary(Box<IngestSummary>),
    /// A committed batch.
    Progress(IngestProgress),
}

/// An institution's file's intake receipt, by location in the file (`message 3`, `row 7`,
/// `line 5, column tin`), never a value. Fields in the order of the name (the receipts of
/// earlier versions, which `--json` prints byte for byte, were written that way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// Records stored, flagged ones included.
    pub accepted: u64,
    /// Reports of a transfer already reported identically: linked, not stored again.
    pub duplicates: Vec<ReceiptDuplicate>,
    /// Records stored that are late, unchecked, or inconsistent with another report.
    pub flagged: Vec<Flagged>,
    /// The file's format.
    pub format: String,
    /// How many were refused.
    pub rejected: u64,
    /// What was refused, and why.
    pub rejections: Vec<Rejection>,
}

/// A duplicated report in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptDuplicate {
    /// The first report: a location in the file, or (offline) a stored record's id.
    pub first: String,
    /// Where it is in the file.
    pub location: String,
}

/// A flagged record in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Flagged {
    /// Its flags, joined by commas (`late`, `unchecked`, `inconsistent`).
    pub flags: String,
    /// Where it is in the file.
    pub location: String,
    /// For an inconsistent one: how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an inconsistent one: the earlier record it disagrees with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

/// A refused report in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rejection {
    /// Where it is in the file.
    pub location: String,
    /// Why it was refused.
    pub reason: String,
}

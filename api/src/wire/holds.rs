//! Holds: a new hold, its release, a search of the holds' indexes, and a hold as it is shown.

use super::*;

/// The grammar of a hold's id: `H-` and its number.
pub const HOLD_ID_PATTERN: &str = "^[Hh]-[0-9]{1,6}$";

fn hold_purpose_schema() -> Object {
    let purposes: Vec<&str> = vault::HoldPurpose::ALL
        .iter()
        .map(|purpose| purpose.name())
        .collect();
    let mut schema = string_enum(&purposes);
    schema.description = Some("why the hold is placed; `litigation` when not given".into());
    schema
}

fn optional_hold_purpose_schema() -> Object {
    or_null(hold_purpose_schema())
}

fn hold_kind_schema() -> Object {
    let kinds: Vec<&str> = vault::HoldMode::ALL
        .iter()
        .map(|mode| mode.name())
        .collect();
    string_enum(&kinds)
}

/// A hold to place (`POST /v1/holds`), on `records` or on a `subject` (exactly one, 422
/// otherwise).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    /// The records to hold (by id), if not a subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = record_ids_schema)]
    pub records: Vec<String>,
    /// The subject whose records to hold, stored now or later, if not `records`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_subject_identifier_schema)]
    pub subject: Option<Identifier>,
    /// The case or matter the hold is for.
    #[schema(schema_with = reference_schema)]
    pub reference: String,
    /// Why, in words (it names the matter, never a person).
    #[schema(schema_with = reason_schema)]
    pub reason: String,
    /// Why the hold is placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_hold_purpose_schema)]
    pub purpose: Option<String>,
    /// `governance` (a records officer may release it) or `compliance` (nobody may before
    /// `until`, which it needs: 422 without).
    #[schema(schema_with = hold_kind_schema)]
    pub kind: String,
    /// Retain until; in the future (422 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_date_or_time_schema)]
    pub until: Option<String>,
    /// Roles besides the records officer that may find the held records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = roles_schema)]
    pub roles: Vec<String>,
}

/// A hold's release (`POST /v1/holds/{id}/release`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRelease {
    /// Why, in words.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// A search of the holds' indexes (`POST /v1/holds/search`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldSearch {
    /// The subject's identifier.
    #[schema(schema_with = subject_identifier_schema)]
    pub identifier: Identifier,
}

/// A hold's release, once released.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Released {
    /// The records officer who released it.
    pub by: String,
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub at: String,
    /// Why.
    pub reason: String,
}

/// A hold as it is shown.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldView {
    /// `H-<n>`.
    #[schema(pattern = "^H-[0-9]+$")]
    pub id: String,
    /// The case or matter.
    pub reference: String,
    /// Why.
    pub reason: String,
    /// Why it was placed.
    #[schema(schema_with = hold_purpose_schema)]
    pub purpose: String,
    /// `governance` or `compliance`.
    #[schema(schema_with = hold_kind_schema)]
    pub kind: String,
    /// Retain until (RFC 3339), if it says.
    pub until: Option<String>,
    /// Roles besides the records officer that may find its records.
    pub roles: Vec<String>,
    /// For a subject hold, the identifier's kind (never its value).
    pub subject_type: Option<String>,
    /// Who placed it.
    pub placed_by: String,
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub placed_at: String,
    /// Its release, once released.
    pub released: Option<Released>,
    /// How many records it holds, where counted (for a released hold: those still in its
    /// cohort).
    pub records: Option<u64>,
}

impl HoldView {
    /// `hold` as it is shown, with `records` if counted.
    pub fn of(hold: &vault::Hold, records: Option<u64>) -> Self {
        let time = |at: chrono::DateTime<chrono::Utc>| {
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        HoldView {
            id: hold.label(),
            reference: hold.spec.reference.clone(),
            reason: hold.spec.reason.clone(),
            purpose: hold.spec.purpose.name().to_owned(),
            kind: hold.spec.mode.name().to_owned(),
            until: hold.spec.until.map(time),
            roles: hold.spec.roles.clone(),
            subject_type: hold.subject_kind.map(|kind| kind.name().to_owned()),
            placed_by: hold.placed_by.clone(),
            placed_at: time(hold.placed_at),
            released: hold.released.as_ref().map(|release| Released {
                by: release.by.clone(),
                at: time(release.at),
                reason: release.reason.clone(),
            }),
            records,
        }
    }
}

/// A hold placed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlacedHold {
    /// The hold, with the records it holds.
    #[serde(flatten)]
    pub hold: HoldView,
    /// Of those, the records moved into its cohort (the others were in another hold's).
    pub moved: u64,
}

/// A hold released, and where its records went (none for a request's preservation whose
/// requester's identity was never verified).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReleasedHold {
    /// The hold.
    #[serde(flatten)]
    pub hold: HoldView,
    /// Records moved back to the cohort they came from.
    pub returned: Option<u64>,
    /// Records moved to another hold that still holds them.
    pub still_held: Option<u64>,
    /// Records whose own cohort is gone, destroyed by the next retention run once due.
    pub awaiting_destruction: Option<u64>,
}

/// Every hold (`GET /v1/holds`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldList {
    /// Active and released, by id.
    pub holds: Vec<HoldView>,
}

/// A hold and the ids of its records (`GET /v1/holds/{id}/records`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeldRecords {
    /// The hold, with `records` the number of ids.
    #[serde(flatten)]
    pub hold: HoldView,
    /// The ids, nothing decrypted.
    pub record_ids: Vec<String>,
}

/// A record the caller's holds hold, and which hold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeldRecord {
    /// The record's id.
    pub record: String,
    /// The hold's id, `H-<n>`.
    pub hold: String,
}

/// The records a search of the holds' indexes found (`POST /v1/holds/search`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeldFound {
    /// The records, each with its hold.
    pub held: Vec<HeldRecord>,
}

// A reason is personal data (docs/api.md, "What a caller types"): `Debug` (a log line, a
// panic's message) never shows it.
impl std::fmt::Debug for NewHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewHold")
            .field("records", &self.records)
            .field("subject", &self.subject)
            .field("reference", &self.reference)
            .field("reason", &"REDACTED")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for HoldRelease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HoldRelease")
            .field("reason", &"REDACTED")
            .finish()
    }
}

impl std::fmt::Debug for Released {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Released")
            .field("by", &self.by)
            .field("at", &self.at)
            .field("reason", &"REDACTED")
            .finish()
    }
}

impl std::fmt::Debug for HoldView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HoldView")
            .field("id", &self.id)
            .field("reference", &self.reference)
            .field("reason", &"REDACTED")
            .field("kind", &self.kind)
            .field("released", &self.released)
            .finish_non_exhaustive()
    }
}

//! High-risk designations (PNR, seed 001 paragraph 5): a new designation, its confirmation and
//! withdrawal, a subject's designations, and a designation as its officers see it.

use super::*;

/// The grammar of a designation's id: `HR-<year>-<number>`.
pub const DESIGNATION_ID_PATTERN: &str = "^HR-[0-9]{4}-[0-9]{6}$";

fn designation_id_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(DESIGNATION_ID_PATTERN))
        .description(Some("a designation's id, `HR-<year>-<number>`"))
        .build()
}

fn designation_reason_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NOT_BLANK_PATTERN))
        .max_length(Some(gate::MAX_REASON_CHARS))
        .description(Some(
            "why, in the officer's words (sealed, never logged): not only spaces",
        ))
        .build()
}

/// A designation's subject: one person, so a passport with its issuing country (422 without).
fn designated_subject_schema() -> Object {
    let mut schema = identifier_schema(false);
    if let Some(RefOr::T(utoipa::openapi::Schema::Object(kind))) = schema.properties.get_mut("type")
    {
        kind.enum_values = Some(vec![serde_json::Value::from("passport")]);
    }
    schema.description = Some(
        "the subject: one person, so a passport with its issuing country; a name, a date of birth or an account may belong to many".into(),
    );
    schema
}

fn review_on_schema() -> Object {
    let mut schema = date_schema();
    schema.description = Some(format!(
        "the day by which it is reviewed: after today and within {} days (422 otherwise)",
        gate::MAX_REVIEW_DAYS
    ));
    schema
}

fn designation_status_schema() -> Object {
    string_enum(&["pending", "in-force", "withdrawn"])
}

/// A designation of a subject (`POST /v1/designations`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDesignation {
    /// The system whose free text the designation opens (PNR); a system whose free text needs
    /// no designation takes none (422).
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The subject.
    #[schema(schema_with = designated_subject_schema)]
    pub subject: Identifier,
    /// The paragraph 3 purpose, a purpose code of the system.
    #[schema(schema_with = purpose_schema)]
    pub purpose: String,
    /// The case it serves.
    #[schema(schema_with = super::transfers::case_id_schema)]
    pub case: String,
    /// Why.
    #[schema(schema_with = designation_reason_schema)]
    pub reason: String,
    /// The day by which it is reviewed.
    #[schema(schema_with = review_on_schema)]
    pub review_on: String,
}

/// A designation's confirmation (`POST /v1/designations/{id}/confirm`): what the officer
/// states, the subject being the designation's.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationConfirmation {
    /// The designation's system.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The paragraph 3 purpose.
    #[schema(schema_with = purpose_schema)]
    pub purpose: String,
    /// The case it serves.
    #[schema(schema_with = super::transfers::case_id_schema)]
    pub case: String,
    /// Why.
    #[schema(schema_with = designation_reason_schema)]
    pub reason: String,
    /// The new day by which it is reviewed.
    #[schema(schema_with = review_on_schema)]
    pub review_on: String,
}

impl Drop for NewDesignation {
    fn drop(&mut self) {
        self.reason.zeroize();
    }
}

impl Drop for DesignationConfirmation {
    fn drop(&mut self) {
        self.reason.zeroize();
    }
}

/// A withdrawal (`POST /v1/designations/{id}/withdraw`): the system, purpose and case it is
/// decided on.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationScope {
    /// The designation's system.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The paragraph 3 purpose.
    #[schema(schema_with = purpose_schema)]
    pub purpose: String,
    /// The case it serves.
    #[schema(schema_with = super::transfers::case_id_schema)]
    pub case: String,
}

/// A subject's designations in a system (`POST /v1/designations/search`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationSearch {
    /// The system.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The subject's identifier (never a name).
    #[schema(schema_with = subject_identifier_schema)]
    pub subject: Identifier,
    /// The paragraph 3 purpose.
    #[schema(schema_with = purpose_schema)]
    pub purpose: String,
    /// The case it serves.
    #[schema(schema_with = super::transfers::case_id_schema)]
    pub case: String,
}

/// One step of a designation's history.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct DesignationStep {
    /// `designated`, `confirmed`, `withdrawn` or `migrated`.
    pub what: String,
    /// The account (or `recvault-migration`).
    pub by: String,
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub at: String,
}

/// A designation as its officers see it: the reason included, the subject's identifiers not
/// (the caller named them). It holds the officer's reason, so it has no `Debug`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct DesignationView {
    /// `HR-<year>-<number>`.
    #[schema(schema_with = designation_id_schema)]
    pub id: String,
    /// Its system.
    pub system: String,
    /// `pending` (carried over from a record's old flag: unlocks nothing until confirmed),
    /// `in-force` or `withdrawn`.
    #[schema(schema_with = designation_status_schema)]
    pub status: String,
    /// The paragraph 3 purpose (none for a pending one).
    pub purpose: Option<String>,
    /// Why (none for a pending one).
    pub reason: Option<String>,
    /// The case it serves (none for a pending one).
    pub case: Option<String>,
    /// The day by which it is reviewed (none for a pending one).
    #[schema(schema_with = nullable_date_schema)]
    pub review_on: Option<String>,
    /// The record whose `high_risk` field it was carried over from.
    pub migrated_from: Option<String>,
    /// Its history, oldest first.
    pub history: Vec<DesignationStep>,
}

impl DesignationView {
    /// `designation` as its officers see it.
    pub fn of(designation: &gate::Designation) -> Self {
        let status = match designation.status {
            gate::DesignationStatus::Pending => "pending",
            gate::DesignationStatus::InForce => "in-force",
            gate::DesignationStatus::Withdrawn => "withdrawn",
        };
        DesignationView {
            id: designation.id.clone(),
            system: designation.system.clone(),
            status: status.to_owned(),
            purpose: designation.purpose.clone(),
            reason: designation.reason.clone(),
            case: designation.case.clone(),
            review_on: designation.review_on.map(|day| day.to_string()),
            migrated_from: designation.migrated_from.clone(),
            history: designation
                .history
                .iter()
                .map(|event| DesignationStep {
                    what: event.what.clone(),
                    by: event.by.clone(),
                    at: event.at.clone(),
                })
                .collect(),
        }
    }
}

/// A designation made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Designated {
    /// Its id.
    #[schema(schema_with = designation_id_schema)]
    pub id: String,
}

/// A subject's designations in a system, in force or not.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct DesignationList {
    /// The designations.
    pub designations: Vec<DesignationView>,
}

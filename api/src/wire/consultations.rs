//! Consultations of a source's owner before records go to an individual (31 CFR 1.26(e)).

use super::*;

/// The grammar of a consultation's id: `CN-` and its number.
pub const CONSULTATION_ID_PATTERN: &str = "^CN-[0-9]{1,10}$";

/// The grammar of a Privacy Act request's id: `PA-<year>-<6 digits>`.
pub const REQUEST_ID_PATTERN: &str = "^PA-[0-9]{4}-[0-9]{6}$";

fn owner_schema() -> Object {
    pattern_schema(
        "^[a-z0-9-]{1,64}$",
        64,
        "a source's owner as a notice's `[[source]]` names it (`cbp`); one no notice names is 422",
    )
}

fn consultation_records_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(record_id_schema())
        .min_items(Some(1))
        .max_items(Some(1000))
        .description(Some("1 to 1000 record ids; one not in the vault is 404"))
        .build()
}

fn request_id_schema() -> Object {
    pattern_schema(
        REQUEST_ID_PATTERN,
        14,
        "the request that prompted it, `PA-<year>-<number>`; one not on file is 404",
    )
}

fn answer_schema() -> Object {
    string_enum(&["release", "withhold", "referred"])
}

fn optional_answer_schema() -> Object {
    or_null(answer_schema())
}

fn answered_on_schema() -> Object {
    let mut schema = or_null(date_schema());
    schema.description = Some(
        "the day the answer came (default today): from the day it was asked to today (422 otherwise)"
            .into(),
    );
    schema
}

/// A consultation to record (`POST /v1/consultations`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// The component or agency consulted.
    #[schema(schema_with = owner_schema)]
    pub owner: String,
    /// The records it is about.
    #[schema(schema_with = consultation_records_schema)]
    pub records: Vec<String>,
    /// The request that prompted it (it serves every request that finds these records).
    #[schema(schema_with = request_id_schema)]
    pub request: String,
}

/// The owner's answer (`POST /v1/consultations/{id}/answer`), once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationReply {
    /// `release` (the records may go to the individual), `withhold`, or `referred` (the owner
    /// answers the individual directly).
    #[schema(schema_with = answer_schema)]
    pub answer: String,
    /// When the answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = answered_on_schema)]
    pub on: Option<String>,
}

fn consultation_id_schema() -> Object {
    pattern_schema(CONSULTATION_ID_PATTERN, 13, "`CN-<number>`")
}

/// A consultation as kept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsultationView {
    /// Its id.
    #[schema(schema_with = consultation_id_schema)]
    pub id: String,
    /// The component or agency consulted.
    pub owner: String,
    /// The records it is about.
    pub records: Vec<String>,
    /// The request that prompted it.
    pub request: String,
    /// When it was asked.
    #[schema(schema_with = date_schema)]
    pub asked_on: String,
    /// Who asked.
    pub asked_by: String,
    /// The answer, once given.
    #[schema(schema_with = optional_answer_schema)]
    pub answer: Option<String>,
    /// When the answer came.
    #[schema(schema_with = nullable_date_schema)]
    pub answered_on: Option<String>,
    /// Who recorded it.
    pub answer_recorded_by: Option<String>,
}

impl ConsultationView {
    /// `consultation` as the privacy office sees it.
    pub fn of(consultation: &gate::Consultation) -> Self {
        ConsultationView {
            id: consultation.id.clone(),
            owner: consultation.owner.clone(),
            records: consultation.records.clone(),
            request: consultation.request.clone(),
            asked_on: consultation.asked_on.to_string(),
            asked_by: consultation.asked_by.clone(),
            answer: consultation.answer.map(|answer| answer.name().to_owned()),
            answered_on: consultation.answered_on.map(|day| day.to_string()),
            answer_recorded_by: consultation.answer_recorded_by.clone(),
        }
    }
}

/// Every consultation, in the order opened (`GET /v1/consultations`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Consultations {
    /// The consultations.
    pub consultations: Vec<ConsultationView>,
}

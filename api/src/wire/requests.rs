//! Privacy Act requests (31 CFR 1.26-1.27; a PNR data subject's rectification and complaints,
//! seed 001 paragraphs 39-42): opening one, the events of its case, its file and deadlines,
//! what is due, the records found for it, its response package, the annotations it decides
//! and its letters.

use utoipa::openapi::schema::{OneOfBuilder, Schema};

use policy::requests::{self as p, VariantNames};

use super::*;

/// The names of a request enum's values, as the document lists them: derived from the
/// policy's variants, so no list can miss one.
const fn names<T: VariantNames>() -> &'static [&'static str] {
    <T as VariantNames>::VARIANTS
}

/// The kinds of a request (`policy::requests::RequestKind`).
pub const REQUEST_KINDS: &[&str] = names::<p::RequestKind>();

/// A requester's status (`policy::requests::RequesterStatus`).
pub const REQUESTER_STATUSES: &[&str] = names::<p::RequesterStatus>();

/// A FOIA requester's fee category (`policy::requests::FeeCategory`, 31 CFR 1.5(b)(2)).
pub const FEE_CATEGORIES: &[&str] = names::<p::FeeCategory>();

/// How an identity was verified (`policy::requests::IdentityMethod`).
pub const IDENTITY_METHODS: &[&str] = names::<p::IdentityMethod>();

/// The evidence of an identity seen (`policy::requests::IdentityEvidence`).
pub const IDENTITY_EVIDENCE: &[&str] = names::<p::IdentityEvidence>();

/// The facts a requester gives that a system's procedures require
/// (`policy::requests::IdentityFact`).
pub const IDENTITY_FACTS: &[&str] = names::<p::IdentityFact>();

/// What proves a representative's authority (`policy::requests::Relationship`).
pub const RELATIONSHIPS: &[&str] = names::<p::Relationship>();

/// A FOIA delay's unusual circumstance (`policy::requests::UnusualCircumstance`, 1.5(j)(1)).
pub const UNUSUAL_CIRCUMSTANCES: &[&str] = names::<p::UnusualCircumstance>();

/// A determination's outcome (`policy::requests::Outcome`).
pub const OUTCOMES: &[&str] = names::<p::Outcome>();

/// The longest text of an event (a refusal's reasons, an answer, each missing item), in
/// characters: what a letter prints, sealed in the case file.
pub const MAX_EVENT_TEXT_CHARS: usize = 16_384;

/// The most items a deficiency letter lists as missing.
pub const MAX_EVENT_TEXTS: usize = 100;

/// The fields of an event, by their form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventField {
    /// Free text (a reason, an answer).
    Text,
    /// A name a letter prints: one line of 1 to 200 characters (`gate::check_name`).
    Name,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Flag,
    /// A whole number of cents.
    Cents,
    /// A percentage taken off a fee, 1 to 99.
    Percent,
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// A list of these values.
    ListOf(&'static [&'static str]),
    /// A list of free texts, at least one.
    Texts,
}

/// An event's fields: each field's name, form and whether it is required.
pub type EventFields = &'static [(&'static str, EventField, bool)];

/// Every event a case records (`policy::requests::EventKind`), with its fields. The server
/// refuses a field an event does not take.
pub const EVENT_KINDS: &[(&str, EventFields)] = &[
    ("received", &[]),
    ("deficient", &[("missing", EventField::Texts, true)]),
    ("perfected", &[]),
    (
        "identity-verified",
        &[
            ("method", EventField::OneOf(IDENTITY_METHODS), true),
            ("evidence", EventField::ListOf(IDENTITY_EVIDENCE), false),
            ("facts", EventField::ListOf(IDENTITY_FACTS), false),
        ],
    ),
    (
        "adverse-effect-determined",
        &[("reasons", EventField::Text, true)],
    ),
    (
        "physician-authorized",
        &[
            ("physician", EventField::Name, true),
            ("method", EventField::OneOf(IDENTITY_METHODS), true),
            ("evidence", EventField::ListOf(IDENTITY_EVIDENCE), true),
        ],
    ),
    (
        "relationship-proven",
        &[("document", EventField::OneOf(RELATIONSHIPS), true)],
    ),
    ("acknowledged", &[]),
    (
        "extended",
        &[
            ("reason", EventField::Text, true),
            ("until", EventField::Date, true),
            ("approved_by", EventField::Name, false),
            (
                "circumstance",
                EventField::OneOf(UNUSUAL_CIRCUMSTANCES),
                false,
            ),
        ],
    ),
    (
        "determined",
        &[
            ("outcome", EventField::OneOf(OUTCOMES), true),
            ("reasons", EventField::Text, true),
        ],
    ),
    ("appealed", &[("postmarked", EventField::Date, true)]),
    ("appeal-acknowledged", &[]),
    (
        "appeal-determined",
        &[
            ("outcome", EventField::OneOf(OUTCOMES), true),
            ("reasons", EventField::Text, true),
        ],
    ),
    (
        "disagreement-filed",
        &[("postmarked", EventField::Date, true)],
    ),
    ("referred-to-chief-privacy-officer", &[]),
    (
        "cbp-answered",
        &[
            ("resolved", EventField::Flag, true),
            ("answer", EventField::Text, true),
        ],
    ),
    (
        "chief-privacy-officer-answered",
        &[
            ("resolved", EventField::Flag, true),
            ("answer", EventField::Text, true),
        ],
    ),
    ("dpa-referred", &[("authority", EventField::Name, true)]),
    (
        "conclusions-reported",
        &[
            ("conclusions", EventField::Text, true),
            ("actions", EventField::Text, true),
        ],
    ),
    ("fee-estimated", &[("cents", EventField::Cents, true)]),
    ("fee-agreed", &[]),
    ("fees-paid", &[("cents", EventField::Cents, true)]),
    ("reformulated", &[]),
    ("fee-waiver-requested", &[]),
    (
        "fee-waiver-determined",
        &[
            ("outcome", EventField::OneOf(OUTCOMES), true),
            ("reasons", EventField::Text, true),
            ("reduced_percent", EventField::Percent, false),
        ],
    ),
    ("expedited-requested", &[("dated", EventField::Date, true)]),
    (
        "expedited-determined",
        &[("granted", EventField::Flag, true)],
    ),
    ("records-released", &[]),
    ("closed", &[("reason", EventField::Text, true)]),
];

/// The fields event `kind` takes, if it is one.
pub fn event_fields(kind: &str) -> Option<EventFields> {
    EVENT_KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, fields)| *fields)
}

fn event_field_schema(form: EventField, required: bool) -> RefOr<Schema> {
    let schema = match form {
        EventField::Text => ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_EVENT_TEXT_CHARS))
            .description(Some(
                "text (one the case requires, such as a refusal's reasons, is not only spaces: 422)",
            ))
            .build(),
        EventField::Name => name_schema("a name"),
        EventField::Date => date_schema(),
        EventField::Flag => ObjectBuilder::new().schema_type(Type::Boolean).build(),
        EventField::Cents => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(u64::MAX))
            .build(),
        EventField::Percent => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(99))
            .build(),
        EventField::OneOf(values) => string_enum(values),
        EventField::ListOf(values) => {
            return RefOr::T(Schema::Array(
                ArrayBuilder::new().items(string_enum(values)).build(),
            ))
        }
        EventField::Texts => {
            return RefOr::T(Schema::Array(
                ArrayBuilder::new()
                    .items(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .max_length(Some(MAX_EVENT_TEXT_CHARS)),
                    )
                    .min_items(Some(1))
                    .max_items(Some(MAX_EVENT_TEXTS))
                    .build(),
            ))
        }
    };
    // serde reads an optional field's `null` as absent.
    RefOr::T(Schema::Object(if required {
        schema
    } else {
        or_null(schema)
    }))
}

/// An event to record in a case (`POST /v1/requests/{id}/events`): its `kind`, the fields that
/// kind takes ([`EVENT_KINDS`]) and its day. The server reads the fields into
/// `policy::requests::EventKind` once it has checked that the kind takes them.
#[derive(Serialize, Deserialize)]
pub struct NewEvent {
    /// The event.
    pub kind: String,
    /// The day it happened (default today): not in the future, not before the last event
    /// (422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The kind's fields.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl utoipa::PartialSchema for NewEvent {
    fn schema() -> RefOr<Schema> {
        let mut kinds = OneOfBuilder::new().description(Some(
            "an event of the case, by its `kind`, with the fields that kind takes; the rules of the case (what may come now, the identity a system requires) are 422",
        ));
        for (kind, fields) in EVENT_KINDS {
            let mut event = ObjectBuilder::new()
                .property("kind", string_enum(&[kind]))
                .required("kind")
                .property("on", {
                    let mut on = or_null(date_schema());
                    on.description = Some("the day it happened (default today)".into());
                    on
                })
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for (name, form, required) in *fields {
                event = event.property(*name, event_field_schema(*form, *required));
                if *required {
                    event = event.required(*name);
                }
            }
            kinds = kinds.item(event);
        }
        let mut one_of = kinds.build();
        // The first event a request's officer records, so a client trying the document
        // reaches a real one on the example request.
        one_of.examples = vec![serde_json::json!({"kind": "acknowledged"})];
        RefOr::T(Schema::OneOf(one_of))
    }
}

impl ToSchema for NewEvent {}

fn request_kind_schema() -> Object {
    string_enum(REQUEST_KINDS)
}

fn name_schema(what: &str) -> Object {
    pattern_schema(
        ONE_LINE_PATTERN,
        gate::MAX_NAME_CHARS,
        &format!("{what}: one line of 1 to 200 characters, not only spaces"),
    )
}

fn requester_schema() -> Object {
    name_schema("the requester's name")
}

fn representative_schema() -> Object {
    or_null(name_schema(
        "a parent or guardian acting for the individual",
    ))
}

fn authority_schema() -> Object {
    or_null(name_schema(
        "a complaint's data protection authority (with `authority_authorized`: 422 otherwise)",
    ))
}

fn official_schema() -> Object {
    name_schema("the responsible official's name and title, who signs the letter")
}

fn requester_status_schema() -> Object {
    let mut schema = or_null(string_enum(REQUESTER_STATUSES));
    schema.description = Some("the requester's status (default `citizen`)".into());
    schema
}

fn request_identifiers_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(identifier_schema(false))
        .min_items(Some(1))
        .description(Some(
            "the requester's identifiers, at least one (sealed in the case file, indexed blind, never logged); the name is `requester`",
        ))
        .build()
}

fn request_systems_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String))
        .min_items(Some(1))
        .description(Some(
            "the systems of records named, at least one; a system the vault does not keep, one whose procedures do not take the request, or systems under different procedures are 422",
        ))
        .build()
}

fn received_schema() -> Object {
    let mut schema = or_null(date_schema());
    schema.description = Some("the day it was received (default today; 422 in the future)".into());
    schema
}

fn fee_category_schema() -> Object {
    let mut schema = or_null(string_enum(FEE_CATEGORIES));
    schema.description = Some(
        "a FOIA-route request's fee category (default `first-party`; 422 on a Privacy Act request)"
            .into(),
    );
    schema
}

fn fee_limit_schema() -> Object {
    let mut schema = or_null(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(gate::MIN_FEE_LIMIT_CENTS))
            .maximum(Some(u32::MAX))
            .build(),
    );
    schema.description = Some(
        "the most the requester agreed to pay, in cents, not less than $25 (31 CFR 1.5(b)(7)); a FOIA-route request's (422 otherwise)"
            .into(),
    );
    schema
}

fn substance_schema() -> Object {
    let mut schema = or_null(string_enum(&policy::reports::SUBSTANCES));
    schema.description =
        Some("a complaint's substance (required for a complaint, 422 on another kind)".into());
    schema
}

/// A Privacy Act request to open (`POST /v1/requests`). Its route (Privacy Act or FOIA) comes
/// from the systems' notices; its preservation hold is placed at receipt. The example is a
/// subject of the demo vault's (scripts/demo), so a client trying the document opens a real
/// request.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "access",
    "requester": "JOHN Q PUBLIC",
    "identifiers": [{"type": "ssn", "value": "241-87-8621"}],
    "systems": ["fincen-cbetf"]
}))]
pub struct NewRequest {
    /// What the individual asks for.
    #[schema(schema_with = request_kind_schema)]
    pub kind: String,
    /// The requester's name.
    #[schema(schema_with = requester_schema)]
    pub requester: String,
    /// The requester's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = requester_status_schema)]
    pub status: Option<String>,
    /// A parent or guardian acting for the individual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = representative_schema)]
    pub representative: Option<String>,
    /// The requester's identifiers.
    #[schema(schema_with = request_identifiers_schema)]
    pub identifiers: Vec<Identifier>,
    /// The systems named.
    #[schema(schema_with = request_systems_schema)]
    pub systems: Vec<String>,
    /// When it was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = received_schema)]
    pub received: Option<String>,
    /// A FOIA request's fee category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = fee_category_schema)]
    pub fee_category: Option<String>,
    /// The most the requester agreed to pay.
    #[serde(
        default,
        deserialize_with = "optional_whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = fee_limit_schema)]
    pub fee_limit_cents: Option<u32>,
    /// A complaint's substance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = substance_schema)]
    pub substance: Option<String>,
    /// The data protection authority a complaint came through (seed 001 paragraph 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = authority_schema)]
    pub through_authority: Option<String>,
    /// Whether the data subject's authorization of that authority is on file.
    #[serde(default)]
    pub authority_authorized: bool,
}

/// A whole number that fits 32 bits (default 0).
fn count_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(u32::MAX))
        .description(Some(
            "pages of copies; for a FOIA-route request, minutes of search and review and the searcher's pay per hour in cents (those three are 422 on a Privacy Act request, whose fees are copies only)",
        ))
        .build()
}

/// The officer's decisions for a response package (`POST /v1/requests/{id}/response`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseDecision {
    /// The records released (ids the request's search found; others are 422).
    #[serde(default)]
    #[schema(schema_with = record_ids_schema)]
    pub release: Vec<String>,
    /// Exemption claims waived for this request (`552a(j)(2)`...).
    #[serde(default)]
    pub waive: Vec<String>,
    /// Sources (a notice's `[[source]]` codes) whose records' exemption is waived; an owned
    /// source needs a consultation answered `release` (422 otherwise).
    #[serde(default)]
    pub waive_sources: Vec<String>,
    /// Whether the requester showed that information was used to deny a right, privilege or
    /// benefit (lifts a (k)(2) claim, 31 CFR 1.26(g)(6)(ii)(B)).
    #[serde(default)]
    pub benefit_denied: bool,
    /// The responsible official (31 CFR 1.26(g)(4)).
    #[schema(schema_with = official_schema)]
    pub official: String,
    /// Pages of copies.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = count_schema)]
    pub pages: u32,
    /// A FOIA-route request's minutes of search (422 on a Privacy Act request, whose fees are
    /// copies only).
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = count_schema)]
    pub search_minutes: u32,
    /// A FOIA-route request's minutes of review.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = count_schema)]
    pub review_minutes: u32,
    /// The searcher's basic pay per hour, in cents.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = count_schema)]
    pub hourly_pay_cents: u32,
}

/// An annotation a request decided (`POST /v1/requests/{id}/annotations`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestAnnotation {
    /// The record, in a system the request names (422 otherwise).
    #[schema(schema_with = record_id_schema)]
    pub record: String,
    /// A `correction` after a grant, a `dispute` after a refusal, a
    /// `statement-of-disagreement` after its filing (422 before its grounds).
    #[schema(schema_with = super::records::annotation_kind_schema)]
    pub kind: String,
    /// The portions of the record it concerns.
    #[schema(schema_with = super::records::portions_schema)]
    pub portions: Vec<String>,
    /// The correction or statement (sealed, never logged).
    #[schema(schema_with = super::records::annotation_text_schema)]
    pub text: String,
}

impl Drop for RequestAnnotation {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// How a letter is read back (`?format=`).
pub(crate) fn letter_format_schema() -> Object {
    let mut schema = string_enum(&["text", "pdf"]);
    schema.description = Some("`text` (the default) or `pdf`".into());
    schema
}

fn letter_kind_schema() -> Object {
    let mut schema = string_enum(&gate::LETTER_KINDS);
    schema.description = Some(
        "the letter (fee-notice and referral are a FOIA-route request's); one the case has no facts for is 422"
            .into(),
    );
    schema
}

/// A letter to make (`POST /v1/requests/{id}/letters`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "acknowledgment", "official": "JANE ROE, Privacy Officer"}))]
pub struct NewLetter {
    /// Its kind.
    #[schema(schema_with = letter_kind_schema)]
    pub kind: String,
    /// Who signs it.
    #[schema(schema_with = official_schema)]
    pub official: String,
}

/// An event of a case as recorded: its kind and fields (as an event to record takes them), its
/// day, who recorded it and when.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// The event, one an event to record names.
    pub kind: String,
    /// The day it happened.
    #[schema(schema_with = date_schema)]
    pub on: String,
    /// Who recorded it.
    pub by: String,
    /// The day the vault recorded it (absent in a file from before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = date_schema)]
    pub recorded: Option<String>,
    /// The kind's fields.
    #[serde(flatten)]
    #[schema(ignore)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl EventView {
    /// `event` as shown; an error, never an event without its fields, if they do not
    /// serialize as an object.
    pub fn of(event: &policy::requests::Event) -> Result<Self, String> {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::to_value(&event.kind) else {
            return Err(format!("a `{}` event's fields", event.kind.name()));
        };
        fields.remove("kind");
        Ok(EventView {
            kind: event.kind.name().to_owned(),
            on: event.on.to_string(),
            by: event.by.clone(),
            recorded: event.recorded.map(|day| day.to_string()),
            fields,
        })
    }
}

/// A FOIA-route request's fee terms.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeeTermsView {
    /// The requester's category.
    #[schema(schema_with = fee_category_enum_schema)]
    pub category: String,
    /// The most the requester agreed to pay, in cents, if stated.
    pub limit_cents: Option<u32>,
}

fn fee_category_enum_schema() -> Object {
    string_enum(FEE_CATEGORIES)
}

/// A case: its kind, route, history and fee terms.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    /// What the individual asked for.
    #[schema(schema_with = request_kind_schema)]
    pub kind: String,
    /// `privacy-act` or `foia`, from the systems' notices.
    #[schema(schema_with = route_schema)]
    pub route: String,
    /// Whether a representative acts for the individual.
    pub representative: bool,
    /// The history, in order.
    pub events: Vec<EventView>,
    /// A FOIA-route request's fee terms.
    pub fees: Option<FeeTermsView>,
}

fn route_schema() -> Object {
    string_enum(&["privacy-act", "foia"])
}

/// A deadline of a case and where it stands on the day asked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeadlineView {
    /// What is due (`determination`, `acknowledgment`, `appeal-decision`...).
    pub what: String,
    /// By when (inclusive).
    #[schema(schema_with = date_schema)]
    pub due: String,
    /// The rule.
    pub rule: String,
    /// When it was met.
    #[schema(schema_with = nullable_date_schema)]
    pub met_on: Option<String>,
    /// Whether it is the requester's window (an appeal, a statement), not the agency's.
    pub requester: bool,
    /// `due`, `overdue`, `met`, `met-late`, or for a requester's window `open` or `closed`.
    #[schema(schema_with = deadline_state_schema)]
    pub state: String,
}

fn deadline_state_schema() -> Object {
    string_enum(&["due", "overdue", "met", "met-late", "open", "closed"])
}

impl DeadlineView {
    /// `deadline` as it stands on `today`.
    pub fn of(deadline: &policy::requests::Deadline, today: chrono::NaiveDate) -> Self {
        Self::stated(deadline, deadline.state(today))
    }

    /// `deadline` in `state`, as the gate found it.
    pub fn stated(deadline: &policy::requests::Deadline, state: &str) -> Self {
        DeadlineView {
            what: deadline.what.to_owned(),
            due: deadline.due.to_string(),
            rule: deadline.rule.to_owned(),
            met_on: deadline.met_on.map(|day| day.to_string()),
            requester: deadline.requester,
            state: state.to_owned(),
        }
    }
}

/// A letter of a case, without its text (`GET /v1/requests/{id}/letters/{n}` reads it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LetterSummary {
    /// Its number in the case, from 1.
    pub n: u32,
    /// Its kind.
    pub kind: String,
    /// The day it was made.
    #[schema(schema_with = date_schema)]
    pub on: String,
    /// Who made it.
    pub by: String,
    /// The SHA-256 of its text, in hexadecimal.
    #[schema(schema_with = sha256_schema)]
    pub sha256: String,
}

fn sha256_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9a-f]{64}$"))
        .build()
}

impl LetterSummary {
    /// `letter`, summed up.
    pub fn of(letter: &gate::Letter) -> Self {
        LetterSummary {
            n: letter.n,
            kind: letter.kind.clone(),
            on: letter.on.to_string(),
            by: letter.by.clone(),
            sha256: hex::encode(vault::crypto::sha256(letter.text.as_bytes())),
        }
    }
}

/// A complaint's facts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplaintView {
    /// What it is about.
    pub substance: String,
    /// The data protection authority it came through.
    pub through_authority: Option<String>,
}

/// A request's file, history and deadlines (privacy staff; it holds the requester's name and
/// identifiers).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestFileView {
    /// Its id.
    #[schema(schema_with = file_id_schema)]
    pub id: String,
    /// The requester's name.
    pub requester: String,
    /// The requester's status.
    #[schema(schema_with = requester_status_enum_schema)]
    pub status: String,
    /// A parent or guardian acting for the individual.
    pub representative: Option<String>,
    /// The systems named.
    pub systems: Vec<String>,
    /// The identifiers given, as `TYPE=VALUE` (a passport `passport=CC:NUMBER`).
    pub identifiers: Vec<String>,
    /// The procedures that govern it, per system.
    pub procedures: Vec<String>,
    /// Its kind, route and history.
    pub case: CaseView,
    /// Its letters, in order.
    pub letters: Vec<LetterSummary>,
    /// The exemptions its response applied.
    pub exemptions_applied: Vec<String>,
    /// A complaint's facts.
    pub complaint: Option<ComplaintView>,
    /// How many records its preservation hold found at receipt.
    pub preserved: Option<u64>,
    /// Its deadlines, each with its state today.
    pub deadlines: Vec<DeadlineView>,
}

fn file_id_schema() -> Object {
    pattern_schema(REQUEST_ID_PATTERN, 14, "`PA-<year>-<number>`")
}

fn requester_status_enum_schema() -> Object {
    string_enum(REQUESTER_STATUSES)
}

impl Drop for RequestFileView {
    fn drop(&mut self) {
        self.identifiers.zeroize();
    }
}

/// The wire name of a policy enum (its serde name); an error, never a blank, for a value
/// that does not serialize as a name.
fn name_of<T: Serialize>(value: &T) -> Result<String, String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err("a policy code that is not a name".to_owned()),
    }
}

impl RequestFileView {
    /// `file` with its `deadlines` as they stand on `today`; an error names what does not
    /// serialize.
    pub fn of(
        file: &gate::RequestFile,
        deadlines: &[policy::requests::Deadline],
        today: chrono::NaiveDate,
    ) -> Result<Self, String> {
        let status = name_of(&file.status)?;
        let route = name_of(&file.case.route)?;
        let events = file
            .case
            .events
            .iter()
            .map(EventView::of)
            .collect::<Result<_, _>>()?;
        let fees = file
            .case
            .fees
            .map(|fees| {
                Ok::<_, String>(FeeTermsView {
                    category: name_of(&fees.category)?,
                    limit_cents: fees.limit_cents,
                })
            })
            .transpose()?;
        // Nothing fails from here: the identifiers are copied into a view that wipes them.
        Ok(RequestFileView {
            id: file.id.clone(),
            requester: file.requester.clone(),
            status,
            representative: file.representative.clone(),
            systems: file.systems.clone(),
            identifiers: file.identifiers.clone(),
            procedures: file.procedures.clone(),
            case: CaseView {
                kind: file.case.kind.name().to_owned(),
                route,
                representative: file.case.representative,
                events,
                fees,
            },
            letters: file.letters.iter().map(LetterSummary::of).collect(),
            exemptions_applied: file.exemptions_applied.clone(),
            complaint: file.complaint.as_ref().map(|complaint| ComplaintView {
                substance: complaint.substance.clone(),
                through_authority: complaint.through_authority.clone(),
            }),
            preserved: file.preserved,
            deadlines: deadlines
                .iter()
                .map(|deadline| DeadlineView::of(deadline, today))
                .collect(),
        })
    }
}

/// A deadline of an open request that is due soon or overdue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DueDeadline {
    /// The request.
    pub request: String,
    /// The deadline.
    #[serde(flatten)]
    pub deadline: DeadlineView,
}

/// What the agency owes soon (`GET /v1/requests/due`), soonest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Due {
    /// The deadlines.
    pub due: Vec<DueDeadline>,
}

/// A record found for a request, for the officer's decision (nothing of it is read but its
/// source, where the notice lists its sources).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FoundForRequest {
    /// Its system.
    pub system: String,
    /// Its id.
    #[schema(schema_with = record_id_schema)]
    pub id: String,
    /// Its category.
    pub category: String,
    /// Its retention phase today (none past its schedule).
    pub phase: Option<String>,
    /// The exemption from access that covers it, unless waived.
    pub exemption: Option<String>,
    /// Its source, for a notice that lists its sources.
    pub source: Option<String>,
    /// Whom to consult before it goes out (31 CFR 1.26(e)).
    pub consult: Option<String>,
}

impl FoundForRequest {
    /// `found` as shown.
    pub fn of(found: &gate::FoundRecord) -> Self {
        FoundForRequest {
            system: found.system.clone(),
            id: found.id.clone(),
            category: found.category.clone(),
            phase: found.phase.clone(),
            exemption: found.exemption.clone(),
            source: found.source.clone(),
            consult: found.consult.clone(),
        }
    }
}

/// Every record found for a request's identifiers (`GET /v1/requests/{id}/records`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestRecords {
    /// The records, by system.
    pub records: Vec<FoundForRequest>,
    /// The systems not searched, each with the reason (`system: reason`).
    pub not_searched: Vec<String>,
}

/// A system's answer in a response package.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemAnswer {
    /// The system.
    pub system: String,
    /// Its neither-confirm-nor-deny answer (the same words whether or not a record exists),
    /// or empty where its records go out.
    pub answer: String,
}

/// Records that go only to a physician the individual authorized in writing (31 CFR
/// 1.26(g)(3)).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ForPhysician {
    /// The physician.
    pub physician: String,
    /// The records.
    pub records: Vec<RecordView>,
}

/// A response package for the individual (`POST /v1/requests/{id}/response`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ResponsePackageView {
    /// The request.
    pub request: String,
    /// The determination letter's text.
    pub letter: String,
    /// Its number among the request's letters.
    pub letter_number: u32,
    /// Per system named, its answer.
    pub answers: Vec<SystemAnswer>,
    /// The released records as the individual sees them, with their annotations.
    pub records: Vec<RecordView>,
    /// The accounting of disclosures as the individual may see it (552a(c)(3)).
    pub accounting: Vec<AccountingEntryView>,
    /// The fee, in cents.
    pub fee_cents: u32,
    /// Medical or psychological records for a physician only.
    pub for_physician: Option<ForPhysician>,
}

impl ResponsePackageView {
    /// `package` as the individual receives it.
    pub fn of(package: &gate::ResponsePackage) -> Self {
        ResponsePackageView {
            request: package.request.clone(),
            letter: package.letter.clone(),
            letter_number: package.letter_number,
            answers: package
                .answers
                .iter()
                .map(|(system, answer)| SystemAnswer {
                    system: system.clone(),
                    answer: answer.clone(),
                })
                .collect(),
            records: package.records.iter().map(RecordView::of).collect(),
            accounting: package
                .accounting
                .iter()
                .map(AccountingEntryView::for_individual)
                .collect(),
            fee_cents: package.fee_cents,
            for_physician: package.for_physician.as_ref().map(|(physician, records)| {
                ForPhysician {
                    physician: physician.clone(),
                    records: records.iter().map(RecordView::of).collect(),
                }
            }),
        }
    }
}

/// A letter made (`POST /v1/requests/{id}/letters`): its summary and its text.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LetterMade {
    /// The letter.
    #[serde(flatten)]
    pub letter: LetterSummary,
    /// Its text.
    pub text: String,
}

/// A request's letters, in order (`GET /v1/requests/{id}/letters`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LetterList {
    /// The letters.
    pub letters: Vec<LetterSummary>,
}

//! Records: a search, a partner's search, a read, the raw message a record came from, and an
//! annotation; a record as a caller may see it.

use std::collections::BTreeMap;

use super::*;

/// Records a search returns unless it asks for another number.
pub const DEFAULT_SEARCH_LIMIT: usize = 100;
/// Most records one search may return: more is a bulk extract, not a retrieval.
pub const MAX_SEARCH_LIMIT: usize = 1000;

/// Most characters of an annotation's text; the vault also holds it to
/// `privacy::annotations::MAX_ANNOTATION_BYTES` bytes of UTF-8 (422 past them).
pub const MAX_ANNOTATION_CHARS: usize = privacy::annotations::MAX_ANNOTATION_BYTES;

/// The grammar of a name in a record (`model::display_token`): a lowercase letter, then
/// lowercase letters, digits, `-` and `_`, with at most two digits. Its length (at most 64)
/// is held by each portion's `maxLength`.
const TOKEN: &str = "[a-z][a-z_-]*(?:[0-9][a-z_-]*){0,2}";

/// The portions an annotation may name (`privacy::annotations::check_portion`), each with
/// its longest length: the whole record, a field or provenance key, and a subject's part by
/// its place (1 to 999).
pub fn portion_patterns() -> [(String, usize); 5] {
    [
        ("^record$".to_owned(), 6),
        (format!("^(?:fields|source)\\.{TOKEN}$"), 7 + 64),
        (format!("^subject\\.[1-9]\\.{TOKEN}$"), 10 + 64),
        (format!("^subject\\.[1-9][0-9]\\.{TOKEN}$"), 11 + 64),
        (format!("^subject\\.[1-9][0-9]{{2}}\\.{TOKEN}$"), 12 + 64),
    ]
}

pub(super) fn portions_schema() -> utoipa::openapi::schema::Array {
    let mut portion = AnyOfBuilder::new().description(Some(
        "`record`, `fields.NAME`, `source.KEY`, `subject.N.name` or `subject.N.IDENTIFIER` (N from 1)",
    ));
    for (pattern, longest) in portion_patterns() {
        portion = portion.item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .max_length(Some(longest)),
        );
    }
    ArrayBuilder::new()
        .items(any_of(portion))
        .min_items(Some(1))
        .build()
}

pub(super) fn annotation_kind_schema() -> Object {
    let kinds: Vec<&str> = privacy::annotations::AnnotationKind::ALL
        .iter()
        .map(|kind| kind.name())
        .collect();
    string_enum(&kinds)
}

pub(super) fn annotation_text_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NOT_BLANK_PATTERN))
        .max_length(Some(MAX_ANNOTATION_CHARS))
        .description(Some(
            "the correction or statement: not only spaces; besides the characters, at most 16 KiB of UTF-8 (422 past the bytes)",
        ))
        .build()
}

fn optional_purpose_schema() -> Object {
    or_null(purpose_schema())
}

fn optional_case_id_schema() -> Object {
    let mut schema = or_null(super::transfers::case_id_schema());
    schema.description = Some(
        "the case the request serves, a case id (`C-1`); the policy says where one is needed (403 without)"
            .into(),
    );
    schema
}

fn search_identifier_schema() -> Object {
    identifier_schema(true)
}

fn limit_schema() -> Object {
    or_null(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(MAX_SEARCH_LIMIT))
            .default(Some(DEFAULT_SEARCH_LIMIT.into()))
            .description(Some("most records to read, oldest first"))
            .build(),
    )
}

/// A search of a system's records by an identifier or a name (`POST /v1/search`, and
/// `POST /v1/partner/search` for a partner). The example is the demo vault's (scripts/demo),
/// so a client trying the document reaches a real answer.
// No `Debug`: a purpose or a case is where an identifier typed by mistake lands.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "system": "fincen-cbetf",
    "identifier": {"type": "ssn", "value": "241-87-8621"},
    "purpose": "investigation",
    "case": "DEMO-1",
    "limit": 10
}))]
pub struct Search {
    /// The system of records.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// What to search by: an identifier, or `name` where the system is retrieved by name.
    #[schema(schema_with = search_identifier_schema)]
    pub identifier: Identifier,
    /// The purpose of the search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_purpose_schema)]
    pub purpose: Option<String>,
    /// The case it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_case_id_schema)]
    pub case: Option<String>,
    /// Most records to read (default 100, at most 1000).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_whole_number"
    )]
    #[schema(schema_with = limit_schema)]
    pub limit: Option<usize>,
}

impl Search {
    /// The number of records asked for.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_SEARCH_LIMIT)
    }
}

/// A subject of a record, as a caller may see it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectView {
    /// Its role in the record (`originator`, `beneficiary`, `passenger`).
    pub role: String,
    /// The name as reported, if any (and not withheld).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its identifiers by kind: a value, or a passport's number and country.
    pub identifiers: BTreeMap<String, IdentifierValue>,
}

/// An identifier's value in a record: the value, or a passport's number and issuing country.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IdentifierValue {
    /// A passport.
    Passport {
        /// Its number.
        number: String,
        /// The issuing country.
        country: String,
    },
    /// Any other kind's value.
    Value(String),
}

/// An annotation of a record, as a caller may see it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AnnotationView {
    /// Its place among the record's annotations, from 1.
    pub seq: u32,
    /// What it is.
    #[schema(schema_with = annotation_kind_schema)]
    pub kind: String,
    /// The portions of the record it concerns.
    pub portions: Vec<String>,
    /// The correction or statement.
    pub text: String,
    /// Who added it (the account).
    pub author: String,
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub created: String,
}

/// A record as a caller may see it, in the import format (docs/import-format.md) with its id:
/// less what is withheld from the caller, with the record's annotations and the portions they
/// dispute. It holds personal data, so it has no `Debug`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordView {
    /// Its id.
    #[schema(schema_with = record_id_schema)]
    pub id: String,
    /// Its system of records.
    pub system: String,
    /// Its category in the system (`cmir`, `pnr`).
    pub category: String,
    /// When the record was collected (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub collected_at: String,
    /// Where it came from (provenance keys the caller may see).
    pub source: BTreeMap<String, String>,
    /// The people it is about.
    pub subjects: Vec<SubjectView>,
    /// Its fields the caller may see.
    pub fields: BTreeMap<String, String>,
    /// What is withheld from the caller: free text, fields, subject parts and provenance keys
    /// outside its projection, and annotations about them (`annotation.N`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_fields: Vec<String>,
    /// The annotations the caller may see, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<AnnotationView>,
    /// Where the record has annotations: the portions a notation of dispute or a statement
    /// of disagreement concerns (possibly none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputed: Option<Vec<String>>,
}

impl RecordView {
    /// `viewed` as the caller may see it.
    pub fn of(viewed: &gate::Viewed) -> Self {
        use privacy::annotations::AnnotationKind;
        let contents = &viewed.record.contents;
        let subjects = contents
            .subjects
            .iter()
            .map(|subject| SubjectView {
                role: subject.role.clone(),
                name: subject.name.clone(),
                identifiers: subject
                    .identifiers
                    .iter()
                    .map(|identifier| {
                        let value = match &identifier.country {
                            Some(country) => IdentifierValue::Passport {
                                number: identifier.value.clone(),
                                country: country.clone(),
                            },
                            None => IdentifierValue::Value(identifier.value.clone()),
                        };
                        (identifier.kind.name().to_owned(), value)
                    })
                    .collect(),
            })
            .collect();
        let mut disputed: Vec<String> = viewed
            .annotations
            .iter()
            .filter(|annotation| annotation.kind != AnnotationKind::Correction)
            .flat_map(|annotation| annotation.portions.iter().cloned())
            .collect();
        disputed.sort_unstable();
        disputed.dedup();
        RecordView {
            id: viewed.record.id.to_string(),
            system: contents.system.as_str().to_owned(),
            category: contents.category.clone(),
            collected_at: contents
                .collected_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            source: contents.source.clone(),
            subjects,
            fields: contents.fields.clone(),
            withheld_fields: viewed.withheld.clone(),
            annotations: viewed
                .annotations
                .iter()
                .map(|annotation| AnnotationView {
                    seq: annotation.seq,
                    kind: annotation.kind.name().to_owned(),
                    portions: annotation.portions.clone(),
                    text: annotation.text.clone(),
                    author: annotation.author.clone(),
                    created: crate::render::rfc3339(annotation.created_ms),
                })
                .collect(),
            disputed: (!viewed.annotations.is_empty()).then_some(disputed),
        }
    }
}

/// What a search found (`POST /v1/search`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Found {
    /// The records read (possibly none), oldest first.
    pub records: Vec<RecordView>,
    /// Every record that matched and is in a searchable phase, read or not.
    pub found: usize,
    /// Records that matched but that the policy does not let the caller read (their category
    /// or phase), counted and never read.
    pub withheld: usize,
    /// Whether more matched than were read (the limit).
    pub truncated: bool,
}

/// What a partner's search released (`POST /v1/partner/search`): each record a disclosure.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PartnerReleased {
    /// The records released, only their projected fields, oldest first.
    pub records: Vec<RecordView>,
    /// Every record that matched.
    pub found: usize,
    /// Whether more matched than were released (the limit).
    pub truncated: bool,
}

/// The raw message a record came from (`GET /v1/records/{id}/raw`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RawMessage {
    /// The record asked for.
    #[schema(schema_with = record_id_schema)]
    pub record: String,
    /// The raw record that holds the message.
    #[schema(schema_with = record_id_schema)]
    pub raw_record: String,
    /// The message exactly as received (an MT message, a pacs document, a CSV row, a PNR push
    /// after the sensitive filter).
    pub message: String,
}

impl Drop for RawMessage {
    fn drop(&mut self) {
        self.message.zeroize();
    }
}

/// An annotation to append to a record (`POST /v1/records/{id}/annotations`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnotation {
    /// A correction, a notation of dispute or a statement of disagreement.
    #[schema(schema_with = annotation_kind_schema)]
    pub kind: String,
    /// The portions of the record it concerns.
    #[schema(schema_with = portions_schema)]
    pub portions: Vec<String>,
    /// The correction or statement (personal data: sealed, never logged).
    #[schema(schema_with = annotation_text_schema)]
    pub text: String,
    /// The purpose it serves, where the policy asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_purpose_schema)]
    pub purpose: Option<String>,
}

impl Drop for NewAnnotation {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// An annotation appended.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Annotated {
    /// The record.
    #[schema(schema_with = record_id_schema)]
    pub record: String,
    /// The annotation's place among the record's annotations.
    pub seq: u32,
    /// Notices queued to the record's prior recipients (552a(c)(4)).
    pub notices: usize,
}

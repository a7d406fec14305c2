//! Releases: a disclosure and its package, the accounting of disclosures and its expiry, the
//! notices to prior recipients and individuals, the designated authorities of a PNR system.

use super::*;

/// The grammar of a notice's id: 22 hexadecimal digits, the first two `6e`
/// (`vault::keyspace::is_notice_key`).
pub const NOTICE_ID_PATTERN: &str = "^6[eE][0-9a-fA-F]{20}$";

/// The grammar of a statistical release's period (`policy::statistics::Period::parse`): a
/// year from 1970 to 9998, a quarter of one (`2025-Q3`) or a month (`2025-07`).
pub const PERIOD_PATTERN: &str = "^(?:19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])(?:-Q[1-4]|-0[1-9]|-1[0-2])?$";

/// The conditions of 5 U.S.C. 552a(b).
pub const CONDITIONS: [&str; 11] = [
    "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11",
];

fn nature_schema() -> Object {
    let mut schema = string_enum(&gate::NATURES);
    schema.default = Some("electronic".into());
    schema.description = Some(
        "`electronic` (through the vault), or `paper` or `oral` (made outside it and entered by hand for its accounting)"
            .into(),
    );
    or_null(schema)
}

fn condition_schema() -> Object {
    let mut schema = or_null(text_schema());
    schema.description = Some(
        "a condition of 552a(b), `b1` to `b11`; another is a logged refusal (403 condition-unknown)"
            .into(),
    );
    schema
}

fn disclosure_record_ids_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(record_id_schema())
        .max_items(Some(1000))
        .description(Some(
            "up to 1000 record ids of one system (422 for records of two systems); or `search`; or, for a statistical release (b5) only, `population`: exactly one of them (422 otherwise)",
        ))
        .build()
}

fn period_schema() -> Object {
    pattern_schema(
        PERIOD_PATTERN,
        7,
        "a closed calendar period: `YYYY`, `YYYY-Qn` or `YYYY-MM`",
    )
}

fn text_schema() -> Object {
    ObjectBuilder::new().schema_type(Type::String).build()
}

fn optional_text_schema() -> Object {
    or_null(text_schema())
}

fn texts_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(text_schema()).build()
}

fn min_cell_schema() -> Object {
    or_null(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(u32::MAX))
            .description(Some(format!(
                "a higher minimum cell than {} (a lower one is denied, 403)",
                policy::statistics::MIN_CELL
            )))
            .build(),
    )
}

fn release_case_schema() -> Object {
    let mut schema = or_null(super::transfers::case_id_schema());
    schema.description =
        Some("the case the release serves; the policy says where one is needed (403)".into());
    schema
}

fn release_purpose_schema() -> Object {
    let mut schema = purpose_schema();
    schema.description = Some(
        "a purpose the system's notice names (of the system, a grant, a routine use or its designated-authority rules); another is denied (403 purpose-unknown)"
            .into(),
    );
    schema
}

fn disclosure_identifier_schema() -> Object {
    identifier_schema(true)
}

fn authority_name_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NOT_BLANK_PATTERN))
        .max_length(Some(gate::MAX_AUTHORITY_NAME_CHARS))
        .description(Some(
            "the authority's name: not only spaces, at most 200 characters",
        ))
        .build()
}

fn not_blank_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NOT_BLANK_PATTERN))
        .build()
}

/// A release outside the agency on a legal basis (`POST /v1/disclosures`). The example is a
/// routine use of the demo vault's (scripts/demo), so a client trying the document reaches a
/// real release.
// No `Debug`: a purpose, a recipient or the evidence is where an identifier typed by mistake
// lands.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "search": {"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "241-87-8621"}},
    "recipient": {"name": "Federal Bureau of Investigation", "address": "935 Pennsylvania Avenue NW, Washington DC", "category": "federal-agency"},
    "purpose": "investigation",
    "case": "DEMO-1",
    "basis": {"routine_use": "A"}
}))]
pub struct NewDisclosure {
    /// The records to release, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = disclosure_record_ids_schema)]
    pub records: Vec<String>,
    /// Or the records a search finds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<DisclosureSearch>,
    /// Or, for a statistical release (b5), the population it counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
    /// Who receives the release.
    pub recipient: Recipient,
    /// Why.
    #[schema(schema_with = release_purpose_schema)]
    pub purpose: String,
    /// The case it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = release_case_schema)]
    pub case: Option<String>,
    /// The legal basis: exactly one of `routine_use`, `condition`, `consent`, or for PNR a path
    /// of the Undertakings (`designated_authority`, `vital_interests`, `legal_proceedings`),
    /// with the evidence it needs. No basis, or two, is a logged refusal (403 basis-missing).
    pub basis: ReleaseBasis,
    /// The records' accuracy, completeness, timeliness and relevance were attested: required
    /// before a release to anyone but a federal agency (31 CFR 1.22(d)(2); 403 without).
    #[serde(default)]
    pub accuracy_attested: bool,
    /// How the release is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = nature_schema)]
    pub nature: Option<String>,
}

/// The records of a release, found by a search of one system.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSearch {
    /// The system of records.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The subject's identifier, or `name` where the system is retrieved by name.
    #[schema(schema_with = disclosure_identifier_schema)]
    pub identifier: Identifier,
}

/// What a statistical release (b5) counts: one category's records collected in one closed
/// calendar period. A period overlapping one counted before, or the same period over other
/// records or by other fields, is denied (403 statistics-overlap,
/// statistics-population-changed, statistics-dimensions-changed); more than 10,000 records is
/// 422, none 404.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// The system of records.
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The category of its records (`cbetf`).
    pub category: String,
    /// The period.
    #[schema(schema_with = period_schema)]
    pub period: String,
}

/// The recipient of a release. A name or an address missing or blank is a logged refusal
/// (403).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its address.
    #[serde(default)]
    pub address: String,
    /// Its category (`federal-agency`, `court`, ...): the routine use or condition says which
    /// it allows (403 otherwise).
    pub category: String,
}

/// The legal basis of a release and its evidence. Each field of evidence is the one the basis
/// named needs; a basis without what it needs is a logged refusal (403).
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBasis {
    /// A routine use of the system's notice, by its letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub routine_use: Option<String>,
    /// A condition of 5 U.S.C. 552a(b).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = condition_schema)]
    pub condition: Option<String>,
    /// The individual's written consent: its reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub consent: Option<String>,
    /// PNR: a designated authority, by its registered name (paragraph 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub designated_authority: Option<String>,
    /// PNR: the vital interests of the data subject or others (paragraph 34).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vital_interests: bool,
    /// PNR: judicial proceedings, or where the law requires (paragraph 35).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legal_proceedings: bool,
    /// The document on file (its reference or hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub evidence: Option<String>,
    /// (b)(7), (b)(9): the request came from the head of the agency or committee.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agency_head_request: bool,
    /// (b)(7): the portion of the record requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = texts_schema)]
    pub portion: Vec<String>,
    /// (b)(7): the law enforcement activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub activity: Option<String>,
    /// Designated authority (paragraph 30): the statute the authority enforces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub statute: Option<String>,
    /// Designated authority (paragraph 30): the indication of a violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub violation: Option<String>,
    /// Vital interests (paragraph 34): why the release is necessary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub necessity: Option<String>,
    /// Legal proceedings (paragraph 35): the proceeding, or the law requiring the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub proceeding: Option<String>,
    /// Consent: who gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub given_by: Option<String>,
    /// The date of the document on file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = nullable_date_schema)]
    pub dated: Option<String>,
    /// A court order or subpoena: the court.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub court: Option<String>,
    /// A court order or subpoena: the case's name and number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub case_number: Option<String>,
    /// A court order or subpoena: to whom it is returnable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub returnable_to: Option<String>,
    /// The compulsory legal process answered, whatever the basis (31 CFR 1.22(f)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub process: Option<String>,
    /// A grand-jury subpoena or ex parte order: the day it became a matter of public record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = nullable_date_schema)]
    pub public_on: Option<String>,
    /// (b)(7): who signed the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub signer: Option<String>,
    /// (b)(7): the requesting agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub agency: Option<String>,
    /// (b)(8): the compelling circumstances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub circumstances: Option<String>,
    /// A routine use that needs an approval: who approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub approved_by: Option<String>,
    /// A routine use that needs an approval: when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = nullable_date_schema)]
    pub approved_on: Option<String>,
    /// A routine use that needs an approval: the approval's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_text_schema)]
    pub approval_reference: Option<String>,
    /// A statistical release (b5): the fields to count by (422 for another basis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = texts_schema)]
    pub tabulate: Vec<String>,
    /// A statistical release (b5): a higher minimum cell (422 for another basis).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_whole_number"
    )]
    #[schema(schema_with = min_cell_schema)]
    pub min_cell: Option<u32>,
}

/// A notice a release created, and when it is due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeDueView {
    /// What it is.
    pub kind: String,
    /// When it is due (YYYY-MM-DD); `null` for a grand-jury subpoena or ex parte order not yet
    /// a matter of public record (due five days after it becomes one).
    #[schema(schema_with = nullable_date_schema)]
    pub due: Option<String>,
}

/// One cell of a statistical table: a value per dimension, and how many records have them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CellView {
    /// One value per dimension.
    pub values: Vec<String>,
    /// How many records.
    pub count: u32,
}

/// A statistical release's table of counts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TableView {
    /// The fields crossed, in order.
    pub dimensions: Vec<String>,
    /// The cells shown: each combination of values counted at least `min_cell` times.
    pub cells: Vec<CellView>,
    /// How many cells were suppressed.
    pub suppressed_cells: usize,
    /// The minimum count of a shown cell.
    pub min_cell: u32,
}

/// A release made: its package.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Disclosed {
    /// The package's id (in every accounting entry the release made).
    pub package: String,
    /// The legal basis, as accounted.
    pub basis: String,
    /// Whether accounting entries were written (all but FOIA releases, b2).
    pub accounted: bool,
    /// The conditions the recipient is bound by.
    pub conditions: Vec<String>,
    /// The notice the release created, if any.
    #[serde(default)]
    pub notice: Option<NoticeDueView>,
    /// The records as the recipient may see them (none for a release made outside the vault
    /// or a statistical one).
    pub records: Vec<RecordView>,
    /// A statistical release's table.
    #[serde(default)]
    pub table: Option<TableView>,
}

impl Disclosed {
    /// `package` as the officer receives it.
    pub fn of(package: &gate::Package) -> Self {
        Disclosed {
            package: package.id.clone(),
            basis: package.basis.clone(),
            accounted: package.accounted,
            conditions: package.conditions.clone(),
            notice: package.notice.as_ref().map(|notice| NoticeDueView {
                kind: notice.kind.to_owned(),
                due: notice.due.map(|due| due.to_string()),
            }),
            records: package.records.iter().map(RecordView::of).collect(),
            table: package.table.as_ref().map(|table| TableView {
                dimensions: table.dimensions.clone(),
                cells: table
                    .cells
                    .iter()
                    .map(|cell| CellView {
                        values: cell.values.clone(),
                        count: cell.count,
                    })
                    .collect(),
                suppressed_cells: table.suppressed_cells,
                min_cell: table.min_cell,
            }),
        }
    }
}

/// A search of the accounting of disclosures about a subject (`POST /v1/accounting/search`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountingSearch {
    /// The subject's identifier (`name` finds the disclosures about records naming it).
    #[schema(schema_with = disclosure_identifier_schema)]
    pub identifier: Identifier,
    /// The accounting as the individual is given it (31 CFR 1.25(d)(2)): without what they
    /// are not told, and found by an identifier of theirs alone (`ssn`, `tin`, `passport`,
    /// `alien_id`; 422 for another).
    #[serde(default)]
    pub for_individual: bool,
}

/// A recipient as the accounting names it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountedRecipient {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Its category (not told to the individual).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// One accounting entry: one record released (5 U.S.C. 552a(c)(1), 31 CFR 1.25(a)). The
/// accounting given to the individual has only the date, nature, purpose and the recipient's
/// name and address (31 CFR 1.25(d)).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountingEntryView {
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub date: String,
    /// The nature of the disclosure.
    pub nature: String,
    /// Its purpose.
    pub purpose: String,
    /// The recipient.
    pub recipient: AccountedRecipient,
    /// The record released (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Its system (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Its legal basis (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// The package (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Who released it (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// Whether the individual is not told of it (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_from_individual: Option<bool>,
    /// The year from which the entry may be destroyed (privacy staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_until_year: Option<u16>,
    /// The evidence of its basis (privacy staff only; `null` for an entry made before
    /// evidence was kept with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<serde_json::Value>,
}

impl AccountingEntryView {
    /// `entry` as privacy staff see it: everything.
    pub fn of(entry: &privacy::accounting::AccountingEntry) -> Self {
        let mut view = Self::for_individual(entry);
        view.recipient.category = Some(entry.recipient_category.clone());
        view.record = Some(entry.record.to_string());
        view.system = Some(entry.system.clone());
        view.basis = Some(entry.basis.clone());
        view.package = Some(entry.package.clone());
        view.officer = Some(entry.officer.clone());
        view.withheld_from_individual = Some(entry.withheld_from_individual);
        view.kept_until_year = Some(entry.keep_until_year);
        view.evidence = Some(
            entry
                .evidence
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(serde_json::Value::Null),
        );
        view
    }

    /// `entry` as the individual it is about sees it: exactly the date, nature and purpose of
    /// the disclosure and the recipient's name and address (5 U.S.C. 552a(c)(1), 31 CFR
    /// 1.25(d)); never the evidence, the officer, the package or the record's id.
    pub fn for_individual(entry: &privacy::accounting::AccountingEntry) -> Self {
        AccountingEntryView {
            date: crate::render::rfc3339(entry.disclosed_ms),
            nature: entry.nature.clone(),
            purpose: entry.purpose.clone(),
            recipient: AccountedRecipient {
                name: entry.recipient_name.clone(),
                address: entry.recipient_address.clone(),
                category: None,
            },
            record: None,
            system: None,
            basis: None,
            package: None,
            officer: None,
            withheld_from_individual: None,
            kept_until_year: None,
            evidence: None,
        }
    }
}

/// The accounting of disclosures about a subject, oldest first.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Accounting {
    /// The entries.
    pub entries: Vec<AccountingEntryView>,
}

/// A certificate of an accounting year destroyed, signed by the log's key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountingCertificateView {
    /// The year destroyed.
    pub year: u16,
    /// How many entries it held.
    pub entries: u64,
    /// The statement.
    pub text: String,
    /// Its Ed25519 signature (hexadecimal): verify with the pinned public key.
    pub signature: String,
}

/// The accounting years destroyed by one expiry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountingExpired {
    /// A certificate per year destroyed.
    pub certificates: Vec<AccountingCertificateView>,
}

impl AccountingExpired {
    /// The certificates as the records officer receives them.
    pub fn of(certificates: &[privacy::accounting::AccountingCertificate]) -> Self {
        AccountingExpired {
            certificates: certificates
                .iter()
                .map(|certificate| AccountingCertificateView {
                    year: certificate.year,
                    entries: certificate.entries,
                    text: certificate.text.clone(),
                    signature: certificate.signature.clone(),
                })
                .collect(),
        }
    }
}

/// A notice to a prior recipient of a record later corrected or disputed (552a(c)(4)), or to
/// the individual of a release under compulsory legal process or in an emergency.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeView {
    /// Its id, to mark it sent.
    #[schema(schema_with = notice_id_schema)]
    pub id: String,
    /// The record.
    pub record: String,
    /// The annotation it tells of (0 for a notice to the individual).
    pub annotation: u32,
    /// What it is.
    pub kind: String,
    /// Whom it goes to.
    pub recipient: AccountedRecipient,
    /// The package the recipient received.
    pub package: String,
    /// When it was made (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub created: String,
    /// When it is due (YYYY-MM-DD), for a notice with a legal deadline.
    #[schema(schema_with = nullable_date_schema)]
    pub due: Option<String>,
    /// The day the process it tells of became a matter of public record, once recorded.
    #[schema(schema_with = nullable_date_schema)]
    pub public_on: Option<String>,
    /// When it was sent (RFC 3339); `null` until marked.
    pub sent: Option<String>,
    /// The officer it is assigned to, for a notice to the individual.
    pub assigned_to: Option<String>,
    /// What it must state, for a notice to the individual.
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
}

fn notice_id_schema() -> Object {
    pattern_schema(
        NOTICE_ID_PATTERN,
        22,
        "a notice's id: 22 hexadecimal digits",
    )
}

impl NoticeView {
    /// `notice` as the office sees it.
    pub fn of(notice: &privacy::accounting::Notice) -> Self {
        NoticeView {
            id: notice.id.clone(),
            record: notice.record.to_string(),
            annotation: notice.annotation,
            kind: notice.kind.clone(),
            recipient: AccountedRecipient {
                name: notice.recipient_name.clone(),
                address: notice.recipient_address.clone(),
                category: Some(notice.recipient_category.clone()),
            },
            package: notice.package.clone(),
            created: crate::render::rfc3339(notice.created_ms),
            due: notice.due.clone(),
            public_on: notice.public_on.clone(),
            sent: notice.sent_ms.map(crate::render::rfc3339),
            assigned_to: notice.assigned_to.clone(),
            content: notice
                .content
                .as_deref()
                .map(|text| serde_json::from_str(text).unwrap_or(serde_json::Value::Null)),
        }
    }
}

/// The notices, oldest first.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Notices {
    /// The notices, pending and sent.
    pub notices: Vec<NoticeView>,
}

/// A notice marked sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeSent {
    /// Its id.
    #[schema(schema_with = notice_id_schema)]
    pub id: String,
    /// Always true.
    pub sent: bool,
}

/// The day a grand-jury subpoena or ex parte order became a matter of public record
/// (`POST /v1/notices/{id}/public`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRecord {
    /// The day; not in the future (422 otherwise).
    #[schema(schema_with = date_schema)]
    pub on: String,
}

/// A notice's public-record day recorded, and when the notice is due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicRecordDue {
    /// The day it became a matter of public record.
    #[schema(schema_with = date_schema)]
    pub public_on: String,
    /// When the notice is due: five working days after (31 CFR 1.22(f)).
    #[schema(schema_with = date_schema)]
    pub due: String,
}

/// A designated authority to register, or a change of its address or eligibility
/// (`POST /v1/designated-authorities`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthority {
    /// The PNR system (422 for a system that does not release to designated authorities).
    #[schema(schema_with = system_schema)]
    pub system: String,
    /// The authority's name.
    #[schema(schema_with = authority_name_schema)]
    pub name: String,
    /// Its address.
    #[schema(schema_with = not_blank_schema)]
    pub address: String,
    /// Whether it may receive PNR (default true); releases to an ineligible one are denied.
    #[serde(default = "eligible")]
    pub eligible: bool,
    /// Why its eligibility changed.
    #[serde(default)]
    pub reason: String,
}

fn eligible() -> bool {
    true
}

/// A designated authority registered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorityRegistered {
    /// The system.
    pub system: String,
    /// The authority's name.
    pub name: String,
    /// Whether it may receive PNR.
    pub eligible: bool,
}

/// A designated authority as the registry holds it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorityView {
    /// The system.
    pub system: String,
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Whether it may receive PNR.
    pub eligible: bool,
    /// Why its eligibility last changed.
    pub reason: String,
}

/// The designated authorities of a system (`GET /v1/designated-authorities`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Authorities {
    /// The registry.
    pub authorities: Vec<AuthorityView>,
}

//! SORN files: a system of records as data (format `recvault-sorn/1`, docs/sorn-format.md).
//! Each published notice becomes one TOML file: who owns the system and who has direct
//! need-to-know access, the procedures that govern requests, its categories of records with
//! their fields, purposes with codes, routine uses, exemptions, retention schedules, and what
//! each role may do in each phase. Loading checks everything a later decision relies on, and
//! every error names its file and line.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::{ORGANIZATIONS, ROLES};

/// The format this build reads.
pub const SORN_FORMAT: &str = "recvault-sorn/1";

/// The SORN files shipped with recvault: (file name, text).
pub const BUILTIN: [(&str, &str); 3] = [
    (
        "dhs-ice-005-ttar.toml",
        include_str!("../sorn/dhs-ice-005-ttar.toml"),
    ),
    ("cbp-pnr.toml", include_str!("../sorn/cbp-pnr.toml")),
    (
        "fincen-cbetf.toml",
        include_str!("../sorn/fincen-cbetf.toml"),
    ),
];

/// The recipient categories routine uses may name (one vocabulary for every system).
pub const RECIPIENT_CATEGORIES: [&str; 13] = [
    "federal-agency",
    "state-agency",
    "local-agency",
    "tribal-agency",
    "territorial-agency",
    "foreign-agency",
    "international-organization",
    "court",
    "congress",
    "contractor",
    "former-employee",
    "news-media",
    "individual",
];

/// What a grant may allow in a phase.
pub const ACTIONS: [&str; 10] = [
    "search",
    "read",
    "read-free-text",
    "disclose",
    "designate",
    "annotate",
    "hold",
    "destroy",
    "export",
    "configure-receipts",
];

/// The kinds of field a category declares.
pub const FIELD_KINDS: [&str; 4] = ["identifier", "free-text", "sensitive", "ordinary"];

/// What a subject may be searched by.
pub const RETRIEVAL_KEYS: [&str; 13] = [
    "name",
    "ssn",
    "tin",
    "passport",
    "account",
    "dob",
    "importer_exporter_id",
    "alien_id",
    "broker_id",
    "manufacturer_id",
    "address",
    "phone",
    "email",
];

/// One system of records.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sorn {
    /// Always `recvault-sorn/1`.
    pub format: Spanned<String>,
    /// The system's id (`fincen-cbetf`).
    pub id: Spanned<String>,
    /// Its published name.
    pub name: String,
    /// The notice it comes from (citation) and its publication date.
    pub notice: Notice,
    /// Who keeps it and who reads it directly.
    pub ownership: Ownership,
    /// The procedures that govern individuals' requests.
    pub procedures: Procedures,
    /// Categories of individuals covered.
    pub individuals: Vec<String>,
    /// What a record may be retrieved by.
    pub retrieved_by: Spanned<Vec<String>>,
    /// Categories of records.
    #[serde(rename = "category")]
    pub categories: Vec<Spanned<Category>>,
    /// Purposes, each with a code.
    #[serde(rename = "purpose")]
    pub purposes: Vec<Spanned<Purpose>>,
    /// Routine uses.
    #[serde(rename = "routine_use", default)]
    pub routine_uses: Vec<Spanned<RoutineUse>>,
    /// Exemptions claimed.
    #[serde(default)]
    pub exemptions: Exemptions,
    /// Retention schedules, per artefact.
    #[serde(rename = "schedule")]
    pub schedules: Vec<Spanned<Schedule>>,
    /// What each role may do in each phase.
    #[serde(rename = "grant")]
    pub grants: Vec<Spanned<Grant>>,
    /// Field sets of roles that see less than whole records.
    #[serde(rename = "projection", default)]
    pub projections: Vec<Spanned<Projection>>,
    /// Codes and terms removed at intake, never stored.
    #[serde(default)]
    pub sensitive_filter: SensitiveFilter,
    /// How releases outside the routine uses work (PNR's designated authorities).
    #[serde(default)]
    pub disclosure: DisclosureRules,
    /// The source systems its records come from (record source categories), each with whether
    /// it already gives individuals access and amendment. When the notice lists any, every
    /// record names one in `source.system`, and the claims of exemption cover only the records
    /// of sources that give neither (seed 000).
    #[serde(rename = "source", default)]
    pub sources: Vec<Spanned<Source>>,
}

/// One source system of records.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Its code, what a record names in `source.system` (`cbp-trade`).
    pub code: String,
    /// What it is.
    pub name: String,
    /// Whether the source system of records already gives individuals access to its records.
    pub access: bool,
    /// Whether it already gives individuals amendment of them.
    pub amendment: bool,
    /// The component or agency that owns the source system (a code: `dhs-cbp`, `commerce`),
    /// conferred with before an exemption is waived for its records (seed 000); none for the
    /// system's own records.
    #[serde(default)]
    pub owner: Option<String>,
    /// Whether the owner is another agency (not a component of the system's own): its records
    /// go to an individual only once a consultation with it is recorded (31 CFR 1.26(e)).
    #[serde(default)]
    pub other_agency: bool,
    /// Where this comes from.
    pub basis: String,
}

impl Source {
    /// Whether the source system already gives individuals access or amendment: its records
    /// are never withheld under the notice's exemptions (seed 000).
    pub fn open(&self) -> bool {
        self.access || self.amendment
    }
}

/// Releases beyond the routine uses.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRules {
    /// Whether the system is under the PNR Undertakings (seed 001): records leave only on their
    /// paths (designated authorities, vital interests, legal proceedings), case by case.
    #[serde(default)]
    pub designated_authorities: bool,
    /// The purposes a release to a designated authority may serve (paragraph 29: those of
    /// paragraph 3).
    #[serde(default)]
    pub designated_authority_purposes: Vec<String>,
    /// Conditions the owner adds to every such release, after the Undertakings' own.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Where this comes from.
    #[serde(default)]
    pub basis: String,
}

/// The notice a file transcribes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Where it was published.
    pub citation: String,
    /// When (YYYY-MM-DD).
    pub published: Spanned<String>,
}

/// Who keeps the system, and whose staff have direct need-to-know access.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ownership {
    /// The agency that keeps it (`dhs`, `treasury`).
    pub agency: String,
    /// The organization that owns it.
    pub owner: Spanned<String>,
    /// Organizations whose staff read it directly; everyone else receives disclosures.
    pub direct_access: Spanned<Vec<String>>,
    /// Where that list comes from (`seed ...`) or why it is ours (`ours: ...`).
    pub basis: Spanned<String>,
}

/// Which rules govern individuals' requests.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedures {
    /// `treasury-31-cfr-1`, or `dhs-6-cfr-5` (Treasury's rules as the stated analogue).
    pub privacy_act: Spanned<String>,
    /// How first-party requests are processed: `privacy-act` or `foia`.
    pub first_party: Spanned<String>,
    /// Where this comes from.
    pub basis: Spanned<String>,
    /// Where and how a refusal is appealed, as the requester's letters name it.
    #[serde(default)]
    pub appeals: Option<String>,
    /// How requesters prove who they are (default: 31 CFR part 1 appendix A paragraph 8).
    #[serde(default)]
    pub identity: crate::requests::IdentityRequirements,
    /// Where complaints about the handling of the system's data go, and on to whom, if the
    /// notice provides for them (PNR, seed 001 paragraphs 40-42); without it, none is opened.
    #[serde(default)]
    pub complaints: Option<String>,
}

/// A category of records and its fields.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Its id in the import format (`transmittal`).
    pub id: String,
    /// What it is.
    pub name: String,
    /// The roles a subject may have in it.
    pub subject_roles: Vec<String>,
    /// The fields a record of it may carry besides its subjects.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Whether a person reads its free text only when the subject is flagged high risk (the
    /// subject is designated high risk by CBP, a designation in force at the time of the read;
    /// PNR, seed 001 paragraph 5).
    #[serde(default)]
    pub free_text_requires_high_risk: bool,
    /// What makes two records versions of one record (`source.<key>` or `fields.<name>`): a
    /// record whose values match a stored record's is a new version of it, its retention
    /// clock running from the first receipt (PNR re-pulls; ours).
    #[serde(default)]
    pub versions_by: Vec<String>,
    /// Free-text fields an automated search scans for the other data elements, which are
    /// indexed with the record so it is found by them while nobody reads the text (PNR's OSI
    /// and SSI/SSR, seed 001 paragraph 5). Each is a `free-text` field of the category.
    #[serde(default)]
    pub scan_free_text: Vec<String>,
    /// Whether each record is one receipt of a flight's data, timed from the flight and
    /// counted (PNR, seed 001 paragraph 14: no earlier than 72 hours before departure, at most
    /// three re-checks after the initial pull, until arrival in or departure from the United
    /// States; earlier only on advance information about persons of specific concern).
    #[serde(default)]
    pub receipts_by_flight: bool,
    /// Within how many days of each other two reports of one transfer (intake's transfer key)
    /// count as reports of it: a duplicate is linked and not stored, a disagreeing one kept
    /// and flagged. Without it, reports are not deduplicated.
    #[serde(default)]
    pub deduplicate_within_days: Option<u32>,
    /// Whether its records are medical or psychological: the responsible official may decide
    /// that releasing them to the individual directly could have an adverse effect, and then
    /// they go only to a physician the individual authorized in writing (31 CFR 1.26(g)(3)).
    #[serde(default)]
    pub medical: bool,
}

impl Category {
    /// The version key of a record of this category, from its provenance and fields: the
    /// values `versions_by` names, joined; `None` if the category has none or a value is
    /// missing.
    pub fn version_key(
        &self,
        source: &std::collections::BTreeMap<String, String>,
        fields: &std::collections::BTreeMap<String, String>,
    ) -> Option<String> {
        if self.versions_by.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(self.versions_by.len());
        for path in &self.versions_by {
            let value = match path.split_once('.') {
                Some(("source", key)) => source.get(key),
                Some(("fields", name)) => fields.get(name),
                _ => None,
            }?;
            if value.trim().is_empty() {
                return None;
            }
            parts.push(value.trim().to_ascii_uppercase());
        }
        Some(parts.join("/"))
    }
}

/// One field of a category.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Its name in the import format.
    pub name: String,
    /// `identifier`, `free-text`, `sensitive` or `ordinary`.
    pub kind: FieldKind,
    /// Whether a statistical release (552a(b)(5)) may tabulate it: an `ordinary` field whose
    /// values are categories (a currency, a direction, a country), never one that identifies.
    #[serde(default)]
    pub statistical: bool,
}

/// A purpose of the system.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// The code requests declare (`investigation`).
    pub code: String,
    /// The notice's words.
    pub text: String,
    /// Where it comes from; codes are always ours.
    pub basis: String,
}

/// A routine use.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutineUse {
    /// Its letter in the notice.
    pub letter: String,
    /// Who may receive records under it.
    pub recipients: Vec<String>,
    /// The purpose codes it serves.
    pub purposes: Vec<String>,
    /// When it was published (YYYY-MM-DD); in effect 30 days after (31 CFR 1.23).
    pub published: String,
    /// The notice's words, shortened.
    pub text: String,
    /// What a release under it needs besides its recipients and purposes (TTAR's R: the Chief
    /// Privacy Officer's approval in consultation with counsel).
    #[serde(default)]
    pub condition: Option<UseConditionText>,
    /// Later versions of the use, oldest first, each with its own publication date and 30-day
    /// wait: a release is decided on the version in effect that day.
    #[serde(default)]
    pub amended: Vec<RoutineUseVersion>,
}

/// A later version of a routine use: all of it, as republished.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutineUseVersion {
    /// Who may receive records under it.
    pub recipients: Vec<String>,
    /// The purpose codes it serves.
    pub purposes: Vec<String>,
    /// When this version was published (YYYY-MM-DD).
    pub published: String,
    /// The notice's words.
    pub text: String,
    /// Its condition, if any.
    #[serde(default)]
    pub condition: Option<UseConditionText>,
}

/// A routine use's condition as the file writes it: `{ kind = "approval", by = "..." }`, read
/// into its type as the file is loaded (any other kind is a load error with its line).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseConditionText {
    /// `approval` (the only kind so far).
    pub kind: UseConditionKind,
    /// Whose approval, in the notice's words.
    pub by: String,
}

/// The kinds of condition a routine use may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseConditionKind {
    /// A named official approves each release.
    Approval,
}

/// A routine use's condition, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseCondition {
    /// A named official approves each release (who approved, when, and the approval's
    /// reference are its evidence).
    Approval {
        /// Whose approval, in the notice's words.
        by: String,
    },
}

impl UseConditionText {
    /// The typed condition (`None` for a kind the checker refuses).
    pub fn typed(&self) -> Option<UseCondition> {
        match self.kind {
            UseConditionKind::Approval if !self.by.trim().is_empty() => {
                Some(UseCondition::Approval {
                    by: self.by.clone(),
                })
            }
            UseConditionKind::Approval => None,
        }
    }
}

/// One version of a routine use, typed: what a release is decided on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseVersion {
    /// When it was published.
    pub published: NaiveDate,
    /// Who may receive records under it.
    pub recipients: Vec<String>,
    /// The purpose codes it serves.
    pub purposes: Vec<String>,
    /// Its condition.
    pub condition: Option<UseCondition>,
}

impl RoutineUse {
    /// Every version, oldest first (after the check, every date and condition parses).
    pub fn versions(&self) -> Vec<UseVersion> {
        let first = UseVersion {
            published: parse_date(&self.published).unwrap_or(NaiveDate::MIN),
            recipients: self.recipients.clone(),
            purposes: self.purposes.clone(),
            condition: self.condition.as_ref().and_then(UseConditionText::typed),
        };
        std::iter::once(first)
            .chain(self.amended.iter().map(|version| UseVersion {
                published: parse_date(&version.published).unwrap_or(NaiveDate::MIN),
                recipients: version.recipients.clone(),
                purposes: version.purposes.clone(),
                condition: version.condition.as_ref().and_then(UseConditionText::typed),
            }))
            .collect()
    }
}

/// Exemptions the system claims.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemptions {
    /// Each claim: the subsection claimed under and the provisions exempted from.
    #[serde(default)]
    pub claims: Vec<Exemption>,
    /// Whether notices of correction are sent to prior recipients (552a(c)(4)); false only
    /// with a claim under (j) from 552a(c)(4), and then for the exempt records only (a system
    /// that lists its sources still notifies for records of a source that gives access or
    /// amendment).
    #[serde(default = "notices_sent")]
    pub correction_notices: Spanned<bool>,
    /// Whether exemptions are reviewed case by case rather than applied wholesale.
    #[serde(default)]
    pub case_by_case: bool,
    /// Where the claims come from.
    #[serde(default)]
    pub basis: String,
}

impl Default for Exemptions {
    /// No claim: every notice goes out.
    fn default() -> Self {
        Exemptions {
            claims: Vec::new(),
            correction_notices: notices_sent(),
            case_by_case: false,
            basis: String::new(),
        }
    }
}

fn notices_sent() -> Spanned<bool> {
    Spanned::new(0..0, true)
}

fn yes() -> bool {
    true
}

/// One exemption claim.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// `552a(j)(2)`, `552a(k)(2)`...
    pub under: String,
    /// The provisions exempted from (`552a(c)(3)`, `552a(d)`...).
    pub from: Vec<String>,
}

/// The records a general exemption from one provision covers ([`Sorn::exempt_portion`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExemptPortion {
    /// No claim under (j) exempts the system from the provision.
    Nothing,
    /// The claim covers every record of the system.
    Whole {
        /// The subsection claimed under (`552a(j)(2)`).
        under: String,
    },
    /// The claim covers the system's records except those from these source systems (the
    /// ones that give access or amendment).
    UnlessFrom {
        /// The subsection claimed under.
        under: String,
        /// The sources whose records the claim does not cover.
        sources: Vec<String>,
    },
}

impl ExemptPortion {
    /// Whether the claim covers a record whose `source.system` is `source`.
    pub fn covers(&self, source: Option<&str>) -> bool {
        match self {
            ExemptPortion::Nothing => false,
            ExemptPortion::Whole { .. } => true,
            ExemptPortion::UnlessFrom { sources, .. } => {
                !source.is_some_and(|source| sources.iter().any(|known| known == source))
            }
        }
    }

    /// The subsection the claim is under, if there is one.
    pub fn under(&self) -> Option<&str> {
        match self {
            ExemptPortion::Nothing => None,
            ExemptPortion::Whole { under } | ExemptPortion::UnlessFrom { under, .. } => Some(under),
        }
    }
}

/// A retention schedule for one artefact.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Its id within the file.
    pub id: String,
    /// `records` or `raw-input`.
    pub artefact: String,
    /// `approved` (destroys) or `proposed` (reports only), 44 U.S.C. 3303a.
    pub status: String,
    /// The records-schedule authority, or why there is none.
    pub authority: String,
    /// Where it comes from, or why it is ours.
    pub basis: String,
    /// Whether a record may be destroyed under it (an approved schedule also in force).
    #[serde(default)]
    pub in_force: bool,
    /// How long the destruction buckets of the system's records are: `day`, `month` (the
    /// default) or `year`. A cohort goes when its last member may, so a short window wants
    /// days (a cohort goes at most a bucket late). Set when the vault is made, before any
    /// record is stored.
    #[serde(default)]
    pub bucket: Option<String>,
    /// Its phases, in order; each ends at an age counted from collection.
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
}

/// One phase of a schedule.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// `production`, `limited`, `archive`, `deleted-record-file`.
    pub name: String,
    /// The age (from collection) at which it ends.
    pub ends_after: Age,
    /// Only records meeting this condition enter the phase (`manually-accessed`); the others
    /// are destroyed when the phase before ends.
    #[serde(default)]
    pub only_if: Option<PhaseCondition>,
    /// Whether records in it are in the search indexes.
    #[serde(default = "yes")]
    pub searchable: bool,
    /// Whether its records may go to a records center or the agency's archive (a transfer,
    /// 31 CFR 1.25(b)(3)); once they have, their phase is [`TRANSFERRED_PHASE`].
    #[serde(default)]
    pub transfer: bool,
}

/// The phase of records transferred to a records center: still the agency's, still under the
/// Act (31 CFR 1.29(a)), reached only by the grants that name it (requests, holds, audits).
pub const TRANSFERRED_PHASE: &str = "transferred";

/// The one purpose for which each role that may recall a transfer package does so: a privacy
/// officer for a Privacy Act or FOIA request (its case id), a records officer for a hold (its
/// `H-<n>`), an auditor for an audit (31 CFR 1.29(a): the records stay under the Act). `None`
/// for any other role.
pub fn recall_purpose(role: &str) -> Option<&'static str> {
    match role {
        "privacy-officer" => Some("privacy-act-request"),
        "records-officer" => Some("hold"),
        "auditor" => Some("audit"),
        _ => None,
    }
}

/// The condition of a conditional phase, read into its type as the file is loaded (any other
/// value is a load error with its line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseCondition {
    /// A person has read the record (PNR's deleted record file, seed 001 paragraph 15).
    ManuallyAccessed,
}

impl PhaseCondition {
    /// How the file writes it.
    pub fn name(self) -> &'static str {
        match self {
            PhaseCondition::ManuallyAccessed => "manually-accessed",
        }
    }
}

impl Phase {
    /// The phase's condition (`None`: every record enters it).
    pub fn condition(&self) -> Option<PhaseCondition> {
        self.only_if
    }
}

/// The kind of a category's field, read into its type as the file is loaded (any other value
/// is a load error with its line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// An identifying number.
    Identifier,
    /// Remarks a person reads only under conditions.
    FreeText,
    /// Sensitive data.
    Sensitive,
    /// Anything else.
    Ordinary,
}

impl Field {
    /// The field's kind.
    pub fn field_kind(&self) -> FieldKind {
        self.kind
    }
}

impl Age {
    /// The moment a record collected at `collected` reaches this age (calendar months, so a
    /// year is a year whatever its length); `None` out of range.
    pub fn after(
        &self,
        collected: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        collected
            .checked_add_months(chrono::Months::new(self.years * 12 + self.months))?
            .checked_add_days(chrono::Days::new(u64::from(self.days)))
    }
}

/// An age: years, months and days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Age {
    /// Years.
    #[serde(default)]
    pub years: u32,
    /// Months.
    #[serde(default)]
    pub months: u32,
    /// Days.
    #[serde(default)]
    pub days: u32,
}

impl Age {
    /// Roughly in days, for ordering (365 per year, 30 per month).
    pub fn approx_days(self) -> u64 {
        u64::from(self.years) * 365 + u64::from(self.months) * 30 + u64::from(self.days)
    }
}

/// What a role may do in some phases.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The role.
    pub role: String,
    /// The phases it applies in.
    pub phases: Vec<String>,
    /// The actions it allows.
    pub actions: Vec<String>,
    /// The purpose codes it is limited to (empty: any of the system's purposes).
    #[serde(default)]
    pub purposes: Vec<String>,
    /// Why (a citation, or `ours: ...`).
    pub basis: String,
}

/// The fields a role sees.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// The role.
    pub role: String,
    /// The fields (and subject parts: `subject.name`, `subject.<identifier>`) it sees.
    pub fields: Vec<String>,
    /// The provenance keys (`source.<key>` of a record) it sees; none unless listed.
    #[serde(default)]
    pub provenance: Vec<String>,
    /// Why.
    pub basis: String,
    /// The organizations whose staff in this role search the system themselves, each result
    /// a disclosure under `routine_use` (Foreign DARTTS).
    #[serde(default)]
    pub organizations: Vec<String>,
    /// The routine use every result they receive is released under.
    #[serde(default)]
    pub routine_use: Option<String>,
    /// Their recipient category.
    #[serde(default)]
    pub recipient_category: Option<String>,
}

impl Projection {
    /// What it releases: its fields and subject parts, and its provenance keys as
    /// `source.<key>`.
    pub fn released(&self) -> Vec<String> {
        self.fields
            .iter()
            .cloned()
            .chain(self.provenance.iter().map(|key| format!("source.{key}")))
            .collect()
    }
}

/// What is removed at intake.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveFilter {
    /// Codes (whole tokens, case-insensitive) removed from free text.
    #[serde(default)]
    pub codes: Vec<String>,
    /// Terms (case-insensitive substrings) removed from free text.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Why these.
    #[serde(default)]
    pub basis: String,
}

impl SensitiveFilter {
    /// `text` without the filter's codes (whole tokens) and terms (every token containing
    /// one; a term of several words is removed where it appears), case-insensitive; `None`
    /// if nothing was removed.
    pub fn apply(&self, text: &str) -> Option<String> {
        if self.codes.is_empty() && self.terms.is_empty() {
            return None;
        }
        let mut rest = text.to_owned();
        for term in self.terms.iter().filter(|term| term.contains(' ')) {
            rest = remove_ignoring_case(&rest, term);
        }
        let single: Vec<String> = self
            .terms
            .iter()
            .filter(|term| !term.contains(' '))
            .map(|term| term.to_lowercase())
            .collect();
        let kept: Vec<&str> = rest
            .split_whitespace()
            .filter(|token| {
                let bare = token.trim_matches(|c: char| !c.is_alphanumeric());
                let lower = bare.to_lowercase();
                !self
                    .codes
                    .iter()
                    .any(|code| code.eq_ignore_ascii_case(bare))
                    && !single.iter().any(|term| lower.contains(term.as_str()))
            })
            .collect();
        let filtered = kept.join(" ");
        let original: Vec<&str> = text.split_whitespace().collect();
        (filtered != original.join(" ")).then_some(filtered)
    }
}

fn remove_ignoring_case(text: &str, term: &str) -> String {
    let lower = text.to_lowercase();
    let term = term.to_lowercase();
    // Lowercasing can change lengths outside ASCII: only remove where byte offsets agree.
    if lower.len() != text.len() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(&term) {
        out.push_str(&text[at..at + found]);
        at += found + term.len();
    }
    out.push_str(&text[at..]);
    out
}

/// A problem in a SORN file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SornError {
    /// The file.
    pub file: String,
    /// The line (from 1), if known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SornError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl Sorn {
    /// Parses and checks one file's text. Returns every problem found, each with its line.
    pub fn parse(file: &str, text: &str) -> Result<Sorn, Vec<SornError>> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let sorn: Sorn = toml::from_str(text).map_err(|err| {
            vec![SornError {
                file: file.to_owned(),
                line: err.span().map(|span| line_of(span.start)),
                message: err.message().to_owned(),
            }]
        })?;
        let mut errors = Vec::new();
        let mut error = |span: std::ops::Range<usize>, message: String| {
            errors.push(SornError {
                file: file.to_owned(),
                line: Some(line_of(span.start)),
                message,
            });
        };
        sorn.check(&mut error);
        if errors.is_empty() {
            Ok(sorn)
        } else {
            Err(errors)
        }
    }

    fn check(&self, error: &mut impl FnMut(std::ops::Range<usize>, String)) {
        if self.format.get_ref() != SORN_FORMAT {
            error(
                self.format.span(),
                format!("format must be `{SORN_FORMAT}` (this build reads no other)"),
            );
        }
        if !is_token(self.id.get_ref()) {
            error(
                self.id.span(),
                "id must be lowercase letters, digits and dashes".into(),
            );
        }
        if parse_date(self.notice.published.get_ref()).is_none() {
            error(
                self.notice.published.span(),
                "published must be a date, YYYY-MM-DD".into(),
            );
        }
        let ownership = &self.ownership;
        if !ORGANIZATIONS.contains(&ownership.owner.get_ref().as_str()) {
            error(
                ownership.owner.span(),
                format!("unknown organization `{}`", ownership.owner.get_ref()),
            );
        }
        for org in ownership.direct_access.get_ref() {
            if !ORGANIZATIONS.contains(&org.as_str()) {
                error(
                    ownership.direct_access.span(),
                    format!("unknown organization `{org}`"),
                );
            }
        }
        if !ownership
            .direct_access
            .get_ref()
            .contains(ownership.owner.get_ref())
        {
            error(
                ownership.direct_access.span(),
                "the owner must be among direct_access".into(),
            );
        }
        check_basis(&ownership.basis, error);
        let procedures = &self.procedures;
        if !["treasury-31-cfr-1", "dhs-6-cfr-5"]
            .contains(&procedures.privacy_act.get_ref().as_str())
        {
            error(
                procedures.privacy_act.span(),
                "privacy_act must be `treasury-31-cfr-1` or `dhs-6-cfr-5`".into(),
            );
        }
        if !["privacy-act", "foia"].contains(&procedures.first_party.get_ref().as_str()) {
            error(
                procedures.first_party.span(),
                "first_party must be `privacy-act` or `foia`".into(),
            );
        }
        check_basis(&procedures.basis, error);
        if procedures.identity.methods.is_empty() || procedures.identity.basis.trim().is_empty() {
            error(
                procedures.basis.span(),
                "[procedures.identity] names at least one method and its basis".into(),
            );
        }
        for key in self.retrieved_by.get_ref() {
            if !RETRIEVAL_KEYS.contains(&key.as_str()) {
                error(
                    self.retrieved_by.span(),
                    format!("unknown retrieval key `{key}`"),
                );
            }
        }

        let mut ids = BTreeSet::new();
        for category in &self.categories {
            let span = category.span();
            let category = category.get_ref();
            if !ids.insert(category.id.as_str()) {
                error(
                    span.clone(),
                    format!("category `{}` appears twice", category.id),
                );
            }
            if !is_token(&category.id) || category.subject_roles.is_empty() {
                error(
                    span.clone(),
                    format!(
                        "category `{}`: an id token and at least one subject role",
                        category.id
                    ),
                );
            }
            let mut names = BTreeSet::new();
            for field in &category.fields {
                if field.statistical && field.field_kind() != FieldKind::Ordinary {
                    error(
                        span.clone(),
                        format!(
                            "field `{}`: only an `ordinary` field may be `statistical` (a (b)(5) table never counts identifiers, free text or sensitive data)",
                            field.name
                        ),
                    );
                }
                if !names.insert(field.name.as_str()) {
                    error(
                        span.clone(),
                        format!("field `{}` appears twice", field.name),
                    );
                }
            }
            if category
                .deduplicate_within_days
                .is_some_and(|days| !(1..=3653).contains(&days))
            {
                error(
                    span.clone(),
                    format!(
                        "category `{}`: deduplicate_within_days must be from 1 to 3653",
                        category.id
                    ),
                );
            }
            for name in &category.scan_free_text {
                let free_text = category
                    .fields
                    .iter()
                    .any(|field| &field.name == name && field.field_kind() == FieldKind::FreeText);
                if !free_text {
                    error(
                        span.clone(),
                        format!(
                            "category `{}`: scan_free_text `{name}` must be a `free-text` field of the category",
                            category.id
                        ),
                    );
                }
            }
            for path in &category.versions_by {
                let known = match path.split_once('.') {
                    Some(("source", key)) => is_token(key),
                    Some(("fields", name)) => names.contains(name),
                    _ => false,
                };
                if !known {
                    error(
                        span.clone(),
                        format!(
                            "category `{}`: versions_by `{path}` must be `source.<key>` or `fields.<a field of the category>`",
                            category.id
                        ),
                    );
                }
            }
        }
        if self.categories.is_empty() {
            error(
                self.id.span(),
                "a system needs at least one category".into(),
            );
        }

        let mut codes = BTreeSet::new();
        for purpose in &self.purposes {
            if !codes.insert(purpose.get_ref().code.as_str()) || !is_token(&purpose.get_ref().code)
            {
                error(
                    purpose.span(),
                    format!(
                        "purpose code `{}` is not a new token",
                        purpose.get_ref().code
                    ),
                );
            }
        }
        if !codes.contains("investigation") {
            error(
                self.id.span(),
                "every system has the purpose code `investigation`".into(),
            );
        }
        let mut letters = BTreeSet::new();
        for routine_use in &self.routine_uses {
            let span = routine_use.span();
            let routine_use = routine_use.get_ref();
            if !letters.insert(routine_use.letter.as_str()) {
                error(
                    span.clone(),
                    format!("routine use {} appears twice", routine_use.letter),
                );
            }
            for recipient in &routine_use.recipients {
                if !RECIPIENT_CATEGORIES.contains(&recipient.as_str()) {
                    error(
                        span.clone(),
                        format!(
                            "routine use {}: unknown recipient category `{recipient}`",
                            routine_use.letter
                        ),
                    );
                }
            }
            // A routine use's purposes are what a disclosure under it may be for: codes of
            // their own (`litigation`), not only the system's purposes.
            for code in &routine_use.purposes {
                if !is_token(code) {
                    error(
                        span.clone(),
                        format!(
                            "routine use {}: purpose `{code}` is not a code",
                            routine_use.letter
                        ),
                    );
                }
            }
            if routine_use.recipients.is_empty() || routine_use.purposes.is_empty() {
                error(
                    span.clone(),
                    format!(
                        "routine use {}: name its recipients and purposes",
                        routine_use.letter
                    ),
                );
            }
            if parse_date(&routine_use.published).is_none() {
                error(
                    span.clone(),
                    format!(
                        "routine use {}: published must be YYYY-MM-DD",
                        routine_use.letter
                    ),
                );
            }
            let conditions = std::iter::once(&routine_use.condition)
                .chain(routine_use.amended.iter().map(|version| &version.condition));
            for condition in conditions.flatten() {
                if condition.typed().is_none() {
                    error(
                        span.clone(),
                        format!(
                            "routine use {}: a condition is `{{ kind = \"approval\", by = \"...\" }}`",
                            routine_use.letter
                        ),
                    );
                }
            }
            let mut previous = parse_date(&routine_use.published);
            for version in &routine_use.amended {
                let published = parse_date(&version.published);
                let valid_recipients = version
                    .recipients
                    .iter()
                    .all(|recipient| RECIPIENT_CATEGORIES.contains(&recipient.as_str()));
                if published.is_none()
                    || published <= previous
                    || !valid_recipients
                    || version.recipients.is_empty()
                    || version.purposes.is_empty()
                    || !version.purposes.iter().all(|code| is_token(code))
                {
                    error(
                        span.clone(),
                        format!(
                            "routine use {}: each amended version names known recipient categories, purpose codes and a publication date (YYYY-MM-DD) after the previous version's",
                            routine_use.letter
                        ),
                    );
                }
                previous = published;
            }
        }

        let mut phases = BTreeSet::new();
        let mut schedule_ids = BTreeSet::new();
        for schedule in &self.schedules {
            let span = schedule.span();
            let schedule = schedule.get_ref();
            if !schedule_ids.insert(schedule.id.as_str()) {
                error(
                    span.clone(),
                    format!("schedule `{}` appears twice", schedule.id),
                );
            }
            if !["records", "raw-input"].contains(&schedule.artefact.as_str()) {
                error(
                    span.clone(),
                    format!(
                        "schedule `{}`: artefact must be `records` or `raw-input`",
                        schedule.id
                    ),
                );
            }
            if !["approved", "proposed"].contains(&schedule.status.as_str()) {
                error(
                    span.clone(),
                    format!(
                        "schedule `{}`: status must be `approved` or `proposed`",
                        schedule.id
                    ),
                );
            }
            if let Some(bucket) = &schedule.bucket {
                if !["day", "month", "year"].contains(&bucket.as_str()) {
                    error(
                        span.clone(),
                        format!(
                            "schedule `{}`: bucket must be `day`, `month` or `year`",
                            schedule.id
                        ),
                    );
                }
                if schedule.artefact != "records" {
                    error(
                        span.clone(),
                        format!(
                            "schedule `{}`: only a records schedule sets a bucket",
                            schedule.id
                        ),
                    );
                }
            }
            if schedule.in_force && schedule.status != "approved" {
                error(
                    span.clone(),
                    format!(
                        "schedule `{}`: only an approved schedule can be in force",
                        schedule.id
                    ),
                );
            }
            if !(schedule.basis.starts_with("seed ") || schedule.basis.starts_with("ours:")) {
                error(
                    span.clone(),
                    format!(
                        "schedule `{}`: basis must cite a seed (`seed ...`) or say `ours: ...`",
                        schedule.id
                    ),
                );
            }
            let mut last = 0;
            for (at, phase) in schedule.phases.iter().enumerate() {
                // Only a last phase may be conditional, and only on a condition the gate and
                // retention both read the same way.
                if phase.only_if.is_some() && (at + 1 != schedule.phases.len() || at == 0) {
                    error(
                        span.clone(),
                        format!(
                            "schedule `{}`: phase `{}`: `only_if` is on the last phase of two or more",
                            schedule.id, phase.name
                        ),
                    );
                }
                let age = phase.ends_after.approx_days();
                if age <= last {
                    error(
                        span.clone(),
                        format!(
                            "schedule `{}`: phase `{}` must end after the one before",
                            schedule.id, phase.name
                        ),
                    );
                }
                last = age;
                if schedule.artefact == "records" {
                    phases.insert(phase.name.as_str());
                    // A phase that lets records go to a records center makes theirs a phase.
                    if phase.transfer {
                        phases.insert(TRANSFERRED_PHASE);
                    }
                }
            }
            if schedule.phases.is_empty() {
                error(
                    span.clone(),
                    format!("schedule `{}` has no phase", schedule.id),
                );
            }
        }
        let in_force = self
            .schedules
            .iter()
            .filter(|schedule| {
                schedule.get_ref().artefact == "records" && schedule.get_ref().in_force
            })
            .count();
        if in_force != 1 {
            error(
                self.id.span(),
                format!("exactly one records schedule must be in force, not {in_force}"),
            );
        }

        for grant in &self.grants {
            let span = grant.span();
            let grant = grant.get_ref();
            if !ROLES.contains(&grant.role.as_str()) {
                error(span.clone(), format!("unknown role `{}`", grant.role));
            }
            for phase in &grant.phases {
                if !phases.contains(phase.as_str()) {
                    error(
                        span.clone(),
                        format!(
                            "grant to {}: no records schedule has a phase `{phase}`",
                            grant.role
                        ),
                    );
                }
            }
            for action in &grant.actions {
                if !ACTIONS.contains(&action.as_str()) {
                    error(
                        span.clone(),
                        format!("grant to {}: unknown action `{action}`", grant.role),
                    );
                }
            }
            for code in &grant.purposes {
                if !codes.contains(code.as_str()) {
                    error(
                        span.clone(),
                        format!("grant to {}: unknown purpose `{code}`", grant.role),
                    );
                }
            }
        }
        for projection in &self.projections {
            if !ROLES.contains(&projection.get_ref().role.as_str()) {
                error(
                    projection.span(),
                    format!(
                        "projection for unknown role `{}`",
                        projection.get_ref().role
                    ),
                );
            }
        }
        let mut sources = BTreeSet::new();
        for source in &self.sources {
            let span = source.span();
            let source = source.get_ref();
            if !is_token(&source.code) || source.code.contains('_') {
                error(
                    span.clone(),
                    format!(
                        "source `{}`: a code of lowercase letters, digits and dashes",
                        source.code
                    ),
                );
            }
            if let Some(owner) = &source.owner {
                if !is_token(owner) || owner.contains('_') {
                    error(
                        span.clone(),
                        format!(
                            "source `{}`: its owner is a code of lowercase letters, digits and dashes",
                            source.code
                        ),
                    );
                }
            } else if source.other_agency {
                error(
                    span.clone(),
                    format!(
                        "source `{}`: other_agency names the agency as `owner`",
                        source.code
                    ),
                );
            }
            if !sources.insert(source.code.as_str()) {
                error(
                    span.clone(),
                    format!("source `{}` appears twice", source.code),
                );
            }
            if !(source.basis.starts_with("seed ") || source.basis.starts_with("ours:")) {
                error(
                    span,
                    format!(
                        "source `{}`: basis must cite a seed (`seed ...`) or say `ours: ...`",
                        source.code
                    ),
                );
            }
        }
        // Without a claim under (j) from 552a(c)(4), prior recipients are told of corrections.
        let notices = &self.exemptions.correction_notices;
        if !notices.get_ref() && self.exempt_portion("552a(c)(4)") == ExemptPortion::Nothing {
            error(
                notices.span(),
                "correction_notices = false needs a claim under 552a(j) from 552a(c)(4)".into(),
            );
        }
    }

    /// Which of the system's records a general exemption (552a(j)) from `provision` covers:
    /// none, all of them, or (when the notice lists its sources) those whose source system
    /// gives individuals neither access nor amendment. Seed 000: "ICE and DHS are not
    /// exempting any records that were ingested or indexed by TTAR where the source system of
    /// records already provides access and/or amendment under the Privacy Act." A record that
    /// names no source is not shown to come from such a source, so the claim covers it.
    pub fn exempt_portion(&self, provision: &str) -> ExemptPortion {
        let Some(claim) = self.exemptions.claims.iter().find(|claim| {
            claim.under.starts_with("552a(j)") && claim.from.iter().any(|from| from == provision)
        }) else {
            return ExemptPortion::Nothing;
        };
        if self.sources.is_empty() {
            return ExemptPortion::Whole {
                under: claim.under.clone(),
            };
        }
        ExemptPortion::UnlessFrom {
            under: claim.under.clone(),
            sources: self
                .sources
                .iter()
                .map(Spanned::get_ref)
                .filter(|source| source.access || source.amendment)
                .map(|source| source.code.clone())
                .collect(),
        }
    }

    /// The source `code`, if the notice lists it.
    pub fn source(&self, code: &str) -> Option<&Source> {
        self.sources
            .iter()
            .map(Spanned::get_ref)
            .find(|source| source.code == code)
    }

    /// The category `id`, if the system has it.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories
            .iter()
            .map(Spanned::get_ref)
            .find(|category| category.id == id)
    }

    /// The system's purpose codes.
    pub fn purpose_codes(&self) -> Vec<String> {
        self.purposes
            .iter()
            .map(|p| p.get_ref().code.clone())
            .collect()
    }
}

fn check_basis(basis: &Spanned<String>, error: &mut impl FnMut(std::ops::Range<usize>, String)) {
    if !(basis.get_ref().starts_with("seed ") || basis.get_ref().starts_with("ours:")) {
        error(
            basis.span(),
            "basis must cite a seed (`seed ...`) or say `ours: ...`".into(),
        );
    }
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests;

//! The record model: what a record about people holds, its id, and the rules a valid record obeys.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use zeroize::Zeroize;

use crate::error::Invalid;

/// A record's id: 16 bytes, time-ordered, unique by construction.
///
/// Layout (big-endian): partition `u16` (system and category), collected-at Unix milliseconds
/// `u48` (the retention clock), writer session `u32`, sequence in that session `u32`.
/// Ids sort by partition, then by collection time, so one retention cohort (a partition's
/// records collected in one period) is one contiguous key range. Sessions are allocated durably
/// at open, so two writers never hand out the same id, even across crashes.
/// The id carries no personal data: it is safe in logs, errors and the access log.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId([u8; 16]);

impl RecordId {
    /// Largest collection time an id can carry (2^48 - 1 ms after the epoch, year 10889).
    pub const MAX_MILLIS: i64 = (1 << 48) - 1;

    /// The id of a record of `partition` collected at `collected_at_ms`, the `seq`th its
    /// writer `session` hands out (the vault allocates sessions and partitions).
    pub fn new(partition: u16, collected_at_ms: i64, session: u32, seq: u32) -> Self {
        let mut bytes = [0u8; 16];
        bytes[0..2].copy_from_slice(&partition.to_be_bytes());
        // Validation keeps collected_at within 0..=MAX_MILLIS, so the cast loses nothing.
        let millis = collected_at_ms.clamp(0, Self::MAX_MILLIS) as u64;
        bytes[2..8].copy_from_slice(&millis.to_be_bytes()[2..8]);
        bytes[8..12].copy_from_slice(&session.to_be_bytes());
        bytes[12..16].copy_from_slice(&seq.to_be_bytes());
        RecordId(bytes)
    }

    /// The id from its 16 stored bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        RecordId(bytes)
    }

    /// The 16 bytes, as stored.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The partition (system and category) the record lives in.
    pub fn partition(&self) -> u16 {
        u16::from_be_bytes([self.0[0], self.0[1]])
    }

    /// The record's collected-at time in Unix milliseconds.
    pub fn collected_at_millis(&self) -> i64 {
        let mut millis = [0u8; 8];
        millis[2..8].copy_from_slice(&self.0[2..8]);
        u64::from_be_bytes(millis) as i64
    }
}

impl fmt::Display for RecordId {
    /// `pppp-tttttttttttt-ssssssss-nnnnnnnn` in lowercase hex: partition, time, session, sequence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = hex::encode(self.0);
        write!(
            f,
            "{}-{}-{}-{}",
            &hex[0..4],
            &hex[4..16],
            &hex[16..24],
            &hex[24..32]
        )
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

impl FromStr for RecordId {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Invalid> {
        let invalid =
            || Invalid("record id must look like `0001-0193a1b2c3d4-00000001-0000002a`".into());
        let groups: Vec<&str> = text.split('-').collect();
        let widths = [4, 12, 8, 8];
        if groups.len() != widths.len()
            || groups
                .iter()
                .zip(widths)
                .any(|(group, width)| group.len() != width)
        {
            return Err(invalid());
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(groups.concat(), &mut bytes).map_err(|_| invalid())?;
        Ok(RecordId(bytes))
    }
}

/// A system of records, by its id (for example `fincen-cbetf`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SystemId(String);

impl SystemId {
    /// Checks the syntax: 1 to 64 characters of lowercase letters, digits and dashes, starting
    /// with a letter or digit.
    pub fn new(id: &str) -> Result<Self, Invalid> {
        check_token(id, 64, false).map_err(|problem| Invalid(format!("system id {problem}")))?;
        Ok(SystemId(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a schema token (system id, category, role, field or source key): ASCII lowercase
/// letters, digits, dashes and (if allowed) underscores, starting with a letter.
/// The problem text never repeats the token, since a mistaken token may be personal data.
fn check_token(token: &str, max_len: usize, allow_underscore: bool) -> Result<(), String> {
    if token.is_empty() {
        return Err("must not be empty".into());
    }
    if token.len() > max_len {
        return Err(format!("must be at most {max_len} characters"));
    }
    let first_ok = token.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let rest_ok = token.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (allow_underscore && b == b'_')
    });
    if !first_ok || !rest_ok {
        let allowed = if allow_underscore {
            "lowercase letters, digits, `-` and `_`"
        } else {
            "lowercase letters, digits and `-`"
        };
        return Err(format!("must be {allowed}, starting with a letter"));
    }
    Ok(())
}

/// Shows a user-supplied key in an error message only when it looks like a schema token:
/// a well-formed token with at most two digits. Anything else might be personal data typed
/// into the wrong place (an SSN used as a key, say), so it is not echoed.
pub fn display_token(token: &str) -> String {
    let few_digits = token.bytes().filter(u8::is_ascii_digit).count() <= 2;
    if few_digits && check_token(token, 64, true).is_ok() {
        format!("`{token}`")
    } else {
        "(name not shown)".to_owned()
    }
}

/// The `source` key that names the source system of records a record came from (one the
/// system's notice lists, `cbp-trade`): which of the system's exemptions cover it.
pub const SOURCE_SYSTEM: &str = "system";

/// The kinds of identifier a subject can carry; each is searchable through the blind index.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum IdentifierKind {
    /// Social Security number.
    Ssn,
    /// Taxpayer identification number (US or foreign).
    Tin,
    /// Passport number with its issuing country.
    Passport,
    /// Account number at a financial institution.
    Account,
    /// Date of birth.
    DateOfBirth,
    /// Importer or exporter identification number (trade records).
    ImporterExporterId,
    /// Alien identification number (CBETF item (xi), seed 003: "or, if none, the alien
    /// identification number").
    AlienId,
    /// Customs broker identification (TTAR, seed 000 retrievability: "broker ID").
    BrokerId,
    /// Manufacturer identification (TTAR, seed 000 retrievability: "manufacturer ID").
    ManufacturerId,
    /// A postal address, business or home (seed 000 retrievability: "business address, home
    /// address"; PNR Attachment A elements 6 and 8, also found in free text).
    Address,
    /// A telephone number (PNR Attachment A element 9, found in free text).
    Phone,
    /// An e-mail address (PNR Attachment A element 17, found in free text).
    Email,
}

impl IdentifierKind {
    /// Whether it is one person's alone: an SSN, a TIN, a passport, an alien number. Any other
    /// (a date of birth, a household's address, telephone or e-mail address, a joint account,
    /// a business's ids) finds records for an officer to review, but never by itself says a
    /// record or its disclosures are one requester's.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            IdentifierKind::Ssn
                | IdentifierKind::Tin
                | IdentifierKind::Passport
                | IdentifierKind::AlienId
        )
    }

    /// Every kind, in their stored order.
    pub const ALL: [IdentifierKind; 12] = [
        IdentifierKind::Ssn,
        IdentifierKind::Tin,
        IdentifierKind::Passport,
        IdentifierKind::Account,
        IdentifierKind::DateOfBirth,
        IdentifierKind::ImporterExporterId,
        IdentifierKind::AlienId,
        IdentifierKind::BrokerId,
        IdentifierKind::ManufacturerId,
        IdentifierKind::Address,
        IdentifierKind::Phone,
        IdentifierKind::Email,
    ];

    /// The name used in the import format and the API.
    pub fn name(self) -> &'static str {
        match self {
            IdentifierKind::Ssn => "ssn",
            IdentifierKind::Tin => "tin",
            IdentifierKind::Passport => "passport",
            IdentifierKind::Account => "account",
            IdentifierKind::DateOfBirth => "dob",
            IdentifierKind::ImporterExporterId => "importer_exporter_id",
            IdentifierKind::AlienId => "alien_id",
            IdentifierKind::BrokerId => "broker_id",
            IdentifierKind::ManufacturerId => "manufacturer_id",
            IdentifierKind::Address => "address",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
        }
    }

    /// The kind with this import-format name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One identifier of a subject, as it was reported (normalization is for the index, not for
/// the record: the original form is kept).
#[derive(Clone, PartialEq, Eq)]
pub struct Identifier {
    /// What kind of identifier this is.
    pub kind: IdentifierKind,
    /// The value as reported.
    pub value: String,
    /// The issuing country (ISO 3166 alpha-2 or alpha-3), for passports only.
    pub country: Option<String>,
}

impl Identifier {
    /// An identifier without a country.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
            country: None,
        }
    }

    /// A passport number with its issuing country.
    pub fn passport(number: impl Into<String>, country: impl Into<String>) -> Self {
        Identifier {
            kind: IdentifierKind::Passport,
            value: number.into(),
            country: Some(country.into()),
        }
    }

    /// Checks the value's form for its kind. The message names the kind and the rule, never
    /// the value.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), String> {
        let kind = self.kind.name();
        let value = self.value.as_str();
        let digits_only = || {
            value
                .chars()
                .filter(|c| !matches!(c, ' ' | '-'))
                .collect::<String>()
        };
        match self.kind {
            IdentifierKind::Ssn => {
                // Checked in its indexed form, so full-width digits and any dash are accepted.
                let digits = crate::normalize::identifier(self);
                if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "identifier `{kind}` must have 9 digits (dashes and spaces allowed)"
                    ));
                }
            }
            IdentifierKind::Tin
            | IdentifierKind::ImporterExporterId
            | IdentifierKind::BrokerId
            | IdentifierKind::ManufacturerId
            | IdentifierKind::Account
            | IdentifierKind::AlienId => {
                let max = if self.kind == IdentifierKind::Account {
                    64
                } else {
                    32
                };
                let alnum = digits_only();
                if alnum.is_empty()
                    || value.chars().count() > max
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.'))
                {
                    return Err(format!(
                        "identifier `{kind}` must be 1 to {max} letters or digits (with `-`, `/`, `.` or spaces)"
                    ));
                }
            }
            IdentifierKind::Passport => {
                if value.is_empty()
                    || value.len() > 20
                    || !value.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(format!(
                        "identifier `{kind}` number must be 1 to 20 letters or digits"
                    ));
                }
            }
            IdentifierKind::DateOfBirth => {
                let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    format!("identifier `{kind}` must be a date written YYYY-MM-DD")
                })?;
                if date > now.date_naive() {
                    return Err(format!("identifier `{kind}` is in the future"));
                }
            }
            IdentifierKind::Address => {
                if value.chars().count() > 200
                    || !value.chars().any(char::is_alphanumeric)
                    || value.chars().any(char::is_control)
                {
                    return Err(format!(
                        "identifier `{kind}` must be 1 to 200 characters on one line, with letters or digits"
                    ));
                }
            }
            IdentifierKind::Phone => {
                let digits = value.chars().filter(char::is_ascii_digit).count();
                if !(7..=15).contains(&digits)
                    || !value.chars().all(|c| {
                        c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.')
                    })
                {
                    return Err(format!(
                        "identifier `{kind}` must have 7 to 15 digits (with `+`, `-`, `(`, `)`, `.` or spaces)"
                    ));
                }
            }
            IdentifierKind::Email => {
                let well_formed = value.len() <= 254
                    && value.split_once('@').is_some_and(|(local, domain)| {
                        !local.is_empty()
                            && domain.contains('.')
                            && !domain.starts_with('.')
                            && !domain.ends_with('.')
                            && !domain.contains('@')
                    })
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control());
                if !well_formed {
                    return Err(format!(
                        "identifier `{kind}` must be an address like name@example.org (at most 254 characters)"
                    ));
                }
            }
        }
        match (self.kind, &self.country) {
            (IdentifierKind::Passport, Some(country)) => {
                if !(2..=3).contains(&country.len())
                    || !country.bytes().all(|b| b.is_ascii_uppercase())
                {
                    return Err(format!(
                        "identifier `{kind}` country must be an ISO 3166 code of 2 or 3 capital letters"
                    ));
                }
            }
            (IdentifierKind::Passport, None) => {
                return Err(format!("identifier `{kind}` needs its issuing country"))
            }
            (_, Some(_)) => return Err(format!("identifier `{kind}` does not take a country")),
            (_, None) => {}
        }
        Ok(())
    }
}

/// Identifier values are personal data: wiped from memory when dropped.
impl Drop for Identifier {
    fn drop(&mut self) {
        self.value.zeroize();
        if let Some(country) = &mut self.country {
            country.zeroize();
        }
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({}, REDACTED)", self.kind.name())
    }
}

/// A person or organization a record is about, in a role (transmittor, recipient, passenger...).
#[derive(Clone, PartialEq, Eq)]
pub struct Subject {
    /// The subject's role in the record.
    pub role: String,
    /// The name as reported, if any.
    pub name: Option<String>,
    /// Identifiers, at most one of each kind.
    pub identifiers: Vec<Identifier>,
}

/// Names are personal data: wiped from memory when dropped (identifiers wipe themselves).
impl Drop for Subject {
    fn drop(&mut self) {
        if let Some(name) = &mut self.name {
            name.zeroize();
        }
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("role", &self.role)
            .field("name", &self.name.as_ref().map(|_| "REDACTED"))
            .field("identifiers", &self.identifiers)
            .finish()
    }
}

/// A record's contents: everything that is encrypted at rest.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordContents {
    /// The system of records it belongs to.
    pub system: SystemId,
    /// The category of record within the system (for example `transmittal`).
    pub category: String,
    /// When the agency collected it: the retention clock starts here.
    pub collected_at: DateTime<Utc>,
    /// Where it came from (report id, reporting institution, file...): the provenance.
    pub source: BTreeMap<String, String>,
    /// The people and organizations it is about.
    pub subjects: Vec<Subject>,
    /// Every other field, by name.
    pub fields: BTreeMap<String, String>,
}

/// Most subjects one record may name.
pub const MAX_SUBJECTS: usize = 64;
/// Most fields (or source entries) one record may hold.
pub const MAX_FIELDS: usize = 256;
/// Longest text value, in bytes.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

impl RecordContents {
    /// The source system of records it came from (`source.system`), if it names one.
    pub fn source_system(&self) -> Option<&str> {
        self.source.get(SOURCE_SYSTEM).map(String::as_str)
    }

    /// Checks everything a stored record must satisfy. `now` bounds dates that cannot be in
    /// the future. Messages say where the problem is and what rule it breaks, never the value.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Invalid> {
        let invalid = |message: String| Err(Invalid(message));
        if let Err(problem) = check_token(&self.category, 64, true) {
            return invalid(format!("category {problem}"));
        }
        let millis = self.collected_at.timestamp_millis();
        if !(0..=RecordId::MAX_MILLIS).contains(&millis) {
            return invalid("collected_at must be after 1970-01-01".into());
        }
        // A day of slack absorbs clock skew between the reporting institution and the vault.
        if self.collected_at > now + chrono::Duration::days(1) {
            return invalid("collected_at is in the future".into());
        }
        if self.source.is_empty() {
            return invalid(
                "source must name at least one provenance entry (for example `report_id`)".into(),
            );
        }
        // The raw message is bytes as received (line ends and all), sealed apart (raw.rs).
        let mut source = std::borrow::Cow::Borrowed(&self.source);
        if let Some(raw) = self.source.get(crate::raw::RAW_SOURCE) {
            crate::raw::check_raw(raw)?;
            source.to_mut().remove(crate::raw::RAW_SOURCE);
        }
        check_map("source", &source)?;
        check_map("fields", &self.fields)?;
        if self.subjects.is_empty() {
            return invalid("subjects must list at least one subject".into());
        }
        if self.subjects.len() > MAX_SUBJECTS {
            return invalid(format!(
                "subjects must list at most {MAX_SUBJECTS} subjects"
            ));
        }
        for (subject_idx, subject) in self.subjects.iter().enumerate() {
            // Named only when something is wrong: most records are valid.
            let at = || format!("subject {}", subject_idx + 1);
            if let Err(problem) = check_token(&subject.role, 64, true) {
                return invalid(format!("{}: role {problem}", at()));
            }
            if let Some(name) = &subject.name {
                check_text(name).map_err(|problem| Invalid(format!("{}: name {problem}", at())))?;
            }
            if subject.name.is_none() && subject.identifiers.is_empty() {
                return invalid(format!("{}: needs a name or at least one identifier", at()));
            }
            for (identifier_idx, identifier) in subject.identifiers.iter().enumerate() {
                if subject.identifiers[..identifier_idx]
                    .iter()
                    .any(|other| other.kind == identifier.kind)
                {
                    return invalid(format!(
                        "{}: identifier `{}` given twice",
                        at(),
                        identifier.kind.name()
                    ));
                }
                identifier
                    .validate(now)
                    .map_err(|problem| Invalid(format!("{}: {problem}", at())))?;
            }
        }
        Ok(())
    }
}

fn check_map(what: &str, map: &BTreeMap<String, String>) -> Result<(), Invalid> {
    if map.len() > MAX_FIELDS {
        return Err(Invalid(format!(
            "{what} must hold at most {MAX_FIELDS} entries"
        )));
    }
    for (key, value) in map {
        if let Err(problem) = check_token(key, 64, true) {
            return Err(Invalid(format!(
                "{what}: key {} {problem}",
                display_token(key)
            )));
        }
        check_text(value).map_err(|problem| Invalid(format!("{what}: `{key}` {problem}")))?;
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be blank".into());
    }
    if text.len() > MAX_VALUE_BYTES {
        return Err(format!("must be at most {MAX_VALUE_BYTES} bytes"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// A record's fields and provenance may be personal data: wiped from memory when dropped, so
/// a record refused at the last moment (its access-log entry could not be written) leaves no
/// plaintext behind in freed memory. Subjects wipe themselves.
impl Drop for RecordContents {
    fn drop(&mut self) {
        for map in [&mut self.fields, &mut self.source] {
            for (mut key, mut value) in std::mem::take(map) {
                key.zeroize();
                value.zeroize();
            }
        }
    }
}

impl fmt::Debug for RecordContents {
    /// Shows the shape of the record, never its values: names, identifiers and fields may be
    /// personal data, and Debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordContents")
            .field("system", &self.system)
            .field("category", &self.category)
            .field("collected_at", &self.collected_at)
            .field("source", &self.source.keys().collect::<Vec<_>>())
            .field("subjects", &self.subjects)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A stored record: its id and its decrypted contents.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Record {
    /// The record's id.
    pub id: RecordId,
    /// What it says.
    pub contents: RecordContents,
}

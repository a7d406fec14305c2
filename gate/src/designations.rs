//! High-risk designations (PNR, seed 001 paragraph 5): CBP personnel read the OSI and SSI/SSR
//! fields only when "the individual that is the subject of a PNR has been identified by CBP as
//! high risk in relation to any of the purposes identified in paragraph 3". A designation is an
//! act of an authorized CBP officer (the SORN's `designate` grant): the subject's identifier,
//! the paragraph 3 purpose, a reason, a case and a review date, sealed in a file of its own
//! (`HR-<year>-<number>`), blind-indexed by the subject, logged by id, withdrawable. Reads
//! decide free text on the designations in force for the record's subjects at the time of the
//! read, so records stored before a designation are opened by it and closed by its withdrawal.

use privacy::documents::Documents as _;
use serde::{Deserialize, Serialize};

use super::*;
use privacy::cases::Cases as _;

/// The longest a designation runs before it must be reviewed (ours: the seed sets no term;
/// a year keeps every designation under periodic review).
pub const MAX_REVIEW_DAYS: i64 = 366;

/// Most characters of a designation's reason.
pub const MAX_REASON_CHARS: usize = 2000;

/// The document kind recording which one-time migrations have run.
pub(super) const MIGRATIONS: &str = "migrations";

/// A designation's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DesignationStatus {
    /// Carried over from a record's old `high_risk` field: unlocks nothing until an officer
    /// confirms it with a purpose, reason, case and review date.
    Pending,
    /// Made or confirmed by an officer: unlocks free text until its review date.
    InForce,
    /// Withdrawn: unlocks nothing.
    Withdrawn,
}

/// One step of a designation's history.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DesignationEvent {
    /// `designated`, `confirmed`, `withdrawn` or `migrated`.
    pub what: String,
    /// The account (or `recvault-migration`).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A designation file, as sealed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Designation {
    /// Its id (`HR-<year>-<number>`); not stored in the file, filled in when read.
    #[serde(skip)]
    pub id: String,
    /// The system (PNR).
    pub system: String,
    /// The subject's identifiers (`TYPE=VALUE`, a passport `passport=CC:NUMBER`).
    pub subject: Vec<String>,
    /// The paragraph 3 purpose (a purpose code of the system).
    pub purpose: Option<String>,
    /// Why, in the officer's words (sealed; never logged).
    pub reason: Option<String>,
    /// The case it serves.
    pub case: Option<String>,
    /// The day by which it is reviewed; after it, it unlocks nothing until confirmed again.
    pub review_on: Option<NaiveDate>,
    /// Its state.
    pub status: DesignationStatus,
    /// The record whose `high_risk` field it was migrated from.
    pub migrated_from: Option<String>,
    /// Its history, oldest first.
    pub history: Vec<DesignationEvent>,
}

impl Designation {
    /// Whether it unlocks free text on `today`.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.status == DesignationStatus::InForce
            && self.review_on.is_some_and(|review| today <= review)
    }
}

/// What an officer states to designate a subject (or to confirm a pending designation).
#[derive(Clone, Debug)]
pub struct DesignationInput {
    /// The system (PNR).
    pub system: String,
    /// The paragraph 3 purpose.
    pub purpose: String,
    /// The case.
    pub case_id: String,
    /// Why.
    pub reason: String,
    /// When it is reviewed (within [`MAX_REVIEW_DAYS`]).
    pub review_on: NaiveDate,
}

impl Gate {
    /// Designates the subject `subject` (an identifier) high risk in `input.system`. Decided
    /// as `record.designate` for the purpose and case (the SORN's grant); the file is sealed
    /// and indexed by the identifier; the log holds its id.
    pub fn designate(
        &self,
        caller: &Caller,
        context: &RequestContext,
        subject: &SearchKey,
        input: &DesignationInput,
    ) -> Result<String, Refusal> {
        let access = self.authorize_designation(caller, context, input)?;
        // Paragraph 5: "the individual that is the subject": one person, so a passport with
        // its country, never a name, a date of birth or an account that many share.
        let identifier = match subject {
            SearchKey::Identifier(identifier) if designates_one_person(identifier) => identifier,
            _ => {
                return Err(Refusal::Invalid(
                    "a designation names its subject by passport (number and issuing country): a name, a date of birth or an account may belong to many".into(),
                ))
            }
        };
        let now = self.now();
        let file = Designation {
            id: String::new(),
            system: input.system.clone(),
            subject: vec![super::requests::text_of(identifier)],
            purpose: Some(input.purpose.clone()),
            reason: Some(input.reason.clone()),
            case: Some(input.case_id.clone()),
            review_on: Some(input.review_on),
            status: DesignationStatus::InForce,
            migrated_from: None,
            history: vec![event("designated", &caller.account.name, now)],
        };
        let sealed = serde_json::to_vec(&file)
            .map_err(|_| Refusal::Internal("encoding a designation".into()))?;
        Ok(self
            .vault
            .open_designation(&access, &sealed, std::slice::from_ref(identifier), now)?)
    }

    /// Confirms designation `id` (a pending one carried over from a record's flag, or one
    /// past its review date) with a purpose, reason, case and a new review date.
    pub fn confirm_designation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        input: &DesignationInput,
    ) -> Result<Designation, Refusal> {
        let access = self.authorize_designation(caller, context, input)?;
        let mut file = self.designation_file(&access, id, &input.system)?;
        if file.status == DesignationStatus::Withdrawn {
            return Err(Refusal::Conflict(
                "a withdrawn designation is not confirmed again: make a new one".into(),
            ));
        }
        let now = self.now();
        file.status = DesignationStatus::InForce;
        file.purpose = Some(input.purpose.clone());
        file.reason = Some(input.reason.clone());
        file.case = Some(input.case_id.clone());
        file.review_on = Some(input.review_on);
        file.history
            .push(event("confirmed", &caller.account.name, now));
        self.write_designation(&access, id, &file, "designation.confirm")?;
        Ok(file)
    }

    /// Withdraws designation `id`: from now on it unlocks nothing.
    pub fn withdraw_designation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        system: &str,
        purpose: &str,
        case_id: &str,
    ) -> Result<Designation, Refusal> {
        let request = Request {
            purpose: Some(purpose),
            case_id: Some(case_id),
            ..self.request(caller, Action::RecordDesignate, system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        let mut file = self.designation_file(&access, id, system)?;
        file.status = DesignationStatus::Withdrawn;
        file.history
            .push(event("withdrawn", &caller.account.name, self.now()));
        self.write_designation(&access, id, &file, "designation.withdraw")?;
        Ok(file)
    }

    /// The designations of the subject `subject` in `system`, in force or not, for an
    /// officer who may designate there.
    pub fn designations(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        subject: &SearchKey,
        purpose: &str,
        case_id: &str,
    ) -> Result<Vec<Designation>, Refusal> {
        let request = Request {
            purpose: Some(purpose),
            case_id: Some(case_id),
            ..self.request(caller, Action::RecordDesignate, system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        let files =
            self.vault
                .designations_for(&access, std::slice::from_ref(subject), self.now())?;
        let mut found = Vec::new();
        for (id, plain) in files {
            let mut file = decode(&plain)?;
            if file.system == system {
                file.id = id;
                found.push(file);
            }
        }
        Ok(found)
    }

    /// Whether a designation in force today names a subject of `record` (by any of its
    /// identifiers). The probe is logged under `access`, with tokens only.
    pub(super) fn designated_high_risk(
        &self,
        access: &Access,
        record: &Record,
    ) -> Result<bool, Refusal> {
        let keys: Vec<SearchKey> = record
            .contents
            .subjects
            .iter()
            .flat_map(|subject| subject.identifiers.iter().cloned())
            .filter(designates_one_person)
            .map(SearchKey::Identifier)
            .collect();
        if keys.is_empty() {
            return Ok(false);
        }
        let now = self.now();
        let today = now.date_naive();
        let system = record.contents.system.as_str();
        for (_, plain) in self.vault.designations_for(access, &keys, now)? {
            let file = decode(&plain)?;
            if file.system == system && file.in_force(today) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Carries every record's old `high_risk` flag (of a category whose free text needs a
    /// designation) over to a pending designation of its subjects, which unlocks nothing until
    /// an officer confirms it. Runs once per vault, at the gate's start; each record read and
    /// each file opened is logged, and the run ends with one entry counting what it did.
    pub(super) fn migrate_high_risk_flags(&self) -> Result<(), Refusal> {
        const DONE: &str = "high-risk-flags.json";
        if self
            .vault
            .documents(MIGRATIONS)?
            .iter()
            .any(|(name, _)| name == DONE)
        {
            return Ok(());
        }
        let access = Access::offline("recvault-migration", "administration");
        let now = self.now();
        let catalog = self.policy.catalog();
        let (mut read, mut carried) = (0usize, 0usize);
        let gated = |system: &model::SystemId, category: &str| {
            catalog.notice_gates_free_text(system.as_str(), category)
        };
        self.for_each_record(&access, gated, |record| {
            let (id, system) = (record.id, &record.contents.system);
            read += 1;
            let flagged = record
                .contents
                .fields
                .get(policy::view::LEGACY_HIGH_RISK_FIELD)
                .is_some_and(|flag| policy::view::legacy_high_risk_flag(flag));
            if !flagged {
                return Ok(());
            }
            for subject in &record.contents.subjects {
                let passports: Vec<model::Identifier> = subject
                    .identifiers
                    .iter()
                    .filter(|identifier| designates_one_person(identifier))
                    .cloned()
                    .collect();
                if passports.is_empty() {
                    continue;
                }
                let file = Designation {
                    id: String::new(),
                    system: system.as_str().to_owned(),
                    subject: passports.iter().map(super::requests::text_of).collect(),
                    purpose: None,
                    reason: None,
                    case: None,
                    review_on: None,
                    status: DesignationStatus::Pending,
                    migrated_from: Some(id.to_string()),
                    history: vec![event("migrated", "recvault-migration", now)],
                };
                let sealed = serde_json::to_vec(&file)
                    .map_err(|_| Refusal::Internal("encoding a designation".into()))?;
                self.vault
                    .open_designation(&access, &sealed, &passports, now)?;
                carried += 1;
            }
            Ok(())
        })?;
        let summary = format!(
            "{read} records read; {carried} subjects flagged high risk in a record field carried over to pending designations, which unlock nothing until a CBP officer confirms them"
        );
        self.vault
            .record_listing(&access, "designations.migrate", Vec::new(), &summary, now)?;
        // One marker among the others (a whole-set replace would drop the other migrations'
        // markers, and they would run again).
        self.vault.put_document(
            &access,
            MIGRATIONS,
            DONE,
            serde_json::json!({"done": crate::rfc3339(now.timestamp_millis()), "read": read, "carried": carried})
                .to_string()
                .as_bytes(),
            ("config.documents", format!("{MIGRATIONS}: {DONE}")),
            now,
        )?;
        Ok(())
    }

    /// Hands `visit` every stored record of the partitions `wanted` picks (by system and
    /// category), one at a time, each read through a logged read under `access`; destroyed
    /// ones are skipped. For the one-time migrations at start, which read each record once.
    pub(super) fn for_each_record(
        &self,
        access: &Access,
        wanted: impl Fn(&model::SystemId, &str) -> bool,
        mut visit: impl FnMut(Record) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        let now = self.now();
        for (partition, system, category) in self.vault.partitions()? {
            if !wanted(&system, &category) {
                continue;
            }
            for id in self.vault.record_ids_in(partition)? {
                match self.vault.read(access, &id, now) {
                    Ok(record) => visit(record)?,
                    // Destroyed or past its keys: nothing to read.
                    Err(vault::Error::NotFound(_)) => continue,
                    Err(err) => return Err(err.into()),
                }
            }
        }
        Ok(())
    }

    /// Decides `record.designate` for the input's purpose and case, and checks what the
    /// officer states: a paragraph 3 purpose of a system whose free text needs a designation,
    /// a reason, and a review date within [`MAX_REVIEW_DAYS`].
    fn authorize_designation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        input: &DesignationInput,
    ) -> Result<Access, Refusal> {
        let request = Request {
            purpose: Some(&input.purpose),
            case_id: Some(&input.case_id),
            ..self.request(caller, Action::RecordDesignate, &input.system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        // What the request's form breaks (400) before what the system or the day refuses
        // (422).
        if input.reason.trim().is_empty() || input.reason.chars().count() > MAX_REASON_CHARS {
            return Err(Refusal::Invalid(format!(
                "a designation states its reason (1 to {MAX_REASON_CHARS} characters)"
            )));
        }
        if !self.policy.catalog().takes_designations(&input.system) {
            return Err(Refusal::Unprocessable(
                "only a system whose free text needs a high-risk designation takes designations"
                    .into(),
            ));
        }
        let today = self.now().date_naive();
        if input.review_on <= today
            || input.review_on > today + chrono::Duration::days(MAX_REVIEW_DAYS)
        {
            return Err(Refusal::Unprocessable(format!(
                "a designation is reviewed after today and within {MAX_REVIEW_DAYS} days"
            )));
        }
        Ok(access)
    }

    /// Designation `id` of `system`, read (logged).
    fn designation_file(
        &self,
        access: &Access,
        id: &str,
        system: &str,
    ) -> Result<Designation, Refusal> {
        if !id.starts_with("HR-") {
            return Err(Refusal::NotFound("there is no such designation".into()));
        }
        let plain = self
            .vault
            .read_case(access, id, self.now())
            .map_err(|_| Refusal::NotFound("there is no such designation".into()))?;
        let mut file = decode(&plain)?;
        if file.system != system {
            return Err(Refusal::NotFound("there is no such designation".into()));
        }
        file.id = id.to_owned();
        Ok(file)
    }

    fn write_designation(
        &self,
        access: &Access,
        id: &str,
        file: &Designation,
        what: &str,
    ) -> Result<(), Refusal> {
        let sealed = serde_json::to_vec(file)
            .map_err(|_| Refusal::Internal("encoding a designation".into()))?;
        Ok(self
            .vault
            .update_case(access, id, &sealed, what, self.now())?)
    }
}

/// Whether an identifier names one person, as a designation's subject must: a passport with
/// its issuing country.
fn designates_one_person(identifier: &model::Identifier) -> bool {
    identifier.kind == model::IdentifierKind::Passport && identifier.country.is_some()
}

fn decode(plain: &[u8]) -> Result<Designation, Refusal> {
    serde_json::from_slice(plain)
        .map_err(|_| Refusal::Internal("a designation file is not readable".into()))
}

fn event(what: &str, by: &str, at: DateTime<Utc>) -> DesignationEvent {
    DesignationEvent {
        what: what.to_owned(),
        by: by.to_owned(),
        at: crate::rfc3339(at.timestamp_millis()),
    }
}

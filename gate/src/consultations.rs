//! The gate's consultations (31 CFR 1.26(e); seed 000's "after conferring with the appropriate
//! component or agency"): a privacy officer records that the owner of records' source was
//! consulted about releasing them, and its answer. One consultation serves every request that
//! finds those records. Each is a signed document of the vault (kind `consultations`, named
//! by its id), holding codes, record ids and dates only; opening and answering are logged.

use privacy::documents::Documents as _;
use serde::{Deserialize, Serialize};

use super::*;
use privacy::cases::Cases as _;

/// The document kind consultations are kept under.
const CONSULTATIONS: &str = "consultations";

/// What the owner answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsultationAnswer {
    /// The records may go to the individual.
    Release,
    /// They may not.
    Withhold,
    /// The owner answers the individual directly (a referral, 31 CFR 1.26(e)).
    Referred,
}

impl ConsultationAnswer {
    /// Every answer.
    pub const ALL: [ConsultationAnswer; 3] = [
        ConsultationAnswer::Release,
        ConsultationAnswer::Withhold,
        ConsultationAnswer::Referred,
    ];

    /// Its name on the wire and in the log.
    pub fn name(self) -> &'static str {
        match self {
            ConsultationAnswer::Release => "release",
            ConsultationAnswer::Withhold => "withhold",
            ConsultationAnswer::Referred => "referred",
        }
    }

    /// The answer named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|answer| answer.name() == name)
    }
}

/// One consultation, as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// Its id (`CN-1`).
    pub id: String,
    /// The component or agency consulted (a source's `owner`).
    pub owner: String,
    /// The records it is about.
    pub records: Vec<String>,
    /// The request that prompted it (it serves every request that finds these records).
    pub request: String,
    /// When it was asked.
    pub asked_on: NaiveDate,
    /// Who asked.
    pub asked_by: String,
    /// The answer, once given.
    pub answer: Option<ConsultationAnswer>,
    /// When the answer came.
    pub answered_on: Option<NaiveDate>,
    /// Who recorded it.
    pub answer_recorded_by: Option<String>,
}

impl Gate {
    /// Records that `owner` is consulted about `records`, prompted by request `request`.
    pub fn open_consultation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        owner: &str,
        records: &[String],
        request: &str,
    ) -> Result<Consultation, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        // What breaks the document (400) before what the catalog or the store decides.
        if records.is_empty() || records.len() > 1000 {
            return Err(Refusal::Invalid(
                "a consultation is about 1 to 1000 records".into(),
            ));
        }
        let parsed = records
            .iter()
            .map(|record| record.parse::<RecordId>())
            .collect::<Result<Vec<_>, _>>()?;
        if !is_request_id(request) {
            return Err(Refusal::Invalid(
                "a request's id is `PA-<year>-<number>`".into(),
            ));
        }
        let owners = self.source_owners();
        if !owners.iter().any(|known| known == owner) {
            return Err(Refusal::Unprocessable(format!(
                "`{}` owns no source of any notice; owners are {}",
                policy::codes::known(owner, &owners),
                owners.join(", ")
            )));
        }
        let mut ids: Vec<String> = Vec::with_capacity(records.len());
        for id in parsed {
            self.placement_or_unknown(&id)?;
            ids.push(id.to_string());
        }
        ids.sort();
        ids.dedup();
        if !self.vault.case_ids()?.iter().any(|id| id == request) {
            return Err(Refusal::NotFound(format!(
                "there is no request `{}`",
                policy::codes::reference(request)
            )));
        }
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let number = self.consultations()?.len() + 1;
        let consultation = Consultation {
            id: format!("CN-{number}"),
            owner: owner.to_owned(),
            records: ids,
            request: request.to_owned(),
            asked_on: self.now().date_naive(),
            asked_by: caller.name().to_owned(),
            answer: None,
            answered_on: None,
            answer_recorded_by: None,
        };
        self.put_consultation(&access, &consultation, "consultation.open")?;
        Ok(consultation)
    }

    /// Records the owner's answer to consultation `id` (once).
    pub fn answer_consultation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        answer: ConsultationAnswer,
        on: Option<NaiveDate>,
    ) -> Result<Consultation, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let mut consultation = self
            .consultations()?
            .into_iter()
            .find(|found| found.id == id)
            .ok_or_else(|| {
                Refusal::NotFound(format!(
                    "there is no consultation `{}`",
                    policy::codes::reference(id)
                ))
            })?;
        if consultation.answer.is_some() {
            return Err(Refusal::Conflict(format!(
                "consultation {id} was answered already"
            )));
        }
        let today = self.now().date_naive();
        let on = on.unwrap_or(today);
        if on > today || on < consultation.asked_on {
            return Err(Refusal::Unprocessable(
                "an answer is dated between the day it was asked and today".into(),
            ));
        }
        consultation.answer = Some(answer);
        consultation.answered_on = Some(on);
        consultation.answer_recorded_by = Some(caller.name().to_owned());
        self.put_consultation(&access, &consultation, "consultation.answer")?;
        Ok(consultation)
    }

    /// Every consultation, in the order opened.
    pub fn list_consultations(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<Consultation>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let all = self.consultations()?;
        self.log_listing(
            &access,
            Action::RequestsView,
            Vec::new(),
            &format!("{} consultations", all.len()),
        )?;
        Ok(all)
    }

    pub(super) fn consultations(&self) -> Result<Vec<Consultation>, Refusal> {
        let mut all = self
            .vault
            .documents(CONSULTATIONS)?
            .into_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice::<Consultation>(&bytes)
                    .map_err(|_| Refusal::Internal("a consultation does not parse".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|consultation| {
            consultation
                .id
                .trim_start_matches("CN-")
                .parse::<u64>()
                .unwrap_or(u64::MAX)
        });
        Ok(all)
    }

    fn put_consultation(
        &self,
        access: &Access,
        consultation: &Consultation,
        action: &str,
    ) -> Result<(), Refusal> {
        let bytes =
            serde_json::to_vec(consultation).map_err(|err| Refusal::internal_error(&err))?;
        let outcome = format!(
            "{} with {} about {} records for request {}{}",
            consultation.id,
            consultation.owner,
            consultation.records.len(),
            consultation.request,
            consultation
                .answer
                .map(|answer| format!(
                    ": {}",
                    serde_json::to_value(answer)
                        .ok()
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        );
        self.vault.put_document(
            access,
            CONSULTATIONS,
            &consultation.id,
            &bytes,
            (action, outcome),
            self.now(),
        )?;
        Ok(())
    }

    /// The owners the notices name for their sources.
    fn source_owners(&self) -> Vec<String> {
        let mut owners: Vec<String> = self
            .policy
            .catalog()
            .systems()
            .iter()
            .flat_map(|system| {
                system
                    .sorn
                    .sources
                    .iter()
                    .filter_map(|source| source.get_ref().owner.clone())
            })
            .collect();
        owners.sort();
        owners.dedup();
        owners
    }
}

/// Whether `id` is a Privacy Act request's id, `PA-<year>-<6 digits>` (a designation's file,
/// `HR-`, is a case file too, but prompts no consultation).
pub fn is_request_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 14
        && id.starts_with("PA-")
        && bytes[7] == b'-'
        && bytes[3..7]
            .iter()
            .chain(&bytes[8..])
            .all(u8::is_ascii_digit)
}

/// Whether `owner` answered `release` about record `id` in one of `consultations`.
pub(super) fn released_by(consultations: &[Consultation], owner: &str, id: &RecordId) -> bool {
    let id = id.to_string();
    consultations.iter().any(|consultation| {
        consultation.owner == owner
            && consultation.answer == Some(ConsultationAnswer::Release)
            && consultation.records.contains(&id)
    })
}

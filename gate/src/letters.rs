//! The gate's letters to requesters: each made from the request's case file by
//! `crate::templates` (the agency's template where it stored one, the shipped one otherwise),
//! sealed in the case file with its number, kind, day and author, listed, and read back as text
//! (`recvault` lays it out as PDF). The agency's templates are signed documents of the vault (`letter-templates`).

use std::collections::BTreeMap;

use policy::requests::{EventKind, Outcome, RequestKind};
use privacy::documents::Documents as _;
use serde::{Deserialize, Serialize};

use super::requests::RequestFile;
use super::*;

/// The document kind the agency's templates are kept under.
const TEMPLATES: &str = "letter-templates";

/// The letters made on request (`Gate::request_letter`); the determination letter comes with
/// the response package, and the letterhead is part of every letter.
pub const LETTER_KINDS: [&str; 7] = [
    "acknowledgment",
    "deficiency",
    "delay",
    "amendment-refusal",
    "final-refusal",
    "fee-notice",
    "referral",
];

/// A letter as sealed in the case file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// Its number in the case (1, 2...).
    pub n: u32,
    /// Its kind (a template of `crate::templates::KINDS`).
    pub kind: String,
    /// The day it was made.
    pub on: NaiveDate,
    /// Who made it.
    pub by: String,
    /// Its text.
    pub text: String,
}

/// A template as listed: its kind, whether the agency replaced it, and its text.
#[derive(Clone, Debug, Serialize)]
pub struct Template {
    /// The kind.
    pub kind: String,
    /// `agency` or `shipped`.
    pub source: &'static str,
    /// The template.
    pub text: String,
}

impl Gate {
    /// Makes a letter of `kind` for request `id` from its case file, signed by `official`,
    /// and seals it in the file. The determination letter comes with the response package.
    pub fn request_letter(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        kind: &str,
        official: &str,
    ) -> Result<Letter, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        super::requests::check_name(official, "official")?;
        if !LETTER_KINDS.contains(&kind) {
            return Err(Refusal::Invalid(format!(
                "letters made on request are {}; not `{}` (the determination letter comes with the response package, POST /v1/requests/{{id}}/response)",
                LETTER_KINDS.join(", "),
                policy::codes::known(kind, &crate::templates::KINDS)
            )));
        }
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let mut file = self.request_file(&access, id)?;
        let mut facts = self.letter_facts(&file, official);
        let case = &file.case;
        let last = |name: &str| {
            case.events
                .iter()
                .rev()
                .find(|event| event.kind.name() == name)
        };
        // The requester's windows, as the case's deadlines compute them.
        let window = |what: &str| {
            policy::requests::deadlines(case)
                .into_iter()
                .find(|deadline| deadline.what == what)
                .map(|deadline| deadline.due.to_string())
        };
        let missing_fact = |what: &str| {
            Refusal::Unprocessable(format!(
                "request {id} has no {what} to write a `{}` letter about",
                policy::codes::known(kind, &crate::templates::KINDS)
            ))
        };
        match kind {
            "acknowledgment" => {
                if let Some(deadline) = policy::requests::deadlines(case)
                    .into_iter()
                    .find(|deadline| deadline.what == "determination")
                {
                    facts["due"] = serde_json::json!(deadline.due.to_string());
                    facts["due_rule"] = serde_json::json!(deadline.rule);
                }
            }
            "deficiency" => match last("deficient").map(|event| &event.kind) {
                Some(EventKind::Deficient { missing }) => {
                    facts["missing"] = serde_json::json!(missing)
                }
                _ => return Err(missing_fact("deficiency notice")),
            },
            "delay" => match last("extended").map(|event| &event.kind) {
                Some(EventKind::Extended { reason, until, .. }) => {
                    facts["reason"] = serde_json::json!(reason);
                    facts["until"] = serde_json::json!(until.to_string());
                }
                _ => return Err(missing_fact("delay notice")),
            },
            "amendment-refusal" => {
                let refused = case
                    .events
                    .iter()
                    .rev()
                    .find_map(|event| match &event.kind {
                        EventKind::Determined {
                            outcome: Outcome::Denied | Outcome::PartlyGranted,
                            reasons,
                        } if case.kind == RequestKind::Amendment => Some(((), reasons)),
                        _ => None,
                    });
                let Some((_, reasons)) = refused else {
                    return Err(missing_fact("refusal of an amendment"));
                };
                facts["reasons"] = serde_json::json!(reasons);
                facts["appeal_by"] = serde_json::json!(window("appeal-window"));
            }
            "final-refusal" => {
                let upheld = case
                    .events
                    .iter()
                    .rev()
                    .find_map(|event| match &event.kind {
                        EventKind::AppealDetermined {
                            outcome: Outcome::Denied,
                            reasons,
                        } if case.kind == RequestKind::Amendment => Some(((), reasons)),
                        _ => None,
                    });
                let Some((_, reasons)) = upheld else {
                    return Err(missing_fact("appeal that upheld a refusal to amend"));
                };
                facts["reasons"] = serde_json::json!(reasons);
                facts["statement_by"] =
                    serde_json::json!(window("statement-of-disagreement-window"));
            }
            "fee-notice" => {
                let limit = case.fees.and_then(|terms| terms.limit_cents);
                let estimate = case.events.iter().rev().find_map(|event| match event.kind {
                    EventKind::FeeEstimated { cents } => Some(cents),
                    _ => None,
                });
                let step = estimate.map(|cents| policy::requests::fee_step(cents, limit));
                match (estimate, step) {
                    (Some(cents), Some(step)) if step != policy::requests::FeeStep::Proceed => {
                        facts["estimate"] = serde_json::json!(crate::templates::dollars(cents));
                        facts["limit"] = serde_json::json!(
                            limit.map(|limit| crate::templates::dollars(u64::from(limit)))
                        );
                        facts["prepay"] =
                            serde_json::json!(step == policy::requests::FeeStep::Prepayment);
                    }
                    _ => {
                        return Err(missing_fact(
                            "estimate that needs the requester's agreement or prepayment",
                        ))
                    }
                }
            }
            "referral" => {
                let mut owners: Vec<String> = self
                    .consultations()?
                    .into_iter()
                    .filter(|consultation| {
                        consultation.request == id
                            && consultation.answer == Some(super::ConsultationAnswer::Referred)
                    })
                    .map(|consultation| consultation.owner)
                    .collect();
                owners.sort();
                owners.dedup();
                if owners.is_empty() {
                    return Err(missing_fact("consultation answered `referred`"));
                }
                facts["referred_to"] = serde_json::json!(owners.join(", "));
            }
            // LETTER_KINDS, checked above, are the arms before this one.
            _ => return Err(Refusal::internal("a letter kind without its facts")),
        }
        let text = crate::templates::render(&self.agency_templates()?, kind, &facts)
            .map_err(Refusal::internal)?;
        self.seal_letter(&access, &mut file, kind, text)
    }

    /// The facts every letter of request `file` may use: the agency and systems, the day, the
    /// requester, the request, its kind and receipt, the official, and where appeals go.
    pub(super) fn letter_facts(&self, file: &RequestFile, official: &str) -> serde_json::Value {
        let catalog = self.policy.catalog();
        let mut agencies = Vec::new();
        let mut names = Vec::new();
        let mut appeals = Vec::new();
        for system in &file.systems {
            if let Some(found) = catalog.system(system) {
                let agency = match found.sorn.ownership.agency.as_str() {
                    "dhs" => "U.S. Department of Homeland Security",
                    "treasury" => "Department of the Treasury",
                    other => other,
                };
                if !agencies.contains(&agency) {
                    agencies.push(agency);
                }
                names.push(found.sorn.name.clone());
                if let Some(to) = &found.sorn.procedures.appeals {
                    if !appeals.contains(to) {
                        appeals.push(to.clone());
                    }
                }
            }
        }
        let received = file
            .case
            .events
            .first()
            .map(|event| event.on.to_string())
            .unwrap_or_default();
        serde_json::json!({
            "agency": agencies.join("; "),
            "systems": names.join("; "),
            "today": self.now().date_naive().to_string(),
            "requester": file.requester,
            "request": file.id,
            "kind": file.case.kind.name(),
            "received": received,
            "official": official.trim(),
            "appeals_to": if appeals.is_empty() {
                "the office the system's notice names for appeals".to_owned()
            } else {
                appeals.join("; or ")
            },
        })
    }

    /// Seals `text` in request `file` as its next letter of `kind` (the caller holds the case
    /// lock), logged as `case.letter <kind>`.
    pub(super) fn seal_letter(
        &self,
        access: &Access,
        file: &mut RequestFile,
        kind: &str,
        text: String,
    ) -> Result<Letter, Refusal> {
        let letter = Letter {
            n: u32::try_from(file.letters.len() + 1).unwrap_or(u32::MAX),
            kind: kind.to_owned(),
            on: self.now().date_naive(),
            by: access.principal.clone(),
            text,
        };
        file.letters.push(letter.clone());
        self.save_file(access, file, &format!("case.letter {kind}"))?;
        Ok(letter)
    }

    /// The letters of request `id`, in order.
    pub fn request_letters(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<Vec<Letter>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        Ok(self.request_file(&access, id)?.letters)
    }

    /// Every template, the agency's where it stored one.
    pub fn letter_templates(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<Template>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let agency = self.agency_templates()?;
        self.log_listing(
            &access,
            Action::RequestsView,
            Vec::new(),
            &format!(
                "{} letter templates, {} the agency's",
                crate::templates::KINDS.len(),
                agency.len()
            ),
        )?;
        Ok(crate::templates::KINDS
            .iter()
            .map(|kind| match agency.get(*kind) {
                Some(text) => Template {
                    kind: (*kind).to_owned(),
                    source: "agency",
                    text: text.clone(),
                },
                None => Template {
                    kind: (*kind).to_owned(),
                    source: "shipped",
                    text: crate::templates::shipped(kind)
                        .unwrap_or_default()
                        .to_owned(),
                },
            })
            .collect())
    }

    /// Replaces the template of `kind` with the agency's (checked to render), signed and
    /// logged with its SHA-256.
    pub fn set_letter_template(
        &self,
        caller: &Caller,
        context: &RequestContext,
        kind: &str,
        text: &str,
    ) -> Result<(), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        // The document states the kinds and the length in characters (400); the bytes of
        // UTF-8 and whether the template renders are rules it cannot state (422).
        if !crate::templates::KINDS.contains(&kind) {
            return Err(Refusal::Invalid(format!(
                "letters are {}",
                crate::templates::KINDS.join(", ")
            )));
        }
        if text.chars().count() > crate::templates::MAX_TEMPLATE_BYTES {
            return Err(Refusal::Invalid(format!(
                "a template is at most {} characters",
                crate::templates::MAX_TEMPLATE_BYTES
            )));
        }
        crate::templates::check(kind, text).map_err(Refusal::Unprocessable)?;
        self.vault.put_document(
            &access,
            TEMPLATES,
            kind,
            text.as_bytes(),
            (
                "letters.template",
                format!(
                    "{kind} sha256:{}",
                    hex::encode(vault::crypto::sha256(text.as_bytes()))
                ),
            ),
            self.now(),
        )?;
        Ok(())
    }

    /// The agency's templates, by kind.
    pub(super) fn agency_templates(&self) -> Result<BTreeMap<String, String>, Refusal> {
        self.vault
            .documents(TEMPLATES)?
            .into_iter()
            .map(|(kind, bytes)| {
                String::from_utf8(bytes)
                    .map(|text| (kind, text))
                    .map_err(|_| Refusal::Internal("a letter template is not UTF-8".into()))
            })
            .collect()
    }
}

//! The gate's Privacy Act request operations, for privacy staff: opening a request (its route
//! from the systems' SORN procedures), recording the events of its case history (each checked
//! by `policy::requests`), showing a case with its deadlines, and listing what is due. The
//! case file is sealed in the vault (requester and identifiers included); the access log
//! holds the case id and what happened, never the requester's identifiers.

use chrono::NaiveDate;
use model::Identifier;
use policy::requests::{self, Case, Deadline, Event, EventKind, RequestKind, RequesterStatus};
use privacy::annotations::Annotations as _;
use serde::{Deserialize, Serialize};
use vault::{Hold, HoldMode, HoldPurpose, HoldSpec, HoldTarget};

use super::*;
use privacy::cases::Cases as _;

/// A request's file, as sealed in the vault.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestFile {
    /// Its id (`PA-2026-000001`).
    pub id: String,
    /// The requester's name.
    pub requester: String,
    /// The requester's status.
    pub status: RequesterStatus,
    /// The representative (a parent or guardian) acting for the individual, if any.
    pub representative: Option<String>,
    /// The systems named.
    pub systems: Vec<String>,
    /// The identifiers given, as `TYPE=VALUE` (sealed with the file, indexed blind).
    pub identifiers: Vec<String>,
    /// The procedures that govern it, per system.
    pub procedures: Vec<String>,
    /// The kind, route and history.
    pub case: Case,
    /// The letters sent, in order (a file from before letters were kept has none).
    #[serde(default)]
    pub letters: Vec<super::letters::Letter>,
    /// The exemptions the response applied, for the yearly statistics (a file answered before
    /// they were kept has none).
    #[serde(default)]
    pub exemptions_applied: Vec<String>,
    /// A complaint's facts (seed 001 paragraphs 40-42).
    #[serde(default)]
    pub complaint: Option<ComplaintFacts>,
    /// How many records the preservation search found when the hold was placed: the count its
    /// hold shows until the requester's identity is verified. Records that join the hold later
    /// (stored after receipt) are not counted then, so the count cannot be matched against
    /// later ingests to tell which records the request is about. `None` in a file written
    /// before it was kept, whose hold shows no count until then.
    #[serde(default)]
    pub preserved: Option<u64>,
}

/// What a complaint is about and how it came.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComplaintFacts {
    /// What it is about: one of `policy::reports::SUBSTANCES`.
    pub substance: String,
    /// The data protection authority it came through, if any (paragraph 40: "to the extent
    /// specifically authorized by the data subject").
    pub through_authority: Option<String>,
}

/// A new request.
#[derive(Debug)]
pub struct NewRequest {
    /// Its kind.
    pub kind: RequestKind,
    /// The requester's name.
    pub requester: String,
    /// The requester's status.
    pub status: RequesterStatus,
    /// A parent or guardian acting for the individual.
    pub representative: Option<String>,
    /// The identifiers given.
    pub identifiers: Vec<Identifier>,
    /// The systems named.
    pub systems: Vec<String>,
    /// The day it was received (default: today).
    pub received: Option<NaiveDate>,
    /// A FOIA request's fee category (default: first party, the individual asking about
    /// themselves).
    pub fee_category: Option<requests::FeeCategory>,
    /// The most the requester agreed to pay, in cents (at least $25, 31 CFR 1.5(b)(7)).
    pub fee_limit_cents: Option<u32>,
    /// A complaint's substance (`policy::reports::SUBSTANCES`).
    pub substance: Option<String>,
    /// The data protection authority a complaint came through.
    pub through_authority: Option<String>,
    /// Whether the data subject's authorization of that authority is on file.
    pub authority_authorized: bool,
}

/// The longest name the request routes take (a requester, a representative, an official, a
/// data protection authority), in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The least fee limit a requester may state, in cents: "not less than $25" (31 CFR
/// 1.5(b)(7)).
pub const MIN_FEE_LIMIT_CENTS: u32 = 2500;

/// Checks a name a request route takes, which letters print: one line of 1 to
/// [`MAX_NAME_CHARS`] characters, not only spaces (the API's document states it as a
/// pattern and a length). 400 otherwise, naming the field, never echoing it.
pub fn check_name(name: &str, field: &str) -> Result<(), Refusal> {
    if vault::is_one_line(name) && name.chars().count() <= MAX_NAME_CHARS {
        Ok(())
    } else {
        Err(Refusal::Invalid(format!(
            "`{field}` is one line of 1 to {MAX_NAME_CHARS} characters, not only spaces"
        )))
    }
}

/// A new request's fields, each by its own form (400): names on one line, a known substance,
/// a fee limit of at least $25 (31 CFR 1.5(b)(7)). The rules that join them come later (422).
fn check_forms(request: &NewRequest) -> Result<(), Refusal> {
    check_name(&request.requester, "requester")?;
    if let Some(representative) = &request.representative {
        check_name(representative, "representative")?;
    }
    if let Some(authority) = &request.through_authority {
        check_name(authority, "through_authority")?;
    }
    if request
        .substance
        .as_deref()
        .is_some_and(|substance| !policy::reports::SUBSTANCES.contains(&substance))
    {
        return Err(Refusal::Invalid(format!(
            "a complaint names its `substance`, one of {}",
            policy::reports::SUBSTANCES.join(", ")
        )));
    }
    if request.identifiers.is_empty() {
        return Err(Refusal::Invalid(
            "a request gives at least one identifier".into(),
        ));
    }
    if request.systems.is_empty() {
        return Err(Refusal::Invalid(
            "a request names at least one system".into(),
        ));
    }
    if request
        .fee_limit_cents
        .is_some_and(|limit| limit < MIN_FEE_LIMIT_CENTS)
    {
        return Err(Refusal::Invalid(format!(
            "a requester's fee limit is not less than $25 (31 CFR 1.5(b)(7)): `fee_limit_cents` at least {MIN_FEE_LIMIT_CENTS}"
        )));
    }
    Ok(())
}

/// A complaint's facts from a new request, checked: it names its substance; one that came
/// through a data protection authority has the data subject's authorization on file (seed 001
/// paragraph 40); other requests take neither (422: rules joining the fields to the kind).
fn complaint_facts(request: &NewRequest) -> Result<Option<ComplaintFacts>, Refusal> {
    if request.kind != RequestKind::Complaint {
        if request.substance.is_some() || request.through_authority.is_some() {
            return Err(Refusal::Unprocessable(
                "`substance` and `through_authority` are a complaint's".into(),
            ));
        }
        return Ok(None);
    }
    let substance = request.substance.as_deref().ok_or_else(|| {
        Refusal::Unprocessable(format!(
            "a complaint names its `substance`, one of {}",
            policy::reports::SUBSTANCES.join(", ")
        ))
    })?;
    let through_authority = match request.through_authority.as_deref().map(str::trim) {
        None => None,
        Some(_) if !request.authority_authorized => {
            return Err(Refusal::Unprocessable(
                "a complaint comes through a data protection authority only \"to the extent specifically authorized by the data subject\" (seed 001 paragraph 40): record that the authorization is on file (`authority_authorized`)".into(),
            ))
        }
        Some(authority) => Some(authority.to_owned()),
    };
    Ok(Some(ComplaintFacts {
        substance: substance.to_owned(),
        through_authority,
    }))
}

/// A case's deadline as shown, with its state on the day asked.
#[derive(Clone, Debug, Serialize)]
pub struct DeadlineView {
    /// The request.
    pub request: String,
    /// The deadline.
    #[serde(flatten)]
    pub deadline: Deadline,
    /// `due`, `overdue`, `met`, `met-late`, `open` or `closed`.
    pub state: &'static str,
}

/// How far ahead `requests due` looks by default, in working days: a delay notice needs time
/// to be written and sent before the answer is due (31 CFR 1.26(g)(1)).
pub const DUE_WITHIN_WORKING_DAYS: u32 = 5;

/// The farthest `requests due` looks ahead (a quarter of a year of working days).
pub const MAX_DUE_WITHIN_WORKING_DAYS: u32 = 65;

/// The purpose code privacy staff declare when they search and read for a request.
pub(super) const PRIVACY_ACT_PURPOSE: &str = "privacy-act-request";

/// A record found for a request.
#[derive(Clone, Debug, Serialize)]
pub struct FoundRecord {
    /// Its system.
    pub system: String,
    /// Its id.
    pub id: String,
    /// Its category.
    pub category: String,
    /// Its retention phase today (`None` past its schedule).
    pub phase: Option<String>,
    /// The exemption from access that covers it, unless waived: its system's claim, or, for
    /// a notice that lists its sources, the claim only if its source gives neither access nor
    /// amendment.
    pub exemption: Option<String>,
    /// Its source (`source.system`), for a notice that lists its sources.
    pub source: Option<String>,
    /// Whom to consult before it goes out (31 CFR 1.26(e), or a waiver of its exemption).
    pub consult: Option<String>,
}

/// What the officer decides for a response package.
#[derive(Debug, Default)]
pub struct ResponseInput {
    /// The records released.
    pub release: Vec<String>,
    /// Exemption claims waived for this request (`552a(j)(2)`...).
    pub waive: Vec<String>,
    /// Sources (a notice's `[[source]]` codes) whose records' exemption is waived for this
    /// request, case by case; a source with an owner needs a consultation answered `release`.
    pub waive_sources: Vec<String>,
    /// Whether the requester showed that information was used to deny a right, privilege or
    /// benefit (lifts a (k)(2) claim, 31 CFR 1.26(g)(6)(ii)(B)).
    pub benefit_denied: bool,
    /// The responsible official's name and title.
    pub official: String,
    /// Pages of copies.
    pub pages: u32,
    /// A FOIA-route request's minutes of search, of review, and the searcher's basic pay per
    /// hour in cents (31 CFR 1.7(g)); charged by the requester's category. Zero on a Privacy
    /// Act request, whose fees are copies only (1.26(g)(2)).
    pub search_minutes: u32,
    /// Minutes of review (commercial requesters only pay them).
    pub review_minutes: u32,
    /// The searcher's basic pay per hour, in cents.
    pub hourly_pay_cents: u32,
}

/// The response package for the individual.
#[derive(Debug)]
pub struct ResponsePackage {
    /// The request.
    pub request: String,
    /// The letter's text.
    pub letter: String,
    /// Its number among the request's letters (sealed in the case file).
    pub letter_number: u32,
    /// Per system named, its answer.
    pub answers: Vec<(String, String)>,
    /// The released records as the individual sees them, with their annotations.
    pub records: Vec<Viewed>,
    /// The accounting of disclosures as the individual may see it.
    pub accounting: Vec<AccountingEntry>,
    /// The fee, in cents.
    pub fee_cents: u32,
    /// Medical or psychological records the official decided go only to a physician the
    /// individual authorized in writing (31 CFR 1.26(g)(3)): the physician and those records.
    pub for_physician: Option<(String, Vec<Viewed>)>,
}

/// Identifiers as stored in a file (`TYPE=VALUE`, a passport `passport=CC:NUMBER`).
fn parse_identifiers(texts: &[String]) -> Result<Vec<Identifier>, Refusal> {
    texts
        .iter()
        .map(|text| {
            let bad = || Refusal::Internal("a request file holds a malformed identifier".into());
            let (kind, value) = text.split_once('=').ok_or_else(bad)?;
            let kind = model::IdentifierKind::from_name(kind).ok_or_else(bad)?;
            Ok(match (kind, value.split_once(':')) {
                (model::IdentifierKind::Passport, Some((country, number))) => {
                    Identifier::passport(number.to_owned(), country.to_owned())
                }
                _ => Identifier::new(kind, value.to_owned()),
            })
        })
        .collect()
}

pub(super) fn text_of(identifier: &Identifier) -> String {
    match &identifier.country {
        Some(country) => format!("{}={country}:{}", identifier.kind.name(), identifier.value),
        None => format!("{}={}", identifier.kind.name(), identifier.value),
    }
}

impl Gate {
    /// Opens a request. Its route comes from the systems' procedures: one request follows one
    /// procedure, so systems under different ones are refused together.
    pub fn open_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        request: NewRequest,
    ) -> Result<RequestFile, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        check_forms(&request)?;
        let mut routes = Vec::new();
        let mut procedures = Vec::new();
        for system in &request.systems {
            let found = self.policy.catalog().system(system).ok_or_else(|| {
                Refusal::Unprocessable(format!(
                    "there is no system of records `{}`",
                    policy::code(system)
                ))
            })?;
            let sorn_procedures = &found.sorn.procedures;
            let first_party = sorn_procedures.first_party.get_ref();
            routes.push(
                requests::route_for(
                    request.kind,
                    request.status,
                    sorn_procedures.privacy_act.get_ref(),
                    first_party,
                )
                .map_err(|reason| Refusal::Unprocessable(format!("{system}: {reason}")))?,
            );
            if request.kind == RequestKind::Complaint && sorn_procedures.complaints.is_none() {
                return Err(Refusal::Unprocessable(format!(
                    "{system}: its notice provides no complaint procedure (complaints are PNR's, seed 001 paragraphs 40-42)"
                )));
            }
            procedures.push(format!(
                "{system}: {} ({})",
                sorn_procedures.privacy_act.get_ref(),
                match request.kind {
                    RequestKind::Rectification => "rectification decided by the owner",
                    RequestKind::Complaint => "complaint to the owner, then on",
                    _ => first_party,
                }
            ));
        }
        routes.dedup();
        let [route] = routes[..] else {
            return Err(Refusal::Unprocessable(
                "these systems follow different procedures (Privacy Act and FOIA): open one request for each".into(),
            ));
        };
        if request.kind == RequestKind::Rectification
            && request.systems.iter().any(|system| system != "cbp-pnr")
        {
            return Err(Refusal::Unprocessable(
                "a rectification request is for PNR (`cbp-pnr`) only; other systems take amendment requests".into(),
            ));
        }
        let complaint = complaint_facts(&request)?;
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let now = self.now();
        let received = request.received.unwrap_or_else(|| now.date_naive());
        if received > now.date_naive() {
            return Err(Refusal::Unprocessable(
                "`received` cannot be in the future".into(),
            ));
        }
        let fees = match route {
            requests::Route::Foia => Some(requests::FeeTerms {
                category: request
                    .fee_category
                    .unwrap_or(requests::FeeCategory::FirstParty),
                limit_cents: request.fee_limit_cents,
            }),
            requests::Route::PrivacyAct => {
                if request.fee_category.is_some() || request.fee_limit_cents.is_some() {
                    return Err(Refusal::Unprocessable(
                        "fee terms are a FOIA request's; this request follows the Privacy Act, whose fees are duplication only (31 CFR 1.26(g)(2))".into(),
                    ));
                }
                None
            }
        };
        let mut file = RequestFile {
            id: String::new(),
            requester: request.requester,
            status: request.status,
            representative: request.representative,
            systems: request.systems,
            identifiers: request.identifiers.iter().map(text_of).collect(),
            procedures,
            case: Case {
                kind: request.kind,
                route,
                representative: false,
                events: vec![Event {
                    kind: EventKind::Received,
                    on: received,
                    by: caller.name().to_owned(),
                    recorded: Some(self.now().date_naive()),
                }],
                fees,
            },
            letters: Vec::new(),
            exemptions_applied: Vec::new(),
            complaint,
            preserved: None,
        };
        file.case.representative = file.representative.is_some();
        // The id is the vault's; the file is sealed with it once known.
        let placeholder = serde_json::to_vec(&file).map_err(|err| Refusal::internal_error(&err))?;
        let id = self
            .vault
            .open_case(&access, &placeholder, &request.identifiers, now)?;
        file.id = id.clone();
        self.save_file(&access, &file, "case.event received")?;
        // From receipt, nothing the request is about is destroyed while it is pending. Should
        // this fail or the process die here, the next retention run places the hold first.
        self.preserve_request(&access, &mut file)?;
        Ok(file)
    }

    /// Places request `file`'s preservation hold: every record of its systems with one of its
    /// identifiers, stored now or later, is kept while the request is pending (31 CFR 1.5(m);
    /// ours for Privacy Act requests). A governance hold released only by
    /// [`Gate::sweep_request_holds`] once the request's last window has passed. Its log entry
    /// names and counts nothing; the file keeps the count found (`preserved`).
    fn preserve_request(&self, access: &Access, file: &mut RequestFile) -> Result<(), Refusal> {
        let identifiers = parse_identifiers(&file.identifiers)?;
        let spec = HoldSpec::new(
            &file.id,
            &format!(
                "preserves what request {} is about while it is pending (31 CFR 1.5(m))",
                file.id
            ),
            HoldPurpose::Request,
            HoldMode::Governance,
        );
        let target = HoldTarget::Subjects {
            identifiers: &identifiers,
            systems: &file.systems,
        };
        let placed = self.vault.place_hold(access, &spec, target, self.now())?;
        // The count found at receipt: a hold placed again later (a pending request found
        // without one) does not refresh it, or it would tell what joined since.
        file.preserved.get_or_insert(placed.records);
        self.save_file(access, file, "case.preserved")
    }

    /// What a listing shows of `hold`'s `records` (its live count): until the requester's
    /// identity is verified, a request's preservation shows the count its search found at
    /// receipt, never a count that moves with later ingests, and never ids; `None` when not
    /// even that may be shown (a file from before the count was kept).
    pub(super) fn hold_count_shown(
        &self,
        access: &Access,
        hold: &Hold,
        records: u64,
    ) -> Result<Option<u64>, Refusal> {
        if !self.preserves_a_request(hold)? {
            return Ok(Some(records));
        }
        let file = self.request_file(access, &hold.spec.reference)?;
        Ok(match requests::may_show_records(&file.case) {
            Ok(()) => Some(records),
            Err(_) => file.preserved,
        })
    }
    /// The active holds that preserve request `id`.
    fn request_holds(&self, id: &str) -> Result<Vec<Hold>, Refusal> {
        Ok(self
            .vault
            .active_holds()?
            .into_iter()
            .filter(|hold| hold.spec.purpose == HoldPurpose::Request && hold.spec.reference == id)
            .collect())
    }

    /// Whether `hold` is the preservation hold of a request in the vault.
    pub(super) fn preserves_a_request(&self, hold: &Hold) -> Result<bool, Refusal> {
        Ok(hold.spec.purpose == HoldPurpose::Request
            && self.vault.case_ids()?.contains(&hold.spec.reference))
    }

    /// Whether the records of `hold` may be named: a request's preservation shows a count
    /// only until the requester's identity (and a representative's relationship) is verified.
    pub(super) fn hold_shows_records(&self, access: &Access, hold: &Hold) -> Result<bool, Refusal> {
        if !self.preserves_a_request(hold)? {
            return Ok(true);
        }
        let file = self.request_file(access, &hold.spec.reference)?;
        Ok(requests::may_show_records(&file.case).is_ok())
    }

    /// Brings every request's preservation up to date on today's date: releases the holds of
    /// requests whose last window has passed (the reason names the last day kept and the rule),
    /// and places the hold of a pending request that has none (one opened before requests were
    /// preserved from receipt, or whose hold was cut off by a crash). Each step is logged by
    /// the vault. Called by retention runs after their clock check, so a clock set forward
    /// releases nothing. Returns one line per step.
    pub(super) fn sweep_request_holds(&self, access: &Access) -> Result<Vec<String>, Refusal> {
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let today = self.now().date_naive();
        let mut steps = Vec::new();
        for id in self.vault.case_ids()? {
            let file = self.request_file(access, &id)?;
            let holds = self.request_holds(&id)?;
            match requests::preservation(&file.case) {
                requests::Preservation::Ends { until, rule } if until < today => {
                    // "the request file will be considered closed" (31 CFR 1.5(a)(1)): the
                    // file says so.
                    let closed = file
                        .case
                        .events
                        .iter()
                        .any(|event| event.kind.name() == "closed");
                    if let (Some(last_day), false) =
                        (requests::unanswered_deficiency(&file.case), closed)
                    {
                        let mut closing = file.clone();
                        closing.case.events.push(Event {
                            kind: EventKind::Closed {
                                reason: format!(
                                    "not amended within 30 days of the deficiency letter ({}); closed by the retention run of {today}",
                                    match file.case.route {
                                        requests::Route::Foia => "31 CFR 1.5(a)(1)",
                                        requests::Route::PrivacyAct => "ours, as 31 CFR 1.5(a)(1) for the FOIA",
                                    }
                                ),
                            },
                            on: file
                                .case
                                .events
                                .last()
                                .map_or(last_day, |last| last.on)
                                .max(last_day.succ_opt().unwrap_or(last_day)),
                            by: access.principal.clone(),
                            recorded: Some(today),
                        });
                        self.save_file(access, &closing, "case.event closed")?;
                        steps.push(format!(
                            "request {id} closed: not amended within 30 days of its deficiency letter"
                        ));
                    }
                    let verified = requests::may_show_records(&file.case).is_ok();
                    for hold in holds {
                        let reason = format!(
                            "request {id} no longer pending: kept through {until}, released on {today} ({rule})"
                        );
                        let released =
                            self.vault
                                .release_hold(access, hold.id, &reason, self.now())?;
                        // Counts only once the requester's identity was verified: before, they
                        // would tell how many records are about the person named.
                        steps.push(if verified {
                            format!(
                                "{} of request {id} released (kept through {until}): {} records returned, {} still held, {} await destruction",
                                hold.label(),
                                released.returned,
                                released.still_held,
                                released.awaiting_destruction
                            )
                        } else {
                            format!(
                                "{} of request {id} released (kept through {until}); the requester's identity was never verified, so it counts nothing",
                                hold.label()
                            )
                        });
                    }
                }
                requests::Preservation::Ends { .. } => {}
                requests::Preservation::Pending if holds.is_empty() => {
                    let mut file = file;
                    self.preserve_request(access, &mut file)?;
                    steps.push(format!("request {id} pending without a hold: preserved"));
                }
                requests::Preservation::Pending => {}
            }
        }
        Ok(steps)
    }

    /// Refuses the early release of a request's preservation by hand while the request is
    /// pending: it ends on its own once the request's last window has passed (31 CFR 1.5(m)).
    pub(super) fn check_request_hold_release(
        &self,
        access: &Access,
        hold: &Hold,
    ) -> Result<(), Refusal> {
        if !self.preserves_a_request(hold)? {
            return Ok(());
        }
        let file = self.request_file(access, &hold.spec.reference)?;
        match requests::preservation(&file.case) {
            requests::Preservation::Ends { until, .. } if until < self.now().date_naive() => {
                Ok(())
            }
            _ => Err(Refusal::Conflict(format!(
                "hold {} preserves request {} while it is pending (31 CFR 1.5(m)); it is released by the first retention run after the request's last window has passed",
                hold.label(),
                hold.spec.reference
            ))),
        }
    }

    /// Records an event in a request's history, after checking it may come now.
    pub fn request_event(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        kind: EventKind,
        on: Option<NaiveDate>,
    ) -> Result<(RequestFile, Vec<Deadline>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let now = self.now();
        let mut file = self.request_file(&access, id)?;
        let event = Event {
            kind,
            on: on.unwrap_or_else(|| now.date_naive()),
            by: caller.name().to_owned(),
            // The server's day, never the caller's: what the clocks count from when an entry is
            // dated earlier than it was made.
            recorded: Some(now.date_naive()),
        };
        if event.on > now.date_naive() {
            return Err(Refusal::Unprocessable(
                "an event cannot be dated in the future".into(),
            ));
        }
        if let EventKind::IdentityVerified {
            method,
            evidence,
            facts,
        } = &event.kind
        {
            // Every system named must accept the method, with the facts it requires.
            let catalog = self.policy.catalog();
            let required: Vec<(&str, &requests::IdentityRequirements)> = file
                .systems
                .iter()
                .filter_map(|system| {
                    catalog
                        .system(system)
                        .map(|found| (system.as_str(), &found.sorn.procedures.identity))
                })
                .collect();
            requests::check_identity(*method, evidence, facts, &required)
                .map_err(Refusal::Unprocessable)?;
        }
        requests::check_event(&file.case, &event).map_err(Refusal::Unprocessable)?;
        let name = event.kind.name();
        file.case.events.push(event);
        self.save_file(&access, &file, &format!("case.event {name}"))?;
        let deadlines = requests::deadlines(&file.case);
        Ok((file, deadlines))
    }

    /// A request's file and its deadlines.
    pub fn show_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<(RequestFile, Vec<Deadline>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let file = self.request_file(&access, id)?;
        let deadlines = requests::deadlines(&file.case);
        Ok((file, deadlines))
    }

    /// What the agency owes soon, soonest first: every deadline of every open request that is
    /// not met and is overdue on `as_of` (default: today) or falls due within `within` working
    /// days (default [`DUE_WITHIN_WORKING_DAYS`]). A determination already given a delay notice
    /// waits for its promised date and shows again only once that has passed; the requester's
    /// own windows are shown with the request, not here.
    pub fn requests_due(
        &self,
        caller: &Caller,
        context: &RequestContext,
        as_of: Option<NaiveDate>,
        within: Option<u32>,
    ) -> Result<Vec<DeadlineView>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let as_of = as_of.unwrap_or_else(|| self.now().date_naive());
        let within = within.unwrap_or(DUE_WITHIN_WORKING_DAYS);
        if within > MAX_DUE_WITHIN_WORKING_DAYS {
            return Err(Refusal::Invalid(format!(
                "`within` is at most {MAX_DUE_WITHIN_WORKING_DAYS} working days"
            )));
        }
        let horizon = policy::calendar::add_working_days(as_of, within)
            .ok_or_else(|| Refusal::Unprocessable("`as_of` is out of range".into()))?;
        let mut due = Vec::new();
        for id in self.vault.case_ids()? {
            let file = self.request_file(&access, &id)?;
            if file
                .case
                .events
                .iter()
                .any(|event| event.kind.name() == "closed")
            {
                continue;
            }
            for deadline in requests::due_soon(&file.case, as_of, horizon) {
                due.push(DeadlineView {
                    request: id.clone(),
                    state: deadline.state(as_of),
                    deadline,
                });
            }
        }
        due.sort_by(|a, b| (a.deadline.due, &a.request).cmp(&(b.deadline.due, &b.request)));
        Ok(due)
    }

    /// Every record of every system found for a request's identifiers, for the officer's
    /// decision: ids, systems, categories and phases (nothing is read), and the exemption
    /// each system claims from access (the ceiling). Systems the officer may not search are
    /// named with the reason. Every lookup is logged under the request's id.
    pub fn request_records(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<(Vec<FoundRecord>, Vec<String>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        let file = self.request_file(&access, id)?;
        if let Err(reason) = requests::may_show_records(&file.case) {
            let denied = Access {
                rule: "identity-not-verified".into(),
                ..access
            };
            self.log_denial(&denied, "requests.records", VAULT_SYSTEM, &reason)?;
            return Err(Refusal::Denied {
                rule: "identity-not-verified".into(),
                reason,
            });
        }
        let identifiers = parse_identifiers(&file.identifiers)?;
        let consultations = self.consultations()?;
        let mut found = Vec::new();
        let mut not_searched = Vec::new();
        let systems: Vec<String> = self
            .policy
            .catalog()
            .systems()
            .iter()
            .map(|system| system.id.clone())
            .collect();
        for system in systems {
            let ids = match self.lookup_for_request(caller, context, id, &system, &identifiers)? {
                Ok(ids) => ids,
                Err(reason) => {
                    not_searched.push(format!("{system}: {reason}"));
                    continue;
                }
            };
            let ceiling =
                self.policy.catalog().system(&system).and_then(
                    |found| match requests::access_answer(&found.sorn.exemptions, &[], false) {
                        requests::SystemAnswer::NeitherConfirmNorDeny { under } => Some(under),
                        requests::SystemAnswer::Records => None,
                    },
                );
            let by_source = self
                .policy
                .catalog()
                .system(&system)
                .is_some_and(|found| !found.sorn.sources.is_empty());
            for record in ids {
                let placement = self.placement(&record)?;
                let mut item = FoundRecord {
                    system: system.clone(),
                    id: record.to_string(),
                    category: placement
                        .as_ref()
                        .map(|p| p.category.clone())
                        .unwrap_or_default(),
                    phase: placement
                        .as_ref()
                        .and_then(|p| p.phase.as_ref())
                        .map(|phase| phase.name.clone()),
                    exemption: ceiling.clone(),
                    source: None,
                    consult: None,
                };
                // A notice that lists its sources exempts record by record: the officer sees
                // each record's source, whether the claim covers it, and whom to consult.
                if let (true, Some(placement)) = (by_source, &placement) {
                    // A read the policy refuses (logged) leaves the source unknown: covered.
                    item.source =
                        match self.read_for_request(caller, context, id, &record, placement) {
                            Ok((read, _)) => read.contents.source_system().map(str::to_owned),
                            Err(Refusal::Denied { .. }) => None,
                            Err(other) => return Err(other),
                        };
                    if let Some(found) = self.policy.catalog().system(&system) {
                        let (access, owner) = Self::source_access(
                            &found.sorn,
                            &record,
                            item.source.as_deref(),
                            &requests::Waivers::default(),
                            &consultations,
                        );
                        match access {
                            Ok(()) => item.exemption = None,
                            Err(requests::Withheld::Exempt { under }) => {
                                item.exemption = Some(under);
                                item.consult = owner;
                            }
                            Err(requests::Withheld::NeedsConsultation { owner, .. }) => {
                                item.exemption = None;
                                item.consult = Some(owner);
                            }
                        }
                    }
                }
                found.push(item);
            }
        }
        Ok((found, not_searched))
    }

    /// The records of `system` the identifiers of request `id` find, each lookup logged under
    /// the request; or why the caller may not search the system.
    fn lookup_for_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        system: &str,
        identifiers: &[Identifier],
    ) -> Result<Result<Vec<RecordId>, String>, Refusal> {
        let request = Request {
            purpose: Some(PRIVACY_ACT_PURPOSE),
            case_id: Some(id),
            ..self.request(caller, Action::RecordSearch, system)
        };
        let decision = self.policy.decide(&request);
        let access = self.access(
            caller,
            context,
            &decision,
            system,
            Some(PRIVACY_ACT_PURPOSE),
            Some(id),
        );
        if !decision.allowed {
            self.log_denial(
                &access,
                Action::RecordSearch.name(),
                system,
                &decision.reason,
            )?;
            return Ok(Err(decision.reason));
        }
        let system_id = SystemId::new(system)?;
        // Records whose index period ended while the request preserved them are found through
        // its own hold's index.
        let own_holds: Vec<u32> = self.request_holds(id)?.iter().map(|hold| hold.id).collect();
        let mut ids = Vec::new();
        for identifier in identifiers {
            let key = SearchKey::Identifier(identifier.clone());
            ids.extend(self.vault.lookup(&access, &system_id, &key, self.now())?);
            if !own_holds.is_empty() {
                for (held, _) in self
                    .vault
                    .lookup_held(&access, &key, &own_holds, self.now())?
                {
                    if self.vault.system_of(&held)? == system_id {
                        ids.push(held);
                    }
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok(Ok(ids))
    }

    /// Every record the request's search finds in `systems` (those the caller may search).
    fn found_for(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        identifiers: &[Identifier],
        systems: &[String],
    ) -> Result<HashSet<RecordId>, Refusal> {
        let mut found = HashSet::new();
        for system in systems {
            if let Ok(ids) = self.lookup_for_request(caller, context, id, system, identifiers)? {
                found.extend(ids);
            }
        }
        Ok(found)
    }

    /// The response package of an access or notification request, once determined: per system
    /// named, a neither-confirm-nor-deny answer (the same words whether or not a record exists)
    /// or the released records in a readable form with their annotations; the accounting as the
    /// individual may see it; the letter's facts; the fee.
    pub fn request_response(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        input: ResponseInput,
    ) -> Result<ResponsePackage, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        // The fields' own forms first (400): the official signs the letter (31 CFR
        // 1.26(g)(4)); a release names records by their ids.
        check_name(&input.official, "official")?;
        for record in &input.release {
            record.parse::<RecordId>()?;
        }
        let file = self.request_file(&access, id)?;
        // Nothing about the requester, the accounting included, before identity is verified
        // (31 CFR 1.26(g)(3), appendix A ¶8): a denial needs no verification, its response does.
        if let Err(reason) = requests::may_show_records(&file.case) {
            let denied = Access {
                rule: "identity-not-verified".into(),
                ..access
            };
            self.log_denial(&denied, "request.response", VAULT_SYSTEM, &reason)?;
            return Err(Refusal::Denied {
                rule: "identity-not-verified".into(),
                reason,
            });
        }
        if !matches!(
            file.case.kind,
            RequestKind::Access | RequestKind::Notification
        ) {
            return Err(Refusal::Unprocessable(
                "a response package answers an access or notification request".into(),
            ));
        }
        let Some((outcome, reasons)) = file.case.events.iter().rev().find_map(|event| match &event
            .kind
        {
            EventKind::Determined { outcome, reasons } => Some((*outcome, reasons.clone())),
            _ => None,
        }) else {
            return Err(Refusal::Unprocessable(
                "record the determination first".into(),
            ));
        };
        if file.case.route == requests::Route::PrivacyAct
            && (
                input.search_minutes,
                input.review_minutes,
                input.hourly_pay_cents,
            ) != (0, 0, 0)
        {
            return Err(Refusal::Unprocessable(
                "search and review are not charged under the Privacy Act, whose fees are copies only (31 CFR 1.26(g)(2)); `search_minutes`, `review_minutes` and `hourly_pay_cents` are a FOIA response's".into(),
            ));
        }
        let catalog = self.policy.catalog();
        let mut answers = Vec::new();
        let mut open_systems = Vec::new();
        let mut portions = Vec::new();
        let waivers = requests::Waivers {
            claims: input.waive.clone(),
            sources: input.waive_sources.clone(),
            benefit_denied: input.benefit_denied,
        };
        for system in &file.systems {
            let found = catalog.system(system).ok_or_else(|| {
                Refusal::internal(format!("request {id} names an unknown system"))
            })?;
            match requests::access_answer(
                &found.sorn.exemptions,
                &input.waive,
                input.benefit_denied,
            ) {
                // A notice that lists its sources exempts only some of its records: the rest
                // go out, and the answer's words are fixed (requests::portions_answer).
                requests::SystemAnswer::NeitherConfirmNorDeny { under }
                    if !found.sorn.sources.is_empty() =>
                {
                    open_systems.push(system.clone());
                    portions.push(system.clone());
                    answers.push((system.clone(), String::new(), Some(under)));
                }
                requests::SystemAnswer::NeitherConfirmNorDeny { under } => {
                    answers.push((
                        system.clone(),
                        requests::neither_confirm_nor_deny(&found.sorn.name),
                        Some(under),
                    ));
                }
                requests::SystemAnswer::Records => {
                    open_systems.push(system.clone());
                    answers.push((system.clone(), String::new(), None));
                }
            }
        }
        let mut for_physician = None;
        // The portion systems of which the search found a record not released: where an
        // exemption was applied, for the statistics (the letter prints the same either way).
        let mut withheld_in: HashSet<String> = HashSet::new();
        let denied = matches!(outcome, requests::Outcome::Denied);
        let released = if matches!(outcome, requests::Outcome::Denied)
            || file.case.kind == RequestKind::Notification
        {
            if !input.release.is_empty() {
                return Err(Refusal::Unprocessable(
                    "a denial or a notification releases no record".into(),
                ));
            }
            Vec::new()
        } else {
            let identifiers = parse_identifiers(&file.identifiers)?;
            // Only what the request's own search finds is about the requester: the lookups
            // (logged under the request) run before anything is read.
            let found = self.found_for(caller, context, id, &identifiers, &open_systems)?;
            // Every id is checked (and a refusal logged) before any record is read.
            let mut chosen = Vec::new();
            for record in &input.release {
                let record_id: RecordId = record.parse()?;
                let placement = self.placement_or_unknown(&record_id)?;
                let refusal = if !open_systems.contains(&placement.system) {
                    Some((
                        "response-system-not-open",
                        format!(
                            "record {record} is not in a system this request may receive records from (not named, or its exemption applies and is not waived)"
                        ),
                    ))
                } else if !found.contains(&record_id) {
                    Some((
                        "response-not-the-requesters",
                        format!(
                            "record {record} is not one the request's search finds for the requester's identifiers"
                        ),
                    ))
                } else {
                    None
                };
                if let Some((rule, reason)) = refusal {
                    let attempt = Attempt {
                        action: "request.response",
                        system: &placement.system,
                        purpose: Some(PRIVACY_ACT_PURPOSE),
                        case_id: Some(id),
                    };
                    // Logged as a denial, answered as the request the case refuses (422).
                    return Err(match self.deny(caller, context, &attempt, rule, &reason) {
                        Refusal::Denied { .. } => Refusal::Unprocessable(reason),
                        log_down => log_down,
                    });
                }
                chosen.push((record_id, placement));
            }
            for record_id in &found {
                if chosen.iter().all(|(id, _)| id != record_id) {
                    let system = self.placement_or_unknown(record_id)?.system;
                    if portions.contains(&system) {
                        withheld_in.insert(system);
                    }
                }
            }
            // Medical or psychological records (the SORN's `medical` categories) go to the
            // physician when the official so decided, and nowhere before the physician's
            // authorization is on file: checked before anything is read.
            let medical = |placement: &Placement| {
                catalog
                    .system(&placement.system)
                    .and_then(|found| found.sorn.category(&placement.category))
                    .is_some_and(|category| category.medical)
            };
            let physician = if chosen.iter().any(|(_, placement)| medical(placement)) {
                requests::medical_recipient(&file.case).map_err(Refusal::Unprocessable)?
            } else {
                None
            };
            // Each record is read (logged under the request), then checked against its
            // source before anything goes out: exempt unless its source gives access or is
            // waived, another agency's only after consultation (requests::record_access).
            let consultations = self.consultations()?;
            let mut read = Vec::with_capacity(chosen.len());
            for (record_id, placement) in &chosen {
                let (record, annotations) =
                    self.read_for_request(caller, context, id, record_id, placement)?;
                let sorn = &catalog
                    .system(&placement.system)
                    .ok_or_else(|| Refusal::Internal("a record of an unknown system".into()))?
                    .sorn;
                let (verdict, _) = Self::source_access(
                    sorn,
                    &record.id,
                    record.contents.source_system(),
                    &waivers,
                    &consultations,
                );
                self.refuse_withheld(caller, context, id, &record.id, placement, verdict)?;
                read.push((record, annotations, placement));
            }
            let mut viewed = Vec::new();
            let mut to_physician = Vec::new();
            for (record, annotations, placement) in read {
                let shared = self.fields_not_for_a_co_party(&record);
                let view = individual_view(record, annotations, &identifiers, &shared);
                if physician.is_some() && medical(placement) {
                    to_physician.push(view);
                } else {
                    viewed.push(view);
                }
            }
            for_physician = physician.map(|name| (name, to_physician));
            viewed
        };
        // Records found: the open systems' count goes in their answer; a closed one's never.
        let released_ids: HashSet<RecordId> = released
            .iter()
            .chain(for_physician.iter().flat_map(|(_, records)| records))
            .map(|viewed| viewed.record.id)
            .collect();
        for (system, text, under) in &mut answers {
            let portion = portions.contains(system);
            if under.is_none() || portion {
                let count = released
                    .iter()
                    .chain(for_physician.iter().flat_map(|(_, records)| records))
                    .filter(|v| v.record.contents.system.as_str() == system)
                    .count();
                let name = catalog
                    .system(system)
                    .map_or(system.as_str(), |found| found.sorn.name.as_str());
                *text = if portion {
                    requests::portions_answer(name, count)
                } else {
                    format!("{name}: {count} records released to you.")
                };
            }
        }
        let mut accounting = Vec::new();
        for identifier in parse_identifiers(&file.identifiers)? {
            // An identifier that is not the requester's alone (a date of birth, an address, a
            // joint account...) may find someone else's disclosures: by it, only those of the
            // records released, which the officer has reviewed as the requester's.
            let shared = !identifier.kind.is_personal();
            let entries = self.accounting_for_individual(
                caller,
                context,
                &SearchKey::Identifier(identifier),
                &released_ids,
            )?;
            // A system exempt by source shows only the disclosures of the records released:
            // the rest would name records it never confirms.
            accounting.extend(entries.into_iter().filter(|entry| {
                open_systems.contains(&entry.system)
                    && (!(shared || portions.contains(&entry.system))
                        || released_ids.contains(&entry.record))
            }));
        }
        accounting.sort_by_key(|entry| entry.disclosed_ms);
        accounting.dedup_by(|a, b| {
            a.record == b.record && a.disclosed_ms == b.disclosed_ms && a.package == b.package
        });
        // A FOIA-route request pays by its category (1.7(a)) for pages, search and review, less
        // any waiver or reduction decided (1.7(d)); a Privacy Act request for copies only.
        let work = requests::Work {
            pages: input.pages,
            search_minutes: input.search_minutes,
            review_minutes: input.review_minutes,
            hourly_pay_cents: input.hourly_pay_cents,
        };
        let fee_cents = match (file.case.route, file.case.fees) {
            (requests::Route::Foia, Some(terms)) => u32::try_from(requests::fee_after_waiver(
                &file.case,
                requests::foia_fee_cents(terms.category, work),
            ))
            .unwrap_or(u32::MAX),
            _ => requests::copy_fee_cents(input.pages),
        };
        let waived = requests::fee_waiver(&file.case)
            .is_some_and(|(outcome, _)| outcome != requests::Outcome::Denied);
        // The letter, from the agency's `determination` template (or the shipped one), with
        // facts that never depend on records the response does not release.
        let mut lines: Vec<String> = answers.iter().map(|(_, text, _)| text.clone()).collect();
        if let Some((physician, records)) = &for_physician {
            lines.push(format!(
                "Of these, {} medical or psychological records are sent to {}, the physician you authorized in writing, not to you directly (31 CFR 1.26(g)(3)).",
                records.len(),
                physician.trim()
            ));
        }
        let answers_under: Vec<(String, String)> = answers
            .iter()
            .filter_map(|(system, _, under)| Some((system.clone(), under.clone()?)))
            .collect();
        let mut exemptions: Vec<String> = answers_under
            .iter()
            .map(|(_, under)| under.clone())
            .collect();
        exemptions.sort();
        exemptions.dedup();
        let foia = file.case.route == requests::Route::Foia;
        let mut facts = self.letter_facts(&file, &input.official);
        facts["route_title"] = serde_json::json!(if foia {
            "Freedom of Information Act"
        } else {
            "Privacy Act"
        });
        facts["outcome"] = serde_json::json!(match outcome {
            requests::Outcome::Granted => "granted",
            requests::Outcome::PartlyGranted => "granted in part",
            requests::Outcome::Denied => "denied",
        });
        facts["reasons"] = serde_json::json!(reasons.trim());
        facts["answers"] = serde_json::json!(lines);
        facts["fee"] = serde_json::json!(if fee_cents == 0 && foia && waived {
            "Fee: none: waived (31 CFR 1.7(d)).".to_owned()
        } else if fee_cents == 0 && foia {
            "Fee: none (31 CFR 1.7(a)).".to_owned()
        } else if foia && waived {
            format!(
                "Fee: {}, after the reduction granted (31 CFR 1.7(d), (g)).",
                crate::templates::dollars(u64::from(fee_cents))
            )
        } else if fee_cents == 0 {
            "Fee: none (copies are free when the total is under $3.00, and the first 100 pages are always free).".to_owned()
        } else if foia {
            format!(
                "Fee: {} (31 CFR 1.7(a), (g)).",
                crate::templates::dollars(u64::from(fee_cents))
            )
        } else {
            format!(
                "Fee: {} for copies beyond the first 100 pages.",
                crate::templates::dollars(u64::from(fee_cents))
            )
        });
        facts["foia"] = serde_json::json!(foia);
        facts["exemptions"] = serde_json::json!(if exemptions.is_empty() {
            "none".to_owned()
        } else {
            exemptions.join(", ")
        });
        let letter = crate::templates::render(&self.agency_templates()?, "determination", &facts)
            .map_err(Refusal::internal)?;
        // Sealed in the case file, as every letter is.
        let sealed = {
            let _one_writer = self
                .case_writes
                .lock()
                .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
            let mut current = self.request_file(&access, id)?;
            // Kept for the yearly statistics by exemption (policy::reports): a system's claim
            // counts where it withheld something (a system closed whole, a denial, or a record
            // its search found and the response did not release), not merely because the
            // letter's fixed paragraph names it.
            let mut applied: Vec<String> = answers_under
                .iter()
                .filter(|(system, _)| {
                    denied || !portions.contains(system) || withheld_in.contains(system)
                })
                .map(|(_, under)| under.clone())
                .collect();
            applied.sort();
            applied.dedup();
            current.exemptions_applied = applied;
            self.seal_letter(&access, &mut current, "determination", letter.clone())?
        };
        Ok(ResponsePackage {
            request: id.to_owned(),
            letter,
            letter_number: sealed.n,
            answers: answers
                .into_iter()
                .map(|(system, text, _)| (system, text))
                .collect(),
            records: released,
            accounting,
            fee_cents,
            for_physician,
        })
    }

    /// Attaches what an amendment or PNR rectification request decided to a record, as an
    /// annotation naming the request (the original stays unchanged): a `correction` once the
    /// request (or its appeal) was granted, a `dispute` once refused, a
    /// `statement-of-disagreement` once the requester filed one. Prior recipients are told as
    /// the system's notice says (PNR: the designated authorities that received it). Returns the
    /// annotation's number and how many notices it queued.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the annotation"
    )]
    pub fn request_annotation(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        record: &str,
        kind: &str,
        portions: &[String],
        text: &str,
    ) -> Result<(u32, usize), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        let record_id: RecordId = record.parse()?;
        // The caller's text by the document's rules (400): not blank, within the characters.
        // The record keeps it after the request's id, and that whole must fit the vault's
        // bytes: a text the document allows that does not is 422.
        let max = privacy::annotations::MAX_ANNOTATION_BYTES;
        if text.trim().is_empty() || text.chars().count() > max {
            return Err(Refusal::Invalid(format!(
                "`text` is 1 to {max} characters, not only spaces"
            )));
        }
        if portions.is_empty()
            || !portions
                .iter()
                .all(|portion| privacy::annotations::check_portion(portion))
        {
            return Err(Refusal::Invalid(
                "`portions` names at least one: `record`, `fields.NAME`, `source.KEY`, `subject.N.name` or `subject.N.IDENTIFIER`".into(),
            ));
        }
        let file = self.request_file(&access, id)?;
        let kept = format!("request {id}: {text}");
        if kept.len() > max {
            return Err(Refusal::Unprocessable(format!(
                "an annotation's text, after the request's id, is at most {max} bytes of UTF-8"
            )));
        }
        if !matches!(
            file.case.kind,
            RequestKind::Amendment | RequestKind::Rectification
        ) {
            return Err(Refusal::Unprocessable(
                "only an amendment or rectification request annotates records".into(),
            ));
        }
        let decided = file
            .case
            .events
            .iter()
            .rev()
            .find_map(|event| match &event.kind {
                EventKind::AppealDetermined { outcome, .. }
                | EventKind::Determined { outcome, .. } => Some(*outcome),
                _ => None,
            });
        let filed = file
            .case
            .events
            .iter()
            .any(|event| event.kind.name() == "disagreement-filed");
        let allowed = match kind {
            "correction" => matches!(
                decided,
                Some(requests::Outcome::Granted | requests::Outcome::PartlyGranted)
            ),
            "dispute" => matches!(
                decided,
                Some(requests::Outcome::Denied | requests::Outcome::PartlyGranted)
            ),
            "statement-of-disagreement" => filed,
            _ => false,
        };
        if !allowed {
            return Err(Refusal::Unprocessable(format!(
                "request {id} has no grounds for a `{}` yet: a correction follows a grant, a dispute a refusal, a statement of disagreement its filing",
                policy::codes::known(kind, &["correction", "dispute", "statement-of-disagreement"])
            )));
        }
        if !file.systems.iter().any(|system| {
            self.vault
                .system_of(&record_id)
                .is_ok_and(|found| found.as_str() == system)
        }) {
            return Err(Refusal::Unprocessable(format!(
                "record {record} is not in a system request {id} names"
            )));
        }
        self.annotate(
            caller,
            context,
            record,
            kind,
            portions,
            &kept,
            Some(PRIVACY_ACT_PURPOSE),
        )
    }

    /// Reads a record for request `id` as its officer (the policy decides; logged under the
    /// request).
    fn read_for_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        record_id: &RecordId,
        placement: &Placement,
    ) -> Result<(Record, Vec<Annotation>), Refusal> {
        let request = Request {
            purpose: Some(PRIVACY_ACT_PURPOSE),
            case_id: Some(id),
            ..self.record_request(caller, Action::RecordRead, placement)
        };
        let (read_access, _) = self.authorize(caller, context, &request)?;
        Ok(self
            .vault
            .read_annotated(&read_access, record_id, self.now())?)
    }

    /// Refuses (422, logged with the rule) a record `verdict` withholds from the individual
    /// (`Gate::source_access`).
    fn refuse_withheld(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        record: &RecordId,
        placement: &Placement,
        verdict: Result<(), requests::Withheld>,
    ) -> Result<(), Refusal> {
        let (rule, reason) = match verdict {
            Ok(()) => return Ok(()),
            Err(requests::Withheld::Exempt { under }) => (
                "response-record-exempt",
                format!(
                    "record {} is exempt from access under {under}: its source gives neither access nor amendment (seed 000); waive its source (`waive_sources`) to release it",
                    record
                ),
            ),
            Err(requests::Withheld::NeedsConsultation { owner, rule }) => (
                "response-needs-consultation",
                format!(
                    "record {} goes to the individual only once {owner} has been consulted and answered `release` (POST /v1/consultations; {rule})",
                    record
                ),
            ),
        };
        let attempt = Attempt {
            action: "request.response",
            system: &placement.system,
            purpose: Some(PRIVACY_ACT_PURPOSE),
            case_id: Some(id),
        };
        Err(match self.deny(caller, context, &attempt, rule, &reason) {
            Refusal::Denied { .. } => Refusal::Unprocessable(reason),
            log_down => log_down,
        })
    }

    /// Seals request `file` in the vault as it now stands, logged as `what`.
    pub(super) fn save_file(
        &self,
        access: &Access,
        file: &RequestFile,
        what: &str,
    ) -> Result<(), Refusal> {
        let sealed = serde_json::to_vec(file).map_err(|err| Refusal::internal_error(&err))?;
        Ok(self
            .vault
            .update_case(access, &file.id, &sealed, what, self.now())?)
    }

    /// Whether record `id` of a system with notice `sorn`, from `source`, may go to the
    /// individual under `waivers`, given the consultations on file (requests::record_access);
    /// with the source's owner, whom a waiver or a release may need consulted.
    fn source_access(
        sorn: &policy::sorn::Sorn,
        id: &RecordId,
        source: Option<&str>,
        waivers: &requests::Waivers,
        consultations: &[super::Consultation],
    ) -> (Result<(), requests::Withheld>, Option<String>) {
        let owner = source
            .and_then(|code| sorn.source(code))
            .and_then(|known| known.owner.clone());
        let consulted = owner
            .as_ref()
            .is_some_and(|owner| super::consultations::released_by(consultations, owner, id));
        (
            requests::record_access(sorn, source, waivers, consulted),
            owner,
        )
    }

    pub(super) fn request_file(&self, access: &Access, id: &str) -> Result<RequestFile, Refusal> {
        let plain = self.vault.read_case(access, id, self.now())?;
        serde_json::from_slice(&plain)
            .map_err(|_| Refusal::internal(format!("request {id}'s file does not parse")))
    }
}

/// A record as the individual who asked for it may see it: of its subjects only those the
/// request's identifiers name (compared in their indexed form, a passport with its country);
/// another party to the record (the other side of a transfer, say) is reduced to its role, and
/// its parts, the fields named for its role (`recipient_address` for a recipient) and the
/// annotations about them are withheld, and so are the fields in `shared` (free text, which
/// may speak of anyone; identifying numbers, sensitive data and contact details that no role
/// prefix ties to the requester) when the record has another party. Provenance is the
/// agency's, not the individual's (`source.transfer_match` names every party): withheld.
fn individual_view(
    record: Record,
    annotations: Vec<Annotation>,
    identifiers: &[model::Identifier],
    shared: &[String],
) -> Viewed {
    let mut record = record;
    let mut withheld = Vec::new();
    let mut others = Vec::new();
    let mut other_roles = Vec::new();
    let mut own_roles = Vec::new();
    let asked: Vec<String> = identifiers
        .iter()
        .map(model::normalize::identifier)
        .collect();
    for (place, subject) in record.contents.subjects.iter_mut().enumerate() {
        let theirs = subject.identifiers.iter().any(|held| {
            identifiers.iter().zip(&asked).any(|(ask, form)| {
                ask.kind == held.kind && *form == model::normalize::identifier(held)
            })
        });
        if theirs {
            own_roles.push(format!("{}_", subject.role));
        } else {
            subject.name = None;
            subject.identifiers.clear();
            others.push(place + 1);
            other_roles.push(format!("{}_", subject.role));
            withheld.push(format!("subject.{}", place + 1));
        }
    }
    if !others.is_empty() {
        let names: Vec<String> = record.contents.fields.keys().cloned().collect();
        for name in names {
            let about_other = other_roles
                .iter()
                .any(|prefix| name.starts_with(prefix.as_str()));
            let own = own_roles
                .iter()
                .any(|prefix| name.starts_with(prefix.as_str()));
            if about_other || (shared.contains(&name) && !own) {
                record.contents.fields.remove(&name);
                withheld.push(name);
            }
        }
    }
    let keys: Vec<String> = std::mem::take(&mut record.contents.source)
        .into_keys()
        .collect();
    withheld.extend(keys.into_iter().map(|key| format!("source.{key}")));
    let mut shown = Vec::new();
    for annotation in annotations {
        let about_others = annotation.portions.iter().any(|portion| {
            portion.starts_with("source.")
                || (portion == "record" && !others.is_empty())
                || portion
                    .strip_prefix("fields.")
                    .is_some_and(|field| withheld.iter().any(|gone| gone == field))
                || others
                    .iter()
                    .any(|place| portion.starts_with(&format!("subject.{place}.")))
        });
        if about_others {
            withheld.push(format!("annotation.{}", annotation.seq));
        } else {
            shown.push(annotation);
        }
    }
    withheld.sort();
    Viewed {
        record,
        withheld,
        annotations: shown,
    }
}

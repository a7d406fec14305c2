//! Privacy Act requests as pure rules: a request's kind and route, its case history, whether an
//! event may happen now, and the deadlines that follow from the history (31 CFR 1.26, 1.27 and,
//! for first-party requests under the FOIA, 1.5), computed on the legal calendar. Nothing here
//! reads the clock or stores anything: the case is an input, `as_of` too.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{add_calendar_days, add_working_days};

/// Every value of the enums below (`T::VARIANTS`) and their names as the API spells them
/// (`<T as VariantNames>::VARIANTS`), derived from the variants so no list can miss one.
pub use strum::{VariantArray, VariantNames};

/// What the individual asks for.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RequestKind {
    /// Whether a system holds a record about them (1.26(a)).
    Notification,
    /// Access to their records (1.26).
    Access,
    /// Amendment of a record (1.27).
    Amendment,
    /// The accounting of disclosures of their records (1.25(c)).
    Accounting,
    /// A PNR data subject's rectification request, decided by CBP (seed 001 paragraphs 39-41).
    Rectification,
    /// A complaint about the handling of the individual's data, directly or through a data
    /// protection authority: answered by CBP, then the DHS Chief Privacy Officer, then on a
    /// data protection authority's referral the DHS Privacy Office (seed 001 paragraphs 40-42).
    Complaint,
}

impl RequestKind {
    /// Every kind, in the order declared.
    pub const ALL: &'static [RequestKind] = <Self as VariantArray>::VARIANTS;

    /// Its name.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.name() == name)
    }
}

/// The procedures that govern a request, from the systems' SORN files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// The Privacy Act procedures of 31 CFR 1.26 and 1.27 (Treasury's, and DHS's analogue).
    PrivacyAct,
    /// A first-party request processed under the FOIA (PNR, seed 001): the clocks of 1.5.
    Foia,
}

impl Route {
    /// The route for a request of `kind` under a system whose SORN says first-party requests go
    /// by `first_party` (`privacy-act` or `foia`).
    pub fn of(kind: RequestKind, first_party: &str) -> Route {
        match (kind, first_party) {
            // Neither is a request under the FOIA; their clocks are CBP's (paragraphs 39-42).
            (RequestKind::Rectification | RequestKind::Complaint, _) => Route::PrivacyAct,
            (_, "foia") => Route::Foia,
            _ => Route::PrivacyAct,
        }
    }
}

/// The route of a request of `kind` from a requester of `status` under a system whose
/// procedures are `privacy_act` (`treasury-31-cfr-1`, `dhs-6-cfr-5`) and whose first-party
/// requests go by `first_party`. The Privacy Act covers citizens and permanent residents; DHS
/// extends its protections to everyone (seed 000), Treasury does not, so another requester's
/// access, notification or accounting request to a Treasury system goes by the FOIA, and an
/// amendment request is refused.
pub fn route_for(
    kind: RequestKind,
    status: RequesterStatus,
    privacy_act: &str,
    first_party: &str,
) -> Result<Route, String> {
    let covered = status != RequesterStatus::Other || privacy_act.starts_with("dhs-");
    match (covered, kind) {
        (true, _) => Ok(Route::of(kind, first_party)),
        (false, RequestKind::Amendment) => Err(
            "the Privacy Act's amendment right covers citizens and permanent residents; this system's procedures do not extend it to others"
                .into(),
        ),
        (false, _) => Ok(Route::Foia),
    }
}

/// The requester's status: DHS extends the Act's protections to all (seed 000), Treasury's
/// systems to citizens and permanent residents.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RequesterStatus {
    /// A United States citizen.
    Citizen,
    /// A lawfully admitted permanent resident.
    PermanentResident,
    /// Anyone else.
    Other,
}

/// How the requester's identity was verified (31 CFR part 1 appendices; ACC-15).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum IdentityMethod {
    /// In person, one official document bearing a photograph.
    InPersonPhoto,
    /// In person, two documents bearing name and signature.
    InPersonTwoDocuments,
    /// By mail: signature, address, and one other identifier.
    Mail,
    /// A notarized statement of identity.
    Notarized,
    /// A statement under penalty of perjury under 28 U.S.C. 1746.
    PerjuryStatement,
}

impl IdentityMethod {
    /// Its name.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The evidence the method needs, with how many of each (31 CFR part 1 appendix A ¶8):
    /// "a single official document bearing a photograph"; "two items of identification which
    /// do not bear a photograph but do bear both a name and signature"; by mail "a signature,
    /// address, and one other identifier"; "a notarized statement"; or a statement under
    /// penalty of perjury (28 U.S.C. 1746) where the system allows it.
    pub fn needs(self) -> &'static [(IdentityEvidence, usize)] {
        match self {
            IdentityMethod::InPersonPhoto => &[(IdentityEvidence::PhotoId, 1)],
            IdentityMethod::InPersonTwoDocuments => {
                &[(IdentityEvidence::NameAndSignatureDocument, 2)]
            }
            IdentityMethod::Mail => &[
                (IdentityEvidence::Signature, 1),
                (IdentityEvidence::Address, 1),
                (IdentityEvidence::IdentifierDocument, 1),
            ],
            IdentityMethod::Notarized => &[(IdentityEvidence::NotarizedStatement, 1)],
            IdentityMethod::PerjuryStatement => &[(IdentityEvidence::PerjuryStatement, 1)],
        }
    }
}

/// A piece of evidence of identity, by kind (never its content: the documents stay in the
/// paper file; the case file records what was seen).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum IdentityEvidence {
    /// An official document bearing a photograph (a passport, an identification badge).
    PhotoId,
    /// A document bearing name and signature but no photograph.
    NameAndSignatureDocument,
    /// The requester's signature.
    Signature,
    /// The requester's address.
    Address,
    /// Another identifier, such as a photocopy of an official document bearing the signature.
    IdentifierDocument,
    /// A notarized statement of identity, acknowledging the penalties of 5 U.S.C. 552a(i)(3).
    NotarizedStatement,
    /// A statement of identity under penalty of perjury (28 U.S.C. 1746).
    PerjuryStatement,
}

impl IdentityEvidence {
    /// Its name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A fact about the requester a system's procedures require with any method.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum IdentityFact {
    /// Full name.
    FullName,
    /// Current address.
    CurrentAddress,
    /// Date of birth.
    DateOfBirth,
    /// Place of birth.
    PlaceOfBirth,
}

impl IdentityFact {
    /// Its name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// How a system's requesters prove who they are: the methods it accepts and the facts it
/// requires with any of them. Read from the SORN file's `[procedures.identity]`; a notice that
/// has none follows 31 CFR part 1 appendix A paragraph 8 ([`IdentityRequirements::default`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRequirements {
    /// The methods accepted.
    pub methods: Vec<IdentityMethod>,
    /// The facts required with any method.
    #[serde(default)]
    pub facts: Vec<IdentityFact>,
    /// Where this comes from.
    pub basis: String,
}

impl Default for IdentityRequirements {
    /// 31 CFR part 1 appendix A paragraph 8: in person, a photo identification or two documents
    /// with name and signature; by mail, signature, address and one other identifier; either
    /// way, a notarized statement. A statement under 28 U.S.C. 1746 only where a notice allows
    /// it.
    fn default() -> Self {
        IdentityRequirements {
            methods: vec![
                IdentityMethod::InPersonPhoto,
                IdentityMethod::InPersonTwoDocuments,
                IdentityMethod::Mail,
                IdentityMethod::Notarized,
            ],
            facts: Vec::new(),
            basis: "31 CFR part 1 appendix A paragraph 8 (the default)".into(),
        }
    }
}

/// Whether a verification by `method` on `evidence`, with the requester having given `facts`,
/// satisfies every system a request names (`systems`: each system's id and requirements); the
/// first shortfall if not, naming the system and its basis.
pub fn check_identity(
    method: IdentityMethod,
    evidence: &[IdentityEvidence],
    facts: &[IdentityFact],
    systems: &[(&str, &IdentityRequirements)],
) -> Result<(), String> {
    for (wanted, count) in method.needs() {
        let seen = evidence.iter().filter(|given| *given == wanted).count();
        if seen < *count {
            return Err(format!(
                "verification by `{}` needs {count} `{}` as evidence (31 CFR part 1 appendix A paragraph 8); {seen} recorded",
                method.name(),
                wanted.name()
            ));
        }
    }
    for (system, required) in systems {
        if !required.methods.contains(&method) {
            let accepted: Vec<&str> = required.methods.iter().map(|m| m.name()).collect();
            return Err(format!(
                "{system} does not accept verification by `{}`; it accepts {} ({})",
                method.name(),
                accepted.join(", "),
                required.basis
            ));
        }
        if let Some(missing) = required.facts.iter().find(|fact| !facts.contains(fact)) {
            return Err(format!(
                "{system} requires the requester's `{}` with any method ({})",
                missing.name(),
                required.basis
            ));
        }
    }
    Ok(())
}

/// What proves a parent's or guardian's authority (31 CFR 1.34).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Relationship {
    /// A birth certificate showing parentage.
    BirthCertificate,
    /// A court order establishing guardianship.
    CourtOrder,
}

/// The unusual circumstances that alone allow a FOIA determination's time to be extended:
/// "(i) The need to search for and collect the requested records from field facilities or
/// other establishments that are separate from the office processing the request; (ii) The
/// need to search for, collect, and appropriately examine a voluminous amount of separate and
/// distinct records ...; or (iii) The need for consultation ... with another agency ... or
/// among two or more bureaus" (31 CFR 1.5(j)(1)).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum UnusualCircumstance {
    /// (i) Records at field facilities or other establishments apart from the processing
    /// office.
    FieldFacilities,
    /// (ii) A voluminous amount of separate and distinct records.
    Voluminous,
    /// (iii) Consultation with another agency or among bureaus.
    Consultation,
}

/// A determination's outcome.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Outcome {
    /// Granted in full.
    Granted,
    /// Granted in part.
    PartlyGranted,
    /// Refused.
    Denied,
}

/// What happened in a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[strum_discriminants(
    name(EventName),
    doc = "An event's kind alone, without its fields: the names the API lists.",
    derive(strum::VariantArray, strum::VariantNames, strum::IntoStaticStr),
    strum(serialize_all = "kebab-case")
)]
pub enum EventKind {
    /// The request arrived (complete or not).
    Received,
    /// A deficiency notice went out listing what is missing; no clock runs until perfected.
    Deficient {
        /// What is missing.
        missing: Vec<String>,
    },
    /// The request became complete: its date of receipt (1.26(f), 1.27(c)).
    Perfected,
    /// The requester's identity was verified (who verified it and when are the event's `by`
    /// and `on`).
    IdentityVerified {
        /// How.
        method: IdentityMethod,
        /// The evidence seen, by kind (a file opened before evidence was recorded has none).
        #[serde(default)]
        evidence: Vec<IdentityEvidence>,
        /// The facts the requester gave that the systems' procedures require.
        #[serde(default)]
        facts: Vec<IdentityFact>,
    },
    /// The responsible official determined that releasing the medical or psychological
    /// records directly could have an adverse effect on the individual: they go only to a
    /// physician the individual authorized in writing (31 CFR 1.26(g)(3)).
    AdverseEffectDetermined {
        /// Why.
        reasons: String,
    },
    /// The individual's written authorization of a physician is on file and the physician's
    /// identity was verified ("upon proper verification of identity", 1.26(g)(3)).
    PhysicianAuthorized {
        /// The physician's name and practice.
        physician: String,
        /// How the physician's identity was verified.
        method: IdentityMethod,
        /// The evidence seen, by kind.
        evidence: Vec<IdentityEvidence>,
    },
    /// A representative's authority was proven.
    RelationshipProven {
        /// By what.
        document: Relationship,
    },
    /// Receipt was acknowledged in writing.
    Acknowledged,
    /// The response is delayed (or, on appeal, the time extended), with a reason and the date
    /// by which it will be dispatched.
    Extended {
        /// Why.
        reason: String,
        /// The new due date.
        until: NaiveDate,
        /// Who approved it: on appeal, the agency head or a delegate (31 CFR 1.27(e)(4)).
        #[serde(default)]
        approved_by: Option<String>,
        /// On a FOIA-route request, the unusual circumstance that allows it (1.5(j)(1)).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        circumstance: Option<UnusualCircumstance>,
    },
    /// The determination was dispatched.
    Determined {
        /// What was decided.
        outcome: Outcome,
        /// Why (required for a refusal).
        reasons: String,
    },
    /// The requester appealed a refusal; `postmarked` is the postmark or hand-delivery date.
    Appealed {
        /// When it was mailed or delivered.
        postmarked: NaiveDate,
    },
    /// The appeal's receipt was acknowledged.
    AppealAcknowledged,
    /// The appeal was decided.
    AppealDetermined {
        /// `granted` reverses the refusal; `denied` upholds it.
        outcome: Outcome,
        /// Why.
        reasons: String,
    },
    /// The requester filed a statement of disagreement.
    DisagreementFiled {
        /// When it was mailed or delivered.
        postmarked: NaiveDate,
    },
    /// An unresolved PNR complaint went on to the DHS Chief Privacy Officer.
    ReferredToChiefPrivacyOfficer,
    /// CBP's Office of Field Operations answered a complaint (seed 001 paragraph 40).
    CbpAnswered {
        /// Whether CBP resolved it.
        resolved: bool,
        /// The answer, as sent.
        answer: String,
    },
    /// The DHS Chief Privacy Officer answered a complaint CBP could not resolve (paragraph 41).
    ChiefPrivacyOfficerAnswered {
        /// Whether it was resolved.
        resolved: bool,
        /// The answer, as sent.
        answer: String,
    },
    /// A data protection authority referred the complaint of a resident it acts for, not
    /// satisfactorily dealt with by CBP or the Privacy Office, to the DHS Privacy Office, which
    /// addresses it on an expedited basis (paragraph 42).
    DpaReferred {
        /// The authority.
        authority: String,
    },
    /// The Privacy Office reported its conclusions to the authority and advised it of the
    /// actions taken, if any (paragraph 42).
    ConclusionsReported {
        /// The conclusions.
        conclusions: String,
        /// The actions taken (`none` if none).
        actions: String,
    },
    /// FOIA: the fees were estimated and the requester told (31 CFR 1.7(e)).
    FeeEstimated {
        /// The estimate, in cents (`foia_fee_cents`).
        cents: u64,
    },
    /// FOIA: the requester agreed in writing to pay the estimate.
    FeeAgreed,
    /// FOIA: the requester paid.
    FeesPaid {
        /// How much, in cents.
        cents: u64,
    },
    /// FOIA: the requester reformulated the request to reduce the fees.
    Reformulated,
    /// FOIA: the requester asked for a waiver or reduction of fees (1.7(d)).
    FeeWaiverRequested,
    /// FOIA: the waiver or reduction was decided ("before processing the request").
    FeeWaiverDetermined {
        /// Granted, granted in part (a reduction) or denied.
        outcome: Outcome,
        /// Why (required for a denial).
        reasons: String,
        /// For a reduction (`partly-granted`), the percentage of the fee taken off (1 to 99).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reduced_percent: Option<u8>,
    },
    /// FOIA: the requester asked for expedited processing (1.5(e)); `dated` is the request's
    /// date, the event's day its receipt.
    ExpeditedRequested {
        /// The date of the request for expedited processing.
        dated: NaiveDate,
    },
    /// FOIA: expedited processing was granted or denied, and the requester notified.
    ExpeditedDetermined {
        /// Whether granted.
        granted: bool,
    },
    /// FOIA: a letter transmitting records released (the appeal window runs from the last,
    /// 1.5(i)(1)(ii)).
    RecordsReleased,
    /// The case is closed.
    Closed {
        /// Why.
        reason: String,
    },
}

impl EventKind {
    /// The event's name (its `kind`).
    pub fn name(&self) -> &'static str {
        EventName::from(self).into()
    }
}

/// One event of a case history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The day it happened (the agency's stamp, the date its letter bears).
    pub on: NaiveDate,
    /// Who recorded it.
    pub by: String,
    /// The day the vault recorded it (the server's date, never the caller's). A file written
    /// before this was kept has none, and its events count from `on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<NaiveDate>,
}

impl Event {
    /// The day this event counts from when it stops one of the agency's clocks (a
    /// determination, an acknowledgment, a delay or deficiency notice) or opens one of the
    /// requester's windows (a refusal, a release letter): the later of the day it is dated and
    /// the day it was recorded. A letter may be entered after it went out, but a late entry
    /// neither meets a deadline that had already passed nor shortens a window the requester
    /// has (31 CFR 1.26(g)(1), 1.27(e)(1), 1.5(i)).
    pub fn counted(&self) -> NaiveDate {
        self.recorded
            .map_or(self.on, |recorded| recorded.max(self.on))
    }
}

/// A request and its history: what [`deadlines`] and [`check_event`] work on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its kind.
    pub kind: RequestKind,
    /// Its route.
    pub route: Route,
    /// Whether a representative (a parent or guardian) acts for the individual.
    pub representative: bool,
    /// The history, in order.
    pub events: Vec<Event>,
    /// A FOIA-route request's fee terms (a file opened before they were kept has none: a
    /// first-party requester with no stated limit).
    #[serde(default)]
    pub fees: Option<FeeTerms>,
}

/// Who pays what under the FOIA (31 CFR 1.5(b)(2), 1.7(a)).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum FeeCategory {
    /// A person asking for records about themselves: duplication only, after the first 100
    /// pages (1.7(a)(4)).
    FirstParty,
    /// Commercial use: search, review and duplication in full (1.7(a)(1)).
    Commercial,
    /// An educational or non-commercial scientific institution: duplication after the first
    /// 100 pages (1.7(a)(2)).
    EducationalOrScientific,
    /// A representative of the news media: duplication after the first 100 pages (1.7(a)(2)).
    NewsMedia,
    /// Everyone else: search after the first two hours and duplication after the first 100
    /// pages (1.7(a)(3)).
    Other,
}

/// A FOIA request's fee terms: its requester's category and the limit the requester agreed
/// to pay (1.5(b)(7): "not less than $25").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeTerms {
    /// The requester's category.
    pub category: FeeCategory,
    /// The most the requester agreed to pay, in cents, if stated.
    pub limit_cents: Option<u32>,
}

/// The work a FOIA request takes, for its fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Pages duplicated.
    pub pages: u32,
    /// Minutes of search.
    pub search_minutes: u32,
    /// Minutes of review (charged to commercial requesters only).
    pub review_minutes: u32,
    /// The searcher's basic pay per hour, in cents (the rate adds 16 percent, 1.7(g)).
    pub hourly_pay_cents: u32,
}

/// The fee of a FOIA request in cents: duplication at $0.20 a page (1.7(g)(1)(i)); search and
/// review at the salary rate, "basic pay plus 16 percent" (1.7(g)); by category (1.7(a)):
/// commercial requesters pay search, review and every page; educational, scientific and news
/// media requesters, and the individual asking for records about themselves, pay duplication
/// after the first 100 pages; everyone else pays search after the first two hours and
/// duplication after the first 100 pages.
pub fn foia_fee_cents(category: FeeCategory, work: Work) -> u64 {
    let rate = u64::from(work.hourly_pay_cents) * 116 / 100;
    let time = |minutes: u32| (u64::from(minutes) * rate).div_ceil(60);
    let pages = |free: u32| u64::from(work.pages.saturating_sub(free)) * 20;
    match category {
        FeeCategory::Commercial => time(work.search_minutes) + time(work.review_minutes) + pages(0),
        FeeCategory::FirstParty | FeeCategory::EducationalOrScientific | FeeCategory::NewsMedia => {
            pages(100)
        }
        FeeCategory::Other => time(work.search_minutes.saturating_sub(120)) + pages(100),
    }
}

/// The case's last fee waiver decision (1.7(d)): its outcome and, for a reduction, the
/// percentage taken off.
pub fn fee_waiver(case: &Case) -> Option<(Outcome, Option<u8>)> {
    case.events
        .iter()
        .rev()
        .find_map(|event| match &event.kind {
            EventKind::FeeWaiverDetermined {
                outcome,
                reduced_percent,
                ..
            } => Some((*outcome, *reduced_percent)),
            _ => None,
        })
}

/// `fee_cents` after the case's fee waiver or reduction, if one was decided (1.7(d)): all of
/// it for a waiver granted, the stated percentage off for a reduction, nothing for a denial.
pub fn fee_after_waiver(case: &Case, fee_cents: u64) -> u64 {
    match fee_waiver(case) {
        Some((Outcome::Granted, _)) => 0,
        Some((Outcome::PartlyGranted, Some(percent))) => {
            fee_cents - fee_cents * u64::from(percent.min(100)) / 100
        }
        _ => fee_cents,
    }
}

/// What an estimate of fees requires before the request is processed (31 CFR 1.7(e)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeStep {
    /// Nothing: within the requester's limit, or $250 or less with no limit stated.
    Proceed,
    /// "When the fees ... are estimated to exceed the limit set by the requester, and that
    /// amount is less than $250, the requester shall be notified ... must provide an agreement
    /// to pay ... [or] reformulate the request" (1.7(e)(1)).
    Agreement,
    /// "If the requester has failed to state a limit and the costs are estimated to exceed
    /// $250.00, the requester ... must pre-pay" (1.7(e)(2)); ours: also over a stated limit
    /// when the estimate is $250 or more.
    Prepayment,
}

/// What an estimate of `estimate_cents` requires under the requester's `limit_cents`.
pub fn fee_step(estimate_cents: u64, limit_cents: Option<u32>) -> FeeStep {
    match limit_cents {
        Some(limit) if estimate_cents > u64::from(limit) => {
            if estimate_cents < 25_000 {
                FeeStep::Agreement
            } else {
                FeeStep::Prepayment
            }
        }
        None if estimate_cents > 25_000 => FeeStep::Prepayment,
        _ => FeeStep::Proceed,
    }
}

/// The day a FOIA request's 20 working days start from: its date of receipt, or, after an
/// estimate that needs the requester's agreement or prepayment, "only after fees have been
/// paid, a written agreement to pay fees has been provided, or a request has been
/// reformulated" (1.7(e)(3)); `None` while that is awaited.
pub fn foia_clock_start(case: &Case) -> Option<NaiveDate> {
    let receipt = date_of_receipt(case)?;
    let limit = case.fees.and_then(|terms| terms.limit_cents);
    // The last estimate that needs the requester's answer, by its place in the history: only
    // an answer recorded after it restarts the clock (an agreement to an earlier estimate,
    // whatever its date, does not answer a later one).
    // A revised estimate within what the requester agreed to pay ends any wait: the clock runs
    // again from it.
    let answer_after = |at: usize, until: usize| {
        case.events[at + 1..until]
            .iter()
            .find(|event| {
                matches!(
                    event.kind,
                    EventKind::FeeAgreed | EventKind::FeesPaid { .. } | EventKind::Reformulated
                )
            })
            .map(|event| event.on.max(receipt))
    };
    let waits = |event: &Event| matches!(event.kind, EventKind::FeeEstimated { cents } if fee_step(cents, limit) != FeeStep::Proceed);
    let Some(waiting) = case.events.iter().rposition(waits) else {
        return Some(receipt);
    };
    // The first answer to it, or the first revision after it (within the limit, since it is the
    // last estimate that waits): later revisions do not restart the clock again.
    let revised = case.events[waiting + 1..]
        .iter()
        .find(|event| matches!(event.kind, EventKind::FeeEstimated { .. }))
        .map(|event| event.on.max(receipt));
    match (answer_after(waiting, case.events.len()), revised) {
        (Some(answer), Some(revision)) => Some(answer.min(revision)),
        (answer, revision) => answer.or(revision),
    }
}

/// Working days the DHS Privacy Office takes to report its conclusions on a complaint a data
/// protection authority referred (ours: paragraph 42 says "on an expedited basis").
pub const COMPLAINT_EXPEDITED_WORKING_DAYS: u32 = 10;

/// A deadline and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// What is due (`determination`, `acknowledgment`, `appeal-decision`...).
    pub what: &'static str,
    /// By when (inclusive).
    pub due: NaiveDate,
    /// The rule.
    pub rule: &'static str,
    /// When it was met, if it was.
    pub met_on: Option<NaiveDate>,
    /// Whether it is the requester's window (an appeal or a statement), not the agency's.
    pub requester: bool,
}

impl Deadline {
    /// `met`, `met-late`, `due`, `overdue`, or for a requester's window `open` or `closed`.
    pub fn state(&self, as_of: NaiveDate) -> &'static str {
        match (self.requester, self.met_on) {
            (true, _) if as_of <= self.due => "open",
            (true, _) => "closed",
            (false, Some(on)) if on <= self.due => "met",
            (false, Some(_)) => "met-late",
            (false, None) if as_of <= self.due => "due",
            (false, None) => "overdue",
        }
    }
}

fn last<'a>(case: &'a Case, name: &str) -> Option<&'a Event> {
    case.events
        .iter()
        .rev()
        .find(|event| event.kind.name() == name)
}

/// The position in the history of the last event named `name`.
fn last_position(case: &Case, name: &str) -> Option<usize> {
    case.events
        .iter()
        .rposition(|event| event.kind.name() == name)
}

fn first_after<'a>(case: &'a Case, name: &str, after: NaiveDate) -> Option<&'a Event> {
    case.events
        .iter()
        .find(|event| event.kind.name() == name && event.on >= after)
}

/// The date of receipt: the day the request became complete (the `perfected` event if a
/// deficiency notice went out, otherwise the day it was received). `None` while incomplete.
pub fn date_of_receipt(case: &Case) -> Option<NaiveDate> {
    let received = last(case, "received")?.on;
    let Some(deficient) = last_position(case, "deficient") else {
        return Some(received);
    };
    // Complete only once perfected after its last deficiency letter.
    match last_position(case, "perfected") {
        Some(perfected) if perfected > deficient => Some(case.events[perfected].on.max(received)),
        _ => None,
    }
}

/// The refusal a statement of disagreement or an appeal answers: the last refusal, if the case
/// has one.
fn refusal(case: &Case, appeal: bool) -> Option<&Event> {
    case.events.iter().rev().find(|event| match &event.kind {
        EventKind::Determined {
            outcome: Outcome::Denied | Outcome::PartlyGranted,
            ..
        } => !appeal,
        EventKind::AppealDetermined {
            outcome: Outcome::Denied,
            ..
        } => appeal,
        _ => false,
    })
}

/// The stage of a case an extension recorded at position `at` of its history delays.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The determination (no appeal recorded before it).
    Determination,
    /// An appeal's decision (recorded after the first appeal).
    AppealDecision,
}

fn stage_of(case: &Case, at: usize) -> Stage {
    let appealed = case
        .events
        .iter()
        .position(|event| matches!(event.kind, EventKind::Appealed { .. }));
    match appealed {
        Some(appeal) if at > appeal => Stage::AppealDecision,
        _ => Stage::Determination,
    }
}

/// Every deadline of a case, in the order they arise: the agency's (determination,
/// acknowledgment, appeal acknowledgment and decision) and the requester's windows (appeal,
/// statement of disagreement). None runs before the date of receipt.
pub fn deadlines(case: &Case) -> Vec<Deadline> {
    let mut out = Vec::new();
    let Some(receipt) = date_of_receipt(case) else {
        return out;
    };
    let determined = first_after(case, "determined", receipt).map(Event::counted);
    // An extension before the determination moves its due date (1.26(g)(1); 1.5(j)).
    // An extension belongs to the stage it was recorded in, by its place in the history (before
    // the first appeal: the determination's; after it: the appeal's decision), never by the
    // date it bears, which a caller chooses.
    let extended = |stage: Stage| {
        case.events
            .iter()
            .enumerate()
            .rev()
            .find_map(|(at, event)| match &event.kind {
                EventKind::Extended { until, .. } if stage_of(case, at) == stage => Some(*until),
                _ => None,
            })
    };
    let push = |out: &mut Vec<Deadline>, what, due: Option<NaiveDate>, rule, met_on, requester| {
        if let Some(due) = due {
            out.push(Deadline {
                what,
                due,
                rule,
                met_on,
                requester,
            });
        }
    };
    match (case.kind, case.route) {
        (RequestKind::Complaint, _) => {
            // The seed sets no time for CBP's or the Chief Privacy Officer's answer; a referral
            // by a data protection authority is "on an expedited basis" (paragraph 42).
            if let Some(referred) = last(case, "dpa-referred") {
                push(
                    &mut out,
                    "dpa-conclusions",
                    add_working_days(referred.on, COMPLAINT_EXPEDITED_WORKING_DAYS),
                    "seed 001 paragraph 42: addressed on an expedited basis; ours: conclusions to the authority within 10 working days",
                    last(case, "conclusions-reported").map(Event::counted),
                    false,
                );
            }
            return out;
        }
        (RequestKind::Amendment, Route::PrivacyAct) | (RequestKind::Rectification, _) => {
            let acknowledged = first_after(case, "acknowledged", receipt).map(Event::counted);
            let ack_due = add_working_days(receipt, 10);
            // A determination dispatched within the 10 days is its own acknowledgment.
            let ack_met = acknowledged.or(determined.filter(|on| ack_due.is_some_and(|due| *on <= due)));
            push(
                &mut out,
                "acknowledgment",
                ack_due,
                if case.kind == RequestKind::Rectification {
                    "ours: PNR rectification requests acknowledged like amendments (31 CFR 1.27(d)(1))"
                } else {
                    "31 CFR 1.27(d)(1): acknowledge within 10 working days"
                },
                ack_met,
                false,
            );
            push(
                &mut out,
                "determination",
                extended(Stage::Determination).or_else(|| add_working_days(receipt, 30)),
                "31 CFR 1.27(d)(2): decide promptly; ours: 30 working days, as the IRS appendix",
                determined,
                false,
            );
        }
        (_, Route::PrivacyAct) => push(
            &mut out,
            "determination",
            extended(Stage::Determination).or_else(|| add_working_days(receipt, 30)),
            "31 CFR 1.26(g)(1): within 30 days excluding Saturdays, Sundays and legal public holidays",
            determined,
            false,
        ),
        (_, Route::Foia) => {
            // No clock while an estimate awaits agreement, payment or reformulation.
            let base = foia_clock_start(case).and_then(|start| add_working_days(start, 20));
            // Extensions total at most 10 working days (1.5(j)(2)).
            let cap = base.and_then(|base| add_working_days(base, 10));
            let due = extended(Stage::Determination)
                .map(|until| cap.map_or(until, |cap| until.min(cap)))
                .or(base);
            push(
                &mut out,
                "determination",
                due,
                "31 CFR 1.5(h)(1): within 20 working days; extensions at most 10 more (1.5(j))",
                determined,
                false,
            );
        }
    }
    if case.route == Route::Foia {
        foia_side_deadlines(case, &mut out);
    }
    // After a refusal: the requester's appeal window, then the appeal's clocks.
    let refused = refusal(case, false);
    if let Some(refused) = refused {
        let window = match case.route {
            Route::PrivacyAct => {
                "31 CFR 1.27(e)(1): appeal mailed or delivered within 35 days of the refusal"
            }
            Route::Foia => "31 CFR 1.5(i)(1)(ii): appeal within 35 days of the initial determination or the letter transmitting the last records released, whichever is later",
        };
        if matches!(case.kind, RequestKind::Amendment) || case.route == Route::Foia {
            push(
                &mut out,
                "appeal-window",
                appeal_window_closes(case, refused),
                window,
                None,
                true,
            );
        }
        if let Some(appeal) = first_after(case, "appealed", refused.on) {
            let decided = first_after(case, "appeal-determined", appeal.on).map(Event::counted);
            let (ack, decision, decision_rule) = match case.route {
                Route::PrivacyAct => (
                    add_working_days(appeal.on, 10),
                    add_working_days(appeal.on, 30),
                    "31 CFR 1.27(e)(4): decide within 30 working days unless the agency head or a delegate extends it",
                ),
                Route::Foia => (
                    None,
                    add_working_days(appeal.on, 20),
                    "31 CFR 1.5(i): decide the appeal within 20 working days",
                ),
            };
            let acknowledged =
                first_after(case, "appeal-acknowledged", appeal.on).map(Event::counted);
            push(
                &mut out,
                "appeal-acknowledgment",
                ack,
                "31 CFR 1.27(e)(3): acknowledge within 10 working days unless decided within them",
                acknowledged.or(decided.filter(|on| ack.is_some_and(|due| *on <= due))),
                false,
            );
            push(
                &mut out,
                "appeal-decision",
                // A FOIA appeal's extensions total at most 10 working days too (1.5(j)(2)).
                match (case.route, extended(Stage::AppealDecision)) {
                    (Route::Foia, Some(until)) => Some(
                        decision
                            .and_then(|due| add_working_days(due, 10))
                            .map_or(until, |cap| until.min(cap)),
                    ),
                    (_, until) => until.or(decision),
                },
                decision_rule,
                decided,
                false,
            );
        }
    }
    if let Some(final_refusal) = refusal(case, true) {
        push(
            &mut out,
            "statement-of-disagreement-window",
            add_calendar_days(final_refusal.counted(), 35),
            "31 CFR 1.27(e)(4): a statement of disagreement within 35 days of the final refusal",
            first_after(case, "disagreement-filed", final_refusal.on).map(|event| event.on),
            true,
        );
    }
    out
}

/// The agency's deadlines of `case` that need action by `horizon`: not met, and overdue on
/// `as_of` or due by `horizon`. A determination (or an appeal's decision) already given a delay
/// notice is left out until its promised date has passed: the notice was sent in time, and a
/// second one is still possible before that date. The requester's windows are not the
/// agency's to act on.
pub fn due_soon(case: &Case, as_of: NaiveDate, horizon: NaiveDate) -> Vec<Deadline> {
    let extended_stages: Vec<&'static str> = case
        .events
        .iter()
        .enumerate()
        .filter(|(_, event)| event.kind.name() == "extended")
        .map(|(at, _)| match stage_of(case, at) {
            Stage::AppealDecision => "appeal-decision",
            Stage::Determination => "determination",
        })
        .collect();
    deadlines(case)
        .into_iter()
        .filter(|deadline| !deadline.requester && deadline.met_on.is_none())
        .filter(|deadline| {
            let overdue = deadline.due < as_of;
            let delayed = extended_stages.contains(&deadline.what);
            overdue || (deadline.due <= horizon && !delayed)
        })
        .collect()
}

/// How long a request keeps what it is about from destruction: "Under no circumstances shall
/// records be destroyed while they are the subject of a pending request, appeal, or lawsuit
/// under the FOIA" (31 CFR 1.5(m)); Privacy Act requests are kept the same way by our policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preservation {
    /// The request, or an appeal or an appeal window, is pending: keep.
    Pending,
    /// Kept through `until` (inclusive), released from the day after.
    Ends {
        /// The last day kept.
        until: NaiveDate,
        /// Why it ends then.
        rule: &'static str,
    },
}

/// For a request never made complete, the last of the 30 days after its deficiency letter:
/// "If a requester does not respond within 30 days to a communication from a bureau to amend
/// the request ..., the request file will be considered closed" (31 CFR 1.5(a)(1)). `None`
/// once perfected, or if no deficiency letter went out.
pub fn unanswered_deficiency(case: &Case) -> Option<NaiveDate> {
    if date_of_receipt(case).is_some() {
        return None;
    }
    last(case, "deficient").and_then(|event| add_calendar_days(event.counted(), 30))
}

/// How long `case` keeps what it is about. A request never perfected closes 30 days after its
/// deficiency letter (31 CFR 1.5(a)(1)). Once determined, it keeps until the requester's
/// administrative appeal window has passed: 35 days after a FOIA determination (1.5(i)) or
/// an amendment's refusal (1.27(e)(1)); a Privacy Act access or notification refusal has none,
/// so it ends with the refusal, and a grant keeps until the case is closed (the records are
/// furnished). An appeal keeps until it is decided, and an appeal that upholds an amendment's
/// refusal keeps through the 35 days for a statement of disagreement, which is filed with the
/// record (1.27(e)(4)), as does a refused PNR rectification. A case closed without a
/// determination (withdrawn) ends on the day it closed, and closing never cuts a window short.
/// A lawsuit is a litigation hold of its own, placed by a records officer.
pub fn preservation(case: &Case) -> Preservation {
    let closed = last(case, "closed").map(|event| event.on);
    let ends = |until: NaiveDate, rule: &'static str| Preservation::Ends {
        until: closed.map_or(until, |on| on.max(until)),
        rule,
    };
    let Some(receipt) = date_of_receipt(case) else {
        // Never perfected (or not even received): the deficiency letter's 30 days.
        return match (unanswered_deficiency(case), closed) {
            (_, Some(on)) => Preservation::Ends {
                until: on,
                rule: "ours: a request closed before it was complete",
            },
            (Some(until), None) => Preservation::Ends {
                until,
                rule: match case.route {
                    Route::Foia => "31 CFR 1.5(a)(1): a request not amended within 30 days of the deficiency letter is closed",
                    // 1.5(a)(1) is the FOIA's; the Privacy Act rules set no such time.
                    Route::PrivacyAct => "ours, as 31 CFR 1.5(a)(1) for the FOIA: a request not amended within 30 days of the deficiency letter is closed",
                },
            },
            (None, None) => Preservation::Pending,
        };
    };
    if let Some(appeal) = first_after(case, "appealed", receipt) {
        let Some(decided) = first_after(case, "appeal-determined", appeal.on) else {
            return Preservation::Pending;
        };
        let upheld = matches!(
            decided.kind,
            EventKind::AppealDetermined {
                outcome: Outcome::Denied,
                ..
            }
        );
        if upheld && case.kind == RequestKind::Amendment {
            if let Some(until) = add_calendar_days(decided.counted(), 35) {
                return ends(
                    until,
                    "ours: kept through the 35 days for a statement of disagreement, filed with the record (31 CFR 1.27(e)(4))",
                );
            }
        }
        return ends(
            decided.counted(),
            "31 CFR 1.5(m): the appeal was decided; a lawsuit is a litigation hold of its own",
        );
    }
    let Some(determined) = first_after(case, "determined", receipt) else {
        return closed.map_or(Preservation::Pending, |on| Preservation::Ends {
            until: on,
            rule: "ours: the request was closed without a determination",
        });
    };
    let EventKind::Determined { outcome, .. } = &determined.kind else {
        return Preservation::Pending;
    };
    let refused = matches!(outcome, Outcome::Denied | Outcome::PartlyGranted);
    let window = add_calendar_days(determined.counted(), 35);
    match (case.route, case.kind, refused, window) {
        (Route::Foia, _, true, Some(_)) => match appeal_window_closes(case, determined) {
            Some(until) => ends(
                until,
                "31 CFR 1.5(i)(1)(ii): kept until the 35 days to appeal have passed, from the determination or the last letter releasing records",
            ),
            None => Preservation::Pending,
        },
        (Route::PrivacyAct, RequestKind::Amendment, true, Some(until)) => ends(
            until,
            "31 CFR 1.27(e)(1): kept until the 35 days to appeal the refusal have passed",
        ),
        (Route::PrivacyAct, RequestKind::Rectification, true, Some(until)) => ends(
            until,
            "ours: kept through the 35 days for a statement of disagreement with a refused rectification",
        ),
        (Route::PrivacyAct, RequestKind::Access | RequestKind::Notification, true, _)
            if *outcome == Outcome::Denied =>
        {
            ends(
                determined.counted(),
                "31 CFR 1.26: a Privacy Act access refusal has no administrative appeal",
            )
        }
        _ => closed.map_or(Preservation::Pending, |on| Preservation::Ends {
            until: on,
            rule: "ours: kept until the case is closed (the records furnished)",
        }),
    }
}

/// The last day to appeal a refusal of `refused`: 35 days after it, or for a FOIA request
/// after "the date of the initial determination or the date of the letter transmitting the
/// last records released, whichever is later" (31 CFR 1.5(i)(1)(ii)).
fn appeal_window_closes(case: &Case, refused: &Event) -> Option<NaiveDate> {
    let from = match case.route {
        Route::PrivacyAct => refused.counted(),
        Route::Foia => first_after(case, "records-released", refused.on)
            .and(last(case, "records-released"))
            .map_or(refused.counted(), |letter| {
                letter.counted().max(refused.counted())
            }),
    };
    add_calendar_days(from, 35)
}

/// A FOIA request's clocks besides its determination: the decision on expedited processing
/// and the window to appeal its denial (1.5(e)(4), (5)), and the window to appeal a fee
/// waiver's denial (1.5(i)(1)(C), 35 days).
fn foia_side_deadlines(case: &Case, out: &mut Vec<Deadline>) {
    if let Some(asked) = last(case, "expedited-requested") {
        if let EventKind::ExpeditedRequested { dated } = asked.kind {
            let due = add_calendar_days(dated, 10)
                .zip(add_working_days(asked.on, 5))
                .map(|(calendar, working)| calendar.max(working));
            let decided = first_after(case, "expedited-determined", asked.on);
            if let Some(due) = due {
                out.push(Deadline {
                    what: "expedited-decision",
                    due,
                    rule: "31 CFR 1.5(e)(4): within 10 calendar days of the date of the request, never fewer than 5 working days from its receipt",
                    met_on: decided.map(Event::counted),
                    requester: false,
                });
            }
            if let Some(denied) = decided.filter(|event| {
                matches!(
                    event.kind,
                    EventKind::ExpeditedDetermined { granted: false }
                )
            }) {
                if let Some(due) = add_calendar_days(denied.counted(), 10) {
                    out.push(Deadline {
                        what: "expedited-appeal-window",
                        due,
                        rule: "31 CFR 1.5(e)(5): an appeal of the denial within 10 calendar days of its letter",
                        met_on: None,
                        requester: true,
                    });
                }
            }
        }
    }
    let waiver_denied = case
        .events
        .iter()
        .rev()
        .find_map(|event| match &event.kind {
            EventKind::FeeWaiverDetermined {
                outcome: Outcome::Denied | Outcome::PartlyGranted,
                ..
            } => Some(event.counted()),
            _ => None,
        });
    if let Some(due) = waiver_denied.and_then(|on| add_calendar_days(on, 35)) {
        out.push(Deadline {
            what: "fee-waiver-appeal-window",
            due,
            rule: "31 CFR 1.5(i)(1)(C), 1.7(d): an appeal of a fee waiver's denial within 35 days",
            met_on: None,
            requester: true,
        });
    }
}

/// Whether what a request is about may be shown to the officer yet: nothing about the
/// requester is listed or searched for before the requester's identity is verified (31 CFR
/// part 1 appendix A paragraph 8; 1.26(g)(3)), nor, for a representative, before the
/// relationship is proven (1.34). The reason if not.
pub fn may_show_records(case: &Case) -> Result<(), String> {
    if last(case, "identity-verified").is_none() {
        return Err("nothing about the requester is listed or searched for before the requester's identity is verified (31 CFR part 1 appendix A paragraph 8)".into());
    }
    if case.representative && last(case, "relationship-proven").is_none() {
        return Err("nothing about the individual is listed or searched for a representative before the relationship is proven (31 CFR 1.34)".into());
    }
    Ok(())
}

/// How a refusal names an event's dates: the day it is dated, and the day it was recorded if
/// later.
fn stamped(event: &Event) -> String {
    match event.recorded {
        Some(recorded) if recorded > event.on => {
            format!("is dated {} and was recorded on {recorded}", event.on)
        }
        _ => format!("is dated {}", event.on),
    }
}

/// A notice that stops the determination's clock (a deficiency letter, a fee estimate that
/// needs the requester's agreement or payment) goes out before the determination is due:
/// recorded after, it would restart a clock the agency had already let run out (31 CFR
/// 1.26(g)(1), 1.5(h)(1), 1.7(e)(3)).
fn before_determination_due(case: &Case, event: &Event, notice: &str) -> Result<(), String> {
    // After the determination there is no clock left to stop: such a notice would only erase
    // the deadlines and windows that followed it.
    if last(case, "determined").is_some() {
        return Err(format!(
            "the request was determined: a {notice} comes before the determination, never after"
        ));
    }
    let overdue = deadlines(case)
        .into_iter()
        .find(|deadline| deadline.what == "determination" && deadline.met_on.is_none())
        .filter(|deadline| event.counted() > deadline.due);
    match overdue {
        Some(deadline) => Err(format!(
            "the determination was due on {}: a {notice} sent after that would move a deadline already missed; this one {}",
            deadline.due,
            stamped(event)
        )),
        None => Ok(()),
    }
}

/// Whether `event` may be added to `case` now; the reason if not. The order the regulations
/// need: nothing after closing; a determination that releases anything only after the
/// requester's identity (and a representative's authority) is verified; an appeal only after
/// a refusal, and only if mailed or delivered within its window; an extension of an appeal's
/// decision only with a reason.
pub fn check_event(case: &Case, event: &Event) -> Result<(), String> {
    if last(case, "closed").is_some() {
        return Err("the case is closed".into());
    }
    let received = last(case, "received");
    if received.is_none() && !matches!(event.kind, EventKind::Received) {
        return Err("a case starts with `received`".into());
    }
    if let Some(received) = received {
        if matches!(event.kind, EventKind::Received) {
            return Err("the case was already received".into());
        }
        if event.on < received.on {
            return Err("an event cannot come before the request was received".into());
        }
    }
    if let Some(latest) = case.events.last() {
        if event.on < latest.on {
            return Err(format!(
                "events are recorded in order: the last one is dated {}",
                latest.on
            ));
        }
    }
    complaint_steps(case, event)?;
    match &event.kind {
        EventKind::Deficient { missing } if missing.is_empty() => {
            Err("a deficiency notice lists what is missing".into())
        }
        EventKind::Deficient { .. } => before_determination_due(case, event, "deficiency notice"),
        EventKind::Perfected if last(case, "deficient").is_none() => {
            Err("only a request found deficient is perfected later".into())
        }
        // Once per deficiency letter, before the determination: a second `perfected` would move
        // the date of receipt, and with it every clock that followed.
        EventKind::Perfected
            if last_position(case, "perfected") > last_position(case, "deficient")
                || last(case, "determined").is_some() =>
        {
            Err("the request was already perfected after its last deficiency letter".into())
        }
        EventKind::Determined { outcome, reasons } => {
            // After an appeal, its decision is the agency's answer: one appeal, one answer.
            if last(case, "appealed").is_some() {
                return Err("the request was appealed: its decision (`appeal-determined`) is the answer now".into());
            }
            if date_of_receipt(case).is_none() {
                return Err("the request is incomplete: perfect it first".into());
            }
            let releases = matches!(outcome, Outcome::Granted | Outcome::PartlyGranted);
            if releases && case.route == Route::Foia && foia_clock_start(case).is_none() {
                return Err("the estimated fees await the requester's agreement, payment or a reformulated request: nothing is processed before (31 CFR 1.7(e))".into());
            }
            if releases && last(case, "identity-verified").is_none() {
                return Err(
                    "nothing is released before the requester's identity is verified".into(),
                );
            }
            if releases && case.representative && last(case, "relationship-proven").is_none() {
                return Err(
                    "nothing is released to a representative before the relationship is proven (31 CFR 1.34)"
                        .into(),
                );
            }
            if !matches!(outcome, Outcome::Granted) && reasons.trim().is_empty() {
                return Err("a refusal states its reasons (31 CFR 1.26(g)(4), 1.27(d)(2))".into());
            }
            Ok(())
        }
        EventKind::Appealed { postmarked } => {
            let Some(refused) = refusal(case, false) else {
                return Err("there is no refusal to appeal".into());
            };
            // One administrative appeal (31 CFR 1.27(e), 1.5(i)); after its decision the next
            // step is a statement of disagreement or the courts.
            if last(case, "appealed").is_some() {
                return Err("the refusal was appealed already: a request has one administrative appeal".into());
            }
            let Some(closes) = appeal_window_closes(case, refused) else {
                return Err("the appeal window is out of range".into());
            };
            if *postmarked > closes {
                return Err(format!(
                    "the appeal was mailed or delivered on {postmarked}, after its window closed on {closes} (35 days after the refusal of {}{})",
                    refused.counted(),
                    if case.route == Route::Foia {
                        " or the last letter releasing records, whichever is later"
                    } else {
                        ""
                    }
                ));
            }
            if *postmarked > event.on {
                return Err("an appeal cannot be received before it was mailed".into());
            }
            Ok(())
        }
        EventKind::AppealDetermined { outcome, reasons } => {
            if last(case, "appealed").is_none() {
                return Err("there is no appeal to decide".into());
            }
            if matches!(outcome, Outcome::Denied) && reasons.trim().is_empty() {
                return Err("an appeal upheld states its reasons".into());
            }
            Ok(())
        }
        EventKind::DisagreementFiled { postmarked } => {
            let Some(refused) = refusal(case, true).or_else(|| {
                // PNR rectification has no appeal: a refusal is final.
                (case.kind == RequestKind::Rectification)
                    .then(|| refusal(case, false))
                    .flatten()
            }) else {
                return Err("a statement of disagreement follows a final refusal".into());
            };
            let Some(closes) = add_calendar_days(refused.counted(), 35) else {
                return Err("the window is out of range".into());
            };
            if *postmarked > closes {
                return Err(format!(
                    "the statement was mailed or delivered on {postmarked}, after its window closed on {closes}"
                ));
            }
            Ok(())
        }
        EventKind::Extended {
            reason,
            until,
            approved_by,
            circumstance,
        } => {
            if reason.trim().is_empty() {
                return Err("an extension states its reason".into());
            }
            match (case.route, circumstance) {
                (Route::Foia, None) => return Err(
                    "a FOIA extension needs one of the unusual circumstances (`circumstance`: `field-facilities`, `voluminous`, `consultation`; 31 CFR 1.5(j)(1))"
                        .into(),
                ),
                (Route::PrivacyAct, Some(_)) => return Err(
                    "`circumstance` is a FOIA extension's (31 CFR 1.5(j)(1)); a Privacy Act delay notice states its reason"
                        .into(),
                ),
                _ => {}
            }
            if *until <= event.on {
                return Err("an extension promises a later date".into());
            }
            let appeal_pending = last(case, "appealed")
                .is_some_and(|appeal| first_after(case, "appeal-determined", appeal.on).is_none());
            // A delay notice tells the requester before the answer is late; recorded after the
            // due date it would move a deadline already missed (31 CFR 1.26(g)(1), 1.5(j)(1),
            // 1.27(e)(4)).
            let stage = if appeal_pending {
                "appeal-decision"
            } else {
                "determination"
            };
            let Some(deadline) = deadlines(case).into_iter().find(|due| due.what == stage) else {
                return Err("no determination is due yet (the request is incomplete): a delay notice follows the date of receipt".into());
            };
            if let Some(met) = deadline.met_on {
                return Err(format!(
                    "the {stage} was made on {met}: there is nothing left to delay"
                ));
            }
            if event.counted() > deadline.due {
                return Err(format!(
                    "the {stage} was due on {}: a delay notice, stating the reason and when a response will be dispatched, is sent before it is due, not after (31 CFR 1.26(g)(1)); this one {}",
                    deadline.due,
                    stamped(event)
                ));
            }
            if appeal_pending
                && case.route == Route::PrivacyAct
                && approved_by
                    .as_deref()
                    .is_none_or(|who| who.trim().is_empty())
            {
                return Err(
                    "extending an appeal's decision needs the approval of the agency head or a delegate (`approved_by`, 31 CFR 1.27(e)(4))"
                        .into(),
                );
            }
            Ok(())
        }
        EventKind::AdverseEffectDetermined { reasons } => {
            if !matches!(case.kind, RequestKind::Access) {
                return Err("an adverse-effect determination concerns the release of records to an access request".into());
            }
            if reasons.trim().is_empty() {
                return Err(
                    "an adverse-effect determination states its reasons (31 CFR 1.26(g)(3))".into(),
                );
            }
            Ok(())
        }
        EventKind::PhysicianAuthorized {
            physician,
            method,
            evidence,
        } => {
            if last(case, "adverse-effect-determined").is_none() {
                return Err("a physician receives records only once the official has determined that direct release could have an adverse effect (31 CFR 1.26(g)(3))".into());
            }
            if physician.trim().is_empty() || physician.chars().any(char::is_control) {
                return Err("the physician's name is required, on one line".into());
            }
            check_identity(*method, evidence, &[], &[])
                .map_err(|reason| format!("the physician's identity: {reason}"))
        }
        EventKind::FeeEstimated { .. }
        | EventKind::FeeAgreed
        | EventKind::FeesPaid { .. }
        | EventKind::Reformulated
        | EventKind::FeeWaiverRequested
        | EventKind::FeeWaiverDetermined { .. }
        | EventKind::ExpeditedRequested { .. }
        | EventKind::ExpeditedDetermined { .. }
        | EventKind::RecordsReleased
            if case.route != Route::Foia =>
        {
            Err("fees, their waivers, expedited processing and release letters are FOIA steps (31 CFR 1.5, 1.7); this request follows the Privacy Act".into())
        }
        // Every estimate, within the limit or not: a revision restarts a stopped clock, so one
        // entered after the determination was due would move it.
        EventKind::FeeEstimated { .. } => before_determination_due(case, event, "fee estimate"),
        EventKind::FeeAgreed | EventKind::FeesPaid { .. } | EventKind::Reformulated => {
            let limit = case.fees.and_then(|terms| terms.limit_cents);
            let awaiting = case.events.iter().rev().find_map(|earlier| match earlier.kind {
                EventKind::FeeEstimated { cents } => Some(fee_step(cents, limit)),
                _ => None,
            });
            match awaiting {
                Some(FeeStep::Agreement | FeeStep::Prepayment) if foia_clock_start(case).is_none() => Ok(()),
                _ => Err("no estimate awaits the requester's agreement, payment or a reformulated request (31 CFR 1.7(e))".into()),
            }
        }
        EventKind::FeeWaiverDetermined {
            outcome,
            reasons,
            reduced_percent,
        } => {
            if last(case, "fee-waiver-requested").is_none() {
                return Err("there is no fee waiver request to decide".into());
            }
            if !matches!(outcome, Outcome::Granted) && reasons.trim().is_empty() {
                return Err("a fee waiver refused in whole or part states its reasons".into());
            }
            match (outcome, reduced_percent) {
                (Outcome::PartlyGranted, Some(1..=99)) => Ok(()),
                (Outcome::PartlyGranted, _) => Err(
                    "a reduction of fees states the percentage taken off (`reduced_percent`, 1 to 99)"
                        .into(),
                ),
                (_, Some(_)) => Err(
                    "`reduced_percent` belongs to a reduction (`partly-granted`); a waiver takes off all, a denial none"
                        .into(),
                ),
                (_, None) => Ok(()),
            }
        }
        EventKind::ExpeditedRequested { dated } if *dated > event.on => {
            Err("a request for expedited processing cannot be received before its date".into())
        }
        EventKind::ExpeditedDetermined { .. } if last(case, "expedited-requested").is_none() => {
            Err("there is no request for expedited processing to decide".into())
        }
        EventKind::RecordsReleased => {
            let releases = case.events.iter().any(|earlier| {
                matches!(
                    earlier.kind,
                    EventKind::Determined {
                        outcome: Outcome::Granted | Outcome::PartlyGranted,
                        ..
                    } | EventKind::AppealDetermined {
                        outcome: Outcome::Granted | Outcome::PartlyGranted,
                        ..
                    }
                )
            });
            if releases {
                Ok(())
            } else {
                Err("records are released only after a determination that grants them".into())
            }
        }
        EventKind::ReferredToChiefPrivacyOfficer
            if !matches!(
                case.kind,
                RequestKind::Rectification | RequestKind::Complaint
            ) =>
        {
            Err("only PNR rectifications and complaints go to the DHS Chief Privacy Officer".into())
        }
        _ => Ok(()),
    }
}

/// The steps of a complaint (seed 001 paragraphs 40-42) and the events a complaint takes at
/// all: it is answered, not determined, appealed, charged for or released.
fn complaint_steps(case: &Case, event: &Event) -> Result<(), String> {
    let complaint = case.kind == RequestKind::Complaint;
    let step = matches!(
        event.kind,
        EventKind::CbpAnswered { .. }
            | EventKind::ChiefPrivacyOfficerAnswered { .. }
            | EventKind::DpaReferred { .. }
            | EventKind::ConclusionsReported { .. }
    );
    if !complaint {
        return if step {
            Err(format!(
                "`{}` is a step of a complaint (seed 001 paragraphs 40-42)",
                event.kind.name()
            ))
        } else {
            Ok(())
        };
    }
    let answered = |name: &str| {
        case.events
            .iter()
            .rev()
            .find_map(|earlier| match &earlier.kind {
                EventKind::CbpAnswered { resolved, .. } if name == "cbp-answered" => {
                    Some(*resolved)
                }
                EventKind::ChiefPrivacyOfficerAnswered { resolved, .. }
                    if name == "chief-privacy-officer-answered" =>
                {
                    Some(*resolved)
                }
                _ => None,
            })
    };
    let once = |name: &str| {
        if last(case, name).is_some() {
            Err(format!("this complaint already has `{name}`"))
        } else {
            Ok(())
        }
    };
    let stated = |text: &str, what: &str| {
        if text.trim().is_empty() {
            Err(format!("{what} is stated"))
        } else {
            Ok(())
        }
    };
    match &event.kind {
        EventKind::Received
        | EventKind::Deficient { .. }
        | EventKind::Perfected
        | EventKind::IdentityVerified { .. }
        | EventKind::RelationshipProven { .. }
        | EventKind::Acknowledged
        | EventKind::Closed { .. } => Ok(()),
        EventKind::CbpAnswered { answer, .. } => {
            once("cbp-answered")?;
            stated(answer, "CBP's answer")
        }
        EventKind::ReferredToChiefPrivacyOfficer => {
            once("referred-to-chief-privacy-officer")?;
            match answered("cbp-answered") {
                Some(false) => Ok(()),
                Some(true) => Err("CBP resolved this complaint: paragraph 41 sends on only a complaint CBP cannot resolve".into()),
                None => Err("paragraph 41: a complaint goes to the Chief Privacy Officer once CBP has answered it without resolving it".into()),
            }
        }
        EventKind::ChiefPrivacyOfficerAnswered { answer, .. } => {
            once("chief-privacy-officer-answered")?;
            if last(case, "referred-to-chief-privacy-officer").is_none() {
                return Err("the complaint was not referred to the Chief Privacy Officer".into());
            }
            stated(answer, "the Chief Privacy Officer's answer")
        }
        EventKind::DpaReferred { authority } => {
            once("dpa-referred")?;
            stated(authority, "the referring data protection authority")?;
            if answered("cbp-answered").is_none()
                && answered("chief-privacy-officer-answered").is_none()
            {
                return Err("paragraph 42: an authority refers a complaint CBP or the Privacy Office has dealt with, not satisfactorily in the resident's view; CBP has not answered this one".into());
            }
            Ok(())
        }
        EventKind::ConclusionsReported {
            conclusions,
            actions,
        } => {
            once("conclusions-reported")?;
            if last(case, "dpa-referred").is_none() {
                return Err("conclusions are reported to the authority that referred the complaint; none did".into());
            }
            stated(conclusions, "the Privacy Office's conclusions")?;
            stated(actions, "the actions taken (`none` if none)")
        }
        other => Err(format!(
            "a complaint is answered (seed 001 paragraphs 40-42), it takes no `{}`",
            other.name()
        )),
    }
}

/// Who receives the medical or psychological records an access request releases: the
/// individual, unless the official determined that direct release could have an adverse effect
/// (31 CFR 1.26(g)(3)), then only the physician the individual authorized in writing, whose
/// identity was verified; `Err` while that authorization is not on file.
pub fn medical_recipient(case: &Case) -> Result<Option<String>, String> {
    let Some(determined) = last(case, "adverse-effect-determined") else {
        return Ok(None);
    };
    case.events
        .iter()
        .rev()
        .find_map(|event| match &event.kind {
            EventKind::PhysicianAuthorized { physician, .. } if event.on >= determined.on => {
                Some(physician.clone())
            }
            _ => None,
        })
        .map(Some)
        .ok_or_else(|| {
            "the official determined that direct release of medical or psychological records could have an adverse effect: they go only to a physician the individual authorized in writing, once that authorization and the physician's identity are on file (31 CFR 1.26(g)(3)); record `physician-authorized` first".into()
        })
}

/// What an individual's access or notification request gets from one system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemAnswer {
    /// Neither confirm nor deny (31 CFR 1.26(g)(6)): the same words whether or not a record
    /// exists, because the system is exempt from access under 552a(j), or under (k)(2) and
    /// the requester has not shown a right, privilege or benefit was denied. Names the claim.
    NeitherConfirmNorDeny {
        /// The exemption relied on.
        under: String,
    },
    /// The officer decides on the records found; what is released is rendered.
    Records,
}

/// Why a record found for an access request does not go to the individual.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Withheld {
    /// Its system's exemption from access covers it, not waived: it is never named.
    Exempt {
        /// The claim.
        under: String,
    },
    /// It may go only once a consultation with its source's owner, answered `release`, is on
    /// file: another agency's record (31 CFR 1.26(e)), or a waiver of its source's exemption
    /// ("after conferring with the appropriate component or agency", seed 000).
    NeedsConsultation {
        /// Whom to consult.
        owner: String,
        /// Why.
        rule: &'static str,
    },
}

/// What an officer decided for one access request about exemptions: the claims waived for the
/// whole request, the sources whose records' exemption is waived case by case, and whether the
/// requester showed a benefit denied ((k)(2)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waivers {
    /// Claims waived for the request (`552a(j)(2)`).
    pub claims: Vec<String>,
    /// Sources whose records' exemption is waived for the request.
    pub sources: Vec<String>,
    /// Whether the requester showed that information was used to deny a right, privilege or
    /// benefit.
    pub benefit_denied: bool,
}

/// Whether one record of a system with notice `sorn`, from source `source` (its
/// `source.system`), may go to the individual who asked for access. A notice that lists its
/// sources exempts only the records of sources that give neither access nor amendment: "ICE and
/// DHS are not exempting any records that were ingested or indexed by TTAR where the source
/// system of records already provides access and/or amendment" and "To the extent that a
/// record is exempted in a source system, the exemption will continue to apply" (seed 000); a
/// record naming no known source stays exempt. A waived source's records go "after conferring
/// with the appropriate component or agency" (`consulted`: a consultation with the source's
/// owner answered `release` covers the record), and another agency's records only once it was
/// consulted (31 CFR 1.26(e)). A notice without sources answers for the whole system.
pub fn record_access(
    sorn: &crate::sorn::Sorn,
    source: Option<&str>,
    waivers: &Waivers,
    consulted: bool,
) -> Result<(), Withheld> {
    let claim =
        |waived: &[String]| match access_answer(&sorn.exemptions, waived, waivers.benefit_denied) {
            SystemAnswer::NeitherConfirmNorDeny { under } => Some(under),
            SystemAnswer::Records => None,
        };
    // The notice's ceiling, and what is left of it after the request's waivers.
    let (ceiling, left) = (claim(&[]), claim(&waivers.claims));
    let known = source.and_then(|code| sorn.source(code));
    if sorn.sources.is_empty() {
        return left.map_or(Ok(()), |under| Err(Withheld::Exempt { under }));
    }
    let consult = |rule| match known.and_then(|found| found.owner.clone()) {
        Some(owner) if !consulted => Err(Withheld::NeedsConsultation { owner, rule }),
        _ => Ok(()),
    };
    if let Some(under) = ceiling {
        if !known.is_some_and(crate::sorn::Source::open) {
            // Waived for the request (every claim) or for this record's source; either way
            // after conferring with the source's owner.
            let waived =
                left.is_none() || known.is_some_and(|found| waivers.sources.contains(&found.code));
            if !waived {
                return Err(Withheld::Exempt {
                    under: left.unwrap_or(under),
                });
            }
            consult("seed 000: an exemption is waived after conferring with the appropriate component or agency")?;
        }
    }
    if known.is_some_and(|found| found.other_agency) {
        consult("31 CFR 1.26(e): another agency's record goes to the individual only after consultation with it")?;
    }
    Ok(())
}

/// The fixed words of a system whose notice exempts some of its records by source: printed
/// whatever the system holds, so the response reads the same with or without exempt records.
pub fn portions_answer(system_name: &str, released: usize) -> String {
    format!(
        "{system_name}: {released} records released to you. Records from source systems that already give you access or amendment under the Privacy Act are released; beyond them, no record available to you pursuant to the Privacy Act of 1974 has been identified."
    )
}

/// The words of a neither-confirm-nor-deny answer for a system: they never depend on whether
/// a record exists (31 CFR 1.26(g)(6)(i)).
pub fn neither_confirm_nor_deny(system_name: &str) -> String {
    format!(
        "{system_name}: no record available to you pursuant to the Privacy Act of 1974 has been identified."
    )
}

/// The answer a system gives an access or notification request: the SORN's claimed exemptions
/// from access (552a(d)) are the ceiling; the officer may waive a claim for this request
/// (`waived`, by its `under`), and a (k)(2) claim yields when the requester shows that the
/// information was used to deny a right, privilege or benefit (`benefit_denied`).
pub fn access_answer(
    exemptions: &crate::sorn::Exemptions,
    waived: &[String],
    benefit_denied: bool,
) -> SystemAnswer {
    for claim in &exemptions.claims {
        let from_access = claim.from.iter().any(|from| from == "552a(d)");
        if !from_access || waived.contains(&claim.under) {
            continue;
        }
        let applies = if claim.under.starts_with("552a(j)") {
            true
        } else if claim.under == "552a(k)(2)" {
            !benefit_denied
        } else {
            false
        };
        if applies {
            return SystemAnswer::NeitherConfirmNorDeny {
                under: claim.under.clone(),
            };
        }
    }
    SystemAnswer::Records
}

/// The fee for copies of first-party records, in cents: duplication only, the first 100 pages
/// free, $0.20 a page after (31 CFR 1.7(a)(4), (g)(1)(i)), and nothing when the total is under
/// $3.00 (1.26(g)(2)).
pub fn copy_fee_cents(pages: u32) -> u32 {
    let fee = pages.saturating_sub(100).saturating_mul(20);
    if fee < 300 {
        0
    } else {
        fee
    }
}

#[cfg(test)]
mod tests;

//! The legal basis of a release outside the agency (5 U.S.C. 552a(b), 31 CFR 1.24): the
//! individual's written consent, a routine use of the system, or one of the conditions (b)(1)
//! to (b)(11) with its evidence; for a system under the PNR Undertakings (seed 001), only the
//! Undertakings' own paths (paragraphs 29, 34 and 35). Decides whether the release may go
//! ahead, whether it is accounted, whether the individual is told of it, which portion is
//! released, which notice it creates and which conditions bind the recipient. Pure: `today`
//! is an input.

use chrono::NaiveDate;

use crate::sorn::ExemptPortion;
use crate::{calendar, code, sorn, Decision, Policy};

/// The evidence a condition of 552a(b) needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// A reference to the document on file (its hash or number): the consent, the written
    /// request, the justification, the court order.
    pub document: Option<String>,
    /// For (b)(7): the request is signed by the head of the requesting agency.
    pub agency_head_request: bool,
    /// For (b)(7): the portion requested (fields), the only part released.
    pub portion: Vec<String>,
    /// For (b)(7): the law-enforcement activity.
    pub activity: Option<String>,
    /// For a designated authority (Undertakings paragraph 30): the statute or regulation
    /// related to the purpose that the authority is responsible for preventing, investigating
    /// or prosecuting violations of, or enforcing or implementing.
    pub statute: Option<String>,
    /// For a designated authority (paragraph 30): the indication of a violation or potential
    /// violation of law that CBP is aware of.
    pub violation: Option<String>,
    /// For vital interests (paragraph 34): why the release is necessary to protect the vital
    /// interests of the data subject or of others.
    pub necessity: Option<String>,
    /// For legal proceedings (paragraph 35): the criminal judicial proceeding (court, case), or
    /// the law that requires the release.
    pub proceeding: Option<String>,
    /// For consent: who gave it (the individual, a parent, a guardian).
    pub given_by: Option<String>,
    /// The date of the document on file (consent, the agency head's request, the court order).
    pub dated: Option<NaiveDate>,
    /// For a court order or subpoena ((b)(11)): the court.
    pub court: Option<String>,
    /// For a court order or subpoena: the case's name and number.
    pub case_number: Option<String>,
    /// For a court order or subpoena: to whom it is returnable.
    pub returnable_to: Option<String>,
    /// For (b)(7): who signed the written request (the head of the agency, or whom the head
    /// delegated it to).
    pub signer: Option<String>,
    /// For (b)(7): the requesting agency.
    pub agency: Option<String>,
    /// For (b)(8): the compelling circumstances affecting health or safety (1.22(g)).
    pub circumstances: Option<String>,
    /// For a routine use whose notice requires an approval (TTAR's R): who approved.
    pub approved_by: Option<String>,
    /// When they approved.
    pub approved_on: Option<NaiveDate>,
    /// The approval's reference (its number or the document's hash).
    pub approval_reference: Option<String>,
    /// The compulsory legal process the release answers, whatever basis it cites (1.22(f)):
    /// one of [`LEGAL_PROCESS`]. A (b)(11) release is under a court order without it.
    pub process: Option<String>,
    /// For a grand-jury subpoena or an ex parte order: the day it became a matter of public
    /// record, from which its notice is due in five days (1.22(f)); unknown until then.
    pub public_on: Option<NaiveDate>,
}

/// The kinds of compulsory legal process a release may answer (31 CFR 1.22(f): "subpoenaed by
/// a Grand Jury, Court, or quasi-judicial agency, or disclosed in accordance with an ex parte
/// court order").
pub const LEGAL_PROCESS: [&str; 4] = [
    "subpoena",
    "court-order",
    "grand-jury-subpoena",
    "ex-parte-order",
];

/// Whether the notice of `process` is due from the day it became public rather than from the
/// release: "in the case of a Grand Jury subpoena or an ex parte order, within five days of its
/// becoming a matter of public record" (1.22(f)).
pub fn due_from_public_record(process: &str) -> bool {
    matches!(process, "grand-jury-subpoena" | "ex-parte-order")
}

/// When the notice of a grand-jury subpoena or ex parte order is due: five days (the rule says
/// days, where the first clause says working days) after it became a matter of public record.
pub fn legal_process_due_after_public(public_on: NaiveDate) -> Option<NaiveDate> {
    public_on.checked_add_days(chrono::Days::new(5))
}

impl Evidence {
    /// The elements of evidence `basis` needs, each with its name and, if given, its value:
    /// what the accounting entry seals with the release (31 CFR 1.24(a), 1.22(f), (g); seed
    /// 001 paragraphs 30, 34 and 35).
    pub fn elements(&self, basis: &Basis) -> Vec<(&'static str, Option<String>)> {
        let text = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let document = ("document", text(&self.document));
        let dated = ("dated", self.dated.map(|day| day.to_string()));
        let mut elements = match basis {
            Basis::Consent => vec![document, ("given_by", text(&self.given_by)), dated],
            Basis::RoutineUse(_) | Basis::Condition(1 | 3 | 9) => Vec::new(),
            Basis::Condition(7) => vec![
                document,
                ("signer", text(&self.signer)),
                ("agency", text(&self.agency)),
                ("activity", text(&self.activity)),
                (
                    "portion",
                    Some(self.portion.join(", ")).filter(|portion| !portion.is_empty()),
                ),
                dated,
            ],
            Basis::Condition(8) => vec![document, ("circumstances", text(&self.circumstances))],
            Basis::Condition(11) => vec![
                document,
                ("court", text(&self.court)),
                ("case_number", text(&self.case_number)),
                dated,
                ("returnable_to", text(&self.returnable_to)),
            ],
            Basis::Condition(_) => vec![document],
            Basis::DesignatedAuthority(_) => vec![
                ("statute", text(&self.statute)),
                ("violation", text(&self.violation)),
            ],
            Basis::VitalInterests => vec![("necessity", text(&self.necessity))],
            Basis::LegalProceedings => vec![document, ("proceeding", text(&self.proceeding))],
        };
        // Under compulsory legal process, whatever the basis, the notice states "the date and
        // authority to which the subpoena is, or was returnable, or the date of and court
        // issuing the ex parte order, the name and number of the case or proceeding"
        // (1.22(f)): those are sealed too.
        if let Some(process) = text(&self.process) {
            let mut needed = vec![
                ("document", text(&self.document)),
                ("court", text(&self.court)),
                ("case_number", text(&self.case_number)),
                ("dated", self.dated.map(|day| day.to_string())),
            ];
            if process.contains("subpoena") {
                needed.push(("returnable_to", text(&self.returnable_to)));
            }
            for element in needed {
                if !elements.iter().any(|(name, _)| *name == element.0) {
                    elements.push(element);
                }
            }
            elements.push(("process", Some(process)));
            if let Some(day) = self.public_on {
                elements.push(("public_on", Some(day.to_string())));
            }
        }
        elements
    }

    /// The first element `basis` needs that is not given.
    pub fn missing(&self, basis: &Basis) -> Option<&'static str> {
        self.elements(basis)
            .into_iter()
            .find(|(_, value)| value.is_none())
            .map(|(name, _)| name)
    }
}

/// Whether `text` says something (evidence given as an empty or blank string is not given).
fn stated(text: &Option<String>) -> bool {
    text.as_deref().is_some_and(|text| !text.trim().is_empty())
}

/// The legal basis claimed for a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The individual's written consent (or a parent's or guardian's), on file.
    Consent,
    /// A routine use of the system, by letter.
    RoutineUse(String),
    /// A condition of 552a(b), 1 to 11.
    Condition(u8),
    /// PNR, Undertakings paragraph 29: a designated authority, by name.
    DesignatedAuthority(String),
    /// PNR, paragraph 34: relevant government authorities, where necessary for the protection
    /// of the vital interests of the data subject or of others.
    VitalInterests,
    /// PNR, paragraph 35: criminal judicial proceedings, or as otherwise required by law.
    LegalProceedings,
}

impl Basis {
    /// How the accounting and the log name it.
    pub fn describe(&self) -> String {
        match self {
            Basis::Consent => "written consent".into(),
            Basis::RoutineUse(letter) => format!("routine use {letter}"),
            Basis::Condition(n) => format!("552a(b)({n})"),
            Basis::DesignatedAuthority(name) => format!("designated authority {name}"),
            Basis::VitalInterests => "vital interests (Undertakings paragraph 34)".into(),
            Basis::LegalProceedings => {
                "criminal judicial proceedings or required by law (Undertakings paragraph 35)"
                    .into()
            }
        }
    }

    /// How a refusal names it: without the designated authority's name, which is typed.
    pub fn describe_code(&self) -> String {
        match self {
            Basis::DesignatedAuthority(_) => {
                "a designated authority (Undertakings paragraph 29)".into()
            }
            other => other.describe(),
        }
    }

    /// Whether it is one of the PNR Undertakings' own paths.
    pub fn is_undertakings_path(&self) -> bool {
        matches!(
            self,
            Basis::DesignatedAuthority(_) | Basis::VitalInterests | Basis::LegalProceedings
        )
    }
}

/// The terms of every release to a designated authority or for vital interests, in the
/// Undertakings' words (seed 001 paragraphs 31 and 32; paragraph 34 applies both to vital
/// interests). `{paragraph}` is the paragraph whose purposes bind the recipient.
const UNDERTAKINGS_CONDITIONS: [&str; 6] = [
    "Use the PNR data only for the purposes set forth in paragraph {paragraph} of the Undertakings (paragraph 31(1))",
    "Ensure the orderly disposal of the PNR information received, consistent with your record retention procedures (paragraph 31(2))",
    "Obtain CBP's express authorization for any further dissemination (paragraph 31(3))",
    "Treat this data as confidential commercial information and law enforcement sensitive, confidential personal information of the data subject, exempt from disclosure under the Freedom of Information Act (5 U.S.C. 552) (paragraph 32)",
    "Further disclosure of this information is not permitted without the express prior approval of CBP (paragraph 32)",
    "CBP will not authorize any further transfer for purposes other than those of paragraphs 29, 34 or 35 (paragraph 32)",
];

/// The terms of a release in criminal judicial proceedings or as required by law (paragraph
/// 35 sets none of its own; ours: the release is for that proceeding or requirement only).
const PROCEEDINGS_CONDITIONS: [&str; 1] = [
    "Use the PNR data only in the criminal judicial proceeding, or for the legal requirement, for which it was disclosed (paragraph 35)",
];

/// Purposes a release under a 552a(b) condition may state whatever the system (ours: the
/// conditions name their occasions, 31 CFR 1.24(a)): a need within the agency, a FOIA
/// request, a census, statistics, the archives, law enforcement, health or safety, Congress,
/// an audit, a court order, litigation, a debt, with consent.
pub const CONDITION_PURPOSES: [&str; 13] = [
    "agency-function",
    "foia",
    "census",
    "statistical-research",
    "archives",
    "law-enforcement",
    "health-or-safety",
    "congressional-inquiry",
    "audit",
    "court-order",
    "litigation",
    "debt-collection",
    "consent",
];

/// A notice a release creates, and when it is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeDue {
    /// What it is.
    pub kind: &'static str,
    /// When it is due; `None` for a grand-jury subpoena or ex parte order not yet a matter of
    /// public record (due five days after it becomes one).
    pub due: Option<NaiveDate>,
}

/// One release to decide.
#[derive(Clone, Debug)]
pub struct Disclosure<'a> {
    /// The system of the records.
    pub system: &'a str,
    /// The recipient's category (SORN vocabulary).
    pub recipient_category: &'a str,
    /// The recipient's name and address (552a(c)(1)(A): the accounting names both).
    pub recipient_name: &'a str,
    /// The recipient's address.
    pub recipient_address: &'a str,
    /// The release's purpose.
    pub purpose: &'a str,
    /// The legal basis, if the release cites one.
    pub basis: Option<&'a Basis>,
    /// Its evidence.
    pub evidence: &'a Evidence,
    /// The officer attests reasonable efforts to assure accuracy, completeness, timeliness and
    /// relevance (552a(e)(6), 1.22(d)(2)).
    pub accuracy_attested: bool,
    /// Today.
    pub today: NaiveDate,
}

/// What the decision on a release says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosureDecision {
    /// Allowed or not, and the rule.
    pub decision: Decision,
    /// Whether each record released gets an accounting entry (all but FOIA releases).
    pub accounted: bool,
    /// Whether the individual is not told of it (a (b)(7) disclosure, 1.25(d)(2)).
    pub withheld_from_individual: bool,
    /// The portion released, when only a portion may be.
    pub portion: Option<Vec<String>>,
    /// The notice the release creates, if any.
    pub notice: Option<NoticeDue>,
    /// The conditions the package carries.
    pub conditions: Vec<String>,
    /// Whether the release is statistical (552a(b)(5)): the recipient gets a table of counts
    /// (`statistics::tabulate`), never the records.
    pub statistical: bool,
    /// The evidence the accounting entry seals, element by element (name, value): what the
    /// basis needed, and a routine use's condition's.
    pub evidence: Vec<(&'static str, String)>,
    /// Why a notice the basis calls for is not created for some or all of the records (the
    /// system's exemption from 552a(e)(8)): logged with the release, naming the records.
    pub notice_suppressed: Option<String>,
    /// The records that exemption covers ([`ExemptPortion::covers`] by each record's source
    /// system): the notice goes out for the others.
    pub notice_exempt: ExemptPortion,
}

/// Government recipients that are "agencies" or instrumentalities for (b)(7).
const GOVERNMENT: [&str; 5] = [
    "federal-agency",
    "state-agency",
    "local-agency",
    "tribal-agency",
    "territorial-agency",
];

/// Whether a recipient category is a government authority, foreign ones included (seed 001
/// paragraph 29: "other government authorities, including foreign government authorities";
/// paragraph 34: "relevant government authorities").
fn government_authority(category: &str) -> bool {
    GOVERNMENT.contains(&category) || category == "foreign-agency"
}

impl Policy {
    /// Decides a release. Checks, in order: the system is known; the release cites one basis
    /// and names its recipient (category, name and address); a system under the PNR
    /// Undertakings releases only on their paths, and no other system on those; the basis
    /// holds (a routine use in effect that names the recipient category and the purpose; a
    /// condition with its evidence; consent on file; a path of the Undertakings with its
    /// findings); and, for any recipient but a federal agency (FOIA releases apart), the
    /// accuracy attestation.
    pub fn decide_disclosure(&self, release: &Disclosure<'_>) -> DisclosureDecision {
        let Some(system) = self.catalog().system(release.system) else {
            return refused(
                "system-unknown",
                format!(
                    "the gate knows no system of records `{}`",
                    code(release.system)
                ),
            );
        };
        if !sorn::RECIPIENT_CATEGORIES.contains(&release.recipient_category) {
            return refused(
                "recipient-category-unknown",
                format!(
                    "`{}` is not a recipient category",
                    code(release.recipient_category)
                ),
            );
        }
        if release.recipient_name.trim().is_empty() || release.recipient_address.trim().is_empty() {
            return refused(
                "recipient-missing",
                "a release names its recipient and the recipient's address: the accounting keeps both (552a(c)(1)(A))".into(),
            );
        }
        let Some(basis) = release.basis else {
            return refused(
                "basis-missing",
                "a release cites exactly one legal basis: a routine use, a condition of 552a(b), the individual's written consent, or (PNR) a path of the Undertakings".into(),
            );
        };
        let undertakings = system.sorn.disclosure.designated_authorities;
        if undertakings && !basis.is_undertakings_path() {
            return refused(
                "pnr-path-required",
                format!(
                    "`{}` is released only on the Undertakings' paths: to a designated authority (paragraph 29), for vital interests (paragraph 34), or in criminal judicial proceedings or as required by law (paragraph 35); a passenger's own copy goes through a request (paragraph 37)",
                    system.id
                ),
            );
        }
        if !undertakings && basis.is_undertakings_path() {
            return refused(
                "designated-authority-not-a-basis",
                format!(
                    "`{}` is not under the PNR Undertakings: its releases cite a routine use, a condition of 552a(b) or consent",
                    system.id
                ),
            );
        }
        let mut outcome = DisclosureDecision {
            decision: Decision::deny("policy-error", "undecided"),
            accounted: true,
            withheld_from_individual: false,
            portion: None,
            notice: None,
            conditions: vec![
                format!("Use the records only for `{}`", release.purpose),
                "No further disclosure without the system owner's written authorization".to_owned(),
            ],
            statistical: false,
            evidence: Vec::new(),
            notice_suppressed: None,
            notice_exempt: ExemptPortion::Nothing,
        };
        let allowed = match basis {
            Basis::DesignatedAuthority(_) | Basis::VitalInterests | Basis::LegalProceedings => {
                match self.decide_undertakings_path(system, release, basis, &mut outcome) {
                    Ok(rule) => rule,
                    Err(decision) => return refused_by(decision),
                }
            }
            _ => match self.decide_privacy_act_basis(system, release, basis, &mut outcome) {
                Ok(rule) => rule,
                Err(decision) => return refused_by(decision),
            },
        };
        // Compulsory legal process, whatever the basis cited (1.22(f)): a routine use for
        // litigation answering a subpoena makes the same notice as a (b)(11) court order.
        if let Some(process) = release.evidence.process.as_deref() {
            if !LEGAL_PROCESS.contains(&process) {
                return refused(
                    "legal-process-unknown",
                    format!(
                        "the `process` a release answers is one of: {}",
                        LEGAL_PROCESS.join(", ")
                    ),
                );
            }
            if release
                .evidence
                .public_on
                .is_some_and(|day| day > release.today)
            {
                return refused(
                    "legal-process-public-date",
                    "the day the process became a matter of public record is not in the future"
                        .into(),
                );
            }
            if matches!(basis, Basis::Condition(8)) {
                return refused(
                    "legal-process-basis",
                    "a (b)(8) release answers compelling circumstances, not legal process: cite the basis the process is served under".into(),
                );
            }
            legal_process_notice(system, release.today, release.evidence, &mut outcome);
        }
        // The rest of what the basis needs, sealed with the accounting entry (section 5 of the
        // disclosure issue): a release without it is refused naming the element.
        if let Some(element) = release.evidence.missing(basis) {
            return refused(
                "evidence-missing",
                format!(
                    "a release under {} needs its evidence: `{element}` is missing",
                    basis.describe_code()
                ),
            );
        }
        outcome.evidence.extend(
            release
                .evidence
                .elements(basis)
                .into_iter()
                .map(|(name, value)| (name, value.unwrap_or_default())),
        );
        if matches!(basis, Basis::Condition(7)) {
            outcome.evidence.push((
                "agency_head_request",
                release.evidence.agency_head_request.to_string(),
            ));
        }
        let foia = matches!(basis, Basis::Condition(2));
        if release.recipient_category != "federal-agency" && !foia && !release.accuracy_attested {
            return refused(
                "accuracy-attestation-missing",
                "before releasing to anyone but a federal agency, attest that reasonable efforts were made to assure the records are accurate, complete, timely and relevant (1.22(d)(2))".into(),
            );
        }
        outcome.decision = Decision {
            allowed: true,
            rule: allowed,
            reason: String::new(),
            projection: outcome.portion.clone(),
        };
        outcome
    }

    /// A release on a basis of the Privacy Act: consent, a routine use, or a condition of
    /// 552a(b) with its evidence. The rule that allows it, or the refusal.
    fn decide_privacy_act_basis(
        &self,
        system: &crate::catalog::System,
        release: &Disclosure<'_>,
        basis: &Basis,
        outcome: &mut DisclosureDecision,
    ) -> Result<String, Decision> {
        let evidence = release.evidence;
        let document = stated(&evidence.document);
        Ok(match basis {
            Basis::Consent => {
                if !document {
                    return Err(Decision::deny("consent-missing", "a release by consent needs the written consent on file (its reference)"));
                }
                format!("{}/basis/consent", system.id)
            }
            Basis::RoutineUse(letter) => {
                let (rule, condition) = self.routine_use_in_effect(&system.id, letter, release.recipient_category, release.purpose, release.today)?;
                // A use's own condition (TTAR's R: "with the approval of the Chief Privacy
                // Officer in consultation with counsel"): its evidence, or no release.
                if let Some(crate::sorn::UseCondition::Approval { by }) = condition {
                    let approval = [
                        ("approved_by", evidence.approved_by.clone().filter(|v| !v.trim().is_empty())),
                        ("approved_on", evidence.approved_on.map(|day| day.to_string())),
                        ("approval_reference", evidence.approval_reference.clone().filter(|v| !v.trim().is_empty())),
                    ];
                    if let Some((element, _)) = approval.iter().find(|(_, value)| value.is_none()) {
                        return Err(Decision::deny(
                            "routine-use-condition-missing",
                            format!("routine use {letter} of `{}` releases only with the approval of {by}: `{element}` is missing", system.id),
                        ));
                    }
                    if evidence.approved_on.is_some_and(|day| day > release.today) {
                        return Err(Decision::deny("routine-use-condition-missing", "the approval is dated after today"));
                    }
                    outcome.evidence.push(("condition", format!("approval of {by}")));
                    outcome.evidence.extend(approval.into_iter().map(|(name, value)| (name, value.unwrap_or_default())));
                }
                rule
            }
            Basis::Condition(n) => match n {
                1 => return Err(Decision::deny("condition-b1-internal", "(b)(1) is need-to-know access within the agency: its staff read the system directly, not by disclosure")),
                2 => {
                    if !document {
                        return Err(Decision::deny("evidence-missing", "a (b)(2) release needs the FOIA request it answers"));
                    }
                    outcome.accounted = false;
                    format!("{}/basis/b2", system.id)
                }
                3 => return Err(Decision::deny("condition-b3-use-routine-use", "(b)(3) is a routine use: name its letter")),
                5 => {
                    // 1.24(a)(5): "advance adequate written assurance that the record will be
                    // used solely as a statistical research or reporting record, and the record
                    // is to be transferred in a form that is not individually identifiable".
                    if !document {
                        return Err(Decision::deny("statistics-assurance-missing", "a (b)(5) release needs the recipient's advance written assurance that the records will be used solely as statistical research or reporting records (1.24(a)(5)), on file"));
                    }
                    outcome.statistical = true;
                    outcome.conditions.push("Use the tables solely as a statistical research or reporting record (31 CFR 1.24(a)(5))".to_owned());
                    format!("{}/basis/b5", system.id)
                }
                4 | 6 | 10 => {
                    if !document {
                        return Err(Decision::deny("evidence-missing", format!("a (b)({n}) release needs its written basis on file")));
                    }
                    if release.recipient_category != "federal-agency" {
                        return Err(Decision::deny("condition-recipient", format!("a (b)({n}) release goes to a federal agency")));
                    }
                    format!("{}/basis/b{n}", system.id)
                }
                7 => {
                    if !evidence.agency_head_request || !document {
                        return Err(Decision::deny("b7-request-missing", "a (b)(7) release needs the written request of the head of the requesting agency, on file"));
                    }
                    if evidence.portion.is_empty() {
                        return Err(Decision::deny("b7-portion-missing", "a (b)(7) request names the particular portion desired; only it is released"));
                    }
                    if !stated(&evidence.activity) {
                        return Err(Decision::deny("b7-activity-missing", "a (b)(7) request names the law-enforcement activity"));
                    }
                    if !GOVERNMENT.contains(&release.recipient_category) {
                        return Err(Decision::deny("condition-recipient", "a (b)(7) release goes to an agency or instrumentality of a US jurisdiction"));
                    }
                    outcome.withheld_from_individual = true;
                    outcome.portion = Some(evidence.portion.clone());
                    format!("{}/basis/b7", system.id)
                }
                8 => {
                    if !document {
                        return Err(Decision::deny("evidence-missing", "a (b)(8) release needs the written showing of compelling circumstances"));
                    }
                    outcome.notice = calendar::add_working_days(release.today, 5).map(|due| NoticeDue {
                        kind: "notification of a (b)(8) disclosure to the individual's last known address (1.22(g))",
                        due: Some(due),
                    });
                    format!("{}/basis/b8", system.id)
                }
                9 => {
                    if release.recipient_category != "congress" {
                        return Err(Decision::deny("condition-recipient", "a (b)(9) release goes to a House of Congress or a committee"));
                    }
                    format!("{}/basis/b9", system.id)
                }
                11 => {
                    if !document {
                        return Err(Decision::deny("evidence-missing", "a (b)(11) release needs the court order on file"));
                    }
                    legal_process_notice(system, release.today, release.evidence, outcome);
                    format!("{}/basis/b11", system.id)
                }
                _ => return Err(Decision::deny("condition-unknown", "a condition of 552a(b) is `b1` to `b11`")),
            },
            Basis::DesignatedAuthority(_) | Basis::VitalInterests | Basis::LegalProceedings => {
                return Err(Decision::deny("policy-error", "not a basis of the Privacy Act"))
            }
        })
    }

    /// A release of PNR on a path of the Undertakings (seed 001 paragraphs 29 to 35), with the
    /// findings the path needs and the conditions it carries. The rule that allows it, or the
    /// refusal.
    fn decide_undertakings_path(
        &self,
        system: &crate::catalog::System,
        release: &Disclosure<'_>,
        basis: &Basis,
        outcome: &mut DisclosureDecision,
    ) -> Result<String, Decision> {
        let evidence = release.evidence;
        let rules = &system.sorn.disclosure;
        let (paragraph, rule) = match basis {
            Basis::DesignatedAuthority(name) => {
                if name.trim().is_empty() {
                    return Err(Decision::deny(
                        "designated-authority-missing",
                        "name the designated authority",
                    ));
                }
                // Paragraph 29: "other government authorities, including foreign government
                // authorities, with counter-terrorism or law enforcement functions".
                if !government_authority(release.recipient_category) {
                    return Err(Decision::deny("pnr-recipient", "paragraph 29: PNR goes only to government authorities, including foreign ones, with counter-terrorism or law enforcement functions"));
                }
                // Paragraph 29's purposes are paragraph 3's; vital interests are paragraph 34's.
                if release.purpose == "vital-interests"
                    || !rules
                        .designated_authority_purposes
                        .iter()
                        .any(|purpose| purpose == release.purpose)
                {
                    return Err(Decision::deny(
                        "designated-authority-purpose",
                        format!("paragraph 29: a release to a designated authority is for preventing and combating the offenses of paragraph 3 (it may be for: {})", rules.designated_authority_purposes.iter().filter(|purpose| *purpose != "vital-interests").cloned().collect::<Vec<_>>().join(", ")),
                    ));
                }
                // Paragraph 30: CBP first finds that the authority "is responsible for
                // preventing, investigating or prosecuting the violations of, or enforcing or
                // implementing, a statute or regulation related to that purpose, where CBP is
                // aware of an indication of a violation or potential violation of law".
                if !stated(&evidence.statute) {
                    return Err(Decision::deny("pnr-statute-missing", "paragraph 30: name the statute or regulation related to the purpose that the authority is responsible for enforcing"));
                }
                if !stated(&evidence.violation) {
                    return Err(Decision::deny("pnr-violation-missing", "paragraph 30: state the indication of a violation or potential violation of law that CBP is aware of"));
                }
                ("29", format!("{}/basis/designated-authority", system.id))
            }
            Basis::VitalInterests => {
                // Paragraph 34: "to relevant government authorities, where such disclosure is
                // necessary for the protection of the vital interests of the data subject or of
                // other persons".
                if !government_authority(release.recipient_category) {
                    return Err(Decision::deny("pnr-recipient", "paragraph 34: PNR goes for vital interests only to relevant government authorities"));
                }
                if release.purpose != "vital-interests" {
                    return Err(Decision::deny("pnr-purpose", "paragraph 34: a release for vital interests states the purpose `vital-interests`"));
                }
                if !stated(&evidence.necessity) {
                    return Err(Decision::deny("pnr-necessity-missing", "paragraph 34: state why the release is necessary to protect the vital interests of the data subject or of others"));
                }
                ("34", format!("{}/basis/vital-interests", system.id))
            }
            Basis::LegalProceedings => {
                // Paragraph 35: "in any criminal judicial proceedings or as otherwise required
                // by law": a court, or the government body the law or the process names.
                if release.recipient_category != "court"
                    && !GOVERNMENT.contains(&release.recipient_category)
                    && release.recipient_category != "congress"
                {
                    return Err(Decision::deny("pnr-recipient", "paragraph 35: PNR goes in criminal judicial proceedings (a court) or where required by law (a body of a US government)"));
                }
                if !stated(&evidence.document) {
                    return Err(Decision::deny("evidence-missing", "paragraph 35: the subpoena, order or law that requires the release, on file"));
                }
                if !stated(&evidence.proceeding) {
                    return Err(Decision::deny("pnr-proceeding-missing", "paragraph 35: name the criminal judicial proceeding (court and case) or the law that requires the release"));
                }
                legal_process_notice(system, release.today, release.evidence, outcome);
                outcome.conditions = PROCEEDINGS_CONDITIONS
                    .iter()
                    .map(|condition| (*condition).to_owned())
                    .collect();
                outcome.conditions.extend(rules.conditions.iter().cloned());
                return Ok(format!("{}/basis/legal-proceedings", system.id));
            }
            _ => {
                return Err(Decision::deny(
                    "policy-error",
                    "not a path of the Undertakings",
                ))
            }
        };
        outcome.conditions = UNDERTAKINGS_CONDITIONS
            .iter()
            .map(|condition| condition.replace("{paragraph}", paragraph))
            .collect();
        outcome.conditions.extend(rules.conditions.iter().cloned());
        Ok(rule)
    }
}

/// A refused release.
fn refused(rule: &str, reason: String) -> DisclosureDecision {
    refused_by(Decision::deny(rule, reason))
}

/// A release refused by `decision`.
fn refused_by(decision: Decision) -> DisclosureDecision {
    DisclosureDecision {
        decision,
        accounted: true,
        withheld_from_individual: false,
        portion: None,
        notice: None,
        conditions: Vec::new(),
        statistical: false,
        evidence: Vec::new(),
        notice_suppressed: None,
        notice_exempt: ExemptPortion::Nothing,
    }
}

/// The notice of compulsory legal process to the individual (1.22(f)): "within five working
/// days of making the records available under compulsory legal process or, in the case of a
/// Grand Jury subpoena or an ex parte order, within five days of its becoming a matter of public
/// record" (with no due date until that day is known). Made for the records the system's claim
/// of exemption from 552a(e)(8) under (j) does not cover: "Notice ... is not required if the
/// system of records has been exempted from the notice requirement of 5 U.S.C. 552a (e)(8) and
/// this section, pursuant to 5 U.S.C. 552a (j)". The claim may cover only portions of the
/// system (seed 000).
fn legal_process_notice(
    system: &crate::catalog::System,
    today: NaiveDate,
    evidence: &Evidence,
    outcome: &mut DisclosureDecision,
) {
    let portion = system.sorn.exempt_portion("552a(e)(8)");
    outcome.notice_suppressed = portion.under().map(|under| {
        let which = match portion {
            ExemptPortion::UnlessFrom { .. } => "records of this release whose source system gives no access or amendment",
            _ => "every record",
        };
        format!(
            "no notice of legal process (1.22(f)) for {which}: `{}` is exempt from 552a(e)(8) under {under}",
            system.id
        )
    });
    let due = match evidence.process.as_deref() {
        Some(process) if due_from_public_record(process) => {
            evidence.public_on.and_then(legal_process_due_after_public)
        }
        _ => calendar::add_working_days(today, 5),
    };
    outcome.notice = match portion {
        ExemptPortion::Whole { .. } => None,
        _ => Some(NoticeDue {
            kind: "notice of compulsory legal process to the individual (1.22(f))",
            due,
        }),
    };
    outcome.notice_exempt = portion;
}

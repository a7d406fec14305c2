//! The legal basis of a release outside the agency (5 U.S.C. 552a(b), 31 CFR 1.24): the
//! individual's written consent, a routine use of the system, one of the conditions (b)(1) to
//! (b)(11) with its evidence, or (for PNR, ours) a designated authority. Decides whether the
//! release may go ahead, whether it is accounted, whether the individual is told of it, which
//! portion is released, and which notice it creates. Pure: `today` is an input.

use chrono::NaiveDate;

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
    /// A designated authority, by name (PNR; ours).
    DesignatedAuthority(String),
}

impl Basis {
    /// How the accounting and the log name it.
    pub fn describe(&self) -> String {
        match self {
            Basis::Consent => "written consent".into(),
            Basis::RoutineUse(letter) => format!("routine use {letter}"),
            Basis::Condition(n) => format!("552a(b)({n})"),
            Basis::DesignatedAuthority(name) => format!("designated authority {name}"),
        }
    }
}

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
    /// When it is due.
    pub due: NaiveDate,
}

/// One release to decide.
#[derive(Clone, Debug)]
pub struct Disclosure<'a> {
    /// The system of the records.
    pub system: &'a str,
    /// The recipient's category (SORN vocabulary).
    pub recipient_category: &'a str,
    /// The release's purpose.
    pub purpose: &'a str,
    /// The legal basis.
    pub basis: &'a Basis,
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
}

/// Government recipients that are "agencies" or instrumentalities for (b)(7).
const GOVERNMENT: [&str; 5] = [
    "federal-agency",
    "state-agency",
    "local-agency",
    "tribal-agency",
    "territorial-agency",
];

impl Policy {
    /// Decides a release. Checks, in order: the system is known; the basis holds (a routine
    /// use in effect that names the recipient category and the purpose; a condition with
    /// its evidence; consent on file; a designated authority where the system has them);
    /// and, for any recipient but a federal agency (FOIA releases apart), the accuracy
    /// attestation.
    pub fn decide_disclosure(&self, release: &Disclosure<'_>) -> DisclosureDecision {
        let refuse = |rule: &str, reason: String| DisclosureDecision {
            decision: Decision::deny(rule, reason),
            accounted: true,
            withheld_from_individual: false,
            portion: None,
            notice: None,
            conditions: Vec::new(),
        };
        let Some(system) = self.catalog().system(release.system) else {
            return refuse(
                "system-unknown",
                format!(
                    "the gate knows no system of records `{}`",
                    code(release.system)
                ),
            );
        };
        if !sorn::RECIPIENT_CATEGORIES.contains(&release.recipient_category) {
            return refuse(
                "recipient-category-unknown",
                format!(
                    "`{}` is not a recipient category",
                    code(release.recipient_category)
                ),
            );
        }
        let evidence = release.evidence;
        let document = evidence
            .document
            .as_deref()
            .filter(|doc| !doc.trim().is_empty());
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
        };
        let allowed = match release.basis {
            Basis::Consent => match document {
                Some(_) => format!("{}/basis/consent", system.id),
                None => return refuse("consent-missing", "a release by consent needs the written consent on file (its reference)".into()),
            },
            Basis::RoutineUse(letter) => {
                let decision = self.decide_routine_use(&system.id, letter, release.recipient_category, release.purpose, release.today);
                if !decision.allowed {
                    return DisclosureDecision { decision, ..outcome };
                }
                decision.rule
            }
            Basis::DesignatedAuthority(name) => {
                let rules = &system.sorn.disclosure;
                if !rules.designated_authorities {
                    return refuse("designated-authority-not-a-basis", format!("`{}` does not release to designated authorities", system.id));
                }
                if name.trim().is_empty() {
                    return refuse("designated-authority-missing", "name the designated authority".into());
                }
                if !rules.designated_authority_purposes.iter().any(|purpose| purpose == release.purpose) {
                    return refuse(
                        "designated-authority-purpose",
                        format!("a release to a designated authority of `{}` is not for the purpose given (it may be for: {})", system.id, rules.designated_authority_purposes.join(", ")),
                    );
                }
                outcome.conditions = rules.conditions.clone();
                format!("{}/basis/designated-authority", system.id)
            }
            Basis::Condition(n) => match n {
                1 => return refuse("condition-b1-internal", "(b)(1) is need-to-know access within the agency: its staff read the system directly, not by disclosure".into()),
                2 => {
                    if document.is_none() {
                        return refuse("evidence-missing", "a (b)(2) release needs the FOIA request it answers".into());
                    }
                    outcome.accounted = false;
                    format!("{}/basis/b2", system.id)
                }
                3 => return refuse("condition-b3-use-routine-use", "(b)(3) is a routine use: name its letter".into()),
                4 | 5 | 6 | 10 => {
                    if document.is_none() {
                        return refuse("evidence-missing", format!("a (b)({n}) release needs its written basis on file"));
                    }
                    if *n != 5 && release.recipient_category != "federal-agency" {
                        return refuse("condition-recipient", format!("a (b)({n}) release goes to a federal agency"));
                    }
                    format!("{}/basis/b{n}", system.id)
                }
                7 => {
                    if !evidence.agency_head_request || document.is_none() {
                        return refuse("b7-request-missing", "a (b)(7) release needs the written request of the head of the requesting agency, on file".into());
                    }
                    if evidence.portion.is_empty() {
                        return refuse("b7-portion-missing", "a (b)(7) request names the particular portion desired; only it is released".into());
                    }
                    if evidence.activity.as_deref().is_none_or(|activity| activity.trim().is_empty()) {
                        return refuse("b7-activity-missing", "a (b)(7) request names the law-enforcement activity".into());
                    }
                    if !GOVERNMENT.contains(&release.recipient_category) {
                        return refuse("condition-recipient", "a (b)(7) release goes to an agency or instrumentality of a US jurisdiction".into());
                    }
                    outcome.withheld_from_individual = true;
                    outcome.portion = Some(evidence.portion.clone());
                    format!("{}/basis/b7", system.id)
                }
                8 => {
                    if document.is_none() {
                        return refuse("evidence-missing", "a (b)(8) release needs the written showing of compelling circumstances".into());
                    }
                    outcome.notice = calendar::add_working_days(release.today, 5).map(|due| NoticeDue {
                        kind: "notification of a (b)(8) disclosure to the individual's last known address (1.22(g))",
                        due,
                    });
                    format!("{}/basis/b8", system.id)
                }
                9 => {
                    if release.recipient_category != "congress" {
                        return refuse("condition-recipient", "a (b)(9) release goes to a House of Congress or a committee".into());
                    }
                    format!("{}/basis/b9", system.id)
                }
                11 => {
                    if document.is_none() {
                        return refuse("evidence-missing", "a (b)(11) release needs the court order on file".into());
                    }
                    let exempt = system.sorn.exemptions.claims.iter().any(|claim| {
                        claim.under.contains("(j)") && claim.from.iter().any(|from| from == "552a(e)(8)")
                    });
                    if !exempt {
                        outcome.notice = calendar::add_working_days(release.today, 5).map(|due| NoticeDue {
                            kind: "notice of compulsory legal process to the individual (1.22(f))",
                            due,
                        });
                    }
                    format!("{}/basis/b11", system.id)
                }
                _ => return refuse("condition-unknown", format!("there is no condition (b)({n})")),
            },
        };
        let foia = matches!(release.basis, Basis::Condition(2));
        if release.recipient_category != "federal-agency" && !foia && !release.accuracy_attested {
            return refuse(
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
}

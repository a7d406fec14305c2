//! Who may do what: the gate's decisions over casbin rules, the roles and organizations the
//! vault knows, the systems of records loaded from their SORN files, and the legal rules that
//! are pure functions of dates and counts.
//!
//! [`Policy::decide`] answers every request with a [`Decision`] that names its rule, allowed or
//! not: the access log records it either way. Any error while deciding is a denial.
//!
//! - `enforcer`: casbin over the vault's rules and the SORN grants' rows; `decide`.
//! - `sorn`: a system of records notice as a file: parsing and every check.
//! - `catalog`: the systems loaded from SORN files: owners, purposes, categories, phases.
//! - `codes`: the grammars of the codes and references the vault logs.
//! - `calendar`: the legal calendar (federal holidays, working days).
//! - `disclosure`: the rules of a release (552a(b), routine uses, the PNR Undertakings).
//! - `requests`: Privacy Act and FOIA requests: deadlines, events in order, fees, letters' facts.
//! - `pnr`: when CBP may receive a flight's PNR (seed 001 paragraphs 13 and 14).
//! - `statistics`: the suppression rule of statistical releases (552a(b)(5)).
//! - `reports`: the yearly request statistics and the complaint report, as pure counts.
//! - `view`: what a caller may see of a record: its phase from its facts, free text, a
//!   co-party's fields, and what a projection or portion releases.

pub mod calendar;
mod catalog;
pub mod codes;
pub mod disclosure;
mod enforcer;
pub mod pnr;
pub mod reports;
pub mod requests;
pub mod sorn;
pub mod statistics;
pub mod view;

#[cfg(test)]
mod tests;

pub use crate::catalog::{Catalog, RecordShape, System, VAULT_SYSTEM};
pub use crate::codes::{code, validate_case_id, NOT_A_CODE};

use chrono::{Months, NaiveDate};

/// The roles an account may hold.
pub const ROLES: [&str; 12] = [
    "admin",
    "security-officer",
    "ingest",
    "analyst",
    "disclosure-officer",
    "privacy-officer",
    "records-officer",
    "auditor",
    "internal-affairs",
    "oig",
    "maintainer",
    "foreign-partner",
];

/// The organizations whose staff may hold accounts: two DHS components, FinCEN, and a
/// foreign trade transparency unit.
pub const ORGANIZATIONS: [&str; 4] = ["dhs-ice", "dhs-cbp", "treasury-fincen", "foreign-ttu"];

/// The longest case id accepted.
pub const MAX_CASE_ID_LEN: usize = codes::MAX_REFERENCE_LEN;

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Search a system's records by identifier.
    RecordSearch,
    /// Read one record by id.
    RecordRead,
    /// Read a record's free text (remarks, open fields).
    RecordReadFreeText,
    /// Release records outside the agency (the disclosure issue).
    RecordDisclose,
    /// Designate a subject high risk, or confirm or withdraw a designation (PNR, seed 001
    /// paragraph 5: "identified by CBP as high risk").
    RecordDesignate,
    /// Attach a correction, dispute or statement to a record.
    RecordAnnotate,
    /// Place or release a hold.
    RecordHold,
    /// Destroy records under a schedule.
    RecordDestroy,
    /// Export records in bulk.
    RecordExport,
    /// Load records into a system.
    RecordIngest,
    /// Create or disable accounts.
    AccountsManage,
    /// List accounts.
    AccountsList,
    /// Attest an account's vetting (background investigation and training dates).
    AccountsVet,
    /// Search the access log.
    AuditSearch,
    /// Verify the access log.
    AuditVerify,
    /// Search the accounting of disclosures by subject.
    AccountingSearch,
    /// Destroy the years of the accounting that are due (with certificates).
    AccountingExpire,
    /// See what the retention schedules would do.
    RetentionPlan,
    /// Run the retention schedules (destroy what is due).
    RetentionRun,
    /// Read the disposition certificates.
    RetentionCertificates,
    /// Place a hold on records or on a subject.
    HoldsPlace,
    /// Release a hold (a compliance hold only after its retain-until date).
    HoldsRelease,
    /// List the holds.
    HoldsList,
    /// Open Privacy Act requests and record their events.
    RequestsManage,
    /// See Privacy Act requests and what is due.
    RequestsView,
    /// Record how a carrier's PNR comes to CBP (pulled, or pushed since a day: seed 001
    /// paragraphs 13 and 14).
    RecordConfigureReceipts,
    /// Transfer a cohort in its archive phase to a records center (31 CFR 1.25(b)(3)).
    TransfersMake,
    /// Read a transferred cohort's package back, for a request, a hold or an audit.
    TransfersRecall,
    /// Take a backup.
    VaultBackup,
    /// See the vault's status (counts, never contents).
    VaultStatus,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 30] = [
        Action::RecordSearch,
        Action::RecordRead,
        Action::RecordReadFreeText,
        Action::RecordDisclose,
        Action::RecordDesignate,
        Action::RecordAnnotate,
        Action::RecordHold,
        Action::RecordDestroy,
        Action::RecordExport,
        Action::RecordIngest,
        Action::RecordConfigureReceipts,
        Action::AccountsManage,
        Action::AccountsList,
        Action::AccountsVet,
        Action::AuditSearch,
        Action::AuditVerify,
        Action::AccountingSearch,
        Action::AccountingExpire,
        Action::RetentionPlan,
        Action::RetentionRun,
        Action::RetentionCertificates,
        Action::HoldsPlace,
        Action::HoldsRelease,
        Action::HoldsList,
        Action::RequestsManage,
        Action::RequestsView,
        Action::TransfersMake,
        Action::TransfersRecall,
        Action::VaultBackup,
        Action::VaultStatus,
    ];

    /// The action's name in the rules and the access log.
    pub fn name(self) -> &'static str {
        match self {
            Action::RecordSearch => "record.search",
            Action::RecordRead => "record.read",
            Action::RecordReadFreeText => "record.read-free-text",
            Action::RecordDisclose => "record.disclose",
            Action::RecordDesignate => "record.designate",
            Action::RecordAnnotate => "record.annotate",
            Action::RecordHold => "record.hold",
            Action::RecordDestroy => "record.destroy",
            Action::RecordExport => "record.export",
            Action::RecordIngest => "record.ingest",
            Action::RecordConfigureReceipts => "record.configure-receipts",
            Action::AccountsManage => "accounts.manage",
            Action::AccountsList => "accounts.list",
            Action::AccountsVet => "accounts.vet",
            Action::AuditSearch => "audit.search",
            Action::AuditVerify => "audit.verify",
            Action::AccountingSearch => "accounting.search",
            Action::AccountingExpire => "accounting.expire",
            Action::RetentionPlan => "retention.plan",
            Action::RetentionRun => "retention.run",
            Action::RetentionCertificates => "retention.certificates",
            Action::HoldsPlace => "holds.place",
            Action::HoldsRelease => "holds.release",
            Action::HoldsList => "holds.list",
            Action::RequestsManage => "requests.manage",
            Action::RequestsView => "requests.view",
            Action::TransfersMake => "transfers.make",
            Action::TransfersRecall => "transfers.recall",
            Action::VaultBackup => "vault.backup",
            Action::VaultStatus => "vault.status",
        }
    }

    /// The action of a SORN grant's action word (`search`, `read-free-text`...).
    pub fn from_sorn(action: &str) -> Option<Action> {
        Some(match action {
            "search" => Action::RecordSearch,
            "read" => Action::RecordRead,
            "read-free-text" => Action::RecordReadFreeText,
            "disclose" => Action::RecordDisclose,
            "designate" => Action::RecordDesignate,
            "annotate" => Action::RecordAnnotate,
            "hold" => Action::RecordHold,
            "destroy" => Action::RecordDestroy,
            "export" => Action::RecordExport,
            "configure-receipts" => Action::RecordConfigureReceipts,
            _ => return None,
        })
    }

    /// Whether the action reaches records of a system of records (and so names one), rather
    /// than the vault itself.
    pub fn on_records(self) -> bool {
        self.name().starts_with("record.")
    }

    /// Whether the action releases record contents, and so must carry a purpose code from the
    /// system's list and a case id.
    pub fn needs_purpose(self) -> bool {
        matches!(
            self,
            Action::RecordSearch
                | Action::RecordRead
                | Action::RecordReadFreeText
                | Action::RecordExport
                | Action::RecordDesignate
        )
    }
}

/// What the vault knows of an account's vetting, and the day it is decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vetting {
    /// When the holder's background investigation was completed, if it was.
    pub background_investigation: Option<NaiveDate>,
    /// When the holder last completed privacy training, if ever.
    pub privacy_training: Option<NaiveDate>,
    /// Whether the dates were attested by someone other than whoever created the account (a
    /// security officer, or the labelled bootstrap act of `init`).
    pub attested: bool,
    /// Today (injected).
    pub today: NaiveDate,
}

/// How long privacy training lasts (seed 001 paragraph 20: biennial).
pub const TRAINING_MONTHS: u32 = 24;

/// One request to decide: who asks (as authenticated), what for, on which system and, when
/// deciding on one record, its category and retention phase.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The account's name.
    pub principal: &'a str,
    /// The account's organization.
    pub organization: &'a str,
    /// The account's role.
    pub role: &'a str,
    /// The account's vetting.
    pub vetting: Vetting,
    /// What it wants to do.
    pub action: Action,
    /// The system of records, or [`VAULT_SYSTEM`] for the vault's own actions.
    pub system: &'a str,
    /// The record's category (`None`: any, as for a search).
    pub category: Option<&'a str>,
    /// The record's retention phase (`None`: any phase the role works in, as for a search).
    pub phase: Option<&'a str>,
    /// The purpose code declared (required where [`Action::needs_purpose`]).
    pub purpose: Option<&'a str>,
    /// The case id declared (required where [`Action::needs_purpose`]).
    pub case_id: Option<&'a str>,
    /// The fields asked for (`None`: the whole record).
    pub fields: Option<&'a [&'a str]>,
    /// For free text: whether a designation by CBP that a record's subject is high risk is in
    /// force (seed 001 paragraph 5).
    pub high_risk: bool,
}

/// A decision and the rule that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The rule: an allowing row's id, or the check that denied.
    pub rule: String,
    /// Why it was denied, for the caller and the log (empty when allowed). Never contains
    /// values other than the request's own codes.
    pub reason: String,
    /// The fields the caller may see, when its role sees less than whole records.
    pub projection: Option<Vec<String>>,
}

impl Decision {
    fn allow(rule: String) -> Self {
        Decision {
            allowed: true,
            rule,
            reason: String::new(),
            projection: None,
        }
    }

    /// A denial by the check `rule`, for `reason`.
    pub fn deny(rule: &str, reason: impl Into<String>) -> Self {
        Decision {
            allowed: false,
            rule: rule.to_owned(),
            reason: reason.into(),
            projection: None,
        }
    }
}

/// Errors loading or evaluating the policy. Evaluation errors never reach callers of
/// [`Policy::decide`]: they become denials.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model or rules could not be loaded.
    #[error("the policy could not be loaded: {0}")]
    Load(String),
    /// A request could not be evaluated.
    #[error("the policy could not evaluate the request: {0}")]
    Evaluate(String),
}

/// The gate's policy: the rules and the systems of records.
pub struct Policy {
    rules: enforcer::Rules,
    catalog: Catalog,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("catalog", &self.catalog)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// The built-in policy: the shipped SORN files and the vault's own rules.
    pub fn builtin() -> Result<Self, Error> {
        let catalog = Catalog::builtin().map_err(|errors| {
            Error::Load(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        Self::new(catalog)
    }

    /// The policy of `catalog`: its systems' grants and the vault's own rules (`rules.csv`).
    pub fn new(catalog: Catalog) -> Result<Self, Error> {
        Self::with_vault_rules(catalog, enforcer::RULES)
    }

    /// The policy of `catalog` with `vault_rules` (casbin CSV rows) for the vault's own
    /// actions.
    pub fn with_vault_rules(catalog: Catalog, vault_rules: &str) -> Result<Self, Error> {
        let mut rules = vault_rules.to_owned();
        for row in catalog.rule_rows() {
            rules.push_str("\np, ");
            rules.push_str(&row.join(", "));
        }
        Ok(Policy {
            rules: enforcer::Rules::load(enforcer::MODEL, &rules)?,
            catalog,
        })
    }

    /// The systems of records.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Every rule id of the loaded rules.
    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.rule_ids()
    }

    /// How many decisions the rules' answer cache holds (bounded: only known codes are asked).
    pub fn cached_decisions(&self) -> usize {
        self.rules.cached()
    }

    /// Decides `request`. Checks, in order:
    /// 1. the role and organization are known, and the account is vetted (a background
    ///    investigation on file, privacy training within two years);
    /// 2. for actions on records: the system is known; releases carry a well-formed purpose
    ///    code of the system and case id; the organization has direct access (others receive
    ///    records through disclosures); the fields asked for are within the role's projection;
    ///    free text of a category that requires it is read only for a subject flagged high
    ///    risk;
    /// 3. the rules (casbin): role, organization, action, system, category, phase, purpose.
    ///
    /// Any error denies.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        if !ROLES.contains(&request.role) {
            return Decision::deny(
                "role-unknown",
                "the account's role is not one the vault knows",
            );
        }
        if !ORGANIZATIONS.contains(&request.organization) {
            return Decision::deny(
                "organization-unknown",
                "the account's organization is not one the vault knows",
            );
        }
        if let Some(denial) = vetting_denial(&request.vetting) {
            return denial;
        }
        let action = request.action;
        let mut projection = None;
        let purpose = if action.on_records() {
            let Some(system) = self.catalog.system(request.system) else {
                return Decision::deny(
                    "system-unknown",
                    "the gate knows no such system of records",
                );
            };
            let purpose = if action.needs_purpose() {
                let Some(purpose) = request.purpose.filter(|p| !p.is_empty()) else {
                    return Decision::deny(
                        "purpose-missing",
                        "a purpose code is required to search or read records",
                    );
                };
                let Some(case_id) = request.case_id.filter(|c| !c.is_empty()) else {
                    return Decision::deny(
                        "case-missing",
                        "a case id is required to search or read records",
                    );
                };
                if let Err(reason) = validate_case_id(case_id) {
                    return Decision::deny("case-invalid", reason);
                }
                if !system.purposes.iter().any(|known| known == purpose) {
                    // The value is not repeated: a purpose field is where an identifier typed
                    // by mistake would land.
                    return Decision::deny(
                        "purpose-unknown",
                        format!(
                            "the purpose given is not one of the system `{}`'s purposes ({})",
                            system.id,
                            system.purposes.join(", ")
                        ),
                    );
                }
                purpose
            } else if action == Action::RecordIngest {
                "intake"
            } else {
                // Only a purpose the system knows reaches the rules (and their answer cache):
                // anything else is asked as "(not a code)", which only a `*` row allows.
                request
                    .purpose
                    .map_or("*", |purpose| system.known_purpose(purpose))
            };
            if let Some(fields) = system.projection(request.role) {
                if let Some(outside) = request.fields.and_then(|asked| {
                    asked
                        .iter()
                        .find(|field| !fields.contains(&(**field).to_owned()))
                }) {
                    return Decision::deny(
                        "field-outside-projection",
                        format!(
                            "the role `{}` sees only its field set of `{}`; `{}` is outside it",
                            request.role,
                            system.id,
                            code(outside)
                        ),
                    );
                }
                projection = Some(fields);
            }
            if action != Action::RecordIngest
                && !system
                    .direct_access
                    .iter()
                    .any(|org| org == request.organization)
            {
                return Decision::deny(
                    "not-direct-access",
                    format!(
                        "staff of `{}` have no direct access to `{}`; they receive its records only through a disclosure",
                        request.organization, system.id
                    ),
                );
            }
            if action == Action::RecordReadFreeText && !request.high_risk {
                let gated = request
                    .category
                    .and_then(|category| system.sorn.category(category))
                    .is_none_or(|category| category.free_text_requires_high_risk);
                if gated {
                    return Decision::deny(
                        "free-text-not-high-risk",
                        "free text is read by a person only when CBP has designated the record's subject high risk (seed 001 paragraph 5)",
                    );
                }
            }
            purpose
        } else if request.system != VAULT_SYSTEM {
            return Decision::deny(
                "system-unknown",
                format!("`{}` applies to the vault itself", action.name()),
            );
        } else {
            // The vault's own rows allow any purpose: none is asked by name.
            request.purpose.map_or("*", |_| NOT_A_CODE)
        };
        let evaluated = self.rules.allowing_rule([
            request.role,
            request.organization,
            action.name(),
            request.system,
            request.category.unwrap_or("*"),
            request.phase.unwrap_or("*"),
            purpose,
        ]);
        match evaluated {
            Ok(Some(rule)) => Decision {
                projection,
                ..Decision::allow(rule)
            },
            Ok(None) => Decision::deny(
                "no-rule",
                format!(
                    "no rule allows the role `{}` of `{}` to {} on `{}`{}{}",
                    request.role,
                    request.organization,
                    action.name(),
                    request.system,
                    request
                        .phase
                        .map_or(String::new(), |phase| format!(" in phase `{phase}`")),
                    if purpose == "*" {
                        String::new()
                    } else {
                        format!(" for `{purpose}`")
                    }
                ),
            ),
            Err(err) => Decision::deny("policy-error", err.to_string()),
        }
    }

    /// The denial an account's vetting calls for, if any: no background investigation on
    /// file, or privacy training missing or more than two years old.
    pub fn vetting_denial(&self, vetting: &Vetting) -> Option<Decision> {
        vetting_denial(vetting)
    }

    /// Decides a release under routine use `letter` of `system` to a recipient category for a
    /// purpose on `today`, on the version of the use in effect that day (each version is in
    /// effect 30 days after its publication, 31 CFR 1.23).
    pub fn decide_routine_use(
        &self,
        system: &str,
        letter: &str,
        recipient: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Decision {
        match self.routine_use_in_effect(system, letter, recipient, purpose, today) {
            Ok((rule, _)) => Decision::allow(rule),
            Err(denial) => denial,
        }
    }

    /// As [`Policy::decide_routine_use`]: the rule that allows the release and the condition
    /// of the version in effect (its evidence is then required), or the denial.
    pub fn routine_use_in_effect(
        &self,
        system: &str,
        letter: &str,
        recipient: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<(String, Option<sorn::UseCondition>), Decision> {
        let Some(system) = self.catalog.system(system) else {
            return Err(Decision::deny(
                "system-unknown",
                "the gate knows no such system of records",
            ));
        };
        let Some(routine_use) = system
            .sorn
            .routine_uses
            .iter()
            .map(|use_| use_.get_ref())
            .find(|use_| use_.letter == letter)
        else {
            return Err(Decision::deny(
                "routine-use-unknown",
                format!("`{}` has no routine use `{}`", system.id, code(letter)),
            ));
        };
        let versions = routine_use.versions();
        let in_effect_from = |version: &sorn::UseVersion| {
            calendar::add_calendar_days(version.published, ROUTINE_USE_NOTICE_DAYS)
        };
        let Some(version) = versions
            .iter()
            .rev()
            .find(|version| in_effect_from(version).is_some_and(|from| today >= from))
        else {
            return Err(match versions.first().and_then(in_effect_from) {
                Some(from) => Decision::deny(
                    "routine-use-not-in-effect",
                    format!(
                        "routine use {letter} of `{}` is in effect from {from}",
                        system.id
                    ),
                ),
                None => Decision::deny(
                    "policy-error",
                    "the routine use has no valid publication date",
                ),
            });
        };
        if !version.recipients.iter().any(|known| known == recipient) {
            return Err(Decision::deny(
                "routine-use-recipient",
                format!(
                    "routine use {letter} of `{}` (as in effect on {today}) does not name the recipient category `{}`",
                    system.id,
                    code(recipient)
                ),
            ));
        }
        if !version.purposes.iter().any(|known| known == purpose) {
            return Err(Decision::deny(
                "routine-use-purpose",
                format!(
                    "routine use {letter} of `{}` (as in effect on {today}) is not for the purpose given (it serves: {})",
                    system.id,
                    version.purposes.join(", ")
                ),
            ));
        }
        Ok((
            format!("{}/routine-use/{letter}", system.id),
            version.condition.clone(),
        ))
    }
}

/// Days after publication before a routine use is in effect (31 CFR 1.23).
pub const ROUTINE_USE_NOTICE_DAYS: u32 = 30;

/// The denial an account's vetting calls for, if any (seed 001 paragraphs 19 and 20).
fn vetting_denial(vetting: &Vetting) -> Option<Decision> {
    if !vetting.attested {
        return Some(Decision::deny(
            "vetting-unattested",
            "the account's vetting has not been attested by a security officer other than its creator",
        ));
    }
    if vetting.background_investigation.is_none() {
        return Some(Decision::deny(
            "vetting-background-investigation",
            "the account has no completed background investigation on file",
        ));
    }
    let current = vetting
        .privacy_training
        .and_then(|trained| trained.checked_add_months(Months::new(TRAINING_MONTHS)))
        .is_some_and(|lapses| vetting.today <= lapses);
    if !current {
        return Some(Decision::deny(
            "vetting-training-lapsed",
            "the account's privacy training is missing or more than two years old",
        ));
    }
    None
}

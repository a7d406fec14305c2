//! Who may do what: the gate's decisions over casbin rules, the roles and organizations the
//! vault knows, and the systems of records with their purposes (one built-in system until the
//! systems-of-records issue loads SORN files).
//!
//! [`Policy::decide`] answers every request with a [`Decision`] that names its rule, allowed or
//! not: the access log records it either way. Any error while deciding is a denial.

pub mod calendar;
mod catalog;
mod enforcer;
pub mod sorn;

#[cfg(test)]
mod tests;

pub use crate::catalog::{Catalog, RecordShape, System, VAULT_SYSTEM};

/// The roles an account may hold.
pub const ROLES: [&str; 11] = [
    "admin",
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
pub const MAX_CASE_ID_LEN: usize = 64;

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Search a system's records by identifier.
    RecordSearch,
    /// Read one record by id.
    RecordRead,
    /// Load records into a system.
    RecordIngest,
    /// Create or disable accounts.
    AccountsManage,
    /// List accounts.
    AccountsList,
    /// Search the access log.
    AuditSearch,
    /// Verify the access log.
    AuditVerify,
    /// Take a backup.
    VaultBackup,
    /// See the vault's status (counts, never contents).
    VaultStatus,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::RecordSearch,
        Action::RecordRead,
        Action::RecordIngest,
        Action::AccountsManage,
        Action::AccountsList,
        Action::AuditSearch,
        Action::AuditVerify,
        Action::VaultBackup,
        Action::VaultStatus,
    ];

    /// The action's name in the rules and the access log.
    pub fn name(self) -> &'static str {
        match self {
            Action::RecordSearch => "record.search",
            Action::RecordRead => "record.read",
            Action::RecordIngest => "record.ingest",
            Action::AccountsManage => "accounts.manage",
            Action::AccountsList => "accounts.list",
            Action::AuditSearch => "audit.search",
            Action::AuditVerify => "audit.verify",
            Action::VaultBackup => "vault.backup",
            Action::VaultStatus => "vault.status",
        }
    }

    /// The action a SORN grant's action word allows through the API, if there is one yet.
    pub fn from_sorn(action: &str) -> Option<Action> {
        match action {
            "search" => Some(Action::RecordSearch),
            "read" => Some(Action::RecordRead),
            _ => None,
        }
    }

    /// Whether the action reaches records of a system of records (and so names one), rather
    /// than the vault itself.
    pub fn on_records(self) -> bool {
        matches!(
            self,
            Action::RecordSearch | Action::RecordRead | Action::RecordIngest
        )
    }

    /// Whether the action releases record contents, and so must carry a purpose code from the
    /// system's list and a case id.
    pub fn needs_purpose(self) -> bool {
        matches!(self, Action::RecordSearch | Action::RecordRead)
    }
}

/// One request to decide: who asks (as authenticated), what for, on which system.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The account's name.
    pub principal: &'a str,
    /// The account's organization.
    pub organization: &'a str,
    /// The account's role.
    pub role: &'a str,
    /// What it wants to do.
    pub action: Action,
    /// The system of records, or [`VAULT_SYSTEM`] for the vault's own actions.
    pub system: &'a str,
    /// The purpose code declared (required where [`Action::needs_purpose`]).
    pub purpose: Option<&'a str>,
    /// The case id declared (required where [`Action::needs_purpose`]).
    pub case_id: Option<&'a str>,
}

/// A decision and the rule that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The rule: an allowing row's id from the rules, or the check that denied.
    pub rule: String,
    /// Why it was denied, for the caller and the log (empty when allowed). Never contains
    /// values other than the request's own codes.
    pub reason: String,
}

impl Decision {
    fn allow(rule: String) -> Self {
        Decision {
            allowed: true,
            rule,
            reason: String::new(),
        }
    }

    /// A denial by the check `rule`, for `reason`.
    pub fn deny(rule: &str, reason: impl Into<String>) -> Self {
        Decision {
            allowed: false,
            rule: rule.to_owned(),
            reason: reason.into(),
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

    /// Decides `request`. Checks, in order: the role and organization are known; for actions
    /// on records, the system is known; for releases, the purpose and case id are present and
    /// well formed and the purpose is one of the system's; then the rules. Any error denies.
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
        let action = request.action;
        let purpose = if action.on_records() {
            let Some(system) = self.catalog.system(request.system) else {
                return Decision::deny(
                    "system-unknown",
                    format!(
                        "the gate knows no system of records `{}`",
                        code(request.system)
                    ),
                );
            };
            if action.needs_purpose() {
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
                    return Decision::deny(
                        "purpose-unknown",
                        format!(
                            "`{}` is not a purpose of the system `{}`",
                            code(purpose),
                            system.id
                        ),
                    );
                }
                purpose
            } else {
                "intake"
            }
        } else if request.system != VAULT_SYSTEM {
            return Decision::deny(
                "system-unknown",
                format!("`{}` applies to the vault itself", action.name()),
            );
        } else {
            request.purpose.unwrap_or("administration")
        };
        let evaluated = self.rules.allowing_rule([
            request.role,
            request.organization,
            action.name(),
            request.system,
            purpose,
        ]);
        match evaluated {
            Ok(Some(rule)) => Decision::allow(rule),
            Ok(None) => Decision::deny(
                "no-rule",
                format!(
                    "no rule allows the role `{}` of `{}` to {} on `{}`",
                    request.role,
                    request.organization,
                    action.name(),
                    request.system
                ),
            ),
            Err(err) => Decision::deny("policy-error", err.to_string()),
        }
    }
}

/// Checks a case id: 1 to 64 letters, digits and dashes, starting with a letter or digit.
pub fn validate_case_id(case_id: &str) -> Result<(), String> {
    let well_formed = !case_id.is_empty()
        && case_id.len() <= MAX_CASE_ID_LEN
        && case_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && case_id.as_bytes()[0].is_ascii_alphanumeric();
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "a case id is 1 to {MAX_CASE_ID_LEN} letters, digits and dashes, starting with a letter or digit"
        ))
    }
}

/// A code the caller gave, safe to echo: a short token of letters, digits, dashes and dots,
/// or a placeholder (a misplaced value may be an identifier).
pub fn code(value: &str) -> &str {
    let token = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if token {
        value
    } else {
        "(not a code)"
    }
}

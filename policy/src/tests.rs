//! The gate's decisions, as a table: each row a request and the decision and rule expected.

use crate::{Action, Catalog, Policy, Request, VAULT_SYSTEM};

struct Case {
    role: &'static str,
    organization: &'static str,
    action: Action,
    system: &'static str,
    purpose: Option<&'static str>,
    case_id: Option<&'static str>,
    allowed: bool,
    rule: &'static str,
}

#[allow(
    clippy::too_many_arguments,
    reason = "one argument per column of the table"
)]
const fn case(
    role: &'static str,
    organization: &'static str,
    action: Action,
    system: &'static str,
    purpose: Option<&'static str>,
    case_id: Option<&'static str>,
    allowed: bool,
    rule: &'static str,
) -> Case {
    Case {
        role,
        organization,
        action,
        system,
        purpose,
        case_id,
        allowed,
        rule,
    }
}

const CBETF: &str = "fincen-cbetf";
const FINCEN: &str = "treasury-fincen";
const INV: Option<&str> = Some("investigation");
const CASE: Option<&str> = Some("CASE-2026-0001");

#[rustfmt::skip]
const TABLE: &[Case] = &[
    // Allowed, each by its row.
    case("analyst", FINCEN, Action::RecordSearch, CBETF, INV, CASE, true, "fincen-cbetf/analyst/search"),
    case("analyst", FINCEN, Action::RecordRead, CBETF, INV, CASE, true, "fincen-cbetf/analyst/read"),
    case("disclosure-officer", FINCEN, Action::RecordRead, CBETF, INV, CASE, true, "fincen-cbetf/disclosure-officer/read"),
    case("ingest", FINCEN, Action::RecordIngest, CBETF, None, None, true, "fincen-cbetf/ingest/ingest"),
    case("admin", FINCEN, Action::AccountsManage, VAULT_SYSTEM, None, None, true, "admin-accounts-manage"),
    case("admin", "dhs-ice", Action::VaultBackup, VAULT_SYSTEM, None, None, true, "admin-backup"),
    case("auditor", "dhs-cbp", Action::AuditSearch, VAULT_SYSTEM, None, None, true, "auditor-audit-search"),
    case("auditor", FINCEN, Action::AuditVerify, VAULT_SYSTEM, None, None, true, "auditor-audit-verify"),
    case("oig", FINCEN, Action::AuditSearch, VAULT_SYSTEM, None, None, true, "oig-audit-search"),
    // The checks before the rules.
    case("analyst", FINCEN, Action::RecordSearch, CBETF, None, CASE, false, "purpose-missing"),
    case("analyst", FINCEN, Action::RecordSearch, CBETF, Some(""), CASE, false, "purpose-missing"),
    case("analyst", FINCEN, Action::RecordRead, CBETF, INV, None, false, "case-missing"),
    case("analyst", FINCEN, Action::RecordRead, CBETF, INV, Some("case 7"), false, "case-invalid"),
    case("analyst", FINCEN, Action::RecordRead, CBETF, INV, Some("-7"), false, "case-invalid"),
    case("analyst", FINCEN, Action::RecordRead, CBETF, INV, Some("C/../7"), false, "case-invalid"),
    case("analyst", FINCEN, Action::RecordSearch, CBETF, Some("curiosity"), CASE, false, "purpose-unknown"),
    case("analyst", FINCEN, Action::RecordSearch, "no-such-system", INV, CASE, false, "system-unknown"),
    // Systems from their SORN files: who reads directly, for which purposes.
    case("analyst", "dhs-cbp", Action::RecordSearch, "dhs-ice-005-ttar", INV, CASE, true, "dhs-ice-005-ttar/analyst/search"),
    case("analyst", "dhs-ice", Action::RecordRead, "dhs-ice-005-ttar", Some("trade-analysis"), CASE, true, "dhs-ice-005-ttar/analyst/read"),
    case("analyst", FINCEN, Action::RecordRead, "dhs-ice-005-ttar", INV, CASE, false, "no-rule"),
    case("analyst", "dhs-ice", Action::RecordRead, "cbp-pnr", INV, CASE, false, "no-rule"),
    case("analyst", "dhs-cbp", Action::RecordRead, "cbp-pnr", Some("counterterrorism"), CASE, true, "cbp-pnr/analyst/read"),
    case("analyst", "dhs-cbp", Action::RecordRead, "cbp-pnr", Some("vital-interests"), CASE, false, "no-rule"),
    case("privacy-officer", FINCEN, Action::RecordRead, CBETF, Some("privacy-act-request"), CASE, true, "fincen-cbetf/privacy-officer/read"),
    case("maintainer", FINCEN, Action::RecordRead, CBETF, Some("maintenance"), CASE, true, "fincen-cbetf/maintainer/read"),
    case("maintainer", FINCEN, Action::RecordRead, CBETF, INV, CASE, false, "no-rule"),
    case("ingest", "dhs-cbp", Action::RecordIngest, "cbp-pnr", None, None, true, "cbp-pnr/ingest/ingest"),
    case("analyst", FINCEN, Action::RecordSearch, VAULT_SYSTEM, INV, CASE, false, "system-unknown"),
    case("admin", FINCEN, Action::AccountsManage, CBETF, None, None, false, "system-unknown"),
    case("janitor", FINCEN, Action::RecordSearch, CBETF, INV, CASE, false, "role-unknown"),
    case("analyst", "acme", Action::RecordSearch, CBETF, INV, CASE, false, "organization-unknown"),
    // The rules: a role without the action, or another organization's staff.
    case("analyst", FINCEN, Action::RecordIngest, CBETF, None, None, false, "no-rule"),
    case("analyst", FINCEN, Action::AccountsManage, VAULT_SYSTEM, None, None, false, "no-rule"),
    case("analyst", FINCEN, Action::AuditSearch, VAULT_SYSTEM, None, None, false, "no-rule"),
    case("analyst", "dhs-ice", Action::RecordSearch, CBETF, INV, CASE, false, "no-rule"),
    case("foreign-partner", "foreign-ttu", Action::RecordRead, CBETF, INV, CASE, false, "no-rule"),
    case("ingest", FINCEN, Action::RecordSearch, CBETF, INV, CASE, false, "no-rule"),
    case("ingest", "dhs-cbp", Action::RecordIngest, CBETF, None, None, false, "no-rule"),
    case("auditor", FINCEN, Action::RecordRead, CBETF, INV, CASE, false, "no-rule"),
    case("privacy-officer", FINCEN, Action::RecordRead, CBETF, INV, CASE, false, "no-rule"),
    case("internal-affairs", FINCEN, Action::AuditVerify, VAULT_SYSTEM, None, None, false, "no-rule"),
    case("maintainer", FINCEN, Action::VaultBackup, VAULT_SYSTEM, None, None, false, "no-rule"),
];

#[test]
fn decisions_follow_the_table() {
    let policy = Policy::builtin().unwrap();
    for (row, expected) in TABLE.iter().enumerate() {
        let decision = policy.decide(&Request {
            principal: "someone",
            organization: expected.organization,
            role: expected.role,
            action: expected.action,
            system: expected.system,
            purpose: expected.purpose,
            case_id: expected.case_id,
        });
        assert_eq!(
            (decision.allowed, decision.rule.as_str()),
            (expected.allowed, expected.rule),
            "row {row}: {} {} {}",
            expected.role,
            expected.action.name(),
            expected.system
        );
        assert_eq!(decision.reason.is_empty(), decision.allowed, "row {row}");
    }
}

#[test]
fn denial_reasons_never_echo_what_is_not_a_code() {
    let policy = Policy::builtin().unwrap();
    let ssn = "123-45-6789 John";
    for (system, purpose) in [(ssn, "investigation"), (CBETF, ssn)] {
        let decision = policy.decide(&Request {
            principal: "a",
            organization: FINCEN,
            role: "analyst",
            action: Action::RecordSearch,
            system,
            purpose: Some(purpose),
            case_id: CASE,
        });
        assert!(!decision.allowed);
        assert!(!decision.reason.contains("6789"), "{}", decision.reason);
    }
}

#[test]
fn the_vault_rules_have_unique_ids_and_known_roles_and_actions() {
    let policy = Policy::builtin().unwrap();
    assert!(policy.rule_ids().len() > 40, "the SORN grants became rows");
    let names: Vec<&str> = Action::ALL.iter().map(|action| action.name()).collect();
    let mut ids = Vec::new();
    for line in crate::enforcer::RULES.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        assert_eq!(fields.len(), 7, "{line}");
        assert!(crate::ROLES.contains(&fields[1]), "unknown role: {line}");
        assert!(
            fields[2] == "*" || crate::ORGANIZATIONS.contains(&fields[2]),
            "unknown organization: {line}"
        );
        assert!(names.contains(&fields[3]), "unknown action: {line}");
        ids.push(fields[6]);
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate rule ids");
}

#[test]
fn broken_rules_fail_to_load_rather_than_allow() {
    // A vault rules file that is not CSV either fails to load or allows nothing it names.
    let admin_manages = |rules: &str| {
        Policy::with_vault_rules(Catalog::builtin().unwrap(), rules).map(|policy| {
            policy
                .decide(&Request {
                    principal: "a",
                    organization: FINCEN,
                    role: "admin",
                    action: Action::AccountsManage,
                    system: crate::VAULT_SYSTEM,
                    purpose: None,
                    case_id: None,
                })
                .allowed
        })
    };
    for broken in [
        "p, admin\nthis is not csv \"",
        "p, admin",
        "p, admin, *, accounts.manage",
    ] {
        assert!(!admin_manages(broken).unwrap_or(false), "{broken:?}");
    }
    assert!(
        admin_manages(crate::enforcer::RULES).unwrap(),
        "the control"
    );
}

#[test]
fn case_ids() {
    for good in ["A", "case-1", "2026-ABC-17", &"x".repeat(64)] {
        assert!(crate::validate_case_id(good).is_ok(), "{good}");
    }
    for bad in ["", "-a", "a b", "a_b", "a/b", "é", &"x".repeat(65)] {
        assert!(crate::validate_case_id(bad).is_err(), "{bad}");
    }
}

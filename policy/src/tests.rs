//! The gate's decisions, as a table: each row a request and the decision and rule expected.

use chrono::NaiveDate;

use crate::{Action, Catalog, Policy, Request, Vetting, VAULT_SYSTEM};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Today, for every decision of these tests.
const TODAY: &str = "2026-11-24";

/// A vetted account's request with nothing else set: each test sets what it decides on.
fn base() -> Request<'static> {
    Request {
        principal: "someone",
        organization: FINCEN,
        role: "analyst",
        vetting: Vetting {
            attested: true,
            background_investigation: Some(date("2024-01-15")),
            privacy_training: Some(date("2026-01-10")),
            today: date(TODAY),
        },
        action: Action::RecordRead,
        system: CBETF,
        category: None,
        phase: None,
        purpose: None,
        case_id: None,
        fields: None,
        high_risk: false,
    }
}

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
    case("analyst", FINCEN, Action::RecordRead, "dhs-ice-005-ttar", INV, CASE, false, "not-direct-access"),
    case("analyst", "dhs-ice", Action::RecordRead, "cbp-pnr", INV, CASE, false, "not-direct-access"),
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
    case("analyst", "dhs-ice", Action::RecordSearch, CBETF, INV, CASE, false, "not-direct-access"),
    case("foreign-partner", "foreign-ttu", Action::RecordRead, CBETF, INV, CASE, false, "not-direct-access"),
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
            ..base()
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
            ..base()
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
        assert_eq!(fields.len(), 9, "{line}");
        assert!(crate::ROLES.contains(&fields[1]), "unknown role: {line}");
        assert!(
            fields[2] == "*" || crate::ORGANIZATIONS.contains(&fields[2]),
            "unknown organization: {line}"
        );
        assert!(names.contains(&fields[3]), "unknown action: {line}");
        ids.push(fields[8]);
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
                    ..base()
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
    for good in [
        "A1",
        "case-1",
        "ABC-2026-17",
        &format!("x1{}", "y".repeat(62)),
    ] {
        assert!(crate::validate_case_id(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "-a",
        "1-a",
        "a b",
        "a/b",
        "é",
        "987-65-4329",
        &"x".repeat(65),
    ] {
        assert!(crate::validate_case_id(bad).is_err(), "{bad}");
    }
}

/// One row of the authorization matrix: a request (as changes to `base()`) and the outcome.
struct Row {
    what: &'static str,
    request: Request<'static>,
    allowed: bool,
    rule: &'static str,
}

fn matrix() -> Vec<Row> {
    let ttar = "dhs-ice-005-ttar";
    let pnr = "cbp-pnr";
    let read = |organization, role, system, phase, purpose| Request {
        organization,
        role,
        system,
        action: Action::RecordRead,
        phase: Some(phase),
        purpose: Some(purpose),
        case_id: Some("CASE-9"),
        ..base()
    };
    let stale = |request: Request<'static>, bi: Option<&str>, training: Option<&str>| Request {
        vetting: Vetting {
            attested: true,
            background_investigation: bi.map(date),
            privacy_training: training.map(date),
            today: date(TODAY),
        },
        ..request
    };
    const FOREIGN_ASKS: &[&str] = &["goods_value", "subject.ssn"];
    const FOREIGN_OK: &[&str] = &["goods_value", "subject.name"];
    vec![
        Row {
            what: "a CBP analyst reading TTAR",
            request: read("dhs-cbp", "analyst", ttar, "production", "investigation"),
            allowed: true,
            rule: "dhs-ice-005-ttar/analyst/read",
        },
        Row {
            what: "an ICE analyst reading TTAR",
            request: read("dhs-ice", "analyst", ttar, "production", "trade-analysis"),
            allowed: true,
            rule: "dhs-ice-005-ttar/analyst/read",
        },
        Row {
            what: "a FinCEN analyst reading TTAR: disclosure only",
            request: read(FINCEN, "analyst", ttar, "production", "investigation"),
            allowed: false,
            rule: "not-direct-access",
        },
        Row {
            what: "an ICE analyst reading PNR",
            request: read("dhs-ice", "analyst", pnr, "production", "investigation"),
            allowed: false,
            rule: "not-direct-access",
        },
        Row {
            what: "a CBP analyst reading PNR in its first week",
            request: read("dhs-cbp", "analyst", pnr, "production", "counterterrorism"),
            allowed: true,
            rule: "cbp-pnr/analyst/read",
        },
        Row {
            what: "a limited-tier PNR read on day 8 by an analyst",
            request: read("dhs-cbp", "analyst", pnr, "limited", "counterterrorism"),
            allowed: false,
            rule: "no-rule",
        },
        Row {
            what: "a limited-tier PNR read by a disclosure officer",
            request: read(
                "dhs-cbp",
                "disclosure-officer",
                pnr,
                "limited",
                "investigation",
            ),
            allowed: true,
            rule: "cbp-pnr/disclosure-officer/read",
        },
        Row {
            what: "the deleted record file read by an analyst",
            request: read(
                "dhs-cbp",
                "analyst",
                pnr,
                "deleted-record-file",
                "investigation",
            ),
            allowed: false,
            rule: "no-rule",
        },
        Row {
            what: "the deleted record file read by internal affairs",
            request: read(
                "dhs-cbp",
                "internal-affairs",
                pnr,
                "deleted-record-file",
                "audit",
            ),
            allowed: true,
            rule: "cbp-pnr/internal-affairs/read",
        },
        Row {
            what: "the deleted record file read by the OIG",
            request: read("dhs-cbp", "oig", pnr, "deleted-record-file", "audit"),
            allowed: true,
            rule: "cbp-pnr/oig/read",
        },
        Row {
            what: "a maintainer with a maintenance purpose",
            request: read(
                "dhs-cbp",
                "maintainer",
                pnr,
                "deleted-record-file",
                "maintenance",
            ),
            allowed: true,
            rule: "cbp-pnr/maintainer/read",
        },
        Row {
            what: "a maintainer without one",
            request: read(
                "dhs-cbp",
                "maintainer",
                pnr,
                "deleted-record-file",
                "investigation",
            ),
            allowed: false,
            rule: "no-rule",
        },
        Row {
            what: "a TTAR record in its archive read by an analyst",
            request: read("dhs-ice", "analyst", ttar, "archive", "investigation"),
            allowed: false,
            rule: "no-rule",
        },
        Row {
            what: "a TTAR record in its archive read by a disclosure officer",
            request: read(
                "dhs-ice",
                "disclosure-officer",
                ttar,
                "archive",
                "investigation",
            ),
            allowed: true,
            rule: "dhs-ice-005-ttar/disclosure-officer/read",
        },
        Row {
            what: "PNR remarks of a subject not flagged high risk",
            request: Request {
                action: Action::RecordReadFreeText,
                category: Some("pnr"),
                ..read("dhs-cbp", "analyst", pnr, "production", "counterterrorism")
            },
            allowed: false,
            rule: "free-text-not-high-risk",
        },
        Row {
            what: "PNR remarks of a subject flagged high risk",
            request: Request {
                action: Action::RecordReadFreeText,
                category: Some("pnr"),
                high_risk: true,
                ..read("dhs-cbp", "analyst", pnr, "production", "counterterrorism")
            },
            allowed: true,
            rule: "cbp-pnr/analyst/read-free-text",
        },
        Row {
            what: "CBETF free text, not gated on risk",
            request: Request {
                action: Action::RecordReadFreeText,
                category: Some("transmittal"),
                ..read(FINCEN, "analyst", CBETF, "production", "investigation")
            },
            allowed: true,
            rule: "fincen-cbetf/analyst/read-free-text",
        },
        Row {
            what: "a foreign partner asking for a field outside its set",
            request: Request {
                fields: Some(FOREIGN_ASKS),
                ..read(
                    "foreign-ttu",
                    "foreign-partner",
                    ttar,
                    "production",
                    "foreign-partner-sharing",
                )
            },
            allowed: false,
            rule: "field-outside-projection",
        },
        Row {
            what: "a foreign partner inside its set still reads only through disclosures",
            request: Request {
                fields: Some(FOREIGN_OK),
                ..read(
                    "foreign-ttu",
                    "foreign-partner",
                    ttar,
                    "production",
                    "foreign-partner-sharing",
                )
            },
            allowed: false,
            rule: "not-direct-access",
        },
        Row {
            what: "training 25 months old",
            request: stale(
                read(FINCEN, "analyst", CBETF, "production", "investigation"),
                Some("2020-01-01"),
                Some("2024-10-23"),
            ),
            allowed: false,
            rule: "vetting-training-lapsed",
        },
        Row {
            what: "training 23 months old",
            request: stale(
                read(FINCEN, "analyst", CBETF, "production", "investigation"),
                Some("2020-01-01"),
                Some("2024-12-24"),
            ),
            allowed: true,
            rule: "fincen-cbetf/analyst/read",
        },
        Row {
            what: "no training on file",
            request: stale(
                read(FINCEN, "analyst", CBETF, "production", "investigation"),
                Some("2020-01-01"),
                None,
            ),
            allowed: false,
            rule: "vetting-training-lapsed",
        },
        Row {
            what: "no background investigation",
            request: stale(
                read(FINCEN, "analyst", CBETF, "production", "investigation"),
                None,
                Some("2026-01-01"),
            ),
            allowed: false,
            rule: "vetting-background-investigation",
        },
        Row {
            what: "an admin with lapsed training administering",
            request: stale(
                Request {
                    role: "admin",
                    action: Action::AccountsManage,
                    system: VAULT_SYSTEM,
                    ..base()
                },
                Some("2020-01-01"),
                Some("2020-01-01"),
            ),
            allowed: false,
            rule: "vetting-training-lapsed",
        },
        Row {
            what: "a records officer holding PNR in its deleted record file",
            request: Request {
                organization: "dhs-cbp",
                role: "records-officer",
                system: pnr,
                action: Action::RecordHold,
                phase: Some("deleted-record-file"),
                ..base()
            },
            allowed: true,
            rule: "cbp-pnr/records-officer/hold",
        },
        Row {
            what: "an analyst destroying records",
            request: Request {
                organization: FINCEN,
                role: "analyst",
                system: CBETF,
                action: Action::RecordDestroy,
                phase: Some("production"),
                ..base()
            },
            allowed: false,
            rule: "no-rule",
        },
        Row {
            what: "a privacy officer reading for a request",
            request: read(
                FINCEN,
                "privacy-officer",
                CBETF,
                "production",
                "privacy-act-request",
            ),
            allowed: true,
            rule: "fincen-cbetf/privacy-officer/read",
        },
        Row {
            what: "a privacy officer annotating",
            request: Request {
                organization: FINCEN,
                role: "privacy-officer",
                system: CBETF,
                action: Action::RecordAnnotate,
                phase: Some("production"),
                purpose: Some("privacy-act-request"),
                ..base()
            },
            allowed: true,
            rule: "fincen-cbetf/privacy-officer/annotate",
        },
    ]
}

#[test]
fn the_authorization_matrix() {
    let policy = Policy::builtin().unwrap();
    // Twice: the second pass is answered from the policy's memo and must agree.
    for row in matrix().into_iter().chain(matrix()) {
        let decision = policy.decide(&row.request);
        assert_eq!(
            (decision.allowed, decision.rule.as_str()),
            (row.allowed, row.rule),
            "{}: {}",
            row.what,
            decision.reason
        );
    }
}

#[test]
fn routine_uses_are_in_effect_thirty_days_after_publication() {
    let policy = Policy::builtin().unwrap();
    // TTAR's routine uses were published 2012-09-04: in effect from 2012-10-04.
    let table = [
        (
            "H",
            "state-agency",
            "investigation",
            "2012-10-03",
            false,
            "routine-use-not-in-effect",
        ),
        (
            "H",
            "state-agency",
            "investigation",
            "2012-10-04",
            true,
            "dhs-ice-005-ttar/routine-use/H",
        ),
        (
            "H",
            "news-media",
            "investigation",
            "2026-11-24",
            false,
            "routine-use-recipient",
        ),
        (
            "B",
            "congress",
            "investigation",
            "2026-11-24",
            false,
            "routine-use-purpose",
        ),
        (
            "B",
            "congress",
            "congressional-inquiry",
            "2026-11-24",
            true,
            "dhs-ice-005-ttar/routine-use/B",
        ),
        (
            "Z",
            "court",
            "litigation",
            "2026-11-24",
            false,
            "routine-use-unknown",
        ),
    ];
    for (letter, recipient, purpose, today, allowed, rule) in table {
        let decision =
            policy.decide_routine_use("dhs-ice-005-ttar", letter, recipient, purpose, date(today));
        assert_eq!(
            (decision.allowed, decision.rule.as_str()),
            (allowed, rule),
            "{letter} {recipient} {today}: {}",
            decision.reason
        );
    }
}

/// Every role, organization, system, action, phase and purpose: the policy allows exactly
/// what some SORN grant says, to organizations with direct access, and nothing else. The
/// expected answer is computed from the SORN files directly, not through casbin.
#[test]
fn the_whole_matrix_agrees_with_the_sorn_grants() {
    let policy = Policy::builtin().unwrap();
    let record_actions: Vec<(Action, &str)> = crate::sorn::ACTIONS
        .iter()
        .map(|word| (Action::from_sorn(word).unwrap(), *word))
        .collect();
    let mut decided = 0;
    let mut allowed = 0;
    for system in policy.catalog().systems() {
        let sorn = &system.sorn;
        let mut phases: Vec<&str> = sorn
            .schedules
            .iter()
            .map(|schedule| schedule.get_ref())
            .filter(|schedule| schedule.artefact == "records")
            .flat_map(|schedule| schedule.phases.iter().map(|phase| phase.name.as_str()))
            .collect();
        phases.sort_unstable();
        phases.dedup();
        for role in crate::ROLES {
            for organization in crate::ORGANIZATIONS {
                for (action, word) in &record_actions {
                    for phase in &phases {
                        for purpose in &system.purposes {
                            let expected =
                                system.direct_access.iter().any(|org| org == organization)
                                    && sorn.grants.iter().map(|grant| grant.get_ref()).any(
                                        |grant| {
                                            grant.role == role
                                                && grant.phases.iter().any(|p| p == phase)
                                                && grant.actions.iter().any(|a| a == word)
                                                && (grant.purposes.is_empty()
                                                    || grant.purposes.contains(purpose))
                                        },
                                    );
                            let decision = policy.decide(&Request {
                                organization,
                                role,
                                action: *action,
                                system: &system.id,
                                phase: Some(phase),
                                purpose: Some(purpose),
                                case_id: Some("CASE-1"),
                                high_risk: true,
                                ..base()
                            });
                            assert_eq!(
                                decision.allowed, expected,
                                "{role} of {organization}: {word} on {} in {phase} for {purpose}: {} {}",
                                system.id, decision.rule, decision.reason
                            );
                            if decision.allowed {
                                assert_eq!(decision.rule, format!("{}/{role}/{word}", system.id));
                                allowed += 1;
                            }
                            decided += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        decided > 10_000 && allowed > 100,
        "{decided} decided, {allowed} allowed"
    );
}

/// (what, system, recipient category, purpose, basis, evidence, attested, today, allowed, rule)
type ReleaseRow<'a> = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    crate::disclosure::Basis,
    &'a crate::disclosure::Evidence,
    bool,
    &'static str,
    bool,
    &'static str,
);

#[test]
fn releases_need_a_basis_that_holds() {
    use crate::disclosure::{Basis, Disclosure, Evidence};
    let policy = Policy::builtin().unwrap();
    let none = Evidence::default();
    let on_file = Evidence {
        document: Some("doc-7".into()),
        ..Evidence::default()
    };
    // A court order's elements (1.22(f)), and consent's: who gave it and when.
    let order = Evidence {
        court: Some("U.S. District Court".into()),
        case_number: Some("United States v. Doe, 1:26-cr-00042".into()),
        dated: NaiveDate::from_ymd_opt(2026, 11, 20),
        returnable_to: Some("the Clerk of the Court".into()),
        ..on_file.clone()
    };
    let consent = Evidence {
        given_by: Some("the individual".into()),
        dated: NaiveDate::from_ymd_opt(2026, 11, 20),
        ..on_file.clone()
    };
    let b7 = Evidence {
        document: Some("letter-1".into()),
        signer: Some("Director".into()),
        agency: Some("State Police".into()),
        dated: NaiveDate::from_ymd_opt(2026, 11, 20),
        agency_head_request: true,
        portion: vec!["fields.amount".into(), "subject.name".into()],
        activity: Some("money laundering investigation".into()),
        ..Evidence::default()
    };
    let b7_no_portion = Evidence {
        portion: vec![],
        ..b7.clone()
    };
    let b7_not_head = Evidence {
        agency_head_request: false,
        ..b7.clone()
    };
    let ttar = "dhs-ice-005-ttar";
    let table: Vec<ReleaseRow<'_>> = vec![
        (
            "routine use H to a state agency",
            ttar,
            "state-agency",
            "investigation",
            Basis::RoutineUse("H".into()),
            &none,
            true,
            TODAY,
            true,
            "dhs-ice-005-ttar/routine-use/H",
        ),
        (
            "routine use not in the SORN",
            ttar,
            "state-agency",
            "investigation",
            Basis::RoutineUse("Z".into()),
            &none,
            true,
            TODAY,
            false,
            "routine-use-unknown",
        ),
        (
            "routine use not yet in effect",
            ttar,
            "state-agency",
            "investigation",
            Basis::RoutineUse("H".into()),
            &none,
            true,
            "2012-10-03",
            false,
            "routine-use-not-in-effect",
        ),
        (
            "routine use for a recipient it does not name",
            ttar,
            "news-media",
            "investigation",
            Basis::RoutineUse("H".into()),
            &none,
            true,
            TODAY,
            false,
            "routine-use-recipient",
        ),
        (
            "routine use for a purpose it does not name",
            ttar,
            "congress",
            "investigation",
            Basis::RoutineUse("B".into()),
            &none,
            true,
            TODAY,
            false,
            "routine-use-purpose",
        ),
        (
            "a non-agency without the accuracy attestation",
            ttar,
            "state-agency",
            "investigation",
            Basis::RoutineUse("H".into()),
            &none,
            false,
            TODAY,
            false,
            "accuracy-attestation-missing",
        ),
        (
            "a federal agency needs no attestation",
            ttar,
            "federal-agency",
            "investigation",
            Basis::RoutineUse("H".into()),
            &none,
            false,
            TODAY,
            true,
            "dhs-ice-005-ttar/routine-use/H",
        ),
        (
            "(b)(7) with the head's request and the portion",
            CBETF,
            "state-agency",
            "investigation",
            Basis::Condition(7),
            &b7,
            true,
            TODAY,
            true,
            "fincen-cbetf/basis/b7",
        ),
        (
            "(b)(7) without the head's request",
            CBETF,
            "state-agency",
            "investigation",
            Basis::Condition(7),
            &b7_not_head,
            true,
            TODAY,
            false,
            "b7-request-missing",
        ),
        (
            "(b)(7) without the portion",
            CBETF,
            "state-agency",
            "investigation",
            Basis::Condition(7),
            &b7_no_portion,
            true,
            TODAY,
            false,
            "b7-portion-missing",
        ),
        (
            "(b)(7) to a foreign agency",
            CBETF,
            "foreign-agency",
            "investigation",
            Basis::Condition(7),
            &b7,
            true,
            TODAY,
            false,
            "condition-recipient",
        ),
        (
            "(b)(1) is not a disclosure",
            CBETF,
            "federal-agency",
            "investigation",
            Basis::Condition(1),
            &on_file,
            true,
            TODAY,
            false,
            "condition-b1-internal",
        ),
        (
            "(b)(11) with the court order",
            CBETF,
            "court",
            "litigation",
            Basis::Condition(11),
            &order,
            true,
            TODAY,
            true,
            "fincen-cbetf/basis/b11",
        ),
        (
            "(b)(11) without it",
            CBETF,
            "court",
            "litigation",
            Basis::Condition(11),
            &none,
            true,
            TODAY,
            false,
            "evidence-missing",
        ),
        (
            "consent on file",
            CBETF,
            "individual",
            "congressional-inquiry",
            Basis::Consent,
            &consent,
            true,
            TODAY,
            true,
            "fincen-cbetf/basis/consent",
        ),
        (
            "consent not on file",
            CBETF,
            "individual",
            "congressional-inquiry",
            Basis::Consent,
            &none,
            true,
            TODAY,
            false,
            "consent-missing",
        ),
        (
            "a designated authority for a system without them",
            CBETF,
            "foreign-agency",
            "investigation",
            Basis::DesignatedAuthority("X".into()),
            &none,
            true,
            TODAY,
            false,
            "designated-authority-not-a-basis",
        ),
        (
            "PNR under a routine use",
            "cbp-pnr",
            "federal-agency",
            "investigation",
            Basis::RoutineUse("A".into()),
            &none,
            true,
            TODAY,
            false,
            "pnr-path-required",
        ),
    ];
    for (what, system, recipient, purpose, basis, evidence, attested, today, allowed, rule) in table
    {
        let decided = policy.decide_disclosure(&Disclosure {
            system,
            recipient_category: recipient,
            recipient_name: "Recipient",
            recipient_address: "1 Main Street",
            purpose,
            basis: Some(&basis),
            evidence,
            accuracy_attested: attested,
            today: date(today),
        });
        assert_eq!(
            (decided.decision.allowed, decided.decision.rule.as_str()),
            (allowed, rule),
            "{what}: {}",
            decided.decision.reason
        );
    }
    // What an allowed release carries.
    let seven = policy.decide_disclosure(&Disclosure {
        system: CBETF,
        recipient_category: "state-agency",
        purpose: "investigation",
        recipient_name: "State Police",
        recipient_address: "1 Main Street",
        basis: Some(&Basis::Condition(7)),
        evidence: &b7,
        accuracy_attested: true,
        today: date(TODAY),
    });
    assert!(seven.withheld_from_individual && seven.accounted);
    assert_eq!(
        seven.portion,
        Some(vec!["fields.amount".to_owned(), "subject.name".to_owned()])
    );
    let court = policy.decide_disclosure(&Disclosure {
        system: "cbp-pnr",
        recipient_category: "court",
        recipient_name: "U.S. District Court",
        recipient_address: "Washington, DC",
        purpose: "counterterrorism",
        basis: Some(&Basis::LegalProceedings),
        evidence: &Evidence {
            proceeding: Some("United States v. Doe, 1:26-cr-00042".into()),
            ..on_file.clone()
        },
        accuracy_attested: true,
        today: date(TODAY),
    });
    assert_eq!(
        court.notice.as_ref().map(|notice| notice.due),
        Some(Some(date("2026-12-02"))),
        "5 working days, Thanksgiving skipped: {}",
        court.decision.reason
    );
    let exempt = policy.decide_disclosure(&Disclosure {
        system: "dhs-ice-005-ttar",
        recipient_category: "court",
        recipient_name: "U.S. District Court",
        recipient_address: "Washington, DC",
        purpose: "litigation",
        basis: Some(&Basis::Condition(11)),
        evidence: &order,
        accuracy_attested: true,
        today: date(TODAY),
    });
    // TTAR is (j)(2)-exempt from (e)(8) in portions: the notice is made for the records of
    // sources that give access or amendment, and skipped (logged) for the rest.
    assert!(exempt.notice.is_some());
    assert!(exempt.notice_exempt.covers(Some("foreign")));
    assert!(!exempt.notice_exempt.covers(Some("cbp-trade")));
    assert!(exempt
        .notice_suppressed
        .as_deref()
        .is_some_and(|reason| reason.contains("exempt from 552a(e)(8) under 552a(j)(2)")));
    let wholly = policy.decide_disclosure(&Disclosure {
        system: CBETF,
        ..Disclosure {
            system: "dhs-ice-005-ttar",
            recipient_category: "court",
            recipient_name: "U.S. District Court",
            recipient_address: "Washington, DC",
            purpose: "litigation",
            basis: Some(&Basis::Condition(11)),
            evidence: &order,
            accuracy_attested: true,
            today: date(TODAY),
        }
    });
    assert_eq!(
        wholly.notice, None,
        "CBETF is (j)(2)-exempt from (e)(8), wholly"
    );
    let foia = policy.decide_disclosure(&Disclosure {
        system: CBETF,
        recipient_category: "individual",
        recipient_name: "A requester",
        recipient_address: "1 Main Street",
        purpose: "foia",
        basis: Some(&Basis::Condition(2)),
        evidence: &on_file,
        accuracy_attested: false,
        today: date(TODAY),
    });
    assert!(
        foia.decision.allowed && !foia.accounted,
        "FOIA releases are not accounted and need no attestation"
    );
}

/// Seed 001 paragraph 29: "CBP, in its discretion, will only provide PNR data to other
/// government authorities, including foreign government authorities, with counter-terrorism or
/// law enforcement functions, on a case-by-case basis, for purposes of preventing and combating
/// offenses identified in paragraph 3 herein"; paragraph 30: CBP determines "whether that
/// Designated Authority is responsible for preventing, investigating or prosecuting the
/// violations of, or enforcing or implementing, a statute or regulation related to that
/// purpose, where CBP is aware of an indication of a violation or potential violation of law";
/// paragraph 34: "to relevant government authorities, where such disclosure is necessary for the
/// protection of the vital interests of the data subject or of other persons"; paragraph 35:
/// "in any criminal judicial proceedings or as otherwise required by law". Everything else is
/// refused with the rule that refused it.
#[test]
fn pnr_leaves_only_on_the_undertakings_paths() {
    use crate::disclosure::{Basis, Disclosure, Evidence};
    let policy = Policy::builtin().unwrap();
    let findings = Evidence {
        statute: Some("18 U.S.C. 2339B".into()),
        violation: Some("a booking paid by a listed entity".into()),
        ..Evidence::default()
    };
    let necessity = Evidence {
        necessity: Some("a passenger exposed to a notifiable disease".into()),
        ..Evidence::default()
    };
    let process = Evidence {
        document: Some("sha256:subpoena".into()),
        proceeding: Some("United States v. Doe, 1:26-cr-00042 (D.D.C.)".into()),
        ..Evidence::default()
    };
    let authority = || Basis::DesignatedAuthority("Bundeskriminalamt".into());
    let pnr = "cbp-pnr";
    type PathRow = (
        &'static str,
        &'static str,
        Option<Basis>,
        &'static str,
        Evidence,
        bool,
        &'static str,
    );
    #[rustfmt::skip]
    let table: Vec<PathRow> = vec![
        // (what, recipient category, basis, purpose, evidence, allowed, rule)
        ("paragraph 29: a foreign law-enforcement authority, with the paragraph 30 findings", "foreign-agency", Some(authority()), "counterterrorism", findings.clone(), true, "cbp-pnr/basis/designated-authority"),
        ("paragraph 29: a federal agency", "federal-agency", Some(authority()), "serious-crime", findings.clone(), true, "cbp-pnr/basis/designated-authority"),
        ("paragraph 29: news media are no government authority", "news-media", Some(authority()), "counterterrorism", findings.clone(), false, "pnr-recipient"),
        ("paragraph 29: an individual is no government authority", "individual", Some(authority()), "counterterrorism", findings.clone(), false, "pnr-recipient"),
        ("paragraph 29: a contractor is no government authority", "contractor", Some(authority()), "counterterrorism", findings.clone(), false, "pnr-recipient"),
        ("paragraph 29: an international organization is no government authority", "international-organization", Some(authority()), "investigation", findings.clone(), false, "pnr-recipient"),
        ("paragraph 30: without the statute", "foreign-agency", Some(authority()), "counterterrorism", Evidence { statute: None, ..findings.clone() }, false, "pnr-statute-missing"),
        ("paragraph 30: without the indication of a violation", "foreign-agency", Some(authority()), "counterterrorism", Evidence { violation: Some("  ".into()), ..findings.clone() }, false, "pnr-violation-missing"),
        ("paragraph 29: vital interests are paragraph 34's", "foreign-agency", Some(authority()), "vital-interests", findings.clone(), false, "designated-authority-purpose"),
        ("paragraph 29: maintenance is no paragraph 3 purpose", "federal-agency", Some(authority()), "maintenance", findings.clone(), false, "designated-authority-purpose"),
        ("paragraph 34: a health authority", "foreign-agency", Some(Basis::VitalInterests), "vital-interests", necessity.clone(), true, "cbp-pnr/basis/vital-interests"),
        ("paragraph 34: without the necessity", "state-agency", Some(Basis::VitalInterests), "vital-interests", Evidence::default(), false, "pnr-necessity-missing"),
        ("paragraph 34: for another purpose", "state-agency", Some(Basis::VitalInterests), "counterterrorism", necessity.clone(), false, "pnr-purpose"),
        ("paragraph 34: news media", "news-media", Some(Basis::VitalInterests), "vital-interests", necessity.clone(), false, "pnr-recipient"),
        ("paragraph 35: a criminal court", "court", Some(Basis::LegalProceedings), "counterterrorism", process.clone(), true, "cbp-pnr/basis/legal-proceedings"),
        ("paragraph 35: without the process on file", "court", Some(Basis::LegalProceedings), "counterterrorism", Evidence { document: None, ..process.clone() }, false, "evidence-missing"),
        ("paragraph 35: without the proceeding named", "court", Some(Basis::LegalProceedings), "counterterrorism", Evidence { proceeding: None, ..process.clone() }, false, "pnr-proceeding-missing"),
        ("paragraph 35: news media", "news-media", Some(Basis::LegalProceedings), "counterterrorism", process.clone(), false, "pnr-recipient"),
        ("consent is no path of the Undertakings", "individual", Some(Basis::Consent), "counterterrorism", process.clone(), false, "pnr-path-required"),
        ("a routine use is no path", "news-media", Some(Basis::RoutineUse("R".into())), "counterterrorism", findings.clone(), false, "pnr-path-required"),
        ("(b)(7) is no path", "state-agency", Some(Basis::Condition(7)), "counterterrorism", findings.clone(), false, "pnr-path-required"),
        ("(b)(5) is no path", "federal-agency", Some(Basis::Condition(5)), "counterterrorism", process.clone(), false, "pnr-path-required"),
        ("(b)(2): a passenger's own copy goes through a request (paragraph 37)", "individual", Some(Basis::Condition(2)), "counterterrorism", process.clone(), false, "pnr-path-required"),
        ("no basis at all", "foreign-agency", None, "counterterrorism", findings.clone(), false, "basis-missing"),
    ];
    for (what, recipient, basis, purpose, evidence, allowed, rule) in table {
        let decided = policy.decide_disclosure(&Disclosure {
            system: pnr,
            recipient_category: recipient,
            recipient_name: "Bundeskriminalamt",
            recipient_address: "Wiesbaden",
            purpose,
            basis: basis.as_ref(),
            evidence: &evidence,
            accuracy_attested: true,
            today: date(TODAY),
        });
        assert_eq!(
            (decided.decision.allowed, decided.decision.rule.as_str()),
            (allowed, rule),
            "{what}: {}",
            decided.decision.reason
        );
        // Paragraph 32: "Each disclosure of PNR data by CBP will be conditioned upon the
        // receiving agency's treatment of this data as confidential ... exempt from disclosure
        // under the Freedom of Information Act"; paragraph 34: "subject to the same conditions
        // for transfers set forth in paragraphs 31 and 32". Paragraph 35 has its own terms.
        if allowed {
            let text = decided.conditions.join("\n");
            let paragraph_35 = matches!(basis, Some(Basis::LegalProceedings));
            assert_eq!(
                text.contains("exempt from disclosure under the Freedom of Information Act"),
                !paragraph_35,
                "{what}: {text}"
            );
            assert_eq!(
                text.contains("express authorization for any further dissemination"),
                !paragraph_35,
                "{what}: {text}"
            );
            let bound = match basis {
                Some(Basis::VitalInterests) => "paragraph 34 of the Undertakings",
                Some(Basis::LegalProceedings) => "criminal judicial proceeding",
                _ => "paragraph 29 of the Undertakings",
            };
            assert!(text.contains(bound), "{what}: {text}");
        }
    }
    // The other systems are not under the Undertakings: their paths are refused there.
    for basis in [authority(), Basis::VitalInterests, Basis::LegalProceedings] {
        let decided = policy.decide_disclosure(&Disclosure {
            system: CBETF,
            recipient_category: "federal-agency",
            recipient_name: "FBI",
            recipient_address: "Washington, DC",
            purpose: "investigation",
            basis: Some(&basis),
            evidence: &process,
            accuracy_attested: true,
            today: date(TODAY),
        });
        assert_eq!(
            decided.decision.rule, "designated-authority-not-a-basis",
            "{basis:?}"
        );
    }
}

/// 552a(c)(1)(A): the accounting keeps "the date, nature, and purpose of each disclosure ...
/// and the name and address of the person or agency to whom the disclosure is made". A release
/// without a recipient's name or address, or without a basis, is refused (and the gate logs it).
#[test]
fn a_release_names_its_recipient_and_one_basis() {
    use crate::disclosure::{Basis, Disclosure, Evidence};
    let policy = Policy::builtin().unwrap();
    let basis = Basis::RoutineUse("H".into());
    type RecipientRow<'a> = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'a Basis>,
        bool,
        &'static str,
    );
    #[rustfmt::skip]
    let table: Vec<RecipientRow<'_>> = vec![
        ("named, with a basis", "State Police", "1 Main Street", Some(&basis), true, "dhs-ice-005-ttar/routine-use/H"),
        ("no name", "", "1 Main Street", Some(&basis), false, "recipient-missing"),
        ("a blank address", "State Police", "  ", Some(&basis), false, "recipient-missing"),
        ("no basis", "State Police", "1 Main Street", None, false, "basis-missing"),
    ];
    for (what, name, address, basis, allowed, rule) in table {
        let decided = policy.decide_disclosure(&Disclosure {
            system: "dhs-ice-005-ttar",
            recipient_category: "state-agency",
            recipient_name: name,
            recipient_address: address,
            purpose: "investigation",
            basis,
            evidence: &Evidence::default(),
            accuracy_attested: true,
            today: date(TODAY),
        });
        assert_eq!(
            (decided.decision.allowed, decided.decision.rule.as_str()),
            (allowed, rule),
            "{what}: {}",
            decided.decision.reason
        );
    }
}

/// 31 CFR 1.24(a)(5): "the record is to be transferred in a form that is not individually
/// identifiable": a count under the minimum is never shown, a value that is not a short code
/// is never shown, and the minimum can be raised, never lowered.
#[test]
fn statistical_tables_suppress_small_cells_and_show_only_codes() {
    use crate::statistics::{category_value, tabulate, MIN_CELL, OTHER};
    #[rustfmt::skip]
    let values: [(Option<&str>, &str); 7] = [
        (Some("USD"), "USD"),
        (Some(" outgoing "), "outgoing"),
        (Some("JOHN Q PUBLIC"), OTHER),           // a name has spaces: never a category
        (Some("123-45-6789"), OTHER),             // nine digits: an identifier, never a category
        (Some("a remark that goes on far too long"), OTHER),
        (Some("O'BRIEN"), OTHER),
        (None, "(none)"),
    ];
    for (value, shown) in values {
        assert_eq!(category_value(value), shown, "{value:?}");
    }
    let dimensions = vec!["currency".to_owned()];
    // Each record of its own person, unless the row says how many people share the records.
    let rows = |counts: &[(&'static str, usize, usize)]| {
        counts
            .iter()
            .flat_map(|(value, n, people)| {
                (0..*n).map(move |at| {
                    (
                        vec![Some(*value)],
                        format!("{value}-person-{}", at % people),
                    )
                })
            })
            .collect::<Vec<_>>()
    };
    type Row = (
        &'static str,
        Vec<(&'static str, usize, usize)>,
        u32,
        Vec<(&'static str, u32)>,
        usize,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("cells of 10 people and more are shown", vec![("USD", 10, 10), ("EUR", 11, 11)], 10, vec![("EUR", 11), ("USD", 10)], 0),
        ("a cell of 9 is suppressed", vec![("USD", 12, 12), ("EUR", 9, 9), ("GBP", 1, 1)], 10, vec![("USD", 12)], 2),
        ("a minimum under 10 counts as 10", vec![("USD", 12, 12), ("EUR", 5, 5), ("GBP", 11, 11)], 2, vec![("GBP", 11), ("USD", 12)], 1),
        ("a raised minimum", vec![("USD", 12, 12), ("EUR", 25, 25)], 20, vec![("EUR", 25)], 1),
        ("nothing reaches it", vec![("USD", 3, 3)], 10, vec![], 1),
        ("twenty records of one person are one person", vec![("USD", 20, 1), ("EUR", 12, 12)], 10, vec![("EUR", 12)], 1),
        ("one cell holding every record tells everyone's value", vec![("USD", 30, 30)], 10, vec![], 1),
    ];
    for (what, counts, min_cell, shown, suppressed) in table {
        let made = tabulate(&dimensions, rows(&counts), min_cell);
        let cells: Vec<(&str, u32)> = made
            .cells
            .iter()
            .map(|cell| (cell.values[0].as_str(), cell.count))
            .collect();
        assert_eq!(
            (cells, made.suppressed_cells),
            (shown, suppressed),
            "{what}"
        );
        assert!(
            made.cells.iter().all(|cell| cell.count >= MIN_CELL),
            "{what}"
        );
    }
}

/// Only fields the notice marks `statistical` are counted, at most three at a time.
#[test]
fn a_statistical_release_counts_only_statistical_fields() {
    let policy = Policy::builtin().unwrap();
    let asked = |fields: &[&str]| fields.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>();
    type Row = (
        &'static str,
        Vec<String>,
        Option<u32>,
        Result<Vec<String>, &'static str>,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("one statistical field", asked(&["currency"]), None, Ok(asked(&["currency"]))),
        ("none asked: the notice's, up to three", vec![], None, Ok(asked(&["currency", "direction", "message_type"]))),
        ("an amount identifies", asked(&["amount"]), None, Err("statistics-field")),
        ("free text", asked(&["instructions"]), None, Err("statistics-field")),
        ("four fields", asked(&["currency", "direction", "message_type", "threshold_rule"]), None, Err("statistics-field")),
        ("a lower minimum", asked(&["currency"]), Some(9), Err("statistics-min-cell")),
        ("a higher minimum", asked(&["currency"]), Some(50), Ok(asked(&["currency"]))),
    ];
    for (what, fields, min_cell, expected) in table {
        let got = policy
            .statistical_dimensions(CBETF, "transmittal", &fields, min_cell)
            .map_err(|decision| decision.rule);
        assert_eq!(got, expected.map_err(str::to_owned), "{what}");
    }
}

/// 31 CFR 1.24(a)(5): "in a form that is not individually identifiable". Two tables of
/// overlapping populations tell, by their difference, the records in one and not the other: a
/// statistical release counts one closed calendar period, and a period overlapping one counted
/// before (other than the same period over the same records) is refused.
#[test]
fn statistical_periods_never_overlap_a_period_counted_before() {
    use crate::statistics::{check_ledger, Counted, Period};
    let counted = |system: &str, category: &str, period: &str, members: &str| Counted {
        system: system.into(),
        category: category.into(),
        period: period.into(),
        members: members.into(),
        dimensions: vec!["currency".into()],
    };
    let by = |mut counted: Counted, fields: &[&str]| {
        counted.dimensions = fields.iter().map(|field| (*field).to_owned()).collect();
        counted
    };
    let ledger = vec![
        counted(CBETF, "transmittal", "2026-Q1", "a"),
        counted(CBETF, "transmittal", "2025", "b"),
    ];
    let today = date("2027-02-01");
    #[rustfmt::skip]
    let table: Vec<(&str, Counted, Result<(), &str>)> = vec![
        ("the same quarter, same records", counted(CBETF, "transmittal", "2026-Q1", "a"), Ok(())),
        ("the same quarter, a record more", counted(CBETF, "transmittal", "2026-Q1", "a2"), Err("statistics-population-changed")),
        ("the same quarter by one more field", by(counted(CBETF, "transmittal", "2026-Q1", "a"), &["currency", "direction"]), Err("statistics-dimensions-changed")),
        ("the same quarter by another field", by(counted(CBETF, "transmittal", "2026-Q1", "a"), &["direction"]), Err("statistics-dimensions-changed")),
        ("a month of that quarter", counted(CBETF, "transmittal", "2026-02", "c"), Err("statistics-overlap")),
        ("the year of that quarter", counted(CBETF, "transmittal", "2026", "d"), Err("statistics-overlap")),
        ("a quarter of 2025", counted(CBETF, "transmittal", "2025-Q4", "e"), Err("statistics-overlap")),
        ("the next quarter", counted(CBETF, "transmittal", "2026-Q2", "f"), Ok(())),
        ("another category", counted(CBETF, "reports", "2026-02", "g"), Ok(())),
        ("another system", counted("fincen-other", "transmittal", "2026-02", "h"), Ok(())),
        ("a month not ended", counted(CBETF, "transmittal", "2027-02", "i"), Err("statistics-period")),
        ("a week", counted(CBETF, "transmittal", "2026-W03", "j"), Err("statistics-period")),
        ("a thirteenth month", counted(CBETF, "transmittal", "2026-13", "k"), Err("statistics-period")),
    ];
    for (what, asked, expected) in table {
        let got = check_ledger(&asked, &ledger, today).map_err(|decision| decision.rule);
        assert_eq!(got, expected.map_err(str::to_owned), "{what}");
    }
    type Row = (&'static str, &'static str, &'static str, &'static str);
    let periods: [Row; 4] = [
        ("2026", "2026-01-01", "2027-01-01", "2026"),
        ("2026-Q4", "2026-10-01", "2027-01-01", "2026-Q4"),
        ("2026-12", "2026-12-01", "2027-01-01", "2026-12"),
        ("2024-02", "2024-02-01", "2024-03-01", "2024-02"),
    ];
    for (text, start, end, name) in periods {
        let period = Period::parse(text).unwrap();
        assert_eq!(
            (period.start, period.end),
            (date(start), date(end)),
            "{text}"
        );
        assert_eq!(period.name(), name);
        assert!(period.contains(date(start)) && !period.contains(date(end)));
    }
}

/// Each basis's evidence is what the rules name, and a release missing an element is refused
/// naming it: consent (who gave it and when), a court order (31 CFR 1.22(f): "the case name and
/// number, the court, the date and authority to which the process is returnable"), the agency
/// head's written request for (b)(7) (1.24(a)(7): "the head of the agency or instrumentality has
/// made a written request ... specifying the particular portion desired and the law enforcement
/// activity"), the compelling circumstances of (b)(8) (1.22(g)).
#[test]
fn a_release_missing_an_element_of_its_evidence_is_refused_naming_it() {
    use crate::disclosure::{Basis, Disclosure, Evidence};
    let policy = Policy::builtin().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 20);
    let text = |value: &str| Some(value.to_owned());
    let order = Evidence {
        document: text("sha256:order"),
        court: text("U.S. District Court"),
        case_number: text("United States v. Doe, 1:26-cr-00042"),
        dated: day,
        returnable_to: text("the Clerk of the Court"),
        ..Evidence::default()
    };
    let request = Evidence {
        document: text("sha256:request"),
        agency_head_request: true,
        signer: text("Director"),
        agency: text("State Police"),
        activity: text("structuring investigation"),
        portion: vec!["fields.amount".into()],
        dated: day,
        ..Evidence::default()
    };
    let consent = Evidence {
        document: text("sha256:consent"),
        given_by: text("the individual"),
        dated: day,
        ..Evidence::default()
    };
    let emergency = Evidence {
        document: text("sha256:showing"),
        circumstances: text("a credible threat to the individual's life"),
        ..Evidence::default()
    };
    type Row = (
        &'static str,
        Basis,
        &'static str,
        Evidence,
        Option<&'static str>,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("a court order with every element", Basis::Condition(11), "court", order.clone(), None),
        ("without the court", Basis::Condition(11), "court", Evidence { court: None, ..order.clone() }, Some("court")),
        ("without the case", Basis::Condition(11), "court", Evidence { case_number: None, ..order.clone() }, Some("case_number")),
        ("without its date", Basis::Condition(11), "court", Evidence { dated: None, ..order.clone() }, Some("dated")),
        ("without to whom returnable", Basis::Condition(11), "court", Evidence { returnable_to: None, ..order.clone() }, Some("returnable_to")),
        ("the agency head's request", Basis::Condition(7), "state-agency", request.clone(), None),
        ("without its signer", Basis::Condition(7), "state-agency", Evidence { signer: None, ..request.clone() }, Some("signer")),
        ("without the agency", Basis::Condition(7), "state-agency", Evidence { agency: None, ..request.clone() }, Some("agency")),
        ("consent with who and when", Basis::Consent, "individual", consent.clone(), None),
        ("consent without who", Basis::Consent, "individual", Evidence { given_by: None, ..consent.clone() }, Some("given_by")),
        ("(b)(8) with the circumstances", Basis::Condition(8), "state-agency", emergency.clone(), None),
        ("(b)(8) without them", Basis::Condition(8), "state-agency", Evidence { circumstances: None, ..emergency.clone() }, Some("circumstances")),
    ];
    for (what, basis, recipient, evidence, missing) in table {
        let decided = policy.decide_disclosure(&Disclosure {
            system: CBETF,
            recipient_category: recipient,
            recipient_name: "Recipient",
            recipient_address: "1 Main Street",
            purpose: "investigation",
            basis: Some(&basis),
            evidence: &evidence,
            accuracy_attested: true,
            today: date(TODAY),
        });
        match missing {
            None => assert!(
                decided.decision.allowed,
                "{what}: {}",
                decided.decision.reason
            ),
            Some(element) => {
                assert_eq!(decided.decision.rule, "evidence-missing", "{what}");
                assert!(
                    decided.decision.reason.contains(&format!("`{element}`")),
                    "{what}: {}",
                    decided.decision.reason
                );
            }
        }
        // What the entry seals: every element, given.
        if missing.is_none() {
            assert!(
                evidence
                    .elements(&basis)
                    .iter()
                    .all(|(_, value)| value.is_some()),
                "{what}"
            );
        }
    }
}

/// TTAR routine use R (seed 000): "To the news media and the public, with the approval of the
/// Chief Privacy Officer in consultation with counsel"; a release under it carries who
/// approved, when and the reference, or is refused. A modified use is decided on the version in
/// effect that day, each version 30 days after its own publication (31 CFR 1.23).
#[test]
fn routine_uses_carry_their_conditions_and_are_decided_on_the_version_in_effect() {
    use crate::disclosure::{Basis, Disclosure, Evidence};
    let policy = Policy::builtin().unwrap();
    let approval = Evidence {
        approved_by: Some("Chief Privacy Officer".into()),
        approved_on: NaiveDate::from_ymd_opt(2026, 11, 20),
        approval_reference: Some("CPO-2026-14".into()),
        ..Evidence::default()
    };
    type Row = (&'static str, Evidence, Result<(), &'static str>);
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("with the approval", approval.clone(), Ok(())),
        ("without it", Evidence::default(), Err("`approved_by`")),
        ("without its date", Evidence { approved_on: None, ..approval.clone() }, Err("`approved_on`")),
        ("without its reference", Evidence { approval_reference: Some(" ".into()), ..approval.clone() }, Err("`approval_reference`")),
        ("approved after today", Evidence { approved_on: NaiveDate::from_ymd_opt(2026, 12, 1), ..approval.clone() }, Err("after today")),
    ];
    for (what, evidence, expected) in table {
        let decided = policy.decide_disclosure(&Disclosure {
            system: "dhs-ice-005-ttar",
            recipient_category: "news-media",
            recipient_name: "Daily Planet",
            recipient_address: "Metropolis",
            purpose: "public-interest",
            basis: Some(&Basis::RoutineUse("R".into())),
            evidence: &evidence,
            accuracy_attested: true,
            today: date(TODAY),
        });
        match expected {
            Ok(()) => {
                assert!(
                    decided.decision.allowed,
                    "{what}: {}",
                    decided.decision.reason
                );
                let sealed: Vec<&str> = decided.evidence.iter().map(|(name, _)| *name).collect();
                assert_eq!(
                    sealed,
                    [
                        "condition",
                        "approved_by",
                        "approved_on",
                        "approval_reference"
                    ],
                    "{what}"
                );
            }
            Err(named) => {
                assert_eq!(
                    decided.decision.rule, "routine-use-condition-missing",
                    "{what}"
                );
                assert!(
                    decided.decision.reason.contains(named),
                    "{what}: {}",
                    decided.decision.reason
                );
            }
        }
    }

    // A fixture: CBETF's use A amended on 2026-11-10 to add the news media and drop state
    // agencies; the amendment is in effect from 2026-12-10.
    let mut texts: Vec<(String, String)> = crate::sorn::BUILTIN
        .iter()
        .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
        .collect();
    let cbetf = texts
        .iter_mut()
        .find(|(file, _)| file == "fincen-cbetf.toml")
        .unwrap();
    let published =
        "published = \"2005-08-08\"\ntext = \"ours: to agencies responsible for investigating";
    assert!(cbetf.1.contains(published), "the fixture text moved");
    cbetf.1 = cbetf.1.replacen(
        published,
        "amended = [{ published = \"2026-11-10\", recipients = [\"federal-agency\", \"news-media\"], purposes = [\"investigation\"], text = \"ours: amended\" }]\npublished = \"2005-08-08\"\ntext = \"ours: to agencies responsible for investigating",
        1,
    );
    let amended = Policy::new(crate::Catalog::from_texts(&texts).unwrap()).unwrap();
    #[rustfmt::skip]
    let versions: Vec<(&str, &str, &str, bool, &str)> = vec![
        ("before the amendment's 30 days: the first version", "2026-11-24", "state-agency", true, "fincen-cbetf/routine-use/A"),
        ("before: news media not yet named", "2026-11-24", "news-media", false, "routine-use-recipient"),
        ("from its 30th day: the amended version", "2026-12-10", "news-media", true, "fincen-cbetf/routine-use/A"),
        ("from its 30th day: state agencies dropped", "2026-12-10", "state-agency", false, "routine-use-recipient"),
    ];
    for (what, today, recipient, allowed, rule) in versions {
        let decided =
            amended.decide_routine_use(CBETF, "A", recipient, "investigation", date(today));
        assert_eq!(
            (decided.allowed, decided.rule.as_str()),
            (allowed, rule),
            "{what}: {}",
            decided.reason
        );
    }
    // An amendment published before the version it amends is a check error.
    let cbetf = texts
        .iter_mut()
        .find(|(file, _)| file == "fincen-cbetf.toml")
        .unwrap();
    cbetf.1 = cbetf.1.replacen(
        "published = \"2026-11-10\"",
        "published = \"2001-01-01\"",
        1,
    );
    let errors = crate::Catalog::from_texts(&texts).err().unwrap();
    assert!(
        errors
            .iter()
            .any(|error| error.message.contains("after the previous version's")),
        "{errors:?}"
    );
}

/// A request enum's names as the API lists them (strum's, from the variants) are serde's, the
/// names the requests are read and written by: variant for variant, in order.
#[test]
fn the_request_enums_names_are_the_ones_serde_reads() {
    use crate::requests::{self as r, VariantArray, VariantNames};
    fn agree<T: VariantArray + VariantNames + serde::Serialize + serde::de::DeserializeOwned>() {
        let by_serde: Vec<String> = <T as VariantArray>::VARIANTS
            .iter()
            .map(|value| {
                serde_json::to_value(value)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            by_serde,
            <T as VariantNames>::VARIANTS,
            "{}",
            std::any::type_name::<T>()
        );
        assert!(serde_json::from_value::<T>(serde_json::json!("teleported")).is_err());
    }
    agree::<r::RequestKind>();
    agree::<r::RequesterStatus>();
    agree::<r::FeeCategory>();
    agree::<r::IdentityMethod>();
    agree::<r::IdentityEvidence>();
    agree::<r::IdentityFact>();
    agree::<r::Relationship>();
    agree::<r::UnusualCircumstance>();
    agree::<r::Outcome>();
    for kind in r::RequestKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
    }
}

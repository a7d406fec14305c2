//! SORN files: the shipped ones load, and each kind of mistake is found with its line.

use super::*;

#[test]
fn the_shipped_files_load() {
    for (file, text) in BUILTIN {
        let sorn = Sorn::parse(file, text).unwrap_or_else(|errors| {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert_eq!(format!("{}.toml", sorn.id.get_ref()), file);
        assert!(sorn.purpose_codes().contains(&"investigation".to_owned()));
    }
}

#[test]
fn the_seeded_facts_are_there() {
    let load = |file: &str| {
        let (_, text) = BUILTIN.iter().find(|(name, _)| *name == file).unwrap();
        Sorn::parse(file, text).unwrap()
    };
    let ttar = load("dhs-ice-005-ttar.toml");
    assert_eq!(
        ttar.ownership.direct_access.get_ref(),
        &["dhs-ice", "dhs-cbp"]
    );
    assert_eq!(ttar.routine_uses.len(), 18, "routine uses A to R");
    // Seed 000: "portions of this system are exempt" under (j)(2); "ICE and DHS are not
    // exempting any records ... where the source system of records already provides access
    // and/or amendment".
    let exempt = ttar.exempt_portion("552a(e)(8)");
    assert_eq!(
        exempt,
        ExemptPortion::UnlessFrom {
            under: "552a(j)(2)".into(),
            sources: vec!["cbp-trade".into(), "commerce".into()],
        }
    );
    type Row = (Option<&'static str>, bool);
    let table: [Row; 4] = [
        (Some("cbp-trade"), false),
        (Some("foreign"), true),
        (Some("ttar-analysis"), true),
        (None, true),
    ];
    for (source, covered) in table {
        assert_eq!(exempt.covers(source), covered, "{source:?}");
    }
    // (k)(2) exempts from neither (e)(8) nor (c)(4).
    assert_eq!(ttar.exempt_portion("552a(g)").under(), Some("552a(j)(2)"));
    assert_eq!(ttar.exempt_portion("552a(e)(11)"), ExemptPortion::Nothing);
    let cbetf = load("fincen-cbetf.toml");
    assert!(cbetf.exempt_portion("552a(c)(4)").covers(Some("anything")));
    assert_eq!(
        load("cbp-pnr.toml").exempt_portion("552a(e)(8)"),
        ExemptPortion::Nothing
    );
    let categories: Vec<&str> = ttar
        .categories
        .iter()
        .map(|c| c.get_ref().id.as_str())
        .collect();
    assert_eq!(
        categories,
        [
            "trade-financial",
            "biographic",
            "tecs-subject",
            "licensing",
            "sdn"
        ]
    );
    let statuses: Vec<(&str, &str, bool)> = ttar
        .schedules
        .iter()
        .map(|s| {
            (
                s.get_ref().artefact.as_str(),
                s.get_ref().status.as_str(),
                s.get_ref().in_force,
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("records", "approved", true),
            ("records", "proposed", false),
            ("raw-input", "approved", true),
            ("raw-input", "proposed", false)
        ]
    );
    let pnr = load("cbp-pnr.toml");
    assert_eq!(pnr.ownership.direct_access.get_ref(), &["dhs-cbp"]);
    assert_eq!(pnr.procedures.first_party.get_ref(), "foia");
    // The 34 elements of Attachment A, less the name (the subject's). High risk is CBP's
    // designation (paragraph 5), not a field anyone can ingest.
    let fields = &pnr.category("pnr").unwrap().fields;
    assert_eq!(fields.len(), 33);
    assert!(!fields.iter().any(|field| field.name == "high_risk"));
    let phases: Vec<&str> = pnr.schedules[0]
        .get_ref()
        .phases
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(phases, ["production", "limited", "deleted-record-file"]);
    let cbetf = load("fincen-cbetf.toml");
    assert!(cbetf.ownership.basis.get_ref().starts_with("ours:"));
    let roles = &cbetf.category("transmittal").unwrap().subject_roles;
    assert_eq!(roles, &["transmittor", "recipient"]);
}

/// A mistake, the text that replaces a line of the CBETF file, and the message expected.
const MISTAKES: &[(&str, &str, &str, &str)] = &[
    ("unknown organization", "owner = \"treasury-fincen\"", "owner = \"treasury-irs\"", "unknown organization `treasury-irs`"),
    ("unknown field", "agency = \"treasury\"", "agency = \"treasury\"\nagencies = 2", "unknown field `agencies`"),
    ("bad recipient", "recipients = [\"congress\"]", "recipients = [\"senator\"]", "unknown recipient category `senator`"),
    ("bad date", "published = \"2010-09-30\"", "published = \"30/09/2010\"", "published must be a date"),
    ("bad role", "role = \"analyst\"", "role = \"wizard\"", "unknown role `wizard`"),
    ("bad action", "actions = [\"hold\", \"destroy\"]", "actions = [\"hold\", \"shred\"]", "unknown action `shred`"),
    ("bad phase", "phases = [\"production\"]\nactions = [\"hold\"", "phases = [\"limbo\"]\nactions = [\"hold\"", "no records schedule has a phase `limbo`"),
    ("bad kind", "{ name = \"amount\", kind = \"ordinary\" }", "{ name = \"amount\", kind = \"secret\" }", "unknown variant `secret`, expected one of `identifier`, `free-text`, `sensitive`, `ordinary`"),
    ("no basis", "basis = \"seed 002: 31 CFR part 1, subpart C\"", "basis = \"trust me\"", "basis must cite a seed"),
    ("wrong format", "format = \"recvault-sorn/1\"", "format = \"recvault-sorn/9\"", "format must be"),
    ("proposed in force", "status = \"approved\"\nin_force = true\nauthority = \"ours: no records-schedule authority is in the seeds\"\nbasis = \"ours: a configurable", "status = \"proposed\"\nin_force = true\nauthority = \"ours: no records-schedule authority is in the seeds\"\nbasis = \"ours: a configurable", "only an approved schedule can be in force"),
    ("an identifier marked statistical", "{ name = \"uti\", kind = \"identifier\" }", "{ name = \"uti\", kind = \"identifier\", statistical = true }", "only an `ordinary` field may be `statistical`"),
    ("notices skipped without a claim", "claims = [\n  { under = \"552a(j)(2)\", from = [\"552a(c)(3)\", \"552a(c)(4)\",", "claims = [\n  { under = \"552a(k)(2)\", from = [\"552a(c)(3)\", \"552a(c)(4)\",", "correction_notices = false needs a claim under 552a(j) from 552a(c)(4)"),
    ("a source twice", "# The period is configurable", "[[source]]\ncode = \"bank\"\nname = \"a bank\"\naccess = false\namendment = false\nbasis = \"ours: a test\"\n\n[[source]]\ncode = \"bank\"\nname = \"a bank\"\naccess = false\namendment = false\nbasis = \"ours: a test\"\n\n# The period is configurable", "source `bank` appears twice"),
    ("a source without its basis", "# The period is configurable", "[[source]]\ncode = \"bank\"\nname = \"a bank\"\naccess = false\namendment = false\nbasis = \"trust me\"\n\n# The period is configurable", "source `bank`: basis must cite a seed"),
    ("a phase condition nobody reads", "{ name = \"production\", ends_after = { years = 5 } }", "{ name = \"production\", ends_after = { years = 5 }, only_if = \"read-twice\" }", "unknown variant `read-twice`, expected `manually-accessed`"),
    ("a condition on the only phase", "{ name = \"production\", ends_after = { years = 5 } }", "{ name = \"production\", ends_after = { years = 5 }, only_if = \"manually-accessed\" }", "`only_if` is on the last phase of two or more"),
    ("a routine use's condition of an unknown kind", "text = \"ours: to a congressional office", "condition = { kind = \"a nod\", by = \"someone\" }\ntext = \"ours: to a congressional office", "unknown variant `a nod`, expected `approval`"),
];

#[test]
fn each_mistake_is_found_with_its_line() {
    let (_, original) = BUILTIN
        .iter()
        .find(|(name, _)| *name == "fincen-cbetf.toml")
        .unwrap();
    for (what, from, to, expected) in MISTAKES {
        assert!(original.contains(from), "{what}: the fixture text moved");
        let broken = original.replacen(from, to, 1);
        let errors = Sorn::parse("broken.toml", &broken)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        let error = errors
            .iter()
            .find(|error| error.message.contains(expected))
            .unwrap_or_else(|| panic!("{what}: {errors:?}"));
        let at = broken.find(to.lines().next().unwrap()).unwrap();
        let line = broken[..at].matches('\n').count() + 1;
        let reported = error.line.unwrap();
        assert!(
            reported.abs_diff(line) <= 12,
            "{what}: reported line {reported}, the mistake is on line {line}"
        );
        assert!(
            error.to_string().starts_with("broken.toml:"),
            "{what}: {error}"
        );
    }
}

#[test]
fn the_sensitive_filter_removes_codes_and_terms() {
    let filter = SensitiveFilter {
        codes: vec!["MOML".into(), "WCHR".into()],
        terms: vec!["pregnan".into(), "trade union".into()],
        basis: String::new(),
    };
    let table = [
        ("SSR MOML NN1", Some("SSR NN1")),
        ("ssr moml, seat 4A", Some("ssr seat 4A")),
        ("PAX PREGNANT 7 MONTHS", Some("PAX 7 MONTHS")),
        ("MEMBER OF TRADE UNION X", Some("MEMBER OF X")),
        ("MOMLX IS NOT A CODE", None),
        ("NOTHING HERE", None),
    ];
    for (text, expected) in table {
        assert_eq!(filter.apply(text).as_deref(), expected, "{text}");
    }
}

/// A transfer package is recalled "for a request, a hold or an audit" (issue 24 §1), each by
/// the role that has it: no role recalls for another's purpose.
#[test]
fn each_role_recalls_a_package_for_its_own_purpose() {
    let table = [
        ("privacy-officer", Some("privacy-act-request")),
        ("records-officer", Some("hold")),
        ("auditor", Some("audit")),
        ("analyst", None),
        ("disclosure-officer", None),
        ("admin", None),
    ];
    for (role, purpose) in table {
        assert_eq!(recall_purpose(role), purpose, "{role}");
    }
}

//! What a caller may see, as tables: a record's phase from its facts, the free text, a
//! co-party's fields, and what a projection releases.

use std::cell::Cell;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::{Decision, Vetting};

const PNR: &str = "cbp-pnr";
const CBETF: &str = "fincen-cbetf";
const TTAR: &str = "dhs-ice-005-ttar";

fn collected() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
}

struct PhaseCase {
    what: &'static str,
    system: &'static str,
    age: Duration,
    held: Held,
    manually_accessed: bool,
    transferred: bool,
    /// The phase, its searchability; `None`: past retention.
    expected: Option<(&'static str, bool)>,
    /// Whether `manually_accessed` and `transferred` are asked (each is a read of the vault).
    asks: (bool, bool),
}

/// Seed 001 paragraph 15: "CBP will limit on-line access to PNR data to authorized CBP users
/// for a period of seven (7) days, after which the number of officers authorized to access the
/// PNR data will be even further limited for a period of three years and 6 months (3.5 years)
/// [...]. After 3.5 years, PNR data that has not been manually accessed during that period of
/// time, will be destroyed. PNR data that has been manually accessed during the initial 3.5
/// year period will be transferred by CBP to a deleted record file, where it will remain for a
/// period of eight (8) years before it is destroyed. This schedule, however, would not apply
/// to PNR data that is linked to a specific enforcement record (such data would remain
/// accessible until the enforcement record is archived)."
#[test]
fn a_records_phase_follows_its_schedule_holds_reads_and_transfer() {
    let days = Duration::days;
    #[rustfmt::skip]
    let table = [
        PhaseCase { what: "PNR in its first week", system: PNR, age: days(3), held: Held::No, manually_accessed: false, transferred: false, expected: Some(("production", true)), asks: (false, true) },
        PhaseCase { what: "PNR after a week", system: PNR, age: days(30), held: Held::No, manually_accessed: false, transferred: false, expected: Some(("limited", true)), asks: (false, true) },
        PhaseCase { what: "PNR after 3.5 years, never read by a person", system: PNR, age: days(4 * 365), held: Held::No, manually_accessed: false, transferred: false, expected: None, asks: (true, false) },
        PhaseCase { what: "PNR after 3.5 years, read by a person", system: PNR, age: days(4 * 365), held: Held::No, manually_accessed: true, transferred: false, expected: Some(("deleted-record-file", false)), asks: (true, true) },
        PhaseCase { what: "PNR after 11.5 years, read by a person", system: PNR, age: days(12 * 365), held: Held::No, manually_accessed: true, transferred: false, expected: None, asks: (false, false) },
        PhaseCase { what: "held PNR after 11.5 years keeps its last phase", system: PNR, age: days(12 * 365), held: Held::ByHold, manually_accessed: true, transferred: false, expected: Some(("deleted-record-file", false)), asks: (true, true) },
        PhaseCase { what: "PNR linked to an enforcement record after 3.5 years stays accessible", system: PNR, age: days(4 * 365), held: Held::ByEnforcementLink, manually_accessed: false, transferred: false, expected: Some(("limited", true)), asks: (false, true) },
        PhaseCase { what: "PNR linked to an enforcement record after 11.5 years stays accessible", system: PNR, age: days(12 * 365), held: Held::ByEnforcementLink, manually_accessed: false, transferred: false, expected: Some(("limited", true)), asks: (false, true) },
        PhaseCase { what: "a CBETF record within five years", system: CBETF, age: days(365), held: Held::No, manually_accessed: false, transferred: false, expected: Some(("production", true)), asks: (false, true) },
        PhaseCase { what: "a CBETF record after five years", system: CBETF, age: days(6 * 365), held: Held::No, manually_accessed: false, transferred: false, expected: None, asks: (false, false) },
        PhaseCase { what: "a trade record whose cohort went to a records center", system: TTAR, age: days(6 * 365), held: Held::No, manually_accessed: false, transferred: true, expected: Some(("transferred", true)), asks: (false, true) },
        PhaseCase { what: "a transferred record past its schedule", system: TTAR, age: days(40 * 365), held: Held::No, manually_accessed: false, transferred: true, expected: None, asks: (false, false) },
        PhaseCase { what: "a record of no known system", system: "no-such-system", age: days(1), held: Held::No, manually_accessed: true, transferred: true, expected: None, asks: (false, false) },
    ];
    let catalog = Catalog::builtin().unwrap();
    for case in table {
        let asked = (Cell::new(false), Cell::new(false));
        let phase = catalog
            .record_phase(
                case.system,
                collected(),
                collected() + case.age,
                case.held,
                || -> Result<bool, ()> {
                    asked.0.set(true);
                    Ok(case.manually_accessed)
                },
                || {
                    asked.1.set(true);
                    Ok(case.transferred)
                },
            )
            .unwrap();
        let got = phase
            .as_ref()
            .map(|phase| (phase.name.as_str(), phase.searchable));
        assert_eq!(got, case.expected, "{}", case.what);
        assert_eq!(
            (asked.0.get(), asked.1.get()),
            case.asks,
            "{}: asked",
            case.what
        );
        let name = RecordPhase::name_of(phase.as_ref());
        assert_eq!(
            name,
            case.expected.map_or(PAST_RETENTION_PHASE, |(name, _)| name),
            "{}",
            case.what
        );
    }
    // A fact that cannot be read stops the placement: the gate refuses rather than guess.
    let failed = catalog.record_phase(
        PNR,
        collected(),
        collected() + days(4 * 365),
        Held::No,
        || Err("unreadable"),
        || Ok(false),
    );
    assert_eq!(failed, Err("unreadable"));
}

/// Seed 001 paragraph 5: CBP reads the OSI and SSI/SSR fields only when "the individual that is
/// the subject of a PNR has been identified by CBP as high risk". A category the notice does
/// not name is gated too (the policy decides it so: fail closed).
#[test]
fn free_text_is_gated_by_category_and_listed_by_the_notice() {
    let catalog = Catalog::builtin().unwrap();
    // (system, category, gated for a view, named gated by the notice)
    #[rustfmt::skip]
    let gated = [
        (PNR, "pnr", true, true),
        (PNR, "no-such-category", true, false),
        (PNR, "raw-input", true, false),
        ("no-such-system", "pnr", true, false),
        (CBETF, "transmittal", false, false),
    ];
    for (system, category, view, notice) in gated {
        assert_eq!(
            catalog.free_text_gated(system, category),
            view,
            "{system}/{category}"
        );
        assert_eq!(
            catalog.notice_gates_free_text(system, category),
            notice,
            "{system}/{category}"
        );
    }
    let mut fields = catalog.free_text_fields(PNR, "pnr");
    fields.sort();
    assert_eq!(fields, ["general_remarks", "history", "osi", "ssi_ssr"]);
    assert!(catalog.free_text_fields(PNR, "no-such-category").is_empty());
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Whether free text opens: without a designation, only with one, or not at all (the same
/// rules as the policy's decision of `read-free-text`, asked twice).
#[test]
fn free_text_opens_now_only_with_a_designation_or_never() {
    let policy = Policy::builtin().unwrap();
    let request = |role, organization, system, category, phase, purpose| Request {
        principal: "someone",
        organization,
        role,
        vetting: Vetting {
            attested: true,
            background_investigation: Some(date("2024-01-15")),
            privacy_training: Some(date("2026-01-10")),
            today: date("2026-11-24"),
        },
        action: Action::RecordRead,
        system,
        category: Some(category),
        phase: Some(phase),
        purpose: Some(purpose),
        case_id: Some("CASE-2026-0001"),
        fields: None,
        high_risk: false,
    };
    // What opens, and whether the raw message (every field) may be read, or the rule refusing.
    #[rustfmt::skip]
    let table = [
        ("a CBP analyst, PNR in production", request("analyst", "dhs-cbp", PNR, "pnr", "production", "counterterrorism"), FreeText::IfDesignatedHighRisk, Err("free-text-not-high-risk")),
        ("a CBP analyst, PNR in the limited tier (no read at all)", request("analyst", "dhs-cbp", PNR, "pnr", "limited", "counterterrorism"), FreeText::Closed, Err("free-text-not-high-risk")),
        ("a CBP disclosure officer, PNR in the limited tier", request("disclosure-officer", "dhs-cbp", PNR, "pnr", "limited", "counterterrorism"), FreeText::IfDesignatedHighRisk, Err("free-text-not-high-risk")),
        ("a CBP disclosure officer, a PNR category the notice does not name", request("disclosure-officer", "dhs-cbp", PNR, "no-such-category", "limited", "counterterrorism"), FreeText::IfDesignatedHighRisk, Err("free-text-not-high-risk")),
        ("a privacy officer, PNR", request("privacy-officer", "dhs-cbp", PNR, "pnr", "production", "privacy-act-request"), FreeText::Closed, Err("free-text-not-high-risk")),
        ("a FinCEN analyst, a CBETF transmittal", request("analyst", "treasury-fincen", CBETF, "transmittal", "production", "investigation"), FreeText::Open, Ok(())),
    ];
    for (what, request, expected, raw) in table {
        assert_eq!(policy.free_text(&request), expected, "{what}");
        let read = policy.decide(&request);
        assert_eq!(
            policy.raw_message(&request, &read),
            raw.map_err(str::to_owned),
            "{what}: raw"
        );
    }
    // Under a projection the raw message would show what the projection cuts.
    let cbetf = request(
        "analyst",
        "treasury-fincen",
        CBETF,
        "transmittal",
        "production",
        "investigation",
    );
    let projected = Decision {
        projection: Some(vec!["amount".to_owned()]),
        ..policy.decide(&cbetf)
    };
    assert_eq!(
        policy.raw_message(&cbetf, &projected),
        Err(RAW_UNDER_PROJECTION.to_owned())
    );
}

/// A Privacy Act response to a record naming another party withholds its free text, its
/// identifying and sensitive fields, and contact and payment details.
#[test]
fn a_co_party_response_withholds_free_text_identifiers_and_contacts() {
    let catalog = Catalog::builtin().unwrap();
    // Identifiers by their kind in the notice (`record_locator`, `ticket_number`), contacts and
    // payment by name (`email`, `telephone`, `billing_address`), the rest kept.
    let fields = [
        "record_locator",
        "email",
        "seat_number",
        "ticket_number",
        "telephone",
        "billing_address",
        "itinerary",
    ];
    assert_eq!(
        catalog.withheld_from_co_party(PNR, "pnr", fields),
        [
            // Every free-text field of the category first, in the notice's order...
            "general_remarks",
            "osi",
            "ssi_ssr",
            "history",
            // ...then the record's own, in the order given.
            "record_locator",
            "email",
            "ticket_number",
            "telephone",
            "billing_address",
        ]
    );
}

/// A projection names fields bare (a SORN's field set) or as `fields.NAME` (a (b)(7)
/// portion); subject parts and provenance keys by their parts.
#[test]
fn a_projection_releases_what_it_names() {
    let names: Vec<String> = [
        "amount",
        "fields.currency",
        "subject.name",
        "subject.ssn",
        "source.report_id",
    ]
    .map(str::to_owned)
    .to_vec();
    let projection = Projection(&names);
    #[rustfmt::skip]
    let table: [(&str, bool); 10] = [
        ("field amount", projection.keeps_field("amount")),
        ("field currency", projection.keeps_field("currency")),
        ("field memo", !projection.keeps_field("memo")),
        ("subject names", projection.keeps_subject_name()),
        ("identifier ssn", projection.keeps_identifier("ssn")),
        ("identifier account", !projection.keeps_identifier("account")),
        ("source report_id", projection.keeps_source("report_id")),
        ("source raw_record", !projection.keeps_source("raw_record")),
        ("a field is not a source key", !projection.keeps_source("amount")),
        ("nothing named", !Projection(&[]).keeps_field("amount")),
    ];
    for (what, holds) in table {
        assert!(holds, "{what}");
    }
    assert_eq!(identifier_part("ssn"), "subject.ssn");
    assert_eq!(source_part("report_id"), "source.report_id");
}

/// An annotation goes out only when every portion it concerns goes out.
#[test]
fn an_annotation_goes_only_with_what_it_is_about() {
    let names: Vec<String> = ["amount", "subject.name", "source.report_id"]
        .map(str::to_owned)
        .to_vec();
    let projection = Some(Projection(&names));
    let withheld: Vec<String> = vec!["memo".into(), "subject.ssn".into()];
    #[rustfmt::skip]
    let table = [
        ("a kept field, no projection", "fields.amount", None, &[][..], true),
        ("a withheld field", "fields.memo", None, &withheld[..], false),
        ("a withheld subject part, any subject", "subject.2.ssn", None, &withheld[..], false),
        ("a kept subject part under the projection", "subject.1.name", projection, &[][..], true),
        ("a part the projection does not name", "subject.1.account", projection, &[][..], false),
        ("a kept field under the projection", "fields.amount", projection, &[][..], true),
        ("a kept source key under the projection", "source.report_id", projection, &[][..], true),
        ("the whole record, nothing withheld", "record", None, &[][..], true),
        ("the whole record, something withheld", "record", None, &withheld[..], false),
        ("the whole record under a projection", "record", projection, &[][..], false),
    ];
    for (what, portion, projection, withheld, expected) in table {
        assert_eq!(
            portion_released(portion, projection, withheld),
            expected,
            "{what}"
        );
    }
}

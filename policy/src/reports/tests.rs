//! The yearly reports on case files whose working days were counted by hand across
//! Thanksgiving, Christmas, New Year's Day, Columbus and Veterans Day and the Independence Day
//! observed on Friday 3 July 2026.

use super::*;
use crate::requests::{Event, FeeCategory, FeeTerms, Route};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(kind: EventKind, on: NaiveDate) -> Event {
    Event {
        kind,
        on,
        by: "privacy".into(),
        recorded: None,
    }
}

/// `event` as the vault recorded it on `recorded`.
fn entered(event: Event, recorded: NaiveDate) -> Event {
    Event {
        recorded: Some(recorded),
        ..event
    }
}

fn case(kind: RequestKind, route: Route, events: Vec<Event>) -> Case {
    Case {
        kind,
        route,
        representative: false,
        events,
        fees: (route == Route::Foia).then_some(FeeTerms {
            category: FeeCategory::FirstParty,
            limit_cents: None,
        }),
    }
}

fn determined(outcome: Outcome, on: NaiveDate) -> Event {
    at(
        EventKind::Determined {
            outcome,
            reasons: "as the records allow".into(),
        },
        on,
    )
}

#[test]
fn each_systems_year_counts_received_processed_outcomes_exemptions_days_backlog_and_fees() {
    let ttar = vec!["dhs-ice-005-ttar".to_owned()];
    let cbetf = vec!["fincen-cbetf".to_owned()];
    let both = vec!["dhs-ice-005-ttar".to_owned(), "fincen-cbetf".to_owned()];
    let pnr = vec!["cbp-pnr".to_owned()];
    let access = |events| case(RequestKind::Access, Route::PrivacyAct, events);
    // A: 2 to 16 March 2026, 10 working days.
    let a = access(vec![
        at(EventKind::Received, d(2026, 3, 2)),
        determined(Outcome::Granted, d(2026, 3, 16)),
    ]);
    // B: Friday 20 November to Tuesday 8 December, Thanksgiving skipped: 11 working days.
    let b = access(vec![
        at(EventKind::Received, d(2026, 11, 20)),
        determined(Outcome::PartlyGranted, d(2026, 12, 8)),
    ]);
    // C: received 1 December, due after the year's end: pending, not overdue.
    let c = access(vec![at(EventKind::Received, d(2026, 12, 1))]);
    // D: received 1 October, due 16 November (Columbus and Veterans Day skipped): overdue.
    let d_ = access(vec![at(EventKind::Received, d(2026, 10, 1))]);
    // E: a FOIA request, 1 to 15 June: 10 working days, $25.00 paid.
    let e = case(
        RequestKind::Access,
        Route::Foia,
        vec![
            at(EventKind::Received, d(2026, 6, 1)),
            at(EventKind::FeesPaid { cents: 2500 }, d(2026, 6, 10)),
            determined(Outcome::Denied, d(2026, 6, 15)),
        ],
    );
    // F: received in 2025, determined 5 January 2026 across Christmas and New Year: 13.
    let f = access(vec![
        at(EventKind::Received, d(2025, 12, 15)),
        determined(Outcome::Granted, d(2026, 1, 5)),
    ]);
    // H: deficient, never perfected, closed 10 April: 24 working days from receipt.
    let h = access(vec![
        at(EventKind::Received, d(2026, 3, 9)),
        at(
            EventKind::Deficient {
                missing: vec!["signature".into()],
            },
            d(2026, 3, 9),
        ),
        at(
            EventKind::Closed {
                reason: "never perfected".into(),
            },
            d(2026, 4, 10),
        ),
    ]);
    // A complaint is not a request.
    let k = case(
        RequestKind::Complaint,
        Route::PrivacyAct,
        vec![at(EventKind::Received, d(2026, 5, 5))],
    );
    let k2 = "(k)(2)".to_owned();
    let b6 = "(b)(6)".to_owned();
    let entries: Vec<(Vec<String>, Case, Vec<String>)> = vec![
        (ttar.clone(), a, vec![]),
        (both, b, vec![k2.clone()]),
        (ttar.clone(), c, vec![]),
        (cbetf.clone(), d_, vec![]),
        (pnr.clone(), e, vec![b6.clone()]),
        (cbetf, f, vec![]),
        (ttar, h, vec![]),
        (pnr, k, vec![]),
    ];
    let files: Vec<Filed<'_>> = entries
        .iter()
        .map(|(systems, case, exemptions)| Filed {
            systems,
            case,
            exemptions,
            substance: None,
            via_authority: false,
        })
        .collect();
    let rows = request_statistics(&files, 2026);
    let expected = vec![
        SystemYear {
            system: "cbp-pnr".into(),
            year: 2026,
            received: 1,
            processed: 1,
            denied: 1,
            exemptions: [(b6, 1)].into(),
            median_days: Some(10),
            longest_days: Some(10),
            fees_cents: 2500,
            ..SystemYear::default()
        },
        SystemYear {
            system: "dhs-ice-005-ttar".into(),
            year: 2026,
            received: 4,
            processed: 3,
            granted: 1,
            partly_granted: 1,
            exemptions: [(k2.clone(), 1)].into(),
            median_days: Some(11),
            longest_days: Some(24),
            pending: 1,
            ..SystemYear::default()
        },
        SystemYear {
            system: "fincen-cbetf".into(),
            year: 2026,
            received: 2,
            processed: 2,
            granted: 1,
            partly_granted: 1,
            exemptions: [(k2, 1)].into(),
            median_days: Some(11),
            longest_days: Some(13),
            pending: 1,
            backlog: 1,
            ..SystemYear::default()
        },
    ];
    assert_eq!(rows, expected);
    // The year before saw F received and pending at its end, not yet overdue.
    let before = request_statistics(&files, 2025);
    assert_eq!(before.len(), 1);
    assert_eq!(
        (
            before[0].system.as_str(),
            before[0].received,
            before[0].pending,
            before[0].backlog
        ),
        ("fincen-cbetf", 1, 1, 0)
    );
}

/// Seed 001 paragraph 42: "The DHS Chief Privacy Officer will include in her report to
/// Congress issues regarding the number, the substance and the resolution of complaints".
#[test]
fn the_report_to_congress_counts_complaints_by_substance_and_resolution() {
    let complaint = |events| case(RequestKind::Complaint, Route::PrivacyAct, events);
    let answered = |resolved| EventKind::CbpAnswered {
        resolved,
        answer: "reviewed".into(),
    };
    let files_cases = [
        // Resolved by CBP.
        (
            complaint(vec![
                at(EventKind::Received, d(2026, 2, 2)),
                at(answered(true), d(2026, 2, 20)),
            ]),
            Some("accuracy"),
            false,
        ),
        // Through an authority: CBP, the Chief Privacy Officer, then the authority's
        // referral, concluded on its due day (10 working days from Wednesday 1 July, the 3rd
        // being the Independence Day holiday observed).
        (
            complaint(vec![
                at(EventKind::Received, d(2026, 5, 4)),
                at(answered(false), d(2026, 5, 20)),
                at(EventKind::ReferredToChiefPrivacyOfficer, d(2026, 5, 21)),
                at(
                    EventKind::ChiefPrivacyOfficerAnswered {
                        resolved: false,
                        answer: "reviewed".into(),
                    },
                    d(2026, 6, 15),
                ),
                at(
                    EventKind::DpaReferred {
                        authority: "CNIL".into(),
                    },
                    d(2026, 7, 1),
                ),
                at(
                    EventKind::ConclusionsReported {
                        conclusions: "handled as the Undertakings require".into(),
                        actions: "none".into(),
                    },
                    d(2026, 7, 16),
                ),
            ]),
            Some("use-or-sharing"),
            true,
        ),
        // Open.
        (
            complaint(vec![at(EventKind::Received, d(2026, 12, 1))]),
            Some("retention"),
            false,
        ),
        // Referred on 14 September, due 28 September, never concluded: late, open.
        (
            complaint(vec![
                at(EventKind::Received, d(2026, 9, 1)),
                at(answered(false), d(2026, 9, 10)),
                at(
                    EventKind::DpaReferred {
                        authority: "BfDI".into(),
                    },
                    d(2026, 9, 14),
                ),
            ]),
            Some("security"),
            true,
        ),
        // The year before: not counted.
        (
            complaint(vec![at(EventKind::Received, d(2025, 11, 2))]),
            Some("accuracy"),
            false,
        ),
        // Closed unresolved, no substance recorded.
        (
            complaint(vec![
                at(EventKind::Received, d(2026, 3, 3)),
                at(answered(false), d(2026, 3, 10)),
                at(
                    EventKind::Closed {
                        reason: "withdrawn".into(),
                    },
                    d(2026, 3, 20),
                ),
            ]),
            None,
            false,
        ),
    ];
    assert_eq!(
        requests::deadlines(&files_cases[1].0)
            .iter()
            .map(|deadline| (deadline.what, deadline.due))
            .collect::<Vec<_>>(),
        [("dpa-conclusions", d(2026, 7, 16))]
    );
    let systems = vec!["cbp-pnr".to_owned()];
    let files: Vec<Filed<'_>> = files_cases
        .iter()
        .map(|(case, substance, via)| Filed {
            systems: &systems,
            case,
            exemptions: &[],
            substance: *substance,
            via_authority: *via,
        })
        .collect();
    let report = complaints(&files, 2026);
    let counts = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(
        report,
        ComplaintReport {
            year: 2026,
            received: 5,
            through_authority: 2,
            by_substance: counts(&[
                ("accuracy", 1),
                ("access", 0),
                ("use-or-sharing", 1),
                ("retention", 1),
                ("sensitive-data", 0),
                ("security", 1),
                ("other", 1),
            ]),
            by_resolution: counts(&[
                ("resolved-by-cbp", 1),
                ("resolved-by-chief-privacy-officer", 0),
                ("concluded-on-authority-referral", 1),
                ("closed-unresolved", 1),
                ("open", 2),
            ]),
            authority_referrals: 2,
            referrals_concluded_late: 1,
        }
    );
}

/// A year's backlog is what was pending past its due date on 31 December, as the vault had it
/// recorded then: a determination due on the last day is not late yet, and one dated in the
/// year but entered after it was still pending at the year's end.
#[test]
fn a_past_years_backlog_reads_as_it_stood_at_its_end() {
    let access = |events| case(RequestKind::Access, Route::PrivacyAct, events);
    // Received 17 November 2025: 30 working days (Thanksgiving, Christmas skipped) to
    // 31 December 2025, the year's last day: not yet overdue.
    let on_the_last_day = access(vec![at(EventKind::Received, d(2025, 11, 17))]);
    // Received 14 November 2025: due 30 December 2025, overdue on the 31st.
    let a_day_late = access(vec![at(EventKind::Received, d(2025, 11, 14))]);
    // Received 14 November 2025 too, determined "on 29 December" but entered on 5 January
    // 2026: pending and overdue at the end of 2025, processed in 2026.
    let entered_late = access(vec![
        at(EventKind::Received, d(2025, 11, 14)),
        entered(determined(Outcome::Granted, d(2025, 12, 29)), d(2026, 1, 5)),
    ]);
    let systems = vec!["fincen-cbetf".to_owned()];
    let none = Vec::new();
    let cases = [on_the_last_day, a_day_late, entered_late];
    let files: Vec<Filed<'_>> = cases
        .iter()
        .map(|case| Filed {
            systems: &systems,
            case,
            exemptions: &none,
            substance: None,
            via_authority: false,
        })
        .collect();
    let year = request_statistics(&files, 2025);
    assert_eq!(
        (year[0].pending, year[0].backlog, year[0].processed),
        (3, 2, 0),
        "{year:?}"
    );
    let next = request_statistics(&files, 2026);
    assert_eq!((next[0].processed, next[0].granted), (1, 1), "{next:?}");
}

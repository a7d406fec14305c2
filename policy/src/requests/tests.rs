//! The request rules on hand-counted dates around weekends, holidays (Thanksgiving, Christmas,
//! New Year's Day, Martin Luther King Jr.'s Birthday) and year ends.

use super::*;

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

/// The requester's identity verified on `on`, by a notarized statement.
fn verified(on: NaiveDate) -> Event {
    at(
        EventKind::IdentityVerified {
            method: IdentityMethod::Notarized,
            evidence: Vec::new(),
            facts: Vec::new(),
        },
        on,
    )
}

/// `event` as the vault recorded it on `recorded` (the server's day).
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
        fees: None,
    }
}

/// Adds each event after checking it, as the vault's caller does.
fn run(kind: RequestKind, route: Route, events: Vec<Event>) -> Case {
    let mut built = case(kind, route, Vec::new());
    for event in events {
        check_event(&built, &event).unwrap_or_else(|err| panic!("{event:?}: {err}"));
        built.events.push(event);
    }
    built
}

fn due(case: &Case, what: &str) -> Option<NaiveDate> {
    deadlines(case)
        .into_iter()
        .find(|deadline| deadline.what == what)
        .map(|deadline| deadline.due)
}

#[test]
fn access_determinations_are_due_in_thirty_working_days_from_the_date_of_receipt() {
    // (received, perfected, due): Thanksgiving, Christmas and New Year's Day are not counted.
    let table = [
        (d(2026, 11, 20), None, d(2027, 1, 6)),
        // Perfected late: the clock starts on the day the request became complete, and skips
        // Christmas, New Year's Day and Martin Luther King Jr.'s Birthday (2027-01-18).
        (d(2026, 11, 20), Some(d(2026, 12, 21)), d(2027, 2, 4)),
    ];
    for (received, perfected, expected) in table {
        let mut events = vec![at(EventKind::Received, received)];
        if let Some(perfected) = perfected {
            events.push(at(
                EventKind::Deficient {
                    missing: vec!["signature".into()],
                },
                received,
            ));
            let incomplete = run(RequestKind::Access, Route::PrivacyAct, events.clone());
            assert!(
                deadlines(&incomplete).is_empty(),
                "no clock before it is complete"
            );
            events.push(at(EventKind::Perfected, perfected));
        }
        let built = run(RequestKind::Access, Route::PrivacyAct, events);
        assert_eq!(date_of_receipt(&built), Some(perfected.unwrap_or(received)));
        assert_eq!(due(&built, "determination"), Some(expected), "{received}");
    }
}

#[test]
fn the_whole_life_of_an_access_request() {
    let mut built = run(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![at(EventKind::Received, d(2026, 11, 20))],
    );
    let grant = at(
        EventKind::Determined {
            outcome: Outcome::Granted,
            reasons: String::new(),
        },
        d(2026, 12, 1),
    );
    assert_eq!(
        check_event(&built, &grant).unwrap_err(),
        "nothing is released before the requester's identity is verified"
    );
    built.events.push(at(
        EventKind::IdentityVerified {
            method: IdentityMethod::Notarized,
            evidence: Vec::new(),
            facts: Vec::new(),
        },
        d(2026, 11, 23),
    ));
    let deadline = &deadlines(&built)[0];
    assert_eq!(
        (deadline.state(d(2027, 1, 6)), deadline.state(d(2027, 1, 7))),
        ("due", "overdue")
    );
    // A delay notice with a reason moves the date.
    let delay = at(
        EventKind::Extended {
            reason: "records at a field office".into(),
            until: d(2027, 1, 20),
            approved_by: None,
            circumstance: None,
        },
        d(2027, 1, 5),
    );
    check_event(&built, &delay).unwrap();
    built.events.push(delay);
    assert_eq!(due(&built, "determination"), Some(d(2027, 1, 20)));
    let grant = at(grant.kind, d(2027, 1, 15));
    check_event(&built, &grant).unwrap();
    built.events.push(grant);
    assert_eq!(deadlines(&built)[0].state(d(2027, 2, 1)), "met");
    let close = at(
        EventKind::Closed {
            reason: "records furnished".into(),
        },
        d(2027, 1, 15),
    );
    check_event(&built, &close).unwrap();
    built.events.push(close);
    assert_eq!(
        check_event(&built, &at(EventKind::Acknowledged, d(2027, 1, 16))).unwrap_err(),
        "the case is closed"
    );
}

#[test]
fn an_amendment_refused_appealed_by_postmark_upheld_and_disputed() {
    let refusal = EventKind::Determined {
        outcome: Outcome::Denied,
        reasons: "the record is accurate as reported".into(),
    };
    let mut built = run(
        RequestKind::Amendment,
        Route::PrivacyAct,
        vec![
            at(EventKind::Received, d(2026, 12, 18)),
            at(
                EventKind::IdentityVerified {
                    method: IdentityMethod::Mail,
                    evidence: Vec::new(),
                    facts: Vec::new(),
                },
                d(2026, 12, 18),
            ),
        ],
    );
    // Acknowledgment within 10 working days: Christmas and New Year's Day skipped.
    assert_eq!(due(&built, "acknowledgment"), Some(d(2027, 1, 5)));
    // A determination dispatched within the 10 days is its own acknowledgment.
    let mut quick = built.clone();
    quick.events.push(at(refusal.clone(), d(2027, 1, 5)));
    assert_eq!(deadlines(&quick)[0].met_on, Some(d(2027, 1, 5)));
    built
        .events
        .push(at(EventKind::Acknowledged, d(2027, 1, 4)));
    built.events.push(at(refusal, d(2027, 1, 8)));
    assert_eq!(deadlines(&built)[0].state(d(2027, 1, 8)), "met");
    assert_eq!(due(&built, "appeal-window"), Some(d(2027, 2, 12)));
    // Mailed on the last day, received after it: timely (the postmark counts).
    let late = at(
        EventKind::Appealed {
            postmarked: d(2027, 2, 13),
        },
        d(2027, 2, 16),
    );
    assert!(check_event(&built, &late)
        .unwrap_err()
        .contains("after its window closed on 2027-02-12"));
    let appeal = at(
        EventKind::Appealed {
            postmarked: d(2027, 2, 12),
        },
        d(2027, 2, 16),
    );
    check_event(&built, &appeal).unwrap();
    built.events.push(appeal);
    assert_eq!(due(&built, "appeal-acknowledgment"), Some(d(2027, 3, 2)));
    assert_eq!(due(&built, "appeal-decision"), Some(d(2027, 3, 30)));
    // Only the agency head or a delegate extends an appeal's decision.
    let extend = |approved_by: Option<&str>| {
        at(
            EventKind::Extended {
                reason: "consultation with another agency".into(),
                until: d(2027, 4, 15),
                approved_by: approved_by.map(str::to_owned),
                circumstance: None,
            },
            d(2027, 2, 17),
        )
    };
    assert!(check_event(&built, &extend(None))
        .unwrap_err()
        .contains("agency head or a delegate"));
    let mut extended = built.clone();
    extended
        .events
        .push(extend(Some("Deputy Assistant Secretary (Privacy)")));
    assert_eq!(due(&extended, "appeal-decision"), Some(d(2027, 4, 15)));
    built
        .events
        .push(at(EventKind::AppealAcknowledged, d(2027, 2, 25)));
    let upheld = at(
        EventKind::AppealDetermined {
            outcome: Outcome::Denied,
            reasons: "upheld".into(),
        },
        d(2027, 3, 19),
    );
    check_event(&built, &upheld).unwrap();
    built.events.push(upheld);
    let states: Vec<(&str, &str)> = deadlines(&built)
        .iter()
        .map(|deadline| (deadline.what, deadline.state(d(2027, 3, 19))))
        .collect();
    assert_eq!(
        states,
        [
            ("acknowledgment", "met"),
            ("determination", "met"),
            ("appeal-window", "closed"),
            ("appeal-acknowledgment", "met"),
            ("appeal-decision", "met"),
            ("statement-of-disagreement-window", "open"),
        ]
    );
    assert_eq!(
        due(&built, "statement-of-disagreement-window"),
        Some(d(2027, 4, 23))
    );
    let statement = |postmarked| at(EventKind::DisagreementFiled { postmarked }, d(2027, 4, 26));
    assert!(check_event(&built, &statement(d(2027, 4, 24))).is_err());
    check_event(&built, &statement(d(2027, 4, 23))).unwrap();
}

#[test]
fn first_party_foia_requests_follow_twenty_working_days_and_at_most_ten_more() {
    let mut built = run(
        RequestKind::Access,
        Route::Foia,
        vec![at(EventKind::Received, d(2026, 12, 24))],
    );
    assert_eq!(due(&built, "determination"), Some(d(2027, 1, 26)));
    built.events.push(at(
        EventKind::Extended {
            reason: "voluminous records".into(),
            until: d(2027, 3, 31),
            approved_by: None,
            circumstance: None,
        },
        d(2027, 1, 20),
    ));
    assert_eq!(
        due(&built, "determination"),
        Some(d(2027, 2, 9)),
        "extensions total at most 10 working days"
    );
    assert_eq!(Route::of(RequestKind::Access, "foia"), Route::Foia);
    assert_eq!(
        Route::of(RequestKind::Rectification, "foia"),
        Route::PrivacyAct
    );
}

#[test]
fn events_out_of_order_or_without_their_grounds_are_refused() {
    let received = at(EventKind::Received, d(2026, 11, 20));
    let mut representative = case(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![received.clone()],
    );
    representative.representative = true;
    representative.events.push(at(
        EventKind::IdentityVerified {
            method: IdentityMethod::InPersonPhoto,
            evidence: Vec::new(),
            facts: Vec::new(),
        },
        d(2026, 11, 20),
    ));
    let grant = at(
        EventKind::Determined {
            outcome: Outcome::Granted,
            reasons: String::new(),
        },
        d(2026, 11, 30),
    );
    let empty = case(RequestKind::Access, Route::PrivacyAct, vec![]);
    let plain = case(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![received.clone()],
    );
    let table: Vec<(&Case, Event, &str)> = vec![
        (
            &representative,
            grant.clone(),
            "before the relationship is proven",
        ),
        (&empty, grant.clone(), "starts with `received`"),
        (&plain, received.clone(), "already received"),
        (
            &plain,
            at(EventKind::Perfected, d(2026, 11, 21)),
            "only a request found deficient",
        ),
        (
            &plain,
            at(EventKind::Deficient { missing: vec![] }, d(2026, 11, 21)),
            "lists what is missing",
        ),
        (
            &plain,
            at(EventKind::Acknowledged, d(2026, 11, 19)),
            "before the request was received",
        ),
        (
            &plain,
            at(
                EventKind::Appealed {
                    postmarked: d(2026, 11, 25),
                },
                d(2026, 11, 25),
            ),
            "no refusal to appeal",
        ),
        (
            &plain,
            at(
                EventKind::Determined {
                    outcome: Outcome::Denied,
                    reasons: " ".into(),
                },
                d(2026, 11, 25),
            ),
            "states its reasons",
        ),
        (
            &plain,
            at(
                EventKind::Extended {
                    reason: "busy".into(),
                    until: d(2026, 11, 24),
                    approved_by: None,
                    circumstance: None,
                },
                d(2026, 11, 25),
            ),
            "a later date",
        ),
        (
            &plain,
            at(EventKind::ReferredToChiefPrivacyOfficer, d(2026, 11, 25)),
            "only PNR rectification",
        ),
        (
            &plain,
            at(
                EventKind::DisagreementFiled {
                    postmarked: d(2026, 11, 25),
                },
                d(2026, 11, 25),
            ),
            "follows a final refusal",
        ),
    ];
    for (built, event, message) in table {
        let err = check_event(built, &event).unwrap_err();
        assert!(err.contains(message), "{event:?}: {err}");
    }
}

#[test]
fn exemptions_are_a_ceiling_the_officer_may_waive_and_fees_start_at_three_dollars() {
    let catalog = crate::Catalog::builtin().unwrap();
    let exemptions = |system: &str| catalog.system(system).unwrap().sorn.exemptions.clone();
    let ncnd = |under: &str| SystemAnswer::NeitherConfirmNorDeny {
        under: under.into(),
    };
    // (system, waived, benefit denied, answer)
    let table: [(&str, &[&str], bool, SystemAnswer); 5] = [
        ("fincen-cbetf", &[], false, ncnd("552a(j)(2)")),
        (
            "fincen-cbetf",
            &["552a(j)(2)"],
            false,
            SystemAnswer::Records,
        ),
        (
            "dhs-ice-005-ttar",
            &["552a(j)(2)"],
            false,
            ncnd("552a(k)(2)"),
        ),
        (
            "dhs-ice-005-ttar",
            &["552a(j)(2)"],
            true,
            SystemAnswer::Records,
        ),
        ("cbp-pnr", &[], false, SystemAnswer::Records),
    ];
    for (system, waived, benefit_denied, expected) in table {
        let waived: Vec<String> = waived.iter().map(|w| (*w).to_owned()).collect();
        assert_eq!(
            access_answer(&exemptions(system), &waived, benefit_denied),
            expected,
            "{system} {waived:?} {benefit_denied}"
        );
    }
    // (pages, cents): 100 free, 20 cents after, nothing under $3.00.
    for (pages, cents) in [(0, 0), (100, 0), (114, 0), (115, 300), (200, 2000)] {
        assert_eq!(copy_fee_cents(pages), cents, "{pages} pages");
    }
}

#[test]
fn routes_follow_the_procedures_and_the_requesters_status() {
    use RequestKind::{Access, Amendment, Rectification};
    use RequesterStatus::{Citizen, Other, PermanentResident};
    // (kind, status, procedures, first-party route, expected; None: refused)
    type Row = (
        RequestKind,
        RequesterStatus,
        &'static str,
        &'static str,
        Option<Route>,
    );
    let table: [Row; 7] = [
        (
            Access,
            Citizen,
            "treasury-31-cfr-1",
            "privacy-act",
            Some(Route::PrivacyAct),
        ),
        (
            Access,
            PermanentResident,
            "treasury-31-cfr-1",
            "privacy-act",
            Some(Route::PrivacyAct),
        ),
        (
            Access,
            Other,
            "treasury-31-cfr-1",
            "privacy-act",
            Some(Route::Foia),
        ),
        (Amendment, Other, "treasury-31-cfr-1", "privacy-act", None),
        (
            Amendment,
            Other,
            "dhs-6-cfr-5",
            "privacy-act",
            Some(Route::PrivacyAct),
        ),
        (Access, Other, "dhs-6-cfr-5", "foia", Some(Route::Foia)),
        (
            Rectification,
            Other,
            "dhs-6-cfr-5",
            "foia",
            Some(Route::PrivacyAct),
        ),
    ];
    for (kind, status, procedures, first_party, expected) in table {
        assert_eq!(
            route_for(kind, status, procedures, first_party).ok(),
            expected,
            "{kind:?} {status:?} {procedures}"
        );
    }
}

/// 31 CFR 1.26(g)(1): "If it is not possible to respond within 30 days, the designated officer
/// shall inform the requester, stating the reason for the delay ... and when a response will be
/// dispatched." The notice is sent before the answer is late; dated after the due date it would
/// move a deadline already missed.
#[test]
fn a_delay_notice_is_accepted_only_before_the_answer_is_due() {
    let delay = |on, until| {
        at(
            EventKind::Extended {
                reason: "scattered location of the records".into(),
                until,
                approved_by: None,
                circumstance: None,
            },
            on,
        )
    };
    let foia_delay = |on, until| {
        at(
            EventKind::Extended {
                reason: "records at the port of entry".into(),
                until,
                approved_by: None,
                circumstance: Some(UnusualCircumstance::FieldFacilities),
            },
            on,
        )
    };
    let verified = |on| {
        at(
            EventKind::IdentityVerified {
                method: IdentityMethod::Notarized,
                evidence: Vec::new(),
                facts: Vec::new(),
            },
            on,
        )
    };
    let grant = |on| {
        at(
            EventKind::Determined {
                outcome: Outcome::Granted,
                reasons: String::new(),
            },
            on,
        )
    };
    let access = |route, received, more: Vec<Event>| {
        let mut events = vec![at(EventKind::Received, received), verified(received)];
        events.extend(more);
        run(RequestKind::Access, route, events)
    };
    // (case, notice, the determination's due date after it, or the refusal's words). Received
    // 2026-11-20, due 2027-01-06 (Thanksgiving, Christmas and New Year's Day not counted).
    let pa = || access(Route::PrivacyAct, d(2026, 11, 20), Vec::new());
    let table: Vec<(Case, Event, Result<NaiveDate, &str>)> = vec![
        (
            pa(),
            delay(d(2027, 1, 5), d(2027, 1, 20)),
            Ok(d(2027, 1, 20)),
        ),
        // On the last day it is still in time.
        (
            pa(),
            delay(d(2027, 1, 6), d(2027, 1, 20)),
            Ok(d(2027, 1, 20)),
        ),
        // The first working day after (a Thursday): too late.
        (
            pa(),
            delay(d(2027, 1, 7), d(2027, 1, 20)),
            Err("the determination was due on 2027-01-06"),
        ),
        // Weeks late, as the review tried: refused, and the deadline stays missed.
        (
            pa(),
            delay(d(2027, 2, 1), d(2027, 3, 1)),
            Err("is sent before it is due, not after"),
        ),
        // Dated the last day but entered weeks later, the review's second try: the clock
        // counts from the day the vault recorded it, so it is as late as if dated then.
        (
            pa(),
            entered(delay(d(2027, 1, 6), d(2027, 1, 20)), d(2027, 1, 25)),
            Err("is dated 2027-01-06 and was recorded on 2027-01-25"),
        ),
        // Entered on the day it is dated (what the gate stamps): in time.
        (
            pa(),
            entered(delay(d(2027, 1, 6), d(2027, 1, 20)), d(2027, 1, 6)),
            Ok(d(2027, 1, 20)),
        ),
        // A second notice before the promised date is in time; after it, not.
        (
            access(
                Route::PrivacyAct,
                d(2026, 11, 20),
                vec![delay(d(2027, 1, 5), d(2027, 1, 20))],
            ),
            delay(d(2027, 1, 20), d(2027, 2, 3)),
            Ok(d(2027, 2, 3)),
        ),
        (
            access(
                Route::PrivacyAct,
                d(2026, 11, 20),
                vec![delay(d(2027, 1, 5), d(2027, 1, 20))],
            ),
            delay(d(2027, 1, 21), d(2027, 2, 3)),
            Err("the determination was due on 2027-01-20"),
        ),
        // Once determined, nothing is left to delay.
        (
            access(
                Route::PrivacyAct,
                d(2026, 11, 20),
                vec![grant(d(2026, 12, 1))],
            ),
            delay(d(2026, 12, 2), d(2027, 1, 20)),
            Err("the determination was made on 2026-12-01"),
        ),
        // Incomplete: no clock runs, so there is nothing to delay.
        (
            access(
                Route::PrivacyAct,
                d(2026, 11, 20),
                vec![at(
                    EventKind::Deficient {
                        missing: vec!["signature".into()],
                    },
                    d(2026, 11, 23),
                )],
            ),
            delay(d(2026, 11, 24), d(2027, 1, 20)),
            Err("no determination is due yet"),
        ),
        // FOIA (1.5(j)(1), "by written notice"): received 2026-12-24, due 2027-01-26; only
        // for one of the three unusual circumstances.
        (
            access(Route::Foia, d(2026, 12, 24), Vec::new()),
            foia_delay(d(2027, 1, 26), d(2027, 2, 5)),
            Ok(d(2027, 2, 5)),
        ),
        (
            access(Route::Foia, d(2026, 12, 24), Vec::new()),
            foia_delay(d(2027, 1, 27), d(2027, 2, 5)),
            Err("the determination was due on 2027-01-26"),
        ),
        (
            access(Route::Foia, d(2026, 12, 24), Vec::new()),
            delay(d(2027, 1, 26), d(2027, 2, 5)),
            Err("a FOIA extension needs one of the unusual circumstances"),
        ),
        (
            pa(),
            foia_delay(d(2027, 1, 5), d(2027, 1, 20)),
            Err("`circumstance` is a FOIA extension's"),
        ),
    ];
    for (n, (built, notice, expected)) in table.into_iter().enumerate() {
        match (check_event(&built, &notice), expected) {
            (Ok(()), Ok(new_due)) => {
                let mut after = built.clone();
                after.events.push(notice);
                assert_eq!(due(&after, "determination"), Some(new_due), "row {n}");
            }
            (Err(reason), Err(words)) => {
                assert!(reason.contains(words), "row {n}: {reason}")
            }
            (got, want) => panic!("row {n}: got {got:?}, expected {want:?}"),
        }
    }
}

/// An appeal's decision (31 CFR 1.27(e)(4)) is extended before it is due, too.
#[test]
fn an_appeal_decision_is_extended_only_before_it_is_due() {
    let built = run(
        RequestKind::Amendment,
        Route::PrivacyAct,
        vec![
            at(EventKind::Received, d(2026, 12, 18)),
            at(
                EventKind::IdentityVerified {
                    method: IdentityMethod::Mail,
                    evidence: Vec::new(),
                    facts: Vec::new(),
                },
                d(2026, 12, 18),
            ),
            at(
                EventKind::Determined {
                    outcome: Outcome::Denied,
                    reasons: "accurate as reported".into(),
                },
                d(2027, 1, 8),
            ),
            at(
                EventKind::Appealed {
                    postmarked: d(2027, 2, 12),
                },
                d(2027, 2, 16),
            ),
        ],
    );
    assert_eq!(due(&built, "appeal-decision"), Some(d(2027, 3, 30)));
    let extend = |on| {
        at(
            EventKind::Extended {
                reason: "consultation with another agency".into(),
                until: d(2027, 4, 15),
                approved_by: Some("Deputy Assistant Secretary (Privacy)".into()),
                circumstance: None,
            },
            on,
        )
    };
    check_event(&built, &extend(d(2027, 3, 30))).unwrap();
    assert!(check_event(&built, &extend(d(2027, 3, 31)))
        .unwrap_err()
        .contains("the appeal-decision was due on 2027-03-30"));
}

/// 31 CFR 1.5(m): "Under no circumstances shall records be destroyed while they are the
/// subject of a pending request, appeal, or lawsuit under the FOIA." 1.5(a)(1): "If a
/// requester does not respond within 30 days to a communication from a bureau to amend the
/// request ..., the request file will be considered closed." 1.5(i) and 1.27(e)(1): 35 days to
/// appeal.
#[test]
fn a_request_preserves_what_it_is_about_until_its_last_window_has_passed() {
    let verified = |on| {
        at(
            EventKind::IdentityVerified {
                method: IdentityMethod::Notarized,
                evidence: Vec::new(),
                facts: Vec::new(),
            },
            on,
        )
    };
    let determined = |outcome, on| {
        at(
            EventKind::Determined {
                outcome,
                reasons: "exempt in part".into(),
            },
            on,
        )
    };
    let closed = |on| {
        at(
            EventKind::Closed {
                reason: "done".into(),
            },
            on,
        )
    };
    let deficient = |on| {
        at(
            EventKind::Deficient {
                missing: vec!["signature".into()],
            },
            on,
        )
    };
    let received = at(EventKind::Received, d(2026, 11, 20));
    let ends = |until| Some(until);
    // (kind, route, events after receipt, the last day kept, or None while pending).
    let table: Vec<(RequestKind, Route, Vec<Event>, Option<NaiveDate>)> = vec![
        // Received, nothing decided: pending.
        (RequestKind::Access, Route::PrivacyAct, vec![], None),
        // Deficient on 2026-11-23 and never answered: closed after 30 calendar days.
        (
            RequestKind::Access,
            Route::Foia,
            vec![deficient(d(2026, 11, 23))],
            ends(d(2026, 12, 23)),
        ),
        // Deficient, then perfected: pending again.
        (
            RequestKind::Access,
            Route::Foia,
            vec![
                deficient(d(2026, 11, 23)),
                at(EventKind::Perfected, d(2026, 12, 1)),
            ],
            None,
        ),
        // A Privacy Act access refusal has no appeal: it ends with the refusal.
        (
            RequestKind::Access,
            Route::PrivacyAct,
            vec![determined(Outcome::Denied, d(2026, 12, 10))],
            ends(d(2026, 12, 10)),
        ),
        // A grant keeps until the records are furnished and the case closed.
        (
            RequestKind::Access,
            Route::PrivacyAct,
            vec![
                verified(d(2026, 11, 23)),
                determined(Outcome::Granted, d(2026, 12, 10)),
            ],
            None,
        ),
        (
            RequestKind::Access,
            Route::PrivacyAct,
            vec![
                verified(d(2026, 11, 23)),
                determined(Outcome::Granted, d(2026, 12, 10)),
                closed(d(2026, 12, 14)),
            ],
            ends(d(2026, 12, 14)),
        ),
        // FOIA: refused in part on 2026-12-10, appealable for 35 days, to 2027-01-14; closing
        // the case on 2026-12-14 does not cut the window short.
        (
            RequestKind::Access,
            Route::Foia,
            vec![
                verified(d(2026, 11, 23)),
                determined(Outcome::PartlyGranted, d(2026, 12, 10)),
                closed(d(2026, 12, 14)),
            ],
            ends(d(2027, 1, 14)),
        ),
        // A later letter releasing records moves the FOIA window (1.5(i)(1)(ii)): 2026-12-20
        // plus 35 days.
        (
            RequestKind::Access,
            Route::Foia,
            vec![
                verified(d(2026, 11, 23)),
                determined(Outcome::PartlyGranted, d(2026, 12, 10)),
                at(EventKind::RecordsReleased, d(2026, 12, 20)),
            ],
            ends(d(2027, 1, 24)),
        ),
        // An amendment refused on 2026-12-10: its appeal window; appealed, pending until
        // decided on 2027-01-20; upheld, the statement of disagreement's 35 days to 2027-02-24.
        (
            RequestKind::Amendment,
            Route::PrivacyAct,
            vec![determined(Outcome::Denied, d(2026, 12, 10))],
            ends(d(2027, 1, 14)),
        ),
        (
            RequestKind::Amendment,
            Route::PrivacyAct,
            vec![
                determined(Outcome::Denied, d(2026, 12, 10)),
                at(
                    EventKind::Appealed {
                        postmarked: d(2027, 1, 5),
                    },
                    d(2027, 1, 7),
                ),
            ],
            None,
        ),
        (
            RequestKind::Amendment,
            Route::PrivacyAct,
            vec![
                determined(Outcome::Denied, d(2026, 12, 10)),
                at(
                    EventKind::Appealed {
                        postmarked: d(2027, 1, 5),
                    },
                    d(2027, 1, 7),
                ),
                at(
                    EventKind::AppealDetermined {
                        outcome: Outcome::Denied,
                        reasons: "upheld".into(),
                    },
                    d(2027, 1, 20),
                ),
            ],
            ends(d(2027, 2, 24)),
        ),
        // Withdrawn before a determination: ends the day it closed.
        (
            RequestKind::Access,
            Route::PrivacyAct,
            vec![closed(d(2026, 12, 2))],
            ends(d(2026, 12, 2)),
        ),
    ];
    for (n, (kind, route, events, expected)) in table.into_iter().enumerate() {
        let mut all = vec![received.clone()];
        all.extend(events);
        let built = run(kind, route, all);
        let got = match preservation(&built) {
            Preservation::Pending => None,
            Preservation::Ends { until, .. } => Some(until),
        };
        assert_eq!(got, expected, "row {n}");
    }
}

/// 31 CFR part 1 appendix A paragraph 8 (the default) and seed 000's own words for DHS systems:
/// "You must first verify your identity, meaning that you must provide your full name, current
/// address and date and place of birth. You must sign your request, and your signature must
/// either be notarized or submitted under 28 U.S.C. § 1746".
#[test]
fn identity_is_verified_as_each_systems_procedures_require() {
    use IdentityEvidence as E;
    use IdentityFact as F;
    use IdentityMethod as M;
    let appendix_a = IdentityRequirements::default();
    let dhs = IdentityRequirements {
        methods: vec![M::Notarized, M::PerjuryStatement],
        facts: vec![
            F::FullName,
            F::CurrentAddress,
            F::DateOfBirth,
            F::PlaceOfBirth,
        ],
        basis: "seed 000".into(),
    };
    let all_facts = [
        F::FullName,
        F::CurrentAddress,
        F::DateOfBirth,
        F::PlaceOfBirth,
    ];
    type Row<'a> = (
        M,
        Vec<E>,
        &'a [F],
        Vec<(&'a str, &'a IdentityRequirements)>,
        Result<(), &'a str>,
    );
    let table: Vec<Row<'_>> = vec![
        // In person: "a single official document bearing a photograph".
        (
            M::InPersonPhoto,
            vec![E::PhotoId],
            &[],
            vec![("cbetf", &appendix_a)],
            Ok(()),
        ),
        // "two items of identification which do not bear a photograph but do bear both a name
        // and signature": one is not enough.
        (
            M::InPersonTwoDocuments,
            vec![E::NameAndSignatureDocument],
            &[],
            vec![("cbetf", &appendix_a)],
            Err("needs 2 `name-and-signature-document`"),
        ),
        (
            M::InPersonTwoDocuments,
            vec![E::NameAndSignatureDocument, E::NameAndSignatureDocument],
            &[],
            vec![("cbetf", &appendix_a)],
            Ok(()),
        ),
        // By mail: "a signature, address, and one other identifier".
        (
            M::Mail,
            vec![E::Signature, E::Address],
            &[],
            vec![("cbetf", &appendix_a)],
            Err("needs 1 `identifier-document`"),
        ),
        (
            M::Mail,
            vec![E::Signature, E::Address, E::IdentifierDocument],
            &[],
            vec![("cbetf", &appendix_a)],
            Ok(()),
        ),
        // A 28 U.S.C. 1746 statement only where the notice allows it.
        (
            M::PerjuryStatement,
            vec![E::PerjuryStatement],
            &[],
            vec![("cbetf", &appendix_a)],
            Err("cbetf does not accept verification by `perjury-statement`"),
        ),
        // DHS: never by mail alone, and always the four facts.
        (
            M::Mail,
            vec![E::Signature, E::Address, E::IdentifierDocument],
            &all_facts,
            vec![("ttar", &dhs)],
            Err("ttar does not accept verification by `mail`"),
        ),
        (
            M::Notarized,
            vec![E::NotarizedStatement],
            &all_facts[..3],
            vec![("ttar", &dhs)],
            Err("ttar requires the requester's `place-of-birth`"),
        ),
        (
            M::PerjuryStatement,
            vec![E::PerjuryStatement],
            &all_facts,
            vec![("ttar", &dhs)],
            Ok(()),
        ),
        // A request naming both systems meets both.
        (
            M::Notarized,
            vec![E::NotarizedStatement],
            &all_facts,
            vec![("cbetf", &appendix_a), ("ttar", &dhs)],
            Ok(()),
        ),
        (
            M::Notarized,
            vec![],
            &all_facts,
            vec![("cbetf", &appendix_a)],
            Err("needs 1 `notarized-statement`"),
        ),
    ];
    for (n, (method, evidence, facts, systems, expected)) in table.into_iter().enumerate() {
        match (check_identity(method, &evidence, facts, &systems), expected) {
            (Ok(()), Ok(())) => {}
            (Err(reason), Err(words)) => assert!(reason.contains(words), "row {n}: {reason}"),
            (got, want) => panic!("row {n}: got {got:?}, expected {want:?}"),
        }
    }
}

/// 31 CFR 1.7(a) by category and 1.7(g)'s rates: duplication "$.20 per page"; search and
/// review at "basic pay plus 16 percent". At $40.00 an hour the rate is $46.40.
#[test]
fn foia_fees_follow_the_requesters_category() {
    use FeeCategory as C;
    let work = |pages, search_minutes, review_minutes| Work {
        pages,
        search_minutes,
        review_minutes,
        hourly_pay_cents: 4000,
    };
    let table = [
        // Commercial: 90 minutes of search ($69.60), 30 of review ($23.20), 50 pages ($10.00).
        (C::Commercial, work(50, 90, 30), 10_280),
        // Educational: duplication after the first 100 pages: 150 pages at $0.20.
        (C::EducationalOrScientific, work(250, 600, 60), 3_000),
        (C::NewsMedia, work(80, 600, 0), 0),
        // Everyone else: search after two hours (60 minutes, $46.40) and 30 pages ($6.00).
        (C::Other, work(130, 180, 45), 5_240),
        (C::Other, work(90, 100, 0), 0),
        // About themselves: "fees only for duplication, after the first 100 pages".
        (C::FirstParty, work(300, 600, 60), 4_000),
    ];
    for (n, (category, work, cents)) in table.into_iter().enumerate() {
        assert_eq!(foia_fee_cents(category, work), cents, "row {n}");
    }
}

/// 31 CFR 1.7(e)(1): over the requester's limit "and that amount is less than $250", notice
/// and agreement; (e)(2): no limit stated "and the costs are estimated to exceed $250.00",
/// prepayment.
#[test]
fn an_estimate_over_the_limit_or_over_250_dollars_waits_for_the_requester() {
    let table = [
        (3_000, Some(2_500), FeeStep::Agreement),
        (2_500, Some(2_500), FeeStep::Proceed),
        (24_999, Some(5_000), FeeStep::Agreement),
        (26_000, Some(5_000), FeeStep::Prepayment),
        (25_000, None, FeeStep::Proceed),
        (25_001, None, FeeStep::Prepayment),
        (10_000, None, FeeStep::Proceed),
    ];
    for (n, (estimate, limit, step)) in table.into_iter().enumerate() {
        assert_eq!(fee_step(estimate, limit), step, "row {n}");
    }
}

/// 31 CFR 1.7(e)(3): the "time limits of 20 days ... shall begin only after fees have been
/// paid, a written agreement to pay fees has been provided, or a request has been
/// reformulated". Received 2026-12-24, due 2027-01-26; an estimate of $300 with no limit on
/// 2027-01-04 stops the clock; paid on 2027-01-11 it starts again: 20 working days, Martin
/// Luther King Jr.'s Birthday (2027-01-18) not counted, to 2027-02-09.
#[test]
fn fees_awaited_stop_the_foia_clock_until_paid_agreed_or_reformulated() {
    let mut built = run(
        RequestKind::Access,
        Route::Foia,
        vec![at(EventKind::Received, d(2026, 12, 24))],
    );
    assert_eq!(due(&built, "determination"), Some(d(2027, 1, 26)));
    let early = at(EventKind::FeeAgreed, d(2027, 1, 4));
    assert!(check_event(&built, &early)
        .unwrap_err()
        .contains("no estimate awaits"));
    built
        .events
        .push(at(EventKind::FeeEstimated { cents: 30_000 }, d(2027, 1, 4)));
    assert_eq!(due(&built, "determination"), None, "the clock is stopped");
    let grant = at(
        EventKind::Determined {
            outcome: Outcome::Granted,
            reasons: String::new(),
        },
        d(2027, 1, 6),
    );
    assert!(check_event(&built, &grant)
        .unwrap_err()
        .contains("await the requester's agreement, payment"));
    // (what resolves it, and the new due date).
    for kind in [
        EventKind::FeesPaid { cents: 30_000 },
        EventKind::FeeAgreed,
        EventKind::Reformulated,
    ] {
        let mut resolved = built.clone();
        let event = at(kind, d(2027, 1, 11));
        check_event(&resolved, &event).unwrap();
        resolved.events.push(event);
        assert_eq!(due(&resolved, "determination"), Some(d(2027, 2, 9)));
    }
    // A Privacy Act request has no such steps.
    let privacy = run(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![at(EventKind::Received, d(2026, 12, 24))],
    );
    let estimate = at(EventKind::FeeEstimated { cents: 100 }, d(2027, 1, 4));
    assert!(check_event(&privacy, &estimate)
        .unwrap_err()
        .contains("are FOIA steps"));
}

/// 31 CFR 1.5(e)(4): expedited processing is decided "within 10 calendar days of the date of
/// the request. However, in no event shall the bureau have fewer than five days (excluding
/// Saturdays, Sundays, and legal public holidays) from the date of receipt"; (e)(5): a denial
/// is appealed "within 10 calendar days of the date of the initial letter".
#[test]
fn expedited_processing_is_decided_by_the_later_of_its_two_clocks() {
    // (dated, received, due): from 2026-12-22 five working days skip Christmas to 12-30.
    let table = [
        (d(2026, 12, 15), d(2026, 12, 22), d(2026, 12, 30)),
        (d(2026, 12, 21), d(2026, 12, 22), d(2026, 12, 31)),
        (d(2026, 12, 22), d(2026, 12, 22), d(2027, 1, 1)),
    ];
    for (n, (dated, received, expected)) in table.into_iter().enumerate() {
        let built = run(
            RequestKind::Access,
            Route::Foia,
            vec![
                at(EventKind::Received, d(2026, 12, 14)),
                at(EventKind::ExpeditedRequested { dated }, received),
            ],
        );
        assert_eq!(due(&built, "expedited-decision"), Some(expected), "row {n}");
    }
    let denied = run(
        RequestKind::Access,
        Route::Foia,
        vec![
            at(EventKind::Received, d(2026, 12, 14)),
            at(
                EventKind::ExpeditedRequested {
                    dated: d(2026, 12, 21),
                },
                d(2026, 12, 22),
            ),
            at(
                EventKind::ExpeditedDetermined { granted: false },
                d(2026, 12, 29),
            ),
        ],
    );
    assert_eq!(due(&denied, "expedited-appeal-window"), Some(d(2027, 1, 8)));
    let future = at(
        EventKind::ExpeditedRequested {
            dated: d(2027, 1, 2),
        },
        d(2026, 12, 30),
    );
    assert!(check_event(&denied, &future).is_err());
}

/// 31 CFR 1.5(i)(1)(ii): a FOIA appeal "must be submitted within 35 days of the date of the
/// initial determination or the date of the letter transmitting the last records released,
/// whichever is later".
#[test]
fn a_foia_appeal_window_runs_from_the_last_release_letter() {
    let mut built = run(
        RequestKind::Access,
        Route::Foia,
        vec![
            at(EventKind::Received, d(2026, 12, 1)),
            at(
                EventKind::IdentityVerified {
                    method: IdentityMethod::Notarized,
                    evidence: vec![IdentityEvidence::NotarizedStatement],
                    facts: Vec::new(),
                },
                d(2026, 12, 1),
            ),
            at(
                EventKind::Determined {
                    outcome: Outcome::PartlyGranted,
                    reasons: "552(b)(7)(E)".into(),
                },
                d(2027, 1, 5),
            ),
        ],
    );
    assert_eq!(due(&built, "appeal-window"), Some(d(2027, 2, 9)));
    for on in [d(2027, 1, 5), d(2027, 1, 20)] {
        let letter = at(EventKind::RecordsReleased, on);
        check_event(&built, &letter).unwrap();
        built.events.push(letter);
    }
    assert_eq!(due(&built, "appeal-window"), Some(d(2027, 2, 24)));
    let appeal = |postmarked| at(EventKind::Appealed { postmarked }, d(2027, 2, 26));
    check_event(&built, &appeal(d(2027, 2, 24))).unwrap();
    assert!(check_event(&built, &appeal(d(2027, 2, 25)))
        .unwrap_err()
        .contains("last letter releasing records"));
    // A fee waiver refused: 35 days to appeal it.
    let mut waiver = built.clone();
    for event in [
        at(EventKind::FeeWaiverRequested, d(2027, 1, 21)),
        at(
            EventKind::FeeWaiverDetermined {
                outcome: Outcome::Denied,
                reasons: "primarily in the requester's commercial interest".into(),
                reduced_percent: None,
            },
            d(2027, 1, 22),
        ),
    ] {
        check_event(&waiver, &event).unwrap();
        waiver.events.push(event);
    }
    assert_eq!(
        due(&waiver, "fee-waiver-appeal-window"),
        Some(d(2027, 2, 26))
    );
}

/// Seed 001 paragraphs 40-42: a complaint "may be made, either directly or via the relevant
/// DPA ... to the Assistant Commissioner, Office of Field Operations"; "In the event that a
/// complaint cannot be resolved by CBP, the complaint may be directed ... to the Chief Privacy
/// Officer"; "the DHS Privacy Office will address on an expedited basis complaints referred to
/// it by DPAs ... not ... satisfactorily dealt with by CBP ... or the DHS Privacy Office. The
/// Privacy Office will report its conclusions and advise the DPA". Each row adds one event to
/// the history of the rows before it (when accepted).
#[test]
fn a_complaint_goes_from_cbp_to_the_chief_privacy_officer_to_the_privacy_office_in_order() {
    let answer = |resolved| EventKind::CbpAnswered {
        resolved,
        answer: "reviewed the record".into(),
    };
    let cpo = |resolved| EventKind::ChiefPrivacyOfficerAnswered {
        resolved,
        answer: "reviewed the handling".into(),
    };
    let referred = EventKind::DpaReferred {
        authority: "CNIL".into(),
    };
    let concluded = EventKind::ConclusionsReported {
        conclusions: "the data were handled as the Undertakings require".into(),
        actions: "none".into(),
    };
    type Row = (&'static str, EventKind, Option<&'static str>);
    let rows: Vec<Row> = vec![
        ("received", EventKind::Received, None),
        (
            "the Chief Privacy Officer before CBP answered",
            EventKind::ReferredToChiefPrivacyOfficer,
            Some("once CBP has answered it without resolving it"),
        ),
        (
            "an authority's referral before anyone answered",
            referred.clone(),
            Some("CBP has not answered this one"),
        ),
        (
            "a determination, as if it were a request",
            EventKind::Determined {
                outcome: Outcome::Granted,
                reasons: String::new(),
            },
            Some("a complaint is answered"),
        ),
        (
            "an answer with nothing in it",
            EventKind::CbpAnswered {
                resolved: false,
                answer: " ".into(),
            },
            Some("CBP's answer is stated"),
        ),
        ("CBP could not resolve it", answer(false), None),
        (
            "CBP answers once",
            answer(true),
            Some("already has `cbp-answered`"),
        ),
        (
            "conclusions with no referral",
            concluded.clone(),
            Some("none did"),
        ),
        (
            "the Chief Privacy Officer's answer before the referral",
            cpo(false),
            Some("was not referred"),
        ),
        (
            "on to the Chief Privacy Officer",
            EventKind::ReferredToChiefPrivacyOfficer,
            None,
        ),
        ("who could not resolve it either", cpo(false), None),
        ("the resident's authority refers it", referred.clone(), None),
        (
            "and only once",
            referred,
            Some("already has `dpa-referred`"),
        ),
        (
            "the Privacy Office reports its conclusions",
            concluded,
            None,
        ),
        (
            "closed",
            EventKind::Closed {
                reason: "conclusions reported".into(),
            },
            None,
        ),
    ];
    let mut built = case(RequestKind::Complaint, Route::PrivacyAct, Vec::new());
    for (n, (what, kind, refused)) in rows.into_iter().enumerate() {
        let event = at(kind, d(2026, 7, 1) + chrono::Days::new(n as u64));
        match (check_event(&built, &event), refused) {
            (Ok(()), None) => built.events.push(event),
            (Err(reason), Some(expected)) => {
                assert!(reason.contains(expected), "{what}: {reason}")
            }
            (got, expected) => panic!("{what}: {got:?}, expected {expected:?}"),
        }
    }
    // Complaint steps on a request are refused; a request's CBP referral still is one of a
    // rectification's.
    let access = run(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![at(EventKind::Received, d(2026, 7, 1))],
    );
    let refused = check_event(&access, &at(answer(true), d(2026, 7, 2))).unwrap_err();
    assert!(refused.contains("is a step of a complaint"), "{refused}");
    // The authority referred it on Sunday 12 July 2026 (the events are a day apart): the
    // conclusions were due ten working days on, Friday 24 July.
    assert_eq!(due(&built, "dpa-conclusions"), Some(d(2026, 7, 24)));
}

/// A letter may be entered after it went out, but the clocks count from the later of the day
/// it is dated and the day the vault recorded it: a late entry neither stops a clock that had
/// run out (31 CFR 1.26(g)(1): "the individual will be advised ... within 30 days"; 1.5(h)(1),
/// 1.7(e)(3)), nor meets a deadline already missed, nor shortens the 35 days the requester has
/// to appeal (1.27(e)(1): "within 35 days of the date of the initial denial").
#[test]
fn a_late_entry_moves_no_clock() {
    let opened = |kind, route, received| {
        run(
            kind,
            route,
            vec![at(EventKind::Received, received), verified(received)],
        )
    };
    // Privacy Act access received 2026-11-20: determination due 2027-01-06. FOIA received
    // 2026-12-24: due 2027-01-26 (Christmas and New Year's Day not counted).
    let pa = || opened(RequestKind::Access, Route::PrivacyAct, d(2026, 11, 20));
    let foia = || opened(RequestKind::Access, Route::Foia, d(2026, 12, 24));
    let deficient = |on| {
        at(
            EventKind::Deficient {
                missing: vec!["signature".into()],
            },
            on,
        )
    };
    let estimate = |on| at(EventKind::FeeEstimated { cents: 30_000 }, on);
    // (case, notice that would stop the clock, the refusal's words or accepted).
    let table: Vec<(Case, Event, Option<&str>)> = vec![
        (pa(), entered(deficient(d(2026, 11, 23)), d(2027, 1, 6)), None),
        (
            pa(),
            entered(deficient(d(2026, 11, 23)), d(2027, 1, 7)),
            Some("the determination was due on 2027-01-06: a deficiency notice sent after that would move a deadline already missed; this one is dated 2026-11-23 and was recorded on 2027-01-07"),
        ),
        (foia(), entered(estimate(d(2027, 1, 20)), d(2027, 1, 26)), None),
        (
            foia(),
            entered(estimate(d(2027, 1, 20)), d(2027, 1, 27)),
            Some("the determination was due on 2027-01-26: a fee estimate sent after that"),
        ),
        // Even one within the requester's means: as a revision it would restart a stopped
        // clock.
        (
            foia(),
            entered(
                at(EventKind::FeeEstimated { cents: 1_000 }, d(2027, 1, 20)),
                d(2027, 2, 1),
            ),
            Some("a fee estimate sent after that"),
        ),
    ];
    for (n, (built, notice, expected)) in table.into_iter().enumerate() {
        match (check_event(&built, &notice), expected) {
            (Ok(()), None) => {}
            (Err(reason), Some(words)) => assert!(reason.contains(words), "row {n}: {reason}"),
            (got, want) => panic!("row {n}: got {got:?}, expected {want:?}"),
        }
    }

    // A determination dated the due day but entered two days later met it late.
    let mut late = pa();
    let grant = entered(
        at(
            EventKind::Determined {
                outcome: Outcome::Granted,
                reasons: String::new(),
            },
            d(2027, 1, 6),
        ),
        d(2027, 1, 8),
    );
    check_event(&late, &grant).unwrap();
    late.events.push(grant);
    let determination = deadlines(&late)
        .into_iter()
        .find(|deadline| deadline.what == "determination")
        .unwrap();
    assert_eq!(determination.met_on, Some(d(2027, 1, 8)));
    assert_eq!(determination.state(d(2027, 1, 8)), "met-late");

    // An amendment's refusal dated 2027-01-08 but entered 2027-02-01: the 35 days run from
    // 2027-02-01 (to 2027-03-08), so an appeal mailed 2027-03-01 is in time, and what the
    // request is about is kept through 2027-03-08.
    let mut refused = opened(RequestKind::Amendment, Route::PrivacyAct, d(2026, 12, 18));
    let denial = entered(
        at(
            EventKind::Determined {
                outcome: Outcome::Denied,
                reasons: "accurate as reported".into(),
            },
            d(2027, 1, 8),
        ),
        d(2027, 2, 1),
    );
    check_event(&refused, &denial).unwrap();
    refused.events.push(denial);
    assert_eq!(due(&refused, "appeal-window"), Some(d(2027, 3, 8)));
    assert_eq!(
        preservation(&refused),
        Preservation::Ends {
            until: d(2027, 3, 8),
            rule: "31 CFR 1.27(e)(1): kept until the 35 days to appeal the refusal have passed",
        }
    );
    let appeal = at(
        EventKind::Appealed {
            postmarked: d(2027, 3, 1),
        },
        d(2027, 3, 3),
    );
    check_event(&refused, &appeal).unwrap();
    let after_window = at(
        EventKind::Appealed {
            postmarked: d(2027, 3, 9),
        },
        d(2027, 3, 10),
    );
    assert!(check_event(&refused, &after_window).unwrap_err().contains(
        "after its window closed on 2027-03-08 (35 days after the refusal of 2027-02-01"
    ));
}

/// 31 CFR 1.7(d): fees are "waived or reduced" where disclosure is in the public interest; a
/// waiver takes off the whole fee, a reduction the share the decision states, a denial none.
#[test]
fn a_fee_waiver_or_reduction_applies_to_the_fee() {
    let decided = |outcome, reduced_percent| {
        case(
            RequestKind::Access,
            Route::Foia,
            vec![
                at(EventKind::Received, d(2026, 12, 1)),
                at(EventKind::FeeWaiverRequested, d(2026, 12, 1)),
                at(
                    EventKind::FeeWaiverDetermined {
                        outcome,
                        reasons: "public understanding of the government's operations".into(),
                        reduced_percent,
                    },
                    d(2026, 12, 3),
                ),
            ],
        )
    };
    let none = case(RequestKind::Access, Route::Foia, Vec::new());
    // (case, fee before, fee after): 7160 cents is an hour's search and half an hour's review
    // at $40.00 basic pay plus 16 percent, and 10 pages.
    let table = [
        (none, 7160, 7160),
        (decided(Outcome::Granted, None), 7160, 0),
        (decided(Outcome::PartlyGranted, Some(50)), 7160, 3580),
        (decided(Outcome::PartlyGranted, Some(25)), 7161, 5371),
        (decided(Outcome::Denied, None), 7160, 7160),
    ];
    for (n, (built, before, after)) in table.into_iter().enumerate() {
        assert_eq!(fee_after_waiver(&built, before), after, "row {n}");
    }
    assert_eq!(
        foia_fee_cents(
            FeeCategory::Commercial,
            Work {
                pages: 10,
                search_minutes: 60,
                review_minutes: 30,
                hourly_pay_cents: 4000,
            }
        ),
        7160
    );
}

/// What a caller dates an event cannot move it to another stage or past the determination:
/// an extension belongs to the stage it was recorded in (before the first appeal, the
/// determination's; after, the appeal's decision), a deficiency notice or a fee estimate after
/// the determination is refused (it would erase the deadlines that followed), and the 30 days
/// to answer a deficiency letter run from the day it was entered.
#[test]
fn an_entry_keeps_to_its_place_in_the_history() {
    let mut refused = run(
        RequestKind::Amendment,
        Route::PrivacyAct,
        vec![
            at(EventKind::Received, d(2026, 12, 18)),
            verified(d(2026, 12, 18)),
            entered(
                at(
                    EventKind::Determined {
                        outcome: Outcome::Denied,
                        reasons: "accurate as reported".into(),
                    },
                    d(2027, 1, 8),
                ),
                d(2027, 2, 1),
            ),
            at(
                EventKind::Appealed {
                    postmarked: d(2027, 1, 20),
                },
                d(2027, 1, 22),
            ),
        ],
    );
    let before = due(&refused, "determination");
    let extension = at(
        EventKind::Extended {
            reason: "consultation with another agency".into(),
            until: d(2027, 4, 15),
            approved_by: Some("Deputy Assistant Secretary (Privacy)".into()),
            circumstance: None,
        },
        d(2027, 1, 25),
    );
    check_event(&refused, &extension).unwrap();
    refused.events.push(extension);
    // Dated before the determination was entered, it still delays the appeal's decision only.
    assert_eq!(due(&refused, "determination"), before);
    assert_eq!(due(&refused, "appeal-decision"), Some(d(2027, 4, 15)));
    let deficient = at(
        EventKind::Deficient {
            missing: vec!["signature".into()],
        },
        d(2027, 1, 26),
    );
    assert!(check_event(&refused, &deficient)
        .unwrap_err()
        .contains("the request was determined"));
    // One administrative appeal: a second would be ignored by the clocks, so it is refused.
    let again = at(
        EventKind::Appealed {
            postmarked: d(2027, 1, 26),
        },
        d(2027, 1, 27),
    );
    assert!(check_event(&refused, &again)
        .unwrap_err()
        .contains("appealed already"));

    // Perfected once per deficiency letter: a second would move the date of receipt.
    let perfected = run(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![
            at(EventKind::Received, d(2026, 11, 20)),
            at(
                EventKind::Deficient {
                    missing: vec!["signature".into()],
                },
                d(2026, 11, 23),
            ),
            at(EventKind::Perfected, d(2026, 11, 24)),
        ],
    );
    assert!(
        check_event(&perfected, &at(EventKind::Perfected, d(2026, 12, 20)))
            .unwrap_err()
            .contains("already perfected")
    );

    // FOIA: $30.00 over a $25.00 limit stops the clock; revised to $20.00, within the limit,
    // it runs again from the revision.
    let mut revised = run(
        RequestKind::Access,
        Route::Foia,
        vec![
            at(EventKind::Received, d(2026, 12, 24)),
            at(EventKind::FeeEstimated { cents: 3000 }, d(2027, 1, 4)),
        ],
    );
    revised.fees = Some(FeeTerms {
        category: FeeCategory::FirstParty,
        limit_cents: Some(2500),
    });
    assert_eq!(foia_clock_start(&revised), None);
    revised
        .events
        .push(at(EventKind::FeeEstimated { cents: 2000 }, d(2027, 1, 6)));
    assert_eq!(foia_clock_start(&revised), Some(d(2027, 1, 6)));
    // A second revision restarts nothing: the clock ran from the first.
    revised
        .events
        .push(at(EventKind::FeeEstimated { cents: 1500 }, d(2027, 1, 20)));
    assert_eq!(foia_clock_start(&revised), Some(d(2027, 1, 6)));

    // A second deficiency letter after the request was perfected makes it incomplete again:
    // no clock, and its own 30 days to answer.
    let mut again_deficient = perfected.clone();
    again_deficient.events.push(at(
        EventKind::Deficient {
            missing: vec!["a third identifier".into()],
        },
        d(2026, 11, 25),
    ));
    assert_eq!(date_of_receipt(&again_deficient), None);
    assert_eq!(
        unanswered_deficiency(&again_deficient),
        Some(d(2026, 12, 25))
    );

    // After an appeal, its decision is the answer: a new determination is refused.
    let redetermined = at(
        EventKind::Determined {
            outcome: Outcome::Granted,
            reasons: String::new(),
        },
        d(2027, 1, 28),
    );
    assert!(check_event(&refused, &redetermined)
        .unwrap_err()
        .contains("was appealed"));

    // A deficiency letter dated 3 January but entered 1 February: the 30 days run to 3 March.
    let incomplete = case(
        RequestKind::Access,
        Route::PrivacyAct,
        vec![
            at(EventKind::Received, d(2027, 1, 2)),
            entered(
                at(
                    EventKind::Deficient {
                        missing: vec!["signature".into()],
                    },
                    d(2027, 1, 3),
                ),
                d(2027, 2, 1),
            ),
        ],
    );
    assert_eq!(unanswered_deficiency(&incomplete), Some(d(2027, 3, 3)));
}

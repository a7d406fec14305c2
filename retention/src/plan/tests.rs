//! The plan against the seeded schedules, on injected days.

use chrono::TimeZone;

use super::*;

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn month_cohort(id: u32, system: &str, category: &str, y: i32, m: u32) -> PeriodCohort {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    PeriodCohort {
        id,
        system: system.into(),
        category: category.into(),
        start_ms: day(y, m, 1).timestamp_millis(),
        end_ms: day(ny, nm, 1).timestamp_millis(),
        deferred: false,
    }
}

#[test]
fn cohorts_go_when_their_last_member_may_and_proposed_schedules_only_report() {
    let catalog = Catalog::builtin().unwrap();
    let cohorts = [
        month_cohort(1, "fincen-cbetf", "transmittal", 2026, 1),
        month_cohort(2, "dhs-ice-005-ttar", "trade-financial", 2026, 1),
        month_cohort(3, "cbp-pnr", "pnr", 2026, 1),
    ];
    // (day, cohorts destroyed, cohorts reported under a proposed schedule)
    let table: [(DateTime<Utc>, &[u32], &[u32]); 7] = [
        (day(2030, 12, 31), &[3], &[]),
        // CBETF: five years after its last member (2026-01-31), on 2031-01-31, not a day before.
        (day(2031, 1, 30), &[3], &[]),
        (day(2031, 2, 1), &[1, 3], &[]),
        // TTAR: ten years under the schedule in force (5 production + 5 archive); the proposed
        // schedule (10 years production) would destroy at the same time, so no report.
        (day(2036, 2, 1), &[1, 2, 3], &[]),
        // PNR: the period cohort ends 3 years 6 months after collection (the run first moves
        // records a person read to the deleted record file).
        (day(2029, 7, 31), &[], &[]),
        (day(2029, 8, 1), &[3], &[]),
        (day(2037, 8, 1), &[1, 2, 3], &[]),
    ];
    for (now, destroyed, reported) in table {
        let due = plan(&catalog, &cohorts, now);
        let got: Vec<u32> = due
            .iter()
            .filter(|d| d.destroy)
            .map(|d| d.cohort.id)
            .collect();
        let only_reported: Vec<u32> = due
            .iter()
            .filter(|d| !d.destroy)
            .map(|d| d.cohort.id)
            .collect();
        assert_eq!(
            (got.as_slice(), only_reported.as_slice()),
            (destroyed, reported),
            "{now}"
        );
    }
}

#[test]
fn a_proposed_schedule_that_lets_go_earlier_is_reported_never_applied() {
    // A catalog whose TTAR proposes 3 years instead of 10.
    let texts: Vec<(String, String)> = policy::sorn::BUILTIN
        .iter()
        .map(|(file, text)| {
            let text = if *file == "dhs-ice-005-ttar.toml" {
                text.replace(
                    "phase = [\n  { name = \"production\", ends_after = { years = 10 } },\n]\n\n[[schedule]]\nid = \"raw-input-in-force\"",
                    "phase = [\n  { name = \"production\", ends_after = { years = 3 } },\n]\n\n[[schedule]]\nid = \"raw-input-in-force\"",
                )
            } else {
                (*text).to_owned()
            };
            ((*file).to_owned(), text)
        })
        .collect();
    assert!(
        texts
            .iter()
            .any(|(_, text)| text.contains("ends_after = { years = 3 }")),
        "the fixture text moved"
    );
    let catalog = Catalog::from_texts(&texts).unwrap();
    let cohort = month_cohort(7, "dhs-ice-005-ttar", "trade-financial", 2026, 1);
    let due = plan(&catalog, &[cohort], day(2029, 6, 1));
    assert_eq!(due.len(), 1);
    assert_eq!(
        (
            due[0].destroy,
            due[0].status.as_str(),
            due[0].schedule.as_str()
        ),
        (false, "proposed", "records-proposed")
    );
}

#[test]
fn pnr_period_cohorts_defer_at_three_and_a_half_years_and_the_deleted_record_file_goes_at_eleven_and_a_half(
) {
    let catalog = Catalog::builtin().unwrap();
    // Daily PNR cohorts: 2026-01-10.
    let period = PeriodCohort {
        id: 1,
        system: "cbp-pnr".into(),
        category: "pnr".into(),
        start_ms: day(2026, 1, 10).timestamp_millis(),
        end_ms: day(2026, 1, 11).timestamp_millis(),
        deferred: false,
    };
    let deferred = PeriodCohort {
        id: 2,
        deferred: true,
        ..period.clone()
    };
    let cohorts = [period, deferred];
    // (day, cohorts due) over 7 days, 3.5 years, 10 years and 11.5 years.
    let table: [(DateTime<Utc>, &[u32]); 6] = [
        (day(2026, 1, 18), &[]),
        (day(2029, 7, 10), &[]),
        (day(2029, 7, 11), &[1]),
        (day(2036, 1, 11), &[1]),
        (day(2037, 7, 10), &[1]),
        (day(2037, 7, 11), &[1, 2]),
    ];
    for (now, expected) in table {
        let due = plan(&catalog, &cohorts, now);
        let got: Vec<u32> = due.iter().map(|d| d.cohort.id).collect();
        assert_eq!(got, expected, "{now}");
        for item in &due {
            assert_eq!(
                item.defer_to.as_deref(),
                (!item.cohort.deferred).then_some("deleted-record-file")
            );
        }
    }
    // One record's life, by whether a person read it.
    let collected = day(2026, 1, 10);
    assert_eq!(
        record_life_end(&catalog, "cbp-pnr", collected, false),
        Some(day(2029, 7, 10))
    );
    assert_eq!(
        record_life_end(&catalog, "cbp-pnr", collected, true),
        Some(day(2037, 7, 10))
    );
    assert_eq!(
        record_life_end(&catalog, "fincen-cbetf", collected, true),
        Some(day(2031, 1, 10))
    );
}

#[test]
fn raw_messages_go_under_their_schedule_and_never_after_the_records_made_from_them() {
    let catalog = Catalog::builtin().unwrap();
    let raw = model::RAW_CATEGORY;
    let cohorts = [
        // TTAR: raw input five years in force (ten proposed), records ten.
        month_cohort(1, "dhs-ice-005-ttar", raw, 2026, 1),
        // CBETF: raw input five years, like the records.
        month_cohort(2, "fincen-cbetf", raw, 2026, 1),
        // PNR: no raw-input schedule; the raw message goes with the period cohort at 3.5
        // years, never kept for the deleted record file's 11.5.
        month_cohort(3, "cbp-pnr", raw, 2026, 1),
    ];
    // (day, destroyed, reported under a proposed schedule)
    let table: [(DateTime<Utc>, &[u32], &[u32]); 5] = [
        (day(2029, 7, 31), &[], &[]),
        (day(2029, 8, 1), &[3], &[]),
        (day(2031, 1, 30), &[3], &[]),
        (day(2031, 2, 1), &[1, 2, 3], &[]),
        (day(2036, 2, 1), &[1, 2, 3], &[]),
    ];
    for (now, destroyed, reported) in table {
        let due = plan(&catalog, &cohorts, now);
        let ids = |destroy: bool| -> Vec<u32> {
            due.iter()
                .filter(|d| d.destroy == destroy)
                .map(|d| d.cohort.id)
                .collect()
        };
        assert_eq!(
            (ids(true).as_slice(), ids(false).as_slice()),
            (destroyed, reported),
            "on {now}"
        );
    }
    let ttar = plan(&catalog, &cohorts, day(2031, 2, 1));
    assert_eq!(ttar[0].schedule, "raw-input-in-force");
}

//! The legal calendar against dates checked by hand (OPM's federal holiday tables).

use chrono::NaiveDate;

use super::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn observed_holidays() {
    // (date, is it an observed legal public holiday)
    let table = [
        ("2026-07-03", true),  // July 4, 2026 is a Saturday: observed Friday
        ("2026-07-04", false), // the Saturday itself is a weekend day, not the holiday
        ("2021-12-31", true),  // New Year's Day 2022 falls on a Saturday
        ("2022-01-01", false),
        ("2021-12-24", true),  // Christmas 2021, a Saturday
        ("2022-12-26", true),  // Christmas 2022, a Sunday: observed Monday
        ("2020-06-19", false), // Juneteenth before the 2021 law
        ("2021-06-18", true),  // its first observance (June 19, 2021 was a Saturday)
        ("2022-06-20", true),  // June 19, 2022 was a Sunday
        ("2026-06-19", true),
        ("1985-01-21", false), // King's Birthday only from 1986
        ("1986-01-20", true),
        ("1975-10-27", true), // Veterans Day on the fourth Monday of October, 1971-1977
        ("1975-11-11", false),
        ("1978-11-10", true), // November 11 again from 1978 (a Saturday that year)
        ("1970-02-23", true), // February 22 before 1971; a Sunday in 1970, observed Monday
        ("1970-02-16", false), // the third Monday only from 1971
        ("2026-11-26", true), // Thanksgiving 2026
        ("2026-05-25", true), // Memorial Day 2026
        ("2026-10-12", true), // Columbus Day 2026
        ("2026-11-11", true),
        ("2026-01-19", true),
        ("2026-02-16", true),
        ("2026-09-07", true),
    ];
    for (date, expected) in table {
        assert_eq!(is_holiday(day(date)), expected, "{date}");
    }
    assert_eq!(holidays(2026).len(), 11);
    assert_eq!(holidays(2020).len(), 10);
    // 2021 holds its own eleven and New Year's Day 2022, observed December 31.
    assert_eq!(holidays(2021).len(), 12);
    assert_eq!(
        holidays(2022).len(),
        10,
        "its New Year's Day was observed in 2021"
    );
}

#[test]
fn working_day_deadlines() {
    // (from, days, due): the day of the event is not counted.
    let table = [
        ("2026-11-24", 1, "2026-11-25"),
        ("2026-11-25", 1, "2026-11-27"), // Thanksgiving skipped
        ("2026-11-27", 1, "2026-11-30"), // a weekend skipped
        ("2026-11-24", 10, "2026-12-09"),
        ("2026-12-18", 10, "2027-01-05"), // Christmas (Friday) and New Year's Day (Friday)
        ("2021-12-30", 1, "2022-01-03"),  // December 31, 2021 was New Year's Day observed
        ("2026-11-24", 30, "2027-01-08"),
        ("2021-06-17", 1, "2021-06-21"), // Juneteenth's first observance, then a weekend
        ("2020-06-18", 1, "2020-06-19"), // not yet a holiday
        ("2026-11-28", 0, "2026-11-28"),
    ];
    for (from, days, due) in table {
        assert_eq!(
            add_working_days(day(from), days),
            Some(day(due)),
            "{from} + {days}"
        );
    }
    assert_eq!(
        add_calendar_days(day("2026-11-24"), 35),
        Some(day("2026-12-29"))
    );
    assert_eq!(
        working_days_between(day("2026-11-24"), day("2027-01-08")),
        30
    );
    assert_eq!(
        working_days_between(day("2026-11-24"), day("2026-11-24")),
        0
    );
    assert!(is_working_day(day("2026-11-24")));
    assert!(!is_working_day(day("2026-11-28")));
}

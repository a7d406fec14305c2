//! The legal calendar: legal public holidays under 5 U.S.C. 6103 as in force each year, their
//! observed dates, and deadlines counted in days "excluding Saturdays, Sundays, and legal
//! public holidays" (31 CFR 1.26(g), 1.27) or in calendar days. Pure functions of dates.
//!
//! Holidays by year: the fixed-date holidays of 1870 onwards; the Monday holidays of the
//! Uniform Monday Holiday Act from 1971 (Washington's Birthday, Memorial Day, Columbus Day,
//! and Veterans Day on the fourth Monday of October until 1977, November 11 again from 1978);
//! Martin Luther King Jr.'s Birthday from 1986; Juneteenth from 2021. A holiday on a Saturday
//! is observed the Friday before, on a Sunday the Monday after (5 U.S.C. 6103(b), Executive
//! Order 11582), so January 1 can be observed on December 31 of the year before.
//! Inauguration Day, a holiday only in the Washington area, is not counted.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The legal public holidays whose observed date falls in `year`, in date order, with names.
pub fn holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut observed: Vec<(NaiveDate, &'static str)> = [year, year + 1]
        .into_iter()
        .flat_map(statutory)
        .map(|(date, name)| (observed_date(date), name))
        .filter(|(date, _)| date.year() == year)
        .collect();
    observed.sort();
    observed
}

/// Whether `date` is the observed date of a legal public holiday.
pub fn is_holiday(date: NaiveDate) -> bool {
    holidays(date.year()).iter().any(|(day, _)| *day == date)
}

/// Whether `date` counts as a working day: not a Saturday, Sunday or legal public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(date)
}

/// The `n`th working day after `from` (the day of the event not counted): the due date of
/// "within n days, excluding Saturdays, Sundays and legal public holidays". `None` past the
/// end of the calendar.
pub fn add_working_days(from: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut day = from;
    let mut counted = 0;
    while counted < n {
        day = day.checked_add_days(Days::new(1))?;
        if is_working_day(day) {
            counted += 1;
        }
    }
    Some(day)
}

/// The `n`th calendar day after `from` (the day of the event not counted).
pub fn add_calendar_days(from: NaiveDate, n: u32) -> Option<NaiveDate> {
    from.checked_add_days(Days::new(u64::from(n)))
}

/// Working days after `from` up to and including `to` (0 if `to` is not after `from`).
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|day| *day <= to)
        .filter(|day| is_working_day(*day))
        .count() as u32
}

/// The holidays of `year` on their statutory dates (before moving weekend ones).
fn statutory(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let date = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let monday = |month, n| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n);
    let mut days = vec![
        (date(1, 1), "New Year's Day"),
        (date(7, 4), "Independence Day"),
        (monday(9, 1), "Labor Day"),
        (
            NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4),
            "Thanksgiving Day",
        ),
        (date(12, 25), "Christmas Day"),
    ];
    if year >= 1971 {
        days.push((monday(2, 3), "Washington's Birthday"));
        days.push((last_monday_of_may(year), "Memorial Day"));
        days.push((monday(10, 2), "Columbus Day"));
    } else {
        days.push((date(2, 22), "Washington's Birthday"));
        days.push((date(5, 30), "Memorial Day"));
        days.push((date(10, 12), "Columbus Day"));
    }
    if (1971..=1977).contains(&year) {
        days.push((monday(10, 4), "Veterans Day"));
    } else {
        days.push((date(11, 11), "Veterans Day"));
    }
    if year >= 1986 {
        days.push((monday(1, 3), "Birthday of Martin Luther King, Jr."));
    }
    if year >= 2021 {
        days.push((date(6, 19), "Juneteenth National Independence Day"));
    }
    days.into_iter()
        .filter_map(|(day, name)| day.map(|day| (day, name)))
        .collect()
}

fn last_monday_of_may(year: i32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, 5, 31)?;
    let back = last.weekday().num_days_from_monday();
    last.checked_sub_days(Days::new(u64::from(back)))
}

fn observed_date(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date.pred_opt().unwrap_or(date),
        Weekday::Sun => date.succ_opt().unwrap_or(date),
        _ => date,
    }
}

#[cfg(test)]
mod tests;

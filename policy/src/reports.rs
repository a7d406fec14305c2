//! The privacy office's yearly reports, as pure counts over case files: the Privacy Act and
//! FOIA statistics of each system, and the DHS Chief Privacy Officer's report to Congress on
//! complaints ("the number, the substance and the resolution of complaints regarding the
//! handling of personal data, such as PNR", seed 001 paragraph 42).
//!
//! What is counted, for a calendar year (ours: the seeds name the reports, not their cells;
//! the cells follow the annual FOIA report's):
//! - `received`: requests whose `received` event falls in the year;
//! - `processed`: requests whose first determination, or closing without one, falls in it;
//! - `granted`, `partly_granted`, `denied`: determinations dated in it, by outcome;
//! - `exemptions`: for each exemption, the requests determined in the year that applied it;
//! - `median_days`, `longest_days`: working days from the date of receipt (the day a request
//!   became complete) to its processing, over the requests processed in the year (the median
//!   of an even count is the lower middle, so it is a day some request took);
//! - `pending`: requests received by the year's last day and not processed by then;
//!   `backlog`: those of them whose determination was due by then (overdue);
//! - `fees_cents`: fees paid in the year.
//!
//! A request naming several systems counts under each. Complaints are counted apart, in
//! [`complaints`]; they are neither requests received nor processed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::working_days_between;
use crate::requests::{self, Case, Event, EventKind, Outcome, RequestKind};

/// One case file as the reports see it.
#[derive(Clone, Debug)]
pub struct Filed<'a> {
    /// The systems it names.
    pub systems: &'a [String],
    /// Its history.
    pub case: &'a Case,
    /// The exemptions its response applied (a file answered before they were kept has none).
    pub exemptions: &'a [String],
    /// For a complaint, what it is about (one of [`SUBSTANCES`]).
    pub substance: Option<&'a str>,
    /// For a complaint, the data protection authority it came through, if any.
    pub via_authority: bool,
}

/// One system's requests in one year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SystemYear {
    /// The system.
    pub system: String,
    /// The year.
    pub year: i32,
    /// Requests received.
    pub received: u32,
    /// Requests processed.
    pub processed: u32,
    /// Determinations granting in full.
    pub granted: u32,
    /// Determinations granting in part.
    pub partly_granted: u32,
    /// Determinations refusing.
    pub denied: u32,
    /// Requests determined in the year that applied each exemption.
    pub exemptions: BTreeMap<String, u32>,
    /// Median working days to process.
    pub median_days: Option<u32>,
    /// Longest.
    pub longest_days: Option<u32>,
    /// Pending at the year's end.
    pub pending: u32,
    /// Pending at the year's end past their determination's due date.
    pub backlog: u32,
    /// Fees paid in the year, in cents.
    pub fees_cents: u64,
}

/// When a request was processed: its first determination, or its closing without one.
fn processed_on(case: &Case) -> Option<NaiveDate> {
    case.events.iter().find_map(|event| match event.kind {
        EventKind::Determined { .. } | EventKind::Closed { .. } => Some(event.counted()),
        _ => None,
    })
}

/// The Privacy Act and FOIA statistics of `year`, one row per system that had a request
/// received, processed or pending in it, by system id. Complaints are left out.
pub fn request_statistics(files: &[Filed<'_>], year: i32) -> Vec<SystemYear> {
    let Some(year_end) = NaiveDate::from_ymd_opt(year, 12, 31) else {
        return Vec::new();
    };
    let in_year = |on: NaiveDate| on.year() == year;
    let mut rows: BTreeMap<&str, (SystemYear, Vec<u32>)> = BTreeMap::new();
    for file in files {
        let case = file.case;
        if case.kind == RequestKind::Complaint {
            continue;
        }
        let Some(received) = case
            .events
            .iter()
            .find(|event| matches!(event.kind, EventKind::Received))
            .map(Event::counted)
        else {
            continue;
        };
        let processed = processed_on(case);
        let determinations: Vec<Outcome> = case
            .events
            .iter()
            .filter(|event| in_year(event.counted()))
            .filter_map(|event| match event.kind {
                EventKind::Determined { outcome, .. } => Some(outcome),
                _ => None,
            })
            .collect();
        let pending = received <= year_end && processed.is_none_or(|on| on > year_end);
        // The backlog as it stood at the year's end: only what the vault had recorded by
        // then moves the clock, so a later year's entries never change a past year's figures.
        // A determination due on 31 December is not yet late that day.
        let as_it_stood = Case {
            events: case
                .events
                .iter()
                .filter(|event| event.counted() <= year_end)
                .cloned()
                .collect(),
            ..case.clone()
        };
        let overdue = pending
            && requests::deadlines(&as_it_stood)
                .iter()
                .any(|deadline| deadline.what == "determination" && deadline.due < year_end);
        let fees: u64 = case
            .events
            .iter()
            .filter(|event| in_year(event.counted()))
            .map(|event| match event.kind {
                EventKind::FeesPaid { cents } => cents,
                _ => 0,
            })
            .sum();
        let days = processed.filter(|on| in_year(*on)).map(|on| {
            let start = requests::date_of_receipt(case).unwrap_or(received);
            working_days_between(start, on)
        });
        let counts = in_year(received) || days.is_some() || pending || !determinations.is_empty();
        if !counts {
            continue;
        }
        for system in file.systems {
            let (row, all_days) = rows.entry(system.as_str()).or_insert_with(|| {
                (
                    SystemYear {
                        system: system.clone(),
                        year,
                        ..SystemYear::default()
                    },
                    Vec::new(),
                )
            });
            row.received += u32::from(in_year(received));
            if let Some(days) = days {
                row.processed += 1;
                all_days.push(days);
            }
            for outcome in &determinations {
                match outcome {
                    Outcome::Granted => row.granted += 1,
                    Outcome::PartlyGranted => row.partly_granted += 1,
                    Outcome::Denied => row.denied += 1,
                }
            }
            if !determinations.is_empty() {
                for exemption in file.exemptions {
                    *row.exemptions.entry(exemption.clone()).or_default() += 1;
                }
            }
            row.pending += u32::from(pending);
            row.backlog += u32::from(overdue);
            row.fees_cents += fees;
        }
    }
    rows.into_values()
        .map(|(mut row, mut days)| {
            days.sort_unstable();
            row.median_days = (!days.is_empty()).then(|| days[(days.len() - 1) / 2]);
            row.longest_days = days.last().copied();
            row
        })
        .collect()
}

/// What a complaint may be about (ours: the report to Congress names its "substance"; these
/// are the handling the Undertakings regulate).
pub const SUBSTANCES: [&str; 7] = [
    "accuracy",
    "access",
    "use-or-sharing",
    "retention",
    "sensitive-data",
    "security",
    "other",
];

/// How a complaint stood at the year's end.
pub const RESOLUTIONS: [&str; 5] = [
    "resolved-by-cbp",
    "resolved-by-chief-privacy-officer",
    "concluded-on-authority-referral",
    "closed-unresolved",
    "open",
];

/// The report to Congress on complaints received in a year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ComplaintReport {
    /// The year.
    pub year: i32,
    /// Complaints received.
    pub received: u32,
    /// Of them, through a data protection authority.
    pub through_authority: u32,
    /// By substance.
    pub by_substance: BTreeMap<String, u32>,
    /// By resolution at the year's end.
    pub by_resolution: BTreeMap<String, u32>,
    /// Referred by an authority to the Privacy Office (paragraph 42).
    pub authority_referrals: u32,
    /// Of those, whose conclusions went out later than the expedited time.
    pub referrals_concluded_late: u32,
}

/// A complaint's resolution as of `as_of`.
pub fn resolution(case: &Case, as_of: NaiveDate) -> &'static str {
    let mut state = "open";
    for event in case.events.iter().filter(|event| event.counted() <= as_of) {
        state = match &event.kind {
            EventKind::CbpAnswered { resolved: true, .. } => "resolved-by-cbp",
            EventKind::ChiefPrivacyOfficerAnswered { resolved: true, .. } => {
                "resolved-by-chief-privacy-officer"
            }
            EventKind::ConclusionsReported { .. } => "concluded-on-authority-referral",
            EventKind::DpaReferred { .. } => "open",
            EventKind::Closed { .. } if state == "open" => "closed-unresolved",
            _ => state,
        };
    }
    state
}

/// The complaints received in `year` (every resolution as of its last day).
pub fn complaints(files: &[Filed<'_>], year: i32) -> ComplaintReport {
    let mut report = ComplaintReport {
        year,
        by_substance: SUBSTANCES.iter().map(|s| (s.to_string(), 0)).collect(),
        by_resolution: RESOLUTIONS.iter().map(|r| (r.to_string(), 0)).collect(),
        ..ComplaintReport::default()
    };
    let Some(year_end) = NaiveDate::from_ymd_opt(year, 12, 31) else {
        return report;
    };
    for file in files {
        let case = file.case;
        let received = case
            .events
            .iter()
            .find(|event| matches!(event.kind, EventKind::Received))
            .map(|event| event.on);
        if case.kind != RequestKind::Complaint || received.is_none_or(|on| on.year() != year) {
            continue;
        }
        report.received += 1;
        report.through_authority += u32::from(file.via_authority);
        let substance = file
            .substance
            .filter(|substance| SUBSTANCES.contains(substance))
            .unwrap_or("other");
        *report.by_substance.entry(substance.into()).or_default() += 1;
        *report
            .by_resolution
            .entry(resolution(case, year_end).into())
            .or_default() += 1;
        let referral = requests::deadlines(case)
            .into_iter()
            .find(|deadline| deadline.what == "dpa-conclusions");
        if let Some(referral) = referral {
            report.authority_referrals += 1;
            let late = match referral.met_on {
                Some(on) => on > referral.due,
                None => referral.due < year_end,
            };
            report.referrals_concluded_late += u32::from(late);
        }
    }
    report
}

#[cfg(test)]
mod tests;

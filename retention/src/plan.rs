//! The retention plan: for each period cohort (a partition's records collected in one bucket),
//! when its last member's life ends under the schedule in force, and whether that day has come.
//! A cohort goes when the last of its members may (schedules set minimum lives: records go
//! late, never early); the lag is at most the bucket's length.
//!
//! A schedule whose last phase is conditional (PNR's deleted record file, entered only by
//! records a person has read) ends a period cohort when the phase before it ends: the run first
//! moves the records that meet the condition to the cohort's deferred cohort, which goes when
//! the conditional phase ends.

use chrono::{DateTime, Utc};
use policy::Catalog;

/// A period cohort, as the plan sees it (ids and times only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodCohort {
    /// The cohort's id.
    pub id: u32,
    /// Its system.
    pub system: String,
    /// Its category.
    pub category: String,
    /// The first collection time in its bucket (Unix ms).
    pub start_ms: i64,
    /// The first collection time after it.
    pub end_ms: i64,
    /// Whether it is a deferred cohort (records of that bucket in a conditional phase) rather
    /// than the period cohort itself.
    pub deferred: bool,
}

/// What the plan says of one cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The cohort.
    pub cohort: PeriodCohort,
    /// The schedule that lets it go.
    pub schedule: String,
    /// That schedule's records-schedule authority.
    pub authority: String,
    /// `approved` or `proposed`.
    pub status: String,
    /// When its last member's life ended.
    pub life_ended: DateTime<Utc>,
    /// Whether the run destroys it (an approved schedule in force); otherwise it is reported
    /// only.
    pub destroy: bool,
    /// The conditional phase whose records the run moves to the deferred cohort first.
    pub defer_to: Option<String>,
}

/// The cohorts due on `now`: under each system's schedule in force (destroyed), and under its
/// proposed schedules where those would let a cohort go that the one in force keeps (reported
/// only: nothing is destroyed under a schedule not yet approved, 44 U.S.C. 3303a).
pub fn plan(catalog: &Catalog, cohorts: &[PeriodCohort], now: DateTime<Utc>) -> Vec<Due> {
    let mut due = Vec::new();
    for cohort in cohorts {
        let Some(system) = catalog.system(&cohort.system) else {
            continue; // a system without a notice: nothing may be destroyed under it
        };
        // The last member was collected just before the bucket's end.
        let Some(last) = DateTime::<Utc>::from_timestamp_millis(cohort.end_ms - 1) else {
            continue;
        };
        let mut in_force_due = false;
        // Raw messages go under the raw-input schedules (the records' where the notice has
        // none), and never later than the records made from them may.
        let raw = cohort.category == model::RAW_CATEGORY;
        let artefact = if raw
            && system
                .sorn
                .schedules
                .iter()
                .any(|schedule| schedule.get_ref().artefact == "raw-input")
        {
            "raw-input"
        } else {
            "records"
        };
        let records_end = catalog
            .records_schedule(&cohort.system)
            .and_then(|schedule| period_end(schedule, last).0);
        for schedule in system
            .sorn
            .schedules
            .iter()
            .map(|schedule| schedule.get_ref())
        {
            if schedule.artefact != artefact {
                continue;
            }
            let (ends, defer_to) = if cohort.deferred {
                (life_end(schedule, last), None)
            } else if raw {
                let own = life_end(schedule, last);
                (
                    own.zip(records_end)
                        .map(|(own, records)| own.min(records))
                        .or(own),
                    None,
                )
            } else {
                period_end(schedule, last)
            };
            let Some(ends) = ends else {
                continue;
            };
            if now < ends {
                continue;
            }
            let destroy = schedule.in_force && schedule.status == "approved";
            if !destroy && in_force_due {
                continue;
            }
            in_force_due |= destroy;
            due.push(Due {
                cohort: cohort.clone(),
                schedule: schedule.id.clone(),
                authority: schedule.authority.clone(),
                status: schedule.status.clone(),
                life_ended: ends,
                destroy,
                defer_to,
            });
        }
    }
    // A cohort the schedule in force destroys needs no report under a proposed one.
    let destroyed: Vec<u32> = due
        .iter()
        .filter(|d| d.destroy)
        .map(|d| d.cohort.id)
        .collect();
    due.retain(|d| d.destroy || !destroyed.contains(&d.cohort.id));
    due
}

/// When a record collected at `collected` ends its life under `schedule`: the end of its last
/// phase.
pub fn life_end(
    schedule: &policy::sorn::Schedule,
    collected: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    schedule.phases.last()?.ends_after.after(collected)
}

/// When a record collected at `collected` leaves its period cohort under `schedule`: the end
/// of its last phase, or, if that phase is conditional, the end of the phase before it, with
/// the conditional phase's name (the records meeting its condition move on to it).
pub fn period_end(
    schedule: &policy::sorn::Schedule,
    collected: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<String>) {
    match schedule.phases.split_last() {
        Some((last, earlier)) if last.condition().is_some() && !earlier.is_empty() => (
            earlier
                .last()
                .and_then(|phase| phase.ends_after.after(collected)),
            Some(last.name.clone()),
        ),
        _ => (life_end(schedule, collected), None),
    }
}

/// When a record ends its life under the records schedule in force for `system`, given
/// whether it meets the condition of a conditional last phase (a person has read it).
pub fn record_life_end(
    catalog: &Catalog,
    system: &str,
    collected: DateTime<Utc>,
    meets_condition: bool,
) -> Option<DateTime<Utc>> {
    let schedule = catalog.records_schedule(system)?;
    match period_end(schedule, collected) {
        (end, Some(_)) if !meets_condition => end,
        _ => life_end(schedule, collected),
    }
}

#[cfg(test)]
mod tests;

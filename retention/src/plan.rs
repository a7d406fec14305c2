//! The retention plan: for each period cohort (a partition's records collected in one bucket),
//! when its last member's life ends under the schedule in force, and whether that day has come.
//! A cohort goes when the last of its members may (schedules set minimum lives: records go
//! late, never early); the lag is at most the bucket's length.

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
        for schedule in system
            .sorn
            .schedules
            .iter()
            .map(|schedule| schedule.get_ref())
        {
            if schedule.artefact != "records" {
                continue;
            }
            let Some(ends) = life_end(schedule, last) else {
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
    let age = schedule.phases.last()?.ends_after;
    collected
        .checked_add_months(chrono::Months::new(age.years * 12 + age.months))?
        .checked_add_days(chrono::Days::new(u64::from(age.days)))
}

#[cfg(test)]
mod tests;

//! Carrying out a retention plan against a vault: the clock is checked against the trusted time
//! (never behind it; a jump forward past a threshold needs an operator's confirmation), a run
//! larger than a volume needs a second approver, each due cohort is destroyed (its key in an
//! epoch change, then its records and index entries purged; held records survive in their hold
//! cohorts), and the run ends with a signed disposition certificate. A run is idempotent: what
//! a crash interrupted, the next run finishes (destroyed cohorts are not live any more).

use chrono::{DateTime, Duration, Utc};
use policy::Catalog;
use vault::{Access, CohortKind, Vault};

use crate::plan::{plan, Due, PeriodCohort};

/// Limits a run respects.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The operator confirms a clock that jumped forward past `max_jump`.
    pub confirm_clock: bool,
    /// The largest jump forward from the trusted time that needs no confirmation.
    pub max_jump: Duration,
    /// The most records one run destroys without a second approver.
    pub max_records: u64,
    /// A second records officer who approved a larger run.
    pub second_approver: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            confirm_clock: false,
            max_jump: Duration::days(3),
            max_records: 10_000_000,
            second_approver: None,
        }
    }
}

/// Why a run refused to destroy anything.
#[derive(Debug)]
pub enum RunError {
    /// The clock reads earlier than a time a previous run relied on.
    ClockBehind {
        /// The trusted time.
        trusted: DateTime<Utc>,
    },
    /// The clock jumped forward past the threshold; an operator must confirm it.
    ClockJumped {
        /// The trusted time.
        trusted: DateTime<Utc>,
    },
    /// The run would destroy more records than one approval allows.
    NeedsSecondApproval {
        /// How many.
        records: u64,
    },
    /// The vault failed.
    Vault(vault::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::ClockBehind { trusted } => write!(f, "the clock reads earlier than {trusted}, a time a previous run relied on; nothing is destroyed until it is corrected"),
            RunError::ClockJumped { trusted } => write!(f, "the clock jumped forward from {trusted} past the allowed threshold; confirm the clock to run"),
            RunError::NeedsSecondApproval { records } => write!(f, "the run would destroy {records} records, more than one approval allows; a second records officer must approve it"),
            RunError::Vault(err) => write!(f, "{err}"),
        }
    }
}

impl From<vault::Error> for RunError {
    fn from(err: vault::Error) -> Self {
        RunError::Vault(err)
    }
}

/// One cohort a run destroyed.
#[derive(Clone, Debug)]
pub struct Destroyed {
    /// What the plan said.
    pub due: Due,
    /// Records destroyed (held records apart).
    pub records: u64,
    /// SHA-256 of their ids, in order.
    pub ids_digest: [u8; 32],
    /// Held records that survived.
    pub held: u64,
    /// The root epoch the destruction started.
    pub new_epoch: u32,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Cohorts destroyed.
    pub destroyed: Vec<Destroyed>,
    /// Cohorts a proposed schedule would let go: reported, kept.
    pub reported: Vec<Due>,
    /// The certificate's name and text, and its signature, if anything was due.
    pub certificate: Option<vault::Certificate>,
}

/// The live period cohorts of `vault`, with their systems and categories.
pub fn live_cohorts(vault: &Vault) -> Result<Vec<PeriodCohort>, vault::Error> {
    let partitions: std::collections::HashMap<u16, (String, String)> = vault
        .status()?
        .partitions
        .into_iter()
        .map(|partition| {
            (
                partition.id,
                (partition.system.as_str().to_owned(), partition.category),
            )
        })
        .collect();
    Ok(vault
        .key_status()?
        .cohorts
        .into_iter()
        .filter(|info| info.is_live())
        .filter_map(|info| match info.kind {
            CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            } => {
                let (system, category) = partitions.get(&partition)?.clone();
                Some(PeriodCohort {
                    id: info.id,
                    system,
                    category,
                    start_ms,
                    end_ms,
                })
            }
            _ => None,
        })
        .collect())
}

/// The plan of `vault` on `as_of` (changes nothing).
pub fn plan_of(
    vault: &Vault,
    catalog: &Catalog,
    as_of: DateTime<Utc>,
) -> Result<Vec<Due>, vault::Error> {
    Ok(plan(catalog, &live_cohorts(vault)?, as_of))
}

/// Runs the schedule on `now` (the real clock: no option makes a run destroy early).
pub fn run(
    vault: &Vault,
    catalog: &Catalog,
    access: &Access,
    now: DateTime<Utc>,
    options: &RunOptions,
) -> Result<RunReport, RunError> {
    if let Some(trusted) = vault.trusted_time()? {
        if now < trusted {
            return Err(RunError::ClockBehind { trusted });
        }
        if now - trusted > options.max_jump && !options.confirm_clock {
            return Err(RunError::ClockJumped { trusted });
        }
    }
    let due = plan_of(vault, catalog, now)?;
    let mut counted = Vec::new();
    let mut total = 0;
    for item in due.iter().filter(|item| item.destroy) {
        let (records, digest) = vault.cohort_records_digest(item.cohort.id)?;
        total += records;
        counted.push((item.clone(), records, digest));
    }
    if total > options.max_records
        && options
            .second_approver
            .as_deref()
            .is_none_or(|approver| approver == access.principal)
    {
        return Err(RunError::NeedsSecondApproval { records: total });
    }
    let started = now;
    let mut report = RunReport {
        reported: due.iter().filter(|item| !item.destroy).cloned().collect(),
        ..RunReport::default()
    };
    for (item, records, ids_digest) in counted {
        let destruction = vault.destroy_cohort(access, item.cohort.id, now)?;
        report.destroyed.push(Destroyed {
            due: item,
            records,
            ids_digest,
            held: destruction.survivors,
            new_epoch: destruction.new_epoch,
        });
    }
    vault.advance_trusted_time(now)?;
    if !report.destroyed.is_empty() || !report.reported.is_empty() {
        let text = certificate_text(&report, access, started, options);
        let name = format!("{:013}", now.timestamp_millis());
        let signature = vault.put_certificate("retention", &name, &text)?;
        report.certificate = Some(vault::Certificate {
            kind: "retention".into(),
            name,
            text,
            signature,
        });
    }
    Ok(report)
}

fn certificate_text(
    report: &RunReport,
    access: &Access,
    started: DateTime<Utc>,
    options: &RunOptions,
) -> String {
    let mut text = String::from("recvault disposition certificate v1\n");
    text.push_str(&format!(
        "run at: {}\n",
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    ));
    text.push_str(&format!("by: {} ({})\n", access.principal, access.role));
    if let Some(approver) = &options.second_approver {
        text.push_str(&format!("second approval: {approver}\n"));
    }
    for item in &report.destroyed {
        text.push_str(&format!(
            "destroyed: cohort {} of {}/{} collected {} to {}; schedule {} ({}, authority: {}); life ended {}; {} records, ids sha256 {}; {} held records kept; root epoch now {}\n",
            item.due.cohort.id,
            item.due.cohort.system,
            item.due.cohort.category,
            ms(item.due.cohort.start_ms),
            ms(item.due.cohort.end_ms),
            item.due.schedule,
            item.due.status,
            item.due.authority,
            item.due.life_ended.format("%Y-%m-%d"),
            item.records,
            hex::encode(item.ids_digest),
            item.held,
            item.new_epoch,
        ));
    }
    for item in &report.reported {
        text.push_str(&format!(
            "not destroyed: cohort {} of {}/{} would go under the proposed schedule {} (life ended {}); nothing is destroyed under a schedule not approved (44 U.S.C. 3303a)\n",
            item.cohort.id,
            item.cohort.system,
            item.cohort.category,
            item.schedule,
            item.life_ended.format("%Y-%m-%d"),
        ));
    }
    text
}

fn ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

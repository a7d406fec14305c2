//! Carrying out a retention plan against a vault: the clock is checked against the trusted time
//! (never behind it; a jump forward past a threshold needs an operator's confirmation), a run
//! larger than a volume needs a second approver, each due cohort is destroyed (its key in an
//! epoch change, then its records and index entries purged; held records survive in their hold
//! cohorts), and the run ends with a signed disposition certificate. A run is idempotent: what
//! a crash interrupted, the next run finishes (destroyed cohorts are not live any more), and a
//! journal kept before each step lets that run's certificate name what the interrupted one did.
//!
//! Before a period cohort whose schedule ends in a conditional phase is destroyed, the records
//! that meet the condition move to its deferred cohort. A released hold's cohort goes once
//! every record left in it has reached the end of its life.
//!
//! There is no grace window: a destroyed key is gone at once, in the backend too (the root
//! epoch that wrapped it is destroyed in the same step). Cloud KMSs wait 7 to 30 days before
//! deleting a key so a mistake can be undone; here the mistake is prevented instead, before
//! anything is destroyed: only approved schedules destroy, never early, never with a clock
//! behind the trusted time or jumped without confirmation, never a held record, and large runs
//! need a second records officer. A grace window would also keep the data readable past the
//! end of its retention, which is what the schedule forbids. docs/retention.md says more.

use chrono::{DateTime, Duration, Utc};
use policy::Catalog;
use vault::{Access, CohortKind, Vault};

use crate::plan::{plan, Due, PeriodCohort};

/// Who keeps a cohort's survivors past its destruction, and how many each (`None` for a
/// request's preservation, which is named but never counted: vault::Vault::survivors_by_keeper).
pub type KeptBy = Vec<(String, Option<u64>)>;

/// Limits a run respects.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The operator confirms a clock that jumped forward past `max_jump`.
    pub confirm_clock: bool,
    /// The largest jump forward from the trusted time that needs no confirmation.
    pub max_jump: Duration,
    /// The most records one run destroys without a second approver.
    pub max_records: u64,
    /// A second records officer's approval of a larger run: who, and the plan they approved
    /// (see [`plan_digest`]); the run goes ahead only if its own plan has that digest.
    pub approval: Option<PlanApproval>,
}

/// A second records officer's approval of one plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanApproval {
    /// The approving officer (not the one who runs).
    pub approver: String,
    /// The digest of the plan they were shown.
    pub plan_digest: [u8; 32],
}

/// What a run on `now` would destroy, as a second officer approves it: how many records, in
/// how many cohorts, and a digest binding the day and each cohort with its records' digest,
/// so an approval cannot be reused for another day's run or a cohort that changed.
pub fn plan_digest(
    vault: &Vault,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<(u64, usize, [u8; 32]), RunError> {
    let counted = counted_plan(vault, catalog, now)?;
    let total = counted.iter().map(|(_, records, _)| records).sum();
    Ok((total, counted.len(), digest_of(now, &counted)))
}

/// The cohorts a run on `now` destroys, each with its record count and records' digest.
fn counted_plan(
    vault: &Vault,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<Vec<(Due, u64, [u8; 32])>, RunError> {
    let mut counted = Vec::new();
    for item in plan_of(vault, catalog, now)?
        .into_iter()
        .filter(|item| item.destroy)
    {
        let (records, digest) = vault.cohort_records_digest(item.cohort.id)?;
        counted.push((item, records, digest));
    }
    Ok(counted)
}

fn digest_of(now: DateTime<Utc>, counted: &[(Due, u64, [u8; 32])]) -> [u8; 32] {
    let mut text = format!("recvault retention plan v1\n{}\n", now.date_naive());
    for (item, records, digest) in counted {
        text.push_str(&format!(
            "{} {records} {}\n",
            item.cohort.id,
            hex::encode(digest)
        ));
    }
    vault::crypto::sha256(text.as_bytes())
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            confirm_clock: false,
            max_jump: Duration::days(3),
            max_records: 10_000_000,
            approval: None,
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
    /// Held records that survived (`None` when a request's preservation kept some: never
    /// counted).
    pub held: Option<u64>,
    /// The root epoch the destruction started.
    pub new_epoch: u32,
    /// Records moved to the deferred cohort (a conditional phase) just before.
    pub deferred: u64,
    /// Where the survivors are kept (each hold, the deleted record file), with how many.
    pub kept_by: KeptBy,
    /// Index-period keys destroyed with it (its system's year ended with it).
    pub index_keys_destroyed: usize,
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
    /// What the caller did before the plan: requests' preservation holds released or placed.
    pub preservation: Vec<String>,
}

/// The live period cohorts of `vault`, with their systems and categories.
pub fn live_cohorts(vault: &Vault) -> Result<Vec<PeriodCohort>, vault::Error> {
    let partitions: std::collections::HashMap<u16, (String, String)> = vault
        .partitions()?
        .into_iter()
        .map(|(id, system, category)| (id, (system.as_str().to_owned(), category)))
        .collect();
    Ok(vault
        .key_status()?
        .cohorts
        .into_iter()
        .filter(|info| info.is_live())
        .filter_map(|info| {
            let (partition, start_ms, end_ms, deferred) = match info.kind {
                CohortKind::Period {
                    partition,
                    start_ms,
                    end_ms,
                } => (partition, start_ms, end_ms, false),
                CohortKind::Deferred {
                    partition,
                    start_ms,
                    end_ms,
                } => (partition, start_ms, end_ms, true),
                _ => return None,
            };
            let (system, category) = partitions.get(&partition)?.clone();
            Some(PeriodCohort {
                id: info.id,
                system,
                category,
                start_ms,
                end_ms,
                deferred,
            })
        })
        .collect())
}

/// The cohorts of released holds whose every remaining record has reached the end of its life
/// on `now` (a record of a schedule with a conditional last phase ends before that phase
/// unless a person read it). Destroyed under the schedule in force of their records' system.
pub fn released_holds_due(
    vault: &Vault,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<Vec<Due>, vault::Error> {
    let live: std::collections::HashSet<u32> = vault
        .key_status()?
        .cohorts
        .iter()
        .filter(|info| info.is_live())
        .map(|info| info.id)
        .collect();
    let mut due = Vec::new();
    for summary in vault.holds()? {
        let hold = summary.hold;
        if hold.is_active() || !live.contains(&hold.cohort) {
            continue;
        }
        let mut ends = Vec::new();
        let mut system = String::new();
        let mut first = i64::MAX;
        let mut last = i64::MIN;
        for id in vault.hold_cohort_records(hold.cohort)? {
            let (record_system, _) = vault.partition_of(&id)?;
            let collected = id.collected_at_millis();
            first = first.min(collected);
            last = last.max(collected);
            system = record_system.as_str().to_owned();
            let Some(at) = DateTime::<Utc>::from_timestamp_millis(collected) else {
                continue;
            };
            ends.push(crate::plan::record_life_end(
                catalog,
                record_system.as_str(),
                at,
                vault.manually_accessed(&id)?,
            ));
        }
        // A record of a system without a schedule in force is never destroyed.
        let Some(ends) = ends.into_iter().collect::<Option<Vec<_>>>() else {
            continue;
        };
        let released_at = hold.released.as_ref().map_or(now, |release| release.at);
        let life_ended = ends.into_iter().max().unwrap_or(released_at);
        if life_ended > now {
            continue;
        }
        let schedule = catalog.records_schedule(&system);
        if !system.is_empty() && schedule.is_none_or(|schedule| schedule.status != "approved") {
            continue;
        }
        due.push(Due {
            cohort: PeriodCohort {
                id: hold.cohort,
                system,
                category: format!("released hold {}", hold.label()),
                start_ms: if first == i64::MAX { 0 } else { first },
                end_ms: if last == i64::MIN { 0 } else { last + 1 },
                deferred: false,
            },
            schedule: schedule.map_or_else(|| "none".to_owned(), |schedule| schedule.id.clone()),
            authority: schedule.map_or_else(
                || {
                    format!(
                        "hold {} `{}` released, no records left",
                        hold.label(),
                        hold.spec.reference
                    )
                },
                |schedule| schedule.authority.clone(),
            ),
            status: "approved".into(),
            life_ended,
            destroy: true,
            defer_to: None,
        });
    }
    Ok(due)
}

/// What `retention plan` shows: each due cohort with the holds (and deleted record file)
/// that would keep some of its records, and how many live cohorts each system has in each
/// phase on the day.
#[derive(Clone, Debug, Default)]
pub struct PlanView {
    /// The due cohorts, each with where its survivors would be kept.
    pub due: Vec<(Due, KeptBy)>,
    /// (system, phase of the cohort's last member, live cohorts); `past-retention` for those
    /// due.
    pub phases: Vec<(String, String, u64)>,
}

/// The plan of `vault` on `as_of` with its survivors and phases (changes nothing).
pub fn plan_view(
    vault: &Vault,
    catalog: &Catalog,
    as_of: DateTime<Utc>,
) -> Result<PlanView, vault::Error> {
    let mut view = PlanView::default();
    for item in plan_of(vault, catalog, as_of)? {
        let kept = if item.cohort.category.starts_with("released hold") {
            Vec::new()
        } else {
            vault.survivors_by_keeper(item.cohort.id)?
        };
        view.due.push((item, kept));
    }
    let mut phases: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for cohort in live_cohorts(vault)? {
        let Some(last) = DateTime::<Utc>::from_timestamp_millis(cohort.end_ms - 1) else {
            continue;
        };
        let phase = catalog
            .phase_at(&cohort.system, last, as_of)
            .map_or(policy::view::PAST_RETENTION_PHASE, |phase| {
                phase.name.as_str()
            })
            .to_owned();
        *phases.entry((cohort.system, phase)).or_default() += 1;
    }
    view.phases = phases
        .into_iter()
        .map(|((system, phase), cohorts)| (system, phase, cohorts))
        .collect();
    Ok(view)
}

/// The plan of `vault` on `as_of` (changes nothing).
pub fn plan_of(
    vault: &Vault,
    catalog: &Catalog,
    as_of: DateTime<Utc>,
) -> Result<Vec<Due>, vault::Error> {
    let mut due = plan(catalog, &live_cohorts(vault)?, as_of);
    due.extend(released_holds_due(vault, catalog, as_of)?);
    Ok(due)
}

/// Whether a run may rely on `now`: never behind the latest time a run relied on, and not
/// further ahead of it than `options.max_jump` unless an operator confirmed the clock. What a
/// run does before its plan (releasing holds whose time has passed) is checked with it too.
pub fn check_clock(
    vault: &Vault,
    now: DateTime<Utc>,
    options: &RunOptions,
) -> Result<(), RunError> {
    if let Some(trusted) = vault.trusted_time()? {
        if now < trusted {
            return Err(RunError::ClockBehind { trusted });
        }
        if now - trusted > options.max_jump && !options.confirm_clock {
            return Err(RunError::ClockJumped { trusted });
        }
    }
    Ok(())
}

/// Runs the schedule on `now` (the real clock: no option makes a run destroy early).
pub fn run(
    vault: &Vault,
    catalog: &Catalog,
    access: &Access,
    now: DateTime<Utc>,
    options: &RunOptions,
) -> Result<RunReport, RunError> {
    check_clock(vault, now, options)?;
    let due = plan_of(vault, catalog, now)?;
    let counted = counted_plan(vault, catalog, now)?;
    let total: u64 = counted.iter().map(|(_, records, _)| records).sum();
    let approved = options.approval.as_ref().is_some_and(|approval| {
        approval.approver != access.principal && approval.plan_digest == digest_of(now, &counted)
    });
    if total > options.max_records && !approved {
        return Err(RunError::NeedsSecondApproval { records: total });
    }
    let started = now;
    // The end is the start plus the time the run took (a monotonic timer, not the clock).
    let timer = std::time::Instant::now();
    let mut report = RunReport {
        reported: due.iter().filter(|item| !item.destroy).cloned().collect(),
        ..RunReport::default()
    };
    // What an interrupted run did: its finished steps, and a pending one if its cohort was
    // destroyed before the crash (otherwise the plan offers that cohort again).
    let mut journal = String::new();
    if let Some(previous) = vault.run_journal()? {
        let destroyed: std::collections::HashSet<u32> = vault
            .key_status()?
            .cohorts
            .iter()
            .filter(|info| !info.is_live())
            .map(|info| info.id)
            .collect();
        for line in previous.lines() {
            match line.split_once('\t') {
                Some(("done", text)) => {
                    journal.push_str(&format!("done\t{text}\n"));
                }
                Some((step, text)) => {
                    let cohort = step.strip_prefix("pending ").and_then(|id| id.parse().ok());
                    if cohort.is_some_and(|id| destroyed.contains(&id)) {
                        journal.push_str(&format!("done\t{text}\n"));
                    }
                }
                None => journal.push_str(&format!("{line}\n")),
            }
        }
        journal.push_str(
            "resumed: this run finishes one that was interrupted; the lines above are its steps\n",
        );
    } else {
        journal.push_str(&format!(
            "started: {} by {}\n",
            started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            access.principal
        ));
    }
    for (item, _, _) in counted {
        let deferred = match &item.defer_to {
            Some(_) => vault.defer_accessed_records(access, item.cohort.id, now)?,
            None => 0,
        };
        let (records, ids_digest) = vault.cohort_records_digest(item.cohort.id)?;
        let kept_by = vault.survivors_by_keeper(item.cohort.id)?;
        let line = destroyed_line(&item, records, &ids_digest, deferred, &kept_by);
        vault.put_run_journal(&format!("{journal}pending {}\t{line}\n", item.cohort.id))?;
        let destruction = vault.destroy_cohort(access, item.cohort.id, now)?;
        journal.push_str(&format!(
            "done\t{line}; keys destroyed: cohort {}{}; root epoch now {}\n",
            item.cohort.id,
            if destruction.index_keys_destroyed > 0 {
                format!(
                    " and {} index keys of its year",
                    destruction.index_keys_destroyed
                )
            } else {
                String::new()
            },
            destruction.new_epoch
        ));
        vault.put_run_journal(&journal)?;
        report.destroyed.push(Destroyed {
            due: item,
            records,
            ids_digest,
            // No total when a request's preservation kept some: the total less the counted
            // keepers would be its count.
            held: kept_by
                .iter()
                .all(|(_, count)| count.is_some())
                .then_some(destruction.survivors),
            new_epoch: destruction.new_epoch,
            deferred,
            kept_by,
            index_keys_destroyed: destruction.index_keys_destroyed,
        });
    }
    vault.advance_trusted_time(now)?;
    let resumed = journal.contains("\nresumed: ");
    if !report.destroyed.is_empty() || !report.reported.is_empty() || resumed {
        let ended = started + Duration::from_std(timer.elapsed()).unwrap_or_default();
        let text = certificate_text(&report, &journal, access, (started, ended), options);
        let name = format!("{:013}", now.timestamp_millis());
        let signature = vault.put_run_certificate("retention", &name, &text, now)?;
        report.certificate = Some(vault::Certificate {
            kind: "retention".into(),
            name,
            text,
            signature,
        });
    }
    Ok(report)
}

/// The certificate's line for one destroyed cohort (without its new root epoch).
fn destroyed_line(
    item: &Due,
    records: u64,
    ids_digest: &[u8; 32],
    deferred: u64,
    kept_by: &[(String, Option<u64>)],
) -> String {
    let mut line = format!(
        "destroyed: cohort {} of {}/{}{} collected {} to {}; schedule {} ({}, authority: {}); life ended {}; {} records, ids sha256 {}",
        item.cohort.id,
        item.cohort.system,
        item.cohort.category,
        if item.cohort.deferred { " (deleted record file)" } else { "" },
        ms(item.cohort.start_ms),
        ms(item.cohort.end_ms),
        item.schedule,
        item.status,
        item.authority,
        item.life_ended.format("%Y-%m-%d"),
        records,
        hex::encode(ids_digest),
    );
    if let Some(phase) = &item.defer_to {
        line.push_str(&format!(
            "; {deferred} records read by a person moved first to the {phase} phase"
        ));
    }
    for (keeper, count) in kept_by {
        match count {
            Some(count) => line.push_str(&format!("; held: {count} kept by {keeper}")),
            None => line.push_str(&format!("; held: kept by {keeper}")),
        }
    }
    line
}

fn certificate_text(
    report: &RunReport,
    journal: &str,
    access: &Access,
    (started, ended): (DateTime<Utc>, DateTime<Utc>),
    options: &RunOptions,
) -> String {
    let mut text = String::from("recvault disposition certificate v1\n");
    text.push_str(&format!(
        "run at: {}\n",
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    ));
    text.push_str(&format!("by: {} ({})\n", access.principal, access.role));
    if let Some(approval) = &options.approval {
        text.push_str(&format!(
            "second approval: {} (plan sha256:{})\n",
            approval.approver,
            hex::encode(approval.plan_digest)
        ));
    }
    for line in journal.lines() {
        match line.split_once('\t') {
            Some((_, done)) => text.push_str(&format!("{done}\n")),
            None if line.starts_with("resumed: ") => text.push_str(&format!("{line}\n")),
            None => {}
        }
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
    text.push_str(&format!(
        "ended: {}\n",
        ended.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    ));
    text
}

fn ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

//! Retention: a plan's day, a run's confirmations, and what plans, runs, approvals,
//! certificates and the status answer.

use super::*;

/// The day to plan for (`POST /v1/retention/plan`); now when not given.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanFor {
    /// A date (midnight UTC) or an RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = optional_date_or_time_schema)]
    pub as_of: Option<String>,
}

/// A run with the real clock (`POST /v1/retention/run`).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunNow {
    /// Run although the clock jumped ahead of the trusted time (never when it is behind).
    #[serde(default)]
    pub confirm_clock: bool,
    /// A second records officer's approval of this plan (`POST /v1/retention/approvals`), for a
    /// run larger than one officer may make alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
}

/// Where a cohort's surviving records are kept, and how many (unknown for a hold that shows
/// nothing of what it keeps).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Keeper {
    /// The hold or request that keeps them.
    pub keeper: String,
    /// How many.
    pub records: Option<u64>,
}

fn keepers(kept: &[(String, Option<u64>)]) -> Vec<Keeper> {
    kept.iter()
        .map(|(keeper, records)| Keeper {
            keeper: keeper.clone(),
            records: *records,
        })
        .collect()
}

/// A cohort a schedule makes due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DueCohort {
    /// The period cohort.
    pub cohort: u32,
    /// Its system.
    pub system: String,
    /// Its category.
    pub category: String,
    /// The first collection time it covers (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub collected_from: String,
    /// The end of what it covers (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub collected_to: String,
    /// The schedule's name.
    pub schedule: String,
    /// `approved` (in force: destroyed) or `proposed` (reported only).
    pub status: String,
    /// The schedule's authority.
    pub authority: String,
    /// When its records' lives ended (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub life_ended: String,
    /// Whether a run destroys it.
    pub destroy: bool,
    /// The phase its deferred records move to, if any.
    pub defer_to: Option<String>,
}

impl DueCohort {
    /// `due` as it is shown.
    pub fn of(due: &::retention::plan::Due) -> Self {
        DueCohort {
            cohort: due.cohort.id,
            system: due.cohort.system.clone(),
            category: due.cohort.category.clone(),
            collected_from: crate::render::rfc3339(due.cohort.start_ms),
            collected_to: crate::render::rfc3339(due.cohort.end_ms),
            schedule: due.schedule.clone(),
            status: due.status.clone(),
            authority: due.authority.clone(),
            life_ended: due
                .life_ended
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            destroy: due.destroy,
            defer_to: due.defer_to.clone(),
        }
    }
}

/// A due cohort in a plan, with where its survivors would be kept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlannedCohort {
    /// The cohort.
    #[serde(flatten)]
    pub due: DueCohort,
    /// Holds and requests that would keep some of its records.
    pub kept_by: Vec<Keeper>,
}

/// A system's phase: that of its live cohorts' last member.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemPhase {
    /// The system.
    pub system: String,
    /// The phase (`past-retention` for the due).
    pub phase: String,
    /// Its live cohorts.
    pub cohorts: u64,
}

/// What the schedules would do on the day (`POST /v1/retention/plan`); it changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    /// The due cohorts.
    pub due: Vec<PlannedCohort>,
    /// Each system's phase.
    pub phases: Vec<SystemPhase>,
}

impl Plan {
    /// `view` as it is shown.
    pub fn of(view: &::retention::run::PlanView) -> Self {
        Plan {
            due: view
                .due
                .iter()
                .map(|(due, kept)| PlannedCohort {
                    due: DueCohort::of(due),
                    kept_by: keepers(kept),
                })
                .collect(),
            phases: view
                .phases
                .iter()
                .map(|(system, phase, cohorts)| SystemPhase {
                    system: system.clone(),
                    phase: phase.clone(),
                    cohorts: *cohorts,
                })
                .collect(),
        }
    }
}

/// A cohort a run destroyed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DestroyedCohort {
    /// The cohort.
    #[serde(flatten)]
    pub due: DueCohort,
    /// Records destroyed.
    pub records: u64,
    /// Records a hold kept; `null` when a request's preservation kept some, which are never
    /// counted.
    pub held: Option<u64>,
    /// The SHA-256 of the destroyed records' ids (hex), which the certificate names.
    pub ids_sha256: String,
    /// Records deferred to another cohort.
    pub deferred: u64,
    /// Holds and requests that kept some of its records.
    pub kept_by: Vec<Keeper>,
    /// Index keys destroyed with it.
    pub index_keys_destroyed: u64,
}

/// A signed certificate (a disposition, an accounting's destruction).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignedCertificate {
    /// Its name.
    pub name: String,
    /// Its text.
    pub text: String,
    /// The Ed25519 signature by the log's key (hex).
    pub signature: String,
}

impl SignedCertificate {
    /// `certificate` as it is shown.
    pub fn of(certificate: &vault::Certificate) -> Self {
        SignedCertificate {
            name: certificate.name.clone(),
            text: certificate.text.clone(),
            signature: certificate.signature.clone(),
        }
    }
}

/// What a run did (`POST /v1/retention/run`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunDone {
    /// The cohorts destroyed.
    pub destroyed: Vec<DestroyedCohort>,
    /// The cohorts due under proposed schedules, reported only.
    pub reported: Vec<DueCohort>,
    /// The requests whose preservation kept records.
    pub preservation: Vec<String>,
    /// The disposition certificate, when something was destroyed.
    pub certificate: Option<SignedCertificate>,
}

impl RunDone {
    /// `report` as it is shown.
    pub fn of(report: &::retention::run::RunReport) -> Self {
        RunDone {
            destroyed: report
                .destroyed
                .iter()
                .map(|item| DestroyedCohort {
                    due: DueCohort::of(&item.due),
                    records: item.records,
                    held: item.held,
                    ids_sha256: hex::encode(item.ids_digest),
                    deferred: item.deferred,
                    kept_by: keepers(&item.kept_by),
                    index_keys_destroyed: item.index_keys_destroyed as u64,
                })
                .collect(),
            reported: report.reported.iter().map(DueCohort::of).collect(),
            preservation: report.preservation.clone(),
            certificate: report.certificate.as_ref().map(SignedCertificate::of),
        }
    }
}

/// The disposition certificates (`GET /v1/retention/certificates`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateList {
    /// Oldest first.
    pub certificates: Vec<SignedCertificate>,
}

/// A second records officer's approval of the run the plan shows now
/// (`POST /v1/retention/approvals`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunApproval {
    /// Its id, for the run's `approval`; single use.
    pub id: String,
    /// The approving officer.
    pub approver: String,
    /// Records the run destroys.
    pub records: u64,
    /// Cohorts it destroys.
    pub cohorts: u64,
    /// The plan's digest (hex): the day, each due cohort and its records' digest.
    pub plan_sha256: String,
    /// When it expires (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub expires: String,
}

impl RunApproval {
    /// `approval` as it is shown.
    pub fn of(approval: &gate::Approval) -> Self {
        RunApproval {
            id: approval.id.clone(),
            approver: approval.approver.clone(),
            records: approval.records,
            cohorts: approval.cohorts as u64,
            plan_sha256: hex::encode(approval.plan_digest),
            expires: approval
                .expires
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// The background compaction after a destruction, with its progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompactionState {
    /// `idle`, `running`, `done` or `failed`.
    pub state: String,
    /// Columns compacted so far.
    pub columns_done: u64,
    /// Columns in all.
    pub columns: u64,
    /// The last column compacted.
    pub last_column: String,
    /// When it started (RFC 3339).
    pub started: Option<String>,
    /// When it finished (RFC 3339).
    pub finished: Option<String>,
    /// A code for why it failed (`COMPACTION_FAILED`), never the engine's text.
    pub error: Option<String>,
}

/// The retention status (`GET /v1/retention/status`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// The trusted time (RFC 3339): the latest the vault has seen.
    pub trusted_time: Option<String>,
    /// Whether an interrupted run awaits the next.
    pub interrupted_run: bool,
    /// The compaction after the last destruction.
    pub compaction: CompactionState,
}

impl Status {
    /// `status` as it is shown.
    pub fn of(status: &gate::RetentionStatus) -> Self {
        let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
            at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        };
        let compaction = &status.compaction;
        Status {
            trusted_time: time(status.trusted_time),
            interrupted_run: status.interrupted_run,
            compaction: CompactionState {
                state: compaction.state.to_owned(),
                columns_done: compaction.columns_done as u64,
                columns: compaction.columns as u64,
                last_column: compaction.last_column.clone(),
                started: time(compaction.started),
                finished: time(compaction.finished),
                error: compaction.error.clone(),
            },
        }
    }
}

//! The gate's retention operations: the plan, runs (with the clock checks and a second
//! approval), the daily scheduled run, the certificates, and the compaction that follows a
//! destruction in the background (crypto-shredding has already made the data unreadable; the
//! compaction drops its ciphertext and index tokens from the files), with its progress.

use super::*;

/// What the retention status says of a failed compaction: the engine's error (paths, files)
/// goes to the server's log, never to an answer.
pub const COMPACTION_FAILED: &str = "the compaction failed; the server's log has the detail";

/// How long a second approval of a retention run stays usable.
pub const APPROVAL_TTL_MINUTES: i64 = 60;

/// A second records officer's approval of one retention plan.
#[derive(Clone, Debug)]
pub struct Approval {
    /// Its id, which the running officer passes.
    pub id: String,
    /// Who approved.
    pub approver: String,
    /// How many records the approved plan destroys.
    pub records: u64,
    /// In how many cohorts.
    pub cohorts: usize,
    /// The plan's digest (`retention::run::plan_digest`).
    pub plan_digest: [u8; 32],
    /// Until when it may be used.
    pub expires: DateTime<Utc>,
}

/// The background compaction after a destruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compaction {
    /// `idle`, `running`, `done` or `failed`.
    pub state: &'static str,
    /// Columns compacted so far.
    pub columns_done: usize,
    /// Columns in all.
    pub columns: usize,
    /// The last column compacted.
    pub last_column: String,
    /// When it started.
    pub started: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished: Option<DateTime<Utc>>,
    /// That it failed ([`COMPACTION_FAILED`]); why is in the server's log.
    pub error: Option<String>,
}

/// What [`Gate::retention_status`] reports.
#[derive(Clone, Debug)]
pub struct RetentionStatus {
    /// The latest time a run relied on.
    pub trusted_time: Option<DateTime<Utc>>,
    /// Whether a run was interrupted and awaits the next to finish it.
    pub interrupted_run: bool,
    /// The background compaction.
    pub compaction: Compaction,
}

impl Gate {
    /// What the retention schedules would do on `as_of` (default: now); changes nothing.
    pub fn retention_plan(
        &self,
        caller: &Caller,
        context: &RequestContext,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<::retention::run::PlanView, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionPlan)?;
        let view = ::retention::run::plan_view(
            &self.vault,
            self.policy.catalog(),
            as_of.unwrap_or_else(|| self.now()),
        )?;
        self.log_listing(
            &access,
            Action::RetentionPlan,
            Vec::new(),
            &format!("retention plan: {} cohorts due", view.due.len()),
        )?;
        Ok(view)
    }

    /// A second records officer's approval of the run the plan shows now: single-use, bound to
    /// the plan's digest (the day, each due cohort and its records' digest), expiring after
    /// [`APPROVAL_TTL_MINUTES`], logged. The officer who runs passes its id; it never hands
    /// over a credential.
    pub fn approve_retention_run(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Approval, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionRun)?;
        let now = self.now();
        self.sweep_before_run(&access, &::retention::run::RunOptions::default())?;
        let (records, cohorts, plan_digest) =
            ::retention::run::plan_digest(&self.vault, self.policy.catalog(), now).map_err(
                |err| match err {
                    ::retention::run::RunError::Vault(err) => Refusal::from(err),
                    refused => Refusal::Conflict(refused.to_string()),
                },
            )?;
        let mut id_bytes = [0u8; 12];
        vault::crypto::fill_random(&mut id_bytes)?;
        let approval = Approval {
            id: format!("A-{}", hex::encode(id_bytes)),
            approver: caller.name().to_owned(),
            records,
            cohorts,
            plan_digest,
            expires: now + chrono::Duration::minutes(APPROVAL_TTL_MINUTES),
        };
        self.log_listing(
            &access,
            Action::RetentionRun,
            Vec::new(),
            &format!(
                "approval {} of a run of {records} records in {cohorts} cohorts, plan sha256:{}, until {}",
                approval.id,
                hex::encode(plan_digest),
                approval.expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )?;
        self.approvals
            .lock()
            .map_err(|_| Refusal::Internal("approvals lock poisoned".into()))?
            .insert(approval.id.clone(), approval.clone());
        Ok(approval)
    }

    /// Runs the retention schedules now, with the real clock. A run larger than one approval
    /// allows needs `approval`: the id of a second records officer's approval of this plan
    /// ([`Gate::approve_retention_run`]), used up by this call whatever its outcome.
    pub fn retention_run(
        &self,
        caller: &Caller,
        context: &RequestContext,
        confirm_clock: bool,
        approval: Option<&str>,
    ) -> Result<::retention::run::RunReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionRun)?;
        // A refused two-person control is logged, as every refusal is.
        let refuse = |rule: &str, reason: &str| {
            let attempt = Attempt {
                action: Action::RetentionRun.name(),
                system: VAULT_SYSTEM,
                purpose: None,
                case_id: None,
            };
            match self.deny(caller, context, &attempt, rule, reason) {
                Refusal::Denied { reason, .. } => Refusal::Conflict(reason),
                other => other,
            }
        };
        let approval = match approval {
            None => None,
            Some(id) => {
                let taken = self
                    .approvals
                    .lock()
                    .map_err(|_| Refusal::Internal("approvals lock poisoned".into()))?
                    .remove(id);
                let approval = taken
                    .filter(|approval| approval.expires >= self.now())
                    .ok_or_else(|| {
                        refuse(
                            "second-approval-invalid",
                            "no such approval, or it was used or has expired: a second records officer approves again (POST /v1/retention/approvals)",
                        )
                    })?;
                if approval.approver == caller.name() {
                    return Err(refuse(
                        "second-approval-own",
                        "the second approval must come from another records officer",
                    ));
                }
                Some(::retention::run::PlanApproval {
                    approver: approval.approver,
                    plan_digest: approval.plan_digest,
                })
            }
        };
        let options = ::retention::run::RunOptions {
            confirm_clock,
            approval,
            max_records: self
                .max_run_records
                .load(std::sync::atomic::Ordering::SeqCst),
            ..::retention::run::RunOptions::default()
        };
        let run_error = |err: ::retention::run::RunError| match err {
            ::retention::run::RunError::Vault(err) => Refusal::from(err),
            refused => {
                let rule = match refused {
                    ::retention::run::RunError::NeedsSecondApproval { .. } => {
                        "second-approval-missing"
                    }
                    _ => "retention-clock",
                };
                refuse(rule, &refused.to_string())
            }
        };
        let swept = match ::retention::run::check_clock(&self.vault, self.now(), &options) {
            Ok(()) => self.sweep_request_holds(&access)?,
            Err(err) => return Err(run_error(err)),
        };
        let mut report = ::retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &options,
        )
        .map_err(run_error)?;
        report.preservation = swept;
        if !report.destroyed.is_empty() {
            self.start_compaction();
        }
        Ok(report)
    }

    /// Before a run's plan: the clock check, then the requests' preservation brought up to
    /// date ([`Gate::sweep_request_holds`]), so a hold whose request's windows have all passed
    /// no longer keeps what the run destroys.
    fn sweep_before_run(
        &self,
        access: &Access,
        options: &::retention::run::RunOptions,
    ) -> Result<Vec<String>, Refusal> {
        match ::retention::run::check_clock(&self.vault, self.now(), options) {
            Ok(()) => self.sweep_request_holds(access),
            Err(::retention::run::RunError::Vault(err)) => Err(Refusal::from(err)),
            Err(refused) => Err(Refusal::Conflict(refused.to_string())),
        }
    }

    /// Waits (at most `limit`) for a compaction in progress to finish: the server stops only
    /// once its background compaction has let go of the store, so no RocksDB work is cut off
    /// by the process's exit.
    pub fn wait_for_compaction(&self, limit: std::time::Duration) {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            let running = self
                .compaction
                .lock()
                .map(|status| status.state == "running")
                .unwrap_or(false);
            if !running {
                self.join_compaction_thread();
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        tracing::warn!("stopping with a compaction still running");
    }

    /// Joins the last compaction's thread, which has set its status and only has its hold on
    /// the vault left to drop: after this no thread of the gate's holds the vault (a process
    /// that exits with one still inside RocksDB aborts).
    fn join_compaction_thread(&self) {
        let thread = self
            .compaction_thread
            .lock()
            .ok()
            .and_then(|mut thread| thread.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Starts compacting the store in the background (unless a compaction is running), so
    /// what a run destroyed leaves the files; its progress is in [`Gate::retention_status`].
    pub fn start_compaction(&self) {
        {
            let Ok(mut status) = self.compaction.lock() else {
                return;
            };
            if status.state == "running" {
                return;
            }
            *status = Compaction {
                state: "running",
                columns: vault::store::Column::ALL.len(),
                started: Some(self.now()),
                ..Compaction::default()
            };
        }
        let vault = Arc::clone(&self.vault);
        let status = Arc::clone(&self.compaction);
        let clock = Arc::clone(&self.clock);
        let spawned = std::thread::Builder::new()
            .name("recvault-compaction".into())
            .spawn(move || {
                let result = vault.compact_destroyed(&mut |done, columns, column| {
                    if let Ok(mut status) = status.lock() {
                        status.columns_done = done;
                        status.columns = columns;
                        status.last_column = column.to_owned();
                    }
                });
                // The engine's error goes to the server's log only: the status is an answer.
                if let Err(err) = &result {
                    let internal = Internal::of(err);
                    tracing::error!(error = %internal.message, causes = ?internal.causes, "compaction after destruction failed");
                }
                if let Ok(mut status) = status.lock() {
                    status.finished = Some(clock());
                    match result {
                        Ok(()) => status.state = "done",
                        Err(_) => {
                            status.state = "failed";
                            status.error = Some(COMPACTION_FAILED.to_owned());
                        }
                    }
                }
            });
        match spawned {
            Ok(thread) => {
                if let Ok(mut slot) = self.compaction_thread.lock() {
                    // The one before has finished (this one would not have started otherwise).
                    if let Some(done) = slot.replace(thread) {
                        let _ = done.join();
                    }
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "compaction after destruction could not start");
                if let Ok(mut status) = self.compaction.lock() {
                    status.state = "failed";
                    status.error = Some(COMPACTION_FAILED.to_owned());
                }
            }
        }
    }

    /// The trusted time, whether a run awaits finishing, and the background compaction.
    pub fn retention_status(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<RetentionStatus, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionPlan)?;
        self.log_listing(
            &access,
            Action::RetentionPlan,
            Vec::new(),
            "retention status shown",
        )?;
        let compaction = self
            .compaction
            .lock()
            .map_err(|_| Refusal::Internal("compaction status lock poisoned".into()))?
            .clone();
        Ok(RetentionStatus {
            trusted_time: self.vault.trusted_time()?,
            interrupted_run: self.vault.run_journal()?.is_some(),
            compaction: Compaction {
                state: if compaction.state.is_empty() {
                    "idle"
                } else {
                    compaction.state
                },
                ..compaction
            },
        })
    }

    /// The daily scheduled run: as the vault's own scheduler (logged as such), with the
    /// server's limit on one run and no confirmation: a clock that jumped, or a volume that
    /// needs a second approval, stops it until a records officer runs it.
    pub fn scheduled_retention_run(&self) -> Result<::retention::run::RunReport, String> {
        let access = Access {
            principal: "recvault-scheduler".into(),
            organization: "local".into(),
            role: "scheduler".into(),
            purpose: "retention".into(),
            case_id: String::new(),
            rule: "scheduled-retention".into(),
            client: "local".into(),
            request_id: String::new(),
        };
        let options = ::retention::run::RunOptions {
            max_records: self
                .max_run_records
                .load(std::sync::atomic::Ordering::SeqCst),
            ..::retention::run::RunOptions::default()
        };
        let swept = self
            .sweep_before_run(&access, &options)
            .map_err(|refusal| format!("{refusal:?}"))?;
        let mut report = ::retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &options,
        )
        .map_err(|err| err.to_string())?;
        report.preservation = swept;
        if !report.destroyed.is_empty() {
            self.start_compaction();
        }
        Ok(report)
    }

    /// The disposition certificates, oldest first.
    pub fn retention_certificates(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<vault::Certificate>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionCertificates)?;
        let certificates = self.vault.certificates("retention")?;
        self.log_listing(
            &access,
            Action::RetentionCertificates,
            Vec::new(),
            &format!("{} retention certificates", certificates.len()),
        )?;
        Ok(certificates)
    }
}

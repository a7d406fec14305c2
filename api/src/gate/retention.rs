//! The gate's retention operations: the plan, runs (with the clock checks and a second
//! approval), the daily scheduled run, and the certificates.

use super::*;

impl Gate {
    /// What the retention schedules would do on `as_of` (default: now); changes nothing.
    pub fn retention_plan(
        &self,
        caller: &Caller,
        context: &RequestContext,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<::retention::plan::Due>, Refusal> {
        self.authorize_vault(caller, context, Action::RetentionPlan)?;
        Ok(::retention::run::plan_of(
            &self.vault,
            self.policy.catalog(),
            as_of.unwrap_or_else(|| self.now()),
        )?)
    }

    /// Runs the retention schedules now, with the real clock. A run larger than one
    /// approval allows needs `approval_token`: the bearer token of a second records officer.
    pub fn retention_run(
        &self,
        caller: &Caller,
        context: &RequestContext,
        confirm_clock: bool,
        approval_token: Option<&str>,
    ) -> Result<::retention::run::RunReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionRun)?;
        let second_approver = match approval_token {
            None => None,
            Some(token) => {
                let approver = self.authenticate(Some(token), context)?;
                let request = self.request(&approver, Action::RetentionRun, VAULT_SYSTEM);
                self.authorize(&approver, context, &request)?;
                if approver.name() == caller.name() {
                    return Err(Refusal::Invalid(
                        "the second approval must come from another records officer".into(),
                    ));
                }
                Some(approver.name().to_owned())
            }
        };
        let options = ::retention::run::RunOptions {
            confirm_clock,
            second_approver,
            ..::retention::run::RunOptions::default()
        };
        ::retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &options,
        )
        .map_err(|err| match err {
            ::retention::run::RunError::Vault(err) => Refusal::from(err),
            refused => Refusal::Conflict(refused.to_string()),
        })
    }

    /// The daily scheduled run: as the vault's own scheduler (logged as such), with the
    /// default limits and no confirmation: a clock that jumped, or a volume that needs a
    /// second approval, stops it until a records officer runs it.
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
        ::retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &::retention::run::RunOptions::default(),
        )
        .map_err(|err| err.to_string())
    }

    /// The disposition certificates, oldest first.
    pub fn retention_certificates(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<vault::Certificate>, Refusal> {
        self.authorize_vault(caller, context, Action::RetentionCertificates)?;
        Ok(self.vault.certificates("retention")?)
    }
}

//! Transfers to a records center (issue 24 §1; 31 CFR 1.25(b)(3): the accounting goes with the
//! records; 1.29(a): records in a Federal Records Center are still the component's, under the
//! Act). A records officer transfers a period cohort whose records are all in a phase the
//! notice marks `transfer` (TTAR's archive); its package goes to the server's transfer
//! directory (beside the backups) for the records center, its certificate stays in the vault,
//! and the records' phase becomes `transferred`: requests, holds and audits reach them,
//! analysts do not. A package is read back ("recalled") for a request, a hold or an audit.
//! NARA accession is for permanent records; no seeded schedule has any (docs/retention.md).

use super::*;
use privacy::annotations::Annotations as _;
use privacy::cases::Cases as _;

/// A transfer as the API shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TransferView {
    /// Its id (`T-<cohort>-<made at ms>`).
    pub transfer: String,
    /// The cohort.
    pub cohort: u32,
    /// The certificate's text and signature.
    pub certificate: String,
    /// The certificate's Ed25519 signature by the log's key (hex).
    pub signature: String,
}

/// A package read back.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Recalled {
    /// The transfer.
    pub transfer: String,
    /// Its system.
    pub system: String,
    /// Its cohort.
    pub cohort: u32,
    /// The records it carries, each opened with the vault's keys.
    pub records: Vec<String>,
    /// How many annotations and accounting entries it carries, each opened.
    pub annotations: usize,
    /// How many accounting entries.
    pub accounting_entries: usize,
    /// The manifest's SHA-256, checked against the log's signature.
    pub manifest: String,
}

/// The purposes a package is read back for: a request, a hold, an audit.
pub const RECALL_PURPOSES: [&str; 3] = ["privacy-act-request", "hold", "audit"];

/// Whether `id` is a transfer's id (`T-<cohort>-<ms>`), so it can name a file.
pub fn is_transfer_id(id: &str) -> bool {
    id.strip_prefix("T-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(cohort, ms)| {
            !cohort.is_empty()
                && !ms.is_empty()
                && cohort.len() <= 10
                && ms.len() <= 16
                && cohort.bytes().chain(ms.bytes()).all(|b| b.is_ascii_digit())
        })
}

impl Gate {
    /// Where transfer packages go: `transfers` in the backup directory.
    fn transfer_dir(&self) -> Result<std::path::PathBuf, Refusal> {
        self.backup_dir
            .as_ref()
            .map(|dir| dir.join("transfers"))
            .ok_or_else(|| {
                Refusal::Conflict(
                    "this server has no backup directory, where transfer packages go (recvault serve --backup-dir)".into(),
                )
            })
    }

    fn in_transferred(&self, cohort: u32) -> Result<bool, Refusal> {
        Ok(self
            .transferred
            .read()
            .map_err(|_| Refusal::Internal("transfers lock poisoned".into()))?
            .contains_key(&cohort))
    }

    /// Reads the transferred cohorts, and the records each package holds back, from their
    /// certificates.
    pub(super) fn reload_transferred(&self) -> Result<(), Refusal> {
        let transferred: HashMap<u32, HashSet<model::RecordId>> = self
            .vault
            .transfers()?
            .into_iter()
            .map(|done| (done.cohort, done.held_back.into_iter().collect()))
            .collect();
        *self
            .transferred
            .write()
            .map_err(|_| Refusal::Internal("transfers lock poisoned".into()))? = transferred;
        Ok(())
    }

    /// Whether record `id` is in its period cohort's transfer package: the cohort was
    /// transferred and the record was not held back (in a hold's cohort) when it was made.
    pub(super) fn in_transferred_cohort(&self, id: &model::RecordId) -> Result<bool, Refusal> {
        let transferred = self
            .transferred
            .read()
            .map_err(|_| Refusal::Internal("transfers lock poisoned".into()))?;
        if transferred.is_empty() {
            return Ok(false);
        }
        Ok(self
            .vault
            .period_cohort_of(id)?
            .and_then(|cohort| transferred.get(&cohort))
            .is_some_and(|held_back| !held_back.contains(id)))
    }

    /// Transfers period cohort `cohort` (records officers): refused unless every record of it
    /// is, today, in a phase its notice marks `transfer`.
    pub fn transfer_cohort(
        &self,
        caller: &Caller,
        context: &RequestContext,
        cohort: u32,
    ) -> Result<TransferView, Refusal> {
        let access = self.authorize_vault(caller, context, Action::TransfersMake)?;
        let dir = self.transfer_dir()?;
        let vault::transfer::CohortPeriod {
            system,
            start_ms,
            end_ms,
            live,
            ..
        } = self.vault.cohort_period(cohort)?.ok_or_else(|| {
            Refusal::NotFound(format!(
                "there is no period cohort {cohort} (recvault keys status lists them)"
            ))
        })?;
        if !live {
            return Err(Refusal::Conflict(format!(
                "cohort {cohort} was destroyed on schedule: nothing is left to transfer"
            )));
        }
        if self.in_transferred(cohort)? {
            return Err(Refusal::Conflict(format!(
                "cohort {cohort} was transferred already: its package is read back with `recall`"
            )));
        }
        let now = self.now();
        let catalog = self.policy.catalog();
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(now);
        let oldest = catalog.phase_at(system.as_str(), at(start_ms), now);
        let youngest = catalog.phase_at(system.as_str(), at(end_ms - 1), now);
        let transferable = |phase: Option<&policy::sorn::Phase>| phase.is_some_and(|p| p.transfer);
        if !(transferable(oldest) && transferable(youngest)) {
            return Err(Refusal::Conflict(format!(
                "cohort {cohort}'s records are not all in a phase their notice lets go to a records center (today: {} to {})",
                oldest.map_or("none", |phase| phase.name.as_str()),
                youngest.map_or("none", |phase| phase.name.as_str()),
            )));
        }
        create_transfer_dir(&dir)?;
        let package = self
            .vault
            .make_transfer(&access, cohort, now, |manifest, bytes| {
                write_durably(&dir.join(format!("{}.rvtp", manifest.transfer)), bytes).map_err(
                    |source| vault::Error::Io {
                        context: "writing the transfer package".into(),
                        source,
                    },
                )
            })?;
        self.reload_transferred()?;
        Ok(TransferView {
            transfer: package.manifest.transfer,
            cohort,
            certificate: package.certificate.text,
            signature: package.certificate.signature,
        })
    }

    /// Every transfer, from its certificate (records officers, auditors).
    pub fn transfers(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<TransferView>, Refusal> {
        self.authorize_vault(caller, context, Action::RetentionCertificates)?;
        Ok(self
            .vault
            .transfers()?
            .into_iter()
            .map(|done| TransferView {
                transfer: done.transfer,
                cohort: done.cohort,
                certificate: done.certificate.text,
                signature: done.certificate.signature,
            })
            .collect())
    }

    /// The package of transfer `id` as kept in the transfer directory (records officers), to
    /// hand to the records center.
    pub fn transfer_package(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<Vec<u8>, Refusal> {
        self.authorize_vault(caller, context, Action::TransfersMake)?;
        self.read_package(id)
    }

    fn read_package(&self, id: &str) -> Result<Vec<u8>, Refusal> {
        if !is_transfer_id(id) {
            return Err(Refusal::Invalid(
                "a transfer is named by its id, `T-<cohort>-<number>`".into(),
            ));
        }
        let path = self.transfer_dir()?.join(format!("{id}.rvtp"));
        std::fs::read(&path).map_err(|_| {
            Refusal::NotFound(format!(
                "no package of {id} in the transfer directory: put the records center's copy back there to recall it"
            ))
        })
    }

    /// Reads transfer `id`'s package back with the vault's keys, for a request (privacy
    /// staff, purpose `privacy-act-request` and the request's case), a hold (records officers,
    /// `hold` and the hold's reference) or an audit (auditors, `audit`): checks it against the
    /// log's signature and opens every item. Logged as `transfer.open` with the records' ids,
    /// the purpose and the case. Once the cohort is destroyed it opens with nothing (409).
    pub fn recall_transfer(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        purpose: &str,
        case_id: &str,
    ) -> Result<Recalled, Refusal> {
        if !RECALL_PURPOSES.contains(&purpose) {
            return Err(Refusal::Invalid(format!(
                "a package is recalled for a request, a hold or an audit: `purpose` is one of {}",
                RECALL_PURPOSES.join(", ")
            )));
        }
        policy::codes::validate_case_id(case_id).map_err(Refusal::Invalid)?;
        let mut access = self.authorize_vault(caller, context, Action::TransfersRecall)?;
        // Each role recalls for its own purpose, and the case it names must be one the vault
        // has: the request (its requester's identity verified), the hold in force, or an audit.
        let refused = |rule: &str, reason: String| {
            let denied = Access {
                rule: rule.to_owned(),
                ..access.clone()
            };
            match self.log_denial(
                &denied,
                Action::TransfersRecall.name(),
                VAULT_SYSTEM,
                &reason,
            ) {
                Ok(()) => Refusal::Denied {
                    rule: rule.to_owned(),
                    reason,
                },
                Err(log_down) => log_down,
            }
        };
        if policy::sorn::recall_purpose(&caller.account.role) != Some(purpose) {
            return Err(refused(
                "recall-purpose-not-the-roles",
                format!(
                    "a {} recalls a package for {}, not for `{purpose}`",
                    caller.account.role,
                    policy::sorn::recall_purpose(&caller.account.role).unwrap_or("nothing")
                ),
            ));
        }
        match purpose {
            "privacy-act-request" => {
                if !self.vault.case_ids()?.iter().any(|id| id == case_id) {
                    return Err(refused(
                        "recall-case-unknown",
                        "the case named is not a request of this vault".into(),
                    ));
                }
                let file = self.request_file(&access, case_id)?;
                if let Err(reason) = policy::requests::may_show_records(&file.case) {
                    return Err(refused("identity-not-verified", reason));
                }
            }
            "hold" => {
                let active = vault::parse_hold_id(case_id)
                    .map(|id| self.vault.hold(id))
                    .transpose()
                    .ok()
                    .flatten()
                    .is_some_and(|hold| hold.is_active());
                if !active {
                    return Err(refused(
                        "recall-case-unknown",
                        "the case named is not a hold in force (`H-<number>`)".into(),
                    ));
                }
            }
            _ => {}
        }
        access.purpose = purpose.to_owned();
        access.case_id = case_id.to_owned();
        let bytes = self.read_package(id)?;
        let opened = match self.vault.open_annotated_transfer(&access, &bytes, self.now()) {
            Err(vault::Error::DecryptionFailed) => {
                return Err(Refusal::Conflict(format!(
                    "{id}'s cohort was destroyed on schedule: its package opens with nothing that remains"
                )))
            }
            other => other?,
        };
        Ok(Recalled {
            transfer: opened.manifest.transfer.clone(),
            system: opened.manifest.system.clone(),
            cohort: opened.manifest.cohort,
            records: opened
                .records
                .iter()
                .map(|(record, _)| record.id.to_string())
                .collect(),
            annotations: opened.records.iter().map(|(_, notes)| notes.len()).sum(),
            accounting_entries: opened.accounting.len(),
            manifest: hex::encode(opened.manifest.digest),
        })
    }
}

fn create_transfer_dir(dir: &Path) -> Result<(), Refusal> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|err| Refusal::internal_because("creating the transfer directory", &err))
}

/// Writes `bytes` to `path` as a new file, synced, then syncs the directory: the package is
/// on disk before the transfer is recorded.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

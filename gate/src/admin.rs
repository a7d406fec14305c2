//! The gate's administration: accounts (and the offline bootstrap that shares their
//! creation), the audit log's search and verification, and backups.

use super::*;

impl Gate {
    /// Creates an account and returns its token (shown once).
    pub fn add_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        new: &NewAccount,
    ) -> Result<NewToken, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsManage)?;
        let token = create_account(&self.vault, &access, new, false, self.now())?;
        self.reload_accounts()?;
        Ok(token)
    }

    /// Records an account's vetting as a security officer's act: the dates of the holder's
    /// background investigation and last privacy training. The account works only once its
    /// vetting is attested by someone other than whoever created it, and only with the token
    /// this returns, which replaces the one made at creation: the security officer hands it to
    /// the holder, so the administrator who created the account (and kept its first token)
    /// cannot use it. One administrator alone cannot make an account that reads a record.
    pub fn vet_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        name: &str,
        background_investigation: NaiveDate,
        privacy_training: NaiveDate,
    ) -> Result<NewToken, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsVet)?;
        let _writing = self
            .account_writes
            .lock()
            .map_err(|_| Refusal::Internal("account lock poisoned".into()))?;
        let mut account = self
            .vault
            .account(name)?
            .ok_or_else(|| Refusal::NotFound("no account by that name".into()))?;
        if account.created_by == caller.name() || account.name == caller.name() {
            let attempt = Attempt {
                action: Action::AccountsVet.name(),
                system: VAULT_SYSTEM,
                purpose: None,
                case_id: None,
            };
            return Err(self.deny(
                caller,
                context,
                &attempt,
                "vetting-self",
                "an account's vetting is attested by someone other than its creator or holder",
            ));
        }
        if background_investigation > self.today() || privacy_training > self.today() {
            // Well-formed dates the day refuses (422), not a malformed body.
            return Err(Refusal::Unprocessable(
                "vetting dates cannot be in the future".into(),
            ));
        }
        let token = new_token()?;
        account.background_investigation = Some(background_investigation);
        account.privacy_training = privacy_training;
        account.vetted_by = Some(caller.name().to_owned());
        account.token_hash = token.hash;
        self.vault.put_account(&access, &account, self.now())?;
        self.reload_accounts()?;
        Ok(token)
    }

    /// Every account (never a token or its hash).
    pub fn list_accounts(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<Account>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsList)?;
        let accounts = self.vault.accounts()?;
        self.log_listing(
            &access,
            Action::AccountsList,
            Vec::new(),
            &format!("{} accounts", accounts.len()),
        )?;
        Ok(accounts)
    }

    /// Disables an account: its token is refused from now on.
    pub fn disable_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        name: &str,
    ) -> Result<(), Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsManage)?;
        // An administrator who disabled their own account could leave the vault with nobody
        // to manage accounts but the operator's bootstrap on the server's disk.
        if name == caller.name() {
            return Err(Refusal::Conflict(
                "an administrator does not disable their own account; another administrator does"
                    .into(),
            ));
        }
        let _writing = self
            .account_writes
            .lock()
            .map_err(|_| Refusal::Internal("account lock poisoned".into()))?;
        let mut account = self
            .vault
            .account(name)?
            .ok_or_else(|| Refusal::NotFound("no account by that name".into()))?;
        account.disabled = true;
        self.vault.put_account(&access, &account, self.now())?;
        self.reload_accounts()
    }

    /// Searches the access log.
    pub fn audit_search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        query: &LogQuery,
    ) -> Result<Vec<LogEntry>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AuditSearch)?;
        Ok(self.vault.audit_search(&access, query, self.now())?)
    }

    /// Verifies the access log against the caller's pinned key and anchor.
    pub fn audit_verify(
        &self,
        caller: &Caller,
        context: &RequestContext,
        public_key: Option<&[u8; 32]>,
        anchor: Option<&Checkpoint>,
    ) -> Result<LogVerification, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AuditVerify)?;
        Ok(self
            .vault
            .verify_own_log(&access, public_key, anchor, self.now())?)
    }

    /// Takes a live backup (a checkpoint and the key table) into a new directory `name` of the
    /// server's backup directory, which is made (mode 0700) on first use. The name is a
    /// reference (`backup-2026-12-04`): it is logged, and it cannot climb out of the directory.
    pub fn backup(
        &self,
        caller: &Caller,
        context: &RequestContext,
        name: &str,
    ) -> Result<vault::BackupReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::VaultBackup)?;
        // A reference starts with a letter and holds no `/`: never `.`, `..` or a path. The
        // name's form (400) comes before the server's state (409).
        if !policy::codes::is_reference(name) {
            return Err(Refusal::Invalid(
                "a backup's name is a reference: letters, digits, dashes, dots and underscores, \
                 starting with a letter, with at most two runs of digits of at most 6 each"
                    .into(),
            ));
        }
        let Some(dir) = &self.backup_dir else {
            return Err(Refusal::Conflict(
                "this server has no backup directory (recvault serve --backup-dir)".into(),
            ));
        };
        create_private_dir(dir)?;
        Ok(self.vault.backup(&access, &dir.join(name), self.now())?)
    }
}

/// Creates the account `new` with a fresh token, as `access`: for the gate (its vetting then
/// waits for a security officer's attestation, and the dates typed are not kept), and for
/// the offline bootstrap of `init` and `accounts add --data` (`bootstrap`: the host's operator,
/// who holds the key store, attests the dates as a labelled bootstrap act). Refuses a name in
/// use.
pub fn create_account(
    vault: &Vault,
    access: &Access,
    new: &NewAccount,
    bootstrap: bool,
    now: DateTime<Utc>,
) -> Result<NewToken, Refusal> {
    check_account_fields(new)?;
    if vault.account(&new.name)?.is_some() {
        return Err(Refusal::Conflict(format!(
            "an account `{}` exists already",
            new.name
        )));
    }
    let token = new_token()?;
    let account = Account {
        name: new.name.clone(),
        role: new.role.clone(),
        organization: new.organization.clone(),
        background_investigation: new.background_investigation.filter(|_| bootstrap),
        privacy_training: if bootstrap {
            new.privacy_training
        } else {
            NaiveDate::default()
        },
        disabled: false,
        token_hash: token.hash,
        created_ms: now.timestamp_millis(),
        created_by: access.principal.clone(),
        vetted_by: bootstrap.then(|| format!("bootstrap by {}", access.principal)),
    };
    vault.put_account(access, &account, now)?;
    Ok(token)
}

/// Checks a new account's role, organization and dates.
pub fn check_account_fields(new: &NewAccount) -> Result<(), Refusal> {
    privacy::accounts::validate_account_name(&new.name)?;
    // An account's name is logged with everything it does: it must be a reference, which an
    // identifier cannot be.
    if !policy::codes::is_reference(&new.name) {
        return Err(Refusal::Invalid(format!(
            "an account name starts with a letter and has at most {} runs of digits of at most {} each",
            policy::codes::MAX_DIGIT_RUNS,
            policy::codes::MAX_DIGIT_RUN
        )));
    }
    if !policy::ROLES.contains(&new.role.as_str()) {
        return Err(Refusal::Invalid(format!(
            "unknown role `{}`; roles are {}",
            policy::code(&new.role),
            policy::ROLES.join(", ")
        )));
    }
    if !policy::ORGANIZATIONS.contains(&new.organization.as_str()) {
        return Err(Refusal::Invalid(format!(
            "unknown organization `{}`; organizations are {}",
            policy::code(&new.organization),
            policy::ORGANIZATIONS.join(", ")
        )));
    }
    Ok(())
}

/// Creates `dir` (and its parents) if it is missing, readable by the server's user only.
fn create_private_dir(dir: &Path) -> Result<(), Refusal> {
    let failed =
        |err: std::io::Error| Refusal::internal_because("creating the backup directory", &err);
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(failed)?;
    }
    // An existing directory is made private too.
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(failed)?;
    Ok(())
}

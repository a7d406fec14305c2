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
        let token = create_account(&self.vault, &access, new, self.now())?;
        self.reload_accounts()?;
        Ok(token)
    }

    /// Every account (never a token or its hash).
    pub fn list_accounts(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<Account>, Refusal> {
        self.authorize_vault(caller, context, Action::AccountsList)?;
        Ok(self.vault.accounts()?)
    }

    /// Disables an account: its token is refused from now on.
    pub fn disable_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        name: &str,
    ) -> Result<(), Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsManage)?;
        let mut account = self
            .vault
            .account(name)?
            .ok_or_else(|| Refusal::NotFound(format!("no account `{name}`")))?;
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

    /// Takes a live backup (a checkpoint and the key table) into the new directory `to`.
    pub fn backup(
        &self,
        caller: &Caller,
        context: &RequestContext,
        to: &Path,
    ) -> Result<vault::BackupReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::VaultBackup)?;
        if !to.is_absolute() {
            return Err(Refusal::Invalid(
                "a backup destination is an absolute path on the server".into(),
            ));
        }
        Ok(self.vault.backup(&access, to, self.now())?)
    }
}

/// Creates the account `new` with a fresh token, as `access`: for the gate, and for the
/// offline bootstrap of `init` and `accounts add --data`. Refuses a name in use.
pub fn create_account(
    vault: &Vault,
    access: &Access,
    new: &NewAccount,
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
        background_investigation: new.background_investigation,
        privacy_training: new.privacy_training,
        disabled: false,
        token_hash: token.hash,
        created_ms: now.timestamp_millis(),
    };
    vault.put_account(access, &account, now)?;
    Ok(token)
}

/// Checks a new account's role, organization and dates.
pub fn check_account_fields(new: &NewAccount) -> Result<(), Refusal> {
    vault::accounts::validate_account_name(&new.name)?;
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

//! Accounts of the served vault: who may call it, in which role and organization, with the
//! vetting dates the systems-of-records issue enforces. Stored in the vault's metadata and
//! signed with the vault's signing key, so an account cannot be added or altered on disk
//! without the root key. Tokens are never stored: only their SHA-256 (a token is 256 random
//! bits, so a hash is enough; no salt or slow hash is needed against guessing).

use chrono::{DateTime, NaiveDate, Utc};
use vault::codec::{Reader, Writer};
use vault::crypto::{fill_random, sha256};
use vault::{Access, Error, Result, SignedItem, SignedKind, Vault};

/// Version 2 adds who created the account and who attested its vetting; a version 1 value
/// still reads (its vetting carried over, see [`MIGRATED`]), and the gate rewrites it.
const ACCOUNT_VERSION: u8 = 2;
/// The prefix of every bearer token this vault issues.
pub const TOKEN_PREFIX: &str = "rvt1_";

/// One account.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's name (the principal in the access log).
    pub name: String,
    /// Its role.
    pub role: String,
    /// Its organization.
    pub organization: String,
    /// When its holder's background investigation was completed (`None`: not yet, and the
    /// gate refuses the account).
    pub background_investigation: Option<NaiveDate>,
    /// When its holder last completed privacy training.
    pub privacy_training: NaiveDate,
    /// A disabled account is refused.
    pub disabled: bool,
    /// SHA-256 of its bearer token.
    pub token_hash: [u8; 32],
    /// When it was created (Unix ms).
    pub created_ms: i64,
    /// Who created it (the principal; empty for an account of version 1).
    pub created_by: String,
    /// Who attested its vetting dates (a security officer, or a labelled bootstrap act);
    /// `None` until someone has. The account works only when this is someone other than
    /// `created_by`.
    pub vetted_by: Option<String>,
}

/// Who a version 1 account's vetting is attested by: it was typed by the administrator who
/// created it, before attestation existed, and is carried over (logged) at the upgrade.
pub const MIGRATED: &str = "(carried over from before attestation)";

impl Account {
    /// Whether its vetting was attested by someone other than its creator.
    pub fn attested(&self) -> bool {
        self.vetted_by
            .as_deref()
            .is_some_and(|by| !by.is_empty() && by != self.created_by)
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("organization", &self.organization)
            .field("background_investigation", &self.background_investigation)
            .field("privacy_training", &self.privacy_training)
            .field("disabled", &self.disabled)
            .field("created_by", &self.created_by)
            .field("vetted_by", &self.vetted_by)
            .field("token_hash", &"[redacted]")
            .finish()
    }
}

/// A new bearer token and the hash the vault stores. The token is shown once.
pub struct NewToken {
    /// The token, for the account holder.
    pub token: zeroize::Zeroizing<String>,
    /// Its SHA-256, for the account.
    pub hash: [u8; 32],
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken([redacted])")
    }
}

/// Makes a bearer token: the prefix and 32 random bytes in hexadecimal.
pub fn new_token() -> Result<NewToken> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    fill_random(&mut *bytes)?;
    let token = zeroize::Zeroizing::new(format!("{TOKEN_PREFIX}{}", hex::encode(*bytes)));
    let hash = token_hash(&token);
    Ok(NewToken { token, hash })
}

/// The stored form of a presented token.
pub fn token_hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// Checks an account name: 1 to 64 lowercase letters, digits, dots, dashes and underscores,
/// starting with a letter or digit.
pub fn validate_account_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(
            "an account name is 1 to 64 lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit".into(),
        ))
    }
}

/// The accounts of a vault.
pub trait Accounts {
    /// Creates or replaces `account` (a change of role, a disabling, a new token), logged as
    /// `accounts.put` with the account's name and what changed.
    fn put_account(&self, access: &Access, account: &Account, now: DateTime<Utc>) -> Result<()>;

    /// Every account, in name order, each checked against the vault's signing key: an account
    /// altered or added on disk is refused as corruption, never trusted.
    fn accounts(&self) -> Result<Vec<Account>>;

    /// The account `name`, if there is one.
    fn account(&self, name: &str) -> Result<Option<Account>>;
}

impl Accounts for Vault {
    fn put_account(&self, access: &Access, account: &Account, now: DateTime<Utc>) -> Result<()> {
        let mut change = self.change(access, "accounts.put", now)?;
        validate_account_name(&account.name)?;
        for (what, value) in [
            ("role", &account.role),
            ("organization", &account.organization),
        ] {
            if value.is_empty() || value.len() > 64 || value.chars().any(|c| c.is_control()) {
                return Err(Error::Invalid(format!(
                    "an account's {what} is 1 to 64 printable characters"
                )));
            }
        }
        change.put_signed(
            &SignedItem::Account(&account.name),
            &encode_account(account),
        )?;
        change.set_outcome(format!(
            "account `{}`: role {}, organization {}{}",
            account.name,
            account.role,
            account.organization,
            if account.disabled { ", disabled" } else { "" }
        ));
        change.commit().map(drop)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        self.signed_items(&SignedKind::Accounts)?
            .into_iter()
            .map(|(name, body)| decode_account(&name, &body))
            .collect()
    }

    fn account(&self, name: &str) -> Result<Option<Account>> {
        validate_account_name(name)?;
        self.signed_item(&SignedItem::Account(name))?
            .map(|body| decode_account(name.as_bytes(), &body))
            .transpose()
    }
}

fn encode_account(account: &Account) -> zeroize::Zeroizing<Vec<u8>> {
    let mut writer = Writer(zeroize::Zeroizing::new(Vec::new()));
    writer.u8(ACCOUNT_VERSION);
    writer.str(&account.name);
    writer.str(&account.role);
    writer.str(&account.organization);
    match account.background_investigation {
        Some(date) => {
            writer.u8(1);
            writer.i64(days(date));
        }
        None => writer.u8(0),
    }
    writer.i64(days(account.privacy_training));
    writer.u8(u8::from(account.disabled));
    writer.0.extend_from_slice(&account.token_hash);
    writer.i64(account.created_ms);
    writer.str(&account.created_by);
    match &account.vetted_by {
        Some(by) => {
            writer.u8(1);
            writer.str(by);
        }
        None => writer.u8(0),
    }
    writer.0
}

/// The account stored under `name` (the signature covers the key, so a copy under another name
/// fails it already; this check stays as a second line).
fn decode_account(name: &[u8], body: &[u8]) -> Result<Account> {
    let mut reader = Reader::new(body, "account");
    let version = reader.u8()?;
    if !(1..=ACCOUNT_VERSION).contains(&version) {
        return Err(Error::UnsupportedVersion {
            what: "account",
            version,
        });
    }
    let mut account = Account {
        name: reader.string()?,
        role: reader.string()?,
        organization: reader.string()?,
        background_investigation: match reader.u8()? {
            0 => None,
            _ => Some(from_days(reader.i64()?)?),
        },
        privacy_training: from_days(reader.i64()?)?,
        disabled: reader.u8()? != 0,
        token_hash: reader.array()?,
        created_ms: reader.i64()?,
        created_by: String::new(),
        vetted_by: Some(MIGRATED.to_owned()),
    };
    if version >= 2 {
        account.created_by = reader.string()?;
        account.vetted_by = match reader.u8()? {
            0 => None,
            _ => Some(reader.string()?),
        };
    }
    reader.finish()?;
    if account.name.as_bytes() != name {
        return Err(Error::corrupt("account", "stored under another name"));
    }
    Ok(account)
}

fn days(date: NaiveDate) -> i64 {
    i64::from(date.to_epoch_days())
}

fn from_days(days: i64) -> Result<NaiveDate> {
    i32::try_from(days)
        .ok()
        .and_then(NaiveDate::from_epoch_days)
        .ok_or_else(|| Error::corrupt("account", "date out of range"))
}

#[cfg(test)]
mod tests;

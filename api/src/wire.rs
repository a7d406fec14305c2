//! The wire contract: the bodies the HTTP API takes and answers with, one Rust type each,
//! shared by the server's handlers and the CLI's client, with their schemas for the OpenAPI
//! document (utoipa): each pattern, enum and length is a rule the server enforces. Request
//! bodies refuse unknown fields (the server's rule); answers may grow fields a client does not
//! read yet, but one missing a field it reads is an error, never a blank. Routes not
//! yet typed here are still described by hand in `server/openapi.rs`; the document served and
//! committed (`docs/openapi.json`) is both, merged.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::ToSchema;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A problem document (RFC 9457): the body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `https://recvault.dev/problems/<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request (never an internal detail, never a value the caller
    /// typed unless it is a known code).
    pub detail: String,
    /// The rule that denied the request, for a denial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The grammar of an account name: a reference (`policy::codes`: a letter first, at most two
/// runs of digits of at most 6, so no identifier is one) in lowercase letters, digits, `.`,
/// `-` and `_` (`privacy::accounts::validate_account_name`), 1 to 64 characters.
pub const ACCOUNT_NAME_PATTERN: &str =
    "^[a-z][a-z._-]*(?:[0-9]{1,6}[a-z._-]+)?(?:[0-9]{1,6}[a-z._-]*)?$";

fn account_name_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ACCOUNT_NAME_PATTERN))
        .min_length(Some(1))
        .max_length(Some(64))
        .description(Some(
            "a lowercase letter, then lowercase letters, digits, `.`, `-` and `_`, with at most two runs of digits of at most 6",
        ))
        .build()
}

fn role_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(policy::ROLES))
        .build()
}

fn organization_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(policy::ORGANIZATIONS))
        .build()
}

/// The form of a date on the wire, which the server requires exactly.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn date_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE_PATTERN))
        .build()
}

/// A date, or `null` where there is none yet.
fn nullable_date_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE_PATTERN))
        .build()
}

fn date_time_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .build()
}

/// A new account (`POST /v1/accounts`). Its vetting is not the administrator's to give: a
/// security officer attests it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// The account's name, logged with everything it does.
    #[schema(schema_with = account_name_schema)]
    pub name: String,
    /// Its role.
    #[schema(schema_with = role_schema)]
    pub role: String,
    /// Its organization.
    #[schema(schema_with = organization_schema)]
    pub organization: String,
}

/// An account made: its token, shown only here.
// The token is wiped when this is dropped, and `Debug` never shows it.
#[derive(Serialize, Deserialize, ToSchema, Zeroize, ZeroizeOnDrop)]
pub struct AccountCreated {
    /// The account's name.
    pub name: String,
    /// Its bearer token, for its holder; it works once a security officer attests the vetting.
    pub token: String,
}

/// An account as the administrator sees it: never its token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: String,
    /// Its organization.
    pub organization: String,
    /// The holder's background investigation (YYYY-MM-DD), or none yet: refused until there is.
    #[schema(schema_with = nullable_date_schema)]
    pub background_investigation: Option<String>,
    /// The holder's last privacy training (YYYY-MM-DD).
    #[schema(schema_with = date_schema)]
    pub privacy_training: String,
    /// Whether its token is refused.
    pub disabled: bool,
    /// When it was made (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub created: String,
}

impl AccountView {
    /// `account` as the administrator sees it.
    pub fn of(account: &privacy::accounts::Account) -> Self {
        AccountView {
            name: account.name.clone(),
            role: account.role.clone(),
            organization: account.organization.clone(),
            background_investigation: account
                .background_investigation
                .map(|date| date.to_string()),
            privacy_training: account.privacy_training.to_string(),
            disabled: account.disabled,
            created: crate::render::rfc3339(account.created_ms),
        }
    }
}

/// Every account (`GET /v1/accounts`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountList {
    /// The accounts, by name.
    pub accounts: Vec<AccountView>,
}

/// A security officer's attestation of an account's vetting
/// (`POST /v1/accounts/{name}/vetting`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vetting {
    /// The holder's background investigation (YYYY-MM-DD).
    #[schema(schema_with = date_schema)]
    pub background_investigation: String,
    /// The holder's last privacy training (YYYY-MM-DD).
    #[schema(schema_with = date_schema)]
    pub privacy_training: String,
}

/// An attested vetting: the account's token from now on, replacing the one made at its
/// creation.
// The token is wiped when this is dropped, and `Debug` never shows it.
#[derive(Serialize, Deserialize, ToSchema, Zeroize, ZeroizeOnDrop)]
pub struct Vetted {
    /// Always true.
    pub vetted: bool,
    /// The account's new bearer token, for its holder.
    pub token: String,
}

impl std::fmt::Debug for AccountCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountCreated")
            .field("name", &self.name)
            .field("token", &"REDACTED")
            .finish()
    }
}

impl std::fmt::Debug for Vetted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vetted")
            .field("vetted", &self.vetted)
            .field("token", &"REDACTED")
            .finish()
    }
}

/// A disabled account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Disabled {
    /// Its name.
    pub name: String,
    /// Always true.
    pub disabled: bool,
}

#[cfg(test)]
mod tests;

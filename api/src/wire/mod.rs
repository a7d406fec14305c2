//! The wire contract: the bodies the HTTP API takes and answers with, one Rust type each,
//! shared by the server's handlers and the CLI's client, with their schemas for the OpenAPI
//! document (utoipa): each pattern, enum and length is a rule the server enforces. Request
//! bodies refuse unknown fields (the server's rule); answers may grow fields a client does not
//! read yet, but one missing a field it reads is an error, never a blank. Routes not
//! yet typed here are still described by hand in `server/openapi.rs`; the document served and
//! committed (`docs/openapi.json`) is both, merged.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, KnownFormat, Object, ObjectBuilder,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;
use zeroize::{Zeroize, ZeroizeOnDrop};

mod audit;
mod carriers;
mod consultations;
mod designations;
mod disclosure;
mod holds;
mod ingest;
mod letters;
mod records;
mod reports;
mod requests;
mod retention;
mod transfers;

pub use audit::*;
pub use carriers::*;
pub use consultations::*;
pub use designations::*;
pub use disclosure::*;
pub use holds::*;
pub use ingest::*;
pub use letters::*;
pub use records::*;
pub use reports::*;
pub use requests::*;
pub use retention::*;
pub use transfers::*;

/// A problem document (RFC 9457): the body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

/// The format of an ingest's body (`?format=`).
pub(crate) fn ingest_format_schema() -> Object {
    let mut schema = string_enum(&crate::intake_files::FORMATS);
    schema.description = Some("the body's format: `jsonl` (the default, docs/import-format.md), or an institution's file, converted whole".into());
    schema
}

/// The kind of institution filing (`?reporter_type=`).
pub(crate) fn reporter_type_schema() -> Object {
    let mut schema = string_enum(&["bank", "money-transmitter"]);
    schema.description = Some("the reporting institution's kind, for an institution's file: `bank` (the default) or `money-transmitter` (422 for a TIN report, which banks file)".into());
    schema
}

/// The filing date of an institution's file (`?filed_on=`).
pub(crate) fn filed_on_schema() -> Object {
    let mut schema = date_schema();
    schema.description = Some(
        "the filing date, for an institution's file (default today; 422 in the future)".into(),
    );
    schema
}

/// A health check's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` (up) or `ready` (ready to serve).
    #[schema(schema_with = health_status_schema)]
    pub status: String,
}

fn health_status_schema() -> Object {
    string_enum(&["ok", "ready"])
}

/// The grammar of an account name: a reference (`policy::codes`: a letter first, at most two
/// runs of digits of at most 6, so no identifier is one) in lowercase letters, digits, `.`,
/// `-` and `_` (`privacy::accounts::validate_account_name`), 1 to 64 characters.
pub const ACCOUNT_NAME_PATTERN: &str =
    "^[a-z][a-z._-]*(?:[0-9]{1,6}[a-z._-]+)?(?:[0-9]{1,6}[a-z._-]*)?$";

fn account_name_schema() -> Object {
    pattern_schema(
        ACCOUNT_NAME_PATTERN,
        64,
        "a lowercase letter, then lowercase letters, digits, `.`, `-` and `_`, with at most two runs of digits of at most 6",
    )
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
    or_null(date_schema())
}

/// Any of `schemas`, as a field's schema.
fn any_of(schemas: AnyOfBuilder) -> RefOr<utoipa::openapi::Schema> {
    RefOr::T(utoipa::openapi::Schema::AnyOf(schemas.build()))
}

/// Reads a whole number the way JSON Schema counts one: `7` and `7.0` alike (a client's JSON
/// library may write either), refusing a fraction, a negative and anything out of `T`'s range.
pub(crate) fn whole_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<u64, E> {
            Ok(value)
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<u64, E> {
            u64::try_from(value).map_err(|_| E::custom("a negative number"))
        }
        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<u64, E> {
            // Exactly whole and within u64 (2^64 is the first f64 past it).
            if value.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&value) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(value as u64)
            } else {
                Err(E::custom("not a whole number"))
            }
        }
    }
    let value = deserializer.deserialize_any(Whole)?;
    T::try_from(value).map_err(|_| serde::de::Error::custom("out of range"))
}

/// Reads an optional whole number as [`whole_number`] reads one.
fn optional_whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    #[derive(Deserialize)]
    struct Whole<T: TryFrom<u64>>(#[serde(deserialize_with = "whole_number")] T);
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|Whole(value)| value))
}

/// `schema`, or `null`: an optional field's schema (serde reads `null` as absent).
fn or_null(mut schema: Object) -> Object {
    schema.schema_type = match schema.schema_type {
        SchemaType::Type(kind) => SchemaType::from_iter([kind, Type::Null]),
        other => other,
    };
    if let Some(values) = schema.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    schema
}

/// `schema`, or `null`, for a schema that is not one object's.
fn any_or_null(schema: RefOr<utoipa::openapi::Schema>) -> RefOr<utoipa::openapi::Schema> {
    any_of(
        AnyOfBuilder::new()
            .item(schema)
            .item(ObjectBuilder::new().schema_type(Type::Null)),
    )
}

/// A string matching `pattern`, 1 to `max` characters, described in words.
fn pattern_schema(pattern: &str, max: usize, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(1))
        .max_length(Some(max))
        .description(Some(description))
        .build()
}

/// The grammar of a record's id (`model::RecordId`): four groups of hexadecimal digits.
pub const RECORD_ID_PATTERN: &str =
    "^[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}$";

fn record_id_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(RECORD_ID_PATTERN))
        .description(Some("a record's id, `0001-0193a1b2c3d4-00000001-0000002a`"))
        .build()
}

fn record_ids_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(record_id_schema()).build()
}

/// The grammar of a reference (`policy::codes::is_reference`): a case id, a hold's reference.
/// A letter first, then letters, digits, `.`, `-` and `_`, with at most two runs of digits
/// of at most 6 (so no identifier is one), 1 to 64 characters.
pub const REFERENCE_PATTERN: &str =
    "^[A-Za-z][A-Za-z._-]*(?:[0-9]{1,6}[A-Za-z._-]+)?(?:[0-9]{1,6}[A-Za-z._-]*)?$";

fn reference_schema() -> Object {
    pattern_schema(
        REFERENCE_PATTERN,
        policy::codes::MAX_REFERENCE_LEN,
        "a reference: a letter, then letters, digits, `.`, `-` and `_`, with at most two runs of digits of at most 6",
    )
}

/// The grammar of a line of text a person writes (a reason): no control characters, not
/// only spaces (Unicode's, named one by one as in [`NOT_BLANK_PATTERN`]).
pub const ONE_LINE_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\u0000-\\u001f\\u007f-\\u009f]*$";

fn reason_schema() -> Object {
    pattern_schema(
        ONE_LINE_PATTERN,
        500,
        "one line of 1 to 500 characters, not only spaces",
    )
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
pub(crate) fn date_or_time_schema() -> RefOr<utoipa::openapi::Schema> {
    any_of(
        AnyOfBuilder::new()
            .item(date_schema())
            .item(date_time_schema())
            .description(Some(
                "a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time",
            )),
    )
}

fn string_enum(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

fn roles_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(role_schema()).build()
}

/// What an identifier search names: an identifier kind, or `name` where a name may be searched.
fn identifier_kinds(with_name: bool) -> Vec<&'static str> {
    let name = with_name.then_some("name");
    name.into_iter()
        .chain(model::IdentifierKind::ALL.iter().map(|kind| kind.name()))
        .collect()
}

/// The grammar of an identifier's value: anything but only spaces. The spaces are Unicode's
/// (what Rust's `trim` takes off), named one by one: a regex's `\\s` differs by dialect
/// (ECMAScript's takes U+FEFF too).
pub const NOT_BLANK_PATTERN: &str = "[^\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

fn identifier_schema(with_name: bool) -> Object {
    ObjectBuilder::new()
        .property("type", string_enum(&identifier_kinds(with_name)))
        .required("type")
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(NOT_BLANK_PATTERN))
                .description(Some("the identifier (never repeated in an answer or the log)")),
        )
        .required("value")
        .property(
            "country",
            or_null(ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("a passport's issuing country; passports only, and required for them (422 otherwise)"))
                .build()),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .build()
}

/// A system of records, by its code (the catalog is the vault's, so no enum).
fn system_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "a system of records (`fincen-cbetf`); one the vault does not keep is denied (403)",
        ))
        .build()
}

/// A purpose code of a system.
fn purpose_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "a purpose code of the system (`investigation`); one the system does not name is denied (403)",
        ))
        .build()
}

/// An identifier of a subject: its kind, its value and, for a passport, the issuing country.
/// Its value is wiped when it is dropped.
#[derive(Clone, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// The kind (`ssn`, `passport`, ...; `name` where a name may be searched).
    #[serde(rename = "type")]
    pub kind: String,
    /// The value.
    pub value: String,
    /// A passport's issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .field("value", &"REDACTED")
            .finish_non_exhaustive()
    }
}

/// An identifier, never a name (a subject's hold, a designation).
fn subject_identifier_schema() -> Object {
    identifier_schema(false)
}

/// [`subject_identifier_schema`] or `null`.
fn optional_subject_identifier_schema() -> Object {
    or_null(identifier_schema(false))
}

/// [`date_or_time_schema`] or `null`.
fn optional_date_or_time_schema() -> RefOr<utoipa::openapi::Schema> {
    any_or_null(date_or_time_schema())
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

//! Transfers to a records center: a cohort to transfer, a package read back, and a transfer as
//! it is shown.

use super::*;

/// The grammar of a transfer's id: `T-<cohort>-<made at, ms>`.
pub const TRANSFER_ID_PATTERN: &str = "^T-[0-9]{1,10}-[0-9]{1,16}$";

/// The grammar of a case id (`policy::codes::validate_case_id`): a reference with a number.
pub const CASE_ID_PATTERN: &str =
    "^[A-Za-z][A-Za-z._-]*(?:[0-9]{1,6}[A-Za-z._-]+)?[0-9]{1,6}[A-Za-z._-]*$";

pub(crate) fn case_id_schema() -> Object {
    pattern_schema(
        CASE_ID_PATTERN,
        policy::codes::MAX_REFERENCE_LEN,
        "a case id: a letter, then letters, digits, `.`, `-` and `_`, with one or two runs of digits of at most 6",
    )
}

fn cohort_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(u32::MAX))
        .description(Some("the cohort (`recvault keys status` lists them)"))
        .build()
}

/// A transfer's package (`GET /v1/transfers/{id}/package`): bytes for the records center.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Package(pub Vec<u8>);

/// A period cohort to transfer (`POST /v1/transfers`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    /// The cohort (`recvault keys status` lists them).
    #[serde(deserialize_with = "whole_number")]
    #[schema(schema_with = cohort_schema)]
    pub cohort: u32,
}

fn recall_purpose_schema() -> Object {
    string_enum(&gate::RECALL_PURPOSES)
}

/// Why a package is read back (`POST /v1/transfers/{id}/recall`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recall {
    /// A request, a hold or an audit.
    #[schema(schema_with = recall_purpose_schema)]
    pub purpose: String,
    /// The request's case id, the hold's id or the audit's case.
    #[schema(schema_with = case_id_schema)]
    pub case: String,
}

/// A transfer as it is shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// Its id, `T-<cohort>-<made at, ms>`.
    pub transfer: String,
    /// The cohort.
    pub cohort: u32,
    /// The certificate's text.
    pub certificate: String,
    /// The certificate's Ed25519 signature by the log's key (hex).
    pub signature: String,
}

impl From<gate::TransferView> for Transfer {
    fn from(view: gate::TransferView) -> Self {
        Transfer {
            transfer: view.transfer,
            cohort: view.cohort,
            certificate: view.certificate,
            signature: view.signature,
        }
    }
}

/// Every transfer (`GET /v1/transfers`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransferList {
    /// The transfers, oldest first.
    pub transfers: Vec<Transfer>,
}

/// A package read back and checked (`POST /v1/transfers/{id}/recall`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Recalled {
    /// The transfer.
    pub transfer: String,
    /// Its system.
    pub system: String,
    /// Its cohort.
    pub cohort: u32,
    /// The ids of the records it carries, each opened with the vault's keys.
    pub records: Vec<String>,
    /// How many annotations it carries, each opened.
    pub annotations: u64,
    /// How many accounting entries it carries, each opened.
    pub accounting_entries: u64,
    /// The manifest's SHA-256, checked against the log's signature.
    pub manifest: String,
}

impl From<gate::Recalled> for Recalled {
    fn from(recalled: gate::Recalled) -> Self {
        Recalled {
            transfer: recalled.transfer,
            system: recalled.system,
            cohort: recalled.cohort,
            records: recalled.records,
            annotations: recalled.annotations as u64,
            accounting_entries: recalled.accounting_entries as u64,
            manifest: recalled.manifest,
        }
    }
}

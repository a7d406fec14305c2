//! The access log as auditors read it: a search's entries, and a verification of the chain
//! and its signatures.

use super::*;

/// The grammar of an Ed25519 public key on the wire: 64 hexadecimal digits.
pub const PUBLIC_KEY_PATTERN: &str = "^[0-9a-fA-F]{64}$";

fn public_key_schema() -> Object {
    or_null(pattern_schema(
        PUBLIC_KEY_PATTERN,
        64,
        "the log's public key the auditor pinned (`recvault audit key`): 64 hexadecimal digits; the vault's own when not given",
    ))
}

fn anchor_schema() -> Object {
    let mut schema = or_null(ObjectBuilder::new().schema_type(Type::String).build());
    schema.description = Some(
        "an anchor file's text (`recvault audit anchor`), kept off the host; one that is not an anchor is 422"
            .into(),
    );
    schema
}

/// What to verify the log against (`POST /v1/audit/verify`; the body is optional).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyAgainst {
    /// The pinned public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = public_key_schema)]
    pub public_key: Option<String>,
    /// An anchor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = anchor_schema)]
    pub anchor: Option<String>,
}

/// The first bad entry a verification found.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogProblemView {
    /// Its sequence number.
    pub seq: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// A verification of the access log's chain and signatures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    /// Whether the log verified: no problem found.
    pub ok: bool,
    /// Entries checked (up to the first problem).
    pub entries: u64,
    /// Signed checkpoints checked against the entries they cover.
    pub checkpoints: u64,
    /// The last entry covered by a valid checkpoint.
    pub signed_through: u64,
    /// The first entry kept (1 unless the log was truncated).
    pub base: u64,
    /// Entries after the last signed checkpoint: chained, protected only by an anchor or a
    /// checkpoint exported off the host.
    pub unsigned_tail: u64,
    /// The checkpoint rule's count of entries, when the checkpoints carry one.
    pub checkpoint_every_entries: Option<u64>,
    /// Signed truncation records checked.
    pub truncations: u64,
    /// Entries on which the time rule called for a checkpoint and none was signed.
    pub time_rule_misses: u64,
    /// How the log extends the anchor given, when it does.
    pub extension: Option<String>,
    /// The first problem, if any.
    pub problem: Option<LogProblemView>,
}

impl Verification {
    /// `report` as the auditor receives it.
    pub fn of(report: &vault::audit::LogVerification) -> Self {
        Verification {
            ok: report.problem.is_none(),
            entries: report.entries,
            checkpoints: report.checkpoints,
            signed_through: report.signed_through,
            base: report.base,
            unsigned_tail: report.unsigned_tail,
            checkpoint_every_entries: report.policy.map(|rule| rule.every_entries),
            truncations: report.truncations,
            time_rule_misses: report.time_rule_misses,
            extension: report.extension.clone(),
            problem: report.problem.as_ref().map(|problem| LogProblemView {
                seq: problem.seq,
                reason: problem.reason.clone(),
            }),
        }
    }
}

/// An index token of a log entry: the year's blind-index token it names (hexadecimal).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogToken {
    /// The accounting or index year.
    pub year: u16,
    /// The token (hexadecimal).
    pub token: String,
}

/// One entry of the access log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogEntryView {
    /// Its sequence number.
    pub seq: u64,
    /// When (RFC 3339).
    #[schema(schema_with = date_time_schema)]
    pub time: String,
    /// The account.
    pub principal: String,
    /// Its organization.
    pub organization: String,
    /// Its role.
    pub role: String,
    /// What was done (`record.read`, `disclose`, ...).
    pub action: String,
    /// The purpose code given (`not-a-code` for a value that is not one).
    pub purpose: String,
    /// The case id given (`not-a-code` for a value that is not one).
    pub case_id: String,
    /// The system.
    pub system: String,
    /// The records named.
    pub record_ids: Vec<String>,
    /// The blind-index tokens searched.
    pub tokens: Vec<LogToken>,
    /// The key cohorts touched.
    pub cohorts: Vec<u32>,
    /// `allow` or `deny`.
    #[schema(schema_with = decision_schema)]
    pub decision: String,
    /// The rule that decided.
    pub rule: String,
    /// The client's address.
    pub client: String,
    /// The request's id (its `x-request-id`).
    pub request_id: String,
    /// What came of it.
    pub outcome: String,
    /// The previous entry's hash (hexadecimal): the chain.
    pub prev_hash: String,
}

fn decision_schema() -> Object {
    string_enum(&["allow", "deny"])
}

impl LogEntryView {
    /// `entry` as the auditor reads it.
    pub fn of(entry: &vault::LogEntry) -> Self {
        LogEntryView {
            seq: entry.seq,
            time: crate::render::rfc3339(entry.time_ms),
            principal: entry.access.principal.clone(),
            organization: entry.access.organization.clone(),
            role: entry.access.role.clone(),
            action: entry.action.clone(),
            purpose: entry.access.purpose.clone(),
            case_id: entry.access.case_id.clone(),
            system: entry.system.clone(),
            record_ids: entry.record_ids.iter().map(ToString::to_string).collect(),
            tokens: entry
                .tokens
                .iter()
                .map(|(year, token)| LogToken {
                    year: *year,
                    token: hex::encode(token),
                })
                .collect(),
            cohorts: entry.cohorts.clone(),
            decision: match entry.decision {
                vault::Decision::Allow => "allow",
                vault::Decision::Deny => "deny",
            }
            .to_owned(),
            rule: entry.access.rule.clone(),
            client: entry.access.client.clone(),
            request_id: entry.access.request_id.clone(),
            outcome: entry.outcome.clone(),
            prev_hash: hex::encode(entry.prev_hash),
        }
    }
}

/// The entries an audit search found (`GET /v1/audit/entries`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntries {
    /// Oldest first.
    pub entries: Vec<LogEntryView>,
}

/// A live backup to make (`POST /v1/backup`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBackup {
    /// A new directory in the server's backup directory: a reference.
    #[schema(schema_with = reference_schema)]
    pub name: String,
}

/// Where a backup went.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupMade {
    /// The checkpoint's directory on the server.
    pub checkpoint: String,
    /// The root epoch of the checkpoint and the key table.
    pub epoch: u32,
    /// Where the key table was exported, if the vault has a key-table directory.
    pub key_table: Option<String>,
}

impl BackupMade {
    /// `report` as the administrator receives it.
    pub fn of(report: &vault::BackupReport) -> Self {
        BackupMade {
            checkpoint: report.checkpoint.display().to_string(),
            epoch: report.epoch,
            key_table: report
                .key_table
                .as_ref()
                .map(|path| path.display().to_string()),
        }
    }
}

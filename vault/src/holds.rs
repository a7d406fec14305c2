//! Holds: records kept past their schedule for litigation, a pending FOIA or Privacy Act
//! request or appeal, a linked enforcement record, or a declassification review.
//!
//! A hold is placed on records or on a subject (an identifier; records ingested later that
//! carry it are held as they are stored, until the hold is released). Each hold has a cohort
//! of its own: a held record's data key is re-wrapped under it, so the rest of its period
//! cohort can be destroyed on time, and its identifiers are re-indexed under that cohort's key,
//! so it stays findable after its index period ends. A record under several holds lives in the
//! cohort of the first; released, it moves to the next hold's cohort, back to the cohort it came
//! from if that still lives, or stays in the released hold's cohort, which the next retention
//! run destroys once every member's life has ended.
//!
//! Governance holds may be released early by an authorized role (the gate decides who);
//! compliance holds carry a retain-until date that nobody can shorten. Hold entries are signed
//! with the vault's signing key, so a retain-until date altered on disk is refused. A subject
//! hold stores only a blind token of its identifier, under its own key.

use chrono::{DateTime, Utc};

use crate::codec::KindTag;
use crate::codec::{Reader, Writer};
use crate::cohort::{CohortInfo, CohortKind};
use crate::crypto::MacKey;
use crate::error::{Error, Result};
use crate::index::{index_forms, token, SearchKey};
use crate::keyspace::{
    annotations_of_record, held_key, held_prefix, hold_index_entry, hold_index_prefix, hold_key,
    hold_member_key, hold_members_prefix, hold_subject_key, hold_token_prefix, manual_access_key,
    moved_key, META_HOLD, META_HOLD_NEXT, META_HOLD_SUBJECT,
};
use crate::lifecycle::rewrap;
use crate::log::{Access, Draft};
use crate::sealed::SealedRecord;
use crate::store::{Column, WriteBatch};
use crate::vault::{meta_u32, poisoned, Vault};
use model::{IdentifierKind, RecordId, SystemId};

const HOLD_VERSION: u8 = 1;
const SIGNATURE_CONTEXT: &[u8] = b"recvault hold v1\0";
const TOKEN_LEN: usize = 16;

/// Why records are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldPurpose {
    /// Litigation, pending or reasonably anticipated.
    Litigation,
    /// A pending FOIA or Privacy Act request or appeal.
    Request,
    /// A linked enforcement record: the record stays in its accessible phase until that
    /// record is archived (seed 001 paragraph 15).
    EnforcementLink,
    /// A pending declassification review.
    Declassification,
}

impl HoldPurpose {
    /// Whether the records a hold of this purpose keeps may be named and counted where others
    /// read (the access log, certificates): not a request's preservation, which could be about
    /// a person whose identity is never verified (its count is the case file's).
    pub(crate) fn shows_what_it_keeps(self) -> bool {
        self != HoldPurpose::Request
    }

    /// Every purpose.
    pub const ALL: [HoldPurpose; 4] = [
        HoldPurpose::Litigation,
        HoldPurpose::Request,
        HoldPurpose::EnforcementLink,
        HoldPurpose::Declassification,
    ];

    /// Its name on the command line and over the API.
    pub fn name(self) -> &'static str {
        match self {
            HoldPurpose::Litigation => "litigation",
            HoldPurpose::Request => "request",
            HoldPurpose::EnforcementLink => "enforcement-link",
            HoldPurpose::Declassification => "declassification",
        }
    }

    /// The purpose with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|purpose| purpose.name() == name)
    }

    fn tag(self) -> u8 {
        match self {
            HoldPurpose::Litigation => 1,
            HoldPurpose::Request => 2,
            HoldPurpose::EnforcementLink => 3,
            HoldPurpose::Declassification => 4,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|purpose| purpose.tag() == tag)
    }
}

/// Who may end a hold before its date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldMode {
    /// An authorized role may release it at any time (logged).
    Governance,
    /// Nobody may release it before its retain-until date.
    Compliance,
}

impl HoldMode {
    /// Every mode.
    pub const ALL: [HoldMode; 2] = [HoldMode::Governance, HoldMode::Compliance];

    /// Its name on the command line and over the API.
    pub fn name(self) -> &'static str {
        match self {
            HoldMode::Governance => "governance",
            HoldMode::Compliance => "compliance",
        }
    }

    /// The mode with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.name() == name)
    }
}

/// What a hold says: placed by a records officer, never changed after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldSpec {
    /// The case, request or matter (letters, digits, `-`, `_`, `.`, `/`; not personal data).
    pub reference: String,
    /// Why, in words (1 to 500 characters; it names the matter, not a person).
    pub reason: String,
    /// Why, as a kind.
    pub purpose: HoldPurpose,
    /// Who may end it early.
    pub mode: HoldMode,
    /// Retain until (required for compliance holds; a review date for governance ones).
    pub until: Option<DateTime<Utc>>,
    /// Roles besides the records officer that may find the held records through the hold.
    pub roles: Vec<String>,
}

impl HoldSpec {
    /// A hold with no retain-until date that names no other role.
    pub fn new(reference: &str, reason: &str, purpose: HoldPurpose, mode: HoldMode) -> Self {
        HoldSpec {
            reference: reference.to_owned(),
            reason: reason.to_owned(),
            purpose,
            mode,
            until: None,
            roles: Vec::new(),
        }
    }
}

/// What a hold is placed on.
#[derive(Clone, Copy, Debug)]
pub enum HoldTarget<'a> {
    /// These records.
    Records(&'a [RecordId]),
    /// Every record, stored now or later, with this subject identifier.
    Subject(&'a model::Identifier),
    /// Every record of `systems` (every system if empty), stored now or later, with any of
    /// these subject identifiers: what a request is about.
    Subjects {
        /// The identifiers (at least one).
        identifiers: &'a [model::Identifier],
        /// The systems searched and watched.
        systems: &'a [String],
    },
}

/// A hold's release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRelease {
    /// Who released it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A hold as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// Its number (shown as `H-<n>`).
    pub id: u32,
    /// What it says.
    pub spec: HoldSpec,
    /// For a subject hold, the kind of identifier (never its value).
    pub subject_kind: Option<IdentifierKind>,
    /// Its cohort.
    pub cohort: u32,
    /// Who placed it.
    pub placed_by: String,
    /// When.
    pub placed_at: DateTime<Utc>,
    /// Its release, once released.
    pub released: Option<HoldRelease>,
}

impl Hold {
    /// Its display name, `H-<n>`.
    pub fn label(&self) -> String {
        format!("H-{}", self.id)
    }

    /// Whether it still holds.
    pub fn is_active(&self) -> bool {
        self.released.is_none()
    }

    /// Whether `role` may find its records (the records officer always may).
    pub fn names_role(&self, role: &str) -> bool {
        role == "records-officer" || self.spec.roles.iter().any(|named| named == role)
    }
}

/// Parses `H-7` or `7`.
pub fn parse_hold_id(text: &str) -> Option<u32> {
    text.strip_prefix("H-")
        .or_else(|| text.strip_prefix("h-"))
        .unwrap_or(text)
        .parse()
        .ok()
}

/// What [`Vault::place_hold`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedHold {
    /// The hold.
    pub hold: Hold,
    /// Records it holds now.
    pub records: u64,
    /// Of those, records moved into its cohort (the others were already in another hold's).
    pub moved: u64,
}

/// What [`Vault::release_hold`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleasedHold {
    /// Records moved back to the cohort they came from (they die on its schedule).
    pub returned: u64,
    /// Records moved to another hold that still holds them.
    pub still_held: u64,
    /// Records whose own cohort is gone: they stay in the released hold's cohort, which the
    /// next retention run destroys once their lives have ended.
    pub awaiting_destruction: u64,
}

/// A hold and how many records it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldSummary {
    /// The hold.
    pub hold: Hold,
    /// Its records (for a released hold: those still in its cohort).
    pub records: u64,
}

/// An active subject hold as ingest sees it: new records of its systems with one of its
/// tokens join it.
pub(crate) struct SubjectHold {
    pub(crate) hold: u32,
    pub(crate) cohort: CohortInfo,
    pub(crate) mac: std::sync::Arc<MacKey>,
    /// Index kind and blind token of each subject identifier.
    pub(crate) tokens: Vec<(u8, [u8; TOKEN_LEN])>,
    /// The systems it watches; every system if empty.
    pub(crate) systems: Vec<String>,
}

impl SubjectHold {
    /// Whether a record of `system` with these index forms joins the hold.
    pub(crate) fn catches(&self, system: &str, forms: &[(u8, String)]) -> bool {
        (self.systems.is_empty() || self.systems.iter().any(|watched| watched == system))
            && forms.iter().any(|(kind, form)| {
                let probe = token(&self.mac, form);
                self.tokens
                    .iter()
                    .any(|(held_kind, held)| held_kind == kind && *held == probe)
            })
    }
}

/// The version byte of a subject hold's value that lists several tokens and its systems; a
/// value of exactly one index kind and one token (17 bytes) is the first layout, read as a
/// hold on one identifier in every system.
const SUBJECT_VERSION: u8 = 2;

fn encode_subjects(tokens: &[(u8, [u8; TOKEN_LEN])], systems: &[String]) -> Vec<u8> {
    let mut out = Writer(zeroize::Zeroizing::new(Vec::new()));
    out.u8(SUBJECT_VERSION);
    out.u32(tokens.len() as u32);
    for (kind, subject_token) in tokens {
        out.u8(*kind);
        out.0.extend_from_slice(subject_token);
    }
    out.u32(systems.len() as u32);
    for system in systems {
        out.str(system);
    }
    out.0.to_vec()
}

type Subjects = (Vec<(u8, [u8; TOKEN_LEN])>, Vec<String>);

fn decode_subjects(value: &[u8]) -> Result<Subjects> {
    const WHAT: &str = "subject hold";
    if value.len() == 1 + TOKEN_LEN {
        let subject_token: [u8; TOKEN_LEN] = value[1..]
            .try_into()
            .map_err(|_| Error::corrupt(WHAT, "bad token"))?;
        return Ok((vec![(value[0], subject_token)], Vec::new()));
    }
    let mut input = Reader::new(value, WHAT);
    let version = input.u8()?;
    if version != SUBJECT_VERSION {
        return Err(Error::UnsupportedVersion {
            what: WHAT,
            version,
        });
    }
    let mut tokens = Vec::new();
    for _ in 0..input.u32()? {
        let kind = input.u8()?;
        let subject_token: [u8; TOKEN_LEN] = input
            .take(TOKEN_LEN)?
            .try_into()
            .map_err(|_| Error::corrupt(WHAT, "bad token"))?;
        tokens.push((kind, subject_token));
    }
    let mut systems = Vec::new();
    for _ in 0..input.u32()? {
        systems.push(input.string()?);
    }
    input.finish()?;
    if tokens.is_empty() {
        return Err(Error::corrupt(WHAT, "no subject"));
    }
    Ok((tokens, systems))
}

use crate::store::prefix_end;

/// The cohort reference of hold `id`.
fn cohort_reference(id: u32) -> String {
    format!("hold-{id}")
}

/// Whether `reason` is a hold's or a release's reason: one line of 1 to 500 characters, not
/// only spaces (the API's document states it as a pattern, tested against this).
pub fn is_one_line(reason: &str) -> bool {
    !reason.trim().is_empty()
        && reason.chars().count() <= 500
        && !reason.chars().any(char::is_control)
}

fn check_spec(spec: &HoldSpec, now: DateTime<Utc>) -> Result<()> {
    crate::lifecycle::check_hold_reference(&spec.reference)?;
    if !is_one_line(&spec.reason) {
        return Err(Error::Invalid(
            "a hold's reason must be 1 to 500 characters on one line".into(),
        ));
    }
    match (spec.mode, spec.until) {
        (HoldMode::Compliance, None) => {
            return Err(Error::Invalid(
                "a compliance hold needs a retain-until date".into(),
            ))
        }
        (_, Some(until)) if until <= now => {
            return Err(Error::Invalid(
                "a hold's retain-until date must be in the future".into(),
            ))
        }
        _ => {}
    }
    for role in &spec.roles {
        let ok = !role.is_empty()
            && role.len() <= 64
            && role
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(Error::Invalid(
                "a role is 1 to 64 lowercase letters, digits or `-`".into(),
            ));
        }
    }
    Ok(())
}

fn encode_hold(hold: &Hold) -> Vec<u8> {
    let mut out = Writer(zeroize::Zeroizing::new(Vec::with_capacity(128)));
    out.u8(HOLD_VERSION);
    out.u32(hold.id);
    out.str(&hold.spec.reference);
    out.str(&hold.spec.reason);
    out.u8(hold.spec.purpose.tag());
    out.u8(match hold.spec.mode {
        HoldMode::Governance => 1,
        HoldMode::Compliance => 2,
    });
    out.i64(hold.spec.until.map_or(-1, |until| until.timestamp_millis()));
    out.u32(hold.spec.roles.len() as u32);
    for role in &hold.spec.roles {
        out.str(role);
    }
    out.u8(hold.subject_kind.map_or(0, IdentifierKind::tag));
    out.u32(hold.cohort);
    out.str(&hold.placed_by);
    out.i64(hold.placed_at.timestamp_millis());
    match &hold.released {
        Some(release) => {
            out.u8(1);
            out.str(&release.by);
            out.i64(release.at.timestamp_millis());
            out.str(&release.reason);
        }
        None => out.u8(0),
    }
    out.0.to_vec()
}

fn time(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| Error::corrupt("hold", "bad time"))
}

fn decode_hold(body: &[u8]) -> Result<Hold> {
    const WHAT: &str = "hold";
    let mut input = Reader::new(body, WHAT);
    let version = input.u8()?;
    if version != HOLD_VERSION {
        return Err(Error::UnsupportedVersion {
            what: WHAT,
            version,
        });
    }
    let id = input.u32()?;
    let reference = input.string()?;
    let reason = input.string()?;
    let purpose =
        HoldPurpose::from_tag(input.u8()?).ok_or_else(|| Error::corrupt(WHAT, "bad purpose"))?;
    let mode = match input.u8()? {
        1 => HoldMode::Governance,
        2 => HoldMode::Compliance,
        _ => return Err(Error::corrupt(WHAT, "bad mode")),
    };
    let until = match input.i64()? {
        -1 => None,
        ms => Some(time(ms)?),
    };
    let n_roles = input.u32()?;
    let mut roles = Vec::new();
    for _ in 0..n_roles {
        roles.push(input.string()?);
    }
    let subject_kind = match input.u8()? {
        0 => None,
        tag => Some(IdentifierKind::from_tag(tag).ok_or_else(|| Error::corrupt(WHAT, "bad kind"))?),
    };
    let cohort = input.u32()?;
    let placed_by = input.string()?;
    let placed_at = time(input.i64()?)?;
    let released = match input.u8()? {
        0 => None,
        _ => Some(HoldRelease {
            by: input.string()?,
            at: time(input.i64()?)?,
            reason: input.string()?,
        }),
    };
    input.finish()?;
    Ok(Hold {
        id,
        spec: HoldSpec {
            reference,
            reason,
            purpose,
            mode,
            until,
            roles,
        },
        subject_kind,
        cohort,
        placed_by,
        placed_at,
        released,
    })
}

impl Vault {
    fn put_hold(&self, hold: &Hold, batch: &mut WriteBatch) -> Result<()> {
        let key = hold_key(hold.id);
        let mut value = encode_hold(hold);
        let signature = self
            .log_signing_key()?
            .sign(&[SIGNATURE_CONTEXT, &key, &value].concat());
        value.extend_from_slice(&signature);
        batch.put(Column::Meta, key, value);
        Ok(())
    }

    fn decode_signed_hold(&self, key: &[u8], value: &[u8]) -> Result<Hold> {
        let public_key = self.log_signing_key()?.public_key();
        let (body, _) =
            crate::codec::verified_signed(&public_key, SIGNATURE_CONTEXT, key, value, "hold")?;
        decode_hold(body)
    }

    /// Hold `id`.
    pub fn hold(&self, id: u32) -> Result<Hold> {
        let key = hold_key(id);
        let value = self
            .store
            .get(Column::Meta, &key)?
            .ok_or_else(|| Error::NotFound(format!("hold H-{id}")))?;
        self.decode_signed_hold(&key, &value)
    }

    /// Hold `id`, named by the store itself (a held record's entry, a cohort, a subject's
    /// index): missing, the store is corrupt, which is no caller's 404.
    fn stored_hold(&self, id: u32) -> Result<Hold> {
        self.hold(id).map_err(|err| match err {
            Error::NotFound(_) => Error::corrupt("hold", "an entry names a hold that is missing"),
            other => other,
        })
    }

    /// The holds still in force (no counts: what every search consults).
    pub fn active_holds(&self) -> Result<Vec<Hold>> {
        Ok(self
            .all_holds()?
            .into_iter()
            .filter(Hold::is_active)
            .collect())
    }

    fn all_holds(&self) -> Result<Vec<Hold>> {
        self.store
            .scan(
                Column::Meta,
                META_HOLD,
                Some(&prefix_end(META_HOLD)),
                usize::MAX,
            )?
            .into_iter()
            .map(|(key, value)| self.decode_signed_hold(&key, &value))
            .collect()
    }

    /// Every hold, active or released, with how many records it holds.
    pub fn holds(&self) -> Result<Vec<HoldSummary>> {
        let mut out = Vec::new();
        for hold in self.all_holds()? {
            let prefix = hold_members_prefix(hold.id);
            let records = self
                .store
                .count(Column::Meta, &prefix, Some(&prefix_end(&prefix)))?;
            out.push(HoldSummary { hold, records });
        }
        Ok(out)
    }

    /// The active holds on a record.
    pub fn holds_of(&self, record: &RecordId) -> Result<Vec<Hold>> {
        let prefix = held_prefix(record);
        let mut out = Vec::new();
        for (key, _) in self.store.scan(
            Column::Meta,
            &prefix,
            Some(&prefix_end(&prefix)),
            usize::MAX,
        )? {
            let id_bytes: [u8; 4] = key[prefix.len()..]
                .try_into()
                .map_err(|_| Error::corrupt("held entry", "bad hold id"))?;
            let hold = self.stored_hold(u32::from_be_bytes(id_bytes))?;
            if hold.is_active() {
                out.push(hold);
            }
        }
        Ok(out)
    }

    /// The key of `hold`'s own index (its cohort's index key), or `None` once the cohort is
    /// destroyed: its index is gone with it.
    fn hold_index_mac(&self, hold: &Hold) -> Result<Option<std::sync::Arc<MacKey>>> {
        let Some(cohort) = self.cohort_info(hold.cohort)?.filter(CohortInfo::is_live) else {
            return Ok(None);
        };
        self.keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .index_mac(cohort.id, cohort.key_version)
            .map(Some)
    }

    /// The entries that index `forms` of record `id` in the indexes of `holds` whose cohorts
    /// are live (under each hold cohort's index key).
    pub(crate) fn hold_index_entries(
        &self,
        id: &RecordId,
        holds: &[Hold],
        forms: &[(u8, String)],
    ) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for hold in holds {
            let Some(mac) = self.hold_index_mac(hold)? else {
                continue;
            };
            for (kind, form) in forms {
                out.push(hold_index_entry(hold.id, *kind, &token(&mac, form), id));
            }
        }
        Ok(out)
    }

    /// The records a hold holds, with the cohort each came from.
    fn members(&self, hold: u32) -> Result<Vec<(RecordId, u32)>> {
        let prefix = hold_members_prefix(hold);
        self.store
            .scan(
                Column::Meta,
                &prefix,
                Some(&prefix_end(&prefix)),
                usize::MAX,
            )?
            .into_iter()
            .map(|(key, value)| {
                let id: [u8; 16] = key[prefix.len()..]
                    .try_into()
                    .map_err(|_| Error::corrupt("hold member", "bad record id"))?;
                let origin: [u8; 4] = value
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::corrupt("hold member", "bad cohort"))?;
                Ok((RecordId::from_bytes(id), u32::from_be_bytes(origin)))
            })
            .collect()
    }

    /// The records of hold `id` (for a released hold: those still in its cohort).
    pub fn hold_records(&self, id: u32) -> Result<Vec<RecordId>> {
        Ok(self.members(id)?.into_iter().map(|(id, _)| id).collect())
    }

    /// The records whose data keys a hold cohort wraps now.
    pub fn hold_cohort_records(&self, cohort: u32) -> Result<Vec<RecordId>> {
        let Some(hold) = self.hold_of_cohort(cohort)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (id, _) in self.members(hold.id)? {
            if self.moved_to(&id)? == Some(cohort) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The hold whose cohort `cohort` is.
    pub fn hold_of_cohort(&self, cohort: u32) -> Result<Option<Hold>> {
        let Some(CohortKind::Hold { reference }) = self.cohort_info(cohort)?.map(|info| info.kind)
        else {
            return Ok(None);
        };
        let Some(id) = reference
            .strip_prefix("hold-")
            .and_then(|id| id.parse().ok())
        else {
            return Ok(None);
        };
        Ok(Some(self.stored_hold(id)?))
    }

    /// Places a hold on records or on a subject. The records move into the hold's cohort
    /// (unless another hold's cohort already keeps them) and are re-indexed under its key; a
    /// subject hold also catches records of that subject stored later. All or nothing: an
    /// unknown record id refuses the whole request. Logged with the records it holds.
    pub fn place_hold(
        &self,
        access: &Access,
        spec: &HoldSpec,
        target: HoldTarget<'_>,
        now: DateTime<Utc>,
    ) -> Result<PlacedHold> {
        access.validate()?;
        check_spec(spec, now)?;
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let id = meta_u32(&*self.store, META_HOLD_NEXT, "hold counter")?.unwrap_or(1);
        let next = id
            .checked_add(1)
            .ok_or_else(|| Error::Invalid("no hold id left".into()))?;
        let cohort = self.live_cohort(
            CohortKind::Hold {
                reference: cohort_reference(id),
            },
            "that hold's cohort was destroyed",
            now,
        )?;
        let mac = self
            .keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .index_mac(cohort.id, cohort.key_version)?;
        let (ids, subject) = match target {
            HoldTarget::Records(ids) => {
                for record in ids {
                    if self
                        .store
                        .get(Column::Records, record.as_bytes())?
                        .is_none()
                    {
                        return Err(Error::NotFound(record.to_string()));
                    }
                }
                let mut ids = ids.to_vec();
                ids.sort();
                ids.dedup();
                (ids, None)
            }
            HoldTarget::Subject(identifier) => {
                let key = SearchKey::Identifier(identifier.clone());
                let (kind, form) = key.kind_and_form();
                (
                    self.subject_records(&key, &[])?,
                    Some((
                        identifier.kind,
                        vec![(kind, token(&mac, &form))],
                        Vec::new(),
                    )),
                )
            }
            HoldTarget::Subjects {
                identifiers,
                systems,
            } => {
                let first = identifiers.first().ok_or_else(|| {
                    Error::Invalid("a subject hold names at least one identifier".into())
                })?;
                let mut ids = Vec::new();
                let mut tokens = Vec::new();
                for identifier in identifiers {
                    let key = SearchKey::Identifier(identifier.clone());
                    let (kind, form) = key.kind_and_form();
                    ids.extend(self.subject_records(&key, systems)?);
                    tokens.push((kind, token(&mac, &form)));
                }
                ids.sort();
                ids.dedup();
                (ids, Some((first.kind, tokens, systems.to_vec())))
            }
        };
        let hold = Hold {
            id,
            spec: spec.clone(),
            subject_kind: subject.as_ref().map(|(kind, _, _)| *kind),
            cohort: cohort.id,
            placed_by: access.principal.clone(),
            placed_at: now,
            released: None,
        };
        let mut batch = WriteBatch::new();
        self.put_hold(&hold, &mut batch)?;
        batch.put(Column::Meta, META_HOLD_NEXT, next.to_be_bytes());
        if let Some((_, tokens, systems)) = &subject {
            batch.put(
                Column::Meta,
                hold_subject_key(id),
                encode_subjects(tokens, systems),
            );
        }
        let moved = self.hold_into(&hold, &cohort, &mac, &ids, &mut batch)?;
        let mut draft = Draft::new(access, "hold.place", now.timestamp_millis());
        // A request's preservation names no record: what a request finds is shown to nobody
        // before the requester's identity is verified, the access log's readers included.
        let shown = spec.purpose.shows_what_it_keeps();
        if shown {
            draft.record_ids = ids.clone();
        }
        draft.cohorts = vec![cohort.id];
        let kept = if shown {
            format!("{} records, {moved} moved to its cohort", ids.len())
        } else {
            "placed".to_owned()
        };
        draft.outcome = format!(
            "hold {} `{}` ({}, {}{}): {kept}",
            hold.label(),
            spec.reference,
            spec.purpose.name(),
            spec.mode.name(),
            if subject.is_some() { ", subject" } else { "" },
        );
        self.commit_key_change(draft, batch)?;
        self.export_key_table()?;
        Ok(PlacedHold {
            hold,
            records: ids.len() as u64,
            moved,
        })
    }

    /// Every stored record of `systems` (every system if empty) with this subject identifier:
    /// through the live index periods of each system, and through every active hold's index
    /// (records whose period ended).
    fn subject_records(&self, key: &SearchKey, systems: &[String]) -> Result<Vec<RecordId>> {
        let wanted = |system: &SystemId| {
            systems.is_empty() || systems.iter().any(|named| named == system.as_str())
        };
        let mut ids = Vec::new();
        for (_, system) in self.systems()? {
            if wanted(&system) {
                let (hits, _) = self.index_hits(&*self.store, &system, key)?;
                ids.extend(hits);
            }
        }
        let active: Vec<u32> = self.active_holds()?.iter().map(|hold| hold.id).collect();
        ids.extend(
            self.held_hits(key, &active, false)?
                .into_iter()
                .map(|(id, _)| id),
        );
        ids.sort();
        ids.dedup();
        let mut stored = Vec::new();
        for id in ids {
            if self.store.get(Column::Records, id.as_bytes())?.is_some()
                && (systems.is_empty() || wanted(&self.partition_of(&id)?.0))
            {
                stored.push(id);
            }
        }
        Ok(stored)
    }

    /// Adds records to a hold in `batch`: membership, each record's data key re-wrapped under
    /// the hold's cohort unless another hold keeps it, and its index entries under the hold's
    /// key. Returns how many moved.
    fn hold_into(
        &self,
        hold: &Hold,
        cohort: &CohortInfo,
        mac: &MacKey,
        ids: &[RecordId],
        batch: &mut WriteBatch,
    ) -> Result<u64> {
        // Everything that takes the key ring's lock is read first: it is not taken twice.
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let value = self
                .store
                .get(Column::Records, id.as_bytes())?
                .ok_or_else(|| Error::NotFound(id.to_string()))?;
            let current = SealedRecord::parse(&value)?.cohort;
            let kept_by_hold = self.store.get(Column::Meta, &moved_key(id))?.is_some()
                && self.is_hold_cohort(current);
            let forms = index_forms(&self.open_record(id)?.contents);
            found.push((id, value, current, kept_by_hold, forms));
        }
        let (session, _) = self.reserve_ids(ids.len().max(1))?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let wrapper = keys.data_key_wrapper(cohort.id, cohort.key_version, session)?;
        let mut moved = 0;
        for (id, value, current, kept_by_hold, forms) in found {
            if !kept_by_hold {
                batch.put(
                    Column::Records,
                    id.as_bytes(),
                    rewrap(&keys, id, &value, cohort, &wrapper)?,
                );
                batch.put(Column::Meta, moved_key(id), cohort.id.to_be_bytes());
                moved += 1;
            }
            batch.put(
                Column::Meta,
                hold_member_key(hold.id, id),
                current.to_be_bytes(),
            );
            batch.put(Column::Meta, held_key(id, hold.id), []);
            for (kind, form) in forms {
                batch.put(
                    Column::Index,
                    hold_index_entry(hold.id, kind, &token(mac, &form), id),
                    [],
                );
            }
        }
        Ok(moved)
    }

    pub(crate) fn is_hold_cohort(&self, cohort: u32) -> bool {
        self.cohorts.read().is_ok_and(|cohorts| {
            cohorts
                .info
                .get(&cohort)
                .is_some_and(|info| matches!(info.kind, CohortKind::Hold { .. }))
        })
    }

    /// Releases a hold. A compliance hold is refused before its retain-until date. Each of its
    /// records moves to another hold that still holds it, or back to the cohort it came from
    /// if that lives; otherwise it stays in this hold's cohort, which the next retention run
    /// destroys once its life has ended. The hold's index entries go. Logged.
    pub fn release_hold(
        &self,
        access: &Access,
        id: u32,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ReleasedHold> {
        access.validate()?;
        if !is_one_line(reason) {
            return Err(Error::Invalid(
                "a release's reason must be 1 to 500 characters on one line".into(),
            ));
        }
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let mut hold = self.hold(id)?;
        if !hold.is_active() {
            return Err(Error::Conflict(format!("hold H-{id} is already released")));
        }
        if let (HoldMode::Compliance, Some(until)) = (hold.spec.mode, hold.spec.until) {
            if now < until {
                return Err(Error::Conflict(format!(
                    "hold H-{id} is a compliance hold retained until {}; nobody can release it earlier",
                    until.format("%Y-%m-%d")
                )));
            }
        }
        let live = |cohort: u32| -> Result<Option<CohortInfo>> {
            Ok(self.cohort_info(cohort)?.filter(CohortInfo::is_live))
        };
        let mut batch = WriteBatch::new();
        let mut released = ReleasedHold::default();
        // Where each record in this hold's cohort goes, decided before the key ring is locked.
        let mut moves = Vec::new();
        for (record, origin) in self.members(id)? {
            batch.delete(Column::Meta, held_key(&record, id));
            let Some(value) = self.store.get(Column::Records, record.as_bytes())? else {
                batch.delete(Column::Meta, hold_member_key(id, &record));
                continue;
            };
            if SealedRecord::parse(&value)?.cohort != hold.cohort {
                // Another hold's cohort keeps it.
                batch.delete(Column::Meta, hold_member_key(id, &record));
                continue;
            }
            let next_hold = self
                .holds_of(&record)?
                .into_iter()
                .find(|other| other.id != id);
            let (target, still_moved) = match &next_hold {
                Some(other) => {
                    // The next hold inherits where the record came from.
                    batch.put(
                        Column::Meta,
                        hold_member_key(other.id, &record),
                        origin.to_be_bytes(),
                    );
                    (live(other.cohort)?, true)
                }
                None => (live(origin)?, false),
            };
            let Some(target) = target else {
                released.awaiting_destruction += 1;
                continue;
            };
            moves.push((record, value, target, still_moved));
        }
        let (session, _) = self.reserve_ids(moves.len().max(1))?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let mut wrappers = std::collections::HashMap::new();
        for (record, value, target, still_moved) in moves {
            let wrapper = match wrappers.entry(target.id) {
                std::collections::hash_map::Entry::Occupied(entry) => {
                    std::sync::Arc::clone(entry.get())
                }
                std::collections::hash_map::Entry::Vacant(entry) => std::sync::Arc::clone(
                    entry.insert(keys.data_key_wrapper(target.id, target.key_version, session)?),
                ),
            };
            batch.put(
                Column::Records,
                record.as_bytes(),
                rewrap(&keys, &record, &value, &target, &wrapper)?,
            );
            batch.delete(Column::Meta, hold_member_key(id, &record));
            if still_moved || matches!(target.kind, CohortKind::Deferred { .. }) {
                batch.put(Column::Meta, moved_key(&record), target.id.to_be_bytes());
            } else {
                batch.delete(Column::Meta, moved_key(&record));
            }
            if still_moved {
                released.still_held += 1;
            } else {
                released.returned += 1;
            }
        }
        drop(keys);
        let prefix = hold_index_prefix(id);
        batch.delete_range(Column::Index, prefix.clone(), prefix_end(&prefix));
        batch.delete(Column::Meta, hold_subject_key(id));
        hold.released = Some(HoldRelease {
            by: access.principal.clone(),
            at: now,
            reason: reason.to_owned(),
        });
        self.put_hold(&hold, &mut batch)?;
        let mut draft = Draft::new(access, "hold.release", now.timestamp_millis());
        draft.cohorts = vec![hold.cohort];
        // A request's preservation counts nothing in the log: its counts move with what joined
        // it, and the request may have ended before its requester's identity was verified.
        let kept = if hold.spec.purpose.shows_what_it_keeps() {
            format!(
                "{} returned, {} still held, {} await destruction",
                released.returned, released.still_held, released.awaiting_destruction
            )
        } else {
            "its records returned to their schedules".to_owned()
        };
        draft.outcome = format!(
            "hold {} `{}` released: {kept}",
            hold.label(),
            hold.spec.reference
        );
        self.commit_key_change(draft, batch)?;
        self.export_key_table()?;
        Ok(released)
    }

    /// The records of `holds` indexed under `key` in their holds' indexes, with the hold that
    /// found each. Logged like a lookup, with the tokens probed.
    pub fn lookup_held(
        &self,
        access: &Access,
        key: &SearchKey,
        holds: &[u32],
        now: DateTime<Utc>,
    ) -> Result<Vec<(RecordId, u32)>> {
        self.lookup_held_kinds(access, key, holds, now, false)
    }

    /// Like [`Vault::lookup_held`], and also the held records whose free text holds `key` as
    /// the scanner found it: an analyst's search (`Vault::lookup_with_free_text`), never one for
    /// the people a record is about.
    pub fn lookup_held_with_free_text(
        &self,
        access: &Access,
        key: &SearchKey,
        holds: &[u32],
        now: DateTime<Utc>,
    ) -> Result<Vec<(RecordId, u32)>> {
        self.lookup_held_kinds(access, key, holds, now, true)
    }

    fn lookup_held_kinds(
        &self,
        access: &Access,
        key: &SearchKey,
        holds: &[u32],
        now: DateTime<Utc>,
        free_text: bool,
    ) -> Result<Vec<(RecordId, u32)>> {
        access.validate()?;
        let found = self.held_hits(key, holds, free_text)?;
        let mut draft = Draft::new(access, "lookup.held", now.timestamp_millis());
        draft.record_ids = found.iter().map(|(id, _)| *id).collect();
        draft.outcome = format!(
            "{} held records found in {} holds",
            found.len(),
            holds.len()
        );
        self.log.commit(draft, WriteBatch::new())?;
        Ok(found)
    }

    fn held_hits(
        &self,
        key: &SearchKey,
        holds: &[u32],
        free_text: bool,
    ) -> Result<Vec<(RecordId, u32)>> {
        let (subject_kind, form) = key.kind_and_form();
        let kinds: &[u8] = if free_text {
            &[subject_kind, subject_kind | crate::index::FREE_TEXT_FLAG]
        } else {
            &[subject_kind]
        };
        let mut found = Vec::new();
        for hold_id in holds {
            let hold = self.stored_hold(*hold_id)?;
            let Some(mac) = self.hold_index_mac(&hold)? else {
                continue;
            };
            for kind in kinds {
                let prefix = hold_token_prefix(hold.id, *kind, &token(&mac, &form));
                for (entry, _) in self.store.scan(
                    Column::Index,
                    &prefix,
                    Some(&prefix_end(&prefix)),
                    usize::MAX,
                )? {
                    if let Some(id) = entry
                        .get(prefix.len()..)
                        .and_then(|rest| <[u8; 16]>::try_from(rest).ok())
                    {
                        found.push((RecordId::from_bytes(id), hold.id));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// The active subject holds, with their keys, for ingest to match new records against.
    pub(crate) fn subject_holds(&self) -> Result<Vec<SubjectHold>> {
        let mut out = Vec::new();
        for (key, value) in self.store.scan(
            Column::Meta,
            META_HOLD_SUBJECT,
            Some(&prefix_end(META_HOLD_SUBJECT)),
            usize::MAX,
        )? {
            let id_bytes: [u8; 4] = key[META_HOLD_SUBJECT.len()..]
                .try_into()
                .map_err(|_| Error::corrupt("subject hold", "bad hold id"))?;
            let hold = self.stored_hold(u32::from_be_bytes(id_bytes))?;
            let (tokens, systems) = decode_subjects(&value)?;
            let cohort = self
                .cohort_info(hold.cohort)?
                .ok_or_else(|| Error::corrupt("subject hold", "unknown cohort"))?;
            let mac = self
                .keys
                .read()
                .map_err(|_| poisoned("key ring"))?
                .index_mac(cohort.id, cohort.key_version)?;
            out.push(SubjectHold {
                hold: hold.id,
                cohort,
                mac,
                tokens,
                systems,
            });
        }
        Ok(out)
    }

    /// In an ingest batch: the entries that put a new record, sealed under `hold`'s cohort,
    /// into that hold (membership, its moved mark, its hold index entries).
    pub(crate) fn join_subject_hold(
        hold: &SubjectHold,
        id: &RecordId,
        origin: u32,
        forms: &[(u8, String)],
        batch: &mut WriteBatch,
    ) {
        batch.put(
            Column::Meta,
            hold_member_key(hold.hold, id),
            origin.to_be_bytes(),
        );
        batch.put(Column::Meta, held_key(id, hold.hold), []);
        batch.put(Column::Meta, moved_key(id), hold.cohort.id.to_be_bytes());
        for (kind, form) in forms {
            batch.put(
                Column::Index,
                hold_index_entry(hold.hold, *kind, &token(&hold.mac, form), id),
                [],
            );
        }
    }

    /// Deletes, in `batch`, a released hold cohort's records and their marks (its purge).
    pub(crate) fn purge_hold_members(&self, cohort: u32, batch: &mut WriteBatch) -> Result<()> {
        let Some(hold) = self.hold_of_cohort(cohort)? else {
            return Ok(());
        };
        for (id, _) in self.members(hold.id)? {
            if self.moved_to(&id)? == Some(cohort) {
                batch.delete(Column::Records, id.as_bytes());
                let (start, end) = annotations_of_record(&id);
                batch.delete_range(Column::Annotations, start, end);
                batch.delete(Column::Meta, moved_key(&id));
                batch.delete(Column::Meta, manual_access_key(&id));
            }
            batch.delete(Column::Meta, hold_member_key(hold.id, &id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! The kernel's transaction: one change to the vault (records it reads, values it seals and
//! signs, index entries it writes) committed with its access-log entry in one atomic, synced
//! batch. The Privacy Act domain (`privacy`) writes through it and nothing else, so no domain
//! module repeats sealing, signing or the log's commit, and none can store anything without
//! the entry that accounts for it.
//!
//! Also here, the kernel's services to the domain that a change uses: the accounting years'
//! keys ([`LedgerYear`]: what is sealed and indexed under them dies with the year), and signed
//! metadata (accounts, documents), checked against the vault's signing key when read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLockReadGuard;

use chrono::{DateTime, Utc};
use model::{Identifier, Record, RecordId};

use crate::attachments::Attachment;
use crate::cohort::CohortKind;
use crate::crypto::{AeadKey, Envelope, KeyMaterial};
use crate::error::{Error, Result};
use crate::index::{subject_forms, token, QueryToken, SearchKey};
use crate::keyspace::{
    account_key, accounting_by_record, accounting_entry_key, accounts, document_key, documents_of,
    is_accounting_index, is_notice_mark, is_sealed_in_year, CounterKey, EntryNumber,
};
use crate::log::{Access, Draft};
use crate::store::{Column, WriteBatch};
use crate::vault::{poisoned, Vault};

/// Numbers the changes of the process, so a handle of one ([`Opened`]) is refused by another.
static NEXT_CHANGE: AtomicU64 = AtomicU64::new(1);

/// A change in the making: commit it with [`Change::commit`]; dropped, it stores nothing, and
/// if it read anything (opened a record, opened a value, probed, made a token) its entry is
/// still written, saying it was not completed, so no read leaves a change unlogged.
#[must_use = "a change stores nothing until it is committed"]
pub struct Change<'v> {
    vault: &'v Vault,
    /// This change's number among the process's ([`NEXT_CHANGE`]).
    number: u64,
    /// Whether it read something its entry must account for even if it is never committed.
    read: bool,
    /// Whether it was committed (or its commit was tried): its drop then logs nothing more.
    finished: bool,
    batch: WriteBatch,
    draft: Draft,
    /// Taken at the first seal and held to the commit: no key changes (a year's destruction)
    /// between sealing under a year's key and storing what was sealed.
    writing: Option<RwLockReadGuard<'v, ()>>,
    /// Taken at the first attachment and held to the commit (`attachments`).
    attaching: Option<std::sync::MutexGuard<'static, ()>>,
    /// The records given attachments in this change, one entry per attachment.
    attached: Vec<RecordId>,
    /// The records opened under this change ([`Change::open_record`]): the caller gets them
    /// from [`Change::commit_releasing`], once the entry that logs the read is durable.
    opened: Vec<Record>,
    /// The change takes a number the next change reads (an attachment's sequence, a counter):
    /// its commit waits for the real outcome, so a commit in doubt never lets the next change
    /// take the same number and overwrite what this one stored.
    numbers: bool,
}

impl std::fmt::Debug for Change<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Change")
            .field("action", &self.draft.action)
            .field("writes", &self.batch.len())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Begins a change by `access`, logged as `action` at `now`. Refuses an access that does not
    /// validate, so no change starts without a principal and a purpose the log can name.
    pub fn change(&self, access: &Access, action: &str, now: DateTime<Utc>) -> Result<Change<'_>> {
        access.validate()?;
        Ok(Change {
            vault: self,
            number: NEXT_CHANGE.fetch_add(1, Ordering::Relaxed),
            read: false,
            finished: false,
            batch: WriteBatch::new(),
            draft: Draft::new(access, action, now.timestamp_millis()),
            writing: None,
            attaching: None,
            attached: Vec::new(),
            opened: Vec::new(),
            numbers: false,
        })
    }
}

impl<'v> Change<'v> {
    /// The vault it changes.
    pub fn vault(&self) -> &'v Vault {
        self.vault
    }

    /// Who makes it (the log's principal).
    pub fn principal(&self) -> &str {
        &self.draft.access.principal
    }

    /// When (Unix ms).
    pub fn time_ms(&self) -> i64 {
        self.draft.time_ms
    }

    /// Sets what the log entry says of the outcome (no personal data: the log is read by
    /// auditors).
    pub fn set_outcome(&mut self, outcome: String) {
        self.draft.outcome = outcome;
    }

    /// Appends to the outcome.
    pub fn extend_outcome(&mut self, more: &str) {
        self.draft.outcome.push_str(more);
    }

    /// Names the system the change concerns in the log entry.
    pub fn set_system(&mut self, system: &str) {
        system.clone_into(&mut self.draft.system);
    }

    /// Names records in the log entry (a record read, annotated or disclosed).
    pub fn name_records(&mut self, ids: impl IntoIterator<Item = RecordId>) {
        self.draft.record_ids.extend(ids);
    }

    /// Names record `id` in the log entry unless it is named already.
    pub(crate) fn name_record_once(&mut self, id: &RecordId) {
        if !self.draft.record_ids.contains(id) {
            self.draft.record_ids.push(*id);
        }
    }

    /// Holds off key changes (a cohort's or a year's destruction) until the commit, so nothing
    /// is sealed under a key that goes before what was sealed is stored. Taken before the
    /// attachment numbering (lock order: `lifecycle`, then the numbering).
    fn hold_key_changes(&mut self) -> Result<()> {
        if self.writing.is_none() {
            let guard = self
                .vault
                .lifecycle
                .read()
                .map_err(|_| poisoned("lifecycle"))?;
            self.writing = Some(guard);
        }
        Ok(())
    }

    pub(crate) fn hold_attachment_numbering(&mut self) -> Result<()> {
        self.hold_key_changes()?;
        if self.attaching.is_none() {
            self.attaching = Some(crate::attachments::lock_numbering()?);
        }
        self.numbers = true;
        Ok(())
    }

    /// How many attachments this change gave record `id` so far.
    pub(crate) fn attached_to(&self, id: &RecordId) -> u32 {
        self.attached
            .iter()
            .filter(|attached| *attached == id)
            .count() as u32
    }

    pub(crate) fn note_attached(&mut self, id: RecordId) {
        self.attached.push(id);
    }

    /// Names the index tokens probed in the log entry (never the identifier they stand for).
    pub fn name_probes(&mut self, probes: impl IntoIterator<Item = QueryToken>) {
        self.draft.tokens.extend(probes);
    }

    /// Names a cohort whose keys the change used.
    pub fn name_cohort(&mut self, cohort: u32) {
        self.draft.cohorts.push(cohort);
    }

    /// Stores `value` under `key` as it is: for the kernel's own modules, which know their
    /// columns (the domain writes through the typed methods below).
    pub(crate) fn put(&mut self, column: Column, key: Vec<u8>, value: impl AsRef<[u8]>) {
        self.batch.put(column, key, value);
    }

    /// Writes an index entry of the accounting column (by subject, by record, or a case file's
    /// by identifier: a key the keyspace built, with an empty value). Refuses any other key, and
    /// a key of a year whose keys were destroyed (it would outlive its year's purge).
    pub fn put_index_entry(&mut self, key: Vec<u8>) -> Result<()> {
        if !is_accounting_index(&key) {
            return Err(Error::Invalid("not an accounting index key".into()));
        }
        self.hold_live_year(&key)?;
        self.batch.put(Column::Accounting, key, []);
        Ok(())
    }

    /// Marks a notice (`notice_sent_key`: the time it was sent, Unix ms; `notice_public_key`:
    /// the two dates `YYYY-MM-DDYYYY-MM-DD`). Refuses any other key or value, and a mark of a
    /// year whose keys were destroyed.
    pub fn put_notice_mark(&mut self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        if !is_notice_mark(&key) || !matches!(value.len(), 8 | 20) {
            return Err(Error::Invalid("not a notice's mark".into()));
        }
        self.hold_live_year(&key)?;
        self.batch.put(Column::Accounting, key, value);
        Ok(())
    }

    /// Holds off key changes to the commit and checks that the year `key` belongs to lives, so
    /// what is stored under it goes with the year's purge rather than outliving it.
    fn hold_live_year(&mut self, key: &[u8]) -> Result<()> {
        self.hold_key_changes()?;
        let year = crate::keyspace::accounting_year(key)
            .ok_or_else(|| Error::Invalid("not a key of an accounting year".into()))?;
        if self.vault.existing_ledger_year(year)?.is_none() {
            return Err(Error::Invalid(format!(
                "the accounting year {year} has no live keys (never made, or destroyed)"
            )));
        }
        Ok(())
    }

    /// Sets counter `key` to `next`.
    pub fn set_counter(&mut self, key: &CounterKey, next: u32) {
        self.numbers = true;
        self.batch
            .put(Column::Meta, key.as_bytes(), next.to_be_bytes());
    }

    /// Stores `body` as `item`, signed with the vault's signing key over the item's context,
    /// its key and the body: read back with [`Vault::signed_item`], which refuses it if
    /// anything was altered on disk.
    pub fn put_signed(&mut self, item: &SignedItem<'_>, body: &[u8]) -> Result<()> {
        let key = item.key();
        let signature = self
            .vault
            .log_signing_key()?
            .sign(&[item.context(), &key, body].concat());
        self.batch
            .put(Column::Meta, key, [body, &signature].concat());
        Ok(())
    }

    /// Deletes every document of `kind` (a set replaced whole in this change). Refuses a kind
    /// that is empty or holds `/`, which would reach into another kind's documents.
    pub fn clear_documents(&mut self, kind: &str) -> Result<()> {
        if kind.is_empty() || kind.contains('/') {
            return Err(Error::Invalid("not a document kind".into()));
        }
        let (start, end) = SignedKind::Documents(kind).range();
        self.batch.delete_range(Column::Meta, start, end);
        Ok(())
    }

    /// Probes every live accounting year's index key for `search` and names the tokens in the
    /// log entry (never the identifier): its index kind and the token of each year.
    pub fn probe(&mut self, search: &SearchKey) -> Result<(u8, Vec<QueryToken>)> {
        let (kind, form) = search.kind_and_form();
        let probes = self.vault.year_probes(&form)?;
        self.read = true;
        self.draft.tokens.extend(probes.iter().copied());
        Ok((kind, probes))
    }

    /// Opens a value [`Change::seal_in_year`] stored under `key`, as part of this change (its
    /// entry is what logs the read: commit it).
    pub fn open_in_year(
        &mut self,
        key: &[u8],
        value: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.read = true;
        self.vault.open_in_year(key, value)
    }

    /// Opens record `id` under the change, which names it in its log entry. The domain uses it
    /// through the change (its id, system, source system, a year's tokens of it) and gets its
    /// contents only from [`Change::commit_releasing`], once that entry is durable: no record
    /// leaves a change that was not committed.
    /// A record opened twice is named once: an entry names the records a change touched.
    pub fn open_record(&mut self, id: &RecordId) -> Result<Opened> {
        let record = self.vault.open_record(id)?;
        self.read = true;
        self.name_record_once(id);
        self.opened.push(record);
        Ok(Opened {
            change: self.number,
            index: self.opened.len() - 1,
        })
    }

    fn opened(&self, record: Opened) -> Result<&Record> {
        self.opened
            .get(record.index)
            .filter(|_| record.change == self.number)
            .ok_or_else(|| Error::Invalid("a record opened under another change".into()))
    }

    /// The id of a record opened under the change.
    pub fn record_id(&self, record: Opened) -> Result<RecordId> {
        Ok(self.opened(record)?.id)
    }

    /// The system of records a record opened under the change belongs to.
    pub fn record_system(&self, record: Opened) -> Result<&str> {
        Ok(self.opened(record)?.contents.system.as_str())
    }

    /// The source system a record opened under the change names (`model::SOURCE_SYSTEM`), if
    /// any: a code of the agency's, not personal data.
    pub fn record_source_system(&self, record: Opened) -> Result<Option<&str>> {
        Ok(self.opened(record)?.contents.source_system())
    }

    /// The index kind of `identifier` and its token under `year`'s index key: what an index
    /// entry this change writes for something about the identifier is keyed by. Only within a
    /// change: a search computes its tokens with [`Change::probe`], which names them in the
    /// entry, so no token of a typed identifier reaches the domain without an access to log.
    pub fn year_token(
        &mut self,
        year: &LedgerYear,
        identifier: &Identifier,
    ) -> Result<(u8, [u8; 16])> {
        let (kind, form) = SearchKey::Identifier(identifier.clone()).kind_and_form();
        let token = self.vault.token_in_year(year, &form)?;
        self.read = true;
        self.draft.tokens.push((year.year, token));
        Ok((kind, token))
    }

    /// The tokens, under `year`'s index key, of the people a record opened under the change is
    /// about (its subjects' names and identifiers, and its version key), by index kind: what
    /// something indexed in that year by the record's subjects is keyed by.
    pub fn year_tokens_of(&self, year: &LedgerYear, record: Opened) -> Result<Vec<(u8, [u8; 16])>> {
        self.vault.year_tokens_of(year, self.opened(record)?)
    }

    /// Seals `plain` under accounting year `year` and stores it under `key` (column
    /// `accounting`): a fresh data key, wrapped by the year's key for this writer session, so
    /// the year's destruction makes it unreadable. [`Change::open_in_year`] opens it.
    pub fn seal_in_year(&mut self, year: &LedgerYear, key: Vec<u8>, plain: &[u8]) -> Result<()> {
        if !is_sealed_in_year(&key) || crate::keyspace::accounting_year(&key) != Some(year.year) {
            return Err(Error::Invalid(
                "not a key sealed in this accounting year".into(),
            ));
        }
        self.hold_key_changes()?;
        // One sequence number per seal, so a session's segment key seals no more than its limit.
        let (session, _) = self.vault.reserve_ids(1)?;
        let value = {
            let keys = self.vault.keys.read().map_err(|_| poisoned("key ring"))?;
            let data_key = KeyMaterial::generate()?;
            let wrapper = keys.data_key_wrapper(year.cohort, year.key_version, session)?;
            let wrapped = wrapper.wrap_key(&ledger_key_aad(&key), &data_key)?;
            let sealed = AeadKey::direct(&data_key).seal(&ledger_aad(&key), plain)?;
            let mut value = Vec::with_capacity(13 + wrapped.len() + sealed.len());
            value.push(LEDGER_ITEM_VERSION);
            value.extend_from_slice(&year.cohort.to_be_bytes());
            value.extend_from_slice(&year.key_version.to_be_bytes());
            value.extend_from_slice(&(wrapped.len() as u32).to_be_bytes());
            value.extend_from_slice(&wrapped);
            value.extend_from_slice(&sealed);
            value
        };
        self.batch.put(Column::Accounting, key, value);
        Ok(())
    }

    /// Commits the change: its writes and its log entry in one atomic, synced batch. Returns
    /// the entry's sequence number; on failure nothing of the change is stored.
    pub fn commit(self) -> Result<u64> {
        self.finish().map(|(sequence, _)| sequence)
    }

    fn finish(mut self) -> Result<(u64, Vec<Record>)> {
        self.finished = true;
        let draft = self.draft.clone();
        let batch = std::mem::take(&mut self.batch);
        let sequence = if self.numbers {
            self.vault.commit_key_change(draft, batch)?
        } else {
            self.vault.log.commit(draft, batch)?
        };
        Ok((sequence, std::mem::take(&mut self.opened)))
    }

    /// Commits the change like [`Change::commit`], then returns the records it opened, in the
    /// order opened, each with its attachments (opened once the commit is durable, so what is
    /// returned includes what this change attached).
    pub fn commit_releasing(self) -> Result<(u64, Vec<Released>)> {
        let vault = self.vault;
        let (sequence, opened) = self.finish()?;
        let released = opened
            .into_iter()
            .map(|record| {
                let attachments = vault.attachments_of(&record.id)?;
                Ok((record, attachments))
            })
            .collect::<Result<_>>()?;
        Ok((sequence, released))
    }
}

impl Drop for Change<'_> {
    /// A change dropped after it read something still writes its entry (none of its writes,
    /// its outcome replaced), so what it read is accounted for. A drop cannot return an error:
    /// if the log cannot take this entry, the read goes unlogged, which is why the domain
    /// returns what it read only from a committed change and commits on every such path.
    fn drop(&mut self) {
        if self.finished || !self.read || std::thread::panicking() {
            return;
        }
        // It writes nothing but its entry: the locks held for its writes go first, so a
        // stalled log does not hold key changes or the attachment numbering while it waits.
        self.attaching.take();
        self.writing.take();
        let mut draft = self.draft.clone();
        draft.decision = crate::Decision::Deny;
        draft.outcome = "not completed: nothing stored".into();
        let _ = self.vault.log.commit(draft, WriteBatch::new());
    }
}

/// A record a committed change opened, with its attachments.
pub type Released = (Record, Vec<Attachment>);

/// A record opened under a [`Change`]: a handle the change's methods take (refused by any other
/// change), never the record's contents, which the caller gets from
/// [`Change::commit_releasing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    change: u64,
    index: usize,
}

/// An item of signed metadata the domain keeps: its key and signature context are the
/// kernel's, so no caller can sign another kind of state (a hold, a certificate) with the
/// vault's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedItem<'a> {
    /// An account, by name.
    Account(&'a str),
    /// A configuration document, by kind and name.
    Document {
        /// Its kind (`sorn`, `designated-authorities`...).
        kind: &'a str,
        /// Its name.
        name: &'a str,
    },
}

/// Every item of one kind of signed metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedKind<'a> {
    /// Every account.
    Accounts,
    /// Every document of a kind.
    Documents(&'a str),
}

const ACCOUNT_CONTEXT: &[u8] = b"recvault-account v1\0";
const DOCUMENT_CONTEXT: &[u8] = b"recvault-document v1\0";

impl SignedItem<'_> {
    fn key(&self) -> Vec<u8> {
        match self {
            SignedItem::Account(name) => account_key(name),
            SignedItem::Document { kind, name } => document_key(kind, name),
        }
    }

    fn context(&self) -> &'static [u8] {
        match self {
            SignedItem::Account(_) => ACCOUNT_CONTEXT,
            SignedItem::Document { .. } => DOCUMENT_CONTEXT,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            SignedItem::Account(_) => "account",
            SignedItem::Document { .. } => "document",
        }
    }
}

impl SignedKind<'_> {
    fn range(&self) -> (Vec<u8>, Vec<u8>) {
        match self {
            SignedKind::Accounts => accounts(),
            SignedKind::Documents(kind) => documents_of(kind),
        }
    }

    fn context(&self) -> &'static [u8] {
        match self {
            SignedKind::Accounts => ACCOUNT_CONTEXT,
            SignedKind::Documents(_) => DOCUMENT_CONTEXT,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            SignedKind::Accounts => "account",
            SignedKind::Documents(_) => "document",
        }
    }
}

/// The layout of a value sealed in an accounting year: version `u8` | the year's cohort `u32` |
/// its key version `u32` | the wrapped data key's length `u32` | the wrapped data key | the
/// sealed contents.
const LEDGER_ITEM_VERSION: u8 = 1;

fn ledger_aad(key: &[u8]) -> Vec<u8> {
    [b"recvault-accounting v1\0".as_slice(), key].concat()
}

fn ledger_key_aad(key: &[u8]) -> Vec<u8> {
    [ledger_aad(key), b"key".to_vec()].concat()
}

/// The live keys of one accounting year: what is sealed or indexed under them may be destroyed
/// from that year, and is, with them (its cohort's destruction, [`Vault::destroy_cohort`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerYear {
    /// The year.
    pub year: u16,
    /// Its cohort.
    pub cohort: u32,
    key_version: u32,
}

impl LedgerYear {
    /// The keys of accounting year `year`, which cohort `info` holds.
    fn of(year: u16, info: &crate::cohort::CohortInfo) -> Self {
        LedgerYear {
            year,
            cohort: info.id,
            key_version: info.key_version,
        }
    }
}

impl Vault {
    /// The keys of accounting year `year`, made on first use. Refused with `ended` once the
    /// year was destroyed: what would be sealed in it has outlived it. Safe at any point of a
    /// change (it takes the cohort registry and the key ring, which come after `lifecycle` in
    /// the lock order); what a change holding off key changes must never call is a `Vault`
    /// method that takes `lifecycle` itself (ingest, a backup), which would wait on it.
    pub fn ledger_year(&self, year: u16, ended: &str, now: DateTime<Utc>) -> Result<LedgerYear> {
        let info = self.live_cohort(CohortKind::Accounting { year }, ended, now)?;
        Ok(LedgerYear::of(year, &info))
    }

    /// The accounting year `year`'s keys, if they exist and live (none are made).
    pub fn existing_ledger_year(&self, year: u16) -> Result<Option<LedgerYear>> {
        Ok(self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .find(&CohortKind::Accounting { year })
            .filter(|info| info.is_live())
            .map(|info| LedgerYear::of(year, info)))
    }

    /// Every accounting year whose keys live, by year.
    pub fn live_ledger_years(&self) -> Result<Vec<LedgerYear>> {
        let mut years: Vec<LedgerYear> = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .info
            .values()
            .filter(|info| info.is_live())
            .filter_map(|info| match info.kind {
                CohortKind::Accounting { year } => Some(LedgerYear::of(year, info)),
                _ => None,
            })
            .collect();
        years.sort_by_key(|year| year.year);
        Ok(years)
    }

    /// Every accounting year the vault has had, live or destroyed.
    pub fn ledger_years(&self) -> Result<Vec<u16>> {
        Ok(self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .by_accounting
            .keys()
            .copied()
            .collect())
    }

    fn token_in_year(&self, year: &LedgerYear, form: &str) -> Result<[u8; 16]> {
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        Ok(token(
            &*keys.index_mac(year.cohort, year.key_version)?,
            form,
        ))
    }

    /// The tokens, under `year`'s index key, of the people record `record` is about (the
    /// domain reaches it through [`Change::year_tokens_of`]).
    pub(crate) fn year_tokens_of(
        &self,
        year: &LedgerYear,
        record: &Record,
    ) -> Result<Vec<(u8, [u8; 16])>> {
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let mac = keys.index_mac(year.cohort, year.key_version)?;
        Ok(subject_forms(&record.contents)
            .into_iter()
            .map(|(kind, form)| (kind, token(&mac, &form)))
            .collect())
    }

    /// For every accounting year whose keys live, the token `form` has under that year's index
    /// key: what a search of the accounting (or of case files) probes.
    pub(crate) fn year_probes(&self, form: &str) -> Result<Vec<QueryToken>> {
        self.live_ledger_years()?
            .iter()
            .map(|year| Ok((year.year, self.token_in_year(year, form)?)))
            .collect()
    }

    /// Opens a value [`Change::seal_in_year`] stored under `key` (the domain opens through
    /// [`Change::open_in_year`], whose entry logs the read).
    pub(crate) fn open_in_year(
        &self,
        key: &[u8],
        value: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let mut outer = crate::codec::Reader::new(value, "accounting entry");
        if outer.u8()? != LEDGER_ITEM_VERSION {
            return Err(Error::UnsupportedVersion {
                what: "accounting entry",
                version: LEDGER_ITEM_VERSION,
            });
        }
        let cohort = outer.u32()?;
        let version = outer.u32()?;
        let wrapped_len = outer.u32()? as usize;
        let wrapped = outer.take(wrapped_len)?;
        let sealed = outer.rest();
        let envelope = Envelope::parse(wrapped)?;
        let segment = envelope.segment.ok_or(Error::DecryptionFailed)?;
        let data_key = self
            .keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .data_key_wrapper(cohort, version, segment)?
            .unwrap_key(&ledger_key_aad(key), &envelope)?;
        AeadKey::direct(&data_key).open(&ledger_aad(key), &Envelope::parse(sealed)?)
    }

    /// The value stored under accounting key `key`, as stored (sealed values open with
    /// [`Change::open_in_year`]).
    pub fn accounting_value(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.store.get(Column::Accounting, key)
    }

    /// The keys and values the accounting column holds from `start` up to `end` (excluded).
    pub fn accounting_range(
        &self,
        (start, end): (&[u8], &[u8]),
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.store
            .scan(Column::Accounting, start, Some(end), usize::MAX)
    }

    /// The stored (key, sealed value) pairs of record `id`'s accounting entries in every
    /// accounting year whose keys live (a year destroyed was purged, index and all): what a
    /// transfer package copies and what notices to prior recipients are made from. Open each
    /// with [`Change::open_in_year`].
    pub fn accounting_items_of_record(&self, id: &RecordId) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut entries = Vec::new();
        for year in self.ledger_years()? {
            let (start, end) = accounting_by_record(year, id);
            for (key, _) in self.accounting_range((&start, &end))? {
                let number = EntryNumber::at_end_of(&key)
                    .ok_or_else(|| Error::corrupt("accounting index", "bad key"))?;
                let entry_key = accounting_entry_key(year, number);
                if let Some(value) = self.accounting_value(&entry_key)? {
                    entries.push((entry_key, value));
                }
            }
        }
        Ok(entries)
    }

    /// How many keys the accounting column holds from `start` up to `end` (excluded).
    pub fn accounting_count(&self, (start, end): (&[u8], &[u8])) -> Result<u64> {
        self.store.count(Column::Accounting, start, Some(end))
    }

    /// The value of counter `key`, if it was ever set.
    pub fn counter(&self, key: &CounterKey) -> Result<Option<u32>> {
        crate::vault::meta_u32(&*self.store, key.as_bytes(), "counter")
    }

    /// Takes `n` numbers for accounting entries or notices, unique in the vault.
    pub fn entry_numbers(&self, n: usize) -> Result<impl Iterator<Item = EntryNumber>> {
        let (session, first) = self.reserve_ids(n)?;
        Ok((0..n as u64).map(move |offset| EntryNumber {
            session,
            seq: (first + offset) as u32,
        }))
    }

    /// The body stored as `item` by [`Change::put_signed`], its signature checked: an item
    /// altered on disk, or copied under another key, is refused as corruption, never trusted.
    pub fn signed_item(&self, item: &SignedItem<'_>) -> Result<Option<Vec<u8>>> {
        let public_key = self.log_signing_key()?.public_key();
        let key = item.key();
        self.store
            .get(Column::Meta, &key)?
            .map(|value| {
                crate::codec::verified_signed(
                    &public_key,
                    item.context(),
                    &key,
                    &value,
                    item.what(),
                )
                .map(|(body, _)| body.to_vec())
            })
            .transpose()
    }

    /// Every item of `kind`, by name (its key after the kind's prefix), with its body, each
    /// checked like [`Vault::signed_item`].
    pub fn signed_items(&self, kind: &SignedKind<'_>) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let public_key = self.log_signing_key()?.public_key();
        let (start, end) = kind.range();
        self.store
            .scan(Column::Meta, &start, Some(&end), usize::MAX)?
            .into_iter()
            .map(|(key, value)| {
                let (body, _) = crate::codec::verified_signed(
                    &public_key,
                    kind.context(),
                    &key,
                    &value,
                    kind.what(),
                )?;
                let body = body.to_vec();
                Ok((key[start.len()..].to_vec(), body))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

//! Case files, sealed: Privacy Act requests (`PA-<year>-<number>`) and high-risk designations
//! (`HR-<year>-<number>`, PNR seed 001 paragraph 5). A file is opaque bytes to the vault (its
//! caller encodes the requester or subject, the identifiers, the systems and the history),
//! sealed with a fresh data key under the accounting cohort of the year the file may be
//! destroyed from, so the accounting's expiry destroys it with the same proof. The identifiers
//! of the person it is about are blind-indexed under that cohort's index key, so a later
//! request or read finds the earlier files without any identifier on disk. Every read and
//! change is logged with the file's id only.

use chrono::{DateTime, Datelike, Utc};

use crate::cohort::CohortKind;
use crate::error::{Error, Result};
use crate::index::{token, SearchKey};
use crate::keyspace::{
    case_by_identifier, case_by_identifier_key, case_counter_key, case_file_id, case_file_key,
    case_files, META_CASE_NEXT, META_DESIGNATION_NEXT,
};
use crate::log::{Access, Draft};
use crate::store::{Column, WriteBatch};
use crate::vault::{meta_u32, poisoned, Vault};
use model::Identifier;

/// Years a case file is kept after the year it was opened (ours: GRS 4.2 item 020 keeps
/// Privacy Act request files 3 years after final action; the 2-year limit on suits under
/// 552a(g)(5) and appeals come on top).
pub const CASE_KEEP_YEARS: u16 = 7;

/// The kinds of case file, by the prefix of their ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A Privacy Act or FOIA request (`PA-`).
    Request,
    /// A designation of a subject as high risk by CBP (`HR-`).
    Designation,
}

impl FileKind {
    fn prefix(self) -> &'static str {
        match self {
            FileKind::Request => "PA",
            FileKind::Designation => "HR",
        }
    }

    /// How the log names a file of this kind.
    fn noun(self) -> &'static str {
        match self {
            FileKind::Request => "request",
            FileKind::Designation => "designation",
        }
    }

    fn counter(self) -> &'static [u8] {
        match self {
            FileKind::Request => META_CASE_NEXT,
            FileKind::Designation => META_DESIGNATION_NEXT,
        }
    }

    /// The kind of the file `id`, by its prefix.
    fn of(id: &str) -> Option<FileKind> {
        [FileKind::Request, FileKind::Designation]
            .into_iter()
            .find(|kind| id.split('-').next() == Some(kind.prefix()))
    }
}

/// The year a case opened in `opened` may be destroyed from.
fn keep_year(opened: u16) -> u16 {
    opened.saturating_add(CASE_KEEP_YEARS)
}

/// The opening year of case `id` (`PA-2026-000001`, `HR-2026-000001`).
fn opened_year(id: &str) -> Result<u16> {
    let invalid =
        || Error::Invalid("a file id is `PA-<year>-<number>` or `HR-<year>-<number>`".into());
    let mut parts = id.split('-');
    let (Some("PA" | "HR"), Some(year), Some(number), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if number.len() != 6 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    year.parse().map_err(|_| invalid())
}

fn case_key(id: &str) -> Result<Vec<u8>> {
    let year = keep_year(opened_year(id)?);
    Ok(case_file_key(year, id))
}

impl Vault {
    /// Opens a case: a new id (`PA-<year>-<number>`), the file sealed, the requester's
    /// identifiers indexed. Logged with the id.
    pub fn open_case(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String> {
        self.open_file(FileKind::Request, access, plain, identifiers, now)
    }

    /// Opens a designation file (`HR-<year>-<number>`), sealed and indexed by the subject's
    /// identifiers like a case. Logged with the id.
    pub fn open_designation(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String> {
        self.open_file(FileKind::Designation, access, plain, identifiers, now)
    }

    fn open_file(
        &self,
        kind: FileKind,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String> {
        access.validate()?;
        let opened =
            u16::try_from(now.year()).map_err(|_| Error::Invalid("year out of range".into()))?;
        let _numbering = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let counter = case_counter_key(kind.counter(), opened);
        let number = meta_u32(&*self.store, &counter, "case counter")?.unwrap_or(1);
        if number > 999_999 {
            return Err(Error::Invalid(format!(
                "no {} number left this year",
                kind.noun()
            )));
        }
        let id = format!("{}-{opened}-{number:06}", kind.prefix());
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, counter, (number + 1).to_be_bytes());
        // Held to the commit, so two files never take one number.
        let action = match kind {
            FileKind::Request => "case.open",
            FileKind::Designation => "designation.open",
        };
        self.seal_case(access, &id, plain, identifiers, action, batch, now)?;
        Ok(id)
    }

    /// Replaces case `id`'s file (its history grows in the caller's encoding); `what` names
    /// the change for the log (`event received`...).
    pub fn update_case(
        &self,
        access: &Access,
        id: &str,
        plain: &[u8],
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        if self
            .store
            .get(Column::Accounting, &case_key(id)?)?
            .is_none()
        {
            return Err(Error::Invalid("there is no such file".into()));
        }
        self.seal_case(access, id, plain, &[], what, WriteBatch::new(), now)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "each is one part of the sealed write"
    )]
    fn seal_case(
        &self,
        access: &Access,
        id: &str,
        plain: &[u8],
        identifiers: &[Identifier],
        action: &str,
        mut batch: WriteBatch,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = case_key(id)?;
        let year = keep_year(opened_year(id)?);
        let cohort = self.live_cohort(
            CohortKind::Accounting { year },
            "the request file's year was destroyed",
            now,
        )?;
        let (session, _) = self.reserve_ids(1)?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let value =
            crate::accounting::seal_in(&keys, cohort.id, cohort.key_version, session, &key, plain)?;
        batch.put(Column::Accounting, key, value);
        if !identifiers.is_empty() {
            let mac = keys.index_mac(cohort.id, cohort.key_version)?;
            for identifier in identifiers {
                let (kind, form) = SearchKey::Identifier(identifier.clone()).kind_and_form();
                batch.put(
                    Column::Accounting,
                    case_by_identifier_key(year, kind, &token(&mac, &form), id),
                    Vec::new(),
                );
            }
        }
        drop(keys);
        let mut draft = Draft::new(access, action, now.timestamp_millis());
        draft.outcome = format!("{} {id}", FileKind::of(id).map_or("file", FileKind::noun));
        draft.cohorts = vec![cohort.id];
        self.log.commit(draft, batch)?;
        Ok(())
    }

    /// Case `id`'s file. Logged.
    pub fn read_case(
        &self,
        access: &Access,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        access.validate()?;
        let key = case_key(id)?;
        let opened = self
            .store
            .get(Column::Accounting, &key)?
            .ok_or_else(|| Error::Invalid("there is no such file".into()))
            .and_then(|value| self.open_in(&key, &value));
        let noun = FileKind::of(id).map_or("file", FileKind::noun);
        let mut draft = Draft::new(access, "case.read", now.timestamp_millis());
        draft.outcome = match &opened {
            Ok(_) => format!("{noun} {id}"),
            Err(err) => format!("{noun} {id}: {err}"),
        };
        self.log.commit(draft, WriteBatch::new())?;
        opened
    }

    /// The ids of every request whose file still lives, oldest first.
    pub fn case_ids(&self) -> Result<Vec<String>> {
        self.file_ids(FileKind::Request)
    }

    /// The ids of every designation whose file still lives, oldest first.
    pub fn designation_ids(&self) -> Result<Vec<String>> {
        self.file_ids(FileKind::Designation)
    }

    fn file_ids(&self, kind: FileKind) -> Result<Vec<String>> {
        let (start, end) = case_files();
        let mut ids: Vec<String> = self
            .store
            .scan(Column::Accounting, &start, Some(&end), usize::MAX)?
            .into_iter()
            .filter_map(|(key, _)| String::from_utf8(case_file_id(&key)?.to_vec()).ok())
            .filter(|id| FileKind::of(id) == Some(kind))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The cases whose requester gave identifier `key`, in every year whose keys live. Logged
    /// with the tokens probed, never the identifier.
    pub fn cases_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        access.validate()?;
        let (ids, tokens) = self.files_for(FileKind::Request, std::slice::from_ref(key))?;
        let mut draft = Draft::new(access, "case.search", now.timestamp_millis());
        draft.tokens = tokens;
        draft.outcome = format!("{} requests", ids.len());
        self.log.commit(draft, WriteBatch::new())?;
        Ok(ids)
    }

    /// The designation files of the subjects `keys` (their identifiers), opened: the gate
    /// decides which are in force. One log entry with the tokens probed and how many were
    /// found, never an identifier.
    pub fn designations_for(
        &self,
        access: &Access,
        keys: &[SearchKey],
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, zeroize::Zeroizing<Vec<u8>>)>> {
        access.validate()?;
        let (ids, tokens) = self.files_for(FileKind::Designation, keys)?;
        let mut files = Vec::with_capacity(ids.len());
        for id in ids {
            let key = case_key(&id)?;
            // A file destroyed with its year between the probe and the read is not in force.
            if let Some(value) = self.store.get(Column::Accounting, &key)? {
                files.push((id, self.open_in(&key, &value)?));
            }
        }
        let mut draft = Draft::new(access, "designation.check", now.timestamp_millis());
        draft.tokens = tokens;
        draft.outcome = format!("{} designations", files.len());
        self.log.commit(draft, WriteBatch::new())?;
        Ok(files)
    }

    /// The ids of `kind`'s files indexed under any of `keys`, and the tokens probed.
    #[allow(
        clippy::type_complexity,
        reason = "the ids and the probes, for the log"
    )]
    fn files_for(
        &self,
        kind: FileKind,
        keys: &[SearchKey],
    ) -> Result<(Vec<String>, Vec<(u16, [u8; 16])>)> {
        let mut ids = Vec::new();
        let mut all_tokens = Vec::new();
        for key in keys {
            let (index_kind, form) = key.kind_and_form();
            let tokens = self.accounting_probes(&form)?;
            for &(year, probe) in &tokens {
                let (start, end) = case_by_identifier(year, index_kind, &probe);
                for (index_key, _) in
                    self.store
                        .scan(Column::Accounting, &start, Some(&end), usize::MAX)?
                {
                    if let Ok(id) = String::from_utf8(index_key[start.len()..].to_vec()) {
                        if FileKind::of(&id) == Some(kind) {
                            ids.push(id);
                        }
                    }
                }
            }
            all_tokens.extend(tokens);
        }
        ids.sort();
        ids.dedup();
        Ok((ids, all_tokens))
    }
}

#[cfg(test)]
mod tests;

//! Case files, sealed: Privacy Act requests (`PA-<year>-<number>`) and high-risk designations
//! (`HR-<year>-<number>`, PNR seed 001 paragraph 5). A file is opaque bytes to the vault (its
//! caller encodes the requester or subject, the identifiers, the systems and the history),
//! sealed with a fresh data key under the accounting cohort of the year the file may be
//! destroyed from, so the accounting's expiry destroys it with the same proof. The identifiers
//! of the person it is about are blind-indexed under that cohort's index key, so a later
//! request or read finds the earlier files without any identifier on disk. Every read and
//! change is logged with the file's id only.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, Utc};
use model::Identifier;
use vault::keyspace::{
    case_by_identifier, case_by_identifier_key, case_file_id, case_file_indexed, case_file_key,
    case_files, designation_counter_key, request_counter_key, CounterKey,
};
use vault::{Access, Change, Error, Result, SearchKey, Vault};

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

    /// The metadata key of the counter of this kind's files opened in year `opened`.
    fn counter(self, opened: u16) -> CounterKey {
        match self {
            FileKind::Request => request_counter_key(opened),
            FileKind::Designation => designation_counter_key(opened),
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

/// Held from reading a counter to committing its next value, so two files never take one
/// number (one process writes a vault: its writer session is its own).
static NUMBERING: Mutex<()> = Mutex::new(());

/// The case files of a vault.
pub trait Cases {
    /// Opens a case: a new id (`PA-<year>-<number>`), the file sealed, the requester's
    /// identifiers indexed. Logged with the id.
    fn open_case(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String>;

    /// Opens a designation file (`HR-<year>-<number>`), sealed and indexed by the subject's
    /// identifiers like a case. Logged with the id.
    fn open_designation(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String>;

    /// Replaces case `id`'s file (its history grows in the caller's encoding); `what` names
    /// the change for the log (`event received`...).
    fn update_case(
        &self,
        access: &Access,
        id: &str,
        plain: &[u8],
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Case `id`'s file. Logged.
    fn read_case(
        &self,
        access: &Access,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>>;

    /// The ids of every request whose file still lives, oldest first.
    fn case_ids(&self) -> Result<Vec<String>>;

    /// The ids of every designation whose file still lives, oldest first.
    fn designation_ids(&self) -> Result<Vec<String>>;

    /// The cases whose requester gave identifier `key`, in every year whose keys live. Logged
    /// with the tokens probed, never the identifier.
    fn cases_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>>;

    /// The designation files of the subjects `keys` (their identifiers), opened: the gate
    /// decides which are in force. One log entry with the tokens probed and how many were
    /// found, never an identifier.
    fn designations_for(
        &self,
        access: &Access,
        keys: &[SearchKey],
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, zeroize::Zeroizing<Vec<u8>>)>>;
}

impl Cases for Vault {
    fn open_case(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String> {
        open_file(self, FileKind::Request, access, plain, identifiers, now)
    }

    fn open_designation(
        &self,
        access: &Access,
        plain: &[u8],
        identifiers: &[Identifier],
        now: DateTime<Utc>,
    ) -> Result<String> {
        open_file(self, FileKind::Designation, access, plain, identifiers, now)
    }

    fn update_case(
        &self,
        access: &Access,
        id: &str,
        plain: &[u8],
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let change = self.change(access, what, now)?;
        if self.accounting_value(&case_key(id)?)?.is_none() {
            let noun = FileKind::of(id).map_or("file", FileKind::noun);
            return Err(Error::NotFound(format!("{noun} {id}")));
        }
        seal_case(change, id, plain, &[], now)
    }

    fn read_case(
        &self,
        access: &Access,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let mut change = self.change(access, "case.read", now)?;
        let key = case_key(id)?;
        let noun = FileKind::of(id).map_or("file", FileKind::noun);
        // No such file is 404 to the caller (`there is no request PA-...`).
        let opened = self
            .accounting_value(&key)?
            .ok_or_else(|| Error::NotFound(format!("{noun} {id}")))
            .and_then(|value| change.open_in_year(&key, &value));
        change.set_outcome(match &opened {
            Ok(_) => format!("{noun} {id}"),
            Err(Error::NotFound(_)) => format!("{noun} {id}: there is no such file"),
            Err(err) => format!("{noun} {id}: {err}"),
        });
        change.commit()?;
        opened
    }

    fn case_ids(&self) -> Result<Vec<String>> {
        file_ids(self, FileKind::Request)
    }

    fn designation_ids(&self) -> Result<Vec<String>> {
        file_ids(self, FileKind::Designation)
    }

    fn cases_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut change = self.change(access, "case.search", now)?;
        let ids = files_for(&mut change, FileKind::Request, std::slice::from_ref(key))?;
        change.set_outcome(format!("{} requests", ids.len()));
        change.commit()?;
        Ok(ids)
    }

    fn designations_for(
        &self,
        access: &Access,
        keys: &[SearchKey],
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, zeroize::Zeroizing<Vec<u8>>)>> {
        let mut change = self.change(access, "designation.check", now)?;
        let ids = files_for(&mut change, FileKind::Designation, keys)?;
        let mut files = Vec::with_capacity(ids.len());
        for id in ids {
            let key = case_key(&id)?;
            // A file destroyed with its year between the probe and the read is not in force.
            if let Some(value) = self.accounting_value(&key)? {
                files.push((id, change.open_in_year(&key, &value)?));
            }
        }
        change.set_outcome(format!("{} designations", files.len()));
        change.commit()?;
        Ok(files)
    }
}

fn open_file(
    vault: &Vault,
    kind: FileKind,
    access: &Access,
    plain: &[u8],
    identifiers: &[Identifier],
    now: DateTime<Utc>,
) -> Result<String> {
    let action = match kind {
        FileKind::Request => "case.open",
        FileKind::Designation => "designation.open",
    };
    let mut change = vault.change(access, action, now)?;
    let opened =
        u16::try_from(now.year()).map_err(|_| Error::Invalid("year out of range".into()))?;
    // Held to the commit, so two files never take one number.
    let _numbering = NUMBERING
        .lock()
        .map_err(|_| Error::Storage("case numbering lock poisoned".into()))?;
    let counter = kind.counter(opened);
    let number = vault.counter(&counter)?.unwrap_or(1);
    if number > 999_999 {
        return Err(Error::Invalid(format!(
            "no {} number left this year",
            kind.noun()
        )));
    }
    let id = format!("{}-{opened}-{number:06}", kind.prefix());
    change.set_counter(&counter, number + 1);
    seal_case(change, &id, plain, identifiers, now)?;
    Ok(id)
}

/// Seals case `id`'s file in the accounting year it may be destroyed from, indexes it by
/// `identifiers` under that year's index key, and commits `change` with it.
fn seal_case(
    mut change: Change<'_>,
    id: &str,
    plain: &[u8],
    identifiers: &[Identifier],
    now: DateTime<Utc>,
) -> Result<()> {
    let vault = change.vault();
    let key = case_key(id)?;
    let year = vault.ledger_year(
        keep_year(opened_year(id)?),
        "the request file's year was destroyed",
        now,
    )?;
    change.seal_in_year(&year, key, plain)?;
    for identifier in identifiers {
        let (kind, token) = change.year_token(&year, identifier)?;
        change.put_index_entry(case_by_identifier_key(year.year, kind, &token, id))?;
    }
    change.set_outcome(format!(
        "{} {id}",
        FileKind::of(id).map_or("file", FileKind::noun)
    ));
    change.name_cohort(year.cohort);
    change.commit().map(drop)
}

fn file_ids(vault: &Vault, kind: FileKind) -> Result<Vec<String>> {
    let (start, end) = case_files();
    let mut ids: Vec<String> = vault
        .accounting_range((&start, &end))?
        .into_iter()
        .filter_map(|(key, _)| String::from_utf8(case_file_id(&key)?.to_vec()).ok())
        .filter(|id| FileKind::of(id) == Some(kind))
        .collect();
    ids.sort();
    Ok(ids)
}

/// The ids of `kind`'s files indexed under any of `keys`; the tokens probed are named in
/// `change`'s log entry.
fn files_for(change: &mut Change<'_>, kind: FileKind, keys: &[SearchKey]) -> Result<Vec<String>> {
    let vault = change.vault();
    let mut ids = Vec::new();
    for key in keys {
        let (index_kind, probes) = change.probe(key)?;
        for (year, probe) in probes {
            let (start, end) = case_by_identifier(year, index_kind, &probe);
            for (index_key, _) in vault.accounting_range((&start, &end))? {
                let id = case_file_indexed(&index_key).map(|id| String::from_utf8(id.to_vec()));
                if let Some(Ok(id)) = id {
                    if FileKind::of(&id) == Some(kind) {
                        ids.push(id);
                    }
                }
            }
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests;

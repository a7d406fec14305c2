//! The accounting of disclosures (5 U.S.C. 552a(c), 31 CFR 1.25): one entry per record per
//! disclosure, written in the same atomic batch as the release and its log entry. It outlives
//! the records: entries are sealed under keys of their own (accounting cohorts, one per year
//! from which their entries may be destroyed) and found through a blind index of their own
//! (by the subject's identifiers and names, with keys of the same cohorts), so privacy staff
//! can answer "what about me was disclosed, and to whom" after the record is destroyed.
//!
//! Its keys (column `accounting`: entries, their indexes by subject and by record, notices and
//! their marks) are the keyspace's, every one starting with the year its entry may be
//! destroyed from, so a year's purge takes all of it.

use chrono::{DateTime, Datelike, Utc};

use crate::annotations::Annotation;
use crate::change::Change;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::index::SearchKey;
use crate::keyspace::{
    accounting_by_record, accounting_by_record_key, accounting_by_subject,
    accounting_by_subject_key, accounting_entries_of_year, accounting_entry_key, accounting_year,
    is_accounting_entry, is_notice_key, notice_key, notice_public_key, notice_sent_key, notices,
    EntryNumber,
};
use crate::log::Access;
use crate::store::Column;
use crate::vault::Vault;
use model::{Record, RecordId};

/// The layout of an entry's sealed contents: 1 until the entries sealed their basis's evidence
/// (still read, with no evidence: it was checked and not kept), 2 since.
const ENTRY_LAYOUT: u8 = 2;
/// The layout of a notice's sealed contents: 1 until notices to the individual carried what
/// the rules require them to state and the officer they are assigned to, 2 since.
const NOTICE_LAYOUT: u8 = 2;
/// The year of an entry's key.
fn entry_year(key: &[u8]) -> Result<u16> {
    accounting_year(key)
        .filter(|_| is_accounting_entry(key))
        .ok_or_else(|| Error::corrupt("accounting entry", "bad key"))
}

/// What a release is: the records and everything the accounting must say of it.
#[derive(Clone, Debug)]
pub struct Release {
    /// The records released, each with the year from which its entry may be destroyed (the
    /// later of five years after the disclosure and the end of the record's life).
    pub records: Vec<(RecordId, u16)>,
    /// The nature of the disclosure (`electronic`, `paper`, `oral`).
    pub nature: String,
    /// Its purpose.
    pub purpose: String,
    /// Its legal basis (`routine use H`, `552a(b)(7)`, `consent`, `designated authority`).
    pub basis: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's address.
    pub recipient_address: String,
    /// The recipient's category (SORN vocabulary).
    pub recipient_category: String,
    /// The release package's id.
    pub package: String,
    /// Whether the individual is not told of it (a 552a(b)(7) disclosure, 1.25(d)(2)).
    pub withheld_from_individual: bool,
    /// A notice to the individual the release requires, and its due date (YYYY-MM-DD): for
    /// (b)(8) and (b)(11) releases (31 CFR 1.22(f), (g)). One per record, tracked until sent.
    pub individual_notice: Option<(String, String)>,
    /// Which of the released records get that notice: a system exempt from it in portions
    /// (seed 000) still notifies for records of a source that gives access or amendment.
    pub notice_scope: NoticeScope,
    /// A signed document (kind, name, bytes) written in the release's own batch: a statistical
    /// release's ledger entry, so the ledger never names a release that was not made nor
    /// misses one that was.
    pub document: Option<(String, String, Vec<u8>)>,
    /// What the release's basis needed, as the gate encodes it (JSON): the consent, the court
    /// order, the agency head's request, the compelling circumstances, the statistical
    /// assurance, the PNR path's findings. Sealed with each entry, shown to privacy staff,
    /// never to the individual.
    pub evidence: String,
    /// What the notice to the individual must state (JSON, the gate's): for (b)(8), the nature
    /// of the information, the recipient, the date and the compelling circumstances (1.22(g));
    /// for legal process, the court, the case, the date, to whom returnable, and the
    /// information sought and provided (1.22(f)). Sealed with the notice.
    pub notice_content: String,
}

/// Which records a notice goes out for, by the source system each names
/// ([`crate::SOURCE_SYSTEM`]): the gate decides it from the notice's exemptions, the vault
/// applies it to each record as it writes, in the same batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NoticeScope {
    /// Every record.
    #[default]
    Every,
    /// No record (the system is exempt from the notice, wholly).
    NoRecord,
    /// Only the records whose source system is one of these.
    FromSources(Vec<String>),
}

impl NoticeScope {
    /// Whether the notice goes out for `record`.
    pub fn covers(&self, record: &Record) -> bool {
        match self {
            NoticeScope::Every => true,
            NoticeScope::NoRecord => false,
            NoticeScope::FromSources(sources) => record
                .contents
                .source_system()
                .is_some_and(|source| sources.iter().any(|known| known == source)),
        }
    }
}

/// One entry of the accounting.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountingEntry {
    /// The record disclosed.
    pub record: RecordId,
    /// Its system.
    pub system: String,
    /// When (Unix ms).
    pub disclosed_ms: i64,
    /// The nature of the disclosure.
    pub nature: String,
    /// Its purpose.
    pub purpose: String,
    /// Its legal basis.
    pub basis: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's address.
    pub recipient_address: String,
    /// The recipient's category.
    pub recipient_category: String,
    /// The package.
    pub package: String,
    /// Whether the individual is not told of it.
    pub withheld_from_individual: bool,
    /// Who released it.
    pub officer: String,
    /// The year from which the entry may be destroyed.
    pub keep_until_year: u16,
    /// The evidence of its basis, sealed with it (`None`: an entry of layout 1, made before
    /// evidence was kept).
    pub evidence: Option<String>,
}

impl AccountingEntry {
    fn empty(record: RecordId, keep_until_year: u16) -> Self {
        AccountingEntry {
            record,
            system: String::new(),
            disclosed_ms: 0,
            nature: String::new(),
            purpose: String::new(),
            basis: String::new(),
            recipient_name: String::new(),
            recipient_address: String::new(),
            recipient_category: String::new(),
            package: String::new(),
            withheld_from_individual: false,
            officer: String::new(),
            keep_until_year,
            evidence: None,
        }
    }
}

impl std::fmt::Debug for AccountingEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountingEntry")
            .field("record", &self.record)
            .field("basis", &self.basis)
            .field("package", &self.package)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Releases records: reads each one and writes, in one atomic, synced batch, one
    /// accounting entry per record (with its blind-index entries by subject) and the
    /// disclosure's log entry. The records are returned only once that batch is durable; if
    /// it cannot be written, nothing is released and no entry exists.
    pub fn disclose(
        &self,
        access: &Access,
        release: &Release,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Record, Vec<Annotation>)>> {
        let mut change = self.change(access, "disclose", now)?;
        if release.records.is_empty() {
            return Err(Error::Invalid(
                "a disclosure names at least one record".into(),
            ));
        }
        let records: Vec<Record> = release
            .records
            .iter()
            .map(|(id, _)| change.open_record(id))
            .collect::<Result<_>>()?;
        // Made in year order, as before the kernel's transaction, so cohort ids do not depend
        // on the order of the release's records.
        let mut wanted: Vec<u16> = release.records.iter().map(|(_, year)| *year).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut years = std::collections::HashMap::new();
        for year in wanted {
            let keys = self.ledger_year(year, "its accounting year was destroyed", now)?;
            years.insert(year, keys);
        }
        let numbers = self.entry_numbers(release.records.len())?;
        for (((id, year), record), number) in release.records.iter().zip(&records).zip(numbers) {
            let keys = &years[year];
            let key = accounting_entry_key(*year, number);
            let mut plain = Writer(zeroize::Zeroizing::new(Vec::new()));
            plain.u8(ENTRY_LAYOUT);
            plain.0.extend_from_slice(id.as_bytes());
            plain.str(record.contents.system.as_str());
            plain.i64(now.timestamp_millis());
            for text in [
                &release.nature,
                &release.purpose,
                &release.basis,
                &release.recipient_name,
                &release.recipient_address,
                &release.recipient_category,
                &release.package,
                &access.principal,
            ] {
                plain.str(text);
            }
            plain.u8(u8::from(release.withheld_from_individual));
            plain.str(&release.evidence);
            change.seal_in_year(keys, key, &plain.0)?;
            if let (Some((kind, due)), true) = (
                &release.individual_notice,
                release.notice_scope.covers(record),
            ) {
                let individual_notice = notice_key(*year, number);
                let to_individual = AccountingEntry {
                    recipient_name: "the individual the record is about".into(),
                    recipient_address: "the individual's last known address".into(),
                    recipient_category: "individual".into(),
                    package: release.package.clone(),
                    ..AccountingEntry::empty(*id, *year)
                };
                let plain = encode_notice(
                    id,
                    0,
                    kind,
                    &to_individual,
                    now.timestamp_millis(),
                    due,
                    (&release.notice_content, &access.principal),
                );
                change.seal_in_year(keys, individual_notice, &plain)?;
            }
            // By record too, so the recipients of a record can be told of its corrections.
            change.put(
                Column::Accounting,
                accounting_by_record_key(*year, id, number),
                [],
            );
            for (kind, token) in self.year_tokens_of(keys, record)? {
                change.put(
                    Column::Accounting,
                    accounting_by_subject_key(*year, kind, &token, number),
                    [],
                );
            }
        }
        if let Some(record) = records.first() {
            change.set_system(record.contents.system.as_str());
        }
        change.set_outcome(format!(
            "package {} to a {} under {}; {} accounting entries",
            release.package,
            release.recipient_category,
            release.basis,
            release.records.len()
        ));
        if let Some((kind, name, bytes)) = &release.document {
            self.put_signed_document(&mut change, kind, name, bytes)?;
            change.extend_outcome(&format!("; {kind} {name}"));
        }
        change.commit()?;
        // Every release shows the record's annotations (31 CFR 1.25(a)(3), 1.27(e)(5)).
        records
            .into_iter()
            .map(|record| {
                let annotations = self.annotations_of(&record.id)?;
                Ok((record, annotations))
            })
            .collect()
    }

    /// The accounting entries of disclosures of records about the subject `key` (by
    /// identifier or name), in every accounting year whose keys live, oldest first. Logged
    /// with the tokens probed, never the identifier.
    pub fn accounting_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccountingEntry>> {
        let mut change = self.change(access, "accounting.search", now)?;
        let (kind, form) = key.kind_and_form();
        let mut entries = Vec::new();
        let tokens = self.year_probes(&form)?;
        for &(year, probe) in &tokens {
            let (start, end) = accounting_by_subject(year, kind, &probe);
            for (index_key, _) in self.accounting_range((&start, &end))? {
                let number = EntryNumber::at_end_of(&index_key)
                    .ok_or_else(|| Error::corrupt("accounting index", "bad key"))?;
                let entry_key = accounting_entry_key(year, number);
                if let Some(value) = self.accounting_value(&entry_key)? {
                    entries.push(self.open_entry(&entry_key, &value, year)?);
                }
            }
        }
        entries.sort_by_key(|entry| entry.disclosed_ms);
        change.name_probes(tokens);
        change.set_outcome(format!("{} entries", entries.len()));
        change.commit()?;
        Ok(entries)
    }

    /// Destroys the accounting years whose entries may all be destroyed by `now` (years up to
    /// and including the current one), as cohort destructions: their keys are deleted in an
    /// epoch change and their entries purged. Returns a certificate per year, signed with the
    /// log's key and kept in the vault's metadata.
    pub fn expire_accounting(
        &self,
        access: &Access,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccountingCertificate>> {
        let due: Vec<(u16, u32)> = self
            .live_ledger_years()?
            .into_iter()
            .filter(|keys| i32::from(keys.year) <= now.year())
            .map(|keys| (keys.year, keys.cohort))
            .collect();
        let mut certificates = Vec::new();
        for (year, cohort) in due {
            // 1.25(a)(2): five years "or the life of the record, whichever is longer": the
            // entries of a record that still lives (held, or not yet destroyed) move on to the
            // next year's cohort, re-sealed and re-indexed, before the year goes.
            let carried = self.carry_living_entries(access, year, now)?;
            let entries = accounting_entries_of_year(year);
            let count = self
                .accounting_count((&entries.0, &entries.1))?
                .saturating_sub(carried);
            let destruction = self.destroy_cohort(access, cohort, now)?;
            let text = format!(
                "recvault accounting destruction certificate v1\nyear: {year}\ncohort: {cohort}\nentries: {count}\ncarried to a later year (their records live): {carried}\nnew root epoch: {}\ndestroyed at: {}\nby: {}\nbasis: 31 CFR 1.25(a)(2), kept five years after each disclosure or the life of the record, whichever is longer\n",
                destruction.new_epoch,
                now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                access.principal,
            );
            let signature =
                self.put_certificate("accounting", &format!("{year:05}"), &text, now)?;
            certificates.push(AccountingCertificate {
                year,
                entries: count,
                text,
                signature,
            });
        }
        Ok(certificates)
    }

    /// Moves the entries of `year` whose records still live to the next year's accounting
    /// cohort (the year after `now`): each re-sealed under that cohort, re-indexed by the
    /// record's subjects under its index key, with its by-record entry, in one batch with
    /// the log entry. Returns how many moved. Re-running after a crash rewrites the same keys.
    fn carry_living_entries(&self, access: &Access, year: u16, now: DateTime<Utc>) -> Result<u64> {
        let entries = accounting_entries_of_year(year);
        let stored = self.accounting_range((&entries.0, &entries.1))?;
        let mut change = self.change(access, "accounting.carry", now)?;
        let mut living = Vec::new();
        for (key, value) in stored {
            let entry = self.open_entry(&key, &value, year)?;
            // A record that still opens still lives; one destroyed (its keys gone) does not.
            if let Ok(record) = change.open_record(&entry.record) {
                living.push((key, value, record));
            }
        }
        if living.is_empty() {
            return Ok(0);
        }
        let target = u16::try_from(now.year() + 1)
            .unwrap_or(u16::MAX)
            .max(year + 1);
        let keys = self.ledger_year(
            target,
            "the next accounting year's keys were destroyed",
            now,
        )?;
        for (key, value, record) in &living {
            let number = EntryNumber::at_end_of(key)
                .ok_or_else(|| Error::corrupt("accounting entry", "bad key"))?;
            let plain = self.open_in_year(key, value)?;
            change.seal_in_year(&keys, accounting_entry_key(target, number), &plain)?;
            change.put(
                Column::Accounting,
                accounting_by_record_key(target, &record.id, number),
                [],
            );
            for (kind, token) in self.year_tokens_of(&keys, record)? {
                change.put(
                    Column::Accounting,
                    accounting_by_subject_key(target, kind, &token, number),
                    [],
                );
            }
        }
        change.name_cohort(keys.cohort);
        change.set_outcome(format!(
            "{} entries of {year} moved to {target}: their records still live (31 CFR 1.25(a)(2))",
            living.len()
        ));
        change.commit()?;
        Ok(living.len() as u64)
    }

    /// The accounting entries of record `id` (whose keys live): its prior recipients.
    pub(crate) fn accounting_of_record(
        &self,
        id: &RecordId,
    ) -> Result<Vec<(u16, AccountingEntry)>> {
        self.stored_accounting_of(id)?
            .iter()
            .map(|(key, value)| {
                let entry = self.open_accounting_item(key, value)?;
                Ok((entry_year(key)?, entry))
            })
            .collect()
    }

    /// The stored (key, sealed value) pairs of record `id`'s accounting entries, for a
    /// transfer package's copy (the entries stay here).
    pub(crate) fn stored_accounting_of(&self, id: &RecordId) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut entries = Vec::new();
        for year in self.ledger_years()? {
            let (start, end) = accounting_by_record(year, id);
            for (key, _) in self.accounting_range((&start, &end))? {
                let number = EntryNumber::at_end_of(&key)
                    .ok_or_else(|| Error::corrupt("accounting index", "bad key"))?;
                let entry_key = accounting_entry_key(year, number);
                // A year whose key was destroyed has been purged, index and all.
                if let Some(value) = self.accounting_value(&entry_key)? {
                    entries.push((entry_key, value));
                }
            }
        }
        Ok(entries)
    }

    /// Opens an accounting entry from its stored key and value (a transfer package's copy).
    pub(crate) fn open_accounting_item(&self, key: &[u8], value: &[u8]) -> Result<AccountingEntry> {
        self.open_entry(key, value, entry_year(key)?)
    }

    /// Adds to `batch` a notice to every prior recipient of record `id` (from its accounting)
    /// that annotation `seq` of `kind` was made (552a(c)(4), 31 CFR 1.25(a)(3)). Returns how
    /// many.
    pub(crate) fn notices_for(
        &self,
        change: &mut Change<'_>,
        id: &RecordId,
        seq: u32,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let recipients = self.accounting_of_record(id)?;
        if recipients.is_empty() {
            return Ok(0);
        }
        let numbers = self.entry_numbers(recipients.len())?;
        for ((year, entry), number) in recipients.iter().zip(numbers) {
            let keys = self
                .existing_ledger_year(*year)?
                .ok_or_else(|| Error::corrupt("accounting", "entry without its year"))?;
            let plain = encode_notice(id, seq, kind, entry, now.timestamp_millis(), "", ("", ""));
            change.seal_in_year(&keys, notice_key(*year, number), &plain)?;
        }
        Ok(recipients.len())
    }

    /// Every notice to prior recipients whose year lives, oldest first; logged.
    pub fn notices(&self, access: &Access, now: DateTime<Utc>) -> Result<Vec<Notice>> {
        let mut change = self.change(access, "notices.list", now)?;
        let (start, end) = notices();
        let mut notices = Vec::new();
        for (key, value) in self.accounting_range((&start, &end))? {
            let mut notice = decode_notice(&key, &self.open_in_year(&key, &value)?)?;
            notice.sent_ms = self.sent_at(&key)?;
            if let Some((public_on, due)) = self.public_record(&key)? {
                notice.public_on = Some(public_on);
                notice.due = Some(due);
            }
            notices.push(notice);
        }
        notices.sort_by_key(|notice| notice.created_ms);
        change.set_outcome(format!("{} notices", notices.len()));
        change.commit()?;
        Ok(notices)
    }

    /// Records that the notice `id` (as [`Notice::id`] gives it) was sent; logged.
    pub fn mark_notice_sent(&self, access: &Access, id: &str, now: DateTime<Utc>) -> Result<()> {
        let mut change = self.change(access, "notice.sent", now)?;
        let (key, notice) = self.stored_notice(id)?;
        if self.sent_at(&key)?.is_some() {
            return Err(Error::Invalid(format!("notice {id} was sent already")));
        }
        change.put(
            Column::Accounting,
            notice_sent_key(&key),
            now.timestamp_millis().to_be_bytes(),
        );
        change.name_records([notice.record]);
        change.set_outcome(format!("notice {id} sent"));
        change.commit().map(drop)
    }

    /// Records the day the legal process notice `id` tells of became a matter of public
    /// record, and the day the notice is then due (both YYYY-MM-DD, the gate's reading of
    /// 1.22(f)); once only, and only for a notice without a due date; logged.
    pub fn record_notice_public(
        &self,
        access: &Access,
        id: &str,
        public_on: &str,
        due: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut change = self.change(access, "notice.public", now)?;
        let is_date = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
        if !is_date(public_on) || !is_date(due) {
            return Err(Error::Invalid("dates are YYYY-MM-DD".into()));
        }
        let (key, notice) = self.stored_notice(id)?;
        if notice.due.is_some() || self.public_record(&key)?.is_some() {
            return Err(Error::Invalid(format!(
                "notice {id} has its due date already"
            )));
        }
        change.put(
            Column::Accounting,
            notice_public_key(&key),
            format!("{public_on}{due}").into_bytes(),
        );
        change.name_records([notice.record]);
        change.set_outcome(format!("notice {id}: public record {public_on}, due {due}"));
        change.commit().map(drop)
    }

    /// The notice `id` as stored (its key, and the notice opened), or `NotFound`.
    fn stored_notice(&self, id: &str) -> Result<(Vec<u8>, Notice)> {
        let key = notice_key_of(id)?;
        let value = self
            .accounting_value(&key)?
            .ok_or_else(|| Error::NotFound(format!("notice {id}")))?;
        let notice = decode_notice(&key, &self.open_in_year(&key, &value)?)?;
        Ok((key, notice))
    }

    fn public_record(&self, notice_key: &[u8]) -> Result<Option<(String, String)>> {
        let Some(value) = self.accounting_value(&notice_public_key(notice_key))? else {
            return Ok(None);
        };
        let text = String::from_utf8(value)
            .ok()
            .filter(|text| text.len() == 20)
            .ok_or_else(|| Error::corrupt("notice", "bad public-record marker"))?;
        Ok(Some((text[..10].to_owned(), text[10..].to_owned())))
    }

    fn sent_at(&self, notice_key: &[u8]) -> Result<Option<i64>> {
        Ok(self
            .accounting_value(&notice_sent_key(notice_key))?
            .and_then(|value| value.try_into().ok())
            .map(i64::from_be_bytes))
    }

    fn open_entry(&self, key: &[u8], value: &[u8], year: u16) -> Result<AccountingEntry> {
        let plain = self.open_in_year(key, value)?;
        let mut reader = Reader::new(&plain, "accounting entry");
        let layout = reader.u8()?;
        if layout != 1 && layout != ENTRY_LAYOUT {
            return Err(Error::corrupt("accounting entry", "bad version"));
        }
        let record = RecordId::from_bytes(reader.array()?);
        let system = reader.string()?;
        let disclosed_ms = reader.i64()?;
        let mut texts = Vec::with_capacity(8);
        for _ in 0..8 {
            texts.push(reader.string()?);
        }
        let withheld_from_individual = reader.u8()? != 0;
        let evidence = if layout >= 2 {
            Some(reader.string()?)
        } else {
            None
        };
        reader.finish()?;
        let mut texts = texts.into_iter();
        let mut next = || texts.next().unwrap_or_default();
        Ok(AccountingEntry {
            record,
            system,
            disclosed_ms,
            nature: next(),
            purpose: next(),
            basis: next(),
            recipient_name: next(),
            recipient_address: next(),
            recipient_category: next(),
            package: next(),
            officer: next(),
            withheld_from_individual,
            keep_until_year: year,
            evidence,
        })
    }
}

#[cfg(test)]
mod tests;

/// A signed statement that a year of the accounting was destroyed, and how much of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountingCertificate {
    /// The year destroyed.
    pub year: u16,
    /// How many entries it held.
    pub entries: u64,
    /// The statement.
    pub text: String,
    /// Its Ed25519 signature by the log's key (hexadecimal): verify with the pinned public key.
    pub signature: String,
}

/// A notice to a prior recipient that a record it received was corrected or disputed.
#[derive(Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its id (hexadecimal), to mark it sent.
    pub id: String,
    /// The record.
    pub record: RecordId,
    /// The annotation it tells of.
    pub annotation: u32,
    /// The annotation's kind.
    pub kind: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's address.
    pub recipient_address: String,
    /// The recipient's category.
    pub recipient_category: String,
    /// The package the recipient received.
    pub package: String,
    /// When the notice was made (Unix ms).
    pub created_ms: i64,
    /// When it is due (YYYY-MM-DD), for notices with a legal deadline.
    pub due: Option<String>,
    /// When it was sent, once it was.
    pub sent_ms: Option<i64>,
    /// For a notice due from a public record (a grand-jury subpoena, an ex parte order): the
    /// day it became one, once recorded (YYYY-MM-DD).
    pub public_on: Option<String>,
    /// What it must state (JSON), for a notice to the individual of layout 2.
    pub content: Option<String>,
    /// The officer it is assigned to (who authorized the release), for a notice to the
    /// individual of layout 2.
    pub assigned_to: Option<String>,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("id", &self.id)
            .field("record", &self.record)
            .field("sent", &self.sent_ms.is_some())
            .finish_non_exhaustive()
    }
}

fn encode_notice(
    id: &RecordId,
    annotation: u32,
    kind: &str,
    entry: &AccountingEntry,
    created_ms: i64,
    due: &str,
    (content, assigned_to): (&str, &str),
) -> zeroize::Zeroizing<Vec<u8>> {
    let mut plain = Writer(zeroize::Zeroizing::new(Vec::new()));
    plain.u8(NOTICE_LAYOUT);
    plain.0.extend_from_slice(id.as_bytes());
    plain.u32(annotation);
    for text in [
        kind,
        &entry.recipient_name,
        &entry.recipient_address,
        &entry.recipient_category,
        &entry.package,
    ] {
        plain.str(text);
    }
    plain.i64(created_ms);
    plain.str(due);
    plain.str(content);
    plain.str(assigned_to);
    plain.0
}

/// A notice's stored key from its id.
fn notice_key_of(id: &str) -> Result<Vec<u8>> {
    hex::decode(id)
        .ok()
        .filter(|key| is_notice_key(key))
        .ok_or_else(|| Error::Invalid("a notice id is 22 hexadecimal digits".into()))
}

fn decode_notice(key: &[u8], plain: &[u8]) -> Result<Notice> {
    let mut reader = Reader::new(plain, "notice");
    let layout = reader.u8()?;
    if layout != 1 && layout != NOTICE_LAYOUT {
        return Err(Error::corrupt("notice", "bad version"));
    }
    let record = RecordId::from_bytes(reader.array()?);
    let annotation = reader.u32()?;
    let kind = reader.string()?;
    let recipient_name = reader.string()?;
    let recipient_address = reader.string()?;
    let recipient_category = reader.string()?;
    let package = reader.string()?;
    let created_ms = reader.i64()?;
    let due = Some(reader.string()?).filter(|due| !due.is_empty());
    let (content, assigned_to) = if layout >= 2 {
        (
            Some(reader.string()?).filter(|text| !text.is_empty()),
            Some(reader.string()?).filter(|text| !text.is_empty()),
        )
    } else {
        (None, None)
    };
    reader.finish()?;
    Ok(Notice {
        id: hex::encode(key),
        record,
        annotation,
        kind,
        recipient_name,
        recipient_address,
        recipient_category,
        package,
        created_ms,
        due,
        sent_ms: None,
        public_on: None,
        content,
        assigned_to,
    })
}

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
use model::{Record, RecordId};
use vault::codec::{Reader, Writer};
use vault::keyspace::{
    accounting_by_record_key, accounting_by_subject, accounting_by_subject_key,
    accounting_entries_of_year, accounting_entry_key, accounting_year, is_accounting_entry,
    is_notice_key, notice_key, notice_public_key, notice_sent_key, notices, EntryNumber,
};
use vault::{Access, Change, Error, Result, SearchKey, Vault};

use crate::annotations::{decode_annotations, Annotation};
use crate::documents::put_signed_document;

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
/// ([`model::SOURCE_SYSTEM`]): the gate decides it from the notice's exemptions, the vault
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
    /// Whether the notice goes out for a record of source system `source`.
    pub fn covers(&self, source: Option<&str>) -> bool {
        match self {
            NoticeScope::Every => true,
            NoticeScope::NoRecord => false,
            NoticeScope::FromSources(sources) => {
                source.is_some_and(|source| sources.iter().any(|known| known == source))
            }
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

/// The accounting's operations on the vault.
pub trait Accounting {
    /// Releases records: reads each one and writes, in one atomic, synced batch, one
    /// accounting entry per record (with its blind-index entries by subject) and the
    /// disclosure's log entry. The records are returned, with their annotations (every release
    /// shows them, 31 CFR 1.25(a)(3), 1.27(e)(5)), only once that batch is durable; if it
    /// cannot be written, nothing is released and no entry exists.
    fn disclose(
        &self,
        access: &Access,
        release: &Release,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Record, Vec<Annotation>)>>;

    /// The accounting entries of disclosures of records about the subject `key` (by
    /// identifier or name), in every accounting year whose keys live, oldest first. Logged
    /// with the tokens probed, never the identifier.
    fn accounting_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccountingEntry>>;

    /// Destroys the accounting years whose entries may all be destroyed by `now` (years up to
    /// and including the current one), as cohort destructions: their keys are deleted in an
    /// epoch change and their entries purged. Returns a certificate per year, signed with the
    /// log's key and kept in the vault's metadata.
    fn expire_accounting(
        &self,
        access: &Access,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccountingCertificate>>;

    /// Every notice to prior recipients whose year lives, oldest first; logged.
    fn notices(&self, access: &Access, now: DateTime<Utc>) -> Result<Vec<Notice>>;

    /// Records that the notice `id` (as [`Notice::id`] gives it) was sent; logged.
    fn mark_notice_sent(&self, access: &Access, id: &str, now: DateTime<Utc>) -> Result<()>;

    /// Records the day the legal process notice `id` tells of became a matter of public
    /// record, and the day the notice is then due (both YYYY-MM-DD, the gate's reading of
    /// 1.22(f)); once only, and only for a notice without a due date; logged.
    fn record_notice_public(
        &self,
        access: &Access,
        id: &str,
        public_on: &str,
        due: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

impl Accounting for Vault {
    fn disclose(
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
        let records = release
            .records
            .iter()
            .map(|(id, _)| change.open_record(id))
            .collect::<Result<Vec<_>>>()?;
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
            plain.str(change.record_system(*record)?);
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
                release
                    .notice_scope
                    .covers(change.record_source_system(*record)?),
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
            change.put_index_entry(accounting_by_record_key(*year, id, number))?;
            for (kind, token) in change.year_tokens_of(keys, *record)? {
                change.put_index_entry(accounting_by_subject_key(*year, kind, &token, number))?;
            }
        }
        if let Some(record) = records.first() {
            let system = change.record_system(*record)?.to_owned();
            change.set_system(&system);
        }
        change.set_outcome(format!(
            "package {} to a {} under {}; {} accounting entries",
            release.package,
            release.recipient_category,
            release.basis,
            release.records.len()
        ));
        if let Some((kind, name, bytes)) = &release.document {
            put_signed_document(&mut change, kind, name, bytes)?;
            change.extend_outcome(&format!("; {kind} {name}"));
        }
        let (_, released) = change.commit_releasing()?;
        released
            .into_iter()
            .map(|(record, attachments)| Ok((record, decode_annotations(&attachments)?)))
            .collect()
    }

    fn accounting_for(
        &self,
        access: &Access,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccountingEntry>> {
        let mut change = self.change(access, "accounting.search", now)?;
        let (kind, probes) = change.probe(key)?;
        let mut entries = Vec::new();
        for &(year, probe) in &probes {
            let (start, end) = accounting_by_subject(year, kind, &probe);
            for (index_key, _) in self.accounting_range((&start, &end))? {
                let number = EntryNumber::at_end_of(&index_key)
                    .ok_or_else(|| Error::corrupt("accounting index", "bad key"))?;
                let entry_key = accounting_entry_key(year, number);
                if let Some(value) = self.accounting_value(&entry_key)? {
                    let plain = change.open_in_year(&entry_key, &value)?;
                    entries.push(decode_entry(&entry_key, &plain)?);
                }
            }
        }
        entries.sort_by_key(|entry| entry.disclosed_ms);
        change.set_outcome(format!("{} entries", entries.len()));
        change.commit()?;
        Ok(entries)
    }

    fn expire_accounting(
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
            let carried = carry_living_entries(self, access, year, now)?;
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

    fn notices(&self, access: &Access, now: DateTime<Utc>) -> Result<Vec<Notice>> {
        let mut change = self.change(access, "notices.list", now)?;
        let (start, end) = notices();
        let mut notices = Vec::new();
        for (key, value) in self.accounting_range((&start, &end))? {
            let mut notice = decode_notice(&key, &change.open_in_year(&key, &value)?)?;
            notice.sent_ms = sent_at(self, &key)?;
            if let Some((public_on, due)) = public_record(self, &key)? {
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

    fn mark_notice_sent(&self, access: &Access, id: &str, now: DateTime<Utc>) -> Result<()> {
        let mut change = self.change(access, "notice.sent", now)?;
        // Checked before the notice is opened, so a refusal reads nothing. The gate checks it
        // too; this one refuses the loser of two marks made at once (409, as the gate's).
        if sent_at(self, &notice_key_of(id)?)?.is_some() {
            return Err(Error::Conflict(format!("notice {id} was sent already")));
        }
        let (key, notice) = stored_notice(&mut change, id)?;
        change.put_notice_mark(notice_sent_key(&key), &now.timestamp_millis().to_be_bytes())?;
        change.name_records([notice.record]);
        change.set_outcome(format!("notice {id} sent"));
        change.commit().map(drop)
    }

    fn record_notice_public(
        &self,
        access: &Access,
        id: &str,
        public_on: &str,
        due: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut change = self.change(access, "notice.public", now)?;
        // Ten characters exactly: chrono also reads `2026-1-5`, which the mark cannot hold.
        let is_date = |text: &str| {
            text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        };
        if !is_date(public_on) || !is_date(due) {
            return Err(Error::Invalid("dates are YYYY-MM-DD".into()));
        }
        let (key, notice) = stored_notice(&mut change, id)?;
        if notice.due.is_some() || public_record(self, &key)?.is_some() {
            return Err(Error::Invalid(format!(
                "notice {id} has its due date already"
            )));
        }
        change.put_notice_mark(
            notice_public_key(&key),
            format!("{public_on}{due}").as_bytes(),
        )?;
        change.name_records([notice.record]);
        change.set_outcome(format!("notice {id}: public record {public_on}, due {due}"));
        change.commit().map(drop)
    }
}

/// Moves the entries of `year` whose records still live to the next year's accounting cohort
/// (the year after `now`): each re-sealed under that cohort, re-indexed by the record's
/// subjects under its index key, with its by-record entry, in one batch with the log entry.
/// Returns how many moved. Re-running after a crash rewrites the same keys.
fn carry_living_entries(
    vault: &Vault,
    access: &Access,
    year: u16,
    now: DateTime<Utc>,
) -> Result<u64> {
    let entries = accounting_entries_of_year(year);
    let stored = vault.accounting_range((&entries.0, &entries.1))?;
    let mut change = vault.change(access, "accounting.carry", now)?;
    let read = stored.len();
    let mut living = Vec::new();
    for (key, value) in stored {
        let plain = change.open_in_year(&key, &value)?;
        let entry = decode_entry(&key, &plain)?;
        // A record that still opens still lives; one destroyed (its keys gone, or purged) does
        // not. Any other error stops the expiry: an entry is never destroyed for a record that
        // could not be read.
        match change.open_record(&entry.record) {
            Ok(record) => living.push((key, plain, record)),
            Err(Error::DecryptionFailed | Error::NotFound(_)) => {}
            Err(err) => return Err(err),
        }
    }
    if living.is_empty() {
        if read == 0 {
            return Ok(0);
        }
        // What it read (the year's entries) is logged even when nothing moves.
        change.set_outcome(format!(
            "no entry of {year} to move: their records are gone"
        ));
        change.commit()?;
        return Ok(0);
    }
    let target = u16::try_from(now.year() + 1)
        .unwrap_or(u16::MAX)
        .max(year + 1);
    let keys = vault.ledger_year(
        target,
        "the next accounting year's keys were destroyed",
        now,
    )?;
    for (key, plain, record) in &living {
        let number = EntryNumber::at_end_of(key)
            .ok_or_else(|| Error::corrupt("accounting entry", "bad key"))?;
        change.seal_in_year(&keys, accounting_entry_key(target, number), plain)?;
        let id = change.record_id(*record)?;
        change.put_index_entry(accounting_by_record_key(target, &id, number))?;
        for (kind, token) in change.year_tokens_of(&keys, *record)? {
            change.put_index_entry(accounting_by_subject_key(target, kind, &token, number))?;
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

/// Adds to `change` a notice to every prior recipient of record `id` (from its accounting)
/// that annotation `seq` of `kind` was made (552a(c)(4), 31 CFR 1.25(a)(3)). Returns how many.
pub(crate) fn notices_for(
    change: &mut Change<'_>,
    id: &RecordId,
    seq: u32,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let vault = change.vault();
    let mut recipients = Vec::new();
    for (key, value) in vault.accounting_items_of_record(id)? {
        let plain = change.open_in_year(&key, &value)?;
        recipients.push(decode_entry(&key, &plain)?);
    }
    if recipients.is_empty() {
        return Ok(0);
    }
    let numbers = vault.entry_numbers(recipients.len())?;
    for (entry, number) in recipients.iter().zip(numbers) {
        let year = entry.keep_until_year;
        let keys = vault
            .existing_ledger_year(year)?
            .ok_or_else(|| Error::corrupt("accounting", "entry without its year"))?;
        let plain = encode_notice(id, seq, kind, entry, now.timestamp_millis(), "", ("", ""));
        change.seal_in_year(&keys, notice_key(year, number), &plain)?;
    }
    Ok(recipients.len())
}

/// The notice `id` as stored (its key, and the notice opened under `change`), or `NotFound`.
fn stored_notice(change: &mut Change<'_>, id: &str) -> Result<(Vec<u8>, Notice)> {
    let key = notice_key_of(id)?;
    let value = change
        .vault()
        .accounting_value(&key)?
        .ok_or_else(|| Error::NotFound(format!("notice {id}")))?;
    let notice = decode_notice(&key, &change.open_in_year(&key, &value)?)?;
    Ok((key, notice))
}

fn public_record(vault: &Vault, notice_key: &[u8]) -> Result<Option<(String, String)>> {
    let Some(value) = vault.accounting_value(&notice_public_key(notice_key))? else {
        return Ok(None);
    };
    let text = String::from_utf8(value)
        .ok()
        .filter(|text| text.len() == 20)
        .ok_or_else(|| Error::corrupt("notice", "bad public-record marker"))?;
    Ok(Some((text[..10].to_owned(), text[10..].to_owned())))
}

fn sent_at(vault: &Vault, notice_key: &[u8]) -> Result<Option<i64>> {
    Ok(vault
        .accounting_value(&notice_sent_key(notice_key))?
        .and_then(|value| value.try_into().ok())
        .map(i64::from_be_bytes))
}

/// An accounting entry from its key and its opened contents.
pub(crate) fn decode_entry(key: &[u8], plain: &[u8]) -> Result<AccountingEntry> {
    let year = entry_year(key)?;
    let mut reader = Reader::new(plain, "accounting entry");
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

#[cfg(test)]
pub(crate) mod tests;

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
